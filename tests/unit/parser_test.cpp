// Parser tests: the golden corpus (tests/lang/corpus/*.bt, each with a
// *.bt.ast holding ast::dump of its parse) and targeted checks of the tree's
// shape, ranges and attach-point splitting.
//
// Regenerate the goldens after an intended change with
//   SONDE_UPDATE_GOLDEN=1 ./parser_test
// and review the diff.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "grammar/parse.h"

namespace sonde::grammar {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Parsed {
  ast::Context ctx;
  Diagnostics diags;
  bool ok = false;
  ast::Program& program() { return ctx.program; }
};

std::unique_ptr<Parsed> parse_text(const std::string& text) {
  auto p = std::make_unique<Parsed>();
  SourceFile file{"test.bt", text};
  p->ok = parse(file, p->ctx, p->diags);
  return p;
}

std::string diags_text(const Diagnostics& d) {
  std::string out;
  for (const auto& x : d.all())
    out += x.code + " " + std::to_string(x.range.begin.line) + ":" + std::to_string(x.range.begin.column) + " " +
           x.message + "\n";
  return out;
}

// ------------------------------------------------------------------ goldens

std::vector<std::string> corpus_files() {
  std::vector<std::string> names;
  fs::path dir = fs::path(SONDE_SOURCE_DIR) / "tests/lang/corpus";
  if (!fs::exists(dir)) return names;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.path().extension() == ".bt") names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

class CorpusTest : public ::testing::TestWithParam<std::string> {};

TEST_P(CorpusTest, ParsesAndMatchesGolden) {
  fs::path path = fs::path(SONDE_SOURCE_DIR) / "tests/lang/corpus" / GetParam();
  auto parsed = parse_text(read_file(path));
  ASSERT_TRUE(parsed->ok) << diags_text(parsed->diags);
  ASSERT_FALSE(parsed->program().probes.empty());
  std::string dump = ast::dump(parsed->program());

  fs::path golden = path;
  golden += ".ast";
  const char* update = std::getenv("SONDE_UPDATE_GOLDEN");
  if (update && std::string(update) == "1") {
    std::ofstream(golden, std::ios::binary) << dump;
    GTEST_SKIP() << "golden rewritten: " << golden;
  }
  ASSERT_TRUE(fs::exists(golden)) << "missing golden " << golden << " (run with SONDE_UPDATE_GOLDEN=1)";
  EXPECT_EQ(dump, read_file(golden));
}

INSTANTIATE_TEST_SUITE_P(Corpus, CorpusTest, ::testing::ValuesIn(corpus_files()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string n = info.param.substr(0, info.param.size() - 3);
                           for (char& c : n)
                             if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n;
                         });

TEST(Corpus, HasEnoughPrograms) { EXPECT_GE(corpus_files().size(), 40u); }

// ------------------------------------------------------------- attach points

TEST(AttachPoints, SplitsProviderAndParts) {
  auto p = parse_text(
      "t:syscalls:sys_enter_openat, uprobe:/lib/x.so:sym+4, U:/usr/bin/php:php:function__entry,"
      " usdt:/bin/a:probe, ur:/bin/b:f, i:s:1, p:hz:99, k:vfs_read, kr:vfs_read, s:faults:1,"
      " h:cache-misses:10, begin, end, BEGIN, Foo:x { }");
  ASSERT_TRUE(p->ok) << diags_text(p->diags);
  const auto& aps = p->program().probes.at(0)->attach_points;
  ASSERT_EQ(aps.size(), 15u);
  using V = std::vector<std::string>;
  EXPECT_EQ(aps[0].provider, "tracepoint");
  EXPECT_EQ(aps[0].parts, (V{"syscalls", "sys_enter_openat"}));
  EXPECT_EQ(aps[0].text, "t:syscalls:sys_enter_openat");
  EXPECT_EQ(aps[1].provider, "uprobe");
  EXPECT_EQ(aps[1].parts, (V{"/lib/x.so", "sym+4"}));
  EXPECT_EQ(aps[2].provider, "usdt");
  EXPECT_EQ(aps[2].parts, (V{"/usr/bin/php", "php", "function__entry"}));
  EXPECT_EQ(aps[3].parts, (V{"/bin/a", "probe"}));
  EXPECT_EQ(aps[4].provider, "uretprobe");
  EXPECT_EQ(aps[5].provider, "interval");
  EXPECT_EQ(aps[5].parts, (V{"s", "1"}));
  EXPECT_EQ(aps[6].provider, "profile");
  EXPECT_EQ(aps[7].provider, "kprobe");
  EXPECT_EQ(aps[8].provider, "kretprobe");
  EXPECT_EQ(aps[9].provider, "software");
  EXPECT_EQ(aps[10].provider, "hardware");
  EXPECT_EQ(aps[10].parts, (V{"cache-misses", "10"}));
  EXPECT_EQ(aps[11].provider, "BEGIN");
  EXPECT_TRUE(aps[11].parts.empty());
  EXPECT_EQ(aps[12].provider, "END");
  EXPECT_EQ(aps[13].provider, "BEGIN");
  EXPECT_EQ(aps[14].provider, "foo");  // unknown: lowercased, left to the checker
}

TEST(AttachPoints, RangeCoversTheTokenOnly) {
  auto p = parse_text("BEGIN { }\n  uprobe:/bin/sh:main /pid/ { }");
  ASSERT_TRUE(p->ok) << diags_text(p->diags);
  const auto& ap = p->program().probes.at(1)->attach_points.at(0);
  EXPECT_EQ(ap.range.begin.line, 2);
  EXPECT_EQ(ap.range.begin.column, 3);
  EXPECT_EQ(ap.range.end.column, 21);
}

TEST(AttachPoints, PredicateWithoutSpaceAfterSymbol) {
  auto p = parse_text("u:/bin/bash:readline/pid == 1/{ }");
  ASSERT_TRUE(p->ok) << diags_text(p->diags);
  auto* probe = p->program().probes.at(0);
  EXPECT_EQ(probe->attach_points.at(0).parts, (std::vector<std::string>{"/bin/bash", "readline"}));
  ASSERT_NE(probe->predicate, nullptr);
  EXPECT_EQ(probe->predicate->kind, ast::ExprKind::Binary);
}

// ------------------------------------------------------------ tree shape

TEST(Shape, ProbeIndicesAndRanges) {
  auto p = parse_text("BEGIN { @a = 1; }\nEND {\n  exit();\n}\n");
  ASSERT_TRUE(p->ok);
  ASSERT_EQ(p->program().probes.size(), 2u);
  EXPECT_EQ(p->program().probes[0]->index, 0);
  EXPECT_EQ(p->program().probes[1]->index, 1);
  SourceRange r = p->program().probes[1]->range;
  EXPECT_EQ(r.begin.line, 2);
  EXPECT_EQ(r.begin.column, 1);
  EXPECT_EQ(r.end.line, 4);
  EXPECT_EQ(r.end.column, 1);
}

TEST(Shape, ExpressionRangeIsFirstToLastToken) {
  auto p = parse_text("BEGIN { $x = 1 + foo(2, 3) * 4; }");
  ASSERT_TRUE(p->ok);
  auto* assign = static_cast<ast::Assign*>(p->program().probes[0]->body->stmts.at(0));
  EXPECT_EQ(assign->range.begin.column, 9);
  EXPECT_EQ(assign->range.end.column, 30);
  EXPECT_EQ(assign->value->range.begin.column, 14);
  EXPECT_EQ(assign->value->range.end.column, 30);
}

TEST(Shape, CompoundAssignIsDesugaredWithAClone) {
  auto p = parse_text("BEGIN { @m[pid, 1] <<= 3 }");
  ASSERT_TRUE(p->ok);
  auto* assign = static_cast<ast::Assign*>(p->program().probes[0]->body->stmts.at(0));
  EXPECT_TRUE(assign->compound);
  ASSERT_EQ(assign->value->kind, ast::ExprKind::Binary);
  auto* bin = static_cast<ast::Binary*>(assign->value);
  EXPECT_EQ(bin->op, ast::BinaryOp::Shl);
  EXPECT_NE(bin->lhs, assign->target);  // single-parented nodes
  ASSERT_EQ(bin->lhs->kind, ast::ExprKind::MapAccess);
  EXPECT_EQ(static_cast<ast::MapAccess*>(bin->lhs)->keys.size(), 2u);
}

TEST(Shape, PrecedenceAndAssociativity) {
  auto p = parse_text("BEGIN { $x = 1 - 2 - 3 * 4; $y = 1 ? 2 : 3 ? 4 : 5; $z = -(int8)!$x; }");
  ASSERT_TRUE(p->ok) << diags_text(p->diags);
  EXPECT_EQ(ast::dump(p->program()),
            "probe\n  attach BEGIN\n"
            "  assign\n    variable $x\n    binary -\n      binary -\n        int 1\n        int 2\n"
            "      binary *\n        int 3\n        int 4\n"
            "  assign\n    variable $y\n    ternary\n      int 1\n      int 2\n      ternary\n"
            "        int 3\n        int 4\n        int 5\n"
            "  assign\n    variable $z\n    unary -\n      cast int8\n        unary !\n          variable $x\n");
}

TEST(Shape, CallsBuiltinsFieldsAndParams) {
  auto p = parse_text("BEGIN { printf(\"%d\", args->a.b, pid, $3, $#, @, @x[1]) }");
  ASSERT_TRUE(p->ok) << diags_text(p->diags);
  auto* call = static_cast<ast::Call*>(static_cast<ast::ExprStmt*>(p->program().probes[0]->body->stmts[0])->expr);
  ASSERT_EQ(call->args.size(), 7u);
  auto* field = static_cast<ast::FieldAccess*>(call->args[1]);
  EXPECT_EQ(field->field, "b");
  EXPECT_EQ(static_cast<ast::FieldAccess*>(field->base)->field, "a");
  EXPECT_EQ(call->args[2]->kind, ast::ExprKind::Builtin);
  EXPECT_EQ(static_cast<ast::PositionalParam*>(call->args[3])->index, 3);
  EXPECT_EQ(call->args[4]->kind, ast::ExprKind::ParamCount);
  EXPECT_EQ(static_cast<ast::MapAccess*>(call->args[5])->name, "@");
}

TEST(Shape, IncrementsAndDecrements) {
  auto p = parse_text("BEGIN { $i++; ++$i; @m[1]--; --@n }");
  ASSERT_TRUE(p->ok);
  const auto& stmts = p->program().probes[0]->body->stmts;
  ast::UnaryOp expected[] = {ast::UnaryOp::PostInc, ast::UnaryOp::PreInc, ast::UnaryOp::PostDec,
                             ast::UnaryOp::PreDec};
  ASSERT_EQ(stmts.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    auto* u = static_cast<ast::Unary*>(static_cast<ast::ExprStmt*>(stmts[i])->expr);
    EXPECT_EQ(u->op, expected[i]) << i;
  }
}

TEST(Shape, ElseIfIsAnElseBlockHoldingOneIf) {
  auto p = parse_text("BEGIN { if (1) { } else if (2) { } else { @x = 1 } }");
  ASSERT_TRUE(p->ok);
  auto* outer = static_cast<ast::If*>(p->program().probes[0]->body->stmts.at(0));
  ASSERT_NE(outer->else_block, nullptr);
  ASSERT_EQ(outer->else_block->stmts.size(), 1u);
  ASSERT_EQ(outer->else_block->stmts[0]->kind, ast::StmtKind::If);
  auto* inner = static_cast<ast::If*>(outer->else_block->stmts[0]);
  ASSERT_NE(inner->else_block, nullptr);
  EXPECT_EQ(inner->else_block->stmts.size(), 1u);
}

TEST(Shape, DivisionInsidePredicate) {
  auto p = parse_text("BEGIN /nsecs / 2 > 1/ { }");
  ASSERT_TRUE(p->ok) << diags_text(p->diags);
  auto* pred = static_cast<ast::Binary*>(p->program().probes[0]->predicate);
  EXPECT_EQ(pred->op, ast::BinaryOp::Gt);
  EXPECT_EQ(static_cast<ast::Binary*>(pred->lhs)->op, ast::BinaryOp::Div);
}

TEST(Shape, CommentsMayFollowThePredicate) {
  auto p = parse_text("BEGIN /pid / 2/ // why\n/* and */ { }");
  ASSERT_TRUE(p->ok) << diags_text(p->diags);
  ASSERT_NE(p->program().probes.at(0)->predicate, nullptr);
  EXPECT_EQ(static_cast<ast::Binary*>(p->program().probes[0]->predicate)->op, ast::BinaryOp::Div);
}

TEST(Shape, EmptyProgramIsValid) {
  auto p = parse_text("  // nothing\n/* at all */\n");
  EXPECT_TRUE(p->ok);
  EXPECT_TRUE(p->program().probes.empty());
}

// ---------------------------------------------------------------- speed

TEST(Speed, ThousandLineScriptParsesQuickly) {
  std::string text;
  for (int i = 0; i < 100; ++i) {
    text += "tracepoint:syscalls:sys_enter_read /pid == " + std::to_string(i) + " && comm != \"x\"/ {\n";
    for (int j = 0; j < 8; ++j)
      text += "  @m" + std::to_string(j) + "[pid, comm] = count(); $x = ($x + " + std::to_string(j) +
              ") * 2 % 7;\n";
    text += "}\n";
  }
  auto start = std::chrono::steady_clock::now();
  auto p = parse_text(text);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  ASSERT_TRUE(p->ok);
  EXPECT_EQ(p->program().probes.size(), 100u);
  EXPECT_LT(ms.count(), 2000) << "1,000 lines took " << ms.count() << " ms";
}

}  // namespace
}  // namespace sonde::grammar
