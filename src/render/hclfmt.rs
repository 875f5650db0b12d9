//! Terraform layout, the last step of rendering every `.tf` and `.tfvars` file (built-in or
//! `--templates` overlay): takes the rendered HCL text and returns it as `terraform fmt` writes it,
//! so the generated files pass `terraform fmt -check` byte for byte.
//!
//! The rules are hclwrite's (`format.go`): each line splits into a lead, an "assign" cell from its
//! first `=` when the rest of the line is bracket-balanced, and a trailing comment; consecutive
//! assign lines align their `=` one space after the longest lead (counted in grapheme clusters), and
//! consecutive trailing comments align likewise; indentation is two spaces per open bracket level;
//! spaces between tokens are normalised. On top of those, `terraform fmt` unwraps attribute values
//! that are a single interpolation (`"${x}"` → `x`), writes `type = "string"` in a `variable` block
//! as `string` (and a bare `list`/`map`/`set` as `list(any)`…), and quotes block labels.

use std::borrow::Cow;

use unicode_segmentation::UnicodeSegmentation;

/// Formats HCL source text the way `terraform fmt` does.
///
/// Text that is not valid HCL still gets the line-based layout, but none of the structural
/// rewrites (`terraform fmt` refuses such files outright).
pub fn format(src: &str) -> String {
    let src = src.strip_prefix('\u{FEFF}').unwrap_or(src);
    let mut tokens = rewrite(lex(src)).unwrap_or_else(|t| t);
    layout(&mut tokens);
    let mut out = String::with_capacity(src.len() + src.len() / 4);
    write_tokens(&mut out, src, &tokens);
    trailing_blanks(&mut out, src);
    out
}

/// Formats one piece of a file into `out`, when the piece stands on its own: it ends outside every
/// string and bracket, and its body parses. Pieces that do, cut where a blank line at the top
/// level separates them (see [`joins_cleanly`]), format to what the whole file formats to, so a
/// big file is formatted piece by piece without holding the tokens of all of it. `false` (and
/// `out` unchanged) when the piece does not stand on its own.
pub fn format_piece(out: &mut String, src: &str) -> bool {
    let src = src.strip_prefix('\u{FEFF}').unwrap_or(src);
    let (tokens, closed) = lex_checked(src);
    if !closed {
        return false;
    }
    let Ok(mut tokens) = rewrite(tokens) else {
        return false;
    };
    layout(&mut tokens);
    // The formatted text is about as long as the piece (alignment adds a little).
    out.reserve(src.len() + src.len() / 8);
    write_tokens(out, src, &tokens);
    trailing_blanks(out, src);
    true
}

/// Whether two pieces that each stand on their own (see [`format_piece`]) format, one after the
/// other, as their concatenation does: the cut is at the start of a line, and on a blank line, which
/// ends every alignment chain.
pub fn joins_cleanly(before: &str, after: &str) -> bool {
    let line_start = before.is_empty() || before.ends_with('\n');
    let blank = before.is_empty()
        || after.is_empty()
        || before.ends_with("\n\n")
        || after.starts_with('\n');
    line_start && blank && !before.ends_with([' ', '\t'])
}

/// Writes the tokens of `src` with their spaces. A run of tokens that keeps the spaces it was
/// written with is copied from `src` whole, rather than token by token.
fn write_tokens(out: &mut String, src: &str, tokens: &[Token<'_>]) {
    let bytes = src.as_bytes();
    let mut run = 0..0;
    for t in tokens {
        let at = t.at as usize;
        if t.at != SYNTHETIC
            && !run.is_empty()
            && at.checked_sub(t.spaces) == Some(run.end)
            && bytes[run.end..at].iter().all(|&b| b == b' ')
        {
            run.end = at + t.text.len();
            continue;
        }
        out.push_str(&src[run]);
        push_spaces(out, t.spaces);
        if t.at == SYNTHETIC {
            out.push_str(&t.text);
            run = 0..0;
        } else {
            run = at..at + t.text.len();
        }
    }
    out.push_str(&src[run]);
}

/// Appends `n` spaces.
fn push_spaces(out: &mut String, mut n: usize) {
    const SPACES: &str = "                                ";
    while n > SPACES.len() {
        out.push_str(SPACES);
        n -= SPACES.len();
    }
    out.push_str(&SPACES[..n]);
}

fn trailing_blanks(out: &mut String, src: &str) {
    // hclwrite keeps the blanks after the last token (as spaces, one per byte): they belong to the
    // end-of-file token, which no formatting rule touches.
    let trailing = src.len() - src.trim_end_matches([' ', '\t']).len();
    push_spaces(out, trailing);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Newline,
    /// `# …` and `// …` including their line end, or `/* … */`.
    Comment,
    Ident,
    Number,
    OBrace,
    CBrace,
    OBrack,
    CBrack,
    OParen,
    CParen,
    OQuote,
    CQuote,
    /// Literal text inside a quoted string (escapes and `$${` included).
    QuotedLit,
    /// A line break inside a quoted string (a syntax error, kept as written).
    QuotedNewline,
    /// `<<EOT` or `<<-EOT` with its line end.
    OHeredoc,
    /// Literal text inside a heredoc, often with its line end.
    StringLit,
    /// A heredoc's closing marker, with any indentation before it.
    CHeredoc,
    /// `${` or `${~`.
    Interp,
    /// `%{` or `%{~`.
    Control,
    /// The `}` or `~}` that closes an interpolation or directive.
    SeqEnd,
    Equal,
    EqualOp,
    NotEqual,
    Lt,
    LtEq,
    Gt,
    GtEq,
    And,
    Or,
    Bang,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    Dot,
    Comma,
    Colon,
    Question,
    DoubleColon,
    Ellipsis,
    FatArrow,
    /// Any other character, valid HCL (`~`, `;`) or not.
    Other,
}

#[derive(Debug, Clone)]
struct Token<'a> {
    kind: Kind,
    text: Cow<'a, str>,
    /// Spaces written before the token; every one is recomputed by [`layout`].
    spaces: usize,
    /// Where `text` starts in the source it was lexed from (it is `src[at..at + text.len()]`), or
    /// [`SYNTHETIC`] for a token a rewrite made.
    at: u32,
}

/// The `at` of a token that is not a slice of the source.
const SYNTHETIC: u32 = u32::MAX;

impl<'a> Token<'a> {
    fn new(kind: Kind, text: impl Into<Cow<'a, str>>) -> Self {
        Token {
            kind,
            text: text.into(),
            spaces: 0,
            at: SYNTHETIC,
        }
    }

