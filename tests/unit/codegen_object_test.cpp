// Codegen, object level (no kernel needed): the emitted ELF opens with
// libbpf, has the maps, programs, BTF and `.sonde` manifest that
// docs/internals.md promises, and the manifest agrees with the object.
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <gelf.h>
#include <gtest/gtest.h>
#include <linux/bpf.h>

#include <cstring>

#include <memory>
#include <string>

#include "compiler/ast/ast.h"
#include "compiler/codegen/codegen.h"
#include "compiler/compile.h"

namespace sonde::compiler {
namespace {

struct ObjectCloser {
  void operator()(bpf_object* o) const { bpf_object__close(o); }
};
using ObjectPtr = std::unique_ptr<bpf_object, ObjectCloser>;

CompiledObject compile_ok(const std::string& text, std::vector<std::string> params = {}) {
  SourceFile file{"test.bt", text};
  CompileOptions options;
  options.params = std::move(params);
  Diagnostics diags;
  Result<CompiledObject> r = compile(file, options, diags);
  if (!r) {
    ADD_FAILURE() << r.error().message << "\n" << render_all(diags, file);
    return {};
  }
  return std::move(*r);
}

ObjectPtr open_object(const CompiledObject& obj) {
  LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = "sonde_test");
  bpf_object* o = bpf_object__open_mem(obj.elf.data(), obj.elf.size(), &opts);
  EXPECT_NE(o, nullptr) << "libbpf cannot open the object";
  return ObjectPtr(o);
}

const manifest::MapSpec* find_map(const manifest::Manifest& m, const std::string& name) {
  for (const auto& spec : m.maps)
    if (spec.name == name) return &spec;
  return nullptr;
}

TEST(CodegenObject, CountByKeyHasBtfMapsAndSections) {
  CompiledObject obj =
      compile_ok("tracepoint:syscalls:sys_enter_openat { @opens[comm] = count(); }");
  ASSERT_FALSE(obj.elf.empty());
  ObjectPtr o = open_object(obj);
  ASSERT_TRUE(o);
  ASSERT_NE(bpf_object__btf(o.get()), nullptr);

  const manifest::MapSpec* spec = find_map(obj.manifest, "@opens");
  ASSERT_NE(spec, nullptr);
  EXPECT_EQ(spec->kind, "count");
  EXPECT_TRUE(spec->percpu);
  EXPECT_LE(spec->elf_name.size(), 15u);

  bpf_map* map = bpf_object__find_map_by_name(o.get(), spec->elf_name.c_str());
  ASSERT_NE(map, nullptr);
  EXPECT_EQ(bpf_map__type(map), BPF_MAP_TYPE_PERCPU_HASH);
  EXPECT_EQ(bpf_map__key_size(map), 16u);  // comm: string[16]
  EXPECT_EQ(bpf_map__value_size(map), 8u);
  EXPECT_EQ(bpf_map__max_entries(map), 4096u);
  EXPECT_NE(bpf_map__btf_key_type_id(map), 0u);
  EXPECT_NE(bpf_map__btf_value_type_id(map), 0u);
  EXPECT_EQ(spec->key_size, bpf_map__key_size(map));
  ASSERT_EQ(spec->key.size(), 1u);
  EXPECT_EQ(spec->key[0].kind, manifest::FieldKind::String);
  EXPECT_EQ(spec->key[0].size, 16u);

  bpf_map* events = bpf_object__find_map_by_name(o.get(), "sonde_events");
  ASSERT_NE(events, nullptr);
  EXPECT_EQ(bpf_map__type(events), BPF_MAP_TYPE_RINGBUF);
  EXPECT_EQ(bpf_map__max_entries(events), 1u << 16) << "a script that only counts needs no big ring";
  bpf_map* lost = bpf_object__find_map_by_name(o.get(), "sonde_lost");
  ASSERT_NE(lost, nullptr);
  EXPECT_EQ(bpf_map__type(lost), BPF_MAP_TYPE_ARRAY);
  EXPECT_EQ(bpf_map__value_size(lost), 8u);
  // Key 0 counts lost records, key 1 + i map i's refused keys (manifest.h).
  EXPECT_EQ(bpf_map__max_entries(lost), 1u + obj.manifest.maps.size());

  bpf_program* prog = bpf_object__find_program_by_name(o.get(), "probe_0_0");
  ASSERT_NE(prog, nullptr);
  EXPECT_STREQ(bpf_program__section_name(prog), "tracepoint/syscalls/sys_enter_openat");
  EXPECT_EQ(bpf_program__type(prog), BPF_PROG_TYPE_TRACEPOINT);
}

// printf and records stream one event per hit: the ring holds 8192 of the
// largest, 1 MiB at least (small records), 4 MiB at most (php-io's).
TEST(CodegenObject, PerEventOutputGetsARingSizedByItsLargestRecord) {
  struct Case {
    const char* script;
    uint32_t ring;
  };
  for (Case c : {Case{"tracepoint:syscalls:sys_enter_openat { printf(\"%d\\n\", pid); }", 1u << 20},
                 Case{"BEGIN { emit hello { who = comm } }", 1u << 20},
                 Case{"config = { max_strlen = 200 }\n"
                      "tracepoint:syscalls:sys_enter_openat { printf(\"%s\\n\", str(args.filename)); }",
                      1u << 21},
                 Case{"config = { max_strlen = 256 }\n"
                      "tracepoint:syscalls:sys_enter_openat { $f = str(args.filename);"
                      " printf(\"%s %s %s\\n\", $f, $f, $f); }",
                      1u << 22}}) {
    CompiledObject obj = compile_ok(c.script);
    EXPECT_EQ(obj.manifest.ringbuf_size, c.ring) << c.script;
    ObjectPtr o = open_object(obj);
    ASSERT_TRUE(o);
    bpf_map* events = bpf_object__find_map_by_name(o.get(), "sonde_events");
    ASSERT_NE(events, nullptr);
    EXPECT_EQ(bpf_map__max_entries(events), c.ring) << c.script;
  }
}

TEST(CodegenObject, ManifestReadsBackFromTheElf) {
  CompiledObject obj = compile_ok(
      "BEGIN { printf(\"start %d %s\\n\", 1, \"x\"); }\n"
      "tracepoint:syscalls:sys_enter_read /pid == 1/ { @h = hist(args.count); @s[tid] = sum(2); }\n"
      "interval:ms:100 { print(@h); clear(@s); time(); exit(); }\n"
      "END { printf(\"%s\\n\", comm); }\n");
  Result<manifest::Manifest> read = manifest::read_from_elf(obj.elf.data(), obj.elf.size());
  ASSERT_TRUE(read) << read.error().message;
  const manifest::Manifest& m = *read;
  EXPECT_EQ(manifest::to_json(m), manifest::to_json(obj.manifest));
  EXPECT_EQ(m.sonde_version, SONDE_VERSION);
  EXPECT_EQ(m.source_name, "test.bt");
  EXPECT_EQ(m.config_target_pid_offset, 0);
  EXPECT_EQ(m.ringbuf_map, "sonde_events");
  EXPECT_EQ(m.lost_map, "sonde_lost");

  ASSERT_EQ(m.probes.size(), 4u);
  EXPECT_EQ(m.probes[0].kind, "BEGIN");
  EXPECT_EQ(m.probes[0].program, "probe_0_0");
  EXPECT_EQ(m.probes[1].kind, "tracepoint");
  EXPECT_EQ(m.probes[1].target, "syscalls:sys_enter_read");
  EXPECT_EQ(m.probes[1].line, 2);
  EXPECT_EQ(m.probes[2].kind, "interval");
  EXPECT_EQ(m.probes[2].period_ns, 100'000'000u);
  EXPECT_EQ(m.probes[3].program, "probe_3_0");

  // Events in program order: printf, print, clear, time, exit, printf.
  ASSERT_EQ(m.events.size(), 6u);
  const manifest::EventSpec& start = m.events[0];
  EXPECT_EQ(start.kind, "printf");
  EXPECT_EQ(start.format, "start %d %s\n");
  ASSERT_EQ(start.args.size(), 2u);
  EXPECT_EQ(start.args[0].offset, 8u);
  EXPECT_EQ(start.args[0].size, 8u);
  EXPECT_EQ(start.args[1].offset, 16u);
  EXPECT_EQ(start.args[1].kind, manifest::FieldKind::String);
  EXPECT_EQ(start.size, 24u);  // 8 + 8 + string[2] rounded up to 8
  EXPECT_EQ(m.events[1].kind, "print");
  const manifest::MapSpec* h = find_map(m, "@h");
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(m.maps.at(m.events[1].map).name, "@h");
  EXPECT_EQ(m.events[2].kind, "clear");
  EXPECT_EQ(m.maps.at(m.events[2].map).name, "@s");
  EXPECT_EQ(m.events[3].kind, "time");
  EXPECT_EQ(m.events[4].kind, "exit");
  EXPECT_EQ(m.events[5].args.at(0).size, 16u);

  EXPECT_TRUE(h->bucket_in_key);
  EXPECT_EQ(h->key_size, 8u);  // only the bucket index
  EXPECT_TRUE(h->key.empty());

  ObjectPtr o = open_object(obj);
  ASSERT_TRUE(o);
  for (const auto& probe : m.probes)
    EXPECT_NE(bpf_object__find_program_by_name(o.get(), probe.program.c_str()), nullptr)
        << probe.program;
  bpf_program* begin = bpf_object__find_program_by_name(o.get(), "probe_0_0");
  EXPECT_STREQ(bpf_program__section_name(begin), "raw_tp");
  bpf_program* tick = bpf_object__find_program_by_name(o.get(), "probe_2_0");
  EXPECT_EQ(bpf_program__type(tick), BPF_PROG_TYPE_PERF_EVENT);
}

TEST(CodegenObject, MapLayoutsFollowTheContract) {
  CompiledObject obj = compile_ok(
      "tracepoint:syscalls:sys_enter_read {\n"
      "  @v = 1; @name = comm; @multi[comm, pid] = 3;\n"
      "  @a = avg(2); @mn = min(2); @st = stats(2); @l[pid] = lhist(args.count, 0, 100, 10);\n"
      "}\n");
  const manifest::Manifest& m = obj.manifest;
  ObjectPtr o = open_object(obj);
  ASSERT_TRUE(o);
  for (const auto& spec : m.maps) {
    SCOPED_TRACE(spec.name);
    bpf_map* map = bpf_object__find_map_by_name(o.get(), spec.elf_name.c_str());
    ASSERT_NE(map, nullptr);
    EXPECT_EQ(bpf_map__key_size(map), spec.key_size);
    EXPECT_EQ(bpf_map__value_size(map), spec.value_size);
    EXPECT_EQ(bpf_map__type(map), spec.percpu ? BPF_MAP_TYPE_PERCPU_HASH : BPF_MAP_TYPE_HASH);
  }
  const manifest::MapSpec* v = find_map(m, "@v");
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->kind, "value");
  EXPECT_FALSE(v->percpu);
  EXPECT_EQ(v->key_size, 8u);  // scalar: u64 key 0

