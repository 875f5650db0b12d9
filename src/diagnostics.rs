//! Diagnostics: what validation reports (code, severity, message, spec path, position, help) and how it
//! is printed, with the source line and a caret, the way rustc and just print theirs.

use std::fmt::{self, Write as _};

use unicode_width::UnicodeWidthStr;

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The spec is invalid; nothing is rendered.
    Error,
    /// Rendering goes on; the user should look.
    Warning,
}

/// A 1-based line and column (in characters) plus the length of the span to underline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Span {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub col: usize,
    /// How many characters to underline (at least one caret is printed).
    pub len: usize,
}

/// A place in the spec named by its path (`foundries[0].connections[2].auth.type`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct SpecPath(pub String);

impl SpecPath {
    /// The root of the document (an empty path).
    pub fn root() -> Self {
        SpecPath(String::new())
    }

    /// This path with a map key appended.
    pub fn key(&self, key: &str) -> Self {
        let simple = !key.is_empty()
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        // Validation builds a path for nearly every node, so this writes into one allocation
        // rather than formatting a segment and then the whole path.
        let mut path = String::with_capacity(self.0.len() + key.len() + 4);
        path.push_str(&self.0);
        if simple {
            if !self.0.is_empty() {
                path.push('.');
            }
            path.push_str(key);
        } else if self.0.is_empty() {
            let _ = write!(path, "{key:?}");
        } else {
            let _ = write!(path, "[{key:?}]");
        }
        SpecPath(path)
    }

    /// This path with a sequence index appended.
    pub fn index(&self, i: usize) -> Self {
        let mut path = String::with_capacity(self.0.len() + 8);
        path.push_str(&self.0);
        let _ = write!(path, "[{i}]");
        SpecPath(path)
    }
}

impl fmt::Display for SpecPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str("<root>")
        } else {
            f.write_str(&self.0)
        }
    }
}

/// A second place a diagnostic points at (the first of two Key Vault connections, say).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Related {
    /// Where.
    pub path: SpecPath,
    /// Its position.
    pub span: Span,
    /// What is there.
    pub message: String,
}

/// One problem found in a spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Stable code, listed in the README.
    pub code: Code,
    /// Error or warning.
    pub severity: Severity,
    /// Lower case, no final period, names in backticks.
    pub message: String,
    /// Where in the spec.
    pub path: SpecPath,
    /// Its position, when the spec has one for it.
    pub span: Option<Span>,
    /// A concrete fix, when one is known.
    pub help: Option<String>,
    /// Other places involved.
    pub related: Vec<Related>,
    /// The span holds a secret: print it masked, so it does not end up in logs.
    pub redact: bool,
}

