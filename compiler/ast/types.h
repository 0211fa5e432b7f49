// The types of sonde expressions. Small on purpose: integers of a width and
// signedness, fixed-size strings, and aggregations (which only live as map
// values). The checker assigns one to every expression.
#pragma once
#include <cstdint>
#include <string>

namespace sonde::ast {

enum class TypeKind : uint8_t {
  None,    // not yet typed, or a statement-like call (printf) with no value
  Int,
  String,
  Agg,     // result of count() sum() ... ; only valid as a map value
  Stack,   // ustack / kstack: only valid as a map key or a printf/print argument
};

enum class AggKind : uint8_t { Count, Sum, Avg, Min, Max, Stats, Hist, Lhist };

struct Type {
  TypeKind kind = TypeKind::None;
  uint8_t bits = 64;        // Int: 8, 16, 32, 64
  bool is_signed = true;    // Int
  uint32_t size = 0;        // String: buffer bytes including the NUL; Stack: frames
  bool user_stack = false;  // Stack: ustack (true) or kstack (false)
  AggKind agg = AggKind::Count;
  // Lhist parameters (min, max, step), fixed per map.
  int64_t lhist_min = 0, lhist_max = 0, lhist_step = 0;

  static Type none() { return {}; }
  static Type integer(uint8_t bits = 64, bool is_signed = true) {
    Type t;
    t.kind = TypeKind::Int;
    t.bits = bits;
    t.is_signed = is_signed;
    return t;
  }
  static Type string(uint32_t size) {
    Type t;
    t.kind = TypeKind::String;
    t.size = size;
    return t;
  }
  static Type aggregate(AggKind k) {
    Type t;
    t.kind = TypeKind::Agg;
    t.agg = k;
    return t;
  }

  // A stack of at most `frames` return addresses (bpftrace's default: 127).
  static Type stack(bool user, uint32_t frames) {
    Type t;
    t.kind = TypeKind::Stack;
    t.user_stack = user;
    t.size = frames;
    return t;
  }

  bool is_int() const { return kind == TypeKind::Int; }
  bool is_string() const { return kind == TypeKind::String; }
  bool is_agg() const { return kind == TypeKind::Agg; }
  bool is_stack() const { return kind == TypeKind::Stack; }
  // Bytes this value occupies in a map key/value or an event record.
  uint32_t byte_size() const;
};

bool operator==(const Type& a, const Type& b);
std::string to_string(const Type& t);  // "int64", "uint32", "string[64]", "count", "hist"
const char* to_string(AggKind k);      // "count", "sum", ...

}  // namespace sonde::ast
