// Reading user-space ELF binaries with libelf: function symbols, PT_LOAD
// segments and stapsdt notes. Everything is read once in Image::open and the
// file is closed again; bytes_at() reopens it for the few bytes it needs.
//
// stapsdt note layout (type 3, owner "stapsdt"): three address-sized words
// (probe pc, link-time address of .stapsdt.base, semaphore address), then
// "provider\0name\0args\0". When the binary was prelinked or its sections
// moved, the pc is corrected by (actual .stapsdt.base - recorded base).
#include "support/elf_image.h"
#include "support/elf_symbols.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

namespace sonde::elf {
namespace {

constexpr uint32_t kStapsdtNoteType = 3;

struct ElfCloser {
  int fd;
  Elf* elf;
  ~ElfCloser() {
    if (elf) elf_end(elf);
    if (fd >= 0) close(fd);
  }
};

Elf_Scn* find_section(Elf* elf, const char* wanted, GElf_Shdr* out) {
  size_t strndx = 0;
  if (elf_getshdrstrndx(elf, &strndx) != 0) return nullptr;
  for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn; scn = elf_nextscn(elf, scn)) {
    GElf_Shdr shdr;
    if (!gelf_getshdr(scn, &shdr)) continue;
    const char* name = elf_strptr(elf, strndx, shdr.sh_name);
    if (name && std::strcmp(name, wanted) == 0) {
      *out = shdr;
      return scn;
    }
  }
  return nullptr;
}

void read_symbols(Elf* elf, Elf_Scn* scn, const GElf_Shdr& shdr,
                  std::map<std::string, Symbol>& out) {
  for_each_function_symbol(elf, scn, shdr, [&](const GElf_Sym& sym, const char* name) {
    if (sym.st_shndx == SHN_UNDEF) return;
    out.emplace(name, Symbol{name, sym.st_value, sym.st_size});  // .symtab read first wins
  });
}

std::vector<Symbol> read_functions(Elf* elf) {
  std::map<std::string, Symbol> by_name;
  for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn; scn = elf_nextscn(elf, scn)) {
    GElf_Shdr shdr;
    if (gelf_getshdr(scn, &shdr) && shdr.sh_type == SHT_SYMTAB) read_symbols(elf, scn, shdr, by_name);
  }
  for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn; scn = elf_nextscn(elf, scn)) {
    GElf_Shdr shdr;
    if (gelf_getshdr(scn, &shdr) && shdr.sh_type == SHT_DYNSYM) read_symbols(elf, scn, shdr, by_name);
  }
  std::vector<Symbol> out;
  out.reserve(by_name.size());
  for (auto& [name, sym] : by_name) out.push_back(std::move(sym));
  return out;
}

uint64_t read_word(const uint8_t* p, bool is64) {
  if (is64) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
  }
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// One note's descriptor → a probe; false if it is malformed.
bool parse_note(const uint8_t* desc, size_t size, bool is64, int64_t base_shift, UsdtProbe& out) {
  size_t word = is64 ? 8 : 4;
  if (size < 3 * word + 3) return false;
  uint64_t pc = read_word(desc, is64), base = read_word(desc + word, is64);
  out.semaphore = read_word(desc + 2 * word, is64);
  out.address = base ? pc + base_shift : pc;
  const char* text = reinterpret_cast<const char*>(desc + 3 * word);
  const char* end = reinterpret_cast<const char*>(desc + size);
  auto next = [&](std::string& s) {
    const char* nul = static_cast<const char*>(std::memchr(text, '\0', end - text));
    if (!nul) return false;
    s.assign(text, nul);
    text = nul + 1;
    return true;
  };
  if (!next(out.provider) || !next(out.name) || !next(out.args_text)) return false;
  out.args = parse_usdt_args(out.args_text);
  return true;
}

