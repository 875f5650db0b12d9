//! A spec generator for the `structured` target: specs built from the real key names and from
//! pools of plausible values (names, categories, auth types, roles, resource types, secret
//! parameter names, ...), with now and then an arbitrary string, a missing or misplaced key, or a
//! value of the wrong type. Most inputs parse as YAML and many pass validation, so the fuzzer
//! spends its time in validation, the model and the renderers rather than in the YAML parser.

use std::fmt::Write as _;

use arbitrary::{Arbitrary, Result, Unstructured};
use foundrygen::{catalog, category};

// Kinds of string, each with its own pool.
const NAME: u8 = 0;
const TEXT: u8 = 1;
const CATEGORY: u8 = 2;
const AUTH: u8 = 3;
const ROLE: u8 = 4;
const RTYPE: u8 = 5;
const SECRET: u8 = 6;
const URL: u8 = 7;
const GUID: u8 = 8;
const LOCATION: u8 = 9;
const RG: u8 = 10;
const DURATION: u8 = 11;
const PERM: u8 = 12;
const NS: u8 = 13;
const APIVER: u8 = 14;
const META_KEY: u8 = 15;
const SKU: u8 = 16;
const KEY: u8 = 17;
const DEPLOYMENT_SKU: u8 = 18;
const UPGRADE: u8 = 19;

const NAMES: &[&str] = &[
    "alpha",
    "beta",
    "gamma",
    "qs-foundry",
    "Alpha",
    "alpha-beta",
    "research",
    "search",
    "storage",
    "kv1",
    "abc",
    "p.1",
    "web_1",
    "a",
    "ab",
    "1abc",
    "alpha-",
    "-alpha",
    "a--b",
    "alpha-keyvault",
    "名前",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
];

const TEXTS: &[&str] = &[
    "",
    " ",
    "plain text",
    "it's \"quoted\"",
    "back\\slash",
    "line one\nline two",
    "tab\there",
    "${bicep}",
    "%{hcl}",
    "${var.x}",
    "[concat('a', 'b')]",
    "[[escaped]",
    "[parameters('location')]",
    "\u{202E}reversed",
    "\u{0}nul",
    "\r\n",
    "null",
    "~",
    "true",
    "0",
    "1e3",
    "0x1F",
    "<<",
    "&a",
    "*a",
    "!!str",
    "#comment",
    "- x",
    ": x",
    "a: b",
    "'",
    "\"",
    "`",
    "*/",
    "/*",
    "//",
    "EOT",
    "<<EOT",
    "\\u0000",
    "é",
    "😀",
];

const SECRETS: &[&str] = &[
    "apiKey",
    "apikey",
    "APIKEY",
    "api_key",
    "key1",
    "secret",
    "location",
    "Location",
    "subscription_id",
    "resource_group_name",
    "deploymentSubscriptionId",
    "deploymentResourceGroupName",
    "target",
    "assignment",
    "roleDefinitionGuid",
    "roleAssignmentName",
    "principalId",
    "resourceName",
    "alpha",
    "alphaBeta",
    "alphaKeyVaultConnection",
    "qsFoundry",
    "qsKv",
    "resource",
    "param",
    "output",
    "var",
    "module",
    "if",
    "for",
    "true",
    "null",
    "sys",
    "az",
    "string",
    "data",
    "provider",
    "terraform",
    "locals",
    "variable",
    "count",
    "each",
    "self",
    "depends_on",
    "a",
    "_a",
    "1a",
    "a-b",
    "a.b",
    "",
];

const URLS: &[&str] = &[
    "https://example.com/",
    "https://example.com",
    "http://example.com/",
    "https://x.pinecone.io",
    "https://example.com/?q=${x}&r=%{y}",
    "https://contoso.blob.core.windows.net/data",
    "ftp://example.com",
    "example.com",
    "https://",
    "https:// space.example.com",
    "https://example.com/'\"",
];

const GUIDS: &[&str] = &[
    "11111111-2222-3333-4444-555555555555",
    "00000000-0000-0000-0000-000000000000",
    "AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE",
    "11111111222233334444555555555555",
    "not-a-guid",
    "{11111111-2222-3333-4444-555555555555}",
];

const LOCATIONS: &[&str] = &["eastus2", "westeurope", "global", "EastUS", "east us", ""];

const RGS: &[&str] = &[
    "rg-data",
    "rg-shared-secrets",
    "rg(1)",
    "rg.",
    "RG_Data",
    "rg data",
    "",
];

const DURATIONS: &[&str] = &[
    "60s",
    "0s",
    "1s",
    "5m",
    "30m",
    "31m",
    "1h",
    "-1s",
    "60",
    "1.5s",
    "PT60S",
    "s",
    "99999999999999999999s",
    "18446744073709551615s",
    "18446744073709551615m",
    "307445734561825861m",
    "1800s",
    "1801s",
];

