#include "tests/lab/native_histogram_exporter.h"

#include <google/protobuf/util/delimited_message_util.h>
#include <httplib.h>

#include <sstream>

#include "absl/strings/str_cat.h"
#include "tests/lab/client_model/metrics.pb.h"

namespace kanarya::lab {
namespace {

namespace cm = client_model;

// Spans and deltas of one side's buckets: consecutive indices share a span,
// each count a delta from the previous bucket's.
void EncodeBuckets(const std::map<int, uint64_t>& buckets,
                   google::protobuf::RepeatedPtrField<cm::BucketSpan>& spans,
                   google::protobuf::RepeatedField<int64_t>& deltas) {
  int next_index = 0;
  int64_t previous = 0;
  bool first = true;
  for (const auto& [index, count] : buckets) {
    if (first || index != next_index) {
      cm::BucketSpan* span = spans.Add();
      span->set_offset(first ? index : index - next_index);
      span->set_length(0);
    }
    first = false;
    cm::BucketSpan& span = spans[spans.size() - 1];
    span.set_length(span.length() + 1);
    deltas.Add(static_cast<int64_t>(count) - previous);
    previous = static_cast<int64_t>(count);
    next_index = index + 1;
  }
}

}  // namespace

std::string NativeHistogramExporter::Exposition(const std::string& name,
                                                const std::vector<NativeHistogramSample>& samples) {
  cm::MetricFamily family;
  family.set_name(name);
  family.set_help("native histogram of the lab");
  family.set_type(cm::HISTOGRAM);
  for (const NativeHistogramSample& sample : samples) {
    cm::Metric* metric = family.add_metric();
    for (const auto& [label, value] : sample.labels) {
      cm::LabelPair* pair = metric->add_label();
      pair->set_name(label);
      pair->set_value(value);
    }
    metric->set_timestamp_ms(absl::ToUnixMillis(sample.time));
    cm::Histogram* histogram = metric->mutable_histogram();
    uint64_t total = sample.zero_count;
    for (const auto& side : {sample.positive, sample.negative}) {
      for (const auto& bucket : side) total += bucket.second;
    }
    histogram->set_sample_count(total);
    histogram->set_sample_sum(sample.sum);
    histogram->set_schema(sample.schema);
    histogram->set_zero_threshold(sample.zero_threshold);
    histogram->set_zero_count(sample.zero_count);
    EncodeBuckets(sample.positive, *histogram->mutable_positive_span(),
                  *histogram->mutable_positive_delta());
    EncodeBuckets(sample.negative, *histogram->mutable_negative_span(),
                  *histogram->mutable_negative_delta());
  }
  std::ostringstream out;
  google::protobuf::util::SerializeDelimitedToOstream(family, &out);
  return out.str();
}

NativeHistogramExporter::NativeHistogramExporter(const std::string& name,
                                                 const std::vector<NativeHistogramSample>& samples)
    : body_(Exposition(name, samples)) {
  server_.http().Get("/metrics", [this](const httplib::Request&, httplib::Response& response) {
    ++scrapes_;
    response.set_content(body_,
                         "application/vnd.google.protobuf; "
                         "proto=io.prometheus.client.MetricFamily; encoding=delimited");
  });
  server_.Start();
}

std::string NativeHistogramExporter::target() const {
  return absl::StrCat("127.0.0.1:", server_.port());
}

}  // namespace kanarya::lab
