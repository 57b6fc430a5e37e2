#include "tests/lab/loki_emulator.h"

#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <nlohmann/json.hpp>
#include <regex>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace kanarya::lab {
namespace {

using Labels = LokiEmulator::Labels;

struct Matcher {
  std::string name, op, value;
  std::regex pattern;
};
struct LineFilter {
  std::string op, value;
  std::regex pattern;
};
struct LogQuery {
  std::vector<Matcher> matchers;
  std::vector<LineFilter> filters;
};
struct Query {
  bool metric = false;
  LogQuery log;
  std::string function;  // count_over_time or rate
  absl::Duration range;
  bool summed = false;
  std::vector<std::string> by;
};

// A recursive-descent parser of the LogQL subset, with Loki's error wording.
class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  absl::StatusOr<Query> Parse() {
    Query query;
    absl::Status status = ParseExpression(query);
    if (status.ok() && (Space(), pos_ != text_.size())) status = Error("unexpected trailing input");
    if (!status.ok()) return status;
    return query;
  }

 private:
  absl::Status Error(const std::string& what) const {
    return absl::InvalidArgumentError(
        absl::StrCat("parse error at line 1, col ", pos_ + 1, ": syntax error: ", what));
  }
  void Space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool Take(std::string_view token) {
    Space();
    if (text_.substr(pos_, token.size()) != token) return false;
    pos_ += token.size();
    return true;
  }
  std::string Identifier() {
    Space();
    const size_t start = pos_;
    while (pos_ < text_.size() &&
           (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_')) {
      ++pos_;
    }
    return std::string(text_.substr(start, pos_ - start));
  }
  absl::StatusOr<std::string> String() {
    Space();
    if (pos_ >= text_.size() || (text_[pos_] != '"' && text_[pos_] != '`')) {
      return Error("expected a string");
    }
    const char quote = text_[pos_++];
    std::string value;
    while (pos_ < text_.size() && text_[pos_] != quote) {
      char c = text_[pos_++];
      if (quote == '"' && c == '\\' && pos_ < text_.size()) {
        c = text_[pos_++];
        c = c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c;
      }
      value += c;
    }
    if (pos_ >= text_.size()) return Error("unterminated string");
    ++pos_;
    return value;
  }

  absl::Status ParseExpression(Query& query) {
    const size_t start = pos_;
    const std::string word = Identifier();
    if (word == "sum") {
      query.summed = true;
      if (absl::Status s = ParseBy(query); !s.ok()) return s;
      if (!Take("(")) return Error("expected (");
      if (absl::Status s = ParseRangeFunction(query); !s.ok()) return s;
      if (!Take(")")) return Error("expected )");
      return ParseBy(query);
    }
    pos_ = start;
    if (word == "count_over_time" || word == "rate") return ParseRangeFunction(query);
    if (!word.empty()) return Error(absl::StrCat("unexpected IDENTIFIER ", word));
    return ParseLog(query.log);
  }

  absl::Status ParseBy(Query& query) {
    if (!Take("by")) return absl::OkStatus();
    if (!Take("(")) return Error("expected ( after by");
    do {
      const std::string label = Identifier();
      if (label.empty()) return Error("expected a label name");
      query.by.push_back(label);
    } while (Take(","));
    return Take(")") ? absl::OkStatus() : Error("expected )");
  }

  absl::Status ParseRangeFunction(Query& query) {
    query.metric = true;
    query.function = Identifier();
    if (query.function != "count_over_time" && query.function != "rate") {
      return Error(absl::StrCat("unsupported function ", query.function));
    }
    if (!Take("(")) return Error("expected (");
    if (absl::Status s = ParseLog(query.log); !s.ok()) return s;
    if (!Take("[")) return Error("expected [");
    Space();
    const size_t close = text_.find(']', pos_);
    if (close == std::string_view::npos ||
        !absl::ParseDuration(std::string(text_.substr(pos_, close - pos_)), &query.range) ||
        query.range <= absl::ZeroDuration()) {
      return Error("invalid range duration");
    }
    pos_ = close + 1;
    return Take(")") ? absl::OkStatus() : Error("expected )");
  }

  absl::Status ParseLog(LogQuery& log) {
    if (!Take("{")) return Error("expected {");
    do {
      Matcher m;
      m.name = Identifier();
      if (m.name.empty()) return Error("expected a label name");
      for (const char* op : {"=~", "!~", "!=", "="}) {
        if (Take(op)) {
          m.op = op;
          break;
        }
      }
      if (m.op.empty()) return Error("expected a matcher");
      absl::StatusOr<std::string> value = String();
      if (!value.ok()) return value.status();
      m.value = *value;
      if (m.op.size() == 2 && m.op[1] == '~') m.pattern = std::regex(m.value);
      log.matchers.push_back(std::move(m));
    } while (Take(","));
    if (!Take("}")) return Error("expected }");
    for (;;) {
      LineFilter f;
      for (const char* op : {"|=", "!=", "|~", "!~"}) {
        if (Take(op)) {
          f.op = op;
          break;
        }
      }
      if (f.op.empty()) return absl::OkStatus();
      absl::StatusOr<std::string> value = String();
      if (!value.ok()) return value.status();
      f.value = *value;
      if (f.op[1] == '~') f.pattern = std::regex(f.value);
      log.filters.push_back(std::move(f));
    }
  }

  std::string_view text_;
  size_t pos_ = 0;
};

bool Matches(const Labels& labels, const std::vector<Matcher>& matchers) {
  for (const Matcher& m : matchers) {
    const auto it = labels.find(m.name);
    const std::string value = it == labels.end() ? "" : it->second;
    const bool ok = m.op == "="    ? value == m.value
                    : m.op == "!=" ? value != m.value
                    : m.op == "=~" ? std::regex_match(value, m.pattern)
                                   : !std::regex_match(value, m.pattern);
    if (!ok) return false;
  }
  return true;
}

bool Passes(const std::string& line, const std::vector<LineFilter>& filters) {
  for (const LineFilter& f : filters) {
    const bool ok = f.op == "|="   ? line.find(f.value) != std::string::npos
                    : f.op == "!=" ? line.find(f.value) == std::string::npos
                    : f.op == "|~" ? std::regex_search(line, f.pattern)
                                   : !std::regex_search(line, f.pattern);
    if (!ok) return false;
  }
  return true;
}

// Unix nanoseconds, unix seconds (with a fraction) or RFC 3339.
bool ParseTime(const std::string& text, absl::Time* time) {
  int64_t integer = 0;
  if (absl::SimpleAtoi(text, &integer)) {
    *time =
        integer > 100'000'000'000LL ? absl::FromUnixNanos(integer) : absl::FromUnixSeconds(integer);
    return true;
  }
  double seconds = 0;
  if (absl::SimpleAtod(text, &seconds)) {
    *time = absl::FromUnixNanos(static_cast<int64_t>(seconds * 1e9));
    return true;
  }
  std::string error;
  return absl::ParseTime(absl::RFC3339_full, text, time, &error);
}

bool ParseStep(const std::string& text, absl::Duration* step) {
  double seconds = 0;
  if (absl::SimpleAtod(text, &seconds)) {
    *step = absl::Seconds(seconds);
    return seconds > 0;
  }
  return absl::ParseDuration(text, step) && *step > absl::ZeroDuration();
}

nlohmann::json LabelsJson(const Labels& labels) {
  nlohmann::json object = nlohmann::json::object();
  for (const auto& [k, v] : labels) object[k] = v;
  return object;
}

double Seconds(absl::Time t) { return static_cast<double>(absl::ToUnixMillis(t)) / 1000.0; }

std::string FormatValue(double v) { return nlohmann::json(v).dump(); }

// The metric query's value per label set at time t; absent when nothing matched.
std::map<Labels, double> EvaluateAt(const Query& q,
                                    const std::map<Labels, LokiEmulator::Stream>& streams,
                                    absl::Time t) {
  std::map<Labels, double> per_stream;
  for (const auto& [labels, stream] : streams) {
    if (!Matches(labels, q.log.matchers)) continue;
    // The entries in (t - range, t], found by bisection: streams hold many
    // minutes of lines and the window a few seconds.
    const auto after = [](absl::Time time, const LokiEmulator::Entry& e) { return time < e.time; };
    const auto first =
        std::upper_bound(stream.entries.begin(), stream.entries.end(), t - q.range, after);
    const auto last = std::upper_bound(first, stream.entries.end(), t, after);
    double count = 0;
    for (auto e = first; e != last; ++e) {
      if (Passes(e->line, q.log.filters)) ++count;
    }
    if (count == 0) continue;
    per_stream[labels] = q.function == "rate" ? count / absl::ToDoubleSeconds(q.range) : count;
  }
  if (!q.summed) return per_stream;
  std::map<Labels, double> groups;
  for (const auto& [labels, value] : per_stream) {
    Labels key;
    for (const std::string& name : q.by) {
      if (const auto it = labels.find(name); it != labels.end()) key[name] = it->second;
    }
    groups[key] += value;
  }
  return groups;
}

}  // namespace

