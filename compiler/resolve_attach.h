// Attach-point resolution: one written attach point → zero or more concrete
// ResolvedAttach (tracepoint wildcards expand), with errors for shapes sonde
// cannot attach. Internal to the checker.
#pragma once
#include <optional>
#include <vector>

#include "compiler/check.h"

namespace sonde::compiler {

// Caches tracefs work across the attach points of one program: the full
// tracepoint list (for hints) is read at most once.
class TracepointCatalog {
 public:
  // Mounts tracefs on first use; false (and a diagnostic) if that failed.
  bool available(const ast::AttachPoint& ap, Diagnostics& diags);
  const std::vector<std::string>& all();

 private:
  std::optional<bool> mounted_;
  std::optional<std::vector<std::string>> all_;
};

std::vector<ResolvedAttach> resolve_attach(const ast::AttachPoint& ap, TracepointCatalog& catalog,
                                           Diagnostics& diags);

}  // namespace sonde::compiler
