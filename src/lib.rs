//! foundrygen: reads a YAML spec of Azure AI Foundry accounts, projects and connections, validates
//! it against the rules Azure imposes, orders it the way Azure needs, and renders Bicep, ARM JSON and
//! Terraform through Tera templates.
//!
//! The pipeline is `spec` (load) → `validate` → `model` (with the dependency graph) → `render` →
//! `output`. [`generate`] runs it in memory; [`run`] is the command line.

#![warn(missing_docs)]

pub mod allocator;
pub mod catalog;
pub mod category;
pub mod cli;
pub mod current;
pub mod diagnostics;
pub mod draw;
pub mod error;
pub mod import;
pub mod init;
pub mod manual;
pub mod model;
pub mod output;
pub mod plan;
pub mod preflight;
pub mod render;
mod run;
pub mod schema;
mod script;
pub mod spec;
pub mod teardown;
pub mod validate;

use std::collections::BTreeMap;

use diagnostics::{Code, Diagnostic, Severity, SpecPath};
pub use error::Error;
pub use model::Model;
pub use output::OutputSet;
pub use render::Target;
pub use run::run;
pub use spec::Source;

/// Azure's template limits for Bicep and ARM.
pub const MAX_TEMPLATE_RESOURCES: usize = 800;
/// Parameters per template.
pub const MAX_TEMPLATE_PARAMETERS: usize = 256;
/// Outputs per template.
pub const MAX_TEMPLATE_OUTPUTS: usize = 64;
/// Bytes per template.
pub const MAX_TEMPLATE_BYTES: usize = 4 * 1024 * 1024;

/// From this size on (bytes of YAML) a spec is large: [`check`] decodes it beside validating it,
/// and what it leaves (parse tree, model, rendered files) is freed by [`drop_beside`]. Below it a
/// thread costs more than the work it hides.
pub(crate) const LARGE_SPEC_BYTES: usize = 64 * 1024;

/// Frees `value` on a thread of its own at the lowest priority, for what a large spec leaves that
/// the caller no longer needs (its parse tree, model, rendered files): freeing them takes 5-17 ms
/// each for 5,000 connections. At the lowest priority (nice 19) the thread gets only a small share
/// of a core while the threads doing the work are busy, and runs fully once they leave one idle
/// (on Linux; elsewhere it just runs beside them). Not `SCHED_IDLE`: on a host that is never idle
/// the memory would never be given back.
pub(crate) fn drop_beside<T: Send + 'static>(value: T) {
    std::thread::spawn(move || {
        #[cfg(target_os = "linux")]
        // SAFETY: setpriority only reads its arguments; on Linux, `who` 0 with PRIO_PROCESS is
        // the calling thread, not the whole process.
        unsafe {
            libc::setpriority(libc::PRIO_PROCESS, 0, 19);
        }
        drop(value);
    });
}

/// A validated spec: the model, and the warnings validation left.
#[derive(Debug)]
pub struct Checked {
    /// The model.
    pub model: Model,
    /// Warnings (errors stop earlier).
    pub warnings: Vec<Diagnostic>,
}

/// Parses and validates a spec, and builds its model.
pub fn check(source: &Source) -> Result<Checked, Error> {
    let invalid = |diagnostics: Vec<Diagnostic>| Error::InvalidSpec {
        source: source.clone(),
        diagnostics,
    };
    let (root, mut diags) = spec::load::parse_tree(source).map_err(invalid)?;
    // A large spec is decoded on a second thread while it is validated; the result is used only
    // once validation has passed (then it cannot have failed), and is dropped otherwise.
    let decoded_beside = source.is_large();
    let (found, decoded) = if decoded_beside {
        std::thread::scope(|scope| {
            let decoding = scope.spawn(|| spec::load::decode(source, &root));
            let found = validate::check(&root);
            let decoded = decoding
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (found, Some(decoded))
        })
    } else {
        (validate::check(&root), None)
    };
    diags.extend(found);
    diagnostics::sort(&mut diags);
    if diags.iter().any(Diagnostic::is_error) {
        return Err(invalid(diags));
    }
    let spec = match decoded {
        Some(decoded) => decoded?,
        None => spec::load::decode(source, &root)?,
    };
    // Freeing a large tree or spec takes a while; another thread does it. The tree goes now,
    // while the model is built on one core and the other is free, so the memory it held is
    // there to be used again by the model and the rendering instead of fresh pages.
    if decoded_beside {
        drop_beside(root);
    }
    let model = Model::build(&spec, source.label())?;
    if decoded_beside {
        drop_beside(spec);
    }
    Ok(Checked {
        model,
        warnings: diags,
    })
}

/// The result of [`generate`].
#[derive(Debug)]
pub struct Generated {
    /// The model rendered.
    pub model: Model,
    /// The files.
    pub output: OutputSet,
    /// Warnings from validation and from the rendered size.
    pub warnings: Vec<Diagnostic>,
}

/// Runs the whole pipeline in memory: load, validate, model, render.
pub fn generate(source: &Source, targets: &[Target]) -> Result<Generated, Error> {
    let Checked {
        model,
        mut warnings,
    } = check(source)?;
    let output = render::all(&model, targets)?;
    warnings.extend(limit_warnings(&model, &output));
    Ok(Generated {
        model,
        output,
        warnings,
    })
}

