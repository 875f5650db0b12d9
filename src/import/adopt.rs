//! `render --adopt`: which resources of the Terraform output already exist, according to the same
//! `az` JSON `import` reads. Hands the matching entities to `render::terraform::imports`, which
//! writes an `import {}` block for each, and says which resources of the files the spec does not
//! render.

use serde_json::{Map, Value as Json};

use crate::model::{EntityId, Expr, Kind, Model, Value};

use super::read::Item;

/// What the files say of a model's resources.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Adoption {
    /// The resources the output creates that exist already, in plan order.
    pub existing: Vec<EntityId>,
    /// The ids of the resources of the files the spec does not render, in file order.
    pub ignored: Vec<String>,
    /// Connections that exist but must be replaced (another category, auth type or target):
    /// not imported, since an update in place is what Azure refuses; each with why.
    pub replaced: Vec<(EntityId, String)>,
}

/// Why a deployed connection cannot become the spec's by an update in place: another category,
/// auth type or target resource (what `plan --current` replaces). `None` when it can.
fn must_replace(model: &Model, id: EntityId, deployed: &Map<String, Json>) -> Option<String> {
    let Value::Object(props) = &model.entity(id).properties else {
        return None;
    };
    let get = |k: &str| props.iter().find(|(key, _)| key == k).map(|(_, v)| v);
    let text = |k: &str| deployed.get(k).and_then(Json::as_str).unwrap_or_default();
    for (key, what) in [("category", "category"), ("authType", "auth type")] {
        if let Some(Value::Str(want)) = get(key)
            && !want.eq_ignore_ascii_case(text(key))
        {
            return Some(format!(
                "its {what} is `{}`, the spec's `{want}`",
                text(key)
            ));
        }
    }
    // A resource target: the deployed `ResourceId` must name the same type and resource.
    let meta = deployed.get("metadata").and_then(Json::as_object);
    let deployed_id = meta
        .and_then(|m| m.get("ResourceId"))
        .and_then(Json::as_str)
        .unwrap_or_else(|| text("target"));
    let target = get("metadata").and_then(|m| match m {
        Value::Object(pairs) => pairs.iter().find_map(|(k, v)| match (k.as_str(), v) {
            ("ResourceId", Value::Expr(Expr::Id(t))) => Some(*t),
            _ => None,
        }),
        _ => None,
    });
    if let Some(t) = target {
        let e = model.entity(t);
        let tail = format!("/providers/{}/{}", e.resource_type, e.name_text()).to_ascii_lowercase();
        if !deployed_id.to_ascii_lowercase().ends_with(&tail) {
            return Some(format!(
                "its target is `{deployed_id}`, the spec's {}",
                e.label
            ));
        }
    } else if let Some(Value::Str(url)) = get("target")
        && !url
            .trim_end_matches('/')
            .eq_ignore_ascii_case(text("target").trim_end_matches('/'))
    {
        return Some(format!(
            "its target is `{}`, the spec's `{url}`",
            text("target")
        ));
    }
    None
}

/// The kinds an `az` file can show that Terraform creates as an `azapi_resource`.
fn adoptable(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::Account
            | Kind::Project
            | Kind::ModelDeployment
            | Kind::Connection
            | Kind::KeyVaultConnection
            | Kind::Target
            | Kind::Resource
    )
}

/// Where an entity is: see [`place`].
type Place = (Option<String>, Option<String>, String);

/// An entity's place: its root's subscription and resource group where the spec names them
/// (`None`: the deployment's, which is not known offline), and the lower-case rest of its ARM id
/// from `providers/` on.
fn place(model: &Model, id: EntityId) -> Place {
    let mut chain = vec![id];
    while let Some(p) = model
        .entity(*chain.last().expect("one entity at least"))
        .parent
    {
        chain.push(p);
    }
    chain.reverse();
    let root = model.entity(chain[0]);
    let mut rest = format!("providers/{}/{}", root.resource_type, root.name_text());
    for &c in &chain[1..] {
        let e = model.entity(c);
        let last = e.resource_type.rsplit('/').next().unwrap_or("");
        rest.push_str(&format!("/{last}/{}", e.name_text()));
    }
    (
        root.scope.subscription.clone(),
        root.scope.resource_group.clone(),
        rest.to_ascii_lowercase(),
    )
}

/// An item's ARM id.
fn item_id(item: &Item) -> String {
    let (account, child) = match item {
        Item::Account { id, .. } => (id, String::new()),
        Item::Project { account, name, .. } => (account, format!("/projects/{name}")),
        Item::Connection {
            account,
            project,
            name,
            ..
        } => (
            account,
            match project {
                Some(p) => format!("/projects/{p}/connections/{name}"),
                None => format!("/connections/{name}"),
            },
        ),
        Item::Deployment { account, name, .. } => (account, format!("/deployments/{name}")),
    };
    format!(
        "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.CognitiveServices/accounts/{}{child}",
        account.subscription, account.resource_group, account.name
    )
}

/// Matches the files' resources to the model's. A resource the spec places in the deployment's
/// subscription or group matches by the rest of its id (names of accounts are global DNS names,
/// and a child is known by its parent); Terraform's import id still names the deployment's
/// subscription and group, so a file from another group imports nothing rather than the wrong
/// resource. Ids compare case-insensitively, as ARM's do.
pub fn adopt(model: &Model, items: &[Item]) -> Adoption {
    let places: Vec<(EntityId, Place)> = (0..model.entities.len())
        .filter(|&i| matches!(model.entity(i).name, crate::model::Value::Str(_)))
        .map(|i| (i, place(model, i)))
        .collect();
    let mut found: Vec<EntityId> = Vec::new();
    let mut ignored: Vec<String> = Vec::new();
    let mut replaced: Vec<(EntityId, String)> = Vec::new();
    for item in items {
        let id = item_id(item);
        let parts: Vec<&str> = id.splitn(6, '/').collect();
        let (sub, rg, rest) = (parts[2], parts[4], parts[5].to_ascii_lowercase());
        let same = |want: &Option<String>, have: &str| {
            want.as_deref().is_none_or(|w| w.eq_ignore_ascii_case(have))
        };
        let hit = places
            .iter()
            .find(|(_, (s, g, r))| *r == rest && same(s, sub) && same(g, rg));
        match hit {
            // Read as a data source: nothing to adopt, and not ignored either.
            Some((e, _)) if model.entity(*e).existing => {}
            Some((e, _)) if adoptable(model.entity(*e).kind) => {
                let why = match item {
                    Item::Connection { properties, .. } => must_replace(model, *e, properties),
                    _ => None,
                };
                match why {
                    Some(why) if !replaced.iter().any(|(r, _)| r == e) => replaced.push((*e, why)),
                    Some(_) => {}
                    None if !found.contains(e) => found.push(*e),
                    None => {}
                }
            }
            _ => {
                if !ignored.iter().any(|i| i.eq_ignore_ascii_case(&id)) {
                    ignored.push(id);
                }
            }
        }
    }
    let existing = model
        .plan
        .iter()
        .copied()
        .filter(|e| found.contains(e))
        .collect();
    Adoption {
        existing,
        ignored,
        replaced,
    }
}
