//! The embedded templates: one table, one Tera instance per output format (built once), with the
//! escaping filters registered and HTML autoescape off.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use serde::Serialize;
use tera::{Context, Tera};

use super::context::{FileView, OutputView, ParamView, Printed, Printing, RValue, ResourceView};
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
    compiled: Compiled,
    /// Template name → the overlay file it came from (absent for built-ins).
    origin: BTreeMap<String, PathBuf>,
}

/// How a set holds its compiled templates.
enum Compiled {
    /// The built-in templates, each compiled on its own the first time it renders: no built-in
    /// template includes or imports another, and a render uses only some of them (the quickstart
    /// uses 13 of 19), so a process compiles only what it renders (compiling all of them was a
    /// sixth of the quickstart's process time).
    Lazily(Vec<OnceLock<Result<Tera, String>>>),
    /// An overlay's: one Tera instance per format (`bicep`, `arm`, `terraform`), compiled up
    /// front, so that an overlay file may include or import any template of its format and a
    /// mistake in any of them is reported before anything renders.
    PerFormat(BTreeMap<&'static str, Tera>),
}

const FORMATS: [&str; 3] = ["bicep", "arm", "terraform"];

impl TemplateSet {
    /// The built-in templates, none compiled yet (done once per process, by [`active`]).
    fn builtin() -> TemplateSet {
        TemplateSet {
            compiled: Compiled::Lazily(TEMPLATES.iter().map(|_| OnceLock::new()).collect()),
            origin: BTreeMap::new(),
        }
    }

    /// The Tera instance that renders `name`, compiling it first if it is a built-in template
    /// not compiled yet.
    fn tera_for(&self, name: &str) -> Result<&Tera, Error> {
        let missing = |what: &str| Error::Internal {
            message: format!("no template for `{what}`"),
            chain: Vec::new(),
        };
        match &self.compiled {
            Compiled::Lazily(slots) => {
                let i = TEMPLATES
                    .iter()
                    .position(|(n, _)| *n == name)
                    .ok_or_else(|| missing(name))?;
                slots[i]
                    .get_or_init(|| {
                        // A copy of an instance with the filters registered costs less than
                        // registering Tera's and ours again for each template.
                        static EMPTY: OnceLock<Result<Tera, String>> = OnceLock::new();
                        let empty = EMPTY.get_or_init(|| build(&[]).map_err(|e| e.to_string()));
                        let mut tera = empty.clone()?;
                        let (name, text) = TEMPLATES[i];
                        tera.add_raw_template(name, text)
                            .map(|()| tera)
                            .map_err(|e| {
                                format!(
                                    "the built-in template `{name}` does not compile: {}",
                                    chain(&e).join(": ")
                                )
                            })
                    })
                    .as_ref()
                    .map_err(|message| Error::Internal {
                        message: message.clone(),
                        chain: Vec::new(),
                    })
            }
            Compiled::PerFormat(by_format) => {
                let format = name.split('/').next().unwrap_or("");
                by_format.get(format).ok_or_else(|| missing(format))
            }
        }
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
        Ok(TemplateSet {
            compiled: Compiled::PerFormat(by_format),
            origin,
        })
    }

