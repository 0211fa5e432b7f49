// Lowers every expanded attach point of a checked program into its own BPF
// function and describes each in the manifest.
#pragma once
#include <vector>

#include "compiler/check.h"
#include "compiler/codegen/bpf_module.h"
#include "compiler/codegen/plan.h"
#include "manifest/manifest.h"

namespace sonde::compiler::codegen {

struct Globals;

std::vector<manifest::ProbeSpec> lower_programs(BpfModule& module, Plan& plan,
                                                const Globals& globals,
                                                const CheckedProgram& program);

}  // namespace sonde::compiler::codegen
