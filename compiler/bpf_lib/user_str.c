// BPF-side helper for str() in uprobe, uretprobe and usdt programs, which
// sonde loads as sleepable: bpf_copy_from_user_str may fault the page in,
// so a string the traced program never touched (a constant it only passes
// along) reads correctly, where bpf_probe_read_user_str returns -EFAULT
// (and bpftrace prints ""). Should the sleeping copy still fail (a bad
// pointer), the non-faulting read runs as before. Returns the length read,
// NUL included, or a negative error.
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern int bpf_copy_from_user_str(void* dst, __u32 dst__sz, const void* unsafe_ptr__ign,
                                  __u64 flags) __ksym;

__attribute__((always_inline)) long sonde_read_user_str(void* dst, __u32 size, const void* src) {
  long n = bpf_copy_from_user_str(dst, size, src, 0);
  if (n < 0) n = bpf_probe_read_user_str(dst, size, src);
  return n;
}
