//! `foundrygen import`: a spec from what is deployed, offline, from the JSON `az` prints. Accounts
//! and projects become `existing: true`; connections keep their category, target, auth type,
//! sharing and the metadata foundrygen would not write itself; the Key Vault connection becomes
//! the foundry's `key_vault:` block with `access: existing`. Azure never returns credentials, so
//! every secret becomes a named `{ secret: NAME }` parameter and every identifier it could not
//! recover an obvious placeholder, each listed at the top of the spec and on stderr.

pub mod adopt;
mod read;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use heck::ToLowerCamelCase;
use serde_json::{Map, Value};

use crate::catalog;
use crate::category::{self, LocationMeta};
use crate::init::yaml;
use crate::spec::TargetUse;
use crate::validate::names::default_key_vault_connection;
pub use adopt::{Adoption, adopt};
pub use read::{AccountId, Item, Problem, items};

/// A spec written from `az` output, with what the user must still supply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// The spec's text.
    pub text: String,
    /// Every secret parameter the spec names, with what it is (`searchKey: key of …`).
    pub secrets: Vec<String>,
    /// Everything import could not recover, and the placeholder it wrote instead.
    pub unrecovered: Vec<String>,
}

/// A placeholder GUID: plainly not a real client or tenant id.
pub const PLACEHOLDER_GUID: &str = "00000000-0000-0000-0000-000000000000";
/// A placeholder for a plain identifier (a user name, an access key id).
pub const PLACEHOLDER: &str = "REPLACE-ME";
/// The key name written for `CustomKeys`, whose key names Azure does not return.
pub const PLACEHOLDER_KEY_NAME: &str = "REPLACE-ME-key-name";

/// Reads every file (name, text) and writes one spec, or says what is wrong with each file that
/// cannot be read or recognised (then nothing is written).
pub fn import(files: &[(String, String)]) -> Result<Imported, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut items = Vec::new();
    for (name, text) in files {
        match read::items(name, text) {
            Ok(list) => items.extend(list),
            Err(p) => problems.push(p),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let (accounts, conflicts) = group(items);
    if accounts.is_empty() {
        return Err(vec![Problem {
            file: files
                .iter()
                .map(|(n, _)| n.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            at: None,
            message: "the files hold no Cognitive Services account, project, connection or model deployment".into(),
            help: "give import the output of `az cognitiveservices account show` or `… account connection list`".into(),
        }]);
    }
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    let writer = Writer {
        unrecovered: conflicts,
        ..Writer::default()
    };
    Ok(writer.spec(&accounts, &names))
}

/// One account and what the files say is under it.
#[derive(Debug, Default)]
struct Account {
    id: Option<AccountId>,
    location: Option<String>,
    kind: Option<String>,
    identity: Option<Value>,
    projects: Vec<Project>,
    connections: Vec<Connection>,
    deployments: Vec<Deployment>,
}

/// A model deployment: its name, `sku` and `properties`.
type Deployment = (String, Map<String, Value>, Map<String, Value>);

#[derive(Debug)]
struct Project {
    name: String,
    display_name: Option<String>,
    description: Option<String>,
}

#[derive(Debug)]
struct Connection {
    project: Option<String>,
    name: String,
    properties: Map<String, Value>,
}

/// Items by account, in the order accounts are first named; a resource given twice (two files of
/// the same list) is taken once.
fn group(items: Vec<Item>) -> (Vec<Account>, Vec<String>) {
    let mut conflicts = Vec::new();
    let mut order: Vec<String> = Vec::new();
    let mut by: BTreeMap<String, Account> = BTreeMap::new();
    fn at<'a>(
        order: &mut Vec<String>,
        by: &'a mut BTreeMap<String, Account>,
        id: &AccountId,
    ) -> &'a mut Account {
        let key = id.key();
        if !by.contains_key(&key) {
            order.push(key.clone());
        }
        let a = by.entry(key).or_default();
        a.id.get_or_insert_with(|| id.clone());
        a
    }
    for item in items {
        match item {
            Item::Account {
                id,
                location,
                kind,
                identity,
            } => {
                let a = at(&mut order, &mut by, &id);
                a.location = a.location.take().or(location);
                a.kind = a.kind.take().or(kind);
                a.identity = a.identity.take().or(identity);
            }
            Item::Project {
                account,
                name,
                display_name,
                description,
            } => {
                let a = at(&mut order, &mut by, &account);
                if !a
                    .projects
                    .iter()
                    .any(|p| p.name.eq_ignore_ascii_case(&name))
                {
                    a.projects.push(Project {
                        name,
                        display_name,
                        description,
                    });
                }
            }
            Item::Connection {
                account,
                project,
                name,
                properties,
            } => {
                let a = at(&mut order, &mut by, &account);
                let same = |c: &Connection| {
                    c.name.eq_ignore_ascii_case(&name)
                        && c.project.as_deref().map(str::to_ascii_lowercase)
                            == project.as_deref().map(str::to_ascii_lowercase)
                };
                match a.connections.iter().find(|c| same(c)) {
                    None => a.connections.push(Connection {
                        project,
                        name,
                        properties,
                    }),
                    // The same connection twice (two files of one list) is taken once; given
                    // twice with other content, the first is taken, and that is said.
                    Some(first) if first.properties != properties => conflicts.push(format!(
                        "connection `{name}` of `{}` is in the files twice with different properties: the first one read is in the spec",
                        account.name
                    )),
                    Some(_) => {}
                }
            }
            Item::Deployment {
                account,
                name,
                sku,
                properties,
            } => {
                let a = at(&mut order, &mut by, &account);
                if !a
                    .deployments
                    .iter()
                    .any(|d| d.0.eq_ignore_ascii_case(&name))
                {
                    a.deployments.push((name, sku, properties));
                }
            }
        }
    }
    let accounts = order.into_iter().filter_map(|k| by.remove(&k)).collect();
    (accounts, conflicts)
}

