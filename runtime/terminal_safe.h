// Traced strings are bytes a traced process chose. Printed raw, they can
// drive the user's terminal (retitle it, clear it, remap keys: ESC, CSI as
// 0x9b, OSC ...). terminal_safe() makes such bytes visible instead: the text
// driver applies it to traced data only (printf %s arguments, string map
// keys and values, record fields, the tree view), never to a script's own
// format string, so `printf("\x1b[31m%s\x1b[0m\n", str(...))` still colours.
// JSON output does its own escaping and does not use this.
#pragma once
#include <string>
#include <string_view>

namespace sonde::runtime {

// Keeps printable ASCII, '\n', '\t' and valid UTF-8 of printable code points;
// writes every other byte as `\xNN` (lower-case hex): C0 controls including
// ESC, DEL, the C1 controls U+0080..U+009F (their UTF-8 encodings, byte by
// byte), and any byte of invalid UTF-8 (bad lead, truncated or overlong
// sequences, surrogates, code points past U+10FFFF). A backslash is kept as
// is: the output is for eyes, not for parsing back.
std::string terminal_safe(std::string_view traced);

}  // namespace sonde::runtime
