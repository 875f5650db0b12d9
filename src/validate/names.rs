//! Name rules: Azure's naming rules for accounts, projects, connections, vaults, resource groups and
//! tags, and uniqueness of foundry, project and connection names (model deployment names are
//! checked with the other model deployment rules, in `deployments.rs`).

use std::collections::BTreeMap;

use super::{category_of, connections_of, foundries};
use crate::catalog;
use crate::diagnostics::{Code, Diagnostic, Span, SpecPath};
use crate::spec::tree::Node;

/// The longest connection name Azure accepts.
pub const MAX_CONNECTION_NAME: usize = 33;

/// `^[a-zA-Z0-9][a-zA-Z0-9-]{0,62}[a-zA-Z0-9]$`: 2–64, letters, digits, hyphens, alphanumeric ends.
pub fn valid_account_name(s: &str) -> bool {
    let n = s.chars().count();
    (2..=64).contains(&n)
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.ends_with(|c: char| c.is_ascii_alphanumeric())
}

/// The project name rule as a help line.
pub const PROJECT_NAME_HELP: &str =
    "use 2–64 letters, digits, `_`, `.` and `-`, starting with a letter or digit";

/// `^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`, 2–64.
pub fn valid_project_name(s: &str) -> bool {
    let n = s.chars().count();
    (2..=64).contains(&n)
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// `^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`, 2–64 (see `catalog::MAX_MODEL_DEPLOYMENT_NAME` for where the
/// rule comes from).
pub fn valid_model_deployment_name(s: &str) -> bool {
    let n = s.chars().count();
    (catalog::MIN_MODEL_DEPLOYMENT_NAME..=catalog::MAX_MODEL_DEPLOYMENT_NAME).contains(&n)
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// `^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`, the name pattern of `accounts/raiPolicies` (2026-07-01 type
/// data): what a deployment's `raiPolicyName` can name.
pub fn valid_rai_policy_name(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// `^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$`.
pub fn valid_connection_name(s: &str) -> bool {
    let n = s.chars().count();
    (3..=MAX_CONNECTION_NAME).contains(&n)
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
}

/// 3–24, letters, digits and hyphens, starting with a letter, ending alphanumeric, no `--`.
pub fn valid_key_vault_name(s: &str) -> bool {
    let n = s.chars().count();
    (3..=24).contains(&n)
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.ends_with(|c: char| c.is_ascii_alphanumeric())
        && !s.contains("--")
}

/// `^(?=.{2,60}$)[a-z0-9][a-z0-9]+(-[a-z0-9]+)*$` (the searchServices type's pattern): 2–60
/// lowercase letters, digits and hyphens, the first two and the last alphanumeric, no `--`.
pub fn valid_search_service_name(s: &str) -> bool {
    let b = s.as_bytes();
    let lower = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    (2..=60).contains(&b.len())
        && b.iter().all(|c| lower(c) || *c == b'-')
        && lower(&b[0])
        && lower(&b[1])
        && lower(&b[b.len() - 1])
        && !s.contains("--")
}

/// `^[a-z0-9]+$`, 3–24 (the storageAccounts type).
pub fn valid_storage_account_name(s: &str) -> bool {
    (3..=24).contains(&s.len())
        && s.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
}

/// Lowercase letters, digits and hyphens, alphanumeric at both ends, 3–50 (the databaseAccounts
/// type's bounds; Learn's table says 3–44, which newer accounts keep, and an existing target may
/// predate it).
pub fn valid_cosmos_account_name(s: &str) -> bool {
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    (3..=50).contains(&s.len())
        && s.chars().all(|c| alnum(c) || c == '-')
        && s.starts_with(alnum)
        && s.ends_with(alnum)
}

/// 4–63 letters, digits and hyphens, alphanumeric at both ends (Log Analytics workspaces).
pub fn valid_workspace_name(s: &str) -> bool {
    let n = s.chars().count();
    (4..=63).contains(&n)
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.ends_with(|c: char| c.is_ascii_alphanumeric())
}

/// 1–260, none of `% & \ ? /` or control characters, not ending in a space or `.` (Learn's rule
/// for `Microsoft.Insights/components`; the type publishes none).
pub fn valid_app_insights_name(s: &str) -> bool {
    (1..=260).contains(&s.chars().count())
        && !s
            .chars()
            .any(|c| c.is_control() || matches!(c, '%' | '&' | '\\' | '?' | '/'))
        && !s.ends_with([' ', '.'])
}

/// Azure's naming rule of a resource type, where Azure publishes one.
#[derive(Debug)]
pub struct NameRule {
    /// `Namespace/type`.
    pub resource_type: &'static str,
    /// What messages call the resource: "search service".
    pub what: &'static str,
    /// The rule.
    pub valid: fn(&str) -> bool,
    /// The fewest and most characters the rule allows.
    pub lengths: (usize, usize),
    /// The rule as a help line.
    pub help: &'static str,
}

/// The naming rules foundrygen checks: of the targets a connection names (in a spec and in `init
/// --connection`), and of the accounts and vaults a spec names (FG010, FG013), from Learn's
/// resource-name-rules and the types' patterns.
pub const NAME_RULES: &[NameRule] = &[
    NameRule {
        resource_type: "Microsoft.CognitiveServices/accounts",
        what: "Cognitive Services account",
        valid: valid_account_name,
        lengths: (2, 64),
        help: "use 2–64 letters, digits and hyphens, starting and ending with a letter or digit",
    },
    NameRule {
        resource_type: "Microsoft.KeyVault/vaults",
        what: "Key Vault",
        valid: valid_key_vault_name,
        lengths: (3, 24),
        help: "use 3–24 letters, digits and hyphens, starting with a letter, ending with a letter or digit, without `--`",
    },
    NameRule {
        resource_type: "Microsoft.Search/searchServices",
        what: "search service",
        valid: valid_search_service_name,
        lengths: (2, 60),
        help: "use 2–60 lowercase letters, digits and hyphens, the first two and the last a letter or digit, without `--`",
    },
    NameRule {
        resource_type: "Microsoft.Storage/storageAccounts",
        what: "storage account",
        valid: valid_storage_account_name,
        lengths: (3, 24),
        help: "use 3–24 lowercase letters and digits",
    },
    NameRule {
        resource_type: "Microsoft.DocumentDB/databaseAccounts",
        what: "Cosmos DB account",
        valid: valid_cosmos_account_name,
        lengths: (3, 50),
        help: "use 3–50 lowercase letters, digits and hyphens, starting and ending with a letter or digit",
    },
    NameRule {
        resource_type: "Microsoft.OperationalInsights/workspaces",
        what: "Log Analytics workspace",
        valid: valid_workspace_name,
        lengths: (4, 63),
        help: "use 4–63 letters, digits and hyphens, starting and ending with a letter or digit",
    },
    NameRule {
        resource_type: "Microsoft.Insights/components",
        what: "Application Insights component",
        valid: valid_app_insights_name,
        lengths: (1, 260),
        help: "use 1–260 characters without `%`, `&`, `\\`, `?`, `/` or control characters, not ending in a space or `.`",
    },
];

/// The naming rule of a resource type (case-insensitive), when foundrygen knows one.
pub fn name_rule(resource_type: &str) -> Option<&'static NameRule> {
    NAME_RULES
        .iter()
        .find(|r| r.resource_type.eq_ignore_ascii_case(resource_type.trim()))
}

/// A connection target's name against the naming rule of its type, where foundrygen knows one.
pub(super) fn check_target_name(
    resource_type: &str,
    name: &str,
    node: &Node,
    path: &SpecPath,
    out: &mut Vec<Diagnostic>,
) {
    if let Some(rule) = name_rule(resource_type)
        && !(rule.valid)(name)
    {
        out.push(
            Diagnostic::error(
                Code::InvalidName,
                path.clone(),
                node.span,
                format!("{} name `{name}` breaks Azure's rules", rule.what),
            )
            .with_help(rule.help),
        );
    }
}

/// The help line of a rule in [`NAME_RULES`].
fn rule_help(resource_type: &str) -> &'static str {
    name_rule(resource_type).map_or("", |r| r.help)
}

/// 1–90 letters, digits, `-_.()`, not ending in `.`.
pub fn valid_resource_group(s: &str) -> bool {
    let n = s.chars().count();
    (1..=90).contains(&n)
        && s.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '(' | ')'))
        && !s.ends_with('.')
}

