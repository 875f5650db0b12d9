//! ARM JSON: `azuredeploy.json` (classic template syntax, `resourceId()`/`reference()`/`list*()`,
//! nested deployments for other resource groups) and `azuredeploy.parameters.json` (secure
//! parameters left out).

use super::context::{FileView, OutputView, ParamView, RValue, ResourceView};
use super::filters::arm_string;
use super::{generated_by, module_deployment_name, needs_module};
use crate::error::Error;
use crate::model::{Entity, EntityId, Expr, Identity, Kind, Model, Scope, Value};

/// Renders the ARM files, keyed by path under `arm/`.
pub fn render(model: &Model) -> Result<Vec<(String, String)>, Error> {
    let r = ArmRender { model };
    let resources: Vec<ResourceView> = model.plan.iter().map(|&id| r.resource(id)).collect();
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
            kind: "securestring".into(),
            secure: true,
            description: format!("Secret for {}.", s.used_by.join(", ")),
            default: None,
            env: None,
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
        existing: Vec::new(),
        resources,
        outputs,
        locals: Vec::new(),
    };
    Ok(vec![
        (
            "azuredeploy.json".to_string(),
            super::templates::render("arm/azuredeploy.json", &view)?,
        ),
        (
            "azuredeploy.parameters.json".to_string(),
            super::templates::render("arm/azuredeploy.parameters.json", &view)?,
        ),
    ])
}

struct ArmRender<'a> {
    model: &'a Model,
}

/// An ARM string literal inside an expression: `'...'` with `'` doubled.
fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn scope_args(scope: &Scope) -> Vec<String> {
    match (&scope.subscription, &scope.resource_group) {
        (None, None) => Vec::new(),
        (Some(s), Some(rg)) => vec![lit(s), lit(rg)],
        (None, Some(rg)) => vec![lit(rg)],
        (Some(s), None) => vec![lit(s), "resourceGroup().name".into()],
    }
}