const PERMS: &[&str] = &[
    "get", "list", "set", "delete", "recover", "backup", "restore", "purge", "all", "Get", "GET",
    "",
];

const APIVERS: &[&str] = &[
    "2026-07-01",
    "2025-05-01",
    "2020-01-01-preview",
    "2026-13-45",
    "latest",
    "",
    "2026-07-01'",
];

const META_KEYS: &[&str] = &[
    "deploymentInPath",
    "inferenceAPIVersion",
    "location",
    "Location",
    "ResourceId",
    "ApiType",
    "ApiVersion",
    "key with spaces",
    "[key]",
    "env",
    "",
    "a'b",
    "a\"b",
    "${x}",
];

const SKUS: &[&str] = &["S0", "F0", "s0", "", "S0 "];

/// Every key the spec knows, for keys put where they do not belong.
const KEYS: &[&str] = &[
    "version",
    "name",
    "location",
    "tags",
    "api_versions",
    "foundries",
    "existing",
    "subscription",
    "resource_group",
    "sku",
    "identity",
    "user_assigned_identity",
    "custom_subdomain",
    "disable_local_auth",
    "public_network_access",
    "deployments",
    "model",
    "version",
    "format",
    "capacity",
    "rai_policy",
    "version_upgrade",
    "projects",
    "key_vault",
    "connections",
    "display_name",
    "description",
    "permission_model",
    "role",
    "secret_permissions",
    "connection_name",
    "wait_for_role",
    "project",
    "category",
    "target",
    "auth",
    "roles",
    "shared_to_all",
    "metadata",
    "resource",
    "resource_id",
    "url",
    "use",
    "type",
    "key",
    "keys",
    "client_id",
    "tenant_id",
    "client_secret",
    "auth_url",
    "username",
    "password",
    "refresh_token",
    "developer_token",
    "security_token",
    "sas",
    "pat",
    "access_key_id",
    "secret_access_key",
    "audience",
    "from_target",
    "secret",
    "projets",
    "<<",
];

fn pool(kind: u8) -> Vec<String> {
    let own = |p: &[&str]| p.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    match kind {
        NAME => own(NAMES),
        TEXT => own(TEXTS),
        CATEGORY => {
            let mut v = own(catalog::CATEGORIES);
            v.extend(own(&[
                "cognitivesearch",
                "CosmosDB",
                "Custom",
                "",
                "AzureKeyVault",
            ]));
            v
        }
        AUTH => {
            let mut v = own(catalog::AUTH_TYPES);
            v.extend(own(catalog::UNPUBLISHED_AUTH_TYPES));
            v.extend(own(&["aad", "apikey", "Entra", ""]));
            v
        }
        ROLE => {
            let mut v: Vec<String> = catalog::ROLES.iter().map(|r| r.name.to_string()).collect();
            v.extend(catalog::ROLES.iter().map(|r| r.guid.to_string()));
            v.extend(
                catalog::ROLES
                    .iter()
                    .flat_map(|r| r.former_names.iter().map(|s| s.to_string())),
            );
            v.extend(
                catalog::COSMOS_DATA_PLANE_ROLES
                    .iter()
                    .map(|r| r.0.to_string()),
            );
            v.extend(
                catalog::COSMOS_DATA_PLANE_ROLES
                    .iter()
                    .map(|r| r.1.to_string()),
            );
            v.extend(own(&[
                "reader",
                "Owner",
                "No Such Role",
                "",
                "Search Index Data Reader ",
            ]));
            v
        }
        RTYPE => {
            let mut v: Vec<String> = catalog::TARGET_TYPES
                .iter()
                .map(|t| t.resource_type.to_string())
                .collect();
            v.extend(own(&[
                "Microsoft.Foo/bars",
                "microsoft.search/searchservices",
                "Microsoft.Search",
                "Microsoft.Storage/storageAccounts/blobServices",
                "",
            ]));
            v
        }
        SECRET => own(SECRETS),
        URL => own(URLS),
        GUID => own(GUIDS),
        LOCATION => own(LOCATIONS),
        RG => own(RGS),
        DURATION => own(DURATIONS),
        PERM => own(PERMS),
        NS => {
            let mut v: Vec<String> = catalog::DEFAULT_API_VERSIONS
                .iter()
                .map(|t| t.0.to_string())
                .collect();
            v.extend(
                catalog::RESOURCE_TYPE_API_VERSIONS
                    .iter()
                    .map(|t| t.0.to_string()),
            );
            v.extend(own(&["Microsoft.Foo", "microsoft.search", ""]));
            v
        }
        APIVER => own(APIVERS),
        META_KEY => own(META_KEYS),
        SKU => own(SKUS),
        DEPLOYMENT_SKU => {
            let mut v: Vec<String> = catalog::DEPLOYMENT_SKUS
                .iter()
                .map(|k| k.name.to_string())
                .collect();
            v.extend(own(&[
                "Global Standard",
                "globalstandard",
                "Developer",
                "S0",
                "",
            ]));
            v
        }
        UPGRADE => {
            let mut v = own(catalog::VERSION_UPGRADE_OPTIONS);
            v.extend(own(&["never", "NoAutoUpgrades", ""]));
            v
        }
        _ => own(KEYS),
    }
}

