// Fills a one-page ring buffer from BEGIN (nothing consumes while a program
// runs), so a known number of records is lost and counted in sonde_lost; and
// fills a 4-entry map, counting each refused key in sonde_lost[1 + map
// index] as compiled scripts do, so the runtime warns how many it dropped.
//   BEGIN { unroll(100) { printf("x\n"); } $i = 0; unroll(10) { @full[$i] = $i; $i++ } }
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

typedef unsigned long long u64;
typedef unsigned int u32;

char LICENSE[] SEC("license") = "GPL";

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 4096);
} sonde_events SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 2);
  __type(key, u32);
  __type(value, u64);
} sonde_lost SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 4);
  __type(key, u64);
  __type(value, u64);
} m_full SEC(".maps");

struct record {
  u64 id;
  char pad[56];
};

SEC("raw_tp")
int probe_0_0(void* ctx) {
  for (int i = 0; i < 100; i++) {
    struct record* rec = bpf_ringbuf_reserve(&sonde_events, sizeof *rec, 0);
    if (!rec) {
      u32 zero = 0;
      u64* lost = bpf_map_lookup_elem(&sonde_lost, &zero);
      if (lost) __sync_fetch_and_add(lost, 1);
      continue;
    }
    rec->id = 0;
    bpf_ringbuf_submit(rec, BPF_RB_NO_WAKEUP);
  }
  for (u64 k = 0; k < 10; k++) {
    if (bpf_map_update_elem(&m_full, &k, &k, BPF_ANY) == -7 /* -E2BIG */) {
      u32 full = 1;
      u64* dropped = bpf_map_lookup_elem(&sonde_lost, &full);
      if (dropped) __sync_fetch_and_add(dropped, 1);
    }
  }
  return 0;
}

__attribute__((section(".sonde"), used)) const char sonde_manifest[] =
    "{\"format_version\": 1, \"source_name\": \"lost_probe\","
    "\"probes\": [{\"program\": \"probe_0_0\", \"kind\": \"BEGIN\", \"text\": \"BEGIN\", \"line\": 1}],"
    "\"maps\": [{\"name\": \"@full\", \"elf_name\": \"m_full\", \"kind\": \"value\","
    "\"key\": [{\"kind\": \"int\", \"offset\": 0, \"size\": 8}], \"value\": {\"kind\": \"int\", \"size\": 8}}],"
    "\"events\": [{\"kind\": \"printf\", \"format\": \"x\\n\", \"size\": 64}],"
    "\"ringbuf_size\": 4096}";
