#include "runtime/environment.h"

#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

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

Status prepare_attach(const manifest::Manifest& manifest) {
  for (const manifest::ProbeSpec& p : manifest.probes)
    if (needs_tracefs(p)) return tracefs::ensure_mounted();
  return Ok{};
}

}  // namespace sonde::runtime
