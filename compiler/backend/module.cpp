// Codegen loaded at run time from libsonde-codegen.so, found next to the
// executable (build tree) or in ../lib/sonde/ (installed); SONDE_CODEGEN
// names another file.
#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

#include "compiler/backend/backend.h"

namespace sonde::compiler {

namespace {

constexpr const char* kModuleName = "libsonde-codegen.so";

std::vector<std::string> candidate_paths() {
  if (const char* forced = std::getenv("SONDE_CODEGEN")) return {forced};
  std::error_code ec;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  std::filesystem::path dir = exe.parent_path();
  return {(dir / kModuleName).string(), (dir / ".." / "lib" / "sonde" / kModuleName).string()};
}

std::string module_path() {
  for (const std::string& p : candidate_paths())
    if (access(p.c_str(), R_OK) == 0) return p;
  return {};
}

Result<GenerateFn> load() {
  std::string path = module_path();
  if (const char* forced = std::getenv("SONDE_CODEGEN"); path.empty() && forced)
    return make_error(std::string("cannot read the compiler's code generator: SONDE_CODEGEN names ") + forced,
                      "point SONDE_CODEGEN at libsonde-codegen.so, or unset it");
  if (path.empty())
    return make_error(std::string("cannot find the compiler's code generator (") + kModuleName +
                          ") next to the sonde binary or in ../lib/sonde/",
                      "reinstall sonde, or set SONDE_CODEGEN to the file's path");
  // RTLD_LOCAL: LLVM's symbols stay out of the global scope.
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) return make_error(std::string("cannot load ") + path + ": " + dlerror());
  using EntryFn = GenerateFn (*)();
  auto entry = reinterpret_cast<EntryFn>(dlsym(handle, "sonde_codegen_entry"));
  if (!entry) return make_error(path + " is not sonde's code generator (no sonde_codegen_entry)");
  return entry();
}

}  // namespace

Result<GenerateFn> codegen_backend() {
  static Result<GenerateFn> loaded = load();  // never unloaded: LLVM keeps static state
  return loaded;
}

std::string codegen_module_path() { return module_path(); }

}  // namespace sonde::compiler
