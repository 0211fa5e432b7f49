// The manifest: everything the runtime needs to attach a compiled script and
// decode what it sends back, as plain data. The compiler writes it as JSON
// into the ELF section `.sonde`; the runtime reads it from there and nothing
// else. It is the AOT format, so it is versioned: a runner refuses a manifest
// whose format_version is newer than its own.
//
// Wire contract with the BPF side (codegen and runtime must agree):
//  * Every ring-buffer record starts with a u64 event id (index into
//    `events`); its arguments follow at the offsets given in `args`.
//  * Maps keyed by nothing (`@x = 1`) use a u64 key of 0.
//  * hist/lhist maps append a u64 bucket index to the key (`bucket_in_key`).
//  * Aggregation values, per CPU when `percpu`:
//      count, sum         : one 8-byte integer
//      avg, stats         : { s64 count; s64 total }
//      min, max           : { s64 value; u64 set }   (set != 0 once written)
//      hist, lhist        : u64 count (per bucket key)
//  * Stacks (ustack/kstack) are { u32 pid; u32 pad; u64 ips[N] }: the tgid
//    whose address space the user ips belong to (0 for kstack), then
//    bpf_get_stack's return addresses, leaf first, zero after the last.
//  * Strings are fixed-size, NUL-padded byte arrays.
//  * Losses are counted in `lost_map`, an ARRAY map of u64 counters
//    incremented atomically: key 0 counts failed ring-buffer reserves, key
//    1 + i the updates of maps[i] refused because it was full (-E2BIG).
//    Objects from before the per-map counters have key 0 only; the runtime
//    reads a missing key as 0.
//  * The .rodata global `sonde_config` holds load-time settings, at the
//    offsets named below; the runtime patches them before load.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "support/result.h"

namespace sonde::manifest {

inline constexpr int kFormatVersion = 1;
inline constexpr const char* kSectionName = ".sonde";

enum class FieldKind { Int, Uint, String, Bool, UserStack, KernelStack };
inline bool is_stack(FieldKind k) { return k == FieldKind::UserStack || k == FieldKind::KernelStack; }

struct Field {
  std::string name;  // map key / printf arg position / record field name
  FieldKind kind = FieldKind::Int;
  uint32_t offset = 0;
  uint32_t size = 8;  // Int/Uint: 1, 2, 4, 8; String: buffer size; stacks: 8 + 8 * frames
  // Records only: how to show the value. "" plain, "duration" (ns),
  // "bytes" and "errno" (negative = -errno), "fd", "addr" (hex). Added in
  // version 1 with a default, so older manifests still read.
  std::string unit = {};
};

struct ProbeSpec {
  std::string program;  // name of the BPF program (ELF function) to attach
  std::string kind;     // "BEGIN" "END" "tracepoint" "interval" "profile" "uprobe" "uretprobe" "usdt"
                        // "rawtracepoint" (target "sys_enter" / "sys_exit")
  std::string target;   // tracepoint: "syscalls:sys_enter_openat"; uprobe/usdt: binary path
  std::string name;     // uprobe: symbol; usdt: "provider:name"; else empty
  uint64_t offset = 0;  // uprobe: offset from symbol (or address when name is empty)
  uint64_t period_ns = 0;  // interval
  uint64_t frequency = 0;  // profile (Hz)
  std::string text;        // the attach point as the script wrote it, for messages
  int line = 0;            // script line of the probe, for verifier messages
};

struct MapSpec {
  std::string name;      // as in the script: "@x", "@" for the anonymous map
  std::string elf_name;  // name of the map in the object (<= 15 chars)
  std::string kind;      // "value" "count" "sum" "avg" "min" "max" "stats" "hist" "lhist"
  std::vector<Field> key;  // key layout; empty for a scalar map (u64 key 0)
  Field value;             // "value" maps: the stored value's type
  uint32_t key_size = 8;
  uint32_t value_size = 8;
  bool percpu = false;
  bool bucket_in_key = false;  // hist/lhist: last 8 key bytes are the bucket index
  int64_t lhist_min = 0, lhist_max = 0, lhist_step = 0;
};

struct EventSpec {
  std::string kind;    // "printf" "print" "clear" "zero" "exit" "time" "record"
  std::string name;    // record: the record's name (`emit NAME {...}`); fields in `args`
  std::string format;  // printf/time format string, bpftrace's verbs
  std::vector<Field> args;  // printf: argument layout (offsets from record start)
  int map = -1;        // print/clear/zero: index into `maps`
  uint32_t size = 8;   // record size in bytes
  int line = 0;
};

struct Manifest {
  int format_version = kFormatVersion;
  std::string sonde_version;
  std::string source_name;  // script path or "-e"
  std::vector<ProbeSpec> probes;
  std::vector<MapSpec> maps;
  std::vector<EventSpec> events;
  std::string ringbuf_map = "sonde_events";
  uint32_t ringbuf_size = 1u << 22;
  std::string lost_map = "sonde_lost";
  // Offset of the u32 target pid (0 = no filter) inside `sonde_config`.
  int32_t config_target_pid_offset = -1;
  // Offset of the u64 start time (CLOCK_MONOTONIC ns, as bpf_ktime_get_ns)
  // inside `sonde_config`, for `elapsed`; -1 when absent. The runtime writes
  // it before load; left at 0, `elapsed` reads like `nsecs`.
  int32_t config_start_ns_offset = -1;
  // Offset of u32[config_more_pid_count] more -p pids (-1: only one pid).
  int32_t config_more_pids_offset = -1;
  uint32_t config_more_pid_count = 0;
  uint32_t string_size = 64;
};

std::string to_json(const Manifest& m);
Result<Manifest> from_json(const std::string& json);

// Reads the manifest from the `.sonde` section of a BPF ELF object.
Result<Manifest> read_from_elf(const void* data, size_t size);

}  // namespace sonde::manifest
