// Record decoding and formatting (see output_record.h).
#include "runtime/output_record.h"

#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

namespace sonde::runtime {

namespace {

int64_t read_int(const manifest::Field& f, const uint8_t* p) {
  switch (f.size) {
    case 1: { uint8_t v; std::memcpy(&v, p, 1); return f.kind == manifest::FieldKind::Int ? int8_t(v) : v; }
    case 2: { uint16_t v; std::memcpy(&v, p, 2); return f.kind == manifest::FieldKind::Int ? int16_t(v) : v; }
    case 4: { uint32_t v; std::memcpy(&v, p, 4); return f.kind == manifest::FieldKind::Int ? int32_t(v) : int64_t(v); }
    default: { int64_t v; std::memcpy(&v, p, 8); return v; }
  }
}

// Three significant digits: 850ns, 12.4us, 3.21ms, 1.50s.
std::string duration_text(int64_t ns) {
  if (ns < 0) return std::to_string(ns) + "ns";
  static const struct { double scale; const char* suffix; } kUnits[] = {
      {1e9, "s"}, {1e6, "ms"}, {1e3, "us"}};
  for (const auto& u : kUnits) {
    if (static_cast<double>(ns) < u.scale) continue;
    double v = static_cast<double>(ns) / u.scale;
    char buf[32];
    std::snprintf(buf, sizeof buf, v >= 100 ? "%.0f%s" : v >= 10 ? "%.1f%s" : "%.2f%s", v, u.suffix);
    return buf;
  }
  return std::to_string(ns) + "ns";
}

// Column width by unit: enough for typical values, so rows line up.
size_t unit_width(const manifest::Field& f) {
  if (f.kind == manifest::FieldKind::String) return 16;
  if (f.unit == "duration") return 8;
  if (f.unit == "fd") return 4;
  if (f.unit == "addr") return 18;
  if (f.unit == "errno") return 8;
  return 8;
}

size_t column_width(const manifest::Field& f) { return std::max(unit_width(f), f.name.size()); }

bool right_aligned(const manifest::Field& f) { return f.kind != manifest::FieldKind::String; }

std::string pad(const std::string& text, size_t width, bool right) {
  if (text.size() >= width) return text;
  std::string fill(width - text.size(), ' ');
  return right ? fill + text : text + fill;
}

}  // namespace

std::vector<RecordValue> decode_record(const manifest::EventSpec& spec, const uint8_t* data,
                                       size_t size) {
  std::vector<RecordValue> values;
  for (const manifest::Field& f : spec.args) {
    RecordValue v;
    bool inside = static_cast<size_t>(f.offset) + f.size <= size;
    if (f.kind == manifest::FieldKind::String) {
      v.is_string = true;
      if (inside) {
        const char* p = reinterpret_cast<const char*>(data + f.offset);
        v.text.assign(p, strnlen(p, f.size));
      }
    } else if (inside) {
      v.number = read_int(f, data + f.offset);
    }
    values.push_back(std::move(v));
  }
  return values;
}

std::string errno_name(int64_t err) {
  const char* name = err > 0 && err < 4096 ? strerrorname_np(static_cast<int>(err)) : nullptr;
  return name ? name : std::to_string(err);
}

std::string record_value_text(const manifest::Field& field, const RecordValue& value) {
  if (value.is_string) return value.text;
  int64_t n = value.number;
  if (field.unit == "duration") return duration_text(n);
  if ((field.unit == "bytes" || field.unit == "errno") && n < 0) return "-" + errno_name(-n);
  if (field.unit == "addr") {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(n));
    return buf;
  }
  if (field.kind == manifest::FieldKind::Uint) return std::to_string(static_cast<uint64_t>(n));
  return std::to_string(n);
}

std::string RecordTable::row(const manifest::EventSpec& spec, const std::vector<RecordValue>& values) {
  std::string out;
  // Span ids (units "span.*") are for the tree view and JSON, not columns.
  std::vector<size_t> shown;
  for (size_t i = 0; i < spec.args.size(); ++i)
    if (spec.args[i].unit.rfind("span.", 0) != 0) shown.push_back(i);
  auto line = [&](auto cell) {
    std::string text;
    for (size_t k = 0; k < shown.size(); ++k) {
      size_t i = shown[k];
      const manifest::Field& f = spec.args[i];
      bool last = k + 1 == shown.size();
      std::string c = cell(i);
      // The last column is never padded: no trailing blanks.
      text += last && !right_aligned(f) ? c : pad(c, column_width(f), right_aligned(f));
      if (!last) text += "  ";
    }
    return text + "\n";
  };
  if (spec.name != last_) {
    last_ = spec.name;
    out += "# " + spec.name + "\n";
    out += line([&](size_t i) { return spec.args[i].name; });
  }
  out += line([&](size_t i) {
    return i < values.size() ? record_value_text(spec.args[i], values[i]) : std::string();
  });
  return out;
}

std::string json_string(const std::string& s) {
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string record_json(const manifest::EventSpec& spec, const std::vector<RecordValue>& values,
                        const std::function<std::string(const std::string&)>& quote) {
  std::string data, ids;
  for (size_t i = 0; i < spec.args.size() && i < values.size(); ++i) {
    const manifest::Field& f = spec.args[i];
    if (f.unit.rfind("span.", 0) == 0) {  // span bookkeeping: "id", "parent", "span"
      std::string key = f.unit == "span.of" ? "span" : f.unit.substr(5);
      ids += ", " + quote(key) + ": " + std::to_string(static_cast<uint64_t>(values[i].number));
      continue;
    }
    if (!data.empty()) data += ", ";
    data += quote(f.name) + ": ";
    if (values[i].is_string) data += quote(values[i].text);
    else if (f.kind == manifest::FieldKind::Uint) data += std::to_string(static_cast<uint64_t>(values[i].number));
    else data += std::to_string(values[i].number);
  }
  return R"({"type": "record", "name": )" + quote(spec.name) + ids + R"(, "data": {)" + data + "}}";
}

}  // namespace sonde::runtime
