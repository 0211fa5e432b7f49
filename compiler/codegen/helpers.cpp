// IR helpers shared by expression and statement lowering: BPF helper calls,
// stack buffers, map operations and the ring-buffer event protocol.
//
// Helpers are called through `inttoptr(helper id)`: that is how the BPF
// backend encodes `call <id>`. Maps are referenced as plain globals and
// libbpf relocates them to fds at load time.
#include <linux/bpf.h>

#include <cerrno>

#include <utility>

#include "compiler/codegen/lowering.h"

namespace sonde::compiler::codegen {

Lowering::Lowering(BpfModule& module, Plan& plan, const Globals& globals,
                   const CheckedProgram& program, const ast::Probe& probe,
                   const ResolvedAttach& attach, llvm::Function* fn)
    : module_(module),
      plan_(plan),
      globals_(globals),
      program_(program),
      probe_(probe),
      attach_(attach),
      fn_(fn),
      ctx_(module.context()),
      b_(&fn->getEntryBlock()),
      ctx_arg_(fn->getArg(0)) {}

llvm::Value* Lowering::call_helper(int id, llvm::Type* ret, std::vector<llvm::Value*> args) {
  std::vector<llvm::Type*> types;
  for (llvm::Value* a : args) types.push_back(a->getType());
  auto* type = llvm::FunctionType::get(ret, types, false);
  llvm::Value* callee = b_.CreateIntToPtr(b_.getInt64(id), b_.getPtrTy());
  return b_.CreateCall(type, callee, args);
}

llvm::Value* Lowering::current_pid_tgid() {
  return call_helper(BPF_FUNC_get_current_pid_tgid, b_.getInt64Ty(), {});
}

llvm::Value* Lowering::stack_buffer(uint32_t size, const char* name, bool persistent) {
  uint32_t bytes = align8(size ? size : 1);
  if (llvm::Value* slot = scratch_buffer(bytes, persistent)) return slot;
  llvm::BasicBlock& entry = fn_->getEntryBlock();
  llvm::IRBuilder<> at_entry(&entry, entry.getFirstInsertionPt());
  auto* type = llvm::ArrayType::get(b_.getInt8Ty(), bytes);
  llvm::AllocaInst* slot = at_entry.CreateAlloca(type, nullptr, name);
  slot->setAlignment(llvm::Align(8));
  if (persistent) {
    // Zeroed in the entry block: a read on a path that skipped the
    // assignment must still see initialised stack.
    at_entry.SetInsertPoint(slot->getNextNode());
    at_entry.CreateMemSet(slot, at_entry.getInt8(0), bytes, llvm::MaybeAlign(8));
  } else {
    b_.CreateLifetimeStart(slot, b_.getInt64(bytes));
    temporaries_.push_back(slot);
  }
  return slot;
}

// Scratch mode: the per-CPU value is looked up once at the top of the
// program (a miss cannot happen for an array, but the verifier needs the
// null check), and big buffers are fixed slices of it. Addresses are
// computed where the value is known non-null, which dominates all uses.
void Lowering::acquire_scratch() {
  llvm::Value* key = stack_buffer(4, "scratch_key", /*persistent=*/true);
  llvm::Value* base = call_helper(BPF_FUNC_map_lookup_elem, b_.getPtrTy(), {globals_.scratch, key});
  when(b_.CreateIsNull(base), [&] { return_zero(); });
  scratch_base_ = base;
  scratch_ready_ = b_.GetInsertBlock();
}

llvm::Value* Lowering::scratch_buffer(uint32_t bytes, bool persistent) {
  if (!scratch_base_ || bytes < kScratchMinBytes || scratch_low_ + bytes > scratch_high_)
    return nullptr;  // not in scratch mode, small, or scratch is full: use the stack
  uint32_t offset =
      persistent ? (scratch_high_ -= bytes) : std::exchange(scratch_low_, scratch_low_ + bytes);
  llvm::IRBuilder<> at(scratch_ready_, scratch_ready_->getFirstInsertionPt());
  llvm::Value* slot = at.CreateConstInBoundsGEP1_64(b_.getInt8Ty(), scratch_base_, offset);
  // Scratch keeps bytes from earlier runs: variables start from zero.
  if (persistent)
    at.CreateMemSet(slot, at.getInt8(0), bytes, llvm::MaybeAlign(8), /*isVolatile=*/true);
  return slot;
}

llvm::Value* Lowering::string_result(uint32_t size, const char* name) {
  llvm::Value* dst = target_;
  uint32_t dst_size = target_size_;
  target_ = nullptr;  // sub-expressions get their own buffers
  if (!dst || size > dst_size) return zeroed_buffer(size, name);
  zero(dst, dst_size);
  return dst;
}

llvm::Value* Lowering::string_into(ast::Expr& e, llvm::Value* dst, uint32_t dst_size) {
  target_ = dst;
  target_size_ = dst_size;
  llvm::Value* v = expr(e);
  target_ = nullptr;
  return v;
}

llvm::Value* Lowering::zeroed_buffer(uint32_t size, const char* name) {
  llvm::Value* buf = stack_buffer(size, name);
  zero(buf, align8(size));
  return buf;
}

// In scratch mode buffers are neighbours inside one map value, and LLVM
// would merge their zeroing into memsets too big for the BPF backend to
// inline; volatile keeps each one separate.
void Lowering::zero(llvm::Value* dst, uint32_t size) {
  b_.CreateMemSet(dst, b_.getInt8(0), size, llvm::MaybeAlign(8), scratch_base_ != nullptr);
}

void Lowering::copy(llvm::Value* dst, llvm::Value* src, uint32_t size) {
  if (dst == src || size == 0) return;
  b_.CreateMemCpy(dst, llvm::MaybeAlign(8), src, llvm::MaybeAlign(8), size);
}

void Lowering::store_literal(llvm::Value* dst, const std::string& text, uint32_t size) {
  zero(dst, size);
  // Bytes after the text stay zero: that is the NUL and the padding.
  uint32_t len = std::min<uint32_t>(text.size(), size ? size - 1 : 0);
  uint32_t i = 0;
  for (; i + 8 <= len; i += 8) {
    uint64_t chunk = 0;
    for (int j = 7; j >= 0; --j) chunk = (chunk << 8) | static_cast<uint8_t>(text[i + j]);
    b_.CreateAlignedStore(b_.getInt64(chunk), byte_offset(dst, i), llvm::Align(8));
  }
  for (; i < len; ++i)
    b_.CreateStore(b_.getInt8(static_cast<uint8_t>(text[i])), byte_offset(dst, i));
}

llvm::Value* Lowering::byte_offset(llvm::Value* base, uint32_t offset) {
  if (offset == 0) return base;
  return b_.CreateConstInBoundsGEP1_64(b_.getInt8Ty(), base, offset);
}

llvm::Value* Lowering::map_lookup(const MapPlan& map, llvm::Value* key) {
  return call_helper(BPF_FUNC_map_lookup_elem, b_.getPtrTy(), {map.global, key});
}

// A hash map at max_entries refuses new keys with -E2BIG: count the drop
// (key 1 + map index of the loss counters) so user space can say so.
void Lowering::map_update(const MapPlan& map, llvm::Value* key, llvm::Value* value,
                          uint64_t flags) {
  llvm::Value* ret = call_helper(BPF_FUNC_map_update_elem, b_.getInt64Ty(),
                                 {map.global, key, value, b_.getInt64(flags)});
  when(b_.CreateICmpEQ(ret, b_.getInt64(-E2BIG)), [&] { count_loss(1 + map.index); });
}

// One key slot per program, made on first use (an entry-block alloca, so it
// dominates every use): a temporary per map update would add 8 stack bytes
// each to probes that already sit near the 512-byte limit.
void Lowering::count_loss(uint32_t counter_index) {
  if (!loss_key_) loss_key_ = stack_buffer(4, "loss_key", /*persistent=*/true);
  b_.CreateAlignedStore(b_.getInt32(counter_index), loss_key_, llvm::Align(4));
  llvm::Value* counter =
      call_helper(BPF_FUNC_map_lookup_elem, b_.getPtrTy(), {globals_.lost, loss_key_});
  when(b_.CreateIsNotNull(counter), [&] {
    b_.CreateAtomicRMW(llvm::AtomicRMWInst::Add, counter, b_.getInt64(1), llvm::MaybeAlign(8),
                       llvm::AtomicOrdering::Monotonic);
  });
}

void Lowering::map_delete(const MapPlan& map, llvm::Value* key) {
  call_helper(BPF_FUNC_map_delete_elem, b_.getInt64Ty(), {map.global, key});
}

void Lowering::when(llvm::Value* cond, const std::function<void()>& then) {
  auto* then_bb = llvm::BasicBlock::Create(ctx_, "then", fn_);
  auto* done_bb = llvm::BasicBlock::Create(ctx_, "done", fn_);
  b_.CreateCondBr(cond, then_bb, done_bb);
  b_.SetInsertPoint(then_bb);
  then();
  if (!b_.GetInsertBlock()->getTerminator()) b_.CreateBr(done_bb);
  b_.SetInsertPoint(done_bb);
}

void Lowering::emit_event(int index, const std::function<void(llvm::Value*)>& fill,
                          bool force_wakeup) {
  const manifest::EventSpec& spec = plan_.event_specs.at(index);
  llvm::Value* record = call_helper(BPF_FUNC_ringbuf_reserve, b_.getPtrTy(),
                                    {globals_.events, b_.getInt64(spec.size), b_.getInt64(0)});
  auto* lost_bb = llvm::BasicBlock::Create(ctx_, "lost", fn_);
  auto* ok_bb = llvm::BasicBlock::Create(ctx_, "reserved", fn_);
  auto* done_bb = llvm::BasicBlock::Create(ctx_, "emitted", fn_);
  b_.CreateCondBr(b_.CreateIsNull(record), lost_bb, ok_bb);

  // The ring is full: count the loss atomically (user space reports it).
  b_.SetInsertPoint(lost_bb);
  count_loss(0);
  b_.CreateBr(done_bb);

  b_.SetInsertPoint(ok_bb);
  b_.CreateAlignedStore(b_.getInt64(index), record, llvm::Align(8));
  fill(record);
  // Wake the reader only when a quarter of the ring is used (or on exit):
  // user space polls with a timeout and drains each round anyway.
  llvm::Value* flags = b_.getInt64(BPF_RB_FORCE_WAKEUP);
  if (!force_wakeup) {
    llvm::Value* used = call_helper(BPF_FUNC_ringbuf_query, b_.getInt64Ty(),
                                    {globals_.events, b_.getInt64(BPF_RB_AVAIL_DATA)});
    flags = b_.CreateSelect(b_.CreateICmpUGT(used, b_.getInt64(globals_.ringbuf_size / 4)),
                            b_.getInt64(BPF_RB_FORCE_WAKEUP), b_.getInt64(BPF_RB_NO_WAKEUP));
  }
  call_helper(BPF_FUNC_ringbuf_submit, b_.getVoidTy(), {record, flags});
  b_.CreateBr(done_bb);
  b_.SetInsertPoint(done_bb);
}

}  // namespace sonde::compiler::codegen
