// Property tests: strings read from a traced process are arbitrary bytes, and
// must never be able to forge or corrupt sonde's output.
//
//  * Text output never passes a traced string's terminal control bytes
//    through: no C0 control byte but \n and \t, no DEL, no C1 control (raw
//    or UTF-8 encoded), no invalid UTF-8 (a stray 0x9b is CSI on 8-bit
//    terminals). Printable ASCII passes through unchanged, so the property
//    cannot be met by printing nothing.
//  * JSON output: every line parses strictly, holds no raw control byte, and
//    valid UTF-8 (quotes, backslashes and control characters included)
//    round-trips exactly.
//
// Inputs come from a fixed seed (SONDE_PROPERTY_SEED explores others). Each
// failure names the seed and the offending input's bytes in hex.
#include <gtest/gtest.h>

#include <cstring>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "runtime/maps.h"
#include "runtime/output.h"
#include "runtime/printf_format.h"
#include "runtime/terminal_safe.h"

namespace sonde::runtime {
namespace {

using manifest::Field;
using manifest::FieldKind;
using manifest::MapSpec;

constexpr int kRounds = 2000;
constexpr uint32_t kStrSize = 64;

unsigned seed() {
  const char* v = std::getenv("SONDE_PROPERTY_SEED");
  return v ? static_cast<unsigned>(std::strtoul(v, nullptr, 10)) : 20261122u;
}

std::string hex(const std::string& s) {
  std::string out;
  char buf[4];
  for (unsigned char c : s) {
    snprintf(buf, sizeof buf, "%02x ", c);
    out += buf;
  }
  return out;
}

// Random non-NUL bytes (NUL ends a traced string, so it never reaches output),
// biased toward the dangerous ones: ESC sequences, C0, DEL, C1, UTF-8 leads.
std::string random_bytes(std::mt19937& rng, size_t max_len) {
  static const unsigned char kHot[] = {0x1b, '[', ']', '\a', '\b', '\r', 0x7f, 0x9b, 0x9d, 0xc2,
                                       0xe2, 0xf0, 0x80, 0xbf, '"', '\\', '\n', '\t', 0x07, 0x0c};
  std::string s(1 + rng() % max_len, 'x');
  for (char& c : s)
    c = static_cast<char>(rng() % 3 == 0 ? kHot[rng() % sizeof kHot] : 1 + rng() % 255);
  return s;
}

// Random valid UTF-8 from code points across all planes, controls included.
std::string random_utf8(std::mt19937& rng, size_t max_len) {
  std::string s;
  size_t n = 1 + rng() % max_len;
  while (s.size() < n) {
    uint32_t cp = 0;
    switch (rng() % 4) {
      case 0: cp = 1 + rng() % 0x7f; break;
      case 1: cp = 0x80 + rng() % 0x780; break;
      case 2: cp = 0x800 + rng() % 0xf800; break;
      default: cp = 0x10000 + rng() % 0x100000; break;
    }
    if (cp >= 0xd800 && cp <= 0xdfff) continue;  // surrogates are not scalar values
    if (cp < 0x80) {
      s += static_cast<char>(cp);
    } else if (cp < 0x800) {
      s += static_cast<char>(0xc0 | cp >> 6);
      s += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      s += static_cast<char>(0xe0 | cp >> 12);
      s += static_cast<char>(0x80 | (cp >> 6 & 0x3f));
      s += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      s += static_cast<char>(0xf0 | cp >> 18);
      s += static_cast<char>(0x80 | (cp >> 12 & 0x3f));
      s += static_cast<char>(0x80 | (cp >> 6 & 0x3f));
      s += static_cast<char>(0x80 | (cp & 0x3f));
    }
  }
  return s;
}

// Why `text` could drive a terminal, or "" if it cannot: decodes UTF-8 and
// rejects C0 (but \n \t), DEL, C1 and malformed sequences.
std::string terminal_hazard(const std::string& text) {
  for (size_t i = 0; i < text.size();) {
    unsigned char c = text[i];
    if (c < 0x80) {
      if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
        return "control byte 0x" + hex(std::string(1, c)) + "at " + std::to_string(i);
      ++i;
      continue;
    }
    int len = c >= 0xf0 && c < 0xf5 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
    if (len == 0 || i + len > text.size()) return "invalid UTF-8 at " + std::to_string(i);
    uint32_t cp = c & (0xff >> (len + 1));
    for (int k = 1; k < len; ++k) {
      unsigned char cont = text[i + k];
      if ((cont & 0xc0) != 0x80) return "invalid UTF-8 at " + std::to_string(i);
      cp = cp << 6 | (cont & 0x3f);
    }
    if (cp >= 0x80 && cp <= 0x9f) return "C1 control at " + std::to_string(i);
    i += len;
  }
  return {};
}

// Undoes terminal_safe() for an input without backslashes: every \xNN
// back to its byte. Shows that nothing is dropped or reordered.
std::string unescape_hex(const std::string& shown) {
  std::string out;
  for (size_t i = 0; i < shown.size(); ++i) {
    if (shown[i] == '\\' && i + 3 < shown.size() && shown[i + 1] == 'x') {
      out += static_cast<char>(std::stoi(shown.substr(i + 2, 2), nullptr, 16));
      i += 3;
    } else {
      out += shown[i];
    }
  }
  return out;
}

std::vector<uint8_t> record_with(const std::string& s, uint32_t offset) {
  std::vector<uint8_t> rec(offset + kStrSize, 0);
  std::memcpy(rec.data() + offset, s.data(), std::min<size_t>(s.size(), kStrSize - 1));
  return rec;
}

// printf("%s\n", <traced string>) through the text or JSON driver.
std::string printf_output(OutputFormat format, const std::string& traced) {
  std::vector<uint8_t> rec = record_with(traced, 8);
  std::ostringstream out, err;
  make_output(format, out, err)
      ->printf_event(parse_format("%s\n"), {Field{"0", FieldKind::String, 8, kStrSize}}, rec.data(),
                     rec.size());
  return out.str();
}

MapSpec string_keyed_count() {
  MapSpec m;
  m.name = "@k";
  m.kind = "count";
  m.key = {Field{"k", FieldKind::String, 0, kStrSize}};
  m.key_size = kStrSize;
  m.percpu = true;
  return m;
}

MapSpec string_valued() {
  MapSpec m;
  m.name = "@v";
  m.kind = "value";
  m.value = Field{"v", FieldKind::String, 0, kStrSize};
  m.value_size = kStrSize;
  return m;
}

MapData keyed_data(const std::string& traced) {
  int64_t one = 1;
  std::vector<uint8_t> value(8);
  std::memcpy(value.data(), &one, 8);
  return fold_map(string_keyed_count(), {RawEntry{record_with(traced, 0), value}}, 1);
}

MapData valued_data(const std::string& traced) {
  std::vector<uint8_t> key(8, 0);
  return fold_map(string_valued(), {RawEntry{key, record_with(traced, 0)}}, 1);
}

std::string visible(const std::string& traced) { return traced.substr(0, kStrSize - 1); }

// The attack in one example: a traced process names a file so that
// printing it retitles the terminal and clears the screen.
TEST(RuntimeEscape, TextNeutralisesATerminalTitleAndClearScreenAttack) {
  std::string attack = "a\x1b]0;owned\x07\x1b[2Jb";
  std::string out = printf_output(OutputFormat::Text, attack);
  EXPECT_EQ(out.find('\x1b'), std::string::npos) << hex(out);
  EXPECT_EQ(out.find('\x07'), std::string::npos) << hex(out);
  EXPECT_EQ(out.front(), 'a');
  EXPECT_NE(out.find("]0;owned"), std::string::npos) << "the harmless bytes are kept: " << out;
}

TEST(RuntimeEscape, TextPrintfNeverEmitsTerminalControls) {
  std::mt19937 rng(seed());
  for (int i = 0; i < kRounds; ++i) {
    std::string traced = random_bytes(rng, 80);
    std::string out = printf_output(OutputFormat::Text, traced);
    std::string body = out.substr(0, out.size() - 1);  // the format's own \n is fine
    std::string hazard = terminal_hazard(body);
    ASSERT_EQ(hazard, "") << "seed " << seed() << ", traced bytes: " << hex(traced);
  }
}

TEST(RuntimeEscape, TextMapKeysAndValuesNeverEmitTerminalControls) {
  std::mt19937 rng(seed() + 1);
  for (int i = 0; i < kRounds; ++i) {
    std::string traced = random_bytes(rng, 80);
    std::string keyed = map_text(string_keyed_count(), keyed_data(traced));
    std::string valued = map_text(string_valued(), valued_data(traced));
    // The row layout's own newlines end each line; the traced part sits between.
    ASSERT_EQ(terminal_hazard(keyed), "") << "seed " << seed() + 1 << ", key bytes: " << hex(traced);
    ASSERT_EQ(terminal_hazard(valued), "") << "seed " << seed() + 1 << ", value bytes: " << hex(traced);
  }
}

TEST(RuntimeEscape, TextLeavesPrintableAsciiAlone) {
  std::mt19937 rng(seed() + 2);
  for (int i = 0; i < kRounds; ++i) {
    std::string s(1 + rng() % 60, ' ');
    for (char& c : s) c = static_cast<char>(0x20 + rng() % 95);
    if (s.find('\\') != std::string::npos) continue;  // an escaper may double it
    EXPECT_EQ(printf_output(OutputFormat::Text, s), s + "\n");
    EXPECT_EQ(map_text(string_keyed_count(), keyed_data(s)), "@k[" + s + "]: 1\n");
    EXPECT_EQ(map_text(string_valued(), valued_data(s)), "@v: " + s + "\n");
  }
}

TEST(RuntimeEscape, TerminalSafeNeverEmitsControlsAndLosesNoByte) {
  std::mt19937 rng(seed() + 5);
  for (int i = 0; i < kRounds; ++i) {
    std::string traced = random_bytes(rng, 80);
    std::string shown = terminal_safe(traced);
    ASSERT_EQ(terminal_hazard(shown), "") << "seed " << seed() + 5 << ", bytes: " << hex(traced);
    if (traced.find('\\') != std::string::npos) continue;
    ASSERT_EQ(unescape_hex(shown), traced) << "seed " << seed() + 5 << ", bytes: " << hex(traced);
  }
}

TEST(RuntimeEscape, TerminalSafeKeepsValidPrintableUtf8Exactly) {
  std::mt19937 rng(seed() + 6);
  for (int i = 0; i < kRounds; ++i) {
    std::string text = random_utf8(rng, 15);
    if (!terminal_hazard(text).empty()) continue;  // holds a control: escaped, rightly
    ASSERT_EQ(terminal_safe(text), text) << "seed " << seed() + 6 << ", bytes: " << hex(text);
  }
}

TEST(RuntimeEscape, TerminalSafeEscapesEachKindOfHazard) {
  EXPECT_EQ(terminal_safe("a\x1b[2Jb"), "a\\x1b[2Jb");             // ESC (C0)
  EXPECT_EQ(terminal_safe("\a\b\r\x7f"), "\\x07\\x08\\x0d\\x7f");   // BEL BS CR DEL
  EXPECT_EQ(terminal_safe("x\xc2\x9b" "31m"), "x\\xc2\\x9b31m");          // CSI as UTF-8 U+009B
  EXPECT_EQ(terminal_safe("\x9b"), "\\x9b");                            // raw 8-bit CSI
  EXPECT_EQ(terminal_safe("\xc0\x80"), "\\xc0\\x80");                   // overlong NUL
  EXPECT_EQ(terminal_safe("\xed\xa0\x80"), "\\xed\\xa0\\x80");          // a surrogate
  EXPECT_EQ(terminal_safe("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // past U+10FFFF
  EXPECT_EQ(terminal_safe("\xe2\x82"), "\\xe2\\x82");                   // truncated
  EXPECT_EQ(terminal_safe("tab\tnl\n"), "tab\tnl\n");
  EXPECT_EQ(terminal_safe("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
}

// The script author's own escapes in the format string are theirs to use;
// only the traced argument is neutralised. %c arguments are traced too.
TEST(RuntimeEscape, TextKeepsTheFormatStringsOwnEscapes) {
  std::vector<uint8_t> rec = record_with("\x1b[2J", 8);
  rec.resize(8 + kStrSize + 8, 0);
  rec[8 + kStrSize] = 0x1b;
  std::vector<Field> args = {Field{"0", FieldKind::String, 8, kStrSize},
                             Field{"1", FieldKind::Int, 8 + kStrSize, 8}};
  std::ostringstream out, err;
  make_output(OutputFormat::Text, out, err)
      ->printf_event(parse_format("\x1b[31m%s%c\x1b[0m\n"), args, rec.data(), rec.size());
  EXPECT_EQ(out.str(), "\x1b[31m\\x1b[2J\\x1b\x1b[0m\n");
}

TEST(RuntimeEscape, TextPrintfWidthAndPrecisionApplyAroundTheEscaping) {
  std::vector<uint8_t> rec = record_with("ab\x1b" "cd\xe2\x82\xac", 8);
  std::vector<Field> args = {Field{"0", FieldKind::String, 8, kStrSize}};
  auto text = [&](const char* format) {
    std::ostringstream out, err;
    make_output(OutputFormat::Text, out, err)->printf_event(parse_format(format), args, rec.data(), rec.size());
    return out.str();
  };
  EXPECT_EQ(text("[%.3s]"), "[ab\\x1b]");            // precision clips the traced bytes
  EXPECT_EQ(text("[%.6s]"), "[ab\\x1bcd\\xe2]");     // a clipped UTF-8 sequence is escaped
  EXPECT_EQ(text("[%-12s]"), "[ab\\x1bcd\xe2\x82\xac ]");
  EXPECT_EQ(text("[%14s]"), "[   ab\\x1bcd\xe2\x82\xac]");  // width pads the shown bytes
}

TEST(RuntimeEscape, TextRecordsAndTheTreeViewNeverEmitTerminalControls) {
  manifest::EventSpec plain;
  plain.kind = "record";
  plain.name = "open";
  plain.args = {Field{"path", FieldKind::String, 8, kStrSize}};
  manifest::EventSpec span = plain;
  span.name = "call";
  span.args.push_back(Field{"__id", FieldKind::Uint, 8 + kStrSize, 8, "span.id"});
  span.args.push_back(Field{"__parent", FieldKind::Uint, 16 + kStrSize, 8, "span.parent"});
  std::mt19937 rng(seed() + 7);
  for (int i = 0; i < kRounds / 10; ++i) {
    std::string traced = random_bytes(rng, 80);
    std::vector<uint8_t> rec = record_with(traced, 8);
    rec.resize(24 + kStrSize, 0);
    rec[8 + kStrSize] = 1;  // span id 1, parent 0: a root that closes at once
    std::ostringstream out, err;
    auto text = make_output(OutputFormat::Text, out, err);
    text->record(plain, rec.data(), rec.size());
    text->record(span, rec.data(), rec.size());
    text->exit_banner();
    ASSERT_NE(out.str().find("call"), std::string::npos) << out.str();
    ASSERT_EQ(terminal_hazard(out.str()), "") << "seed " << seed() + 7 << ", bytes: " << hex(traced);
  }
}

// One JSON line: parses strictly, no raw control bytes, valid UTF-8.
nlohmann::json parse_line(const std::string& line, const std::string& traced) {
  EXPECT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  std::string body = line.substr(0, line.size() - 1);
  EXPECT_EQ(body.find('\n'), std::string::npos) << hex(traced);
  EXPECT_EQ(terminal_hazard(body), "") << hex(traced);
  auto j = nlohmann::json::parse(body, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << "not JSON: " << body << "\ntraced: " << hex(traced);
  return j;
}

TEST(RuntimeEscape, JsonStaysWellFormedOnArbitraryBytes) {
  std::mt19937 rng(seed() + 3);
  for (int i = 0; i < kRounds; ++i) {
    std::string traced = random_bytes(rng, 80);
    parse_line(printf_output(OutputFormat::Json, traced), traced);
    parse_line(map_json(string_keyed_count(), keyed_data(traced)) + "\n", traced);
    parse_line(map_json(string_valued(), valued_data(traced)) + "\n", traced);
    if (HasFailure()) FAIL() << "seed " << seed() + 3;
  }
}

TEST(RuntimeEscape, JsonRoundTripsValidUtf8Exactly) {
  std::mt19937 rng(seed() + 4);
  for (int i = 0; i < kRounds; ++i) {
    std::string traced = random_utf8(rng, 15);  // ≤ 60 bytes: fits the 64-byte buffer
    auto j = parse_line(printf_output(OutputFormat::Json, traced), traced);
    EXPECT_EQ(j["data"], traced + "\n");
    auto k = parse_line(map_json(string_keyed_count(), keyed_data(traced)) + "\n", traced);
    EXPECT_TRUE(k["data"]["@k"].contains(visible(traced))) << k.dump();
    auto v = parse_line(map_json(string_valued(), valued_data(traced)) + "\n", traced);
    EXPECT_EQ(v["data"]["@v"], visible(traced));
    if (HasFailure()) FAIL() << "seed " << seed() + 4 << ", bytes: " << hex(traced);
  }
}

TEST(RuntimeEscape, JsonEscapesQuotesBackslashesAndControls) {
  std::string nasty = "a\"b\\c\x1b[31md\x01\x7f\xff\xfe";
  std::string line = printf_output(OutputFormat::Json, nasty);
  EXPECT_NE(line.find(R"(a\"b\\c\u001b[31md\u0001)"), std::string::npos) << line;
  auto j = parse_line(line, nasty);
  EXPECT_EQ(j["type"], "printf");
}

}  // namespace
}  // namespace sonde::runtime
