//! Model stage, foundries: the account (created or existing), its model deployments and its
//! projects, then the Key Vault setup and the connections, each built by its own file; every child
//! joins its parent's chain.

use std::collections::BTreeMap;

use super::{
    Builder, EntityId, Expr, FoundryOutput, Identity, Kind, Reason, Scope, Value, scope_of,
};
use crate::spec::{self, IdentityKind};

/// What the parts of one foundry share while it is being built.
pub(super) struct FoundryCtx {
    /// The foundry's index in the spec.
    pub fi: usize,
    /// Its spec path (`foundries[0]`).
    pub fpath: String,
    /// The account entity.
    pub account: EntityId,
    /// Who holds the account's identity: the account, or its user-assigned identity.
    pub holder: EntityId,
    /// The identity the account (and its projects) use.
    pub identity: Identity,
    /// The region of what is created under it.
    pub location: Value,
    /// The group (module / nested template) of an existing account in another resource group.
    pub group: Option<usize>,
}

impl Builder<'_> {
    /// Everything one foundry of the spec makes.
    pub(super) fn foundry(&mut self, fi: usize, f: &spec::Foundry) {
        let first_entity = self.entities.len();
        // An existing account in another resource group: what the spec writes into it lives there.
        let home = if f.existing {
            scope_of(&f.subscription, &f.resource_group)
        } else {
            Scope::default()
        };
        let group = (!home.is_deployment()).then(|| self.foundry_group(fi, home.clone(), &f.name));
        let ctx = self.account(fi, f, group);
        // The account's chain starts with its model deployments: the projects wait for them, as
        // the azd templates make them.
        self.model_deployments(
            ctx.account,
            &f.deployments,
            &format!("{}.deployments", ctx.fpath),
        );
        let projects = self.projects(&ctx, f);
        let gates = self.key_vault(&ctx, f);
        self.connections(&ctx, f, &projects, &gates);
        // Last: each capability host closes its parent's chain.
        self.capability_hosts(&ctx, f, &projects);
        for e in &mut self.entities[first_entity..] {
            if e.existing {
                continue;
            }
            if group.is_some() {
                e.group = group;
            }
            if matches!(
                e.kind,
                Kind::Project
                    | Kind::Connection
                    | Kind::KeyVaultConnection
                    | Kind::Wait
                    | Kind::CapabilityHost
            ) {
                e.scope = home.clone();
            }
        }
    }

    /// The account, created or existing, and its entry in the `foundries` output.
    fn account(&mut self, fi: usize, f: &spec::Foundry, group: Option<usize>) -> FoundryCtx {
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
            e.tags = Some(self.spec.tags.clone());
            e.purge_on_delete = f.purge_on_delete;
            e.resource_kind = Some("AIServices".into());
            e.sku = Some(Value::object([(
                "name",
                Value::str(f.sku.as_deref().unwrap_or("S0")),
            )]));
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
        FoundryCtx {
            fi,
            fpath,
            account,
            holder: holder_of_account,
            identity,
            location: account_location,
            group,
        }
    }

    /// The projects, in spec order: name → (entity, identity holder).
    fn projects(
        &mut self,
        ctx: &FoundryCtx,
        f: &spec::Foundry,
    ) -> BTreeMap<String, (EntityId, EntityId)> {
        let FoundryCtx {
            fi,
            ref fpath,
            account,
            identity,
            location: ref account_location,
            ..
        } = *ctx;
        // Projects, one after another.
        let mut projects: BTreeMap<String, (EntityId, EntityId)> = BTreeMap::new();
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
                e.identity = Some(identity);
                self.set_parent(id, account);
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
                e.tags = Some(self.spec.tags.clone());
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
        projects
    }
}
