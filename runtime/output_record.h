// Records (`emit NAME { field = expr }`): typed rows with no format string.
// The manifest's EventSpec (kind "record") names each field and its unit;
// these functions decode one ring-buffer record by that layout and show it
// as an aligned text row or as one NDJSON object. Pure functions of the
// bytes, so every shape is unit-tested without a kernel.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "manifest/manifest.h"

namespace sonde::runtime {

// One decoded field value.
struct RecordValue {
  bool is_string = false;
  int64_t number = 0;   // integers, sign-extended when the field is signed
  std::string text;     // strings, up to the first NUL
};

// Decodes every field of `spec` from a record of `size` bytes (a field past
// the end reads as 0 / "").
std::vector<RecordValue> decode_record(const manifest::EventSpec& spec, const uint8_t* data,
                                       size_t size);

// A value as text, by its unit: durations "850ns" "12.4us" "3.21ms" "1.50s",
// bytes and errno negative values as errno names ("-EAGAIN"), addresses in hex.
std::string record_value_text(const manifest::Field& field, const RecordValue& value);

// The errno name of a positive errno value ("EAGAIN"), or its number.
std::string errno_name(int64_t err);

// Aligned text columns. A header line is printed whenever the record kind
// differs from the previous row's; each column is as wide as its unit needs
// (or its name), so rows of one kind line up without buffering.
class RecordTable {
 public:
  // The text for one record, with a header line first when needed.
  std::string row(const manifest::EventSpec& spec, const std::vector<RecordValue>& values);

 private:
  std::string last_;  // record name of the previous row
};

// A JSON string literal (nlohmann's escaping; invalid UTF-8 becomes U+FFFD).
std::string json_string(const std::string& s);

// `{"type": "record", "name": N, "data": {field: value, ...}}` (no newline),
// spaced like the other -f json lines. Integers stay raw numbers (durations
// in ns, errors as negative numbers); strings go through `quote`, so the
// JSON driver can apply its own stricter escaping.
std::string record_json(const manifest::EventSpec& spec, const std::vector<RecordValue>& values,
                        const std::function<std::string(const std::string&)>& quote = json_string);

}  // namespace sonde::runtime
