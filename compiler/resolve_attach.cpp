// Attach-point resolution. Each probe provider is one row of a table: its
// canonical name, its short aliases and the function that validates its
// parts. Short forms (t:, u:, i: ...) are canonicalised here even if the
// parser already did it, so hand-built ASTs behave the same.
//
// Decisions (bpftrace 0.17 is the reference):
//  * interval takes s/ms/us/hz units; profile takes hz (→ frequency) and
//    s/ms/us (→ period_ns, frequency 0).
//  * uprobe and usdt: see resolve_user.cpp (paths, library names, -p,
//    wildcards over symbols and stapsdt notes).
//  * kprobe/kretprobe/software/hardware are recognised but unsupported.
#include "compiler/resolve_attach.h"

#include <algorithm>
#include <charconv>

#include "compiler/builtins.h"

namespace sonde::compiler {
namespace {

using Resolver = std::vector<ResolvedAttach> (*)(const ast::AttachPoint&, TracepointCatalog&,
                                                Diagnostics&);

struct ProviderKind {
  std::string name;
  std::vector<std::string> aliases;
  Resolver resolve;  // null: recognised but unsupported
};

bool parse_u64(const std::string& text, uint64_t& out) {
  int base = 10;
  std::string_view digits = text;
  if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X'))
    base = 16, digits.remove_prefix(2);
  if (digits.empty()) return false;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out, base);
  return ec == std::errc() && ptr == digits.data() + digits.size();
}

std::string join_parts(const std::string& provider, const std::vector<std::string>& parts) {
  std::string out = provider;
  for (const auto& p : parts) out += ":" + p;
  return out;
}

ResolvedAttach base(const ast::AttachPoint& ap, const std::string& kind) {
  ResolvedAttach r;
  r.kind = kind;
  r.source = &ap;
  r.probe_name = join_parts(kind, ap.parts);
  return r;
}

std::vector<ResolvedAttach> shape_error(const ast::AttachPoint& ap, Diagnostics& diags,
                                        const std::string& what, const std::string& example) {
  diags.error("E-attach", ap.range, "invalid attach point `" + ap.text + "`: " + what,
              {"write it like `" + example + "`"});
  return {};
}

std::vector<ResolvedAttach> resolve_begin_end(const ast::AttachPoint& ap, TracepointCatalog&,
                                              Diagnostics& diags) {
  if (!ap.parts.empty())
    return shape_error(ap, diags, ap.provider + " takes no arguments", ap.provider);
  return {base(ap, ap.provider)};
}

// "s:1" → nanoseconds per event; hz gives the rate instead.
bool timed_period(const ast::AttachPoint& ap, uint64_t& period_ns, uint64_t& hz) {
  if (ap.parts.size() != 2) return false;
  uint64_t n = 0;
  if (!parse_u64(ap.parts[1], n) || n == 0) return false;
  const std::string& unit = ap.parts[0];
  period_ns = hz = 0;
  if (unit == "s") period_ns = n * 1000000000ull;
  else if (unit == "ms") period_ns = n * 1000000ull;
  else if (unit == "us") period_ns = n * 1000ull;
  else if (unit == "hz") hz = n;
  else return false;
  return true;
}

std::vector<ResolvedAttach> resolve_interval(const ast::AttachPoint& ap, TracepointCatalog&,
                                             Diagnostics& diags) {
  uint64_t period = 0, hz = 0;
  if (!timed_period(ap, period, hz))
    return shape_error(ap, diags, "expected a unit (s, ms, us, hz) and a positive count", "interval:s:1");
  ResolvedAttach r = base(ap, "interval");
  r.period_ns = hz ? 1000000000ull / hz : period;
  if (r.period_ns == 0) return shape_error(ap, diags, "the rate is too high", "interval:ms:1");
  return {r};
}

std::vector<ResolvedAttach> resolve_profile(const ast::AttachPoint& ap, TracepointCatalog&,
                                            Diagnostics& diags) {
  uint64_t period = 0, hz = 0;
  if (!timed_period(ap, period, hz))
    return shape_error(ap, diags, "expected a unit (hz, s, ms, us) and a positive count", "profile:hz:99");
  ResolvedAttach r = base(ap, "profile");
  r.frequency = hz;
  r.period_ns = period;
  return {r};
}

// ------------------------------------------------------------- tracepoints

void report_missing_tracepoint(const ast::AttachPoint& ap, const std::string& pattern,
                               TracepointCatalog& catalog, Diagnostics& diags) {
  bool wildcard = pattern.find_first_of("*?[") != std::string::npos;
  std::vector<std::string> hints;
  if (!wildcard) {
    std::string near = closest_match(pattern, catalog.all());
    if (!near.empty()) hints.push_back("did you mean `tracepoint:" + near + "`?");
  }
  hints.push_back("list tracepoints with `sonde -l 'tracepoint:*'`");
  diags.error("E-no-tracepoint", ap.range,
              wildcard ? "no tracepoint matches `tracepoint:" + pattern + "`"
                       : "tracepoint `tracepoint:" + pattern + "` does not exist",
              hints);
}

std::vector<ResolvedAttach> resolve_tracepoint(const ast::AttachPoint& ap, TracepointCatalog& catalog,
                                               Diagnostics& diags) {
  if (ap.parts.size() != 2 || ap.parts[0].empty() || ap.parts[1].empty())
    return shape_error(ap, diags, "expected a category and a name", "tracepoint:syscalls:sys_enter_openat");
  if (!catalog.available(ap, diags)) return {};
  std::string pattern = ap.parts[0] + ":" + ap.parts[1];
  auto matched = tracefs::match(pattern);
  if (!matched.ok()) {
    diags.error("E-tracefs", ap.range, matched.error().message, {matched.error().hint});
    return {};
  }
  if (matched->empty()) {
    report_missing_tracepoint(ap, pattern, catalog, diags);
    return {};
  }
  std::vector<ResolvedAttach> out;
  for (const auto& full : *matched) {
    size_t colon = full.find(':');
    auto format = tracefs::read_format(full.substr(0, colon), full.substr(colon + 1));
    if (!format.ok()) {
      diags.error("E-tracefs", ap.range, format.error().message, {format.error().hint});
      continue;
    }
    ResolvedAttach r = base(ap, "tracepoint");
    r.target = full;
    r.probe_name = "tracepoint:" + full;
    r.fields = std::move(format->fields);
    out.push_back(std::move(r));
  }
  return out;
}

// rawtracepoint:sys_enter / sys_exit (BPF_PROG_TYPE_RAW_TRACEPOINT): what
// `syscall:` probes lower to. Only the raw_syscalls pair, whose context the
// __syscall_* builtins know how to read.
std::vector<ResolvedAttach> resolve_rawtracepoint(const ast::AttachPoint& ap, TracepointCatalog&,
                                                  Diagnostics& diags) {
  if (ap.parts.size() != 1 || (ap.parts[0] != "sys_enter" && ap.parts[0] != "sys_exit"))
    return shape_error(ap, diags, "only sys_enter and sys_exit are supported", "rawtracepoint:sys_enter");
  ResolvedAttach r = base(ap, "rawtracepoint");
  r.target = ap.parts[0];
  return {r};
}

const std::vector<ProviderKind>& providers() {
  static const std::vector<ProviderKind> table = {
      {"BEGIN", {}, resolve_begin_end},
      {"END", {}, resolve_begin_end},
      {"tracepoint", {"t"}, resolve_tracepoint},
      {"interval", {"i"}, resolve_interval},
      {"profile", {"p"}, resolve_profile},
      {"uprobe", {"u"}, resolve_uprobe},
      {"uretprobe", {"ur"}, resolve_uprobe},
      {"usdt", {"U"}, resolve_usdt},
      {"rawtracepoint", {}, resolve_rawtracepoint},
      {"kprobe", {"k"}, nullptr},
      {"kretprobe", {"kr"}, nullptr},
      {"software", {"s"}, nullptr},
      {"hardware", {"h"}, nullptr},
  };
  return table;
}

const ProviderKind* find_provider(const std::string& name) {
  for (const auto& p : providers()) {
    if (p.name == name) return &p;
    if (std::find(p.aliases.begin(), p.aliases.end(), name) != p.aliases.end()) return &p;
  }
  return nullptr;
}

}  // namespace

