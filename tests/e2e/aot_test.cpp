// Ahead-of-time objects: `sonde build` writes an object that `sonde-run`
// (no compiler inside) and standard tools load.
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

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

// A probe over a syscall set is two raw tracepoint programs (raw_syscalls
// sys_enter and sys_exit), not two perf-event tracepoints per syscall; the
// runtime-only runner attaches them.
TEST(Aot, SyscallSetIsTwoRawTracepointPrograms) {
  SONDE_REQUIRE_BPF();
  std::string script = write_script("syscalls rw = read, write, getpid, openat\n"
                                    "syscall:rw /probe.name == \"getpid\"/ { @calls = count(); }\n");
  std::string object = temp_path("rawsys.bpf.o");
  RunResult b = sonde({"build", script, "-o", object});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  // The programs are the function symbols, each named with its section.
  RunResult t = run({"llvm-objdump-16", "-t", object});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  auto programs_in = [&](const std::string& section) {
    size_t n = 0;
    for (const std::string& line : lines(t.out))
      if (line.find(" F " + section) != std::string::npos) ++n;
    return n;
  };
  EXPECT_EQ(programs_in("raw_tp/sys_enter\t"), 1u) << t.out;
  EXPECT_EQ(programs_in("raw_tp/sys_exit\t"), 1u) << t.out;
  EXPECT_EQ(programs_in("tracepoint/"), 0u) << t.out;
  RunResult r = run({bin("sonde-run"), "-c", fixture("syscalls") + " getpid 7", object});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("@calls: 7\n"), std::string::npos) << r.out << r.err;
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

// The `sonde` binary maps LLVM and Clang only when it compiles: a run whose
// object is in the compile cache starts without them (compiler/backend/).
std::string mapped_files_of(pid_t pid) {
  std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
  return std::string(std::istreambuf_iterator<char>(maps), {});
}

TEST(Aot, SondeLoadsLlvmOnlyWhenItCompiles) {
  SONDE_REQUIRE_BPF();
  RunResult ldd = run({"ldd", bin("sonde")});
  ASSERT_EQ(ldd.exit_code, 0);
  EXPECT_EQ(ldd.out.find("LLVM"), std::string::npos) << ldd.out;
  EXPECT_EQ(ldd.out.find("clang"), std::string::npos) << ldd.out;

  std::string cache = temp_path("llvm-cache");
  std::string script = "BEGIN { printf(\"ready\\n\"); } interval:s:30 { exit(); }";
  std::vector<std::string> argv{"env", "SONDE_CACHE_DIR=" + cache, bin("sonde"), "-e", script};
  std::string cold_maps, warm_maps;
  for (std::string* maps : {&cold_maps, &warm_maps}) {
    Spawned tracer(argv);
    ASSERT_TRUE(tracer.wait_for_out("ready")) << tracer.finish().err;
    *maps = mapped_files_of(tracer.pid());
    tracer.signal(SIGINT);
    EXPECT_EQ(tracer.finish().exit_code, 0);
  }
  EXPECT_NE(cold_maps.find("libsonde-codegen"), std::string::npos) << "a compile must have loaded the code generator";
  // With SONDE_LLVM_STATIC the code generator carries the LLVM it uses.
  EXPECT_EQ(cold_maps.find("libLLVM") != std::string::npos, !SONDE_LLVM_STATIC) << cold_maps;
  EXPECT_EQ(warm_maps.find("libLLVM"), std::string::npos) << warm_maps;
  EXPECT_EQ(warm_maps.find("libsonde-codegen"), std::string::npos) << warm_maps;
  run({"rm", "-rf", cache});
}

