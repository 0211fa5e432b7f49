// The AST: typed nodes, each with a source range, all owned by one arena
// (ast::Context). The parser builds it; the checker fills in `Expr::type`
// and resolves attach points; codegen only reads it.
//
// Design note: node kinds are plain structs deriving from Expr/Stmt with a
// `kind` tag, and one Visitor with default traversal walks them. A pass that
// only cares about calls overrides visit(Call&) and nothing else.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "compiler/ast/types.h"
#include "support/source.h"

namespace sonde::ast {

// ---------------------------------------------------------------- expressions

enum class ExprKind {
  IntLiteral,      // 42, 0x1f, 'c'
  StringLiteral,   // "text" (escapes already decoded)
  PositionalParam, // $1 .. $9 ; $# is ParamCount
  ParamCount,      // $#
  Builtin,         // pid tid uid gid comm nsecs cpu probe func retval arg0.. args elapsed
  Variable,        // $name
  MapAccess,       // @name, @name[k], @[k], @name[k1, k2]
  FieldAccess,     // args.f, args->f
  Call,            // count(), printf("..", ...), str(p, n)
  Unary,           // - ! ~ and ++/-- on lvalues
  Binary,          // C operators
  Ternary,         // c ? a : b
  Cast,            // (uint8)x
};

struct Expr {
  explicit Expr(ExprKind k, SourceRange r) : kind(k), range(r) {}
  virtual ~Expr() = default;
  ExprKind kind;
  SourceRange range;
  Type type;  // filled by the checker; Type::none() before it runs
};

struct IntLiteral : Expr {
  IntLiteral(uint64_t v, SourceRange r) : Expr(ExprKind::IntLiteral, r), value(v) {}
  uint64_t value;
};

struct StringLiteral : Expr {
  StringLiteral(std::string v, SourceRange r) : Expr(ExprKind::StringLiteral, r), value(std::move(v)) {}
  std::string value;
};

struct PositionalParam : Expr {
  PositionalParam(int n, SourceRange r) : Expr(ExprKind::PositionalParam, r), index(n) {}
  int index;  // 1-based
};

struct ParamCount : Expr {
  explicit ParamCount(SourceRange r) : Expr(ExprKind::ParamCount, r) {}
};

struct Builtin : Expr {
  Builtin(std::string n, SourceRange r) : Expr(ExprKind::Builtin, r), name(std::move(n)) {}
  std::string name;  // "pid", "arg0", "args", ...
};

struct Variable : Expr {
  Variable(std::string n, SourceRange r) : Expr(ExprKind::Variable, r), name(std::move(n)) {}
  std::string name;  // with the '$'
};

struct MapAccess : Expr {
  MapAccess(std::string n, std::vector<Expr*> k, SourceRange r)
      : Expr(ExprKind::MapAccess, r), name(std::move(n)), keys(std::move(k)) {}
  std::string name;         // with the '@'; "@" for the anonymous map
  std::vector<Expr*> keys;  // empty for a scalar map
};

struct FieldAccess : Expr {
  FieldAccess(Expr* b, std::string f, SourceRange r)
      : Expr(ExprKind::FieldAccess, r), base(b), field(std::move(f)) {}
  Expr* base;  // today always the `args` builtin
  std::string field;
  // Offsets differ per expanded attach point, so codegen looks the field up
  // in CheckedProgram's per-attach-point field list, by name.
};

struct Call : Expr {
  Call(std::string n, std::vector<Expr*> a, SourceRange r)
      : Expr(ExprKind::Call, r), name(std::move(n)), args(std::move(a)) {}
  std::string name;
  std::vector<Expr*> args;
};

enum class UnaryOp { Neg, LogicalNot, BitNot, PreInc, PreDec, PostInc, PostDec };

struct Unary : Expr {
  Unary(UnaryOp o, Expr* e, SourceRange r) : Expr(ExprKind::Unary, r), op(o), operand(e) {}
  UnaryOp op;
  Expr* operand;
};

enum class BinaryOp {
  Add, Sub, Mul, Div, Mod,
  Shl, Shr, BitAnd, BitOr, BitXor,
  Eq, Ne, Lt, Le, Gt, Ge,
  LogicalAnd, LogicalOr,
};

struct Binary : Expr {
  Binary(BinaryOp o, Expr* l, Expr* rr, SourceRange r)
      : Expr(ExprKind::Binary, r), op(o), lhs(l), rhs(rr) {}
  BinaryOp op;
  Expr* lhs;
  Expr* rhs;
};

struct Ternary : Expr {
  Ternary(Expr* c, Expr* t, Expr* e, SourceRange r)
      : Expr(ExprKind::Ternary, r), cond(c), then_expr(t), else_expr(e) {}
  Expr* cond;
  Expr* then_expr;
  Expr* else_expr;
};

struct Cast : Expr {
  Cast(std::string tn, Expr* e, SourceRange r) : Expr(ExprKind::Cast, r), type_name(std::move(tn)), operand(e) {}
  std::string type_name;  // as written: "uint8", "int64", "u32", ...
  Expr* operand;
};

// `emit NAME { field = expr, ... }` (declarative layer). It is a Call named
// "emit" so that every pass that handles calls handles it: args[0] is the
// record name as a StringLiteral, args[1..] the field values in order;
// `fields[i]` names args[i + 1]. Codegen lays it out like a printf.
struct EmitField {
  std::string name;
  std::string unit;  // "" (plain), "duration", "bytes", "fd", "addr", "errno"
  SourceRange range;
};

struct EmitCall : Call {
  // `args` holds the name literal first, then the values (see above).
  EmitCall(std::string record, std::vector<EmitField> f, std::vector<Expr*> args, SourceRange r);
  std::string record;
  std::vector<EmitField> fields;
};

// ----------------------------------------------------------------- statements

enum class StmtKind { ExprStmt, Assign, If, Unroll, Block };

struct Stmt {
  explicit Stmt(StmtKind k, SourceRange r) : kind(k), range(r) {}
  virtual ~Stmt() = default;
  StmtKind kind;
  SourceRange range;
};

struct Block : Stmt {
  Block(std::vector<Stmt*> s, SourceRange r) : Stmt(StmtKind::Block, r), stmts(std::move(s)) {}
  std::vector<Stmt*> stmts;
};

struct ExprStmt : Stmt {
  ExprStmt(Expr* e, SourceRange r) : Stmt(StmtKind::ExprStmt, r), expr(e) {}
  Expr* expr;
};

// `@m[k] = v`, `$x = v`, and compound forms. The parser desugars `a op= b`
// into `a = a op b` with `compound` set, so later passes see one shape.
struct Assign : Stmt {
  Assign(Expr* t, Expr* v, SourceRange r) : Stmt(StmtKind::Assign, r), target(t), value(v) {}
  Expr* target;  // MapAccess or Variable
  Expr* value;
  bool compound = false;
};

struct If : Stmt {
  If(Expr* c, Block* t, Block* e, SourceRange r)
      : Stmt(StmtKind::If, r), cond(c), then_block(t), else_block(e) {}
  Expr* cond;
  Block* then_block;
  Block* else_block;  // may be null; `else if` is an else block holding one If
};

struct Unroll : Stmt {
  Unroll(Expr* c, Block* b, SourceRange r) : Stmt(StmtKind::Unroll, r), count_expr(c), body(b) {}
  Expr* count_expr;  // an integer literal or positional parameter
  Block* body;
  int count = 0;     // filled by the checker (1..100)
};

// ------------------------------------------------------------- probes, program

// One attach point as written, split by the parser into `provider` and its
// ':'-separated parts; the checker validates and canonicalises it.
struct AttachPoint {
  std::string text;       // as written, e.g. "t:syscalls:sys_enter_openat"
  std::string provider;   // canonical: "BEGIN" "END" "tracepoint" "uprobe" "uretprobe"
                          // "usdt" "interval" "profile" "kprobe" "kretprobe" "software" "hardware"
  std::vector<std::string> parts;  // the rest, split on ':' (paths kept whole)
  SourceRange range;
};

struct Probe {
  std::vector<AttachPoint> attach_points;
  Expr* predicate = nullptr;  // may be null
  Block* body = nullptr;
  SourceRange range;
  int index = 0;  // position in the program, for naming programs
  // `... within SPAN { }` (declarative layer); empty when absent. The
  // lowering passes consume it before the checker runs.
  std::string within;
  SourceRange within_range;
};

// ------------------------------------------------- declarations (declarative)
// Top-level declarations are consumed by the lowering passes between the
// parser and the checker (compiler/resolve_modules.cpp, lower_*.cpp); the
// checker and codegen only ever see probes.

// One `config = { NAME = VALUE }` setting (bpftrace's spelling): script-wide
// compile options, e.g. `max_strlen`.
struct ConfigSetting {
  std::string name;
  uint64_t value = 0;
  SourceRange range;        // the name
  SourceRange value_range;  // the value
};

// `use NAME` or `use "path"`.
struct UseDecl {
  std::string name;
  bool is_path = false;  // written as a string literal
  SourceRange range;
};

// One argument of a provider probe: `funcname: str`, `lineno: int`,
// `name: str + 24` (a string 24 bytes after the pointer argument).
struct ProviderArg {
  std::string name;
  std::string type;        // "str", "int", "uint", "ptr" or an integer type name
  uint64_t str_offset = 0; // str only: bytes added to the pointer before reading
  SourceRange range;
};

struct ProviderProbe {
  std::string name;
  std::vector<ProviderArg> args;
  SourceRange range;
};

// `provider NAME { paths = "glob", ...; probe p(a: str, ...); ... }`
struct ProviderDecl {
  std::string name;
  std::vector<std::string> paths;  // globs, expanded at compile time
  std::vector<ProviderProbe> probes;
  SourceRange range;
};

// `syscalls NAME = a, b, c`
struct SyscallSetDecl {
  std::string name;
  std::vector<std::string> syscalls;
  SourceRange range;
};

// `span NAME = OPEN .. CLOSE [options] { field = expr, ... }`
struct SpanDecl {
  std::string name;
  AttachPoint open, close;
  std::vector<std::string> options;  // e.g. "reset"
  std::vector<EmitField> fields;
  std::vector<Expr*> values;         // fields[i] = values[i], read at open
  SourceRange range;
};

struct Program {
  std::vector<Probe*> probes;
  std::vector<UseDecl> uses;
  std::vector<ProviderDecl> providers;
  std::vector<SyscallSetDecl> syscall_sets;
  std::vector<SpanDecl> spans;
  std::vector<ConfigSetting> config;
  // "@t" → "duration": a map whose aggregated values all carry that unit
  // (compiler/lower_records.cpp); text output shows its values in it.
  std::map<std::string, std::string> map_units;
};

// Owns every node. Nodes are never freed individually.
class Context {
 public:
  template <typename T, typename... Args>
  T* make(Args&&... args) {
    auto node = std::make_unique<T>(std::forward<Args>(args)...);
    T* raw = node.get();
    if constexpr (std::is_base_of_v<Expr, T>)
      exprs_.push_back(std::move(node));
    else if constexpr (std::is_base_of_v<Stmt, T>)
      stmts_.push_back(std::move(node));
    else
      probes_.push_back(std::move(node));
    return raw;
  }
  Program program;

