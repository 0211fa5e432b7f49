// The type checker: calls. Everything generic (existence, arity, where the
// call may stand, each argument's rule) comes from the builtins table; the
// few checks a row cannot express (printf's verbs, lhist's bounds) are the
// CallExtra hooks at the bottom.
#include "compiler/printf_format.h"
#include "compiler/type_checker.h"

namespace sonde::compiler {

using ast::Type;
using ast::TypeKind;

namespace {

constexpr size_t kMaxPrintfArgs = 16;

std::string arg_name(const ast::Call& call, size_t i) {
  return "argument " + std::to_string(i + 1) + " of " + call.name + "()";
}

std::string arity_text(const BuiltinFunc& f) {
  size_t max = f.args.size();
  if (f.variadic) return "at least " + std::to_string(f.min_args);
  if (f.min_args == max) return std::to_string(max);
  return std::to_string(f.min_args) + " to " + std::to_string(max);
}

}  // namespace

// The role check: statement-like calls have no value, aggregations live
// only as the whole value of a map assignment.
static bool role_ok(const BuiltinFunc& f, ast::Call& call, Role role, Diagnostics& diags) {
  if (f.role == CallRole::Statement && role != Role::Statement) {
    diags.error("E-type", call.range, call.name + "() does not return a value; use it as a statement");
    return false;
  }
  if (f.role == CallRole::Aggregation && role != Role::MapValue) {
    diags.error("E-agg-context", call.range,
                call.name + "() must be assigned directly to a map, like @name = " + call.name + "(...)");
    return false;
  }
  return true;
}

Type TypeChecker::check_call(ast::Call& call, Role role) {
  const BuiltinFunc* f = find_builtin_func(call.name);
  if (!f) {
    for (ast::Expr* a : call.args) check_expr(*a);
    std::vector<std::string> hints;
    std::string near = closest_match(call.name, builtin_func_names());
    if (!near.empty()) hints.push_back("did you mean `" + near + "`?");
    diags_.error("E-unknown-function", call.range, "unknown function `" + call.name + "`", hints);
    return Type::none();
  }
  bool ok = role_ok(*f, call, role, diags_);
  size_t n = call.args.size();
  if (n < f->min_args || (!f->variadic && n > f->args.size())) {
    diags_.error("E-arity", call.range,
                 call.name + "() takes " + arity_text(*f) + " argument(s), " + std::to_string(n) + " given");
    for (ast::Expr* a : call.args) check_expr(*a);
    return Type::none();
  }
  for (size_t i = 0; i < n; ++i)
    check_call_arg(call, i, i < f->args.size() ? f->args[i] : ArgRule::Value);

  Type result = Type::none();
  if (f->role == CallRole::Aggregation) result = Type::aggregate(f->agg);
  if (f->role == CallRole::Value)
    result = Type::string(f->result_size ? f->result_size : options_.string_size);
  if (f->extra == CallExtra::Printf) check_printf(call);
  if (f->extra == CallExtra::Lhist && !check_lhist(call, result)) return Type::none();
  if (f->extra == CallExtra::Stack && !check_stack_depth(call, result)) return Type::none();
  return ok ? result : Type::none();
}

void TypeChecker::check_call_arg(ast::Call& call, size_t i, ArgRule rule) {
  ast::Expr& arg = *call.args[i];
  auto* map = arg.kind == ast::ExprKind::MapAccess ? static_cast<ast::MapAccess*>(&arg) : nullptr;
  switch (rule) {
    case ArgRule::Map:
    case ArgRule::MapElement:
      if (!map) {
        check_expr(arg);
        diags_.error("E-type", arg.range, call.name + "() takes a map, like " + call.name +
                                              (rule == ArgRule::Map ? "(@name)" : "(@name[key])"));
        return;
      }
      check_map_reference(*map, rule == ArgRule::MapElement, call.name);
      return;
    case ArgRule::MapOrValue:
      if (map && map->keys.empty()) check_map_reference(*map, false, call.name);
      else check_expr(arg);
      return;
    case ArgRule::StringLiteral:
      check_expr(arg);
      if (arg.kind != ast::ExprKind::StringLiteral)
        diags_.error(call.name == "printf" ? "E-printf" : "E-type", arg.range,
                     arg_name(call, i) + " must be a string literal");
      return;
    case ArgRule::IntLiteral: {
      int64_t ignored;
      Type t = check_expr(arg);
      if (t.kind != TypeKind::None && !constant_int(arg, ignored))
        diags_.error("E-type", arg.range, arg_name(call, i) + " must be an integer literal");
      return;
    }
    case ArgRule::Int: {
      Type t = check_expr(arg);
      if (t.kind != TypeKind::None && !t.is_int())
        diags_.error("E-type", arg.range, arg_name(call, i) + " must be an integer, not " + ast::to_string(t));
      return;
    }
    case ArgRule::String: {
      Type t = check_expr(arg);
      if (t.kind != TypeKind::None && !t.is_string())
        diags_.error("E-type", arg.range, arg_name(call, i) + " must be a string, not " + ast::to_string(t));
      return;
    }
    case ArgRule::IntOrString:
    case ArgRule::Value: {
      Type t = check_expr(arg);
      // Only printf's %s and print() know how to show a stack.
      bool shows_stacks = call.name == "printf" || call.name == "print";
      if (t.is_stack() && !shows_stacks)
        diags_.error("E-type", arg.range, arg_name(call, i) + " cannot be a stack",
                     {"a stack can be a map key (@[ustack] = count()) or printed with printf(\"%s\", ustack)"});
      return;
    }
  }
}

// Each verb takes one argument: %s a string, every other verb an integer.
void TypeChecker::check_printf(ast::Call& call) {
  if (call.args.empty() || call.args[0]->kind != ast::ExprKind::StringLiteral) return;
  const std::string& format = static_cast<ast::StringLiteral&>(*call.args[0]).value;
  auto verbs = parse_printf_format(format);
  if (!verbs.ok()) {
    std::vector<std::string> hints;
    if (!verbs.error().hint.empty()) hints.push_back(verbs.error().hint);
    diags_.error("E-printf", call.args[0]->range, "printf: " + verbs.error().message, hints);
    return;
  }
  size_t given = call.args.size() - 1;
  if (given > kMaxPrintfArgs) {
    diags_.error("E-printf", call.range, "printf takes at most " + std::to_string(kMaxPrintfArgs) +
                                             " arguments after the format, " + std::to_string(given) + " given");
    return;
  }
  if (given != verbs->size()) {
    diags_.error("E-printf", call.range,
                 "printf: the format has " + std::to_string(verbs->size()) + " conversion(s) but " +
                     std::to_string(given) + " argument(s) follow it");
    return;
  }
  for (size_t i = 0; i < given; ++i) {
    const FormatVerb& v = (*verbs)[i];
    ast::Expr& arg = *call.args[i + 1];
    if (arg.type.kind == TypeKind::None) continue;
    bool fits = v.takes_string() ? arg.type.is_string() || arg.type.is_stack() : arg.type.is_int();
    if (!fits)
      diags_.error("E-printf", arg.range,
                   "printf: `" + v.spec + "` expects " + (v.takes_string() ? "a string" : "an integer") +
                       " but the argument is " + ast::to_string(arg.type));
  }
}

// ustack(N), kstack(N): N frames, 1 to kMaxStackFrames.
bool TypeChecker::check_stack_depth(ast::Call& call, Type& result) {
  int64_t frames = 0;
  if (!constant_int(*call.args[0], frames)) return false;  // reported by the arg rule
  if (frames < 1 || frames > static_cast<int64_t>(kMaxStackFrames)) {
    diags_.error("E-type", call.args[0]->range,
                 call.name + "() takes 1 to " + std::to_string(kMaxStackFrames) + " frames, not " +
                     std::to_string(frames));
    return false;
  }
  result = Type::stack(call.name == "ustack", static_cast<uint32_t>(frames));
  return true;
}

// lhist(value, min, max, step): the bounds are constants, step > 0 and
// max > min; they become part of the map's value type.
bool TypeChecker::check_lhist(ast::Call& call, Type& result) {
  int64_t min = 0, max = 0, step = 0;
  if (!constant_int(*call.args[1], min) || !constant_int(*call.args[2], max) ||
      !constant_int(*call.args[3], step))
    return false;  // already reported as "must be an integer literal"
  if (step <= 0) {
    diags_.error("E-lhist", call.args[3]->range, "lhist() step must be at least 1, not " + std::to_string(step));
    return false;
  }
  if (max <= min) {
    diags_.error("E-lhist", call.range, "lhist() max (" + std::to_string(max) + ") must be greater than min (" +
                                            std::to_string(min) + ")");
    return false;
  }
  result.lhist_min = min;
  result.lhist_max = max;
  result.lhist_step = step;
  return true;
}

}  // namespace sonde::compiler
