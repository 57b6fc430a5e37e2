#include "daemon/kube/json_fields.h"

#include "absl/strings/str_cat.h"

namespace kanarya::kube {
namespace {

using nlohmann::json;

absl::Status WrongType(const std::string& path, const char* wanted) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": not ", wanted));
}

// The member to read, null when absent; InvalidArgument when `object` is
// neither an object nor absent.
absl::StatusOr<const json*> Find(const json& object, const std::string& path,
                                 const std::string& key) {
  if (object.is_null()) return nullptr;
  if (!object.is_object()) return WrongType(path.empty() ? "the document" : path, "an object");
  return Member(object, key);
}

}  // namespace

const json* Member(const json& object, const std::string& key) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

std::string Child(const std::string& path, const std::string& key) {
  return path.empty() ? key : absl::StrCat(path, ".", key);
}

std::string Element(const std::string& path, size_t index) {
  return absl::StrCat(path, "[", index, "]");
}

absl::StatusOr<std::string> StringField(const json& object, const std::string& path,
                                        const std::string& key, const std::string& fallback) {
  absl::StatusOr<const json*> member = Find(object, path, key);
  if (!member.ok()) return member.status();
  if (*member == nullptr) return fallback;
  if (!(*member)->is_string()) return WrongType(Child(path, key), "a string");
  return (*member)->get<std::string>();
}

absl::StatusOr<int64_t> IntegerField(const json& object, const std::string& path,
                                     const std::string& key, int64_t fallback) {
  absl::StatusOr<const json*> member = Find(object, path, key);
  if (!member.ok()) return member.status();
  if (*member == nullptr) return fallback;
  const json& value = **member;
  if (value.is_number_unsigned()) {
    if (value.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
      return WrongType(Child(path, key), "an integer in range");
    }
    return static_cast<int64_t>(value.get<uint64_t>());
  }
  if (!value.is_number_integer()) return WrongType(Child(path, key), "an integer");
  return value.get<int64_t>();
}

absl::StatusOr<json> ArrayField(const json& object, const std::string& path,
                                const std::string& key) {
  absl::StatusOr<const json*> member = Find(object, path, key);
  if (!member.ok()) return member.status();
  if (*member == nullptr) return json::array();
  if (!(*member)->is_array()) return WrongType(Child(path, key), "an array");
  return **member;
}

absl::StatusOr<json> ObjectField(const json& object, const std::string& path,
                                 const std::string& key) {
  absl::StatusOr<const json*> member = Find(object, path, key);
  if (!member.ok()) return member.status();
  if (*member == nullptr) return json::object();
  if (!(*member)->is_object()) return WrongType(Child(path, key), "an object");
  return **member;
}

std::string Dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace kanarya::kube
