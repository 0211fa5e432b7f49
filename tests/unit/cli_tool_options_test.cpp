// A stdlib tool's option declarations (`//!` lines) and how its arguments
// become positional parameters (cli/tool_options.h); BCC probe specs.
#include <gtest/gtest.h>

#include "cli/tool_options.h"

namespace sonde::cli {
namespace {

const char* kTool =
    "#!/usr/bin/env sonde\n"
    "// demo: a tool.\n"
    "//\n"
    "// Usage: sonde run demo [-i SECS] [-L] PATTERN\n"
    "//! $1 PATTERN probe\n"
    "//! $2 -i SECS = 0\n"
    "//! $3 -L flag\n"
    "//! $4 $5 $7 -C SPEC probe = \"\"\n"
    "//! $6 --min N = -5\n"
    "BEGIN { }\n"
    "// not the header any more\n";

std::vector<std::string> map(const std::vector<std::string>& options, const std::vector<std::string>& positional,
                             std::string* error = nullptr) {
  ToolSpec spec = read_tool_spec(kTool);
  std::vector<std::string> params;
  std::string message;
  if (!map_tool_args(spec, options, positional, params, message)) params = {"ERROR: " + message};
  if (error) *error = message;
  return params;
}

TEST(CliToolOptions, HeaderIsTheUsageWithoutDeclarations) {
  ToolSpec spec = read_tool_spec(kTool);
  EXPECT_EQ(spec.error, "");
  EXPECT_EQ(spec.usage, "demo: a tool.\n\nUsage: sonde run demo [-i SECS] [-L] PATTERN\n");
  ASSERT_EQ(spec.params.size(), 5u);
  EXPECT_EQ(spec.params[3].slots, (std::vector<int>{4, 5, 7}));
  EXPECT_TRUE(spec.params[3].probe);
  EXPECT_TRUE(spec.params[2].flag);
}

TEST(CliToolOptions, OptionsAndDefaultsFillTheirSlots) {
  EXPECT_EQ(map({}, {"c:str*"}), (std::vector<std::string>{"uprobe:c:str*", "0", "0", "", "", "-5", ""}));
  EXPECT_EQ(map({"-i", "2", "-L", "-C", "t:sched:sched_switch:prev_pid", "--min", "7"}, {"r:c:malloc"}),
            (std::vector<std::string>{"uretprobe:c:malloc", "2", "1", "tracepoint:sched:sched_switch", "field", "7",
                                      "prev_pid"}));
  EXPECT_EQ(map({"-i3"}, {"u:/bin/x:tick"}), (std::vector<std::string>{"usdt:/bin/x:tick", "3", "0", "", "", "-5", ""}));
}

// php-io's shape: an optional positional and a flag that fills the same $N.
TEST(CliToolOptions, FlagWithAValueSharesItsSlotWithAnOptionalArgument) {
  ToolSpec spec = read_tool_spec("// x\n//! $1 MIN = \"\"\n//! $1 --flow flag 0ns\nBEGIN { }\n");
  ASSERT_EQ(spec.error, "");
  auto mapped = [&](const std::vector<std::string>& options, const std::vector<std::string>& positional) {
    std::vector<std::string> params;
    std::string error;
    EXPECT_TRUE(map_tool_args(spec, options, positional, params, error)) << error;
    return params;
  };
  EXPECT_EQ(mapped({}, {}), (std::vector<std::string>{""}));
  EXPECT_EQ(mapped({"--flow"}, {}), (std::vector<std::string>{"0ns"}));
  EXPECT_EQ(mapped({}, {"5ms"}), (std::vector<std::string>{"5ms"}));
}

TEST(CliToolOptions, ErrorsNameTheArgument) {
  std::string error;
  map({}, {}, &error);
  EXPECT_EQ(error, "missing PATTERN");
  map({"-i"}, {"c:x"}, &error);
  EXPECT_EQ(error, "option -i needs a value (SECS)");
  map({}, {"c:x", "more"}, &error);
  EXPECT_EQ(error, "unexpected argument 'more'");
  map({}, {"vfs_read"}, &error);
  EXPECT_NE(error.find("PATTERN: 'vfs_read' names no library: kernel functions need kprobes"), std::string::npos)
      << error;
  EXPECT_TRUE(is_tool_option(read_tool_spec(kTool), "-i5"));
  EXPECT_FALSE(is_tool_option(read_tool_spec(kTool), "-L5"));  // a flag takes no value
  EXPECT_FALSE(is_tool_option(read_tool_spec(kTool), "-p"));   // sonde's own
}

TEST(CliToolOptions, MalformedDeclarationIsReported) {
  ToolSpec spec = read_tool_spec("// x\n//! -i SECS\n");
  EXPECT_NE(spec.error.find("malformed option line"), std::string::npos);
}

TEST(CliToolOptions, BccProbeSpecs) {
  struct Case {
    const char* spec;
    const char* attach;
    const char* value;
    const char* field;
  } cases[] = {
      {"c:malloc", "uprobe:c:malloc", "", ""},
      {"p:c:malloc", "uprobe:c:malloc", "", ""},
      {"p:c:malloc:arg1", "uprobe:c:malloc", "arg1", ""},
      {"r:c:malloc", "uretprobe:c:malloc", "retval", ""},
      {"r:c:malloc:$retval", "uretprobe:c:malloc", "retval", ""},
      {"t:syscalls:sys_enter_open*", "tracepoint:syscalls:sys_enter_open*", "none", ""},
      {"t:syscalls:sys_exit_read:ret", "tracepoint:syscalls:sys_exit_read", "field", "ret"},
      {"u:/usr/bin/php8.2:function__entry", "usdt:/usr/bin/php8.2:function__entry", "", ""},
      {"uprobe:/bin/x:f", "uprobe:/bin/x:f", "", ""},
      {"usdt:/bin/x:prov:tick", "usdt:/bin/x:prov:tick", "", ""},
  };
  for (const Case& c : cases) {
    ProbeSpec probe;
    std::string error;
    ASSERT_TRUE(translate_probe(c.spec, probe, error)) << c.spec << ": " << error;
    EXPECT_EQ(probe.attach, c.attach) << c.spec;
    EXPECT_EQ(probe.value, c.value) << c.spec;
    EXPECT_EQ(probe.field, c.field) << c.spec;
  }
  ProbeSpec probe;
  std::string error;
  EXPECT_FALSE(translate_probe("p:c:malloc:retval", probe, error));
  EXPECT_NE(error.find("retval needs a return probe"), std::string::npos) << error;
  EXPECT_FALSE(translate_probe("t:sched:switch:arg0", probe, error));
  EXPECT_FALSE(translate_probe("malloc", probe, error));
}

}  // namespace
}  // namespace sonde::cli
