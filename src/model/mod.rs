//! The validated model: every resource the deployment creates or references, with its body as
//! format-neutral values, its dependencies (and why), and the plan order. Only `Model::build` makes
//! one, from a spec that passed validation; the renderers read nothing else.

mod capability_hosts;
mod connections;
mod data_plane;
mod deployments;
mod foundry;
pub mod graph;
mod key_vault;
mod resources;
pub mod value;

use std::collections::{BTreeMap, HashMap, HashSet};

use heck::ToSnakeCase;

use crate::catalog;
use crate::error::Error;
use crate::spec;
use connections::secret_names;
pub use key_vault::{
    DEFAULT_SECRET_PERMISSIONS, KEY_VAULT_ADMINISTRATOR, KEY_VAULT_CONTRIBUTOR,
    KEY_VAULT_SECRETS_OFFICER,
};
pub use value::{Expr, Value};

/// An index into `Model::entities`.
pub type EntityId = usize;

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
    /// `…/accounts/deployments`: a model deployment.
    ModelDeployment,
    /// `…/accounts/projects`.
    Project,
    /// The Key Vault connection (`…/connections`, category `AzureKeyVault`).
    KeyVaultConnection,
    /// Any other connection.
    Connection,
    /// An Agent Service capability host (`…/accounts/capabilityHosts` or
    /// `…/accounts/projects/capabilityHosts`): not updatable in place.
    CapabilityHost,
    /// `Microsoft.Authorization/roleAssignments`.
    RoleAssignment,
    /// A data-plane role assignment, a child of the resource whose data it opens (a Cosmos DB
    /// account's `sqlRoleAssignments`), whether that resource is existing or created.
    DataPlaneRoleAssignment,
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
    /// A resource `resources:` creates that is neither a connection target nor a vault (a Log
    /// Analytics workspace), or a child of a created resource (a blob service, a container, a
    /// SQL database). Created targets and vaults keep their kinds.
    Resource,
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
    /// The children of a resource that takes one operation at a time (a Cosmos DB account, whose
    /// concurrent operations fail with 412 Precondition Failed) form one chain.
    ExclusiveParent,
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
    /// A created resource a Foundry account (or its connection) uses comes first, and is deleted
    /// after it: deleting the vault, say, breaks the Foundry resource.
    ConnectsTo,
    /// A role on a created resource needs the resource.
    GrantedOn,
    /// A created resource needs another (an App Insights component its workspace).
    Needs,
    /// Two writes of one vault's `add` access policy (from different templates) go one at a time.
    SharedVaultPolicy,
    /// A capability host names the connection as a plain string, which implies no dependency.
    NamedConnection,
    /// The Agent Service needs the project identity's roles before the capability host.
    AgentRole,
    /// The capability host waits for the project identity's roles to take effect.
    AgentRoleWait,
    /// A project's capability host comes after its account's.
    AccountCapabilityHost,
    /// The role is granted on what the capability host creates (the database, the containers).
    AfterCapabilityHost,
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
            Reason::ExclusiveParent => {
                "one operation at a time per Cosmos DB account, or Azure answers 412 Precondition Failed"
            }
            Reason::OwnRole => "its roles are granted first",
            Reason::Principal => "the identity it grants to",
            Reason::ConnectsTo => "what it connects to is created first",
            Reason::GrantedOn => "the resource it grants on",
            Reason::Needs => "a resource it needs",
            Reason::SharedVaultPolicy => "writes to one vault's access policies go one at a time",
            Reason::NamedConnection => {
                "it names the connection by a string only, so the dependency is stated here"
            }
            Reason::AgentRole => "the Agent Service needs the project's roles first",
            Reason::AgentRoleWait => "the project's roles must have taken effect",
            Reason::AccountCapabilityHost => "the account's capability host comes first",
            Reason::AfterCapabilityHost => {
                "the capability host creates what the role is granted on"
            }
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
            Reason::ExclusiveParent => {
                "the children of one Cosmos DB account are deleted one at a time"
            }
            Reason::OwnRole => "its roles are removed after it",
            Reason::Principal => "the identity it grants to is deleted after it",
            Reason::ConnectsTo => "what it connects to is deleted after it",
            Reason::GrantedOn => "the resource it grants on is deleted after it",
            Reason::Needs => "what it needs is deleted after it",
            Reason::SharedVaultPolicy => "writes to one vault's access policies go one at a time",
            Reason::NamedConnection => "the connections it names are deleted after it",
            Reason::AgentRole => "the project's roles are removed after it",
            Reason::AgentRoleWait => "the wait is removed after it",
            Reason::AccountCapabilityHost => "the account's capability host is deleted after it",
            Reason::AfterCapabilityHost => "the capability host is deleted after the role",
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
    /// Its tags: the spec's (a created resource's own merged over them); `None` for what carries
    /// none (connections, role assignments).
    pub tags: Option<BTreeMap<String, String>>,
    /// `kind`.
    pub resource_kind: Option<String>,
    /// `sku`: its `name`, and `capacity` where the resource type has one.
    pub sku: Option<Value>,
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
    /// For role assignments (Azure RBAC or data-plane): the role's name and GUID.
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
    /// For the Key Vault connection: its vault and how the spec says the vault grants access, for
    /// the checks `preflight` makes against the deployed vault and account.
    pub key_vault: Option<KeyVaultUse>,
}

