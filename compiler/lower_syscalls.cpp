// `syscalls NAME = a, b, c` and `syscall:NAME` / `syscall:read` probes.
//
// Model: a syscall probe's body runs once per call, at exit, with the entry
// arguments (`args.F`), `retval` and `elapsed` (ns since entry) in scope.
//
// Lowering onto the raw_syscalls tracepoints. All syscall probes share ONE
// program on rawtracepoint:sys_enter; each probe P (index N) gets one
// program on rawtracepoint:sys_exit. With $__sc_id the syscall number
// (__syscall_id) and IN(P) "$__sc_id is one of P's syscalls":
//
//   rawtracepoint:sys_enter {
//     $__sc_id = __syscall_id;
//     if (IN(P)) { @__scN_ts[tid] = nsecs; @__scN_F[tid] = ARG(F); ... }  // only the F used
//     if (IN(Q)) { ... }                                                   // every probe
//   }
//   rawtracepoint:sys_exit {
//     $__sc_id = __syscall_id;
//     if (IN(P) && @__scN_ts[tid]) {
//       $__sc_start = @__scN_ts[tid]; $__sc_F = @__scN_F[tid]; ...
//       delete(@__scN_ts[tid]); delete(@__scN_F[tid]); ...
//       if (PRED) { BODY }            // PRED and BODY with the substitutions
//     }
//   }
//
// ARG(F) is the syscall argument F names for this call's syscall, chosen by
// id: `$__sc_id == 0 || $__sc_id == 19 ? __syscall_arg0 : ... : 0` (the
// index is F's position in sys_enter_X's format, after __syscall_nr; 0 for
// a syscall without F). In the body: args.F → $__sc_F, retval →
// __syscall_ret, elapsed → nsecs - $__sc_start, probe.name / probe.set →
// the name by id (a chain of literals), and `probe.name == "connect"` (or
// probe.set, == or !=) → `$__sc_id == 42`, so a probe over a set can treat
// its syscalls differently for the cost of a compare.
//
// Why raw tracepoints: the syscalls:sys_{enter,exit}_X tracepoints are perf
// events, two programs per syscall per probe (seconds of verifier time for
// php-io's ~36 syscalls) and each link's close waits for RCU grace periods
// (~45 ms each, serialized). A raw_tp link does not.
//
// Fallback: a syscall whose number sonde does not know (newer than the
// build's <asm/unistd_64.h>, or another architecture: syscall_numbers.h)
// is lowered per syscall as before, onto tracepoint:syscalls:sys_enter_X /
// sys_exit_X with `/@__scN_ts[tid]/` as the exit's predicate, args.F →
// $__sc_F (0 when X has no F), retval → args.ret, probe.name → "X".
//
// Entry-time calls: at close()'s exit the fd is gone, so a call to
// fdkind() or fdpeer() whose arguments are made only of entry arguments and
// literals is evaluated at entry, `@__scN_eK_fdkind[tid] = fdkind(ARG(fd))`,
// and carried to the exit like an argument (`$__sc_eK`). One slot per
// distinct call text; arguments used only inside such calls are not saved.
// Calls on retval, and sockaddr() (accept4 fills its buffer during the
// call), stay at exit.
//
// Invariants: maps are per probe (two probes on one syscall do not share
// state) and keyed by tid (a thread is in one syscall at a time); the exit
// side deletes its entries before the body runs, so an `exit()` in the body
// leaves nothing behind, and a call whose entry was not seen (it began
// before tracing) is skipped by the `@__scN_ts[tid]` test.
// Known gap: raw_syscalls also fires for 32-bit (ia32) syscalls, whose
// numbers differ; the syscalls:* tracepoints ignore those calls.
#include <algorithm>
#include <map>
#include <set>

#include "compiler/lower.h"
#include "compiler/syscall_numbers.h"
#include "support/tracefs.h"

