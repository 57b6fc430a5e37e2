// The error policy of every Boost.Math call in analysis/: no exceptions. A
// domain or pole error yields NaN, an overflow +-inf, an underflow 0, and an
// evaluation that fails to converge its best estimate, so user data can
// never raise out of the statistics. Header only.
#ifndef KANARYA_ANALYSIS_MATH_POLICY_H_
#define KANARYA_ANALYSIS_MATH_POLICY_H_

#include <boost/math/policies/policy.hpp>

namespace kanarya::analysis {

using QuietMathPolicy = boost::math::policies::policy<
    boost::math::policies::domain_error<boost::math::policies::ignore_error>,
    boost::math::policies::pole_error<boost::math::policies::ignore_error>,
    boost::math::policies::overflow_error<boost::math::policies::ignore_error>,
    boost::math::policies::underflow_error<boost::math::policies::ignore_error>,
    boost::math::policies::denorm_error<boost::math::policies::ignore_error>,
    boost::math::policies::rounding_error<boost::math::policies::ignore_error>,
    boost::math::policies::evaluation_error<boost::math::policies::ignore_error>,
    boost::math::policies::indeterminate_result_error<boost::math::policies::ignore_error>>;

}  // namespace kanarya::analysis

#endif  // KANARYA_ANALYSIS_MATH_POLICY_H_