bool TracepointCatalog::available(const ast::AttachPoint& ap, Diagnostics& diags) {
  if (!mounted_) {
    Status st = tracefs::ensure_mounted();
    mounted_ = st.ok();
    if (!st.ok()) diags.error("E-tracefs", ap.range, st.error().message, {st.error().hint});
  }
  return *mounted_;
}

const std::vector<std::string>& TracepointCatalog::all() {
  if (!all_) {
    auto listed = tracefs::list_all();
    all_ = listed.ok() ? std::move(*listed) : std::vector<std::string>{};
  }
  return *all_;
}

const elf::Image* TracepointCatalog::image(const std::string& path, Error& error) {
  auto& slot = images_[path];
  if (!slot) slot = std::make_shared<Result<elf::Image>>(elf::Image::open(path));
  if (!*slot) {
    error = slot->error();
    return nullptr;
  }
  return &slot->value();
}

std::vector<ResolvedAttach> resolve_attach(const ast::AttachPoint& ap, TracepointCatalog& catalog,
                                           Diagnostics& diags) {
  const ProviderKind* kind = find_provider(ap.provider);
  if (!kind) {
    std::vector<std::string> names;
    for (const auto& p : providers()) names.push_back(p.name);
    std::string near = closest_match(ap.provider, names);
    std::vector<std::string> hints;
    if (!near.empty()) hints.push_back("did you mean `" + near + "`?");
    diags.error("E-unknown-probe", ap.range, "unknown probe type `" + ap.provider + "`", hints);
    return {};
  }
  if (!kind->resolve) {
    std::vector<std::string> hints;
    if (kind->name == "kprobe" || kind->name == "kretprobe")
      hints.push_back("this kernel has no kprobes; trace syscalls with tracepoint:syscalls:* instead");
    diags.error("E-unsupported-probe", ap.range, kind->name + " probes are not supported by sonde yet",
                hints);
    return {};
  }
  ast::AttachPoint canonical = ap;
  canonical.provider = kind->name;
  auto resolved = kind->resolve(canonical, catalog, diags);
  for (auto& r : resolved) r.source = &ap;  // not the local copy
  return resolved;
}

}  // namespace sonde::compiler
