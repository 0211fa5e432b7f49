// A user-space ELF binary (executable or shared library) as uprobes and USDT
// see it: function symbols, the mapping from virtual addresses to file
// offsets (what the kernel's uprobe API takes), and the stapsdt notes.
// Shared by the checker (wildcard expansion, "no such symbol" hints, -l) and
// the runtime (placing probes at attach time, on the machine that runs them).
//
// Invariant: every address handed out is a virtual address as the ELF file
// states it; file_offset() is the only conversion, through PT_LOAD segments.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "support/result.h"

namespace sonde::elf {

struct Symbol {
  std::string name;
  uint64_t address = 0;  // st_value
  uint64_t size = 0;
};

// One argument of a USDT probe, parsed from a note's "-4@%r13d" form.
struct UsdtArg {
  enum class Kind { Register, Memory, Constant };
  Kind kind = Kind::Register;
  int size = 8;          // bytes: 1, 2, 4 or 8
  bool is_signed = false;
  std::string reg;       // "r13d", "rsp" (Register, Memory)
  int64_t value = 0;     // Memory: displacement; Constant: the value
  std::string text;      // as written in the note
};

struct UsdtProbe {
  std::string provider;
  std::string name;
  uint64_t address = 0;    // of the probe's nop, base-adjusted (virtual)
  uint64_t semaphore = 0;  // virtual address of the semaphore, 0 if none
  std::string args_text;   // the note's raw argument string
  std::vector<UsdtArg> args;
};

class Image {
 public:
  // Opens and reads PATH; errors say whether it is missing or not an ELF.
  static Result<Image> open(const std::string& path);

  const std::string& path() const { return path_; }
  bool is_shared_object() const { return is_dyn_; }
  // Function symbols (STT_FUNC/STT_GNU_IFUNC with an address), .symtab and
  // .dynsym merged, sorted by name, each name once.
  const std::vector<Symbol>& functions() const { return functions_; }
  const Symbol* find_function(const std::string& name) const;
  const std::vector<UsdtProbe>& usdt_probes() const { return usdt_; }

  // Virtual address → offset in the file; nullopt outside every PT_LOAD.
  std::optional<uint64_t> file_offset(uint64_t address) const;
  // Up to `n` bytes of the file's contents at virtual `address`.
  std::vector<uint8_t> bytes_at(uint64_t address, size_t n) const;

 private:
  struct Segment {
    uint64_t vaddr = 0, offset = 0, filesz = 0;
  };
  std::string path_;
  bool is_dyn_ = false;
  std::vector<Segment> segments_;
  std::vector<Symbol> functions_;
  std::vector<UsdtProbe> usdt_;
};

// Parses one stapsdt argument ("8@16(%rsp)", "-4@%r13d", "8@$0").
std::optional<UsdtArg> parse_usdt_arg(const std::string& text);
// Splits a note's argument string on spaces and parses each.
std::vector<UsdtArg> parse_usdt_args(const std::string& text);

// Where a uprobe on `sym` (+ `offset`) should go, as a virtual address.
// A function entry (offset 0) that begins with `endbr64` is moved past it:
// measured here, a probe on endbr64 costs ~4.1 µs a hit (the kernel
// single-steps it out of line) and one on the next instruction ~0.8 µs.
// endbr64 changes no register or memory a probe reads (arguments, stack,
// return address), so the probe sees the same state.
uint64_t entry_address(const Image& image, const Symbol& sym, uint64_t offset);

}  // namespace sonde::elf
