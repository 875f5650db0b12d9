//! Foundry rules: identity, scope of existing resources, the Key Vault connection (one per foundry,
//! account level, options that fit its permission model, the wait) and project references.

use super::{category_of, connections_of, foundries};
use crate::diagnostics::{Code, Diagnostic, SpecPath, did_you_mean};
use crate::spec::tree::Node;

/// The longest `wait_for_role` accepted (role propagation takes up to 30 minutes).
pub const MAX_WAIT_SECONDS: u64 = 30 * 60;

/// Parses `60s`, `5m`, `1h` or a sequence of them (`1m30s`) into seconds.
pub fn parse_duration(s: &str) -> Option<u64> {
    let mut total: u64 = 0;
    let mut digits = String::new();
    let mut units = 0;
    for c in s.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            if digits.len() > 6 {
                return None;
            }
            continue;
        }
        let n: u64 = digits.parse().ok()?;
        digits.clear();
        total += n * match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            _ => return None,
        };
        units += 1;
    }
    (digits.is_empty() && units > 0).then_some(total)
}

/// A `wait_for_role` value: a positive duration of at most 30 minutes (FG073).
pub(super) fn check_duration(w: &Node, path: SpecPath, out: &mut Vec<Diagnostic>) {
    let Some(s) = w.as_str() else { return };
    match parse_duration(s) {
        Some(0) | None => out.push(
            Diagnostic::error(
                Code::InvalidDuration,
                path,
                w.span,
                format!("`{s}` is not a duration"),
            )
            .with_help("write a positive number with `s`, `m` or `h`, e.g. `60s` or `5m`"),
        ),
        Some(secs) if secs > MAX_WAIT_SECONDS => out.push(
            Diagnostic::error(
                Code::InvalidDuration,
                path,
                w.span,
                format!("`{s}` is longer than the 30 minutes role propagation can take"),
            )
            .with_help("use at most `30m`"),
        ),
        Some(_) => {}
    }
}

