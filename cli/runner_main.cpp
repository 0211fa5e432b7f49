// `sonde-run`: the runtime alone. Loads an object written by `sonde build` and
// runs it; it links no LLVM or Clang, so it runs where no compiler is.
#include <iostream>

#include "cli/options.h"
#include "runtime/runtime.h"

using namespace sonde;

int main(int argc, char** argv) {
  cli::Options opts;
  if (!cli::parse_options(argc, argv, /*runner=*/true, opts)) return 64;
  if (opts.command == cli::Command::Help) {
    cli::print_usage(true);
    return 0;
  }
  if (opts.command == cli::Command::Version) {
    std::cout << "sonde-run " << SONDE_VERSION << "\n";
    return 0;
  }
  if (opts.command == cli::Command::List) return runtime::list_probes(opts.list_pattern, opts.list_verbose);
  if (!opts.program.empty()) {
    std::cerr << "sonde-run: runs prebuilt objects only; compile with `sonde build` first\n";
    return 64;
  }
  std::string bytes, error;
  if (!cli::read_file(opts.script, bytes, error)) {
    std::cerr << "sonde-run: " << error << "\n";
    return 1;
  }
  if (!opts.params.empty())
    std::cerr << "sonde-run: warning: positional parameters are fixed when the object is built; ignoring them\n";
  return runtime::run(std::vector<uint8_t>(bytes.begin(), bytes.end()), opts.run);
}
