// Map contents as plain data: raw (key, value) bytes read from the kernel are
// folded into one MapRow per script-level key, then sorted the way bpftrace
// prints them. Folding and sorting are pure (unit-tested without a kernel);
// only read_map / clear_map / zero_map touch a map fd.
//
// Value layouts are manifest.h's wire contract. Per-CPU maps arrive as
// `ncpus` copies of the value, each padded to 8 bytes (the kernel's layout).
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "manifest/manifest.h"
#include "support/result.h"

namespace sonde::runtime {

// One raw map entry as the kernel holds it.
struct RawEntry {
  std::vector<uint8_t> key;
  std::vector<uint8_t> value;  // per-CPU maps: ncpus slots of round_up(value_size, 8)
};

// One script-level key with its folded value.
struct MapRow {
  std::vector<uint8_t> key;      // key bytes, without the hist bucket index
  int64_t value = 0;             // count sum min max, integer value maps
  std::string text;              // string value maps
  int64_t count = 0, total = 0;  // avg, stats
  std::map<uint64_t, uint64_t> buckets;  // hist, lhist: bucket index → count
};

struct MapData {
  std::vector<MapRow> rows;  // in print order
};

// Folds raw entries (any order) into rows and sorts them for printing:
// by value ascending (avg and stats by average, hist by total count, string
// values by key), ties broken by key. Min/max slots never written are dropped.
MapData fold_map(const manifest::MapSpec& spec, const std::vector<RawEntry>& raw, int ncpus);

// The key rendered as bpftrace does: "1, x" (strings raw, up to the NUL).
std::vector<std::string> key_fields_text(const manifest::MapSpec& spec,
                                         const std::vector<uint8_t>& key);
// The value of an integer-valued row as text (count is unsigned, sum/min/max
// and value maps follow the value field's sign).
std::string row_value_text(const manifest::MapSpec& spec, const MapRow& row);
// avg/stats: total / count, 0 for an empty slot.
int64_t row_average(const MapRow& row);

// A histogram bucket's range. hist: bucket 0 is (..., 0), 1 is [0], 2 is [1],
// k ≥ 3 is [2^(k-2), 2^(k-1)); lhist: 0 is (..., min), the last is [max, ...).
struct BucketRange {
  bool has_low = false, has_high = false;
  int64_t low = 0;        // inclusive
  int64_t high = 0;       // inclusive (JSON's "max")
  std::string label;      // text output: "[4, 8)", "[1K, 2K)", "(..., 0)"
};
BucketRange bucket_range(const manifest::MapSpec& spec, uint64_t index);

// Kernel side: read every entry; delete every entry; set every value to 0.
Result<std::vector<RawEntry>> read_map(int fd, const manifest::MapSpec& spec, int ncpus);
Status clear_map(int fd, const manifest::MapSpec& spec);
Status zero_map(int fd, const manifest::MapSpec& spec, int ncpus);

}  // namespace sonde::runtime
