// The one entry point into the grammar: source text in, AST out. Bison's and
// flex's types stay inside grammar/.
#pragma once
#include "compiler/ast/ast.h"
#include "support/diagnostics.h"
#include "support/source.h"

namespace sonde::grammar {

// Parses `file` into ctx.program. Syntax errors go to `diags` (several per
// run where error recovery allows). Returns false if any error was reported.
bool parse(const SourceFile& file, ast::Context& ctx, Diagnostics& diags);

}  // namespace sonde::grammar
