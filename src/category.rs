//! What foundrygen knows about each connection category and auth type: the auth types a category
//! accepts, the resource types it targets, the credentials each auth type carries and the default
//! metadata. Validation enforces these tables; the model applies their defaults.

use crate::spec::TargetUse;

/// Whether a category's default metadata carries the target's `location`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocationMeta {
    /// Always, for a resource target.
    Always,
    /// Only with Entra ID (AAD) auth (storage: the AccountKey form carries none).
    WhenAad,
    /// Never.
    Never,
}

/// A category whose auth types foundrygen checks.
#[derive(Debug)]
pub struct CategoryRule {
    /// The emitted literal.
    pub category: &'static str,
    /// Auth types Azure accepts for it.
    pub auth: &'static [&'static str],
    /// Resource types a resource target must have (empty: any).
    pub target_types: &'static [&'static str],
    /// Whether the default metadata carries `location`.
    pub location: LocationMeta,
}

const KV: &str = "Microsoft.KeyVault/vaults";
const SEARCH: &str = "Microsoft.Search/searchServices";
const COGSVC: &str = "Microsoft.CognitiveServices/accounts";
const STORAGE: &str = "Microsoft.Storage/storageAccounts";
const INSIGHTS: &str = "Microsoft.Insights/components";
const COSMOS: &str = "Microsoft.DocumentDB/databaseAccounts";
/// An API of an API Management service: gateway connections target the API, not the service.
pub const APIM_API: &str = "Microsoft.ApiManagement/service/apis";

/// Categories whose auth types are checked (the ones the reference covers).
pub const CATEGORY_RULES: &[CategoryRule] = &[
    CategoryRule {
        category: "AzureKeyVault",
        auth: &["AccountManagedIdentity"],
        target_types: &[KV],
        location: LocationMeta::Always,
    },
    CategoryRule {
        category: "CognitiveSearch",
        auth: &["ApiKey", "AAD"],
        target_types: &[SEARCH],
        location: LocationMeta::Always,
    },
    CategoryRule {
        category: "AzureOpenAI",
        auth: &["ApiKey", "AAD"],
        target_types: &[COGSVC],
        location: LocationMeta::Always,
    },
    CategoryRule {
        category: "AIServices",
        auth: &["ApiKey", "AAD"],
        target_types: &[COGSVC],
        location: LocationMeta::Always,
    },
    CategoryRule {
        category: "AzureStorageAccount",
        auth: &["AccountKey", "AAD"],
        target_types: &[STORAGE],
        location: LocationMeta::WhenAad,
    },
    CategoryRule {
        category: "AzureBlob",
        auth: &["AccountKey", "AAD", "SAS"],
        target_types: &[STORAGE],
        location: LocationMeta::WhenAad,
    },
    CategoryRule {
        category: "AppInsights",
        auth: &["ApiKey"],
        target_types: &[INSIGHTS],
        location: LocationMeta::Never,
    },
    CategoryRule {
        category: "CosmosDb",
        auth: &["AAD"],
        target_types: &[COSMOS],
        location: LocationMeta::Always,
    },
    CategoryRule {
        category: "ApiKey",
        auth: &["ApiKey"],
        target_types: &[],
        location: LocationMeta::Never,
    },
    CategoryRule {
        category: "GroundingWithBingSearch",
        auth: &["ApiKey"],
        target_types: &[],
        location: LocationMeta::Never,
    },
    CategoryRule {
        category: "ApiManagement",
        auth: &["ApiKey", "ProjectManagedIdentity"],
        target_types: &[APIM_API],
        location: LocationMeta::Never,
    },
    CategoryRule {
        category: "ModelGateway",
        auth: &["ApiKey", "OAuth2"],
        target_types: &[APIM_API],
        location: LocationMeta::Never,
    },
    CategoryRule {
        category: "CustomKeys",
        auth: &["CustomKeys"],
        target_types: &[],
        location: LocationMeta::Never,
    },
];

/// The rule of a category, when foundrygen checks it.
pub fn rule(category: &str) -> Option<&'static CategoryRule> {
    CATEGORY_RULES.iter().find(|r| r.category == category)
}

/// Categories whose connections reach models through a gateway (API Management, a model gateway)
/// and carry the gateway's routing in their metadata (foundry-samples
/// `infrastructure-setup-bicep/01-connections/apim` and `…/model-gateway`).
pub const GATEWAY_CATEGORIES: &[&str] = &["ApiManagement", "ModelGateway"];

