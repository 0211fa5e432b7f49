// End-to-end: `sonde` compiles, loads and attaches real programs to the real
// kernel, and the fixture's known syscalls come back exactly.
#include <signal.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "harness.h"

namespace sonde::e2e {
namespace {

std::string syscalls_fixture() { return fixture("syscalls"); }

TEST(Trace, CountsOpenatByFilenameForPidGivenAsParameter) {
  SONDE_REQUIRE_BPF();
  std::string go = temp_path("go");
  std::string target = temp_path("missing-file");
  Spawned workload({syscalls_fixture(), "--wait", go, "openat", "5", target});
  ASSERT_TRUE(workload.wait_for_out("\n"));
  std::string pid = std::to_string(workload.pid());

  Spawned tracer({bin("sonde"), "-e",
                  "tracepoint:syscalls:sys_enter_openat /pid == $1/ { @[str(args.filename)] = count(); }",
                  pid});
  ASSERT_TRUE(tracer.wait_for_err("Attaching")) << tracer.finish().err;
  touch(go);
  RunResult w = workload.finish();
  ASSERT_EQ(w.exit_code, 0);
  tracer.signal(SIGINT);
  RunResult r = tracer.finish();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("@[" + target + "]: 5\n"), std::string::npos) << r.out << r.err;
  unlink(go.c_str());
}

TEST(Trace, CommandModeCountsOnlyTheCommandsSyscalls) {
  SONDE_REQUIRE_BPF();
  RunResult r = sonde({"-c", syscalls_fixture() + " getpid 7", "-e",
                       "tracepoint:syscalls:sys_enter_getpid { @calls = count(); }"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("@calls: 7\n"), std::string::npos) << r.out << r.err;
  EXPECT_NE(r.err.find("Attaching 1 probe"), std::string::npos) << r.err;
}

// The -c command is exec'd directly, with shell-like word splitting, quotes
// and leading NAME=value assignments: through `sh -c`, dash forks for such a
// command and the filter would hold the shell's pid, counting nothing.
TEST(Trace, CommandModeWithQuotesAndAssignmentsTracesTheCommandItself) {
  SONDE_REQUIRE_BPF();
  RunResult r = sonde({"-c", "SONDE_TEST_VAR=1 " + syscalls_fixture() + " openat 3 'a=b c'", "-e",
                       "tracepoint:syscalls:sys_enter_openat { @[str(args.filename)] = count(); }"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("@[a=b c]: 3\n"), std::string::npos) << r.out << r.err;
}

// `config = { max_strlen = N }` sets the string size for the script (as in
// bpftrace); --strlen on the command line wins.
TEST(Trace, ConfigMaxStrlenSetsTheStringSizeAndStrlenOverridesIt) {
  SONDE_REQUIRE_BPF();
  std::string path = "/tmp/" + std::string(40, 'a');
  std::string script = "config = { max_strlen = 16 } "
                       "tracepoint:syscalls:sys_enter_openat { printf(\"<%s>\\n\", str(args.filename)); }";
  std::string command = syscalls_fixture() + " openat 1 " + path;
  RunResult cut = sonde({"-c", command, "-e", script});
  EXPECT_EQ(cut.exit_code, 0) << cut.err;
  EXPECT_NE(cut.out.find("<" + path.substr(0, 15) + ">\n"), std::string::npos) << cut.out;
  RunResult whole = sonde({"--strlen", "64", "-c", command, "-e", script});
  EXPECT_EQ(whole.exit_code, 0) << whole.err;
  EXPECT_NE(whole.out.find("<" + path + ">\n"), std::string::npos) << whole.out;
}

TEST(Errors, ConfigSettingsAreChecked) {
  RunResult unknown = sonde({"-e", "config = { max_str = 16 } BEGIN { exit(); }"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("-e:1:12: error: unknown config setting `max_str`"), std::string::npos) << unknown.err;
  RunResult range = sonde({"-e", "config = { max_strlen = 4096 } BEGIN { exit(); }"});
  EXPECT_EQ(range.exit_code, 1);
  EXPECT_NE(range.err.find("-e:1:25: error: max_strlen must be between 8 and 256"), std::string::npos) << range.err;
  RunResult other = sonde({"-e", "settings = { max_strlen = 16 } BEGIN { exit(); }"});
  EXPECT_EQ(other.exit_code, 1);
  EXPECT_NE(other.err.find("only `config = { max_strlen = N }`"), std::string::npos) << other.err;
}

TEST(Trace, JsonOutputHasBpftraceShape) {
  SONDE_REQUIRE_BPF();
  RunResult r = sonde({"-f", "json", "-c", syscalls_fixture() + " getpid 3", "-e",
                       "tracepoint:syscalls:sys_enter_getpid { @n = count(); }"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  bool saw_map = false, saw_attached = false;
  for (const auto& line : lines(r.out)) {
    if (line.empty() || line[0] != '{') continue;  // the fixture's own output
    auto j = nlohmann::json::parse(line, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << line;
    if (j["type"] == "attached_probes") saw_attached = j["data"]["probes"] == 1;
    if (j["type"] == "map") {
      saw_map = true;
      EXPECT_EQ(j["data"]["@n"], 3) << line;
    }
  }
  EXPECT_TRUE(saw_map) << r.out;
  EXPECT_TRUE(saw_attached) << r.out;
}

TEST(Trace, PrintfFormatsTracepointArguments) {
  SONDE_REQUIRE_BPF();
  RunResult r = sonde({"-c", syscalls_fixture() + " write 4 10", "-e",
                       "tracepoint:syscalls:sys_enter_write /args.count == 10/ "
                       "{ printf(\"write of %d bytes by %s\\n\", args.count, comm); }"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  int n = 0;
  for (const auto& line : lines(r.out)) n += line == "write of 10 bytes by syscalls";
  EXPECT_EQ(n, 4) << r.out;
}

TEST(Trace, ReturnValuesAndHistogramBuckets) {
  SONDE_REQUIRE_BPF();
  RunResult r = sonde({"-c", syscalls_fixture() + " read 6 5000", "-e",
                       "tracepoint:syscalls:sys_exit_read /args.ret > 0/ { @bytes = hist(args.ret); }"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("@bytes: \n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[4K, 8K)               6 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|"),
            std::string::npos)
      << r.out;
}

TEST(Trace, BeginPrintfAndExit) {
  SONDE_REQUIRE_BPF();
  RunResult r = sonde({"-e", "BEGIN { printf(\"hello %d\\n\", 42); exit(); }"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "hello 42\n\n\n") << r.err;  // bpftrace 0.17 prints the same blank lines
}

TEST(Trace, IntervalFiresAndEndRuns) {
  SONDE_REQUIRE_BPF();
  RunResult r = sonde({"-q", "-e",
                       "interval:ms:50 { @ticks++; if (@ticks == 3) { exit(); } } "
                       "END { printf(\"ticks=%d\\n\", @ticks); clear(@ticks); }"},
                      30);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("ticks=3\n"), std::string::npos) << r.out << r.err;
}

TEST(Trace, PidModeEndsWhenTheProcessExits) {
  SONDE_REQUIRE_BPF();
  std::string go = temp_path("go");
  Spawned workload({syscalls_fixture(), "--wait", go, "getpid", "9"});
  ASSERT_TRUE(workload.wait_for_out("\n"));
  Spawned tracer({bin("sonde"), "-p", std::to_string(workload.pid()), "-e",
                  "tracepoint:syscalls:sys_enter_getpid { @ = count(); }"});
  ASSERT_TRUE(tracer.wait_for_err("Attaching")) << tracer.finish().err;
  touch(go);
  workload.finish();
  RunResult r = tracer.finish(20);  // no signal: it must notice the exit itself
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("@: 9\n"), std::string::npos) << r.out << r.err;
  unlink(go.c_str());
}

// -p is repeatable: only those processes count, and the trace ends once
// every one of them has exited, saying so for each.
TEST(Trace, RepeatedPidOptionTracesEachAndEndsWhenAllHaveExited) {
  SONDE_REQUIRE_BPF();
  std::string go = temp_path("go");
  Spawned a({syscalls_fixture(), "--wait", go, "getpid", "3"});
  Spawned b({syscalls_fixture(), "--wait", go, "--sleep-ms", "300", "getpid", "5"});
  Spawned other({syscalls_fixture(), "--wait", go, "getpid", "7"});
  ASSERT_TRUE(a.wait_for_out("\n") && b.wait_for_out("\n") && other.wait_for_out("\n"));
  std::string pid_a = std::to_string(a.pid()), pid_b = std::to_string(b.pid());
  Spawned tracer({bin("sonde"), "-p", pid_a, "-p", pid_b, "-e",
                  "tracepoint:syscalls:sys_enter_getpid { @[pid] = count(); }"});
  ASSERT_TRUE(tracer.wait_for_err("Attaching")) << tracer.finish().err;
  touch(go);
  a.finish();
  b.finish();
  other.finish();
  RunResult r = tracer.finish();  // ends by itself: both traced processes are gone
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("@[" + pid_a + "]: 3\n"), std::string::npos) << r.out << r.err;
  EXPECT_NE(r.out.find("@[" + pid_b + "]: 5\n"), std::string::npos) << r.out << r.err;
  EXPECT_EQ(r.out.find("]: 7\n"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("sonde: process " + pid_a + " exited"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("sonde: process " + pid_b + " exited"), std::string::npos) << r.err;
  unlink(go.c_str());
}

TEST(Trace, MorePidsThanTheObjectHoldsAreRefused) {
  SONDE_REQUIRE_BPF();
  std::vector<std::string> argv{"-e", "tracepoint:syscalls:sys_enter_getpid { @ = count(); }"};
  std::string self = std::to_string(getpid());
  for (int i = 0; i < 9; ++i) argv.insert(argv.begin(), {"-p", self});
  RunResult r = sonde(argv);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("at most 8 processes can be given with -p (got 9)"), std::string::npos) << r.err;
}

TEST(Trace, SigtermDetachesAndPrintsMaps) {
  SONDE_REQUIRE_BPF();
  Spawned tracer({bin("sonde"), "-e", "tracepoint:syscalls:sys_enter_getpid { @c = count(); } BEGIN { @b = 1; }"});
  ASSERT_TRUE(tracer.wait_for_err("Attaching")) << tracer.finish().err;
  tracer.signal(SIGTERM);
  RunResult r = tracer.finish();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("@b: 1\n"), std::string::npos) << r.out << r.err;
}

TEST(Errors, UnknownTracepointIsLocatedWithSuggestion) {
  RunResult r = sonde({"-e", "tracepoint:syscalls:sys_enter_opnat { @ = count(); }"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("-e:1:1: error:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("sys_enter_openat"), std::string::npos) << r.err;
}

TEST(Errors, MisspeltFunctionSuggestsTheRightOne) {
  RunResult r = sonde({"-e", "BEGIN { @x = cont(); }"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("-e:1:14: error:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("count"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("^"), std::string::npos) << r.err;
}

TEST(Errors, CheckCommandReportsSeveralErrors) {
  std::string path = temp_path("bad.sonde");
  FILE* f = fopen(path.c_str(), "w");
  fputs("BEGIN { $x = $y + 1; }\nBEGIN { @a = count() + 1; }\n", f);
  fclose(f);
  RunResult r = sonde({"check", path});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(path + ":1:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(path + ":2:"), std::string::npos) << r.err;
  unlink(path.c_str());
}

TEST(Errors, MissingScriptFileSaysWhich) {
  RunResult r = sonde({"/nonexistent/x.sonde"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("/nonexistent/x.sonde"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace sonde::e2e
