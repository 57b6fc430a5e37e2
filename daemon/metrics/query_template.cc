#include "daemon/metrics/query_template.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace kanarya::metrics {

std::string EscapeStringLiteral(std::string_view value) {
  std::string out;
  for (const char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += absl::StrFormat("\\x%02x", static_cast<unsigned char>(c));
        } else {
          out += c;
        }
    }
  }
  return out;
}

std::string FormatPromDuration(absl::Duration duration) {
  const int64_t ms = absl::ToInt64Milliseconds(duration);
  if (ms % 60000 == 0) return absl::StrCat(ms / 60000, "m");
  if (ms % 1000 == 0) return absl::StrCat(ms / 1000, "s");
  return absl::StrCat(ms, "ms");
}

absl::StatusOr<QueryTemplate> QueryTemplate::Parse(std::string_view text,
                                                   const std::set<std::string>& known_variables) {
  QueryTemplate parsed;
  std::string literal;
  char quote = 0;  // the string literal we are in: '"', '`', '\'' or none
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '{' && i + 1 < text.size() && text[i + 1] == '{') {
      const size_t close = text.find("}}", i + 2);
      if (close == std::string_view::npos) {
        return absl::InvalidArgumentError(absl::StrCat("unclosed {{ at offset ", i));
      }
      const std::string inner(text.substr(i + 2, close - i - 2));
      const std::string name(absl::StripAsciiWhitespace(inner));
      if (quote == '`' || quote == '\'') {
        return absl::InvalidArgumentError(
            absl::StrCat("{{", name, "}} is inside a raw string literal, which cannot escape it"));
      }
      if (!known_variables.contains(name)) {
        return absl::InvalidArgumentError(absl::StrCat("unknown variable {{", name, "}}"));
      }
      parsed.pieces_.push_back({std::move(literal), false, false});
      literal.clear();
      parsed.pieces_.push_back({name, true, quote == '"'});
      parsed.variables_.insert(name);
      i = close + 1;
      continue;
    }
    literal += c;
    if (quote == 0 && (c == '"' || c == '`' || c == '\'')) {
      quote = c;
    } else if (quote != 0 && c == quote) {
      quote = 0;
    } else if (quote == '"' && c == '\\' && i + 1 < text.size()) {
      literal += text[++i];  // an escaped character never ends the literal
    }
  }
  if (quote != 0) return absl::InvalidArgumentError("unterminated string literal");
  parsed.pieces_.push_back({std::move(literal), false, false});
  return parsed;
}

absl::StatusOr<std::string> QueryTemplate::Render(const TemplateValues& values) const {
  std::string out;
  for (const Piece& piece : pieces_) {
    if (!piece.is_variable) {
      out += piece.text;
      continue;
    }
    if (const auto d = values.durations.find(piece.text); d != values.durations.end()) {
      if (piece.in_quotes) {
        return absl::InvalidArgumentError(
            absl::StrCat("duration variable {{", piece.text, "}} inside a string literal"));
      }
      if (d->second <= absl::ZeroDuration()) {
        return absl::InvalidArgumentError(absl::StrCat("{{", piece.text, "}} must be positive"));
      }
      out += FormatPromDuration(d->second);
    } else if (const auto s = values.strings.find(piece.text); s != values.strings.end()) {
      const std::string escaped = EscapeStringLiteral(s->second);
      out += piece.in_quotes ? escaped : absl::StrCat("\"", escaped, "\"");
    } else {
      return absl::NotFoundError(absl::StrCat("no value for {{", piece.text, "}}"));
    }
  }
  return out;
}

}  // namespace kanarya::metrics
