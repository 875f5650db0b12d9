//! Writes are all-or-nothing: a render that fails halfway — while staging or while swapping files in
//! — leaves the output folder exactly as it was (same files, same bytes, nothing extra), and a file
//! foundrygen did not write is never overwritten without `--force`.
//!
//! Failures the disk would have to produce (a rename that fails mid-swap) are injected through the
//! library's `output::FileSystem` seam, which exists in every build, so these tests pass under
//! `cargo test --release` too; the rest drive the real binary.

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

use foundrygen::output::{FileSystem, RealFileSystem};
use foundrygen::{Error, Source, Target};

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

/// The files `spec` (a path under the repository) renders to, in every format.
fn generated(spec: &str) -> foundrygen::OutputSet {
    let text = fs::read_to_string(root().join(spec)).unwrap();
    foundrygen::generate(&Source::new(spec, text), &Target::ALL)
        .unwrap_or_else(|e| panic!("{spec}: {e}"))
        .output
}

/// The real file system, except that the first rename onto a file named `fail_onto` fails; counts
/// the renames onto any of `destinations` (the swaps) that succeeded before that.
struct FailFirstSwapOnto {
    fail_onto: &'static str,
    destinations: BTreeSet<PathBuf>,
    failed: Cell<bool>,
    swapped_before: Cell<usize>,
}

impl FileSystem for FailFirstSwapOnto {
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        if !self.failed.get() && to.file_name().is_some_and(|n| n == self.fail_onto) {
            self.failed.set(true);
            return Err(io::Error::other("injected failure"));
        }
        fs::rename(from, to)?;
        if !self.failed.get() && self.destinations.contains(to) {
            self.swapped_before.set(self.swapped_before.get() + 1);
        }
        Ok(())
    }
}

#[test]
fn a_failure_while_swapping_files_in_restores_the_folder() {
    let (_dir, out) = prepared();
    let before = snapshot(&out);
    // key-vault-first changes every format's files; make the swap fail at the Terraform main.tf,
    // after the ARM and Bicep files were already swapped in.
    let files = generated("specs/key-vault-first.yaml");
    let disk = FailFirstSwapOnto {
        fail_onto: "main.tf",
        destinations: files.files.keys().map(|rel| out.join(rel)).collect(),
        failed: Cell::new(false),
        swapped_before: Cell::new(0),
    };
    let err = files.write_to_with(&disk, &out, false).unwrap_err();
    assert!(disk.failed.get(), "the swap onto main.tf never happened");
    assert!(
        disk.swapped_before.get() > 0,
        "no file was swapped in before the failure, so nothing was rolled back"
    );
    assert!(
        matches!(&err, Error::Io { action: "write", path, .. } if path.ends_with("terraform/main.tf")),
        "{err:?}"
    );
    assert_eq!(err.exit_code(), 3);
    assert!(err.to_string().contains("injected failure"), "{err}");
    assert_eq!(snapshot(&out), before, "the folder changed");
}

/// The real file system, except that call number `fail_at` (counting from 0) of any kind fails.
struct FailAtCall {
    fail_at: usize,
    calls: Cell<usize>,
}

impl FailAtCall {
    fn next(&self) -> io::Result<()> {
        let n = self.calls.get();
        self.calls.set(n + 1);
        if n == self.fail_at {
            Err(io::Error::other(format!("injected failure at call {n}")))
        } else {
            Ok(())
        }
    }
}

impl FileSystem for FailAtCall {
    fn create_dir_all(&self, path: &Path) -> io::Result<()> {
        self.next()?;
        fs::create_dir_all(path)
    }
    fn write_unsynced(&self, path: &Path, bytes: &[u8]) -> io::Result<()> {
        self.next()?;
        RealFileSystem.write_unsynced(path, bytes)
    }
    fn hard_link(&self, original: &Path, link: &Path) -> io::Result<()> {
        self.next()?;
        fs::hard_link(original, link)
    }
    fn flush(&self, files: &[&Path]) -> io::Result<()> {
        self.next()?;
        RealFileSystem.flush(files)
    }
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        self.next()?;
        fs::rename(from, to)
    }
    fn sync_dirs(&self, dirs: &[&Path]) -> io::Result<()> {
        self.next()?;
        RealFileSystem.sync_dirs(dirs)
    }
    fn remove_file(&self, path: &Path) -> io::Result<()> {
        self.next()?;
        fs::remove_file(path)
    }
    fn remove_dir(&self, path: &Path) -> io::Result<()> {
        self.next()?;
        fs::remove_dir(path)
    }
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let dest = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &dest);
        } else {
            fs::copy(entry.path(), dest).unwrap();
        }
    }
}

/// The snapshot without foundrygen's own leftovers (`.<name>.foundrygen-…`), which later runs ignore.
fn without_leftovers(snap: BTreeMap<String, Vec<u8>>) -> BTreeMap<String, Vec<u8>> {
    snap.into_iter()
        .filter(|(rel, _)| {
            let name = rel.trim_end_matches('/').rsplit('/').next().unwrap_or("");
            !(name.starts_with('.') && name.contains(".foundrygen-"))
        })
        .collect()
}

#[test]
fn a_failure_at_any_step_of_a_write_leaves_the_folder_as_it_was() {
    // Over a folder the quickstart rendered into (with a file of the user's), key-vault-first
    // rewrites, adds and removes files; fail each disk call in turn.
    let files = generated("specs/key-vault-first.yaml");
    let (_dir, original) = prepared();
    let before = snapshot(&original);
    let clean = original.with_file_name("clean");
    copy_dir(&original, &clean);
    files.write_to(&clean, false).unwrap();
    let written = snapshot(&clean);
    let mut fail_at = 0;
    loop {
        let out = original.with_file_name(format!("fail-at-{fail_at}"));
        copy_dir(&original, &out);
        let disk = FailAtCall {
            fail_at,
            calls: Cell::new(0),
        };
        match files.write_to_with(&disk, &out, false) {
            Err(e) => {
                assert!(matches!(e, Error::Io { .. }), "call {fail_at}: {e:?}");
                assert_eq!(
                    snapshot(&out),
                    before,
                    "call {fail_at} failed: the folder changed"
                );
            }
            // Only a removal after everything succeeded (of a backup, say) may fail without
            // failing the write, which leaves it behind, and a hard link, for which the old bytes
            // are copied instead; the files are all the new ones.
            Ok(_) => assert_eq!(
                without_leftovers(snapshot(&out)),
                written,
                "call {fail_at} failed and the write went through"
            ),
        }
        if disk.calls.get() <= fail_at {
            break;
        }
        fail_at += 1;
    }
    assert!(
        fail_at > 10,
        "only {fail_at} disk calls: nothing was tested"
    );
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
