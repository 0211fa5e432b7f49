// What the machine must offer before anything is loaded: privileges, file
// descriptors, and tracefs for tracepoints. Each check fails with one line
// and a hint.
#pragma once
#include "manifest/manifest.h"
#include "support/result.h"

namespace sonde::runtime {

// Root, or CAP_BPF + CAP_PERFMON (or CAP_SYS_ADMIN) in the effective set.
Status check_privileges();
// Raises the open-files soft limit (RLIMIT_NOFILE) to the hard limit, as
// bpftrace does: every probe holds a program fd and a link or perf-event fd
// (per CPU for interval/profile), so wildcard probes outgrow the usual 1024.
// Best effort: failing to raise it is not an error by itself.
void raise_fd_limit();
// `e` with a hint about the open-files limit when it failed with EMFILE
// ("Too many open files", from libbpf or an attach step); `e` unchanged
// otherwise.
Error explain_fd_limit(Error e);
// Mounts tracefs when a probe needs it.
Status prepare_attach(const manifest::Manifest& manifest);

}  // namespace sonde::runtime
