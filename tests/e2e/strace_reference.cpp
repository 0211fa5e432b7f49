// Parser for strace logs (see strace_reference.h for the contract).
//
// strace's output is C-like text, not a grammar, so the parser is a scanner
// that knows the few things that can hide a ')' or ',' from it: quoted
// strings (with escapes), fd annotations `<...>` (a socket's holds brackets,
// "->" and a quoted path; a file's path has '<' and '>' escaped as \74 and
// \76, so a raw '<' inside one is a nested device annotation such as
// `</dev/null<char 1:3>>`), comments `/* 41 vars */`, and nesting. Everything
// else is split at top-level commas and read field by field. Examples of every
// form handled are real lines captured on the project's VM, in
// tests/unit/strace_reference_test.cpp.
#include "strace_reference.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <unordered_map>

namespace sonde::e2e {
namespace {

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

// ---- lexical pieces ----------------------------------------------------------

// At an opening '"': the index just past the closing one.
size_t skip_string(std::string_view s, size_t i) {
  for (++i; i < s.size(); ++i) {
    if (s[i] == '\\') ++i;
    else if (s[i] == '"') return i + 1;
  }
  return s.size();
}

// `TCP:[`, `UNIX-STREAM:[`, `pipe:[`, `anon_inode:[`: an annotation whose
// body is bracketed and may hold "->", quoted paths and raw '<' '>'.
bool is_bracketed_annotation(std::string_view body) {
  size_t i = 0;
  while (i < body.size() && (std::isalnum(static_cast<unsigned char>(body[i])) || body[i] == '_' || body[i] == '-')) ++i;
  return i > 0 && body.substr(i, 2) == ":[";
}

// At an annotation's '<': the index just past its '>'.
size_t skip_annotation(std::string_view s, size_t i) {
  std::string_view body = s.substr(i + 1);
  if (is_bracketed_annotation(body)) {
    for (size_t j = body.find(":[") + 2; j < body.size(); ++j) {
      if (body[j] == '"') j = skip_string(body, j) - 1;
      else if (body[j] == ']' && j + 1 < body.size() && body[j + 1] == '>') return i + 1 + j + 2;
    }
    return s.size();
  }
  int depth = 1;
  for (size_t j = i + 1; j < s.size(); ++j) {
    if (s[j] == '\\') ++j;
    else if (s[j] == '<') ++depth;
    else if (s[j] == '>' && --depth == 0) return j + 1;
  }
  return s.size();
}

constexpr std::string_view kUnfinished = "<unfinished ...>";
constexpr std::string_view kDetached = "<detached ...>";

enum class ArgsEnd { Closed, Unfinished, Detached, Truncated };

struct ArgsScan {
  size_t end = 0;  // index of the closing ')' or of the marker
  ArgsEnd how = ArgsEnd::Truncated;
};

// Scans a call's arguments from `start` (just past its '(') to the ')' that
// closes them, or to an <unfinished ...>/<detached ...> marker.
ArgsScan scan_args(std::string_view s, size_t start) {
  int depth = 0;
  for (size_t i = start; i < s.size(); ++i) {
    char c = s[i];
    if (c == '"') {
      i = skip_string(s, i) - 1;
    } else if (c == '<') {
      if (starts_with(s.substr(i), kUnfinished)) return {i, ArgsEnd::Unfinished};
      if (starts_with(s.substr(i), kDetached)) return {i, ArgsEnd::Detached};
      i = skip_annotation(s, i) - 1;
    } else if (c == '/' && i + 1 < s.size() && s[i + 1] == '*') {
      size_t close = s.find("*/", i + 2);
      i = close == std::string_view::npos ? s.size() : close + 1;
    } else if (c == '(' || c == '[' || c == '{') {
      ++depth;
    } else if (c == ')' || c == ']' || c == '}') {
      if (depth == 0 && c == ')') return {i, ArgsEnd::Closed};
      --depth;
    }
  }
  return {s.size(), ArgsEnd::Truncated};
}

std::vector<std::string_view> split_top_level(std::string_view args) {
  std::vector<std::string_view> parts;
  int depth = 0;
  size_t begin = 0;
  for (size_t i = 0; i < args.size(); ++i) {
    char c = args[i];
    if (c == '"') i = skip_string(args, i) - 1;
    else if (c == '<') i = skip_annotation(args, i) - 1;
    else if (c == '(' || c == '[' || c == '{') ++depth;
    else if (c == ')' || c == ']' || c == '}') --depth;
    else if (c == ',' && depth == 0) {
      parts.push_back(trim(args.substr(begin, i - begin)));
      begin = i + 1;
    }
  }
  if (!trim(args.substr(begin)).empty()) parts.push_back(trim(args.substr(begin)));
  return parts;
}

// strace's C escapes: \n \t \r \v \f \" \\, octal \NNN, hex \xHH.
std::string unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 == s.size()) {
      out += s[i];
      continue;
    }
    char c = s[++i];
    if (c >= '0' && c <= '7') {
      int value = 0, n = 0;
      for (; n < 3 && i < s.size() && s[i] >= '0' && s[i] <= '7'; ++n, ++i) value = value * 8 + (s[i] - '0');
      --i;
      out += static_cast<char>(value);
    } else if (c == 'x' && i + 2 < s.size()) {
      out += static_cast<char>(std::strtol(std::string(s.substr(i + 1, 2)).c_str(), nullptr, 16));
      i += 2;
    } else {
      static const std::string_view from = "ntrvf", to = "\n\t\r\v\f";
      size_t k = from.find(c);
      out += k == std::string_view::npos ? c : to[k];
    }
  }
  return out;
}

