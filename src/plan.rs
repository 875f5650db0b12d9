//! `plan`: the ordered create (or delete) steps, one per line, each with why it stands where it does.

use std::fmt::Write as _;

use crate::model::{Kind, Model};

/// The plan as text: create order, or with `teardown` the exact reverse.
pub fn describe(model: &Model, teardown: bool) -> String {
    let mut out = String::new();
    let order = if teardown {
        model.teardown()
    } else {
        model.plan.clone()
    };
    let _ = writeln!(
        out,
        "{} plan for `{}` ({}): {} step{}",
        if teardown { "teardown" } else { "create" },
        model.name,
        model.spec_name,
        order.len(),
        if order.len() == 1 { "" } else { "s" }
    );
    let width = order.len().to_string().len();
    for (n, &id) in order.iter().enumerate() {
        let e = model.entity(id);
        let verb = if teardown { "delete" } else { "create" };
        let _ = write!(out, "{:>width$}. {verb} {}", n + 1, e.label);
        let _ = write!(out, " [{}]", e.resource_type);
        // Created after what it depends on; deleted before it. Neighbours that stand there for
        // the same reason share it: `after a, b (why)`.
        let mut reasons: Vec<(String, Vec<&str>)> = Vec::new();
        for d in &e.deps {
            let why = if teardown {
                d.reason.describe_teardown()
            } else {
                d.reason.describe()
            };
            let label = model.entity(d.on).label.as_str();
            match reasons.last_mut() {
                Some((w, labels)) if *w == why => labels.push(label),
                _ => reasons.push((why.to_string(), vec![label])),
            }
        }
        let reasons: Vec<String> = reasons
            .into_iter()
            .map(|(why, labels)| format!("{} ({why})", labels.join(", ")))
            .collect();
        if !reasons.is_empty() {
            let word = if teardown { "before" } else { "after" };
            let _ = write!(out, "; {word} {}", reasons.join(", "));
        }
        if e.kind == Kind::CapabilityHost {
            // The service refuses updates to a capability host: what it names is fixed.
            let names_connections = e.resource_type.ends_with("/projects/capabilityHosts");
            out.push_str(if teardown && names_connections {
                "; not updatable in place: deleted before the connections it names"
            } else if teardown {
                "; not updatable in place: deleted before its account's connections"
            } else {
                "; not updatable in place: to change what it names, delete it (plan --teardown) and create it again"
            });
        }
        if teardown && e.purge_on_delete {
            out.push_str("; then purged, freeing its name at once (purge_on_delete)");
        }
        out.push('\n');
    }
    out
}

/// What a step does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Create the resource (a PUT).
    Create,
    /// Update it in place (a PUT over the existing resource).
    Update,
    /// Delete it.
    Delete,
}

impl Action {
    /// The word `plan` prints.
    pub fn word(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
        }
    }
}

/// Why a step stands where it does: a reason, and the steps (by label) it stands after (create,
/// update) or before (delete) for that reason; `on` is empty for a reason of the step's own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepReason {
    /// The reason, as `plan` prints it.
    pub why: String,
    /// Labels of what it waits for (create) or goes before (delete).
    pub on: Vec<String>,
}

/// One step of a plan, as `plan --format json` prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// What it does.
    pub action: Action,
    /// ARM resource type.
    pub resource_type: String,
    /// The resource's own name; `None` where ARM computes it at deployment (role assignments).
    pub name: Option<String>,
    /// The parent resource: its ARM type and full name (`account/project`).
    pub parent: Option<(String, String)>,
    /// The human description `plan` prints.
    pub label: String,
    /// Why it stands there.
    pub reasons: Vec<StepReason>,
}

