// End-to-end stacks against the real kernel: ustack and kstack as map keys
// and printf arguments on tests/fixtures/stacks.cpp, whose call chain is
// known (main → a(int) → b(int) → shapes::Walker::c(int), COUNT times):
// exact frames (demangled) and counts in text, folded and JSON output, the
// syscall entry symbols of a kernel stack, and `[unknown]` frames for a
// process that exited before its stacks were printed.
#include <signal.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "harness.h"

namespace sonde::e2e {
namespace {

std::string app() { return fixture("stacks"); }

// The fixture fires stacks:done after its calls and then sleeps, so exit()
// there prints the maps while its address space can still be read.
std::string on_leaf(const std::string& body) {
  return "usdt:" + app() + ":stacks:leaf { " + body + " }\nusdt:" + app() + ":stacks:done { exit(); }";
}

size_t count_of(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// The fixture's own frames, leaf first, as bpftrace prints them in a map key.
const char* const kChainText =
    "@\\[\n"
    "    shapes::Walker::c\\(int\\)\\+[0-9]+\n"
    "    b\\(int\\)\\+[0-9]+\n"
    "    a\\(int\\)\\+[0-9]+\n"
    "    main\\+[0-9]+\n";

TEST(Stacks, UserStackAsMapKeyShowsTheCallChain) {
  SONDE_REQUIRE_BPF();
  RunResult r = sonde({"-c", app() + " 7", "-e", on_leaf("@[ustack] = count();")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::regex_search(r.out, std::regex(kChainText))) << r.out;
  EXPECT_EQ(count_of(r.out, "@["), 1u) << "one call chain, one key: " << r.out;
  EXPECT_NE(r.out.find("]: 7\n"), std::string::npos) << r.out;
}

TEST(Stacks, FoldedOutputIsRootFirstWithTheCount) {
  SONDE_REQUIRE_BPF();
  RunResult r = sonde({"-f", "folded", "-c", app() + " 7", "-e", on_leaf("@[ustack] = count();")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> out = lines(r.out);
  ASSERT_EQ(out.size(), 2u) << r.out;  // the fixture's "PID sum=..." line, then the stack
  const std::string suffix = "main;a(int);b(int);shapes::Walker::c(int) 7";
  ASSERT_GE(out[1].size(), suffix.size()) << r.out;
  EXPECT_EQ(out[1].substr(out[1].size() - suffix.size()), suffix) << r.out;
  // Frames below main (libc's start code) come first; no offsets, no blanks.
  EXPECT_EQ(out[1].find('+'), std::string::npos) << r.out;
  EXPECT_EQ(out[1].find('\n'), std::string::npos) << r.out;
}

TEST(Stacks, DepthLimitKeepsTheLeafFrames) {
  SONDE_REQUIRE_BPF();
  RunResult r = sonde({"-f", "folded", "-c", app() + " 3", "-e", on_leaf("@[ustack(2)] = count();")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> out = lines(r.out);
  ASSERT_EQ(out.size(), 2u) << r.out;
  EXPECT_EQ(out[1], "b(int);shapes::Walker::c(int) 3") << r.out;
}

TEST(Stacks, PrintfShowsAStackLikeBpftrace) {
  SONDE_REQUIRE_BPF();
  RunResult r = sonde({"-c", app() + " 3", "-e", on_leaf("if (arg0 == 1) { printf(\"<%s>\\n\", ustack(3)); }")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::regex shape(
      "<\n"
      "        shapes::Walker::c\\(int\\)\\+[0-9]+\n"
      "        b\\(int\\)\\+[0-9]+\n"
      "        a\\(int\\)\\+[0-9]+\n"
      ">\n");
  EXPECT_TRUE(std::regex_search(r.out, shape)) << r.out;
  EXPECT_EQ(count_of(r.out, "<\n"), 1u) << r.out;
}

TEST(Stacks, KernelStackOfASyscallHasTheEntrySymbols) {
  SONDE_REQUIRE_BPF();
  RunResult r = sonde({"-c", app() + " 5", "-e",
                       "tracepoint:syscalls:sys_enter_getppid { @[kstack] = count(); }"
                       " usdt:" + app() + ":stacks:done { exit(); }"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::regex_search(r.out, std::regex("\n    do_syscall_64\\+[0-9]+\n"))) << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex("\n    entry_SYSCALL_64[A-Za-z_]*\\+[0-9]+\n"))) << r.out;
  EXPECT_NE(r.out.find("]: 5\n"), std::string::npos) << r.out;
}

// @[ustack, kstack] folds into one stack from main down into the kernel.
TEST(Stacks, UserThenKernelStackFoldAsOneChain) {
  SONDE_REQUIRE_BPF();
  RunResult r = sonde({"-f", "folded", "-c", app() + " 4", "-e",
                       "tracepoint:syscalls:sys_enter_getppid { @[ustack, kstack] = count(); }"
                       " usdt:" + app() + ":stacks:done { exit(); }"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> out = lines(r.out);
  ASSERT_EQ(out.size(), 2u) << r.out;
  EXPECT_TRUE(std::regex_search(out[1], std::regex(
      ";main;a\\(int\\);b\\(int\\);shapes::Walker::c\\(int\\);entry_SYSCALL_64[A-Za-z_]*;do_syscall_64;.* 4$")))
      << r.out;
}

TEST(Stacks, JsonKeyIsTheStackText) {
  SONDE_REQUIRE_BPF();
  RunResult r = sonde({"-f", "json", "-c", app() + " 2", "-e", on_leaf("@[ustack(4)] = count();")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  bool found = false;
  for (const std::string& line : lines(r.out)) {
    if (line.find("\"type\": \"map\"") == std::string::npos) continue;
    auto j = nlohmann::json::parse(line);
    ASSERT_EQ(j["data"]["@"].size(), 1u) << line;
    auto entry = j["data"]["@"].begin();
    EXPECT_TRUE(std::regex_match(entry.key(), std::regex("\n    shapes::Walker::c\\(int\\)\\+[0-9]+\n"
                                                         "    b\\(int\\)\\+[0-9]+\n"
                                                         "    a\\(int\\)\\+[0-9]+\n"
                                                         "    main\\+[0-9]+\n")))
        << line;
    EXPECT_EQ(entry.value(), 2) << line;
    found = true;
  }
  EXPECT_TRUE(found) << r.out;
}

// The -c (or -p) process's maps are read again each poll round (every
// 100 ms), so its stacks still symbolize after it exits: here it lives one
// second after its calls, then the trace ends with it.
TEST(Stacks, TargetProcessStacksSymbolizeAfterItExits) {
  SONDE_REQUIRE_BPF();
  RunResult r = sonde({"-f", "folded", "-c", app() + " 3 --exit", "-e",
                       "usdt:" + app() + ":stacks:leaf { @[ustack] = count(); }"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> out = lines(r.out);
  ASSERT_EQ(out.size(), 2u) << r.out;
  EXPECT_EQ(out[1], "__libc_start_call_main;main;a(int);b(int);shapes::Walker::c(int) 3") << r.out;
}

// Other processes' stacks are symbolized when printed: by then a process that exited has no
// maps to read, and its frames are `[unknown]` (as in BCC's tools).
TEST(Stacks, FramesOfAnExitedProcessAreUnknown) {
  SONDE_REQUIRE_BPF();
  Spawned tracer({bin("sonde"), "-e", "usdt:" + app() + ":stacks:leaf { @[ustack(3)] = count(); }"});
  ASSERT_TRUE(tracer.wait_for_err("Attaching")) << tracer.finish().err;
  Spawned traced({app(), "2"});
  ASSERT_TRUE(traced.wait_for_out("sum="));
  traced.signal(SIGKILL);
  traced.finish();
  tracer.signal(SIGINT);
  RunResult r = tracer.finish();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("@[\n    [unknown]\n    [unknown]\n    [unknown]\n]: 2\n"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace sonde::e2e
