// The reference side of php-io's end-to-end tests: strace watches the same
// run as sonde, and its log, parsed here into one record per syscall, is what
// the tracer's JSON is checked against (bytes, fds, fd kinds, peers, errors).
//
// Input: the file written by strace_command()'s flags, chiefly -f (pids on
// every line), -tt or -ttt, -T (durations) and -yy (fds annotated with paths
// and socket endpoints: `4</tmp/x.txt>`, `5<TCP:[127.0.0.1:41234->127.0.0.1:8080]>`,
// `6<UNIX-STREAM:[1234->1235,"/run/x.sock"]>`, `0</dev/null<char 1:3>>`).
// Calls that -f splits into `<unfinished ...>` and `<... NAME resumed>` are
// joined into one record, in the order the calls started. Signal and exit
// lines are skipped; anything else unrecognised is reported, never guessed at.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

namespace sonde::e2e {

enum class FdKind { None, File, Device, Tcp, Udp, Unix, Pipe, OtherSocket, AnonInode, Other };
const char* fd_kind_name(FdKind kind);  // "none", "file", "device", "tcp", ...

// What strace's -yy annotation says about one fd.
struct FdInfo {
  FdKind kind = FdKind::None;
  std::string raw;       // the annotation as printed, without the outer <>
  std::string path;      // file/device path (unescaped); unix: the bound path, if any
  std::string protocol;  // sockets and [] forms: "TCP", "TCPv6", "UDP", "UNIX-STREAM", "pipe", ...
  std::string local;     // inet: "127.0.0.1:41234" or "[::1]:40111"; else the inode
  std::string peer;      // inet: the remote endpoint; unix: the peer inode; "" if none
  bool deleted = false;  // strace appended "(deleted)"
};

// Parses the inside of one annotation (no outer <>). Never fails: an
// unrecognised form is kind Other with `raw` set.
FdInfo parse_fd_annotation(std::string_view annotation);

struct SyscallRecord {
  pid_t pid = 0;             // 0 when the log has no pid column (no -f)
  double start_s = 0;        // -tt: seconds since midnight; -ttt: since the epoch
  std::string name;          // "openat", "recvfrom", ...
  std::string args;          // the argument text, split parts joined
  int fd = -1;               // the first argument, when strace annotated it as an fd
  FdInfo fd_info;            // its annotation (kind None when fd is -1)
  std::string sockaddr;      // a socket address argument: "127.0.0.1:8080", "[::1]:80",
                             // "/run/x.sock", "@abstract" (connect, bind, accept, sendto...)
  bool returned = false;     // false: no return value (killed, detached, `= ?`)
  long long ret = 0;         // the return value (decimal or 0x hex)
  FdInfo ret_fd_info;        // annotation of a returned fd (openat, socket, accept4, dup)
  std::string error;         // "ENOENT", "EINPROGRESS", ... ("" on success)
  double duration_s = -1;    // -T; -1 when absent
};

struct StraceLog {
  std::vector<SyscallRecord> calls;
  std::vector<std::string> unparsed;  // lines that were neither calls nor known noise
};

StraceLog parse_strace(std::string_view text);
// Reads and parses a log file; false with *error set when it cannot be read.
bool read_strace_file(const std::string& path, StraceLog* log, std::string* error);

// The command line that writes a log this parser reads: every file, network
// and fd syscall of `command` and its children, into `log_path`.
std::vector<std::string> strace_command(const std::string& log_path, const std::vector<std::string>& command);

// Which way a syscall moves data: read/recv* family, write/send* family, or
// neither. The return value of a Read or Write call (when >= 0) is its bytes.
enum class Transfer { None, Read, Write };
Transfer transfer_of(std::string_view syscall);

}  // namespace sonde::e2e
