// BPF-side helpers for fdkind(), fdpeer() and sockaddr(): what a file
// descriptor of the current task is, who its socket is connected to, and a
// `struct sockaddr` in user memory, each written as text into a buffer the
// caller has zeroed (8 bytes for the kind, 64 for addresses).
//
// Why kernel state and not bookkeeping of earlier syscalls: fds are
// inherited, dup'ed, passed over unix sockets and reused after close, so
// only task->files says what an fd is *now*.
//
// CO-RE: the kernel structs below are minimal local definitions marked
// preserve_access_index. clang records each field access as a relocation
// (kept through linking into the script's module, emitted in .BTF.ext) and
// libbpf rewrites the offsets against the running kernel's BTF at load
// time, so no vmlinux.h or kernel headers are needed. Field types only have
// to be compatible in kind (a struct for a struct), not in name.
//
// Verifier limits: loops have constant trip counts (unrolled), text is
// written without data-dependent branches at indices masked to the buffer
// (see "text output" below), and variable read lengths are clamped. Reads
// use bpf_get_current_task and bpf_probe_read_kernel/_user, which tracepoint
// and sleepable uprobe programs both may call; so sockaddr() does not fault
// a user page in, as str() does in uprobes. A failed read gives "" (or
// "none" for fdkind), never an error.
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

#define KIND_SIZE 8
#define ADDR_SIZE 64
#define SUN_PATH_MAX 108  // sizeof(((struct sockaddr_un*)0)->sun_path)

#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10

#define S_IFMT 0170000
#define S_IFSOCK 0140000
#define S_IFLNK 0120000
#define S_IFREG 0100000
#define S_IFBLK 0060000
#define S_IFDIR 0040000
#define S_IFCHR 0020000
#define S_IFIFO 0010000

// Anonymous inodes (eventfd, epoll, timerfd, signalfd, ...) live on
// anon_inodefs; since Linux 6.15 they carry S_IFREG internally, so the
// superblock is the reliable test. pidfds moved to pidfs in 6.9.
#define ANON_INODE_FS_MAGIC 0x09041934
#define PIDFS_MAGIC 0x50494446

// ---- the kernel structs, as far as we read them (CO-RE relocated)

struct super_block {
  unsigned long s_magic;
} __attribute__((preserve_access_index));

struct inode {
  unsigned short i_mode;
  struct super_block* i_sb;
} __attribute__((preserve_access_index));

struct file {
  struct inode* f_inode;
  void* private_data;  // struct socket * for sockets
} __attribute__((preserve_access_index));

struct fdtable {
  unsigned int max_fds;
  struct file** fd;
} __attribute__((preserve_access_index));

struct files_struct {
  struct fdtable* fdt;
} __attribute__((preserve_access_index));

struct task_struct {
  struct files_struct* files;
} __attribute__((preserve_access_index));

struct sock_common {
  __be32 skc_daddr;
  __be16 skc_dport;
  unsigned short skc_family;
  struct {
    __u8 bytes[16];
  } skc_v6_daddr;  // struct in6_addr; absent without CONFIG_IPV6
} __attribute__((preserve_access_index));

struct sock {
  struct sock_common __sk_common;
} __attribute__((preserve_access_index));

struct socket {
  struct sock* sk;
} __attribute__((preserve_access_index));

struct unix_address {
  int len;  // bytes of `name` used, sun_family included
  struct {
    unsigned short sun_family;
    char sun_path[SUN_PATH_MAX];
  } name[0];
} __attribute__((preserve_access_index));

struct unix_sock {
  struct unix_address* addr;
  struct sock* peer;
} __attribute__((preserve_access_index));

// ---- reading memory: kernel (fdpeer) or user (sockaddr), fixed per caller

static __always_inline long read_mem(void* dst, __u32 size, const void* src, int user) {
  return user ? bpf_probe_read_user(dst, size, src) : bpf_probe_read_kernel(dst, size, src);
}

static __always_inline long read_str(void* dst, __u32 size, const void* src, int user) {
  return user ? bpf_probe_read_user_str(dst, size, src) : bpf_probe_read_kernel_str(dst, size, src);
}

// Seven bytes of text and a NUL as one little-endian word: no string
// constants, so nothing lands in .rodata.
#define WORD(s) ((__u64)(s)[0] | (__u64)(s)[1] << 8 | (__u64)(s)[2] << 16 | (__u64)(s)[3] << 24 | \
                 (__u64)(s)[4] << 32 | (__u64)(s)[5] << 40 | (__u64)(s)[6] << 48)

