//! The validated model: every resource the deployment creates or references, with its body as
//! format-neutral values, its dependencies (and why), and the plan order. Only `Model::build` makes
//! one, from a spec that passed validation; the renderers read nothing else.

pub mod graph;
pub mod value;

use std::collections::{BTreeMap, BTreeSet};

use heck::ToSnakeCase;

use crate::catalog::{self, KeySource, RoleLookup};
use crate::category::{self, LocationMeta, parse_target_id};
use crate::error::Error;
use crate::spec::{self, Credential, IdentityKind, KeyVaultRole, PermissionModel, TargetUse};
use crate::validate::foundry::parse_duration;
use crate::validate::names::default_key_vault_connection;
pub use value::{Expr, Value};

/// An index into `Model::entities`.
pub type EntityId = usize;

/// Role definition GUIDs of the three Key Vault roles.
pub const KEY_VAULT_SECRETS_OFFICER: &str = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7";
/// Key Vault Administrator.
pub const KEY_VAULT_ADMINISTRATOR: &str = "00482a5a-887f-4fb3-b363-3b7fe8e74483";
/// Key Vault Contributor.
pub const KEY_VAULT_CONTRIBUTOR: &str = "f25e0fa2-a7c8-4377-a976-54943a77a395";
/// The default access-policy secret permissions.
pub const DEFAULT_SECRET_PERMISSIONS: &[&str] = &["get", "list", "set", "delete"];

/// Where a resource lives: the deployment's resource group, or another one.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Scope {
    /// Another subscription, or the deployment's.
    pub subscription: Option<String>,
    /// Another resource group, or the deployment's.
    pub resource_group: Option<String>,
}

impl Scope {
    /// True for the deployment's own resource group.
    pub fn is_deployment(&self) -> bool {
        self.subscription.is_none() && self.resource_group.is_none()
    }
}

/// What an entity is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `Microsoft.CognitiveServices/accounts`.
    Account,
    /// `…/accounts/projects`.
    Project,
    /// The Key Vault connection (`…/connections`, category `AzureKeyVault`).
    KeyVaultConnection,
    /// Any other connection.
    Connection,
    /// `Microsoft.Authorization/roleAssignments`.
    RoleAssignment,
    /// `Microsoft.KeyVault/vaults/accessPolicies` (`add`).
    AccessPolicy,
    /// A wait for role propagation (`deploymentScripts` sleep / `time_sleep`).
    Wait,
    /// An existing Key Vault.
    Vault,
    /// An existing connection target.
    Target,
    /// An existing user-assigned identity.
    Identity,
}

/// A managed identity setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Identity {
    /// System-assigned.
    SystemAssigned,
    /// The user-assigned identity entity.
    UserAssigned(EntityId),
}

/// Why one entity depends on another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reason {
    /// A child needs its parent.
    Parent,
    /// The children of one parent form one chain: Azure answers 409 Conflict to concurrent child
    /// operations under one account or project.
    Sibling,
    /// Everything else waits for the Key Vault connection.
    KeyVaultConnection,
    /// Everything else waits for the vault role or access policy.
    KeyVaultAccess,
    /// Everything else waits for the role to propagate.
    RoleWait,
    /// A connection's roles exist before it.
    OwnRole,
    /// A role or policy needs the identity it grants to.
    Principal,
    /// Two writes of one vault's `add` access policy (from different templates) go one at a time.
    SharedVaultPolicy,
}

impl Reason {
    /// How `plan` explains the edge.
    pub fn describe(self) -> &'static str {
        match self {
            Reason::Parent => "its parent",
            Reason::KeyVaultConnection => "the Key Vault connection comes first",
            Reason::KeyVaultAccess => "the Foundry identity needs its vault access first",
            Reason::RoleWait => "the vault role must have taken effect",
            Reason::Sibling => {
                "one child operation at a time per parent, or Azure answers 409 Conflict"
            }
            Reason::OwnRole => "its roles are granted first",
            Reason::Principal => "the identity it grants to",
            Reason::SharedVaultPolicy => "writes to one vault's access policies go one at a time",
        }
    }

    /// How `plan --teardown` explains the same edge, seen from the other end: the step is deleted
    /// before what it depended on.
    pub fn describe_teardown(self) -> &'static str {
        match self {
            Reason::Parent => "its parent is deleted after it",
            Reason::KeyVaultConnection => {
                "the Key Vault connection is deleted after every other connection"
            }
            Reason::KeyVaultAccess => {
                "the Foundry identity keeps its vault access until the connections whose secrets it manages are gone"
            }
            Reason::RoleWait => "the wait is removed after the connections",
            Reason::Sibling => "children of one parent are deleted one at a time",
            Reason::OwnRole => "its roles are removed after it",
            Reason::Principal => "the identity it grants to is deleted after it",
            Reason::SharedVaultPolicy => "writes to one vault's access policies go one at a time",
        }
    }
}

/// A dependency edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dep {
    /// The entity depended on.
    pub on: EntityId,
    /// Why.
    pub reason: Reason,
}

/// A resource the deployment creates or references.
#[derive(Debug, Clone)]
pub struct Entity {
    /// Unique, stable key (`contoso-foundry/connections/search`).
    pub key: String,
    /// Unique snake_case symbol; Bicep uses its lowerCamel form, Terraform it as is.
    pub symbol: String,
    /// What it is.
    pub kind: Kind,
    /// ARM resource type.
    pub resource_type: String,
    /// API version.
    pub api_version: String,
    /// Its own name: a literal for most, a `guid()` for role assignments.
    pub name: Value,
    /// The parent entity of a child resource.
    pub parent: Option<EntityId>,
    /// For an extension resource (role assignment), the resource it applies to.
    pub extends: Option<EntityId>,
    /// Where it lives.
    pub scope: Scope,
    /// Referenced, not created.
    pub existing: bool,
    /// `location` of a created resource.
    pub location: Option<Value>,
    /// Whether the spec's tags go on it.
    pub tagged: bool,
    /// `kind`.
    pub resource_kind: Option<String>,
    /// `sku.name`.
    pub sku: Option<String>,
    /// `identity`.
    pub identity: Option<Identity>,
    /// `properties` of a created resource.
    pub properties: Value,
    /// `properties.credentials` of a connection, kept apart so Terraform can send it as
    /// `sensitive_body`.
    pub credentials: Option<Value>,
    /// What it depends on.
    pub deps: Vec<Dep>,
    /// The foundry it belongs to (index in the spec).
    pub foundry: Option<usize>,
    /// The spec path it comes from.
    pub spec_path: String,
    /// A human description (`connection \`search\` (project \`research\`)`).
    pub label: String,
    /// For role assignments: the role's name and GUID.
    pub role: Option<(String, String)>,
    /// For access policies: the holders granted, with secret permissions.
    pub grants: Vec<(EntityId, Vec<String>)>,
    /// For waits: seconds.
    pub wait_seconds: Option<u64>,
    /// For a created account: purge it once deleted (`purge_on_delete`), which only Terraform
    /// and the teardown script can do, since Bicep and ARM never delete.
    pub purge_on_delete: bool,
    /// For waits: the identity holder whose access it waits for. A new principal (the account
    /// deleted and created again) needs the wait again, so its principal id re-runs it.
    pub wait_for: Option<EntityId>,
    /// checkov findings the spec chose to accept, with the reason (check id, reason).
    pub accepted_findings: Vec<(String, String)>,
    /// For a created resource that belongs to an existing foundry in another resource group: that
    /// foundry's index. Bicep and ARM render such a foundry's resources in one module / nested
    /// deployment scoped to its resource group.
    pub group: Option<usize>,
}

