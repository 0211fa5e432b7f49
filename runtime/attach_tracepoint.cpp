// tracepoint:CATEGORY:NAME — libbpf resolves the tracepoint id through
// tracefs (which the session has mounted) and attaches with perf_event_open.
#include <cerrno>
#include <cstring>

#include "runtime/attach.h"

namespace sonde::runtime {

Result<Links> attach_tracepoint(bpf_program* prog, const manifest::ProbeSpec& probe) {
  size_t colon = probe.target.find(':');
  if (colon == std::string::npos)
    return make_error("probe `" + probe.text + "`: malformed tracepoint target `" + probe.target + "`");
  std::string category = probe.target.substr(0, colon), name = probe.target.substr(colon + 1);
  bpf_link* link = bpf_program__attach_tracepoint(prog, category.c_str(), name.c_str());
  if (!link) {
    int err = errno;
    if (err == ENOENT)
      return make_error("tracepoint " + probe.target + " does not exist on this kernel (probe `" +
                            probe.text + "`)",
                        "list the available ones with: sonde -l '" + category + ":*'");
    return make_error("could not attach probe `" + probe.text + "`: " + std::strerror(err));
  }
  Links links;
  links.emplace_back(link);
  return links;
}

}  // namespace sonde::runtime
