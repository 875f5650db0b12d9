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
        let what = match e.kind {
            Kind::Wait => e.label.clone(),
            _ => e.label.clone(),
        };
        let _ = write!(out, "{:>width$}. {verb} {what}", n + 1);
        let _ = write!(out, " [{}]", e.resource_type);
        if teardown {
            // What this step must precede: everything it depended on, deleted later.
            let before: Vec<String> = e
                .deps
                .iter()
                .map(|d| format!("{} ({})", model.entity(d.on).label, d.reason.describe()))
                .collect();
            if !before.is_empty() {
                let _ = write!(out, "\n{:width$}  before: {}", "", before.join("; "));
            }
        } else {
            let after: Vec<String> = e
                .deps
                .iter()
                .map(|d| format!("{} ({})", model.entity(d.on).label, d.reason.describe()))
                .collect();
            if !after.is_empty() {
                let _ = write!(out, "\n{:width$}  after: {}", "", after.join("; "));
            }
        }
        out.push('\n');
    }
    out
}
