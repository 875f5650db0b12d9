//! Static Azure facts: categories, auth types, roles, resource types and API versions;
//! used by validate and model.

// Sources: /work/shared/reference/azure-facts.md and /work/shared/reference/types/
// (bicep-types-az snapshot 1f896de2, 2026-08-20), cross-checked against the stored
// copies of Azure/bicep-types-az `generated/**/types.md` and the Microsoft Learn page
// "Azure built-in roles" (role-based-access-control/built-in-roles, ms.date 2026-09-10).

// ---------------------------------------------------------------------------
// Connection categories
// ---------------------------------------------------------------------------

/// Every connection category literal Azure publishes (2026-07-01 types), in the published order.
///
/// Extracted from `ConnectionPropertiesV2.category` in
/// `cognitiveservices-2026-07-01.connections-extract.json`; 2026-09-01 and
/// 2026-07-15-preview publish the same list. The property is an open union, so
/// Azure also accepts other strings; this list is what the types name.
pub const CATEGORIES: &[&str] = &[
    "PythonFeed",
    "ContainerRegistry",
    "Git",
    "S3",
    "Snowflake",
    "AzureKeyVault",
    "AzureSqlDb",
    "AzureSynapseAnalytics",
    "AzureMySqlDb",
    "AzurePostgresDb",
    "ADLSGen2",
    "AzureContainerAppEnvironment",
    "Redis",
    "ApiKey",
    "AzureOpenAI",
    "AIServices",
    "CognitiveSearch",
    "CognitiveService",
    "CustomKeys",
    "AzureBlob",
    "AzureStorageAccount",
    "AzureOneLake",
    "CosmosDb",
    "CosmosDbMongoDbApi",
    "AzureDataExplorer",
    "AzureMariaDb",
    "AzureDatabricksDeltaLake",
    "AzureSqlMi",
    "AzureTableStorage",
    "AmazonRdsForOracle",
    "AmazonRdsForSqlServer",
    "AmazonRedshift",
    "Db2",
    "Drill",
    "GoogleBigQuery",
    "Greenplum",
    "Hbase",
    "Hive",
    "Impala",
    "Informix",
    "MariaDb",
    "MicrosoftAccess",
    "MySql",
    "Netezza",
    "Oracle",
    "Phoenix",
    "PostgreSql",
    "Presto",
    "SapOpenHub",
    "SapBw",
    "SapHana",
    "SapTable",
    "Spark",
    "SqlServer",
    "Sybase",
    "Teradata",
    "Vertica",
    "Pinecone",
    "Databricks",
    "Cassandra",
    "Couchbase",
    "MongoDbV2",
    "MongoDbAtlas",
    "AmazonS3Compatible",
    "FileServer",
    "FtpServer",
    "GoogleCloudStorage",
    "Hdfs",
    "OracleCloudStorage",
    "Sftp",
    "GenericHttp",
    "ODataRest",
    "Odbc",
    "GenericRest",
    "RemoteTool",
    "AmazonMws",
    "Concur",
    "Dynamics",
    "DynamicsAx",
    "DynamicsCrm",
    "GoogleAdWords",
    "Hubspot",
    "Jira",
    "Magento",
    "Marketo",
    "Office365",
    "Eloqua",
    "Responsys",
    "OracleServiceCloud",
    "PayPal",
    "QuickBooks",
    "Salesforce",
    "SalesforceServiceCloud",
    "SalesforceMarketingCloud",
    "SapCloudForCustomer",
    "SapEcc",
    "ServiceNow",
    "SharePointOnlineList",
    "Shopify",
    "Square",
    "WebTable",
    "Xero",
    "Zoho",
    "GenericContainerRegistry",
    "Elasticsearch",
    "AppInsights",
    "AppConfig",
    "OpenAI",
    "Serp",
    "BingLLMSearch",
    "Serverless",
    "ManagedOnlineEndpoint",
    "ApiManagement",
    "ModelGateway",
    "GroundingWithBingSearch",
    "GroundingWithCustomSearch",
    "Sharepoint",
    "MicrosoftFabric",
    "PowerPlatformEnvironment",
    "RemoteA2A",
];

/// Spellings accepted besides [`CATEGORIES`], with the literal they stand for: the samples write
/// `CosmosDB`. [`canonical_category`] accepts them (in any case); the JSON Schema offers them.
pub const CATEGORY_SPELLINGS: &[(&str, &str)] = &[("CosmosDB", "CosmosDb")];

/// Map a category as written in a spec to the literal we emit.
///
/// An exact (case-sensitive) match returns the published literal. Any spelling that
/// equals `cosmosdb` case-insensitively (the samples write `CosmosDB`) returns
/// `CosmosDb`. Nothing else is accepted: a case-insensitive match of another literal
/// returns `None`.
pub fn canonical_category(written: &str) -> Option<&'static str> {
    if let Some(found) = CATEGORIES.iter().copied().find(|c| *c == written) {
        return Some(found);
    }
    if written.eq_ignore_ascii_case("cosmosdb") {
        return Some("CosmosDb");
    }
    None
}

// ---------------------------------------------------------------------------
// Auth types
// ---------------------------------------------------------------------------

/// The 14 connection `authType` values: the 12 typed discriminators of
/// `ConnectionPropertiesV2` plus the two the service accepts without a published type.
pub const AUTH_TYPES: &[&str] = &[
    "AAD",
    "ApiKey",
    "AccountKey",
    "CustomKeys",
    "ServicePrincipal",
    "SAS",
    "OAuth2",
    "ManagedIdentity",
    "PAT",
    "AccessKey",
    "UsernamePassword",
    "None",
    "AccountManagedIdentity",
    "ProjectManagedIdentity",
];

/// Auth types Azure accepts but that no published type version lists (Bicep warns, azapi schema validation rejects).
pub const UNPUBLISHED_AUTH_TYPES: &[&str] = &["AccountManagedIdentity", "ProjectManagedIdentity"];

/// Connection properties the service reads but no published type version lists (Bicep warns with
/// BCP037, azapi schema validation rejects them): `audience` of `ProjectManagedIdentity` (API
/// Management), `tokenUrl` and `scopes` of `OAuth2` (a model gateway; foundry-samples
/// `01-connections/model-gateway/modules/modelgateway-connection-common.bicep` sends them through
/// `any()`).
pub const UNPUBLISHED_CONNECTION_PROPERTIES: &[&str] = &["audience", "tokenUrl", "scopes"];

/// Properties the service returns but 2026-07-01 does not publish, read by other resources'
/// bodies: a project's `internalId` (only the account's `AccountProperties` lists one). Bicep
/// warns on the read (BCP053); the service answers it.
pub const UNPUBLISHED_READ_PROPERTIES: &[(&str, &[&str])] = &[(
    "Microsoft.CognitiveServices/accounts/projects",
    &["properties", "internalId"],
)];

/// True when `auth_type` is one of [`AUTH_TYPES`] (exact, case-sensitive match).
pub fn is_auth_type(auth_type: &str) -> bool {
    AUTH_TYPES.contains(&auth_type)
}

/// True when `auth_type` is accepted by the service but absent from every published
/// type version (see [`UNPUBLISHED_AUTH_TYPES`]).
pub fn is_unpublished_auth_type(auth_type: &str) -> bool {
    UNPUBLISHED_AUTH_TYPES.contains(&auth_type)
}

/// Auth types with which a connection presents one of its target's keys, so that the target must
/// keep key-based (local) auth on.
const KEY_AUTH_TYPES: &[&str] = &["ApiKey", "AccountKey", "SAS"];

/// True when a connection of this auth type authenticates with a key of its target.
pub fn authenticates_with_key(auth_type: &str) -> bool {
    KEY_AUTH_TYPES.contains(&auth_type)
}

/// Auth types whose connections carry no secret of their own: Entra ID, none, and the managed
/// identities. With a bring-your-own Key Vault, Foundry stores every other connection's
/// credentials in that vault, with its identity's vault access.
const AUTH_TYPES_WITHOUT_SECRETS: &[&str] = &[
    "AAD",
    "None",
    "ManagedIdentity",
    "AccountManagedIdentity",
    "ProjectManagedIdentity",
];

