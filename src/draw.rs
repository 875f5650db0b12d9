//! `graph`: the dependency graph the renderers use, drawn as a Mermaid flowchart or Graphviz dot,
//! with every edge labelled with the reason it exists.

use std::fmt::Write as _;

use crate::model::{Kind, Model};

fn shape(kind: Kind) -> (&'static str, &'static str) {
    // Mermaid node shapes: rounded for Foundry resources, a parallelogram for a model deployment,
    // hexagons for access grants, a circle for the wait.
    match kind {
        Kind::Account | Kind::Project => ("([", "])"),
        Kind::ModelDeployment => ("[/", "/]"),
        Kind::CapabilityHost => ("[[", "]]"),
        Kind::KeyVaultConnection | Kind::Connection => ("[", "]"),
        Kind::RoleAssignment | Kind::DataPlaneRoleAssignment | Kind::AccessPolicy => ("{{", "}}"),
        Kind::Wait => ("((", "))"),
        Kind::Vault | Kind::Target | Kind::Identity | Kind::Resource => ("[(", ")]"),
    }
}

fn mermaid_text(s: &str) -> String {
    // Mermaid labels are quoted; `"` and `#` need its entity escapes, backticks are dropped.
    s.replace('`', "")
        .replace('#', "#35;")
        .replace('"', "#quot;")
}

/// A Mermaid flowchart, top to bottom in plan order.
pub fn mermaid(model: &Model) -> String {
    let mut out = String::from("flowchart TD\n");
    for &id in &model.plan {
        let e = model.entity(id);
        let (open, close) = shape(e.kind);
        let _ = writeln!(
            out,
            "  {}{open}\"{}\"{close}",
            e.symbol,
            mermaid_text(&e.label)
        );
    }
    for &id in &model.plan {
        let e = model.entity(id);
        for d in &e.deps {
            let _ = writeln!(
                out,
                "  {} -->|\"{}\"| {}",
                model.entity(d.on).symbol,
                mermaid_text(d.reason.describe()),
                e.symbol
            );
        }
    }
    out
}

fn dot_text(s: &str) -> String {
    s.replace('`', "")
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
}

/// A Graphviz digraph; edges point from what is created first to what waits for it.
pub fn dot(model: &Model) -> String {
    let mut out = format!(
        "digraph \"{}\" {{\n  rankdir=TB;\n  node [fontname=\"Helvetica\"];\n",
        dot_text(&model.name)
    );
    for &id in &model.plan {
        let e = model.entity(id);
        let shape = match e.kind {
            Kind::Account | Kind::Project => "box, style=rounded",
            Kind::ModelDeployment => "parallelogram",
            Kind::CapabilityHost => "box, peripheries=2",
            Kind::KeyVaultConnection | Kind::Connection => "box",
            Kind::RoleAssignment | Kind::DataPlaneRoleAssignment | Kind::AccessPolicy => "hexagon",
            Kind::Wait => "circle",
            Kind::Vault | Kind::Target | Kind::Identity | Kind::Resource => "cylinder",
        };
        let _ = writeln!(
            out,
            "  \"{}\" [label=\"{}\", shape={shape}];",
            e.symbol,
            dot_text(&e.label)
        );
    }
    for &id in &model.plan {
        let e = model.entity(id);
        for d in &e.deps {
            let _ = writeln!(
                out,
                "  \"{}\" -> \"{}\" [label=\"{}\"];",
                model.entity(d.on).symbol,
                e.symbol,
                dot_text(d.reason.describe())
            );
        }
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Source;

    fn model() -> Model {
        crate::check(&Source::new(
            "s.yaml",
            include_str!("../specs/key-vault-first.yaml"),
        ))
        .unwrap()
        .model
    }

    #[test]
    fn mermaid_has_a_node_per_step_and_an_edge_per_dependency() {
        let m = model();
        let text = mermaid(&m);
        let nodes = text
            .lines()
            .filter(|l| l.contains("\"") && !l.contains("-->"))
            .count();
        let edges = text.lines().filter(|l| l.contains("-->")).count();
        assert_eq!(nodes, m.plan.len());
        assert_eq!(
            edges,
            m.plan
                .iter()
                .map(|&i| m.entity(i).deps.len())
                .sum::<usize>()
        );
        assert!(text.contains("-->|\"the Key Vault connection comes first\"|"));
    }

    #[test]
    fn dot_is_one_digraph() {
        let text = dot(&model());
        assert!(text.starts_with("digraph \"contoso-ai\" {"));
        assert!(text.ends_with("}\n"));
        assert_eq!(text.matches('{').count(), text.matches('}').count());
    }
}
