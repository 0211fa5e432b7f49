#include "compiler/codegen/plan.h"

#include <linux/bpf.h>

#include <algorithm>
#include <cctype>

namespace sonde::compiler::codegen {

namespace {

manifest::Field field_for(const std::string& name, const ast::Type& type, uint32_t offset) {
  manifest::Field f;
  f.name = name;
  f.offset = offset;
  if (type.is_string()) {
    f.kind = manifest::FieldKind::String;
    f.size = type.size;
  } else if (type.is_stack()) {
    f.kind = type.user_stack ? manifest::FieldKind::UserStack : manifest::FieldKind::KernelStack;
    f.size = type.byte_size();
  } else {
    // Integers are widened to 8 bytes everywhere they are stored.
    f.kind = type.is_signed ? manifest::FieldKind::Int : manifest::FieldKind::Uint;
    f.size = 8;
  }
  return f;
}

uint32_t agg_value_size(ast::AggKind kind) {
  switch (kind) {
    case ast::AggKind::Avg:
    case ast::AggKind::Stats:
    case ast::AggKind::Min:
    case ast::AggKind::Max:
      return 16;
    default:
      return 8;
  }
}

MapPlan plan_map(const MapInfo& info, int index, const std::vector<std::string>& taken) {
  MapPlan plan;
  plan.index = index;
  plan.info = &info;
  manifest::MapSpec& spec = plan.spec;
  spec.name = info.name;
  spec.elf_name = map_elf_name(info.name, taken);

  uint32_t offset = 0;
  for (size_t i = 0; i < info.keys.size(); ++i) {
    offset = align8(offset);
    spec.key.push_back(field_for("key" + std::to_string(i), info.keys[i], offset));
    offset += spec.key.back().size;
  }
  const bool bucketed = info.value.is_agg() && (info.value.agg == ast::AggKind::Hist ||
                                                info.value.agg == ast::AggKind::Lhist);
  if (bucketed) {
    plan.bucket_offset = align8(offset);
    offset = plan.bucket_offset + 8;
    spec.bucket_in_key = true;
  }
  spec.key_size = info.keys.empty() && !bucketed ? 8 : align8(offset);

  if (info.value.is_agg()) {
    spec.kind = ast::to_string(info.value.agg);
    spec.percpu = true;
    spec.value_size = agg_value_size(info.value.agg);
    spec.value = manifest::Field{"value", manifest::FieldKind::Int, 0, spec.value_size};
    spec.lhist_min = info.value.lhist_min;
    spec.lhist_max = info.value.lhist_max;
    spec.lhist_step = info.value.lhist_step;
    plan.map_type = BPF_MAP_TYPE_PERCPU_HASH;
  } else {
    spec.kind = "value";
    spec.value = field_for("value", info.value, 0);
    spec.value_size = spec.value.size;
    plan.map_type = BPF_MAP_TYPE_HASH;
  }
  return plan;
}

// Collects event call sites in program order and lays out their records.
class EventPlanner : public ast::Visitor {
 public:
  EventPlanner(Plan& plan) : plan_(plan) {}

  void visit(ast::Call& call) override {
    ast::Visitor::visit(call);
    static const char* const kEvents[] = {"printf", "print", "clear", "zero", "exit", "time", "emit"};
    if (std::find(std::begin(kEvents), std::end(kEvents), call.name) == std::end(kEvents)) return;
    // A probe body is lowered once per attach point; its events are planned once.
    if (plan_.events.count(&call)) return;
    manifest::EventSpec spec;
    spec.kind = call.name;
    spec.line = call.range.begin.line;
    if (call.name == "print" && !prints_whole_map(call)) {
      // print(value) is printf("%d\n" / "%s\n", value): one record kind less.
      spec.kind = "printf";
      plan_printf(call, spec, 0);
      const ast::Type& type = call.args[0]->type;
      spec.format = type.is_string() || type.is_stack() ? "%s\n" : "%d\n";
    }
    if (call.name == "printf") plan_printf(call, spec, 1);
    if (call.name == "emit") plan_record(call, spec);
    if (call.name == "time") spec.format = call.args.empty() ? "%H:%M:%S\n" : string_arg(call, 0);
    if ((call.name == "print" || call.name == "clear" || call.name == "zero") &&
        prints_whole_map(call)) {
      auto& access = static_cast<const ast::MapAccess&>(*call.args[0]);
      auto it = plan_.maps.find(access.name);
      if (it != plan_.maps.end()) spec.map = it->second.index;
    }
    plan_.events[&call] = static_cast<int>(plan_.event_specs.size());
    plan_.event_specs.push_back(std::move(spec));
  }

 private:
  // print(@m) / clear(@m) / zero(@m) name a whole map; print(@m[k]) a value.
  static bool prints_whole_map(const ast::Call& call) {
    return !call.args.empty() && call.args[0]->kind == ast::ExprKind::MapAccess &&
           static_cast<const ast::MapAccess*>(call.args[0])->keys.empty();
  }

  static std::string string_arg(const ast::Call& call, size_t i) {
    const ast::Expr* e = call.args[i];
    if (e->kind == ast::ExprKind::StringLiteral)
      return static_cast<const ast::StringLiteral*>(e)->value;
    return {};
  }

  // Lays out call.args[first..] after the u64 event id.
  void plan_printf(const ast::Call& call, manifest::EventSpec& spec, size_t first) {
    if (first == 1) spec.format = string_arg(call, 0);
    uint32_t offset = 8;
    for (size_t i = first; i < call.args.size(); ++i) {
      offset = align8(offset);
      spec.args.push_back(field_for("arg" + std::to_string(i - first), call.args[i]->type, offset));
      offset += spec.args.back().size;
    }
    spec.size = align8(offset);
  }

  // A record is laid out like a printf's arguments, under the field names.
  void plan_record(const ast::Call& call, manifest::EventSpec& spec) {
    auto* emit = dynamic_cast<const ast::EmitCall*>(&call);
    spec.kind = "record";
    spec.name = string_arg(call, 0);
    plan_printf(call, spec, 1);
    spec.format.clear();
    for (size_t i = 0; emit && i < spec.args.size() && i < emit->fields.size(); ++i) {
      spec.args[i].name = emit->fields[i].name;
      spec.args[i].unit = emit->fields[i].unit;
    }
  }

  Plan& plan_;
};

}  // namespace

std::string map_elf_name(const std::string& script_name, const std::vector<std::string>& taken) {
  std::string base;
  for (char c : script_name) {
    if (c == '@') continue;
    base += (std::isalnum(static_cast<unsigned char>(c)) || c == '_') ? c : '_';
  }
  if (base.empty()) base = "anon";
  std::string name = "m_" + base.substr(0, 13);
  for (int n = 1; std::find(taken.begin(), taken.end(), name) != taken.end(); ++n) {
    std::string suffix = std::to_string(n);
    name = "m" + suffix + "_" + base.substr(0, 13 - suffix.size());
  }
  return name;
}

Plan make_plan(const CheckedProgram& program) {
  Plan plan;
  std::vector<std::string> taken;
  int index = 0;
  for (const auto& [name, info] : program.maps) {
    MapPlan map = plan_map(info, index++, taken);
    if (program.program) {
      auto unit = program.program->map_units.find(name);
      if (unit != program.program->map_units.end()) map.spec.value.unit = unit->second;
    }
    taken.push_back(map.spec.elf_name);
    plan.maps.emplace(name, std::move(map));
  }
  EventPlanner planner(plan);
  if (program.program) planner.walk(*program.program);
  return plan;
}

}  // namespace sonde::compiler::codegen
