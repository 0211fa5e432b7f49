// Text output, shaped after what bpftrace 0.17 prints here (checked by
// running it): plain maps are one line per key and nothing after; avg/stats
// maps are followed by one blank line; each hist row is "@h: " then its bars
// then a blank line; a map with no entries prints just a blank line.
// Every traced string (printf %s, map keys and values, record fields) goes
// through terminal_safe() on its way out; the script's own text does not.
#include <algorithm>
#include <iomanip>
#include <sstream>

#include "runtime/output.h"
#include "runtime/output_record.h"
#include "runtime/record_tree.h"
#include "runtime/terminal_safe.h"

namespace sonde::runtime {

namespace {

constexpr int kBarWidth = 52;

std::string row_name(const manifest::MapSpec& spec, const MapRow& row) {
  std::vector<std::string> fields = key_fields_text(spec, row.key);
  if (fields.empty()) return spec.name;
  std::string name = spec.name + "[";
  for (size_t i = 0; i < fields.size(); ++i) name += (i ? ", " : "") + terminal_safe(fields[i]);
  return name + "]";
}

class TextOutput : public Output {
 public:
  TextOutput(std::ostream& out, std::ostream& err, MapFormatter map_lines, bool blank_lines)
      : out_(out), err_(err), map_lines_(map_lines), blank_lines_(blank_lines) {}
  void attached(int probes) override {
    err_ << "Attaching " << probes << (probes == 1 ? " probe...\n" : " probes...\n");
    err_.flush();
  }
  void printf_event(const std::vector<FormatPiece>& pieces, const std::vector<manifest::Field>& args,
                    const uint8_t* data, size_t size) override {
    out_ << format_printf(pieces, args, data, size, TracedText::TerminalSafe);
  }
  void time_text(const std::string& text) override { out_ << text; }
  void record(const manifest::EventSpec& spec, const uint8_t* data, size_t size) override {
    std::vector<RecordValue> values = decode_record(spec, data, size);
    for (RecordValue& v : values)
      if (v.is_string) v.text = terminal_safe(v.text);
    out_ << records_.add(spec, std::move(values));
  }
  void exit_banner() override { out_ << records_.finish() << (blank_lines_ ? "\n\n" : ""); }
  void map(const manifest::MapSpec& spec, const MapData& data) override { out_ << map_lines_(spec, data); }
  void lost_events(uint64_t count) override {
    err_ << "WARNING: " << count << " events lost (ring buffer full)\n";
  }
  void warning(const std::string& text) override { err_ << "WARNING: " << text << "\n"; }
  void flush() override { out_.flush(); }
  bool good() const override { return out_.good(); }

 private:
  std::ostream& out_;
  std::ostream& err_;
  MapFormatter map_lines_;
  bool blank_lines_;
  RecordText records_;
};

}  // namespace

// A map value in the map's unit when it has one (`sum(elapsed)` in a
// syscall probe: "12.4us"), else the number bpftrace would print.
std::string value_text(const manifest::MapSpec& spec, int64_t value) {
  if (spec.value.unit.empty()) return std::to_string(value);
  return record_value_text(spec.value, RecordValue{false, value, {}});
}

std::string hist_text(const manifest::MapSpec& spec, const MapRow& row) {
  uint64_t first = 0, last = 0, peak = 0;
  bool any = false;
  for (const auto& [bucket, count] : row.buckets) {
    if (count == 0) continue;
    if (!any) first = bucket;
    last = bucket;
    peak = std::max(peak, count);
    any = true;
  }
  std::ostringstream s;
  if (!any) return {};
  for (uint64_t b = first; b <= last; ++b) {
    auto it = row.buckets.find(b);
    uint64_t count = it == row.buckets.end() ? 0 : it->second;
    int bar = static_cast<int>(count * kBarWidth / peak);
    s << std::left << std::setw(16) << bucket_range(spec, b).label << std::right << std::setw(8)
      << count << " |" << std::string(bar, '@') << std::string(kBarWidth - bar, ' ') << "|\n";
  }
  return s.str();
}

std::string map_text(const manifest::MapSpec& spec, const MapData& data) {
  if (data.rows.empty()) return "\n";
  std::string out;
  bool hist = spec.kind == "hist" || spec.kind == "lhist";
  for (const MapRow& row : data.rows) {
    if (hist) {
      out += row_name(spec, row) + ": \n" + hist_text(spec, row) + "\n";
    } else if (spec.kind == "stats") {
      out += row_name(spec, row) + ": count " + std::to_string(row.count) + ", average " +
             value_text(spec, row_average(row)) + ", total " + value_text(spec, row.total) + "\n";
    } else if (!spec.value.unit.empty() && spec.kind != "value") {
      int64_t value = spec.kind == "avg" ? row_average(row) : row.value;
      out += row_name(spec, row) + ": " + value_text(spec, value) + "\n";
    } else {
      out += row_name(spec, row) + ": " + terminal_safe(row_value_text(spec, row)) + "\n";
    }
  }
  if (spec.kind == "avg" || spec.kind == "stats") out += "\n";
  return out;
}

std::unique_ptr<Output> make_text_output(std::ostream& out, std::ostream& err, MapFormatter map_lines,
                                         bool blank_lines) {
  return std::make_unique<TextOutput>(out, err, map_lines, blank_lines);
}

}  // namespace sonde::runtime
