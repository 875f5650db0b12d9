//! Structural rules: unknown keys (with did-you-mean), wrong YAML types, missing required keys and
//! values outside a fixed set, checked against the shape of spec version 1 below. The shape table is
//! the one description of the format's keys; `spec::*` must agree with it (a test decodes every
//! reference spec to check that).

use crate::diagnostics::{Code, Diagnostic, SpecPath, did_you_mean};
use crate::spec::tree::{Node, Value};

/// The shape a value must have.
#[derive(Debug, Clone, Copy)]
pub enum Shape {
    /// A string (a number or boolean where a string is expected is an error with a help to quote it).
    Str,
    /// A boolean.
    Bool,
    /// An integer.
    Int,
    /// One of a fixed set of strings.
    Enum(&'static [&'static str]),
    /// A mapping of string keys to string values.
    StrMap,
    /// A mapping of string keys to values of one shape.
    MapOf(&'static Shape),
    /// A sequence of values of one shape.
    Seq(&'static Shape),
    /// A mapping with known keys.
    Obj(&'static [Field]),
    /// A secret-bearing credential: `{ secret: NAME }` or `{ from_target: true }` (a plain string is
    /// caught by the secret rule, which explains what to write instead).
    Credential,
    /// A string that names an entry of one of foundrygen's tables. Structurally it is a string; the
    /// rule family that owns the table reports an unknown one, with its own code and did-you-mean.
    /// The JSON Schema lists the table, so editors complete it.
    Known(Known),
}

/// The tables a [`Shape::Known`] string is looked up in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Known {
    /// A connection category: `catalog::CATEGORIES` or a `catalog::CATEGORY_SPELLINGS` spelling
    /// (FG030 otherwise).
    Category,
    /// An auth type: `catalog::AUTH_TYPES` (FG037 otherwise).
    AuthType,
    /// A built-in role's name, current or former, or a role definition GUID (FG040 otherwise).
    Role,
    /// A type `resources:` can create: `catalog::CREATED_TYPES` (FG080 otherwise).
    CreatedType,
    /// A model deployment SKU name: `catalog::DEPLOYMENT_SKUS` (FG008 otherwise).
    DeploymentSku,
}

impl Known {
    /// The names the table holds, as a spec writes them (for a role, its current names).
    pub fn names(self) -> Vec<&'static str> {
        match self {
            Known::Category => crate::catalog::CATEGORIES
                .iter()
                .copied()
                .chain(crate::catalog::CATEGORY_SPELLINGS.iter().map(|(s, _)| *s))
                .collect(),
            Known::AuthType => crate::catalog::AUTH_TYPES.to_vec(),
            Known::Role => crate::catalog::ROLES.iter().map(|r| r.name).collect(),
            Known::CreatedType => crate::catalog::CREATED_TYPES
                .iter()
                .map(|t| t.resource_type)
                .collect(),
            Known::DeploymentSku => crate::catalog::DEPLOYMENT_SKUS
                .iter()
                .map(|s| s.name)
                .collect(),
        }
    }
}

/// One key of a mapping.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// The key.
    pub name: &'static str,
    /// Its value's shape.
    pub shape: Shape,
    /// Whether it must be present.
    pub required: bool,
}

const fn req(name: &'static str, shape: Shape) -> Field {
    Field {
        name,
        shape,
        required: true,
    }
}

const fn opt(name: &'static str, shape: Shape) -> Field {
    Field {
        name,
        shape,
        required: false,
    }
}

const RESOURCE_REF: &[Field] = &[
    req("name", Shape::Str),
    opt("resource_group", Shape::Str),
    opt("subscription", Shape::Str),
];

const PROJECT: &[Field] = &[
    req("name", Shape::Str),
    opt("existing", Shape::Bool),
    opt("display_name", Shape::Str),
    opt("description", Shape::Str),
    opt("capability_host", Shape::Obj(PROJECT_CAPABILITY_HOST)),
];

const ACCOUNT_CAPABILITY_HOST: &[Field] = &[req("name", Shape::Str)];

