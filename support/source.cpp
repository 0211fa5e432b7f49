#include "support/source.h"

namespace sonde {

std::string_view SourceFile::line(int n) const {
  std::string_view rest = text;
  for (int i = 1; i < n; ++i) {
    size_t nl = rest.find('\n');
    if (nl == std::string_view::npos) return {};
    rest.remove_prefix(nl + 1);
  }
  return rest.substr(0, rest.find('\n'));
}

}  // namespace sonde
