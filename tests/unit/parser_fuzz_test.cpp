// A bounded fuzz smoke test: random bytes and mutations of the corpus (byte
// flips, deletions, insertions, token splices, cross-file splices). The
// parser must never crash or hang, and its output must stay consistent:
// parse() returns true exactly when no error was reported, every diagnostic
// range lies inside the text, probe indices are their positions.
// Deterministic by default; set SONDE_FUZZ_SEED to explore other inputs and
// SONDE_FUZZ_ROUNDS to run longer. Meant to be run under ASan as well
// (-DSONDE_SANITIZE=ON).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "grammar/parse.h"

namespace sonde::grammar {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> load_corpus() {
  std::vector<std::string> texts;
  fs::path dir = fs::path(SONDE_SOURCE_DIR) / "tests/lang/corpus";
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".bt") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    texts.push_back(s.str());
  }
  std::sort(texts.begin(), texts.end());
  return texts;
}

unsigned env_or(const char* name, unsigned fallback) {
  const char* v = std::getenv(name);
  return v ? static_cast<unsigned>(std::strtoul(v, nullptr, 10)) : fallback;
}

// Fragments that steer mutations toward the interesting corners of the
// grammar and scanner rather than only random noise.
const char* const kTokens[] = {
    "{", "}", "(", ")", "[", "]", "/", "//", "/*", "*/", "\"", "'", "\\", ";", ",", ":", "?",
    "@", "@x[", "$", "$1", "$#", "++", "--", "+=", "<<=", "->", ".", "if", "else", "unroll",
    "BEGIN", "u:/bin/sh:f", "span", "use", "(uint8)", "0x", "1_0", "1e9", "\n", " ", "\t", "\0",
    "\xff", "count()", "args->f", "/pid/ {",
};

class Mutator {
 public:
  explicit Mutator(unsigned seed) : rng_(seed) {}

  std::string mutate(std::string s, const std::vector<std::string>& corpus) {
    int steps = 1 + pick(4);
    for (int i = 0; i < steps; ++i) s = step(std::move(s), corpus);
    return s;
  }

  std::string random_bytes() {
    std::string s(pick(200), '\0');
    for (char& c : s) c = static_cast<char>(pick(256));
    return s;
  }

  int pick(int n) { return n <= 0 ? 0 : static_cast<int>(rng_() % static_cast<unsigned>(n)); }

 private:
  std::string step(std::string s, const std::vector<std::string>& corpus) {
    size_t at = s.empty() ? 0 : pick(static_cast<int>(s.size()));
    switch (pick(5)) {
      case 0:  // flip a byte
        if (!s.empty()) s[at] = static_cast<char>(s[at] ^ (1 << pick(8)));
        break;
      case 1:  // delete a run
        if (!s.empty()) s.erase(at, 1 + pick(8));
        break;
      case 2: {  // insert a token
        std::string tok = kTokens[pick(std::size(kTokens))];
        if (tok.empty()) tok.push_back('\0');
        s.insert(at, tok);
        break;
      }
      case 3: {  // duplicate a slice of itself
        if (s.empty()) break;
        size_t from = pick(static_cast<int>(s.size()));
        s.insert(at, s.substr(from, 1 + pick(20)));
        break;
      }
      default: {  // splice the head of this file onto the tail of another
        const std::string& other = corpus[pick(static_cast<int>(corpus.size()))];
        size_t cut = other.empty() ? 0 : pick(static_cast<int>(other.size()));
        s = s.substr(0, at) + other.substr(cut);
        break;
      }
    }
    return s;
  }

  std::mt19937 rng_;
};

// Returns a description of the first broken invariant, or "" when all hold.
std::string check_invariants(const std::string& text) {
  ast::Context ctx;
  Diagnostics diags;
  bool ok = parse({"fuzz.bt", text}, ctx, diags);
  if (ok == diags.has_errors()) return "parse() result disagrees with the diagnostics";
  int lines = 1 + static_cast<int>(std::count(text.begin(), text.end(), '\n'));
  for (const auto& d : diags.all()) {
    const SourceRange& r = d.range;
    if (r.begin.line < 1 || r.begin.column < 1 || r.end.line < r.begin.line || r.end.line > lines)
      return "diagnostic range out of the text: " + d.message;
    if (d.code != "E-parse" && d.code != "E-lex" && d.code != "E-reserved") return "unexpected code " + d.code;
  }
  for (size_t i = 0; i < ctx.program.probes.size(); ++i) {
    const ast::Probe* p = ctx.program.probes[i];
    if (p->index != static_cast<int>(i)) return "probe index mismatch";
    if (p->attach_points.empty() || !p->body) return "probe without attach point or body";
  }
  ast::dump(ctx.program);  // must not crash on a recovered tree either
  return "";
}

TEST(ParserFuzz, MutatedCorpusNeverCrashesOrHangs) {
  std::vector<std::string> corpus = load_corpus();
  ASSERT_FALSE(corpus.empty());
  unsigned seed = env_or("SONDE_FUZZ_SEED", 12345);
  unsigned rounds = env_or("SONDE_FUZZ_ROUNDS", 4000);
  Mutator m(seed);
  for (unsigned i = 0; i < rounds; ++i) {
    std::string input = (i % 10 == 0) ? m.random_bytes()
                                      : m.mutate(corpus[m.pick(static_cast<int>(corpus.size()))], corpus);
    auto start = std::chrono::steady_clock::now();
    std::string broken = check_invariants(input);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    ASSERT_EQ(broken, "") << "seed " << seed << " round " << i << " input:\n" << input;
    ASSERT_LT(ms.count(), 1000) << "slow parse, seed " << seed << " round " << i << " input:\n" << input;
  }
}

TEST(ParserFuzz, PathologicalInputs) {
  const std::string cases[] = {
      "",
      std::string(1, '\0'),
      std::string(10000, '{'),
      std::string(10000, '}'),
      std::string(10000, '('),
      "BEGIN {" + std::string(5000, '-') + "1 }",
      "BEGIN { $x = " + std::string(3000, '!') + "1 }",
      std::string(5000, '/'),
      "BEGIN /" + std::string(5000, '/'),
      std::string(3000, '"'),
      "BEGIN { " + std::string(20000, ';') + " }",
      "/*" + std::string(10000, '*'),
      "BEGIN " + std::string(2000, ',') + " { }",
  };
  for (const auto& text : cases) EXPECT_EQ(check_invariants(text), "") << text.substr(0, 60);
}

}  // namespace
}  // namespace sonde::grammar
