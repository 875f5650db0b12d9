//! Bicep: `main.bicep`, `main.bicepparam`, one module per resource type that needs a role assignment
//! (or access policy) in another resource group, and one module per existing foundry in another
//! resource group holding everything the spec writes into it.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use super::context::{FileView, ParamView, RValue, ResourceView};
use super::filters::bicep_string;
use super::templates::ItemStream;
use super::{
    DEPLOYMENT_RESOURCE_GROUP, DEPLOYMENT_SUBSCRIPTION, camel, generated_by, group_deployment_stem,
    module_deployment_stem, type_slug,
};
use crate::error::Error;
use crate::model::{Entity, EntityId, Expr, FOUNDRY_OUTPUT, Identity, Kind, Model, Scope, Value};
use crate::output::TemplateSize;

/// Renders the Bicep files, keyed by path under `bicep/`.
/// The size of each template (`main.bicep` and every module) goes to `sizes`.
pub fn render(
    model: &Model,
    sizes: &mut Vec<TemplateSize>,
) -> Result<Vec<(String, String)>, Error> {
    let mut modules: BTreeMap<String, String> = BTreeMap::new();
    // Every reference names its resource by symbol: each is worked out once, not per reference.
    let symbols: Vec<String> = model.entities.iter().map(camel).collect();
    let main = BicepFile::new(model, &symbols, None, Scope::default());
    let (mut view, resources) = main.view(&mut modules, sizes)?;
    sizes.push(view.size("main.bicep".into(), resources.len()));
    let mut texts = render_view(
        &mut view,
        resources,
        &["bicep/main.bicep", "bicep/main.bicepparam"],
    )?
    .into_iter();
    let mut files = vec![
        ("main.bicep".to_string(), texts.next().unwrap_or_default()),
        (
            "main.bicepparam".to_string(),
            texts.next().unwrap_or_default(),
        ),
    ];
    files.extend(modules);
    Ok(files)
}

/// Renders `main.bicep` or a foundry module (and the files beside it, from the same frame
/// context), its resource blocks already rendered into `resources` as they were built.
fn render_view(
    view: &mut FileView,
    resources: ItemStream<'_>,
    frames: &[&str],
) -> Result<Vec<String>, Error> {
    let mut existing = ItemStream::new("existing", "bicep/existing.bicep", view.module, None);
    existing.extend(std::mem::take(&mut view.existing))?;
    super::templates::unformatted(super::templates::render_file(
        view,
        frames,
        vec![existing, resources],
    )?)
}

/// One Bicep file: `main.bicep` (no group, the deployment's resource group) or the module of a
/// foundry that lives in another resource group.
struct BicepFile<'a> {
    model: &'a Model,
    /// Each entity's symbol ([`camel`]), by entity id.
    symbols: &'a [String],
    group: Option<usize>,
    home: Scope,
    /// Whether a scope expression needed the deployment's subscription / resource group params.
    uses_deployment_scope: RefCell<bool>,
    /// Existing entities this file refers to.
    referenced: RefCell<BTreeSet<EntityId>>,
    /// Secure parameters this file uses.
    secrets: RefCell<BTreeSet<String>>,
    uses_location: RefCell<bool>,
    /// Symbols of deployed resources the declaration being built refers to: Bicep derives a
    /// dependency from each, so `dependsOn` leaves them out (the linter's
    /// `no-unnecessary-dependson`).
    body_refs: RefCell<BTreeSet<String>>,
}

fn group_module_path(model: &Model, group: usize) -> String {
    format!("modules/{}.bicep", model.groups[group].stem)
}

fn group_symbol(model: &Model, group: usize) -> String {
    heck::ToLowerCamelCase::to_lower_camel_case(model.groups[group].symbol.as_str())
}

impl<'a> BicepFile<'a> {
    fn new(model: &'a Model, symbols: &'a [String], group: Option<usize>, home: Scope) -> Self {
        BicepFile {
            model,
            symbols,
            group,
            home,
            uses_deployment_scope: RefCell::new(false),
            referenced: RefCell::new(BTreeSet::new()),
            secrets: RefCell::new(BTreeSet::new()),
            uses_location: RefCell::new(false),
            body_refs: RefCell::new(BTreeSet::new()),
        }
    }

    fn in_main(&self) -> bool {
        self.group.is_none()
    }