    fn ends_line(&self) -> bool {
        self.kind == Kind::Newline || (self.kind == Kind::Comment && self.text.ends_with('\n'))
    }
}

/// How a token changes the bracket depth hclwrite counts for indentation and for assign cells.
fn bracket_change(kind: Kind) -> i64 {
    match kind {
        Kind::OBrace | Kind::OBrack | Kind::OParen | Kind::Interp | Kind::Control => 1,
        Kind::CBrace | Kind::CBrack | Kind::CParen | Kind::SeqEnd => -1,
        _ => 0,
    }
}

// ---------------------------------------------------------------------------------------------
// Lexing: the token boundaries of hclsyntax's scanner, which is what hclwrite formats.

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Main,
    Quoted,
    Heredoc,
}

struct Heredoc<'a> {
    marker: &'a str,
    start_of_line: bool,
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    tokens: Vec<Token<'a>>,
    modes: Vec<Mode>,
    /// Open braces of every kind, and the depth at which each open template sequence ends: the
    /// scanner's way of telling the `}` of `${ {a = 1} }` apart.
    braces: i64,
    sequence_ends: Vec<i64>,
    heredocs: Vec<Heredoc<'a>>,
    /// The sum of [`bracket_change`] over the tokens so far.
    depth: i64,
}

fn lex(src: &str) -> Vec<Token<'_>> {
    lex_checked(src).0
}

/// The tokens, and whether the text ends where it began: outside every string, heredoc and
/// template sequence, with every bracket closed.
fn lex_checked(src: &str) -> (Vec<Token<'_>>, bool) {
    let mut lx = Lexer {
        src,
        pos: 0,
        tokens: Vec::with_capacity(src.len() / 3),
        modes: vec![Mode::Main],
        braces: 0,
        sequence_ends: Vec::new(),
        heredocs: Vec::new(),
        depth: 0,
    };
    while lx.pos < src.len() {
        match lx.modes.last().copied().unwrap_or(Mode::Main) {
            Mode::Main => lx.main(),
            Mode::Quoted => lx.quoted(),
            Mode::Heredoc => lx.heredoc(),
        }
    }
    let closed = lx.modes == [Mode::Main]
        && lx.heredocs.is_empty()
        && lx.sequence_ends.is_empty()
        && lx.depth == 0;
    (lx.tokens, closed)
}

fn is_ident_start(c: char) -> bool {
    c == '_' || unicode_ident::is_xid_start(c)
}

fn is_ident_continue(c: char) -> bool {
    c == '-' || unicode_ident::is_xid_continue(c)
}

/// The length of the line end at the start of `s` (`\n` or `\r\n`), if any.
fn line_end(s: &str) -> Option<usize> {
    if s.starts_with('\n') {
        Some(1)
    } else if s.starts_with("\r\n") {
        Some(2)
    } else {
        None
    }
}