/// How many entries at the head of a kind's pool are values validation accepts.
fn good(kind: u8, len: usize) -> usize {
    match kind {
        NAME => 11,
        LOCATION => 2,
        RG => 2,
        GUID => 3,
        DURATION => 5,
        APIVER => 2,
        URL => 6,
        SECRET => 5,
        DEPLOYMENT_SKU => catalog::DEPLOYMENT_SKUS.len(),
        UPGRADE => catalog::VERSION_UPGRADE_OPTIONS.len(),
        _ => len,
    }
    .min(len)
}

/// A string of kind `K`: usually from its pool, sometimes altered, sometimes arbitrary.
#[derive(Debug, Clone)]
pub struct Str<const K: u8>(pub String);

impl<'a, const K: u8> Arbitrary<'a> for Str<K> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let how: u8 = u.arbitrary()?;
        let p = pool(K);
        let mut s = u.choose(&p)?.clone();
        match how {
            0..=139 => s = u.choose(&p[..good(K, p.len())])?.clone(),
            140..=199 => {}
            200..=209 => s = s.to_uppercase(),
            210..=219 => s.push(u.arbitrary()?),
            220..=229 => {
                let keep = u.int_in_range(0..=s.chars().count())?;
                s = s.chars().take(keep).collect();
            }
            230..=239 => {
                let other = u.choose(&p)?;
                s.push_str(other);
            }
            _ => s = u.arbitrary()?,
        }
        Ok(Str(s))
    }
}

/// Present most of the time (a required key).
#[derive(Debug, Clone)]
pub struct Mostly<T>(pub Option<T>);

impl<'a, T: Arbitrary<'a>> Arbitrary<'a> for Mostly<T> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let b: u8 = u.arbitrary()?;
        Ok(Mostly(if b < 240 { Some(u.arbitrary()?) } else { None }))
    }
}

/// Present now and then (a key that is wrong in most places, or only right in some).
#[derive(Debug, Clone)]
pub struct Rarely<T>(pub Option<T>);

impl<'a, T: Arbitrary<'a>> Arbitrary<'a> for Rarely<T> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let b: u8 = u.arbitrary()?;
        Ok(Rarely(if b < 40 { Some(u.arbitrary()?) } else { None }))
    }
}

/// A value of any shape, for keys given the wrong type or put in the wrong place.
#[derive(Debug, Clone, Arbitrary)]
pub enum AnyValue {
    Text(Str<TEXT>),
    Name(Str<NAME>),
    Bool(bool),
    Int(i64),
    Float(f64),
    Null,
    EmptySeq,
    EmptyMap,
    Seq(Vec<Str<NAME>>),
    Map(Vec<(Str<KEY>, Str<NAME>)>),
}

/// An extra key (known key name, any value).
#[derive(Debug, Clone, Arbitrary)]
pub struct Extra(Str<KEY>, AnyValue);

#[derive(Debug, Clone, Arbitrary)]
pub enum BadVersion {
    Two,
    Zero,
    Text,
    Float,
    Any(AnyValue),
}

#[derive(Debug, Clone, Arbitrary)]
pub struct FuzzSpec {
    /// `None` is the right version, 1.
    pub version: Mostly<Option<BadVersion>>,
    pub name: Mostly<Str<NAME>>,
    pub location: Mostly<Str<LOCATION>>,
    pub tags: Option<Vec<(Str<META_KEY>, Str<TEXT>)>>,
    pub api_versions: Option<Vec<(Str<NS>, Str<APIVER>)>>,
    pub foundries: Mostly<Vec<Foundry>>,
    pub extra: Rarely<Extra>,
    /// Emission choices (quoting, flow or block), used in turn.
    pub styles: Vec<u8>,
}

#[derive(Debug, Clone, Arbitrary)]
pub enum Identity {
    SystemAssigned,
    UserAssigned,
    Other(Str<TEXT>),
}

#[derive(Debug, Clone, Arbitrary)]
pub enum Toggle {
    Enabled,
    Disabled,
    Other(AnyValue),
}

#[derive(Debug, Clone, Arbitrary)]
pub struct ResRef {
    pub name: Mostly<Str<NAME>>,
    pub resource_group: Option<Str<RG>>,
    pub subscription: Option<Str<GUID>>,
}

