// `-l [PATTERN]` and `-lv`: the probes this machine offers, in bpftrace's
// shape. Tracepoints only for now; -lv adds each field as its format file
// declares it ("    const char * filename"), skipping the common_* ones.
#include <iostream>

#include "runtime/list_user_probes.h"
#include "runtime/runtime.h"
#include "support/tracefs.h"

namespace sonde::runtime {

namespace {

// bpftrace accepts "tracepoint:cat:name", "cat:name" or a bare "name" glob.
std::string tracepoint_pattern(std::string pattern) {
  if (pattern.empty()) return "*:*";
  const std::string prefix = "tracepoint:";
  if (pattern.rfind(prefix, 0) == 0) pattern = pattern.substr(prefix.size());
  if (pattern.find(':') == std::string::npos) pattern = "*:" + pattern;
  return pattern;
}

void print_fields(const std::string& tracepoint) {
  size_t colon = tracepoint.find(':');
  auto format = tracefs::read_format(tracepoint.substr(0, colon), tracepoint.substr(colon + 1));
  if (!format) return;
  for (const tracefs::Field& f : format->fields) {
    if (f.is_common) continue;
    std::cout << "    " << f.c_type << " " << f.name << "\n";
  }
}

}  // namespace

int list_probes(const std::string& pattern, bool verbose, pid_t pid) {
  if (is_user_pattern(pattern, pid)) return list_user_probes(pattern, verbose, pid);
  if (Status s = tracefs::ensure_mounted(); !s) {
    std::cerr << "error: " << s.error().message << "\n";
    if (!s.error().hint.empty()) std::cerr << "hint: " << s.error().hint << "\n";
    return 1;
  }
  if (pattern.rfind("tracepoint:", 0) != 0 && pattern.find(':') != std::string::npos &&
      pattern.find(':') != pattern.rfind(':'))
    return 0;  // another provider ("uprobe:..."): nothing listed yet
  auto names = tracefs::match(tracepoint_pattern(pattern));
  if (!names) {
    std::cerr << "error: " << names.error().message << "\n";
    return 1;
  }
  for (const std::string& name : *names) {
    std::cout << "tracepoint:" << name << "\n";
    if (verbose) print_fields(name);
  }
  return 0;
}

}  // namespace sonde::runtime
