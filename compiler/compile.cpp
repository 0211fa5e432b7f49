// The pipeline, top to bottom: parse → lower the declarative layer
// (compiler/lower.h) → check → lower to LLVM IR → optimise → emit ELF (the
// last three inside codegen::generate, loaded on first use in the `sonde`
// binary: compiler/backend/backend.h). Each stage can be dumped to stderr
// with `--dump`.
#include "compiler/compile.h"

#include <iostream>

#include "compiler/ast/ast.h"
#include "compiler/backend/backend.h"
#include "compiler/check.h"
#include "compiler/compile_cache.h"
#include "compiler/lower.h"
#include "grammar/parse.h"

namespace sonde::compiler {

namespace {

Error script_errors(const Diagnostics& diags) {
  int n = diags.error_count();
  return make_error(std::to_string(n) + (n == 1 ? " error" : " errors") + " in the script");
}

// `config = { max_strlen = N }` sets the string size, unless --strlen was
// given: the command line wins, as in bpftrace.
void apply_config(const ast::Program& program, CompileOptions& options, Diagnostics& diags) {
  for (const ast::ConfigSetting& c : program.config) {
    if (c.name != "max_strlen") {
      diags.error("E-config", c.range, "unknown config setting `" + c.name + "`", {"the settings are: max_strlen"});
    } else if (c.value < 8 || c.value > 256) {
      diags.error("E-config", c.value_range, "max_strlen must be between 8 and 256");
    } else if (!options.string_size_given) {
      options.string_size = static_cast<uint32_t>(c.value);
    }
  }
}

}  // namespace

Result<CompiledObject> compile(const SourceFile& file, const CompileOptions& given_options,
                               Diagnostics& diags) {
  CompileOptions options = given_options;
  ast::Context context;
  if (!grammar::parse(file, context, diags) || diags.has_errors()) return script_errors(diags);

  LowerOptions lower_options;
  lower_options.stdlib_dir = options.stdlib_dir;
  size_t slash = file.name.rfind('/');
  lower_options.script_dir = slash == std::string::npos ? "." : file.name.substr(0, slash);
  lower_options.parse = grammar::parse;
  lower_options.params = options.params;
  if (!lower_declarative(context, lower_options, diags) || diags.has_errors()) return script_errors(diags);
  apply_config(context.program, options, diags);
  if (diags.has_errors()) return script_errors(diags);

  CheckOptions check_options;
  check_options.params = options.params;
  check_options.string_size = options.string_size;
  check_options.target_pid = options.target_pid;
  std::optional<CheckedProgram> checked = check(context.program, check_options, diags);
  if (!checked || diags.has_errors()) return script_errors(diags);
  if (options.dump == "ast") std::cerr << ast::dump(context.program);
  if (options.check_only) return CompiledObject{};

  // Dumps show LLVM's stages and -p resolves targets inside one process:
  // those always compile.
  bool cacheable = options.dump.empty() && options.target_pid == 0;
  CompileCache cache = cacheable ? CompileCache::from_environment() : CompileCache{};
  std::string key;
  if (cacheable) {
    std::string program = ast::dump(context.program);
    key = "sonde " SONDE_VERSION "\nstrlen " + std::to_string(options.string_size) + "\nparams";
    for (const std::string& p : options.params) key += " " + std::to_string(p.size()) + ":" + p;
    key += "\nsource " + file.name + "\n" + file.text + "\nprogram\n" + program +
           CompileCache::environment_key(program, codegen_module_path());
    if (auto elf = cache.lookup(key))
      if (auto m = manifest::read_from_elf(elf->data(), elf->size())) return CompiledObject{std::move(*elf), std::move(*m)};
  }

  CodegenOptions codegen_options;
  codegen_options.source_name = file.name;
  codegen_options.source_text = file.text;
  codegen_options.dump = options.dump;
  Result<GenerateFn> generate = codegen_backend();
  if (!generate) return generate.error();
  Result<CompiledObject> object = (*generate)(*checked, codegen_options);
  if (object && cacheable) cache.store(key, object->elf);
  if (object && options.dump == "manifest")
    std::cerr << manifest::to_json(object->manifest) << "\n";
  return object;
}

}  // namespace sonde::compiler
