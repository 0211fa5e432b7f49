// JSON output, one object per line, in bpftrace -f json's shapes:
//   {"type": "map",   "data": {"@x": {"1": 1, "2": 2}}}   (scalar: {"@x": 5})
//   {"type": "stats", "data": {"@s": {"count": 2, "average": 5, "total": 11}}}  (avg: {"@a": 4})
//   {"type": "hist",  "data": {"@h": [{"min": 4, "max": 7, "count": 1}, ...]}}
// Keyed maps nest one object per key ("1,x" for two fields), in text order.
// Unlike bpftrace we print no blank lines, so every line parses as JSON.
#include <nlohmann/json.hpp>

#include "runtime/output.h"
#include "runtime/output_record.h"

namespace sonde::runtime {

namespace {

// A JSON string literal of arbitrary bytes: invalid UTF-8 becomes U+FFFD,
// and every control character is escaped, not only the C0 ones JSON demands:
// DEL and C1 (U+0080..U+009F, CSI among them) too, so a traced string can
// never drive a terminal that shows the JSON.
std::string quote(const std::string& s) {
  std::string json = nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out;
  for (size_t i = 0; i < json.size(); ++i) {
    unsigned char c = json[i], next = i + 1 < json.size() ? json[i + 1] : 0;
    if (c == 0x7f) {
      out += "\\u007f";
    } else if (c == 0xc2 && next >= 0x80 && next <= 0x9f) {  // UTF-8 of U+0080..U+009F
      out += next < 0x90 ? "\\u008" : "\\u009";
      out += "0123456789abcdef"[next & 0x0f];
      ++i;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string key_text(const manifest::MapSpec& spec, const MapRow& row) {
  std::string key;
  for (const std::string& field : key_fields_text(spec, row.key))
    key += (key.empty() ? "" : ",") + field;
  return quote(key);
}

std::string buckets_json(const manifest::MapSpec& spec, const MapRow& row) {
  // Same bucket span as the text bars: first to last non-empty bucket.
  uint64_t first = 0, last = 0;
  bool any = false;
  for (const auto& [bucket, count] : row.buckets) {
    if (count == 0) continue;
    if (!any) first = bucket;
    last = bucket;
    any = true;
  }
  std::string out = "[";
  for (uint64_t b = first; any && b <= last; ++b) {
    auto it = row.buckets.find(b);
    BucketRange r = bucket_range(spec, b);
    out += b == first ? "{" : ", {";
    if (r.has_low) out += "\"min\": " + std::to_string(r.low) + ", ";
    if (r.has_high) out += "\"max\": " + std::to_string(r.high) + ", ";
    out += "\"count\": " + std::to_string(it == row.buckets.end() ? 0 : it->second) + "}";
  }
  return out + "]";
}

std::string value_json(const manifest::MapSpec& spec, const MapRow& row) {
  if (spec.kind == "hist" || spec.kind == "lhist") return buckets_json(spec, row);
  if (spec.kind == "stats")
    return "{\"count\": " + std::to_string(row.count) + ", \"average\": " +
           std::to_string(row_average(row)) + ", \"total\": " + std::to_string(row.total) + "}";
  if (spec.kind == "value" && spec.value.kind == manifest::FieldKind::String) return quote(row.text);
  return row_value_text(spec, row);
}

const char* type_of(const manifest::MapSpec& spec) {
  if (spec.kind == "hist" || spec.kind == "lhist") return "hist";
  if (spec.kind == "avg" || spec.kind == "stats") return "stats";
  return "map";
}

class JsonOutput : public Output {
 public:
  JsonOutput(std::ostream& out, std::ostream& err) : out_(out), err_(err) {}
  void attached(int probes) override {
    out_ << R"({"type": "attached_probes", "data": {"probes": )" << probes << "}}\n";
    out_.flush();
  }
  void printf_event(const std::vector<FormatPiece>& pieces, const std::vector<manifest::Field>& args,
                    const uint8_t* data, size_t size) override {
    std::string text = format_printf(pieces, args, data, size, TracedText::Raw);
    out_ << R"({"type": "printf", "data": )" << quote(text) << "}\n";
  }
  void time_text(const std::string& text) override {
    out_ << R"({"type": "time", "data": )" << quote(text) << "}\n";
  }
  void record(const manifest::EventSpec& spec, const uint8_t* data, size_t size) override {
    out_ << record_json(spec, decode_record(spec, data, size), quote) << "\n";
  }
  void exit_banner() override {}
  void map(const manifest::MapSpec& spec, const MapData& data) override {
    std::string line = map_json(spec, data);
    if (!line.empty()) out_ << line << "\n";
  }
  void lost_events(uint64_t count) override {
    out_ << R"({"type": "lost_events", "data": {"events": )" << count << "}}\n";
  }
  void warning(const std::string& text) override { err_ << "WARNING: " << text << "\n"; }
  void flush() override { out_.flush(); }
  bool good() const override { return out_.good(); }

 private:
  std::ostream& out_;
  std::ostream& err_;
};

}  // namespace

std::string map_json(const manifest::MapSpec& spec, const MapData& data) {
  if (data.rows.empty()) return {};
  std::string body;
  if (spec.key.empty()) {
    body = value_json(spec, data.rows.front());
  } else {
    body = "{";
    for (size_t i = 0; i < data.rows.size(); ++i)
      body += (i ? ", " : "") + key_text(spec, data.rows[i]) + ": " + value_json(spec, data.rows[i]);
    body += "}";
  }
  return std::string("{\"type\": \"") + type_of(spec) + "\", \"data\": {" + quote(spec.name) +
         ": " + body + "}}";
}

std::unique_ptr<Output> make_output(OutputFormat format, std::ostream& out, std::ostream& err) {
  if (format == OutputFormat::Json) return std::make_unique<JsonOutput>(out, err);
  if (format == OutputFormat::Folded) return make_text_output(out, err, map_folded_or_text, false);
  return make_text_output(out, err);
}

}  // namespace sonde::runtime
