#include "runtime/target.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <wordexp.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

namespace sonde::runtime {

namespace {

int pidfd_open(pid_t pid) { return static_cast<int>(syscall(SYS_pidfd_open, pid, 0)); }

// A -c command split and unquoted like a shell would (quotes, `$VAR`,
// globs), for exec'ing it directly as bpftrace does: through `sh -c` the
// traced pid would be the shell's, and dash forks for the command itself, so
// the filter would miss it. Leading NAME=value words become the command's
// environment. `direct` is false when the command needs a real shell
// (pipes, redirections, `;`, `$(...)`).
struct DirectCommand {
  bool direct = false;
  std::vector<std::string> words;        // argv
  std::vector<std::string> environment;  // envp: ours plus the assignments
};

bool is_assignment(const std::string& word) {
  size_t eq = word.find('=');
  if (eq == 0 || eq == std::string::npos) return false;
  for (size_t i = 0; i < eq; ++i)
    if (!(std::isalnum(static_cast<unsigned char>(word[i])) || word[i] == '_')) return false;
  return !std::isdigit(static_cast<unsigned char>(word[0]));
}

DirectCommand split_command(const std::string& command) {
  DirectCommand c;
  wordexp_t expanded;
  if (wordexp(command.c_str(), &expanded, WRDE_NOCMD) != 0) return c;
  std::vector<std::string> words(expanded.we_wordv, expanded.we_wordv + expanded.we_wordc);
  wordfree(&expanded);
  size_t first = 0;
  while (first < words.size() && is_assignment(words[first])) ++first;
  if (first == words.size()) return c;
  for (char** e = environ; *e; ++e) c.environment.emplace_back(*e);
  c.environment.insert(c.environment.end(), words.begin(), words.begin() + first);
  c.words.assign(words.begin() + first, words.end());
  c.direct = true;
  return c;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> p;
  for (std::string& s : strings) p.push_back(s.data());
  p.push_back(nullptr);
  return p;
}

// In the child: ask to be traced, then exec. The kernel stops the child
// right after a successful exec, before the command's first instruction, so
// the parent can attach (also by pid, to the new image) and nothing of
// sonde's own runs traced. argv/envp were built before fork: no allocation here.
[[noreturn]] void child_main(const std::string& command, char* const* argv, char* const* envp) {
  if (ptrace(PTRACE_TRACEME, 0, nullptr, nullptr) != 0) raise(SIGSTOP);  // ptrace refused: stop here instead
  if (argv)
    execvpe(argv[0], argv, envp);
  else
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
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
  DirectCommand split = split_command(command);
  std::vector<char*> argv = pointers(split.words);
  std::vector<char*> envp = pointers(split.environment);
  pid_t pid = fork();
  if (pid < 0) return make_error(std::string("could not fork for -c: ") + std::strerror(errno));
  if (pid == 0) child_main(command, split.direct ? argv.data() : nullptr, envp.data());

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
