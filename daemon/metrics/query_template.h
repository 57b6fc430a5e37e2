// A PromQL or LogQL query with {{name}} placeholders, checked when the spec is
// validated and rendered for each scope at query time. Values can never
// inject query syntax: a placeholder inside double quotes ("{{service}}")
// receives the escaped value, a bare placeholder ({{service}}) a complete
// quoted string literal, and duration variables ([{{window}}]) a PromQL
// duration. Placeholders inside backtick raw strings are rejected, as raw
// strings cannot escape anything. Immutable; thread-safe.
#ifndef KANARYA_DAEMON_METRICS_QUERY_TEMPLATE_H_
#define KANARYA_DAEMON_METRICS_QUERY_TEMPLATE_H_

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace kanarya::metrics {

struct TemplateValues {
  std::map<std::string, std::string> strings;       // label values: service, version, ...
  std::map<std::string, absl::Duration> durations;  // window, ...
};

class QueryTemplate {
 public:
  // InvalidArgument naming the placeholder when the text is malformed or uses
  // a variable outside `known_variables`.
  static absl::StatusOr<QueryTemplate> Parse(std::string_view text,
                                             const std::set<std::string>& known_variables);

  // NotFound when a placeholder has no value; InvalidArgument when a duration
  // variable gets a string or the reverse, or a duration is not positive.
  absl::StatusOr<std::string> Render(const TemplateValues& values) const;

  const std::set<std::string>& variables() const { return variables_; }

 private:
  struct Piece {
    std::string text;  // literal text, or the variable's name
    bool is_variable = false;
    bool in_quotes = false;  // inside a "..." string literal
  };
  QueryTemplate() = default;

  std::vector<Piece> pieces_;
  std::set<std::string> variables_;
};

// The value as the inside of a double-quoted PromQL/LogQL string literal.
std::string EscapeStringLiteral(std::string_view value);
// A PromQL duration: "5m", "90s" or "1500ms".
std::string FormatPromDuration(absl::Duration duration);

}  // namespace kanarya::metrics

#endif  // KANARYA_DAEMON_METRICS_QUERY_TEMPLATE_H_
