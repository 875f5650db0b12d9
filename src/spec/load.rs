//! Loading: reads the spec file, builds the positioned tree (from yaml-rust2's event stream, which
//! carries positions) and, once validation passed, decodes that tree into `spec::Spec`
//! (`spec::de`). This is the only file that calls the YAML parser.

use std::collections::HashMap;
use std::io::Read;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use super::Spec;
use super::tree::{Node, Value};
use crate::diagnostics::{Code, Diagnostic, Span, SpecPath};
use crate::error::Error;

/// Specs larger than this are refused before parsing.
pub const MAX_SPEC_BYTES: u64 = 8 * 1024 * 1024;
/// How many nodes alias expansions may add (billion-laughs guard); nodes written out are bounded by
/// [`MAX_SPEC_BYTES`].
const MAX_ALIAS_NODES: usize = 200_000;
/// How deeply sequences and mappings may nest.
const MAX_DEPTH: usize = 64;

/// A spec's text and the name it is reported under.
#[derive(Debug, Clone)]
pub struct Source {
    /// The path as given on the command line, with `/` separators; `<stdin>` for `-`.
    pub name: String,
    /// The whole text.
    pub text: String,
    /// What the generated-by line calls the spec, when not [`Source::name`]: the command line
    /// writes the path relative to the output folder, so that every spelling of the path and
    /// every working folder gives the same bytes.
    pub label: Option<String>,
}

impl Source {
    /// Whether the spec is large enough ([`crate::LARGE_SPEC_BYTES`]) for work beside the main
    /// thread to pay: decoding while validating, freeing what it leaves on another thread.
    pub(crate) fn is_large(&self) -> bool {
        self.text.len() >= crate::LARGE_SPEC_BYTES
    }

    /// A source from memory (tests, the library API). A leading UTF-8 byte order mark, which
    /// Windows editors and PowerShell's `Out-File` write, is dropped: YAML reads it as no part of
    /// the document, and positions then count from the first real character.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        let mut text: String = text.into();
        if text.starts_with('\u{FEFF}') {
            text.drain(..'\u{FEFF}'.len_utf8());
        }
        Source {
            name: name.into(),
            text,
            label: None,
        }
    }

    /// The same source, called `label` in the generated-by line.
    pub fn labelled(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// What the generated-by line calls the spec: its label, or its name.
    pub fn label(&self) -> &str {
        self.label.as_deref().unwrap_or(&self.name)
    }
}

/// Reads a spec from a path, or from stdin for `-`, refusing files over [`MAX_SPEC_BYTES`].
pub fn read(path: &str) -> Result<Source, Error> {
    let name = if path == "-" {
        "<stdin>".to_string()
    } else {
        path.replace('\\', "/")
    };
    let mut bytes = Vec::new();
    let io_err = |e: std::io::Error| Error::Io {
        path: name.clone(),
        action: "read",
        source: e,
    };
    if path == "-" {
        std::io::stdin()
            .take(MAX_SPEC_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(io_err)?;
    } else {
        let file = std::fs::File::open(path).map_err(io_err)?;
        let len = file.metadata().map_err(io_err)?.len();
        if len > MAX_SPEC_BYTES {
            return Err(too_large(&name, len));
        }
        file.take(MAX_SPEC_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(io_err)?;
    }
    if bytes.len() as u64 > MAX_SPEC_BYTES {
        return Err(too_large(&name, bytes.len() as u64));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|b| **b == b'\n').count() + 1;
        let col = valid.iter().rev().take_while(|b| **b != b'\n').count() + 1;
        Error::InvalidSpec {
            source: Source::new(name.clone(), String::from_utf8_lossy(e.as_bytes())),
            diagnostics: vec![Diagnostic::error(
                Code::YamlSyntax,
                SpecPath::root(),
                Span { line, col, len: 1 },
                "the spec is not valid UTF-8",
            )],
        }
    })?;
    Ok(Source::new(name, text))
}

fn too_large(name: &str, len: u64) -> Error {
    Error::InvalidSpec {
        source: Source::new(name, ""),
        diagnostics: vec![Diagnostic {
            span: None,
            ..Diagnostic::error(
                Code::SpecTooLarge,
                SpecPath::root(),
                Span::default(),
                format!(
                    "the spec is {len} bytes, over the {} byte limit",
                    MAX_SPEC_BYTES
                ),
            )
            .with_help("split it into several specs")
        }],
    }
}

