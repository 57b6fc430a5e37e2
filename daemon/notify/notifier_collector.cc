#include "daemon/notify/notifier_collector.h"

#include <cstdint>
#include <utility>

namespace kanarya::notify {
namespace {

prometheus::ClientMetric CounterOf(int64_t value,
                                   std::vector<prometheus::ClientMetric::Label> labels) {
  prometheus::ClientMetric metric;
  metric.label = std::move(labels);
  metric.counter.value = static_cast<double>(value);
  return metric;
}

}  // namespace

std::vector<prometheus::MetricFamily> NotifierCollector::Collect() const {
  const NotifierStats stats = notifier_.stats();
  prometheus::MetricFamily notifications{
      "kanarya_notifications_total",
      "Notifications and hook calls that ended, by outcome: delivered (a 2xx answer), failed "
      "(attempts or time exhausted, or a 4xx answer), dropped (the queue was full, or the daemon "
      "stopped first).",
      prometheus::MetricType::Counter,
      {}};
  for (const auto& [outcome, value] : {std::pair{"delivered", stats.delivered},
                                       {"failed", stats.failed},
                                       {"dropped", stats.dropped}}) {
    notifications.metric.push_back(CounterOf(value, {{"outcome", outcome}}));
  }
  prometheus::MetricFamily attempts{"kanarya_notification_attempts_total",
                                    "Requests sent to notification receivers, retries included.",
                                    prometheus::MetricType::Counter,
                                    {CounterOf(stats.attempts, {})}};
  return {std::move(notifications), std::move(attempts)};
}

}  // namespace kanarya::notify
