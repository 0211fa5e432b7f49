// Operators: C semantics on 64-bit integers (unsigned only when both sides
// are), short-circuit && and ||, string equality as a bounded, unrolled byte
// compare, and ++/-- on variables and maps.
//
// BPF before v4 has no signed division, and LLVM treats x/0 as undefined,
// so division is done on magnitudes with an explicit zero-divisor case
// (x/0 == 0 and x%0 == x, which is what the BPF instructions do).
#include <linux/bpf.h>

#include "compiler/codegen/lowering.h"

namespace sonde::compiler::codegen {

llvm::Value* Lowering::unary(ast::Unary& e) {
  switch (e.op) {
    case ast::UnaryOp::Neg:
      return b_.CreateNeg(expr(*e.operand));
    case ast::UnaryOp::LogicalNot:
      return b_.CreateZExt(b_.CreateNot(truth(*e.operand)), b_.getInt64Ty());
    case ast::UnaryOp::BitNot:
      return b_.CreateNot(expr(*e.operand));
    default:
      return increment(e);
  }
}

llvm::Value* Lowering::increment(ast::Unary& e) {
  bool up = e.op == ast::UnaryOp::PreInc || e.op == ast::UnaryOp::PostInc;
  bool pre = e.op == ast::UnaryOp::PreInc || e.op == ast::UnaryOp::PreDec;
  auto step = [&](llvm::Value* old) {
    return up ? b_.CreateAdd(old, b_.getInt64(1)) : b_.CreateSub(old, b_.getInt64(1));
  };
  if (e.operand->kind == ast::ExprKind::Variable) {
    auto& var = static_cast<ast::Variable&>(*e.operand);
    llvm::Value* slot = variable_slot(var.name, var.type);
    llvm::Value* old = b_.CreateAlignedLoad(b_.getInt64Ty(), slot, llvm::Align(8));
    llvm::Value* now = normalise(step(old), var.type);
    b_.CreateAlignedStore(now, slot, llvm::Align(8));
    return pre ? now : old;
  }
  if (e.operand->kind != ast::ExprKind::MapAccess) return int_literal(0);
  auto& access = static_cast<ast::MapAccess&>(*e.operand);
  const MapPlan& map = map_plan(access.name);
  llvm::Value* key = map_key(map, access.keys);
  llvm::Value* found = map_lookup(map, key);
  llvm::Value* value = stack_buffer(8, "incr");
  b_.CreateAlignedStore(b_.getInt64(0), value, llvm::Align(8));
  when(b_.CreateIsNotNull(found), [&] {
    b_.CreateAlignedStore(b_.CreateAlignedLoad(b_.getInt64Ty(), found, llvm::Align(8)), value,
                          llvm::Align(8));
  });
  llvm::Value* old = b_.CreateAlignedLoad(b_.getInt64Ty(), value, llvm::Align(8));
  llvm::Value* now = step(old);
  b_.CreateAlignedStore(now, value, llvm::Align(8));
  map_update(map, key, value, BPF_ANY);
  return pre ? now : old;
}

llvm::Value* Lowering::binary(ast::Binary& e) {
  if (e.op == ast::BinaryOp::LogicalAnd || e.op == ast::BinaryOp::LogicalOr) return logical(e);
  if ((e.op == ast::BinaryOp::Eq || e.op == ast::BinaryOp::Ne) && e.lhs->type.is_string()) {
    llvm::Value* l = expr(*e.lhs);
    llvm::Value* r = expr(*e.rhs);
    llvm::Value* eq = string_equal(l, e.lhs->type.size, r, e.rhs->type.size);
    if (e.op == ast::BinaryOp::Ne) eq = b_.CreateNot(eq);
    return b_.CreateZExt(eq, b_.getInt64Ty());
  }
  llvm::Value* l = expr(*e.lhs);
  llvm::Value* r = expr(*e.rhs);
  bool is_signed = e.lhs->type.is_signed || e.rhs->type.is_signed;
  return arith(e.op, l, r, is_signed);
}

llvm::Value* Lowering::arith(ast::BinaryOp op, llvm::Value* l, llvm::Value* r, bool is_signed) {
  using Op = ast::BinaryOp;
  auto cmp = [&](llvm::CmpInst::Predicate s, llvm::CmpInst::Predicate u) {
    return b_.CreateZExt(b_.CreateICmp(is_signed ? s : u, l, r), b_.getInt64Ty());
  };
  switch (op) {
    case Op::Add:
      return b_.CreateAdd(l, r);
    case Op::Sub:
      return b_.CreateSub(l, r);
    case Op::Mul:
      return b_.CreateMul(l, r);
    case Op::Div:
    case Op::Mod: {
      llvm::Value* by_zero = b_.CreateICmpEQ(r, b_.getInt64(0));
      llvm::Value* divisor = b_.CreateSelect(by_zero, b_.getInt64(1), r);
      llvm::Value* a = l;
      if (is_signed) {
        a = b_.CreateSelect(b_.CreateICmpSLT(l, b_.getInt64(0)), b_.CreateNeg(l), l);
        divisor = b_.CreateSelect(b_.CreateICmpSLT(divisor, b_.getInt64(0)), b_.CreateNeg(divisor),
                                  divisor);
      }
      llvm::Value* q = op == Op::Div ? b_.CreateUDiv(a, divisor) : b_.CreateURem(a, divisor);
      if (is_signed) {
        // The quotient is negative when the signs differ; the remainder takes l's sign.
        llvm::Value* negative = op == Op::Div ? b_.CreateICmpSLT(b_.CreateXor(l, r), b_.getInt64(0))
                                              : b_.CreateICmpSLT(l, b_.getInt64(0));
        q = b_.CreateSelect(negative, b_.CreateNeg(q), q);
      }
      return b_.CreateSelect(by_zero, op == Op::Div ? b_.getInt64(0) : l, q);
    }
    case Op::Shl:
      return b_.CreateShl(l, b_.CreateAnd(r, b_.getInt64(63)));
    case Op::Shr: {
      llvm::Value* n = b_.CreateAnd(r, b_.getInt64(63));
      return is_signed ? b_.CreateAShr(l, n) : b_.CreateLShr(l, n);
    }
    case Op::BitAnd:
      return b_.CreateAnd(l, r);
    case Op::BitOr:
      return b_.CreateOr(l, r);
    case Op::BitXor:
      return b_.CreateXor(l, r);
    case Op::Eq:
      return b_.CreateZExt(b_.CreateICmpEQ(l, r), b_.getInt64Ty());
    case Op::Ne:
      return b_.CreateZExt(b_.CreateICmpNE(l, r), b_.getInt64Ty());
    case Op::Lt:
      return cmp(llvm::CmpInst::ICMP_SLT, llvm::CmpInst::ICMP_ULT);
    case Op::Le:
      return cmp(llvm::CmpInst::ICMP_SLE, llvm::CmpInst::ICMP_ULE);
    case Op::Gt:
      return cmp(llvm::CmpInst::ICMP_SGT, llvm::CmpInst::ICMP_UGT);
    case Op::Ge:
      return cmp(llvm::CmpInst::ICMP_SGE, llvm::CmpInst::ICMP_UGE);
    case Op::LogicalAnd:
    case Op::LogicalOr:
      break;  // handled by logical()
  }
  return b_.getInt64(0);
}

llvm::Value* Lowering::logical(ast::Binary& e) {
  bool is_and = e.op == ast::BinaryOp::LogicalAnd;
  llvm::Value* left = truth(*e.lhs);
  llvm::BasicBlock* left_bb = b_.GetInsertBlock();
  auto* right_bb = llvm::BasicBlock::Create(ctx_, is_and ? "and.rhs" : "or.rhs", fn_);
  auto* done_bb = llvm::BasicBlock::Create(ctx_, "logic.done", fn_);
  // && skips the right side when the left is false; || when it is true.
  if (is_and)
    b_.CreateCondBr(left, right_bb, done_bb);
  else
    b_.CreateCondBr(left, done_bb, right_bb);
  b_.SetInsertPoint(right_bb);
  llvm::Value* right = truth(*e.rhs);
  llvm::BasicBlock* right_end = b_.GetInsertBlock();
  b_.CreateBr(done_bb);
  b_.SetInsertPoint(done_bb);
  llvm::PHINode* phi = b_.CreatePHI(b_.getInt1Ty(), 2);
  phi->addIncoming(b_.getInt1(!is_and), left_bb);
  phi->addIncoming(right, right_end);
  return b_.CreateZExt(phi, b_.getInt64Ty());
}

// Equal when the bytes match up to the first NUL (or the shorter buffer's
// end). Unrolled: the verifier only accepts bounded code, and the bound is
// the smaller of two compile-time sizes.
llvm::Value* Lowering::string_equal(llvm::Value* a, uint32_t a_size, llvm::Value* b,
                                    uint32_t b_size) {
  uint32_t n = std::min(a_size, b_size);
  auto* done_bb = llvm::BasicBlock::Create(ctx_, "streq.done", fn_);
  std::vector<std::pair<llvm::BasicBlock*, bool>> exits;
  for (uint32_t i = 0; i < n; ++i) {
    llvm::Value* ca = b_.CreateLoad(b_.getInt8Ty(), byte_offset(a, i));
    llvm::Value* cb = b_.CreateLoad(b_.getInt8Ty(), byte_offset(b, i));
    auto* same_bb = llvm::BasicBlock::Create(ctx_, "streq.same", fn_);
    exits.push_back({b_.GetInsertBlock(), false});
    b_.CreateCondBr(b_.CreateICmpNE(ca, cb), done_bb, same_bb);
    b_.SetInsertPoint(same_bb);
    auto* next_bb = llvm::BasicBlock::Create(ctx_, "streq.next", fn_);
    exits.push_back({same_bb, true});
    b_.CreateCondBr(b_.CreateICmpEQ(ca, b_.getInt8(0)), done_bb, next_bb);
    b_.SetInsertPoint(next_bb);
  }
  exits.push_back({b_.GetInsertBlock(), true});
  b_.CreateBr(done_bb);
  b_.SetInsertPoint(done_bb);
  llvm::PHINode* phi = b_.CreatePHI(b_.getInt1Ty(), exits.size());
  for (auto [bb, equal] : exits) phi->addIncoming(b_.getInt1(equal), bb);
  return phi;
}

}  // namespace sonde::compiler::codegen
