// tracefs: where tracepoints and their record formats live. Used by the
// checker (types and offsets of `args.*`, wildcard expansion) and by the
// runtime (listing, attach). A fresh machine here has tracefs unmounted;
// ensure_mounted() mounts it when running as root.
#pragma once
#include <string>
#include <vector>

#include "support/result.h"

namespace sonde::tracefs {

// Mounts tracefs at /sys/kernel/tracing if it is not there yet (needs root).
// The error says exactly what to run when mounting is not possible.
Status ensure_mounted();

// "/sys/kernel/tracing" (or the debugfs fallback when that is where it is).
std::string root();

struct Field {
  std::string name;      // "filename"
  std::string c_type;    // as the format file declares it: "const char *"
  uint32_t offset = 0;
  uint32_t size = 0;
  bool is_signed = false;
  bool is_pointer = false;   // "... *"
  bool is_data_loc = false;  // "__data_loc char[]": u32 (len << 16 | offset)
  bool is_char_array = false;  // "char comm[16]"
  bool is_common = false;      // common_type, common_pid, ...
};

struct Format {
  std::string category;  // "syscalls"
  std::string name;      // "sys_enter_openat"
  int id = 0;
  std::vector<Field> fields;  // in record order, common_* first
};

// Parses /sys/kernel/tracing/events/CATEGORY/NAME/format.
Result<Format> read_format(const std::string& category, const std::string& name);
// Parses the text of a format file (unit-testable without a kernel).
Result<Format> parse_format(const std::string& category, const std::string& name,
                            const std::string& text);

// Every tracepoint as "category:name", sorted.
Result<std::vector<std::string>> list_all();
// Those matching a glob pattern "cat:name" ('*' and '?' in either part).
Result<std::vector<std::string>> match(const std::string& pattern);

}  // namespace sonde::tracefs
