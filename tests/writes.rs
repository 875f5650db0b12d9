//! Writes are all-or-nothing: a render that fails halfway — while staging or while swapping files in
//! — leaves the output folder exactly as it was (same files, same bytes, nothing extra), and a file
//! foundrygen did not write is never overwritten without `--force`.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::Command;

fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            let rel = p
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if p.is_dir() {
                out.insert(format!("{rel}/"), Vec::new());
                stack.push(p);
            } else {
                out.insert(rel, fs::read(&p).unwrap());
            }
        }
    }
    out
}

fn render(spec: &Path, out: &Path, env: &[(&str, &str)], extra: &[&str]) -> (i32, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_foundrygen"));
    cmd.arg("render").arg(spec).arg("-o").arg(out).args(extra);
    cmd.env("NO_COLOR", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let o = cmd.output().unwrap();
    (
        o.status.code().unwrap(),
        String::from_utf8(o.stderr).unwrap(),
    )
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A folder holding a previous render of the quickstart plus a file of the user's own.
fn prepared() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let (code, err) = render(&root().join("specs/quickstart.yaml"), &out, &[], &[]);
    assert_eq!(code, 0, "{err}");
    fs::write(
        out.join("terraform/backend.tf"),
        "# the user's own backend\n",
    )
    .unwrap();
    (dir, out)
}

#[test]
fn a_failure_while_swapping_files_in_restores_the_folder() {
    let (_dir, out) = prepared();
    let before = snapshot(&out);
    // key-vault-first changes every format's files; make the swap fail at the Terraform main.tf,
    // after the Bicep and ARM files were already swapped in.
    let (code, err) = render(
        &root().join("specs/key-vault-first.yaml"),
        &out,
        &[("FOUNDRYGEN_TEST_FAIL_SWAP", "main.tf")],
        &[],
    );
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("injected failure"), "{err}");
    assert_eq!(snapshot(&out), before, "the folder changed");
}

#[test]
fn a_failure_while_staging_restores_the_folder() {
    let (_dir, out) = prepared();
    // A plain file where the Bicep modules folder must go: staging fails after other files.
    fs::write(out.join("bicep/modules"), "in the way\n").unwrap();
    let before = snapshot(&out);
    let (code, err) = render(
        &root().join("specs/cross-resource-group.yaml"),
        &out,
        &[],
        &[],
    );
    assert_eq!(code, 3, "{err}");
    assert_eq!(snapshot(&out), before, "the folder changed");
}

#[test]
fn a_foreign_file_is_never_overwritten_without_force() {
    let (_dir, out) = prepared();
    fs::write(out.join("arm/azuredeploy.json"), "{ \"mine\": true }\n").unwrap();
    let before = snapshot(&out);
    let (code, err) = render(&root().join("specs/key-vault-first.yaml"), &out, &[], &[]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("was not written by foundrygen"), "{err}");
    assert_eq!(snapshot(&out), before);
    let (code, err) = render(
        &root().join("specs/key-vault-first.yaml"),
        &out,
        &[],
        &["--force"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("overwrote"), "{err}");
    // The user's own file beside the outputs survives every run.
    assert_eq!(
        fs::read_to_string(out.join("terraform/backend.tf")).unwrap(),
        "# the user's own backend\n"
    );
}

#[test]
fn an_invalid_spec_creates_no_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("never");
    let (code, _) = render(
        &root().join("tests/cases/invalid-names/spec.yaml"),
        &out,
        &[],
        &[],
    );
    assert_eq!(code, 1);
    assert!(!out.exists());
}
