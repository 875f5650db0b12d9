//! The spec as written: serde types that mirror spec version 1 key for key. They are decoded only
//! after validation passed (see `load.rs`); `model::Model::build` turns them into the validated model.

pub mod load;
pub mod tree;

use std::collections::BTreeMap;

use serde::Deserialize;

pub use load::Source;

/// A whole spec file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// Always 1.
    pub version: u32,
    /// The deployment name.
    pub name: String,
    /// Default location of created resources.
    pub location: String,
    /// Tags on every created resource that takes tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// API version overrides by resource provider namespace.
    #[serde(default)]
    pub api_versions: BTreeMap<String, String>,
    /// The Foundry resources.
    pub foundries: Vec<Foundry>,
}

/// The managed identity a Foundry account uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum IdentityKind {
    /// The account's own system-assigned identity.
    #[default]
    SystemAssigned,
    /// A user-assigned identity named by `user_assigned_identity`.
    UserAssigned,
}

/// `enabled` / `disabled`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Toggle {
    /// On.
    Enabled,
    /// Off.
    Disabled,
}

/// A Foundry resource (`Microsoft.CognitiveServices/accounts`, kind `AIServices`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Foundry {
    /// Account name.
    pub name: String,
    /// Reference an account that exists instead of creating one.
    #[serde(default)]
    pub existing: bool,
    /// Subscription of an existing account.
    pub subscription: Option<String>,
    /// Resource group of an existing account.
    pub resource_group: Option<String>,
    /// Location, defaulting to the spec's.
    pub location: Option<String>,
    /// SKU name, default `S0`.
    pub sku: Option<String>,
    /// Identity kind.
    #[serde(default)]
    pub identity: IdentityKind,
    /// The user-assigned identity, with `identity: user_assigned`.
    pub user_assigned_identity: Option<ResourceRef>,
    /// Custom subdomain, default the account name.
    pub custom_subdomain: Option<String>,
    /// Turn off key-based auth on the account.
    pub disable_local_auth: Option<bool>,
    /// Public network access.
    pub public_network_access: Option<Toggle>,
    /// Projects.
    #[serde(default)]
    pub projects: Vec<Project>,
    /// The bring-your-own Key Vault connection.
    pub key_vault: Option<KeyVault>,
    /// Other connections.
    #[serde(default)]
    pub connections: Vec<Connection>,
}

/// A resource named by name, with optional resource group and subscription.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceRef {
    /// Name.
    pub name: String,
    /// Resource group, default the deployment's.
    pub resource_group: Option<String>,
    /// Subscription, default the deployment's.
    pub subscription: Option<String>,
}

/// A Foundry project.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Project {
    /// Project name.
    pub name: String,
    /// Reference a project that exists.
    #[serde(default)]
    pub existing: bool,
    /// Display name.
    pub display_name: Option<String>,
    /// Description.
    pub description: Option<String>,
}

/// How a Key Vault grants access.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PermissionModel {
    /// Azure RBAC.
    #[default]
    Rbac,
    /// Vault access policies.
    AccessPolicies,
}

/// The role the Foundry identity gets on an RBAC vault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum KeyVaultRole {
    /// Key Vault Secrets Officer (least privilege that works).
    #[default]
    SecretsOfficer,
    /// Key Vault Administrator.
    Administrator,
    /// Key Vault Contributor (management plane only).
    Contributor,
}

/// The `key_vault` block.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyVault {
    /// Vault name.
    pub name: String,
    /// Subscription of the vault.
    pub subscription: Option<String>,
    /// Resource group of the vault.
    pub resource_group: Option<String>,
    /// RBAC or access policies.
    #[serde(default)]
    pub permission_model: PermissionModel,
    /// RBAC role.
    pub role: Option<KeyVaultRole>,
    /// Access-policy secret permissions.
    pub secret_permissions: Option<Vec<String>>,
    /// Connection name, default `<foundry>-keyvault`.
    pub connection_name: Option<String>,
    /// How long to wait for the role to take effect, e.g. `60s`.
    pub wait_for_role: Option<String>,
}

/// A connection.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Connection {
    /// Connection name.
    pub name: String,
    /// Project, for a project-level connection.
    pub project: Option<String>,
    /// Azure category literal.
    pub category: String,
    /// What it connects to.
    pub target: Target,
    /// Authentication.
    pub auth: Auth,
    /// Roles granted to the connection's identity on the target.
    #[serde(default)]
    pub roles: Vec<String>,
    /// `isSharedToAll`.
    pub shared_to_all: Option<bool>,
    /// Metadata merged over the category defaults.
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
}

/// `endpoint` or `id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetUse {
    /// The resource's endpoint URL.
    Endpoint,
    /// The resource id.
    Id,
}

/// A connection target: exactly one of `resource`, `resource_id`, `url`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// An existing Azure resource.
    pub resource: Option<TargetResource>,
    /// An existing Azure resource, by id.
    pub resource_id: Option<String>,
    /// A plain URL.
    pub url: Option<String>,
    /// Endpoint or id.
    #[serde(rename = "use")]
    pub use_: Option<TargetUse>,
}

/// An existing target resource.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetResource {
    /// `Namespace/type`.
    #[serde(rename = "type")]
    pub type_: String,
    /// Name.
    pub name: String,
    /// Resource group.
    pub resource_group: Option<String>,
    /// Subscription.
    pub subscription: Option<String>,
}

/// A credential value: a secure parameter, read from the target, or (identifiers only) plain text.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum Credential {
    /// `{ secret: NAME }`.
    Secret {
        /// Parameter name.
        secret: String,
    },
    /// `{ from_target: true }`.
    FromTarget {
        /// Always true after validation.
        from_target: bool,
    },
    /// A plain string (identifiers only).
    Plain(String),
}

/// The `auth` block.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Auth {
    /// The Azure authType literal.
    #[serde(rename = "type")]
    pub type_: String,
    /// ApiKey / AccountKey.
    pub key: Option<Credential>,
    /// CustomKeys.
    pub keys: Option<BTreeMap<String, Credential>>,
    /// ServicePrincipal, OAuth2, ManagedIdentity.
    pub client_id: Option<String>,
    /// ServicePrincipal, OAuth2.
    pub tenant_id: Option<String>,
    /// ServicePrincipal, OAuth2.
    pub client_secret: Option<Credential>,
    /// OAuth2.
    pub auth_url: Option<String>,
    /// OAuth2, UsernamePassword.
    pub username: Option<String>,
    /// OAuth2, UsernamePassword.
    pub password: Option<Credential>,
    /// OAuth2.
    pub refresh_token: Option<Credential>,
    /// OAuth2.
    pub developer_token: Option<Credential>,
    /// UsernamePassword.
    pub security_token: Option<Credential>,
    /// SAS.
    pub sas: Option<Credential>,
    /// PAT.
    pub pat: Option<Credential>,
    /// AccessKey.
    pub access_key_id: Option<String>,
    /// AccessKey.
    pub secret_access_key: Option<Credential>,
    /// ManagedIdentity: the user-assigned identity's resource id.
    pub resource_id: Option<String>,
    /// ProjectManagedIdentity: the token audience.
    pub audience: Option<String>,
}
