// The runtime against the real kernel, with a hand-written BPF object
// (runtime_data/getpid_probe.bpf.c, script in its header comment) instead of
// compiler output. Skips when not root unless SONDE_REQUIRE_BPF=1.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "runtime/runtime.h"

namespace sonde::runtime {
namespace {

constexpr const char* kDataDir = SONDE_BINARY_DIR "/runtime_data/";
constexpr int kCalls = 25;

bool require_bpf() { return std::getenv("SONDE_REQUIRE_BPF") != nullptr; }

#define SKIP_UNLESS_ROOT()                                                    \
  do {                                                                        \
    if (geteuid() != 0) {                                                     \
      if (require_bpf()) FAIL() << "SONDE_REQUIRE_BPF=1 but not running as root"; \
      GTEST_SKIP() << "needs root for BPF";                                   \
    }                                                                         \
  } while (0)

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<uint8_t> object_bytes(const std::string& name = "getpid_probe") {
  std::string s = slurp(kDataDir + name + ".bpf.o");
  return std::vector<uint8_t>(s.begin(), s.end());
}

std::string temp_path(const std::string& name) {
  return std::string(::testing::TempDir()) + "sonde_runtime_" + std::to_string(getpid()) + "_" + name;
}

// Calls getpid() kCalls times from a thread named sonde_wl once `path`
// shows that BEGIN ran (so the probes are attached), then getsid() to make
// the object exit(). Gives up waiting after 10 s but still ends the run.
std::thread workload(const std::string& path, const std::string& ready_text) {
  return std::thread([path, ready_text] {
    prctl(PR_SET_NAME, "sonde_wl");
    for (int i = 0; i < 1000 && slurp(path).find(ready_text) == std::string::npos; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    for (int i = 0; i < kCalls; ++i) syscall(SYS_getpid);
    syscall(SYS_getsid, 0);
  });
}

std::string repeat(const std::string& line, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += line;
  return out;
}

TEST(RuntimeKernel, TextOutputOfPrintfCountsAndHist) {
  SKIP_UNLESS_ROOT();
  RunOptions options;
  options.pids = {getpid()};  // only this process's calls count
  options.output_path = temp_path("text.out");
  options.quiet = true;
  std::thread thread = workload(options.output_path, "begin\n");
  int rc = run(object_bytes(), options);
  thread.join();
  ASSERT_EQ(rc, 0);
  std::string n = std::to_string(kCalls);
  EXPECT_EQ(slurp(options.output_path),
            "begin\n" + repeat("getpid -5 beef sonde_wl|sonde_wl  |\n", kCalls) +
                // getsid: print(@by_comm), print(@calls), clear(@by_comm), zero(@h), exit()
                "@by_comm[sonde_wl]: " + n + "\n" + "@calls: " + n + "\n" +
                "end\n\n\n" +
                "\n" +                    // @by_comm, cleared
                "@calls: " + n + "\n" +   // @calls
                "@h: \n\n");             // @h, zeroed
}

TEST(RuntimeKernel, JsonOutput) {
  SKIP_UNLESS_ROOT();
  RunOptions options;
  options.pids = {getpid()};
  options.output_path = temp_path("json.out");
  options.format = OutputFormat::Json;
  std::thread thread = workload(options.output_path, "begin");
  int rc = run(object_bytes(), options);
  thread.join();
  ASSERT_EQ(rc, 0);
  std::string n = std::to_string(kCalls);
  EXPECT_EQ(slurp(options.output_path),
            "{\"type\": \"attached_probes\", \"data\": {\"probes\": 4}}\n"
            "{\"type\": \"printf\", \"data\": \"begin\\n\"}\n" +
                repeat("{\"type\": \"printf\", \"data\": \"getpid -5 beef sonde_wl|sonde_wl  |\\n\"}\n",
                       kCalls) +
                "{\"type\": \"map\", \"data\": {\"@by_comm\": {\"sonde_wl\": " + n + "}}}\n"
                "{\"type\": \"map\", \"data\": {\"@calls\": " + n + "}}\n"
                "{\"type\": \"printf\", \"data\": \"end\\n\"}\n"
                "{\"type\": \"map\", \"data\": {\"@calls\": " + n + "}}\n"
                "{\"type\": \"hist\", \"data\": {\"@h\": []}}\n");
}

// -c: the child is held until attach, traced by pid, and its exit ends the
// run. The fixture calls getpid() once to print its pid, then COUNT times;
// a command without shell syntax is exec'd directly, so no shell is traced.
TEST(RuntimeKernel, CommandRunsUnderTraceAndEndsTheRun) {
  SKIP_UNLESS_ROOT();
  RunOptions options;
  options.command = SONDE_BINARY_DIR "/fixtures/syscalls getpid 7";
  options.output_path = temp_path("command.out");
  options.quiet = true;
  ASSERT_EQ(run(object_bytes(), options), 0);
  EXPECT_EQ(slurp(options.output_path),
            "begin\n" + repeat("getpid -5 beef syscalls|syscalls  |\n", 7) + "end\n\n\n" +
                "@by_comm[syscalls]: 7\n@calls: 7\n@h: \n"
                "[4, 8)                 7 |" + std::string(52, '@') + "|\n\n");
}

TEST(RuntimeKernel, SigtermStopsTheRunAndPrintsMaps) {
  SKIP_UNLESS_ROOT();
  RunOptions options;
  options.pids = {getpid()};
  options.output_path = temp_path("sigterm.out");
  options.quiet = true;
  std::string path = options.output_path;
  pid_t self = getpid();  // not from the thread: that getpid() would be traced
  std::thread killer([path, self] {
    for (int i = 0; i < 1000 && slurp(path).find("begin") == std::string::npos; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    kill(self, SIGTERM);
  });
  int rc = run(object_bytes(), options);
  killer.join();
  EXPECT_EQ(rc, 0);
  // BEGIN, END, bpftrace's two blank lines, then three empty maps.
  EXPECT_EQ(slurp(path), "begin\nend\n\n\n\n\n\n");
}

TEST(RuntimeKernel, LostRecordsAndFullMapsAreReported) {
  SKIP_UNLESS_ROOT();
  RunOptions options;
  options.command = "true";  // ends the run once BEGIN has filled the ring
  options.output_path = temp_path("lost.out");
  options.quiet = true;
  testing::internal::CaptureStderr();
  int rc = run(object_bytes("lost_probe"), options);
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(rc, 2);
  std::string out = slurp(options.output_path);
  size_t printed = 0;
  for (size_t p = 0; (p = out.find("x\n", p)) != std::string::npos; ++p) ++printed;
  ASSERT_GT(printed, 10u);
  ASSERT_LT(printed, 100u);
  EXPECT_EQ(out, repeat("x\n", static_cast<int>(printed)) +
                     "\n\n@full[0]: 0\n@full[1]: 1\n@full[2]: 2\n@full[3]: 3\n");
  EXPECT_EQ(err, "WARNING: " + std::to_string(100 - printed) + " events lost (ring buffer full)\n"
                 "WARNING: map @full is full (4 entries): 6 updates of new keys were dropped\n");
}

TEST(RuntimeKernel, VerifierRejectionNamesTheProbeAndShowsTheLog) {
  SKIP_UNLESS_ROOT();
  RunOptions options;
  options.quiet = true;
  testing::internal::CaptureStderr();
  int rc = run(object_bytes("rejected_probe"), options);
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(rc, 1);
  EXPECT_EQ(err.rfind("error: the kernel's BPF verifier rejected probe "
                      "`tracepoint:syscalls:sys_enter_getpid` (rejected.sonde:3)\n", 0), 0u) << err;
  EXPECT_NE(err.find("map_value_or_null"), std::string::npos) << err;
  EXPECT_NE(err.find("\nhint: "), std::string::npos) << err;
}

TEST(RuntimeKernel, ListsTracepointsWithFields) {
  SKIP_UNLESS_ROOT();
  testing::internal::CaptureStdout();
  int rc = list_probes("tracepoint:syscalls:sys_enter_getp*id", true);
  std::string out = testing::internal::GetCapturedStdout();
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(out,
            "tracepoint:syscalls:sys_enter_getpgid\n    int __syscall_nr\n    pid_t pid\n"
            "tracepoint:syscalls:sys_enter_getpid\n    int __syscall_nr\n"
            "tracepoint:syscalls:sys_enter_getppid\n    int __syscall_nr\n");
  testing::internal::CaptureStdout();
  list_probes("syscalls:sys_enter_getpid", false);
  EXPECT_EQ(testing::internal::GetCapturedStdout(), "tracepoint:syscalls:sys_enter_getpid\n");
}

TEST(RuntimeKernel, NotAnObjectFailsWithStatusOne) {
  SKIP_UNLESS_ROOT();
  RunOptions options;
  options.quiet = true;
  std::vector<uint8_t> junk = {'n', 'o', 't', ' ', 'e', 'l', 'f'};
  EXPECT_EQ(run(junk, options), 1);
}

}  // namespace
}  // namespace sonde::runtime
