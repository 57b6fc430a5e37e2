// The notifier's counters on /metrics, read at scrape time:
// kanarya_notifications_total{outcome} (delivered, failed, dropped: every
// notification or hook call queued ends in one of them) and
// kanarya_notification_attempts_total (requests sent, retries included).
// Does not own the notifier; thread-safe.
#ifndef KANARYA_DAEMON_NOTIFY_NOTIFIER_COLLECTOR_H_
#define KANARYA_DAEMON_NOTIFY_NOTIFIER_COLLECTOR_H_

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <vector>

#include "daemon/notify/notifier.h"

namespace kanarya::notify {

class NotifierCollector final : public prometheus::Collectable {
 public:
  explicit NotifierCollector(const Notifier& notifier) : notifier_(notifier) {}

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const Notifier& notifier_;
};

}  // namespace kanarya::notify

#endif  // KANARYA_DAEMON_NOTIFY_NOTIFIER_COLLECTOR_H_
