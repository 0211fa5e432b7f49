// Command-line options shared by `sonde` and the runtime-only `sonde-run`.
// Spellings follow bpftrace where they overlap (-e -p -c -o -f -q -v -l -d).
#pragma once
#include <string>
#include <vector>

#include "runtime/runtime.h"

namespace sonde::cli {

enum class Command { Trace, Run, Build, Check, List, Help, Version };

struct Options {
  Command command = Command::Trace;
  std::string program;      // -e text
  std::string script;       // script file, stdlib name or .bpf.o object
  std::vector<std::string> params;  // positional parameters $1..
  std::string out_object;   // build: -o
  std::string emit;         // build: --emit llvm|asm
  std::string dump;         // -d / --dump STAGE
  std::string list_pattern; // -l PATTERN
  bool list_verbose = false;
  uint32_t string_size = 64;
  bool string_size_given = false;  // --strlen was on the command line
  runtime::RunOptions run;
};

// Parses argv. On a usage error, prints it with a hint to stderr and returns
// false. `runner` selects sonde-run's smaller surface (no compiling).
bool parse_options(int argc, char** argv, bool runner, Options& out);

void print_usage(bool runner);

// Reads a whole file; false and an error message if it can't.
bool read_file(const std::string& path, std::string& out, std::string& error);

}  // namespace sonde::cli