  const manifest::MapSpec* multi = find_map(m, "@multi");
  ASSERT_NE(multi, nullptr);
  ASSERT_EQ(multi->key.size(), 2u);
  EXPECT_EQ(multi->key[0].offset, 0u);
  EXPECT_EQ(multi->key[1].offset, 16u);
  EXPECT_EQ(multi->key_size, 24u);

  EXPECT_EQ(find_map(m, "@name")->value.kind, manifest::FieldKind::String);
  EXPECT_EQ(find_map(m, "@name")->value_size, 16u);
  EXPECT_EQ(find_map(m, "@a")->value_size, 16u);
  EXPECT_EQ(find_map(m, "@mn")->value_size, 16u);
  EXPECT_EQ(find_map(m, "@st")->value_size, 16u);

  const manifest::MapSpec* l = find_map(m, "@l");
  ASSERT_NE(l, nullptr);
  EXPECT_TRUE(l->bucket_in_key);
  EXPECT_EQ(l->key_size, 16u);  // pid + bucket
  EXPECT_EQ(l->lhist_min, 0);
  EXPECT_EQ(l->lhist_max, 100);
  EXPECT_EQ(l->lhist_step, 10);
}

TEST(CodegenObject, ElfMapNamesAreShortAndUnique) {
  CompiledObject obj =
      compile_ok("BEGIN { @a_very_long_map_name_one = 1; @a_very_long_map_name_two = 2; @ = 3; }");
  std::vector<std::string> names;
  for (const auto& spec : obj.manifest.maps) {
    EXPECT_LE(spec.elf_name.size(), 15u) << spec.elf_name;
    for (const auto& n : names) EXPECT_NE(n, spec.elf_name);
    names.push_back(spec.elf_name);
  }
  EXPECT_EQ(names.size(), 3u);
}