namespace sonde::compiler {

using namespace ast;

namespace {

struct Syscall {
  std::string name;  // "read"
  std::string set;   // what `probe.set` gives: the set's name, or the syscall's
  std::vector<std::string> fields;  // entry arguments, from the tracepoint format
  SourceRange range;
  std::optional<long> number;  // none: lowered onto its own syscalls:* tracepoints
};

// Calls that read the thread's fd table, which the syscall itself may
// change (close, dup2, connect): the state before the call is the one
// its fd argument refers to.
bool evaluated_at_entry(const std::string& function) {
  return function == "fdkind" || function == "fdpeer";
}

// The canonical text of `e` when it is made only of entry arguments,
// literals and operators on them (so it can be evaluated at entry); ""
// otherwise.
std::string entry_key(const Expr& e) {
  auto all = [](std::initializer_list<const Expr*> parts, std::string text) {
    for (const Expr* part : parts) {
      std::string key = entry_key(*part);
      if (key.empty()) return std::string();
      text += key + ",";
    }
    return text + ")";
  };
  std::string f;
  switch (e.kind) {
    case ExprKind::IntLiteral: return std::to_string(static_cast<const IntLiteral&>(e).value);
    case ExprKind::PositionalParam: return "$" + std::to_string(static_cast<const PositionalParam&>(e).index);
    case ExprKind::FieldAccess: return is_args_field(e, &f) ? "args." + f : "";
    case ExprKind::Unary: {
      auto& u = static_cast<const Unary&>(e);
      bool pure = u.op == UnaryOp::Neg || u.op == UnaryOp::LogicalNot || u.op == UnaryOp::BitNot;
      return pure ? all({u.operand}, "u" + std::to_string(int(u.op)) + "(") : "";
    }
    case ExprKind::Binary: {
      auto& b = static_cast<const Binary&>(e);
      return all({b.lhs, b.rhs}, "b" + std::to_string(int(b.op)) + "(");
    }
    case ExprKind::Ternary: {
      auto& t = static_cast<const Ternary&>(e);
      return all({t.cond, t.then_expr, t.else_expr}, "?(");
    }
    case ExprKind::Cast: {
      auto& c = static_cast<const Cast&>(e);
      return all({c.operand}, "(" + c.type_name + ")(");
    }
    default: return "";
  }
}

// "fdkind(args.fd,)" for a call evaluated at entry, "" for any other.
std::string entry_call_key(const Call& call) {
  if (!evaluated_at_entry(call.name) || call.args.empty()) return "";
  std::string key = call.name + "(";
  for (const Expr* a : call.args) {
    std::string arg = entry_key(*a);
    if (arg.empty()) return "";
    key += arg + ",";
  }
  return key + ")";
}

// What a probe uses, collected once: its args.F (all of them, to check
// they exist; and those read at exit, to save at entry) and its entry-time
// calls.
class ProbeUses : public Visitor {
 public:
  std::map<std::string, SourceRange> fields;
  std::set<std::string> exit_fields;
  std::vector<const Call*> entry_calls;      // distinct call texts, first occurrence
  std::map<const Expr*, size_t> entry_slot;  // every such call → its entry_calls index
  using Visitor::visit;
  void visit(FieldAccess& e) override {
    std::string f;
    if (is_args_field(e, &f)) {
      if (!fields.count(f)) fields[f] = e.range;
      if (inside_entry_call_ == 0) exit_fields.insert(f);
    }
    Visitor::visit(e);
  }
  void visit(Call& e) override {
    std::string key = entry_call_key(e);
    if (key.empty()) return Visitor::visit(e);
    auto [slot, added] = slot_of_key_.emplace(key, entry_calls.size());
    if (added) entry_calls.push_back(&e);
    entry_slot[&e] = slot->second;
    ++inside_entry_call_;
    Visitor::visit(e);
    --inside_entry_call_;
  }

