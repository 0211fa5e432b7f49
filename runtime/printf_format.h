// printf formatting for ring-buffer records: bytes + argument layout in,
// text out. Pure, so every verb is unit-tested without a kernel.
//
// Verbs follow bpftrace (which hands them to C's printf): d i u x X o c s p %,
// flags (- + space # 0), width and precision. Integers arrive as 8 bytes; the
// length modifier decides how many of them C would read, so like bpftrace
// `%d`/`%x` use the low 32 bits, `%hd` 16, `%hhd` 8 and `%ld`/`%lld`/`%zd`/`%jd`
// all 64. Strings are fixed-size, NUL-padded buffers.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "manifest/manifest.h"

namespace sonde::runtime {

// One piece of a parsed format string: literal text, or one conversion.
struct FormatPiece {
  std::string literal;  // used when verb == 0
  char verb = 0;        // d i u x X o c s p
  std::string flags;    // any of "-+ #0"
  std::string width;    // digits, may be empty
  bool star_width = false;  // `%*s`: the width is the argument before the value
  std::string precision;  // digits after '.', or empty (has_precision says if '.')
  bool has_precision = false;
  std::string length;   // "", "hh", "h", "l", "ll", "z", "j"
};

// Splits a format string into pieces; "%%" becomes a literal "%". A '%' that
// starts no valid conversion is kept as literal text (the checker rejects
// those before we ever see them).
std::vector<FormatPiece> parse_format(const std::string& format);

// Reads an integer field (1, 2, 4 or 8 bytes, sign from the kind) at
// field.offset of `record`; 0 when it lies outside the record.
int64_t read_integer(const manifest::Field& field, const uint8_t* record, size_t size);
// Reads a string field: its bytes up to the first NUL.
std::string read_string(const manifest::Field& field, const uint8_t* record, size_t size);

// How traced values reach the text: as they are (JSON escapes them itself),
// or through terminal_safe() (the text driver: `%s` strings and `%c`
// characters come from the traced process, the format string from the
// script author, whose own escape sequences are kept).
enum class TracedText { Raw, TerminalSafe };

// Formats one printf record. `args` are in conversion order; offsets are
// from the start of the record (the event id is its first 8 bytes).
// With TerminalSafe, `%.Ns` still clips to N bytes of the traced string,
// and the width pads what is shown (the escaped text).
std::string format_printf(const std::vector<FormatPiece>& pieces,
                          const std::vector<manifest::Field>& args, const uint8_t* record,
                          size_t size, TracedText traced = TracedText::Raw);

}  // namespace sonde::runtime
