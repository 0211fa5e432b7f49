// The LLVM module a sonde script lowers into, and everything about the
// object file that is not the programs' logic: BTF-defined maps (debug info
// LLVM's BPF backend turns into .BTF), the `sonde_config` .rodata global,
// the license, the `.sonde` manifest section, program functions with their
// DISubprogram, and emission to an in-memory ELF object.
#pragma once
#include <llvm/IR/DIBuilder.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "support/result.h"

namespace sonde::compiler::codegen {

// Offsets inside the `sonde_config` .rodata global (also in the manifest).
inline constexpr uint32_t kConfigTargetPid = 0;  // u32, 0 = no -p filter
inline constexpr uint32_t kConfigStartNs = 8;    // u64 ktime at start, for `elapsed`
// u32[kConfigMorePidCount]: the 2nd.. -p pids; unused slots repeat the first.
inline constexpr uint32_t kConfigMorePids = 16;
inline constexpr uint32_t kConfigMorePidCount = 7;

// One member of a struct described to BTF (a map key or value layout).
struct DebugField {
  std::string name;
  uint32_t offset = 0;  // bytes
  uint32_t size = 8;    // bytes
  bool is_string = false;
  bool is_signed = false;
};

class BpfModule {
 public:
  BpfModule(const std::string& source_name, const std::string& source_text);
  ~BpfModule();

  llvm::LLVMContext& context() { return *context_; }
  llvm::Module& module() { return *module_; }
  llvm::DIBuilder& di() { return *di_; }
  llvm::DIFile* file() { return file_; }

  // Debug types for map keys/values: u64/s64, a char array, or a struct.
  llvm::DIType* debug_int(uint32_t bytes, bool is_signed);
  llvm::DIType* debug_layout(const std::string& name, uint32_t size,
                             const std::vector<DebugField>& fields);

  // A BTF-defined map in `.maps`. `key`/`value` may be null (ring buffer).
  llvm::GlobalVariable* define_map(const std::string& name, uint32_t map_type, uint32_t max_entries,
                                   llvm::DIType* key, llvm::DIType* value);
  // `sonde_config` in .rodata (see kConfig*); returns the global.
  llvm::GlobalVariable* define_config();
  void define_license();
  void define_manifest_section(const std::string& json);

  // `int name(void *ctx)` in `section`, with a DISubprogram at `line`.
  llvm::Function* define_program(const std::string& name, const std::string& section, int line);

  // Verifies, optimises (O2 through the BPF target's pipeline) and emits the
  // object. `dump` "ir" prints optimised IR, "asm" BPF assembly, to stderr.
  Result<std::vector<uint8_t>> emit(const std::string& dump);
  // After a failed emit(): was it the BPF backend's 512-byte stack limit?
  bool stack_exceeded() const;

 private:
  std::unique_ptr<llvm::LLVMContext> context_;
  std::unique_ptr<llvm::Module> module_;
  std::unique_ptr<llvm::DIBuilder> di_;
  llvm::DIFile* file_ = nullptr;
  llvm::DICompileUnit* unit_ = nullptr;
  std::vector<llvm::GlobalValue*> kept_;  // llvm.compiler.used
  std::vector<std::string> errors_;       // LLVM error diagnostics
};

}  // namespace sonde::compiler::codegen
