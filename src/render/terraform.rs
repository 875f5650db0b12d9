//! Terraform: `main.tf` (azapi for Foundry resources and reads, azurerm for role assignments and
//! access policies, time for the wait), `variables.tf`, `outputs.tf`, `versions.tf` and
//! `terraform.tfvars.example`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};

use heck::ToSnakeCase;

use super::context::{FileView, ParamView, RValue, ResourceView};
use super::filters::hcl_string;
use super::generated_by;
use super::templates::ItemStream;
use crate::error::Error;
use crate::model::{EntityId, Expr, Identity, Kind, Model, Value};

/// The namespace ARM's `guid()` is commonly re-implemented with (UUIDv5 over the arguments joined
/// with `-`); foundrygen uses it so Terraform's names follow the same recipe as Bicep's and ARM's.
pub const ARM_GUID_NAMESPACE: &str = "11fb06fb-712d-4ddd-98c7-e71bbd588830";

/// Renders the Terraform files, keyed by path under `terraform/`.
pub fn render(model: &Model) -> Result<Vec<(String, String)>, Error> {
    // main.tf, the one that grows with the spec, is formatted resource by resource as it renders;
    // when an overlay's pieces do not stand on their own, it is rendered again and formatted
    // whole, with the same result.
    let piecewise = super::templates::Piecewise {
        piece: super::hclfmt::format_piece,
        joins: super::hclfmt::joins_cleanly,
    };
    if let Some(files) = render_with(model, Some(&piecewise))? {
        return Ok(files);
    }
    let files = super::templates::unformatted(render_with(model, None)?)?;
    Ok(files
        .into_iter()
        .enumerate()
        .map(|(i, (name, text))| (name, if i == 0 { formatted(&text) } else { text }))
        .collect())
}

