// printf format parsing (see printf_format.h).
#include "compiler/printf_format.h"

#include <cctype>
#include <cstring>

namespace sonde::compiler {
namespace {

// Consumes the length modifier at `i`, if any.
void skip_length(const std::string& f, size_t& i) {
  if (i < f.size() && (f[i] == 'h' || f[i] == 'l')) {
    char c = f[i++];
    if (i < f.size() && f[i] == c) ++i;  // hh, ll
  } else if (i < f.size() && (f[i] == 'z' || f[i] == 'j')) {
    ++i;
  }
}

}  // namespace

Result<std::vector<FormatVerb>> parse_printf_format(const std::string& f) {
  std::vector<FormatVerb> verbs;
  for (size_t i = 0; i < f.size(); ++i) {
    if (f[i] != '%') continue;
    size_t start = i++;
    if (i < f.size() && f[i] == '%') continue;
    while (i < f.size() && std::strchr("-+ #0", f[i])) ++i;
    if (i < f.size() && f[i] == '*') {  // the width is the next argument, an integer
      verbs.push_back({'*', start, "*"});
      ++i;
    }
    while (i < f.size() && std::isdigit(static_cast<unsigned char>(f[i]))) ++i;
    if (i < f.size() && f[i] == '.') {
      ++i;
      while (i < f.size() && std::isdigit(static_cast<unsigned char>(f[i]))) ++i;
    }
    skip_length(f, i);
    if (i >= f.size())
      return make_error("incomplete conversion `" + f.substr(start) + "` at the end of the format");
    if (!std::strchr("diuxXocsp", f[i]))
      return make_error("unknown conversion `" + f.substr(start, i - start + 1) + "`",
                        "supported: %d %i %u %x %X %o %c %s %p and %%");
    verbs.push_back({f[i], start, f.substr(start, i - start + 1)});
  }
  return verbs;
}

}  // namespace sonde::compiler
