#include "cli/message_io.h"

#include <google/protobuf/util/json_util.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace kanarya::cli {
namespace {

// YAML has no schema here; the proto3 JSON mapping accepts numbers, enums and
// 64-bit integers as strings, so scalars stay strings unless they are YAML's
// booleans, nulls or special floats.
absl::StatusOr<nlohmann::json> YamlToJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nlohmann::json(nullptr);
    case YAML::NodeType::Scalar: {
      const std::string& text = node.Scalar();
      if (node.Tag() != "!") {  // a plain (unquoted) scalar
        if (text == "true" || text == "True") return nlohmann::json(true);
        if (text == "false" || text == "False") return nlohmann::json(false);
        if (text == "null" || text == "~") return nlohmann::json(nullptr);
        const std::string lower = absl::AsciiStrToLower(text);
        if (lower == ".nan") return nlohmann::json("NaN");
        if (lower == ".inf" || lower == "+.inf") return nlohmann::json("Infinity");
        if (lower == "-.inf") return nlohmann::json("-Infinity");
      }
      return nlohmann::json(text);
    }
    case YAML::NodeType::Sequence: {
      nlohmann::json array = nlohmann::json::array();
      for (const YAML::Node& item : node) {
        absl::StatusOr<nlohmann::json> value = YamlToJson(item);
        if (!value.ok()) return value;
        array.push_back(*std::move(value));
      }
      return array;
    }
    case YAML::NodeType::Map: {
      nlohmann::json object = nlohmann::json::object();
      for (const auto& entry : node) {
        if (!entry.first.IsScalar()) {
          return absl::InvalidArgumentError(
              absl::StrCat("line ", entry.first.Mark().line + 1, ": mapping keys must be scalars"));
        }
        absl::StatusOr<nlohmann::json> value = YamlToJson(entry.second);
        if (!value.ok()) return value;
        object[entry.first.Scalar()] = *std::move(value);
      }
      return object;
    }
  }
  return absl::InvalidArgumentError("unsupported YAML node");
}

absl::StatusOr<std::string> YamlDocumentToJson(const std::string& document) {
  YAML::Node root;
  try {
    root = YAML::Load(document);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("invalid YAML: ", e.what()));
  }
  if (!root.IsMap()) return absl::InvalidArgumentError("the document must be a mapping");
  absl::StatusOr<nlohmann::json> json = YamlToJson(root);
  if (!json.ok()) return json.status();
  try {
    return json->dump();
  } catch (const nlohmann::json::type_error&) {
    return absl::InvalidArgumentError("the document is not valid UTF-8");
  }
}

}  // namespace

absl::StatusOr<std::string> ReadInput(const std::string& path) {
  if (path == "-") {
    return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) return absl::NotFoundError(absl::StrCat(path, ": cannot be read"));
  std::ostringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

absl::Status ParseDocument(const std::string& document, google::protobuf::Message& message) {
  const size_t first = document.find_first_not_of(" \t\r\n");
  std::string json;
  if (first != std::string::npos && document[first] == '{') {
    json = document;
  } else {
    absl::StatusOr<std::string> converted = YamlDocumentToJson(document);
    if (!converted.ok()) return converted.status();
    json = *std::move(converted);
  }
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  message.Clear();
  const auto status = google::protobuf::util::JsonStringToMessage(json, &message, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(std::string(status.message()));
  }
  return absl::OkStatus();
}

std::string PrintJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.always_print_primitive_fields = true;
  std::string out;
  // Printing a valid message cannot fail.
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  return out;
}

}  // namespace kanarya::cli
