//! Format-aware escaping, registered once per Tera instance: every spec string reaches a generated
//! file through one of these. `*_str` escapes one string; `*_value` prints a whole `RValue` tree
//! (objects, arrays, literals and already-rendered expressions) at an indent.

use std::borrow::Cow;
use std::fmt::Write as _;

use tera::{Kwargs, State, Tera};

use super::context::RValue;

/// A Bicep string literal: `'...'` with `\`, `'`, `${` and control characters escaped.
pub fn bicep_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    // tree-sitter-bicep (and the editors built on it) reads `//` that directly follows the opening
    // quote or an escape sequence as a comment and loses the rest of the file; `\u{2F}` is the same
    // slash to Bicep.
    let mut after_escape = true;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        let escaped = match c {
            // pycep (checkov's Bicep parser) reads `\\'` as an escaped quote and gives up on the
            // file, so a backslash right before the closing quote is written as its code point.
            '\\' if chars.peek().is_none() => Some(Cow::Borrowed("\\u{5C}")),
            '\\' => Some(Cow::Borrowed("\\\\")),
            '\'' => Some(Cow::Borrowed("\\'")),
            '\n' => Some(Cow::Borrowed("\\n")),
            '\r' => Some(Cow::Borrowed("\\r")),
            '\t' => Some(Cow::Borrowed("\\t")),
            '$' if chars.peek() == Some(&'{') => Some(Cow::Borrowed("\\$")),
            '/' if after_escape && chars.peek() == Some(&'/') => Some(Cow::Borrowed("\\u{2F}")),
            c if c.is_control() || is_invisible(c) => {
                Some(Cow::Owned(format!("\\u{{{:X}}}", c as u32)))
            }
            _ => None,
        };
        after_escape = escaped.is_some();
        match escaped {
            Some(e) => out.push_str(&e),
            None => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// A JSON string literal for ARM: JSON escaping, plus a leading `[` doubled so ARM does not read the
/// value as an expression.
pub fn arm_string(s: &str) -> String {
    json_string(&arm_literal(s))
}

/// The text ARM reads as the literal `s` (unescaped): a leading `[` doubled, so that it is not
/// taken for an expression.
pub fn arm_literal(s: &str) -> String {
    if s.starts_with('[') {
        format!("[{s}")
    } else {
        s.to_string()
    }
}

/// A plain JSON string literal (control and invisible characters as `\uXXXX`).
pub fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    push_json_escaped(&mut out, s);
    out.push('"');
    out
}

/// Appends what [`json_string`] puts between the quotes.
fn push_json_escaped(out: &mut String, s: &str) {
    // Runs of characters that need no escape are copied whole.
    let mut run = 0;
    for (i, c) in s.char_indices() {
        let escape = match c {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            c if c.is_control() || is_invisible(c) => "",
            _ => continue,
        };
        out.push_str(&s[run..i]);
        run = i + c.len_utf8();
        if escape.is_empty() {
            let mut buf = [0u16; 2];
            for unit in c.encode_utf16(&mut buf) {
                let _ = write!(out, "\\u{unit:04x}");
            }
        } else {
            out.push_str(escape);
        }
    }
    out.push_str(&s[run..]);
}

/// Appends [`arm_string`] of `s` without building it apart.
fn push_arm_string(out: &mut String, s: &str) {
    out.push('"');
    // `[` needs no JSON escape, so doubling it before or after escaping is the same.
    if s.starts_with('[') {
        out.push('[');
    }
    push_json_escaped(out, s);
    out.push('"');
}

/// Appends `json_string(&format!("[{x}]"))`, an ARM expression, without building it apart.
fn push_arm_expression(out: &mut String, x: &str) {
    out.push_str("\"[");
    push_json_escaped(out, x);
    out.push_str("]\"");
}

