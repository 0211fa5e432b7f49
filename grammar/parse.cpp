// The parser stage: source text in, AST out.
//
// Design note. flex (lexer.l) and bison (parser.yy, C++ skeleton, variant
// values) share one Driver per call, which holds all state: no globals, so
// parses may run concurrently. The contract with the rest of sonde:
//  * Input: a SourceFile. Output: Probe nodes appended to ctx.program, each
//    with `index` = its position, every node carrying a SourceRange (1-based,
//    end inclusive) from its first to its last token.
//  * Attach points are split but not validated: `provider` is canonical for
//    known providers (short forms expanded, begin -> BEGIN) and lowercased
//    otherwise; the checker rejects what it does not know.
//  * Builtins are not validated either: any identifier not followed by `(`
//    becomes a Builtin node.
//  * `a op= b` is desugared into Assign{a, Binary{op, clone(a), b}} with
//    `compound` set; the clone keeps every node single-parented.
//  * User errors go to Diagnostics: E-lex (characters, literals, comments),
//    E-parse (syntax), E-reserved (a declarative-layer keyword out of place:
//    `use` in a body, `emit` at top level). Declarations (`use`, `provider`,
//    `syscalls`, `span`) are stored in ctx.program for the lowering passes
//    (compiler/resolve_modules.cpp, lower_*.cpp); `emit` becomes an
//    ast::EmitCall. Recovery
//    continues after `;`, `}` or at the next probe; parsing never throws.
#include "grammar/parse.h"

#include "compiler/ast/clone.h"

#include <algorithm>
#include <cctype>
#include <string_view>

#include "driver.h"

namespace sonde::grammar {

namespace {

struct ProviderAlias {
  std::string_view written;
  std::string_view canonical;
};

// Case matters: `U:` is usdt, `u:` is uprobe.
constexpr ProviderAlias kProviders[] = {
    {"BEGIN", "BEGIN"},           {"begin", "BEGIN"},         {"END", "END"},
    {"end", "END"},               {"tracepoint", "tracepoint"}, {"t", "tracepoint"},
    {"uprobe", "uprobe"},         {"u", "uprobe"},            {"uretprobe", "uretprobe"},
    {"ur", "uretprobe"},          {"usdt", "usdt"},           {"U", "usdt"},
    {"interval", "interval"},     {"i", "interval"},          {"profile", "profile"},
    {"p", "profile"},             {"kprobe", "kprobe"},       {"k", "kprobe"},
    {"kretprobe", "kretprobe"},   {"kr", "kretprobe"},        {"software", "software"},
    {"s", "software"},            {"hardware", "hardware"},   {"h", "hardware"},
};

constexpr std::string_view kReserved[] = {"use", "syscalls", "span", "within", "emit", "provider"};

}  // namespace

std::string canonical_provider(const std::string& written) {
  for (const auto& alias : kProviders)
    if (alias.written == written) return std::string(alias.canonical);
  std::string lower = written;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower;
}

bool is_reserved_word(const std::string& word) {
  return std::find(std::begin(kReserved), std::end(kReserved), word) != std::end(kReserved);
}

// The integer cast types: int8..int64, uint8..uint64 (bpftrace's names) and
// the short forms u8..u64, s8..s64, i8..i64. The checker decides which it
// accepts; the parser only needs to tell a cast from a parenthesised builtin.
bool is_int_type_name(const std::string& word) {
  static const std::string_view prefixes[] = {"int", "uint", "u", "s", "i"};
  static const std::string_view widths[] = {"8", "16", "32", "64"};
  for (auto prefix : prefixes)
    for (auto width : widths)
      if (word.size() == prefix.size() + width.size() && word.starts_with(prefix) && word.ends_with(width))
        return true;
  return false;
}

SourceRange Driver::range(const Location& l) const {
  SourceRange r;
  r.begin = {static_cast<int>(l.begin.line), static_cast<int>(l.begin.column)};
  // Bison's end is one past the last character; ours is inclusive.
  int end_col = static_cast<int>(l.end.column) - 1;
  r.end = {static_cast<int>(l.end.line), std::max(end_col, 1)};
  if (r.end.line == r.begin.line && r.end.column < r.begin.column) r.end.column = r.begin.column;
  return r;
}

void Driver::error(const std::string& code, const Location& l, const std::string& message) {
  diags.error(code, range(l), message);
}

ast::AttachPoint Driver::attach_point(const std::string& text, const Location& l) const {
  ast::AttachPoint ap;
  ap.text = text;
  ap.range = range(l);
  size_t colon = text.find(':');
  ap.provider = canonical_provider(text.substr(0, colon));
  while (colon != std::string::npos) {
    size_t next = text.find(':', colon + 1);
    ap.parts.push_back(text.substr(colon + 1, next == std::string::npos ? std::string::npos : next - colon - 1));
    colon = next;
  }
  return ap;
}

ast::Expr* Driver::clone(const ast::Expr* e) { return ast::clone_expr(ctx, e); }

ast::Stmt* Driver::compound_assign(ast::Expr* target, ast::BinaryOp op, ast::Expr* value, const Location& l) {
  SourceRange r = range(l);
  SourceRange value_range{target->range.begin, value->range.end};
  auto* combined = ctx.make<ast::Binary>(op, clone(target), value, value_range);
  auto* assign = ctx.make<ast::Assign>(target, combined, r);
  assign->compound = true;
  return assign;
}

void Driver::add_probe(ast::Probe* p) {
  p->index = static_cast<int>(ctx.program.probes.size());
  ctx.program.probes.push_back(p);
}

bool parse(const SourceFile& file, ast::Context& ctx, Diagnostics& diags) {
  int errors_before = diags.error_count();
  Driver drv(file, ctx, diags);
  ScannerScope scanner(drv);
  bison::Parser parser(drv);
  parser.parse();
  return diags.error_count() == errors_before;
}

}  // namespace sonde::grammar