std::vector<UsdtProbe> read_usdt(Elf* elf, bool is64) {
  std::vector<UsdtProbe> out;
  GElf_Shdr notes_hdr, base_hdr;
  Elf_Scn* notes = find_section(elf, ".note.stapsdt", &notes_hdr);
  if (!notes) return out;
  Elf_Scn* base = find_section(elf, ".stapsdt.base", &base_hdr);
  Elf_Data* data = elf_getdata(notes, nullptr);
  if (!data) return out;
  size_t offset = 0, name_off = 0, desc_off = 0;
  GElf_Nhdr nhdr;
  while ((offset = gelf_getnote(data, offset, &nhdr, &name_off, &desc_off)) > 0) {
    const char* owner = static_cast<const char*>(data->d_buf) + name_off;
    if (nhdr.n_type != kStapsdtNoteType || nhdr.n_namesz != 8 || std::strcmp(owner, "stapsdt") != 0)
      continue;
    const auto* desc = static_cast<const uint8_t*>(data->d_buf) + desc_off;
    int64_t shift = 0;
    uint64_t recorded_base = read_word(desc + (is64 ? 8 : 4), is64);
    if (base && recorded_base) shift = static_cast<int64_t>(base_hdr.sh_addr - recorded_base);
    UsdtProbe probe;
    if (parse_note(desc, nhdr.n_descsz, is64, shift, probe)) out.push_back(std::move(probe));
  }
  return out;
}

}  // namespace

Result<Image> Image::open(const std::string& path) {
  elf_version(EV_CURRENT);
  ElfCloser f{::open(path.c_str(), O_RDONLY | O_CLOEXEC), nullptr};
  if (f.fd < 0) {
    int err = errno;
    if (err == ENOENT) return make_error("binary " + path + " does not exist", "give the full path of an executable or shared library");
    return make_error("cannot open " + path + ": " + std::strerror(err));
  }
  f.elf = elf_begin(f.fd, ELF_C_READ_MMAP, nullptr);
  GElf_Ehdr ehdr;
  if (!f.elf || elf_kind(f.elf) != ELF_K_ELF || !gelf_getehdr(f.elf, &ehdr))
    return make_error(path + " is not an ELF binary", "uprobes and USDT probes need an executable or shared library");
  Image image;
  image.path_ = path;
  image.is_dyn_ = ehdr.e_type == ET_DYN;
  size_t phnum = 0;
  elf_getphdrnum(f.elf, &phnum);
  for (size_t i = 0; i < phnum; ++i) {
    GElf_Phdr ph;
    if (gelf_getphdr(f.elf, static_cast<int>(i), &ph) && ph.p_type == PT_LOAD)
      image.segments_.push_back({ph.p_vaddr, ph.p_offset, ph.p_filesz});
  }
  image.functions_ = read_functions(f.elf);
  image.usdt_ = read_usdt(f.elf, gelf_getclass(f.elf) == ELFCLASS64);
  return image;
}

const Symbol* Image::find_function(const std::string& name) const {
  auto it = std::lower_bound(functions_.begin(), functions_.end(), name,
                             [](const Symbol& s, const std::string& n) { return s.name < n; });
  return it != functions_.end() && it->name == name ? &*it : nullptr;
}

std::optional<uint64_t> Image::file_offset(uint64_t address) const {
  for (const Segment& s : segments_)
    if (address >= s.vaddr && address < s.vaddr + s.filesz) return address - s.vaddr + s.offset;
  return std::nullopt;
}

std::vector<uint8_t> Image::bytes_at(uint64_t address, size_t n) const {
  std::vector<uint8_t> out;
  auto offset = file_offset(address);
  if (!offset) return out;
  int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  out.resize(n);
  ssize_t got = pread(fd, out.data(), n, static_cast<off_t>(*offset));
  close(fd);
  out.resize(got > 0 ? static_cast<size_t>(got) : 0);
  return out;
}

uint64_t entry_address(const Image& image, const Symbol& sym, uint64_t offset) {
  static const uint8_t kEndbr64[] = {0xf3, 0x0f, 0x1e, 0xfa};
  uint64_t address = sym.address + offset;
  if (offset != 0 || (sym.size != 0 && sym.size <= sizeof kEndbr64)) return address;
  std::vector<uint8_t> head = image.bytes_at(address, sizeof kEndbr64);
  if (head.size() == sizeof kEndbr64 && std::equal(head.begin(), head.end(), kEndbr64))
    return address + sizeof kEndbr64;
  return address;
}

}  // namespace sonde::elf