#[derive(Debug, Clone, Arbitrary)]
pub struct Foundry {
    pub name: Mostly<Str<NAME>>,
    pub existing: Rarely<bool>,
    pub subscription: Rarely<Str<GUID>>,
    pub resource_group: Rarely<Str<RG>>,
    pub location: Option<Str<LOCATION>>,
    pub sku: Rarely<Str<SKU>>,
    pub identity: Rarely<Identity>,
    pub user_assigned_identity: Rarely<ResRef>,
    pub custom_subdomain: Rarely<Str<NAME>>,
    pub disable_local_auth: Option<bool>,
    pub public_network_access: Option<Toggle>,
    pub deployments: Option<Vec<Deployment>>,
    pub projects: Option<Vec<Project>>,
    pub key_vault: Option<KeyVault>,
    pub connections: Option<Vec<Connection>>,
    pub extra: Rarely<Extra>,
}

#[derive(Debug, Clone, Arbitrary)]
pub struct Deployment {
    pub name: Mostly<Str<NAME>>,
    pub model: Mostly<DeploymentModel>,
    pub sku: Mostly<DeploymentSku>,
    pub rai_policy: Option<Str<NAME>>,
    pub version_upgrade: Option<Str<UPGRADE>>,
    pub extra: Rarely<Extra>,
}

#[derive(Debug, Clone, Arbitrary)]
pub struct DeploymentModel {
    pub name: Mostly<Str<NAME>>,
    pub version: Option<Str<APIVER>>,
    pub format: Option<Str<TEXT>>,
    pub extra: Rarely<Extra>,
}

#[derive(Debug, Clone, Arbitrary)]
pub struct DeploymentSku {
    pub name: Mostly<Str<DEPLOYMENT_SKU>>,
    pub capacity: Option<i64>,
    pub extra: Rarely<Extra>,
}

#[derive(Debug, Clone, Arbitrary)]
pub struct Project {
    pub name: Mostly<Str<NAME>>,
    pub existing: Option<bool>,
    pub display_name: Option<Str<TEXT>>,
    pub description: Option<Str<TEXT>>,
    pub extra: Rarely<Extra>,
}

#[derive(Debug, Clone, Arbitrary)]
pub enum PermissionModel {
    Rbac,
    AccessPolicies,
    Other(Str<TEXT>),
}

#[derive(Debug, Clone, Arbitrary)]
pub enum KvRole {
    SecretsOfficer,
    Administrator,
    Contributor,
    Other(Str<ROLE>),
}

#[derive(Debug, Clone, Arbitrary)]
pub struct KeyVault {
    pub name: Mostly<Str<NAME>>,
    pub subscription: Option<Str<GUID>>,
    pub resource_group: Option<Str<RG>>,
    pub permission_model: Option<PermissionModel>,
    pub role: Option<KvRole>,
    pub secret_permissions: Option<Vec<Str<PERM>>>,
    pub connection_name: Option<Str<NAME>>,
    pub wait_for_role: Option<Str<DURATION>>,
    pub extra: Rarely<Extra>,
}

#[derive(Debug, Clone, Arbitrary)]
pub struct ResourceId {
    pub subscription: Str<GUID>,
    pub resource_group: Str<RG>,
    pub type_: Str<RTYPE>,
    pub name: Str<NAME>,
    pub mangle: u8,
}

impl ResourceId {
    fn text(&self) -> String {
        let (s, g, t, n) = (
            &self.subscription.0,
            &self.resource_group.0,
            &self.type_.0,
            &self.name.0,
        );
        match self.mangle % 16 {
            0 => format!("/subscriptions/{s}/resourceGroups/{g}/providers/{t}/{n}/"),
            1 => format!("/subscriptions/{s}/resourcegroups/{g}/providers/{t}/{n}").to_lowercase(),
            2 => format!("/subscriptions/{s}/resourceGroups/{g}/providers/{t}"),
            3 => format!("subscriptions/{s}/resourceGroups/{g}/providers/{t}/{n}"),
            4 => format!("/subscriptions/{s}/resourceGroups/{g}/providers/{t}/{n}/sub/child"),
            5 => format!("/subscriptions/{s}/providers/{t}/{n}"),
            6 => format!("/subscriptions//resourceGroups//providers/{t}/{n}"),
            _ => format!("/subscriptions/{s}/resourceGroups/{g}/providers/{t}/{n}"),
        }
    }
}

#[derive(Debug, Clone, Arbitrary)]
pub enum TargetUse {
    Endpoint,
    Id,
    Other(Str<TEXT>),
}

#[derive(Debug, Clone, Arbitrary)]
pub enum TargetKind {
    Resource {
        type_: Mostly<Str<RTYPE>>,
        name: Mostly<Str<NAME>>,
        resource_group: Option<Str<RG>>,
        subscription: Option<Str<GUID>>,
    },
    ResourceId(ResourceId),
    Url(Str<URL>),
    UrlAndId(Str<URL>, ResourceId),
    Nothing,
    Scalar(AnyValue),
}

#[derive(Debug, Clone, Arbitrary)]
pub struct Target {
    pub kind: TargetKind,
    pub use_: Rarely<TargetUse>,
}

