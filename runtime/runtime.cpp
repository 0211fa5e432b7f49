// The runtime: runs a compiled BPF object and shows what it reports.
//
// Model. The compiler hands over ELF bytes whose `.sonde` section holds the
// manifest (manifest/manifest.h): probes to attach, maps to print, and the
// layout of every ring-buffer record. The runtime knows nothing else about
// the script, never links LLVM, and is also the AOT runner (sonde-run).
//
// Lifecycle (session.h): open → configure (target pid in .rodata) → load →
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
// 2 when the BPF side lost records because the ring buffer was full.
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

Result<Target> make_target(const RunOptions& options) {
  if (!options.command.empty()) return Target::spawn(options.command);
  if (options.pid > 0) return Target::watch(options.pid);
  return Target();
}

Status start(Session& session, Target& target, const RunOptions& options) {
  if (Status s = session.open(); !s) return s;
  if (Status s = session.retarget(options.target_overrides); !s) return s;
  if (Status s = session.configure(static_cast<uint32_t>(target.pid())); !s) return s;
  if (Status s = prepare_attach(session.manifest()); !s) return s;
  return session.load();
}

// Attach, BEGIN, poll, detach, END, maps: everything after a successful load.
int trace(Session& session, Target& target, Output& out, const RunOptions& options) {
  if (Status s = session.attach(); !s) return fail(s.error());
  if (!options.quiet) out.attached(session.probe_count());
  if (Status s = session.run_begin(); !s) return fail(s.error());
  target.release();
  bool target_ended = false;
  StopReason stop = session.poll([&] {
    target_ended = target.gone();
    return g_stop_signal || target_ended;
  });
  session.detach();
  if (target_ended && options.pid > 0 && !options.quiet)
    std::cerr << "sonde: process " << options.pid << " exited\n";
  if (stop == StopReason::OutputClosed) return 0;
  Status end = session.run_end();
  out.exit_banner();
  session.print_maps();
  uint64_t lost = session.lost_events();
  if (lost > 0) out.lost_events(lost);
  out.flush();
  if (!end) return fail(end.error());
  return lost > 0 ? 2 : 0;
}

}  // namespace

int run(const std::vector<uint8_t>& elf, const RunOptions& options) {
  SignalScope signals;
  LibbpfLogScope log(options.verbose);
  if (Status s = check_privileges(); !s) return fail(s.error());

  std::ofstream file;
  if (!options.output_path.empty()) {
    file.open(options.output_path, std::ios::out | std::ios::trunc);
    if (!file) return fail(make_error("cannot write " + options.output_path));
  }
  std::ostream& stream = options.output_path.empty() ? std::cout : file;
  std::unique_ptr<Output> out = make_output(options.format, stream, std::cerr);

  auto target = make_target(options);
  if (!target) return fail(target.error());
  Session session(elf, *out);
  if (Status s = start(session, *target, options); !s) return fail(s.error(), session.verifier_detail());
  return trace(session, *target, *out, options);
}

}  // namespace sonde::runtime
