#include "tests/testing/reference_values.h"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <limits>

namespace kanarya::testing {

nlohmann::json LoadFixture(const std::string& name) {
  const std::string path = std::string(KANARYA_FIXTURE_DIR) + "/" + name;
  std::ifstream in(path);
  if (!in) {
    std::cerr << "missing fixture " << path << "\n";
    std::abort();
  }
  return nlohmann::json::parse(in);
}

double Number(const nlohmann::json& value) {
  if (value.is_string()) {
    const std::string text = value.get<std::string>();
    if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
    if (text == "Infinity") return std::numeric_limits<double>::infinity();
    if (text == "-Infinity") return -std::numeric_limits<double>::infinity();
  }
  return value.get<double>();
}

std::vector<double> Numbers(const nlohmann::json& values) {
  std::vector<double> result;
  for (const auto& value : values) result.push_back(Number(value));
  return result;
}

::testing::AssertionResult NearlyEqual(double actual, double expected, double relative) {
  if (std::isnan(expected) && std::isnan(actual)) return ::testing::AssertionSuccess();
  if (std::isinf(expected) && actual == expected) return ::testing::AssertionSuccess();
  const double scale = std::fmax(std::fabs(expected), 1e-300 / relative);
  if (std::fabs(actual - expected) <= relative * scale) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "actual " << actual << " vs expected " << expected << " (relative error "
         << std::fabs(actual - expected) / scale << ")";
}

}  // namespace kanarya::testing
