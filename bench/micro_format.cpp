// Runtime-side micro benchmarks: how many ring-buffer records per second the
// user-space half can turn into text. Formatting is pure (runtime/printf_format.h)
// and the text driver writes to any ostream, so no kernel is involved: this is
// the ceiling the event-throughput case (scripts/bench, case 5) can reach.
#include <benchmark/benchmark.h>

#include <cstring>
#include <sstream>

#include "runtime/output.h"
#include "runtime/printf_format.h"

namespace {

using namespace sonde;

// The record a `printf("%s %d %s\n", comm, pid, str(args->filename))` probe
// sends: u64 event id, comm[16], pid as 8 bytes, filename[64].
struct Record {
  std::vector<manifest::Field> args;
  std::vector<uint8_t> bytes;
};

Record make_record() {
  Record r;
  r.args = {{"0", manifest::FieldKind::String, 8, 16},
            {"1", manifest::FieldKind::Int, 24, 8},
            {"2", manifest::FieldKind::String, 32, 64}};
  r.bytes.assign(96, 0);
  std::memcpy(&r.bytes[8], "php-fpm", 7);
  int64_t pid = 123456;
  std::memcpy(&r.bytes[24], &pid, sizeof pid);
  std::memcpy(&r.bytes[32], "/var/www/html/index.php", 23);
  return r;
}

void BM_FormatPrintfRecord(benchmark::State& state) {
  const Record r = make_record();
  const auto pieces = runtime::parse_format("%s %d %s\n");
  for (auto _ : state) {
    std::string text = runtime::format_printf(pieces, r.args, r.bytes.data(), r.bytes.size());
    benchmark::DoNotOptimize(text.data());
  }
  state.SetItemsProcessed(state.iterations());  // events
}
BENCHMARK(BM_FormatPrintfRecord);

// Format + hand to the text output driver, as the ring-buffer callback does.
void BM_DecodeToTextOutput(benchmark::State& state) {
  const Record r = make_record();
  const auto pieces = runtime::parse_format("%s %d %s\n");
  std::ostringstream out, err;
  auto output = runtime::make_output(runtime::OutputFormat::Text, out, err);
  for (auto _ : state) {
    output->printf_event(pieces, r.args, r.bytes.data(), r.bytes.size());
    if (out.tellp() > (1 << 20)) out.str({});  // keep memory flat
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeToTextOutput);

void BM_ParseFormatString(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(runtime::parse_format("%-16s %6d %s flags=%#x\n"));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseFormatString);

}  // namespace
