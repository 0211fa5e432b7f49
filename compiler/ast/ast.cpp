#include "compiler/ast/ast.h"

#include <sstream>

namespace sonde::ast {

EmitCall::EmitCall(std::string rec, std::vector<EmitField> f, std::vector<Expr*> a, SourceRange r)
    : Call("emit", std::move(a), r), record(std::move(rec)), fields(std::move(f)) {}

void Visitor::walk(Program& p) {
  for (Probe* probe : p.probes) visit(*probe);
}

void Visitor::visit(Probe& p) {
  if (p.predicate) visit_expr(*p.predicate);
  if (p.body) visit(*p.body);
}

void Visitor::visit_stmt(Stmt& s) {
  switch (s.kind) {
    case StmtKind::Block: return visit(static_cast<Block&>(s));
    case StmtKind::ExprStmt: return visit(static_cast<ExprStmt&>(s));
    case StmtKind::Assign: return visit(static_cast<Assign&>(s));
    case StmtKind::If: return visit(static_cast<If&>(s));
    case StmtKind::Unroll: return visit(static_cast<Unroll&>(s));
  }
}

void Visitor::visit_expr(Expr& e) {
  switch (e.kind) {
    case ExprKind::IntLiteral: return visit(static_cast<IntLiteral&>(e));
    case ExprKind::StringLiteral: return visit(static_cast<StringLiteral&>(e));
    case ExprKind::PositionalParam: return visit(static_cast<PositionalParam&>(e));
    case ExprKind::ParamCount: return visit(static_cast<ParamCount&>(e));
    case ExprKind::Builtin: return visit(static_cast<Builtin&>(e));
    case ExprKind::Variable: return visit(static_cast<Variable&>(e));
    case ExprKind::MapAccess: return visit(static_cast<MapAccess&>(e));
    case ExprKind::FieldAccess: return visit(static_cast<FieldAccess&>(e));
    case ExprKind::Call: return visit(static_cast<Call&>(e));
    case ExprKind::Unary: return visit(static_cast<Unary&>(e));
    case ExprKind::Binary: return visit(static_cast<Binary&>(e));
    case ExprKind::Ternary: return visit(static_cast<Ternary&>(e));
    case ExprKind::Cast: return visit(static_cast<Cast&>(e));
  }
}

void Visitor::visit(Block& s) {
  for (Stmt* st : s.stmts) visit_stmt(*st);
}
void Visitor::visit(ExprStmt& s) { visit_expr(*s.expr); }
void Visitor::visit(Assign& s) {
  visit_expr(*s.target);
  visit_expr(*s.value);
}
void Visitor::visit(If& s) {
  visit_expr(*s.cond);
  visit(*s.then_block);
  if (s.else_block) visit(*s.else_block);
}
void Visitor::visit(Unroll& s) {
  visit_expr(*s.count_expr);
  visit(*s.body);
}
void Visitor::visit(MapAccess& e) {
  for (Expr* k : e.keys) visit_expr(*k);
}
void Visitor::visit(FieldAccess& e) { visit_expr(*e.base); }
void Visitor::visit(Call& e) {
  for (Expr* a : e.args) visit_expr(*a);
}
void Visitor::visit(Unary& e) { visit_expr(*e.operand); }
void Visitor::visit(Binary& e) {
  visit_expr(*e.lhs);
  visit_expr(*e.rhs);
}
void Visitor::visit(Ternary& e) {
  visit_expr(*e.cond);
  visit_expr(*e.then_expr);
  visit_expr(*e.else_expr);
}
void Visitor::visit(Cast& e) { visit_expr(*e.operand); }

const char* to_string(BinaryOp op) {
  static const char* names[] = {"+", "-", "*", "/", "%", "<<", ">>", "&", "|", "^",
                                "==", "!=", "<", "<=", ">", ">=", "&&", "||"};
  return names[static_cast<int>(op)];
}

const char* to_string(UnaryOp op) {
  static const char* names[] = {"-", "!", "~", "++ (pre)", "-- (pre)", "++ (post)", "-- (post)"};
  return names[static_cast<int>(op)];
}

namespace {

// Prints one node per line, indented by depth, with the type when known.
class Dumper : public Visitor {
 public:
  std::ostringstream out;

