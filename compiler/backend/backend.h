// Where the LLVM half of the compiler comes from. Tests, benchmarks and
// fuzzers link codegen in (linked.cpp). The `sonde` binary loads it from
// libsonde-codegen.so on first use (module.cpp): LLVM and Clang are about
// 150 MiB of shared libraries, and a run whose object is in the compile
// cache never needs them, so it starts like the runtime-only runner.
#pragma once
#include <string>

#include "compiler/codegen/codegen.h"

namespace sonde::compiler {

using GenerateFn = Result<CompiledObject> (*)(const CheckedProgram&, const CodegenOptions&);

// codegen::generate, loading it first if needed (once per process).
Result<GenerateFn> codegen_backend();

// The module codegen_backend() would load ("" when linked in), without
// loading it: compile-cache keys include it, so a rebuilt module misses.
std::string codegen_module_path();

}  // namespace sonde::compiler
