// Linking the embedded helper bitcode into a script's module (see bpf_lib.h).
#include "compiler/bpf_lib/bpf_lib.h"

#include <llvm/Bitcode/BitcodeReader.h>
#include <llvm/IR/Module.h>
#include <llvm/Linker/Linker.h>
#include <llvm/Support/Error.h>
#include <llvm/Support/MemoryBuffer.h>

#include <set>
#include <string>

namespace sonde::compiler::bpf_lib {

extern const unsigned char k_usdt_arg_bitcode[];
extern const size_t k_usdt_arg_bitcode_size;
extern const unsigned char k_user_str_bitcode[];
extern const size_t k_user_str_bitcode_size;
extern const unsigned char k_fd_info_bitcode[];
extern const size_t k_fd_info_bitcode_size;

std::string_view usdt_arg_bitcode() {
  return {reinterpret_cast<const char*>(k_usdt_arg_bitcode), k_usdt_arg_bitcode_size};
}

std::string_view user_str_bitcode() {
  return {reinterpret_cast<const char*>(k_user_str_bitcode), k_user_str_bitcode_size};
}

std::string_view fd_info_bitcode() {
  return {reinterpret_cast<const char*>(k_fd_info_bitcode), k_fd_info_bitcode_size};
}

namespace {

// The helpers become private to the module and are inlined into each
// program: the verifier then sees one function per program, and no helper
// stays behind as a stray global program.
void internalize(llvm::Module& module, const std::set<std::string>& names) {
  for (const std::string& name : names) {
    llvm::Function* fn = module.getFunction(name);
    if (!fn || fn->isDeclaration()) continue;
    bool static_in_c = fn->hasLocalLinkage();
    fn->setLinkage(llvm::GlobalValue::InternalLinkage);
    fn->setVisibility(llvm::GlobalValue::DefaultVisibility);
    fn->removeFnAttr(llvm::Attribute::OptimizeNone);
    // Written `static __attribute__((noinline))` in C: meant to be one
    // static BPF subprogram, shared by the programs (fd_info.c says why).
    if (static_in_c && fn->hasFnAttribute(llvm::Attribute::NoInline)) continue;
    fn->removeFnAttr(llvm::Attribute::NoInline);
    fn->addFnAttr(llvm::Attribute::AlwaysInline);
  }
}

// Links one embedded bitcode file whose entry point is `entry`, unless the
// module already defines it.
Status link_bitcode(llvm::Module& module, std::string_view bitcode, const char* entry) {
  if (llvm::Function* fn = module.getFunction(entry); fn && !fn->isDeclaration()) return Ok{};
  auto buffer = llvm::MemoryBuffer::getMemBuffer(llvm::StringRef(bitcode.data(), bitcode.size()),
                                                 entry, false);
  auto parsed = llvm::parseBitcodeFile(buffer->getMemBufferRef(), module.getContext());
  if (!parsed)
    return make_error(std::string("cannot read the embedded helper bitcode of ") + entry + ": " +
                      llvm::toString(parsed.takeError()));
  std::unique_ptr<llvm::Module> helpers = std::move(*parsed);
  helpers->setTargetTriple(module.getTargetTriple());
  helpers->setDataLayout(module.getDataLayout());
  std::set<std::string> names;
  for (const llvm::Function& fn : *helpers)
    if (!fn.isDeclaration()) names.insert(fn.getName().str());
  if (llvm::Linker::linkModules(module, std::move(helpers)))
    return make_error(std::string("cannot link the helper bitcode of ") + entry + " into the script's module");
  internalize(module, names);
  return Ok{};
}

}  // namespace

Status link_usdt_helpers(llvm::Module& module) {
  return link_bitcode(module, usdt_arg_bitcode(), kUsdtArgFunction);
}

Status link_user_str_helper(llvm::Module& module) {
  if (!module.getFunction(kReadUserStrFunction)) return Ok{};
  return link_bitcode(module, user_str_bitcode(), kReadUserStrFunction);
}

Status link_fd_helpers(llvm::Module& module) {
  for (const char* name : {kFdKindFunction, kFdPeerFunction, kSockaddrFunction})
    if (module.getFunction(name)) return link_bitcode(module, fd_info_bitcode(), name);
  return Ok{};
}

}  // namespace sonde::compiler::bpf_lib
