// What a sonde process holds in the kernel, and whether it is still there:
// the BPF program and link ids a process owns (from /proc/PID/fdinfo, which
// names them for every bpf fd) and the system-wide view (bpftool prog/link
// show -j, uprobe_events in tracefs). Ids, not counts: other tracers may run
// on the machine at the same time, and ids are never reused while alive.
#pragma once
#include <sys/types.h>

#include <set>
#include <string>

namespace sonde::e2e {

struct BpfIds {
  std::set<int> progs;
  std::set<int> links;
  bool empty() const { return progs.empty() && links.empty(); }
};

// The program and link ids `pid`'s open fds refer to.
BpfIds bpf_ids_of(pid_t pid);
// Every program and link the kernel has now, by bpftool.
BpfIds bpf_ids_alive();
// The name bpftool gives program `id` ("" if gone).
std::string prog_name(int id);
// Those of `ids` still alive, polled until none is or `timeout_s` passes
// (the kernel frees programs after an RCU grace period, not at close).
BpfIds still_alive(const BpfIds& ids, double timeout_s = 5);
// How many entries the BPF maps `pid` holds have, summed over the maps whose
// name (as bpftool shows it, cut at 15 bytes) contains `name_part`.
int map_entries_of(pid_t pid, const std::string& name_part);
// Lines of tracefs's uprobe_events ("" if tracefs is not mounted).
std::string uprobe_events();

}  // namespace sonde::e2e
