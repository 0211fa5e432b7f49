// The traced process of -p and -c. -p watches an existing process through a
// pidfd (kill(pid, 0) where pidfd_open is missing). -c forks a child that
// blocks on a pipe until the probes are attached, so its first instruction
// is already traced, then execs CMD (split on spaces, or through /bin/sh -c
// when it uses shell syntax); the session reaps it.
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
  UniqueFd pidfd_;
  UniqueFd start_pipe_;  // -c: write end; one byte lets the child exec
};

}  // namespace sonde::runtime
