// The tree view of spans and records (see record_tree.h).
#include "runtime/record_tree.h"

#include <algorithm>

namespace sonde::runtime {

namespace {

constexpr uint64_t kTidShift = 32;  // span ids are tid << 32 | sequence

uint64_t span_field(const manifest::EventSpec& spec, const std::vector<RecordValue>& values,
                    const char* unit) {
  for (size_t i = 0; i < spec.args.size() && i < values.size(); ++i)
    if (spec.args[i].unit == unit) return static_cast<uint64_t>(values[i].number);
  return 0;
}

bool is_span(const RecordNode& n) { return n.id != 0 || !n.spec; }

// Fields shown on a node's line: not the ids, and not a span's depth, which
// the indentation already shows.
bool shown(const RecordNode& n, const manifest::Field& f) {
  return !is_span_field(f) && !(n.id != 0 && f.name == "depth");
}

std::string cell(const manifest::Field& f, const RecordValue& v) {
  if (v.is_string) return v.text.empty() ? "-" : v.text;
  return f.name + "=" + record_value_text(f, v);
}

// Cell widths per record kind and field among one node's children.
using Widths = std::map<std::string, std::vector<size_t>>;

Widths sibling_widths(const std::vector<RecordNode>& nodes) {
  Widths widths;
  for (const RecordNode& n : nodes) {
    if (!n.spec) continue;
    auto& w = widths[n.spec->name];
    w.resize(std::max(w.size(), n.spec->args.size()), 0);
    for (size_t i = 0; i < n.spec->args.size() && i < n.values.size(); ++i)
      if (shown(n, n.spec->args[i])) w[i] = std::max(w[i], cell(n.spec->args[i], n.values[i]).size());
  }
  return widths;
}

std::string line(const RecordNode& n, const std::vector<size_t>& widths) {
  if (!n.spec) return "(span still open at exit, or left by an error)";
  std::string out = n.spec->name;
  std::vector<size_t> cols;
  for (size_t i = 0; i < n.spec->args.size() && i < n.values.size(); ++i)
    if (shown(n, n.spec->args[i])) cols.push_back(i);
  for (size_t k = 0; k < cols.size(); ++k) {
    size_t i = cols[k];
    std::string c = cell(n.spec->args[i], n.values[i]);
    bool last = k + 1 == cols.size();
    bool numeric = !n.values[i].is_string;
    size_t width = i < widths.size() ? widths[i] : 0;
    if (!last && c.size() < width) c = numeric ? std::string(width - c.size(), ' ') + c : c + std::string(width - c.size(), ' ');
    else if (last && numeric && c.size() < width) c = std::string(width - c.size(), ' ') + c;
    out += "  " + c;
  }
  return out;
}

// "net: 3 calls, latency 250us, in 1200, out 95": per record kind among the
// direct children, the count and the sums of duration fields and of the
// positive values of bytes fields (a negative byte count is an error).
std::vector<std::string> totals(const std::vector<RecordNode>& children) {
  struct Sum {
    const manifest::EventSpec* spec;
    uint64_t count = 0;
    std::vector<int64_t> sums;
  };
  std::vector<Sum> kinds;
  for (const RecordNode& n : children) {
    if (is_span(n)) continue;
    auto it = std::find_if(kinds.begin(), kinds.end(), [&](const Sum& s) { return s.spec->name == n.spec->name; });
    if (it == kinds.end()) it = kinds.insert(kinds.end(), Sum{n.spec, 0, std::vector<int64_t>(n.spec->args.size(), 0)});
    ++it->count;
    for (size_t i = 0; i < it->sums.size() && i < n.values.size(); ++i) {
      const manifest::Field& f = it->spec->args[i];
      int64_t v = n.values[i].number;
      if (f.unit == "duration" || (f.unit == "bytes" && v > 0)) it->sums[i] += v;
    }
  }
  std::vector<std::string> lines;
  for (const Sum& s : kinds) {
    std::string text = s.spec->name + ": " + std::to_string(s.count) + (s.count == 1 ? " call" : " calls");
    for (size_t i = 0; i < s.sums.size(); ++i) {
      const manifest::Field& f = s.spec->args[i];
      if (f.unit != "duration" && f.unit != "bytes") continue;
      text += ", " + f.name + " " + record_value_text(f, RecordValue{false, s.sums[i], {}});
    }
    lines.push_back(text);
  }
  return lines;
}

void render(const RecordNode& n, const std::vector<size_t>& widths, int level, std::string& out) {
  std::string indent(2 * level, ' ');
  out += indent + line(n, widths) + "\n";
  if (n.children.empty()) return;
  Widths child_widths = sibling_widths(n.children);
  for (const RecordNode& c : n.children)
    render(c, c.spec ? child_widths[c.spec->name] : std::vector<size_t>{}, level + 1, out);
  for (const std::string& t : totals(n.children)) out += indent + "  = " + t + "\n";
}

}  // namespace

bool is_span_field(const manifest::Field& f) { return f.unit.rfind("span.", 0) == 0; }

std::vector<RecordNode> RecordTree::add(const manifest::EventSpec& spec, std::vector<RecordValue> values) {
  RecordNode node;
  node.spec = &spec;
  node.id = span_field(spec, values, "span.id");
  node.parent = span_field(spec, values, "span.parent");
  node.of = span_field(spec, values, "span.of");
  node.values = std::move(values);
  if (node.of != 0) {
    pending_[node.of].push_back(std::move(node));
    return {};
  }
  if (node.id != 0) {
    if (auto it = pending_.find(node.id); it != pending_.end()) {
      node.children = std::move(it->second);
      pending_.erase(it);
    }
    if (node.parent != 0) {
      pending_[node.parent].push_back(std::move(node));
      return {};
    }
    adopt_unfinished(node);
  }
  std::vector<RecordNode> ready;
  ready.push_back(std::move(node));
  return ready;
}

// Ids of one thread grow with each open, so the spans opened inside `root`
// on its thread have larger ids; any still pending when it closes will
// never close.
void RecordTree::adopt_unfinished(RecordNode& root) {
  uint64_t tid = root.id >> kTidShift;
  for (auto it = pending_.upper_bound(root.id); it != pending_.end() && (it->first >> kTidShift) == tid;) {
    RecordNode lost;
    lost.id = it->first;
    lost.children = std::move(it->second);
    root.children.push_back(std::move(lost));
    it = pending_.erase(it);
  }
}

std::vector<RecordNode> RecordTree::drain() {
  std::vector<RecordNode> out;
  for (auto& [id, children] : pending_) {
    RecordNode open;
    open.id = id;
    open.children = std::move(children);
    out.push_back(std::move(open));
  }
  pending_.clear();
  return out;
}

std::string tree_text(const RecordNode& root) {
  std::string out;
  render(root, {}, 0, out);
  return out;
}

std::string RecordText::add(const manifest::EventSpec& spec, std::vector<RecordValue> values) {
  std::string out;
  for (const RecordNode& n : tree_.add(spec, std::move(values))) {
    if (n.id == 0 && n.children.empty()) {
      out += table_.row(*n.spec, n.values);
    } else {
      out += tree_text(n);
      table_ = RecordTable{};  // the next plain row starts with its header again
    }
  }
  return out;
}

std::string RecordText::finish() {
  std::string out;
  for (const RecordNode& n : tree_.drain()) out += tree_text(n);
  return out;
}

}  // namespace sonde::runtime
