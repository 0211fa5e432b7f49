// Turns bison's syntax errors into sonde diagnostics.
//
// Bison (parse.error detailed) hands us the unexpected token and the set of
// tokens it would have accepted. Raw, that set is long and reads like the
// grammar ("expected identifier, integer, string, variable, map, (, -, ...").
// We collapse every token that can start an expression into one word,
// "expression", and the binary operators into "an operator", quote punctuation in backticks, and drop the list entirely
// when it is still too long to help. A reserved word of the declarative layer
// inside a probe gets its own code (E-reserved) and message instead of a
// syntax error.
#include <algorithm>
#include <string>
#include <vector>

#include "driver.h"

namespace sonde::grammar::bison {

namespace {

using Kind = Parser::symbol_kind_type;
using SK = Parser::symbol_kind;

// Tokens whose name is a description rather than literal source text.
bool is_descriptive(Kind k) {
  switch (k) {
    case SK::S_YYEOF: case SK::S_ATTACH: case SK::S_IDENT: case SK::S_TYPE:
    case SK::S_RESERVED: case SK::S_VAR: case SK::S_MAP: case SK::S_STRING:
    case SK::S_INT: case SK::S_POSITIONAL: case SK::S_PRED_OPEN: case SK::S_PRED_CLOSE:
    case SK::S_COMPOUND: case SK::S_YYUNDEF:
      return true;
    default:
      return false;
  }
}

bool starts_expression(Kind k) {
  switch (k) {
    case SK::S_IDENT: case SK::S_VAR: case SK::S_MAP: case SK::S_STRING: case SK::S_INT:
    case SK::S_POSITIONAL: case SK::S_PARAMCOUNT: case SK::S_LPAREN: case SK::S_MINUS:
    case SK::S_BANG: case SK::S_TILDE: case SK::S_INC: case SK::S_DEC:
      return true;
    default:
      return false;
  }
}

bool is_binary_operator(Kind k) {
  switch (k) {
    case SK::S_QUESTION: case SK::S_LOR: case SK::S_LAND: case SK::S_PIPE: case SK::S_CARET:
    case SK::S_AMP: case SK::S_EQ: case SK::S_NE: case SK::S_LT: case SK::S_LE: case SK::S_GT:
    case SK::S_GE: case SK::S_SHL: case SK::S_SHR: case SK::S_PLUS: case SK::S_MINUS:
    case SK::S_STAR: case SK::S_SLASH: case SK::S_PERCENT:
      return true;
    default:
      return false;
  }
}

std::string describe(Kind k) {
  if (k == SK::S_PRED_OPEN) return "`/` (a predicate)";
  if (k == SK::S_PRED_CLOSE) return "`/` (end of the predicate)";
  std::string name = Parser::symbol_name(k);
  return is_descriptive(k) ? name : "`" + name + "`";
}

// "a", "a or b", "a, b or c".
std::string join_alternatives(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += (i + 1 == items.size()) ? " or " : ", ";
    out += items[i];
  }
  return out;
}

std::vector<std::string> expected_names(const Parser::context& ctx) {
  std::vector<Kind> kinds(Parser::YYNTOKENS);
  int n = ctx.expected_tokens(kinds.data(), static_cast<int>(kinds.size()));
  kinds.resize(n);

  std::vector<std::string> names;
  bool expression = std::count_if(kinds.begin(), kinds.end(), starts_expression) >= 3;
  bool operators = std::count_if(kinds.begin(), kinds.end(), is_binary_operator) >= 3;
  if (expression) names.push_back("expression");
  for (Kind k : kinds) {
    if (expression && starts_expression(k)) continue;
    if (operators && is_binary_operator(k)) continue;
    names.push_back(describe(k));
  }
  if (operators) names.push_back("an operator");
  return names;
}

}  // namespace

void Parser::report_syntax_error(const context& ctx) const {
  const Location& where = ctx.location();
  Kind got = ctx.token();
  if (got == SK::S_RESERVED) {
    const std::string& word = ctx.lookahead().value.as<std::string>();
    drv.error("E-reserved", where,
              word == "emit" ? "`emit` is a statement: it belongs inside a probe body"
                             : "`" + word + "` is a declaration keyword: it belongs at the top level of a script");
    return;
  }
  std::string message = got == SK::S_YYEMPTY ? "syntax error" : "unexpected " + describe(got);
  std::vector<std::string> expected = expected_names(ctx);
  if (!expected.empty() && expected.size() <= 6) message += ", expected " + join_alternatives(expected);
  drv.error("E-parse", where, message);
}

// Bison's own failures (e.g. its stack is exhausted) arrive here.
void Parser::error(const location_type& where, const std::string& message) {
  drv.error("E-parse", where, message);
}

}  // namespace sonde::grammar::bison
