//! Bicep: `main.bicep`, `main.bicepparam`, and one module per resource type that needs a role
//! assignment (or access policy) in another resource group.

use std::collections::BTreeMap;

use super::context::{FileView, OutputView, ParamView, RValue, ResourceView};
use super::filters::bicep_string;
use super::{camel, env_name, generated_by, module_deployment_name, needs_module, type_slug};
use crate::error::Error;
use crate::model::{Entity, EntityId, Expr, Identity, Kind, Model, Scope, Value};

/// Renders the Bicep files, keyed by path under `bicep/`.
pub fn render(model: &Model) -> Result<Vec<(String, String)>, Error> {
    let r = BicepRender { model };
    let mut modules: BTreeMap<String, String> = BTreeMap::new();
    let mut resources = Vec::new();
    for &id in &model.plan {
        let e = model.entity(id);
        if needs_module(model, e) {
            let (path, text) = r.module_file(e)?;
            modules.entry(path).or_insert(text);
            resources.push(r.module_call(id));
        } else {
            resources.push(r.resource(id));
        }
    }
    let existing = model
        .entities
        .iter()
        .enumerate()
        .filter(|(_, e)| e.existing)
        .map(|(i, _)| r.existing(i))
        .collect();
    let mut params = vec![ParamView {
        name: "location".into(),
        kind: "string".into(),
        secure: false,
        description: "Location of the resources this deployment creates.".into(),
        default: Some(RValue::S(model.location.clone())),
        env: None,
    }];
    for s in model.secrets.values() {
        params.push(ParamView {
            name: s.name.clone(),
            kind: "string".into(),
            secure: true,
            description: format!("Secret for {}.", s.used_by.join(", ")),
            default: None,
            env: Some(env_name(&s.name)),
        });
    }
    let outputs = model
        .outputs
        .iter()
        .map(|o| OutputView {
            name: heck::ToLowerCamelCase::to_lower_camel_case(o.name.as_str()),
            description: o.description.clone(),
            value: RValue::X(r.expr(&o.value)),
        })
        .collect();
    let view = FileView {
        generated_by: generated_by(model),
        version: env!("CARGO_PKG_VERSION").into(),
        deployment: model.name.clone(),
        params,
        existing,
        resources,
        outputs,
        locals: Vec::new(),
    };
    let mut files = vec![
        (
            "main.bicep".to_string(),
            super::templates::render("bicep/main.bicep", &view)?,
        ),
        (
            "main.bicepparam".to_string(),
            super::templates::render("bicep/main.bicepparam", &view)?,
        ),
    ];
    files.extend(modules);
    Ok(files)
}

struct BicepRender<'a> {
    model: &'a Model,
}

