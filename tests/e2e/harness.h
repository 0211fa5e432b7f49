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

// A process running in the background, its output collected as it comes.
class Spawned {
 public:
  explicit Spawned(const std::vector<std::string>& argv);
  ~Spawned();
  Spawned(const Spawned&) = delete;
  Spawned& operator=(const Spawned&) = delete;

  pid_t pid() const { return pid_; }
  // Reads output until `needle` shows on stderr (or stdout), or timeout. True if seen.
  bool wait_for_err(const std::string& needle, double timeout_s = 30);
  bool wait_for_out(const std::string& needle, double timeout_s = 30);
  void signal(int sig);
  // What it printed so far (read by the wait_for_* calls), while it runs on.
  const RunResult& so_far() const { return result_; }
  // Waits for exit (killing it after timeout) and returns everything it printed.
  RunResult finish(double timeout_s = 30);

 private:
  void pump(double timeout_s);
  pid_t pid_ = -1;
  int out_fd_ = -1, err_fd_ = -1;
  RunResult result_;
  bool done_ = false;
};

// Creates an empty file (the "go" signal for fixtures started with --wait).
void touch(const std::string& path);
// A fresh path under /tmp for this test.
std::string temp_path(const std::string& stem);

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
