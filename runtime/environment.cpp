#include "runtime/environment.h"

#include <linux/capability.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "runtime/attach.h"
#include "support/tracefs.h"

namespace sonde::runtime {

namespace {

constexpr int kCapSysAdmin = 21, kCapPerfmon = 38, kCapBpf = 39;

bool has_capability(const __user_cap_data_struct (&data)[2], int cap) {
  return (data[cap / 32].effective >> (cap % 32)) & 1u;
}

}  // namespace

Status check_privileges() {
  if (geteuid() == 0) return Ok{};
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  bool ok = syscall(SYS_capget, &header, data) == 0 &&
            (has_capability(data, kCapSysAdmin) ||
             (has_capability(data, kCapBpf) && has_capability(data, kCapPerfmon)));
  if (ok) return Ok{};
  return make_error("sonde needs root (CAP_BPF and CAP_PERFMON): run it with sudo");
}

void raise_fd_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
}

Error explain_fd_limit(Error e) {
  rlimit limit{};
  if (e.message.find(std::strerror(EMFILE)) == std::string::npos || getrlimit(RLIMIT_NOFILE, &limit) != 0)
    return e;
  auto text = [](rlim_t n) { return n == RLIM_INFINITY ? std::string("unlimited") : std::to_string(n); };
  e.hint = "sonde ran out of file descriptors: the open-files limit (RLIMIT_NOFILE) is " +
           text(limit.rlim_cur) + " (hard limit " + text(limit.rlim_max) +
           ") and each probe needs at least two; raise it, e.g. `ulimit -n 65536`, or attach fewer probes";
  return e;
}

Status prepare_attach(const manifest::Manifest& manifest) {
  for (const manifest::ProbeSpec& p : manifest.probes)
    if (needs_tracefs(p)) return tracefs::ensure_mounted();
  return Ok{};
}

}  // namespace sonde::runtime