/// True when Foundry keeps a connection's credentials in the bring-your-own Key Vault, so that
/// creating it needs the Foundry identity's vault access to have taken effect.
pub fn stores_credentials_in_vault(auth_type: &str) -> bool {
    !AUTH_TYPES_WITHOUT_SECRETS.contains(&auth_type)
}

// ---------------------------------------------------------------------------
// Roles
// ---------------------------------------------------------------------------

/// A built-in Azure RBAC role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Role {
    /// Current display name, e.g. `"Foundry User"`.
    pub name: &'static str,
    /// Role definition GUID (lowercase, tenant-independent).
    pub guid: &'static str,
    /// Names the role had before a rename; the GUID did not change.
    pub former_names: &'static [&'static str],
}

const fn role(name: &'static str, guid: &'static str) -> Role {
    Role {
        name,
        guid,
        former_names: &[],
    }
}

// Every GUID below appears with the same name in the Microsoft Learn "Azure built-in
// roles" summary table (ms.date 2026-09-10). Former names: MicrosoftDocs/azure-ai-docs
// articles/foundry/includes/role-rename-note.md (2026-05-11).
/// Built-in roles we know by name (current names).
pub const ROLES: &[Role] = &[
    // Key Vault (Learn: Security)
    role(
        "Key Vault Administrator",
        "00482a5a-887f-4fb3-b363-3b7fe8e74483",
    ),
    role(
        "Key Vault Contributor",
        "f25e0fa2-a7c8-4377-a976-54943a77a395",
    ),
    role(
        "Key Vault Secrets Officer",
        "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
    ),
    role(
        "Key Vault Secrets User",
        "4633458b-17de-408a-b874-0445c86b69e6",
    ),
    role("Key Vault Reader", "21090545-7ca7-4776-b22c-e363652d74d2"),
    // AI Search (Learn: AI + machine learning)
    role(
        "Search Index Data Contributor",
        "8ebe5a00-799e-43f5-93ac-243d3dce84a7",
    ),
    role(
        "Search Index Data Reader",
        "1407120a-92aa-4202-b7e9-c0e197c71c8f",
    ),
    role(
        "Search Service Contributor",
        "7ca78c08-252a-4471-8644-bb5ff32d4ba0",
    ),
    // Storage (Learn: Storage)
    role(
        "Storage Blob Data Contributor",
        "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
    ),
    role(
        "Storage Blob Data Owner",
        "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
    ),
    role(
        "Storage Blob Data Reader",
        "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
    ),
    role(
        "Storage Queue Data Contributor",
        "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
    ),
    role(
        "Storage Queue Data Reader",
        "19e7f393-937e-4f77-808e-94535e297925",
    ),
    role(
        "Storage Table Data Contributor",
        "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
    ),
    role(
        "Storage Table Data Reader",
        "76199698-9eea-4c19-bc75-cec21354c6b6",
    ),
    role(
        "Storage Account Contributor",
        "17d1049b-9a84-46fb-8f53-869881c3d3ab",
    ),
    // Cognitive Services / Foundry (Learn: AI + machine learning)
    role(
        "Cognitive Services OpenAI User",
        "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd",
    ),
    role(
        "Cognitive Services OpenAI Contributor",
        "a001fd3d-188f-4b5d-821b-7da978bf7442",
    ),
    role(
        "Cognitive Services User",
        "a97b65f3-24c7-4388-baec-2e87135dc908",
    ),
    role(
        "Cognitive Services Contributor",
        "25fbc0a9-bd7c-42a3-aa1a-3b75d497ee68",
    ),
    role(
        "Cognitive Services Data Reader",
        "b59867f0-fa02-499b-be73-45a86b5b3e1c",
    ),
    Role {
        name: "Foundry User",
        guid: "53ca6127-db72-4b80-b1b0-d745d6d5456d",
        former_names: &["Azure AI User"],
    },
    Role {
        name: "Foundry Project Manager",
        guid: "eadc314b-1a2d-4efa-be10-5d325db5065e",
        former_names: &["Azure AI Project Manager"],
    },
    Role {
        name: "Foundry Account Owner",
        guid: "e47c6f54-e4a2-4754-9501-8e0985b135e1",
        former_names: &["Azure AI Account Owner"],
    },
    Role {
        name: "Foundry Owner",
        guid: "c883944f-8b7b-4483-af10-35834be79c4a",
        former_names: &["Azure AI Owner"],
    },
    role("Azure AI Developer", "64702f94-c441-49e6-a78b-ef80e0188fee"),
    role(
        "Azure AI Administrator",
        "b78c5d69-af96-48a3-bf8d-a8b4d589de94",
    ),
    role(
        "Azure AI Inference Deployment Operator",
        "3afb7f49-54cb-416e-8c09-6dc049efa503",
    ),
    // Cosmos DB control plane (Learn: Databases)
    role("Cosmos DB Operator", "230815da-be43-4aae-9cb4-875f7bd000aa"),
    role(
        "Cosmos DB Account Reader Role",
        "fbdf93bf-df7d-467e-a4d2-9458aa1360c8",
    ),
    role(
        "DocumentDB Account Contributor",
        "5bd9cd88-fe45-4216-938b-f97437e15450",
    ),
    // API Management (Learn: Integration)
    role(
        "API Management Service Reader Role",
        "71522526-b88f-4d52-b57f-d31fc3546d0d",
    ),
    role(
        "API Management Service Contributor",
        "312a565d-c81f-4fd8-895a-4e21e48d571c",
    ),
    // Monitor (Learn: Monitor)
    role(
        "Monitoring Metrics Publisher",
        "3913510d-42f4-4e42-8a64-420c390055eb",
    ),
    role("Monitoring Reader", "43d0d8ad-25c7-4714-9337-8ba259a9fe05"),
    // Identity (Learn: Identity)
    role(
        "Managed Identity Operator",
        "f1a07417-d97a-45cb-824c-7a7467783830",
    ),
    // General / privileged (Learn: General, Privileged)
    role("Reader", "acdd72a7-3385-48ef-bd42-f606fba81ae7"),
    role("Contributor", "b24988ac-6180-42a0-ab88-20f7382dd24c"),
    role("Owner", "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"),
];

/// Cosmos DB built-in **data-plane** roles: `(name, role definition GUID)`.
///
/// These are `Microsoft.DocumentDB/databaseAccounts/sqlRoleDefinitions`, assigned with
/// `sqlRoleAssignments` under the account (role id `<account id>/sqlRoleDefinitions/<guid>`),
/// not Azure RBAC role definitions.
pub const COSMOS_DATA_PLANE_ROLES: &[(&str, &str)] = &[
    (
        "Cosmos DB Built-in Data Reader",
        "00000000-0000-0000-0000-000000000001",
    ),
    (
        "Cosmos DB Built-in Data Contributor",
        "00000000-0000-0000-0000-000000000002",
    ),
];

/// How a resource type grants roles on its data with child resources of its own instead of
/// Azure RBAC role assignments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataPlane {
    /// The child type an assignment is, under the resource
    /// (`Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments`).
    pub assignment_type: &'static str,
    /// The child type of its role definitions, under the same resource: a role's definition id is
    /// `<resource id>/<definitions>/<guid>` (`sqlRoleDefinitions`).
    pub definitions: &'static str,
    /// The built-in roles: `(name, role definition GUID)`.
    pub roles: &'static [(&'static str, &'static str)],
}

// Microsoft Learn (the `databaseAccounts/sqlRoleAssignments` template reference and Cosmos DB for
// NoSQL's data-plane RBAC articles): the built-in definitions are
// `<account id>/sqlRoleDefinitions/<guid>`, an assignment's `scope` is the account id (or a
// database or container under it) and its `principalId` the identity's object id. Azure Cosmos DB
// for MongoDB has its own role system, not these.
/// A Cosmos DB for NoSQL account's data plane: `sqlRoleAssignments` of its `sqlRoleDefinitions`.
pub const COSMOS_DATA_PLANE: DataPlane = DataPlane {
    assignment_type: "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments",
    definitions: "sqlRoleDefinitions",
    roles: COSMOS_DATA_PLANE_ROLES,
};

