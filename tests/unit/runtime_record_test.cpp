// Records (`emit`): decoding by the manifest's layout, unit formatting, the
// aligned text table and the NDJSON line. No kernel needed.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "runtime/output.h"
#include "runtime/output_record.h"

namespace sonde::runtime {
namespace {

using manifest::Field;
using manifest::FieldKind;

// A record "io" of: name string[8] @8, fd int32 @16, latency duration @24,
// bytes (signed) @32, where addr @40.
manifest::EventSpec io_spec() {
  manifest::EventSpec spec;
  spec.kind = "record";
  spec.name = "io";
  spec.args = {Field{"name", FieldKind::String, 8, 8, ""}, Field{"fd", FieldKind::Int, 16, 4, "fd"},
               Field{"latency", FieldKind::Uint, 24, 8, "duration"},
               Field{"bytes", FieldKind::Int, 32, 8, "bytes"}, Field{"where", FieldKind::Uint, 40, 8, "addr"}};
  spec.size = 48;
  return spec;
}

std::vector<uint8_t> io_record(const char* name, int32_t fd, uint64_t ns, int64_t bytes, uint64_t addr) {
  std::vector<uint8_t> r(48, 0);
  std::strncpy(reinterpret_cast<char*>(&r[8]), name, 8);
  std::memcpy(&r[16], &fd, 4);
  std::memcpy(&r[24], &ns, 8);
  std::memcpy(&r[32], &bytes, 8);
  std::memcpy(&r[40], &addr, 8);
  return r;
}

TEST(RuntimeRecord, DecodesByLayout) {
  auto rec = io_record("read", -1, 1500, 4096, 0x7f00);
  auto values = decode_record(io_spec(), rec.data(), rec.size());
  ASSERT_EQ(values.size(), 5u);
  EXPECT_EQ(values[0].text, "read");
  EXPECT_EQ(values[1].number, -1);  // 4-byte signed, sign-extended
  EXPECT_EQ(values[2].number, 1500);
  EXPECT_EQ(values[3].number, 4096);
  // A truncated record reads as zero rather than past its end.
  auto short_values = decode_record(io_spec(), rec.data(), 24);
  EXPECT_EQ(short_values[2].number, 0);
}

TEST(RuntimeRecord, UnitsDriveText) {
  Field d{"d", FieldKind::Uint, 0, 8, "duration"};
  auto text = [](const Field& f, int64_t n) { return record_value_text(f, RecordValue{false, n, ""}); };
  EXPECT_EQ(text(d, 850), "850ns");
  EXPECT_EQ(text(d, 12'400), "12.4us");
  EXPECT_EQ(text(d, 3'210'000), "3.21ms");
  EXPECT_EQ(text(d, 1'500'000'000), "1.50s");
  EXPECT_EQ(text(d, 250'000'000), "250ms");
  Field b{"b", FieldKind::Int, 0, 8, "bytes"};
  EXPECT_EQ(text(b, 4096), "4096");
  EXPECT_EQ(text(b, -EAGAIN), "-EAGAIN");
  EXPECT_EQ(text(Field{"e", FieldKind::Int, 0, 8, "errno"}, -ENOENT), "-ENOENT");
  EXPECT_EQ(text(Field{"a", FieldKind::Uint, 0, 8, "addr"}, 0xdead), "0xdead");
  EXPECT_EQ(text(Field{"u", FieldKind::Uint, 0, 8, ""}, -1), "18446744073709551615");
}

TEST(RuntimeRecord, TextTableHasOneHeaderPerRunOfAKind) {
  RecordTable table;
  auto spec = io_spec();
  auto a = io_record("read", 3, 1500, 10, 0x10);
  auto b = io_record("connect", 4, 2'000'000, -EPIPE, 0x20);
  std::string first = table.row(spec, decode_record(spec, a.data(), a.size()));
  std::string second = table.row(spec, decode_record(spec, b.data(), b.size()));
  EXPECT_EQ(first.substr(0, 5), "# io\n");
  EXPECT_EQ(second.find("# io"), std::string::npos);
  // Columns line up: each row is as long as the header line.
  std::string header = first.substr(5, first.find('\n', 5) - 5);
  std::string row1 = first.substr(first.find('\n', 5) + 1);
  row1.pop_back();
  std::string row2 = second.substr(0, second.size() - 1);
  EXPECT_EQ(header.size(), row1.size()) << header << "\n" << row1;
  EXPECT_EQ(row1.size(), row2.size()) << row1 << "\n" << row2;
  EXPECT_NE(row2.find("-EPIPE"), std::string::npos);
  EXPECT_NE(row2.find("2.00ms"), std::string::npos);
  // Another kind of record gets its own header.
  manifest::EventSpec other;
  other.kind = "record";
  other.name = "call";
  other.args = {Field{"depth", FieldKind::Int, 8, 8, ""}};
  std::vector<uint8_t> c(16, 0);
  EXPECT_EQ(table.row(other, decode_record(other, c.data(), c.size())).substr(0, 7), "# call\n");
}

TEST(RuntimeRecord, JsonLineIsTypedAndParses) {
  auto spec = io_spec();
  auto rec = io_record("rd\"x", -1, 1500, -EAGAIN, 0x10);
  std::string line = record_json(spec, decode_record(spec, rec.data(), rec.size()));
  auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["type"], "record");
  EXPECT_EQ(j["name"], "io");
  EXPECT_EQ(j["data"]["name"], "rd\"x");
  EXPECT_EQ(j["data"]["fd"], -1);
  EXPECT_EQ(j["data"]["latency"], 1500);  // raw ns, not text
  EXPECT_EQ(j["data"]["bytes"], -EAGAIN);
  // Field order follows the record, as written in the script.
  EXPECT_LT(line.find("\"fd\""), line.find("\"latency\""));
}

TEST(RuntimeRecord, OutputDriversPrintRecords) {
  auto spec = io_spec();
  auto rec = io_record("read", 3, 1500, 10, 0x10);
  std::ostringstream text_out, json_out, err;
  make_output(OutputFormat::Text, text_out, err)->record(spec, rec.data(), rec.size());
  make_output(OutputFormat::Json, json_out, err)->record(spec, rec.data(), rec.size());
  EXPECT_NE(text_out.str().find("1.50us"), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(json_out.str())["data"]["latency"], 1500);
}

}  // namespace
}  // namespace sonde::runtime
