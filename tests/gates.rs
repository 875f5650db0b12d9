//! The gates Azure teams run before anything reaches Azure, and the limits Azure applies when it
//! does, checked on the parsed output of every reference spec and valid case (issue 7): the
//! `foundries` output object and ARM's 64-outputs limit, no `reference()` in a top-level
//! `location`.

#[path = "support/specs.rs"]
mod specs;

use std::collections::BTreeMap;

use foundrygen::{Generated, OutputSet, Source, Target};
use serde_json::Value as Json;

fn generate(name: &str, text: &str) -> Generated {
    foundrygen::generate(&Source::new(name, text), &Target::ALL)
        .unwrap_or_else(|e| panic!("`{name}` does not generate: {e}"))
}

/// The shape of an output value: object keys, recursively; a leaf is `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Keys(BTreeMap<String, Option<Keys>>);

/// The shape the model says the `foundries` output has.
fn expected_keys(g: &Generated) -> Keys {
    let leaf = |names: &[(String, usize)]| {
        Some(Keys(names.iter().map(|(n, _)| (n.clone(), None)).collect()))
    };
    Keys(
        g.model
            .outputs
            .iter()
            .map(|o| {
                let entry = Keys(BTreeMap::from([
                    ("id".to_string(), None),
                    ("endpoint".to_string(), None),
                    ("principalId".to_string(), None),
                    ("projects".to_string(), leaf(&o.projects)),
                    ("connections".to_string(), leaf(&o.connections)),
                ]));
                (o.name.clone(), Some(entry))
            })
            .collect(),
    )
}

mod arm {
    //! ARM: the outputs of the top-level template and of every nested template.
    use super::*;

    /// Every template in a document: itself and the nested ones, with a label.
    pub fn templates(doc: &Json, label: &str, out: &mut Vec<(String, Json)>) {
        out.push((label.to_string(), doc.clone()));
        for r in doc["resources"].as_array().into_iter().flatten() {
            if r["type"] == "Microsoft.Resources/deployments" {
                let name = r["name"].as_str().unwrap_or("?");
                templates(
                    &r["properties"]["template"],
                    &format!("{label} > {name}"),
                    out,
                );
            }
        }
    }

    /// The keys of an output value; `reference(<nested deployment>).outputs.foundry.value` is
    /// followed into that nested template.
    fn keys(v: &Json, doc: &Json) -> Option<Keys> {
        match v {
            Json::Object(m) => Some(Keys(
                m.iter().map(|(k, v)| (k.clone(), keys(v, doc))).collect(),
            )),
            Json::String(s) if s.contains(".outputs.foundry.value") => {
                let nested = doc["resources"]
                    .as_array()
                    .expect("resources")
                    .iter()
                    .find(|r| {
                        r["type"] == "Microsoft.Resources/deployments"
                            && r["name"].as_str().is_some_and(|n| {
                                // A name expression appears as is in the resourceId; a literal
                                // name, quoted.
                                let inner = match n.strip_prefix('[') {
                                    Some(e) => e.trim_end_matches(']').to_string(),
                                    None => format!("'{n}'"),
                                };
                                s.contains(&inner)
                            })
                    })
                    .unwrap_or_else(|| panic!("`{s}` names no nested deployment"));
                let inner = &nested["properties"]["template"];
                keys(&inner["outputs"]["foundry"]["value"], inner)
            }
            _ => None,
        }
    }

    pub fn foundries(files: &OutputSet) -> Keys {
        let doc: Json = serde_json::from_str(&files.files["arm/azuredeploy.json"]).unwrap();
        let out = &doc["outputs"]["foundries"];
        assert_eq!(out["type"], "object");
        keys(&out["value"], &doc).expect("an object")
    }
}

mod bicep {
    //! Bicep: tree-sitter-bicep over `main.bicep` and the foundry modules it calls.
    use super::*;
    use tree_sitter::{Node, Parser, Tree};

    pub fn parse(text: &str) -> Tree {
        let mut p = Parser::new();
        p.set_language(&tree_sitter_bicep::LANGUAGE.into())
            .expect("tree-sitter-bicep loads");
        p.parse(text, None).expect("parses")
    }

    fn named(n: Node) -> Vec<Node> {
        let mut c = n.walk();
        n.named_children(&mut c)
            .filter(|c| !matches!(c.kind(), "comment" | "diagnostic_comment"))
            .collect()
    }

