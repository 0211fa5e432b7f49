// Folded output (`-f folded`): each map whose key holds a stack prints as
// the lines flame graph tools read (flamegraph.pl, inferno):
//
//   main;a;b;c 10
//
// one line per key, frames root first, `;` between them, a space and the
// value. Other key parts (comm, pid, strings) become frames in key order, so
// `@[comm, ustack]` groups the graph by process name first, as BCC's
// `stackcount -P -f` does. Everything else (printf, records, maps without a
// stack, histograms) prints as in text output, so a script stays readable.
#include "runtime/output.h"
#include "runtime/output_record.h"
#include "runtime/record_tree.h"
#include "runtime/printf_format.h"
#include "runtime/symbolize.h"
#include "runtime/terminal_safe.h"

namespace sonde::runtime {

namespace {

bool has_stack_key(const manifest::MapSpec& spec) {
  for (const manifest::Field& f : spec.key)
    if (manifest::is_stack(f.kind)) return true;
  return false;
}

bool is_plain_value(const manifest::MapSpec& spec) {
  return spec.kind != "hist" && spec.kind != "lhist" && spec.kind != "stats" &&
         !(spec.kind == "value" && spec.value.kind == manifest::FieldKind::String);
}

class FoldedOutput : public Output {
 public:
  FoldedOutput(std::ostream& out, std::ostream& err) : out_(out), err_(err) {}
  void attached(int probes) override {
    err_ << "Attaching " << probes << (probes == 1 ? " probe...\n" : " probes...\n");
    err_.flush();
  }
  // Traced strings are made terminal-safe as in text output.
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
  // No blank lines: the output is meant to be piped into a flame graph tool.
  void exit_banner() override { out_ << records_.finish(); }
  void map(const manifest::MapSpec& spec, const MapData& data) override {
    if (has_stack_key(spec) && is_plain_value(spec)) out_ << map_folded(spec, data);
    else out_ << map_text(spec, data);
  }
  void lost_events(uint64_t count) override {
    err_ << "WARNING: " << count << " events lost (ring buffer full)\n";
  }
  void warning(const std::string& text) override { err_ << "WARNING: " << text << "\n"; }
  void flush() override { out_.flush(); }
  bool good() const override { return out_.good(); }

 private:
  std::ostream& out_;
  std::ostream& err_;
  RecordText records_;
};

}  // namespace

std::string map_folded(const manifest::MapSpec& spec, const MapData& data) {
  std::string out;
  for (const MapRow& row : data.rows) {
    std::vector<std::string> frames;
    std::vector<std::string> texts = key_fields_text(spec, row.key);
    for (size_t i = 0; i < spec.key.size(); ++i) {
      if (!manifest::is_stack(spec.key[i].kind)) {
        frames.push_back(texts[i]);
        continue;
      }
      for (std::string& f : stack_folded(read_stack(spec.key[i], row.key.data(), row.key.size())))
        frames.push_back(std::move(f));
    }
    if (frames.empty()) frames.push_back("[unknown]");  // e.g. kstack of a user-only probe
    std::string line;
    for (const std::string& f : frames) line += (line.empty() ? "" : ";") + terminal_safe(f);
    out += line + " " + row_value_text(spec, row) + "\n";
  }
  return out;
}

std::unique_ptr<Output> make_folded_output(std::ostream& out, std::ostream& err) {
  return std::make_unique<FoldedOutput>(out, err);
}

}  // namespace sonde::runtime
