// The checker: one test per error class (code and position), then
// acceptance tests — bpftrace-style one-liners that must check cleanly.
#include "tests/unit/check_helpers.h"

namespace sonde {
namespace {

using testing::run_check;

// ------------------------------------------------------------ names

TEST(CheckErrors, UnknownBuiltinSuggestsClosest) {
  auto r = run_check("BEGIN { @x = nsec; }");
  EXPECT_ONE_ERROR(r, "E-unknown-builtin", 1, 14);
  EXPECT_NE(r->rendered().find("did you mean `nsecs`?"), std::string::npos) << r->rendered();
}

TEST(CheckErrors, FunctionNameWithoutParentheses) {
  auto r = run_check("BEGIN { @x = count; }");
  EXPECT_ONE_ERROR(r, "E-unknown-builtin", 1, 14);
  EXPECT_NE(r->rendered().find("write count()"), std::string::npos) << r->rendered();
}

TEST(CheckErrors, UnknownFunctionSuggestsCount) {
  auto r = run_check("BEGIN { @x = cont(); }");
  EXPECT_ONE_ERROR(r, "E-unknown-function", 1, 14);
  EXPECT_NE(r->rendered().find("did you mean `count`?"), std::string::npos) << r->rendered();
}

TEST(CheckErrors, Arity) {
  EXPECT_ONE_ERROR(run_check("BEGIN { @x = count(1); }"), "E-arity", 1, 14);
  EXPECT_ONE_ERROR(run_check("BEGIN { exit(1); }"), "E-arity", 1, 9);
  EXPECT_ONE_ERROR(run_check("BEGIN { @x = lhist(1, 2); }"), "E-arity", 1, 14);
  EXPECT_ONE_ERROR(run_check("BEGIN { printf(); }"), "E-arity", 1, 9);
}

TEST(CheckErrors, UndefinedVariable) {
  EXPECT_ONE_ERROR(run_check("BEGIN { @x = $y; }"), "E-undefined-variable", 1, 14);
  EXPECT_ONE_ERROR(run_check("BEGIN { $y++; }"), "E-undefined-variable", 1, 9);
  // Variables are scoped to their probe.
  EXPECT_ONE_ERROR(run_check("BEGIN { $y = 1; } END { @x = $y; }"), "E-undefined-variable", 1, 30);
}

TEST(CheckErrors, UndefinedMap) {
  EXPECT_ONE_ERROR(run_check("BEGIN { @x = @never; }"), "E-undefined-map", 1, 14);
  EXPECT_ONE_ERROR(run_check("BEGIN { print(@never); }"), "E-undefined-map", 1, 15);
}

TEST(CheckErrors, MapTypeThatCannotBeInferred) {
  // @a's type depends on @b, whose type depends on @c, assigned last: the
  // checker's two runs cannot see that far, and says so.
  auto r = run_check("BEGIN { @a = @b; } END { @b = @c; } interval:s:1 { @c = 1; }");
  EXPECT_ONE_ERROR(r, "E-undefined-map", 1, 14);
}

TEST(CheckErrors, MissingPositionalParameter) {
  EXPECT_ONE_ERROR(run_check("BEGIN { @x = $1; }"), "E-missing-param", 1, 14);
  EXPECT_CLEAN(run_check("BEGIN { @x = $1; }", {"5"}));
}

TEST(CheckErrors, BuiltinOutsideItsProbeKinds) {
  EXPECT_ONE_ERROR(run_check("BEGIN { @x = retval; }"), "E-builtin-context", 1, 14);
  EXPECT_ONE_ERROR(run_check("BEGIN { @x = arg0; }"), "E-builtin-context", 1, 14);
  EXPECT_ONE_ERROR(run_check("interval:s:1 { @x = args.foo; }"), "E-builtin-context", 1, 21);
  EXPECT_CLEAN(run_check("uretprobe:/bin/sh:main { @x = retval; }"));
  EXPECT_CLEAN(run_check("uprobe:/bin/sh:main { @x = arg0 + arg9; }"));
}

// ------------------------------------------------------------ types

TEST(CheckErrors, StringIntMismatch) {
  EXPECT_ONE_ERROR(run_check("BEGIN { @x = comm + 1; }"), "E-type", 1, 14);
  EXPECT_ONE_ERROR(run_check("BEGIN { @x = comm < \"a\"; }"), "E-type", 1, 14);
  EXPECT_ONE_ERROR(run_check("BEGIN { @x = comm == 1; }"), "E-type", 1, 14);
  EXPECT_CLEAN(run_check("BEGIN { @x = comm == \"bash\"; @y = comm != \"sh\"; }"));
}

TEST(CheckErrors, ConditionsMustBeIntegers) {
  EXPECT_ONE_ERROR(run_check("BEGIN /comm/ { exit(); }"), "E-type", 1, 8);
  EXPECT_ONE_ERROR(run_check("BEGIN { if (comm) { exit(); } }"), "E-type", 1, 13);
  EXPECT_ONE_ERROR(run_check("BEGIN { @x = comm ? 1 : 2; }"), "E-type", 1, 14);
  EXPECT_ONE_ERROR(run_check("BEGIN { @x = !comm; }"), "E-type", 1, 14);
}

TEST(CheckErrors, Casts) {
  EXPECT_ONE_ERROR(run_check("BEGIN { @x = (uint8)comm; }"), "E-cast", 1, 14);
  EXPECT_CLEAN(run_check("BEGIN { @a = (u8)1; @b = (s16)1; @c = (int32)1; @d = (uint64)1; }"));
}

TEST(CheckErrors, MapKeyConsistency) {
  EXPECT_ONE_ERROR(run_check("BEGIN { @x[1] = 1; @x[1, 2] = 2; }"), "E-map-key", 1, 20);
  EXPECT_ONE_ERROR(run_check("BEGIN { @x[1] = 1; @x[\"a\"] = 2; }"), "E-map-key", 1, 20);
  EXPECT_ONE_ERROR(run_check("BEGIN { @x = 1; @x[1] = 2; }"), "E-map-key", 1, 17);
}

TEST(CheckErrors, MapValueConsistency) {
  EXPECT_ONE_ERROR(run_check("BEGIN { @x = 1; @x = \"a\"; }"), "E-map-value", 1, 22);
  EXPECT_ONE_ERROR(run_check("BEGIN { @x = count(); @x = sum(1); }"), "E-map-value", 1, 28);
  EXPECT_ONE_ERROR(run_check("BEGIN { @x = lhist(1, 0, 10, 1); @x = lhist(1, 0, 20, 1); }"),
                   "E-map-value", 1, 39);
  EXPECT_ONE_ERROR(run_check("BEGIN { @x = count(); } END { @x = 1; }"), "E-map-value", 1, 36);
}

TEST(CheckErrors, AggregationsOnlyAsWholeMapValue) {
  EXPECT_ONE_ERROR(run_check("BEGIN { $x = count(); }"), "E-agg-context", 1, 14);
  EXPECT_ONE_ERROR(run_check("BEGIN { @x = count() + 1; }"), "E-agg-context", 1, 14);
  EXPECT_ONE_ERROR(run_check("BEGIN { printf(\"%d\", count()); }"), "E-agg-context", 1, 22);
  EXPECT_ONE_ERROR(run_check("BEGIN { @x[count()] = 1; }"), "E-agg-context", 1, 12);
  EXPECT_ONE_ERROR(run_check("BEGIN { count(); }"), "E-agg-context", 1, 9);
}

TEST(CheckErrors, AggregationRead) {
  EXPECT_ONE_ERROR(run_check("BEGIN { @c = count(); @y = @c + 1; }"), "E-agg-read", 1, 28);
  // A read before the assignment (in program order) is caught too.
  EXPECT_ONE_ERROR(run_check("END { @y = @c; } BEGIN { @c = count(); }"), "E-agg-read", 1, 12);
  EXPECT_CLEAN(run_check("BEGIN { @c = count(); print(@c); clear(@c); zero(@c); }"));
}

TEST(CheckErrors, IncrementOnlyOnIntegers) {
  EXPECT_ONE_ERROR(run_check("BEGIN { @s = comm; @s++; }"), "E-type", 1, 20);
  EXPECT_ONE_ERROR(run_check("BEGIN { @c = count(); @c += 1; }"), "E-type", 1, 23);
  EXPECT_ONE_ERROR(run_check("BEGIN { $s = comm; $s++; }"), "E-type", 1, 20);
  EXPECT_CLEAN(run_check("BEGIN { @n++; @m += 2; $i = 0; $i++; $i += 3; @k[comm]--; }"));
}

TEST(CheckErrors, AggregationArgumentsMustBeIntegers) {
  EXPECT_ONE_ERROR(run_check("BEGIN { @h = hist(comm); }"), "E-type", 1, 19);
  EXPECT_ONE_ERROR(run_check("BEGIN { @s = sum(\"a\"); }"), "E-type", 1, 18);
  EXPECT_ONE_ERROR(run_check("uprobe:/bin/sh:main { @s = str(arg0, comm); }"), "E-type", 1, 38);
}

TEST(CheckErrors, LhistBounds) {
  EXPECT_ONE_ERROR(run_check("BEGIN { @h = lhist(1, 0, 10, 0); }"), "E-lhist", 1, 30);
  EXPECT_ONE_ERROR(run_check("BEGIN { @h = lhist(1, 10, 10, 1); }"), "E-lhist", 1, 14);
  EXPECT_ONE_ERROR(run_check("BEGIN { $m = 5; @h = lhist(1, $m, 10, 1); }"), "E-type", 1, 31);
  EXPECT_CLEAN(run_check("BEGIN { @h = lhist(1, -10, 10, 2); }"));
}

TEST(CheckErrors, Printf) {
  EXPECT_ONE_ERROR(run_check("BEGIN { printf(\"%d %d\\n\", 1); }"), "E-printf", 1, 9);
  EXPECT_ONE_ERROR(run_check("BEGIN { printf(\"%d\\n\", 1, 2); }"), "E-printf", 1, 9);
  EXPECT_ONE_ERROR(run_check("BEGIN { printf(\"%s\\n\", pid); }"), "E-printf", 1, 24);
  EXPECT_ONE_ERROR(run_check("BEGIN { printf(\"%d\\n\", comm); }"), "E-printf", 1, 24);
  EXPECT_ONE_ERROR(run_check("BEGIN { printf(\"%y\\n\", 1); }"), "E-printf", 1, 16);
  EXPECT_ONE_ERROR(run_check("BEGIN { printf(comm); }"), "E-printf", 1, 16);
}

// A printf with `n` "%d" conversions and `n` arguments.
std::string printf_with(int n) {
  std::string format, args;
  for (int i = 0; i < n; ++i) format += "%d ", args += ", 1";
  return "BEGIN { printf(\"" + format + "\"" + args + "); }";
}

TEST(CheckErrors, PrintfAllowsSixteenArguments) {
  EXPECT_CLEAN(run_check(printf_with(16)));
  EXPECT_ONE_ERROR(run_check(printf_with(17)), "E-printf", 1, 9);
}

TEST(CheckErrors, StatementCallsHaveNoValue) {
  EXPECT_ONE_ERROR(run_check("BEGIN { @x = printf(\"a\"); }"), "E-type", 1, 14);
  EXPECT_ONE_ERROR(run_check("BEGIN { $x = exit(); }"), "E-type", 1, 14);
  EXPECT_ONE_ERROR(run_check("BEGIN { @x = 1 + time(); }"), "E-type", 1, 18);
}

TEST(CheckErrors, MapFunctionsNeedMaps) {
  EXPECT_ONE_ERROR(run_check("BEGIN { clear(pid); }"), "E-type", 1, 15);
  EXPECT_ONE_ERROR(run_check("BEGIN { @x[1] = 1; zero(@x[1]); }"), "E-type", 1, 25);
  EXPECT_ONE_ERROR(run_check("BEGIN { @x[1] = 1; delete(@x); }"), "E-type", 1, 27);
  EXPECT_ONE_ERROR(run_check("BEGIN { time(comm); }"), "E-type", 1, 14);
  EXPECT_CLEAN(run_check("BEGIN { @x[1] = 1; delete(@x[1]); print(@x); print(1 + 2); time(); time(\"%H\"); }"));
}

TEST(CheckErrors, Unroll) {
  EXPECT_ONE_ERROR(run_check("BEGIN { unroll(0) { @x++; } }"), "E-unroll", 1, 16);
  EXPECT_ONE_ERROR(run_check("BEGIN { unroll(101) { @x++; } }"), "E-unroll", 1, 16);
  auto ok = run_check("BEGIN { unroll($1) { @x++; } }", {"7"});
  EXPECT_CLEAN(ok);
}

// ------------------------------------------------------------ attach points

TEST(CheckErrors, UnknownProbeTypeSuggestsClosest) {
  auto r = run_check("tracepiont:syscalls:sys_enter_read { exit(); }");
  EXPECT_ONE_ERROR(r, "E-unknown-probe", 1, 1);
  EXPECT_NE(r->rendered().find("did you mean `tracepoint`?"), std::string::npos) << r->rendered();
}

TEST(CheckErrors, KprobesAreUnsupported) {
  EXPECT_ONE_ERROR(run_check("kprobe:do_sys_open { exit(); }"), "E-unsupported-probe", 1, 1);
  EXPECT_ONE_ERROR(run_check("BEGIN { exit(); } kretprobe:vfs_read { exit(); }"), "E-unsupported-probe", 1, 19);
}

TEST(CheckErrors, AttachPointShapes) {
  EXPECT_ONE_ERROR(run_check("interval:minutes:1 { exit(); }"), "E-attach", 1, 1);
  EXPECT_ONE_ERROR(run_check("interval:s:0 { exit(); }"), "E-attach", 1, 1);
  EXPECT_ONE_ERROR(run_check("profile:hz { exit(); }"), "E-attach", 1, 1);
  EXPECT_ONE_ERROR(run_check("uprobe:/bin/sh { exit(); }"), "E-attach", 1, 1);
  EXPECT_ONE_ERROR(run_check("usdt:/bin/sh { exit(); }"), "E-attach", 1, 1);
}

TEST(CheckErrors, OneBeginOneEnd) {
  EXPECT_ONE_ERROR(run_check("BEGIN { exit(); } BEGIN { exit(); }"), "E-duplicate-probe", 1, 19);
  EXPECT_ONE_ERROR(run_check("END { exit(); }\nEND { exit(); }"), "E-duplicate-probe", 2, 1);
}

TEST(CheckErrors, TracepointNotFoundSuggestsClosest) {
  SONDE_REQUIRE_TRACEFS();
  auto r = run_check("tracepoint:syscalls:sys_enter_opnat { exit(); }");
  EXPECT_ONE_ERROR(r, "E-no-tracepoint", 1, 1);
  EXPECT_NE(r->rendered().find("tracepoint:syscalls:sys_enter_openat"), std::string::npos) << r->rendered();
  EXPECT_ONE_ERROR(run_check("tracepoint:syscalls:nothing_*_here { exit(); }"), "E-no-tracepoint", 1, 1);
}

TEST(CheckErrors, UnknownFieldListsFields) {
  SONDE_REQUIRE_TRACEFS();
  auto r = run_check("tracepoint:syscalls:sys_enter_openat { @x = args.flag; }");
  EXPECT_ONE_ERROR(r, "E-unknown-field", 1, 45);
  EXPECT_NE(r->rendered().find("did you mean `args.flags`?"), std::string::npos) << r->rendered();
  EXPECT_NE(r->rendered().find("filename"), std::string::npos) << r->rendered();
}

TEST(CheckErrors, FieldMustExistInEveryExpandedTracepoint) {
  SONDE_REQUIRE_TRACEFS();
  // sys_enter_openat has `filename`; sys_enter_read does not.
  auto r = run_check(
      "tracepoint:syscalls:sys_enter_openat, tracepoint:syscalls:sys_enter_read { @x = args.filename; }");
  EXPECT_ONE_ERROR(r, "E-unknown-field", 1, 81);
}

TEST(CheckErrors, ManyErrorsPerRunWithoutCascades) {
  auto r = run_check(
      "BEGIN {\n"
      "  $a = nosuch;\n"       // E-unknown-builtin; $a becomes `none`
      "  @b = $a + 1;\n"       // no error: $a already failed
      "  @c = cnt();\n"        // E-unknown-function
      "  @d = comm + 1;\n"     // E-type
      "  @e = @d * 2;\n"       // no error: @d's assignment already failed
      "}\n");
  EXPECT_EQ(r->diags.error_count(), 3) << r->rendered();
  EXPECT_TRUE(r->has("E-unknown-builtin", 2, 8)) << r->rendered();
  EXPECT_TRUE(r->has("E-unknown-function", 4, 8)) << r->rendered();
  EXPECT_TRUE(r->has("E-type", 5, 8)) << r->rendered();
  EXPECT_FALSE(r->has("E-undefined-variable", 3, 8)) << r->rendered();
}

TEST(CheckErrors, CompoundAssignmentReportsKeyErrorsOnce) {
  EXPECT_ONE_ERROR(run_check("BEGIN { @m[nosuch] += 1; }"), "E-unknown-builtin", 1, 12);
  EXPECT_ONE_ERROR(run_check("BEGIN { @s = comm; @s += 1; }"), "E-type", 1, 20);
}

// ------------------------------------------------------------ acceptance

TEST(CheckAccepts, NonTracepointOneLiners) {
  const char* scripts[] = {
      "BEGIN { printf(\"Tracing... Hit Ctrl-C to end.\\n\"); }",
      "profile:hz:99 { @[cpu] = count(); }",
      "profile:ms:10 /pid == 1/ { @samples = count(); }",
      "interval:s:1 { time(\"%H:%M:%S\\n\"); exit(); }",
      "BEGIN { @start = nsecs; } interval:ms:100 { printf(\"%d ms\\n\", (nsecs - @start) / 1000000); exit(); }",
      "uprobe:/bin/bash:readline { @calls[comm, pid] = count(); }",
      "uretprobe:/bin/bash:readline { printf(\"%s\\n\", str(retval)); @len = hist(retval); }",
      "usdt:/usr/bin/app:provider:probe { @[probe] = count(); @a = stats(arg1); }",
      "BEGIN { $i = 0; unroll(3) { $i++; } @i = $i; @x = $1 + $#; @s = $2; }",
      "BEGIN { @m[1, \"a\"] = 2; @m[2, \"bb\"] = 3; delete(@m[1, \"a\"]); exit(); } END { clear(@m); }",
      "BEGIN { @a = avg(1); @b = min(2); @c = max(3); @d = sum(-4); @e = hist(5); }",
      "BEGIN { @x = pid > 1 && tid < 5 || !(cpu == 0) ? 1 : 2; @y = ~uid ^ gid << 2 | 3 & 4 % 5; }",
  };
  for (const char* s : scripts) EXPECT_CLEAN(run_check(s, {"3", "text"}));
}

TEST(CheckAccepts, TracepointOneLiners) {
  SONDE_REQUIRE_TRACEFS();
  const char* scripts[] = {
      // funccount-like
      "tracepoint:syscalls:sys_enter_* { @[probe] = count(); }",
      // syscount
      "tracepoint:raw_syscalls:sys_enter { @[comm] = count(); } interval:s:5 { print(@); clear(@); }",
      "tracepoint:raw_syscalls:sys_enter { @syscall[args.id] = count(); }",
      // opensnoop
      "tracepoint:syscalls:sys_enter_openat { printf(\"%-6d %-16s %s\\n\", pid, comm, str(args.filename)); }",
      // argdist-like
      "tracepoint:syscalls:sys_enter_read { @bytes[comm] = hist(args.count); }",
      // readahead-style sizes
      "tracepoint:syscalls:sys_exit_read /args.ret > 0/ { @size = hist(args.ret); }",
      "t:syscalls:sys_exit_* /args->ret < 0/ { @errors[probe, -args->ret] = count(); }",
      "tracepoint:sched:sched_switch { @[args.prev_comm] = count(); @p = lhist(args.prev_prio, 0, 140, 10); }",
      "tracepoint:syscalls:sys_enter_openat, tracepoint:syscalls:sys_enter_open { @[str(args.filename)] = count(); }",
  };
  for (const char* s : scripts) EXPECT_CLEAN(run_check(s));
}

}  // namespace
}  // namespace sonde
