// Lowering one expanded attach point's program: the probe's predicate and
// body become the body of one BPF function. Internal to codegen.
//
// Value model: every integer expression lowers to an i64 (sign- or
// zero-extended per its ast::Type); every string expression lowers to a
// pointer to a zero-padded stack buffer of exactly its type's size. Stack
// buffers are allocas in the entry block (no dynamic stack), zeroed where
// they are filled, because the verifier rejects uninitialised bytes in map
// keys and records.
#pragma once
#include <functional>
#include <map>
#include <string>

#include "compiler/check.h"
#include "compiler/codegen/bpf_module.h"
#include "compiler/codegen/plan.h"

namespace sonde::compiler::codegen {

// The object-wide globals every program may touch.
struct Globals {
  llvm::GlobalVariable* events = nullptr;   // sonde_events ring buffer
  llvm::GlobalVariable* lost = nullptr;     // sonde_lost array
  llvm::GlobalVariable* config = nullptr;   // sonde_config in .rodata
  llvm::GlobalVariable* scratch = nullptr;  // sonde_scratch, only in scratch mode
  uint32_t ringbuf_size = 0;
};

// Scratch mode (used when a program overflows the 512-byte stack): buffers
// of at least kScratchMinBytes live in one per-CPU array value instead.
inline constexpr uint32_t kScratchSize = 16384;
inline constexpr uint32_t kScratchMinBytes = 16;

class Lowering {
 public:
  Lowering(BpfModule& module, Plan& plan, const Globals& globals, const CheckedProgram& program,
           const ast::Probe& probe, const ResolvedAttach& attach, llvm::Function* fn);

  // Prologue (pid filter), predicate, body, `return 0`.
  void lower();

  // ---- helpers.cpp: BPF helpers, buffers, maps, ring buffer
  llvm::Value* call_helper(int id, llvm::Type* ret, std::vector<llvm::Value*> args);
  bool is_sleepable() const;  // may call sleepable kfuncs (user-space probes)
  llvm::Value* current_pid_tgid();
  // A buffer on the stack (or in scratch). Temporaries are uninitialised and
  // live until the end of the statement that made them (lifetime markers
  // let LLVM share their slots); `persistent` ones (variables) are zeroed
  // once at the start and live for the whole program.
  llvm::Value* stack_buffer(uint32_t size, const char* name, bool persistent = false);
  llvm::Value* zeroed_buffer(uint32_t size, const char* name);
  // Where a string expression should put its bytes: the destination given
  // to string_into() if it is big enough, else a fresh zeroed temporary.
  // Saves a buffer and a copy per string: the stack is only 512 bytes.
  llvm::Value* string_result(uint32_t size, const char* name);
  llvm::Value* string_into(ast::Expr& e, llvm::Value* dst, uint32_t dst_size);
  void zero(llvm::Value* dst, uint32_t size);
  void copy(llvm::Value* dst, llvm::Value* src, uint32_t size);
  void store_literal(llvm::Value* dst, const std::string& text, uint32_t size);
  llvm::Value* byte_offset(llvm::Value* base, uint32_t offset);
  llvm::Value* map_lookup(const MapPlan& map, llvm::Value* key);
  void map_update(const MapPlan& map, llvm::Value* key, llvm::Value* value, uint64_t flags);
  void map_delete(const MapPlan& map, llvm::Value* key);
  // Atomically adds one to loss counter `counter_index` (manifest.h,
  // `lost_map`): 0 for ring-buffer records, 1 + i for map i's dropped keys.
  void count_loss(uint32_t counter_index);
  // Reserves event `index`'s record, lets `fill` write it (the id is
  // written here), and submits with the wake-up policy. Counts a lost
  // record when the ring is full.
  void emit_event(int index, const std::function<void(llvm::Value* record)>& fill,
                  bool force_wakeup);
  // Runs `then` in a block taken only when `cond` (i1) holds; continues after.
  void when(llvm::Value* cond, const std::function<void()>& then);

  // ---- expr.cpp
  llvm::Value* expr(ast::Expr& e);
  llvm::Value* truth(ast::Expr& e);  // i1: value != 0
  // Builds the key for `map` from `keys` (plus a bucket index for hist maps).
  llvm::Value* map_key(const MapPlan& map, const std::vector<ast::Expr*>& keys,
                       llvm::Value* bucket = nullptr);
  const MapPlan& map_plan(const std::string& name) const;