// ---- fd annotations and socket addresses -------------------------------------

FdKind kind_of_protocol(std::string_view protocol) {
  if (protocol == "TCP" || protocol == "TCPv6") return FdKind::Tcp;
  if (starts_with(protocol, "UDP")) return FdKind::Udp;  // UDP, UDPv6, UDPLITE...
  if (starts_with(protocol, "UNIX")) return FdKind::Unix;
  if (protocol == "pipe") return FdKind::Pipe;
  if (protocol == "anon_inode") return FdKind::AnonInode;
  return FdKind::OtherSocket;  // NETLINK, RAW, socket (unknown protocol), ...
}

// The inside of `UNIX-STREAM:[...]`: INODE[->PEER][,"PATH" or ,@"ABSTRACT"].
void parse_unix_endpoints(std::string_view inner, FdInfo* info) {
  size_t comma = inner.find(',');
  if (comma != std::string_view::npos) {
    std::string_view quoted = inner.substr(comma + 1);
    if (starts_with(quoted, "@")) {
      info->path = "@";
      quoted.remove_prefix(1);
    }
    if (starts_with(quoted, "\"")) info->path += unescape(quoted.substr(1, skip_string(quoted, 0) - 2));
    inner = inner.substr(0, comma);
  }
  size_t arrow = inner.find("->");
  info->local = std::string(inner.substr(0, arrow));
  if (arrow != std::string_view::npos) info->peer = std::string(inner.substr(arrow + 2));
}

void parse_bracketed(std::string_view annotation, FdInfo* info) {
  size_t colon = annotation.find(":[");
  info->protocol = std::string(annotation.substr(0, colon));
  info->kind = kind_of_protocol(info->protocol);
  std::string_view inner = annotation.substr(colon + 2, annotation.size() - colon - 3);
  if (info->kind == FdKind::Unix) return parse_unix_endpoints(inner, info);
  if (info->kind == FdKind::AnonInode) {
    info->path = std::string(inner);
    return;
  }
  size_t arrow = inner.find("->");
  info->local = std::string(inner.substr(0, arrow));
  if (arrow != std::string_view::npos) info->peer = std::string(inner.substr(arrow + 2));
}

// "inet_addr(\"127.0.0.1\")"-style fields of a printed sockaddr.
std::string field_between(std::string_view s, std::string_view open, std::string_view close) {
  size_t at = s.find(open);
  if (at == std::string_view::npos) return "";
  size_t begin = at + open.size();
  size_t end = s.find(close, begin);
  return end == std::string_view::npos ? "" : std::string(s.substr(begin, end - begin));
}

