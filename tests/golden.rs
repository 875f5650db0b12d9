//! Golden tests: every reference spec in `specs/` and every case in `tests/cases/<name>/` is rendered
//! and compared with the checked-in output (`tests/golden/<spec>/…`, `tests/cases/<name>/expected/…`),
//! or, for an invalid case, with its `stderr.txt`. Every rendered file is parsed back with a real
//! parser. `FOUNDRYGEN_BLESS=1 cargo test` rewrites the expectations.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use foundrygen::{Source, Target};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bless() -> bool {
    std::env::var_os("FOUNDRYGEN_BLESS").is_some()
}

/// Every file below `dir`, relative and `/`-separated.
fn read_tree(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else {
            continue;
        };
        for entry in entries {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, fs::read_to_string(&p).unwrap());
            }
        }
    }
    out
}

fn write_tree(dir: &Path, files: &BTreeMap<String, String>) {
    let _ = fs::remove_dir_all(dir);
    for (rel, text) in files {
        let p = dir.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }
}

/// Parses a rendered file with a real parser for its format; panics with the parser's message.
pub fn parse_back(path: &str, text: &str) {
    if path.ends_with(".json") {
        serde_json::from_str::<serde_json::Value>(text)
            .unwrap_or_else(|e| panic!("{path} is not JSON: {e}"));
    } else if path.ends_with(".bicep") || path.ends_with(".bicepparam") {
        let mut parser = tree_sitter::Parser::new();
        parser
            .set_language(&tree_sitter_bicep::LANGUAGE.into())
            .unwrap();
        // tree-sitter-bicep does not know bicepparam's `param x =`; the same rewrite iac-check uses
        // (to `var   x =`, columns kept) makes it parse.
        let text = if path.ends_with(".bicepparam") {
            text.lines()
                .map(|l| match l.strip_prefix("param ") {
                    Some(rest) => format!("var   {rest}"),
                    None if l.starts_with("using ") => format!("// {l}"),
                    None => l.to_string(),
                })
                .collect::<Vec<_>>()
                .join("\n")
        } else {
            text.to_string()
        };
        let tree = parser.parse(&text, None).unwrap();
        assert!(
            !tree.root_node().has_error(),
            "{path} does not parse as Bicep: {}",
            tree.root_node().to_sexp()
        );
    } else if path.ends_with(".tf") || path.ends_with(".tfvars.example") {
        hcl::parse(text).unwrap_or_else(|e| panic!("{path} is not HCL: {e}"));
    } else {
        panic!("unexpected output file {path}");
    }
}

fn compare(label: &str, expected_dir: &Path, actual: &BTreeMap<String, String>) -> Vec<String> {
    if bless() {
        write_tree(expected_dir, actual);
        return Vec::new();
    }
    let expected = read_tree(expected_dir);
    let mut problems = Vec::new();
    for (path, text) in actual {
        match expected.get(path) {
            None => problems.push(format!("{label}: {path} is new (bless to accept)")),
            Some(e) if e != text => {
                let line = e
                    .lines()
                    .zip(text.lines())
                    .position(|(a, b)| a != b)
                    .map(|i| i + 1)
                    .unwrap_or_else(|| e.lines().count().min(text.lines().count()) + 1);
                problems.push(format!(
                    "{label}: {path} differs from line {line}:\n  expected: {:?}\n  actual:   {:?}",
                    e.lines().nth(line - 1).unwrap_or(""),
                    text.lines().nth(line - 1).unwrap_or("")
                ));
            }
            Some(_) => {}
        }
    }
    for path in expected.keys() {
        if !actual.contains_key(path) {
            problems.push(format!("{label}: {path} is no longer generated"));
        }
    }
    problems
}

fn render(name: &str, text: &str) -> Result<BTreeMap<String, String>, String> {
    let source = Source::new(name, text);
    match foundrygen::generate(&source, &Target::ALL) {
        Ok(g) => {
            for (path, text) in &g.output.files {
                parse_back(path, text);
            }
            Ok(g.output.files)
        }
        Err(e) => Err(format!("{e}\n")),
    }
}

