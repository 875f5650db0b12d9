//! Loading, syntax errors: turns the YAML parser's complaint (a position and a parser-speak
//! message such as "while parsing a block collection, did not find expected '-' indicator") into
//! what is wrong in the spec author's terms — a line indented to match nothing above it, a tab, a
//! quote or bracket left open — with the place to fix and, where it is known, the column to use.

use crate::diagnostics::Span;

/// A syntax error explained: where to point, what is wrong, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explained {
    /// Where to put the caret.
    pub span: Span,
    /// The message (after `invalid YAML: `).
    pub message: String,
    /// The fix, when one is known.
    pub help: Option<String>,
}

/// Explains a parser error at `span` (1-based line and column) with the parser's `info`.
pub fn explain(text: &str, span: Span, info: &str) -> Explained {
    let lines: Vec<&str> = text.lines().collect();
    if info.contains("tab")
        && let Some(e) = tab(&lines, span)
    {
        return e;
    }
    if let Some(e) = open_quote(&lines, span, info) {
        return e;
    }
    if let Some(e) = open_bracket(&lines, span, info) {
        return e;
    }
    if let Some(e) = misindented(&lines, span) {
        return e;
    }
    let help = (info.contains("mapping values are not allowed")
        || info.contains("did not find expected key")
        || info.contains("block mapping")
        || info.contains("block collection"))
    .then(|| {
        "check the indentation of this line and the one above: keys of one mapping line up, and a value on its own line is indented further than its key"
            .to_string()
    });
    Explained {
        span,
        message: info.to_string(),
        help,
    }
}

/// The indentation of a line (spaces only), and whether it has content.
fn indent(line: &str) -> usize {
    line.chars().take_while(|c| *c == ' ').count()
}

fn is_content(line: &str) -> bool {
    let t = line.trim_start();
    !t.is_empty() && !t.starts_with('#')
}

/// A tab in indentation: YAML refuses it. The parser reports it where the scalar before it
/// started; point at the tab itself.
fn tab(lines: &[&str], span: Span) -> Option<Explained> {
    let (i, col) = lines
        .iter()
        .enumerate()
        .skip(span.line.saturating_sub(1))
        .find_map(|(i, l)| {
            let lead: String = l.chars().take_while(|c| c.is_whitespace()).collect();
            lead.find('\t').map(|pos| (i, lead[..pos].chars().count()))
        })?;
    Some(Explained {
        span: Span {
            line: i + 1,
            col: col + 1,
            len: 1,
        },
        message: format!("line {} is indented with a tab", i + 1),
        help: Some("YAML does not allow tabs for indentation; indent with spaces".into()),
    })
}

/// A quoted value whose quote is not closed on its line (the parser then complains about the
/// indentation of what follows, or about the end of the file).
fn open_quote(lines: &[&str], span: Span, info: &str) -> Option<Explained> {
    if !(info.contains("quoted scalar") || info.contains("unexpected end of stream")) {
        return None;
    }
    // The opening quote: at the reported position, or the last unbalanced one before it.
    for i in (0..span.line.min(lines.len())).rev() {
        let line = lines[i];
        if let Some(col) = unclosed_quote(line) {
            let q = line[col..].chars().next().unwrap_or('"');
            return Some(Explained {
                span: Span {
                    line: i + 1,
                    col: line[..col].chars().count() + 1,
                    len: 1,
                },
                message: format!("the {q} opened on line {} is never closed", i + 1),
                help: Some(format!(
                    "end the value with {q} on the same line (inside {q}…{q}, write {} for a {q})",
                    if q == '\'' { "''" } else { "\\\"" }
                )),
            });
        }
    }
    None
}

/// The byte offset of a quote that opens a value on this line and is not closed on it.
fn unclosed_quote(line: &str) -> Option<usize> {
    let mut chars = line.char_indices().peekable();
    let mut open: Option<(usize, char)> = None;
    let mut prev = ' ';
    while let Some((at, c)) = chars.next() {
        match open {
            None => {
                if c == '#' && (prev == ' ' || at == 0) {
                    return None;
                }
                // A quote opens a scalar only at its start: after a space, `:`, `[`, `{`, `,`, `-`.
                if (c == '"' || c == '\'') && matches!(prev, ' ' | ':' | '[' | '{' | ',' | '-') {
                    open = Some((at, c));
                }
            }
            Some((_, '"')) if c == '\\' => {
                chars.next();
            }
            Some((_, '\'')) if c == '\'' && chars.peek().is_some_and(|(_, n)| *n == '\'') => {
                chars.next();
            }
            Some((_, q)) if c == q => open = None,
            Some(_) => {}
        }
        prev = c;
    }
    open.map(|(at, _)| at)
}

