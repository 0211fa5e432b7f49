// Folded output (`-f folded`): each map whose key holds a stack prints as
// the lines flame graph tools read (flamegraph.pl, inferno):
//
//   main;a;b;c 10
//
// one line per key, frames root first, `;` between them, a space and the
// value. Other key parts (comm, pid, strings) become frames in key order, so
// `@[comm, ustack]` groups the graph by process name first, as BCC's
// `stackcount -P -f` does. Everything else (printf, records, maps without a
// stack, histograms) prints as in text output, so a script stays readable:
// folded output is text output with this map formatter (output.h).
#include "runtime/output.h"
#include "runtime/output_record.h"
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

std::string map_folded_or_text(const manifest::MapSpec& spec, const MapData& data) {
  return has_stack_key(spec) && is_plain_value(spec) ? map_folded(spec, data) : map_text(spec, data);
}

}  // namespace sonde::runtime
