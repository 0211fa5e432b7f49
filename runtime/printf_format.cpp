#include "runtime/printf_format.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "runtime/symbolize.h"
#include "runtime/terminal_safe.h"

namespace sonde::runtime {

namespace {

// A `%*s` width comes from the traced data: bound it.
constexpr int64_t kMaxStarWidth = 1024;

bool is_verb(char c) { return std::strchr("diuxXocsp", c) != nullptr && c != 0; }

// Parses one conversion starting just after '%'; returns the index after it,
// or `start` when the text there is not a conversion.
size_t parse_conversion(const std::string& f, size_t start, FormatPiece& piece) {
  size_t i = start;
  while (i < f.size() && std::strchr("-+ #0", f[i]) && f[i]) piece.flags += f[i++];
  if (i < f.size() && f[i] == '*') piece.star_width = true, ++i;
  while (i < f.size() && f[i] >= '0' && f[i] <= '9') piece.width += f[i++];
  if (i < f.size() && f[i] == '.') {
    piece.has_precision = true;
    ++i;
    while (i < f.size() && f[i] >= '0' && f[i] <= '9') piece.precision += f[i++];
  }
  for (const char* mod : {"hh", "h", "ll", "l", "z", "j"}) {
    if (f.compare(i, std::strlen(mod), mod) == 0) {
      piece.length = mod;
      i += std::strlen(mod);
      break;
    }
  }
  if (i >= f.size() || !is_verb(f[i])) return start;
  piece.verb = f[i];
  return i + 1;
}

void append_literal(std::vector<FormatPiece>& pieces, const std::string& text) {
  if (text.empty()) return;
  if (!pieces.empty() && pieces.back().verb == 0)
    pieces.back().literal += text;
  else
    pieces.emplace_back().literal = text;
}

// The C conversion spec for a piece; `length` replaces the script's modifier.
std::string c_spec(const FormatPiece& p, const char* length) {
  std::string spec = "%" + p.flags + p.width;
  if (p.has_precision) spec += "." + p.precision;
  return spec + length + p.verb;
}

template <typename... Args>
std::string c_format(const std::string& spec, Args... args) {
  char small[128];
  int n = std::snprintf(small, sizeof small, spec.c_str(), args...);
  if (n < 0) return {};
  if (static_cast<size_t>(n) < sizeof small) return std::string(small, n);
  std::string big(static_cast<size_t>(n) + 1, '\0');
  std::snprintf(big.data(), big.size(), spec.c_str(), args...);
  big.resize(n);
  return big;
}

bool is_wide(const std::string& length) {
  return length == "l" || length == "ll" || length == "z" || length == "j";
}

// Integer verbs read as many bytes as C would for the modifier (see header).
std::string format_integer(const FormatPiece& p, int64_t v) {
  bool is_signed = p.verb == 'd' || p.verb == 'i';
  if (is_wide(p.length)) {
    return is_signed ? c_format(c_spec(p, "ll"), static_cast<long long>(v))
                     : c_format(c_spec(p, "ll"), static_cast<unsigned long long>(v));
  }
  const char* narrow = p.length.c_str();  // "", "h" or "hh": C narrows an int
  return is_signed ? c_format(c_spec(p, narrow), static_cast<int>(v))
                   : c_format(c_spec(p, narrow), static_cast<unsigned int>(v));
}

// `%s` of a traced string made terminal-safe: C's precision clips the raw
// bytes first, then the escaped text is padded to the width.
std::string format_terminal_safe(const FormatPiece& p, std::string s) {
  if (p.has_precision) s.resize(std::min<size_t>(s.size(), std::strtoull(p.precision.c_str(), nullptr, 10)));
  FormatPiece unclipped = p;
  unclipped.has_precision = false;
  unclipped.precision.clear();
  return c_format(c_spec(unclipped, ""), terminal_safe(s).c_str());
}

std::string format_one(const FormatPiece& p, const manifest::Field* field, const uint8_t* record,
                       size_t size, TracedText traced) {
  bool is_string = field && field->kind == manifest::FieldKind::String;
  bool safe = traced == TracedText::TerminalSafe;
  if (p.verb == 's') {
    if (field && manifest::is_stack(field->kind)) {  // bpftrace: a newline, then frames indented 8
      std::string frames = stack_text(read_stack(*field, record, size), 8);
      return c_format(c_spec(p, ""), (safe ? terminal_safe(frames) : frames).c_str());
    }
    if (is_string && safe) return format_terminal_safe(p, read_string(*field, record, size));
    std::string s = is_string ? read_string(*field, record, size)
                    : field   ? std::to_string(read_integer(*field, record, size))
                              : std::string();
    return c_format(c_spec(p, ""), s.c_str());
  }
  int64_t v = (field && !is_string) ? read_integer(*field, record, size) : 0;
  if (p.verb == 'c') {
    std::string c = c_format(c_spec(p, ""), static_cast<int>(static_cast<unsigned char>(v)));
    return safe ? terminal_safe(c) : c;
  }
  if (p.verb == 'p') {
    FormatPiece plain = p;
    plain.length.clear();
    return c_format(c_spec(plain, ""), reinterpret_cast<void*>(static_cast<uintptr_t>(v)));
  }
  return format_integer(p, v);
}

}  // namespace

std::vector<FormatPiece> parse_format(const std::string& format) {
  std::vector<FormatPiece> pieces;
  std::string text;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') {
      text += format[i];
      continue;
    }
    if (i + 1 < format.size() && format[i + 1] == '%') {
      text += '%';
      ++i;
      continue;
    }
    FormatPiece piece;
    size_t next = parse_conversion(format, i + 1, piece);
    if (next == i + 1) {
      text += '%';
      continue;
    }
    append_literal(pieces, text);
    text.clear();
    pieces.push_back(std::move(piece));
    i = next - 1;
  }
  append_literal(pieces, text);
  return pieces;
}

