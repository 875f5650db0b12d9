//! Model stage, created resources (`resources:`): search services, storage accounts (with their
//! blob containers), Cosmos DB accounts (with their SQL databases), Key Vaults, Log Analytics
//! workspaces, Application Insights components and Cognitive Services accounts, built before the
//! foundries so that a connection's target or a `key_vault` that names one resolves to it (see
//! `Builder::existing`). Their settings are the secure ones Azure's guidance and foundry-samples'
//! `41-standard-agent-setup/modules-standard/standard-dependent-resources.bicep` use, decided
//! where it matters by what the spec's connections need.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::{Builder, EntityId, Expr, Kind, Reason, Scope, Value};
use crate::catalog;
use crate::spec::{self, Credential, resource_key};

/// What the spec's connections need of the resources they name, by [`resource_key`].
#[derive(Debug, Default)]
pub(super) struct Needs {
    /// Resources some connection authenticates to with one of their keys.
    keys: BTreeSet<String>,
    /// Resources some connection reaches with Entra ID (an `AAD` connection, or roles on them).
    entra: BTreeSet<String>,
}

impl Needs {
    /// What the connections of `spec` need.
    pub(super) fn of(spec: &spec::Spec) -> Needs {
        let mut needs = Needs::default();
        for f in &spec.foundries {
            for c in &f.connections {
                let Some(key) = target_key(&c.target) else {
                    continue;
                };
                let from_target = [
                    &c.auth.key,
                    &c.auth.client_secret,
                    &c.auth.password,
                    &c.auth.sas,
                ]
                .into_iter()
                .flatten()
                .any(|k| matches!(k, Credential::FromTarget { .. }));
                if from_target || catalog::authenticates_with_key(&c.auth.type_) {
                    needs.keys.insert(key.clone());
                }
                if c.auth.type_ == "AAD" || !c.roles.is_empty() {
                    needs.entra.insert(key);
                }
            }
        }
        needs
    }
}

/// The [`resource_key`] of a connection target that names an Azure resource.
fn target_key(t: &spec::Target) -> Option<String> {
    if let Some(r) = &t.resource {
        return Some(resource_key(
            &r.type_,
            r.subscription.as_deref(),
            r.resource_group.as_deref(),
            &r.name,
        ));
    }
    let p = crate::category::parse_target_id(t.resource_id.as_deref()?)?;
    Some(resource_key(
        &p.resource_type,
        Some(&p.subscription),
        Some(&p.resource_group),
        &p.name,
    ))
}

/// The Log Analytics workspaces of `resources:` by lowercased name, each name's first: the one an
/// App Insights component's `workspace` resolves to.
fn workspaces_by_name(spec: &spec::Spec) -> HashMap<String, usize> {
    let mut by_name = HashMap::new();
    for (i, o) in spec.resources.iter().enumerate() {
        if o.type_
            .eq_ignore_ascii_case("Microsoft.OperationalInsights/workspaces")
        {
            by_name.entry(o.name.to_ascii_lowercase()).or_insert(i);
        }
    }
    by_name
}