LokiEmulator::LokiEmulator(bool multi_tenant, int port) : multi_tenant_(multi_tenant) {
  const auto handler = [this](const httplib::Request& request, httplib::Response& response) {
    const auto fail = [&](int status, const std::string& text) {
      response.status = status;
      response.set_content(text + "\n", "text/plain; charset=utf-8");
    };
    std::string tenant = "fake";
    if (multi_tenant_) {
      tenant = request.get_header_value("X-Scope-OrgID");
      if (tenant.empty()) return fail(401, "no org id");
    }
    if (!serving()) return fail(503, "Loki is down (kanarya-lab: POST /loki)");
    absl::StatusOr<Query> query = Parser(request.get_param_value("query")).Parse();
    if (!query.ok()) return fail(400, std::string(query.status().message()));
    const bool range = request.path == "/loki/api/v1/query_range";
    absl::Time start, end = absl::Now();
    absl::Duration step = absl::Seconds(60);
    if (range) {
      if (!ParseTime(request.get_param_value("start"), &start) ||
          !ParseTime(request.get_param_value("end"), &end)) {
        return fail(400, "invalid start or end");
      }
      if (query->metric && !ParseStep(request.get_param_value("step"), &step)) {
        return fail(400, "invalid step");
      }
      if (end < start) return fail(400, "end timestamp must not be before or equal to start time");
    } else if (request.has_param("time") && !ParseTime(request.get_param_value("time"), &end)) {
      return fail(400, "invalid time");
    }
    int limit = 100;
    if (request.has_param("limit") && !absl::SimpleAtoi(request.get_param_value("limit"), &limit)) {
      return fail(400, "invalid limit");
    }
    const bool forward = request.get_param_value("direction") == "forward";

    absl::MutexLock lock(&mutex_);
    const auto& streams = tenants_[tenant];
    nlohmann::json data;
    nlohmann::json result = nlohmann::json::array();
    if (query->metric && range) {
      std::map<Labels, nlohmann::json> series;
      for (absl::Time t = start; t <= end; t += step) {
        for (const auto& [labels, value] : EvaluateAt(*query, streams, t)) {
          series[labels].push_back({Seconds(t), FormatValue(value)});
        }
      }
      for (auto& [labels, values] : series) {
        result.push_back({{"metric", LabelsJson(labels)}, {"values", std::move(values)}});
      }
      data["resultType"] = "matrix";
    } else if (query->metric) {
      for (const auto& [labels, value] : EvaluateAt(*query, streams, end)) {
        result.push_back(
            {{"metric", LabelsJson(labels)}, {"value", {Seconds(end), FormatValue(value)}}});
      }
      data["resultType"] = "vector";
    } else {
      struct Hit {
        const Labels* labels;
        const Entry* entry;
      };
      std::vector<Hit> hits;
      for (const auto& [labels, stream] : streams) {
        if (!Matches(labels, query->log.matchers)) continue;
        for (const Entry& e : stream.entries) {
          const bool in_window = range ? e.time >= start && e.time < end : e.time <= end;
          if (in_window && Passes(e.line, query->log.filters)) hits.push_back({&labels, &e});
        }
      }
      std::stable_sort(hits.begin(), hits.end(), [&](const Hit& a, const Hit& b) {
        return forward ? a.entry->time < b.entry->time : a.entry->time > b.entry->time;
      });
      if (hits.size() > static_cast<size_t>(limit)) hits.resize(static_cast<size_t>(limit));
      std::map<Labels, nlohmann::json> grouped;
      for (const Hit& hit : hits) {
        grouped[*hit.labels].push_back(
            {std::to_string(absl::ToUnixNanos(hit.entry->time)), hit.entry->line});
      }
      for (auto& [labels, values] : grouped) {
        result.push_back({{"stream", LabelsJson(labels)}, {"values", std::move(values)}});
      }
      data["resultType"] = "streams";
    }
    data["result"] = std::move(result);
    data["stats"] = nlohmann::json::object();
    response.set_content(nlohmann::json{{"status", "success"}, {"data", std::move(data)}}.dump(),
                         "application/json");
  };
  server_.http().Get("/loki/api/v1/query_range", handler);
  server_.http().Get("/loki/api/v1/query", handler);
  server_.http().Get("/ready", [](const httplib::Request&, httplib::Response& r) {
    r.set_content("ready\n", "text/plain");
  });
  server_.Start(port);
}

