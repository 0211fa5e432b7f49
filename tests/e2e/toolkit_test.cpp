// The stdlib tools (docs/toolkit.md) against tests/fixtures/toolkit_work.c,
// whose calls are known exactly: funccount, syscount, opensnoop, argdist,
// trace, gethostlatency, uflow (PHP), their options and usage errors, and
// the Debian package built by CPack, unpacked and run.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "harness.h"

namespace sonde::e2e {
namespace {

std::string work() { return fixture("toolkit_work"); }

size_t count_of(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// `sonde run TOOL ARGS...` with the workload started by -c.
RunResult tool(const std::string& name, std::vector<std::string> args, const std::string& command = work()) {
  std::vector<std::string> argv{"run", name, "-c", command};
  argv.insert(argv.end(), args.begin(), args.end());
  return sonde(argv, 120);
}

// ------------------------------------------------------------------ usage

TEST(Toolkit, HelpPrintsTheHeaderWithoutTheOptionMapping) {
  RunResult r = sonde({"run", "funccount", "--help"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Usage: sonde run funccount [-p PID | -c CMD] [-i SECS] [-d SECS] PATTERN"), std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("//!"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("$1"), std::string::npos) << r.out;
  for (const char* name : {"trace", "argdist", "uflow", "gethostlatency", "syscount", "opensnoop", "php-io"}) {
    RunResult h = sonde({"run", name, "-h"});
    EXPECT_EQ(h.exit_code, 0) << name << ": " << h.err;
    EXPECT_NE(h.out.find(std::string("Usage: sonde run ") + name), std::string::npos) << name << ": " << h.out;
  }
}

TEST(Toolkit, UsageErrorsNameTheArgument) {
  RunResult none = sonde({"run"});
  EXPECT_EQ(none.exit_code, 64);
  EXPECT_NE(none.err.find("no script given: sonde run NAME [ARGS...]; stdlib scripts: argdist funccount"),
            std::string::npos)
      << none.err;
  for (const char* name : {" trace", " uflow", " gethostlatency", " syscount", " opensnoop", " php-io"})
    EXPECT_NE(none.err.find(name), std::string::npos) << name << ": " << none.err;

  RunResult missing = sonde({"run", "funccount"});
  EXPECT_EQ(missing.exit_code, 64);
  EXPECT_NE(missing.err.find("funccount: missing PATTERN"), std::string::npos) << missing.err;
  EXPECT_NE(missing.err.find("sonde run funccount --help"), std::string::npos) << missing.err;

  RunResult unknown = sonde({"run", "funccount", "-z", "c:malloc"});
  EXPECT_EQ(unknown.exit_code, 64);
  EXPECT_NE(unknown.err.find("-z"), std::string::npos) << unknown.err;

  RunResult kernel = sonde({"run", "funccount", "vfs_read"});
  EXPECT_EQ(kernel.exit_code, 64);
  EXPECT_NE(kernel.err.find("kprobes"), std::string::npos) << kernel.err;

  RunResult value = sonde({"run", "trace", "c:malloc:retval"});
  EXPECT_EQ(value.exit_code, 64);
  EXPECT_NE(value.err.find("retval needs a return probe: r:LIB:FUNC"), std::string::npos) << value.err;

  RunResult extra = sonde({"run", "syscount", "surplus"});
  EXPECT_EQ(extra.exit_code, 64);
  EXPECT_NE(extra.err.find("unexpected argument 'surplus'"), std::string::npos) << extra.err;
}

// ------------------------------------------------------------- funccount

TEST(Toolkit, FunccountCountsUprobesByPattern) {
  SONDE_REQUIRE_BPF();
  RunResult r = tool("funccount", {work() + ":toolkit_*"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string prefix = "@[uprobe:" + work() + ":";
  EXPECT_NE(r.out.find(prefix + "toolkit_size]: 15\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(prefix + "toolkit_leaf]: 20\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(prefix + "toolkit_inner]: 4\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(prefix + "toolkit_outer]: 2\n"), std::string::npos) << r.out;
  EXPECT_EQ(count_of(r.out, "@["), 4u) << r.out;
}

TEST(Toolkit, FunccountCountsUsdtProbesAndTracepoints) {
  SONDE_REQUIRE_BPF();
  RunResult usdt = tool("funccount", {"u:" + work() + ":tick", "-n", "7"}, work() + " -n 7");
  // "-n 7" is not a funccount option: the tool refuses it.
  EXPECT_EQ(usdt.exit_code, 64) << usdt.out;
  usdt = tool("funccount", {"u:" + work() + ":tick"}, work() + " -n 7");
  ASSERT_EQ(usdt.exit_code, 0) << usdt.err;
  EXPECT_NE(usdt.out.find("@[usdt:" + work() + ":toolkit:tick]: 7\n"), std::string::npos) << usdt.out;

  RunResult tp = tool("funccount", {"t:syscalls:sys_enter_getppid"}, work() + " -n 9");
  ASSERT_EQ(tp.exit_code, 0) << tp.err;
  EXPECT_NE(tp.out.find("@[tracepoint:syscalls:sys_enter_getppid]: 9\n"), std::string::npos) << tp.out;
}

TEST(Toolkit, FunccountIntervalPrintsAndDurationStops) {
  SONDE_REQUIRE_BPF();
  // No -c: -d ends the run; -i prints the (maybe empty) counts each second.
  RunResult r = sonde({"run", "funccount", "-i", "1", "-d", "2", "t:syscalls:sys_enter_getppid"}, 60);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Tracing tracepoint:syscalls:sys_enter_getppid... Hit Ctrl-C to end."), std::string::npos)
      << r.out;
}

size_t attached(const std::string& err) {
  size_t at = err.find("Attaching ");
  return at == std::string::npos ? 0 : std::strtoul(err.c_str() + at + 10, nullptr, 10);
}

TEST(Toolkit, OptionsThatAreOffCostNoProgram) {
  SONDE_REQUIRE_BPF();
  // -i's interval probe exists only when -i is given.
  RunResult off = sonde({"run", "funccount", "-d", "1", "t:syscalls:sys_enter_getppid"}, 60);
  RunResult on = sonde({"run", "funccount", "-i", "1", "-d", "1", "t:syscalls:sys_enter_getppid"}, 60);
  ASSERT_EQ(off.exit_code, 0) << off.err;
  ASSERT_EQ(on.exit_code, 0) << on.err;
  ASSERT_GT(attached(off.err), 0u) << off.err;
  EXPECT_EQ(attached(on.err), attached(off.err) + 1) << off.err << on.err;
  // syscount's four modes are four probes on sys_exit; one is attached.
  RunResult sc = sonde({"run", "syscount", "-P", "-d", "1"}, 60);
  ASSERT_EQ(sc.exit_code, 0) << sc.err;
  EXPECT_EQ(attached(sc.err), attached(off.err)) << sc.err;  // BEGIN, sys_exit, -d's interval
}

// ------------------------------------------------------------- syscount

TEST(Toolkit, SyscountCountsBySyscallAndFailures) {
  SONDE_REQUIRE_BPF();
  RunResult r = tool("syscount", {});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("@syscall[getppid]: 20\n"), std::string::npos) << r.out;  // getppid

  RunResult failed = tool("syscount", {"-x"});
  ASSERT_EQ(failed.exit_code, 0) << failed.err;
  EXPECT_NE(failed.out.find("@syscall[close]: 20\n"), std::string::npos) << failed.out;  // close(-1)
  EXPECT_EQ(failed.out.find("@syscall[getppid]:"), std::string::npos) << failed.out;     // never fails

  RunResult ebadf = tool("syscount", {"-e", "9"});
  ASSERT_EQ(ebadf.exit_code, 0) << ebadf.err;
  EXPECT_NE(ebadf.out.find("@syscall[close]: 20\n"), std::string::npos) << ebadf.out;
}

TEST(Toolkit, SyscountByProcessAndLatency) {
  SONDE_REQUIRE_BPF();
  RunResult by_process = tool("syscount", {"-P"});
  ASSERT_EQ(by_process.exit_code, 0) << by_process.err;
  EXPECT_NE(by_process.out.find(", toolkit_work]: "), std::string::npos) << by_process.out;
  EXPECT_EQ(by_process.out.find("@syscall["), std::string::npos) << by_process.out;

  RunResult latency = tool("syscount", {"-L"});
  ASSERT_EQ(latency.exit_code, 0) << latency.err;
  EXPECT_NE(latency.out.find("@syscall_ns[getppid]: count 20, average "), std::string::npos) << latency.out;
}

// ------------------------------------------------------------- opensnoop

TEST(Toolkit, OpensnoopShowsEachOpenWithItsResult) {
  SONDE_REQUIRE_BPF();
  std::string dir = temp_path("opens");
  ASSERT_EQ(mkdir(dir.c_str(), 0755), 0);
  RunResult r = tool("opensnoop", {"-n", "toolkit_work"}, work() + " " + dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string present = dir + "/toolkit-present\n", missing = dir + "/toolkit-missing\n";
  EXPECT_EQ(count_of(r.out, present), 5u) << r.out;  // created once, opened 4 times
  EXPECT_EQ(count_of(r.out, "  -1   2 " + missing), 2u) << r.out;
  for (const std::string& line : lines(r.out))
    if (line.find(dir) != std::string::npos) EXPECT_NE(line.find(" toolkit_work "), std::string::npos) << line;

  RunResult failed = tool("opensnoop", {"-x", "-T"}, work() + " " + dir);
  ASSERT_EQ(failed.exit_code, 0) << failed.err;
  EXPECT_EQ(count_of(failed.out, present), 0u) << failed.out;
  EXPECT_EQ(count_of(failed.out, missing), 2u) << failed.out;
  EXPECT_NE(failed.out.find("TIME(s)      PID"), std::string::npos) << failed.out;
  std::filesystem::remove_all(dir);
}

// ------------------------------------------------------------- argdist, trace

TEST(Toolkit, ArgdistCountsArgumentsAndReturnValues) {
  SONDE_REQUIRE_BPF();
  RunResult args = tool("argdist", {"-C", work() + ":toolkit_size"});
  ASSERT_EQ(args.exit_code, 0) << args.err;
  EXPECT_NE(args.out.find("@values[1]: 3\n@values[2]: 5\n@values[100]: 7\n"), std::string::npos) << args.out;

  RunResult rets = tool("argdist", {"-C", "r:" + work() + ":toolkit_size"});
  ASSERT_EQ(rets.exit_code, 0) << rets.err;
  EXPECT_NE(rets.out.find("@values[2]: 3\n@values[4]: 5\n@values[200]: 7\n"), std::string::npos) << rets.out;

  RunResult leaf = tool("argdist", {"-C", "p:" + work() + ":toolkit_leaf:arg0"}, work() + " -n 3");
  ASSERT_EQ(leaf.exit_code, 0) << leaf.err;
  EXPECT_NE(leaf.out.find("@values[0]: 1\n"), std::string::npos) << leaf.out;
  EXPECT_NE(leaf.out.find("@values[2]: 1\n"), std::string::npos) << leaf.out;
}

TEST(Toolkit, ArgdistHistogram) {
  SONDE_REQUIRE_BPF();
  RunResult r = tool("argdist", {"-H", work() + ":toolkit_size"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("@hist:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[1]                    3 |"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[2, 4)                 5 |"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[64, 128)              7 |"), std::string::npos) << r.out;
}

TEST(Toolkit, TracePrintsEachEventWithFilterAndFormat) {
  SONDE_REQUIRE_BPF();
  RunResult r = tool("trace", {"--min", "2", "-F", "v=%x", work() + ":toolkit_size"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(count_of(r.out, " v=2\n"), 5u) << r.out;
  EXPECT_EQ(count_of(r.out, " v=64\n"), 7u) << r.out;  // 100 in hex
  EXPECT_EQ(count_of(r.out, " v=1\n"), 0u) << r.out;   // filtered out by --min 2
  EXPECT_NE(r.out.find("toolkit_work     uprobe:" + work() + ":toolkit_size"), std::string::npos) << r.out;

  RunResult rets = tool("trace", {"--max", "4", "r:" + work() + ":toolkit_size"});
  ASSERT_EQ(rets.exit_code, 0) << rets.err;
  EXPECT_EQ(count_of(rets.out, " 2\n"), 3u) << rets.out;
  EXPECT_EQ(count_of(rets.out, " 4\n"), 5u) << rets.out;
  EXPECT_EQ(count_of(rets.out, " 200\n"), 0u) << rets.out;
}

TEST(Toolkit, TraceStringsAndMaxEvents) {
  SONDE_REQUIRE_BPF();
  RunResult r = tool("trace", {"-S", "c:getaddrinfo"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(count_of(r.out, " localhost\n"), 3u) << r.out;

  // -M 1 stops after the first event (a few more may print: other CPUs).
  RunResult one = tool("trace", {"-M", "1", work() + ":toolkit_leaf"});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_GE(count_of(one.out, ":toolkit_leaf "), 1u) << one.out;
  EXPECT_LT(count_of(one.out, ":toolkit_leaf "), 20u) << one.out;
}

// Tracepoint fields: t:CAT:NAME:FIELD (args.$N in the scripts).
TEST(Toolkit, TraceAndArgdistReadTracepointFields) {
  SONDE_REQUIRE_BPF();
  std::string dir = temp_path("fields");
  ASSERT_EQ(mkdir(dir.c_str(), 0755), 0);
  RunResult names = tool("trace", {"-S", "t:syscalls:sys_enter_openat:filename"}, work() + " " + dir);
  ASSERT_EQ(names.exit_code, 0) << names.err;
  EXPECT_EQ(count_of(names.out, "tracepoint:syscalls:sys_enter_openat " + dir + "/toolkit-present\n"), 5u)
      << names.out;
  EXPECT_EQ(count_of(names.out, "tracepoint:syscalls:sys_enter_openat " + dir + "/toolkit-missing\n"), 2u)
      << names.out;

  RunResult rets = tool("argdist", {"-C", "t:syscalls:sys_exit_close:ret"});
  ASSERT_EQ(rets.exit_code, 0) << rets.err;
  EXPECT_NE(rets.out.find("@values[-9]: 20\n"), std::string::npos) << rets.out;  // close(-1): -EBADF

  RunResult no_field = tool("argdist", {"-H", "t:syscalls:sys_exit_close"});
  EXPECT_NE(no_field.out.find("argdist: a tracepoint needs a field"), std::string::npos) << no_field.out;
  std::filesystem::remove_all(dir);
}

// ------------------------------------------------------------- gethostlatency, uflow

TEST(Toolkit, GethostlatencyTimesEachLookup) {
  SONDE_REQUIRE_BPF();
  RunResult r = tool("gethostlatency", {});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(count_of(r.out, " localhost\n"), 3u) << r.out;
  for (const std::string& line : lines(r.out))
    if (line.ends_with(" localhost")) EXPECT_NE(line.find(" toolkit_work "), std::string::npos) << line;
}

TEST(Toolkit, UflowIndentsPhpCallsAndReturns) {
  SONDE_REQUIRE_BPF();
  std::string php = source_path("tests/fixtures/php/flow.php");
  setenv("USE_ZEND_DTRACE", "1", 1);  // inherited by the command -c starts
  RunResult r = tool("uflow", {}, "/usr/bin/php " + php);
  RunResult only = tool("uflow", {"-C", "Shop"}, "/usr/bin/php " + php);
  unsetenv("USE_ZEND_DTRACE");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> flow;
  for (const std::string& line : lines(r.out)) {
    size_t arrow = line.find("-> ") != std::string::npos ? line.find("-> ") : line.find("<- ");
    if (arrow == std::string::npos) continue;
    size_t start = line.find_last_not_of(' ', arrow - 1);  // the TIME column's end
    flow.push_back(line.substr(start + 2));
  }
  // PHP reports the script's body as `main`.
  std::vector<std::string> expected = {"-> main",          "  -> Shop::buy",   "    -> Shop::price",
                                       "      -> helper",  "      <- helper",  "    <- Shop::price",
                                       "  <- Shop::buy",   "<- main"};
  EXPECT_EQ(flow, expected) << r.out;

  ASSERT_EQ(only.exit_code, 0) << only.err;
  EXPECT_EQ(count_of(only.out, "Shop::"), 4u) << only.out;
  EXPECT_EQ(count_of(only.out, "helper"), 0u) << only.out;
}

// ------------------------------------------------------------- packaging

// Bash completion: tool names after `sonde run`, then the tool's options
// (read from its `//!` lines).
TEST(ToolkitPackage, BashCompletionNamesToolsAndTheirOptions) {
  std::string script = "export SONDE_STDLIB_DIR=" + source_path("stdlib") + "; source " +
                       source_path("completions/sonde.bash") +
                       "; COMP_WORDS=(sonde run func); COMP_CWORD=2; _sonde; echo \"tools: ${COMPREPLY[*]}\""
                       "; COMP_WORDS=(sonde run syscount -); COMP_CWORD=3; _sonde; echo \"options: ${COMPREPLY[*]}\"";
  RunResult r = run({"bash", "-c", script});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("tools: funccount\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("options: --help -P -L -x -e -i -d -p -c -o -f -q -v\n"), std::string::npos) << r.out;
}

TEST(ToolkitPackage, DebInstallsAndRunsATool) {
  SONDE_REQUIRE_BPF();
  std::string out = temp_path("deb");
  RunResult pack = run({"cpack", "-G", "DEB", "--config", std::string(SONDE_BINARY_DIR) + "/CPackConfig.cmake", "-B", out},
                       600);
  ASSERT_EQ(pack.exit_code, 0) << pack.out << pack.err;
  std::string deb;
  for (const auto& entry : std::filesystem::directory_iterator(out))
    if (entry.path().extension() == ".deb") deb = entry.path();
  ASSERT_FALSE(deb.empty()) << pack.out;

  RunResult info = run({"dpkg-deb", "-f", deb, "Package", "Depends"});
  ASSERT_EQ(info.exit_code, 0) << info.err;
  EXPECT_NE(info.out.find("Package: sonde"), std::string::npos) << info.out;
  // libsonde-codegen.so links LLVM statically (SONDE_LLVM_STATIC), so the
  // package must not pull in the shared libLLVM; otherwise it must depend on it.
  bool depends_on_llvm = info.out.find("libllvm16") != std::string::npos;
  EXPECT_EQ(depends_on_llvm, !SONDE_LLVM_STATIC) << info.out;
  EXPECT_NE(info.out.find("libbpf1"), std::string::npos) << info.out;

  std::string root = out + "/root";
  ASSERT_EQ(run({"dpkg-deb", "-x", deb, root}).exit_code, 0);
  for (const char* path : {"/usr/bin/sonde", "/usr/bin/sonde-run", "/usr/share/sonde/stdlib/funccount.sonde",
                           "/usr/share/sonde/stdlib/providers/php.sonde", "/usr/share/man/man1/sonde.1",
                           "/usr/share/man/man7/sonde-lang.7", "/usr/share/bash-completion/completions/sonde"})
    EXPECT_TRUE(std::filesystem::exists(root + path)) << path;

  std::string sonde_bin = root + "/usr/bin/sonde";
  RunResult version = run({sonde_bin, "--version"});
  EXPECT_NE(version.out.find("(LLVM 16"), std::string::npos) << version.out;

  // A script only the package has proves the installed stdlib is the one used.
  std::string only_here = root + "/usr/share/sonde/stdlib/package_check.sonde";
  ASSERT_EQ(run({"cp", root + "/usr/share/sonde/stdlib/funccount.sonde", only_here}).exit_code, 0);
  RunResult r = run({sonde_bin, "run", "package_check", "-c", work(), work() + ":toolkit_leaf"}, 120);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("@[uprobe:" + work() + ":toolkit_leaf]: 20\n"), std::string::npos) << r.out;

  // Every tool compiles from the package (uflow's `use php` resolves in its stdlib).
  std::vector<std::vector<std::string>> tools = {
      {"funccount", "-i", "1", "c:str*"}, {"trace", "-S", "c:puts"},   {"argdist", "-H", "r:c:malloc"},
      {"uflow"},                           {"gethostlatency"},          {"syscount", "-L", "-P"},
      {"opensnoop", "-x", "-T"},           {"php-io"}};
  for (std::vector<std::string> args : tools) {
    args.insert(args.begin(), {sonde_bin, "run"});
    args.push_back("--check");
    RunResult check = run(args, 120);
    EXPECT_EQ(check.exit_code, 0) << args[2] << ": " << check.err;
  }
  std::filesystem::remove_all(out);
}

}  // namespace
}  // namespace sonde::e2e
