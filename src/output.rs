//! Output: the rendered files in memory, and the one place that writes them. Writing is
//! all-or-nothing: every file is staged beside its destination first, then swapped in; on any
//! failure what was swapped is put back, so the folder ends as it was. Every change `write_to` makes
//! to the disk goes through a [`FileSystem`], so tests can make any step fail, in any build.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use crate::error::Error;

/// Rendered files: path relative to the output folder (`bicep/main.bicep`) → text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutputSet {
    /// The files.
    pub files: BTreeMap<String, String>,
    /// The size of every Bicep and ARM template among them that grows with the spec (the
    /// top-level file, and each foundry's module or nested template), which Azure limits one by
    /// one.
    pub templates: Vec<TemplateSize>,
}

/// What one Bicep or ARM template declares, counted as Azure's template limits count it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateSize {
    /// The template: a file (`bicep/main.bicep`), or a nested template inside one
    /// (`arm/azuredeploy.json` nested deployment `foundry-x`).
    pub template: String,
    /// Resources, module calls and nested deployments it deploys.
    pub resources: usize,
    /// Parameters.
    pub parameters: usize,
    /// Outputs.
    pub outputs: usize,
}

/// What a write did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteReport {
    /// Files created or changed.
    pub written: Vec<String>,
    /// Files already identical.
    pub unchanged: Vec<String>,
    /// Files of ours no longer generated, removed.
    pub removed: Vec<String>,
    /// Files foundrygen did not write that `--force` overwrote.
    pub forced: Vec<String>,
}

/// One difference between what would be written and what is on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drift {
    /// The file on disk differs.
    Changed {
        /// Relative path.
        path: String,
        /// On disk.
        old: String,
        /// Would be written.
        new: String,
    },
    /// The file is not on disk.
    Missing {
        /// Relative path.
        path: String,
        /// Would be written.
        new: String,
    },
    /// A file of ours on disk that the spec no longer produces.
    Stale {
        /// Relative path.
        path: String,
        /// On disk.
        old: String,
    },
}

impl Drift {
    /// The relative path.
    pub fn path(&self) -> &str {
        match self {
            Drift::Changed { path, .. }
            | Drift::Missing { path, .. }
            | Drift::Stale { path, .. } => path,
        }
    }

    /// A unified diff of the drift, with `a/` (disk) and `b/` (rendered) path prefixes.
    pub fn unified_diff(&self, dir: &Path) -> String {
        let shown = |prefix: &str, p: &str| {
            format!(
                "{prefix}{}",
                dir.join(p).to_string_lossy().replace('\\', "/")
            )
        };
        // `/dev/null` stands for the absent side, without the a/ b/ prefix, as patch expects.
        let (old, new, a, b) = match self {
            Drift::Changed { path, old, new } => (
                old.as_str(),
                new.as_str(),
                shown("a/", path),
                shown("b/", path),
            ),
            Drift::Missing { path, new } => {
                ("", new.as_str(), "/dev/null".to_string(), shown("b/", path))
            }
            Drift::Stale { path, old } => {
                (old.as_str(), "", shown("a/", path), "/dev/null".to_string())
            }
        };
        similar::TextDiff::from_lines(old, new)
            .unified_diff()
            .context_radius(3)
            .header(&a, &b)
            .to_string()
    }
}

/// The calls that change the disk when [`OutputSet::write_to_with`] writes (reading goes to
/// `std::fs` directly). Each defaults to `std::fs`, so an implementation that makes one step fail
/// overrides only that step; [`RealFileSystem`] overrides none.
pub trait FileSystem {
    /// Creates a folder and any missing parents.
    fn create_dir_all(&self, path: &Path) -> io::Result<()> {
        fs::create_dir_all(path)
    }

    /// Creates (or truncates) a file, writes `bytes` and syncs them to the disk.
    fn write_synced(&self, path: &Path, bytes: &[u8]) -> io::Result<()> {
        let mut f = fs::File::create(path)?;
        f.write_all(bytes)?;
        f.sync_all()
    }

    /// Renames a file, replacing `to` if it exists.
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        fs::rename(from, to)
    }

    /// Removes a file.
    fn remove_file(&self, path: &Path) -> io::Result<()> {
        fs::remove_file(path)
    }
}

/// The operating system's file system, as `std::fs` reaches it: what [`OutputSet::write_to`] uses.
#[derive(Debug, Clone, Copy, Default)]
pub struct RealFileSystem;

impl FileSystem for RealFileSystem {}

/// Whether a file's text carries foundrygen's generated-by marker.
pub fn is_ours(path: &str, text: &str) -> bool {
    if path.ends_with(".json") {
        // JSON has no comments: the template's `metadata._generator` block is the marker.
        return text
            .lines()
            .take(12)
            .any(|l| l.contains("\"generated by foundrygen from "));
    }
    let first = text.lines().next().unwrap_or("");
    first.starts_with("// generated by foundrygen from ")
        || first.starts_with("# generated by foundrygen from ")
}