// Codegen on its own, from a hand-built, hand-typed AST: no parser, no checker.
TEST(CodegenObject, GeneratesFromAHandBuiltCheckedProgram) {
  ast::Context ctx;
  SourceRange r{{1, 1}, {1, 10}};
  auto* comm = ctx.make<ast::Builtin>("comm", r);
  comm->type = ast::Type::string(16);
  auto* count = ctx.make<ast::Call>("count", std::vector<ast::Expr*>{}, r);
  count->type = ast::Type::aggregate(ast::AggKind::Count);
  auto* target = ctx.make<ast::MapAccess>("@", std::vector<ast::Expr*>{comm}, r);
  target->type = count->type;
  auto* assign = ctx.make<ast::Assign>(target, count, r);
  auto* body = ctx.make<ast::Block>(std::vector<ast::Stmt*>{assign}, r);
  auto* probe = ctx.make<ast::Probe>();
  probe->body = body;
  probe->range = r;
  probe->attach_points.push_back(
      {"t:syscalls:sys_enter_getpid", "tracepoint", {"syscalls", "sys_enter_getpid"}, r});
  ctx.program.probes.push_back(probe);

  CheckedProgram checked;
  checked.program = &ctx.program;
  checked.maps["@"] = MapInfo{"@", {ast::Type::string(16)}, count->type, r};
  ResolvedAttach attach;
  attach.kind = "tracepoint";
  attach.target = "syscalls:sys_enter_getpid";
  attach.probe_name = "tracepoint:syscalls:sys_enter_getpid";
  attach.source = &probe->attach_points[0];
  checked.probes.push_back({probe, {attach}});

  Result<CompiledObject> obj = generate(checked, {"hand.bt", "t:syscalls:sys_enter_getpid", ""});
  ASSERT_TRUE(obj) << obj.error().message;
  ASSERT_EQ(obj->manifest.maps.size(), 1u);
  EXPECT_EQ(obj->manifest.maps[0].elf_name, "m_anon");
  EXPECT_EQ(obj->manifest.probes.at(0).text, "t:syscalls:sys_enter_getpid");
  ObjectPtr o = open_object(*obj);
  ASSERT_TRUE(o);
  EXPECT_NE(bpf_object__find_map_by_name(o.get(), "m_anon"), nullptr);
}