#[test]
fn reference_specs_match_their_golden_output() {
    let mut problems = Vec::new();
    let mut count = 0;
    for entry in fs::read_dir(root().join("specs")).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().and_then(|e| e.to_str()) != Some("yaml") {
            continue;
        }
        count += 1;
        let stem = p.file_stem().unwrap().to_string_lossy().into_owned();
        let name = format!("specs/{stem}.yaml");
        let files = render(&name, &fs::read_to_string(&p).unwrap())
            .unwrap_or_else(|e| panic!("reference spec {name} is invalid:\n{e}"));
        problems.extend(compare(
            &name,
            &root().join("tests/golden").join(&stem),
            &files,
        ));
    }
    assert!(count >= 5, "expected at least five reference specs");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn cases_match_their_expected_output_or_errors() {
    let mut problems = Vec::new();
    let dir = root().join("tests/cases");
    let Ok(entries) = fs::read_dir(&dir) else {
        return;
    };
    for entry in entries {
        let case = entry.unwrap().path();
        if !case.is_dir() {
            continue;
        }
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let spec_name = format!("tests/cases/{name}/spec.yaml");
        let text = fs::read_to_string(case.join("spec.yaml"))
            .unwrap_or_else(|e| panic!("{spec_name}: {e}"));
        let stderr_path = case.join("stderr.txt");
        match render(&spec_name, &text) {
            Ok(files) => {
                if stderr_path.exists() {
                    problems.push(format!("{name}: expected errors, but the spec rendered"));
                } else {
                    problems.extend(compare(&name, &case.join("expected"), &files));
                }
            }
            Err(stderr) => {
                if bless() {
                    fs::write(&stderr_path, &stderr).unwrap();
                    let _ = fs::remove_dir_all(case.join("expected"));
                } else {
                    match fs::read_to_string(&stderr_path) {
                        Ok(expected) if expected == stderr => {}
                        Ok(expected) => problems.push(format!(
                            "{name}: stderr differs\n--- expected\n{expected}--- actual\n{stderr}"
                        )),
                        Err(_) => problems.push(format!("{name}: unexpected errors:\n{stderr}")),
                    }
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn rendering_twice_gives_identical_bytes() {
    let text = fs::read_to_string(root().join("specs/key-vault-first.yaml")).unwrap();
    let a = render("specs/key-vault-first.yaml", &text).unwrap();
    let b = render("specs/key-vault-first.yaml", &text).unwrap();
    assert_eq!(a, b);
    for (path, text) in &a {
        assert!(
            text.ends_with('\n') && !text.ends_with("\n\n"),
            "{path}: one trailing newline"
        );
        // The ARM parameters file has no room for a marker (iac-check allows only `$schema`,
        // `contentVersion` and `parameters`); it counts as ours when its template does.
        assert!(
            path.ends_with("azuredeploy.parameters.json")
                || foundrygen::output::is_ours(path, text),
            "{path} lacks the generated-by marker"
        );
    }
}

#[test]
fn readme_lists_every_diagnostic_code_and_the_api_version_table() {
    let readme = fs::read_to_string(root().join("README.md")).unwrap();
    for code in foundrygen::diagnostics::Code::ALL {
        let row = readme
            .lines()
            .find(|l| l.starts_with(&format!("| {code} |")))
            .unwrap_or_else(|| panic!("README lacks a row for {code}"));
        // | code | severity | meaning | example fix |
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        assert!(
            cells.len() >= 6 && !cells[4].is_empty(),
            "README's row for {code} has no example fix: {row}"
        );
    }
    // And no row for a code that does not exist, in number order, each code once.
    let rows: Vec<String> = readme
        .lines()
        .filter_map(|l| l.strip_prefix("| FG"))
        .map(|l| format!("FG{}", l.split(' ').next().unwrap_or("")))
        .collect();
    let codes: Vec<String> = foundrygen::diagnostics::Code::ALL
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(rows, codes, "the README's code table and `Code::ALL`");
    for (ns, version) in foundrygen::catalog::DEFAULT_API_VERSIONS {
        assert!(
            readme.contains(&format!("| {ns} | {version} |")),
            "README's API version table lacks `{ns}` {version}"
        );
    }
    assert!(readme.contains("cargo test --locked"));
    let ci = fs::read_to_string(root().join(".ci/run")).unwrap();
    assert!(
        ci.lines().any(|l| l.trim() == "cargo test --locked"),
        ".ci/run must run the README's test command"
    );
}