impl OutputSet {
    /// Adds a file.
    pub fn insert(&mut self, path: impl Into<String>, text: impl Into<String>) {
        self.files.insert(path.into(), text.into());
    }

    /// The top-level folders (one per format) the set writes into.
    fn format_dirs(&self) -> Vec<String> {
        let mut dirs: Vec<String> = self
            .files
            .keys()
            .filter_map(|p| p.split('/').next().map(str::to_string))
            .collect();
        dirs.dedup();
        dirs
    }

    /// Writes every file under `dir` where none exists yet, all or none (`templates export`).
    pub fn write_new(&self, dir: &Path) -> Result<(), Error> {
        for rel in self.files.keys() {
            if dir.join(rel).exists() {
                return Err(Error::Exists {
                    path: display(&dir.join(rel)),
                });
            }
        }
        let mut written: Vec<PathBuf> = Vec::new();
        for (rel, text) in &self.files {
            let dest = dir.join(rel);
            // create_new: a file that appeared since the check above is refused, not replaced.
            let res = dest
                .parent()
                .map_or(Ok(()), fs::create_dir_all)
                .and_then(|()| {
                    fs::OpenOptions::new()
                        .write(true)
                        .create_new(true)
                        .open(&dest)
                })
                .and_then(|mut f| f.write_all(text.as_bytes()));
            if let Err(e) = res {
                for w in &written {
                    let _ = fs::remove_file(w);
                }
                return Err(if e.kind() == std::io::ErrorKind::AlreadyExists {
                    Error::Exists {
                        path: display(&dest),
                    }
                } else {
                    io(&dest, "write", e)
                });
            }
            written.push(dest);
        }
        Ok(())
    }

