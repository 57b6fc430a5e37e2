#include "daemon/metrics/prometheus_response.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <string>

#include "absl/strings/str_cat.h"
#include "daemon/http/http_status.h"

namespace kanarya::metrics {
namespace {

namespace od = simdjson::ondemand;

absl::Status Malformed(simdjson::error_code error) {
  return absl::DataLossError(
      absl::StrCat("malformed Prometheus response: ", simdjson::error_message(error)));
}

#define KANARYA_JSON(expression)                                            \
  do {                                                                      \
    if (const auto error_ = (expression); error_) return Malformed(error_); \
  } while (false)

// Sample times are unix seconds; beyond a million years either way, or not
// a number, it is no time (and its milliseconds would not fit an int64).
constexpr double kMaxUnixSeconds = 3.2e13;

absl::StatusOr<absl::Time> TimeOfUnixSeconds(double seconds) {
  if (!(std::abs(seconds) <= kMaxUnixSeconds)) {
    return absl::DataLossError(absl::StrCat("malformed Prometheus response: sample time ", seconds,
                                            " is not a unix time in seconds"));
  }
  return absl::FromUnixMillis(std::llround(seconds * 1000));
}

absl::StatusOr<double> ParseValue(std::string_view text) {
  if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (text == "+Inf" || text == "Inf") return std::numeric_limits<double>::infinity();
  if (text == "-Inf") return -std::numeric_limits<double>::infinity();
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    return absl::DataLossError(absl::StrCat("malformed sample value \"", std::string(text), "\""));
  }
  return value;
}

// [ <unix seconds>, "<value>" ] in matrices and vectors, or a log entry
// [ "<unix nanoseconds>", "<line>" ] in Loki's streams, which counts as 1.
absl::StatusOr<Sample> ParseSample(od::value pair) {
  od::array array;
  KANARYA_JSON(pair.get_array().get(array));
  Sample sample{};
  bool log_entry = false;
  std::string_view text;
  int index = 0;
  for (auto element : array) {
    if (index == 0) {
      od::json_type type;
      KANARYA_JSON(element.type().get(type));
      if (type == od::json_type::string) {
        std::string_view nanos;
        KANARYA_JSON(element.get_string().get(nanos));
        int64_t ns = 0;
        const auto [end, error] = std::from_chars(nanos.data(), nanos.data() + nanos.size(), ns);
        if (error != std::errc() || end != nanos.data() + nanos.size()) {
          return absl::DataLossError("malformed nanosecond timestamp");
        }
        sample.time = absl::FromUnixNanos(ns);
        log_entry = true;
      } else {
        double seconds = 0;
        KANARYA_JSON(element.get_double().get(seconds));
        absl::StatusOr<absl::Time> time = TimeOfUnixSeconds(seconds);
        if (!time.ok()) return time.status();
        sample.time = *time;
      }
    } else if (index == 1) {
      KANARYA_JSON(element.get_string().get(text));
    }
    ++index;
  }
  if (index != 2) return absl::DataLossError("a sample must be [time, \"value\"]");
  if (log_entry) {
    sample.value = 1;
    return sample;
  }
  absl::StatusOr<double> value = ParseValue(text);
  if (!value.ok()) return value.status();
  sample.value = *value;
  return sample;
}

// A number sent as a string, as the API sends every sample value.
absl::StatusOr<double> ParseStringValue(od::value value) {
  std::string_view text;
  KANARYA_JSON(value.get_string().get(text));
  return ParseValue(text);
}

// [<boundaries>, "<lower>", "<upper>", "<count>"].
absl::StatusOr<HistogramBucket> ParseBucket(od::value value) {
  od::array array;
  KANARYA_JSON(value.get_array().get(array));
  HistogramBucket bucket;
  int index = 0;
  for (auto element : array) {
    od::value field;
    KANARYA_JSON(element.get(field));
    if (index == 0) {
      int64_t boundaries = 0;
      KANARYA_JSON(field.get_int64().get(boundaries));
      if (boundaries < 0 || boundaries > 3) {
        return absl::DataLossError(
            absl::StrCat("native histogram bucket: boundary rule ", boundaries, " is not 0-3"));
      }
      bucket.boundaries = static_cast<int>(boundaries);
    } else if (index <= 3) {
      absl::StatusOr<double> number = ParseStringValue(field);
      if (!number.ok()) return number.status();
      (index == 1 ? bucket.lower : index == 2 ? bucket.upper : bucket.count) = *number;
    }  // extra elements are counted, and refused below
    ++index;
  }
  if (index != 4) {
    return absl::DataLossError(
        "a native histogram bucket must be [boundaries, \"lower\", \"upper\", \"count\"]");
  }
  return bucket;
}

// [<unix seconds>, {"count": "..", "sum": "..", "buckets": [...]}].
absl::StatusOr<HistogramSample> ParseHistogramSample(od::value pair) {
  od::array array;
  KANARYA_JSON(pair.get_array().get(array));
  HistogramSample sample;
  int index = 0;
  for (auto element : array) {
    if (index == 0) {
      double seconds = 0;
      KANARYA_JSON(element.get_double().get(seconds));
      absl::StatusOr<absl::Time> time = TimeOfUnixSeconds(seconds);
      if (!time.ok()) return time.status();
      sample.time = *time;
    } else if (index == 1) {
      od::object object;
      KANARYA_JSON(element.get_object().get(object));
      for (auto field : object) {
        std::string_view key;
        KANARYA_JSON(field.unescaped_key().get(key));
        od::value value;
        KANARYA_JSON(field.value().get(value));
        if (key == "count" || key == "sum") {
          absl::StatusOr<double> number = ParseStringValue(value);
          if (!number.ok()) return number.status();
          (key == "count" ? sample.count : sample.sum) = *number;
        } else if (key == "buckets") {
          od::array buckets;
          KANARYA_JSON(value.get_array().get(buckets));
          for (auto item : buckets) {
            od::value bucket_value;
            KANARYA_JSON(item.get(bucket_value));
            absl::StatusOr<HistogramBucket> bucket = ParseBucket(bucket_value);
            if (!bucket.ok()) return bucket.status();
            sample.buckets.push_back(*bucket);
          }
        }
      }
    }
    ++index;
  }
  if (index != 2) return absl::DataLossError("a native histogram sample must be [time, {...}]");
  return sample;
}

absl::Status ParseSeries(od::object object, QueryResult& result) {
  Series series;
  for (auto field : object) {
    std::string_view key;
    KANARYA_JSON(field.unescaped_key().get(key));
    if (key == "metric" || key == "stream") {
      od::object labels;
      KANARYA_JSON(field.value().get_object().get(labels));
      for (auto label : labels) {
        std::string_view name, value;
        KANARYA_JSON(label.unescaped_key().get(name));
        KANARYA_JSON(label.value().get_string().get(value));
        series.labels.emplace_back(name, value);
      }
    } else if (key == "values") {
      od::array samples;
      KANARYA_JSON(field.value().get_array().get(samples));
      for (auto sample : samples) {
        od::value value;
        KANARYA_JSON(sample.get(value));
        absl::StatusOr<Sample> parsed = ParseSample(value);
        if (!parsed.ok()) return parsed.status();
        series.samples.push_back(*parsed);
      }
    } else if (key == "value") {
      od::value value;
      KANARYA_JSON(field.value().get(value));
      absl::StatusOr<Sample> parsed = ParseSample(value);
      if (!parsed.ok()) return parsed.status();
      series.samples.push_back(*parsed);
    } else if (key == "histogram" || key == "histograms") {
      od::value value;
      KANARYA_JSON(field.value().get(value));
      if (key == "histogram") {
        absl::StatusOr<HistogramSample> parsed = ParseHistogramSample(value);
        if (!parsed.ok()) return parsed.status();
        series.histograms.push_back(std::move(*parsed));
      } else {
        od::array samples;
        KANARYA_JSON(value.get_array().get(samples));
        for (auto sample : samples) {
          od::value sample_value;
          KANARYA_JSON(sample.get(sample_value));
          absl::StatusOr<HistogramSample> parsed = ParseHistogramSample(sample_value);
          if (!parsed.ok()) return parsed.status();
          series.histograms.push_back(std::move(*parsed));
        }
      }
    }  // unknown fields are skipped
  }
  std::sort(series.labels.begin(), series.labels.end());
  result.series.push_back(std::move(series));
  return absl::OkStatus();
}

absl::Status ParseData(od::object data, QueryResult& result) {
  for (auto field : data) {
    std::string_view key;
    KANARYA_JSON(field.unescaped_key().get(key));
    if (key == "resultType") {
      std::string_view type;
      KANARYA_JSON(field.value().get_string().get(type));
      if (type == "matrix") {
        result.type = ResultType::kMatrix;
      } else if (type == "vector") {
        result.type = ResultType::kVector;
      } else if (type == "scalar") {
        result.type = ResultType::kScalar;
      } else if (type == "streams") {
        result.type = ResultType::kStreams;
      } else {
        return absl::DataLossError(
            absl::StrCat("unsupported resultType \"", std::string(type), "\""));
      }
    } else if (key == "result") {
      od::array items;
      KANARYA_JSON(field.value().get_array().get(items));
      // A scalar is one bare [time, "value"]; matrices and vectors hold series.
      bool scalar = false;
      Series bare;
      int index = 0;
      double seconds = 0;
      for (auto item : items) {
        od::json_type type;
        KANARYA_JSON(item.type().get(type));
        if (type == od::json_type::object) {
          od::object object;
          KANARYA_JSON(item.get_object().get(object));
          if (absl::Status s = ParseSeries(object, result); !s.ok()) return s;
        } else if (index == 0 && type == od::json_type::number) {
          scalar = true;
          KANARYA_JSON(item.get_double().get(seconds));
        } else if (index == 1 && scalar) {
          std::string_view text;
          KANARYA_JSON(item.get_string().get(text));
          absl::StatusOr<double> value = ParseValue(text);
          if (!value.ok()) return value.status();
          absl::StatusOr<absl::Time> time = TimeOfUnixSeconds(seconds);
          if (!time.ok()) return time.status();
          bare.samples.push_back({*time, *value});
        } else {
          return absl::DataLossError("unexpected element in result");
        }
        ++index;
      }
      if (scalar) {
        result.type = ResultType::kScalar;
        result.series.push_back(std::move(bare));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status ErrorStatus(std::string_view type, std::string_view message) {
  const std::string text =
      absl::StrCat("Prometheus ", std::string(type), ": ", std::string(message));
  if (type == "bad_data") return absl::InvalidArgumentError(text);
  if (type == "execution") return absl::FailedPreconditionError(text);
  if (type == "timeout") return absl::DeadlineExceededError(text);
  if (type == "canceled") return absl::CancelledError(text);
  if (type == "unavailable") return absl::UnavailableError(text);
  if (type == "not_found") return absl::NotFoundError(text);
  if (type == "internal") return absl::InternalError(text);
  return absl::UnknownError(text);
}

}  // namespace

absl::StatusOr<QueryResult> ParsePrometheusResponse(std::string_view body,
                                                    long http_status) {  // NOLINT
  // An answer that is not the API's (a proxy's page, a load balancer's 503):
  // an error code says what failed; a success code with such a body is
  // corrupt data.
  const auto not_prometheus = [&](const std::string& why) -> absl::Status {
    if (http_status >= 300) {
      return http::StatusFromHttp("Prometheus", http_status,
                                  absl::string_view(body.data(), body.size()));
    }
    return absl::DataLossError(absl::StrCat("HTTP ", http_status, " with ", why));
  };
  od::parser parser;
  const simdjson::padded_string padded(body);
  od::document document;
  if (parser.iterate(padded).get(document)) return not_prometheus("a body that is not JSON");
  od::object root;
  if (document.get_object().get(root)) return not_prometheus("a body that is not a JSON object");

  QueryResult result;
  std::string status, error_type, error;
  bool has_data = false;
  for (auto field : root) {
    std::string_view key;
    KANARYA_JSON(field.unescaped_key().get(key));
    if (key == "status" || key == "errorType" || key == "error") {
      std::string_view value;
      KANARYA_JSON(field.value().get_string().get(value));
      (key == "status" ? status : key == "errorType" ? error_type : error) = std::string(value);
    } else if (key == "data") {
      od::object data;
      KANARYA_JSON(field.value().get_object().get(data));
      if (absl::Status s = ParseData(data, result); !s.ok()) return s;
      has_data = true;
    } else if (key == "warnings") {
      od::array warnings;
      KANARYA_JSON(field.value().get_array().get(warnings));
      for (auto warning : warnings) {
        std::string_view text;
        KANARYA_JSON(warning.get_string().get(text));
        result.warnings.emplace_back(text);
      }
    }
  }
  // Anything after the object means the body is not one JSON document.
  const size_t last = body.find_last_not_of(" \t\r\n");
  if (last == std::string_view::npos || body[last] != '}') {
    return absl::DataLossError("malformed Prometheus response: trailing data");
  }
  if (status == "error") return ErrorStatus(error_type, error);
  if (status != "success") return not_prometheus("no \"status\": \"success\"");
  if (!has_data) return absl::DataLossError("Prometheus response without \"data\"");
  return result;
}

}  // namespace kanarya::metrics
