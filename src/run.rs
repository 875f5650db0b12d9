//! The command line: runs a parsed `cli::Args` through the library and prints everything — the
//! only place that decides what goes to stdout and stderr.

use std::io::{IsTerminal, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::cli::{self, ColorChoice, Command, DiagnosticFormat, DiagnosticOptions};
use crate::diagnostics::{self, Diagnostic, Severity};
use crate::error::Error;
use crate::output::{self, Drift, RealFileSystem, Staged, WriteReport, normalize};
use crate::render::templates::{self, TemplateSet};
use crate::spec::{self, Source};
use crate::{Target, check, generate};

/// Runs a command line and returns the process exit code.
pub fn run(args: cli::Args) -> i32 {
    let color = match args.color {
        _ if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) => false,
        ColorChoice::Never => false,
        ColorChoice::Always => true,
        ColorChoice::Auto => std::io::stderr().is_terminal(),
    };
    match execute(args.command, color) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{}", paint_error(&e.to_string(), color));
            e.exit_code()
        }
    }
}

/// Writes to stdout. When the reader has gone away (`| head`), stop quietly the way a shell tool
/// killed by SIGPIPE does, instead of panicking.
fn emit(text: &str) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            crate::allocator::exit(141);
        }
        eprintln!("error: cannot write to stdout: {e}");
        crate::allocator::exit(3);
    }
}

fn paint_error(text: &str, color: bool) -> String {
    match (color, text.strip_prefix("error")) {
        (true, Some(rest)) => format!("\x1b[1;31merror\x1b[0m{rest}"),
        _ => text.to_string(),
    }
}

fn targets_of(formats: &[cli::Format]) -> Vec<Target> {
    let mut targets: Vec<Target> = formats
        .iter()
        .map(|f| match f {
            cli::Format::Bicep => Target::Bicep,
            cli::Format::Arm => Target::Arm,
            cli::Format::Terraform => Target::Terraform,
        })
        .collect();
    targets.sort();
    targets.dedup();
    targets
}

/// Expands the spec arguments: a folder stands for its `*.yaml`/`*.yml` files (sorted, not
/// recursive); `-` is stdin.
fn collect_specs(args: &[String]) -> Result<Vec<String>, Error> {
    let mut out = Vec::new();
    for a in args {
        let p = Path::new(a);
        if a != "-" && p.is_dir() {
            let entries = std::fs::read_dir(p).map_err(|e| Error::Io {
                path: a.clone(),
                action: "read",
                source: e,
            })?;
            let mut found: Vec<String> = entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
                .map(|p| p.to_string_lossy().replace('\\', "/"))
                .collect();
            found.sort();
            if found.is_empty() {
                return Err(Error::Usage {
                    message: format!("folder `{a}` holds no `*.yaml` specs"),
                });
            }
            out.extend(found);
        } else {
            out.push(a.clone());
        }
    }
    Ok(out)
}

/// What happened to one spec.
struct Outcome {
    name: String,
    source: Option<Source>,
    diagnostics: Vec<Diagnostic>,
    error: Option<Error>,
    report: Option<WriteReport>,
    /// The files `render` staged, swapped in once every spec of the run is staged.
    staged: Option<Staged>,
    drift: Vec<Drift>,
    /// How many files `--check` compared.
    compared: usize,
    /// What `--adopt` found.
    adopted: Option<crate::Adopted>,
    out_dir: PathBuf,
}

impl Outcome {
    /// Ends the outcome with an error; an invalid spec's diagnostics (and its source, for the
    /// snippets) are kept for the reporter.
    fn failed(mut self, e: Error) -> Self {
        if let Error::InvalidSpec {
            source,
            diagnostics,
        } = &e
        {
            self.diagnostics = diagnostics.clone();
            self.source = Some(source.clone());
        }
        self.error = Some(e);
        self
    }

    /// The files `--check` compared and found as rendered.
    fn up_to_date(&self) -> usize {
        let differ = self
            .drift
            .iter()
            .filter(|d| !matches!(d, Drift::Stale { .. }))
            .count();
        self.compared.saturating_sub(differ)
    }

