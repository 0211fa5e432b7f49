// One BPF program per expanded attach point: its name, its ELF section (how
// libbpf infers the program type), its prologue and body.
#include "compiler/codegen/programs.h"

#include <linux/bpf.h>

#include "compiler/codegen/lowering.h"

namespace sonde::compiler::codegen {

namespace {

// libbpf derives the program type from the section name.
std::string section_for(const ResolvedAttach& attach) {
  const std::string& kind = attach.kind;
  if (kind == "tracepoint") {
    std::string target = attach.target;
    for (char& c : target)
      if (c == ':') c = '/';
    return "tracepoint/" + target;
  }
  if (kind == "BEGIN" || kind == "END") return "raw_tp";  // run via BPF_PROG_TEST_RUN
  // The runtime attaches it itself (bpf_program__attach_raw_tracepoint).
  if (kind == "rawtracepoint") return "raw_tp/" + attach.target;
  if (kind == "interval" || kind == "profile") return "perf_event";
  // User-space programs are sleepable (".s"): str() may then fault in a
  // page the traced program never touched (compiler/bpf_lib/user_str.c).
  // usdt attaches as uprobes at the notes' addresses (libbpf's USDT support).
  if (kind == "uretprobe") return "uretprobe.s";
  return "uprobe.s";
}

bool filters_by_pid(const std::string& kind) {
  return kind != "BEGIN" && kind != "END" && kind != "interval";
}

}  // namespace

// `if (target_pid && tgid != target_pid && tgid != more_pids[0] && ...) return 0;`
// The pids are patched into .rodata by the runtime, so they are read with
// volatile loads; unused more_pids slots repeat target_pid.
void Lowering::pid_filter() {
  auto load_pid = [&](uint32_t offset) {
    llvm::Value* pid = b_.CreateLoad(b_.getInt32Ty(), byte_offset(globals_.config, offset),
                                     /*isVolatile=*/true);
    return b_.CreateZExt(pid, b_.getInt64Ty());
  };
  llvm::Value* wanted = load_pid(kConfigTargetPid);
  llvm::Value* tgid = b_.CreateLShr(current_pid_tgid(), 32);
  llvm::Value* not_first = b_.CreateAnd(b_.CreateICmpNE(wanted, b_.getInt64(0)), b_.CreateICmpNE(tgid, wanted));
  // The other pids are read only off the common paths (no -p, or the first pid).
  when(not_first, [&] {
    llvm::Value* other = b_.getTrue();
    for (uint32_t i = 0; i < kConfigMorePidCount; ++i)
      other = b_.CreateAnd(other, b_.CreateICmpNE(tgid, load_pid(kConfigMorePids + 4 * i)));
    when(other, [&] { return_zero(); });
  });
}

void Lowering::lower() {
  locate(probe_.range);
  if (globals_.scratch) acquire_scratch();
  if (filters_by_pid(attach_.kind)) pid_filter();
  if (probe_.predicate) {
    locate(probe_.predicate->range);
    llvm::Value* pass = truth(*probe_.predicate);
    when(b_.CreateNot(pass), [&] { return_zero(); });
  }
  if (probe_.body) block(*probe_.body);
  locate(probe_.range);
  b_.CreateRet(b_.getInt32(0));
}

std::vector<manifest::ProbeSpec> lower_programs(BpfModule& module, Plan& plan,
                                                const Globals& globals,
                                                const CheckedProgram& program) {
  std::vector<manifest::ProbeSpec> specs;
  for (const ProbeInfo& info : program.probes) {
    const ast::Probe& probe = *info.probe;
    for (size_t i = 0; i < info.attach.size(); ++i) {
      const ResolvedAttach& attach = info.attach[i];
      manifest::ProbeSpec spec;
      spec.program = "probe_" + std::to_string(probe.index) + "_" + std::to_string(i);
      spec.kind = attach.kind;
      spec.target = attach.target;
      spec.name = attach.name;
      spec.offset = attach.offset;
      spec.period_ns = attach.period_ns;
      spec.frequency = attach.frequency;
      spec.text = attach.source ? attach.source->text : attach.probe_name;
      spec.line = probe.range.begin.line;

      llvm::Function* fn = module.define_program(spec.program, section_for(attach), spec.line);
      Lowering(module, plan, globals, program, probe, attach, fn).lower();
      specs.push_back(std::move(spec));
    }
  }
  return specs;
}

}  // namespace sonde::compiler::codegen
