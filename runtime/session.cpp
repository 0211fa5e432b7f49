#include "runtime/session.h"

#include <bpf/bpf.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <thread>

#include "runtime/libbpf_log.h"
#include "runtime/retarget.h"
#include "runtime/symbolize.h"

namespace sonde::runtime {

namespace {

constexpr int kPollTimeoutMs = 100;
constexpr int kVerifierTailLines = 20;

// The first line libbpf warned about, without its "libbpf: " prefix.
std::string first_warning(const std::string& warnings) {
  std::string line = warnings.substr(0, warnings.find('\n'));
  if (line.rfind("libbpf: ", 0) == 0) line = line.substr(8);
  return line;
}

}  // namespace

Status Session::open() {
  auto parsed = manifest::read_from_elf(elf_.data(), elf_.size());
  if (!parsed) return parsed.error();
  manifest_ = std::move(*parsed);
  for (const manifest::EventSpec& e : manifest_.events) formats_.push_back(parse_format(e.format));

  LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = "sonde");
  bpf_object* obj = bpf_object__open_mem(elf_.data(), elf_.size(), &opts);
  if (!obj)
    return make_error("could not open the BPF object: " + first_warning(take_libbpf_warnings()),
                      "was it written by `sonde build`?");
  object_.reset(obj);
  for (const manifest::ProbeSpec& p : manifest_.probes)
    if (!program_of(p))
      return make_error("the object has no program " + p.program + " for probe `" + p.text + "`");
  int cpus = libbpf_num_possible_cpus();
  ncpus_ = cpus > 0 ? cpus : 1;
  return Ok{};
}

// Patches `sonde_config` in .rodata before load: the -p/-c target pids, and
// the start time `elapsed` counts from (CLOCK_MONOTONIC, bpf_ktime_get_ns's
// clock). Offsets come from the manifest; -1 means the object has no such
// field.
Status Session::configure(const std::vector<pid_t>& pids) {
  pids_ = pids;
  size_t capacity = 1 + (manifest_.config_more_pids_offset >= 0 ? manifest_.config_more_pid_count : 0);
  if (pids.size() > capacity)
    return make_error("at most " + std::to_string(capacity) + " processes can be given with -p (got " +
                          std::to_string(pids.size()) + ")",
                      "trace by binary path instead (no -p) and filter on pid in the script");
  uint32_t target_pid = pids.empty() ? 0 : static_cast<uint32_t>(pids[0]);
  // Unused slots repeat the first pid, so they never match another process.
  std::vector<uint32_t> more_pids(capacity - 1, target_pid);
  for (size_t i = 1; i < pids.size(); ++i) more_pids[i - 1] = static_cast<uint32_t>(pids[i]);
  int32_t pid_at = target_pid ? manifest_.config_target_pid_offset : -1;
  int32_t more_at = target_pid ? manifest_.config_more_pids_offset : -1;
  int32_t start_at = manifest_.config_start_ns_offset;
  if (pid_at < 0 && start_at < 0) return Ok{};
  bpf_map* rodata = bpf_object__find_map_by_name(object_.get(), ".rodata");
  size_t size = 0;
  const void* initial = rodata ? bpf_map__initial_value(rodata, &size) : nullptr;
  if (!initial) return make_error("the object has no sonde_config in .rodata to configure");
  std::vector<uint8_t> data(static_cast<const uint8_t*>(initial),
                            static_cast<const uint8_t*>(initial) + size);
  auto patch = [&](int32_t at, const void* value, size_t n) {
    if (at < 0) return true;
    if (static_cast<size_t>(at) + n > data.size()) return false;
    std::memcpy(data.data() + at, value, n);
    return true;
  };
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  uint64_t start_ns = static_cast<uint64_t>(now.tv_sec) * 1000000000ull + now.tv_nsec;
  if (!patch(pid_at, &target_pid, sizeof target_pid) || !patch(start_at, &start_ns, sizeof start_ns) ||
      !patch(more_at, more_pids.data(), more_pids.size() * sizeof(uint32_t)))
    return make_error("the object's sonde_config is smaller than its manifest says");
  if (bpf_map__set_initial_value(rodata, data.data(), data.size()) != 0)
    return make_error(std::string("could not configure the object: ") + std::strerror(errno));
  return Ok{};
}

Status Session::load() {
  take_libbpf_warnings();
  if (bpf_object__load(object_.get()) != 0) return load_error(errno);
  for (const manifest::MapSpec& m : manifest_.maps) {
    bpf_map* map = bpf_object__find_map_by_name(object_.get(), m.elf_name.c_str());
    if (!map) return make_error("the object has no map " + m.elf_name + " for " + m.name);
    map_fds_.push_back(bpf_map__fd(map));
    map_capacity_.push_back(bpf_map__max_entries(map));
  }
  return Ok{};
}

