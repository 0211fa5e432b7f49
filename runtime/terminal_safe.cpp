#include "runtime/terminal_safe.h"

#include <cstdint>

namespace sonde::runtime {

namespace {

// Length of the valid, printable UTF-8 sequence starting at s[i] (2 to 4), or
// 0 when it is invalid or encodes a C1 control. Follows RFC 3629's table:
// the second byte's range depends on the lead, which rules out overlong
// forms, surrogates and code points past U+10FFFF.
size_t printable_utf8_length(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  auto in = [](unsigned char c, unsigned lo, unsigned hi) { return c >= lo && c <= hi; };
  unsigned char lead = byte(0);
  size_t len = in(lead, 0xc2, 0xdf) ? 2 : in(lead, 0xe0, 0xef) ? 3 : in(lead, 0xf0, 0xf4) ? 4 : 0;
  if (len == 0 || i + len > s.size()) return 0;
  unsigned lo = 0x80, hi = 0xbf;
  if (lead == 0xe0) lo = 0xa0;
  if (lead == 0xed) hi = 0x9f;
  if (lead == 0xf0) lo = 0x90;
  if (lead == 0xf4) hi = 0x8f;
  if (!in(byte(1), lo, hi)) return 0;
  for (size_t k = 2; k < len; ++k)
    if (!in(byte(k), 0x80, 0xbf)) return 0;
  if (lead == 0xc2 && byte(1) <= 0x9f) return 0;  // U+0080..U+009F: C1 controls
  return len;
}

void append_hex(std::string& out, unsigned char c) {
  static const char kDigits[] = "0123456789abcdef";
  out += "\\x";
  out += kDigits[c >> 4];
  out += kDigits[c & 0x0f];
}

}  // namespace

std::string terminal_safe(std::string_view traced) {
  std::string out;
  out.reserve(traced.size());
  for (size_t i = 0; i < traced.size();) {
    unsigned char c = static_cast<unsigned char>(traced[i]);
    if ((c >= 0x20 && c < 0x7f) || c == '\n' || c == '\t') {
      out += static_cast<char>(c);
      ++i;
    } else if (size_t len = c >= 0x80 ? printable_utf8_length(traced, i) : 0) {
      out.append(traced.substr(i, len));
      i += len;
    } else {
      append_hex(out, c);
      ++i;
    }
  }
  return out;
}

}  // namespace sonde::runtime
