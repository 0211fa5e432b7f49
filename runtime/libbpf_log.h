// libbpf's messages, routed into our logger. Quiet by default (everything
// with -v), but warnings are always captured, because that is where libbpf
// puts the verifier log of a program the kernel rejected.
#pragma once
#include <string>

namespace sonde::runtime {

// Installs our print callback for its lifetime and restores libbpf's on exit.
class LibbpfLogScope {
 public:
  explicit LibbpfLogScope(bool verbose);
  ~LibbpfLogScope();
  LibbpfLogScope(const LibbpfLogScope&) = delete;
  LibbpfLogScope& operator=(const LibbpfLogScope&) = delete;
};

// Warnings captured since the last call, and forgets them.
std::string take_libbpf_warnings();

// From captured libbpf warnings: the program whose load failed ("" if none).
std::string failed_program(const std::string& warnings);
// The last `lines` lines of the verifier log libbpf printed for `program`.
std::string verifier_log_tail(const std::string& warnings, const std::string& program, int lines);

}  // namespace sonde::runtime