impl<'a> Lexer<'a> {
    fn rest(&self) -> &'a str {
        &self.src[self.pos..]
    }

    fn emit(&mut self, kind: Kind, len: usize) {
        let text = &self.src[self.pos..self.pos + len];
        // A source too long for `at` (4 GiB) is written token by token.
        let at = u32::try_from(self.pos + len).map_or(SYNTHETIC, |_| self.pos as u32);
        self.tokens.push(Token {
            at,
            ..Token::new(kind, text)
        });
        self.depth += bracket_change(kind);
        self.pos += len;
    }

    /// An identifier starting at the current position: ASCII bytes at a time, and characters
    /// once one is not ASCII.
    fn ident(&mut self) {
        let rest = self.rest();
        let b = rest.as_bytes();
        let mut len = 0;
        while len < b.len() && (b[len].is_ascii_alphanumeric() || matches!(b[len], b'_' | b'-')) {
            len += 1;
        }
        if len < b.len() && !b[len].is_ascii() {
            len += rest[len..]
                .char_indices()
                .find(|&(_, c)| !is_ident_continue(c))
                .map_or(rest.len() - len, |(i, _)| i);
        }
        self.emit(Kind::Ident, len);
    }

    fn open_sequence(&mut self, kind: Kind, len: usize) {
        self.emit(kind, len);
        self.braces += 1;
        self.sequence_ends.push(self.braces);
        if let Some(h) = self.heredocs.last_mut() {
            h.start_of_line = false;
        }
        self.modes.push(Mode::Main);
    }

    /// `${`, `${~`, `%{` or `%{~` at the start of the rest, as (kind, length).
    fn sequence_start(rest: &str) -> Option<(Kind, usize)> {
        let kind = if rest.starts_with("${") {
            Kind::Interp
        } else if rest.starts_with("%{") {
            Kind::Control
        } else {
            return None;
        };
        Some((kind, if rest[2..].starts_with('~') { 3 } else { 2 }))
    }

    fn main(&mut self) {
        let rest = self.rest();
        let first = rest.as_bytes()[0];
        if first.is_ascii_alphabetic() || first == b'_' {
            return self.ident();
        }
        if matches!(first, b' ' | b'\t') {
            let b = rest.as_bytes();
            let run = b
                .iter()
                .position(|&c| c != b' ' && c != b'\t')
                .unwrap_or(b.len());
            self.pos += run;
            return;
        }
        let c = if first.is_ascii() {
            char::from(first)
        } else {
            rest.chars().next().unwrap_or('\0')
        };
        let two = rest.get(..2).unwrap_or("");
        match c {
            '\n' => self.emit(Kind::Newline, 1),
            '\r' if rest.starts_with("\r\n") => self.emit(Kind::Newline, 2),
            '#' => self.line_comment(),
            '/' if two == "//" => self.line_comment(),
            '/' if two == "/*" => match rest[2..].find("*/") {
                Some(end) => self.emit(Kind::Comment, end + 4),
                // An unclosed block comment is no comment to the scanner.
                None => self.emit(Kind::Slash, 1),
            },
            '0'..='9' => self.number(),
            c if is_ident_start(c) => self.ident(),
            '"' => {
                self.emit(Kind::OQuote, 1);
                self.modes.push(Mode::Quoted);
            }
            '<' if self.heredoc_start() => {}
            '{' => {
                self.emit(Kind::OBrace, 1);
                self.braces += 1;
            }
            '}' => {
                if self.sequence_ends.last() == Some(&self.braces) {
                    self.close_sequence(1);
                } else {
                    self.emit(Kind::CBrace, 1);
                    self.braces -= 1;
                }
            }
            '~' if two == "~}" => {
                if self.sequence_ends.last() == Some(&self.braces) {
                    self.close_sequence(2);
                } else {
                    // The scanner makes a stray `~}` a sequence end too, for the parser to reject.
                    self.emit(Kind::SeqEnd, 2);
                    self.braces -= 1;
                }
            }
            _ => {
                let (kind, len) = match (rest.get(..3).unwrap_or(""), two, c) {
                    ("...", _, _) => (Kind::Ellipsis, 3),
                    (_, "==", _) => (Kind::EqualOp, 2),
                    (_, "!=", _) => (Kind::NotEqual, 2),
                    (_, ">=", _) => (Kind::GtEq, 2),
                    (_, "<=", _) => (Kind::LtEq, 2),
                    (_, "&&", _) => (Kind::And, 2),
                    (_, "||", _) => (Kind::Or, 2),
                    (_, "::", _) => (Kind::DoubleColon, 2),
                    (_, "=>", _) => (Kind::FatArrow, 2),
                    (_, _, '[') => (Kind::OBrack, 1),
                    (_, _, ']') => (Kind::CBrack, 1),
                    (_, _, '(') => (Kind::OParen, 1),
                    (_, _, ')') => (Kind::CParen, 1),
                    (_, _, '.') => (Kind::Dot, 1),
                    (_, _, ',') => (Kind::Comma, 1),
                    (_, _, '*') => (Kind::Star, 1),
                    (_, _, '/') => (Kind::Slash, 1),
                    (_, _, '%') => (Kind::Percent, 1),
                    (_, _, '+') => (Kind::Plus, 1),
                    (_, _, '-') => (Kind::Minus, 1),
                    (_, _, '=') => (Kind::Equal, 1),
                    (_, _, '<') => (Kind::Lt, 1),
                    (_, _, '>') => (Kind::Gt, 1),
                    (_, _, '!') => (Kind::Bang, 1),
                    (_, _, '?') => (Kind::Question, 1),
                    (_, _, ':') => (Kind::Colon, 1),
                    _ => (Kind::Other, c.len_utf8().max(1)),
                };
                self.emit(kind, len);
            }
        }
    }

    fn close_sequence(&mut self, len: usize) {
        self.emit(Kind::SeqEnd, len);
        self.braces -= 1;
        self.sequence_ends.pop();
        self.modes.pop();
    }

    fn line_comment(&mut self) {
        let rest = self.rest();
        let len = rest.find('\n').map_or(rest.len(), |i| i + 1);
        self.emit(Kind::Comment, len);
    }

    /// Digits, then digits, dots and exponents, never ending in a dot (`a[0].b` is `0` then `.b`).
    fn number(&mut self) {
        let b = self.rest().as_bytes();
        let (mut at, mut good) = (1, 1);
        while at < b.len() {
            match b[at] {
                b'0'..=b'9' => {
                    at += 1;
                    good = at;
                }
                b'.' => at += 1,
                b'e' | b'E' => {
                    let sign = usize::from(matches!(b.get(at + 1), Some(b'+' | b'-')));
                    if b.get(at + 1 + sign).is_some_and(u8::is_ascii_digit) {
                        at += 2 + sign;
                        good = at;
                    } else {
                        break;
                    }
                }
                _ => break,
            }
        }
        self.emit(Kind::Number, good);
    }

    /// `<<EOT` / `<<-EOT` and a line end open a heredoc; anything else is `<`.
    fn heredoc_start(&mut self) -> bool {
        let rest = self.rest();
        let Some(after) = rest.strip_prefix("<<") else {
            return false;
        };
        let dash = usize::from(after.starts_with('-'));
        let name = &after[dash..];
        if !name.starts_with(is_ident_start) {
            return false;
        }
        let len = name
            .char_indices()
            .find(|&(_, c)| !is_ident_continue(c))
            .map_or(name.len(), |(i, _)| i);
        let Some(nl) = line_end(&name[len..]) else {
            return false;
        };
        let marker = &name[..len];
        self.emit(Kind::OHeredoc, 2 + dash + len + nl);
        self.heredocs.push(Heredoc {
            marker,
            start_of_line: true,
        });
        self.modes.push(Mode::Heredoc);
        true
    }

    fn quoted(&mut self) {
        let rest = self.rest();
        if let Some((kind, len)) = Self::sequence_start(rest) {
            return self.open_sequence(kind, len);
        }
        match rest.as_bytes()[0] {
            b'"' => {
                self.emit(Kind::CQuote, 1);
                self.modes.pop();
            }
            b'\r' | b'\n' => {
                let len = rest.find(|c| c != '\r' && c != '\n').unwrap_or(rest.len());
                self.emit(Kind::QuotedNewline, len);
            }
            // `$${` and `%%{` are escapes, literal text; a lone `$` or `%` is literal too.
            b'$' | b'%' => self.emit(Kind::QuotedLit, escaped_sequence_len(rest)),
            _ => {
                // Every byte that ends the literal is ASCII, so bytes of a multi-byte character
                // (all at or above 0x80) are literal text like any other.
                let b = rest.as_bytes();
                let mut len = 0;
                while len < b.len() {
                    match b[len] {
                        b'$' | b'%' | b'"' | b'\r' | b'\n' => break,
                        b'\\' => match b.get(len + 1) {
                            Some(&e) if e != b'\r' && e != b'\n' => len += 2,
                            _ => break,
                        },
                        _ => len += 1,
                    }
                }
                if len == 0 {
                    // A backslash before a line end or the end of input.
                    self.emit(Kind::Other, 1);
                } else {
                    self.emit(Kind::QuotedLit, len);
                }
            }
        }
    }

    fn heredoc(&mut self) {
        let rest = self.rest();
        if let Some((kind, len)) = Self::sequence_start(rest) {
            return self.open_sequence(kind, len);
        }
        if rest.starts_with(['$', '%']) {
            if let Some(h) = self.heredocs.last_mut() {
                h.start_of_line = false;
            }
            return self.emit(Kind::StringLit, escaped_sequence_len(rest));
        }
        let run = rest.find(['$', '%', '\r', '\n']).unwrap_or(rest.len());
        let Some(nl) = line_end(&rest[run..]) else {
            if run == 0 {
                // A carriage return without a line feed.
                return self.emit(Kind::Other, 1);
            }
            if let Some(h) = self.heredocs.last_mut() {
                h.start_of_line = false;
            }
            return self.emit(Kind::StringLit, run);
        };
        let closes = self
            .heredocs
            .last()
            .is_some_and(|h| h.start_of_line && rest[..run].trim() == h.marker);
        if closes {
            self.emit(Kind::CHeredoc, run);
            self.emit(Kind::Newline, nl);
            self.heredocs.pop();
            self.modes.pop();
        } else {
            if let Some(h) = self.heredocs.last_mut() {
                h.start_of_line = true;
            }
            self.emit(Kind::StringLit, run + nl);
        }
    }
}

