// Lowering a checked program to a BPF ELF object. Only lowers what the
// checker accepted: it reports no user errors, only internal failures.
#pragma once
#include <string>

#include "compiler/check.h"
#include "compiler/compile.h"

namespace sonde::compiler {

struct CodegenOptions {
  std::string source_name;  // for debug info and the manifest
  std::string source_text;  // BTF line info carries source lines
  std::string dump;         // "ir" or "asm": print that stage to stderr
};

Result<CompiledObject> generate(const CheckedProgram& program, const CodegenOptions& options);

}  // namespace sonde::compiler
