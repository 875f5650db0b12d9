//! Library-level benchmarks: `foundrygen::generate` in memory, and `OutputSet::write_to` into a
//! fresh temporary folder, for the quickstart spec, one small batch spec, and for synthetic specs of 2,500, 5,000 and
//! 10,000 connections (mixed categories, past Azure's template limits so FG061 warns).
//!
//! ```text
//! cargo bench --bench render -- --warm-up-time 1 --measurement-time 5
//! ```
//!
//! Process-level numbers (startup, the parallel batch render, peak RSS) come from `benches/cli.sh`.

mod support;

/// The allocator the `foundrygen` binary uses (src/main.rs), so the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use foundrygen::diagnostics::Code;
use foundrygen::{Source, Target};

/// Generates `source` once outside the measurement, checking it renders and, for the big specs,
/// that the template-limit warning is there. `None` (with a note) when the spec is refused, so one
/// refused size does not hide the others.
fn prepare(source: &Source, expect_limit_warning: bool) -> Option<foundrygen::OutputSet> {
    match foundrygen::generate(source, &Target::ALL) {
        Ok(g) => {
            let warned = g.warnings.iter().any(|w| w.code == Code::TemplateLimit);
            assert_eq!(
                warned, expect_limit_warning,
                "{}: FG061 expected {expect_limit_warning}, got {warned}",
                source.name
            );
            Some(g.output)
        }
        Err(e) => {
            eprintln!("skipping {}: foundrygen refuses it: {e}", source.name);
            None
        }
    }
}

fn bench_spec(c: &mut Criterion, label: &str, source: &Source, expect_limit_warning: bool) {
    let Some(output) = prepare(source, expect_limit_warning) else {
        return;
    };
    let mut group = c.benchmark_group(label);
    if expect_limit_warning {
        group.sample_size(10);
    }
    group.bench_function("generate", |b| {
        b.iter(|| foundrygen::generate(black_box(source), &Target::ALL).unwrap())
    });
    group.bench_function("write_to", |b| {
        b.iter_batched(
            || tempfile::tempdir().unwrap(),
            |dir| {
                output.write_to(dir.path(), false).unwrap();
                dir
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function("generate+write_to", |b| {
        b.iter_batched(
            || tempfile::tempdir().unwrap(),
            |dir| {
                let g = foundrygen::generate(black_box(source), &Target::ALL).unwrap();
                g.output.write_to(dir.path(), false).unwrap();
                dir
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

fn quickstart(c: &mut Criterion) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/specs/quickstart.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    bench_spec(
        c,
        "quickstart",
        &Source::new("specs/quickstart.yaml", text),
        false,
    );
}

fn big(c: &mut Criterion) {
    for (foundries, label) in [
        (25, "connections_2500"),
        (50, "connections_5000"),
        (100, "connections_10000"),
    ] {
        let source = Source::new(format!("{label}.yaml"), support::big_spec(foundries, 100));
        bench_spec(c, label, &source, true);
    }
}

/// One of the 1,000 small specs `benches/cli.sh` renders in one batch: the per-spec cost in process.
fn small(c: &mut Criterion) {
    bench_spec(
        c,
        "small_spec",
        &Source::new("spec-0000.yaml", support::small_spec(0)),
        false,
    );
}

/// The binary's allocator settings (`foundrygen::allocator::tune`, called first in its `main`).
fn allocator(_: &mut Criterion) {
    foundrygen::allocator::tune();
}

criterion_group!(benches, allocator, quickstart, small, big);
criterion_main!(benches);
