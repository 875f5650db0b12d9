//! ARM JSON: `azuredeploy.json` (classic template syntax, `resourceId()`/`reference()`/`list*()`,
//! nested deployments for other resource groups) and `azuredeploy.parameters.json` (secure
//! parameters left out).

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use super::context::{FileView, RValue, ResourceView};
use super::templates::ItemStream;
use super::{
    DEPLOYMENT_RESOURCE_GROUP, DEPLOYMENT_SUBSCRIPTION, generated_by, group_deployment_stem,
    module_deployment_stem,
};
use crate::error::Error;
use crate::model::{Entity, EntityId, Expr, FOUNDRY_OUTPUT, Identity, Kind, Model, Scope, Value};
use crate::output::TemplateSize;

/// Renders the ARM files, keyed by path under `arm/`.
/// The size of each template (the top-level one and each foundry's nested template) goes to
/// `sizes`.
pub fn render(
    model: &Model,
    sizes: &mut Vec<TemplateSize>,
) -> Result<Vec<(String, String)>, Error> {
    let main = ArmRender::new(model, None, Scope::default());
    let mut stream = ItemStream::new("resources", "arm/resource.json", false, None);
    stream.expect(model.plan_of(None).len());
    let (view, resources) = main.file_view(sizes, Resources::Stream(Box::new(stream)))?;
    sizes.push(view.size("azuredeploy.json".into(), resources.len()));
    let Resources::Stream(resources) = resources else {
        unreachable!("the top-level template streams its resources")
    };
    let mut texts = render_view(
        &view,
        *resources,
        &["arm/azuredeploy.json", "arm/azuredeploy.parameters.json"],
    )?
    .into_iter();
    Ok(vec![
        (
            "azuredeploy.json".to_string(),
            texts.next().unwrap_or_default(),
        ),
        (
            "azuredeploy.parameters.json".to_string(),
            texts.next().unwrap_or_default(),
        ),
    ])
}

/// The templates a nested template is printed from (when it is not built directly).
const TEMPLATE_FILES: &[&str] = &["arm/azuredeploy.json", "arm/resource.json"];

/// `text`, what the templates `names` printed for `what`, read as JSON. Where an overlay printed
/// something that is not JSON, that is the overlay's error (naming its files); with the built-in
/// templates it is foundrygen's. (The top-level template is written as printed and never read:
/// an overlay may put comments in it, which Azure accepts there.)
fn printed_json(text: &str, what: &str, names: &[&str]) -> Result<serde_json::Value, Error> {
    serde_json::from_str(text).map_err(|e| {
        let overlay = super::templates::overlaid(names);
        if overlay.is_empty() {
            return Error::internal(
                format!("the built-in templates printed {what} that is not JSON"),
                &e,
            );
        }
        let printed: String = text
            .lines()
            .nth(e.line().saturating_sub(1))
            .unwrap_or_default()
            .trim()
            .chars()
            .take(120)
            .collect();
        Error::Template {
            template: overlay.join("`, `"),
            chain: vec![
                format!(
                    "{what} as these templates print it is not JSON: {e} of the printed text, \
                     which reads `{printed}` there"
                ),
                "ARM templates must be JSON: check what these templates print around that place \
                 (`foundrygen templates export DIR` writes the built-in ones to compare with)"
                    .to_string(),
            ],
        }
    })
}

/// Renders a template (the top-level one or a nested one), its resources already rendered into
/// `resources` as they were built.
fn render_view(
    view: &FileView,
    resources: ItemStream<'_>,
    frames: &[&str],
) -> Result<Vec<String>, Error> {
    super::templates::unformatted(super::templates::render_file(
        view,
        frames,
        vec![resources],
    )?)
}

/// A nested deployment's name as an ARM expression: the stem, then a suffix unique to the calling
/// deployment.
fn unique_name(stem: &str) -> String {
    format!(
        "format({}, uniqueString(deployment().name))",
        lit(&format!("{stem}-{{0}}"))
    )
}

