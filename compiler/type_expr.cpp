// The type checker: expressions other than calls. Types follow the table in
// docs/internals.md "Types": integer literals int64, arithmetic 64-bit and
// unsigned only when both sides are, comparisons int64, strings only compared
// with == and !=.
#include <algorithm>
#include <charconv>

#include "compiler/type_checker.h"

namespace sonde::compiler {

using ast::Type;
using ast::TypeKind;

namespace {

bool is_none(const Type& t) { return t.kind == TypeKind::None; }

// A tracepoint field's type; false for layouts sonde cannot read yet.
bool field_type(const tracefs::Field& f, uint32_t string_size, Type& out) {
  if (f.is_data_loc) {
    out = Type::string(string_size);
    return f.c_type.find("char[]") != std::string::npos;
  }
  if (f.is_char_array) {
    out = Type::string(f.size);
    return true;
  }
  if (f.is_pointer) {
    out = Type::integer(64, false);
    return true;
  }
  if (f.c_type.find('[') != std::string::npos) return false;
  if (f.size != 1 && f.size != 2 && f.size != 4 && f.size != 8) return false;
  out = Type::integer(static_cast<uint8_t>(f.size * 8), f.is_signed);
  return true;
}

const tracefs::Field* find_field(const std::vector<tracefs::Field>& fields, const std::string& name) {
  for (const auto& f : fields)
    if (!f.is_common && f.name == name) return &f;
  return nullptr;
}

bool is_comparison(ast::BinaryOp op) {
  using B = ast::BinaryOp;
  return op == B::Eq || op == B::Ne || op == B::Lt || op == B::Le || op == B::Gt || op == B::Ge;
}

}  // namespace

// Parameters that look like integers are integers, as in bpftrace.
bool param_is_int(const std::string& text, int64_t& value) {
  std::string_view s = text;
  bool negative = !s.empty() && s[0] == '-';
  if (negative) s.remove_prefix(1);
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) base = 16, s.remove_prefix(2);
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size()) return false;
  value = negative ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
  return true;
}


Type TypeChecker::check_expr(ast::Expr& e, Role role) {
  Type t;
  switch (e.kind) {
    case ast::ExprKind::IntLiteral: t = Type::integer(); break;
    case ast::ExprKind::StringLiteral:
      t = Type::string(static_cast<uint32_t>(static_cast<ast::StringLiteral&>(e).value.size() + 1));
      break;
    case ast::ExprKind::PositionalParam: t = check_param(static_cast<ast::PositionalParam&>(e)); break;
    case ast::ExprKind::ParamCount: t = Type::integer(); break;
    case ast::ExprKind::Builtin: t = check_builtin(static_cast<ast::Builtin&>(e)); break;
    case ast::ExprKind::Variable: {
      auto& v = static_cast<ast::Variable&>(e);
      auto it = variables_.find(v.name);
      if (it != variables_.end()) t = it->second;
      else diags_.error("E-undefined-variable", e.range, v.name + " is used before it is assigned");
      break;
    }
    case ast::ExprKind::MapAccess: t = check_map_read(static_cast<ast::MapAccess&>(e)); break;
    case ast::ExprKind::FieldAccess: t = check_field(static_cast<ast::FieldAccess&>(e)); break;
    case ast::ExprKind::Call: t = check_call(static_cast<ast::Call&>(e), role); break;
    case ast::ExprKind::Unary: t = check_unary(static_cast<ast::Unary&>(e)); break;
    case ast::ExprKind::Binary: t = check_binary(static_cast<ast::Binary&>(e)); break;
    case ast::ExprKind::Ternary: t = check_ternary(static_cast<ast::Ternary&>(e)); break;
    case ast::ExprKind::Cast: t = check_cast(static_cast<ast::Cast&>(e)); break;
  }
  e.type = t;
  return t;
}

Type TypeChecker::check_param(ast::PositionalParam& e) {
  if (e.index < 1 || static_cast<size_t>(e.index) > options_.params.size()) {
    diags_.error("E-missing-param", e.range,
                 "$" + std::to_string(e.index) + " is used but only " +
                     std::to_string(options_.params.size()) + " positional parameter(s) were given",
                 {"pass parameters after the script: sonde script.bt ARG1 ARG2 ..."});
    return Type::none();
  }
  const std::string& text = options_.params[e.index - 1];
  int64_t value = 0;
  if (param_is_int(text, value)) return Type::integer();
  return Type::string(static_cast<uint32_t>(text.size() + 1));
}

