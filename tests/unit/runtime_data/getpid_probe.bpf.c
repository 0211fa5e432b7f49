// A hand-written stand-in for what codegen emits (docs/internals.md), so the
// runtime's kernel test does not depend on the compiler. The equivalent
// script:
//
//   BEGIN { printf("begin\n"); }
//   tracepoint:syscalls:sys_enter_getpid {
//     @calls = count(); @by_comm[comm] = count(); @h = hist(5);
//     printf("getpid %d %x %s|%-10s|\n", -5, 0xbeef, comm, comm);
//   }
//   tracepoint:syscalls:sys_enter_getsid {
//     print(@by_comm); print(@calls); clear(@by_comm); zero(@h); exit();
//   }
//   END { printf("end\n"); }
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

typedef unsigned long long u64;
typedef unsigned int u32;

char LICENSE[] SEC("license") = "GPL";

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 1 << 22);
} sonde_events SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, u32);
  __type(value, u64);
} sonde_lost SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
  __uint(max_entries, 4096);
  __type(key, u64);
  __type(value, u64);
} m_calls SEC(".maps");

struct comm_key { char comm[16]; };
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
  __uint(max_entries, 4096);
  __type(key, struct comm_key);
  __type(value, u64);
} m_by_comm SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
  __uint(max_entries, 4096);
  __type(key, u64);  // the bucket index (scalar hist)
  __type(value, u64);
} m_h SEC(".maps");

const volatile struct { u32 target_pid; } sonde_config = {};

// Event ids: 0 printf begin, 1 printf getpid, 2 exit, 3 printf end,
// 4 print @by_comm, 5 print @calls, 6 clear @by_comm, 7 zero @h.
struct getpid_record {
  u64 id;
  u64 neg;
  u64 hex;
  char comm[16];
};

static __always_inline int filtered(void) {
  u32 target = sonde_config.target_pid;
  return target && (bpf_get_current_pid_tgid() >> 32) != target;
}

static __always_inline void emit_id(u64 id, u64 flags) {
  u64* rec = bpf_ringbuf_reserve(&sonde_events, sizeof(u64), 0);
  if (!rec) {
    u32 zero = 0;
    u64* lost = bpf_map_lookup_elem(&sonde_lost, &zero);
    if (lost) __sync_fetch_and_add(lost, 1);
    return;
  }
  *rec = id;
  bpf_ringbuf_submit(rec, flags);
}

static __always_inline void bump(void* map, void* key) {
  u64 one = 1;
  u64* v = bpf_map_lookup_elem(map, key);
  if (v)
    *v += 1;  // per-CPU slot: no atomics needed
  else
    bpf_map_update_elem(map, key, &one, BPF_NOEXIST);
}

SEC("raw_tp")
int probe_0_0(void* ctx) {
  emit_id(0, BPF_RB_NO_WAKEUP);
  return 0;
}

SEC("tracepoint/syscalls/sys_enter_getpid")
int probe_1_0(void* ctx) {
  if (filtered()) return 0;
  u64 zero = 0, bucket = 2 + 2;  // hist(5): 2 + floor(log2(5))
  struct comm_key key = {};
  bpf_get_current_comm(key.comm, sizeof key.comm);
  bump(&m_calls, &zero);
  bump(&m_by_comm, &key);
  bump(&m_h, &bucket);

  struct getpid_record* rec = bpf_ringbuf_reserve(&sonde_events, sizeof *rec, 0);
  if (!rec) {
    u32 z = 0;
    u64* lost = bpf_map_lookup_elem(&sonde_lost, &z);
    if (lost) __sync_fetch_and_add(lost, 1);
    return 0;
  }
  rec->id = 1;
  rec->neg = (u64)-5;
  rec->hex = 0xbeef;
  __builtin_memcpy(rec->comm, key.comm, sizeof rec->comm);
  bpf_ringbuf_submit(rec, BPF_RB_NO_WAKEUP);
  return 0;
}

SEC("tracepoint/syscalls/sys_enter_getsid")
int probe_2_0(void* ctx) {
  if (filtered()) return 0;
  emit_id(4, BPF_RB_NO_WAKEUP);
  emit_id(5, BPF_RB_NO_WAKEUP);
  emit_id(6, BPF_RB_NO_WAKEUP);
  emit_id(7, BPF_RB_NO_WAKEUP);
  emit_id(2, BPF_RB_FORCE_WAKEUP);
  return 0;
}

