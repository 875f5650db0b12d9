//! The spec as written: serde types that mirror spec version 1 key for key. They are decoded only
//! after validation passed (see `load.rs`); `model::Model::build` turns them into the validated model.
//!
//! The same types derive `schemars::JsonSchema`, which `crate::schema` turns into the JSON Schema of
//! the format; their `///` docs become its descriptions. The `#[schemars(...)]` attributes narrow the
//! schema to what validation accepts where the serde types are looser (`version`, credentials,
//! `secret_permissions`, targets); `tests/schema.rs` checks the schema against the shape table in
//! `validate::structure`.

mod de;
pub mod load;
mod syntax;
pub mod tree;

use std::collections::BTreeMap;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;

use crate::validate::structure::Known;

pub use load::Source;

/// A foundrygen spec, version 1: Azure AI Foundry accounts, their model deployments, projects and
/// connections.
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
    /// Azure resources this deployment creates for its connections to use: search services,
    /// storage accounts, Cosmos DB accounts, Key Vaults, Log Analytics workspaces, Application
    /// Insights components, Azure OpenAI / AI Services accounts.
    #[serde(default)]
    pub resources: Vec<Resource>,
    /// The Foundry accounts, one entry each.
    pub foundries: Vec<Foundry>,
}

/// How a spec names one Azure resource, for telling whether two places name the same one (a
/// connection's target and an entry of `resources:`): the type, subscription, resource group and
/// name, case-insensitive, `None` standing for the deployment's subscription or group.
pub fn resource_key(
    resource_type: &str,
    subscription: Option<&str>,
    resource_group: Option<&str>,
    name: &str,
) -> String {
    format!(
        "{}|{}|{}|{}",
        resource_type.trim().to_ascii_lowercase(),
        subscription.unwrap_or("").to_ascii_lowercase(),
        resource_group.unwrap_or("").to_ascii_lowercase(),
        name.to_ascii_lowercase()
    )
}

/// A resource the deployment creates (`resources:`). The keys after `tags` belong to some types
/// only; validation refuses a key on a type it does not fit.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Resource {
    /// The ARM type, e.g. `Microsoft.Search/searchServices`. Validation also accepts a type
    /// written in another case (`microsoft.search/searchservices`) and writes it as listed here.
    #[serde(rename = "type")]
    #[schemars(transform = created_type_schema)]
    pub type_: String,
    /// The resource's name, by its type's naming rule; most of these are global DNS names.
    pub name: String,
    /// Resource group, default the deployment's (a module / nested deployment otherwise).
    pub resource_group: Option<String>,
    /// Subscription (a GUID), default the deployment's.
    pub subscription: Option<String>,
    /// Region, default the spec's `location`.
    pub location: Option<String>,
    /// Tags, merged over the spec's.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// SKU name: Search `free` … `storage_optimized_l2` (default `basic`), Storage
    /// `Standard_LRS` (default) …, Cognitive Services `S0` (default).
    pub sku: Option<String>,
    /// Search: replica count (1–12, default 1; free takes 1, basic at most 3, and the standard
    /// and storage-optimized tiers at most 36 search units, replicas × partitions).
    #[schemars(range(min = 1, max = 12))]
    pub replicas: Option<u32>,
    /// Search: partition count (1, 2, 3, 4, 6 or 12; default 1; free takes 1, basic at most 3).
    #[schemars(transform = partitions_schema)]
    pub partitions: Option<u32>,
    /// Search, Storage (shared keys), Cosmos DB, Cognitive Services: turn key-based auth off.
    /// Default `true`, unless a connection of the spec reads a key of the resource.
    pub disable_local_auth: Option<bool>,
    /// Storage: blob containers to create.
    #[serde(default)]
    pub containers: Vec<String>,
    /// Cosmos DB: SQL databases to create.
    #[serde(default)]
    pub databases: Vec<String>,
    /// Key Vault: purge protection (default `true`; `false` leaves it off, and once on it stays
    /// on).
    pub purge_protection: Option<bool>,
    /// Key Vault: days a deleted vault is kept (7–90, default 90; fixed once the vault exists).
    #[schemars(range(min = 7, max = 90))]
    pub soft_delete_days: Option<u32>,
    /// Log Analytics: days of retention (30–730, default 30).
    #[schemars(range(min = 30, max = 730))]
    pub retention_days: Option<u32>,
    /// Application Insights (required): its Log Analytics workspace, by name in `resources:` or
    /// by resource id.
    pub workspace: Option<String>,
    /// Cognitive Services (required): `OpenAI` or `AIServices`.
    #[schemars(transform = account_kind_schema)]
    pub kind: Option<String>,
    /// Cognitive Services: model deployments on the account (the same keys as a foundry's).
    #[serde(default)]
    pub deployments: Vec<ModelDeployment>,
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
    /// Model deployments on the account, created one after another before its projects.
    #[serde(default)]
    pub deployments: Vec<ModelDeployment>,
    /// The account's projects.
    #[serde(default)]
    pub projects: Vec<Project>,
    /// The bring-your-own Key Vault connection.
    pub key_vault: Option<KeyVault>,
    /// The account's Agent Service capability host (kind `Agents`), created only when this block
    /// names it.
    pub capability_host: Option<AccountCapabilityHost>,
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
    /// The project's Agent Service capability host.
    pub capability_host: Option<ProjectCapabilityHost>,
}

/// An account's capability host (`accounts/capabilityHosts`, kind `Agents`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountCapabilityHost {
    /// Capability host name: 1–255 letters, digits, `-` and `_`, starting alphanumeric.
    pub name: String,
}