 private:
  std::vector<std::unique_ptr<Expr>> exprs_;
  std::vector<std::unique_ptr<Stmt>> stmts_;
  std::vector<std::unique_ptr<Probe>> probes_;
};

// Walks the tree; each visit_* default visits the children. Override what you need.
class Visitor {
 public:
  virtual ~Visitor() = default;
  void walk(Program& p);
  virtual void visit(Probe& p);
  void visit_stmt(Stmt& s);
  void visit_expr(Expr& e);

  virtual void visit(Block& s);
  virtual void visit(ExprStmt& s);
  virtual void visit(Assign& s);
  virtual void visit(If& s);
  virtual void visit(Unroll& s);

  virtual void visit(IntLiteral&) {}
  virtual void visit(StringLiteral&) {}
  virtual void visit(PositionalParam&) {}
  virtual void visit(ParamCount&) {}
  virtual void visit(Builtin&) {}
  virtual void visit(Variable&) {}
  virtual void visit(MapAccess& e);
  virtual void visit(FieldAccess& e);
  virtual void visit(Call& e);
  virtual void visit(Unary& e);
  virtual void visit(Binary& e);
  virtual void visit(Ternary& e);
  virtual void visit(Cast& e);
};

// Debug dump (`--dump ast`): an indented tree, one node per line, with types
// once the checker has run.
std::string dump(const Program& p);

const char* to_string(BinaryOp op);  // "+", "==", ...
const char* to_string(UnaryOp op);

}  // namespace sonde::ast