/// Parses the YAML into a positioned tree. A syntax error (or a document too deep or too large once
/// aliases are expanded) stops loading; duplicate keys are collected and loading goes on.
pub fn parse_tree(src: &Source) -> Result<(Node, Vec<Diagnostic>), Vec<Diagnostic>> {
    if src.text.len() as u64 > MAX_SPEC_BYTES {
        return Err(vec![Diagnostic {
            span: None,
            ..Diagnostic::error(
                Code::SpecTooLarge,
                SpecPath::root(),
                Span::default(),
                format!(
                    "the spec is {} bytes, over the {MAX_SPEC_BYTES} byte limit",
                    src.text.len()
                ),
            )
        }]);
    }
    let mut builder = Builder::new(&src.text);
    let mut parser = Parser::new_from_str(&src.text);
    // Read every document, so that a second one is reported instead of silently ignored.
    if let Err(e) = parser.load(&mut builder, true) {
        let m = e.marker();
        let info = e.info().to_string();
        let mut span = Span {
            line: m.line().max(1),
            col: m.col() + 1,
            len: 1,
        };
        // At the end of the input the parser points past the last line; point at the end of the
        // last line that has text instead, where the unclosed thing is.
        let lines: Vec<&str> = src.text.lines().collect();
        if span.line > lines.len()
            && let Some(i) = lines.iter().rposition(|l| !l.trim().is_empty())
        {
            span = Span {
                line: i + 1,
                col: lines[i].chars().count() + 1,
                len: 1,
            };
        }
        let explained = super::syntax::explain(&src.text, span, &info);
        return Err(vec![
            Diagnostic::error(
                Code::YamlSyntax,
                SpecPath::root(),
                explained.span,
                format!("invalid YAML: {}", explained.message),
            )
            .with_help_opt(explained.help),
        ]);
    }
    if let Some(fatal) = builder.fatal {
        return Err(vec![fatal]);
    }
    if let Some(span) = builder.second_document {
        return Err(vec![
            Diagnostic::error(
                Code::YamlSyntax,
                SpecPath::root(),
                span,
                "a spec is one YAML document, but a second one starts here",
            )
            .with_help("remove the `---` and what follows, or split the documents into separate spec files"),
        ]);
    }
    let root = builder.root.unwrap_or(Node {
        value: Value::Null,
        span: Span {
            line: 1,
            col: 1,
            len: 1,
        },
    });
    Ok((root, builder.diagnostics))
}

/// Decodes a validated spec into the typed `Spec`. Validation has already checked every key and type,
/// so a failure here is a foundrygen bug, reported as an internal error.
///
/// The decode reads the very tree validation checked (see `spec::de`), not the text again: two
/// YAML parsers disagree on some inputs (libyaml, say, refuses control characters yaml-rust2
/// accepts, and reads U+0085/U+2028/U+2029 as line breaks where yaml-rust2 does not), and a second
/// parse could see keys validation never saw.
pub fn decode(src: &Source, root: &Node) -> Result<Spec, Error> {
    super::de::from_node(root).map_err(|e| Error::Internal {
        message: format!("the validated spec `{}` did not decode: {e}", src.name),
        chain: Vec::new(),
    })
}

/// An open sequence or mapping. Frames keep no spec path: building one for every collection cost
/// more than the rest of the tree, and the rare diagnostic that needs it reads it off the stack
/// (see [`Builder::path_at`]).
enum Frame {
    Seq {
        span: Span,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        span: Span,
        anchor: usize,
        entries: Vec<(Node, Node)>,
        pending_key: Option<Node>,
        /// The texts of the keys so far with where each was first written, once the mapping is
        /// long enough that looking through its entries for a duplicate would cost more.
        seen: Option<HashMap<String, Span>>,
    },
}

/// Past this many entries a mapping indexes its keys for the duplicate-key check, so that a
/// mapping with thousands of keys (tags, metadata) does not take quadratic time.
const INDEX_KEYS_FROM: usize = 16;

/// The text a key is compared by for the duplicate-key check: a string as written, an integer in
/// decimal; other keys (booleans among them) are never a first occurrence.
fn comparable_key(k: &Node) -> Option<std::borrow::Cow<'_, str>> {
    match &k.value {
        Value::Str(s) => Some(std::borrow::Cow::Borrowed(s)),
        Value::Int(i) => Some(std::borrow::Cow::Owned(i.to_string())),
        _ => None,
    }
}

