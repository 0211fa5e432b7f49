// php-io (stdlib/php-io.sonde) against the real kernel, on the PHP fixtures
// of tests/fixtures/php/ whose I/O is known. One test per defect of the 2019
// tool (docs/php-io.md, "Defects of the old tool"), named DefectN_..., plus a
// comparison of every record with strace's view of the same run.
//
// php-io is started first, with no pid (it attaches by path to every PHP
// binary), and the fixtures are run after it is ready; other tests may run
// PHP meanwhile, so each test picks its own processes' records by pid.
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <tuple>

#include "harness.h"
#include "php_env.h"
#include "php_io_report.h"
#include "strace_reference.h"

namespace sonde::e2e {
namespace {

#define REQUIRE_PHP()                                                                        \
  do {                                                                                       \
    SONDE_REQUIRE_BPF();                                                                     \
    ASSERT_EQ(access("/usr/bin/php", X_OK), 0) << "php is missing (scripts/setup: php-cli)"; \
  } while (0)

// Starts php-io and waits until it is attached; the test fails if it is not.
#define START_PHP_IO(name, ...)                                                     \
  PhpIoRun name{__VA_ARGS__};                                                       \
  if (!name.ready()) {                                                              \
    name.stop();                                                                    \
    FAIL() << "php-io did not attach:\n" << name.result().err << name.result().out; \
  }

// Stops php-io and checks that it exited cleanly with nothing lost.
PhpIoReport stop_php_io(PhpIoRun& php_io) {
  PhpIoReport report = php_io.stop();
  EXPECT_EQ(php_io.result().exit_code, 0) << php_io.result().err;
  EXPECT_TRUE(report.attached);
  EXPECT_TRUE(report.unparsed.empty()) << report.unparsed.front();
  return report;
}

// A PHP process's pid, learned by running it from a shell that prints its
// own pid before exec'ing php (`echo $$; exec php ...`).
std::vector<std::string> php_printing_its_pid(const std::string& redirections, const std::vector<std::string>& args) {
  std::string script = "echo $$; exec env USE_ZEND_DTRACE=1 php";
  for (size_t i = 0; i < args.size(); ++i) script += " \"$" + std::to_string(i + 1) + "\"";
  script += " " + redirections;
  std::vector<std::string> argv{"sh", "-c", script, "sh"};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

pid_t first_line_pid(const std::string& out) {
  std::vector<std::string> l = lines(out);
  return l.empty() ? 0 : static_cast<pid_t>(std::atol(l.front().c_str()));
}

struct PhpRun {
  RunResult result;
  pid_t pid = 0;
};

// Runs a PHP fixture (function probes on) to completion; the test fails if it fails.
PhpRun run_php(const std::vector<std::string>& args, const std::string& redirections = "") {
  PhpRun php;
  php.result = run(php_printing_its_pid(redirections, args), 120);
  php.pid = first_line_pid(php.result.out);
  EXPECT_EQ(php.result.exit_code, 0) << "php " << args.front() << ": " << php.result.err;
  EXPECT_NE(php.pid, 0);
  return php;
}

// The one call record of `function` in process `pid` (test fails otherwise).
CallRecord only_call(const PhpIoReport& report, pid_t pid, const std::string& function) {
  std::vector<CallRecord> found;
  for (const CallRecord& c : report.calls_of(pid))
    if (c.function == function) found.push_back(c);
  EXPECT_EQ(found.size(), 1u) << function << " in pid " << pid;
  return found.empty() ? CallRecord{} : found.front();
}

struct Totals {
  int calls = 0;
  long long in = 0, out = 0;
  bool operator==(const Totals& o) const { return std::tie(calls, in, out) == std::tie(o.calls, o.in, o.out); }
};

std::ostream& operator<<(std::ostream& os, const Totals& t) {
  return os << "{calls " << t.calls << ", in " << t.in << ", out " << t.out << "}";
}

Totals totals(const std::vector<IoRecord>& records) {
  Totals t;
  for (const IoRecord& r : records) {
    t.calls++;
    t.in += r.in;
    t.out += r.out;
  }
  return t;
}

// The one record of `syscall` made directly in `call` (test fails otherwise).
IoRecord only_io(const PhpIoReport& report, const CallRecord& call, const std::string& syscall) {
  std::vector<IoRecord> found;
  for (const IoRecord& r : report.io_in(call.id))
    if (r.syscall == syscall) found.push_back(r);
  EXPECT_EQ(found.size(), 1u) << syscall << " in " << call.function;
  return found.empty() ? IoRecord{} : found.front();
}

// Waits (polling, up to timeout_s) until a file exists: a fixture's cue.
bool wait_for_file(const std::string& path, double timeout_s) {
  for (double waited = 0; waited < timeout_s; waited += 0.02) {
    if (access(path.c_str(), F_OK) == 0) return true;
    usleep(20 * 1000);
  }
  return false;
}

// known_io_server.php (itself traced: function probes on) on IPv4, a unix
// socket and, when the machine has it, IPv6; and the client's arguments.
struct KnownIoPeer {
  std::string dir, sock, port, port6;
  std::unique_ptr<Spawned> server;
  std::vector<std::string> client_args() const {
    std::vector<std::string> a{php_fixture("known_io.php"), "--dir=" + dir, "--port=" + port, "--unix=" + sock};
    if (!port6.empty()) a.push_back("--port6=" + port6);
    return a;
  }
};

void start_known_io_server(KnownIoPeer* peer) {
  peer->dir = make_temp_dir("known-io");
  peer->sock = peer->dir + "/known.sock";
  bool ipv6 = has_ipv6_loopback();
  std::vector<std::string> argv{"php", php_fixture("known_io_server.php"), "--count=" + std::to_string(ipv6 ? 3 : 2),
                                "tcp://127.0.0.1:0", "unix://" + peer->sock};
  if (ipv6) argv.push_back("tcp://[::1]:0");
  peer->server = std::make_unique<Spawned>(with_dtrace(argv));
  ASSERT_TRUE(peer->server->wait_for_out("ready", 60)) << peer->server->finish(1).err;
  peer->port = port_after(peer->server->so_far().out, "127.0.0.1");
  if (ipv6) peer->port6 = port_after(peer->server->so_far().out, "[::1]");
  ASSERT_FALSE(peer->port.empty());
}

// --- php-io's records against strace's, same run -----------------------------

// The syscalls php-io traces (stdlib/php-io.sonde), by strace's names.
const std::set<std::string> kTracedSyscalls = {
    "read",      "readv",           "pread64",     "preadv",      "preadv2",    "recvfrom",   "recvmsg", "recvmmsg",
    "write",     "writev",          "pwrite64",    "pwritev",     "pwritev2",   "sendto",     "sendmsg", "sendmmsg",
    "sendfile",  "copy_file_range", "connect",     "bind",        "listen",     "shutdown",   "close",   "fsync",
    "fdatasync", "ftruncate",       "getsockname", "getpeername", "setsockopt", "getsockopt", "open",    "openat",
    "creat",     "socket",          "accept",      "accept4"};

// strace names x86-64's sendfile64 "sendfile"; the tracepoint keeps the 64.
std::string strace_name(const std::string& php_io_syscall) {
  return php_io_syscall == "sendfile64" ? "sendfile" : php_io_syscall;
}

bool returns_fd(const std::string& syscall) {
  return syscall == "open" || syscall == "openat" || syscall == "creat" || syscall == "socket" || syscall == "accept" ||
         syscall == "accept4";
}

// php-io's kind for what strace's -yy annotation shows.
std::string kind_of(const FdInfo& info) {
  switch (info.kind) {
    case FdKind::File:
      return "file";
    case FdKind::Tcp:
    case FdKind::Udp:
    case FdKind::Unix:
    case FdKind::OtherSocket:
      return "socket";
    case FdKind::Pipe:
      return "pipe";
    case FdKind::AnonInode:
      return "anon";
    default:
      return "";
  }
}

// The return value as the kernel gave it: strace prints `-1 ENOENT`.
long long kernel_return(const SyscallRecord& call) {
  if (call.error.empty()) return call.ret;
  for (int e = 1; e < 4096; ++e) {
    const char* name = strerrorname_np(e);
    if (name && call.error == name) return -e;
  }
  return 0;
}

// Which way php-io counts a syscall's bytes: as strace_reference's
// transfer_of, except that php-io records copy_file_range (like sendfile)
// on its destination, the bytes as written.
Transfer php_io_transfer(const std::string& syscall) {
  return syscall == "copy_file_range" ? Transfer::Write : transfer_of(syscall);
}

// Why `got` (php-io) is not the same call as `want` (strace), or "".
std::string mismatch(const IoRecord& got, const SyscallRecord& want) {
  std::string why;
  auto differ = [&](const std::string& what, const std::string& a, const std::string& b) {
    if (a != b) why += " " + what + ": php-io " + a + ", strace " + b + ";";
  };
  differ("syscall", strace_name(got.syscall), want.name);
  differ("ret", std::to_string(got.ret), std::to_string(kernel_return(want)));
  int fd = returns_fd(want.name) ? (want.ret >= 0 ? static_cast<int>(want.ret) : -1) : want.fd;
  // The copies' first argument is not their destination in both (copy_file_range's is the source).
  if (want.name != "sendfile" && want.name != "copy_file_range")
    differ("fd", std::to_string(got.fd), std::to_string(fd));
  Transfer t = php_io_transfer(want.name);
  long long bytes = want.ret > 0 ? want.ret : 0;
  differ("in", std::to_string(got.in), std::to_string(t == Transfer::Read ? bytes : 0));
  differ("out", std::to_string(got.out), std::to_string(t == Transfer::Write ? bytes : 0));
  const FdInfo& info = returns_fd(want.name) ? want.ret_fd_info : want.fd_info;
  std::string kind = kind_of(info);
  if (!kind.empty() && !(kind == "file" && got.kind == "dir")) differ("kind", got.kind, kind);
  bool names_file = want.name == "open" || want.name == "openat" || want.name == "creat";
  bool names_address =
      want.name == "connect" || want.name == "bind" ||
      ((want.name == "sendto" || want.name == "accept" || want.name == "accept4") && !want.sockaddr.empty());
  if (names_file && want.ret >= 0 && info.kind == FdKind::File)
    differ("file", got.peer, info.path);
  else if (names_address)
    differ("address", got.peer, want.sockaddr);
  else if ((info.kind == FdKind::Tcp || info.kind == FdKind::Udp) && !info.peer.empty())
    differ("peer", got.peer, info.peer);
  return why;
}

std::string describe(const SyscallRecord& c) {
  return c.name + "(" + c.args.substr(0, 60) + ") = " + std::to_string(c.ret) + " " + c.error;
}

// Per syscall name: count, bytes in, bytes out.
std::map<std::string, Totals> per_syscall(const std::vector<IoRecord>& records) {
  std::map<std::string, Totals> out;
  for (const IoRecord& r : records) {
    Totals& t = out[strace_name(r.syscall)];
    t.calls++;
    t.in += r.in;
    t.out += r.out;
  }
  return out;
}

std::map<std::string, Totals> per_syscall(const std::vector<SyscallRecord>& calls) {
  std::map<std::string, Totals> out;
  for (const SyscallRecord& c : calls) {
    Totals& t = out[c.name];
    t.calls++;
    if (c.ret > 0 && php_io_transfer(c.name) == Transfer::Read) t.in += c.ret;
    if (c.ret > 0 && php_io_transfer(c.name) == Transfer::Write) t.out += c.ret;
  }
  return out;
}

// php runs under strace (strace's child, so strace sees all of it) while
// php-io, attached by path, sees it as one more PHP process: both watch the
// same run. Everything PHP does between main's entry and return is inside a
// PHP function, so php-io's records of that pid must be, one for one and in
// order, strace's calls of the traced syscalls over the same stretch: from
// the first file open of the script's own I/O to the last close.
TEST(PhpIo, KnownIoEveryCallCountByteFdAndPeerEqualsStrace) {
  REQUIRE_PHP();
  ASSERT_EQ(access("/usr/bin/strace", X_OK), 0) << "strace is missing (scripts/setup)";
  START_PHP_IO(php_io);
  KnownIoPeer peer;
  ASSERT_NO_FATAL_FAILURE(start_known_io_server(&peer));
  std::string log_path = peer.dir + "/strace.log";
  std::vector<std::string> php{"php"};
  for (const std::string& a : peer.client_args()) php.push_back(a);
  RunResult client = run(strace_command(log_path, with_dtrace(php)), 120);
  ASSERT_EQ(client.exit_code, 0) << client.err;
  RunResult served = peer.server->finish(30);
  EXPECT_EQ(served.exit_code, 0) << served.err;
  PhpIoReport report = stop_php_io(php_io);

  StraceLog log;
  std::string error;
  ASSERT_TRUE(read_strace_file(log_path, &log, &error)) << error;
  EXPECT_TRUE(log.unparsed.empty()) << log.unparsed.front();
  // The client's pid: the process that opened known_io.txt.
  pid_t pid = 0;
  for (const SyscallRecord& c : log.calls)
    if (c.name == "openat" && c.ret_fd_info.path == peer.dir + "/known_io.txt") pid = c.pid;
  ASSERT_NE(pid, 0) << "strace saw no open of known_io.txt";
  std::vector<SyscallRecord> traced;
  for (const SyscallRecord& c : log.calls)
    if (c.pid == pid && kTracedSyscalls.count(c.name)) traced.push_back(c);

  std::vector<IoRecord> seen = report.io_of(pid);
  ASSERT_FALSE(seen.empty()) << "php-io recorded nothing for pid " << pid;
  size_t first = 0;
  while (first < traced.size() && !mismatch(seen.front(), traced[first]).empty()) ++first;
  ASSERT_LT(first, traced.size()) << "php-io's first record matches no strace call: " << seen.front().syscall;
  ASSERT_LE(first + seen.size(), traced.size()) << "php-io has more records than strace";
  std::vector<SyscallRecord> window(traced.begin() + first, traced.begin() + first + seen.size());
  for (size_t i = 0; i < seen.size(); ++i)
    EXPECT_EQ(mismatch(seen[i], window[i]), "") << "record " << i << ": strace " << describe(window[i]);

  // The window holds all of the script's own I/O: the file's first open and
  // every connection, from socket() to its close.
  EXPECT_EQ(window.front().name, "openat");
  EXPECT_EQ(window.front().ret_fd_info.path, peer.dir + "/known_io.txt");
  int connects = 0;
  for (const SyscallRecord& c : window) connects += c.name == "connect";
  EXPECT_EQ(connects, peer.port6.empty() ? 2 : 3);
  size_t last_socket_close = 0;
  for (size_t i = 0; i < traced.size(); ++i)
    if (traced[i].name == "close" && kind_of(traced[i].fd_info) == "socket") last_socket_close = i;
  EXPECT_LT(last_socket_close, first + seen.size()) << "the last connection's close is past php-io's records";
  EXPECT_EQ(per_syscall(seen), per_syscall(window));
  // And the sizes the fixture documents.
  Totals disk = totals(report.io_in(only_call(report, pid, "write_file").id));
  EXPECT_EQ(disk.out, 1000);
  EXPECT_EQ(totals(report.io_in(only_call(report, pid, "read_file").id)).in, 1000);
  remove_tree(peer.dir);
}

// --- one test per defect of the 2019 tool ------------------------------------

// 1. Its network and disk times were never reset, so they piled up from one
// function to the next. php-io's per-function totals are each function's own.
TEST(PhpIo, Defect1_EachFunctionsTotalsAreItsOwnNotPiledUp) {
  REQUIRE_PHP();
  START_PHP_IO(php_io);
  KnownIoPeer peer;
  ASSERT_NO_FATAL_FAILURE(start_known_io_server(&peer));
  pid_t pid = run_php(peer.client_args()).pid;
  peer.server->finish(30);
  PhpIoReport report = stop_php_io(php_io);

  Totals write = totals(report.io_in(only_call(report, pid, "write_file").id));
  Totals read = totals(report.io_in(only_call(report, pid, "read_file").id));
  EXPECT_EQ(write.out, 1000);
  EXPECT_EQ(write.in, 0);
  EXPECT_EQ(read.in, 1000) << "read_file's total must not include write_file's bytes";
  EXPECT_EQ(read.out, 0) << "read_file's total must not include write_file's bytes";
  // file_round_trip made no syscall of its own: its callees' I/O is theirs.
  EXPECT_EQ(report.io_in(only_call(report, pid, "file_round_trip").id).size(), 0u);
  // Each connection's bytes are charged to round_trip, once per call of it.
  for (const CallRecord& c : report.calls_of(pid)) {
    if (c.function != "round_trip") continue;
    Totals net = totals(report.io_in(c.id));
    EXPECT_EQ(net.out, 37);
    EXPECT_EQ(net.in, 211);
  }
  EXPECT_EQ(report.calls_of(pid).size(), 1 + 1 + 2 + (peer.port6.empty() ? 2u : 3u) * 2)
      << "main, file_round_trip, write_file, read_file, and per connection tcp_/unix_round_trip + round_trip";
  // php-io's own per-function time totals (the exit map) are each function's
  // syscall latencies, no more: summed over every process that ran a
  // function of that name, as the map is.
  for (const char* function : {"write_file", "read_file", "round_trip"}) {
    long long latency = 0;
    for (const CallRecord& c : report.calls_named(function))
      for (const IoRecord& r : report.io_in(c.id)) latency += r.latency;
    EXPECT_EQ(report.map_numbers["@io_time_by_function"][function], latency) << function;
  }
  remove_tree(peer.dir);
}

// 2. It keyed function latency by a sum of string pointers: wrong under
// recursion and across processes. php-io keeps a stack per thread: each level
// of descend() is its own call, nested, with its own write and duration, and
// two processes started together running the same code (same binary, same
// addresses) do not mix.
TEST(PhpIo, Defect2_RecursionLevelsAndConcurrentProcessesStaySeparate) {
  REQUIRE_PHP();
  START_PHP_IO(php_io);
  std::string dir_a = make_temp_dir("recursion-a"), dir_b = make_temp_dir("recursion-b");
  Spawned a(php_printing_its_pid("", {php_fixture("recursion.php"), dir_a}));
  Spawned b(php_printing_its_pid("", {php_fixture("recursion.php"), dir_b}));
  RunResult ra = a.finish(120), rb = b.finish(120);
  ASSERT_EQ(ra.exit_code, 0) << ra.err;
  ASSERT_EQ(rb.exit_code, 0) << rb.err;
  PhpIoReport report = stop_php_io(php_io);

  for (auto [pid, dir] : {std::pair{first_line_pid(ra.out), dir_a}, std::pair{first_line_pid(rb.out), dir_b}}) {
    std::vector<CallRecord> levels;
    for (const CallRecord& c : report.calls_of(pid))
      if (c.function == "descend") levels.push_back(c);
    ASSERT_EQ(levels.size(), 5u) << "pid " << pid;
    // Records come as calls return: the deepest level first.
    for (int i = 0; i < 5; ++i) {
      const CallRecord& level = levels[4 - i];  // level i + 1
      std::vector<IoRecord> io = report.io_in(level.id);
      std::vector<IoRecord> writes;
      for (const IoRecord& r : io)
        if (r.syscall == "write") writes.push_back(r);
      ASSERT_EQ(writes.size(), 1u) << "level " << i + 1 << " of pid " << pid;
      EXPECT_EQ(writes[0].out, 8);
      std::string file = dir + "/level" + std::to_string(i + 1) + ".txt";
      EXPECT_TRUE(
          std::any_of(io.begin(), io.end(), [&](const IoRecord& r) { return r.syscall == "openat" && r.peer == file; }))
          << "level " << i + 1 << " of pid " << pid << " did not open its own " << file;
      if (i > 0) {
        const CallRecord& outer = levels[5 - i];  // level i
        EXPECT_EQ(level.parent, outer.id) << "level " << i + 1;
        EXPECT_EQ(level.depth, outer.depth + 1);
        EXPECT_GT(outer.duration, level.duration) << "an outer level includes the inner one";
        EXPECT_EQ(outer.self, outer.duration - level.duration) << "self = duration minus the nested call";
      }
    }
  }
  remove_tree(dir_a);
  remove_tree(dir_b);
}

// 3. It read almost always 0 network bytes: recvfrom, recvmsg, readv, pread
// and sendfile were not counted. php-io counts each (and copy_file_range);
// sendmmsg/recvmmsg return a number of messages, which is not counted as bytes.
TEST(PhpIo, Defect3_PreadReadvSendfileCopyRecvfromRecvmsgBytesCounted) {
  REQUIRE_PHP();
  START_PHP_IO(php_io);
  std::string dir = make_temp_dir("io-variety");
  pid_t pid = run_php({php_fixture("io_variety.php"), dir}).pid;
  PhpIoReport report = stop_php_io(php_io);

  auto in_of = [&](const std::string& function, const std::string& syscall) {
    return only_io(report, only_call(report, pid, function), syscall).in;
  };
  auto out_of = [&](const std::string& function, const std::string& syscall) {
    return only_io(report, only_call(report, pid, function), syscall).out;
  };
  EXPECT_EQ(in_of("read_with_pread", "pread64"), 100);
  EXPECT_EQ(in_of("read_with_readv", "readv"), 100);
  EXPECT_EQ(out_of("send_with_sendfile", "sendfile64"), 120);
  EXPECT_EQ(out_of("copy_with_copy_file_range", "copy_file_range"), 300);
  EXPECT_EQ(in_of("receive_with_recvfrom", "recvfrom"), 5);
  EXPECT_EQ(out_of("receive_with_recvfrom", "sendto"), 5);
  EXPECT_EQ(in_of("receive_with_recvmsg", "recvmsg"), 11);
  EXPECT_EQ(out_of("receive_with_recvmsg", "sendmsg"), 11);
  // sendmmsg/recvmmsg return 2 (messages): recorded, but 0 bytes.
  CallRecord mmsg = only_call(report, pid, "send_and_receive_mmsg");
  IoRecord sent = only_io(report, mmsg, "sendmmsg"), received = only_io(report, mmsg, "recvmmsg");
  EXPECT_EQ(sent.ret, 2);
  EXPECT_EQ(sent.out, 0);
  EXPECT_EQ(received.ret, 2);
  EXPECT_EQ(received.in, 0);
  remove_tree(dir);
}

// 4. It counted negative return values (errors) as bytes. php-io records the
// error (-ENOENT, -EINPROGRESS, -EBADF in text) and counts no bytes.
TEST(PhpIo, Defect4_ErrorsAreNotBytesAndShowTheirErrnoName) {
  REQUIRE_PHP();
  std::string dir = make_temp_dir("errors");
  std::string port = free_tcp_port();
  ASSERT_FALSE(port.empty());
  {
    START_PHP_IO(php_io);
    pid_t pid = run_php({php_fixture("errors.php"), dir, port}).pid;
    PhpIoReport report = stop_php_io(php_io);
    IoRecord open = only_io(report, only_call(report, pid, "open_missing"), "openat");
    EXPECT_EQ(open.ret, -ENOENT);
    EXPECT_EQ(open.fd, -1);
    EXPECT_EQ(open.peer, dir + "/missing.txt");
    IoRecord connect = only_io(report, only_call(report, pid, "connect_refused"), "connect");
    EXPECT_EQ(connect.ret, -EINPROGRESS);  // PHP connects without blocking
    EXPECT_EQ(connect.in + connect.out, 0);
    EXPECT_EQ(connect.peer, "127.0.0.1:" + port);
    IoRecord read = only_io(report, only_call(report, pid, "read_bad_fd"), "read");
    EXPECT_EQ(read.ret, -EBADF);
    EXPECT_EQ(read.fd, 987);
    EXPECT_EQ(read.in, 0);
    IoRecord write = only_io(report, only_call(report, pid, "write_bad_fd"), "write");
    EXPECT_EQ(write.ret, -EBADF);
    EXPECT_EQ(write.out, 0);
  }
  // The text report names the errors. -c runs the command itself: only it is traced.
  RunResult text = sonde(
      {"run", "php-io", "-c", "USE_ZEND_DTRACE=1 php " + php_fixture("errors.php") + " " + dir + " " + port}, 180);
  EXPECT_EQ(text.exit_code, 0) << text.err;
  for (const char* needle : {"ret=-ENOENT", "ret=-EINPROGRESS", "ret=-EBADF"})
    EXPECT_NE(text.out.find(needle), std::string::npos) << needle << " in\n" << text.out;
  for (const std::string& line : lines(text.out)) {
    if (line.find("ret=-E") == std::string::npos) continue;
    EXPECT_TRUE(line.find("in=0") != std::string::npos && line.find("out=0") != std::string::npos) << line;
  }
  remove_tree(dir);
}

// 5. It kept fd kinds by fd number, never cleared them on close, and did not
// see accepted, dup'ed or inherited fds. php-io reads the kind from the
// kernel at each call.
TEST(PhpIo, Defect5_FdKindsOfInheritedDupedAcceptedAndReusedFds) {
  REQUIRE_PHP();
  std::string dir = make_temp_dir("fd-kinds");
  std::string input = dir + "/inherited.txt";
  { std::ofstream(input) << std::string(200, 'i'); }
  START_PHP_IO(php_io);
  pid_t pid = run_php({php_fixture("fd_kinds.php"), dir}, "3<" + input).pid;
  PhpIoReport report = stop_php_io(php_io);

  IoRecord inherited = only_io(report, only_call(report, pid, "read_inherited"), "read");
  EXPECT_EQ(inherited.fd, 3);
  EXPECT_EQ(inherited.kind, "file");
  EXPECT_EQ(inherited.in, 16);
  IoRecord duped = only_io(report, only_call(report, pid, "read_dup"), "read");
  EXPECT_NE(duped.fd, 3);
  EXPECT_EQ(duped.kind, "file");
  EXPECT_EQ(duped.in, 200 - 16);

  CallRecord accepting = only_call(report, pid, "accept_and_read");
  IoRecord accepted;
  for (const IoRecord& r : report.io_in(accepting.id))
    if (r.syscall == "accept" || r.syscall == "accept4") accepted = r;
  ASSERT_FALSE(accepted.syscall.empty()) << "no accept recorded";
  EXPECT_EQ(accepted.kind, "socket");
  EXPECT_EQ(accepted.peer.rfind("127.0.0.1:", 0), 0u) << accepted.peer;
  IoRecord received = only_io(report, accepting, "recvfrom");
  EXPECT_EQ(received.fd, accepted.fd) << "the read is on the accepted fd";
  EXPECT_EQ(received.kind, "socket");
  EXPECT_EQ(received.peer, accepted.peer);
  EXPECT_EQ(received.in, 13);

  CallRecord reuse = only_call(report, pid, "reuse_fd_number");
  IoRecord file_write = only_io(report, reuse, "write"), socket_write = only_io(report, reuse, "sendto");
  EXPECT_EQ(socket_write.fd, file_write.fd) << "fd_kinds.php's socket did not reuse the file's fd number";
  EXPECT_EQ(file_write.kind, "file");
  EXPECT_EQ(socket_write.kind, "socket") << "a closed fd's kind must not stick to its number";
  remove_tree(dir);
}

// 6. It showed IPv4 only, without port, called bind a connect, and resolved
// names with blocking reverse DNS. php-io shows IPv4 and IPv6 with ports and
// unix paths, bind as bind, numerically.
TEST(PhpIo, Defect6_Ipv6AndPortsBindIsNotConnectAddressesNumeric) {
  REQUIRE_PHP();
  START_PHP_IO(php_io);
  KnownIoPeer peer;
  ASSERT_NO_FATAL_FAILURE(start_known_io_server(&peer));
  pid_t server = peer.server->pid();  // env exec's php: the same pid
  pid_t client = run_php(peer.client_args()).pid;
  RunResult served = peer.server->finish(30);
  EXPECT_EQ(served.exit_code, 0) << served.err;
  PhpIoReport report = stop_php_io(php_io);

  std::vector<std::string> connects;
  for (const IoRecord& r : report.io_of(client))
    if (r.syscall == "connect") connects.push_back(r.peer);
  std::vector<std::string> expected{"127.0.0.1:" + peer.port};
  if (!peer.port6.empty()) expected.push_back("[::1]:" + peer.port6);
  expected.push_back(peer.sock);
  EXPECT_EQ(connects, expected);
  if (peer.port6.empty()) std::cerr << "note: no IPv6 loopback on this machine, IPv6 not checked\n";

  std::vector<std::string> binds, accepted;
  for (const IoRecord& r : report.io_of(server)) {
    EXPECT_NE(r.syscall, "connect") << "the server only binds and accepts: " << r.peer;
    if (r.syscall == "bind") binds.push_back(r.peer);
    if (r.syscall == "accept" || r.syscall == "accept4") accepted.push_back(r.peer);
  }
  // Accepted in the client's order: IPv4 and IPv6 peers numeric with their
  // port; the unix client never bound, so its peer has no name.
  std::vector<std::string> patterns{R"(127\.0\.0\.1:[0-9]+)"};
  if (!peer.port6.empty()) patterns.push_back(R"(\[::1\]:[0-9]+)");
  patterns.push_back("");
  ASSERT_EQ(accepted.size(), patterns.size());
  for (size_t i = 0; i < accepted.size(); ++i)
    EXPECT_TRUE(std::regex_match(accepted[i], std::regex(patterns[i]))) << "accepted peer " << i << ": " << accepted[i];
  // stream_socket_server binds what it was given: port 0 picks a port.
  std::vector<std::string> expected_binds{"127.0.0.1:0", peer.sock};
  if (!peer.port6.empty()) expected_binds.push_back("[::1]:0");
  EXPECT_EQ(binds, expected_binds);
  remove_tree(peer.dir);
}

// 7. It printed only when `main` returned: Ctrl-C lost everything. php-io,
// interrupted while the PHP request is still running, prints every record
// the kernel sent before the signal, and its summary maps.
TEST(PhpIo, Defect7_CtrlCMidRequestFlushesEverythingSeenSoFar) {
  REQUIRE_PHP();
  std::string dir = make_temp_dir("interrupted");
  START_PHP_IO(php_io);
  Spawned php(php_printing_its_pid("", {php_fixture("interrupted.php"), dir}));
  ASSERT_TRUE(wait_for_file(dir + "/waiting", 120)) << php.finish(1).err;
  // Straight away: the records may still be in the ring buffer, unread.
  PhpIoReport report = stop_php_io(php_io);
  touch(dir + "/go");
  RunResult ran = php.finish(60);
  EXPECT_EQ(ran.exit_code, 0) << ran.err;
  pid_t pid = first_line_pid(ran.out);

  CallRecord wrote = only_call(report, pid, "write_before_wait");
  EXPECT_EQ(only_io(report, wrote, "write").out, 77);
  // main is still open: its own records are there, without a call record.
  bool waiting_opened = false;
  for (const IoRecord& r : report.io_of(pid)) waiting_opened |= r.syscall == "openat" && r.peer == dir + "/waiting";
  EXPECT_TRUE(waiting_opened) << "main's last open before the signal is missing";
  EXPECT_EQ(report.calls_of(pid).size(), 1u) << "main had not returned: only write_before_wait has a call record";
  for (const RequestRecord& r : report.requests) EXPECT_NE(r.pid, pid) << "the request had not ended";
  EXPECT_EQ(report.maps.count("@io_time_by_function"), 1u) << "the summary maps are printed at Ctrl-C";
  remove_tree(dir);
}

// 8. A fatal error left its depth wrong for every later request of that
// worker. php-io's request span resets the thread's stacks: the next request
// on the same php -S worker starts at depth 1.
TEST(PhpIo, Defect8_FatalErrorThenACorrectNextRequestOnTheSameWorker) {
  REQUIRE_PHP();
  ASSERT_EQ(access("/usr/bin/curl", X_OK), 0) << "curl is missing (scripts/setup)";
  std::string dir = make_temp_dir("fatal");
  std::string port = free_tcp_port();
  ASSERT_FALSE(port.empty());
  START_PHP_IO(php_io);
  Spawned server(with_dtrace({"php", "-S", "127.0.0.1:" + port, php_fixture("fatal.php")}));
  ASSERT_TRUE(server.wait_for_err("started", 60)) << "php -S on port " << port << ": " << server.finish(1).err;
  std::string base = "http://127.0.0.1:" + port + "/?dir=" + dir;
  EXPECT_EQ(run({"curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", base + "&fatal=1"}).out, "500");
  EXPECT_EQ(run({"curl", "-s", base}).out, "read 123\n");
  // Each request ends (request__shutdown) just after its response is sent.
  EXPECT_TRUE(php_io.wait_for("\"pid\": " + std::to_string(server.pid()) + ",", 60, 2)) << "two request records";
  server.signal(SIGTERM);
  server.finish(30);
  PhpIoReport report = stop_php_io(php_io);
  pid_t pid = server.pid();

  // The fatal request's write is recorded, though its functions never returned.
  bool fatal_write = false;
  for (const IoRecord& r : report.io_of(pid)) fatal_write |= r.syscall == "write" && r.out == 123;
  EXPECT_TRUE(fatal_write);
  EXPECT_TRUE(report.calls_named("write_then_fail").empty()) << "no return fired, so no call record";

  CallRecord read_back = only_call(report, pid, "read_back");
  EXPECT_EQ(read_back.depth, 2) << "main, then read_back: the fatal request's 4 dead frames are gone";
  const CallRecord* main = report.call(read_back.parent);
  ASSERT_NE(main, nullptr);
  EXPECT_EQ(main->function, "main");
  EXPECT_EQ(main->depth, 1);
  const RequestRecord* request = report.request_of(read_back);
  ASSERT_NE(request, nullptr) << "read_back is not under a request";
  EXPECT_EQ(request->pid, pid);
  EXPECT_EQ(totals(report.io_in(read_back.id)).in, 123);
  int requests = 0;
  for (const RequestRecord& r : report.requests) requests += r.pid == pid;
  EXPECT_EQ(requests, 2);
  remove_tree(dir);
}

// 9. It needed PIDs up front, so it missed new php-fpm workers and short CLI
// runs. php-io attaches by path: a php-fpm started after it, and its workers,
// are traced, each request's write charged to the worker that served it.
TEST(PhpIo, Defect9_FpmWorkersStartedAfterAttachEachChargedTheirOwnWrite) {
  REQUIRE_PHP();
  ASSERT_EQ(access("/usr/sbin/php-fpm8.2", X_OK), 0) << "php-fpm8.2 is missing (scripts/setup)";
  ASSERT_EQ(access("/usr/bin/cgi-fcgi", X_OK), 0) << "cgi-fcgi is missing (scripts/setup: libfcgi-bin)";
  std::string dir = make_temp_dir("fpm");
  std::string sock = dir + "/fpm.sock", conf = dir + "/php-fpm.conf";
  std::ofstream(conf) << "[global]\npid = " << dir << "/php-fpm.pid\nerror_log = " << dir
                      << "/php-fpm.log\ndaemonize = no\n[test]\nuser = root\ngroup = root\nlisten = " << sock
                      << "\npm = static\npm.max_children = 3\n";
  START_PHP_IO(php_io);
  Spawned fpm(with_dtrace({"php-fpm8.2", "-F", "-R", "-y", conf}));
  // SIGTERM, not the harness's SIGKILL, also when an assertion returns early:
  // only a master that is asked to stop takes its workers with it.
  struct StopMaster {
    Spawned& master;
    ~StopMaster() {
      master.signal(SIGTERM);
      master.finish(30);
    }
  } stop_master{fpm};
  ASSERT_TRUE(wait_for_file(sock, 60)) << fpm.finish(1).err;
  // Sent at once; each worker holds its request until all three are busy,
  // so three different workers serve them concurrently.
  const int kRequests = 3;
  std::vector<std::unique_ptr<Spawned>> clients;
  for (int i = 0; i < kRequests; ++i)
    clients.push_back(std::make_unique<Spawned>(std::vector<std::string>{
        "env", "SCRIPT_FILENAME=" + php_fixture("workers.php"), "SCRIPT_NAME=/workers.php", "REQUEST_METHOD=GET",
        "QUERY_STRING=dir=" + dir + "&together=3", "cgi-fcgi", "-bind", "-connect", sock}));
  for (auto& client : clients) {
    RunResult r = client->finish(60);
    EXPECT_NE(r.out.find("wrote 500"), std::string::npos) << r.out << r.err;
  }
  // A worker's request ends (request__shutdown) just after its response is
  // sent: wait for each worker's request record before stopping php-fpm.
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    if (name.rfind("worker-", 0) != 0) continue;
    std::string worker = name.substr(7, name.find('.') - 7);
    EXPECT_TRUE(php_io.wait_for("\"pid\": " + worker + ",", 60)) << "no request record for worker " << worker;
  }
  pid_t master = fpm.pid();
  fpm.signal(SIGTERM);
  fpm.finish(30);
  PhpIoReport report = stop_php_io(php_io);

  int charged = 0;
  std::set<long long> workers;
  for (const CallRecord& call : report.calls_named("record_request")) {
    const RequestRecord* request = report.request_of(call);
    ASSERT_NE(request, nullptr);
    std::string file = dir + "/worker-" + std::to_string(request->pid) + ".txt";
    std::vector<IoRecord> io = report.io_in(call.id);
    bool opened_own = std::any_of(
        io.begin(), io.end(), [&](const IoRecord& r) { return r.syscall == "openat" && r.peer.rfind(dir, 0) == 0; });
    if (!opened_own) continue;  // another test's php-fpm
    EXPECT_TRUE(
        std::any_of(io.begin(), io.end(), [&](const IoRecord& r) { return r.syscall == "openat" && r.peer == file; }))
        << "worker " << request->pid << "'s request is charged with another worker's file";
    EXPECT_EQ(totals(io).out, 500);
    EXPECT_EQ(thread_of(call.id), request->pid);
    EXPECT_NE(request->pid, master) << "the master serves no request";
    workers.insert(request->pid);
    ++charged;
  }
  EXPECT_EQ(charged, kRequests);
  EXPECT_EQ(workers.size(), 3u) << "three requests held at once by three workers";
  remove_tree(dir);
}

// The text report prints every duration with its unit, syscall latencies
// included (a field computed through a variable keeps its `duration` unit
// only when the script says so).
TEST(PhpIo, TextReportShowsDurationsWithUnits) {
  REQUIRE_PHP();
  std::string dir = make_temp_dir("units");
  RunResult r = sonde({"run", "php-io", "-c", "env USE_ZEND_DTRACE=1 /usr/bin/php " + php_fixture("recursion.php") + " " + dir},
                      120);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::regex latency(R"(latency=([0-9.]+)(ns|us|ms|s)( |$))");
  std::regex any_latency("latency=");
  int lines = 0;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    if (!std::regex_search(line, any_latency)) continue;
    ++lines;
    EXPECT_TRUE(std::regex_search(line, latency)) << line;
  }
  EXPECT_GE(lines, 15) << r.out;  // 5 levels x openat, write, close
  remove_tree(dir);
}

// 10. Per-CPU perf buffers reordered events, and every traced syscall cost a
// 328-byte event. php-io's records of a thread come in the order they
// happened, and functions without I/O cost no record: the kernel drops them.
TEST(PhpIo, Defect10_EventsInOrderAndCallsWithoutIoFilteredInTheKernel) {
  REQUIRE_PHP();
  std::string dir = make_temp_dir("many-calls");
  START_PHP_IO(php_io);
  pid_t pid = run_php({php_fixture("many_calls.php"), dir}).pid;
  PhpIoReport report = stop_php_io(php_io);

  std::vector<std::string> functions;
  for (const CallRecord& c : report.calls_of(pid)) functions.push_back(c.function);
  EXPECT_EQ(functions, (std::vector<std::string>{"write_in_order", "main"}))
      << "20000 calls of pure_arithmetic() without I/O must emit nothing";
  std::vector<long long> sizes;
  for (const IoRecord& r : report.io_in(only_call(report, pid, "write_in_order").id))
    if (r.syscall == "write") sizes.push_back(r.out);
  std::vector<long long> expected;
  for (long long n = 1; n <= 30; ++n) expected.push_back(n);
  EXPECT_EQ(sizes, expected) << "writes of 1..30 bytes, in the order made";
  remove_tree(dir);
}

// --flow shows every PHP call, nested as called, I/O or not (like uflow).
TEST(PhpIo, FlowShowsEveryCallNestedAsCalled) {
  REQUIRE_PHP();
  START_PHP_IO(php_io, std::vector<std::string>{"--flow"});
  pid_t pid = run_php({php_fixture("flow.php")}).pid;
  PhpIoReport report = stop_php_io(php_io);

  std::map<std::string, CallRecord> by_name;
  for (const CallRecord& c : report.calls_of(pid)) by_name[c.function] = c;
  ASSERT_EQ(by_name.size(), 4u) << "main, Shop::buy, Shop::price, helper";
  EXPECT_EQ(by_name["Shop::buy"].parent, by_name["main"].id);
  EXPECT_EQ(by_name["Shop::price"].parent, by_name["Shop::buy"].id);
  EXPECT_EQ(by_name["helper"].parent, by_name["Shop::price"].id);
}

// 11. It cut strings at 80 bytes. php-io keeps a 118-byte Class::method and
// a file path over 100 bytes whole, by default (its `config = { max_strlen
// = 256 }`).
TEST(PhpIo, Defect11_LongFunctionAndFileNamesNotCut) {
  REQUIRE_PHP();
  std::string dir = make_temp_dir("long-names");
  std::string long_dir = dir + "/" + std::string(40, 'd') + "/" + std::string(40, 'e');
  run({"mkdir", "-p", long_dir});
  std::string script = long_dir + "/long_names.php";
  run({"cp", php_fixture("long_names.php"), script});
  ASSERT_GT(script.size(), 100u);
  START_PHP_IO(php_io, std::vector<std::string>{});
  pid_t pid = run_php({script, dir}).pid;
  PhpIoReport report = stop_php_io(php_io);

  std::string function =
      "A_class_name_that_is_deliberately_long_for_php_io::"
      "and_a_method_name_long_enough_to_take_the_whole_past_eighty_bytes_x";
  ASSERT_EQ(function.size(), 118u);
  CallRecord call = only_call(report, pid, function);
  EXPECT_EQ(call.file, script);
  EXPECT_EQ(totals(report.io_in(call.id)).out, 9);
  remove_tree(dir);
}

}  // namespace
}  // namespace sonde::e2e