    pub fn output_declarations(tree: &Tree) -> usize {
        named(tree.root_node())
            .iter()
            .filter(|n| n.kind() == "output_declaration")
            .count()
    }

    fn text<'a>(n: Node, src: &'a str) -> &'a str {
        n.utf8_text(src.as_bytes()).unwrap()
    }

    fn key(n: Node, src: &str) -> String {
        let t = text(n, src);
        t.trim_matches('\'').to_string()
    }

    /// The value node of an output declaration called `name`.
    fn output<'t>(tree: &'t Tree, src: &str, name: &str) -> Option<Node<'t>> {
        named(tree.root_node()).into_iter().find_map(|d| {
            if d.kind() != "output_declaration" {
                return None;
            }
            let parts = named(d);
            let is = parts
                .iter()
                .any(|p| p.kind() == "identifier" && text(*p, src) == name);
            is.then(|| *parts.last().expect("a value"))
        })
    }

    /// The module path of a module declaration `symbol`.
    fn module_path(tree: &Tree, src: &str, symbol: &str) -> String {
        named(tree.root_node())
            .into_iter()
            .find_map(|d| {
                if d.kind() != "module_declaration" {
                    return None;
                }
                let parts = named(d);
                let sym = parts.iter().find(|p| p.kind() == "identifier")?;
                (text(*sym, src) == symbol).then(|| {
                    let path = parts.iter().find(|p| p.kind() == "string").unwrap();
                    text(*path, src).trim_matches('\'').to_string()
                })
            })
            .unwrap_or_else(|| panic!("no module `{symbol}`"))
    }

    fn keys(n: Node, src: &str, files: &OutputSet, tree: &Tree) -> Option<Keys> {
        match n.kind() {
            "object" => Some(Keys(
                named(n)
                    .into_iter()
                    .filter(|p| p.kind() == "object_property")
                    .map(|p| {
                        let parts = named(p);
                        (
                            key(parts[0], src),
                            keys(*parts.last().unwrap(), src, files, tree),
                        )
                    })
                    .collect(),
            )),
            "member_expression" if text(n, src).ends_with(".outputs.foundry") => {
                let symbol = text(n, src).split('.').next().unwrap();
                let path = format!("bicep/{}", module_path(tree, src, symbol));
                let inner_src = &files.files[&path];
                let inner = parse(inner_src);
                let value = output(&inner, inner_src, "foundry").expect("a `foundry` output");
                keys(value, inner_src, files, &inner)
            }
            _ => None,
        }
    }

    pub fn foundries(files: &OutputSet) -> Keys {
        let src = &files.files["bicep/main.bicep"];
        let tree = parse(src);
        let value = output(&tree, src, "foundries").expect("a `foundries` output");
        keys(value, src, files, &tree).expect("an object")
    }
}

mod terraform {
    //! Terraform: hcl-rs over `outputs.tf`.
    use super::*;
    use hcl::{Body, Expression, ObjectKey};

    fn keys(e: &Expression) -> Option<Keys> {
        match e {
            Expression::Object(o) => Some(Keys(
                o.iter()
                    .map(|(k, v)| {
                        let k = match k {
                            ObjectKey::Identifier(i) => i.as_str().to_string(),
                            ObjectKey::Expression(Expression::String(s)) => s.clone(),
                            other => panic!("unexpected key {other:?}"),
                        };
                        (k, keys(v))
                    })
                    .collect(),
            )),
            _ => None,
        }
    }

    pub fn foundries(files: &OutputSet) -> Keys {
        let body: Body = hcl::parse(&files.files["terraform/outputs.tf"]).expect("parses");
        let outputs: Vec<_> = body
            .blocks()
            .filter(|b| b.identifier() == "output")
            .collect();
        assert_eq!(outputs.len(), 1, "one output");
        assert_eq!(outputs[0].labels()[0].as_str(), "foundries");
        let value = outputs[0]
            .body()
            .attributes()
            .find(|a| a.key() == "value")
            .expect("a value");
        keys(value.expr()).expect("an object")
    }
}

#[test]
fn one_foundries_output_with_the_same_keys_in_every_format() {
    for (name, text) in specs::valid_specs() {
        let g = generate(&name, &text);
        let expected = expected_keys(&g);
        assert_eq!(arm::foundries(&g.output), expected, "{name}: arm");
        assert_eq!(bicep::foundries(&g.output), expected, "{name}: bicep");
        assert_eq!(
            terraform::foundries(&g.output),
            expected,
            "{name}: terraform"
        );
    }
}