/// The data-plane role a role reference names on a target of `resource_type`: its canonical name
/// and GUID, when the type has a data plane ([`TargetType::data_plane`]) and the reference is one
/// of its built-in roles, by name (case-insensitive, whitespace-normalised) or by GUID (any case).
pub fn data_plane_role(
    resource_type: &str,
    written: &str,
) -> Option<(&'static DataPlane, &'static str, &'static str)> {
    let plane = target_type(resource_type)?.data_plane?;
    let trimmed = written.trim();
    plane
        .roles
        .iter()
        .find(|(name, guid)| guid.eq_ignore_ascii_case(trimmed) || same_name(name, trimmed))
        .map(|(name, guid)| (plane, *name, *guid))
}

/// What a role reference in a spec resolved to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleLookup {
    /// A known role, by current name or by GUID.
    Found(&'static Role),
    /// A known role written under a former name.
    Renamed {
        /// The role as it is named now.
        role: &'static Role,
        /// The reference exactly as written in the spec (trimmed).
        written: String,
    },
    /// A Cosmos DB data-plane role; carries the canonical data-plane role name
    /// (look its GUID up with [`cosmos_data_plane_role_guid`]).
    CosmosDataPlane(&'static str),
    /// Not a role we know (an unknown but well-formed GUID also lands here; see [`is_guid`]).
    Unknown,
}

/// Resolve a role as written in a spec.
///
/// Accepts a GUID (any case), a current name or a former name (case-insensitive,
/// whitespace-normalised), or a Cosmos DB data-plane role name or GUID.
pub fn lookup_role(written: &str) -> RoleLookup {
    let trimmed = written.trim();
    if is_guid(trimmed) {
        if let Some((name, _)) = COSMOS_DATA_PLANE_ROLES
            .iter()
            .find(|(_, guid)| guid.eq_ignore_ascii_case(trimmed))
        {
            return RoleLookup::CosmosDataPlane(name);
        }
        return match ROLES.iter().find(|r| r.guid.eq_ignore_ascii_case(trimmed)) {
            Some(role) => RoleLookup::Found(role),
            None => RoleLookup::Unknown,
        };
    }
    if let Some(role) = ROLES.iter().find(|r| same_name(r.name, trimmed)) {
        return RoleLookup::Found(role);
    }
    if let Some(role) = ROLES
        .iter()
        .find(|r| r.former_names.iter().any(|f| same_name(f, trimmed)))
    {
        return RoleLookup::Renamed {
            role,
            written: trimmed.to_string(),
        };
    }
    if let Some((name, _)) = COSMOS_DATA_PLANE_ROLES
        .iter()
        .find(|(name, _)| same_name(name, trimmed))
    {
        return RoleLookup::CosmosDataPlane(name);
    }
    RoleLookup::Unknown
}

/// GUID of a Cosmos DB data-plane role, by canonical name (as returned in
/// [`RoleLookup::CosmosDataPlane`]); case-insensitive, whitespace-normalised.
pub fn cosmos_data_plane_role_guid(name: &str) -> Option<&'static str> {
    COSMOS_DATA_PLANE_ROLES
        .iter()
        .find(|(n, _)| same_name(n, name))
        .map(|(_, guid)| *guid)
}

/// True for a canonical 8-4-4-4-12 hex GUID (either case, no braces).
pub fn is_guid(s: &str) -> bool {
    let bytes = s.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// Names for did-you-mean suggestions (current names only): every [`ROLES`] name,
/// then the Cosmos DB data-plane role names.
pub fn role_names() -> impl Iterator<Item = &'static str> {
    ROLES
        .iter()
        .map(|r| r.name)
        .chain(COSMOS_DATA_PLANE_ROLES.iter().map(|(name, _)| *name))
}

/// Case-insensitive comparison that ignores leading, trailing and repeated whitespace.
fn same_name(a: &str, b: &str) -> bool {
    let mut left = a.split_whitespace();
    let mut right = b.split_whitespace();
    loop {
        match (left.next(), right.next()) {
            (None, None) => return true,
            (Some(x), Some(y)) if x.eq_ignore_ascii_case(y) => {}
            _ => return false,
        }
    }
}

// ---------------------------------------------------------------------------
// Target resource types
// ---------------------------------------------------------------------------

/// A resource type a connection may target, and what the generator knows about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TargetType {
    /// Full ARM type, e.g. `"Microsoft.Search/searchServices"`.
    pub resource_type: &'static str,
    /// Resource provider namespace, e.g. `"Microsoft.Search"`.
    pub namespace: &'static str,
    /// API version to read the resource with (newest GA found; see the table comments).
    pub api_version: &'static str,
    /// Property path of the endpoint URL under the resource body, e.g.
    /// `&["properties", "endpoint"]`; `None` when the resource has no endpoint property.
    pub endpoint: Option<&'static [&'static str]>,
    /// How to read a secret for `from_target`; `None` when there is no key to read.
    pub key: Option<KeySource>,
    /// True when the resource body carries a `location`.
    pub has_location: bool,
    /// For a child resource type, the type of its parent. Its `endpoint` is then the part of the
    /// target URL that follows the parent's endpoint and a `/`, and its name in a spec is
    /// `<parent>/<child>`.
    pub parent: Option<&'static str>,
    /// The roles the resource grants on its data through a child resource of its own rather than
    /// through Azure RBAC (a Cosmos DB account's `sqlRoleAssignments`).
    pub data_plane: Option<&'static DataPlane>,
}

/// How a secret is read from a target resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    /// POST action returning JSON; value at the path in its response. A numeric
    /// segment is an array index (Storage: `listKeys`, `["keys", "0", "value"]`).
    Action {
        /// Action name, e.g. `"listKeys"` or `"listAdminKeys"`.
        action: &'static str,
        /// Path to the secret inside the action's response.
        path: &'static [&'static str],
    },
    /// A property of the resource body, e.g. App Insights `["properties", "ConnectionString"]`.
    Property {
        /// Path to the secret inside the resource body.
        path: &'static [&'static str],
    },
}

