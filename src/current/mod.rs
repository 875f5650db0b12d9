//! `plan --current`: the steps that take what is deployed (the `az` JSON `import` reads, through
//! [`crate::import::items`]) to what the spec describes, with the Key Vault rules of the seed
//! document applied. Hands [`Change`] to `plan`'s text and JSON output and to [`script`].

pub mod script;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value as J};

use crate::catalog;
use crate::import::{AccountId, Item};
use crate::model::{EntityId, Expr, Kind, Model, Reason, Value};
use crate::plan::{Action, Step, StepReason};
use crate::spec;

/// A connection the files say is deployed.
#[derive(Debug, Clone)]
pub struct Deployed {
    /// Its account.
    pub account: AccountId,
    /// Its project, for a project connection.
    pub project: Option<String>,
    /// Its name.
    pub name: String,
    /// Its `properties` as Azure returned them.
    pub properties: Map<String, J>,
}

impl Deployed {
    /// Its ARM id.
    pub fn id(&self) -> String {
        let mut s = format!(
            "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.CognitiveServices/accounts/{}",
            self.account.subscription, self.account.resource_group, self.account.name
        );
        if let Some(p) = &self.project {
            s.push_str(&format!("/projects/{p}"));
        }
        s.push_str(&format!("/connections/{}", self.name));
        s
    }

    /// Its ARM type.
    pub fn resource_type(&self) -> &'static str {
        if self.project.is_some() {
            "Microsoft.CognitiveServices/accounts/projects/connections"
        } else {
            "Microsoft.CognitiveServices/accounts/connections"
        }
    }

    fn text(&self, key: &str) -> &str {
        self.properties
            .get(key)
            .and_then(J::as_str)
            .unwrap_or_default()
    }

    fn category(&self) -> &str {
        let c = self.text("category");
        catalog::canonical_category(c).unwrap_or(c)
    }

    fn is_key_vault(&self) -> bool {
        self.project.is_none() && self.category() == "AzureKeyVault"
    }

    fn metadata(&self, key: &str) -> Option<String> {
        match self.properties.get("metadata")?.get(key)? {
            J::String(s) => Some(s.clone()),
            J::Null => None,
            other => Some(other.to_string()),
        }
    }

    /// The target as a comparison key: `metadata.ResourceId` where Azure has one, else `target`.
    fn target(&self) -> String {
        self.metadata("ResourceId")
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| self.text("target").to_string())
    }

    /// How `plan` names it.
    pub fn label(&self) -> String {
        if self.is_key_vault() {
            format!(
                "Key Vault connection `{}` of `{}`",
                self.name, self.account.name
            )
        } else {
            format!(
                "connection `{}`{} of `{}`",
                self.name,
                self.project
                    .as_ref()
                    .map(|p| format!(" (project `{p}`)"))
                    .unwrap_or_default(),
                self.account.name
            )
        }
    }

    /// Its parent: type and full name.
    fn parent(&self) -> (String, String) {
        match &self.project {
            Some(p) => (
                "Microsoft.CognitiveServices/accounts/projects".into(),
                format!("{}/{p}", self.account.name),
            ),
            None => (
                "Microsoft.CognitiveServices/accounts".into(),
                self.account.name.clone(),
            ),
        }
    }
}

/// What a step acts on.
#[derive(Debug, Clone)]
pub enum Subject {
    /// A resource of the spec's model.
    Entity(EntityId),
    /// A deployed connection the spec does not keep as it is (index into [`Change::deployed`]).
    Deployed(usize),
}

/// One step of the change, with what it acts on.
#[derive(Debug, Clone)]
pub struct ChangeStep {
    /// The step as `plan` prints it.
    pub step: Step,
    /// What it acts on.
    pub subject: Subject,
}

/// The plan from what is deployed to the spec.
#[derive(Debug, Clone)]
pub struct Change {
    /// The steps: deletes first, then creates and updates in the create plan's order.
    pub steps: Vec<ChangeStep>,
    /// Every deployed connection the files hold.
    pub deployed: Vec<Deployed>,
    /// Warnings: the Key Vault and capability-host sequences and the secrets they need again.
    pub warnings: Vec<String>,
    /// What was not compared.
    pub notes: Vec<String>,
    /// The deployed account (subscription, group) each foundry of the spec matched, by foundry.
    pub accounts: BTreeMap<usize, AccountId>,
}

/// What became of a connection of the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Fate {
    /// Not deployed: created.
    New,
    /// Deployed as the spec says it.
    Same,
    /// Deployed with other sharing or metadata: updated in place.
    Update(Vec<String>),
    /// Deployed with another category, auth type or target: deleted and created.
    Replace(Vec<String>),
}

