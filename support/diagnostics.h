// One sink for every user-facing error about a script. A diagnostic carries a
// stable code (tests assert codes and ranges, never rendered text), a range,
// a message and optional hints. One renderer prints
//   file:line:col: error: message
//     <source line>
//     ^~~~~
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "support/source.h"

namespace sonde {

enum class Severity { Error, Warning };

struct Diagnostic {
  Severity severity = Severity::Error;
  std::string code;  // e.g. "E-parse", "E-unknown-function"
  SourceRange range;
  std::string message;
  std::vector<std::string> hints;  // rendered as "hint: ..." lines
};

class Diagnostics {
 public:
  void error(std::string code, SourceRange range, std::string message,
             std::vector<std::string> hints = {});
  void warning(std::string code, SourceRange range, std::string message,
               std::vector<std::string> hints = {});

  bool has_errors() const { return error_count_ > 0; }
  int error_count() const { return error_count_; }
  const std::vector<Diagnostic>& all() const { return items_; }

 private:
  std::vector<Diagnostic> items_;
  int error_count_ = 0;
};

// Renders one diagnostic with its source line and a caret under the range.
std::string render(const Diagnostic& d, const SourceFile& file, bool color = false);
// Renders all, in order, separated by newlines.
std::string render_all(const Diagnostics& diags, const SourceFile& file, bool color = false);

// The candidate closest to `name` by edit distance, if close enough to be a
// plausible typo; empty otherwise. Used for "did you mean `count`?".
std::string closest_match(std::string_view name, const std::vector<std::string>& candidates);

}  // namespace sonde
