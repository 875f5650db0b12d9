//! Workflow CLI tests: `render --check`, batch rendering, `-o -`, JSON and SARIF diagnostics,
//! `--deny-warnings`, colour, `graph`, `schema`, `init`, `categories`, `completions`, `man`,
//! `templates export`, `render --templates` and `plan --teardown --script`. Like `tests/cli.rs` they run the real binary and pin the exit
//! code, stdout and stderr; expected text is written as indented raw strings and passed through
//! [`unindent`].
//!
//! Tests marked `#[ignore = "…"]` pin what the behaviour should be where the current behaviour is
//! wrong or unhelpful.

use std::fs;

use std::path::Path;

use serde_json::Value;

#[path = "support/cli_harness.rs"]
mod harness;
use harness::{Sandbox, assert_output, files_under, unindent};

const QUICKSTART: &str = include_str!("../specs/quickstart.yaml");
const KEY_VAULT_FIRST: &str = include_str!("../specs/key-vault-first.yaml");

/// Every file of a full render of the quickstart spec.
const QUICKSTART_FILES: [&str; 9] = [
    "arm/azuredeploy.json",
    "arm/azuredeploy.parameters.json",
    "bicep/main.bicep",
    "bicep/main.bicepparam",
    "terraform/main.tf",
    "terraform/outputs.tf",
    "terraform/terraform.tfvars.example",
    "terraform/variables.tf",
    "terraform/versions.tf",
];

/// The quickstart with `role: contributor` on its vault: valid, with one warning (FG043).
fn weak_role_spec() -> String {
    let text = QUICKSTART.replace(
        "    key_vault:\n      name: qs-kv-q7x2\n",
        "    key_vault:\n      name: qs-kv-q7x2\n      role: contributor\n",
    );
    assert_ne!(text, QUICKSTART);
    text
}

/// [`weak_role_spec`] as `weak-role.yaml` rejected by `--deny-warnings`.
const DENIED_WEAK_ROLE: &str = r"
    error[FG043]: Key Vault Contributor grants no access to secrets on an RBAC vault
      --> weak-role.yaml:31:13 (foundries[0].key_vault.role)
       |
    31 |       role: contributor
       |             ^^^^^^^^^^^
       = help: use `role: secrets_officer` (the least privilege that works) or `administrator`

    error: `weak-role.yaml` is invalid: 1 error
    ";

/// One error (FG004) and one warning (FG043).
const ERROR_AND_WARNING: &str = r"
    version: 1
    name: broken
    location: eastus2
    foundries:
      - name: bad-foundry
        projects:
          - name: research
            descripton: Research team
        key_vault:
          name: bad-kv
          role: contributor
    ";

/// One error (FG010).
const BAD_ACCOUNT_NAME: &str = r"
    version: 1
    name: bad
    location: eastus2
    foundries:
      - name: bad_name
    ";

/// Renders the quickstart as `quickstart.yaml` into `out` and checks that it worked.
fn render_quickstart(sb: &Sandbox) -> &'static str {
    let spec = sb.write("quickstart.yaml", QUICKSTART);
    let out = sb.run(&["render", spec, "-o", "out"]);
    assert_eq!(out.code, 0, "{out:#?}");
    assert_eq!(sb.files("out"), QUICKSTART_FILES);
    spec
}

// ---------------------------------------------------------------------------------------------
// render --check

#[test]
fn check_an_up_to_date_folder_exits_0_and_writes_nothing() {
    let sb = Sandbox::new();
    let spec = render_quickstart(&sb);
    let before = sb.snapshot("out");
    let out = sb.run(&["render", spec, "-o", "out", "--check"]);
    assert_output(&out, 0, "", "9 files up to date in `out`\n");
    assert_eq!(sb.snapshot("out"), before);
}

#[test]
fn check_changed_files_prints_a_unified_diff_and_exits_4() {
    let sb = Sandbox::new();
    let spec = render_quickstart(&sb);
    let param = sb
        .read("out/bicep/main.bicepparam")
        .replace("'eastus2'", "'westus'");
    sb.write("out/bicep/main.bicepparam", &param);
    let versions = sb.read("out/terraform/versions.tf") + "# a local edit\n";
    sb.write("out/terraform/versions.tf", &versions);
    let before = sb.snapshot("out");

    let out = sb.run(&["render", spec, "-o", "out", "--check"]);
    // The empty context line of a hunk is a single space, which `unindent` would drop.
    let expected = unindent(
        r#"
        --- a/out/bicep/main.bicepparam
        +++ b/out/bicep/main.bicepparam
        @@ -2,4 +2,4 @@
         // Secrets are read from environment variables at deployment time; none is stored here.
         using 'main.bicep'
        <empty context line>
        -param location = 'westus'
        +param location = 'eastus2'
        --- a/out/terraform/versions.tf
        +++ b/out/terraform/versions.tf
        @@ -29,4 +29,3 @@
         provider "azapi" {
           subscription_id = var.subscription_id
         }
        -# a local edit
        "#,
    )
    .replace("<empty context line>", " ");
    assert_eq!(out.code, 4, "{out:#?}");
    assert_eq!(out.stdout, expected);
    assert_eq!(
        out.stderr,
        "error: 2 files differ from the spec's output; run `foundrygen render` without --check to update them\n"
    );
    assert_eq!(sb.snapshot("out"), before, "--check wrote something");
}

const STALE_TF: &str =
    "# generated by foundrygen from old.yaml; do not edit\nresource \"x\" \"y\" {}\n";

/// The quickstart rendered into `out`, then `arm/azuredeploy.parameters.json` removed and a stale
/// file of ours added; a user's file beside them is no drift.
fn missing_and_stale(sb: &Sandbox) -> &'static str {
    let spec = render_quickstart(sb);
    sb.remove("out/arm/azuredeploy.parameters.json");
    sb.write("out/terraform/old.tf", STALE_TF);
    sb.write("out/terraform/NOTES.md", "my notes\n");
    spec
}

const MISSING_HUNK: &str = r#"
    @@ -0,0 +1,9 @@
    +{
    +  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
    +  "contentVersion": "1.0.0.0",
    +  "parameters": {
    +    "location": {
    +      "value": "eastus2"
    +    }
    +  }
    +}
    "#;

const STALE_HUNK: &str = r#"
    @@ -1,2 +0,0 @@
    -# generated by foundrygen from old.yaml; do not edit
    -resource "x" "y" {}
    "#;

#[test]
fn check_a_folder_never_rendered_into_says_the_files_are_missing_and_creates_nothing() {
    let sb = Sandbox::new();
    let spec = sb.write("quickstart.yaml", QUICKSTART);
    let out = sb.run(&["render", spec, "-o", "out", "--check"]);
    assert_eq!(out.code, 4, "{out:#?}");
    assert_eq!(
        out.stderr,
        format!(
            "error: {} files of the spec's output are missing from the folder; run `foundrygen render` without --check to write them\n",
            QUICKSTART_FILES.len()
        )
    );
    // Each file is shown whole, as a patch that creates it.
    assert_eq!(
        out.stdout.matches("--- /dev/null\n").count(),
        QUICKSTART_FILES.len()
    );
    assert!(!sb.exists("out"), "--check created the folder");
}

