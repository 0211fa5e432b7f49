// usdt:PATH:PROVIDER:NAME through libbpf's USDT support: it reads the
// stapsdt notes again, writes each probe site's argument spec into the
// object's __bpf_usdt_specs map, and attaches one uprobe per site with the
// spec id as BPF cookie (what the BPF side's bpf_usdt_arg() reads). A probe
// with a semaphore is attached with the uprobe reference-counter offset, so
// the kernel raises the semaphore in every process mapping the binary —
// already running or started later — and lowers it on detach; sonde never
// writes into another process's memory.
#include <signal.h>

#include <cerrno>
#include <cstring>

#include "runtime/attach.h"
#include "runtime/libbpf_log.h"
#include "support/elf_image.h"

namespace sonde::runtime {

namespace {

// "provider:name", or a bare "name" whose provider the notes tell.
Result<std::pair<std::string, std::string>> split_probe_name(const manifest::ProbeSpec& probe,
                                                             const std::string& path) {
  size_t colon = probe.name.find(':');
  if (colon != std::string::npos)
    return std::make_pair(probe.name.substr(0, colon), probe.name.substr(colon + 1));
  auto image = elf::Image::open(path);
  if (!image) return image.error();
  for (const elf::UsdtProbe& p : image->usdt_probes())
    if (p.name == probe.name) return std::make_pair(p.provider, p.name);
  return make_error("no USDT probe named " + probe.name + " in " + path,
                    "list them with: sonde -l 'usdt:" + path + ":*'");
}

// libbpf says why in a warning; errno alone is ambiguous (ESRCH is used
// both for a vanished process and for a note it cannot place).
Error attach_error(int err, const manifest::ProbeSpec& probe, const std::string& path,
                   const std::string& full_name, pid_t pid) {
  std::string why = take_libbpf_warnings();
  why = why.substr(0, why.find('\n'));
  if (why.rfind("libbpf: ", 0) == 0) why = why.substr(8);
  if (err == ENOENT && why.find("usdt") == std::string::npos)
    return make_error("no USDT probe " + full_name + " in " + path,
                      "list them with: sonde -l 'usdt:" + path + ":*'");
  if (pid > 0 && kill(pid, 0) != 0 && errno == ESRCH)
    return make_error("process " + std::to_string(pid) + " is gone (probe `" + probe.text + "`)");
  return make_error("could not attach probe `" + probe.text + "`: " +
                        (why.empty() ? std::string(std::strerror(err)) : why),
                    "run with -v to see all of libbpf's messages");
}

}  // namespace

Result<Links> attach_usdt(bpf_program* prog, const manifest::ProbeSpec& probe, pid_t pid) {
  auto path = user_binary(probe, pid);
  if (!path) return path.error();
  auto names = split_probe_name(probe, *path);
  if (!names) return names.error();
  const auto& [provider, name] = *names;
  take_libbpf_warnings();
  bpf_link* link = bpf_program__attach_usdt(prog, pid > 0 ? pid : -1, path->c_str(),
                                            provider.c_str(), name.c_str(), nullptr);
  if (!link) return attach_error(errno, probe, *path, provider + ":" + name, pid);
  Links links;
  links.emplace_back(link);
  return links;
}

}  // namespace sonde::runtime