    fn code(&self) -> i32 {
        match &self.error {
            Some(e) => e.exit_code(),
            None if !self.drift.is_empty() => 4,
            None => 0,
        }
    }
}

/// Prints diagnostics in the chosen format. SARIF results are collected and printed at the end.
struct Reporter {
    format: DiagnosticFormat,
    color: bool,
    sarif: Vec<(String, Diagnostic)>,
}

impl Reporter {
    fn new(opts: &DiagnosticOptions, color: bool) -> Self {
        Reporter {
            format: opts.diagnostics,
            color,
            sarif: Vec::new(),
        }
    }

    fn report(&mut self, outcome: &Outcome) {
        let (file, text) = match &outcome.source {
            Some(s) => (s.name.as_str(), s.text.as_str()),
            None => (outcome.name.as_str(), ""),
        };
        let lines = crate::diagnostics::SourceLines::new(text);
        for d in &outcome.diagnostics {
            match self.format {
                DiagnosticFormat::Human => {
                    eprintln!("{}", d.render_in(file, &lines, self.color));
                }
                DiagnosticFormat::Json => emit(&format!("{}\n", d.to_json(file))),
                DiagnosticFormat::Sarif => self.sarif.push((file.to_string(), d.clone())),
            }
        }
        let Some(e) = &outcome.error else { return };
        match (self.format, e) {
            (DiagnosticFormat::Human, Error::InvalidSpec { diagnostics, .. }) => {
                let errors = diagnostics.iter().filter(|d| d.is_error()).count();
                let warnings = diagnostics.len() - errors;
                let mut line = format!(
                    "error: `{file}` is invalid: {errors} error{}",
                    if errors == 1 { "" } else { "s" }
                );
                if warnings > 0 {
                    line.push_str(&format!(
                        ", {warnings} warning{}",
                        if warnings == 1 { "" } else { "s" }
                    ));
                }
                eprintln!("{}", paint_error(&line, self.color));
            }
            (DiagnosticFormat::Human, other) => {
                eprintln!("{}", paint_error(&other.to_string(), self.color))
            }
            (_, Error::InvalidSpec { .. }) => {}
            (DiagnosticFormat::Json, other) => emit(&format!(
                "{}\n",
                serde_json::json!({
                    "code": null,
                    "severity": "error",
                    "message": other.to_string().trim_start_matches("error: "),
                    "file": file,
                    "line": null,
                    "column": null,
                    "path": null,
                    "help": null,
                })
            )),
            (DiagnosticFormat::Sarif, other) => {
                eprintln!("{other}");
            }
        }
    }

    fn finish(&self) {
        if self.format == DiagnosticFormat::Sarif {
            emit(&format!(
                "{}\n",
                serde_json::to_string_pretty(&diagnostics::sarif(&self.sarif)).unwrap_or_default()
            ));
        }
    }
}