#[test]
fn check_a_missing_file_and_a_stale_file_of_ours_exits_4_and_writes_nothing() {
    let sb = Sandbox::new();
    let spec = missing_and_stale(&sb);
    let before = sb.snapshot("out");
    let out = sb.run(&["render", spec, "-o", "out", "--check"]);
    assert_eq!(out.code, 4, "{out:#?}");
    assert_eq!(
        out.stderr,
        "error: 2 files differ from the spec's output (1 missing); run `foundrygen render` without --check to update them\n"
    );
    // The headers are pinned by `check_diff_headers_of_missing_and_stale_files_use_dev_null`.
    let hunks: String = out
        .stdout
        .lines()
        .filter(|l| !l.starts_with("--- ") && !l.starts_with("+++ "))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(hunks, unindent(MISSING_HUNK) + &unindent(STALE_HUNK));
    assert!(out.stdout.contains("out/arm/azuredeploy.parameters.json\n"));
    assert!(out.stdout.contains("out/terraform/old.tf\n"));
    assert_eq!(sb.snapshot("out"), before, "--check wrote something");
}

#[test]
fn check_diff_headers_of_missing_and_stale_files_use_dev_null() {
    let sb = Sandbox::new();
    let spec = missing_and_stale(&sb);
    let out = sb.run(&["render", spec, "-o", "out", "--check"]);
    let expected = format!(
        "--- /dev/null\n+++ b/out/arm/azuredeploy.parameters.json\n{}\
         --- a/out/terraform/old.tf\n+++ /dev/null\n{}",
        unindent(MISSING_HUNK),
        unindent(STALE_HUNK)
    );
    assert_eq!(out.code, 4, "{out:#?}");
    assert_eq!(out.stdout, expected);
}

#[test]
fn check_one_drifted_file_says_differs() {
    let sb = Sandbox::new();
    let spec = render_quickstart(&sb);
    let versions = sb.read("out/terraform/versions.tf") + "# a local edit\n";
    sb.write("out/terraform/versions.tf", &versions);
    let out = sb.run(&["render", spec, "-o", "out", "--check"]);
    assert_eq!(out.code, 4, "{out:#?}");
    assert_eq!(
        out.stderr,
        "error: 1 file differs from the spec's output; run `foundrygen render` without --check to update it\n"
    );
}

#[test]
fn check_with_sarif_keeps_stdout_a_sarif_log() {
    let sb = Sandbox::new();
    render_quickstart(&sb);
    let spec = sb.write("quickstart.yaml", &weak_role_spec());
    let out = sb.run(&[
        "render",
        spec,
        "-o",
        "out",
        "--check",
        "--diagnostics",
        "sarif",
    ]);
    assert_eq!(out.code, 4, "{out:#?}");
    let log: Value = serde_json::from_str(&out.stdout).expect("stdout is one SARIF log");
    assert_eq!(log["runs"][0]["results"][0]["ruleId"], "FG043");
}

#[test]
fn check_with_stdout_output_is_a_usage_error() {
    let sb = Sandbox::new();
    let spec = sb.write("quickstart.yaml", QUICKSTART);
    let out = sb.run(&["render", spec, "--format", "arm", "-o", "-", "--check"]);
    assert_eq!(out.code, 2, "{out:#?}");
    assert_eq!(out.stdout, "");
    assert!(out.stderr.starts_with("error: "), "{}", out.stderr);
    assert!(out.stderr.contains("--check"), "{}", out.stderr);
}

// ---------------------------------------------------------------------------------------------
// Batch rendering

#[test]
fn render_a_folder_renders_the_good_spec_and_nothing_for_the_bad_one() {
    let sb = Sandbox::new();
    sb.write("specs/good.yaml", QUICKSTART);
    sb.write("specs/bad.yaml", &unindent(BAD_ACCOUNT_NAME));
    sb.write("specs/README.md", "not a spec\n");
    let out = sb.run(&["render", "specs", "-o", "out"]);
    assert_output(
        &out,
        1,
        "",
        r"
        error[FG010]: account name `bad_name` breaks Azure's rules
          --> specs/bad.yaml:5:11 (foundries[0].name)
          |
        5 |   - name: bad_name
          |           ^^^^^^^^
          = help: use 2–64 letters, digits and hyphens, starting and ending with a letter or digit

        error: `specs/bad.yaml` is invalid: 1 error
        rendered 2 specs: 1 ok, 1 invalid, 0 failed; 9 files written, 0 unchanged, 0 removed
        ",
    );
    let expected: Vec<String> = QUICKSTART_FILES
        .iter()
        .map(|f| format!("good/{f}"))
        .collect();
    assert_eq!(sb.files("out"), expected);
    assert!(!sb.exists("out/bad"));
    assert!(
        sb.read("out/good/bicep/main.bicep")
            .starts_with("// generated by foundrygen from ../../specs/good.yaml; do not edit\n")
    );
}

#[test]
fn render_two_specs_with_the_same_name_is_a_usage_error() {
    let sb = Sandbox::new();
    let a = sb.write("a/x.yaml", QUICKSTART);
    let b = sb.write("b/x.yaml", QUICKSTART);
    let out = sb.run(&["render", a, b, "-o", "out"]);
    assert_output(
        &out,
        2,
        "",
        "error: `a/x.yaml` and `b/x.yaml` would both render into `out/x`\n",
    );
    assert!(!sb.exists("out"));
}

// ---------------------------------------------------------------------------------------------
// -o -

#[test]
fn render_to_stdout_prints_the_main_file_of_one_format() {
    let sb = Sandbox::new();
    let spec = render_quickstart(&sb);
    for (format, main) in [
        ("arm", "out/arm/azuredeploy.json"),
        ("bicep", "out/bicep/main.bicep"),
        ("TERRAFORM", "out/terraform/main.tf"),
    ] {
        let out = sb.run(&["render", spec, "--format", format, "-o", "-"]);
        assert_eq!(out.code, 0, "{format}: {out:#?}");
        // The same bytes, but for the spec's path: relative to the working folder on stdout,
        // relative to `out` in the files.
        let file = sb
            .read(main)
            .replace("from ../quickstart.yaml", "from quickstart.yaml");
        assert_eq!(out.stdout, file, "{format}");
        assert_eq!(out.stderr, "", "{format}");
    }
    assert!(!sb.exists("-"));
}

#[test]
fn render_to_stdout_with_two_formats_is_a_usage_error() {
    let sb = Sandbox::new();
    let spec = sb.write("quickstart.yaml", QUICKSTART);
    let usage = "error: `-o -` prints one file: give one spec and one `--format`\n";
    let out = sb.run(&["render", spec, "--format", "arm,bicep", "-o", "-"]);
    assert_output(&out, 2, "", usage);
    // All formats is the default.
    let out = sb.run(&["render", spec, "-o", "-"]);
    assert_output(&out, 2, "", usage);
    assert!(!sb.exists("-"));
}

#[test]
fn render_to_stdout_with_deny_warnings_reports_the_warning_as_an_error() {
    let sb = Sandbox::new();
    let spec = sb.write("weak-role.yaml", &weak_role_spec());
    let out = sb.run(&[
        "render",
        spec,
        "--format",
        "bicep",
        "-o",
        "-",
        "--deny-warnings",
    ]);
    assert_output(&out, 1, "", DENIED_WEAK_ROLE);
}

// ---------------------------------------------------------------------------------------------
// --diagnostics json and sarif