impl Diagnostic {
    /// An error at `path`/`span`.
    pub fn error(code: Code, path: SpecPath, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            path,
            span: Some(span),
            help: None,
            related: Vec::new(),
            redact: false,
        }
    }

    /// Masks the span's text when the source line is printed.
    pub fn redacted(mut self) -> Self {
        self.redact = true;
        self
    }

    /// A warning at `path`/`span`.
    pub fn warning(code: Code, path: SpecPath, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, path, span, message)
        }
    }

    /// Adds a `help:` line.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a help line only when there is one.
    pub fn with_help_opt(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }

    /// Points at a second place too.
    pub fn with_related(mut self, path: SpecPath, span: Span, message: impl Into<String>) -> Self {
        self.related.push(Related {
            path,
            span,
            message: message.into(),
        });
        self
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Prints the diagnostic against the spec's source, e.g.
    ///
    /// ```text
    /// error[FG022]: connection `search` names unknown project `reserch`
    ///   --> specs/shop.yaml:14:18 (foundries[0].connections[0].project)
    ///    |
    /// 14 |         project: reserch
    ///    |                  ^^^^^^^
    ///    = help: did you mean `research`?
    /// ```
    pub fn render(&self, file: &str, source: &str) -> String {
        self.render_styled(file, source, false)
    }

    /// [`Diagnostic::render`] with ANSI colours (bold red errors, yellow warnings, blue gutters).
    pub fn render_styled(&self, file: &str, source: &str, color: bool) -> String {
        self.render_in(file, &SourceLines::new(source), color)
    }

    /// [`Diagnostic::render_styled`] with the source's lines found once: for many diagnostics on
    /// one big spec, each then goes straight to its line.
    pub fn render_in(&self, file: &str, source: &SourceLines<'_>, color: bool) -> String {
        let plain = self.render_plain(file, source);
        if !color {
            return plain;
        }
        let (label, paint) = match self.severity {
            Severity::Error => ("error", "\x1b[1;31m"),
            Severity::Warning => ("warning", "\x1b[1;33m"),
        };
        let mut out = String::new();
        for (i, line) in plain.lines().enumerate() {
            if i == 0 {
                let rest = line.strip_prefix(label).unwrap_or(line);
                let _ = writeln!(out, "{paint}{label}\x1b[0m\x1b[1m{rest}\x1b[0m");
            } else if let (Some(a), Some(b)) = (line.find('^'), line.rfind('^'))
                && line.split('|').next().is_some_and(|g| g.trim().is_empty())
            {
                let _ = writeln!(
                    out,
                    "{}{paint}{}\x1b[0m{}",
                    &line[..a],
                    &line[a..=b],
                    &line[b + 1..]
                );
            } else {
                let _ = writeln!(out, "{line}");
            }
        }
        out
    }

    /// One JSON object: code, severity, message, file, line, column, spec path, help.
    pub fn to_json(&self, file: &str) -> serde_json::Value {
        serde_json::json!({
            "code": self.code.to_string(),
            "severity": self.severity,
            "message": self.message,
            "file": file,
            "line": self.span.map(|s| s.line),
            "column": self.span.map(|s| s.col),
            "path": self.path.0,
            "help": self.help,
        })
    }

    fn render_plain(&self, file: &str, source: &SourceLines<'_>) -> String {
        let mut out = String::new();
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let _ = writeln!(out, "{sev}[{}]: {}", self.code, self.message);
        let width = gutter_width(self.span, &self.related);
        match self.span {
            Some(span) => {
                let _ = writeln!(
                    out,
                    "  --> {file}:{}:{} ({})",
                    span.line, span.col, self.path
                );
                snippet(&mut out, source, span, None, width, self.redact);
            }
            None => {
                let _ = writeln!(out, "  --> {file} ({})", self.path);
            }
        }
        for rel in &self.related {
            let _ = writeln!(
                out,
                "  --> {file}:{}:{} ({})",
                rel.span.line, rel.span.col, rel.path
            );
            snippet(&mut out, source, rel.span, Some(&rel.message), width, false);
        }
        if let Some(help) = &self.help {
            let _ = writeln!(out, "{:width$} = help: {help}", "");
        }
        out
    }
}

fn gutter_width(span: Option<Span>, related: &[Related]) -> usize {
    let max_line = related
        .iter()
        .map(|r| r.span.line)
        .chain(span.map(|s| s.line))
        .max()
        .unwrap_or(1);
    max_line.to_string().len()
}

/// A source split into lines once, where YAML breaks them (and the positions in diagnostics count
/// them): at `\n`, `\r\n` or a lone `\r`, with no empty line after a final line end.
pub struct SourceLines<'a> {
    text: &'a str,
    /// The byte offset of each line's start.
    starts: Vec<usize>,
}

impl<'a> SourceLines<'a> {
    /// Finds the lines of `text`.
    pub fn new(text: &'a str) -> Self {
        let bytes = text.as_bytes();
        let mut starts = Vec::new();
        if !text.is_empty() {
            starts.push(0);
        }
        starts.extend(
            bytes
                .iter()
                .enumerate()
                .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')))
                .map(|(i, _)| i + 1)
                .filter(|&next| next < text.len()),
        );
        SourceLines { text, starts }
    }

    /// Line `n`, counted from 1, without its line end.
    pub fn line(&self, n: usize) -> Option<&'a str> {
        let start = *self.starts.get(n.checked_sub(1)?)?;
        let end = self.starts.get(n).map_or(self.text.len(), |&next| next);
        let line = &self.text[start..end];
        let line = line.strip_suffix('\n').unwrap_or(line);
        Some(line.strip_suffix('\r').unwrap_or(line))
    }

    /// How many lines there are.
    pub fn len(&self) -> usize {
        self.starts.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }
}