/// Converts a rendered ARM JSON document back into a value tree, keeping expressions as
/// expressions and escaped literals as the literals they stand for.
fn json_to_rvalue(v: &serde_json::Value) -> RValue {
    match v {
        serde_json::Value::String(s) => {
            if let Some(lit) = s.strip_prefix("[[") {
                RValue::S(format!("[{lit}"))
            } else if s.starts_with('[') && s.ends_with(']') {
                RValue::X(s[1..s.len() - 1].to_string())
            } else {
                RValue::S(s.clone())
            }
        }
        serde_json::Value::Bool(b) => RValue::B(*b),
        serde_json::Value::Number(n) => RValue::I(n.as_i64().unwrap_or(0)),
        serde_json::Value::Null => RValue::S(String::new()),
        serde_json::Value::Array(items) => RValue::A(items.iter().map(json_to_rvalue).collect()),
        serde_json::Value::Object(map) => {
            let expression_keys = !map.is_empty()
                && map
                    .keys()
                    .all(|k| k.starts_with('[') && !k.starts_with("[[") && k.ends_with(']'));
            if expression_keys {
                RValue::XK(
                    map.iter()
                        .map(|(k, v)| (k[1..k.len() - 1].to_string(), json_to_rvalue(v)))
                        .collect(),
                )
            } else {
                RValue::O(
                    map.iter()
                        .map(|(k, v)| {
                            let key = match k.strip_prefix("[[") {
                                Some(rest) => format!("[{rest}"),
                                None => k.clone(),
                            };
                            (key, json_to_rvalue(v))
                        })
                        .collect(),
                )
            }
        }
    }
}

/// Where a template's resources go as they are built: through the item template straight away,
/// or kept for a nested template whose JSON is built directly ([`template_json`]).
enum Resources {
    Stream(Box<ItemStream<'static>>),
    Kept(Vec<ResourceView>),
}

impl Resources {
    fn push(&mut self, view: ResourceView) -> Result<(), Error> {
        match self {
            Resources::Stream(stream) => stream.push(view),
            Resources::Kept(views) => {
                views.push(view);
                Ok(())
            }
        }
    }

