#include "daemon/api/http_health.h"

#include <curl/curl.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace kanarya::api {
namespace {

struct Answer {
  long code = 0;
  std::string body;
};

size_t Append(char* data, size_t size, size_t count, void* body) {
  static_cast<std::string*>(body)->append(data, size * count);
  return size * count;
}

Answer Get(const std::string& url) {
  Answer answer;
  CURL* curl = curl_easy_init();
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &Append);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer.body);
  if (curl_easy_perform(curl) == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &answer.code);
  }
  curl_easy_cleanup(curl);
  return answer;
}

TEST(HttpHealthEndpointTest, HealthzAnswersOkThenStopping) {
  auto endpoint = HttpHealthEndpoint::Start("127.0.0.1:0");
  ASSERT_TRUE(endpoint.ok()) << endpoint.status();
  const std::string url = absl::StrCat("http://127.0.0.1:", (*endpoint)->port(), "/healthz");
  Answer answer = Get(url);
  EXPECT_EQ(answer.code, 200);
  EXPECT_EQ(answer.body, "ok\n");
  (*endpoint)->SetServing(false);
  answer = Get(url);
  EXPECT_EQ(answer.code, 503);
  EXPECT_EQ(answer.body, "stopping\n");
}

TEST(HttpHealthEndpointTest, UnusableAddressIsRefusedNamingTheFlag) {
  auto first = HttpHealthEndpoint::Start("127.0.0.1:0");
  ASSERT_TRUE(first.ok());
  const std::string taken = absl::StrCat("127.0.0.1:", (*first)->port());
  auto second = HttpHealthEndpoint::Start(taken);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().message(),
            absl::StrCat("http_address: cannot listen on \"", taken, "\""));
}

}  // namespace
}  // namespace kanarya::api