fn snippet(
    out: &mut String,
    source: &SourceLines<'_>,
    span: Span,
    label: Option<&str>,
    width: usize,
    redact: bool,
) {
    // An error at the very end of the file (an unclosed bracket, say) points past the last line;
    // show the last line with the caret after its end instead.
    let (line_no, text, span) = match source.line(span.line.max(1)) {
        Some(t) => (span.line, t, span),
        None => {
            let last = (1..=source.len()).rev().find_map(|n| {
                source
                    .line(n)
                    .filter(|l| !l.trim().is_empty())
                    .map(|l| (n, l))
            });
            match last {
                Some((n, text)) => (
                    n,
                    text,
                    Span {
                        line: n,
                        col: text.chars().count() + 1,
                        len: 1,
                    },
                ),
                None => return,
            }
        }
    };
    // Tabs and control characters would push the caret off its column, so they are shown as one
    // space each; the column is counted in characters, as the position index counts them.
    let first = span.col.saturating_sub(1);
    let shown: String = text
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if redact && i >= first && i < first + span.len.max(1) && !c.is_whitespace() {
                '*'
            } else if c.is_control() {
                ' '
            } else {
                c
            }
        })
        .collect();
    let _ = writeln!(out, "{:width$} |", "");
    let _ = writeln!(out, "{line_no:>width$} | {}", shown.trim_end());
    let line_chars = shown.chars().count();
    let start = span.col.saturating_sub(1).min(line_chars);
    let len = span.len.clamp(1, line_chars.saturating_sub(start).max(1));
    // The caret goes under the span as a terminal shows the line: a wide character (CJK, most
    // emoji, an emoji sequence joined by ZWJ as one) takes two columns, a combining mark none.
    let byte = |chars: usize| {
        shown
            .char_indices()
            .nth(chars)
            .map_or(shown.len(), |(i, _)| i)
    };
    let (from, to) = (byte(start), byte(start + len));
    let pad = shown[..from].width();
    let carets = shown[from..to].width().max(1);
    let mut marker = format!("{:width$} | {}{}", "", " ".repeat(pad), "^".repeat(carets));
    if let Some(label) = label {
        marker.push(' ');
        marker.push_str(label);
    }
    let _ = writeln!(out, "{marker}");
}

macro_rules! codes {
    ($($(#[$doc:meta])* $name:ident = $num:literal,)*) => {
        /// Stable diagnostic codes, listed in the README. A number keeps its meaning unless an
        /// issue changes it, as "Deploy the whole account" did FG042's (it refused every Cosmos DB
        /// data-plane role; now only one on a target that does not grant it).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $($(#[$doc])* $name,)*
        }

        impl Code {
            /// Every code, in number order.
            pub const ALL: &'static [Code] = &[$(Code::$name,)*];

            /// The number behind `FGnnn`.
            pub fn number(self) -> u16 {
                match self {
                    $(Code::$name => $num,)*
                }
            }

            /// The variant name, as a short title.
            pub fn name(self) -> &'static str {
                match self {
                    $(Code::$name => stringify!($name),)*
                }
            }
        }
    };
}

