// tracefs access: mounting, listing tracepoints and parsing their record
// formats.
//
// Listing sits on every start-up that uses a wildcard or needs a "did you
// mean" hint, so it walks the events directory with readdir() and trusts
// d_type (tracefs fills it) instead of stat()ing ~2,000 entries. A pattern
// whose category has no wildcard only reads that one category directory.
#include "support/tracefs.h"

#include <dirent.h>
#include <fnmatch.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace sonde::tracefs {
namespace {

constexpr const char* kTracingDir = "/sys/kernel/tracing";
constexpr const char* kDebugfsTracingDir = "/sys/kernel/debug/tracing";
constexpr const char* kMountCommand = "mount -t tracefs nodev /sys/kernel/tracing";

bool is_dir(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool has_events(const std::string& dir) { return is_dir(dir + "/events"); }

// Names of the subdirectories of `path`; empty when it cannot be opened.
std::vector<std::string> subdirectories(const std::string& path) {
  std::vector<std::string> out;
  DIR* dir = opendir(path.c_str());
  if (!dir) return out;
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    bool dir_entry = entry->d_type == DT_DIR ||
                     (entry->d_type == DT_UNKNOWN && is_dir(path + "/" + entry->d_name));
    if (dir_entry) out.emplace_back(entry->d_name);
  }
  closedir(dir);
  return out;
}

bool has_glob(const std::string& s) { return s.find_first_of("*?[") != std::string::npos; }

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

// The value of `key:` inside a field line ("offset:24;" → "24").
std::string attribute(const std::string& line, const std::string& key) {
  size_t at = line.find("\t" + key + ":");
  if (at == std::string::npos) return "";
  size_t start = at + key.size() + 2;
  size_t end = line.find(';', start);
  return line.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// Splits a C declaration ("const char * filename", "char comm[16]",
// "__data_loc char[] name") into the field's name and type.
bool parse_declaration(const std::string& decl, Field& field) {
  std::string text = trim(decl);
  std::string array_suffix;
  if (!text.empty() && text.back() == ']') {
    size_t open = text.rfind('[');
    if (open == std::string::npos) return false;
    array_suffix = text.substr(open);
    text = trim(text.substr(0, open));
  }
  size_t name_start = text.find_last_of(" \t*");
  if (name_start == std::string::npos) return false;
  field.name = text.substr(name_start + 1);
  std::string type = trim(text.substr(0, name_start + 1));
  if (field.name.empty() || type.empty()) return false;

  field.is_data_loc = type.rfind("__data_loc", 0) == 0;
  field.is_pointer = !field.is_data_loc && type.back() == '*';
  std::string element = field.is_data_loc ? trim(type.substr(strlen("__data_loc"))) : type;
  field.c_type = type + array_suffix;
  if (!array_suffix.empty()) field.is_char_array = element == "char";
  if (field.is_data_loc) field.is_char_array = false;
  field.is_common = field.name.rfind("common_", 0) == 0;
  return true;
}

}  // namespace

std::string root() {
  if (has_events(kTracingDir)) return kTracingDir;
  if (has_events(kDebugfsTracingDir)) return kDebugfsTracingDir;
  return kTracingDir;
}

Status ensure_mounted() {
  if (has_events(kTracingDir) || has_events(kDebugfsTracingDir)) return Ok{};
  if (geteuid() != 0)
    return make_error("tracefs is not mounted at /sys/kernel/tracing and mounting it needs root",
                      std::string("run as root: ") + kMountCommand);
  if (mount("nodev", kTracingDir, "tracefs", 0, nullptr) != 0 && errno != EBUSY)
    return make_error(std::string("cannot mount tracefs at /sys/kernel/tracing: ") + strerror(errno),
                      std::string("run: ") + kMountCommand);
  if (!has_events(kTracingDir))
    return make_error("tracefs is mounted but /sys/kernel/tracing/events is missing",
                      std::string("run: ") + kMountCommand);
  return Ok{};
}

Result<Format> parse_format(const std::string& category, const std::string& name,
                            const std::string& text) {
  Format format;
  format.category = category;
  format.name = name;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("ID:", 0) == 0) {
      format.id = std::atoi(line.c_str() + 3);
      continue;
    }
    std::string body = trim(line);
    if (body.rfind("field:", 0) != 0) continue;
    size_t semi = body.find(';');
    if (semi == std::string::npos)
      return make_error("malformed field line in the format of " + category + ":" + name + ": " + body);
    Field field;
    if (!parse_declaration(body.substr(6, semi - 6), field))
      return make_error("cannot parse field declaration in the format of " + category + ":" + name +
                        ": " + body);
    std::string tabbed = "\t" + body.substr(semi + 1);
    field.offset = static_cast<uint32_t>(std::strtoul(attribute(tabbed, "offset").c_str(), nullptr, 10));
    field.size = static_cast<uint32_t>(std::strtoul(attribute(tabbed, "size").c_str(), nullptr, 10));
    field.is_signed = attribute(tabbed, "signed") == "1";
    format.fields.push_back(std::move(field));
  }
  if (format.fields.empty())
    return make_error("no fields in the format of tracepoint " + category + ":" + name);
  return format;
}

Result<Format> read_format(const std::string& category, const std::string& name) {
  std::string path = root() + "/events/" + category + "/" + name + "/format";
  std::ifstream file(path);
  if (!file)
    return make_error("cannot read " + path + ": " + strerror(errno),
                      "is tracefs mounted? run: " + std::string(kMountCommand));
  std::ostringstream text;
  text << file.rdbuf();
  return parse_format(category, name, text.str());
}

Result<std::vector<std::string>> list_all() { return match("*:*"); }

Result<std::vector<std::string>> match(const std::string& pattern) {
  size_t colon = pattern.find(':');
  if (colon == std::string::npos)
    return make_error("tracepoint pattern `" + pattern + "` is not of the form category:name");
  std::string cat_glob = pattern.substr(0, colon);
  std::string name_glob = pattern.substr(colon + 1);
  std::string events = root() + "/events";
  if (!is_dir(events))
    return make_error("tracefs is not mounted (no " + events + ")", std::string("run: ") + kMountCommand);

  std::vector<std::string> categories;
  if (has_glob(cat_glob)) {
    for (auto& c : subdirectories(events))
      if (fnmatch(cat_glob.c_str(), c.c_str(), 0) == 0) categories.push_back(std::move(c));
  } else {
    categories.push_back(cat_glob);
  }
  std::vector<std::string> out;
  for (const auto& category : categories) {
    if (!has_glob(name_glob)) {
      if (is_dir(events + "/" + category + "/" + name_glob)) out.push_back(category + ":" + name_glob);
      continue;
    }
    for (const auto& n : subdirectories(events + "/" + category))
      if (fnmatch(name_glob.c_str(), n.c_str(), 0) == 0) out.push_back(category + ":" + n);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace sonde::tracefs
