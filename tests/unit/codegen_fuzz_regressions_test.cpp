// Replays every input under tests/fuzz/regressions/ through both fuzz
// targets' checks (tests/fuzz/fuzz_checks.h): inputs that once crashed the
// parser, checker or codegen, or broke a stage's contract, plus hand-written
// hostile inputs. A violation aborts the test binary, which ctest reports as
// a failure of that one input (each input is its own test case).
// Run under -DSONDE_SANITIZE=ON (scripts/sanitize) to catch memory errors too.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#define SONDE_FUZZ_WITH_COMPILE
#include "tests/fuzz/fuzz_checks.h"

namespace sonde::fuzz {
namespace {

namespace fs = std::filesystem;

fs::path regressions_dir() { return fs::path(SONDE_SOURCE_DIR) / "tests/fuzz/regressions"; }

std::vector<std::string> regression_names() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(regressions_dir())) {
    std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && name.rfind("README", 0) != 0) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class FuzzRegression : public testing::TestWithParam<std::string> {};

TEST_P(FuzzRegression, ParseCheckAndCompileKeepTheirContracts) {
  std::string bytes = read_bytes(regressions_dir() / GetParam());
  auto data = reinterpret_cast<const uint8_t*>(bytes.data());
  parse_and_check(data, bytes.size());
  compile_to_object(data, bytes.size());
}

INSTANTIATE_TEST_SUITE_P(Inputs, FuzzRegression, testing::ValuesIn(regression_names()),
                         [](const testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& c : name)
                             if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

// The replay must have something to replay, or it would pass vacuously.
TEST(FuzzRegressions, DirectoryIsNotEmpty) { EXPECT_GE(regression_names().size(), 5u); }

}  // namespace
}  // namespace sonde::fuzz
