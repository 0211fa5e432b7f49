#include "runtime/attach.h"

#include <cstring>

namespace sonde::runtime {

namespace {

using AttachFn = Result<Links> (*)(bpf_program*, const manifest::ProbeSpec&);
using UserAttachFn = Result<Links> (*)(bpf_program*, const manifest::ProbeSpec&, pid_t);

struct AttachKind {
  const char* kind;
  AttachFn attach;  // nullptr (and no attach_user): run once instead (BEGIN, END)
  bool uses_tracefs;
  UserAttachFn attach_user = nullptr;  // user-space kinds, which take the -p/-c pid
};

constexpr AttachKind kKinds[] = {
    {"BEGIN", nullptr, false},
    {"END", nullptr, false},
    {"tracepoint", attach_tracepoint, true},
    {"rawtracepoint", attach_raw_tracepoint, false},
    {"interval", attach_interval, false},
    {"profile", attach_profile, false},
    {"uprobe", nullptr, false, attach_uprobe},
    {"uretprobe", nullptr, false, attach_uprobe},
    {"usdt", nullptr, false, attach_usdt},
};

const AttachKind* find_kind(const std::string& kind) {
  for (const AttachKind& k : kKinds)
    if (kind == k.kind) return &k;
  return nullptr;
}

}  // namespace

bool is_run_once(const manifest::ProbeSpec& probe) {
  const AttachKind* k = find_kind(probe.kind);
  return k && !k->attach && !k->attach_user;
}

bool needs_tracefs(const manifest::ProbeSpec& probe) {
  const AttachKind* k = find_kind(probe.kind);
  return k && k->uses_tracefs;
}

Result<Links> attach_probe(bpf_program* prog, const manifest::ProbeSpec& probe,
                           const std::vector<pid_t>& pids) {
  const AttachKind* k = find_kind(probe.kind);
  if (!k)
    return make_error("probe `" + probe.text + "`: this runtime cannot attach " + probe.kind +
                          " probes yet",
                      "run the script with a newer sonde");
  if (k->attach_user) {
    if (pids.empty()) return k->attach_user(prog, probe, 0);
    Links all;
    for (pid_t pid : pids) {
      auto links = k->attach_user(prog, probe, pid);
      if (!links) return links.error();
      for (LinkPtr& l : *links) all.push_back(std::move(l));
    }
    return all;
  }
  if (!k->attach) return Links{};
  return k->attach(prog, probe);
}

}  // namespace sonde::runtime
