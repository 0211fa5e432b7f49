// The checker's driver.
//
// Model. Two passes, in this order:
//  1. resolve_attach (resolve_attach.cpp): each written attach point becomes
//     concrete ResolvedAttach entries; tracepoint wildcards expand through
//     tracefs and each expansion carries its record fields.
//  2. TypeChecker (type_checker.cpp, type_expr.cpp, type_calls.cpp): names,
//     types, map unification, every call against the builtins table.
//
// Maps are global and may be read (in program order) before any assignment,
// e.g. an interval probe printing a map that a later tracepoint fills. So the
// type checker runs twice, a fixed number of times and not to a fixpoint:
// a silent first run collects every map's unified type; the second run
// reports errors and reads map types from the first. A map whose only
// assignments depend on maps assigned still later gets no type in the first
// run and is reported as never assigned — a documented limit.
//
// Invariants on success: every Expr has a type (`none` only for
// statement-like calls), every map in `maps` has a value type and key types,
// every probe has at least one attach point, Unroll::count is in 1..100.
// Contract: codegen lowers a CheckedProgram without reporting user errors.
#include "compiler/check.h"

#include "compiler/resolve_attach.h"
#include "compiler/type_checker.h"

namespace sonde::compiler {
namespace {

// BEGIN and END run once each; bpftrace allows one of each per program.
void check_unique_special(const std::vector<ProbeInfo>& probes, Diagnostics& diags) {
  for (const char* special : {"BEGIN", "END"}) {
    const ast::AttachPoint* first = nullptr;
    for (const auto& p : probes) {
      for (const auto& a : p.attach) {
        if (a.kind != special) continue;
        if (!first) {
          first = a.source;
          continue;
        }
        diags.error("E-duplicate-probe", a.source->range,
                    std::string("more than one ") + special + " probe",
                    {"merge the bodies into the first " + std::string(special) + " probe"});
      }
    }
  }
}

std::vector<ProbeInfo> resolve_probes(ast::Program& program, const CheckOptions& options,
                                      Diagnostics& diags) {
  TracepointCatalog catalog;
  catalog.target_pid = options.target_pid;
  std::vector<ProbeInfo> probes;
  for (ast::Probe* probe : program.probes) {
    ProbeInfo info;
    info.probe = probe;
    for (const auto& ap : probe->attach_points) {
      auto resolved = resolve_attach(ap, catalog, diags);
      for (auto& r : resolved) info.attach.push_back(std::move(r));
    }
    probes.push_back(std::move(info));
  }
  check_unique_special(probes, diags);
  return probes;
}

std::map<std::string, MapInfo> run_types(ast::Program& program, std::vector<ProbeInfo>& probes,
                                         const CheckOptions& options, Diagnostics& diags,
                                         const std::map<std::string, MapInfo>* prior) {
  TypeChecker checker(options, diags, prior, assigned_maps(program));
  for (auto& info : probes) checker.check_probe(*info.probe, info);
  // A read of a map whose assignments failed stays silent, since those
  // failures were reported. If none was, the map's type depends on maps
  // assigned later still: say so rather than hand codegen an untyped map.
  if (!diags.has_errors() && !checker.untyped_reads().empty()) {
    const ast::MapAccess* read = checker.untyped_reads().front();
    diags.error("E-undefined-map", read->range,
                "cannot infer the type of " + read->name +
                    ": it is only assigned from maps that are assigned later in the script",
                {"assign " + read->name + " (or the maps it is computed from) in an earlier probe"});
  }
  return checker.take_maps();
}

}  // namespace

std::optional<CheckedProgram> check(ast::Program& program, const CheckOptions& options,
                                    Diagnostics& diags) {
  std::vector<ProbeInfo> probes = resolve_probes(program, options, diags);

  Diagnostics scratch;  // the first run's errors repeat in the second
  std::map<std::string, MapInfo> first = run_types(program, probes, options, scratch, nullptr);
  std::map<std::string, MapInfo> maps = run_types(program, probes, options, diags, &first);

  if (diags.has_errors()) return std::nullopt;
  CheckedProgram out;
  out.program = &program;
  out.maps = std::move(maps);
  out.probes = std::move(probes);
  out.options = options;
  return out;
}

}  // namespace sonde::compiler
