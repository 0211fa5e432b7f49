// php-io's JSON output (`sonde run php-io -f json`, schema in docs/php-io.md)
// read back into requests, PHP function calls and syscall records, and the
// runs of php-io and PHP that its end-to-end tests share.
//
// php-io traces every PHP process on the machine, and other tests may run PHP
// at the same time, so a test selects what belongs to its own processes: by
// the request's pid, or by thread_of(id) (ids are thread id << 32 | sequence;
// PHP's CLI, php -S and php-fpm workers are single-threaded, so thread = pid).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "harness.h"

namespace sonde::e2e {

// One `net`, `disk` or `other` record: a traced syscall inside a PHP function.
struct IoRecord {
  std::string record;   // "net", "disk", "other"
  uint64_t span = 0;    // the id of the function (call record) it was made in
  std::string syscall;  // "read", "connect", "sendfile64", ...
  long long fd = -1;
  std::string kind;  // "file", "socket", "pipe", ...
  std::string peer;  // "127.0.0.1:8080", "[::1]:80", a unix path, a file name
  long long ret = 0, in = 0, out = 0, latency = 0;
};

// A `call` record: a PHP function that did I/O (or ran past the threshold).
struct CallRecord {
  uint64_t id = 0, parent = 0;
  long long depth = 0;
  std::string function, file;
  long long line = 0, duration = 0, self = 0;
};

struct RequestRecord {
  uint64_t id = 0;
  std::string method, uri, comm;
  long long pid = 0, duration = 0;
};

struct PhpIoReport {
  bool attached = false;          // the attached_probes line came
  std::vector<IoRecord> io;       // in output order
  std::vector<CallRecord> calls;  // in output order (a call after what it contains)
  std::vector<RequestRecord> requests;
  std::vector<std::string> printfs;
  std::map<std::string, std::string> maps;  // "@requests" -> its JSON data, as printed
  // Keyed maps with integer values: "@io_time_by_function" -> {"read_file": 7374}.
  std::map<std::string, std::map<std::string, long long>> map_numbers;
  std::vector<std::string> unparsed;  // lines that were not JSON of a known shape

  const CallRecord* call(uint64_t id) const;
  const RequestRecord* request(uint64_t id) const;
  // The request a call ran in: follows parents up to a request id (nullptr if none).
  const RequestRecord* request_of(const CallRecord& call) const;
  // Calls and records of one thread (= one PHP process here).
  std::vector<CallRecord> calls_of(pid_t thread) const;
  std::vector<IoRecord> io_of(pid_t thread) const;
  std::vector<CallRecord> calls_named(const std::string& function) const;
  // The records made directly in this call (not in the functions it called).
  std::vector<IoRecord> io_in(uint64_t call_id) const;
};

inline pid_t thread_of(uint64_t id) { return static_cast<pid_t>(id >> 32); }

PhpIoReport parse_php_io(const std::string& ndjson);

// `sonde run php-io -f json [extra...]` in the background, attached by path to
// every PHP binary. Construct, check ready(), run the PHP workload, stop().
class PhpIoRun {
 public:
  explicit PhpIoRun(const std::vector<std::string>& extra = {});
  ~PhpIoRun();  // kills it if stop() was not reached (a failed assertion)
  // Waits for php-io's attached_probes line (generous: the first run compiles).
  bool ready(double timeout_s = 120);
  // Waits until stdout holds `needle` `times` times (records being printed),
  // for tests that must act while php-io runs.
  bool wait_for(const std::string& needle, double timeout_s = 60, int times = 1);
  // Ctrl-C, then everything it printed, parsed; result() has the raw run
  // (out: the JSON, err: its stderr).
  PhpIoReport stop();
  const RunResult& result() const { return result_; }

 private:
  // stdout goes to a file, not a pipe: php-io sees every PHP process on the
  // machine, and a pipe nobody reads while the test runs PHP could fill up
  // and stall it.
  std::string out_path_;
  Spawned sonde_;
  RunResult result_;
};

}  // namespace sonde::e2e
