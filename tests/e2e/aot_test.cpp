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
