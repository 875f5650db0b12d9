//! The embedded templates: one table, one Tera instance per output format (built once), with the
//! escaping filters registered and HTML autoescape off.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use serde::Serialize;
use tera::{Context, Tera};

use super::context::{FileView, OutputView, ParamView, RValue, ResourceView};
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
    template!("bicep/existing.bicep"),
    template!("bicep/resource.bicep"),
    template!("bicep/main.bicepparam"),
    template!("bicep/modules/role-assignment.bicep"),
    template!("bicep/modules/data-plane-role-assignment.bicep"),
    template!("bicep/modules/key-vault-access-policy.bicep"),
    template!("arm/azuredeploy.json"),
    template!("arm/resource.json"),
    template!("arm/azuredeploy.parameters.json"),
    template!("terraform/main.tf"),
    template!("terraform/data.tf"),
    template!("terraform/ephemeral.tf"),
    template!("terraform/resource.tf"),
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
    /// Compiles the built-in templates (done once per process, by [`active`]).
    fn compile_builtin() -> Result<TemplateSet, String> {
        let sources: Vec<(String, String)> = TEMPLATES
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect();
        TemplateSet::compile(&sources, BTreeMap::new()).map_err(|e| {
            format!(
                "the built-in templates do not compile: {}",
                chain(&e).join(": ")
            )
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

    /// Renders `name` with `ctx`, appending to `out`.
    fn render_to(&self, name: &str, ctx: &Context, out: &mut Vec<u8>) -> Result<(), Error> {
        let format = name.split('/').next().unwrap_or("");
        let tera = self.by_format.get(format).ok_or_else(|| Error::Internal {
            message: format!("no templates for `{format}`"),
            chain: Vec::new(),
        })?;
        tera.render_to(name, ctx, out)
            .map_err(|e| self.template_error(name, &e))
    }

    /// A failure in a built-in template is a foundrygen bug; one in an overlay file names that
    /// file (Tera names the template by its internal name).
    fn template_error(&self, name: &str, e: &(dyn std::error::Error + 'static)) -> Error {
        match self.origin.get(name) {
            Some(path) => Error::Template {
                template: path.display().to_string(),
                chain: chain(e)
                    .into_iter()
                    .map(|m| {
                        m.replace(&format!("--> {name}:"), &format!("--> {}:", path.display()))
                    })
                    .collect(),
            },
            None => Error::internal(format!("template `{name}` failed to render"), e),
        }
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

/// The overlay this thread renders with, if any: what a thread it starts passes to
/// [`with_templates`] to render with the same templates.
pub fn current() -> Option<Arc<TemplateSet>> {
    ACTIVE.with(|a| a.borrow().clone())
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

/// The templates this thread renders with: the overlay set by [`with_templates`], or the built-in
/// ones.
fn active() -> Result<Arc<TemplateSet>, Error> {
    static BUILTIN: OnceLock<Result<Arc<TemplateSet>, String>> = OnceLock::new();
    if let Some(set) = ACTIVE.with(|a| a.borrow().clone()) {
        return Ok(set);
    }
    BUILTIN
        .get_or_init(|| {
            TemplateSet::compile_builtin()
                .map(Arc::new)
                .map_err(|e| e.to_string())
        })
        .clone()
        .map_err(|message| Error::Internal {
            message,
            chain: Vec::new(),
        })
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
    let mut out = Vec::new();
    active()?.render_to(name, ctx, &mut out)?;
    finish(out)
}

/// One trailing newline, whatever the template's last line does.
fn finish(out: Vec<u8>) -> Result<String, Error> {
    let mut text = String::from_utf8(out)
        .map_err(|e| Error::internal("a template printed invalid UTF-8", &e))?;
    while text.ends_with('\n') {
        text.pop();
    }
    text.push('\n');
    Ok(text)
}

/// A list of a file's view that its frame template receives as text: every item rendered by
/// `template` from its own small context (`r`, the item; `module`, `first`, `last`), so that no
/// context ever holds the whole deployment.
pub struct Items<'a> {
    /// The `FileView` field (`existing`, `resources`, `ephemeral`).
    pub field: &'static str,
    /// The item template (`bicep/resource.bicep`).
    pub template: &'static str,
    /// The items, in order.
    pub views: &'a [ResourceView],
}

/// What a frame template receives: the [`FileView`] with each list in [`Items`] replaced by a
/// marker that [`render_file`] replaces with the rendered items.
#[derive(Serialize)]
struct FrameView<'a> {
    generated_by: &'a str,
    version: &'a str,
    deployment: &'a str,
    module: bool,
    params: &'a [ParamView],
    existing: &'a str,
    resources: &'a str,
    outputs: &'a [OutputView],
    locals: &'a [(String, RValue)],
    ephemeral: &'a str,
}

/// The marker standing for a list in the frame's output (control characters no escaping filter
/// lets through, so a spec string can never produce one).
fn marker(field: &str) -> String {
    format!("\u{1}foundrygen:{field}\u{1}")
}

/// The files of one `FileView`: `frames` (the main template first, then the templates rendered
/// beside it, such as `main.bicepparam`) each from one small frame context, with the big lists
/// in `items` rendered item by item into the main file where its frame writes them. Returns the
/// texts in the order of `frames`.
pub fn render_file(
    view: &FileView,
    frames: &[&str],
    items: &[Items<'_>],
) -> Result<Vec<String>, Error> {
    render_file_with(view, frames, items, None)
}

/// A formatter the main file goes through piece by piece (each frame piece and each item on its
/// own), so that no formatter ever holds a whole big file: `piece` formats one piece into the
/// output and says whether it could (the piece stands on its own), `joins` says whether two raw
/// pieces may be formatted apart, and `whole` formats a file at once, for when they cannot.
pub struct Piecewise {
    /// Formats one piece, appending it; `false` when the piece cannot be formatted alone.
    pub piece: fn(&mut String, &str) -> bool,
    /// Whether the raw text before a cut and after it format apart as they do together.
    pub joins: fn(&str, &str) -> bool,
    /// Formats a whole file.
    pub whole: fn(&str) -> String,
}

/// [`render_file`], with the main file formatted by `format` (the other frames are left as
/// rendered).
pub fn render_file_with(
    view: &FileView,
    frames: &[&str],
    items: &[Items<'_>],
    format: Option<&Piecewise>,
) -> Result<Vec<String>, Error> {
    let set = active()?;
    let markers: BTreeMap<&str, String> =
        items.iter().map(|i| (i.field, marker(i.field))).collect();
    let text_of = |field: &str| markers.get(field).map_or("", String::as_str);
    let frame = FrameView {
        generated_by: &view.generated_by,
        version: &view.version,
        deployment: &view.deployment,
        module: view.module,
        params: &view.params,
        existing: text_of("existing"),
        resources: text_of("resources"),
        outputs: &view.outputs,
        locals: &view.locals,
        ephemeral: text_of("ephemeral"),
    };
    let ctx = context(frames[0], &frame)?;
    let mut texts = Vec::with_capacity(frames.len());
    for (n, name) in frames.iter().enumerate() {
        let mut out = Vec::new();
        set.render_to(name, &ctx, &mut out)
            .map_err(|e| set.with_layout_hint(name, items, e))?;
        if n == 0 {
            let spliced = match format {
                Some(f) => splice_formatted(&set, name, &out, view.module, items, f)?,
                None => None,
            };
            out = match (spliced, format) {
                (Some(done), _) => done.into_bytes(),
                (None, None) => splice(&set, name, out, view.module, items)?,
                (None, Some(f)) => {
                    let raw = finish(splice(&set, name, out, view.module, items)?)?;
                    (f.whole)(&raw).into_bytes()
                }
            };
        }
        texts.push(finish(out)?);
    }
    Ok(texts)
}

/// Puts the rendered items of each list where the frame `name` wrote its marker.
fn splice(
    set: &TemplateSet,
    name: &str,
    frame: Vec<u8>,
    module: bool,
    items: &[Items<'_>],
) -> Result<Vec<u8>, Error> {
    // Where each list's marker is, in the order they appear.
    let mut at = Vec::new();
    for list in items {
        let m = marker(list.field);
        let found: Vec<usize> = find_all(&frame, m.as_bytes());
        if found.len() != 1 {
            return Err(set.frame_error(name, list, found.len()));
        }
        at.push((found[0], m.len(), list));
    }
    at.sort_by_key(|(pos, _, _)| *pos);
    let mut out =
        Vec::with_capacity(frame.len() + items.iter().map(|l| l.views.len() * 1024).sum::<usize>());
    let mut from = 0;
    let mut ctx = Context::new();
    ctx.insert("module", &module);
    for (pos, len, list) in at {
        out.extend_from_slice(&frame[from..pos]);
        let last = list.views.len().saturating_sub(1);
        for (i, r) in list.views.iter().enumerate() {
            ctx.insert("r", r);
            ctx.insert("first", &(i == 0));
            ctx.insert("last", &(i == last));
            set.render_to(list.template, &ctx, &mut out)?;
        }
        from = pos + len;
    }
    out.extend_from_slice(&frame[from..]);
    Ok(out)
}

/// [`splice`], formatting each piece on its own as it goes; `None` when a piece does not stand on
/// its own or a cut would change the formatting (the caller formats the whole file instead).
fn splice_formatted(
    set: &TemplateSet,
    name: &str,
    frame: &[u8],
    module: bool,
    items: &[Items<'_>],
    format: &Piecewise,
) -> Result<Option<String>, Error> {
    let frame = std::str::from_utf8(frame)
        .map_err(|e| Error::internal("a template printed invalid UTF-8", &e))?;
    let mut at = Vec::new();
    for list in items {
        let m = marker(list.field);
        let found: Vec<usize> = find_all(frame.as_bytes(), m.as_bytes());
        if found.len() != 1 {
            return Err(set.frame_error(name, list, found.len()));
        }
        at.push((found[0], m.len(), list));
    }
    at.sort_by_key(|(pos, _, _)| *pos);
    let mut out = String::with_capacity(
        frame.len() + items.iter().map(|l| l.views.len() * 1024).sum::<usize>(),
    );
    // The end of the previous raw piece: all `joins` looks at.
    let mut tail = String::new();
    let mut add = |out: &mut String, piece: &str| -> bool {
        if piece.is_empty() {
            return true;
        }
        if !(format.joins)(&tail, piece) || !(format.piece)(out, piece) {
            return false;
        }
        let keep = piece.len().min(2);
        let cut = (0..=piece.len() - keep)
            .rev()
            .find(|&i| piece.is_char_boundary(i))
            .unwrap_or(0);
        tail = piece[cut..].to_string();
        true
    };
    let mut ctx = Context::new();
    ctx.insert("module", &module);
    let mut scratch = Vec::new();
    let mut from = 0;
    for (pos, len, list) in at {
        if !add(&mut out, &frame[from..pos]) {
            return Ok(None);
        }
        let last = list.views.len().saturating_sub(1);
        for (i, r) in list.views.iter().enumerate() {
            ctx.insert("r", r);
            ctx.insert("first", &(i == 0));
            ctx.insert("last", &(i == last));
            scratch.clear();
            set.render_to(list.template, &ctx, &mut scratch)?;
            let piece = std::str::from_utf8(&scratch)
                .map_err(|e| Error::internal("a template printed invalid UTF-8", &e))?;
            if !add(&mut out, piece) {
                return Ok(None);
            }
        }
        from = pos + len;
    }
    if !add(&mut out, &frame[from..]) {
        return Ok(None);
    }
    Ok(Some(out))
}

fn find_all(haystack: &[u8], needle: &[u8]) -> Vec<usize> {
    let mut found = Vec::new();
    let mut i = 0;
    while let Some(p) = haystack[i..]
        .windows(needle.len())
        .position(|w| w == needle)
    {
        found.push(i + p);
        i += p + needle.len();
    }
    found
}

impl TemplateSet {
    /// An overlay's frame that still loops over a list it now receives as text (written for the
    /// layout before item templates) fails on the loop; say why, and where the loop body goes.
    fn with_layout_hint(&self, name: &str, items: &[Items<'_>], e: Error) -> Error {
        let Some(path) = self.origin.get(name) else {
            return e;
        };
        let Error::Template {
            template,
            mut chain,
        } = e
        else {
            return e;
        };
        let text = std::fs::read_to_string(path).unwrap_or_default();
        for list in items {
            if text.contains(&format!(" in {} ", list.field))
                || text.contains(&format!(" in {}%", list.field))
            {
                chain.push(format!(
                    "help: `{}` is the text of the rendered blocks here, not a list: each block is rendered by `{}`; move the body of this loop into that template (see docs/templates.md; `foundrygen templates export` shows the built-in layout)",
                    list.field, list.template
                ));
            }
        }
        Error::Template { template, chain }
    }

    /// The error for a frame that wrote a list's text `count` times instead of once.
    fn frame_error(&self, name: &str, list: &Items<'_>, count: usize) -> Error {
        let what = if count == 0 {
            "does not write"
        } else {
            "writes more than once"
        };
        let shown = self
            .origin
            .get(name)
            .map_or(name.to_string(), |p| p.display().to_string());
        let message = format!(
            "`{shown}` {what} `{{{{ {field} }}}}`: each block of `{field}` is rendered by `{item}`, and this template writes their text once, unfiltered, where they go (see docs/templates.md; `foundrygen templates export` shows the built-in layout)",
            field = list.field,
            item = list.template,
        );
        match self.origin.get(name) {
            Some(path) => Error::Template {
                template: path.display().to_string(),
                chain: vec![message],
            },
            None => Error::Internal {
                message,
                chain: Vec::new(),
            },
        }
    }
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