/// The JSON objects `validate --diagnostics json` printed, one per line.
fn json_lines(stdout: &str) -> Vec<Value> {
    assert!(stdout.ends_with('\n'), "{stdout:?}");
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn validate_json_prints_one_object_per_diagnostic_and_line() {
    let sb = Sandbox::new();
    let spec = sb.write("broken.yaml", &unindent(ERROR_AND_WARNING));
    let out = sb.run(&["validate", "--diagnostics", "json", spec]);
    assert_eq!(out.code, 1, "{out:#?}");
    assert_eq!(out.stderr, "");
    let lines = json_lines(&out.stdout);
    assert_eq!(lines.len(), 2, "{}", out.stdout);
    for line in &lines {
        let mut keys: Vec<&str> = line
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "code", "column", "file", "help", "line", "message", "path", "severity"
            ]
        );
    }
    assert_eq!(
        lines[0],
        serde_json::json!({
            "code": "FG004",
            "severity": "error",
            "message": "unknown key `descripton`",
            "file": "broken.yaml",
            "line": 8,
            "column": 9,
            "path": "foundries[0].projects[0].descripton",
            "help": "did you mean `description`?",
        })
    );
    assert_eq!(lines[1]["code"], "FG043");
    assert_eq!(lines[1]["severity"], "warning");
    assert_eq!(lines[1]["line"], 11);
    assert_eq!(lines[1]["column"], 13);
}

#[test]
fn validate_json_of_a_valid_spec_prints_nothing() {
    let sb = Sandbox::new();
    let spec = sb.write("quickstart.yaml", QUICKSTART);
    let out = sb.run(&["validate", "--diagnostics", "json", spec]);
    assert_output(&out, 0, "", "");
}

#[test]
fn validate_sarif_prints_a_sarif_2_1_0_log_with_one_result_per_diagnostic() {
    let sb = Sandbox::new();
    let broken = sb.write("broken.yaml", &unindent(ERROR_AND_WARNING));
    let bad = sb.write("specs/bad.yaml", &unindent(BAD_ACCOUNT_NAME));
    let out = sb.run(&["validate", "--diagnostics", "sarif", broken, bad]);
    assert_eq!(out.code, 1, "{out:#?}");
    assert_eq!(out.stderr, "");
    let log: Value = serde_json::from_str(&out.stdout).expect("stdout is JSON");

    assert_eq!(log["version"], "2.1.0");
    let schema = log["$schema"].as_str().expect("$schema is a string");
    assert!(
        schema.contains("sarif") && schema.contains("2.1.0"),
        "{schema}"
    );
    let runs = log["runs"].as_array().expect("runs is an array");
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "foundrygen");
    let rule_ids: Vec<&str> = driver["rules"]
        .as_array()
        .expect("rules is an array")
        .iter()
        .map(|r| r["id"].as_str().expect("every rule has an id"))
        .collect();
    assert_eq!(rule_ids, ["FG004", "FG010", "FG043"]);

    // One result per diagnostic, the same ones `--diagnostics json` prints.
    let json = sb.run(&["validate", "--diagnostics", "json", broken, bad]);
    let expected: Vec<(String, String, u64, u64, String)> = json_lines(&json.stdout)
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["severity"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
                d["file"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let results = run["results"].as_array().expect("results is an array");
    let actual: Vec<(String, String, u64, u64, String)> = results
        .iter()
        .map(|r| {
            let rule_id = r["ruleId"].as_str().expect("ruleId").to_string();
            assert!(
                rule_ids.contains(&rule_id.as_str()),
                "{rule_id} has no rule"
            );
            assert!(
                !r["message"]["text"]
                    .as_str()
                    .expect("message.text")
                    .is_empty(),
                "{r:#}"
            );
            let location = &r["locations"][0]["physicalLocation"];
            (
                rule_id,
                r["level"].as_str().expect("level").to_string(),
                location["region"]["startLine"].as_u64().expect("startLine"),
                location["region"]["startColumn"]
                    .as_u64()
                    .expect("startColumn"),
                location["artifactLocation"]["uri"]
                    .as_str()
                    .expect("uri")
                    .to_string(),
            )
        })
        .collect();
    assert_eq!(actual, expected);
    assert_eq!(
        actual,
        [
            ("FG004".into(), "error".into(), 8, 9, "broken.yaml".into()),
            (
                "FG043".into(),
                "warning".into(),
                11,
                13,
                "broken.yaml".into()
            ),
            (
                "FG010".into(),
                "error".into(),
                5,
                11,
                "specs/bad.yaml".into()
            ),
        ]
    );
    assert_eq!(
        results[0]["message"]["text"],
        "unknown key `descripton` (help: did you mean `description`?)"
    );
}

#[test]
fn validate_sarif_of_a_valid_spec_has_no_results() {
    let sb = Sandbox::new();
    let spec = sb.write("quickstart.yaml", QUICKSTART);
    let out = sb.run(&["validate", "--diagnostics", "sarif", spec]);
    assert_eq!(out.code, 0, "{out:#?}");
    assert_eq!(out.stderr, "");
    let log: Value = serde_json::from_str(&out.stdout).expect("stdout is JSON");
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(log["runs"][0]["results"], serde_json::json!([]));
    assert_eq!(
        log["runs"][0]["tool"]["driver"]["rules"],
        serde_json::json!([])
    );
}

// ---------------------------------------------------------------------------------------------
// --deny-warnings

#[test]
fn deny_warnings_fails_a_warning_only_spec_and_writes_nothing() {
    let sb = Sandbox::new();
    let spec = sb.write("weak-role.yaml", &weak_role_spec());
    let out = sb.run(&["render", spec, "-o", "out", "--deny-warnings"]);
    assert_output(&out, 1, "", DENIED_WEAK_ROLE);
    assert!(!sb.exists("out"));

    let out = sb.run(&["validate", spec, "--deny-warnings"]);
    assert_output(&out, 1, "", DENIED_WEAK_ROLE);

    let out = sb.run(&["validate", spec, "--deny-warnings", "--diagnostics", "json"]);
    assert_eq!(out.code, 1, "{out:#?}");
    let lines = json_lines(&out.stdout);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["code"], "FG043");
    assert_eq!(lines[0]["severity"], "error");
}

#[test]
fn plan_and_graph_take_the_diagnostics_options() {
    let sb = Sandbox::new();
    let spec = sb.write("weak-role.yaml", &weak_role_spec());
    for command in ["plan", "graph"] {
        let out = sb.run(&[command, spec, "--deny-warnings"]);
        assert_output(&out, 1, "", DENIED_WEAK_ROLE);
    }
    let broken = sb.write("broken.yaml", &unindent(ERROR_AND_WARNING));
    let validate = sb.run(&["validate", broken, "--diagnostics", "json"]);
    for command in ["plan", "graph"] {
        let out = sb.run(&[command, broken, "--diagnostics", "json"]);
        assert_eq!(out.code, 1, "{command}: {out:#?}");
        assert_eq!(out.stdout, validate.stdout, "{command}");
        assert_eq!(out.stderr, "", "{command}");
    }
}

// ---------------------------------------------------------------------------------------------
// Colour

