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
