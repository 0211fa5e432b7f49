// What every fuzz input must satisfy, shared by the libFuzzer targets and the
// unit test that replays tests/fuzz/regressions/ (so a crash found once stays
// fixed in every ordinary build, sanitizers or not).
//
// Beyond "does not crash", each stage's contract is checked: a stage reports
// failure exactly when it reported an error, and every diagnostic's range
// lies inside the text. A violation aborts, which libFuzzer records as a
// crash with the input that caused it.
#pragma once
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "compiler/ast/ast.h"
#include "compiler/check.h"
#include "grammar/parse.h"
#include "support/diagnostics.h"
#include "support/source.h"

#ifdef SONDE_FUZZ_WITH_COMPILE
#include "compiler/compile.h"
#endif

namespace sonde::fuzz {

// Inputs past this size only slow the search down; every construct fits.
constexpr size_t kMaxInput = 4096;

[[noreturn]] inline void contract_violation(const char* what) {
  std::fprintf(stderr, "fuzz contract violated: %s\n", what);
  std::abort();
}

inline int line_count(const std::string& text) {
  int n = 1;
  for (char c : text) n += c == '\n';
  return n;
}

// Every diagnostic points into the text (line 1..lines+1 to allow an
// end-of-input position; columns are 1-based).
inline void check_diagnostics(const SourceFile& file, const Diagnostics& diags) {
  int last_line = line_count(file.text) + 1;
  for (const Diagnostic& d : diags.all()) {
    const SourceRange& r = d.range;
    if (r.begin.line < 1 || r.begin.line > last_line || r.begin.column < 1)
      contract_violation("diagnostic begins outside the text");
    if (d.message.empty()) contract_violation("diagnostic without a message");
  }
}

inline SourceFile as_source(const uint8_t* data, size_t size) {
  return SourceFile{"fuzz.bt", std::string(reinterpret_cast<const char*>(data), size)};
}

// grammar::parse then compiler::check, in memory only.
inline void parse_and_check(const uint8_t* data, size_t size) {
  if (size > kMaxInput) return;
  SourceFile file = as_source(data, size);
  Diagnostics diags;
  ast::Context ctx;
  bool parsed = grammar::parse(file, ctx, diags);
  if (parsed == diags.has_errors()) contract_violation("parse() result disagrees with diagnostics");
  check_diagnostics(file, diags);
  if (!parsed) return;
  compiler::CheckOptions options;
  options.params = {"1", "str"};
  auto checked = compiler::check(ctx.program, options, diags);
  if (checked.has_value() == diags.has_errors())
    contract_violation("check() result disagrees with diagnostics");
  check_diagnostics(file, diags);
}

#ifdef SONDE_FUZZ_WITH_COMPILE
// The whole compiler down to a BPF ELF, never loaded. A script that checks
// cleanly must compile: a codegen failure after a clean check is a bug.
inline void compile_to_object(const uint8_t* data, size_t size) {
  if (size > kMaxInput) return;
  SourceFile file = as_source(data, size);
  // A wildcard attach point can expand to hundreds of programs, each lowered
  // by LLVM: seconds per input under ASan, which stalls the search (libFuzzer
  // reports it as a timeout). parse_and_check still covers the expansion; the
  // e2e fault tests cover many programs end to end.
  if (file.text.substr(0, file.text.find('{')).find('*') != std::string::npos) return;
  Diagnostics diags;
  compiler::CompileOptions options;
  options.params = {"1", "str"};
  auto object = compiler::compile(file, options, diags);
  check_diagnostics(file, diags);
  if (object) {
    if (diags.has_errors()) contract_violation("compile() succeeded with errors reported");
    if (object->elf.size() < 64) contract_violation("compile() returned no ELF object");
    return;
  }
  if (!diags.has_errors() && !std::getenv("SONDE_FUZZ_ALLOW_CODEGEN_ERRORS")) {
    std::fprintf(stderr, "codegen failed after a clean check: %s\n", object.error().message.c_str());
    contract_violation("a script that checked cleanly did not compile");
  }
}
#endif

}  // namespace sonde::fuzz
