# cmake -DINPUT=file.bc -DOUTPUT=file.cpp -DNAME=kSymbol -P embed.cmake
# Writes OUTPUT defining `const unsigned char NAME[]` and `NAME_size` in
# namespace sonde::compiler::bpf_lib, holding INPUT's bytes.
file(READ ${INPUT} hex HEX)
string(LENGTH "${hex}" hex_len)
math(EXPR size "${hex_len} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" bytes "${bytes}")
file(WRITE ${OUTPUT} "// Generated from ${INPUT} by embed.cmake; do not edit.\n#include <cstddef>\nnamespace sonde::compiler::bpf_lib {\nextern const unsigned char ${NAME}[] = {\n${bytes}\n};\nextern const size_t ${NAME}_size = ${size};\n}  // namespace sonde::compiler::bpf_lib\n")
