//! Output: the rendered files in memory, and the one place that writes them. Writing is
//! all-or-nothing: every changed file is staged beside its destination, the staged files are
//! flushed to the disk together, then each is renamed over its destination (a hard link keeping
//! the old file) and the folders are synced; a format folder that does not exist yet is staged
//! whole beside its destination and renamed into place in one step. On any failure what was
//! swapped is put back, so the folder ends as it was. Every change to the disk goes through a [`FileSystem`], so tests can
//! make any step fail, in any build.

mod durable;

use std::collections::{BTreeMap, BTreeSet};
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
        // `a/` and `b/` go before the path as `patch -p1` and `git apply` read it: without `.`
        // parts, absolute (from `/`, without its leading slash) when `..` would climb out of the
        // current folder, and ended by a tab when it holds a space (as `diff -u` writes it).
        let shown = |prefix: &str, p: &str| {
            let mut path = normalize(&dir.join(p));
            if path
                .components()
                .any(|c| c == std::path::Component::ParentDir)
                && let Ok(cwd) = std::env::current_dir()
            {
                path = normalize(&cwd.join(&path));
            }
            let path = path.to_string_lossy().replace('\\', "/");
            let name = format!("{prefix}{}", path.trim_start_matches('/'));
            if name.contains(' ') {
                name + "\t"
            } else {
                name
            }
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

/// A path with `.` dropped and `..` folded into its parent, without touching the disk (the output
/// folder may not exist yet).
pub(crate) fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push(c);
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// The calls that change the disk when [`OutputSet::write_to_with`] writes, or the phases it is
/// made of ([`OutputSet::stage_with`], [`flush`], [`commit`]); reading goes to `std::fs` directly.
/// Each has a default (`std::fs`; for [`flush`](Self::flush) and [`sync_dirs`](Self::sync_dirs),
/// the system calls their documentation names), so an implementation that makes one step fail
/// overrides only that step; [`RealFileSystem`] overrides none. It is `Sync`: [`commit`] swaps
/// the sets of a big batch in on every core, and removes many backups several at a time.
pub trait FileSystem: Sync {
    /// Creates a folder and any missing parents.
    fn create_dir_all(&self, path: &Path) -> io::Result<()> {
        fs::create_dir_all(path)
    }

    /// Creates (or truncates) a file and writes `bytes`, without waiting for the disk:
    /// [`flush`](Self::flush) does that for every staged file at once. The default starts the
    /// writeback of a big file right away (on Linux), so that the disk is already writing it
    /// while the next files are staged.
    fn write_unsynced(&self, path: &Path, bytes: &[u8]) -> io::Result<()> {
        durable::write_started(path, bytes)
    }

    /// Gives the file `original` a second name, `link` (a hard link).
    fn hard_link(&self, original: &Path, link: &Path) -> io::Result<()> {
        fs::hard_link(original, link)
    }

    /// Writes the data of `files`, and the entries of the folders `dirs` (the files and folders
    /// created in them), to the disk and waits until they are there: one `syncfs(2)` per file
    /// system on Linux 5.8 or later (on ext2/3/4, XFS, Btrfs, F2FS, tmpfs), one `fdatasync` per
    /// file and one `fsync` per folder elsewhere or when `syncfs` fails.
    fn flush(&self, files: &[&Path], dirs: &[&Path]) -> io::Result<()> {
        durable::flush(files, dirs)
    }

    /// Renames a file or a folder, replacing `to` if it is a file (or an empty folder).
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        fs::rename(from, to)
    }

    /// Makes the entries of `dirs` durable (the files renamed into or out of them, the folders
    /// created in them): `syncfs(2)` where [`flush`](Self::flush) would use it, else one `fsync`
    /// per folder; nothing where folders cannot be opened (Windows).
    fn sync_dirs(&self, dirs: &[&Path]) -> io::Result<()> {
        durable::sync_dirs(dirs)
    }

    /// Removes a file.
    fn remove_file(&self, path: &Path) -> io::Result<()> {
        fs::remove_file(path)
    }

    /// Removes an empty folder.
    fn remove_dir(&self, path: &Path) -> io::Result<()> {
        fs::remove_dir(path)
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
                // Bytes first: an unchanged file (the common case) needs no UTF-8 check or copy.
                Ok(bytes) if bytes == new.as_bytes() => {}
                Ok(bytes) => drift.push(Drift::Changed {
                    path: rel.clone(),
                    old: String::from_utf8_lossy(&bytes).into_owned(),
                    new: new.clone(),
                }),
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
    /// its calls fails, the folder is left as it was. It is [`stage_with`](Self::stage_with), then
    /// [`write_staged`] of that one set.
    pub fn write_to_with(
        &self,
        disk: &dyn FileSystem,
        dir: &Path,
        force: bool,
    ) -> Result<WriteReport, Error> {
        let staged = self.stage_with(disk, dir, force)?;
        write_staged(disk, vec![staged])
            .pop()
            .expect("one result per staged set")
    }

    /// The first phase of [`write_to`](Self::write_to): checks what is under `dir` (a file of the
    /// user's in the way is refused unless `force`) and writes every changed file beside its
    /// destination, unsynced, with a backup of each file it replaces (a format folder that is not
    /// there is written whole under a staged name). Nothing a reader of `dir`
    /// sees has changed yet; [`write_staged`] (or [`flush`] and [`commit`]) finishes the write,
    /// [`Staged::abort`] undoes it.
    pub fn stage(&self, dir: &Path, force: bool) -> Result<Staged, Error> {
        self.stage_with(&RealFileSystem, dir, force)
    }

    /// [`stage`](Self::stage), making every change to the disk through `disk`; on a failure,
    /// what it staged is removed again.
    pub fn stage_with(
        &self,
        disk: &dyn FileSystem,
        dir: &Path,
        force: bool,
    ) -> Result<Staged, Error> {
        let mut report = WriteReport::default();
        // Inventory what is there. The bytes of the files the set writes are kept: they decide
        // what is unchanged, and back up a replaced file where a hard link cannot.
        let mut ours_on_disk: Vec<String> = Vec::new();
        let mut on_disk: BTreeMap<&str, Vec<u8>> = BTreeMap::new();
        let mut leftovers: BTreeSet<PathBuf> = BTreeSet::new();
        // Every folder, and every entry that is neither a file nor a folder, under the format
        // folders (`bicep`, `bicep/modules`, …).
        let mut dirs: BTreeSet<String> = BTreeSet::new();
        let mut others: BTreeSet<String> = BTreeSet::new();
        // A format folder that is not there at all (in a new output folder, say) is staged whole
        // and renamed into place in one step; its files need no inventory, backup or rename of
        // their own. When the output folder cannot be listed, every format is staged file by file.
        let top = top_entries(dir);
        let mut whole: BTreeMap<String, FolderSwap> = BTreeMap::new();
        let mut folder_leftovers: Vec<PathBuf> = Vec::new();
        for fdir in self.format_dirs() {
            let base = dir.join(&fdir);
            let tmp = sibling(&base, "tmp");
            if let Some(top) = &top {
                if top.names.contains(&format!(".{fdir}.foundrygen-tmp")) {
                    folder_leftovers.push(tmp.clone());
                }
                if !top.names.contains(&fdir) && !self.files.contains_key(&fdir) {
                    whole.insert(fdir, FolderSwap::new(tmp, base));
                    continue;
                }
            }
            let inv = inventory(&base)?;
            leftovers.extend(inv.leftovers);
            let full = |rel: String| match rel.is_empty() {
                true => fdir.clone(),
                false => format!("{fdir}/{rel}"),
            };
            dirs.extend(inv.dirs.into_iter().map(full));
            others.extend(inv.others.into_iter().map(full));
            for rel in inv.files {
                let full = format!("{fdir}/{rel}");
                let path = dir.join(&full);
                let bytes = fs::read(&path).map_err(|e| io(&path, "read", e))?;
                let text = String::from_utf8_lossy(&bytes);
                if is_ours(&full, &text) {
                    ours_on_disk.push(full.clone());
                } else if full.ends_with("azuredeploy.parameters.json")
                    && self.files.contains_key(&full)
                {
                    // The parameters file cannot carry a marker; it is ours when its template is.
                    let tmpl =
                        dir.join(full.replace("azuredeploy.parameters.json", "azuredeploy.json"));
                    let t = fs::read_to_string(&tmpl).unwrap_or_default();
                    if is_ours("azuredeploy.json", &t) {
                        ours_on_disk.push(full.clone());
                    } else if !force {
                        return Err(Error::ForeignFile {
                            path: display(&path),
                        });
                    } else {
                        report.forced.push(full.clone());
                    }
                } else if self.files.contains_key(&full) {
                    if !force {
                        return Err(Error::ForeignFile {
                            path: display(&path),
                        });
                    }
                    report.forced.push(full.clone());
                }
                if let Some((rel, _)) = self.files.get_key_value(&full) {
                    on_disk.insert(rel.as_str(), bytes);
                }
            }
        }
        for rel in self.files.keys() {
            let dest = dir.join(rel);
            if dirs.contains(rel) || (others.contains(rel) && dest.is_dir()) {
                // Even `--force` never replaces a folder.
                return Err(Error::ForeignFile {
                    path: display(&dest),
                });
            }
        }
        let mut staged = Staged {
            dir: dir.to_path_buf(),
            report,
            folders: Vec::new(),
            swaps: Vec::new(),
            stale: Vec::new(),
            created_dirs: Vec::new(),
            leftovers: leftovers.iter().cloned().collect(),
            folder_leftovers: Vec::new(),
            moved: 0,
            swapped: 0,
            removed: 0,
        };
        let whole: BTreeMap<String, usize> = whole
            .into_iter()
            .enumerate()
            .map(|(i, (fdir, folder))| {
                staged.folders.push(folder);
                (fdir, i)
            })
            .collect();
        // Whether `dir` is known to exist: the folders staged whole go in it.
        let mut dir_exists = top.as_ref().is_some_and(|t| t.exists);
        // A leftover of an interrupted write may be a hard link to a live file: it is removed
        // before its name is used, or writing into it would change that file too.
        let clear = |path: &Path| match leftovers.contains(path) {
            true => disk.remove_file(path).or_else(|e| match e.kind() {
                io::ErrorKind::NotFound => Ok(()),
                _ => Err(e),
            }),
            false => Ok(()),
        };
        for (rel, text) in &self.files {
            let (fdir, inner) = rel.split_once('/').unwrap_or((rel.as_str(), ""));
            if let Some(&i) = whole.get(fdir) {
                let mut folder = std::mem::take(&mut staged.folders[i]);
                let res = staged.stage_in_folder(
                    disk,
                    &mut folder,
                    inner,
                    text,
                    &mut dir_exists,
                    &folder_leftovers,
                );
                staged.folders[i] = folder;
                if let Err(e) = res {
                    staged.abort(disk);
                    return Err(e);
                }
                staged.report.written.push(rel.clone());
                continue;
            }
            let dest = dir.join(rel);
            // A destination that is neither a file nor a folder (a symbolic link) is read through.
            let listed = on_disk.remove(rel.as_str());
            let exists = listed.is_some() || others.contains(rel);
            let old = match listed {
                Some(bytes) => Some(bytes),
                None if exists => fs::read(&dest).ok(),
                None => None,
            };
            if old.as_deref() == Some(text.as_bytes()) {
                staged.report.unchanged.push(rel.clone());
                continue;
            }
            let parent_rel = rel.rsplit_once('/').map_or("", |(p, _)| p);
            let parent = dest.parent().unwrap_or(dir);
            if !dirs.contains(parent_rel) {
                if let Err(e) = staged.create_parent(disk, parent) {
                    staged.abort(disk);
                    return Err(e);
                }
                if parent.is_file() {
                    staged.abort(disk);
                    return Err(Error::ForeignFile {
                        path: display(parent),
                    });
                }
                dirs.insert(parent_rel.to_string());
            }
            let tmp = sibling(&dest, "tmp");
            if let Err(e) = clear(&tmp).and_then(|()| disk.write_unsynced(&tmp, text.as_bytes())) {
                let _ = disk.remove_file(&tmp);
                staged.abort(disk);
                return Err(io(&dest, "write", e));
            }
            let mut swap = Swap {
                tmp,
                dest,
                backup: None,
                copied: false,
            };
            if exists {
                let bak = sibling(&swap.dest, "bak");
                let linked = clear(&bak).and_then(|()| disk.hard_link(&swap.dest, &bak));
                // Without hard links (FAT, some network file systems), the old bytes are the
                // backup; they are flushed with the staged files, before anything is replaced.
                let backed_up = linked.or_else(|e| match &old {
                    Some(bytes) => {
                        swap.copied = true;
                        disk.write_unsynced(&bak, bytes)
                    }
                    None => Err(e),
                });
                if let Err(e) = backed_up {
                    let _ = disk.remove_file(&bak);
                    let _ = disk.remove_file(&swap.tmp);
                    staged.abort(disk);
                    return Err(io(&swap.dest, "back up", e));
                }
                swap.backup = Some(bak);
            }
            staged.swaps.push(swap);
            staged.report.written.push(rel.clone());
        }
        for rel in &ours_on_disk {
            if self.files.contains_key(rel) {
                continue;
            }
            let path = dir.join(rel);
            let bak = sibling(&path, "bak");
            if let Err(e) = clear(&bak) {
                staged.abort(disk);
                return Err(io(&path, "remove", e));
            }
            staged.stale.push((path, bak));
            staged.report.removed.push(rel.clone());
        }
        // Leftover staged folders that this write did not reuse are removed once it succeeded.
        staged.folder_leftovers = folder_leftovers
            .into_iter()
            .filter(|l| !staged.folders.iter().any(|f| f.tmp == *l))
            .collect();
        Ok(staged)
    }
}

/// A write whose files are staged ([`OutputSet::stage`]) and not yet swapped in: finish it with
/// [`write_staged`] (or [`flush`] then [`commit`]), or undo it with [`Staged::abort`]. A `Staged`
/// that is dropped instead leaves its staged files behind, which the next write into the folder
/// removes.
#[derive(Debug)]
#[must_use = "a staged write changes nothing until it is committed; abort it to remove its files"]
pub struct Staged {
    dir: PathBuf,
    report: WriteReport,
    /// Format folders that did not exist, staged whole.
    folders: Vec<FolderSwap>,
    swaps: Vec<Swap>,
    /// Files of ours no longer generated, and the name each is moved to until the write succeeded.
    stale: Vec<(PathBuf, PathBuf)>,
    /// Folders staging created, parents first.
    created_dirs: Vec<PathBuf>,
    /// `.NAME.foundrygen-tmp` and `-bak` files an interrupted write left in the format folders.
    leftovers: Vec<PathBuf>,
    /// `.FORMAT.foundrygen-tmp` folders an interrupted write left in the output folder.
    folder_leftovers: Vec<PathBuf>,
    /// How many of `folders`, of `swaps` and of `stale` are done.
    moved: usize,
    swapped: usize,
    removed: usize,
}

/// A format folder that did not exist: its files are written under `tmp`
/// (`.FORMAT.foundrygen-tmp`, beside `dest`) with their own names, and `tmp` is renamed onto
/// `dest` in one step, which makes the whole folder appear at once.
#[derive(Debug, Default)]
struct FolderSwap {
    tmp: PathBuf,
    dest: PathBuf,
    /// The files written under `tmp`.
    files: Vec<PathBuf>,
    /// `tmp` and the folders created in it, parents first; empty until `tmp` is created.
    dirs: Vec<PathBuf>,
}

impl FolderSwap {
    fn new(tmp: PathBuf, dest: PathBuf) -> Self {
        FolderSwap {
            tmp,
            dest,
            ..FolderSwap::default()
        }
    }
}

/// One changed file: staged as `tmp`, renamed onto `dest`; `backup` is a hard link to (or, when
/// `copied`, a copy of) the file it replaces.
#[derive(Debug)]
struct Swap {
    tmp: PathBuf,
    dest: PathBuf,
    backup: Option<PathBuf>,
    copied: bool,
}

impl Staged {
    /// The folder the set is written into.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Removes what staging wrote (the staged files, the backups, the folders it created), leaving
    /// the folder as it was. (In [`commit`], a set that was swapped in is first put back.)
    pub fn abort(mut self, disk: &dyn FileSystem) {
        self.undo(disk);
    }

    fn undo(&mut self, disk: &dyn FileSystem) {
        self.rollback(disk);
        for s in &self.swaps {
            let _ = disk.remove_file(&s.tmp);
            if let Some(b) = &s.backup {
                let _ = disk.remove_file(b);
            }
        }
        for f in &self.folders {
            for file in &f.files {
                let _ = disk.remove_file(file);
            }
            for d in f.dirs.iter().rev() {
                let _ = disk.remove_dir(d);
            }
        }
        // Deepest first; one that is not empty (something else was put there) stays.
        for d in self.created_dirs.iter().rev() {
            let _ = disk.remove_dir(d);
        }
    }

    /// Creates `parent` and its missing ancestors, remembering those from the output folder down
    /// (in a batch, the folder above the specs' folders is shared, and never removed).
    fn create_parent(&mut self, disk: &dyn FileSystem, parent: &Path) -> Result<(), Error> {
        if parent.is_dir() {
            return Ok(());
        }
        let mut missing: Vec<PathBuf> = parent
            .ancestors()
            .take_while(|a| a.starts_with(&self.dir) && a.symlink_metadata().is_err())
            .map(Path::to_path_buf)
            .collect();
        missing.reverse();
        let res = disk.create_dir_all(parent);
        if res.is_ok() {
            self.created_dirs.extend(missing);
            return Ok(());
        }
        // Whatever the call created before failing is removed with the rest.
        self.created_dirs
            .extend(missing.into_iter().filter(|d| d.is_dir()));
        res.map_err(|e| io(parent, "create", e))
    }

    /// Writes the file `inner` (relative to the format folder) of a folder staged whole, creating
    /// the output folder, the staged folder and the folders in it first where they are missing.
    /// A `.FORMAT.foundrygen-tmp` that an interrupted write left is removed before it is reused.
    fn stage_in_folder(
        &mut self,
        disk: &dyn FileSystem,
        folder: &mut FolderSwap,
        inner: &str,
        text: &str,
        dir_exists: &mut bool,
        leftovers: &[PathBuf],
    ) -> Result<(), Error> {
        if folder.dirs.is_empty() {
            if !*dir_exists {
                // It was not there when staging listed it: this creates it (and any missing
                // folder above it, which is shared in a batch and never removed).
                disk.create_dir_all(&self.dir)
                    .map_err(|e| io(&self.dir, "create", e))?;
                self.created_dirs.push(self.dir.clone());
                *dir_exists = true;
            }
            if leftovers.contains(&folder.tmp) {
                remove_tree(disk, &folder.tmp).map_err(|e| io(&folder.tmp, "remove", e))?;
            }
            let res = disk.create_dir_all(&folder.tmp);
            if res.is_ok() || folder.tmp.is_dir() {
                folder.dirs.push(folder.tmp.clone());
            }
            res.map_err(|e| io(&folder.tmp, "create", e))?;
        }
        let path = folder.tmp.join(inner);
        let parent = path.parent().unwrap_or(&folder.tmp);
        if !folder.dirs.iter().any(|d| d == parent) {
            let mut missing: Vec<PathBuf> = parent
                .ancestors()
                .take_while(|a| !folder.dirs.iter().any(|d| d == a))
                .map(Path::to_path_buf)
                .collect();
            missing.reverse();
            let res = disk.create_dir_all(parent);
            folder
                .dirs
                .extend(missing.into_iter().filter(|d| res.is_ok() || d.is_dir()));
            res.map_err(|e| io(parent, "create", e))?;
        }
        if let Err(e) = disk.write_unsynced(&path, text.as_bytes()) {
            let _ = disk.remove_file(&path);
            return Err(io(&folder.dest.join(inner), "write", e));
        }
        folder.files.push(path);
        Ok(())
    }

    /// The files [`flush`] must write to the disk: the staged files, and the backups that are
    /// copies.
    fn unflushed(&self) -> impl Iterator<Item = &Path> {
        let single = self.swaps.iter().flat_map(|s| {
            std::iter::once(s.tmp.as_path()).chain(s.backup.as_deref().filter(|_| s.copied))
        });
        let whole = self
            .folders
            .iter()
            .flat_map(|f| f.files.iter().map(PathBuf::as_path));
        whole.chain(single)
    }

    /// The folders whose entries [`flush`] must write to the disk: the folders staged whole and
    /// every folder in them.
    fn unflushed_dirs(&self) -> impl Iterator<Item = &Path> {
        self.folders
            .iter()
            .flat_map(|f| f.dirs.iter().map(PathBuf::as_path))
    }

    /// The folders whose entries the swap changes: where files or folders are renamed in or out,
    /// and where staging created a folder.
    fn changed_dirs(&self) -> impl Iterator<Item = &Path> {
        self.folders
            .iter()
            .map(|f| f.dest.as_path())
            .chain(self.swaps.iter().map(|s| s.dest.as_path()))
            .chain(self.stale.iter().map(|(p, _)| p.as_path()))
            .chain(self.created_dirs.iter().map(PathBuf::as_path))
            .map(parent_dir)
    }

    /// Renames every staged file onto its destination (one atomic rename each: the destination
    /// is never missing) and moves the stale files aside; on a failure, undoes what it did.
    fn swap(&mut self, disk: &dyn FileSystem) -> Result<(), Error> {
        while self.moved < self.folders.len() {
            let f = &self.folders[self.moved];
            if let Err(e) = disk.rename(&f.tmp, &f.dest) {
                let dest = f.dest.clone();
                self.rollback(disk);
                return Err(io(&dest, "write", e));
            }
            self.moved += 1;
        }
        while self.swapped < self.swaps.len() {
            let s = &self.swaps[self.swapped];
            if let Err(e) = disk.rename(&s.tmp, &s.dest) {
                let dest = s.dest.clone();
                self.rollback(disk);
                return Err(io(&dest, "write", e));
            }
            self.swapped += 1;
        }
        while self.removed < self.stale.len() {
            let (path, bak) = &self.stale[self.removed];
            if let Err(e) = disk.rename(path, bak) {
                let path = path.clone();
                self.rollback(disk);
                return Err(io(&path, "remove", e));
            }
            self.removed += 1;
        }
        Ok(())
    }

    /// Puts back what [`swap`](Self::swap) changed: the stale files, then each replaced file from
    /// its backup; a file that did not exist before is removed. The swaps it undid are forgotten,
    /// so a backup that could not be renamed back stays on the disk (a leftover) instead of being
    /// removed with the others.
    fn rollback(&mut self, disk: &dyn FileSystem) {
        let removed: Vec<_> = self.stale.drain(..self.removed).collect();
        for (path, bak) in removed.iter().rev() {
            let _ = disk.rename(bak, path);
        }
        let swapped: Vec<Swap> = self.swaps.drain(..self.swapped).collect();
        for s in swapped.iter().rev() {
            let _ = match &s.backup {
                Some(b) => disk.rename(b, &s.dest),
                None => disk.remove_file(&s.dest),
            };
        }
        // A folder staged whole goes back under its staged name, all at once; what it holds is
        // removed with the rest of the staged files. (One that cannot be moved back stays,
        // complete: its files are not found under the staged name, so none is removed.)
        for f in self.folders[..self.moved].iter().rev() {
            let _ = disk.rename(&f.dest, &f.tmp);
        }
        self.removed = 0;
        self.swapped = 0;
        self.moved = 0;
    }

    /// What to remove once the swap is durable: the backups, the stale files (under their
    /// backup names) and the leftovers of interrupted writes.
    fn garbage(&self) -> impl Iterator<Item = &Path> {
        self.swaps
            .iter()
            .filter_map(|s| s.backup.as_deref())
            .chain(self.stale.iter().map(|(_, bak)| bak.as_path()))
            .chain(self.leftovers.iter().map(PathBuf::as_path))
    }
}

/// Writes the data of every file the sets staged to the disk, in one call to `disk`
/// ([`FileSystem::flush`]), so that nothing is swapped in before all of it is there. Changes
/// nothing a reader sees.
pub fn flush(disk: &dyn FileSystem, staged: &[&Staged]) -> io::Result<()> {
    let files: Vec<&Path> = staged.iter().flat_map(|s| s.unflushed()).collect();
    let dirs: Vec<&Path> = staged.iter().flat_map(|s| s.unflushed_dirs()).collect();
    if files.is_empty() && dirs.is_empty() {
        return Ok(());
    }
    disk.flush(&files, &dirs)
}

/// Swaps every set in (each all or nothing: one that fails is put back as it was, the others still
/// land; many sets on every core), then makes the folder entries of all of them durable in one call
/// ([`FileSystem::sync_dirs`]), then removes the backups (many of them several at a time). When that sync fails, every set is put
/// back as it was and reports the error. One result per set, in order. Call [`flush`] first.
pub fn commit(disk: &dyn FileSystem, staged: Vec<Staged>) -> Vec<Result<WriteReport, Error>> {
    let results: Vec<Result<Staged, Error>> = each(staged, |mut s| match s.swap(disk) {
        Ok(()) => Ok(s),
        Err(e) => {
            s.abort(disk);
            Err(e)
        }
    });
    let dirs: BTreeSet<&Path> = results
        .iter()
        .flatten()
        .flat_map(|s| s.changed_dirs())
        .collect();
    let dirs: Vec<&Path> = dirs.into_iter().collect();
    let synced = match dirs.is_empty() {
        true => Ok(()),
        false => disk.sync_dirs(&dirs),
    };
    let dirs: Vec<PathBuf> = dirs.into_iter().map(Path::to_path_buf).collect();
    match synced {
        Ok(()) => {
            // The swap is durable: the backups, the stale files and the leftovers go. A removal
            // that fails leaves a leftover, which the next write removes.
            let garbage: Vec<&Path> = results.iter().flatten().flat_map(Staged::garbage).collect();
            remove_files(disk, &garbage);
            for l in results.iter().flatten().flat_map(|s| &s.folder_leftovers) {
                let _ = remove_tree(disk, l);
            }
            results.into_iter().map(|r| r.map(|s| s.report)).collect()
        }
        Err(e) => {
            // The renames may or may not have reached the disk: put every set back, so the
            // folders read as they were, and try to make that durable instead.
            let results = each(results, |r| {
                let s = r?;
                let dir = s.dir.clone();
                s.abort(disk);
                Err(io(&dir, "sync the folder entries in", copy_error(&e)))
            });
            let dirs: Vec<&Path> = dirs
                .iter()
                .filter(|d| d.is_dir())
                .map(PathBuf::as_path)
                .collect();
            let _ = disk.sync_dirs(&dirs);
            results
        }
    }
}

/// Finishes staged writes: [`flush`]es all their files in one call, then [`commit`]s them. When
/// the flush fails, no set is swapped in (every staged file is removed) and every set reports the
/// error. One result per set, in order.
pub fn write_staged(disk: &dyn FileSystem, staged: Vec<Staged>) -> Vec<Result<WriteReport, Error>> {
    let refs: Vec<&Staged> = staged.iter().collect();
    match flush(disk, &refs) {
        Ok(()) => commit(disk, staged),
        Err(e) => staged
            .into_iter()
            .map(|s| {
                let dir = s.dir.clone();
                s.abort(disk);
                Err(io(&dir, "sync the new files in", copy_error(&e)))
            })
            .collect(),
    }
}

/// From this many sets on, [`commit`] swaps them in (and finishes them) on every core: below it,
/// starting a thread costs more than the renames it shares.
const PARALLEL_SETS_FROM: usize = 16;

/// `f` of every item, in order: on every core when there are [`PARALLEL_SETS_FROM`] items or
/// more (each set of a batch is swapped in or put back on its own, so they need no order among
/// them), in turn otherwise.
fn each<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    let threads = match items.len() >= PARALLEL_SETS_FROM {
        true => std::thread::available_parallelism().map_or(1, |n| n.get()),
        false => 1,
    };
    if threads <= 1 {
        return items.into_iter().map(f).collect();
    }
    let per = items.len().div_ceil(threads);
    let mut chunks: Vec<Vec<T>> = Vec::with_capacity(threads);
    let mut items = items.into_iter();
    loop {
        let chunk: Vec<T> = items.by_ref().take(per).collect();
        if chunk.is_empty() {
            break;
        }
        chunks.push(chunk);
    }
    let f = &f;
    std::thread::scope(|scope| {
        let first = chunks.remove(0);
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| scope.spawn(move || chunk.into_iter().map(f).collect::<Vec<R>>()))
            .collect();
        let mut out: Vec<R> = first.into_iter().map(f).collect();
        for h in handles {
            out.extend(h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)));
        }
        out
    })
}

