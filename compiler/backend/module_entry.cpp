// The one symbol libsonde-codegen.so exports: the loader (module.cpp)
// finds codegen::generate through it.
#include "compiler/backend/backend.h"

extern "C" __attribute__((visibility("default"))) sonde::compiler::GenerateFn sonde_codegen_entry() {
  return &sonde::compiler::generate;
}
