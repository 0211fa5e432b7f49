#include "runtime/maps.h"

#include <bpf/bpf.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "runtime/printf_format.h"
#include "runtime/symbolize.h"

namespace sonde::runtime {

namespace {

using manifest::FieldKind;
using manifest::MapSpec;

int64_t load_s64(const uint8_t* p) {
  int64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

uint32_t slot_size(const MapSpec& spec) {
  return spec.percpu ? (spec.value_size + 7) / 8 * 8 : spec.value_size;
}

int slot_count(const MapSpec& spec, const RawEntry& e, int ncpus) {
  int slots = spec.percpu ? ncpus : 1;
  uint32_t size = slot_size(spec);
  if (size == 0) return 0;
  return std::min<int>(slots, static_cast<int>(e.value.size() / size));
}

bool is_hist(const MapSpec& spec) { return spec.kind == "hist" || spec.kind == "lhist"; }

// Adds one raw entry's per-CPU slots into `row`. Returns false when nothing
// was ever written (min/max with no CPU having set its slot).
bool fold_slots(const MapSpec& spec, const RawEntry& e, int ncpus, MapRow& row, bool& seen) {
  uint32_t size = slot_size(spec);
  for (int cpu = 0; cpu < slot_count(spec, e, ncpus); ++cpu) {
    const uint8_t* slot = e.value.data() + static_cast<size_t>(cpu) * size;
    if (spec.kind == "count" || spec.kind == "sum") {
      row.value += load_s64(slot);
    } else if (spec.kind == "avg" || spec.kind == "stats") {
      row.count += load_s64(slot);
      row.total += load_s64(slot + 8);
    } else if (spec.kind == "min" || spec.kind == "max") {
      if (size < 16 || load_s64(slot + 8) == 0) continue;
      int64_t v = load_s64(slot);
      if (!seen) row.value = v;
      row.value = spec.kind == "min" ? std::min(row.value, v) : std::max(row.value, v);
      seen = true;
    } else if (is_hist(spec)) {
      uint64_t bucket = 0;
      if (e.key.size() >= 8) std::memcpy(&bucket, e.key.data() + e.key.size() - 8, 8);
      row.buckets[bucket] += static_cast<uint64_t>(load_s64(slot));
    } else if (spec.value.kind == FieldKind::String) {
      manifest::Field f = spec.value;
      f.offset = 0;
      row.text = read_string(f, slot, size);
    } else {
      manifest::Field f = spec.value;
      f.offset = 0;
      row.value = read_integer(f, slot, size);
    }
  }
  if (spec.kind != "min" && spec.kind != "max") seen = true;
  return seen;
}

// Field-wise key order: integers numerically, strings bytewise.
bool key_less(const MapSpec& spec, const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  for (const manifest::Field& f : spec.key) {
    if (f.kind == FieldKind::String) {
      int c = read_string(f, a.data(), a.size()).compare(read_string(f, b.data(), b.size()));
      if (c != 0) return c < 0;
      continue;
    }
    int64_t x = read_integer(f, a.data(), a.size()), y = read_integer(f, b.data(), b.size());
    if (x == y) continue;
    return f.kind == FieldKind::Uint ? static_cast<uint64_t>(x) < static_cast<uint64_t>(y) : x < y;
  }
  return false;
}

uint64_t total_count(const MapRow& row) {
  uint64_t sum = 0;
  for (const auto& [bucket, count] : row.buckets) sum += count;
  return sum;
}

void sort_rows(const MapSpec& spec, std::vector<MapRow>& rows) {
  std::sort(rows.begin(), rows.end(),
            [&](const MapRow& a, const MapRow& b) { return key_less(spec, a.key, b.key); });
  if (spec.kind == "value" && spec.value.kind == FieldKind::String) return;
  bool is_unsigned = spec.kind == "count" || spec.value.kind == FieldKind::Uint;
  std::stable_sort(rows.begin(), rows.end(), [&](const MapRow& a, const MapRow& b) {
    if (spec.kind == "avg" || spec.kind == "stats") return row_average(a) < row_average(b);
    if (is_hist(spec)) return total_count(a) < total_count(b);
    if (is_unsigned) return static_cast<uint64_t>(a.value) < static_cast<uint64_t>(b.value);
    return a.value < b.value;
  });
}

// "512", "1K", "2M": a power of two with bpftrace's suffixes.
std::string power_label(unsigned exponent) {
  static const char* const kSuffix[] = {"", "K", "M", "G", "T", "P", "E"};
  return std::to_string(1ull << (exponent % 10)) + kSuffix[exponent / 10];
}

BucketRange hist_range(uint64_t index) {
  if (index == 0) return {false, true, 0, -1, "(..., 0)"};
  if (index == 1) return {true, true, 0, 0, "[0]"};
  if (index == 2) return {true, true, 1, 1, "[1]"};
  unsigned e = static_cast<unsigned>(std::min<uint64_t>(index, 64)) - 2;  // low = 2^e
  uint64_t high = e >= 62 ? static_cast<uint64_t>(INT64_MAX) : (2ull << e) - 1;
  return {true, true, static_cast<int64_t>(1ull << e), static_cast<int64_t>(high),
          "[" + power_label(e) + ", " + power_label(e + 1) + ")"};
}

BucketRange lhist_range(const MapSpec& spec, uint64_t index) {
  int64_t lo = spec.lhist_min, hi = spec.lhist_max, step = spec.lhist_step > 0 ? spec.lhist_step : 1;
  uint64_t inner = static_cast<uint64_t>((hi - lo) / step);
  if (index == 0) return {false, true, 0, lo - 1, "(..., " + std::to_string(lo) + ")"};
  if (index > inner) return {true, false, hi, 0, "[" + std::to_string(hi) + ", ...)"};
  int64_t a = lo + static_cast<int64_t>(index - 1) * step;
  return {true, true, a, a + step - 1,
          "[" + std::to_string(a) + ", " + std::to_string(a + step) + ")"};
}

}  // namespace

MapData fold_map(const MapSpec& spec, const std::vector<RawEntry>& raw, int ncpus) {
  // Hist maps carry the bucket in the key: group entries by the key before it.
  std::map<std::vector<uint8_t>, std::pair<MapRow, bool>> by_key;
  for (const RawEntry& e : raw) {
    std::vector<uint8_t> key = e.key;
    if (spec.bucket_in_key && key.size() >= 8) key.resize(key.size() - 8);
    auto& [row, seen] = by_key[key];
    row.key = key;
    fold_slots(spec, e, ncpus, row, seen);
  }
  MapData data;
  for (auto& [key, entry] : by_key)
    if (entry.second) data.rows.push_back(std::move(entry.first));
  sort_rows(spec, data.rows);
  return data;
}

std::vector<std::string> key_fields_text(const MapSpec& spec, const std::vector<uint8_t>& key) {
  std::vector<std::string> out;
  for (const manifest::Field& f : spec.key) {
    if (f.kind == FieldKind::String)
      out.push_back(read_string(f, key.data(), key.size()));
    else if (manifest::is_stack(f.kind))
      out.push_back(stack_text(read_stack(f, key.data(), key.size()), 4));
    else if (f.kind == FieldKind::Uint)
      out.push_back(std::to_string(static_cast<uint64_t>(read_integer(f, key.data(), key.size()))));
    else
      out.push_back(std::to_string(read_integer(f, key.data(), key.size())));
  }
  return out;
}

std::string row_value_text(const MapSpec& spec, const MapRow& row) {
  if (spec.kind == "value" && spec.value.kind == FieldKind::String) return row.text;
  if (spec.kind == "avg" || spec.kind == "stats") return std::to_string(row_average(row));
  bool is_unsigned = spec.kind == "count" || spec.value.kind == FieldKind::Uint;
  return is_unsigned ? std::to_string(static_cast<uint64_t>(row.value)) : std::to_string(row.value);
}

int64_t row_average(const MapRow& row) { return row.count ? row.total / row.count : 0; }

BucketRange bucket_range(const MapSpec& spec, uint64_t index) {
  return spec.kind == "lhist" ? lhist_range(spec, index) : hist_range(index);
}

Result<std::vector<RawEntry>> read_map(int fd, const MapSpec& spec, int ncpus) {
  std::vector<RawEntry> out;
  std::vector<uint8_t> key(spec.key_size), next(spec.key_size);
  size_t value_bytes = static_cast<size_t>(slot_size(spec)) * (spec.percpu ? ncpus : 1);
  const void* prev = nullptr;  // NULL asks for the first key
  while (bpf_map_get_next_key(fd, prev, next.data()) == 0) {
    RawEntry e{next, std::vector<uint8_t>(value_bytes)};
    // An entry deleted between the two calls is simply skipped.
    if (bpf_map_lookup_elem(fd, next.data(), e.value.data()) == 0) out.push_back(std::move(e));
    key = next;
    prev = key.data();
  }
  if (errno != ENOENT)
    return make_error("could not read map " + spec.name + ": " + std::strerror(errno));
  return out;
}

static std::vector<std::vector<uint8_t>> all_keys(int fd, uint32_t key_size) {
  std::vector<std::vector<uint8_t>> keys;
  std::vector<uint8_t> next(key_size);
  const void* prev = nullptr;
  while (bpf_map_get_next_key(fd, prev, next.data()) == 0) {
    keys.push_back(next);
    prev = keys.back().data();
  }
  return keys;
}

Status clear_map(int fd, const MapSpec& spec) {
  for (const auto& key : all_keys(fd, spec.key_size)) bpf_map_delete_elem(fd, key.data());
  return Ok{};
}

Status zero_map(int fd, const MapSpec& spec, int ncpus) {
  std::vector<uint8_t> zeros(static_cast<size_t>(slot_size(spec)) * (spec.percpu ? ncpus : 1));
  for (const auto& key : all_keys(fd, spec.key_size)) {
    if (bpf_map_update_elem(fd, key.data(), zeros.data(), BPF_EXIST) != 0 && errno != ENOENT)
      return make_error("could not zero map " + spec.name + ": " + std::strerror(errno));
  }
  return Ok{};
}

}  // namespace sonde::runtime