 private:
  std::map<std::string, size_t> slot_of_key_;
  int inside_entry_call_ = 0;
};

std::vector<std::string> entry_fields(const std::string& syscall, std::string& error) {
  auto format = tracefs::read_format("syscalls", "sys_enter_" + syscall);
  if (!format) {
    error = format.error().message;
    return {};
  }
  std::vector<std::string> names;
  for (const auto& f : format->fields)
    if (!f.is_common && f.name != "__syscall_nr") names.push_back(f.name);
  return names;
}

// The syscalls one attach point names: a declared set, else one syscall.
bool expand(const Program& program, const AttachPoint& ap, std::vector<Syscall>& out,
            Diagnostics& diags) {
  if (ap.parts.size() != 1 || ap.parts[0].empty()) {
    diags.error("E-decl-syscall", ap.range, "expected `syscall:NAME`, where NAME is a syscall or a `syscalls` set",
                {"syscalls net = connect, sendto\n  syscall:net { ... }"});
    return false;
  }
  const std::string& name = ap.parts[0];
  std::vector<std::string> members{name};
  for (const auto& set : program.syscall_sets)
    if (set.name == name) members = set.syscalls;
  bool ok = true;
  for (const std::string& member : members) {
    if (std::any_of(out.begin(), out.end(), [&](const Syscall& s) { return s.name == member; })) continue;
    std::string error;
    std::vector<std::string> fields = entry_fields(member, error);
    if (!error.empty()) {
      diags.error("E-decl-syscall", ap.range,
                  "`" + member + "` is neither a syscall with tracepoints nor a `syscalls` set",
                  {error});
      ok = false;
      continue;
    }
    out.push_back({member, name, std::move(fields), ap.range, syscall_number(member)});
  }
  return ok;
}

AttachPoint tracepoint(const std::string& name, SourceRange r) {
  AttachPoint ap;
  ap.text = "tracepoint:syscalls:" + name;
  ap.provider = "tracepoint";
  ap.parts = {"syscalls", name};
  ap.range = r;
  return ap;
}

std::string map_name(const Probe& p, const std::string& what) {
  return "@__sc" + std::to_string(p.index) + "_" + what;
}

bool has(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// The map and the exit-side variable of entry-time call `slot`.
std::string entry_map(const Probe& p, const ProbeUses& uses, size_t slot) {
  return map_name(p, "e" + std::to_string(slot) + "_" + uses.entry_calls[slot]->name);
}

std::string entry_variable(size_t slot) { return "$__sc_e" + std::to_string(slot); }

AttachPoint raw_tracepoint(const std::string& name, SourceRange r) {
  AttachPoint ap;
  ap.text = "rawtracepoint:" + name;
  ap.provider = "rawtracepoint";
  ap.parts = {name};
  ap.range = r;
  return ap;
}

bool any_has(const std::vector<const Syscall*>& syscalls, const std::string& field) {
  return std::any_of(syscalls.begin(), syscalls.end(), [&](const Syscall* sc) { return has(sc->fields, field); });
}

// What differs between the two lowerings, in one place: a raw_syscalls
// program serves many syscalls and tells them apart by $__sc_id; a
// syscalls:sys_*_X program (`own_tracepoint`) serves one, so every test on
// the id is a constant (LLVM drops the branches never taken) and the
// arguments are its record's fields.
struct SyscallProgram {
  Context& ctx;
  const std::vector<const Syscall*>& syscalls;  // the probe's, in this program
  bool own_tracepoint;
  SourceRange r;

  Expr* id() const { return ctx.make<Variable>("$__sc_id", r); }

  // `$__sc_id = __syscall_id`, read once per program.
  Stmt* read_id() const { return assign_stmt(ctx, id(), ctx.make<Builtin>("__syscall_id", r), r); }

  // "This call's syscall is one of `these`": `$__sc_id == a || ...`.
  Expr* any_of(const std::vector<const Syscall*>& these) const {
    if (own_tracepoint) return ctx.make<IntLiteral>(these.empty() ? 0 : 1, r);
    Expr* test = nullptr;
    for (const Syscall* sc : these) {
      Expr* eq = ctx.make<Binary>(BinaryOp::Eq, id(), ctx.make<IntLiteral>(*sc->number, r), r);
      test = test ? ctx.make<Binary>(BinaryOp::LogicalOr, test, eq, r) : eq;
    }
    return test ? test : ctx.make<IntLiteral>(0, r);
  }

  // `IN(group1) ? value1 : IN(group2) ? value2 : ... : otherwise`, the
  // syscalls grouped by `key_of` (first-seen order; an empty key is left
  // to `otherwise`). Without `otherwise` the last group needs no test.
  template <typename Key, typename Value>
  Expr* choose(Key key_of, Value value_of, Expr* otherwise) const {
    std::vector<std::pair<std::string, std::vector<const Syscall*>>> groups;
    for (const Syscall* sc : syscalls) {
      std::string key = key_of(*sc);
      if (key.empty()) continue;
      auto g = std::find_if(groups.begin(), groups.end(), [&](const auto& x) { return x.first == key; });
      if (g == groups.end()) groups.push_back({key, {sc}});
      else g->second.push_back(sc);
    }
    Expr* out = otherwise;
    for (auto g = groups.rbegin(); g != groups.rend(); ++g) {
      Expr* value = value_of(*g->second.front());
      out = out ? ctx.make<Ternary>(any_of(g->second), value, out, r) : value;
    }
    return out;
  }

  // ARG(F) at entry: the argument F names for this call's syscall (by its
  // position in sys_enter_X's format); 0 when it has none.
  Expr* argument(const std::string& field, SourceRange where) const {
    if (own_tracepoint) {
      if (!any_has(syscalls, field)) return ctx.make<IntLiteral>(0, where);
      return ctx.make<FieldAccess>(ctx.make<Builtin>("args", where), field, where);
    }
    auto index = [&](const Syscall& sc) {
      auto at = std::find(sc.fields.begin(), sc.fields.end(), field);
      return at == sc.fields.end() ? std::string() : std::to_string(at - sc.fields.begin());
    };
    bool everywhere = std::all_of(syscalls.begin(), syscalls.end(), [&](const Syscall* sc) { return !index(*sc).empty(); });
    // Typed as the tracepoint fields are (uint64), also when absent.
    Expr* zero = everywhere ? nullptr : ctx.make<Cast>("uint64", ctx.make<IntLiteral>(0, where), where);
    return choose(index, [&](const Syscall& sc) { return ctx.make<Builtin>("__syscall_arg" + index(sc), where); },
                  zero);
  }

  // probe.name / probe.set for this call's syscall.
  Expr* name(bool set, SourceRange where) const {
    auto text = [&](const Syscall& sc) { return set ? sc.set : sc.name; };
    return choose(text, [&](const Syscall& sc) { return ctx.make<StringLiteral>(text(sc), where); }, nullptr);
  }

  // Bare `probe`: the syscall as an attach point names it, "syscall:read"
  // (not the raw_syscalls program that serves it).
  Expr* attach_text(SourceRange where) const {
    auto text = [&](const Syscall& sc) { return "syscall:" + sc.name; };
    return choose(text, [&](const Syscall& sc) { return ctx.make<StringLiteral>(text(sc), where); }, nullptr);
  }

  Expr* retval(SourceRange where) const {
    if (own_tracepoint) return ctx.make<FieldAccess>(ctx.make<Builtin>("args", where), "ret", where);
    return ctx.make<Builtin>("__syscall_ret", where);
  }
};

// P's entry side: save the start time, the arguments the body reads and
// the entry-time calls.
std::vector<Stmt*> entry_saves(const SyscallProgram& low, const Probe& p, const ProbeUses& uses) {
  Context& ctx = low.ctx;
  SourceRange r = low.r;
  std::vector<Stmt*> body{assign_stmt(ctx, tid_key_map(ctx, map_name(p, "ts"), r), ctx.make<Builtin>("nsecs", r), r)};
  for (const std::string& field : uses.exit_fields)
    if (any_has(low.syscalls, field))
      body.push_back(assign_stmt(ctx, tid_key_map(ctx, map_name(p, field), r),
                                 low.argument(field, uses.fields.at(field)), r));
  Substitute arguments = [&](const Expr& e) -> Expr* {
    std::string f;
    if (is_args_field(e, &f)) return low.argument(f, e.range);
    return nullptr;
  };
  for (size_t slot = 0; slot < uses.entry_calls.size(); ++slot)
    body.push_back(assign_stmt(ctx, tid_key_map(ctx, entry_map(p, uses, slot), r),
                               clone_expr(ctx, uses.entry_calls[slot], arguments), r));
  return body;
}

// `probe.name == "connect"` (or probe.set, either side, == or !=) →
// `$__sc_id == 42`: a probe over a set can treat its syscalls differently
// for the cost of a compare (nothing on a syscall's own tracepoint).
Expr* probe_compare(const SyscallProgram& low, const Expr& e) {
  if (e.kind != ExprKind::Binary) return nullptr;
  auto& b = static_cast<const Binary&>(e);
  if (b.op != BinaryOp::Eq && b.op != BinaryOp::Ne) return nullptr;
  auto field = [](const Expr& x, std::string& out) {
    return is_builtin_field(x, "probe", &out) && (out == "name" || out == "set");
  };
  auto literal = [](const Expr& x, std::string& out) {
    if (x.kind != ExprKind::StringLiteral) return false;
    return out = static_cast<const StringLiteral&>(x).value, true;
  };
  std::string f, text;
  bool known = (field(*b.lhs, f) && literal(*b.rhs, text)) || (literal(*b.lhs, text) && field(*b.rhs, f));
  if (!known) return nullptr;
  std::vector<const Syscall*> matching;
  for (const Syscall* sc : low.syscalls)
    if ((f == "name" ? sc->name : sc->set) == text) matching.push_back(sc);
  if (low.own_tracepoint) return low.ctx.make<IntLiteral>(matching.empty() == (b.op == BinaryOp::Ne), e.range);
  Expr* test = low.any_of(matching);
  return b.op == BinaryOp::Eq ? test : low.ctx.make<Unary>(UnaryOp::LogicalNot, test, e.range);
}

Expr* substitute(const SyscallProgram& low, const Expr& e, const ProbeUses& uses) {
  Context& ctx = low.ctx;
  if (Expr* compared = probe_compare(low, e)) return compared;
  if (auto slot = uses.entry_slot.find(&e); slot != uses.entry_slot.end())
    return ctx.make<Variable>(entry_variable(slot->second), e.range);
  std::string f;
  if (is_args_field(e, &f)) {
    if (any_has(low.syscalls, f)) return ctx.make<Variable>("$__sc_" + f, e.range);
    return ctx.make<IntLiteral>(0, e.range);
  }
  if (is_builtin(e, "retval")) return low.retval(e.range);
  if (is_builtin(e, "elapsed"))
    return ctx.make<Binary>(BinaryOp::Sub, ctx.make<Builtin>("nsecs", e.range),
                            ctx.make<Variable>("$__sc_start", e.range), e.range);
  if (is_builtin_field(e, "probe", &f) && (f == "name" || f == "set")) return low.name(f == "set", e.range);
  if (is_builtin(e, "probe")) return low.attach_text(e.range);
  return nullptr;
}

// P's exit side: restore and delete what the entry saved, then the
// predicate and body with the substitutions.
Block* exit_body(const SyscallProgram& low, const Probe& p, const ProbeUses& uses) {
  Context& ctx = low.ctx;
  SourceRange r = low.r;
  std::vector<Stmt*> body;
  std::vector<std::string> saved;  // maps to read into variables, then delete
  auto restore = [&](const std::string& variable, const std::string& map) {
    body.push_back(assign_stmt(ctx, ctx.make<Variable>(variable, r), tid_key_map(ctx, map, r), r));
    saved.push_back(map);
  };
  restore("$__sc_start", map_name(p, "ts"));
  for (const std::string& field : uses.exit_fields)
    if (any_has(low.syscalls, field)) restore("$__sc_" + field, map_name(p, field));
  for (size_t slot = 0; slot < uses.entry_calls.size(); ++slot)
    restore(entry_variable(slot), entry_map(p, uses, slot));
  for (const std::string& map : saved)
    body.push_back(call_stmt(ctx, "delete", {tid_key_map(ctx, map, r)}, r));
  Substitute sub = [&](const Expr& e) { return substitute(low, e, uses); };
  Block* user = clone_block(ctx, p.body, sub);
  if (p.predicate)
    body.push_back(ctx.make<If>(clone_expr(ctx, p.predicate, sub), user, nullptr, p.predicate->range));
  else
    body.push_back(user);
  return ctx.make<Block>(std::move(body), p.body->range);
}

Probe* make_probe(Context& ctx, AttachPoint ap, Expr* predicate, Block* body, SourceRange range) {
  auto* probe = ctx.make<Probe>();
  probe->attach_points.push_back(std::move(ap));
  probe->predicate = predicate;
  probe->body = body;
  probe->range = range;
  return probe;
}

// The fallback: sys_enter_X and sys_exit_X /@__scN_ts[tid]/ for one syscall.
std::vector<Probe*> own_tracepoint_pair(Context& ctx, const Probe& p, const Syscall& sc, const ProbeUses& uses) {
  std::vector<const Syscall*> one{&sc};
  SyscallProgram low{ctx, one, true, sc.range};
  Probe* enter = make_probe(ctx, tracepoint("sys_enter_" + sc.name, sc.range), nullptr,
                            ctx.make<Block>(entry_saves(low, p, uses), p.body->range), p.range);
  Probe* exit = make_probe(ctx, tracepoint("sys_exit_" + sc.name, sc.range), tid_key_map(ctx, map_name(p, "ts"), sc.range),
                           exit_body(low, p, uses), p.range);
  return {enter, exit};
}

// The one sys_enter program, filled by every syscall probe in turn; it
// takes the place of the first one's entry side.
struct SharedEntry {
  Probe* probe = nullptr;
  std::vector<Stmt*> stmts;
};

// Lowers one probe into its entry/exit pairs; a probe with no syscall
// attach point is returned as is. Mixing `syscall:` with other kinds in one
// probe is refused: `args`, `retval` and `elapsed` would mean two things.
std::vector<Probe*> lower_probe(Context& ctx, Probe* p, SharedEntry& entry, Diagnostics& diags) {
  std::vector<Syscall> syscalls;
  const AttachPoint* other = nullptr;
  for (const AttachPoint& ap : p->attach_points) {
    if (ap.provider == "syscall") expand(ctx.program, ap, syscalls, diags);
    else other = &ap;
  }
  if (syscalls.empty()) return {p};
  if (other) {
    diags.error("E-decl-syscall", other->range, "a probe with `syscall:` attach points cannot have other kinds",
                {"write a separate probe for `" + other->text + "`"});
    return {};
  }
  ProbeUses uses;
  uses.visit(*p);
  for (const auto& [field, where] : uses.fields) {
    bool known = std::any_of(syscalls.begin(), syscalls.end(), [&](const Syscall& s) { return has(s.fields, field); });
    if (!known)
      diags.error("E-decl-syscall", where, "no syscall of this probe has an argument `" + field + "`",
                  {"arguments of " + syscalls[0].name + ": " + [&] {
                     std::string list;
                     for (const auto& f : syscalls[0].fields) list += (list.empty() ? "" : ", ") + f;
                     return list;
                   }()});
  }
  std::vector<Probe*> out;
  std::vector<const Syscall*> raw;
  for (const Syscall& sc : syscalls) {
    if (sc.number) {
      raw.push_back(&sc);
      continue;
    }
    for (Probe* q : own_tracepoint_pair(ctx, *p, sc, uses)) out.push_back(q);
  }
  if (raw.empty()) return out;
  SyscallProgram low{ctx, raw, false, raw.front()->range};
  if (!entry.probe) {
    entry.probe = make_probe(ctx, raw_tracepoint("sys_enter", p->range), nullptr, nullptr, p->range);
    entry.stmts.push_back(low.read_id());
    out.push_back(entry.probe);
  }
  // rawtracepoint:sys_enter { ...; if (IN(P)) { save } }
  entry.stmts.push_back(ctx.make<If>(low.any_of(raw), ctx.make<Block>(entry_saves(low, *p, uses), low.r), nullptr, low.r));
  // rawtracepoint:sys_exit { $__sc_id = __syscall_id; if (IN(P) && @__scN_ts[tid]) { exit side } }
  Expr* seen = ctx.make<Binary>(BinaryOp::LogicalAnd, low.any_of(raw), tid_key_map(ctx, map_name(*p, "ts"), low.r), low.r);
  Block* body = ctx.make<Block>(std::vector<Stmt*>{low.read_id(), ctx.make<If>(seen, exit_body(low, *p, uses), nullptr, low.r)},
                                p->body->range);
  out.push_back(make_probe(ctx, raw_tracepoint("sys_exit", low.r), nullptr, body, p->range));
  return out;
}

}  // namespace

bool lower_syscalls(Context& ctx, Diagnostics& diags) {
  int errors = diags.error_count();
  bool any = std::any_of(ctx.program.probes.begin(), ctx.program.probes.end(), [](const Probe* p) {
    return std::any_of(p->attach_points.begin(), p->attach_points.end(),
                       [](const AttachPoint& ap) { return ap.provider == "syscall"; });
  });
  if (any) (void)tracefs::ensure_mounted();  // read_format below reports what is missing
  std::vector<Probe*> probes;
  SharedEntry entry;
  for (Probe* p : ctx.program.probes)
    for (Probe* q : lower_probe(ctx, p, entry, diags)) probes.push_back(q);
  if (entry.probe) entry.probe->body = ctx.make<Block>(std::move(entry.stmts), entry.probe->range);
  ctx.program.probes = std::move(probes);
  return diags.error_count() == errors;
}

}  // namespace sonde::compiler
