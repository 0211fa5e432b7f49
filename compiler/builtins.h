// The builtins table: every builtin variable and every function of the
// language is one descriptor here — its name, its arguments, its result type
// and the probe kinds it may appear in. The checker reads these tables
// instead of growing if-chains; adding a builtin starts with one row here.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/ast/types.h"

namespace sonde::compiler {

// A set of probe kinds (ResolvedAttach::kind), as bits.
using KindSet = uint32_t;
KindSet kind_bit(std::string_view kind);  // 0 for an unknown kind
constexpr KindSet kAllKinds = ~KindSet{0};
std::string describe_kinds(KindSet kinds);  // "uprobe, uretprobe and usdt"

// How a builtin variable's type is computed.
enum class VarType { U32, U64, I64, Comm, StringSize, Args, UserStack, KernelStack };

// Stacks: `ustack`/`kstack` keep bpftrace's default depth, the kernel's
// default perf_event_max_stack; `ustack(N)` asks for fewer (or as many).
inline constexpr uint32_t kDefaultStackFrames = 127;
inline constexpr uint32_t kMaxStackFrames = 127;

struct BuiltinVar {
  std::string name;
  VarType type;
  KindSet allowed = kAllKinds;
  std::string hint;  // shown when used where not allowed
};

// What one function argument must be.
enum class ArgRule {
  Int,            // an integer expression
  String,         // a string expression
  IntOrString,    // an integer (a pointer) or a string
  Value,          // any integer or string
  IntLiteral,     // an integer literal (lhist bounds)
  StringLiteral,  // a string literal (printf/time formats)
  Map,            // a whole map: @m (clear, zero)
  MapElement,     // a keyed map access: @m[k] (delete)
  MapOrValue,     // print(@m) or print(expr)
};

// Where a call may stand: as a statement, as the whole value of a map
// assignment (aggregations), or anywhere a value is needed.
enum class CallRole { Statement, Aggregation, Value };

// Checks beyond per-argument rules, done by the checker's call pass.
enum class CallExtra { None, Printf, Lhist, Stack };

struct BuiltinFunc {
  std::string name;
  CallRole role;
  std::vector<ArgRule> args;  // rules for each possible argument
  size_t min_args = 0;        // args.size() is the maximum, unless variadic
  bool variadic = false;      // printf: further arguments follow the format
  ast::AggKind agg = ast::AggKind::Count;  // for CallRole::Aggregation
  CallExtra extra = CallExtra::None;
  // CallRole::Value calls return a string of this many bytes (NUL
  // included); 0 means the script's string size (--strlen).
  uint32_t result_size = 0;
};

const BuiltinVar* find_builtin_var(std::string_view name);
const BuiltinFunc* find_builtin_func(std::string_view name);
std::vector<std::string> builtin_var_names();
std::vector<std::string> builtin_func_names();

// The type of a builtin variable (not `args`, whose type is per field).
ast::Type builtin_var_type(const BuiltinVar& var, uint32_t string_size);

// Normalises a cast's type name ("u8", "uint8", "s32", "int32", "i64") to
// an integer type; false when it names no integer type.
bool parse_int_type_name(std::string_view name, ast::Type& out);

}  // namespace sonde::compiler