/// Writes the spec text, collecting the secrets and what it could not recover.
#[derive(Debug, Default)]
struct Writer {
    out: String,
    secrets: Vec<String>,
    unrecovered: Vec<String>,
    params: BTreeSet<String>,
}

fn text<'a>(m: &'a Map<String, Value>, k: &str) -> Option<&'a str> {
    m.get(k).and_then(Value::as_str)
}

impl Writer {
    fn spec(mut self, accounts: &[Account], files: &[&str]) -> Imported {
        let first = accounts[0].id.as_ref().expect("grouped by id");
        let location = match accounts.iter().find_map(|a| a.location.clone()) {
            Some(l) => l,
            None => {
                self.unrecovered.push(
                    "`location`: no account's own JSON was given (`az cognitiveservices account show`); `eastus2` written, the region of what the spec creates".into(),
                );
                "eastus2".into()
            }
        };
        let mut body = String::new();
        let _ = writeln!(body, "version: 1");
        let _ = writeln!(body, "name: {}", yaml(&deployment_name(&first.name)));
        let _ = writeln!(body, "location: {}", yaml(&location));
        let _ = writeln!(body, "foundries:");
        for a in accounts {
            self.out.clear();
            self.foundry(a, &location);
            body.push_str(&self.out);
        }
        if accounts.iter().any(|a| !a.connections.is_empty()) {
            self.unrecovered.push(
                "role assignments: connection lists do not show them; add `roles:` to a connection whose identity needs one (the ones that exist stay as they are)".into(),
            );
        }
        let mut head = String::from("# yaml-language-server: $schema=./foundrygen.schema.json\n");
        head.push_str("# Imported by `foundrygen import` from:\n");
        for f in files {
            let _ = writeln!(head, "#   {f}");
        }
        head.push_str(
            "# Every account and project is `existing: true`: rendering this spec creates or updates\n# what it lists under them, and nothing else.\n",
        );
        if !self.secrets.is_empty() {
            head.push_str(
                "#\n# Secrets to supply (Azure never returns credentials): each is a secure parameter at\n# deployment (Bicep/ARM parameter, TF_VAR_<name> for Terraform).\n",
            );
            for s in &self.secrets {
                let _ = writeln!(head, "#   {s}");
            }
        }
        if !self.unrecovered.is_empty() {
            head.push_str(
                "#\n# Not recovered from the files (replace each placeholder before deploying):\n",
            );
            for s in &self.unrecovered {
                let _ = writeln!(head, "#   {s}");
            }
        }
        Imported {
            text: head + &body,
            secrets: self.secrets,
            unrecovered: self.unrecovered,
        }
    }

