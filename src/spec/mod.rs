//! The spec as written: serde types that mirror spec version 1 key for key. They are decoded only
//! after validation passed (see `load.rs`); `model::Model::build` turns them into the validated model.
//!
//! The same types derive `schemars::JsonSchema`, which `crate::schema` turns into the JSON Schema of
//! the format; their `///` docs become its descriptions. The `#[schemars(...)]` attributes narrow the
//! schema to what validation accepts where the serde types are looser (`version`, credentials,
//! `secret_permissions`, targets); `tests/schema.rs` checks the schema against the shape table in
//! `validate::structure`.

pub mod load;
mod syntax;
pub mod tree;

use std::collections::BTreeMap;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;

use crate::validate::structure::Known;

pub use load::Source;

/// A foundrygen spec, version 1: Azure AI Foundry accounts, their projects and their connections.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// The spec format's version; always 1.
    #[schemars(schema_with = "version_schema")]
    pub version: u32,
    /// The deployment's name: 1–64 letters, digits, `-`, `_` and `.`.
    pub name: String,
    /// Default Azure region of the resources the spec creates, e.g. `eastus2`.
    pub location: String,
    /// Tags on every created account, project and wait script.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// API version overrides by resource provider namespace, e.g.
    /// `Microsoft.CognitiveServices: 2025-06-01`.
    #[serde(default)]
    pub api_versions: BTreeMap<String, String>,
    /// The Foundry accounts, one entry each.
    pub foundries: Vec<Foundry>,
}

/// The managed identity a Foundry account uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum IdentityKind {
    /// The account's own system-assigned identity.
    #[default]
    SystemAssigned,
    /// A user-assigned identity named by `user_assigned_identity`.
    UserAssigned,
}

/// `enabled` / `disabled`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Toggle {
    /// On.
    Enabled,
    /// Off.
    Disabled,
}

/// A Foundry resource (`Microsoft.CognitiveServices/accounts`, kind `AIServices`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Foundry {
    /// Account name: 2–64 letters, digits and hyphens, alphanumeric at both ends.
    pub name: String,
    /// Reference an account that exists instead of creating one.
    #[serde(default)]
    pub existing: bool,
    /// Subscription of an existing account (a GUID); default the deployment's.
    pub subscription: Option<String>,
    /// Resource group of an existing account; default the deployment's.
    pub resource_group: Option<String>,
    /// Region, default the spec's `location`.
    pub location: Option<String>,
    /// SKU name, default `S0`.
    pub sku: Option<String>,
    /// The managed identity the account uses, default `system_assigned`.
    #[serde(default)]
    #[schemars(extend("default" = "system_assigned"))]
    pub identity: IdentityKind,
    /// The user-assigned identity; required with `identity: user_assigned`, refused without it.
    pub user_assigned_identity: Option<ResourceRef>,
    /// Custom subdomain, default the account name.
    pub custom_subdomain: Option<String>,
    /// Turn off key-based auth on the account; default `true` (keys off), `false` keeps them on.
    pub disable_local_auth: Option<bool>,
    /// Public network access (Azure's default: enabled).
    pub public_network_access: Option<Toggle>,
    /// Terraform purges the account after destroying it, freeing its name at once instead of after
    /// 48 hours of soft delete; only for an account the spec creates. Default `false`.
    #[serde(default)]
    pub purge_on_delete: bool,
    /// The account's projects.
    #[serde(default)]
    pub projects: Vec<Project>,
    /// The bring-your-own Key Vault connection.
    pub key_vault: Option<KeyVault>,
    /// Other connections, at account level or (with `project`) project level.
    #[serde(default)]
    pub connections: Vec<Connection>,
}

/// A resource named by name, with optional resource group and subscription.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceRef {
    /// Name.
    pub name: String,
    /// Resource group, default the deployment's.
    pub resource_group: Option<String>,
    /// Subscription (a GUID), default the deployment's.
    pub subscription: Option<String>,
}

/// A Foundry project.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Project {
    /// Project name: 2–64 characters, starting alphanumeric, then letters, digits, `_`, `.` and `-`.
    pub name: String,
    /// Reference a project that exists (only under an existing account).
    #[serde(default)]
    pub existing: bool,
    /// Display name.
    pub display_name: Option<String>,
    /// Description.
    pub description: Option<String>,
}

/// How a Key Vault grants access.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PermissionModel {
    /// Azure RBAC.
    #[default]
    Rbac,
    /// Vault access policies.
    AccessPolicies,
}

/// The role the Foundry identity gets on an RBAC vault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default, JsonSchema)]
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

/// The `key_vault` block: the bring-your-own Key Vault connection.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyVault {
    /// Vault name: 3–24 letters, digits and hyphens, letter first, alphanumeric last, no `--`.
    pub name: String,
    /// Subscription of the vault (a GUID), default the deployment's.
    pub subscription: Option<String>,
    /// Resource group of the vault, default the deployment's.
    pub resource_group: Option<String>,
    /// RBAC or access policies, default `rbac`.
    #[serde(default)]
    #[schemars(extend("default" = "rbac"))]
    pub permission_model: PermissionModel,
    /// The role on an RBAC vault (`rbac` only), default `secrets_officer`.
    pub role: Option<KeyVaultRole>,
    /// Access-policy secret permissions (`access_policies` only), default `[get, list, set, delete]`.
    #[schemars(transform = secret_permissions_schema)]
    pub secret_permissions: Option<Vec<String>>,
    /// Connection name, default `<foundry>-keyvault`.
    pub connection_name: Option<String>,
    /// How long to wait for the access to take effect: `60s`, `5m`, `1m30s`…, at most `30m`.
    pub wait_for_role: Option<String>,
}

