// Stack symbolization: return addresses to `function+offset`, without LLVM.
//
// Kernel addresses are looked up in /proc/kallsyms (read once). User
// addresses belong to a process: its /proc/PID/maps (read once per pid, on
// first use) gives the file and file offset of each executable mapping; the
// file's ELF symbols (.symtab, else .dynsym; or the .symtab of a separate
// debug file found by build-id under /usr/lib/debug/.build-id) turn the
// offset into a function. C++ names are demangled. A process that has
// exited before its stacks are printed has no maps left to read: its frames
// are `[unknown]`, unless its maps were remembered before (the -p/-c
// process is, every poll round). An address in no known symbol prints as hex, as bpftrace.
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "manifest/manifest.h"

namespace sonde::runtime {

struct Frame {
  uint64_t address = 0;
  std::string symbol;   // demangled; empty when unresolved
  uint64_t offset = 0;  // from the symbol's start
  std::string module;   // the ELF file (user) or kernel module; may be empty
  bool process_gone = false;  // user frame of a process that has exited
};

Frame symbolize_kernel(uint64_t address);
// Reads the process's maps again now, so its stacks still symbolize after
// it exits (the runtime calls it each poll round for the -p/-c process).
void remember_process(pid_t pid);
Frame symbolize_user(pid_t pid, uint64_t address);

// One decoded stack field (manifest.h's layout): the pid, then the frames
// leaf first.
struct StackFrames {
  bool user = false;
  pid_t pid = 0;
  std::vector<Frame> frames;
};
StackFrames read_stack(const manifest::Field& field, const uint8_t* data, size_t size);

// bpftrace's text: "\n", then one `sym+off` line per frame indented by
// `indent` spaces (4 in map keys, 8 in printf).
std::string stack_text(const StackFrames& stack, int indent);
// The frame names, root first, for folded output (`[unknown]` when unresolved).
std::vector<std::string> stack_folded(const StackFrames& stack);

// The name of a frame as bpftrace prints it: `sym+off`, else `0x...`, or
// `[unknown]` when the process had exited.
std::string frame_text(const Frame& frame);

}  // namespace sonde::runtime