    fn line(&mut self, indent: usize, s: &str) {
        let _ = writeln!(self.out, "{}{s}", " ".repeat(indent));
    }

    fn foundry(&mut self, a: &Account, spec_location: &str) {
        let id = a.id.as_ref().expect("grouped by id");
        self.line(2, &format!("- name: {}", yaml(&id.name)));
        self.line(4, "existing: true");
        self.line(4, &format!("subscription: {}", yaml(&id.subscription)));
        self.line(4, &format!("resource_group: {}", yaml(&id.resource_group)));
        if let Some(l) = &a.location
            && l != spec_location
        {
            self.line(4, &format!("location: {}", yaml(l)));
        }
        self.identity(a, &id.name);
        if let Some(k) = &a.kind
            && k != "AIServices"
        {
            self.unrecovered.push(format!(
                "account `{}` is of kind `{k}`, not `AIServices`: foundrygen describes Foundry accounts, and Azure refuses projects under other kinds",
                id.name
            ));
        }
        if !a.deployments.is_empty() {
            self.line(4, "deployments:");
            for (name, sku, props) in &a.deployments {
                self.deployment(name, sku, props);
            }
        }
        // Projects: the listed ones, then those only connection ids name.
        let mut projects: Vec<(&str, Option<&Project>)> = a
            .projects
            .iter()
            .map(|p| (p.name.as_str(), Some(p)))
            .collect();
        for c in &a.connections {
            if let Some(p) = &c.project
                && !projects.iter().any(|(n, _)| n.eq_ignore_ascii_case(p))
            {
                projects.push((p, None));
            }
        }
        if !projects.is_empty() {
            self.line(4, "projects:");
            for (name, p) in projects {
                self.line(6, &format!("- name: {}", yaml(name)));
                self.line(8, "existing: true");
                if let Some(p) = p {
                    if let Some(d) = &p.display_name {
                        self.line(8, &format!("display_name: {}", yaml(d)));
                    }
                    if let Some(d) = &p.description {
                        self.line(8, &format!("description: {}", yaml(d)));
                    }
                }
            }
        }
        // The Key Vault connection: the first account-level AzureKeyVault one.
        let mut vault_taken = false;
        let mut rest = Vec::new();
        for c in &a.connections {
            let is_kv = catalog::canonical_category(text(&c.properties, "category").unwrap_or(""))
                == Some("AzureKeyVault");
            if !is_kv {
                rest.push(c);
                continue;
            }
            let what = format!("Key Vault connection `{}` of `{}`", c.name, id.name);
            if c.project.is_some() {
                self.unrecovered.push(format!(
                    "{what} is in project `{}`: foundrygen makes the Key Vault connection at account level only; left out",
                    c.project.as_deref().unwrap_or_default()
                ));
            } else if vault_taken {
                self.unrecovered.push(format!(
                    "{what}: an account takes one Key Vault connection, and an earlier one became `key_vault:`; left out"
                ));
            } else if let Some(v) = vault_id(&c.properties) {
                vault_taken = true;
                self.key_vault(&id.name, &c.name, &v);
                // What the `key_vault` block always writes: shared, and its own metadata.
                if c.properties.get("isSharedToAll").and_then(Value::as_bool) == Some(false) {
                    self.unrecovered.push(format!(
                        "{what} is not shared to all projects: the `key_vault` block always shares it"
                    ));
                }
                if let Some(Value::Object(m)) = c.properties.get("metadata") {
                    for k in m.keys().filter(|k| !OWN_METADATA.contains(&k.as_str())) {
                        self.unrecovered.push(format!(
                            "metadata `{k}` of {what}: the `key_vault` block writes only its own"
                        ));
                    }
                }
                self.unkept(&what, &c.properties, CONNECTION_KEPT);
            } else {
                self.unrecovered.push(format!(
                    "{what}: its target is not a Key Vault's resource id; left out"
                ));
            }
        }
        // Account-level connections first, then each project's: the files' order does not
        // decide it (lists of both levels come in any order).
        rest.sort_by_key(|c| {
            c.project.as_ref().map(|p| {
                a.projects
                    .iter()
                    .position(|x| x.name.eq_ignore_ascii_case(p))
                    .unwrap_or(usize::MAX)
            })
        });
        if !rest.is_empty() {
            self.line(4, "connections:");
            for c in rest {
                self.connection(&id.name, c);
            }
        }
    }

