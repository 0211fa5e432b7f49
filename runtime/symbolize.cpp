// Symbolization (see symbolize.h). Caches live for the whole run: kallsyms
// once, each process's maps once, each ELF file's symbols once (by path as
// the process sees it). Printing happens at exit or on a printf, never on
// the BPF hot path, so plain sorted vectors and binary search suffice.
#include "runtime/symbolize.h"
#include "support/elf_symbols.h"

#include <cxxabi.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>

namespace sonde::runtime {

namespace {

struct Symbol {
  uint64_t address = 0;  // kernel: absolute; ELF: virtual address in the file
  uint64_t size = 0;     // 0 when unknown (kallsyms): up to the next symbol
  std::string name;
  std::string module;    // kernel module, "" for the core kernel
  int rank = 0;          // among aliases of one address, the lowest is shown
};

// Aliases (`getppid`, `__getppid`, `__GI___getppid`): prefer a global
// name, then the one with the fewest leading underscores.
int alias_rank(bool global, const std::string& name) {
  int underscores = static_cast<int>(name.find_first_not_of('_'));
  bool internal = name.rfind("__GI_", 0) == 0;  // glibc's internal aliases
  return (global ? 0 : 100) + (internal ? 50 : 0) + (underscores < 0 ? 50 : underscores);
}

std::string demangle(const std::string& name) {
  if (name.rfind("_Z", 0) != 0) return name;
  int status = 0;
  char* out = abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status);
  if (status != 0 || !out) return name;
  std::string text(out);
  std::free(out);
  return text;
}

// The symbol containing `address` in a list sorted by address.
const Symbol* find_symbol(const std::vector<Symbol>& symbols, uint64_t address) {
  auto it = std::upper_bound(symbols.begin(), symbols.end(), address,
                             [](uint64_t a, const Symbol& s) { return a < s.address; });
  if (it == symbols.begin()) return nullptr;
  const Symbol& s = *std::prev(it);
  if (s.size != 0 && address >= s.address + s.size) return nullptr;
  return &s;
}

void sort_symbols(std::vector<Symbol>& symbols) {
  std::sort(symbols.begin(), symbols.end(), [](const Symbol& a, const Symbol& b) {
    if (a.address != b.address) return a.address < b.address;
    if ((a.size == 0) != (b.size == 0)) return a.size != 0;
    return a.rank < b.rank;
  });
  // Aliases share an address: keep the first (sized, best ranked).
  symbols.erase(std::unique(symbols.begin(), symbols.end(),
                            [](const Symbol& a, const Symbol& b) { return a.address == b.address; }),
                symbols.end());
}

// ------------------------------------------------------------------ kernel

std::vector<Symbol> load_kallsyms() {
  std::vector<Symbol> out;
  std::ifstream in("/proc/kallsyms");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string addr, type, name, module;
    if (!(fields >> addr >> type >> name)) continue;
    if (type != "t" && type != "T" && type != "w" && type != "W") continue;
    fields >> module;  // "[ext4]" or nothing
    uint64_t a = std::strtoull(addr.c_str(), nullptr, 16);
    if (a == 0) continue;  // hidden by kptr_restrict
    if (module.size() > 2) module = module.substr(1, module.size() - 2);
    out.push_back({a, 0, name, module, alias_rank(type == "T" || type == "W", name)});
  }
  sort_symbols(out);
  return out;
}

// ------------------------------------------------------------------ ELF files

struct LoadSegment {
  uint64_t offset = 0, vaddr = 0, size = 0;
};

struct ElfSymbols {
  std::vector<Symbol> symbols;
  std::vector<LoadSegment> segments;
  std::string build_id;  // hex, "" when the file has none
  bool has_symtab = false;
};

std::string hex(const uint8_t* p, size_t n) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) out += {digits[p[i] >> 4], digits[p[i] & 15]};
  return out;
}

