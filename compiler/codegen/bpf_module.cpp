// Object-level pieces of codegen. Why each looks the way it does:
//  * libbpf >= 1.0 only accepts BTF-defined maps, and LLVM's BPF backend only
//    produces BTF from DWARF metadata. So every map is a zeroed global in
//    `.maps` whose debug type is a struct with `type`/`max_entries` encoded as
//    pointers to int arrays (the array length is the value) and `key`/`value`
//    as pointers to their layouts.
//  * A program's DISubprogram must name its parameter, or the kernel rejects
//    the whole BTF (and libbpf silently drops it).
//  * The DIFile carries the script text as its source, so BTF line info (and
//    verifier logs) show script lines.
#include "compiler/codegen/bpf_module.h"

#include <llvm/Analysis/CGSCCPassManager.h>
#include <llvm/Analysis/LoopAnalysisManager.h>
#include <llvm/IR/DiagnosticInfo.h>
#include <llvm/IR/DiagnosticPrinter.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/Verifier.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/Target/TargetOptions.h>
#include <llvm/Transforms/Utils/Cloning.h>
#include <llvm/Transforms/Utils/ModuleUtils.h>

#include <mutex>
#include <optional>

namespace sonde::compiler::codegen {

namespace {

constexpr const char* kTriple = "bpfel";
constexpr const char* kCpu = "v3";

// LLVM's default handler exits the process on an error diagnostic (the BPF
// backend reports an oversized stack that way); collect them instead.
class CollectErrors : public llvm::DiagnosticHandler {
 public:
  explicit CollectErrors(std::vector<std::string>& errors) : errors_(errors) {}
  bool handleDiagnostics(const llvm::DiagnosticInfo& info) override {
    if (info.getSeverity() != llvm::DS_Error) return true;
    std::string text;
    llvm::raw_string_ostream out(text);
    llvm::DiagnosticPrinterRawOStream printer(out);
    info.print(printer);
    errors_.push_back(out.str());
    return true;
  }

