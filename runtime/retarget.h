// `--target NAME=PATH`: run an object against another build of the traced
// program than the one it was compiled against (AOT portability). USDT
// locations, semaphores and argument specs are read from PATH at attach
// time, so only the path in each probe changes. NAME selects the probes by
// USDT provider (`php`), by the binary's file name (`php8.2`, `libc.so.6`)
// or by its full path. Pure functions of the manifest, unit-tested.
#pragma once
#include <string>
#include <vector>

#include "manifest/manifest.h"
#include "support/result.h"

namespace sonde::runtime {

struct TargetOverride {
  std::string name;  // provider, file name or path
  std::string path;  // the binary to attach to instead
};

// Parses "NAME=PATH"; an error names what is wrong.
Result<TargetOverride> parse_target_override(const std::string& text);

// Rewrites the targets of matching uprobe/uretprobe/usdt probes, then drops
// probes that became duplicates (one provider in several binaries now
// pointing at one). Errors: an override that matches no probe, or a PATH
// that is not a regular file.
Status apply_target_overrides(std::vector<manifest::ProbeSpec>& probes,
                              const std::vector<TargetOverride>& overrides);

}  // namespace sonde::runtime
