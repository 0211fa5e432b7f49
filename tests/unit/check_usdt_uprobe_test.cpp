// Checker side of user-space probes (compiler/resolve_user.cpp): targets
// resolved to real paths, wildcards expanded from symbols and stapsdt notes,
// -p lookups, and located errors with close matches.
#include <unistd.h>

#include <algorithm>

#include "tests/unit/check_helpers.h"

namespace sonde::testing {
namespace {

std::string fixture(const std::string& name) { return std::string(SONDE_BINARY_DIR) + "/fixtures/" + name; }

std::unique_ptr<Run> run_with_pid(const std::string& text, int pid) {
  auto r = std::make_unique<Run>();
  r->file = {"test.bt", text};
  r->parsed = grammar::parse(r->file, r->ctx, r->diags);
  compiler::CheckOptions options;
  options.target_pid = pid;
  if (r->parsed) r->checked = compiler::check(r->ctx.program, options, r->diags);
  return r;
}

std::vector<std::string> names_of(const Run& r) {
  std::vector<std::string> out;
  for (const auto& p : r.checked->probes)
    for (const auto& a : p.attach) out.push_back(a.kind + " " + a.target + " " + a.name);
  return out;
}

TEST(CheckUsdt, WildcardsExpandOnePerProbeNotPerSite) {
  std::string app = fixture("usdt_app");
  auto r = run_check("usdt:" + app + ":sondetest:t* { } U:" + app + ":*s { }");
  EXPECT_CLEAN(r);
  ASSERT_TRUE(r->checked);
  std::vector<std::string> want = {"usdt " + app + " sondetest:forms", "usdt " + app + " sondetest:tick",
                                   "usdt " + app + " sondetest:widths"};
  std::vector<std::string> got = names_of(*r);
  std::sort(got.begin(), got.end());  // expansion follows the notes' order
  EXPECT_EQ(got, want);
  EXPECT_EQ(r->checked->probes[0].attach[0].probe_name, "usdt:" + app + ":sondetest:tick");
}

TEST(CheckUsdt, MissingProbeSuggestsCloseNames) {
  auto r = run_check("usdt:" + fixture("usdt_app") + ":sondetest:tik { }");
  EXPECT_ONE_ERROR(r, "E-no-usdt", 1, 1);
  EXPECT_NE(r->rendered().find("did you mean `sondetest:tick`"), std::string::npos) << r->rendered();
}

TEST(CheckUsdt, StarPathSearchesTheProcessesFiles) {
  auto without_pid = run_check("usdt:*:sondetest:tick { }");
  EXPECT_ONE_ERROR(without_pid, "E-attach", 1, 1);
  // This test binary has no USDT notes, but libc is searched too: the error
  // names the process, proving the lookup went through its mappings.
  auto r = run_with_pid("usdt:*:sondetest:tick { }", getpid());
  EXPECT_ONE_ERROR(r, "E-no-usdt", 1, 1);
  EXPECT_NE(r->rendered().find("process " + std::to_string(getpid())), std::string::npos) << r->rendered();
}

TEST(CheckUprobe, LibraryShortNameAndSymbolGlob) {
  auto r = run_check("uprobe:c:getaddrinfo { } ur:" + fixture("libsondeusdt.so") + ":sondelib_* { }");
  EXPECT_CLEAN(r);
  ASSERT_TRUE(r->checked);
  const auto& first = r->checked->probes[0].attach;
  ASSERT_EQ(first.size(), 1u);
  EXPECT_NE(first[0].target.find("libc.so"), std::string::npos) << first[0].target;
  EXPECT_EQ(first[0].name, "getaddrinfo");
  const auto& second = r->checked->probes[1].attach;
  ASSERT_EQ(second.size(), 2u);
  EXPECT_EQ(second[0].name, "sondelib_guarded_raised");
  EXPECT_EQ(second[1].name, "sondelib_square");
  EXPECT_EQ(second[1].kind, "uretprobe");
}

TEST(CheckUprobe, OffsetsAndAddresses) {
  std::string lib = fixture("libsondeusdt.so");
  auto r = run_check("uprobe:" + lib + ":sondelib_square+4 { } uprobe:" + lib + ":0x1100 { }");
  EXPECT_CLEAN(r);
  ASSERT_TRUE(r->checked);
  EXPECT_EQ(r->checked->probes[0].attach[0].name, "sondelib_square");
  EXPECT_EQ(r->checked->probes[0].attach[0].offset, 4u);
  EXPECT_EQ(r->checked->probes[1].attach[0].name, "");
  EXPECT_EQ(r->checked->probes[1].attach[0].offset, 0x1100u);
}

TEST(CheckUprobe, ErrorsAreLocatedAndSpecific) {
  std::string lib = fixture("libsondeusdt.so");
  auto typo = run_check("BEGIN { }\nuprobe:" + lib + ":sondelib_sqare { }");
  EXPECT_ONE_ERROR(typo, "E-no-symbol", 2, 1);
  EXPECT_NE(typo->rendered().find("did you mean `sondelib_square`"), std::string::npos) << typo->rendered();
  EXPECT_ONE_ERROR(run_check("uprobe:" + lib + ":nomatch_* { }"), "E-no-symbol", 1, 1);
  EXPECT_ONE_ERROR(run_check("uprobe:/etc/hostname:main { }"), "E-user-binary", 1, 1);
  EXPECT_ONE_ERROR(run_check("uprobe:libno_such_lib_xyz:f { }"), "E-user-binary", 1, 1);
  EXPECT_ONE_ERROR(run_check("uprobe:/no/such/bin:f* { }"), "E-user-binary", 1, 1);
}

// A literal path that is not on this machine is left to the runtime (the
// object may be built here and run where the binary is).
TEST(CheckUprobe, LiteralMissingBinaryIsLeftToAttachTime) {
  auto r = run_check("uprobe:/no/such/bin:main { } usdt:/no/such/bin:p:n { }");
  EXPECT_CLEAN(r);
}

}  // namespace
}  // namespace sonde::testing
