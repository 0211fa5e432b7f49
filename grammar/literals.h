// Decoding of literal tokens (integers, strings, characters). Pure functions,
// so the scanner stays small and the rules are unit-tested directly.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace sonde::grammar {

struct DecodedInt {
  uint64_t value = 0;
  std::string error;  // empty when the literal is valid
};

struct DecodedString {
  std::string value;
  std::string error;  // empty when every escape was valid
};

// 42, 1_000, 0x1f, 0755 (octal, as in C and bpftrace), 1e3 (bpftrace 0.17
// accepts this integer-valued scientific form). Anything else, e.g. `10k`, is
// an error.
DecodedInt decode_int(std::string_view text);

// The body of a string literal, without its quotes: \n \t \r \\ \" \' \0
// \NNN (octal, up to 3 digits), \xNN (hex, 1 or 2 digits).
DecodedString decode_string(std::string_view body);

// The body of a character literal, without its quotes: exactly one byte
// after escapes are decoded.
DecodedInt decode_char(std::string_view body);

}  // namespace sonde::grammar
