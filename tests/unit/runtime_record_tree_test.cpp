// The tree view of spans and records: children wait for their span, a
// tree comes out when its root closes, spans that never closed are kept
// (adopted by the root that encloses them, or drained at exit), and the
// text shows nesting, aligned siblings and per-kind totals. No kernel.
#include <gtest/gtest.h>

#include "runtime/record_tree.h"

namespace sonde::runtime {
namespace {

using manifest::Field;
using manifest::FieldKind;

constexpr uint64_t kTid = 42;
uint64_t span_id(uint64_t seq) { return kTid << 32 | seq; }

// Only the field list matters here: values are given decoded.
manifest::EventSpec call_spec() {
  manifest::EventSpec s;
  s.kind = "record";
  s.name = "call";
  s.args = {Field{"depth", FieldKind::Int, 0, 8, ""}, Field{"function", FieldKind::String, 0, 16, ""},
            Field{"duration", FieldKind::Uint, 0, 8, "duration"}, Field{"__id", FieldKind::Uint, 0, 8, "span.id"},
            Field{"__parent", FieldKind::Uint, 0, 8, "span.parent"}};
  return s;
}

manifest::EventSpec io_spec() {
  manifest::EventSpec s;
  s.kind = "record";
  s.name = "io";
  s.args = {Field{"syscall", FieldKind::String, 0, 16, ""}, Field{"bytes", FieldKind::Int, 0, 8, "bytes"},
            Field{"latency", FieldKind::Uint, 0, 8, "duration"}, Field{"__span", FieldKind::Uint, 0, 8, "span.of"}};
  return s;
}

RecordValue num(int64_t n) { return RecordValue{false, n, {}}; }
RecordValue text(std::string s) { return RecordValue{true, 0, std::move(s)}; }

std::vector<RecordValue> call(int depth, const std::string& fn, int64_t ns, uint64_t id, uint64_t parent) {
  return {num(depth), text(fn), num(ns), num(static_cast<int64_t>(id)), num(static_cast<int64_t>(parent))};
}

std::vector<RecordValue> io(const std::string& sc, int64_t bytes, int64_t ns, uint64_t span) {
  return {text(sc), num(bytes), num(ns), num(static_cast<int64_t>(span))};
}

TEST(RuntimeRecordTree, ChildrenWaitForTheirSpanAndComeOutInCallOrder) {
  manifest::EventSpec c = call_spec(), r = io_spec();
  RecordTree tree;
  EXPECT_TRUE(tree.add(r, io("openat", 3, 1500, span_id(1))).empty());
  EXPECT_TRUE(tree.add(r, io("read", 1000, 6400, span_id(2))).empty());
  EXPECT_TRUE(tree.add(c, call(2, "load", 40000, span_id(2), span_id(1))).empty());
  EXPECT_TRUE(tree.add(r, io("close", 0, 900, span_id(1))).empty());
  auto ready = tree.add(c, call(1, "save", 90000, span_id(1), 0));
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(tree.pending(), 0u);
  EXPECT_EQ(tree_text(ready[0]),
            "call  save  duration=90.0us\n"
            "  io  openat  bytes=3  latency=1.50us\n"
            "  call  load  duration=40.0us\n"
            "    io  read  bytes=1000  latency=6.40us\n"
            "    = io: 1 call, bytes 1000, latency 6.40us\n"
            "  io  close   bytes=0   latency=900ns\n"
            "  = io: 2 calls, bytes 3, latency 2.40us\n");
}

TEST(RuntimeRecordTree, NegativeByteCountsAreErrorsNotTotals) {
  manifest::EventSpec c = call_spec(), r = io_spec();
  RecordTree tree;
  tree.add(r, io("read", -11, 100, span_id(1)));
  tree.add(r, io("read", 5, 100, span_id(1)));
  auto ready = tree.add(c, call(1, "f", 1000, span_id(1), 0));
  ASSERT_EQ(ready.size(), 1u);
  std::string t = tree_text(ready[0]);
  EXPECT_NE(t.find("bytes=-EAGAIN"), std::string::npos) << t;
  EXPECT_NE(t.find("= io: 2 calls, bytes 5, latency 200ns"), std::string::npos) << t;
}

TEST(RuntimeRecordTree, PlainRecordsPassStraightThrough) {
  manifest::EventSpec r = io_spec();
  RecordTree tree;
  auto ready = tree.add(r, io("write", 1, 10, 0));
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_TRUE(ready[0].children.empty());
}

// A PHP fatal error: `inner` (seq 3) never returns, the request root
// (seq 1) closes; what `inner` recorded stays under the request.
TEST(RuntimeRecordTree, SpansThatNeverClosedAreAdoptedByTheirRoot) {
  manifest::EventSpec c = call_spec(), r = io_spec();
  RecordTree tree;
  tree.add(r, io("write", 7, 10, span_id(3)));
  auto ready = tree.add(c, call(1, "request", 5000, span_id(1), 0));
  ASSERT_EQ(ready.size(), 1u);
  ASSERT_EQ(ready[0].children.size(), 1u);
  EXPECT_EQ(ready[0].children[0].spec, nullptr);
  EXPECT_EQ(tree.pending(), 0u);
  // Another thread's open span is not adopted.
  tree.add(r, io("write", 7, 10, (kTid + 1) << 32 | 9));
  tree.add(c, call(1, "request", 5000, span_id(4), 0));
  EXPECT_EQ(tree.pending(), 1u);
  auto left = tree.drain();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_NE(tree_text(left[0]).find("io  write  bytes=7"), std::string::npos) << tree_text(left[0]);
}

TEST(RuntimeRecordTree, TextViewPrintsPlainRowsAsATableAndTreesWhole) {
  manifest::EventSpec c = call_spec(), r = io_spec();
  RecordText view;
  EXPECT_EQ(view.add(r, io("write", 1, 10, 0)),
            "# io\nsyscall              bytes   latency\nwrite                    1      10ns\n");
  EXPECT_EQ(view.add(r, io("read", 2, 20, span_id(1))), "");
  EXPECT_EQ(view.add(c, call(1, "f", 100, span_id(1), 0)),
            "call  f  duration=100ns\n  io  read  bytes=2  latency=20ns\n  = io: 1 call, bytes 2, latency 20ns\n");
  EXPECT_EQ(view.add(r, io("open", 3, 30, span_id(2))), "");
  EXPECT_EQ(view.finish(), "(span still open at exit, or left by an error)\n  io  open  bytes=3  latency=30ns\n"
                           "  = io: 1 call, bytes 3, latency 30ns\n");
}

}  // namespace
}  // namespace sonde::runtime
