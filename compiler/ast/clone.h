// Deep copies of AST subtrees, optionally with substitution. Used where one
// written subtree must appear twice (the parser's `a op= b` → `a = a op b`)
// and by the lowering passes, which copy a probe body once per generated
// probe. Every copy is single-parented, so each can be typed on its own.
#pragma once
#include <functional>

#include "compiler/ast/ast.h"

namespace sonde::ast {

// `replace` sees every original expression first; a non-null result is used
// instead of a copy. An empty `replace` copies everything.
using Substitute = std::function<Expr*(const Expr&)>;

Expr* clone_expr(Context& ctx, const Expr* e, const Substitute& replace = {});
Stmt* clone_stmt(Context& ctx, const Stmt* s, const Substitute& replace = {});
Block* clone_block(Context& ctx, const Block* b, const Substitute& replace = {});

}  // namespace sonde::ast