/// A spec with `n` connections spread over two foundries, one of them existing in another
/// resource group (so that a module and a nested template hold half of them).
fn many_connections(n: usize) -> String {
    let mut s = String::from(
        "version: 1\nname: many\nlocation: eastus2\nfoundries:\n  - name: many-foundry\n    projects: [{ name: p1 }]\n    connections:\n",
    );
    let connection = |s: &mut String, i: usize, project: bool| {
        s.push_str(&format!(
            "      - {{ name: web-{i:04}, {}category: ApiKey, target: {{ url: 'https://api.example.com/{i}' }}, auth: {{ type: ApiKey, key: {{ secret: key{i:04} }} }} }}\n",
            if project { "project: p1, " } else { "" }
        ));
    };
    for i in 0..n / 2 {
        connection(&mut s, i, i % 2 == 0);
    }
    s.push_str("  - name: remote-foundry\n    existing: true\n    resource_group: rg-remote\n    projects: [{ name: p1, existing: true }]\n    connections:\n");
    for i in n / 2..n {
        connection(&mut s, i, i % 2 == 0);
    }
    s
}

#[test]
fn two_hundred_connections_stay_within_64_outputs_per_template() {
    let g = generate("many.yaml", &many_connections(200));
    let mut templates = Vec::new();
    let doc: Json = serde_json::from_str(&g.output.files["arm/azuredeploy.json"]).unwrap();
    arm::templates(&doc, "azuredeploy.json", &mut templates);
    assert!(
        templates.len() >= 2,
        "a nested template holds the remote foundry"
    );
    for (label, t) in &templates {
        let outputs = t["outputs"].as_object().map_or(0, |o| o.len());
        assert!(outputs <= 64, "{label}: {outputs} outputs");
        assert!(outputs >= 1, "{label}: no output");
    }
    for (path, text) in g.output.files.iter().filter(|(p, _)| p.ends_with(".bicep")) {
        let n = bicep::output_declarations(&bicep::parse(text));
        assert!(n <= 64, "{path}: {n} outputs");
    }
    let expected = expected_keys(&g);
    let connections: usize = expected
        .0
        .values()
        .map(|f| {
            f.as_ref().unwrap().0["connections"]
                .as_ref()
                .unwrap()
                .0
                .len()
        })
        .sum();
    assert_eq!(connections, 200);
    assert_eq!(arm::foundries(&g.output), expected);
    assert_eq!(bicep::foundries(&g.output), expected);
    assert_eq!(terraform::foundries(&g.output), expected);
    // The renderers' own count of each template, which the template-limit warnings read.
    let sizes: Vec<_> = g
        .output
        .templates
        .iter()
        .map(|t| (t.template.as_str(), t.outputs))
        .collect();
    assert!(sizes.iter().all(|(_, n)| *n == 1), "{sizes:?}");
    assert_eq!(sizes.len(), 4, "{sizes:?}");
}

#[test]
fn no_reference_in_a_top_level_location() {
    // ARM's "valid uses" of reference() exclude a resource's type, name and location.
    for (name, text) in specs::valid_specs() {
        let g = generate(&name, &text);
        let doc: Json = serde_json::from_str(&g.output.files["arm/azuredeploy.json"]).unwrap();
        let mut templates = Vec::new();
        arm::templates(&doc, "azuredeploy.json", &mut templates);
        for (label, t) in &templates {
            for r in t["resources"].as_array().into_iter().flatten() {
                for field in ["location", "name", "type"] {
                    if let Some(v) = r[field].as_str() {
                        assert!(
                            !v.contains("reference("),
                            "{name}: {label}: `{field}` of {} is `{v}`",
                            r["name"]
                        );
                    }
                }
            }
        }
        for (path, text) in g.output.files.iter().filter(|(p, _)| p.ends_with(".bicep")) {
            for line in text.lines() {
                let t = line.trim_start();
                // A top-level `location:` (two spaces in) names no other resource's property.
                if line.starts_with("  location: ") {
                    let value = t.trim_start_matches("location: ");
                    assert!(
                        value == "location" || value.starts_with('\''),
                        "{name}: {path}: `{line}`"
                    );
                }
            }
        }
    }
}

