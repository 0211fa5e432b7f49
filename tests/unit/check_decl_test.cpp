// The declarative layer's lowering passes (compiler/lower.h), run as the
// pipeline does: parse → lower_declarative → check. Syscall tests read
// tracefs, so they need root (skipped otherwise, failed under
// SONDE_REQUIRE_BPF=1).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "check_helpers.h"
#include "compiler/lower.h"
#include "compiler/syscall_numbers.h"
#include "support/tracefs.h"

namespace sonde::testing {
namespace {

namespace fs = std::filesystem;
using compiler::syscall_number;

struct Lowered : Run {
  bool lowered = false;
  std::string dump() const { return ast::dump(ctx.program); }
  int probes_on(const std::string& text) const {
    int n = 0;
    for (const ast::Probe* p : ctx.program.probes)
      for (const auto& ap : p->attach_points) n += ap.text == text;
    return n;
  }
};

std::unique_ptr<Lowered> lower(const std::string& text, const std::string& script_dir = "") {
  auto r = std::make_unique<Lowered>();
  r->file = {"test.sonde", text};
  r->parsed = grammar::parse(r->file, r->ctx, r->diags);
  if (!r->parsed) return r;
  compiler::LowerOptions options;
  options.stdlib_dir = SONDE_SOURCE_DIR "/stdlib";
  options.script_dir = script_dir;
  options.parse = grammar::parse;
  r->lowered = compiler::lower_declarative(r->ctx, options, r->diags);
  if (r->lowered) r->checked = compiler::check(r->ctx.program, compiler::CheckOptions{}, r->diags);
  return r;
}

std::string temp_dir() {
  fs::path dir = fs::temp_directory_path() / ("sonde-decl-" + std::to_string(getpid()));
  fs::create_directories(dir);
  return dir.string();
}

void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

// ----------------------------------------------------------------- syscalls

TEST(CheckDecl, SyscallSetBecomesOneRawEnterAndOneRawExitProbe) {
  SONDE_REQUIRE_TRACEFS();
  auto r = lower("syscalls file = read, openat\n"
                 "syscall:file /retval > 0/ { emit io { s = probe.name, set = probe.set, fd = args.fd, "
                 "t = elapsed, n = retval } }");
  EXPECT_CLEAN(r);
  ASSERT_EQ(r->ctx.program.probes.size(), 2u);
  EXPECT_EQ(r->probes_on("rawtracepoint:sys_enter"), 1);
  EXPECT_EQ(r->probes_on("rawtracepoint:sys_exit"), 1);
  std::string d = r->dump();
  // Only the arguments used are saved, per probe, keyed by tid.
  EXPECT_NE(d.find("map @__sc0_fd"), std::string::npos) << d;
  EXPECT_EQ(d.find("@__sc0_count"), std::string::npos);
  // read's fd is its first argument; openat has none: 0 there.
  EXPECT_NE(d.find("builtin __syscall_arg0"), std::string::npos) << d;
  EXPECT_NE(d.find("cast uint64"), std::string::npos) << d;
  // The body sees the syscall's own name and the set's, chosen by id.
  EXPECT_NE(d.find("string \"openat\""), std::string::npos);
  EXPECT_NE(d.find("string \"file\""), std::string::npos);
  EXPECT_NE(d.find("builtin __syscall_id"), std::string::npos);
  EXPECT_NE(d.find("builtin __syscall_ret"), std::string::npos);
  ASSERT_NE(r->map("@__sc0_ts"), nullptr);
  EXPECT_TRUE(r->map("@__sc0_ts")->keys.size() == 1);
  // elapsed was a duration before it was rewritten.
  EXPECT_NE(d.find("t:duration"), std::string::npos);
  // Probes are renumbered in order.
  for (size_t i = 0; i < r->ctx.program.probes.size(); ++i)
    EXPECT_EQ(r->ctx.program.probes[i]->index, static_cast<int>(i));
}

size_t occurrences(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// The dump of the `nth` probe attached to `attach` (its text, from "probe").
std::string probe_dump(const Lowered& r, const std::string& attach, size_t nth = 0) {
  std::string d = r.dump();
  size_t at = d.find("attach " + attach + "\n");
  for (size_t i = 0; i < nth && at != std::string::npos; ++i) at = d.find("attach " + attach + "\n", at + 1);
  if (at == std::string::npos) return "";
  size_t begin = d.rfind("probe\n", at);
  size_t end = d.find("\nprobe\n", at);
  return d.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

TEST(CheckDecl, SingleSyscallAndDuplicatesAcrossSets) {
  SONDE_REQUIRE_TRACEFS();
  auto r = lower("syscalls a = read, write\nsyscalls b = write, close\nsyscall:a, syscall:b { @[probe.set] = count(); }");
  EXPECT_CLEAN(r);
  EXPECT_EQ(r->ctx.program.probes.size(), 2u);
  // write once, charged to set a: its id is tested by the exit's guard and
  // by set a's branch of probe.set, not by set b's.
  std::string exit = probe_dump(*r, "rawtracepoint:sys_exit");
  std::optional<long> write = syscall_number("write");
  ASSERT_TRUE(write.has_value());
  EXPECT_EQ(occurrences(exit, "int " + std::to_string(*write) + " :: "), 2u) << exit;
  EXPECT_NE(exit.find("string \"b\""), std::string::npos) << exit;
}

TEST(CheckDecl, SyscallNumbersByTracepointName) {
  EXPECT_FALSE(syscall_number("nosuchcall").has_value());
  EXPECT_EQ(syscall_number("sendfile64"), syscall_number("sendfile"));  // the tracepoint's name
  EXPECT_EQ(syscall_number("read"), 0);
  EXPECT_EQ(syscall_number("newfstat"), 5);
}

// A syscall newer than the build's headers has tracepoints but no number:
// it falls back to its own syscalls:* pair, next to the raw programs.
TEST(CheckDecl, SyscallWithoutANumberUsesItsTracepoints) {
  SONDE_REQUIRE_TRACEFS();
  auto all = tracefs::match("syscalls:sys_enter_*");
  ASSERT_TRUE(all.ok());
  std::string unnumbered;
  for (const std::string& tp : *all) {
    std::string name = tp.substr(tp.find("sys_enter_") + 10);
    if (!syscall_number(name)) unnumbered = name;
  }
  if (unnumbered.empty()) GTEST_SKIP() << "every syscall of this kernel has a known number";
  auto r = lower("syscalls s = read, " + unnumbered + "\nsyscall:s { @[probe.name] = count(); }");
  EXPECT_CLEAN(r);
  EXPECT_EQ(r->ctx.program.probes.size(), 4u);
  EXPECT_EQ(r->probes_on("tracepoint:syscalls:sys_exit_" + unnumbered), 1);
  EXPECT_EQ(r->probes_on("rawtracepoint:sys_exit"), 1);
}

TEST(CheckDecl, UnknownSyscallOrArgument) {
  SONDE_REQUIRE_TRACEFS();
  auto bad = lower("syscall:nosuchcall { }");
  EXPECT_TRUE(bad->has("E-decl-syscall", 1, 1)) << bad->rendered();
  auto arg = lower("syscall:read { print(args.nosuch); }");
  EXPECT_TRUE(arg->has("E-decl-syscall", 1, 22)) << arg->rendered();
  auto mixed = lower("syscall:read, BEGIN { }");
  EXPECT_TRUE(mixed->has("E-decl-syscall", 1, 15)) << mixed->rendered();
}

// fdkind()/fdpeer() of entry arguments and literals run at sys_enter (at
// close()'s exit the fd is gone), one slot per distinct call; on retval,
// through a variable, and sockaddr() always, they run at exit.
TEST(CheckDecl, FdHelpersOfEntryArgumentsRunAtEntry) {
  SONDE_REQUIRE_TRACEFS();
  auto r = lower(
      "syscall:close /fdkind(args.fd) == \"socket\"/ {\n"
      "  printf(\"%s %s %s\\n\", fdkind(args.fd), fdpeer((int32)args.fd + 0), fdkind(7));\n"
      "}\n"
      "syscall:accept4 { $fd = args.fd;\n"
      "  printf(\"%s %s %s\\n\", fdkind(retval), fdpeer($fd), sockaddr(args.upeer_sockaddr));\n"
      "}\n");
  EXPECT_CLEAN(r);
  // One enter program for both probes; close's exit is the first exit.
  std::string enter_close = probe_dump(*r, "rawtracepoint:sys_enter");
  std::string exit_close = probe_dump(*r, "rawtracepoint:sys_exit", 0);
  EXPECT_EQ(occurrences(enter_close, "call fdkind"), 2u) << enter_close;  // args.fd and 7
  EXPECT_EQ(occurrences(enter_close, "call fdpeer"), 1u) << enter_close;
  EXPECT_NE(enter_close.find("map @__sc0_e0_fdkind"), std::string::npos) << enter_close;
  EXPECT_NE(enter_close.find("map @__sc0_e2_fdkind"), std::string::npos) << enter_close;
  EXPECT_EQ(enter_close.find("@__sc0_e3"), std::string::npos) << enter_close;
  // args.fd is only read inside those calls: it is not carried to the exit.
  EXPECT_EQ(enter_close.find("@__sc0_fd"), std::string::npos) << enter_close;
  EXPECT_EQ(exit_close.find("call fd"), std::string::npos) << exit_close;
  EXPECT_EQ(occurrences(exit_close, "variable $__sc_e0"), 3u) << exit_close;  // restore, predicate, printf

  // accept4's part of the enter program saves args.fd and calls nothing.
  EXPECT_NE(enter_close.find("map @__sc1_fd"), std::string::npos) << enter_close;
  EXPECT_EQ(occurrences(enter_close, "call "), 3u) << enter_close;
  std::string exit_accept = probe_dump(*r, "rawtracepoint:sys_exit", 1);
  EXPECT_NE(exit_accept.find("call fdkind"), std::string::npos) << exit_accept;
  EXPECT_NE(exit_accept.find("call fdpeer"), std::string::npos) << exit_accept;
  EXPECT_NE(exit_accept.find("call sockaddr"), std::string::npos) << exit_accept;
}

// ---------------------------------------------------------------- providers

TEST(CheckDecl, ProviderArgsAndPathsExpand) {
  std::string dir = temp_dir();
  write(dir + "/app1", "x");
  write(dir + "/app2", "x");
  fs::remove(dir + "/app-link");
  fs::create_symlink(dir + "/app1", dir + "/app-link");
  auto r = lower("provider demo { paths = \"" + dir + "/app*\"; probe hit(name: str, n: int, p: ptr, w: u16);\n"
                 "  probe thrown(cls: str + 24); }\n"
                 "demo:hit { printf(\"%s %d %d %d\\n\", args.name, args.n, args.p, args.w); }\n"
                 "usdt:demo:thrown { printf(\"%s\\n\", args.cls); }");
  EXPECT_TRUE(r->lowered) << r->rendered();
  ASSERT_EQ(r->ctx.program.probes.size(), 2u);
  // Two files; the symlink resolves to one of them and is not attached twice.
  EXPECT_EQ(r->ctx.program.probes[0]->attach_points.size(), 2u);
  EXPECT_EQ(r->probes_on("usdt:" + dir + "/app1:demo:hit"), 1);
  std::string d = r->dump();
  EXPECT_NE(d.find("call str :: string[64]\n        builtin arg0"), std::string::npos) << d;
  EXPECT_NE(d.find("cast int64 :: int64\n        builtin arg1"), std::string::npos) << d;
  EXPECT_NE(d.find("cast u16 :: uint16\n        builtin arg3"), std::string::npos) << d;
  EXPECT_NE(d.find("binary + :: int64\n          builtin arg0 :: uint64\n          int 24"), std::string::npos) << d;
}

TEST(CheckDecl, ProviderErrors) {
  std::string dir = temp_dir();
  write(dir + "/only", "x");
  std::string decl = "provider demo { paths = \"" + dir + "/only\"; probe hit(a: str); probe miss(b: int); }\n";
  auto no_probe = lower(decl + "demo:nothing { }");
  EXPECT_TRUE(no_probe->has("E-decl-provider", 2, 1)) << no_probe->rendered();
  auto no_arg = lower(decl + "demo:hit { print(args.b); }");
  EXPECT_TRUE(no_arg->has("E-decl-provider", 2, 18)) << no_arg->rendered();
  auto differs = lower(decl + "demo:* { print(args.a); }");  // `miss` has no `a`
  EXPECT_TRUE(differs->has("E-decl-provider", 2, 16)) << differs->rendered();
  auto no_binary = lower("provider gone { paths = \"/nonexistent/x*\"; probe p(); }\ngone:p { }");
  EXPECT_TRUE(no_binary->has("E-decl-provider", 2, 1)) << no_binary->rendered();
  auto bad_type = lower("provider t { paths = \"/bin/sh\"; probe p(a: float); }");
  EXPECT_TRUE(bad_type->has("E-decl-provider", 1, 41)) << bad_type->rendered();
}

// ------------------------------------------------------------------ modules

TEST(CheckDecl, UsePhpFromStdlib) {
  auto r = lower("use php\nBEGIN { }");
  EXPECT_TRUE(r->lowered) << r->rendered();
  ASSERT_EQ(r->ctx.program.providers.size(), 1u);
  const auto& php = r->ctx.program.providers[0];
  EXPECT_EQ(php.probes.size(), 11u);
  for (const auto& p : php.probes)
    if (p.name == "exception__caught") {
      EXPECT_EQ(p.args.at(0).str_offset, 24u);
    }
}

TEST(CheckDecl, UseByPathOnceAndErrors) {
  std::string dir = temp_dir();
  write(dir + "/sets.sonde", "syscalls rw = read, write\nuse \"sets.sonde\"\n");  // uses itself: read once
  auto ok = lower("use \"sets.sonde\"\nuse \"" + dir + "/sets.sonde\"\nBEGIN { }", dir);
  EXPECT_TRUE(ok->lowered) << ok->rendered();
  EXPECT_EQ(ok->ctx.program.syscall_sets.size(), 1u);

  auto missing = lower("BEGIN { }\nuse nosuchmodule");
  EXPECT_TRUE(missing->has("E-decl-use", 2, 1)) << missing->rendered();
  write(dir + "/probe.sonde", "BEGIN { }\n");
  auto with_probe = lower("use \"probe.sonde\"", dir);
  EXPECT_TRUE(with_probe->has("E-decl-use", 1, 1)) << with_probe->rendered();
  write(dir + "/broken.sonde", "syscalls = x\n");
  auto broken = lower("use \"broken.sonde\"", dir);
  EXPECT_TRUE(broken->has("E-decl-use", 1, 1)) << broken->rendered();
  EXPECT_NE(broken->rendered().find("broken.sonde:1:10"), std::string::npos) << broken->rendered();
  auto dup = lower("syscalls rw = read\nuse \"sets.sonde\"", dir);
  EXPECT_TRUE(dup->has("E-decl-duplicate", 1, 1)) << dup->rendered();
}

// -------------------------------------------------------------------- spans

const char* kSpanScript =
    "span outer = BEGIN .. END reset { who = comm }\n"
    "span inner = tracepoint:syscalls:sys_enter_getpid .. tracepoint:syscalls:sys_exit_getpid threshold:1ms { n = pid }\n"
    "interval:s:1 within inner /span.depth > 0/ { emit tick { who = span.n, d = span.depth, s = span.name } }\n";

TEST(CheckDecl, SpansBecomeOpenAndCloseProbes) {
  SONDE_REQUIRE_TRACEFS();
  auto r = lower(kSpanScript);
  EXPECT_CLEAN(r);
  // outer open, inner open, the within probe, outer close, inner close, and
  // the thread-exit cleanup of the spans' per-thread entries.
  ASSERT_EQ(r->ctx.program.probes.size(), 6u);
  EXPECT_EQ(r->ctx.program.probes[5]->attach_points[0].text, "tracepoint:sched:sched_process_exit");
  EXPECT_EQ(r->ctx.program.probes[0]->attach_points[0].text, "BEGIN");
  EXPECT_EQ(r->ctx.program.probes[2]->attach_points[0].text, "interval:s:1");
  EXPECT_EQ(r->ctx.program.probes[4]->attach_points[0].text, "tracepoint:syscalls:sys_exit_getpid");
  EXPECT_TRUE(r->ctx.program.probes[2]->within.empty());
  std::string d = r->dump();
  // Fields are captured per (tid, depth); the close record carries both durations.
  ASSERT_NE(r->map("@__sp_inner_f_n"), nullptr);
  EXPECT_EQ(r->map("@__sp_inner_f_n")->keys.size(), 2u);
  EXPECT_NE(d.find("call emit inner (depth, n, duration:duration, self:duration, __id:span.id, __parent:span.parent)"), std::string::npos) << d;
  EXPECT_NE(d.find("int 1000000"), std::string::npos);  // the threshold
  // `reset` clears every span kind's stack at its open.
  EXPECT_NE(d.find("call delete\n      map @__sp_inner_depth"), std::string::npos) << d;
  // span.name is a literal; the within probe marks its span as having output.
  EXPECT_NE(d.find("string \"inner\""), std::string::npos);
  EXPECT_NE(d.find("map @__sp_inner_emit"), std::string::npos);
}

TEST(CheckDecl, SpanErrors) {
  auto no_span = lower("BEGIN within nope { }");
  EXPECT_TRUE(no_span->has("E-decl-span", 1, 7)) << no_span->rendered();
  auto no_field = lower("span s = BEGIN .. END { a = 1 }\ninterval:s:1 within s { print(span.b); }");
  EXPECT_TRUE(no_field->has("E-decl-span", 2, 31)) << no_field->rendered();
  auto option = lower("span s = BEGIN .. END sometimes { }");
  EXPECT_TRUE(option->has("E-decl-span", 1, 1)) << option->rendered();
  auto clash = lower("span s = BEGIN .. END { }\ninterval:s:1 within s { emit s { a = 1 } }");
  EXPECT_TRUE(clash->has("E-decl-record", 2, 25)) << clash->rendered();
  auto threshold = lower("span s = BEGIN .. END threshold:5parsecs { }");
  EXPECT_TRUE(threshold->has("E-decl-span", 1, 1)) << threshold->rendered();
}

// ------------------------------------------------------------------ records

TEST(CheckDecl, RecordUnitsAndShapes) {
  auto ok = lower("BEGIN { emit r { a = 1, d = nsecs - 5, s = \"x\" } }\nEND { emit r { a = 2, d = 0, s = \"yy\" } }");
  EXPECT_CLEAN(ok);
  std::string d = ok->dump();
  EXPECT_NE(d.find("call emit r (a, d:duration, s)"), std::string::npos) << d;
  auto shape = lower("BEGIN { emit r { a = 1 } }\nEND { emit r { b = 1 } }");
  EXPECT_TRUE(shape->has("E-decl-record", 2, 7)) << shape->rendered();
  auto twice = lower("BEGIN { emit r { a = 1, a = 2 } }");
  EXPECT_TRUE(twice->has("E-decl-record", 1, 25)) << twice->rendered();
  auto unit = lower("BEGIN { emit r { a: parsecs = 1 } }");
  EXPECT_TRUE(unit->has("E-decl-record", 1, 18)) << unit->rendered();
  auto typed = lower("BEGIN { emit r { a = count() } }");  // the checker still types values
  EXPECT_FALSE(typed->checked.has_value());
}

// Aggregations of `elapsed` in syscall probes carry the duration unit to the
// map (through a variable too); core probes and mixed maps keep raw numbers.
// Bare `probe` in a syscall probe names the syscall, not the raw_syscalls
// program that runs the body.
TEST(CheckDecl, BareProbeNamesTheSyscall) {
  auto r = lower("syscalls io = read, write\nsyscall:io { @[probe] = count(); }");
  EXPECT_CLEAN(r);
  std::string d = r->dump();
  EXPECT_NE(d.find("string \"syscall:read\""), std::string::npos) << d;
  EXPECT_NE(d.find("string \"syscall:write\""), std::string::npos) << d;
  EXPECT_EQ(d.find("builtin probe"), std::string::npos) << d;
}

TEST(CheckDecl, MapUnitsFollowElapsedInSyscallProbes) {
  auto r = lower(
      "syscall:read { $l = elapsed; @t[comm] = sum($l); @a = avg(elapsed); @n = count();\n"
      "  @mixed = sum($l); @mixed = sum(retval); $l = 1; @after = sum($l); }\n"
      "tracepoint:syscalls:sys_enter_read { @core = sum(nsecs - 1); }");
  EXPECT_CLEAN(r);
  const auto& units = r->ctx.program.map_units;
  EXPECT_EQ(units.count("@t") ? units.at("@t") : "", "duration");
  EXPECT_EQ(units.count("@a") ? units.at("@a") : "", "duration");
  for (const char* plain : {"@n", "@mixed", "@after", "@core"}) EXPECT_EQ(units.count(plain), 0u) << plain;
}

// ------------------------------------------------------------ documentation

// Every ```sonde example of docs/language.md's declarative section compiles
// to a checked program.
TEST(CheckDecl, DocumentedExamplesCheck) {
  SONDE_REQUIRE_TRACEFS();
  if (access("/usr/bin/php", X_OK) != 0) GTEST_SKIP() << "the examples use PHP's provider";
  std::ifstream in(SONDE_SOURCE_DIR "/docs/language.md");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t at = text.find("## Declarative layer");
  ASSERT_NE(at, std::string::npos);
  int examples = 0;
  while ((at = text.find("```sonde\n", at)) != std::string::npos) {
    at += 9;
    size_t end = text.find("```", at);
    ASSERT_NE(end, std::string::npos);
    std::string example = text.substr(at, end - at);
    auto r = lower(example);
    EXPECT_CLEAN(r);
    if (r->diags.has_errors()) ADD_FAILURE() << example;
    ++examples;
    at = end + 3;
  }
  EXPECT_GE(examples, 5);
}

}  // namespace
}  // namespace sonde::testing
