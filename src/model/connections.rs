//! Model stage, connections: every connection but the Key Vault one, after the Key Vault gates and
//! in its parent's chain; their targets (existing resources), credentials and own roles.

use std::collections::{BTreeMap, BTreeSet};

use super::foundry::FoundryCtx;
use super::{Builder, EntityId, Expr, Kind, Reason, Scope, Value, scope_of};
use crate::catalog::{self, KeySource, RoleLookup};
use crate::category::{self, LocationMeta, parse_target_id};
use crate::spec::{self, Credential, TargetUse};

impl Builder<'_> {
    /// Every connection but the Key Vault one, in spec order.
    pub(super) fn connections(
        &mut self,
        ctx: &FoundryCtx,
        f: &spec::Foundry,
        projects: &BTreeMap<String, (EntityId, EntityId)>,
        gates: &[(EntityId, Reason)],
    ) {
        let FoundryCtx {
            fi,
            ref fpath,
            account,
            holder: holder_of_account,
            ..
        } = *ctx;
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
            if let Some(t) = target_entity {
                self.connects_to(account, conn, t);
                self.connection_targets.insert(conn, t);
            }
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
                    // A data-plane role is the target's own child resource, not Azure RBAC.
                    let target_type = self.entities[t].resource_type.clone();
                    if let Some((plane, rname, guid)) = catalog::data_plane_role(&target_type, r) {
                        if !seen_roles.insert(guid.to_string()) {
                            continue;
                        }
                        let ra = self.data_plane_role_assignment(
                            plane,
                            t,
                            holder,
                            rname,
                            guid,
                            format!("{words}-data-role-{}", ri + 1),
                            format!("{cpath}.roles[{ri}]"),
                            fi,
                        );
                        self.dep(conn, ra, Reason::OwnRole);
                        continue;
                    }
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
            for &(g, reason) in gates {
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
        self.set_parent(id, parent);
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
pub(super) fn secret_names(auth: &spec::Auth) -> Vec<String> {
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

pub(super) fn target_resource(t: &spec::Target) -> Option<(String, Scope)> {
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
