// Deep copies of AST subtrees with substitution (see clone.h).
#include "compiler/ast/clone.h"

namespace sonde::ast {

namespace {

std::vector<Expr*> clone_all(Context& ctx, const std::vector<Expr*>& in, const Substitute& replace) {
  std::vector<Expr*> out;
  for (const Expr* e : in) out.push_back(clone_expr(ctx, e, replace));
  return out;
}

Expr* clone_call(Context& ctx, const Call& c, const Substitute& replace) {
  std::vector<Expr*> args = clone_all(ctx, c.args, replace);
  if (auto* emit = dynamic_cast<const EmitCall*>(&c))
    return ctx.make<EmitCall>(emit->record, emit->fields, std::move(args), c.range);
  return ctx.make<Call>(c.name, std::move(args), c.range);
}

}  // namespace

Expr* clone_expr(Context& ctx, const Expr* e, const Substitute& replace) {
  if (!e) return nullptr;
  if (replace)
    if (Expr* r = replace(*e)) return r;
  auto sub = [&](const Expr* x) { return clone_expr(ctx, x, replace); };
  switch (e->kind) {
    case ExprKind::IntLiteral:
      return ctx.make<IntLiteral>(static_cast<const IntLiteral*>(e)->value, e->range);
    case ExprKind::StringLiteral:
      return ctx.make<StringLiteral>(static_cast<const StringLiteral*>(e)->value, e->range);
    case ExprKind::PositionalParam:
      return ctx.make<PositionalParam>(static_cast<const PositionalParam*>(e)->index, e->range);
    case ExprKind::ParamCount:
      return ctx.make<ParamCount>(e->range);
    case ExprKind::Builtin:
      return ctx.make<Builtin>(static_cast<const Builtin*>(e)->name, e->range);
    case ExprKind::Variable:
      return ctx.make<Variable>(static_cast<const Variable*>(e)->name, e->range);
    case ExprKind::MapAccess: {
      auto* m = static_cast<const MapAccess*>(e);
      return ctx.make<MapAccess>(m->name, clone_all(ctx, m->keys, replace), e->range);
    }
    case ExprKind::FieldAccess: {
      auto* f = static_cast<const FieldAccess*>(e);
      return ctx.make<FieldAccess>(sub(f->base), f->field, e->range);
    }
    case ExprKind::Call:
      return clone_call(ctx, *static_cast<const Call*>(e), replace);
    case ExprKind::Unary: {
      auto* u = static_cast<const Unary*>(e);
      return ctx.make<Unary>(u->op, sub(u->operand), e->range);
    }
    case ExprKind::Binary: {
      auto* b = static_cast<const Binary*>(e);
      return ctx.make<Binary>(b->op, sub(b->lhs), sub(b->rhs), e->range);
    }
    case ExprKind::Ternary: {
      auto* t = static_cast<const Ternary*>(e);
      return ctx.make<Ternary>(sub(t->cond), sub(t->then_expr), sub(t->else_expr), e->range);
    }
    case ExprKind::Cast: {
      auto* c = static_cast<const Cast*>(e);
      return ctx.make<Cast>(c->type_name, sub(c->operand), e->range);
    }
  }
  return nullptr;  // unreachable: the switch covers every kind
}

Block* clone_block(Context& ctx, const Block* b, const Substitute& replace) {
  if (!b) return nullptr;
  std::vector<Stmt*> stmts;
  for (const Stmt* s : b->stmts) stmts.push_back(clone_stmt(ctx, s, replace));
  return ctx.make<Block>(std::move(stmts), b->range);
}

Stmt* clone_stmt(Context& ctx, const Stmt* s, const Substitute& replace) {
  switch (s->kind) {
    case StmtKind::Block:
      return clone_block(ctx, static_cast<const Block*>(s), replace);
    case StmtKind::ExprStmt:
      return ctx.make<ExprStmt>(clone_expr(ctx, static_cast<const ExprStmt*>(s)->expr, replace), s->range);
    case StmtKind::Assign: {
      auto* a = static_cast<const Assign*>(s);
      auto* copy = ctx.make<Assign>(clone_expr(ctx, a->target, replace), clone_expr(ctx, a->value, replace), s->range);
      copy->compound = a->compound;
      return copy;
    }
    case StmtKind::If: {
      auto* i = static_cast<const If*>(s);
      return ctx.make<If>(clone_expr(ctx, i->cond, replace), clone_block(ctx, i->then_block, replace),
                          clone_block(ctx, i->else_block, replace), s->range);
    }
    case StmtKind::Unroll: {
      auto* u = static_cast<const Unroll*>(s);
      return ctx.make<Unroll>(clone_expr(ctx, u->count_expr, replace), clone_block(ctx, u->body, replace), s->range);
    }
  }
  return nullptr;  // unreachable
}

}  // namespace sonde::ast