/// What the Key Vault connection of one account does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Vault {
    /// Neither the spec nor the deployment has one.
    None,
    /// Both have the same one.
    Same,
    /// Added to an account without connections.
    AddEmpty,
    /// Added to an account with connections: every other one goes first.
    AddWithConnections,
    /// Another vault (or another connection name): every other connection, then the old one, go
    /// first.
    Switch,
    /// Removed: every other connection goes first.
    Remove,
}

/// The target of a spec connection, as the spec states it: a resource id (parts the spec leaves
/// to the deployment are `None`) or a URL.
enum SpecTarget {
    Resource(Vec<Option<String>>),
    Url(String),
}

fn same_id(spec: &[Option<String>], deployed: &str) -> bool {
    let parts: Vec<&str> = deployed.trim_start_matches('/').split('/').collect();
    parts.len() == spec.len()
        && spec
            .iter()
            .zip(&parts)
            .all(|(s, d)| s.as_ref().is_none_or(|s| s.eq_ignore_ascii_case(d)))
}

fn same_url(a: &str, b: &str) -> bool {
    a.trim_end_matches('/')
        .eq_ignore_ascii_case(b.trim_end_matches('/'))
}

/// The id of an entity as segments; the subscription and group are `None` where the spec leaves
/// them to the deployment.
fn id_parts(model: &Model, id: EntityId) -> Vec<Option<String>> {
    let mut chain = vec![id];
    while let Some(p) = model.entity(*chain.last().expect("non-empty")).parent {
        chain.push(p);
    }
    chain.reverse();
    let root = model.entity(chain[0]);
    let mut out = vec![
        Some("subscriptions".to_string()),
        root.scope.subscription.clone(),
        Some("resourceGroups".into()),
        root.scope.resource_group.clone(),
        Some("providers".into()),
    ];
    out.extend(root.resource_type.split('/').map(|s| Some(s.to_string())));
    out.push(Some(root.name_text().to_string()));
    for &c in &chain[1..] {
        let e = model.entity(c);
        out.push(e.resource_type.rsplit('/').next().map(str::to_string));
        out.push(Some(e.name_text().to_string()));
    }
    out
}

fn prop<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.get(key)
}

fn str_prop(v: &Value, key: &str) -> String {
    match prop(v, key) {
        Some(Value::Str(s)) => s.clone(),
        _ => String::new(),
    }
}

fn spec_target(model: &Model, id: EntityId) -> SpecTarget {
    let p = &model.entity(id).properties;
    let by_resource = prop(p, "metadata")
        .and_then(|m| prop(m, "ResourceId"))
        .or_else(|| prop(p, "target"));
    match by_resource {
        Some(Value::Expr(Expr::Id(t))) => SpecTarget::Resource(id_parts(model, *t)),
        _ => SpecTarget::Url(str_prop(p, "target")),
    }
}

/// The secret parameters (and keys read from targets) a connection's credentials use.
pub fn secrets_of(model: &Model, id: EntityId) -> Vec<String> {
    let Some(c) = &model.entity(id).credentials else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for e in c.exprs() {
        match e {
            Expr::Secret(s) => out.push(format!("`{s}`")),
            Expr::Action(..) | Expr::Prop(..) => out.push("its key, read from its target".into()),
            _ => {}
        }
    }
    out.dedup();
    out
}

/// The account the spec names for a foundry, matched against the deployed ones: name, and the
/// subscription and group where the spec states them (case-insensitive).
fn matches(model: &Model, account: EntityId, id: &AccountId) -> bool {
    let e = model.entity(account);
    e.name_text().eq_ignore_ascii_case(&id.name)
        && e.scope
            .subscription
            .as_ref()
            .is_none_or(|s| s.eq_ignore_ascii_case(&id.subscription))
        && e.scope
            .resource_group
            .as_ref()
            .is_none_or(|g| g.eq_ignore_ascii_case(&id.resource_group))
}

fn eq_opt(a: &Option<String>, b: &Option<String>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        _ => false,
    }
}

/// The project of a connection entity (its parent, when that is a project).
fn project_of(model: &Model, id: EntityId) -> Option<String> {
    let p = model.entity(id).parent?;
    (model.entity(p).kind == Kind::Project).then(|| model.entity(p).name_text().to_string())
}

