// Expression lowering. Integers become i64 values, strings pointers to
// zero-padded stack buffers (see lowering.h). The checker has typed every
// expression, so nothing here reports user errors.
#include <linux/bpf.h>

#include <cstdlib>
#include <utility>

#include <llvm/IR/InlineAsm.h>

#include "compiler/bpf_lib/bpf_lib.h"
#include "compiler/codegen/lowering.h"

namespace sonde::compiler::codegen {

namespace {

// x86-64 struct pt_regs offsets (uprobe context): arguments, then the return value.
constexpr uint32_t kArgRegOffsets[] = {112, 104, 96, 88, 72, 64};
constexpr uint32_t kReturnRegOffset = 80;
// The syscall ABI's argument registers (di, si, dx, r10, r8, r9: r10, not
// the C ABI's cx) and orig_ax, the syscall number.
constexpr uint32_t kSyscallArgRegOffsets[] = {112, 104, 96, 56, 72, 64};
constexpr uint32_t kSyscallNumberRegOffset = 120;

// Calls whose string result is made from integer arguments only, so it may
// be written straight into the caller's destination.
bool fills_own_result(const ast::Expr& e) {
  if (e.kind != ast::ExprKind::Call) return false;
  const std::string& name = static_cast<const ast::Call&>(e).name;
  return name == "str" || name == "fdkind" || name == "fdpeer" || name == "sockaddr";
}

// sockaddr() without a length reads at most sizeof(struct sockaddr_storage).
constexpr uint64_t kSockaddrStorageSize = 128;

const tracefs::Field* find_field(const ResolvedAttach& attach, const std::string& name) {
  for (const tracefs::Field& f : attach.fields)
    if (f.name == name) return &f;
  return nullptr;
}

}  // namespace

llvm::Value* Lowering::expr(ast::Expr& e) {
  // Only leaves that make a string with no string inside them may write
  // into the caller's destination (string_result); a map read may not,
  // since its key could read the very variable being assigned.
  bool may_fill_target =
      e.kind == ast::ExprKind::StringLiteral || e.kind == ast::ExprKind::PositionalParam ||
      e.kind == ast::ExprKind::Builtin || e.kind == ast::ExprKind::FieldAccess || fills_own_result(e);
  if (!may_fill_target || !e.type.is_string()) target_ = nullptr;
  switch (e.kind) {
    case ast::ExprKind::IntLiteral:
      return int_literal(static_cast<ast::IntLiteral&>(e).value);
    case ast::ExprKind::StringLiteral:
      return string_literal(static_cast<ast::StringLiteral&>(e).value, e.type);
    case ast::ExprKind::PositionalParam:
      return positional(static_cast<ast::PositionalParam&>(e).index, e.type);
    case ast::ExprKind::ParamCount:
      return int_literal(program_.options.params.size());
    case ast::ExprKind::Builtin:
      return builtin(static_cast<ast::Builtin&>(e));
    case ast::ExprKind::Variable: {
      llvm::Value* slot = variable_slot(static_cast<ast::Variable&>(e).name, e.type);
      if (e.type.is_string()) return slot;
      return b_.CreateAlignedLoad(b_.getInt64Ty(), slot, llvm::Align(8));
    }
    case ast::ExprKind::MapAccess:
      return map_read(static_cast<ast::MapAccess&>(e));
    case ast::ExprKind::FieldAccess:
      return field(static_cast<ast::FieldAccess&>(e));
    case ast::ExprKind::Call:
      return call(static_cast<ast::Call&>(e));
    case ast::ExprKind::Unary:
      return unary(static_cast<ast::Unary&>(e));
    case ast::ExprKind::Binary:
      return binary(static_cast<ast::Binary&>(e));
    case ast::ExprKind::Ternary:
      return ternary(static_cast<ast::Ternary&>(e));
    case ast::ExprKind::Cast:
      return cast(static_cast<ast::Cast&>(e));
  }
  return int_literal(0);
}

llvm::Value* Lowering::truth(ast::Expr& e) { return b_.CreateICmpNE(expr(e), b_.getInt64(0)); }

llvm::Value* Lowering::int_literal(uint64_t v) { return b_.getInt64(v); }

llvm::Value* Lowering::string_literal(const std::string& text, const ast::Type& type) {
  uint32_t size = type.size ? type.size : static_cast<uint32_t>(text.size() + 1);
  llvm::Value* buf = string_result(size, "lit");
  store_literal(buf, text, size);
  return buf;
}

llvm::Value* Lowering::positional(int index, const ast::Type& type) {
  const auto& params = program_.options.params;
  std::string text = index >= 1 && size_t(index) <= params.size() ? params[index - 1] : "";
  if (type.is_string()) return string_literal(text, type);
  return int_literal(std::strtoull(text.c_str(), nullptr, 0));
}

// Narrows an i64 to the width of `type` and widens it back with its sign.
llvm::Value* Lowering::normalise(llvm::Value* v, const ast::Type& type) {
  if (!type.is_int() || type.bits >= 64) return v;
  llvm::Value* narrow = b_.CreateTrunc(v, b_.getIntNTy(type.bits));
  return type.is_signed ? b_.CreateSExt(narrow, b_.getInt64Ty())
                        : b_.CreateZExt(narrow, b_.getInt64Ty());
}

llvm::Value* Lowering::ctx_load(uint32_t offset, uint32_t size, bool is_signed) {
  llvm::Type* type = b_.getIntNTy(size * 8);
  llvm::Value* v = b_.CreateAlignedLoad(type, byte_offset(ctx_arg_, offset), llvm::Align(size));
  return is_signed ? b_.CreateSExt(v, b_.getInt64Ty()) : b_.CreateZExt(v, b_.getInt64Ty());
}

llvm::Value* Lowering::builtin(ast::Builtin& e) {
  const std::string& n = e.name;
  auto low32 = [&](llvm::Value* v) { return b_.CreateAnd(v, b_.getInt64(0xffffffff)); };
  if (n == "pid") return b_.CreateLShr(current_pid_tgid(), 32);
  if (n == "tid") return low32(current_pid_tgid());
  if (n == "uid" || n == "gid") {
    llvm::Value* v = call_helper(BPF_FUNC_get_current_uid_gid, b_.getInt64Ty(), {});
    return n == "uid" ? low32(v) : b_.CreateLShr(v, 32);
  }
  if (n == "nsecs") return call_helper(BPF_FUNC_ktime_get_ns, b_.getInt64Ty(), {});
  if (n == "elapsed") {
    // The runtime patches the start time into .rodata: a volatile load.
    llvm::Value* start =
        b_.CreateLoad(b_.getInt64Ty(), byte_offset(globals_.config, kConfigStartNs),
                      /*isVolatile=*/true);
    return b_.CreateSub(call_helper(BPF_FUNC_ktime_get_ns, b_.getInt64Ty(), {}), start);
  }
  if (n == "cpu") return low32(call_helper(BPF_FUNC_get_smp_processor_id, b_.getInt64Ty(), {}));
  if (n == "comm") {
    uint32_t size = e.type.size ? e.type.size : 16;
    llvm::Value* buf = string_result(size, "comm");
    call_helper(BPF_FUNC_get_current_comm, b_.getInt64Ty(), {buf, b_.getInt64(size)});
    return buf;
  }
  if (e.type.is_stack()) return stack_value(e.type);
  if (n == "probe") return string_literal(attach_.probe_name, e.type);
  if (n == "func") return string_literal(attach_.name, e.type);
  if (n.rfind("__syscall_", 0) == 0 && attach_.kind == "rawtracepoint") return raw_syscall(n);
  bool regs = attach_.kind == "uprobe" || attach_.kind == "uretprobe" || attach_.kind == "usdt";
  if (n == "retval" && regs) return ctx_load(kReturnRegOffset, 8, true);
  // USDT arguments live wherever each site's note says (register, memory,
  // constant): libbpf's bpf_usdt_arg() decodes them from the spec it stored
  // for this site (compiler/bpf_lib, linked into the module by codegen.cpp).
  if (n.rfind("arg", 0) == 0 && n.size() == 4 && attach_.kind == "usdt") {
    llvm::FunctionCallee fn = b_.GetInsertBlock()->getModule()->getOrInsertFunction(
        bpf_lib::kUsdtArgFunction, b_.getInt64Ty(), b_.getPtrTy(), b_.getInt64Ty());
    return b_.CreateCall(fn, {ctx_arg_, b_.getInt64(n[3] - '0')});
  }
  if (n.rfind("arg", 0) == 0 && n.size() == 4 && regs) {
    size_t i = n[3] - '0';
    if (i < std::size(kArgRegOffsets)) return ctx_load(kArgRegOffsets[i], 8, false);
  }
  // Anything else was rejected by the checker for this probe kind.
  return e.type.is_string() ? string_result(e.type.size, "none") : int_literal(0);
}

// raw_syscalls:sys_enter's context is u64[2] {struct pt_regs *regs, long id},
// sys_exit's {regs, long ret}. The arguments (and, at exit, the syscall
// number: orig_ax, which is what the kernel reports as the exit's id) are
// read from the user registers the kernel saved, with bpf_probe_read_kernel.
llvm::Value* Lowering::raw_syscall(const std::string& name) {
  bool enter = attach_.target == "sys_enter";
  if (name == "__syscall_id" && enter) return ctx_load(8, 8, true);
  if (name == "__syscall_ret" && !enter) return ctx_load(8, 8, true);
  uint32_t offset = kSyscallNumberRegOffset;
  if (name.rfind("__syscall_arg", 0) == 0) {
    size_t i = name.back() - '0';
    if (!enter || i >= std::size(kSyscallArgRegOffsets)) return int_literal(0);
    offset = kSyscallArgRegOffsets[i];
  } else if (name != "__syscall_id") {
    return int_literal(0);
  }
  llvm::Value* regs = b_.CreateIntToPtr(ctx_load(0, 8, false), b_.getPtrTy());
  llvm::Value* slot = zeroed_buffer(8, "sysreg");
  call_helper(BPF_FUNC_probe_read_kernel, b_.getInt64Ty(), {slot, b_.getInt64(8), byte_offset(regs, offset)});
  return b_.CreateLoad(b_.getInt64Ty(), slot);
}

// Tracepoint record fields live in the context at the format file's offsets.
llvm::Value* Lowering::field(ast::FieldAccess& e) {
  const tracefs::Field* f = find_field(attach_, e.field);
  if (!f) return e.type.is_string() ? string_result(e.type.size, "none") : int_literal(0);
  if (e.type.is_string()) {
    llvm::Value* buf = string_result(e.type.size, "field");
    if (f->is_data_loc) {
      // u32: high 16 bits length, low 16 bits offset from the record start.
      llvm::Value* loc = ctx_load(f->offset, 4, false);
      llvm::Value* start = b_.CreateAnd(loc, b_.getInt64(0xffff));
      llvm::Value* src = b_.CreateInBoundsGEP(b_.getInt8Ty(), ctx_arg_, start);
      call_helper(BPF_FUNC_probe_read_kernel_str, b_.getInt64Ty(),
                  {buf, b_.getInt64(e.type.size), src});
    } else {
      uint32_t n = std::min(f->size, e.type.size);
      call_helper(BPF_FUNC_probe_read_kernel, b_.getInt64Ty(),
                  {buf, b_.getInt64(n), byte_offset(ctx_arg_, f->offset)});
    }
    return buf;
  }
  uint32_t size = f->is_pointer ? 8 : f->size;
  if (size != 1 && size != 2 && size != 4 && size != 8) size = 8;
  return normalise(ctx_load(f->offset, size, f->is_signed), e.type);
}

llvm::Value* Lowering::call(ast::Call& e) {
  if (e.name == "str") return str_call(e);
  if (e.name == "fdkind" || e.name == "fdpeer" || e.name == "sockaddr") return fd_call(e);
  if (e.name == "strcat") return strcat_call(e);
  if (e.type.is_stack()) return stack_value(e.type);
  // Statement-like calls have no value; the checker keeps them out of
  // expressions, so this is only reached for an expression statement.
  call_stmt(e);
  return int_literal(0);
}

// str(p [, n]): copies a user-space NUL-terminated string into a zeroed
// buffer, at most n characters (bpftrace's meaning) and at most what fits. On a string
// argument it truncates a copy (read with the kernel variant: it is on our stack).
// uprobe, uretprobe and usdt programs are loaded sleepable (programs.cpp).
bool Lowering::is_sleepable() const {
  return attach_.kind == "uprobe" || attach_.kind == "uretprobe" || attach_.kind == "usdt";
}

llvm::Value* Lowering::str_call(ast::Call& e) {
  uint32_t size = e.type.size;
  ast::Expr& source = *e.args[0];
  // A string source may be the destination itself (`$s = str($s, 4)`), so
  // then the result gets its own buffer.
  llvm::Value* dst = std::exchange(target_, nullptr);
  llvm::Value* src = expr(source);
  target_ = source.type.is_string() ? nullptr : dst;
  llvm::Value* buf = string_result(size, "str");
  int helper = BPF_FUNC_probe_read_user_str;
  uint32_t limit_size = size;
  if (source.type.is_string()) {
    helper = BPF_FUNC_probe_read_kernel_str;
    limit_size = std::min(size, source.type.size);
  } else {
    src = b_.CreateIntToPtr(src, b_.getPtrTy());
  }
  llvm::Value* n = b_.getInt64(limit_size);
  if (e.args.size() > 1) {
    // n counts characters, as in bpftrace: read n + 1 bytes with the NUL.
    llvm::Value* limit = b_.CreateAdd(expr(*e.args[1]), b_.getInt64(1));
    n = b_.CreateSelect(b_.CreateICmpULT(limit, n), limit, n);
  }
  if (helper == BPF_FUNC_probe_read_user_str && is_sleepable()) {
    llvm::FunctionCallee read = b_.GetInsertBlock()->getModule()->getOrInsertFunction(
        bpf_lib::kReadUserStrFunction, b_.getInt64Ty(), b_.getPtrTy(), b_.getInt32Ty(), b_.getPtrTy());
    b_.CreateCall(read, {buf, b_.CreateTrunc(n, b_.getInt32Ty()), src});
    return buf;
  }
  call_helper(helper, b_.getInt64Ty(), {buf, n, src});
  return buf;
}

// fdkind(fd), fdpeer(fd), sockaddr(p [, len]): C helpers (bpf_lib/fd_info.c,
// linked by codegen.cpp) that write text into the zeroed result buffer.
llvm::Value* Lowering::fd_call(ast::Call& e) {
  llvm::Value* dst = std::exchange(target_, nullptr);  // integer arguments reset it
  std::vector<llvm::Value*> args;
  for (ast::Expr* a : e.args) args.push_back(expr(*a));
  target_ = dst;
  llvm::Value* buf = string_result(e.type.size, e.name.c_str());
  llvm::Module& module = *b_.GetInsertBlock()->getModule();
  if (e.name == "sockaddr") {
    llvm::Value* len = args.size() > 1 ? args[1] : b_.getInt64(kSockaddrStorageSize);
    llvm::FunctionCallee fn = module.getOrInsertFunction(
        bpf_lib::kSockaddrFunction, b_.getVoidTy(), b_.getPtrTy(), b_.getPtrTy(), b_.getInt64Ty());
    b_.CreateCall(fn, {buf, b_.CreateIntToPtr(args[0], b_.getPtrTy()), len});
    return buf;
  }
  const char* name = e.name == "fdkind" ? bpf_lib::kFdKindFunction : bpf_lib::kFdPeerFunction;
  llvm::FunctionCallee fn =
      module.getOrInsertFunction(name, b_.getVoidTy(), b_.getPtrTy(), b_.getInt64Ty());
  b_.CreateCall(fn, {buf, args[0]});
  return buf;
}

// libbpf's barrier_var(): an empty inline asm that LLVM cannot see through.
// Knowing an offset is below the buffer's alignment, LLVM turns `buf + off`
// into `buf | off`, which the verifier rejects on a pointer; the verifier
// still knows the register's bounds, since no instruction is emitted.
llvm::Value* Lowering::hide_range(llvm::Value* v) {
  auto* type = llvm::FunctionType::get(v->getType(), {v->getType()}, false);
  return b_.CreateCall(llvm::InlineAsm::get(type, "", "=r,0", /*hasSideEffects=*/true), {v});
}

// strcat(a, b, ...): each part is appended at a running offset with
// bpf_probe_read_kernel_str (the parts are our own buffers: the read stops at
// the part's NUL and cannot fault), the next part overwriting that NUL.
// The verifier bounds a helper's write by [lowest offset, highest offset +
// longest length) without relating offset and length, so the working buffer
// is twice the result: with the offset clamped to size - 1 and the length
// size - offset it sees at most 2 * size - 1 bytes. Nothing is ever written
// past byte size - 1, so the first `size` bytes are the zero-padded result.
// The result never goes into the caller's destination, which a part may read
// (`$s = strcat($s, "x")`).
llvm::Value* Lowering::strcat_call(ast::Call& e) {
  uint32_t size = e.type.size;
  llvm::Value* buf = zeroed_buffer(2 * size, "strcat");
  llvm::Value* last = b_.getInt64(size - 1);
  llvm::Value* offset = b_.getInt64(0);
  for (ast::Expr* part : e.args) {
    llvm::Value* src = expr(*part);
    llvm::Value* room = b_.CreateSub(b_.getInt64(size), offset);
    llvm::Value* len = b_.CreateBinaryIntrinsic(llvm::Intrinsic::umin, room, b_.getInt64(part->type.size));
    llvm::Value* dst = b_.CreateInBoundsGEP(b_.getInt8Ty(), buf, offset);
    llvm::Value* copied = call_helper(BPF_FUNC_probe_read_kernel_str, b_.getInt64Ty(), {dst, len, src});
    // `copied` counts the NUL; on an error the helper zeroed the bytes and
    // the offset stays.
    llvm::Value* end = b_.CreateSub(b_.CreateAdd(offset, copied), b_.getInt64(1));
    offset = b_.CreateSelect(b_.CreateICmpSGT(copied, b_.getInt64(0)), end, offset);
    offset = hide_range(b_.CreateBinaryIntrinsic(llvm::Intrinsic::umin, offset, last));
  }
  return buf;
}

llvm::Value* Lowering::variable_slot(const std::string& name, const ast::Type& type) {
  auto it = variables_.find(name);
  if (it != variables_.end()) return it->second;
  uint32_t size = type.is_string() ? type.size : 8;
  llvm::Value* slot = stack_buffer(size, "var", /*persistent=*/true);
  variables_[name] = slot;
  return slot;
}

llvm::Value* Lowering::map_key(const MapPlan& map, const std::vector<ast::Expr*>& keys,
                               llvm::Value* bucket) {
  llvm::Value* key = zero_key(map, keys);
  for (size_t i = 0; i < keys.size() && i < map.spec.key.size(); ++i) {
    const manifest::Field& f = map.spec.key[i];
    llvm::Value* dst = byte_offset(key, f.offset);
    if (f.kind == manifest::FieldKind::String)
      copy(dst, string_into(*keys[i], dst, f.size), std::min(keys[i]->type.size, f.size));
    else if (manifest::is_stack(f.kind))
      stack_into(keys[i]->type, dst);
    else
      b_.CreateAlignedStore(expr(*keys[i]), dst, llvm::Align(8));
  }
  if (bucket) b_.CreateAlignedStore(bucket, byte_offset(key, map.bucket_offset), llvm::Align(8));
  return key;
}

const MapPlan& Lowering::map_plan(const std::string& name) const { return plan_.maps.at(name); }

// Reads a map value; a missing key reads as 0 or "". Aggregation maps read
// this CPU's slot (count/sum/min/max: the value, avg: total / count).
llvm::Value* Lowering::map_read(ast::MapAccess& e) {
  const MapPlan& map = map_plan(e.name);
  llvm::Value* key = map_key(map, e.keys);
  llvm::Value* found = map_lookup(map, key);
  if (!map.is_agg() && map.info->value.is_string()) {
    llvm::Value* buf = zeroed_buffer(e.type.size, "mapval");
    when(b_.CreateIsNotNull(found),
         [&] { copy(buf, found, std::min(e.type.size, map.spec.value_size)); });
    return buf;
  }
  llvm::Value* result = stack_buffer(8, "mapval");
  b_.CreateAlignedStore(b_.getInt64(0), result, llvm::Align(8));
  when(b_.CreateIsNotNull(found), [&] {
    llvm::Value* v = b_.CreateAlignedLoad(b_.getInt64Ty(), found, llvm::Align(8));
    if (map.is_agg() && map.agg() == ast::AggKind::Avg) {
      llvm::Value* total =
          b_.CreateAlignedLoad(b_.getInt64Ty(), byte_offset(found, 8), llvm::Align(8));
      v = arith(ast::BinaryOp::Div, total, v, true);
    }
    b_.CreateAlignedStore(v, result, llvm::Align(8));
  });
  return b_.CreateAlignedLoad(b_.getInt64Ty(), result, llvm::Align(8));
}

llvm::Value* Lowering::cast(ast::Cast& e) { return normalise(expr(*e.operand), e.type); }

// A string chain `a ? "x" : b ? "y" : ... : "z"` (lower_syscalls.cpp's
// probe.name by syscall id) is filled into ONE result buffer: the else
// branches that are themselves string ternaries continue in place, and
// literals are stored straight into it, so the chain costs its result's
// bytes of stack, not a buffer per level.
llvm::Value* Lowering::ternary(ast::Ternary& e) {
  bool is_string = e.type.is_string();
  llvm::Value* result = is_string ? stack_buffer(e.type.size, "tern") : stack_buffer(8, "tern");
  auto* done_bb = llvm::BasicBlock::Create(ctx_, "tern.done", fn_);
  auto fill = [&](ast::Expr& branch) {
    if (is_string && branch.kind == ast::ExprKind::StringLiteral) {
      store_literal(result, static_cast<ast::StringLiteral&>(branch).value, align8(e.type.size));
    } else if (is_string) {
      llvm::Value* v = expr(branch);
      zero(result, align8(e.type.size));
      copy(result, v, std::min(e.type.size, branch.type.size));
    } else {
      b_.CreateAlignedStore(expr(branch), result, llvm::Align(8));
    }
    b_.CreateBr(done_bb);
  };
  for (ast::Ternary* level = &e; level;) {
    llvm::Value* cond = truth(*level->cond);
    auto* then_bb = llvm::BasicBlock::Create(ctx_, "tern.then", fn_, done_bb);
    auto* else_bb = llvm::BasicBlock::Create(ctx_, "tern.else", fn_, done_bb);
    b_.CreateCondBr(cond, then_bb, else_bb);
    b_.SetInsertPoint(then_bb);
    fill(*level->then_expr);
    b_.SetInsertPoint(else_bb);
    ast::Expr* other = level->else_expr;
    bool continues = is_string && other->kind == ast::ExprKind::Ternary && other->type.is_string();
    level = continues ? static_cast<ast::Ternary*>(other) : nullptr;
    if (!continues) fill(*other);
  }
  b_.SetInsertPoint(done_bb);
  if (is_string) return result;
  return b_.CreateAlignedLoad(b_.getInt64Ty(), result, llvm::Align(8));
}

}  // namespace sonde::compiler::codegen
