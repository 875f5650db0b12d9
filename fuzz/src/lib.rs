//! Shared code of the fuzz targets: the pipeline check, and the structured spec generator.

pub mod spec;

use std::sync::OnceLock;

use foundrygen::{Error, Source, Target};

/// With `FOUNDRYGEN_FUZZ_SHOW` set, each input's spec text and outcome go to stderr (for running
/// a corpus or an artifact by hand: `cargo fuzz run structured artifact`).
fn show() -> bool {
    static SHOW: OnceLock<bool> = OnceLock::new();
    *SHOW.get_or_init(|| std::env::var_os("FOUNDRYGEN_FUZZ_SHOW").is_some())
}

/// Runs `text` through `foundrygen::generate` for every target and checks what comes out:
/// an invalid spec is `Error::InvalidSpec` (never `Internal` or anything else), every ARM file
/// parses as JSON, every file ends with exactly one newline, and the diagnostics print.
pub fn run_pipeline(text: &str) {
    let source = Source::new("fuzz.yaml", text);
    let result = foundrygen::generate(&source, &Target::ALL);
    if show() {
        let outcome = match &result {
            Ok(g) => format!("ok: {} files", g.output.files.len()),
            Err(e) => format!("error (exit {})\n{e}", e.exit_code()),
        };
        eprintln!("--- spec ---\n{text}--- {outcome} ---");
    }
    match result {
        Ok(generated) => {
            for (path, body) in &generated.output.files {
                if path.ends_with(".json") {
                    if let Err(e) = serde_json::from_str::<serde_json::Value>(body) {
                        panic!(
                            "{path} is not JSON ({e})\n--- spec ---\n{text}\n--- {path} ---\n{body}"
                        );
                    }
                }
                assert!(
                    body.ends_with('\n') && !body.ends_with("\n\n"),
                    "{path} does not end with exactly one newline\n--- spec ---\n{text}"
                );
            }
            for w in &generated.warnings {
                let _ = w.render(&source.name, &source.text);
            }
        }
        Err(e @ Error::InvalidSpec { .. }) => {
            // The CLI prints this: rendering the snippets must not panic either.
            let _ = e.to_string();
        }
        Err(e) => panic!(
            "generate returned {} (exit {}) instead of InvalidSpec: {e}\n{e:?}\n--- spec ---\n{text}",
            match e {
                Error::Internal { .. } => "Error::Internal",
                _ => "a non-spec error",
            },
            e.exit_code()
        ),
    }
}