/// checkov suppressions of a rendered set: Bicep `checkov:skip=` comments and ARM
/// `metadata.checkov` entries, as (check id, reason).
fn checkov_suppressions(files: &OutputSet) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (path, text) in &files.files {
        if path.ends_with(".bicep") {
            for line in text.lines() {
                if let Some(rest) = line.trim_start().strip_prefix("// checkov:skip=") {
                    let (id, why) = rest.split_once(':').unwrap_or((rest, ""));
                    out.push((id.to_string(), why.trim().to_string()));
                }
            }
        }
        if path.ends_with(".json") {
            let doc: Json = serde_json::from_str(text).unwrap();
            let mut stack = vec![&doc];
            while let Some(v) = stack.pop() {
                match v {
                    Json::Object(m) => {
                        if let Some(Json::Array(skips)) =
                            m.get("metadata").and_then(|md| md.get("checkov"))
                        {
                            for s in skips {
                                let s = s.as_str().unwrap();
                                let (id, why) = s.split_once(':').unwrap_or((s, ""));
                                out.push((id.to_string(), why.trim().to_string()));
                            }
                        }
                        stack.extend(m.values());
                    }
                    Json::Array(a) => stack.extend(a),
                    _ => {}
                }
            }
        }
        assert!(
            !(path.ends_with(".tf") && text.contains("checkov")),
            "{path}: a checkov comment in Terraform"
        );
    }
    out
}

#[test]
fn security_findings_are_suppressed_only_where_the_spec_chose_them() {
    // The spec keys that choose what checkov would flag, by check id.
    let choices = [
        ("CKV_AZURE_236", "disable_local_auth: false"),
        ("CKV_AZURE_134", "public_network_access: enabled"),
        ("CKV_AZURE_140", "disable_local_auth: false"),
        ("CKV_AZURE_110", "purge_protection: false"),
        ("CKV_AZURE_42", "purge_protection: false"),
    ];
    let mut seen = Vec::new();
    for (name, text) in specs::valid_specs() {
        let g = generate(&name, &text);
        for (id, why) in checkov_suppressions(&g.output) {
            let (_, key) = choices
                .iter()
                .find(|(c, _)| *c == id)
                .unwrap_or_else(|| panic!("{name}: unexpected suppression {id}: {why}"));
            assert!(
                text.contains(key),
                "{name}: {id} without `{key}` in the spec"
            );
            assert!(
                why.contains(key),
                "{name}: {id}'s reason `{why}` names no spec key"
            );
            seen.push(id);
        }
    }
    // Each choice is carried by a fixture, in Bicep and ARM: the foundry's keys and network
    // access, and a created account's keys (CKV_AZURE_236 twice over), a created Cosmos DB
    // account's keys and a created vault's purge protection.
    for (id, _) in choices {
        let want = if id == "CKV_AZURE_236" { 4 } else { 2 };
        assert_eq!(
            seen.iter().filter(|s| *s == id).count(),
            want,
            "{id}: {seen:?}"
        );
    }
}

#[test]
fn the_quickstart_output_suppresses_nothing() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/specs/quickstart.yaml"
    ))
    .unwrap();
    let g = generate("specs/quickstart.yaml", &text);
    for (path, text) in &g.output.files {
        assert!(!text.contains("checkov"), "{path} mentions checkov");
        for line in text.lines() {
            let t = line.trim_start();
            // Bicep's type warning on the Key Vault connection's unpublished auth type is not a
            // finding of the user's; every other suppression would be.
            if t.starts_with("#disable-next-line") {
                assert_eq!(t, "#disable-next-line BCP036", "{path}: `{line}`");
            }
        }
    }
    let doc: Json = serde_json::from_str(&g.output.files["arm/azuredeploy.json"]).unwrap();
    let account = doc["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "Microsoft.CognitiveServices/accounts")
        .unwrap();
    assert_eq!(
        account["properties"]["disableLocalAuth"], true,
        "keys off by default"
    );
}