/// Reads, validates and (for `render`) renders one spec; `deny_warnings` turns warnings into
/// failures.
fn process(
    spec_arg: &str,
    out_dir: Option<&Path>,
    targets: &[Target],
    (force, check_only, deny_warnings): (bool, bool, bool),
    adopt: Option<&[crate::import::Item]>,
) -> Outcome {
    let mut outcome = Outcome {
        name: if spec_arg == "-" {
            "<stdin>".into()
        } else {
            spec_arg.replace('\\', "/")
        },
        source: None,
        diagnostics: Vec::new(),
        error: None,
        report: None,
        staged: None,
        drift: Vec::new(),
        compared: 0,
        adopted: None,
        out_dir: out_dir.map(Path::to_path_buf).unwrap_or_default(),
    };
    let source = match spec::load::read(spec_arg) {
        // The generated-by line names the spec relative to where the files go (the current
        // folder for what goes to stdout), however the path was spelled.
        Ok(s) => s.labelled(spec_label(spec_arg, out_dir.unwrap_or(Path::new(".")))),
        Err(e) => return outcome.failed(e),
    };
    outcome.source = Some(source.clone());
    let result = match out_dir {
        Some(_) => generate(&source, targets).and_then(|mut g| {
            if let Some(items) = adopt {
                outcome.adopted = Some(crate::adopt(&mut g, items)?);
            }
            let crate::Generated {
                model,
                output,
                warnings,
            } = g;
            // Freeing a large model (17 ms for 5,000 connections) would hold up the writes;
            // another thread does it while this one stages the files.
            if source.is_large() {
                crate::drop_beside(model);
            }
            Ok((warnings, Some(output)))
        }),
        None => check(&source).map(|c| (c.warnings, None)),
    };
    let (warnings, output) = match result {
        Ok(r) => r,
        Err(e) => return outcome.failed(e),
    };
    outcome.diagnostics = warnings.clone();
    if deny_warnings && !warnings.is_empty() {
        outcome.diagnostics = warnings
            .into_iter()
            .map(|mut w| {
                w.severity = Severity::Error;
                w
            })
            .collect();
        outcome.error = Some(Error::InvalidSpec {
            source,
            diagnostics: outcome.diagnostics.clone(),
        });
        return outcome;
    }
    if let (Some(dir), Some(output)) = (out_dir, output) {
        let result = if check_only {
            outcome.compared = output.files.len();
            output.check(dir).map(|d| outcome.drift = d)
        } else {
            output.stage(dir, force).map(|s| outcome.staged = Some(s))
        };
        if let Err(e) = result {
            outcome.error = Some(e);
        }
        // Freeing the files of a large spec (27 MB for 5,000 connections, 6 ms, most of it giving
        // the pages back to the system) would hold up the writes and the report; another thread
        // does it.
        if source.is_large() {
            crate::drop_beside(output);
        }
    }
    outcome
}

/// What the generated-by line calls the spec `spec_arg` whose files are written into `dir`: its path
/// relative to `dir`, `/`-separated and without `.` or `..` detours, so that `acme.yaml`,
/// `./acme.yaml`, an absolute path and any working folder give the same bytes. `<stdin>` for `-`.
fn spec_label(spec_arg: &str, dir: &Path) -> String {
    if spec_arg == "-" {
        return "<stdin>".into();
    }
    let Ok(cwd) = std::env::current_dir() else {
        return spec_arg.replace('\\', "/");
    };
    let spec = normalize(&cwd.join(spec_arg));
    let dir = normalize(&cwd.join(dir));
    let spec_parts: Vec<_> = spec.components().collect();
    let dir_parts: Vec<_> = dir.components().collect();
    let common = spec_parts
        .iter()
        .zip(&dir_parts)
        .take_while(|(a, b)| a == b)
        .count();
    if common == 0 {
        // Nothing in common (another drive): the absolute path is the only stable name.
        return spec.to_string_lossy().replace('\\', "/");
    }
    let mut rel: Vec<String> = vec!["..".to_string(); dir_parts.len() - common];
    rel.extend(
        spec_parts[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    rel.join("/")
}

/// Runs `process` over every spec, in parallel, and returns the outcomes in spec order.
fn process_all(
    specs: &[String],
    out_dirs: &[Option<PathBuf>],
    work: impl Fn(&str, Option<&Path>) -> Outcome + Sync,
    templates: Option<Arc<TemplateSet>>,
) -> Vec<Outcome> {
    if let [spec] = specs {
        // One spec needs no worker: starting a thread (and asking the cgroup how many cores
        // there are) is a measurable part of a small render.
        return vec![templates::with_templates(templates, || {
            work(spec, out_dirs[0].as_deref())
        })];
    }
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let results: Vec<Mutex<Option<Outcome>>> = specs.iter().map(|_| Mutex::new(None)).collect();
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(specs.len())
        .max(1);
    // A progress line on a terminal, for runs long enough to want one.
    let progress = specs.len() >= 20 && std::io::stderr().is_terminal();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                templates::with_templates(templates.clone(), || {
                    loop {
                        let i = next.fetch_add(1, Ordering::SeqCst);
                        if i >= specs.len() {
                            break;
                        }
                        let outcome = work(&specs[i], out_dirs[i].as_deref());
                        *results[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(outcome);
                        let n = done.fetch_add(1, Ordering::SeqCst) + 1;
                        if progress {
                            let mut err = std::io::stderr().lock();
                            let _ = write!(err, "\r[{n}/{}] specs", specs.len());
                            let _ = err.flush();
                        }
                    }
                });
            });
        }
    });
    if progress {
        eprint!("\r\x1b[2K");
    }
    results
        .into_iter()
        .map(|m| {
            m.into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .expect("every spec was processed")
        })
        .collect()
}