struct Builder<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    nodes: usize,
    root: Option<Node>,
    diagnostics: Vec<Diagnostic>,
    fatal: Option<Diagnostic>,
    documents: usize,
    second_document: Option<Span>,
}

impl<'a> Builder<'a> {
    fn new(text: &'a str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Builder {
            text,
            line_starts,
            stack: Vec::new(),
            anchors: HashMap::new(),
            nodes: 0,
            root: None,
            diagnostics: Vec::new(),
            fatal: None,
            documents: 0,
            second_document: None,
        }
    }

    fn span_at(&self, mark: Marker, len: usize) -> Span {
        // yaml-rust2 reports 1-based lines and 0-based character columns.
        Span {
            line: mark.line().max(1),
            col: mark.col() + 1,
            len: len.max(1),
        }
    }

    /// The length of a scalar as written on its first line, so that the caret covers quotes too.
    fn written_len(&self, mark: Marker, value: &str, style: TScalarStyle) -> usize {
        let line = mark.line().max(1);
        let Some(&start) = self.line_starts.get(line - 1) else {
            return value.chars().count();
        };
        let len = match style {
            TScalarStyle::SingleQuoted | TScalarStyle::DoubleQuoted => {
                let end = self
                    .line_starts
                    .get(line)
                    .map(|e| e - 1)
                    .unwrap_or(self.text.len());
                // The rest of the line from the scalar's column (a slice: copying it for every
                // scalar of a long flow-style line cost more than parsing it).
                let line_text = &self.text[start..end];
                let rest = line_text
                    .char_indices()
                    .nth(mark.col())
                    .map_or("", |(i, _)| &line_text[i..]);
                // Up to and including the closing quote on this line, if it is there.
                let quote = if style == TScalarStyle::SingleQuoted {
                    '\''
                } else {
                    '"'
                };
                let mut chars = rest.chars().enumerate().skip(1).peekable();
                let mut close = None;
                while let Some((i, c)) = chars.next() {
                    if c == '\\' && quote == '"' {
                        chars.next();
                    } else if c == quote {
                        if quote == '\'' && chars.peek().map(|&(_, c)| c) == Some('\'') {
                            chars.next();
                            continue;
                        }
                        close = Some(i + 1);
                        break;
                    }
                }
                close.unwrap_or_else(|| rest.trim_end().chars().count())
            }
            TScalarStyle::Plain => value.lines().next().unwrap_or("").chars().count(),
            _ => 1,
        };
        len.max(1)
    }

    /// The spec path of what the frame at `depth` of the stack is (the path of the node being
    /// built there for `depth == stack.len()`). Every frame below stays as it was when its child
    /// opened (a sequence's next index, a mapping's pending key) until that child is closed, so
    /// the path can be read off the stack whenever it is needed.
    fn path_at(&self, depth: usize) -> SpecPath {
        let mut path = SpecPath::root();
        for frame in &self.stack[..depth] {
            path = match frame {
                Frame::Seq { items, .. } => path.index(items.len()),
                Frame::Map {
                    pending_key: Some(k),
                    ..
                } => path.key(k.as_str().unwrap_or("?")),
                Frame::Map {
                    pending_key: None, ..
                } => path,
            };
        }
        path
    }

    fn current_path(&self) -> SpecPath {
        self.path_at(self.stack.len())
    }

    fn fail(&mut self, code: Code, span: Span, message: String) {
        if self.fatal.is_none() {
            self.fatal = Some(Diagnostic::error(code, self.current_path(), span, message));
        }
    }

    /// Stops at a tag foundrygen does not read, or one that does not fit its node.
    fn fail_tag(&mut self, span: Span, message: String) {
        if self.fatal.is_none() {
            self.fatal = Some(
                Diagnostic::error(Code::YamlSyntax, self.current_path(), span, message).with_help(
                    "a spec is plain YAML: remove the tag (of the tags, only the core schema's are read, such as `!!str` to keep a value a string)",
                ),
            );
        }
    }

    fn count(&mut self, n: usize, span: Span) -> bool {
        self.nodes += n;
        if self.nodes > MAX_ALIAS_NODES {
            self.fail(
                Code::YamlTooComplex,
                span,
                format!("aliases expand the spec by more than {MAX_ALIAS_NODES} YAML nodes"),
            );
            return false;
        }
        true
    }

    fn push_node(&mut self, node: Node, anchor: usize) {
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
            }
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries,
                pending_key,
                seen,
                ..
            }) => match pending_key.take() {
                None => {
                    let key_text: Option<std::borrow::Cow<'_, str>> = match &node.value {
                        Value::Bool(b) => Some(b.to_string().into()),
                        _ => comparable_key(&node),
                    };
                    let first_span = key_text.as_deref().and_then(|text| match seen {
                        Some(seen) => seen.get(text).copied(),
                        None => entries
                            .iter()
                            .find(|(k, _)| comparable_key(k).as_deref() == Some(text))
                            .map(|(k, _)| k.span),
                    });
                    let duplicate = first_span.map(|first_span| {
                        let text = key_text.as_deref().unwrap_or_default().to_string();
                        (text, first_span)
                    });
                    let span = node.span;
                    *pending_key = Some(node);
                    if let Some((key_text, first_span)) = duplicate {
                        // The mapping's own path: the frames below it are as they were when it
                        // opened, and its pending key is not part of it.
                        let p = self.path_at(self.stack.len() - 1).key(&key_text);
                        self.diagnostics.push(
                            Diagnostic::error(
                                Code::DuplicateKey,
                                p.clone(),
                                span,
                                format!("duplicate key `{key_text}`"),
                            )
                            .with_related(p, first_span, "first written here")
                            .with_help("remove one of the two entries"),
                        );
                    }
                }
                Some(key) => {
                    if let Some(text) = comparable_key(&key) {
                        match seen {
                            Some(seen) => {
                                seen.entry(text.into_owned()).or_insert(key.span);
                            }
                            None if entries.len() + 1 >= INDEX_KEYS_FROM => {
                                let mut index = HashMap::new();
                                for (k, _) in entries.iter() {
                                    if let Some(t) = comparable_key(k) {
                                        index.entry(t.into_owned()).or_insert(k.span);
                                    }
                                }
                                index.entry(text.into_owned()).or_insert(key.span);
                                *seen = Some(index);
                            }
                            None => {}
                        }
                    }
                    entries.push((key, node));
                }
            },
        }
    }
}