/// A project's capability host (`accounts/projects/capabilityHosts`): the connections the Agent
/// Service keeps its threads, vectors and files in (all three, or none for Microsoft-managed
/// storage), and an optional AI Services / Azure OpenAI connection.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectCapabilityHost {
    /// Capability host name, default `<project>-caphost` (other characters replaced by `-`).
    pub name: Option<String>,
    /// A `CosmosDb` connection of the project (Entra ID): thread storage.
    pub thread_storage: Option<String>,
    /// A `CognitiveSearch` connection of the project (Entra ID): the vector store.
    pub vector_store: Option<String>,
    /// An `AzureStorageAccount` connection of the project (Entra ID): file storage.
    pub file_storage: Option<String>,
    /// An `AzureOpenAI` or `AIServices` connection of the project: the models the agents use.
    pub ai_services: Option<String>,
    /// Grant the project's identity the roles the Agent Service needs on the three storage
    /// targets; default `true`.
    pub grant_roles: Option<bool>,
    /// How long to wait after the roles before the capability host: `60s`, `5m`, `1m30s`…, at
    /// most `30m`.
    pub wait_for_role: Option<String>,
}

/// A model deployment (`Microsoft.CognitiveServices/accounts/deployments`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModelDeployment {
    /// Model deployment name, unique per account: 2–64 letters, digits, `_`, `.` and `-`,
    /// starting with a letter or digit.
    pub name: String,
    /// The model it serves.
    pub model: DeploymentModel,
    /// The deployment type and its capacity.
    pub sku: DeploymentSku,
    /// `raiPolicyName`: the content filter (RAI policy) it uses, e.g. `Microsoft.DefaultV2`.
    pub rai_policy: Option<String>,
    /// `versionUpgradeOption`: when Azure moves the deployment to a newer model version.
    pub version_upgrade: Option<VersionUpgrade>,
}

/// The model of a deployment.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeploymentModel {
    /// Model name, e.g. `gpt-4o`.
    pub name: String,
    /// Model version, e.g. `"2024-11-20"`; default the model's default version.
    pub version: Option<String>,
    /// Model format (its publisher's), default `OpenAI`.
    pub format: Option<String>,
}

/// The SKU of a model deployment.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeploymentSku {
    /// The deployment type's SKU name: `GlobalStandard`, `DataZoneStandard`, `Standard`,
    /// `GlobalProvisionedManaged`, `DataZoneProvisionedManaged`, `ProvisionedManaged`,
    /// `GlobalBatch`, `DataZoneBatch` or `DeveloperTier`.
    #[schemars(transform = deployment_sku_schema)]
    pub name: String,
    /// Capacity in the SKU's units (thousands of tokens per minute, or provisioned throughput
    /// units); default 1.
    #[schemars(range(min = 1))]
    pub capacity: Option<i64>,
}

/// `versionUpgradeOption`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum VersionUpgrade {
    /// Move to a new default version as soon as there is one.
    OnceNewDefaultVersionAvailable,
    /// Move only when the current version expires.
    OnceCurrentVersionExpired,
    /// Never move automatically.
    NoAutoUpgrade,
}

impl VersionUpgrade {
    /// Azure's literal.
    pub fn literal(self) -> &'static str {
        match self {
            VersionUpgrade::OnceNewDefaultVersionAvailable => "OnceNewDefaultVersionAvailable",
            VersionUpgrade::OnceCurrentVersionExpired => "OnceCurrentVersionExpired",
            VersionUpgrade::NoAutoUpgrade => "NoAutoUpgrade",
        }
    }
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

/// Whether the Foundry identity's vault access is created by the deployment or exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum VaultAccess {
    /// The deployment grants it (a role assignment or an access policy).
    #[default]
    Create,
    /// It exists (a Key Vault connection set up before): nothing is created for it.
    Existing,
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
    /// `create` (default): the deployment grants the Foundry identity its vault access;
    /// `existing`: that access exists (a Key Vault connection made before, as `import` writes),
    /// so nothing is created for it and the other connections wait for the Key Vault connection
    /// (and the wait) only.
    #[serde(default)]
    #[schemars(extend("default" = "create"))]
    pub access: VaultAccess,
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

/// `resources[].type`: the types foundrygen creates.
fn created_type_schema(schema: &mut Schema) {
    crate::schema::narrow(schema, Known::CreatedType);
}

/// `resources[].partitions`: the partition counts Azure AI Search takes
/// (`catalog::SEARCH_PARTITIONS`).
fn partitions_schema(schema: &mut Schema) {
    schema.remove("minimum");
    schema.remove("format");
    schema.insert(
        "enum".into(),
        serde_json::json!(crate::catalog::SEARCH_PARTITIONS),
    );
}

/// `resources[].kind`: the account kinds foundrygen creates.
fn account_kind_schema(schema: &mut Schema) {
    schema.insert(
        "enum".into(),
        serde_json::json!(crate::catalog::ACCOUNT_KINDS),
    );
}

/// `auth.type`: the auth type literals.
fn auth_type_schema(schema: &mut Schema) {
    crate::schema::narrow(schema, Known::AuthType);
}

/// A model deployment's `sku.name`: the SKU names validation accepts.
fn deployment_sku_schema(schema: &mut Schema) {
    crate::schema::narrow(schema, Known::DeploymentSku);
}

/// `roles`: built-in role names or role definition GUIDs.
fn roles_schema(schema: &mut Schema) {
    schema.insert("items".into(), crate::schema::known(Known::Role));
}