 private:
  std::vector<std::string>& errors_;
};

void initialise_bpf_target() {
  static std::once_flag once;
  std::call_once(once, [] {
    LLVMInitializeBPFTargetInfo();
    LLVMInitializeBPFTarget();
    LLVMInitializeBPFTargetMC();
    LLVMInitializeBPFAsmPrinter();
  });
}

}  // namespace

BpfModule::BpfModule(const std::string& source_name, const std::string& source_text)
    : context_(std::make_unique<llvm::LLVMContext>()),
      module_(std::make_unique<llvm::Module>("sonde", *context_)) {
  context_->setDiagnosticHandler(std::make_unique<CollectErrors>(errors_));
  module_->setTargetTriple(kTriple);
  module_->addModuleFlag(llvm::Module::Warning, "Debug Info Version", llvm::DEBUG_METADATA_VERSION);
  module_->addModuleFlag(llvm::Module::Warning, "Dwarf Version", 4);
  di_ = std::make_unique<llvm::DIBuilder>(*module_);
  file_ = di_->createFile(source_name, ".", std::nullopt, llvm::StringRef(source_text));
  unit_ = di_->createCompileUnit(llvm::dwarf::DW_LANG_C, file_, "sonde " SONDE_VERSION,
                                 /*isOptimized=*/true, "", 0);
}

BpfModule::~BpfModule() = default;

llvm::DIType* BpfModule::debug_int(uint32_t bytes, bool is_signed) {
  // C's own names, so C generated from our BTF (bpftool gen skeleton) compiles.
  static const char* const kSigned[] = {"", "signed char", "short", "", "int", "", "", "", "long long"};
  static const char* const kUnsigned[] = {"", "unsigned char", "unsigned short", "", "unsigned int",
                                          "", "", "", "unsigned long long"};
  const char* name = (is_signed ? kSigned : kUnsigned)[bytes <= 8 ? bytes : 8];
  return di_->createBasicType(
      name, bytes * 8, is_signed ? llvm::dwarf::DW_ATE_signed : llvm::dwarf::DW_ATE_unsigned);
}

llvm::DIType* BpfModule::debug_layout(const std::string& name, uint32_t size,
                                      const std::vector<DebugField>& fields) {
  llvm::DIType* chr = di_->createBasicType("char", 8, llvm::dwarf::DW_ATE_signed_char);
  std::vector<llvm::Metadata*> members;
  for (const DebugField& f : fields) {
    llvm::DIType* type = nullptr;
    if (f.is_string) {
      llvm::Metadata* range = di_->getOrCreateSubrange(0, f.size);
      type = di_->createArrayType(f.size * 8, 8, chr, di_->getOrCreateArray({range}));
    } else {
      type = debug_int(f.size, f.is_signed);
    }
    members.push_back(di_->createMemberType(unit_, f.name, file_, 0, f.size * 8, 8, f.offset * 8,
                                            llvm::DINode::FlagZero, type));
  }
  return di_->createStructType(unit_, name, file_, 0, size * 8, 64, llvm::DINode::FlagZero, nullptr,
                               di_->getOrCreateArray(members));
}

llvm::GlobalVariable* BpfModule::define_map(const std::string& name, uint32_t map_type,
                                            uint32_t max_entries, llvm::DIType* key,
                                            llvm::DIType* value) {
  llvm::DIType* int_type = di_->createBasicType("int", 32, llvm::dwarf::DW_ATE_signed);
  // `int (*member)[n]`: libbpf reads n from the array's length.
  auto int_array_pointer = [&](uint32_t n) {
    llvm::Metadata* range = di_->getOrCreateSubrange(0, n);
    llvm::DIType* array =
        di_->createArrayType(uint64_t(n) * 32, 32, int_type, di_->getOrCreateArray({range}));
    return di_->createPointerType(array, 64);
  };
  struct Member {
    const char* name;
    llvm::DIType* type;
  };
  std::vector<Member> parts = {{"type", int_array_pointer(map_type)},
                               {"max_entries", int_array_pointer(max_entries)}};
  if (key) parts.push_back({"key", di_->createPointerType(key, 64)});
  if (value) parts.push_back({"value", di_->createPointerType(value, 64)});

  std::vector<llvm::Metadata*> members;
  for (size_t i = 0; i < parts.size(); ++i)
    members.push_back(di_->createMemberType(unit_, parts[i].name, file_, 0, 64, 64, i * 64,
                                            llvm::DINode::FlagZero, parts[i].type));
  llvm::DIType* def =
      di_->createStructType(unit_, "", file_, 0, parts.size() * 64, 64, llvm::DINode::FlagZero,
                            nullptr, di_->getOrCreateArray(members));

  auto* ptr = llvm::PointerType::get(*context_, 0);
  auto* type = llvm::StructType::get(*context_, std::vector<llvm::Type*>(parts.size(), ptr));
  auto* gv = new llvm::GlobalVariable(*module_, type, false, llvm::GlobalValue::ExternalLinkage,
                                      llvm::ConstantAggregateZero::get(type), name);
  gv->setSection(".maps");
  gv->setAlignment(llvm::Align(8));
  gv->setDSOLocal(true);
  gv->addDebugInfo(di_->createGlobalVariableExpression(unit_, name, name, file_, 0, def, false));
  return gv;
}

llvm::GlobalVariable* BpfModule::define_config() {
  // struct { u32 target_pid; u32 pad; u64 start_ns; u32 more_pids[7]; u32 pad2; }:
  // see kConfig* offsets.
  auto* i32 = llvm::Type::getInt32Ty(*context_);
  auto* i64 = llvm::Type::getInt64Ty(*context_);
  auto* more = llvm::ArrayType::get(i32, kConfigMorePidCount);
  auto* type = llvm::StructType::create(*context_, {i32, i32, i64, more, i32}, "sonde_config_t");
  auto* gv = new llvm::GlobalVariable(*module_, type, /*isConstant=*/true,
                                      llvm::GlobalValue::ExternalLinkage,
                                      llvm::ConstantAggregateZero::get(type), "sonde_config");
  gv->setSection(".rodata");
  gv->setAlignment(llvm::Align(8));
  gv->setDSOLocal(true);
  // Anonymous in BTF, so `bpftool gen skeleton` writes the struct inline
  // instead of expecting a header of ours.
  std::vector<DebugField> fields{{"target_pid", kConfigTargetPid, 4, false, false},
                                 {"pad", 4, 4, false, false},
                                 {"start_ns", kConfigStartNs, 8, false, false}};
  for (uint32_t i = 0; i < kConfigMorePidCount; ++i)
    fields.push_back({"more_pid" + std::to_string(i), kConfigMorePids + 4 * i, 4, false, false});
  fields.push_back({"pad2", kConfigMorePids + 4 * kConfigMorePidCount, 4, false, false});
  llvm::DIType* layout = debug_layout("", kConfigMorePids + 4 * (kConfigMorePidCount + 1), fields);
  llvm::DIType* constant = di_->createQualifiedType(llvm::dwarf::DW_TAG_const_type, layout);
  gv->addDebugInfo(di_->createGlobalVariableExpression(unit_, "sonde_config", "sonde_config", file_,
                                                       0, constant, false));
  kept_.push_back(gv);
  return gv;
}

void BpfModule::define_license() {
  auto* init = llvm::ConstantDataArray::getString(*context_, "GPL");
  auto* gv = new llvm::GlobalVariable(*module_, init->getType(), true,
                                      llvm::GlobalValue::ExternalLinkage, init, "_license");
  gv->setSection("license");
  gv->setAlignment(llvm::Align(1));
}

void BpfModule::define_manifest_section(const std::string& json) {
  auto* init = llvm::ConstantDataArray::getString(*context_, json);
  auto* gv = new llvm::GlobalVariable(*module_, init->getType(), true,
                                      llvm::GlobalValue::PrivateLinkage, init, "sonde_manifest");
  gv->setSection(".sonde");
  gv->setAlignment(llvm::Align(1));
  kept_.push_back(gv);
}

llvm::Function* BpfModule::define_program(const std::string& name, const std::string& section,
                                          int line) {
  auto* ptr = llvm::PointerType::get(*context_, 0);
  auto* type = llvm::FunctionType::get(llvm::Type::getInt32Ty(*context_), {ptr}, false);
  auto* fn = llvm::Function::Create(type, llvm::GlobalValue::ExternalLinkage, name, *module_);
  fn->setSection(section);
  fn->addFnAttr(llvm::Attribute::NoUnwind);
  fn->setDSOLocal(true);
  fn->getArg(0)->setName("ctx");

  llvm::DIType* int_type = di_->createBasicType("int", 32, llvm::dwarf::DW_ATE_signed);
  llvm::DIType* void_ptr = di_->createPointerType(nullptr, 64);
  auto* sig = di_->createSubroutineType(di_->getOrCreateTypeArray({int_type, void_ptr}));
  llvm::DISubprogram* sp = di_->createFunction(
      file_, name, name, file_, line, sig, line, llvm::DINode::FlagPrototyped,
      llvm::DISubprogram::SPFlagDefinition | llvm::DISubprogram::SPFlagOptimized);
  fn->setSubprogram(sp);

  auto* entry = llvm::BasicBlock::Create(*context_, "entry", fn);
  llvm::DILocalVariable* ctx_var =
      di_->createParameterVariable(sp, "ctx", 1, file_, line, void_ptr, /*AlwaysPreserve=*/true);
  di_->insertDbgValueIntrinsic(fn->getArg(0), ctx_var, di_->createExpression(),
                               llvm::DILocation::get(*context_, line, 0, sp), entry);
  return fn;
}

Result<std::vector<uint8_t>> BpfModule::emit(const std::string& dump) {
  initialise_bpf_target();
  if (!kept_.empty()) llvm::appendToCompilerUsed(*module_, kept_);
  di_->finalize();

  std::string problems;
  llvm::raw_string_ostream problem_stream(problems);
  if (llvm::verifyModule(*module_, &problem_stream))
    return make_error("internal error: codegen produced invalid LLVM IR: " + problems);

  std::string error;
  const llvm::Target* target = llvm::TargetRegistry::lookupTarget(kTriple, error);
  if (!target) return make_error("LLVM has no BPF target: " + error);
  std::unique_ptr<llvm::TargetMachine> machine(
      target->createTargetMachine(kTriple, kCpu, "", llvm::TargetOptions(), llvm::Reloc::PIC_,
                                  std::nullopt, llvm::CodeGenOpt::Aggressive));
  module_->setDataLayout(machine->createDataLayout());

  {
    // The TargetMachine registers the BPF backend's own IR passes (which
    // keep the verifier happy) into the PassBuilder's pipelines.
    llvm::LoopAnalysisManager lam;
    llvm::FunctionAnalysisManager fam;
    llvm::CGSCCAnalysisManager cgam;
    llvm::ModuleAnalysisManager mam;
    llvm::PassBuilder builder(machine.get());
    builder.registerModuleAnalyses(mam);
    builder.registerCGSCCAnalyses(cgam);
    builder.registerFunctionAnalyses(fam);
    builder.registerLoopAnalyses(lam);
    builder.crossRegisterProxies(lam, fam, cgam, mam);
    builder.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O2).run(*module_, mam);
  }
  if (dump == "ir") module_->print(llvm::errs(), nullptr);