    fn len(&self) -> usize {
        match self {
            Resources::Stream(stream) => stream.len(),
            Resources::Kept(views) => views.len(),
        }
    }
}

/// A nested template rendered through the templates and read back as JSON.
fn parse_rendered(view: &FileView, resources: ItemStream<'_>) -> Result<serde_json::Value, Error> {
    let text = render_view(view, resources, &["arm/azuredeploy.json"])?
        .pop()
        .unwrap_or_default();
    printed_json(
        &text,
        "the nested template of a foundry in another resource group",
        TEMPLATE_FILES,
    )
}

/// [`parse_rendered`] of resources that were kept.
fn rendered_json(view: &FileView, views: Vec<ResourceView>) -> Result<serde_json::Value, Error> {
    let mut stream = ItemStream::new("resources", "arm/resource.json", true, None);
    stream.extend(views)?;
    parse_rendered(view, stream)
}

/// The JSON the built-in `arm/azuredeploy.json` and `arm/resource.json` print for a view, as
/// [`parse_rendered`] reads it back, without printing it; `None` for a view they would print as
/// something that is not JSON (a directive where a value goes).
fn template_json(view: &FileView, resources: &[ResourceView]) -> Option<serde_json::Value> {
    use serde_json::{Map, Value as J};
    let object = |pairs: Vec<(&str, J)>| {
        let mut map = Map::new();
        for (k, v) in pairs {
            map.insert(k.to_string(), v);
        }
        J::Object(map)
    };
    let text = |s: &str| J::String(s.to_string());
    let described = |description: &str| object(vec![("description", arm_text(description))]);
    let mut params = Map::new();
    for p in &view.params {
        let mut fields = vec![("type", text(&p.kind))];
        if let Some(d) = &p.default {
            fields.push(("defaultValue", arm_json(d)?));
        }
        fields.push(("metadata", described(&p.description)));
        params.insert(p.name.clone(), object(fields));
    }
    let mut items = Vec::with_capacity(resources.len());
    for r in resources {
        let mut map = Map::new();
        map.insert("type".into(), text(&r.resource_type));
        map.insert("apiVersion".into(), text(&r.api_version));
        for (k, v) in &r.fields {
            map.insert(k.clone(), arm_json(v)?);
        }
        map.insert(
            "dependsOn".into(),
            J::Array(r.depends_on.iter().map(|d| text(d)).collect()),
        );
        items.push(J::Object(map));
    }
    let mut outputs = Map::new();
    for o in &view.outputs {
        outputs.insert(
            o.name.clone(),
            object(vec![
                ("type", text(&o.kind)),
                ("metadata", described(&o.description)),
                ("value", arm_json(&o.value)?),
            ]),
        );
    }
    Some(object(vec![
        (
            "$schema",
            text("https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"),
        ),
        ("contentVersion", text("1.0.0.0")),
        (
            "metadata",
            object(vec![
                (
                    "_generator",
                    object(vec![
                        ("name", text("foundrygen")),
                        ("version", text(&view.version)),
                        ("note", text(&view.generated_by)),
                    ]),
                ),
                ("deployment", arm_text(&view.deployment)),
            ]),
        ),
        ("parameters", J::Object(params)),
        ("resources", J::Array(items)),
        ("outputs", J::Object(outputs)),
    ]))
}

/// The JSON string `arm_str` prints for a literal: a leading `[` doubled.
fn arm_text(s: &str) -> serde_json::Value {
    serde_json::Value::String(super::filters::arm_literal(s))
}

/// The JSON `arm_value` prints for a value; `None` for a directive where a value goes (which it
/// prints as nothing).
fn arm_json(v: &RValue) -> Option<serde_json::Value> {
    use serde_json::Value as J;
    Some(match v {
        RValue::S(s) => arm_text(s),
        RValue::B(b) => J::Bool(*b),
        RValue::I(i) => J::from(*i),
        RValue::X(x) => J::String(format!("[{x}]")),
        RValue::D(_) => return None,
        RValue::O(pairs) => {
            let mut map = serde_json::Map::new();
            for (k, v) in pairs {
                if !matches!(v, RValue::D(_)) {
                    map.insert(super::filters::arm_literal(k), arm_json(v)?);
                }
            }
            J::Object(map)
        }
        RValue::XK(pairs) => {
            let mut map = serde_json::Map::new();
            for (k, v) in pairs {
                map.insert(format!("[{k}]"), arm_json(v)?);
            }
            J::Object(map)
        }
        RValue::A(items) => J::Array(items.iter().map(arm_json).collect::<Option<_>>()?),
    })
}

struct ArmRender<'a> {
    model: &'a Model,
    /// The foundry whose nested template this is; `None` for the top-level template.
    group: Option<usize>,
    /// The resource group the template is deployed to (the default scope is the deployment's).
    home: Scope,
    uses_deployment_scope: RefCell<bool>,
    secrets: RefCell<BTreeSet<String>>,
    uses_location: RefCell<bool>,
    /// Each entity's `resourceId(...)` from this template, by entity id, built on first use: ids,
    /// `dependsOn` lists and `reference()`s repeat the same few thousand strings many times.
    /// Building one again would change nothing: what it records on the way (a secret, the
    /// deployment scope) is recorded the first time.
    ids: RefCell<Vec<Option<Rc<str>>>>,
    /// Each entity's `dependsOn` reference from this template, by entity id (see `ids`).
    dep_refs: RefCell<Vec<Option<Rc<str>>>>,
    /// `reference(...)` of each entity, at `2 * id` without `'full'` and `2 * id + 1` with it.
    references: RefCell<Vec<Option<Rc<str>>>>,
}

/// The cached string of `id` in `cache`, built with `build` on first use. The caches grow to the
/// ids asked for rather than being sized to every entity up front (as Terraform's are): a spec
/// with a foundry per resource group builds one `ArmRender` per nested template.
fn cached(
    cache: &RefCell<Vec<Option<Rc<str>>>>,
    id: EntityId,
    build: impl FnOnce() -> String,
) -> Rc<str> {
    if let Some(Some(s)) = cache.borrow().get(id) {
        return s.clone();
    }
    // Not borrowed while building: an id's name expression may need other ids.
    let s: Rc<str> = build().into();
    let mut cache = cache.borrow_mut();
    if cache.len() <= id {
        cache.resize(id + 1, None);
    }
    cache[id] = Some(s.clone());
    s
}

/// An ARM string literal inside an expression: `'...'` with `'` doubled.
fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

impl<'a> ArmRender<'a> {
    fn new(model: &'a Model, group: Option<usize>, home: Scope) -> Self {
        ArmRender {
            model,
            group,
            home,
            uses_deployment_scope: RefCell::new(false),
            secrets: RefCell::new(BTreeSet::new()),
            uses_location: RefCell::new(false),
            ids: RefCell::new(Vec::new()),
            dep_refs: RefCell::new(Vec::new()),
            references: RefCell::new(Vec::new()),
        }
    }

