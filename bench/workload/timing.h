// What the timed bench workloads share: a monotonic clock, and the result
// written to a file named on the command line (not stdout: under a tracer,
// stdout may be the tracer's own output sink).
#pragma once
#include <stdio.h>
#include <time.h>

static inline long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

// Writes `value` with `format` (e.g. "%.2f\n") to `path`; 0 on success.
static inline int write_result(const char* path, const char* format, double value) {
  FILE* out = fopen(path, "w");
  if (!out) return 1;
  fprintf(out, format, value);
  return fclose(out) == 0 ? 0 : 1;
}
