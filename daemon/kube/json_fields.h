// Reads of Kubernetes objects and other server data that never throw and
// never reach undefined behaviour: a member that is absent (or null) reads as
// its fallback; one of the wrong type, or a parent that is not an object, is
// InvalidArgument naming the field's path ("spec.http[0].name"). Pure.
#ifndef KANARYA_DAEMON_KUBE_JSON_FIELDS_H_
#define KANARYA_DAEMON_KUBE_JSON_FIELDS_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "absl/status/statusor.h"

namespace kanarya::kube {

// The member `key` of `object`, or null when absent, null, or `object` is not
// an object.
const nlohmann::json* Member(const nlohmann::json& object, const std::string& key);

// `path` names `object`; the field's path is path + "." + key.
absl::StatusOr<std::string> StringField(const nlohmann::json& object, const std::string& path,
                                        const std::string& key, const std::string& fallback = "");
absl::StatusOr<int64_t> IntegerField(const nlohmann::json& object, const std::string& path,
                                     const std::string& key, int64_t fallback = 0);
// The member itself; an empty array or object when absent.
absl::StatusOr<nlohmann::json> ArrayField(const nlohmann::json& object, const std::string& path,
                                          const std::string& key);
absl::StatusOr<nlohmann::json> ObjectField(const nlohmann::json& object, const std::string& path,
                                           const std::string& key);

// The path of a member or an element: Child("spec", "http") is "spec.http",
// Element("spec.http", 0) is "spec.http[0]".
std::string Child(const std::string& path, const std::string& key);
std::string Element(const std::string& path, size_t index);

// Serialises without ever throwing: invalid UTF-8 in strings becomes U+FFFD.
std::string Dump(const nlohmann::json& value);

}  // namespace kanarya::kube

#endif  // KANARYA_DAEMON_KUBE_JSON_FIELDS_H_
