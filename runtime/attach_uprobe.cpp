// uprobe:PATH:SYMBOL[+OFF], uprobe:PATH:0xADDR and uretprobe — placed here,
// at attach time, from the binary on this machine (an AOT object may run
// where the library was rebuilt): the symbol is looked up again, its
// address becomes a file offset (what the kernel takes), and a function
// entry is moved past a leading endbr64 (elf::entry_address says why).
//
// Without a pid the probe is on the file itself: every process that maps
// it, now or later, hits it. With one (-p/-c) the kernel filters on that
// process's address space, which also covers all of its threads.
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "runtime/attach.h"
#include "support/binary_path.h"
#include "support/diagnostics.h"
#include "support/elf_image.h"

namespace sonde::runtime {

namespace {

Result<uint64_t> probe_address(const elf::Image& image, const manifest::ProbeSpec& probe) {
  if (probe.name.empty()) return probe.offset;  // uprobe:PATH:0xADDR
  const elf::Symbol* sym = image.find_function(probe.name);
  if (!sym) {
    std::vector<std::string> names;
    for (const elf::Symbol& s : image.functions()) names.push_back(s.name);
    std::string near = closest_match(probe.name, names);
    return make_error("no function " + probe.name + " in " + image.path() + " (probe `" + probe.text + "`)",
                      near.empty() ? "list them with: sonde -l 'uprobe:" + image.path() + ":*'"
                                   : "did you mean " + near + "?");
  }
  return elf::entry_address(image, *sym, probe.offset);
}

std::string hex(uint64_t value) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(value));
  return buf;
}

}  // namespace

Result<std::string> user_binary(const manifest::ProbeSpec& probe, pid_t pid) {
  if (probe.target.find('/') != std::string::npos) return probe.target;
  return binpath::resolve(probe.target, pid);
}

Result<Links> attach_uprobe(bpf_program* prog, const manifest::ProbeSpec& probe, pid_t pid) {
  auto path = user_binary(probe, pid);
  if (!path) return path.error();
  auto image = elf::Image::open(*path);
  if (!image) return image.error();
  auto address = probe_address(*image, probe);
  if (!address) return address.error();
  auto offset = image->file_offset(*address);
  if (!offset)
    return make_error("probe `" + probe.text + "`: address " + hex(*address) +
                      " is not in a loadable segment of " + *path);
  LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = probe.kind == "uretprobe");
  bpf_link* link =
      bpf_program__attach_uprobe_opts(prog, pid > 0 ? pid : -1, path->c_str(), *offset, &opts);
  if (!link) {
    int err = errno;
    if (err == ESRCH) return make_error("process " + std::to_string(pid) + " is gone (probe `" + probe.text + "`)");
    return make_error("could not attach probe `" + probe.text + "`: " + std::strerror(err));
  }
  Links links;
  links.emplace_back(link);
  return links;
}

}  // namespace sonde::runtime
