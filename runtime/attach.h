// Attaching one probe: a table maps each manifest probe kind to the function
// that attaches it, one kind per file (attach_<kind>.cpp). BEGIN and END are
// not attached: they are raw_tp programs run once with BPF_PROG_TEST_RUN.
// uprobe/uretprobe/usdt get their own attach_uprobe.cpp / attach_usdt.cpp
// and one row each in the table in attach.cpp.
#pragma once
#include <sys/types.h>

#include <vector>

#include "manifest/manifest.h"
#include "runtime/bpf_handles.h"
#include "support/result.h"

namespace sonde::runtime {

using Links = std::vector<LinkPtr>;

// Attaches `probe` (its program already loaded). BEGIN/END yield no links.
// `pids` (-p/-c), when given, limit user-space probes to those processes
// (one attachment each); kernel-side kinds ignore them (the programs filter
// by pid themselves).
Result<Links> attach_probe(bpf_program* prog, const manifest::ProbeSpec& probe,
                           const std::vector<pid_t>& pids = {});
bool is_run_once(const manifest::ProbeSpec& probe);  // BEGIN or END
bool needs_tracefs(const manifest::ProbeSpec& probe);

// The attach kinds (attach_tracepoint.cpp, attach_raw_tracepoint.cpp,
// attach_perf_event.cpp).
Result<Links> attach_tracepoint(bpf_program* prog, const manifest::ProbeSpec& probe);
Result<Links> attach_raw_tracepoint(bpf_program* prog, const manifest::ProbeSpec& probe);
Result<Links> attach_interval(bpf_program* prog, const manifest::ProbeSpec& probe);
Result<Links> attach_profile(bpf_program* prog, const manifest::ProbeSpec& probe);

// User-space kinds (attach_uprobe.cpp, attach_usdt.cpp). Without a pid,
// every process running the binary is traced, including later ones.
Result<Links> attach_uprobe(bpf_program* prog, const manifest::ProbeSpec& probe, pid_t pid);
Result<Links> attach_usdt(bpf_program* prog, const manifest::ProbeSpec& probe, pid_t pid);
// The file a uprobe/usdt probe names: its path, or a library short name
// ("libc") resolved on this machine (in PID's mappings when given).
Result<std::string> user_binary(const manifest::ProbeSpec& probe, pid_t pid);

// attach_begin_end.cpp: runs a BEGIN or END program once, on this CPU.
Status run_once(bpf_program* prog, const manifest::ProbeSpec& probe);

}  // namespace sonde::runtime