// API versions: newest non-preview version in Azure/bicep-types-az
// (`generated/<rp>/<namespace>/<version>/types.md|json`, stored index, checked 2026-11):
// - Search: generated/search/microsoft.search -> 2025-05-01 (newer: 2026-03-01-preview,
//   2026-09-01-preview only). types.md lists `properties.endpoint` and
//   `listAdminKeys` -> AdminKeyResult.primaryKey.
// - CognitiveServices: generated/cognitiveservices/microsoft.cognitiveservices -> 2026-07-01
//   in the snapshot; 2026-09-01 exists in the index only, with the same connection schema.
//   Pinned to 2026-07-01 like DEFAULT_API_VERSIONS. `listKeys` -> ApiKeys.key1 (types.json).
// - Storage: generated/storage/microsoft.storage -> 2026-09-01 in the index, but 2026-04-01 is the
//   newest GA in the snapshot whose type data (shared/reference/types/extra) checks what
//   foundrygen creates, so storage accounts, read or created, use 2026-04-01.
// - DocumentDB: generated/cosmos-db/microsoft.documentdb -> 2026-03-15 (newer:
//   2026-04-01-preview only). Key: `listKeys().primaryMasterKey` (common public templates).
// - Insights/components: generated/applicationinsights/microsoft.insights -> 2020-02-02; the
//   later GA folders (2020-10-20 .. 2023-06-01) hold workbooks/webtests/myWorkbooks only.
// - KeyVault: generated/keyvault/microsoft.keyvault -> 2026-02-01 pinned (first version that
//   defaults new vaults to RBAC; 2026-05-15 also exists in the index).
// - ApiManagement: generated/apimanagement/microsoft.apimanagement -> 2024-05-01 (newer:
//   2024-06-01/2024-10-01/2025-03-01/2025-09-01 previews only).
// - Bing: not in bicep-types-az at all (templates suppress BCP081); 2020-06-10 is the
//   version every public template uses. `listKeys(...).key1` from foundry-samples 45.
// - ManagedIdentity: generated/msi/microsoft.managedidentity -> 2024-11-30.
/// Target types the generator knows.
pub const TARGET_TYPES: &[TargetType] = &[
    TargetType {
        resource_type: "Microsoft.Search/searchServices",
        namespace: "Microsoft.Search",
        api_version: "2025-05-01",
        endpoint: Some(&["properties", "endpoint"]),
        key: Some(KeySource::Action {
            action: "listAdminKeys",
            path: &["primaryKey"],
        }),
        has_location: true,
        parent: None,
        data_plane: None,
    },
    TargetType {
        resource_type: "Microsoft.CognitiveServices/accounts",
        namespace: "Microsoft.CognitiveServices",
        api_version: "2026-07-01",
        endpoint: Some(&["properties", "endpoint"]),
        key: Some(KeySource::Action {
            action: "listKeys",
            path: &["key1"],
        }),
        has_location: true,
        parent: None,
        data_plane: None,
    },
    TargetType {
        resource_type: "Microsoft.Storage/storageAccounts",
        namespace: "Microsoft.Storage",
        api_version: "2026-04-01",
        endpoint: Some(&["properties", "primaryEndpoints", "blob"]),
        key: Some(KeySource::Action {
            action: "listKeys",
            path: &["keys", "0", "value"],
        }),
        has_location: true,
        parent: None,
        data_plane: None,
    },
    TargetType {
        resource_type: "Microsoft.DocumentDB/databaseAccounts",
        namespace: "Microsoft.DocumentDB",
        api_version: "2026-03-15",
        endpoint: Some(&["properties", "documentEndpoint"]),
        key: Some(KeySource::Action {
            action: "listKeys",
            path: &["primaryMasterKey"],
        }),
        has_location: true,
        parent: None,
        data_plane: Some(&COSMOS_DATA_PLANE),
    },
    TargetType {
        resource_type: "Microsoft.Insights/components",
        namespace: "Microsoft.Insights",
        api_version: "2020-02-02",
        endpoint: None,
        key: Some(KeySource::Property {
            path: &["properties", "ConnectionString"],
        }),
        has_location: true,
        parent: None,
        data_plane: None,
    },
    TargetType {
        resource_type: "Microsoft.KeyVault/vaults",
        namespace: "Microsoft.KeyVault",
        api_version: "2026-02-01",
        endpoint: Some(&["properties", "vaultUri"]),
        key: None,
        has_location: true,
        parent: None,
        data_plane: None,
    },
    TargetType {
        resource_type: "Microsoft.ApiManagement/service",
        namespace: "Microsoft.ApiManagement",
        api_version: "2024-05-01",
        endpoint: Some(&["properties", "gatewayUrl"]),
        key: None,
        has_location: true,
        parent: None,
        data_plane: None,
    },
    // An API of an API Management service: the connection's target is the service's gateway URL,
    // `/`, the API's path (foundry-samples 01-connections/apim/modules/apim-connection-common.bicep).
    TargetType {
        resource_type: "Microsoft.ApiManagement/service/apis",
        namespace: "Microsoft.ApiManagement",
        api_version: "2024-05-01",
        endpoint: Some(&["properties", "path"]),
        key: None,
        has_location: false,
        parent: Some("Microsoft.ApiManagement/service"),
        data_plane: None,
    },
    TargetType {
        resource_type: "Microsoft.Bing/accounts",
        namespace: "Microsoft.Bing",
        api_version: "2020-06-10",
        endpoint: None,
        key: Some(KeySource::Action {
            action: "listKeys",
            path: &["key1"],
        }),
        // Always "global".
        has_location: true,
        parent: None,
        data_plane: None,
    },
    TargetType {
        resource_type: "Microsoft.ManagedIdentity/userAssignedIdentities",
        namespace: "Microsoft.ManagedIdentity",
        api_version: "2024-11-30",
        endpoint: None,
        key: None,
        has_location: true,
        parent: None,
        data_plane: None,
    },
];

/// A resource type the spec can create (`resources:`), and what belongs to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CreatedType {
    /// Full ARM type.
    pub resource_type: &'static str,
    /// What to call one in messages.
    pub what: &'static str,
    /// The per-type keys of `resources:` entries it takes.
    pub keys: &'static [&'static str],
    /// Keys it must have.
    pub required: &'static [&'static str],
    /// Its SKU names, with the default first (empty: no `sku` key).
    pub skus: &'static [&'static str],
    /// Whether it holds data the teardown script deletes only when asked.
    pub holds_data: bool,
    /// Whether its name is a global DNS name (taken once across Azure), not one per resource
    /// group.
    pub global_name: bool,
}

/// Resource types `resources:` can create, each pinned to an API version whose type data is in
/// shared/reference/types (see DEFAULT_API_VERSIONS).
pub const CREATED_TYPES: &[CreatedType] = &[
    CreatedType {
        resource_type: "Microsoft.Search/searchServices",
        what: "search service",
        keys: &["sku", "replicas", "partitions", "disable_local_auth"],
        required: &[],
        skus: &[
            "basic",
            "free",
            "standard",
            "standard2",
            "standard3",
            "storage_optimized_l1",
            "storage_optimized_l2",
        ],
        holds_data: false,
        global_name: true,
    },
    CreatedType {
        resource_type: "Microsoft.Storage/storageAccounts",
        what: "storage account",
        keys: &["sku", "containers", "disable_local_auth"],
        required: &[],
        skus: &[
            "Standard_LRS",
            "Standard_GRS",
            "Standard_RAGRS",
            "Standard_ZRS",
            "Standard_GZRS",
            "Standard_RAGZRS",
            "Premium_LRS",
            "Premium_ZRS",
        ],
        holds_data: true,
        global_name: true,
    },
    CreatedType {
        resource_type: "Microsoft.DocumentDB/databaseAccounts",
        what: "Cosmos DB account",
        keys: &["databases", "disable_local_auth"],
        required: &[],
        skus: &[],
        holds_data: true,
        global_name: true,
    },
    CreatedType {
        resource_type: "Microsoft.KeyVault/vaults",
        what: "Key Vault",
        keys: &["purge_protection", "soft_delete_days"],
        required: &[],
        skus: &[],
        holds_data: true,
        global_name: true,
    },
    CreatedType {
        resource_type: "Microsoft.OperationalInsights/workspaces",
        what: "Log Analytics workspace",
        keys: &["retention_days"],
        required: &[],
        skus: &[],
        holds_data: true,
        global_name: false,
    },
    CreatedType {
        resource_type: "Microsoft.Insights/components",
        what: "Application Insights component",
        keys: &["workspace"],
        required: &["workspace"],
        skus: &[],
        holds_data: false,
        global_name: false,
    },
    CreatedType {
        resource_type: "Microsoft.CognitiveServices/accounts",
        what: "Cognitive Services account",
        keys: &["kind", "sku", "disable_local_auth", "deployments"],
        required: &["kind"],
        skus: &["S0"],
        holds_data: false,
        global_name: true,
    },
];

/// Child types Azure publishes no DELETE for (a storage account's one `default` blob service):
/// they go when their parent goes, so a teardown script deletes nothing for them.
pub fn deleted_with_parent(resource_type: &str) -> bool {
    resource_type.eq_ignore_ascii_case("Microsoft.Storage/storageAccounts/blobServices")
}

/// Search partition counts Azure accepts (`resources[].partitions`).
pub const SEARCH_PARTITIONS: &[i64] = &[1, 2, 3, 4, 6, 12];

/// The kinds of Cognitive Services account `resources:` creates (`resources[].kind`).
pub const ACCOUNT_KINDS: &[&str] = &["OpenAI", "AIServices"];