    /// The account's managed identity: a user-assigned one is written out (its grants go to it),
    /// one Azure returns as both kinds is taken as system-assigned, and said.
    fn identity(&mut self, a: &Account, account: &str) {
        let Some(Value::Object(identity)) = &a.identity else {
            return;
        };
        let kind = text(identity, "type").unwrap_or("None");
        let assigned: Vec<&String> = match identity.get("userAssignedIdentities") {
            Some(Value::Object(m)) => m.keys().collect(),
            _ => Vec::new(),
        };
        match (kind, assigned.as_slice()) {
            ("UserAssigned", [one]) => match category::parse_resource_id(one) {
                Some(r) => {
                    self.line(4, "identity: user_assigned");
                    self.line(
                        4,
                        &format!(
                            "user_assigned_identity: {{ name: {}, resource_group: {}, subscription: {} }}",
                            yaml(&r.name),
                            yaml(&r.resource_group),
                            yaml(&r.subscription)
                        ),
                    );
                }
                None => self.unrecovered.push(format!(
                    "the user-assigned identity of account `{account}` (`{one}` is not an identity's id): add `identity: user_assigned` and `user_assigned_identity:`"
                )),
            },
            ("SystemAssigned", _) | ("None", _) => {}
            (other, _) => self.unrecovered.push(format!(
                "account `{account}` has identity `{other}` with {} user-assigned identities: foundrygen describes one identity per account, and the spec uses the system-assigned one; roles added later go to it",
                assigned.len()
            )),
        }
    }

    /// Properties of a resource the spec has no key for: rendering the spec resets them, so say so.
    fn unkept(&mut self, what: &str, props: &Map<String, Value>, kept: &[&str]) {
        for (k, v) in props {
            let empty = match v {
                Value::Null => true,
                Value::Bool(b) => !b,
                Value::String(s) => s.is_empty(),
                Value::Array(a) => a.is_empty(),
                Value::Object(o) => o.is_empty(),
                Value::Number(_) => false,
            };
            if !empty && !kept.contains(&k.as_str()) && !READ_ONLY.contains(&k.as_str()) {
                self.unrecovered.push(format!(
                    "`{k}` of {what}: the spec has no key for it, and rendering the spec resets it"
                ));
            }
        }
    }

