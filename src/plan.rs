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
            out.push_str(if teardown {
                "; not updatable in place: deleted before the connections it names"
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
