//! Secrets: no rendered file holds anything shaped like a key, password or connection string, and
//! every `{ secret: NAME }` becomes a secure parameter in each format — Bicep `@secure()` (read from
//! the environment by the `.bicepparam`), ARM `securestring`, a Terraform `sensitive` variable that
//! reaches `sensitive_body` — never a default value or a parameter-file value.

use std::collections::BTreeMap;

#[path = "support/specs.rs"]
mod specs;

use foundrygen::{Source, Target};

/// Every spec the tests render (reference specs and valid cases), generated.
fn rendered() -> Vec<(String, foundrygen::Generated)> {
    specs::valid_specs()
        .into_iter()
        .map(|(name, text)| {
            let g = foundrygen::generate(&Source::new(&name, text), &Target::ALL)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, g)
        })
        .collect()
}

/// Things that look like credentials: connection strings, private keys, well-known key formats,
/// and long base64 runs inside string literals.
fn secret_shapes(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for marker in [
        "AccountKey=",
        "SharedAccessKey=",
        "SharedAccessSignature=",
        "InstrumentationKey=",
        "Password=",
        "password=",
        "-----BEGIN",
        "sig=",
        "ghp_",
        "xoxb-",
    ] {
        if text.contains(marker) {
            found.push(format!("`{marker}`"));
        }
    }
    // Only inside string literals: identifiers like `searchConnectionRole1` are not secrets.
    let quoted: String = text
        .split(['\'', '"'])
        .skip(1)
        .step_by(2)
        .collect::<Vec<_>>()
        .join(" ");
    for word in
        quoted.split(|c: char| !(c.is_ascii_alphanumeric() || c == '+' || c == '/' || c == '='))
    {
        // Random key material: long, several digits, and far more capitals than a camelCase name.
        let count = |f: fn(&char) -> bool| word.chars().filter(f).count();
        let base64ish = word.len() >= 32
            && count(char::is_ascii_digit) >= 3
            && count(char::is_ascii_uppercase) * 4 >= word.len()
            && count(char::is_ascii_lowercase) > 0
            && !word.contains('/');
        let openai_key = word.starts_with("sk-") && word.len() > 20;
        let aws_key = word.len() == 20 && word.starts_with("AKIA");
        if base64ish || openai_key || aws_key {
            found.push(format!("`{word}`"));
        }
    }
    found
}

