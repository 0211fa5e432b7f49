// `use NAME` / `use "path"`: modules of declarations.
//
// A module is a .sonde file holding only declarations (providers, syscall
// sets, spans, further `use`s); a probe in a module is an error, so using a
// module never adds output. `use NAME` looks for, in order,
// $SONDE_STDLIB_DIR/NAME.sonde, $SONDE_STDLIB_DIR/providers/NAME.sonde, then
// the same under the stdlib directory sonde was built with; `use "path"`
// is a file path, relative to the script's directory. Each file is read
// once however often it is used (cycles end there), and two declarations
// of one name (provider, syscall set or span) are an error. Errors inside a
// module are reported at the `use`, with the module's own position.
#include <sys/stat.h>

#include <climits>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "compiler/lower.h"

namespace sonde::compiler {

using namespace ast;

namespace {

bool is_file(const std::string& path) {
  struct stat st{};
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::vector<std::string> candidates(const UseDecl& use, const LowerOptions& options) {
  if (use.is_path) {
    if (use.name.starts_with("/") || options.script_dir.empty()) return {use.name};
    return {options.script_dir + "/" + use.name};
  }
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("SONDE_STDLIB_DIR"); env && *env) dirs.push_back(env);
  if (!options.stdlib_dir.empty()) dirs.push_back(options.stdlib_dir);
  std::vector<std::string> out;
  for (const auto& dir : dirs) {
    out.push_back(dir + "/" + use.name + ".sonde");
    out.push_back(dir + "/providers/" + use.name + ".sonde");
  }
  return out;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

template <typename T>
void append(std::vector<T>& to, std::vector<T>& from) {
  for (auto& x : from) to.push_back(std::move(x));
  from.clear();
}

class Resolver {
 public:
  Resolver(Context& ctx, const LowerOptions& options, Diagnostics& diags)
      : ctx_(ctx), options_(options), diags_(diags) {}

  void run() {
    // Uses appended by modules are resolved by this same loop.
    for (size_t i = 0; i < ctx_.program.uses.size(); ++i) load(UseDecl(ctx_.program.uses[i]));
    check_unique();
  }

 private:
  void load(const UseDecl& use) {
    std::string path;
    for (const auto& c : candidates(use, options_))
      if (is_file(c)) { path = c; break; }
    if (path.empty()) {
      diags_.error("E-decl-use", use.range, "no module `" + use.name + "`",
                   {"looked in: " + join(candidates(use, options_))});
      return;
    }
    char real[PATH_MAX];
    std::string key = realpath(path.c_str(), real) ? real : path;
    if (!loaded_.insert(key).second) return;
    if (!options_.parse) {
      diags_.error("E-decl-use", use.range, "modules cannot be loaded here (no parser)");
      return;
    }
    merge(use, SourceFile{path, read_text(path)});
  }

  // Parses the module into the same arena, then moves its declarations
  // into the program.
  void merge(const UseDecl& use, const SourceFile& file) {
    Program main = std::move(ctx_.program);
    ctx_.program = Program{};
    Diagnostics local;
    options_.parse(file, ctx_, local);
    Program module = std::move(ctx_.program);
    ctx_.program = std::move(main);
    for (const Diagnostic& d : local.all())
      diags_.error("E-decl-use", use.range,
                   "in module " + file.name + ":" + std::to_string(d.range.begin.line) + ":" +
                       std::to_string(d.range.begin.column) + ": " + d.message);
    if (!module.probes.empty())
      diags_.error("E-decl-use", use.range, "module " + file.name + " has probes; a module holds only declarations");
    append(ctx_.program.uses, module.uses);
    append(ctx_.program.providers, module.providers);
    append(ctx_.program.syscall_sets, module.syscall_sets);
    append(ctx_.program.spans, module.spans);
  }

  void check_unique() {
    std::set<std::string> seen;
    auto check = [&](const std::string& kind, const std::string& name, SourceRange r) {
      if (!seen.insert(name).second)
        diags_.error("E-decl-duplicate", r, kind + " `" + name + "` is declared twice");
    };
    for (const auto& p : ctx_.program.providers) check("provider", p.name, p.range);
    for (const auto& s : ctx_.program.syscall_sets) check("syscall set", s.name, s.range);
    for (const auto& s : ctx_.program.spans) check("span", s.name, s.range);
  }

  static std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
    return out;
  }

  Context& ctx_;
  const LowerOptions& options_;
  Diagnostics& diags_;
  std::set<std::string> loaded_;
};

}  // namespace

bool resolve_modules(Context& ctx, const LowerOptions& options, Diagnostics& diags) {
  int errors = diags.error_count();
  Resolver(ctx, options, diags).run();
  return diags.error_count() == errors;
}

}  // namespace sonde::compiler
