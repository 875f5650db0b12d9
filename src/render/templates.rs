//! The embedded templates: one table, one Tera instance per output format (built once), with the
//! escaping filters registered and HTML autoescape off.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

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
    template!("bicep/modules/data-plane-role-assignment.bicep"),
    template!("bicep/modules/key-vault-access-policy.bicep"),
    template!("arm/azuredeploy.json"),
    template!("arm/azuredeploy.parameters.json"),
    template!("terraform/main.tf"),
    template!("terraform/variables.tf"),
    template!("terraform/outputs.tf"),
    template!("terraform/versions.tf"),
    template!("terraform/terraform.tfvars.example"),
    template!("terraform/imports.tf"),
];

/// Builds a Tera instance holding `templates`, with foundrygen's filters and no autoescape.
pub fn build(templates: &[(&str, &str)]) -> Result<Tera, tera::Error> {
    let mut tera = Tera::new();
    tera.autoescape_on(Vec::<&str>::new());
    filters::register(&mut tera);
    tera.add_raw_templates(templates.iter().copied())?;
    Ok(tera)
}

/// The templates a render uses: the built-in ones, or an overlay folder's files in their place.
pub struct TemplateSet {
    /// One Tera instance per format (`bicep`, `arm`, `terraform`).
    by_format: BTreeMap<&'static str, Tera>,
    /// Template name → the overlay file it came from (absent for built-ins).
    origin: BTreeMap<String, PathBuf>,
}

const FORMATS: [&str; 3] = ["bicep", "arm", "terraform"];

impl TemplateSet {
    /// The built-in templates (compiled once).
    pub fn builtin() -> Result<&'static TemplateSet, Error> {
        static BUILTIN: OnceLock<Result<TemplateSet, String>> = OnceLock::new();
        BUILTIN
            .get_or_init(|| {
                let sources: Vec<(String, String)> = TEMPLATES
                    .iter()
                    .map(|(n, t)| (n.to_string(), t.to_string()))
                    .collect();
                TemplateSet::compile(&sources, BTreeMap::new()).map_err(|e| chain(&e).join(": "))
            })
            .as_ref()
            .map_err(|msg| Error::Internal {
                message: "the built-in templates do not compile".into(),
                chain: vec![msg.clone()],
            })
    }

    /// The built-in templates with every `DIR/<name>.tera` that exists put in place of its
    /// built-in twin. A file in `DIR` that matches no template is refused, so a typo in a file name
    /// does not go unnoticed.
    pub fn with_overlay(dir: &Path) -> Result<TemplateSet, Error> {
        if !dir.is_dir() {
            return Err(Error::Usage {
                message: format!("template folder `{}` does not exist", dir.display()),
            });
        }
        let mut sources = Vec::new();
        let mut origin = BTreeMap::new();
        for (name, builtin) in TEMPLATES {
            let path = dir.join(format!("{name}.tera"));
            match std::fs::read_to_string(&path) {
                Ok(text) => {
                    origin.insert(name.to_string(), path);
                    sources.push((name.to_string(), text));
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    sources.push((name.to_string(), builtin.to_string()));
                }
                Err(e) => {
                    return Err(Error::Io {
                        path: path.display().to_string(),
                        action: "read",
                        source: e,
                    });
                }
            }
        }
        for file in tera_files(dir) {
            let known = TEMPLATES
                .iter()
                .any(|(n, _)| dir.join(format!("{n}.tera")) == file);
            if !known {
                return Err(Error::Usage {
                    message: format!(
                        "`{}` replaces no built-in template; `foundrygen templates export` shows their names",
                        file.display()
                    ),
                });
            }
        }
        TemplateSet::compile(&sources, origin.clone()).map_err(|e| {
            // Tera names templates by their internal names; point at the overlay files instead.
            let mut template = dir.display().to_string();
            let messages = chain(&e)
                .into_iter()
                .map(|mut m| {
                    for (name, path) in &origin {
                        let internal = format!("--> {name}:");
                        if m.contains(&internal) {
                            template = path.display().to_string();
                            m = m.replace(&internal, &format!("--> {}:", path.display()));
                        }
                    }
                    m
                })
                .collect();
            Error::Template {
                template,
                chain: messages,
            }
        })
    }

    fn compile(
        sources: &[(String, String)],
        origin: BTreeMap<String, PathBuf>,
    ) -> Result<TemplateSet, tera::Error> {
        let mut by_format = BTreeMap::new();
        for format in FORMATS {
            let own: Vec<(&str, &str)> = sources
                .iter()
                .filter(|(n, _)| n.split('/').next() == Some(format))
                .map(|(n, t)| (n.as_str(), t.as_str()))
                .collect();
            by_format.insert(format, build(&own)?);
        }
        Ok(TemplateSet { by_format, origin })
    }

    fn render(&self, name: &str, ctx: &Context) -> Result<String, Error> {
        let format = name.split('/').next().unwrap_or("");
        let tera = self.by_format.get(format).ok_or_else(|| Error::Internal {
            message: format!("no templates for `{format}`"),
            chain: Vec::new(),
        })?;
        tera.render(name, ctx)
            .map_err(|e| match self.origin.get(name) {
                Some(path) => Error::Template {
                    template: path.display().to_string(),
                    // Tera names the template by its internal name; point at the overlay file.
                    chain: chain(&e)
                        .into_iter()
                        .map(|m| {
                            m.replace(&format!("--> {name}:"), &format!("--> {}:", path.display()))
                        })
                        .collect(),
                },
                None => Error::internal(format!("template `{name}` failed to render"), &e),
            })
    }
}

fn tera_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "tera") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

thread_local! {
    /// The overlay the current thread renders with, if any (set by [`with_templates`]).
    static ACTIVE: RefCell<Option<Arc<TemplateSet>>> = const { RefCell::new(None) };
}

/// Runs `f` with `set` as this thread's templates.
pub fn with_templates<R>(set: Option<Arc<TemplateSet>>, f: impl FnOnce() -> R) -> R {
    let previous = ACTIVE.with(|a| a.replace(set));
    let result = f();
    ACTIVE.with(|a| *a.borrow_mut() = previous);
    result
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

/// Renders one template with a view. A failure in a built-in template is a foundrygen bug; one in
/// an overlay file names that file. Either way the exit code is 5.
pub fn render(name: &str, view: &impl Serialize) -> Result<String, Error> {
    let ctx = context(name, view)?;
    render_ctx(name, &ctx)
}

/// The Tera context for a view (build once, render several templates with it).
pub fn context(name: &str, view: &impl Serialize) -> Result<Context, Error> {
    Context::from_serialize(view)
        .map_err(|e| Error::internal(format!("cannot pass the view to template `{name}`"), &e))
}

/// Renders one template with a context built by [`context`].
pub fn render_ctx(name: &str, ctx: &Context) -> Result<String, Error> {
    let active = ACTIVE.with(|a| a.borrow().clone());
    let mut text = match active {
        Some(set) => set.render(name, ctx)?,
        None => TemplateSet::builtin()?.render(name, ctx)?,
    };
    // One trailing newline, whatever the template's last line does.
    while text.ends_with('\n') {
        text.pop();
    }
    text.push('\n');
    Ok(text)
}

/// Writes the built-in templates into `dir` as `<name>.tera` files, all or none; existing files are
/// never overwritten.
pub fn export(dir: &Path) -> Result<Vec<String>, Error> {
    let mut set = crate::output::OutputSet::default();
    for (name, text) in TEMPLATES {
        set.insert(format!("{name}.tera"), text.to_string());
    }
    set.write_new(dir)?;
    Ok(set.files.keys().cloned().collect())
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