/// True for a category in [`GATEWAY_CATEGORIES`].
pub fn is_gateway(category: &str) -> bool {
    GATEWAY_CATEGORIES.contains(&category)
}

/// Gateway metadata: where the deployment name goes (`"true"`: in the URL path, `"false"`: in the
/// request body). Required: the samples' defaults disagree (`'true'` for API Management, `'false'`
/// for a model gateway) and a wrong value only shows as 404s when an agent calls the model.
pub const DEPLOYMENT_IN_PATH: &str = "deploymentInPath";

/// Gateway metadata: a static list of the gateway's deployments (a JSON array).
pub const MODELS: &str = "models";

/// Gateway metadata: how to ask the gateway for its deployments (a JSON object of
/// [`MODEL_DISCOVERY_KEYS`]). Exactly one of [`MODELS`] and this is given.
pub const MODEL_DISCOVERY: &str = "modelDiscovery";

/// The keys of `modelDiscovery`, all required (the samples set it only when all three are given).
pub const MODEL_DISCOVERY_KEYS: &[&str] = &[
    "listModelsEndpoint",
    "getModelEndpoint",
    "deploymentProvider",
];

/// The response formats `modelDiscovery.deploymentProvider` names ("exactly 2 formats").
pub const DEPLOYMENT_PROVIDERS: &[&str] = &["AzureOpenAI", "OpenAI"];

/// Metadata a category adds when the spec does not set it. A model gateway always sends
/// `inferenceAPIVersion`, empty when the gateway needs no `api-version` query parameter (the
/// sample's default); API Management sends it only when given (the sample leaves an empty one out).
pub fn default_metadata(category: &str) -> &'static [(&'static str, &'static str)] {
    match category {
        "ModelGateway" => &[("inferenceAPIVersion", "")],
        _ => &[],
    }
}

/// The credentials an auth type carries.
#[derive(Debug)]
pub struct AuthRule {
    /// The authType literal.
    pub auth: &'static str,
    /// Credential keys that must be present.
    pub required: &'static [&'static str],
    /// Credential keys that may be present.
    pub optional: &'static [&'static str],
}

/// Every auth type with its credentials.
pub const AUTH_RULES: &[AuthRule] = &[
    AuthRule {
        auth: "AAD",
        required: &[],
        optional: &[],
    },
    AuthRule {
        auth: "ApiKey",
        required: &["key"],
        optional: &[],
    },
    AuthRule {
        auth: "AccountKey",
        required: &["key"],
        optional: &[],
    },
    AuthRule {
        auth: "CustomKeys",
        required: &["keys"],
        optional: &[],
    },
    AuthRule {
        auth: "ServicePrincipal",
        required: &["client_id", "tenant_id", "client_secret"],
        optional: &[],
    },
    AuthRule {
        auth: "SAS",
        required: &["sas"],
        optional: &[],
    },
    AuthRule {
        auth: "OAuth2",
        required: &["client_id", "client_secret"],
        optional: &[
            "tenant_id",
            "auth_url",
            "username",
            "password",
            "refresh_token",
            "developer_token",
            "token_url",
            "scopes",
        ],
    },
    AuthRule {
        auth: "ManagedIdentity",
        required: &["client_id", "resource_id"],
        optional: &[],
    },
    AuthRule {
        auth: "PAT",
        required: &["pat"],
        optional: &[],
    },
    AuthRule {
        auth: "AccessKey",
        required: &["access_key_id", "secret_access_key"],
        optional: &[],
    },
    AuthRule {
        auth: "UsernamePassword",
        required: &["username", "password"],
        optional: &["security_token"],
    },
    AuthRule {
        auth: "None",
        required: &[],
        optional: &[],
    },
    AuthRule {
        auth: "AccountManagedIdentity",
        required: &[],
        optional: &[],
    },
    AuthRule {
        auth: "ProjectManagedIdentity",
        required: &[],
        optional: &["audience"],
    },
];

/// The credential rule of an auth type.
pub fn auth_rule(auth: &str) -> Option<&'static AuthRule> {
    AUTH_RULES.iter().find(|r| r.auth == auth)
}

/// The Azure credential property for a spec credential key (`client_secret` → `clientSecret`).
pub fn credential_property(key: &str) -> &'static str {
    match key {
        "key" => "key",
        "keys" => "keys",
        "client_id" => "clientId",
        "tenant_id" => "tenantId",
        "client_secret" => "clientSecret",
        "auth_url" => "authUrl",
        "username" => "username",
        "password" => "password",
        "refresh_token" => "refreshToken",
        "developer_token" => "developerToken",
        "security_token" => "securityToken",
        "sas" => "sas",
        "pat" => "pat",
        "access_key_id" => "accessKeyId",
        "secret_access_key" => "secretAccessKey",
        "resource_id" => "resourceId",
        _ => "audience",
    }
}