/// What the spec says of a Key Vault connection's vault (see [`Entity::key_vault`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyVaultUse {
    /// The vault entity.
    pub vault: EntityId,
    /// `permission_model`.
    pub permission_model: crate::spec::PermissionModel,
    /// `access`.
    pub access: crate::spec::VaultAccess,
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
    /// What the top-level template deploys into other resource groups, each as one Bicep module
    /// or ARM nested deployment; [`Entity::group`] indexes it.
    pub groups: Vec<Group>,
    /// What each group holds, made once by [`Model::build`] (see [`Model::group_members`]): each
    /// group's template looked through every entity otherwise, quadratic in a spec with many
    /// foundries in other resource groups.
    members: GroupMembers,
}

/// The entities of each group, the plan of each group, and each foundry's output group.
#[derive(Debug, Clone)]
struct GroupMembers {
    entities: Vec<Vec<EntityId>>,
    plans: Vec<Vec<EntityId>>,
    outputs: Vec<Option<usize>>,
}

impl GroupMembers {
    fn of(entities: &[Entity], plan: &[EntityId], groups: &[Group], foundries: usize) -> Self {
        let mut members = GroupMembers {
            entities: vec![Vec::new(); groups.len()],
            plans: vec![Vec::new(); groups.len()],
            outputs: vec![None; foundries],
        };
        for (id, e) in entities.iter().enumerate() {
            if let Some(g) = e.group {
                members.entities[g].push(id);
            }
        }
        for &id in plan {
            if let Some(g) = entities[id].group {
                members.plans[g].push(id);
            }
        }
        for (g, group) in groups.iter().enumerate().rev() {
            // A foundry's first group, when something is in it.
            if let Some(slot) = group.foundry.and_then(|f| members.outputs.get_mut(f)) {
                *slot = (!members.entities[g].is_empty()).then_some(g);
            }
        }
        members
    }
}

/// Resources the top-level template deploys into another resource group through one Bicep
/// module or ARM nested deployment: what the spec writes into an existing foundry there, or the
/// resources `resources:` creates there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// Where they live.
    pub scope: Scope,
    /// The existing foundry whose projects and connections it holds; `None` for created
    /// resources.
    pub foundry: Option<usize>,
    /// Its module file's and deployment's name: `foundry-<account>`, `resources-<group>`.
    pub stem: String,
    /// Its snake_case symbol (Bicep uses its lowerCamel form for the module call).
    pub symbol: String,
    /// A human description, printed as a comment.
    pub label: String,
}