// A socket address argument, `{sa_family=AF_..., ...}`, as "ip:port",
// "[ip6]:port", "/path" or "@abstract"; "" if none (or unnamed).
std::string parse_sockaddr(std::string_view args) {
  size_t at = args.find("{sa_family=");
  if (at == std::string_view::npos) return "";
  std::string_view addr = args.substr(at);
  if (starts_with(addr, "{sa_family=AF_INET")) addr = addr.substr(0, addr.find('}'));  // no '}' inside
  if (starts_with(addr, "{sa_family=AF_INET,"))
    return field_between(addr, "inet_addr(\"", "\"") + ":" + field_between(addr, "sin_port=htons(", ")");
  if (starts_with(addr, "{sa_family=AF_INET6,"))
    return "[" + field_between(addr, "AF_INET6, \"", "\"") + "]:" + field_between(addr, "sin6_port=htons(", ")");
  size_t path = addr.find("sun_path=");
  if (!starts_with(addr, "{sa_family=AF_UNIX,") || path == std::string_view::npos) return "";
  std::string_view value = addr.substr(path + 9);
  std::string prefix = value.front() == '@' ? "@" : "";
  if (!prefix.empty()) value.remove_prefix(1);
  if (value.empty() || value.front() != '"') return "";
  return prefix + unescape(value.substr(1, skip_string(value, 0) - 2));
}

// `5<TCP:[...]>`: the fd number and its annotation; false if `arg` is not one.
bool parse_annotated_fd(std::string_view arg, int* fd, FdInfo* info) {
  size_t lt = arg.find('<');
  if (lt == std::string_view::npos || lt == 0 || !all_digits(arg.substr(0, lt))) return false;
  size_t end = skip_annotation(arg, lt);
  *fd = std::atoi(std::string(arg.substr(0, lt)).c_str());
  *info = parse_fd_annotation(arg.substr(lt + 1, end - lt - 2));
  info->deleted = starts_with(arg.substr(end), "(deleted)");
  return true;
}

// ---- one record ----------------------------------------------------------------

// Fills the fields that come from the complete argument text.
void read_arguments(SyscallRecord* call) {
  std::vector<std::string_view> parts = split_top_level(call->args);
  if (!parts.empty() && !parse_annotated_fd(parts[0], &call->fd, &call->fd_info)) call->fd = -1;
  call->sockaddr = parse_sockaddr(call->args);
}

