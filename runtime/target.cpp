#include "runtime/target.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <vector>

namespace sonde::runtime {

namespace {

int pidfd_open(pid_t pid) { return static_cast<int>(syscall(SYS_pidfd_open, pid, 0)); }

// A command with no shell syntax is exec'd directly, like bpftrace does:
// through `sh -c` the traced pid would be the shell's, and dash forks for
// the command itself, so the filter would miss it.
bool needs_shell(const std::string& command) {
  return command.find_first_of("|&;<>()$`\\\"'*?[]{}~=#\n") != std::string::npos;
}

std::vector<std::string> split_words(const std::string& command) {
  std::vector<std::string> words;
  std::istringstream in(command);
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

// In the child: ask to be traced, then exec. The kernel stops the child
// right after a successful exec, before the command's first instruction, so
// the parent can attach (also by pid, to the new image) and nothing of
// sonde's own runs traced.
[[noreturn]] void child_main(const std::string& command) {
  std::vector<std::string> words = split_words(command);
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  if (ptrace(PTRACE_TRACEME, 0, nullptr, nullptr) != 0) raise(SIGSTOP);  // ptrace refused: stop here instead
  if (needs_shell(command) || words.empty())
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
  else
    execvp(argv[0], argv.data());
  std::fprintf(stderr, "sonde: cannot run '%s': %s\n", command.c_str(), std::strerror(errno));
  _exit(127);
}

}  // namespace

Target::Target(Target&& other) noexcept
    : pid_(std::exchange(other.pid_, 0)),
      is_child_(other.is_child_),
      reaped_(other.reaped_),
      stopped_(std::exchange(other.stopped_, false)),
      traced_(other.traced_),
      pidfd_(std::move(other.pidfd_)) {}

Target::~Target() {
  if (!is_child_ || reaped_ || pid_ <= 0) return;
  if (stopped_) {  // never released: it has not run a single instruction
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    return;
  }
  kill(pid_, SIGTERM);
  for (int i = 0; i < 100 && !gone(); ++i) usleep(10000);
  if (!reaped_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

Result<Target> Target::watch(pid_t pid) {
  if (kill(pid, 0) != 0 && errno == ESRCH)
    return make_error("no process with pid " + std::to_string(pid), "check the pid given to -p");
  Target t;
  t.pid_ = pid;
  t.pidfd_ = UniqueFd(pidfd_open(pid));
  return t;
}

Result<Target> Target::spawn(const std::string& command) {
  pid_t pid = fork();
  if (pid < 0) return make_error(std::string("could not fork for -c: ") + std::strerror(errno));
  if (pid == 0) child_main(command);

  int status = 0;
  while (waitpid(pid, &status, WUNTRACED) < 0 && errno == EINTR) {
  }
  if (!WIFSTOPPED(status)) {
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return make_error("the command of -c ended before tracing began (status " + std::to_string(code) + "): " + command,
                      "check that the command exists and runs");
  }
  Target t;
  t.pid_ = pid;
  t.is_child_ = true;
  t.stopped_ = true;
  t.traced_ = WSTOPSIG(status) == SIGTRAP;
  return t;
}

void Target::release() {
  if (!stopped_) return;
  stopped_ = false;
  if (traced_) ptrace(PTRACE_DETACH, pid_, nullptr, nullptr);  // drops the exec SIGTRAP
  else kill(pid_, SIGCONT);
}

bool Target::gone() {
  if (pid_ <= 0) return false;
  if (reaped_) return true;
  if (is_child_) {
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_ || (r < 0 && errno == ECHILD)) reaped_ = true;
    return reaped_;
  }
  if (pidfd_.get() >= 0) {
    pollfd p{pidfd_.get(), POLLIN, 0};
    return poll(&p, 1, 0) > 0;
  }
  return kill(pid_, 0) != 0 && errno == ESRCH;
}

}  // namespace sonde::runtime