/// `text` without ANSI SGR escapes (`ESC [ … m`).
fn strip_ansi(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            assert_eq!(chars.next(), Some('['), "{text:?}");
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn color_always_colours_stderr_unless_no_color_is_set() {
    let sb = Sandbox::new();
    let spec = sb.write("broken.yaml", &unindent(ERROR_AND_WARNING));
    let plain = sb.run(&["validate", spec]);
    assert_eq!(plain.code, 1, "{plain:#?}");
    assert!(!plain.stderr.contains('\x1b'), "{:?}", plain.stderr);

    let coloured = sb.run_with(
        &["validate", "--color", "always", spec],
        None,
        &[("NO_COLOR", None)],
    );
    assert_eq!(coloured.code, 1, "{coloured:#?}");
    assert_eq!(coloured.stdout, "");
    assert!(
        coloured
            .stderr
            .starts_with("\x1b[1;31merror\x1b[0m\x1b[1m[FG004]: unknown key `descripton`\x1b[0m\n"),
        "{:?}",
        coloured.stderr
    );
    assert!(
        coloured.stderr.contains("\x1b[1;33mwarning\x1b[0m"),
        "{:?}",
        coloured.stderr
    );
    assert_eq!(strip_ansi(&coloured.stderr), plain.stderr);

    // The global option goes after the subcommand too, and an empty NO_COLOR does not count.
    let empty = sb.run_with(
        &["validate", spec, "--color", "always"],
        None,
        &[("NO_COLOR", Some(""))],
    );
    assert_eq!(empty, coloured);

    // NO_COLOR wins over --color always.
    let no_color = sb.run_with(
        &["validate", "--color", "always", spec],
        None,
        &[("NO_COLOR", Some("1"))],
    );
    assert_eq!(no_color, plain);

    // --color never, and auto when stderr is no terminal.
    for choice in ["never", "auto"] {
        let out = sb.run_with(
            &["validate", "--color", choice, spec],
            None,
            &[("NO_COLOR", None)],
        );
        assert_eq!(out, plain, "--color {choice}");
    }
}

// ---------------------------------------------------------------------------------------------
// graph

/// The number of numbered steps in `plan`'s output.
fn plan_steps(sb: &Sandbox, spec: &str) -> usize {
    let out = sb.run(&["plan", spec]);
    assert_eq!(out.code, 0, "{out:#?}");
    out.stdout
        .lines()
        .filter(|l| {
            l.trim_start()
                .split_once(". ")
                .is_some_and(|(n, _)| n.parse::<usize>().is_ok())
        })
        .count()
}

#[test]
fn graph_mermaid_has_one_node_per_plan_step() {
    let sb = Sandbox::new();
    for (file, text) in [
        ("quickstart.yaml", QUICKSTART),
        ("key-vault-first.yaml", KEY_VAULT_FIRST),
    ] {
        let spec = sb.write(file, text);
        let out = sb.run(&["graph", spec]);
        assert_eq!(out.code, 0, "{file}: {out:#?}");
        assert_eq!(out.stderr, "", "{file}");
        let mut lines = out.stdout.lines();
        assert_eq!(lines.next(), Some("flowchart TD"), "{file}");
        let (edges, nodes): (Vec<&str>, Vec<&str>) = lines.partition(|l| l.contains(" -->"));
        let ids: Vec<&str> = nodes
            .iter()
            .map(|l| {
                let l = l.strip_prefix("  ").expect("nodes are indented");
                let end = l
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .expect("a node has a shape");
                &l[..end]
            })
            .collect();
        assert_eq!(ids.len(), plan_steps(&sb, spec), "{file}: {}", out.stdout);
        assert!(!edges.is_empty(), "{file}");
        for edge in edges {
            let (from, rest) = edge.trim().split_once(" -->|").expect("labelled edge");
            let (_, to) = rest.rsplit_once("| ").expect("labelled edge");
            assert!(ids.contains(&from) && ids.contains(&to), "{file}: {edge}");
        }
    }
}

#[test]
fn graph_dot_is_a_digraph_with_one_node_per_plan_step() {
    let sb = Sandbox::new();
    for (file, text) in [
        ("quickstart.yaml", QUICKSTART),
        ("key-vault-first.yaml", KEY_VAULT_FIRST),
    ] {
        let spec = sb.write(file, text);
        let out = sb.run(&["graph", "--format", "dot", spec]);
        assert_eq!(out.code, 0, "{file}: {out:#?}");
        assert_eq!(out.stderr, "", "{file}");
        let lines: Vec<&str> = out.stdout.lines().collect();
        assert!(lines[0].starts_with("digraph \""), "{file}: {}", lines[0]);
        assert!(lines[0].ends_with("\" {"), "{file}: {}", lines[0]);
        assert_eq!(lines.last(), Some(&"}"), "{file}");
        let nodes: Vec<&str> = lines
            .iter()
            .filter(|l| l.trim_start().starts_with('"') && !l.contains(" -> "))
            .map(|l| l.trim_start()[1..].split('"').next().unwrap())
            .collect();
        assert_eq!(nodes.len(), plan_steps(&sb, spec), "{file}: {}", out.stdout);
        let edges: Vec<&&str> = lines.iter().filter(|l| l.contains(" -> ")).collect();
        assert!(!edges.is_empty(), "{file}");
        for edge in edges {
            let mut ends = edge
                .trim()
                .split(" -> ")
                .map(|e| e.split('"').nth(1).unwrap());
            let (from, to) = (ends.next().unwrap(), ends.next().unwrap());
            assert!(
                nodes.contains(&from) && nodes.contains(&to),
                "{file}: {edge}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// schema

#[test]
fn schema_prints_a_draft_2020_12_json_schema() {
    let out = Sandbox::new().run(&["schema"]);
    assert_eq!(out.code, 0, "{out:#?}");
    assert_eq!(out.stderr, "");
    let schema: Value = serde_json::from_str(&out.stdout).expect("stdout is JSON");
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(schema["type"], "object", "{schema:#}");
    assert!(schema["properties"]["foundries"].is_object(), "{schema:#}");
}

// ---------------------------------------------------------------------------------------------
// init

const INIT_ARGS: [&str; 14] = [
    "--foundry",
    "contoso-foundry",
    "--project",
    "research",
    "--key-vault",
    "contoso-kv",
    "--connection",
    "CognitiveSearch:search:Microsoft.Search/searchServices/contoso-search",
    "--connection",
    "ApiKey:bing:https://api.bing.microsoft.com/",
    "--location",
    "westeurope",
    "--suffix",
    "x1",
];

#[test]
fn init_to_stdout_prints_a_spec_that_validates() {
    let sb = Sandbox::new();
    let mut args = vec!["init", "-o", "-"];
    args.extend(INIT_ARGS);
    let out = sb.run(&args);
    assert_output(
        &out,
        0,
        r#"
        # yaml-language-server: $schema=./foundrygen.schema.json
        # A foundrygen spec (version 1). `foundrygen schema > foundrygen.schema.json` gives editors
        # completion; `foundrygen validate` checks it; `foundrygen render <this file> -o infra` writes
        # Bicep, ARM JSON and Terraform. Every key is described in foundrygen's README.
        version: 1
        name: my-foundry-deployment  # the deployment's name
        location: westeurope  # where created resources go
        foundries:
          - name: contoso-foundry-x1  # Microsoft.CognitiveServices/accounts, kind AIServices; a global name (its subdomain)
            # existing: true  # reference an account that exists instead of creating it
            # disable_local_auth: false  # keys are off by default; this keeps them on
            projects:
              - name: research
            # The bring-your-own Key Vault connection: created first, after every project; the
            # account's identity gets Key Vault Secrets Officer on the vault before any other
            # connection is created.
            key_vault:
              name: contoso-kv
              # resource_group: rg-shared  # when the vault lives elsewhere
              # permission_model: access_policies
              wait_for_role: 60s  # the connections below store their keys in the vault
            connections:
              - name: search
                category: CognitiveSearch
                target: { resource: { type: Microsoft.Search/searchServices, name: contoso-search } }
                auth: { type: AAD }  # Entra ID: the account's identity, with the role below
                roles: [Search Index Data Reader]  # the least role that reads; a writer needs more
              - name: bing
                category: ApiKey
                target: { url: "https://api.bing.microsoft.com/" }
                auth: { type: ApiKey, key: { secret: bingKey } }   # a secure parameter at deployment
        "#,
        "names that must be unique across Azure: `contoso-foundry-x1`; a deployment fails where one is taken (--suffix chooses their ending)\n",
    );
    assert!(
        out.stdout
            .starts_with("# yaml-language-server: $schema=./foundrygen.schema.json\n")
    );
    assert!(sb.files(".").is_empty(), "init -o - wrote a file");

    let validated = sb.run_with_stdin(&["validate", "-"], Some(&out.stdout));
    assert_output(&validated, 0, "<stdin>: valid\n", "");
    let rendered = sb.run_with_stdin(&["render", "-", "-o", "out"], Some(&out.stdout));
    assert_eq!(rendered.code, 0, "{rendered:#?}");
}

#[test]
fn init_without_flags_validates_too() {
    let sb = Sandbox::new();
    let out = sb.run(&["init", "-o", "-"]);
    assert_eq!(out.code, 0, "{out:#?}");
    let validated = sb.run_with_stdin(&["validate", "-"], Some(&out.stdout));
    assert_output(&validated, 0, "<stdin>: valid\n", "");
    // Without --suffix, the account's global name ends in four random characters, and the note
    // on stderr names it.
    let name = |stdout: &str| {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix("  - name: "))
            .and_then(|l| l.split_whitespace().next())
            .expect("the foundry's name")
            .to_string()
    };
    let first = name(&out.stdout);
    let suffix = first.strip_prefix("my-foundry-").expect("suffixed");
    assert!(
        suffix.len() == 4
            && suffix.starts_with(|c: char| c.is_ascii_lowercase())
            && suffix
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()),
        "{first}"
    );
    assert_eq!(
        out.stderr,
        format!(
            "names that must be unique across Azure: `{first}`; a deployment fails where one is taken (--suffix chooses their ending)\n"
        )
    );
    let again = sb.run(&["init", "-o", "-"]);
    assert_ne!(name(&again.stdout), first, "two runs gave the same suffix");
    // `--suffix ''` leaves the names as given.
    let bare = sb.run(&["init", "-o", "-", "--suffix", ""]);
    assert_eq!(name(&bare.stdout), "my-foundry");
    let bad = sb.run(&["init", "-o", "-", "--suffix", "A-1"]);
    assert_eq!(bad.code, 2, "{bad:#?}");
    assert!(
        bad.stderr.starts_with("error: --suffix `A-1`"),
        "{}",
        bad.stderr
    );
}

#[test]
fn init_to_a_file_writes_it_and_refuses_to_overwrite_it() {
    let sb = Sandbox::new();
    let out = sb.run(&["init", "-o", "foundry.yaml", "--suffix", "s1"]);
    assert_output(
        &out,
        0,
        "",
        "wrote `foundry.yaml`; check it with `foundrygen validate foundry.yaml`\nnames that must be unique across Azure: `my-foundry-s1`; a deployment fails where one is taken (--suffix chooses their ending)\n",
    );
    assert_eq!(sb.files("."), ["foundry.yaml"]);
    let printed = sb.run(&["init", "-o", "-", "--suffix", "s1"]);
    assert_eq!(sb.read("foundry.yaml"), printed.stdout);

    sb.write("mine.yaml", "version: 1 # mine\n");
    let out = sb.run(&["init", "-o", "mine.yaml"]);
    assert_eq!(out.code, 3, "{out:#?}");
    assert_eq!(out.stdout, "");
    assert!(out.stderr.starts_with("error: "), "{}", out.stderr);
    assert!(out.stderr.contains("mine.yaml`"), "{}", out.stderr);
    assert_eq!(sb.read("mine.yaml"), "version: 1 # mine\n");
    assert_eq!(sb.files("."), ["foundry.yaml", "mine.yaml"]);

    // A file init wrote itself is not overwritten either.
    let out = sb.run(&["init", "-o", "foundry.yaml", "--foundry", "other"]);
    assert_eq!(out.code, 3, "{out:#?}");
    assert_eq!(sb.read("foundry.yaml"), printed.stdout);
}

#[test]
fn init_refusal_names_the_file_as_given_and_suggests_no_force() {
    let sb = Sandbox::new();
    sb.write("mine.yaml", "version: 1 # mine\n");
    let out = sb.run(&["init", "-o", "mine.yaml"]);
    assert_eq!(out.code, 3, "{out:#?}");
    assert!(
        out.stderr.starts_with("error: `mine.yaml` "),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("--force"), "{}", out.stderr);
    assert!(
        !out.stderr.contains("not written by foundrygen"),
        "{}",
        out.stderr
    );
    let retry = sb.run(&["init", "-o", "mine.yaml", "--force"]);
    assert_eq!(retry.code, 2, "init has no --force: {retry:#?}");
}

#[test]
fn init_puts_a_connection_in_a_project_and_the_output_validates_and_renders() {
    let sb = Sandbox::new();
    let out = sb.run(&[
        "init",
        "-o",
        "-",
        "--project",
        "research",
        "--connection",
        "CognitiveSearch:search@research:Microsoft.Search/searchServices/contoso-search",
        // Today's three-part form keeps working next to it.
        "--connection",
        "ApiKey:bing:https://api.bing.microsoft.com/",
    ]);
    assert_eq!(out.code, 0, "{out:#?}");
    let search = [
        "      - name: search",
        "        project: research",
        "        category: CognitiveSearch",
        "        target: { resource: { type: Microsoft.Search/searchServices, name: contoso-search } }",
        "        auth: { type: AAD }  # Entra ID: the project's identity, with the role below",
        "        roles: [Search Index Data Reader]  # the least role that reads; a writer needs more",
    ]
    .join("\n");
    assert!(out.stdout.contains(&search), "{}", out.stdout);
    let validated = sb.run_with_stdin(&["validate", "-"], Some(&out.stdout));
    assert_output(&validated, 0, "<stdin>: valid\n", "");
    let rendered = sb.run_with_stdin(&["render", "-", "-o", "out"], Some(&out.stdout));
    assert_eq!(rendered.code, 0, "{rendered:#?}");
    let bicep = sb.read("out/bicep/main.bicep");
    assert!(
        bicep.contains("accounts/projects/connections@"),
        "the connection is not a project's: {bicep}"
    );
}

#[test]
fn init_refuses_a_target_named_with_a_fourth_field_and_shows_the_project_form() {
    let sb = Sandbox::new();
    let out = sb.run(&[
        "init",
        "-o",
        "foundry.yaml",
        "--project",
        "dev",
        "--connection",
        "CognitiveSearch:search:Microsoft.Search/searchServices/x:dev",
    ]);
    assert_output(
        &out,
        2,
        "",
        r"
        error: --connection `CognitiveSearch:search:Microsoft.Search/searchServices/x:dev`: search service name `x:dev` breaks Azure's rules
          = help: a fourth `:` field is not a project (URLs hold `:` too); to put the connection in project `dev`, write `--connection CognitiveSearch:search@dev:Microsoft.Search/searchServices/x`
        ",
    );
    assert!(sb.files(".").is_empty(), "init wrote a file");
}

#[test]
fn init_refuses_names_its_suffix_makes_too_long_as_an_argument_error() {
    let sb = Sandbox::new();
    let out = sb.run(&[
        "init",
        "-o",
        "-",
        "--create",
        "--suffix",
        "abcdefgh",
        "--key-vault",
        "contoso-keyvault-prod1",
        "--connection",
        "AzureBlob:blob:Microsoft.Storage/storageAccounts/contosostorageprod1",
    ]);
    assert_output(
        &out,
        2,
        "",
        r"
        error: --key-vault `contoso-keyvault-prod1` with --suffix `abcdefgh` makes `contoso-keyvault-prod1-abcdefgh` (31 characters); a Key Vault name takes 3–24
          = help: shorten it to at most 15 characters, or choose a shorter --suffix (`--suffix ''` adds none)
        ",
    );
    let out = sb.run(&[
        "init",
        "-o",
        "-",
        "--connection",
        "CognitiveSearch:s:Microsoft.Search/searchServices/xx",
    ]);
    assert_output(
        &out,
        2,
        "",
        r"
        error: --connection `CognitiveSearch:s:Microsoft.Search/searchServices/xx`: connection name `s` breaks Azure's rules
          = help: connection names are at least 3 characters long
        ",
    );
    assert!(sb.files(".").is_empty(), "init wrote a file");
}

#[test]
fn init_refuses_a_malformed_connection_with_the_form() {
    let out = Sandbox::new().run(&["init", "-o", "-", "--connection", "search"]);
    assert_output(
        &out,
        2,
        "",
        r"
        error: --connection `search` is not CATEGORY:NAME[@PROJECT]:TARGET
          = help: write CATEGORY:NAME[@PROJECT]:TARGET, e.g. `--connection CognitiveSearch:search@research:Microsoft.Search/searchServices/contoso-search`
        ",
    );
}

// ---------------------------------------------------------------------------------------------
// categories, completions, man

#[test]
fn categories_lists_every_category_with_its_auth_types_target_and_default_use() {
    let out = Sandbox::new().run(&["categories"]);
    assert_eq!(out.code, 0, "{out:#?}");
    assert_eq!(out.stderr, "");
    let rows: Vec<Vec<&str>> = out
        .stdout
        .lines()
        .map(|l| {
            l.split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect()
        })
        .collect();
    let row = |first: &str| {
        rows.iter()
            .find(|r| r.first() == Some(&first))
            .unwrap_or_else(|| panic!("no row for {first}:\n{}", out.stdout))
    };
    assert_eq!(
        row("category"),
        &[
            "category",
            "what",
            "auth types",
            "resource target",
            "default use"
        ]
    );
    assert_eq!(
        row("AppInsights"),
        &[
            "AppInsights",
            "Application Insights",
            "ApiKey",
            "Microsoft.Insights/components",
            "id"
        ]
    );
    assert_eq!(
        row("CognitiveSearch"),
        &[
            "CognitiveSearch",
            "Azure AI Search",
            "ApiKey, AAD",
            "Microsoft.Search/searchServices",
            "endpoint"
        ]
    );
    assert_eq!(
        row("AzureBlob"),
        &[
            "AzureBlob",
            "Blob Storage",
            "AccountKey, AAD, SAS",
            "Microsoft.Storage/storageAccounts",
            "endpoint; id with AccountKey"
        ]
    );
    assert_eq!(row("CosmosDb or CosmosDB")[2], "AAD");
    assert_eq!(
        row("Pinecone"),
        &[
            "Pinecone",
            "any (unchecked: FG032)",
            "any",
            "by target type"
        ]
    );
    assert_eq!(row("AAD"), &["AAD", "Entra ID", "none"]);
    for c in foundrygen::catalog::CATEGORIES {
        assert!(
            rows.iter()
                .any(|r| r.first().is_some_and(|f| f.split(' ').next() == Some(c))),
            "{c} is not listed"
        );
    }
}

/// The subcommands a completion script must offer.
const COMMANDS: [&str; 12] = [
    "render",
    "validate",
    "plan",
    "preflight",
    "graph",
    "schema",
    "init",
    "import",
    "categories",
    "templates",
    "completions",
    "man",
];

#[test]
fn completions_are_generated_for_each_shell() {
    let sb = Sandbox::new();
    for (shell, marker) in [
        ("bash", "complete -F _foundrygen"),
        ("zsh", "#compdef foundrygen"),
        ("fish", "complete -c foundrygen"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = sb.run(&["completions", shell]);
        assert_eq!(out.code, 0, "{shell}: {out:#?}");
        assert_eq!(out.stderr, "", "{shell}");
        assert!(out.stdout.contains(marker), "{shell}: no `{marker}`");
        for command in COMMANDS {
            assert!(
                out.stdout.contains(command),
                "{shell} does not offer `{command}`"
            );
        }
        assert!(
            out.stdout.contains("connection"),
            "{shell} lacks init's flags"
        );
    }
    // bash parses its script.
    let script = sb.run(&["completions", "bash"]).stdout;
    sb.write("foundrygen.bash", &script);
    let parsed = std::process::Command::new("bash")
        .args(["-n", "foundrygen.bash"])
        .current_dir(sb.path())
        .output()
        .expect("run bash -n");
    assert!(
        parsed.status.success(),
        "bash -n: {}",
        String::from_utf8_lossy(&parsed.stderr)
    );
    let unknown = sb.run(&["completions", "tcsh"]);
    assert_eq!(unknown.code, 2, "{unknown:#?}");
}

#[test]
fn man_prints_the_page_of_foundrygen_and_of_each_command() {
    let sb = Sandbox::new();
    let out = sb.run(&["man"]);
    assert_eq!(out.code, 0, "{out:#?}");
    assert_eq!(out.stderr, "");
    let page = out.stdout;
    assert!(
        page.lines().any(|l| l.starts_with(".TH foundrygen 1 ")),
        "{page}"
    );
    for section in [".SH NAME", ".SH SYNOPSIS", ".SH OPTIONS", ".SH SUBCOMMANDS"] {
        assert!(page.contains(section), "no `{section}`");
    }
    for command in COMMANDS {
        assert!(
            page.contains(&format!("foundrygen\\-{command}(1)")),
            "the page does not name foundrygen-{command}(1)"
        );
    }
    let init = sb.run(&["man", "init"]);
    assert_eq!(init.code, 0, "{init:#?}");
    assert!(
        init.stdout
            .lines()
            .any(|l| l.starts_with(".TH foundrygen-init 1 "))
    );
    assert!(
        init.stdout.contains("\\fB\\-\\-connection\\fR"),
        "{}",
        init.stdout
    );
    let export = sb.run(&["man", "templates", "export"]);
    assert_eq!(export.code, 0, "{export:#?}");
    assert!(export.stdout.contains(".TH foundrygen-templates-export 1 "));
    assert_output(
        &sb.run(&["man", "rendr"]),
        2,
        "",
        r"
        error: `rendr` is not a foundrygen command
          = help: did you mean `render`?
        ",
    );
    // Where groff is installed, it formats the page without a warning.
    sb.write("foundrygen.1", &page);
    match std::process::Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z", "foundrygen.1"])
        .current_dir(sb.path())
        .output()
    {
        Ok(formatted) => assert!(
            formatted.status.success() && formatted.stderr.is_empty(),
            "groff: {}",
            String::from_utf8_lossy(&formatted.stderr)
        ),
        Err(_) => println!("skipped: groff is not installed"),
    }
}

#[test]
fn the_readme_lists_every_command_and_installs_every_man_page() {
    use clap::CommandFactory as _;
    let readme = fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let commands: Vec<String> = foundrygen::cli::Args::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect();
    assert_eq!(
        commands, COMMANDS,
        "COMMANDS is not the list of subcommands"
    );
    let synopsis = &readme[readme.find("## Commands").unwrap()..];
    let synopsis = &synopsis[..synopsis.find("```\n\n").unwrap()];
    let man_loop = readme
        .lines()
        .find(|l| l.starts_with("for c in ") && l.ends_with("; do"))
        .expect("the README's man page loop");
    let looped: Vec<&str> = man_loop["for c in ".len()..man_loop.len() - "; do".len()]
        .split(' ')
        .collect();
    for c in &commands {
        assert!(
            synopsis.contains(&format!("\nfoundrygen {c}")),
            "the README's command synopsis lacks `{c}`"
        );
        assert!(
            looped.contains(&c.as_str()),
            "the man page loop skips `{c}`"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// templates export and render --templates

/// The built-in template files, relative to `templates/`.
fn builtin_templates() -> Vec<String> {
    files_under(&Path::new(env!("CARGO_MANIFEST_DIR")).join("templates"))
}

#[test]
fn templates_export_writes_every_template_once() {
    let sb = Sandbox::new();
    let out = sb.run(&["templates", "export", "tpl"]);
    assert_output(
        &out,
        0,
        "",
        "wrote 19 templates to `tpl`; edit any of them and pass `--templates tpl` to render\n",
    );
    let builtin = builtin_templates();
    assert_eq!(builtin.len(), 19);
    assert_eq!(sb.files("tpl"), builtin);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    for file in &builtin {
        assert_eq!(
            sb.read(&format!("tpl/{file}")),
            fs::read_to_string(root.join(file)).unwrap(),
            "{file}"
        );
    }

    // An untouched export renders exactly what the built-in templates render.
    let spec = sb.write("quickstart.yaml", QUICKSTART);
    assert_eq!(sb.run(&["render", spec, "-o", "a"]).code, 0);
    assert_eq!(
        sb.run(&["render", spec, "-o", "b", "--templates", "tpl"])
            .code,
        0
    );
    assert_eq!(sb.snapshot("a"), sb.snapshot("b"));

    // A second export into the same folder changes nothing, edited files included.
    sb.write("tpl/bicep/main.bicep.tera", "// my edit\n");
    sb.remove("tpl/terraform/versions.tf.tera");
    let before = sb.snapshot("tpl");
    let out = sb.run(&["templates", "export", "tpl"]);
    assert_output(
        &out,
        3,
        "",
        "error: `tpl/arm/azuredeploy.json.tera` already exists; nothing was written\n  = help: choose another path, or move the file away\n",
    );
    assert_eq!(sb.snapshot("tpl"), before);
}

#[test]
fn render_with_an_overlay_using_an_undefined_variable_exits_5() {
    let sb = Sandbox::new();
    let spec = sb.write("quickstart.yaml", QUICKSTART);
    sb.write(
        "ov/bicep/main.bicep.tera",
        "// {{ generated_by }}\nparam x string\n{{ nosuchvar }}\n",
    );
    let out = sb.run(&["render", spec, "-o", "out", "--templates", "ov"]);
    assert_eq!(out.code, 5, "{out:#?}");
    assert_eq!(out.stdout, "");
    let mut lines = out.stderr.lines();
    assert_eq!(
        lines.next(),
        Some("error: template `ov/bicep/main.bicep.tera` failed")
    );
    assert!(
        out.stderr
            .contains("Variable `nosuchvar` is not defined. Available variables: deployment, ephemeral, existing, generated_by, locals, module, outputs, params, resources, version\n"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains(":3:4\n"), "{}", out.stderr);
    assert!(
        out.stderr.contains("3 | {{ nosuchvar }}\n"),
        "{}",
        out.stderr
    );
    assert!(!sb.exists("out"));

    // The same to stdout.
    let out_stdout = sb.run(&[
        "render",
        spec,
        "--format",
        "bicep",
        "-o",
        "-",
        "--templates",
        "ov",
    ]);
    assert_eq!(out_stdout.code, 5, "{out_stdout:#?}");
    assert_eq!(out_stdout.stdout, "");
    assert_eq!(out_stdout.stderr, out.stderr);
}

#[test]
fn render_overlay_error_location_names_the_overlay_file() {
    let sb = Sandbox::new();
    let spec = sb.write("quickstart.yaml", QUICKSTART);
    sb.write(
        "ov/bicep/main.bicep.tera",
        "// {{ generated_by }}\nparam x string\n{{ nosuchvar }}\n",
    );
    let out = sb.run(&["render", spec, "-o", "out", "--templates", "ov"]);
    assert_eq!(out.code, 5, "{out:#?}");
    assert!(
        out.stderr.contains("--> ov/bicep/main.bicep.tera:3:4\n"),
        "{}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("--> bicep/main.bicep:"),
        "{}",
        out.stderr
    );
}

/// A foundry in another resource group gets a nested template, which is read back as JSON: an
/// overlay that breaks its JSON is the overlay's error (exit 5, naming the file), not an internal
/// one, and nothing is written.
#[test]
fn an_overlay_that_breaks_a_nested_arm_template_names_itself() {
    let sb = Sandbox::new();
    let spec = sb.write(
        "spec.yaml",
        include_str!("cases/existing-foundry-other-subscription/spec.yaml"),
    );
    let builtin = include_str!("../templates/arm/resource.json.tera");
    let (head, tail) = builtin
        .split_once("\"apiVersion\"")
        .expect("the built-in resource template has an apiVersion");
    let line_end = tail.find('\n').expect("a line end after apiVersion");
    let broken = format!(
        "{head}\"apiVersion\"{},,{}",
        &tail[..line_end],
        &tail[line_end..]
    );
    sb.write("ov/arm/resource.json.tera", &broken);
    let out = sb.run(&[
        "render",
        spec,
        "-o",
        "out",
        "--format",
        "arm",
        "--templates",
        "ov",
    ]);
    assert_eq!(out.code, 5, "{out:#?}");
    assert!(
        out.stderr
            .starts_with("error: template `ov/arm/resource.json.tera` failed\n"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("is not JSON"), "{}", out.stderr);
    assert!(!out.stderr.contains("internal error"), "{}", out.stderr);
    assert!(!sb.exists("out"));
}

#[test]
fn an_item_template_overlay_changes_every_block_it_renders() {
    let sb = Sandbox::new();
    let spec = sb.write("quickstart.yaml", QUICKSTART);
    sb.run(&["templates", "export", "tpl"]);
    let builtin = sb.read("tpl/bicep/resource.bicep.tera");
    // Every resource block gets a line of its own first, with the tag of each field's value (an
    // overlay gets the `{t, v}` trees docs/templates.md describes), and the last one says so.
    let edited = builtin.replacen(
        "\n// {{ r.comment }}",
        "\n// reviewed{% for f in r.fields %} {{ f[1].t }}{% endfor %}{% if last %} (last){% endif %}\n// {{ r.comment }}",
        1,
    );
    assert_ne!(edited, builtin, "the built-in item template changed shape");
    sb.write("ov/bicep/resource.bicep.tera", &edited);
    assert_eq!(
        sb.run(&["render", spec, "-o", "a", "--format", "bicep"])
            .code,
        0
    );
    let out = sb.run(&[
        "render",
        spec,
        "-o",
        "b",
        "--format",
        "bicep",
        "--templates",
        "ov",
    ]);
    assert_eq!(out.code, 0, "{out:#?}");
    let plain = sb.read("a/bicep/main.bicep");
    let overlaid = sb.read("b/bicep/main.bicep");
    let blocks = plain
        .lines()
        .filter(|l| l.starts_with("resource ") || l.starts_with("module "))
        .filter(|l| !l.contains("' existing = {"))
        .count();
    assert!(blocks > 3, "{plain}");
    let reviewed: Vec<&str> = overlaid
        .lines()
        .filter(|l| l.starts_with("// reviewed"))
        .collect();
    assert_eq!(reviewed.len(), blocks, "{overlaid}");
    assert!(
        reviewed.last().unwrap().ends_with(" (last)"),
        "{reviewed:?}"
    );
    for line in &reviewed {
        let tags: Vec<&str> = line["// reviewed".len()..]
            .split_whitespace()
            .filter(|t| *t != "(last)")
            .collect();
        assert!(!tags.is_empty(), "{line}");
        assert!(
            tags.iter()
                .all(|t| ["S", "B", "I", "O", "A", "X", "XK", "D"].contains(t)),
            "{line}"
        );
    }
    // Taking those lines out again gives the built-in output byte for byte.
    let without: String = overlaid
        .split_inclusive('\n')
        .filter(|l| !l.starts_with("// reviewed"))
        .collect();
    assert_eq!(without, plain);
}

#[test]
fn an_overlay_main_template_of_the_list_layout_is_told_where_its_loop_goes() {
    let sb = Sandbox::new();
    let spec = sb.write("quickstart.yaml", QUICKSTART);
    // Written before item templates: the main template loops over the resources itself.
    sb.write(
        "ov/terraform/main.tf.tera",
        "# {{ generated_by }}\n{% for r in resources %}\n# {{ r.comment }}\n{% endfor %}\n",
    );
    let out = sb.run(&["render", spec, "-o", "out", "--templates", "ov"]);
    assert_eq!(out.code, 5, "{out:#?}");
    assert!(
        out.stderr
            .starts_with("error: template `ov/terraform/main.tf.tera` failed\n"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("error: template `ov/terraform/main.tf.tera` failed\n  this template loops over `resources`, which it now receives as the text of the rendered blocks, not as a list: each block is rendered by `terraform/resource.tf`; move the body of the loop into that template and write `{{ resources }}` where the loop was"),
        "{}",
        out.stderr
    );
    assert!(!sb.exists("out"));

    // An item template sees its own small context, which docs/templates.md lists.
    sb.remove("ov/terraform/main.tf.tera");
    sb.write("ov/arm/resource.json.tera", "{{ nosuchvar }}");
    let out = sb.run(&["render", spec, "-o", "out", "--templates", "ov"]);
    assert_eq!(out.code, 5, "{out:#?}");
    assert!(
        out.stderr.contains(
            "Variable `nosuchvar` is not defined. Available variables: first, last, module, r\n"
        ),
        "{}",
        out.stderr
    );
    let doc = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/templates.md"))
        .unwrap();
    assert!(
        doc.contains("An **item template** receives `r` (one `ResourceView`), `module` (as in `FileView`), and `first`\n  and `last`"),
        "docs/templates.md no longer lists the item context"
    );
    sb.remove("ov/arm/resource.json.tera");

    // One that forgets to write the blocks at all is refused too, rather than writing a main.tf
    // without its resources.
    sb.write(
        "ov/terraform/main.tf.tera",
        "# {{ generated_by }}\n{{ existing }}{{ ephemeral }}\n",
    );
    let out = sb.run(&["render", spec, "-o", "out", "--templates", "ov"]);
    assert_eq!(out.code, 5, "{out:#?}");
    assert!(
        out.stderr.contains("`ov/terraform/main.tf.tera` does not write `{{ resources }}`: each block of `resources` is rendered by `terraform/resource.tf`"),
        "{}",
        out.stderr
    );
    assert!(!sb.exists("out"));
}

#[test]
fn render_with_a_misnamed_overlay_file_is_a_usage_error() {
    let sb = Sandbox::new();
    let spec = sb.write("quickstart.yaml", QUICKSTART);
    sb.write("ov/bicep/mian.bicep.tera", "// {{ generated_by }}\n");
    let out = sb.run(&["render", spec, "-o", "out", "--templates", "ov"]);
    assert_output(
        &out,
        2,
        "",
        "error: `ov/bicep/mian.bicep.tera` replaces no built-in template; `foundrygen templates export` shows their names\n",
    );
    assert!(!sb.exists("out"));

    let out = sb.run(&["render", spec, "-o", "out", "--templates", "missing"]);
    assert_output(
        &out,
        2,
        "",
        "error: template folder `missing` does not exist\n",
    );
    assert!(!sb.exists("out"));
}

// ---------------------------------------------------------------------------------------------
// plan --teardown --script

#[test]
fn plan_teardown_script_prints_a_bash_script() {
    let sb = Sandbox::new();
    let spec = sb.write("quickstart.yaml", QUICKSTART);
    let out = sb.run(&["plan", spec, "--teardown", "--script"]);
    assert_eq!(out.code, 0, "{out:#?}");
    assert_eq!(out.stderr, "");
    assert!(
        out.stdout.starts_with(
            "#!/usr/bin/env bash\n# generated by foundrygen from quickstart.yaml; do not edit\n"
        ),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("\nset -euo pipefail\n"),
        "{}",
        out.stdout
    );

    let out = sb.run(&["plan", spec, "--script"]);
    assert_output(
        &out,
        2,
        "",
        r"
        error: the following required arguments were not provided:
          <--teardown|--current <FILE>...>

        Usage: foundrygen plan --script <--teardown|--current <FILE>...> <SPEC>

        For more information, try '--help'.
        ",
    );
}

#[test]
fn the_generated_by_line_does_not_depend_on_how_the_spec_path_is_spelled() {
    let sb = Sandbox::new();
    let spec = sb.write("acme.yaml", QUICKSTART);
    let out = sb.run(&["render", spec, "-o", "infra"]);
    assert_eq!(out.code, 0, "{out:#?}");
    assert_eq!(
        sb.read("infra/bicep/main.bicep").lines().next(),
        Some("// generated by foundrygen from ../acme.yaml; do not edit")
    );
    let absolute = sb.path().join("acme.yaml").display().to_string();
    let absolute_out = sb.path().join("infra").display().to_string();
    // Four spellings of the spec's path, and another working folder: no drift.
    for (cwd, args) in [
        (".", vec!["render", "./acme.yaml", "-o", "infra", "--check"]),
        (".", vec!["render", &absolute, "-o", "infra", "--check"]),
        (
            ".",
            vec!["render", "acme.yaml", "-o", "./infra/", "--check"],
        ),
        (
            "sub/dir",
            vec!["render", "../../acme.yaml", "-o", "../../infra", "--check"],
        ),
        (
            "sub",
            vec!["render", &absolute, "-o", &absolute_out, "--check"],
        ),
    ] {
        let out = sb.run_in(cwd, &args);
        assert_eq!(out.code, 0, "{cwd}: {args:?}: {out:#?}");
        assert!(out.stdout.is_empty(), "{args:?}: {}", out.stdout);
        assert!(
            out.stderr.starts_with("9 files up to date in `"),
            "{}",
            out.stderr
        );
    }
    // In a batch, relative to each spec's own folder; on stdout, to the working folder.
    sb.write("specs/b.yaml", QUICKSTART);
    let out = sb.run(&["render", "acme.yaml", "specs/b.yaml", "-o", "batch"]);
    assert_eq!(out.code, 0, "{out:#?}");
    assert_eq!(
        sb.read("batch/b/terraform/main.tf").lines().next(),
        Some("# generated by foundrygen from ../../specs/b.yaml; do not edit")
    );
    let out = sb.run_in(
        "specs",
        &["render", "./b.yaml", "--format", "bicep", "-o", "-"],
    );
    assert_eq!(
        out.stdout.lines().next(),
        Some("// generated by foundrygen from b.yaml; do not edit")
    );
    let out = sb.run_in(
        "specs",
        &[
            "render",
            "../acme.yaml",
            "b.yaml",
            "-o",
            "../batch",
            "--check",
        ],
    );
    assert_eq!(out.code, 0, "{out:#?}");
}

#[test]
fn plan_and_graph_of_a_folder_are_usage_errors() {
    let sb = Sandbox::new();
    sb.write("specs/a.yaml", QUICKSTART);
    for command in ["plan", "graph"] {
        let out = sb.run(&[command, "specs"]);
        assert_output(
            &out,
            2,
            "",
            &format!(
                "error: `{command}` reads one spec file, and `specs` is a folder; name one of its specs\n"
            ),
        );
    }
}