/// How many files [`remove_files`] removes at a time. Removing a file waits for the disk more
/// than for the processor (on a file system mounted with `discard`, unlink trims the freed blocks
/// before it returns: 1–3 ms a file on the development machine's ext4), so the waits of several
/// removals overlap, on any number of cores: 1,000 files took 1.3 s two at a time, 0.41 s eight at
/// a time, 0.38 s sixteen at a time.
const REMOVERS: usize = 8;

/// Removes `files` through `disk`, [`REMOVERS`] at a time when there are many, ignoring failures.
fn remove_files(disk: &dyn FileSystem, files: &[&Path]) {
    if files.len() < 2 * REMOVERS {
        for f in files {
            let _ = disk.remove_file(f);
        }
        return;
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..REMOVERS {
            scope.spawn(|| {
                while let Some(f) =
                    files.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
                {
                    let _ = disk.remove_file(f);
                }
            });
        }
    });
}

/// The same error again, for each of the sets one failed call stopped (`io::Error` is not `Clone`).
fn copy_error(e: &io::Error) -> io::Error {
    io::Error::new(e.kind(), e.to_string())
}

/// The folder holding `path`: `.` for a relative path of one component (`-o out` creates `out`
/// in the working folder), whose parent is the empty path.
fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
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
    inventory(base).map(|inv| inv.files)
}

