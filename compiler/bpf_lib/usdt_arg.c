// BPF-side helper linked into scripts that use USDT arguments: argN of the
// probe that fired, decoded by libbpf's spec (looked up through the BPF
// cookie libbpf sets at attach time), sign- or zero-extended to 64 bits.
// Compiled to LLVM bitcode at build time and linked into the module by
// codegen (compiler/codegen), only when the script reads USDT arguments.
// A failed read (bad argument index, unreadable memory operand) yields 0.
#include <stdbool.h>
#include <linux/types.h>
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/usdt.bpf.h>

__attribute__((always_inline)) long sonde_usdt_arg(struct pt_regs* ctx, __u64 n) {
  long value = 0;
  if (bpf_usdt_arg(ctx, n, &value) != 0) return 0;
  return value;
}
