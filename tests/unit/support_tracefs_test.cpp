// tracefs: format parsing from text (no kernel), then listing, matching and
// reading real formats (root: kernel tests).
#include "support/tracefs.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>

namespace sonde::tracefs {
namespace {

#define REQUIRE_ROOT()                                                      \
  do {                                                                      \
    if (geteuid() != 0) {                                                   \
      const char* req = std::getenv("SONDE_REQUIRE_BPF");                   \
      if (req && std::string(req) == "1") FAIL() << "needs root (tracefs)"; \
      GTEST_SKIP() << "needs root (tracefs)";                               \
    }                                                                       \
  } while (0)

const char* kOpenatFormat =
    "name: sys_enter_openat\n"
    "ID: 633\n"
    "format:\n"
    "\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
    "\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"
    "\n"
    "\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;\n"
    "\tfield:const char * filename;\toffset:24;\tsize:8;\tsigned:0;\n"
    "\tfield:char comm[16];\toffset:32;\tsize:16;\tsigned:0;\n"
    "\tfield:__data_loc char[] name;\toffset:48;\tsize:4;\tsigned:0;\n"
    "\tfield:unsigned long args[6];\toffset:56;\tsize:48;\tsigned:0;\n"
    "\n"
    "print fmt: \"filename: 0x%08lx\", ((unsigned long)(REC->filename))\n";

TEST(TracefsFormat, ParsesEveryFieldShape) {
  auto f = parse_format("syscalls", "sys_enter_openat", kOpenatFormat);
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_EQ(f->id, 633);
  EXPECT_EQ(f->category, "syscalls");
  ASSERT_EQ(f->fields.size(), 7u);

  const Field& type = f->fields[0];
  EXPECT_EQ(type.name, "common_type");
  EXPECT_EQ(type.c_type, "unsigned short");
  EXPECT_TRUE(type.is_common);
  EXPECT_EQ(type.size, 2u);

  const Field& nr = f->fields[2];
  EXPECT_EQ(nr.name, "__syscall_nr");
  EXPECT_TRUE(nr.is_signed);
  EXPECT_FALSE(nr.is_common);
  EXPECT_EQ(nr.offset, 8u);

  const Field& filename = f->fields[3];
  EXPECT_EQ(filename.name, "filename");
  EXPECT_EQ(filename.c_type, "const char *");
  EXPECT_TRUE(filename.is_pointer);
  EXPECT_EQ(filename.offset, 24u);
  EXPECT_EQ(filename.size, 8u);

  const Field& comm = f->fields[4];
  EXPECT_EQ(comm.name, "comm");
  EXPECT_TRUE(comm.is_char_array);
  EXPECT_FALSE(comm.is_pointer);
  EXPECT_EQ(comm.size, 16u);

  const Field& name = f->fields[5];
  EXPECT_EQ(name.name, "name");
  EXPECT_TRUE(name.is_data_loc);
  EXPECT_FALSE(name.is_char_array);
  EXPECT_EQ(name.size, 4u);

  const Field& args = f->fields[6];
  EXPECT_EQ(args.name, "args");
  EXPECT_EQ(args.c_type, "unsigned long[6]");
  EXPECT_FALSE(args.is_char_array);
}

TEST(TracefsFormat, RejectsTextWithoutFields) {
  EXPECT_FALSE(parse_format("a", "b", "name: b\nID: 1\nformat:\n\nprint fmt: \"\"\n").ok());
  EXPECT_FALSE(parse_format("a", "b", "\tfield:int;\toffset:0;\tsize:4;\tsigned:1;\n").ok());
}

TEST(Tracefs, MountsListsAndMatches) {
  REQUIRE_ROOT();
  ASSERT_TRUE(ensure_mounted().ok());
  auto start = std::chrono::steady_clock::now();
  auto all = list_all();
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(all.ok()) << all.error().message;
  EXPECT_GT(all->size(), 100u);
  EXPECT_TRUE(std::is_sorted(all->begin(), all->end()));
  EXPECT_TRUE(std::binary_search(all->begin(), all->end(), "syscalls:sys_enter_openat"));
  // Listing is on the start-up path.
  EXPECT_LT(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count(), 500);

  auto exact = match("syscalls:sys_enter_openat");
  ASSERT_TRUE(exact.ok());
  EXPECT_EQ(*exact, std::vector<std::string>{"syscalls:sys_enter_openat"});

  auto glob = match("sys*:sys_?xit_read*");
  ASSERT_TRUE(glob.ok());
  EXPECT_TRUE(std::find(glob->begin(), glob->end(), "syscalls:sys_exit_read") != glob->end());
  for (const auto& name : *glob) EXPECT_EQ(name.rfind("sys", 0), 0u) << name;

  auto none = match("nosuchcategory:*");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  EXPECT_FALSE(match("no_colon").ok());
}

TEST(Tracefs, ReadsRealFormats) {
  REQUIRE_ROOT();
  ASSERT_TRUE(ensure_mounted().ok());
  auto f = read_format("sched", "sched_switch");
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_GT(f->id, 0);
  auto it = std::find_if(f->fields.begin(), f->fields.end(), [](const Field& x) { return x.name == "prev_comm"; });
  ASSERT_NE(it, f->fields.end());
  EXPECT_TRUE(it->is_char_array);
  EXPECT_EQ(it->size, 16u);
  EXPECT_FALSE(read_format("sched", "no_such_event").ok());
}

}  // namespace
}  // namespace sonde::tracefs