// Turns a failed bpf_object__load into one clear error: which probe the
// verifier rejected (with the log's tail), or why the kernel said no.
Error Session::load_error(int err) {
  std::string warnings = take_libbpf_warnings();
  std::string program = failed_program(warnings);
  if (err == EPERM && program.empty())
    return make_error("sonde needs root (CAP_BPF and CAP_PERFMON): run it with sudo");
  if (!program.empty() && (err == EACCES || err == EINVAL || err == E2BIG || err == ENOSPC)) {
    std::string probe_text = program, where;
    for (const manifest::ProbeSpec& p : manifest_.probes) {
      if (p.program != program) continue;
      probe_text = p.text;
      if (p.line > 0) where = " (" + manifest_.source_name + ":" + std::to_string(p.line) + ")";
    }
    verifier_detail_ = verifier_log_tail(warnings, program, kVerifierTailLines);
    return make_error("the kernel's BPF verifier rejected probe `" + probe_text + "`" + where,
                      "this is a sonde bug if the script checked cleanly; please report it with "
                      "the log above (run with -v for all of it)");
  }
  if (err == ENOSYS)
    return make_error("this kernel has no BPF support (bpf() is not available)",
                      "sonde needs a kernel built with CONFIG_BPF_SYSCALL");
  std::string why = first_warning(warnings);
  // CO-RE reads (fdkind, fdpeer, sockaddr) are relocated against the
  // running kernel's BTF; libbpf finds none when the kernel lacks
  // CONFIG_DEBUG_INFO_BTF or /sys/kernel/btf is not visible.
  if (why.find("kernel BTF") != std::string::npos)
    return make_error("the kernel refused to load the BPF object: " + why +
                          " (fdkind, fdpeer and sockaddr read kernel structs through it)",
                      "this kernel exposes no BTF at /sys/kernel/btf/vmlinux: use a kernel built with "
                      "CONFIG_DEBUG_INFO_BTF=y (or make /sys/kernel/btf visible in this container), "
                      "or drop those builtins from the script");
  return make_error("the kernel refused to load the BPF object: " +
                        (why.empty() ? std::string(std::strerror(err)) : why),
                    "run with -v to see libbpf's messages");
}

bpf_program* Session::program_of(const manifest::ProbeSpec& probe) const {
  return bpf_object__find_program_by_name(object_.get(), probe.program.c_str());
}

Status Session::retarget(const std::vector<std::string>& overrides) {
  std::vector<TargetOverride> parsed;
  for (const std::string& text : overrides) {
    auto o = parse_target_override(text);
    if (!o) return o.error();
    parsed.push_back(*o);
  }
  return apply_target_overrides(manifest_.probes, parsed);
}

Status Session::attach() {
  bpf_map* events = bpf_object__find_map_by_name(object_.get(), manifest_.ringbuf_map.c_str());
  if (!events) return make_error("the object has no ring buffer " + manifest_.ringbuf_map);
  ring_.reset(ring_buffer__new(bpf_map__fd(events), &Session::on_record, this, nullptr));
  if (!ring_) return make_error(std::string("could not open the ring buffer: ") + std::strerror(errno));
  for (const manifest::ProbeSpec& p : manifest_.probes) {
    auto links = attach_probe(program_of(p), p, pids_);
    if (!links) return links.error();
    for (LinkPtr& l : *links) links_.push_back(std::move(l));
  }
  return Ok{};
}

Status Session::run_kind(const char* kind) {
  for (const manifest::ProbeSpec& p : manifest_.probes) {
    if (p.kind != kind) continue;
    Status s = run_once(program_of(p), p);
    if (!s) return s;
  }
  return Ok{};
}

Status Session::run_begin() {
  Status s = run_kind("BEGIN");
  // BEGIN's output must come before anything a -c command prints.
  ring_buffer__consume(ring_.get());
  out_.flush();
  return s;
}

bool Session::has_user_stacks() const {
  auto any = [](const std::vector<manifest::Field>& fields) {
    for (const manifest::Field& f : fields)
      if (f.kind == manifest::FieldKind::UserStack) return true;
    return false;
  };
  for (const manifest::MapSpec& m : manifest_.maps)
    if (any(m.key)) return true;
  for (const manifest::EventSpec& e : manifest_.events)
    if (any(e.args)) return true;
  return false;
}

