#include "harness.h"

#include <fcntl.h>
#include <linux/bpf.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

namespace sonde::e2e {

std::string bin(const std::string& name) { return std::string(SONDE_BINARY_DIR) + "/" + name; }
std::string fixture(const std::string& name) {
  return std::string(SONDE_BINARY_DIR) + "/fixtures/" + name;
}
std::string source_path(const std::string& relative) {
  return std::string(SONDE_SOURCE_DIR) + "/" + relative;
}

static double now_s() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

RunResult run(const std::vector<std::string>& argv, double timeout_s) {
  RunResult r;
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) || pipe2(err_pipe, O_CLOEXEC)) return r;
  pid_t child = fork();
  if (child == 0) {
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    setpgid(0, 0);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  double deadline = now_s() + timeout_s;
  bool killed = false;
  int open_fds = 2;
  while (open_fds > 0) {
    int left_ms = static_cast<int>((deadline - now_s()) * 1000);
    if (left_ms <= 0 && !killed) {
      kill(-child, SIGKILL);
      killed = true;
      left_ms = 1000;
    }
    if (poll(fds, 2, std::max(left_ms, 1)) < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
      char buf[65536];
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      } else {
        (i == 0 ? r.out : r.err).append(buf, n);
      }
    }
  }
  int status = 0;
  waitpid(child, &status, 0);
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  if (killed) r.err += "\n[harness: killed after timeout]\n";
  return r;
}

RunResult sonde(const std::vector<std::string>& args, double timeout_s) {
  std::vector<std::string> argv{bin("sonde")};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, timeout_s);
}

Spawned::Spawned(const std::vector<std::string>& argv) {
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) || pipe2(err_pipe, O_CLOEXEC)) return;
  pid_ = fork();
  if (pid_ == 0) {
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  out_fd_ = out_pipe[0];
  err_fd_ = err_pipe[0];
}

Spawned::~Spawned() {
  if (!done_ && pid_ > 0) {
    kill(pid_, SIGKILL);
    finish(5);
  }
}

// Reads whatever is available within timeout_s.
void Spawned::pump(double timeout_s) {
  pollfd fds[2] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
  if (out_fd_ < 0 && err_fd_ < 0) return;
  if (poll(fds, 2, static_cast<int>(timeout_s * 1000)) <= 0) return;
  for (int i = 0; i < 2; ++i) {
    if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
    char buf[65536];
    ssize_t n = read(fds[i].fd, buf, sizeof buf);
    if (n <= 0) {
      close(fds[i].fd);
      (i == 0 ? out_fd_ : err_fd_) = -1;
    } else {
      (i == 0 ? result_.out : result_.err).append(buf, n);
    }
  }
}

bool Spawned::wait_for_err(const std::string& needle, double timeout_s) {
  double deadline = now_s() + timeout_s;
  while (result_.err.find(needle) == std::string::npos) {
    if (now_s() > deadline || (out_fd_ < 0 && err_fd_ < 0)) return false;
    pump(0.05);
  }
  return true;
}

bool Spawned::wait_for_out(const std::string& needle, double timeout_s) {
  double deadline = now_s() + timeout_s;
  while (result_.out.find(needle) == std::string::npos) {
    if (now_s() > deadline || (out_fd_ < 0 && err_fd_ < 0)) return false;
    pump(0.05);
  }
  return true;
}

void Spawned::signal(int sig) {
  if (pid_ > 0 && !done_) kill(pid_, sig);
}

RunResult Spawned::finish(double timeout_s) {
  double deadline = now_s() + timeout_s;
  bool killed = false;
  while (out_fd_ >= 0 || err_fd_ >= 0) {
    if (now_s() > deadline && !killed) {
      kill(pid_, SIGKILL);
      killed = true;
      result_.err += "\n[harness: killed after timeout]\n";
    }
    pump(0.1);
  }
  int status = 0;
  if (pid_ > 0) waitpid(pid_, &status, 0);
  if (WIFEXITED(status)) result_.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result_.signal = WTERMSIG(status);
  done_ = true;
  return result_;
}

void touch(const std::string& path) {
  int fd = open(path.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
  if (fd >= 0) close(fd);
}

std::string temp_path(const std::string& stem) {
  static int counter = 0;
  std::string p = "/tmp/sonde-e2e-" + std::to_string(getpid()) + "-" + std::to_string(++counter) + "-" + stem;
  unlink(p.c_str());
  return p;
}

bool bpf_available(std::string* why) {
  if (geteuid() != 0) {
    *why = "not running as root";
    return false;
  }
  // A one-entry array map is the cheapest proof that bpf() works here.
  union bpf_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.map_type = BPF_MAP_TYPE_ARRAY;
  attr.key_size = 4;
  attr.value_size = 4;
  attr.max_entries = 1;
  int fd = static_cast<int>(syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof attr));
  if (fd < 0) {
    *why = std::string("bpf() failed: ") + strerror(errno);
    return false;
  }
  close(fd);
  return true;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

}  // namespace sonde::e2e
