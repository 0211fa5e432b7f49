#include "compiler/syscall_numbers.h"

#include <string_view>
#include <utility>

namespace sonde::compiler {

namespace {

struct Numbered {
  std::string_view name;
  long number;
};

// {"read", 0}, ... (CMakeLists.txt writes it from __NR_* in <asm/unistd_64.h>).
constexpr Numbered kNumbers[] = {
#include "syscall_numbers.inc"
    {"", -1},
};

// Tracepoints named after the kernel function rather than the syscall
// (SYSCALL_DEFINE(newstat) implements stat): tracepoint name → __NR_ name.
constexpr std::pair<std::string_view, std::string_view> kRenamed[] = {
    {"newstat", "stat"},     {"newfstat", "fstat"},   {"newlstat", "lstat"},
    {"newuname", "uname"},   {"sendfile64", "sendfile"}, {"umount", "umount2"},
};

}  // namespace

std::optional<long> syscall_number(const std::string& tracepoint_name) {
  std::string_view name = tracepoint_name;
  for (const auto& [tracepoint, syscall] : kRenamed)
    if (name == tracepoint) name = syscall;
  for (const Numbered& n : kNumbers)
    if (!n.name.empty() && n.name == name) return n.number;
  return std::nullopt;
}

}  // namespace sonde::compiler