/// The length of the literal at a `$` or `%` inside a template: `$${` / `$${~` (an escape) or a
/// lone `$`.
fn escaped_sequence_len(rest: &str) -> usize {
    let c = rest.as_bytes()[0];
    if rest.as_bytes().get(1) == Some(&c) && rest.as_bytes().get(2) == Some(&b'{') {
        if rest.as_bytes().get(3) == Some(&b'~') {
            4
        } else {
            3
        }
    } else {
        1
    }
}

// ---------------------------------------------------------------------------------------------
// The rewrites `terraform fmt` adds on top of hclwrite (terraform's `command/fmt.go`).

/// Applies terraform fmt's rewrites to every attribute and block of the file: the tokens with the
/// rewrites made, or (`Err`) as they were when the text does not parse as bodies of attributes and
/// blocks. Most generated text needs no rewrite, and then the tokens are returned as they came.
fn rewrite(tokens: Vec<Token<'_>>) -> Result<Vec<Token<'_>>, Vec<Token<'_>>> {
    let mut rw = Rewriter {
        toks: &tokens,
        at: 0,
        out: Vec::new(),
        kept: 0,
        edited: false,
        blocks: Vec::new(),
    };
    if rw.body(true).is_none() {
        return Err(tokens);
    }
    if !rw.edited {
        return Ok(tokens);
    }
    let (mut out, kept) = (rw.out, rw.kept);
    out.extend_from_slice(&tokens[kept..]);
    Ok(out)
}

struct Rewriter<'t, 'a> {
    toks: &'t [Token<'a>],
    at: usize,
    /// The rewritten tokens up to `kept`, once a first rewrite was made; `toks[kept..]` follows.
    out: Vec<Token<'a>>,
    kept: usize,
    edited: bool,
    /// The types of the blocks around the current body (`["variable"]` inside a variable).
    blocks: Vec<&'t str>,
}

impl<'t, 'a> Rewriter<'t, 'a> {
    fn kind(&self, i: usize) -> Option<Kind> {
        self.toks.get(i).map(|t| t.kind)
    }

    fn copy(&mut self, n: usize) {
        self.at += n;
    }

    /// Replaces `toks[start..end]` (at or after every earlier replacement) with `with`.
    fn replace(&mut self, start: usize, end: usize, with: impl IntoIterator<Item = Token<'a>>) {
        if !self.edited {
            self.edited = true;
            self.out.reserve(self.toks.len() + 16);
        }
        self.out.extend_from_slice(&self.toks[self.kept..start]);
        self.out.extend(with);
        self.kept = end;
    }

    /// A body up to (not including) its closing `}`, or to the end of input at the top level.
    fn body(&mut self, top: bool) -> Option<()> {
        loop {
            match self.kind(self.at) {
                None => return top.then_some(()),
                Some(Kind::Newline | Kind::Comment) => self.copy(1),
                Some(Kind::CBrace) if !top => return Some(()),
                Some(Kind::Ident) if self.kind(self.at + 1) == Some(Kind::Equal) => {
                    self.attribute()?
                }
                Some(Kind::Ident) => self.block()?,
                Some(_) => return None,
            }
        }
    }

    fn attribute(&mut self) -> Option<()> {
        let toks = self.toks;
        let name: &str = &toks[self.at].text;
        self.copy(2);
        let start = self.at;
        let mut depth = 0i64;
        let mut end = start;
        while let Some(t) = self.toks.get(end) {
            if depth == 0 && t.ends_line() {
                break;
            }
            let change = match t.kind {
                Kind::OHeredoc => 1,
                Kind::CHeredoc => -1,
                k => bracket_change(k),
            };
            // A closer at depth zero ends a one-line block: `foo { a = 1 }`.
            if depth + change < 0 {
                break;
            }
            depth += change;
            end += 1;
        }
        let mut expr_end = end;
        while expr_end > start && self.toks[expr_end - 1].kind == Kind::Comment {
            expr_end -= 1;
        }
        if expr_end == start {
            return None;
        }
        let expr = &self.toks[start..expr_end];
        let rewritten = if self.blocks == ["variable"] && name == "type" {
            type_expr(expr)
        } else {
            value_expr(expr)
        };
        if let Some(tokens) = rewritten {
            self.replace(start, expr_end, tokens);
        }
        self.at = expr_end;
        self.copy(end - expr_end);
        Some(())
    }

    fn block(&mut self) -> Option<()> {
        let toks = self.toks;
        let ty: &str = &toks[self.at].text;
        self.copy(1);
        loop {
            let t = toks.get(self.at)?;
            match t.kind {
                Kind::OBrace => break,
                Kind::Ident => {
                    self.replace(self.at, self.at + 1, quoted_label(&t.text));
                    self.at += 1;
                }
                Kind::OQuote => {
                    let len = self.toks[self.at + 1..]
                        .iter()
                        .position(|t| t.kind != Kind::QuotedLit)?;
                    let close = self.at + 1 + len;
                    if self.kind(close) != Some(Kind::CQuote) {
                        return None;
                    }
                    // terraform fmt drops a label whose text the scanner splits (one holding `$` or
                    // `%`), a bug we do not copy: such a label is kept as written, and so is one
                    // that is already written the way hclwrite quotes it.
                    if let [_, lit, _] = &toks[self.at..=close]
                        && !quotes_as_written(&lit.text)
                        && let Some(value) = decode_literal(&lit.text)
                    {
                        self.replace(self.at, close + 1, quoted_label(&value));
                    }
                    self.at = close + 1;
                }
                // Comments between labels go, as in terraform fmt.
                Kind::Comment if !t.ends_line() => {
                    self.replace(self.at, self.at + 1, []);
                    self.at += 1;
                }
                _ => return None,
            }
        }
        self.copy(1);
        self.blocks.push(ty);
        self.body(false)?;
        self.blocks.pop();
        self.copy(1);
        Some(())
    }
}

/// Whether a quoted literal's text is the value it stands for, as hclwrite would quote it: printable
/// ASCII without escapes, `$` or `%` (decoding and quoting it again gives it back unchanged).
fn quotes_as_written(raw: &str) -> bool {
    raw.bytes()
        .all(|b| (b' '..=b'~').contains(&b) && !matches!(b, b'\\' | b'$' | b'%' | b'"'))
}

fn quoted_label(value: &str) -> [Token<'static>; 3] {
    [
        Token::new(Kind::OQuote, "\""),
        Token::new(Kind::QuotedLit, encode_literal(value)),
        Token::new(Kind::CQuote, "\""),
    ]
}

