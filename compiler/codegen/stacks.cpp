// Stacks: `ustack`, `kstack`, `ustack(N)`, `kstack(N)`.
//
// A stack value is { u32 pid; u32 pad; u64 ips[N] } (manifest.h): the
// kernel's bpf_get_stack writes the return addresses straight into a map
// key or an event record, leaf first, and zeroes the bytes after the last
// one (on an error, all of them). No STACK_TRACE map and no stack id: the
// key holds the frames, so equal stacks are equal keys and the runtime needs
// nothing but the key to print them. The pid (the tgid, 0 for kstack) tells
// the runtime whose address space the user addresses belong to.
#include <linux/bpf.h>

#include <algorithm>

#include "compiler/codegen/lowering.h"

namespace sonde::compiler::codegen {

void Lowering::stack_into(const ast::Type& type, llvm::Value* dst) {
  llvm::Value* pid = b_.getInt64(0);
  if (type.user_stack) pid = b_.CreateLShr(current_pid_tgid(), 32);
  b_.CreateAlignedStore(pid, dst, llvm::Align(8));
  uint64_t flags = type.user_stack ? BPF_F_USER_STACK : 0;
  call_helper(BPF_FUNC_get_stack, b_.getInt64Ty(),
              {ctx_arg_, byte_offset(dst, 8), b_.getInt64(8ull * type.size), b_.getInt64(flags)});
}

// The checker lets a stack stand only where it is written in place (a map
// key: map_key; a printf/print argument: printf_stmt), so expr() on a stack
// is not reached by a checked program; a buffer keeps it well-defined.
llvm::Value* Lowering::stack_value(const ast::Type& type) {
  llvm::Value* buf = stack_buffer(type.byte_size(), "stack");
  stack_into(type, buf);
  return buf;
}

llvm::Value* Lowering::zero_key(const MapPlan& map, const std::vector<ast::Expr*>& keys) {
  bool has_stack = std::any_of(map.spec.key.begin(), map.spec.key.end(),
                               [](const manifest::Field& f) { return manifest::is_stack(f.kind); });
  if (!has_stack) return zeroed_buffer(map.spec.key_size, "key");
  llvm::Value* key = stack_buffer(map.spec.key_size, "key");
  constexpr uint32_t kChunk = 256;  // small enough for an inline memset
  auto zero_range = [&](uint32_t from, uint32_t to) {
    for (uint32_t at = from; at < to; at += kChunk) zero(byte_offset(key, at), std::min(kChunk, to - at));
  };
  uint32_t next = 0;  // first byte not yet zeroed or covered
  for (size_t i = 0; i < keys.size() && i < map.spec.key.size(); ++i) {
    const manifest::Field& f = map.spec.key[i];
    if (!manifest::is_stack(f.kind)) continue;
    zero_range(next, f.offset);
    // stack_into() writes the pid word and the expression's own frames.
    next = f.offset + keys[i]->type.byte_size();
  }
  zero_range(next, map.spec.key_size);
  return key;
}

}  // namespace sonde::compiler::codegen
