// Turning what a script names as a uprobe/USDT target into a file to open:
//   "/usr/bin/php8.2"  a path, used as is
//   "libc", "c"        a library short name, through the dynamic linker's
//                      cache (/etc/ld.so.cache), as `ldconfig -p` shows it
//   "bash"             otherwise a program found on $PATH
// With a PID (-p), names are looked up among the files the process maps
// (its executable and libraries, /proc/PID/maps; then its filesystem's
// ld.so.cache, for a -c child not yet linked), and paths are reached
// through /proc/PID/root when the process lives in another mount namespace,
// so a container's own libc is probed, not the host's.
#pragma once
#include <sys/types.h>

#include <string>
#include <vector>

#include "support/result.h"

namespace sonde::binpath {

struct CacheEntry {
  std::string soname;  // "libc.so.6"
  std::string path;    // "/lib/x86_64-linux-gnu/libc.so.6"
};

// Entries of the dynamic linker's cache for this machine's word size;
// empty when the cache is missing or in a format we do not read.
std::vector<CacheEntry> read_ld_cache(const std::string& file = "/etc/ld.so.cache");
// Parses the bytes of a cache file (unit-testable).
std::vector<CacheEntry> parse_ld_cache(const std::string& bytes);

// "libc" or "c" → the first entry named libc.so or libc.so.N; empty if none.
std::string find_library(const std::vector<CacheEntry>& cache, const std::string& name);

// Resolves a target as described above. Errors name what was tried.
Result<std::string> resolve(const std::string& target, pid_t pid = 0);

// The executable and every file-backed mapping of PID, in the tracer's view
// (prefixed with /proc/PID/root when the mount namespace differs), each
// once, executable first. Error when the process is gone.
Result<std::vector<std::string>> mapped_files(pid_t pid);

}  // namespace sonde::binpath
