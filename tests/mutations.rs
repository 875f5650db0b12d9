//! Invalid specs made by mutating valid ones (wrong types, missing keys, duplicated or cut lines,
//! references to nothing, broken indentation, aliases, truncation), plus alias bombs, deep nesting
//! and oversized files: each gives a clean validation error (exit code 1), never a panic, an
//! internal error, a hang or a partial output folder.

use std::fs;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[path = "support/specs.rs"]
mod specs;

use foundrygen::{Error, Source, Target};
use proptest::prelude::*;

fn valid_specs() -> Vec<String> {
    specs::valid_specs().into_iter().map(|(_, t)| t).collect()
}

/// A mutation applied to a spec's lines.
#[derive(Debug, Clone)]
enum Mutation {
    DeleteLine(usize),
    DuplicateLine(usize),
    ReplaceValue(usize, &'static str),
    Indent(usize),
    Dedent(usize),
    InsertLine(usize, &'static str),
    Truncate(usize),
}

const VALUES: &[&str] = &[
    "1",
    "-3.5",
    "true",
    "~",
    "[]",
    "{}",
    "[a, b]",
    "{ x: 1 }",
    "\"\"",
    "*undefined",
    "&anchor [*anchor]",
    "'unterminated",
    "\"${x}\"",
    "AzureKeyVault",
    "CosmosDB",
    "AccountManagedIdentity",
    "{ secret: 'bad name' }",
    "{ from_target: true }",
    "user_assigned",
    "access_policies",
    "60h",
    "reserch",
    "Search Index Data Reeder",
    "0000",
    "/subscriptions/x",
    "\t",
];
const LINES: &[&str] = &[
    "    existing: true",
    "    resource_group: rg-other",
    "        project: nowhere",
    "    key_vault: { name: extra-kv }",
    "      - name: stray",
    "  - name: second-foundry",
    "version: 2",
    "unknown_top_level: 1",
    "        roles: [Cosmos DB Built-in Data Reader]",
    "        auth: { type: ApiKey, key: plain-text }",
    "%YAML 1.2",
    "---",
    "? complex key",
];

fn apply(text: &str, mutations: &[Mutation]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for m in mutations {
        if lines.is_empty() {
            break;
        }
        let at = |i: usize| i % lines.len();
        match m {
            Mutation::DeleteLine(i) => {
                let i = at(*i);
                lines.remove(i);
            }
            Mutation::DuplicateLine(i) => {
                let i = at(*i);
                let l = lines[i].clone();
                lines.insert(i, l);
            }
            Mutation::ReplaceValue(i, v) => {
                let i = at(*i);
                if let Some(pos) = lines[i].find(": ") {
                    let key = lines[i][..pos + 2].to_string();
                    lines[i] = format!("{key}{v}");
                } else {
                    lines[i] = format!("{}{v}", lines[i]);
                }
            }
            Mutation::Indent(i) => {
                let i = at(*i);
                lines[i] = format!("  {}", lines[i]);
            }
            Mutation::Dedent(i) => {
                let i = at(*i);
                lines[i] = lines[i].trim_start().to_string();
            }
            Mutation::InsertLine(i, l) => {
                let i = at(*i);
                lines.insert(i, l.to_string());
            }
            Mutation::Truncate(i) => {
                let i = at(*i);
                lines.truncate(i);
            }
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::DeleteLine),
        any::<usize>().prop_map(Mutation::DuplicateLine),
        (any::<usize>(), proptest::sample::select(VALUES))
            .prop_map(|(i, v)| Mutation::ReplaceValue(i, v)),
        any::<usize>().prop_map(Mutation::Indent),
        any::<usize>().prop_map(Mutation::Dedent),
        (any::<usize>(), proptest::sample::select(LINES))
            .prop_map(|(i, l)| Mutation::InsertLine(i, l)),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

/// Generates in memory: a clean result or a clean validation error, in reasonable time.
fn check_clean(text: &str) -> Result<(), String> {
    let start = Instant::now();
    let result = foundrygen::generate(&Source::new("mutant.yaml", text), &Target::ALL);
    if start.elapsed() > Duration::from_secs(5) {
        return Err(format!("took {:?}", start.elapsed()));
    }
    match result {
        Ok(_) => Ok(()),
        Err(Error::InvalidSpec { diagnostics, .. }) if diagnostics.iter().any(|d| d.is_error()) => {
            Ok(())
        }
        Err(e) => Err(format!("not a clean validation error: {e}")),
    }
}

proptest! {
    // PROPTEST_CASES raises the count for a longer local hunt.
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256)
    ))]

    #[test]
    fn mutated_specs_give_clean_errors(
        spec in proptest::sample::select(valid_specs()),
        mutations in proptest::collection::vec(mutation(), 1..4),
    ) {
        let text = apply(&spec, &mutations);
        let result = check_clean(&text);
        prop_assert!(result.is_ok(), "{}\n--- spec:\n{}", result.unwrap_err(), text);
    }
}

/// Runs the binary's `render` with a timeout; returns the exit code.
fn render_cli(spec: &std::path::Path, out: &std::path::Path) -> i32 {
    let mut child = Command::new(env!("CARGO_BIN_EXE_foundrygen"))
        .arg("render")
        .arg(spec)
        .arg("-o")
        .arg(out)
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code().expect("not killed by a signal");
        }
        if start.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            panic!("foundrygen render hung on {}", spec.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn hostile_files_exit_1_without_an_output_folder() {
    let dir = tempfile::tempdir().unwrap();
    let mut bomb = String::from("version: 1\nname: b\nlocation: eastus2\nfoundries: []\n");
    bomb.push_str("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let p = i - 1;
        bomb.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let deep = format!(
        "version: 1\nname: d\nx: {}{}\n",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    let mut huge = String::from("version: 1\nname: h\nlocation: eastus2\nfoundries: []\n");
    while huge.len() <= 8 * 1024 * 1024 {
        huge.push_str("# padding padding padding padding padding padding padding padding\n");
    }
    let mutant = apply(&valid_specs()[0], &[Mutation::ReplaceValue(3, "[a, b]")]);
    for (name, text) in [
        ("bomb.yaml", bomb),
        ("deep.yaml", deep),
        ("huge.yaml", huge),
        ("mutant.yaml", mutant),
        ("binary.yaml", "\u{0}\u{1}\u{2}".repeat(100)),
    ] {
        let spec = dir.path().join(name);
        fs::write(&spec, text).unwrap();
        let out = dir.path().join(format!("out-{name}"));
        assert_eq!(render_cli(&spec, &out), 1, "{name}");
        assert!(!out.exists(), "{name}: an output folder was created");
    }
}
