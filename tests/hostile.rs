//! Hostile strings: every free-text field that reaches the output (tags, project display name and
//! description, connection metadata keys and values) either fails validation with a clear error or
//! comes back unchanged when the rendered Bicep, ARM JSON and Terraform are parsed with real
//! parsers. Quotes, backslashes, `${x}`, `%{x}`, `[concat('a')]`, newlines, NUL, bidirectional
//! controls and very long values included.

use std::collections::BTreeSet;

use foundrygen::{Error, Source, Target};
use proptest::prelude::*;

/// A YAML double-quoted scalar holding exactly `s`.
fn yaml_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || c == '\u{7f}' || (c as u32 >= 0x80 && (c as u32) < 0xA0) => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{FEFF}') => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn spec_with(value: &str) -> String {
    let q = yaml_quote(value);
    format!(
        "version: 1
name: hostile
location: eastus2
tags:
  probe: {q}
foundries:
  - name: probe-foundry
    projects:
      - name: probe
        display_name: {q}
        description: {q}
    connections:
      - name: probe-web
        project: probe
        category: ApiKey
        target: {{ url: \"https://example.com/\" }}
        auth: {{ type: ApiKey, key: {{ secret: probeKey }} }}
        metadata:
          Probe: {q}
          {q}: key probe
"
    )
}

/// Every string literal of a Bicep file, decoded.
fn bicep_strings(text: &str) -> BTreeSet<String> {
    let mut parser = tree_sitter::Parser::new();
    parser
        .set_language(&tree_sitter_bicep::LANGUAGE.into())
        .unwrap();
    let tree = parser.parse(text, None).unwrap();
    assert!(
        !tree.root_node().has_error(),
        "Bicep does not parse:\n{text}"
    );
    let mut out = BTreeSet::new();
    let mut stack = vec![tree.root_node()];
    while let Some(n) = stack.pop() {
        if n.kind() == "string" {
            let raw = &text[n.byte_range()];
            let interpolated = (0..n.named_child_count()).any(|i| {
                n.named_child(i)
                    .is_some_and(|c| c.kind() == "interpolation")
            });
            if !raw.starts_with("'''") && !interpolated {
                out.insert(decode_bicep(&raw[1..raw.len() - 1]));
            }
            continue;
        }
        for i in 0..n.child_count() {
            stack.push(n.child(i).unwrap());
        }
    }
    out
}

fn decode_bicep(raw: &str) -> String {
    let mut out = String::new();
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('u') => {
                assert_eq!(chars.next(), Some('{'));
                let hex: String = chars.by_ref().take_while(|c| *c != '}').collect();
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).unwrap()).unwrap());
            }
            Some(other) => out.push(other),
            None => panic!("dangling backslash in a Bicep string"),
        }
    }
    out
}

/// Every string of an ARM template (values and keys), as ARM reads it: `[[` is a literal `[`;
/// expressions are left out.
fn arm_strings(text: &str) -> BTreeSet<String> {
    fn walk(v: &serde_json::Value, out: &mut BTreeSet<String>) {
        let literal = |s: &str| -> Option<String> {
            if let Some(rest) = s.strip_prefix("[[") {
                Some(format!("[{rest}"))
            } else if s.starts_with('[') && s.ends_with(']') {
                None
            } else {
                Some(s.to_string())
            }
        };
        match v {
            serde_json::Value::String(s) => out.extend(literal(s)),
            serde_json::Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    out.extend(literal(k));
                    walk(v, out);
                }
            }
            _ => {}
        }
    }
    let json: serde_json::Value = serde_json::from_str(text).expect("ARM JSON parses");
    let mut out = BTreeSet::new();
    walk(&json, &mut out);
    out
}

