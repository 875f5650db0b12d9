//! Model stage, Agent Service capability hosts: the account's (the last link of its chain), and
//! each project's (the last link of the project's chain) after the connections it names, the
//! roles the project's identity needs before it and their wait; then the two roles that can only
//! be granted once it has created the database and containers they open.

use std::collections::BTreeMap;

use super::foundry::FoundryCtx;
use super::key_vault::wait_name;
use super::{Builder, EntityId, Expr, Kind, Reason, Value};
use crate::catalog::{self, CAPABILITY_HOST_SLOTS, RoleLookup};
use crate::spec;
use crate::validate::foundry::parse_duration;

/// The type of an account's capability host.
pub const ACCOUNT_CAPABILITY_HOST: &str = "Microsoft.CognitiveServices/accounts/capabilityHosts";
/// The type of a project's capability host.
pub const PROJECT_CAPABILITY_HOST: &str =
    "Microsoft.CognitiveServices/accounts/projects/capabilityHosts";

fn role_guid(name: &str) -> String {
    match catalog::lookup_role(name) {
        RoleLookup::Found(r) | RoleLookup::Renamed { role: r, .. } => r.guid.to_string(),
        _ => unreachable!("`{name}` is a built-in role of the catalog"),
    }
}

impl Builder<'_> {
    /// The foundry's capability hosts, after its connections.
    pub(super) fn capability_hosts(
        &mut self,
        ctx: &FoundryCtx,
        f: &spec::Foundry,
        projects: &BTreeMap<String, (EntityId, EntityId)>,
    ) {
        let FoundryCtx {
            fi,
            ref fpath,
            account,
            ..
        } = *ctx;
        // The account's capability host only when the spec names it. Whether the platform now
        // creates one by itself for a new account is unverified here: foundry-samples PR #750
        // creates the explicit one only for existing accounts, and a second one fails or hangs
        // (foundry-samples #759, foundry-dev-tools #376), while samples 41 and 42 create it
        // explicitly. So foundrygen does not guess; without the block, a project's capability
        // host depends on the account alone.
        let account_host = f.capability_host.as_ref().map(|ch| {
            let id = self.new_entity(
                format!("{}/capabilityHosts/{}", f.name, ch.name),
                &format!("{}-account-caphost", f.name),
                Kind::CapabilityHost,
                ACCOUNT_CAPABILITY_HOST,
                Value::str(&ch.name),
                format!("{fpath}.capability_host"),
                format!("capability host `{}` of account `{}`", ch.name, f.name),
                Some(fi),
            );
            // 2026-07-01 publishes `capabilityHostKind` on the account's capability host only.
            self.entities[id].properties =
                Value::object([("capabilityHostKind", Value::str("Agents"))]);
            // The last link of the account's chain.
            self.child(id, account);
            id
        });

        // Connections by name (unique per account, FG014).
        let connections: BTreeMap<String, EntityId> = self
            .current_output()
            .connections
            .iter()
            .map(|(n, id)| (n.to_ascii_lowercase(), *id))
            .collect();
        for (pi, p) in f.projects.iter().enumerate() {
            let Some(ch) = &p.capability_host else {
                continue;
            };
            let (project, holder) = projects[&p.name];
            let chpath = format!("{fpath}.projects[{pi}].capability_host");
            let name = ch
                .name
                .clone()
                .unwrap_or_else(|| catalog::default_capability_host_name(&p.name));
            let words = format!("{}-{}-caphost", f.name, p.name);
            let grant = ch.grant_roles.unwrap_or(true);
            let written = |key: &str| match key {
                "thread_storage" => ch.thread_storage.as_deref(),
                "vector_store" => ch.vector_store.as_deref(),
                "file_storage" => ch.file_storage.as_deref(),
                _ => ch.ai_services.as_deref(),
            };

            let mut props = Vec::new();
            let mut named = Vec::new();
            let mut before = Vec::new();
            let mut targets: BTreeMap<&str, EntityId> = BTreeMap::new();
            for slot in CAPABILITY_HOST_SLOTS {
                let Some(cname) = written(slot.key) else {
                    continue;
                };
                let conn = connections[&cname.to_ascii_lowercase()];
                let conn_name = self.entities[conn].name.clone();
                props.push((slot.property.to_string(), Value::Array(vec![conn_name])));
                named.push(conn);
                let Some(&target) = self.connection_targets.get(&conn) else {
                    continue;
                };
                targets.insert(slot.key, target);
                if !(grant && slot.storage) {
                    continue;
                }
                for (ri, role) in slot.roles_before.iter().enumerate() {
                    // The connection's own `roles:` may grant it already: then that one it is.
                    let ra = self.role_assignment(
                        target,
                        holder,
                        role,
                        &role_guid(role),
                        format!("{words}-{}-role-{}", slot.key, ri + 1),
                        format!("{chpath}.grant_roles"),
                        fi,
                    );
                    before.push(ra);
                }
            }

            let wait = ch
                .wait_for_role
                .as_deref()
                .and_then(parse_duration)
                .filter(|_| grant && !before.is_empty())
                .map(|secs| {
                    let w = self.wait(
                        format!("{words}/wait"),
                        &format!("{words}-role-wait"),
                        wait_name(&words, "-role-wait"),
                        format!("{chpath}.wait_for_role"),
                        format!(
                            "wait {secs}s for the roles of project `{}` to take effect",
                            p.name
                        ),
                        secs,
                        holder,
                        fi,
                    );
                    for &ra in &before {
                        self.dep(w, ra, Reason::AgentRole);
                    }
                    self.dep(w, holder, Reason::Principal);
                    w
                });

            let host = self.new_entity(
                format!("{}/projects/{}/capabilityHosts/{name}", f.name, p.name),
                &words,
                Kind::CapabilityHost,
                PROJECT_CAPABILITY_HOST,
                Value::str(&name),
                chpath.clone(),
                format!("capability host `{name}` of project `{}`", p.name),
                Some(fi),
            );
            // Plain names: nothing in the body implies the connections, so every format states
            // the edges.
            self.entities[host].properties = Value::Object(props);
            for &c in &named {
                self.dep(host, c, Reason::NamedConnection);
            }
            for &ra in &before {
                self.dep(host, ra, Reason::AgentRole);
            }
            if let Some(w) = wait {
                self.dep(host, w, Reason::AgentRoleWait);
            }
            if let Some(a) = account_host {
                self.dep(host, a, Reason::AccountCapabilityHost);
            }
            // The last link of the project's chain.
            self.child(host, project);

            if !grant {
                continue;
            }
            // After it: the data-plane role on the database it creates in thread storage.
            if let Some(&cosmos) = targets.get("thread_storage")
                && let Some(plane) = catalog::target_type(&self.entities[cosmos].resource_type)
                    .and_then(|t| t.data_plane)
                && let Some((_, guid)) = plane
                    .roles
                    .iter()
                    .find(|(n, _)| *n == catalog::AGENT_THREAD_ROLE)
            {
                let ra = self.data_plane_role_assignment_at(
                    plane,
                    cosmos,
                    Some(&format!("/dbs/{}", catalog::AGENT_THREAD_DATABASE)),
                    holder,
                    catalog::AGENT_THREAD_ROLE,
                    guid,
                    format!("{words}-thread-data-role"),
                    format!("{chpath}.grant_roles"),
                    fi,
                );
                self.dep(ra, host, Reason::AfterCapabilityHost);
            }
            // And Storage Blob Data Owner, its blob-tag actions limited to the containers it
            // creates, unless the connection grants the role already (to the whole account).
            if let Some(&storage) = targets.get("file_storage") {
                let guid = role_guid(catalog::AGENT_BLOB_ROLE);
                let key = format!(
                    "roleAssignment:{}:{}:{}",
                    self.entities[storage].key, self.entities[holder].key, guid
                );
                if !self.by_key.contains_key(&key) {
                    let ra = self.role_assignment(
                        storage,
                        holder,
                        catalog::AGENT_BLOB_ROLE,
                        &guid,
                        format!("{words}-blob-owner-role"),
                        format!("{chpath}.grant_roles"),
                        fi,
                    );
                    let (head, tail) = catalog::agent_blob_condition();
                    let mut condition = vec![Expr::Literal(head)];
                    condition.extend(workspace_guid(project));
                    condition.push(Expr::Literal(tail));
                    if let Value::Object(pairs) = &mut self.entities[ra].properties {
                        pairs.push((
                            "conditionVersion".into(),
                            Value::str(catalog::AGENT_BLOB_CONDITION_VERSION),
                        ));
                        pairs.push(("condition".into(), Value::Expr(Expr::Concat(condition))));
                    }
                    self.dep(ra, host, Reason::AfterCapabilityHost);
                }
            }
        }
    }
}

/// The project's workspace id: its `internalId` (32 hex digits) as a GUID, the groups joined by
/// `-` (foundry-samples 41 `format-project-workspace-id.bicep`). A runtime value, so it never
/// goes into a name.
fn workspace_guid(project: EntityId) -> Vec<Expr> {
    let id = Expr::Prop(project, vec!["properties".into(), "internalId".into()]);
    let mut parts = Vec::new();
    for (i, (start, len)) in [(0, 8), (8, 4), (12, 4), (16, 4), (20, 12)]
        .into_iter()
        .enumerate()
    {
        if i > 0 {
            parts.push(Expr::Literal("-".into()));
        }
        parts.push(Expr::Substring(Box::new(id.clone()), start, len));
    }
    parts
}
