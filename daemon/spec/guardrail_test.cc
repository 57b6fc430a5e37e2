#include "daemon/spec/guardrail.h"

#include <gtest/gtest.h>

#include <cmath>

namespace kanarya::spec {
namespace {

TEST(GuardrailTest, BoundsAreInclusiveAndUnsetBoundsUnchecked) {
  v1::Guardrail none;
  EXPECT_FALSE(BreaksGuardrail(none, 1e9, std::nullopt));
  EXPECT_FALSE(BreaksGuardrail(none, NAN, std::nullopt));

  v1::Guardrail max_only;
  max_only.set_max(0.05);
  EXPECT_FALSE(BreaksGuardrail(max_only, 0.05, std::nullopt));
  EXPECT_TRUE(BreaksGuardrail(max_only, 0.0501, std::nullopt));
  EXPECT_FALSE(BreaksGuardrail(max_only, -1e9, std::nullopt));

  v1::Guardrail both;
  both.set_min(10);
  both.set_max(20);
  EXPECT_TRUE(BreaksGuardrail(both, 9.99, std::nullopt));
  EXPECT_FALSE(BreaksGuardrail(both, 10, std::nullopt));
  EXPECT_FALSE(BreaksGuardrail(both, 20, std::nullopt));
  EXPECT_TRUE(BreaksGuardrail(both, 20.01, std::nullopt));
  EXPECT_TRUE(BreaksGuardrail(both, INFINITY, std::nullopt));

  // A min of 0 is a bound (proto3 `optional` tells it from unset).
  v1::Guardrail min_zero;
  min_zero.set_min(0);
  EXPECT_TRUE(BreaksGuardrail(min_zero, -0.5, std::nullopt));
  EXPECT_FALSE(BreaksGuardrail(min_zero, 0, std::nullopt));
}

TEST(GuardrailTest, NaNBreaksAnyBound) {
  v1::Guardrail max_only;
  max_only.set_max(1);
  EXPECT_TRUE(BreaksGuardrail(max_only, NAN, std::nullopt));
}

TEST(GuardrailTest, ACountTickWithTooFewRequestsIsNotJudged) {
  v1::Guardrail errors;
  errors.set_max(0.05);
  errors.set_min_requests(100);
  // One error in 20 requests is 5 %: not judged, whatever the ratio.
  EXPECT_FALSE(BreaksGuardrail(errors, 0.5, 20));
  EXPECT_FALSE(BreaksGuardrail(errors, 0.5, 99));
  EXPECT_TRUE(BreaksGuardrail(errors, 0.06, 100));
  EXPECT_FALSE(BreaksGuardrail(errors, 0.05, 1000));
  // A continuous metric's value has no request count: always judged.
  EXPECT_TRUE(BreaksGuardrail(errors, 0.5, std::nullopt));
}

}  // namespace
}  // namespace kanarya::spec