#[derive(Debug, Clone, Arbitrary)]
pub enum Credential {
    Secret(Str<SECRET>),
    FromTarget(bool),
    Plain(Str<TEXT>),
    Both(Str<SECRET>, bool),
    Empty,
    Any(AnyValue),
}

#[derive(Debug, Clone, Copy, Arbitrary)]
pub enum AuthKey {
    Key,
    Keys,
    ClientId,
    TenantId,
    ClientSecret,
    AuthUrl,
    Username,
    Password,
    RefreshToken,
    DeveloperToken,
    SecurityToken,
    Sas,
    Pat,
    AccessKeyId,
    SecretAccessKey,
    ResourceId,
    Audience,
}

impl AuthKey {
    fn name(self) -> &'static str {
        match self {
            AuthKey::Key => "key",
            AuthKey::Keys => "keys",
            AuthKey::ClientId => "client_id",
            AuthKey::TenantId => "tenant_id",
            AuthKey::ClientSecret => "client_secret",
            AuthKey::AuthUrl => "auth_url",
            AuthKey::Username => "username",
            AuthKey::Password => "password",
            AuthKey::RefreshToken => "refresh_token",
            AuthKey::DeveloperToken => "developer_token",
            AuthKey::SecurityToken => "security_token",
            AuthKey::Sas => "sas",
            AuthKey::Pat => "pat",
            AuthKey::AccessKeyId => "access_key_id",
            AuthKey::SecretAccessKey => "secret_access_key",
            AuthKey::ResourceId => "resource_id",
            AuthKey::Audience => "audience",
        }
    }
}

/// A value of an auth key: a credential, or a plain string (identifiers).
#[derive(Debug, Clone, Arbitrary)]
pub enum AuthValue {
    Credential(Credential),
    Guid(Str<GUID>),
    Url(Str<URL>),
    Name(Str<NAME>),
    ResourceId(ResourceId),
    Keys(Vec<(Str<META_KEY>, Credential)>),
}

#[derive(Debug, Clone, Arbitrary)]
pub struct Auth {
    pub type_: Mostly<Str<AUTH>>,
    /// Fill in the keys the auth type requires (from `fill`, in turn) before `fields`.
    pub fill_required: bool,
    pub fill: Vec<Credential>,
    pub fields: Vec<(AuthKey, AuthValue)>,
}

#[derive(Debug, Clone, Arbitrary)]
pub struct Connection {
    pub name: Mostly<Str<NAME>>,
    pub project: Option<Str<NAME>>,
    pub category: Mostly<Str<CATEGORY>>,
    pub target: Mostly<Target>,
    pub auth: Mostly<Auth>,
    pub roles: Option<Vec<Str<ROLE>>>,
    pub shared_to_all: Option<AnyValue>,
    pub metadata: Option<Vec<(Str<META_KEY>, Str<TEXT>)>>,
    pub extra: Rarely<Extra>,
}

// ---------------------------------------------------------------------------------------------
// The YAML tree and its emitter.
// ---------------------------------------------------------------------------------------------

/// A YAML node to emit.
#[derive(Debug, Clone)]
enum Node {
    /// A string, quoted as the style says.
    Str(String),
    /// Emitted as written (booleans, numbers, null).
    Raw(String),
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
}

fn s(v: &str) -> Node {
    Node::Str(v.to_string())
}

struct Map(Vec<(String, Node)>);

impl Map {
    fn new() -> Self {
        Map(Vec::new())
    }
    fn put(&mut self, k: &str, v: Node) {
        self.0.push((k.to_string(), v));
    }
    fn opt<T>(&mut self, k: &str, v: &Option<T>, f: impl Fn(&T) -> Node) {
        if let Some(v) = v {
            self.put(k, f(v));
        }
    }
    fn extra(&mut self, e: &Rarely<Extra>) {
        if let Some(Extra(k, v)) = &e.0 {
            self.0.push((k.0.clone(), v.node()));
        }
    }
    fn done(self) -> Node {
        Node::Map(self.0)
    }
}

impl AnyValue {
    fn node(&self) -> Node {
        match self {
            AnyValue::Text(t) => s(&t.0),
            AnyValue::Name(t) => s(&t.0),
            AnyValue::Bool(b) => Node::Raw(b.to_string()),
            AnyValue::Int(i) => Node::Raw(i.to_string()),
            AnyValue::Float(f) => Node::Raw(if f.is_finite() {
                format!("{f:?}")
            } else {
                ".nan".into()
            }),
            AnyValue::Null => Node::Raw("null".into()),
            AnyValue::EmptySeq => Node::Seq(vec![]),
            AnyValue::EmptyMap => Node::Map(vec![]),
            AnyValue::Seq(v) => Node::Seq(v.iter().map(|x| s(&x.0)).collect()),
            AnyValue::Map(v) => Node::Map(v.iter().map(|(k, x)| (k.0.clone(), s(&x.0))).collect()),
        }
    }
}

