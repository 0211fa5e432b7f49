// BEGIN and END: raw_tp programs that are never attached. The session runs
// BEGIN once after every other probe is attached and END once after they are
// detached, through BPF_PROG_TEST_RUN (raw_tp supports it with no context),
// so their output lands in the ring buffer like any other probe's.
#include <bpf/bpf.h>

#include <cerrno>
#include <cstring>

#include "runtime/attach.h"

namespace sonde::runtime {

Status run_once(bpf_program* prog, const manifest::ProbeSpec& probe) {
  LIBBPF_OPTS(bpf_test_run_opts, opts);
  if (bpf_prog_test_run_opts(bpf_program__fd(prog), &opts) != 0)
    return make_error("could not run the " + probe.kind + " probe: " + std::strerror(errno),
                      "BEGIN/END need BPF_PROG_TEST_RUN for raw_tp programs (Linux 5.10+)");
  return Ok{};
}

}  // namespace sonde::runtime