/// A connection.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = crate::schema::data_plane_roles_need_their_target)]
pub struct Connection {
    /// Connection name: 3–33 letters, digits, `_` and `-`, starting alphanumeric.
    pub name: String,
    /// The project, for a project-level connection; omit for an account-level one.
    pub project: Option<String>,
    /// Azure connection category literal, e.g. `CognitiveSearch`, `AzureOpenAI`, `ApiKey`
    /// (`foundrygen categories` lists them with their auth types).
    #[schemars(transform = category_schema)]
    pub category: String,
    /// What it connects to.
    pub target: Target,
    /// Authentication.
    pub auth: Auth,
    /// Roles granted to the connection's identity on the target: built-in role names or role
    /// definition GUIDs (resource targets only); on a Cosmos DB account also its data-plane roles.
    #[serde(default)]
    #[schemars(transform = roles_schema)]
    pub roles: Vec<String>,
    /// `isSharedToAll`; default true at account level, false in a project.
    pub shared_to_all: Option<bool>,
    /// Metadata (strings only) merged over the category defaults.
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
}

/// `endpoint` or `id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TargetUse {
    /// The resource's endpoint URL.
    Endpoint,
    /// The resource id.
    Id,
}

/// A connection target: exactly one of `resource`, `resource_id`, `url`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("oneOf" = [
    { "required": ["resource"] },
    { "required": ["resource_id"] },
    { "required": ["url"] },
]))]
pub struct Target {
    /// An existing Azure resource.
    pub resource: Option<TargetResource>,
    /// An existing Azure resource, by id:
    /// `/subscriptions/<guid>/resourceGroups/<rg>/providers/<Namespace>/<type>/<name>`.
    pub resource_id: Option<String>,
    /// A plain URL, written as given.
    pub url: Option<String>,
    /// Send the resource's endpoint or its id as the connection's target (resource targets only);
    /// the default depends on the resource type.
    #[serde(rename = "use")]
    pub use_: Option<TargetUse>,
}

/// An existing target resource.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetResource {
    /// `Namespace/type`, e.g. `Microsoft.Search/searchServices`.
    #[serde(rename = "type")]
    pub type_: String,
    /// Name.
    pub name: String,
    /// Resource group, default the deployment's.
    pub resource_group: Option<String>,
    /// Subscription (a GUID), default the deployment's.
    pub subscription: Option<String>,
}

/// A secret-bearing credential: `{ secret: NAME }` (a secure deployment parameter) or
/// `{ from_target: true }` (read from the target at deployment time). Never a literal.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq, JsonSchema)]
#[serde(untagged)]
#[schemars(deny_unknown_fields)]
pub enum Credential {
    /// `{ secret: NAME }`.
    Secret {
        /// Name of the secure deployment parameter that carries the value: letters, digits and
        /// `_`, starting with a letter, at most 64 characters.
        #[schemars(regex(pattern = r"^[A-Za-z][A-Za-z0-9_]{0,63}$"))]
        secret: String,
    },
    /// `{ from_target: true }`.
    FromTarget {
        /// Read the value from the target (for `key` only, where foundrygen knows how).
        #[schemars(extend("const" = true))]
        from_target: bool,
    },
    /// A plain string: decoded, but refused by validation wherever a secret belongs, so not part of
    /// the schema.
    #[schemars(skip)]
    Plain(String),
}

/// The `auth` block: the auth type and the credentials it needs, no others.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Auth {
    /// The Azure authType literal: `AAD`, `None`, `AccountManagedIdentity`, `ApiKey`, `AccountKey`,
    /// `CustomKeys`, `ServicePrincipal`, `OAuth2`, `ManagedIdentity`, `PAT`, `SAS`, `AccessKey`,
    /// `UsernamePassword`, `ProjectManagedIdentity`. Entra ID is `AAD`.
    #[serde(rename = "type")]
    #[schemars(transform = auth_type_schema)]
    pub type_: String,
    /// ApiKey, AccountKey.
    pub key: Option<Credential>,
    /// CustomKeys: a credential per key name.
    pub keys: Option<BTreeMap<String, Credential>>,
    /// ServicePrincipal, OAuth2, ManagedIdentity (a GUID).
    pub client_id: Option<String>,
    /// ServicePrincipal, OAuth2 (a GUID).
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
    /// OAuth2: the token endpoint (`tokenUrl`, which Azure's published types lack); required for a
    /// `ModelGateway` connection.
    pub token_url: Option<String>,
    /// OAuth2: the scopes to request (`scopes`, which Azure's published types lack).
    pub scopes: Option<Vec<String>>,
}

/// `version`: the integer 1.
fn version_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "integer", "const": 1 })
}

/// `secret_permissions`: only the literals `validate::structure` accepts.
fn secret_permissions_schema(schema: &mut Schema) {
    schema.insert(
        "items".into(),
        json_schema!({
            "type": "string",
            "enum": crate::validate::structure::SECRET_PERMISSIONS,
        })
        .into(),
    );
}

/// `category`: the category literals validation accepts.
fn category_schema(schema: &mut Schema) {
    crate::schema::narrow(schema, Known::Category);
}

/// `auth.type`: the auth type literals.
fn auth_type_schema(schema: &mut Schema) {
    crate::schema::narrow(schema, Known::AuthType);
}

/// `roles`: built-in role names or role definition GUIDs.
fn roles_schema(schema: &mut Schema) {
    schema.insert("items".into(), crate::schema::known(Known::Role));
}
