// User-space attach points: uprobe/uretprobe and usdt.
//
//   uprobe:PATH:SYMBOL[+OFF]   uprobe:PATH:0xADDR   uprobe:PATH:GLOB
//   usdt:PATH:PROVIDER:NAME    usdt:PATH:NAME       (globs in both parts)
//   usdt:*:PROVIDER:NAME       with -p: every file the process maps
//
// PATH may be a library short name ("libc", "c") or a program on $PATH; it
// is resolved here (support/binary_path.h), in the -p process's view when
// there is one, and the ResolvedAttach carries the real path. Wildcards
// expand against the binary's symbols and stapsdt notes, one attach point
// (one BPF program) per match; a USDT probe with several sites is one
// attach point (libbpf attaches every site).
//
// Errors: a binary that is missing or not ELF, and a symbol or probe the
// binary lacks (with the closest names as hints), are script errors at
// their attach point. Two cases are left to attach time, where the runtime
// reports them as clearly: a binary that does not exist on this machine
// but is named literally (the script may be built here and run elsewhere),
// and a symbol of a binary with no symbol table (stripped: only the
// runtime's lookup, on the final machine, can tell).
#include <fnmatch.h>

#include <algorithm>
#include <charconv>
#include <set>

#include "compiler/resolve_attach.h"
#include "support/binary_path.h"

namespace sonde::compiler {
namespace {

bool has_glob(const std::string& s) { return s.find_first_of("*?[") != std::string::npos; }
bool glob(const std::string& pattern, const std::string& text) {
  return fnmatch(pattern.c_str(), text.c_str(), 0) == 0;
}

bool parse_number(std::string_view digits, uint64_t& out) {
  int base = 10;
  if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X'))
    base = 16, digits.remove_prefix(2);
  if (digits.empty()) return false;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out, base);
  return ec == std::errc() && ptr == digits.data() + digits.size();
}

std::vector<ResolvedAttach> attach_error(const ast::AttachPoint& ap, Diagnostics& diags,
                                         const std::string& code, const std::string& message,
                                         std::vector<std::string> hints = {}) {
  diags.error(code, ap.range, message, std::move(hints));
  return {};
}

ResolvedAttach make(const ast::AttachPoint& ap, const std::string& path, const std::string& name) {
  ResolvedAttach r;
  r.kind = ap.provider;
  r.source = &ap;
  r.target = path;
  r.name = name;
  r.probe_name = ap.provider + ":" + path + ":" + name;
  return r;
}

// Up to three names close to `wanted`, for a "did you mean" hint.
std::vector<std::string> near_names(const std::string& wanted, std::vector<std::string> names) {
  std::vector<std::string> out;
  for (int i = 0; i < 3; ++i) {
    std::string near = closest_match(wanted, names);
    if (near.empty()) break;
    out.push_back(near);
    names.erase(std::remove(names.begin(), names.end(), near), names.end());
  }
  return out;
}

std::string did_you_mean(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& n : names) text += (text.empty() ? "`" : ", `") + n + "`";
  return "did you mean " + text + "?";
}

// The binary a target names, or null after reporting why. `literal_missing`
// says the target is an absolute path that is not here (left to attach).
const elf::Image* open_target(const ast::AttachPoint& ap, const std::string& target,
                              TracepointCatalog& catalog, Diagnostics& diags, bool& literal_missing) {
  literal_missing = false;
  auto path = binpath::resolve(target, catalog.target_pid);
  if (!path) {
    literal_missing = target.find('/') != std::string::npos && catalog.target_pid == 0;
    if (!literal_missing) diags.error("E-user-binary", ap.range, path.error().message, {path.error().hint});
    return nullptr;
  }
  Error error;
  const elf::Image* image = catalog.image(*path, error);
  if (!image) diags.error("E-user-binary", ap.range, error.message, {error.hint});
  return image;
}

std::vector<ResolvedAttach> expand_symbols(const ast::AttachPoint& ap, const elf::Image& image,
                                           const std::string& pattern, Diagnostics& diags) {
  std::vector<ResolvedAttach> out;
  for (const elf::Symbol& s : image.functions())
    if (glob(pattern, s.name)) out.push_back(make(ap, image.path(), s.name));
  if (out.empty())
    return attach_error(ap, diags, "E-no-symbol", "no function in " + image.path() + " matches `" + pattern + "`",
                        {"list them with `sonde -l '" + ap.provider + ":" + image.path() + ":*'`"});
  return out;
}

}  // namespace