    /// Whether a created entity is written through a role-assignment (RBAC or data-plane) /
    /// access-policy module.
    fn needs_module(&self, e: &Entity) -> bool {
        !e.existing && e.scope != self.home
    }

    fn sym(&self, id: EntityId) -> String {
        let e = self.model.entity(id);
        let s = self.symbols[id].clone();
        // What another file deploys (a module of created resources in another resource group)
        // is declared `existing` here, like what the spec only references; the module call's
        // `dependsOn` orders the two.
        if e.existing || e.group != self.group {
            self.referenced.borrow_mut().insert(id);
        } else {
            self.body_refs.borrow_mut().insert(s.clone());
        }
        s
    }

    fn scope_expr(&self, scope: &Scope) -> Option<String> {
        if *scope == self.home {
            return None;
        }
        if self.in_main() {
            return match (&scope.subscription, &scope.resource_group) {
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
            };
        }
        // Inside a module, "the deployment's" subscription and group are the caller's, passed in.
        let sub = match &scope.subscription {
            Some(s) => bicep_string(s),
            None => {
                *self.uses_deployment_scope.borrow_mut() = true;
                DEPLOYMENT_SUBSCRIPTION.to_string()
            }
        };
        let rg = match &scope.resource_group {
            Some(rg) => bicep_string(rg),
            None => {
                *self.uses_deployment_scope.borrow_mut() = true;
                DEPLOYMENT_RESOURCE_GROUP.to_string()
            }
        };
        Some(format!("resourceGroup({sub}, {rg})"))
    }

    fn expr(&self, e: &Expr) -> String {
        match e {
            Expr::Id(id) => format!("{}.id", self.sym(*id)),
            Expr::Location(id) => format!("{}.location", self.sym(*id)),
            Expr::Prop(id, path) => format!("{}.{}", self.sym(*id), bicep_path(path)),
            Expr::Action(id, action, path) => {
                format!("{}.{action}().{}", self.sym(*id), bicep_path(path))
            }
            Expr::Secret(name) => {
                self.secrets.borrow_mut().insert(name.clone());
                name.clone()
            }
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
            Expr::LocationParam => {
                *self.uses_location.borrow_mut() = true;
                "location".into()
            }
            Expr::Substring(inner, start, len) => {
                format!("substring({}, {start}, {len})", self.expr(inner))
            }
            Expr::Concat(parts) => {
                // One interpolated string: literal parts escaped as in any Bicep string.
                let mut out = String::from("'");
                for p in parts {
                    match p {
                        Expr::Literal(s) => {
                            let quoted = bicep_string(s);
                            out.push_str(&quoted[1..quoted.len() - 1]);
                        }
                        other => {
                            out.push_str("${");
                            out.push_str(&self.expr(other));
                            out.push('}');
                        }
                    }
                }
                out.push('\'');
                out
            }
        }
    }

    fn value(&self, v: &Value) -> RValue {
        RValue::from_value(v, &mut |e| self.expr(e))
    }

    /// What a dependency on `id` names in this file: the resource, the module holding it, or the
    /// foundry module it belongs to.
    fn dep_symbol(&self, id: EntityId) -> String {
        let e = self.model.entity(id);
        match (self.group, e.group) {
            (None, Some(g)) => group_symbol(self.model, g),
            _ => self.sym(id),
        }
    }

    /// The `dependsOn` of a declaration whose body has just been built: its dependencies less the
    /// ones the body already implies by reference.
    fn deps(&self, e: &Entity) -> Vec<String> {
        let implied = self.body_refs.take();
        let mut out = super::Distinct::default();
        for d in &e.deps {
            // In a foundry module, what it waits for outside the module is the module call's
            // dependency in main.bicep.
            if self.group.is_some() && self.model.entity(d.on).group != self.group {
                continue;
            }
            let s = self.dep_symbol(d.on);
            if !implied.contains(&s) {
                out.insert(s);
            }
        }
        out.into_vec()
    }