const PROJECT_CAPABILITY_HOST: &[Field] = &[
    opt("name", Shape::Str),
    opt("thread_storage", Shape::Str),
    opt("vector_store", Shape::Str),
    opt("file_storage", Shape::Str),
    opt("ai_services", Shape::Str),
    opt("grant_roles", Shape::Bool),
    opt("wait_for_role", Shape::Str),
];

const DEPLOYMENT_MODEL: &[Field] = &[
    req("name", Shape::Str),
    opt("version", Shape::Str),
    opt("format", Shape::Str),
];

const DEPLOYMENT_SKU: &[Field] = &[
    req("name", Shape::Known(Known::DeploymentSku)),
    opt("capacity", Shape::Int),
];

const MODEL_DEPLOYMENT: &[Field] = &[
    req("name", Shape::Str),
    req("model", Shape::Obj(DEPLOYMENT_MODEL)),
    req("sku", Shape::Obj(DEPLOYMENT_SKU)),
    opt("rai_policy", Shape::Str),
    opt(
        "version_upgrade",
        Shape::Enum(crate::catalog::VERSION_UPGRADE_OPTIONS),
    ),
];

/// Secret permission literals of `Microsoft.KeyVault/vaults/accessPolicies`.
pub const SECRET_PERMISSIONS: &[&str] = &[
    "all", "backup", "delete", "get", "list", "purge", "recover", "restore", "set",
];

const KEY_VAULT: &[Field] = &[
    req("name", Shape::Str),
    opt("subscription", Shape::Str),
    opt("resource_group", Shape::Str),
    opt(
        "permission_model",
        Shape::Enum(&["rbac", "access_policies"]),
    ),
    opt(
        "role",
        Shape::Enum(&["secrets_officer", "administrator", "contributor"]),
    ),
    opt(
        "secret_permissions",
        Shape::Seq(&Shape::Enum(SECRET_PERMISSIONS)),
    ),
    opt("connection_name", Shape::Str),
    opt("wait_for_role", Shape::Str),
    opt("access", Shape::Enum(&["create", "existing"])),
];

const TARGET_RESOURCE: &[Field] = &[
    req("type", Shape::Str),
    req("name", Shape::Str),
    opt("resource_group", Shape::Str),
    opt("subscription", Shape::Str),
];

const TARGET: &[Field] = &[
    opt("resource", Shape::Obj(TARGET_RESOURCE)),
    opt("resource_id", Shape::Str),
    opt("url", Shape::Str),
    opt("use", Shape::Enum(&["endpoint", "id"])),
];

/// Credential fields that carry secrets (must be `{ secret: NAME }` or `{ from_target: true }`).
pub const SECRET_FIELDS: &[&str] = &[
    "key",
    "client_secret",
    "password",
    "refresh_token",
    "developer_token",
    "security_token",
    "sas",
    "pat",
    "secret_access_key",
];

/// Credential fields that are identifiers (plain strings).
pub const PLAIN_FIELDS: &[&str] = &[
    "client_id",
    "tenant_id",
    "auth_url",
    "username",
    "access_key_id",
    "resource_id",
    "audience",
    "token_url",
];

const AUTH: &[Field] = &[
    req("type", Shape::Known(Known::AuthType)),
    opt("key", Shape::Credential),
    opt("keys", Shape::MapOf(&Shape::Credential)),
    opt("client_id", Shape::Str),
    opt("tenant_id", Shape::Str),
    opt("client_secret", Shape::Credential),
    opt("auth_url", Shape::Str),
    opt("username", Shape::Str),
    opt("password", Shape::Credential),
    opt("refresh_token", Shape::Credential),
    opt("developer_token", Shape::Credential),
    opt("security_token", Shape::Credential),
    opt("sas", Shape::Credential),
    opt("pat", Shape::Credential),
    opt("access_key_id", Shape::Str),
    opt("secret_access_key", Shape::Credential),
    opt("resource_id", Shape::Str),
    opt("audience", Shape::Str),
    opt("token_url", Shape::Str),
    opt("scopes", Shape::Seq(&Shape::Str)),
];

