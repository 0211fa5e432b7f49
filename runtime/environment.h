// What the machine must offer before anything is loaded: privileges, and
// tracefs for tracepoints. Each check fails with one line and a hint.
#pragma once
#include "manifest/manifest.h"
#include "support/result.h"

namespace sonde::runtime {

// Root, or CAP_BPF + CAP_PERFMON (or CAP_SYS_ADMIN) in the effective set.
Status check_privileges();
// Mounts tracefs when a probe needs it.
Status prepare_attach(const manifest::Manifest& manifest);

}  // namespace sonde::runtime
