// Malformed scripts: each must produce a diagnostic with the expected code at
// the expected line:column (the offending token), and never crash.
#include <gtest/gtest.h>

#include "grammar/parse.h"

namespace sonde::grammar {
namespace {

struct ErrorCase {
  const char* name;
  const char* text;
  const char* code;  // of the first diagnostic
  int line;
  int column;
  const char* message_part = "";  // a fragment the message must contain
};

std::string all_diags(const Diagnostics& d) {
  std::string out;
  for (const auto& x : d.all())
    out += x.code + " " + std::to_string(x.range.begin.line) + ":" + std::to_string(x.range.begin.column) + " " +
           x.message + "\n";
  return out;
}

class ErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(ErrorTest, ReportsCodeAndPosition) {
  const ErrorCase& c = GetParam();
  ast::Context ctx;
  Diagnostics diags;
  EXPECT_FALSE(parse({"bad.bt", c.text}, ctx, diags));
  ASSERT_TRUE(diags.has_errors());
  const Diagnostic& first = diags.all().front();
  EXPECT_EQ(first.code, c.code) << all_diags(diags);
  EXPECT_EQ(first.range.begin.line, c.line) << all_diags(diags);
  EXPECT_EQ(first.range.begin.column, c.column) << all_diags(diags);
  EXPECT_NE(first.message.find(c.message_part), std::string::npos) << all_diags(diags);
}

const ErrorCase kCases[] = {
    {"MissingExpression", "BEGIN { $x = ; }", "E-parse", 1, 14, "unexpected `;`, expected expression"},
    {"MissingSemicolon", "BEGIN { @x = 1 @y = 2; }", "E-parse", 1, 16, "unexpected map"},
    {"UnclosedCall", "BEGIN {\n  exit( }", "E-parse", 2, 9, "expected `)`"},
    {"UnclosedBody", "BEGIN {\n  @x = 1;\n", "E-parse", 3, 1, "unexpected end of file"},
    {"StrayCloseBrace", "BEGIN { }\n}", "E-parse", 2, 1, "unexpected `}`"},
    {"EmptyAttachAfterComma", "BEGIN, { }", "E-parse", 1, 8, "expected attach point"},
    {"LeadingComma", ", BEGIN { }", "E-parse", 1, 1, "unexpected `,`"},
    {"MissingBody", "BEGIN\nEND { }", "E-parse", 2, 1, "unexpected attach point"},
    {"IfWithoutParens", "BEGIN { if 1 { } }", "E-parse", 1, 12, "expected `(`"},
    {"ElseWithoutBlock", "BEGIN { if (1) { } else @x = 1; }", "E-parse", 1, 25, "unexpected map"},
    {"UnrollWithoutBlock", "BEGIN { unroll (2) @x = 1; }", "E-parse", 1, 20, "expected `{`"},
    {"AssignToBuiltin", "BEGIN { pid = 1; }", "E-parse", 1, 13, "unexpected `=`"},
    {"EmptyMapKey", "BEGIN { @x[] = 1; }", "E-parse", 1, 12, "unexpected `]`"},
    {"TrailingCommaInCall", "BEGIN { print(1, ) }", "E-parse", 1, 18, "unexpected `)`"},
    {"CastWithoutOperand", "BEGIN { $x = (uint8); }", "E-parse", 1, 21, "unexpected `;`"},
    {"UnclosedPredicate", "BEGIN /pid == 1 { }", "E-parse", 1, 17, "unexpected `{`"},
    {"TernaryWithoutColon", "BEGIN { $x = 1 ? 2 ; }", "E-parse", 1, 20, "expected `:` or an operator"},
    {"DoubleOperator", "BEGIN { $x = 1 * * 2; }", "E-parse", 1, 18, "expected expression"},
    {"ReservedInBody", "BEGIN { syscalls x; }", "E-reserved", 1, 9, "`syscalls` is a declaration keyword"},
    {"ReservedAtTopLevel", "emit x { }\nBEGIN { }", "E-reserved", 1, 1, "`emit` is a statement"},
    {"EmitNeedsFields", "BEGIN { emit(1); }", "E-parse", 1, 13, "unexpected `(`"},
    {"ProviderInBody", "BEGIN { provider php { } }", "E-reserved", 1, 9, "`provider`"},
    {"BadCharacter", "BEGIN { $x = 1 # comment\n }", "E-lex", 1, 16, "invalid character `#`"},
    {"Backtick", "BEGIN {\n\t`x` }", "E-lex", 2, 2, "invalid character"},
    {"UnterminatedString", "BEGIN { printf(\"abc); }", "E-lex", 1, 16, "unterminated string"},
    {"UnterminatedComment", "BEGIN { } /* never closed", "E-lex", 1, 11, "unterminated comment"},
    {"BadEscape", "BEGIN { printf(\"\\q\"); }", "E-lex", 1, 16, "unknown escape"},
    {"BadNumberSuffix", "BEGIN { $x = 10k; }", "E-lex", 1, 14, "invalid digit `k`"},
    {"NumberTooLarge", "BEGIN { $x = 99999999999999999999; }", "E-lex", 1, 14, "too large"},
    {"BadOctal", "BEGIN { $x = 09; }", "E-lex", 1, 14, "invalid digit `9`"},
    {"LongCharLiteral", "BEGIN { $x = 'ab'; }", "E-lex", 1, 14, "exactly one character"},
    {"NonAscii", "BEGIN { $x = \xc3\xa9; }", "E-lex", 1, 14, "non-ASCII"},
    {"TooDeep", "BEGIN { $x = ((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((("
                "((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((("
                "((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((("
                "(((((((((((((((1; }",
     "E-parse", 1, 269, "nesting is too deep"},
};

INSTANTIATE_TEST_SUITE_P(Malformed, ErrorTest, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<ErrorCase>& info) { return info.param.name; });

TEST(ErrorRecovery, ReportsSeveralErrorsPerRun) {
  ast::Context ctx;
  Diagnostics diags;
  const char* text =
      "BEGIN { $x = ; @y = 1; }\n"
      "END { @z = 1 + ; }\n"
      "tracepoint:a:b { if (1 { } }\n"
      "interval:s:1 { exit(); }\n";
  EXPECT_FALSE(parse({"multi.bt", text}, ctx, diags));
  ASSERT_GE(diags.error_count(), 3) << all_diags(diags);
  EXPECT_EQ(diags.all()[0].range.begin.line, 1);
  EXPECT_EQ(diags.all()[1].range.begin.line, 2);
  EXPECT_EQ(diags.all()[2].range.begin.line, 3);
  // The probes around the errors are still built.
  bool saw_interval = false;
  for (auto* p : ctx.program.probes) saw_interval |= p->attach_points.at(0).provider == "interval";
  EXPECT_TRUE(saw_interval);
}

TEST(ErrorRecovery, LexErrorsDoNotStopTheParse) {
  ast::Context ctx;
  Diagnostics diags;
  EXPECT_FALSE(parse({"lex.bt", "BEGIN { $a = 1 ` ; }\nEND { $b = 1 ` ; }"}, ctx, diags));
  // The bad characters are skipped, so the rest of each line parses cleanly.
  ASSERT_EQ(diags.error_count(), 2) << all_diags(diags);
  EXPECT_EQ(diags.all()[0].code, "E-lex");
  EXPECT_EQ(diags.all()[1].code, "E-lex");
  EXPECT_EQ(diags.all()[1].range.begin.line, 2);
  EXPECT_EQ(diags.all()[1].range.begin.column, 14);
  EXPECT_EQ(ctx.program.probes.size(), 2u);
}

TEST(ErrorRecovery, ErrorRangeIsTheOffendingToken) {
  ast::Context ctx;
  Diagnostics diags;
  EXPECT_FALSE(parse({"r.bt", "BEGIN { @x = 1 hello; }"}, ctx, diags));
  ASSERT_FALSE(diags.all().empty());
  SourceRange r = diags.all()[0].range;
  EXPECT_EQ(r.begin.column, 16);
  EXPECT_EQ(r.end.column, 20);
}

}  // namespace
}  // namespace sonde::grammar
