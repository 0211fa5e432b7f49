// Spans: `span NAME = OPEN .. CLOSE [reset] [threshold:DUR] { f = expr, ... }`
// and the probe filter `within NAME`.
//
// Model: each thread has, per span kind S, a stack of open spans. OPEN
// pushes (capturing the fields and the time), CLOSE pops; a `within S`
// probe fires only while the thread has an S open and reads the innermost
// one's fields as `span.F` (`span.depth`: how many are open, 1 = outermost;
// `span.name`: "S"). At CLOSE the span emits a record named S with fields
// (depth, F..., duration, self) — inclusive and exclusive (minus closed
// children) nanoseconds — but only when a record was emitted inside it
// (directly or in a nested S), or when it lasted at least `threshold`:
// short, silent spans cost no event. `reset` on a span makes its OPEN
// clear every span stack of the thread first: a PHP fatal error skips the
// pending function returns, and the next request must not inherit them.
//
// Lowering (N = S's name; d = depth before the push; bounded at kMaxDepth):
//   OPEN  { $__d = @__sp_N_depth[tid];
//           if ($__d < 32) { @__sp_N_start[tid,$__d] = nsecs; @__sp_N_F[tid,$__d] = expr; ...
//                            @__sp_N_emit[tid,$__d] = 0; @__sp_N_child[tid,$__d] = 0; }
//           else { @__sp_N_overflow[tid] += 1 }
//           @__sp_N_depth[tid] = $__d + 1; }
//   CLOSE /@__sp_N_depth[tid]/ { pop, compute durations, maybe emit, add the
//           duration to the parent's children and pass the emit mark up }
//   tracepoint:sched:sched_process_exit /@__sp_seq[tid]/ { delete the thread's
//           entries, every level of every span }   (CLOSE deletes nothing)
// A lazy field (provider str args and strcat of them) is kept as its args'
// addresses, @__sp_N_p_F_J[tid,$__d] = argK (+ offset), and its strings are
// read where it is used: the close record, span.F (see lazy_leaves).
// Overflowed levels are pushed and popped but record nothing. Maps are
// keyed by tid or (tid, depth) and named @__sp_* (not printed at exit).
//
// Span identity, for the runtime's tree view: each recorded open gets an id
// unique on the machine, tid << 32 | a per-thread sequence, and remembers
// as its parent the thread's innermost open span of any kind
// (@__sp_cur[tid]), so a PHP function nests under its request. A span's
// record carries its id and parent (fields of unit "span.id" and
// "span.parent"); a record emitted `within` a span carries the span's id
// (unit "span.of"). These are hidden in text rows and top-level keys in JSON.
#include <algorithm>
#include <cstdlib>
#include <functional>

#include "compiler/lower.h"
#include "compiler/thread_owned.h"