/// What a resource target gives as `target` when `use:` is not written: storage with an account key
/// and types without a known endpoint give the id; everything else its endpoint URL.
pub fn default_use(resource_type: &str, auth: &str, has_endpoint: bool) -> TargetUse {
    let id_only = (resource_type.eq_ignore_ascii_case(STORAGE) && auth == "AccountKey")
        || resource_type.eq_ignore_ascii_case(INSIGHTS)
        || resource_type.eq_ignore_ascii_case(KV)
        || !has_endpoint;
    if id_only {
        TargetUse::Id
    } else {
        TargetUse::Endpoint
    }
}

// ---------------------------------------------------------------------------
// The names people say
// ---------------------------------------------------------------------------

/// What people call a category or an auth type, next to Azure's literal.
#[derive(Debug)]
pub struct Names {
    /// Azure's literal.
    pub literal: &'static str,
    /// What it is, in a few words (did-you-mean help and `foundrygen categories` show it).
    pub label: &'static str,
    /// Other names people write for it. One name may stand for several literals (`Connection
    /// string` is an `ApiKey` for App Insights and an `AccountKey` for storage): the suggestion
    /// takes the first one the connection's category accepts, else the first in this table.
    pub aliases: &'static [&'static str],
}

const fn names(
    literal: &'static str,
    label: &'static str,
    aliases: &'static [&'static str],
) -> Names {
    Names {
        literal,
        label,
        aliases,
    }
}

/// Categories by the names of the services they connect to. Aliases are compared without case,
/// spaces and punctuation, so `App Insights` and `app-insights` both match `AppInsights` itself.
pub const CATEGORY_NAMES: &[Names] = &[
    names("AzureKeyVault", "Key Vault", &["Key Vault", "KV", "Vault"]),
    names(
        "CognitiveSearch",
        "Azure AI Search",
        &[
            "Azure AI Search",
            "AI Search",
            "Azure Search",
            "Azure Cognitive Search",
            "Search",
            "Search service",
        ],
    ),
    names(
        "AzureOpenAI",
        "Azure OpenAI",
        &["Azure OpenAI Service", "AOAI", "Azure OpenAI"],
    ),
    names(
        "AIServices",
        "AI Services / Foundry",
        &[
            "Azure AI Services",
            "AI Service",
            "Foundry",
            "AI Foundry",
            "Azure AI Foundry",
            "Microsoft Foundry",
            "Foundry Tools",
        ],
    ),
    names(
        "AzureStorageAccount",
        "Storage account",
        &["Storage account", "Storage", "Azure Storage"],
    ),
    names(
        "AzureBlob",
        "Blob Storage",
        &[
            "Blob",
            "Blob Storage",
            "Azure Blob Storage",
            "Blob container",
        ],
    ),
    names(
        "AppInsights",
        "Application Insights",
        &[
            "Application Insights",
            "Azure Application Insights",
            "Azure Monitor Application Insights",
            "App Insight",
        ],
    ),
    names(
        "CosmosDb",
        "Cosmos DB",
        &[
            "Azure Cosmos DB",
            "Cosmos",
            "Cosmos DB for NoSQL",
            "DocumentDB",
        ],
    ),
    names(
        "CosmosDbMongoDbApi",
        "Cosmos DB for MongoDB",
        &["Cosmos DB for MongoDB", "Cosmos Mongo", "Cosmos MongoDB"],
    ),
    names("ApiKey", "a key-protected API", &["Key", "API"]),
    names(
        "GroundingWithBingSearch",
        "Bing grounding",
        &[
            "Bing",
            "Bing Search",
            "Bing grounding",
            "Grounding with Bing",
            "Bing Web Search",
        ],
    ),
    names(
        "GroundingWithCustomSearch",
        "Bing Custom Search",
        &["Bing Custom Search", "Grounding with Bing Custom Search"],
    ),
    names(
        "ApiManagement",
        "API Management",
        &["APIM", "Azure API Management", "API gateway"],
    ),
    names(
        "ModelGateway",
        "model gateway",
        &["AI gateway", "Gateway", "LLM gateway"],
    ),
    names("CustomKeys", "custom keys", &["Custom", "Custom key"]),
    names(
        "AzureSqlDb",
        "Azure SQL Database",
        &["Azure SQL", "Azure SQL Database", "SQL Database"],
    ),
    names(
        "ADLSGen2",
        "Data Lake Storage Gen2",
        &[
            "ADLS",
            "Data Lake",
            "Azure Data Lake Storage",
            "Data Lake Storage",
        ],
    ),
    names("AzureOneLake", "OneLake", &["OneLake"]),
    names("MicrosoftFabric", "Microsoft Fabric", &["Fabric"]),
    names(
        "AzurePostgresDb",
        "Azure PostgreSQL",
        &["Azure Database for PostgreSQL", "Azure PostgreSQL"],
    ),
    names(
        "AzureMySqlDb",
        "Azure MySQL",
        &["Azure Database for MySQL", "Azure MySQL"],
    ),
    names("Redis", "Azure Cache for Redis", &["Azure Cache for Redis"]),
    names("ContainerRegistry", "Container Registry", &["ACR"]),
    names("AppConfig", "App Configuration", &["App Configuration"]),
    names("Sharepoint", "SharePoint", &["SharePoint Online"]),
];

