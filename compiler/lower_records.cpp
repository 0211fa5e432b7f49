// Records: `emit NAME { field = expr, field: unit = expr, ... }`.
//
// The parser already made each emit an ast::EmitCall (a Call "emit" whose
// arguments are the record name and the values), which the checker types
// like any call and codegen lays out like a printf (manifest event kind
// "record", field names and units in EventSpec::args). This pass settles
// what the grammar cannot:
//  * units: one of duration, bytes, errno, fd, addr; when none is written,
//    `elapsed` and a difference of `nsecs` are durations (span fields too);
//  * field names are unique within a record;
//  * every `emit` of one record name has the same fields in the same order,
//    so text columns line up and the NDJSON schema of a record is fixed;
//  * no `emit` uses a span's name, which is the span's own close record.
// It runs before the syscall and span passes rewrite `elapsed`.
#include <algorithm>
#include <map>

#include "compiler/lower.h"

namespace sonde::compiler {

using namespace ast;

namespace {

constexpr const char* kUnits[] = {"duration", "bytes", "errno", "fd", "addr"};

bool valid_unit(const std::string& u) {
  return u.empty() || std::find(std::begin(kUnits), std::end(kUnits), u) != std::end(kUnits);
}

std::string inferred_unit(const Expr& e) {
  if (is_builtin(e, "elapsed")) return "duration";
  if (is_builtin_field(e, "span", nullptr)) {
    std::string f;
    is_builtin_field(e, "span", &f);
    if (f == "duration") return "duration";
  }
  if (e.kind == ExprKind::Binary) {
    auto& b = static_cast<const Binary&>(e);
    if (b.op == BinaryOp::Sub && is_builtin(*b.lhs, "nsecs")) return "duration";
  }
  return "";
}

// Checks names and units of one field list; fills in inferred units.
void settle_fields(std::vector<EmitField>& fields, const std::vector<Expr*>& values,
                   Diagnostics& diags) {
  for (size_t i = 0; i < fields.size(); ++i) {
    EmitField& f = fields[i];
    if (!valid_unit(f.unit))
      diags.error("E-decl-record", f.range, "unknown unit `" + f.unit + "` for field `" + f.name + "`",
                  {"units: duration, bytes, errno, fd, addr"});
    if (f.unit.empty() && i < values.size() && values[i]) f.unit = inferred_unit(*values[i]);
    for (size_t j = 0; j < i; ++j)
      if (fields[j].name == f.name)
        diags.error("E-decl-record", f.range, "field `" + f.name + "` appears twice");
  }
}

std::string shape(const EmitCall& e) {
  std::string s;
  for (const auto& f : e.fields) s += (s.empty() ? "" : ", ") + f.name;
  return s;
}

class Records : public Visitor {
 public:
  Records(const Program& program, Diagnostics& diags) : program_(program), diags_(diags) {}
  using Visitor::visit;
  void visit(Call& c) override {
    Visitor::visit(c);
    auto* emit = dynamic_cast<EmitCall*>(&c);
    if (!emit) return;
    std::vector<Expr*> values(c.args.begin() + (c.args.empty() ? 0 : 1), c.args.end());
    settle_fields(emit->fields, values, diags_);
    for (const SpanDecl& span : program_.spans)
      if (span.name == emit->record)
        diags_.error("E-decl-record", c.range, "`" + emit->record + "` is span " + span.name + "'s own record",
                     {"spans emit their record when they close; name this one differently"});
    auto [it, first] = first_.emplace(emit->record, emit);
    if (!first && shape(*it->second) != shape(*emit))
      diags_.error("E-decl-record", c.range,
                   "record `" + emit->record + "` has fields (" + shape(*it->second) + ") elsewhere, here (" +
                       shape(*emit) + ")",
                   {"every emit of one record lists the same fields in the same order"});
  }

 private:
  const Program& program_;
  Diagnostics& diags_;
  std::map<std::string, EmitCall*> first_;
};

// Map value units, in `syscall:` probes only (core probes keep bpftrace's
// raw numbers): `@t[k] = sum(elapsed)`, or of a variable assigned a
// duration earlier in the probe, makes @t a duration map, shown as "12.4us"
// in text output (JSON stays in ns). Aggregations that disagree, or a plain
// assignment to the map anywhere, leave it without a unit. Variables are
// followed in program order within a probe, which is all a unit needs:
// `$latency = elapsed; ... sum($latency)`.
class MapUnits : public Visitor {
 public:
  using Visitor::visit;
  void visit(Probe& p) override {
    vars_.clear();
    in_syscall_probe_ = !p.attach_points.empty() &&
                        std::all_of(p.attach_points.begin(), p.attach_points.end(),
                                    [](const AttachPoint& ap) { return ap.provider == "syscall"; });
    Visitor::visit(p);
  }
  void visit(Assign& s) override {
    Visitor::visit(s);
    if (s.target->kind == ExprKind::Variable) {
      vars_[static_cast<Variable&>(*s.target).name] = s.compound ? "" : unit_of(*s.value);
      return;
    }
    if (s.target->kind != ExprKind::MapAccess) return;
    const std::string& map = static_cast<MapAccess&>(*s.target).name;
    std::string unit;
    if (s.value->kind == ExprKind::Call) {
      auto& call = static_cast<Call&>(*s.value);
      bool carries = call.name == "sum" || call.name == "avg" || call.name == "min" ||
                     call.name == "max" || call.name == "stats";
      if (carries && call.args.size() == 1 && in_syscall_probe_) unit = unit_of(*call.args[0]);
    }
    auto [it, first] = units_.emplace(map, unit);
    if (!first && it->second != unit) it->second.clear();
  }
  std::map<std::string, std::string> settled() const {
    std::map<std::string, std::string> out;
    for (const auto& [map, unit] : units_)
      if (!unit.empty()) out[map] = unit;
    return out;
  }

 private:
  std::string unit_of(const Expr& e) const {
    if (e.kind == ExprKind::Variable) {
      auto it = vars_.find(static_cast<const Variable&>(e).name);
      return it == vars_.end() ? "" : it->second;
    }
    return inferred_unit(e);
  }
  bool in_syscall_probe_ = false;
  std::map<std::string, std::string> vars_;
  std::map<std::string, std::string> units_;
};

}  // namespace

bool lower_records(Context& ctx, Diagnostics& diags) {
  int errors = diags.error_count();
  for (SpanDecl& span : ctx.program.spans) settle_fields(span.fields, span.values, diags);
  Records records(ctx.program, diags);
  records.walk(ctx.program);
  MapUnits units;
  units.walk(ctx.program);
  ctx.program.map_units = units.settled();
  return diags.error_count() == errors;
}

}  // namespace sonde::compiler
