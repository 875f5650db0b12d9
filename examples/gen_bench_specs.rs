//! Writes the synthetic benchmark inputs into a folder (used by `benches/cli.sh`):
//! `big-2.5k.yaml` (25 foundries × 100 connections), `big-5k.yaml` (50 × 100), `big-10k.yaml`
//! (100 × 100) and `small/` with 1,000 small specs.
//!
//! ```text
//! cargo run --release --example gen_bench_specs -- /tmp/bench-inputs
//! ```

#[path = "../benches/support/mod.rs"]
mod support;

use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "bench-inputs".to_string()),
    );
    std::fs::create_dir_all(dir.join("small"))?;
    std::fs::write(dir.join("big-5k.yaml"), support::big_spec(50, 100))?;
    std::fs::write(dir.join("big-2.5k.yaml"), support::big_spec(25, 100))?;
    std::fs::write(dir.join("big-10k.yaml"), support::big_spec(100, 100))?;
    for i in 0..1000 {
        std::fs::write(
            dir.join("small").join(format!("spec-{i:04}.yaml")),
            support::small_spec(i),
        )?;
    }
    println!("{}", dir.display());
    Ok(())
}