/// Auth types by what people call them. Entra ID is `AAD`; "managed identity" usually means the
/// account's (or project's) own identity over Entra ID, which is `AAD` too.
pub const AUTH_NAMES: &[Names] = &[
    names(
        "AAD",
        "Entra ID",
        &[
            "Entra ID",
            "Microsoft Entra ID",
            "Entra",
            "Azure AD",
            "Azure Active Directory",
            "Active Directory",
            "Managed identity",
            "System-assigned identity",
            "System-assigned managed identity",
            "MSI",
            "Identity",
            "RBAC",
            "Token",
        ],
    ),
    names(
        "ApiKey",
        "an API key",
        &[
            "Key",
            "API key",
            "Subscription key",
            "Admin key",
            "Query key",
            "Connection string",
        ],
    ),
    names(
        "AccountKey",
        "a storage account key",
        &[
            "Storage key",
            "Storage account key",
            "Shared key",
            "Access key",
            "Connection string",
            "Key",
        ],
    ),
    names(
        "CustomKeys",
        "custom keys",
        &["Custom key", "Custom headers", "Headers"],
    ),
    names(
        "ServicePrincipal",
        "a service principal",
        &[
            "SPN",
            "SP",
            "App registration",
            "Client secret",
            "Entra app",
        ],
    ),
    names(
        "SAS",
        "a SAS token",
        &["SAS token", "Shared access signature", "SAS key", "SAS URL"],
    ),
    names(
        "OAuth2",
        "OAuth 2.0",
        &["OAuth", "OAuth 2.0", "Client credentials", "Client secret"],
    ),
    names(
        "ManagedIdentity",
        "a user-assigned managed identity",
        &[
            "User-assigned identity",
            "User-assigned managed identity",
            "UAMI",
            "Managed identity",
        ],
    ),
    names("PAT", "a personal access token", &["Personal access token"]),
    names(
        "AccessKey",
        "an access key id and secret",
        &["AWS access key", "Access key id"],
    ),
    names(
        "UsernamePassword",
        "a username and password",
        &[
            "Basic",
            "Basic auth",
            "Username and password",
            "User password",
            "Password",
        ],
    ),
    names(
        "None",
        "no authentication",
        &["Anonymous", "No auth", "Public", "Nothing"],
    ),
    names(
        "AccountManagedIdentity",
        "the account's managed identity",
        &["Account identity"],
    ),
    names(
        "ProjectManagedIdentity",
        "the project's managed identity",
        &["Project identity"],
    ),
];

/// A did-you-mean for a name that is not one of Azure's literals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Suggestion {
    /// The literal to write.
    pub literal: &'static str,
    /// What the literal stands for, when the written name matched one of its aliases (and so
    /// does not look like the literal).
    pub label: Option<&'static str>,
}

impl Suggestion {
    /// The help line: ``did you mean `AAD` (Entra ID)?``.
    pub fn help(&self) -> String {
        match self.label {
            Some(label) => format!("did you mean `{}` ({label})?", self.literal),
            None => format!("did you mean `{}`?", self.literal),
        }
    }
}