/// `"${expr}"` as an attribute value becomes `expr` (in parentheses when it spans lines); `None`
/// leaves the value as it is.
fn value_expr<'a>(tokens: &[Token<'a>]) -> Option<Vec<Token<'a>>> {
    let n = tokens.len();
    if n < 5
        || tokens[0].kind != Kind::OQuote
        || tokens[1].kind != Kind::Interp
        || tokens[n - 2].kind != Kind::SeqEnd
        || tokens[n - 1].kind != Kind::CQuote
    {
        return None;
    }
    let inside = &tokens[2..n - 2];
    // Only a provably single interpolation: no literal text and no second sequence at the outer
    // quote level (quotes nested inside the expression are fine).
    let mut quotes = 0i64;
    for t in inside {
        match t.kind {
            Kind::OQuote => quotes += 1,
            Kind::CQuote => quotes -= 1,
            _ if quotes > 0 => {}
            Kind::Interp | Kind::SeqEnd | Kind::QuotedLit => return None,
            _ => {}
        }
    }
    let first = inside.iter().position(|t| t.kind != Kind::Newline)?;
    let last = inside.iter().rposition(|t| t.kind != Kind::Newline)?;
    let trimmed = &inside[first..=last];
    let multi_line = trimmed.iter().any(|t| t.kind == Kind::Newline);
    let parenthesised = trimmed[0].kind == Kind::OParen
        && trimmed.len() > 1
        && trimmed[trimmed.len() - 1].kind == Kind::CParen;
    let mut out = Vec::with_capacity(trimmed.len() + 2);
    if multi_line && !parenthesised {
        out.push(Token::new(Kind::OParen, "("));
        out.extend_from_slice(trimmed);
        out.push(Token::new(Kind::CParen, ")"));
    } else {
        out.extend_from_slice(trimmed);
    }
    Some(out)
}

