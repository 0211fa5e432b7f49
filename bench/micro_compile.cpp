// Front-end and full-compile micro benchmarks: parse + check of a generated
// 1,000-line script (issue 2 target: < 20 ms), and the whole pipeline
// (parse → check → LLVM → ELF) for one-liners. The checker reads tracepoint
// formats from tracefs, so these run as root with tracefs mounted, like sonde.
#include <benchmark/benchmark.h>

#include <string>

#include "compiler/check.h"
#include "compiler/compile.h"
#include "grammar/parse.h"

namespace {

using namespace sonde;

// One probe of ten lines, mixing maps, aggregations, variables, a condition
// and printf with str(): the constructs a real script spends its lines on.
std::string probe_block(int i) {
  const std::string n = std::to_string(i);
  return "tracepoint:syscalls:sys_enter_openat /pid > " + n + "/ {\n"
         "  $flags = args->flags + " + n + ";\n"
         "  @opens_" + n + "[comm] = count();\n"
         "  @bytes_" + n + "[pid, comm] = sum($flags);\n"
         "  if ($flags > 10 && uid != 0) {\n"
         "    printf(\"%s %d %s\\n\", comm, $flags, str(args->filename));\n"
         "  }\n"
         "  @hist_" + n + " = hist($flags * 2);\n"
         "  @last_" + n + "[tid] = nsecs;\n"
         "}\n";
}

std::string script_of_lines(int lines) {
  std::string text;
  for (int i = 0; i * 10 < lines; ++i) text += probe_block(i);
  return text;
}

void BM_ParseCheck1000Lines(benchmark::State& state) {
  const SourceFile file{"generated.sonde", script_of_lines(1000)};
  for (auto _ : state) {
    ast::Context ctx;
    Diagnostics diags;
    bool parsed = grammar::parse(file, ctx, diags);
    auto checked = parsed ? compiler::check(ctx.program, {}, diags) : std::nullopt;
    if (!checked) {
      state.SkipWithError(render_all(diags, file).c_str());
      break;
    }
    benchmark::DoNotOptimize(checked->maps.size());
  }
  state.SetItemsProcessed(state.iterations() * 1000);  // lines
}
BENCHMARK(BM_ParseCheck1000Lines)->Unit(benchmark::kMillisecond);

void compile_once(benchmark::State& state, const std::string& text) {
  const SourceFile file{"-e", text};
  for (auto _ : state) {
    Diagnostics diags;
    auto object = compiler::compile(file, {}, diags);
    if (!object) {
      state.SkipWithError((object.error().message + "\n" + render_all(diags, file)).c_str());
      break;
    }
    benchmark::DoNotOptimize(object->elf.data());
  }
}

void BM_CompileCountOneLiner(benchmark::State& state) {
  compile_once(state, "tracepoint:syscalls:sys_enter_getpid { @ = count(); }");
}
BENCHMARK(BM_CompileCountOneLiner)->Unit(benchmark::kMillisecond);

void BM_CompilePrintfStrOneLiner(benchmark::State& state) {
  compile_once(state,
               "tracepoint:syscalls:sys_enter_openat { printf(\"%s %s\\n\", comm, str(args->filename)); }");
}
BENCHMARK(BM_CompilePrintfStrOneLiner)->Unit(benchmark::kMillisecond);

}  // namespace