std::vector<ResolvedAttach> resolve_uprobe(const ast::AttachPoint& ap, TracepointCatalog& catalog,
                                           Diagnostics& diags) {
  if (ap.parts.size() != 2 || ap.parts[0].empty() || ap.parts[1].empty())
    return attach_error(ap, diags, "E-attach", "invalid attach point `" + ap.text + "`: expected a binary path and a symbol",
                        {"write it like `" + ap.provider + ":/bin/bash:readline`"});
  const std::string& sym = ap.parts[1];
  uint64_t offset = 0;
  std::string name = sym;
  size_t plus = sym.find('+');
  bool is_address = sym.rfind("0x", 0) == 0 && parse_number(sym, offset);
  if (is_address) name.clear();
  if (!is_address && plus != std::string::npos) {
    if (!parse_number(sym.substr(plus + 1), offset))
      return attach_error(ap, diags, "E-attach", "invalid attach point `" + ap.text + "`: the offset after `+` must be a number",
                          {"write it like `" + ap.provider + ":/bin/bash:readline+4`"});
    name = sym.substr(0, plus);
  }
  bool literal_missing = false;
  const elf::Image* image = open_target(ap, ap.parts[0], catalog, diags, literal_missing);
  if (!image) {
    if (!literal_missing) return {};
    if (has_glob(name))
      return attach_error(ap, diags, "E-user-binary", "binary " + ap.parts[0] + " does not exist",
                          {"a wildcard needs the binary to expand against"});
    ResolvedAttach r = make(ap, ap.parts[0], sym);
    r.name = name;
    r.offset = offset;
    return {r};
  }
  if (has_glob(name) && plus == std::string::npos) return expand_symbols(ap, *image, name, diags);
  if (!name.empty() && !image->functions().empty() && !image->find_function(name)) {
    std::vector<std::string> names;
    for (const elf::Symbol& s : image->functions()) names.push_back(s.name);
    std::vector<std::string> hints = near_names(name, names);
    std::vector<std::string> out_hints;
    if (!hints.empty()) out_hints.push_back(did_you_mean(hints));
    out_hints.push_back("list them with `sonde -l '" + ap.provider + ":" + image->path() + ":*'`");
    return attach_error(ap, diags, "E-no-symbol", "no function `" + name + "` in " + image->path(), out_hints);
  }
  ResolvedAttach r = make(ap, image->path(), sym);
  r.name = name;
  r.offset = offset;
  return {r};
}

namespace {

struct UsdtMatch {
  std::string path, full_name;
};

// Every distinct provider:name of `image` matching the written parts.
void match_usdt(const elf::Image& image, const std::string& provider, const std::string& name,
                std::vector<UsdtMatch>& out, std::vector<std::string>& all_names) {
  std::set<std::string> seen;
  for (const elf::UsdtProbe& p : image.usdt_probes()) {
    std::string full = p.provider + ":" + p.name;
    if (!seen.insert(full).second) continue;
    all_names.push_back(provider.empty() ? p.name : full);
    if ((provider.empty() || glob(provider, p.provider)) && glob(name, p.name))
      out.push_back({image.path(), full});
  }
}

std::vector<const elf::Image*> usdt_images(const ast::AttachPoint& ap, TracepointCatalog& catalog,
                                           Diagnostics& diags, bool& literal_missing) {
  literal_missing = false;
  std::vector<const elf::Image*> images;
  if (ap.parts[0] != "*") {
    const elf::Image* image = open_target(ap, ap.parts[0], catalog, diags, literal_missing);
    if (image) images.push_back(image);
    return images;
  }
  if (catalog.target_pid <= 0) {
    diags.error("E-attach", ap.range, "`usdt:*:...` needs a process to search", {"add -p PID"});
    return images;
  }
  auto files = binpath::mapped_files(catalog.target_pid);
  if (!files) {
    diags.error("E-user-binary", ap.range, files.error().message, {files.error().hint});
    return images;
  }
  Error ignored;
  for (const std::string& f : *files)
    if (const elf::Image* image = catalog.image(f, ignored)) images.push_back(image);
  return images;
}

}  // namespace

std::vector<ResolvedAttach> resolve_usdt(const ast::AttachPoint& ap, TracepointCatalog& catalog,
                                         Diagnostics& diags) {
  bool ok = (ap.parts.size() == 2 || ap.parts.size() == 3) &&
            std::none_of(ap.parts.begin(), ap.parts.end(), [](auto& p) { return p.empty(); });
  if (!ok)
    return attach_error(ap, diags, "E-attach", "invalid attach point `" + ap.text + "`: expected a path, a provider and a probe name",
                        {"write it like `usdt:/usr/bin/app:provider:probe`"});
  std::string provider = ap.parts.size() == 3 ? ap.parts[1] : "";
  const std::string& name = ap.parts.back();
  bool literal_missing = false;
  std::vector<const elf::Image*> images = usdt_images(ap, catalog, diags, literal_missing);
  if (literal_missing) {
    if (has_glob(provider) || has_glob(name))
      return attach_error(ap, diags, "E-user-binary", "binary " + ap.parts[0] + " does not exist",
                          {"a wildcard needs the binary to expand against"});
    ResolvedAttach r = make(ap, ap.parts[0], provider.empty() ? name : provider + ":" + name);
    return {r};
  }
  if (images.empty()) return {};
  std::vector<UsdtMatch> matches;
  std::vector<std::string> all_names;
  for (const elf::Image* image : images) match_usdt(*image, provider, name, matches, all_names);
  if (matches.empty()) {
    std::string written = provider.empty() ? name : provider + ":" + name;
    std::string where = ap.parts[0] == "*" ? "process " + std::to_string(catalog.target_pid) : images[0]->path();
    std::vector<std::string> hints;
    std::vector<std::string> near = near_names(written, all_names);
    if (!near.empty()) hints.push_back(did_you_mean(near));
    hints.push_back("list them with `sonde -l 'usdt:" + (ap.parts[0] == "*" ? std::string("*") : images[0]->path()) + ":*'`" +
                    (ap.parts[0] == "*" ? " -p " + std::to_string(catalog.target_pid) : ""));
    return attach_error(ap, diags, "E-no-usdt", "no USDT probe matches `" + written + "` in " + where, hints);
  }
  std::vector<ResolvedAttach> out;
  for (const UsdtMatch& m : matches) out.push_back(make(ap, m.path, m.full_name));
  return out;
}

}  // namespace sonde::compiler