  if (dump == "asm") {
    std::unique_ptr<llvm::Module> copy = llvm::CloneModule(*module_);
    llvm::SmallString<0> text;
    llvm::raw_svector_ostream out(text);
    llvm::legacy::PassManager pm;
    if (machine->addPassesToEmitFile(pm, out, nullptr, llvm::CGFT_AssemblyFile))
      return make_error("LLVM cannot emit BPF assembly");
    pm.run(*copy);
    llvm::errs() << text;
  }

  llvm::SmallString<0> object;
  llvm::raw_svector_ostream out(object);
  llvm::legacy::PassManager pm;
  if (machine->addPassesToEmitFile(pm, out, nullptr, llvm::CGFT_ObjectFile))
    return make_error("LLVM cannot emit a BPF object");
  pm.run(*module_);
  if (!errors_.empty()) {
    return make_error("cannot compile the script to BPF: " + errors_[0],
                      stack_exceeded()
                          ? "a probe uses too many strings at once for the BPF stack and scratch "
                            "space; split it, or lower --strlen"
                          : "");
  }
  return std::vector<uint8_t>(object.begin(), object.end());
}

bool BpfModule::stack_exceeded() const {
  for (const std::string& e : errors_)
    if (e.find("stack limit") != std::string::npos) return true;
  return false;
}

}  // namespace sonde::compiler::codegen