bool is_error_name(std::string_view word) {
  if (word.size() < 2 || word[0] != 'E') return false;
  for (char c : word)
    if (!std::isupper(static_cast<unsigned char>(c)) && !std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

// A trailing `<0.000012>` (from -T); -1 if the text has none.
double trailing_duration(std::string_view rest) {
  rest = trim(rest);
  size_t lt = rest.rfind('<');
  if (rest.empty() || rest.back() != '>' || lt == std::string_view::npos) return -1;
  std::string_view body = rest.substr(lt + 1, rest.size() - lt - 2);
  size_t dot = body.find('.');
  if (dot == std::string_view::npos || !all_digits(body.substr(0, dot)) || !all_digits(body.substr(dot + 1))) return -1;
  return std::strtod(std::string(body).c_str(), nullptr);
}

// `= 4</tmp/x> <0.000012>`, `= -1 ENOENT (No such file or directory) <...>`,
// `= 0x2 (flags O_RDWR)`, `= ?`, `= ? ERESTARTSYS (...)`: the part after ')'.
bool read_result(std::string_view rest, SyscallRecord* call) {
  rest = trim(rest);
  if (rest.empty() || rest.front() != '=') return false;
  rest = trim(rest.substr(1));
  size_t i = 0;
  if (starts_with(rest, "?")) {
    i = 1;
  } else {
    char* end = nullptr;
    std::string number(rest.substr(0, rest.find_first_of(" <(")));
    call->ret = std::strtoll(number.c_str(), &end, 0);
    if (number.empty() || *end != '\0') return false;
    call->returned = true;
    i = number.size();
    if (i < rest.size() && rest[i] == '<') {
      size_t close = skip_annotation(rest, i);
      call->ret_fd_info = parse_fd_annotation(rest.substr(i + 1, close - i - 2));
      call->ret_fd_info.deleted = starts_with(rest.substr(close), "(deleted)");
      i = close;
    }
  }
  std::string_view tail = trim(rest.substr(i));
  std::string_view word = tail.substr(0, tail.find(' '));
  if (is_error_name(word)) call->error = std::string(word);
  call->duration_s = trailing_duration(tail);
  return true;
}

// ---- lines ---------------------------------------------------------------------

// "07:29:02.710471" (-tt) or "1795332784.302222" (-ttt); false if neither.
bool parse_timestamp(std::string_view word, double* seconds) {
  int h = 0, m = 0;
  double s = 0;
  std::string text(word);
  if (word.find(':') != std::string_view::npos) {
    if (std::sscanf(text.c_str(), "%d:%d:%lf", &h, &m, &s) != 3) return false;
    *seconds = h * 3600 + m * 60 + s;
    return true;
  }
  size_t dot = word.find('.');
  if (dot == std::string_view::npos || !all_digits(word.substr(0, dot))) return false;
  *seconds = std::strtod(text.c_str(), nullptr);
  return true;
}

std::string_view next_word(std::string_view s) { return s.substr(0, s.find(' ')); }

// Strips "[pid  N] " or "N  " and a timestamp from the front of a line.
std::string_view strip_prefix(std::string_view line, pid_t* pid, double* start_s) {
  if (starts_with(line, "[pid")) {
    size_t close = line.find(']');
    *pid = std::atoi(std::string(trim(line.substr(4, close - 4))).c_str());
    line = trim(line.substr(close + 1));
  } else if (all_digits(next_word(line))) {
    *pid = std::atoi(std::string(next_word(line)).c_str());
    line = trim(line.substr(next_word(line).size()));
  }
  if (parse_timestamp(next_word(line), start_s)) line = trim(line.substr(next_word(line).size()));
  return line;
}

bool is_noise(std::string_view body) {
  return starts_with(body, "+++ ") || starts_with(body, "--- ") || starts_with(body, "strace: ") || body.empty();
}

class Parser {
 public:
  void line(std::string_view text) {
    pid_t pid = 0;
    double start_s = 0;
    std::string_view body = strip_prefix(text, &pid, &start_s);
    if (is_noise(body)) return;
    bool ok = starts_with(body, "<... ") ? resumed(pid, body) : call(pid, start_s, body);
    if (!ok) log_.unparsed.emplace_back(text);
  }

  StraceLog finish() { return std::move(log_); }

 private:
  // `name(args) = ret ...`, or its first half, `name(args <unfinished ...>`.
  bool call(pid_t pid, double start_s, std::string_view body) {
    size_t paren = body.find('(');
    if (paren == std::string_view::npos || paren == 0) return false;
    SyscallRecord record;
    record.pid = pid;
    record.start_s = start_s;
    record.name = std::string(body.substr(0, paren));
    for (char c : record.name)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
    log_.calls.push_back(std::move(record));
    if (complete(log_.calls.size() - 1, body, paren + 1)) return true;
    log_.calls.pop_back();  // a malformed line is reported, not half-recorded
    return false;
  }

  // `<... name resumed>rest) = ret ...`: the second half of a pending call.
  bool resumed(pid_t pid, std::string_view body) {
    size_t close = body.find(" resumed>");
    auto pending = pending_.find(pid);
    if (close == std::string_view::npos || pending == pending_.end()) return false;
    size_t index = pending->second;
    if (log_.calls[index].name != body.substr(5, close - 5)) return false;
    pending_.erase(pending);
    return complete(index, body, close + 9);
  }

  // Reads arguments from body[from] on and, once the call is closed, its result.
  bool complete(size_t index, std::string_view body, size_t from) {
    SyscallRecord& record = log_.calls[index];
    ArgsScan scan = scan_args(body, from);
    append_args(&record.args, body.substr(from, scan.end - from));
    switch (scan.how) {
      case ArgsEnd::Closed:
        read_arguments(&record);
        return read_result(body.substr(scan.end + 1), &record);
      case ArgsEnd::Unfinished:
        // `<unfinished ...>) = ?`: the process died inside the call.
        if (trim(body.substr(scan.end + kUnfinished.size())).empty()) pending_[record.pid] = index;
        read_arguments(&record);
        return true;
      case ArgsEnd::Detached:  // strace let go of the process mid-call
        read_arguments(&record);
        return true;
      case ArgsEnd::Truncated:
        break;
    }
    return false;
  }

  static void append_args(std::string* args, std::string_view more) {
    more = trim(more);
    if (!args->empty() && !more.empty() && args->back() == ',') *args += ' ';
    *args += more;
  }

  StraceLog log_;
  std::unordered_map<pid_t, size_t> pending_;  // pid -> its unfinished call in log_.calls
};

}  // namespace

const char* fd_kind_name(FdKind kind) {
  switch (kind) {
    case FdKind::None: return "none";
    case FdKind::File: return "file";
    case FdKind::Device: return "device";
    case FdKind::Tcp: return "tcp";
    case FdKind::Udp: return "udp";
    case FdKind::Unix: return "unix";
    case FdKind::Pipe: return "pipe";
    case FdKind::OtherSocket: return "socket";
    case FdKind::AnonInode: return "anon_inode";
    case FdKind::Other: return "other";
  }
  return "other";
}

FdInfo parse_fd_annotation(std::string_view annotation) {
  FdInfo info;
  info.raw = std::string(annotation);
  if (is_bracketed_annotation(annotation) && annotation.back() == ']') {
    parse_bracketed(annotation, &info);
  } else if (starts_with(annotation, "anon_inode:")) {
    info.kind = FdKind::AnonInode;
    info.path = std::string(annotation.substr(11));
  } else if (starts_with(annotation, "/")) {
    // A raw '<' is a nested device annotation (a path's own are escaped).
    size_t nested = annotation.find('<');
    info.kind = nested == std::string_view::npos ? FdKind::File : FdKind::Device;
    info.path = unescape(annotation.substr(0, nested));
  } else {
    info.kind = FdKind::Other;
  }
  return info;
}

StraceLog parse_strace(std::string_view text) {
  Parser parser;
  while (!text.empty()) {
    size_t eol = text.find('\n');
    parser.line(text.substr(0, eol));
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
  }
  return parser.finish();
}

bool read_strace_file(const std::string& path, StraceLog* log, std::string* error) {
  std::ifstream in(path);
  if (!in) {
    *error = "cannot read strace log " + path;
    return false;
  }
  std::stringstream text;
  text << in.rdbuf();
  *log = parse_strace(text.str());
  return true;
}

std::vector<std::string> strace_command(const std::string& log_path, const std::vector<std::string>& command) {
  std::vector<std::string> argv{"strace", "-f", "-ttt", "-T", "-yy", "-e", "trace=%file,%network,%desc", "-o", log_path};
  argv.insert(argv.end(), command.begin(), command.end());
  return argv;
}

Transfer transfer_of(std::string_view syscall) {
  // Calls whose return value counts bytes. recvmmsg/sendmmsg count messages,
  // splice/copy_file_range move data between two fds: neither is listed.
  static const std::string_view reads[] = {"read", "pread64", "readv", "preadv", "preadv2", "recvfrom", "recvmsg"};
  static const std::string_view writes[] = {"write", "pwrite64", "writev", "pwritev", "pwritev2",
                                            "sendto", "sendmsg", "sendfile"};
  for (std::string_view r : reads)
    if (syscall == r) return Transfer::Read;
  for (std::string_view w : writes)
    if (syscall == w) return Transfer::Write;
  return Transfer::None;
}

}  // namespace sonde::e2e
