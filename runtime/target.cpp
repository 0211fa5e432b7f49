#include "runtime/target.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
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

// In the child: wait for the go byte (EOF means the session failed), then exec.
[[noreturn]] void child_main(int read_fd, const std::string& command) {
  std::vector<std::string> words = split_words(command);  // allocate before the wait
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  char go = 0;
  ssize_t n;
  do n = read(read_fd, &go, 1);
  while (n < 0 && errno == EINTR);
  if (n != 1) _exit(0);
  if (needs_shell(command) || words.empty())
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
  else
    execvp(argv[0], argv.data());
  std::fprintf(stderr, "sonde: cannot run %s: %s\n", command.c_str(), std::strerror(errno));
  _exit(127);
}

}  // namespace

Target::Target(Target&& other) noexcept
    : pid_(std::exchange(other.pid_, 0)),
      is_child_(other.is_child_),
      reaped_(other.reaped_),
      pidfd_(std::move(other.pidfd_)),
      start_pipe_(std::move(other.start_pipe_)) {}

Target::~Target() {
  if (!is_child_ || reaped_ || pid_ <= 0) return;
  start_pipe_.reset();  // an unreleased child sees EOF and exits
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
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0)
    return make_error(std::string("could not create a pipe for -c: ") + std::strerror(errno));
  pid_t pid = fork();
  if (pid < 0) {
    int err = errno;
    close(fds[0]);
    close(fds[1]);
    return make_error(std::string("could not fork for -c: ") + std::strerror(err));
  }
  if (pid == 0) {
    close(fds[1]);
    child_main(fds[0], command);
  }
  close(fds[0]);
  Target t;
  t.pid_ = pid;
  t.is_child_ = true;
  t.start_pipe_ = UniqueFd(fds[1]);
  return t;
}

void Target::release() {
  if (start_pipe_.get() < 0) return;
  char go = 1;
  ssize_t n;
  do n = write(start_pipe_.get(), &go, 1);
  while (n < 0 && errno == EINTR);
  start_pipe_.reset();
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
