// The builtin tables (see builtins.h). Rows follow docs/internals.md "Types".
#include "compiler/builtins.h"

#include <array>

namespace sonde::compiler {
namespace {

constexpr std::array<std::string_view, 9> kKindNames = {
    "BEGIN", "END", "tracepoint", "interval", "profile", "uprobe", "uretprobe", "usdt", "rawtracepoint"};

KindSet kinds(std::initializer_list<std::string_view> names) {
  KindSet set = 0;
  for (auto n : names) set |= kind_bit(n);
  return set;
}

std::vector<BuiltinVar> make_vars() {
  const KindSet args_kinds = kinds({"uprobe", "usdt"});
  std::vector<BuiltinVar> vars = {
      {"pid", VarType::U32, kAllKinds, ""},
      {"tid", VarType::U32, kAllKinds, ""},
      {"uid", VarType::U32, kAllKinds, ""},
      {"gid", VarType::U32, kAllKinds, ""},
      {"cpu", VarType::U32, kAllKinds, ""},
      {"nsecs", VarType::U64, kAllKinds, ""},
      {"elapsed", VarType::U64, kAllKinds, ""},
      {"comm", VarType::Comm, kAllKinds, ""},
      {"probe", VarType::StringSize, kAllKinds, ""},
      {"func", VarType::StringSize, kinds({"uprobe", "uretprobe", "usdt"}),
       "`func` names the probed function; in a tracepoint use `probe`"},
      // bpftrace's rule: the return value of a tracepoint is a record field.
      {"retval", VarType::I64, kinds({"uretprobe"}),
       "in a syscall exit tracepoint use `args.ret`"},
      // The current thread's user / kernel call stack (bpf_get_stack).
      {"ustack", VarType::UserStack, kAllKinds, ""},
      {"kstack", VarType::KernelStack, kAllKinds, ""},
      {"args", VarType::Args, kinds({"tracepoint"}),
       "in uprobes and USDT probes use arg0, arg1, ..."},
  };
  for (int i = 0; i <= 9; ++i)
    vars.push_back({"arg" + std::to_string(i), VarType::U64, args_kinds,
                    "in a tracepoint use the record fields: args.NAME"});
  // Internal, for `syscall:` probes lowered onto rawtracepoint:sys_enter /
  // sys_exit (lower_syscalls.cpp): the syscall's number, its return value
  // (sys_exit) and its six arguments (sys_enter), as the syscalls:*
  // tracepoints type them.
  const KindSet raw = kinds({"rawtracepoint"});
  vars.push_back({"__syscall_id", VarType::I64, raw, ""});
  vars.push_back({"__syscall_ret", VarType::I64, raw, ""});
  for (int i = 0; i < 6; ++i) vars.push_back({"__syscall_arg" + std::to_string(i), VarType::U64, raw, ""});
  return vars;
}

std::vector<BuiltinFunc> make_funcs() {
  using R = ArgRule;
  using A = ast::AggKind;
  const CallRole agg = CallRole::Aggregation;
  const CallRole stmt = CallRole::Statement;
  std::vector<BuiltinFunc> funcs = {
      {"count", agg, {}, 0, false, A::Count},
      {"sum", agg, {R::Int}, 1, false, A::Sum},
      {"avg", agg, {R::Int}, 1, false, A::Avg},
      {"min", agg, {R::Int}, 1, false, A::Min},
      {"max", agg, {R::Int}, 1, false, A::Max},
      {"stats", agg, {R::Int}, 1, false, A::Stats},
      {"hist", agg, {R::Int}, 1, false, A::Hist},
      {"lhist", agg, {R::Int, R::IntLiteral, R::IntLiteral, R::IntLiteral}, 4, false, A::Lhist,
       CallExtra::Lhist},
      {"printf", stmt, {R::StringLiteral}, 1, true, A::Count, CallExtra::Printf},
      // `emit NAME { f = v, ... }` (ast::EmitCall): the record name, then the values.
      {"emit", stmt, {R::StringLiteral}, 1, true},
      {"print", stmt, {R::MapOrValue}, 1},
      {"clear", stmt, {R::Map}, 1},
      {"zero", stmt, {R::Map}, 1},
      {"delete", stmt, {R::MapElement}, 1},
      {"exit", stmt, {}, 0},
      {"time", stmt, {R::StringLiteral}, 0},
      {"str", CallRole::Value, {R::IntOrString, R::Int}, 1},
      // File descriptors of the current task and socket addresses, as text
      // (compiler/bpf_lib/fd_info.c): "socket", "127.0.0.1:80", "/run/x.sock".
      {"fdkind", CallRole::Value, {R::Int}, 1, false, A::Count, CallExtra::None, 8},
      {"fdpeer", CallRole::Value, {R::Int}, 1, false, A::Count, CallExtra::None, 64},
      {"sockaddr", CallRole::Value, {R::Int, R::Int}, 1, false, A::Count, CallExtra::None, 64},
      // strcat(a, b [, c [, d]]): the parts joined, cut to the string size.
      {"strcat", CallRole::Value, {R::String, R::String, R::String, R::String}, 2},
      // ustack(N), kstack(N): at most N frames (the variables take 127).
      {"ustack", CallRole::Value, {R::IntLiteral}, 1, false, A::Count, CallExtra::Stack},
      {"kstack", CallRole::Value, {R::IntLiteral}, 1, false, A::Count, CallExtra::Stack},
  };
  return funcs;
}

const std::vector<BuiltinVar>& vars() {
  static const std::vector<BuiltinVar> table = make_vars();
  return table;
}

const std::vector<BuiltinFunc>& funcs() {
  static const std::vector<BuiltinFunc> table = make_funcs();
  return table;
}

}  // namespace

KindSet kind_bit(std::string_view kind) {
  for (size_t i = 0; i < kKindNames.size(); ++i)
    if (kKindNames[i] == kind) return KindSet{1} << i;
  return 0;
}

std::string describe_kinds(KindSet set) {
  std::vector<std::string_view> names;
  for (size_t i = 0; i < kKindNames.size(); ++i)
    if (set & (KindSet{1} << i)) names.push_back(kKindNames[i]);
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " and " : ", ";
    out += names[i];
  }
  return out;
}