// ---- text output into a zeroed ADDR_SIZE buffer
//
// The verifier walks every path through a program, and text whose length
// depends on the data (digits, zero compression) would fork a path per
// character: millions of states. So the writers below never branch: each
// character is stored at `pos` and `pos` advances by a 0/1 flag computed
// with arithmetic. LLVM would turn such flags back into selects (which the
// BPF backend lowers to jumps), so their inputs pass through OPAQUE, an
// empty asm LLVM cannot see through. A character stored without advancing
// is overwritten by the next one, or by the final NUL (finish()).

#define OPAQUE(x)                         \
  ({                                      \
    __u64 opaque_ = (x);                  \
    __asm__ volatile("" : "+r"(opaque_)); \
    opaque_;                              \
  })

// 1 when x != 0, for x < 2^32.
static __always_inline __u64 nonzero(__u64 x) { return (OPAQUE(x) + 0xffffffffULL) >> 32; }

// 1 when a < b, for a, b < 2^62.
static __always_inline __u64 less(__u64 a, __u64 b) { return (OPAQUE(a) - b) >> 63; }

static __always_inline __u64 equal(__u64 a, __u64 b) { return 1 - nonzero(a ^ b); }

// The index is opaque too: knowing the buffer's alignment, LLVM would
// otherwise compute `buf | pos`, which the verifier refuses on a pointer.
static __always_inline void put_if(char* buf, __u64* pos, __u64 c, __u64 advance) {
  buf[OPAQUE(*pos) & (ADDR_SIZE - 1)] = (char)c;
  *pos += advance;
}

static __always_inline void put(char* buf, __u64* pos, char c) { put_if(buf, pos, c, 1); }

// Ends the text at pos (also clearing a character stored without advancing).
static __always_inline void finish(char* buf, __u64 pos) { buf[OPAQUE(pos) & (ADDR_SIZE - 1)] = 0; }

// v in decimal without leading zeros, for v < 10^width.
static __always_inline void put_dec(char* buf, __u64* pos, __u64 v, int width) {
  __u64 started = 0, scale = 1;
#pragma unroll
  for (int i = 1; i < width; ++i) scale *= 10;
#pragma unroll
  for (int i = width - 1; i >= 0; --i) {
    __u64 d = v / scale % 10;
    started |= nonzero(d) | (i == 0);
    put_if(buf, pos, '0' + d, started);
    scale /= 10;
  }
}

// One IPv6 group: lowercase hex without leading zeros (RFC 5952).
static __always_inline void put_hex16_if(char* buf, __u64* pos, __u64 v, __u64 show) {
  __u64 started = 0;
#pragma unroll
  for (int shift = 12; shift >= 0; shift -= 4) {
    __u64 d = (v >> shift) & 0xf;
    started |= nonzero(d) | (shift == 0);
    put_if(buf, pos, '0' + d + 39 * less(9, d), started & show);  // 39: 'a' - '0' - 10
  }
}

static __always_inline void put_ipv4(char* buf, __u64* pos, const __u8 a[4]) {
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    if (i) put(buf, pos, '.');
    put_dec(buf, pos, a[i], 3);
  }
}

// RFC 5952: the longest run (the first on a tie) of two or more zero
// groups becomes "::"; an IPv4-mapped address ends in dotted decimal.
static __always_inline void put_ipv6(char* buf, __u64* pos, const __u8 a[16]) {
  __u64 g[8];
#pragma unroll
  for (int i = 0; i < 8; ++i) g[i] = (__u64)a[2 * i] << 8 | a[2 * i + 1];
  if ((g[0] | g[1] | g[2] | g[3] | g[4]) == 0 && g[5] == 0xffff) {
    put(buf, pos, ':');
    put(buf, pos, ':');
    put_hex16_if(buf, pos, 0xffff, 1);
    put(buf, pos, ':');
    put_ipv4(buf, pos, a + 12);
    return;
  }
  __u64 run = 0, best = 8, best_len = 0;
#pragma unroll
  for (int i = 0; i < 8; ++i) {
    run = (run + 1) * (1 - nonzero(g[i]));
    __u64 longer = less(best_len, run);
    best_len += (run - best_len) * longer;
    best += (i + 1 - run - best) * longer;
  }
  __u64 compress = less(1, best_len);
#pragma unroll
  for (int i = 0; i < 8; ++i) {
    __u64 in_run = compress * (1 - less(i, best)) * less(i, best + best_len);
    __u64 run_start = compress * equal(i, best);
    put_if(buf, pos, ':', run_start + (1 - in_run) * (i > 0));
    put_hex16_if(buf, pos, g[i], 1 - in_run);
  }
  put_if(buf, pos, ':', compress * equal(best + best_len, 8));
}

