// Resource planning, before any IR: the layout of every map (key fields and
// their offsets, value size, BPF map type) and of every event record (one
// per printf/print/clear/zero/exit/time call site). These become the
// manifest's `maps` and `events`; lowering reads the same offsets, so the
// BPF side and the runtime agree by construction.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "compiler/check.h"
#include "manifest/manifest.h"

namespace llvm {
class GlobalVariable;
}

namespace sonde::compiler::codegen {

struct MapPlan {
  int index = 0;  // into manifest.maps
  const MapInfo* info = nullptr;
  manifest::MapSpec spec;
  uint32_t map_type = 0;                   // BPF_MAP_TYPE_*
  uint32_t bucket_offset = 0;              // hist/lhist: where the bucket index sits in the key
  llvm::GlobalVariable* global = nullptr;  // filled when the module defines it

  bool is_agg() const { return info->value.is_agg(); }
  ast::AggKind agg() const { return info->value.agg; }
};

struct Plan {
  std::map<std::string, MapPlan> maps;     // by script name ("@x")
  std::map<const ast::Call*, int> events;  // call site -> index into manifest.events
  std::vector<manifest::EventSpec> event_specs;
};

inline constexpr uint32_t kMaxEntries = 4096;

// Rounds up to a multiple of 8, the alignment of every integer we store.
inline uint32_t align8(uint32_t n) { return (n + 7) & ~7u; }

Plan make_plan(const CheckedProgram& program);

// "m_" + the sanitised script name, at most 15 characters, unique in `taken`.
std::string map_elf_name(const std::string& script_name, const std::vector<std::string>& taken);

}  // namespace sonde::compiler::codegen
