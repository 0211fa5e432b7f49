// interval and profile probes: a software cpu-clock perf event per CPU with
// the program attached to it. interval fires on one CPU every period_ns
// (bpftrace's model: one timer, not one per CPU); profile samples every
// online CPU at `frequency` Hz. The perf link owns the perf event fd.
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <cstdlib>
#include <fstream>
#include <vector>

#include "runtime/attach.h"

namespace sonde::runtime {

namespace {

int perf_event_open(perf_event_attr* attr, int cpu) {
  return static_cast<int>(syscall(SYS_perf_event_open, attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC));
}

// "0-3,6" from /sys/devices/system/cpu/online → {0, 1, 2, 3, 6}.
std::vector<int> online_cpus() {
  std::ifstream in("/sys/devices/system/cpu/online");
  std::string text;
  std::getline(in, text);
  std::vector<int> cpus;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find(',', pos);
    if (end == std::string::npos) end = text.size();
    std::string range = text.substr(pos, end - pos);
    size_t dash = range.find('-');
    int lo = std::atoi(range.c_str());
    int hi = dash == std::string::npos ? lo : std::atoi(range.c_str() + dash + 1);
    for (int c = lo; c <= hi; ++c) cpus.push_back(c);
    pos = end + 1;
  }
  if (cpus.empty()) cpus.push_back(0);
  return cpus;
}

Result<Links> attach_on(bpf_program* prog, const manifest::ProbeSpec& probe, perf_event_attr attr,
                        const std::vector<int>& cpus) {
  Links links;
  for (int cpu : cpus) {
    int fd = perf_event_open(&attr, cpu);
    if (fd < 0) {
      if (errno == ENODEV) continue;  // CPU went offline meanwhile
      return make_error("could not open a perf event for probe `" + probe.text + "` on CPU " +
                        std::to_string(cpu) + ": " + std::strerror(errno));
    }
    bpf_link* link = bpf_program__attach_perf_event(prog, fd);
    if (!link) {
      int err = errno;
      close(fd);
      return make_error("could not attach probe `" + probe.text + "`: " + std::strerror(err));
    }
    links.emplace_back(link);
  }
  return links;
}

perf_event_attr cpu_clock() {
  perf_event_attr attr{};
  attr.size = sizeof attr;
  attr.type = PERF_TYPE_SOFTWARE;
  attr.config = PERF_COUNT_SW_CPU_CLOCK;
  return attr;
}

}  // namespace

Result<Links> attach_interval(bpf_program* prog, const manifest::ProbeSpec& probe) {
  if (probe.period_ns == 0) return make_error("probe `" + probe.text + "`: interval period is 0");
  perf_event_attr attr = cpu_clock();
  attr.sample_period = probe.period_ns;
  return attach_on(prog, probe, attr, {online_cpus().front()});
}

Result<Links> attach_profile(bpf_program* prog, const manifest::ProbeSpec& probe) {
  if (probe.frequency == 0) return make_error("probe `" + probe.text + "`: profile frequency is 0");
  perf_event_attr attr = cpu_clock();
  attr.freq = 1;
  attr.sample_freq = probe.frequency;
  return attach_on(prog, probe, attr, online_cpus());
}

}  // namespace sonde::runtime
