// Runs fn(0) ... fn(n - 1) on up to `max_threads` threads (the caller's
// among them) and returns when every call has returned. For the engine's
// blocking I/O on many independent rollouts at once (router calls of one
// pass, reconciliation at recovery): each is a few round trips to the
// Kubernetes API, so a thousand in a row would take seconds. fn must be safe
// to call concurrently for different indices; n <= 1 or max_threads <= 1
// runs in order on the caller's thread.
#ifndef KANARYA_DAEMON_ENGINE_PARALLEL_FOR_H_
#define KANARYA_DAEMON_ENGINE_PARALLEL_FOR_H_

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <functional>
#include <thread>
#include <vector>

namespace kanarya::engine {

inline void ParallelFor(size_t n, int max_threads, const std::function<void(size_t)>& fn) {
  const size_t threads = std::min(n, static_cast<size_t>(std::max(max_threads, 1)));
  if (threads <= 1) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<size_t> next = 0;
  const auto work = [&] {
    for (size_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) fn(i);
  };
  std::vector<std::thread> helpers;
  helpers.reserve(threads - 1);
  for (size_t t = 1; t < threads; ++t) helpers.emplace_back(work);
  work();
  for (std::thread& helper : helpers) helper.join();
}

}  // namespace kanarya::engine

#endif  // KANARYA_DAEMON_ENGINE_PARALLEL_FOR_H_