impl BicepRender<'_> {
    fn sym(&self, id: EntityId) -> String {
        camel(self.model.entity(id))
    }

    fn scope_expr(scope: &Scope) -> Option<String> {
        match (&scope.subscription, &scope.resource_group) {
            (None, None) => None,
            (Some(s), Some(rg)) => Some(format!(
                "resourceGroup({}, {})",
                bicep_string(s),
                bicep_string(rg)
            )),
            (None, Some(rg)) => Some(format!("resourceGroup({})", bicep_string(rg))),
            (Some(s), None) => Some(format!(
                "resourceGroup({}, resourceGroup().name)",
                bicep_string(s)
            )),
        }
    }

    fn expr(&self, e: &Expr) -> String {
        match e {
            Expr::Id(id) => format!("{}.id", self.sym(*id)),
            Expr::Location(id) => format!("{}.location", self.sym(*id)),
            Expr::Prop(id, path) => format!("{}.{}", self.sym(*id), bicep_path(path)),
            Expr::Action(id, action, path) => {
                format!("{}.{action}().{}", self.sym(*id), bicep_path(path))
            }
            Expr::Secret(name) => name.clone(),
            Expr::PrincipalId(id) => match self.model.entity(*id).kind {
                Kind::Identity => format!("{}.properties.principalId", self.sym(*id)),
                _ => format!("{}.identity.principalId", self.sym(*id)),
            },
            Expr::TenantId => "tenant().tenantId".into(),
            Expr::Guid(args) => format!(
                "guid({})",
                args.iter()
                    .map(|a| self.expr(a))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Expr::RoleDefinition(guid) => format!(
                "subscriptionResourceId('Microsoft.Authorization/roleDefinitions', {})",
                bicep_string(guid)
            ),
            Expr::Literal(s) => bicep_string(s),
            Expr::LocationParam => "location".into(),
        }
    }

    fn value(&self, v: &Value) -> RValue {
        RValue::from_value(v, &mut |e| self.expr(e))
    }

    fn deps(&self, e: &Entity) -> (Vec<String>, Vec<String>) {
        e.deps
            .iter()
            .filter(|d| Some(d.on) != e.parent)
            .map(|d| (self.sym(d.on), d.reason.describe().to_string()))
            .unzip()
    }

    fn existing(&self, id: EntityId) -> ResourceView {
        let e = self.model.entity(id);
        let mut fields = Vec::new();
        if let Some(p) = e.parent {
            fields.push(("parent".to_string(), RValue::X(self.sym(p))));
        }
        fields.push(("name".to_string(), self.value(&e.name)));
        if e.parent.is_none()
            && let Some(s) = Self::scope_expr(&e.scope)
        {
            fields.push(("scope".to_string(), RValue::X(s)));
        }
        ResourceView {
            comment: e.label.clone(),
            symbol: self.sym(id),
            keyword: "existing".into(),
            type_api: format!("{}@{}", e.resource_type, e.api_version),
            resource_type: e.resource_type.clone(),
            api_version: e.api_version.clone(),
            fields,
            blocks: Vec::new(),
            depends_on: Vec::new(),
            depends_why: Vec::new(),
            directives: Vec::new(),
        }
    }

    fn identity(&self, i: Identity) -> RValue {
        match i {
            Identity::SystemAssigned => {
                RValue::O(vec![("type".into(), RValue::S("SystemAssigned".into()))])
            }
            Identity::UserAssigned(u) => RValue::O(vec![
                ("type".into(), RValue::S("UserAssigned".into())),
                (
                    "userAssignedIdentities".into(),
                    RValue::XK(vec![(format!("{}.id", self.sym(u)), RValue::O(vec![]))]),
                ),
            ]),
        }
    }

    fn resource(&self, id: EntityId) -> ResourceView {
        let e = self.model.entity(id);
        let mut fields = Vec::new();
        if let Some(p) = e.parent {
            fields.push(("parent".to_string(), RValue::X(self.sym(p))));
        }
        fields.push(("name".to_string(), self.value(&e.name)));
        if let Some(on) = e.extends {
            fields.push(("scope".to_string(), RValue::X(self.sym(on))));
        }
        if let Some(l) = &e.location {
            fields.push(("location".to_string(), self.value(l)));
        }
        if e.tagged && !self.model.tags.is_empty() {
            fields.push((
                "tags".to_string(),
                self.value(&Value::string_map(&self.model.tags)),
            ));
        }
        if let Some(k) = &e.resource_kind {
            fields.push(("kind".to_string(), RValue::S(k.clone())));
        }
        if let Some(s) = &e.sku {
            fields.push((
                "sku".to_string(),
                RValue::O(vec![("name".into(), RValue::S(s.clone()))]),
            ));
        }
        if let Some(i) = e.identity {
            fields.push(("identity".to_string(), self.identity(i)));
        }
        let mut props = self.value(&e.properties);
        if let RValue::O(pairs) = &mut props {
            if super::unpublished_auth(e) {
                // AccountManagedIdentity / ProjectManagedIdentity are accepted by the service but
                // missing from every published type version, so Bicep warns on the literal.
                let at = pairs.iter().position(|(k, _)| k == "authType").unwrap_or(0);
                pairs.insert(
                    at,
                    (String::new(), RValue::D("#disable-next-line BCP036".into())),
                );
                if let Some(at) = pairs.iter().position(|(k, _)| k == "audience") {
                    pairs.insert(
                        at,
                        (String::new(), RValue::D("#disable-next-line BCP037".into())),
                    );
                }
            }
            if let Some(c) = &e.credentials {
                pairs.push(("credentials".into(), self.value(c)));
            }
        }
        fields.push(("properties".to_string(), props));
        let (depends_on, depends_why) = self.deps(e);
        ResourceView {
            comment: e.label.clone(),
            symbol: self.sym(id),
            keyword: "resource".into(),
            type_api: format!("{}@{}", e.resource_type, e.api_version),
            resource_type: e.resource_type.clone(),
            api_version: e.api_version.clone(),
            fields,
            blocks: Vec::new(),
            depends_on,
            depends_why,
            directives: e
                .accepted_findings
                .iter()
                .map(|(id, why)| format!("// checkov:skip={id}: {why}"))
                .collect(),
        }
    }

    fn module_path(&self, e: &Entity) -> String {
        match (e.kind, e.extends) {
            (Kind::RoleAssignment, Some(on)) => format!(
                "modules/role-assignment-{}.bicep",
                type_slug(&self.model.entity(on).resource_type)
            ),
            _ => "modules/key-vault-access-policy.bicep".into(),
        }
    }

    fn module_call(&self, id: EntityId) -> ResourceView {
        let e = self.model.entity(id);
        let target = e.extends.or(e.parent).expect("modules extend a resource");
        let t = self.model.entity(target);
        let mut params = Vec::new();
        match e.kind {
            Kind::AccessPolicy => {
                params.push(("vaultName".to_string(), self.value(&t.name)));
                let policies = e
                    .properties
                    .get("accessPolicies")
                    .cloned()
                    .unwrap_or(Value::Array(vec![]));
                params.push(("accessPolicies".to_string(), self.value(&policies)));
            }
            _ => {
                params.push(("resourceName".to_string(), self.value(&t.name)));
                params.push(("roleAssignmentName".to_string(), self.value(&e.name)));
                let (_, guid) = e.role.clone().unwrap_or_default();
                params.push(("roleDefinitionGuid".to_string(), RValue::S(guid)));
                let principal = e
                    .properties
                    .get("principalId")
                    .cloned()
                    .unwrap_or(Value::str(""));
                params.push(("principalId".to_string(), self.value(&principal)));
            }
        }
        let mut fields = vec![("name".to_string(), RValue::S(module_deployment_name(e)))];
        if let Some(s) = Self::scope_expr(&e.scope) {
            fields.push(("scope".to_string(), RValue::X(s)));
        }
        fields.push(("params".to_string(), RValue::O(params)));
        let (depends_on, depends_why) = self.deps(e);
        ResourceView {
            comment: format!(
                "{} (in another resource group, so through a module)",
                e.label
            ),
            symbol: self.sym(id),
            keyword: "module".into(),
            type_api: self.module_path(e),
            resource_type: e.resource_type.clone(),
            api_version: e.api_version.clone(),
            fields,
            blocks: Vec::new(),
            depends_on,
            depends_why,
            directives: Vec::new(),
        }
    }

    fn module_file(&self, e: &Entity) -> Result<(String, String), Error> {
        let target = e.extends.or(e.parent).expect("modules extend a resource");
        let t = self.model.entity(target);
        let path = self.module_path(e);
        let mut view = FileView {
            generated_by: generated_by(self.model),
            version: env!("CARGO_PKG_VERSION").into(),
            deployment: self.model.name.clone(),
            params: Vec::new(),
            existing: Vec::new(),
            resources: Vec::new(),
            outputs: Vec::new(),
            locals: Vec::new(),
        };
        let template = match e.kind {
            Kind::AccessPolicy => "bicep/modules/key-vault-access-policy.bicep",
            _ => "bicep/modules/role-assignment.bicep",
        };
        view.existing.push(ResourceView {
            comment: String::new(),
            symbol: "target".into(),
            keyword: "existing".into(),
            type_api: format!("{}@{}", t.resource_type, t.api_version),
            resource_type: t.resource_type.clone(),
            api_version: t.api_version.clone(),
            fields: Vec::new(),
            blocks: Vec::new(),
            depends_on: Vec::new(),
            depends_why: Vec::new(),
            directives: Vec::new(),
        });
        view.resources.push(ResourceView {
            comment: String::new(),
            symbol: "assignment".into(),
            keyword: "resource".into(),
            type_api: format!("{}@{}", e.resource_type, e.api_version),
            resource_type: e.resource_type.clone(),
            api_version: e.api_version.clone(),
            fields: Vec::new(),
            blocks: Vec::new(),
            depends_on: Vec::new(),
            depends_why: Vec::new(),
            directives: Vec::new(),
        });
        let text = super::templates::render(template, &view)?;
        Ok((path, text))
    }
}

fn bicep_path(path: &[String]) -> String {
    let mut out = String::new();
    for (i, seg) in path.iter().enumerate() {
        if seg.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&format!("[{seg}]"));
        } else {
            if i > 0 {
                out.push('.');
            }
            out.push_str(seg);
        }
    }
    out
}