const BuiltinVar* find_builtin_var(std::string_view name) {
  for (const auto& v : vars())
    if (v.name == name) return &v;
  return nullptr;
}

const BuiltinFunc* find_builtin_func(std::string_view name) {
  for (const auto& f : funcs())
    if (f.name == name) return &f;
  return nullptr;
}

std::vector<std::string> builtin_var_names() {
  std::vector<std::string> out;
  for (const auto& v : vars())
    if (v.name.rfind("__", 0) != 0) out.push_back(v.name);  // internal ones are not suggested
  return out;
}

std::vector<std::string> builtin_func_names() {
  std::vector<std::string> out;
  for (const auto& f : funcs()) out.push_back(f.name);
  return out;
}

ast::Type builtin_var_type(const BuiltinVar& var, uint32_t string_size) {
  switch (var.type) {
    case VarType::U32: return ast::Type::integer(32, false);
    case VarType::U64: return ast::Type::integer(64, false);
    case VarType::I64: return ast::Type::integer(64, true);
    case VarType::Comm: return ast::Type::string(16);
    case VarType::StringSize: return ast::Type::string(string_size);
    case VarType::Args: return ast::Type::none();
    case VarType::UserStack: return ast::Type::stack(true, kDefaultStackFrames);
    case VarType::KernelStack: return ast::Type::stack(false, kDefaultStackFrames);
  }
  return ast::Type::none();
}

bool parse_int_type_name(std::string_view name, ast::Type& out) {
  bool is_signed;
  std::string_view digits;
  if (name.substr(0, 4) == "uint") is_signed = false, digits = name.substr(4);
  else if (name.substr(0, 3) == "int") is_signed = true, digits = name.substr(3);
  else if (name.substr(0, 1) == "u") is_signed = false, digits = name.substr(1);
  else if (name.substr(0, 1) == "s" || name.substr(0, 1) == "i") is_signed = true, digits = name.substr(1);
  else return false;
  for (int bits : {8, 16, 32, 64}) {
    if (digits == std::to_string(bits)) {
      out = ast::Type::integer(static_cast<uint8_t>(bits), is_signed);
      return true;
    }
  }
  return false;
}

}  // namespace sonde::compiler