void LokiEmulator::Push(const std::string& tenant, const Labels& labels, absl::Time time,
                        std::string line) {
  absl::MutexLock lock(&mutex_);
  if (!ingesting_) return;
  Stream& stream = tenants_[multi_tenant_ ? tenant : "fake"][labels];
  stream.labels = labels;
  // Lines mostly arrive in order: insert after every line not later.
  const auto position = std::upper_bound(stream.entries.begin(), stream.entries.end(), time,
                                         [](absl::Time t, const Entry& e) { return t < e.time; });
  stream.entries.insert(position, {time, std::move(line)});
  const absl::Time oldest_kept = stream.entries.back().time - retention_;
  while (stream.entries.front().time < oldest_kept) stream.entries.pop_front();
}

void LokiEmulator::SetRetention(absl::Duration retention) {
  absl::MutexLock lock(&mutex_);
  retention_ = retention;
}

void LokiEmulator::SetServing(bool serving) {
  absl::MutexLock lock(&mutex_);
  serving_ = serving;
}

void LokiEmulator::SetIngesting(bool ingesting) {
  absl::MutexLock lock(&mutex_);
  ingesting_ = ingesting;
}

bool LokiEmulator::serving() const {
  absl::MutexLock lock(&mutex_);
  return serving_;
}

bool LokiEmulator::ingesting() const {
  absl::MutexLock lock(&mutex_);
  return ingesting_;
}

}  // namespace kanarya::lab
