// Small AST builders and matchers shared by the lowering passes (lower.h).
#include "compiler/lower.h"

namespace sonde::compiler {

using namespace ast;

Expr* tid_key_map(Context& ctx, const std::string& name, SourceRange r) {
  return ctx.make<MapAccess>(name, std::vector<Expr*>{ctx.make<Builtin>("tid", r)}, r);
}

Stmt* assign_stmt(Context& ctx, Expr* target, Expr* value, SourceRange r) {
  return ctx.make<Assign>(target, value, r);
}

Stmt* call_stmt(Context& ctx, const std::string& fn, std::vector<Expr*> args, SourceRange r) {
  return ctx.make<ExprStmt>(ctx.make<Call>(fn, std::move(args), r), r);
}

bool is_builtin(const Expr& e, const std::string& name) {
  return e.kind == ExprKind::Builtin && static_cast<const Builtin&>(e).name == name;
}

bool is_builtin_field(const Expr& e, const std::string& builtin, std::string* field) {
  if (e.kind != ExprKind::FieldAccess) return false;
  auto& f = static_cast<const FieldAccess&>(e);
  if (!is_builtin(*f.base, builtin)) return false;
  if (field) *field = f.field;
  return true;
}

bool is_args_field(const Expr& e, std::string* field) { return is_builtin_field(e, "args", field); }

}  // namespace sonde::compiler
