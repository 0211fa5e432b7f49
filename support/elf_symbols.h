// Walking an ELF symbol table (libelf) for function symbols: shared by the
// compiler's uprobe resolution (support/elf_image.cpp) and the runtime's
// stack symbolizer (runtime/symbolize.cpp).
#pragma once
#include <gelf.h>

#include <functional>

namespace sonde {

// Calls `fn` for each named FUNC or GNU_IFUNC symbol with a nonzero address
// in the symbol table section `scn` (SHT_SYMTAB or SHT_DYNSYM).
inline void for_each_function_symbol(Elf* elf, Elf_Scn* scn, const GElf_Shdr& shdr,
                                     const std::function<void(const GElf_Sym&, const char* name)>& fn) {
  Elf_Data* data = elf_getdata(scn, nullptr);
  if (!data || shdr.sh_entsize == 0) return;
  size_t count = shdr.sh_size / shdr.sh_entsize;
  for (size_t i = 0; i < count; ++i) {
    GElf_Sym sym;
    if (!gelf_getsym(data, static_cast<int>(i), &sym)) continue;
    int type = GELF_ST_TYPE(sym.st_info);
    if ((type != STT_FUNC && type != STT_GNU_IFUNC) || sym.st_value == 0) continue;
    const char* name = elf_strptr(elf, shdr.sh_link, sym.st_name);
    if (name && *name) fn(sym, name);
  }
}

}  // namespace sonde