namespace sonde::compiler {

using namespace ast;

namespace {

constexpr uint64_t kMaxDepth = 32;

struct Builder {
  Context& ctx;
  SourceRange r;
  Expr* tid() { return ctx.make<Builtin>("tid", r); }
  Expr* var(const std::string& n) { return ctx.make<Variable>(n, r); }
  Expr* num(uint64_t v) { return ctx.make<IntLiteral>(v, r); }
  Expr* bin(BinaryOp op, Expr* a, Expr* b) { return ctx.make<Binary>(op, a, b, r); }
  Expr* map1(const std::string& n) { return tid_key_map(ctx, n, r); }
  Expr* map2(const std::string& n, Expr* depth) {
    return ctx.make<MapAccess>(n, std::vector<Expr*>{tid(), depth}, r);
  }
  Stmt* set(Expr* target, Expr* value) { return assign_stmt(ctx, target, value, r); }
  Stmt* del(Expr* target) { return call_stmt(ctx, "delete", {target}, r); }
  Block* block(std::vector<Stmt*> s) { return ctx.make<Block>(std::move(s), r); }
  Stmt* when(Expr* c, std::vector<Stmt*> then, std::vector<Stmt*> otherwise = {}) {
    return ctx.make<If>(c, block(std::move(then)), otherwise.empty() ? nullptr : block(std::move(otherwise)), r);
  }
};

std::string m(const SpanDecl& s, const std::string& what) {
  return std::string(kThreadOwnedMapPrefix) + s.name + "_" + what;
}

// A lazy field's value is made only of provider str args (and strcat of
// them): OPEN keeps each arg's address, and the strings are read where the
// field is used — the close record, `span.F` in a `within` probe. Most spans
// close unrecorded, and reading strings is most of an OPEN's cost.
bool lazy_leaves(const Program& program, const SpanDecl& s, const Expr* e, std::vector<std::string>& leaves) {
  std::string name;
  if (is_args_field(*e, &name)) {
    if (!is_provider_str_arg(program, s.open, name)) return false;
    leaves.push_back(name);
    return true;
  }
  if (e->kind != ExprKind::Call || static_cast<const Call*>(e)->name != "strcat") return false;
  for (const Expr* part : static_cast<const Call*>(e)->args)
    if (!lazy_leaves(program, s, part, leaves)) return false;
  return true;
}

// Per field: the provider args it is read from, when lazy; empty otherwise.
using FieldLeaves = std::vector<std::vector<std::string>>;

FieldLeaves plan_fields(const Program& program, const SpanDecl& s) {
  FieldLeaves plan;
  for (const Expr* value : s.values) {
    std::vector<std::string> leaves;
    if (!lazy_leaves(program, s, value, leaves)) leaves.clear();
    plan.push_back(std::move(leaves));
  }
  return plan;
}

std::string leaf_map(const SpanDecl& s, size_t field, size_t leaf) {
  return m(s, "p_" + s.fields[field].name + "_" + std::to_string(leaf));
}

// The maps a span level keeps a field in.
std::vector<std::string> field_maps(const SpanDecl& s, const FieldLeaves& plan, size_t field) {
  if (plan[field].empty()) return {m(s, "f_" + s.fields[field].name)};
  std::vector<std::string> out;
  for (size_t j = 0; j < plan[field].size(); ++j) out.push_back(leaf_map(s, field, j));
  return out;
}

// The lazy field's value rebuilt with each arg read from its kept address.
Expr* read_lazy(Context& ctx, const SpanDecl& s, size_t field, const Expr* e, size_t& leaf,
                const std::function<Expr*()>& depth, SourceRange r) {
  if (is_args_field(*e)) {
    Builder b{ctx, r};
    return ctx.make<Call>("str", std::vector<Expr*>{b.map2(leaf_map(s, field, leaf++), depth())}, r);
  }
  std::vector<Expr*> parts;
  for (const Expr* part : static_cast<const Call*>(e)->args) parts.push_back(read_lazy(ctx, s, field, part, leaf, depth, r));
  return ctx.make<Call>("strcat", std::move(parts), r);
}

// Field `field` of the span level at `depth`.
Expr* field_value(Context& ctx, const SpanDecl& s, const FieldLeaves& plan, size_t field,
                  const std::function<Expr*()>& depth, SourceRange r) {
  Builder b{ctx, r};
  if (plan[field].empty()) return b.map2(m(s, "f_" + s.fields[field].name), depth());
  size_t leaf = 0;
  return read_lazy(ctx, s, field, s.values[field], leaf, depth, r);
}

// "threshold:10ms" → ns; false when malformed.
bool parse_duration(const std::string& text, uint64_t& ns) {
  char* end = nullptr;
  unsigned long long v = std::strtoull(text.c_str(), &end, 10);
  std::string unit = end ? end : "";
  if (end == text.c_str()) return false;
  static const struct { const char* name; uint64_t scale; } kUnits[] = {
      {"ns", 1}, {"us", 1000}, {"ms", 1000000}, {"s", 1000000000}};
  for (const auto& u : kUnits)
    if (unit == u.name) return ns = v * u.scale, true;
  return false;
}

struct SpanOptions {
  bool reset = false;
  bool has_threshold = false;
  uint64_t threshold = 0;
};

// `threshold:$N` takes the duration from positional parameter N, so a
// stdlib script can offer it (`sonde run php-io 5ms`); absent or empty, the
// span has no threshold.
bool parse_options(const SpanDecl& s, const std::vector<std::string>& params, SpanOptions& out,
                   Diagnostics& diags) {
  for (std::string o : s.options) {
    if (o == "reset") { out.reset = true; continue; }
    if (o.starts_with("threshold:$")) {
      char* end = nullptr;
      unsigned long n = std::strtoul(o.c_str() + 11, &end, 10);
      if (n > 0 && end && *end == 0) {
        if (n > params.size() || params[n - 1].empty()) continue;
        o = "threshold:" + params[n - 1];
        if (!parse_duration(o.substr(10), out.threshold)) {
          diags.error("E-decl-span", s.range, "parameter $" + std::to_string(n) + " (`" + params[n - 1] +
                                                  "`) is not a duration for span " + s.name + "'s threshold",
                      {"durations: 500us, 5ms, 1s"});
          return false;
        }
        out.has_threshold = true;
        continue;
      }
    }
    if (o.starts_with("threshold:") && parse_duration(o.substr(10), out.threshold)) {
      out.has_threshold = true;
      continue;
    }
    diags.error("E-decl-span", s.range, "unknown span option `" + o + "`",
                {"options: reset, threshold:DURATION (e.g. threshold:1ms)"});
    return false;
  }
  return true;
}

Probe* open_probe(Context& ctx, const Program& program, const SpanDecl& s, const SpanOptions& o) {
  Builder b{ctx, s.open.range};
  std::vector<Stmt*> body;
  // Counters are only ever assigned from their own reads, which leaves the
  // checker no type to start from: a never-taken store gives it one.
  body.push_back(b.when(b.num(0), {b.set(b.map1(m(s, "depth")), b.num(0)), b.set(b.map1(m(s, "overflow")), b.num(0))}));
  body.push_back(b.when(b.num(0), {b.set(b.map1("@__sp_seq"), b.num(0)), b.set(b.map1("@__sp_cur"), b.num(0))}));
  if (o.reset) {
    for (const SpanDecl& t : program.spans) body.push_back(b.del(b.map1(m(t, "depth"))));
    body.push_back(b.del(b.map1("@__sp_cur")));
  }
  body.push_back(b.set(b.var("$__d"), b.map1(m(s, "depth"))));
  std::vector<Stmt*> push{b.set(b.map2(m(s, "start"), b.var("$__d")), ctx.make<Builtin>("nsecs", b.r))};
  // Each map read is a hash lookup on every call: values needed twice go
  // through variables.
  push.push_back(b.set(b.var("$__seq"), b.bin(BinaryOp::Add, b.map1("@__sp_seq"), b.num(1))));
  push.push_back(b.set(b.map1("@__sp_seq"), b.var("$__seq")));
  push.push_back(b.set(b.var("$__id"), b.bin(BinaryOp::BitOr, b.bin(BinaryOp::Shl, b.tid(), b.num(32)), b.var("$__seq"))));
  push.push_back(b.set(b.map2(m(s, "id"), b.var("$__d")), b.var("$__id")));
  push.push_back(b.set(b.map2(m(s, "parent"), b.var("$__d")), b.map1("@__sp_cur")));
  push.push_back(b.set(b.map1("@__sp_cur"), b.var("$__id")));
  FieldLeaves plan = plan_fields(program, s);
  for (size_t i = 0; i < s.fields.size(); ++i) {
    if (plan[i].empty()) {
      push.push_back(b.set(b.map2(m(s, "f_" + s.fields[i].name), b.var("$__d")), clone_expr(ctx, s.values[i], nullptr)));
      continue;
    }
    for (size_t j = 0; j < plan[i].size(); ++j) {
      Expr* arg = ctx.make<FieldAccess>(ctx.make<Builtin>("args", b.r), plan[i][j], b.r);
      push.push_back(b.set(b.map2(leaf_map(s, i, j), b.var("$__d")), ctx.make<Call>("__strptr", std::vector<Expr*>{arg}, b.r)));
    }
  }
  push.push_back(b.set(b.map2(m(s, "emit"), b.var("$__d")), b.num(0)));
  push.push_back(b.set(b.map2(m(s, "child"), b.var("$__d")), b.num(0)));
  std::vector<Stmt*> over{b.set(b.map1(m(s, "overflow")), b.bin(BinaryOp::Add, b.map1(m(s, "overflow")), b.num(1)))};
  body.push_back(b.when(b.bin(BinaryOp::Lt, b.var("$__d"), b.num(kMaxDepth)), std::move(push), std::move(over)));
  body.push_back(b.set(b.map1(m(s, "depth")), b.bin(BinaryOp::Add, b.var("$__d"), b.num(1))));
  auto* p = ctx.make<Probe>();
  p->attach_points.push_back(s.open);
  p->body = b.block(std::move(body));
  p->range = s.range;
  return p;
}

// The close record: depth, the fields, duration (inclusive) and self.
Stmt* close_record(Context& ctx, Builder& b, const Program& program, const SpanDecl& s) {
  std::vector<EmitField> fields{{"depth", "", s.range}};
  std::vector<Expr*> args{ctx.make<StringLiteral>(s.name, b.r), b.bin(BinaryOp::Add, b.var("$__d"), b.num(1))};
  FieldLeaves plan = plan_fields(program, s);
  for (size_t i = 0; i < s.fields.size(); ++i) {
    fields.push_back(s.fields[i]);
    args.push_back(field_value(ctx, s, plan, i, [&] { return b.var("$__d"); }, b.r));
  }
  fields.push_back({"duration", "duration", s.range});
  args.push_back(b.var("$__dur"));
  fields.push_back({"self", "duration", s.range});
  args.push_back(b.bin(BinaryOp::Sub, b.var("$__dur"), b.map2(m(s, "child"), b.var("$__d"))));
  fields.push_back({"__id", "span.id", s.range});
  args.push_back(b.map2(m(s, "id"), b.var("$__d")));
  fields.push_back({"__parent", "span.parent", s.range});
  args.push_back(b.map2(m(s, "parent"), b.var("$__d")));
  return ctx.make<ExprStmt>(ctx.make<EmitCall>(s.name, std::move(fields), std::move(args), b.r), b.r);
}

// A span of another kind that encloses this one (its id is our parent)
// learns that a record was emitted inside it, so it emits its own record
// too and the tree view has every level: a PHP function with I/O marks the
// request it ran in.
std::vector<Stmt*> mark_other_parent(Builder& b, const Program& program, const SpanDecl& s) {
  std::vector<Stmt*> out;
  for (const SpanDecl& t : program.spans) {
    if (t.name == s.name) continue;
    auto top = [&] { return b.bin(BinaryOp::Sub, b.map1(m(t, "depth")), b.num(1)); };
    Expr* open = b.bin(BinaryOp::Gt, b.map1(m(t, "depth")), b.num(0));
    Expr* is_parent = b.bin(BinaryOp::Eq, b.map2(m(t, "id"), top()), b.map2(m(s, "parent"), b.var("$__d")));
    out.push_back(b.when(b.bin(BinaryOp::LogicalAnd, open, is_parent), {b.set(b.map2(m(t, "emit"), top()), b.num(1))}));
  }
  return out;
}

Probe* close_probe(Context& ctx, const Program& program, const SpanDecl& s, const SpanOptions& o) {
  Builder b{ctx, s.close.range};
  // Depth read once (a test in the body, not a predicate that reads it again).
  std::vector<Stmt*> body{b.set(b.var("$__d"), b.bin(BinaryOp::Sub, b.var("$__n"), b.num(1))),
                          b.set(b.map1(m(s, "depth")), b.var("$__d"))};
  Expr* emitted = b.map2(m(s, "emit"), b.var("$__d"));
  Expr* wanted = emitted;
  if (o.has_threshold)
    wanted = b.bin(BinaryOp::LogicalOr, emitted, b.bin(BinaryOp::Ge, b.var("$__dur"), b.num(o.threshold)));
  std::vector<Stmt*> recorded{
      b.set(b.var("$__dur"), b.bin(BinaryOp::Sub, ctx.make<Builtin>("nsecs", b.r), b.map2(m(s, "start"), b.var("$__d")))),
      b.set(b.var("$__w"), wanted),
      b.when(b.var("$__w"), [&] {
        std::vector<Stmt*> then{close_record(ctx, b, program, s)};
        for (Stmt* st : mark_other_parent(b, program, s)) then.push_back(st);
        return then;
      }()),
      b.set(b.map1("@__sp_cur"), b.map2(m(s, "parent"), b.var("$__d"))),
      // The parent (if any) learns its child's time and whether it emitted.
      b.when(b.bin(BinaryOp::Gt, b.var("$__d"), b.num(0)),
             {b.set(b.map2(m(s, "child"), b.bin(BinaryOp::Sub, b.var("$__d"), b.num(1))),
                    b.bin(BinaryOp::Add, b.map2(m(s, "child"), b.bin(BinaryOp::Sub, b.var("$__d"), b.num(1))), b.var("$__dur"))),
              b.when(b.var("$__w"),
                     {b.set(b.map2(m(s, "emit"), b.bin(BinaryOp::Sub, b.var("$__d"), b.num(1))), b.num(1))})}),
  };
  body.push_back(b.when(b.bin(BinaryOp::Lt, b.var("$__d"), b.num(kMaxDepth)), std::move(recorded)));
  auto* p = ctx.make<Probe>();
  p->attach_points.push_back(s.close);
  p->body = b.block({b.set(b.var("$__n"), b.map1(m(s, "depth"))), b.when(b.var("$__n"), std::move(body))});
  p->range = s.range;
  return p;
}

// Every map a span keeps per (tid, level).
std::vector<std::string> level_maps(const Program& program, const SpanDecl& s) {
  std::vector<std::string> out;
  for (const char* what : {"start", "emit", "child", "id", "parent"}) out.push_back(m(s, what));
  FieldLeaves plan = plan_fields(program, s);
  for (size_t i = 0; i < s.fields.size(); ++i)
    for (const std::string& map : field_maps(s, plan, i)) out.push_back(map);
  return out;
}

// CLOSE leaves its level's entries in place (OPEN overwrites every one of
// them, emit and child included): deleting them cost a hash operation each on
// every call. A thread's entries go when the thread exits, if it ever opened a
// span (@__sp_seq[tid] counts its opens), so dead threads leave nothing.
Probe* exit_probe(Context& ctx, const Program& program) {
  Builder b{ctx, program.spans.front().range};
  std::vector<Stmt*> clear;
  for (const SpanDecl& s : program.spans) {
    std::vector<std::string> maps = level_maps(program, s);
    for (uint64_t level = 0; level < kMaxDepth; ++level)
      for (const std::string& map : maps) clear.push_back(b.del(b.map2(map, b.num(level))));
    // Not the overflow count: the runtime reads it at exit, for its warning.
    clear.push_back(b.del(b.map1(m(s, "depth"))));
  }
  for (const char* map : {"@__sp_seq", "@__sp_cur"}) clear.push_back(b.del(b.map1(map)));
  AttachPoint ap;
  ap.text = "tracepoint:sched:sched_process_exit";
  ap.provider = "tracepoint";
  ap.parts = {"sched", "sched_process_exit"};
  ap.range = b.r;
  auto* p = ctx.make<Probe>();
  p->attach_points.push_back(ap);
  p->predicate = b.map1("@__sp_seq");
  p->body = b.block(std::move(clear));
  p->range = b.r;
  return p;
}

// After each emit in `block`, mark the innermost span as having a record.
void mark_emits(Context& ctx, Block* block, const SpanDecl& s) {
  if (!block) return;
  std::vector<Stmt*> out;
  for (Stmt* st : block->stmts) {
    out.push_back(st);
    auto* emit = st->kind == StmtKind::ExprStmt ? dynamic_cast<EmitCall*>(static_cast<ExprStmt*>(st)->expr) : nullptr;
    if (emit) {
      Builder b{ctx, st->range};
      auto top = [&] { return b.bin(BinaryOp::Sub, b.map1(m(s, "depth")), b.num(1)); };
      emit->fields.push_back({"__span", "span.of", st->range});
      emit->args.push_back(b.map2(m(s, "id"), top()));
      out.push_back(b.set(b.map2(m(s, "emit"), top()), b.num(1)));
    } else if (st->kind == StmtKind::If) {
      mark_emits(ctx, static_cast<If*>(st)->then_block, s);
      mark_emits(ctx, static_cast<If*>(st)->else_block, s);
    } else if (st->kind == StmtKind::Block) {
      mark_emits(ctx, static_cast<Block*>(st), s);
    } else if (st->kind == StmtKind::Unroll) {
      mark_emits(ctx, static_cast<Unroll*>(st)->body, s);
    }
  }
  block->stmts = std::move(out);
}

// `within S`: a depth predicate, span.F → the innermost span's field.
void lower_within(Context& ctx, Probe& p, const SpanDecl& s, Diagnostics& diags) {
  Builder b{ctx, p.within_range};
  FieldLeaves plan = plan_fields(ctx.program, s);
  Substitute sub = [&](const Expr& e) -> Expr* {
    std::string f;
    if (!is_builtin_field(e, "span", &f)) return nullptr;
    Builder at{ctx, e.range};
    if (f == "depth") return at.map1(m(s, "depth"));
    if (f == "name") return ctx.make<StringLiteral>(s.name, e.range);
    auto known = std::find_if(s.fields.begin(), s.fields.end(), [&](const EmitField& x) { return x.name == f; });
    if (known == s.fields.end()) {
      diags.error("E-decl-span", e.range, "span `" + s.name + "` has no field `" + f + "`");
      return at.num(0);
    }
    auto top = [&] { return at.bin(BinaryOp::Sub, at.map1(m(s, "depth")), at.num(1)); };
    return field_value(ctx, s, plan, known - s.fields.begin(), top, e.range);
  };
  // Inside, and not in an overflowed level (which recorded no fields).
  Expr* inside = b.bin(BinaryOp::LogicalAnd, b.bin(BinaryOp::Gt, b.map1(m(s, "depth")), b.num(0)),
                       b.bin(BinaryOp::Le, b.map1(m(s, "depth")), b.num(kMaxDepth)));
  Expr* pred = clone_expr(ctx, p.predicate, sub);
  p.predicate = pred ? b.bin(BinaryOp::LogicalAnd, inside, pred) : inside;
  p.body = clone_block(ctx, p.body, sub);
  mark_emits(ctx, p.body, s);
  p.within.clear();
}

}  // namespace

bool lower_spans(Context& ctx, const std::vector<std::string>& params, Diagnostics& diags) {
  int errors = diags.error_count();
  std::vector<Probe*> generated;
  for (const SpanDecl& s : ctx.program.spans) {
    SpanOptions o;
    if (!parse_options(s, params, o, diags)) continue;
    generated.push_back(open_probe(ctx, ctx.program, s, o));
    generated.push_back(close_probe(ctx, ctx.program, s, o));
  }
  for (Probe* p : ctx.program.probes) {
    if (p->within.empty()) continue;
    auto s = std::find_if(ctx.program.spans.begin(), ctx.program.spans.end(),
                          [&](const SpanDecl& d) { return d.name == p->within; });
    if (s == ctx.program.spans.end()) {
      diags.error("E-decl-span", p->within_range, "no span named `" + p->within + "`");
      continue;
    }
    lower_within(ctx, *p, *s, diags);
  }
  // Opens first, closes last in program order. (The kernel does not promise
  // an order between programs on one attach point, so a `within` probe on a
  // span's own OPEN or CLOSE may or may not see that span.)
  std::vector<Probe*> probes;
  for (size_t i = 0; i < generated.size(); i += 2) probes.push_back(generated[i]);
  for (Probe* p : ctx.program.probes) probes.push_back(p);
  for (size_t i = 1; i < generated.size(); i += 2) probes.push_back(generated[i]);
  if (!ctx.program.spans.empty()) probes.push_back(exit_probe(ctx, ctx.program));
  ctx.program.probes = std::move(probes);
  return diags.error_count() == errors;
}

}  // namespace sonde::compiler
