// End-to-end tests of fdkind(), fdpeer() and sockaddr() against the real
// kernel, on the `fds` fixture (one fd of every kind, TCP over 127.0.0.1
// and [::1], unix sockets on a path and an abstract name): kinds and peers
// read from kernel state in syscall probes (close() evaluated at entry),
// connect/accept4 addresses, and the same helpers in sleepable uprobes,
// with the RFC 5952 cases of IPv6 formatting.
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "harness.h"

namespace sonde::e2e {
namespace {

// What the fixture printed about itself (see tests/fixtures/fds.c).
struct Fixture {
  std::map<std::string, int64_t> fd;  // name → number
  std::map<std::string, std::string> port, cport;
  std::string unix_path, abstract_name;
};

Fixture parse_fixture(const std::string& out) {
  Fixture f;
  for (const std::string& line : lines(out)) {
    std::istringstream in(line);
    std::string tag, name, value;
    if (!(in >> tag >> name >> value)) continue;
    if (tag == "fd") f.fd[name] = std::stoll(value);
    else if (tag == "port") f.port[name] = value;
    else if (tag == "cport") f.cport[name] = value;
    else if (tag == "path") f.unix_path = value;
    else if (tag == "abstract") f.abstract_name = value;
  }
  return f;
}

// The kind and peer every fixture fd must show, known from how it was made.
std::map<std::string, std::pair<std::string, std::string>> expected_fds(const Fixture& f) {
  std::string v4 = "127.0.0.1:", v6 = "[::1]:";
  return {
      {"file", {"file", ""}},
      {"pipe_r", {"pipe", ""}},
      {"pipe_w", {"pipe", ""}},
      {"dir", {"dir", ""}},
      {"eventfd", {"anon", ""}},
      {"null", {"char", ""}},
      {"symlink", {"link", ""}},
      {"tcp4_listen", {"socket", ""}},
      {"tcp4_client", {"socket", v4 + f.port.at("tcp4")}},
      {"tcp4_server", {"socket", v4 + f.cport.at("tcp4")}},
      {"tcp6_listen", {"socket", ""}},
      {"tcp6_client", {"socket", v6 + f.port.at("tcp6")}},
      {"tcp6_server", {"socket", v6 + f.cport.at("tcp6")}},
      {"unix_listen", {"socket", ""}},
      {"unix_client", {"socket", f.unix_path}},
      {"unix_server", {"socket", ""}},  // the client is unnamed
      {"abstract_listen", {"socket", ""}},
      {"abstract_client", {"socket", "@" + f.abstract_name}},
      {"abstract_server", {"socket", ""}},
  };
}

struct Record {
  std::string name;
  nlohmann::json data;
};

// The NDJSON records of the workload: every connect and accept, and the io
// records after the fixture's table went out (its write to fd 1); earlier
// io records are the shell's and the dynamic loader's.
std::vector<Record> workload_records(const std::string& out) {
  std::vector<Record> found;
  bool started = false;
  for (const std::string& line : lines(out)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_object() || j.value("type", "") != "record") continue;
    const nlohmann::json& d = j["data"];
    if (j["name"] == "io" && d["call"] == "write" && d["fd"] == 1) {
      started = true;
      continue;
    }
    if (started || j["name"] != "io") found.push_back({j["name"], d});
  }
  return found;
}

// The ```sonde example of docs/language.md that uses fdkind(args.fd), so
// the documented script is the tested one.
std::string documented_example() {
  std::ifstream in(source_path("docs/language.md"));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (size_t at = text.find("```sonde\n"); at != std::string::npos; at = text.find("```sonde\n", at)) {
    at += 9;
    std::string block = text.substr(at, text.find("```", at) - at);
    if (block.find("fdkind(args.fd)") != std::string::npos) return block;
  }
  return "";
}

std::string write_script(const std::string& text) {
  std::string path = temp_path("fds") + ".sonde";
  std::ofstream(path) << text;
  return path;
}

TEST(FdHelpers, SyscallProbesShowEveryFdsKindAndPeer) {
  SONDE_REQUIRE_BPF();
  std::string example = documented_example();
  ASSERT_FALSE(example.empty()) << "docs/language.md lost its fdkind example";
  RunResult r = sonde({"-f", "json", "-c", fixture("fds"), write_script(example)});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Fixture f = parse_fixture(r.out);
  ASSERT_EQ(f.fd.size(), 19u) << r.out;
  std::vector<Record> records = workload_records(r.out);

  // Per fd: its write, read and close, each with the fd's kind and peer;
  // close() included, since the rule evaluates it at the syscall's entry.
  for (const auto& [name, want] : expected_fds(f)) {
    int64_t fd = f.fd.at(name);
    std::vector<std::string> calls;
    for (const Record& rec : records) {
      if (rec.name != "io" || rec.data["fd"] != fd) continue;
      calls.push_back(rec.data["call"]);
      if (calls.size() > 3) continue;  // the write after close, below
      EXPECT_EQ(rec.data["kind"], want.first) << name << " " << rec.data;
      EXPECT_EQ(rec.data["peer"], want.second) << name << " " << rec.data;
    }
    std::vector<std::string> want_calls = {"write", "read", "close"};
    if (name == "file") want_calls.push_back("write");
    EXPECT_EQ(calls, want_calls) << name;
  }
  // The fixture writes once more to its first fd after closing it.
  const Record* last = nullptr;
  for (const Record& rec : records)
    if (rec.name == "io" && rec.data["fd"] == f.fd.at("file")) last = &rec;
  ASSERT_NE(last, nullptr);
  EXPECT_EQ(last->data["kind"], "none");

  // connect: the address asked for; accept4: the new fd and its peer, from
  // kernel state and from the buffer the kernel filled.
  std::vector<std::string> connects, accepts;
  for (const Record& rec : records) {
    if (rec.name == "connect") {
      EXPECT_EQ(rec.data["ret"], 0) << rec.data;
      connects.push_back(rec.data["to"]);
    }
    if (rec.name != "accept") continue;
    EXPECT_EQ(rec.data["kind"], "socket") << rec.data;
    EXPECT_EQ(rec.data["from"], rec.data["addr"]) << rec.data;
    accepts.push_back(std::to_string(rec.data["fd"].get<int64_t>()) + " " + rec.data["from"].get<std::string>());
  }
  std::vector<std::string> want_connects = {"127.0.0.1:" + f.port.at("tcp4"), "[::1]:" + f.port.at("tcp6"),
                                            f.unix_path, "@" + f.abstract_name};
  EXPECT_EQ(connects, want_connects);
  auto server = [&](const std::string& name, const std::string& peer) {
    return std::to_string(f.fd.at(name)) + " " + peer;
  };
  std::vector<std::string> want_accepts = {server("tcp4_server", "127.0.0.1:" + f.cport.at("tcp4")),
                                           server("tcp6_server", "[::1]:" + f.cport.at("tcp6")),
                                           server("unix_server", ""), server("abstract_server", "")};
  EXPECT_EQ(accepts, want_accepts);
}

// At connect's entry the socket is not connected yet: fdpeer(args.fd) runs
// there and gives "", while through a variable it runs at exit.
TEST(FdHelpers, EntryTimeRuleInConnect) {
  SONDE_REQUIRE_BPF();
  RunResult r = sonde({"-c", fixture("fds"), "-e",
                       "syscall:connect { $fd = args.fd; printf(\"C <%s> <%s>\\n\", fdpeer(args.fd), fdpeer($fd)); }"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Fixture f = parse_fixture(r.out);
  for (const std::string& peer : {"127.0.0.1:" + f.port.at("tcp4"), "[::1]:" + f.port.at("tcp6"), f.unix_path,
                                  "@" + f.abstract_name})
    EXPECT_NE(r.out.find("C <> <" + peer + ">\n"), std::string::npos) << peer << "\n" << r.out;
}

// In uprobes (loaded sleepable) the helpers read the same kernel state, and
// sockaddr() decodes crafted addresses: RFC 5952's zero compression (the
// first longest run, never a single group), IPv4-mapped, unix path and
// abstract (bounded by the length), an unknown family and NULL.
TEST(FdHelpers, UprobesDecodeFdsAndCraftedAddresses) {
  SONDE_REQUIRE_BPF();
  std::string fds = fixture("fds");
  RunResult r = sonde({"-c", fds, "-e",
                       "uprobe:" + fds + ":use_fd { printf(\"U %d %s <%s>\\n\", arg0, fdkind(arg0), fdpeer(arg0)); }"
                       " uprobe:" + fds + ":use_addr { printf(\"S <%s>\\n\", sockaddr(arg0, arg1)); }"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Fixture f = parse_fixture(r.out);
  for (const auto& [name, want] : expected_fds(f)) {
    std::string line = "U " + std::to_string(f.fd.at(name)) + " " + want.first + " <" + want.second + ">\n";
    EXPECT_NE(r.out.find(line), std::string::npos) << line << r.out;
  }
  std::vector<std::string> addresses;
  for (const std::string& line : lines(r.out))
    if (line.rfind("S <", 0) == 0) addresses.push_back(line.substr(3, line.size() - 4));
  std::vector<std::string> want = {"[2001:db8::1:0:0:1]:443", "[fe80::1]:443", "[::ffff:192.0.2.1]:443",
                                   "[1::]:443", "[::]:443", "[2001:db8:0:1:1:1:1:1]:443",
                                   "[2001:0:0:1::1]:443", "10.0.255.1:65535", "/run/php/php.sock",
                                   "@ab", "family 99", ""};
  EXPECT_EQ(addresses, want) << r.out;
}

}  // namespace
}  // namespace sonde::e2e
