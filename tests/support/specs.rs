//! Test support: every spec the tests render — the reference specs in `specs/` and every valid case
//! (`tests/cases/<name>/spec.yaml` with an `expected/` folder) — as (name as given, text).
#![allow(dead_code)]

use std::path::Path;

/// The reference specs and the valid cases, in a stable order.
pub fn valid_specs() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    let mut specs: Vec<_> = std::fs::read_dir(root.join("specs"))
        .expect("specs/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    specs.sort();
    for p in specs {
        let name = format!("specs/{}", p.file_name().unwrap().to_string_lossy());
        out.push((name, std::fs::read_to_string(&p).expect("spec")));
    }
    let mut cases: Vec<_> = std::fs::read_dir(root.join("tests/cases"))
        .expect("tests/cases/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.join("expected").is_dir() && p.join("spec.yaml").is_file())
        .collect();
    cases.sort();
    for c in cases {
        let name = format!(
            "tests/cases/{}/spec.yaml",
            c.file_name().unwrap().to_string_lossy()
        );
        out.push((
            name,
            std::fs::read_to_string(c.join("spec.yaml")).expect("spec"),
        ));
    }
    assert!(out.len() >= 12, "the specs and cases are missing");
    out
}
