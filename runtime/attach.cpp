#include "runtime/attach.h"

#include <cstring>

namespace sonde::runtime {

namespace {

using AttachFn = Result<Links> (*)(bpf_program*, const manifest::ProbeSpec&);

struct AttachKind {
  const char* kind;
  AttachFn attach;  // nullptr: run once instead (BEGIN, END)
  bool uses_tracefs;
};

constexpr AttachKind kKinds[] = {
    {"BEGIN", nullptr, false},
    {"END", nullptr, false},
    {"tracepoint", attach_tracepoint, true},
    {"interval", attach_interval, false},
    {"profile", attach_profile, false},
};

const AttachKind* find_kind(const std::string& kind) {
  for (const AttachKind& k : kKinds)
    if (kind == k.kind) return &k;
  return nullptr;
}

}  // namespace

bool is_run_once(const manifest::ProbeSpec& probe) {
  const AttachKind* k = find_kind(probe.kind);
  return k && !k->attach;
}

bool needs_tracefs(const manifest::ProbeSpec& probe) {
  const AttachKind* k = find_kind(probe.kind);
  return k && k->uses_tracefs;
}

Result<Links> attach_probe(bpf_program* prog, const manifest::ProbeSpec& probe) {
  const AttachKind* k = find_kind(probe.kind);
  if (!k)
    return make_error("probe `" + probe.text + "`: this runtime cannot attach " + probe.kind +
                          " probes yet",
                      "run the script with a newer sonde");
  if (!k->attach) return Links{};
  return k->attach(prog, probe);
}

}  // namespace sonde::runtime
