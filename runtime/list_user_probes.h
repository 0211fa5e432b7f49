// `-l` for USDT probes and uprobes (list_user_probes.cpp).
#pragma once
#include <sys/types.h>

#include <string>

namespace sonde::runtime {

// True for "usdt:..", "U:..", "uprobe:..", "u:..", and for no pattern with a pid.
bool is_user_pattern(const std::string& pattern, pid_t pid);
// Prints matching probes; returns the exit status.
int list_user_probes(const std::string& pattern, bool verbose, pid_t pid);

}  // namespace sonde::runtime
