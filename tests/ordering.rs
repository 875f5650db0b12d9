//! Ordering rules of the dependency graph (issue 2, "Ordering"; issue 9, "Deploy the whole
//! account", for the resources `resources:` creates), checked on the rendered output:
//! each format is parsed with a real parser (`support::graph`), and every rule runs on the Bicep,
//! ARM and Terraform graphs of small inline specs, of every reference spec in `specs/` and of every
//! valid case in `tests/cases/`.
//!
//! Which resources exist (the created projects, the Key Vault connection, its role or policy, the
//! wait, spec order) comes from the model; whether they are ordered comes only from the output.

#[path = "support/specs.rs"]
mod specs;
mod support;

use foundrygen::model::{Expr, Kind as ModelKind, Model, Value};
use foundrygen::{Generated, OutputSet, Source, Target};
use std::collections::BTreeMap;
use support::graph::{Graph, connection_parent, graph_of};

const SECRETS_OFFICER: &str = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7";
const SEARCH_INDEX_DATA_READER: &str = "1407120a-92aa-4202-b7e9-c0e197c71c8f";
const SEARCH_SERVICE_CONTRIBUTOR: &str = "7ca78c08-252a-4471-8644-bb5ff32d4ba0";

/// Two model deployments, three projects, an RBAC vault with a wait, account-level and
/// project-level connections, several under one parent, some with roles.
const RBAC_SPEC: &str = r#"
version: 1
name: order-rbac
location: eastus2
foundries:
  - name: acme-foundry
    deployments:
      - name: gpt-4o
        model: { name: gpt-4o, version: "2024-11-20" }
        sku: { name: GlobalStandard, capacity: 50 }
      - name: embed
        model: { name: text-embedding-3-large }
        sku: { name: Standard }
    projects:
      - name: first
      - name: middle
      - name: last
    key_vault:
      name: acme-kv
      wait_for_role: 45s
    connections:
      - name: search-first
        project: first
        category: CognitiveSearch
        target:
          resource: { type: Microsoft.Search/searchServices, name: acme-search }
        auth: { type: AAD }
        roles: [1407120a-92aa-4202-b7e9-c0e197c71c8f, 7ca78c08-252a-4471-8644-bb5ff32d4ba0]
      - name: api-one
        category: CustomKeys
        target: { url: https://one.example.com/ }
        auth: { type: CustomKeys, keys: { k: { secret: one } } }
      - name: api-first
        project: first
        category: CustomKeys
        target: { url: https://first.example.com/ }
        auth: { type: CustomKeys, keys: { k: { secret: first } } }
      - name: api-two
        category: CustomKeys
        target: { url: https://two.example.com/ }
        auth: { type: CustomKeys, keys: { k: { secret: two } } }
      - name: api-middle
        project: middle
        category: CustomKeys
        target: { url: https://middle.example.com/ }
        auth: { type: CustomKeys, keys: { k: { secret: middle } } }
      - name: search-acct
        category: CognitiveSearch
        target:
          resource: { type: Microsoft.Search/searchServices, name: acme-search }
        auth: { type: AAD }
        roles: [1407120a-92aa-4202-b7e9-c0e197c71c8f]
      - name: api-first-2
        project: first
        category: CustomKeys
        target: { url: https://first2.example.com/ }
        auth: { type: CustomKeys, keys: { k: { secret: firsttwo } } }
"#;

/// Two foundries sharing one access-policy vault in another resource group; the first is an
/// existing account (with one created and one existing project) and has a wait.
const POLICY_SPEC: &str = r#"
version: 1
name: order-policies
location: westeurope
foundries:
  - name: old-foundry
    existing: true
    projects:
      - name: kept
        existing: true
      - name: added
    key_vault:
      name: shared-kv
      resource_group: rg-kv
      permission_model: access_policies
      wait_for_role: 30s
    connections:
      - name: kept-api
        project: kept
        category: CustomKeys
        target: { url: https://kept.example.com/ }
        auth: { type: CustomKeys, keys: { k: { secret: kept } } }
      - name: added-api
        project: added
        category: CustomKeys
        target: { url: https://added.example.com/ }
        auth: { type: CustomKeys, keys: { k: { secret: added } } }
  - name: new-foundry
    projects:
      - name: solo
    key_vault:
      name: shared-kv
      resource_group: rg-kv
      permission_model: access_policies
    connections:
      - name: new-api
        category: CustomKeys
        target: { url: https://new.example.com/ }
        auth: { type: CustomKeys, keys: { k: { secret: new } } }
      - name: new-api-2
        category: CustomKeys
        target: { url: https://new2.example.com/ }
        auth: { type: CustomKeys, keys: { k: { secret: newtwo } } }
"#;

/// No Key Vault at all: only the account, projects and sibling ordering apply.
const NO_VAULT_SPEC: &str = r#"
version: 1
name: order-plain
location: eastus2
foundries:
  - name: plain-foundry
    projects:
      - name: p-one
      - name: p-two
    connections:
      - name: api-a
        project: p-two
        category: CustomKeys
        target: { url: https://a.example.com/ }
        auth: { type: CustomKeys, keys: { k: { secret: a } } }
      - name: api-b
        project: p-two
        category: CustomKeys
        target: { url: https://b.example.com/ }
        auth: { type: CustomKeys, keys: { k: { secret: b } } }
"#;

/// The Key Vault connection written as a connection of category `AzureKeyVault`, after an
/// account-level sibling: the Key Vault connection still comes first.
const LISTED_VAULT_SPEC: &str = r#"
version: 1
name: order-kv-listed
location: eastus2
foundries:
  - name: listed-foundry
    projects:
      - name: only
    connections:
      - name: api-before
        category: CustomKeys
        target: { url: https://before.example.com/ }
        auth: { type: CustomKeys, keys: { k: { secret: before } } }
      - name: listed-vault
        category: AzureKeyVault
        target:
          resource: { type: Microsoft.KeyVault/vaults, name: listed-kv }
        auth: { type: AccountManagedIdentity }
      - name: api-after
        project: only
        category: CustomKeys
        target: { url: https://after.example.com/ }
        auth: { type: CustomKeys, keys: { k: { secret: after } } }
"#;

/// Two foundries granted roles on one RBAC vault; the second uses a user-assigned identity for
/// its project's connection roles.
const SHARED_RBAC_SPEC: &str = r#"
version: 1
name: order-shared-rbac
location: eastus2
foundries:
  - name: left-foundry
    key_vault:
      name: common-kv
      role: administrator
      wait_for_role: 10s
    connections:
      - name: left-api
        category: CustomKeys
        target: { url: https://left.example.com/ }
        auth: { type: CustomKeys, keys: { k: { secret: left } } }
  - name: right-foundry
    identity: user_assigned
    user_assigned_identity: { name: id-right, resource_group: rg-id }
    projects:
      - name: rp
    key_vault:
      name: common-kv
    connections:
      - name: right-search
        project: rp
        category: CognitiveSearch
        target:
          resource: { type: Microsoft.Search/searchServices, name: common-search, resource_group: rg-data }
        auth: { type: AAD }
        roles: [Search Index Data Reader]
      - name: right-api
        project: rp
        category: CustomKeys
        target: { url: https://right.example.com/ }
        auth: { type: CustomKeys, keys: { k: { secret: right } } }
"#;

/// An existing foundry in another resource group of another subscription, extended with two
/// model deployments, two created projects (one after the other) and connections under them, an existing project and the
/// account; its Key Vault (RBAC, with a wait) and the connections' search target are in the
/// deployment's own resource group. Bicep puts everything into a module scoped to the foundry's
/// group, which calls role-assignment modules back in the deployment's group (ARM: nested
/// deployments inside the foundry's nested deployment).
const EXISTING_ELSEWHERE_SPEC: &str = r#"
version: 1
name: order-existing-elsewhere
location: eastus2
foundries:
  - name: far-foundry
    existing: true
    subscription: 11111111-2222-3333-4444-555555555555
    resource_group: rg-far-ai
    deployments:
      - name: gpt-4.1-mini
        model: { name: gpt-4.1-mini, version: "2025-04-14" }
        sku: { name: DataZoneStandard, capacity: 20 }
        version_upgrade: NoAutoUpgrade
      - name: o3
        model: { name: o3 }
        sku: { name: GlobalStandard }
    projects:
      - name: kept
        existing: true
      - name: fresh
      - name: fresh-two
    key_vault:
      name: home-kv
      wait_for_role: 20s
    connections:
      - name: fresh-search
        project: fresh
        category: CognitiveSearch
        target:
          resource: { type: Microsoft.Search/searchServices, name: home-search }
        auth: { type: AAD }
        roles: [Search Index Data Reader, Search Service Contributor]
      - name: fresh-api
        project: fresh
        category: CustomKeys
        target: { url: https://fresh.example.com/ }
        auth: { type: CustomKeys, keys: { k: { secret: freshKey } } }
      - name: acct-search
        category: CognitiveSearch
        target:
          resource: { type: Microsoft.Search/searchServices, name: home-search }
        auth: { type: AAD }
        roles: [Search Index Data Reader]
      - name: kept-api
        project: kept
        category: CustomKeys
        target: { url: https://kept.example.com/ }
        auth: { type: CustomKeys, keys: { k: { secret: keptKey } } }
      - name: fresh-api-2
        project: fresh
        category: CustomKeys
        target: { url: https://fresh2.example.com/ }
        auth: { type: CustomKeys, keys: { k: { secret: freshKeyTwo } } }
"#;

/// An existing foundry in another resource group (a Bicep module / ARM nested deployment) and a
/// created foundry, both given access policies on one vault in a third group; the existing one
/// has a wait. Not in `all_specs()`: the generator writes two `add` resources for the vault here
/// (see `foundries_sharing_a_policy_vault_share_one_add_resource`), which the normalized keys
/// cannot tell apart.
const MIXED_POLICY_SPEC: &str = r#"
version: 1
name: order-mixed
location: eastus2
foundries:
  - name: old-foundry
    existing: true
    resource_group: rg-old
    projects:
      - name: added
    key_vault:
      name: shared-kv
      resource_group: rg-kv
      permission_model: access_policies
      wait_for_role: 30s
    connections:
      - name: added-api
        project: added
        category: CustomKeys
        target: { url: https://added.example.com/ }
        auth: { type: CustomKeys, keys: { k: { secret: added } } }
  - name: new-foundry
    projects:
      - name: solo
    key_vault:
      name: shared-kv
      resource_group: rg-kv
      permission_model: access_policies
    connections:
      - name: new-api
        category: CustomKeys
        target: { url: https://new.example.com/ }
        auth: { type: CustomKeys, keys: { k: { secret: new } } }
"#;

/// Cosmos DB data-plane roles on two accounts shared by two foundries: one account in the
/// deployment's resource group, one in another subscription; the second foundry is an existing
/// account in another resource group, so its roles are written from its foundry module / nested
/// deployment, through a role module / nested deployment into the account's group.
const COSMOS_SPEC: &str = r#"
version: 1
name: order-cosmos
location: eastus2
foundries:
  - name: near-foundry
    projects:
      - name: chat
    connections:
      - name: docs
        project: chat
        category: CosmosDb
        target: { resource: { type: Microsoft.DocumentDB/databaseAccounts, name: shared-cosmos } }
        auth: { type: AAD }
        roles: [Cosmos DB Built-in Data Reader, Cosmos DB Built-in Data Contributor]
      - name: far-docs
        category: CosmosDb
        target: { resource_id: /subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-data/providers/Microsoft.DocumentDB/databaseAccounts/far-cosmos }
        auth: { type: AAD }
        roles: [Cosmos DB Built-in Data Reader]
  - name: old-foundry
    existing: true
    resource_group: rg-old
    connections:
      - name: docs
        category: CosmosDb
        target: { resource: { type: Microsoft.DocumentDB/databaseAccounts, name: shared-cosmos } }
        auth: { type: AAD }
        roles: [Cosmos DB Built-in Data Reader]
      - name: far-docs
        category: CosmosDb
        target: { resource_id: /subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-data/providers/Microsoft.DocumentDB/databaseAccounts/far-cosmos }
        auth: { type: AAD }
        roles: [Cosmos DB Built-in Data Contributor]
"#;

/// Resources the deployment creates (issue 9), in every shape the ordering rules speak of: an App
/// Insights component written before its workspace, a storage account with three containers, a
/// Cosmos DB account with two databases in another resource group that two foundries grant
/// data-plane roles on (one foundry an existing account in a third group), an Azure OpenAI account
/// with two model deployments, a search service in another subscription, the foundry's vault, and a
/// search service nothing uses (a warning).
const CREATED_SPEC: &str = r#"
version: 1
name: order-created
location: eastus2
resources:
  - { type: Microsoft.Insights/components, name: made-appi, workspace: made-logs }
  - { type: Microsoft.OperationalInsights/workspaces, name: made-logs }
  - { type: Microsoft.Storage/storageAccounts, name: madestore, containers: [alpha, beta, gamma] }
  - { type: Microsoft.DocumentDB/databaseAccounts, name: made-cosmos, resource_group: rg-data, databases: [one, two] }
  - type: Microsoft.CognitiveServices/accounts
    name: made-aoai
    kind: OpenAI
    deployments:
      - { name: mini, model: { name: gpt-4o-mini, version: '2024-07-18' }, sku: { name: Standard, capacity: 10 } }
      - { name: embed, model: { name: text-embedding-3-large }, sku: { name: Standard } }
  - { type: Microsoft.Search/searchServices, name: made-search, resource_group: rg-far, subscription: 11111111-2222-3333-4444-555555555555 }
  - { type: Microsoft.KeyVault/vaults, name: made-kv }
  - { type: Microsoft.Search/searchServices, name: idle-search }
foundries:
  - name: made-foundry
    deployments:
      - { name: gpt-4o, model: { name: gpt-4o, version: '2024-11-20' }, sku: { name: GlobalStandard, capacity: 50 } }
    projects: [{ name: lab }]
    key_vault: { name: made-kv }
    connections:
      - name: docs
        project: lab
        category: AzureStorageAccount
        target: { resource: { type: Microsoft.Storage/storageAccounts, name: madestore } }
        auth: { type: AAD }
        roles: [Storage Blob Data Contributor]
      - name: threads
        project: lab
        category: CosmosDb
        target: { resource: { type: Microsoft.DocumentDB/databaseAccounts, name: made-cosmos, resource_group: rg-data } }
        auth: { type: AAD }
        roles: [Cosmos DB Built-in Data Reader]
      - name: threads-admin
        category: CosmosDb
        target: { resource: { type: Microsoft.DocumentDB/databaseAccounts, name: made-cosmos, resource_group: rg-data } }
        auth: { type: AAD }
        roles: [Cosmos DB Built-in Data Contributor, Cosmos DB Operator]
      - name: insights
        category: AppInsights
        target: { resource: { type: Microsoft.Insights/components, name: made-appi } }
        auth: { type: ApiKey, key: { from_target: true } }
      - name: openai
        category: AzureOpenAI
        target: { resource: { type: Microsoft.CognitiveServices/accounts, name: made-aoai } }
        auth: { type: AAD }
        roles: [Cognitive Services OpenAI User]
      - name: search
        category: CognitiveSearch
        target: { resource: { type: Microsoft.Search/searchServices, name: made-search, resource_group: rg-far, subscription: 11111111-2222-3333-4444-555555555555 } }
        auth: { type: ApiKey, key: { from_target: true } }
  - name: old-foundry
    existing: true
    resource_group: rg-old
    connections:
      - name: threads
        category: CosmosDb
        target: { resource: { type: Microsoft.DocumentDB/databaseAccounts, name: made-cosmos, resource_group: rg-data } }
        auth: { type: AAD }
        roles: [Cosmos DB Built-in Data Reader]
      - name: openai
        category: AzureOpenAI
        target: { resource: { type: Microsoft.CognitiveServices/accounts, name: made-aoai } }
        auth: { type: ApiKey, key: { from_target: true } }
"#;

/// App Insights components whose workspaces are in other resource groups: two groups each hold a
/// workspace and a component naming the other's, and a component in the deployment's group names
/// one of them. Each such component is deployed from a module of its own, so that no two modules
/// wait for each other.
const CROSSED_WORKSPACES_SPEC: &str = r#"
version: 1
name: order-crossed
location: eastus2
resources:
  - { type: Microsoft.OperationalInsights/workspaces, name: logs-a, resource_group: rg-a }
  - { type: Microsoft.Insights/components, name: appi-a, workspace: logs-b, resource_group: rg-a }
  - { type: Microsoft.OperationalInsights/workspaces, name: logs-b, resource_group: rg-b }
  - { type: Microsoft.Insights/components, name: appi-b, workspace: logs-a, resource_group: rg-b }
  - { type: Microsoft.Insights/components, name: appi-home, workspace: logs-b }
  - { type: Microsoft.Search/searchServices, name: search-b, resource_group: rg-b }
foundries:
  - name: crossed-foundry
    connections:
      - name: insights
        category: AppInsights
        target: { resource: { type: Microsoft.Insights/components, name: appi-a, resource_group: rg-a } }
        auth: { type: ApiKey, key: { from_target: true } }
      - name: search
        category: CognitiveSearch
        target: { resource: { type: Microsoft.Search/searchServices, name: search-b, resource_group: rg-b } }
        auth: { type: AAD }
        roles: [Search Index Data Reader]
"#;

/// Every spec the rules run on: the inline ones, every reference spec and every valid case.
fn all_specs() -> Vec<(String, String)> {
    let mut specs = vec![
        ("rbac.yaml".to_string(), RBAC_SPEC.to_string()),
        ("policies.yaml".to_string(), POLICY_SPEC.to_string()),
        ("plain.yaml".to_string(), NO_VAULT_SPEC.to_string()),
        ("listed.yaml".to_string(), LISTED_VAULT_SPEC.to_string()),
        ("shared.yaml".to_string(), SHARED_RBAC_SPEC.to_string()),
        (
            "elsewhere.yaml".to_string(),
            EXISTING_ELSEWHERE_SPEC.to_string(),
        ),
        ("cosmos.yaml".to_string(), COSMOS_SPEC.to_string()),
        ("created.yaml".to_string(), CREATED_SPEC.to_string()),
        (
            "crossed.yaml".to_string(),
            CROSSED_WORKSPACES_SPEC.to_string(),
        ),
    ];
    specs.extend(specs::valid_specs());
    specs
}

fn generate(name: &str, text: &str) -> Generated {
    foundrygen::generate(&Source::new(name, text), &Target::ALL)
        .unwrap_or_else(|e| panic!("`{name}` does not generate: {e}"))
}

/// The normalized key of a created model entity (see `support::graph`).
fn normalized_key(model: &Model, id: usize) -> String {
    let e = model.entity(id);
    let k = &e.key;
    match e.kind {
        ModelKind::Account => format!("account:{k}"),
        ModelKind::ModelDeployment => format!("deployment:{}", k.replace("/deployments/", "/")),
        ModelKind::Project => format!("project:{}", k.replace("/projects/", "/")),
        ModelKind::Connection | ModelKind::KeyVaultConnection => format!(
            "connection:{}",
            k.replace("/projects/", "/").replace("/connections/", "/")
        ),
        ModelKind::RoleAssignment => {
            let (_, guid) = e.role.clone().expect("a role");
            let scope = e.extends.expect("a scope");
            // The holder (account, project or user-assigned identity) is only in the model's key,
            // `roleAssignment:<scope key>:<holder key>:<guid>`.
            let scope_key = &model.entity(scope).key;
            let rest = k
                .strip_prefix("roleAssignment:")
                .and_then(|r| r.strip_prefix(scope_key.as_str()))
                .and_then(|r| r.strip_prefix(':'))
                .and_then(|r| r.strip_suffix(guid.as_str()))
                .and_then(|r| r.strip_suffix(':'))
                .unwrap_or_else(|| panic!("unexpected role key `{k}`"));
            let holder = rest.rsplit([':', '/']).next().expect("a holder");
            format!("role:{}|{holder}|{guid}", model.entity(scope).name_text())
        }
        ModelKind::DataPlaneRoleAssignment => {
            let (_, guid) = e.role.clone().expect("a role");
            let resource = e.parent.expect("a parent");
            // `dataPlaneRoleAssignment:<resource key>:<holder key>:<guid>`, as for a role.
            let resource_key = &model.entity(resource).key;
            let rest = k
                .strip_prefix("dataPlaneRoleAssignment:")
                .and_then(|r| r.strip_prefix(resource_key.as_str()));
            // A scope under the resource (`/dbs/<database>`, a capability host's thread role):
            // named after its last segment, as the formats' `guid()` seeds read.
            let (scope_name, rest) = match rest.and_then(|r| r.strip_prefix('/')) {
                Some(r) => {
                    let (path, tail) = r.split_once(':').expect("a scope path");
                    (support::graph::last_segment(path).to_string(), Some(tail))
                }
                None => (
                    model.entity(resource).name_text().to_string(),
                    rest.and_then(|r| r.strip_prefix(':')),
                ),
            };
            let rest = rest
                .and_then(|r| r.strip_suffix(guid.as_str()))
                .and_then(|r| r.strip_suffix(':'))
                .unwrap_or_else(|| panic!("unexpected data-plane role key `{k}`"));
            let holder = rest.rsplit([':', '/']).next().expect("a holder");
            format!("datarole:{scope_name}|{holder}|{guid}")
        }
        ModelKind::AccessPolicy => {
            let vault = e.parent.expect("a vault");
            format!("policy:{}", model.entity(vault).name_text())
        }
        ModelKind::Wait => format!("wait:{}", k.strip_suffix("/wait").expect("a wait key")),
        ModelKind::CapabilityHost => format!(
            "caphost:{}",
            k.replace("/projects/", "/")
                .replace("/capabilityHosts/", "/")
        ),
        // A created Cognitive Services account reads as an account, as a foundry's does.
        ModelKind::Target
            if !e.existing && e.resource_type == "Microsoft.CognitiveServices/accounts" =>
        {
            format!("account:{}", e.name_text())
        }
        // A resource of `resources:`, or a child of one: its type and full name.
        ModelKind::Vault | ModelKind::Target | ModelKind::Resource if !e.existing => {
            let mut names = vec![e.name_text().to_string()];
            let mut cur = e;
            while let Some(p) = cur.parent {
                cur = model.entity(p);
                names.push(cur.name_text().to_string());
            }
            names.reverse();
            format!(
                "resource:{}/{}",
                e.resource_type.to_ascii_lowercase(),
                names.join("/")
            )
        }
        other => panic!("{other:?} `{k}` is not created"),
    }
}

/// What one foundry of the model creates, as normalized keys, in spec order.
#[derive(Debug, Default)]
struct Foundry {
    account: Option<String>,
    /// The model deployments, created on a created or an existing account.
    deployments: Vec<String>,
    projects: Vec<String>,
    key_vault_connection: Option<String>,
    vault_access: Vec<String>,
    wait: Option<String>,
    /// The other connections.
    connections: Vec<String>,
}

fn foundries(model: &Model) -> Vec<Foundry> {
    let count = model
        .entities
        .iter()
        .filter_map(|e| e.foundry)
        .max()
        .map_or(0, |m| m + 1);
    let mut out: Vec<Foundry> = (0..count).map(|_| Foundry::default()).collect();
    for (id, e) in model.entities.iter().enumerate() {
        if e.existing {
            continue;
        }
        let key = || normalized_key(model, id);
        let mut of = |f: usize, add: &mut dyn FnMut(&mut Foundry)| add(&mut out[f]);
        match e.kind {
            ModelKind::Account => of(e.foundry.unwrap(), &mut |f| f.account = Some(key())),
            // A created Cognitive Services account's deployments belong to no foundry.
            ModelKind::ModelDeployment => {
                if let Some(fi) = e.foundry {
                    of(fi, &mut |f| f.deployments.push(key()))
                }
            }
            ModelKind::Project => of(e.foundry.unwrap(), &mut |f| f.projects.push(key())),
            ModelKind::KeyVaultConnection => of(e.foundry.unwrap(), &mut |f| {
                f.key_vault_connection = Some(key())
            }),
            ModelKind::Connection => of(e.foundry.unwrap(), &mut |f| f.connections.push(key())),
            // A capability host's wait is not the Key Vault's.
            ModelKind::Wait if e.key.ends_with("-caphost/wait") => {}
            ModelKind::Wait => of(e.foundry.unwrap(), &mut |f| f.wait = Some(key())),
            ModelKind::RoleAssignment => {
                let on_vault = e
                    .extends
                    .is_some_and(|s| model.entity(s).kind == ModelKind::Vault);
                if on_vault {
                    of(e.foundry.unwrap(), &mut |f| f.vault_access.push(key()));
                }
            }
            ModelKind::AccessPolicy => {
                // One policy serves every foundry that uses the vault.
                for (fi, foundry) in out.iter_mut().enumerate() {
                    let uses = model.entities.iter().any(|k| {
                        k.kind == ModelKind::KeyVaultConnection
                            && k.foundry == Some(fi)
                            && e.deps.iter().any(|d| model.entity(d.on).key == k.key)
                    });
                    if uses {
                        foundry.vault_access.push(key());
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// An ordering rule: the violations it finds in one format's graph.
type Rule = fn(&Graph, &[Foundry], &Model) -> Vec<String>;

/// Runs `rule` on the graph of every format of every spec and fails with every violation.
fn check_everywhere(rule: Rule) {
    let mut failures = Vec::new();
    for (name, model, facts, graphs) in rendered_specs() {
        for (format, g) in Target::ALL.iter().zip(graphs) {
            for v in rule(g, facts, model) {
                failures.push(format!("{name} ({format}): {v}"));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// Every spec of `all_specs()` with its model, facts and the graph of each format, in
/// `Target::ALL` order: rendered and read once for all the rules.
type Rendered = (String, Model, Vec<Foundry>, Vec<Graph>);

fn rendered_specs() -> &'static [Rendered] {
    static RENDERED: std::sync::OnceLock<Vec<Rendered>> = std::sync::OnceLock::new();
    RENDERED.get_or_init(|| {
        all_specs()
            .into_iter()
            .map(|(name, text)| {
                let generated = generate(&name, &text);
                let facts = foundries(&generated.model);
                let graphs = Target::ALL
                    .iter()
                    .map(|&f| graph_of(&generated.output, f))
                    .collect();
                (name, generated.model, facts, graphs)
            })
            .collect()
    })
}

fn need(g: &Graph, from: &str, to: &str, why: &str, out: &mut Vec<String>) {
    if !g.nodes.contains_key(from) {
        out.push(format!("`{from}` is not in the output"));
    } else if !g.nodes.contains_key(to) {
        out.push(format!("`{to}` is not in the output"));
    } else if !g.depends_transitively(from, to) {
        out.push(format!("`{from}` does not depend on `{to}` ({why})"));
    }
}

fn projects_rule(g: &Graph, facts: &[Foundry], _: &Model) -> Vec<String> {
    let mut out = Vec::new();
    for f in facts {
        for (i, p) in f.projects.iter().enumerate() {
            if let Some(a) = &f.account {
                need(g, p, a, "account before projects", &mut out);
            }
            for earlier in &f.projects[..i] {
                need(g, p, earlier, "projects one after another", &mut out);
            }
        }
    }
    out
}

/// Model deployments are the first children of their account: after the account (when created),
/// one after another in spec order, and before every project of the account (the azd templates
/// make projects wait for deployments), so before everything else in its chain too.
fn deployments_rule(g: &Graph, facts: &[Foundry], _: &Model) -> Vec<String> {
    let mut out = Vec::new();
    for f in facts {
        for (i, d) in f.deployments.iter().enumerate() {
            if let Some(a) = &f.account {
                need(g, d, a, "account before its model deployments", &mut out);
            }
            for earlier in &f.deployments[..i] {
                need(
                    g,
                    d,
                    earlier,
                    "model deployments one after another",
                    &mut out,
                );
            }
            for p in &f.projects {
                need(
                    g,
                    p,
                    d,
                    "model deployments come before the projects in the account's chain",
                    &mut out,
                );
            }
        }
    }
    out
}

fn key_vault_connection_rule(g: &Graph, facts: &[Foundry], _: &Model) -> Vec<String> {
    let mut out = Vec::new();
    for f in facts {
        if let Some(kv) = &f.key_vault_connection {
            for p in &f.projects {
                need(
                    g,
                    kv,
                    p,
                    "Key Vault connection after every project",
                    &mut out,
                );
            }
            if let Some(a) = &f.account {
                need(g, kv, a, "Key Vault connection after the account", &mut out);
            }
        }
    }
    out
}

fn vault_access_rule(g: &Graph, facts: &[Foundry], _: &Model) -> Vec<String> {
    let mut out = Vec::new();
    for f in facts {
        if let Some(kv) = &f.key_vault_connection {
            if f.vault_access.is_empty() {
                out.push(format!("no vault role or policy for `{kv}`"));
            }
            for access in &f.vault_access {
                need(
                    g,
                    access,
                    kv,
                    "vault access after the Key Vault connection",
                    &mut out,
                );
            }
        }
    }
    out
}

fn wait_rule(g: &Graph, facts: &[Foundry], _: &Model) -> Vec<String> {
    let mut out = Vec::new();
    for f in facts {
        if let Some(w) = &f.wait {
            for access in &f.vault_access {
                need(g, w, access, "wait after the vault access", &mut out);
            }
        }
    }
    out
}

fn other_connections_rule(g: &Graph, facts: &[Foundry], _: &Model) -> Vec<String> {
    let mut out = Vec::new();
    for f in facts {
        let Some(kv) = &f.key_vault_connection else {
            continue;
        };
        for c in &f.connections {
            need(g, c, kv, "after the Key Vault connection", &mut out);
            for access in &f.vault_access {
                need(g, c, access, "after the vault access", &mut out);
            }
            if let Some(w) = &f.wait {
                need(g, c, w, "after the wait", &mut out);
            }
        }
    }
    out
}

fn siblings_rule(g: &Graph, facts: &[Foundry], _: &Model) -> Vec<String> {
    let mut out = Vec::new();
    for f in facts {
        let all: Vec<&String> = f
            .key_vault_connection
            .iter()
            .chain(&f.connections)
            .collect();
        for (i, c) in all.iter().enumerate() {
            for earlier in &all[..i] {
                if connection_parent(c) == connection_parent(earlier) {
                    need(g, c, earlier, "siblings serialised in spec order", &mut out);
                }
            }
        }
    }
    out
}

/// One chain per parent: the children created under one account or project run one at a time
/// (Azure answers 409 Conflict to concurrent child operations), in this order: under an account
/// its model deployments, then its projects, then the Key Vault connection, then its account-level
/// connections; under a project its connections; each group in spec order. Each child must come
/// after the one before it.
fn one_chain_per_parent_rule(g: &Graph, facts: &[Foundry], _: &Model) -> Vec<String> {
    let mut out = Vec::new();
    for f in facts {
        let mut chains: BTreeMap<String, Vec<&String>> = BTreeMap::new();
        for d in &f.deployments {
            let account = d
                .strip_prefix("deployment:")
                .and_then(|d| d.split('/').next())
                .expect("a model deployment key");
            chains
                .entry(format!("account:{account}"))
                .or_default()
                .push(d);
        }
        for p in &f.projects {
            let account = p
                .strip_prefix("project:")
                .and_then(|p| p.split('/').next())
                .expect("a project key");
            chains
                .entry(format!("account:{account}"))
                .or_default()
                .push(p);
        }
        for c in f.key_vault_connection.iter().chain(&f.connections) {
            chains.entry(connection_parent(c)).or_default().push(c);
        }
        for (parent, chain) in &chains {
            for pair in chain.windows(2) {
                need(
                    g,
                    pair[1],
                    pair[0],
                    &format!("one child operation at a time under `{parent}`"),
                    &mut out,
                );
            }
        }
    }
    out
}

/// A connection's roles, from the model: the roles its spec entry lists (a role shared with an
/// earlier connection is kept once, under that connection's spec path, so the model's own-role
/// dependencies are added too).
fn own_roles(model: &Model, connection: usize) -> Vec<String> {
    let c = model.entity(connection);
    let prefix = format!("{}.roles[", c.spec_path);
    let mut roles: Vec<String> = model
        .entities
        .iter()
        .enumerate()
        .filter(|(_, e)| e.kind == ModelKind::RoleAssignment && e.spec_path.starts_with(&prefix))
        .map(|(i, _)| normalized_key(model, i))
        .collect();
    for d in &c.deps {
        if model.entity(d.on).kind == ModelKind::RoleAssignment {
            let k = normalized_key(model, d.on);
            if !roles.contains(&k) && !is_vault_role(model, d.on) {
                roles.push(k);
            }
        }
    }
    roles
}

fn is_vault_role(model: &Model, id: usize) -> bool {
    model
        .entity(id)
        .extends
        .is_some_and(|s| model.entity(s).kind == ModelKind::Vault)
}

fn own_roles_rule(g: &Graph, _: &[Foundry], model: &Model) -> Vec<String> {
    let mut out = Vec::new();
    for (id, e) in model.entities.iter().enumerate() {
        if e.kind == ModelKind::Connection && !e.existing {
            let c = normalized_key(model, id);
            for r in own_roles(model, id) {
                need(g, &c, &r, "a connection's roles come first", &mut out);
            }
        }
    }
    out
}

/// A connection's data-plane roles, from the model: the ones its spec entry lists, and any it
/// waits for that an earlier connection made (the same role of the same identity on the same
/// resource is made once).
fn own_data_roles(model: &Model, connection: usize) -> Vec<String> {
    let c = model.entity(connection);
    let prefix = format!("{}.roles[", c.spec_path);
    let mut roles: Vec<String> = model
        .entities
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            e.kind == ModelKind::DataPlaneRoleAssignment && e.spec_path.starts_with(&prefix)
        })
        .map(|(i, _)| normalized_key(model, i))
        .collect();
    for d in &c.deps {
        if model.entity(d.on).kind == ModelKind::DataPlaneRoleAssignment {
            let k = normalized_key(model, d.on);
            if !roles.contains(&k) {
                roles.push(k);
            }
        }
    }
    roles
}

/// A connection's data-plane roles (Cosmos DB `sqlRoleAssignments`) exist before it.
fn data_plane_roles_rule(g: &Graph, _: &[Foundry], model: &Model) -> Vec<String> {
    let mut out = Vec::new();
    for (id, e) in model.entities.iter().enumerate() {
        if e.kind == ModelKind::Connection && !e.existing {
            let c = normalized_key(model, id);
            for r in own_data_roles(model, id) {
                need(
                    g,
                    &c,
                    &r,
                    "a connection's data-plane roles come first",
                    &mut out,
                );
            }
        }
    }
    out
}

/// One operation at a time per Cosmos DB account (concurrent `sqlRoleAssignments` fail with 412):
/// the created children of one account, existing or created, form one chain in the order the model
/// makes them, whatever foundry or resource group they are written from.
fn one_operation_per_cosmos_account_rule(g: &Graph, _: &[Foundry], model: &Model) -> Vec<String> {
    let mut out = Vec::new();
    let mut children: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for (id, e) in model.entities.iter().enumerate() {
        if let Some(p) = e.parent
            && !e.existing
            && model
                .entity(p)
                .resource_type
                .eq_ignore_ascii_case("Microsoft.DocumentDB/databaseAccounts")
        {
            children
                .entry(p)
                .or_default()
                .push(normalized_key(model, id));
        }
    }
    for (account, chain) in &children {
        for pair in chain.windows(2) {
            need(
                g,
                &pair[1],
                &pair[0],
                &format!(
                    "one operation at a time on Cosmos DB account `{}`",
                    model.entity(*account).name_text()
                ),
                &mut out,
            );
        }
    }
    out
}

/// The top of `id`'s parent chain (itself when it has no parent).
fn root_of(model: &Model, mut id: usize) -> usize {
    while let Some(p) = model.entity(id).parent {
        id = p;
    }
    id
}

/// Whether `id` is created by an entry of `resources:` or is created under one (a blob service, a
/// container, a database, a model deployment, a data-plane role).
fn in_created_resource(model: &Model, id: usize) -> bool {
    let root = model.entity(root_of(model, id));
    let entry = root
        .spec_path
        .strip_prefix("resources[")
        .and_then(|r| r.strip_suffix(']'))
        .is_some_and(|n| n.parse::<usize>().is_ok());
    entry && !root.existing && !model.entity(id).existing
}

/// What a Foundry account waits for when it connects to the created resource `root`: the
/// resource and everything created under it, except what grants access to an identity (the
/// data-plane roles on it wait for a Foundry identity).
fn created_tree(model: &Model, root: usize) -> Vec<usize> {
    (0..model.entities.len())
        .filter(|&i| {
            root_of(model, i) == root
                && !model.entity(i).existing
                && !matches!(
                    model.entity(i).kind,
                    ModelKind::DataPlaneRoleAssignment | ModelKind::AccessPolicy
                )
        })
        .collect()
}

/// The resource a connection points at, as its `ResourceId` metadata names it (read from the
/// connection's body, not from its dependencies).
fn connection_target(model: &Model, connection: usize) -> Option<usize> {
    match model
        .entity(connection)
        .properties
        .get("metadata")?
        .get("ResourceId")?
    {
        Value::Expr(Expr::Id(t)) => Some(*t),
        _ => None,
    }
}

/// An ordering a rule wants: `(from, to, why)`, `from` waits for `to`.
type Want = (String, String, String);

fn want(model: &Model, from: usize, to: usize, why: &str) -> Want {
    (
        normalized_key(model, from),
        normalized_key(model, to),
        why.to_string(),
    )
}

fn need_all(g: &Graph, wants: &[Want]) -> Vec<String> {
    let mut out = Vec::new();
    for (from, to, why) in wants {
        need(g, from, to, why, &mut out);
    }
    out
}

/// Rule 1: a created resource, and everything created under it, comes before every connection
/// that targets it and before that connection's Foundry account (when the spec creates it).
fn created_first_wants(model: &Model) -> Vec<Want> {
    let mut out = std::collections::BTreeSet::new();
    for (id, e) in model.entities.iter().enumerate() {
        if e.existing
            || !matches!(
                e.kind,
                ModelKind::Connection | ModelKind::KeyVaultConnection
            )
        {
            continue;
        }
        let Some(target) = connection_target(model, id) else {
            continue;
        };
        if !in_created_resource(model, target) {
            continue;
        }
        let account = root_of(model, id);
        for d in created_tree(model, root_of(model, target)) {
            out.insert(want(
                model,
                id,
                d,
                "what a connection targets is created first",
            ));
            if !model.entity(account).existing {
                out.insert(want(
                    model,
                    account,
                    d,
                    "what an account connects to is created first",
                ));
            }
        }
    }
    out.into_iter().collect()
}

/// Rule 1, both halves: the account and the connection wait for the created resource and its
/// descendants, and no Foundry account waits for a data-plane role, even indirectly: those wait
/// for a Foundry identity, which would make a cycle through the account holding it.
fn created_resources_come_first_rule(g: &Graph, facts: &[Foundry], model: &Model) -> Vec<String> {
    let mut out = need_all(g, &created_first_wants(model));
    let roles = g.of_kind(support::graph::Kind::DataRole);
    for account in facts.iter().filter_map(|f| f.account.as_ref()) {
        for r in &roles {
            if g.depends_transitively(account, r) {
                out.push(format!(
                    "`{account}` waits for data-plane role `{r}`, which waits for a Foundry identity"
                ));
            }
        }
    }
    out
}

/// Rule 2: the children of a created resource (and of its children) follow it, in one chain per
/// parent in the order the model makes them: a storage account's blob service, its containers; a
/// Cosmos DB account's databases, then its data-plane roles; a Cognitive Services account's model
/// deployments. The ones the spec lists come in spec order.
fn created_children_wants(model: &Model) -> (Vec<Want>, Vec<String>) {
    let mut children: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (id, e) in model.entities.iter().enumerate() {
        if let Some(p) = e.parent
            && !e.existing
            && in_created_resource(model, p)
        {
            children.entry(p).or_default().push(id);
        }
    }
    let mut wants = Vec::new();
    let mut out_of_order = Vec::new();
    for (parent, chain) in &children {
        let name = normalized_key(model, *parent);
        // The entries of the parent's own spec lists (`resources[2].containers[1]`), by index.
        let listed: Vec<(&str, usize)> = chain
            .iter()
            .filter_map(|&c| {
                let path = &model.entity(c).spec_path;
                let (list, index) = path.strip_suffix(']')?.rsplit_once('[')?;
                let list = list.strip_prefix("resources[")?.split_once('.')?.1;
                Some((list, index.parse().ok()?))
            })
            .collect();
        for pair in listed.windows(2) {
            if pair[0].0 == pair[1].0 && pair[0].1 >= pair[1].1 {
                out_of_order.push(format!(
                    "the `{}` of `{name}` are not made in spec order",
                    pair[0].0
                ));
            }
        }
        for (i, &c) in chain.iter().enumerate() {
            wants.push(want(
                model,
                c,
                *parent,
                "a created resource before its children",
            ));
            if i > 0 {
                wants.push(want(
                    model,
                    c,
                    chain[i - 1],
                    &format!("one child operation at a time under `{name}`"),
                ));
            }
        }
    }
    (wants, out_of_order)
}

fn created_children_rule(g: &Graph, _: &[Foundry], model: &Model) -> Vec<String> {
    let (wants, mut out) = created_children_wants(model);
    out.extend(need_all(g, &wants));
    out
}

/// Rule 3: a role assignment on a created resource (Azure RBAC, or a data-plane role of its own)
/// follows that resource.
fn roles_on_created_wants(model: &Model) -> Vec<Want> {
    let mut out = Vec::new();
    for (id, e) in model.entities.iter().enumerate() {
        let on = match e.kind {
            ModelKind::RoleAssignment => e.extends,
            ModelKind::DataPlaneRoleAssignment => e.parent,
            _ => None,
        };
        if let Some(on) = on
            && !e.existing
            && in_created_resource(model, on)
        {
            out.push(want(
                model,
                id,
                on,
                "a role follows the created resource it is granted on",
            ));
        }
    }
    out
}

fn roles_on_created_resources_rule(g: &Graph, _: &[Foundry], model: &Model) -> Vec<String> {
    need_all(g, &roles_on_created_wants(model))
}

/// Rule 4: an App Insights component follows the workspace it names, when `resources:` creates
/// that workspace (its `WorkspaceResourceId` is then the workspace's id); a name that is not a
/// resource id must have resolved to one.
fn app_insights_wants(model: &Model) -> (Vec<Want>, Vec<String>) {
    let mut wants = Vec::new();
    let mut unresolved = Vec::new();
    for (id, e) in model.entities.iter().enumerate() {
        if e.existing
            || !e
                .resource_type
                .eq_ignore_ascii_case("Microsoft.Insights/components")
        {
            continue;
        }
        match e.properties.get("WorkspaceResourceId") {
            Some(Value::Expr(Expr::Id(ws))) => wants.push(want(
                model,
                id,
                *ws,
                "App Insights after the workspace it names",
            )),
            Some(Value::Str(s)) if s.starts_with("/subscriptions/") => {}
            other => unresolved.push(format!(
                "`{}` names workspace {other:?}, not a created one",
                normalized_key(model, id)
            )),
        }
    }
    (wants, unresolved)
}

fn app_insights_after_its_workspace_rule(g: &Graph, _: &[Foundry], model: &Model) -> Vec<String> {
    let (wants, mut out) = app_insights_wants(model);
    out.extend(need_all(g, &wants));
    out
}

#[test]
fn created_resources_come_before_the_accounts_and_connections_that_use_them() {
    check_everywhere(created_resources_come_first_rule);
}

#[test]
fn the_children_of_a_created_resource_follow_it_in_one_chain() {
    check_everywhere(created_children_rule);
}

#[test]
fn roles_on_a_created_resource_follow_it() {
    check_everywhere(roles_on_created_resources_rule);
}

#[test]
fn app_insights_follows_the_workspace_it_names() {
    check_everywhere(app_insights_after_its_workspace_rule);
}

#[test]
fn projects_follow_the_account_one_after_another() {
    check_everywhere(projects_rule);
}

#[test]
fn model_deployments_come_before_the_projects_in_the_accounts_chain() {
    check_everywhere(deployments_rule);
}

#[test]
fn key_vault_connection_comes_after_every_created_project() {
    check_everywhere(key_vault_connection_rule);
}

#[test]
fn vault_role_or_access_policy_comes_after_the_key_vault_connection() {
    check_everywhere(vault_access_rule);
}

#[test]
fn wait_comes_after_the_vault_role_or_access_policy() {
    check_everywhere(wait_rule);
}

#[test]
fn other_connections_wait_for_the_key_vault_connection_its_access_and_the_wait() {
    check_everywhere(other_connections_rule);
}

#[test]
fn connections_under_one_parent_are_serialised_in_spec_order() {
    check_everywhere(siblings_rule);
}

#[test]
fn the_children_of_one_parent_form_one_chain() {
    check_everywhere(one_chain_per_parent_rule);
}

#[test]
fn connection_roles_come_before_the_connection() {
    check_everywhere(own_roles_rule);
}

#[test]
fn data_plane_roles_come_before_the_connection() {
    check_everywhere(data_plane_roles_rule);
}

#[test]
fn the_children_of_one_cosmos_account_go_one_at_a_time() {
    check_everywhere(one_operation_per_cosmos_account_rule);
}

/// The facts the generic rules rely on, pinned for the inline RBAC spec, so that a model that
/// lost a project, a role or the wait cannot make every rule pass vacuously.
#[test]
fn inline_specs_have_the_expected_nodes() {
    let generated = generate("rbac.yaml", RBAC_SPEC);
    let facts = foundries(&generated.model);
    let f = &facts[0];
    assert_eq!(f.account.as_deref(), Some("account:acme-foundry"));
    assert_eq!(
        f.deployments,
        [
            "deployment:acme-foundry/gpt-4o",
            "deployment:acme-foundry/embed"
        ]
    );
    assert_eq!(
        f.projects,
        [
            "project:acme-foundry/first",
            "project:acme-foundry/middle",
            "project:acme-foundry/last"
        ]
    );
    assert_eq!(
        f.key_vault_connection.as_deref(),
        Some("connection:acme-foundry/acme-foundry-keyvault")
    );
    assert_eq!(
        f.vault_access,
        [format!("role:acme-kv|acme-foundry|{SECRETS_OFFICER}")]
    );
    assert_eq!(f.wait.as_deref(), Some("wait:acme-foundry"));
    assert_eq!(
        f.connections,
        [
            "connection:acme-foundry/first/search-first",
            "connection:acme-foundry/api-one",
            "connection:acme-foundry/first/api-first",
            "connection:acme-foundry/api-two",
            "connection:acme-foundry/middle/api-middle",
            "connection:acme-foundry/search-acct",
            "connection:acme-foundry/first/api-first-2",
        ]
    );
    for format in Target::ALL {
        let g = graph_of(&generated.output, format);
        let search = "connection:acme-foundry/first/search-first";
        for guid in [SEARCH_INDEX_DATA_READER, SEARCH_SERVICE_CONTRIBUTOR] {
            let role = format!("role:acme-search|first|{guid}");
            assert!(g.depends_on(search, &role), "{format}: {search} -> {role}");
        }
        let acct = "connection:acme-foundry/search-acct";
        let role = format!("role:acme-search|acme-foundry|{SEARCH_INDEX_DATA_READER}");
        assert!(g.depends_on(acct, &role), "{format}: {acct} -> {role}");
        // Connections under different parents are not chained to each other.
        assert!(!g.depends_transitively(
            "connection:acme-foundry/first/api-first",
            "connection:acme-foundry/api-one"
        ));
    }
    let policies = generate("policies.yaml", POLICY_SPEC);
    let facts = foundries(&policies.model);
    assert_eq!(facts[0].account, None);
    assert_eq!(facts[0].projects, ["project:old-foundry/added"]);
    assert_eq!(facts[0].vault_access, ["policy:shared-kv"]);
    assert_eq!(facts[1].vault_access, ["policy:shared-kv"]);
    assert_eq!(facts[0].wait.as_deref(), Some("wait:old-foundry"));
    assert_eq!(facts[1].wait, None);

    let listed = generate("listed.yaml", LISTED_VAULT_SPEC);
    let facts = foundries(&listed.model);
    assert_eq!(
        facts[0].key_vault_connection.as_deref(),
        Some("connection:listed-foundry/listed-vault")
    );
    assert_eq!(
        facts[0].vault_access,
        [format!("role:listed-kv|listed-foundry|{SECRETS_OFFICER}")]
    );
    assert_eq!(
        facts[0].connections[0],
        "connection:listed-foundry/api-before"
    );

    let shared = generate("shared.yaml", SHARED_RBAC_SPEC);
    let facts = foundries(&shared.model);
    assert_eq!(
        facts[0].vault_access,
        ["role:common-kv|left-foundry|00482a5a-887f-4fb3-b363-3b7fe8e74483"]
    );
    assert_eq!(
        facts[1].vault_access,
        [format!("role:common-kv|id-right|{SECRETS_OFFICER}")]
    );
    let own = shared
        .model
        .entities
        .iter()
        .position(|e| e.key.ends_with("/connections/right-search"))
        .expect("right-search");
    assert_eq!(
        own_roles(&shared.model, own),
        [format!(
            "role:common-search|id-right|{SEARCH_INDEX_DATA_READER}"
        )]
    );
}

#[test]
fn dependency_graph_is_acyclic_and_names_only_declared_resources() {
    check_everywhere(|g, _, _| {
        let mut out = Vec::new();
        if !g.is_acyclic() {
            out.push("the graph has a cycle".to_string());
        }
        for (from, to) in &g.dangling {
            out.push(format!("`{from}` depends on undeclared `{to}`"));
        }
        for key in &g.duplicates {
            out.push(format!("`{key}` is created more than once"));
        }
        out
    });
}

/// Bicep resolves a module path relative to the file that declares the module; every module
/// call, in main.bicep or inside a module, must name a generated file that way.
#[test]
fn bicep_depends_on_names_nothing_the_body_already_references() {
    let mut failures = Vec::new();
    for (name, text) in all_specs() {
        let g = graph_of(&generate(&name, &text).output, Target::Bicep);
        for entry in g.unnecessary_depends_on {
            failures.push(format!("{name}: {entry}"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn terraform_purges_a_deleted_account_after_destroying_it() {
    let mut seen = 0;
    for (name, text) in all_specs() {
        let generated = generate(&name, &text);
        let model = &generated.model;
        let mut want: Vec<String> = model
            .entities
            .iter()
            .enumerate()
            .filter(|(_, e)| e.purge_on_delete)
            .map(|(i, _)| normalized_key(model, i))
            .collect();
        want.sort();
        for format in [Target::Bicep, Target::Arm] {
            let g = graph_of(&generated.output, format);
            assert!(
                g.purges.is_empty(),
                "{name} ({format}) purges: {:?}",
                g.purges
            );
        }
        let g = graph_of(&generated.output, Target::Terraform);
        let got: Vec<String> = g.purges.iter().map(|(a, _, _)| a.clone()).collect();
        assert_eq!(got, want, "{name}: accounts Terraform purges");
        for (account, on, by) in &g.purges {
            // Created first and destroyed last: it waits for nothing, and only its account
            // waits for it, so `terraform destroy` deletes the account and then runs the purge.
            assert!(
                on.is_empty(),
                "{name}: the purge of `{account}` depends on {on:?}"
            );
            assert_eq!(
                by,
                &vec![account.clone()],
                "{name}: what depends on the purge"
            );
            for other in g
                .nodes
                .keys()
                .filter(|k| connection_account_of(k).as_ref() == Some(account))
            {
                assert!(
                    g.depends_transitively(other, account) || other == account,
                    "{name}: `{other}` is not destroyed before `{account}`, so not before its purge"
                );
            }
            seen += 1;
        }
    }
    assert!(seen > 0, "no spec purges an account");
}

/// The `account:` key a node of that account belongs to (model deployments, projects and
/// connections).
fn connection_account_of(key: &str) -> Option<String> {
    let (kind, rest) = key.split_once(':')?;
    match kind {
        "project" | "connection" | "deployment" => {
            Some(format!("account:{}", rest.split('/').next()?))
        }
        _ => None,
    }
}

#[test]
fn bicep_module_paths_resolve_from_the_calling_file() {
    let mut failures = Vec::new();
    for (name, text) in all_specs() {
        let generated = generate(&name, &text);
        let g = graph_of(&generated.output, Target::Bicep);
        for (caller, module) in &g.unresolved_modules {
            failures.push(format!("{name}: `{caller}` calls missing `{module}`"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// "Several foundries with access policies on one vault share one `add` resource for that vault":
/// within one template there is one `add` per vault holding every foundry's entry; a foundry in
/// another resource group is written from its own module / nested deployment (an `add` cannot be
/// split across templates), and then the two writes are ordered so they never race.
#[test]
fn foundries_sharing_a_policy_vault_share_one_add_per_template_and_never_race() {
    let generated = generate("mixed.yaml", MIXED_POLICY_SPEC);
    let model = &generated.model;
    let policies: Vec<usize> = model
        .plan
        .iter()
        .copied()
        .filter(|&i| model.entities[i].kind == ModelKind::AccessPolicy)
        .collect();
    assert_eq!(policies.len(), 2, "one per template");
    let groups: std::collections::BTreeSet<_> =
        policies.iter().map(|&p| model.entities[p].group).collect();
    assert_eq!(
        groups.len(),
        2,
        "the two `add` writes are in different templates"
    );
    let (first, second) = (policies[0], policies[1]);
    assert!(
        model.entities[second].deps.iter().any(|d| d.on == first),
        "the second write of the vault's `add` does not wait for the first"
    );
}

/// The mixed spec follows the ordering rules: the graph is read through the foundry module /
/// nested deployment, and both foundries' rules hold.
#[test]
fn mixed_existing_and_created_foundries_follow_the_rules() {
    let generated = generate("mixed.yaml", MIXED_POLICY_SPEC);
    let facts = foundries(&generated.model);
    let rules: [Rule; 8] = [
        deployments_rule,
        projects_rule,
        key_vault_connection_rule,
        vault_access_rule,
        wait_rule,
        other_connections_rule,
        siblings_rule,
        own_roles_rule,
    ];
    let mut failures = Vec::new();
    for format in Target::ALL {
        let g = graph_of(&generated.output, format);
        for rule in rules {
            failures.extend(rule(&g, &facts, &generated.model));
        }
        // The vault's two `add` writes (one per template) normalise to one key, so the edges
        // around that key are not a true graph here; the order of the two writes is checked on
        // the model instead. And a module call's `dependsOn` reaches every resource inside it,
        // which is coarser than Terraform's per-resource `depends_on`, so the graphs are not
        // compared for equality when a foundry module waits for something outside it.
        if !g.dangling.is_empty() {
            failures.push(format!("{format}: dangling {:?}", g.dangling));
        }
        let policy = "policy:shared-kv".to_string();
        assert!(g.ordered_duplicates.contains(&policy) || format == Target::Terraform);
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// The nested structures are read, not skipped: in the existing-foundry-elsewhere spec, a nested
/// module's / deployment's `dependsOn` reaches the role inside it, edges between resources of one
/// module come from their own `dependsOn` and `parent:`, and removing one such dependency inside
/// the module is noticed.
#[test]
fn extractor_reads_nested_modules_and_deployments() {
    let generated = generate("elsewhere.yaml", EXISTING_ELSEWHERE_SPEC);
    let facts = foundries(&generated.model);
    let vault_role = format!("role:home-kv|far-foundry|{SECRETS_OFFICER}");
    let kv = "connection:far-foundry/far-foundry-keyvault";
    let fresh = "project:far-foundry/fresh";
    let api = "connection:far-foundry/fresh/fresh-api";
    let search = "connection:far-foundry/fresh/fresh-search";
    for format in Target::ALL {
        let g = graph_of(&generated.output, format);
        assert!(g.depends_on(&vault_role, kv), "{format}: module dependsOn");
        assert!(g.depends_on("wait:far-foundry", &vault_role), "{format}");
        assert!(
            g.depends_on("project:far-foundry/fresh-two", fresh),
            "{format}"
        );
        // The account's chain inside the module starts with its model deployments.
        let (mini, o3) = (
            "deployment:far-foundry/gpt-4.1-mini",
            "deployment:far-foundry/o3",
        );
        assert!(
            g.depends_on(o3, mini),
            "{format}: deployments one at a time"
        );
        assert!(
            g.depends_on(fresh, o3),
            "{format}: projects after deployments"
        );
        assert!(
            g.dependencies(mini).is_empty(),
            "{format}: the account exists"
        );
        assert!(
            g.depends_on(search, fresh),
            "{format}: parent inside the module"
        );
        for guid in [SEARCH_INDEX_DATA_READER, SEARCH_SERVICE_CONTRIBUTOR] {
            let role = format!("role:home-search|fresh|{guid}");
            assert!(g.depends_on(&role, fresh), "{format}: {role}");
            assert!(g.depends_on(search, &role), "{format}: {role}");
        }
        assert!(g.depends_on(api, search), "{format}: precondition");

        let mut mutated: OutputSet = generated.output.clone();
        match format {
            Target::Bicep => {
                let f = mutated
                    .files
                    .get_mut("bicep/modules/foundry-far-foundry.bicep")
                    .unwrap();
                let line = "    farFoundryFreshFreshSearchConnection\n  ]";
                assert_eq!(f.matches(line).count(), 1);
                *f = f.replace(line, "  ]");
            }
            Target::Arm => {
                let f = mutated.files.get_mut("arm/azuredeploy.json").unwrap();
                let mut doc: serde_json::Value = serde_json::from_str(f).unwrap();
                let dep = "[resourceId('Microsoft.CognitiveServices/accounts/projects/connections', 'far-foundry', 'fresh', 'fresh-search')]";
                let inner = doc["resources"][0]["properties"]["template"]["resources"]
                    .as_array_mut()
                    .unwrap();
                let mut removed = 0;
                for r in inner {
                    if let Some(deps) = r.get_mut("dependsOn").and_then(|d| d.as_array_mut()) {
                        let before = deps.len();
                        deps.retain(|d| d != dep);
                        removed += before - deps.len();
                    }
                }
                assert_eq!(removed, 1);
                *f = serde_json::to_string_pretty(&doc).unwrap();
            }
            Target::Terraform => {
                let f = mutated.files.get_mut("terraform/main.tf").unwrap();
                let line = "    azapi_resource.far_foundry_fresh_fresh_search_connection,\n";
                assert_eq!(f.matches(line).count(), 1);
                *f = f.replace(line, "");
            }
        }
        let broken = graph_of(&mutated, format);
        assert_eq!(
            siblings_rule(&broken, &facts, &generated.model),
            // `fresh-api-2` reached `fresh-search` only through `fresh-api`.
            [api, "connection:far-foundry/fresh/fresh-api-2"].map(|c| format!(
                "`{c}` does not depend on `{search}` (siblings serialised in spec order)"
            )),
            "{format}"
        );
        assert_eq!(broken.nodes, g.nodes);
        assert_eq!(broken.edges.len() + 1, g.edges.len());
    }
}

/// The data-plane roles are read in every format, in main and through the foundry module / nested
/// deployment and the role modules / nested deployments: each is a node, before its connection,
/// and the roles of one Cosmos DB account form one chain across foundries and resource groups;
/// removing one link of a chain is noticed.
#[test]
fn extractor_reads_data_plane_roles_and_their_chain() {
    let generated = generate("cosmos.yaml", COSMOS_SPEC);
    let (reader, contributor) = (
        "00000000-0000-0000-0000-000000000001",
        "00000000-0000-0000-0000-000000000002",
    );
    let near_reader = format!("datarole:shared-cosmos|chat|{reader}");
    let near_contributor = format!("datarole:shared-cosmos|chat|{contributor}");
    let old_reader = format!("datarole:shared-cosmos|old-foundry|{reader}");
    let far_near = format!("datarole:far-cosmos|near-foundry|{reader}");
    let far_old = format!("datarole:far-cosmos|old-foundry|{contributor}");
    let near_docs = "connection:near-foundry/chat/docs";
    for format in Target::ALL {
        let g = graph_of(&generated.output, format);
        let roles = g.of_kind(support::graph::Kind::DataRole);
        assert_eq!(roles.len(), 5, "{format}: {roles:?}");
        for (from, to) in [
            (&near_contributor, &near_reader),
            (&old_reader, &near_contributor),
            (&far_old, &far_near),
        ] {
            assert!(g.depends_on(from, to), "{format}: `{from}` -> `{to}`");
        }
        for r in [&near_reader, &near_contributor] {
            assert!(
                g.depends_on(near_docs, r),
                "{format}: `{near_docs}` -> `{r}`"
            );
        }
        assert!(
            g.depends_on("connection:old-foundry/docs", &old_reader),
            "{format}"
        );
        assert!(
            g.depends_on("connection:old-foundry/far-docs", &far_old),
            "{format}"
        );
        assert!(
            one_operation_per_cosmos_account_rule(&g, &[], &generated.model).is_empty(),
            "{format}"
        );

        // The contributor role no longer waits for the reader role on the same account.
        let mut mutated: OutputSet = generated.output.clone();
        match format {
            Target::Bicep => {
                let f = mutated.files.get_mut("bicep/main.bicep").unwrap();
                let deps = "\n  dependsOn: [\n    nearFoundryChatDocsConnectionDataRole1\n  ]";
                assert_eq!(f.matches(deps).count(), 1);
                *f = f.replace(deps, "");
            }
            Target::Arm => {
                let f = mutated.files.get_mut("arm/azuredeploy.json").unwrap();
                let mut doc: serde_json::Value = serde_json::from_str(f).unwrap();
                let mut removed = 0;
                for r in doc["resources"].as_array_mut().unwrap() {
                    let contributor_role = r["type"]
                        == "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments"
                        && r["name"].as_str().is_some_and(|n| n.contains(contributor));
                    if contributor_role {
                        let deps = r["dependsOn"].as_array_mut().unwrap();
                        let before = deps.len();
                        deps.retain(|d| !d.as_str().unwrap().contains("sqlRoleAssignments"));
                        removed += before - deps.len();
                    }
                }
                assert_eq!(removed, 1);
                *f = serde_json::to_string_pretty(&doc).unwrap();
            }
            Target::Terraform => {
                let f = mutated.files.get_mut("terraform/main.tf").unwrap();
                let block = "resource \"azapi_resource\" \"near_foundry_chat_docs_connection_data_role_2\" {";
                let start = f.find(block).expect("the contributor role");
                let end = start + f[start..].find("\n}\n").expect("its end");
                let line = "    azapi_resource.near_foundry_chat_docs_connection_data_role_1,\n";
                let at = start + f[start..end].find(line).expect("its dependency");
                f.replace_range(at..at + line.len(), "");
            }
        }
        let broken = graph_of(&mutated, format);
        assert_eq!(
            one_operation_per_cosmos_account_rule(&broken, &[], &generated.model),
            [format!(
                "`{near_contributor}` does not depend on `{near_reader}` (one operation at a time on Cosmos DB account `shared-cosmos`)"
            )],
            "{format}"
        );
        assert_eq!(broken.nodes, g.nodes);
        assert_eq!(broken.edges.len() + 1, g.edges.len());
    }
}

const GAMMA: &str =
    "resource:microsoft.storage/storageaccounts/blobservices/containers/madestore/default/gamma";
const BETA: &str =
    "resource:microsoft.storage/storageaccounts/blobservices/containers/madestore/default/beta";
const APPI: &str = "resource:microsoft.insights/components/made-appi";
const LOGS: &str = "resource:microsoft.operationalinsights/workspaces/made-logs";

/// The orderings the created-resource rules want of the inline spec, pinned, so that a model that
/// lost a container, a database or the workspace link cannot make them pass vacuously.
#[test]
fn created_resource_rules_want_the_expected_orderings() {
    let generated = generate("created.yaml", CREATED_SPEC);
    let model = &generated.model;
    let has =
        |wants: &[Want], from: &str, to: &str| wants.iter().any(|(f, t, _)| f == from && t == to);
    let first = created_first_wants(model);
    let (db_one, db_two) = (
        "resource:microsoft.documentdb/databaseaccounts/sqldatabases/made-cosmos/one",
        "resource:microsoft.documentdb/databaseaccounts/sqldatabases/made-cosmos/two",
    );
    for (from, to) in [
        ("account:made-foundry", GAMMA),
        ("account:made-foundry", db_two),
        ("account:made-foundry", "deployment:made-aoai/embed"),
        (
            "account:made-foundry",
            "resource:microsoft.keyvault/vaults/made-kv",
        ),
        (
            "account:made-foundry",
            "resource:microsoft.search/searchservices/made-search",
        ),
        ("connection:made-foundry/lab/docs", GAMMA),
        ("connection:made-foundry/lab/threads", db_one),
        ("connection:old-foundry/threads", db_two),
        ("connection:old-foundry/openai", "deployment:made-aoai/mini"),
        (
            "connection:made-foundry/made-foundry-keyvault",
            "resource:microsoft.keyvault/vaults/made-kv",
        ),
    ] {
        assert!(has(&first, from, to), "rule 1 misses `{from}` -> `{to}`");
    }
    // Not the data-plane roles on the Cosmos DB account, nor the idle search service.
    assert!(
        !first
            .iter()
            .any(|(f, t, _)| f.starts_with("account:") && t.starts_with("datarole:"))
    );
    assert!(!first.iter().any(|(_, t, _)| t.contains("idle-search")));

    let (children, out_of_order) = created_children_wants(model);
    assert!(out_of_order.is_empty(), "{out_of_order:?}");
    let reader = "datarole:made-cosmos|lab|00000000-0000-0000-0000-000000000001";
    let contributor = "datarole:made-cosmos|made-foundry|00000000-0000-0000-0000-000000000002";
    let old = "datarole:made-cosmos|old-foundry|00000000-0000-0000-0000-000000000001";
    for (from, to) in [
        (GAMMA, BETA),
        (
            BETA,
            "resource:microsoft.storage/storageaccounts/blobservices/containers/madestore/default/alpha",
        ),
        (db_two, db_one),
        (reader, db_two),
        (contributor, reader),
        (old, contributor),
        ("deployment:made-aoai/embed", "deployment:made-aoai/mini"),
        ("deployment:made-aoai/mini", "account:made-aoai"),
    ] {
        assert!(has(&children, from, to), "rule 2 misses `{from}` -> `{to}`");
    }

    let roles = roles_on_created_wants(model);
    for (from, to) in [
        (
            "role:made-aoai|made-foundry|5e0bd9bd-7b93-4f28-af87-19fc36ad61bd",
            "account:made-aoai",
        ),
        (
            "role:madestore|lab|ba92f5b4-2d11-453d-a403-e96b0029c9fe",
            "resource:microsoft.storage/storageaccounts/madestore",
        ),
        (
            "role:made-cosmos|made-foundry|230815da-be43-4aae-9cb4-875f7bd000aa",
            "resource:microsoft.documentdb/databaseaccounts/made-cosmos",
        ),
        (
            &format!("role:made-kv|made-foundry|{SECRETS_OFFICER}"),
            "resource:microsoft.keyvault/vaults/made-kv",
        ),
        (
            old,
            "resource:microsoft.documentdb/databaseaccounts/made-cosmos",
        ),
    ] {
        assert!(has(&roles, from, to), "rule 3 misses `{from}` -> `{to}`");
    }

    let (insights, unresolved) = app_insights_wants(model);
    assert!(unresolved.is_empty(), "{unresolved:?}");
    assert_eq!(
        insights
            .iter()
            .map(|(f, t, _)| (f.as_str(), t.as_str()))
            .collect::<Vec<_>>(),
        [(APPI, LOGS)]
    );
}

/// Removes one ordering each created-resource rule relies on from one format's text — the account's
/// wait for the last container, the last container's wait for the one before, App Insights' wait
/// for its workspace — and shows that the rule, which passes on the real output, then fails.
#[test]
fn extractor_notices_removed_created_resource_edges() {
    /// Replaces the one `needle` inside the one declaration that starts with `start`.
    fn edit_block(file: &mut String, start: &str, needle: &str, with: &str) {
        assert_eq!(file.matches(start).count(), 1, "`{start}`");
        let at = file.find(start).unwrap();
        let end = at + file[at..].find("\n}\n").expect("its end");
        assert_eq!(
            file[at..end].matches(needle).count(),
            1,
            "`{needle}` in `{start}`"
        );
        let pos = at + file[at..end].find(needle).unwrap();
        file.replace_range(pos..pos + needle.len(), with);
    }
    /// Removes `dep` from the `dependsOn` of the top-level ARM resource named `name`.
    fn drop_arm_dependency(file: &mut String, name: &str, dep: &str) {
        let mut doc: serde_json::Value = serde_json::from_str(file).unwrap();
        let mut removed = 0;
        for r in doc["resources"].as_array_mut().unwrap() {
            if r["name"] == name {
                let deps = r["dependsOn"].as_array_mut().unwrap();
                let before = deps.len();
                deps.retain(|d| d != dep);
                removed += before - deps.len();
            }
        }
        assert_eq!(removed, 1, "`{dep}` of `{name}`");
        *file = serde_json::to_string_pretty(&doc).unwrap();
    }
    let generated = generate("created.yaml", CREATED_SPEC);
    let model = &generated.model;
    let facts = foundries(model);
    let container = |name: &str| {
        format!(
            "[resourceId('Microsoft.Storage/storageAccounts/blobServices/containers', 'madestore', 'default', '{name}')]"
        )
    };
    let cases: [(Rule, &str, &str, String); 3] = [
        (
            created_resources_come_first_rule,
            "account:made-foundry",
            GAMMA,
            "what an account connects to is created first".to_string(),
        ),
        (
            created_children_rule,
            GAMMA,
            BETA,
            "one child operation at a time under `resource:microsoft.storage/storageaccounts/blobservices/madestore/default`".to_string(),
        ),
        (
            app_insights_after_its_workspace_rule,
            APPI,
            LOGS,
            "App Insights after the workspace it names".to_string(),
        ),
    ];
    for (n, (rule, from, to, why)) in cases.iter().enumerate() {
        for format in Target::ALL {
            let g = graph_of(&generated.output, format);
            assert!(g.depends_on(from, to), "{format}: precondition");
            assert!(rule(&g, &facts, model).is_empty(), "{format}: precondition");

            let mut mutated: OutputSet = generated.output.clone();
            match format {
                Target::Bicep => {
                    let f = mutated.files.get_mut("bicep/main.bicep").unwrap();
                    match n {
                        0 => edit_block(
                            f,
                            "resource madeFoundry '",
                            "    madestoreGammaContainer\n",
                            "",
                        ),
                        1 => edit_block(
                            f,
                            "resource madestoreGammaContainer '",
                            "\n  dependsOn: [\n    madestoreBetaContainer\n  ]",
                            "",
                        ),
                        _ => edit_block(
                            f,
                            "resource madeAppiComponents '",
                            "madeLogsWorkspaces.id",
                            "resourceId('Microsoft.OperationalInsights/workspaces', 'made-logs')",
                        ),
                    }
                }
                Target::Arm => {
                    let f = mutated.files.get_mut("arm/azuredeploy.json").unwrap();
                    match n {
                        0 => drop_arm_dependency(f, "made-foundry", &container("gamma")),
                        1 => drop_arm_dependency(f, "madestore/default/gamma", &container("beta")),
                        _ => drop_arm_dependency(
                            f,
                            "made-appi",
                            "[resourceId('Microsoft.OperationalInsights/workspaces', 'made-logs')]",
                        ),
                    }
                }
                Target::Terraform => {
                    let f = mutated.files.get_mut("terraform/main.tf").unwrap();
                    let (block, dep) = match n {
                        0 => ("made_foundry", "madestore_gamma_container"),
                        1 => ("madestore_gamma_container", "madestore_beta_container"),
                        _ => ("made_appi_components", "made_logs_workspaces"),
                    };
                    edit_block(
                        f,
                        &format!("resource \"azapi_resource\" \"{block}\" {{"),
                        &format!("    azapi_resource.{dep},\n"),
                        "",
                    );
                }
            }
            let broken = graph_of(&mutated, format);
            assert!(!broken.depends_on(from, to), "{format}: edge still read");
            assert_eq!(
                rule(&broken, &facts, model),
                [format!("`{from}` does not depend on `{to}` ({why})")],
                "{format}"
            );
            assert_eq!(broken.nodes, g.nodes);
            assert_eq!(broken.edges.len() + 1, g.edges.len(), "{format}");
        }
    }
}

/// `g` with the granularity of a foundry module / nested deployment: Bicep and ARM can only make a
/// module call wait, so whatever one resource in it waits for outside it, every resource in it
/// waits for (a resource of another foundry module standing for that whole module), where
/// Terraform's `depends_on` stays per resource. Likewise a resource of the main template that waits
/// for one resource of a module (a role on a created resource in another resource group) waits for
/// the whole module.
fn with_module_granularity(g: &Graph, model: &Model) -> Graph {
    let mut g = g.clone();
    let members = |group: usize| -> Vec<String> {
        model
            .plan
            .iter()
            .filter(|&&i| model.entity(i).group == Some(group))
            .map(|&i| normalized_key(model, i))
            .collect()
    };
    let groups: std::collections::BTreeSet<usize> = model
        .plan
        .iter()
        .filter_map(|&i| model.entity(i).group)
        .collect();
    for group in groups {
        let mut outside = Vec::new();
        for &i in &model.plan {
            let e = model.entity(i);
            if e.group != Some(group) {
                continue;
            }
            for d in &e.deps {
                let on = model.entity(d.on);
                if on.existing || on.group == Some(group) {
                    continue;
                }
                match on.group {
                    Some(other) => outside.extend(members(other)),
                    None => outside.push(normalized_key(model, d.on)),
                }
            }
        }
        for m in members(group) {
            for o in &outside {
                g.edges.insert((m.clone(), o.clone()));
            }
        }
    }
    for &i in &model.plan {
        let e = model.entity(i);
        if e.group.is_some() {
            continue;
        }
        for d in &e.deps {
            let on = model.entity(d.on);
            if let (false, Some(other)) = (on.existing, on.group) {
                for m in members(other) {
                    g.edges.insert((normalized_key(model, i), m));
                }
            }
        }
    }
    g
}

#[test]
fn all_formats_give_the_same_graph() {
    for (name, text) in all_specs() {
        let generated = generate(&name, &text);
        let bicep = graph_of(&generated.output, Target::Bicep);
        for format in [Target::Arm, Target::Terraform] {
            let other = graph_of(&generated.output, format);
            let other = match format {
                Target::Terraform => with_module_granularity(&other, &generated.model),
                _ => other,
            };
            assert_eq!(
                bicep.nodes, other.nodes,
                "{name}: nodes of bicep vs {format}"
            );
            let only_bicep: Vec<_> = bicep.edges.difference(&other.edges).collect();
            let only_other: Vec<_> = other.edges.difference(&bicep.edges).collect();
            assert!(
                only_bicep.is_empty() && only_other.is_empty(),
                "{name}: edges only in bicep {only_bicep:?}, only in {format} {only_other:?}"
            );
        }
    }
}

#[test]
fn outputs_create_exactly_the_model_entities() {
    for (name, text) in all_specs() {
        let generated = generate(&name, &text);
        let model = &generated.model;
        let mut expected: Vec<String> = model
            .plan
            .iter()
            .map(|&i| normalized_key(model, i))
            .collect();
        expected.sort();
        for format in Target::ALL {
            let g = graph_of(&generated.output, format);
            let got: Vec<String> = g.nodes.keys().cloned().collect();
            assert_eq!(got, expected, "{name} ({format})");
        }
    }
}

#[test]
fn plan_is_a_topological_order_with_spec_order_ties_and_teardown_is_its_reverse() {
    for (name, text) in all_specs() {
        let generated = generate(&name, &text);
        let model = &generated.model;
        let plan: Vec<String> = model
            .plan
            .iter()
            .map(|&i| normalized_key(model, i))
            .collect();
        let rank = |key: &str| {
            model
                .plan
                .iter()
                .find(|&&i| normalized_key(model, i) == key)
                .copied()
                .unwrap_or_else(|| panic!("`{key}` is not in the plan"))
        };
        for format in Target::ALL {
            let g = graph_of(&generated.output, format);
            if let Err(e) = g.check_topological(&plan) {
                panic!("{name} ({format}): the plan is not a topological order: {e}");
            }
            // Spec order is the model's entity order; Kahn's algorithm that always takes the
            // earliest ready entity must give the plan exactly.
            let by_spec = g.topological_order_by(rank).expect("acyclic");
            assert_eq!(
                plan, by_spec,
                "{name} ({format}): ties not broken by spec order"
            );
        }
        let teardown = model.teardown();
        let mut reversed = model.plan.clone();
        reversed.reverse();
        assert_eq!(
            teardown, reversed,
            "{name}: teardown is not the plan reversed"
        );
    }
    // Spec order itself: accounts, projects and connections appear in the entity list as written.
    let generated = generate("rbac.yaml", RBAC_SPEC);
    let created: Vec<String> = generated
        .model
        .entities
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            !e.existing && matches!(e.kind, ModelKind::Project | ModelKind::Connection)
        })
        .map(|(i, _)| normalized_key(&generated.model, i))
        .collect();
    assert_eq!(
        created,
        [
            "project:acme-foundry/first",
            "project:acme-foundry/middle",
            "project:acme-foundry/last",
            "connection:acme-foundry/first/search-first",
            "connection:acme-foundry/api-one",
            "connection:acme-foundry/first/api-first",
            "connection:acme-foundry/api-two",
            "connection:acme-foundry/middle/api-middle",
            "connection:acme-foundry/search-acct",
            "connection:acme-foundry/first/api-first-2",
        ]
    );
}

/// Removes the one explicit dependency of `weather` on `search` (its earlier sibling) from one
/// format's text, and shows that the sibling rule, which passes on the real output, then fails.
#[test]
fn extractor_notices_a_removed_dependency() {
    let name = "specs/key-vault-first.yaml";
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/specs/key-vault-first.yaml"
    ))
    .expect("spec");
    let generated = generate(name, &text);
    let facts = foundries(&generated.model);
    let weather = "connection:contoso-foundry/research/weather";
    let search = "connection:contoso-foundry/research/search";
    for format in Target::ALL {
        let g = graph_of(&generated.output, format);
        assert!(g.depends_on(weather, search), "{format}: precondition");
        assert!(siblings_rule(&g, &facts, &generated.model).is_empty());

        let mut mutated: OutputSet = generated.output.clone();
        match format {
            Target::Bicep => {
                let f = mutated.files.get_mut("bicep/main.bicep").unwrap();
                let line = "    contosoFoundryResearchSearchConnection\n  ]";
                assert_eq!(f.matches(line).count(), 1);
                *f = f.replace(line, "  ]");
            }
            Target::Arm => {
                let f = mutated.files.get_mut("arm/azuredeploy.json").unwrap();
                let mut doc: serde_json::Value = serde_json::from_str(f).unwrap();
                let dep = "[resourceId('Microsoft.CognitiveServices/accounts/projects/connections', 'contoso-foundry', 'research', 'search')]";
                let mut removed = 0;
                for r in doc["resources"].as_array_mut().unwrap() {
                    if let Some(deps) = r.get_mut("dependsOn").and_then(|d| d.as_array_mut()) {
                        let before = deps.len();
                        deps.retain(|d| d != dep);
                        removed += before - deps.len();
                    }
                }
                assert_eq!(removed, 1);
                *f = serde_json::to_string_pretty(&doc).unwrap();
            }
            Target::Terraform => {
                let f = mutated.files.get_mut("terraform/main.tf").unwrap();
                let line = "    azapi_resource.contoso_foundry_research_search_connection,\n";
                assert_eq!(f.matches(line).count(), 1);
                *f = f.replace(line, "");
            }
        }
        let broken = graph_of(&mutated, format);
        assert!(
            !broken.depends_on(weather, search),
            "{format}: edge still read"
        );
        let violations = siblings_rule(&broken, &facts, &generated.model);
        assert_eq!(
            violations,
            [format!(
                "`{weather}` does not depend on `{search}` (siblings serialised in spec order)"
            )],
            "{format}"
        );
        // Everything else is still read the same.
        assert_eq!(broken.nodes, g.nodes);
        assert_eq!(broken.edges.len() + 1, g.edges.len());
    }
}

mod random_specs {
    //! The ordering contract as properties: random valid specs (1–3 foundries, 0–3 model
    //! deployments of mixed SKUs, 0–4 projects, 0–12 connections of mixed categories, levels and
    //! auth types, with and without a Key Vault, RBAC or access policies, a wait or not, created and
    //! existing accounts, some in other resource groups, Cosmos DB connections with data-plane roles
    //! on accounts several connections share, one of them in another subscription; 0–6 created
    //! resources of random types, in the deployment's resource group, another one or another
    //! subscription, with containers, databases or model deployments, some targeted by connections
    //! or named as a foundry's vault, some unused) must satisfy every rule in every format.

    use super::*;
    use proptest::prelude::*;

    /// The types `resources:` creates, by the index a [`RandomResource`] holds.
    const CREATED_TYPES: [&str; 7] = [
        "Microsoft.Search/searchServices",
        "Microsoft.Storage/storageAccounts",
        "Microsoft.DocumentDB/databaseAccounts",
        "Microsoft.KeyVault/vaults",
        "Microsoft.OperationalInsights/workspaces",
        "Microsoft.Insights/components",
        "Microsoft.CognitiveServices/accounts",
    ];
    const SEARCH: usize = 0;
    const STORAGE: usize = 1;
    const COSMOS: usize = 2;
    const VAULT: usize = 3;
    const WORKSPACE: usize = 4;
    const INSIGHTS: usize = 5;
    const COGNITIVE: usize = 6;

    #[derive(Debug, Clone)]
    struct RandomResource {
        /// An index into [`CREATED_TYPES`].
        ty: usize,
        /// 0: the deployment's resource group; 1: another one; 2: one in another subscription.
        home: usize,
        /// Containers, databases or model deployments, by type.
        children: usize,
        /// A Cognitive Services account's kind (OpenAI or AIServices); whether an App Insights
        /// component names a workspace of `resources:` (when there is one) or a resource id.
        flag: bool,
    }

    impl RandomResource {
        /// A name that satisfies the type's rule, unique in the spec (by its index).
        fn name(&self, ri: usize) -> String {
            let stem = [
                "rsearch", "rstore", "rcosmos", "rkv", "rlogs", "rappi", "raoai",
            ];
            format!("{}{ri}", stem[self.ty])
        }

        /// Its resource group (and subscription) as flow-map entries, `, resource_group: …`.
        fn home(&self) -> &'static str {
            match self.home {
                0 => "",
                1 => ", resource_group: rg-res",
                _ => ", resource_group: rg-far, subscription: 11111111-2222-3333-4444-555555555555",
            }
        }

        /// `target: { resource: … }` naming it.
        fn target(&self, ri: usize) -> String {
            format!(
                "target: {{ resource: {{ type: {}, name: {}{} }} }}",
                CREATED_TYPES[self.ty],
                self.name(ri),
                self.home()
            )
        }
    }

    #[derive(Debug, Clone)]
    struct RandomFoundry {
        existing: bool,
        elsewhere: bool,
        user_assigned: bool,
        /// (SKU template, capacity) per model deployment.
        deployments: Vec<(usize, Option<i64>)>,
        projects: usize,
        /// (access policies, wait, which created vault when there are any).
        vault: Option<(bool, bool, Option<usize>)>,
        /// (template, project index, which created resource for templates 8 and 9).
        connections: Vec<(usize, Option<usize>, usize)>,
    }

    #[derive(Debug, Clone)]
    struct RandomSpec {
        resources: Vec<RandomResource>,
        foundries: Vec<RandomFoundry>,
    }

    fn resource() -> impl Strategy<Value = RandomResource> {
        (0usize..7, 0usize..3, 0usize..=3, any::<bool>()).prop_map(|(ty, home, children, flag)| {
            RandomResource {
                ty,
                home,
                children,
                flag,
            }
        })
    }

    fn foundry() -> impl Strategy<Value = RandomFoundry> {
        (
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            proptest::collection::vec((0usize..4, proptest::option::of(1i64..=500)), 0..=3),
            0usize..=4,
            proptest::option::of((
                any::<bool>(),
                any::<bool>(),
                proptest::option::of(0usize..6),
            )),
            proptest::collection::vec(
                (0usize..10, proptest::option::of(0usize..4), 0usize..6),
                0..=12,
            ),
        )
            .prop_map(
                |(
                    existing,
                    elsewhere,
                    user_assigned,
                    deployments,
                    projects,
                    vault,
                    connections,
                )| {
                    RandomFoundry {
                        existing,
                        elsewhere: existing && elsewhere,
                        user_assigned: user_assigned && !existing,
                        deployments,
                        projects,
                        vault,
                        connections,
                    }
                },
            )
    }

    fn random_spec() -> impl Strategy<Value = RandomSpec> {
        (
            proptest::collection::vec(resource(), 0..=6),
            proptest::collection::vec(foundry(), 1..=3),
        )
            .prop_map(|(resources, foundries)| RandomSpec {
                resources,
                foundries,
            })
    }

    /// A model deployment of `model` template (0–3) as a flow map.
    fn deployment(name: &str, template: usize, capacity: Option<i64>) -> String {
        let (model, sku) = match template {
            0 => ("{ name: gpt-4o, version: '2024-11-20' }", "GlobalStandard"),
            1 => ("{ name: text-embedding-3-large }", "Standard"),
            2 => ("{ name: gpt-4.1-mini, format: OpenAI }", "DataZoneStandard"),
            _ => (
                "{ name: Phi-4, format: Microsoft }",
                "GlobalProvisionedManaged",
            ),
        };
        let capacity = capacity
            .map(|c| format!(", capacity: {c}"))
            .unwrap_or_default();
        format!("{{ name: {name}, model: {model}, sku: {{ name: {sku}{capacity} }} }}")
    }

    /// The `resources:` list.
    fn resources(spec: &RandomSpec) -> String {
        let rs = &spec.resources;
        if rs.is_empty() {
            return String::new();
        }
        let workspaces: Vec<usize> = (0..rs.len()).filter(|&i| rs[i].ty == WORKSPACE).collect();
        let mut s = String::from("resources:\n");
        for (ri, r) in rs.iter().enumerate() {
            let list = |stem: &str| {
                (0..r.children)
                    .map(|k| format!("{stem}{k}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let extra = match r.ty {
                STORAGE if r.children > 0 => format!(", containers: [{}]", list("docs")),
                COSMOS if r.children > 0 => format!(", databases: [{}]", list("db")),
                INSIGHTS => match workspaces.get(r.children % workspaces.len().max(1)) {
                    // Possibly written before its workspace: the order is the graph's, not
                    // the list's.
                    Some(&w) if r.flag => format!(", workspace: {}", rs[w].name(w)),
                    _ => ", workspace: /subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-logs/providers/Microsoft.OperationalInsights/workspaces/far-logs".to_string(),
                },
                COGNITIVE => {
                    let kind = if r.flag { "OpenAI" } else { "AIServices" };
                    let deployments: Vec<String> = (0..r.children)
                        .map(|k| deployment(&format!("cd{k}"), k % 3, None))
                        .collect();
                    if deployments.is_empty() {
                        format!(", kind: {kind}")
                    } else {
                        format!(", kind: {kind}, deployments: [{}]", deployments.join(", "))
                    }
                }
                _ => String::new(),
            };
            s.push_str(&format!(
                "  - {{ type: {}, name: {}{}{extra} }}\n",
                CREATED_TYPES[r.ty],
                r.name(ri),
                r.home()
            ));
        }
        s
    }

    /// A connection to the created resource `ri`, for templates 8 (Entra ID, with roles where the
    /// type takes them) and 9 (a key, or other roles).
    fn created_connection(r: &RandomResource, ri: usize, entra: bool) -> String {
        let target = r.target(ri);
        let key = "auth: { type: ApiKey, key: { from_target: true } }";
        match (r.ty, entra) {
            (SEARCH, true) => format!(
                "category: CognitiveSearch, {target}, auth: {{ type: AAD }}, roles: [Search Index Data Reader]"
            ),
            (SEARCH, false) => format!("category: CognitiveSearch, {target}, {key}"),
            (STORAGE, true) => format!(
                "category: AzureStorageAccount, {target}, auth: {{ type: AAD }}, roles: [Storage Blob Data Contributor]"
            ),
            (STORAGE, false) => format!(
                "category: AzureStorageAccount, {target}, auth: {{ type: AccountKey, key: {{ from_target: true }} }}"
            ),
            (COSMOS, true) => format!(
                "category: CosmosDb, {target}, auth: {{ type: AAD }}, roles: [Cosmos DB Built-in Data Reader]"
            ),
            (COSMOS, false) => format!(
                "category: CosmosDb, {target}, auth: {{ type: AAD }}, roles: [Cosmos DB Built-in Data Contributor, Cosmos DB Operator]"
            ),
            (INSIGHTS, _) => format!("category: AppInsights, {target}, {key}"),
            (COGNITIVE, entra) => {
                let category = if r.flag { "AzureOpenAI" } else { "AIServices" };
                if entra {
                    format!(
                        "category: {category}, {target}, auth: {{ type: AAD }}, roles: [Cognitive Services OpenAI User]"
                    )
                } else {
                    format!("category: {category}, {target}, {key}")
                }
            }
            other => unreachable!("no connection to created type {other:?}"),
        }
    }

    fn spec(random: &RandomSpec) -> String {
        let foundries = &random.foundries;
        let mut s = String::from("version: 1\nname: random\nlocation: eastus2\n");
        s.push_str(&resources(random));
        s.push_str("foundries:\n");
        let rs = &random.resources;
        // What a connection can target (a vault is the Key Vault connection's, a workspace no
        // connection's), and the vaults a foundry's `key_vault` can name.
        let targets: Vec<usize> = (0..rs.len())
            .filter(|&i| ![VAULT, WORKSPACE].contains(&rs[i].ty))
            .collect();
        let vaults: Vec<usize> = (0..rs.len()).filter(|&i| rs[i].ty == VAULT).collect();
        for (fi, f) in foundries.iter().enumerate() {
            s.push_str(&format!("  - name: f{fi}-foundry\n"));
            if f.existing {
                s.push_str("    existing: true\n");
            }
            if f.elsewhere {
                s.push_str(&format!("    resource_group: rg-f{fi}\n"));
            }
            if f.user_assigned {
                s.push_str(&format!(
                    "    identity: user_assigned\n    user_assigned_identity: {{ name: id-f{fi}, resource_group: rg-ids }}\n"
                ));
            }
            if !f.deployments.is_empty() {
                s.push_str("    deployments:\n");
            }
            for (di, (template, capacity)) in f.deployments.iter().enumerate() {
                s.push_str(&format!(
                    "      - {}\n",
                    deployment(&format!("f{fi}d{di}"), *template, *capacity)
                ));
            }
            if f.projects > 0 {
                s.push_str("    projects:\n");
                for p in 0..f.projects {
                    // An existing account may hold existing projects too.
                    let existing = if f.existing && p % 2 == 1 {
                        ", existing: true"
                    } else {
                        ""
                    };
                    s.push_str(&format!("      - {{ name: f{fi}p{p}{existing} }}\n"));
                }
            }
            if let Some((policies, wait, created)) = f.vault {
                let created = created
                    .filter(|_| !vaults.is_empty())
                    .map(|v| vaults[v % vaults.len()]);
                match created {
                    Some(v) => {
                        // A created vault uses Azure RBAC.
                        s.push_str(&format!("    key_vault:\n      name: {}\n", rs[v].name(v)));
                        for (k, value) in rs[v]
                            .home()
                            .split(", ")
                            .filter_map(|kv| kv.split_once(": "))
                        {
                            s.push_str(&format!("      {k}: {value}\n"));
                        }
                    }
                    None => {
                        s.push_str(&format!("    key_vault:\n      name: kv-f{fi}\n"));
                        if policies {
                            s.push_str("      permission_model: access_policies\n");
                        }
                    }
                }
                if wait {
                    s.push_str("      wait_for_role: 30s\n");
                }
            }
            if !f.connections.is_empty() {
                s.push_str("    connections:\n");
            }
            for (ci, (template, project, pick)) in f.connections.iter().enumerate() {
                let project = project
                    .filter(|_| f.projects > 0)
                    .map(|p| format!("project: f{fi}p{}, ", p % f.projects))
                    .unwrap_or_default();
                let custom = "category: CustomKeys, target: { url: 'https://custom.example.com/' }, auth: { type: CustomKeys, keys: { x-key: { secret: customKey } } }".to_string();
                let body = match template {
                    0 => "category: ApiKey, target: { url: 'https://api.example.com/' }, auth: { type: ApiKey, key: { secret: apiKey } }".to_string(),
                    1 => format!("category: CognitiveSearch, target: {{ resource: {{ type: Microsoft.Search/searchServices, name: search{ci} }} }}, auth: {{ type: AAD }}, roles: [Search Index Data Reader]"),
                    2 => format!("category: AzureOpenAI, target: {{ resource: {{ type: Microsoft.CognitiveServices/accounts, name: aoai{ci}, resource_group: rg-ai }} }}, auth: {{ type: ApiKey, key: {{ from_target: true }} }}"),
                    3 => custom,
                    // Accounts shared by several connections (and foundries), so that their
                    // data-plane roles chain; one of them in another subscription.
                    4 => format!("category: CosmosDb, target: {{ resource: {{ type: Microsoft.DocumentDB/databaseAccounts, name: cosmos{} }} }}, auth: {{ type: AAD }}, roles: [Cosmos DB Built-in Data Reader, Cosmos DB Operator]", ci % 2),
                    7 => "category: CosmosDB, target: { resource_id: /subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-data/providers/Microsoft.DocumentDB/databaseAccounts/far-cosmos }, auth: { type: AAD }, roles: [Cosmos DB Built-in Data Contributor, '00000000-0000-0000-0000-000000000001']".to_string(),
                    5 => format!("category: AzureStorageAccount, target: {{ resource: {{ type: Microsoft.Storage/storageAccounts, name: store{ci} }} }}, auth: {{ type: AccountKey, key: {{ from_target: true }} }}"),
                    6 => "category: AppInsights, target: { resource: { type: Microsoft.Insights/components, name: appi } }, auth: { type: ApiKey, key: { from_target: true } }".to_string(),
                    // A created resource, shared by every connection that picks it.
                    _ => match targets.get(pick % targets.len().max(1)) {
                        Some(&ri) => created_connection(&rs[ri], ri, *template == 8),
                        None => custom,
                    },
                };
                s.push_str(&format!(
                    "      - {{ name: f{fi}c{ci}, {project}{body} }}\n"
                ));
            }
        }
        s
    }

    fn check(text: &str) -> Result<(), String> {
        let generated = foundrygen::generate(&Source::new("random.yaml", text), &Target::ALL)
            .map_err(|e| format!("does not generate: {e}"))?;
        let again = foundrygen::generate(&Source::new("random.yaml", text), &Target::ALL).unwrap();
        if again.output != generated.output {
            return Err("rendering twice gave different bytes".into());
        }
        let model = &generated.model;
        let mut reversed = model.teardown();
        reversed.reverse();
        if reversed != model.plan {
            return Err("the teardown is not the plan reversed".into());
        }
        // `plan --teardown` deletes exactly what `plan` creates, in the reverse order.
        let steps = |teardown: bool| -> Vec<String> {
            let verb = if teardown { ". delete " } else { ". create " };
            foundrygen::plan::describe(model, teardown)
                .lines()
                .skip(1)
                .map(|l| {
                    let step = l.split_once(verb).map_or(l, |(_, s)| s);
                    step.split_once("; ").map_or(step, |(s, _)| s).to_string()
                })
                .collect()
        };
        let mut deletes = steps(true);
        deletes.reverse();
        if deletes != steps(false) {
            return Err(format!(
                "`plan --teardown` is not `plan` reversed:\n{}",
                foundrygen::plan::describe(model, true)
            ));
        }
        let facts = foundries(model);
        let rules: [Rule; 15] = [
            deployments_rule,
            projects_rule,
            key_vault_connection_rule,
            vault_access_rule,
            wait_rule,
            other_connections_rule,
            siblings_rule,
            one_chain_per_parent_rule,
            own_roles_rule,
            data_plane_roles_rule,
            one_operation_per_cosmos_account_rule,
            created_resources_come_first_rule,
            created_children_rule,
            roles_on_created_resources_rule,
            app_insights_after_its_workspace_rule,
        ];
        let plan: Vec<String> = model
            .plan
            .iter()
            .map(|&i| normalized_key(model, i))
            .collect();
        let mut failures = Vec::new();
        let bicep = graph_of(&generated.output, Target::Bicep);
        for format in Target::ALL {
            let g = graph_of(&generated.output, format);
            if !g.is_acyclic() {
                failures.push(format!("{format}: the graph has a cycle"));
            }
            for (from, to) in &g.dangling {
                failures.push(format!("{format}: `{from}` depends on undeclared `{to}`"));
            }
            // Created in plan order, so deleted in its reverse: both respect every edge.
            if let Err(e) = g.check_topological(&plan) {
                failures.push(format!(
                    "{format}: the plan is not a topological order: {e}"
                ));
            }
            for rule in rules {
                for v in rule(&g, &facts, model) {
                    failures.push(format!("{format}: {v}"));
                }
            }
            // Every format states the same graph (Terraform at module granularity, as in
            // `all_formats_give_the_same_graph`).
            if format != Target::Bicep {
                let other = match format {
                    Target::Terraform => with_module_granularity(&g, model),
                    _ => g,
                };
                if other.nodes != bicep.nodes {
                    failures.push(format!("{format}: not the nodes of bicep"));
                }
                let only_bicep: Vec<_> = bicep.edges.difference(&other.edges).collect();
                let only_other: Vec<_> = other.edges.difference(&bicep.edges).collect();
                if !only_bicep.is_empty() || !only_other.is_empty() {
                    failures.push(format!(
                        "edges only in bicep {only_bicep:?}, only in {format} {only_other:?}"
                    ));
                }
            }
        }
        // Role-assignment names must be computable at deployment start: no principal id in them.
        let files = &generated.output.files;
        let arm: serde_json::Value = serde_json::from_str(&files["arm/azuredeploy.json"]).unwrap();
        let mut stack = vec![&arm];
        while let Some(v) = stack.pop() {
            match v {
                serde_json::Value::Object(m) => {
                    if matches!(
                        m.get("type").and_then(|t| t.as_str()),
                        Some(
                            "Microsoft.Authorization/roleAssignments"
                                | "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments"
                        )
                    ) && let Some(name) = m.get("name").and_then(|n| n.as_str())
                        && (name.contains("reference(") || name.contains("principalId"))
                    {
                        failures.push(format!(
                            "arm: role assignment name `{name}` needs runtime values"
                        ));
                    }
                    stack.extend(m.values());
                }
                serde_json::Value::Array(a) => stack.extend(a.iter()),
                _ => {}
            }
        }
        for line in files["terraform/main.tf"].lines() {
            if line.trim_start().starts_with("name")
                && line.contains("uuidv5")
                && line.contains("principal")
            {
                failures.push(format!(
                    "terraform: role assignment name needs runtime values: {line}"
                ));
            }
        }
        for (path, text) in files.iter().filter(|(p, _)| p.ends_with(".bicep")) {
            for line in text.lines() {
                if line.trim_start().starts_with("name: guid(") && line.contains("principalId") {
                    failures.push(format!(
                        "{path}: role assignment name needs runtime values: {line}"
                    ));
                }
            }
        }
        if failures.is_empty() {
            Ok(())
        } else {
            Err(failures.join("\n"))
        }
    }

    /// The generator writes valid specs (validation passes; warnings, such as an unused resource,
    /// are fine) that give every created-resource rule something to check: over a fixed sample,
    /// each shape the rules speak of occurs.
    #[test]
    fn random_specs_are_valid_and_reach_every_created_resource_rule() {
        use proptest::strategy::ValueTree;
        use proptest::test_runner::TestRunner;
        let mut runner = TestRunner::deterministic();
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        for _ in 0..64 {
            let text = spec(&random_spec().new_tree(&mut runner).unwrap().current());
            let checked = foundrygen::check(&Source::new("random.yaml", &text))
                .unwrap_or_else(|e| panic!("invalid: {e}\n--- spec:\n{text}"));
            let model = &checked.model;
            let mut count = |what: &'static str, yes: bool| {
                *seen.entry(what).or_default() += usize::from(yes);
            };
            let elsewhere = |key: &str| {
                model.plan.iter().any(|&i| {
                    normalized_key(model, i) == key && !model.entity(i).scope.is_deployment()
                })
            };
            let first = created_first_wants(model);
            count("a connection to a created resource", !first.is_empty());
            count(
                "an account waiting for a created resource",
                first.iter().any(|(f, _, _)| f.starts_with("account:")),
            );
            count(
                "a connection to a created resource in another resource group",
                first.iter().any(|(_, t, _)| elsewhere(t)),
            );
            count(
                "a Key Vault connection to a created vault",
                first
                    .iter()
                    .any(|(_, t, _)| t.starts_with("resource:microsoft.keyvault/vaults/")),
            );
            let (children, _) = created_children_wants(model);
            for (what, kind) in [
                ("containers in a chain", "containers/"),
                ("databases in a chain", "sqldatabases/"),
                (
                    "a created account's model deployments in a chain",
                    "deployment:",
                ),
                (
                    "data-plane roles on a created Cosmos DB account",
                    "datarole:",
                ),
            ] {
                count(
                    what,
                    children
                        .iter()
                        .any(|(f, _, why)| f.contains(kind) && why.starts_with("one child")),
                );
            }
            count(
                "a role on a created resource",
                roles_on_created_wants(model)
                    .iter()
                    .any(|(f, _, _)| f.starts_with("role:")),
            );
            let (insights, _) = app_insights_wants(model);
            count(
                "App Insights after a created workspace",
                !insights.is_empty(),
            );
            count(
                "App Insights after a workspace in another resource group",
                insights
                    .iter()
                    .any(|(f, t, _)| elsewhere(f) != elsewhere(t)),
            );
            count(
                "an unused created resource",
                checked
                    .warnings
                    .iter()
                    .any(|d| d.code == foundrygen::diagnostics::Code::UnusedResource),
            );
            count(
                "a foundry's model deployments",
                foundries(model).iter().any(|f| !f.deployments.is_empty()),
            );
        }
        let missing: Vec<_> = seen.iter().filter(|(_, n)| **n == 0).collect();
        assert!(missing.is_empty(), "never generated: {missing:?}");
        assert_eq!(seen.len(), 13, "{seen:?}");
    }

    proptest! {
        // PROPTEST_CASES raises the count for a longer local hunt.
        #![proptest_config(ProptestConfig::with_cases(
            std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(48)
        ))]

        #[test]
        fn random_valid_specs_keep_the_ordering_contract(random in random_spec()) {
            let text = spec(&random);
            let result = check(&text);
            prop_assert!(result.is_ok(), "{}\n--- spec:\n{}", result.unwrap_err(), text);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Agent Service capability hosts (issue 10). A section of its own: each rule is checked on the
// model's edges and on the graph read back out of every format, over every spec that has a
// capability host (the reference specs and the inline one below).
// ---------------------------------------------------------------------------------------------

/// An existing account in another resource group that gets its capability host written, two
/// projects with capability hosts (one standard, with a connection whose own roles already grant
/// two of the roles the capability host needs; one basic), a Key Vault and its wait, and a second
/// foundry whose Cosmos DB role joins the same account's chain after the first one's.
const CAPHOST_SPEC: &str = r#"version: 1
name: caphosts
location: eastus2
resources:
  - { type: Microsoft.DocumentDB/databaseAccounts, name: ch-cosmos, resource_group: rg-ai }
  - { type: Microsoft.Storage/storageAccounts, name: chstore, resource_group: rg-ai }
foundries:
  - name: ch-foundry
    existing: true
    resource_group: rg-ai
    capability_host: { name: ch-account-caphost }
    projects:
      - name: agents
        capability_host:
          thread_storage: threads
          vector_store: vectors
          file_storage: files
          ai_services: aoai
          wait_for_role: 30s
      - name: basic.one
        capability_host: {}
    key_vault: { name: ch-kv, resource_group: rg-ai, wait_for_role: 60s }
    connections:
      - name: threads
        project: agents
        category: CosmosDb
        target: { resource: { type: Microsoft.DocumentDB/databaseAccounts, name: ch-cosmos, resource_group: rg-ai } }
        auth: { type: AAD }
        roles: [Cosmos DB Operator]
      - name: vectors
        project: agents
        category: CognitiveSearch
        target: { resource: { type: Microsoft.Search/searchServices, name: ch-search, resource_group: rg-ai } }
        auth: { type: AAD }
        roles: [Search Index Data Contributor]
      - name: files
        project: agents
        category: AzureStorageAccount
        target: { resource: { type: Microsoft.Storage/storageAccounts, name: chstore, resource_group: rg-ai } }
        auth: { type: AAD }
      - name: aoai
        project: agents
        category: AzureOpenAI
        target: { resource: { type: Microsoft.CognitiveServices/accounts, name: ch-aoai, resource_group: rg-ai } }
        auth: { type: AAD }
        roles: [Cognitive Services OpenAI User]
  - name: ch-second
    connections:
      - name: docs
        category: CosmosDb
        target: { resource: { type: Microsoft.DocumentDB/databaseAccounts, name: ch-cosmos, resource_group: rg-ai } }
        auth: { type: AAD }
        roles: [Cosmos DB Built-in Data Reader]
"#;

/// Every spec with a capability host, generated.
fn caphost_specs() -> Vec<(String, Generated)> {
    let mut specs = vec![("caphosts.yaml".to_string(), CAPHOST_SPEC.to_string())];
    specs.extend(all_specs());
    let out: Vec<(String, Generated)> = specs
        .into_iter()
        .map(|(name, text)| {
            let g = generate(&name, &text);
            (name, g)
        })
        .filter(|(_, g)| {
            g.model
                .entities
                .iter()
                .any(|e| e.kind == ModelKind::CapabilityHost)
        })
        .collect();
    let names: Vec<&str> = out.iter().map(|(n, _)| n.as_str()).collect();
    for want in [
        "caphosts.yaml",
        "standard-agent.yaml",
        "basic-agent-byo-openai.yaml",
    ] {
        assert!(
            names.iter().any(|n| n.ends_with(want)),
            "{want} is not among {names:?}"
        );
    }
    out
}

/// `rule(model, from, to, why)` for every pair the rule says must be ordered (`from` after
/// `to`); each is checked in the model's plan and, transitively, in every format's graph.
fn check_caphost_rule(what: &str, rule: impl Fn(&Model) -> Vec<(usize, usize)>) {
    let mut checked = 0;
    for (name, g) in caphost_specs() {
        let m = &g.model;
        let pos: BTreeMap<usize, usize> =
            m.plan.iter().enumerate().map(|(i, &id)| (id, i)).collect();
        let graphs: Vec<(Target, Graph)> = Target::ALL
            .iter()
            .map(|&t| (t, graph_of(&g.output, t)))
            .collect();
        for (from, to) in rule(m) {
            let (f, t) = (m.entity(from), m.entity(to));
            if t.existing {
                continue;
            }
            assert!(
                pos[&to] < pos[&from],
                "{name}: {what}: `{}` is planned before `{}`",
                f.key,
                t.key
            );
            let (fk, tk) = (normalized_key(m, from), normalized_key(m, to));
            for (target, graph) in &graphs {
                assert!(
                    graph.depends_transitively(&fk, &tk),
                    "{name} ({target}): {what}: `{fk}` does not wait for `{tk}`"
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 0, "{what}: nothing checked");
}

fn capability_hosts(m: &Model, project_level: bool) -> Vec<usize> {
    (0..m.entities.len())
        .filter(|&i| {
            let e = m.entity(i);
            e.kind == ModelKind::CapabilityHost
                && e.resource_type.contains("/projects/") == project_level
        })
        .collect()
}

/// The entities a capability host depends on for `reason`.
fn caphost_deps(m: &Model, host: usize, reason: foundrygen::model::Reason) -> Vec<usize> {
    m.entity(host)
        .deps
        .iter()
        .filter(|d| d.reason == reason)
        .map(|d| d.on)
        .collect()
}

#[test]
fn a_project_capability_host_comes_after_every_connection_it_names() {
    check_caphost_rule("named connections", |m| {
        let mut pairs = Vec::new();
        for host in capability_hosts(m, true) {
            // The names in its body, read back to the project's connections.
            let parent = m.entity(host).parent.unwrap();
            let foundrygen::model::Value::Object(props) = &m.entity(host).properties else {
                panic!("a body");
            };
            for (_, v) in props {
                let foundrygen::model::Value::Array(names) = v else {
                    continue;
                };
                for n in names {
                    let conn = (0..m.entities.len())
                        .find(|&i| {
                            let e = m.entity(i);
                            e.kind == ModelKind::Connection
                                && e.parent == Some(parent)
                                && e.name == *n
                        })
                        .unwrap_or_else(|| panic!("{n:?} is no connection of the project"));
                    pairs.push((host, conn));
                }
            }
        }
        pairs
    });
}

#[test]
fn a_project_capability_host_comes_after_its_roles_and_their_wait() {
    use foundrygen::model::Reason;
    check_caphost_rule("roles before the capability host", |m| {
        let mut pairs = Vec::new();
        for host in capability_hosts(m, true) {
            let roles = caphost_deps(m, host, Reason::AgentRole);
            for &r in &roles {
                pairs.push((host, r));
            }
            for w in caphost_deps(m, host, Reason::AgentRoleWait) {
                pairs.push((host, w));
                // The wait itself comes after every role.
                for &r in &roles {
                    pairs.push((w, r));
                }
            }
        }
        pairs
    });
    // The roles are the four of the issue on the standard spec, each once.
    let g = generate(
        "standard-agent.yaml",
        include_str!("../specs/standard-agent.yaml"),
    );
    let host = capability_hosts(&g.model, true)[0];
    let mut roles: Vec<String> = caphost_deps(&g.model, host, foundrygen::model::Reason::AgentRole)
        .into_iter()
        .map(|r| g.model.entity(r).role.clone().unwrap().0)
        .collect();
    roles.sort();
    assert_eq!(
        roles,
        [
            "Cosmos DB Operator",
            "Search Index Data Contributor",
            "Search Service Contributor",
            "Storage Blob Data Contributor"
        ]
    );
}

#[test]
fn a_role_the_connection_grants_is_not_written_twice() {
    let g = generate("caphosts.yaml", CAPHOST_SPEC);
    let m = &g.model;
    let mut seen = std::collections::BTreeSet::new();
    for e in &m.entities {
        if e.kind != ModelKind::RoleAssignment {
            continue;
        }
        let principal = e.properties.get("principalId").cloned();
        let key = (
            e.extends,
            format!("{principal:?}"),
            e.role.clone().unwrap().1,
        );
        assert!(seen.insert(key), "{} is written twice", e.label);
    }
    for t in Target::ALL {
        assert_eq!(
            graph_of(&g.output, t).duplicates,
            Vec::<String>::new(),
            "{t}"
        );
    }
    // The connection's Cosmos DB Operator is the one the capability host waits for.
    let host = capability_hosts(m, true)[0];
    let roles = caphost_deps(m, host, foundrygen::model::Reason::AgentRole);
    let operator = roles
        .iter()
        .find(|&&r| m.entity(r).role.as_ref().unwrap().0 == "Cosmos DB Operator")
        .expect("the operator role");
    assert!(
        m.entity(*operator).spec_path.contains(".connections["),
        "{}",
        m.entity(*operator).spec_path
    );
}

#[test]
fn a_project_capability_host_comes_after_the_accounts_and_ends_its_projects_chain() {
    check_caphost_rule("chains", |m| {
        let mut pairs = Vec::new();
        for host in capability_hosts(m, true) {
            for a in caphost_deps(m, host, foundrygen::model::Reason::AccountCapabilityHost) {
                pairs.push((host, a));
            }
            // Last in its project's chain: after every other child of the project.
            let parent = m.entity(host).parent.unwrap();
            for i in 0..m.entities.len() {
                if i != host && m.entity(i).parent == Some(parent) {
                    pairs.push((host, i));
                }
            }
        }
        for host in capability_hosts(m, false) {
            // Last in the account's chain.
            let parent = m.entity(host).parent.unwrap();
            for i in 0..m.entities.len() {
                if i != host && m.entity(i).parent == Some(parent) && !m.entity(i).existing {
                    pairs.push((host, i));
                }
            }
        }
        pairs
    });
    // The inline spec's account capability host is there, and its project hosts follow it.
    let g = generate("caphosts.yaml", CAPHOST_SPEC);
    let account_hosts = capability_hosts(&g.model, false);
    assert_eq!(account_hosts.len(), 1);
    for host in capability_hosts(&g.model, true) {
        assert_eq!(
            caphost_deps(
                &g.model,
                host,
                foundrygen::model::Reason::AccountCapabilityHost
            ),
            account_hosts
        );
    }
}

#[test]
fn the_after_roles_come_after_the_project_capability_host() {
    use foundrygen::model::Reason;
    check_caphost_rule("roles after the capability host", |m| {
        let mut pairs = Vec::new();
        for (i, e) in m.entities.iter().enumerate() {
            for d in &e.deps {
                if d.reason == Reason::AfterCapabilityHost {
                    pairs.push((i, d.on));
                }
            }
        }
        pairs
    });
    // On the standard spec: the data-plane role on the database, and the conditional blob owner.
    let g = generate(
        "standard-agent.yaml",
        include_str!("../specs/standard-agent.yaml"),
    );
    let m = &g.model;
    let after: Vec<&foundrygen::model::Entity> = m
        .entities
        .iter()
        .filter(|e| {
            e.deps
                .iter()
                .any(|d| d.reason == Reason::AfterCapabilityHost)
        })
        .collect();
    assert_eq!(after.len(), 2);
    let data = after
        .iter()
        .find(|e| e.kind == ModelKind::DataPlaneRoleAssignment)
        .expect("the thread role");
    let Some(foundrygen::model::Value::Expr(foundrygen::model::Expr::Concat(scope))) =
        data.properties.get("scope")
    else {
        panic!("a database scope");
    };
    assert_eq!(
        scope.last(),
        Some(&foundrygen::model::Expr::Literal(
            "/dbs/enterprise_memory".into()
        ))
    );
    let owner = after
        .iter()
        .find(|e| e.kind == ModelKind::RoleAssignment)
        .expect("the blob owner");
    assert_eq!(owner.role.as_ref().unwrap().0, "Storage Blob Data Owner");
    assert_eq!(
        owner.properties.get("conditionVersion"),
        Some(&foundrygen::model::Value::str("2.0"))
    );
}

#[test]
fn capability_hosts_are_torn_down_in_the_exact_reverse_and_marked_not_updatable() {
    for (name, g) in caphost_specs() {
        let m = &g.model;
        let mut rev = m.teardown();
        rev.reverse();
        assert_eq!(rev, m.plan, "{name}");
        let teardown = foundrygen::plan::describe(m, true);
        let create = foundrygen::plan::describe(m, false);
        for host in capability_hosts(m, true)
            .into_iter()
            .chain(capability_hosts(m, false))
        {
            let label = &m.entity(host).label;
            for text in [&teardown, &create] {
                let line = text
                    .lines()
                    .find(|l| l.contains(&format!(" {label} [")))
                    .unwrap_or_else(|| panic!("{name}: no step for {label}"));
                assert!(line.contains("not updatable in place"), "{name}: {line}");
            }
        }
    }
}
