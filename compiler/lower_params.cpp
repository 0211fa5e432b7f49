// Positional parameters at compile time: probes switched off by an option,
// and attach points named by a parameter.
//
// Model: stdlib tools (`sonde run funccount -i 1 'c:str*'`) get their options
// as positional parameters. Two uses of them must be settled before anything
// is resolved, so this pass runs first:
//  1. A probe whose predicate folds to false using only literals, `$N` and
//     `$#` (`$1 /$2 > 0/`, `... /$3 != ""/`) is removed: an option that is
//     off costs no program, no attach and no run-time test. Other predicates
//     are left to the checker and LLVM (which folds a constant-true test).
//  2. `$N` inside an attach point (`uprobe:c:$1`, `interval:s:$2`, or a
//     whole probe `$1`) is replaced by the parameter's text and the result
//     parsed again as attach points, so a parameter may name several
//     (`t:syscalls:sys_enter_open*`, or "a,b"). Spans' OPEN and CLOSE too.
//  3. `args.$N` reads the field the parameter names (`args.$2` with
//     "filename" is `args.filename`).
//  4. A printf format given as a string parameter (`printf($2, arg0)`), or
//     as strcat() of literals, string parameters and `COND ? a : b` with a
//     constant COND (`printf(strcat("%d ", $2, "\n"), pid, arg0)`), becomes one string literal, so the checker
//     can match its conversions.
// Removal comes first, so a disabled probe may name an empty or absent
// parameter in its attach point.
#include <cctype>
#include <cstdlib>

#include "compiler/check.h"
#include "compiler/lower.h"

namespace sonde::compiler {

using namespace ast;

namespace {

// A compile-time value: an integer or a string (a parameter that is not an
// integer, or a literal).
struct Constant {
  bool is_string = false;
  int64_t number = 0;
  std::string text;
};

class Folder {
 public:
  explicit Folder(const std::vector<std::string>& params) : params_(params) {}

  // False when `e` depends on anything known only at run time.
  bool fold(const Expr* e, Constant& out) const {
    switch (e->kind) {
      case ExprKind::IntLiteral:
        out = {false, static_cast<int64_t>(static_cast<const IntLiteral*>(e)->value), {}};
        return true;
      case ExprKind::StringLiteral:
        out = {true, 0, static_cast<const StringLiteral*>(e)->value};
        return true;
      case ExprKind::PositionalParam: return param(static_cast<const PositionalParam*>(e)->index, out);
      case ExprKind::ParamCount: out = {false, static_cast<int64_t>(params_.size()), {}}; return true;
      case ExprKind::Unary: return unary(static_cast<const Unary*>(e), out);
      case ExprKind::Binary: return binary(static_cast<const Binary*>(e), out);
      case ExprKind::Ternary: {
        auto* t = static_cast<const Ternary*>(e);
        Constant c;
        if (!fold(t->cond, c) || c.is_string) return false;
        return fold(c.number ? t->then_expr : t->else_expr, out);
      }
      default: return false;
    }
  }

 private:
  const std::vector<std::string>& params_;

  bool param(int index, Constant& out) const {
    if (index < 1 || static_cast<size_t>(index) > params_.size()) return false;  // the checker reports it
    const std::string& text = params_[index - 1];
    int64_t v = 0;
    out = param_is_int(text, v) ? Constant{false, v, {}} : Constant{true, 0, text};
    return true;
  }

  bool unary(const Unary* u, Constant& out) const {
    Constant v;
    if (!fold(u->operand, v) || v.is_string) return false;
    switch (u->op) {
      case UnaryOp::Neg: out = {false, -v.number, {}}; return true;
      case UnaryOp::LogicalNot: out = {false, !v.number, {}}; return true;
      case UnaryOp::BitNot: out = {false, ~v.number, {}}; return true;
      default: return false;
    }
  }