    fn needs_module(&self, e: &Entity) -> bool {
        !e.existing && e.scope != self.home
    }

    /// `subscriptionId` / `resourceGroup` of a nested deployment into `scope`, matching what
    /// [`Self::scope_args`] names it by.
    fn deployment_target(&self, scope: &Scope) -> Vec<(String, RValue)> {
        let args = self.scope_args(scope);
        let value = |a: &String| match a.strip_prefix('\'').and_then(|a| a.strip_suffix('\'')) {
            Some(literal) => RValue::S(literal.replace("''", "'")),
            None => RValue::X(a.clone()),
        };
        match args.as_slice() {
            [] => Vec::new(),
            [rg] => vec![("resourceGroup".to_string(), value(rg))],
            [sub, rg] => vec![
                ("subscriptionId".to_string(), value(sub)),
                ("resourceGroup".to_string(), value(rg)),
            ],
            _ => unreachable!("scope_args gives at most two arguments"),
        }
    }

    /// The leading `resourceId()` arguments that reach `scope` from this template.
    fn scope_args(&self, scope: &Scope) -> Vec<String> {
        if *scope == self.home {
            return Vec::new();
        }
        if self.group.is_none() {
            return match (&scope.subscription, &scope.resource_group) {
                (None, None) => Vec::new(),
                (Some(s), Some(rg)) => vec![lit(s), lit(rg)],
                (None, Some(rg)) => vec![lit(rg)],
                (Some(s), None) => vec![lit(s), "resourceGroup().name".into()],
            };
        }
        // In a foundry's nested template "the deployment's" subscription and group are the
        // caller's, passed in as parameters.
        let deployment = |name: &str| {
            *self.uses_deployment_scope.borrow_mut() = true;
            format!("parameters({})", lit(name))
        };
        let sub = match &scope.subscription {
            Some(s) => lit(s),
            None => deployment(DEPLOYMENT_SUBSCRIPTION),
        };
        let rg = match &scope.resource_group {
            Some(rg) => lit(rg),
            None => deployment(DEPLOYMENT_RESOURCE_GROUP),
        };
        vec![sub, rg]
    }

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

    /// How an extension resource's `scope` names a resource of its template's resource group:
    /// `Namespace/type/name`, and `/childType/childName` for each level below.
    fn scope_path(&self, id: EntityId) -> String {
        let mut chain = vec![id];
        while let Some(p) = self.model.entity(*chain.last().expect("not empty")).parent {
            chain.push(p);
        }
        chain.reverse();
        let root = self.model.entity(chain[0]);
        let mut out = format!("{}/{}", root.resource_type, root.name_text());
        for &c in &chain[1..] {
            let e = self.model.entity(c);
            let last = e.resource_type.rsplit('/').next().unwrap_or("");
            out.push_str(&format!("/{last}/{}", e.name_text()));
        }
        out
    }

    /// The `resourceId(...)` (or `extensionResourceId(...)`) of an entity.
    fn id(&self, id: EntityId) -> Rc<str> {
        cached(&self.ids, id, || self.build_id(id))
    }

    fn build_id(&self, id: EntityId) -> String {
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
        let mut args = self.scope_args(&scope);
        args.push(lit(&e.resource_type));
        args.extend(names);
        format!("resourceId({})", args.join(", "))
    }

    /// What a `dependsOn` names: the resource, or the nested deployment that holds it.
    fn dep_ref(&self, id: EntityId) -> Rc<str> {
        cached(&self.dep_refs, id, || self.build_dep_ref(id))
    }

    fn build_dep_ref(&self, id: EntityId) -> String {
        let e = self.model.entity(id);
        if let (None, Some(g)) = (self.group, e.group) {
            let mut args = self.scope_args(&self.model.group_home(g));
            args.push(lit("Microsoft.Resources/deployments"));
            args.push(unique_name(&group_deployment_stem(self.model, g)));
            return format!("[resourceId({})]", args.join(", "));
        }
        if self.needs_module(e) {
            let mut args = self.scope_args(&e.scope);
            args.push(lit("Microsoft.Resources/deployments"));
            args.push(unique_name(&module_deployment_stem(e)));
            format!("[resourceId({})]", args.join(", "))
        } else {
            format!("[{}]", self.id(id))
        }
    }

