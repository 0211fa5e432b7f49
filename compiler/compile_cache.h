// A cache of compiled objects, so `sonde run php-io` compiles once per
// machine, not at every start (php-io is ~80 BPF programs: seconds of LLVM).
//
// The key is everything the object depends on, as text: the checked AST
// (types, resolved attach points and binary paths included), the script's
// text (line info), the options that change code, this compiler binary
// (size and mtime: a rebuilt sonde never reuses an older object), the
// kernel (tracepoint formats) and each traced binary's size and mtime. The
// file holds the whole key, and a hit requires it to match byte for byte,
// so a hash collision can only cost a miss. Writes go through a temporary
// file and rename, so concurrent runs never read a torn object.
// SONDE_CACHE_DIR moves the cache; SONDE_CACHE=0 turns it off.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sonde::compiler {

class CompileCache {
 public:
  // Disabled (every lookup misses, store does nothing) when SONDE_CACHE=0
  // or no directory can be found.
  static CompileCache from_environment();

  std::optional<std::vector<uint8_t>> lookup(const std::string& key) const;
  // Best effort: a cache that cannot be written is not an error.
  void store(const std::string& key, const std::vector<uint8_t>& elf) const;

  // The parts of a key that come from outside the script: this binary
  // and the codegen module it loads (when not ""), the kernel, and the size
  // and mtime of each absolute path in `text` that names an existing file
  // (traced binaries and libraries).
  static std::string environment_key(const std::string& text, const std::string& codegen_module);

 private:
  std::string dir_;  // "" when disabled
  std::string path_for(const std::string& key) const;
};

}  // namespace sonde::compiler
