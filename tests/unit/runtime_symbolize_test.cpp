// Symbolization and folded output without BPF: stacks are built by hand from
// addresses this test knows (its own functions, kallsyms entries), in the
// layout manifest.h gives ({ u32 pid; u32 pad; u64 ips[] }).
#include <execinfo.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "runtime/output.h"
#include "runtime/symbolize.h"

namespace sonde_symbolize_test {
// Mangled on purpose: `sonde_symbolize_test::Probe::leaf(int)`.
struct Probe {
  __attribute__((noinline)) static int leaf(int x) { return x * 3 + 1; }
};
}  // namespace sonde_symbolize_test

extern "C" __attribute__((noinline)) int sonde_symbolize_plain(int x) { return x + 7; }

namespace sonde::runtime {
namespace {

using manifest::Field;
using manifest::FieldKind;

uint64_t address_of(int (*fn)(int)) { return reinterpret_cast<uint64_t>(fn); }

// A stack field at offset `at` holding `pid` and `ips` (leaf first).
std::vector<uint8_t> stack_bytes(uint32_t pid, const std::vector<uint64_t>& ips, uint32_t frames,
                                 uint32_t at = 0) {
  std::vector<uint8_t> out(at + 8 + 8 * frames, 0);
  std::memcpy(out.data() + at, &pid, 4);
  for (size_t i = 0; i < ips.size(); ++i) std::memcpy(out.data() + at + 8 + 8 * i, &ips[i], 8);
  return out;
}

Field stack_field(FieldKind kind, uint32_t frames, uint32_t at = 0) {
  return Field{"key0", kind, at, 8 + 8 * frames};
}

// A kernel function's address from /proc/kallsyms (0 when hidden).
uint64_t kallsyms_address(const std::string& name) {
  std::ifstream in("/proc/kallsyms");
  std::string addr, type, sym;
  while (in >> addr >> type >> sym) {
    if (sym == name) return std::stoull(addr, nullptr, 16);
    in.ignore(1 << 10, '\n');
  }
  return 0;
}

TEST(Symbolize, OwnFunctionsWithOffsetsAndDemangledNames) {
  pid_t self = getpid();
  Frame plain = symbolize_user(self, address_of(sonde_symbolize_plain) + 2);
  EXPECT_EQ(frame_text(plain), "sonde_symbolize_plain+2");
  Frame cxx = symbolize_user(self, address_of(sonde_symbolize_test::Probe::leaf));
  EXPECT_EQ(frame_text(cxx), "sonde_symbolize_test::Probe::leaf(int)+0");
  EXPECT_NE(cxx.module.find("runtime_symbolize_test"), std::string::npos) << cxx.module;
}

TEST(Symbolize, LibraryFunctionThroughDynsym) {
  Frame f = symbolize_user(getpid(), reinterpret_cast<uint64_t>(&getppid) + 1);
  EXPECT_EQ(frame_text(f), "getppid+1") << f.module;
}

// Debian's libc is stripped: its local functions (__libc_start_call_main,
// which calls main) are only in libc6-dbg's file named by libc's build-id.
TEST(Symbolize, StrippedLibraryUsesItsDebugFileByBuildId) {
  struct stat st;
  bool has_libc_dbg = stat("/usr/share/doc/libc6-dbg", &st) == 0;  // scripts/setup installs it
  void* frames[64];
  int n = backtrace(frames, 64);
  bool found = false;
  for (int i = 0; i < n; ++i) {
    // Return addresses point after the call: look one byte back.
    Frame f = symbolize_user(getpid(), reinterpret_cast<uint64_t>(frames[i]) - 1);
    if (f.symbol == "__libc_start_call_main") found = true;
  }
  if (!found && !has_libc_dbg) GTEST_SKIP() << "libc6-dbg is not installed (scripts/setup)";
  EXPECT_TRUE(found) << "libc's caller of main was not named";
}

TEST(Symbolize, ProcessThatExitedGivesUnknownFrames) {
  pid_t child = fork();
  if (child == 0) _exit(0);
  ASSERT_GT(child, 0);
  waitpid(child, nullptr, 0);
  Frame f = symbolize_user(child, address_of(sonde_symbolize_plain));
  EXPECT_TRUE(f.process_gone);
  EXPECT_EQ(frame_text(f), "[unknown]");
}

TEST(Symbolize, AddressOutsideAnySymbolPrintsAsHex) {
  Frame f = symbolize_user(getpid(), 0x10);
  EXPECT_EQ(frame_text(f), "0x10");
}

TEST(Symbolize, KernelFunctionFromKallsyms) {
  uint64_t base = kallsyms_address("do_syscall_64");
  if (base == 0) GTEST_SKIP() << "kallsyms addresses are hidden (not root?)";
  EXPECT_EQ(frame_text(symbolize_kernel(base + 11)), "do_syscall_64+11");
}

TEST(Symbolize, StackTextIsBpftraceShaped) {
  std::vector<uint64_t> ips = {address_of(sonde_symbolize_test::Probe::leaf) + 4,
                               address_of(sonde_symbolize_plain) + 1};
  Field f = stack_field(FieldKind::UserStack, 4);
  auto bytes = stack_bytes(static_cast<uint32_t>(getpid()), ips, 4);
  StackFrames stack = read_stack(f, bytes.data(), bytes.size());
  EXPECT_EQ(stack.frames.size(), 2u);  // zeroes end the stack
  EXPECT_EQ(stack_text(stack, 4),
            "\n    sonde_symbolize_test::Probe::leaf(int)+4\n    sonde_symbolize_plain+1\n");
  EXPECT_EQ(stack_folded(stack),
            (std::vector<std::string>{"sonde_symbolize_plain", "sonde_symbolize_test::Probe::leaf(int)"}));
}

TEST(Symbolize, FoldedMapPutsOtherKeysFirstAndStacksRootFirst) {
  manifest::MapSpec spec;
  spec.name = "@";
  spec.kind = "count";
  spec.key = {Field{"key0", FieldKind::String, 0, 16}, stack_field(FieldKind::UserStack, 3, 16)};
  spec.key_size = 16 + 8 + 24;
  std::vector<uint64_t> ips = {address_of(sonde_symbolize_test::Probe::leaf) + 4,
                               address_of(sonde_symbolize_plain) + 1};
  auto key = stack_bytes(static_cast<uint32_t>(getpid()), ips, 3, 16);
  std::memcpy(key.data(), "php-fpm", 7);
  MapData data;
  MapRow row;
  row.key = key;
  row.value = 42;
  data.rows.push_back(row);
  EXPECT_EQ(map_folded(spec, data),
            "php-fpm;sonde_symbolize_plain;sonde_symbolize_test::Probe::leaf(int) 42\n");
  // The text output keeps bpftrace's shape for the same map.
  EXPECT_EQ(map_text(spec, data),
            "@[php-fpm, \n    sonde_symbolize_test::Probe::leaf(int)+4\n    sonde_symbolize_plain+1\n]: 42\n");
}

TEST(Symbolize, FoldedOutputDriverLeavesOtherMapsAsText) {
  std::ostringstream out, err;
  auto o = make_output(OutputFormat::Folded, out, err);
  manifest::MapSpec plain;
  plain.name = "@calls";
  plain.kind = "count";
  MapData data;
  MapRow row;
  row.key = std::vector<uint8_t>(8, 0);
  row.value = 3;
  data.rows.push_back(row);
  o->exit_banner();
  o->map(plain, data);
  EXPECT_EQ(out.str(), "@calls: 3\n");
}

}  // namespace
}  // namespace sonde::runtime
