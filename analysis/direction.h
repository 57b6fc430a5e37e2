// Which changes of a metric are bad, from its Direction: an increase for
// DIRECTION_INCREASE, a decrease for DIRECTION_DECREASE, both for
// DIRECTION_EITHER. Pure; thread-safe.
#ifndef KANARYA_ANALYSIS_DIRECTION_H_
#define KANARYA_ANALYSIS_DIRECTION_H_

#include "kanarya/v1/metric.pb.h"

namespace kanarya::analysis {

inline bool IncreaseIsBad(v1::Direction direction) {
  return direction == v1::DIRECTION_INCREASE || direction == v1::DIRECTION_EITHER;
}

inline bool DecreaseIsBad(v1::Direction direction) {
  return direction == v1::DIRECTION_DECREASE || direction == v1::DIRECTION_EITHER;
}

}  // namespace kanarya::analysis

#endif  // KANARYA_ANALYSIS_DIRECTION_H_
