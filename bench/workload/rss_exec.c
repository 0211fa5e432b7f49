// Max RSS launcher for the benchmarks: runs ARGV as a child and writes the
// child's max RSS (KiB, from wait4) to OUT. Needed because Linux carries a
// process's high-water RSS across exec: a tool forked straight from the
// Python driver would report at least the driver's own ~16 MiB. This
// launcher is small, so what it adds is ~1 MiB at most. SIGINT and SIGTERM
// are passed on to the child; the exit status is the child's.
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t child;

static void forward(int sig) {
  if (child > 0) kill(child, sig);
}

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: rss_exec OUT PROGRAM [ARG...]\n");
    return 64;
  }
  signal(SIGINT, forward);
  signal(SIGTERM, forward);
  child = fork();
  if (child < 0) return 70;
  if (child == 0) {
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    execvp(argv[2], argv + 2);
    perror(argv[2]);
    _exit(127);
  }
  int status;
  struct rusage usage;
  while (wait4(child, &status, 0, &usage) < 0) {
  }
  FILE* out = fopen(argv[1], "w");
  if (out) {
    fprintf(out, "%ld\n", usage.ru_maxrss);
    fclose(out);
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
