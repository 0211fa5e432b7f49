// Throughput workload: N getpid syscalls paced at RATE per second (0 = as
// fast as possible). Pacing is by deadline, checked every 64 calls, so the
// rate holds on average without a sleep per call. Writes the achieved rate
// (calls per second) to OUT.
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "timing.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: burst N RATE OUT\n");
    return 64;
  }
  long n = atol(argv[1]);
  double rate = atof(argv[2]);
  long long start = now_ns();
  for (long i = 0; i < n; i++) {
    syscall(SYS_getpid);
    if (rate > 0 && (i & 63) == 63) {
      long long due = start + (long long)((double)(i + 1) * 1e9 / rate);
      while (now_ns() < due) {
      }
    }
  }
  double seconds = (double)(now_ns() - start) / 1e9;
  return write_result(argv[3], "%.0f\n", (double)n / seconds);
}
