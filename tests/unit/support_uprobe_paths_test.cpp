// Uprobe placement and target resolution (support/elf_image.h,
// support/binary_path.h): symbols, endbr64 skipping, ld.so.cache, /proc.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>

#include "support/binary_path.h"
#include "support/elf_image.h"

namespace sonde {
namespace {

std::string fixture(const std::string& name) { return std::string(SONDE_BINARY_DIR) + "/fixtures/" + name; }

TEST(UprobeSymbols, FindsFunctionsAndTheirFileOffsets) {
  auto image = elf::Image::open(fixture("libsondeusdt.so"));
  ASSERT_TRUE(image) << image.error().message;
  const elf::Symbol* sym = image->find_function("sondelib_square");
  ASSERT_NE(sym, nullptr);
  EXPECT_GT(sym->size, 0u);
  EXPECT_TRUE(image->file_offset(sym->address).has_value());
  EXPECT_EQ(image->find_function("no_such_function"), nullptr);
}

const std::vector<uint8_t> kEndbr64 = {0xf3, 0x0f, 0x1e, 0xfa};

// The library fixture is built with -fcf-protection: its functions start
// with endbr64, and an entry probe goes 4 bytes later; an explicit offset
// is never moved.
TEST(UprobeSymbols, EntryProbeSkipsEndbr64) {
  auto image = elf::Image::open(fixture("libsondeusdt.so"));
  ASSERT_TRUE(image) << image.error().message;
  const elf::Symbol* sym = image->find_function("sondelib_square");
  ASSERT_NE(sym, nullptr);
  ASSERT_EQ(image->bytes_at(sym->address, 4), kEndbr64);
  EXPECT_EQ(elf::entry_address(*image, *sym, 0), sym->address + 4);
  EXPECT_EQ(elf::entry_address(*image, *sym, 2), sym->address + 2);
}

TEST(UprobeSymbols, NoEndbr64NoMove) {
  auto image = elf::Image::open(fixture("usdt_app"));
  ASSERT_TRUE(image);
  const elf::Symbol* sym = image->find_function("main");
  ASSERT_NE(sym, nullptr);
  ASSERT_NE(image->bytes_at(sym->address, 4), kEndbr64);
  EXPECT_EQ(elf::entry_address(*image, *sym, 0), sym->address);
}

TEST(LdCache, ParsesTheMachinesCache) {
  auto cache = binpath::read_ld_cache();
  if (cache.empty()) GTEST_SKIP() << "no /etc/ld.so.cache";
  std::string libc = binpath::find_library(cache, "libc");
  EXPECT_NE(libc.find("libc.so.6"), std::string::npos) << libc;
  EXPECT_EQ(binpath::find_library(cache, "c"), libc);
  EXPECT_EQ(binpath::find_library(cache, "libc.so"), "") << "libc.so.so is not a name";
  EXPECT_EQ(binpath::find_library(cache, "no_such_library_xyz"), "");
}

TEST(LdCache, RejectsGarbage) {
  EXPECT_TRUE(binpath::parse_ld_cache("").empty());
  EXPECT_TRUE(binpath::parse_ld_cache(std::string(100, 'x')).empty());
  // A header claiming more entries than the bytes hold stops at the end.
  std::string truncated = std::string("glibc-ld.so.cache1.1") + std::string("\xff\xff\x00\x00", 4) +
                          std::string(24, '\0');
  EXPECT_TRUE(binpath::parse_ld_cache(truncated).empty());
}

TEST(TargetResolution, PathsShortNamesAndPrograms) {
  EXPECT_EQ(binpath::resolve("/bin/sh").value(), "/bin/sh");
  auto missing = binpath::resolve("/no/such/binary");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("does not exist"), std::string::npos);
  auto libc = binpath::resolve("c");
  ASSERT_TRUE(libc) << libc.error().message;
  EXPECT_NE(libc->find("libc.so"), std::string::npos);
  auto sh = binpath::resolve("sh");
  ASSERT_TRUE(sh) << sh.error().message;
  EXPECT_EQ(sh->back(), 'h');
  EXPECT_FALSE(binpath::resolve("no_such_program_or_library_xyz"));
}

TEST(TargetResolution, ThroughAProcessesMappings) {
  auto files = binpath::mapped_files(getpid());
  ASSERT_TRUE(files) << files.error().message;
  ASSERT_FALSE(files->empty());
  char self[4096] = {};
  ASSERT_GT(readlink("/proc/self/exe", self, sizeof self - 1), 0);
  EXPECT_EQ(files->front(), self) << "the executable comes first";
  auto libc = binpath::resolve("libc", getpid());
  ASSERT_TRUE(libc) << libc.error().message;
  EXPECT_TRUE(std::find(files->begin(), files->end(), *libc) != files->end());
  EXPECT_FALSE(binpath::resolve("libno_such_lib", getpid()));
  EXPECT_FALSE(binpath::mapped_files(999999999));
}

}  // namespace
}  // namespace sonde