impl Model {
    /// The group (foundry module / nested deployment) a foundry's output entry is computed in:
    /// that foundry's own, when it lives in another resource group and the spec writes into it.
    pub fn output_group(&self, foundry: usize) -> Option<usize> {
        self.members.outputs.get(foundry).copied().flatten()
    }

    /// The entities of a group, in spec order.
    pub fn group_members(&self, group: usize) -> &[EntityId] {
        &self.members.entities[group]
    }

    /// The entities a template deploys, in plan order: the whole plan for the top-level template
    /// (`None`), a group's own for its module or nested template.
    pub fn plan_of(&self, group: Option<usize>) -> &[EntityId] {
        match group {
            None => &self.plan,
            Some(g) => &self.members.plans[g],
        }
    }

    /// The entity behind an id.
    pub fn entity(&self, id: EntityId) -> &Entity {
        &self.entities[id]
    }

    /// The resource group a group's resources live in.
    pub fn group_home(&self, group: usize) -> Scope {
        self.groups[group].scope.clone()
    }

    /// Created entities in teardown order: the plan, reversed.
    pub fn teardown(&self) -> Vec<EntityId> {
        self.plan.iter().rev().copied().collect()
    }

    /// Builds the model from a validated spec.
    pub fn build(spec: &spec::Spec, spec_name: &str) -> Result<Model, Error> {
        let mut b = Builder::new(spec);
        // Bicep puts parameters and resources in one namespace: keep resource symbols clear of the
        // secure parameters' names.
        for f in &spec.foundries {
            for c in &f.connections {
                for name in secret_names(&c.auth) {
                    b.symbols.insert(snake_case(&name));
                }
            }
        }
        b.resources();
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
        let members = GroupMembers::of(&entities, &plan, &b.groups, spec.foundries.len());
        Ok(Model {
            spec_name: spec_name.to_string(),
            name: spec.name.clone(),
            location: spec.location.clone(),
            tags: spec.tags.clone(),
            entities,
            plan,
            secrets: b.secrets,
            outputs: b.outputs,
            groups: b.groups,
            members,
        })
    }
}

struct Builder<'a> {
    spec: &'a spec::Spec,
    entities: Vec<Entity>,
    symbols: HashSet<String>,
    /// Per symbol base, the suffix to try first for the next symbol of that base (see
    /// [`Builder::symbol`]).
    next_suffix: HashMap<String, usize>,
    /// Every entity by its key (looked up, never walked in order).
    by_key: HashMap<String, EntityId>,
    secrets: BTreeMap<String, SecretParam>,
    /// For a secret many connections use, its users, so that [`Builder::secret`] need not look
    /// through all of them.
    secret_index: HashMap<String, HashSet<String>>,
    outputs: Vec<FoundryOutput>,
    /// Access-policy entity per vault entity and group (one `add` per vault in each template).
    access_policies: BTreeMap<(EntityId, Option<usize>), EntityId>,
    /// The last child created under each parent: the end of that parent's chain.
    last_child: BTreeMap<EntityId, EntityId>,
    /// The children of each parent, in the order they were made its children: the tree under a
    /// created resource (see [`Builder::connects_to`]) without a pass over every entity.
    children: HashMap<EntityId, Vec<EntityId>>,
    /// For an entity with many dependencies (an account that connects to many created resources),
    /// the entities it depends on, so that [`Builder::dep`] need not look through all of them.
    dep_index: HashMap<EntityId, HashSet<EntityId>>,
    /// The entities of `resources:`, by `spec::resource_key`: a target, vault or workspace that
    /// names one is that entity, not an existing resource.
    created: BTreeMap<String, EntityId>,
    /// The entity of each entry of `resources:`, in spec order.
    created_of: Vec<EntityId>,
    /// The groups (see [`Model::groups`]).
    groups: Vec<Group>,
    /// The groups of created resources, by [`scope_key`] and stem (see
    /// [`Builder::resources_group`]).
    resource_groups: HashMap<(String, String), usize>,
    /// Each connection's resource target entity.
    connection_targets: BTreeMap<EntityId, EntityId>,
}