/// A flow mapping `{ … }` or list `[ … ]` left open: the parser notices at the next line or at the
/// end of the file; point at the opener.
fn open_bracket(lines: &[&str], span: Span, info: &str) -> Option<Explained> {
    let closer = if info.contains("flow mapping") {
        '}'
    } else if info.contains("flow sequence") {
        ']'
    } else {
        return None;
    };
    let opener = if closer == '}' { '{' } else { '[' };
    // Walk back from the reported line to the opener whose bracket never closes.
    let mut depth = 0i32;
    for i in (0..span.line.min(lines.len())).rev() {
        let line = strip_strings_and_comment(lines[i]);
        let limit = if i + 1 == span.line {
            span.col.saturating_sub(1)
        } else {
            usize::MAX
        };
        for (col, c) in line.iter().enumerate().take(limit).rev() {
            if *c == closer {
                depth += 1;
            } else if *c == opener {
                if depth == 0 {
                    return Some(Explained {
                        span: Span {
                            line: i + 1,
                            col: col + 1,
                            len: 1,
                        },
                        message: format!("the `{opener}` opened on line {} is never closed", i + 1),
                        help: Some(format!(
                            "add `{closer}` after its last entry (entries are separated by `,`); a `{opener} … {closer}` that spans lines continues on lines indented further than its key"
                        )),
                    });
                }
                depth -= 1;
            }
        }
    }
    None
}

/// The line's characters with quoted strings blanked and a trailing comment removed, so that
/// brackets inside them are not counted.
fn strip_strings_and_comment(line: &str) -> Vec<char> {
    let mut out = Vec::new();
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            None if c == '#' && prev == ' ' => break,
            None if (c == '"' || c == '\'') && matches!(prev, ' ' | ':' | '[' | '{' | ',') => {
                quote = Some(c);
                out.push(' ');
            }
            None => out.push(c),
            Some('"') if c == '\\' => {
                chars.next();
                out.extend([' ', ' ']);
            }
            Some(q) if c == q => {
                quote = None;
                out.push(' ');
            }
            Some(_) => out.push(' '),
        }
        prev = c;
    }
    out
}

/// The columns a line may start at, given the lines above it: each open block's indentation, and
/// for a list item (`- key: v`) also the column of its first key.
fn open_levels(lines: &[&str], before: usize) -> Vec<(usize, usize)> {
    // (indent, line index) of each open block, innermost last.
    let mut stack: Vec<(usize, usize)> = Vec::new();
    for (i, line) in lines.iter().enumerate().take(before) {
        if !is_content(line) {
            continue;
        }
        let n = indent(line);
        while stack.last().is_some_and(|(top, _)| *top > n) {
            stack.pop();
        }
        // A line at an open level is its newest member: the one to show as a sibling.
        match stack.last_mut() {
            Some((top, at)) if *top == n => *at = i,
            _ => stack.push((n, i)),
        }
        // `- name: x`: the item's keys line up with `name`.
        let rest = &line[n..];
        if let Some(after) = rest.strip_prefix("- ") {
            let inner = n + 2 + indent(after);
            if !after.trim().is_empty() {
                stack.push((inner, i));
            }
        }
    }
    stack
}

/// Whether the content line before line index `before` opens a block (`key:`, `- key:` or `-`
/// with nothing after it) that a line indented to column `n` starts: the first line of a block may
/// be indented by any amount deeper than the line that opens it.
fn opens_block_above(lines: &[&str], before: usize, n: usize) -> bool {
    let Some(prev) = lines[..before].iter().rev().find(|l| is_content(l)) else {
        return false;
    };
    let text: String = strip_strings_and_comment(prev).into_iter().collect();
    let text = text.trim_end();
    n > indent(prev) && (text.ends_with(':') || text.trim_start() == "-" || text.ends_with(" -"))
}

