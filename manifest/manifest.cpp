#include "manifest/manifest.h"

#include <gelf.h>
#include <libelf.h>

#include <cstring>
#include <nlohmann/json.hpp>

namespace sonde::manifest {

using nlohmann::json;

NLOHMANN_JSON_SERIALIZE_ENUM(FieldKind, {{FieldKind::Int, "int"},
                                         {FieldKind::Uint, "uint"},
                                         {FieldKind::String, "string"},
                                         {FieldKind::Bool, "bool"},
                                         {FieldKind::UserStack, "ustack"},
                                         {FieldKind::KernelStack, "kstack"}})
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Field, name, kind, offset, size, unit)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ProbeSpec, program, kind, target, name, offset,
                                                period_ns, frequency, text, line)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(MapSpec, name, elf_name, kind, key, value, key_size,
                                                value_size, percpu, bucket_in_key, lhist_min,
                                                lhist_max, lhist_step)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(EventSpec, kind, name, format, args, map, size, line)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Manifest, format_version, sonde_version,
                                                source_name, probes, maps, events, ringbuf_map,
                                                ringbuf_size, lost_map, config_target_pid_offset,
                                                string_size, config_start_ns_offset,
                                                config_more_pids_offset, config_more_pid_count)

// Script strings may hold any bytes; invalid UTF-8 becomes U+FFFD rather
// than failing the build.
std::string to_json(const Manifest& m) {
  return json(m).dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<Manifest> from_json(const std::string& text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    return make_error("the object's sonde manifest is not valid JSON");
  int version = j.value("format_version", 0);
  if (version > kFormatVersion)
    return make_error("the object's manifest format is version " + std::to_string(version) +
                          ", newer than this sonde understands (" + std::to_string(kFormatVersion) + ")",
                      "run it with a newer sonde, or rebuild it with this one");
  try {
    return j.get<Manifest>();
  } catch (const json::exception& e) {
    return make_error(std::string("the object's sonde manifest is malformed: ") + e.what());
  }
}

Result<Manifest> read_from_elf(const void* data, size_t size) {
  elf_version(EV_CURRENT);
  Elf* elf = elf_memory(static_cast<char*>(const_cast<void*>(data)), size);
  if (!elf) return make_error(std::string("not an ELF object: ") + elf_errmsg(-1));
  size_t strndx = 0;
  std::string text;
  bool found = false;
  if (elf_getshdrstrndx(elf, &strndx) == 0) {
    for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn; scn = elf_nextscn(elf, scn)) {
      GElf_Shdr shdr;
      if (!gelf_getshdr(scn, &shdr)) continue;
      const char* name = elf_strptr(elf, strndx, shdr.sh_name);
      if (!name || std::strcmp(name, kSectionName) != 0) continue;
      Elf_Data* d = elf_getdata(scn, nullptr);
      if (d && d->d_buf) {
        const char* bytes = static_cast<const char*>(d->d_buf);
        text.assign(bytes, strnlen(bytes, d->d_size));
        found = true;
      }
      break;
    }
  }
  elf_end(elf);
  if (!found)
    return make_error("the object has no sonde manifest (section .sonde)",
                      "sonde runs objects written by `sonde build`");
  return from_json(text);
}

}  // namespace sonde::manifest
