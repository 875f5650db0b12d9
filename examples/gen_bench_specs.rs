//! Writes the synthetic benchmark inputs into a folder (used by `benches/cli.sh`, which passes a
//! temporary one): `big-2.5k.yaml` (25 foundries × 100 connections), `big-5k.yaml` (50 × 100),
//! `big-10k.yaml` (100 × 100) and `small/` with 1,000 small specs. Nothing it writes is committed.
//!
//! Beside them, two shapes the big specs do not reach, for how their cost grows (5k and 10k
//! connections each; `cli.sh` does not time them): `created-*.yaml`, where every search and OpenAI
//! target is created in `resources:` (with a workspace and an App Insights component per
//! foundry), and `groups-*.yaml`, where every foundry exists in a resource group of its own (one
//! Bicep module and ARM nested template each).
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
    for (label, foundries) in [("5k", 50), ("10k", 100)] {
        std::fs::write(
            dir.join(format!("created-{label}.yaml")),
            created_spec(foundries),
        )?;
        std::fs::write(
            dir.join(format!("groups-{label}.yaml")),
            grouped_spec(foundries),
        )?;
    }
    for i in 0..1000 {
        std::fs::write(
            dir.join("small").join(format!("spec-{i:04}.yaml")),
            support::small_spec(i),
        )?;
    }
    println!("{}", dir.display());
    Ok(())
}

/// [`support::big_spec`] with 100 connections per foundry, each search and OpenAI target created
/// in `resources:`, and a Log Analytics workspace with an App Insights component per foundry.
fn created_spec(foundries: usize) -> String {
    let big = support::big_spec(foundries, 100);
    let mut resources = String::from("resources:\n");
    for f in 0..foundries {
        for c in 0..100 {
            match c % 4 {
                1 => resources.push_str(&format!(
                    "  - {{ type: Microsoft.Search/searchServices, name: srch-{f:03}-{c:04} }}\n"
                )),
                2 => resources.push_str(&format!(
                    "  - {{ type: Microsoft.CognitiveServices/accounts, name: oai-{f:03}-{c:04}, kind: OpenAI }}\n"
                )),
                _ => {}
            }
        }
        resources.push_str(&format!(
            "  - {{ type: Microsoft.OperationalInsights/workspaces, name: logs-{f:03} }}\n  - {{ type: Microsoft.Insights/components, name: appi-{f:03}, workspace: logs-{f:03} }}\n"
        ));
    }
    big.replacen("foundries:\n", &format!("{resources}foundries:\n"), 1)
}

/// [`support::big_spec`] with 100 connections per foundry, every foundry an existing one in a
/// resource group of its own.
fn grouped_spec(foundries: usize) -> String {
    let big = support::big_spec(foundries, 100);
    let mut s = String::with_capacity(big.len() + foundries * 64);
    for line in big.lines() {
        s.push_str(line);
        s.push('\n');
        if let Some(f) = line.strip_prefix("  - name: bench-foundry-") {
            s.push_str(&format!(
                "    existing: true\n    resource_group: rg-bench-{f}\n"
            ));
        }
    }
    s
}
