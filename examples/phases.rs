//! Prints how long each stage of the pipeline takes for one spec (the median of `RUNS` runs,
//! default 5), to see where the time of a slow render goes. `benches/` holds the figures the
//! README quotes; this is for looking inside them.
//!
//! ```text
//! cargo run --release --example phases -- SPEC.yaml
//! ```

use std::time::{Duration, Instant};

use foundrygen::{Source, Target};

/// The binary's allocator (see `src/main.rs`): with glibc's, the stages' times and how they grow
/// with the spec are glibc's (`malloc_consolidate`), not what `foundrygen render` spends.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: phases SPEC.yaml (RUNS=n for more runs)")?;
    let runs: usize = std::env::var("RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5);
    let source = Source::new(path.clone(), std::fs::read_to_string(&path)?);
    let mut stages: Vec<(String, Vec<Duration>)> = Vec::new();
    let mut record = |name: &str, d: Duration| match stages.iter_mut().find(|(n, _)| n == name) {
        Some((_, v)) => v.push(d),
        None => stages.push((name.to_string(), vec![d])),
    };
    let mut bytes = 0;
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        let (root, _) =
            foundrygen::spec::load::parse_tree(&source).map_err(|d| format!("{d:?}"))?;
        record("parse", t.elapsed());
        let t = Instant::now();
        let diagnostics = foundrygen::validate::check(&root);
        record("validate", t.elapsed());
        if diagnostics.iter().any(|d| d.is_error()) {
            return Err(format!("{path} does not validate").into());
        }
        let t = Instant::now();
        let spec = foundrygen::spec::load::decode(&source, &root)?;
        record("decode", t.elapsed());
        let t = Instant::now();
        let model = foundrygen::model::Model::build(&spec, source.label())?;
        record("model", t.elapsed());
        bytes = 0;
        for target in Target::ALL {
            let t = Instant::now();
            let out = foundrygen::render::all(&model, &[target])?;
            record(&format!("render {target}"), t.elapsed());
            bytes += out.files.values().map(String::len).sum::<usize>();
        }
        let t = Instant::now();
        let all = foundrygen::generate(&source, &Target::ALL)?;
        record("generate (all of it)", t.elapsed());
        drop(all);
    }
    for (name, v) in stages {
        println!("{name:<22} {:>10.1} ms", median(v).as_secs_f64() * 1000.0);
    }
    println!("{bytes} bytes rendered");
    Ok(())
}