    fn existing(&self, id: EntityId) -> ResourceView {
        let e = self.model.entity(id);
        let mut fields = Vec::new();
        if let Some(p) = e.parent {
            fields.push(("parent".to_string(), RValue::X(self.sym(p))));
        }
        fields.push(("name".to_string(), self.value(&e.name)));
        if e.parent.is_none()
            && let Some(s) = self.scope_expr(&e.scope)
        {
            fields.push(("scope".to_string(), RValue::X(s)));
        }
        view(
            e,
            self.symbols[id].clone(),
            "existing",
            fields,
            Vec::new(),
            Vec::new(),
        )
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
        self.body_refs.borrow_mut().clear();
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
        if let Some(tags) = e.tags.as_ref().filter(|t| !t.is_empty()) {
            fields.push(("tags".to_string(), self.value(&Value::string_map(tags))));
        }
        if let Some(k) = &e.resource_kind {
            fields.push(("kind".to_string(), RValue::S(k.clone())));
        }
        if let Some(s) = &e.sku {
            fields.push(("sku".to_string(), self.value(s)));
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
            }
            if matches!(e.kind, Kind::Connection | Kind::KeyVaultConnection) {
                // So are `audience`, `tokenUrl` and `scopes`: Bicep warns on the property name.
                for p in crate::catalog::UNPUBLISHED_CONNECTION_PROPERTIES {
                    if let Some(at) = pairs.iter().position(|(k, _)| k == p) {
                        pairs.insert(
                            at,
                            (String::new(), RValue::D("#disable-next-line BCP037".into())),
                        );
                    }
                }
            }
            if let crate::model::Value::Object(written) = &e.properties {
                for (key, v) in written {
                    if !super::reads_unpublished(self.model, v) {
                        continue;
                    }
                    let at = pairs.iter().position(|(k, _)| k == key).unwrap_or(0);
                    pairs.insert(
                        at,
                        (String::new(), RValue::D("#disable-next-line BCP053".into())),
                    );
                    pairs.insert(
                        at,
                        (
                            String::new(),
                            RValue::D(
                                "// internalId is returned by the service but missing from the published project type"
                                    .into(),
                            ),
                        ),
                    );
                }
            }
            if let Some(c) = &e.credentials {
                pairs.push(("credentials".into(), self.value(c)));
            }
        }
        fields.push(("properties".to_string(), props));
        let mut v = view(
            e,
            self.sym(id),
            "resource",
            fields,
            self.deps(e),
            e.accepted_findings
                .iter()
                .map(|(id, why)| format!("// checkov:skip={id}: {why}"))
                .collect(),
        );
        v.type_api = format!("{}@{}", e.resource_type, e.api_version);
        v
    }

    fn module_path(&self, e: &Entity) -> String {
        match (e.kind, e.extends) {
            (Kind::RoleAssignment, Some(on)) => format!(
                "modules/role-assignment-{}.bicep",
                type_slug(&self.model.entity(on).resource_type)
            ),
            (Kind::DataPlaneRoleAssignment, _) => format!(
                "modules/data-plane-role-assignment-{}.bicep",
                type_slug(
                    &self
                        .model
                        .entity(e.parent.expect("a data-plane role has a parent"))
                        .resource_type
                )
            ),
            _ => "modules/key-vault-access-policy.bicep".into(),
        }
    }

    /// How this file refers to a module file: Bicep resolves module paths from the calling file,
    /// and a foundry module already sits in `modules/`.
    fn module_ref(&self, path: &str) -> String {
        match self.group {
            Some(_) => path.trim_start_matches("modules/").to_string(),
            None => path.to_string(),
        }
    }

    fn module_call(&self, id: EntityId) -> ResourceView {
        let e = self.model.entity(id);
        self.body_refs.borrow_mut().clear();
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
                if let Some(p) = t.parent {
                    let parent_name = self.model.entity(p).name.clone();
                    params.push(("parentName".to_string(), self.value(&parent_name)));
                }
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
        let mut fields = vec![("name".to_string(), unique_name(&module_deployment_stem(e)))];
        if let Some(s) = self.scope_expr(&e.scope) {
            fields.push(("scope".to_string(), RValue::X(s)));
        }
        fields.push(("params".to_string(), RValue::O(params)));
        let mut v = view(
            e,
            self.symbols[id].clone(),
            "module",
            fields,
            self.deps(e),
            Vec::new(),
        );
        v.comment = format!(
            "{} (in another resource group, so through a module)",
            e.label
        );
        v.type_api = self.module_ref(&self.module_path(e));
        v
    }

    fn module_file(&self, e: &Entity) -> Result<(String, String), Error> {
        let target = e.extends.or(e.parent).expect("modules extend a resource");
        let t = self.model.entity(target);
        let path = self.module_path(e);
        let template = match e.kind {
            Kind::AccessPolicy => "bicep/modules/key-vault-access-policy.bicep",
            Kind::DataPlaneRoleAssignment => "bicep/modules/data-plane-role-assignment.bicep",
            _ => "bicep/modules/role-assignment.bicep",
        };
        // The target, declared in the module's resource group; a child target (an API of an API
        // Management service) under its parent, passed in by name.
        let mut existing = Vec::new();
        let mut target_fields = Vec::new();
        if let Some(p) = t.parent {
            let p = self.model.entity(p);
            let mut parent_view = view(
                p,
                "targetParent".into(),
                "existing",
                vec![("name".to_string(), RValue::X("parentName".into()))],
                vec![],
                vec![],
            );
            parent_view.type_api = format!("{}@{}", p.resource_type, p.api_version);
            existing.push(parent_view);
            target_fields.push(("parent".to_string(), RValue::X("targetParent".into())));
        }
        target_fields.push(("name".to_string(), RValue::X("resourceName".into())));
        let mut target_view = view(
            t,
            "target".into(),
            "existing",
            target_fields,
            vec![],
            vec![],
        );
        target_view.type_api = format!("{}@{}", t.resource_type, t.api_version);
        existing.push(target_view);
        // A data-plane assignment is the target's child; its body is the model's, over the
        // module's parameters.
        let fields = match e.kind {
            Kind::DataPlaneRoleAssignment => {
                let segment = crate::catalog::target_type(&t.resource_type)
                    .and_then(|k| k.data_plane)
                    .map_or("roleDefinitions", |p| p.definitions);
                vec![
                    ("parent".to_string(), RValue::X("target".into())),
                    ("name".to_string(), RValue::X("roleAssignmentName".into())),
                    (
                        "properties".to_string(),
                        RValue::O(vec![
                            (
                                "roleDefinitionId".into(),
                                RValue::X(format!(
                                    "'${{target.id}}/{segment}/${{roleDefinitionGuid}}'"
                                )),
                            ),
                            ("scope".into(), RValue::X("target.id".into())),
                            ("principalId".into(), RValue::X("principalId".into())),
                        ]),
                    ),
                ]
            }
            _ => Vec::new(),
        };
        let mut own = view(e, "assignment".into(), "resource", fields, vec![], vec![]);
        own.type_api = format!("{}@{}", e.resource_type, e.api_version);
        let file = FileView {
            generated_by: generated_by(self.model),
            version: env!("CARGO_PKG_VERSION").into(),
            deployment: self.model.name.clone(),
            module: true,
            params: Vec::new(),
            existing,
            resources: vec![own],
            outputs: Vec::new(),
            locals: Vec::new(),
            ephemeral: Vec::new(),
        };
        Ok((path, super::templates::render(template, &file)?))
    }

    /// The call of a foundry module from `main.bicep`.
    fn group_call(
        &self,
        group: usize,
        module: &BicepFile<'_>,
        params: &[ParamView],
    ) -> ResourceView {
        let mut args = Vec::new();
        for p in params {
            let value = match p.name.as_str() {
                DEPLOYMENT_SUBSCRIPTION => RValue::X("subscription().subscriptionId".into()),
                DEPLOYMENT_RESOURCE_GROUP => RValue::X("resourceGroup().name".into()),
                "location" => RValue::X(self.expr(&Expr::LocationParam)),
                other => RValue::X(self.expr(&Expr::Secret(other.to_string()))),
            };
            args.push((p.name.clone(), value));
        }
        let mut fields = vec![(
            "name".to_string(),
            unique_name(&group_deployment_stem(self.model, group)),
        )];
        if let Some(s) = self.scope_expr(&module.home) {
            fields.push(("scope".to_string(), RValue::X(s)));
        }
        fields.push(("params".to_string(), RValue::O(args)));
        let g = &self.model.groups[group];
        let mut v = ResourceView {
            comment: g.label.clone(),
            symbol: group_symbol(self.model, group),
            keyword: "module".into(),
            type_api: String::new(),
            resource_type: String::new(),
            api_version: String::new(),
            fields,
            blocks: Vec::new(),
            depends_on: Vec::new(),
            depends_why: Vec::new(),
            directives: Vec::new(),
        };
        let mut depends_on = super::Distinct::default();
        for &member in self.model.group_members(group) {
            for d in &self.model.entity(member).deps {
                if self.model.entity(d.on).group != Some(group) {
                    depends_on.insert(self.dep_symbol(d.on));
                }
            }
        }
        v.depends_on = depends_on.into_vec();
        v.type_api = group_module_path(self.model, group);
        v
    }

    /// Builds the file's view; module files it needs are added to `modules`.
    fn view(
        &self,
        modules: &mut BTreeMap<String, String>,
        sizes: &mut Vec<TemplateSize>,
    ) -> Result<(FileView, ItemStream<'static>), Error> {
        let mut resources =
            ItemStream::new("resources", "bicep/resource.bicep", !self.in_main(), None);
        resources.expect(self.model.plan_of(self.group).len());
        let mut seen_groups = BTreeSet::new();
        for &id in self.model.plan_of(self.group) {
            let e = self.model.entity(id);
            match (self.group, e.group) {
                (None, Some(g)) if seen_groups.insert(g) => {
                    let home = self.model.group_home(g);
                    let module = BicepFile::new(self.model, self.symbols, Some(g), home);
                    let (mut module_view, module_resources) = module.view(modules, sizes)?;
                    let path = group_module_path(self.model, g);
                    sizes.push(module_view.size(path.clone(), module_resources.len()));
                    let text =
                        render_view(&mut module_view, module_resources, &["bicep/main.bicep"])?
                            .pop()
                            .unwrap_or_default();
                    modules.insert(path, text);
                    resources.push(self.group_call(g, &module, &module_view.params))?;
                }
                (mine, theirs) if mine == theirs => {
                    if self.needs_module(e) {
                        let (path, text) = self.module_file(e)?;
                        modules.entry(path).or_insert(text);
                        resources.push(self.module_call(id))?;
                    } else {
                        resources.push(self.resource(id))?;
                    }
                }
                _ => {}
            }
        }
        // Each foundry's entry is computed in the file that holds what the spec writes into it;
        // main passes a module's on.
        let mut entries = Vec::new();
        for o in &self.model.outputs {
            let home = self.model.output_group(o.foundry);
            let value = if home == self.group {
                self.value(&o.value())
            } else if self.in_main()
                && let Some(g) = home
            {
                RValue::X(format!(
                    "{}.outputs.{FOUNDRY_OUTPUT}",
                    group_symbol(self.model, g)
                ))
            } else {
                continue;
            };
            entries.push((o.name.clone(), value));
        }
        let outputs = super::foundries_output(self.in_main(), entries);
        // Existing resources referenced, with the parents of existing children.
        let mut existing_ids: BTreeSet<EntityId> = self.referenced.borrow().clone();
        loop {
            let parents: Vec<EntityId> = existing_ids
                .iter()
                .filter_map(|&i| self.model.entity(i).parent)
                .filter(|p| !existing_ids.contains(p))
                .collect();
            if parents.is_empty() {
                break;
            }
            existing_ids.extend(parents);
        }
        let existing = existing_ids
            .iter()
            .map(|&i| self.existing(i))
            .collect::<Vec<_>>();
        let params = super::file_params(
            self.model,
            self.in_main(),
            *self.uses_location.borrow(),
            *self.uses_deployment_scope.borrow(),
            &self.secrets.borrow(),
            "string",
            true,
        );
        Ok((
            FileView {
                generated_by: generated_by(self.model),
                version: env!("CARGO_PKG_VERSION").into(),
                deployment: self.model.name.clone(),
                module: !self.in_main(),
                params,
                existing,
                resources: Vec::new(),
                outputs,
                locals: Vec::new(),
                ephemeral: Vec::new(),
            },
            resources,
        ))
    }
}

fn view(
    e: &Entity,
    symbol: String,
    keyword: &str,
    fields: Vec<(String, RValue)>,
    depends_on: Vec<String>,
    directives: Vec<String>,
) -> ResourceView {
    ResourceView {
        comment: e.label.clone(),
        symbol,
        keyword: keyword.into(),
        type_api: format!("{}@{}", e.resource_type, e.api_version),
        resource_type: e.resource_type.clone(),
        api_version: e.api_version.clone(),
        fields,
        blocks: Vec::new(),
        depends_why: Vec::new(),
        depends_on,
        directives,
    }
}

/// A module's deployment name: the stem, then a suffix unique to the calling deployment.
fn unique_name(stem: &str) -> RValue {
    RValue::X(format!(
        "{}-${{uniqueString(deployment().name)}}'",
        bicep_string(stem).trim_end_matches('\'')
    ))
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