pub(super) fn check(root: &Node, out: &mut Vec<Diagnostic>) {
    let mut subdomains: Vec<(String, SpecPath, crate::diagnostics::Span)> = Vec::new();
    for (fpath, f) in foundries(root) {
        let existing = f.get_bool("existing").unwrap_or(false);
        let fname = f.get_str("name").unwrap_or("?");
        if !existing {
            // Custom subdomains are global DNS names: two created accounts cannot share one.
            let sub = f
                .get_str("custom_subdomain")
                .or(f.get_str("name"))
                .map(str::to_ascii_lowercase);
            let node = f.get("custom_subdomain").or(f.get("name"));
            if let (Some(sub), Some(node)) = (sub, node) {
                let path = if f.get("custom_subdomain").is_some() {
                    fpath.key("custom_subdomain")
                } else {
                    fpath.key("name")
                };
                match subdomains.iter().find(|(s, _, _)| *s == sub) {
                    Some((_, p0, s0)) => out.push(
                        Diagnostic::error(
                            Code::ConflictingResources,
                            path,
                            node.span,
                            format!("custom subdomain `{sub}` is used by two accounts"),
                        )
                        .with_related(p0.clone(), *s0, "first used here")
                        .with_help(
                            "subdomains are global DNS names; set a distinct `custom_subdomain`",
                        ),
                    ),
                    None => subdomains.push((sub, path, node.span)),
                }
            }
        }
        if existing
            && f.get_bool("purge_on_delete") == Some(true)
            && let Some(k) = f.key_node("purge_on_delete")
        {
            out.push(
                Diagnostic::error(
                    Code::CreatedOnlyOnExisting,
                    fpath.key("purge_on_delete"),
                    k.span,
                    format!("`purge_on_delete` is only for an account the spec creates; `{fname}` exists already and is never deleted by this deployment"),
                )
                .with_help("remove `purge_on_delete`, or let the spec create the account"),
            );
        }
        if !existing {
            for key in ["subscription", "resource_group"] {
                if let Some(k) = f.key_node(key) {
                    out.push(
                        Diagnostic::error(
                            Code::ScopeOnCreatedResource,
                            fpath.key(key),
                            k.span,
                            format!("`{key}` is only for an existing foundry; `{fname}` is created in the deployment's resource group"),
                        )
                        .with_help("remove it, or set `existing: true` to reference an account that exists"),
                    );
                }
            }
            for (i, p) in f.get_seq("projects").iter().enumerate() {
                if p.get_bool("existing") == Some(true) {
                    let k = p.key_node("existing").unwrap_or(p);
                    out.push(
                        Diagnostic::error(
                            Code::ScopeOnCreatedResource,
                            fpath.key("projects").index(i).key("existing"),
                            k.span,
                            format!("project `{}` cannot exist already: its foundry `{fname}` is created by this spec", p.get_str("name").unwrap_or("?")),
                        )
                        .with_help("remove `existing: true`, or mark the foundry `existing: true` too"),
                    );
                }
            }
        }

        // Identity.
        let user_assigned = f.get_str("identity") == Some("user_assigned");
        match (user_assigned, f.key_node("user_assigned_identity")) {
            (true, None) => {
                let k = f.key_node("identity").unwrap_or(f);
                out.push(
                    Diagnostic::error(
                        Code::IdentityMismatch,
                        fpath.key("identity"),
                        k.span,
                        "`identity: user_assigned` needs `user_assigned_identity`",
                    )
                    .with_help("add `user_assigned_identity: { name: <identity name>, resource_group: <its resource group> }`"),
                );
            }
            (false, Some(k)) => out.push(
                Diagnostic::error(
                    Code::IdentityMismatch,
                    fpath.key("user_assigned_identity"),
                    k.span,
                    "`user_assigned_identity` is set but `identity` is not `user_assigned`",
                )
                .with_help("add `identity: user_assigned`, or remove `user_assigned_identity`"),
            ),
            _ => {}
        }

        // Key Vault block options.
        let kv = f.get("key_vault").filter(|k| k.as_map().is_some());
        if let Some(kv) = kv {
            let kp = fpath.key("key_vault");
            if kv.get_str("access") == Some("existing") {
                for key in ["role", "secret_permissions"] {
                    if let Some(k) = kv.key_node(key) {
                        out.push(
                            Diagnostic::error(
                                Code::PermissionModelMismatch,
                                kp.key(key),
                                k.span,
                                format!("`{key}` is the vault access foundrygen would grant, but `access` is `existing`"),
                            )
                            .with_help(format!("remove `{key}`: with `access: existing` the deployment grants nothing on the vault; or remove `access: existing` to grant it")),
                        );
                    }
                }
            }
            let access_policies = kv.get_str("permission_model") == Some("access_policies");
            if access_policies {
                if let Some(k) = kv.key_node("role") {
                    out.push(
                        Diagnostic::error(
                            Code::PermissionModelMismatch,
                            kp.key("role"),
                            k.span,
                            "`role` applies to RBAC vaults, but `permission_model` is `access_policies`",
                        )
                        .with_help("use `secret_permissions` for an access-policy vault, or set `permission_model: rbac`"),
                    );
                }
            } else {
                if let Some(k) = kv.key_node("secret_permissions") {
                    out.push(
                        Diagnostic::error(
                            Code::PermissionModelMismatch,
                            kp.key("secret_permissions"),
                            k.span,
                            "`secret_permissions` applies to access-policy vaults, but `permission_model` is `rbac`",
                        )
                        .with_help("set `permission_model: access_policies`, or use `role` on an RBAC vault"),
                    );
                }
                if let Some(r) = kv.get("role")
                    && r.as_str() == Some("contributor")
                {
                    out.push(
                        Diagnostic::warning(
                            Code::WeakKeyVaultRole,
                            kp.key("role"),
                            r.span,
                            "Key Vault Contributor grants no access to secrets on an RBAC vault",
                        )
                        .with_help("use `role: secrets_officer` (the least privilege that works) or `administrator`"),
                    );
                }
            }
            if let Some(perms) = kv
                .get("secret_permissions")
                .and_then(Node::as_seq)
                .filter(|_| access_policies && kv.get_str("access") != Some("existing"))
            {
                let written: Vec<&str> = perms.iter().filter_map(Node::as_str).collect();
                if perms.is_empty() {
                    out.push(
                        Diagnostic::error(
                            Code::InvalidValue,
                            kp.key("secret_permissions"),
                            kv.get("secret_permissions")
                                .map(|n| n.span)
                                .unwrap_or(kv.span),
                            "`secret_permissions` is empty",
                        )
                        .with_help("omit it for the default `[get, list, set, delete]`"),
                    );
                } else if !written.contains(&"all") {
                    for need in ["get", "list", "set", "delete"] {
                        if !written.contains(&need) {
                            out.push(
                                Diagnostic::warning(
                                    Code::PermissionModelMismatch,
                                    kp.key("secret_permissions"),
                                    kv.get("secret_permissions").map(|n| n.span).unwrap_or(kv.span),
                                    format!("`secret_permissions` lacks `{need}`, which Foundry needs to manage connection secrets"),
                                )
                                .with_help("the working minimum is `[get, list, set, delete]`"),
                            );
                        }
                    }
                }
            }
            if let Some(w) = kv.get("wait_for_role") {
                check_duration(w, kp.key("wait_for_role"), out);
            }
        }

        // One Key Vault connection per foundry: the block and AzureKeyVault connections count alike.
        let mut first: Option<(SpecPath, crate::diagnostics::Span, String)> = kv.map(|k| {
            (
                fpath.key("key_vault"),
                f.key_node("key_vault").map(|n| n.span).unwrap_or(k.span),
                "the `key_vault` block".to_string(),
            )
        });
        // `access: existing` says the Key Vault connection was set up before (its vault access
        // exists), so the account's connections are no news to it.
        let kv_exists = kv.is_some_and(|k| k.get_str("access") == Some("existing"));
        if existing
            && !kv_exists
            && let Some((p, span, _)) = &first
        {
            out.push(
                Diagnostic::warning(
                    Code::KeyVaultOnExistingAccount,
                    p.clone(),
                    *span,
                    format!("Azure refuses a Key Vault connection on `{fname}` if the account already has connections"),
                )
                .with_help("check the account (and its projects) has no connections before deploying, or drop `key_vault`"),
            );
        }
        let project_names: Vec<&str> = f
            .get_seq("projects")
            .iter()
            .filter_map(|p| p.get_str("name"))
            .collect();
        for (cp, c) in connections_of(&fpath, f) {
            let is_kv = category_of(c) == Some("AzureKeyVault");
            if is_kv {
                let span = c.get("category").map(|n| n.span).unwrap_or(c.span);
                let here = format!("connection `{}`", c.get_str("name").unwrap_or("?"));
                match &first {
                    Some((p0, s0, what)) => out.push(
                        Diagnostic::error(
                            Code::SecondKeyVaultConnection,
                            cp.key("category"),
                            span,
                            format!("a second Key Vault connection in foundry `{fname}` ({here})"),
                        )
                        .with_related(p0.clone(), *s0, format!("the first is {what}"))
                        .with_help("Azure allows one Key Vault connection per Foundry resource; remove one of them"),
                    ),
                    None => first = Some((cp.key("category"), span, here)),
                }
                if let Some(p) = c.get("project") {
                    out.push(
                        Diagnostic::error(
                            Code::KeyVaultConnectionInProject,
                            cp.key("project"),
                            p.span,
                            "a Key Vault connection belongs to the account, not to a project",
                        )
                        .with_help("remove `project:`"),
                    );
                }
            }
            if let Some(p) = c.get("project")
                && let Some(name) = p.as_str()
                && !project_names.contains(&name)
            {
                let help = match did_you_mean(name, project_names.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None if project_names.is_empty() => format!(
                        "foundry `{fname}` has no projects; add one under `projects:` or remove `project:`"
                    ),
                    None => format!(
                        "projects of `{fname}`: {}",
                        project_names
                            .iter()
                            .map(|s| format!("`{s}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                out.push(
                    Diagnostic::error(
                        Code::UnknownProject,
                        cp.key("project"),
                        p.span,
                        format!(
                            "connection `{}` names unknown project `{name}`",
                            c.get_str("name").unwrap_or("?")
                        ),
                    )
                    .with_help(help),
                );
            }
        }
        secrets_before_vault_access(&fpath, f, kv, out);
    }
}

/// A connection whose credentials Foundry stores in the bring-your-own vault fails with 403
/// when it runs before the Foundry identity's vault role (or access policy) has taken effect, and
/// role assignments take minutes to propagate: warn where nothing waits for it.
fn secrets_before_vault_access(
    fpath: &SpecPath,
    f: &Node,
    kv: Option<&Node>,
    out: &mut Vec<Diagnostic>,
) {
    let listed_vault =
        connections_of(fpath, f).any(|(_, c)| category_of(c) == Some("AzureKeyVault"));
    if kv.is_none() && !listed_vault {
        return;
    }
    // A wait, or access that exists already: the vault takes secrets at once.
    if kv.is_some_and(|k| {
        k.get("wait_for_role").is_some() || k.get_str("access") == Some("existing")
    }) {
        return;
    }
    // Connections that could authenticate with Entra ID instead, storing nothing: their category
    // takes `AAD` and they target a resource (roles need one).
    let could_use_aad: Vec<&str> = connections_of(fpath, f)
        .filter(|(_, c)| {
            let stores = c
                .get("auth")
                .and_then(|a| a.get_str("type"))
                .is_some_and(|ty| {
                    crate::catalog::is_auth_type(ty)
                        && crate::catalog::stores_credentials_in_vault(ty)
                });
            let takes_aad = category_of(c)
                .and_then(crate::category::rule)
                .is_some_and(|r| r.auth.contains(&"AAD"));
            let resource = c
                .get("target")
                .is_some_and(|t| t.get("resource").is_some() || t.get("resource_id").is_some());
            stores && takes_aad && resource && category_of(c) != Some("AzureKeyVault")
        })
        .map(|(_, c)| c.get_str("name").unwrap_or("?"))
        .collect();
    // (path of `auth.type`, its node, the auth type, the connection's name)
    let storing: Vec<(SpecPath, &Node, &str, &str)> = connections_of(fpath, f)
        .filter(|(_, c)| category_of(c) != Some("AzureKeyVault"))
        .filter_map(|(cp, c)| {
            let t = c.get("auth")?.get("type")?;
            let ty = t.as_str()?;
            // An unknown auth type has its own error (FG037); it stores nothing worth a warning.
            (crate::catalog::is_auth_type(ty) && crate::catalog::stores_credentials_in_vault(ty))
                .then(|| {
                    (
                        cp.key("auth").key("type"),
                        t,
                        ty,
                        c.get_str("name").unwrap_or("?"),
                    )
                })
        })
        .collect();
    let Some((first_path, first, ty, first_name)) = storing.first() else {
        return;
    };
    let more = match storing.len() {
        1 => String::new(),
        2 => " (and 1 more connection)".to_string(),
        n => format!(" (and {} more connections)", n - 1),
    };
    let wait = if kv.is_some() {
        "add `wait_for_role: 60s` under `key_vault`"
    } else {
        "use the `key_vault` block with `wait_for_role: 60s` instead of the `AzureKeyVault` connection"
    };
    // Only categories that take Entra ID get it offered (App Insights, for one, takes only a key).
    let help = match could_use_aad.as_slice() {
        [] => wait.to_string(),
        names => {
            let names: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
            let names = match names.as_slice() {
                [first, second, _, _, ..] => {
                    format!("{first}, {second} and the others that take it")
                }
                [rest @ .., last] if !rest.is_empty() => {
                    format!("{} and {last}", rest.join(", "))
                }
                _ => names.concat(),
            };
            format!(
                "{wait}, or switch {names} to `type: AAD` with `roles:` on the target (nothing stored in the vault)"
            )
        }
    };
    let mut d = Diagnostic::warning(
        Code::SecretsBeforeVaultAccess,
        first_path.clone(),
        first.span,
        format!(
            "connection `{first_name}`{more} stores its `{ty}` credentials in the Key Vault before the vault access can have taken effect (403 until it has)"
        ),
    )
    .with_help(help);
    for (p, n, _, name) in storing.iter().skip(1).take(4) {
        d = d.with_related(p.clone(), n.span, format!("connection `{name}` too"));
    }
    out.push(d);
}

#[cfg(test)]
mod tests {
    use super::super::tests::{codes, diags, with_foundry};
    use super::*;

    #[test]
    fn parses_durations() {
        assert_eq!(parse_duration("60s"), Some(60));
        assert_eq!(parse_duration("5m"), Some(300));
        assert_eq!(parse_duration("1h"), Some(3600));
        assert_eq!(parse_duration("1d"), None);
        assert_eq!(parse_duration("s"), None);
        assert_eq!(parse_duration("-1s"), None);
        assert_eq!(parse_duration("1m30s"), Some(90));
        assert_eq!(parse_duration("90"), None);
    }

    #[test]
    fn rejects_wait_over_thirty_minutes() {
        assert_eq!(
            codes(&with_foundry(
                "key_vault: { name: kv1, wait_for_role: 31m }"
            )),
            [Code::InvalidDuration]
        );
    }

    #[test]
    fn rejects_second_key_vault_connection_pointing_at_both() {
        let d = diags(&with_foundry(
            "key_vault: { name: kv1 }\nconnections:\n  - name: kv2\n    category: AzureKeyVault\n    target: { resource: { type: Microsoft.KeyVault/vaults, name: kv2 } }\n    auth: { type: AccountManagedIdentity }",
        ));
        let second: Vec<_> = d
            .iter()
            .filter(|d| d.code == Code::SecondKeyVaultConnection)
            .collect();
        assert_eq!(second.len(), 1);
        assert_eq!(second[0].span.unwrap().line, 9);
        assert_eq!(second[0].related[0].path.0, "foundries[0].key_vault");
    }

    #[test]
    fn rejects_project_level_key_vault_connection() {
        let c = codes(&with_foundry(
            "projects: [{ name: p1 }]\nconnections:\n  - name: kv2\n    project: p1\n    category: AzureKeyVault\n    target: { resource: { type: Microsoft.KeyVault/vaults, name: kv2 } }\n    auth: { type: AccountManagedIdentity }",
        ));
        assert_eq!(c, [Code::KeyVaultConnectionInProject]);
    }

    #[test]
    fn rejects_unknown_project_with_suggestion() {
        let d = diags(&with_foundry(
            "projects: [{ name: research }]\nconnections:\n  - { name: web, project: reserch, category: ApiKey, target: { url: 'https://a.example' }, auth: { type: None } }",
        ));
        let u = d.iter().find(|d| d.code == Code::UnknownProject).unwrap();
        assert_eq!(u.help.as_deref(), Some("did you mean `research`?"));
    }

    #[test]
    fn rejects_user_assigned_without_identity() {
        assert_eq!(
            codes(&with_foundry("identity: user_assigned")),
            [Code::IdentityMismatch]
        );
    }

    #[test]
    fn rejects_options_of_the_other_permission_model() {
        assert_eq!(
            codes(&with_foundry(
                "key_vault: { name: kv1, permission_model: access_policies, role: administrator }"
            )),
            [Code::PermissionModelMismatch]
        );
        assert_eq!(
            codes(&with_foundry(
                "key_vault: { name: kv1, secret_permissions: [get] }"
            )),
            [Code::PermissionModelMismatch]
        );
    }

    #[test]
    fn warns_on_contributor_for_rbac() {
        let d = diags(&with_foundry("key_vault: { name: kv1, role: contributor }"));
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].code, Code::WeakKeyVaultRole);
        assert!(!d[0].is_error());
    }

    /// `access: existing`: nothing to grant, so the grant's options are errors; the access is in
    /// effect, so secrets may go in at once; the Key Vault connection was made before, so FG060
    /// does not apply to an existing account.
    #[test]
    fn existing_vault_access_refuses_grant_options_and_needs_no_wait() {
        let spec = with_foundry(&format!(
            "key_vault: {{ name: kv1, access: existing }}\nconnections:\n{API_KEY_CONNECTION}"
        ));
        assert_eq!(codes(&spec), []);
        let spec = with_foundry(&format!(
            "existing: true\nkey_vault: {{ name: kv1, access: existing }}\nconnections:\n{API_KEY_CONNECTION}"
        ));
        assert_eq!(codes(&spec), []);
        let d = diags(&with_foundry(
            "key_vault: { name: kv1, access: existing, role: administrator, permission_model: access_policies, secret_permissions: [get, list, set, delete] }",
        ));
        let paths: Vec<String> = d
            .iter()
            .filter(|d| d.message.contains("`access` is `existing`"))
            .map(|d| d.path.to_string())
            .collect();
        assert_eq!(
            paths,
            [
                "foundries[0].key_vault.role",
                "foundries[0].key_vault.secret_permissions"
            ]
        );
        assert!(d.iter().all(|d| d.is_error()));
    }

    const API_KEY_CONNECTION: &str = "  - { name: web, category: ApiKey, target: { url: 'https://api.example.com/' }, auth: { type: ApiKey, key: { secret: webKey } } }";

    #[test]
    fn warns_when_a_connection_stores_secrets_before_the_vault_access_can_work() {
        let spec = with_foundry(&format!(
            "key_vault: {{ name: kv1 }}\nconnections:\n{API_KEY_CONNECTION}"
        ));
        let d = diags(&spec);
        assert_eq!(codes(&spec), [Code::SecretsBeforeVaultAccess]);
        assert!(!d[0].is_error());
        assert_eq!(
            d[0].path.to_string(),
            "foundries[0].connections[0].auth.type"
        );
        assert!(d[0].message.contains("`web`"), "{}", d[0].message);
        assert!(
            d[0].help.as_deref().unwrap().contains("wait_for_role: 60s"),
            "{:?}",
            d[0].help
        );
        // The same with access policies.
        let policies = with_foundry(&format!(
            "key_vault: {{ name: kv1, permission_model: access_policies }}\nconnections:\n{API_KEY_CONNECTION}"
        ));
        assert_eq!(codes(&policies), [Code::SecretsBeforeVaultAccess]);
    }

    #[test]
    fn no_warning_when_the_spec_waits_or_nothing_is_stored_in_the_vault() {
        let waits = with_foundry(&format!(
            "key_vault: {{ name: kv1, wait_for_role: 60s }}\nconnections:\n{API_KEY_CONNECTION}"
        ));
        assert!(codes(&waits).is_empty(), "{:?}", diags(&waits));
        let aad = with_foundry(
            "key_vault: { name: kv1 }\nconnections:\n  - { name: search, category: CognitiveSearch, target: { resource: { type: Microsoft.Search/searchServices, name: s1 } }, auth: { type: AAD }, roles: [Search Index Data Reader] }",
        );
        assert!(codes(&aad).is_empty(), "{:?}", diags(&aad));
        let no_vault = with_foundry(&format!("connections:\n{API_KEY_CONNECTION}"));
        assert!(codes(&no_vault).is_empty(), "{:?}", diags(&no_vault));
    }

    #[test]
    fn the_vault_warning_offers_entra_id_only_where_the_category_takes_it() {
        let help = |connections: &str| {
            let spec = with_foundry(&format!(
                "key_vault: {{ name: kv1 }}\nconnections:\n{connections}"
            ));
            let d = diags(&spec);
            assert_eq!(codes(&spec), [Code::SecretsBeforeVaultAccess], "{d:?}");
            d[0].help.clone().unwrap()
        };
        // App Insights takes only ApiKey, and a URL target gets no roles.
        let appi = "  - { name: appi, category: AppInsights, target: { resource: { type: Microsoft.Insights/components, name: appi1 } }, auth: { type: ApiKey, key: { secret: appiKey } } }";
        assert_eq!(help(appi), "add `wait_for_role: 60s` under `key_vault`");
        assert_eq!(
            help(API_KEY_CONNECTION),
            "add `wait_for_role: 60s` under `key_vault`"
        );
        let search = "  - { name: search, category: CognitiveSearch, target: { resource: { type: Microsoft.Search/searchServices, name: s1 } }, auth: { type: ApiKey, key: { secret: searchKey } } }";
        assert_eq!(
            help(&format!("{appi}\n{search}")),
            "add `wait_for_role: 60s` under `key_vault`, or switch `search` to `type: AAD` with `roles:` on the target (nothing stored in the vault)"
        );
        let blob = search
            .replace("name: search,", "name: docs,")
            .replace("CognitiveSearch", "AzureBlob")
            .replace(
                "Microsoft.Search/searchServices",
                "Microsoft.Storage/storageAccounts",
            )
            .replace("name: s1", "name: store1")
            .replace("searchKey", "docsKey")
            .replace("ApiKey", "AccountKey");
        assert!(
            help(&format!("{search}\n{blob}"))
                .contains("switch `search` and `docs` to `type: AAD`")
        );
    }

    #[test]
    fn an_unknown_auth_type_gets_its_own_error_and_no_vault_warning() {
        let spec = with_foundry(&format!(
            "key_vault: {{ name: kv1 }}\nconnections:\n{}",
            API_KEY_CONNECTION.replace("type: ApiKey, key: { secret: webKey }", "type: aad")
        ));
        assert_eq!(codes(&spec), [Code::UnknownAuthType], "{:?}", diags(&spec));
    }

    #[test]
    fn a_listed_key_vault_connection_points_at_the_block_to_wait() {
        let spec = with_foundry(&format!(
            "connections:\n  - {{ name: vault, category: AzureKeyVault, target: {{ resource: {{ type: Microsoft.KeyVault/vaults, name: kv1 }} }}, auth: {{ type: AccountManagedIdentity }} }}\n{API_KEY_CONNECTION}\n{}",
            API_KEY_CONNECTION
                .replace("name: web", "name: web2")
                .replace("webKey", "web2Key")
        ));
        let d = diags(&spec);
        assert_eq!(codes(&spec), [Code::SecretsBeforeVaultAccess], "{d:?}");
        assert!(
            d[0].message.contains("(and 1 more connection)"),
            "{}",
            d[0].message
        );
        assert_eq!(d[0].related.len(), 1);
        assert!(
            d[0].help
                .as_deref()
                .unwrap()
                .contains("the `key_vault` block"),
            "{:?}",
            d[0].help
        );
    }

    #[test]
    fn refuses_purge_on_delete_on_an_existing_foundry() {
        let d = diags(&with_foundry("existing: true\npurge_on_delete: true"));
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].code, Code::CreatedOnlyOnExisting);
        assert_eq!(d[0].path.to_string(), "foundries[0].purge_on_delete");
        assert!(codes(&with_foundry("purge_on_delete: true")).is_empty());
        assert!(codes(&with_foundry("existing: true\npurge_on_delete: false")).is_empty());
    }

    #[test]
    fn warns_on_key_vault_for_existing_foundry() {
        let d = diags(&with_foundry("existing: true\nkey_vault: { name: kv1 }"));
        assert_eq!(d[0].code, Code::KeyVaultOnExistingAccount);
        assert!(!d[0].is_error());
    }

    #[test]
    fn accepts_existing_foundry_in_another_resource_group() {
        assert_eq!(
            codes(&with_foundry("existing: true\nresource_group: rg1")),
            []
        );
    }

    #[test]
    fn rejects_two_accounts_with_one_subdomain() {
        let text = "version: 1\nname: t\nlocation: eastus2\nfoundries:\n  - name: a-one\n    custom_subdomain: shared\n  - name: a-two\n    custom_subdomain: shared\n";
        let d = super::super::tests::diags(text);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].code, Code::ConflictingResources);
        assert_eq!(d[0].related[0].span.line, 6);
    }

    #[test]
    fn rejects_scope_on_created_foundry() {
        assert_eq!(
            codes(&with_foundry("resource_group: rg1")),
            [Code::ScopeOnCreatedResource]
        );
    }
}