/// From this many entries on, a list the builder keeps free of repeats (an entity's dependencies,
/// a secret's users) is indexed: below it a look through the list costs less than hashing.
const INDEX_FROM: usize = 16;

/// heck's `to_snake_case`, without its cost for ASCII words (every entity's symbol goes through
/// it, and heck lowercases through `fmt` one character at a time). The same algorithm as heck
/// 0.5's `transform`, on bytes: words split at non-alphanumerics, at a lowercase letter followed
/// by an uppercase one, and before the last of a run of uppercase letters followed by a
/// lowercase one. Anything else than ASCII goes to heck itself.
fn snake_case(s: &str) -> String {
    if !s.is_ascii() {
        return s.to_snake_case();
    }
    #[derive(Clone, Copy, PartialEq)]
    enum Mode {
        Boundary,
        Lowercase,
        Uppercase,
    }
    let mut out = String::with_capacity(s.len() + 4);
    let mut first_word = true;
    let push_word = |out: &mut String, word: &str, first_word: &mut bool| {
        if !*first_word {
            out.push('_');
        }
        *first_word = false;
        out.extend(word.bytes().map(|b| char::from(b.to_ascii_lowercase())));
    };
    for word in s.split(|c: char| !c.is_ascii_alphanumeric()) {
        let b = word.as_bytes();
        let mut init = 0;
        let mut mode = Mode::Boundary;
        for i in 0..b.len() {
            let c = b[i];
            let Some(&next) = b.get(i + 1) else {
                push_word(&mut out, &word[init..], &mut first_word);
                break;
            };
            let next_mode = if c.is_ascii_lowercase() {
                Mode::Lowercase
            } else if c.is_ascii_uppercase() {
                Mode::Uppercase
            } else {
                mode
            };
            if next_mode == Mode::Lowercase && next.is_ascii_uppercase() {
                push_word(&mut out, &word[init..i + 1], &mut first_word);
                init = i + 1;
                mode = Mode::Boundary;
            } else if mode == Mode::Uppercase && c.is_ascii_uppercase() && next.is_ascii_lowercase()
            {
                push_word(&mut out, &word[init..i], &mut first_word);
                init = i;
                mode = Mode::Boundary;
            } else {
                mode = next_mode;
            }
        }
    }
    out
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
    fn new(spec: &'a spec::Spec) -> Self {
        // Room for every entity up front: an entity is a large struct, and growing the vector
        // a doubling at a time copied all of them again and again. A connection makes itself,
        // its target and a role assignment per role; the rest is a handful per foundry.
        let estimate = 16
            + 8 * spec.resources.len()
            + spec
                .foundries
                .iter()
                .map(|f| {
                    16 + 2 * (f.projects.len() + f.deployments.len())
                        + f.connections
                            .iter()
                            .map(|c| 2 + c.roles.len())
                            .sum::<usize>()
                })
                .sum::<usize>();
        Builder {
            spec,
            entities: Vec::with_capacity(estimate),
            symbols: HashSet::with_capacity(estimate),
            next_suffix: HashMap::new(),
            by_key: HashMap::with_capacity(estimate),
            secrets: BTreeMap::new(),
            secret_index: HashMap::new(),
            outputs: Vec::new(),
            access_policies: BTreeMap::new(),
            last_child: BTreeMap::new(),
            children: HashMap::new(),
            dep_index: HashMap::new(),
            created: BTreeMap::new(),
            created_of: Vec::new(),
            groups: Vec::new(),
            resource_groups: HashMap::new(),
            connection_targets: BTreeMap::new(),
        }
    }

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
        let mut base = snake_case(words);
        if base.is_empty() || base.starts_with(|c: char| c.is_ascii_digit()) {
            base = format!("r_{base}");
        }
        if self.symbols.insert(base.clone()) {
            return base;
        }
        // Symbols are never taken back, so every suffix below the one this base stopped at last
        // time is still taken: start there instead of at `_2` (thousands of role assignments
        // share a base, and probing from `_2` each time made the symbols quadratic).
        let mut n = self.next_suffix.get(&base).copied().unwrap_or(2);
        let sym = loop {
            let sym = format!("{base}_{n}");
            n += 1;
            if !self.symbols.contains(&sym) {
                break sym;
            }
        };
        self.symbols.insert(sym.clone());
        self.next_suffix.insert(base, n);
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
            tags: None,
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
            key_vault: None,
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
        // A resource the spec creates is that entity.
        if let Some(&id) = self.created.get(&spec::resource_key(
            resource_type,
            scope.subscription.as_deref(),
            scope.resource_group.as_deref(),
            name,
        )) {
            return id;
        }
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
        let deps = &mut self.entities[from].deps;
        let new = match self.dep_index.get_mut(&from) {
            Some(index) => index.insert(on),
            None if deps.len() < INDEX_FROM => !deps.iter().any(|d| d.on == on),
            None => {
                let mut index: HashSet<EntityId> = deps.iter().map(|d| d.on).collect();
                let new = index.insert(on);
                self.dep_index.insert(from, index);
                new
            }
        };
        if new {
            deps.push(Dep { on, reason });
        }
    }

    /// Records `parent` as the parent of `child`.
    fn set_parent(&mut self, child: EntityId, parent: EntityId) {
        if let Some(old) = self.entities[child].parent.replace(parent) {
            if old == parent {
                return;
            }
            if let Some(list) = self.children.get_mut(&old) {
                list.retain(|&c| c != child);
            }
        }
        self.children.entry(parent).or_default().push(child);
    }

    /// Makes `child` the next link of its parent's chain. Azure runs one child operation at a time
    /// under an account or project and answers 409 Conflict to a second one (a Cosmos DB account:
    /// 412 Precondition Failed), so every child waits for its parent (when created here) and for
    /// the child created under it before, in the order the builder adds them: account — model
    /// deployments, projects, the Key Vault connection, account-level connections; project — its
    /// connections; Cosmos DB account — its databases, its data-plane role assignments. An existing
    /// parent gets no dependency (nothing deploys it), but its chain is kept all the same.
    fn child(&mut self, child: EntityId, parent: EntityId) {
        self.set_parent(child, parent);
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
            if let Some(index) = self.dep_index.get_mut(&child) {
                index.insert(parent);
            }
        }
        if let Some(prev) = self.last_child.insert(parent, child) {
            let reason = if catalog::is_exclusive_parent(&self.entities[parent].resource_type) {
                Reason::ExclusiveParent
            } else {
                Reason::Sibling
            };
            self.dep(child, prev, reason);
        }
    }

    /// A new group of what the spec writes into an existing foundry in another resource group.
    fn foundry_group(&mut self, fi: usize, home: Scope, account: &str) -> usize {
        let symbol = self.symbol(&format!("{account}-module"));
        self.groups.push(Group {
            scope: home,
            foundry: Some(fi),
            stem: format!("foundry-{}", account.to_ascii_lowercase()),
            symbol,
            label: format!(
                "everything this spec writes into existing Foundry account `{account}`, in its own resource group"
            ),
        });
        self.groups.len() - 1
    }

    /// The group of the resources `resources:` creates in another resource group: one per
    /// group (and subscription); with `own`, a group of its own for that one created entity.
    fn resources_group(&mut self, scope: &Scope, own: Option<EntityId>) -> usize {
        let rg = scope
            .resource_group
            .as_deref()
            .unwrap_or("deployment-group");
        let mut stem = format!("resources-{}", rg.to_ascii_lowercase());
        if let Some(sub) = &scope.subscription {
            stem.push('-');
            stem.extend(sub.chars().take(8));
        }
        if let Some(id) = own {
            stem.push('-');
            stem.push_str(&heck::ToKebabCase::to_kebab_case(
                self.entities[id].symbol.as_str(),
            ));
        }
        let key = (scope_key(scope), stem.clone());
        if let Some(&g) = self.resource_groups.get(&key) {
            return g;
        }
        let symbol = self.symbol(&format!("{stem}-module"));
        let what = match own {
            Some(id) => self.entities[id].label.clone(),
            None => "the resources this spec creates".to_string(),
        };
        self.groups.push(Group {
            scope: scope.clone(),
            foundry: None,
            label: format!(
                "{what} in resource group `{rg}`{}",
                scope
                    .subscription
                    .as_deref()
                    .map(|s| format!(" of subscription `{s}`"))
                    .unwrap_or_default()
            ),
            stem,
            symbol,
        });
        self.resource_groups.insert(key, self.groups.len() - 1);
        self.groups.len() - 1
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
        let new = match self.secret_index.get_mut(name) {
            Some(index) => index.insert(used_by.clone()),
            None if p.used_by.len() < INDEX_FROM => !p.used_by.contains(&used_by),
            None => {
                let mut index: HashSet<String> = p.used_by.iter().cloned().collect();
                let new = index.insert(used_by.clone());
                self.secret_index.insert(name.to_string(), index);
                new
            }
        };
        if new {
            p.used_by.push(used_by);
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
        self.dep(id, on, Reason::GrantedOn);
        id
    }

    /// A Foundry account (and, under an account that exists, the connection itself) waits for a
    /// created resource it connects to, so that the teardown deletes the account first: the
    /// seed document warns that deleting the vault breaks the Foundry resource.
    fn connects_to(&mut self, account: EntityId, connection: EntityId, target: EntityId) {
        let root = self.root_of(target);
        if self.entities[root].existing {
            return;
        }
        // The resource with its children (a storage account's containers, a Cosmos account's
        // databases): a connection is of use once what it points into exists, and a Bicep module
        // that holds them is waited for as a whole, so every format states the same edges. Not
        // the data-plane roles granted on it (children too): they wait for a Foundry identity,
        // and an account waiting for its own identity's role would wait for itself.
        let mut tree = vec![root];
        let mut next = 0;
        while let Some(&id) = tree.get(next) {
            tree.extend(self.children.get(&id).into_iter().flatten());
            next += 1;
        }
        // In the order they were made, as the plan breaks ties by it.
        tree.sort_unstable();
        tree.retain(|&id| self.entities[id].kind != Kind::DataPlaneRoleAssignment);
        for on in tree {
            self.dep(account, on, Reason::ConnectsTo);
            // The connection reads it too (its id, its endpoint): Bicep derives that edge from
            // the reference, so ARM and Terraform state it.
            self.dep(connection, on, Reason::ConnectsTo);
        }
    }

    /// The top of the parent chain an entity is in (itself when it has no parent).
    fn root_of(&self, id: EntityId) -> EntityId {
        let mut root = id;
        while let Some(p) = self.entities[root].parent {
            root = p;
        }
        root
    }
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

    /// `access: existing`: no role assignment or access policy; the wait and every other
    /// connection wait for the Key Vault connection instead.
    #[test]
    fn existing_vault_access_creates_nothing_and_gates_on_the_connection() {
        for wait in ["", ", wait_for_role: 60s"] {
            let m = model(&format!(
                "version: 1\nname: t\nlocation: eastus2\nfoundries:\n  - name: f1\n    existing: true\n    key_vault: {{ name: kv1, access: existing{wait} }}\n    connections:\n      - {{ name: web, category: ApiKey, target: {{ url: 'https://a.example' }}, auth: {{ type: ApiKey, key: {{ secret: webKey }} }} }}\n"
            ));
            let of = |k: Kind| {
                (0..m.entities.len())
                    .filter(|&i| m.entities[i].kind == k)
                    .collect::<Vec<_>>()
            };
            assert!(of(Kind::RoleAssignment).is_empty() && of(Kind::AccessPolicy).is_empty());
            let kv = of(Kind::KeyVaultConnection)[0];
            let web = of(Kind::Connection)[0];
            let on: Vec<EntityId> = m.entity(web).deps.iter().map(|d| d.on).collect();
            match of(Kind::Wait).as_slice() {
                [] => assert_eq!(on, [kv], "{wait}"),
                [w] => {
                    assert!(on.contains(&kv) && on.contains(w), "{wait}: {on:?}");
                    assert!(m.entity(*w).deps.iter().any(|d| d.on == kv), "{wait}");
                }
                more => panic!("{more:?}"),
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn snake_case_is_hecks(s in "[a-zA-Z0-9_ ./:-]{0,24}|[A-Z][a-z]+[A-Z]{2,4}[a-z0-9]+") {
            proptest::prop_assert_eq!(snake_case(&s), s.to_snake_case());
        }
    }

    #[test]
    fn snake_case_agrees_with_heck_on_names_people_write() {
        for s in [
            "",
            "-",
            "a",
            "A",
            "aB",
            "AB",
            "ABc",
            "HTTPServer",
            "web-0000-connection",
            "bench-foundry-000-beta-search-0001-connection-role-1",
            "srch-000-0001-searchServices",
            "XMLHttpRequest",
            "a__b",
            "_a_",
            "9lives",
            "abc123Def",
            "ABC123def",
            "x-api-key",
            "Straße",
            "ΣΑΣ-x",
        ] {
            assert_eq!(snake_case(s), s.to_snake_case(), "{s:?}");
        }
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

    /// An account that connects to many created resources (past the count its dependencies are
    /// indexed from), some more than once, waits for each once, in the order first named, and
    /// for a storage account's children too; each connection waits for its own target's tree.
    #[test]
    fn an_account_waits_once_for_each_created_resource_it_connects_to() {
        let mut text = String::from(
            "version: 1\nname: t\nlocation: eastus2\nresources:\n  - { type: Microsoft.Storage/storageAccounts, name: store1, containers: [docs, logs] }\n",
        );
        let n = 2 * INDEX_FROM;
        for i in 0..n {
            text.push_str(&format!(
                "  - {{ type: Microsoft.Search/searchServices, name: srch-{i:02} }}\n"
            ));
        }
        text.push_str("foundries:\n  - name: f1\n    connections:\n      - { name: docs, category: AzureStorageAccount, target: { resource: { type: Microsoft.Storage/storageAccounts, name: store1 } }, auth: { type: AAD } }\n");
        for round in 0..2 {
            for i in (0..n).rev() {
                text.push_str(&format!(
                    "      - {{ name: s{round}-{i:02}, category: CognitiveSearch, target: {{ resource: {{ type: Microsoft.Search/searchServices, name: srch-{i:02} }} }}, auth: {{ type: AAD }} }}\n"
                ));
            }
        }
        let m = model(&text);
        let id = |name: &str| {
            m.entities
                .iter()
                .position(|e| e.name_text() == name)
                .unwrap()
        };
        let account = m
            .entities
            .iter()
            .position(|e| e.kind == Kind::Account)
            .unwrap();
        let store_tree: Vec<EntityId> = (0..m.entities.len())
            .filter(|&i| {
                let mut r = i;
                while let Some(p) = m.entities[r].parent {
                    r = p;
                }
                r == id("store1")
            })
            .collect();
        assert_eq!(
            store_tree.len(),
            4,
            "the account, its blob service and two containers"
        );
        let mut expected = store_tree.clone();
        expected.extend((0..n).rev().map(|i| id(&format!("srch-{i:02}"))));
        let connects_to: Vec<EntityId> = m.entities[account]
            .deps
            .iter()
            .filter(|d| d.reason == Reason::ConnectsTo)
            .map(|d| d.on)
            .collect();
        assert_eq!(connects_to, expected);
        let docs = m
            .entities
            .iter()
            .position(|e| e.name_text() == "docs" && e.kind == Kind::Connection)
            .unwrap();
        let on: Vec<EntityId> = m.entities[docs]
            .deps
            .iter()
            .filter(|d| d.reason == Reason::ConnectsTo)
            .map(|d| d.on)
            .collect();
        assert_eq!(on, store_tree);
    }

    /// A secret more connections use than the builder indexes from lists each user once, in the
    /// order first met (two foundries' connections of one name are one user).
    #[test]
    fn a_secret_lists_each_user_once() {
        let n = 2 * INDEX_FROM;
        let mut text = String::from("version: 1\nname: t\nlocation: eastus2\nfoundries:\n");
        for f in ["f1", "f2"] {
            text.push_str(&format!("  - name: {f}\n    connections:\n"));
            for i in 0..n {
                text.push_str(&format!(
                    "      - {{ name: web-{i:02}, category: ApiKey, target: {{ url: 'https://a{i}.example.com/' }}, auth: {{ type: ApiKey, key: {{ secret: shared }} }} }}\n"
                ));
            }
        }
        let m = model(&text);
        let expected: Vec<String> = (0..n)
            .map(|i| format!("connection `web-{i:02}` `key`"))
            .collect();
        assert_eq!(m.secrets["shared"].used_by, expected);
    }

    /// The group indexes `Model::build` makes say what a pass over the entities and the plan says.
    #[test]
    fn group_indexes_agree_with_the_entities() {
        let (mut groups, mut foundry_groups) = (0, 0);
        for text in [
            include_str!("../../specs/cross-resource-group.yaml"),
            include_str!("../../specs/existing-foundry.yaml"),
            include_str!("../../tests/cases/created-in-other-groups/spec.yaml"),
            include_str!("../../tests/cases/existing-foundry-other-subscription/spec.yaml"),
        ] {
            let m = model(text);
            groups += m.groups.len();
            for g in 0..m.groups.len() {
                let members: Vec<EntityId> = (0..m.entities.len())
                    .filter(|&i| m.entities[i].group == Some(g))
                    .collect();
                assert_eq!(m.group_members(g), members);
                let plan: Vec<EntityId> = m
                    .plan
                    .iter()
                    .copied()
                    .filter(|&i| m.entities[i].group == Some(g))
                    .collect();
                assert_eq!(m.plan_of(Some(g)), plan);
            }
            assert_eq!(m.plan_of(None), m.plan);
            for o in &m.outputs {
                let first = m.groups.iter().position(|g| g.foundry == Some(o.foundry));
                let expected = first.filter(|&g| m.entities.iter().any(|e| e.group == Some(g)));
                assert_eq!(m.output_group(o.foundry), expected);
                foundry_groups += usize::from(expected.is_some());
            }
        }
        assert!(
            groups > 0 && foundry_groups > 0,
            "{groups} {foundry_groups}"
        );
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
        // Ids, role definition ids and ids joined with literals (a data-plane role definition)
        // are known at deployment start; principal ids are not.
        fn constant(a: &Expr) -> bool {
            match a {
                Expr::Id(_) | Expr::RoleDefinition(_) | Expr::Literal(_) => true,
                Expr::Concat(parts) => parts.iter().all(constant),
                _ => false,
            }
        }
        let mut seen = 0;
        for text in [
            include_str!("../../specs/two-foundries.yaml"),
            include_str!("../../specs/cross-resource-group.yaml"),
        ] {
            let m = model(text);
            for e in m
                .entities
                .iter()
                .filter(|e| matches!(e.kind, Kind::RoleAssignment | Kind::DataPlaneRoleAssignment))
            {
                let Value::Expr(Expr::Guid(args)) = &e.name else {
                    panic!("{} is not named by guid()", e.key);
                };
                assert!(args.iter().all(constant), "{}: {args:?}", e.key);
                seen += usize::from(e.kind == Kind::DataPlaneRoleAssignment);
            }
        }
        assert!(seen > 0, "no data-plane role was checked");
    }
}