const CONNECTION: &[Field] = &[
    req("name", Shape::Str),
    opt("project", Shape::Str),
    req("category", Shape::Known(Known::Category)),
    req("target", Shape::Obj(TARGET)),
    req("auth", Shape::Obj(AUTH)),
    opt("roles", Shape::Seq(&Shape::Known(Known::Role))),
    opt("shared_to_all", Shape::Bool),
    opt("metadata", Shape::StrMap),
];

/// A created resource (`resources:`); which of the per-type keys fit which type is
/// `validate::resources`' rule.
const RESOURCE: &[Field] = &[
    req("type", Shape::Known(Known::CreatedType)),
    req("name", Shape::Str),
    opt("resource_group", Shape::Str),
    opt("subscription", Shape::Str),
    opt("location", Shape::Str),
    opt("tags", Shape::StrMap),
    opt("sku", Shape::Str),
    opt("replicas", Shape::Int),
    opt("partitions", Shape::Int),
    opt("disable_local_auth", Shape::Bool),
    opt("containers", Shape::Seq(&Shape::Str)),
    opt("databases", Shape::Seq(&Shape::Str)),
    opt("purge_protection", Shape::Bool),
    opt("soft_delete_days", Shape::Int),
    opt("retention_days", Shape::Int),
    opt("workspace", Shape::Str),
    opt("kind", Shape::Str),
    opt("deployments", Shape::Seq(&Shape::Obj(MODEL_DEPLOYMENT))),
];

const FOUNDRY: &[Field] = &[
    req("name", Shape::Str),
    opt("existing", Shape::Bool),
    opt("subscription", Shape::Str),
    opt("resource_group", Shape::Str),
    opt("location", Shape::Str),
    opt("sku", Shape::Str),
    opt(
        "identity",
        Shape::Enum(&["system_assigned", "user_assigned"]),
    ),
    opt("user_assigned_identity", Shape::Obj(RESOURCE_REF)),
    opt("custom_subdomain", Shape::Str),
    opt("disable_local_auth", Shape::Bool),
    opt("purge_on_delete", Shape::Bool),
    opt(
        "public_network_access",
        Shape::Enum(&["enabled", "disabled"]),
    ),
    opt("deployments", Shape::Seq(&Shape::Obj(MODEL_DEPLOYMENT))),
    opt("projects", Shape::Seq(&Shape::Obj(PROJECT))),
    opt("key_vault", Shape::Obj(KEY_VAULT)),
    opt("capability_host", Shape::Obj(ACCOUNT_CAPABILITY_HOST)),
    opt("connections", Shape::Seq(&Shape::Obj(CONNECTION))),
];

/// The whole spec, version 1.
pub const SPEC: Shape = Shape::Obj(&[
    req("version", Shape::Int),
    req("name", Shape::Str),
    req("location", Shape::Str),
    opt("tags", Shape::StrMap),
    opt("api_versions", Shape::StrMap),
    opt("resources", Shape::Seq(&Shape::Obj(RESOURCE))),
    req("foundries", Shape::Seq(&Shape::Obj(FOUNDRY))),
]);

