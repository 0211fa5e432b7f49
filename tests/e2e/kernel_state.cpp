#include "kernel_state.h"

#include <dirent.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "harness.h"

namespace sonde::e2e {

namespace {

// "prog_id:\t42" → 42 in one fdinfo file, or -1.
int fdinfo_field(const std::string& path, const std::string& field) {
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(field + ":", 0) == 0) return std::atoi(line.c_str() + field.size() + 1);
  return -1;
}

std::set<int> bpftool_ids(const char* what) {
  std::set<int> ids;
  RunResult r = run({"bpftool", what, "show", "-j"}, 20);
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  if (!j.is_array()) return ids;
  for (const auto& item : j)
    if (item.contains("id")) ids.insert(item["id"].get<int>());
  return ids;
}

}  // namespace

BpfIds bpf_ids_of(pid_t pid) {
  BpfIds ids;
  std::string dir = "/proc/" + std::to_string(pid) + "/fdinfo";
  DIR* d = opendir(dir.c_str());
  if (!d) return ids;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    std::string path = dir + "/" + e->d_name;
    int link = fdinfo_field(path, "link_id");
    int prog = fdinfo_field(path, "prog_id");
    if (link >= 0) ids.links.insert(link);
    else if (prog >= 0) ids.progs.insert(prog);
  }
  closedir(d);
  return ids;
}

int map_entries_of(pid_t pid, const std::string& name_part) {
  std::set<int> maps;
  std::string dir = "/proc/" + std::to_string(pid) + "/fdinfo";
  DIR* d = opendir(dir.c_str());
  if (!d) return 0;
  while (dirent* e = readdir(d)) {
    int id = e->d_name[0] == '.' ? -1 : fdinfo_field(dir + "/" + e->d_name, "map_id");
    if (id >= 0) maps.insert(id);
  }
  closedir(d);
  int entries = 0;
  for (int id : maps) {
    auto show = nlohmann::json::parse(run({"bpftool", "map", "show", "id", std::to_string(id), "-j"}, 20).out,
                                      nullptr, false);
    if (!show.is_object() || show.value("name", "").find(name_part) == std::string::npos) continue;
    auto dump = nlohmann::json::parse(run({"bpftool", "map", "dump", "id", std::to_string(id), "-j"}, 20).out,
                                      nullptr, false);
    if (dump.is_array()) entries += static_cast<int>(dump.size());
  }
  return entries;
}

BpfIds bpf_ids_alive() { return BpfIds{bpftool_ids("prog"), bpftool_ids("link")}; }

std::string prog_name(int id) {
  RunResult r = run({"bpftool", "prog", "show", "id", std::to_string(id), "-j"}, 20);
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  return j.is_object() && j.contains("name") ? j["name"].get<std::string>() : "";
}

BpfIds still_alive(const BpfIds& ids, double timeout_s) {
  BpfIds left;
  for (int waited_ms = 0;; waited_ms += 100) {
    BpfIds alive = bpf_ids_alive();
    left = {};
    for (int id : ids.progs)
      if (alive.progs.count(id)) left.progs.insert(id);
    for (int id : ids.links)
      if (alive.links.count(id)) left.links.insert(id);
    if (left.empty() || waited_ms >= timeout_s * 1000) return left;
    usleep(100 * 1000);
  }
}

std::string uprobe_events() {
  for (const char* path : {"/sys/kernel/tracing/uprobe_events", "/sys/kernel/debug/tracing/uprobe_events"}) {
    std::ifstream in(path);
    if (!in) continue;
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }
  return {};
}

}  // namespace sonde::e2e