/// What kind of node a tag is on, for the tags that fit it.
#[derive(Clone, Copy, PartialEq)]
enum NodeKind {
    Scalar,
    Seq,
    Map,
}

/// The YAML core-schema type a tag gives its node (`str` for `!!str` or
/// `!<tag:yaml.org,2002:str>`; `str` too for `!` on a scalar), `None` for no tag; or the error for
/// a tag foundrygen does not read (an application's own, such as `!Ref`, or a core type it has no
/// use for) or one that does not fit the node.
fn node_tag(tag: Option<&Tag>, node: NodeKind) -> Result<Option<&str>, String> {
    const CORE: &str = "tag:yaml.org,2002:";
    let Some(t) = tag else { return Ok(None) };
    let kind = match (t.handle.as_str(), t.suffix.as_str()) {
        ("", "!") => return Ok((node == NodeKind::Scalar).then_some("str")),
        (CORE, name) => name,
        ("", verbatim) if verbatim.starts_with(CORE) => &verbatim[CORE.len()..],
        ("!", local) => return Err(format!("YAML tag `!{local}` is not supported")),
        (handle, suffix) => return Err(format!("YAML tag `!<{handle}{suffix}>` is not supported")),
    };
    let fits = match kind {
        "str" | "int" | "float" | "bool" | "null" => node == NodeKind::Scalar,
        "seq" => node == NodeKind::Seq,
        "map" => node == NodeKind::Map,
        _ => return Err(format!("YAML tag `!!{kind}` is not supported")),
    };
    if fits {
        return Ok(Some(kind));
    }
    let what = match node {
        NodeKind::Scalar => "a scalar",
        NodeKind::Seq => "a list",
        NodeKind::Map => "a mapping",
    };
    Err(format!("`!!{kind}` does not apply to {what}"))
}