/// The Terraform files, `main.tf` formatted piece by piece with `format` (`None` when a piece
/// did not stand on its own) or, without one, left as rendered; the other files formatted.
fn render_with(
    model: &Model,
    format: Option<&super::templates::Piecewise>,
) -> Result<Option<Vec<(String, String)>>, Error> {
    let r = TfRender::new(model);
    let mut existing = Vec::new();
    for (id, e) in model.entities.iter().enumerate() {
        if e.existing {
            existing.push(r.data_source(id));
        }
    }
    // Keys read from targets come from `ephemeral "azapi_resource_action"`: read at plan and at
    // apply, straight into the write-only `sensitive_body`, never stored in the state or the plan.
    let ephemeral: Vec<ResourceView> = r
        .secret_reads
        .iter()
        .map(|((id, action), paths)| r.secret_read(*id, action.as_deref(), paths))
        .collect();
    let mut resources = ItemStream::new("resources", "terraform/resource.tf", false, format);
    resources.expect(model.plan.len());
    resources.extend_with(model.plan.clone(), |stream, id| {
        if model.entity(id).purge_on_delete {
            stream.push(r.purge(id))?;
        }
        stream.push(r.resource(id))
    })?;
    let outputs = super::foundries_output(
        true,
        model
            .outputs
            .iter()
            .map(|o| (o.name.clone(), r.value(&o.value())))
            .collect(),
    );
    let mut params = vec![
        ParamView {
            name: "subscription_id".into(),
            kind: "string".into(),
            secure: false,
            description: "Subscription to deploy into.".into(),
            default: None,
            env: None,
        },
        ParamView {
            name: "resource_group_name".into(),
            kind: "string".into(),
            secure: false,
            description: "Resource group to deploy into (it must exist).".into(),
            default: None,
            env: None,
        },
    ];
    // Declared only where something uses it: an unused data source is what tflint's
    // `terraform_unused_declarations` flags.
    if r.uses_tenant.load(Relaxed) {
        existing.insert(
            0,
            ResourceView {
                comment: "the tenant of the credentials Terraform runs with".into(),
                symbol: "current".into(),
                keyword: "azapi_client_config".into(),
                type_api: String::new(),
                resource_type: String::new(),
                api_version: String::new(),
                fields: Vec::new(),
                blocks: Vec::new(),
                depends_on: Vec::new(),
                depends_why: Vec::new(),
                directives: Vec::new(),
            },
        );
    }
    // Declared only where something uses it, as in Bicep and ARM.
    if r.uses_location.load(Relaxed) {
        params.push(ParamView {
            name: "location".into(),
            kind: "string".into(),
            secure: false,
            description: "Location of the resources this deployment creates.".into(),
            default: Some(RValue::S(model.location.clone())),
            env: None,
        });
    }
    for s in model.secrets.values() {
        params.push(ParamView {
            name: s.name.clone(),
            kind: "string".into(),
            secure: true,
            description: format!("Secret for {}.", s.used_by.join(", ")),
            default: None,
            env: Some(format!("TF_VAR_{}", s.name)),
        });
    }
    let mut view = FileView {
        generated_by: generated_by(model),
        version: env!("CARGO_PKG_VERSION").into(),
        deployment: model.name.clone(),
        module: false,
        params,
        existing,
        ephemeral,
        resources: Vec::new(),
        outputs,
        locals: vec![(
            "resource_group_id".into(),
            RValue::X(
                "\"/subscriptions/${var.subscription_id}/resourceGroups/${var.resource_group_name}\""
                    .into(),
            ),
        )],
    };
    const FILES: [&str; 5] = [
        "main.tf",
        "variables.tf",
        "outputs.tf",
        "versions.tf",
        "terraform.tfvars.example",
    ];
    let frames = FILES.map(|name| format!("terraform/{name}"));
    let frames: Vec<&str> = frames.iter().map(String::as_str).collect();
    let mut existing_items = ItemStream::new("existing", "terraform/data.tf", false, format);
    existing_items.extend(std::mem::take(&mut view.existing))?;
    let mut ephemeral_items = ItemStream::new("ephemeral", "terraform/ephemeral.tf", false, format);
    ephemeral_items.extend(std::mem::take(&mut view.ephemeral))?;
    let lists = vec![existing_items, ephemeral_items, resources];
    let Some(texts) = super::templates::render_file(&view, &frames, lists)? else {
        return Ok(None);
    };
    Ok(Some(
        FILES
            .iter()
            .zip(texts)
            .enumerate()
            .map(|(i, (name, text))| {
                let text = match (i, format) {
                    (0, Some(_)) => trimmed(text),
                    (0, None) => text,
                    _ => formatted(&text),
                };
                (name.to_string(), text)
            })
            .collect(),
    ))
}

/// One `import {}` block of `terraform/imports.tf`.
#[derive(Debug, serde::Serialize)]
struct ImportView {
    comment: String,
    to: String,
    id: String,
}

/// The view of `terraform/imports.tf`.
#[derive(Debug, serde::Serialize)]
struct ImportsView {
    generated_by: String,
    imports: Vec<ImportView>,
}

/// `terraform/imports.tf` (`render --adopt`): an `import {}` block (Terraform 1.5+) for each
/// entity that exists already, so that `terraform apply` adopts it (azapi refuses to create a
/// resource that exists). `to` is the address `main.tf` declares; `id` the resource's ARM id as
/// `main.tf` builds it (the deployment's subscription and group from its variables) with
/// `?api-version=` of the pinned version, without which azapi refuses the import.
pub fn imports(model: &Model, existing: &[EntityId]) -> Result<String, Error> {
    let r = TfRender::new(model);
    let imports = existing
        .iter()
        .map(|&id| {
            let e = model.entity(id);
            let quoted = r.id_string(id);
            ImportView {
                comment: e.label.clone(),
                to: r.address(id).to_string(),
                id: format!(
                    "{}?api-version={}\"",
                    &quoted[..quoted.len() - 1],
                    hcl_inner(&e.api_version)
                ),
            }
        })
        .collect();
    let view = ImportsView {
        generated_by: generated_by(model),
        imports,
    };
    let text = super::templates::render("terraform/imports.tf", &view)?;
    Ok(formatted(&text))
}

