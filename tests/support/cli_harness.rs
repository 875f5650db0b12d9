//! Test support: runs the real `foundrygen` binary in a scratch folder (NO_COLOR=1) and compares
//! exit code, stdout and stderr with expected text written as indented raw strings.
#![allow(dead_code)]

use std::fs;
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use tempfile::TempDir;

/// What one run of the binary did.
#[derive(Debug, PartialEq, Eq)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// A temporary working folder to run foundrygen in.
pub struct Sandbox {
    dir: TempDir,
}

impl Sandbox {
    pub fn new() -> Self {
        Sandbox {
            dir: tempfile::tempdir().expect("create a temporary folder"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `text` to `rel` (creating folders) and returns `rel`.
    pub fn write<'a>(&self, rel: &'a str, text: &str) -> &'a str {
        let path = self.path().join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).unwrap();
        }
        fs::write(&path, text).unwrap();
        rel
    }

    pub fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.path().join(rel)).unwrap()
    }

    pub fn exists(&self, rel: &str) -> bool {
        self.path().join(rel).exists()
    }

    pub fn remove(&self, rel: &str) {
        fs::remove_file(self.path().join(rel)).unwrap();
    }

    /// Every file under `rel`, relative to it, `/`-separated and sorted.
    pub fn files(&self, rel: &str) -> Vec<String> {
        files_under(&self.path().join(rel))
    }

    /// Every file under `rel` with its text, to show that a run changed nothing.
    pub fn snapshot(&self, rel: &str) -> Vec<(String, String)> {
        self.files(rel)
            .into_iter()
            .map(|f| {
                let text = self.read(&format!("{rel}/{f}"));
                (f, text)
            })
            .collect()
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.run_with(args, None, &[])
    }

    /// Runs foundrygen with `args` in the sandbox's folder `rel` (created if need be).
    pub fn run_in(&self, rel: &str, args: &[&str]) -> Output {
        let dir = self.path().join(rel);
        fs::create_dir_all(&dir).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_foundrygen"))
            .args(args)
            .current_dir(&dir)
            .env("NO_COLOR", "1")
            .env_remove("CLICOLOR_FORCE")
            .stdin(Stdio::null())
            .output()
            .expect("run foundrygen");
        Output {
            code: out
                .status
                .code()
                .expect("foundrygen was killed by a signal"),
            stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
        }
    }

    pub fn run_with_stdin(&self, args: &[&str], stdin: Option<&str>) -> Output {
        self.run_with(args, stdin, &[])
    }

    /// Runs foundrygen with `args` in the sandbox, with `NO_COLOR=1` (unless `env` sets or
    /// removes it: `None` removes a variable) and `stdin` piped in (or closed).
    pub fn run_with(
        &self,
        args: &[&str],
        stdin: Option<&str>,
        env: &[(&str, Option<&str>)],
    ) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_foundrygen"));
        command
            .args(args)
            .current_dir(self.path())
            .env("NO_COLOR", "1")
            .env_remove("CLICOLOR_FORCE");
        for (name, value) in env {
            match value {
                Some(v) => command.env(name, v),
                None => command.env_remove(name),
            };
        }
        let mut child = command
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start foundrygen");
        if let Some(text) = stdin {
            let mut pipe = child.stdin.take().unwrap();
            pipe.write_all(text.as_bytes()).unwrap();
        }
        let out = child.wait_with_output().expect("wait for foundrygen");
        Output {
            code: out
                .status
                .code()
                .expect("foundrygen was killed by a signal"),
            stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
        }
    }
}

/// Every file under `base`, relative to it, `/`-separated and sorted; empty if it is no folder.
pub fn files_under(base: &Path) -> Vec<String> {
    pub fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(base, &path, out);
            } else {
                let rel = path.strip_prefix(base).unwrap();
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let mut out = Vec::new();
    if base.is_dir() {
        walk(base, base, &mut out);
    }
    out.sort();
    out
}

/// Removes the leading newline, the common indentation and the closing line's indentation of an
/// indented raw string; blank lines become empty. `""` stays empty.
pub fn unindent(text: &str) -> String {
    let text = text.strip_prefix('\n').unwrap_or(text);
    let lines: Vec<&str> = text.split('\n').collect();
    let (last, body) = lines.split_last().unwrap();
    assert!(
        last.trim().is_empty(),
        "end the expected text with a newline: {last:?}"
    );
    let indent = body
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start_matches(' ').len())
        .min()
        .unwrap_or(0);
    let mut out = String::new();
    for line in body {
        if !line.trim().is_empty() {
            out.push_str(&line[indent..]);
        }
        out.push('\n');
    }
    out
}

/// Asserts the whole result; `stdout` and `stderr` go through [`unindent`].
#[track_caller]
pub fn assert_output(actual: &Output, code: i32, stdout: &str, stderr: &str) {
    let expected = Output {
        code,
        stdout: unindent(stdout),
        stderr: unindent(stderr),
    };
    if *actual != expected {
        panic!(
            "foundrygen's output differs\n\
             --- expected code {}, got {}\n\
             --- expected stdout:\n{}--- actual stdout:\n{}\
             --- expected stderr:\n{}--- actual stderr:\n{}",
            expected.code,
            actual.code,
            expected.stdout,
            actual.stdout,
            expected.stderr,
            actual.stderr
        );
    }
}
