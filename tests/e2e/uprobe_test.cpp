// End-to-end uprobes and uretprobes against the real kernel: a shared
// library's function (built with CET, so the entry probe skips endbr64),
// libc by short name, exact hit counts and return values, processes started
// after attach, -p limiting to one process, and the errors users meet.
#include <signal.h>
#include <unistd.h>

#include "harness.h"

namespace sonde::e2e {
namespace {

std::string lib() { return fixture("libsondeusdt.so"); }
std::string lib_app() { return fixture("usdt_lib_app"); }

size_t count_of(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

TEST(Uprobe, LibraryFunctionArgumentsAndReturnValues) {
  SONDE_REQUIRE_BPF();
  RunResult r = sonde({"-c", lib_app() + " 4", "-e",
                       "uprobe:" + lib() + ":sondelib_square { @arg[arg0] = count(); }"
                       " uretprobe:" + lib() + ":sondelib_square { @ret[retval] = count(); }"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (int i = 1; i <= 4; ++i) {
    EXPECT_NE(r.out.find("@arg[" + std::to_string(i) + "]: 1\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("@ret[" + std::to_string(i * i) + "]: 1\n"), std::string::npos) << r.out;
  }
  EXPECT_EQ(count_of(r.out, "@arg["), 4u) << r.out;
  EXPECT_NE(r.out.find("sum=30 "), std::string::npos) << "the probe changed the program's result: " << r.out;
}

TEST(Uprobe, FuncNamesTheProbedFunction) {
  SONDE_REQUIRE_BPF();
  RunResult r = sonde({"-c", lib_app() + " 2", "-e",
                       "uretprobe:" + lib() + ":sondelib_square { printf(\"<%s>\\n\", func); }"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(count_of(r.out, "<sondelib_square>\n"), 2u) << r.out;
}

// CI builds under deep paths: `probe` and `func` must hold the whole name
// however long the binary's path is (they were cut at the 64-byte string size).
TEST(Uprobe, ProbeNameIsWholeUnderALongPath) {
  SONDE_REQUIRE_BPF();
  std::string dir = temp_path("a-directory-name-long-enough-to-push-probe-names-past-64-bytes");
  std::string binary = dir + "/toolkit_work";
  ASSERT_EQ(run({"mkdir", "-p", dir}).exit_code, 0);
  ASSERT_EQ(run({"cp", fixture("toolkit_work"), binary}).exit_code, 0);
  RunResult r = sonde({"-c", binary, "-e",
                       "uprobe:" + binary + ":toolkit_leaf { @[probe, func] = count(); }"});
  run({"rm", "-rf", dir});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("@[uprobe:" + binary + ":toolkit_leaf, toolkit_leaf]: 20\n"),
            std::string::npos) << r.out;
}

TEST(Uprobe, LibcByShortNameReturnsThePid) {
  SONDE_REQUIRE_BPF();
  RunResult r = sonde({"-c", lib_app() + " 1", "-e",
                       "uretprobe:libc:getpid { printf(\"getpid=%d\\n\", retval); }"
                       " uprobe:c:getpid { @calls = count(); }"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> out = lines(r.out);
  ASSERT_FALSE(out.empty());
  std::string pid = out[0];  // the fixture prints getpid() first
  EXPECT_NE(r.out.find("getpid=" + pid + "\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("@calls: 1\n"), std::string::npos) << r.out;
}

// No -p: the probe is on the file, so a process started after attach is
// traced too (the seed 002 use).
TEST(Uprobe, ByPathTracesProcessesStartedAfterAttach) {
  SONDE_REQUIRE_BPF();
  Spawned tracer({bin("sonde"), "-e", "uprobe:" + lib() + ":sondelib_square { @[pid] = count(); }"});
  ASSERT_TRUE(tracer.wait_for_err("Attaching")) << tracer.finish().err;
  RunResult a = run({lib_app(), "3"});
  RunResult b = run({lib_app(), "5"});
  ASSERT_EQ(a.exit_code, 0);
  ASSERT_EQ(b.exit_code, 0);
  tracer.signal(SIGINT);
  RunResult r = tracer.finish();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("@[" + lines(a.out)[0] + "]: 3\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("@[" + lines(b.out)[0] + "]: 5\n"), std::string::npos) << r.out;
}

TEST(Uprobe, PidTracesOnlyThatProcess) {
  SONDE_REQUIRE_BPF();
  std::string go = temp_path("go");
  Spawned traced({lib_app(), "--wait", go, "3"});
  Spawned other({lib_app(), "--wait", go, "5"});
  ASSERT_TRUE(traced.wait_for_out("\n"));
  ASSERT_TRUE(other.wait_for_out("\n"));
  Spawned tracer({bin("sonde"), "-p", std::to_string(traced.pid()), "-e",
                  "uprobe:" + lib() + ":sondelib_square { @[pid] = count(); }"});
  ASSERT_TRUE(tracer.wait_for_err("Attaching")) << tracer.finish().err;
  touch(go);
  EXPECT_EQ(traced.finish().exit_code, 0);
  EXPECT_EQ(other.finish().exit_code, 0);
  RunResult r = tracer.finish();  // ends by itself when the process exits
  unlink(go.c_str());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("@[" + std::to_string(traced.pid()) + "]: 3\n"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("@[" + std::to_string(other.pid()) + "]"), std::string::npos) << r.out;
}

TEST(Uprobe, GetaddrinfoLatencyScript) {
  SONDE_REQUIRE_BPF();
  if (access("/usr/bin/getent", X_OK) != 0) GTEST_SKIP() << "no getent";
  RunResult r = sonde({"-c", "/usr/bin/getent ahosts localhost", "-e",
                       "uprobe:libc:getaddrinfo { @start[tid] = nsecs; @host[tid] = arg0; }\n"
                       "uretprobe:libc:getaddrinfo /@start[tid]/ {\n"
                       "  printf(\"%-16s %6d us %s ret=%d\\n\", comm, (nsecs - @start[tid]) / 1000, "
                       "str(@host[tid]), retval);\n"
                       "  delete(@start[tid]); delete(@host[tid]);\n}"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  int found = 0;
  for (const std::string& line : lines(r.out))
    if (line.rfind("getent ", 0) == 0 && line.find(" us localhost ret=0") != std::string::npos) ++found;
  EXPECT_EQ(found, 1) << r.out;
}

TEST(Uprobe, ClearErrors) {
  SONDE_REQUIRE_BPF();
  RunResult missing = sonde({"-e", "uprobe:/no/such/binary:main { }"});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("/no/such/binary does not exist"), std::string::npos) << missing.err;
  RunResult not_elf = sonde({"-e", "uprobe:/etc/hostname:main { }"});
  EXPECT_NE(not_elf.exit_code, 0);
  EXPECT_NE(not_elf.err.find("not an ELF"), std::string::npos) << not_elf.err;
  RunResult typo = sonde({"-e", "uprobe:" + lib() + ":sondelib_sqare { }"});
  EXPECT_NE(typo.exit_code, 0);
  EXPECT_NE(typo.err.find("sondelib_square"), std::string::npos) << "a close match is suggested: " << typo.err;
  RunResult gone = sonde({"-p", "999999999", "-e", "uprobe:" + lib() + ":sondelib_square { }"});
  EXPECT_NE(gone.exit_code, 0);
  EXPECT_NE(gone.err.find("999999999"), std::string::npos) << gone.err;
}

TEST(Uprobe, ListsFunctionsByGlob) {
  RunResult r = sonde({"-l", "uprobe:" + lib() + ":sondelib_*"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "uprobe:" + lib() + ":sondelib_guarded_raised\n" + "uprobe:" + lib() + ":sondelib_square\n");
}

}  // namespace
}  // namespace sonde::e2e
