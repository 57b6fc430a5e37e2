#include "daemon/api/auth/role_bindings.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace kanarya::auth {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(RoleBindingsTest, GroupsNameARoleEverywhereOrInOneNamespace) {
  absl::StatusOr<std::optional<RoleBinding>> everywhere = BindingOfGroup("kanarya:operator");
  ASSERT_TRUE(everywhere.ok() && everywhere->has_value());
  EXPECT_EQ((*everywhere)->role, Role::kOperator);
  EXPECT_TRUE((*everywhere)->namespaces.empty());

  absl::StatusOr<std::optional<RoleBinding>> one = BindingOfGroup("kanarya:approver:shop");
  ASSERT_TRUE(one.ok() && one->has_value());
  EXPECT_EQ((*one)->role, Role::kApprover);
  EXPECT_THAT((*one)->namespaces, ElementsAre("shop"));

  absl::StatusOr<std::optional<RoleBinding>> other = BindingOfGroup("sre");
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->has_value());

  for (const char* bad : {"kanarya:", "kanarya:admin", "kanarya:viewer:", "kanarya:viewer:a:b",
                          "kanarya:viewer:-shop", "kanarya:Viewer"}) {
    EXPECT_EQ(BindingOfGroup(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(RoleBindingsTest, OperatorAndApproverImplyViewerButNotEachOther) {
  const RoleBindings bindings;
  const Identity op{.principal = "o", .groups = {"kanarya:operator:shop"}};
  EXPECT_TRUE(bindings.Grants(op, Role::kOperator, "shop"));
  EXPECT_TRUE(bindings.Grants(op, Role::kViewer, "shop"));
  EXPECT_FALSE(bindings.Grants(op, Role::kApprover, "shop"));
  EXPECT_FALSE(bindings.Grants(op, Role::kViewer, "bank"));

  const Identity approver{.principal = "a", .groups = {"kanarya:approver"}};
  EXPECT_TRUE(bindings.Grants(approver, Role::kApprover, "bank"));
  EXPECT_TRUE(bindings.Grants(approver, Role::kViewer, "shop"));
  EXPECT_FALSE(bindings.Grants(approver, Role::kOperator, "shop"));

  const Identity viewer{.principal = "v", .groups = {"kanarya:viewer:shop"}};
  EXPECT_TRUE(bindings.Grants(viewer, Role::kViewer, "shop"));
  EXPECT_FALSE(bindings.Grants(viewer, Role::kOperator, "shop"));
  EXPECT_FALSE(bindings.Grants(viewer, Role::kApprover, "shop"));

  const Identity nobody{.principal = "n", .groups = {"sre", "kanarya:typo"}};
  EXPECT_FALSE(bindings.Grants(nobody, Role::kViewer, "shop"));
  EXPECT_FALSE(bindings.HoldsAnyRole(nobody));
}

TEST(RoleBindingsTest, ConfiguredBindingsByPrincipalOrGroup) {
  const RoleBindings bindings({
      {.principal = "alice", .role = Role::kApprover, .namespaces = {"shop", "bank"}},
      {.group = "sre", .role = Role::kOperator},
  });
  const Identity alice{.principal = "alice"};
  EXPECT_TRUE(bindings.Grants(alice, Role::kApprover, "bank"));
  EXPECT_FALSE(bindings.Grants(alice, Role::kApprover, "mail"));
  EXPECT_FALSE(bindings.Grants(Identity{.principal = "alice2"}, Role::kViewer, "shop"));
  const Identity sre{.principal = "bob", .groups = {"sre"}};
  EXPECT_TRUE(bindings.Grants(sre, Role::kOperator, "anything"));
  EXPECT_FALSE(bindings.Grants(sre, Role::kApprover, "anything"));
  // A principal named like the group is not in it.
  EXPECT_FALSE(bindings.Grants(Identity{.principal = "sre"}, Role::kViewer, "shop"));
}

TEST(RoleBindingsTest, ViewableNamespacesUnionTheBindings) {
  const RoleBindings bindings({{.principal = "alice", .role = Role::kViewer, .namespaces = {"a"}}});
  const NamespaceScope some = bindings.ViewableNamespaces(
      Identity{.principal = "alice", .groups = {"kanarya:operator:b", "kanarya:approver:c"}});
  EXPECT_FALSE(some.every_namespace);
  EXPECT_THAT(some.namespaces, ElementsAre("a", "b", "c"));
  EXPECT_TRUE(bindings.ViewableNamespaces(Identity{.principal = "x", .groups = {"kanarya:viewer"}})
                  .every_namespace);
  const NamespaceScope none = bindings.ViewableNamespaces(Identity{.principal = "x"});
  EXPECT_FALSE(none.every_namespace);
  EXPECT_TRUE(none.namespaces.empty());
}

TEST(RoleBindingsTest, NamespaceNamesFollowKubernetes) {
  EXPECT_TRUE(CheckNamespaceName("team-a1").ok());
  EXPECT_TRUE(CheckNamespaceName(std::string(63, 'a')).ok());
  EXPECT_THAT(CheckNamespaceName(std::string(64, 'a')).message(), HasSubstr("longer than 63"));
  for (const char* bad : {"", "Team", "team_a", "-a", "a-", "a.b"}) {
    EXPECT_FALSE(CheckNamespaceName(bad).ok()) << bad;
  }
}

TEST(RoleBindingsTest, RoleNamesRoundTrip) {
  for (Role role : {Role::kViewer, Role::kOperator, Role::kApprover}) {
    EXPECT_EQ(ParseRole(RoleName(role)), role);
  }
  EXPECT_FALSE(ParseRole("admin").has_value());
}

}  // namespace
}  // namespace kanarya::auth
