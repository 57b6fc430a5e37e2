#include "daemon/api/auth/token_file.h"

#include <algorithm>
#include <map>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "daemon/api/auth/role_bindings.h"

namespace kanarya::auth {
namespace {

constexpr size_t kMinColumns = 3;
constexpr size_t kMaxColumns = 4;

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

// One CSV line split into fields, RFC 4180 quoting with leading blanks of a
// field skipped (Kubernetes reads the file with Go's encoding/csv and
// TrimLeadingSpace). A reason on failure, never the line's text: it holds
// a token.
absl::StatusOr<std::vector<std::string>> SplitCsvLine(absl::string_view line) {
  std::vector<std::string> fields;
  size_t i = 0;
  while (true) {
    while (i < line.size() && IsBlank(line[i])) ++i;
    std::string field;
    if (i < line.size() && line[i] == '"') {
      ++i;
      bool closed = false;
      while (i < line.size()) {
        if (line[i] != '"') {
          field += line[i++];
        } else if (i + 1 < line.size() && line[i + 1] == '"') {  // "" is a quote
          field += '"';
          i += 2;
        } else {
          ++i;
          closed = true;
          break;
        }
      }
      if (!closed) {
        return absl::InvalidArgumentError(
            absl::StrCat("column ", fields.size() + 1,
                         ": a quote is not closed (a quoted field cannot span lines)"));
      }
      if (i < line.size() && line[i] != ',') {
        return absl::InvalidArgumentError(absl::StrCat(
            "column ", fields.size() + 1, ": text follows a closing quote before the comma"));
      }
    } else {
      const size_t end = std::min(line.find(',', i), line.size());
      field = std::string(line.substr(i, end - i));
      if (field.find('"') != std::string::npos) {
        return absl::InvalidArgumentError(
            absl::StrCat("column ", fields.size() + 1, ": a quote inside an unquoted field"));
      }
      i = end;
    }
    fields.push_back(std::move(field));
    if (i >= line.size()) return fields;
    ++i;  // the comma
  }
}

// The record of one line's fields, or the reason it is invalid.
absl::StatusOr<TokenRecord> RecordOf(std::vector<std::string> fields, int line) {
  if (fields.size() < kMinColumns) {
    return absl::InvalidArgumentError(absl::StrCat(
        "needs at least ", kMinColumns, " columns (token, user, uid), found ", fields.size()));
  }
  if (fields.size() > kMaxColumns) {
    return absl::InvalidArgumentError(absl::StrCat("has ", fields.size(), " columns; at most ",
                                                   kMaxColumns, " (token, user, uid, groups)"));
  }
  TokenRecord record;
  record.line = line;
  record.token = std::move(fields[0]);
  if (record.token.empty()) return absl::InvalidArgumentError("the token is empty");
  if (!IsBearerTokenText(record.token)) {
    return absl::InvalidArgumentError("the token must be visible ASCII characters without spaces");
  }
  record.identity.principal = std::string(absl::StripAsciiWhitespace(fields[1]));
  if (record.identity.principal.empty()) return absl::InvalidArgumentError("the user is empty");
  record.uid = std::move(fields[2]);
  if (fields.size() == kMaxColumns) {
    for (absl::string_view group : absl::StrSplit(fields[3], ',', absl::SkipWhitespace())) {
      group = absl::StripAsciiWhitespace(group);
      absl::StatusOr<std::optional<RoleBinding>> binding = BindingOfGroup(group);
      if (!binding.ok()) return binding.status();
      record.identity.groups.emplace_back(group);
    }
  }
  return record;
}

}  // namespace

bool IsBearerTokenText(absl::string_view token) {
  return !token.empty() &&
         std::all_of(token.begin(), token.end(), [](char c) { return c > ' ' && c < 0x7f; });
}

absl::StatusOr<std::vector<TokenRecord>> ParseTokenFile(absl::string_view text) {
  std::vector<TokenRecord> records;
  std::vector<std::string> problems;
  std::map<std::string, int> line_of_token;
  int number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const absl::string_view content = absl::StripLeadingAsciiWhitespace(line);
    if (content.empty() || content.front() == '#') continue;
    absl::StatusOr<std::vector<std::string>> fields = SplitCsvLine(line);
    absl::StatusOr<TokenRecord> record =
        fields.ok() ? RecordOf(*std::move(fields), number) : fields.status();
    if (!record.ok()) {
      problems.push_back(absl::StrCat("line ", number, ": ", record.status().message()));
      continue;
    }
    const auto [previous, inserted] = line_of_token.emplace(record->token, number);
    if (!inserted) {
      problems.push_back(
          absl::StrCat("line ", number, ": repeats the token of line ", previous->second));
      continue;
    }
    records.push_back(*std::move(record));
  }
  if (!problems.empty()) return absl::InvalidArgumentError(absl::StrJoin(problems, "; "));
  return records;
}

std::vector<std::string> TokenColumn(absl::string_view text) {
  std::vector<std::string> tokens;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const absl::string_view content = absl::StripLeadingAsciiWhitespace(line);
    if (content.empty() || content.front() == '#') continue;
    absl::StatusOr<std::vector<std::string>> fields = SplitCsvLine(line);
    if (fields.ok()) {
      tokens.push_back(std::move(fields->front()));
    } else if (content.front() != '"') {  // a later column is bad; the first is plain
      tokens.emplace_back(content.substr(0, content.find(',')));
    }
  }
  return tokens;
}

}  // namespace kanarya::auth
