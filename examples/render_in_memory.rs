//! Validates a spec and renders it in memory with the library API, printing the plan and the
//! generated file list; nothing is written to disk.
//!
//! ```text
//! cargo run --example render_in_memory -- specs/key-vault-first.yaml
//! ```

use foundrygen::{Source, Target};

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "specs/quickstart.yaml".to_string());
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("cannot read {path}: {e}");
            std::process::exit(3);
        }
    };
    let source = Source::new(path, text);
    match foundrygen::generate(&source, &Target::ALL) {
        Ok(generated) => {
            for w in &generated.warnings {
                eprintln!("{}", w.render(&source.name, &source.text));
            }
            print!("{}", foundrygen::plan::describe(&generated.model, false));
            for (path, text) in &generated.output.files {
                println!("{path} ({} bytes)", text.len());
            }
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(e.exit_code());
        }
    }
}
