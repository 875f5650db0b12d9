//! Validation, Agent Service capability hosts: the account's and each project's block — names,
//! the connections a project's names (its own, of the slot's category, the three storage ones
//! with Entra ID and all three or none), the roles it grants, its wait.

use super::{category_of, connections_of, foundries};
use crate::catalog::{self, CAPABILITY_HOST_SLOTS};
use crate::diagnostics::{Code, Diagnostic, SpecPath, did_you_mean};
use crate::spec::tree::Node;

pub(super) fn check(root: &Node, out: &mut Vec<Diagnostic>) {
    for (fpath, f) in foundries(root) {
        let existing = f.get_bool("existing").unwrap_or(false);
        let account_block = f.get("capability_host").filter(|c| c.as_map().is_some());
        if let Some(ch) = account_block {
            check_name(ch, &fpath.key("capability_host"), out);
        }
        let conns: Vec<(SpecPath, &Node)> = connections_of(&fpath, f).collect();
        // Where the foundry's projects live: its own resource group when it exists elsewhere.
        let home = if existing {
            (
                f.get_str("subscription").map(str::to_string),
                f.get_str("resource_group").map(str::to_string),
            )
        } else {
            (None, None)
        };
        for (pi, p) in f.get_seq("projects").iter().enumerate() {
            let Some(ch) = p.get("capability_host").filter(|c| c.as_map().is_some()) else {
                continue;
            };
            let pname = p.get_str("name").unwrap_or("?");
            let chpath = fpath.key("projects").index(pi).key("capability_host");
            check_name(ch, &chpath, out);
            if let Some(w) = ch.get("wait_for_role") {
                super::foundry::check_duration(w, chpath.key("wait_for_role"), out);
            }
            if existing && account_block.is_none() {
                out.push(
                    Diagnostic::warning(
                        Code::AccountCapabilityHostUnstated,
                        chpath.clone(),
                        p.key_node("capability_host").map_or(ch.span, |k| k.span),
                        format!(
                            "project `{pname}` gets a capability host under existing account `{}`, whose own capability host the spec does not name",
                            f.get_str("name").unwrap_or("?")
                        ),
                    )
                    .with_help("if the account has none (`az rest --method get --url <account id>/capabilityHosts?api-version=2026-07-01`), add `capability_host: { name: <name> }` to the foundry; the README's Agent Service section says when"),
                );
            }
            let grant = ch.get_bool("grant_roles").unwrap_or(true);
            // The wait follows the roles granted before the capability host: without them there
            // is nothing to wait for, and the model writes no wait.
            let storage = CAPABILITY_HOST_SLOTS
                .iter()
                .any(|s| s.storage && ch.get(s.key).is_some());
            if let Some(w) = ch.get("wait_for_role")
                && (!grant || !storage)
            {
                let why = if grant {
                    "no storage connections, so no roles are granted before it"
                } else {
                    "`grant_roles: false`, so no roles are granted before it"
                };
                out.push(
                    Diagnostic::warning(
                        Code::WaitForNothing,
                        chpath.key("wait_for_role"),
                        ch.key_node("wait_for_role").map_or(w.span, |k| k.span),
                        format!("`wait_for_role` waits for nothing: the capability host of `{pname}` has {why}"),
                    )
                    .with_help("remove `wait_for_role`; roles you grant yourself take effect before you deploy the capability host"),
                );
            }
            let mut given = Vec::new();
            for slot in CAPABILITY_HOST_SLOTS {
                let Some(v) = ch.get(slot.key) else { continue };
                let Some(name) = v.as_str() else { continue };
                let path = chpath.key(slot.key);
                if slot.storage {
                    given.push(slot.key);
                }
                let Some((cp, c)) = conns.iter().find(|(_, c)| {
                    c.get_str("name")
                        .is_some_and(|n| n.eq_ignore_ascii_case(name))
                }) else {
                    let own = conns
                        .iter()
                        .filter(|(_, c)| c.get_str("project") == Some(pname))
                        .filter_map(|(_, c)| c.get_str("name"));
                    let help = match did_you_mean(name, own) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!(
                            "add a connection with `project: {pname}` under `connections:` and name it here"
                        ),
                    };
                    out.push(
                        Diagnostic::error(
                            Code::UnknownCapabilityHostConnection,
                            path,
                            v.span,
                            format!("capability host of project `{pname}` names unknown connection `{name}`"),
                        )
                        .with_help(help),
                    );
                    continue;
                };
                match c.get_str("project") {
                    Some(p2) if p2 == pname => {}
                    other => {
                        let whose = match other {
                            Some(p2) => format!("a connection of project `{p2}`"),
                            None => "an account-level connection".to_string(),
                        };
                        out.push(
                            Diagnostic::error(
                                Code::UnknownCapabilityHostConnection,
                                path,
                                v.span,
                                format!("capability host of project `{pname}` names `{name}`, {whose}"),
                            )
                            .with_help(format!(
                                "a capability host uses its own project's connections: give `{name}` `project: {pname}`, or add one to `{pname}`"
                            )),
                        );
                        continue;
                    }
                }
                let category = category_of(c);
                if let Some(cat) = category
                    && !slot.categories.contains(&cat)
                {
                    let wanted = slot
                        .categories
                        .iter()
                        .map(|c| format!("`{c}`"))
                        .collect::<Vec<_>>()
                        .join(" or ");
                    let fits: Vec<&str> = conns
                        .iter()
                        .filter(|(_, o)| o.get_str("project") == Some(pname))
                        .filter(|(_, o)| {
                            category_of(o).is_some_and(|k| slot.categories.contains(&k))
                        })
                        .filter_map(|(_, o)| o.get_str("name"))
                        .collect();
                    let help = match fits.first() {
                        Some(n) => format!(
                            "`{}: {n}` names one: its category is {wanted}, in `{pname}`",
                            slot.key
                        ),
                        None => format!("name a connection of category {wanted} of `{pname}`"),
                    };
                    out.push(
                        Diagnostic::error(
                            Code::CapabilityHostConnectionCategory,
                            path.clone(),
                            v.span,
                            format!(
                                "`{}` names connection `{name}` of category `{cat}`, and {} needs one of category {wanted}",
                                slot.key, slot.what
                            ),
                        )
                        .with_help(help),
                    );
                    continue;
                }
                let auth = c.get("auth").and_then(|a| a.get("type"));
                let auth_type = auth.and_then(Node::as_str);
                // An auth type the category refuses has its own error (FG031): one per problem.
                let category_takes = |t: &str| {
                    category
                        .and_then(crate::category::rule)
                        .is_none_or(|r| r.auth.contains(&t))
                };
                if slot.storage
                    && let Some(t) = auth_type
                    && t != "AAD"
                    && category_takes(t)
                {
                    out.push(
                        Diagnostic::error(
                            Code::CapabilityHostConnectionAuth,
                            cp.key("auth").key("type"),
                            auth.map_or(c.span, |a| a.span),
                            format!(
                                "connection `{name}` is {} of project `{pname}`'s capability host, which reaches it with the project's Entra ID identity, but it signs in with `{t}`",
                                slot.what
                            ),
                        )
                        .with_help(format!("`type: {t}` → `type: AAD`")),
                    );
                }
                let target = c.get("target");
                let is_resource = target
                    .is_some_and(|t| t.get("resource").is_some() || t.get("resource_id").is_some());
                if slot.storage
                    && grant
                    && !is_resource
                    && target.is_some_and(|t| t.get("url").is_some())
                {
                    out.push(
                        Diagnostic::error(
                            Code::CapabilityHostRoleNeedsResource,
                            cp.key("target"),
                            target.map_or(c.span, |t| t.span),
                            format!(
                                "capability host of project `{pname}` grants roles on the target of `{name}`, which is a URL"
                            ),
                        )
                        .with_help(format!(
                            "target the resource with `target.resource`, or set `grant_roles: false` under `{}`",
                            chpath
                        )),
                    );
                }
                let after_roles = matches!(slot.key, "thread_storage" | "file_storage");
                if after_roles
                    && grant
                    && let Some(t) = target
                    && target_scope(t) != home
                {
                    out.push(
                        Diagnostic::error(
                            Code::CapabilityHostRolesElsewhere,
                            cp.key("target"),
                            t.span,
                            format!(
                                "connection `{name}` is {} of project `{pname}`'s capability host, in another resource group than the project: foundrygen cannot write the roles granted after the capability host there yet",
                                slot.what
                            ),
                        )
                        .with_help(format!(
                            "use a {} in the project's resource group, or set `grant_roles: false` under `{chpath}` and grant the roles yourself (README, Agent Service)",
                            slot.categories[0]
                        )),
                    );
                }
                if !slot.storage && auth_type == Some("AAD") {
                    let roles = c.get_seq("roles");
                    if roles.is_empty() {
                        out.push(
                            Diagnostic::warning(
                                Code::AiServicesWithoutRole,
                                cp.key("auth").key("type"),
                                auth.map_or(c.span, |a| a.span),
                                format!(
                                    "connection `{name}` gives project `{pname}`'s agents their models with the project's Entra ID identity, but grants that identity no role on its target"
                                ),
                            )
                            .with_help("add `roles: [Cognitive Services OpenAI User]` to the connection"),
                        );
                    }
                }
            }
            if !given.is_empty() && given.len() < 3 {
                let missing: Vec<String> = CAPABILITY_HOST_SLOTS
                    .iter()
                    .filter(|s| s.storage && !given.contains(&s.key))
                    .map(|s| format!("`{}`", s.key))
                    .collect();
                out.push(
                    Diagnostic::error(
                        Code::PartialCapabilityHostStorage,
                        chpath.clone(),
                        p.key_node("capability_host").map_or(ch.span, |k| k.span),
                        format!(
                            "capability host of project `{pname}` names {} of its three storage connections",
                            given.len()
                        ),
                    )
                    .with_help(format!(
                        "add {} (the standard setup), or remove the others for Microsoft-managed storage (the basic setup)",
                        missing.join(" and ")
                    )),
                );
            }
        }
    }
}