    fn deployment(&mut self, name: &str, sku: &Map<String, Value>, props: &Map<String, Value>) {
        self.line(6, &format!("- name: {}", yaml(name)));
        let model = match props.get("model") {
            Some(Value::Object(m)) => m.clone(),
            _ => Map::new(),
        };
        let mut parts = vec![format!(
            "name: {}",
            yaml(text(&model, "name").unwrap_or(PLACEHOLDER))
        )];
        if let Some(v) = text(&model, "version") {
            parts.push(format!("version: {}", yaml(v)));
        }
        if let Some(f) = text(&model, "format")
            && f != "OpenAI"
        {
            parts.push(format!("format: {}", yaml(f)));
        }
        self.line(8, &format!("model: {{ {} }}", parts.join(", ")));
        let mut sku_parts = vec![format!(
            "name: {}",
            yaml(text(sku, "name").unwrap_or(PLACEHOLDER))
        )];
        match sku.get("capacity").and_then(Value::as_i64) {
            Some(c) => sku_parts.push(format!("capacity: {c}")),
            None => self.unrecovered.push(format!(
                "the capacity of model deployment `{name}` (not in the files): the spec's default is 1"
            )),
        }
        self.line(8, &format!("sku: {{ {} }}", sku_parts.join(", ")));
        if let Some(r) = text(props, "raiPolicyName") {
            self.line(8, &format!("rai_policy: {}", yaml(r)));
        }
        if let Some(v) = text(props, "versionUpgradeOption") {
            self.line(8, &format!("version_upgrade: {}", yaml(v)));
        }
        self.unkept(
            &format!("model deployment `{name}`"),
            props,
            &["model", "raiPolicyName", "versionUpgradeOption"],
        );
    }

    fn key_vault(&mut self, account: &str, connection: &str, v: &category::ParsedResourceId) {
        self.line(4, "key_vault:");
        self.line(6, &format!("name: {}", yaml(&v.name)));
        self.line(6, &format!("subscription: {}", yaml(&v.subscription)));
        self.line(6, &format!("resource_group: {}", yaml(&v.resource_group)));
        if connection != default_key_vault_connection(account) {
            self.line(6, &format!("connection_name: {}", yaml(connection)));
        }
        self.line(
            6,
            "access: existing  # the account's identity has its role or access policy already",
        );
    }