int64_t read_integer(const manifest::Field& field, const uint8_t* record, size_t size) {
  uint32_t n = field.size;
  if (n != 1 && n != 2 && n != 4 && n != 8) n = 8;
  if (static_cast<size_t>(field.offset) + n > size) return 0;
  uint64_t raw = 0;
  std::memcpy(&raw, record + field.offset, n);  // little-endian, like the BPF target
  bool is_signed = field.kind == manifest::FieldKind::Int;
  if (is_signed && n < 8 && (raw >> (n * 8 - 1)) & 1) raw |= ~0ull << (n * 8);
  return static_cast<int64_t>(raw);
}

std::string read_string(const manifest::Field& field, const uint8_t* record, size_t size) {
  if (field.offset >= size) return {};
  size_t avail = std::min<size_t>(field.size, size - field.offset);
  const char* start = reinterpret_cast<const char*>(record + field.offset);
  return std::string(start, strnlen(start, avail));
}

std::string format_printf(const std::vector<FormatPiece>& pieces,
                          const std::vector<manifest::Field>& args, const uint8_t* record,
                          size_t size, TracedText traced) {
  std::string out;
  size_t arg = 0;
  for (const FormatPiece& p : pieces) {
    if (p.verb == 0) {
      out += p.literal;
      continue;
    }
    FormatPiece piece = p;
    if (p.star_width) {  // like C: a negative width left-aligns
      const manifest::Field* width = arg < args.size() ? &args[arg] : nullptr;
      ++arg;
      int64_t w = width ? read_integer(*width, record, size) : 0;
      w = std::clamp<int64_t>(w, -kMaxStarWidth, kMaxStarWidth);
      if (w < 0) piece.flags += '-';
      piece.width = std::to_string(w < 0 ? -w : w);
    }
    const manifest::Field* field = arg < args.size() ? &args[arg] : nullptr;
    ++arg;
    out += format_one(piece, field, record, size, traced);
  }
  return out;
}

}  // namespace sonde::runtime
