// The runtime's public entry. It takes the bytes of a BPF ELF object written
// by the compiler (or read from disk: AOT) and runs it: open → patch config →
// load → attach → poll → detach → print maps → close. It never sees compiler
// data structures and never links LLVM or Clang.
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "support/result.h"

namespace sonde::runtime {

// Folded: text, except maps keyed by stacks print as flame graph input.
enum class OutputFormat { Text, Json, Folded };

struct RunOptions {
  std::vector<pid_t> pids;    // -p (repeatable): trace only these, end when all have exited
  std::string command;        // -c: run this, trace only it, end when it exits
  std::string output_path;    // -o: write output here instead of stdout
  OutputFormat format = OutputFormat::Text;
  bool quiet = false;         // -q: no "Attaching N probes..."
  bool verbose = false;       // -v: libbpf's messages too
  // --target NAME=PATH (repeatable): attach NAME's uprobes and USDT probes
  // to PATH instead of the binary the object was built against.
  std::vector<std::string> target_overrides;
};

// Runs until exit(), Ctrl-C/SIGTERM, or the -p/-c process ending. Returns the
// process exit code: 0 normally, 1 on a runtime failure (already printed to
// stderr), 2 when data was lost (ring buffer full: events; a map full: keys).
int run(const std::vector<uint8_t>& elf, const RunOptions& options);

// `-l [PATTERN]` and `-lv`: prints matching probes: tracepoints, and USDT
// probes or uprobe functions of binaries; with a pid (-l -p PID), the USDT
// probes of that process and its libraries.
int list_probes(const std::string& pattern, bool verbose, pid_t pid = 0);

}  // namespace sonde::runtime