/// A secure parameter a secret credential becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretParam {
    /// Parameter name as written in `{ secret: NAME }`.
    pub name: String,
    /// What uses it.
    pub used_by: Vec<String>,
}

/// The name of the deployment's one output: an object keyed by the spec's foundry names. One
/// object rather than one output per value, because ARM refuses a template with more than 64
/// outputs, and foundry names are not all valid output names.
pub const FOUNDRIES_OUTPUT: &str = "foundries";
/// The output of a foundry module (Bicep) or nested deployment (ARM): that foundry's entry.
pub const FOUNDRY_OUTPUT: &str = "foundry";

/// A foundry's entry in the `foundries` output.
#[derive(Debug, Clone)]
pub struct FoundryOutput {
    /// The foundry's name in the spec (the key).
    pub name: String,
    /// Its index in the spec.
    pub foundry: usize,
    /// The account's resource id, endpoint, and the principal id of its identity.
    pub account: (EntityId, EntityId),
    /// Projects by name: their ids.
    pub projects: Vec<(String, EntityId)>,
    /// Connections (the Key Vault connection included) by name: their ids.
    pub connections: Vec<(String, EntityId)>,
}

impl FoundryOutput {
    /// The entry as a value: `{ id, endpoint, principalId, projects: { name: id },
    /// connections: { name: id } }`, the same keys in every format.
    pub fn value(&self) -> Value {
        let (account, holder) = self.account;
        let ids = |list: &[(String, EntityId)]| {
            Value::Object(
                list.iter()
                    .map(|(name, id)| (name.clone(), Value::Expr(Expr::Id(*id))))
                    .collect(),
            )
        };
        Value::object([
            ("id", Value::Expr(Expr::Id(account))),
            (
                "endpoint",
                Value::Expr(Expr::Prop(
                    account,
                    vec!["properties".into(), "endpoint".into()],
                )),
            ),
            ("principalId", Value::Expr(Expr::PrincipalId(holder))),
            ("projects", ids(&self.projects)),
            ("connections", ids(&self.connections)),
        ])
    }
}

/// What the `foundries` output says it holds.
pub const FOUNDRIES_OUTPUT_DESCRIPTION: &str = "Per foundry of the spec, by name: the account's id, endpoint and principalId, and the ids of its projects and connections, by name.";

/// The validated deployment.
#[derive(Debug, Clone)]
pub struct Model {
    /// The spec path as given (for the generated-by line).
    pub spec_name: String,
    /// Deployment name.
    pub name: String,
    /// Default location.
    pub location: String,
    /// Tags of created resources.
    pub tags: BTreeMap<String, String>,
    /// Every entity, in spec order.
    pub entities: Vec<Entity>,
    /// Created entities in plan order.
    pub plan: Vec<EntityId>,
    /// Secure parameters, by name.
    pub secrets: BTreeMap<String, SecretParam>,
    /// The `foundries` output: one entry per foundry, in spec order.
    pub outputs: Vec<FoundryOutput>,
}

impl Model {
    /// The group (foundry module / nested deployment) a foundry's output entry is computed in:
    /// that foundry's own, when it lives in another resource group and the spec writes into it.
    pub fn output_group(&self, foundry: usize) -> Option<usize> {
        self.entities
            .iter()
            .any(|e| e.group == Some(foundry))
            .then_some(foundry)
    }

    /// The entity behind an id.
    pub fn entity(&self, id: EntityId) -> &Entity {
        &self.entities[id]
    }

    /// The resource group a group's resources live in: that of its existing foundry account.
    pub fn group_home(&self, group: usize) -> Scope {
        self.entities
            .iter()
            .find(|e| e.kind == Kind::Account && e.foundry == Some(group))
            .map(|e| e.scope.clone())
            .unwrap_or_default()
    }

    /// Created entities in teardown order: the plan, reversed.
    pub fn teardown(&self) -> Vec<EntityId> {
        self.plan.iter().rev().copied().collect()
    }

    /// Builds the model from a validated spec.
    pub fn build(spec: &spec::Spec, spec_name: &str) -> Result<Model, Error> {
        let mut b = Builder {
            spec,
            entities: Vec::new(),
            symbols: BTreeSet::new(),
            by_key: BTreeMap::new(),
            secrets: BTreeMap::new(),
            outputs: Vec::new(),
            access_policies: BTreeMap::new(),
            last_child: BTreeMap::new(),
        };
        // Bicep puts parameters and resources in one namespace: keep resource symbols clear of the
        // secure parameters' names.
        for f in &spec.foundries {
            for c in &f.connections {
                for name in secret_names(&c.auth) {
                    b.symbols.insert(name.to_snake_case());
                }
            }
        }
        for (fi, f) in spec.foundries.iter().enumerate() {
            b.foundry(fi, f);
        }
        let created: Vec<EntityId> = (0..b.entities.len())
            .filter(|&i| !b.entities[i].existing)
            .collect();
        let entities = b.entities;
        let plan = graph::topological_order(&created, |i| {
            entities[i].deps.iter().map(|d| d.on).collect()
        })
        .map_err(|cycle| Error::Internal {
            message: format!(
                "dependency cycle: {}",
                cycle
                    .0
                    .iter()
                    .map(|&i| format!("`{}`", entities[i].key))
                    .collect::<Vec<_>>()
                    .join(" -> ")
            ),
            chain: Vec::new(),
        })?;
        Ok(Model {
            spec_name: spec_name.to_string(),
            name: spec.name.clone(),
            location: spec.location.clone(),
            tags: spec.tags.clone(),
            entities,
            plan,
            secrets: b.secrets,
            outputs: b.outputs,
        })
    }
}

