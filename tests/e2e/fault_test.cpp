// Fault tests against the real kernel: every way a trace can be cut short or
// refused ends with a clear message and a meaningful exit status, never a
// crash or a hang. docs/reliability.md lists each case with its test here.
#include <signal.h>
#include <unistd.h>

#include <fstream>

#include "harness.h"

namespace sonde::e2e {
namespace {

// sonde must end by exiting, never by a signal or the harness's timeout.
void expect_clean_end(const RunResult& r) {
  EXPECT_EQ(r.signal, 0) << "sonde died of signal " << r.signal << "\n" << r.err;
  EXPECT_EQ(r.err.find("[harness: killed after timeout]"), std::string::npos) << "hung:\n" << r.err;
  EXPECT_EQ(r.err.find("AddressSanitizer"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("runtime error:"), std::string::npos) << r.err;  // UBSan
  EXPECT_EQ(r.err.find("terminate called"), std::string::npos) << r.err;
}

// A refusal: exit 1, one "error:" line first, nothing on stdout.
void expect_clear_error(const RunResult& r, const std::string& needle) {
  expect_clean_end(r);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("error"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << "expected '" << needle << "' in:\n" << r.err;
  EXPECT_EQ(r.out, "");
}

TEST(Fault, TracedPidExitsMidTraceEndsWithAMessage) {
  SONDE_REQUIRE_BPF();
  std::string go = temp_path("go");
  Spawned workload({fixture("syscalls"), "--wait", go, "--sleep-ms", "300", "getpid", "4"});
  ASSERT_TRUE(workload.wait_for_out("\n"));
  std::string pid = std::to_string(workload.pid());
  Spawned tracer({bin("sonde"), "-p", pid, "-e",
                  "tracepoint:syscalls:sys_enter_getpid { @n = count(); } "
                  "interval:ms:50 { @ticks = count(); }"});
  ASSERT_TRUE(tracer.wait_for_err("Attaching")) << tracer.finish().err;
  touch(go);
  EXPECT_EQ(workload.finish().exit_code, 0);
  RunResult r = tracer.finish(20);
  expect_clean_end(r);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("process " + pid + " exited"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("@n: 4\n"), std::string::npos) << r.out;
  unlink(go.c_str());
}

TEST(Fault, PidThatDoesNotExistIsRefused) {
  SONDE_REQUIRE_BPF();
  // Pid 4194304 is above the kernel's maximum pid_max: never a live process.
  RunResult r = sonde({"-p", "4194304", "-e", "tracepoint:syscalls:sys_enter_getpid { @ = count(); }"});
  expect_clear_error(r, "4194304");
}

TEST(Fault, CtrlCPrintsMapsAndExitsZero) {
  SONDE_REQUIRE_BPF();
  Spawned tracer({bin("sonde"), "-e",
                  "BEGIN { @begin = 7; } interval:ms:20 { @ticks = count(); }"});
  ASSERT_TRUE(tracer.wait_for_err("Attaching")) << tracer.finish().err;
  usleep(200 * 1000);
  tracer.signal(SIGINT);
  RunResult r = tracer.finish(20);
  expect_clean_end(r);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("@begin: 7\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("@ticks: "), std::string::npos) << r.out;
}

TEST(Fault, SigtermWhileEventsStreamPrintsMapsAndExitsZero) {
  SONDE_REQUIRE_BPF();
  Spawned tracer({bin("sonde"), "-e",
                  "interval:ms:5 { @n++; printf(\"tick %d\\n\", @n); }"});
  ASSERT_TRUE(tracer.wait_for_out("tick 3\n")) << tracer.finish().err;
  tracer.signal(SIGTERM);
  RunResult r = tracer.finish(20);
  expect_clean_end(r);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\n\n\n@n: "), std::string::npos) << r.out;
}

// `sonde ... | head -1`: the reader goes away mid-trace. sonde must notice
// (EPIPE, SIGPIPE ignored), detach and exit promptly and quietly.
TEST(Fault, ReaderClosingThePipeEndsSondeQuietly) {
  SONDE_REQUIRE_BPF();
  std::string script = "interval:ms:10 { printf(\"line %d\\n\", 1); }";
  std::string cmd = "'" + bin("sonde") + "' -e '" + script + "' | head -1; " +
                    "echo \"sonde-status=${PIPESTATUS[0]}\" >&2";
  RunResult r = run({"bash", "-c", cmd}, 30);
  expect_clean_end(r);
  EXPECT_EQ(r.out, "line 1\n");
  EXPECT_NE(r.err.find("sonde-status=0"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("error"), std::string::npos) << r.err;
}

// A burst far beyond what the ring buffer holds while the reader of sonde's
// stdout is slow (a pipe nobody drains until the workload has made all its
// calls, so sonde blocks writing and the ring buffer fills):
// records are dropped in the kernel, counted, reported, and the exit status
// says so. Every event is accounted for: printed + lost == calls made.
TEST(Fault, RingBufferOverflowReportsLostEventsAndExitsTwo) {
  SONDE_REQUIRE_BPF();
  const long calls = 600000;
  std::string done = temp_path("burst-done");
  std::string cmd = "'" + bin("sonde") + "' -c '" + fixture("syscalls") + " --done " + done + " getpid " +
                    std::to_string(calls) + "' -e 'tracepoint:syscalls:sys_enter_getpid "
                    "{ printf(\"g %d\\n\", nsecs); }' | (while [ ! -e " + done +
                    " ]; do sleep 0.05; done; grep -c \"^g \"); "
                    "echo \"sonde-status=${PIPESTATUS[0]}\" >&2";
  RunResult r = run({"bash", "-c", cmd}, 90);
  expect_clean_end(r);
  EXPECT_NE(r.err.find("sonde-status=2"), std::string::npos) << r.err;
  // The exit total (a warning while tracing may come first).
  size_t total = r.err.find(" events lost (ring buffer full)\n");
  ASSERT_NE(total, std::string::npos) << r.err;
  size_t at = r.err.rfind("WARNING: ", total);
  ASSERT_NE(at, std::string::npos) << r.err;
  long lost = std::atol(r.err.c_str() + at + 9);
  long printed = std::atol(r.out.c_str());
  EXPECT_GT(lost, 0);
  EXPECT_EQ(lost + printed, calls) << "lost " << lost << ", printed " << printed;
  unlink(done.c_str());
}

// The runtime's own hand-written object the verifier must reject
// (tests/unit/runtime_data/rejected_probe.bpf.c), run as a prebuilt object.
TEST(Fault, VerifierRejectionNamesTheProbeAndExitsOne) {
  SONDE_REQUIRE_BPF();
  std::string obj = temp_path("rejected.bpf.o");
  RunResult cc = run({"clang-16", "-target", "bpf", "-O2", "-g", "-I/usr/include/x86_64-linux-gnu", "-c",
                      source_path("tests/unit/runtime_data/rejected_probe.bpf.c"), "-o", obj});
  ASSERT_EQ(cc.exit_code, 0) << cc.err;
  RunResult r = sonde({obj});
  expect_clear_error(r, "verifier rejected probe `tracepoint:syscalls:sys_enter_getpid`");
  EXPECT_NE(r.err.find("hint:"), std::string::npos) << r.err;
  unlink(obj.c_str());
}

TEST(Fault, NotRootSaysWhatToDo) {
  SONDE_REQUIRE_BPF();
  RunResult r = run({"setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                     "--inh-caps=-all", bin("sonde"), "-e", "BEGIN { printf(\"hi\\n\"); exit(); }"});
  expect_clear_error(r, "root");
  EXPECT_NE(r.err.find("sudo"), std::string::npos) << r.err;
}

// In a private mount namespace without tracefs (the host's stays mounted):
// sonde mounts it itself or says what is missing, never crashes.
TEST(Fault, MissingTracefsIsMountedOrExplained) {
  SONDE_REQUIRE_BPF();
  std::string inner = "umount -l /sys/kernel/tracing 2>/dev/null; umount -l /sys/kernel/debug 2>/dev/null; "
                      "exec '" + bin("sonde") + "' -c '" + fixture("syscalls") + " getpid 2' -e "
                      "'tracepoint:syscalls:sys_enter_getpid { @n = count(); }'";
  RunResult r = run({"unshare", "-m", "--propagation", "private", "sh", "-c", inner});
  expect_clean_end(r);
  if (r.exit_code == 0) {
    EXPECT_NE(r.out.find("@n: 2\n"), std::string::npos) << r.out;
  } else {
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_NE(r.err.find("tracefs"), std::string::npos) << r.err;
  }
}

// --- resource limits: a clear error before anything is loaded -------------

TEST(Fault, StringSizeBeyondTheLimitIsAUsageError) {
  RunResult r = sonde({"--strlen", "100000", "-e", "BEGIN { exit(); }"});
  expect_clean_end(r);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--strlen"), std::string::npos) << r.err;
}

// Many large strings live at once: more than the 512-byte BPF stack could
// hold. Either the compiler keeps them off the stack and it runs, or it is
// refused with an error; never a crash or a raw verifier dump only.
TEST(Fault, ScriptNeedingMoreThanTheBpfStackRunsOrIsRefusedClearly) {
  SONDE_REQUIRE_BPF();
  std::string script = "BEGIN { ";
  for (int i = 0; i < 8; ++i) script += "$s" + std::to_string(i) + " = comm; ";
  script += "printf(\"%s%s%s%s%s%s%s%s\\n\", $s0, $s1, $s2, $s3, $s4, $s5, $s6, $s7); exit(); }";
  RunResult r = sonde({"--strlen", "256", "-e", script});
  expect_clean_end(r);
  if (r.exit_code == 0) {
    EXPECT_EQ(r.out.rfind("sondesondesondesondesondesondesondesonde\n", 0), 0u) << r.out;
  } else {
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("error"), std::string::npos) << r.err;
  }
}

// Every syscall tracepoint at once (hundreds of programs, each holding a
// program fd and a link fd) with a soft fd limit of 64: sonde raises the
// soft limit to the hard one at start, as bpftrace does, and runs.
const char* kEverySyscall =
    "tracepoint:syscalls:sys_enter_* { @[probe] = count(); } interval:ms:300 { exit(); }";

TEST(Fault, LowSoftFdLimitIsRaisedToTheHardLimit) {
  SONDE_REQUIRE_BPF();
  RunResult r = run({"prlimit", "--nofile=64:20000", bin("sonde"), "-e", kEverySyscall}, 120);
  expect_clean_end(r);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("Attaching"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("@[tracepoint:syscalls:sys_enter_"), std::string::npos) << r.out;
}

// The hard limit is 64 too, so it cannot be raised: the error says which
// limit ran out, its values, and what to do.
TEST(Fault, TooManyProbesForTheHardFdLimitSaysWhichLimitAndWhatToDo) {
  SONDE_REQUIRE_BPF();
  RunResult r = run({"prlimit", "--nofile=64", bin("sonde"), "-e", kEverySyscall}, 120);
  expect_clear_error(r, "Too many open files");
  EXPECT_NE(r.err.find("RLIMIT_NOFILE) is 64 (hard limit 64)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("hint: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("ulimit -n"), std::string::npos) << r.err;
}

// --- map full ----------------------------------------------------------------

size_t rows_of(const std::string& out, const std::string& prefix) {
  size_t n = 0;
  for (const std::string& line : lines(out)) n += line.rfind(prefix, 0) == 0;
  return n;
}

// "dropped" in the exit line "WARNING: map NAME is full (4096 entries): N
// updates of new keys were dropped", or -1.
long dropped_updates(const std::string& err, const std::string& map) {
  std::string head = "WARNING: map " + map + " is full (4096 entries): ";
  for (const std::string& line : lines(err))
    if (line.rfind(head, 0) == 0 && line.ends_with(" updates of new keys were dropped"))
      return std::atol(line.c_str() + head.size());
  return -1;
}

// 6000 getpid calls, each a new key (nsecs) in two maps of 4096 entries:
// an aggregation (@c, per-CPU, created with BPF_NOEXIST) and a plain value
// (@v, BPF_ANY). The BPF side counts each refused key per map; at exit a
// warning names each map with its count, and the exit status is 2. Every
// call is accounted for: rows printed + updates dropped == calls (@n).
TEST(Fault, MapFullCountsDroppedKeysWarnsAndExitsTwo) {
  SONDE_REQUIRE_BPF();
  const long calls = 6000;
  RunResult r = sonde({"-c", fixture("syscalls") + " getpid " + std::to_string(calls), "-e",
                       "tracepoint:syscalls:sys_enter_getpid { @c[nsecs] = count(); @v[nsecs] = 1; @n = count(); }"});
  expect_clean_end(r);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.out.find("@n: " + std::to_string(calls) + "\n"), std::string::npos) << r.err;
  EXPECT_EQ(rows_of(r.out, "@c["), 4096u);
  EXPECT_EQ(rows_of(r.out, "@v["), 4096u);
  EXPECT_EQ(dropped_updates(r.err, "@c"), calls - 4096) << r.err;
  EXPECT_EQ(dropped_updates(r.err, "@v"), calls - 4096) << r.err;
  EXPECT_EQ(r.err.find("map @n is full"), std::string::npos) << r.err;
}

// A map that fills while the trace runs is reported then, not only at exit
// (the workload is still sleeping when the warning shows), and again with
// its count at exit.
TEST(Fault, MapFullIsWarnedWhileTracing) {
  SONDE_REQUIRE_BPF();
  const long calls = 6000;
  Spawned s({bin("sonde"), "-c", fixture("syscalls") + " --sleep-ms 30000 getpid " + std::to_string(calls), "-e",
             "tracepoint:syscalls:sys_enter_getpid { @c[nsecs] = count(); }"});
  EXPECT_TRUE(s.wait_for_err("WARNING: map @c is full (4096 entries): new keys are being dropped", 15))
      << s.so_far().err;
  EXPECT_EQ(s.so_far().err.find("updates of new keys were dropped"), std::string::npos)
      << "the exit count came early: " << s.so_far().err;
  s.signal(SIGINT);
  RunResult r = s.finish();
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(dropped_updates(r.err, "@c"), calls - 4096) << r.err;
}

// Below the limit nothing is reported and the exit status stays 0.
TEST(Fault, MapBelowItsSizeGivesNoWarning) {
  SONDE_REQUIRE_BPF();
  RunResult r = sonde({"-c", fixture("syscalls") + " getpid 100", "-e",
                       "tracepoint:syscalls:sys_enter_getpid { @c[nsecs] = count(); }"});
  expect_clean_end(r);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(rows_of(r.out, "@c["), 100u);
  EXPECT_EQ(r.err.find("WARNING"), std::string::npos) << r.err;
}

// --- missing BTF -------------------------------------------------------------

// /sys/kernel/btf hidden under an empty tmpfs in a private mount namespace:
// the kernel's BTF is really gone for sonde (this kernel has no other copy
// in /boot or /lib/modules for libbpf to fall back on).
RunResult without_kernel_btf(const std::string& script) {
  std::string inner = "mount -t tmpfs none /sys/kernel/btf && "
                      "exec '" + bin("sonde") + "' -c '" + fixture("syscalls") + " getpid 2' -e '" +
                      script + "'";
  return run({"unshare", "-m", "--propagation", "private", "sh", "-c", inner});
}

// Scripts without CO-RE reads need no kernel BTF at all.
TEST(Fault, MissingKernelBtfDoesNotStopPlainScripts) {
  SONDE_REQUIRE_BPF();
  RunResult r = without_kernel_btf("tracepoint:syscalls:sys_enter_getpid { @n = count(); }");
  expect_clean_end(r);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("@n: 2\n"), std::string::npos) << r.out;
}

// fdkind() reads kernel structs through CO-RE relocations, which need the
// kernel's BTF: refused with an error naming BTF and what to do.
TEST(Fault, MissingKernelBtfRefusesCoreBuiltinsClearly) {
  SONDE_REQUIRE_BPF();
  RunResult r = without_kernel_btf("tracepoint:syscalls:sys_enter_getpid { @[fdkind(1)] = count(); }");
  expect_clear_error(r, "BTF");
  EXPECT_NE(r.err.find("/sys/kernel/btf/vmlinux"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("hint: "), std::string::npos) << r.err;
}

// --- restart by path -----------------------------------------------------------

// A uprobe by path (no -p) follows the file, not a process: the instance
// running at attach time is traced, it exits, and a restarted instance is
// traced too, with no action from sonde in between.
TEST(Fault, TracedByPathProcessRestartsAndTheNewOneIsTraced) {
  SONDE_REQUIRE_BPF();
  std::string lib = fixture("libsondeusdt.so"), go = temp_path("go");
  Spawned first({fixture("usdt_lib_app"), "--wait", go, "3"});
  ASSERT_TRUE(first.wait_for_out("\n"));
  Spawned tracer({bin("sonde"), "-e", "uprobe:" + lib + ":sondelib_square { @[pid] = count(); }"});
  ASSERT_TRUE(tracer.wait_for_err("Attaching")) << tracer.finish().err;
  touch(go);
  ASSERT_EQ(first.finish().exit_code, 0);
  RunResult restarted = run({fixture("usdt_lib_app"), "5"});
  ASSERT_EQ(restarted.exit_code, 0);
  tracer.signal(SIGINT);
  RunResult r = tracer.finish();
  unlink(go.c_str());
  expect_clean_end(r);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("@[" + std::to_string(first.pid()) + "]: 3\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("@[" + lines(restarted.out)[0] + "]: 5\n"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace sonde::e2e
