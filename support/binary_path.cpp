// Target resolution for uprobes and USDT (see binary_path.h).
//
// The ld.so.cache reader handles glibc's "new" format (magic
// "glibc-ld.so.cache1.1", alone or after the old "ld.so-1.7.0" table):
// a 48-byte header, then 24-byte entries {i32 flags, u32 key, u32 value,
// u32 osversion, u64 hwcap} whose key/value are string offsets from the
// start of the new-format header. Only entries for this machine's ABI are
// kept (flags 0x0303 on x86-64: libc6 + x86-64), as the dynamic linker does.
#include "support/binary_path.h"

#include <unistd.h>
#include <sys/stat.h>

#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

namespace sonde::binpath {
namespace {

constexpr char kNewMagic[] = "glibc-ld.so.cache1.1";
constexpr size_t kHeaderSize = 48;
constexpr size_t kEntrySize = 24;
#if defined(__x86_64__)
constexpr int32_t kWantedFlags = 0x0303;  // FLAG_ELF_LIBC6 | FLAG_X8664_LIB64
#elif defined(__aarch64__)
constexpr int32_t kWantedFlags = 0x0a03;  // FLAG_ELF_LIBC6 | FLAG_AARCH64_LIB64
#else
constexpr int32_t kWantedFlags = 0x0003;
#endif

bool exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

bool is_executable_file(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
}

std::string read_link(const std::string& path) {
  char buf[4096];
  ssize_t n = readlink(path.c_str(), buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

// "/proc/PID/root" when PID sees another filesystem than we do, else "".
std::string root_prefix(pid_t pid) {
  std::string proc = "/proc/" + std::to_string(pid);
  std::string theirs = read_link(proc + "/ns/mnt"), ours = read_link("/proc/self/ns/mnt");
  return !theirs.empty() && theirs != ours ? proc + "/root" : std::string();
}

std::string basename_of(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// "libc" / "c" → "libc"; the soname must be that + ".so" or ".so.N...".
bool names_library(const std::string& file, const std::string& name) {
  std::string lib = name.rfind("lib", 0) == 0 ? name : "lib" + name;
  if (file.rfind(lib + ".so", 0) != 0) return false;
  std::string rest = file.substr(lib.size() + 3);
  return rest.empty() || rest[0] == '.';
}

std::string search_path(const std::string& program) {
  const char* env = getenv("PATH");
  std::istringstream dirs(env ? env : "/usr/local/bin:/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
    if (is_executable_file(candidate)) return candidate;
  }
  return {};
}

Result<std::string> resolve_in_process(const std::string& target, pid_t pid) {
  auto files = mapped_files(pid);
  if (!files) return files.error();
  if (target.find('/') != std::string::npos) {
    std::string prefixed = root_prefix(pid) + target;
    if (exists(prefixed)) return prefixed;
    return make_error("binary " + target + " does not exist in process " + std::to_string(pid) + "'s filesystem");
  }
  for (const std::string& f : *files)
    if (basename_of(f) == target || names_library(basename_of(f), target)) return f;
  // Not mapped (yet: a -c child is held before its dynamic loader runs):
  // the library its own filesystem's cache names.
  std::string root = root_prefix(pid);
  std::string lib = find_library(read_ld_cache(root + "/etc/ld.so.cache"), target);
  if (!lib.empty()) return root + lib;
  return make_error("process " + std::to_string(pid) + " maps no file named " + target,
                    "list what it maps with: cat /proc/" + std::to_string(pid) + "/maps");
}

}  // namespace

std::vector<CacheEntry> parse_ld_cache(const std::string& bytes) {
  std::vector<CacheEntry> out;
  size_t start = bytes.find(std::string(kNewMagic, sizeof kNewMagic - 1));
  if (start == std::string::npos || bytes.size() < start + kHeaderSize) return out;
  uint32_t count = 0;
  std::memcpy(&count, bytes.data() + start + 20, 4);
  auto string_at = [&](uint32_t off) -> std::string {
    size_t at = start + off;
    if (at >= bytes.size()) return {};
    return std::string(bytes.c_str() + at, strnlen(bytes.c_str() + at, bytes.size() - at));
  };
  for (uint32_t i = 0; i < count; ++i) {
    size_t at = start + kHeaderSize + i * kEntrySize;
    if (at + kEntrySize > bytes.size()) break;
    int32_t flags;
    uint32_t key, value;
    std::memcpy(&flags, bytes.data() + at, 4);
    std::memcpy(&key, bytes.data() + at + 4, 4);
    std::memcpy(&value, bytes.data() + at + 8, 4);
    if (flags != kWantedFlags) continue;
    out.push_back({string_at(key), string_at(value)});
  }
  return out;
}

std::vector<CacheEntry> read_ld_cache(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return parse_ld_cache(bytes.str());
}

std::string find_library(const std::vector<CacheEntry>& cache, const std::string& name) {
  for (const CacheEntry& e : cache)
    if (names_library(e.soname, name)) return e.path;
  return {};
}

Result<std::string> resolve(const std::string& target, pid_t pid) {
  if (pid > 0) return resolve_in_process(target, pid);
  if (target.find('/') != std::string::npos) {
    if (!exists(target))
      return make_error("binary " + target + " does not exist", "give the full path of an executable or shared library");
    return target;
  }
  std::string lib = find_library(read_ld_cache(), target);
  if (!lib.empty()) return lib;
  std::string program = search_path(target);
  if (!program.empty()) return program;
  return make_error("no library or program named " + target,
                    "give a full path, or a library name ldconfig -p knows (libc, c, ...)");
}

Result<std::vector<std::string>> mapped_files(pid_t pid) {
  std::string proc = "/proc/" + std::to_string(pid);
  std::ifstream maps(proc + "/maps");
  if (!maps) return make_error("no process with pid " + std::to_string(pid), "check the pid given to -p");
  std::string prefix = root_prefix(pid);
  std::vector<std::string> out;
  std::set<std::string> seen;
  auto add = [&](const std::string& path) {
    if (path.empty() || path[0] != '/' || !seen.insert(path).second) return;
    out.push_back(prefix + path);
  };
  add(read_link(proc + "/exe"));
  for (std::string line; std::getline(maps, line);) {
    // address perms offset dev inode path — the path starts at field 6.
    std::istringstream fields(line);
    std::string skip, path;
    for (int i = 0; i < 5; ++i) fields >> skip;
    std::getline(fields >> std::ws, path);
    if (path.size() > 10 && path.compare(path.size() - 10, 10, " (deleted)") == 0) continue;
    add(path);
  }
  return out;
}

}  // namespace sonde::binpath
