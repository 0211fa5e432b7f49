// Ring-buffer records → actions. Every record starts with a u64 event id
// indexing manifest.events; the event's kind says what to do with the rest
// (docs/internals.md, "Event records").
#include <cerrno>
#include <cstring>
#include <ctime>

#include "runtime/session.h"

namespace sonde::runtime {

namespace {

// Returned from the ring-buffer callback to stop consuming at an exit record.
constexpr int kStopConsuming = -ECANCELED;

std::string local_time(const std::string& format) {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  char buf[256];
  size_t n = std::strftime(buf, sizeof buf, format.c_str(), &tm);
  return std::string(buf, n);
}

}  // namespace

int Session::on_record(void* ctx, void* data, size_t size) {
  return static_cast<Session*>(ctx)->handle_record(static_cast<const uint8_t*>(data), size);
}

int Session::handle_record(const uint8_t* data, size_t size) {
  if (discarding_ || exited_ || size < sizeof(uint64_t)) return 0;
  uint64_t id;
  std::memcpy(&id, data, sizeof id);
  if (id >= manifest_.events.size()) return 0;  // not ours to decode; skip it
  const manifest::EventSpec& event = manifest_.events[id];
  if (event.kind == "printf") {
    out_.printf_event(formats_[id], event.args, data, size);
  } else if (event.kind == "print") {
    print_map(event.map);
  } else if (event.kind == "clear" || event.kind == "zero") {
    clear_or_zero(event.map, event.kind == "zero");
  } else if (event.kind == "record") {
    out_.record(event, data, size);
  } else if (event.kind == "time") {
    out_.time_text(local_time(event.format));
  } else if (event.kind == "exit") {
    exited_ = true;
    return kStopConsuming;
  }
  return 0;
}

void Session::print_map(int index) {
  if (index < 0 || static_cast<size_t>(index) >= map_fds_.size()) return;
  const manifest::MapSpec& spec = manifest_.maps[index];
  auto raw = read_map(map_fds_[index], spec, ncpus_);
  out_.map(spec, raw ? fold_map(spec, *raw, ncpus_) : MapData{});
}

void Session::clear_or_zero(int index, bool zero) {
  if (index < 0 || static_cast<size_t>(index) >= map_fds_.size()) return;
  const manifest::MapSpec& spec = manifest_.maps[index];
  Status s = zero ? zero_map(map_fds_[index], spec, ncpus_) : clear_map(map_fds_[index], spec);
  (void)s;  // a racing probe re-creating a key is harmless; nothing to report
}

}  // namespace sonde::runtime
