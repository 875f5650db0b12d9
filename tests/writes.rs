//! Writes are all-or-nothing: a render that fails halfway — while staging, flushing, swapping files
//! in or syncing the folders — leaves the output folder exactly as it was (same files, same bytes,
//! nothing extra), every file is its old or its new version at every step, one flush and one
//! folder sync serve a whole batch, the leftovers of an interrupted write are removed by the next,
//! and a file foundrygen did not write is never overwritten without `--force`.
//!
//! Failures the disk would have to produce (a rename that fails mid-swap, a failed flush) are
//! injected through the library's `output::FileSystem` seam, which exists in every build, so these
//! tests pass under `cargo test --release` too; the rest drive the real binary.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, MutexGuard};

use foundrygen::output::{FileSystem, RealFileSystem};
use foundrygen::{Error, Source, Target};

/// What `Cell` and `RefCell` do for the records of the file systems below, which must be `Sync`:
/// a batch swaps its sets in, and removes its backups, on several threads.
#[derive(Default)]
struct Shared<T>(Mutex<T>);

impl<T> Shared<T> {
    fn new(value: T) -> Self {
        Shared(Mutex::new(value))
    }
    fn borrow(&self) -> MutexGuard<'_, T> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
    fn borrow_mut(&self) -> MutexGuard<'_, T> {
        self.borrow()
    }
}

impl<T: Copy> Shared<T> {
    fn get(&self) -> T {
        *self.borrow()
    }
    fn set(&self, value: T) {
        *self.borrow() = value;
    }
}

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
    failed: Shared<bool>,
    swapped_before: Shared<usize>,
}

