// The text tree view of spans and records. A span's record arrives when the
// span closes, after the records emitted inside it and after its nested
// spans, each carrying span ids (fields of unit "span.id", "span.parent",
// "span.of"; see compiler/lower_spans.cpp). RecordTree buffers children
// under their span's id and hands back a whole tree when its root closes,
// so the text reads in call order: a span's line, then what happened
// inside it, indented, then a totals line. Records with no span ids pass
// straight through. Pure bookkeeping over decoded values, unit-tested
// without a kernel.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "manifest/manifest.h"
#include "runtime/output_record.h"

namespace sonde::runtime {

struct RecordNode {
  const manifest::EventSpec* spec = nullptr;  // null: a span that never closed
  std::vector<RecordValue> values;
  uint64_t id = 0;      // a span's own id; 0 for plain records
  uint64_t parent = 0;  // the enclosing span's id; 0 at the top
  uint64_t of = 0;      // a record emitted within span `of`
  std::vector<RecordNode> children;
};

class RecordTree {
 public:
  // Takes one record; returns the trees now complete (usually none, or the
  // one whose root just closed, or the record itself when it has no ids).
  std::vector<RecordNode> add(const manifest::EventSpec& spec, std::vector<RecordValue> values);
  // Everything still buffered (at exit): spans that never closed, as nodes
  // with a null spec holding what was recorded inside them.
  std::vector<RecordNode> drain();
  size_t pending() const { return pending_.size(); }

 private:
  // Children waiting for their span to close, by span id (ordered, so a
  // thread's spans come out in the order they opened).
  std::map<uint64_t, std::vector<RecordNode>> pending_;
  // Spans opened inside `root` that never closed (a PHP fatal error skips
  // the returns) are attached to it as unfinished nodes.
  void adopt_unfinished(RecordNode& root);
};

// The text of one tree: one line per node, indented two spaces per level,
// fields of sibling records of one kind aligned, and under each span that
// has records a totals line per record kind (count, duration and byte sums).
std::string tree_text(const RecordNode& root);

// The text of records as they arrive: plain records as aligned table rows
// (RecordTable), spans and what they contain as trees once the root closes.
class RecordText {
 public:
  std::string add(const manifest::EventSpec& spec, std::vector<RecordValue> values);
  // At exit: what never closed, so nothing recorded is lost.
  std::string finish();

 private:
  RecordTree tree_;
  RecordTable table_;
};

// Whether a field is span bookkeeping (hidden in text, top-level in JSON).
bool is_span_field(const manifest::Field& f);

}  // namespace sonde::runtime
