// Map folding, sorting, and text/JSON rendering. Expected texts are what
// bpftrace 0.17 printed on this machine for the same values.
#include <gtest/gtest.h>

#include <cstring>
#include <sstream>

#include "runtime/maps.h"
#include "runtime/output.h"

namespace sonde::runtime {
namespace {

using manifest::Field;
using manifest::FieldKind;
using manifest::MapSpec;

constexpr int kCpus = 2;

std::vector<uint8_t> u64s(std::initializer_list<int64_t> values) {
  std::vector<uint8_t> out(values.size() * 8);
  size_t i = 0;
  for (int64_t v : values) std::memcpy(out.data() + 8 * i++, &v, 8);
  return out;
}

MapSpec agg(const std::string& name, const std::string& kind, std::vector<Field> key = {}) {
  MapSpec m;
  m.name = name;
  m.kind = kind;
  m.key = std::move(key);
  m.percpu = kind != "value";
  m.value_size = (kind == "avg" || kind == "stats" || kind == "min" || kind == "max") ? 16 : 8;
  m.bucket_in_key = kind == "hist" || kind == "lhist";
  uint32_t key_size = 0;
  for (const Field& f : m.key) key_size = std::max(key_size, f.offset + f.size);
  m.key_size = (key_size ? key_size : (m.bucket_in_key ? 0 : 8)) + (m.bucket_in_key ? 8 : 0);
  return m;
}

Field int_key(uint32_t offset = 0) { return Field{"k", FieldKind::Int, offset, 8}; }
Field str_key(uint32_t offset = 0, uint32_t size = 8) {
  return Field{"k", FieldKind::String, offset, size};
}

std::vector<uint8_t> str_bytes(const std::string& s, size_t size) {
  std::vector<uint8_t> out(size, 0);
  std::memcpy(out.data(), s.data(), s.size());
  return out;
}

std::vector<uint8_t> concat(std::vector<uint8_t> a, const std::vector<uint8_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// A hist entry: key bytes + bucket, count split across the two CPUs.
RawEntry bucket(std::vector<uint8_t> key, uint64_t index, int64_t count) {
  return RawEntry{concat(std::move(key), u64s({static_cast<int64_t>(index)})),
                  u64s({count - count / 2, count / 2})};
}

std::string text(const MapSpec& spec, const std::vector<RawEntry>& raw) {
  return map_text(spec, fold_map(spec, raw, kCpus));
}

TEST(RuntimeOutput, CountFoldsCpusAndSortsByValue) {
  MapSpec x = agg("@x", "count", {int_key()});
  std::vector<RawEntry> raw = {{u64s({2}), u64s({1, 1})}, {u64s({1}), u64s({0, 1})}};
  EXPECT_EQ(text(x, raw), "@x[1]: 1\n@x[2]: 2\n");
  EXPECT_EQ(map_json(x, fold_map(x, raw, kCpus)),
            R"({"type": "map", "data": {"@x": {"1": 1, "2": 2}}})");
}

TEST(RuntimeOutput, EqualValuesAreOrderedByKey) {
  MapSpec x = agg("@x", "count", {int_key()});
  std::vector<RawEntry> raw = {{u64s({9}), u64s({1, 0})}, {u64s({-4}), u64s({0, 1})}};
  EXPECT_EQ(text(x, raw), "@x[-4]: 1\n@x[9]: 1\n");
}

TEST(RuntimeOutput, ScalarAndStringKeys) {
  MapSpec v = agg("@v", "sum");
  EXPECT_EQ(text(v, {{u64s({0}), u64s({-5, 2})}}), "@v: -3\n");
  EXPECT_EQ(map_json(v, fold_map(v, {{u64s({0}), u64s({-5, 2})}}, kCpus)),
            R"({"type": "map", "data": {"@v": -3}})");
  MapSpec s = agg("@str", "count", {str_key()});
  std::vector<RawEntry> raw = {{str_bytes("a", 8), u64s({1, 0})}, {str_bytes("bb", 8), u64s({0, 0})}};
  EXPECT_EQ(text(s, raw), "@str[bb]: 0\n@str[a]: 1\n");
}

TEST(RuntimeOutput, TwoFieldKey) {
  MapSpec t = agg("@two", "count", {int_key(0), str_key(8)});
  std::vector<RawEntry> raw = {{concat(u64s({1}), str_bytes("x", 8)), u64s({3, 0})}};
  EXPECT_EQ(text(t, raw), "@two[1, x]: 3\n");
  EXPECT_EQ(map_json(t, fold_map(t, raw, kCpus)), R"({"type": "map", "data": {"@two": {"1,x": 3}}})");
}

TEST(RuntimeOutput, EmptyMapIsOneBlankLineInTextAndNothingInJson) {
  MapSpec e = agg("@e", "count", {int_key()});
  EXPECT_EQ(text(e, {}), "\n");
  EXPECT_EQ(map_json(e, fold_map(e, {}, kCpus)), "");
}

TEST(RuntimeOutput, AvgAndStatsAreFollowedByABlankLine) {
  MapSpec a = agg("@a", "avg", {int_key()});
  std::vector<RawEntry> raw = {{u64s({1}), u64s({1, 10, 0, 0})}, {u64s({2}), u64s({1, 2, 1, 2})}};
  EXPECT_EQ(text(a, raw), "@a[2]: 2\n@a[1]: 10\n\n");
  EXPECT_EQ(map_json(a, fold_map(a, raw, kCpus)), R"({"type": "stats", "data": {"@a": {"2": 2, "1": 10}}})");

  MapSpec s = agg("@s", "stats", {int_key()});
  raw = {{u64s({1}), u64s({1, 100, 0, 0})}, {u64s({2}), u64s({2, 2, 1, 1})}};
  EXPECT_EQ(text(s, raw),
            "@s[2]: count 3, average 1, total 3\n@s[1]: count 1, average 100, total 100\n\n");
  MapSpec scalar = agg("@s", "stats");
  EXPECT_EQ(map_json(scalar, fold_map(scalar, {{u64s({0}), u64s({1, 3, 1, 8})}}, kCpus)),
            R"({"type": "stats", "data": {"@s": {"count": 2, "average": 5, "total": 11}}})");
}

// A map with a unit (sum(elapsed) in a syscall probe) reads in that unit in
// text; JSON keeps the raw nanoseconds.
TEST(RuntimeOutput, DurationMapsPrintDurationsInTextOnly) {
  MapSpec t = agg("@t", "sum", {str_key()});
  t.value.unit = "duration";
  std::vector<RawEntry> raw = {{str_bytes("php", 8), u64s({12000, 400})}};
  EXPECT_EQ(text(t, raw), "@t[php]: 12.4us\n");
  EXPECT_EQ(map_json(t, fold_map(t, raw, kCpus)), R"({"type": "map", "data": {"@t": {"php": 12400}}})");
  MapSpec s = agg("@s", "stats");
  s.value.unit = "duration";
  EXPECT_EQ(text(s, {{u64s({0}), u64s({1, 3000000, 1, 5000000})}}),
            "@s: count 2, average 4.00ms, total 8.00ms\n\n");
}

TEST(RuntimeOutput, MinMaxSkipCpusThatNeverWrote) {
  MapSpec mn = agg("@mi", "min"), mx = agg("@m", "max");
  // CPU 0 holds -3 (set), CPU 1 a stale 0 that was never set.
  EXPECT_EQ(text(mn, {{u64s({0}), u64s({-3, 1, 0, 0})}}), "@mi: -3\n");
  EXPECT_EQ(text(mx, {{u64s({0}), u64s({-5, 1, 0, 0})}}), "@m: -5\n");
  EXPECT_EQ(text(mx, {{u64s({0}), u64s({7, 0, 0, 0})}}), "\n");
}

TEST(RuntimeOutput, StringValuesKeepKeyOrder) {
  MapSpec sv = agg("@sv", "value", {int_key()});
  sv.value = Field{"", FieldKind::String, 0, 8};
  std::vector<RawEntry> raw = {{u64s({2}), str_bytes("abc", 8)}, {u64s({1}), str_bytes("hello", 8)}};
  EXPECT_EQ(text(sv, raw), "@sv[1]: hello\n@sv[2]: abc\n");
  EXPECT_EQ(map_json(sv, fold_map(sv, raw, kCpus)),
            R"({"type": "map", "data": {"@sv": {"1": "hello", "2": "abc"}}})");
}

TEST(RuntimeOutput, HistBarsAndLabels) {
  // bpftrace: @h=hist(1) x3, hist(20), hist(3)
  MapSpec h = agg("@h", "hist");
  std::vector<RawEntry> raw = {bucket({}, 2, 3), bucket({}, 3, 1), bucket({}, 6, 1)};
  EXPECT_EQ(text(h, raw),
            "@h: \n"
            "[1]                    3 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
            "[2, 4)                 1 |@@@@@@@@@@@@@@@@@                                   |\n"
            "[4, 8)                 0 |                                                    |\n"
            "[8, 16)                0 |                                                    |\n"
            "[16, 32)               1 |@@@@@@@@@@@@@@@@@                                   |\n"
            "\n");
  EXPECT_EQ(bucket_range(h, 0).label, "(..., 0)");
  EXPECT_EQ(bucket_range(h, 1).label, "[0]");
  EXPECT_EQ(bucket_range(h, 11).label, "[512, 1K)");
  EXPECT_EQ(bucket_range(h, 23).label, "[2M, 4M)");
  EXPECT_EQ(bucket_range(h, 33).label, "[2G, 4G)");
  EXPECT_EQ(bucket_range(h, 64).label, "[4E, 8E)");
  EXPECT_EQ(bucket_range(h, 64).high, INT64_MAX);
}

TEST(RuntimeOutput, HistJsonRanges) {
  MapSpec h = agg("@h", "hist");
  std::vector<RawEntry> raw = {bucket({}, 0, 1), bucket({}, 2, 0), bucket({}, 4, 1)};
  EXPECT_EQ(map_json(h, fold_map(h, raw, kCpus)),
            R"({"type": "hist", "data": {"@h": [{"max": -1, "count": 1}, {"min": 0, "max": 0, "count": 0}, )"
            R"({"min": 1, "max": 1, "count": 0}, {"min": 2, "max": 3, "count": 0}, {"min": 4, "max": 7, "count": 1}]}})");
}

TEST(RuntimeOutput, KeyedHistSortsByTotalCount) {
  MapSpec h = agg("@h", "hist", {int_key()});
  std::vector<RawEntry> raw = {bucket(u64s({1}), 2, 3), bucket(u64s({2}), 5, 1)};
  EXPECT_EQ(text(h, raw),
            "@h[2]: \n"
            "[8, 16)                1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
            "\n"
            "@h[1]: \n"
            "[1]                    3 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
            "\n");
  EXPECT_EQ(map_json(h, fold_map(h, raw, kCpus)),
            R"({"type": "hist", "data": {"@h": {"2": [{"min": 8, "max": 15, "count": 1}], )"
            R"("1": [{"min": 1, "max": 1, "count": 3}]}}})");
}

TEST(RuntimeOutput, LhistBarsAndJson) {
  // bpftrace: @l=lhist(-3,0,10,2); lhist(11,0,10,2); lhist(4,0,10,2)
  MapSpec l = agg("@l", "lhist");
  l.lhist_min = 0;
  l.lhist_max = 10;
  l.lhist_step = 2;
  std::vector<RawEntry> raw = {bucket({}, 0, 1), bucket({}, 6, 1), bucket({}, 3, 1)};
  EXPECT_EQ(text(l, raw),
            "@l: \n"
            "(..., 0)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
            "[0, 2)                 0 |                                                    |\n"
            "[2, 4)                 0 |                                                    |\n"
            "[4, 6)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
            "[6, 8)                 0 |                                                    |\n"
            "[8, 10)                0 |                                                    |\n"
            "[10, ...)              1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
            "\n");
  EXPECT_EQ(map_json(l, fold_map(l, raw, kCpus)),
            R"({"type": "hist", "data": {"@l": [{"max": -1, "count": 1}, {"min": 0, "max": 1, "count": 0}, )"
            R"({"min": 2, "max": 3, "count": 0}, {"min": 4, "max": 5, "count": 1}, {"min": 6, "max": 7, "count": 0}, )"
            R"({"min": 8, "max": 9, "count": 0}, {"min": 10, "count": 1}]}})");
}

TEST(RuntimeOutput, DriversShapeEventsLikeBpftrace) {
  std::ostringstream out, err;
  auto text_out = make_output(OutputFormat::Text, out, err);
  text_out->attached(1);
  text_out->printf_event(parse_format("hi\n"), {}, nullptr, 0);
  text_out->exit_banner();
  text_out->lost_events(3);
  EXPECT_EQ(err.str(), "Attaching 1 probe...\nWARNING: 3 events lost (ring buffer full)\n");
  EXPECT_EQ(out.str(), "hi\n\n\n");

  std::ostringstream jout, jerr;
  auto json_out = make_output(OutputFormat::Json, jout, jerr);
  json_out->attached(2);
  json_out->printf_event(parse_format("a \"q\"\n"), {}, nullptr, 0);
  json_out->time_text("04\n");
  json_out->exit_banner();
  json_out->lost_events(3);
  EXPECT_EQ(jout.str(),
            "{\"type\": \"attached_probes\", \"data\": {\"probes\": 2}}\n"
            "{\"type\": \"printf\", \"data\": \"a \\\"q\\\"\\n\"}\n"
            "{\"type\": \"time\", \"data\": \"04\\n\"}\n"
            "{\"type\": \"lost_events\", \"data\": {\"events\": 3}}\n");
  EXPECT_EQ(jerr.str(), "");
}

}  // namespace
}  // namespace sonde::runtime