StopReason Session::poll(const std::function<bool()>& should_stop) {
  // Records are submitted with BPF_RB_NO_WAKEUP, so epoll may never fire:
  // the bounded wait plus an explicit consume each round picks them up.
  // Not at once: a short trace says its losses once, at exit.
  auto next_loss_check = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (!exited_) {
    // The targets' maps, kept for symbolizing their user stacks after they exit.
    if (has_user_stacks())
      for (pid_t pid : pids_) remember_process(pid);
    if (std::chrono::steady_clock::now() >= next_loss_check) {
      warn_losses_so_far();
      next_loss_check = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    }
    ring_buffer__poll(ring_.get(), kPollTimeoutMs);
    if (!exited_) ring_buffer__consume(ring_.get());
    out_.flush();
    if (!out_.good()) return StopReason::OutputClosed;
    if (exited_) break;
    if (should_stop()) {
      ring_buffer__consume(ring_.get());  // what was sent before the stop
      out_.flush();
      return StopReason::Requested;
    }
  }
  return StopReason::Exit;
}

// Each tracepoint or uprobe link waits for an RCU grace period when it goes
// (~30 ms here), so php-io's 136 links took 4.5 s one after another; from
// several threads the waits overlap.
void Session::detach() {
  constexpr size_t kThreads = 16;
  std::vector<std::thread> threads;
  size_t n = links_.size();
  for (size_t t = 0; t < kThreads && t < n; ++t)
    threads.emplace_back([this, t, n] {
      for (size_t i = t; i < n; i += kThreads) links_[i].reset();
    });
  for (std::thread& thread : threads) thread.join();
  links_.clear();
}

Status Session::run_end() {
  // Records still queued behind an exit() are dropped, as bpftrace does.
  discarding_ = true;
  ring_buffer__consume(ring_.get());
  discarding_ = false;
  exited_ = false;
  Status s = run_kind("END");
  ring_buffer__consume(ring_.get());
  out_.flush();
  return s;
}

void Session::print_maps() {
  std::vector<int> order(manifest_.maps.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
  std::sort(order.begin(), order.end(),
            [&](int a, int b) { return manifest_.maps[a].name < manifest_.maps[b].name; });
  for (int i : order) {
    // Maps named @__* are the declarative layer's bookkeeping (compiler/lower_*.cpp), not output.
    if (manifest_.maps[i].name.rfind("@__", 0) == 0) {
      warn_span_overflow(i);
      continue;
    }
    print_map(i);
  }
  out_.flush();
}

// A span stack deeper than its bound (compiler/lower_spans.cpp) counts the
// opens it could not record in @__sp_NAME_overflow, per thread.
void Session::warn_span_overflow(int index) {
  const manifest::MapSpec& spec = manifest_.maps[index];
  const std::string prefix = "@__sp_", suffix = "_overflow";
  const std::string& name = spec.name;
  if (name.size() <= prefix.size() + suffix.size() || name.rfind(prefix, 0) != 0 ||
      name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
    return;
  auto raw = read_map(map_fds_[index], spec, ncpus_);
  if (!raw) return;
  int64_t total = 0;
  for (const MapRow& row : fold_map(spec, *raw, ncpus_).rows) total += row.value;
  if (total > 0)
    out_.warning("span " + name.substr(prefix.size(), name.size() - prefix.size() - suffix.size()) + ": " +
                 std::to_string(total) + " opens nested too deep were not recorded");
}

uint64_t Session::loss_counter(uint32_t index) const {
  bpf_map* lost = bpf_object__find_map_by_name(object_.get(), manifest_.lost_map.c_str());
  uint64_t count = 0;
  if (!lost || bpf_map_lookup_elem(bpf_map__fd(lost), &index, &count) != 0) return 0;
  return count;
}

uint64_t Session::lost_events() const { return loss_counter(0); }

// A long trace that loses data should say so when it starts, not only at
// exit: at most once a second for events, once per full map.
void Session::warn_losses_so_far() {
  uint64_t lost = lost_events();
  if (lost > lost_warned_) {
    out_.warning("events are being lost (ring buffer full): " + std::to_string(lost) +
                 " so far; the total is reported at exit");
    lost_warned_ = lost;
  }
  full_warned_.resize(map_fds_.size(), false);
  for (size_t i = 0; i < map_fds_.size(); ++i) {
    if (full_warned_[i] || loss_counter(static_cast<uint32_t>(1 + i)) == 0) continue;
    out_.warning("map " + manifest_.maps[i].name + " is full (" + std::to_string(map_capacity_[i]) +
                 " entries): new keys are being dropped; the count is reported at exit");
    full_warned_[i] = true;
  }
  out_.flush();
}

std::vector<Session::FullMap> Session::full_maps() const {
  std::vector<FullMap> full;
  for (size_t i = 0; i < map_fds_.size(); ++i)
    if (uint64_t dropped = loss_counter(static_cast<uint32_t>(1 + i)))
      full.push_back({manifest_.maps[i].name, map_capacity_[i], dropped});
  return full;
}

}  // namespace sonde::runtime
