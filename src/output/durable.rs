//! How a write waits for the disk: one `syncfs(2)` per file system where Linux reports writeback
//! errors through it, and otherwise one `fdatasync` per staged file and one `fsync` per folder.
//! These are the defaults of [`super::FileSystem::flush`] and [`super::FileSystem::sync_dirs`].

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::Path;

/// Writes the data of `files` and the entries of `dirs` to the disk and waits for it: their file
/// systems are flushed whole where that reports every error (see [`syncfs_covered`]), the other
/// files and folders one by one.
pub(super) fn flush(files: &[&Path], dirs: &[&Path]) -> io::Result<()> {
    let mut folders: BTreeSet<&Path> = files.iter().filter_map(|f| f.parent()).collect();
    folders.extend(dirs.iter().copied());
    let covered = syncfs_covered(&folders);
    let rest: Vec<&Path> = files
        .iter()
        .copied()
        .filter(|f| !f.parent().is_some_and(|p| covered.contains(p)))
        .collect();
    flush_each(&rest)?;
    let rest: Vec<&Path> = dirs
        .iter()
        .copied()
        .filter(|d| !covered.contains(d))
        .collect();
    sync_each_dir(&rest)
}

/// Makes the entries of `dirs` (files renamed into or out of them, new subfolders) durable.
pub(super) fn sync_dirs(dirs: &[&Path]) -> io::Result<()> {
    let dirs: BTreeSet<&Path> = dirs.iter().copied().collect();
    let covered = syncfs_covered(&dirs);
    let rest: Vec<&Path> = dirs.difference(&covered).copied().collect();
    sync_each_dir(&rest)
}

/// From this size on, a staged file's writeback is started as soon as it is written.
const START_WRITEBACK_FROM: usize = 1 << 20;

/// Creates (or truncates) `path` with `bytes`; a big file (from [`START_WRITEBACK_FROM`]) then has
/// its writeback started on Linux (`sync_file_range(2)` with `SYNC_FILE_RANGE_WRITE`, which does
/// not wait for it), so that the disk writes it while the next files are staged and the flush
/// that follows has less to wait for. That call promises nothing: the flush is what makes the
/// data durable and reports its errors, so its own result is ignored.
pub(super) fn write_started(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = fs::File::create(path)?;
    io::Write::write_all(&mut f, bytes)?;
    #[cfg(target_os = "linux")]
    if bytes.len() >= START_WRITEBACK_FROM {
        use std::os::fd::AsRawFd;
        // SAFETY: the descriptor is open for the duration of the call, which reads only its
        // arguments.
        unsafe {
            libc::sync_file_range(f.as_raw_fd(), 0, 0, libc::SYNC_FILE_RANGE_WRITE);
        }
    }
    Ok(())
}

/// The fallback for files: one `fdatasync` each, on a fresh descriptor. A writeback error nobody
/// has seen yet is reported to the next opener, so reopening loses none.
fn flush_each(files: &[&Path]) -> io::Result<()> {
    for f in files {
        // Windows flushes only a handle open for writing; elsewhere reading is enough.
        fs::OpenOptions::new()
            .read(true)
            .write(cfg!(windows))
            .open(f)?
            .sync_data()?;
    }
    Ok(())
}

/// The fallback for folders: one `fsync` each.
#[cfg(unix)]
fn sync_each_dir(dirs: &[&Path]) -> io::Result<()> {
    for d in dirs {
        fs::File::open(d)?.sync_all()?;
    }
    Ok(())
}

/// std cannot open a folder on this platform (Windows), so there is no folder to sync; the renames
/// are as durable as the file system makes them by itself.
#[cfg(not(unix))]
fn sync_each_dir(_dirs: &[&Path]) -> io::Result<()> {
    Ok(())
}

/// The folders among `dirs` whose file system one `syncfs(2)` flushed with its errors reported:
/// on Linux 5.8 or later, on a file system known to implement it, when the call succeeded. Each
/// file system is synced once, however many folders lie on it; a failed or untrusted one leaves
/// its folders to the fallback, which reports the error of the file that has one.
#[cfg(target_os = "linux")]
fn syncfs_covered<'p>(dirs: &BTreeSet<&'p Path>) -> BTreeSet<&'p Path> {
    use std::collections::BTreeMap;
    use std::os::unix::fs::MetadataExt as _;

    let mut covered = BTreeSet::new();
    if !linux::syncfs_reports_errors() {
        return covered;
    }
    let mut synced: BTreeMap<u64, bool> = BTreeMap::new();
    for d in dirs {
        let Ok(meta) = fs::metadata(d) else { continue };
        if *synced.entry(meta.dev()).or_insert_with(|| linux::syncfs(d)) {
            covered.insert(*d);
        }
    }
    covered
}

/// No `syncfs(2)` outside Linux: every folder is left to the fallback.
#[cfg(not(target_os = "linux"))]
fn syncfs_covered<'p>(_dirs: &BTreeSet<&'p Path>) -> BTreeSet<&'p Path> {
    BTreeSet::new()
}

#[cfg(target_os = "linux")]
mod linux {
    use std::fs;
    use std::mem::MaybeUninit;
    use std::os::fd::AsRawFd as _;
    use std::path::Path;
    use std::sync::OnceLock;

    /// Whether the running kernel reports writeback errors through `syncfs(2)`: before Linux 5.8 it
    /// returned 0 even when writing a file back failed.
    pub(super) fn syncfs_reports_errors() -> bool {
        static TRUSTED: OnceLock<bool> = OnceLock::new();
        *TRUSTED.get_or_init(|| {
            kernel_release()
                .and_then(|r| super::parse_release(&r))
                .is_some_and(|v| v >= (5, 8))
        })
    }