/// What a format folder holds, read once so that staging need not ask about each destination.
#[derive(Debug, Default)]
struct Inventory {
    /// Regular files, relative to the folder, `/`-separated, sorted.
    files: Vec<String>,
    /// The folder itself (``) when it exists, and its subfolders.
    dirs: BTreeSet<String>,
    /// Anything else (symbolic links, …), which staging looks at through the file system.
    others: BTreeSet<String>,
    /// The leftovers of an interrupted write (full paths): staged files and backups of ours,
    /// `.NAME.foundrygen-tmp` and `.NAME.foundrygen-bak`, which are nobody's files and are
    /// removed after the next write.
    leftovers: Vec<PathBuf>,
}

/// Reads what is under `base`; an absent folder holds nothing.
fn inventory(base: &Path) -> Result<Inventory, Error> {
    let mut inv = Inventory::default();
    // Listed straight away (a re-render asks about every format folder of every spec); only when
    // that fails does it matter whether there is a folder at all.
    let top = match fs::read_dir(base) {
        Ok(entries) => entries,
        Err(_) if !base.is_dir() => return Ok(inv),
        Err(e) => return Err(io(base, "read", e)),
    };
    inv.dirs.insert(String::new());
    let rel_of = |p: &Path| {
        p.strip_prefix(base)
            .map(|r| r.to_string_lossy().replace('\\', "/"))
            .ok()
    };
    // Folders to list, the first one listed already.
    let mut stack: Vec<(PathBuf, Option<fs::ReadDir>)> = vec![(base.to_path_buf(), Some(top))];
    while let Some((d, listed)) = stack.pop() {
        let entries = match listed {
            Some(entries) => entries,
            None => fs::read_dir(&d).map_err(|e| io(&d, "read", e))?,
        };
        for entry in entries {
            let entry = entry.map_err(|e| io(&d, "read", e))?;
            let p = entry.path();
            let ft = entry.file_type().map_err(|e| io(&p, "read", e))?;
            let Some(rel) = rel_of(&p) else { continue };
            if ft.is_dir() {
                inv.dirs.insert(rel);
                stack.push((p, None));
            } else if is_leftover(&entry.file_name().to_string_lossy()) {
                // A symbolic link by that name counts too: writing through it would write
                // wherever it points.
                inv.leftovers.push(p);
            } else if ft.is_file() {
                inv.files.push(rel);
            } else {
                inv.others.insert(rel);
            }
        }
    }
    inv.files.sort();
    inv.leftovers.sort();
    Ok(inv)
}