/// A `variable` block's `type`: the pre-0.12 quoted forms and the bare collection keywords in
/// their current spelling.
fn type_expr<'a>(tokens: &[Token<'a>]) -> Option<Vec<Token<'a>>> {
    let call = |name: &'static str, arg: &'static str| {
        vec![
            Token::new(Kind::Ident, name),
            Token::new(Kind::OParen, "("),
            Token::new(Kind::Ident, arg),
            Token::new(Kind::CParen, ")"),
        ]
    };
    match tokens {
        [t] if t.kind == Kind::Ident => match &*t.text {
            "list" => Some(call("list", "any")),
            "map" => Some(call("map", "any")),
            "set" => Some(call("set", "any")),
            _ => None,
        },
        [o, s, c]
            if o.kind == Kind::OQuote && s.kind == Kind::QuotedLit && c.kind == Kind::CQuote =>
        {
            match &*s.text {
                "string" => Some(vec![Token::new(Kind::Ident, "string")]),
                "list" => Some(call("list", "string")),
                "map" => Some(call("map", "string")),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The value of a quoted literal's text (escapes and `$${` / `%%{` resolved); `None` when it holds
/// an escape HCL rejects.
fn decode_literal(raw: &str) -> Option<String> {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next()? {
                'n' => out.push('\n'),
                'r' => out.push('\r'),
                't' => out.push('\t'),
                '"' => out.push('"'),
                '\\' => out.push('\\'),
                u @ ('u' | 'U') => {
                    let digits = if u == 'u' { 4 } else { 8 };
                    let hex: String = (0..digits).filter_map(|_| chars.next()).collect();
                    if hex.len() != digits {
                        return None;
                    }
                    out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                }
                _ => return None,
            },
            '$' | '%' if chars.peek() == Some(&c) => {
                let mut ahead = chars.clone();
                ahead.next();
                if ahead.peek() == Some(&'{') {
                    chars.next();
                }
                out.push(c);
            }
            c => out.push(c),
        }
    }
    Some(out)
}

/// A string as hclwrite quotes it (its `escapeQuotedStringLit`).
fn encode_literal(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '$' | '%' => {
                out.push(c);
                if chars.peek() == Some(&'{') {
                    out.push(c);
                }
            }
            c if !is_print(c) => {
                if (c as u32) < 0x10000 {
                    out.push_str(&format!("\\u{:04x}", c as u32));
                } else {
                    out.push_str(&format!("\\U{:08x}", c as u32));
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// An approximation of Go's `unicode.IsPrint`: everything but controls, format characters and
/// spaces other than U+0020 (unassigned and private-use code points are not told apart).
fn is_print(c: char) -> bool {
    !(c.is_control()
        || (c.is_whitespace() && c != ' ')
        || matches!(c, '\u{AD}' | '\u{600}'..='\u{605}' | '\u{61C}' | '\u{6DD}' | '\u{70F}'
            | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}' | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}' | '\u{E000}'..='\u{F8FF}'))
}

// ---------------------------------------------------------------------------------------------
// Layout: hclwrite's `format` (indentation, spaces between tokens, aligned cells).

/// One line, split into hclwrite's cells: `lead` is `start..assign` (or `..comment`), the assign
/// cell runs from its `=` to the comment (or the line's end), the comment is the last token.
struct Line {
    start: usize,
    assign: Option<usize>,
    comment: Option<usize>,
    end: usize,
}

impl Line {
    fn lead_end(&self) -> usize {
        self.assign.or(self.comment).unwrap_or(self.end)
    }

    fn assign_end(&self) -> usize {
        self.comment.unwrap_or(self.end)
    }
}

fn lines(tokens: &[Token<'_>]) -> Vec<Line> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, t) in tokens.iter().enumerate() {
        if t.ends_line() {
            out.push(split_line(tokens, start, i + 1));
            start = i + 1;
        }
    }
    if start < tokens.len() {
        out.push(split_line(tokens, start, tokens.len()));
    }
    out
}

fn split_line(tokens: &[Token<'_>], start: usize, end: usize) -> Line {
    let comment = (end - start > 1 && tokens[end - 1].kind == Kind::Comment).then_some(end - 1);
    let body_end = comment.unwrap_or(end);
    // Only the first `=` counts, and only when the rest of the line is a whole expression: `tags
    // = {` opens a multi-line value and takes no part in alignment.
    let assign = (start + 1..body_end)
        .find(|&i| tokens[i].kind == Kind::Equal)
        .filter(|&i| {
            tokens[i..body_end]
                .iter()
                .map(|t| bracket_change(t.kind))
                .sum::<i64>()
                == 0
        });
    Line {
        start,
        assign,
        comment,
        end,
    }
}

fn layout(tokens: &mut [Token<'_>]) {
    let lines = lines(tokens);
    indent(tokens, &lines);
    for line in &lines {
        space(&mut tokens[line.start..line.lead_end()]);
        if let Some(a) = line.assign {
            tokens[a].spaces = 1;
            space(&mut tokens[a..line.assign_end()]);
        }
    }
    align(
        tokens,
        &lines,
        |l| l.assign,
        |t, l| columns(&t[l.start..l.lead_end()]),
    );
    align(
        tokens,
        &lines,
        |l| l.comment,
        |t, l| columns(&t[l.start..l.assign_end()]),
    );
}

fn indent(tokens: &mut [Token<'_>], lines: &[Line]) {
    // Each line that opens brackets remembers how many, so a line closing several levels at once,
    // or closing fewer than were opened, moves back by whole levels only.
    let mut levels: Vec<i64> = Vec::new();
    for line in lines {
        let first = &tokens[line.start];
        if first.kind == Kind::Newline {
            tokens[line.start].spaces = 0;
            continue;
        }
        let mut net = 0;
        for t in &tokens[line.start..line.lead_end()] {
            net += bracket_change(t.kind);
            // A heredoc's text belongs to no bracket level.
            if t.kind == Kind::OHeredoc {
                break;
            }
        }
        if let Some(a) = line.assign {
            net += tokens[a..line.assign_end()]
                .iter()
                .map(|t| bracket_change(t.kind))
                .sum::<i64>();
        }
        let depth = levels.len();
        if net > 0 {
            levels.push(net);
        } else if net < 0 {
            let mut closed = -net;
            while closed > 0 {
                let Some(top) = levels.last_mut() else { break };
                if closed >= *top {
                    closed -= *top;
                    levels.pop();
                } else {
                    *top -= closed;
                    closed = 0;
                }
            }
        }
        let level = if net > 0 { depth } else { levels.len() };
        tokens[line.start].spaces = 2 * level;
    }
}

/// Sets the spaces between the tokens of one cell.
fn space(cell: &mut [Token<'_>]) {
    for i in 1..cell.len() {
        let before = (i >= 2).then(|| cell[i - 2].kind);
        cell[i].spaces = usize::from(space_after(&cell[i - 1], before, cell[i].kind));
    }
}

/// hclwrite's `spaceAfterToken`: whether `subject`, preceded by `before` (none at the start of a
/// cell), is followed by a space before `after`.
fn space_after(subject: &Token<'_>, before: Option<Kind>, after: Kind) -> bool {
    use Kind::*;
    let s = subject.kind;
    match () {
        _ if after == Newline => false,
        _ if s == Ident && after == OParen => false,
        _ if (s == Ident && after == DoubleColon) || (s == DoubleColon && after == Ident) => false,
        _ if s == Dot || after == Dot => false,
        _ if after == Comma || after == Ellipsis => false,
        _ if s == Comma => true,
        _ if matches!(s, QuotedLit | StringLit | OQuote | OHeredoc)
            || matches!(after, QuotedLit | StringLit | CQuote | CHeredoc) =>
        {
            false
        }
        // `[for x in [foo]: x]`: `in` is the keyword, not a value being indexed.
        _ if s == Ident && subject.text == "in" && before == Some(Ident) => true,
        _ if after == OBrack && (s == Ident || s == Number || bracket_change(s) < 0) => false,
        _ if s == Bang => false,
        // A minus after something that cannot end an operand is a negation.
        _ if s == Minus => !matches!(
            before,
            None | Some(
                OParen
                    | OBrace
                    | OBrack
                    | Equal
                    | Colon
                    | Comma
                    | Question
                    | Plus
                    | Star
                    | Slash
                    | Percent
                    | Minus
                    | EqualOp
                    | NotEqual
                    | Gt
                    | GtEq
                    | Lt
                    | LtEq
                    | And
                    | Or
                    | Bang
            )
        ),
        _ if s == OBrace || after == CBrace => !(s == OBrace && after == CBrace),
        _ if matches!(s, Interp | Control) && after == OBrace => true,
        _ if s == CBrace && after == SeqEnd => true,
        _ if s == SeqEnd && matches!(after, Interp | Control) => false,
        _ if bracket_change(s) > 0 => false,
        _ if bracket_change(after) < 0 => false,
        _ => true,
    }
}

/// Aligns one kind of cell (chosen by `cell`) across each run of consecutive lines that have it:
/// one space after the widest text before it.
fn align(
    tokens: &mut [Token<'_>],
    lines: &[Line],
    cell: impl Fn(&Line) -> Option<usize>,
    width: impl Fn(&[Token<'_>], &Line) -> usize,
) {
    let mut widths = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if cell(&lines[i]).is_none() {
            i += 1;
            continue;
        }
        let chain_end = (i..lines.len())
            .find(|&j| cell(&lines[j]).is_none())
            .unwrap_or(lines.len());
        let chain = &lines[i..chain_end];
        widths.clear();
        widths.extend(chain.iter().map(|l| width(tokens, l)));
        let widest = widths.iter().copied().max().unwrap_or(0);
        for (l, &w) in chain.iter().zip(&widths) {
            if let Some(c) = cell(l) {
                tokens[c].spaces = widest - w + 1;
            }
        }
        i = chain_end;
    }
}

/// The width hclwrite gives a run of tokens: spaces, plus grapheme clusters of the text.
fn columns(tokens: &[Token<'_>]) -> usize {
    tokens
        .iter()
        .map(|t| {
            let text = &*t.text;
            let width = if text.is_ascii() && !text.contains('\r') {
                text.len()
            } else {
                text.graphemes(true).count()
            };
            t.spaces + width
        })
        .sum()
}

#[cfg(test)]
mod reference;

#[cfg(test)]
mod tests {
    use super::format;

    /// Formats `input` and checks the result, and that formatting it again changes nothing.
    #[track_caller]
    fn check(input: &str, expected: &str) {
        let once = format(input);
        assert_eq!(once, expected, "input:\n{input}");
        assert_eq!(format(&once), once, "not stable:\n{once}");
    }

    #[test]
    fn aligns_consecutive_attributes_one_space_after_the_longest_name() {
        check(
            "resource \"a\" \"b\" {\n  type = \"t\"\n  name = \"n\"\n  parent_id = x.id\n}\n",
            "resource \"a\" \"b\" {\n  type      = \"t\"\n  name      = \"n\"\n  parent_id = x.id\n}\n",
        );
    }

    #[test]
    fn blank_lines_comments_and_block_headers_end_a_chain() {
        check(
            "a = 1\nbbb = 2\n\ncc = 3\nd = 4\n# note\neeeee = 5\nf = 6\nblk {\n  g = 7\n}\nhh = 8\n",
            "a   = 1\nbbb = 2\n\ncc = 3\nd  = 4\n# note\neeeee = 5\nf     = 6\nblk {\n  g = 7\n}\nhh = 8\n",
        );
    }

    #[test]
    fn a_multi_line_value_ends_the_chain_and_is_not_padded() {
        check(
            "body = {\n  kind = \"AIServices\"\n  sku = {\n    name = \"S0\"\n  }\n  properties = {}\n}\n",
            "body = {\n  kind = \"AIServices\"\n  sku = {\n    name = \"S0\"\n  }\n  properties = {}\n}\n",
        );
        check(
            "x = 1\nlonger = [\n  1,\n]\ny = 2\n",
            "x = 1\nlonger = [\n  1,\n]\ny = 2\n",
        );
    }

    #[test]
    fn nested_objects_align_per_level() {
        check(
            "o = {\n  a = 1\n  bcd = {\n    e = 2\n    fgh = 3\n  }\n  i = 4\n  jk = 5\n}\n",
            "o = {\n  a = 1\n  bcd = {\n    e   = 2\n    fgh = 3\n  }\n  i  = 4\n  jk = 5\n}\n",
        );
    }

    #[test]
    fn reindents_by_bracket_level() {
        check(
            "a {\nb = [\n{\nc = 1\n      },\n   ]\n  }\n",
            "a {\n  b = [\n    {\n      c = 1\n    },\n  ]\n}\n",
        );
        // Two brackets opened on one line are one level, closed together or not.
        check(
            "x = [{\na = 1\n}, {\nb = 2\n}]\n",
            "x = [{\n  a = 1\n  }, {\n  b = 2\n}]\n",
        );
    }

    #[test]
    fn brackets_quotes_and_comment_markers_inside_strings_are_text() {
        check(
            "a = \"x = {\"\nbb = \"}\"\nccc = \"# not a comment\"\nd = \"// nor this\"\ne = \"q\\\"=\\\\\"\n",
            "a   = \"x = {\"\nbb  = \"}\"\nccc = \"# not a comment\"\nd   = \"// nor this\"\ne   = \"q\\\"=\\\\\"\n",
        );
    }

    #[test]
    fn interpolations_with_brackets_and_nested_strings_stay_one_cell() {
        check(
            "o = {\n  a = \"${f(\"}\", [1])}/x\"\n  bb = \"$${literal} %%{too}\"\n  c = \"${ {k = 1} }\"\n}\n",
            "o = {\n  a  = \"${f(\"}\", [1])}/x\"\n  bb = \"$${literal} %%{too}\"\n  c  = \"${ { k = 1 } }\"\n}\n",
        );
    }

    #[test]
    fn comparison_and_arrow_operators_are_not_assignments() {
        check(
            "a = x == y\nbb = x != y\nc = x <= y ? 1 : 2\nm = { for k, v in var.m : k => v if v >= 1 }\n",
            "a  = x == y\nbb = x != y\nc  = x <= y ? 1 : 2\nm  = { for k, v in var.m : k => v if v >= 1 }\n",
        );
        // A line whose only `=` is inside `==` has no assign cell and ends the chain.
        check("v = [\n  x == y,\n  z,\n]\n", "v = [\n  x == y,\n  z,\n]\n");
    }

    #[test]
    fn quoted_for_each_keys_align_by_grapheme_clusters() {
        check(
            "for_each = {\n  \"a b\" = 1\n  \"e\u{301}\" = 2\n  \"日本\" = 3\n  (var.k) = 4\n}\n",
            "for_each = {\n  \"a b\"   = 1\n  \"e\u{301}\"     = 2\n  \"日本\"    = 3\n  (var.k) = 4\n}\n",
        );
    }

    #[test]
    fn arrays_indent_without_alignment() {
        check(
            "a = [\n\"x\",\n  var.y,\n    [1,2],\n]\n",
            "a = [\n  \"x\",\n  var.y,\n  [1, 2],\n]\n",
        );
    }

    #[test]
    fn normalises_spaces_between_tokens() {
        check(
            "a=\"x\"\nb   =   f( 1 ,2 )\nc = - 1\nd = ! x\ne = a . b [ 0 ]\nf = {  }\ng = x.*.y\nh = f(l ...)\ni = 1 -  2\n",
            "a = \"x\"\nb = f(1, 2)\nc = -1\nd = !x\ne = a.b[0]\nf = {}\ng = x.*.y\nh = f(l...)\ni = 1 - 2\n",
        );
    }

    #[test]
    fn trailing_comments_align_within_their_own_chain() {
        check(
            "a = 1 # one\nbbb = 22 # two\n# alone\nc = 3 // three\n",
            "a   = 1  # one\nbbb = 22 # two\n# alone\nc = 3 // three\n",
        );
    }

    #[test]
    fn strips_trailing_blanks_and_keeps_blank_lines() {
        check("a = 1   \n   \n\n  b = 2\n", "a = 1\n\n\nb = 2\n");
    }

    #[test]
    fn unwraps_single_interpolation_attribute_values_only() {
        check(
            "a = \"${var.x}\"\nb = \"${a}${b}\"\nc = \"x${a}\"\nd = \"$${x}\"\ne = \"${f(\"${g}\")}\"\no = {\n  k = \"${var.x}\"\n}\n",
            "a = var.x\nb = \"${a}${b}\"\nc = \"x${a}\"\nd = \"$${x}\"\ne = f(\"${g}\")\no = {\n  k = \"${var.x}\"\n}\n",
        );
    }

    #[test]
    fn spells_variable_types_the_current_way() {
        check(
            "variable \"a\" {\n  type = \"string\"\n}\nvariable \"b\" {\n  type = list\n}\nresource \"r\" \"s\" {\n  type = \"string\"\n}\n",
            "variable \"a\" {\n  type = string\n}\nvariable \"b\" {\n  type = list(any)\n}\nresource \"r\" \"s\" {\n  type = \"string\"\n}\n",
        );
    }

    #[test]
    fn quotes_block_labels() {
        check(
            "variable v {\n}\nresource a \"b\" {}\n",
            "variable \"v\" {\n}\nresource \"a\" \"b\" {}\n",
        );
    }

    #[test]
    fn keeps_heredoc_text_as_written() {
        // The heredoc is one line to hclwrite, so its `=` aligns with the next line's.
        check(
            "a = <<-EOT\n    keep   =  this\n  ${x}\n  EOT\nbb = 1\n",
            "a  = <<-EOT\n    keep   =  this\n  ${x}\n  EOT\nbb = 1\n",
        );
    }

    #[test]
    fn leaves_invalid_input_structure_alone() {
        // Unbalanced input still gets a layout, and no panic.
        assert_eq!(format("a = \"${\n"), "a = \"${\n");
        assert_eq!(format("}\n}\nx=1"), "}\n}\nx = 1");
        assert_eq!(format(""), "");
    }

    /// Fragments of HCL, valid or not, that random text is glued from: every token kind, the
    /// bytes the lexer's fast paths stop at, escapes, heredocs and non-ASCII text.
    const FRAGMENTS: &[&str] = &[
        " ", "  ", "\t", "\n", "\n\n", "\r\n", "\r", "a", "b_c", "d-e", "_x", "é", "x\u{301}",
        "日本", "0", "1.5e3", "1.", "2e+", "=", "==", "!=", "<=", ">=", "=>", "<", ">", "&&", "||",
        "!", "+", "-", "*", "/", "%", ".", ",", ":", "?", "::", "...", "~", ";", "{", "}", "[",
        "]", "(", ")", "\"", "\\", "\\\"", "\\n", "\\u00e9", "\\é", "\\\n", "${", "${~", "~}",
        "%{", "%{~", "$${", "%%{", "$", "#c\n", "# c", "//c\n", "/* c */", "/*", "<<EOT\n",
        "<<-EOT\n", "EOT", "  EOT\n", "variable", "resource", "type", "string", "list", "in",
        "for", "\u{feff}", "\u{0}",
    ];

    /// Values an attribute of generated-looking HCL takes.
    const VALUES: &[&str] = &[
        "\"s\"",
        "\"${var.x}\"",
        "\"${\n  f(x)\n}\"",
        "\"${(x)}\"",
        "\"a${b}c\"",
        "\"$${x}\"",
        "\"${f(\"${g}\")}\"",
        "x.y[0].z",
        "-1",
        "[\n\"a\",\n  b,\n]",
        "[]",
        "{}",
        "{\nk = 1\nlonger = \"v\" # c\n}",
        "<<-EOT\n  text = 1\n  EOT",
        "\"日本\"",
        "\"string\"",
        "list",
        "map",
        "set",
        "\"list\"",
        "\"map\"",
        "true",
        "f( 1 ,2 )",
        "a == b ? 1 : 2",
        "{ for k, v in m : k => v }",
        "\"q\\\"\\\\\"",
    ];

    /// Labels a block of generated-looking HCL takes.
    const LABELS: &[&str] = &[
        "\"a\"",
        "b",
        "\"a b\"",
        "\"$x\"",
        "\"%{x}\"",
        "\"\\u00e9\"",
        "\"é\"",
        "\"\\q\"",
        "\"\"",
        "\"t\\tab\"",
        "/* c */",
    ];

    fn soup() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        proptest::collection::vec(proptest::sample::select(FRAGMENTS), 0..60)
            .prop_map(|parts| parts.concat())
    }

    fn attribute() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        (
            proptest::sample::select(&["a", "type", "name", "parent_id", "x-y"][..]),
            proptest::sample::select(&["=", " = ", "  =   "][..]),
            proptest::sample::select(VALUES),
            proptest::sample::select(&["", " # note", "   // n"][..]),
        )
            .prop_map(|(k, eq, v, c)| format!("{k}{eq}{v}{c}\n"))
    }

    /// Text shaped like the templates' output (blocks of attributes), so that most of it parses
    /// and goes through the rewrites.
    fn body() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let line = prop_oneof![
            4 => attribute(),
            1 => Just("\n".to_string()),
            1 => Just("# comment\n".to_string()),
            1 => Just("  \t\n".to_string()),
        ];
        let block = (
            proptest::sample::select(&["resource", "variable", "data", "locals", "x"][..]),
            proptest::collection::vec(proptest::sample::select(LABELS), 0..3),
            proptest::collection::vec(line.clone(), 0..6),
            proptest::collection::vec(attribute(), 0..2),
        )
            .prop_map(|(ty, labels, lines, inner)| {
                format!(
                    "{ty} {} {{\n{}  inner {{\n{}}}\n}}\n",
                    labels.join(" "),
                    lines.concat(),
                    inner.concat()
                )
            });
        let item = prop_oneof![3 => block, 1 => line];
        (
            proptest::collection::vec(item, 0..5),
            proptest::sample::select(&["", "  ", "\n", "\t "][..]),
        )
            .prop_map(|(items, end)| items.concat() + end)
    }

    /// `format` and `format_piece` against the formatter before the fast paths.
    fn same_as_reference(src: &str) -> Result<(), proptest::test_runner::TestCaseError> {
        proptest::prop_assert_eq!(format(src), super::reference::format(src));
        let (mut new, mut old) = ("kept\n".to_string(), "kept\n".to_string());
        let new_ok = super::format_piece(&mut new, src);
        let old_ok = super::reference::format_piece(&mut old, src);
        proptest::prop_assert_eq!(new_ok, old_ok);
        proptest::prop_assert_eq!(new, old);
        Ok(())
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(2000))]

        #[test]
        fn formats_any_text_as_the_reference_formatter(src in soup()) {
            same_as_reference(&src)?;
        }

        #[test]
        fn formats_template_shaped_text_as_the_reference_formatter(src in body()) {
            same_as_reference(&src)?;
        }
    }

    #[test]
    fn template_shaped_text_mostly_parses() {
        // The generator above is only worth its cases if many of them reach the rewrites.
        use proptest::strategy::{Strategy, ValueTree};
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let strategy = body();
        let parsed = (0..200)
            .filter(|_| {
                let src = strategy.new_tree(&mut runner).unwrap().current();
                super::rewrite(super::lex(&src)).is_ok()
            })
            .count();
        assert!(parsed > 50, "only {parsed} of 200 parsed");
    }

    #[test]
    fn formats_the_golden_terraform_files_as_the_reference_formatter() {
        let cases = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
        let mut seen = 0;
        for case in std::fs::read_dir(cases).unwrap() {
            let dir = case.unwrap().path().join("expected/terraform");
            let Ok(files) = std::fs::read_dir(&dir) else {
                continue;
            };
            for f in files {
                let text = std::fs::read_to_string(f.unwrap().path()).unwrap();
                // Unaligned, as the templates print it.
                let raw: String = text
                    .lines()
                    .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ") + "\n")
                    .collect();
                for src in [&text, &raw] {
                    same_as_reference(src).unwrap();
                }
                seen += 1;
            }
        }
        assert!(seen > 0);
    }
}