    fn reference(&self, id: EntityId, full: bool) -> Rc<str> {
        cached(&self.references, 2 * id + usize::from(full), || {
            self.build_reference(id, full)
        })
    }

    fn build_reference(&self, id: EntityId, full: bool) -> String {
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
            Expr::Id(id) => self.id(*id).to_string(),
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
            Expr::Secret(name) => {
                self.secrets.borrow_mut().insert(name.clone());
                format!("parameters({})", lit(name))
            }
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
            Expr::LocationParam => {
                *self.uses_location.borrow_mut() = true;
                "parameters('location')".into()
            }
            Expr::Substring(inner, start, len) => {
                format!("substring({}, {start}, {len})", self.expr(inner))
            }
            Expr::Concat(parts) => format!(
                "concat({})",
                parts
                    .iter()
                    .map(|p| self.expr(p))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
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
        } else if chain.len() > 1 {
            // A child named at deployment time (a data-plane role's `guid()`): its parents' names,
            // `/`, its own.
            let parts: Vec<String> = chain
                .iter()
                .map(|&i| match &self.model.entity(i).name {
                    Value::Expr(x) => self.expr(x),
                    _ => lit(self.model.entity(i).name_text()),
                })
                .collect();
            RValue::X(format!("concat({})", parts.join(", '/', ")))
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
                    RValue::XK(vec![(self.id(u).to_string(), RValue::O(vec![]))]),
                ),
            ]),
        }
    }

    fn deps(&self, e: &Entity) -> (Vec<String>, Vec<String>) {
        let mut refs = super::Distinct::default();
        let mut why = Vec::new();
        for d in &e.deps {
            // In a foundry's nested template, what it waits for outside is the nested deployment's
            // own dependency in the calling template.
            if self.group.is_some() && self.model.entity(d.on).group != self.group {
                continue;
            }
            let r = self.dep_ref(d.on);
            if !refs.contains(&r) && refs.insert(r.to_string()) {
                why.push(d.reason.describe().to_string());
            }
        }
        (refs.into_vec(), why)
    }

    fn resource(&self, id: EntityId) -> ResourceView {
        let e = self.model.entity(id);
        if self.needs_module(e) {
            return self.nested_deployment(id);
        }
        let mut fields = Vec::new();
        fields.push(("name".to_string(), self.full_name(id)));
        if let Some(on) = e.extends {
            fields.push(("scope".to_string(), RValue::S(self.scope_path(on))));
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
                // A child target (an API of an API Management service) is named through its
                // parent: `Namespace/type/{0}/child/{1}`.
                let parent = t.parent.map(|p| self.model.entity(p));
                let scope = match parent {
                    Some(p) => format!(
                        "format('{}/{{0}}/{}/{{1}}', parameters('parentName'), parameters('resourceName'))",
                        p.resource_type,
                        t.resource_type.rsplit('/').next().unwrap_or("")
                    ),
                    None => format!(
                        "format('{}/{{0}}', parameters('resourceName'))",
                        t.resource_type
                    ),
                };
                let mut inner_params = Vec::new();
                let mut outer_params = Vec::new();
                if let Some(p) = parent {
                    inner_params.push((
                        "parentName".to_string(),
                        string_param("Name of the parent of the resource the role is granted on."),
                    ));
                    outer_params.push((
                        "parentName".to_string(),
                        RValue::O(vec![("value".into(), self.value(&p.name))]),
                    ));
                }
                inner_params.extend([
                    (
                        "resourceName".to_string(),
                        string_param("Name of the resource the role is granted on."),
                    ),
                    (
                        "roleAssignmentName".to_string(),
                        string_param("Deterministic role assignment name."),
                    ),
                    (
                        "roleDefinitionGuid".to_string(),
                        string_param(if e.kind == Kind::DataPlaneRoleAssignment {
                            "GUID of the built-in data-plane role definition."
                        } else {
                            "GUID of the built-in role definition."
                        }),
                    ),
                    (
                        "principalId".to_string(),
                        string_param("Principal id the role is granted to."),
                    ),
                ]);
                outer_params.extend([
                    (
                        "resourceName".to_string(),
                        RValue::O(vec![("value".into(), self.value(&t.name))]),
                    ),
                    (
                        "roleAssignmentName".to_string(),
                        RValue::O(vec![("value".into(), self.value(&e.name))]),
                    ),
                    (
                        "roleDefinitionGuid".to_string(),
                        RValue::O(vec![("value".into(), RValue::S(guid))]),
                    ),
                    (
                        "principalId".to_string(),
                        RValue::O(vec![("value".into(), self.value(&principal))]),
                    ),
                ]);
                let inner_resource = if e.kind == Kind::DataPlaneRoleAssignment {
                    // The target's own child, `<resource>/<guid>`, over its role definitions.
                    let segment = crate::catalog::target_type(&t.resource_type)
                        .and_then(|k| k.data_plane)
                        .map_or("roleDefinitions", |p| p.definitions);
                    let target_id = format!(
                        "resourceId({}, parameters('resourceName'))",
                        lit(&t.resource_type)
                    );
                    RValue::O(vec![
                        ("type".into(), RValue::S(e.resource_type.clone())),
                        ("apiVersion".into(), RValue::S(e.api_version.clone())),
                        (
                            "name".into(),
                            RValue::X(
                                "concat(parameters('resourceName'), '/', parameters('roleAssignmentName'))"
                                    .into(),
                            ),
                        ),
                        (
                            "properties".into(),
                            RValue::O(vec![
                                (
                                    "roleDefinitionId".into(),
                                    RValue::X(format!(
                                        "concat({target_id}, {}, parameters('roleDefinitionGuid'))",
                                        lit(&format!("/{segment}/"))
                                    )),
                                ),
                                ("scope".into(), RValue::X(target_id)),
                                (
                                    "principalId".into(),
                                    RValue::X("parameters('principalId')".into()),
                                ),
                            ]),
                        ),
                    ])
                } else {
                    RValue::O(vec![
                        ("type".into(), RValue::S(e.resource_type.clone())),
                        ("apiVersion".into(), RValue::S(e.api_version.clone())),
                        ("scope".into(), RValue::X(scope)),
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
                    ])
                };
                (
                    RValue::O(inner_params),
                    RValue::O(outer_params),
                    inner_resource,
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
        let mut fields = vec![(
            "name".to_string(),
            RValue::X(unique_name(&module_deployment_stem(e))),
        )];
        fields.extend(self.deployment_target(&e.scope));
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

impl ArmRender<'_> {
    /// Builds the template's view: its resources in plan order (a foundry that lives in another
    /// resource group becomes one nested deployment), parameters and outputs.
    fn file_view(
        &self,
        sizes: &mut Vec<TemplateSize>,
        mut resources: Resources,
    ) -> Result<(FileView, Resources), Error> {
        let mut seen_groups = BTreeSet::new();
        let mut group_outputs: BTreeMap<usize, RValue> = BTreeMap::new();
        for &id in self.model.plan_of(self.group) {
            let e = self.model.entity(id);
            match (self.group, e.group) {
                (None, Some(g)) if seen_groups.insert(g) => {
                    let (view, output) = self.group_deployment(g, sizes)?;
                    resources.push(view)?;
                    group_outputs.insert(g, output);
                }
                (mine, theirs) if mine == theirs => resources.push(self.resource(id))?,
                _ => {}
            }
        }
        // Each foundry's entry is computed in the template that holds what the spec writes into
        // it; the top-level template passes a nested deployment's on.
        let mut entries = Vec::new();
        for o in &self.model.outputs {
            let home = self.model.output_group(o.foundry);
            let value = if home == self.group {
                self.value(&o.value())
            } else if let Some(passed) = home.and_then(|g| group_outputs.get(&g)) {
                passed.clone()
            } else {
                continue;
            };
            entries.push((o.name.clone(), value));
        }
        let outputs = super::foundries_output(self.group.is_none(), entries);
        let params = super::file_params(
            self.model,
            self.group.is_none(),
            *self.uses_location.borrow(),
            *self.uses_deployment_scope.borrow(),
            &self.secrets.borrow(),
            "securestring",
            false,
        );
        Ok((
            FileView {
                generated_by: generated_by(self.model),
                version: env!("CARGO_PKG_VERSION").into(),
                deployment: self.model.name.clone(),
                module: self.group.is_some(),
                params,
                existing: Vec::new(),
                resources: Vec::new(),
                outputs,
                locals: Vec::new(),
                ephemeral: Vec::new(),
            },
            resources,
        ))
    }

    /// The nested deployment holding everything written into an existing foundry in another
    /// resource group, and how the calling template reads that foundry's output entry.
    fn group_deployment(
        &self,
        g: usize,
        sizes: &mut Vec<TemplateSize>,
    ) -> Result<(ResourceView, RValue), Error> {
        let home = self.model.group_home(g);
        let inner = ArmRender::new(self.model, Some(g), home.clone());
        // The built-in templates' output is known, so the nested template's JSON can be built
        // directly; an overlay of either template has to be rendered and read back.
        let resources = if super::templates::overlaid(TEMPLATE_FILES).is_empty() {
            Resources::Kept(Vec::new())
        } else {
            Resources::Stream(Box::new(ItemStream::new(
                "resources",
                "arm/resource.json",
                true,
                None,
            )))
        };
        let (inner_view, inner_resources) = inner.file_view(sizes, resources)?;
        let inner_count = inner_resources.len();
        let json = match inner_resources {
            Resources::Kept(views) => match template_json(&inner_view, &views) {
                Some(json) => json,
                None => rendered_json(&inner_view, views)?,
            },
            Resources::Stream(stream) => parse_rendered(&inner_view, *stream)?,
        };
        let stem = group_deployment_stem(self.model, g);
        let name = unique_name(&stem);
        sizes.push(inner_view.size(
            format!("azuredeploy.json (nested deployment `{stem}-…`)"),
            inner_count,
        ));
        let mut passed = Vec::new();
        for p in &inner_view.params {
            let value = match p.name.as_str() {
                DEPLOYMENT_SUBSCRIPTION => "subscription().subscriptionId".to_string(),
                DEPLOYMENT_RESOURCE_GROUP => "resourceGroup().name".to_string(),
                "location" => self.expr(&Expr::LocationParam),
                other => self.expr(&Expr::Secret(other.to_string())),
            };
            passed.push((
                p.name.clone(),
                RValue::O(vec![("value".into(), RValue::X(value))]),
            ));
        }
        let mut fields = vec![("name".to_string(), RValue::X(name.clone()))];
        fields.extend(self.deployment_target(&home));
        fields.push((
            "properties".to_string(),
            RValue::O(vec![
                ("mode".into(), RValue::S("Incremental".into())),
                (
                    "expressionEvaluationOptions".into(),
                    RValue::O(vec![("scope".into(), RValue::S("inner".into()))]),
                ),
                ("parameters".into(), RValue::O(passed)),
                ("template".into(), json_to_rvalue(&json)),
            ]),
        ));
        let mut args = self.scope_args(&home);
        args.push(lit("Microsoft.Resources/deployments"));
        args.push(name);
        let api = crate::catalog::api_version_for("Microsoft.Resources/deployments")
            .unwrap_or("2025-04-01");
        let deployment_id = format!("resourceId({})", args.join(", "));
        let output = RValue::X(format!(
            "reference({deployment_id}, {}).outputs.{FOUNDRY_OUTPUT}.value",
            lit(api)
        ));
        let mut depends_on = super::Distinct::default();
        for &member in self.model.group_members(g) {
            for d in &self.model.entity(member).deps {
                if self.model.entity(d.on).group != Some(g) {
                    let r = self.dep_ref(d.on);
                    if !depends_on.contains(&r) {
                        depends_on.insert(r.to_string());
                    }
                }
            }
        }
        let depends_on = depends_on.into_vec();
        let view = ResourceView {
            comment: self.model.groups[g].label.clone(),
            symbol: stem,
            keyword: "module".into(),
            type_api: format!("Microsoft.Resources/deployments@{api}"),
            resource_type: "Microsoft.Resources/deployments".into(),
            api_version: api.into(),
            fields,
            blocks: Vec::new(),
            depends_on,
            depends_why: Vec::new(),
            directives: Vec::new(),
        };
        Ok((view, output))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Source;

    /// The specs of the golden cases that have a model, with the reference specs.
    fn models() -> Vec<(String, Model)> {
        let mut out = Vec::new();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut paths: Vec<_> = std::fs::read_dir(root.join("tests/cases"))
            .unwrap()
            .map(|e| e.unwrap().path().join("spec.yaml"))
            .chain(
                std::fs::read_dir(root.join("specs"))
                    .unwrap()
                    .map(|e| e.unwrap().path()),
            )
            .filter(|p| p.extension().is_some_and(|x| x == "yaml") && p.is_file())
            .collect();
        paths.sort();
        for p in paths {
            let text = std::fs::read_to_string(&p).unwrap();
            if let Ok(checked) = crate::check(&Source::new(p.display().to_string(), text)) {
                out.push((p.display().to_string(), checked.model));
            }
        }
        assert!(out.len() > 10, "found the specs");
        out
    }

    /// Each template's cached ids, references and `dependsOn` entries are what building them
    /// afresh gives, in whatever order they are first asked for, and asking again changes nothing.
    #[test]
    fn cached_ids_are_the_ones_built_afresh() {
        let mut groups_seen = 0;
        for (name, model) in models() {
            let templates: Vec<(Option<usize>, Scope)> = std::iter::once((None, Scope::default()))
                .chain((0..model.groups.len()).map(|g| (Some(g), model.group_home(g))))
                .collect();
            groups_seen += model.groups.len();
            for (group, home) in templates {
                let cached = ArmRender::new(&model, group, home.clone());
                // Backwards, so that an id built for another's name or scope is met cached.
                for id in (0..model.entities.len()).rev() {
                    let fresh = ArmRender::new(&model, group, home.clone());
                    for _ in 0..2 {
                        assert_eq!(*cached.id(id), fresh.build_id(id), "{name}: id of {id}");
                        assert_eq!(
                            *cached.dep_ref(id),
                            fresh.build_dep_ref(id),
                            "{name}: dependsOn of {id}"
                        );
                        for full in [false, true] {
                            assert_eq!(
                                *cached.reference(id, full),
                                fresh.build_reference(id, full),
                                "{name}: reference of {id}"
                            );
                        }
                    }
                }
            }
        }
        assert!(groups_seen > 0, "some spec has a foundry in another group");
    }

    /// Each nested template's JSON, built directly, is the one its rendered text reads back as,
    /// keys in the same order.
    #[test]
    fn nested_template_json_is_the_rendered_one_read_back() {
        let mut compared = 0;
        for (name, model) in models() {
            for g in 0..model.groups.len() {
                let inner = ArmRender::new(&model, Some(g), model.group_home(g));
                let (view, resources) = inner
                    .file_view(&mut Vec::new(), Resources::Kept(Vec::new()))
                    .unwrap();
                let Resources::Kept(views) = resources else {
                    panic!("kept resources come back kept")
                };
                let built = template_json(&view, &views).expect("no directive where a value goes");
                let rendered = rendered_json(&view, views).unwrap();
                assert_eq!(
                    serde_json::to_string_pretty(&built).unwrap(),
                    serde_json::to_string_pretty(&rendered).unwrap(),
                    "{name}: group {g}"
                );
                compared += 1;
            }
        }
        assert!(compared > 0, "some spec has a foundry in another group");
    }

    #[test]
    fn arm_json_is_what_arm_value_prints_read_back() {
        let v = RValue::O(vec![
            ("[k".into(), RValue::S("[v]".into())),
            ("a".into(), RValue::X("x('\"')".into())),
            ("d".into(), RValue::D("#disable-next-line x".into())),
            ("a".into(), RValue::I(-3)),
            ("e".into(), RValue::XK(vec![])),
            (
                "f".into(),
                RValue::XK(vec![("id('a')".into(), RValue::O(vec![]))]),
            ),
            (
                "g".into(),
                RValue::A(vec![
                    RValue::B(true),
                    RValue::I(7),
                    RValue::S("\u{1}\n\u{202e}".into()),
                ]),
            ),
            (
                "h".into(),
                RValue::O(vec![("d".into(), RValue::D("#x".into()))]),
            ),
        ]);
        let printed: serde_json::Value =
            serde_json::from_str(&super::super::filters::arm_value(&v, 2)).unwrap();
        assert_eq!(
            serde_json::to_string(&arm_json(&v).unwrap()).unwrap(),
            serde_json::to_string(&printed).unwrap()
        );
        assert!(arm_json(&RValue::A(vec![RValue::D("#x".into())])).is_none());
    }
}
