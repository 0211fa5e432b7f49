// The traced process of -p and -c. -p watches an existing process through a
// pidfd (kill(pid, 0) where pidfd_open is missing). -c forks a child that
// execs CMD (split on spaces, or through /bin/sh -c when it uses shell
// syntax) under PTRACE_TRACEME, so the kernel holds it stopped right after
// the exec: probes attach to the new image and its first instruction is
// already traced. release() detaches; the session reaps it.
#pragma once
#include <sys/types.h>

#include <string>

#include "runtime/bpf_handles.h"
#include "support/result.h"

namespace sonde::runtime {

class Target {
 public:
  Target() = default;  // no target: trace everything, never "gone"
  Target(Target&& other) noexcept;
  Target& operator=(Target&&) = delete;
  Target(const Target&) = delete;
  ~Target();

  static Result<Target> watch(pid_t pid);
  static Result<Target> spawn(const std::string& command);

  pid_t pid() const { return pid_; }
  // -c: lets the child exec its command (call once the probes are attached).
  void release();
  // True once the process has exited (a -c child is reaped here).
  bool gone();

 private:
  pid_t pid_ = 0;
  bool is_child_ = false;
  bool reaped_ = false;
  bool stopped_ = false;  // -c: held at exec until release()
  bool traced_ = false;   // held by ptrace (else by SIGSTOP, when ptrace is refused)
  UniqueFd pidfd_;
};

}  // namespace sonde::runtime
