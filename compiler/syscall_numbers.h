// Syscall numbers of this machine's architecture, by the name of the
// syscall's tracepoints (sys_enter_NAME): `syscall:` probes filter the
// raw_syscalls tracepoints on them (lower_syscalls.cpp). The table is
// generated at build time from the system's <asm/unistd_64.h>, so it is
// empty on other architectures (the BPF programs read x86-64 pt_regs) and
// lacks syscalls newer than the installed headers: for those the lowering
// falls back to the per-syscall tracepoints.
#pragma once
#include <optional>
#include <string>

namespace sonde::compiler {

std::optional<long> syscall_number(const std::string& tracepoint_name);

}  // namespace sonde::compiler