impl Builder<'_> {
    /// Every entry of `resources:`, in spec order.
    pub(super) fn resources(&mut self) {
        let needs = Needs::of(self.spec);
        let workspaces = workspaces_by_name(self.spec);
        for (ri, r) in self.spec.resources.iter().enumerate() {
            self.resource(ri, r, &needs, &workspaces);
        }
        // An App Insights component after its workspace; every created resource is known now.
        let mut members: BTreeMap<usize, Vec<EntityId>> = BTreeMap::new();
        for (id, e) in self.entities.iter().enumerate() {
            if let Some(g) = e.group {
                members.entry(g).or_default().push(id);
            }
        }
        for (ri, r) in self.spec.resources.iter().enumerate() {
            if let Some(w) = &r.workspace {
                let component = self.created_of[ri];
                let workspace = self.workspace(r, w, &workspaces);
                if let Some(ws) = workspace {
                    // A workspace in another group is deployed by that group's module, which
                    // Bicep and ARM wait for as a whole: so does the component, in every format
                    // and in the plan.
                    let theirs = self.entities[ws].group;
                    let on: Vec<EntityId> = match theirs {
                        Some(g) if theirs != self.entities[component].group => {
                            members.get(&g).cloned().unwrap_or_default()
                        }
                        _ => vec![ws],
                    };
                    for o in on {
                        self.dep(component, o, Reason::Needs);
                    }
                }
            }
        }
    }

    /// Whether the App Insights component `r` names a workspace of `resources:` that lives in
    /// another resource group than `r`.
    fn workspace_elsewhere(&self, r: &spec::Resource, workspaces: &HashMap<String, usize>) -> bool {
        let Some(w) = &r.workspace else {
            return false;
        };
        let scope = |r: &spec::Resource| {
            super::scope_key(&Scope {
                subscription: r.subscription.clone(),
                resource_group: r.resource_group.clone(),
            })
        };
        // The one `workspace` resolves to (see `workspace`).
        workspaces
            .get(&w.to_ascii_lowercase())
            .is_some_and(|&o| scope(&self.spec.resources[o]) != scope(r))
    }

    fn resource(
        &mut self,
        ri: usize,
        r: &spec::Resource,
        needs: &Needs,
        workspaces: &HashMap<String, usize>,
    ) {
        let Some(known) = catalog::created_type(&r.type_) else {
            unreachable!("validated: `{}` is a type foundrygen creates", r.type_);
        };
        let ty = known.resource_type;
        let path = format!("resources[{ri}]");
        let scope = Scope {
            subscription: r.subscription.clone(),
            resource_group: r.resource_group.clone(),
        };
        let key = resource_key(
            ty,
            r.subscription.as_deref(),
            r.resource_group.as_deref(),
            &r.name,
        );
        let last = ty.rsplit('/').next().unwrap_or("resource");
        let kind = match ty {
            "Microsoft.KeyVault/vaults" => Kind::Vault,
            "Microsoft.OperationalInsights/workspaces" => Kind::Resource,
            _ => Kind::Target,
        };
        let id = self.new_entity(
            format!("created:{key}"),
            &format!("{}-{last}", r.name),
            kind,
            ty,
            Value::str(&r.name),
            path.clone(),
            format!("{} `{}`", known.what, r.name),
            None,
        );
        self.created.insert(key.clone(), id);
        self.created_of.push(id);
        // A component whose workspace is in another resource group gets a module of its own:
        // in its group's module, two groups' components could make the modules wait for each
        // other, a cycle Bicep and ARM refuse.
        let own = self.workspace_elsewhere(r, workspaces).then_some(id);
        let group = (!scope.is_deployment()).then(|| self.resources_group(&scope, own));
        let location = match &r.location {
            Some(l) if *l != self.spec.location => Value::str(l),
            _ => Value::Expr(Expr::LocationParam),
        };
        let mut tags = self.spec.tags.clone();
        tags.extend(r.tags.clone());
        // Keys off, unless a connection of the spec authenticates with one of them.
        let local_auth_off = r.disable_local_auth.unwrap_or(!needs.keys.contains(&key));
        let sku = r
            .sku
            .clone()
            .or_else(|| known.skus.first().map(|s| s.to_string()))
            .map(|name| Value::object([("name", Value::Str(name))]));
        let e = &mut self.entities[id];
        e.scope = scope.clone();
        e.group = group;
        e.location = Some(location.clone());
        e.tags = Some(tags);
        let props = match ty {
            "Microsoft.Search/searchServices" => {
                e.sku = sku;
                let mut p = vec![
                    (
                        "replicaCount",
                        Value::Int(i64::from(r.replicas.unwrap_or(1))),
                    ),
                    (
                        "partitionCount",
                        Value::Int(i64::from(r.partitions.unwrap_or(1))),
                    ),
                    ("hostingMode", Value::str("Default")),
                    ("disableLocalAuth", Value::Bool(local_auth_off)),
                ];
                // With keys on, Search accepts Entra ID tokens only when told to (foundry-samples
                // 41 and Terraform 15a write the same); with keys off it takes no authOptions.
                if !local_auth_off && needs.entra.contains(&key) {
                    p.push((
                        "authOptions",
                        Value::object([(
                            "aadOrApiKey",
                            Value::object([(
                                "aadAuthFailureMode",
                                Value::str("http401WithBearerChallenge"),
                            )]),
                        )]),
                    ));
                }
                p
            }
            "Microsoft.Storage/storageAccounts" => {
                e.sku = sku;
                e.resource_kind = Some("StorageV2".into());
                vec![
                    ("minimumTlsVersion", Value::str("TLS1_2")),
                    ("allowBlobPublicAccess", Value::Bool(false)),
                    ("supportsHttpsTrafficOnly", Value::Bool(true)),
                    ("allowSharedKeyAccess", Value::Bool(!local_auth_off)),
                ]
            }
            "Microsoft.DocumentDB/databaseAccounts" => {
                e.resource_kind = Some("GlobalDocumentDB".into());
                vec![
                    ("databaseAccountOfferType", Value::str("Standard")),
                    (
                        "consistencyPolicy",
                        Value::object([("defaultConsistencyLevel", Value::str("Session"))]),
                    ),
                    (
                        "locations",
                        Value::Array(vec![Value::object([
                            ("locationName", location.clone()),
                            ("failoverPriority", Value::Int(0)),
                            ("isZoneRedundant", Value::Bool(false)),
                        ])]),
                    ),
                    ("disableLocalAuth", Value::Bool(local_auth_off)),
                    // Databases and containers are changed through Azure Resource Manager (the
                    // Agent Service does so with its role), never with an account key.
                    ("disableKeyBasedMetadataWriteAccess", Value::Bool(true)),
                ]
            }
            "Microsoft.KeyVault/vaults" => {
                let mut p = vec![
                    ("tenantId", Value::Expr(Expr::TenantId)),
                    (
                        "sku",
                        Value::object([
                            ("family", Value::str("A")),
                            ("name", Value::str("standard")),
                        ]),
                    ),
                    // Azure's default for new vaults since 2026-02-01; access policies in a
                    // template would be rewritten on every redeploy.
                    ("enableRbacAuthorization", Value::Bool(true)),
                    ("enableSoftDelete", Value::Bool(true)),
                    (
                        "softDeleteRetentionInDays",
                        Value::Int(i64::from(r.soft_delete_days.unwrap_or(90))),
                    ),
                ];
                // Azure accepts only `true` here, and never turns it off again.
                if r.purge_protection != Some(false) {
                    p.push(("enablePurgeProtection", Value::Bool(true)));
                }
                p
            }
            "Microsoft.OperationalInsights/workspaces" => vec![
                ("sku", Value::object([("name", Value::str("PerGB2018"))])),
                (
                    "retentionInDays",
                    Value::Int(i64::from(r.retention_days.unwrap_or(30))),
                ),
            ],
            "Microsoft.Insights/components" => {
                // Workspace-based: classic components are retired. The workspace is set once
                // every resource is known (see `resources`).
                e.resource_kind = Some("web".into());
                vec![
                    ("Application_Type", Value::str("web")),
                    ("IngestionMode", Value::str("LogAnalytics")),
                ]
            }
            "Microsoft.CognitiveServices/accounts" => {
                e.sku = sku;
                e.resource_kind = r.kind.clone();
                // A system-assigned identity, as AVM's cognitive-services module gives one: what
                // the account reaches (a vault for customer-managed keys, storage) is granted to it.
                e.identity = Some(super::Identity::SystemAssigned);
                vec![
                    // Entra ID auth needs the custom subdomain.
                    ("customSubDomainName", Value::str(&r.name)),
                    ("disableLocalAuth", Value::Bool(local_auth_off)),
                ]
            }
            other => unreachable!("no settings for created type `{other}`"),
        };
        e.properties = Value::object(props);
        // A finding is the user's to see, unless the spec chose that very thing in so many words
        // (as for a foundry's keys): then the suppression names the key that chose it.
        let keys_on =
            format!("key-based auth is on because the spec sets {path}.disable_local_auth: false");
        let accepted: Vec<(&str, String)> = match ty {
            "Microsoft.KeyVault/vaults" if r.purge_protection == Some(false) => {
                let why = format!(
                    "purge protection is off because the spec sets {path}.purge_protection: false"
                );
                vec![("CKV_AZURE_110", why.clone()), ("CKV_AZURE_42", why)]
            }
            "Microsoft.DocumentDB/databaseAccounts" if r.disable_local_auth == Some(false) => {
                vec![("CKV_AZURE_140", keys_on)]
            }
            "Microsoft.CognitiveServices/accounts" if r.disable_local_auth == Some(false) => {
                vec![("CKV_AZURE_236", keys_on)]
            }
            _ => Vec::new(),
        };
        e.accepted_findings = accepted
            .into_iter()
            .map(|(id, why)| (id.to_string(), why))
            .collect();
        self.children(id, r, &scope, &path);
        // A Cognitive Services account's model deployments, in its one chain of children.
        self.model_deployments(id, &r.deployments, &format!("{path}.deployments"));
    }

    /// Blob containers (under the account's one `default` blob service) and SQL databases, each
    /// in its parent's chain.
    fn children(&mut self, id: EntityId, r: &spec::Resource, scope: &Scope, path: &str) {
        let parent_key = self.entities[id].key.clone();
        if !r.containers.is_empty() {
            let blob = self.created_child(
                id,
                "Microsoft.Storage/storageAccounts/blobServices",
                "default",
                format!("{parent_key}/blobServices/default"),
                &format!("{}-blob-service", r.name),
                format!("blob service of storage account `{}`", r.name),
                path.to_string(),
                scope,
            );
            for (i, c) in r.containers.iter().enumerate() {
                let cid = self.created_child(
                    blob,
                    "Microsoft.Storage/storageAccounts/blobServices/containers",
                    c,
                    format!("{parent_key}/containers/{}", c.to_ascii_lowercase()),
                    &format!("{}-{c}-container", r.name),
                    format!("container `{c}` of storage account `{}`", r.name),
                    format!("{path}.containers[{i}]"),
                    scope,
                );
                self.entities[cid].properties =
                    Value::object([("publicAccess", Value::str("None"))]);
            }
        }
        for (i, d) in r.databases.iter().enumerate() {
            let did = self.created_child(
                id,
                "Microsoft.DocumentDB/databaseAccounts/sqlDatabases",
                d,
                format!("{parent_key}/sqlDatabases/{}", d.to_ascii_lowercase()),
                &format!("{}-{d}-database", r.name),
                format!("database `{d}` of Cosmos DB account `{}`", r.name),
                format!("{path}.databases[{i}]"),
                scope,
            );
            self.entities[did].properties =
                Value::object([("resource", Value::object([("id", Value::str(d))]))]);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn created_child(
        &mut self,
        parent: EntityId,
        resource_type: &str,
        name: &str,
        key: String,
        words: &str,
        label: String,
        spec_path: String,
        scope: &Scope,
    ) -> EntityId {
        let id = self.new_entity(
            key,
            words,
            Kind::Resource,
            resource_type,
            Value::str(name),
            spec_path,
            label,
            None,
        );
        self.entities[id].scope = scope.clone();
        self.entities[id].group = self.entities[parent].group;
        self.child(id, parent);
        id
    }

    /// The workspace an App Insights component names: one of `resources:` (its id), or a resource
    /// id written out. Returns the created workspace, to order the component after it.
    fn workspace(
        &mut self,
        r: &spec::Resource,
        w: &str,
        workspaces: &HashMap<String, usize>,
    ) -> Option<EntityId> {
        let component = self
            .created
            .get(&resource_key(
                "Microsoft.Insights/components",
                r.subscription.as_deref(),
                r.resource_group.as_deref(),
                &r.name,
            ))
            .copied()?;
        let created = workspaces
            .get(&w.to_ascii_lowercase())
            .map(|&o| &self.spec.resources[o])
            .and_then(|o| {
                self.created
                    .get(&resource_key(
                        "Microsoft.OperationalInsights/workspaces",
                        o.subscription.as_deref(),
                        o.resource_group.as_deref(),
                        &o.name,
                    ))
                    .copied()
            });
        let value = match created {
            Some(ws) => Value::Expr(Expr::Id(ws)),
            None => Value::str(w),
        };
        if let Value::Object(pairs) = &mut self.entities[component].properties {
            pairs.push(("WorkspaceResourceId".into(), value));
        }
        created
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use crate::model::{EntityId, Model};
    use crate::spec::Source;

    fn model(text: &str) -> Model {
        crate::check(&Source::new("t.yaml", text))
            .expect("valid spec")
            .model
    }

    /// Two resource groups, each with a workspace and an App Insights component naming the other's
    /// workspace, and a component in the deployment's group naming one of them. In one module per
    /// resource group, the two modules waited for each other (a cycle Bicep and ARM refuse), and
    /// the plan put the third component before a search service its module call waits for.
    #[test]
    fn a_component_whose_workspace_is_in_another_group_waits_for_that_module_from_its_own() {
        let m = model(
            "version: 1\nname: t\nlocation: eastus2\nresources:\n  - { type: Microsoft.OperationalInsights/workspaces, name: logs-a, resource_group: rg-a }\n  - { type: Microsoft.Insights/components, name: appi-a, workspace: logs-b, resource_group: rg-a }\n  - { type: Microsoft.OperationalInsights/workspaces, name: logs-b, resource_group: rg-b }\n  - { type: Microsoft.Insights/components, name: appi-b, workspace: logs-a, resource_group: rg-b }\n  - { type: Microsoft.Insights/components, name: appi-home, workspace: logs-b }\n  - { type: Microsoft.Search/searchServices, name: search-b, resource_group: rg-b }\nfoundries:\n  - name: f1\n",
        );
        let id = |name: &str| -> EntityId {
            m.entities
                .iter()
                .position(|e| e.name_text() == name)
                .unwrap()
        };
        let group = |name: &str| m.entity(id(name)).group;
        assert_eq!(group("logs-b"), group("search-b"));
        assert_eq!(group("appi-home"), None);
        for (component, workspace) in [("appi-a", "logs-b"), ("appi-b", "logs-a")] {
            let g = group(component).expect("a module");
            assert!(
                m.entities
                    .iter()
                    .enumerate()
                    .all(|(i, e)| e.group != Some(g) || i == id(component)),
                "`{component}` shares its module"
            );
            assert_ne!(group(component), group(workspace));
            assert_eq!(
                m.groups[g].scope,
                m.entity(id(component)).scope,
                "in its own resource group"
            );
        }
        // A module waits for another when one of its resources waits for one of the other's: no
        // two wait for each other.
        let mut waits = BTreeSet::new();
        for e in &m.entities {
            for d in &e.deps {
                if let (Some(a), Some(b)) = (e.group, m.entity(d.on).group)
                    && a != b
                {
                    waits.insert((a, b));
                }
            }
        }
        assert!(!waits.is_empty());
        for (a, b) in &waits {
            assert!(!waits.contains(&(*b, *a)), "modules {a} and {b}");
        }
        // What waits for a workspace in a module waits for all of it, as its module call does.
        for component in ["appi-a", "appi-home"] {
            let on: Vec<EntityId> = m.entity(id(component)).deps.iter().map(|d| d.on).collect();
            assert_eq!(on, [id("logs-b"), id("search-b")], "{component}");
        }
        let pos = |name: &str| m.plan.iter().position(|&i| i == id(name)).unwrap();
        assert!(pos("appi-home") > pos("search-b"));
    }
}
