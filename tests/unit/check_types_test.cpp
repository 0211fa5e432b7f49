// The checker's outputs: expression types (docs/internals.md "Types"), map
// key/value unification, resolved attach points, and the tables it reads
// (builtins, printf verbs).
#include "compiler/builtins.h"
#include "compiler/printf_format.h"
#include "tests/unit/check_helpers.h"

namespace sonde {
namespace {

using ast::Type;
using testing::run_check;

// The value of statement `stmt` (an assignment) of probe `probe`.
const ast::Expr& assigned_value(const testing::Run& r, size_t probe, size_t stmt) {
  auto* s = r.ctx.program.probes.at(probe)->body->stmts.at(stmt);
  return *static_cast<ast::Assign*>(s)->value;
}

std::string type_of(const testing::Run& r, size_t probe, size_t stmt) {
  return ast::to_string(assigned_value(r, probe, stmt).type);
}

TEST(CheckTypes, LiteralsBuiltinsAndOperators) {
  auto r = run_check(
      "uprobe:/bin/sh:main { $a = 1; $b = \"abc\"; $c = pid; $d = nsecs; $e = comm; $f = probe;"
      " $g = arg3; $h = pid + tid; $i = pid + 1; $j = pid == 1; $k = ~pid; $l = -pid;"
      " $m = (u8)pid; $n = (int16)pid; $o = str(arg0); $p = func; $q = $#; $r = $1; $s = $2; }",
      {"0x10", "text"});
  EXPECT_CLEAN(r);
  const char* expected[] = {"int64",      "string[4]",  "uint32", "uint64",     "string[16]",
                            "string[64]", "uint64",     "uint64", "int64",      "int64",
                            "uint64",     "int64",      "uint8",  "int16",      "string[64]",
                            "string[64]", "int64",      "int64",  "string[5]"};
  for (size_t i = 0; i < std::size(expected); ++i) EXPECT_EQ(type_of(*r, 0, i), expected[i]) << "statement " << i;
}

// fdkind() is 8 bytes and fdpeer()/sockaddr() 64 whatever --strlen says:
// their sizes are the C helpers' buffers (compiler/bpf_lib/fd_info.c).
TEST(CheckTypes, FdHelpersReturnFixedSizeStrings) {
  auto r = run_check("uprobe:/bin/sh:main { $a = fdkind(arg0); $b = fdpeer(arg0); $c = sockaddr(arg1);"
                     " $d = sockaddr(arg1, 16); @m[fdkind(0)] = fdpeer(1); }");
  EXPECT_CLEAN(r);
  const char* expected[] = {"string[8]", "string[64]", "string[64]", "string[64]"};
  for (size_t i = 0; i < std::size(expected); ++i) EXPECT_EQ(type_of(*r, 0, i), expected[i]) << "statement " << i;
  ASSERT_NE(r->map("@m"), nullptr);
  EXPECT_EQ(ast::to_string(r->map("@m")->keys.at(0)), "string[8]");
}

// strcat() is the script's string size whatever its parts' sizes (here
// 16, 2, 101 and 64 bytes); its parts must be strings.
TEST(CheckTypes, StrcatIsTheStringSizeAndTakesStrings) {
  auto r = run_check("uprobe:/bin/sh:main { $a = strcat(comm, \"x\"); $b = strcat(\"" + std::string(100, 'y') +
                     "\", str(arg0), $a, @m); @m = \"z\"; }");
  EXPECT_CLEAN(r);
  EXPECT_EQ(type_of(*r, 0, 0), "string[64]");
  EXPECT_EQ(type_of(*r, 0, 1), "string[64]");
  auto bad = run_check("BEGIN { $a = strcat(comm, pid); }");
  EXPECT_ONE_ERROR(bad, "E-type", 1, 27);
  EXPECT_NE(bad->rendered().find("argument 2 of strcat() must be a string, not uint32"), std::string::npos)
      << bad->rendered();
  auto few = run_check("BEGIN { $a = strcat(comm); }");
  EXPECT_ONE_ERROR(few, "E-arity", 1, 14);
  EXPECT_NE(few->rendered().find("strcat() takes 2 to 4 argument(s), 1 given"), std::string::npos)
      << few->rendered();
}

TEST(CheckTypes, RetvalAndVariablesKeepFirstType) {
  auto r = run_check("uretprobe:/bin/sh:main { $x = retval; $x = 5; @y = $x; }");
  EXPECT_CLEAN(r);
  EXPECT_EQ(type_of(*r, 0, 0), "int64");
  auto r2 = run_check("BEGIN { $x = pid; $x = comm; }");
  EXPECT_ONE_ERROR(r2, "E-type", 1, 24);
}

TEST(CheckTypes, TernaryMergesBranches) {
  auto r = run_check("BEGIN { $a = pid ? pid : tid; $b = pid ? pid : 1; $c = pid ? comm : \"x\"; }");
  EXPECT_CLEAN(r);
  EXPECT_EQ(type_of(*r, 0, 0), "uint64");
  EXPECT_EQ(type_of(*r, 0, 1), "int64");
  EXPECT_EQ(type_of(*r, 0, 2), "string[16]");
  EXPECT_ONE_ERROR(run_check("BEGIN { $a = pid ? comm : 1; }"), "E-type", 1, 14);
}

TEST(CheckMaps, IntegersAreEightBytesSignedUnlessAllUnsigned) {
  auto r = run_check("BEGIN { @u = pid; @u = tid; @s = pid; @s = -1; @k[pid] = 1; @k[-1] = 2; @v[pid] = 1; }");
  EXPECT_CLEAN(r);
  EXPECT_EQ(r->map("@u")->value, Type::integer(64, false));
  EXPECT_EQ(r->map("@s")->value, Type::integer(64, true));
  ASSERT_EQ(r->map("@k")->keys.size(), 1u);
  EXPECT_EQ(r->map("@k")->keys[0], Type::integer(64, true));
  EXPECT_EQ(r->map("@v")->keys[0], Type::integer(64, false));
  EXPECT_TRUE(r->map("@u")->keys.empty());
}

TEST(CheckMaps, StringsTakeTheLargestSize) {
  auto r = run_check("uprobe:/bin/sh:main { @s = comm; @s = str(arg0); @t[\"ab\"] = 1; @t[comm] = 2; }");
  EXPECT_CLEAN(r);
  EXPECT_EQ(r->map("@s")->value, Type::string(64));
  EXPECT_EQ(r->map("@t")->keys[0], Type::string(16));
}

TEST(CheckMaps, AggregationsAndLhistParameters) {
  auto r = run_check("BEGIN { @c[comm] = count(); @h = hist(1); @l = lhist(5, 0, 100, 10); @l = lhist(7, 0, 100, 10); }");
  EXPECT_CLEAN(r);
  EXPECT_EQ(r->map("@c")->value, Type::aggregate(ast::AggKind::Count));
  EXPECT_EQ(r->map("@h")->value, Type::aggregate(ast::AggKind::Hist));
  const Type& l = r->map("@l")->value;
  EXPECT_EQ(l.agg, ast::AggKind::Lhist);
  EXPECT_EQ(l.lhist_min, 0);
  EXPECT_EQ(l.lhist_max, 100);
  EXPECT_EQ(l.lhist_step, 10);
}

TEST(CheckMaps, ReadBeforeAssignmentInProgramOrder) {
  // The interval probe reads @start and @name before BEGIN/END assign them.
  auto r = run_check("interval:s:1 { printf(\"%d %s\\n\", @start, @name); } BEGIN { @start = nsecs; } "
                     "END { @name = comm; }");
  EXPECT_CLEAN(r);
  auto* call = static_cast<ast::Call*>(static_cast<ast::ExprStmt*>(r->ctx.program.probes[0]->body->stmts[0])->expr);
  EXPECT_EQ(call->args[1]->type, Type::integer(64, false));
  EXPECT_EQ(call->args[2]->type, Type::string(16));
}

TEST(CheckMaps, FirstUseAndIncrementDefinesIntMap) {
  auto r = run_check("BEGIN {\n  @n++;\n  @m[comm] += 5;\n}");
  EXPECT_CLEAN(r);
  EXPECT_EQ(r->map("@n")->value, Type::integer(64, true));
  EXPECT_EQ(r->map("@n")->first_use.begin.line, 2);
  EXPECT_EQ(r->map("@m")->keys[0], Type::string(16));
}

TEST(CheckAttach, CanonicalKindsAndNumbers) {
  auto r = run_check(
      "BEGIN {} END {} i:s:2 {} interval:ms:5 {} interval:us:7 {} interval:hz:4 {} p:hz:99 {}"
      " profile:ms:10 {} u:/bin/sh:main {} ur:/bin/sh:main+8 {} uprobe:/bin/sh:0x400 {}"
      " usdt:/bin/app:prov:probe {} U:/bin/app:probe {}");
  EXPECT_CLEAN(r);
  ASSERT_EQ(r->checked->probes.size(), 13u);
  auto at = [&](size_t i) { return r->checked->probes[i].attach.at(0); };
  EXPECT_EQ(at(0).kind, "BEGIN");
  EXPECT_EQ(at(0).probe_name, "BEGIN");
  EXPECT_EQ(at(1).kind, "END");
  EXPECT_EQ(at(2).kind, "interval");
  EXPECT_EQ(at(2).period_ns, 2000000000u);
  EXPECT_EQ(at(2).probe_name, "interval:s:2");
  EXPECT_EQ(at(3).period_ns, 5000000u);
  EXPECT_EQ(at(4).period_ns, 7000u);
  EXPECT_EQ(at(5).period_ns, 250000000u);
  EXPECT_EQ(at(6).kind, "profile");
  EXPECT_EQ(at(6).frequency, 99u);
  EXPECT_EQ(at(7).frequency, 0u);
  EXPECT_EQ(at(7).period_ns, 10000000u);
  EXPECT_EQ(at(8).kind, "uprobe");
  EXPECT_EQ(at(8).target, "/bin/sh");
  EXPECT_EQ(at(8).name, "main");
  EXPECT_EQ(at(8).probe_name, "uprobe:/bin/sh:main");
  EXPECT_EQ(at(9).kind, "uretprobe");
  EXPECT_EQ(at(9).name, "main");
  EXPECT_EQ(at(9).offset, 8u);
  EXPECT_EQ(at(10).name, "");
  EXPECT_EQ(at(10).offset, 0x400u);
  EXPECT_EQ(at(11).kind, "usdt");
  EXPECT_EQ(at(11).target, "/bin/app");
  EXPECT_EQ(at(11).name, "prov:probe");
  EXPECT_EQ(at(12).name, "probe");
  for (const auto& p : r->checked->probes) EXPECT_NE(p.attach[0].source, nullptr);
}

TEST(CheckAttach, TracepointWildcardsExpandWithFields) {
  SONDE_REQUIRE_TRACEFS();
  auto r = run_check("tracepoint:syscalls:sys_enter_open* { @[probe] = count(); }");
  EXPECT_CLEAN(r);
  const auto& attach = r->checked->probes.at(0).attach;
  ASSERT_GE(attach.size(), 2u);  // sys_enter_openat, sys_enter_open_by_handle_at, ...
  bool saw_openat = false;
  for (const auto& a : attach) {
    EXPECT_EQ(a.kind, "tracepoint");
    EXPECT_EQ(a.probe_name, "tracepoint:" + a.target);
    EXPECT_EQ(a.target.rfind("syscalls:sys_enter_open", 0), 0u) << a.target;
    EXPECT_FALSE(a.fields.empty());
    saw_openat |= a.target == "syscalls:sys_enter_openat";
  }
  EXPECT_TRUE(saw_openat);
}

TEST(CheckAttach, TracepointFieldTypes) {
  SONDE_REQUIRE_TRACEFS();
  auto r = run_check(
      "tracepoint:sched:sched_switch { $a = args.prev_comm; $b = args.prev_pid; $c = args->next_prio; }"
      " tracepoint:syscalls:sys_enter_openat { $f = args.filename; }");
  EXPECT_CLEAN(r);
  EXPECT_EQ(type_of(*r, 0, 0), "string[16]");
  EXPECT_EQ(type_of(*r, 0, 1), "int32");
  EXPECT_EQ(type_of(*r, 0, 2), "int32");
  EXPECT_EQ(type_of(*r, 1, 0), "uint64");  // a pointer
}

TEST(Builtins, TableLookupsAndCastNames) {
  ASSERT_NE(compiler::find_builtin_var("comm"), nullptr);
  ASSERT_NE(compiler::find_builtin_var("arg9"), nullptr);
  EXPECT_EQ(compiler::find_builtin_var("arg10"), nullptr);
  ASSERT_NE(compiler::find_builtin_func("lhist"), nullptr);
  EXPECT_EQ(compiler::find_builtin_func("lhist")->min_args, 4u);
  EXPECT_EQ(compiler::find_builtin_func("nope"), nullptr);
  Type t;
  ASSERT_TRUE(compiler::parse_int_type_name("u16", t));
  EXPECT_EQ(t, Type::integer(16, false));
  ASSERT_TRUE(compiler::parse_int_type_name("s8", t));
  EXPECT_EQ(t, Type::integer(8, true));
  ASSERT_TRUE(compiler::parse_int_type_name("uint64", t));
  EXPECT_EQ(t, Type::integer(64, false));
  EXPECT_FALSE(compiler::parse_int_type_name("int12", t));
  EXPECT_FALSE(compiler::parse_int_type_name("string", t));
  EXPECT_EQ(compiler::describe_kinds(compiler::kind_bit("uprobe") | compiler::kind_bit("usdt")),
            "uprobe and usdt");
}

TEST(PrintfFormat, VerbsFlagsAndLengths) {
  auto v = compiler::parse_printf_format("%d %-8s %%|%08.3llx %lu %hhd %zu %c %p %i %X %o %ju");
  ASSERT_TRUE(v.ok()) << v.error().message;
  std::string verbs;
  for (const auto& f : *v) verbs += f.verb;
  EXPECT_EQ(verbs, "dsxuducpiXou");
  EXPECT_EQ((*v)[1].spec, "%-8s");
  EXPECT_EQ((*v)[2].spec, "%08.3llx");
  EXPECT_TRUE((*v)[1].takes_string());
  EXPECT_FALSE(compiler::parse_printf_format("%q").ok());
  EXPECT_FALSE(compiler::parse_printf_format("50%").ok());
  EXPECT_TRUE(compiler::parse_printf_format("100%%").ok());
  EXPECT_TRUE(compiler::parse_printf_format("100%%")->empty());
}

}  // namespace
}  // namespace sonde
