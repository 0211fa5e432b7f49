// The type checker: statements, variables and map unification.
//
// Model: one walk per probe, in program order. Variables are probe-scoped and
// take the type of their first assignment (a later assignment must be of the
// same kind: int or string). Maps are global: every access unifies its keys
// and every assignment its value into one MapInfo (ints as 8 bytes, signed
// unless every use is unsigned; strings at the largest size; aggregations of
// one kind, lhist with one set of bounds).
#include "compiler/type_checker.h"

namespace sonde::compiler {

using ast::Type;
using ast::TypeKind;

Type widen_int(const Type& t) { return t.is_int() ? Type::integer(64, t.is_signed) : t; }

bool merge_types(const Type& a, const Type& b, Type& out) {
  if (a.is_int() && b.is_int()) {
    out = Type::integer(64, a.is_signed || b.is_signed);
    return true;
  }
  if (a.is_string() && b.is_string()) {
    out = Type::string(std::max(a.size, b.size));
    return true;
  }
  if (a.is_stack() && b.is_stack() && a.user_stack == b.user_stack) {
    out = Type::stack(a.user_stack, std::max(a.size, b.size));
    return true;
  }
  if (a.is_agg() && b.is_agg() && a == b) {
    out = a;
    return true;
  }
  return false;
}

namespace {

class AssignedMaps : public ast::Visitor {
 public:
  std::set<std::string> names;
  void visit(ast::Assign& s) override {
    if (s.target->kind == ast::ExprKind::MapAccess)
      names.insert(static_cast<ast::MapAccess&>(*s.target).name);
    ast::Visitor::visit(s);
  }
  void visit(ast::Unary& e) override {
    if (e.operand->kind == ast::ExprKind::MapAccess && e.op != ast::UnaryOp::Neg &&
        e.op != ast::UnaryOp::LogicalNot && e.op != ast::UnaryOp::BitNot)
      names.insert(static_cast<ast::MapAccess&>(*e.operand).name);
    ast::Visitor::visit(e);
  }
};

}  // namespace

std::set<std::string> assigned_maps(ast::Program& program) {
  AssignedMaps collector;
  collector.walk(program);
  return std::move(collector.names);
}

TypeChecker::TypeChecker(const CheckOptions& options, Diagnostics& diags,
                         const std::map<std::string, MapInfo>* prior, std::set<std::string> assigned)
    : options_(options), diags_(diags), prior_(prior), assigned_(std::move(assigned)) {}

void TypeChecker::check_probe(ast::Probe& probe, const ProbeInfo& info) {
  probe_ = &info;
  variables_.clear();
  kinds_ = 0;
  for (const auto& a : info.attach) kinds_ |= kind_bit(a.kind);
  if (probe.predicate) check_condition(*probe.predicate, "a probe predicate");
  if (probe.body) check_block(*probe.body);
}

std::map<std::string, MapInfo> TypeChecker::take_maps() {
  std::map<std::string, MapInfo> out;
  for (auto& [name, state] : maps_)
    if (state.info.value.kind != TypeKind::None) out[name] = std::move(state.info);
  return out;
}

// ------------------------------------------------------------------ statements

void TypeChecker::check_block(ast::Block& block) {
  for (ast::Stmt* s : block.stmts) check_stmt(*s);
}

void TypeChecker::check_stmt(ast::Stmt& stmt) {
  switch (stmt.kind) {
    case ast::StmtKind::Block: return check_block(static_cast<ast::Block&>(stmt));
    case ast::StmtKind::ExprStmt:
      check_expr(*static_cast<ast::ExprStmt&>(stmt).expr, Role::Statement);
      return;
    case ast::StmtKind::Assign: return check_assign(static_cast<ast::Assign&>(stmt));
    case ast::StmtKind::If: {
      auto& s = static_cast<ast::If&>(stmt);
      check_condition(*s.cond, "an if condition");
      check_block(*s.then_block);
      if (s.else_block) check_block(*s.else_block);
      return;
    }
    case ast::StmtKind::Unroll: return check_unroll(static_cast<ast::Unroll&>(stmt));
  }
}

void TypeChecker::check_condition(ast::Expr& cond, const char* where) {
  Type t = check_expr(cond);
  if (t.kind == TypeKind::None || t.is_int()) return;
  std::vector<std::string> hints;
  if (t.is_string()) hints.push_back("compare strings with == or !=");
  diags_.error("E-type", cond.range, std::string(where) + " must be an integer, not " + ast::to_string(t),
               hints);
}

void TypeChecker::check_unroll(ast::Unroll& unroll) {
  int64_t n = 0;
  check_expr(*unroll.count_expr);
  if (!constant_int(*unroll.count_expr, n)) {
    diags_.error("E-unroll", unroll.count_expr->range,
                 "unroll needs a literal count (an integer or an integer $N)");
  } else if (n < 1 || n > 100) {
    diags_.error("E-unroll", unroll.count_expr->range,
                 "unroll count must be between 1 and 100, not " + std::to_string(n));
  } else {
    unroll.count = static_cast<int>(n);
  }
  check_block(*unroll.body);
}

// A compound assignment (`+=`) needs an integer target; declaring it first
// lets `@n += 1` define @n, as `@n++` does.
static bool compound_target_ok(TypeChecker& tc, ast::Assign& assign, Diagnostics& diags) {
  if (assign.target->kind != ast::ExprKind::MapAccess) return true;
  auto& map = static_cast<ast::MapAccess&>(*assign.target);
  Type known = tc.map_value_type(map.name);
  if (known.kind != TypeKind::None && !known.is_int()) {
    diags.error("E-type", assign.range,
                "compound assignment needs an integer map; " + map.name + " holds " +
                    ast::to_string(known));
    return false;
  }
  return tc.unify_map_value(map, Type::integer(), assign.range);
}

void TypeChecker::check_assign(ast::Assign& assign) {
  if (assign.compound && !compound_target_ok(*this, assign, diags_)) return;
  if (assign.target->kind == ast::ExprKind::MapAccess) {
    auto& map = static_cast<ast::MapAccess&>(*assign.target);
    Type value = check_expr(*assign.value, Role::MapValue);
    // `@m[k] += v` arrives as `@m[k] = @m[k] + v`: the read already checked
    // the keys, and checking them again would repeat its errors.
    if (assign.compound && value.kind == TypeKind::None) return;
    if (refuse_stack_value(value, *assign.value)) return;
    bool keys_ok = check_map_keys(map);
    if (value.kind == TypeKind::None || !keys_ok) return;
    if (unify_map_value(map, value, assign.value->range)) map.type = map_value_type(map.name);
    return;
  }
  if (assign.target->kind != ast::ExprKind::Variable) {
    diags_.error("E-type", assign.target->range, "only maps and $variables can be assigned");
    return;
  }
  auto& var = static_cast<ast::Variable&>(*assign.target);
  Type value = check_expr(*assign.value);
  if (refuse_stack_value(value, *assign.value)) value = Type::none();
  auto it = variables_.find(var.name);
  if (it == variables_.end() || it->second.kind == TypeKind::None) {
    // A failed first assignment still declares the variable (as `none`), so
    // its later uses report no second, derived error.
    variables_[var.name] = value;
    var.type = value;
    return;
  }
  if (value.kind == TypeKind::None) return;
  if (it->second.kind != value.kind) {
    diags_.error("E-type", assign.value->range,
                 "cannot assign " + ast::to_string(value) + " to " + var.name + ", which holds " +
                     ast::to_string(it->second));
    return;
  }
  var.type = it->second;
}

bool TypeChecker::refuse_stack_value(const Type& t, const ast::Expr& where) {
  if (!t.is_stack()) return false;
  diags_.error("E-type", where.range, "a stack cannot be stored in a variable or as a map value",
               {"count stacks with @[ustack] = count(), or print one with printf(\"%s\", ustack)"});
  return true;
}

// ------------------------------------------------------------------------ maps

static std::string describe_keys(const std::vector<Type>& keys) {
  if (keys.empty()) return "no key";
  std::string out = "[";
  for (size_t i = 0; i < keys.size(); ++i) out += (i ? ", " : "") + ast::to_string(keys[i]);
  return out + "]";
}

bool TypeChecker::check_map_keys(ast::MapAccess& access) {
  std::vector<Type> keys;
  bool ok = true;
  for (ast::Expr* k : access.keys) {
    Type t = check_expr(*k);
    if (t.kind == TypeKind::None) ok = false;
    keys.push_back(widen_int(t));
  }
  if (!ok) return false;
  MapState& state = maps_[access.name];
  if (!state.keys_known) {
    state.keys_known = true;
    state.info.name = access.name;
    state.info.keys = keys;
    state.info.first_use = access.range;
    return true;
  }
  auto& known = state.info.keys;
  bool same_shape = known.size() == keys.size();
  for (size_t i = 0; same_shape && i < keys.size(); ++i)
    same_shape = merge_types(known[i], keys[i], known[i]);
  if (!same_shape)
    diags_.error("E-map-key", access.range,
                 access.name + " is used with " + describe_keys(keys) + " here but with " +
                     describe_keys(known) + " before");
  return same_shape;
}

bool TypeChecker::unify_map_value(ast::MapAccess& access, const Type& value, SourceRange where) {
  MapState& state = maps_[access.name];
  if (state.info.name.empty()) {
    state.info.name = access.name;
    state.info.first_use = access.range;
  }
  Type& known = state.info.value;
  if (known.kind == TypeKind::None) {
    known = widen_int(value);
    return true;
  }
  if (merge_types(known, value, known)) return true;
  diags_.error("E-map-value", where,
               access.name + " holds " + ast::to_string(known) + " but is assigned " +
                   ast::to_string(value) + " here",
               {"a map has one value type across the whole program"});
  return false;
}

Type TypeChecker::map_value_type(const std::string& name) const {
  if (prior_) {
    auto it = prior_->find(name);
    if (it != prior_->end()) return it->second.value;
  }
  auto it = maps_.find(name);
  return it == maps_.end() ? Type::none() : it->second.info.value;
}

Type TypeChecker::check_map_read(ast::MapAccess& access) {
  if (!check_map_keys(access)) return Type::none();
  Type t = map_value_type(access.name);
  if (t.kind == TypeKind::None) {
    report_untyped_map(access);
    return t;
  }
  if (t.is_agg()) {
    diags_.error("E-agg-read", access.range,
                 access.name + " holds a " + ast::to_string(t) +
                     " aggregation, which cannot be read in an expression",
                 {"print it with print(" + access.name + ")"});
    return Type::none();
  }
  return t;
}

Type TypeChecker::check_map_reference(ast::MapAccess& access, bool want_keys, const std::string& func) {
  if (want_keys && access.keys.empty()) {
    diags_.error("E-type", access.range, func + "() needs a map element, like " + func + "(@name[key])");
    return Type::none();
  }
  if (!want_keys && !access.keys.empty()) {
    diags_.error("E-type", access.range, func + "() takes a whole map, like " + func + "(@name)");
    return Type::none();
  }
  if (want_keys && !check_map_keys(access)) return Type::none();
  Type t = map_value_type(access.name);
  if (t.kind == TypeKind::None) report_untyped_map(access);
  access.type = t;
  return t;
}

void TypeChecker::report_untyped_map(ast::MapAccess& access) {
  if (assigned_.count(access.name)) {
    untyped_reads_.push_back(&access);  // its assignment reported the error
    return;
  }
  diags_.error("E-undefined-map", access.range, access.name + " is used but never assigned");
}

}  // namespace sonde::compiler
