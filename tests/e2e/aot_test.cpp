// Ahead-of-time objects: `sonde build` writes an object that `sonde-run`
// (no compiler inside) and standard tools load.
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "harness.h"

namespace sonde::e2e {
namespace {

std::string write_script(const std::string& text) {
  std::string path = temp_path("script.sonde");
  std::ofstream(path) << text;
  return path;
}

TEST(Aot, BuildThenRunWithTheRuntimeOnlyRunner) {
  SONDE_REQUIRE_BPF();
  std::string script = write_script("tracepoint:syscalls:sys_enter_getpid { @calls = count(); }\n");
  std::string object = temp_path("count.bpf.o");
  RunResult b = sonde({"build", script, "-o", object});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  RunResult r = run({bin("sonde-run"), "-c", fixture("syscalls") + " getpid 11", object});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("@calls: 11\n"), std::string::npos) << r.out << r.err;
  unlink(script.c_str());
  unlink(object.c_str());
}

TEST(Aot, RunnerLinksNoLlvmOrClang) {
  RunResult r = run({"ldd", bin("sonde-run")});
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.find("LLVM"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("clang"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("libbpf"), std::string::npos) << r.out;
}

TEST(Aot, BpftoolLoadsTheObject) {
  SONDE_REQUIRE_BPF();
  std::string script = write_script(
      "tracepoint:syscalls:sys_enter_openat { @[comm] = count(); printf(\"%s\\n\", str(args.filename)); }\n"
      "interval:s:1 { @ticks = count(); }\n");
  std::string object = temp_path("tool.bpf.o");
  ASSERT_EQ(sonde({"build", script, "-o", object}).exit_code, 0);
  // bpftool pins what it loads: it needs bpffs, which a fresh machine lacks.
  struct stat st;
  if (stat("/sys/fs/bpf", &st) == 0) mount("bpf", "/sys/fs/bpf", "bpf", 0, nullptr);
  std::string pin = "/sys/fs/bpf/sonde_e2e_" + std::to_string(getpid());
  RunResult r = run({"bpftool", "prog", "loadall", object, pin});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  run({"rm", "-rf", pin});
  unlink(script.c_str());
  unlink(object.c_str());
}

}  // namespace
}  // namespace sonde::e2e

namespace sonde::e2e {
namespace {

// `bpftool gen skeleton` accepts the object, and a C program built from the
// skeleton opens and loads it.
TEST(Aot, SkeletonFromTheObjectLoads) {
  SONDE_REQUIRE_BPF();
  std::string dir = temp_path("skel");
  ASSERT_EQ(run({"mkdir", "-p", dir}).exit_code, 0);
  std::ofstream(dir + "/s.sonde") << "tracepoint:syscalls:sys_enter_getpid { @n = count(); }\n";
  ASSERT_EQ(sonde({"build", dir + "/s.sonde", "-o", dir + "/probe.bpf.o"}).exit_code, 0);
  RunResult skel = run({"bpftool", "gen", "skeleton", dir + "/probe.bpf.o"});
  ASSERT_EQ(skel.exit_code, 0) << skel.err;
  std::ofstream(dir + "/probe.skel.h") << skel.out;
  std::ofstream(dir + "/main.c") << "#include \"probe.skel.h\"\n"
                                    "int main(void) {\n"
                                    "  struct probe_bpf* s = probe_bpf__open_and_load();\n"
                                    "  if (!s) return 1;\n"
                                    "  probe_bpf__destroy(s);\n"
                                    "  return 0;\n"
                                    "}\n";
  RunResult cc = run({"cc", "-o", dir + "/main", dir + "/main.c", "-lbpf"});
  ASSERT_EQ(cc.exit_code, 0) << cc.err;
  RunResult r = run({dir + "/main"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  run({"rm", "-rf", dir});
}

// Line info ties instructions to script lines: objdump shows the source.
TEST(Aot, ObjdumpShowsScriptLines) {
  std::string script = write_script("BEGIN { printf(\"start\\n\"); }\n"
                                    "tracepoint:syscalls:sys_enter_getpid { @calls_by_pid[pid] = count(); }\n");
  std::string object = temp_path("lines.bpf.o");
  ASSERT_EQ(sonde({"build", script, "-o", object}).exit_code, 0);
  RunResult r = run({"llvm-objdump-16", "-S", object});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("@calls_by_pid[pid] = count();"), std::string::npos) << r.out;
  unlink(script.c_str());
  unlink(object.c_str());
}

}  // namespace
}  // namespace sonde::e2e
