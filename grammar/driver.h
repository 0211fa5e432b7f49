// Private to grammar/: the state shared by the flex scanner and the bison
// parser for one parse() call. Nothing here may be included from outside
// grammar/ (bison's location type lives in parser.hpp).
#pragma once
#include <string>
#include <vector>

#include "compiler/ast/ast.h"
#include "parser.hpp"
#include "support/diagnostics.h"
#include "support/source.h"

namespace sonde::grammar {

using Location = bison::Parser::location_type;
using Symbol = bison::Parser::symbol_type;

// Deeper nesting of ( [ { than this is refused, so that later recursive
// passes (checker, codegen, dump) never see a tree deep enough to overflow
// the stack.
inline constexpr int kMaxNesting = 256;

struct Driver {
  Driver(const SourceFile& f, ast::Context& c, Diagnostics& d) : file(f), ctx(c), diags(d) {}

  const SourceFile& file;
  ast::Context& ctx;
  Diagnostics& diags;

  // Scanner state (see lexer.l).
  void* scanner = nullptr;
  Location loc;          // the running position; the current token's range
  int brace_depth = 0;   // `{` depth inside a probe body; 0 at top level
  int nesting = 0;       // ( [ { currently open
  bool too_deep = false; // reported once, then the scanner returns end of file

  SourceRange range(const Location& l) const;
  void error(const std::string& code, const Location& l, const std::string& message);

  // AST building helpers used by the grammar actions.
  ast::AttachPoint attach_point(const std::string& text, const Location& l) const;
  ast::Stmt* compound_assign(ast::Expr* target, ast::BinaryOp op, ast::Expr* value, const Location& l);
  ast::Expr* clone(const ast::Expr* e);
  void add_probe(ast::Probe* p);
};

// The scanner entry point the parser calls (defined in lexer.l; not named
// yylex because flex's prefix macros would rename it).
Symbol next_token(Driver& drv);

// Owns the flex scanner over drv.file.text for the lifetime of one parse.
class ScannerScope {
 public:
  explicit ScannerScope(Driver& drv);
  ~ScannerScope();
  ScannerScope(const ScannerScope&) = delete;
  ScannerScope& operator=(const ScannerScope&) = delete;

 private:
  Driver& drv_;
};

// Attach points and reserved words, shared by the scanner and the tests.
std::string canonical_provider(const std::string& written);
bool is_reserved_word(const std::string& word);
bool is_int_type_name(const std::string& word);

}  // namespace sonde::grammar
