// `sonde`: the compiler and the runtime in one binary. Resolves what the user
// named (a -e program, a script file, a stdlib name, or a prebuilt object),
// compiles it when it is source, then hands the ELF bytes to the runtime.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/options.h"
#include "cli/stdlib.h"
#include "cli/tool_options.h"
#include "compiler/compile.h"
#include "runtime/runtime.h"

namespace fs = std::filesystem;
using namespace sonde;

namespace {

// -p names where uprobe library names and usdt:* are found: the first one.
pid_t first_pid(const cli::Options& opts) { return opts.run.pids.empty() ? 0 : opts.run.pids[0]; }

bool is_elf(const std::string& bytes) { return bytes.size() >= 4 && bytes.compare(0, 4, "\x7f" "ELF") == 0; }

// A script may start with "#!/usr/bin/env sonde"; blank that line, keep its
// newline so line numbers stay true.
void strip_shebang(std::string& text) {
  if (text.rfind("#!", 0) != 0) return;
  size_t nl = text.find('\n');
  text.replace(0, nl == std::string::npos ? text.size() : nl,
               std::string(nl == std::string::npos ? 0 : 0, ' '));
}

struct Input {
  SourceFile source;
  std::vector<uint8_t> object;  // set instead of source for a prebuilt object
};

bool load_input(const cli::Options& opts, Input& in) {
  if (!opts.program.empty()) {
    in.source = {"-e", opts.program};
    return true;
  }
  std::string path = opts.script;
  if (!fs::exists(path)) {
    std::string found = cli::find_stdlib(path);
    if (found.empty()) {
      std::cerr << "sonde: no script file or stdlib script named '" << path << "'\n"
                << "    hint: stdlib scripts:" << cli::stdlib_names() << "\n";
      return false;
    }
    path = found;
  }
  std::string text, error;
  if (!cli::read_file(path, text, error)) {
    std::cerr << "sonde: " << error << "\n";
    return false;
  }
  if (is_elf(text)) {
    in.object.assign(text.begin(), text.end());
    return true;
  }
  strip_shebang(text);
  in.source = {opts.script, text};
  return true;
}

// sonde's own options that take a value as the next word.
bool takes_value(const std::string& arg) {
  static const char* const kWithValue[] = {"-p", "-c", "-o", "-f", "-d", "-e", "--target", "--strlen", "--dump", "--emit"};
  for (const char* o : kWithValue)
    if (arg == o) return true;
  return false;
}

// `sonde run NAME [ARGS...]`: the script NAME's own options (declared in its
// header, cli/tool_options.h) are taken out of the arguments and mapped to
// positional parameters; sonde's options stay. Returns -1 to go on, else an
// exit status (after --help, or a usage error).
int take_tool_options(std::vector<std::string>& args, cli::ToolSpec& spec, std::vector<std::string>& tool_args) {
  if (args.size() < 3 || args[1] != "run") return -1;
  size_t name = 2;
  while (name < args.size() && args[name].starts_with("-")) name += takes_value(args[name]) ? 2 : 1;
  if (name >= args.size()) return -1;
  std::string path = fs::exists(args[name]) ? args[name] : cli::find_stdlib(args[name]);
  std::string text, error;
  if (path.empty() || !cli::read_file(path, text, error) || is_elf(text)) return -1;
  spec = cli::read_tool_spec(text);
  std::vector<std::string> kept(args.begin(), args.begin() + static_cast<long>(name) + 1);
  for (size_t i = name + 1; i < args.size(); ++i) {
    if (args[i] == "--help" || args[i] == "-h") {
      std::cout << spec.usage;
      return 0;
    }
    if (args[i] == "--") {  // the rest are positional, even when they start with '-'
      kept.insert(kept.end(), args.begin() + static_cast<long>(i), args.end());
      break;
    }
    if (!cli::is_tool_option(spec, args[i])) {
      kept.push_back(args[i]);
      continue;
    }
    tool_args.push_back(args[i]);
    bool needs_value = false;
    for (const auto& p : spec.params)
      if (p.option == args[i] && !p.flag) needs_value = true;
    if (needs_value && i + 1 < args.size()) tool_args.push_back(args[++i]);
  }
  if (!spec.error.empty()) {
    std::cerr << "sonde: " << path << ": " << spec.error << "\n";
    return 1;
  }
  args = std::move(kept);
  return -1;
}

int write_object(const std::string& path, const std::vector<uint8_t>& elf) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(elf.data()), static_cast<std::streamsize>(elf.size()));
  if (!out) {
    std::cerr << "sonde: cannot write '" << path << "'\n";
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  cli::ToolSpec tool;
  std::vector<std::string> tool_args;
  if (int status = take_tool_options(args, tool, tool_args); status >= 0) return status;
  std::vector<char*> arg_ptrs;
  for (std::string& a : args) arg_ptrs.push_back(a.data());
  cli::Options opts;
  if (!cli::parse_options(static_cast<int>(arg_ptrs.size()), arg_ptrs.data(), /*runner=*/false, opts)) return 64;
  if (!tool.params.empty() && opts.command != cli::Command::Help) {
    std::vector<std::string> params;
    std::string error;
    if (!cli::map_tool_args(tool, tool_args, opts.params, params, error)) {
      std::cerr << "sonde: " << opts.script << ": " << error << "\n(run `sonde run " << opts.script
                << " --help` for its options)\n";
      return 64;
    }
    opts.params = std::move(params);
  }
  switch (opts.command) {
    case cli::Command::Help: cli::print_usage(false); return 0;
    case cli::Command::Version:
      std::cout << "sonde " << SONDE_VERSION << " (LLVM " << SONDE_LLVM_VERSION << ")\n";
      return 0;
    case cli::Command::List: return runtime::list_probes(opts.list_pattern, opts.list_verbose, first_pid(opts));
    default: break;
  }

  Input in;
  if (!load_input(opts, in)) return 1;
  if (!in.object.empty()) {
    if (opts.command == cli::Command::Build || opts.command == cli::Command::Check) {
      std::cerr << "sonde: '" << opts.script << "' is already a BPF object\n";
      return 1;
    }
    return runtime::run(in.object, opts.run);
  }

  compiler::CompileOptions copts;
  copts.params = opts.params;
  copts.string_size = opts.string_size;
  copts.string_size_given = opts.string_size_given;
  copts.dump = !opts.emit.empty() ? (opts.emit == "llvm" ? "ir" : opts.emit) : opts.dump;
  copts.check_only = opts.command == cli::Command::Check;
  copts.target_pid = first_pid(opts);  // library names and usdt:* resolve in it
  copts.stdlib_dir = cli::stdlib_module_dir();
  Diagnostics diags;
  auto compiled = compiler::compile(in.source, copts, diags);
  std::cerr << render_all(diags, in.source, isatty(2));
  if (!compiled) {
    if (!diags.has_errors()) {
      std::cerr << "sonde: " << compiled.error().message << "\n";
      if (!compiled.error().hint.empty()) std::cerr << "hint: " << compiled.error().hint << "\n";
    }
    return 1;
  }
  if (opts.command == cli::Command::Check) return 0;
  if (opts.command == cli::Command::Build) return write_object(opts.out_object, compiled->elf);
  return runtime::run(compiled->elf, opts.run);
}
