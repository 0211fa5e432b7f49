// Literal decoding (grammar/literals.h) and the scanner's use of it.
#include <gtest/gtest.h>

#include "grammar/literals.h"
#include "grammar/parse.h"

namespace sonde::grammar {
namespace {

TEST(DecodeInt, Forms) {
  EXPECT_EQ(decode_int("0").value, 0u);
  EXPECT_EQ(decode_int("42").value, 42u);
  EXPECT_EQ(decode_int("1_000_000").value, 1000000u);
  EXPECT_EQ(decode_int("0x1f").value, 31u);
  EXPECT_EQ(decode_int("0XFF").value, 255u);
  EXPECT_EQ(decode_int("010").value, 8u);
  EXPECT_EQ(decode_int("1e3").value, 1000u);
  EXPECT_EQ(decode_int("18446744073709551615").value, 18446744073709551615ull);
  EXPECT_TRUE(decode_int("18446744073709551615").error.empty());
}

TEST(DecodeInt, Errors) {
  EXPECT_FALSE(decode_int("10k").error.empty());
  EXPECT_FALSE(decode_int("08").error.empty());
  EXPECT_FALSE(decode_int("0x").error.empty());
  EXPECT_FALSE(decode_int("0xg1").error.empty());
  EXPECT_FALSE(decode_int("18446744073709551616").error.empty());
  EXPECT_FALSE(decode_int("1e20").error.empty());
  EXPECT_FALSE(decode_int("1e").error.empty());
}

TEST(DecodeString, Escapes) {
  auto r = decode_string(R"(a\n\t\r\\\"\'\x41\101\0z)");
  EXPECT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(r.value, std::string("a\n\t\r\\\"'AA") + std::string(1, '\0') + "z");
}

TEST(DecodeString, Errors) {
  EXPECT_FALSE(decode_string(R"(\q)").error.empty());
  EXPECT_FALSE(decode_string(R"(\x)").error.empty());
  EXPECT_FALSE(decode_string(R"(\777)").error.empty());
  EXPECT_FALSE(decode_string("\\").error.empty());
}

TEST(DecodeChar, OneByte) {
  EXPECT_EQ(decode_char("a").value, 97u);
  EXPECT_EQ(decode_char("\\n").value, 10u);
  EXPECT_EQ(decode_char("\\xff").value, 255u);
  EXPECT_FALSE(decode_char("ab").error.empty());
  EXPECT_FALSE(decode_char("").error.empty());
}

TEST(Scanner, StringLiteralIsDecodedInTheTree) {
  ast::Context ctx;
  Diagnostics diags;
  ASSERT_TRUE(parse({"t", "BEGIN { printf(\"x\\ty\\\\\") }"}, ctx, diags));
  auto* stmt = static_cast<ast::ExprStmt*>(ctx.program.probes[0]->body->stmts[0]);
  auto* call = static_cast<ast::Call*>(stmt->expr);
  EXPECT_EQ(static_cast<ast::StringLiteral*>(call->args[0])->value, "x\ty\\");
}

}  // namespace
}  // namespace sonde::grammar
