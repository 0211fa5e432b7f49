// Per-event overhead workload: N getpid syscalls back to back, timed with
// CLOCK_MONOTONIC around the loop only (so tool start-up and exit do not
// count). Writes "<ns per call>\n" to OUT, not stdout: under a tracer, stdout
// may be the tracer's own output sink.
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "timing.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: loop N OUT\n");
    return 64;
  }
  long n = atol(argv[1]);
  long long start = now_ns();
  for (long i = 0; i < n; i++) syscall(SYS_getpid);  // glibc's getpid() may not enter the kernel
  long long elapsed = now_ns() - start;
  return write_result(argv[2], "%.2f\n", (double)elapsed / (double)n);
}