codes! {
    /// The file is not valid YAML.
    YamlSyntax = 1,
    /// The file is larger than the 8 MiB cap.
    SpecTooLarge = 2,
    /// A mapping has the same key twice.
    DuplicateKey = 3,
    /// A key the spec format does not have.
    UnknownKey = 4,
    /// A value of the wrong YAML type.
    WrongType = 5,
    /// A required key is absent.
    MissingKey = 6,
    /// `version` is not 1.
    UnsupportedVersion = 7,
    /// A value outside its allowed set.
    InvalidValue = 8,
    /// YAML aliases expand past the safety limit, or nesting is too deep.
    YamlTooComplex = 9,
    /// A Foundry account name breaks Azure's rules.
    InvalidAccountName = 10,
    /// A project name breaks Azure's rules.
    InvalidProjectName = 11,
    /// A connection name breaks Azure's rules.
    InvalidConnectionName = 12,
    /// A Key Vault name breaks Azure's rules.
    InvalidKeyVaultName = 13,
    /// Two connections of one account share a name.
    DuplicateConnectionName = 14,
    /// Two foundries, or two projects or two model deployments of one foundry, share a name.
    DuplicateName = 15,
    /// Another name breaks its rules (tag, secret parameter, resource group, identity).
    InvalidName = 16,
    /// A model deployment name breaks Azure's rules.
    InvalidModelDeploymentName = 17,
    /// More than one Key Vault connection in one foundry.
    SecondKeyVaultConnection = 20,
    /// A Key Vault connection placed at project level.
    KeyVaultConnectionInProject = 21,
    /// `project:` names no project of the foundry.
    UnknownProject = 22,
    /// `identity: user_assigned` without `user_assigned_identity`, or the reverse.
    IdentityMismatch = 23,
    /// A Key Vault option that does not fit its permission model.
    PermissionModelMismatch = 24,
    /// `subscription`/`resource_group` on a resource the spec creates.
    ScopeOnCreatedResource = 25,
    /// A setting only an account the spec creates can have (`purge_on_delete`), on an existing one.
    CreatedOnlyOnExisting = 26,
    /// A connection category Azure does not publish.
    UnknownCategory = 30,
    /// An auth type the category does not accept.
    AuthTypeNotAllowed = 31,
    /// The category's auth types are not checked by foundrygen.
    AuthTypeUnchecked = 32,
    /// A credential the auth type needs is missing.
    MissingCredential = 33,
    /// A credential the auth type does not use.
    UnexpectedCredential = 34,
    /// `from_target` where the key cannot be read from the target.
    FromTargetUnsupported = 35,
    /// A secret written as a literal.
    SecretLiteral = 36,
    /// An auth type Azure does not publish.
    UnknownAuthType = 37,
    /// A connection kind that only exists at project level is at account level, or the reverse.
    WrongConnectionLevel = 38,
    /// A role that is neither a known name nor a GUID.
    UnknownRole = 40,
    /// Roles on a connection whose target is not an Azure resource.
    RoleNeedsResourceTarget = 41,
    /// A Cosmos DB data-plane role on a target that does not grant it (not a Cosmos DB for NoSQL
    /// account).
    CosmosDataPlaneRole = 42,
    /// Key Vault Contributor on an RBAC vault grants no secret access.
    WeakKeyVaultRole = 43,
    /// A role referred to by its former name.
    RenamedRole = 44,
    /// An Entra ID connection to a Cosmos DB account whose identity gets no data-plane role.
    MissingDataPlaneRole = 45,
    /// A metadata value that is not a string.
    MetadataNotString = 50,
    /// `models` / `modelDiscovery` of a gateway connection (API Management, model gateway): both
    /// given, or not JSON of the shape the service reads.
    GatewayModels = 51,
    /// A Key Vault connection on an account that already exists.
    KeyVaultOnExistingAccount = 60,
    /// Output beyond Azure's template limits.
    TemplateLimit = 61,
    /// A connection whose credentials go into the bring-your-own vault right after the vault
    /// access is granted, with no wait for it to take effect.
    SecretsBeforeVaultAccess = 62,
    /// A target with none or more than one of `resource`, `resource_id`, `url`.
    TargetShape = 70,
    /// A malformed resource id.
    InvalidResourceId = 71,
    /// `target.use` that the target cannot give.
    TargetUseUnsupported = 72,
    /// A malformed or out-of-range duration.
    InvalidDuration = 73,
    /// A malformed API version override.
    InvalidApiVersion = 74,
    /// A malformed GUID.
    InvalidGuid = 75,
    /// A malformed URL.
    InvalidUrl = 76,
    /// Two resources in the output would share one Azure identity.
    ConflictingResources = 77,
    /// A `resources:` type foundrygen cannot create.
    UnknownResourceType = 80,
    /// A per-type key of `resources:` on a type it does not fit.
    KeyNotForType = 81,
    /// A created resource nothing in the spec uses.
    UnusedResource = 82,
    /// `disable_local_auth: true` on a resource a connection authenticates to with a key.
    LocalAuthConflict = 83,
    /// An App Insights `workspace` that names no workspace of `resources:`.
    UnknownWorkspace = 84,
    /// A target that names a created resource's type and name, in another resource group or
    /// subscription.
    NearlyNamesCreated = 85,
    /// A credential identifier still holding a placeholder `import` wrote.
    PlaceholderCredential = 86,
    /// A capability host names a connection that is not one of its project's.
    UnknownCapabilityHostConnection = 90,
    /// A capability host names a connection of the wrong category for its role.
    CapabilityHostConnectionCategory = 91,
    /// A capability host storage connection that does not sign in with Entra ID.
    CapabilityHostConnectionAuth = 92,
    /// Some, but not all three, of a capability host's storage connections.
    PartialCapabilityHostStorage = 93,
    /// A capability host name breaks Azure's rules.
    InvalidCapabilityHostName = 94,
    /// A project capability host under an existing account whose own capability host the spec
    /// does not name.
    AccountCapabilityHostUnstated = 95,
    /// An Entra ID `ai_services` connection whose roles grant nothing on its target.
    AiServicesWithoutRole = 96,
    /// `grant_roles` on a capability host connection whose target is not a resource.
    CapabilityHostRoleNeedsResource = 97,
    /// `grant_roles` with a thread or file storage target outside the project's resource group,
    /// which foundrygen cannot write yet.
    CapabilityHostRolesElsewhere = 98,
    /// A capability host's `wait_for_role` with no roles granted before it.
    WaitForNothing = 99,
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FG{:03}", self.number())
    }
}

