// Per-hit uprobe workload: N calls of bench_target(), a non-inlined
// function. Built with -fcf-protection (scripts/bench), so the function
// starts with `endbr64`, as every function of a Debian binary does, followed
// by an instruction the kernel's uprobes emulate (here a call; usually a
// push): a uprobe placed on endbr64 is single-stepped (two traps), one
// placed after it is not. (A leaf `mov` after endbr64 would be
// single-stepped wherever the probe sits.) Timed around the loop only; writes
// "<ns per call>\n" to OUT.
#include <stdio.h>
#include <stdlib.h>

#include "timing.h"

__attribute__((noinline)) static long bench_inner(long i) {
  __asm__ volatile("" : "+r"(i));  // keep the call and its argument
  return i;
}

__attribute__((noinline)) long bench_target(long i) {
  long first = bench_inner(i);
  return first + bench_inner(i);  // i lives in a callee-saved register: push
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: call_loop N OUT\n");
    return 64;
  }
  long n = atol(argv[1]);
  long sum = 0;
  long long start = now_ns();
  for (long i = 0; i < n; i++) sum += bench_target(i);
  long long elapsed = now_ns() - start;
  // `sum` is used so the calls cannot be dropped.
  return write_result(argv[2], "%.2f\n", (double)elapsed / (double)n) || sum == -1;
}
