// End-to-end tests of the declarative layer against the real kernel:
// syscall sets (entry arguments, retval and elapsed at exit), records in
// text and NDJSON, providers on the USDT fixture and on PHP.
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <nlohmann/json.hpp>

#include "harness.h"
#include "kernel_state.h"

namespace sonde::e2e {
namespace {

std::string write_script(const std::string& stem, const std::string& text) {
  std::string path = temp_path(stem) + ".sonde";
  std::ofstream(path) << text;
  return path;
}

// The NDJSON record lines of `out` named `name`.
std::vector<nlohmann::json> records(const std::string& out, const std::string& name) {
  std::vector<nlohmann::json> found;
  for (const std::string& line : lines(out)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object() && j.value("type", "") == "record" && j.value("name", "") == name)
      found.push_back(j["data"]);
  }
  return found;
}

TEST(Decl, SyscallSetGivesEntryArgsRetvalAndElapsedAtExit) {
  SONDE_REQUIRE_BPF();
  std::string script = write_script("rw",
      "syscalls rw = read, write\n"
      "syscall:rw { emit io { call = probe.name, set = probe.set, fd = args.fd, want = args.count,\n"
      "                       got: bytes = retval, took = elapsed } }\n");
  RunResult r = sonde({"-f", "json", "-c", fixture("syscalls") + " read 5 100", script});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  int reads = 0;
  for (const auto& io : records(r.out, "io")) {
    EXPECT_EQ(io["set"], "rw");
    if (io["call"] != "read" || io["want"] != 100) continue;  // the loader reads too
    ++reads;
    EXPECT_EQ(io["got"], 100);
    EXPECT_GE(io["fd"].get<int64_t>(), 3);
    EXPECT_GT(io["took"].get<int64_t>(), 0);
    EXPECT_LT(io["took"].get<int64_t>(), 1'000'000'000);
  }
  EXPECT_EQ(reads, 5) << r.out;
}

// One probe over syscalls whose argument sits at different indexes:
// read(fd, buf, count) has `count` third, sendfile64(out_fd, in_fd, offset,
// count) fourth; each call must see its own, and 0 for one it lacks.
TEST(Decl, SetArgumentsComeFromEachSyscallsOwnIndex) {
  SONDE_REQUIRE_BPF();
  std::string script = write_script("moves",
      "syscalls moves = read, sendfile64\n"
      "syscall:moves { emit io { call = probe.name, fd = args.fd, out = args.out_fd, in = args.in_fd,\n"
      "                          want = args.count, got = retval, sent = probe.name == \"sendfile64\" } }\n");
  RunResult r = sonde({"-f", "json", "-c", fixture("syscalls") + " readsend 4 333", script});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  int reads = 0, sends = 0;
  for (const auto& io : records(r.out, "io")) {
    if (io["want"] != 333) continue;  // the loader reads too
    EXPECT_EQ(io["got"], 333) << io;
    if (io["call"] == "read") {
      ++reads;
      EXPECT_GE(io["fd"].get<int64_t>(), 3) << io;
      EXPECT_EQ(io["out"], 0) << io;
      EXPECT_EQ(io["sent"], 0) << io;
    } else {
      ASSERT_EQ(io["call"], "sendfile64") << io;
      ++sends;
      EXPECT_EQ(io["fd"], 0) << io;
      EXPECT_GE(io["out"].get<int64_t>(), 3) << io;
      EXPECT_GE(io["in"].get<int64_t>(), 3) << io;
      EXPECT_NE(io["out"], io["in"]) << io;
      EXPECT_EQ(io["sent"], 1) << io;
    }
  }
  EXPECT_EQ(sends, 4) << r.out;
  EXPECT_EQ(reads, 8) << r.out;  // the fixture's read, then the pipe drain
}

TEST(Decl, ElapsedCoversTheWholeCall) {
  SONDE_REQUIRE_BPF();
  RunResult r = sonde({"-f", "json", "-c", fixture("syscalls") + " sleep 3", "-e",
                       "syscall:clock_nanosleep { emit nap { took = elapsed } }"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto naps = records(r.out, "nap");
  ASSERT_EQ(naps.size(), 3u) << r.out;
  for (const auto& n : naps) EXPECT_GE(n["took"].get<int64_t>(), 1'000'000);  // 1 ms sleeps
}

TEST(Decl, TextRecordsAreAlignedWithErrnoNames) {
  SONDE_REQUIRE_BPF();
  RunResult r = sonde({"-q", "-c", fixture("syscalls") + " openat 2 /nonexistent/x", "-e",
                       "syscall:openat /retval < 0/ { emit failed { call = probe.name, ret: errno = retval } }"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The fixture's own lines (its pid, "done") are mixed in; records follow a header.
  std::vector<std::string> out = lines(r.out);
  auto header = std::find(out.begin(), out.end(), "# failed");
  ASSERT_NE(header, out.end()) << r.out;
  ASSERT_NE(header + 1, out.end());
  const std::string& columns = *(header + 1);
  EXPECT_EQ(columns.find("call"), 0u);
  int enoent = 0;
  for (auto it = header + 2; it != out.end(); ++it) {
    if (it->find("openat") != 0) continue;
    enoent += it->find("-ENOENT") != std::string::npos;
    EXPECT_EQ(it->size(), columns.size()) << "not aligned:\n" << columns << "\n" << *it;
  }
  EXPECT_GE(enoent, 2) << r.out;
  // Bookkeeping maps are not printed at exit.
  EXPECT_EQ(r.out.find("@__sc"), std::string::npos) << r.out;
}

TEST(Decl, ProviderNamesUsdtArguments) {
  SONDE_REQUIRE_BPF();
  std::string script = write_script("provider",
      "provider sondetest {\n"
      "  paths = \"" + fixture("usdt_app") + "\";\n"
      "  probe tick(i: int, neg: int, label: str, seven: u8);\n"
      "}\n"
      "sondetest:tick { emit tick { i = args.i, neg = args.neg, label = args.label, seven = args.seven } }\n");
  RunResult r = sonde({"-f", "json", "-c", fixture("usdt_app") + " 3", script});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto ticks = records(r.out, "tick");
  ASSERT_EQ(ticks.size(), 3u) << r.out;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(ticks[i]["i"], i + 1);
    EXPECT_EQ(ticks[i]["neg"], -(i + 1));
    EXPECT_EQ(ticks[i]["label"], "tick");
    EXPECT_EQ(ticks[i]["seven"], 7);
  }
}

TEST(Decl, UsePhpTracesFunctionsAndCaughtExceptions) {
  SONDE_REQUIRE_BPF();
  if (access("/usr/bin/php", X_OK) != 0) GTEST_SKIP() << "php is not installed";
  std::string php = temp_path("calls") + ".php";
  std::ofstream(php) << "<?php\nclass Calc { function twice($x) { return helper($x) * 2; } }\n"
                        "function helper($x) { return $x + 1; }\n"
                        "echo (new Calc())->twice(20), \"\\n\";\n"
                        "try { throw new RuntimeException('x'); } catch (RuntimeException $e) { }\n";
  std::string script = write_script("php",
      "use php\n"
      "php:function__entry /args.funcname != \"main\"/ {\n"
      "  emit call { function = args.funcname, class = args.classname, line = args.lineno }\n"
      "}\n"
      "usdt:php:exception__caught { emit caught { class = args.classname } }\n");
  // Set for sonde, so that the command it starts inherits it. (Through
  // `env VAR=1 php`, a second exec after sh's, the probes do not fire: a
  // runtime limitation of -c with USDT, reported.)
  setenv("USE_ZEND_DTRACE", "1", 1);
  RunResult r = sonde({"-f", "json", "-c", "/usr/bin/php " + php, script});
  unsetenv("USE_ZEND_DTRACE");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto calls = records(r.out, "call");
  ASSERT_EQ(calls.size(), 2u) << r.out;
  EXPECT_EQ(calls[0]["function"], "twice");
  EXPECT_EQ(calls[0]["class"], "Calc");
  EXPECT_EQ(calls[1]["function"], "helper");
  EXPECT_EQ(calls[1]["class"], "");
  EXPECT_EQ(calls[1]["line"], 3);
  auto caught = records(r.out, "caught");
  ASSERT_EQ(caught.size(), 1u) << r.out;
  EXPECT_EQ(caught[0]["class"], "RuntimeException");  // read 24 bytes into the zend_string
}

// The design's php-io core: syscalls charged to the innermost PHP function.
const char* kPhpSpans =
    "use php\n"
    "syscalls file = read, write, openat, close\n"
    "span request = php:request__startup .. php:request__shutdown reset { uri = args.request_uri }\n"
    "span call = php:function__entry .. php:function__return { function = args.funcname, line = args.lineno }\n"
    "syscall:file within call { emit io { function = span.function, depth = span.depth,\n"
    "                                     syscall = probe.name, bytes: bytes = retval } }\n";

RunResult run_php(const std::string& stem, const std::string& code, const std::string& script) {
  std::string php = temp_path(stem) + ".php";
  std::ofstream(php) << code;
  setenv("USE_ZEND_DTRACE", "1", 1);
  RunResult r = sonde({"-f", "json", "-c", "/usr/bin/php " + php, write_script(stem, script)});
  unsetenv("USE_ZEND_DTRACE");
  return r;
}

TEST(Decl, SpansAttributeSyscallsToTheInnermostFunction) {
  SONDE_REQUIRE_BPF();
  if (access("/usr/bin/php", X_OK) != 0) GTEST_SKIP() << "php is not installed";
  std::string data = temp_path("span-data");
  RunResult r = run_php("spans",
      "<?php\n"
      "function save($p) { file_put_contents($p, str_repeat('x', 1000)); return load($p); }\n"
      "function load($p) { return strlen(file_get_contents($p)); }\n"
      "function quiet($n) { return $n * 2; }\n"
      "$n = save('" + data + "'); quiet(4);\n",
      kPhpSpans);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The write of 1000 bytes is save's (depth 2), the read load's (depth 3).
  int saved = 0, loaded = 0;
  for (const auto& io : records(r.out, "io")) {
    if (io["syscall"] == "write" && io["bytes"] == 1000) {
      ++saved;
      EXPECT_EQ(io["function"], "save");
      EXPECT_EQ(io["depth"], 2);
    }
    if (io["syscall"] == "read" && io["bytes"] == 1000) {
      ++loaded;
      EXPECT_EQ(io["function"], "load");
      EXPECT_EQ(io["depth"], 3);
    }
  }
  EXPECT_EQ(saved, 1) << r.out;
  EXPECT_EQ(loaded, 1) << r.out;
  // Close records: only spans with records inside; inner ones first.
  auto calls = records(r.out, "call");
  std::vector<std::string> order;
  for (const auto& c : calls) order.push_back(c["function"]);
  EXPECT_EQ(order, (std::vector<std::string>{"load", "save", "main"})) << r.out;  // no `quiet`
  ASSERT_EQ(calls.size(), 3u);
  // Inclusive durations nest; exclusive = inclusive minus the children.
  EXPECT_LE(calls[0]["duration"].get<int64_t>(), calls[1]["duration"].get<int64_t>());
  EXPECT_LE(calls[1]["duration"].get<int64_t>(), calls[2]["duration"].get<int64_t>());
  EXPECT_EQ(calls[1]["self"].get<int64_t>(), calls[1]["duration"].get<int64_t>() - calls[0]["duration"].get<int64_t>());
  EXPECT_EQ(calls[0]["self"], calls[0]["duration"]);
  EXPECT_EQ(calls[1]["line"], 2);  // PHP passes the line where save() is defined
  std::remove(data.c_str());
}

// Fields made only of provider str args and strcat keep the args' addresses
// at OPEN and read the strings where used: each level's own names, whole,
// both in a `within` probe (span.F) and in the close record.
TEST(Decl, LazySpanFieldsReadEachLevelsOwnStrings) {
  SONDE_REQUIRE_BPF();
  if (access("/usr/bin/php", X_OK) != 0) GTEST_SKIP() << "php is not installed";
  std::string data = temp_path("lazy-data");
  std::string cls = "A_class_name_that_is_deliberately_long_for_lazy_span_fields";
  std::string method = "and_a_method_name_long_enough_to_go_past_a_hundred_bytes_x";
  std::string php_code =
      "<?php\n"
      "class " + cls + " { static function " + method + "($p) {\n"
      "  file_put_contents($p, 'abc'); return inner($p); } }\n"
      "function inner($p) { file_put_contents($p, 'abcdefg', FILE_APPEND); return leaf(); }\n"
      "function leaf() { return 1; }\n" +
      cls + "::" + method + "('" + data + "');\n";
  RunResult r = run_php("lazy", php_code,
      "use php\n"
      "config = { max_strlen = 256 }\n"
      "syscalls file = write\n"
      "span call = php:function__entry .. php:function__return threshold:0ns\n"
      "  { function = strcat(args.classname, args.scope, args.funcname), file = args.filename,\n"
      "    eager = strcat(args.funcname, \"()\") }\n"
      "syscall:file within call { emit io { function = span.function, eager = span.eager,\n"
      "                                     depth = span.depth, bytes: bytes = retval } }\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string long_name = cls + "::" + method;
  ASSERT_GT(long_name.size(), 100u);
  std::map<int64_t, std::string> by_bytes;
  for (const auto& io : records(r.out, "io")) {
    if (io["bytes"] != 3 && io["bytes"] != 7) continue;
    by_bytes[io["bytes"].get<int64_t>()] = io["function"].get<std::string>() + " " + io["eager"].get<std::string>() +
                                           " " + std::to_string(io["depth"].get<int64_t>());
  }
  EXPECT_EQ(by_bytes[3], long_name + " " + method + "() 2") << r.out;
  EXPECT_EQ(by_bytes[7], "inner inner() 3") << r.out;
  // threshold:0ns: every call is recorded, innermost first.
  std::vector<std::string> order;
  std::set<std::string> files;
  for (const auto& c : records(r.out, "call")) {
    order.push_back(c["function"].get<std::string>() + " " + c["eager"].get<std::string>());
    files.insert(c["file"].get<std::string>());
  }
  ASSERT_EQ(files.size(), 1u) << r.out;  // run_php's one script (its temp name is run_php's)
  EXPECT_TRUE(files.begin()->starts_with("/tmp/") && files.begin()->ends_with("-lazy.php")) << *files.begin();
  EXPECT_EQ(order, (std::vector<std::string>{"leaf leaf()", "inner inner()", long_name + " " + method + "()",
                                             "main main()"}))
      << r.out;
  std::remove(data.c_str());
}

// CLOSE leaves its level's map entries for the next OPEN to overwrite; a
// thread's entries go when it exits. Seen in the kernel's maps: entries while
// PHP sits two functions deep, none once it has exited.
TEST(Decl, SpanEntriesOfAThreadGoWhenItExits) {
  SONDE_REQUIRE_BPF();
  if (access("/usr/bin/php", X_OK) != 0) GTEST_SKIP() << "php is not installed";
  Spawned tracer({bin("sonde"), "-f", "json", write_script("exits",
      "use php\n"
      "span call = php:function__entry .. php:function__return\n"
      "  { function = strcat(args.classname, args.scope, args.funcname), line = args.lineno }\n")});
  ASSERT_TRUE(tracer.wait_for_out("attached_probes")) << tracer.finish().err;
  std::string go = temp_path("exits-go");
  setenv("USE_ZEND_DTRACE", "1", 1);
  Spawned php({"/usr/bin/php", "-r",
               "function inner($f) { while (!file_exists($f)) usleep(10000); }\n"
               "function outer($f) { inner($f); }\n"
               "outer('" + go + "');"});
  unsetenv("USE_ZEND_DTRACE");
  auto entries_become = [&](auto done) {
    for (int i = 0; i < 100; ++i) {
      if (done(map_entries_of(tracer.pid(), "__sp_"))) return true;
      usleep(100000);
    }
    return false;
  };
  EXPECT_TRUE(entries_become([](int n) { return n > 0; })) << "PHP's open spans hold entries";
  touch(go);
  EXPECT_EQ(php.finish(30).exit_code, 0);
  EXPECT_TRUE(entries_become([](int n) { return n == 0; }))
      << map_entries_of(tracer.pid(), "__sp_") << " entries left after PHP exited";
  tracer.signal(SIGINT);
  tracer.finish();
  std::remove(go.c_str());
}

TEST(Decl, SpanStackOverflowIsCountedAndReported) {
  SONDE_REQUIRE_BPF();
  if (access("/usr/bin/php", X_OK) != 0) GTEST_SKIP() << "php is not installed";
  // main + r(40)..r(0): 42 levels, 10 beyond the bound of 32.
  RunResult r = run_php("deep", "<?php\nfunction r($n) { return $n ? r($n - 1) : 0; }\nr(40);\n", kPhpSpans);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("span call: 10 opens nested too deep were not recorded"), std::string::npos) << r.err;
}

TEST(Decl, DeclarationErrorsAreLocated) {
  RunResult r = sonde({"--check", "-e", "syscalls s = read\nBEGIN { emit r { a = 1, a = 2 } }"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("field `a` appears twice"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(":2:25"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace sonde::e2e
