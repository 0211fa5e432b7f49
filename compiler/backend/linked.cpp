// Codegen linked into this binary (tests, benchmarks, fuzzers).
#include "compiler/backend/backend.h"

namespace sonde::compiler {

Result<GenerateFn> codegen_backend() { return &generate; }

std::string codegen_module_path() { return {}; }

}  // namespace sonde::compiler