/// Lower case, ASCII letters and digits only: `Entra ID`, `entra-id` and `EntraID` are one name.
fn folded(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The literal meant by `written`: a literal written in another case or with spaces, an alias,
/// or the nearest of both within edit distance 2. Among several, the first that `accepted`
/// holds (the auth types of the connection's category), else the first found.
fn suggest(
    written: &str,
    literals: &[&'static str],
    table: &'static [Names],
    accepted: Option<&[&str]>,
) -> Option<Suggestion> {
    let w = folded(written);
    if w.is_empty() {
        return None;
    }
    let label = |lit: &str| table.iter().find(|n| n.literal == lit).map(|n| n.label);
    // (distance, literal, label when found through an alias), literals before aliases.
    let mut found: Vec<(usize, &'static str, Option<&'static str>)> = Vec::new();
    for lit in literals {
        found.push((strsim::levenshtein(&w, &folded(lit)), lit, None));
    }
    for n in table {
        for a in n.aliases {
            let a = folded(a);
            let d = strsim::levenshtein(&w, &a);
            // Short aliases (`SP`, `KV`) only count when written as they are: two edits turn
            // any short word into them.
            if d == 0 || a.len() > 3 {
                found.push((d, n.literal, label(n.literal)));
            }
        }
    }
    let best = found.iter().map(|(d, ..)| *d).min()?;
    // Within two edits, and not by rewriting all of a short word (`Q` is not `S3`).
    if best > 2 || best >= w.len() {
        return None;
    }
    let nearest: Vec<_> = found.into_iter().filter(|(d, ..)| *d == best).collect();
    let pick = accepted
        .and_then(|ok| nearest.iter().find(|(_, lit, _)| ok.contains(lit)))
        .or(nearest.first())?;
    Some(Suggestion {
        literal: pick.1,
        label: pick.2,
    })
}

/// A did-you-mean for a category that is not one of Azure's literals.
pub fn suggest_category(written: &str) -> Option<Suggestion> {
    suggest(written, crate::catalog::CATEGORIES, CATEGORY_NAMES, None)
}

/// A did-you-mean for an auth type that is not one of Azure's literals; with the connection's
/// category, one that the category takes when there is one.
pub fn suggest_auth_type(written: &str, category: Option<&str>) -> Option<Suggestion> {
    let accepted = category.and_then(rule).map(|r| r.auth);
    suggest(written, crate::catalog::AUTH_TYPES, AUTH_NAMES, accepted)
}

/// What a category literal stands for, when the table says.
pub fn category_label(category: &str) -> Option<&'static str> {
    CATEGORY_NAMES
        .iter()
        .find(|n| n.literal == category)
        .map(|n| n.label)
}

/// What an auth type literal stands for.
pub fn auth_label(auth: &str) -> Option<&'static str> {
    AUTH_NAMES
        .iter()
        .find(|n| n.literal == auth)
        .map(|n| n.label)
}

