// The type checker's internal interface, shared by its files:
//   type_checker.cpp  statements, variables, maps (unification)
//   type_expr.cpp     expressions other than calls
//   type_calls.cpp    calls, checked against the builtins table
// check.cpp drives it; nothing outside compiler/ includes this header.
//
// Convention: an expression whose type is `none` after checking either had
// an error (already reported) or is a statement-like call; operators and
// calls accept a `none` operand silently, so one mistake gives one error.
#pragma once
#include <map>
#include <set>
#include <string>

#include "compiler/builtins.h"
#include "compiler/check.h"

namespace sonde::compiler {

// Where an expression stands, which decides what it may be.
enum class Role {
  Value,      // its value is used
  Statement,  // an expression statement: printf() etc. allowed
  MapValue,   // the whole right side of a map assignment: aggregations allowed
};

class TypeChecker {
 public:
  // `prior`: map types from an earlier run over the whole program, so a map
  // read before (in program order) its first assignment still has a type.
  TypeChecker(const CheckOptions& options, Diagnostics& diags,
              const std::map<std::string, MapInfo>* prior, std::set<std::string> assigned);

  void check_probe(ast::Probe& probe, const ProbeInfo& info);
  // The unified map types; maps with no known value type are left out.
  std::map<std::string, MapInfo> take_maps();
  // Reads of maps that are assigned somewhere but whose assignments all
  // failed or could not be typed; silent so far (see check.cpp).
  const std::vector<ast::MapAccess*>& untyped_reads() const { return untyped_reads_; }

  // ---- statements (type_checker.cpp)
  void check_block(ast::Block& block);
  void check_stmt(ast::Stmt& stmt);
  void check_assign(ast::Assign& assign);
  void check_unroll(ast::Unroll& unroll);
  void check_condition(ast::Expr& cond, const char* where);

  // ---- maps (type_checker.cpp)
  // Checks keys and unifies them with the map's; false on a key error.
  bool check_map_keys(ast::MapAccess& access);
  // Records `value` as (one of) the map's value types; false on a mismatch.
  bool unify_map_value(ast::MapAccess& access, const ast::Type& value, SourceRange where);
  // The map's value type (unified), or none if the map is never assigned.
  ast::Type map_value_type(const std::string& name) const;
  ast::Type check_map_read(ast::MapAccess& access);
  // `@m` or `@m[k]` as an argument of print/clear/zero/delete.
  ast::Type check_map_reference(ast::MapAccess& access, bool want_keys, const std::string& func);

  // ---- expressions (type_expr.cpp)
  ast::Type check_expr(ast::Expr& expr, Role role = Role::Value);
  ast::Type check_builtin(ast::Builtin& e);
  ast::Type check_field(ast::FieldAccess& e);
  ast::Type check_param(ast::PositionalParam& e);
  ast::Type check_unary(ast::Unary& e);
  ast::Type check_increment(ast::Unary& e);
  ast::Type check_binary(ast::Binary& e);
  ast::Type check_ternary(ast::Ternary& e);
  ast::Type check_cast(ast::Cast& e);
  // An integer known at compile time: a literal, `-literal` or an integer $N.
  bool constant_int(ast::Expr& e, int64_t& out);

  // ---- calls (type_calls.cpp)
  ast::Type check_call(ast::Call& call, Role role);
  void check_call_arg(ast::Call& call, size_t index, ArgRule rule);
  void check_printf(ast::Call& call);
  bool check_lhist(ast::Call& call, ast::Type& result);
  bool check_stack_depth(ast::Call& call, ast::Type& result);
  // A stack is a map key or a printf/print argument, never a stored value.
  bool refuse_stack_value(const ast::Type& t, const ast::Expr& where);

 private:
  struct MapState {
    MapInfo info;
    bool keys_known = false;
  };

  const CheckOptions& options_;
  Diagnostics& diags_;
  const std::map<std::string, MapInfo>* prior_;
  std::map<std::string, MapState> maps_;
  std::set<std::string> assigned_;  // maps with an assignment or ++ anywhere
  std::vector<ast::MapAccess*> untyped_reads_;
  // A map read found no type: silent if the map is assigned somewhere.
  void report_untyped_map(ast::MapAccess& access);

  // Per probe.
  KindSet kinds_ = 0;
  const ProbeInfo* probe_ = nullptr;
  std::map<std::string, ast::Type> variables_;
};

// Int types as maps store them: 8 bytes, signedness kept.
ast::Type widen_int(const ast::Type& t);
// The type of `a` and `b` merged (ints widened, strings at the larger size);
// false when they cannot share a slot.
bool merge_types(const ast::Type& a, const ast::Type& b, ast::Type& out);
// Names of the maps the program assigns (=, op=, ++, --).
std::set<std::string> assigned_maps(ast::Program& program);

}  // namespace sonde::compiler
