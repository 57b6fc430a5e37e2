#include "analysis/normal.h"

#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <limits>

#include "analysis/math_policy.h"

namespace kanarya::analysis {
namespace {

const boost::math::normal_distribution<double, QuietMathPolicy> kStandardNormal;

}  // namespace

double NormalCdf(double z) { return boost::math::cdf(kStandardNormal, z); }

double NormalUpperTail(double z) {
  return boost::math::cdf(boost::math::complement(kStandardNormal, z));
}

double NormalQuantile(double p) {
  if (std::isnan(p) || p < 0.0 || p > 1.0) return std::numeric_limits<double>::quiet_NaN();
  if (p == 0.0) return -std::numeric_limits<double>::infinity();
  if (p == 1.0) return std::numeric_limits<double>::infinity();
  return boost::math::quantile(kStandardNormal, p);
}

}  // namespace kanarya::analysis
