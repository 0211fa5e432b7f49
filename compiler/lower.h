// The declarative layer's lowering passes: they run after parsing and before
// the checker, and rewrite declarations into core AST, so the checker and
// codegen only ever see probes, maps and predicates (plus `emit` calls).
//
// Design note. Each pass is one file and one concern:
//   resolve_modules.cpp  `use NAME`: parses the module, merges its declarations
//   lower_spans.cpp      `span` declarations and `within SPAN` filters
//   lower_syscalls.cpp   `syscall:SET` probes → sys_enter/sys_exit pairs
//   lower_providers.cpp  `php:probe` / `usdt:php:probe` → usdt:PATH:php:probe,
//                        `args.NAME` → str(argN) / argN
//   lower_records.cpp    `emit` field units and record consistency
// Invariants after lower_declarative(): no Probe has `within` set, no attach
// point names a provider the checker does not know, and bookkeeping maps
// are named `@__...` (the runtime does not print them at exit). Passes
// never throw; user errors go to Diagnostics with E-decl* codes.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "compiler/ast/ast.h"
#include "compiler/ast/clone.h"
#include "support/diagnostics.h"
#include "support/source.h"

namespace sonde::compiler {

struct LowerOptions {
  std::string stdlib_dir;  // where `use NAME` looks (NAME.sonde, providers/NAME.sonde)
  std::string script_dir;  // relative `use "path"` is resolved from here
  std::vector<std::string> params;  // $1.. (span options: `threshold:$1`)
  // The parser, passed in so that the front-end passes do not link grammar/
  // (compile.cpp passes grammar::parse). Without it, `use` is an error.
  std::function<bool(const SourceFile&, ast::Context&, Diagnostics&)> parse;
};

// Runs every pass in order; false when any reported an error.
bool lower_declarative(ast::Context& ctx, const LowerOptions& options, Diagnostics& diags);

bool lower_params(ast::Context& ctx, const LowerOptions& options, Diagnostics& diags);
bool resolve_modules(ast::Context& ctx, const LowerOptions& options, Diagnostics& diags);
bool lower_spans(ast::Context& ctx, const std::vector<std::string>& params, Diagnostics& diags);
bool lower_syscalls(ast::Context& ctx, Diagnostics& diags);
bool lower_providers(ast::Context& ctx, Diagnostics& diags);
bool lower_records(ast::Context& ctx, Diagnostics& diags);

// Whether `args.NAME` at `ap` is a `str` argument of every provider probe
// the attach point names (false when it names no provider). Such an
// argument can be kept as its address: `__strptr(args.NAME)` lowers to the
// pointer that `args.NAME` would read (argN, + the declared offset).
bool is_provider_str_arg(const ast::Program& program, const ast::AttachPoint& ap, const std::string& name);

// Deep copies with substitution live with the AST (compiler/ast/clone.h).
using ast::clone_block;
using ast::clone_expr;
using ast::clone_stmt;
using ast::Substitute;

// Small builders for generated code.
ast::Expr* tid_key_map(ast::Context& ctx, const std::string& name, SourceRange r);  // @name[tid]
ast::Stmt* assign_stmt(ast::Context& ctx, ast::Expr* target, ast::Expr* value, SourceRange r);
ast::Stmt* call_stmt(ast::Context& ctx, const std::string& fn, std::vector<ast::Expr*> args, SourceRange r);
// `args.NAME` written in a script (base is the `args` builtin).
bool is_args_field(const ast::Expr& e, std::string* field = nullptr);
// `probe.NAME`, `span.NAME`: a field of the named builtin.
bool is_builtin_field(const ast::Expr& e, const std::string& builtin, std::string* field = nullptr);
bool is_builtin(const ast::Expr& e, const std::string& name);

}  // namespace sonde::compiler
