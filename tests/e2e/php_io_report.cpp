// Reads php-io's NDJSON (docs/php-io.md) and runs php-io for the e2e tests.
#include "php_io_report.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace sonde::e2e {

namespace {

using nlohmann::json;

IoRecord io_record(const std::string& name, const json& line) {
  const json& d = line.at("data");
  IoRecord r;
  r.record = name;
  r.span = line.at("span").get<uint64_t>();
  r.syscall = d.at("syscall").get<std::string>();
  r.fd = d.at("fd").get<long long>();
  r.kind = d.at("kind").get<std::string>();
  r.peer = d.at("peer").get<std::string>();
  r.ret = d.at("ret").get<long long>();
  r.in = d.at("in").get<long long>();
  r.out = d.at("out").get<long long>();
  r.latency = d.at("latency").get<long long>();
  return r;
}

CallRecord call_record(const json& line) {
  const json& d = line.at("data");
  CallRecord c;
  c.id = line.at("id").get<uint64_t>();
  c.parent = line.at("parent").get<uint64_t>();
  c.depth = d.at("depth").get<long long>();
  c.function = d.at("function").get<std::string>();
  c.file = d.at("file").get<std::string>();
  c.line = d.at("line").get<long long>();
  c.duration = d.at("duration").get<long long>();
  c.self = d.at("self").get<long long>();
  return c;
}

RequestRecord request_record(const json& line) {
  const json& d = line.at("data");
  RequestRecord r;
  r.id = line.at("id").get<uint64_t>();
  r.method = d.at("method").get<std::string>();
  r.uri = d.at("uri").get<std::string>();
  r.comm = d.at("comm").get<std::string>();
  r.pid = d.at("pid").get<long long>();
  r.duration = d.at("duration").get<long long>();
  return r;
}

// One line into the report; false when it is not a shape php-io prints.
bool add_line(const json& line, PhpIoReport* report) {
  std::string type = line.at("type").get<std::string>();
  if (type == "attached_probes") {
    report->attached = true;
  } else if (type == "printf") {
    report->printfs.push_back(line.at("data").get<std::string>());
  } else if (type == "map" || type == "stats" || type == "hist") {
    for (const auto& [name, value] : line.at("data").items()) {
      report->maps[name] = value.dump();
      if (!value.is_object()) continue;
      for (const auto& [key, number] : value.items())
        if (number.is_number_integer()) report->map_numbers[name][key] = number.get<long long>();
    }
  } else if (type == "record") {
    std::string name = line.at("name").get<std::string>();
    if (name == "net" || name == "disk" || name == "other")
      report->io.push_back(io_record(name, line));
    else if (name == "call")
      report->calls.push_back(call_record(line));
    else if (name == "request")
      report->requests.push_back(request_record(line));
    else
      return false;
  } else {
    return false;
  }
  return true;
}

}  // namespace

PhpIoReport parse_php_io(const std::string& ndjson) {
  PhpIoReport report;
  for (const std::string& text : lines(ndjson)) {
    bool known = false;
    try {
      known = add_line(json::parse(text), &report);
    } catch (const json::exception&) {
      known = false;
    }
    if (!known) report.unparsed.push_back(text);
  }
  return report;
}

const CallRecord* PhpIoReport::call(uint64_t id) const {
  for (const CallRecord& c : calls)
    if (c.id == id) return &c;
  return nullptr;
}

const RequestRecord* PhpIoReport::request(uint64_t id) const {
  for (const RequestRecord& r : requests)
    if (r.id == id) return &r;
  return nullptr;
}

const RequestRecord* PhpIoReport::request_of(const CallRecord& start) const {
  uint64_t parent = start.parent;
  for (int hops = 0; parent != 0 && hops < 64; ++hops) {
    if (const RequestRecord* r = request(parent)) return r;
    const CallRecord* c = call(parent);
    if (!c) return nullptr;
    parent = c->parent;
  }
  return nullptr;
}

std::vector<CallRecord> PhpIoReport::calls_of(pid_t thread) const {
  std::vector<CallRecord> out;
  for (const CallRecord& c : calls)
    if (thread_of(c.id) == thread) out.push_back(c);
  return out;
}

std::vector<IoRecord> PhpIoReport::io_of(pid_t thread) const {
  std::vector<IoRecord> out;
  for (const IoRecord& r : io)
    if (thread_of(r.span) == thread) out.push_back(r);
  return out;
}

std::vector<CallRecord> PhpIoReport::calls_named(const std::string& function) const {
  std::vector<CallRecord> out;
  for (const CallRecord& c : calls)
    if (c.function == function) out.push_back(c);
  return out;
}

std::vector<IoRecord> PhpIoReport::io_in(uint64_t call_id) const {
  std::vector<IoRecord> out;
  for (const IoRecord& r : io)
    if (r.span == call_id) out.push_back(r);
  return out;
}

namespace {

std::vector<std::string> php_io_argv(const std::string& out_path, const std::vector<std::string>& extra) {
  // sh only redirects, then execs sonde: the pid signalled is sonde's.
  std::vector<std::string> argv{
      "sh", "-c", "out=$1; shift; exec \"$@\" >\"$out\"", "sh", out_path, bin("sonde"), "run", "php-io", "-f", "json"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

PhpIoRun::PhpIoRun(const std::vector<std::string>& extra)
    : out_path_(temp_path("php-io.json")), sonde_(php_io_argv(out_path_, extra)) {}

PhpIoRun::~PhpIoRun() { unlink(out_path_.c_str()); }

namespace {

int occurrences(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++n;
  return n;
}

}  // namespace

bool PhpIoRun::wait_for(const std::string& needle, double timeout_s, int times) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  while (std::chrono::steady_clock::now() < deadline) {
    if (occurrences(read_file(out_path_), needle) >= times) return true;
    if (sonde_.so_far().err.find("error") != std::string::npos) return false;  // it failed to start
    sonde_.wait_for_err("\n[never printed]\n", 0.05);                          // collects its stderr meanwhile
    usleep(20 * 1000);
  }
  return false;
}

bool PhpIoRun::ready(double timeout_s) { return wait_for("\"attached_probes\"", timeout_s); }

PhpIoReport PhpIoRun::stop() {
  sonde_.signal(SIGINT);
  // Detaching php-io's links takes seconds; under load, more.
  result_ = sonde_.finish(120);
  result_.out = read_file(out_path_);
  unlink(out_path_.c_str());
  return parse_php_io(result_.out);
}

}  // namespace sonde::e2e
