# BPF-side helpers written in C (compiler/bpf_lib/*.c), compiled to LLVM
# bitcode with clang at build time and embedded in the compiler as byte
# arrays; codegen links them into a script's module when it needs them.
# Included from the top-level CMakeLists.txt after sonde_codegen exists.
find_program(SONDE_BPF_LIB_CLANG NAMES clang-16 clang PATHS /usr/lib/llvm-16/bin REQUIRED)
set(bpf_lib_dir ${CMAKE_SOURCE_DIR}/compiler/bpf_lib)
set(bpf_lib_out ${CMAKE_BINARY_DIR}/bpf_lib)
set(bpf_lib_generated)
foreach(name usdt_arg user_str fd_info)
  set(bc ${bpf_lib_out}/${name}.bc)
  set(cpp ${bpf_lib_out}/${name}_bitcode.cpp)
  add_custom_command(OUTPUT ${bc}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${bpf_lib_out}
    COMMAND ${SONDE_BPF_LIB_CLANG} -target bpf -D__TARGET_ARCH_x86
            -I/usr/include/${CMAKE_LIBRARY_ARCHITECTURE} -O2 -g -mcpu=v3
            -emit-llvm -c ${bpf_lib_dir}/${name}.c -o ${bc}
    DEPENDS ${bpf_lib_dir}/${name}.c VERBATIM)
  add_custom_command(OUTPUT ${cpp}
    COMMAND ${CMAKE_COMMAND} -DINPUT=${bc} -DOUTPUT=${cpp} -DNAME=k_${name}_bitcode
            -P ${bpf_lib_dir}/embed.cmake
    DEPENDS ${bc} ${bpf_lib_dir}/embed.cmake VERBATIM)
  list(APPEND bpf_lib_generated ${cpp})
endforeach()
add_library(sonde_bpf_lib STATIC ${bpf_lib_dir}/bpf_lib.cpp ${bpf_lib_generated})
target_include_directories(sonde_bpf_lib SYSTEM PRIVATE ${LLVM_INCLUDE_DIRS})
target_compile_definitions(sonde_bpf_lib PRIVATE ${LLVM_DEFINITIONS})
target_link_libraries(sonde_bpf_lib PUBLIC sonde_support)  # LLVM: as sonde_codegen
target_link_libraries(sonde_codegen PRIVATE sonde_bpf_lib)