/// Checks `node` against `shape`, pushing a diagnostic for every mismatch.
pub fn check(node: &Node, shape: &Shape, path: &SpecPath, out: &mut Vec<Diagnostic>) {
    match shape {
        Shape::Str | Shape::Known(_) => {
            if node.as_str().is_none() {
                out.push(wrong_type(node, path, "a string"));
            }
        }
        Shape::Bool => {
            if node.as_bool().is_none() {
                out.push(wrong_type(node, path, EXPECTED_BOOL));
            }
        }
        Shape::Int => match node.value {
            Value::Int(_) => {}
            // A whole number past 64 bits reads as a float; it is an integer that does not fit.
            Value::Float(f) if f.is_finite() && f.fract() == 0.0 && f.abs() >= 9.2e18 => {
                let key = last_key(path);
                out.push(
                    Diagnostic::error(
                        Code::InvalidValue,
                        path.clone(),
                        node.span,
                        format!("`{key}` is out of range"),
                    )
                    .with_help(format!(
                        "`{key}` takes an integer of at most {} (Azure's own limit is far lower)",
                        i64::MAX
                    )),
                );
            }
            _ => out.push(wrong_type(node, path, "an integer")),
        },
        Shape::Enum(allowed) => match node.as_str() {
            Some(s) if allowed.contains(&s) => {}
            Some(s) => out.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    path.clone(),
                    node.span,
                    format!("`{s}` is not one of {}", list(allowed)),
                )
                .with_help_opt(
                    did_you_mean(s, allowed.iter().copied())
                        .or_else(|| spelled_out(s, allowed))
                        .map(dym),
                ),
            ),
            None => out.push(wrong_type(node, path, &format!("one of {}", list(allowed)))),
        },
        Shape::StrMap => map_entries(node, path, out, |v, p, out| {
            // Metadata has its own rule and code (FG050), with the same advice.
            if v.as_str().is_none() && !is_metadata(p) {
                out.push(wrong_type(v, p, "a string"));
            }
        }),
        Shape::MapOf(inner) => map_entries(node, path, out, |v, p, out| check(v, inner, p, out)),
        Shape::Seq(inner) => match node.as_seq() {
            Some(items) => {
                for (i, item) in items.iter().enumerate() {
                    check(item, inner, &path.index(i), out);
                }
            }
            None => {
                let d = wrong_type(node, path, "a sequence");
                // `roles: Reader` for `roles: [Reader]`.
                out.push(match node.as_str() {
                    Some(s) if d.help.is_none() => {
                        d.with_help(format!("write a list: `{}: [{s}]`", last_key(path)))
                    }
                    _ => d,
                });
            }
        },
        Shape::Obj(fields) => check_obj(node, fields, path, out),
        Shape::Credential => match &node.value {
            // A literal: reported by the secret rule (FG036), which knows the field.
            Value::Str(_) => {}
            Value::Map(_) => check_credential(node, path, out),
            _ => out.push(wrong_type(
                node,
                path,
                "`{ secret: NAME }` or `{ from_target: true }`",
            )),
        },
    }
}

fn is_metadata(path: &SpecPath) -> bool {
    path.0.contains(".metadata")
}

fn check_credential(node: &Node, path: &SpecPath, out: &mut Vec<Diagnostic>) {
    check_obj(
        node,
        &[opt("secret", Shape::Str), opt("from_target", Shape::Bool)],
        path,
        out,
    );
    let secret = node.get("secret");
    let from_target = node.get("from_target");
    match (secret, from_target) {
        (Some(_), Some(f)) => out.push(
            Diagnostic::error(
                Code::InvalidValue,
                path.key("from_target"),
                f.span,
                "a credential is either `secret` or `from_target`, not both",
            )
            .with_help("keep one of the two keys"),
        ),
        (None, None) if node.as_map().is_some_and(|m| m.is_empty()) => out.push(
            Diagnostic::error(
                Code::MissingKey,
                path.clone(),
                node.span,
                "an empty credential",
            )
            .with_help("write `{ secret: NAME }` or `{ from_target: true }`"),
        ),
        (None, Some(f)) if f.as_bool() == Some(false) => out.push(
            Diagnostic::error(
                Code::InvalidValue,
                path.key("from_target"),
                f.span,
                "`from_target: false` says nothing",
            )
            .with_help("write `{ secret: NAME }` to pass the value as a secure parameter"),
        ),
        _ => {}
    }
}