struct Builder<'a> {
    spec: &'a spec::Spec,
    entities: Vec<Entity>,
    symbols: BTreeSet<String>,
    by_key: BTreeMap<String, EntityId>,
    secrets: BTreeMap<String, SecretParam>,
    outputs: Vec<FoundryOutput>,
    /// Access-policy entity per vault entity and group (one `add` per vault in each template).
    access_policies: BTreeMap<(EntityId, Option<usize>), EntityId>,
    /// The last child created under each parent: the end of that parent's chain.
    last_child: BTreeMap<EntityId, EntityId>,
}

fn scope_of(subscription: &Option<String>, resource_group: &Option<String>) -> Scope {
    Scope {
        subscription: subscription.clone(),
        resource_group: resource_group.clone(),
    }
}

fn scope_key(s: &Scope) -> String {
    format!(
        "{}/{}",
        s.subscription
            .as_deref()
            .unwrap_or("-")
            .to_ascii_lowercase(),
        s.resource_group
            .as_deref()
            .unwrap_or("-")
            .to_ascii_lowercase()
    )
}

impl<'a> Builder<'a> {
    fn api(&self, resource_type: &str) -> String {
        let ns = resource_type.split('/').next().unwrap_or(resource_type);
        if let Some((_, v)) = self
            .spec
            .api_versions
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(ns))
        {
            return v.clone();
        }
        catalog::api_version_for(resource_type)
            .unwrap_or("2022-04-01")
            .to_string()
    }

    fn symbol(&mut self, words: &str) -> String {
        let mut base = words.to_snake_case();
        if base.is_empty() || base.starts_with(|c: char| c.is_ascii_digit()) {
            base = format!("r_{base}");
        }
        let mut sym = base.clone();
        let mut n = 2;
        while self.symbols.contains(&sym) {
            sym = format!("{base}_{n}");
            n += 1;
        }
        self.symbols.insert(sym.clone());
        sym
    }

    #[allow(clippy::too_many_arguments)]
    fn new_entity(
        &mut self,
        key: String,
        symbol_words: &str,
        kind: Kind,
        resource_type: &str,
        name: Value,
        spec_path: String,
        label: String,
        foundry: Option<usize>,
    ) -> EntityId {
        let symbol = self.symbol(symbol_words);
        let api_version = self.api(resource_type);
        let id = self.entities.len();
        self.by_key.insert(key.clone(), id);
        self.entities.push(Entity {
            key,
            symbol,
            kind,
            resource_type: resource_type.to_string(),
            api_version,
            name,
            parent: None,
            extends: None,
            scope: Scope::default(),
            existing: false,
            location: None,
            tagged: false,
            resource_kind: None,
            sku: None,
            identity: None,
            properties: Value::Object(Vec::new()),
            credentials: None,
            deps: Vec::new(),
            foundry,
            spec_path,
            label,
            role: None,
            grants: Vec::new(),
            wait_seconds: None,
            wait_for: None,
            purge_on_delete: false,
            accepted_findings: Vec::new(),
            group: None,
        });
        id
    }

    /// An existing resource, shared by every reference to the same type, scope and name.
    fn existing(
        &mut self,
        kind: Kind,
        resource_type: &str,
        name: &str,
        scope: Scope,
        spec_path: String,
        symbol_words: &str,
    ) -> EntityId {
        let key = format!(
            "existing:{}:{}:{}",
            resource_type.to_ascii_lowercase(),
            scope_key(&scope),
            name.to_ascii_lowercase()
        );
        if let Some(&id) = self.by_key.get(&key) {
            return id;
        }
        let label = format!("existing `{resource_type}` `{name}`");
        let id = self.new_entity(
            key,
            symbol_words,
            kind,
            resource_type,
            Value::str(name),
            spec_path,
            label,
            None,
        );
        let e = &mut self.entities[id];
        e.existing = true;
        e.scope = scope;
        id
    }

    fn dep(&mut self, from: EntityId, on: EntityId, reason: Reason) {
        // Existing resources are read, not deployed: nothing waits for them.
        if self.entities[on].existing {
            return;
        }
        let e = &mut self.entities[from];
        if !e.deps.iter().any(|d| d.on == on) {
            e.deps.push(Dep { on, reason });
        }
    }

    /// Makes `child` the next link of its parent's chain. Azure runs one child operation at a time
    /// under an account or project and answers 409 Conflict to a second one, so every child
    /// waits for its parent (when created here) and for the child created under it before, in
    /// the order the builder adds them: account — projects, the Key Vault connection,
    /// account-level connections; project — its connections.
    fn child(&mut self, child: EntityId, parent: EntityId) {
        self.entities[child].parent = Some(parent);
        if !self.entities[parent].existing {
            // The parent first, however late the chain link is made: plans read best that way.
            let deps = &mut self.entities[child].deps;
            deps.retain(|d| d.on != parent);
            deps.insert(
                0,
                Dep {
                    on: parent,
                    reason: Reason::Parent,
                },
            );
        }
        if let Some(prev) = self.last_child.insert(parent, child) {
            self.dep(child, prev, Reason::Sibling);
        }
    }

    /// The output entry of the foundry being built.
    fn current_output(&mut self) -> &mut FoundryOutput {
        self.outputs
            .last_mut()
            .expect("the account's entry is made first")
    }

    fn secret(&mut self, name: &str, used_by: String) {
        let p = self
            .secrets
            .entry(name.to_string())
            .or_insert_with(|| SecretParam {
                name: name.to_string(),
                used_by: Vec::new(),
            });
        if !p.used_by.contains(&used_by) {
            p.used_by.push(used_by);
        }
    }

    fn foundry(&mut self, fi: usize, f: &spec::Foundry) {
        let first_entity = self.entities.len();
        // An existing account in another resource group: what the spec writes into it lives there.
        let home = if f.existing {
            scope_of(&f.subscription, &f.resource_group)
        } else {
            Scope::default()
        };
        let group = (!home.is_deployment()).then_some(fi);
        self.foundry_entities(fi, f, group);
        for e in &mut self.entities[first_entity..] {
            if e.existing {
                continue;
            }
            if group.is_some() {
                e.group = group;
            }
            if matches!(
                e.kind,
                Kind::Project | Kind::Connection | Kind::KeyVaultConnection | Kind::Wait
            ) {
                e.scope = home.clone();
            }
        }
    }

    fn foundry_entities(&mut self, fi: usize, f: &spec::Foundry, group: Option<usize>) {
        let fpath = format!("foundries[{fi}]");
        let account_type = "Microsoft.CognitiveServices/accounts";
        let uai = f.user_assigned_identity.as_ref().map(|u| {
            self.existing(
                Kind::Identity,
                "Microsoft.ManagedIdentity/userAssignedIdentities",
                &u.name,
                scope_of(&u.subscription, &u.resource_group),
                format!("{fpath}.user_assigned_identity"),
                &format!("{}-identity", u.name),
            )
        });
        let identity = match (f.identity, uai) {
            (IdentityKind::UserAssigned, Some(u)) => Identity::UserAssigned(u),
            _ => Identity::SystemAssigned,
        };

        // ARM accepts no `reference()` in a top-level `location`, so even an existing account's
        // region comes from the spec: its `location`, or the deployment's.
        let account_location = match &f.location {
            Some(l) if *l != self.spec.location => Value::str(l),
            _ => Value::Expr(Expr::LocationParam),
        };
        // The account.
        let account = if f.existing {
            let id = self.existing(
                Kind::Account,
                account_type,
                &f.name,
                scope_of(&f.subscription, &f.resource_group),
                fpath.clone(),
                &f.name,
            );
            self.entities[id].identity = Some(identity);
            self.entities[id].foundry = Some(fi);
            id
        } else {
            let id = self.new_entity(
                f.name.clone(),
                &f.name,
                Kind::Account,
                account_type,
                Value::str(&f.name),
                fpath.clone(),
                format!("Foundry account `{}`", f.name),
                Some(fi),
            );
            let mut props = vec![
                ("allowProjectManagement".to_string(), Value::Bool(true)),
                (
                    "customSubDomainName".to_string(),
                    Value::str(f.custom_subdomain.as_deref().unwrap_or(&f.name)),
                ),
            ];
            // Keys off unless the spec keeps them, as Azure's own guidance (and AVM) default.
            props.push((
                "disableLocalAuth".into(),
                Value::Bool(f.disable_local_auth.unwrap_or(true)),
            ));
            if let Some(p) = f.public_network_access {
                let v = match p {
                    spec::Toggle::Enabled => "Enabled",
                    spec::Toggle::Disabled => "Disabled",
                };
                props.push(("publicNetworkAccess".into(), Value::str(v)));
            }
            let e = &mut self.entities[id];
            // A finding is the user's to see, unless the spec chose that very thing in so many
            // words: then the suppression names the key that chose it.
            if f.disable_local_auth == Some(false) {
                e.accepted_findings.push((
                    "CKV_AZURE_236".into(),
                    format!("key-based auth is on because the spec sets {fpath}.disable_local_auth: false"),
                ));
            }
            if f.public_network_access == Some(spec::Toggle::Enabled) {
                e.accepted_findings.push((
                    "CKV_AZURE_134".into(),
                    format!("public network access is on because the spec sets {fpath}.public_network_access: enabled"),
                ));
            }
            e.location = Some(account_location.clone());
            e.tagged = true;
            e.purge_on_delete = f.purge_on_delete;
            e.resource_kind = Some("AIServices".into());
            e.sku = Some(f.sku.clone().unwrap_or_else(|| "S0".into()));
            e.identity = Some(identity);
            e.properties = Value::Object(props);
            if let Some(u) = uai {
                self.dep(id, u, Reason::Principal);
            }
            id
        };
        let holder_of_account = match identity {
            Identity::UserAssigned(u) => u,
            Identity::SystemAssigned => account,
        };
        self.outputs.push(FoundryOutput {
            name: f.name.clone(),
            foundry: fi,
            account: (account, holder_of_account),
            projects: Vec::new(),
            connections: Vec::new(),
        });

        // Projects, one after another.
        let mut projects: BTreeMap<String, (EntityId, EntityId)> = BTreeMap::new(); // name -> (entity, holder)
        for (pi, p) in f.projects.iter().enumerate() {
            let ppath = format!("{fpath}.projects[{pi}]");
            let key = format!("{}/projects/{}", f.name, p.name);
            let words = format!("{}-{}", f.name, p.name);
            let id = if p.existing {
                let id = self.new_entity(
                    key,
                    &words,
                    Kind::Project,
                    "Microsoft.CognitiveServices/accounts/projects",
                    Value::str(&p.name),
                    ppath,
                    format!("existing project `{}`", p.name),
                    Some(fi),
                );
                let e = &mut self.entities[id];
                e.existing = true;
                e.parent = Some(account);
                e.identity = Some(identity);
                id
            } else {
                let id = self.new_entity(
                    key,
                    &words,
                    Kind::Project,
                    "Microsoft.CognitiveServices/accounts/projects",
                    Value::str(&p.name),
                    ppath,
                    format!("project `{}` of `{}`", p.name, f.name),
                    Some(fi),
                );
                let mut props = Vec::new();
                if let Some(d) = &p.display_name {
                    props.push(("displayName".to_string(), Value::str(d)));
                }
                if let Some(d) = &p.description {
                    props.push(("description".to_string(), Value::str(d)));
                }
                let e = &mut self.entities[id];
                e.location = Some(account_location.clone());
                e.tagged = true;
                e.identity = Some(identity);
                e.properties = Value::Object(props);
                self.child(id, account);
                id
            };
            let holder = match identity {
                Identity::UserAssigned(u) => u,
                Identity::SystemAssigned => id,
            };
            projects.insert(p.name.clone(), (id, holder));
            self.current_output().projects.push((p.name.clone(), id));
        }

        // The Key Vault connection: the block, or an AzureKeyVault connection.
        let kv_conn_spec = f
            .connections
            .iter()
            .enumerate()
            .find(|(_, c)| catalog::canonical_category(&c.category) == Some("AzureKeyVault"));
        let kv_setup = match (&f.key_vault, kv_conn_spec) {
            (Some(kv), _) => Some(KvSetup {
                name: kv.name.clone(),
                scope: scope_of(&kv.subscription, &kv.resource_group),
                model: kv.permission_model,
                role: kv.role.unwrap_or_default(),
                permissions: kv.secret_permissions.clone().unwrap_or_else(|| {
                    DEFAULT_SECRET_PERMISSIONS
                        .iter()
                        .map(|s| s.to_string())
                        .collect()
                }),
                connection_name: kv
                    .connection_name
                    .clone()
                    .unwrap_or_else(|| default_key_vault_connection(&f.name)),
                wait: kv.wait_for_role.as_deref().and_then(parse_duration),
                path: format!("{fpath}.key_vault"),
                shared_to_all: true,
                extra_metadata: BTreeMap::new(),
            }),
            (None, Some((ci, c))) => {
                let (name, scope) = target_resource(&c.target).unwrap_or_default();
                Some(KvSetup {
                    name,
                    scope,
                    model: PermissionModel::Rbac,
                    role: KeyVaultRole::SecretsOfficer,
                    permissions: Vec::new(),
                    connection_name: c.name.clone(),
                    wait: None,
                    path: format!("{fpath}.connections[{ci}]"),
                    shared_to_all: c.shared_to_all.unwrap_or(true),
                    extra_metadata: c.metadata.clone(),
                })
            }
            (None, None) => None,
        };
        let mut gates: Vec<(EntityId, Reason)> = Vec::new();
        if let Some(kv) = kv_setup {
            let vault = self.existing(
                Kind::Vault,
                "Microsoft.KeyVault/vaults",
                &kv.name,
                kv.scope.clone(),
                kv.path.clone(),
                &format!("{}-vault", kv.name),
            );
            let conn = self.new_entity(
                format!("{}/connections/{}", f.name, kv.connection_name),
                &format!("{}-key-vault-connection", f.name),
                Kind::KeyVaultConnection,
                "Microsoft.CognitiveServices/accounts/connections",
                Value::str(&kv.connection_name),
                kv.path.clone(),
                format!(
                    "Key Vault connection `{}` of `{}`",
                    kv.connection_name, f.name
                ),
                Some(fi),
            );
            let mut metadata: BTreeMap<String, Value> = BTreeMap::new();
            metadata.insert("ApiType".into(), Value::str("Azure"));
            metadata.insert("ResourceId".into(), Value::Expr(Expr::Id(vault)));
            metadata.insert("location".into(), Value::Expr(Expr::Location(vault)));
            for (k, v) in &kv.extra_metadata {
                metadata.insert(k.clone(), Value::str(v));
            }
            self.child(conn, account);
            let e = &mut self.entities[conn];
            e.properties = Value::object([
                ("category", Value::str("AzureKeyVault")),
                ("target", Value::Expr(Expr::Id(vault))),
                ("authType", Value::str("AccountManagedIdentity")),
                ("isSharedToAll", Value::Bool(kv.shared_to_all)),
                ("metadata", Value::Object(metadata.into_iter().collect())),
            ]);
            self.current_output()
                .connections
                .push((kv.connection_name.clone(), conn));
            gates.push((conn, Reason::KeyVaultConnection));

            // The Foundry identity's access to the vault.
            let access = match kv.model {
                PermissionModel::Rbac => {
                    let (role_name, guid) = match kv.role {
                        KeyVaultRole::SecretsOfficer => {
                            ("Key Vault Secrets Officer", KEY_VAULT_SECRETS_OFFICER)
                        }
                        KeyVaultRole::Administrator => {
                            ("Key Vault Administrator", KEY_VAULT_ADMINISTRATOR)
                        }
                        KeyVaultRole::Contributor => {
                            ("Key Vault Contributor", KEY_VAULT_CONTRIBUTOR)
                        }
                    };
                    let ra = self.role_assignment(
                        vault,
                        holder_of_account,
                        role_name,
                        guid,
                        format!("{}-key-vault-role", f.name),
                        kv.path.clone(),
                        fi,
                    );
                    self.dep(ra, conn, Reason::KeyVaultConnection);
                    ra
                }
                PermissionModel::AccessPolicies => {
                    let ap = match self.access_policies.get(&(vault, group)) {
                        Some(&ap) => ap,
                        None => {
                            let ap = self.new_entity(
                                match group {
                                    None => {
                                        format!("{}/accessPolicies/add", self.entities[vault].key)
                                    }
                                    Some(g) => format!(
                                        "{}/accessPolicies/add@{g}",
                                        self.entities[vault].key
                                    ),
                                },
                                &format!("{}-access-policy", kv.name),
                                Kind::AccessPolicy,
                                "Microsoft.KeyVault/vaults/accessPolicies",
                                Value::str("add"),
                                kv.path.clone(),
                                format!("access policy on Key Vault `{}`", kv.name),
                                Some(fi),
                            );
                            let e = &mut self.entities[ap];
                            e.parent = Some(vault);
                            e.scope = kv.scope.clone();
                            // The same vault's `add` written from another template (a foundry
                            // module): the two writes must not race.
                            let earlier = self
                                .access_policies
                                .iter()
                                .filter(|((v, _), _)| *v == vault)
                                .map(|(_, &other)| other)
                                .max();
                            if let Some(other) = earlier {
                                self.dep(ap, other, Reason::SharedVaultPolicy);
                            }
                            self.access_policies.insert((vault, group), ap);
                            ap
                        }
                    };
                    let mut perms = kv.permissions.clone();
                    perms.dedup();
                    if !self.entities[ap]
                        .grants
                        .iter()
                        .any(|(h, _)| *h == holder_of_account)
                    {
                        self.entities[ap].grants.push((holder_of_account, perms));
                    }
                    let grants = self.entities[ap].grants.clone();
                    self.entities[ap].properties = Value::object([(
                        "accessPolicies",
                        Value::Array(
                            grants
                                .iter()
                                .map(|(h, perms)| {
                                    Value::object([
                                        ("tenantId", Value::Expr(Expr::TenantId)),
                                        ("objectId", Value::Expr(Expr::PrincipalId(*h))),
                                        (
                                            "permissions",
                                            Value::object([(
                                                "secrets",
                                                Value::Array(
                                                    perms.iter().map(Value::str).collect(),
                                                ),
                                            )]),
                                        ),
                                    ])
                                })
                                .collect(),
                        ),
                    )]);
                    self.dep(ap, conn, Reason::KeyVaultConnection);
                    if holder_of_account == account && !f.existing {
                        self.dep(ap, account, Reason::Principal);
                    }
                    ap
                }
            };
            gates.push((access, Reason::KeyVaultAccess));
            if let Some(secs) = kv.wait {
                let w = self.new_entity(
                    format!("{}/wait", f.name),
                    &format!("{}-role-wait", f.name),
                    Kind::Wait,
                    "Microsoft.Resources/deploymentScripts",
                    Value::str(wait_name(&f.name)),
                    format!("{}.wait_for_role", kv.path),
                    format!(
                        "wait {secs}s for the vault access of `{}` to take effect",
                        f.name
                    ),
                    Some(fi),
                );
                let e = &mut self.entities[w];
                // A deployment script runs anywhere; the deployment's region keeps `reference()`
                // out of its `location`.
                e.location = Some(Value::Expr(Expr::LocationParam));
                e.tagged = true;
                e.resource_kind = Some("AzureCLI".into());
                e.wait_seconds = Some(secs);
                e.wait_for = Some(holder_of_account);
                e.properties = Value::object([
                    // A changed tag runs the script again; an unchanged one leaves it be.
                    (
                        "forceUpdateTag",
                        Value::Expr(Expr::PrincipalId(holder_of_account)),
                    ),
                    ("azCliVersion", Value::str("2.75.0")),
                    ("scriptContent", Value::str(format!("sleep {secs}"))),
                    ("timeout", Value::str(format!("PT{}S", secs + 300))),
                    ("retentionInterval", Value::str("PT1H")),
                    ("cleanupPreference", Value::str("Always")),
                ]);
                self.dep(w, access, Reason::KeyVaultAccess);
                // Its re-run tag reads the principal id.
                self.dep(w, holder_of_account, Reason::Principal);
                gates.push((w, Reason::RoleWait));
            }
        }

        // Every other connection, serialised per parent, after the Key Vault gates.
        for (ci, c) in f.connections.iter().enumerate() {
            let category = catalog::canonical_category(&c.category).unwrap_or("GenericRest");
            if category == "AzureKeyVault" {
                continue;
            }
            let cpath = format!("{fpath}.connections[{ci}]");
            let (parent, holder, resource_type, key, words, level) = match &c.project {
                Some(p) => {
                    let (pid, holder) = projects[p];
                    (
                        pid,
                        holder,
                        "Microsoft.CognitiveServices/accounts/projects/connections",
                        format!("{}/projects/{}/connections/{}", f.name, p, c.name),
                        format!("{}-{}-{}-connection", f.name, p, c.name),
                        format!(" (project `{p}`)"),
                    )
                }
                None => (
                    account,
                    holder_of_account,
                    "Microsoft.CognitiveServices/accounts/connections",
                    format!("{}/connections/{}", f.name, c.name),
                    format!("{}-{}-connection", f.name, c.name),
                    String::new(),
                ),
            };
            let conn = self.new_entity(
                key,
                &words,
                Kind::Connection,
                resource_type,
                Value::str(&c.name),
                cpath.clone(),
                format!("connection `{}`{level} of `{}`", c.name, f.name),
                Some(fi),
            );

            // The target.
            let target_entity = target_resource(&c.target).map(|(name, scope)| {
                let ty = target_type_name(&c.target);
                let ty = catalog::target_type(&ty)
                    .map(|t| t.resource_type.to_string())
                    .unwrap_or(ty);
                self.target(&ty, &name, scope, format!("{cpath}.target"))
            });
            let target_value = match (target_entity, &c.target.url) {
                (Some(t), _) => {
                    let ty = self.entities[t].resource_type.clone();
                    let endpoint = self.endpoint(t);
                    let use_ = c.target.use_.unwrap_or_else(|| {
                        category::default_use(&ty, &c.auth.type_, endpoint.is_some())
                    });
                    match (use_, endpoint) {
                        (TargetUse::Endpoint, Some(e)) => Value::Expr(e),
                        _ => Value::Expr(Expr::Id(t)),
                    }
                }
                (None, Some(url)) => Value::str(url),
                (None, None) => Value::str(""),
            };

            // Metadata: category defaults, then the spec's values over them.
            let mut metadata: BTreeMap<String, Value> = BTreeMap::new();
            if let Some(t) = target_entity {
                metadata.insert("ApiType".into(), Value::str("Azure"));
                metadata.insert("ResourceId".into(), Value::Expr(Expr::Id(t)));
                let loc = category::rule(category).map_or(LocationMeta::Never, |r| r.location);
                let has_location = catalog::target_type(&self.entities[t].resource_type)
                    .is_some_and(|k| k.has_location);
                if has_location
                    && (loc == LocationMeta::Always
                        || (loc == LocationMeta::WhenAad && c.auth.type_ == "AAD"))
                {
                    metadata.insert("location".into(), Value::Expr(Expr::Location(t)));
                }
            }
            for (k, v) in category::default_metadata(category) {
                metadata.insert(k.to_string(), Value::str(*v));
            }
            for (k, v) in &c.metadata {
                metadata.insert(k.clone(), Value::str(v));
            }

            let mut props = vec![
                ("category".to_string(), Value::str(category)),
                ("target".to_string(), target_value),
                ("authType".to_string(), Value::str(&c.auth.type_)),
                (
                    "isSharedToAll".to_string(),
                    Value::Bool(c.shared_to_all.unwrap_or(c.project.is_none())),
                ),
            ];
            if let Some(aud) = &c.auth.audience {
                props.push(("audience".into(), Value::str(aud)));
            }
            if let Some(url) = &c.auth.token_url {
                props.push(("tokenUrl".into(), Value::str(url)));
            }
            if let Some(scopes) = &c.auth.scopes {
                props.push((
                    "scopes".into(),
                    Value::Array(scopes.iter().map(Value::str).collect()),
                ));
            }
            if !metadata.is_empty() {
                props.push((
                    "metadata".into(),
                    Value::Object(metadata.into_iter().collect()),
                ));
            }
            self.entities[conn].properties = Value::Object(props);
            self.entities[conn].credentials =
                self.credentials(&c.auth, target_entity, &format!("connection `{}`", c.name));

            // Its roles, granted before it.
            let mut seen_roles = BTreeSet::new();
            if let Some(t) = target_entity {
                for (ri, r) in c.roles.iter().enumerate() {
                    let (rname, guid) = match catalog::lookup_role(r) {
                        RoleLookup::Found(role) | RoleLookup::Renamed { role, .. } => {
                            (role.name.to_string(), role.guid.to_string())
                        }
                        _ => (r.clone(), r.to_ascii_lowercase()),
                    };
                    if !seen_roles.insert(guid.clone()) {
                        continue;
                    }
                    let ra = self.role_assignment(
                        t,
                        holder,
                        &rname,
                        &guid,
                        format!("{words}-role-{}", ri + 1),
                        format!("{cpath}.roles[{ri}]"),
                        fi,
                    );
                    self.dep(conn, ra, Reason::OwnRole);
                }
            }
            for &(g, reason) in &gates {
                self.dep(conn, g, reason);
            }
            // After the gates, so that the Key Vault connection, when it is also the previous child,
            // is explained as the gate it is.
            self.child(conn, parent);
            self.current_output()
                .connections
                .push((c.name.clone(), conn));
        }
    }

    /// An existing connection target. A child type (an API of an API Management service, named
    /// `<service>/<api>`) is declared under its existing parent, as Bicep's `parent:` and
    /// Terraform's `parent_id` want it.
    fn target(
        &mut self,
        resource_type: &str,
        name: &str,
        scope: Scope,
        spec_path: String,
    ) -> EntityId {
        let last = |t: &str| t.rsplit('/').next().unwrap_or("resource").to_string();
        let parent_type = catalog::target_type(resource_type).and_then(|k| k.parent);
        let (Some(parent_type), Some((parent_name, own))) = (parent_type, name.split_once('/'))
        else {
            return self.existing(
                Kind::Target,
                resource_type,
                name,
                scope,
                spec_path,
                &format!("{name}-{}", last(resource_type)),
            );
        };
        let parent = self.existing(
            Kind::Target,
            parent_type,
            parent_name,
            scope.clone(),
            spec_path.clone(),
            &format!("{parent_name}-{}", last(parent_type)),
        );
        let key = format!(
            "{}/{}:{}",
            self.entities[parent].key,
            last(resource_type).to_ascii_lowercase(),
            own.to_ascii_lowercase()
        );
        if let Some(&id) = self.by_key.get(&key) {
            return id;
        }
        let id = self.new_entity(
            key,
            &format!("{parent_name}-{own}-{}", last(resource_type)),
            Kind::Target,
            resource_type,
            Value::str(own),
            spec_path,
            format!("existing `{resource_type}` `{name}`"),
            None,
        );
        let e = &mut self.entities[id];
        e.existing = true;
        e.scope = scope;
        e.parent = Some(parent);
        id
    }

    /// The endpoint URL of an existing target, when the catalog knows it: a property of its body,
    /// or for a child type its parent's endpoint, `/`, its own part (an API Management gateway URL
    /// and the API's path).
    fn endpoint(&self, target: EntityId) -> Option<Expr> {
        let e = &self.entities[target];
        let known = catalog::target_type(&e.resource_type)?;
        let own = Expr::Prop(
            target,
            known.endpoint?.iter().map(|s| s.to_string()).collect(),
        );
        match (known.parent, e.parent) {
            (Some(_), Some(p)) => {
                let parent = self.endpoint(p)?;
                Some(Expr::Concat(vec![parent, Expr::Literal("/".into()), own]))
            }
            _ => Some(own),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn role_assignment(
        &mut self,
        on: EntityId,
        holder: EntityId,
        role_name: &str,
        role_guid: &str,
        words: String,
        spec_path: String,
        fi: usize,
    ) -> EntityId {
        let key = format!(
            "roleAssignment:{}:{}:{}",
            self.entities[on].key, self.entities[holder].key, role_guid
        );
        if let Some(&id) = self.by_key.get(&key) {
            return id;
        }
        let label = format!(
            "role `{role_name}` for `{}` on `{}`",
            self.entities[holder].name_text(),
            self.entities[on].name_text()
        );
        let name = Value::Expr(Expr::Guid(vec![
            Expr::Id(on),
            Expr::Id(holder),
            Expr::RoleDefinition(role_guid.to_string()),
        ]));
        let id = self.new_entity(
            key,
            &words,
            Kind::RoleAssignment,
            "Microsoft.Authorization/roleAssignments",
            name,
            spec_path,
            label,
            Some(fi),
        );
        let scope = self.entities[on].scope.clone();
        let e = &mut self.entities[id];
        e.extends = Some(on);
        e.scope = scope;
        e.role = Some((role_name.to_string(), role_guid.to_string()));
        e.properties = Value::object([
            (
                "roleDefinitionId",
                Value::Expr(Expr::RoleDefinition(role_guid.to_string())),
            ),
            ("principalId", Value::Expr(Expr::PrincipalId(holder))),
            ("principalType", Value::str("ServicePrincipal")),
        ]);
        if !self.entities[holder].existing {
            self.dep(id, holder, Reason::Principal);
        }
        id
    }

    fn credentials(
        &mut self,
        auth: &spec::Auth,
        target: Option<EntityId>,
        used_by: &str,
    ) -> Option<Value> {
        let mut pairs: Vec<(String, Value)> = Vec::new();
        let cred = |this: &mut Self, key: &str, c: &Credential| -> Value {
            match c {
                Credential::Secret { secret } => {
                    this.secret(secret, format!("{used_by} `{key}`"));
                    Value::Expr(Expr::Secret(secret.clone()))
                }
                Credential::FromTarget { .. } => {
                    let t = target.expect("validated: from_target has a resource target");
                    let ty = this.entities[t].resource_type.clone();
                    match catalog::target_type(&ty).and_then(|k| k.key) {
                        Some(KeySource::Action { action, path }) => Value::Expr(Expr::Action(
                            t,
                            action.to_string(),
                            path.iter().map(|s| s.to_string()).collect(),
                        )),
                        Some(KeySource::Property { path }) => {
                            Value::Expr(Expr::Prop(t, path.iter().map(|s| s.to_string()).collect()))
                        }
                        None => Value::str(""),
                    }
                }
                Credential::Plain(s) => Value::str(s),
            }
        };
        let plain = |k: &str, v: &Option<String>, pairs: &mut Vec<(String, Value)>| {
            if let Some(v) = v {
                pairs.push((category::credential_property(k).to_string(), Value::str(v)));
            }
        };
        plain("client_id", &auth.client_id, &mut pairs);
        plain("tenant_id", &auth.tenant_id, &mut pairs);
        plain("auth_url", &auth.auth_url, &mut pairs);
        plain("username", &auth.username, &mut pairs);
        plain("access_key_id", &auth.access_key_id, &mut pairs);
        plain("resource_id", &auth.resource_id, &mut pairs);
        let secrets: [(&str, &Option<Credential>); 9] = [
            ("key", &auth.key),
            ("client_secret", &auth.client_secret),
            ("password", &auth.password),
            ("refresh_token", &auth.refresh_token),
            ("developer_token", &auth.developer_token),
            ("security_token", &auth.security_token),
            ("sas", &auth.sas),
            ("pat", &auth.pat),
            ("secret_access_key", &auth.secret_access_key),
        ];
        for (k, v) in secrets {
            if let Some(c) = v {
                let val = cred(self, k, c);
                pairs.push((category::credential_property(k).to_string(), val));
            }
        }
        if let Some(keys) = &auth.keys {
            let inner: Vec<(String, Value)> = keys
                .iter()
                .map(|(k, c)| (k.clone(), cred(self, k, c)))
                .collect();
            pairs.push(("keys".into(), Value::Object(inner)));
        }
        if pairs.is_empty() {
            // Auth types without credentials (AAD, None, managed identities) send none.
            None
        } else {
            pairs.sort_by(|a, b| a.0.cmp(&b.0));
            Some(Value::Object(pairs))
        }
    }
}

/// The secure-parameter names an auth block uses.
fn secret_names(auth: &spec::Auth) -> Vec<String> {
    let singles = [
        &auth.key,
        &auth.client_secret,
        &auth.password,
        &auth.refresh_token,
        &auth.developer_token,
        &auth.security_token,
        &auth.sas,
        &auth.pat,
        &auth.secret_access_key,
    ];
    singles
        .into_iter()
        .flatten()
        .chain(auth.keys.iter().flat_map(|k| k.values()))
        .filter_map(|c| match c {
            Credential::Secret { secret } => Some(secret.clone()),
            _ => None,
        })
        .collect()
}

struct KvSetup {
    name: String,
    scope: Scope,
    model: PermissionModel,
    role: KeyVaultRole,
    permissions: Vec<String>,
    connection_name: String,
    wait: Option<u64>,
    path: String,
    shared_to_all: bool,
    extra_metadata: BTreeMap<String, String>,
}

/// A deploymentScripts name for the wait of a foundry (at most 64 characters).
fn wait_name(foundry: &str) -> String {
    let stem: String = foundry.chars().take(64 - "-role-wait".len()).collect();
    format!("{stem}-role-wait")
}

fn target_type_name(t: &spec::Target) -> String {
    if let Some(r) = &t.resource {
        return r.type_.clone();
    }
    t.resource_id
        .as_deref()
        .and_then(parse_target_id)
        .map(|p| p.resource_type)
        .unwrap_or_default()
}

fn target_resource(t: &spec::Target) -> Option<(String, Scope)> {
    if let Some(r) = &t.resource {
        return Some((r.name.clone(), scope_of(&r.subscription, &r.resource_group)));
    }
    let p = parse_target_id(t.resource_id.as_deref()?)?;
    Some((
        p.name,
        Scope {
            subscription: Some(p.subscription),
            resource_group: Some(p.resource_group),
        },
    ))
}

impl Entity {
    /// The literal name, or the key for computed names.
    pub fn name_text(&self) -> &str {
        match &self.name {
            Value::Str(s) => s,
            _ => &self.key,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Source;

    fn model(text: &str) -> Model {
        crate::check(&Source::new("t.yaml", text))
            .expect("valid spec")
            .model
    }

    #[test]
    fn resource_symbols_avoid_secret_parameter_names() {
        let m = model(
            "version: 1\nname: t\nlocation: eastus2\nfoundries:\n  - name: qs-foundry\n    connections:\n      - { name: web, category: ApiKey, target: { url: 'https://a.example' }, auth: { type: ApiKey, key: { secret: qsFoundry } } }\n",
        );
        let account = m.entities.iter().find(|e| e.kind == Kind::Account).unwrap();
        assert_ne!(
            crate::render::camel(account),
            "qsFoundry",
            "the account's Bicep symbol would clash with the parameter"
        );
    }

    #[test]
    fn an_api_target_is_declared_under_its_service_and_joins_their_urls() {
        let m = model(
            "version: 1\nname: t\nlocation: eastus2\nfoundries:\n  - name: f1\n    connections:\n      - name: apim\n        category: ApiManagement\n        target: { resource: { type: Microsoft.ApiManagement/service/apis, name: contoso-apim/openai, resource_group: rg-apim } }\n        auth: { type: ApiKey, key: { secret: apimKey } }\n        roles: [Reader]\n        metadata: { deploymentInPath: 'false', models: '[{\"name\": \"m\", \"properties\": {\"model\": {\"name\": \"m\", \"version\": \"\", \"format\": \"OpenAI\"}}}]' }\n",
        );
        let api = m
            .entities
            .iter()
            .position(|e| e.resource_type == "Microsoft.ApiManagement/service/apis")
            .expect("the API");
        let service = m.entities[api].parent.expect("declared under its service");
        assert_eq!(m.entities[service].name, Value::str("contoso-apim"));
        assert_eq!(m.entities[api].name, Value::str("openai"));
        assert_eq!(m.entities[api].scope, m.entities[service].scope);
        let conn = m
            .entities
            .iter()
            .find(|e| e.kind == Kind::Connection)
            .unwrap();
        assert_eq!(
            conn.properties.get("target"),
            Some(&Value::Expr(Expr::Concat(vec![
                Expr::Prop(service, vec!["properties".into(), "gatewayUrl".into()]),
                Expr::Literal("/".into()),
                Expr::Prop(api, vec!["properties".into(), "path".into()]),
            ])))
        );
        let meta = conn.properties.get("metadata").unwrap();
        assert_eq!(meta.get("ResourceId"), Some(&Value::Expr(Expr::Id(api))));
        let role = m
            .entities
            .iter()
            .find(|e| e.kind == Kind::RoleAssignment)
            .unwrap();
        assert_eq!(role.extends, Some(api), "roles are granted on the API");
    }

    #[test]
    fn a_model_gateway_always_sends_an_inference_api_version() {
        let spec = |category: &str, extra: &str| {
            format!(
                "version: 1\nname: t\nlocation: eastus2\nfoundries:\n  - name: f1\n    connections:\n      - name: gw1\n        category: {category}\n        target: {{ url: 'https://gw.example.com/v1' }}\n        auth: {{ type: ApiKey, key: {{ secret: gwKey }} }}\n        metadata: {{ deploymentInPath: 'false', modelDiscovery: '{{\"listModelsEndpoint\": \"/models\", \"getModelEndpoint\": \"/models/{{deploymentName}}\", \"deploymentProvider\": \"OpenAI\"}}'{extra} }}\n"
            )
        };
        let version = |text: String| {
            let m = model(&text);
            let conn = m
                .entities
                .iter()
                .find(|e| e.kind == Kind::Connection)
                .unwrap();
            conn.properties
                .get("metadata")
                .and_then(|md| md.get("inferenceAPIVersion"))
                .cloned()
        };
        assert_eq!(version(spec("ModelGateway", "")), Some(Value::str("")));
        assert_eq!(
            version(spec("ModelGateway", ", inferenceAPIVersion: 2024-10-21")),
            Some(Value::str("2024-10-21"))
        );
        assert_eq!(version(spec("ApiManagement", "")), None);
    }

    #[test]
    fn plan_respects_every_edge_and_teardown_reverses_it() {
        let m = model(include_str!("../../specs/key-vault-first.yaml"));
        let pos: BTreeMap<EntityId, usize> =
            m.plan.iter().enumerate().map(|(i, &id)| (id, i)).collect();
        for &id in &m.plan {
            for d in &m.entity(id).deps {
                assert!(
                    pos[&d.on] < pos[&id],
                    "{} before {}",
                    m.entity(d.on).key,
                    m.entity(id).key
                );
            }
        }
        let mut rev = m.teardown();
        rev.reverse();
        assert_eq!(rev, m.plan);
    }

    #[test]
    fn role_assignment_names_use_only_deploy_time_constants() {
        let m = model(include_str!("../../specs/two-foundries.yaml"));
        for e in m.entities.iter().filter(|e| e.kind == Kind::RoleAssignment) {
            let Value::Expr(Expr::Guid(args)) = &e.name else {
                panic!("{} is not named by guid()", e.key);
            };
            // Ids and role definition ids are known at deployment start; principal ids are not.
            assert!(
                args.iter()
                    .all(|a| matches!(a, Expr::Id(_) | Expr::RoleDefinition(_))),
                "{}: {args:?}",
                e.key
            );
        }
    }
}
