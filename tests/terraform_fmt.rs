//! `terraform fmt` as the judge of the Terraform layout: the Terraform of every spec the tests render
//! (reference specs, valid cases) and of generated specs (random shapes, with hostile strings and
//! keys of mixed widths in every free-text field) is written to a temp folder, and the real
//! `terraform fmt -check -recursive` must find nothing to change. Skipped, with a line saying why,
//! where no `terraform` binary is on PATH (`terraform fmt` needs no providers and no network).

#[path = "support/specs.rs"]
mod specs;

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use foundrygen::{Error, Source, Target};

/// The `terraform` binary on PATH, if there is one that runs.
fn terraform() -> Option<PathBuf> {
    let name = if cfg!(windows) {
        "terraform.exe"
    } else {
        "terraform"
    };
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    });
    let Some(bin) = found else {
        eprintln!(
            "skipped: no `terraform` on PATH, so the Terraform layout is not checked against terraform fmt"
        );
        return None;
    };
    match Command::new(&bin).arg("version").output() {
        Ok(out) if out.status.success() => Some(bin),
        Ok(out) => {
            eprintln!(
                "skipped: `{} version` failed ({}): {}",
                bin.display(),
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            );
            None
        }
        Err(e) => {
            eprintln!("skipped: `{}` does not run: {e}", bin.display());
            None
        }
    }
}

/// The Terraform files of a spec, or `None` when the spec is invalid.
fn render(name: &str, text: &str) -> Option<Vec<(String, String)>> {
    match foundrygen::generate(&Source::new(name, text), &[Target::Terraform]) {
        Ok(g) => Some(
            g.output
                .files
                .into_iter()
                .map(|(path, text)| (path.trim_start_matches("terraform/").to_string(), text))
                .collect(),
        ),
        Err(Error::InvalidSpec { .. }) => None,
        Err(e) => panic!("{name}: {e}"),
    }
}

/// Writes each spec's Terraform into `root/<index>/`. `terraform fmt` skips the
/// `terraform.tfvars.example` name, so a copy named `example.tfvars` goes beside it: `.tfvars`
/// files take the same formatting path as stdin (`terraform fmt -`), and one call then checks
/// every file.
fn write_all(root: &Path, rendered: &[(String, Vec<(String, String)>)]) {
    for (i, (_, files)) in rendered.iter().enumerate() {
        let dir = root.join(i.to_string());
        std::fs::create_dir_all(&dir).unwrap();
        for (file, text) in files {
            std::fs::write(dir.join(file), text).unwrap();
            if file == "terraform.tfvars.example" {
                std::fs::write(dir.join("example.tfvars"), text).unwrap();
            }
        }
    }
}