    /// Renders `name` with `ctx`, appending to `out`.
    fn render_to(&self, name: &str, ctx: &Context, out: &mut Vec<u8>) -> Result<(), Error> {
        self.tera_for(name)?
            .render_to(name, ctx, out)
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

/// The overlay files (as given on the command line) that stand for any of the templates `names`
/// (`arm/resource.json`, …) on this thread; empty with the built-in templates.
pub fn overlaid(names: &[&str]) -> Vec<String> {
    current()
        .map(|set| {
            names
                .iter()
                .filter_map(|n| set.origin.get(*n).map(|p| p.display().to_string()))
                .collect()
        })
        .unwrap_or_default()
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
fn active() -> Arc<TemplateSet> {
    static BUILTIN: OnceLock<Arc<TemplateSet>> = OnceLock::new();
    if let Some(set) = ACTIVE.with(|a| a.borrow().clone()) {
        return set;
    }
    BUILTIN
        .get_or_init(|| Arc::new(TemplateSet::builtin()))
        .clone()
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
    active().render_to(name, ctx, &mut out)?;
    finish(out)
}

/// One trailing newline, whatever the template's last line does.
fn finish(out: Vec<u8>) -> Result<String, Error> {
    Ok(one_newline(printed(out)?))
}

/// What a template printed, as text (Tera writes bytes; a built-in filter never breaks UTF-8).
fn printed(out: Vec<u8>) -> Result<String, Error> {
    String::from_utf8(out).map_err(|e| invalid_utf8(&e))
}

fn invalid_utf8(e: &(dyn std::error::Error + 'static)) -> Error {
    Error::internal("a template printed invalid UTF-8", e)
}

/// `text` ending in exactly one newline.
fn one_newline(mut text: String) -> String {
    while text.ends_with('\n') {
        text.pop();
    }
    text.push('\n');
    text
}

/// A formatter the main file goes through piece by piece (each frame piece and each item on its
/// own), so that no formatter ever holds a whole big file: `piece` formats one piece into the
/// output and says whether it could (the piece stands on its own), and `joins` says whether two
/// raw pieces may be formatted apart. When either says no, the caller renders again without it
/// and formats the whole file at once.
pub struct Piecewise {
    /// Formats one piece, appending it; `false` when the piece cannot be formatted alone.
    pub piece: fn(&mut String, &str) -> bool,
    /// Whether the raw text before a cut and after it format apart as they do together.
    pub joins: fn(&str, &str) -> bool,
}

impl Piecewise {
    /// Formats `piece` into `out` when it stands on its own and, after raw text ending in `tail`
    /// (`None` where the cut before it is checked elsewhere), the cut between them is clean.
    fn append(&self, out: &mut String, tail: Option<&str>, piece: &str) -> bool {
        tail.is_none_or(|t| (self.joins)(t, piece)) && (self.piece)(out, piece)
    }
}

/// The last (up to) two characters of `s`: all [`Piecewise::joins`] reads of the text before a cut.
fn tail_of(s: &str) -> &str {
    let mut cut = s.len().saturating_sub(2);
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    &s[cut..]
}

/// From this many keys on, [`ItemStream::extend_with`] builds a list in two halves at once.
pub const SPLIT_FROM: usize = 400;

/// One list of a file's view (`existing`, `resources`, `ephemeral`) rendered item by item as the
/// items are built, each from a small context of its own (`r`, the item; `module`, `first`,
/// `last`), so that neither a context nor the list of views ever holds the whole deployment. The
/// frame template then receives the list as text ([`render_file`]).
pub struct ItemStream<'f> {
    field: &'static str,
    template: &'static str,
    set: Arc<TemplateSet>,
    ctx: Context,
    /// The item waiting for the next one, which decides whether it is `last`.
    pending: Option<ResourceView>,
    count: usize,
    rendered: usize,
    /// How many items the caller expects (0: no idea), to size `out` once (see [`Self::expect`]).
    expected: usize,
    out: String,
    scratch: Vec<u8>,
    format: Option<&'f Piecewise>,
    /// How the values are printed before they reach the template, when it is a built-in one
    /// (`None`: the template gets the `{t, v}` trees).
    printing: Option<Printing>,
    /// The raw start of the first item and end of the last one, for the cuts around the list.
    head: String,
    tail: String,
    /// Whether every item formatted on its own (always true without a formatter).
    clean: bool,
    /// For a [`Self::continuation`]: its items follow another stream's, so none is `first`.
    continues: bool,
    /// For a continuation, the first characters of the pieces rendered before its tail was
    /// known (empty pieces, then the first that is not): the cuts after the earlier stream's tail
    /// that [`Self::append`] checks.
    unchecked: Vec<String>,
}

impl<'f> ItemStream<'f> {
    /// A stream of the `field` list, each item rendered by `template`.
    pub fn new(
        field: &'static str,
        template: &'static str,
        module: bool,
        format: Option<&'f Piecewise>,
    ) -> Self {
        let mut ctx = Context::new();
        ctx.insert("module", &module);
        let set = active();
        let printing = if set.origin.contains_key(template) {
            None
        } else {
            builtin_printing(template)
        };
        ItemStream::empty(field, template, set, ctx, format, printing, false)
    }

    /// A stream with no item yet; `continues` for a [`Self::continuation`].
    fn empty(
        field: &'static str,
        template: &'static str,
        set: Arc<TemplateSet>,
        ctx: Context,
        format: Option<&'f Piecewise>,
        printing: Option<Printing>,
        continues: bool,
    ) -> Self {
        ItemStream {
            field,
            template,
            set,
            ctx,
            pending: None,
            count: 0,
            rendered: 0,
            expected: 0,
            out: String::new(),
            scratch: Vec::new(),
            format,
            printing,
            head: String::new(),
            tail: String::new(),
            clean: true,
            continues,
            unchecked: Vec::new(),
        }
    }

    /// An empty stream of the same list, for items that come after every item of this one, to
    /// be rendered on another thread; [`Self::append`] puts them back after this one's. This
    /// stream must hold at least one item by then, so that none of the continuation's is first.
    pub fn continuation(&self) -> ItemStream<'f> {
        ItemStream::empty(
            self.field,
            self.template,
            self.set.clone(),
            self.ctx.clone(),
            self.format,
            self.printing,
            true,
        )
    }

    /// Puts the items of `later`, a [`Self::continuation`] of this one, after this one's, with
    /// the same text, `first`, `last` and formatting as if they had been added here.
    pub fn append(&mut self, later: ItemStream<'f>) -> Result<(), Error> {
        if later.count == 0 {
            return Ok(());
        }
        debug_assert!(later.continues && self.count > 0);
        if let Some(previous) = self.pending.take() {
            self.render(&previous, false)?;
        }
        if later.rendered > 0 {
            if let Some(f) = self.format {
                let tail = self.tail.as_str();
                self.clean = self.clean
                    && later.clean
                    && later.unchecked.iter().all(|head| (f.joins)(tail, head));
            }
            if self.clean {
                self.out.push_str(&later.out);
            }
            if !later.tail.is_empty() {
                self.tail = later.tail;
            }
        }
        self.count += later.count;
        self.rendered += later.rendered;
        self.pending = later.pending;
        Ok(())
    }

    /// Adds the next item.
    pub fn push(&mut self, view: ResourceView) -> Result<(), Error> {
        self.count += 1;
        if let Some(previous) = self.pending.replace(view) {
            self.render(&previous, false)?;
        }
        Ok(())
    }

    /// Adds the items `make` builds for each of `keys`, in order. A long list (from
    /// [`SPLIT_FROM`] keys) is built and rendered in two halves at once, the second on a thread
    /// of its own into a [`Self::continuation`] appended after the first: so the longest file of
    /// a big render (Terraform's `main.tf`) keeps both cores busy once the other formats are
    /// done, instead of one. The text is the same either way.
    pub fn extend_with<K: Send>(
        &mut self,
        mut keys: Vec<K>,
        make: impl Fn(&mut ItemStream<'f>, K) -> Result<(), Error> + Sync,
    ) -> Result<(), Error> {
        if keys.len() < SPLIT_FROM {
            return keys.into_iter().try_for_each(|k| make(self, k));
        }
        let late = keys.split_off(keys.len() / 2);
        // This stream's text is given room for the whole list (see `expect`), so appending the
        // second half's does not move the first's.
        let mut later = self.continuation();
        later.expect(self.expected / 2);
        let make = &make;
        let (done, later) = std::thread::scope(|scope| {
            let building = scope.spawn(move || {
                late.into_iter()
                    .try_for_each(|k| make(&mut later, k))
                    .map(|()| later)
            });
            let done = keys.into_iter().try_for_each(|k| make(self, k));
            let later = building
                .join()
                .unwrap_or_else(|_| Err(super::thread_panicked()));
            (done, later)
        });
        done?;
        self.append(later?)
    }

    /// Adds every item of `views` (a long list in two halves at once, as
    /// [`Self::extend_with`] does).
    pub fn extend(&mut self, views: Vec<ResourceView>) -> Result<(), Error> {
        self.expected = self.expected.max(self.count + views.len());
        self.extend_with(views, |s, v| s.push(v))
    }

    /// Says about how many items will come. Once the first [`SIZE_FROM`] are in, the list's text
    /// is given room for the rest at their average size (and a quarter more), instead of growing by
    /// doubling: for a big list that copies the text, and touches fresh memory, once instead of
    /// about twice over (memory reserved but never written costs no RAM).
    pub fn expect(&mut self, items: usize) {
        self.expected = items;
    }

    /// How many items were added.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether none was.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    fn render(&mut self, r: &ResourceView, last: bool) -> Result<(), Error> {
        let opening = self.rendered == 0;
        let first = opening && !self.continues;
        self.rendered += 1;
        match self.printing {
            Some(printing) => self.ctx.insert("r", &Printed { view: r, printing }),
            None => self.ctx.insert("r", r),
        }
        self.ctx.insert("first", &first);
        self.ctx.insert("last", &last);
        self.scratch.clear();
        self.set
            .render_to(self.template, &self.ctx, &mut self.scratch)?;
        let piece = std::str::from_utf8(&self.scratch).map_err(|e| invalid_utf8(&e))?;
        if opening {
            self.head = piece.chars().take(1).collect();
        }
        // A continuation does not know the tail before its first piece that is not empty: the
        // cuts up to that one are checked when it is appended.
        let tail_unknown = self.continues && self.tail.is_empty();
        if tail_unknown {
            self.unchecked.push(piece.chars().take(1).collect());
        }
        match self.format {
            Some(f) if self.clean => {
                let tail = (!opening && !tail_unknown).then_some(self.tail.as_str());
                self.clean = f.append(&mut self.out, tail, piece);
            }
            Some(_) => {}
            None => self.out.push_str(piece),
        }
        if !piece.is_empty() {
            self.tail = tail_of(piece).to_string();
        }
        if self.rendered == SIZE_FROM && self.expected > SIZE_FROM {
            let rest = self.out.len() / SIZE_FROM * (self.expected - SIZE_FROM);
            self.out.reserve(rest + rest / 4);
        }
        Ok(())
    }

    /// The list's text, once every item is in.
    fn finish(mut self) -> Result<RenderedList, Error> {
        if let Some(last) = self.pending.take() {
            self.render(&last, true)?;
        }
        Ok(RenderedList {
            field: self.field,
            template: self.template,
            text: self.out,
            head: self.head,
            tail: self.tail,
            clean: self.clean,
        })
    }
}

/// How the built-in item template `template` prints values: the printer of the `*_value` filter
/// it uses and the indent it passes (`every_item_template_prints_values_as_the_stream_does`
/// checks each against its template).
fn builtin_printing(template: &str) -> Option<Printing> {
    let (print, indent) = match template {
        "bicep/resource.bicep" | "bicep/existing.bicep" => (filters::PRINT_BICEP, 1),
        "arm/resource.json" => (filters::PRINT_ARM, 3),
        "terraform/resource.tf" | "terraform/data.tf" | "terraform/ephemeral.tf" => {
            (filters::PRINT_HCL, 1)
        }
        _ => return None,
    };
    Some(Printing { print, indent })
}

/// After how many items an [`ItemStream`] told how many to expect sizes its text.
const SIZE_FROM: usize = 64;

struct RenderedList {
    field: &'static str,
    template: &'static str,
    text: String,
    head: String,
    tail: String,
    clean: bool,
}

/// What a frame template receives: the [`FileView`] with each list replaced by a marker that
/// [`render_file`] replaces with the rendered items.
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

/// The files of one `FileView` whose lists went through [`ItemStream`]s: `frames` (the main
/// template first, then the templates rendered beside it, such as `main.bicepparam`) each from one
/// small frame context, with each list's text put where the main frame writes it. Returns the
/// texts in the order of `frames`, or `None` when the streams had a formatter and a piece did not
/// stand on its own (render again without one).
pub fn render_file(
    view: &FileView,
    frames: &[&str],
    lists: Vec<ItemStream<'_>>,
) -> Result<Option<Vec<String>>, Error> {
    let set = active();
    let format = lists.iter().find_map(|l| l.format);
    let mut lists = lists
        .into_iter()
        .map(ItemStream::finish)
        .collect::<Result<Vec<_>, _>>()?;
    let markers: BTreeMap<&str, String> =
        lists.iter().map(|l| (l.field, marker(l.field))).collect();
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
            .map_err(|e| set.with_layout_hint(name, n == 0, &lists, e))?;
        let mut text = printed(out)?;
        if n == 0 {
            match splice(&set, name, &text, &mut lists, format)? {
                Some(spliced) => text = spliced,
                None => return Ok(None),
            }
        }
        texts.push(one_newline(text));
    }
    Ok(Some(texts))
}

/// The texts of a [`render_file`] whose lists had no formatter (which never refuses a piece).
pub fn unformatted<T>(texts: Option<T>) -> Result<T, Error> {
    texts.ok_or_else(|| Error::Internal {
        message: "a render without a formatter was refused as unformattable".into(),
        chain: Vec::new(),
    })
}

/// Puts each list's text where the frame `name` wrote its marker, formatting the frame's own
/// pieces with `format` when the lists were; `None` when a piece does not stand on its own. The
/// longest list's text becomes the file's text in place (the rest is put before and after it), so
/// that a big file is not copied into a second buffer as big.
fn splice(
    set: &TemplateSet,
    name: &str,
    frame: &str,
    lists: &mut [RenderedList],
    format: Option<&Piecewise>,
) -> Result<Option<String>, Error> {
    let mut at = Vec::new();
    for (i, list) in lists.iter().enumerate() {
        let m = marker(list.field);
        let found: Vec<usize> = find_all(frame, &m);
        if found.len() != 1 {
            return Err(set.frame_error(name, list, found.len()));
        }
        at.push((found[0], m.len(), i));
    }
    at.sort_by_key(|(pos, _, _)| *pos);
    let longest = (0..lists.len()).max_by_key(|&i| lists[i].text.len());
    // The text before the longest list; `out` is the text after it once that list is passed.
    let mut before = None;
    let mut out = String::new();
    let mut tail = String::new();
    let mut from = 0;
    let segment = |out: &mut String, tail: &mut String, piece: &str| -> bool {
        match format {
            None => out.push_str(piece),
            Some(_) if piece.is_empty() => {}
            Some(f) => {
                if !f.append(out, Some(tail), piece) {
                    return false;
                }
                *tail = tail_of(piece).to_string();
            }
        }
        true
    };
    for (pos, len, i) in at {
        if !segment(&mut out, &mut tail, &frame[from..pos]) {
            return Ok(None);
        }
        let list = &lists[i];
        if let Some(f) = format
            && !list.text.is_empty()
        {
            if !list.clean || !(f.joins)(&tail, &list.head) {
                return Ok(None);
            }
            tail = list.tail.clone();
        }
        if Some(i) == longest {
            before = Some(std::mem::take(&mut out));
        } else {
            out.push_str(&list.text);
        }
        from = pos + len;
    }
    if !segment(&mut out, &mut tail, &frame[from..]) {
        return Ok(None);
    }
    let (Some(before), Some(i)) = (before, longest) else {
        return Ok(Some(out));
    };
    let mut text = std::mem::take(&mut lists[i].text);
    // One byte more for the newline `one_newline` may add.
    text.reserve(before.len() + out.len() + 1);
    text.insert_str(0, &before);
    text.push_str(&out);
    Ok(Some(text))
}

/// Where `needle` starts in `haystack`, left to right, without overlaps. `str::match_indices`
/// searches with two-way string matching; comparing every window with `==` (one `memcmp` call
/// per byte of the frame) was about 1.4 % of big-5k's rendering CPU.
fn find_all(haystack: &str, needle: &str) -> Vec<usize> {
    haystack.match_indices(needle).map(|(at, _)| at).collect()
}

impl TemplateSet {
    /// An overlay's frame that still loops over a list it now receives as text (written for the
    /// layout before item templates) fails on the loop; say why, and where the loop body goes.
    fn with_layout_hint(&self, name: &str, main: bool, items: &[RenderedList], e: Error) -> Error {
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
        let mut hints = Vec::new();
        for list in items {
            if !(text.contains(&format!(" in {} ", list.field))
                || text.contains(&format!(" in {}%", list.field)))
            {
                continue;
            }
            hints.push(if main {
                format!(
                    "this template loops over `{}`, which it now receives as the text of the rendered blocks, not as a list: each block is rendered by `{}`; move the body of the loop into that template and write `{{{{ {} }}}}` where the loop was (see docs/templates.md; `foundrygen templates export` shows the built-in layout)",
                    list.field, list.template, list.field
                )
            } else {
                format!(
                    "this template loops over `{}`, which the templates rendered beside the main one no longer receive as a list (the blocks are rendered one by one, for the main file only); what it printed per block can go into `{}`, which writes into the main file (see docs/templates.md)",
                    list.field, list.template
                )
            });
        }
        // The explanation first: Tera's own message points inside the loop body.
        for (i, h) in hints.into_iter().enumerate() {
            chain.insert(i, h);
        }
        Error::Template { template, chain }
    }

