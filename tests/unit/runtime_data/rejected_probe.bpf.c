// A program the verifier must reject (a map value used without a NULL
// check), to test how the runtime reports it:
//   BEGIN { }
//   tracepoint:syscalls:sys_enter_getpid { @x = @x + 1; }   (line 3)
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
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 4096);
  __type(key, u64);
  __type(value, u64);
} m_x SEC(".maps");

SEC("raw_tp")
int probe_0_0(void* ctx) { return 0; }

SEC("tracepoint/syscalls/sys_enter_getpid")
int probe_1_0(void* ctx) {
  u64 zero = 0;
  u64* v = bpf_map_lookup_elem(&m_x, &zero);
  *v += 1;  // no NULL check: rejected
  return 0;
}

__attribute__((section(".sonde"), used)) const char sonde_manifest[] =
    "{\"format_version\": 1, \"source_name\": \"rejected.sonde\","
    "\"probes\": [{\"program\": \"probe_0_0\", \"kind\": \"BEGIN\", \"text\": \"BEGIN\", \"line\": 1},"
    "{\"program\": \"probe_1_0\", \"kind\": \"tracepoint\", \"target\": \"syscalls:sys_enter_getpid\","
    "\"text\": \"tracepoint:syscalls:sys_enter_getpid\", \"line\": 3}],"
    "\"maps\": [{\"name\": \"@x\", \"elf_name\": \"m_x\", \"kind\": \"value\"}]}";
