// The runtime: runs a compiled BPF object and shows what it reports.
//
// Model. The compiler hands over ELF bytes whose `.sonde` section holds the
// manifest (manifest/manifest.h): probes to attach, maps to print, and the
// layout of every ring-buffer record. The runtime knows nothing else about
// the script, never links LLVM, and is also the AOT runner (sonde-run).
//
// Lifecycle (session.h): open → configure (target pids in .rodata) → load →
// attach → run BEGIN → poll the ring buffer → detach → run END → print maps
// → close. Stops on an exit record, SIGINT/SIGTERM, the -p/-c process
// ending, or the output going away (EPIPE: quietly, without the maps).
//
// Invariants. Every kernel object is owned by an RAII member, so any
// failing step releases all earlier ones. Decoding and formatting are pure
// functions (printf_format, maps, output_*), the only code that knows the
// byte layouts, and are unit-tested without a kernel.
//
// Exit status: 0; 1 on a failure (one "error:" line, maybe detail, a hint);
// 2 when the BPF side lost data: records because the ring buffer was full,
// or new keys because a map was full.
#include "runtime/runtime.h"

#include <signal.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <iostream>

#include "runtime/environment.h"
#include "runtime/libbpf_log.h"
#include "runtime/session.h"
#include "runtime/target.h"

namespace sonde::runtime {

namespace {

volatile sig_atomic_t g_stop_signal = 0;

void on_stop_signal(int) { g_stop_signal = 1; }

// SIGINT/SIGTERM set a flag (no SA_RESTART, so a blocked poll returns);
// SIGPIPE is ignored so a closed stdout shows up as a failed write.
class SignalScope {
 public:
  SignalScope() {
    g_stop_signal = 0;
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, &old_pipe_);
  }
  ~SignalScope() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
    sigaction(SIGPIPE, &old_pipe_, nullptr);
  }

 private:
  struct sigaction old_int_ {}, old_term_ {}, old_pipe_ {};
};

int fail(const Error& e, const std::string& detail = {}) {
  std::cerr << "error: " << e.message << "\n";
  if (!detail.empty()) std::cerr << "verifier log (last lines):\n" << detail;
  if (!e.hint.empty()) std::cerr << "hint: " << e.hint << "\n";
  return 1;
}

// The processes a trace is limited to: the -c command, or every -p pid.
// None: everything is traced and the trace never ends by itself.
using Targets = std::vector<Target>;

Result<Targets> make_targets(const RunOptions& options) {
  Targets targets;
  if (!options.command.empty()) {
    auto child = Target::spawn(options.command);
    if (!child) return child.error();
    targets.push_back(std::move(*child));
  }
  for (pid_t pid : options.pids) {
    auto watched = Target::watch(pid);
    if (!watched) return watched.error();
    targets.push_back(std::move(*watched));
  }
  return targets;
}

std::vector<pid_t> pids_of(const Targets& targets) {
  std::vector<pid_t> pids;
  for (const Target& t : targets) pids.push_back(t.pid());
  return pids;
}

// True when every target has exited; says so once for each -p process as
// it is noticed.
bool all_gone(Targets& targets, std::vector<bool>& reported, const RunOptions& options) {
  bool all = !targets.empty();
  for (size_t i = 0; i < targets.size(); ++i) {
    bool gone = targets[i].gone();
    all = all && gone;
    if (gone && !reported[i] && options.command.empty() && !options.quiet)
      std::cerr << "sonde: process " << targets[i].pid() << " exited\n";
    if (gone) reported[i] = true;
  }
  return all;
}

Status start(Session& session, Targets& targets, const RunOptions& options) {
  if (Status s = session.open(); !s) return s;
  if (Status s = session.retarget(options.target_overrides); !s) return s;
  if (Status s = session.configure(pids_of(targets)); !s) return s;
  if (Status s = prepare_attach(session.manifest()); !s) return s;
  return session.load();
}

// Attach, BEGIN, poll, detach, END, maps: everything after a successful load.
int trace(Session& session, Targets& targets, Output& out, const RunOptions& options) {
  if (Status s = session.attach(); !s) return fail(explain_fd_limit(s.error()));
  if (!options.quiet) out.attached(session.probe_count());
  if (Status s = session.run_begin(); !s) return fail(s.error());
  for (Target& t : targets) t.release();
  std::vector<bool> reported(targets.size(), false);
  StopReason stop = session.poll([&] { return g_stop_signal || all_gone(targets, reported, options); });
  session.detach();
  if (stop == StopReason::OutputClosed) return 0;
  Status end = session.run_end();
  out.exit_banner();
  session.print_maps();
  uint64_t lost = session.lost_events();
  if (lost > 0) out.lost_events(lost);
  std::vector<Session::FullMap> full = session.full_maps();
  for (const Session::FullMap& m : full)
    out.warning("map " + m.name + " is full (" + std::to_string(m.capacity) + " entries): " +
                std::to_string(m.dropped) + " updates of new keys were dropped");
  out.flush();
  if (!end) return fail(end.error());
  return lost > 0 || !full.empty() ? 2 : 0;
}

}  // namespace

int run(const std::vector<uint8_t>& elf, const RunOptions& options) {
  SignalScope signals;
  LibbpfLogScope log(options.verbose);
  if (Status s = check_privileges(); !s) return fail(s.error());
  raise_fd_limit();

  std::ofstream file;
  if (!options.output_path.empty()) {
    file.open(options.output_path, std::ios::out | std::ios::trunc);
    if (!file) return fail(make_error("cannot write " + options.output_path));
  }
  std::ostream& stream = options.output_path.empty() ? std::cout : file;
  std::unique_ptr<Output> out = make_output(options.format, stream, std::cerr);

  auto targets = make_targets(options);
  if (!targets) return fail(targets.error());
  Session session(elf, *out);
  if (Status s = start(session, *targets, options); !s)
    return fail(explain_fd_limit(s.error()), session.verifier_detail());
  return trace(session, *targets, *out, options);
}

}  // namespace sonde::runtime