/// The spec connection behind a model entity (`foundries[f].connections[c]`), if any.
fn spec_connection<'a>(spec: &'a spec::Spec, path: &str) -> Option<&'a spec::Connection> {
    let rest = path.strip_prefix("foundries[")?;
    let (fi, rest) = rest.split_once(']')?;
    let rest = rest.strip_prefix(".connections[")?;
    let (ci, rest) = rest.split_once(']')?;
    if !rest.is_empty() {
        return None;
    }
    spec.foundries
        .get(fi.parse::<usize>().ok()?)?
        .connections
        .get(ci.parse::<usize>().ok()?)
}

/// Compares a spec connection with the deployed one of the same level and name.
fn compare(model: &Model, spec: &spec::Spec, id: EntityId, d: &Deployed) -> Fate {
    let p = &model.entity(id).properties;
    let mut replace = Vec::new();
    let category = str_prop(p, "category");
    if !category.eq_ignore_ascii_case(d.category()) {
        replace.push(format!("category `{}` → `{category}`", d.category()));
    }
    let auth = str_prop(p, "authType");
    if !auth.eq_ignore_ascii_case(d.text("authType")) {
        replace.push(format!("auth type `{}` → `{auth}`", d.text("authType")));
    }
    let deployed_target = d.target();
    match spec_target(model, id) {
        SpecTarget::Resource(parts) => {
            if !same_id(&parts, &deployed_target) {
                let shown: Vec<String> = parts
                    .iter()
                    .map(|s| s.clone().unwrap_or_else(|| "<deployment's>".into()))
                    .collect();
                replace.push(format!(
                    "target `{deployed_target}` → `/{}`",
                    shown.join("/")
                ));
            }
        }
        SpecTarget::Url(url) => {
            if !same_url(&url, d.text("target")) {
                replace.push(format!("target `{}` → `{url}`", d.text("target")));
            }
        }
    }
    if !replace.is_empty() {
        return Fate::Replace(replace);
    }
    let mut update = Vec::new();
    if let (Some(Value::Bool(want)), Some(J::Bool(have))) =
        (prop(p, "isSharedToAll"), d.properties.get("isSharedToAll"))
        && want != have
    {
        update.push(format!("isSharedToAll {have} → {want}"));
    }
    if let Some(c) = spec_connection(spec, &model.entity(id).spec_path) {
        for (k, v) in &c.metadata {
            match d.metadata(k) {
                Some(have) if have == *v => {}
                Some(have) => update.push(format!("metadata `{k}` `{have}` → `{v}`")),
                None => update.push(format!("metadata `{k}` added")),
            }
        }
    }
    if update.is_empty() {
        Fate::Same
    } else {
        Fate::Update(update)
    }
}

/// Kinds that stand for access (roles, policies, waits): created only for what is new.
fn is_access(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::RoleAssignment | Kind::DataPlaneRoleAssignment | Kind::AccessPolicy | Kind::Wait
    )
}

