// The compiled-object cache (see compile_cache.h).
#include "compiler/compile_cache.h"

#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <regex>
#include <set>
#include <sstream>

namespace sonde::compiler {

namespace {

constexpr char kMagic[] = "sonde-cache-1\n";

// FNV-1a, 64 bits: only names the file; the full key is compared on read.
uint64_t fnv1a(const std::string& s) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

std::string file_identity(const std::string& path) {
  struct stat st{};
  if (stat(path.c_str(), &st) != 0) return path + " -\n";
  return path + " " + std::to_string(st.st_size) + " " + std::to_string(st.st_mtim.tv_sec) + "." +
         std::to_string(st.st_mtim.tv_nsec) + "\n";
}

bool make_dirs(const std::string& dir) {
  for (size_t i = 1; i <= dir.size(); ++i)
    if (i == dir.size() || dir[i] == '/') {
      std::string part = dir.substr(0, i);
      if (mkdir(part.c_str(), 0700) != 0 && errno != EEXIST) return false;
    }
  return true;
}

}  // namespace

CompileCache CompileCache::from_environment() {
  CompileCache cache;
  const char* off = std::getenv("SONDE_CACHE");
  if (off && std::string(off) == "0") return cache;
  if (const char* dir = std::getenv("SONDE_CACHE_DIR"); dir && *dir) cache.dir_ = dir;
  else if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) cache.dir_ = std::string(xdg) + "/sonde";
  else if (const char* home = std::getenv("HOME"); home && *home) cache.dir_ = std::string(home) + "/.cache/sonde";
  return cache;
}

std::string CompileCache::path_for(const std::string& key) const {
  char name[32];
  std::snprintf(name, sizeof name, "%016llx.bpf.o", static_cast<unsigned long long>(fnv1a(key)));
  return dir_ + "/" + name;
}

std::optional<std::vector<uint8_t>> CompileCache::lookup(const std::string& key) const {
  if (dir_.empty()) return std::nullopt;
  std::ifstream in(path_for(key), std::ios::binary);
  if (!in) return std::nullopt;
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string header = kMagic + std::to_string(key.size()) + "\n" + key;
  if (data.size() <= header.size() || data.compare(0, header.size(), header) != 0) return std::nullopt;
  return std::vector<uint8_t>(data.begin() + header.size(), data.end());
}

void CompileCache::store(const std::string& key, const std::vector<uint8_t>& elf) const {
  if (dir_.empty() || !make_dirs(dir_)) return;
  std::string path = path_for(key);
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << kMagic << key.size() << "\n" << key;
    out.write(reinterpret_cast<const char*>(elf.data()), static_cast<std::streamsize>(elf.size()));
    if (!out) {
      std::remove(tmp.c_str());
      return;
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) std::remove(tmp.c_str());
}

std::string CompileCache::environment_key(const std::string& text, const std::string& codegen_module) {
  std::string key = "compiler: " + file_identity("/proc/self/exe");
  if (!codegen_module.empty()) key += "codegen: " + file_identity(codegen_module);
  struct utsname u{};
  if (uname(&u) == 0) key += std::string("kernel: ") + u.release + " " + u.version + "\n";
  // Absolute paths in the checked program: USDT and uprobe targets.
  static const std::regex kPath(R"((/[A-Za-z0-9._+@-]+)+)");
  std::set<std::string> paths;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kPath); it != std::sregex_iterator(); ++it)
    paths.insert(it->str());
  for (const std::string& p : paths) {
    struct stat st{};
    if (stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode)) key += file_identity(p);
  }
  return key;
}

}  // namespace sonde::compiler
