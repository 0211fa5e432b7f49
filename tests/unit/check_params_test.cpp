// Positional parameters at compile time (compiler/lower_params.cpp): probes
// switched off by constant predicates, parameters in attach points, printf
// formats from parameters. Run as the pipeline does: parse → lower → check.
#include <gtest/gtest.h>

#include "check_helpers.h"
#include "compiler/lower.h"

namespace sonde::testing {
namespace {

struct Lowered : Run {
  bool lowered = false;
  std::vector<std::string> attach_texts() const {
    std::vector<std::string> out;
    for (const ast::Probe* p : ctx.program.probes)
      for (const auto& ap : p->attach_points) out.push_back(ap.provider + "|" + ap.text);
    return out;
  }
};

std::unique_ptr<Lowered> lower(const std::string& text, std::vector<std::string> params) {
  auto r = std::make_unique<Lowered>();
  r->file = {"test.sonde", text};
  r->parsed = grammar::parse(r->file, r->ctx, r->diags);
  if (!r->parsed) return r;
  compiler::LowerOptions options;
  options.parse = grammar::parse;
  options.params = params;
  r->lowered = compiler::lower_declarative(r->ctx, options, r->diags);
  compiler::CheckOptions check_options;
  check_options.params = params;
  if (r->lowered) r->checked = compiler::check(r->ctx.program, check_options, r->diags);
  return r;
}

TEST(CheckParams, ProbeWithAConstantFalsePredicateIsLeftOut) {
  const char* script =
      "BEGIN { printf(\"%d\\n\", $1); }\n"
      "interval:s:$1 /$1 > 0/ { exit(); }\n"
      "interval:s:1 /$2 != \"\" && pid == 1/ { exit(); }\n";
  auto off = lower(script, {"0", ""});
  EXPECT_CLEAN(off);
  EXPECT_EQ(off->attach_texts(), std::vector<std::string>{"BEGIN|BEGIN"});

  auto on = lower(script, {"2", "x"});
  EXPECT_CLEAN(on);
  EXPECT_EQ(on->attach_texts(),
            (std::vector<std::string>{"BEGIN|BEGIN", "interval|interval:s:2", "interval|interval:s:1"}));
}

TEST(CheckParams, RunTimeTermsKeepTheProbeUnlessAnotherSideIsFalse) {
  // `pid == 1 && $1` is false whatever pid is; `pid == 1 || $1` is not.
  auto r = lower("tracepoint:syscalls:sys_enter_getppid /pid == 1 && $1/ { }\n"
                 "BEGIN /pid == 1 || $1/ { }\n",
                 {"0"});
  ASSERT_TRUE(r->lowered) << r->rendered();
  EXPECT_EQ(r->attach_texts(), std::vector<std::string>{"BEGIN|BEGIN"});
}

TEST(CheckParams, ParameterNamesAWholeProbeOrAPart) {
  auto r = lower("$1 { @[probe] = count(); }\nuprobe:c:$2 { }\n", {"t:sched:sched_switch,BEGIN", "malloc"});
  ASSERT_TRUE(r->lowered) << r->rendered();
  EXPECT_EQ(r->attach_texts(), (std::vector<std::string>{"tracepoint|t:sched:sched_switch", "BEGIN|BEGIN",
                                                         "uprobe|uprobe:c:malloc"}));
}

TEST(CheckParams, MissingOrBadParameterInAnAttachPointIsAnError) {
  auto missing = lower("BEGIN { }\nuprobe:c:$3 { }\n", {"a"});
  ASSERT_EQ(missing->diags.error_count(), 1) << missing->rendered();
  EXPECT_EQ(missing->diags.all()[0].code, "E-missing-param");
  EXPECT_EQ(missing->diags.all()[0].range.begin.line, 2);

  auto bad = lower("$1 { }\n", {"not an { attach point"});
  ASSERT_EQ(bad->diags.error_count(), 1) << bad->rendered();
  EXPECT_EQ(bad->diags.all()[0].code, "E-param-attach");
}

TEST(CheckParams, PrintfFormatFromParametersIsCheckedLikeALiteral) {
  auto good = lower("BEGIN { printf(strcat(\"%d \", $1 == \"\" ? \"%d\" : $1, \"\\n\"), 1, 2); }", {"<%x>"});
  EXPECT_CLEAN(good);
  auto wrong = lower("BEGIN { printf($1, 1); }", {"%s %s"});
  ASSERT_GE(wrong->diags.error_count(), 1) << wrong->rendered();
  EXPECT_EQ(wrong->diags.all()[0].code, "E-printf");
}

TEST(CheckParams, FieldNamedByAParameter) {
  auto good = lower("tracepoint:syscalls:sys_exit_read { @[args.$1] = count(); }", {"ret"});
  ASSERT_TRUE(good->lowered) << good->rendered();
  std::string dump = ast::dump(good->ctx.program);
  EXPECT_NE(dump.find("ret"), std::string::npos) << dump;
  EXPECT_EQ(dump.find("$1"), std::string::npos) << dump;

  auto bad = lower("tracepoint:syscalls:sys_exit_read { @[args.$1] = count(); }", {"a-b"});
  ASSERT_EQ(bad->diags.error_count(), 1) << bad->rendered();
  EXPECT_EQ(bad->diags.all()[0].code, "E-param-field");
}

}  // namespace
}  // namespace sonde::testing
