//! The embedded templates: one table, one Tera instance per output format (built once), with the
//! escaping filters registered and HTML autoescape off.

use std::sync::OnceLock;

use serde::Serialize;
use tera::{Context, Tera};

use super::filters;
use crate::error::Error;

macro_rules! template {
    ($name:literal) => {
        (
            $name,
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/templates/",
                $name,
                ".tera"
            )),
        )
    };
}

/// Every built-in template: name (its path under `templates/` without `.tera`) and text.
pub const TEMPLATES: &[(&str, &str)] = &[
    template!("bicep/main.bicep"),
    template!("bicep/main.bicepparam"),
    template!("bicep/modules/role-assignment.bicep"),
    template!("bicep/modules/key-vault-access-policy.bicep"),
    template!("arm/azuredeploy.json"),
    template!("arm/azuredeploy.parameters.json"),
    template!("terraform/main.tf"),
    template!("terraform/variables.tf"),
    template!("terraform/outputs.tf"),
    template!("terraform/versions.tf"),
    template!("terraform/terraform.tfvars.example"),
];

/// Builds a Tera instance holding `templates`, with foundrygen's filters and no autoescape.
pub fn build(templates: &[(&str, &str)]) -> Result<Tera, tera::Error> {
    let mut tera = Tera::new();
    tera.autoescape_on(Vec::<&str>::new());
    filters::register(&mut tera);
    tera.add_raw_templates(templates.iter().copied())?;
    Ok(tera)
}

fn instance(format: &str) -> Result<&'static Tera, Error> {
    static BICEP: OnceLock<Result<Tera, String>> = OnceLock::new();
    static ARM: OnceLock<Result<Tera, String>> = OnceLock::new();
    static TERRAFORM: OnceLock<Result<Tera, String>> = OnceLock::new();
    let cell = match format {
        "bicep" => &BICEP,
        "arm" => &ARM,
        _ => &TERRAFORM,
    };
    let built = cell.get_or_init(|| {
        let own: Vec<(&str, &str)> = TEMPLATES
            .iter()
            .copied()
            .filter(|(n, _)| n.split('/').next() == Some(format))
            .collect();
        build(&own).map_err(|e| chain(&e).join(": "))
    });
    built.as_ref().map_err(|msg| Error::Internal {
        message: format!("the built-in {format} templates do not compile"),
        chain: vec![msg.clone()],
    })
}

fn chain(e: &(dyn std::error::Error + 'static)) -> Vec<String> {
    let mut out = vec![e.to_string()];
    let mut cause = e.source();
    while let Some(c) = cause {
        out.push(c.to_string());
        cause = c.source();
    }
    out
}

/// Renders one built-in template with a view; a failure is a foundrygen bug (exit code 5).
pub fn render(name: &str, view: &impl Serialize) -> Result<String, Error> {
    let format = name.split('/').next().unwrap_or("");
    let tera = instance(format)?;
    let ctx = Context::from_serialize(view)
        .map_err(|e| Error::internal(format!("cannot pass the view to template `{name}`"), &e))?;
    let mut text = tera
        .render(name, &ctx)
        .map_err(|e| Error::internal(format!("template `{name}` failed to render"), &e))?;
    // One trailing newline, whatever the template's last line does.
    while text.ends_with('\n') {
        text.pop();
    }
    text.push('\n');
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles() {
        build(TEMPLATES).expect("templates compile");
    }

    #[test]
    fn every_template_file_is_in_the_table() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        let mut found = Vec::new();
        let mut stack = vec![std::path::PathBuf::from(root)];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let p = entry.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else if let Some(rel) = p.strip_prefix(root).ok().and_then(|r| r.to_str()) {
                    found.push(rel.replace('\\', "/").trim_end_matches(".tera").to_string());
                }
            }
        }
        found.sort();
        let mut table: Vec<String> = TEMPLATES.iter().map(|(n, _)| n.to_string()).collect();
        table.sort();
        assert_eq!(found, table);
    }
}