#[test]
fn module_and_nested_deployment_names_are_unique_per_calling_deployment() {
    // Two pipelines deploying into one resource group at once must not share a nested deployment:
    // each name is a fixed stem and `uniqueString(deployment().name)` (13 characters), 64 at most.
    let arm_stem = |name: &str| {
        name.strip_prefix("[format('")
            .and_then(|n| n.strip_suffix("-{0}', uniqueString(deployment().name))]"))
            .unwrap_or_else(|| panic!("nested deployment name `{name}`"))
            .to_string()
    };
    let bicep_stem = |name: &str| {
        name.strip_prefix('\'')
            .and_then(|n| n.strip_suffix("-${uniqueString(deployment().name)}'"))
            .unwrap_or_else(|| panic!("module name `{name}`"))
            .to_string()
    };
    let mut checked = 0;
    for (name, text) in specs::valid_specs()
        .into_iter()
        .chain([("many.yaml".to_string(), many_connections(4))])
    {
        let g = generate(&name, &text);
        let doc: Json = serde_json::from_str(&g.output.files["arm/azuredeploy.json"]).unwrap();
        let mut arm = Vec::new();
        let mut stack = vec![&doc];
        while let Some(t) = stack.pop() {
            for r in t["resources"].as_array().into_iter().flatten() {
                if r["type"] == "Microsoft.Resources/deployments" {
                    arm.push(arm_stem(r["name"].as_str().unwrap()));
                    stack.push(&r["properties"]["template"]);
                }
            }
        }
        let mut bicep = Vec::new();
        for (path, src) in g.output.files.iter().filter(|(p, _)| p.ends_with(".bicep")) {
            let mut in_module = false;
            for line in src.lines() {
                if line.starts_with("module ") {
                    in_module = true;
                } else if in_module && let Some(n) = line.strip_prefix("  name: ") {
                    bicep.push(bicep_stem(n));
                    in_module = false;
                } else if line == "}" {
                    assert!(!in_module, "{name}: {path}: a module without a name");
                }
            }
        }
        for stem in arm.iter().chain(&bicep) {
            assert!(stem.len() + 14 <= 64, "{name}: `{stem}` is too long");
        }
        arm.sort();
        bicep.sort();
        bicep.dedup();
        arm.dedup();
        assert_eq!(
            arm, bicep,
            "{name}: the formats name their deployments alike"
        );
        checked += arm.len();
    }
    assert!(checked > 5, "only {checked} nested deployments");
}

#[test]
fn reference_specs_wait_for_the_vault_access_or_store_nothing_in_the_vault() {
    for (name, text) in specs::valid_specs()
        .into_iter()
        .filter(|(n, _)| n.starts_with("specs/"))
    {
        let g = generate(&name, &text);
        let late: Vec<_> = g
            .warnings
            .iter()
            .filter(|w| w.code == foundrygen::diagnostics::Code::SecretsBeforeVaultAccess)
            .map(|w| w.message.clone())
            .collect();
        assert!(late.is_empty(), "{name}: {late:?}");
    }
}

mod tf_secrets {
    //! Where secrets may appear in Terraform: only inside `sensitive_body` (write-only), from
    //! variables that are `sensitive` and `ephemeral`, or from `ephemeral` resources.
    use hcl::{Block, Body};

    /// `(block address, attribute, its expression as text)` for every attribute outside
    /// `sensitive_body`, nested blocks included.
    pub fn outside_sensitive_body(body: &Body) -> Vec<(String, String, String)> {
        let mut out = Vec::new();
        for b in body.blocks() {
            let addr = std::iter::once(b.identifier.as_str())
                .chain(b.labels.iter().map(|l| l.as_str()))
                .collect::<Vec<_>>()
                .join(".");
            walk(b, &addr, &mut out);
        }
        out
    }

    fn walk(b: &Block, addr: &str, out: &mut Vec<(String, String, String)>) {
        for a in b.body.attributes() {
            if a.key.as_str() != "sensitive_body" {
                let text = hcl::format::to_string(&a.expr).expect("formats");
                out.push((addr.to_string(), a.key.as_str().to_string(), text));
            }
        }
        for inner in b.body.blocks() {
            walk(inner, &format!("{addr}.{}", inner.identifier), out);
        }
    }

    /// Whether `text` reads variable `name` (`var.name`, not `var.name_other`).
    pub fn reads_var(text: &str, name: &str) -> bool {
        let needle = format!("var.{name}");
        text.match_indices(&needle).any(|(i, _)| {
            !text[i + needle.len()..]
                .starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        })
    }
}