/// Connection names the thread storage of a capability host in `foundry` names while it grants
/// its roles: the data-plane role the capability host grants counts for FG045.
pub(super) fn granted_thread_storage(foundry: &Node) -> Vec<String> {
    foundry
        .get_seq("projects")
        .iter()
        .filter_map(|p| p.get("capability_host"))
        .filter(|ch| ch.get_bool("grant_roles").unwrap_or(true))
        .filter_map(|ch| ch.get_str("thread_storage"))
        .map(str::to_ascii_lowercase)
        .collect()
}

/// The subscription and resource group of a connection's resource target, as the model keys
/// them (a resource id names both).
fn target_scope(target: &Node) -> (Option<String>, Option<String>) {
    if let Some(r) = target.get("resource") {
        return (
            r.get_str("subscription").map(str::to_string),
            r.get_str("resource_group").map(str::to_string),
        );
    }
    match target
        .get_str("resource_id")
        .and_then(crate::category::parse_target_id)
    {
        Some(p) => (Some(p.subscription), Some(p.resource_group)),
        None => (None, None),
    }
}

fn check_name(ch: &Node, path: &SpecPath, out: &mut Vec<Diagnostic>) {
    let Some(n) = ch.get("name") else { return };
    let Some(name) = n.as_str() else { return };
    if !catalog::is_capability_host_name(name) {
        out.push(
            Diagnostic::error(
                Code::InvalidCapabilityHostName,
                path.key("name"),
                n.span,
                format!("capability host name `{name}` breaks Azure's rules"),
            )
            .with_help("1–255 letters, digits, `-` and `_`, starting with a letter or digit"),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnostics::Code;

    /// The codes of a snippet, less FG045 of the connections a case leaves unnamed.
    fn codes(text: &str) -> Vec<Code> {
        crate::validate::tests::codes(text)
            .into_iter()
            .filter(|c| *c != Code::MissingDataPlaneRole)
            .collect()
    }

    fn spec(account: &str, ch: &str, conns: &str) -> String {
        format!(
            "version: 1\nname: t\nlocation: eastus2\nfoundries:\n  - name: f1\n{account}    projects:\n      - name: p1\n        capability_host: {ch}\n      - name: p2\n    connections:\n{conns}"
        )
    }

    const STORAGE: &str = "      - { name: threads, project: p1, category: CosmosDb, target: { resource: { type: Microsoft.DocumentDB/databaseAccounts, name: cosmos1 } }, auth: { type: AAD } }\n      - { name: vectors, project: p1, category: CognitiveSearch, target: { resource: { type: Microsoft.Search/searchServices, name: search1 } }, auth: { type: AAD } }\n      - { name: files, project: p1, category: AzureStorageAccount, target: { resource: { type: Microsoft.Storage/storageAccounts, name: storage1 } }, auth: { type: AAD } }\n";

    #[test]
    fn accepts_the_standard_and_the_basic_setup() {
        let standard = spec(
            "    capability_host: { name: acct-caphost }\n",
            "{ thread_storage: threads, vector_store: vectors, file_storage: files, wait_for_role: 60s }",
            STORAGE,
        );
        // Its thread storage gets its data-plane role from the capability host: no FG045.
        assert_eq!(crate::validate::tests::codes(&standard), []);
        assert_eq!(codes(&spec("", "{}", STORAGE)), []);
    }

    /// A wait with no roles before it waits for nothing: a warning, with or without storage.
    #[test]
    fn warns_about_a_wait_with_no_roles_before_it() {
        let account = "    capability_host: { name: acct-caphost }\n";
        for ch in [
            "{ thread_storage: threads, vector_store: vectors, file_storage: files, grant_roles: false, wait_for_role: 30s }",
            "{ wait_for_role: 30s }",
        ] {
            assert_eq!(
                codes(&spec(account, ch, STORAGE)),
                [Code::WaitForNothing],
                "{ch}"
            );
        }
    }

    #[test]
    fn rejects_unknown_foreign_and_miscategorised_connections() {
        let conns = format!(
            "{STORAGE}      - {{ name: other, project: p2, category: CosmosDb, target: {{ resource: {{ type: Microsoft.DocumentDB/databaseAccounts, name: cosmos1 }} }}, auth: {{ type: AAD }} }}\n"
        );
        let c = codes(&spec(
            "",
            "{ thread_storage: other, vector_store: vectorz, file_storage: threads }",
            &conns,
        ));
        assert_eq!(
            c,
            [
                Code::UnknownCapabilityHostConnection,
                Code::UnknownCapabilityHostConnection,
                Code::CapabilityHostConnectionCategory
            ]
        );
    }

    #[test]
    fn wants_all_three_storage_connections_with_entra_id() {
        assert_eq!(
            codes(&spec(
                "",
                "{ thread_storage: threads, vector_store: vectors }",
                STORAGE
            )),
            [Code::PartialCapabilityHostStorage]
        );
        let keyed = STORAGE.replace(
            "name: search1 } }, auth: { type: AAD }",
            "name: search1 } }, auth: { type: ApiKey, key: { secret: k } }",
        );
        assert!(
            codes(&spec(
                "",
                "{ thread_storage: threads, vector_store: vectors, file_storage: files }",
                &keyed
            ))
            .contains(&Code::CapabilityHostConnectionAuth)
        );
    }

    #[test]
    fn checks_names_and_warns_on_an_ai_services_connection_without_a_role() {
        let conns = format!(
            "{STORAGE}      - {{ name: aoai, project: p1, category: AzureOpenAI, target: {{ resource: {{ type: Microsoft.CognitiveServices/accounts, name: aoai1 }} }}, auth: {{ type: AAD }} }}\n"
        );
        assert_eq!(
            codes(&spec(
                "    capability_host: { name: -bad }\n",
                "{ name: 'a.b', ai_services: aoai }",
                &conns
            )),
            [
                Code::InvalidCapabilityHostName,
                Code::InvalidCapabilityHostName,
                Code::AiServicesWithoutRole
            ]
        );
    }

    #[test]
    fn warns_under_an_existing_account_without_its_block() {
        let text = "version: 1\nname: t\nlocation: eastus2\nfoundries:\n  - name: f1\n    existing: true\n    projects:\n      - { name: p1, capability_host: {} }\n";
        assert_eq!(codes(text), [Code::AccountCapabilityHostUnstated]);
        let with = text.replace(
            "    projects:",
            "    capability_host: { name: acct }\n    projects:",
        );
        assert_eq!(codes(&with), []);
    }
}