Type TypeChecker::check_builtin(ast::Builtin& e) {
  const BuiltinVar* var = find_builtin_var(e.name);
  if (!var) {
    std::vector<std::string> hints;
    std::string near = closest_match(e.name, builtin_var_names());
    if (find_builtin_func(e.name)) hints.push_back("`" + e.name + "` is a function: write " + e.name + "()");
    else if (!near.empty()) hints.push_back("did you mean `" + near + "`?");
    diags_.error("E-unknown-builtin", e.range, "unknown identifier `" + e.name + "`", hints);
    return Type::none();
  }
  if (kinds_ != 0 && (kinds_ & ~var->allowed) != 0) {
    std::vector<std::string> hints;
    if (!var->hint.empty()) hints.push_back(var->hint);
    diags_.error("E-builtin-context", e.range,
                 "`" + e.name + "` is only available in " + describe_kinds(var->allowed) + " probes",
                 hints);
    return Type::none();
  }
  if (var->type == VarType::Args) {
    diags_.error("E-type", e.range, "`args` must be followed by a field, like args.filename");
    return Type::none();
  }
  Type type = builtin_var_type(*var, options_.string_size);
  // `probe` and `func` are constants of the attach point: a long binary path
  // must not cut them, so they are as long as the longest name needs.
  if (probe_ && (e.name == "probe" || e.name == "func")) {
    for (const auto& attach : probe_->attach) {
      const std::string& text = e.name == "probe" ? attach.probe_name : attach.name;
      type.size = std::max<uint32_t>(type.size, static_cast<uint32_t>(text.size() + 1));
    }
  }
  return type;
}

// `args.f` must name a field of every tracepoint the probe expanded to; its
// type is the merge of the field's types across them.
Type TypeChecker::check_field(ast::FieldAccess& e) {
  auto* base = e.base->kind == ast::ExprKind::Builtin ? static_cast<ast::Builtin*>(e.base) : nullptr;
  if (!base || base->name != "args") {
    check_expr(*e.base);
    diags_.error("E-type", e.range, "only `args` has fields");
    return Type::none();
  }
  const BuiltinVar* args = find_builtin_var("args");
  if (kinds_ != 0 && (kinds_ & ~args->allowed) != 0) {
    diags_.error("E-builtin-context", base->range, "`args` is only available in tracepoint probes",
                 {args->hint});
    return Type::none();
  }
  Type merged;
  for (const auto& attach : probe_->attach) {
    const tracefs::Field* f = find_field(attach.fields, e.field);
    if (!f) {
      std::vector<std::string> names;
      for (const auto& x : attach.fields)
        if (!x.is_common) names.push_back(x.name);
      std::vector<std::string> hints;
      std::string near = closest_match(e.field, names);
      if (!near.empty()) hints.push_back("did you mean `args." + near + "`?");
      std::string list;
      for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
      hints.push_back(attach.target + " has fields: " + list);
      if (probe_->attach.size() > 1)
        hints.push_back("a field must exist in all " + std::to_string(probe_->attach.size()) +
                        " tracepoints the probe attaches to");
      diags_.error("E-unknown-field", e.range,
                   attach.probe_name + " has no field `" + e.field + "`", hints);
      return Type::none();
    }
    Type t;
    if (!field_type(*f, options_.string_size, t)) {
      diags_.error("E-type", e.range, "field `" + e.field + "` of type `" + f->c_type +
                                          "` cannot be read by sonde yet");
      return Type::none();
    }
    if (is_none(merged)) merged = t;
    else if (!merge_types(merged, t, merged)) {
      diags_.error("E-type", e.range, "field `" + e.field + "` has different types in the probe's tracepoints");
      return Type::none();
    }
  }
  base->type = Type::none();
  return merged;
}

Type TypeChecker::check_cast(ast::Cast& e) {
  Type operand = check_expr(*e.operand);
  Type target;
  if (!parse_int_type_name(e.type_name, target)) {
    diags_.error("E-cast", e.range, "unknown type `" + e.type_name + "` in cast",
                 {"cast to an integer type: int8..int64, uint8..uint64, s8..s64, u8..u64"});
    return Type::none();
  }
  if (is_none(operand)) return Type::none();
  if (!operand.is_int()) {
    diags_.error("E-cast", e.range, "cannot cast " + ast::to_string(operand) + " to " + e.type_name);
    return Type::none();
  }
  return target;
}

