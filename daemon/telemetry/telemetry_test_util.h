// Test support for the telemetry tests: a GET over loopback with curl, and
// the value of one sample in a Prometheus text scrape.
#ifndef KANARYA_DAEMON_TELEMETRY_TELEMETRY_TEST_UTIL_H_
#define KANARYA_DAEMON_TELEMETRY_TELEMETRY_TEST_UTIL_H_

#include <curl/curl.h>

#include <limits>
#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"

namespace kanarya::telemetry {

struct HttpAnswer {
  long code = 0;
  std::string body;
};

inline size_t AppendBody(char* data, size_t size, size_t count, void* body) {
  static_cast<std::string*>(body)->append(data, size * count);
  return size * count;
}

inline HttpAnswer HttpGet(const std::string& url) {
  HttpAnswer answer;
  CURL* curl = curl_easy_init();
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &AppendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer.body);
  if (curl_easy_perform(curl) == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &answer.code);
  }
  curl_easy_cleanup(curl);
  return answer;
}

// The value of `series` (name with its labels as exposed, e.g.
// `kanarya_rollouts{phase="failed"}`) in `scrape`; NaN when absent.
inline double SampleValue(const std::string& scrape, const std::string& series) {
  std::istringstream lines(scrape);
  for (std::string line; std::getline(lines, line);) {
    if (!absl::StartsWith(line, series + " ")) continue;
    double value = 0;
    if (absl::SimpleAtod(line.substr(series.size() + 1), &value)) return value;
  }
  return std::numeric_limits<double>::quiet_NaN();
}

}  // namespace kanarya::telemetry

#endif  // KANARYA_DAEMON_TELEMETRY_TELEMETRY_TEST_UTIL_H_
