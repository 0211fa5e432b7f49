#include "support/diagnostics.h"

#include <algorithm>

namespace sonde {

void Diagnostics::error(std::string code, SourceRange range, std::string message,
                        std::vector<std::string> hints) {
  items_.push_back({Severity::Error, std::move(code), range, std::move(message), std::move(hints)});
  ++error_count_;
}

void Diagnostics::warning(std::string code, SourceRange range, std::string message,
                          std::vector<std::string> hints) {
  items_.push_back({Severity::Warning, std::move(code), range, std::move(message), std::move(hints)});
}

std::string render(const Diagnostic& d, const SourceFile& file, bool color) {
  const char* bold = color ? "\033[1m" : "";
  const char* red = color ? "\033[1;31m" : "";
  const char* magenta = color ? "\033[1;35m" : "";
  const char* green = color ? "\033[1;32m" : "";
  const char* reset = color ? "\033[0m" : "";
  bool is_error = d.severity == Severity::Error;

  std::string out = std::string(bold) + file.name + ":" + std::to_string(d.range.begin.line) + ":" +
                    std::to_string(d.range.begin.column) + ": " + reset +
                    (is_error ? red : magenta) + (is_error ? "error: " : "warning: ") + reset +
                    bold + d.message + reset + "\n";

  std::string_view line = file.line(d.range.begin.line);
  if (!line.empty() || d.range.begin.line >= 1) {
    out += "    ";
    out += line;
    out += "\n    ";
    // Keep tabs in the gutter so the caret lines up under tab-indented code.
    int start = std::max(1, d.range.begin.column);
    for (int i = 1; i < start; ++i)
      out += (i - 1 < static_cast<int>(line.size()) && line[i - 1] == '\t') ? '\t' : ' ';
    int end = d.range.end.line == d.range.begin.line ? std::max(d.range.end.column, start)
                                                     : static_cast<int>(line.size());
    end = std::max(end, start);
    out += green;
    out += '^';
    for (int i = start + 1; i <= end; ++i) out += '~';
    out += reset;
    out += "\n";
  }
  for (const auto& hint : d.hints) out += "    hint: " + hint + "\n";
  return out;
}

std::string render_all(const Diagnostics& diags, const SourceFile& file, bool color) {
  std::string out;
  for (const auto& d : diags.all()) out += render(d, file, color);
  return out;
}

static size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t substitute = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, substitute});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string closest_match(std::string_view name, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_distance = SIZE_MAX;
  for (const auto& c : candidates) {
    size_t d = edit_distance(name, c);
    if (d < best_distance) best_distance = d, best = c;
  }
  // A typo changes at most about a third of a name.
  size_t allowed = std::max<size_t>(1, name.size() / 3);
  return best_distance <= allowed ? best : std::string();
}

}  // namespace sonde
