// Record additions to the manifest (EventSpec::name, Field::unit) keep
// format version 1: they round-trip, and a manifest without them still reads.
#include <gtest/gtest.h>

#include "manifest/manifest.h"

namespace sonde::manifest {
namespace {

TEST(ManifestRecord, NameAndUnitsRoundTrip) {
  Manifest m;
  EventSpec e;
  e.kind = "record";
  e.name = "io";
  e.args = {Field{"latency", FieldKind::Uint, 8, 8, "duration"}, Field{"fd", FieldKind::Int, 16, 8, "fd"}};
  m.events.push_back(e);
  auto back = from_json(to_json(m));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->format_version, 1);
  ASSERT_EQ(back->events.size(), 1u);
  EXPECT_EQ(back->events[0].name, "io");
  EXPECT_EQ(back->events[0].args[0].unit, "duration");
  EXPECT_EQ(back->events[0].args[1].unit, "fd");
}

TEST(ManifestRecord, OlderManifestsWithoutTheFieldsStillRead) {
  auto m = from_json(R"({"format_version": 1, "events": [{"kind": "printf", "format": "%d\n",
                         "args": [{"name": "arg0", "kind": "int", "offset": 8, "size": 8}]}]})");
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->events[0].name, "");
  EXPECT_EQ(m->events[0].args[0].unit, "");
}

}  // namespace
}  // namespace sonde::manifest