    fn connection(&mut self, account: &str, c: &Connection) {
        let p = &c.properties;
        let category = text(p, "category").unwrap_or_default();
        let auth = text(p, "authType").unwrap_or("None");
        let what = format!(
            "connection `{}`{} of `{account}`",
            c.name,
            c.project
                .as_ref()
                .map(|p| format!(" in project `{p}`"))
                .unwrap_or_default()
        );
        self.line(6, &format!("- name: {}", yaml(&c.name)));
        if let Some(project) = &c.project {
            self.line(8, &format!("project: {}", yaml(project)));
        }
        self.line(8, &format!("category: {}", yaml(category)));

        // The target: the resource id where the metadata names a resource foundrygen reads,
        // else the URL as deployed.
        let mut metadata: BTreeMap<String, String> = match p.get("metadata") {
            Some(Value::Object(m)) => m
                .iter()
                .map(|(k, v)| {
                    let v = match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    (k.clone(), v)
                })
                .collect(),
            _ => BTreeMap::new(),
        };
        let deployed_target = text(p, "target").unwrap_or_default();
        // A resource id target only where rendering it gives the deployed target back: the id
        // itself, or the resource's endpoint; and the category takes that type.
        let resource = metadata
            .get("ResourceId")
            .and_then(|id| category::parse_target_id(id).map(|r| (id.clone(), r)))
            .and_then(|(id, r)| {
                let t = catalog::target_type(&r.resource_type)?;
                let category_takes = category::rule(category).is_none_or(|rule| {
                    rule.target_types.is_empty()
                        || rule
                            .target_types
                            .iter()
                            .any(|ty| ty.eq_ignore_ascii_case(t.resource_type))
                });
                let deployed_use = if deployed_target.eq_ignore_ascii_case(&id) {
                    TargetUse::Id
                } else if t.parent.is_none()
                    && is_endpoint(deployed_target, t.resource_type, &r.name)
                {
                    TargetUse::Endpoint
                } else {
                    return None;
                };
                category_takes.then_some((id, t, deployed_use))
            });
        match resource {
            Some((id, t, deployed_use)) => {
                let default = category::default_use(t.resource_type, auth, t.endpoint.is_some());
                let use_ = match deployed_use {
                    _ if deployed_use == default => String::new(),
                    TargetUse::Id => ", use: id".into(),
                    TargetUse::Endpoint => ", use: endpoint".into(),
                };
                self.line(
                    8,
                    &format!("target: {{ resource_id: {}{use_} }}", yaml(&id)),
                );
                // What foundrygen writes itself for a resource target.
                metadata.remove("ResourceId");
                if metadata.get("ApiType").is_some_and(|v| v == "Azure") {
                    metadata.remove("ApiType");
                }
                let loc = category::rule(category).map_or(LocationMeta::Never, |r| r.location);
                if t.has_location
                    && (loc == LocationMeta::Always
                        || (loc == LocationMeta::WhenAad && auth == "AAD"))
                {
                    metadata.remove("location");
                }
            }
            None => {
                self.line(8, &format!("target: {{ url: {} }}", yaml(deployed_target)));
            }
        }
        self.unkept(&what, p, CONNECTION_KEPT);
        for (k, v) in category::default_metadata(category) {
            if metadata.get(*k).is_some_and(|m| m == v) {
                metadata.remove(*k);
            }
        }

        // Auth: identifiers Azure returns beside the credentials, then the credentials.
        let mut fields: Vec<String> = vec![format!("type: {}", yaml(auth))];
        if let Some(rule) = category::auth_rule(auth) {
            for key in rule.required {
                fields.push(self.credential(key, &c.name, &what, auth));
            }
        }
        if let Some(a) = text(p, "audience") {
            fields.push(format!("audience: {}", yaml(a)));
        }
        if let Some(u) = text(p, "tokenUrl") {
            fields.push(format!("token_url: {}", yaml(u)));
        }
        if let Some(Value::Array(scopes)) = p.get("scopes") {
            let list: Vec<String> = scopes.iter().filter_map(Value::as_str).map(yaml).collect();
            fields.push(format!("scopes: [{}]", list.join(", ")));
        }
        self.line(8, &format!("auth: {{ {} }}", fields.join(", ")));
        if let Some(shared) = p.get("isSharedToAll").and_then(Value::as_bool) {
            self.line(8, &format!("shared_to_all: {shared}"));
        }
        if !metadata.is_empty() {
            self.line(8, "metadata:");
            for (k, v) in &metadata {
                self.line(10, &format!("{}: {}", yaml(k), yaml(v)));
            }
        }
    }

    /// One required credential field: a secret parameter, or a placeholder for an identifier.
    fn credential(&mut self, key: &str, connection: &str, what: &str, auth: &str) -> String {
        let placeholder = match key {
            "client_id" | "tenant_id" => Some(PLACEHOLDER_GUID.to_string()),
            "resource_id" => Some(format!(
                "/subscriptions/{PLACEHOLDER_GUID}/resourceGroups/{PLACEHOLDER}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{PLACEHOLDER}"
            )),
            "username" | "access_key_id" => Some(PLACEHOLDER.to_string()),
            _ => None,
        };
        if let Some(v) = placeholder {
            self.unrecovered
                .push(format!("`{key}` of {what} ({auth}): written as `{v}`"));
            return format!("{key}: {}", yaml(&v));
        }
        if key == "keys" {
            let param = self.param(connection, "key");
            self.secrets.push(format!(
                "{param}: the value of the key of {what} (CustomKeys)"
            ));
            self.unrecovered.push(format!(
                "the key name of {what} (CustomKeys; Azure returns no key names): written as `{PLACEHOLDER_KEY_NAME}`"
            ));
            return format!("keys: {{ {PLACEHOLDER_KEY_NAME}: {{ secret: {param} }} }}");
        }
        let param = self.param(connection, key);
        self.secrets
            .push(format!("{param}: `{key}` of {what} ({auth})"));
        format!("{key}: {{ secret: {param} }}")
    }

