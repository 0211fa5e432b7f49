#include "cli/options.h"
#include "cli/stdlib.h"

#include <getopt.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

namespace sonde::cli {

void print_usage(bool runner) {
  if (runner) {
    std::cerr << "usage: sonde-run [options] OBJECT.bpf.o\n"
                 "Runs a BPF object written by `sonde build`, without a compiler.\n";
  } else {
    std::cerr << "usage: sonde [options] -e 'PROGRAM' [ARGS...]\n"
                 "       sonde [options] SCRIPT.sonde [ARGS...]\n"
                 "       sonde run NAME|SCRIPT|OBJECT.bpf.o [options] [ARGS...]\n"
                 "       sonde run NAME --help   (a stdlib tool's options; docs/toolkit.md)\n"
                 "       sonde build SCRIPT -o OUT.bpf.o [--emit llvm|asm]\n"
                 "       sonde check SCRIPT   |   sonde -e 'PROGRAM' --check\n"
                 "       sonde -l [PATTERN]   |   sonde -lv [PATTERN]\n";
  }
  std::cerr << "\noptions:\n"
               "  -p PID          trace only this process (repeatable: up to 8); end when all have exited\n"
               "  -c 'CMD'        run CMD, trace only it; end when it exits\n"
               "  -o FILE         write output to FILE\n"
               "  -f text|json    output format (json: one object per line)\n"
               "  -q              quiet: no 'Attaching N probes...'\n"
               "  -v              verbose: libbpf's messages too\n"
               "  --target NAME=PATH  attach NAME's uprobes/USDT probes (NAME: provider,\n"
               "                  binary file name or path) to PATH instead (repeatable)\n";
  if (!runner)
    std::cerr << "  -d, --dump STAGE  print a stage: ast, ir, asm, manifest\n"
                 "  --check         parse and check only\n"
                 "  --strlen N      string buffer size in bytes (default 64)\n";
  std::cerr << "  -h, --help      this help\n"
               "  --version       print the version\n";
}

static bool parse_pid(const char* text, pid_t& pid) {
  char* end = nullptr;
  errno = 0;
  long v = strtol(text, &end, 10);
  if (errno || !end || *end || v <= 0) return false;
  pid = static_cast<pid_t>(v);
  return true;
}

static bool usage_error(const std::string& message) {
  std::cerr << "sonde: " << message << "\n(run with --help for usage)\n";
  return false;
}

// The first word picks a subcommand; anything else is the bpftrace-style form.
static Command leading_command(int argc, char** argv, int& first) {
  first = 1;
  if (argc < 2) return Command::Trace;
  std::string word = argv[1];
  first = 2;
  if (word == "run") return Command::Run;
  if (word == "build") return Command::Build;
  if (word == "check") return Command::Check;
  first = 1;
  return Command::Trace;
}

bool parse_options(int argc, char** argv, bool runner, Options& out) {
  int first = 1;
  out.command = runner ? Command::Run : leading_command(argc, argv, first);

  enum { kCheck = 1000, kVersion, kEmit, kStrlen, kTarget };
  static const option long_options[] = {
      {"help", no_argument, nullptr, 'h'},      {"version", no_argument, nullptr, kVersion},
      {"dump", required_argument, nullptr, 'd'}, {"check", no_argument, nullptr, kCheck},
      {"emit", required_argument, nullptr, kEmit}, {"strlen", required_argument, nullptr, kStrlen},
      {"target", required_argument, nullptr, kTarget},
      {nullptr, 0, nullptr, 0}};

  // getopt permutes, so positional parameters may follow the script.
  std::vector<char*> args{argv[0]};
  for (int i = first; i < argc; ++i) args.push_back(argv[i]);
  int n = static_cast<int>(args.size());
  optind = 1;
  opterr = 0;
  int c;
  bool list = false;
  while ((c = getopt_long(n, args.data(), ":e:p:c:o:f:qvl::d:h", long_options, nullptr)) != -1) {
    switch (c) {
      case 'e': out.program = optarg; break;
      case 'p':
      {
        pid_t pid = 0;
        if (!parse_pid(optarg, pid)) return usage_error(std::string("-p needs a process id, got '") + optarg + "'");
        out.run.pids.push_back(pid);
        break;
      }
      case 'c': out.run.command = optarg; break;
      case 'o': (out.command == Command::Build ? out.out_object : out.run.output_path) = optarg; break;
      case 'f':
        if (std::strcmp(optarg, "json") == 0) out.run.format = runtime::OutputFormat::Json;
        else if (std::strcmp(optarg, "text") == 0) out.run.format = runtime::OutputFormat::Text;
        else return usage_error(std::string("unknown output format '") + optarg + "' (use text or json)");
        break;
      case 'q': out.run.quiet = true; break;
      case 'v':
        if (list) out.list_verbose = true;
        else out.run.verbose = true;
        break;
      case 'l':
        list = true;
        if (optarg && std::strcmp(optarg, "v") == 0) out.list_verbose = true;
        else if (optarg) out.list_pattern = optarg;
        break;
      case 'd': out.dump = optarg; break;
      case 'h': out.command = Command::Help; return true;
      case kVersion: out.command = Command::Version; return true;
      case kCheck: out.command = Command::Check; break;
      case kEmit: out.emit = optarg; break;
      case kTarget: out.run.target_overrides.push_back(optarg); break;
      case kStrlen: {
        long v = strtol(optarg, nullptr, 10);
        if (v < 8 || v > 256) return usage_error("--strlen must be between 8 and 256");
        out.string_size = static_cast<uint32_t>(v);
        out.string_size_given = true;
        break;
      }
      case ':': return usage_error(std::string("option -") + char(optopt) + " needs a value");
      default: return usage_error(std::string("unknown option '") + args[optind - 1] + "'");
    }
  }
  std::vector<std::string> rest(args.begin() + optind, args.end());
  if (list) {
    out.command = Command::List;
    if (!rest.empty()) out.list_pattern = rest[0];
    return true;
  }
  if (!out.run.pids.empty() && !out.run.command.empty()) return usage_error("-p and -c cannot be combined");
  if (out.program.empty()) {
    if (rest.empty()) {
      if (out.command == Command::Trace) {
        out.command = Command::Help;
        return true;
      }
      if (out.command == Command::Run && !runner)
        return usage_error("no script given: sonde run NAME [ARGS...]; stdlib scripts:" + stdlib_names());
      return usage_error("no script given");
    }
    out.script = rest[0];
    rest.erase(rest.begin());
  }
  out.params = rest;
  if (out.command == Command::Build && out.out_object.empty())
    return usage_error("build needs an output file: -o OUT.bpf.o");
  return true;
}

bool read_file(const std::string& path, std::string& out, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot read '" + path + "': " + std::strerror(errno);
    return false;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

}  // namespace sonde::cli
