// printf formatting against what bpftrace 0.17 prints for the same verbs.
#include <gtest/gtest.h>

#include <cstring>

#include "runtime/printf_format.h"

namespace sonde::runtime {
namespace {

using manifest::Field;
using manifest::FieldKind;

// Builds a record: u64 event id, then each value at the next 8-byte slot
// (strings take 16 bytes, NUL-padded), and the matching argument layout.
struct Record {
  std::vector<uint8_t> bytes = std::vector<uint8_t>(8, 0);
  std::vector<Field> args;

  Record& i(int64_t v, FieldKind kind = FieldKind::Int) {
    args.push_back(Field{"", kind, static_cast<uint32_t>(bytes.size()), 8});
    bytes.resize(bytes.size() + 8);
    std::memcpy(bytes.data() + bytes.size() - 8, &v, 8);
    return *this;
  }
  Record& s(const std::string& v, uint32_t size = 16) {
    args.push_back(Field{"", FieldKind::String, static_cast<uint32_t>(bytes.size()), size});
    bytes.resize(bytes.size() + size, 0);
    std::memcpy(bytes.data() + bytes.size() - size, v.data(), std::min<size_t>(v.size(), size));
    return *this;
  }
  std::string format(const std::string& fmt) const {
    return format_printf(parse_format(fmt), args, bytes.data(), bytes.size());
  }
};

TEST(RuntimePrintf, BpftraceReferenceLine) {
  // bpftrace -e 'BEGIN { printf("[%d|%5d|...]\n", -7, 42, ...) }' printed exactly this.
  Record r;
  r.i(-7).i(42).i(42).i(42).i(-1).i(255).i(-1).i(8).i(65).s("hi").s("right").s("left").s("abcdef");
  r.i(4096).i(5).i(6);
  EXPECT_EQ(r.format("[%d|%5d|%-5d|%05d|%u|%x|%X|%o|%c|%s|%10s|%-6s|%.2s|%p|%%|%ld|%lld]\n"),
            "[-7|   42|42   |00042|4294967295|ff|FFFFFFFF|10|A|hi|     right|left  |ab|0x1000|%|5|6]\n");
}

TEST(RuntimePrintf, LengthModifiersDecideTheWidthLikeC) {
  Record r;
  r.i(-1).i(-1).i(-1).i(322).i(5000000000).i(5000000000).i(300).i(70000);
  EXPECT_EQ(r.format("%llx %lu %x %c %d %ld %hhd %hd"),
            "ffffffffffffffff 18446744073709551615 ffffffff B 705032704 5000000000 44 4464");
  Record z;
  z.i(-3).i(-3).i(9);
  EXPECT_EQ(z.format("%zd %jd %zu"), "-3 -3 9");
}

TEST(RuntimePrintf, IntegerAliasesAndFlags) {
  Record r;
  r.i(3).i(7).i(255).i(300).i(300);
  EXPECT_EQ(r.format("%i|%+d|%#x|%-8x|%08.3d"), "3|+7|0xff|12c     |     300");
}

TEST(RuntimePrintf, NullPointerAndEmptyString) {
  Record r;
  r.i(0).s("");
  EXPECT_EQ(r.format("%p %s|"), "(nil) |");
}

TEST(RuntimePrintf, StringsStopAtNulOrBufferEnd) {
  Record r;
  r.s("sixteen_chars_xx", 16).s("ab", 4).s("xyz", 3);
  EXPECT_EQ(r.format("<%s><%s><%5.1s>"), "<sixteen_chars_xx><ab><    x>");
}

TEST(RuntimePrintf, NarrowFieldsAreSignExtendedByKind) {
  std::vector<uint8_t> bytes(16, 0);
  bytes[8] = 0xff;
  bytes[9] = 0xff;
  std::vector<Field> s16{{"", FieldKind::Int, 8, 2}}, u16{{"", FieldKind::Uint, 8, 2}};
  auto pieces = parse_format("%ld");
  EXPECT_EQ(format_printf(pieces, s16, bytes.data(), bytes.size()), "-1");
  EXPECT_EQ(format_printf(pieces, u16, bytes.data(), bytes.size()), "65535");
}

TEST(RuntimePrintf, PercentAndUnknownConversionsStayLiteral) {
  Record r;
  r.i(1);
  EXPECT_EQ(r.format("100%% %d %q"), "100% 1 %q");
  auto pieces = parse_format("a%%b%dc");
  ASSERT_EQ(pieces.size(), 3u);
  EXPECT_EQ(pieces[0].literal, "a%b");
  EXPECT_EQ(pieces[1].verb, 'd');
  EXPECT_EQ(pieces[2].literal, "c");
}

TEST(RuntimePrintf, ArgumentsOutsideTheRecordReadAsZero) {
  std::vector<uint8_t> bytes(8, 0);
  std::vector<Field> args{{"", FieldKind::Int, 64, 8}, {"", FieldKind::String, 64, 16}};
  EXPECT_EQ(format_printf(parse_format("%d[%s]"), args, bytes.data(), bytes.size()), "0[]");
}

// `%*s`: the width is the argument before the value, as in C; negative
// left-aligns; absurd widths are bounded.
TEST(RuntimePrintf, StarWidthTakesTheWidthFromAnArgument) {
  Record r;
  r.i(4).s("").s("x").i(-3).s("ab").i(5).i(42);
  EXPECT_EQ(r.format("[%*s->%s|%*s|%*d]"), "[    ->x|ab |   42]");
  Record big;
  big.i(1 << 30).s("z");
  EXPECT_EQ(big.format("%*s").size(), 1024u);
}

}  // namespace
}  // namespace sonde::runtime