impl FileSystem for FailFirstSwapOnto {
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        if !self.failed.get() && to.file_name().is_some_and(|n| n == self.fail_onto) {
            self.failed.set(true);
            return Err(io::Error::other("injected failure"));
        }
        fs::rename(from, to)?;
        if !self.failed.get() && self.destinations.contains(to) {
            *self.swapped_before.borrow_mut() += 1;
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
        failed: Shared::new(false),
        swapped_before: Shared::new(0),
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
    calls: Shared<usize>,
}

impl FailAtCall {
    fn next(&self) -> io::Result<()> {
        let n = {
            let mut calls = self.calls.borrow_mut();
            *calls += 1;
            *calls - 1
        };
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
    fn flush(&self, files: &[&Path], dirs: &[&Path]) -> io::Result<()> {
        self.next()?;
        RealFileSystem.flush(files, dirs)
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

/// `after`, leftovers aside, holds what a render of key-vault-first into a fresh folder writes.
fn assert_as_a_clean_write(after: BTreeMap<String, Vec<u8>>) {
    let (_d, clean) = prepared();
    let (code, err) = render(&root().join("specs/key-vault-first.yaml"), &clean, &[], &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        without_leftovers(after),
        without_leftovers(snapshot(&clean))
    );
}

/// The snapshot without foundrygen's own leftovers (`.<name>.foundrygen-…`, and what a leftover
/// folder holds), which later runs ignore.
fn without_leftovers(snap: BTreeMap<String, Vec<u8>>) -> BTreeMap<String, Vec<u8>> {
    snap.into_iter()
        .filter(|(rel, _)| {
            !rel.trim_end_matches('/')
                .split('/')
                .any(|name| name.starts_with('.') && name.contains(".foundrygen-"))
        })
        .collect()
}

/// Writes `files` into `out` folders that `prepare` sets up, failing each disk call of the write
/// in turn. After a failure the folder around `out` is as `prepare` left it, but for leftovers of
/// ours (an earlier write's, half removed before the failure); a write that went through despite
/// the failure (only a removal after the swap may fail: a backup, a leftover) holds the same
/// files as one where nothing failed. Returns how many disk calls the write makes.
fn fail_each_call_in_turn(files: &foundrygen::OutputSet, prepare: impl Fn(&Path)) -> usize {
    let base = tempfile::tempdir().unwrap();
    let fresh = |name: &str| {
        let root = base.path().join(name);
        fs::create_dir(&root).unwrap();
        prepare(&root.join("out"));
        root
    };
    let before = snapshot(&fresh("before"));
    let clean = fresh("clean");
    files.write_to(&clean.join("out"), false).unwrap();
    let written = without_leftovers(snapshot(&clean));
    let mut fail_at = 0;
    loop {
        let root = fresh(&format!("fail-at-{fail_at}"));
        let disk = FailAtCall {
            fail_at,
            calls: Shared::new(0),
        };
        match files.write_to_with(&disk, &root.join("out"), false) {
            Err(e) => {
                assert!(matches!(e, Error::Io { .. }), "call {fail_at}: {e:?}");
                let after = snapshot(&root);
                if after != before {
                    assert_eq!(
                        without_leftovers(after),
                        without_leftovers(before.clone()),
                        "call {fail_at} failed: the folder changed"
                    );
                }
            }
            Ok(_) => assert_eq!(
                without_leftovers(snapshot(&root)),
                written,
                "call {fail_at} failed and the write went through"
            ),
        }
        if disk.calls.get() <= fail_at {
            return fail_at;
        }
        fail_at += 1;
    }
}

#[test]
fn a_failure_at_any_step_of_a_write_leaves_the_folder_as_it_was() {
    // Over a folder the quickstart rendered into (with a file of the user's), key-vault-first
    // rewrites, adds and removes files; fail each disk call in turn.
    let files = generated("specs/key-vault-first.yaml");
    let (_dir, original) = prepared();
    let calls = fail_each_call_in_turn(&files, |out| copy_dir(&original, out));
    assert!(calls > 10, "only {calls} disk calls: nothing was tested");
}

#[test]
fn a_failure_at_any_step_of_a_write_into_a_new_folder_leaves_nothing() {
    // Every format folder is staged whole, Bicep's with its modules folder.
    let files = generated("specs/cross-resource-group.yaml");
    assert!(
        files
            .files
            .keys()
            .any(|rel| rel.starts_with("bicep/modules/"))
    );
    let calls = fail_each_call_in_turn(&files, |_| {});
    assert!(calls > 10, "only {calls} disk calls: nothing was tested");
}

/// What an interrupted write into a folder without an `arm` folder leaves: the ARM folder staged
/// whole under its staged name, half written.
fn with_a_staged_arm_folder(out: &Path, original: &Path) {
    copy_dir(original, out);
    fs::remove_dir_all(out.join("arm")).unwrap();
    let staged = out.join(".arm.foundrygen-tmp");
    fs::create_dir_all(staged.join("nested")).unwrap();
    fs::write(staged.join("azuredeploy.json"), "{ \"half").unwrap();
    fs::write(staged.join("nested/x.json"), "{}\n").unwrap();
}

#[test]
fn a_failure_at_any_step_of_a_write_with_a_new_format_folder_leaves_the_folder_as_it_was() {
    // The ARM folder is staged whole (reusing the name an interrupted write left), the others
    // file by file, in one write.
    let files = generated("specs/key-vault-first.yaml");
    let (_dir, original) = prepared();
    let calls = fail_each_call_in_turn(&files, |out| with_a_staged_arm_folder(out, &original));
    assert!(calls > 10, "only {calls} disk calls: nothing was tested");
}

#[test]
fn a_leftover_staged_folder_is_reused_or_removed_and_never_taken_for_output() {
    let (_dir, out) = prepared();
    let original = out.with_file_name("original");
    copy_dir(&out, &original);
    fs::remove_dir_all(&out).unwrap();
    with_a_staged_arm_folder(&out, &original);
    // Bicep's folder is there, and so is a staged one an earlier write left beside it; a folder
    // that is not a format's is not ours.
    fs::create_dir_all(out.join(".bicep.foundrygen-tmp")).unwrap();
    fs::write(out.join(".bicep.foundrygen-tmp/main.bicep"), "// half").unwrap();
    fs::create_dir_all(out.join(".x.foundrygen-tmp")).unwrap();
    fs::write(out.join(".x.foundrygen-tmp/mine"), "mine\n").unwrap();
    let (code, err) = render(&root().join("specs/key-vault-first.yaml"), &out, &[], &[]);
    assert_eq!(code, 0, "{err}");
    let after = snapshot(&out);
    let left: Vec<&String> = after
        .keys()
        .filter(|rel| rel.contains(".foundrygen-"))
        .collect();
    assert_eq!(left, [".x.foundrygen-tmp/", ".x.foundrygen-tmp/mine"]);
    assert_as_a_clean_write(after);
}

#[test]
fn a_file_where_a_format_folder_goes_is_left_alone() {
    let (_dir, out) = prepared();
    fs::remove_dir_all(out.join("arm")).unwrap();
    fs::write(out.join("arm"), "mine\n").unwrap();
    let before = snapshot(&out);
    let (code, err) = render(&root().join("specs/key-vault-first.yaml"), &out, &[], &[]);
    assert_eq!(code, 3, "{err}");
    assert_eq!(snapshot(&out), before);
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

/// The real file system, recording the calls that wait for the disk (and the renames), and failing
/// those it is told to: `flush`, the first `fail_sync_dirs` calls of `sync_dirs`, every
/// `hard_link` (as on a file system without them), or the first rename onto `fail_rename_onto`.
#[derive(Default)]
struct Recorder {
    fail_flush: bool,
    fail_sync_dirs: Shared<usize>,
    no_hard_links: bool,
    fail_rename_onto: Option<PathBuf>,
    flushed: Shared<Vec<Vec<PathBuf>>>,
    flushed_dirs: Shared<Vec<Vec<PathBuf>>>,
    synced: Shared<Vec<Vec<PathBuf>>>,
    renames: Shared<usize>,
    hard_links: Shared<usize>,
}

impl FileSystem for Recorder {
    fn hard_link(&self, original: &Path, link: &Path) -> io::Result<()> {
        if self.no_hard_links {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "injected: no hard links here",
            ));
        }
        *self.hard_links.borrow_mut() += 1;
        fs::hard_link(original, link)
    }
    fn flush(&self, files: &[&Path], dirs: &[&Path]) -> io::Result<()> {
        self.flushed
            .borrow_mut()
            .push(files.iter().map(|f| f.to_path_buf()).collect());
        self.flushed_dirs
            .borrow_mut()
            .push(dirs.iter().map(|d| d.to_path_buf()).collect());
        if self.fail_flush {
            return Err(io::Error::other("injected flush failure"));
        }
        RealFileSystem.flush(files, dirs)
    }
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        if self.fail_rename_onto.as_deref() == Some(to) {
            return Err(io::Error::other("injected rename failure"));
        }
        fs::rename(from, to)?;
        *self.renames.borrow_mut() += 1;
        Ok(())
    }
    fn sync_dirs(&self, dirs: &[&Path]) -> io::Result<()> {
        self.synced
            .borrow_mut()
            .push(dirs.iter().map(|d| d.to_path_buf()).collect());
        if self.fail_sync_dirs.get() > 0 {
            *self.fail_sync_dirs.borrow_mut() -= 1;
            return Err(io::Error::other("injected folder sync failure"));
        }
        RealFileSystem.sync_dirs(dirs)
    }
}

fn is_named(path: &Path, suffix: &str) -> bool {
    path.file_name()
        .is_some_and(|n| n.to_string_lossy().ends_with(suffix))
}

#[test]
fn a_write_flushes_its_staged_files_once_then_syncs_the_folders_once() {
    let files = generated("specs/key-vault-first.yaml");
    let (_dir, out) = prepared();
    // A format folder the output does not have: it is staged whole, the others file by file.
    fs::remove_dir_all(out.join("arm")).unwrap();
    let before = snapshot(&out);
    let disk = Recorder::default();
    let report = files.write_to_with(&disk, &out, false).unwrap();
    let flushed = disk.flushed.borrow();
    assert_eq!(flushed.len(), 1, "{flushed:?}");
    assert_eq!(flushed[0].len(), report.written.len());
    let staged_arm = out.join(".arm.foundrygen-tmp");
    assert!(
        flushed[0]
            .iter()
            .all(|f| is_named(f, ".foundrygen-tmp") || f.starts_with(&staged_arm)),
        "{flushed:?}"
    );
    assert!(flushed[0].iter().any(|f| f.starts_with(&staged_arm)));
    // With the files, the entries of the folder staged whole.
    assert_eq!(*disk.flushed_dirs.borrow(), [vec![staged_arm.clone()]]);
    assert!(disk.hard_links.get() > 0, "no file was replaced");
    // One sync, naming once each folder a file or folder was renamed into or out of: the ARM
    // files arrived with their folder, in `out`.
    let synced = disk.synced.borrow();
    assert_eq!(synced.len(), 1, "{synced:?}");
    let mut expected: BTreeSet<PathBuf> = report
        .written
        .iter()
        .chain(&report.removed)
        .filter(|rel| !rel.starts_with("arm/"))
        .map(|rel| out.join(rel).parent().unwrap().to_path_buf())
        .collect();
    expected.insert(out.clone());
    assert!(!before.contains_key("arm/"));
    assert_eq!(synced[0].iter().cloned().collect::<BTreeSet<_>>(), expected);
    assert_eq!(synced[0].len(), expected.len(), "a folder is synced twice");
    drop((flushed, synced));
    // Nothing changed: nothing to flush or sync.
    let again = Recorder::default();
    let report = files.write_to_with(&again, &out, false).unwrap();
    assert!(report.written.is_empty() && report.removed.is_empty());
    assert!(again.flushed.borrow().is_empty());
    assert!(again.synced.borrow().is_empty());
}

#[test]
fn a_new_output_folder_takes_one_rename_per_format_folder() {
    let files = generated("specs/cross-resource-group.yaml");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("new/out");
    let disk = Recorder::default();
    let report = files.write_to_with(&disk, &out, false).unwrap();
    assert_eq!(report.written.len(), files.files.len());
    assert_eq!(disk.renames.get(), 3);
    let flushed_dirs: BTreeSet<PathBuf> = disk.flushed_dirs.borrow()[0].iter().cloned().collect();
    let staged = |f: &str| out.join(format!(".{f}.foundrygen-tmp"));
    assert_eq!(
        flushed_dirs,
        BTreeSet::from([
            staged("arm"),
            staged("bicep"),
            staged("bicep").join("modules"),
            staged("terraform")
        ])
    );
    // The renames land in `out`, which staging created in `new`.
    let synced: BTreeSet<PathBuf> = disk.synced.borrow()[0].iter().cloned().collect();
    assert_eq!(
        synced,
        BTreeSet::from([out.clone(), dir.path().join("new")])
    );
    let other = tempfile::tempdir().unwrap();
    let alone = other.path().join("out");
    files.write_to(&alone, false).unwrap();
    assert_eq!(snapshot(&out), snapshot(&alone));
}

#[test]
fn a_failing_flush_leaves_the_folder_as_it_was_and_swaps_nothing_in() {
    let files = generated("specs/key-vault-first.yaml");
    let (_dir, out) = prepared();
    let before = snapshot(&out);
    let disk = Recorder {
        fail_flush: true,
        ..Recorder::default()
    };
    let err = files.write_to_with(&disk, &out, false).unwrap_err();
    assert!(
        matches!(&err, Error::Io { action: "sync the new files in", path, .. } if Path::new(path) == out),
        "{err:?}"
    );
    assert!(err.to_string().contains("injected flush failure"), "{err}");
    assert_eq!(disk.renames.get(), 0, "a file was swapped in");
    assert!(disk.synced.borrow().is_empty());
    // The staged files and the backups are gone too.
    assert_eq!(snapshot(&out), before, "the folder changed");
}

/// The folders a failed write created are removed again, from the output folder down (a folder
/// above it may be shared with the other specs of a batch).
#[test]
fn a_failing_flush_into_a_new_folder_leaves_no_folder() {
    let files = generated("specs/key-vault-first.yaml");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("new/out");
    let disk = Recorder {
        fail_flush: true,
        ..Recorder::default()
    };
    files.write_to_with(&disk, &out, false).unwrap_err();
    assert!(!out.exists());
    assert_eq!(snapshot(&dir.path().join("new")), BTreeMap::new());
}

#[test]
fn a_failing_folder_sync_after_the_swap_puts_every_file_back() {
    let files = generated("specs/key-vault-first.yaml");
    let (_dir, out) = prepared();
    let before = snapshot(&out);
    let disk = Recorder {
        fail_sync_dirs: Shared::new(1),
        ..Recorder::default()
    };
    let err = files.write_to_with(&disk, &out, false).unwrap_err();
    assert!(
        matches!(&err, Error::Io { action: "sync the folder entries in", path, .. } if Path::new(path) == out),
        "{err:?}"
    );
    assert_eq!(err.exit_code(), 3);
    assert!(
        disk.renames.get() > files.files.len(),
        "the files were not swapped in (and back) before the failure: {} renames",
        disk.renames.get()
    );
    // It tried once more, to make the rollback durable.
    assert_eq!(disk.synced.borrow().len(), 2);
    assert_eq!(snapshot(&out), before, "the folder changed");
}

#[test]
fn without_hard_links_the_old_bytes_are_the_backup_and_are_flushed_before_the_swap() {
    let files = generated("specs/key-vault-first.yaml");
    let (_dir, out) = prepared();
    let before = snapshot(&out);
    // Fail the swap at the Terraform main.tf, after the ARM and Bicep files were swapped in: the
    // rollback restores them from the copies.
    let disk = Recorder {
        no_hard_links: true,
        fail_rename_onto: Some(out.join("terraform/main.tf")),
        ..Recorder::default()
    };
    let err = files.write_to_with(&disk, &out, false).unwrap_err();
    assert!(
        matches!(&err, Error::Io { action: "write", path, .. } if path.ends_with("terraform/main.tf")),
        "{err:?}"
    );
    assert!(disk.renames.get() > 0, "nothing was swapped in");
    let flushed = disk.flushed.borrow();
    assert_eq!(flushed.len(), 1);
    let backups = flushed[0]
        .iter()
        .filter(|f| is_named(f, ".foundrygen-bak"))
        .count();
    assert!(backups > 0, "no copied backup was flushed: {flushed:?}");
    drop(flushed);
    assert_eq!(snapshot(&out), before, "the folder changed");
    // And without a failure the write goes through, with no backup left behind.
    let disk = Recorder {
        no_hard_links: true,
        ..Recorder::default()
    };
    files.write_to_with(&disk, &out, false).unwrap();
    let clean = out.with_file_name("clean");
    let (_d, prepared_again) = prepared();
    copy_dir(&prepared_again, &clean);
    files.write_to(&clean, false).unwrap();
    assert_eq!(snapshot(&out), snapshot(&clean));
}

/// The real file system, checking before and after every call that each destination of the write
/// holds its old bytes or its new ones: never missing, never partial.
struct EveryFileOldOrNew {
    files: Vec<Watched>,
    /// Files that are there all together or not at all (those of a format folder staged whole).
    together: Vec<PathBuf>,
    /// Fail every folder sync, as if the disk refused it after the swap.
    fail_sync_dirs: bool,
    checks: Shared<usize>,
}

/// A file a write changes: its bytes before (`None`: absent) and after (`None`: removed).
#[derive(Clone)]
struct Watched {
    path: PathBuf,
    old: Option<Vec<u8>>,
    new: Option<Vec<u8>>,
}

impl EveryFileOldOrNew {
    fn check(&self) {
        *self.checks.borrow_mut() += 1;
        for Watched { path, old, new } in &self.files {
            let now = fs::read(path).ok();
            assert!(
                now == *old || now == *new,
                "`{}` is neither old nor new at check {}: {:?}",
                path.display(),
                self.checks.get(),
                now.map(|b| b.len())
            );
        }
        let there = self.together.iter().filter(|p| p.exists()).count();
        assert!(
            there == 0 || there == self.together.len(),
            "{there} of the {} files of a new folder are there at check {}",
            self.together.len(),
            self.checks.get()
        );
    }
    fn around<T>(&self, call: impl FnOnce() -> io::Result<T>) -> io::Result<T> {
        self.check();
        let r = call();
        self.check();
        r
    }
}

impl FileSystem for EveryFileOldOrNew {
    fn create_dir_all(&self, path: &Path) -> io::Result<()> {
        self.around(|| fs::create_dir_all(path))
    }
    fn write_unsynced(&self, path: &Path, bytes: &[u8]) -> io::Result<()> {
        self.around(|| fs::write(path, bytes))
    }
    fn hard_link(&self, original: &Path, link: &Path) -> io::Result<()> {
        self.around(|| fs::hard_link(original, link))
    }
    fn flush(&self, files: &[&Path], dirs: &[&Path]) -> io::Result<()> {
        self.around(|| RealFileSystem.flush(files, dirs))
    }
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        self.around(|| fs::rename(from, to))
    }
    fn sync_dirs(&self, dirs: &[&Path]) -> io::Result<()> {
        self.around(|| match self.fail_sync_dirs {
            true => Err(io::Error::other("injected folder sync failure")),
            false => RealFileSystem.sync_dirs(dirs),
        })
    }
    fn remove_file(&self, path: &Path) -> io::Result<()> {
        self.around(|| fs::remove_file(path))
    }
    fn remove_dir(&self, path: &Path) -> io::Result<()> {
        self.around(|| fs::remove_dir(path))
    }
}

#[test]
fn every_file_is_old_or_new_at_every_step_of_a_write() {
    let files = generated("specs/key-vault-first.yaml");
    // Once through, and once with the folder sync after the swap failing, so it rolls back; each
    // over a folder with every format, and over one without ARM's, which is staged whole.
    for (fail_sync_dirs, new_arm) in [(false, false), (true, false), (false, true), (true, true)] {
        let (_dir, out) = prepared();
        if new_arm {
            fs::remove_dir_all(out.join("arm")).unwrap();
        }
        let before = snapshot(&out);
        let mut watched: Vec<Watched> = files
            .files
            .iter()
            .map(|(rel, text)| Watched {
                path: out.join(rel),
                old: before.get(rel).cloned(),
                new: Some(text.as_bytes().to_vec()),
            })
            .collect();
        // The quickstart's files key-vault-first no longer has are removed.
        watched.extend(
            before
                .iter()
                .filter(|(rel, _)| !rel.ends_with('/') && !files.files.contains_key(*rel))
                .filter(|(rel, _)| *rel != "terraform/backend.tf")
                .map(|(rel, old)| Watched {
                    path: out.join(rel),
                    old: Some(old.clone()),
                    new: None,
                }),
        );
        assert!(
            watched
                .iter()
                .any(|w| w.old.is_some() && w.new.is_some() && w.old != w.new),
            "no file is replaced: nothing is tested"
        );
        let together: Vec<PathBuf> = match new_arm {
            true => files
                .files
                .keys()
                .filter(|rel| rel.starts_with("arm/"))
                .map(|rel| out.join(rel))
                .collect(),
            false => Vec::new(),
        };
        assert!(new_arm == (together.len() > 1), "{together:?}");
        let disk = EveryFileOldOrNew {
            files: watched,
            together,
            fail_sync_dirs,
            checks: Shared::new(0),
        };
        let result = files.write_to_with(&disk, &out, false);
        assert_eq!(result.is_err(), fail_sync_dirs, "{result:?}");
        assert!(disk.checks.get() > 20, "{} checks", disk.checks.get());
        if fail_sync_dirs {
            assert_eq!(snapshot(&out), before);
        }
    }
}

/// A folder of ours holding what an interrupted write can leave: a staged file and a backup
/// (`.NAME.foundrygen-tmp`, `-bak`), each a hard link to the live file it was staged for, as a
/// crash between linking and renaming leaves them, and a half-written staged file.
fn with_leftovers() -> (tempfile::TempDir, PathBuf) {
    let (dir, out) = prepared();
    fs::hard_link(
        out.join("bicep/main.bicep"),
        out.join("bicep/.main.bicep.foundrygen-tmp"),
    )
    .unwrap();
    fs::hard_link(
        out.join("terraform/main.tf"),
        out.join("terraform/.main.tf.foundrygen-bak"),
    )
    .unwrap();
    fs::write(out.join("arm/.azuredeploy.json.foundrygen-tmp"), "{ \"half").unwrap();
    (dir, out)
}

#[test]
fn a_write_removes_the_leftovers_of_an_interrupted_one() {
    let (_dir, out) = with_leftovers();
    // Files that are not ours by name stay: one beside the outputs, one outside the format folders.
    fs::write(out.join("terraform/.notes.foundrygen-mine"), "mine\n").unwrap();
    fs::write(out.join(".x.foundrygen-tmp"), "not in a format folder\n").unwrap();
    let before = snapshot(&out);
    let (code, err) = render(&root().join("specs/key-vault-first.yaml"), &out, &[], &[]);
    assert_eq!(code, 0, "{err}");
    let after = snapshot(&out);
    let left: Vec<&String> = after
        .keys()
        .filter(|rel| rel.contains(".foundrygen-"))
        .collect();
    assert_eq!(
        left,
        [".x.foundrygen-tmp", "terraform/.notes.foundrygen-mine"],
        "leftovers of ours remain, or a file of the user's was removed"
    );
    assert_eq!(
        after["terraform/.notes.foundrygen-mine"],
        before["terraform/.notes.foundrygen-mine"]
    );
    // The files are those of a write into the folder without leftovers.
    assert_as_a_clean_write(after);
}

#[test]
fn a_leftover_linked_to_a_live_file_is_never_written_through() {
    // Were the staged file for main.bicep written into the leftover of that name, it would
    // rewrite the live main.bicep in place, before the swap, and the rollback could not undo it.
    let files = generated("specs/key-vault-first.yaml");
    let (_dir, out) = with_leftovers();
    let before = snapshot(&out);
    let disk = Recorder {
        fail_rename_onto: Some(out.join("terraform/main.tf")),
        ..Recorder::default()
    };
    files.write_to_with(&disk, &out, false).unwrap_err();
    assert!(disk.renames.get() > 0, "nothing was swapped in");
    let after = snapshot(&out);
    assert_eq!(after["bicep/main.bicep"], before["bicep/main.bicep"]);
    // A failed write does not clean up: the leftovers it did not need to reuse are still there.
    assert_eq!(without_leftovers(after), without_leftovers(before));
}

/// Three specs staged into `root/a`, `root/b` (over a previous quickstart render) and `root/c`,
/// as `render DIR -o root` stages them, through `disk`.
fn stage_three(
    disk: &dyn FileSystem,
    root: &Path,
) -> Vec<Result<foundrygen::output::Staged, Error>> {
    ["quickstart", "key-vault-first", "cross-resource-group"]
        .iter()
        .zip(["a", "b", "c"])
        .map(|(spec, name)| {
            generated(&format!("specs/{spec}.yaml")).stage_with(disk, &root.join(name), false)
        })
        .collect()
}

/// A batch output folder where `b` holds a previous render of the quickstart.
fn batch_root() -> (tempfile::TempDir, PathBuf) {
    let (dir, out) = prepared();
    let root = dir.path().join("batch");
    copy_dir(&out, &root.join("b"));
    (dir, root)
}

#[test]
fn one_flush_and_one_folder_sync_cover_every_spec_of_a_batch() {
    let (_dir, root) = batch_root();
    let disk = Recorder::default();
    let staged: Vec<_> = stage_three(&disk, &root)
        .into_iter()
        .map(Result::unwrap)
        .collect();
    // Staging changes nothing a reader sees.
    assert!(!root.join("a/bicep/main.bicep").exists());
    let results = foundrygen::output::write_staged(&disk, staged);
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(disk.flushed.borrow().len(), 1);
    assert_eq!(disk.synced.borrow().len(), 1);
    let flushed = &disk.flushed.borrow()[0];
    for name in ["a", "b", "c"] {
        assert!(
            flushed.iter().any(|f| f.starts_with(root.join(name))),
            "nothing of `{name}` was flushed"
        );
    }
    // Each spec's folder holds what writing it alone would have written.
    let (_d, alone) = batch_root();
    for (spec, name) in [("quickstart", "a"), ("key-vault-first", "b")] {
        generated(&format!("specs/{spec}.yaml"))
            .write_to(&alone.join(name), false)
            .unwrap();
        assert_eq!(snapshot(&root.join(name)), snapshot(&alone.join(name)));
    }
}

#[test]
fn a_failing_batch_flush_swaps_no_spec_in_and_every_spec_reports_it() {
    let (_dir, root) = batch_root();
    let before = snapshot(&root);
    let disk = Recorder {
        fail_flush: true,
        ..Recorder::default()
    };
    let staged: Vec<_> = stage_three(&disk, &root)
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let results = foundrygen::output::write_staged(&disk, staged);
    assert_eq!(results.len(), 3);
    for (r, name) in results.iter().zip(["a", "b", "c"]) {
        assert!(
            matches!(r, Err(Error::Io { action: "sync the new files in", path, .. }) if Path::new(path) == root.join(name)),
            "{r:?}"
        );
    }
    assert_eq!(disk.renames.get(), 0);
    assert_eq!(snapshot(&root), before, "the batch folder changed");
}

#[test]
fn a_spec_whose_swap_fails_keeps_its_folder_and_the_others_land() {
    let (_dir, root) = batch_root();
    let before_b = snapshot(&root.join("b"));
    let disk = Recorder {
        fail_rename_onto: Some(root.join("b/terraform/main.tf")),
        ..Recorder::default()
    };
    let staged: Vec<_> = stage_three(&disk, &root)
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let results = foundrygen::output::write_staged(&disk, staged);
    assert!(results[0].is_ok() && results[2].is_ok(), "{results:?}");
    assert!(
        matches!(&results[1], Err(Error::Io { action: "write", path, .. }) if path.ends_with("b/terraform/main.tf")),
        "{:?}",
        results[1]
    );
    assert_eq!(snapshot(&root.join("b")), before_b, "`b` changed");
    for name in ["a", "c"] {
        let files = snapshot(&root.join(name));
        assert!(files.contains_key("bicep/main.bicep"), "{name}: {files:?}");
        assert!(!files.keys().any(|k| k.contains(".foundrygen-")), "{name}");
    }
}

/// A batch output folder of `n` specs (`s00`, `s01`, …), each a quickstart render with a file of
/// the user's, as many as it takes for the sets to be swapped in on several threads.
fn big_batch(n: usize) -> (tempfile::TempDir, PathBuf, Vec<PathBuf>) {
    let (dir, out) = prepared();
    let root = dir.path().join("batch");
    let specs: Vec<PathBuf> = (0..n).map(|i| root.join(format!("s{i:02}"))).collect();
    for s in &specs {
        copy_dir(&out, s);
    }
    (dir, root, specs)
}

/// key-vault-first staged over every spec folder: it rewrites, adds and removes files in each.
fn stage_over(disk: &dyn FileSystem, specs: &[PathBuf]) -> Vec<foundrygen::output::Staged> {
    let files = generated("specs/key-vault-first.yaml");
    specs
        .iter()
        .map(|s| files.stage_with(disk, s, false).unwrap())
        .collect()
}

#[test]
fn in_a_big_batch_a_spec_whose_swap_fails_keeps_its_folder_and_the_others_land() {
    let (_dir, _root, specs) = big_batch(40);
    let before = snapshot(&specs[7]);
    let disk = Recorder {
        fail_rename_onto: Some(specs[7].join("terraform/main.tf")),
        ..Recorder::default()
    };
    let results = foundrygen::output::write_staged(&disk, stage_over(&disk, &specs));
    assert_eq!(results.len(), specs.len());
    let (_d, clean) = prepared();
    generated("specs/key-vault-first.yaml")
        .write_to(&clean, false)
        .unwrap();
    let clean = snapshot(&clean);
    for (i, (r, s)) in results.iter().zip(&specs).enumerate() {
        if i == 7 {
            assert!(
                matches!(r, Err(Error::Io { action: "write", path, .. }) if path.ends_with("s07/terraform/main.tf")),
                "{r:?}"
            );
            assert_eq!(snapshot(s), before, "`s07` changed");
        } else {
            let report = r.as_ref().unwrap();
            assert!(!report.written.is_empty(), "{report:?}");
            // The backups and the stale files are gone (removed several at a time).
            assert_eq!(snapshot(s), clean, "{}", s.display());
        }
    }
}

#[test]
fn in_a_big_batch_a_failing_folder_sync_puts_every_spec_back() {
    let (_dir, root, specs) = big_batch(40);
    let before = snapshot(&root);
    let disk = Recorder {
        fail_sync_dirs: Shared::new(1),
        ..Recorder::default()
    };
    let results = foundrygen::output::write_staged(&disk, stage_over(&disk, &specs));
    assert!(
        results.iter().all(|r| matches!(
            r,
            Err(Error::Io {
                action: "sync the folder entries in",
                ..
            })
        )),
        "{results:?}"
    );
    assert!(
        disk.renames.get() > 2 * specs.len(),
        "nothing was swapped in"
    );
    assert_eq!(snapshot(&root), before, "the batch folder changed");
}

/// The real file system, except that removing any file under `fail_under` fails.
struct FailRemovalsUnder {
    fail_under: PathBuf,
    failed: Shared<usize>,
}

impl FileSystem for FailRemovalsUnder {
    fn remove_file(&self, path: &Path) -> io::Result<()> {
        if path.starts_with(&self.fail_under) {
            *self.failed.borrow_mut() += 1;
            return Err(io::Error::other("injected removal failure"));
        }
        fs::remove_file(path)
    }
}

#[test]
fn a_backup_that_cannot_be_removed_stays_a_leftover_that_the_next_write_removes() {
    let (_dir, root, specs) = big_batch(20);
    let disk = FailRemovalsUnder {
        fail_under: specs[3].clone(),
        failed: Shared::new(0),
    };
    let results = foundrygen::output::write_staged(&disk, stage_over(&disk, &specs));
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert!(disk.failed.get() > 0, "no removal was tried in `s03`");
    let leftovers = |dir: &Path| {
        snapshot(dir)
            .into_keys()
            .filter(|rel| rel.contains(".foundrygen-"))
            .count()
    };
    assert_eq!(leftovers(&specs[3]), disk.failed.get());
    assert_eq!(
        leftovers(&root),
        disk.failed.get(),
        "another spec kept a leftover"
    );
    // The files themselves are the new ones, and the next write clears the leftovers.
    let report = generated("specs/key-vault-first.yaml")
        .write_to(&specs[3], false)
        .unwrap();
    assert!(report.written.is_empty(), "{report:?}");
    assert_eq!(leftovers(&root), 0);
}

#[test]
fn a_batch_render_with_a_foreign_file_in_one_spec_folder_writes_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let specs = dir.path().join("specs");
    fs::create_dir_all(&specs).unwrap();
    for (spec, name) in [
        ("quickstart", "a"),
        ("key-vault-first", "b"),
        ("greenfield", "c"),
    ] {
        fs::copy(
            root().join(format!("specs/{spec}.yaml")),
            specs.join(format!("{name}.yaml")),
        )
        .unwrap();
    }
    let out = dir.path().join("out");
    fs::create_dir_all(out.join("b/terraform")).unwrap();
    fs::write(out.join("b/terraform/main.tf"), "# hand written\n").unwrap();
    let (code, err) = render(&specs, &out, &[], &[]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("was not written by foundrygen"), "{err}");
    assert!(
        err.contains("rendered 3 specs: 2 ok, 0 invalid, 1 failed;"),
        "{err}"
    );
    assert_eq!(
        snapshot(&out.join("b")),
        BTreeMap::from([
            ("terraform/".to_string(), Vec::new()),
            (
                "terraform/main.tf".to_string(),
                b"# hand written\n".to_vec()
            ),
        ])
    );
    for name in ["a", "c"] {
        let files = snapshot(&out.join(name));
        assert!(files.contains_key("bicep/main.bicep"), "{name}: {files:?}");
        assert!(!files.keys().any(|k| k.contains(".foundrygen-")), "{name}");
    }
}