  void visit(Probe& p) override {
    line("probe");
    ++depth_;
    for (const auto& ap : p.attach_points) line("attach " + ap.text);
    if (p.predicate) {
      line("predicate");
      nested([&] { visit_expr(*p.predicate); });
    }
    if (p.body) Visitor::visit(*p.body);
    --depth_;
  }
  void visit(ExprStmt& s) override { nested_line("expr", [&] { visit_expr(*s.expr); }); }
  void visit(Assign& s) override {
    nested_line(s.compound ? "assign (compound)" : "assign", [&] { Visitor::visit(s); });
  }
  void visit(If& s) override {
    nested_line("if", [&] {
      visit_expr(*s.cond);
      nested_line("then", [&] { Visitor::visit(*s.then_block); });
      if (s.else_block) nested_line("else", [&] { Visitor::visit(*s.else_block); });
    });
  }
  void visit(Unroll& s) override { nested_line("unroll", [&] { Visitor::visit(s); }); }

  void visit(IntLiteral& e) override { expr_line(e, "int " + std::to_string(e.value)); }
  void visit(StringLiteral& e) override { expr_line(e, "string \"" + e.value + "\""); }
  void visit(PositionalParam& e) override { expr_line(e, "param $" + std::to_string(e.index)); }
  void visit(ParamCount& e) override { expr_line(e, "param $#"); }
  void visit(Builtin& e) override { expr_line(e, "builtin " + e.name); }
  void visit(Variable& e) override { expr_line(e, "variable " + e.name); }
  void visit(MapAccess& e) override { expr_nested(e, "map " + e.name, [&] { Visitor::visit(e); }); }
  void visit(FieldAccess& e) override { expr_nested(e, "field ." + e.field, [&] { Visitor::visit(e); }); }
  void visit(Call& e) override { expr_nested(e, call_text(e), [&] { Visitor::visit(e); }); }
  void visit(Unary& e) override {
    expr_nested(e, std::string("unary ") + to_string(e.op), [&] { Visitor::visit(e); });
  }
  void visit(Binary& e) override {
    expr_nested(e, std::string("binary ") + to_string(e.op), [&] { Visitor::visit(e); });
  }
  void visit(Ternary& e) override { expr_nested(e, "ternary", [&] { Visitor::visit(e); }); }
  void visit(Cast& e) override { expr_nested(e, "cast " + e.type_name, [&] { Visitor::visit(e); }); }

 private:
  int depth_ = 0;

  // An emit shows its record and field names: "call emit io (fd, latency:duration)".
  static std::string call_text(const Call& e) {
    auto* emit = dynamic_cast<const EmitCall*>(&e);
    if (!emit) return "call " + e.name;
    std::string text = "call emit " + emit->record + " (";
    for (size_t i = 0; i < emit->fields.size(); ++i) {
      if (i > 0) text += ", ";
      text += emit->fields[i].name;
      if (!emit->fields[i].unit.empty()) text += ":" + emit->fields[i].unit;
    }
    return text + ")";
  }

  void line(const std::string& text) { out << std::string(depth_ * 2, ' ') << text << "\n"; }
  template <typename F>
  void nested(F f) {
    ++depth_;
    f();
    --depth_;
  }
  template <typename F>
  void nested_line(const std::string& text, F f) {
    line(text);
    nested(f);
  }
  static std::string typed(const Expr& e, const std::string& text) {
    return e.type.kind == TypeKind::None ? text : text + " :: " + to_string(e.type);
  }
  void expr_line(const Expr& e, const std::string& text) { line(typed(e, text)); }
  template <typename F>
  void expr_nested(const Expr& e, const std::string& text, F f) {
    nested_line(typed(e, text), f);
  }
};

}  // namespace

std::string dump(const Program& p) {
  Dumper d;
  d.walk(const_cast<Program&>(p));
  return d.out.str();
}

}  // namespace sonde::ast