fn resolve_plain(text: String) -> Value {
    let s = text.as_str();
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    if let Some(hex) = s.strip_prefix("0x")
        && let Ok(i) = i64::from_str_radix(hex, 16)
    {
        return Value::Int(i);
    }
    if let Some(oct) = s.strip_prefix("0o")
        && let Ok(i) = i64::from_str_radix(oct, 8)
    {
        return Value::Int(i);
    }
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(i) = s.parse::<i64>() {
            return Value::Int(i);
        }
        return Value::Float(s.parse().unwrap_or(f64::NAN));
    }
    let looks_float = !digits.is_empty()
        && digits
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_digit() || b == b'.')
        && digits
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'));
    if looks_float && let Ok(f) = s.parse::<f64>() {
        return Value::Float(f);
    }
    Value::Str(text)
}

impl MarkedEventReceiver for Builder<'_> {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        if self.fatal.is_some() || (self.documents > 1 && !matches!(ev, Event::DocumentStart)) {
            return;
        }
        match ev {
            Event::Scalar(text, style, anchor, tag) => {
                let len = self.written_len(mark, &text, style);
                let span = self.span_at(mark, len);
                let value = match node_tag(tag.as_ref(), NodeKind::Scalar) {
                    Err(message) => {
                        self.fail_tag(span, message);
                        return;
                    }
                    Ok(None) if style == TScalarStyle::Plain => resolve_plain(text),
                    Ok(None | Some("str")) => Value::Str(text),
                    Ok(Some(kind)) => match (kind, resolve_plain(text.clone())) {
                        ("int", v @ Value::Int(_))
                        | ("bool", v @ Value::Bool(_))
                        | ("float", v @ Value::Float(_))
                        | ("null", v @ Value::Null) => v,
                        ("float", Value::Int(i)) => Value::Float(i as f64),
                        _ => {
                            let what = match kind {
                                "int" => "an integer",
                                "float" => "a number",
                                "bool" => "`true` or `false`",
                                _ => "null",
                            };
                            self.fail_tag(
                                span,
                                format!("`!!{kind}` tags `{text}`, which is not {what}"),
                            );
                            return;
                        }
                    },
                };
                self.push_node(Node { value, span }, anchor);
            }
            Event::SequenceStart(anchor, ref tag) | Event::MappingStart(anchor, ref tag) => {
                let span = self.span_at(mark, 1);
                let node = if matches!(ev, Event::SequenceStart(..)) {
                    NodeKind::Seq
                } else {
                    NodeKind::Map
                };
                if let Err(message) = node_tag(tag.as_ref(), node) {
                    // A block list or mapping starts at its first item, a line below the tag:
                    // point at the key whose value it is, where the tag is written.
                    let at = match self.stack.last() {
                        Some(Frame::Map {
                            pending_key: Some(key),
                            ..
                        }) => key.span,
                        _ => span,
                    };
                    self.fail_tag(at, message);
                    return;
                }
                if self.stack.len() >= MAX_DEPTH {
                    self.fail(
                        Code::YamlTooComplex,
                        span,
                        format!("the spec nests deeper than {MAX_DEPTH} levels"),
                    );
                    return;
                }
                let frame = if matches!(ev, Event::SequenceStart(..)) {
                    Frame::Seq {
                        span,
                        anchor,
                        items: Vec::new(),
                    }
                } else {
                    Frame::Map {
                        span,
                        anchor,
                        entries: Vec::new(),
                        pending_key: None,
                        seen: None,
                    }
                };
                self.stack.push(frame);
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = self.stack.pop() else {
                    return;
                };
                let (node, anchor) = match frame {
                    Frame::Seq {
                        span,
                        anchor,
                        items,
                        ..
                    } => (
                        Node {
                            value: Value::Seq(items),
                            span,
                        },
                        anchor,
                    ),
                    Frame::Map {
                        span,
                        anchor,
                        entries,
                        ..
                    } => {
                        // yaml-rust2 marks a block mapping at the `:` after its first key, so
                        // `- name: x` would be reported under the colon; the mapping starts at
                        // that key. A flow mapping's `{` comes before its first key and stays.
                        let span = match entries.first() {
                            Some((k, _)) if (k.span.line, k.span.col) < (span.line, span.col) => {
                                Span { len: 1, ..k.span }
                            }
                            _ => span,
                        };
                        (
                            Node {
                                value: Value::Map(entries),
                                span,
                            },
                            anchor,
                        )
                    }
                };
                self.push_node(node, anchor);
            }
            Event::Alias(id) => {
                let span = self.span_at(mark, 1);
                let Some(target) = self.anchors.get(&id).cloned() else {
                    self.fail(Code::YamlSyntax, span, "alias to an unknown anchor".into());
                    return;
                };
                if !self.count(count_nodes(&target), span) {
                    return;
                }
                // The alias is reported where it is used, not where its anchor was written.
                let mut node = target;
                node.span = span;
                self.push_node(node, 0);
            }
            Event::DocumentStart => {
                self.documents += 1;
                if self.documents == 2 {
                    self.second_document = Some(self.span_at(mark, 3));
                }
            }
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => {}
        }
    }
}