/// An HCL string literal: `"..."` with `\`, `"`, control characters, `${` and `%{` escaped.
pub fn hcl_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' if chars.peek() == Some(&'{') => out.push_str("$$"),
            '%' if chars.peek() == Some(&'{') => out.push_str("%%"),
            c if c.is_control() || is_invisible(c) => {
                if (c as u32) <= 0xFFFF {
                    let _ = write!(out, "\\u{:04X}", c as u32);
                } else {
                    let _ = write!(out, "\\U{:08X}", c as u32);
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Bidirectional controls and other invisible format characters, printed escaped so a reviewer
/// sees them (the Trojan Source class of problems).
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}' | '\u{2028}' | '\u{2029}')
}

fn pad(out: &mut String, indent: usize) {
    for _ in 0..indent {
        out.push_str("  ");
    }
}

/// A value tree the printers read: the tagged `{t, v}` objects of a template's context (see
/// [`RValue`]), or the [`RValue`] they are made from, for values printed before they reach a
/// template (see [`Printed`]) and for callers outside templates. One printer per format serves
/// both, so the two cannot print a value differently.
trait Node: Sized {
    /// One `[key, value]` pair of an object.
    type Pair;
    /// The node's tag and content, one level down.
    fn decode(&self) -> tera::TeraResult<V<'_, Self>>;
    /// The key and value of a pair.
    fn pair(p: &Self::Pair) -> tera::TeraResult<(&str, &Self)>;
}

/// A value as a printer reads it, one level at a time and without copying.
enum V<'a, N: Node> {
    S(&'a str),
    B(bool),
    I(i64),
    O(&'a [N::Pair]),
    A(&'a [N]),
    X(&'a str),
    XK(&'a [N::Pair]),
    D(&'a str),
}

fn not_a_value(v: &tera::Value) -> tera::Error {
    tera::Error::message(format!(
        "not a foundrygen value (a `{{t, v}}` object): {}",
        v.name()
    ))
}

impl Node for tera::Value {
    type Pair = tera::Value;

    fn decode(&self) -> tera::TeraResult<V<'_, Self>> {
        let map = self.as_map().ok_or_else(|| not_a_value(self))?;
        let (mut tag, mut content) = (None, None);
        for (k, x) in map {
            match k.as_str() {
                Some("t") => tag = x.as_str(),
                Some("v") => content = Some(x),
                _ => {}
            }
        }
        let (Some(tag), Some(c)) = (tag, content) else {
            return Err(not_a_value(self));
        };
        let bad = || not_a_value(self);
        Ok(match tag {
            "S" => V::S(c.as_str().ok_or_else(bad)?),
            "X" => V::X(c.as_str().ok_or_else(bad)?),
            "D" => V::D(c.as_str().ok_or_else(bad)?),
            "B" => V::B(c.as_bool().ok_or_else(bad)?),
            "I" => V::I(c.as_i64().ok_or_else(bad)?),
            "O" => V::O(c.as_array().ok_or_else(bad)?),
            "XK" => V::XK(c.as_array().ok_or_else(bad)?),
            "A" => V::A(c.as_array().ok_or_else(bad)?),
            _ => return Err(bad()),
        })
    }

    fn pair(p: &tera::Value) -> tera::TeraResult<(&str, &tera::Value)> {
        match p.as_array() {
            Some([k, v]) => Ok((k.as_str().ok_or_else(|| not_a_value(p))?, v)),
            _ => Err(not_a_value(p)),
        }
    }
}

impl Node for RValue {
    type Pair = (String, RValue);

    fn decode(&self) -> tera::TeraResult<V<'_, Self>> {
        Ok(match self {
            RValue::S(s) => V::S(s),
            RValue::B(b) => V::B(*b),
            RValue::I(i) => V::I(*i),
            RValue::O(pairs) => V::O(pairs),
            RValue::A(items) => V::A(items),
            RValue::X(x) => V::X(x),
            RValue::XK(pairs) => V::XK(pairs),
            RValue::D(d) => V::D(d),
        })
    }

    fn pair(p: &(String, RValue)) -> tera::TeraResult<(&str, &RValue)> {
        Ok((&p.0, &p.1))
    }
}

fn is_directive<N: Node>(v: &N) -> bool {
    matches!(v.decode(), Ok(V::D(_)))
}

/// An object's pairs without its Bicep directives (which ARM and HCL have no place for).
fn without_directives<N: Node>(pairs: &[N::Pair]) -> tera::TeraResult<Vec<(&str, &N)>> {
    let mut kept = Vec::with_capacity(pairs.len());
    for p in pairs {
        let (k, v) = N::pair(p)?;
        if !is_directive(v) {
            kept.push((k, v));
        }
    }
    Ok(kept)
}

/// A format's value printer, the one its `*_value` filter uses: appends the value at an indent.
pub type Printer = fn(&mut String, &RValue, usize);

// An `RValue` always decodes, so its printers cannot fail.
/// Bicep's [`Printer`].
pub const PRINT_BICEP: Printer = |out, v, indent| {
    let _ = write_bicep(out, v, indent);
};
/// ARM's [`Printer`].
pub const PRINT_ARM: Printer = |out, v, indent| {
    let _ = write_arm(out, v, indent);
};
/// HCL's [`Printer`].
pub const PRINT_HCL: Printer = |out, v, indent| {
    let _ = write_hcl(out, v, indent);
};

/// Prints an [`RValue`] with `print`, for callers outside templates.
fn print(v: &RValue, indent: usize, print: Printer) -> String {
    let mut out = String::new();
    print(&mut out, v, indent);
    out
}

/// Prints a value as Bicep at `indent` levels (two spaces each); the first line is not indented.
pub fn bicep_value(v: &RValue, indent: usize) -> String {
    print(v, indent, PRINT_BICEP)
}

fn bicep_key(k: &str) -> String {
    let ident = k.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    // `true`, `false` and `null` as bare keys trip pycep (checkov's Bicep parser); quoted they
    // mean the same.
    let keyword = matches!(k, "true" | "false" | "null");
    if ident && !keyword {
        k.to_string()
    } else {
        bicep_string(k)
    }
}

/// Hosts of Azure's public cloud that Bicep's linter rule `no-hardcoded-env-urls` flags in a
/// string literal, in its default configuration (`disallowedhosts`), and the ones it exempts.
const BICEP_DISALLOWED_HOSTS: &[&str] = &[
    "api.loganalytics.io",
    "asazure.windows.net",
    "azuredatalakeanalytics.net",
    "azuredatalakestore.net",
    "batch.core.windows.net",
    "core.windows.net",
    "database.windows.net",
    "datalake.azure.net",
    "gallery.azure.com",
    "graph.windows.net",
    "login.microsoftonline.com",
    "management.azure.com",
    "management.core.windows.net",
    "region.asazure.windows.net",
    "trafficmanager.net",
    "vault.azure.net",
];
const BICEP_EXCLUDED_HOSTS: &[&str] = &["schema.management.azure.com"];

/// Whether Bicep's linter would flag this string as a hard-coded cloud URL: a disallowed host
/// that starts the string or follows a character no host name contains.
pub fn names_cloud_host(s: &str) -> bool {
    // Every listed host has a dot; most strings a template prints (names, ids) have none.
    if !s.contains('.') {
        return false;
    }
    let lower = s.to_ascii_lowercase();
    if BICEP_EXCLUDED_HOSTS.iter().any(|h| lower.contains(h)) {
        return false;
    }
    BICEP_DISALLOWED_HOSTS.iter().any(|h| {
        lower.match_indices(h).any(|(i, _)| {
            lower[..i]
                .chars()
                .next_back()
                .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '-'))
        })
    })
}

/// The lines before a literal that names a cloud host: the URL is the spec's, so the finding is
/// turned off where it stands, with the reason beside it.
fn write_url_suppression<N: Node>(out: &mut String, v: &V<'_, N>, indent: usize) {
    if let V::S(s) = v
        && names_cloud_host(s)
    {
        out.push_str("// the URL is the spec's own value\n");
        pad(out, indent);
        out.push_str("#disable-next-line no-hardcoded-env-urls\n");
        pad(out, indent);
    }
}

fn write_int(out: &mut String, i: i64) {
    let _ = write!(out, "{i}");
}

fn write_bicep<N: Node>(out: &mut String, v: &N, indent: usize) -> tera::TeraResult<()> {
    match v.decode()? {
        V::S(s) => out.push_str(&bicep_string(s)),
        V::B(b) => out.push_str(if b { "true" } else { "false" }),
        V::I(i) => write_int(out, i),
        V::X(x) | V::D(x) => out.push_str(x),
        V::O([]) => out.push_str("{}"),
        V::O(pairs) => {
            out.push_str("{\n");
            for p in pairs {
                let (k, v) = N::pair(p)?;
                pad(out, indent + 1);
                let inner = v.decode()?;
                if let V::D(d) = inner {
                    out.push_str(d);
                    out.push('\n');
                    continue;
                }
                write_url_suppression(out, &inner, indent + 1);
                out.push_str(&bicep_key(k));
                out.push_str(": ");
                write_bicep(out, v, indent + 1)?;
                out.push('\n');
            }
            pad(out, indent);
            out.push('}');
        }
        V::XK(pairs) => {
            out.push_str("{\n");
            for p in pairs {
                let (k, v) = N::pair(p)?;
                pad(out, indent + 1);
                let _ = write!(out, "'${{{k}}}': ");
                write_bicep(out, v, indent + 1)?;
                out.push('\n');
            }
            pad(out, indent);
            out.push('}');
        }
        V::A([]) => out.push_str("[]"),
        V::A(items) => {
            out.push_str("[\n");
            for v in items {
                pad(out, indent + 1);
                write_url_suppression(out, &v.decode()?, indent + 1);
                write_bicep(out, v, indent + 1)?;
                out.push('\n');
            }
            pad(out, indent);
            out.push(']');
        }
    }
    Ok(())
}

/// Prints a value as ARM JSON at `indent` levels (two spaces each); the first line is not indented.
/// Expressions become `"[...]"` strings; literal strings keep a leading `[` doubled.
pub fn arm_value(v: &RValue, indent: usize) -> String {
    print(v, indent, PRINT_ARM)
}

fn write_arm<N: Node>(out: &mut String, v: &N, indent: usize) -> tera::TeraResult<()> {
    match v.decode()? {
        V::S(s) => push_arm_string(out, s),
        V::B(b) => out.push_str(if b { "true" } else { "false" }),
        V::I(i) => write_int(out, i),
        V::X(x) => push_arm_expression(out, x),
        V::D(_) => {}
        V::O(pairs) => {
            // Each pair's separator is written before it, so that the directives left out need
            // no list of the pairs kept.
            let mut first = true;
            for p in pairs {
                let (k, v) = N::pair(p)?;
                if is_directive(v) {
                    continue;
                }
                out.push_str(if first { "{\n" } else { ",\n" });
                first = false;
                pad(out, indent + 1);
                push_arm_string(out, k);
                out.push_str(": ");
                write_arm(out, v, indent + 1)?;
            }
            if first {
                out.push_str("{}");
                return Ok(());
            }
            out.push('\n');
            pad(out, indent);
            out.push('}');
        }
        V::XK(pairs) => {
            out.push_str("{\n");
            for (i, p) in pairs.iter().enumerate() {
                let (k, v) = N::pair(p)?;
                pad(out, indent + 1);
                push_arm_expression(out, k);
                out.push_str(": ");
                write_arm(out, v, indent + 1)?;
                if i + 1 < pairs.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            pad(out, indent);
            out.push('}');
        }
        V::A([]) => out.push_str("[]"),
        V::A(items) => {
            out.push_str("[\n");
            for (i, v) in items.iter().enumerate() {
                pad(out, indent + 1);
                write_arm(out, v, indent + 1)?;
                if i + 1 < items.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            pad(out, indent);
            out.push(']');
        }
    }
    Ok(())
}

/// Prints a value as HCL at `indent` levels (two spaces each); the first line is not indented.
pub fn hcl_value(v: &RValue, indent: usize) -> String {
    print(v, indent, PRINT_HCL)
}

fn hcl_key(k: &str) -> String {
    let ident = k.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    // `{ for = … }` opens a for-expression, and the other keywords confuse readers and parsers
    // alike: quote them.
    let keyword = matches!(
        k,
        "for" | "in" | "if" | "else" | "endif" | "endfor" | "true" | "false" | "null"
    );
    if ident && !keyword {
        k.to_string()
    } else {
        hcl_string(k)
    }
}

fn write_hcl<N: Node>(out: &mut String, v: &N, indent: usize) -> tera::TeraResult<()> {
    match v.decode()? {
        V::S(s) => out.push_str(&hcl_string(s)),
        V::B(b) => out.push_str(if b { "true" } else { "false" }),
        V::I(i) => write_int(out, i),
        V::X(x) => out.push_str(x),
        V::D(_) => {}
        V::O(pairs) => {
            let kept = without_directives::<N>(pairs)?;
            if kept.is_empty() {
                out.push_str("{}");
                return Ok(());
            }
            // Keys are not padded: `=` alignment is decided once, for the whole file, by
            // `hclfmt` (terraform fmt aligns across lines that a multi-line value would break).
            out.push_str("{\n");
            for (k, v) in kept {
                pad(out, indent + 1);
                out.push_str(&hcl_key(k));
                out.push_str(" = ");
                write_hcl(out, v, indent + 1)?;
                out.push('\n');
            }
            pad(out, indent);
            out.push('}');
        }
        V::XK(pairs) => {
            out.push_str("{\n");
            for p in pairs {
                let (k, v) = N::pair(p)?;
                pad(out, indent + 1);
                let _ = write!(out, "({k}) = ");
                write_hcl(out, v, indent + 1)?;
                out.push('\n');
            }
            pad(out, indent);
            out.push('}');
        }
        V::A([]) => out.push_str("[]"),
        V::A(items) => {
            out.push_str("[\n");
            for v in items {
                pad(out, indent + 1);
                write_hcl(out, v, indent + 1)?;
                out.push_str(",\n");
            }
            pad(out, indent);
            out.push(']');
        }
    }
    Ok(())
}

fn indent_arg(kwargs: &Kwargs) -> tera::TeraResult<usize> {
    Ok(kwargs.get::<i64>("indent")?.unwrap_or(0).max(0) as usize)
}

/// A `*_value` filter: prints the value with `write` at the `indent` keyword argument. A value
/// foundrygen printed before it reached the template ([`Printed`]: bytes, which no template can
/// make) is already the filter's output, and goes through as it is.
fn value_filter(
    write: fn(&mut String, &tera::Value, usize) -> tera::TeraResult<()>,
) -> impl Fn(&tera::Value, Kwargs, &State) -> tera::TeraResult<tera::Value> {
    move |v: &tera::Value, kw: Kwargs, _: &State| {
        if v.is_bytes() {
            return Ok(v.clone());
        }
        let mut out = String::new();
        write(&mut out, v, indent_arg(&kw)?)?;
        Ok(tera::Value::safe_string(&out))
    }
}

/// Registers the escaping filters every format uses.
pub fn register(tera: &mut Tera) {
    tera.register_filter("bicep_str", |s: &str, _: Kwargs, _: &State| {
        tera::Value::safe_string(&bicep_string(s))
    });
    tera.register_filter("arm_str", |s: &str, _: Kwargs, _: &State| {
        tera::Value::safe_string(&arm_string(s))
    });
    tera.register_filter("json_str", |s: &str, _: Kwargs, _: &State| {
        tera::Value::safe_string(&json_string(s))
    });
    tera.register_filter("hcl_str", |s: &str, _: Kwargs, _: &State| {
        tera::Value::safe_string(&hcl_string(s))
    });
    tera.register_filter("bicep_value", value_filter(write_bicep::<tera::Value>));
    tera.register_filter("arm_value", value_filter(write_arm::<tera::Value>));
    tera.register_filter("hcl_value", value_filter(write_hcl::<tera::Value>));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The escape one character at a time, as [`json_string`] did before it copied runs.
    fn json_string_by_char(s: &str) -> String {
        let mut out = String::from('"');
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if c.is_control() || is_invisible(c) => {
                    let mut buf = [0u16; 2];
                    for unit in c.encode_utf16(&mut buf) {
                        let _ = write!(out, "\\u{unit:04x}");
                    }
                }
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }

    /// Any value tree, with keys and strings that exercise quoting, escapes and URL suppressions.
    fn any_value() -> impl proptest::strategy::Strategy<Value = RValue> {
        use proptest::prelude::*;
        let text =
            r#"([a-z_-]{0,6}|for|null|\[x|https://a\.vault\.azure\.net/|\$\{x\}|[\PC"'\\\n]{0,4})"#;
        let leaf = prop_oneof![
            text.prop_map(RValue::S),
            any::<bool>().prop_map(RValue::B),
            any::<i64>().prop_map(RValue::I),
            "[a-z.()]{1,8}".prop_map(RValue::X),
            Just(RValue::D("#disable-next-line x".into())),
        ];
        leaf.prop_recursive(4, 48, 6, move |inner| {
            prop_oneof![
                proptest::collection::vec((text, inner.clone()), 0..5).prop_map(RValue::O),
                proptest::collection::vec(inner.clone(), 0..5).prop_map(RValue::A),
                proptest::collection::vec(("[a-z.]{1,6}", inner), 0..3).prop_map(RValue::XK),
            ]
        })
    }

    proptest::proptest! {
        /// A value printed before it reaches a template (from the `RValue`) reads as the filter
        /// prints it from the template's `{t, v}` tree, in every format and at any indent.
        #[test]
        fn printing_a_value_or_its_template_tree_gives_the_same_text(v in any_value(), indent in 0usize..5) {
            let tree = tera::Value::from_serializable(&v);
            for (write, print) in [
                (write_bicep::<tera::Value> as fn(&mut String, &tera::Value, usize) -> tera::TeraResult<()>, PRINT_BICEP),
                (write_arm::<tera::Value>, PRINT_ARM),
                (write_hcl::<tera::Value>, PRINT_HCL),
            ] {
                let mut from_tree = String::new();
                write(&mut from_tree, &tree, indent).expect("a tree made from an RValue prints");
                let mut from_value = String::new();
                print(&mut from_value, &v, indent);
                proptest::prop_assert_eq!(from_value, from_tree);
            }
        }
    }

    #[test]
    fn the_value_filters_pass_printed_bytes_through_and_refuse_other_values() {
        let mut tera = Tera::default();
        register(&mut tera);
        tera.add_raw_template("t", "{{ v | hcl_value(indent=2) }}")
            .unwrap();
        let render = |v: tera::Value| {
            let mut ctx = tera::Context::new();
            ctx.insert_value("v", v);
            tera.render("t", &ctx)
        };
        assert_eq!(
            render(tera::Value::bytes("{\n  a = 1\n}")).unwrap(),
            "{\n  a = 1\n}"
        );
        let tree = tera::Value::from_serializable(&RValue::O(vec![("a".into(), RValue::I(1))]));
        assert_eq!(render(tree).unwrap(), "{\n      a = 1\n    }");
        let refused = render(tera::Value::normal_string("x")).unwrap_err();
        assert!(
            format!("{refused:?}").contains("not a foundrygen value"),
            "{refused:?}"
        );
    }

    proptest::proptest! {
        #[test]
        fn json_string_copies_runs_to_the_same_text(s in r#"(\PC|["\\\n\r\t\x00-\x1f\x7f\u{202e}\u{feff}\u{1F600}])*"#) {
            let escaped = json_string(&s);
            proptest::prop_assert_eq!(&escaped, &json_string_by_char(&s));
            let back: String = serde_json::from_str(&escaped).expect("valid JSON");
            proptest::prop_assert_eq!(back, s);
        }
    }

    proptest::proptest! {
        #[test]
        fn arm_strings_and_expressions_written_in_place_match_the_built_ones(s in r#"(\PC|[\["\\\n\x00-\x1f\u{202e}])*"#) {
            let mut out = String::new();
            push_arm_string(&mut out, &s);
            proptest::prop_assert_eq!(&out, &arm_string(&s));
            out.clear();
            push_arm_expression(&mut out, &s);
            proptest::prop_assert_eq!(out, json_string(&format!("[{s}]")));
        }
    }

    #[test]
    fn arm_objects_leave_directives_out_wherever_they_stand() {
        let d = || ("d".to_string(), RValue::D("#disable-next-line x".into()));
        let s = |k: &str| (k.to_string(), RValue::S(k.into()));
        assert_eq!(arm_value(&RValue::O(vec![d()]), 0), "{}");
        assert_eq!(arm_value(&RValue::O(vec![d(), d()]), 1), "{}");
        assert_eq!(
            arm_value(&RValue::O(vec![d(), s("a"), d(), s("b"), d()]), 1),
            "{\n    \"a\": \"a\",\n    \"b\": \"b\"\n  }"
        );
        assert_eq!(
            arm_value(&RValue::O(vec![s("[a"), d()]), 0),
            "{\n  \"[[a\": \"[[a\"\n}"
        );
        assert_eq!(
            arm_value(
                &RValue::XK(vec![("id('a\"')".into(), RValue::O(vec![]))]),
                0
            ),
            "{\n  \"[id('a\\\"')]\": {}\n}"
        );
    }

    #[test]
    fn every_cloud_host_has_the_dot_the_shortcut_looks_for() {
        for host in BICEP_DISALLOWED_HOSTS {
            assert!(host.contains('.'), "{host}");
            assert!(names_cloud_host(&format!("https://{host}/x")), "{host}");
        }
        assert!(!names_cloud_host("managementazurecom"));
    }

    #[test]
    fn bicep_escapes_quotes_backslashes_and_interpolation() {
        assert_eq!(bicep_string("it's"), r"'it\'s'");
        assert_eq!(bicep_string(r"a\b"), r"'a\\b'");
        assert_eq!(bicep_string("${x}"), r"'\${x}'");
        assert_eq!(bicep_string("$x"), "'$x'");
        assert_eq!(bicep_string("a\nb"), r"'a\nb'");
        assert_eq!(bicep_string("\u{202E}"), r"'\u{202E}'");
        assert_eq!(bicep_string("// x"), r"'\u{2F}/ x'");
        assert_eq!(bicep_string("a // x"), "'a // x'");
        assert_eq!(bicep_string("\\//"), r"'\\\u{2F}/'");
        assert_eq!(bicep_string("C:\\"), r"'C:\u{5C}'");
        assert_eq!(bicep_string("a\\\\"), r"'a\\\u{5C}'");
        assert_eq!(bicep_string("\\"), r"'\u{5C}'");
    }

    #[test]
    fn a_cloud_host_from_the_spec_carries_its_own_suppression() {
        assert!(names_cloud_host(
            "https://contoso.blob.core.windows.net/data"
        ));
        assert!(names_cloud_host("login.microsoftonline.com/tenant"));
        assert!(names_cloud_host("https://x.VAULT.azure.net/"));
        assert!(!names_cloud_host("https://notcore.windows.net/"));
        assert!(!names_cloud_host("https://schema.management.azure.com/x"));
        assert!(!names_cloud_host("https://api.example.com/"));
        let v = RValue::O(vec![
            (
                "target".into(),
                RValue::S("https://contoso.blob.core.windows.net/".into()),
            ),
            ("kind".into(), RValue::S("x".into())),
        ]);
        assert_eq!(
            bicep_value(&v, 1),
            "{\n    // the URL is the spec's own value\n    #disable-next-line no-hardcoded-env-urls\n    target: 'https://contoso.blob.core.windows.net/'\n    kind: 'x'\n  }"
        );
    }

    #[test]
    fn arm_doubles_a_leading_bracket() {
        assert_eq!(arm_string("[concat('a')]"), r#""[[concat('a')]""#);
        assert_eq!(arm_string("a[b]"), r#""a[b]""#);
        assert_eq!(arm_string("\"q\"\u{0}"), r#""\"q\"\u0000""#);
    }

    #[test]
    fn hcl_escapes_templates() {
        assert_eq!(hcl_string("${x} %{y}"), r#""$${x} %%{y}""#);
        assert_eq!(hcl_string("$x %y"), r#""$x %y""#);
        assert_eq!(hcl_string("\"\\"), r#""\"\\""#);
    }

    #[test]
    fn hcl_quotes_keyword_keys() {
        let v = RValue::O(vec![
            ("for".into(), RValue::S("x".into())),
            ("null".into(), RValue::S("y".into())),
        ]);
        assert_eq!(
            hcl_value(&v, 0),
            "{\n  \"for\" = \"x\"\n  \"null\" = \"y\"\n}"
        );
    }

    #[test]
    fn prints_nested_values() {
        let v = RValue::O(vec![
            ("a".into(), RValue::S("x".into())),
            (
                "b-c".into(),
                RValue::A(vec![RValue::B(true), RValue::X("var.y".into())]),
            ),
        ]);
        assert_eq!(
            bicep_value(&v, 0),
            "{\n  a: 'x'\n  'b-c': [\n    true\n    var.y\n  ]\n}"
        );
        assert_eq!(
            hcl_value(&v, 0),
            "{\n  a = \"x\"\n  b-c = [\n    true,\n    var.y,\n  ]\n}"
        );
        assert_eq!(
            arm_value(&v, 0),
            "{\n  \"a\": \"x\",\n  \"b-c\": [\n    true,\n    \"[var.y]\"\n  ]\n}"
        );
    }
}
