// Source text and positions. Every stage that reports on a script speaks in
// these terms; bison's own location type never leaves grammar/.
#pragma once
#include <string>
#include <string_view>

namespace sonde {

struct SourcePos {
  int line = 1;    // 1-based
  int column = 1;  // 1-based, in bytes
};

struct SourceRange {
  SourcePos begin;
  SourcePos end;  // inclusive of the last character
};

struct SourceFile {
  std::string name;  // "-e" for a command-line program, else the path
  std::string text;

  // The text of line `n` (1-based) without its newline; empty if out of range.
  std::string_view line(int n) const;
};

}  // namespace sonde