/// A secure-parameter name usable in Bicep, ARM and Terraform alike.
pub fn valid_parameter_name(s: &str) -> bool {
    let n = s.len();
    (1..=64).contains(&n)
        && s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Names the generated files declare themselves; a secret may not take one.
pub const RESERVED_PARAMETERS: &[&str] = &[
    "location",
    "subscription_id",
    "resource_group_name",
    "deploymentSubscriptionId",
    "deploymentResourceGroupName",
];

/// The default Key Vault connection name of a foundry.
pub fn default_key_vault_connection(foundry: &str) -> String {
    format!("{foundry}-keyvault")
}

/// A Key Vault connection name for `foundry` that fits [`MAX_CONNECTION_NAME`]: the default,
/// with the foundry's name cut short.
pub fn shortened_key_vault_connection(foundry: &str) -> String {
    let room = MAX_CONNECTION_NAME - "-keyvault".len();
    let stem: String = foundry.chars().take(room).collect();
    format!("{}-keyvault", stem.trim_end_matches(['-', '_']))
}

pub(super) fn check(root: &Node, created: &super::Created, out: &mut Vec<Diagnostic>) {
    let root_path = SpecPath::root();
    if let Some(n) = root.get("name")
        && let Some(s) = n.as_str()
        && !(1..=64).contains(&s.chars().count())
            | !s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        out.push(
            Diagnostic::error(
                Code::InvalidName,
                root_path.key("name"),
                n.span,
                format!("deployment name `{s}` is not 1–64 letters, digits, `-`, `_` or `.`"),
            )
            .with_help("it names the Azure deployment; use e.g. `contoso-ai`"),
        );
    }
    if let Some(n) = root.get("location") {
        check_location(n, &root_path.key("location"), out);
    }
    check_tags(root, &root_path, out);

    let mut foundry_names: BTreeMap<String, (SpecPath, Span)> = BTreeMap::new();
    let mut secret_names: BTreeMap<String, (SpecPath, Span)> = BTreeMap::new();
    for (fpath, f) in foundries(root) {
        let fname = f.get_str("name");
        if let (Some(name), Some(n)) = (fname, f.get("name")) {
            if !valid_account_name(name) {
                out.push(
                    Diagnostic::error(
                        Code::InvalidAccountName,
                        fpath.key("name"),
                        n.span,
                        format!("account name `{name}` breaks Azure's rules"),
                    )
                    .with_help(rule_help("Microsoft.CognitiveServices/accounts")),
                );
            }
            unique(
                &mut foundry_names,
                name,
                fpath.key("name"),
                n.span,
                out,
                Code::DuplicateName,
                "foundry",
            );
        }
        if let Some(n) = f.get("custom_subdomain")
            && let Some(s) = n.as_str()
            && !valid_account_name(s)
        {
            out.push(
                Diagnostic::error(
                    Code::InvalidName,
                    fpath.key("custom_subdomain"),
                    n.span,
                    format!("custom subdomain `{s}` is not a valid DNS label"),
                )
                .with_help("use 2–64 letters, digits and hyphens, starting and ending with a letter or digit"),
            );
        }
        if let Some(n) = f.get("location") {
            check_location(n, &fpath.key("location"), out);
        }
        check_scope(f, &fpath, out);
        if let Some(uai) = f.get("user_assigned_identity") {
            let p = fpath.key("user_assigned_identity");
            check_scope(uai, &p, out);
            if let Some(n) = uai.get("name")
                && let Some(s) = n.as_str()
                && !valid_uai_name(s)
            {
                out.push(
                    Diagnostic::error(
                        Code::InvalidName,
                        p.key("name"),
                        n.span,
                        format!("identity name `{s}` breaks Azure's rules"),
                    )
                    .with_help("use 3–128 letters, digits, hyphens and underscores, starting with a letter or digit"),
                );
            }
        }

        let mut projects: BTreeMap<String, (SpecPath, Span)> = BTreeMap::new();
        for (i, p) in f.get_seq("projects").iter().enumerate() {
            let pp = fpath.key("projects").index(i);
            if let (Some(name), Some(n)) = (p.get_str("name"), p.get("name")) {
                if !valid_project_name(name) {
                    out.push(
                        Diagnostic::error(
                            Code::InvalidProjectName,
                            pp.key("name"),
                            n.span,
                            format!("project name `{name}` breaks Azure's rules"),
                        )
                        .with_help(PROJECT_NAME_HELP),
                    );
                }
                unique(
                    &mut projects,
                    name,
                    pp.key("name"),
                    n.span,
                    out,
                    Code::DuplicateName,
                    "project",
                );
            }
        }

        // Connection names are unique across the account, its projects included.
        let mut conns: BTreeMap<String, (SpecPath, Span)> = BTreeMap::new();
        if let Some(kv) = f.get("key_vault").filter(|k| k.as_map().is_some()) {
            let kp = fpath.key("key_vault");
            check_scope(kv, &kp, out);
            if let Some(n) = kv.get("name")
                && let Some(s) = n.as_str()
                && !valid_key_vault_name(s)
                && !created.contains(
                    "Microsoft.KeyVault/vaults",
                    kv.get_str("subscription"),
                    kv.get_str("resource_group"),
                    s,
                )
            {
                out.push(
                    Diagnostic::error(
                        Code::InvalidKeyVaultName,
                        kp.key("name"),
                        n.span,
                        format!("Key Vault name `{s}` breaks Azure's rules"),
                    )
                    .with_help(rule_help("Microsoft.KeyVault/vaults")),
                );
            }
            match (kv.get("connection_name"), fname) {
                (Some(n), _) => {
                    if let Some(s) = n.as_str() {
                        connection_name(s, &kp.key("connection_name"), n.span, out);
                        unique(
                            &mut conns,
                            s,
                            kp.key("connection_name"),
                            n.span,
                            out,
                            Code::DuplicateConnectionName,
                            "connection",
                        );
                    }
                }
                (None, Some(foundry)) => {
                    let default = default_key_vault_connection(foundry);
                    let span = f.key_node("key_vault").map(|k| k.span).unwrap_or(kv.span);
                    if !valid_connection_name(&default) && valid_account_name(foundry) {
                        out.push(
                            Diagnostic::error(
                                Code::InvalidConnectionName,
                                kp.clone(),
                                span,
                                format!(
                                    "the default Key Vault connection name `{default}` is longer than {MAX_CONNECTION_NAME} characters"
                                ),
                            )
                            .with_help(format!(
                                "set `connection_name`, e.g. `connection_name: {}`",
                                shortened_key_vault_connection(foundry)
                            )),
                        );
                    }
                    unique(
                        &mut conns,
                        &default,
                        kp.clone(),
                        span,
                        out,
                        Code::DuplicateConnectionName,
                        "connection",
                    );
                }
                (None, None) => {}
            }
        }
        for (cp, c) in connections_of(&fpath, f) {
            if let (Some(name), Some(n)) = (c.get_str("name"), c.get("name")) {
                connection_name(name, &cp.key("name"), n.span, out);
                unique(
                    &mut conns,
                    name,
                    cp.key("name"),
                    n.span,
                    out,
                    Code::DuplicateConnectionName,
                    "connection",
                );
            }
            if let Some(target) = c.get("target")
                && let Some(res) = target.get("resource")
            {
                check_scope(res, &cp.key("target").key("resource"), out);
            }
            if let Some(auth) = c.get("auth") {
                secret_parameters(auth, &cp.key("auth"), &mut secret_names, out);
            }
            let _ = category_of(c);
        }
    }
}