    /// `uname -r`.
    fn kernel_release() -> Option<String> {
        let mut uts = MaybeUninit::<libc::utsname>::zeroed();
        // SAFETY: uname fills the struct it is given; it is only read when the call succeeded.
        if unsafe { libc::uname(uts.as_mut_ptr()) } != 0 {
            return None;
        }
        // SAFETY: initialised by the successful call above (and zeroed before it).
        let uts = unsafe { uts.assume_init() };
        let bytes: Vec<u8> = uts
            .release
            .iter()
            .take_while(|&&c| c != 0)
            .map(|&c| c as u8)
            .collect();
        String::from_utf8(bytes).ok()
    }

    /// File systems whose `sync_fs` writes back every file and its metadata and reports the
    /// errors (from 5.8 on): ext2/3/4 (one magic), XFS, Btrfs, F2FS, and tmpfs, which has nothing
    /// to write. Others are left to `fdatasync`: a FUSE or network file system may not pass
    /// syncfs on to where the data lives, and overlayfs forwarded errors late.
    const TRUSTED_FILE_SYSTEMS: [u32; 5] = [
        0xEF53,      // EXT4_SUPER_MAGIC (ext2, ext3 too)
        0x5846_5342, // XFS_SUPER_MAGIC
        0x9123_683E, // BTRFS_SUPER_MAGIC
        0xF2F5_2010, // F2FS_SUPER_MAGIC
        0x0102_1994, // TMPFS_MAGIC
    ];

    /// Flushes the whole file system `dir` is on; true when that file system is trusted and
    /// `syncfs(2)` succeeded (false for ENOSYS, EIO, …: the caller falls back).
    pub(super) fn syncfs(dir: &Path) -> bool {
        let Ok(f) = fs::File::open(dir) else {
            return false;
        };
        let fd = f.as_raw_fd();
        let mut st = MaybeUninit::<libc::statfs>::zeroed();
        // SAFETY: fd is open for the duration of the call; fstatfs fills the struct it is given.
        if unsafe { libc::fstatfs(fd, st.as_mut_ptr()) } != 0 {
            return false;
        }
        // SAFETY: initialised by the successful call above.
        let st = unsafe { st.assume_init() };
        // f_type is a long or an int depending on the architecture; the magics are 32 bits.
        if !TRUSTED_FILE_SYSTEMS.contains(&(st.f_type as u32)) {
            return false;
        }
        // SAFETY: fd is open for the duration of the call.
        unsafe { libc::syncfs(fd) == 0 }
    }
}

/// The major and minor version of a kernel release string (`6.8.0-45-generic` → 6, 8).
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn parse_release(release: &str) -> Option<(u32, u32)> {
    let mut parts = release.split('.');
    let number = |s: &str| {
        let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
        digits.parse::<u32>().ok()
    };
    let major = number(parts.next()?)?;
    let minor = number(parts.next()?)?;
    Some((major, minor))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_major_and_minor_version_of_a_kernel_release() {
        assert_eq!(parse_release("6.18.44-fc-v1045"), Some((6, 18)));
        assert_eq!(parse_release("5.8.0-rc1"), Some((5, 8)));
        assert_eq!(parse_release("5.10-foo"), Some((5, 10)));
        assert_eq!(parse_release("4.19.0-26-amd64"), Some((4, 19)));
        assert!(parse_release("4.19.0").unwrap() < (5, 8));
        assert!(parse_release("5.7.19").unwrap() < (5, 8));
        assert_eq!(parse_release("6"), None);
        assert_eq!(parse_release("linux"), None);
        assert_eq!(parse_release(""), None);
    }

    /// Small or big (with its writeback started), a staged file holds what was written, and a
    /// file written again is truncated first.
    #[test]
    fn writes_small_and_big_files_whole() {
        let dir = tempfile::tempdir().unwrap();
        let big: Vec<u8> = (0..START_WRITEBACK_FROM + 4099)
            .map(|i| (i % 251) as u8)
            .collect();
        for bytes in [&big[..], b"small\n", b""] {
            let path = dir.path().join("f");
            write_started(&path, bytes).unwrap();
            assert_eq!(fs::read(&path).unwrap(), bytes);
        }
        assert!(write_started(&dir.path().join("none/f"), b"x").is_err());
        flush(&[&dir.path().join("f")], &[dir.path()]).unwrap();
    }

    #[test]
    fn flushes_files_and_syncs_folders_by_either_path() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("a/b");
        fs::create_dir_all(&sub).unwrap();
        let files = [dir.path().join("x"), sub.join("y")];
        for f in &files {
            fs::write(f, "data\n").unwrap();
        }
        let files: Vec<&Path> = files.iter().map(|f| f.as_path()).collect();
        let dirs = [dir.path(), sub.as_path(), sub.as_path()];
        flush(&files, &dirs).unwrap();
        sync_dirs(&dirs).unwrap();
        flush_each(&files).unwrap();
        sync_each_dir(&dirs).unwrap();
    }

    #[test]
    fn the_fallback_reports_a_file_it_cannot_flush() {
        let dir = tempfile::tempdir().unwrap();
        let gone = dir.path().join("gone");
        assert_eq!(
            flush_each(&[gone.as_path()]).unwrap_err().kind(),
            io::ErrorKind::NotFound
        );
        #[cfg(unix)]
        assert_eq!(
            sync_each_dir(&[gone.as_path()]).unwrap_err().kind(),
            io::ErrorKind::NotFound
        );
    }
}
