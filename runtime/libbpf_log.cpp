#include "runtime/libbpf_log.h"

#include <bpf/libbpf.h>

#include <cstdarg>
#include <cstdio>
#include <vector>

namespace sonde::runtime {

namespace {

// libbpf's print callback is process-global, so its state is too.
bool g_verbose = false;
std::string g_warnings;
libbpf_print_fn_t g_previous = nullptr;
constexpr size_t kMaxCaptured = 8u << 20;  // a verifier log can be large; bound it

int print_callback(enum libbpf_print_level level, const char* format, va_list args) {
  va_list copy;
  va_copy(copy, args);
  int n = std::vsnprintf(nullptr, 0, format, copy);
  va_end(copy);
  if (n <= 0) return 0;
  std::string text(static_cast<size_t>(n) + 1, '\0');
  std::vsnprintf(text.data(), text.size(), format, args);
  text.resize(n);
  if (g_verbose) std::fputs(text.c_str(), stderr);
  if (level != LIBBPF_DEBUG && g_warnings.size() + text.size() <= kMaxCaptured) g_warnings += text;
  return n;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

}  // namespace

LibbpfLogScope::LibbpfLogScope(bool verbose) {
  g_verbose = verbose;
  g_warnings.clear();
  g_previous = libbpf_set_print(print_callback);
}

LibbpfLogScope::~LibbpfLogScope() { libbpf_set_print(g_previous); }

std::string take_libbpf_warnings() {
  std::string out;
  out.swap(g_warnings);
  return out;
}

std::string failed_program(const std::string& warnings) {
  // libbpf: "prog 'probe_1_0': BPF program load failed: Permission denied"
  for (const char* marker : {"': BPF program load failed", "': failed to load", "': -- BEGIN PROG LOAD LOG"}) {
    size_t end = warnings.find(marker);
    if (end == std::string::npos) continue;
    size_t start = warnings.rfind("prog '", end);
    if (start != std::string::npos) return warnings.substr(start + 6, end - start - 6);
  }
  return {};
}

std::string verifier_log_tail(const std::string& warnings, const std::string& program, int lines) {
  std::string begin = "prog '" + program + "': -- BEGIN PROG LOAD LOG --\n";
  size_t start = warnings.find(begin);
  if (start == std::string::npos) return {};
  start += begin.size();
  size_t end = warnings.find("-- END PROG LOAD LOG --", start);
  std::vector<std::string> all = split_lines(warnings.substr(start, end - start));
  while (!all.empty() && all.back().empty()) all.pop_back();
  size_t first = all.size() > static_cast<size_t>(lines) ? all.size() - lines : 0;
  std::string out;
  for (size_t i = first; i < all.size(); ++i) out += all[i] + "\n";
  return out;
}

}  // namespace sonde::runtime