    /// Compares the set with what is under `dir`, writing nothing: files that differ, files that
    /// are missing, and files of ours the set no longer has.
    pub fn check(&self, dir: &Path) -> Result<Vec<Drift>, Error> {
        let mut drift = Vec::new();
        for (rel, new) in &self.files {
            let path = dir.join(rel);
            match fs::read(&path) {
                Ok(bytes) => {
                    let old = String::from_utf8_lossy(&bytes).into_owned();
                    if old != *new {
                        drift.push(Drift::Changed {
                            path: rel.clone(),
                            old,
                            new: new.clone(),
                        });
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => drift.push(Drift::Missing {
                    path: rel.clone(),
                    new: new.clone(),
                }),
                Err(e) => return Err(io(&path, "read", e)),
            }
        }
        for fdir in self.format_dirs() {
            for rel in list_files(&dir.join(&fdir))? {
                let full = format!("{fdir}/{rel}");
                if self.files.contains_key(&full) {
                    continue;
                }
                let path = dir.join(&full);
                let old = fs::read_to_string(&path).unwrap_or_default();
                if is_ours(&full, &old) {
                    drift.push(Drift::Stale { path: full, old });
                }
            }
        }
        drift.sort_by(|a, b| a.path().cmp(b.path()));
        Ok(drift)
    }

    /// Writes every file under `dir`, or none. A file in a format folder that foundrygen did not
    /// write is never overwritten unless `force`; files of ours that are no longer generated are
    /// removed.
    pub fn write_to(&self, dir: &Path, force: bool) -> Result<WriteReport, Error> {
        self.write_to_with(&RealFileSystem, dir, force)
    }

    /// [`write_to`](Self::write_to), making every change to the disk through `disk`: when one of
    /// its calls fails, the folder is left as it was.
    pub fn write_to_with(
        &self,
        disk: &dyn FileSystem,
        dir: &Path,
        force: bool,
    ) -> Result<WriteReport, Error> {
        let mut report = WriteReport::default();
        // Inventory what is there.
        let mut ours_on_disk: Vec<String> = Vec::new();
        for fdir in self.format_dirs() {
            let base = dir.join(&fdir);
            for rel in list_files(&base)? {
                let full = format!("{fdir}/{rel}");
                let path = dir.join(&full);
                let text = fs::read(&path).map_err(|e| io(&path, "read", e))?;
                let text = String::from_utf8_lossy(&text);
                if is_ours(&full, &text) {
                    ours_on_disk.push(full);
                } else if full.ends_with("azuredeploy.parameters.json")
                    && self.files.contains_key(&full)
                {
                    // The parameters file cannot carry a marker; it is ours when its template is.
                    let tmpl =
                        dir.join(full.replace("azuredeploy.parameters.json", "azuredeploy.json"));
                    let t = fs::read_to_string(&tmpl).unwrap_or_default();
                    if is_ours("azuredeploy.json", &t) {
                        ours_on_disk.push(full);
                    } else if !force {
                        return Err(Error::ForeignFile {
                            path: display(&path),
                        });
                    } else {
                        report.forced.push(full);
                    }
                } else if self.files.contains_key(&full) {
                    if !force {
                        return Err(Error::ForeignFile {
                            path: display(&path),
                        });
                    }
                    report.forced.push(full);
                }
            }
        }
        for rel in self.files.keys() {
            let dest = dir.join(rel);
            if dest.is_dir() {
                // Even `--force` never replaces a folder.
                return Err(Error::ForeignFile {
                    path: display(&dest),
                });
            }
        }
        // Stage every changed file next to its destination.
        let mut staged: Vec<(PathBuf, PathBuf)> = Vec::new();
        let cleanup = |staged: &[(PathBuf, PathBuf)]| {
            for (tmp, _) in staged {
                let _ = disk.remove_file(tmp);
            }
        };
        for (rel, text) in &self.files {
            let dest = dir.join(rel);
            if fs::read(&dest).ok().as_deref() == Some(text.as_bytes()) {
                report.unchanged.push(rel.clone());
                continue;
            }
            let parent = dest.parent().unwrap_or(dir);
            if let Err(e) = disk.create_dir_all(parent) {
                cleanup(&staged);
                return Err(io(parent, "create", e));
            }
            if parent.is_file() {
                cleanup(&staged);
                return Err(Error::ForeignFile {
                    path: display(parent),
                });
            }
            let tmp = sibling(&dest, "tmp");
            if let Err(e) = disk.write_synced(&tmp, text.as_bytes()) {
                let _ = disk.remove_file(&tmp);
                cleanup(&staged);
                return Err(io(&dest, "write", e));
            }
            staged.push((tmp, dest));
            report.written.push(rel.clone());
        }
        let stale: Vec<PathBuf> = ours_on_disk
            .iter()
            .filter(|r| !self.files.contains_key(*r))
            .map(|r| dir.join(r))
            .collect();
        report.removed = ours_on_disk
            .iter()
            .filter(|r| !self.files.contains_key(*r))
            .cloned()
            .collect();
        // Swap in. Each replaced or removed file is kept as a backup until everything succeeded.
        let mut done: Vec<(PathBuf, Option<PathBuf>)> = Vec::new(); // (dest, backup)
        let rollback = |done: &[(PathBuf, Option<PathBuf>)]| {
            for (dest, backup) in done.iter().rev() {
                match backup {
                    Some(b) => {
                        let _ = disk.rename(b, dest);
                    }
                    None => {
                        let _ = disk.remove_file(dest);
                    }
                }
            }
        };
        for (tmp, dest) in &staged {
            let backup = if dest.exists() {
                let b = sibling(dest, "bak");
                if let Err(e) = disk.rename(dest, &b) {
                    rollback(&done);
                    cleanup(&staged);
                    return Err(io(dest, "replace", e));
                }
                Some(b)
            } else {
                None
            };
            if let Err(e) = disk.rename(tmp, dest) {
                if let Some(b) = &backup {
                    let _ = disk.rename(b, dest);
                }
                rollback(&done);
                cleanup(&staged);
                return Err(io(dest, "write", e));
            }
            done.push((dest.clone(), backup));
        }
        let mut removed_backups: Vec<(PathBuf, PathBuf)> = Vec::new();
        for path in &stale {
            let b = sibling(path, "bak");
            if let Err(e) = disk.rename(path, &b) {
                for (orig, bak) in &removed_backups {
                    let _ = disk.rename(bak, orig);
                }
                rollback(&done);
                return Err(io(path, "remove", e));
            }
            removed_backups.push((path.clone(), b));
        }
        for (_, backup) in &done {
            if let Some(b) = backup {
                let _ = disk.remove_file(b);
            }
        }
        for (_, b) in &removed_backups {
            let _ = disk.remove_file(b);
        }
        Ok(report)
    }
}

fn sibling(path: &Path, what: &str) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.foundrygen-{what}"))
}

fn display(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}

fn io(path: &Path, action: &'static str, source: std::io::Error) -> Error {
    Error::Io {
        path: display(path),
        action,
        source,
    }
}

/// Files under `base`, relative, `/`-separated; an absent folder has none.
fn list_files(base: &Path) -> Result<Vec<String>, Error> {
    let mut out = Vec::new();
    if !base.is_dir() {
        return Ok(out);
    }
    let mut stack = vec![base.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).map_err(|e| io(&d, "read", e))? {
            let entry = entry.map_err(|e| io(&d, "read", e))?;
            let p = entry.path();
            let ft = entry.file_type().map_err(|e| io(&p, "read", e))?;
            if ft.is_dir() {
                stack.push(p);
            } else if ft.is_file()
                && let Ok(rel) = p.strip_prefix(base)
            {
                let rel = rel.to_string_lossy().replace('\\', "/");
                // Our own leftovers from an interrupted run are not user files.
                let leftover = rel.rsplit('/').next().unwrap_or("").starts_with('.')
                    && rel.contains(".foundrygen-");
                if !leftover {
                    out.push(rel);
                }
            }
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set() -> OutputSet {
        let mut s = OutputSet::default();
        s.insert(
            "bicep/main.bicep",
            "// generated by foundrygen from s.yaml; do not edit\nx\n",
        );
        s.insert(
            "terraform/main.tf",
            "# generated by foundrygen from s.yaml; do not edit\ny\n",
        );
        s
    }

    #[test]
    fn writes_and_removes_stale_files_of_ours_only() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("bicep")).unwrap();
        fs::write(
            dir.path().join("bicep/old.bicep"),
            "// generated by foundrygen from s.yaml; do not edit\n",
        )
        .unwrap();
        fs::write(dir.path().join("bicep/notes.md"), "mine\n").unwrap();
        let r = set().write_to(dir.path(), false).unwrap();
        assert_eq!(r.written.len(), 2);
        assert_eq!(r.removed, ["bicep/old.bicep"]);
        assert!(!dir.path().join("bicep/old.bicep").exists());
        assert_eq!(
            fs::read_to_string(dir.path().join("bicep/notes.md")).unwrap(),
            "mine\n"
        );
        let again = set().write_to(dir.path(), false).unwrap();
        assert!(again.written.is_empty());
        assert_eq!(again.unchanged.len(), 2);
    }