    /// A valid secure-parameter name (letter first; letters, digits, `_`; at most 64), unique in
    /// the spec: `<connection>_<field>` in lower camel case.
    fn param(&mut self, connection: &str, field: &str) -> String {
        let mut base: String = format!("{connection}_{field}")
            .to_lower_camel_case()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect();
        if !base.starts_with(|c: char| c.is_ascii_alphabetic()) {
            base = format!("c{base}");
        }
        base.truncate(60);
        let mut name = base.clone();
        let mut n = 2;
        while !self.params.insert(name.to_ascii_lowercase()) {
            name = format!("{base}{n}");
            n += 1;
        }
        name
    }
}

/// Metadata foundrygen writes itself for a resource target.
const OWN_METADATA: &[&str] = &["ApiType", "ResourceId", "location"];

/// The connection properties the spec states.
const CONNECTION_KEPT: &[&str] = &[
    "authType",
    "category",
    "target",
    "isSharedToAll",
    "metadata",
    "credentials",
    "audience",
    "tokenUrl",
    "scopes",
];

/// Read-only properties Azure returns, which a PUT ignores.
const READ_ONLY: &[&str] = &[
    "group",
    "peRequirement",
    "peStatus",
    "error",
    "isDefault",
    "createdByWorkspaceArmId",
    "provisioningState",
    "capabilities",
    "rateLimits",
    "callRateLimit",
    "currentCapacity",
    "deploymentState",
];

/// The public-cloud host suffixes of a type's endpoint, when the endpoint is `https://<name>` and
/// one of them: a deployed target of that form is the resource's endpoint (`use: endpoint`).
fn endpoint_hosts(resource_type: &str) -> &'static [&'static str] {
    match resource_type {
        "Microsoft.Search/searchServices" => &[".search.windows.net"],
        "Microsoft.Storage/storageAccounts" => &[".blob.core.windows.net"],
        "Microsoft.DocumentDB/databaseAccounts" => &[".documents.azure.com"],
        "Microsoft.KeyVault/vaults" => &[".vault.azure.net"],
        "Microsoft.CognitiveServices/accounts" => &[
            ".cognitiveservices.azure.com",
            ".openai.azure.com",
            ".services.ai.azure.com",
        ],
        _ => &[],
    }
}

/// Whether a deployed URL is what `use: endpoint` writes for a resource of `resource_type` named
/// `name`: `https://<name><suffix>` with at most a `/` after it (and Cosmos DB's `:443`).
fn is_endpoint(url: &str, resource_type: &str, name: &str) -> bool {
    let Some(rest) = url.strip_prefix("https://") else {
        return false;
    };
    let rest = rest.trim_end_matches('/');
    let host = rest.strip_suffix(":443").unwrap_or(rest);
    endpoint_hosts(resource_type)
        .iter()
        .any(|s| host.eq_ignore_ascii_case(&format!("{name}{s}")))
}

/// The vault of a Key Vault connection, from its metadata or its target.
fn vault_id(p: &Map<String, Value>) -> Option<category::ParsedResourceId> {
    let meta = match p.get("metadata") {
        Some(Value::Object(m)) => text(m, "ResourceId"),
        _ => None,
    };
    [meta, text(p, "target")]
        .into_iter()
        .flatten()
        .filter_map(category::parse_resource_id)
        .find(|r| {
            r.resource_type
                .eq_ignore_ascii_case("Microsoft.KeyVault/vaults")
        })
}

/// The spec's `name` from the first account: 1–64 letters, digits, `-`, `_`, `.`.
fn deployment_name(account: &str) -> String {
    let s: String = account
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .take(64)
        .collect();
    if s.is_empty() { "imported".into() } else { s }
}