TEST(CodegenObject, PrintOfAValueIsAPrintfEvent) {
  CompiledObject obj = compile_ok("BEGIN { @m[1] = 2; print(@m[1]); print(comm); print(@m); }");
  const auto& events = obj.manifest.events;
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].kind, "printf");
  EXPECT_EQ(events[0].format, "%d\n");
  ASSERT_EQ(events[0].args.size(), 1u);
  EXPECT_EQ(events[0].args[0].offset, 8u);
  EXPECT_EQ(events[1].format, "%s\n");
  EXPECT_EQ(events[1].args.at(0).kind, manifest::FieldKind::String);
  EXPECT_EQ(events[2].kind, "print");
  EXPECT_EQ(obj.manifest.maps.at(events[2].map).name, "@m");
}

// The BPF backend reports an oversized stack as an LLVM error diagnostic,
// whose default handler would exit the process. Scratch mode takes most of
// the pressure (see codegen_kernel_test); this script outgrows both.
TEST(CodegenObject, StackOverflowIsAnErrorNotAnExit) {
  std::string script = "tracepoint:syscalls:sys_enter_openat {";
  for (int v = 0; v < 70; ++v) script += " $v" + std::to_string(v) + " = str(args.filename);";
  script += " @[$v0, $v69] = count(); }";
  SourceFile file{"-e", script};
  CompileOptions options;
  options.string_size = 256;
  Diagnostics diags;
  Result<CompiledObject> r = compile(file, options, diags);
  ASSERT_FALSE(r);
  EXPECT_FALSE(diags.has_errors());
  EXPECT_NE(r.error().message.find("stack"), std::string::npos) << r.error().message;
  EXPECT_FALSE(r.error().hint.empty());
}