  bool binary(const Binary* b, Constant& out) const {
    Constant l, r;
    bool have_l = fold(b->lhs, l), have_r = fold(b->rhs, r);
    // `x && 0` is false and `x || 1` true whatever x is (the probe is not
    // run for its side effects: a predicate has none worth keeping).
    if (b->op == BinaryOp::LogicalAnd && ((have_l && !l.is_string && !l.number) || (have_r && !r.is_string && !r.number)))
      return out = {}, true;
    if (b->op == BinaryOp::LogicalOr && ((have_l && !l.is_string && l.number) || (have_r && !r.is_string && r.number)))
      return out = {false, 1, {}}, true;
    if (!have_l || !have_r) return false;
    if (l.is_string || r.is_string) {
      if (l.is_string != r.is_string) return false;  // a type error: the checker says so
      if (b->op == BinaryOp::Eq) return out = {false, l.text == r.text, {}}, true;
      if (b->op == BinaryOp::Ne) return out = {false, l.text != r.text, {}}, true;
      return false;
    }
    return arithmetic(b->op, l.number, r.number, out);
  }

  static bool arithmetic(BinaryOp op, int64_t a, int64_t b, Constant& out) {
    int64_t v = 0;
    switch (op) {
      case BinaryOp::Add: v = a + b; break;
      case BinaryOp::Sub: v = a - b; break;
      case BinaryOp::Mul: v = a * b; break;
      case BinaryOp::Eq: v = a == b; break;
      case BinaryOp::Ne: v = a != b; break;
      case BinaryOp::Lt: v = a < b; break;
      case BinaryOp::Le: v = a <= b; break;
      case BinaryOp::Gt: v = a > b; break;
      case BinaryOp::Ge: v = a >= b; break;
      case BinaryOp::LogicalAnd: v = a && b; break;
      case BinaryOp::LogicalOr: v = a || b; break;
      case BinaryOp::BitAnd: v = a & b; break;
      case BinaryOp::BitOr: v = a | b; break;
      default: return false;  // division and shifts: not worth folding here
    }
    out = {false, v, {}};
    return true;
  }
};

bool folds_to_false(const Probe& probe, const Folder& folder) {
  Constant c;
  return probe.predicate && folder.fold(probe.predicate, c) && !c.is_string && c.number == 0;
}

// Replaces each `$N` in `text`; false (and `missing` = N) for an absent one.
bool substitute(const std::string& text, const std::vector<std::string>& params, std::string& out,
                int& missing) {
  out.clear();
  for (size_t i = 0; i < text.size(); ++i) {
    size_t digits = i + 1;
    while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
    if (text[i] != '$' || digits == i + 1) {
      out += text[i];
      continue;
    }
    int n = std::atoi(text.substr(i + 1, digits - i - 1).c_str());
    if (n < 1 || static_cast<size_t>(n) > params.size()) return missing = n, false;
    out += params[n - 1];
    i = digits - 1;
  }
  return true;
}

// The attach points `ap` stands for once its parameters are substituted.
std::vector<AttachPoint> expand(const AttachPoint& ap, const LowerOptions& options, Diagnostics& diags) {
  if (ap.text.find('$') == std::string::npos) return {ap};
  std::string text;
  int missing = 0;
  if (!substitute(ap.text, options.params, text, missing)) {
    diags.error("E-missing-param", ap.range,
                "attach point `" + ap.text + "` uses $" + std::to_string(missing) + " but only " +
                    std::to_string(options.params.size()) + " positional parameter(s) were given",
                {"pass parameters after the script: sonde script.sonde ARG1 ARG2 ..."});
    return {};
  }
  // Parse "TEXT {}" with the real grammar: one splitting rule for all.
  Context scratch;
  Diagnostics scratch_diags;
  SourceFile file{"$param", text + " {}"};
  if (!options.parse || !options.parse(file, scratch, scratch_diags) || scratch.program.probes.size() != 1) {
    diags.error("E-param-attach", ap.range,
                "attach point `" + ap.text + "` becomes `" + text + "`, which is not an attach point");
    return {};
  }
  std::vector<AttachPoint> result = scratch.program.probes[0]->attach_points;
  for (AttachPoint& each : result) each.range = ap.range;
  return result;
}

void expand_single(AttachPoint& ap, const LowerOptions& options, Diagnostics& diags) {
  std::vector<AttachPoint> expanded = expand(ap, options, diags);
  if (expanded.size() == 1) ap = expanded[0];
  else if (expanded.size() > 1)
    diags.error("E-param-attach", ap.range, "a span's OPEN and CLOSE must each be one attach point");
}

// printf($N, ...) → printf("the parameter's text", ...); strcat() likewise.
// args.$N → args.FIELD.
class BodyParams : public Visitor {
 public:
  BodyParams(Context& ctx, const std::vector<std::string>& params, Diagnostics& diags)
      : ctx_(ctx), params_(params), diags_(diags) {}
  using Visitor::visit;

