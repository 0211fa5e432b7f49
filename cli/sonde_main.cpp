// `sonde`: the compiler and the runtime in one binary. Resolves what the user
// named (a -e program, a script file, a stdlib name, or a prebuilt object),
// compiles it when it is source, then hands the ELF bytes to the runtime.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/options.h"
#include "compiler/compile.h"
#include "runtime/runtime.h"

namespace fs = std::filesystem;
using namespace sonde;

namespace {

// -p names where uprobe library names and usdt:* are found: the first one.
pid_t first_pid(const cli::Options& opts) { return opts.run.pids.empty() ? 0 : opts.run.pids[0]; }

bool is_elf(const std::string& bytes) { return bytes.size() >= 4 && bytes.compare(0, 4, "\x7f" "ELF") == 0; }

// Where stdlib scripts live: next to an installed binary, else the source tree.
std::vector<fs::path> stdlib_dirs() {
  std::vector<fs::path> dirs;
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) dirs.push_back(exe.parent_path().parent_path() / "share/sonde/stdlib");
  dirs.push_back(SONDE_STDLIB_DIR);
  return dirs;
}

std::string find_stdlib(const std::string& name) {
  for (const auto& dir : stdlib_dirs()) {
    fs::path p = dir / (name + ".sonde");
    if (fs::exists(p)) return p.string();
  }
  return {};
}

std::string stdlib_names() {
  std::string names;
  for (const auto& dir : stdlib_dirs()) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec))
      if (entry.path().extension() == ".sonde") names += " " + entry.path().stem().string();
    if (!names.empty()) break;
  }
  return names;
}

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
    std::string found = find_stdlib(path);
    if (found.empty()) {
      std::cerr << "sonde: no script file or stdlib script named '" << path << "'\n"
                << "    hint: stdlib scripts:" << stdlib_names() << "\n";
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
  cli::Options opts;
  if (!cli::parse_options(argc, argv, /*runner=*/false, opts)) return 64;
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
  copts.dump = !opts.emit.empty() ? (opts.emit == "llvm" ? "ir" : opts.emit) : opts.dump;
  copts.check_only = opts.command == cli::Command::Check;
  copts.target_pid = first_pid(opts);  // library names and usdt:* resolve in it
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
