//! The top-level error and the one place exit codes are decided.

use std::fmt;

use crate::diagnostics::Diagnostic;
use crate::spec::Source;

/// Everything that can stop foundrygen.
#[derive(Debug)]
pub enum Error {
    /// The spec has errors (every one of them, sorted by line), and maybe warnings.
    InvalidSpec {
        /// The spec, for printing source lines.
        source: Source,
        /// Errors and warnings.
        diagnostics: Vec<Diagnostic>,
    },
    /// Reading or writing a file failed.
    Io {
        /// The file.
        path: String,
        /// "read", "write", "create", "remove", ...
        action: &'static str,
        /// The OS error.
        source: std::io::Error,
    },
    /// A file foundrygen did not write is where it must write, and `--force` was not given.
    ForeignFile {
        /// The file.
        path: String,
    },
    /// A file that must not be replaced is in the way (`init`, `templates export`).
    Exists {
        /// The file.
        path: String,
    },
    /// The command line asks for something impossible (beyond what clap checks).
    Usage {
        /// What is wrong.
        message: String,
    },
    /// A template from a `--templates` overlay failed to compile or render.
    Template {
        /// The overlay file.
        template: String,
        /// Tera's whole error chain (it names the line and the missing variable).
        chain: Vec<String>,
    },
    /// Files `import` cannot read or recognise (nothing was written).
    Import {
        /// One problem per file.
        problems: Vec<crate::import::Problem>,
    },
    /// Drift found by `render --check`.
    Drift {
        /// How many files differ.
        files: usize,
        /// How many of them are missing from the folder.
        missing: usize,
        /// Whether several specs were compared, each with its own folder.
        batch: bool,
    },
    /// A foundrygen bug: a template failed to render, or a validated spec did not decode.
    Internal {
        /// What failed.
        message: String,
        /// The whole `source()` chain of the underlying error.
        chain: Vec<String>,
    },
}

impl Error {
    /// The process exit code: 1 invalid spec, 2 usage, 3 file I/O, 4 drift found by
    /// `render --check`, 5 a template failure or internal error (0 is success).
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::InvalidSpec { .. } | Error::Import { .. } => 1,
            Error::Usage { .. } => 2,
            Error::Io { .. } | Error::ForeignFile { .. } | Error::Exists { .. } => 3,
            Error::Drift { .. } => 4,
            Error::Template { .. } | Error::Internal { .. } => 5,
        }
    }

    /// Builds an internal error from any error, keeping its whole source chain.
    pub fn internal(message: impl Into<String>, err: &(dyn std::error::Error + 'static)) -> Self {
        let mut chain = vec![err.to_string()];
        let mut cause = err.source();
        while let Some(c) = cause {
            chain.push(c.to_string());
            cause = c.source();
        }
        Error::Internal {
            message: message.into(),
            chain,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidSpec {
                source,
                diagnostics,
            } => {
                let lines = crate::diagnostics::SourceLines::new(&source.text);
                for d in diagnostics {
                    writeln!(f, "{}", d.render_in(&source.name, &lines, false))?;
                }
                let errors = diagnostics.iter().filter(|d| d.is_error()).count();
                let warnings = diagnostics.len() - errors;
                write!(
                    f,
                    "error: `{}` is invalid: {errors} error{}",
                    source.name,
                    if errors == 1 { "" } else { "s" }
                )?;
                if warnings > 0 {
                    write!(
                        f,
                        ", {warnings} warning{}",
                        if warnings == 1 { "" } else { "s" }
                    )?;
                }
                Ok(())
            }
            Error::Io {
                path,
                action,
                source,
            } => write!(f, "error: cannot {action} `{path}`: {source}"),
            Error::ForeignFile { path } => write!(
                f,
                "error: `{path}` was not written by foundrygen and would be overwritten\n  = help: move it away, or pass `--force` to overwrite it"
            ),
            Error::Usage { message } => write!(f, "error: {message}"),
            Error::Import { problems } => {
                for p in problems {
                    match p.at {
                        Some((line, col)) => {
                            writeln!(f, "error: {}:{line}:{col}: {}", p.file, p.message)?
                        }
                        None => writeln!(f, "error: {}: {}", p.file, p.message)?,
                    }
                    writeln!(f, "  = help: {}", p.help)?;
                }
                write!(f, "error: nothing was imported or written")
            }
            Error::Exists { path } => write!(
                f,
                "error: `{path}` already exists; nothing was written\n  = help: choose another path, or move the file away"
            ),
            Error::Drift {
                files,
                missing,
                batch,
            } => {
                let (noun, pronoun) = if *files == 1 {
                    ("file", "it")
                } else {
                    ("files", "them")
                };
                let whose = if *batch {
                    "the specs' output"
                } else {
                    "the spec's output"
                };
                if missing == files {
                    // Every difference is a file that is not there (the diffs above are whole
                    // files): say so rather than that they differ.
                    let verb = if *files == 1 { "is" } else { "are" };
                    let folder = if *batch {
                        "their folders"
                    } else {
                        "the folder"
                    };
                    return write!(
                        f,
                        "error: {files} {noun} of {whose} {verb} missing from {folder}; run `foundrygen render` without --check to write {pronoun}"
                    );
                }
                let verb = if *files == 1 { "differs" } else { "differ" };
                let missing = match missing {
                    0 => String::new(),
                    n => format!(" ({n} missing)"),
                };
                write!(
                    f,
                    "error: {files} {noun} {verb} from {whose}{missing}; run `foundrygen render` without --check to update {pronoun}"
                )
            }
            Error::Template { template, chain } => {
                write!(f, "error: template `{template}` failed")?;
                for c in chain {
                    write!(f, "\n  {c}")?;
                }
                Ok(())
            }
            Error::Internal { message, chain } => {
                write!(
                    f,
                    "error: internal error (this is a foundrygen bug; please report it): {message}"
                )?;
                for (i, c) in chain.iter().enumerate() {
                    write!(f, "\n  {}: {c}", if i == 0 { "error" } else { "caused by" })?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for Error {}
