// The PHP fixtures of php-io's tests (tests/fixtures/php/) do exactly the I/O
// their headers promise: checked under strace, through strace_reference, so
// both the fixtures and the reference php-io is compared with are proven on
// real runs. These tests load no BPF; they need php and strace (scripts/setup).
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>


#include "harness.h"
#include "php_env.h"
#include "strace_reference.h"

namespace sonde::e2e {
namespace {

struct Bytes {
  long long read = 0, written = 0;
  int calls = 0;
};

void count(const SyscallRecord& call, Bytes* bytes) {
  if (!call.returned || call.ret < 0) return;
  Transfer t = transfer_of(call.name);
  if (t == Transfer::Read) bytes->read += call.ret;
  if (t == Transfer::Write) bytes->written += call.ret;
  bytes->calls += t != Transfer::None;
}

// Bytes moved through any fd strace annotated with this path.
Bytes bytes_on_file(const std::vector<SyscallRecord>& calls, const std::string& path) {
  Bytes bytes;
  for (const SyscallRecord& c : calls)
    if (c.fd_info.kind == FdKind::File && c.fd_info.path == path) count(c, &bytes);
  return bytes;
}

// Bytes moved on the socket that connected to `address`, from the connect to
// its close, in the connecting process.
Bytes bytes_on_connection(const std::vector<SyscallRecord>& calls, const std::string& address) {
  Bytes bytes;
  size_t i = 0;
  while (i < calls.size() && !(calls[i].name == "connect" && calls[i].sockaddr == address)) ++i;
  if (i == calls.size()) return bytes;
  pid_t pid = calls[i].pid;
  int fd = calls[i].fd;
  for (++i; i < calls.size(); ++i) {
    if (calls[i].pid != pid || calls[i].fd != fd) continue;
    if (calls[i].name == "close") break;
    count(calls[i], &bytes);
  }
  return bytes;
}

std::string make_dir(const std::string& stem) {
  std::string dir = temp_path(stem);
  mkdir(dir.c_str(), 0755);
  return dir;
}

#define REQUIRE_TOOL(path, package)                                                           \
  ASSERT_EQ(access(path, X_OK), 0) << path << " is missing (scripts/setup installs " package ")"

TEST(PhpFixtures, KnownIoMovesExactlyTheDocumentedBytes) {
  REQUIRE_TOOL("/usr/bin/php", "php-cli");
  REQUIRE_TOOL("/usr/bin/strace", "strace");
  std::string dir = make_dir("known-io");
  std::string sock = dir + "/known.sock";
  bool ipv6 = has_ipv6_loopback();
  std::vector<std::string> server_argv{"php", php_fixture("known_io_server.php"), "--count=" + std::to_string(ipv6 ? 3 : 2),
                                       "tcp://127.0.0.1:0", "unix://" + sock};
  if (ipv6) server_argv.push_back("tcp://[::1]:0");
  Spawned server(server_argv);
  ASSERT_TRUE(server.wait_for_out("ready", 10)) << server.finish(1).err;
  std::string port = port_after(server.so_far().out, "127.0.0.1");
  std::string port6 = ipv6 ? port_after(server.so_far().out, "[::1]") : "";
  ASSERT_FALSE(port.empty());

  std::string log_path = dir + "/strace.log";
  std::vector<std::string> client{"php", php_fixture("known_io.php"), "--dir=" + dir, "--port=" + port, "--unix=" + sock};
  if (ipv6) client.push_back("--port6=" + port6);
  RunResult r = run(strace_command(log_path, client));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  StraceLog log;
  std::string error;
  ASSERT_TRUE(read_strace_file(log_path, &log, &error)) << error;
  EXPECT_TRUE(log.unparsed.empty()) << log.unparsed.front();

  Bytes file = bytes_on_file(log.calls, dir + "/known_io.txt");
  EXPECT_EQ(file.written, 1000);
  EXPECT_EQ(file.read, 1000);
  Bytes tcp = bytes_on_connection(log.calls, "127.0.0.1:" + port);
  EXPECT_EQ(tcp.written, 37);
  EXPECT_EQ(tcp.read, 211);
  Bytes unix_socket = bytes_on_connection(log.calls, sock);
  EXPECT_EQ(unix_socket.written, 37);
  EXPECT_EQ(unix_socket.read, 211);
  if (ipv6) {
    Bytes tcp6 = bytes_on_connection(log.calls, "[::1]:" + port6);
    EXPECT_EQ(tcp6.written, 37);
    EXPECT_EQ(tcp6.read, 211);
  }
  RunResult served = server.finish(10);
  EXPECT_EQ(served.exit_code, 0) << served.err;
  EXPECT_NE(access(sock.c_str(), F_OK), 0) << "the server left its socket file";
  run({"rm", "-rf", dir});
}

TEST(PhpFixtures, RecursionWritesEightBytesAtEachOfFiveLevels) {
  REQUIRE_TOOL("/usr/bin/php", "php-cli");
  REQUIRE_TOOL("/usr/bin/strace", "strace");
  std::string dir = make_dir("recursion");
  std::string log_path = temp_path("recursion.log");
  RunResult r = run(strace_command(log_path, {"php", php_fixture("recursion.php"), dir}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  StraceLog log;
  std::string error;
  ASSERT_TRUE(read_strace_file(log_path, &log, &error)) << error;
  for (int level = 1; level <= 5; ++level) {
    Bytes bytes = bytes_on_file(log.calls, dir + "/level" + std::to_string(level) + ".txt");
    EXPECT_EQ(bytes.written, 8) << "level " << level;
    EXPECT_EQ(bytes.calls, 1) << "level " << level;
  }
  EXPECT_EQ(bytes_on_file(log.calls, dir + "/level6.txt").calls, 0);
  run({"rm", "-rf", dir, log_path});
}

// fatal.php behind php -S: the fatal request answers 500 after writing its
// bytes; the next request on the same (only) worker reads them back.
TEST(PhpFixtures, FatalRequestThenANormalOneOnTheSameWorker) {
  REQUIRE_TOOL("/usr/bin/php", "php-cli");
  REQUIRE_TOOL("/usr/bin/curl", "curl");
  std::string dir = make_dir("fatal");
  std::string port = free_tcp_port();
  ASSERT_FALSE(port.empty());
  Spawned server({"php", "-S", "127.0.0.1:" + port, php_fixture("fatal.php")});
  ASSERT_TRUE(server.wait_for_err("started", 10)) << "php -S on port " << port << ": " << server.finish(1).err;
  std::string base = "http://127.0.0.1:" + port + "/?dir=" + dir;
  RunResult fatal = run({"curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", base + "&fatal=1"});
  EXPECT_EQ(fatal.out, "500");
  RunResult normal = run({"curl", "-s", base});
  EXPECT_EQ(normal.out, "read 123\n");
  server.signal(SIGTERM);
  RunResult log = server.finish(10);
  EXPECT_NE(log.err.find("PHP Fatal error:  fatal.php: deliberate fatal error"), std::string::npos) << log.err;
  run({"rm", "-rf", dir});
}

}  // namespace
}  // namespace sonde::e2e
