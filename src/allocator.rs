//! The settings the `foundrygen` binary gives mimalloc, its global allocator (see `src/main.rs`).
//!
//! mimalloc keeps memory it has freed for a while before it gives the pages back to the system
//! (its purge delay; 1 s in mimalloc 3). A render is over in less than that, so nothing it frees
//! (the spec's parse tree, each block's context) is ever given back, and the peak RSS is the sum
//! of every stage's memory instead of the largest stage's: 110-120 MB instead of 80-90 MB for the
//! 5,000-connection benchmark spec, at the same speed. [`tune`] sets the delay to 10 ms, the
//! value mimalloc 2 used.

use std::ffi::{c_int, c_long};

// Pulls in the mimalloc library whose options these are, also where the binary is not the user.
use mimalloc as _;

/// `mi_option_purge_delay` in mimalloc 3's `mi_option_e` (`include/mimalloc.h`); the test below
/// checks the enum still has this layout.
const PURGE_DELAY: c_int = 15;
/// How long freed memory is kept before it goes back to the system, in milliseconds.
const PURGE_DELAY_MS: c_long = 10;

unsafe extern "C" {
    fn mi_option_get(option: c_int) -> c_long;
    fn mi_option_set(option: c_int, value: c_long);
}

/// Sets mimalloc's purge delay to 10 ms, unless the user chose one (`MIMALLOC_PURGE_DELAY`).
/// Call it first thing in `main`.
pub fn tune() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: mimalloc's options are plain integers it reads atomically; any value is valid
        // for this one (0 purges at once, -1 never).
        unsafe { mi_option_set(PURGE_DELAY, PURGE_DELAY_MS) };
    }
}

/// Ends the process with `code` once stdout is flushed, without the exit handlers: mimalloc's
/// (linked in statically, it collects and gives back every page it holds before the process
/// ends, which the kernel does anyway) and the standard library's (which flushes stdout, done
/// here first); foundrygen registers none of its own. Call it at the end of `main` instead of
/// [`std::process::exit`].
pub fn exit(code: i32) -> ! {
    use std::io::Write;
    // Nothing to do about a failure here: `run` reports its own write errors, and a reader that
    // went away is why a caller exits with 141.
    let _ = std::io::stdout().flush();
    #[cfg(target_os = "linux")]
    // SAFETY: `_exit` ends the process at once; every file foundrygen writes is closed (and
    // synced where it must be) before `run` returns, and stdout was flushed above.
    unsafe {
        libc::_exit(code)
    }
    #[cfg(not(target_os = "linux"))]
    std::process::exit(code)
}

/// The purge delay mimalloc works with now, in milliseconds.
pub fn purge_delay_ms() -> c_long {
    // SAFETY: reading an option has no preconditions.
    unsafe { mi_option_get(PURGE_DELAY) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `mi_option_arena_reserve`, 8 entries after the purge delay: its default (1 GiB, in KiB) is
    /// distinctive enough to show the enum's layout is the one [`PURGE_DELAY`] was read from.
    const ARENA_RESERVE: c_int = 23;

    #[test]
    fn the_option_indices_are_mimalloc_3s() {
        if std::env::var_os("MIMALLOC_ARENA_RESERVE").is_some()
            || std::env::var_os("MIMALLOC_PURGE_DELAY").is_some()
        {
            eprintln!("skipped: MIMALLOC_* options set in the environment");
            return;
        }
        // SAFETY: as in `purge_delay_ms`.
        let arena_reserve_kib = unsafe { mi_option_get(ARENA_RESERVE) };
        assert_eq!(arena_reserve_kib, 1024 * 1024, "mi_option_e changed layout");
        let before = purge_delay_ms();
        assert!(
            before == 1000 || before == PURGE_DELAY_MS,
            "purge delay {before}: mi_option_e changed layout"
        );
        tune();
        assert_eq!(purge_delay_ms(), PURGE_DELAY_MS);
    }
}
