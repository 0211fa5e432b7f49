// No residue: whatever way sonde ends — by itself, on SIGINT or SIGTERM, or
// killed with SIGKILL — the BPF programs and links it created are gone, no
// uprobe event it made is left in tracefs, and USDT semaphores in the traced
// process are back at their earlier value.
//
// Method: while sonde runs, the ids of the programs and links it holds are
// read from /proc/PID/fdinfo (and must be non-empty, and named probe_*, or
// the test proves nothing); after it ends, bpftool must no longer list any of
// them. Ids rather than counts, so other tracers running meanwhile do not
// disturb the result.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "harness.h"
#include "kernel_state.h"

namespace sonde::e2e {
namespace {

const char* const kGetpidCount = "tracepoint:syscalls:sys_enter_getpid { @c = count(); } ";

// Starts `sonde args...`, waits until it attached, and returns the ids it holds.
BpfIds attached_ids(Spawned& tracer) {
  EXPECT_TRUE(tracer.wait_for_err("Attaching")) << tracer.finish().err;
  BpfIds ids = bpf_ids_of(tracer.pid());
  EXPECT_FALSE(ids.progs.empty()) << "sonde holds no BPF program: the check would prove nothing";
  for (int id : ids.progs) {
    std::string name = prog_name(id);
    EXPECT_EQ(name.rfind("probe_", 0), 0u) << "program " << id << " is named " << name;
  }
  return ids;
}

std::string describe(const BpfIds& ids) {
  std::ostringstream s;
  s << "programs:";
  for (int id : ids.progs) s << " " << id;
  s << " links:";
  for (int id : ids.links) s << " " << id;
  return s.str();
}

void expect_gone(const BpfIds& ids) {
  BpfIds left = still_alive(ids);
  EXPECT_TRUE(left.empty()) << "still loaded after sonde ended: " << describe(left);
}

TEST(Residue, NormalExitLeavesNothing) {
  SONDE_REQUIRE_BPF();
  Spawned tracer({bin("sonde"), "-e", std::string(kGetpidCount) + "interval:ms:1500 { exit(); }"});
  BpfIds ids = attached_ids(tracer);
  RunResult r = tracer.finish(20);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  expect_gone(ids);
}

TEST(Residue, CommandModeExitLeavesNothing) {
  SONDE_REQUIRE_BPF();
  std::string go = temp_path("go");
  Spawned tracer({bin("sonde"), "-c", fixture("syscalls") + " --wait " + go + " getpid 3", "-e",
                  kGetpidCount});
  BpfIds ids = attached_ids(tracer);
  touch(go);
  RunResult r = tracer.finish(20);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("@c: 3\n"), std::string::npos) << r.out;
  expect_gone(ids);
  unlink(go.c_str());
}

class ResidueOnSignal : public testing::TestWithParam<int> {};

TEST_P(ResidueOnSignal, LeavesNothing) {
  SONDE_REQUIRE_BPF();
  Spawned tracer({bin("sonde"), "-e", std::string(kGetpidCount) + "interval:ms:100 { @t = count(); }"});
  BpfIds ids = attached_ids(tracer);
  usleep(300 * 1000);  // a few ticks, so there is a map to print
  tracer.signal(GetParam());
  RunResult r = tracer.finish(20);
  if (GetParam() == SIGKILL) {
    EXPECT_EQ(r.signal, SIGKILL);
  } else {
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("@t: "), std::string::npos) << "maps not printed: " << r.out;
  }
  expect_gone(ids);
}

// `syscall:` probes hold raw tracepoint links (raw_syscalls), detached the same way.
TEST(Residue, SyscallSetOnSignalLeavesNothing) {
  SONDE_REQUIRE_BPF();
  Spawned tracer({bin("sonde"), "-e",
                  "syscalls rw = read, write, getpid\n"
                  "syscall:rw { @calls[probe.name] = count(); } interval:ms:100 { @t = count(); }"});
  BpfIds ids = attached_ids(tracer);
  EXPECT_FALSE(ids.links.empty()) << "sonde holds no BPF link: the check would prove nothing";
  usleep(300 * 1000);
  tracer.signal(SIGTERM);
  RunResult r = tracer.finish(20);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("@calls["), std::string::npos) << "maps not printed: " << r.out;
  expect_gone(ids);
}

INSTANTIATE_TEST_SUITE_P(Signals, ResidueOnSignal, testing::Values(SIGINT, SIGTERM, SIGKILL),
                         [](const testing::TestParamInfo<int>& info) {
                           return std::string(sigabbrev_np(info.param));
                         });

