// Literal decoding for the scanner. The scanner matches a loose shape
// (`[0-9][0-9A-Za-z_]*` for numbers) and these functions decide, so a
// malformed literal yields one precise E-lex diagnostic instead of a
// confusing split into several tokens.
#include "grammar/literals.h"

#include <limits>

namespace sonde::grammar {

namespace {

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

int digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return 99;  // larger than any base
}

// Accumulates digits of `base`, skipping `_` separators; false on a bad digit
// or overflow.
bool accumulate(std::string_view digits, int base, uint64_t& out, std::string& error) {
  uint64_t v = 0;
  bool any = false;
  for (char c : digits) {
    if (c == '_') continue;
    int d = digit_value(c);
    if (d >= base) {
      error = std::string("invalid digit `") + c + "` in integer literal";
      return false;
    }
    if (v > (kMax - d) / base) {
      error = "integer literal is too large";
      return false;
    }
    v = v * base + d;
    any = true;
  }
  if (!any) {
    error = "integer literal has no digits";
    return false;
  }
  out = v;
  return true;
}

bool multiply_pow10(uint64_t& v, std::string_view exp_digits, std::string& error) {
  uint64_t exp = 0;
  if (!accumulate(exp_digits, 10, exp, error)) return false;
  for (uint64_t i = 0; i < exp; ++i) {
    if (v > kMax / 10) {
      error = "integer literal is too large";
      return false;
    }
    v *= 10;
    if (v == 0) break;
  }
  return true;
}

}  // namespace

DecodedInt decode_int(std::string_view text) {
  DecodedInt r;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    accumulate(text.substr(2), 16, r.value, r.error);
    return r;
  }
  size_t e = text.find_first_of("eE");
  if (e != std::string_view::npos) {
    if (accumulate(text.substr(0, e), 10, r.value, r.error))
      multiply_pow10(r.value, text.substr(e + 1), r.error);
    return r;
  }
  bool octal = text.size() > 1 && text[0] == '0';
  accumulate(octal ? text.substr(1) : text, octal ? 8 : 10, r.value, r.error);
  return r;
}

namespace {

// Decodes one escape starting after the backslash at body[i]; advances i past
// it. Returns false (with `error`) on an unknown escape.
bool decode_escape(std::string_view body, size_t& i, std::string& out, std::string& error) {
  char c = body[i];
  switch (c) {
    case 'n': out += '\n'; ++i; return true;
    case 't': out += '\t'; ++i; return true;
    case 'r': out += '\r'; ++i; return true;
    case '\\': out += '\\'; ++i; return true;
    case '"': out += '"'; ++i; return true;
    case '\'': out += '\''; ++i; return true;
    default: break;
  }
  if (c >= '0' && c <= '7') {
    unsigned v = 0;
    for (int n = 0; n < 3 && i < body.size() && body[i] >= '0' && body[i] <= '7'; ++n, ++i)
      v = v * 8 + (body[i] - '0');
    if (v > 255) {
      error = "octal escape is out of range";
      return false;
    }
    out += static_cast<char>(v);
    return true;
  }
  if (c == 'x') {
    ++i;
    unsigned v = 0;
    int n = 0;
    for (; n < 2 && i < body.size() && digit_value(body[i]) < 16; ++n, ++i) v = v * 16 + digit_value(body[i]);
    if (n == 0) {
      error = "`\\x` escape needs hex digits";
      return false;
    }
    out += static_cast<char>(v);
    return true;
  }
  error = std::string("unknown escape sequence `\\") + c + "`";
  ++i;
  return false;
}

}  // namespace

DecodedString decode_string(std::string_view body) {
  DecodedString r;
  for (size_t i = 0; i < body.size();) {
    if (body[i] != '\\') {
      r.value += body[i++];
      continue;
    }
    ++i;
    if (i == body.size()) {
      r.error = "string ends in a lone backslash";
      break;
    }
    std::string err;
    if (!decode_escape(body, i, r.value, err) && r.error.empty()) r.error = err;
  }
  return r;
}

DecodedInt decode_char(std::string_view body) {
  DecodedInt r;
  DecodedString s = decode_string(body);
  if (!s.error.empty()) {
    r.error = s.error;
  } else if (s.value.size() != 1) {
    r.error = "character literal must hold exactly one character";
  } else {
    r.value = static_cast<unsigned char>(s.value[0]);
  }
  return r;
}

}  // namespace sonde::grammar