bool TypeChecker::constant_int(ast::Expr& e, int64_t& out) {
  if (e.kind == ast::ExprKind::IntLiteral) {
    out = static_cast<int64_t>(static_cast<ast::IntLiteral&>(e).value);
    return true;
  }
  if (e.kind == ast::ExprKind::Unary && static_cast<ast::Unary&>(e).op == ast::UnaryOp::Neg) {
    if (!constant_int(*static_cast<ast::Unary&>(e).operand, out)) return false;
    out = -out;
    return true;
  }
  if (e.kind == ast::ExprKind::PositionalParam) {
    auto& p = static_cast<ast::PositionalParam&>(e);
    if (p.index < 1 || static_cast<size_t>(p.index) > options_.params.size()) return false;
    return param_is_int(options_.params[p.index - 1], out);
  }
  return false;
}

// ------------------------------------------------------------------ operators

Type TypeChecker::check_unary(ast::Unary& e) {
  using U = ast::UnaryOp;
  if (e.op == U::PreInc || e.op == U::PreDec || e.op == U::PostInc || e.op == U::PostDec)
    return check_increment(e);
  Type t = check_expr(*e.operand);
  if (is_none(t)) return t;
  if (!t.is_int()) {
    diags_.error("E-type", e.range,
                 std::string("operator ") + ast::to_string(e.op) + " needs an integer, not " +
                     ast::to_string(t));
    return Type::none();
  }
  if (e.op == U::BitNot) return Type::integer(64, t.is_signed);
  return Type::integer();
}

// `x++` and friends: on integer $variables (already assigned) and on integer
// maps (which `@m++` may define).
Type TypeChecker::check_increment(ast::Unary& e) {
  ast::Expr& target = *e.operand;
  if (target.kind == ast::ExprKind::Variable) {
    Type t = check_expr(target);
    if (!is_none(t) && !t.is_int()) {
      diags_.error("E-type", e.range, "++/-- need an integer; " +
                                          static_cast<ast::Variable&>(target).name + " holds " +
                                          ast::to_string(t));
      return Type::none();
    }
    return t;
  }
  if (target.kind != ast::ExprKind::MapAccess) {
    check_expr(target);
    diags_.error("E-type", e.range, "++/-- apply to a $variable or a map");
    return Type::none();
  }
  auto& map = static_cast<ast::MapAccess&>(target);
  Type known = map_value_type(map.name);
  if (!is_none(known) && !known.is_int()) {
    diags_.error("E-type", e.range, "++/-- need an integer map; " + map.name + " holds " + ast::to_string(known));
    return Type::none();
  }
  if (!check_map_keys(map) || !unify_map_value(map, Type::integer(), e.range)) return Type::none();
  map.type = map_value_type(map.name);
  return map.type;
}

Type TypeChecker::check_binary(ast::Binary& e) {
  using B = ast::BinaryOp;
  Type l = check_expr(*e.lhs);
  Type r = check_expr(*e.rhs);
  if (is_none(l) || is_none(r)) return Type::none();
  if (l.is_int() && r.is_int()) {
    if (is_comparison(e.op) || e.op == B::LogicalAnd || e.op == B::LogicalOr) return Type::integer();
    return Type::integer(64, l.is_signed || r.is_signed);
  }
  if (l.is_string() && r.is_string() && (e.op == B::Eq || e.op == B::Ne)) return Type::integer();
  std::vector<std::string> hints;
  if (l.is_string() && r.is_string()) hints.push_back("strings can only be compared with == and !=");
  diags_.error("E-type", e.range,
               std::string("operator ") + ast::to_string(e.op) + " cannot be applied to " +
                   ast::to_string(l) + " and " + ast::to_string(r),
               hints);
  return Type::none();
}

Type TypeChecker::check_ternary(ast::Ternary& e) {
  check_condition(*e.cond, "a ?: condition");
  Type a = check_expr(*e.then_expr);
  Type b = check_expr(*e.else_expr);
  if (is_none(a) || is_none(b)) return Type::none();
  if (refuse_stack_value(a, *e.then_expr) || refuse_stack_value(b, *e.else_expr)) return Type::none();
  Type out;
  if (a.is_int() && b.is_int()) return Type::integer(64, a.is_signed || b.is_signed);
  if (merge_types(a, b, out)) return out;
  diags_.error("E-type", e.range,
               "the branches of ?: have different types: " + ast::to_string(a) + " and " + ast::to_string(b));
  return Type::none();
}

}  // namespace sonde::compiler
