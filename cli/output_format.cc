#include "cli/output_format.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <iterator>
#include <nlohmann/json.hpp>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "cli/message_io.h"

namespace kanarya::cli {
namespace {

// A plain YAML scalar with this text would read back as a boolean, null or
// number (YAML 1.1 readers included), so the string must be quoted.
bool LooksLikeAnotherType(const std::string& text) {
  constexpr absl::string_view kWords[] = {"",   "~",  "null", "true", "false", "yes",
                                          "no", "on", "off",  "y",    "n"};
  const std::string lower = absl::AsciiStrToLower(text);
  double number;
  return std::find(std::begin(kWords), std::end(kWords), lower) != std::end(kWords) ||
         absl::SimpleAtod(text, &number);
}

void EmitYaml(const nlohmann::json& value, YAML::Emitter& out) {
  switch (value.type()) {
    case nlohmann::json::value_t::object:
      out << YAML::BeginMap;
      for (const auto& [key, item] : value.items()) {
        out << YAML::Key << key << YAML::Value;
        EmitYaml(item, out);
      }
      out << YAML::EndMap;
      return;
    case nlohmann::json::value_t::array:
      out << YAML::BeginSeq;
      for (const auto& item : value) EmitYaml(item, out);
      out << YAML::EndSeq;
      return;
    case nlohmann::json::value_t::string: {
      const std::string& text = value.get_ref<const std::string&>();
      if (LooksLikeAnotherType(text)) out << YAML::DoubleQuoted;
      out << text;
      return;
    }
    case nlohmann::json::value_t::null:
      out << YAML::Null;
      return;
    default:  // numbers and booleans print as JSON spells them, valid YAML too
      out << value.dump();
      return;
  }
}

}  // namespace

OutputFormat ParseOutputFormat(const std::string& name) {
  if (name == "json") return OutputFormat::kJson;
  if (name == "yaml") return OutputFormat::kYaml;
  return OutputFormat::kTable;
}

bool PrintDocument(const google::protobuf::Message& message, OutputFormat format,
                   std::ostream& out) {
  switch (format) {
    case OutputFormat::kTable:
      return false;
    case OutputFormat::kJson:
      out << PrintJson(message);
      return true;
    case OutputFormat::kYaml: {
      // PrintJson's output is valid JSON by construction.
      const nlohmann::json json = nlohmann::json::parse(PrintJson(message), nullptr, false);
      YAML::Emitter emitter;
      EmitYaml(json, emitter);
      out << emitter.c_str() << "\n";
      return true;
    }
  }
  return false;
}

Table::Table(std::vector<std::string> header) { rows_.push_back(std::move(header)); }

void Table::AddRow(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }

void Table::Print(std::ostream& out) const {
  std::vector<size_t> widths;
  for (const auto& row : rows_) {
    widths.resize(std::max(widths.size(), row.size()), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  for (const auto& row : rows_) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    out << line << "\n";
  }
}

}  // namespace kanarya::cli