/// The per-type keys of `resources:` entries (every key a [`CreatedType`] may take).
pub const CREATED_TYPE_KEYS: &[&str] = &[
    "sku",
    "replicas",
    "partitions",
    "disable_local_auth",
    "containers",
    "databases",
    "purge_protection",
    "soft_delete_days",
    "retention_days",
    "workspace",
    "kind",
    "deployments",
];

/// Case-insensitive lookup of a type `resources:` can create.
pub fn created_type(resource_type: &str) -> Option<&'static CreatedType> {
    let wanted = resource_type.trim();
    CREATED_TYPES
        .iter()
        .find(|t| t.resource_type.eq_ignore_ascii_case(wanted))
}

/// Resource types that run one operation at a time, their children's included: a second one fails
/// at once instead of waiting (a Cosmos DB account: 412 Precondition Failed, "There is another
/// user operation in progress which requires an exclusive lock", terraform-provider-azurerm
/// #15842). azurerm locks per account for its own resources; azapi, Bicep and ARM do not.
pub const EXCLUSIVE_PARENT_TYPES: &[&str] = &["Microsoft.DocumentDB/databaseAccounts"];

/// Whether a resource of `resource_type` runs one operation at a time (see
/// [`EXCLUSIVE_PARENT_TYPES`]).
pub fn is_exclusive_parent(resource_type: &str) -> bool {
    EXCLUSIVE_PARENT_TYPES
        .iter()
        .any(|t| t.eq_ignore_ascii_case(resource_type.trim()))
}

/// One connection slot of a project's capability host (`accounts/projects/capabilityHosts`): the
/// spec key, the property of 2026-07-01's `ProjectCapabilityHostProperties` it fills, the
/// categories it takes, whether it is one of the three storage slots (Entra ID only, all three or
/// none), and the Azure RBAC roles the project's identity needs on its target before the
/// capability host is created (foundry-samples 41 `main.bicep`, AVM).
#[derive(Debug, Clone, Copy)]
pub struct CapabilityHostSlot {
    /// The key under `capability_host:`.
    pub key: &'static str,
    /// The body property: an array of connection names.
    pub property: &'static str,
    /// What the slot is for, in messages.
    pub what: &'static str,
    /// The connection categories it takes.
    pub categories: &'static [&'static str],
    /// One of the three storage slots.
    pub storage: bool,
    /// Roles granted on the target before the capability host.
    pub roles_before: &'static [&'static str],
}

/// The slots, in the order the body lists them.
pub const CAPABILITY_HOST_SLOTS: &[CapabilityHostSlot] = &[
    CapabilityHostSlot {
        key: "thread_storage",
        property: "threadStorageConnections",
        what: "thread storage",
        categories: &["CosmosDb"],
        storage: true,
        roles_before: &["Cosmos DB Operator"],
    },
    CapabilityHostSlot {
        key: "vector_store",
        property: "vectorStoreConnections",
        what: "the vector store",
        categories: &["CognitiveSearch"],
        storage: true,
        roles_before: &[
            "Search Index Data Contributor",
            "Search Service Contributor",
        ],
    },
    CapabilityHostSlot {
        key: "file_storage",
        property: "storageConnections",
        what: "file storage",
        categories: &["AzureStorageAccount"],
        storage: true,
        roles_before: &["Storage Blob Data Contributor"],
    },
    CapabilityHostSlot {
        key: "ai_services",
        property: "aiServicesConnections",
        what: "the models",
        categories: &["AzureOpenAI", "AIServices"],
        storage: false,
        roles_before: &[],
    },
];

/// The database the Agent Service creates in the thread-storage Cosmos DB account; the project's
/// `Cosmos DB Built-in Data Contributor` assignment is scoped to it (`<account id>/dbs/<this>`),
/// as Microsoft's standard-setup docs and foundry-samples 41 do. Per-collection scopes break when
/// the service creates its containers lazily (AVM Terraform #72, bicep-ptn-aiml-landing-zone
/// #95); foundry-samples PR #601 moved its Terraform to the account scope for newer Foundry. One
/// constant, so the choice is one line to change.
pub const AGENT_THREAD_DATABASE: &str = "enterprise_memory";

/// The data-plane role the project gets on the thread database after its capability host.
pub const AGENT_THREAD_ROLE: &str = "Cosmos DB Built-in Data Contributor";

/// The role the project gets on the file-storage account after its capability host, with
/// [`agent_blob_condition`].
pub const AGENT_BLOB_ROLE: &str = "Storage Blob Data Owner";

/// The ABAC condition of foundry-samples 41
/// (`modules-standard/blob-storage-container-role-assignments.bicep`), split around the project's
/// workspace id: the blob-tag actions (`tags/read`, `filter/action`, `tags/write`) only on
/// containers whose names start with the workspace id and end in `-azureml-agent`; every other
/// action of the role applies to the whole account, as in the sample. The spacing is the
/// sample's.
pub fn agent_blob_condition() -> (String, String) {
    let action = |a: &str| {
        format!(
            "ActionMatches{{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/{a}'}}"
        )
    };
    let container = "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name]";
    (
        format!(
            "((!({})  AND  !({}) AND  !({}) ) OR ({container} StringStartsWithIgnoreCase '",
            action("tags/read"),
            action("filter/action"),
            action("tags/write"),
        ),
        format!("' AND {container} StringLikeIgnoreCase '*-azureml-agent'))"),
    )
}

/// The `conditionVersion` of that condition.
pub const AGENT_BLOB_CONDITION_VERSION: &str = "2.0";

/// Pattern of capability host names (2026-07-01, both levels): `^[a-zA-Z0-9][a-zA-Z0-9\-_]{0,254}$`.
pub fn is_capability_host_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && name.len() <= 255
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// The default name of a project's capability host: `<project>-caphost`, with every character
/// the name pattern does not take replaced by `-` (project names start alphanumeric and are at
/// most 64 characters, so the result always fits).
pub fn default_capability_host_name(project: &str) -> String {
    let stem: String = project
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("{stem}-caphost")
}

/// Case-insensitive lookup of a target type.
pub fn target_type(resource_type: &str) -> Option<&'static TargetType> {
    let wanted = resource_type.trim();
    TARGET_TYPES
        .iter()
        .find(|t| t.resource_type.eq_ignore_ascii_case(wanted))
}

// ---------------------------------------------------------------------------
// Model deployments
// ---------------------------------------------------------------------------

/// A model deployment type, by the SKU name a deployment's `sku.name` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeploymentSku {
    /// The SKU name Azure takes, e.g. `"GlobalStandard"`.
    pub name: &'static str,
    /// The deployment type's name in the portal and on Learn, e.g. `"Global Standard"`.
    pub display: &'static str,
    /// Other names people write for it (older docs' `Global-Standard` and the like are matched
    /// without punctuation, so only names that differ in letters are listed).
    pub also: &'static [&'static str],
}

// The nine "SKU name in code" values of Learn's "Deployment types in Microsoft Foundry Models"
// (learn.microsoft.com/azure/foundry/foundry-models/concepts/deployment-types, published
// 2026-02-27), in its table's order. The type data (`Sku.name` of `accounts/deployments`,
// 2026-07-01) is a plain string, so Azure's types do not list them.
/// Every model deployment SKU Azure publishes.
pub const DEPLOYMENT_SKUS: &[DeploymentSku] = &[
    DeploymentSku {
        name: "GlobalStandard",
        display: "Global Standard",
        also: &[],
    },
    DeploymentSku {
        name: "GlobalProvisionedManaged",
        display: "Global Provisioned",
        also: &["Global Provisioned-Managed"],
    },
    DeploymentSku {
        name: "GlobalBatch",
        display: "Global Batch",
        also: &[],
    },
    DeploymentSku {
        name: "DataZoneStandard",
        display: "Data Zone Standard",
        also: &[],
    },
    DeploymentSku {
        name: "DataZoneProvisionedManaged",
        display: "Data Zone Provisioned",
        also: &["DataZone Provisioned-Managed"],
    },
    DeploymentSku {
        name: "DataZoneBatch",
        display: "Data Zone Batch",
        also: &[],
    },
    DeploymentSku {
        name: "Standard",
        display: "Standard",
        also: &[],
    },
    DeploymentSku {
        name: "ProvisionedManaged",
        display: "Regional Provisioned",
        also: &["Provisioned", "Provisioned-Managed"],
    },
    DeploymentSku {
        name: "DeveloperTier",
        display: "Developer",
        also: &[],
    },
];