    /// The error for a frame that wrote a list's text `count` times instead of once.
    fn frame_error(&self, name: &str, list: &RenderedList, count: usize) -> Error {
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
    fn find_all_finds_each_marker_once_without_overlaps() {
        let m = marker("resources");
        let frame = format!("a{m}b{m}{m}\u{1}foundrygen:resources");
        let found = find_all(&frame, &m);
        assert_eq!(found, [1, 2 + m.len(), 2 + 2 * m.len()]);
        for at in found {
            assert_eq!(&frame[at..at + m.len()], m);
        }
        assert_eq!(find_all("aaaa", "aa"), [0, 2]);
        assert!(find_all("{{ resources }}", &m).is_empty());
    }

    /// A view with every kind of value, in `fields` and in `blocks`.
    fn rich_view() -> ResourceView {
        let nested = RValue::O(vec![
            ("name".into(), RValue::S("it's \"q\" ${x}".into())),
            ("d".into(), RValue::D("#disable-next-line x".into())),
            (
                "url".into(),
                RValue::S("https://contoso.blob.core.windows.net/".into()),
            ),
            (
                "list".into(),
                RValue::A(vec![
                    RValue::I(-3),
                    RValue::B(false),
                    RValue::X("a.b".into()),
                ]),
            ),
            ("empty".into(), RValue::O(Vec::new())),
            (
                "ids".into(),
                RValue::XK(vec![("a.id".into(), RValue::O(Vec::new()))]),
            ),
        ]);
        let fields = vec![
            ("name".to_string(), RValue::S("[x".into())),
            ("body".to_string(), nested.clone()),
            ("count".to_string(), RValue::I(2)),
        ];
        ResourceView {
            comment: "a resource".into(),
            symbol: "r1".into(),
            keyword: "azapi_resource".into(),
            type_api: "Microsoft.X/y@2025-01-01".into(),
            resource_type: "Microsoft.X/y".into(),
            api_version: "2025-01-01".into(),
            fields: fields.clone(),
            blocks: vec![("identity".into(), fields)],
            depends_on: vec!["a".into(), "b".into()],
            depends_why: vec!["why a".into(), "why b".into()],
            directives: vec!["#disable-next-line y".into()],
        }
    }

    /// The stream's own printing stands in for the template's filter only if it prints what the
    /// filter would: each built-in item template renders the same text from the printed view as
    /// from the `{t, v}` trees.
    #[test]
    fn every_item_template_prints_values_as_the_stream_does() {
        let set = TemplateSet::builtin();
        let item_templates: Vec<&str> = TEMPLATES
            .iter()
            .map(|(name, _)| *name)
            .filter(|name| builtin_printing(name).is_some())
            .collect();
        assert_eq!(item_templates.len(), 6, "{item_templates:?}");
        let view = rich_view();
        for name in item_templates {
            let printing = builtin_printing(name).unwrap();
            let mut ctx = Context::new();
            ctx.insert("module", &false);
            ctx.insert("first", &true);
            ctx.insert("last", &false);
            let mut from_trees = Vec::new();
            ctx.insert("r", &view);
            set.render_to(name, &ctx, &mut from_trees).unwrap();
            let mut printed = Vec::new();
            ctx.insert(
                "r",
                &Printed {
                    view: &view,
                    printing,
                },
            );
            set.render_to(name, &ctx, &mut printed).unwrap();
            assert_eq!(
                String::from_utf8(printed).unwrap(),
                String::from_utf8(from_trees).unwrap(),
                "{name}"
            );
        }
    }

    /// A printed view has the fields of the view it prints, in the same order, and the same
    /// values apart from those it printed.
    #[test]
    fn a_printed_view_has_the_views_fields() {
        let view = rich_view();
        let printing = builtin_printing("terraform/resource.tf").unwrap();
        let plain = tera::Value::from_serializable(&view);
        let printed = tera::Value::from_serializable(&Printed {
            view: &view,
            printing,
        });
        let (plain, printed) = (plain.as_map().unwrap(), printed.as_map().unwrap());
        let keys = |m: &tera::Map| m.keys().map(|k| k.to_string()).collect::<Vec<_>>();
        assert_eq!(keys(printed), keys(plain));
        for (k, v) in plain {
            let name = k.to_string();
            if name != "fields" && name != "blocks" {
                assert_eq!(printed.get(k), Some(v), "{name}");
            }
        }
        let field = |m: &tera::Map, key: &'static str| m.get(&tera::value::Key::from(key)).cloned();
        let fields = field(printed, "fields").unwrap();
        let first = &fields.as_array().unwrap()[1].as_array().unwrap()[1];
        assert_eq!(
            first
                .as_bytes()
                .map(|b| String::from_utf8_lossy(b).into_owned()),
            Some(filters::hcl_value(&view.fields[1].1, 1))
        );
    }

    /// `n` views that differ in their symbol and (every seventh) in their fields.
    fn views(n: usize) -> Vec<ResourceView> {
        (0..n)
            .map(|i| {
                let mut v = rich_view();
                v.symbol = format!("r{i}");
                v.fields[0].1 = RValue::S(format!("n{i}"));
                if i % 7 == 3 {
                    v.fields.truncate(1);
                    v.blocks.clear();
                }
                v
            })
            .collect()
    }

    /// What a list renders to: its text and what the cuts around it are checked with.
    fn finished(stream: ItemStream<'_>) -> (String, String, String, bool) {
        let list = stream.finish().unwrap();
        (list.text, list.head, list.tail, list.clean)
    }

    /// Whether two rendered lists are the same; where not, what differs first (not the whole
    /// texts, which are long). A list that did not format is rendered again whole, so only that
    /// is compared of it.
    fn assert_same(
        one: &(String, String, String, bool),
        two: &(String, String, String, bool),
        what: &str,
    ) {
        assert_eq!(one.3, two.3, "{what}: formatted");
        if !one.3 {
            return;
        }
        let at = one.0.bytes().zip(two.0.bytes()).position(|(a, b)| a != b);
        let from = at
            .unwrap_or(one.0.len().min(two.0.len()))
            .saturating_sub(60);
        assert!(
            one.0 == two.0,
            "{what}: the texts ({} and {} bytes) differ from byte {from}: {:?} / {:?}",
            one.0.len(),
            two.0.len(),
            &one.0[from..(from + 160).min(one.0.len())],
            &two.0[from..(from + 160).min(two.0.len())]
        );
        assert_eq!((&one.1, &one.2), (&two.1, &two.2), "{what}: head and tail");
    }

    /// The list `template` renders from `views`, item by item on this thread, and built in two
    /// halves by [`ItemStream::extend_with`].
    fn both_ways(
        template: &'static str,
        format: Option<&Piecewise>,
        views: &[ResourceView],
    ) -> [(String, String, String, bool); 2] {
        let mut one = ItemStream::new("resources", template, false, format);
        one.expect(views.len());
        for v in views {
            one.push(v.clone()).unwrap();
        }
        let mut two = ItemStream::new("resources", template, false, format);
        two.expect(views.len());
        two.extend(views.to_vec()).unwrap();
        [finished(one), finished(two)]
    }

    const HCL: Piecewise = Piecewise {
        piece: super::super::hclfmt::format_piece,
        joins: super::super::hclfmt::joins_cleanly,
    };

    /// A list built in two halves on two threads is the list built item by item: the same text,
    /// `first` and `last` on the same items, the same cuts, formatted or not.
    #[test]
    fn a_list_built_in_halves_is_the_list_built_in_turn() {
        let views = views(SPLIT_FROM + 37);
        for (template, format) in [
            ("terraform/resource.tf", Some(&HCL)),
            ("terraform/resource.tf", None),
            ("bicep/resource.bicep", None),
            ("arm/resource.json", None),
        ] {
            let [one, two] = both_ways(template, format, &views);
            assert!(one.0.contains("n436"), "{template}");
            assert_same(&one, &two, template);
        }
        // Too short to split: the same path.
        let [one, two] = both_ways("terraform/resource.tf", Some(&HCL), &views[..5]);
        assert_same(&one, &two, "short");
    }

    /// The same with an overlay's item template that marks the first and the last item, prints
    /// nothing for some items (so a half may start with empty pieces), and for one item prints
    /// what cannot be formatted alone, which must fail the list built either way.
    #[test]
    fn a_list_built_in_halves_keeps_first_last_empty_pieces_and_refusals() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("terraform")).unwrap();
        let item = |body: &str| {
            std::fs::write(dir.path().join("terraform/resource.tf.tera"), body).unwrap();
            Arc::new(TemplateSet::with_overlay(dir.path()).unwrap())
        };
        let n = SPLIT_FROM + 10;
        let views = views(n);
        // The second half starts at item n / 2: its first two items print nothing. Item `glued`
        // starts its block without the blank line, so the cut before it is not clean.
        let body = |glued: usize| {
            format!(
                "{{% if first %}}# first\n{{% endif %}}\
                 {{% if r.symbol != \"r{a}\" and r.symbol != \"r{b}\" %}}\
                 {{% if r.symbol != \"r{glued}\" %}}\n{{% endif %}}\
                 resource \"x\" \"{{{{ r.symbol }}}}\" {{\n  a = 1\n}}\n{{% endif %}}\
                 {{% if last %}}# last\n{{% endif %}}",
                a = n / 2,
                b = n / 2 + 1
            )
        };
        let marks = body(n);
        let refusing = |at: usize| {
            format!("{marks}{{% if r.symbol == \"r{at}\" %}}{{{{ \"{{\" }}}}{{% endif %}}")
        };
        for (body, clean) in [
            (marks.clone(), true),
            (refusing(3), false),
            (refusing(n - 3), false),
            (body(n / 2 + 2), false),
            (body(n / 2 - 1), false),
        ] {
            let set = item(&body);
            let [one, two] = with_templates(Some(set), || {
                both_ways("terraform/resource.tf", Some(&HCL), &views)
            });
            assert_eq!(one.3, clean, "{body}");
            assert_same(&one, &two, &body);
            if clean {
                assert!(one.0.starts_with("# first\n"), "{}", &one.0[..40]);
                assert!(
                    one.0.ends_with("# last\n"),
                    "{}",
                    &one.0[one.0.len() - 40..]
                );
                assert_eq!(one.0.matches("# first").count(), 1);
                assert!(!one.0.contains(&format!("\"r{}\"", n / 2)));
            }
        }
        // Without a formatter, the empty pieces at the start of the second half.
        let set = item(&marks);
        let [one, two] = with_templates(Some(set), || {
            both_ways("terraform/resource.tf", None, &views)
        });
        assert_same(&one, &two, "without a formatter");
    }

    /// The built-in set compiles each template on its own the first time it renders, which holds
    /// only while no built-in template needs another.
    #[test]
    fn every_template_compiles_on_its_own() {
        let set = TemplateSet::builtin();
        for (name, _) in TEMPLATES {
            let tera = set.tera_for(name).expect("compiles alone");
            assert!(tera.get_template_variables(name).is_ok(), "{name}");
        }
        assert!(matches!(
            set.tera_for("bicep/none.bicep"),
            Err(Error::Internal { .. })
        ));
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