#[test]
fn no_secret_reaches_terraform_state_or_plan() {
    let mut ephemeral_reads = 0;
    for (name, text) in specs::valid_specs() {
        let g = generate(&name, &text);
        let secrets: Vec<&String> = g.model.secrets.keys().collect();
        for (path, src) in g.output.files.iter().filter(|(p, _)| p.ends_with(".tf")) {
            let body: hcl::Body = hcl::parse(src).expect("parses");
            for b in body.blocks() {
                let labels: Vec<&str> = b.labels.iter().map(|l| l.as_str()).collect();
                match (b.identifier.as_str(), labels.as_slice()) {
                    // A data source's result is stored in the state: no action (keys) there,
                    // and nothing exported that is a credential.
                    ("data", [t, _]) => {
                        assert_ne!(*t, "azapi_resource_action", "{name}: {path}: a data action");
                        let exports = format!(
                            "{:?}",
                            b.body
                                .attributes()
                                .find(|a| a.key.as_str() == "response_export_values")
                        );
                        assert!(
                            !exports.contains("ConnectionString") && !exports.contains("Key"),
                            "{name}: {path}: data source exports {exports}"
                        );
                    }
                    ("ephemeral", _) => ephemeral_reads += 1,
                    ("variable", [v]) if secrets.iter().any(|s| s == v) => {
                        for flag in ["sensitive", "ephemeral"] {
                            assert!(
                                b.body.attributes().any(|a| a.key.as_str() == flag
                                    && matches!(a.expr, hcl::Expression::Bool(true))),
                                "{name}: variable `{v}` is not `{flag} = true`"
                            );
                        }
                        assert!(
                            !b.body.attributes().any(|a| a.key.as_str() == "default"),
                            "{name}: secret `{v}` has a default"
                        );
                    }
                    _ => {}
                }
            }
            for (addr, attr, text) in tf_secrets::outside_sensitive_body(&body) {
                let secret_var = secrets.iter().any(|s| tf_secrets::reads_var(&text, s));
                assert!(
                    !secret_var && !text.contains("ephemeral."),
                    "{name}: {path}: `{addr}` `{attr}` reads a secret outside sensitive_body: {text}"
                );
            }
        }
    }
    assert!(
        ephemeral_reads >= 3,
        "the fixtures read keys from targets: {ephemeral_reads}"
    );
}

#[test]
fn the_readme_states_the_versions_versions_tf_pins() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/specs/quickstart.yaml"
    ))
    .unwrap();
    let g = generate("specs/quickstart.yaml", &text);
    let body: hcl::Body = hcl::parse(&g.output.files["terraform/versions.tf"]).unwrap();
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let row = readme
        .lines()
        .find(|l| l.starts_with("| `versions.tf` |"))
        .expect("the README describes versions.tf");
    let terraform = body
        .blocks()
        .find(|b| b.identifier.as_str() == "terraform")
        .unwrap();
    let mut pins = Vec::new();
    for a in terraform.body.attributes() {
        if a.key.as_str() == "required_version" {
            pins.push((
                "terraform".to_string(),
                hcl::format::to_string(&a.expr).unwrap(),
            ));
        }
    }
    for b in terraform.body.blocks() {
        for a in b.body.attributes() {
            let v = hcl::format::to_string(&a.expr).unwrap();
            let version = v
                .split("version")
                .nth(1)
                .and_then(|r| r.split('"').nth(1))
                .expect("a version")
                .to_string();
            pins.push((a.key.as_str().to_string(), format!("\"{version}\"")));
        }
    }
    assert_eq!(pins.len(), 4, "{pins:?}");
    for (what, pin) in pins {
        let pin = pin.trim_matches('"');
        assert!(
            row.contains(&format!("{what} `{pin}`")),
            "the README's versions.tf row does not say {what} `{pin}`: {row}"
        );
    }
}

#[test]
fn every_terraform_declaration_is_used() {
    // tflint's terraform_unused_declarations: no data source or variable nothing reads.
    for (name, text) in specs::valid_specs() {
        let g = generate(&name, &text);
        let tf: Vec<(&String, &String)> = g
            .output
            .files
            .iter()
            .filter(|(p, _)| p.ends_with(".tf"))
            .collect();
        let all: String = tf.iter().map(|(_, t)| t.as_str()).collect();
        for (path, src) in &tf {
            let body: hcl::Body = hcl::parse(src).expect("parses");
            for b in body.blocks() {
                let labels: Vec<&str> = b.labels.iter().map(|l| l.as_str()).collect();
                let reference = match (b.identifier.as_str(), labels.as_slice()) {
                    ("data", [t, l]) => format!("data.{t}.{l}."),
                    ("ephemeral", [t, l]) => format!("ephemeral.{t}.{l}."),
                    ("variable", [v]) => format!("var.{v}"),
                    _ => continue,
                };
                assert!(
                    all.contains(&reference),
                    "{name}: {path}: `{reference}` is declared but never used"
                );
            }
        }
    }
}
