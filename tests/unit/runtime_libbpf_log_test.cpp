// Picking the rejected program and its verifier log out of libbpf's warnings
// (the shape libbpf 1.1 prints when a program fails to load).
#include <gtest/gtest.h>

#include <bpf/libbpf.h>

#include "runtime/libbpf_log.h"

namespace sonde::runtime {
namespace {

std::string numbered_log(int lines) {
  std::string log;
  for (int i = 1; i <= lines; ++i) log += "insn " + std::to_string(i) + "\n";
  return log;
}

std::string warnings_for(const std::string& program, const std::string& log) {
  return "libbpf: prog '" + program + "': BPF program load failed: Permission denied\n"
         "libbpf: prog '" + program + "': -- BEGIN PROG LOAD LOG --\n" + log +
         "-- END PROG LOAD LOG --\n"
         "libbpf: prog '" + program + "': failed to load: -13\n"
         "libbpf: failed to load object 'sonde'\n";
}

TEST(RuntimeLibbpfLog, FindsTheFailedProgram) {
  EXPECT_EQ(failed_program(warnings_for("probe_3_1", "x\n")), "probe_3_1");
  EXPECT_EQ(failed_program("libbpf: map 'm_x': failed to create: Invalid argument(-22)\n"), "");
}

TEST(RuntimeLibbpfLog, KeepsTheLastLinesOfThatProgramsLog) {
  std::string warnings = warnings_for("probe_1_0", numbered_log(30));
  std::string tail = verifier_log_tail(warnings, "probe_1_0", 20);
  EXPECT_EQ(tail.substr(0, tail.find('\n')), "insn 11");
  EXPECT_EQ(tail, numbered_log(30).substr(numbered_log(10).size()));
  EXPECT_EQ(verifier_log_tail(warnings, "probe_1_0", 100), numbered_log(30));
  EXPECT_EQ(verifier_log_tail(warnings, "probe_9_9", 20), "");
}

TEST(RuntimeLibbpfLog, CapturesWarningsThroughTheCallback) {
  LibbpfLogScope scope(/*verbose=*/false);
  take_libbpf_warnings();
  // Opening garbage makes libbpf warn; the text must land in our buffer.
  const char junk[] = "not an elf object";
  bpf_object* obj = bpf_object__open_mem(junk, sizeof junk, nullptr);
  EXPECT_EQ(obj, nullptr);
  EXPECT_NE(take_libbpf_warnings().find("libbpf: "), std::string::npos);
  EXPECT_EQ(take_libbpf_warnings(), "");
}

}  // namespace
}  // namespace sonde::runtime
