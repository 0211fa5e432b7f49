// libFuzzer target: the whole compiler (parse → check → LLVM → BPF ELF) on
// arbitrary bytes, without loading anything into the kernel. Checking
// tracepoint attach points reads tracefs, so run it as root with tracefs
// mounted; the runtime is never linked.
#define SONDE_FUZZ_WITH_COMPILE
#include "tests/fuzz/fuzz_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sonde::fuzz::compile_to_object(data, size);
  return 0;
}
