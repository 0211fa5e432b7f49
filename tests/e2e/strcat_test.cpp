// End-to-end strcat() against the real kernel: exact joins of literals,
// variables and map values, empty parts, truncation at the string size, and
// every probe kind that makes its parts differently (BEGIN, tracepoints and
// syscall probes, uprobes, USDT, PHP through `use php`, span fields).
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "harness.h"

namespace sonde::e2e {
namespace {

size_t count_lines(const std::string& text, const std::string& line) {
  size_t n = 0;
  for (const std::string& l : lines(text)) n += l == line;
  return n;
}

// Runs `body` in BEGIN (then exits); `out` is what it printed, without
// the blank lines that follow exit().
RunResult begin(const std::string& body, std::vector<std::string> options = {}) {
  options.insert(options.end(), {"-e", "BEGIN { " + body + " exit(); }"});
  RunResult r = sonde(options);
  while (r.out.size() >= 2 && r.out.compare(r.out.size() - 2, 2, "\n\n") == 0) r.out.pop_back();
  return r;
}

TEST(Strcat, JoinsLiteralsWithEmptyParts) {
  SONDE_REQUIRE_BPF();
  RunResult r = begin(
      "printf(\"%s|\\n\", strcat(\"ab\", \"\", \"cd\"));"
      "printf(\"%s|\\n\", strcat(\"\", \"\"));"
      "printf(\"%s|\\n\", strcat(\"\", \"x\", \"\", \"\"));"
      "printf(\"%s|\\n\", strcat(\"a\", \"b\", \"c\", \"d\"));");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "abcd|\n|\nx|\nabcd|\n");
}

TEST(Strcat, JoinsVariablesMapValuesAndItsOwnResult) {
  SONDE_REQUIRE_BPF();
  RunResult r = begin(
      "$s = strcat(\"x\", \"\"); $s = strcat($s, \"y\"); $s = strcat($s, $s);"
      "@m[\"k\"] = \"map\"; @m[\"j\"] = strcat(@m[\"k\"], \"-\", $s);"
      "printf(\"%s %s %s\\n\", $s, @m[\"j\"], strcat(strcat(\"in\", \"ner\"), \"/\", @m[\"none\"], \"end\"));"
      "clear(@m);");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "xyxy map-xyxy inner/end\n");
}