/// The SKU of that exact name (SKU names are written as Azure spells them).
pub fn deployment_sku(name: &str) -> Option<&'static DeploymentSku> {
    DEPLOYMENT_SKUS.iter().find(|s| s.name == name)
}

/// The SKU a name that is not one most likely means: a SKU name, display name or other name of
/// [`DEPLOYMENT_SKUS`] with case, spaces and punctuation ignored (`Global Standard`,
/// `global-standard` and `globalstandard` mean `GlobalStandard`, `Developer` means
/// `DeveloperTier`).
pub fn deployment_sku_meant(written: &str) -> Option<&'static DeploymentSku> {
    let squash = |s: &str| -> String {
        s.chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect()
    };
    let w = squash(written);
    if w.is_empty() {
        return None;
    }
    DEPLOYMENT_SKUS.iter().find(|s| {
        std::iter::once(s.name)
            .chain(std::iter::once(s.display))
            .chain(s.also.iter().copied())
            .any(|n| squash(n) == w)
    })
}

/// The `versionUpgradeOption` literals of `accounts/deployments` (the enum of
/// `DeploymentProperties.versionUpgradeOption` in the 2026-07-01 type data, which also allows other
/// strings; these are the ones Azure names).
pub const VERSION_UPGRADE_OPTIONS: &[&str] = &[
    "OnceNewDefaultVersionAvailable",
    "OnceCurrentVersionExpired",
    "NoAutoUpgrade",
];

/// `model.format` when the spec leaves it out. The type data's `DeploymentModel.format` is a plain
/// string: a model's format is its publisher's (`OpenAI`, `Microsoft`, `Meta`, `Mistral AI`,
/// `DeepSeek`, `xAI`, `Cohere` …, as Foundry's model catalog lists them), so any non-empty string
/// is passed through.
pub const DEFAULT_MODEL_FORMAT: &str = "OpenAI";

/// `sku.capacity` when the spec leaves it out; Azure takes no less.
pub const DEFAULT_DEPLOYMENT_CAPACITY: i64 = 1;

// Model deployment names: the type data publishes no pattern (`name` is a plain string), and
// neither Learn's naming rules nor the deployments reference state one. foundrygen applies the
// rule of the account's other named children in the same type data (projects and RAI policies:
// `^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`) with the 2–64 length the Azure OpenAI portal documented; the
// service refuses `/` ("Resource name can only include alphanumeric characters, underscores and
// hyphens") and takes names such as `gpt-4.1-mini`.
/// The shortest model deployment name foundrygen accepts.
pub const MIN_MODEL_DEPLOYMENT_NAME: usize = 2;
/// The longest model deployment name foundrygen accepts.
pub const MAX_MODEL_DEPLOYMENT_NAME: usize = 64;

// ---------------------------------------------------------------------------
// Default API versions
// ---------------------------------------------------------------------------

// Microsoft.Resources: deploymentScripts is GA only in 2020-10-01 and 2023-08-01, and the
// 2023-08-01 folder holds no `deployments`. 2020-10-01 is the newest GA carrying both
// (generated/resources/microsoft.resources/2020-10-01/types.md), so it is the namespace
// default; RESOURCE_TYPE_API_VERSIONS pins each type to its own newest GA.
// Microsoft.Insights: the default is for `components` only (other Insights types, e.g.
// diagnosticSettings, live in other folders with other versions).
/// Default API version per resource provider namespace, for the resources we write or read.
pub const DEFAULT_API_VERSIONS: &[(&str, &str)] = &[
    ("Microsoft.CognitiveServices", "2026-07-01"),
    ("Microsoft.Authorization", "2022-04-01"),
    ("Microsoft.KeyVault", "2026-02-01"),
    ("Microsoft.Resources", "2020-10-01"),
    ("Microsoft.Search", "2025-05-01"),
    ("Microsoft.Storage", "2026-04-01"),
    ("Microsoft.OperationalInsights", "2026-03-01"),
    ("Microsoft.DocumentDB", "2026-03-15"),
    ("Microsoft.Insights", "2020-02-02"),
    ("Microsoft.ApiManagement", "2024-05-01"),
    ("Microsoft.Bing", "2020-06-10"),
    ("Microsoft.ManagedIdentity", "2024-11-30"),
];

/// Per-resource-type API versions that differ from their namespace default.
///
/// `deploymentScripts` 2023-08-01 (newest GA, bicep-types-az) and `deployments`
/// 2025-04-01 (newest GA folder, `generated/resources/microsoft.resources/2025-04-01`).
pub const RESOURCE_TYPE_API_VERSIONS: &[(&str, &str)] = &[
    ("Microsoft.Resources/deploymentScripts", "2023-08-01"),
    ("Microsoft.Resources/deployments", "2025-04-01"),
];

/// Default API version for a resource provider namespace (case-insensitive).
pub fn default_api_version(namespace: &str) -> Option<&'static str> {
    let wanted = namespace.trim();
    DEFAULT_API_VERSIONS
        .iter()
        .find(|(ns, _)| ns.eq_ignore_ascii_case(wanted))
        .map(|(_, version)| *version)
}