    #[test]
    fn refuses_to_overwrite_a_foreign_file_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("terraform")).unwrap();
        fs::write(dir.path().join("terraform/main.tf"), "# hand written\n").unwrap();
        let err = set().write_to(dir.path(), false).unwrap_err();
        assert!(matches!(err, Error::ForeignFile { .. }));
        assert!(!dir.path().join("bicep/main.bicep").exists());
        assert_eq!(
            fs::read_to_string(dir.path().join("terraform/main.tf")).unwrap(),
            "# hand written\n"
        );
        set().write_to(dir.path(), true).unwrap();
        assert!(
            fs::read_to_string(dir.path().join("terraform/main.tf"))
                .unwrap()
                .starts_with("# generated")
        );
    }

    #[test]
    fn a_failed_write_leaves_the_folder_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        set().write_to(dir.path(), false).unwrap();
        let before = fs::read_to_string(dir.path().join("bicep/main.bicep")).unwrap();
        // A plain file where a folder must go makes the second file fail after the first is staged.
        fs::write(dir.path().join("terraform/modules"), "in the way\n").unwrap();
        let mut changed = set();
        changed.insert(
            "bicep/main.bicep",
            "// generated by foundrygen from s.yaml; do not edit\nz\n",
        );
        changed.insert(
            "terraform/modules/x.tf",
            "# generated by foundrygen from s.yaml; do not edit\nw\n",
        );
        assert!(changed.write_to(dir.path(), false).is_err());
        assert_eq!(
            fs::read_to_string(dir.path().join("bicep/main.bicep")).unwrap(),
            before
        );
        let mut left = list_files(&dir.path().join("bicep")).unwrap();
        left.extend(list_files(&dir.path().join("terraform")).unwrap());
        assert_eq!(left, ["main.bicep", "main.tf", "modules"]);
    }

    #[test]
    fn check_reports_changed_missing_and_stale_files_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(set().check(dir.path()).unwrap().len(), 2);
        set().write_to(dir.path(), false).unwrap();
        assert!(set().check(dir.path()).unwrap().is_empty());
        fs::write(
            dir.path().join("bicep/old.bicep"),
            "// generated by foundrygen from s.yaml; do not edit\n",
        )
        .unwrap();
        let mut changed = OutputSet::default();
        changed.insert(
            "bicep/main.bicep",
            "// generated by foundrygen from s.yaml; do not edit\nz\n",
        );
        let drift = changed.check(dir.path()).unwrap();
        assert_eq!(drift.len(), 2);
        assert!(matches!(drift[0], Drift::Changed { .. }));
        assert!(matches!(drift[1], Drift::Stale { .. }));
        let diff = drift[0].unified_diff(dir.path());
        assert!(diff.contains("-x\n+z\n"), "{diff}");
        assert!(
            fs::read_to_string(dir.path().join("bicep/main.bicep"))
                .unwrap()
                .ends_with("x\n")
        );
    }

    #[test]
    fn refuses_a_folder_where_a_file_goes() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("bicep/main.bicep")).unwrap();
        assert!(matches!(
            set().write_to(dir.path(), true).unwrap_err(),
            Error::ForeignFile { .. }
        ));
        assert!(dir.path().join("bicep/main.bicep").is_dir());
    }
}
