// End-to-end USDT against the real kernel: exact argument values for every
// x86-64 spec form (registers of each width and sign, memory operands with
// and without displacement, constants), exact hit counts, semaphores raised
// by the kernel for processes started before and after attach, -p and
// `usdt:*`, probes inside a shared library, PHP's function__entry, listing.
#include <signal.h>
#include <unistd.h>

#include <fstream>

#include "harness.h"

namespace sonde::e2e {
namespace {

std::string app() { return fixture("usdt_app"); }
std::string lib() { return fixture("libsondeusdt.so"); }
std::string lib_app() { return fixture("usdt_lib_app"); }

size_t count_lines(const std::string& text, const std::string& line) {
  size_t n = 0;
  for (const std::string& l : lines(text)) n += l == line;
  return n;
}

TEST(Usdt, ExactArgumentsForEverySpecForm) {
  SONDE_REQUIRE_BPF();
  std::string a = app();
  RunResult r = sonde({"-c", a + " 3", "-e",
                       "usdt:" + a + ":sondetest:tick { printf(\"tick %d %d %s %d\\n\", arg0, arg1, str(arg2), arg3); }\n"
                       "usdt:" + a + ":sondetest:widths { printf(\"widths %d %d\\n\", arg0, arg1); }\n"
                       "usdt:" + a + ":sondetest:stack { printf(\"stack %d %d\\n\", arg0, arg1); }\n"
                       "usdt:" + a + ":sondetest:forms { printf(\"forms %d %d %d %d\\n\", arg0, arg1, arg2, arg3); }"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (int i = 1; i <= 3; ++i) {
    std::string n = std::to_string(i);
    // -8@%rdi, -4@%eax (negative), 8@%rdx (a string pointer), -4@$7
    EXPECT_EQ(count_lines(r.out, "tick " + n + " -" + n + " tick 7"), 1u) << r.out;
    // -2@%ax and 1@%dil
    EXPECT_EQ(count_lines(r.out, "widths " + std::to_string(i * 3) + " " + n), 1u) << r.out;
    // -8@-8(%rbp) and -8@-16(%rbp)
    EXPECT_EQ(count_lines(r.out, "stack " + n + " " + std::to_string(i * 1000)), 1u) << r.out;
    // -4@%r13d, 8@(%rsp), 8@16(%rsp), 8@$0
    EXPECT_EQ(count_lines(r.out, "forms -" + n + " " + std::to_string(i * 10) + " " + std::to_string(i * 100) + " 0"), 1u)
        << r.out;
  }
}

TEST(Usdt, ExactHitCounts) {
  SONDE_REQUIRE_BPF();
  RunResult r = sonde({"-c", app() + " 7", "-e",
                       "usdt:" + app() + ":sondetest:tick { @ticks = count(); } "
                       "U:" + app() + ":done { @done = count(); }"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("@ticks: 7\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("@done: 1\n"), std::string::npos) << r.out;
}

// By path: the probe is on the file, so processes started after attach are
// traced, and the kernel raises their semaphores as they map it.
TEST(Usdt, ByPathTracesProcessesStartedAfterAttachWithSemaphores) {
  SONDE_REQUIRE_BPF();
  Spawned tracer({bin("sonde"), "-e", "usdt:" + app() + ":sondetest:guarded { @[pid] = count(); }"});
  ASSERT_TRUE(tracer.wait_for_err("Attaching")) << tracer.finish().err;
  RunResult first = run({app(), "4"});
  RunResult second = run({app(), "2"});
  tracer.signal(SIGINT);
  RunResult r = tracer.finish();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(first.out.find("semaphore=1\n"), std::string::npos) << first.out;
  EXPECT_NE(r.out.find("@[" + lines(first.out)[0] + "]: 4\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("@[" + lines(second.out)[0] + "]: 2\n"), std::string::npos) << r.out;
  RunResult after = run({app(), "1"});
  EXPECT_NE(after.out.find("semaphore=0\n"), std::string::npos) << "lowered after detach: " << after.out;
}

// -p: only that process; its semaphore is raised although it started first.
TEST(Usdt, PidTracesOnlyThatProcessAndRaisesItsSemaphore) {
  SONDE_REQUIRE_BPF();
  std::string go = temp_path("go");
  Spawned traced({app(), "--wait", go, "3"});
  Spawned other({app(), "--wait", go, "5"});
  ASSERT_TRUE(traced.wait_for_out("\n"));
  ASSERT_TRUE(other.wait_for_out("\n"));
  Spawned tracer({bin("sonde"), "-p", std::to_string(traced.pid()), "-e",
                  "usdt:" + app() + ":sondetest:guarded { @g[pid] = count(); } "
                  "usdt:" + app() + ":sondetest:tick { @t[pid] = count(); }"});
  ASSERT_TRUE(tracer.wait_for_err("Attaching")) << tracer.finish().err;
  touch(go);
  RunResult t = traced.finish();
  other.finish();
  RunResult r = tracer.finish();
  unlink(go.c_str());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string pid = std::to_string(traced.pid());
  EXPECT_NE(r.out.find("@g[" + pid + "]: 3\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("@t[" + pid + "]: 3\n"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("[" + std::to_string(other.pid()) + "]"), std::string::npos) << r.out;
  EXPECT_NE(t.out.find("semaphore=1\n"), std::string::npos) << t.out;
}

TEST(Usdt, SharedLibraryProbesByPathAndThroughPid) {
  SONDE_REQUIRE_BPF();
  RunResult r = sonde({"-c", lib_app() + " 3", "-e",
                       "usdt:" + lib() + ":sondelib:call { printf(\"call %d %d\\n\", arg0, arg1); }"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (int i = 1; i <= 3; ++i)
    EXPECT_EQ(count_lines(r.out, "call " + std::to_string(i) + " -" + std::to_string(i)), 1u) << r.out;

  std::string go = temp_path("go");
  Spawned traced({lib_app(), "--wait", go, "4"});
  ASSERT_TRUE(traced.wait_for_out("\n"));
  Spawned tracer({bin("sonde"), "-p", std::to_string(traced.pid()), "-e",
                  "usdt:*:sondelib:* { @[func] = count(); }"});
  ASSERT_TRUE(tracer.wait_for_err("Attaching")) << tracer.finish().err;
  touch(go);
  RunResult t = traced.finish();
  RunResult s = tracer.finish();
  unlink(go.c_str());
  ASSERT_EQ(s.exit_code, 0) << s.err;
  EXPECT_NE(t.out.find("guarded=1"), std::string::npos) << t.out;
  EXPECT_NE(s.out.find("@[sondelib:call]: 4\n"), std::string::npos) << s.out;
  EXPECT_NE(s.out.find("@[sondelib:guarded]: 4\n"), std::string::npos) << s.out;
}

// The string's page was never touched by the program: a plain BPF read
// fails (bpftrace 0.17 prints ""); sonde's sleepable programs fault it in.
TEST(Usdt, ReadsAStringWhosePageWasNeverTouched) {
  SONDE_REQUIRE_BPF();
  RunResult r = sonde({"-c", app() + " 1", "-e",
                       "usdt:" + app() + ":sondetest:far { printf(\"far=<%s>\\n\", str(arg0)); }"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(count_lines(r.out, "far=<far away>"), 1u) << r.out;
}

TEST(Usdt, PhpFunctionEntryGivesClassFunctionFileLine) {
  SONDE_REQUIRE_BPF();
  if (access("/usr/bin/php8.2", X_OK) != 0) GTEST_SKIP() << "php8.2 is not installed";
  std::string script = temp_path("probe") + ".php";
  std::ofstream(script) << "<?php\nclass Greeter {\n  function hello($n) { return \"hi $n\"; }\n}\n"
                           "function twice($x) { return $x * 2; }\n$g = new Greeter();\n"
                           "echo $g->hello(\"a\"), \"\\n\";\necho twice(21), \"\\n\";\n";
  setenv("USE_ZEND_DTRACE", "1", 1);
  RunResult r = sonde({"-c", "/usr/bin/php8.2 " + script, "-e",
                       "usdt:/usr/bin/php8.2:php:function__entry "
                       "{ printf(\"entry %s::%s %s:%d\\n\", str(arg3), str(arg0), str(arg1), arg2); }"});
  unsetenv("USE_ZEND_DTRACE");
  unlink(script.c_str());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // PHP reports the line where the called function begins.
  EXPECT_EQ(count_lines(r.out, "entry Greeter::hello " + script + ":3"), 1u) << r.out;
  EXPECT_EQ(count_lines(r.out, "entry ::twice " + script + ":5"), 1u) << r.out;
}

TEST(Usdt, ListsAllElevenPhpProbesWithArgumentSpecs) {
  if (access("/usr/bin/php8.2", R_OK) != 0) GTEST_SKIP() << "php8.2 is not installed";
  RunResult r = sonde({"-l", "usdt:/usr/bin/php8.2:*"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(lines(r.out).size(), 11u) << r.out;
  EXPECT_EQ(count_lines(r.out, "usdt:/usr/bin/php8.2:php:function__entry"), 1u) << r.out;
  RunResult v = sonde({"-lv", "usdt:/usr/bin/php8.2:php:function__entry"});
  ASSERT_EQ(v.exit_code, 0) << v.err;
  EXPECT_EQ(v.out,
            "usdt:/usr/bin/php8.2:php:function__entry\n    arg0: 8@%rax\n    arg1: 8@%r14\n"
            "    arg2: -4@%r13d\n    arg3: 8@(%rsp)\n    arg4: 8@16(%rsp)\n    semaphore: yes\n");
}

TEST(Usdt, ListsTheProbesOfAProcessAndItsLibraries) {
  std::string go = temp_path("go");
  Spawned traced({lib_app(), "--wait", go, "1"});
  ASSERT_TRUE(traced.wait_for_out("\n"));
  RunResult r = sonde({"-l", "-p", std::to_string(traced.pid())});
  touch(go);
  traced.finish();
  unlink(go.c_str());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "usdt:" + lib() + ":sondelib:call\nusdt:" + lib() + ":sondelib:guarded\n");
}

TEST(Usdt, ClearErrors) {
  RunResult typo = sonde({"-e", "usdt:" + app() + ":sondetest:tik { }"});
  EXPECT_NE(typo.exit_code, 0);
  EXPECT_NE(typo.err.find("did you mean `sondetest:tick`"), std::string::npos) << typo.err;
  RunResult not_elf = sonde({"-e", "usdt:/etc/hostname:p:n { }"});
  EXPECT_NE(not_elf.err.find("not an ELF"), std::string::npos) << not_elf.err;
  RunResult star = sonde({"-e", "usdt:*:sondetest:tick { }"});
  EXPECT_NE(star.err.find("add -p PID"), std::string::npos) << star.err;
  RunResult gone = sonde({"-p", "999999999", "-e", "usdt:*:sondetest:tick { }"});
  EXPECT_NE(gone.exit_code, 0);
  EXPECT_NE(gone.err.find("999999999"), std::string::npos) << gone.err;
}

}  // namespace
}  // namespace sonde::e2e