fn check_obj(node: &Node, fields: &[Field], path: &SpecPath, out: &mut Vec<Diagnostic>) {
    let Some(entries) = node.as_map() else {
        let d = wrong_type(node, path, "a mapping");
        out.push(match node.as_str() {
            // A list item (`resources:` with `- Microsoft.Search/searchServices`): an item of the
            // list's shape, not a mapping under the list's key.
            Some(s) if d.help.is_none() && path.0.ends_with(']') => {
                d.with_help(format!("write a list item `{}`", item_for(s, fields)))
            }
            Some(s) if d.help.is_none() => match mapping_for(s, fields) {
                Some(key) => d.with_help(format!("write `{}: {{ {key}: {s} }}`", last_key(path))),
                None => d,
            },
            _ => d,
        });
        return;
    };
    for (k, v) in entries {
        let Some(key) = k.as_str() else {
            out.push(
                Diagnostic::error(
                    Code::WrongType,
                    path.clone(),
                    k.span,
                    format!("keys here are strings, not {}", k.kind_name()),
                )
                .with_help("quote the key"),
            );
            continue;
        };
        let p = path.key(key);
        match fields.iter().find(|f| f.name == key) {
            Some(f) => {
                if matches!(v.value, Value::Null) && !f.required {
                    // `key:` with nothing after it reads as null; treat it as a mistake, not as absent.
                    out.push(wrong_type(v, &p, expected_of(&f.shape)));
                } else {
                    check(v, &f.shape, &p, out);
                }
            }
            None => {
                let help = if key == "<<" {
                    "YAML merge keys (`<<: *anchor`) are not supported: write the keys out, or put \
                     an anchor on a whole value and use `*anchor` for that value"
                        .to_string()
                } else {
                    typo_of(node, key, fields)
                        .map(dym)
                        .unwrap_or_else(|| format!("valid keys here: {}", list_fields(fields)))
                };
                out.push(
                    Diagnostic::error(Code::UnknownKey, p, k.span, format!("unknown key `{key}`"))
                        .with_help(help),
                );
            }
        }
    }
    for f in fields.iter().filter(|f| f.required) {
        // A required key written with a typo is reported once, as the typo.
        let misspelled = entries
            .iter()
            .filter_map(|(k, _)| k.as_str())
            .any(|k| typo_of(node, k, fields) == Some(f.name));
        if node.get(f.name).is_none() && !misspelled {
            out.push(
                Diagnostic::error(
                    Code::MissingKey,
                    path.key(f.name),
                    node.span,
                    format!(
                        "missing key `{}`{}",
                        f.name,
                        if path.0.is_empty() {
                            String::new()
                        } else {
                            format!(" in `{path}`")
                        }
                    ),
                )
                .with_help(missing_help(f)),
            );
        }
    }
}

/// The known key an unknown `key` of this mapping is a typo of. Only keys the mapping does not
/// have yet count: `projets` next to `projects` is a stray key, not a typo of the one already there.
fn typo_of(node: &Node, key: &str, fields: &[Field]) -> Option<&'static str> {
    if fields.iter().any(|f| f.name == key) {
        return None;
    }
    let names = fields
        .iter()
        .map(|f| f.name)
        .filter(|n| node.get(n).is_none());
    let suggestion = did_you_mean(key, names)?;
    fields.iter().map(|f| f.name).find(|n| *n == suggestion)
}

/// Whether [`with_typos_corrected`] would change anything: some key of `node` is a typo of a known
/// one. Most specs have none, and then the rules read the tree as it is instead of a copy.
pub fn has_typos(node: &Node, shape: &Shape) -> bool {
    match (shape, &node.value) {
        (Shape::Obj(fields), Value::Map(entries)) => entries.iter().any(|(k, v)| {
            let Some(key) = k.as_str() else {
                return false;
            };
            match fields.iter().find(|f| f.name == key) {
                Some(f) => has_typos(v, &f.shape),
                None => typo_of(node, key, fields).is_some(),
            }
        }),
        (Shape::Seq(inner), Value::Seq(items)) => items.iter().any(|i| has_typos(i, inner)),
        (Shape::MapOf(inner), Value::Map(entries)) => {
            entries.iter().any(|(_, v)| has_typos(v, inner))
        }
        _ => false,
    }
}

