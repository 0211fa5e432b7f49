// The compiler's public entry: script text in, a BPF ELF object (with its
// manifest inside) out. The whole pipeline reads top to bottom in compile.cpp:
// parse → check → lower to LLVM IR → optimise → emit ELF.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "manifest/manifest.h"
#include "support/diagnostics.h"
#include "support/result.h"
#include "support/source.h"

namespace sonde::compiler {

struct CompileOptions {
  std::vector<std::string> params;  // positional parameters $1..
  uint32_t string_size = 64;
  bool string_size_given = false;  // --strlen: overrides the script's `config = { max_strlen = N }`
  std::string dump;  // "", "ast", "ir", "asm", "manifest": print that stage to stderr
  bool check_only = false;  // stop after the checker
  int target_pid = 0;  // -p: uprobe/usdt targets (library names, usdt:*) are found in it
  // Where `use NAME` finds stdlib modules after $SONDE_STDLIB_DIR (the CLI
  // passes the installed share/sonde/stdlib when there is one).
  std::string stdlib_dir = SONDE_STDLIB_DIR;
};

struct CompiledObject {
  std::vector<uint8_t> elf;  // the object, `.sonde` section included
  manifest::Manifest manifest;
};

// On script errors, `diags` holds them and the result is an Error whose
// message counts them. Other failures (LLVM) are Errors with context.
Result<CompiledObject> compile(const SourceFile& file, const CompileOptions& options,
                               Diagnostics& diags);

}  // namespace sonde::compiler
