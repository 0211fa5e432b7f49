#include "cli/stdlib.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

namespace fs = std::filesystem;

namespace sonde::cli {

std::vector<std::string> stdlib_dirs() {
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("SONDE_STDLIB_DIR"); env && *env) dirs.push_back(env);
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) dirs.push_back((exe.parent_path().parent_path() / "share/sonde/stdlib").string());
  dirs.push_back(SONDE_STDLIB_DIR);
  return dirs;
}

std::string find_stdlib(const std::string& name) {
  if (name.empty() || name.find('/') != std::string::npos) return {};
  for (const auto& dir : stdlib_dirs()) {
    fs::path p = fs::path(dir) / (name + ".sonde");
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) return p.string();
  }
  return {};
}

std::string stdlib_module_dir() {
  std::vector<std::string> dirs = stdlib_dirs();
  for (const auto& dir : dirs) {
    std::error_code ec;
    if (fs::is_directory(dir, ec)) return dir;
  }
  return dirs.back();
}

std::string stdlib_names() {
  for (const auto& dir : stdlib_dirs()) {
    std::vector<std::string> found;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec))
      if (entry.path().extension() == ".sonde") found.push_back(entry.path().stem().string());
    std::sort(found.begin(), found.end());
    std::string names;
    for (const auto& name : found) names += " " + name;
    if (!names.empty()) return names;
  }
  return {};
}

}  // namespace sonde::cli
