// How kanaryactl prints what the daemon returns: -o json (the canonical JSON
// of PrintJson), yaml (the same document as YAML), or table (human columns,
// drawn by the caller). Thread-compatible.
#ifndef KANARYA_CLI_OUTPUT_FORMAT_H_
#define KANARYA_CLI_OUTPUT_FORMAT_H_

#include <google/protobuf/message.h>

#include <ostream>
#include <string>
#include <vector>

namespace kanarya::cli {

enum class OutputFormat { kTable, kJson, kYaml };

inline const std::vector<std::string>& OutputFormatNames() {
  static const std::vector<std::string> names = {"table", "json", "yaml"};
  return names;
}
// One of OutputFormatNames(); anything else is table.
OutputFormat ParseOutputFormat(const std::string& name);

// The message as JSON or YAML (kTable is the caller's business: false).
bool PrintDocument(const google::protobuf::Message& message, OutputFormat format,
                   std::ostream& out);

// Left-aligned columns separated by two spaces, the header first.
class Table {
 public:
  explicit Table(std::vector<std::string> header);
  void AddRow(std::vector<std::string> cells);
  void Print(std::ostream& out) const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace kanarya::cli

#endif  // KANARYA_CLI_OUTPUT_FORMAT_H_
