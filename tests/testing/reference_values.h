// Test helpers: the committed reference fixtures (generated with R) and a
// comparison that treats NaN and infinities as values.
#ifndef KANARYA_TESTS_TESTING_REFERENCE_VALUES_H_
#define KANARYA_TESTS_TESTING_REFERENCE_VALUES_H_

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace kanarya::testing {

// Parses tests/fixtures/<name>; aborts the test binary if it is missing.
nlohmann::json LoadFixture(const std::string& name);

// A fixture number: JSON numbers, or the strings "NaN", "Infinity", "-Infinity".
double Number(const nlohmann::json& value);
std::vector<double> Numbers(const nlohmann::json& values);

// actual equals expected within relative tolerance (absolute below 1e-300);
// NaN matches NaN and infinities match themselves.
::testing::AssertionResult NearlyEqual(double actual, double expected, double relative = 1e-9);

}  // namespace kanarya::testing

#endif  // KANARYA_TESTS_TESTING_REFERENCE_VALUES_H_