/// A line (the reported one, or the one before it) indented to a column no open block above it
/// uses.
fn misindented(lines: &[&str], span: Span) -> Option<Explained> {
    let candidates = [span.line, span.line.saturating_sub(1)];
    for &line_no in candidates.iter().filter(|&&l| l >= 2 && l <= lines.len()) {
        let line = lines[line_no - 1];
        if !is_content(line) {
            continue;
        }
        let n = indent(line);
        let levels = open_levels(lines, line_no - 1);
        if levels.iter().any(|(l, _)| *l == n) || opens_block_above(lines, line_no - 1, n) {
            continue;
        }
        // The closest columns on either side: the block it may belong to, and the parent.
        let above = levels
            .iter()
            .filter(|(l, _)| *l > n)
            .min_by_key(|(l, _)| *l);
        let below = levels
            .iter()
            .filter(|(l, _)| *l < n)
            .max_by_key(|(l, _)| *l);
        let show = |(l, i): &(usize, usize)| {
            format!(
                "column {} (`{}`, line {})",
                l + 1,
                lines[*i].trim().chars().take(40).collect::<String>(),
                i + 1
            )
        };
        let options: Vec<String> = [above, below].into_iter().flatten().map(show).collect();
        let help = match options.as_slice() {
            [] => "indent it with spaces to line up with the lines it belongs with".to_string(),
            [one] => format!("start it at {one}"),
            [a, b] => format!(
                "start it at {a} if it belongs to that block, or at {b} if it belongs one level up"
            ),
            _ => unreachable!("at most two columns"),
        };
        return Some(Explained {
            span: Span {
                line: line_no,
                col: n + 1,
                len: line.trim().chars().count().max(1),
            },
            message: format!(
                "line {line_no} starts at column {}, which lines up with no line above it",
                n + 1
            ),
            help: Some(help),
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the parser says about `text`, explained.
    fn explained(text: &str) -> Explained {
        let src = crate::spec::load::Source::new("t.yaml", text);
        let err = crate::spec::load::parse_tree(&src).expect_err("a syntax error");
        let d = &err[0];
        let message = d
            .message
            .strip_prefix("invalid YAML: ")
            .unwrap()
            .to_string();
        Explained {
            span: d.span.unwrap(),
            message,
            help: d.help.clone(),
        }
    }

    #[test]
    fn the_first_line_of_a_block_is_never_called_misindented() {
        // The error is the mapping on line 5, which is indented as the first entry of `tags:`.
        let e = explained(
            "version: 1\nname: x\nlocation: eastus2\ntags:\n  env: a: b\nfoundries:\n  - name: x-foundry\n",
        );
        assert!(
            !e.message.contains("lines up with no line"),
            "{}",
            e.message
        );
        assert_eq!(e.span.line, 5, "{}", e.message);
    }

    #[test]
    fn a_list_item_indented_one_space_short() {
        let e = explained(
            "version: 1\nfoundries:\n  - name: a-one\n    projects:\n      - name: p1\n     - name: p2\n",
        );
        assert_eq!(
            e.message,
            "line 6 starts at column 6, which lines up with no line above it"
        );
        assert_eq!((e.span.line, e.span.col), (6, 6));
        assert_eq!(
            e.help.as_deref(),
            Some(
                "start it at column 7 (`- name: p1`, line 5) if it belongs to that block, or at column 5 (`projects:`, line 4) if it belongs one level up"
            )
        );
    }

    #[test]
    fn a_key_between_two_levels() {
        let e = explained("version: 1\nfoundries:\n  - name: a-one\n   sku: S0\n");
        assert_eq!((e.span.line, e.span.col), (4, 4));
        assert!(
            e.help.as_deref().unwrap().starts_with(
                "start it at column 5 (`- name: a-one`, line 3) if it belongs to that block, or at column 3"
            ),
            "{e:?}"
        );
        let e = explained("version: 1\nname: t\n location: eastus2\n");
        assert_eq!(
            e.message,
            "line 3 starts at column 2, which lines up with no line above it"
        );
        assert_eq!(
            e.help.as_deref(),
            Some("start it at column 1 (`name: t`, line 2)")
        );
    }

    #[test]
    fn an_unclosed_quote() {
        let e = explained("version: 1\nname: \"t\nlocation: eastus2\n");
        assert_eq!(e.message, "the \" opened on line 2 is never closed");
        assert_eq!((e.span.line, e.span.col), (2, 7));
        let e = explained("version: 1\nname: 'it''s\nlocation: eastus2\n");
        assert_eq!(e.message, "the ' opened on line 2 is never closed");
        assert!(e.help.unwrap().contains("''"));
    }

    #[test]
    fn an_unclosed_bracket() {
        let e =
            explained("version: 1\nfoundries:\n  - name: a\n    tags: { a: b\n    projects: []\n");
        assert_eq!(e.message, "the `{` opened on line 4 is never closed");
        assert_eq!((e.span.line, e.span.col), (4, 11));
        let e = explained("version: 1\nfoundries: [ { name: x }\n");
        assert_eq!(e.message, "the `[` opened on line 2 is never closed");
        assert_eq!((e.span.line, e.span.col), (2, 12));
        // Brackets inside strings do not count.
        let e = explained("version: 1\nfoundries: [ { name: \"x]\" }\n");
        assert_eq!((e.span.line, e.span.col), (2, 12), "{e:?}");
    }

    #[test]
    fn a_tab_in_the_indentation() {
        let e = explained("version: 1\nfoundries:\n\t- name: a\n");
        assert_eq!(e.message, "line 3 is indented with a tab");
        assert_eq!((e.span.line, e.span.col), (3, 1));
    }

    #[test]
    fn finds_unclosed_quotes_only_where_a_value_starts() {
        assert_eq!(unclosed_quote("name: \"t"), Some(6));
        assert_eq!(unclosed_quote("name: \"t\\\"\""), None);
        assert_eq!(unclosed_quote("name: it's"), None);
        assert_eq!(unclosed_quote("name: 'it''s'"), None);
        assert_eq!(unclosed_quote("name: x # it's"), None);
    }
}
