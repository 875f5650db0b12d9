//! The repository itself: no tracked file or folder has a name a shell glob would turn into a flag
//! (a folder named `--help` made `foundrygen validate *` print help).

use std::path::Path;
use std::process::Command;

#[test]
fn no_tracked_path_starts_with_a_dash() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // `.git` is a folder in a clone and a file in a worktree; a packaged crate has neither.
    if !root.join(".git").exists() {
        eprintln!(
            "skipped: {} is not a git checkout (no .git)",
            root.display()
        );
        return;
    }
    let out = match Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["ls-files", "-z"])
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            eprintln!("skipped: cannot run git: {e}");
            return;
        }
    };
    assert!(
        out.status.success(),
        "git ls-files failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listing = String::from_utf8_lossy(&out.stdout);
    let paths: Vec<&str> = listing.split('\0').filter(|p| !p.is_empty()).collect();
    assert!(
        paths.contains(&"Cargo.toml"),
        "git ls-files did not list Cargo.toml: {} paths",
        paths.len()
    );
    let dashed: Vec<&str> = paths
        .into_iter()
        .filter(|p| p.split('/').any(|part| part.starts_with('-')))
        .collect();
    assert!(
        dashed.is_empty(),
        "{} tracked paths have a part starting with `-`, which a shell glob turns into a flag, e.g. {:?}",
        dashed.len(),
        &dashed[..dashed.len().min(5)]
    );
}