TEST(CodegenObject, OnlyProgramsThatNeedItUseScratchSpace) {
  auto has_scratch = [](const CompiledObject& obj) {
    ObjectPtr o = open_object(obj);
    return o && bpf_object__find_map_by_name(o.get(), "sonde_scratch") != nullptr;
  };
  EXPECT_FALSE(
      has_scratch(compile_ok("tracepoint:syscalls:sys_enter_openat { @[comm] = count(); }")));
  std::string big = "tracepoint:syscalls:sys_enter_openat {";
  for (char v = 'a'; v <= 'j'; ++v) big += std::string(" $") + v + " = str(args.filename);";
  big += " @[$a, $j] = count(); }";
  EXPECT_TRUE(has_scratch(compile_ok(big)));
}

// The bytes of ELF section `name`, empty when there is none.
std::string section_bytes(const std::vector<uint8_t>& elf_bytes, const std::string& name) {
  elf_version(EV_CURRENT);
  Elf* elf = elf_memory(reinterpret_cast<char*>(const_cast<uint8_t*>(elf_bytes.data())), elf_bytes.size());
  if (!elf) return "";
  size_t names = 0;
  elf_getshdrstrndx(elf, &names);
  std::string out;
  for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn; scn = elf_nextscn(elf, scn)) {
    GElf_Shdr shdr;
    if (!gelf_getshdr(scn, &shdr)) continue;
    const char* n = elf_strptr(elf, names, shdr.sh_name);
    Elf_Data* data = elf_getdata(scn, nullptr);
    if (n && name == n && data && data->d_buf) out.assign(static_cast<const char*>(data->d_buf), data->d_size);
  }
  elf_end(elf);
  return out;
}

// .BTF.ext's header: magic, version, flags, hdr_len, then offset/length
// pairs for func info, line info and (at byte 24) CO-RE relocations.
uint32_t core_relo_bytes(const CompiledObject& obj) {
  std::string ext = section_bytes(obj.elf, ".BTF.ext");
  uint32_t hdr_len = 0, len = 0;
  if (ext.size() < 32) return 0;
  std::memcpy(&hdr_len, ext.data() + 4, 4);
  if (hdr_len < 32) return 0;  // an old header without CO-RE relocations
  std::memcpy(&len, ext.data() + 28, 4);
  return len;
}

// fdkind/fdpeer/sockaddr link compiler/bpf_lib/fd_info.c, whose kernel
// struct reads must reach the object as CO-RE relocations (libbpf applies
// them at load) with the local struct types in BTF; other scripts carry
// neither.
TEST(CodegenObject, FdHelpersCarryCoreRelocations) {
  CompiledObject with = compile_ok("BEGIN { printf(\"%s %s %s\\n\", fdkind(0), fdpeer(1), sockaddr(0)); }");
  ObjectPtr o = open_object(with);
  ASSERT_TRUE(o);
  const btf* types = bpf_object__btf(o.get());
  ASSERT_NE(types, nullptr);
  for (const char* name : {"task_struct", "fdtable", "file", "inode", "sock_common", "unix_sock"})
    EXPECT_GT(btf__find_by_name_kind(types, name, BTF_KIND_STRUCT), 0) << name;
  // Each CO-RE record is 16 bytes; fdkind alone reads six fields.
  EXPECT_GE(core_relo_bytes(with), 6u * 16u);

  CompiledObject without = compile_ok("BEGIN { printf(\"%s\\n\", str(0)); }");
  ObjectPtr plain = open_object(without);
  ASSERT_TRUE(plain);
  EXPECT_LT(btf__find_by_name_kind(bpf_object__btf(plain.get()), "task_struct", BTF_KIND_STRUCT), 0);
  EXPECT_EQ(core_relo_bytes(without), 0u);
}

TEST(CodegenObject, CheckOnlyStopsBeforeCodegen) {
  SourceFile file{"-e", "BEGIN { @x = count(); }"};
  CompileOptions options;
  options.check_only = true;
  Diagnostics diags;
  Result<CompiledObject> r = compile(file, options, diags);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->elf.empty());
}

TEST(CodegenObject, ScriptErrorsComeBackAsDiagnostics) {
  SourceFile file{"-e", "BEGIN { @x = nosuchfunction(); }"};
  Diagnostics diags;
  Result<CompiledObject> r = compile(file, CompileOptions{}, diags);
  EXPECT_FALSE(r);
  EXPECT_TRUE(diags.has_errors());
}

}  // namespace
}  // namespace sonde::compiler
