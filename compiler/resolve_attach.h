// Attach-point resolution: one written attach point → zero or more concrete
// ResolvedAttach (tracepoint wildcards expand), with errors for shapes sonde
// cannot attach. Internal to the checker.
#pragma once
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "compiler/check.h"
#include "support/elf_image.h"

namespace sonde::compiler {

// Caches tracefs work across the attach points of one program: the full
// tracepoint list (for hints) is read at most once.
class TracepointCatalog {
 public:
  // Mounts tracefs on first use; false (and a diagnostic) if that failed.
  bool available(const ast::AttachPoint& ap, Diagnostics& diags);
  const std::vector<std::string>& all();

  // -p: user-space targets (uprobe/usdt) are looked up in this process.
  int target_pid = 0;
  // A user binary, opened once per program; null (and `error` set) when it
  // cannot be read as an ELF file.
  const elf::Image* image(const std::string& path, Error& error);

 private:
  std::map<std::string, std::shared_ptr<Result<elf::Image>>> images_;
  std::optional<bool> mounted_;
  std::optional<std::vector<std::string>> all_;
};

// User-space providers (resolve_user.cpp).
std::vector<ResolvedAttach> resolve_uprobe(const ast::AttachPoint& ap, TracepointCatalog& catalog,
                                           Diagnostics& diags);
std::vector<ResolvedAttach> resolve_usdt(const ast::AttachPoint& ap, TracepointCatalog& catalog,
                                         Diagnostics& diags);

std::vector<ResolvedAttach> resolve_attach(const ast::AttachPoint& ap, TracepointCatalog& catalog,
                                           Diagnostics& diags);

}  // namespace sonde::compiler