/// `text` as `terraform fmt` writes it, so templates (ours and `--templates` overlays) never decide
/// alignment; blanks at the very end go, leaving the one trailing newline every output has.
fn formatted(text: &str) -> String {
    trimmed(super::hclfmt::format(text))
}

/// Formatted text with the blanks at its very end replaced by one newline.
fn trimmed(mut out: String) -> String {
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

struct TfRender<'a> {
    model: &'a Model,
    /// Paths read from each entity's body (`response_export_values`).
    exports: BTreeMap<EntityId, BTreeSet<String>>,
    /// Secrets read from each entity, with the response paths used: the result of a POST action
    /// (`listKeys`), or (`None`) of a GET of the resource itself (an App Insights connection
    /// string). Each becomes an ephemeral resource, so none reaches the state.
    secret_reads: BTreeMap<(EntityId, Option<String>), BTreeSet<String>>,
    /// Whether an expression used `var.location`.
    uses_location: AtomicBool,
    /// Whether an expression used the tenant (`data.azapi_client_config.current`).
    uses_tenant: AtomicBool,
    /// Each entity's [`TfRender::address`], made on first use: most are asked for many times (by
    /// every dependent, every reference and every role assignment on it).
    addresses: Vec<OnceLock<String>>,
    /// Each entity's [`TfRender::id_string`], made on first use.
    id_strings: Vec<OnceLock<String>>,
}

/// The raw contents of an HCL string literal (no quotes).
fn hcl_inner(s: &str) -> String {
    let q = hcl_string(s);
    q[1..q.len() - 1].to_string()
}

