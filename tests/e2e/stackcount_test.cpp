// `sonde run stackcount` (stdlib/stackcount.sonde) on tests/fixtures/stacks.cpp,
// whose call chain and call count are known. Needs the stdlib tool options
// (`//!` lines, `$1` as a whole probe: the toolkit branch).
#include <regex>

#include "harness.h"

namespace sonde::e2e {
namespace {

std::string app() { return fixture("stacks"); }
std::string leaf() { return "u:" + app() + ":stacks:leaf"; }

// stackcount takes its options through the stdlib tool options of `sonde
// run` (its `//!` lines, `$1` as a whole probe). Where this sonde predates
// them, `--help` does not print the tool's usage: skip, saying why.
#define REQUIRE_TOOL_OPTIONS()                                                          \
  do {                                                                                  \
    if (sonde({"run", "stackcount", "--help"}).out.find("Usage: sonde run stackcount") == \
        std::string::npos)                                                              \
      GTEST_SKIP() << "this sonde has no stdlib tool options (sonde run NAME --help)";  \
  } while (0)

// The fixture sleeps after its calls; -D ends the trace while it still runs,
// so its frames can be symbolized (and sonde's exit ends the -c child).
RunResult stackcount(std::vector<std::string> args) {
  std::vector<std::string> all = {"run", "stackcount", "-q", "-D", "2"};
  all.insert(all.end(), args.begin(), args.end());
  return sonde(all);
}

TEST(Stackcount, UserStacksFoldedForAFlameGraph) {
  SONDE_REQUIRE_BPF();
  REQUIRE_TOOL_OPTIONS();
  RunResult r = stackcount({"-f", "folded", "-U", "-c", app() + " 5", leaf()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> out = lines(r.out);
  ASSERT_EQ(out.size(), 2u) << r.out;  // the fixture's line, then one stack
  EXPECT_EQ(out[1], "__libc_start_call_main;main;a(int);b(int);shapes::Walker::c(int) 5") << r.out;
}

TEST(Stackcount, PerProcessPutsCommAndPidFirst) {
  SONDE_REQUIRE_BPF();
  REQUIRE_TOOL_OPTIONS();
  RunResult r = stackcount({"-f", "folded", "-P", "-U", "-c", app() + " 3", leaf()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> out = lines(r.out);
  ASSERT_EQ(out.size(), 2u) << r.out;
  std::string pid = out[0].substr(0, out[0].find(' '));
  EXPECT_EQ(out[1], "stacks;" + pid + ";__libc_start_call_main;main;a(int);b(int);shapes::Walker::c(int) 3")
      << r.out;
}

TEST(Stackcount, KernelStacksOfATracepoint) {
  SONDE_REQUIRE_BPF();
  REQUIRE_TOOL_OPTIONS();
  RunResult r = stackcount({"-K", "-c", app() + " 4", "t:syscalls:sys_enter_getppid"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::regex_search(r.out, std::regex("\n    do_syscall_64\\+[0-9]+\n"))) << r.out;
  EXPECT_NE(r.out.find("]: 4\n"), std::string::npos) << r.out;
}

TEST(Stackcount, BothStacksByDefault) {
  SONDE_REQUIRE_BPF();
  REQUIRE_TOOL_OPTIONS();
  RunResult r = stackcount({"-f", "folded", "-c", app() + " 2", "t:syscalls:sys_enter_getppid"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> out = lines(r.out);
  ASSERT_EQ(out.size(), 2u) << r.out;
  EXPECT_TRUE(std::regex_search(out[1], std::regex(
      "^__libc_start_call_main;main;a\\(int\\);b\\(int\\);shapes::Walker::c\\(int\\);entry_SYSCALL_64[A-Za-z_]*;do_syscall_64;.* 2$")))
      << r.out;
}

}  // namespace
}  // namespace sonde::e2e