/// The tree as the author meant it: every unknown key that is a typo of a known one (the key the
/// unknown-key error suggests) spelled right. The rules that read a key (`projects` for a
/// connection's `project:`) run on this tree, so that one typo is one error, never a trail of
/// errors about what the misspelled block seemed to leave out.
pub fn with_typos_corrected(node: &Node, shape: &Shape) -> Node {
    let value = match (shape, &node.value) {
        (Shape::Obj(fields), Value::Map(entries)) => Value::Map(
            entries
                .iter()
                .map(|(k, v)| {
                    let Some(key) = k.as_str() else {
                        return (k.clone(), v.clone());
                    };
                    let (name, field) = match fields.iter().find(|f| f.name == key) {
                        Some(f) => (key.to_string(), Some(f)),
                        None => match typo_of(node, key, fields) {
                            Some(fixed) => {
                                (fixed.to_string(), fields.iter().find(|f| f.name == fixed))
                            }
                            None => (key.to_string(), None),
                        },
                    };
                    let key = Node {
                        value: Value::Str(name),
                        span: k.span,
                    };
                    match field {
                        Some(f) => (key, with_typos_corrected(v, &f.shape)),
                        None => (key, v.clone()),
                    }
                })
                .collect(),
        ),
        (Shape::Seq(inner), Value::Seq(items)) => Value::Seq(
            items
                .iter()
                .map(|i| with_typos_corrected(i, inner))
                .collect(),
        ),
        (Shape::MapOf(inner), Value::Map(entries)) => Value::Map(
            entries
                .iter()
                .map(|(k, v)| (k.clone(), with_typos_corrected(v, inner)))
                .collect(),
        ),
        _ => return node.clone(),
    };
    Node {
        value,
        span: node.span,
    }
}

fn map_entries(
    node: &Node,
    path: &SpecPath,
    out: &mut Vec<Diagnostic>,
    mut each: impl FnMut(&Node, &SpecPath, &mut Vec<Diagnostic>),
) {
    let Some(entries) = node.as_map() else {
        out.push(wrong_type(node, path, "a mapping"));
        return;
    };
    for (k, v) in entries {
        match k.as_str() {
            Some(key) => each(v, &path.key(key), out),
            None => out.push(
                Diagnostic::error(
                    Code::WrongType,
                    path.clone(),
                    k.span,
                    format!("keys here are strings, not {}", k.kind_name()),
                )
                .with_help("quote the key"),
            ),
        }
    }
}

fn expected_of(shape: &Shape) -> &'static str {
    match shape {
        Shape::Str | Shape::Known(_) => "a string",
        Shape::Bool => EXPECTED_BOOL,
        Shape::Int => "an integer",
        Shape::Enum(_) => "one of the listed values",
        Shape::StrMap | Shape::MapOf(_) | Shape::Obj(_) => "a mapping",
        Shape::Seq(_) => "a sequence",
        Shape::Credential => "`{ secret: NAME }`",
    }
}

/// What a wrong-type error says a boolean key expects; [`wrong_type`] recognises it by this.
const EXPECTED_BOOL: &str = "`true` or `false`";

/// A wrong-type error; numbers and booleans where a string belongs get a help to quote them, and
/// YAML 1.1's other spellings of a boolean (`yes`, `off`, …) where one belongs get the 1.2 one.
pub fn wrong_type(node: &Node, path: &SpecPath, expected: &str) -> Diagnostic {
    let d = Diagnostic::error(
        Code::WrongType,
        path.clone(),
        node.span,
        format!("expected {expected}, found {}", node.kind_name()),
    );
    if expected == EXPECTED_BOOL
        && let Value::Str(s) = &node.value
        && let Some(b) = yaml11_bool(s)
    {
        return d.with_help(format!(
            "`{s}` is a string, not a boolean (YAML 1.2, which specs are read as, takes only `true` and `false`): write `{b}`"
        ));
    }
    let shown = match &node.value {
        Value::Int(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return d,
    };
    if expected == "a string" {
        d.with_help(format!("quote it to make it a string: `\"{shown}\"`"))
    } else {
        d
    }
}

/// The boolean a YAML 1.1 word (`yes`, `No`, `ON`, `off`, `y`, …) stood for.
fn yaml11_bool(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "yes" | "y" | "on" => Some(true),
        "no" | "n" | "off" => Some(false),
        _ => None,
    }
}