/// Every string literal (values and quoted keys) of a Terraform file, decoded by hcl-rs.
fn hcl_strings(text: &str) -> BTreeSet<String> {
    fn expr(e: &hcl::Expression, out: &mut BTreeSet<String>) {
        match e {
            hcl::Expression::String(s) => {
                out.insert(s.clone());
            }
            hcl::Expression::Array(items) => items.iter().for_each(|i| expr(i, out)),
            hcl::Expression::Object(obj) => {
                for (k, v) in obj {
                    match k {
                        hcl::ObjectKey::Identifier(id) => {
                            out.insert(id.to_string());
                        }
                        hcl::ObjectKey::Expression(e) => expr(e, out),
                        _ => {}
                    }
                    expr(v, out);
                }
            }
            _ => {}
        }
    }
    fn body(b: &hcl::Body, out: &mut BTreeSet<String>) {
        for a in b.attributes() {
            expr(&a.expr, out);
        }
        for blk in b.blocks() {
            body(&blk.body, out);
        }
    }
    let parsed = hcl::parse(text).expect("HCL parses");
    let mut out = BTreeSet::new();
    body(&parsed, &mut out);
    out
}

/// Renders a spec holding `value` everywhere; returns whether it was accepted, after checking the
/// value comes back unchanged from every format.
fn round_trip(value: &str) -> Result<bool, String> {
    let text = spec_with(value);
    match foundrygen::generate(&Source::new("hostile.yaml", text), &Target::ALL) {
        Ok(g) => {
            let files = &g.output.files;
            let bicep = bicep_strings(&files["bicep/main.bicep"]);
            let arm = arm_strings(&files["arm/azuredeploy.json"]);
            let tf = hcl_strings(&files["terraform/main.tf"]);
            for (format, found) in [("bicep", &bicep), ("arm", &arm), ("terraform", &tf)] {
                if !found.contains(value) {
                    return Err(format!(
                        "{format} lost {value:?}; nearest literals: {:?}",
                        found
                            .iter()
                            .filter(|s| s.len() + 8 >= value.len() && s.len() <= value.len() + 8)
                            .take(5)
                            .collect::<Vec<_>>()
                    ));
                }
            }
            Ok(true)
        }
        Err(Error::InvalidSpec { diagnostics, .. }) => {
            if diagnostics.iter().any(|d| d.is_error()) {
                Ok(false)
            } else {
                Err("rejected without an error".into())
            }
        }
        Err(other) => Err(format!("not a clean validation error: {other}")),
    }
}

const NASTY: &[&str] = &[
    "it's \"quoted\"",
    "back\\slash\\",
    "${bicep}",
    "%{hcl}",
    "$${already} %%{escaped}",
    "[concat('a', 'b')]",
    "[[double]",
    "[",
    "line one\nline two\r\nthree",
    "nul\u{0}byte",
    "tab\there",
    "\u{202E}reversed\u{202C} and \u{2066}isolate\u{2069}",
    "zero\u{200B}width",
    "emoji 🦀 and 中文",
    "'''triple'''",
    "#disable-next-line BCP036",
    "// not a comment",
    "*/ /* -- ; DROP",
    "\\u0041 \\n literal escapes",
    "ends with backslash \\",
];

#[test]
fn adversarial_strings_round_trip_in_every_format() {
    let mut accepted = 0;
    for v in NASTY {
        match round_trip(v) {
            Ok(true) => accepted += 1,
            Ok(false) => {}
            Err(e) => panic!("{v:?}: {e}"),
        }
    }
    assert!(
        accepted >= NASTY.len() - 2,
        "too many rejections: {accepted}"
    );
}

#[test]
fn very_long_values_round_trip() {
    let long = "x${y}".repeat(40);
    assert_eq!(round_trip(&long), Ok(true));
}

proptest! {
    // PROPTEST_CASES raises the count for a longer local hunt.
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64)
    ))]

    #[test]
    fn random_strings_round_trip_or_fail_validation(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("${".to_string()),
                Just("%{".to_string()),
                Just("[".to_string()),
                Just("'".to_string()),
                Just("\"".to_string()),
                Just("\\".to_string()),
                Just("\n".to_string()),
                Just("\u{0}".to_string()),
                Just("\u{202E}".to_string()),
                "\\PC{0,6}",
                "[a-z ]{0,6}",
            ],
            1..8,
        )
    ) {
        let value: String = parts.concat();
        prop_assume!(!value.is_empty());
        let result = round_trip(&value);
        prop_assert!(result.is_ok(), "{:?}: {:?}", value, result);
    }
}
