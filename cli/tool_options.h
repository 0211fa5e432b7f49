// Options of stdlib tools: `sonde run funccount -i 1 'c:str*'`.
//
// A tool is an ordinary script whose options arrive as positional
// parameters. Its header comment documents it (printed by `sonde run NAME
// --help`) and declares, one per `//!` line, how its options map to them:
//
//   //! $1 PATTERN probe          a positional argument (required: no default)
//   //! $2 -i SECS = 0            an option with a value, default "0"
//   //! $3 -L flag                an option without a value: "1" if given, else "0"
//   //! $1 --flow flag 0ns        an option without a value that puts "0ns" in $1
//                                  when given and leaves $1 alone otherwise
//   //! $4 $5 $6 -C SPEC probe = ""  a probe spec: $4 the attach point, $5 its
//                                  value, $6 its tracepoint field (translate_probe)
//   //! $6 MIN = 0                an optional positional argument
//
// `probe` values are written the way BCC's tools take them and become sonde
// attach points (translate_probe). Options not declared by the tool are
// sonde's own (-p -c -o -f -q -v).
#pragma once
#include <string>
#include <vector>

namespace sonde::cli {

struct ToolParam {
  std::vector<int> slots;     // $N (1-based); a probe may also fill its value and field
  std::string option;         // "-i"; empty for a positional argument
  std::string name;           // SECS, PATTERN: for messages
  bool flag = false;          // takes no value
  std::string flag_value;     // what a flag puts in its $N ("" : "1", or "0" when absent)
  bool probe = false;         // the value is a probe spec
  bool has_default = false;
  std::string default_value;
};

struct ToolSpec {
  std::string usage;  // the header comment, without `//` and `//!` lines
  std::vector<ToolParam> params;
  std::string error;  // a malformed `//!` line (the script's bug, not the user's)
};

// Reads the header comment (the leading `//` lines after any `#!` line).
ToolSpec read_tool_spec(const std::string& script_text);

// True when `arg` is one of the tool's options ("-i", "-i5", "-L").
bool is_tool_option(const ToolSpec& spec, const std::string& arg);

// Maps the tool's arguments (its options, then positional arguments) to
// positional parameters. False with a message naming the bad argument.
bool map_tool_args(const ToolSpec& spec, const std::vector<std::string>& options,
                   const std::vector<std::string>& positional, std::vector<std::string>& params,
                   std::string& error);

// A BCC-style probe spec as a sonde attach point, plus its value part:
//   LIB:FUNC, p:LIB:FUNC  → uprobe:LIB:FUNC      r:LIB:FUNC → uretprobe:LIB:FUNC
//   t:CAT:NAME            → tracepoint:CAT:NAME  u:LIB:NAME → usdt:LIB:NAME
// sonde's own spellings (uprobe:, uretprobe:, usdt:, tracepoint:, U:, ur:)
// pass unchanged. A last part `argN` or `retval` (also `$retval`) is the
// value (a return probe's is `retval` when not given; `retval` needs one,
// argN an entry or USDT probe); a tracepoint's fourth part is a field
// (`t:syscalls:sys_exit_read:ret`: value "field", field "ret"). A bare FUNC
// (a kernel function) is an error: these kernels have no kprobes.
struct ProbeSpec {
  std::string attach;
  std::string value;  // "" (arg0), "arg0".."arg5", "retval", "field", or "none" (a tracepoint without field)
  std::string field;  // with value "field"
};
bool translate_probe(const std::string& spec, ProbeSpec& out, std::string& error);

}  // namespace sonde::cli
