// kanaryactl check -f SPEC --config=FILE: a dry run of one tick before the
// first rollout. Validates the spec against the providers of kanaryad's
// configuration file, runs every metric's queries for both scopes at
// `tick_end` (each provider's queries in one batch, as the engine does), and
// prints what the analysis would see: every rendered query with its result,
// then each metric's counts or values, "no data", or the provider's error.
// Exit 0 when every metric has data, 1 when one has none or failed, 2 for a
// bad spec (every problem by its field path).
#ifndef KANARYA_CLI_CHECK_COMMAND_H_
#define KANARYA_CLI_CHECK_COMMAND_H_

#include <functional>
#include <map>
#include <ostream>
#include <string>

#include "absl/time/time.h"
#include "daemon/metrics/metric_provider.h"

namespace kanarya::cli {

// `providers`: the configured providers by name; must outlive the call.
int RunCheck(const std::string& spec_document,
             const std::map<std::string, metrics::MetricProvider*>& providers, absl::Time tick_end,
             std::ostream& out, std::ostream& err);

}  // namespace kanarya::cli

#endif  // KANARYA_CLI_CHECK_COMMAND_H_