/// The tags of a node (`tags:` at the top level or on a created resource) against Azure's rules.
pub(super) fn check_tags(node: &Node, path: &SpecPath, out: &mut Vec<Diagnostic>) {
    if let Some(tags) = node.get("tags").and_then(Node::as_map) {
        for (k, v) in tags {
            let Some(key) = k.as_str() else { continue };
            let p = path.key("tags").key(key);
            if key.is_empty()
                || key.chars().count() > 512
                || key.contains(['<', '>', '%', '&', '\\', '?', '/'])
            {
                out.push(
                    Diagnostic::error(
                        Code::InvalidName,
                        p.clone(),
                        k.span,
                        format!("tag name `{key}` is not allowed by Azure"),
                    )
                    .with_help("tag names are 1–512 characters without `< > % & \\ ? /`"),
                );
            }
            if let Some(val) = v.as_str()
                && val.chars().count() > 256
            {
                out.push(Diagnostic::error(
                    Code::InvalidName,
                    p,
                    v.span,
                    "tag value is longer than 256 characters",
                ));
            }
        }
    }
}

fn valid_uai_name(s: &str) -> bool {
    let n = s.chars().count();
    (3..=128).contains(&n)
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
}

pub(super) fn check_location(n: &Node, path: &SpecPath, out: &mut Vec<Diagnostic>) {
    if let Some(s) = n.as_str()
        && (s.is_empty()
            || !s
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()))
    {
        let normal: String = s
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        out.push(
            Diagnostic::error(
                Code::InvalidValue,
                path.clone(),
                n.span,
                format!("location `{s}` is not an Azure region name"),
            )
            .with_help(if normal.is_empty() {
                "use a region name such as `eastus2`".to_string()
            } else {
                format!("write the region's programmatic name, e.g. `{normal}`")
            }),
        );
    }
}