static __always_inline void format_inet(char* buf, const __u8 addr[4], __be16 port) {
  __u64 pos = 0;
  put_ipv4(buf, &pos, addr);
  put(buf, &pos, ':');
  put_dec(buf, &pos, bpf_ntohs(port), 5);
  finish(buf, pos);
}

static __always_inline void format_inet6(char* buf, const __u8 addr[16], __be16 port) {
  __u64 pos = 0;
  put(buf, &pos, '[');
  put_ipv6(buf, &pos, addr);
  put(buf, &pos, ']');
  put(buf, &pos, ':');
  put_dec(buf, &pos, bpf_ntohs(port), 5);
  finish(buf, pos);
}

// `sun_path`, of which `n` bytes are used: a path ("/run/x.sock", up to
// its NUL) or, when it starts with a NUL, an abstract name ("@name", its
// n - 1 bytes up to a NUL). Unnamed (n <= 0): "".
static __always_inline void format_unix(char* buf, const char* sun_path, long n, int user) {
  if (n <= 0) return;
  if (n > SUN_PATH_MAX) n = SUN_PATH_MAX;
  char first = 0;
  if (read_mem(&first, 1, sun_path, user) != 0) return;
  if (first) {
    __u32 size = n + 1 < ADDR_SIZE ? n + 1 : ADDR_SIZE;  // room for a NUL
    read_str(buf, size, sun_path, user);
    return;
  }
  if (n < 2) return;
  __u32 size = n < ADDR_SIZE - 1 ? n : ADDR_SIZE - 1;  // n - 1 bytes and a NUL
  // An empty abstract name reads as unnamed: accept4 of an unnamed peer
  // writes only the family, and with no length given, a zeroed path follows.
  if (read_str(buf + 1, size, sun_path + 1, user) > 1) buf[0] = '@';
}

// ---- fdkind(fd)

// The open file behind `fd` in the current task, or NULL.
static __always_inline struct file* fd_file(long fd) {
  if (fd < 0) return 0;
  struct task_struct* task = (struct task_struct*)bpf_get_current_task();
  struct fdtable* fdt = BPF_CORE_READ(task, files, fdt);
  if (!fdt) return 0;
  if ((unsigned long)fd >= BPF_CORE_READ(fdt, max_fds)) return 0;
  struct file** fds = BPF_CORE_READ(fdt, fd);
  struct file* f = 0;
  if (bpf_probe_read_kernel(&f, sizeof f, fds + fd) != 0) return 0;
  return f;
}

static __always_inline __u64 kind_word(struct file* f) {
  if (!f) return WORD("none\0\0\0");
  struct inode* inode = BPF_CORE_READ(f, f_inode);
  unsigned long magic = BPF_CORE_READ(inode, i_sb, s_magic);
  if (magic == ANON_INODE_FS_MAGIC || magic == PIDFS_MAGIC) return WORD("anon\0\0\0");
  switch (BPF_CORE_READ(inode, i_mode) & S_IFMT) {
    case S_IFREG: return WORD("file\0\0\0");
    case S_IFDIR: return WORD("dir\0\0\0\0");
    case S_IFSOCK: return WORD("socket\0");
    case S_IFIFO: return WORD("pipe\0\0\0");
    case S_IFCHR: return WORD("char\0\0\0");
    case S_IFBLK: return WORD("block\0\0");
    case S_IFLNK: return WORD("link\0\0\0");
    default: return WORD("anon\0\0\0");  // no type bits: an anonymous inode
  }
}

// Each entry point (sonde_*) is a one-line wrapper, inlined into the
// programs that use it, around one static, noinline function: the BPF
// backend emits that once, as a static subprogram (BTF linkage "static",
// so the verifier checks it in the context of each caller and accepts
// pointers to the caller's stack). Inlined everywhere, the ~2,000
// instructions of text formatting made php-io's 80 programs take 10 s to
// compile.
static __attribute__((noinline)) void fdkind_text(char* dst, long fd) {
  __u64 word = kind_word(fd_file(fd));
  __builtin_memcpy(dst, &word, KIND_SIZE);
}