/// API version for a full resource type (case-insensitive): a per-type pin from
/// [`RESOURCE_TYPE_API_VERSIONS`], else a [`TARGET_TYPES`] entry, else the default for
/// its namespace (the part before the first `/`).
pub fn api_version_for(resource_type: &str) -> Option<&'static str> {
    let wanted = resource_type.trim();
    if let Some((_, version)) = RESOURCE_TYPE_API_VERSIONS
        .iter()
        .find(|(rt, _)| rt.eq_ignore_ascii_case(wanted))
    {
        return Some(version);
    }
    if let Some(target) = target_type(wanted) {
        return Some(target.api_version);
    }
    let namespace = wanted.split('/').next().unwrap_or(wanted);
    default_api_version(namespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXTRACT: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/reference/types/cognitiveservices-2026-07-01.connections-extract.json"
    );

    /// The string literals of the first JSON array that follows `"key":` after `from`.
    fn string_array_after(text: &str, from: usize, key: &str) -> Vec<String> {
        let needle = format!("\"{key}\"");
        let mut at = from;
        let start = loop {
            let pos = at + text[at..].find(&needle).expect("key present");
            let rest = text[pos + needle.len()..].trim_start();
            if let Some(value) = rest.strip_prefix(':') {
                let value = value.trim_start();
                assert!(value.starts_with('['), "{key} is not an array");
                break text.len() - value.len() + 1;
            }
            at = pos + needle.len();
        };
        let end = start + text[start..].find(']').expect("array closes");
        let body = &text[start..end];
        assert!(!body.contains('\\'), "escapes are not expected");
        body.split('"')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect()
    }

    /// Byte offset just past the object key `"name":` (a key, not a `"ref"` value).
    fn key_offset(text: &str, name: &str) -> usize {
        let needle = format!("\"{name}\"");
        let mut at = 0;
        loop {
            let pos = at + text[at..].find(&needle).expect("type present");
            let after = pos + needle.len();
            if text[after..].trim_start().starts_with(':') {
                return after;
            }
            at = after;
        }
    }

    const DEPLOYMENTS_EXTRACT: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/reference/types/extra/cognitiveservices-2026-07-01.deployments-capabilityHosts-extract.json"
    );

    #[test]
    fn version_upgrade_options_match_published_extract() {
        let Ok(text) = std::fs::read_to_string(DEPLOYMENTS_EXTRACT) else {
            println!("skipped: {DEPLOYMENTS_EXTRACT} not found");
            return;
        };
        let section = key_offset(&text, "DeploymentProperties");
        let option = section
            + text[section..]
                .find("\"versionUpgradeOption\"")
                .expect("versionUpgradeOption");
        assert_eq!(
            string_array_after(&text, option, "enum"),
            VERSION_UPGRADE_OPTIONS
        );
        // Neither the SKU name nor the model format is an enum there: the tables above are
        // Learn's, and any format string is passed through.
        let sku = key_offset(&text, "Sku");
        let name = sku + text[sku..].find("\"name\"").expect("Sku.name");
        let next = name + text[name..].find('}').expect("type closes");
        assert!(
            !text[name..next].contains("enum"),
            "Sku.name is an enum now"
        );
    }

    #[test]
    fn deployment_skus_are_unique_and_found_by_the_names_people_say() {
        let mut names: Vec<&str> = DEPLOYMENT_SKUS.iter().map(|s| s.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 9);
        for s in DEPLOYMENT_SKUS {
            assert_eq!(deployment_sku(s.name), Some(s));
            assert_eq!(
                deployment_sku_meant(s.display).map(|m| m.name),
                Some(s.name)
            );
            for a in s.also {
                assert_eq!(deployment_sku_meant(a).map(|m| m.name), Some(s.name), "{a}");
            }
        }
        let meant = |w: &str| deployment_sku_meant(w).map(|s| s.name);
        assert_eq!(meant("Global-Standard"), Some("GlobalStandard"));
        assert_eq!(meant("globalstandard"), Some("GlobalStandard"));
        assert_eq!(meant("Provisioned"), Some("ProvisionedManaged"));
        assert_eq!(meant("Developer"), Some("DeveloperTier"));
        assert_eq!(meant("DataZone-Standard"), Some("DataZoneStandard"));
        assert_eq!(meant("S0"), None);
        assert_eq!(meant("--"), None);
        assert_eq!(deployment_sku("globalstandard"), None);
    }

    #[test]
    fn category_count_and_key_literals() {
        assert_eq!(CATEGORIES.len(), 120);
        for c in ["AzureKeyVault", "CosmosDb", "CognitiveSearch", "RemoteA2A"] {
            assert!(CATEGORIES.contains(&c), "{c}");
        }
        let mut sorted = CATEGORIES.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), CATEGORIES.len(), "duplicate category");
    }

    #[test]
    fn categories_match_published_extract() {
        let Ok(text) = std::fs::read_to_string(EXTRACT) else {
            println!("skipped: {EXTRACT} not found");
            return;
        };
        let section = key_offset(&text, "ConnectionPropertiesV2");
        let category = section + text[section..].find("\"category\"").expect("category");
        let published = string_array_after(&text, category, "enum");
        assert_eq!(published, CATEGORIES);
        // The 12 typed discriminators are published; the two extras are not.
        let elements = section + text[section..].find("\"elements\"").expect("elements");
        let elements_text = &text[elements..];
        for auth in AUTH_TYPES.iter().filter(|a| !is_unpublished_auth_type(a)) {
            assert!(elements_text.contains(&format!("\"{auth}\":")), "{auth}");
        }
        for auth in UNPUBLISHED_AUTH_TYPES {
            assert!(!text.contains(auth), "{auth} unexpectedly published");
        }
    }

    #[test]
    fn canonical_category_rules() {
        assert_eq!(canonical_category("CosmosDB"), Some("CosmosDb"));
        assert_eq!(canonical_category("cosmosdb"), Some("CosmosDb"));
        assert_eq!(canonical_category("CosmosDb"), Some("CosmosDb"));
        assert_eq!(canonical_category("AzureKeyVault"), Some("AzureKeyVault"));
        assert_eq!(canonical_category("azurekeyvault"), None);
        assert_eq!(canonical_category("AISERVICES"), None);
        assert_eq!(canonical_category("Nope"), None);
    }

    #[test]
    fn auth_types() {
        assert_eq!(AUTH_TYPES.len(), 14);
        assert!(UNPUBLISHED_AUTH_TYPES.iter().all(|a| is_auth_type(a)));
        assert!(is_auth_type("AAD") && !is_auth_type("aad"));
        assert!(is_unpublished_auth_type("AccountManagedIdentity"));
        assert!(!is_unpublished_auth_type("ApiKey"));
    }

    #[test]
    fn renamed_lookup() {
        match lookup_role("  azure ai   USER ") {
            RoleLookup::Renamed { role, written } => {
                assert_eq!(role.name, "Foundry User");
                assert_eq!(role.guid, "53ca6127-db72-4b80-b1b0-d745d6d5456d");
                assert_eq!(written, "azure ai   USER");
            }
            other => panic!("{other:?}"),
        }
        for (old, new) in [
            ("Azure AI Owner", "Foundry Owner"),
            ("Azure AI Account Owner", "Foundry Account Owner"),
            ("Azure AI Project Manager", "Foundry Project Manager"),
        ] {
            assert!(
                matches!(lookup_role(old), RoleLookup::Renamed { role, .. } if role.name == new),
                "{old}"
            );
        }
    }

    #[test]
    fn name_and_guid_lookup() {
        let found = |w: &str| match lookup_role(w) {
            RoleLookup::Found(r) => r.name,
            other => panic!("{w}: {other:?}"),
        };
        assert_eq!(
            found("key vault secrets officer"),
            "Key Vault Secrets Officer"
        );
        assert_eq!(
            found("B86A8FE4-44CE-4948-AEE5-ECCB2C155CD7"),
            "Key Vault Secrets Officer"
        );
        assert_eq!(found("acdd72a7-3385-48ef-bd42-f606fba81ae7"), "Reader");
        assert_eq!(
            found("53ca6127-db72-4b80-b1b0-d745d6d5456d"),
            "Foundry User"
        );
        assert_eq!(
            lookup_role("12345678-1234-1234-1234-123456789abc"),
            RoleLookup::Unknown
        );
        assert_eq!(lookup_role("Key Vault Secret Officer"), RoleLookup::Unknown);
    }

    #[test]
    fn cosmos_data_plane_lookup() {
        let data = RoleLookup::CosmosDataPlane("Cosmos DB Built-in Data Contributor");
        assert_eq!(lookup_role("cosmos db built-in data contributor"), data);
        assert_eq!(lookup_role("00000000-0000-0000-0000-000000000002"), data);
        assert_eq!(
            lookup_role("00000000-0000-0000-0000-000000000001"),
            RoleLookup::CosmosDataPlane("Cosmos DB Built-in Data Reader")
        );
        assert_eq!(
            cosmos_data_plane_role_guid("Cosmos DB Built-in Data Contributor"),
            Some("00000000-0000-0000-0000-000000000002")
        );
        assert!(matches!(
            lookup_role("Cosmos DB Operator"),
            RoleLookup::Found(r) if r.guid == "230815da-be43-4aae-9cb4-875f7bd000aa"
        ));
    }

    #[test]
    fn data_plane_roles_are_looked_up_on_the_target_type() {
        const COSMOS: &str = "Microsoft.DocumentDB/databaseAccounts";
        let found = |ty: &str, w: &str| data_plane_role(ty, w).map(|(_, n, g)| (n, g));
        let reader = Some((
            "Cosmos DB Built-in Data Reader",
            "00000000-0000-0000-0000-000000000001",
        ));
        let contributor = Some((
            "Cosmos DB Built-in Data Contributor",
            "00000000-0000-0000-0000-000000000002",
        ));
        assert_eq!(found(COSMOS, "Cosmos DB Built-in Data Reader"), reader);
        assert_eq!(found(COSMOS, "  cosmos db   BUILT-IN data reader "), reader);
        assert_eq!(
            found(COSMOS, "00000000-0000-0000-0000-000000000002"),
            contributor
        );
        assert_eq!(
            found(
                "microsoft.documentdb/DATABASEACCOUNTS",
                "00000000-0000-0000-0000-000000000001"
            ),
            reader
        );
        // Not on another type, and an Azure RBAC role is none of them.
        assert_eq!(
            found(
                "Microsoft.Search/searchServices",
                "Cosmos DB Built-in Data Reader"
            ),
            None
        );
        assert_eq!(found(COSMOS, "Cosmos DB Operator"), None);
        assert_eq!(found(COSMOS, "230815da-be43-4aae-9cb4-875f7bd000aa"), None);
        let (plane, _, _) = data_plane_role(COSMOS, "Cosmos DB Built-in Data Reader").unwrap();
        assert_eq!(
            plane.assignment_type,
            "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments"
        );
        assert_eq!(plane.definitions, "sqlRoleDefinitions");
        // The assignment is a child of the target type, with the namespace's pinned version.
        assert!(plane.assignment_type.starts_with(&format!("{COSMOS}/")));
        assert_eq!(api_version_for(plane.assignment_type), Some("2026-03-15"));
        // Every data plane's roles are the ones `lookup_role` calls data-plane roles.
        for t in TARGET_TYPES {
            for (name, guid) in t.data_plane.map_or(&[][..], |p| p.roles) {
                assert_eq!(lookup_role(name), RoleLookup::CosmosDataPlane(name));
                assert_eq!(lookup_role(guid), RoleLookup::CosmosDataPlane(name));
            }
        }
    }

    #[test]
    fn role_guids_unique_and_well_formed() {
        let mut guids: Vec<&str> = ROLES.iter().map(|r| r.guid).collect();
        guids.extend(COSMOS_DATA_PLANE_ROLES.iter().map(|(_, g)| *g));
        for g in &guids {
            assert!(is_guid(g), "{g}");
            assert_eq!(*g, g.to_ascii_lowercase(), "{g}");
        }
        let total = guids.len();
        guids.sort_unstable();
        guids.dedup();
        assert_eq!(guids.len(), total, "duplicate role GUID");

        let mut names: Vec<String> = ROLES
            .iter()
            .flat_map(|r| std::iter::once(r.name).chain(r.former_names.iter().copied()))
            .chain(COSMOS_DATA_PLANE_ROLES.iter().map(|(n, _)| *n))
            .map(str::to_ascii_lowercase)
            .collect();
        let total = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), total, "duplicate role name");
        assert_eq!(
            role_names().count(),
            ROLES.len() + COSMOS_DATA_PLANE_ROLES.len()
        );
        assert!(role_names().all(|n| !n.starts_with("Azure AI User")));
    }

    #[test]
    fn brief_roles_present() {
        for name in [
            "Key Vault Administrator",
            "Key Vault Contributor",
            "Key Vault Secrets Officer",
            "Key Vault Secrets User",
            "Search Index Data Contributor",
            "Search Index Data Reader",
            "Search Service Contributor",
            "Storage Blob Data Contributor",
            "Storage Blob Data Owner",
            "Storage Blob Data Reader",
            "Cognitive Services OpenAI User",
            "Cognitive Services OpenAI Contributor",
            "Cognitive Services User",
            "Cognitive Services Contributor",
            "Foundry User",
            "Foundry Project Manager",
            "Foundry Account Owner",
            "Foundry Owner",
            "Azure AI Developer",
            "Azure AI Administrator",
            "Cosmos DB Operator",
            "Cosmos DB Account Reader Role",
            "Contributor",
            "Reader",
            "Monitoring Metrics Publisher",
        ] {
            assert!(matches!(lookup_role(name), RoleLookup::Found(_)), "{name}");
        }
    }

    #[test]
    fn is_guid_shapes() {
        assert!(is_guid("00482a5a-887f-4fb3-b363-3b7fe8e74483"));
        assert!(is_guid("00482A5A-887F-4FB3-B363-3B7FE8E74483"));
        assert!(!is_guid("{00482a5a-887f-4fb3-b363-3b7fe8e74483}"));
        assert!(!is_guid("00482a5a887f4fb3b3633b7fe8e74483"));
        assert!(!is_guid("00482a5a-887f-4fb3-b363-3b7fe8e7448g"));
        assert!(!is_guid("00482a5a-887f-4fb3-b363_3b7fe8e74483"));
        assert!(!is_guid(""));
    }

    #[test]
    fn target_types_have_default_api_versions() {
        for t in TARGET_TYPES {
            assert_eq!(
                default_api_version(t.namespace),
                Some(t.api_version),
                "{}",
                t.resource_type
            );
            assert!(
                t.resource_type
                    .strip_prefix(t.namespace)
                    .is_some_and(|rest| rest.starts_with('/')),
                "{}",
                t.resource_type
            );
            assert!(!t.api_version.contains("preview"), "{}", t.resource_type);
            assert_eq!(target_type(&t.resource_type.to_lowercase()), Some(t));
        }
        assert!(target_type("Microsoft.Web/sites").is_none());
    }

    #[test]
    fn child_target_types_name_a_parent_in_the_table() {
        for t in TARGET_TYPES {
            if let Some(parent) = t.parent {
                let p = target_type(parent).expect("the parent is a target type");
                assert!(
                    p.parent.is_none(),
                    "{}: one level of nesting",
                    t.resource_type
                );
                assert!(
                    t.resource_type
                        .strip_prefix(parent)
                        .is_some_and(|rest| rest.starts_with('/') && !rest[1..].contains('/')),
                    "{}",
                    t.resource_type
                );
                assert_eq!(p.namespace, t.namespace);
            }
        }
        let apis = target_type("Microsoft.ApiManagement/service/apis").expect("apis");
        assert_eq!(apis.parent, Some("Microsoft.ApiManagement/service"));
        assert_eq!(apis.endpoint, Some(&["properties", "path"][..]));
    }

    #[test]
    fn default_api_versions() {
        assert_eq!(
            default_api_version("Microsoft.CognitiveServices"),
            Some("2026-07-01")
        );
        assert_eq!(
            default_api_version("microsoft.authorization"),
            Some("2022-04-01")
        );
        assert_eq!(
            default_api_version("Microsoft.KeyVault"),
            Some("2026-02-01")
        );
        assert_eq!(
            default_api_version("Microsoft.Resources"),
            Some("2020-10-01")
        );
        assert_eq!(default_api_version("Microsoft.Web"), None);
        assert_eq!(
            api_version_for("Microsoft.Resources/deploymentScripts"),
            Some("2023-08-01")
        );
        assert_eq!(
            api_version_for("Microsoft.Resources/deployments"),
            Some("2025-04-01")
        );
        assert_eq!(
            api_version_for("Microsoft.CognitiveServices/accounts/projects/connections"),
            Some("2026-07-01")
        );
        assert_eq!(
            api_version_for("Microsoft.Authorization/roleAssignments"),
            Some("2022-04-01")
        );
        assert_eq!(
            api_version_for("microsoft.search/searchservices"),
            Some("2025-05-01")
        );
        let mut namespaces: Vec<String> = DEFAULT_API_VERSIONS
            .iter()
            .map(|(ns, _)| ns.to_ascii_lowercase())
            .collect();
        let total = namespaces.len();
        namespaces.sort_unstable();
        namespaces.dedup();
        assert_eq!(namespaces.len(), total, "duplicate namespace");
    }

    #[test]
    fn key_sources() {
        let key = |rt: &str| target_type(rt).and_then(|t| t.key);
        assert_eq!(
            key("Microsoft.Storage/storageAccounts"),
            Some(KeySource::Action {
                action: "listKeys",
                path: &["keys", "0", "value"]
            })
        );
        assert_eq!(
            key("Microsoft.Insights/components"),
            Some(KeySource::Property {
                path: &["properties", "ConnectionString"]
            })
        );
        assert_eq!(
            key("Microsoft.ManagedIdentity/userAssignedIdentities"),
            None
        );
        assert_eq!(
            target_type("Microsoft.KeyVault/vaults").and_then(|t| t.endpoint),
            Some(&["properties", "vaultUri"][..])
        );
    }
}
