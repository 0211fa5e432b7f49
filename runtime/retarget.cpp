// Target overrides (see retarget.h).
#include "runtime/retarget.h"

#include <sys/stat.h>

#include <algorithm>
#include <set>
#include <tuple>

namespace sonde::runtime {

namespace {

bool user_space(const manifest::ProbeSpec& p) {
  return p.kind == "usdt" || p.kind == "uprobe" || p.kind == "uretprobe";
}

std::string file_name(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// usdt names are "provider:probe".
std::string provider(const manifest::ProbeSpec& p) {
  if (p.kind != "usdt") return "";
  return p.name.substr(0, p.name.find(':'));
}

bool matches(const manifest::ProbeSpec& p, const std::string& name) {
  return name == p.target || name == file_name(p.target) || (!provider(p).empty() && name == provider(p));
}

}  // namespace

Result<TargetOverride> parse_target_override(const std::string& text) {
  size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
    return make_error("--target needs NAME=PATH (e.g. --target php=/opt/php/bin/php), got '" + text + "'");
  return TargetOverride{text.substr(0, eq), text.substr(eq + 1)};
}

Status apply_target_overrides(std::vector<manifest::ProbeSpec>& probes,
                              const std::vector<TargetOverride>& overrides) {
  for (const TargetOverride& o : overrides) {
    struct stat st{};
    if (stat(o.path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
      return make_error("--target " + o.name + "=" + o.path + ": no such file",
                        "give the path of the program or library to trace");
    int matched = 0;
    for (manifest::ProbeSpec& p : probes)
      if (user_space(p) && matches(p, o.name)) p.target = o.path, ++matched;
    if (matched == 0)
      return make_error("--target " + o.name + ": no uprobe or USDT probe of the object names it",
                        "NAME is a USDT provider, a binary's file name or its path");
  }
  std::set<std::tuple<std::string, std::string, std::string, std::string, uint64_t>> seen;
  std::erase_if(probes, [&](const manifest::ProbeSpec& p) {
    return user_space(p) && !seen.insert({p.program, p.kind, p.target, p.name, p.offset}).second;
  });
  return Ok{};
}

}  // namespace sonde::runtime
