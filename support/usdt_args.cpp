// Parsing stapsdt argument specs on x86-64 (the forms GCC and Clang emit):
//   SIZE@%REG           register of any width: "-4@%r13d", "1@%al"
//   SIZE@DISP(%REG)     memory operand: "8@16(%rsp)", "-8@-24(%rbp)", "8@(%rsp)"
//   SIZE@$VALUE         constant: "8@$0", "-4@$-1"
// SIZE is the byte width, negative when the value is signed. Used for -lv
// listings and the checker's argument count; the BPF side reads arguments
// through libbpf's own parser of the same notes.
#include <cstdlib>
#include <sstream>

#include "support/elf_image.h"

namespace sonde::elf {
namespace {

bool parse_int(const std::string& s, int64_t& out) {
  if (s.empty()) return false;
  char* end = nullptr;
  out = std::strtoll(s.c_str(), &end, 0);
  return end && *end == '\0';
}

bool valid_register(const std::string& reg) {
  return !reg.empty() && reg.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789") == std::string::npos;
}

}  // namespace

std::optional<UsdtArg> parse_usdt_arg(const std::string& text) {
  UsdtArg arg;
  arg.text = text;
  size_t at = text.find('@');
  if (at == std::string::npos) return std::nullopt;
  int64_t size = 0;
  if (!parse_int(text.substr(0, at), size) || size == 0) return std::nullopt;
  arg.is_signed = size < 0;
  arg.size = static_cast<int>(size < 0 ? -size : size);
  if (arg.size != 1 && arg.size != 2 && arg.size != 4 && arg.size != 8) return std::nullopt;
  std::string loc = text.substr(at + 1);
  if (loc.size() > 1 && loc[0] == '$') {
    arg.kind = UsdtArg::Kind::Constant;
    return parse_int(loc.substr(1), arg.value) ? std::optional(arg) : std::nullopt;
  }
  if (loc.size() > 1 && loc[0] == '%') {
    arg.kind = UsdtArg::Kind::Register;
    arg.reg = loc.substr(1);
    return valid_register(arg.reg) ? std::optional(arg) : std::nullopt;
  }
  size_t open = loc.find("(%");
  if (open == std::string::npos || loc.back() != ')') return std::nullopt;
  arg.kind = UsdtArg::Kind::Memory;
  arg.reg = loc.substr(open + 2, loc.size() - open - 3);
  std::string disp = loc.substr(0, open);
  arg.value = 0;
  if (!disp.empty() && !parse_int(disp, arg.value)) return std::nullopt;
  return valid_register(arg.reg) ? std::optional(arg) : std::nullopt;
}

std::vector<UsdtArg> parse_usdt_args(const std::string& text) {
  std::vector<UsdtArg> out;
  std::istringstream in(text);
  for (std::string word; in >> word;) {
    auto arg = parse_usdt_arg(word);
    if (!arg) {  // keep the count right; the listing shows the raw text
      UsdtArg raw;
      raw.text = word;
      out.push_back(raw);
      continue;
    }
    out.push_back(*arg);
  }
  return out;
}

}  // namespace sonde::elf