/// The steps of the create plan (or with `teardown` the delete plan), with the same reasons
/// [`describe`] prints.
pub fn steps(model: &Model, teardown: bool) -> Vec<Step> {
    let order = if teardown {
        model.teardown()
    } else {
        model.plan.clone()
    };
    order
        .iter()
        .map(|&id| {
            let e = model.entity(id);
            let mut reasons: Vec<StepReason> = Vec::new();
            for d in &e.deps {
                let why = if teardown {
                    d.reason.describe_teardown()
                } else {
                    d.reason.describe()
                };
                let label = model.entity(d.on).label.clone();
                match reasons.last_mut() {
                    Some(r) if r.why == why => r.on.push(label),
                    _ => reasons.push(StepReason {
                        why: why.to_string(),
                        on: vec![label],
                    }),
                }
            }
            if e.kind == Kind::CapabilityHost {
                let names_connections = e.resource_type.ends_with("/projects/capabilityHosts");
                reasons.push(StepReason {
                    why: if teardown && names_connections {
                        "not updatable in place: deleted before the connections it names"
                    } else if teardown {
                        "not updatable in place: deleted before its account's connections"
                    } else {
                        "not updatable in place: to change what it names, delete it (plan --teardown) and create it again"
                    }
                    .into(),
                    on: Vec::new(),
                });
            }
            if teardown && e.purge_on_delete {
                reasons.push(StepReason {
                    why: "then purged, freeing its name at once (purge_on_delete)".into(),
                    on: Vec::new(),
                });
            }
            Step {
                action: if teardown {
                    Action::Delete
                } else {
                    Action::Create
                },
                resource_type: e.resource_type.clone(),
                name: literal_name(model, id),
                parent: parent_of(model, id),
                label: e.label.clone(),
                reasons,
            }
        })
        .collect()
}

/// An entity's own name when it is a literal.
pub fn literal_name(model: &Model, id: crate::model::EntityId) -> Option<String> {
    match &model.entity(id).name {
        crate::model::Value::Str(s) => Some(s.clone()),
        _ => None,
    }
}

/// An entity's parent: its type and full ARM name (`account/project`).
pub fn parent_of(model: &Model, id: crate::model::EntityId) -> Option<(String, String)> {
    let p = model.entity(id).parent?;
    let mut names = vec![model.entity(p).name_text().to_string()];
    let mut cur = p;
    while let Some(up) = model.entity(cur).parent {
        names.push(model.entity(up).name_text().to_string());
        cur = up;
    }
    names.reverse();
    Some((model.entity(p).resource_type.clone(), names.join("/")))
}

/// Which plan a JSON document holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanKind {
    /// `plan`: the create steps.
    Create,
    /// `plan --teardown`: the delete steps.
    Teardown,
    /// `plan --current`: the steps from what is deployed to the spec.
    Change,
}

/// `plan --format json`: one JSON document (pretty-printed, one trailing newline).
///
/// `{"format": 1, "plan": "create"|"teardown"|"change", "deployment", "spec", "steps": [{"step",
/// "action", "type", "name", "parent": {"type", "name"}|null, "label", "reasons": [{"why",
/// "on"}]}], "warnings": [..], "notes": [..]}`.
pub fn json(
    model: &Model,
    kind: PlanKind,
    steps: &[Step],
    warnings: &[String],
    notes: &[String],
) -> String {
    use serde_json::{Value as J, json};
    let steps: Vec<J> = steps
        .iter()
        .enumerate()
        .map(|(n, s)| {
            json!({
                "step": n + 1,
                "action": s.action.word(),
                "type": s.resource_type,
                "name": s.name,
                "parent": s.parent.as_ref().map(|(t, n)| json!({"type": t, "name": n})),
                "label": s.label,
                "reasons": s.reasons.iter().map(|r| json!({"why": r.why, "on": r.on})).collect::<Vec<_>>(),
            })
        })
        .collect();
    let doc = json!({
        "format": 1,
        "plan": match kind {
            PlanKind::Create => "create",
            PlanKind::Teardown => "teardown",
            PlanKind::Change => "change",
        },
        "deployment": model.name,
        "spec": model.spec_name,
        "steps": steps,
        "warnings": warnings,
        "notes": notes,
    });
    let mut s = serde_json::to_string_pretty(&doc).expect("JSON of strings");
    s.push('\n');
    s
}
