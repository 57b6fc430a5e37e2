#include "daemon/http/http_status.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace kanarya::http {
namespace {

constexpr absl::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// The length of the well-formed UTF-8 sequence at the start of `text`, or 0.
size_t SequenceLength(absl::string_view text) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const auto continuation = [&](size_t i) { return i < text.size() && (byte(i) & 0xC0) == 0x80; };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return 1;
  size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;  // allowed range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // no overlong forms
    if (lead == 0xED) high = 0x9F;  // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;  // at most U+10FFFF
  } else {
    return 0;
  }
  if (text.size() < length || byte(1) < low || byte(1) > high) return 0;
  for (size_t i = 2; i < length; ++i) {
    if (!continuation(i)) return 0;
  }
  return length;
}

}  // namespace

std::string Utf8Prefix(absl::string_view text, size_t max_bytes) {
  text = absl::StripAsciiWhitespace(text);
  std::string out;
  while (!text.empty()) {
    const size_t length = SequenceLength(text);
    const absl::string_view piece = length == 0 ? kReplacement : text.substr(0, length);
    if (out.size() + piece.size() > max_bytes) break;
    out.append(piece.data(), piece.size());
    text.remove_prefix(length == 0 ? 1 : length);
  }
  return std::string(absl::StripTrailingAsciiWhitespace(out));
}

absl::StatusCode StatusCodeFromHttp(long http_status) {  // NOLINT(google-runtime-int)
  switch (http_status) {
    case 400:
    case 422:
      return absl::StatusCode::kInvalidArgument;
    case 401:
      return absl::StatusCode::kUnauthenticated;
    case 403:
      return absl::StatusCode::kPermissionDenied;
    case 404:
      return absl::StatusCode::kNotFound;
    case 409:
      return absl::StatusCode::kAborted;
    case 408:
    case 504:
      return absl::StatusCode::kDeadlineExceeded;
    case 413:
    case 429:
      return absl::StatusCode::kResourceExhausted;
    default:
      return http_status >= 500 && http_status < 600 ? absl::StatusCode::kUnavailable
                                                     : absl::StatusCode::kUnknown;
  }
}

absl::Status StatusFromHttp(absl::string_view server, long http_status,  // NOLINT
                            absl::string_view text) {
  return absl::Status(
      StatusCodeFromHttp(http_status),
      absl::StrCat(server, " HTTP ", http_status, ": ", Utf8Prefix(text, kMaxServerMessageBytes)));
}

}  // namespace kanarya::http