/// The last key of a path (`key_vault` of `foundries[0].key_vault`), for help lines.
fn last_key(path: &SpecPath) -> String {
    let p = path.to_string();
    let last = p.rsplit('.').next().unwrap_or(&p);
    last.split('[').next().unwrap_or(last).to_string()
}

/// The key a lone string most likely stands for where a mapping belongs: a target's `url` or
/// `resource_id` by its shape, or the mapping's required `name` (`key_vault: qs-kv`).
fn mapping_for(value: &str, fields: &[Field]) -> Option<&'static str> {
    let has = |k: &str| fields.iter().any(|f| f.name == k);
    if has("url") && (value.starts_with("https://") || value.starts_with("http://")) {
        return Some("url");
    }
    if has("resource_id") && value.starts_with("/subscriptions/") {
        return Some("resource_id");
    }
    fields
        .iter()
        .find(|f| f.required && f.name == "name")
        .map(|f| f.name)
}

/// The help of a missing required key: the values of a table where it is short enough to list.
fn missing_help(f: &Field) -> String {
    match f.shape {
        Shape::Known(Known::CreatedType) => format!(
            "add `{}:` with one of {}",
            f.name,
            list(&Known::CreatedType.names())
        ),
        Shape::Known(Known::Category) => format!(
            "add `{}:` with a connection category (`foundrygen categories` lists them)",
            f.name
        ),
        Shape::Known(Known::AuthType) => format!(
            "add `{}:` with an auth type (`foundrygen categories` lists them)",
            f.name
        ),
        _ => format!("add `{}: <{}>`", f.name, expected_of(&f.shape)),
    }
}

/// A list item of the shape `fields` describe, for a lone string written as the item: the string
/// under the key it most likely stands for (a `Namespace/type` is a `type`), every other required
/// key as a placeholder, e.g. `- { type: Microsoft.Search/searchServices, name: <name> }`.
fn item_for(value: &str, fields: &[Field]) -> String {
    let has_type = fields.iter().any(|f| f.required && f.name == "type");
    let key = if has_type && value.contains('/') && !value.starts_with("http") {
        Some("type")
    } else {
        mapping_for(value, fields)
    };
    let mut parts: Vec<String> = Vec::new();
    if let Some(k) = key
        && !fields.iter().any(|f| f.required && f.name == k)
    {
        parts.push(format!("{k}: {value}"));
    }
    for f in fields.iter().filter(|f| f.required) {
        if Some(f.name) == key {
            parts.push(format!("{}: {value}", f.name));
        } else {
            parts.push(format!("{}: {}", f.name, placeholder(f)));
        }
    }
    format!("- {{ {} }}", parts.join(", "))
}

/// A required key's value as a placeholder: a mapping shows its own required keys.
fn placeholder(f: &Field) -> String {
    match f.shape {
        Shape::Obj(inner) if inner.iter().any(|f| f.required) => format!(
            "{{ {} }}",
            inner
                .iter()
                .filter(|f| f.required)
                .map(|f| format!("{}: {}", f.name, placeholder(f)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ => format!("<{}>", f.name),
    }
}

/// The allowed value a spelled-out form ends with: `Key Vault Secrets Officer` → `secrets_officer`,
/// `Access Policies` → `access_policies`.
fn spelled_out(written: &str, allowed: &[&'static str]) -> Option<&'static str> {
    let normal: String = written
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    allowed
        .iter()
        .copied()
        .filter(|a| normal == *a || normal.ends_with(&format!("_{a}")))
        .max_by_key(|a| a.len())
}

fn dym(s: &str) -> String {
    format!("did you mean `{s}`?")
}

fn list(items: &[&str]) -> String {
    items
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn list_fields(fields: &[Field]) -> String {
    fields
        .iter()
        .map(|f| format!("`{}`", f.name))
        .collect::<Vec<_>>()
        .join(", ")
}