fn count_nodes(n: &Node) -> usize {
    1 + match &n.value {
        Value::Seq(items) => items.iter().map(count_nodes).sum(),
        Value::Map(entries) => entries
            .iter()
            .map(|(k, v)| count_nodes(k) + count_nodes(v))
            .sum(),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(text: &str) -> (Node, Vec<Diagnostic>) {
        parse_tree(&Source::new("t.yaml", text)).expect("parses")
    }

    #[test]
    fn records_positions_of_values() {
        let (root, _) = tree("version: 1\nfoundries:\n  - name: 'abc'\n");
        let f = &root.get_seq("foundries")[0];
        let name = f.get("name").unwrap();
        assert_eq!(name.as_str(), Some("abc"));
        assert_eq!(
            name.span,
            Span {
                line: 3,
                col: 11,
                len: 5
            }
        );
        assert_eq!(root.get("version").unwrap().value, Value::Int(1));
    }

    #[test]
    fn a_mapping_starts_at_its_first_key() {
        let (root, _) = tree("version: 1\nfoundries:\n  - name: a\n  - { name: b }\n");
        let at = |n: &Node| (n.span.line, n.span.col);
        assert_eq!(at(&root), (1, 1));
        let f = root.get_seq("foundries");
        assert_eq!(at(&f[0]), (3, 5));
        assert_eq!(at(&f[1]), (4, 5));
    }

    #[test]
    fn resolves_core_schema_scalars() {
        let (root, _) = tree("a: true\nb: '1'\nc: 1.5\nd: ~\ne: 2024-05-01-preview\nf: 60s\n");
        assert_eq!(root.get("a").unwrap().value, Value::Bool(true));
        assert_eq!(root.get("b").unwrap().value, Value::Str("1".into()));
        assert_eq!(root.get("c").unwrap().value, Value::Float(1.5));
        assert_eq!(root.get("d").unwrap().value, Value::Null);
        assert_eq!(
            root.get("e").unwrap().value,
            Value::Str("2024-05-01-preview".into())
        );
        assert_eq!(root.get("f").unwrap().value, Value::Str("60s".into()));
    }

    #[test]
    fn reads_the_core_schema_tags() {
        let (root, _) =
            tree("a: !!str 1\nb: !!int '5'\nc: !!float 2\nd: ! yes\ne: !!bool true\nf: !!seq []\n");
        assert_eq!(root.get("a").unwrap().value, Value::Str("1".into()));
        assert_eq!(root.get("b").unwrap().value, Value::Int(5));
        assert_eq!(root.get("c").unwrap().value, Value::Float(2.0));
        assert_eq!(root.get("d").unwrap().value, Value::Str("yes".into()));
        assert_eq!(root.get("e").unwrap().value, Value::Bool(true));
        assert_eq!(root.get("f").unwrap().value, Value::Seq(Vec::new()));
        let tagged = tree("g: !<tag:yaml.org,2002:str> 7\n").0;
        assert_eq!(tagged.get("g").unwrap().value, Value::Str("7".into()));
    }

    /// A tag foundrygen has no meaning for, or one that does not fit its value, stops the parse
    /// where it is instead of being dropped silently.
    #[test]
    fn refuses_other_tags_and_tags_that_do_not_fit() {
        for (text, message, line) in [
            ("name: !Ref demo\n", "YAML tag `!Ref` is not supported", 1),
            (
                "a: 1\nb: !!int x\n",
                "`!!int` tags `x`, which is not an integer",
                2,
            ),
            ("a: !!map [1]\n", "`!!map` does not apply to a list", 1),
            ("a: !!seq x\n", "`!!seq` does not apply to a scalar", 1),
            (
                "a: !<urn:x> {}\n",
                "YAML tag `!<urn:x>` is not supported",
                1,
            ),
            (
                "a: !!binary cXM=\n",
                "YAML tag `!!binary` is not supported",
                1,
            ),
            // A block mapping starts a line below its tag: the key holding it is pointed at.
            (
                "x: 1\ntags: !Ref\n  env: dev\n",
                "YAML tag `!Ref` is not supported",
                2,
            ),
            (
                "tags: !!str\n  env: dev\n",
                "`!!str` does not apply to a mapping",
                1,
            ),
        ] {
            let diags = parse_tree(&Source::new("t.yaml", text)).unwrap_err();
            assert_eq!(diags.len(), 1, "{text}");
            assert_eq!(diags[0].code, Code::YamlSyntax, "{text}");
            assert_eq!(diags[0].message, message, "{text}");
            assert_eq!(diags[0].span.unwrap().line, line, "{text}");
        }
    }

    #[test]
    fn reports_duplicate_keys_with_both_places() {
        let (_, diags) = tree("name: a\nname: b\n");
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].code, Code::DuplicateKey);
        assert_eq!(diags[0].span.unwrap().line, 2);
        assert_eq!(diags[0].related[0].span.line, 1);
    }

    #[test]
    fn duplicate_keys_of_a_long_mapping_have_their_path_and_both_places() {
        let mut text = String::from(
            "version: 1\nfoundries:\n  - name: a\n    connections:\n      - name: c0\n      - name: c1\n        metadata:\n",
        );
        for i in 0..40 {
            text.push_str(&format!("          k{i}: v\n"));
        }
        text.push_str("          k3: again\n          k39: again\n  - { name: b, name: c }\n");
        let (_, diags) = tree(&text);
        let got: Vec<_> = diags
            .iter()
            .map(|d| {
                (
                    d.path.0.as_str(),
                    d.span.unwrap().line,
                    d.related[0].span.line,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("foundries[0].connections[1].metadata.k3", 48, 11),
                ("foundries[0].connections[1].metadata.k39", 49, 47),
                ("foundries[1].name", 50, 50),
            ]
        );
    }

    #[test]
    fn syntax_errors_carry_a_position() {
        let err = parse_tree(&Source::new("t.yaml", "a: [1, 2\nb: c\n")).unwrap_err();
        assert_eq!(err[0].code, Code::YamlSyntax);
        assert!(err[0].span.unwrap().line >= 1);
    }

    #[test]
    fn refuses_alias_bombs() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..9 {
            let prev = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        let err = parse_tree(&Source::new("t.yaml", text)).unwrap_err();
        assert_eq!(err[0].code, Code::YamlTooComplex);
    }

    #[test]
    fn refuses_a_second_document() {
        let err = parse_tree(&Source::new("t.yaml", "version: 1\n---\nname: x\n")).unwrap_err();
        assert_eq!(err[0].code, Code::YamlSyntax);
        assert_eq!(err[0].span.unwrap().line, 2);
        assert!(parse_tree(&Source::new("t.yaml", "---\nversion: 1\n")).is_ok());
    }

    #[test]
    fn a_byte_order_mark_and_crlf_line_ends_change_nothing() {
        let lf = "version: 2\nname: t\nlocation: eastus2\nfoundries:\n  - name: a-one\n    projets: []\n";
        let bom_crlf = format!("\u{FEFF}{}", lf.replace('\n', "\r\n"));
        let (lf_root, _) = tree(lf);
        let (bom_root, _) = parse_tree(&Source::new("t.yaml", bom_crlf)).unwrap();
        // The same keys (no `\u{FEFF}version`), at the same lines and columns.
        assert_eq!(bom_root, lf_root);
        let version = bom_root.key_node("version").unwrap();
        assert_eq!((version.span.line, version.span.col), (1, 1));
        let diags = |text: &str| {
            let (root, _) = parse_tree(&Source::new("t.yaml", text)).unwrap();
            crate::validate::check(&root)
        };
        assert_eq!(
            diags(lf),
            diags(&format!("\u{FEFF}{}", lf.replace('\n', "\r\n")))
        );
        assert_eq!(diags(lf).len(), 2, "{:?}", diags(lf));
    }

    #[test]
    fn refuses_deep_nesting() {
        let text = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let err = parse_tree(&Source::new("t.yaml", text)).unwrap_err();
        assert_eq!(err[0].code, Code::YamlTooComplex);
    }
}
