// End-to-end harness: runs the built `sonde` (and fixtures) as a user would,
// captures stdout, stderr and the exit status. Kernel tests call
// require_bpf() first: without root/BPF they skip, unless SONDE_REQUIRE_BPF=1
// (CI), where a skip would hide a broken machine and so fails instead.
#pragma once
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sonde::e2e {

struct RunResult {
  int exit_code = -1;  // -1 if killed by a signal
  int signal = 0;
  std::string out;
  std::string err;
};

// The path of a built binary or fixture: bin("sonde"), fixture("syscalls").
std::string bin(const std::string& name);
std::string fixture(const std::string& name);
std::string source_path(const std::string& relative);

// Runs argv with an optional timeout (seconds); stdin is /dev/null.
RunResult run(const std::vector<std::string>& argv, double timeout_s = 60);
// Shorthand: run sonde with these arguments.
RunResult sonde(const std::vector<std::string>& args, double timeout_s = 60);

// True when this process can load BPF programs (root, bpf syscall works).
bool bpf_available(std::string* why);

// Lines of `text` (no trailing empty line).
std::vector<std::string> lines(const std::string& text);

}  // namespace sonde::e2e

#define SONDE_REQUIRE_BPF()                                                        \
  do {                                                                             \
    std::string why_;                                                              \
    if (!::sonde::e2e::bpf_available(&why_)) {                                     \
      const char* req_ = getenv("SONDE_REQUIRE_BPF");                              \
      if (req_ && std::string(req_) == "1")                                        \
        FAIL() << "kernel test cannot run (SONDE_REQUIRE_BPF=1): " << why_;        \
      GTEST_SKIP() << "kernel test skipped: " << why_;                             \
    }                                                                              \
  } while (0)
