// The checker: names, types and attach points. Runs after parsing; when it
// reports no errors, codegen can lower the program without reporting any
// user error of its own.
//
// It fills `Expr::type` on every expression and returns side tables
// (maps, expanded attach points) that codegen reads.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "compiler/ast/ast.h"
#include "support/diagnostics.h"
#include "support/tracefs.h"

namespace sonde::compiler {

struct CheckOptions {
  std::vector<std::string> params;  // positional parameters $1.. as given
  uint32_t string_size = 64;        // bytes, including the NUL
  int target_pid = 0;  // -p: uprobe/usdt targets are found in this process
};

// Parameters that look like integers (decimal, 0x hex, optional '-') are
// integers, as in bpftrace; every other parameter is a string.
bool param_is_int(const std::string& text, int64_t& value);

struct MapInfo {
  std::string name;             // "@x"
  std::vector<ast::Type> keys;  // empty for a scalar map
  ast::Type value;              // Int/String for plain maps; Agg for aggregations
  SourceRange first_use;
};

// One concrete attach point after wildcard expansion and short-form
// canonicalisation. A probe with N attach points (after expansion) becomes
// N BPF programs.
struct ResolvedAttach {
  std::string kind;     // "BEGIN" "END" "tracepoint" "interval" "profile" "uprobe" "uretprobe" "usdt"
                        // "rawtracepoint"
  std::string target;   // tracepoint: "category:name"; rawtracepoint: "sys_enter"; uprobe/usdt: path
  std::string name;     // uprobe: symbol; usdt: "provider:name"
  uint64_t offset = 0;
  uint64_t period_ns = 0;  // interval; also profile:s/ms/us:N (then frequency is 0)
  uint64_t frequency = 0;  // profile:hz:N
  std::string probe_name;  // what the `probe` builtin returns: "tracepoint:syscalls:sys_enter_openat"
  std::vector<tracefs::Field> fields;  // tracepoint record fields (for args.*)
  const ast::AttachPoint* source = nullptr;
};

struct ProbeInfo {
  ast::Probe* probe = nullptr;
  std::vector<ResolvedAttach> attach;
};

struct CheckedProgram {
  ast::Program* program = nullptr;
  std::map<std::string, MapInfo> maps;  // by name, sorted
  std::vector<ProbeInfo> probes;        // in program order
  CheckOptions options;
};

// Returns nullopt when `diags` received errors.
std::optional<CheckedProgram> check(ast::Program& program, const CheckOptions& options,
                                    Diagnostics& diags);

}  // namespace sonde::compiler