void read_build_id(Elf* elf, Elf_Scn* scn, ElfSymbols& out) {
  Elf_Data* data = elf_getdata(scn, nullptr);
  if (!data) return;
  GElf_Nhdr note;
  size_t offset = 0, name_at = 0, desc_at = 0;
  while ((offset = gelf_getnote(data, offset, &note, &name_at, &desc_at)) > 0) {
    const char* name = static_cast<const char*>(data->d_buf) + name_at;
    if (note.n_type == NT_GNU_BUILD_ID && note.n_namesz == 4 && std::memcmp(name, "GNU", 4) == 0)
      out.build_id = hex(static_cast<const uint8_t*>(data->d_buf) + desc_at, note.n_descsz);
  }
}

void read_symbols(Elf* elf, Elf_Scn* scn, const GElf_Shdr& shdr, std::vector<Symbol>& out) {
  for_each_function_symbol(elf, scn, shdr, [&](const GElf_Sym& sym, const char* name) {
    bool global = GELF_ST_BIND(sym.st_info) != STB_LOCAL;
    out.push_back({sym.st_value, sym.st_size, name, "", alias_rank(global, name)});
  });
}

ElfSymbols load_elf(const std::string& path) {
  ElfSymbols out;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  elf_version(EV_CURRENT);
  Elf* elf = elf_begin(fd, ELF_C_READ, nullptr);
  if (elf) {
    size_t phnum = 0;
    elf_getphdrnum(elf, &phnum);
    for (size_t i = 0; i < phnum; ++i) {
      GElf_Phdr ph;
      if (gelf_getphdr(elf, static_cast<int>(i), &ph) && ph.p_type == PT_LOAD)
        out.segments.push_back({ph.p_offset, ph.p_vaddr, ph.p_filesz});
    }
    std::vector<Symbol> dynsym;
    for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn; scn = elf_nextscn(elf, scn)) {
      GElf_Shdr shdr;
      if (!gelf_getshdr(scn, &shdr)) continue;
      if (shdr.sh_type == SHT_SYMTAB) {
        read_symbols(elf, scn, shdr, out.symbols);
        out.has_symtab = true;
      }
      if (shdr.sh_type == SHT_DYNSYM) read_symbols(elf, scn, shdr, dynsym);
      if (shdr.sh_type == SHT_NOTE) read_build_id(elf, scn, out);
    }
    if (!out.has_symtab) out.symbols = std::move(dynsym);
    sort_symbols(out.symbols);
    elf_end(elf);
  }
  close(fd);
  return out;
}

// A stripped file's full symbols may sit in a debug file named by its
// build-id (Debian's *-dbgsym packages); its addresses match the file's.
void add_debug_symbols(ElfSymbols& file) {
  if (file.has_symtab || file.build_id.size() < 4) return;
  std::string path = "/usr/lib/debug/.build-id/" + file.build_id.substr(0, 2) + "/" +
                     file.build_id.substr(2) + ".debug";
  ElfSymbols debug = load_elf(path);
  if (debug.has_symtab) file.symbols = std::move(debug.symbols);
}

// ------------------------------------------------------------------ processes

struct Mapping {
  uint64_t start = 0, end = 0, offset = 0;
  std::string path;  // as the process sees it
};

struct ProcessMaps {
  bool alive = false;
  std::vector<Mapping> mappings;  // executable, file-backed
};

ProcessMaps load_maps(pid_t pid) {
  ProcessMaps out;
  std::ifstream in("/proc/" + std::to_string(pid) + "/maps");
  if (!in) return out;
  out.alive = true;
  std::string line;
  while (std::getline(in, line)) {
    unsigned long long start, end, offset;
    char perms[8] = {};
    int path_at = 0;
    if (std::sscanf(line.c_str(), "%llx-%llx %7s %llx %*s %*s %n", &start, &end, perms, &offset,
                    &path_at) < 4)
      continue;
    if (std::strchr(perms, 'x') == nullptr || path_at <= 0) continue;
    std::string path = line.substr(path_at);
    if (path.empty() || path[0] != '/') continue;  // [vdso], anonymous JIT code
    out.mappings.push_back({start, end, offset, path});
  }
  // A process exits between its stacks and our read: an empty maps file.
  if (out.mappings.empty()) out.alive = false;
  return out;
}