pub(super) fn check_scope(node: &Node, path: &SpecPath, out: &mut Vec<Diagnostic>) {
    if let Some(n) = node.get("subscription")
        && let Some(s) = n.as_str()
        && !catalog::is_guid(s)
    {
        out.push(
            Diagnostic::error(
                Code::InvalidGuid,
                path.key("subscription"),
                n.span,
                format!("subscription `{s}` is not a subscription id (a GUID)"),
            )
            .with_help(
                "write the id, e.g. `00000000-0000-0000-0000-000000000000`, not the display name",
            ),
        );
    }
    if let Some(n) = node.get("resource_group")
        && let Some(s) = n.as_str()
        && !valid_resource_group(s)
    {
        out.push(
            Diagnostic::error(
                Code::InvalidName,
                path.key("resource_group"),
                n.span,
                format!("resource group name `{s}` breaks Azure's rules"),
            )
            .with_help("use 1–90 letters, digits, `-`, `_`, `.`, `(` and `)`, not ending in `.`"),
        );
    }
}

fn connection_name(name: &str, path: &SpecPath, span: Span, out: &mut Vec<Diagnostic>) {
    if valid_connection_name(name) {
        return;
    }
    out.push(
        Diagnostic::error(
            Code::InvalidConnectionName,
            path.clone(),
            span,
            format!("connection name `{name}` breaks Azure's rules"),
        )
        .with_help(connection_name_help(name)),
    );
}