// The result holds --strlen bytes with its NUL: 7 characters at 8.
TEST(Strcat, TruncatesAtTheStringSize) {
  SONDE_REQUIRE_BPF();
  RunResult r = begin(
      "printf(\"%s|\\n\", strcat(\"abcd\", \"efgh\"));"
      "printf(\"%s|\\n\", strcat(\"0123456789\", \"x\"));"
      "printf(\"%s|\\n\", strcat(\"abc\", \"defghij\", \"k\"));"
      "printf(\"%s|\\n\", strcat(\"abcdef\", \"g\", \"h\", \"i\"));",
      {"--strlen", "8"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "abcdefg|\n0123456|\nabcdefg|\nabcdefg|\n");
  RunResult wide = begin("printf(\"%s|\\n\", strcat(\"" + std::string(70, 'a') + "\", \"b\"));");
  ASSERT_EQ(wide.exit_code, 0) << wide.err;
  EXPECT_EQ(wide.out, std::string(63, 'a') + "|\n");  // the default size, 64
}

// Twice 256 bytes do not fit the 512-byte stack: the buffer is in scratch space.
TEST(Strcat, LargestStringSize) {
  SONDE_REQUIRE_BPF();
  RunResult r = begin("$s = strcat(\"" + std::string(200, 'a') + "\", \"b\");"
                      "printf(\"%s|\\n\", strcat($s, \"" + std::string(100, 'c') + "\"));",
                      {"--strlen", "256"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, std::string(200, 'a') + "b" + std::string(54, 'c') + "|\n");
}

TEST(Strcat, TracepointAndSyscallProbes) {
  SONDE_REQUIRE_BPF();
  RunResult r = sonde({"-c", fixture("syscalls") + " openat 2 /nonexistent/strcat", "-e",
                       "tracepoint:syscalls:sys_enter_openat { printf(\"tp %s\\n\", strcat(comm, \":\", str(args.filename))); }"
                       " syscall:openat { printf(\"sc %s\\n\", strcat(probe.name, \" \", str(args.filename))); }"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(count_lines(r.out, "tp syscalls:/nonexistent/strcat"), 2u) << r.out;
  EXPECT_EQ(count_lines(r.out, "sc openat /nonexistent/strcat"), 2u) << r.out;
}

TEST(Strcat, UprobesAndUretprobes) {
  SONDE_REQUIRE_BPF();
  std::string lib = fixture("libsondeusdt.so");
  RunResult r = sonde({"-c", fixture("usdt_lib_app") + " 2", "-e",
                       "uprobe:" + lib + ":sondelib_square { printf(\"%s\\n\", strcat(func, \"(\", \")\")); }"
                       " uretprobe:" + lib + ":sondelib_square { printf(\"%s\\n\", strcat(\"ret \", func)); }"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(count_lines(r.out, "sondelib_square()"), 2u) << r.out;
  EXPECT_EQ(count_lines(r.out, "ret sondelib_square"), 2u) << r.out;
}

// sondetest:tick passes the string "tick" as arg2.
TEST(Strcat, UsdtStringArguments) {
  SONDE_REQUIRE_BPF();
  std::string app = fixture("usdt_app");
  RunResult r = sonde({"-c", app + " 3", "-e",
                       "usdt:" + app + ":sondetest:tick { printf(\"%s\\n\", strcat(str(arg2), \"-\", str(arg2))); }"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(count_lines(r.out, "tick-tick"), 3u) << r.out;
}

const char* kPhpClassAndFunction =
    "<?php\nclass Foo { function bar() { return plain(); } }\n"
    "function plain() { return 1; }\n"
    "(new Foo())->bar();\n";

// Runs `script` (a sonde script file's text) on kPhpClassAndFunction.
RunResult run_php(const std::string& stem, const std::string& script, std::vector<std::string> options = {}) {
  std::string php = temp_path(stem) + ".php";
  std::ofstream(php) << kPhpClassAndFunction;
  std::string path = temp_path(stem) + ".sonde";
  std::ofstream(path) << script;
  options.insert(options.end(), {"-c", "/usr/bin/php " + php, path});
  // Set for sonde, so that the command it starts inherits it.
  setenv("USE_ZEND_DTRACE", "1", 1);
  RunResult r = sonde(options);
  unsetenv("USE_ZEND_DTRACE");
  unlink(php.c_str());
  unlink(path.c_str());
  return r;
}

TEST(Strcat, PhpClassScopeAndFunction) {
  SONDE_REQUIRE_BPF();
  if (access("/usr/bin/php", X_OK) != 0) GTEST_SKIP() << "php is not installed";
  RunResult r = run_php("strcat-php",
                        "use php\n"
                        "php:function__entry { printf(\"%s\\n\", strcat(args.classname, args.scope, args.funcname)); }\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(count_lines(r.out, "Foo::bar"), 1u) << r.out;
  EXPECT_EQ(count_lines(r.out, "plain"), 1u) << r.out;
}

// A span field is evaluated at the span's open and read at its close.
TEST(Strcat, PhpSpanField) {
  SONDE_REQUIRE_BPF();
  if (access("/usr/bin/php", X_OK) != 0) GTEST_SKIP() << "php is not installed";
  RunResult r = run_php("strcat-span",
                        "use php\n"
                        "span call = php:function__entry .. php:function__return threshold:0ns\n"
                        "  { function = strcat(args.classname, args.scope, args.funcname) }\n",
                        {"-f", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> closed;  // innermost first
  for (const std::string& line : lines(r.out)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object() && j.value("type", "") == "record" && j.value("name", "") == "call")
      closed.push_back(j["data"]["function"]);
  }
  EXPECT_EQ(closed, (std::vector<std::string>{"plain", "Foo::bar", "main"})) << r.out;
}

}  // namespace
}  // namespace sonde::e2e
