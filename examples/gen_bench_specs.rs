//! Writes the synthetic benchmark inputs into a folder (used by `benches/cli.sh`, which passes a
//! temporary one): `big-2.5k.yaml` (25 foundries × 100 connections), `big-5k.yaml` (50 × 100),
//! `big-10k.yaml` (100 × 100) and `small/` with 1,000 small specs. Nothing it writes is committed.
//!
//! ```text
//! cargo run --release --example gen_bench_specs -- /tmp/bench-inputs
//! ```

#[path = "../benches/support/mod.rs"]
mod support;

use std::path::PathBuf;

use clap::Parser;

/// Writes the benchmark input specs into OUT_DIR.
#[derive(Parser)]
#[command(name = "gen_bench_specs")]
struct Args {
    /// The folder to write into (created if needed); a name starting with `-` is refused, so a
    /// flag is never taken for a folder.
    #[arg(value_name = "OUT_DIR", value_parser = out_dir)]
    out: PathBuf,
}

fn out_dir(s: &str) -> Result<PathBuf, String> {
    if s.is_empty() {
        return Err("the output folder name is empty".into());
    }
    if s.starts_with('-') {
        return Err(format!(
            "`{s}` starts with `-`; write `./{s}` if you really mean a folder of that name"
        ));
    }
    Ok(PathBuf::from(s))
}

fn main() -> std::io::Result<()> {
    let dir = Args::parse().out;
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