SEC("raw_tp")
int probe_3_0(void* ctx) {
  emit_id(3, BPF_RB_NO_WAKEUP);
  return 0;
}

#define Q "\""
__attribute__((section(".sonde"), used)) const char sonde_manifest[] =
    "{" Q "format_version" Q ": 1, " Q "source_name" Q ": " Q "getpid_probe" Q ","
    Q "probes" Q ": ["
    "{" Q "program" Q ": " Q "probe_0_0" Q ", " Q "kind" Q ": " Q "BEGIN" Q ", " Q "text" Q ": " Q "BEGIN" Q ", " Q "line" Q ": 1},"
    "{" Q "program" Q ": " Q "probe_1_0" Q ", " Q "kind" Q ": " Q "tracepoint" Q ", " Q "target" Q ": " Q "syscalls:sys_enter_getpid" Q ", "
        Q "text" Q ": " Q "tracepoint:syscalls:sys_enter_getpid" Q ", " Q "line" Q ": 2},"
    "{" Q "program" Q ": " Q "probe_2_0" Q ", " Q "kind" Q ": " Q "tracepoint" Q ", " Q "target" Q ": " Q "syscalls:sys_enter_getsid" Q ", "
        Q "text" Q ": " Q "tracepoint:syscalls:sys_enter_getsid" Q ", " Q "line" Q ": 6},"
    "{" Q "program" Q ": " Q "probe_3_0" Q ", " Q "kind" Q ": " Q "END" Q ", " Q "text" Q ": " Q "END" Q ", " Q "line" Q ": 7}],"
    Q "maps" Q ": ["
    "{" Q "name" Q ": " Q "@calls" Q ", " Q "elf_name" Q ": " Q "m_calls" Q ", " Q "kind" Q ": " Q "count" Q ", " Q "percpu" Q ": true},"
    "{" Q "name" Q ": " Q "@by_comm" Q ", " Q "elf_name" Q ": " Q "m_by_comm" Q ", " Q "kind" Q ": " Q "count" Q ", " Q "percpu" Q ": true, "
        Q "key_size" Q ": 16, " Q "key" Q ": [{" Q "name" Q ": " Q "comm" Q ", " Q "kind" Q ": " Q "string" Q ", " Q "offset" Q ": 0, " Q "size" Q ": 16}]},"
    "{" Q "name" Q ": " Q "@h" Q ", " Q "elf_name" Q ": " Q "m_h" Q ", " Q "kind" Q ": " Q "hist" Q ", " Q "percpu" Q ": true, " Q "bucket_in_key" Q ": true}],"
    Q "events" Q ": ["
    "{" Q "kind" Q ": " Q "printf" Q ", " Q "format" Q ": " Q "begin\\n" Q "},"
    "{" Q "kind" Q ": " Q "printf" Q ", " Q "format" Q ": " Q "getpid %d %x %s|%-10s|\\n" Q ", " Q "size" Q ": 40, " Q "args" Q ": ["
        "{" Q "kind" Q ": " Q "int" Q ", " Q "offset" Q ": 8, " Q "size" Q ": 8},"
        "{" Q "kind" Q ": " Q "uint" Q ", " Q "offset" Q ": 16, " Q "size" Q ": 8},"
        "{" Q "kind" Q ": " Q "string" Q ", " Q "offset" Q ": 24, " Q "size" Q ": 16},"
        "{" Q "kind" Q ": " Q "string" Q ", " Q "offset" Q ": 24, " Q "size" Q ": 16}]},"
    "{" Q "kind" Q ": " Q "exit" Q "},"
    "{" Q "kind" Q ": " Q "printf" Q ", " Q "format" Q ": " Q "end\\n" Q "},"
    "{" Q "kind" Q ": " Q "print" Q ", " Q "map" Q ": 1},"
    "{" Q "kind" Q ": " Q "print" Q ", " Q "map" Q ": 0},"
    "{" Q "kind" Q ": " Q "clear" Q ", " Q "map" Q ": 1},"
    "{" Q "kind" Q ": " Q "zero" Q ", " Q "map" Q ": 2}],"
    Q "config_target_pid_offset" Q ": 0}";
