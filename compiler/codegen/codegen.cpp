// Codegen: a checked program in, a BPF ELF object with its manifest out.
//
// Model. Planning comes first and is pure data (plan.cpp): the layout of
// every map key/value and of every event record. Then one LLVM module gets
// the object-wide globals (maps, the `sonde_events` ring buffer, the
// `sonde_lost` counter, `sonde_config` in .rodata, the license) and one
// function per expanded attach point (programs.cpp → stmt/expr/operators
// through the Lowering class). The manifest, built from the same plan, is
// embedded as section `.sonde`, and the module is optimised and emitted
// (bpf_module.cpp).
//
// Invariants. Codegen never reports user errors: it only lowers what the
// checker accepted. Every offset written by the BPF side comes from the
// plan, which is also what the manifest tells the runtime, so the two sides
// cannot disagree. Contract details: docs/internals.md.
#include "compiler/codegen/codegen.h"

#include <linux/bpf.h>

#include "compiler/bpf_lib/bpf_lib.h"
#include "compiler/codegen/bpf_module.h"
#include "compiler/codegen/lowering.h"
#include "compiler/codegen/plan.h"
#include "compiler/codegen/programs.h"

namespace sonde::compiler {

namespace {

using codegen::BpfModule;
using codegen::DebugField;
using codegen::MapPlan;

DebugField debug_field(const manifest::Field& f) {
  // BTF shows a stack as a byte array, like a string: its layout is ours.
  return {f.name, f.offset, f.size, f.kind == manifest::FieldKind::String || manifest::is_stack(f.kind),
          f.kind == manifest::FieldKind::Int};
}

llvm::DIType* key_debug_type(BpfModule& module, const MapPlan& map) {
  const manifest::MapSpec& spec = map.spec;
  if (spec.key.empty() && !spec.bucket_in_key) return module.debug_int(8, false);
  std::vector<DebugField> fields;
  for (const manifest::Field& f : spec.key) fields.push_back(debug_field(f));
  if (spec.bucket_in_key) fields.push_back({"bucket", map.bucket_offset, 8, false, false});
  return module.debug_layout("key_" + spec.elf_name, spec.key_size, fields);
}

llvm::DIType* value_debug_type(BpfModule& module, const MapPlan& map) {
  const manifest::MapSpec& spec = map.spec;
  if (!map.is_agg()) {
    if (spec.value.kind == manifest::FieldKind::String)
      return module.debug_layout("value_" + spec.elf_name, spec.value_size,
                                 {debug_field(spec.value)});
    return module.debug_int(8, spec.value.kind == manifest::FieldKind::Int);
  }
  switch (map.agg()) {
    case ast::AggKind::Avg:
    case ast::AggKind::Stats:
      return module.debug_layout("avg_value", 16,
                                 {{"count", 0, 8, false, true}, {"total", 8, 8, false, true}});
    case ast::AggKind::Min:
    case ast::AggKind::Max:
      return module.debug_layout("minmax_value", 16,
                                 {{"value", 0, 8, false, true}, {"set", 8, 8, false, false}});
    case ast::AggKind::Count:
    case ast::AggKind::Hist:
    case ast::AggKind::Lhist:
      return module.debug_int(8, false);
    default:
      return module.debug_int(8, true);
  }
}

codegen::Globals define_globals(BpfModule& module, codegen::Plan& plan, const manifest::Manifest& m,
                                bool scratch) {
  codegen::Globals globals;
  globals.ringbuf_size = m.ringbuf_size;
  globals.events =
      module.define_map(m.ringbuf_map, BPF_MAP_TYPE_RINGBUF, m.ringbuf_size, nullptr, nullptr);
  globals.lost = module.define_map(m.lost_map, BPF_MAP_TYPE_ARRAY, 1 + plan.maps.size(), module.debug_int(4, false),
                                   module.debug_int(8, false));
  globals.config = module.define_config();
  if (scratch) {
    llvm::DIType* bytes = module.debug_layout("sonde_scratch", codegen::kScratchSize,
                                              {{"bytes", 0, codegen::kScratchSize, true, false}});
    globals.scratch = module.define_map("sonde_scratch", BPF_MAP_TYPE_PERCPU_ARRAY, 1,
                                        module.debug_int(4, false), bytes);
  }
  module.define_license();
  for (auto& [name, map] : plan.maps)
    map.global = module.define_map(map.spec.elf_name, map.map_type, codegen::kMaxEntries,
                                   key_debug_type(module, map), value_debug_type(module, map));
  return globals;
}

bool has_usdt_probe(const CheckedProgram& program) {
  for (const ProbeInfo& probe : program.probes)
    for (const ResolvedAttach& attach : probe.attach)
      if (attach.kind == "usdt") return true;
  return false;
}

// fdpeer() and sockaddr() are BPF subprograms with about 200 bytes of stack
// of their own. The verifier limits a program's stack plus its callees' to
// 512 bytes, which the backend (checking one function at a time) does not
// see: programs calling them are built in scratch mode, which keeps their
// own frame small.
bool calls_stack_heavy_subprograms(const llvm::Module& module) {
  for (const char* name : {"sonde_fdpeer", "sonde_sockaddr"})
    if (const llvm::Function* f = module.getFunction(name); f && !f->use_empty()) return true;
  return false;
}

// printf and records stream one event per hit: the ring holds at least
// 8192 of the largest (plus the kernel's 8-byte header), 1 to 4 MiB, so a
// `printf("%d\n", pid)` script gets 1 MiB and php-io's 600-byte records
// 8 MiB capped to 4. A script that only aggregates sends a handful of
// control events (exit, print, time) and gets 64 KiB. The kernel maps the
// data pages twice, so every MiB here is 2 MiB of the runner's RSS.
uint32_t ring_size_for(const std::vector<manifest::EventSpec>& events) {
  uint64_t largest = 0;
  for (const manifest::EventSpec& e : events)
    if (e.kind == "printf" || e.kind == "record") largest = std::max<uint64_t>(largest, e.size + 8);
  if (largest == 0) return 1u << 16;
  uint32_t size = 1u << 20;
  while (size < (1u << 22) && size < largest * 8192) size <<= 1;
  return size;
}

// One full lowering. `scratch` moves big buffers off the stack.
Result<CompiledObject> build(const CheckedProgram& program, const CodegenOptions& options,
                             bool scratch, bool& stack_exceeded) {
  codegen::Plan plan = codegen::make_plan(program);

  CompiledObject out;
  manifest::Manifest& m = out.manifest;
  m.sonde_version = SONDE_VERSION;
  m.source_name = options.source_name;
  m.string_size = program.options.string_size;
  m.config_target_pid_offset = codegen::kConfigTargetPid;
  m.config_start_ns_offset = codegen::kConfigStartNs;
  m.config_more_pids_offset = codegen::kConfigMorePids;
  m.config_more_pid_count = codegen::kConfigMorePidCount;
  m.maps.resize(plan.maps.size());
  for (const auto& [name, map] : plan.maps) m.maps[map.index] = map.spec;
  m.events = plan.event_specs;
  m.ringbuf_size = ring_size_for(m.events);

  BpfModule module(options.source_name, options.source_text);
  codegen::Globals globals = define_globals(module, plan, m, scratch);
  m.probes = codegen::lower_programs(module, plan, globals, program);
  if (!scratch && calls_stack_heavy_subprograms(module.module())) {
    stack_exceeded = true;  // generate() rebuilds in scratch mode
    return make_error("the programs and the subprograms they call need more than 512 bytes of stack");
  }
  // libbpf attaches USDT probes only to objects that carry its spec maps,
  // so they come with the argument helper even when no argument is read.
  if (has_usdt_probe(program))
    if (Status linked = bpf_lib::link_usdt_helpers(module.module()); !linked) return linked.error();
  if (Status linked = bpf_lib::link_user_str_helper(module.module()); !linked) return linked.error();
  if (Status linked = bpf_lib::link_fd_helpers(module.module()); !linked) return linked.error();
  module.define_manifest_section(manifest::to_json(m));

  Result<std::vector<uint8_t>> elf = module.emit(options.dump);
  stack_exceeded = module.stack_exceeded();
  if (!elf) return elf.error();
  out.elf = std::move(*elf);
  return out;
}

}  // namespace

// Most programs fit the 512-byte BPF stack and pay nothing for scratch
// space; only when one does not is the object rebuilt in scratch mode.
Result<CompiledObject> generate(const CheckedProgram& program, const CodegenOptions& options) {
  bool stack_exceeded = false;
  Result<CompiledObject> out = build(program, options, /*scratch=*/false, stack_exceeded);
  if (out || !stack_exceeded) return out;
  return build(program, options, /*scratch=*/true, stack_exceeded);
}

}  // namespace sonde::compiler