/// The help for an auth type nothing resembles: the ones the category takes, or all of them,
/// with what the unobvious ones mean.
pub fn auth_types_help(category: Option<&str>) -> String {
    let show = |a: &&str| match *a {
        "AAD" => "`AAD` (Entra ID)".to_string(),
        other => format!("`{other}`"),
    };
    match category.and_then(rule) {
        Some(r) => format!(
            "a `{}` connection takes {}",
            r.category,
            r.auth.iter().map(show).collect::<Vec<_>>().join(" or ")
        ),
        None => format!(
            "auth types: {}",
            crate::catalog::AUTH_TYPES
                .iter()
                .map(show)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

// ---------------------------------------------------------------------------
// `foundrygen categories`
// ---------------------------------------------------------------------------

/// The default `use` of a resource target of a category, per auth type where it differs:
/// `endpoint`, `id`, or `endpoint; id with AccountKey`.
fn default_use_text(r: &CategoryRule) -> String {
    let Some(ty) = r.target_types.first() else {
        return "by target type".to_string();
    };
    let has_endpoint = crate::catalog::target_type(ty).is_some_and(|t| t.endpoint.is_some());
    let word = |u: TargetUse| match u {
        TargetUse::Endpoint => "endpoint",
        TargetUse::Id => "id",
    };
    let uses: Vec<(&str, &str)> = r
        .auth
        .iter()
        .map(|a| (*a, word(default_use(ty, a, has_endpoint))))
        .collect();
    let with = |kind: &str| -> Vec<&str> {
        uses.iter()
            .filter(|(_, u)| *u == kind)
            .map(|(a, _)| *a)
            .collect()
    };
    let (ids, endpoints) = (with("id"), with("endpoint"));
    match (ids.is_empty(), endpoints.is_empty()) {
        (true, _) => "endpoint".to_string(),
        (_, true) => "id".to_string(),
        _ if ids.len() > endpoints.len() => format!("id; endpoint with {}", endpoints.join(", ")),
        _ => format!("endpoint; id with {}", ids.join(", ")),
    }
}

/// Rows of text laid out in columns two spaces apart (the last column unpadded).
fn columns(rows: &[Vec<String>]) -> String {
    let n = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..n)
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.push_str(&" ".repeat(widths[i] - cell.chars().count() + 2));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// What `foundrygen categories` prints: every category Azure publishes with the auth types it
/// takes, its resource target type and the default `use` of a resource target (the ones foundrygen
/// checks first), then every auth type with its credentials.
pub fn reference() -> String {
    let header = |cells: &[&str]| cells.iter().map(|c| c.to_string()).collect::<Vec<_>>();
    let mut rows = vec![header(&[
        "category",
        "what",
        "auth types",
        "resource target",
        "default use",
    ])];
    for r in CATEGORY_RULES {
        let spellings: Vec<&str> = std::iter::once(r.category)
            .chain(
                crate::catalog::CATEGORY_SPELLINGS
                    .iter()
                    .filter(|(_, lit)| *lit == r.category)
                    .map(|(s, _)| *s),
            )
            .collect();
        rows.push(vec![
            spellings.join(" or "),
            category_label(r.category).unwrap_or("").to_string(),
            r.auth.join(", "),
            if r.target_types.is_empty() {
                "any".to_string()
            } else {
                r.target_types.join(" or ")
            },
            default_use_text(r),
        ]);
    }
    for c in crate::catalog::CATEGORIES {
        if rule(c).is_none() {
            rows.push(vec![
                c.to_string(),
                category_label(c).unwrap_or("").to_string(),
                "any (unchecked: FG032)".to_string(),
                "any".to_string(),
                "by target type".to_string(),
            ]);
        }
    }
    let mut out = columns(&rows);
    out.push_str(
        "\nEvery category but AzureKeyVault also takes a `url` target, sent as written. `default use` is\n\
         what a resource target sends without `use:`: its endpoint URL, or its resource id (\"by target\n\
         type\": the endpoint where foundrygen knows it, the id for Key Vault, App Insights, storage with\n\
         AccountKey and types without a known endpoint).\n\n",
    );
    let mut rows = vec![header(&["auth type", "what", "credentials"])];
    for a in AUTH_RULES {
        let creds: Vec<String> = a
            .required
            .iter()
            .map(|k| k.to_string())
            .chain(a.optional.iter().map(|k| format!("[{k}]")))
            .collect();
        rows.push(vec![
            a.auth.to_string(),
            auth_label(a.auth).unwrap_or("").to_string(),
            if creds.is_empty() {
                "none".to_string()
            } else {
                creds.join(", ")
            },
        ]);
    }
    out.push_str(&columns(&rows));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_names_known_categories_and_auth_types() {
        for r in CATEGORY_RULES {
            assert!(
                crate::catalog::CATEGORIES.contains(&r.category),
                "{}",
                r.category
            );
            for a in r.auth {
                assert!(auth_rule(a).is_some(), "{a}");
            }
        }
        for a in crate::catalog::AUTH_TYPES {
            assert!(auth_rule(a).is_some(), "{a}");
        }
    }

    #[test]
    fn target_ids_may_name_an_api_of_an_api_management_service() {
        let base = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ApiManagement/service/apim1";
        let api = parse_target_id(&format!("{base}/apis/openai")).expect("an API");
        assert_eq!(api.resource_type, APIM_API);
        assert_eq!(api.name, "apim1/openai");
        assert_eq!(api.resource_group, "rg");
        assert_eq!(parse_target_id(base).map(|p| p.name), Some("apim1".into()));
        // Only child types the catalog lists, and only as targets.
        assert_eq!(
            parse_target_id(&format!("{base}/subscriptions/master")),
            None
        );
        assert_eq!(parse_target_id(&format!("{base}/apis/")), None);
        assert_eq!(parse_resource_id(&format!("{base}/apis/openai")), None);
    }

    #[test]
    fn did_you_mean_knows_the_names_people_say_for_categories() {
        let dym = |w: &str| suggest_category(w).map(|s| s.help());
        for (written, help) in [
            (
                "ApplicationInsights",
                "did you mean `AppInsights` (Application Insights)?",
            ),
            (
                "Application Insights",
                "did you mean `AppInsights` (Application Insights)?",
            ),
            (
                "Aplication Insights",
                "did you mean `AppInsights` (Application Insights)?",
            ),
            (
                "Azure AI Search",
                "did you mean `CognitiveSearch` (Azure AI Search)?",
            ),
            (
                "AISearch",
                "did you mean `CognitiveSearch` (Azure AI Search)?",
            ),
            ("Blob", "did you mean `AzureBlob` (Blob Storage)?"),
            (
                "Storage account",
                "did you mean `AzureStorageAccount` (Storage account)?",
            ),
            ("Key Vault", "did you mean `AzureKeyVault` (Key Vault)?"),
            (
                "Foundry",
                "did you mean `AIServices` (AI Services / Foundry)?",
            ),
            (
                "Azure AI Services",
                "did you mean `AIServices` (AI Services / Foundry)?",
            ),
            ("Cosmos DB", "did you mean `CosmosDb`?"),
            ("Azure Cosmos DB", "did you mean `CosmosDb` (Cosmos DB)?"),
            (
                "Bing grounding",
                "did you mean `GroundingWithBingSearch` (Bing grounding)?",
            ),
            ("API Management", "did you mean `ApiManagement`?"),
            ("APIM", "did you mean `ApiManagement` (API Management)?"),
            // A literal in another case or with spaces needs no label.
            ("Azure OpenAI", "did you mean `AzureOpenAI`?"),
            ("aiservices", "did you mean `AIServices`?"),
            ("CognitivSearch", "did you mean `CognitiveSearch`?"),
        ] {
            assert_eq!(dym(written).as_deref(), Some(help), "{written}");
        }
        assert_eq!(dym("Nonsense"), None);
        // Short aliases are not reached by two edits.
        assert_eq!(dym("Q"), None);
    }

    #[test]
    fn did_you_mean_knows_the_names_people_say_for_auth_types() {
        let dym = |w: &str, c: Option<&str>| suggest_auth_type(w, c).map(|s| s.help());
        for (written, category, help) in [
            ("EntraID", None, "did you mean `AAD` (Entra ID)?"),
            (
                "Entra ID",
                Some("CognitiveSearch"),
                "did you mean `AAD` (Entra ID)?",
            ),
            ("Azure AD", None, "did you mean `AAD` (Entra ID)?"),
            ("Microsoft Entra ID", None, "did you mean `AAD` (Entra ID)?"),
            // A search connection has no user-assigned identity: its managed identity is AAD.
            (
                "managed identity",
                Some("CognitiveSearch"),
                "did you mean `AAD` (Entra ID)?",
            ),
            (
                "managed identity",
                Some("Pinecone"),
                "did you mean `ManagedIdentity`?",
            ),
            (
                "service principal",
                None,
                "did you mean `ServicePrincipal`?",
            ),
            (
                "SPN",
                None,
                "did you mean `ServicePrincipal` (a service principal)?",
            ),
            ("SAS token", None, "did you mean `SAS` (a SAS token)?"),
            (
                "connection string",
                Some("AppInsights"),
                "did you mean `ApiKey` (an API key)?",
            ),
            (
                "connection string",
                Some("AzureStorageAccount"),
                "did you mean `AccountKey` (a storage account key)?",
            ),
            (
                "access key",
                Some("AzureBlob"),
                "did you mean `AccountKey` (a storage account key)?",
            ),
            ("API key", None, "did you mean `ApiKey`?"),
            ("Oauth", None, "did you mean `OAuth2` (OAuth 2.0)?"),
            ("Oauth2", None, "did you mean `OAuth2`?"),
            (
                "basic auth",
                None,
                "did you mean `UsernamePassword` (a username and password)?",
            ),
        ] {
            assert_eq!(dym(written, category).as_deref(), Some(help), "{written}");
        }
        assert_eq!(dym("Kerberos", None), None);
        assert!(auth_types_help(None).contains("`AAD` (Entra ID)"));
        assert_eq!(
            auth_types_help(Some("CognitiveSearch")),
            "a `CognitiveSearch` connection takes `ApiKey` or `AAD` (Entra ID)"
        );
    }

    #[test]
    fn aliases_name_known_literals_and_no_literal_is_an_alias_of_another() {
        for n in CATEGORY_NAMES {
            assert!(
                crate::catalog::CATEGORIES.contains(&n.literal),
                "{}",
                n.literal
            );
        }
        for n in AUTH_NAMES {
            assert!(crate::catalog::is_auth_type(n.literal), "{}", n.literal);
        }
        assert_eq!(AUTH_NAMES.len(), crate::catalog::AUTH_TYPES.len());
        // An alias that folds to another literal would hide that literal, except where that is
        // the point: "managed identity" is `AAD` for a category that takes no `ManagedIdentity`,
        // a storage "access key" is an `AccountKey`.
        let meant = ["Managed identity", "Access key"];
        for (table, literals) in [
            (CATEGORY_NAMES, crate::catalog::CATEGORIES),
            (AUTH_NAMES, crate::catalog::AUTH_TYPES),
        ] {
            for n in table {
                for a in n.aliases {
                    let hit = literals
                        .iter()
                        .find(|l| folded(l) == folded(a) && **l != n.literal);
                    assert!(
                        hit.is_none() || meant.contains(a),
                        "`{a}` of {} is {hit:?}",
                        n.literal
                    );
                }
            }
        }
    }

    #[test]
    fn the_reference_lists_every_category_and_auth_type() {
        let text = reference();
        for c in crate::catalog::CATEGORIES {
            assert!(
                text.lines().any(|l| l.split_whitespace().next() == Some(c)),
                "{c}"
            );
        }
        for a in crate::catalog::AUTH_TYPES {
            assert!(
                text.lines().any(|l| l.split_whitespace().next() == Some(a)),
                "{a}"
            );
        }
        let row = |c: &str| {
            text.lines()
                .find(|l| l.split_whitespace().next() == Some(c))
                .unwrap()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(
            row("AzureStorageAccount"),
            "AzureStorageAccount Storage account AccountKey, AAD Microsoft.Storage/storageAccounts endpoint; id with AccountKey"
        );
        assert_eq!(
            row("AppInsights"),
            "AppInsights Application Insights ApiKey Microsoft.Insights/components id"
        );
        assert!(row("CosmosDb").starts_with("CosmosDb or CosmosDB Cosmos DB AAD"));
        assert_eq!(row("AAD"), "AAD Entra ID none");
    }

    #[test]
    fn storage_with_account_key_targets_the_id() {
        assert_eq!(default_use(STORAGE, "AccountKey", true), TargetUse::Id);
        assert_eq!(default_use(STORAGE, "AAD", true), TargetUse::Endpoint);
        assert_eq!(default_use(SEARCH, "ApiKey", true), TargetUse::Endpoint);
        assert_eq!(default_use(INSIGHTS, "ApiKey", false), TargetUse::Id);
    }
}

/// The parts of a top-level Azure resource id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedResourceId {
    /// Subscription id.
    pub subscription: String,
    /// Resource group name.
    pub resource_group: String,
    /// `Namespace/type`.
    pub resource_type: String,
    /// Resource name.
    pub name: String,
}

/// Parses the id of a connection target: a top-level resource as [`parse_resource_id`] does, or a
/// child of a type the catalog lists as a child target (`…/providers/Microsoft.ApiManagement/service/
/// <service>/apis/<api>`), whose type is then `Namespace/type/child` and name `<parent>/<child>`.
pub fn parse_target_id(id: &str) -> Option<ParsedResourceId> {
    if let Some(p) = parse_resource_id(id) {
        return Some(p);
    }
    let (parent_id, rest) = id.rsplit_once('/')?;
    let (parent_id, child_type) = parent_id.rsplit_once('/')?;
    let parent = parse_resource_id(parent_id)?;
    let resource_type = format!("{}/{child_type}", parent.resource_type);
    let known = crate::catalog::target_type(&resource_type).is_some_and(|t| t.parent.is_some());
    (known && !rest.is_empty()).then(|| ParsedResourceId {
        resource_type,
        name: format!("{}/{rest}", parent.name),
        ..parent
    })
}

/// Parses `/subscriptions/<guid>/resourceGroups/<rg>/providers/<Namespace>/<type>/<name>`.
/// Child resources (more type segments) give `None`; [`parse_target_id`] reads the child targets.
pub fn parse_resource_id(id: &str) -> Option<ParsedResourceId> {
    let parts: Vec<&str> = id.strip_prefix('/')?.split('/').collect();
    match parts.as_slice() {
        [s, sub, rg_kw, rg, p, ns, ty, name]
            if s.eq_ignore_ascii_case("subscriptions")
                && rg_kw.eq_ignore_ascii_case("resourceGroups")
                && p.eq_ignore_ascii_case("providers")
                && crate::catalog::is_guid(sub)
                && !rg.is_empty()
                && ns.contains('.')
                && !ty.is_empty()
                && !name.is_empty() =>
        {
            Some(ParsedResourceId {
                subscription: sub.to_string(),
                resource_group: rg.to_string(),
                resource_type: format!("{ns}/{ty}"),
                name: name.to_string(),
            })
        }
        _ => None,
    }
}
