// printf format strings: the verbs bpftrace accepts, parsed once so the
// checker can match each verb with its argument.
#pragma once
#include <string>
#include <vector>

#include "support/result.h"

namespace sonde::compiler {

// One conversion: `%-08.3lld` → verb 'd'. `%%` produces no FormatVerb.
struct FormatVerb {
  char verb = 'd';      // d i u x X o c s p, or '*': a `%*d` width (an integer)
  size_t offset = 0;    // of the '%' in the format
  std::string spec;     // the whole conversion as written, "%-08.3lld"
  bool takes_string() const { return verb == 's'; }
};

// Accepts flags "-+ #0", a decimal width or `*` (its own FormatVerb, before
// the conversion's), ".precision", length modifiers
// h hh l ll z j, and the verbs above. Errors name the offending conversion.
Result<std::vector<FormatVerb>> parse_printf_format(const std::string& format);

}  // namespace sonde::compiler