impl Credential {
    fn node(&self) -> Node {
        match self {
            Credential::Secret(n) => Node::Map(vec![("secret".into(), s(&n.0))]),
            Credential::FromTarget(b) => {
                Node::Map(vec![("from_target".into(), Node::Raw(b.to_string()))])
            }
            Credential::Plain(t) => s(&t.0),
            Credential::Both(n, b) => Node::Map(vec![
                ("secret".into(), s(&n.0)),
                ("from_target".into(), Node::Raw(b.to_string())),
            ]),
            Credential::Empty => Node::Map(vec![]),
            Credential::Any(v) => v.node(),
        }
    }
}

impl AuthValue {
    fn node(&self) -> Node {
        match self {
            AuthValue::Credential(c) => c.node(),
            AuthValue::Guid(g) => s(&g.0),
            AuthValue::Url(u) => s(&u.0),
            AuthValue::Name(n) => s(&n.0),
            AuthValue::ResourceId(r) => s(&r.text()),
            AuthValue::Keys(v) => {
                Node::Map(v.iter().map(|(k, c)| (k.0.clone(), c.node())).collect())
            }
        }
    }
}

const CREDENTIAL_KEYS: &[&str] = foundrygen::validate::structure::SECRET_FIELDS;

impl Auth {
    fn node(&self) -> Node {
        let mut m = Map::new();
        m.opt("type", &self.type_.0, |t| s(&t.0));
        let mut present: Vec<&str> = Vec::new();
        for (k, v) in &self.fields {
            present.push(k.name());
            m.put(k.name(), v.node());
        }
        if self.fill_required
            && let Some(rule) = self
                .type_
                .0
                .as_ref()
                .and_then(|t| category::auth_rule(&t.0))
        {
            let mut fill = self.fill.iter().cycle();
            for (i, key) in rule.required.iter().enumerate() {
                if present.contains(key) {
                    continue;
                }
                let value = if *key == "keys" {
                    Node::Map(vec![(
                        "x-api-key".into(),
                        fill.next().map_or_else(
                            || Node::Map(vec![("secret".into(), s(&format!("fill{i}")))]),
                            Credential::node,
                        ),
                    )])
                } else if CREDENTIAL_KEYS.contains(key) {
                    fill.next().map_or_else(
                        || Node::Map(vec![("secret".into(), s(&format!("fill{i}")))]),
                        Credential::node,
                    )
                } else if *key == "resource_id" {
                    s(
                        "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id",
                    )
                } else if key.ends_with("_id") {
                    s("11111111-2222-3333-4444-555555555555")
                } else {
                    s("user")
                };
                m.put(key, value);
            }
        }
        m.done()
    }
}

impl Target {
    fn node(&self) -> Node {
        let mut m = Map::new();
        match &self.kind {
            TargetKind::Resource {
                type_,
                name,
                resource_group,
                subscription,
            } => {
                let mut r = Map::new();
                r.opt("type", &type_.0, |t| s(&t.0));
                r.opt("name", &name.0, |t| s(&t.0));
                r.opt("resource_group", resource_group, |t| s(&t.0));
                r.opt("subscription", subscription, |t| s(&t.0));
                m.put("resource", r.done());
            }
            TargetKind::ResourceId(id) => m.put("resource_id", s(&id.text())),
            TargetKind::Url(u) => m.put("url", s(&u.0)),
            TargetKind::UrlAndId(u, id) => {
                m.put("url", s(&u.0));
                m.put("resource_id", s(&id.text()));
            }
            TargetKind::Nothing => {}
            TargetKind::Scalar(v) => return v.node(),
        }
        m.opt("use", &self.use_.0, |u| match u {
            TargetUse::Endpoint => s("endpoint"),
            TargetUse::Id => s("id"),
            TargetUse::Other(t) => s(&t.0),
        });
        m.done()
    }
}

impl Connection {
    fn node(&self) -> Node {
        let mut m = Map::new();
        m.opt("name", &self.name.0, |t| s(&t.0));
        m.opt("project", &self.project, |t| s(&t.0));
        m.opt("category", &self.category.0, |t| s(&t.0));
        m.opt("target", &self.target.0, Target::node);
        m.opt("auth", &self.auth.0, Auth::node);
        m.opt("roles", &self.roles, |v| {
            Node::Seq(v.iter().map(|r| s(&r.0)).collect())
        });
        m.opt("shared_to_all", &self.shared_to_all, AnyValue::node);
        m.opt("metadata", &self.metadata, |v| {
            Node::Map(v.iter().map(|(k, x)| (k.0.clone(), s(&x.0))).collect())
        });
        m.extra(&self.extra);
        m.done()
    }
}

impl ResRef {
    fn node(&self) -> Node {
        let mut m = Map::new();
        m.opt("name", &self.name.0, |t| s(&t.0));
        m.opt("resource_group", &self.resource_group, |t| s(&t.0));
        m.opt("subscription", &self.subscription, |t| s(&t.0));
        m.done()
    }
}

