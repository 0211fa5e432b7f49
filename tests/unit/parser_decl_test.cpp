// Parser tests of the declarative layer's syntax: `use`, `provider`,
// `syscalls`, `span`, `within` and `emit` (docs/language.md, "Declarative
// layer"). The parser only records declarations; lowering is tested in
// check_decl_test.cpp.
#include <gtest/gtest.h>

#include <memory>

#include "grammar/parse.h"

namespace sonde::grammar {
namespace {

struct Parsed {
  ast::Context ctx;
  Diagnostics diags;
  bool ok = false;
  ast::Program& program() { return ctx.program; }
  std::string first_code() const { return diags.all().empty() ? "" : diags.all()[0].code; }
  std::string first_message() const { return diags.all().empty() ? "" : diags.all()[0].message; }
};

std::unique_ptr<Parsed> parse_text(const std::string& text) {
  auto p = std::make_unique<Parsed>();
  SourceFile file{"test.sonde", text};
  p->ok = parse(file, p->ctx, p->diags);
  return p;
}

TEST(ParserDecl, UseByNameAndByPath) {
  auto p = parse_text("use php\nuse \"lib/net.sonde\";\nBEGIN { }");
  ASSERT_TRUE(p->ok) << p->first_message();
  ASSERT_EQ(p->program().uses.size(), 2u);
  EXPECT_EQ(p->program().uses[0].name, "php");
  EXPECT_FALSE(p->program().uses[0].is_path);
  EXPECT_EQ(p->program().uses[1].name, "lib/net.sonde");
  EXPECT_TRUE(p->program().uses[1].is_path);
  EXPECT_EQ(p->program().probes.size(), 1u);
}

TEST(ParserDecl, SyscallSetThenProbeWithoutSeparator) {
  auto p = parse_text("syscalls net = socket, connect,\n  accept4\nsyscall:net { }");
  ASSERT_TRUE(p->ok) << p->first_message();
  ASSERT_EQ(p->program().syscall_sets.size(), 1u);
  const auto& set = p->program().syscall_sets[0];
  EXPECT_EQ(set.name, "net");
  EXPECT_EQ(set.syscalls, (std::vector<std::string>{"socket", "connect", "accept4"}));
  ASSERT_EQ(p->program().probes.size(), 1u);
  EXPECT_EQ(p->program().probes[0]->attach_points[0].provider, "syscall");
  EXPECT_EQ(p->program().probes[0]->attach_points[0].parts, std::vector<std::string>{"net"});
}

TEST(ParserDecl, ProviderWithPathsAndTypedProbes) {
  auto p = parse_text(
      "provider php {\n"
      "  paths = \"/usr/bin/php*\", \"/usr/lib/libphp*.so\";\n"
      "  probe function__entry(funcname: str, lineno: int, n: u32);\n"
      "  probe exception__caught(classname: str + 24)\n"
      "  probe none()\n"
      "}\n");
  ASSERT_TRUE(p->ok) << p->first_message();
  ASSERT_EQ(p->program().providers.size(), 1u);
  const auto& prov = p->program().providers[0];
  EXPECT_EQ(prov.name, "php");
  EXPECT_EQ(prov.paths, (std::vector<std::string>{"/usr/bin/php*", "/usr/lib/libphp*.so"}));
  ASSERT_EQ(prov.probes.size(), 3u);
  ASSERT_EQ(prov.probes[0].args.size(), 3u);
  EXPECT_EQ(prov.probes[0].args[1].name, "lineno");
  EXPECT_EQ(prov.probes[0].args[1].type, "int");
  EXPECT_EQ(prov.probes[0].args[2].type, "u32");
  EXPECT_EQ(prov.probes[1].args[0].type, "str");
  EXPECT_EQ(prov.probes[1].args[0].str_offset, 24u);
  EXPECT_TRUE(prov.probes[2].args.empty());
}

TEST(ParserDecl, ProviderRejectsUnknownItem) {
  auto p = parse_text("provider x { path = \"/bin/x\"; }");
  EXPECT_FALSE(p->ok);
  EXPECT_EQ(p->first_code(), "E-parse");
  EXPECT_NE(p->first_message().find("`path`"), std::string::npos);
}

TEST(ParserDecl, SpanWithOptionsAndFields) {
  auto p = parse_text(
      "span call = php:function__entry .. php:function__return\n"
      "  { function = str(args.funcname), line: fd = args.lineno, }\n"
      "span request = php:request__startup .. php:request__shutdown reset { }\n");
  ASSERT_TRUE(p->ok) << p->first_message();
  ASSERT_EQ(p->program().spans.size(), 2u);
  const auto& call = p->program().spans[0];
  EXPECT_EQ(call.open.provider, "php");
  EXPECT_EQ(call.open.parts, std::vector<std::string>{"function__entry"});
  EXPECT_EQ(call.close.parts, std::vector<std::string>{"function__return"});
  ASSERT_EQ(call.fields.size(), 2u);
  EXPECT_EQ(call.fields[1].name, "line");
  EXPECT_EQ(call.fields[1].unit, "fd");
  EXPECT_EQ(call.values[0]->kind, ast::ExprKind::Call);
  EXPECT_EQ(p->program().spans[1].options, std::vector<std::string>{"reset"});
}

TEST(ParserDecl, WithinFilterBeforePredicate) {
  auto p = parse_text("syscall:net, syscall:file within call /pid == 1/ { }");
  ASSERT_TRUE(p->ok) << p->first_message();
  const ast::Probe& probe = *p->program().probes[0];
  EXPECT_EQ(probe.attach_points.size(), 2u);
  EXPECT_EQ(probe.within, "call");
  EXPECT_EQ(probe.within_range.begin.column, 27);  // `within call`
  EXPECT_NE(probe.predicate, nullptr);
}

TEST(ParserDecl, EmitIsACallWithNamedFields) {
  auto p = parse_text("BEGIN { emit io { fd = 3, latency: duration = nsecs, name = \"x\" } @n = 1; }");
  ASSERT_TRUE(p->ok) << p->first_message();
  const auto& stmts = p->program().probes[0]->body->stmts;
  ASSERT_EQ(stmts.size(), 2u);  // emit needs no `;`
  auto* stmt = static_cast<ast::ExprStmt*>(stmts[0]);
  auto* emit = dynamic_cast<ast::EmitCall*>(stmt->expr);
  ASSERT_NE(emit, nullptr);
  EXPECT_EQ(emit->name, "emit");
  EXPECT_EQ(emit->record, "io");
  ASSERT_EQ(emit->fields.size(), 3u);
  ASSERT_EQ(emit->args.size(), 4u);  // the record name, then the values
  EXPECT_EQ(static_cast<ast::StringLiteral*>(emit->args[0])->value, "io");
  EXPECT_EQ(emit->fields[1].unit, "duration");
  EXPECT_EQ(emit->args[3]->kind, ast::ExprKind::StringLiteral);
  EXPECT_NE(ast::dump(p->program()).find("call emit io (fd, latency:duration, name)"), std::string::npos);
}

TEST(ParserDecl, SpanIsABuiltinInsideBodies) {
  auto p = parse_text("BEGIN { printf(\"%s %d\\n\", span.function, span.depth); }");
  ASSERT_TRUE(p->ok) << p->first_message();
}

TEST(ParserDecl, KeywordsOutOfPlaceAreReserved) {
  auto in_body = parse_text("BEGIN { use x; }");
  EXPECT_EQ(in_body->first_code(), "E-reserved");
  EXPECT_NE(in_body->first_message().find("top level"), std::string::npos);
  auto emit_top = parse_text("emit x { a = 1 }");
  EXPECT_EQ(emit_top->first_code(), "E-reserved");
  EXPECT_NE(emit_top->first_message().find("inside a probe"), std::string::npos);
}

TEST(ParserDecl, MalformedDeclarationsAreSyntaxErrors) {
  for (const char* text : {"syscalls = read", "syscalls x read", "span s = a:b { }",
                           "BEGIN { emit { a = 1 } }", "BEGIN { emit r { a } }",
                           "provider p { probe f(a) }"}) {
    auto p = parse_text(text);
    EXPECT_FALSE(p->ok) << text;
    EXPECT_EQ(p->first_code(), "E-parse") << text;
  }
}

TEST(ParserDecl, CoreScriptsStillParse) {
  // An attach point that merely starts like a keyword is not one.
  auto p = parse_text("tracepoint:syscalls:sys_enter_read { @spans[pid] = count(); }\nuser:x { }");
  EXPECT_TRUE(p->ok) << p->first_message();
  EXPECT_EQ(p->program().probes.size(), 2u);
}

}  // namespace
}  // namespace sonde::grammar
