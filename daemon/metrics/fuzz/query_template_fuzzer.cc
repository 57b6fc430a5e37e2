// libFuzzer target: any template text must parse or be rejected, and a parsed
// template rendered with hostile values must keep every value inside a string
// literal: query syntax in a value is never live.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "daemon/metrics/query_template.h"

namespace {

constexpr std::string_view kMarker = "or vector(1)";

// Whether kMarker occurs outside every string literal of the query.
bool MarkerIsLive(std::string_view query) {
  char quote = 0;
  for (size_t i = 0; i < query.size(); ++i) {
    const char c = query[i];
    if (quote == 0 && query.substr(i, kMarker.size()) == kMarker) return true;
    if (quote == 0 && (c == '"' || c == '`' || c == '\'')) {
      quote = c;
    } else if (quote != 0 && c == quote) {
      quote = 0;
    } else if (quote == '"' && c == '\\') {
      ++i;  // the escaped character
    }
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto parsed =
      kanarya::metrics::QueryTemplate::Parse(text, {"service", "version", "window"});
  if (!parsed.ok()) return 0;
  kanarya::metrics::TemplateValues values;
  values.strings = {{"service", "\"} or vector(1) #"}, {"version", "a\\\" or vector(1) \n"}};
  values.durations = {{"window", absl::Seconds(90)}};
  const auto rendered = parsed->Render(values);
  if (rendered.ok() && MarkerIsLive(*rendered) && !MarkerIsLive(text)) __builtin_trap();
  return 0;
}