/// A SARIF 2.1.0 log of diagnostics, each with the file it belongs to, so CI systems can
/// annotate pull requests.
pub fn sarif(results: &[(String, Diagnostic)]) -> serde_json::Value {
    let mut used: Vec<Code> = results.iter().map(|(_, d)| d.code).collect();
    used.sort();
    used.dedup();
    let rules: Vec<serde_json::Value> = used
        .iter()
        .map(|c| {
            serde_json::json!({
                "id": c.to_string(),
                "name": c.name(),
                "shortDescription": { "text": c.name() },
            })
        })
        .collect();
    let results: Vec<serde_json::Value> = results
        .iter()
        .map(|(file, d)| {
            // A spec read from stdin has no file to point at; SARIF wants a URI.
            let uri = if file == "<stdin>" { "stdin" } else { file.as_str() };
            let mut location = serde_json::json!({
                "physicalLocation": {
                    "artifactLocation": { "uri": uri },
                },
                "logicalLocations": [{ "fullyQualifiedName": d.path.0, "kind": "member" }],
            });
            if let Some(span) = d.span {
                location["physicalLocation"]["region"] = serde_json::json!({
                    "startLine": span.line,
                    "startColumn": span.col,
                    "endColumn": span.col + span.len.max(1),
                });
            }
            let mut text = d.message.clone();
            if let Some(help) = &d.help {
                text.push_str(&format!(" (help: {help})"));
            }
            let related: Vec<serde_json::Value> = d
                .related
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    serde_json::json!({
                        "id": i,
                        "message": { "text": r.message },
                        "physicalLocation": {
                            "artifactLocation": { "uri": uri },
                            "region": {
                                "startLine": r.span.line,
                                "startColumn": r.span.col,
                                "endColumn": r.span.col + r.span.len.max(1),
                            },
                        },
                    })
                })
                .collect();
            serde_json::json!({
                "ruleId": d.code.to_string(),
                "level": match d.severity { Severity::Error => "error", Severity::Warning => "warning" },
                "message": { "text": text },
                "locations": [location],
                "relatedLocations": related,
            })
        })
        .collect();
    serde_json::json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "foundrygen",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }
            },
            "results": results,
        }],
    })
}

