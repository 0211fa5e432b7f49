// Per-hit USDT workload: N hits of the USDT probe `sonde_bench:hit` (a
// <sys/sdt.h> probe without a semaphore, so the untraced loop pays only a
// nop), timed with CLOCK_MONOTONIC around the loop only. Writes
// "<ns per iteration>\n" to OUT (not stdout: that may be the tracer's).
#include <stdio.h>
#include <stdlib.h>
#include <sys/sdt.h>

#include "timing.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: usdt_loop N OUT\n");
    return 64;
  }
  long n = atol(argv[1]);
  long long start = now_ns();
  for (long i = 0; i < n; i++) DTRACE_PROBE1(sonde_bench, hit, i);
  long long elapsed = now_ns() - start;
  return write_result(argv[2], "%.2f\n", (double)elapsed / (double)n);
}
