// BPF-side helpers written in C and linked into scripts as LLVM bitcode.
//
// Why C: some helpers are libbpf's own BPF-side code (USDT argument decoding
// through its spec map and the BPF cookie), which must match the libbpf that
// attaches the probes; compiling libbpf's header is the only faithful way.
// Others read kernel structs with CO-RE relocations (fd_info.c), which only
// clang's preserve_access_index attribute produces.
// The C files are compiled to bitcode at build time (bpf_lib.cmake) and
// embedded in the compiler, so sonde needs no clang at run time.
//
// Contract with codegen: call link_usdt_helpers() on the module before
// optimising when any program reads USDT arguments, then call
// kUsdtArgFunction as `i64 (ptr ctx, i64 n)`. After linking, the helpers
// are internal and always-inline; libbpf's maps (__bpf_usdt_specs,
// __bpf_usdt_ip_to_spec_id) and the LINUX_HAS_BPF_COOKIE kconfig extern
// stay as libbpf expects them, with BTF from the bitcode's debug info.
#pragma once
#include <string_view>

#include "support/result.h"

namespace llvm {
class Module;
}

namespace sonde::compiler::bpf_lib {

inline constexpr const char* kUsdtArgFunction = "sonde_usdt_arg";
// `i64 (ptr dst, i32 size, ptr src)`: str() in sleepable user-space
// programs (user_str.c); faults the source page in when needed.
inline constexpr const char* kReadUserStrFunction = "sonde_read_user_str";
// fd_info.c: fdkind(), fdpeer() and sockaddr(). Each writes text into a
// buffer the caller has zeroed: `void (ptr dst, i64 fd)` with an 8-byte dst
// (fdkind) or a 64-byte one (fdpeer), `void (ptr dst, ptr uaddr, i64 len)`
// with a 64-byte dst (sockaddr). Their field accesses are CO-RE relocations
// that libbpf resolves against the kernel's BTF at load time. The sizes
// match the builtins table's result sizes (compiler/builtins.cpp).
inline constexpr const char* kFdKindFunction = "sonde_fdkind";
inline constexpr const char* kFdPeerFunction = "sonde_fdpeer";
inline constexpr const char* kSockaddrFunction = "sonde_sockaddr";

// The embedded bitcode of usdt_arg.c, user_str.c and fd_info.c.
std::string_view usdt_arg_bitcode();
std::string_view user_str_bitcode();
std::string_view fd_info_bitcode();

// Links usdt_arg.c into `module` (once; a second call is a no-op).
Status link_usdt_helpers(llvm::Module& module);
// Links user_str.c when the module declares kReadUserStrFunction.
Status link_user_str_helper(llvm::Module& module);
// Links fd_info.c when the module declares any of its three functions.
Status link_fd_helpers(llvm::Module& module);

}  // namespace sonde::compiler::bpf_lib