/// What to do about a connection name [`valid_connection_name`] refuses.
pub fn connection_name_help(name: &str) -> String {
    if name.chars().count() > MAX_CONNECTION_NAME {
        format!("shorten it to at most {MAX_CONNECTION_NAME} characters")
    } else if name.chars().count() < 3 {
        "connection names are at least 3 characters long".to_string()
    } else if name.contains('.') {
        "connection names cannot contain `.`; use `-` or `_`".to_string()
    } else {
        format!(
            "use 3–{MAX_CONNECTION_NAME} letters, digits, `_` and `-`, starting with a letter or digit"
        )
    }
}

/// Reports `name` when `seen` has it already (case-insensitively, as Azure compares names), and
/// remembers it otherwise.
pub(super) fn unique(
    seen: &mut BTreeMap<String, (SpecPath, Span)>,
    name: &str,
    path: SpecPath,
    span: Span,
    out: &mut Vec<Diagnostic>,
    code: Code,
    what: &str,
) {
    // Azure names are case-insensitive.
    match seen.get(&name.to_ascii_lowercase()) {
        Some((first_path, first_span)) => out.push(
            Diagnostic::error(
                code,
                path,
                span,
                format!("{what} name `{name}` is used twice"),
            )
            .with_related(first_path.clone(), *first_span, "first used here")
            .with_help(format!("give each {what} its own name")),
        ),
        None => {
            seen.insert(name.to_ascii_lowercase(), (path, span));
        }
    }
}