/// Sorts diagnostics by position (line, column), errors before warnings at one place.
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        let ka = a.span.map(|s| (s.line, s.col)).unwrap_or((0, 0));
        let kb = b.span.map(|s| (s.line, s.col)).unwrap_or((0, 0));
        ka.cmp(&kb)
            .then(a.severity.cmp(&b.severity))
            .then(a.code.cmp(&b.code))
            .then(a.message.cmp(&b.message))
    });
}

/// Edit-distance suggestion: the closest candidate within distance 2 (case-insensitive).
pub fn did_you_mean<'a>(
    written: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let w = written.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::levenshtein(&w, &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn source_lines_break_where_yaml_does(text in "[a\\r\\n ]{0,40}") {
            let lines = SourceLines::new(&text);
            let unified = text.replace("\r\n", "\n").replace('\r', "\n");
            let expected: Vec<&str> = unified.lines().collect();
            let found: Vec<&str> = (1..=lines.len()).filter_map(|n| lines.line(n)).collect();
            proptest::prop_assert_eq!(found, expected.clone());
            proptest::prop_assert_eq!(lines.line(expected.len() + 1), None);
            proptest::prop_assert_eq!(lines.line(0), None);
        }
    }

    #[test]
    fn renders_caret_under_the_span() {
        let src = "version: 1\nname: x\nfoundries:\n  - name: a\n    projectz: []\n";
        let d = Diagnostic::error(
            Code::UnknownKey,
            SpecPath("foundries[0].projectz".into()),
            Span {
                line: 5,
                col: 5,
                len: 8,
            },
            "unknown key `projectz`",
        )
        .with_help("did you mean `projects`?");
        let expected = "error[FG004]: unknown key `projectz`
  --> s.yaml:5:5 (foundries[0].projectz)
  |
5 |     projectz: []
  |     ^^^^^^^^
  = help: did you mean `projects`?
";
        assert_eq!(d.render("s.yaml", src), expected);
    }

    /// A wide character takes two columns on a terminal, so the caret moves by two for each one
    /// before the span and doubles under each one in it.
    #[test]
    fn the_caret_counts_wide_characters_as_two_columns() {
        // The caret line of an error at line 1, column `col`, `len` characters long.
        let caret_under = |src: &str, col: usize, len: usize| {
            let span = Span { line: 1, col, len };
            let d = Diagnostic::error(Code::UnknownKey, SpecPath("k".into()), span, "bad");
            d.render("s.yaml", src).lines().nth(4).unwrap().to_string()
        };
        // `tags: { ` is 8 columns, `部署` 4 and `: ` 2: the caret starts at column 15.
        let cjk = "tags: { 部署: 东部, owner: x }\n";
        assert_eq!(
            caret_under(cjk, 13, 2),
            format!("  | {}^^^^", " ".repeat(14))
        );
        // A family emoji (three people joined by ZWJ) is drawn two columns wide, not six.
        let family = "name: \"\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}x\"\n";
        assert_eq!(
            caret_under(family, 13, 1),
            format!("  | {}^", " ".repeat(9))
        );
    }

    #[test]
    fn masks_secrets_in_the_snippet() {
        let src = "key: sk-live-123\n";
        let d = Diagnostic::error(
            Code::SecretLiteral,
            SpecPath("key".into()),
            Span {
                line: 1,
                col: 6,
                len: 11,
            },
            "secret",
        )
        .redacted();
        let text = d.render("s.yaml", src);
        assert!(!text.contains("sk-live"), "{text}");
        assert!(text.contains("key: ***********"), "{text}");
    }

    #[test]
    fn spec_paths_quote_odd_keys() {
        let p = SpecPath::root().key("foundries").index(0).key("metadata");
        assert_eq!(p.0, "foundries[0].metadata");
        assert_eq!(p.key("x y").0, "foundries[0].metadata[\"x y\"]");
    }

    #[test]
    fn codes_are_unique() {
        let mut seen = std::collections::BTreeSet::new();
        for c in Code::ALL {
            assert!(seen.insert(c.number()), "{c:?} reuses a number");
        }
    }

    #[test]
    fn suggests_within_distance_two() {
        assert_eq!(
            did_you_mean("projectz", ["projects", "name"]),
            Some("projects")
        );
        assert_eq!(did_you_mean("zzzz", ["projects"]), None);
    }
}