/// What [`adopt`] did: the resources it writes an `import {}` block for, and those of the files
/// the spec does not render.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Adopted {
    /// Labels of the resources `terraform/imports.tf` imports, in plan order.
    pub imported: Vec<String>,
    /// Ids of the resources of the files that the spec does not render (ignored).
    pub ignored: Vec<String>,
    /// Connections that exist but must be replaced, not imported, each with why.
    pub replaced: Vec<String>,
}

/// `render --adopt`: adds `terraform/imports.tf` to a Terraform render, with an `import {}` block
/// for every resource of the output the `az` items say exists already (none when nothing
/// matches). Bicep and ARM need nothing: a PUT over an existing resource updates it.
pub fn adopt(generated: &mut Generated, items: &[import::Item]) -> Result<Adopted, Error> {
    let adoption = import::adopt(&generated.model, items);
    if !adoption.existing.is_empty() && generated.output.files.contains_key("terraform/main.tf") {
        let text = render::terraform::imports(&generated.model, &adoption.existing)?;
        generated.output.insert("terraform/imports.tf", text);
    }
    Ok(Adopted {
        imported: adoption
            .existing
            .iter()
            .map(|&id| generated.model.entity(id).label.clone())
            .collect(),
        ignored: adoption.ignored,
        replaced: adoption
            .replaced
            .iter()
            .map(|(id, why)| format!("{}: {why}", generated.model.entity(*id).label))
            .collect(),
    })
}

fn limit_warnings(model: &Model, output: &OutputSet) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let resources = model.plan.len();
    let mut warn = |message: String| {
        out.push(Diagnostic {
            code: Code::TemplateLimit,
            severity: Severity::Warning,
            message,
            path: SpecPath::root(),
            span: None,
            help: Some("split the spec into several deployments".into()),
            related: Vec::new(),
            redact: false,
        });
    };
    if resources > MAX_TEMPLATE_RESOURCES {
        warn(format!(
            "the Bicep and ARM output declare {resources} resources, over Azure's limit of {MAX_TEMPLATE_RESOURCES} per template"
        ));
    }
    // Parameters and outputs count per template (a module or nested template on its own); the
    // Bicep file and the ARM template it stands beside say the same, so they share one warning.
    let mut per_template: BTreeMap<(&str, usize, usize), Vec<&str>> = BTreeMap::new();
    for t in &output.templates {
        for (what, count, limit) in [
            ("parameters", t.parameters, MAX_TEMPLATE_PARAMETERS),
            ("outputs", t.outputs, MAX_TEMPLATE_OUTPUTS),
        ] {
            if count > limit {
                per_template
                    .entry((what, count, limit))
                    .or_default()
                    .push(&t.template);
            }
        }
    }
    for ((what, count, limit), templates) in per_template {
        let names: Vec<String> = templates.iter().map(|t| format!("`{t}`")).collect();
        warn(format!(
            "{} {} {count} {what}, over Azure's limit of {limit} per template",
            names.join(" and "),
            if names.len() == 1 {
                "declares"
            } else {
                "declare"
            }
        ));
    }
    for (path, text) in &output.files {
        if (path.ends_with(".json") || path.ends_with(".bicep")) && text.len() > MAX_TEMPLATE_BYTES
        {
            warn(format!(
                "`{path}` is {} bytes, over Azure's template limit of {MAX_TEMPLATE_BYTES} bytes",
                text.len()
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warns_past_azure_template_limits_and_still_renders() {
        let mut text = String::from(
            "version: 1\nname: big\nlocation: eastus2\nfoundries:\n  - name: big-foundry\n    connections:\n",
        );
        for i in 0..810 {
            text.push_str(&format!(
                "      - {{ name: web-{i:04}, category: ApiKey, target: {{ url: 'https://api.example.com/{i}' }}, auth: {{ type: ApiKey, key: {{ secret: key{i:04} }} }} }}\n"
            ));
        }
        let g = generate(&Source::new("big.yaml", text), &[Target::Arm]).unwrap();
        let limits: Vec<_> = g
            .warnings
            .iter()
            .filter(|w| w.code == Code::TemplateLimit)
            .map(|w| w.message.as_str())
            .collect();
        assert_eq!(limits.len(), 2, "{limits:?}");
        assert!(limits[0].contains("811 resources"));
        assert!(limits[1].contains("811 parameters"));
        assert!(g.output.files.contains_key("arm/azuredeploy.json"));
    }

    #[test]
    fn warns_once_for_a_bicep_file_and_its_arm_twin_over_the_output_limit() {
        let g = generate(
            &Source::new(
                "t.yaml",
                "version: 1\nname: t\nlocation: eastus2\nfoundries:\n  - name: a-one\n",
            ),
            &[Target::Bicep],
        )
        .unwrap();
        assert!(g.warnings.is_empty());
        // Sizes past the limit, which no built-in template reaches.
        let mut output = g.output.clone();
        for (template, outputs) in [("bicep/main.bicep", 70), ("arm/azuredeploy.json", 70)] {
            output.templates.push(output::TemplateSize {
                template: template.into(),
                resources: 1,
                parameters: 1,
                outputs,
            });
        }
        let warnings = limit_warnings(&g.model, &output);
        let messages: Vec<_> = warnings.iter().map(|w| w.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "`bicep/main.bicep` and `arm/azuredeploy.json` declare 70 outputs, over Azure's limit of 64 per template"
            ]
        );
    }
}