impl KeyVault {
    fn node(&self) -> Node {
        let mut m = Map::new();
        m.opt("name", &self.name.0, |t| s(&t.0));
        m.opt("subscription", &self.subscription, |t| s(&t.0));
        m.opt("resource_group", &self.resource_group, |t| s(&t.0));
        m.opt("permission_model", &self.permission_model, |p| match p {
            PermissionModel::Rbac => s("rbac"),
            PermissionModel::AccessPolicies => s("access_policies"),
            PermissionModel::Other(t) => s(&t.0),
        });
        m.opt("role", &self.role, |r| match r {
            KvRole::SecretsOfficer => s("secrets_officer"),
            KvRole::Administrator => s("administrator"),
            KvRole::Contributor => s("contributor"),
            KvRole::Other(t) => s(&t.0),
        });
        m.opt("secret_permissions", &self.secret_permissions, |v| {
            Node::Seq(v.iter().map(|r| s(&r.0)).collect())
        });
        m.opt("connection_name", &self.connection_name, |t| s(&t.0));
        m.opt("wait_for_role", &self.wait_for_role, |t| s(&t.0));
        m.extra(&self.extra);
        m.done()
    }
}

impl Deployment {
    fn node(&self) -> Node {
        let mut m = Map::new();
        m.opt("name", &self.name.0, |t| s(&t.0));
        m.opt("model", &self.model.0, |d| {
            let mut m = Map::new();
            m.opt("name", &d.name.0, |t| s(&t.0));
            m.opt("version", &d.version, |t| s(&t.0));
            m.opt("format", &d.format, |t| s(&t.0));
            m.extra(&d.extra);
            m.done()
        });
        m.opt("sku", &self.sku.0, |d| {
            let mut m = Map::new();
            m.opt("name", &d.name.0, |t| s(&t.0));
            m.opt("capacity", &d.capacity, |c| Node::Raw(c.to_string()));
            m.extra(&d.extra);
            m.done()
        });
        m.opt("rai_policy", &self.rai_policy, |t| s(&t.0));
        m.opt("version_upgrade", &self.version_upgrade, |t| s(&t.0));
        m.extra(&self.extra);
        m.done()
    }
}

impl Project {
    fn node(&self) -> Node {
        let mut m = Map::new();
        m.opt("name", &self.name.0, |t| s(&t.0));
        m.opt("existing", &self.existing, |b| Node::Raw(b.to_string()));
        m.opt("display_name", &self.display_name, |t| s(&t.0));
        m.opt("description", &self.description, |t| s(&t.0));
        m.extra(&self.extra);
        m.done()
    }
}

impl Foundry {
    fn node(&self) -> Node {
        let mut m = Map::new();
        m.opt("name", &self.name.0, |t| s(&t.0));
        m.opt("existing", &self.existing.0, |b| Node::Raw(b.to_string()));
        m.opt("subscription", &self.subscription.0, |t| s(&t.0));
        m.opt("resource_group", &self.resource_group.0, |t| s(&t.0));
        m.opt("location", &self.location, |t| s(&t.0));
        m.opt("sku", &self.sku.0, |t| s(&t.0));
        m.opt("identity", &self.identity.0, |i| match i {
            Identity::SystemAssigned => s("system_assigned"),
            Identity::UserAssigned => s("user_assigned"),
            Identity::Other(t) => s(&t.0),
        });
        m.opt(
            "user_assigned_identity",
            &self.user_assigned_identity.0,
            ResRef::node,
        );
        m.opt("custom_subdomain", &self.custom_subdomain.0, |t| s(&t.0));
        m.opt("disable_local_auth", &self.disable_local_auth, |b| {
            Node::Raw(b.to_string())
        });
        m.opt(
            "public_network_access",
            &self.public_network_access,
            |t| match t {
                Toggle::Enabled => s("enabled"),
                Toggle::Disabled => s("disabled"),
                Toggle::Other(v) => v.node(),
            },
        );
        m.opt("deployments", &self.deployments, |v| {
            Node::Seq(v.iter().map(Deployment::node).collect())
        });
        m.opt("projects", &self.projects, |v| {
            Node::Seq(v.iter().map(Project::node).collect())
        });
        m.opt("key_vault", &self.key_vault, KeyVault::node);
        m.opt("connections", &self.connections, |v| {
            Node::Seq(v.iter().map(Connection::node).collect())
        });
        m.extra(&self.extra);
        m.done()
    }
}

