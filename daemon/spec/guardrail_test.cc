#include "daemon/spec/guardrail.h"

#include <gtest/gtest.h>

#include <cmath>

namespace kanarya::spec {
namespace {

TEST(GuardrailTest, BoundsAreInclusiveAndUnsetBoundsUnchecked) {
  v1::Guardrail none;
  EXPECT_FALSE(BreaksGuardrail(none, 1e9));
  EXPECT_FALSE(BreaksGuardrail(none, NAN));

  v1::Guardrail max_only;
  max_only.set_max(0.05);
  EXPECT_FALSE(BreaksGuardrail(max_only, 0.05));
  EXPECT_TRUE(BreaksGuardrail(max_only, 0.0501));
  EXPECT_FALSE(BreaksGuardrail(max_only, -1e9));

  v1::Guardrail both;
  both.set_min(10);
  both.set_max(20);
  EXPECT_TRUE(BreaksGuardrail(both, 9.99));
  EXPECT_FALSE(BreaksGuardrail(both, 10));
  EXPECT_FALSE(BreaksGuardrail(both, 20));
  EXPECT_TRUE(BreaksGuardrail(both, 20.01));
  EXPECT_TRUE(BreaksGuardrail(both, INFINITY));

  // A min of 0 is a bound (proto3 `optional` tells it from unset).
  v1::Guardrail min_zero;
  min_zero.set_min(0);
  EXPECT_TRUE(BreaksGuardrail(min_zero, -0.5));
  EXPECT_FALSE(BreaksGuardrail(min_zero, 0));
}

TEST(GuardrailTest, NaNBreaksAnyBound) {
  v1::Guardrail max_only;
  max_only.set_max(1);
  EXPECT_TRUE(BreaksGuardrail(max_only, NAN));
}

}  // namespace
}  // namespace kanarya::spec
