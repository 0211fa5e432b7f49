// What the runtime shows the user, behind one interface with two drivers:
// TextOutput (bpftrace's default text) and JsonOutput (bpftrace's -f json,
// one object per line). Drivers only format and write; they never touch the
// kernel, so every shape is unit-tested with a std::ostringstream.
#pragma once
#include <cstdint>
#include <memory>
#include <ostream>
#include <string>

#include "manifest/manifest.h"
#include "runtime/maps.h"
#include "runtime/printf_format.h"
#include "runtime/runtime.h"

namespace sonde::runtime {

class Output {
 public:
  virtual ~Output() = default;
  // "Attaching N probes..." (text: to stderr, JSON: an object on the stream).
  virtual void attached(int probes) = 0;
  // One printf record, formatted by `pieces` (text: traced strings made
  // terminal-safe, runtime/terminal_safe.h; JSON: one escaped string).
  virtual void printf_event(const std::vector<FormatPiece>& pieces,
                            const std::vector<manifest::Field>& args, const uint8_t* data,
                            size_t size) = 0;
  virtual void time_text(const std::string& text) = 0;
  // One `emit` record (kind "record"): text prints aligned columns under a
  // header per record kind, JSON one {"type":"record",...} line
  // (runtime/output_record.h).
  virtual void record(const manifest::EventSpec& spec, const uint8_t* data, size_t size) = 0;
  // Before the maps are printed at exit (text: bpftrace's two blank lines).
  virtual void exit_banner() = 0;
  virtual void map(const manifest::MapSpec& spec, const MapData& data) = 0;
  // Lost ring-buffer records (text: a warning on stderr).
  virtual void lost_events(uint64_t count) = 0;
  // Any other warning (text and JSON: one "WARNING: ..." line on stderr).
  virtual void warning(const std::string& text) = 0;
  virtual void flush() = 0;
  // False once writing failed (e.g. the reader of a pipe went away).
  virtual bool good() const = 0;
};

// `out` receives the output proper; `err` the attach banner and warnings.
std::unique_ptr<Output> make_output(OutputFormat format, std::ostream& out, std::ostream& err);

// The text of one map as bpftrace prints it (exposed for tests).
std::string map_text(const manifest::MapSpec& spec, const MapData& data);

// Text output (output_text.cpp) prints maps with `map_lines` (map_text;
// folded output: map_folded_or_text) after bpftrace's two blank lines, or
// none (folded output is piped into flame graph tools).
using MapFormatter = std::string (*)(const manifest::MapSpec&, const MapData&);
std::unique_ptr<Output> make_text_output(std::ostream& out, std::ostream& err, MapFormatter map_lines = map_text,
                                         bool blank_lines = true);
// One hist/lhist row's bucket lines with bars.
std::string hist_text(const manifest::MapSpec& spec, const MapRow& row);
// One map whose key holds a stack, in folded form (`root;...;leaf value`
// per key; runtime/output_folded.cpp).
std::string map_folded(const manifest::MapSpec& spec, const MapData& data);
// map_folded for a map keyed by a stack with plain values, map_text otherwise.
std::string map_folded_or_text(const manifest::MapSpec& spec, const MapData& data);
// The JSON line of one map, without the trailing newline; empty for an empty map.
std::string map_json(const manifest::MapSpec& spec, const MapData& data);

}  // namespace sonde::runtime