  // ---- stacks.cpp
  // Writes a stack of `type` (ustack/kstack, N frames) at dst (8 + 8N bytes).
  void stack_into(const ast::Type& type, llvm::Value* dst);
  llvm::Value* stack_value(const ast::Type& type);
  // A new map key, zeroed except where its stacks will be written (the
  // verifier wants every key byte set; a memset of a 2 KiB key is more than
  // the BPF backend lowers).
  llvm::Value* zero_key(const MapPlan& map, const std::vector<ast::Expr*>& keys);

  // ---- stmt.cpp
  void stmt(ast::Stmt& s);
  void block(ast::Block& b);

 private:
  // expr.cpp
  llvm::Value* int_literal(uint64_t v);
  llvm::Value* string_literal(const std::string& text, const ast::Type& type);
  llvm::Value* positional(int index, const ast::Type& type);
  llvm::Value* builtin(ast::Builtin& e);
  llvm::Value* raw_syscall(const std::string& name);
  llvm::Value* field(ast::FieldAccess& e);
  llvm::Value* call(ast::Call& e);
  llvm::Value* str_call(ast::Call& e);
  llvm::Value* fd_call(ast::Call& e);
  llvm::Value* strcat_call(ast::Call& e);
  llvm::Value* hide_range(llvm::Value* v);
  llvm::Value* unary(ast::Unary& e);
  llvm::Value* increment(ast::Unary& e);
  llvm::Value* binary(ast::Binary& e);
  llvm::Value* logical(ast::Binary& e);
  llvm::Value* arith(ast::BinaryOp op, llvm::Value* l, llvm::Value* r, bool is_signed);
  llvm::Value* string_equal(llvm::Value* a, uint32_t a_size, llvm::Value* b, uint32_t b_size);
  llvm::Value* ternary(ast::Ternary& e);
  llvm::Value* cast(ast::Cast& e);
  llvm::Value* normalise(llvm::Value* v, const ast::Type& type);
  llvm::Value* map_read(ast::MapAccess& e);
  llvm::Value* variable_slot(const std::string& name, const ast::Type& type);
  llvm::Value* ctx_load(uint32_t offset, uint32_t size, bool is_signed);
  llvm::Value* scratch_buffer(uint32_t bytes, bool persistent);
  void acquire_scratch();

  // stmt.cpp
  void lower_stmt(ast::Stmt& s);
  void assign(ast::Assign& s);
  void assign_map(ast::MapAccess& target, ast::Expr& value);
  void store_value(const ast::Type& slot_type, llvm::Value* slot, ast::Expr& value, llvm::Value* v);
  void aggregate(ast::MapAccess& target, ast::Call& agg);
  void with_agg_slot(const MapPlan& map, llvm::Value* key,
                     const std::function<void(llvm::Value* slot)>& update);
  llvm::Value* hist_bucket(llvm::Value* n, bool is_signed);
  llvm::Value* lhist_bucket(llvm::Value* n, const ast::Type& agg);
  void call_stmt(ast::Call& c);
  void printf_stmt(ast::Call& c, size_t first);  // args from `first` on
  void if_stmt(ast::If& s);
  void return_zero();
  void pid_filter();
  void locate(const SourceRange& range);

  BpfModule& module_;
  Plan& plan_;
  const Globals& globals_;
  const CheckedProgram& program_;
  const ast::Probe& probe_;
  const ResolvedAttach& attach_;
  llvm::Function* fn_;
  llvm::LLVMContext& ctx_;
  llvm::IRBuilder<> b_;
  llvm::Value* ctx_arg_;
  std::map<std::string, llvm::Value*> variables_;
  std::vector<llvm::Value*> temporaries_;  // of the statements being lowered
  llvm::Value* loss_key_ = nullptr;         // count_loss()'s key slot
  llvm::Value* target_ = nullptr;          // see string_result()
  uint32_t target_size_ = 0;
  // Scratch mode: the value's address, the block from which it is known
  // non-null, and the free range [low, high) (temporaries grow up from 0,
  // persistent buffers down from the top).
  llvm::Value* scratch_base_ = nullptr;
  llvm::BasicBlock* scratch_ready_ = nullptr;
  uint32_t scratch_low_ = 0;
  uint32_t scratch_high_ = kScratchSize;
};

}  // namespace sonde::compiler::codegen