TEST(Aot, MissingCodeGeneratorIsExplained) {
  RunResult r = run({"env", "SONDE_CACHE=0", "SONDE_CODEGEN=/nonexistent/libsonde-codegen.so", bin("sonde"),
                     "-e", "BEGIN { exit(); }"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("cannot read the compiler's code generator: SONDE_CODEGEN names "
                       "/nonexistent/libsonde-codegen.so\nhint: "),
            std::string::npos)
      << r.err;
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


size_t count_line(const std::string& text, const std::string& line) {
  size_t n = 0, at = 0;
  while ((at = text.find(line + "\n", at)) != std::string::npos) {
    if (at == 0 || text[at - 1] == '\n') ++n;
    at += line.size();
  }
  return n;
}

// The address of the first sondetest:tick note: the two builds must differ,
// or the next test would prove nothing.
std::string tick_note(const std::string& binary) {
  RunResult r = run({"readelf", "-n", binary});
  size_t at = r.out.find("Name: tick");
  return at == std::string::npos ? "" : r.out.substr(at, 160);
}

// USDT locations and argument specs are read from the binary at attach
// time: one object, built against the -O2 fixture, runs against the -O0
// build too (other addresses, other specs), given --target.
TEST(Aot, OneObjectRunsAgainstTwoBuildsOfTheTracedProgram) {
  SONDE_REQUIRE_BPF();
  std::string o2 = fixture("usdt_app"), o0 = fixture("usdt_app_O0");
  ASSERT_NE(tick_note(o2), tick_note(o0)) << "the fixture builds should differ";
  std::string script = write_script("usdt:" + o2 + ":sondetest:tick { printf(\"tick %d %d %s %d\\n\", arg0, arg1, str(arg2), arg3); }\n");
  std::string object = temp_path("usdt.bpf.o");
  ASSERT_EQ(sonde({"build", script, "-o", object}).exit_code, 0);
  RunResult same = run({bin("sonde-run"), "-c", o2 + " 3", object});
  RunResult other = run({bin("sonde-run"), "--target", "sondetest=" + o0, "-c", o0 + " 3", object});
  ASSERT_EQ(same.exit_code, 0) << same.err;
  ASSERT_EQ(other.exit_code, 0) << other.err;
  for (int i = 1; i <= 3; ++i) {
    std::string line = "tick " + std::to_string(i) + " -" + std::to_string(i) + " tick 7";
    EXPECT_EQ(count_line(same.out, line), 1u) << same.out;
    EXPECT_EQ(count_line(other.out, line), 1u) << other.out;
  }
  // The file name selects the probes as well as the provider does.
  RunResult by_name = run({bin("sonde-run"), "--target", "usdt_app=" + o0, "-c", o0 + " 2", object});
  EXPECT_EQ(count_line(by_name.out, "tick 2 -2 tick 7"), 1u) << by_name.out << by_name.err;
  unlink(script.c_str());
  unlink(object.c_str());
}

TEST(Aot, TargetOverridesThatMatchNothingAreRefused) {
  SONDE_REQUIRE_BPF();
  std::string script = write_script("usdt:" + fixture("usdt_app") + ":sondetest:tick { @ = count(); }\n");
  std::string object = temp_path("usdt.bpf.o");
  ASSERT_EQ(sonde({"build", script, "-o", object}).exit_code, 0);
  RunResult wrong = run({bin("sonde-run"), "--target", "nosuch=" + fixture("usdt_app"), object});
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.err.find("--target nosuch: no uprobe or USDT probe of the object names it"), std::string::npos) << wrong.err;
  RunResult missing = run({bin("sonde-run"), "--target", "sondetest=/nonexistent/app", object});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("/nonexistent/app: no such file"), std::string::npos) << missing.err;
  RunResult malformed = run({bin("sonde-run"), "--target", "sondetest", object});
  EXPECT_NE(malformed.err.find("--target needs NAME=PATH"), std::string::npos) << malformed.err;
  unlink(script.c_str());
  unlink(object.c_str());
}

// `sonde build php-io` then `sonde-run` reports what `sonde run php-io`
// reports: the same syscalls with the same bytes in the same functions.
TEST(Aot, PhpIoObjectGivesTheSameReport) {
  SONDE_REQUIRE_BPF();
  ASSERT_EQ(access("/usr/bin/php", X_OK), 0) << "php is missing (scripts/setup installs php8.2-cli)";
  std::string dir = temp_path("aot-php");
  mkdir(dir.c_str(), 0755);
  std::string php = dir + "/io.php";
  std::ofstream(php) << "<?php\n"
                        "function save($p) { file_put_contents($p, str_repeat('x', 1000)); return load($p); }\n"
                        "function load($p) { return strlen(file_get_contents($p)); }\n"
                        "save('" + dir + "/data.txt');\n";
  std::string object = temp_path("php-io.bpf.o");
  ASSERT_EQ(sonde({"build", "php-io", "-o", object}).exit_code, 0);
  setenv("USE_ZEND_DTRACE", "1", 1);
  RunResult compiled = sonde({"run", "php-io", "-f", "json", "-c", "/usr/bin/php " + php});
  RunResult prebuilt = run({bin("sonde-run"), "-f", "json", "-c", "/usr/bin/php " + php, object});
  unsetenv("USE_ZEND_DTRACE");
  ASSERT_EQ(compiled.exit_code, 0) << compiled.err;
  ASSERT_EQ(prebuilt.exit_code, 0) << prebuilt.err;
  // (record, syscall, function of its span, bytes in, bytes out), sorted.
  auto report = [](const std::string& out) {
    std::map<uint64_t, std::string> functions;
    std::vector<nlohmann::json> io;
    for (const std::string& line : lines(out)) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded() || j.value("type", "") != "record") continue;
      if (j["name"] == "call") functions[j["id"].get<uint64_t>()] = j["data"]["function"];
      else if (j.contains("span")) io.push_back(j);
    }
    std::vector<std::string> rows;
    for (const auto& j : io)
      rows.push_back(j["name"].get<std::string>() + " " + j["data"]["syscall"].get<std::string>() + " in " +
                     functions[j["span"].get<uint64_t>()] + " " + std::to_string(j["data"]["in"].get<int64_t>()) +
                     "/" + std::to_string(j["data"]["out"].get<int64_t>()));
    std::sort(rows.begin(), rows.end());
    return rows;
  };
  std::vector<std::string> a = report(compiled.out), b = report(prebuilt.out);
  EXPECT_EQ(a, b);
  EXPECT_EQ(std::count(a.begin(), a.end(), "disk write in save 0/1000"), 1) << compiled.out;
  EXPECT_EQ(std::count(a.begin(), a.end(), "disk read in load 1000/0"), 1) << compiled.out;
  unlink(object.c_str());
  run({"rm", "-rf", dir});
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
