// rawtracepoint:NAME (what `syscall:` probes lower to: raw_syscalls'
// sys_enter / sys_exit). A BPF raw tracepoint link needs no perf event and
// no tracefs, and closing it does not wait for the RCU grace periods that
// make a perf-event tracepoint link's detach cost tens of milliseconds.
#include <cerrno>
#include <cstring>

#include "runtime/attach.h"

namespace sonde::runtime {

Result<Links> attach_raw_tracepoint(bpf_program* prog, const manifest::ProbeSpec& probe) {
  bpf_link* link = bpf_program__attach_raw_tracepoint(prog, probe.target.c_str());
  if (!link) {
    int err = errno;
    return make_error("could not attach probe `" + probe.text + "` (raw tracepoint " + probe.target +
                      "): " + std::strerror(err));
  }
  Links links;
  links.emplace_back(link);
  return links;
}

}  // namespace sonde::runtime
