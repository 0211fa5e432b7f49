// Shared by the check_*_test.cpp files: parse + check one script.
#pragma once
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compiler/check.h"
#include "grammar/parse.h"

namespace sonde::testing {

struct Run {
  SourceFile file;
  ast::Context ctx;
  Diagnostics diags;
  bool parsed = false;
  std::optional<compiler::CheckedProgram> checked;

  std::string rendered() const { return render_all(diags, file); }
  bool has(const std::string& code, int line, int column) const {
    for (const auto& d : diags.all())
      if (d.code == code && d.range.begin.line == line && d.range.begin.column == column) return true;
    return false;
  }
  const compiler::MapInfo* map(const std::string& name) const {
    if (!checked) return nullptr;
    auto it = checked->maps.find(name);
    return it == checked->maps.end() ? nullptr : &it->second;
  }
};

inline std::unique_ptr<Run> run_check(const std::string& text, std::vector<std::string> params = {}) {
  auto r = std::make_unique<Run>();
  r->file = {"test.bt", text};
  r->parsed = grammar::parse(r->file, r->ctx, r->diags);
  if (r->parsed) {
    compiler::CheckOptions options;
    options.params = std::move(params);
    r->checked = compiler::check(r->ctx.program, options, r->diags);
  }
  return r;
}

// Tracepoint scripts read tracefs, which needs root: skip, or fail when the
// run demands kernel tests (SONDE_REQUIRE_BPF=1).
#define SONDE_REQUIRE_TRACEFS()                                              \
  do {                                                                       \
    if (geteuid() != 0) {                                                    \
      const char* req = std::getenv("SONDE_REQUIRE_BPF");                    \
      if (req && std::string(req) == "1") FAIL() << "needs root (tracefs)";  \
      GTEST_SKIP() << "needs root (tracefs)";                                \
    }                                                                        \
  } while (0)

// Asserts exactly one error, with this code, starting at line:column.
#define EXPECT_ONE_ERROR(run, code, line, column)                                    \
  do {                                                                               \
    EXPECT_EQ((run)->diags.error_count(), 1) << (run)->rendered();                   \
    EXPECT_TRUE((run)->has(code, line, column)) << "want " << code << " @" << line   \
                                                << ":" << column << "\n"             \
                                                << (run)->rendered();                \
    EXPECT_FALSE((run)->checked.has_value());                                        \
  } while (0)

#define EXPECT_CLEAN(run)                                                      \
  do {                                                                         \
    EXPECT_TRUE((run)->parsed) << (run)->rendered();                           \
    EXPECT_TRUE((run)->checked.has_value()) << (run)->rendered();              \
    EXPECT_EQ((run)->diags.error_count(), 0) << (run)->rendered();             \
  } while (0)

}  // namespace sonde::testing