#[test]
fn no_rendered_file_holds_a_secret_shaped_value() {
    let mut problems = Vec::new();
    for (name, g) in rendered() {
        for (path, text) in &g.output.files {
            for s in secret_shapes(text) {
                problems.push(format!("{name}: {path}: {s}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_scan_notices_a_pasted_key() {
    assert!(!secret_shapes("key = \"Endpoint=x;AccountKey=abc\"").is_empty());
    assert!(!secret_shapes("'q8S0lq3Y2bGZ5wWcT1XyJ0Qp9mVb7RkF4nH6dA2eL3s='").is_empty());
    assert!(secret_shapes("'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'").is_empty());
}

fn bicep_params(text: &str) -> BTreeMap<String, (bool, bool)> {
    // name -> (has @secure(), has a default value)
    let mut parser = tree_sitter::Parser::new();
    parser
        .set_language(&tree_sitter_bicep::LANGUAGE.into())
        .unwrap();
    let tree = parser.parse(text, None).unwrap();
    let root = tree.root_node();
    assert!(!root.has_error());
    let mut out = BTreeMap::new();
    let mut decorators = String::new();
    for i in 0..root.named_child_count() {
        let n = root.named_child(i).unwrap();
        match n.kind() {
            "decorators" => decorators = text[n.byte_range()].to_string(),
            "parameter_declaration" => {
                let name = text[n.named_child(0).unwrap().byte_range()].to_string();
                let has_default = n.named_child_count() > 2;
                out.insert(name, (decorators.contains("@secure()"), has_default));
                decorators.clear();
            }
            _ => decorators.clear(),
        }
    }
    out
}

fn hcl_contains_var(expr: &hcl::Expression, var: &str) -> bool {
    match expr {
        hcl::Expression::Traversal(t) => {
            matches!(&t.expr, hcl::Expression::Variable(v) if v.as_str() == "var")
                && matches!(t.operators.first(), Some(hcl::TraversalOperator::GetAttr(a)) if a.as_str() == var)
        }
        hcl::Expression::Object(o) => o.values().any(|v| hcl_contains_var(v, var)),
        hcl::Expression::Array(a) => a.iter().any(|v| hcl_contains_var(v, var)),
        _ => false,
    }
}

#[test]
fn secrets_become_secure_parameters_in_every_format() {
    let mut checked = 0;
    for (name, g) in rendered() {
        let files = &g.output.files;
        let bicep = bicep_params(&files["bicep/main.bicep"]);
        let bicepparam = &files["bicep/main.bicepparam"];
        let arm: serde_json::Value = serde_json::from_str(&files["arm/azuredeploy.json"]).unwrap();
        let arm_params: serde_json::Value =
            serde_json::from_str(&files["arm/azuredeploy.parameters.json"]).unwrap();
        let vars = hcl::parse(&files["terraform/variables.tf"]).unwrap();
        let main_tf = hcl::parse(&files["terraform/main.tf"]).unwrap();
        let tfvars = hcl::parse(&files["terraform/terraform.tfvars.example"]).unwrap();
        for secret in g.model.secrets.keys() {
            checked += 1;
            // Bicep: @secure(), no default; the .bicepparam reads it from the environment.
            assert_eq!(
                bicep.get(secret),
                Some(&(true, false)),
                "{name}: Bicep param {secret}"
            );
            let env = heck::ToShoutySnakeCase::to_shouty_snake_case(secret.as_str());
            assert!(
                bicepparam
                    .lines()
                    .any(|l| l == format!("param {secret} = readEnvironmentVariable('{env}')")),
                "{name}: .bicepparam does not read {secret} from {env}"
            );
            // ARM: securestring without a default, absent from the parameters file.
            let p = &arm["parameters"][secret];
            assert_eq!(p["type"], "securestring", "{name}: ARM {secret}");
            assert!(
                p.get("defaultValue").is_none(),
                "{name}: ARM default for {secret}"
            );
            assert!(
                arm_params["parameters"].get(secret).is_none(),
                "{name}: {secret} in azuredeploy.parameters.json"
            );
            let used = format!("[parameters('{secret}')]");
            assert!(
                files["arm/azuredeploy.json"].contains(&format!("\"{used}\"")),
                "{name}: no ARM resource reads {secret}"
            );
            // Terraform: sensitive, no default, only in sensitive_body, not assigned in tfvars.
            let var = vars
                .blocks()
                .find(|b| b.identifier() == "variable" && b.labels()[0].as_str() == secret)
                .unwrap_or_else(|| panic!("{name}: no variable {secret}"));
            let attr = |k: &str| {
                var.body
                    .attributes()
                    .find(|a| a.key() == k)
                    .map(|a| a.expr.clone())
            };
            assert_eq!(
                attr("sensitive"),
                Some(hcl::Expression::Bool(true)),
                "{name}: {secret}"
            );
            assert!(attr("default").is_none(), "{name}: default for {secret}");
            let mut in_sensitive_body = false;
            for r in main_tf.blocks().filter(|b| b.identifier() == "resource") {
                for a in r.body.attributes() {
                    if hcl_contains_var(&a.expr, secret) {
                        assert_eq!(
                            a.key(),
                            "sensitive_body",
                            "{name}: var.{secret} reaches `{}`",
                            a.key()
                        );
                        in_sensitive_body = true;
                    }
                }
            }
            assert!(
                in_sensitive_body,
                "{name}: var.{secret} never reaches sensitive_body"
            );
            assert!(
                tfvars.attributes().all(|a| a.key() != secret.as_str()),
                "{name}: {secret} assigned in terraform.tfvars.example"
            );
        }
    }
    assert!(checked >= 10, "only {checked} secrets checked");
}