fn hcl_path(path: &[String]) -> String {
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

/// A scope's subscription and resource group as HCL template text: literals, or the deployment's
/// variables.
fn scope_parts(scope: &crate::model::Scope) -> (String, String) {
    let sub = scope
        .subscription
        .as_deref()
        .map(hcl_inner)
        .unwrap_or_else(|| "${var.subscription_id}".into());
    let rg = scope
        .resource_group
        .as_deref()
        .map(hcl_inner)
        .unwrap_or_else(|| "${var.resource_group_name}".into());
    (sub, rg)
}

/// The first path segment that is not an array index: what `response_export_values` must list.
fn export_path(path: &[String]) -> String {
    path.iter()
        .take_while(|s| !s.bytes().all(|b| b.is_ascii_digit()))
        .cloned()
        .collect::<Vec<_>>()
        .join(".")
}

impl<'a> TfRender<'a> {
    fn new(model: &'a Model) -> Self {
        let mut r = TfRender {
            model,
            exports: BTreeMap::new(),
            secret_reads: BTreeMap::new(),
            uses_location: AtomicBool::new(false),
            uses_tenant: AtomicBool::new(false),
            addresses: vec![OnceLock::new(); model.entities.len()],
            id_strings: vec![OnceLock::new(); model.entities.len()],
        };
        let mut exprs: Vec<&Expr> = Vec::new();
        for e in &model.entities {
            exprs.extend(e.properties.exprs());
            if let Some(c) = &e.credentials {
                for x in c.exprs() {
                    r.note_secret(x);
                }
            }
            exprs.extend(e.name.exprs());
        }
        let outputs: Vec<Value> = model.outputs.iter().map(|o| o.value()).collect();
        exprs.extend(outputs.iter().flat_map(Value::exprs));
        for x in exprs {
            r.note(x);
        }
        r
    }

    fn note(&mut self, x: &Expr) {
        match x {
            Expr::Prop(id, path) => {
                self.exports
                    .entry(*id)
                    .or_default()
                    .insert(export_path(path));
            }
            Expr::PrincipalId(id) => {
                let e = self.model.entity(*id);
                if e.kind == Kind::Identity {
                    self.exports
                        .entry(*id)
                        .or_default()
                        .insert("properties.principalId".into());
                } else if e.existing {
                    self.exports
                        .entry(*id)
                        .or_default()
                        .insert("identity.principalId".into());
                }
            }
            Expr::Action(..) => self.note_secret(x),
            Expr::Guid(args) | Expr::Concat(args) => args.iter().for_each(|a| self.note(a)),
            Expr::Substring(inner, _, _) => self.note(inner),
            _ => {}
        }
    }

    /// Notes what a credential reads: a target's key or connection string is a secret read.
    fn note_secret(&mut self, x: &Expr) {
        match x {
            Expr::Action(id, action, path) => {
                self.secret_reads
                    .entry((*id, Some(action.clone())))
                    .or_default()
                    .insert(export_path(path));
            }
            Expr::Prop(id, path) => {
                self.secret_reads
                    .entry((*id, None))
                    .or_default()
                    .insert(export_path(path));
            }
            other => self.note(other),
        }
    }

    fn label(&self, id: EntityId) -> String {
        self.model.entity(id).symbol.clone()
    }

    fn address(&self, id: EntityId) -> &str {
        self.addresses[id].get_or_init(|| self.make_address(id))
    }

    fn make_address(&self, id: EntityId) -> String {
        let e = self.model.entity(id);
        let ty = match (e.existing, e.kind) {
            (true, _) => return format!("data.azapi_resource.{}", e.symbol),
            (false, Kind::RoleAssignment) => "azurerm_role_assignment",
            (false, Kind::AccessPolicy) => "azurerm_key_vault_access_policy",
            (false, Kind::Wait) => "time_sleep",
            _ => "azapi_resource",
        };
        format!("{ty}.{}", e.symbol)
    }

    /// The label of a secret read: `<entity>_<action>`, or `<entity>_get`.
    fn secret_read_label(&self, id: EntityId, action: Option<&str>) -> String {
        format!(
            "{}_{}",
            self.label(id),
            action.map_or("get".to_string(), |a| a.to_snake_case())
        )
    }

    /// A resource id built as a string, known at plan time (for role assignment names).
    fn id_string(&self, id: EntityId) -> &str {
        self.id_strings[id].get_or_init(|| self.make_id_string(id))
    }

    fn make_id_string(&self, id: EntityId) -> String {
        let mut chain = vec![id];
        let mut cur = id;
        while let Some(p) = self.model.entity(cur).parent {
            chain.push(p);
            cur = p;
        }
        chain.reverse();
        let root = self.model.entity(chain[0]);
        let (sub, rg) = scope_parts(&root.scope);
        let mut s = format!(
            "/subscriptions/{sub}/resourceGroups/{rg}/providers/{}/{}",
            root.resource_type,
            hcl_inner(root.name_text())
        );
        for &c in &chain[1..] {
            let e = self.model.entity(c);
            let last = e.resource_type.rsplit('/').next().unwrap_or("");
            s.push_str(&format!("/{last}/{}", hcl_inner(e.name_text())));
        }
        format!("\"{s}\"")
    }

    fn parent_id(&self, id: EntityId) -> String {
        let e = self.model.entity(id);
        match e.parent {
            Some(p) => format!("{}.id", self.address(p)),
            None if e.scope.is_deployment() => "local.resource_group_id".into(),
            None => {
                let (sub, rg) = scope_parts(&e.scope);
                format!("\"/subscriptions/{sub}/resourceGroups/{rg}\"")
            }
        }
    }

    fn expr(&self, x: &Expr) -> String {
        match x {
            Expr::Id(id) => format!("{}.id", self.address(*id)),
            Expr::Location(id) => format!("{}.location", self.address(*id)),
            Expr::Prop(id, path) => format!("{}.output{}", self.address(*id), hcl_path(path)),
            Expr::Action(id, action, path) => format!(
                "ephemeral.azapi_resource_action.{}.output{}",
                self.secret_read_label(*id, Some(action)),
                hcl_path(path)
            ),
            Expr::Secret(name) => format!("var.{name}"),
            Expr::PrincipalId(id) => {
                let e = self.model.entity(*id);
                match (e.kind, e.existing) {
                    (Kind::Identity, _) => {
                        format!("{}.output.properties.principalId", self.address(*id))
                    }
                    (_, true) => format!("{}.output.identity.principalId", self.address(*id)),
                    (_, false) => format!("{}.identity[0].principal_id", self.address(*id)),
                }
            }
            Expr::TenantId => {
                self.uses_tenant.store(true, Relaxed);
                "data.azapi_client_config.current.tenant_id".into()
            }
            Expr::Guid(args) => self.guid(args, None),
            Expr::RoleDefinition(guid) => format!(
                "\"/subscriptions/${{var.subscription_id}}/providers/Microsoft.Authorization/roleDefinitions/{}\"",
                hcl_inner(guid)
            ),
            Expr::Literal(s) => hcl_string(s),
            Expr::LocationParam => {
                self.uses_location.store(true, Relaxed);
                "var.location".into()
            }
            Expr::Substring(inner, start, len) => {
                format!("substr({}, {start}, {len})", self.expr(inner))
            }
            Expr::Concat(parts) => {
                // One template string: literal parts escaped as in any HCL string.
                let mut out = String::from("\"");
                for p in parts {
                    match p {
                        Expr::Literal(s) => out.push_str(&hcl_inner(s)),
                        other => {
                            out.push_str("${");
                            out.push_str(&self.expr(other));
                            out.push('}');
                        }
                    }
                }
                out.push('"');
                out
            }
        }
    }

    fn value(&self, v: &Value) -> RValue {
        RValue::from_value(v, &mut |e| self.expr(e))
    }

    /// A connection's credentials: a property read from a target (an App Insights connection
    /// string) comes from its ephemeral GET rather than from the data source, whose exports the
    /// state keeps.
    fn credentials_value(&self, v: &Value) -> RValue {
        RValue::from_value(v, &mut |e| match e {
            Expr::Prop(id, path) => format!(
                "ephemeral.azapi_resource_action.{}.output{}",
                self.secret_read_label(*id, None),
                hcl_path(path)
            ),
            other => self.expr(other),
        })
    }

    /// ARM's `guid()` of the arguments. Bicep and ARM compute a role assignment's name in the
    /// template that holds it, where `subscriptionResourceId()` resolves in that template's
    /// subscription: `seed_subscription` is that subscription when it is not the deployment's
    /// (a foundry module in another subscription), so the names agree and a deployment with one
    /// tool after the other finds the same assignment.
    fn guid(&self, args: &[Expr], seed_subscription: Option<&str>) -> String {
        format!(
            "uuidv5(\"{ARM_GUID_NAMESPACE}\", join(\"-\", [{}]))",
            args.iter()
                .map(|a| match (a, seed_subscription) {
                    (Expr::Id(id), _) => self.id_string(*id).to_string(),
                    // An id joined with literals (a data-plane role definition under its
                    // resource) is one plan-time string too.
                    (Expr::Concat(parts), _) => {
                        let mut out = String::from("\"");
                        for p in parts {
                            match p {
                                Expr::Id(id) => {
                                    let quoted = self.id_string(*id);
                                    out.push_str(&quoted[1..quoted.len() - 1]);
                                }
                                Expr::Literal(l) => out.push_str(&hcl_inner(l)),
                                other => {
                                    out.push_str("${");
                                    out.push_str(&self.expr(other));
                                    out.push('}');
                                }
                            }
                        }
                        out.push('"');
                        out
                    }
                    (Expr::RoleDefinition(guid), Some(sub)) => format!(
                        "\"/subscriptions/{}/providers/Microsoft.Authorization/roleDefinitions/{}\"",
                        hcl_inner(sub),
                        hcl_inner(guid)
                    ),
                    (other, _) => self.expr(other),
                })
                .collect::<Vec<_>>()
                .join(", ")
        )
    }

    fn exports_of(&self, id: EntityId) -> Option<RValue> {
        self.exports
            .get(&id)
            .filter(|s| !s.is_empty())
            .map(|s| RValue::A(s.iter().map(|p| RValue::S(p.clone())).collect()))
    }

    fn view(&self, id: EntityId, keyword: &str) -> ResourceView {
        let e = self.model.entity(id);
        ResourceView {
            comment: e.label.clone(),
            symbol: e.symbol.clone(),
            keyword: keyword.into(),
            type_api: format!("{}@{}", e.resource_type, e.api_version),
            resource_type: e.resource_type.clone(),
            api_version: e.api_version.clone(),
            fields: Vec::new(),
            blocks: Vec::new(),
            depends_on: Vec::new(),
            depends_why: Vec::new(),
            directives: Vec::new(),
        }
    }

    fn data_source(&self, id: EntityId) -> ResourceView {
        let e = self.model.entity(id);
        let mut v = self.view(id, "azapi_resource");
        v.fields
            .push(("type".into(), RValue::S(v.type_api.clone())));
        v.fields.push(("name".into(), self.value(&e.name)));
        v.fields
            .push(("parent_id".into(), RValue::X(self.parent_id(id))));
        if let Some(x) = self.exports_of(id) {
            v.fields.push(("response_export_values".into(), x));
        }
        v
    }

    /// The ephemeral resource that reads a secret from an entity: a POST action, or a GET.
    fn secret_read(
        &self,
        id: EntityId,
        action: Option<&str>,
        paths: &BTreeSet<String>,
    ) -> ResourceView {
        let e = self.model.entity(id);
        let mut v = self.view(id, "azapi_resource_action");
        v.symbol = self.secret_read_label(id, action);
        v.comment = match action {
            Some(a) => format!("`{a}` on {}, read at plan and apply, never stored", e.label),
            None => format!("{}, read again for its secret, never stored", e.label),
        };
        v.fields
            .push(("type".into(), RValue::S(v.type_api.clone())));
        v.fields.push((
            "resource_id".into(),
            RValue::X(format!("{}.id", self.address(id))),
        ));
        if let Some(a) = action {
            v.fields.push(("action".into(), RValue::S(a.into())));
        }
        v.fields.push((
            "method".into(),
            RValue::S(if action.is_some() { "POST" } else { "GET" }.into()),
        ));
        v.fields.push((
            "response_export_values".into(),
            RValue::A(paths.iter().map(|p| RValue::S(p.clone())).collect()),
        ));
        v
    }

    fn deps(&self, id: EntityId) -> (Vec<String>, Vec<String>) {
        let e = self.model.entity(id);
        e.deps
            .iter()
            .filter(|d| Some(d.on) != e.parent)
            .map(|d| {
                (
                    self.address(d.on).to_string(),
                    d.reason.describe().to_string(),
                )
            })
            .unzip()
    }

    fn identity_block(&self, i: Identity) -> (String, Vec<(String, RValue)>) {
        let fields = match i {
            Identity::SystemAssigned => vec![("type".into(), RValue::S("SystemAssigned".into()))],
            Identity::UserAssigned(u) => vec![
                ("type".into(), RValue::S("UserAssigned".into())),
                (
                    "identity_ids".into(),
                    RValue::A(vec![RValue::X(format!("{}.id", self.address(u)))]),
                ),
            ],
        };
        ("identity".into(), fields)
    }

    fn resource(&self, id: EntityId) -> ResourceView {
        let e = self.model.entity(id);
        let mut v = match e.kind {
            Kind::RoleAssignment => self.role_assignment(id),
            Kind::AccessPolicy => self.access_policy(id),
            Kind::Wait => {
                let mut v = self.view(id, "time_sleep");
                v.fields.push((
                    "create_duration".into(),
                    RValue::S(format!("{}s", e.wait_seconds.unwrap_or(0))),
                ));
                if let Some(holder) = e.wait_for {
                    // A changed trigger re-creates the sleep, so a new principal waits again.
                    v.fields.push((
                        "triggers".into(),
                        RValue::O(vec![(
                            "principal_id".into(),
                            RValue::X(self.expr(&Expr::PrincipalId(holder))),
                        )]),
                    ));
                }
                v
            }
            _ => self.azapi(id),
        };
        let (mut d, mut w) = self.deps(id);
        if e.purge_on_delete {
            // The account depends on its purge, so that `terraform destroy` deletes the account
            // first and runs the purge after it (a purge that depended on the account would run
            // before the delete and find nothing to purge).
            d.push(format!("azapi_resource_action.{}", self.purge_label(id)));
            w.push("the purge runs after the account is destroyed".into());
        }
        v.depends_on = d;
        v.depends_why = w;
        v
    }

    fn purge_label(&self, id: EntityId) -> String {
        format!("{}_purge", self.label(id))
    }

    /// The destroy-time action that purges a deleted account (`purge_on_delete`): a soft-deleted
    /// account keeps its name for 48 hours otherwise.
    fn purge(&self, id: EntityId) -> ResourceView {
        let e = self.model.entity(id);
        let mut v = self.view(id, "azapi_resource_action");
        v.symbol = self.purge_label(id);
        v.comment = format!(
            "purges {} once `terraform destroy` has deleted it (purge_on_delete)",
            e.label
        );
        let location = match &e.location {
            Some(Value::Str(l)) => hcl_inner(l),
            Some(Value::Expr(x)) => format!("${{{}}}", self.expr(x)),
            _ => format!("${{{}}}", self.expr(&Expr::LocationParam)),
        };
        let (sub, rg) = scope_parts(&e.scope);
        v.fields.push((
            "type".into(),
            RValue::S(format!(
                "Microsoft.CognitiveServices/locations/resourceGroups/deletedAccounts@{}",
                e.api_version
            )),
        ));
        v.fields.push((
            "resource_id".into(),
            RValue::X(format!(
                "\"/subscriptions/{sub}/providers/Microsoft.CognitiveServices/locations/{location}/resourceGroups/{rg}/deletedAccounts/{}\"",
                hcl_inner(e.name_text())
            )),
        ));
        v.fields.push(("method".into(), RValue::S("DELETE".into())));
        v.fields.push(("when".into(), RValue::S("destroy".into())));
        v
    }

    fn azapi(&self, id: EntityId) -> ResourceView {
        let e = self.model.entity(id);
        let mut v = self.view(id, "azapi_resource");
        v.fields
            .push(("type".into(), RValue::S(v.type_api.clone())));
        v.fields.push(("name".into(), self.value(&e.name)));
        v.fields
            .push(("parent_id".into(), RValue::X(self.parent_id(id))));
        if let Some(l) = &e.location {
            v.fields.push(("location".into(), self.value(l)));
        }
        if let Some(tags) = e.tags.as_ref().filter(|t| !t.is_empty()) {
            v.fields
                .push(("tags".into(), self.value(&Value::string_map(tags))));
        }
        if super::unpublished_auth(e) || super::unpublished_properties(e) {
            // The auth type (or a property) is accepted by the service but absent from azapi's
            // embedded schema.
            v.fields
                .push(("schema_validation_enabled".into(), RValue::B(false)));
        }
        let mut body = Vec::new();
        if let Some(k) = &e.resource_kind {
            body.push(("kind".to_string(), RValue::S(k.clone())));
        }
        if let Some(s) = &e.sku {
            body.push(("sku".to_string(), self.value(s)));
        }
        body.push(("properties".to_string(), self.value(&e.properties)));
        v.fields.push(("body".into(), RValue::O(body)));
        if let Some(c) = &e.credentials {
            v.fields.push((
                "sensitive_body".into(),
                RValue::O(vec![(
                    "properties".into(),
                    RValue::O(vec![("credentials".into(), self.credentials_value(c))]),
                )]),
            ));
        }
        if let Some(x) = self.exports_of(id) {
            v.fields.push(("response_export_values".into(), x));
        }
        if let Some(i) = e.identity {
            v.blocks.push(self.identity_block(i));
        }
        v
    }

    fn role_assignment(&self, id: EntityId) -> ResourceView {
        let e = self.model.entity(id);
        let mut v = self.view(id, "azurerm_role_assignment");
        let on = e.extends.expect("a role assignment extends a resource");
        let (_, guid) = e.role.clone().unwrap_or_default();
        let scope_sub = self
            .model
            .entity(on)
            .scope
            .subscription
            .as_deref()
            .map(hcl_inner)
            .unwrap_or_else(|| "${var.subscription_id}".into());
        let seed_subscription = e
            .group
            .map(|g| self.model.group_home(g))
            .and_then(|home| home.subscription);
        let name = match &e.name {
            Value::Expr(Expr::Guid(args)) => {
                RValue::X(self.guid(args, seed_subscription.as_deref()))
            }
            other => self.value(other),
        };
        v.fields.push(("name".into(), name));
        v.fields.push((
            "scope".into(),
            RValue::X(format!("{}.id", self.address(on))),
        ));
        v.fields.push((
            "role_definition_id".into(),
            RValue::X(format!(
                "\"/subscriptions/{scope_sub}/providers/Microsoft.Authorization/roleDefinitions/{}\"",
                hcl_inner(&guid)
            )),
        ));
        let principal = e
            .properties
            .get("principalId")
            .cloned()
            .unwrap_or(Value::str(""));
        v.fields
            .push(("principal_id".into(), self.value(&principal)));
        v.fields.push((
            "principal_type".into(),
            RValue::S("ServicePrincipal".into()),
        ));
        // An ABAC condition (the Agent Service's Storage Blob Data Owner).
        if let Some(c) = e.properties.get("condition") {
            v.fields.push(("condition".into(), self.value(c)));
        }
        if let Some(c) = e.properties.get("conditionVersion") {
            v.fields.push(("condition_version".into(), self.value(c)));
        }
        v
    }

    fn access_policy(&self, id: EntityId) -> ResourceView {
        let e = self.model.entity(id);
        let mut v = self.view(id, "azurerm_key_vault_access_policy");
        let vault = e.parent.expect("an access policy belongs to a vault");
        let grants: Vec<(String, RValue)> = e
            .grants
            .iter()
            .map(|(h, perms)| {
                let holder = self.model.entity(*h);
                (
                    holder.symbol.clone(),
                    RValue::O(vec![
                        (
                            "object_id".into(),
                            RValue::X(self.expr(&Expr::PrincipalId(*h))),
                        ),
                        (
                            "secret_permissions".into(),
                            RValue::A(perms.iter().map(|p| RValue::S(capitalise(p))).collect()),
                        ),
                    ]),
                )
            })
            .collect();
        v.fields.push(("for_each".into(), RValue::O(grants)));
        v.fields.push((
            "key_vault_id".into(),
            RValue::X(format!("{}.id", self.address(vault))),
        ));
        v.fields
            .push(("tenant_id".into(), RValue::X(self.expr(&Expr::TenantId))));
        v.fields
            .push(("object_id".into(), RValue::X("each.value.object_id".into())));
        v.fields.push((
            "secret_permissions".into(),
            RValue::X("each.value.secret_permissions".into()),
        ));
        v
    }
}

/// azurerm 4.x spells permissions capitalised (`Get`, `List`).
fn capitalise(p: &str) -> String {
    let mut c = p.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