__attribute__((always_inline)) void sonde_fdkind(char* dst, long fd) { fdkind_text(dst, fd); }

// ---- fdpeer(fd)

static __always_inline void format_unix_peer(char* buf, struct sock* sk) {
  struct sock* peer = BPF_CORE_READ((struct unix_sock*)sk, peer);
  if (!peer) return;
  struct unix_address* addr = BPF_CORE_READ((struct unix_sock*)peer, addr);
  if (!addr) return;  // the peer never bound: unnamed
  int len = BPF_CORE_READ(addr, len);
  // name is a struct sockaddr_un (uapi: the path follows a u16 family).
  const char* name = (const char*)__builtin_preserve_access_index(&addr->name);
  format_unix(buf, name + sizeof(unsigned short), len - (long)sizeof(unsigned short), 0);
}

static __attribute__((noinline)) void fdpeer_text(char* dst, long fd) {
  struct file* f = fd_file(fd);
  if (!f) return;
  if ((BPF_CORE_READ(f, f_inode, i_mode) & S_IFMT) != S_IFSOCK) return;
  struct socket* sock = BPF_CORE_READ(f, private_data);
  struct sock* sk = BPF_CORE_READ(sock, sk);
  if (!sk) return;
  unsigned short family = BPF_CORE_READ(sk, __sk_common.skc_family);
  __be16 port = BPF_CORE_READ(sk, __sk_common.skc_dport);
  if (family == AF_INET) {
    __be32 daddr = BPF_CORE_READ(sk, __sk_common.skc_daddr);
    if (daddr || port) format_inet(dst, (const __u8*)&daddr, port);
  } else if (family == AF_INET6 && bpf_core_field_exists(sk->__sk_common.skc_v6_daddr)) {
    __u8 daddr[16];
    if (BPF_CORE_READ_INTO(&daddr, sk, __sk_common.skc_v6_daddr) != 0) return;
    if (port) format_inet6(dst, daddr, port);
  } else if (family == AF_UNIX) {
    format_unix_peer(dst, sk);
  }
}

__attribute__((always_inline)) void sonde_fdpeer(char* dst, long fd) { fdpeer_text(dst, fd); }

// ---- sockaddr(ptr [, len])

// The start of sockaddr_in / sockaddr_in6, as the kernel's uapi fixes them.
struct sockaddr_in_head {
  __u16 family;
  __be16 port;
  __u8 addr[4];
};

struct sockaddr_in6_head {
  __u16 family;
  __be16 port;
  __u32 flowinfo;
  __u8 addr[16];
};

static __always_inline void format_family(char* buf, __u16 family) {
  __u64 word = WORD("family ");
  __builtin_memcpy(buf, &word, sizeof word);
  __u64 pos = 7;
  put_dec(buf, &pos, family, 5);
  finish(buf, pos);
}

// `len` bounds what is read (the syscall's addrlen); codegen passes
// sizeof(struct sockaddr_storage) when the script gives none.
static __attribute__((noinline)) void sockaddr_text(char* dst, const void* uaddr, long len) {
  __u16 family = 0;
  if (!uaddr || len < (long)sizeof family) return;
  if (bpf_probe_read_user(&family, sizeof family, uaddr) != 0) return;
  if (family == AF_INET) {
    struct sockaddr_in_head in;
    if (len < (long)sizeof in || bpf_probe_read_user(&in, sizeof in, uaddr) != 0) return;
    format_inet(dst, in.addr, in.port);
  } else if (family == AF_INET6) {
    struct sockaddr_in6_head in6;
    if (len < (long)sizeof in6 || bpf_probe_read_user(&in6, sizeof in6, uaddr) != 0) return;
    format_inet6(dst, in6.addr, in6.port);
  } else if (family == AF_UNIX) {
    format_unix(dst, (const char*)uaddr + sizeof family, len - (long)sizeof family, 1);
  } else {
    format_family(dst, family);
  }
}

__attribute__((always_inline)) void sonde_sockaddr(char* dst, const void* uaddr, long len) { sockaddr_text(dst, uaddr, len); }