  void visit(FieldAccess& e) override {
    Visitor::visit(e);
    if (!e.field.starts_with("$")) return;
    int index = std::atoi(e.field.c_str() + 1);
    if (index < 1 || static_cast<size_t>(index) > params_.size()) {
      diags_.error("E-missing-param", e.range,
                   e.field + " is used but only " + std::to_string(params_.size()) +
                       " positional parameter(s) were given");
      return;
    }
    const std::string& name = params_[index - 1];
    bool is_name = !name.empty() && !std::isdigit(static_cast<unsigned char>(name[0]));
    for (char c : name) is_name = is_name && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
    if (!is_name) {
      diags_.error("E-param-field", e.range, e.field + " is `" + name + "`, which is not a field name");
      return;
    }
    e.field = name;
  }
  void visit(Call& call) override {
    Visitor::visit(call);
    if (call.name != "printf" || call.args.empty()) return;
    std::string format;
    if (constant_string(call.args[0], format)) call.args[0] = ctx_.make<StringLiteral>(format, call.args[0]->range);
  }

 private:
  // A string parameter, or strcat() of literals and string parameters.
  bool constant_string(const Expr* e, std::string& out) const {
    if (e->kind == ExprKind::StringLiteral) return out = static_cast<const StringLiteral*>(e)->value, true;
    if (e->kind == ExprKind::PositionalParam) {
      int index = static_cast<const PositionalParam*>(e)->index;
      int64_t number = 0;
      if (index < 1 || static_cast<size_t>(index) > params_.size() || param_is_int(params_[index - 1], number))
        return false;  // the checker reports a missing or non-string format
      return out = params_[index - 1], true;
    }
    if (e->kind == ExprKind::Ternary) {  // `$4 == "" ? "%d" : $4`
      auto* t = static_cast<const Ternary*>(e);
      Constant c;
      if (!Folder(params_).fold(t->cond, c) || c.is_string) return false;
      return constant_string(c.number ? t->then_expr : t->else_expr, out);
    }
    if (e->kind != ExprKind::Call || static_cast<const Call*>(e)->name != "strcat") return false;
    out.clear();
    for (const Expr* part : static_cast<const Call*>(e)->args) {
      std::string text;
      if (!constant_string(part, text)) return false;
      out += text;
    }
    return true;
  }

  Context& ctx_;
  const std::vector<std::string>& params_;
  Diagnostics& diags_;
};

}  // namespace

bool lower_params(ast::Context& ctx, const LowerOptions& options, Diagnostics& diags) {
  int errors_before = diags.error_count();
  Folder folder(options.params);
  std::vector<Probe*> kept;
  for (Probe* probe : ctx.program.probes) {
    if (folds_to_false(*probe, folder)) continue;
    std::vector<AttachPoint> points;
    for (const AttachPoint& ap : probe->attach_points)
      for (AttachPoint& each : expand(ap, options, diags)) points.push_back(std::move(each));
    probe->attach_points = std::move(points);
    kept.push_back(probe);
  }
  ctx.program.probes = std::move(kept);
  BodyParams bodies(ctx, options.params, diags);
  for (Probe* probe : ctx.program.probes) bodies.visit(*probe);
  for (SpanDecl& span : ctx.program.spans) {
    expand_single(span.open, options, diags);
    expand_single(span.close, options, diags);
  }
  return diags.error_count() == errors_before;
}

}  // namespace sonde::compiler
