// One run of a compiled object, as a symmetric lifecycle:
//   open → configure → load → attach → run BEGIN → poll → detach → run END
//   → print maps → (destructor) close.
// Each step returns a Status and may only be called after the previous one
// succeeded; whatever was acquired is released by RAII members in reverse
// order, so an early failure leaves nothing attached.
#pragma once
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "manifest/manifest.h"
#include "runtime/attach.h"
#include "runtime/bpf_handles.h"
#include "runtime/output.h"
#include "runtime/printf_format.h"

namespace sonde::runtime {

enum class StopReason { Exit, Requested, OutputClosed };

class Session {
 public:
  Session(const std::vector<uint8_t>& elf, Output& out) : elf_(elf), out_(out) {}
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  Status open();                        // manifest, bpf_object__open_mem, map lookups
  Status retarget(const std::vector<std::string>& overrides);  // --target, before attach
  Status configure(const std::vector<pid_t>& pids);  // .rodata sonde_config, before load
  Status load();                        // the verifier; see verifier_detail()
  Status attach();                      // every probe but BEGIN/END; the ring buffer
  Status run_begin();
  // Consumes records until exit(), output failure, or `should_stop` says so
  // (checked every round, at least every 100 ms).
  StopReason poll(const std::function<bool()>& should_stop);
  void detach();
  Status run_end();                     // runs END and consumes its records
  void print_maps();                    // every map, sorted by name
  uint64_t lost_events() const;
  // Maps that refused new keys because they were full, with how many
  // updates the BPF side dropped (counted per map; manifest.h, lost_map).
  struct FullMap {
    std::string name;
    size_t capacity = 0;
    uint64_t dropped = 0;
  };
  std::vector<FullMap> full_maps() const;

  int probe_count() const { return static_cast<int>(manifest_.probes.size()); }
  const manifest::Manifest& manifest() const { return manifest_; }
  // After a failed load: the last lines of the verifier log, if any.
  const std::string& verifier_detail() const { return verifier_detail_; }

 private:
  bool has_user_stacks() const;  // any ustack in a map key or an event
  static int on_record(void* ctx, void* data, size_t size);
  int handle_record(const uint8_t* data, size_t size);  // events.cpp
  void print_map(int index);
  void warn_span_overflow(int index);
  void clear_or_zero(int index, bool zero);
  bpf_program* program_of(const manifest::ProbeSpec& probe) const;
  Status run_kind(const char* kind);
  Error load_error(int err);
  uint64_t loss_counter(uint32_t index) const;  // lost_map[index], 0 if absent
  void warn_losses_so_far();  // during the trace; the totals come at exit

  const std::vector<uint8_t>& elf_;
  Output& out_;
  manifest::Manifest manifest_;
  std::vector<std::vector<FormatPiece>> formats_;  // per event, parsed once
  std::vector<int> map_fds_;                       // per manifest map
  std::vector<size_t> map_capacity_;               // max_entries, per manifest map
  int ncpus_ = 1;
  std::vector<pid_t> pids_;  // -p/-c, from configure(); user-space probes attach to them only
  std::string verifier_detail_;
  bool exited_ = false;      // an exit record arrived
  bool discarding_ = false;  // drop records (after exit, before END)
  uint64_t lost_warned_ = 0;            // lost events last said during the trace
  std::vector<bool> full_warned_;       // per manifest map: said it is full
  // Declared last so they are destroyed first: links and the ring buffer
  // go before the object that owns their programs and maps.
  ObjectPtr object_;
  RingBufferPtr ring_;
  Links links_;
};

}  // namespace sonde::runtime
