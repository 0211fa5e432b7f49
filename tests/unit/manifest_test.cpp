// The manifest is the AOT format: it must round-trip and refuse what is newer.
#include "manifest/manifest.h"

#include <gtest/gtest.h>

namespace sonde::manifest {
namespace {

TEST(Manifest, RoundTripsThroughJson) {
  Manifest m;
  m.sonde_version = "9.9";
  m.probes.push_back({"probe_0_0", "tracepoint", "syscalls:sys_enter_getpid", "", 0, 0, 0, "t:syscalls:sys_enter_getpid", 3});
  MapSpec map;
  map.name = "@x";
  map.kind = "hist";
  map.bucket_in_key = true;
  map.key.push_back({"0", FieldKind::String, 0, 16});
  m.maps.push_back(map);
  auto back = from_json(to_json(m));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->probes.at(0).target, "syscalls:sys_enter_getpid");
  EXPECT_EQ(back->probes.at(0).line, 3);
  EXPECT_EQ(back->maps.at(0).key.at(0).kind, FieldKind::String);
  EXPECT_TRUE(back->maps.at(0).bucket_in_key);
}

TEST(Manifest, RefusesANewerFormatWithAHint) {
  auto r = from_json(R"({"format_version": 99})");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("version 99"), std::string::npos);
  EXPECT_FALSE(r.error().hint.empty());
}

TEST(Manifest, RejectsGarbage) {
  EXPECT_FALSE(from_json("{not json").ok());
  EXPECT_FALSE(from_json("[1, 2]").ok());
  const char not_elf[] = "hello";
  EXPECT_FALSE(read_from_elf(not_elf, sizeof not_elf).ok());
}

}  // namespace
}  // namespace sonde::manifest