/// The plan from the deployment the items describe to the spec's model.
pub fn plan(model: &Model, spec: &spec::Spec, items: &[Item]) -> Change {
    // What is deployed, by account key.
    let mut deployed: Vec<Deployed> = Vec::new();
    let mut accounts: Vec<AccountId> = Vec::new();
    let mut projects: BTreeSet<(String, String)> = BTreeSet::new();
    let mut model_deployments: BTreeSet<(String, String)> = BTreeSet::new();
    let note_account = |id: &AccountId, accounts: &mut Vec<AccountId>| {
        if !accounts.iter().any(|a| a.key() == id.key()) {
            accounts.push(id.clone());
        }
    };
    for item in items {
        match item {
            Item::Account { id, .. } => note_account(id, &mut accounts),
            Item::Project { account, name, .. } => {
                note_account(account, &mut accounts);
                projects.insert((account.key(), name.to_ascii_lowercase()));
            }
            Item::Deployment { account, name, .. } => {
                note_account(account, &mut accounts);
                model_deployments.insert((account.key(), name.to_ascii_lowercase()));
            }
            Item::Connection {
                account,
                project,
                name,
                properties,
            } => {
                note_account(account, &mut accounts);
                if let Some(p) = project {
                    projects.insert((account.key(), p.to_ascii_lowercase()));
                }
                let dup = deployed.iter().any(|d| {
                    d.account.key() == account.key()
                        && eq_opt(&d.project, project)
                        && d.name.eq_ignore_ascii_case(name)
                });
                if !dup {
                    deployed.push(Deployed {
                        account: account.clone(),
                        project: project.clone(),
                        name: name.clone(),
                        properties: properties.clone(),
                    });
                }
            }
        }
    }

    let mut warnings = Vec::new();
    let mut notes = Vec::new();
    // Each foundry's account, and the deployed one it is.
    let mut matched: BTreeMap<usize, AccountId> = BTreeMap::new();
    let mut used: BTreeSet<String> = BTreeSet::new();
    for e in model.entities.iter().enumerate() {
        let (id, e) = e;
        if e.kind != Kind::Account {
            continue;
        }
        let Some(fi) = e.foundry else { continue };
        let hits: Vec<&AccountId> = accounts.iter().filter(|a| matches(model, id, a)).collect();
        if let Some(first) = hits.first() {
            if hits.len() > 1 {
                notes.push(format!(
                    "the files hold {} accounts named `{}`; the spec states no subscription or resource group that tells them apart, so `{}/{}` is compared",
                    hits.len(),
                    first.name,
                    first.resource_group,
                    first.name
                ));
            }
            used.insert(first.key());
            matched.insert(fi, (*first).clone());
        }
    }
    let out_of_scope: Vec<String> = accounts
        .iter()
        .filter(|a| !used.contains(&a.key()))
        .map(|a| {
            let n = deployed
                .iter()
                .filter(|d| d.account.key() == a.key())
                .count();
            format!(
                "`{}` ({n} connection{})",
                a.name,
                if n == 1 { "" } else { "s" }
            )
        })
        .collect();
    if !out_of_scope.is_empty() {
        notes.push(format!(
            "out of scope: the spec does not name account{} {}; nothing is planned for {}",
            if out_of_scope.len() == 1 { "" } else { "s" },
            out_of_scope.join(", "),
            if out_of_scope.len() == 1 {
                "it"
            } else {
                "them"
            }
        ));
    }
    notes.push("credentials are not compared: Azure never returns them (`credentials: null`), so a changed secret is not a change here; `render` and a deployment send it again".into());
    let hosts: Vec<String> = model
        .entities
        .iter()
        .filter(|e| e.kind == Kind::CapabilityHost)
        .map(|e| format!("`{}`", e.name_text()))
        .collect();
    if !hosts.is_empty() {
        notes.push(format!(
            "capability hosts are not in these files: {} {} taken to exist under the spec's name{} where {} project or account does; a new one, or one of another name, is not planned (check with `az rest --method get --url <project id>/capabilityHosts?api-version=2026-07-01`)",
            hosts.join(", "),
            if hosts.len() == 1 { "is" } else { "are" },
            if hosts.len() == 1 { "" } else { "s" },
            if hosts.len() == 1 { "its" } else { "their" }
        ));
    }

    let account_of = |fi: usize| -> Option<EntityId> {
        model
            .entities
            .iter()
            .position(|e| e.kind == Kind::Account && e.foundry == Some(fi))
    };

    // `new`: what is created where nothing was; `recreated`: deleted above and created again.
    let mut new: BTreeSet<EntityId> = BTreeSet::new();
    let mut updates: BTreeMap<EntityId, Vec<String>> = BTreeMap::new();
    let mut recreated: BTreeMap<EntityId, String> = BTreeMap::new();
    let mut replaced: BTreeMap<EntityId, Vec<String>> = BTreeMap::new();
    // Deletes: capability hosts, then connections, then Key Vault connections.
    let mut host_deletes: Vec<(EntityId, String)> = Vec::new();
    let mut conn_deletes: Vec<(usize, String)> = Vec::new();
    let mut vault_deletes: Vec<(usize, String)> = Vec::new();
    let mut skipped_resources = 0usize;
    // Connection entities whose deployed one is deleted (replaced or re-created).
    let mut deleted_conns: BTreeSet<EntityId> = BTreeSet::new();

    // The connections of `ids` whose credentials Foundry keeps in the vault, each with its secret
    // parameters: what a deletion makes the user supply again.
    let keeping_secrets = |ids: Vec<EntityId>| -> Vec<String> {
        ids.into_iter()
            .filter(|&id| {
                catalog::stores_credentials_in_vault(&str_prop(
                    &model.entity(id).properties,
                    "authType",
                ))
            })
            .map(|id| {
                let s = secrets_of(model, id);
                format!(
                    "`{}`{}",
                    model.entity(id).name_text(),
                    if s.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", s.join(", "))
                    }
                )
            })
            .collect()
    };
    let foundries: BTreeSet<usize> = model.entities.iter().filter_map(|e| e.foundry).collect();
    for &fi in &foundries {
        let Some(account) = account_of(fi) else {
            continue;
        };
        let here = matched.get(&fi);
        let key = here.map(AccountId::key);
        let acct = model.entity(account);
        if !acct.existing && here.is_none() {
            new.insert(account);
        }
        let mine: Vec<usize> = (0..deployed.len())
            .filter(|&i| Some(deployed[i].account.key()) == key)
            .collect();
        // The spec's connections of this foundry.
        let spec_conns: Vec<EntityId> = model
            .plan
            .iter()
            .copied()
            .filter(|&id| {
                let e = model.entity(id);
                e.foundry == Some(fi) && e.kind == Kind::Connection
            })
            .collect();
        let kv_spec = model.plan.iter().copied().find(|&id| {
            let e = model.entity(id);
            e.foundry == Some(fi) && e.kind == Kind::KeyVaultConnection
        });
        let kv_dep = mine.iter().copied().find(|&i| deployed[i].is_key_vault());
        let others: Vec<usize> = mine
            .iter()
            .copied()
            .filter(|&i| Some(i) != kv_dep)
            .collect();

        // Projects and model deployments: created where the files show none.
        for &id in &model.plan {
            let e = model.entity(id);
            if e.foundry != Some(fi) {
                continue;
            }
            let k = key.clone().unwrap_or_default();
            let name = e.name_text().to_ascii_lowercase();
            match e.kind {
                Kind::Project
                    if !projects.contains(&(k.clone(), name.clone())) || here.is_none() =>
                {
                    new.insert(id);
                }
                Kind::ModelDeployment if !model_deployments.contains(&(k, name)) => {
                    new.insert(id);
                }
                _ => {}
            }
        }

        let vault = match (kv_spec, kv_dep) {
            (None, None) => Vault::None,
            (Some(_), None) if others.is_empty() => Vault::AddEmpty,
            (Some(_), None) => Vault::AddWithConnections,
            (None, Some(_)) => Vault::Remove,
            (Some(s), Some(d)) => {
                let same_vault = match spec_target(model, s) {
                    SpecTarget::Resource(parts) => same_id(&parts, &deployed[d].target()),
                    SpecTarget::Url(_) => false,
                };
                if same_vault
                    && model
                        .entity(s)
                        .name_text()
                        .eq_ignore_ascii_case(&deployed[d].name)
                {
                    Vault::Same
                } else {
                    Vault::Switch
                }
            }
        };
        let forced = matches!(
            vault,
            Vault::AddWithConnections | Vault::Switch | Vault::Remove
        );
        // The Key Vault rules depend on every connection the account has. A list the files do not
        // hold reads as no connections (an empty list does not say whose it is), so a sequence
        // planned on it could stop halfway: say where the files show none.
        if vault != Vault::None && vault != Vault::Same {
            let fname = acct.name_text();
            match here {
                None if acct.existing => warnings.push(format!(
                    "no file describes account `{fname}`: it is taken as having no connections, and Azure refuses the Key Vault step if it has any; add the output of `az cognitiveservices account connection list` (and of each project's) for it"
                )),
                Some(_) => {
                    let k = key.clone().unwrap_or_default();
                    let mut empty: Vec<String> = projects
                        .iter()
                        .filter(|(a, _)| *a == k)
                        .map(|(_, p)| p.clone())
                        .filter(|p| {
                            !mine.iter().any(|&i| {
                                deployed[i]
                                    .project
                                    .as_deref()
                                    .is_some_and(|q| q.eq_ignore_ascii_case(p))
                            })
                        })
                        .collect();
                    for &id in &model.plan {
                        let e = model.entity(id);
                        let n = e.name_text().to_ascii_lowercase();
                        if e.foundry == Some(fi)
                            && e.kind == Kind::Project
                            && e.existing
                            && !empty.contains(&n)
                            && !mine.iter().any(|&i| {
                                deployed[i]
                                    .project
                                    .as_deref()
                                    .is_some_and(|q| q.eq_ignore_ascii_case(&n))
                            })
                        {
                            empty.push(n);
                        }
                    }
                    for p in empty {
                        warnings.push(format!(
                            "the files show no connection of project `{p}` of `{fname}`: it is taken as having none, and Azure refuses the Key Vault step if it has any; add `az cognitiveservices account project connection list --project-name {p}` output if so"
                        ));
                    }
                }
                None => {}
            }
        }
        let vault_name = |id: EntityId| match prop(&model.entity(id).properties, "target") {
            Some(Value::Expr(Expr::Id(v))) => model.entity(*v).name_text().to_string(),
            _ => String::new(),
        };
        let deployed_vault = |i: usize| {
            deployed[i]
                .target()
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_string()
        };
        let why_forced = match vault {
            Vault::AddWithConnections => {
                "Azure creates a Key Vault connection only on an account without other connections".to_string()
            }
            Vault::Switch => format!(
                "the Key Vault connection moves to vault `{}`, which Azure allows only once every other connection is gone",
                vault_name(kv_spec.expect("checked"))
            ),
            Vault::Remove => {
                "the Key Vault connection is deleted, which Azure allows only once every other connection is gone".to_string()
            }
            _ => String::new(),
        };

        let mut account_deletes: Vec<(usize, String)> = Vec::new();
        // Match spec connections with deployed ones.
        let mut kept: BTreeSet<usize> = BTreeSet::new();
        for &id in &spec_conns {
            let project = project_of(model, id);
            let name = model.entity(id).name_text();
            let d = others.iter().copied().find(|&i| {
                eq_opt(&deployed[i].project, &project)
                    && deployed[i].name.eq_ignore_ascii_case(name)
            });
            let fate = match d {
                None => Fate::New,
                Some(i) => {
                    kept.insert(i);
                    compare(model, spec, id, &deployed[i])
                }
            };
            match (&fate, d) {
                (Fate::New, _) => {
                    new.insert(id);
                }
                (Fate::Replace(diffs), Some(i)) => {
                    new.insert(id);
                    replaced.insert(id, diffs.clone());
                    deleted_conns.insert(id);
                    account_deletes.push((
                        i,
                        format!("replaced: {} (a change of category, auth type or target is a delete and a create)", diffs.join(", ")),
                    ));
                }
                (Fate::Same | Fate::Update(_), Some(i)) if forced => {
                    recreated.insert(id, "deleted above for the Key Vault change".into());
                    deleted_conns.insert(id);
                    account_deletes.push((i, format!("{why_forced}; created again below")));
                }
                (Fate::Update(diffs), Some(_)) => {
                    updates.insert(id, diffs.clone());
                }
                _ => {}
            }
        }
        // Deployed connections the spec does not have: deleted, since the spec names the account.
        for &i in &others {
            if kept.contains(&i) {
                continue;
            }
            account_deletes.push((i, "not in the spec".into()));
        }
        // Projects' connections before the account's (a stable sort keeps the files' order).
        account_deletes.sort_by_key(|(i, _)| deployed[*i].project.is_none());
        conn_deletes.append(&mut account_deletes);

        match vault {
            Vault::AddEmpty | Vault::AddWithConnections => {
                new.insert(kv_spec.expect("a vault to add"));
            }
            Vault::Switch => {
                new.insert(kv_spec.expect("a vault to switch to"));
                vault_deletes.push((
                    kv_dep.expect("a vault to switch from"),
                    format!(
                        "the old Key Vault connection (vault `{}`), after every other connection; its secrets are not migrated",
                        deployed_vault(kv_dep.expect("checked"))
                    ),
                ));
            }
            Vault::Remove => {
                vault_deletes.push((
                    kv_dep.expect("a vault to remove"),
                    "not in the spec; deleted after every other connection (Azure refuses it before)".into(),
                ));
            }
            Vault::None | Vault::Same => {}
        }

        // The warning of the Key Vault sequences.
        if forced {
            let again = keeping_secrets(
                spec_conns
                    .iter()
                    .copied()
                    .filter(|id| recreated.contains_key(id) || replaced.contains_key(id))
                    .collect(),
            );
            let head = match vault {
                Vault::AddWithConnections => format!(
                    "adding Key Vault connection `{}` to `{}`, which has {} other connection{}: every one is deleted first and created again after the Key Vault connection",
                    model.entity(kv_spec.expect("checked")).name_text(),
                    acct.name_text(),
                    others.len(),
                    if others.len() == 1 { "" } else { "s" }
                ),
                Vault::Switch => format!(
                    "switching `{}` from vault `{}` (connection `{}`) to vault `{}` (connection `{}`): every other connection is deleted, then the old Key Vault connection, and created again after the new one",
                    acct.name_text(),
                    deployed_vault(kv_dep.expect("checked")),
                    deployed[kv_dep.expect("checked")].name,
                    vault_name(kv_spec.expect("checked")),
                    model.entity(kv_spec.expect("checked")).name_text()
                ),
                _ => format!(
                    "removing Key Vault connection `{}` of `{}`: every other connection is deleted first, and the spec's are created again (their secrets then kept in the Microsoft-managed vault)",
                    deployed[kv_dep.expect("checked")].name,
                    acct.name_text()
                ),
            };
            let tail = if again.is_empty() {
                "no connection of the spec keeps a secret there, so none is needed again".into()
            } else {
                format!("supply the secrets of {} again", again.join(", "))
            };
            let from = match vault {
                Vault::Switch => "from the old vault",
                Vault::Remove => "out of the vault",
                _ => "from where Foundry kept them (its Microsoft-managed store) into the vault",
            };
            warnings.push(format!("{head}; secrets are not migrated {from}: {tail}"));
        } else {
            let again = keeping_secrets(
                replaced
                    .keys()
                    .copied()
                    .filter(|&id| model.entity(id).foundry == Some(fi))
                    .collect(),
            );
            if !again.is_empty() {
                warnings.push(format!(
                    "replacing connection{} {} of `{}` deletes {} stored secret{} (secrets are not migrated): supply {} again",
                    if again.len() == 1 { "" } else { "s" },
                    again.join(", "),
                    acct.name_text(),
                    if again.len() == 1 { "its" } else { "their" },
                    if again.len() == 1 { "" } else { "s" },
                    if again.len() == 1 { "it" } else { "them" }
                ));
            }
        }

        // Capability hosts: created with their project or account; deleted and created again when
        // a connection they name is deleted (they are not updatable in place).
        for &id in &model.plan {
            let e = model.entity(id);
            if e.foundry != Some(fi) || e.kind != Kind::CapabilityHost {
                continue;
            }
            let parent = e.parent.unwrap_or(account);
            if new.contains(&parent) || here.is_none() {
                new.insert(id);
                continue;
            }
            let named: Vec<EntityId> = e
                .deps
                .iter()
                .filter(|d| d.reason == Reason::NamedConnection)
                .map(|d| d.on)
                .collect();
            let gone: Vec<&str> = named
                .iter()
                .filter(|c| deleted_conns.contains(c) || new.contains(c))
                .map(|&c| model.entity(c).name_text())
                .collect();
            if !gone.is_empty() {
                let list: Vec<String> = gone.iter().map(|n| format!("`{n}`")).collect();
                host_deletes.push((
                    id,
                    format!(
                        "it names {}, which {} deleted or new: a capability host is not updatable in place, so it is deleted first and created again after {}",
                        list.join(", "),
                        if gone.len() == 1 { "is" } else { "are" },
                        if gone.len() == 1 { "it" } else { "them" }
                    ),
                ));
                recreated.insert(
                    id,
                    "deleted above: a capability host is not updatable in place".into(),
                );
                warnings.push(format!(
                    "{} names {} being deleted or added: it is deleted first (which takes minutes) and created again after; the Agent Service's threads, files and vectors stay in its storage, and no connection of it keeps a secret",
                    e.label,
                    list.join(", ")
                ));
            }
        }
    }

    // Access (roles, policies, waits) for what is new, to a fixpoint.
    let mut access: BTreeSet<EntityId> = BTreeSet::new();
    loop {
        let before = access.len();
        for &id in &model.plan {
            let e = model.entity(id);
            if !is_access(e.kind) || access.contains(&id) {
                continue;
            }
            let forward = e.deps.iter().any(|d| {
                !matches!(
                    d.reason,
                    Reason::Sibling | Reason::ExclusiveParent | Reason::SharedVaultPolicy
                ) && (new.contains(&d.on) || access.contains(&d.on))
            });
            let backward = model.plan.iter().any(|&o| {
                (new.contains(&o) || access.contains(&o))
                    && model.entity(o).deps.iter().any(|d| {
                        d.on == id
                            && matches!(
                                d.reason,
                                Reason::OwnRole | Reason::AgentRole | Reason::AgentRoleWait
                            )
                    })
            });
            if forward || backward {
                access.insert(id);
            }
        }
        if access.len() == before {
            break;
        }
    }

    // The steps: deletes, then creates and updates in plan order.
    let mut steps = Vec::new();
    for (id, why) in host_deletes.iter().rev() {
        let e = model.entity(*id);
        steps.push(ChangeStep {
            step: Step {
                action: Action::Delete,
                resource_type: e.resource_type.clone(),
                name: Some(e.name_text().to_string()),
                parent: crate::plan::parent_of(model, *id),
                label: e.label.clone(),
                reasons: vec![StepReason {
                    why: why.clone(),
                    on: Vec::new(),
                }],
            },
            subject: Subject::Entity(*id),
        });
    }
    // The deletes of one account's connections other than its Key Vault connection, by account.
    let others_deleted = |account: &str| -> Vec<String> {
        conn_deletes
            .iter()
            .filter(|(i, _)| deployed[*i].account.key() == account)
            .map(|(i, _)| deployed[*i].label())
            .collect()
    };
    for (i, why) in conn_deletes.iter().chain(&vault_deletes) {
        let d = &deployed[*i];
        steps.push(ChangeStep {
            step: Step {
                action: Action::Delete,
                resource_type: d.resource_type().into(),
                name: Some(d.name.clone()),
                parent: Some(d.parent()),
                label: d.label(),
                reasons: vec![StepReason {
                    why: why.clone(),
                    on: Vec::new(),
                }],
            },
            subject: Subject::Deployed(*i),
        });
    }
    let included: BTreeSet<EntityId> = model
        .plan
        .iter()
        .copied()
        .filter(|id| {
            new.contains(id)
                || access.contains(id)
                || updates.contains_key(id)
                || recreated.contains_key(id)
        })
        .collect();
    for &id in &model.plan {
        let e = model.entity(id);
        if matches!(e.kind, Kind::Vault | Kind::Target | Kind::Resource) {
            skipped_resources += 1;
            continue;
        }
        if !included.contains(&id) {
            continue;
        }
        let mut reasons: Vec<StepReason> = Vec::new();
        for d in &e.deps {
            if !included.contains(&d.on) {
                continue;
            }
            let why = d.reason.describe();
            let label = model.entity(d.on).label.clone();
            match reasons.last_mut() {
                Some(r) if r.why == why => r.on.push(label),
                _ => reasons.push(StepReason {
                    why: why.to_string(),
                    on: vec![label],
                }),
            }
        }
        let mut action = Action::Create;
        if let Some(diffs) = replaced.get(&id) {
            reasons.push(StepReason {
                why: format!(
                    "replaces the deployed one, deleted above ({})",
                    diffs.join(", ")
                ),
                on: Vec::new(),
            });
        } else if let Some(why) = recreated.get(&id) {
            reasons.push(StepReason {
                why: format!("created again: {why}"),
                on: Vec::new(),
            });
        } else if let Some(diffs) = updates.get(&id) {
            action = Action::Update;
            reasons.push(StepReason {
                why: format!("updated in place: {}", diffs.join(", ")),
                on: Vec::new(),
            });
        }
        // A Key Vault connection made where others were deleted for it comes after those deletes.
        if e.kind == Kind::KeyVaultConnection
            && let Some(a) = e.foundry.and_then(|fi| matched.get(&fi))
        {
            let mut on = others_deleted(&a.key());
            on.extend(
                vault_deletes
                    .iter()
                    .filter(|(i, _)| deployed[*i].account.key() == a.key())
                    .map(|(i, _)| deployed[*i].label()),
            );
            if !on.is_empty() {
                reasons.push(StepReason {
                    why: "their deletion above: Azure creates a Key Vault connection only on an account without other connections".into(),
                    on,
                });
            }
        }
        if e.kind == Kind::CapabilityHost {
            reasons.push(StepReason {
                why:
                    "not updatable in place: to change what it names, delete it and create it again"
                        .into(),
                on: Vec::new(),
            });
        }
        steps.push(ChangeStep {
            step: Step {
                action,
                resource_type: e.resource_type.clone(),
                name: crate::plan::literal_name(model, id),
                parent: crate::plan::parent_of(model, id),
                label: e.label.clone(),
                reasons,
            },
            subject: Subject::Entity(id),
        });
    }
    if skipped_resources > 0 {
        notes.push(format!(
            "`resources:` is not compared: the `az` files do not describe the {skipped_resources} resource{} the spec creates there, so none is planned (`plan` without --current lists them)",
            if skipped_resources == 1 { "" } else { "s" }
        ));
    }
    Change {
        steps,
        deployed,
        warnings,
        notes,
        accounts: matched,
    }
}