// --- uprobes and USDT ---------------------------------------------------------

// The run-time address of `symbol` in `pid` (a PIE: load base + st_value).
uint64_t symbol_address(pid_t pid, const std::string& path, const std::string& symbol) {
  uint64_t value = 0, base = 0;
  for (const std::string& line : lines(run({"nm", path}).out)) {
    std::istringstream in(line);
    std::string addr, type, name;
    if (in >> addr >> type >> name && name == symbol) value = std::stoull(addr, nullptr, 16);
  }
  std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
  for (std::string line; std::getline(maps, line);) {
    if (line.find(path) == std::string::npos) continue;
    base = std::stoull(line.substr(0, line.find('-')), nullptr, 16);
    break;  // the first mapping of the file has offset 0: the load base
  }
  return value && base ? base + value : 0;
}

int read_u16(pid_t pid, uint64_t address) {
  int fd = open(("/proc/" + std::to_string(pid) + "/mem").c_str(), O_RDONLY | O_CLOEXEC);
  uint16_t v = 0;
  bool ok = fd >= 0 && pread(fd, &v, sizeof v, static_cast<off_t>(address)) == sizeof v;
  if (fd >= 0) close(fd);
  return ok ? v : -1;
}

// sonde's answer to a script it cannot run yet (USDT/uprobe support is being
// added): skip with the reason rather than fail the residue check for it.
#define SKIP_IF_UNSUPPORTED(tracer)                                                      \
  if (!tracer.wait_for_err("Attaching", 30)) {                                           \
    RunResult early = tracer.finish();                                                   \
    if (early.err.find("error") != std::string::npos)                                    \
      GTEST_SKIP() << "sonde cannot attach this probe kind yet: " << early.err;          \
    FAIL() << "sonde did not attach: " << early.err;                                     \
  }

class UsdtResidue : public testing::TestWithParam<int> {};

TEST_P(UsdtResidue, SemaphoreReturnsToItsValueAndNoUprobeIsLeft) {
  SONDE_REQUIRE_BPF();
  std::string app = fixture("usdt_app");
  std::string go = temp_path("go");
  Spawned workload({app, "--wait", go, "5"});
  ASSERT_TRUE(workload.wait_for_out("\n"));
  uint64_t sem = symbol_address(workload.pid(), app, "sondetest_guarded_semaphore");
  ASSERT_NE(sem, 0u) << "cannot find the semaphore in " << app;
  ASSERT_EQ(read_u16(workload.pid(), sem), 0);
  std::string events_before = uprobe_events();

  Spawned tracer({bin("sonde"), "-p", std::to_string(workload.pid()), "-e",
                  "usdt:" + app + ":sondetest:guarded { @g = count(); }"});
  SKIP_IF_UNSUPPORTED(tracer);
  BpfIds ids = bpf_ids_of(tracer.pid());
  EXPECT_FALSE(ids.progs.empty());
  EXPECT_EQ(read_u16(workload.pid(), sem), 1) << "the tracer did not raise the semaphore";

  tracer.signal(GetParam());
  tracer.finish(20);
  expect_gone(ids);
  EXPECT_EQ(read_u16(workload.pid(), sem), 0) << "semaphore left raised after sonde ended";
  EXPECT_EQ(uprobe_events(), events_before);
  touch(go);
  EXPECT_EQ(workload.finish().exit_code, 0);
  unlink(go.c_str());
}

INSTANTIATE_TEST_SUITE_P(Signals, UsdtResidue, testing::Values(SIGINT, SIGKILL),
                         [](const testing::TestParamInfo<int>& info) {
                           return std::string(sigabbrev_np(info.param));
                         });

TEST(Residue, UprobeKilledLeavesNoUprobeEvent) {
  SONDE_REQUIRE_BPF();
  std::string app = fixture("usdt_app");
  std::string events_before = uprobe_events();
  Spawned tracer({bin("sonde"), "-e", "uprobe:" + app + ":main { @m = count(); }"});
  SKIP_IF_UNSUPPORTED(tracer);
  BpfIds ids = bpf_ids_of(tracer.pid());
  EXPECT_FALSE(ids.progs.empty());
  tracer.signal(SIGKILL);
  tracer.finish(20);
  expect_gone(ids);
  EXPECT_EQ(uprobe_events(), events_before);
  EXPECT_EQ(uprobe_events().find(app), std::string::npos) << uprobe_events();
}

}  // namespace
}  // namespace sonde::e2e
