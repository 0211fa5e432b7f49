// Launch-latency workload: makes one syscall (getpid or openat) every period
// (default 1 ms) until killed, so a tracer that just attached sees its first
// event from this pid within about one period.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 2 || (strcmp(argv[1], "getpid") && strcmp(argv[1], "openat"))) {
    fprintf(stderr, "usage: tick getpid|openat [period_us]\n");
    return 64;
  }
  int use_open = strcmp(argv[1], "openat") == 0;
  long period_us = argc > 2 ? atol(argv[2]) : 1000;
  struct timespec period = {period_us / 1000000, (period_us % 1000000) * 1000};
  for (;;) {
    if (use_open) {
      int fd = open("/dev/null", O_RDONLY);
      if (fd >= 0) close(fd);
    } else {
      syscall(SYS_getpid);
    }
    nanosleep(&period, NULL);
  }
}
