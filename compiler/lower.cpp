// The order of the declarative passes (see lower.h for the model).
//  0. parameters: drop probes an option switched off, substitute `$N` in
//     attach points (lower_params.cpp), before anything resolves them;
//  1. modules first: later passes need every declaration;
//  2. records next: unit inference looks at `elapsed` before it is rewritten;
//  3. spans: they generate probes on provider attach points and rewrite
//     `within` into predicates, which the syscall pass then carries to exit;
//  4. syscalls: split `syscall:` probes into enter/exit pairs;
//  5. providers last: every provider attach point, written or generated,
//     becomes usdt:PATH:provider:probe with its `args.NAME` rewritten.
// Probes are renumbered at the end so `Probe::index` is again the position.
#include "compiler/lower.h"

namespace sonde::compiler {

bool lower_declarative(ast::Context& ctx, const LowerOptions& options, Diagnostics& diags) {
  if (!lower_params(ctx, options, diags)) return false;
  if (!resolve_modules(ctx, options, diags)) return false;
  if (!lower_records(ctx, diags)) return false;
  if (!lower_spans(ctx, options.params, diags)) return false;
  if (!lower_syscalls(ctx, diags)) return false;
  if (!lower_providers(ctx, diags)) return false;
  for (size_t i = 0; i < ctx.program.probes.size(); ++i)
    ctx.program.probes[i]->index = static_cast<int>(i);
  return true;
}

}  // namespace sonde::compiler