impl ArmRender<'_> {
    fn names(&self, id: EntityId) -> (Scope, Vec<String>) {
        let mut chain = vec![id];
        let mut cur = id;
        while let Some(p) = self.model.entity(cur).parent {
            chain.push(p);
            cur = p;
        }
        chain.reverse();
        let scope = self.model.entity(chain[0]).scope.clone();
        let names = chain
            .iter()
            .map(|&i| match &self.model.entity(i).name {
                Value::Str(s) => lit(s),
                other => {
                    let mut out = String::new();
                    if let Value::Expr(e) = other {
                        out = self.expr(e);
                    }
                    out
                }
            })
            .collect();
        (scope, names)
    }

    /// The `resourceId(...)` (or `extensionResourceId(...)`) of an entity.
    fn id(&self, id: EntityId) -> String {
        let e = self.model.entity(id);
        if let (Some(on), Value::Expr(name)) = (e.extends, &e.name) {
            return format!(
                "extensionResourceId({}, {}, {})",
                self.id(on),
                lit(&e.resource_type),
                self.expr(name)
            );
        }
        let (scope, names) = self.names(id);
        let mut args = scope_args(&scope);
        args.push(lit(&e.resource_type));
        args.extend(names);
        format!("resourceId({})", args.join(", "))
    }

    /// What a `dependsOn` names: the resource, or the nested deployment that holds it.
    fn dep_ref(&self, id: EntityId) -> String {
        let e = self.model.entity(id);
        if needs_module(self.model, e) {
            let mut args = scope_args(&e.scope);
            args.push(lit("Microsoft.Resources/deployments"));
            args.push(lit(&module_deployment_name(e)));
            format!("[resourceId({})]", args.join(", "))
        } else {
            format!("[{}]", self.id(id))
        }
    }

    fn reference(&self, id: EntityId, full: bool) -> String {
        let e = self.model.entity(id);
        format!(
            "reference({}, {}{})",
            self.id(id),
            lit(&e.api_version),
            if full { ", 'full'" } else { "" }
        )
    }

    fn expr(&self, e: &Expr) -> String {
        match e {
            Expr::Id(id) => self.id(*id),
            Expr::Location(id) => format!("{}.location", self.reference(*id, true)),
            Expr::Prop(id, path) => match path.split_first() {
                Some((first, rest)) if first == "properties" && !rest.is_empty() => {
                    format!("{}{}", self.reference(*id, false), arm_path(rest))
                }
                _ => format!("{}{}", self.reference(*id, true), arm_path(path)),
            },
            Expr::Action(id, action, path) => {
                let t = self.model.entity(*id);
                format!(
                    "{action}({}, {}){}",
                    self.id(*id),
                    lit(&t.api_version),
                    arm_path(path)
                )
            }
            Expr::Secret(name) => format!("parameters({})", lit(name)),
            Expr::PrincipalId(id) => match self.model.entity(*id).kind {
                Kind::Identity => format!("{}.principalId", self.reference(*id, false)),
                _ => format!("{}.identity.principalId", self.reference(*id, true)),
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
                lit(guid)
            ),
            Expr::Literal(s) => lit(s),
            Expr::LocationParam => "parameters('location')".into(),
        }
    }

    fn value(&self, v: &Value) -> RValue {
        RValue::from_value(v, &mut |e| self.expr(e))
    }

    fn full_name(&self, id: EntityId) -> RValue {
        let e = self.model.entity(id);
        let mut chain = vec![id];
        let mut cur = id;
        while let Some(p) = self.model.entity(cur).parent {
            chain.push(p);
            cur = p;
        }
        chain.reverse();
        let all_literal = chain
            .iter()
            .all(|&i| matches!(self.model.entity(i).name, Value::Str(_)));
        if all_literal {
            RValue::S(
                chain
                    .iter()
                    .map(|&i| self.model.entity(i).name_text().to_string())
                    .collect::<Vec<_>>()
                    .join("/"),
            )
        } else {
            self.value(&e.name)
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
                    RValue::XK(vec![(self.id(u), RValue::O(vec![]))]),
                ),
            ]),
        }
    }

    fn deps(&self, e: &Entity) -> (Vec<String>, Vec<String>) {
        e.deps
            .iter()
            .map(|d| (self.dep_ref(d.on), d.reason.describe().to_string()))
            .unzip()
    }

    fn resource(&self, id: EntityId) -> ResourceView {
        let e = self.model.entity(id);
        if needs_module(self.model, e) {
            return self.nested_deployment(id);
        }
        let mut fields = Vec::new();
        fields.push(("name".to_string(), self.full_name(id)));
        if let Some(on) = e.extends {
            let t = self.model.entity(on);
            fields.push((
                "scope".to_string(),
                RValue::S(format!("{}/{}", t.resource_type, t.name_text())),
            ));
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
        if let (RValue::O(pairs), Some(c)) = (&mut props, &e.credentials) {
            pairs.push(("credentials".into(), self.value(c)));
        }
        fields.push(("properties".to_string(), props));
        if !e.accepted_findings.is_empty() {
            // checkov reads suppressions of ARM resources from `metadata.checkov`; ARM ignores it.
            fields.push((
                "metadata".to_string(),
                RValue::O(vec![(
                    "checkov".into(),
                    RValue::A(
                        e.accepted_findings
                            .iter()
                            .map(|(id, why)| RValue::S(format!("{id}: {why}")))
                            .collect(),
                    ),
                )]),
            ));
        }
        let (depends_on, depends_why) = self.deps(e);
        ResourceView {
            comment: e.label.clone(),
            symbol: e.symbol.clone(),
            keyword: "resource".into(),
            type_api: format!("{}@{}", e.resource_type, e.api_version),
            resource_type: e.resource_type.clone(),
            api_version: e.api_version.clone(),
            fields,
            blocks: Vec::new(),
            depends_on,
            depends_why,
            directives: Vec::new(),
        }
    }

    fn nested_deployment(&self, id: EntityId) -> ResourceView {
        let e = self.model.entity(id);
        let target = e.extends.or(e.parent).expect("modules extend a resource");
        let t = self.model.entity(target);
        let string_param = |desc: &str| {
            RValue::O(vec![
                ("type".into(), RValue::S("string".into())),
                (
                    "metadata".into(),
                    RValue::O(vec![("description".into(), RValue::S(desc.into()))]),
                ),
            ])
        };
        let (inner_params, outer_params, inner_resource) = match e.kind {
            Kind::AccessPolicy => {
                let policies = e
                    .properties
                    .get("accessPolicies")
                    .cloned()
                    .unwrap_or(Value::Array(vec![]));
                (
                    RValue::O(vec![
                        ("vaultName".into(), string_param("Name of the Key Vault.")),
                        (
                            "accessPolicies".into(),
                            RValue::O(vec![("type".into(), RValue::S("array".into()))]),
                        ),
                    ]),
                    RValue::O(vec![
                        (
                            "vaultName".into(),
                            RValue::O(vec![("value".into(), self.value(&t.name))]),
                        ),
                        (
                            "accessPolicies".into(),
                            RValue::O(vec![("value".into(), self.value(&policies))]),
                        ),
                    ]),
                    RValue::O(vec![
                        ("type".into(), RValue::S(e.resource_type.clone())),
                        ("apiVersion".into(), RValue::S(e.api_version.clone())),
                        (
                            "name".into(),
                            RValue::X("format('{0}/add', parameters('vaultName'))".into()),
                        ),
                        (
                            "properties".into(),
                            RValue::O(vec![(
                                "accessPolicies".into(),
                                RValue::X("parameters('accessPolicies')".into()),
                            )]),
                        ),
                    ]),
                )
            }
            _ => {
                let (_, guid) = e.role.clone().unwrap_or_default();
                let principal = e
                    .properties
                    .get("principalId")
                    .cloned()
                    .unwrap_or(Value::str(""));
                (
                    RValue::O(vec![
                        (
                            "resourceName".into(),
                            string_param("Name of the resource the role is granted on."),
                        ),
                        (
                            "roleAssignmentName".into(),
                            string_param("Deterministic role assignment name."),
                        ),
                        (
                            "roleDefinitionGuid".into(),
                            string_param("GUID of the built-in role definition."),
                        ),
                        (
                            "principalId".into(),
                            string_param("Principal id the role is granted to."),
                        ),
                    ]),
                    RValue::O(vec![
                        (
                            "resourceName".into(),
                            RValue::O(vec![("value".into(), self.value(&t.name))]),
                        ),
                        (
                            "roleAssignmentName".into(),
                            RValue::O(vec![("value".into(), self.value(&e.name))]),
                        ),
                        (
                            "roleDefinitionGuid".into(),
                            RValue::O(vec![("value".into(), RValue::S(guid))]),
                        ),
                        (
                            "principalId".into(),
                            RValue::O(vec![("value".into(), self.value(&principal))]),
                        ),
                    ]),
                    RValue::O(vec![
                        ("type".into(), RValue::S(e.resource_type.clone())),
                        ("apiVersion".into(), RValue::S(e.api_version.clone())),
                        (
                            "scope".into(),
                            RValue::X(format!(
                                "format('{}/{{0}}', parameters('resourceName'))",
                                t.resource_type
                            )),
                        ),
                        (
                            "name".into(),
                            RValue::X("parameters('roleAssignmentName')".into()),
                        ),
                        (
                            "properties".into(),
                            RValue::O(vec![
                                (
                                    "roleDefinitionId".into(),
                                    RValue::X("subscriptionResourceId('Microsoft.Authorization/roleDefinitions', parameters('roleDefinitionGuid'))".into()),
                                ),
                                (
                                    "principalId".into(),
                                    RValue::X("parameters('principalId')".into()),
                                ),
                                ("principalType".into(), RValue::S("ServicePrincipal".into())),
                            ]),
                        ),
                    ]),
                )
            }
        };
        let template = RValue::O(vec![
            (
                "$schema".into(),
                RValue::S(
                    "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
                        .into(),
                ),
            ),
            ("contentVersion".into(), RValue::S("1.0.0.0".into())),
            ("parameters".into(), inner_params),
            ("resources".into(), RValue::A(vec![inner_resource])),
        ]);
        let mut fields = vec![("name".to_string(), RValue::S(module_deployment_name(e)))];
        if let Some(s) = &e.scope.subscription {
            fields.push(("subscriptionId".to_string(), RValue::S(s.clone())));
        }
        if let Some(rg) = &e.scope.resource_group {
            fields.push(("resourceGroup".to_string(), RValue::S(rg.clone())));
        }
        fields.push((
            "properties".to_string(),
            RValue::O(vec![
                ("mode".into(), RValue::S("Incremental".into())),
                (
                    "expressionEvaluationOptions".into(),
                    RValue::O(vec![("scope".into(), RValue::S("inner".into()))]),
                ),
                ("parameters".into(), outer_params),
                ("template".into(), template),
            ]),
        ));
        let (depends_on, depends_why) = self.deps(e);
        let api = crate::catalog::api_version_for("Microsoft.Resources/deployments")
            .unwrap_or("2025-04-01");
        ResourceView {
            comment: e.label.clone(),
            symbol: e.symbol.clone(),
            keyword: "module".into(),
            type_api: format!("Microsoft.Resources/deployments@{api}"),
            resource_type: "Microsoft.Resources/deployments".into(),
            api_version: api.into(),
            fields,
            blocks: Vec::new(),
            depends_on,
            depends_why,
            directives: Vec::new(),
        }
    }
}

fn arm_path(path: &[String]) -> String {
    path.iter()
        .map(|seg| {
            if seg.bytes().all(|b| b.is_ascii_digit()) {
                format!("[{seg}]")
            } else {
                format!(".{seg}")
            }
        })
        .collect()
}

/// Checks that literal ARM strings are escaped; used by the tests of this module.
#[allow(dead_code)]
fn escaped(s: &str) -> String {
    arm_string(s)
}