fn secret_parameters(
    auth: &Node,
    path: &SpecPath,
    _seen: &mut BTreeMap<String, (SpecPath, Span)>,
    out: &mut Vec<Diagnostic>,
) {
    let Some(entries) = auth.as_map() else { return };
    let mut check_one = |cred: &Node, p: SpecPath| {
        if let Some(n) = cred.get("secret")
            && let Some(s) = n.as_str()
        {
            let p = p.key("secret");
            if !valid_parameter_name(s) {
                out.push(
                    Diagnostic::error(
                        Code::InvalidName,
                        p,
                        n.span,
                        format!("secret parameter name `{s}` is not an identifier"),
                    )
                    .with_help("use letters, digits and `_`, starting with a letter, at most 64 characters"),
                );
            } else if RESERVED_PARAMETERS.contains(&s) {
                out.push(
                    Diagnostic::error(
                        Code::InvalidName,
                        p,
                        n.span,
                        format!("secret parameter name `{s}` is taken by the generated files"),
                    )
                    .with_help(format!("pick another name, e.g. `{s}Secret`")),
                );
            }
        }
    };
    for (k, v) in entries {
        let Some(key) = k.as_str() else { continue };
        if key == "keys" {
            for (kk, kv) in v.as_map().unwrap_or(&[]) {
                if let Some(kname) = kk.as_str() {
                    check_one(kv, path.key("keys").key(kname));
                }
            }
        } else {
            check_one(v, path.key(key));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{codes, diags, with_foundry};
    use super::*;

    #[test]
    fn account_name_rules() {
        assert!(valid_account_name("contoso-foundry"));
        assert!(!valid_account_name("-x"));
        assert!(!valid_account_name("a"));
        assert!(!valid_account_name("a_b"));
        assert!(!valid_account_name(&"a".repeat(65)));
    }

    #[test]
    fn key_vault_name_rules() {
        assert!(valid_key_vault_name("contoso-kv"));
        assert!(!valid_key_vault_name("1kv"));
        assert!(!valid_key_vault_name("kv--x"));
        assert!(!valid_key_vault_name("kv-"));
        assert!(!valid_key_vault_name(&"k".repeat(25)));
    }

    #[test]
    fn connection_name_rules() {
        assert!(valid_connection_name("abc"));
        assert!(!valid_connection_name("ab"));
        assert!(!valid_connection_name("a.b.c"));
        assert!(valid_connection_name(&"a".repeat(33)));
        assert!(!valid_connection_name(&"a".repeat(34)));
    }

    #[test]
    fn target_name_rules() {
        for ok in ["contoso-search", "s1", "a1-b2-c3"] {
            assert!(valid_search_service_name(ok), "{ok}");
        }
        let long = "a".repeat(61);
        for bad in [
            "x:dev",
            "Contoso",
            "a-b",
            "ab--c",
            "ab-",
            "-ab",
            "a",
            long.as_str(),
        ] {
            assert!(!valid_search_service_name(bad), "{bad}");
        }
        assert!(valid_storage_account_name("contosodata1"));
        for bad in ["contoso-data", "ab", "Contoso", &"a".repeat(25)] {
            assert!(!valid_storage_account_name(bad), "{bad}");
        }
        assert!(valid_cosmos_account_name("contoso-cosmos"));
        assert!(valid_cosmos_account_name(&"c".repeat(50)));
        for bad in [
            "c1",
            "-cosmos",
            "cosmos-",
            "Cosmos1",
            "cos_mos",
            &"c".repeat(51),
        ] {
            assert!(!valid_cosmos_account_name(bad), "{bad}");
        }
        for ok in ["logs", "ws-prod-01", &"w".repeat(63)] {
            assert!(valid_workspace_name(ok), "{ok}");
        }
        for bad in ["abc", "-logs", "logs-", "lo_gs", &"w".repeat(64)] {
            assert!(!valid_workspace_name(bad), "{bad}");
        }
        for ok in ["ai (prod)", "Insights_1", "x:dev"] {
            assert!(valid_app_insights_name(ok), "{ok}");
        }
        for bad in ["", "ai.", "ai ", "a/b", "a?b", "a%b", "a\\b", "a\u{7}b"] {
            assert!(!valid_app_insights_name(bad), "{bad:?}");
        }
        for r in NAME_RULES {
            assert!(
                catalog::target_type(r.resource_type).is_some()
                    || catalog::created_type(r.resource_type).is_some(),
                "{}",
                r.resource_type
            );
            assert!(name_rule(&r.resource_type.to_lowercase()).is_some());
        }
    }

    #[test]
    fn rejects_target_names_that_break_their_type_rules() {
        let conn = |target: &str| {
            with_foundry(&format!(
                "connections:\n  - {{ name: conn1, category: CognitiveSearch, target: {target}, auth: {{ type: AAD }} }}"
            ))
        };
        let d = diags(&conn(
            "{ resource: { type: Microsoft.Search/searchServices, name: 'x:dev' } }",
        ));
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].code, Code::InvalidName);
        assert_eq!(
            d[0].path.0,
            "foundries[0].connections[0].target.resource.name"
        );
        assert_eq!(
            d[0].message,
            "search service name `x:dev` breaks Azure's rules"
        );
        let d = diags(&conn(
            "{ resource_id: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Search/searchServices/Bad }",
        ));
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(
            d[0].path.0,
            "foundries[0].connections[0].target.resource_id"
        );
        assert_eq!(
            codes(&conn(
                "{ resource: { type: Microsoft.Search/searchServices, name: contoso-search } }"
            )),
            []
        );
    }

    #[test]
    fn rejects_bad_account_name() {
        let text = "version: 1\nname: t\nlocation: eastus2\nfoundries:\n  - name: bad_name\n";
        assert_eq!(codes(text), [Code::InvalidAccountName]);
    }

    #[test]
    fn rejects_long_default_key_vault_connection_name() {
        let text = "version: 1\nname: t\nlocation: eastus2\nfoundries:\n  - name: a-very-long-foundry-account-name\n    key_vault:\n      name: kv1\n";
        let d = diags(text);
        assert_eq!(d[0].code, Code::InvalidConnectionName);
        assert_eq!(d[0].path.0, "foundries[0].key_vault");
        assert_eq!(
            d[0].help.as_deref(),
            Some(
                "set `connection_name`, e.g. `connection_name: a-very-long-foundry-acco-keyvault`"
            )
        );
    }

    #[test]
    fn rejects_connection_names_shared_by_account_and_project() {
        let d = diags(&with_foundry(
            "projects: [{ name: p1 }]\nconnections:\n  - { name: web, category: ApiKey, target: { url: 'https://a.example' }, auth: { type: None } }\n  - { name: WEB, project: p1, category: ApiKey, target: { url: 'https://a.example' }, auth: { type: None } }",
        ));
        let dup: Vec<_> = d
            .iter()
            .filter(|d| d.code == Code::DuplicateConnectionName)
            .collect();
        assert_eq!(dup.len(), 1);
        assert_eq!(dup[0].related[0].path.0, "foundries[0].connections[0].name");
    }

    #[test]
    fn rejects_duplicate_project_names() {
        assert!(
            codes(&with_foundry("projects: [{ name: p1 }, { name: p1 }]"))
                .contains(&Code::DuplicateName)
        );
    }

    #[test]
    fn rejects_subscription_display_names() {
        assert!(
            codes(&with_foundry(
                "existing: true\nsubscription: my-sub\nresource_group: rg"
            ))
            .contains(&Code::InvalidGuid)
        );
    }

    #[test]
    fn rejects_bad_secret_parameter_names() {
        let d = codes(&with_foundry(
            "connections:\n  - { name: web, category: ApiKey, target: { url: 'https://a.example' }, auth: { type: ApiKey, key: { secret: 'my key' } } }",
        ));
        assert!(d.contains(&Code::InvalidName));
    }
}