/// Runs one `terraform fmt -check -recursive` over `root`; panics with its diff and the spec
/// behind each folder when anything would change.
fn check_formatted(bin: &Path, root: &Path, rendered: &[(String, Vec<(String, String)>)]) {
    let out = Command::new(bin)
        .args(["fmt", "-check", "-diff", "-recursive", "-no-color"])
        .arg(root)
        .output()
        .expect("terraform fmt runs");
    if !out.status.success() {
        let stdout = String::from_utf8_lossy(&out.stdout);
        let mut folders = String::new();
        for (i, (name, _)) in rendered.iter().enumerate() {
            let sep = std::path::MAIN_SEPARATOR;
            if stdout.contains(&format!("{sep}{i}{sep}")) {
                let _ = writeln!(folders, "{i}/ is {name}");
            }
        }
        panic!(
            "terraform fmt would change generated files ({}):\n{}\n{}\n{folders}",
            out.status,
            stdout,
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn reference_specs_and_cases_are_terraform_fmt_clean() {
    let Some(bin) = terraform() else { return };
    let rendered: Vec<_> = specs::valid_specs()
        .into_iter()
        .map(|(name, text)| {
            let files = render(&name, &text).unwrap_or_else(|| panic!("{name} is invalid"));
            (name, files)
        })
        .collect();
    let root = tempfile::tempdir().unwrap();
    write_all(root.path(), &rendered);
    check_formatted(&bin, root.path(), &rendered);

    // The file as it ships, through stdin, the way the example's own instructions would have it
    // checked; once is enough to show the `.tfvars` copies above stand for it.
    let (name, files) = &rendered[0];
    let example = &files
        .iter()
        .find(|(f, _)| f == "terraform.tfvars.example")
        .expect("a tfvars example")
        .1;
    let mut child = Command::new(&bin)
        .args(["fmt", "-no-color", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("terraform fmt runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(example.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        example.as_str(),
        "{name}: terraform fmt - changes terraform.tfvars.example"
    );
}

/// Strings that stress the layout: brackets, quotes, comment markers and `=` inside strings,
/// template sequences and their escapes, and characters whose width in columns is not their
/// length in bytes or chars (combining marks, CJK, emoji sequences).
const STRINGS: &[&str] = &[
    "plain",
    "a = b",
    "x = {",
    "}",
    "[1, 2] (3)",
    "it's \"quoted\"",
    "back\\slash\\",
    "${var.x}",
    "$${already}",
    "%{ if x }y%{ endif }",
    "%%{escaped}",
    "# hash",
    "// slashes",
    "/* block */",
    "a == b => c",
    "e\u{301}e\u{301}",
    "日本語のキー",
    "🦀 crab",
    "👍🏽",
    "🇺🇸",
    "tab\there",
    "line\nbreak",
    "\u{202E}rtl",
    "a long value that goes on and on to push the widest key of a chain far to the right",
];

/// A small deterministic generator (xorshift), so the specs are the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn string(&mut self) -> &'static str {
        STRINGS[self.below(STRINGS.len())]
    }
}

/// A YAML double-quoted scalar holding exactly `s`.
fn yaml(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || ('\u{2028}'..='\u{202E}').contains(&c) => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A random valid spec: one to three foundries, created or existing (some elsewhere), with
/// projects, a Key Vault (RBAC or access policies, with or without a wait), and connections of
/// several categories whose metadata keys and values, like the tags and project texts, come from
/// [`STRINGS`].
fn random_spec(rng: &mut Rng) -> String {
    let mut s = String::from("version: 1\nname: generated\nlocation: eastus2\n");
    if rng.chance(60) {
        s.push_str("tags:\n");
        for i in 0..=rng.below(3) {
            let _ = writeln!(
                s,
                "  {}: {}",
                ["env", "cost-center", "owner"][i],
                yaml(rng.string())
            );
        }
    }
    s.push_str("foundries:\n");
    for f in 0..=rng.below(3) {
        let existing = rng.chance(30);
        let _ = writeln!(s, "  - name: f{f}-foundry");
        if existing {
            s.push_str("    existing: true\n");
            if rng.chance(50) {
                let _ = writeln!(s, "    resource_group: rg-f{f}");
            }
        } else if rng.chance(30) {
            let _ = writeln!(
                s,
                "    identity: user_assigned\n    user_assigned_identity: {{ name: id-f{f}, resource_group: rg-ids }}"
            );
        }
        let projects = rng.below(4);
        if projects > 0 {
            s.push_str("    projects:\n");
            for p in 0..projects {
                let _ = writeln!(s, "      - name: f{f}p{p}");
                if existing && p % 2 == 1 {
                    s.push_str("        existing: true\n");
                    continue;
                }
                if rng.chance(60) {
                    let _ = writeln!(s, "        display_name: {}", yaml(rng.string()));
                }
                if rng.chance(40) {
                    let _ = writeln!(s, "        description: {}", yaml(rng.string()));
                }
            }
        }
        if rng.chance(50) {
            let _ = writeln!(s, "    key_vault:\n      name: kv-f{f}");
            if rng.chance(40) {
                s.push_str("      permission_model: access_policies\n");
            }
            if rng.chance(30) {
                s.push_str("      wait_for_role: 30s\n");
            }
        }
        let connections = rng.below(5);
        if connections > 0 {
            s.push_str("    connections:\n");
        }
        for c in 0..connections {
            let _ = writeln!(s, "      - name: f{f}c{c}");
            if projects > 0 && rng.chance(50) {
                let _ = writeln!(s, "        project: f{f}p{}", rng.below(projects));
            }
            let body = match rng.below(5) {
                0 => "category: ApiKey\n        target: { url: 'https://api.example.com/' }\n        auth: { type: ApiKey, key: { secret: apiKey } }".to_string(),
                1 => format!("category: CognitiveSearch\n        target: {{ resource: {{ type: Microsoft.Search/searchServices, name: search{c} }} }}\n        auth: {{ type: AAD }}\n        roles: [Search Index Data Reader]"),
                2 => format!("category: AzureOpenAI\n        target: {{ resource: {{ type: Microsoft.CognitiveServices/accounts, name: aoai{c}, resource_group: rg-ai }} }}\n        auth: {{ type: ApiKey, key: {{ from_target: true }} }}"),
                3 => "category: CustomKeys\n        target: { url: 'https://custom.example.com/' }\n        auth: { type: CustomKeys, keys: { x-key: { secret: customKey } } }".to_string(),
                _ => "category: GenericHttp\n        target: { url: 'https://example.com/' }\n        auth: { type: None }".to_string(),
            };
            let _ = writeln!(s, "        {body}");
            if rng.chance(70) {
                s.push_str("        metadata:\n");
                let mut keys = std::collections::BTreeSet::new();
                for _ in 0..=rng.below(4) {
                    let key = rng.string();
                    if keys.insert(key) {
                        let _ = writeln!(s, "          {}: {}", yaml(key), yaml(rng.string()));
                    }
                }
            }
        }
    }
    s
}

#[test]
fn generated_specs_with_hostile_strings_are_terraform_fmt_clean() {
    let Some(bin) = terraform() else { return };
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut rendered = Vec::new();
    let mut tried = 0;
    while rendered.len() < 60 {
        tried += 1;
        assert!(tried < 600, "too few generated specs are valid");
        let text = random_spec(&mut rng);
        if let Some(files) = render("generated.yaml", &text) {
            rendered.push((format!("generated spec:\n{text}"), files));
        }
    }
    let root = tempfile::tempdir().unwrap();
    write_all(root.path(), &rendered);
    check_formatted(&bin, root.path(), &rendered);
}

/// `render --adopt`'s `terraform/imports.tf`, beside the rest: the spec `import` writes from
/// `tests/import/`, adopted from the same files, and a spec that creates that account.
#[test]
fn adopted_imports_are_terraform_fmt_clean() {
    let Some(bin) = terraform() else { return };
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/import");
    let mut inputs = Vec::new();
    let mut items = Vec::new();
    for f in [
        "account.json",
        "connections.json",
        "project-connections.json",
        "projects.json",
        "deployments.json",
    ] {
        let text = std::fs::read_to_string(dir.join(f)).unwrap();
        items.extend(foundrygen::import::items(f, &text).unwrap());
        inputs.push((f.to_string(), text));
    }
    let imported = foundrygen::import::import(&inputs).unwrap().text;
    let created = "version: 1\nname: adopt\nlocation: eastus2\nfoundries:\n  - name: contoso-foundry\n    projects:\n      - name: research\n".to_string();
    let mut rendered = Vec::new();
    for (name, text) in [("imported.yaml", imported), ("created.yaml", created)] {
        let mut g = foundrygen::generate(&Source::new(name, text), &[Target::Terraform]).unwrap();
        foundrygen::adopt(&mut g, &items).unwrap();
        assert!(
            g.output.files.contains_key("terraform/imports.tf"),
            "{name}"
        );
        let files = g
            .output
            .files
            .into_iter()
            .map(|(path, text)| (path.trim_start_matches("terraform/").to_string(), text))
            .collect();
        rendered.push((name.to_string(), files));
    }
    let root = tempfile::tempdir().unwrap();
    write_all(root.path(), &rendered);
    check_formatted(&bin, root.path(), &rendered);
}
