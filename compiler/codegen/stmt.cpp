// Statement lowering: assignments (variables, maps, aggregations), control
// flow, and the statement-like calls that talk to user space through the
// ring buffer (printf print clear zero exit time emit) or edit maps (delete).
#include <linux/bpf.h>

#include "compiler/codegen/lowering.h"
#include "compiler/thread_owned.h"

namespace sonde::compiler::codegen {

void Lowering::locate(const SourceRange& range) {
  b_.SetCurrentDebugLocation(
      llvm::DILocation::get(ctx_, range.begin.line, range.begin.column, fn_->getSubprogram()));
}

void Lowering::return_zero() {
  b_.CreateRet(b_.getInt32(0));
  // Code after a return is unreachable; give it a block that LLVM drops.
  b_.SetInsertPoint(llvm::BasicBlock::Create(ctx_, "after.return", fn_));
}

void Lowering::block(ast::Block& blk) {
  for (ast::Stmt* s : blk.stmts) stmt(*s);
}

void Lowering::stmt(ast::Stmt& s) {
  size_t outer = temporaries_.size();
  uint32_t scratch_mark = scratch_low_;
  lower_stmt(s);
  // The statement's temporaries are dead now; their slots may be reused.
  for (size_t i = outer; i < temporaries_.size(); ++i) b_.CreateLifetimeEnd(temporaries_[i]);
  temporaries_.resize(outer);
  scratch_low_ = scratch_mark;
}

void Lowering::lower_stmt(ast::Stmt& s) {
  locate(s.range);
  switch (s.kind) {
    case ast::StmtKind::Block:
      return block(static_cast<ast::Block&>(s));
    case ast::StmtKind::ExprStmt: {
      ast::Expr& e = *static_cast<ast::ExprStmt&>(s).expr;
      if (e.kind == ast::ExprKind::Call && static_cast<ast::Call&>(e).name != "str")
        return call_stmt(static_cast<ast::Call&>(e));
      expr(e);
      return;
    }
    case ast::StmtKind::Assign:
      return assign(static_cast<ast::Assign&>(s));
    case ast::StmtKind::If:
      return if_stmt(static_cast<ast::If&>(s));
    case ast::StmtKind::Unroll: {
      auto& u = static_cast<ast::Unroll&>(s);
      for (int i = 0; i < u.count; ++i) block(*u.body);
      return;
    }
  }
}

void Lowering::if_stmt(ast::If& s) {
  llvm::Value* cond = truth(*s.cond);
  auto* then_bb = llvm::BasicBlock::Create(ctx_, "if.then", fn_);
  auto* else_bb = s.else_block ? llvm::BasicBlock::Create(ctx_, "if.else", fn_) : nullptr;
  auto* done_bb = llvm::BasicBlock::Create(ctx_, "if.done", fn_);
  b_.CreateCondBr(cond, then_bb, else_bb ? else_bb : done_bb);
  b_.SetInsertPoint(then_bb);
  block(*s.then_block);
  b_.CreateBr(done_bb);
  if (else_bb) {
    b_.SetInsertPoint(else_bb);
    block(*s.else_block);
    b_.CreateBr(done_bb);
  }
  b_.SetInsertPoint(done_bb);
}

void Lowering::assign(ast::Assign& s) {
  if (s.target->kind == ast::ExprKind::Variable) {
    auto& var = static_cast<ast::Variable&>(*s.target);
    llvm::Value* slot = variable_slot(var.name, var.type);
    llvm::Value* v =
        var.type.is_string() ? string_into(*s.value, slot, var.type.size) : expr(*s.value);
    store_value(var.type, slot, *s.value, v);
    return;
  }
  if (s.target->kind != ast::ExprKind::MapAccess) return;
  auto& target = static_cast<ast::MapAccess&>(*s.target);
  if (s.value->type.is_agg() && s.value->kind == ast::ExprKind::Call)
    return aggregate(target, static_cast<ast::Call&>(*s.value));
  assign_map(target, *s.value);
}

void Lowering::store_value(const ast::Type& slot_type, llvm::Value* slot, ast::Expr& value,
                           llvm::Value* v) {
  if (slot_type.is_string()) {
    if (v == slot) return;
    zero(slot, align8(slot_type.size));
    copy(slot, v, std::min(slot_type.size, value.type.size));
    return;
  }
  b_.CreateAlignedStore(normalise(v, slot_type), slot, llvm::Align(8));
}

// The span lowering's maps are keyed by the thread id, and only that
// thread's programs ever write or delete its keys (compiler/thread_owned.h).
// So an integer there is stored in place when its key exists: a hash
// map update replaces the element (take a free one, copy, relink, free the
// old), which costs several times a lookup, and spans write a dozen integers
// on every open. The store cannot race a delete (no other thread touches the
// key) and an aligned 8-byte store is never seen torn.
bool thread_owned_int_map(const ast::MapAccess& target, const MapPlan& map) {
  return is_thread_owned_map(target.name) && !map.is_agg() && !map.info->value.is_string() &&
         map.spec.value_size == 8;
}

void Lowering::assign_map(ast::MapAccess& target, ast::Expr& value) {
  const MapPlan& map = map_plan(target.name);
  llvm::Value* slot = stack_buffer(map.spec.value_size, "value");
  llvm::Value* v =
      map.info->value.is_string() ? string_into(value, slot, map.spec.value_size) : expr(value);
  store_value(map.info->value, slot, value, v);
  llvm::Value* key = map_key(map, target.keys);
  if (!thread_owned_int_map(target, map)) return map_update(map, key, slot, BPF_ANY);
  llvm::Value* found = map_lookup(map, key);
  auto* store_bb = llvm::BasicBlock::Create(ctx_, "inplace", fn_);
  auto* insert_bb = llvm::BasicBlock::Create(ctx_, "insert", fn_);
  auto* done_bb = llvm::BasicBlock::Create(ctx_, "stored", fn_);
  b_.CreateCondBr(b_.CreateIsNotNull(found), store_bb, insert_bb);
  b_.SetInsertPoint(store_bb);
  b_.CreateAlignedStore(b_.CreateAlignedLoad(b_.getInt64Ty(), slot, llvm::Align(8)), found, llvm::Align(8));
  b_.CreateBr(done_bb);
  b_.SetInsertPoint(insert_bb);
  map_update(map, key, slot, BPF_ANY);
  b_.CreateBr(done_bb);
  b_.SetInsertPoint(done_bb);
}

// Per-CPU aggregation slots are created on first use: look up; if absent,
// insert zeroes (BPF_NOEXIST, so a racing insert wins) and look up again.
void Lowering::with_agg_slot(const MapPlan& map, llvm::Value* key,
                             const std::function<void(llvm::Value*)>& update) {
  llvm::Value* first = map_lookup(map, key);
  llvm::BasicBlock* lookup_bb = b_.GetInsertBlock();
  auto* init_bb = llvm::BasicBlock::Create(ctx_, "agg.init", fn_);
  auto* have_bb = llvm::BasicBlock::Create(ctx_, "agg.have", fn_);
  b_.CreateCondBr(b_.CreateIsNull(first), init_bb, have_bb);

  b_.SetInsertPoint(init_bb);
  llvm::Value* zeroes = zeroed_buffer(map.spec.value_size, "agg.zero");
  map_update(map, key, zeroes, BPF_NOEXIST);
  llvm::Value* second = map_lookup(map, key);
  llvm::BasicBlock* init_end = b_.GetInsertBlock();
  b_.CreateBr(have_bb);

  b_.SetInsertPoint(have_bb);
  llvm::PHINode* slot = b_.CreatePHI(b_.getPtrTy(), 2);
  slot->addIncoming(first, lookup_bb);
  slot->addIncoming(second, init_end);
  when(b_.CreateIsNotNull(slot), [&] { update(slot); });
}

void Lowering::aggregate(ast::MapAccess& target, ast::Call& agg) {
  const MapPlan& map = map_plan(target.name);
  llvm::Value* arg = agg.args.empty() ? nullptr : expr(*agg.args[0]);
  bool arg_signed = agg.args.empty() || agg.args[0]->type.is_signed;
  auto* i64 = b_.getInt64Ty();
  auto load = [&](llvm::Value* p, uint32_t off) {
    return b_.CreateAlignedLoad(i64, byte_offset(p, off), llvm::Align(8));
  };
  auto store = [&](llvm::Value* v, llvm::Value* p, uint32_t off) {
    b_.CreateAlignedStore(v, byte_offset(p, off), llvm::Align(8));
  };
  auto add = [&](llvm::Value* p, uint32_t off, llvm::Value* v) {
    store(b_.CreateAdd(load(p, off), v), p, off);
  };

  llvm::Value* bucket = nullptr;
  if (map.agg() == ast::AggKind::Hist) bucket = hist_bucket(arg, arg_signed);
  if (map.agg() == ast::AggKind::Lhist) bucket = lhist_bucket(arg, map.info->value);
  llvm::Value* key = map_key(map, target.keys, bucket);

  with_agg_slot(map, key, [&](llvm::Value* slot) {
    switch (map.agg()) {
      case ast::AggKind::Count:
      case ast::AggKind::Hist:
      case ast::AggKind::Lhist:
        return add(slot, 0, b_.getInt64(1));
      case ast::AggKind::Sum:
        return add(slot, 0, arg);
      case ast::AggKind::Avg:
      case ast::AggKind::Stats:  // { count, total }
        add(slot, 0, b_.getInt64(1));
        return add(slot, 8, arg);
      case ast::AggKind::Min:
      case ast::AggKind::Max: {  // { value, set }
        llvm::Value* current = load(slot, 0);
        llvm::Value* better = map.agg() == ast::AggKind::Min ? b_.CreateICmpSLT(arg, current)
                                                             : b_.CreateICmpSGT(arg, current);
        llvm::Value* unset = b_.CreateICmpEQ(load(slot, 8), b_.getInt64(0));
        when(b_.CreateOr(unset, better), [&] {
          store(arg, slot, 0);
          store(b_.getInt64(1), slot, 8);
        });
        return;
      }
    }
  });
}

// hist: 0 for n < 0, 1 for n == 0, else 2 + floor(log2(n)); log2 by a
// branch-free binary search (no loops for the verifier).
llvm::Value* Lowering::hist_bucket(llvm::Value* n, bool is_signed) {
  llvm::Value* rest = n;
  llvm::Value* log = b_.getInt64(0);
  for (uint64_t shift : {32, 16, 8, 4, 2, 1}) {
    llvm::Value* high = b_.CreateLShr(rest, shift);
    llvm::Value* has_high = b_.CreateICmpNE(high, b_.getInt64(0));
    rest = b_.CreateSelect(has_high, high, rest);
    log = b_.CreateSelect(has_high, b_.CreateAdd(log, b_.getInt64(shift)), log);
  }
  llvm::Value* bucket = b_.CreateAdd(log, b_.getInt64(2));
  bucket = b_.CreateSelect(b_.CreateICmpEQ(n, b_.getInt64(0)), b_.getInt64(1), bucket);
  if (is_signed)
    bucket = b_.CreateSelect(b_.CreateICmpSLT(n, b_.getInt64(0)), b_.getInt64(0), bucket);
  return bucket;
}

// lhist: 0 below min, (max-min)/step + 1 at or above max, else (n-min)/step + 1.
llvm::Value* Lowering::lhist_bucket(llvm::Value* n, const ast::Type& agg) {
  int64_t step = agg.lhist_step > 0 ? agg.lhist_step : 1;
  llvm::Value* min = b_.getInt64(agg.lhist_min);
  llvm::Value* inside =
      b_.CreateAdd(b_.CreateUDiv(b_.CreateSub(n, min), b_.getInt64(step)), b_.getInt64(1));
  uint64_t top = (agg.lhist_max - agg.lhist_min) / step + 1;
  llvm::Value* bucket =
      b_.CreateSelect(b_.CreateICmpSGE(n, b_.getInt64(agg.lhist_max)), b_.getInt64(top), inside);
  return b_.CreateSelect(b_.CreateICmpSLT(n, min), b_.getInt64(0), bucket);
}

void Lowering::call_stmt(ast::Call& c) {
  auto event = plan_.events.find(&c);
  if (c.name == "printf" || c.name == "emit") return printf_stmt(c, 1);  // emit: a record
  if (c.name == "print" && plan_.event_specs.at(event->second).kind == "printf")
    return printf_stmt(c, 0);  // print(value)
  if (c.name == "exit") {
    emit_event(
        event->second, [](llvm::Value*) {}, /*force_wakeup=*/true);
    return return_zero();
  }
  if (event != plan_.events.end())
    return emit_event(
        event->second, [](llvm::Value*) {}, false);
  if (c.name == "delete" && !c.args.empty() && c.args[0]->kind == ast::ExprKind::MapAccess) {
    auto& access = static_cast<ast::MapAccess&>(*c.args[0]);
    const MapPlan& map = map_plan(access.name);
    // A hist key holds a bucket index too: one entry per bucket, not per key.
    if (map.spec.bucket_in_key) return;
    map_delete(map, map_key(map, access.keys));
  }
}

// Integer arguments are evaluated before the record is reserved (so their
// side effects happen even when the ring is full); string arguments are
// produced straight into the record, which keeps long printfs within the
// 512-byte stack. Expressions never return early, so a reserved record is
// always submitted.
void Lowering::printf_stmt(ast::Call& c, size_t first) {
  int index = plan_.events.at(&c);
  const manifest::EventSpec& spec = plan_.event_specs.at(index);
  std::vector<llvm::Value*> ints(c.args.size(), nullptr);
  for (size_t i = first; i < c.args.size(); ++i)
    if (!c.args[i]->type.is_string() && !c.args[i]->type.is_stack()) ints[i] = expr(*c.args[i]);
  emit_event(
      index,
      [&](llvm::Value* record) {
        for (size_t i = first; i < c.args.size() && i - first < spec.args.size(); ++i) {
          const manifest::Field& f = spec.args[i - first];
          llvm::Value* dst = byte_offset(record, f.offset);
          if (manifest::is_stack(f.kind)) {
            stack_into(c.args[i]->type, dst);
            continue;
          }
          if (f.kind != manifest::FieldKind::String) {
            b_.CreateAlignedStore(ints[i], dst, llvm::Align(8));
            continue;
          }
          llvm::Value* v = string_into(*c.args[i], dst, f.size);
          if (v != dst) {
            zero(dst, f.size);
            copy(dst, v, std::min(f.size, c.args[i]->type.size));
          }
        }
      },
      false);
}

}  // namespace sonde::compiler::codegen
