#include "daemon/http/http_status.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace kanarya::http {
namespace {

TEST(StatusFromHttp, MapsEachCodeByMeaning) {
  const std::pair<long, absl::StatusCode> cases[] = {// NOLINT(google-runtime-int)
                                                     {400, absl::StatusCode::kInvalidArgument},
                                                     {422, absl::StatusCode::kInvalidArgument},
                                                     {401, absl::StatusCode::kUnauthenticated},
                                                     {403, absl::StatusCode::kPermissionDenied},
                                                     {404, absl::StatusCode::kNotFound},
                                                     {409, absl::StatusCode::kAborted},
                                                     {408, absl::StatusCode::kDeadlineExceeded},
                                                     {504, absl::StatusCode::kDeadlineExceeded},
                                                     {413, absl::StatusCode::kResourceExhausted},
                                                     {429, absl::StatusCode::kResourceExhausted},
                                                     {500, absl::StatusCode::kUnavailable},
                                                     {502, absl::StatusCode::kUnavailable},
                                                     {503, absl::StatusCode::kUnavailable},
                                                     {418, absl::StatusCode::kUnknown},
                                                     {302, absl::StatusCode::kUnknown}};
  for (const auto& [http_status, code] : cases) {
    const absl::Status status = StatusFromHttp("Loki", http_status, "  too slow\n");
    EXPECT_EQ(status.code(), code) << http_status;
    EXPECT_EQ(status.message(), "Loki HTTP " + std::to_string(http_status) + ": too slow");
  }
}

TEST(Utf8Prefix, CutsOnCharacterBoundaries) {
  const std::string text = "r\xC3\xA9sum\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x90\xA6";  // résumé € 🐦
  EXPECT_EQ(Utf8Prefix(text, 1), "r");
  EXPECT_EQ(Utf8Prefix(text, 2), "r");  // the é would need bytes 2 and 3
  EXPECT_EQ(Utf8Prefix(text, 3), "r\xC3\xA9");
  EXPECT_EQ(Utf8Prefix(text, 10), "r\xC3\xA9sum\xC3\xA9");  // the € does not fit whole
  EXPECT_EQ(Utf8Prefix(text, 14), "r\xC3\xA9sum\xC3\xA9 \xE2\x82\xAC");
  EXPECT_EQ(Utf8Prefix(text, 16), "r\xC3\xA9sum\xC3\xA9 \xE2\x82\xAC");  // nor the bird
  EXPECT_EQ(Utf8Prefix(text, 17), text);
}

TEST(Utf8Prefix, ReplacesInvalidBytesSoJsonCanCarryTheText) {
  // A Latin-1 error page, a lone continuation byte, a surrogate, an overlong
  // slash and a sequence cut short.
  const std::string latin1 = "<html>Fehler: Zugriff verweigert f\xFCr Benutzer</html>";
  const std::string broken =
      "a\x80"
      "b\xED\xA0\x80"
      "c\xC0\xAF"
      "d\xE2\x82";
  const std::string kReplacement = "\xEF\xBF\xBD";
  EXPECT_EQ(Utf8Prefix(latin1, 1000),
            "<html>Fehler: Zugriff verweigert f" + kReplacement + "r Benutzer</html>");
  EXPECT_EQ(Utf8Prefix(broken, 1000), "a" + kReplacement + "b" + kReplacement + kReplacement +
                                          kReplacement + "c" + kReplacement + kReplacement + "d" +
                                          kReplacement + kReplacement);
  for (const std::string& text : {latin1, broken}) {
    for (size_t limit = 0; limit <= text.size() + 8; ++limit) {
      const std::string cut = Utf8Prefix(text, limit);
      EXPECT_LE(cut.size(), limit);
      EXPECT_NO_THROW(nlohmann::json(cut).dump()) << limit;
    }
  }
}

}  // namespace
}  // namespace kanarya::http