/// What the top of an output folder holds.
struct TopLevel {
    /// Whether the folder exists (an absent one holds nothing).
    exists: bool,
    /// The names in it.
    names: BTreeSet<String>,
}

/// Lists the top of the output folder `dir`, without following anything in it; `None` when it
/// is there but cannot be listed as a folder.
fn top_entries(dir: &Path) -> Option<TopLevel> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Some(TopLevel {
                exists: false,
                names: BTreeSet::new(),
            });
        }
        Err(_) => return None,
    };
    let mut names = BTreeSet::new();
    for entry in entries {
        names.insert(entry.ok()?.file_name().to_string_lossy().into_owned());
    }
    Some(TopLevel {
        exists: true,
        names,
    })
}

/// Removes `path` and, when it is a folder (not a link to one), everything in it, through `disk`.
fn remove_tree(disk: &dyn FileSystem, path: &Path) -> io::Result<()> {
    if !path.symlink_metadata()?.is_dir() {
        return disk.remove_file(path);
    }
    for entry in fs::read_dir(path)? {
        remove_tree(disk, &entry?.path())?;
    }
    disk.remove_dir(path)
}

/// Whether a file name is one [`sibling`] makes.
fn is_leftover(name: &str) -> bool {
    name.starts_with('.')
        && (name.ends_with(".foundrygen-tmp") || name.ends_with(".foundrygen-bak"))
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
        // The temporary folder is absolute: the headers hold it without its leading slash.
        let header = format!("--- a/{}", dir.path().join("bicep/main.bicep").display());
        let header = header.replacen("a//", "a/", 1);
        assert!(diff.starts_with(&format!("{header}\n")), "{diff}");
        assert!(
            fs::read_to_string(dir.path().join("bicep/main.bicep"))
                .unwrap()
                .ends_with("x\n")
        );
    }

    /// The headers are what `patch -p1` and `git apply` take: no `./`, no `..` (the path from `/`
    /// instead), a tab after a name with a space.
    #[test]
    fn diff_headers_are_paths_patch_and_git_apply_read() {
        let drift = Drift::Changed {
            path: "bicep/main.bicep".into(),
            old: "x\n".into(),
            new: "z\n".into(),
        };
        let first_line = |dir: &str| {
            let diff = drift.unified_diff(Path::new(dir));
            diff.lines().next().unwrap().to_string()
        };
        assert_eq!(first_line("./out"), "--- a/out/bicep/main.bicep");
        assert_eq!(first_line("my out"), "--- a/my out/bicep/main.bicep\t");
        let cwd = std::env::current_dir().unwrap();
        let parent = normalize(&cwd.join(".."))
            .to_string_lossy()
            .replace('\\', "/");
        let tab = if parent.contains(' ') { "\t" } else { "" };
        assert_eq!(
            first_line("../out"),
            format!(
                "--- a/{}/out/bicep/main.bicep{tab}",
                parent.trim_start_matches('/')
            )
        );
    }

    #[test]
    fn the_inventory_sets_our_leftovers_apart_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("bicep");
        fs::create_dir_all(base.join("modules")).unwrap();
        for name in [
            "main.bicep",
            ".main.bicep.foundrygen-tmp",
            "modules/.x.bicep.foundrygen-bak",
            ".notes.foundrygen-mine",
            "main.bicep.foundrygen-tmp",
        ] {
            fs::write(base.join(name), "x\n").unwrap();
        }
        let Inventory {
            files,
            dirs,
            leftovers,
            ..
        } = inventory(&base).unwrap();
        assert_eq!(dirs, BTreeSet::from([String::new(), "modules".to_string()]));
        assert_eq!(
            files,
            [
                ".notes.foundrygen-mine",
                "main.bicep",
                "main.bicep.foundrygen-tmp"
            ]
        );
        assert_eq!(
            leftovers,
            [
                base.join(".main.bicep.foundrygen-tmp"),
                base.join("modules/.x.bicep.foundrygen-bak")
            ]
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_destination_that_is_a_symbolic_link_is_looked_at_through_it() {
        let dir = tempfile::tempdir().unwrap();
        set().write_to(dir.path(), false).unwrap();
        let real = dir.path().join("real.bicep");
        fs::rename(dir.path().join("bicep/main.bicep"), &real).unwrap();
        std::os::unix::fs::symlink(&real, dir.path().join("bicep/main.bicep")).unwrap();
        let r = set().write_to(dir.path(), false).unwrap();
        assert_eq!(r.unchanged.len(), 2, "{r:?}");
        fs::remove_file(dir.path().join("bicep/main.bicep")).unwrap();
        std::os::unix::fs::symlink(dir.path(), dir.path().join("bicep/main.bicep")).unwrap();
        assert!(matches!(
            set().write_to(dir.path(), false).unwrap_err(),
            Error::ForeignFile { .. }
        ));
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