/// The change as text: one line per step, in the format of `plan`; "nothing to change" in one
/// line when the deployment matches.
pub fn describe(model: &Model, change: &Change) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let n = change.steps.len();
    if n == 0 {
        let _ = writeln!(
            out,
            "change plan for `{}` ({}): nothing to change",
            model.name, model.spec_name
        );
        return out;
    }
    let _ = writeln!(
        out,
        "change plan for `{}` ({}): {n} step{}",
        model.name,
        model.spec_name,
        if n == 1 { "" } else { "s" }
    );
    let width = n.to_string().len();
    for (i, s) in change.steps.iter().enumerate() {
        let s = &s.step;
        let _ = write!(
            out,
            "{:>width$}. {} {} [{}]",
            i + 1,
            s.action.word(),
            s.label,
            s.resource_type
        );
        let word = if s.action == Action::Delete {
            "before"
        } else {
            "after"
        };
        let linked: Vec<String> = s
            .reasons
            .iter()
            .filter(|r| !r.on.is_empty())
            .map(|r| format!("{} ({})", r.on.join(", "), r.why))
            .collect();
        if !linked.is_empty() {
            let _ = write!(out, "; {word} {}", linked.join(", "));
        }
        for r in s.reasons.iter().filter(|r| r.on.is_empty()) {
            let _ = write!(out, "; {}", r.why);
        }
        out.push('\n');
    }
    out
}
