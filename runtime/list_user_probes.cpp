// `-l` for user space: USDT probes and uprobe-able functions of binaries.
//   sonde -l 'usdt:/usr/bin/php8.2:*'      every probe of that binary
//   sonde -l usdt:libc                     by library short name
//   sonde -lv 'usdt:PATH:php:function*'    with each argument's spec
//   sonde -l -p PID                        USDT probes of a process and its
//                                          libraries (like bcc's tplist)
//   sonde -l 'uprobe:/bin/bash:echo*'      function symbols
// Output lines are attach points a script can use as written.
#include <fnmatch.h>

#include <iostream>
#include <map>
#include <set>

#include "runtime/list_user_probes.h"
#include "support/binary_path.h"
#include "support/elf_image.h"

namespace sonde::runtime {

namespace {

struct UserPattern {
  std::string kind;  // "usdt" or "uprobe"
  std::string path;  // as written: a path, a short name, or "*" (with -p)
  std::string probe = "*";  // usdt: "provider:name" glob (or "name"); uprobe: symbol glob
};

bool glob(const std::string& pattern, const std::string& text) {
  return fnmatch(pattern.c_str(), text.c_str(), 0) == 0;
}

std::optional<UserPattern> parse_pattern(const std::string& pattern, pid_t pid) {
  UserPattern p;
  size_t colon = pattern.find(':');
  std::string kind = pattern.substr(0, colon);
  if (kind == "U" || kind == "usdt") p.kind = "usdt";
  else if (kind == "u" || kind == "uprobe" || kind == "ur" || kind == "uretprobe") p.kind = "uprobe";
  else if (pattern.empty() && pid > 0) p.kind = "usdt";
  else return std::nullopt;
  std::string rest = colon == std::string::npos ? "" : pattern.substr(colon + 1);
  size_t next = rest.find(':');
  p.path = rest.substr(0, next);
  if (p.path.empty()) p.path = "*";
  if (next != std::string::npos && next + 1 < rest.size()) p.probe = rest.substr(next + 1);
  return p;
}

// A probe written at several places in the source has one note per site;
// it is one attach point, listed once (with -lv: its first site's specs,
// and how many sites there are).
void print_usdt(const elf::Image& image, const std::string& glob_text, bool verbose) {
  bool qualified = glob_text.find(':') != std::string::npos;
  std::map<std::string, int> sites;
  for (const elf::UsdtProbe& u : image.usdt_probes()) ++sites[u.provider + ":" + u.name];
  std::set<std::string> printed;
  for (const elf::UsdtProbe& u : image.usdt_probes()) {
    std::string full = u.provider + ":" + u.name;
    if (!glob(glob_text, qualified ? full : u.name) && !glob(glob_text, full)) continue;
    if (!printed.insert(full).second) continue;
    std::cout << "usdt:" << image.path() << ":" << full << "\n";
    if (!verbose) continue;
    if (sites[full] > 1) std::cout << "    sites: " << sites[full] << "\n";
    for (size_t i = 0; i < u.args.size(); ++i) std::cout << "    arg" << i << ": " << u.args[i].text << "\n";
    if (u.semaphore) std::cout << "    semaphore: yes\n";
  }
}

void print_functions(const elf::Image& image, const std::string& glob_text) {
  for (const elf::Symbol& s : image.functions())
    if (glob(glob_text, s.name)) std::cout << "uprobe:" << image.path() << ":" << s.name << "\n";
}

Result<std::vector<std::string>> binaries_for(const UserPattern& p, pid_t pid) {
  if (p.path == "*") {
    if (pid <= 0) return make_error("`" + p.kind + ":*` needs a process: add -p PID");
    return binpath::mapped_files(pid);
  }
  auto one = binpath::resolve(p.path, pid);
  if (!one) return one.error();
  return std::vector<std::string>{*one};
}

}  // namespace

bool is_user_pattern(const std::string& pattern, pid_t pid) {
  return parse_pattern(pattern, pid).has_value();
}

int list_user_probes(const std::string& pattern, bool verbose, pid_t pid) {
  auto p = parse_pattern(pattern, pid);
  if (!p) return 1;
  auto files = binaries_for(*p, pid);
  if (!files) {
    std::cerr << "error: " << files.error().message << "\n";
    if (!files.error().hint.empty()) std::cerr << "hint: " << files.error().hint << "\n";
    return 1;
  }
  bool many = files->size() > 1;
  for (const std::string& file : *files) {
    auto image = elf::Image::open(file);
    if (!image) {
      if (many) continue;  // a process also maps data files; skip those quietly
      std::cerr << "error: " << image.error().message << "\n";
      return 1;
    }
    if (p->kind == "usdt") print_usdt(*image, p->probe, verbose);
    else print_functions(*image, p->probe);
  }
  return 0;
}

}  // namespace sonde::runtime