impl FuzzSpec {
    fn node(&self) -> Node {
        let mut m = Map::new();
        m.opt("version", &self.version.0, |v| match v {
            None => Node::Raw("1".into()),
            Some(BadVersion::Two) => Node::Raw("2".into()),
            Some(BadVersion::Zero) => Node::Raw("0".into()),
            Some(BadVersion::Text) => s("1"),
            Some(BadVersion::Float) => Node::Raw("1.0".into()),
            Some(BadVersion::Any(a)) => a.node(),
        });
        m.opt("name", &self.name.0, |t| s(&t.0));
        m.opt("location", &self.location.0, |t| s(&t.0));
        m.opt("tags", &self.tags, |v| {
            Node::Map(v.iter().map(|(k, x)| (k.0.clone(), s(&x.0))).collect())
        });
        m.opt("api_versions", &self.api_versions, |v| {
            Node::Map(v.iter().map(|(k, x)| (k.0.clone(), s(&x.0))).collect())
        });
        m.opt("foundries", &self.foundries.0, |v| {
            Node::Seq(v.iter().map(Foundry::node).collect())
        });
        m.extra(&self.extra);
        m.done()
    }

    /// The spec as YAML text, quoted and nested as `styles` says.
    pub fn to_yaml(&self) -> String {
        let mut e = Emitter {
            styles: &self.styles,
            next: 0,
            out: String::new(),
        };
        e.out.push_str("# structured fuzz spec\n");
        let root = self.node();
        match &root {
            Node::Map(entries) if !entries.is_empty() => e.block_map(entries, 0),
            other => {
                let text = e.flow(other);
                e.out.push_str(&text);
                e.out.push('\n');
            }
        }
        e.out
    }
}

struct Emitter<'a> {
    styles: &'a [u8],
    next: usize,
    out: String,
}

/// Safe to write unquoted: starts alphanumeric, and only characters that never start YAML syntax.
fn plain_ok(v: &str) -> bool {
    v.starts_with(|c: char| c.is_ascii_alphanumeric())
        && v.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | ' ' | '(' | ')')
        })
        && !v.ends_with(' ')
}

fn double_quoted(v: &str) -> String {
    // A JSON string is a YAML double-quoted scalar.
    serde_json::to_string(v).expect("a string serialises")
}

fn single_quoted(v: &str) -> Option<String> {
    // Single quotes cannot escape line breaks or other control characters.
    if v.chars().any(|c| c.is_control()) {
        return None;
    }
    Some(format!("'{}'", v.replace('\'', "''")))
}

impl Emitter<'_> {
    fn style(&mut self) -> u8 {
        if self.styles.is_empty() {
            return 0;
        }
        let b = self.styles[self.next % self.styles.len()];
        self.next += 1;
        b
    }

    fn scalar(&mut self, v: &str) -> String {
        match self.style() % 4 {
            0 | 1 if plain_ok(v) => v.to_string(),
            2 => single_quoted(v).unwrap_or_else(|| double_quoted(v)),
            _ => double_quoted(v),
        }
    }

    fn key(&mut self, k: &str) -> String {
        if plain_ok(k) && !k.contains(' ') {
            k.to_string()
        } else {
            self.scalar(k)
        }
    }

    fn flow(&mut self, n: &Node) -> String {
        match n {
            Node::Str(v) => self.scalar(v),
            Node::Raw(v) => v.clone(),
            Node::Seq(items) => {
                let parts: Vec<String> = items.iter().map(|i| self.flow(i)).collect();
                format!("[{}]", parts.join(", "))
            }
            Node::Map(entries) => {
                let parts: Vec<String> = entries
                    .iter()
                    .map(|(k, v)| {
                        let k = self.key(k);
                        format!("{k}: {}", self.flow(v))
                    })
                    .collect();
                format!("{{ {} }}", parts.join(", "))
            }
        }
    }

    /// Whether to write a non-empty collection in block style.
    fn block(&mut self, n: &Node) -> bool {
        match n {
            Node::Seq(v) if !v.is_empty() => self.style() % 5 != 0,
            Node::Map(v) if !v.is_empty() => self.style() % 5 != 0,
            _ => false,
        }
    }

    fn block_map(&mut self, entries: &[(String, Node)], indent: usize) {
        for (k, v) in entries {
            let k = self.key(k);
            let _ = write!(self.out, "{:indent$}{k}:", "");
            self.value(v, indent);
        }
    }

    /// Writes the value after `key:` or `-`, and the newline.
    fn value(&mut self, v: &Node, indent: usize) {
        if self.block(v) {
            self.out.push('\n');
            match v {
                Node::Map(e) => self.block_map(e, indent + 2),
                Node::Seq(i) => self.block_seq(i, indent + 2),
                _ => unreachable!(),
            }
        } else {
            let text = self.flow(v);
            let _ = writeln!(self.out, " {text}");
        }
    }

    fn block_seq(&mut self, items: &[Node], indent: usize) {
        for item in items {
            let _ = write!(self.out, "{:indent$}-", "");
            match item {
                Node::Map(e) if !e.is_empty() && self.style() % 5 != 0 => {
                    // `- key: value` with the other keys under the first.
                    let (k, v) = &e[0];
                    let k = self.key(k);
                    let _ = write!(self.out, " {k}:");
                    self.value(v, indent + 2);
                    self.block_map(&e[1..], indent + 2);
                }
                _ => self.value(item, indent),
            }
        }
    }
}
