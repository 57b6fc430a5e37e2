// Reading API messages from JSON or YAML documents and printing them as JSON,
// with the proto3 JSON mapping (field names in either spelling, enums by name,
// "NaN" / "Infinity" for doubles). Thread-safe.
#ifndef KANARYA_CLI_MESSAGE_IO_H_
#define KANARYA_CLI_MESSAGE_IO_H_

#include <google/protobuf/message.h>

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace kanarya::cli {

// Reads the whole file, or standard input when path is "-". NotFound when the
// file cannot be read.
absl::StatusOr<std::string> ReadInput(const std::string& path);

// Parses a document into `message`. A document whose first non-blank
// character is '{' is JSON; anything else is YAML (whose plain scalars are
// passed to the JSON mapping as strings, true/false/null excepted).
// InvalidArgument with the parser's position or the field's path on error;
// unknown fields are errors.
absl::Status ParseDocument(const std::string& document, google::protobuf::Message& message);

// The message as indented JSON in the canonical proto3 JSON mapping, as
// `buf curl` and grpcurl print it: lowerCamelCase field names, enums by name,
// 64-bit integers as strings, every field present with defaults included.
std::string PrintJson(const google::protobuf::Message& message);

}  // namespace kanarya::cli

#endif  // KANARYA_CLI_MESSAGE_IO_H_
