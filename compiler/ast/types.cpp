#include "compiler/ast/types.h"

namespace sonde::ast {

uint32_t Type::byte_size() const {
  switch (kind) {
    case TypeKind::Int: return bits / 8;
    case TypeKind::String: return size;
    case TypeKind::Stack: return 8 + 8 * size;  // { u32 pid; u32 pad; u64 ips[frames] }
    default: return 8;
  }
}

bool operator==(const Type& a, const Type& b) {
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case TypeKind::Int: return a.bits == b.bits && a.is_signed == b.is_signed;
    case TypeKind::String: return a.size == b.size;
    case TypeKind::Stack: return a.size == b.size && a.user_stack == b.user_stack;
    case TypeKind::Agg:
      return a.agg == b.agg && a.lhist_min == b.lhist_min && a.lhist_max == b.lhist_max &&
             a.lhist_step == b.lhist_step;
    case TypeKind::None: return true;
  }
  return false;
}

const char* to_string(AggKind k) {
  switch (k) {
    case AggKind::Count: return "count";
    case AggKind::Sum: return "sum";
    case AggKind::Avg: return "avg";
    case AggKind::Min: return "min";
    case AggKind::Max: return "max";
    case AggKind::Stats: return "stats";
    case AggKind::Hist: return "hist";
    case AggKind::Lhist: return "lhist";
  }
  return "?";
}

std::string to_string(const Type& t) {
  switch (t.kind) {
    case TypeKind::None: return "none";
    case TypeKind::Int: return std::string(t.is_signed ? "int" : "uint") + std::to_string(t.bits);
    case TypeKind::String: return "string[" + std::to_string(t.size) + "]";
    case TypeKind::Agg: return to_string(t.agg);
    case TypeKind::Stack:
      return std::string(t.user_stack ? "ustack" : "kstack") + "(" + std::to_string(t.size) + ")";
  }
  return "?";
}

}  // namespace sonde::ast
