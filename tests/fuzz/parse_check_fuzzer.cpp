// libFuzzer target: grammar::parse + compiler::check on arbitrary bytes.
// The contract checks live in fuzz_checks.h, shared with the replay test.
#include "tests/fuzz/fuzz_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sonde::fuzz::parse_and_check(data, size);
  return 0;
}