/// Swaps in what the workers staged: one flush for the files of every spec, then each spec's
/// files, then one sync of the folders (see [`output::write_staged`]). A spec that fails here keeps
/// its folder as it was; the others still land, except when the shared flush or sync fails.
fn write_staged(outcomes: &mut [Outcome]) {
    let (owners, staged): (Vec<usize>, Vec<Staged>) = outcomes
        .iter_mut()
        .enumerate()
        .filter_map(|(i, o)| o.staged.take().map(|s| (i, s)))
        .unzip();
    for (i, result) in owners
        .into_iter()
        .zip(output::write_staged(&RealFileSystem, staged))
    {
        match result {
            Ok(r) => outcomes[i].report = Some(r),
            Err(e) => outcomes[i].error = Some(e),
        }
    }
}

fn load_templates(dir: Option<&Path>) -> Result<Option<Arc<TemplateSet>>, Error> {
    dir.map(|d| TemplateSet::with_overlay(d).map(Arc::new))
        .transpose()
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

fn execute(command: Command, color: bool) -> Result<i32, Error> {
    match command {
        Command::Render {
            specs,
            format,
            out,
            force,
            check: check_only,
            templates: template_dir,
            adopt,
            diag,
        } => {
            let targets = targets_of(&format);
            let templates = load_templates(template_dir.as_deref())?;
            let batch = specs.len() > 1 || specs.iter().any(|s| s != "-" && Path::new(s).is_dir());
            let specs = collect_specs(&specs)?;
            let adopt_items = if adopt.is_empty() {
                None
            } else {
                Some(adopt_items(
                    &adopt,
                    &targets,
                    batch,
                    out.as_os_str() == "-",
                )?)
            };
            if out.as_os_str() == "-" {
                if check_only {
                    return Err(Error::Usage {
                        message: "`--check` compares with files in a folder; it does not combine with `-o -`".into(),
                    });
                }
                return render_to_stdout(&specs, &targets, templates, &diag, color);
            }
            // One spec: DIR/<format>/; several: DIR/<spec name>/<format>/.
            let mut out_dirs = Vec::new();
            let mut seen = std::collections::BTreeMap::new();
            for s in &specs {
                if !batch {
                    out_dirs.push(Some(out.clone()));
                    continue;
                }
                let stem = if s == "-" {
                    "stdin".to_string()
                } else {
                    Path::new(s)
                        .file_stem()
                        .map(|x| x.to_string_lossy().into_owned())
                        .unwrap_or_default()
                };
                if let Some(other) = seen.insert(stem.clone(), s.clone()) {
                    return Err(Error::Usage {
                        message: format!(
                            "`{other}` and `{s}` would both render into `{}`",
                            out.join(&stem).display()
                        ),
                    });
                }
                out_dirs.push(Some(out.join(stem)));
            }
            let deny = diag.deny_warnings;
            let mut outcomes = process_all(
                &specs,
                &out_dirs,
                |s, dir| {
                    process(
                        s,
                        dir,
                        &targets,
                        (force, check_only, deny),
                        adopt_items.as_deref(),
                    )
                },
                templates,
            );
            write_staged(&mut outcomes);
            let mut reporter = Reporter::new(&diag, color);
            let mut code = 0;
            let mut drifted = 0;
            let mut missing = 0;
            for o in &outcomes {
                reporter.report(o);
                for d in &o.drift {
                    // stdout belongs to the JSON lines / SARIF log when those are asked for.
                    if diag.diagnostics == DiagnosticFormat::Human {
                        emit(&d.unified_diff(&o.out_dir));
                    } else {
                        eprint!("{}", d.unified_diff(&o.out_dir));
                    }
                    drifted += 1;
                    missing += usize::from(matches!(d, Drift::Missing { .. }));
                }
                code = code.max(o.code());
                if let Some(a) = &o.adopted {
                    report_adopted(a);
                }
                if let Some(r) = &o.report {
                    for path in &r.forced {
                        eprintln!(
                            "warning: overwrote `{}`, which foundrygen did not write (--force)",
                            o.out_dir.join(path).display()
                        );
                    }
                    if !batch {
                        eprintln!(
                            "rendered `{}` to `{}`: {} written, {} unchanged, {} removed",
                            o.name,
                            o.out_dir.display(),
                            r.written.len(),
                            r.unchanged.len(),
                            r.removed.len()
                        );
                    }
                }
            }
            reporter.finish();
            if check_only && drifted > 0 {
                eprintln!(
                    "{}",
                    paint_error(
                        &Error::Drift {
                            files: drifted,
                            missing,
                            batch,
                        }
                        .to_string(),
                        color
                    )
                );
            } else if check_only && code == 0 && !batch {
                let o = &outcomes[0];
                eprintln!(
                    "{} up to date in `{}`",
                    plural(o.up_to_date(), "file"),
                    o.out_dir.display()
                );
            }
            if batch {
                let ok = outcomes.iter().filter(|o| o.code() == 0).count();
                let invalid = outcomes.iter().filter(|o| o.code() == 1).count();
                let failed = outcomes.len() - ok - invalid;
                let (written, unchanged, removed) = outcomes
                    .iter()
                    .filter_map(|o| o.report.as_ref())
                    .fold((0, 0, 0), |(w, u, r), rep| {
                        (
                            w + rep.written.len(),
                            u + rep.unchanged.len(),
                            r + rep.removed.len(),
                        )
                    });
                if check_only {
                    let up_to_date: usize = outcomes.iter().map(Outcome::up_to_date).sum();
                    eprintln!(
                        "checked {}: {ok} ok, {invalid} invalid, {failed} failed; {} up to date, {drifted} drifted",
                        plural(outcomes.len(), "spec"),
                        plural(up_to_date, "file"),
                    );
                } else {
                    eprintln!(
                        "rendered {}: {ok} ok, {invalid} invalid, {failed} failed; {written} files written, {unchanged} unchanged, {removed} removed",
                        plural(outcomes.len(), "spec"),
                    );
                }
            }
            Ok(code)
        }
        Command::Validate { specs, diag } => {
            let specs = collect_specs(&specs)?;
            let out_dirs = vec![None; specs.len()];
            let deny = diag.deny_warnings;
            let outcomes = process_all(
                &specs,
                &out_dirs,
                |s, _| process(s, None, &[], (false, false, deny), None),
                None,
            );
            let mut reporter = Reporter::new(&diag, color);
            let mut code = 0;
            for o in &outcomes {
                reporter.report(o);
                code = code.max(o.code());
                if o.error.is_none() && diag.diagnostics == DiagnosticFormat::Human {
                    let n = o.diagnostics.len();
                    emit(&format!(
                        "{}: valid{}\n",
                        o.name,
                        match n {
                            0 => String::new(),
                            _ => format!(" ({})", plural(n, "warning")),
                        }
                    ));
                }
            }
            reporter.finish();
            if outcomes.len() > 1 && diag.diagnostics == DiagnosticFormat::Human {
                let ok = outcomes.iter().filter(|o| o.code() == 0).count();
                eprintln!(
                    "validated {}: {ok} valid, {} not",
                    plural(outcomes.len(), "spec"),
                    outcomes.len() - ok
                );
            }
            Ok(code)
        }
        Command::Plan {
            spec,
            teardown,
            current,
            script,
            format,
            diag,
        } => {
            one_spec_file("plan", &spec)?;
            // What is deployed is read first: a file it cannot read is the problem to report.
            let items = read_az_files(&current)?;
            let (checked, source) = match checked(&spec, &diag, color) {
                Ok(c) => c,
                Err(code) => return Ok(code),
            };
            let model = &checked.model;
            let json = format == cli::PlanFormat::Json;
            if current.is_empty() {
                if script {
                    emit(&crate::teardown::script(model));
                } else if json {
                    let kind = if teardown {
                        crate::plan::PlanKind::Teardown
                    } else {
                        crate::plan::PlanKind::Create
                    };
                    let steps = crate::plan::steps(model, teardown);
                    emit(&crate::plan::json(model, kind, &steps, &[], &[]));
                } else {
                    emit(&crate::plan::describe(model, teardown));
                }
                return Ok(0);
            }
            let spec_tree = crate::spec::load::parse_tree(&source)
                .map_err(|diagnostics| Error::InvalidSpec {
                    source: source.clone(),
                    diagnostics,
                })?
                .0;
            let decoded = crate::spec::load::decode(&source, &spec_tree)?;
            let change = crate::current::plan(model, &decoded, &items);
            if script {
                emit(&crate::current::script::script(model, &change));
            } else if json {
                let steps: Vec<_> = change.steps.iter().map(|s| s.step.clone()).collect();
                emit(&crate::plan::json(
                    model,
                    crate::plan::PlanKind::Change,
                    &steps,
                    &change.warnings,
                    &change.notes,
                ));
            } else {
                emit(&crate::current::describe(model, &change));
            }
            if !json {
                for w in &change.warnings {
                    eprintln!("warning: {w}");
                }
                for n in &change.notes {
                    eprintln!("note: {n}");
                }
            }
            Ok(0)
        }
        Command::Preflight { spec, script, diag } => {
            one_spec_file("preflight", &spec)?;
            let checked = match checked(&spec, &diag, color) {
                Ok(c) => c,
                Err(code) => return Ok(code),
            };
            emit(&if script {
                crate::preflight::script(&checked.0.model)
            } else {
                crate::preflight::describe(&checked.0.model)
            });
            Ok(0)
        }
        Command::Graph { spec, format, diag } => {
            one_spec_file("graph", &spec)?;
            let checked = match checked(&spec, &diag, color) {
                Ok((c, _)) => c,
                Err(code) => return Ok(code),
            };
            emit(&match format {
                cli::GraphFormat::Mermaid => crate::draw::mermaid(&checked.model),
                cli::GraphFormat::Dot => crate::draw::dot(&checked.model),
            });
            Ok(0)
        }
        Command::Schema => {
            emit(&crate::schema::schema_text());
            Ok(0)
        }
        Command::Init {
            out,
            name,
            location,
            foundry,
            projects,
            key_vault,
            connections,
            create,
            suffix,
        } => {
            let starter = crate::init::starter(&crate::init::Options {
                name,
                location,
                foundry,
                projects,
                key_vault,
                connections,
                create,
                suffix: suffix.unwrap_or_else(crate::init::random_suffix),
            })?;
            // Where a name is taken the deployment fails late, so say which ones must be free.
            let note = format!(
                "names that must be unique across Azure: {}; a deployment fails where one is taken (--suffix chooses their ending)",
                starter
                    .global_names
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let text = starter.text;
            if out.as_os_str() == "-" {
                emit(&text);
                eprintln!("{note}");
            } else {
                write_new_spec(&out, text)?;
                eprintln!(
                    "wrote `{}`; check it with `foundrygen validate {}`\n{note}",
                    out.display(),
                    out.display()
                );
            }
            Ok(0)
        }
        Command::Import { files, out } => {
            let mut inputs = Vec::new();
            for f in &files {
                let text = std::fs::read_to_string(f).map_err(|source| Error::Io {
                    path: f.display().to_string(),
                    action: "read",
                    source,
                })?;
                inputs.push((f.display().to_string(), text));
            }
            let imported =
                crate::import::import(&inputs).map_err(|problems| Error::Import { problems })?;
            // The spec must validate; what does not is Azure's data against foundrygen's rules,
            // shown against the spec that would have been written (it is not on disk: the name
            // says so).
            let name = "<imported spec>".to_string();
            let checked = crate::check(&Source::new(&name, &imported.text)).inspect_err(|e| {
                if matches!(e, Error::InvalidSpec { .. }) {
                    eprintln!(
                        "note: nothing was written; the lines below are those of the spec import made from the files, which breaks foundrygen's rules where Azure's data does: fix the resource in Azure, or remove it from the files"
                    );
                }
            })?;
            for w in &checked.warnings {
                eprintln!("{}", w.render(&name, &imported.text));
            }
            if out.as_os_str() == "-" {
                emit(&imported.text);
            } else {
                write_new_spec(&out, imported.text.clone())?;
                eprintln!("wrote `{}`", out.display());
            }
            if !imported.secrets.is_empty() {
                eprintln!("secrets to supply (Azure never returns credentials):");
                for s in &imported.secrets {
                    eprintln!("  {s}");
                }
            }
            if !imported.unrecovered.is_empty() {
                eprintln!("not recovered from the files (the spec says so at the top):");
                for s in &imported.unrecovered {
                    eprintln!("  {s}");
                }
            }
            Ok(0)
        }
        Command::Categories => {
            emit(&crate::category::reference());
            Ok(0)
        }
        Command::Completions { shell } => {
            emit(&crate::manual::completions(shell));
            Ok(0)
        }
        Command::Man { command } => {
            emit(&crate::manual::man_page(&command)?);
            Ok(0)
        }
        Command::Templates {
            action: cli::TemplatesAction::Export { dir },
        } => {
            let files = templates::export(&dir)?;
            eprintln!(
                "wrote {} to `{}`; edit any of them and pass `--templates {}` to render",
                plural(files.len(), "template"),
                dir.display(),
                dir.display()
            );
            Ok(0)
        }
    }
}

/// Writes a spec `init` or `import` made to a new file: all or nothing, and never over a file
/// that is there.
fn write_new_spec(out: &Path, text: String) -> Result<(), Error> {
    let mut set = crate::output::OutputSet::default();
    let file = out
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| "foundrygen.yaml".into());
    set.insert(file, text);
    set.write_new(out.parent().unwrap_or(Path::new("")))
}

/// Reads the `--adopt` files with import's reader, after checking that the render can use them.
fn adopt_items(
    files: &[PathBuf],
    targets: &[Target],
    batch: bool,
    to_stdout: bool,
) -> Result<Vec<crate::import::Item>, Error> {
    let usage = |message: &str| {
        Err(Error::Usage {
            message: message.into(),
        })
    };
    if batch {
        return usage("`--adopt` describes one deployment: give one spec");
    }
    if to_stdout {
        return usage(
            "`--adopt` writes `terraform/imports.tf` beside `main.tf`; it does not combine with `-o -`",
        );
    }
    if !targets.contains(&Target::Terraform) {
        return usage(
            "`--adopt` writes Terraform import blocks (Bicep and ARM update what exists); add `terraform` to `--format`",
        );
    }
    read_az_files(files)
}

/// The resources of `az` JSON files (`plan --current`, `render --adopt`), with import's reader:
/// every file that cannot be read or recognised is reported, and none is used then.
fn read_az_files(files: &[PathBuf]) -> Result<Vec<crate::import::Item>, Error> {
    use crate::import::Item;
    let mut items: Vec<Item> = Vec::new();
    let mut problems = Vec::new();
    // A connection in two files must say the same thing twice: which one is deployed cannot be
    // guessed, and the plan would depend on the order of the files.
    let mut seen: std::collections::BTreeMap<
        String,
        (String, serde_json::Map<String, serde_json::Value>),
    > = std::collections::BTreeMap::new();
    for f in files {
        let name = f.display().to_string();
        let text = std::fs::read_to_string(f).map_err(|source| Error::Io {
            path: name.clone(),
            action: "read",
            source,
        })?;
        match crate::import::items(&name, &text) {
            Ok(list) => {
                for item in &list {
                    if let Item::Connection {
                        account,
                        project,
                        name: conn,
                        properties,
                    } = item
                    {
                        let key = format!(
                            "{}/{}/{}",
                            account.key(),
                            project.as_deref().unwrap_or("").to_ascii_lowercase(),
                            conn.to_ascii_lowercase()
                        );
                        match seen.get(&key) {
                            Some((first, p)) if p != properties => problems.push(crate::import::Problem {
                                file: name.clone(),
                                at: None,
                                message: format!("connection `{conn}` of `{}` is also in `{first}`, with other properties", account.name),
                                help: "give each connection once (the files may be from different times): which one is deployed decides the plan".into(),
                            }),
                            Some(_) => {}
                            None => {
                                seen.insert(key, (name.clone(), properties.clone()));
                            }
                        }
                    }
                }
                items.extend(list);
            }
            Err(p) => problems.push(p),
        }
    }
    if !problems.is_empty() {
        return Err(Error::Import { problems });
    }
    Ok(items)
}

/// What `--adopt` found, on stderr: how many resources are imported, and once, every resource of
/// the files the spec does not render.
fn report_adopted(a: &crate::Adopted) {
    if a.imported.is_empty() {
        eprintln!(
            "--adopt: none of the spec's Terraform resources exists in the files; no `terraform/imports.tf`"
        );
    } else {
        eprintln!(
            "--adopt: `terraform/imports.tf` imports {} that {} already",
            plural(a.imported.len(), "resource"),
            if a.imported.len() == 1 {
                "exists"
            } else {
                "exist"
            }
        );
    }
    for r in &a.replaced {
        eprintln!(
            "warning: --adopt does not import {r}: an update in place cannot make it the spec's, and `terraform apply` cannot create it while it exists; delete it first (`plan --current --script` shows the order)"
        );
    }
    if !a.ignored.is_empty() {
        eprintln!(
            "warning: the --adopt files hold {} the spec does not render, ignored: {}",
            plural(a.ignored.len(), "resource"),
            a.ignored
                .iter()
                .map(|i| format!("`{i}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
}

/// `plan` and `graph` describe one deployment: a folder is a usage error, not a read failure.
fn one_spec_file(command: &str, spec: &str) -> Result<(), Error> {
    if spec != "-" && Path::new(spec).is_dir() {
        return Err(Error::Usage {
            message: format!(
                "`{command}` reads one spec file, and `{spec}` is a folder; name one of its specs"
            ),
        });
    }
    Ok(())
}

/// Reads and checks one spec for the commands that need a valid model (`plan`, `graph`),
/// reporting its diagnostics like `validate`; the exit code when it is not usable.
fn checked(
    spec_arg: &str,
    diag: &DiagnosticOptions,
    color: bool,
) -> Result<(crate::Checked, Source), i32> {
    let outcome = process(
        spec_arg,
        None,
        &[],
        (false, false, diag.deny_warnings),
        None,
    );
    let mut reporter = Reporter::new(diag, color);
    reporter.report(&outcome);
    reporter.finish();
    if outcome.error.is_some() {
        return Err(outcome.code());
    }
    let source = outcome.source.expect("a checked spec has its source");
    check(&source)
        .map(|c| (c, source))
        .map_err(|e| e.exit_code())
}

/// `render -o -`: one spec, one format; its main file goes to stdout.
fn render_to_stdout(
    specs: &[String],
    targets: &[Target],
    templates: Option<Arc<TemplateSet>>,
    diag: &DiagnosticOptions,
    color: bool,
) -> Result<i32, Error> {
    if specs.len() != 1 || targets.len() != 1 {
        return Err(Error::Usage {
            message: "`-o -` prints one file: give one spec and one `--format`".into(),
        });
    }
    if diag.diagnostics != DiagnosticFormat::Human {
        return Err(Error::Usage {
            message: "`-o -` uses stdout for the file; use the human diagnostics".into(),
        });
    }
    // Validate and report exactly like a render into a folder would (--deny-warnings included).
    let outcome = process(
        &specs[0],
        None,
        &[],
        (false, false, diag.deny_warnings),
        None,
    );
    if outcome.error.is_some() {
        let mut reporter = Reporter::new(diag, color);
        reporter.report(&outcome);
        return Ok(outcome.code());
    }
    let source = outcome
        .source
        .clone()
        .expect("a checked spec has its source");
    let generated = match templates::with_templates(templates, || generate(&source, targets)) {
        Ok(g) => g,
        Err(e) => {
            let code = e.exit_code();
            Reporter::new(diag, color).report(&outcome.failed(e));
            return Ok(code);
        }
    };
    let lines = crate::diagnostics::SourceLines::new(&source.text);
    for w in &generated.warnings {
        eprintln!("{}", w.render_in(&source.name, &lines, color));
    }
    let main = match targets[0] {
        Target::Bicep => "bicep/main.bicep",
        Target::Arm => "arm/azuredeploy.json",
        Target::Terraform => "terraform/main.tf",
    };
    emit(&generated.output.files[main]);
    Ok(0)
}
