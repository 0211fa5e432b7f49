// Where `sonde run NAME` finds stdlib scripts, in order:
//   1. $SONDE_STDLIB_DIR (also searched first by `use NAME`);
//   2. ../share/sonde/stdlib next to the running binary (an installed sonde:
//      /usr/bin/sonde → /usr/share/sonde/stdlib, or a tree unpacked anywhere);
//   3. the source tree sonde was built from.
#pragma once
#include <string>
#include <vector>

namespace sonde::cli {

std::vector<std::string> stdlib_dirs();

// The path of NAME.sonde in the first directory that has it, or "".
std::string find_stdlib(const std::string& name);

// The directory `use NAME` should search after $SONDE_STDLIB_DIR: the first
// of stdlib_dirs() that exists.
std::string stdlib_module_dir();

// " name1 name2 ..." of the first directory that has scripts (for hints).
std::string stdlib_names();

}  // namespace sonde::cli
