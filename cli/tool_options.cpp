#include "cli/tool_options.h"

#include <map>
#include <sstream>

namespace sonde::cli {

namespace {

std::vector<std::string> words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// "$1 $2 -C SPEC probe = """ → a ToolParam; false on a malformed line.
bool parse_declaration(const std::string& line, ToolParam& p) {
  std::vector<std::string> w = words(line);
  size_t i = 0;
  for (; i < w.size() && w[i].size() > 1 && w[i][0] == '$'; ++i) p.slots.push_back(std::atoi(w[i].c_str() + 1));
  if (p.slots.empty() || i >= w.size()) return false;
  for (int slot : p.slots)
    if (slot < 1) return false;
  if (w[i][0] == '-') p.option = w[i++];
  if (i < w.size() && w[i] == "flag") {
    p.flag = !p.option.empty();
    if (i + 1 < w.size()) p.flag_value = w[i + 1];
    return p.flag && i + 2 >= w.size();
  }
  if (i >= w.size()) return false;
  p.name = w[i++];
  if (i < w.size() && w[i] == "probe") p.probe = true, ++i;
  if (i < w.size() && w[i] == "=") {
    p.has_default = true;
    p.default_value = i + 1 < w.size() ? w[i + 1] : "";
    if (p.default_value == "\"\"") p.default_value.clear();
    i += 2;
  }
  return i >= w.size();
}

const ToolParam* find_option(const ToolSpec& spec, const std::string& arg) {
  for (const ToolParam& p : spec.params) {
    if (p.option.empty()) continue;
    if (arg == p.option || (!p.flag && arg.size() > p.option.size() && arg.starts_with(p.option)))
      return &p;
  }
  return nullptr;
}

bool assign(const ToolParam& p, const std::string& value, std::map<int, std::string>& slots,
            std::string& error) {
  if (!p.probe) {
    slots[p.slots[0]] = value;
    return true;
  }
  ProbeSpec probe;  // empty for an unset probe option: the script tests `$N != ""`
  if (!value.empty() && !translate_probe(value, probe, error)) {
    error = (p.option.empty() ? p.name : p.option + " " + p.name) + ": " + error;
    return false;
  }
  slots[p.slots[0]] = probe.attach;
  if (p.slots.size() > 1) slots[p.slots[1]] = probe.value;
  if (p.slots.size() > 2) slots[p.slots[2]] = probe.field;
  return true;
}

bool is_value_part(const std::string& part) {
  if (part == "retval" || part == "$retval") return true;
  return part.size() == 4 && part.starts_with("arg") && part[3] >= '0' && part[3] <= '9';
}

}  // namespace

ToolSpec read_tool_spec(const std::string& text) {
  ToolSpec spec;
  std::istringstream in(text);
  std::string line;
  bool first = true;
  while (std::getline(in, line)) {
    if (first && line.starts_with("#!")) {
      first = false;
      continue;
    }
    first = false;
    if (!line.starts_with("//")) break;
    if (line.starts_with("//!")) {
      ToolParam p;
      if (!parse_declaration(line.substr(3), p)) spec.error = "malformed option line: " + line;
      else spec.params.push_back(p);
      continue;
    }
    std::string body = line.substr(2);
    if (body.starts_with(" ")) body.erase(0, 1);
    spec.usage += body + "\n";
  }
  return spec;
}

bool is_tool_option(const ToolSpec& spec, const std::string& arg) { return find_option(spec, arg) != nullptr; }

bool map_tool_args(const ToolSpec& spec, const std::vector<std::string>& options,
                   const std::vector<std::string>& positional, std::vector<std::string>& params,
                   std::string& error) {
  std::map<int, std::string> slots;
  std::map<const ToolParam*, bool> given;
  for (size_t i = 0; i < options.size(); ++i) {
    const ToolParam* p = find_option(spec, options[i]);
    if (!p) return error = "unknown option '" + options[i] + "'", false;
    given[p] = true;
    if (p->flag) {
      slots[p->slots[0]] = p->flag_value.empty() ? "1" : p->flag_value;
      continue;
    }
    std::string value;
    if (options[i].size() > p->option.size()) value = options[i].substr(p->option.size());
    else if (i + 1 < options.size()) value = options[++i];
    else return error = "option " + p->option + " needs a value (" + p->name + ")", false;
    if (!assign(*p, value, slots, error)) return false;
  }
  size_t next = 0;
  for (const ToolParam& p : spec.params) {
    if (!p.option.empty()) continue;
    if (next < positional.size()) {
      if (!assign(p, positional[next++], slots, error)) return false;
      given[&p] = true;
    }
  }
  if (next < positional.size()) return error = "unexpected argument '" + positional[next] + "'", false;
  for (const ToolParam& p : spec.params) {
    if (given[&p]) continue;
    if (p.flag) {
      if (p.flag_value.empty()) slots[p.slots[0]] = "0";
    } else if (p.has_default) {
      if (slots.count(p.slots[0])) continue;  // another option of the same $N was given
      if (!assign(p, p.default_value, slots, error)) return false;
    } else
      return error = "missing " + (p.option.empty() ? p.name : p.option + " " + p.name), false;
  }
  int highest = slots.empty() ? 0 : slots.rbegin()->first;
  params.assign(static_cast<size_t>(highest), "");
  for (const auto& [slot, value] : slots) params[slot - 1] = value;
  return true;
}

bool translate_probe(const std::string& spec, ProbeSpec& out, std::string& error) {
  std::vector<std::string> parts;
  std::stringstream in(spec);
  for (std::string part; std::getline(in, part, ':');) parts.push_back(part);
  if (spec.ends_with(":")) parts.push_back("");
  out = {};
  if (parts.size() > 2 && is_value_part(parts.back())) {
    out.value = parts.back();
    if (out.value[0] == '$') out.value.erase(0, 1);
    parts.pop_back();
  }
  static const std::map<std::string, std::string> kinds = {
      {"p", "uprobe"},         {"r", "uretprobe"},      {"t", "tracepoint"},  {"u", "usdt"},
      {"uprobe", "uprobe"},    {"uretprobe", "uretprobe"}, {"ur", "uretprobe"}, {"usdt", "usdt"},
      {"U", "usdt"},           {"tracepoint", "tracepoint"}};
  std::string kind = "uprobe";
  auto known = kinds.find(parts[0]);
  if (known != kinds.end() && parts.size() >= 3) {
    kind = known->second;
    parts.erase(parts.begin());
  }
  if (kind == "tracepoint" && parts.size() == 3 && out.value.empty()) {
    out.value = "field";
    out.field = parts.back();
    parts.pop_back();
  }
  if (parts.size() < 2 || parts[0].empty() || parts.back().empty()) {
    error = "'" + spec + "' names no library: kernel functions need kprobes, which this kernel lacks";
    error += "; write LIB:FUNC (c:malloc), t:CAT:NAME or u:LIB:PROBE";
    return false;
  }
  if (kind == "uretprobe" && out.value.empty()) out.value = "retval";
  if (kind == "tracepoint" && out.value.empty()) out.value = "none";
  if (out.value == "retval" && kind != "uretprobe")
    return error = "'" + spec + "': retval needs a return probe: r:LIB:FUNC", false;
  if (out.value.starts_with("arg") && kind != "uprobe" && kind != "usdt")
    return error = "'" + spec + "': " + out.value + " is an argument of uprobes (p:) and USDT probes (u:)", false;
  out.attach = kind;
  for (const std::string& part : parts) out.attach += ":" + part;
  return true;
}

}  // namespace sonde::cli