class Symbolizer {
 public:
  Frame kernel(uint64_t address) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!kallsyms_loaded_) {
      kallsyms_ = load_kallsyms();
      kallsyms_loaded_ = true;
    }
    Frame f;
    f.address = address;
    if (const Symbol* s = find_symbol(kallsyms_, address)) {
      f.symbol = s->name;
      f.offset = address - s->address;
      f.module = s->module;
    }
    return f;
  }

  void remember(pid_t pid) {
    ProcessMaps maps = load_maps(pid);
    std::lock_guard<std::mutex> lock(mutex_);
    if (maps.alive) processes_[pid] = std::move(maps);  // never forget a live snapshot
  }

  Frame user(pid_t pid, uint64_t address) {
    std::lock_guard<std::mutex> lock(mutex_);
    Frame f;
    f.address = address;
    auto [it, inserted] = processes_.try_emplace(pid);
    if (inserted) it->second = load_maps(pid);
    const ProcessMaps& maps = it->second;
    if (!maps.alive) {
      f.process_gone = true;
      return f;
    }
    for (const Mapping& m : maps.mappings) {
      if (address < m.start || address >= m.end) continue;
      f.module = m.path;
      resolve_in_file(pid, m, address - m.start + m.offset, f);
      break;
    }
    return f;
  }

 private:
  void resolve_in_file(pid_t pid, const Mapping& m, uint64_t file_offset, Frame& f) {
    // Through /proc/PID/root: the path as seen from the process's mount
    // namespace; once the process is gone, the path as we see it.
    std::string path = "/proc/" + std::to_string(pid) + "/root" + m.path;
    if (access(path.c_str(), R_OK) != 0) path = m.path;
    auto [it, inserted] = files_.try_emplace(path);
    if (inserted) {
      it->second = load_elf(path);
      add_debug_symbols(it->second);
    }
    const ElfSymbols& file = it->second;
    for (const LoadSegment& seg : file.segments) {
      if (file_offset < seg.offset || file_offset >= seg.offset + seg.size) continue;
      uint64_t vaddr = file_offset - seg.offset + seg.vaddr;
      if (const Symbol* s = find_symbol(file.symbols, vaddr)) {
        f.symbol = demangle(s->name);
        f.offset = vaddr - s->address;
      }
      return;
    }
  }

  std::mutex mutex_;
  bool kallsyms_loaded_ = false;
  std::vector<Symbol> kallsyms_;
  std::map<pid_t, ProcessMaps> processes_;
  std::map<std::string, ElfSymbols> files_;
};

Symbolizer& symbolizer() {
  static Symbolizer instance;
  return instance;
}

uint64_t read_u64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

}  // namespace

Frame symbolize_kernel(uint64_t address) { return symbolizer().kernel(address); }
Frame symbolize_user(pid_t pid, uint64_t address) { return symbolizer().user(pid, address); }
void remember_process(pid_t pid) { symbolizer().remember(pid); }

StackFrames read_stack(const manifest::Field& field, const uint8_t* data, size_t size) {
  StackFrames out;
  out.user = field.kind == manifest::FieldKind::UserStack;
  if (field.offset + field.size > size || field.size < 8) return out;
  const uint8_t* p = data + field.offset;
  out.pid = static_cast<pid_t>(read_u64(p) & 0xffffffff);
  for (uint32_t at = 8; at + 8 <= field.size; at += 8) {
    uint64_t address = read_u64(p + at);
    if (address == 0) break;
    out.frames.push_back(out.user ? symbolize_user(out.pid, address) : symbolize_kernel(address));
  }
  return out;
}

std::string frame_text(const Frame& frame) {
  if (frame.process_gone) return "[unknown]";
  if (frame.symbol.empty()) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(frame.address));
    return buf;
  }
  return frame.symbol + "+" + std::to_string(frame.offset);
}

std::string stack_text(const StackFrames& stack, int indent) {
  std::string out = "\n";
  for (const Frame& f : stack.frames) out += std::string(indent, ' ') + frame_text(f) + "\n";
  return out;
}

std::vector<std::string> stack_folded(const StackFrames& stack) {
  std::vector<std::string> out;
  for (auto it = stack.frames.rbegin(); it != stack.frames.rend(); ++it)
  {
    std::string name = it->symbol.empty() ? "[unknown]" : it->symbol;
    std::replace(name.begin(), name.end(), ';', ':');  // ';' separates frames
    out.push_back(std::move(name));
  }
  return out;
}

}  // namespace sonde::runtime
