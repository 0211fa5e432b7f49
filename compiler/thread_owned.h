// Maps the span lowering (compiler/lower_spans.cpp) keeps per thread: keyed
// by tid or (tid, depth), named @__sp_*, and written or deleted only by
// their own thread's programs (sched_process_exit runs in the exiting
// thread). Codegen relies on that to store integers into them in place
// (compiler/codegen/stmt.cpp); the lowering names its maps with the prefix.
#pragma once
#include <string>
#include <string_view>

namespace sonde::compiler {

inline constexpr std::string_view kThreadOwnedMapPrefix = "@__sp_";

inline bool is_thread_owned_map(const std::string& name) {
  return name.rfind(kThreadOwnedMapPrefix, 0) == 0;
}

}  // namespace sonde::compiler
