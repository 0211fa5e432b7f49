// Reading stapsdt notes and parsing argument specs (support/elf_image.h),
// against the fixtures built with <sys/sdt.h> and Debian's php8.2.
#include <gtest/gtest.h>
#include <unistd.h>

#include <set>

#include "support/elf_image.h"

namespace sonde::elf {
namespace {

std::string fixture(const std::string& name) { return std::string(SONDE_BINARY_DIR) + "/fixtures/" + name; }

const UsdtProbe* find(const Image& image, const std::string& provider, const std::string& name) {
  for (const UsdtProbe& p : image.usdt_probes())
    if (p.provider == provider && p.name == name) return &p;
  return nullptr;
}

TEST(UsdtArgs, RegisterOfEveryWidthAndSign) {
  auto a = parse_usdt_arg("-4@%r13d");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->kind, UsdtArg::Kind::Register);
  EXPECT_EQ(a->size, 4);
  EXPECT_TRUE(a->is_signed);
  EXPECT_EQ(a->reg, "r13d");
  auto b = parse_usdt_arg("1@%dil");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->size, 1);
  EXPECT_FALSE(b->is_signed);
  EXPECT_EQ(b->reg, "dil");
}

TEST(UsdtArgs, MemoryOperandsWithAndWithoutDisplacement) {
  auto a = parse_usdt_arg("8@16(%rsp)");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->kind, UsdtArg::Kind::Memory);
  EXPECT_EQ(a->value, 16);
  EXPECT_EQ(a->reg, "rsp");
  auto b = parse_usdt_arg("8@(%rsp)");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->kind, UsdtArg::Kind::Memory);
  EXPECT_EQ(b->value, 0);
  auto c = parse_usdt_arg("-8@-24(%rbp)");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->value, -24);
  EXPECT_TRUE(c->is_signed);
}

TEST(UsdtArgs, Constants) {
  auto a = parse_usdt_arg("8@$0");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->kind, UsdtArg::Kind::Constant);
  EXPECT_EQ(a->value, 0);
  auto b = parse_usdt_arg("-4@$-7");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->value, -7);
}

TEST(UsdtArgs, RejectsMalformedSpecs) {
  EXPECT_FALSE(parse_usdt_arg("8%rax"));
  EXPECT_FALSE(parse_usdt_arg("3@%rax"));
  EXPECT_FALSE(parse_usdt_arg("8@16(%rsp"));
  EXPECT_FALSE(parse_usdt_arg("8@$x"));
  EXPECT_EQ(parse_usdt_args("8@%rax   -4@%r13d 8@(%rsp)").size(), 3u);
}

TEST(UsdtNotes, FixtureProbesWithArgumentsAndSemaphores) {
  auto image = Image::open(fixture("usdt_app"));
  ASSERT_TRUE(image) << image.error().message;
  const UsdtProbe* tick = find(*image, "sondetest", "tick");
  ASSERT_NE(tick, nullptr);
  ASSERT_EQ(tick->args.size(), 4u);
  EXPECT_EQ(tick->args[3].kind, UsdtArg::Kind::Constant);
  EXPECT_EQ(tick->args[3].value, 7);
  EXPECT_NE(tick->semaphore, 0u);
  EXPECT_TRUE(image->file_offset(tick->address).has_value());
  const UsdtProbe* forms = find(*image, "sondetest", "forms");
  ASSERT_NE(forms, nullptr);
  EXPECT_EQ(forms->args_text, "-4@%r13d 8@(%rsp) 8@16(%rsp) 8@$0");
  const UsdtProbe* done = find(*image, "sondetest", "done");
  ASSERT_NE(done, nullptr);
  EXPECT_TRUE(done->args.empty());
}

TEST(UsdtNotes, SharedLibraryProbes) {
  auto image = Image::open(fixture("libsondeusdt.so"));
  ASSERT_TRUE(image) << image.error().message;
  EXPECT_TRUE(image->is_shared_object());
  ASSERT_NE(find(*image, "sondelib", "call"), nullptr);
  ASSERT_NE(find(*image, "sondelib", "guarded"), nullptr);
  EXPECT_NE(image->find_function("sondelib_square"), nullptr);
}

TEST(UsdtNotes, AllElevenPhpProbes) {
  const std::string php = "/usr/bin/php8.2";
  if (access(php.c_str(), R_OK) != 0) GTEST_SKIP() << "php8.2 is not installed";
  auto image = Image::open(php);
  ASSERT_TRUE(image) << image.error().message;
  std::set<std::string> names;
  for (const UsdtProbe& p : image->usdt_probes()) names.insert(p.provider + ":" + p.name);
  EXPECT_EQ(names.size(), 11u);
  const UsdtProbe* entry = find(*image, "php", "function__entry");
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->args.size(), 5u);
}

TEST(ElfImage, ErrorsSayWhatIsWrong) {
  auto missing = Image::open("/no/such/binary");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("does not exist"), std::string::npos);
  auto text = Image::open("/etc/hostname");
  ASSERT_FALSE(text);
  EXPECT_NE(text.error().message.find("not an ELF"), std::string::npos);
}

}  // namespace
}  // namespace sonde::elf
