// Runs every tests/lang/errors/*.bt through the parser and the checker and
// compares the reported errors (code, line, column) with the file's
//   // expect error E-code @line:col
// comments. A file without expectations must check cleanly. Adding a case
// needs no C++: drop a .bt file in the folder.
//
// The scripts use tracepoints, so the checker reads tracefs: these are
// kernel tests (skipped when not root unless SONDE_REQUIRE_BPF=1).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "compiler/check.h"
#include "grammar/parse.h"

namespace sonde {
namespace {

namespace fs = std::filesystem;

struct Expected {
  std::string code;
  int line = 0;
  int column = 0;
  bool operator<(const Expected& o) const {
    return std::tie(line, column, code) < std::tie(o.line, o.column, o.code);
  }
  bool operator==(const Expected& o) const {
    return code == o.code && line == o.line && column == o.column;
  }
};

std::string describe(const std::vector<Expected>& list) {
  std::string out;
  for (const auto& e : list) out += "  " + e.code + " @" + std::to_string(e.line) + ":" + std::to_string(e.column) + "\n";
  return out.empty() ? "  (none)\n" : out;
}

// Finds every "// expect error E-code @line:col" in the text.
std::vector<Expected> expectations(const std::string& text) {
  const std::string marker = "// expect error ";
  std::vector<Expected> out;
  for (size_t at = text.find(marker); at != std::string::npos; at = text.find(marker, at + 1)) {
    std::istringstream rest(text.substr(at + marker.size(), text.find('\n', at) - at - marker.size()));
    Expected e;
    char at_sign = 0, colon = 0;
    if (rest >> e.code >> at_sign >> e.line >> colon >> e.column && at_sign == '@' && colon == ':')
      out.push_back(e);
    else
      ADD_FAILURE() << "malformed expectation: " << text.substr(at, text.find('\n', at) - at);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<fs::path> script_files() {
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(fs::path(SONDE_SOURCE_DIR) / "tests/lang/errors"))
    if (entry.path().extension() == ".bt") out.push_back(entry.path());
  std::sort(out.begin(), out.end());
  return out;
}

class LangErrors : public ::testing::TestWithParam<fs::path> {};

TEST_P(LangErrors, ReportsExactlyTheExpectedErrors) {
  if (geteuid() != 0) {
    if (getenv("SONDE_REQUIRE_BPF") && std::string(getenv("SONDE_REQUIRE_BPF")) == "1")
      FAIL() << "needs root (tracefs)";
    GTEST_SKIP() << "needs root (tracefs)";
  }
  std::ifstream in(GetParam());
  std::ostringstream text;
  text << in.rdbuf();
  SourceFile file{GetParam().filename().string(), text.str()};

  ast::Context ctx;
  Diagnostics diags;
  if (grammar::parse(file, ctx, diags)) {
    compiler::CheckOptions options;
    options.params = {"42"};  // $1 exists; $2 does not
    compiler::check(ctx.program, options, diags);
  }
  std::vector<Expected> got;
  for (const auto& d : diags.all())
    if (d.severity == Severity::Error) got.push_back({d.code, d.range.begin.line, d.range.begin.column});
  std::sort(got.begin(), got.end());
  std::vector<Expected> want = expectations(file.text);
  EXPECT_EQ(got, want) << "expected:\n" << describe(want) << "got:\n" << describe(got) << "\n"
                       << render_all(diags, file);
}

INSTANTIATE_TEST_SUITE_P(Scripts, LangErrors, ::testing::ValuesIn(script_files()),
                         [](const ::testing::TestParamInfo<fs::path>& info) {
                           std::string name = info.param.stem().string();
                           std::replace_if(name.begin(), name.end(), [](char c) { return !isalnum(c); }, '_');
                           return name;
                         });

TEST(LangErrors, HasEnoughCases) { EXPECT_GE(script_files().size(), 20u); }

}  // namespace
}  // namespace sonde
