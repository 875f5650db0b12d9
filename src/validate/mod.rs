//! Validation: walks the positioned YAML tree and collects every problem — structure first, then
//! one file per rule family — as diagnostics sorted by line. `lib::generate` decodes the typed spec
//! only when no error is left.

mod capability_hosts;
mod connections;
pub mod deployments;
pub mod foundry;
mod gateway;
pub mod names;
mod resources;
pub mod structure;

use std::collections::HashSet;

use crate::diagnostics::{self, Code, Diagnostic, SpecPath};
use crate::spec::tree::{Node, Value};

/// Checks a parsed spec and returns every error and warning, sorted by position.
pub fn check(root: &Node) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let path = SpecPath::root();
    if root.as_map().is_none() {
        let (message, help) = match root.value {
            Value::Null => (
                "the spec is empty".to_string(),
                "a spec starts with `version: 1`, `name`, `location` and `foundries`",
            ),
            _ => (
                format!("a spec is a mapping, found {}", root.kind_name()),
                "write keys at the top level: `version: 1`, `name`, `location`, `foundries`",
            ),
        };
        out.push(Diagnostic::error(Code::WrongType, path, root.span, message).with_help(help));
        return out;
    }
    // The rules that read keys see typos spelled right: the unknown-key error of the structure
    // check is the one report of a typo.
    let meant;
    let meant_root = if structure::has_typos(root, &structure::SPEC) {
        meant = structure::with_typos_corrected(root, &structure::SPEC);
        &meant
    } else {
        root
    };
    let created = Created::of(meant_root);
    // Structure, then the connection and gateway rules (about half of the work)...
    let structure_and_connections = || {
        let mut structure = Vec::new();
        structure::check(root, &structure::SPEC, &path, &mut structure);
        let mut connection_rules = Vec::new();
        connections::check(meant_root, &created, &mut connection_rules);
        gateway::check(meant_root, &mut connection_rules);
        (structure, connection_rules)
    };
    // ...and the other half: the version and the other rule families.
    let mut before = Vec::new();
    let mut after = Vec::new();
    let mut the_rest = || {
        if let Some(v) = root.get("version")
            && let Value::Int(n) = v.value
            && n != 1
        {
            before.push(
                Diagnostic::error(
                    Code::UnsupportedVersion,
                    path.key("version"),
                    v.span,
                    format!("spec version {n} is not supported"),
                )
                .with_help("this foundrygen reads `version: 1`"),
            );
        }
        names::check(meant_root, &created, &mut before);
        foundry::check(meant_root, &mut before);
        deployments::check(meant_root, &mut before);
        resources::check(meant_root, &mut after);
        capability_hosts::check(meant_root, &mut after);
    };
    // A large spec is checked on both cores. Each half collects its own diagnostics, and they are
    // joined in the order one thread produces them, so the (stable) sort sees the same list.
    let (structure, connection_rules) = if connection_count(root) >= PARALLEL_FROM_CONNECTIONS {
        std::thread::scope(|scope| {
            let second = scope.spawn(structure_and_connections);
            the_rest();
            second
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    } else {
        let halves = structure_and_connections();
        the_rest();
        halves
    };
    out.extend(structure);
    out.extend(before);
    out.extend(connection_rules);
    out.extend(after);
    diagnostics::sort(&mut out);
    out.dedup();
    out
}

/// From this many connections on, validation runs on two threads: below it a thread costs more
/// than it saves (a small spec validates in a fraction of a millisecond).
const PARALLEL_FROM_CONNECTIONS: usize = 500;

/// How many connections the spec lists, over all foundries.
fn connection_count(root: &Node) -> usize {
    root.get_seq("foundries")
        .iter()
        .map(|f| f.get_seq("connections").len())
        .sum()
}

/// Iterates the foundries with their paths.
fn foundries(root: &Node) -> impl Iterator<Item = (SpecPath, &Node)> {
    root.get_seq("foundries")
        .iter()
        .enumerate()
        .filter(|(_, f)| f.as_map().is_some())
        .map(|(i, f)| (SpecPath::root().key("foundries").index(i), f))
}

/// Iterates a foundry's connections (mappings only) with their paths.
fn connections_of<'a>(
    fpath: &SpecPath,
    foundry: &'a Node,
) -> impl Iterator<Item = (SpecPath, &'a Node)> {
    let base = fpath.key("connections");
    foundry
        .get_seq("connections")
        .iter()
        .enumerate()
        .filter(|(_, c)| c.as_map().is_some())
        .map(move |(i, c)| (base.index(i), c))
}

/// The resources `resources:` creates, by [`crate::spec::resource_key`]: built once per check, so
/// that telling whether a reference (a connection target, a `key_vault`) names one of them is one
/// lookup rather than a pass over every entry for each reference.
struct Created(HashSet<String>);

impl Created {
    /// The keys of the entries of `resources:` whose type foundrygen creates.
    fn of(root: &Node) -> Created {
        Created(
            root.get_seq("resources")
                .iter()
                .filter_map(|r| {
                    let (ty, n) = (r.get_str("type")?, r.get_str("name")?);
                    crate::catalog::created_type(ty)?;
                    Some(crate::spec::resource_key(
                        ty,
                        r.get_str("subscription"),
                        r.get_str("resource_group"),
                        n,
                    ))
                })
                .collect(),
        )
    }

    /// Whether an entry of `resources:` creates the resource a reference names. That entry
    /// reports a name breaking its type's rule, so the reference does not report it a second
    /// time.
    fn contains(
        &self,
        resource_type: &str,
        subscription: Option<&str>,
        resource_group: Option<&str>,
        name: &str,
    ) -> bool {
        !self.0.is_empty()
            && self.0.contains(&crate::spec::resource_key(
                resource_type,
                subscription,
                resource_group,
                name,
            ))
    }
}

/// The canonical category of a connection node, when it has a known one.
fn category_of(conn: &Node) -> Option<&'static str> {
    conn.get_str("category")
        .and_then(crate::catalog::canonical_category)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::spec::{Source, load};

    /// Validates a snippet and returns its diagnostics.
    pub fn diags(text: &str) -> Vec<Diagnostic> {
        let (root, mut d) = load::parse_tree(&Source::new("t.yaml", text)).expect("yaml");
        d.extend(check(&root));
        diagnostics::sort(&mut d);
        d
    }

    /// The codes of a snippet's diagnostics.
    pub fn codes(text: &str) -> Vec<Code> {
        diags(text).into_iter().map(|d| d.code).collect()
    }

    /// A minimal valid spec with `body` appended under the first foundry (indented by 4).
    pub fn with_foundry(body: &str) -> String {
        let mut s = String::from(
            "version: 1\nname: t\nlocation: eastus2\nfoundries:\n  - name: contoso-foundry\n",
        );
        for line in body.lines() {
            s.push_str("    ");
            s.push_str(line);
            s.push('\n');
        }
        s
    }

    #[test]
    fn yaml_1_1_booleans_and_merge_keys_get_a_help_that_says_what_yaml_1_2_reads() {
        let help_of = |text: &str, code: Code| {
            diags(text)
                .into_iter()
                .find(|d| d.code == code)
                .and_then(|d| d.help)
                .unwrap_or_default()
        };
        for (word, means) in [("yes", "true"), ("Off", "false"), ("n", "false")] {
            let help = help_of(&with_foundry(&format!("existing: {word}")), Code::WrongType);
            assert!(
                help.contains(&format!("`{word}` is a string, not a boolean"))
                    && help.ends_with(&format!("write `{means}`")),
                "{word}: {help}"
            );
        }
        // A string that is no boolean in any YAML gets no such help.
        let help = help_of(&with_foundry("existing: maybe"), Code::WrongType);
        assert!(!help.contains("YAML 1.2"), "{help}");
        let help = help_of(
            &with_foundry("projects:\n  - <<: { name: p }\n    name: p"),
            Code::UnknownKey,
        );
        assert!(help.starts_with("YAML merge keys"), "{help}");
    }

    #[test]
    fn a_lone_string_where_a_mapping_or_list_belongs_gets_the_shape_to_write() {
        let d = diags(&with_foundry(
            "key_vault: qs-kv\nconnections:\n  - { name: web, category: CognitiveSearch, target: 'https://x.search.windows.net', auth: { type: AAD }, roles: Reader }",
        ));
        let helps: Vec<_> = d
            .iter()
            .map(|d| (d.code, d.help.clone().unwrap_or_default()))
            .collect();
        assert_eq!(
            helps,
            [
                (
                    Code::WrongType,
                    "write `key_vault: { name: qs-kv }`".to_string()
                ),
                (
                    Code::WrongType,
                    "write `target: { url: https://x.search.windows.net }`".to_string()
                ),
                (
                    Code::WrongType,
                    "write a list: `roles: [Reader]`".to_string()
                ),
            ]
        );
    }

    #[test]
    fn a_lone_string_as_a_list_item_gets_an_item_of_the_right_shape() {
        let helps = |text: &str| {
            diags(text)
                .into_iter()
                .filter(|d| d.code == Code::WrongType)
                .map(|d| d.help.unwrap_or_default())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            helps(
                "version: 1\nname: t\nlocation: eastus2\nresources:\n  - Microsoft.Search/searchServices\n  - ab-search\nfoundries:\n  - contoso-foundry\n"
            ),
            [
                "write a list item `- { type: Microsoft.Search/searchServices, name: <name> }`",
                "write a list item `- { type: <type>, name: ab-search }`",
                "write a list item `- { name: contoso-foundry }`",
            ]
        );
        assert_eq!(
            helps(&with_foundry(
                "projects:\n  - research\ndeployments:\n  - gpt-4o\nconnections:\n  - search"
            )),
            [
                "write a list item `- { name: research }`",
                "write a list item `- { name: gpt-4o, model: { name: <name> }, sku: { name: <name> } }`",
                "write a list item `- { name: search, category: <category>, target: <target>, auth: { type: <type> } }`",
            ]
        );
    }

    #[test]
    fn a_missing_type_of_a_created_resource_lists_the_types() {
        let d = diags(
            "version: 1\nname: t\nlocation: eastus2\nresources:\n  - { name: ab-search }\nfoundries:\n  - name: contoso-foundry\n",
        );
        let missing = d.iter().find(|d| d.code == Code::MissingKey).unwrap();
        assert_eq!(
            missing.help.as_deref(),
            Some(
                "add `type:` with one of `Microsoft.Search/searchServices`, `Microsoft.Storage/storageAccounts`, `Microsoft.DocumentDB/databaseAccounts`, `Microsoft.KeyVault/vaults`, `Microsoft.OperationalInsights/workspaces`, `Microsoft.Insights/components`, `Microsoft.CognitiveServices/accounts`"
            )
        );
    }

    #[test]
    fn an_integer_past_64_bits_is_out_of_range_not_a_number() {
        let d = diags(&with_foundry(
            "deployments:\n  - { name: gpt-4o, model: { name: gpt-4o, version: '2024-11-20', format: OpenAI }, sku: { name: GlobalStandard, capacity: 99999999999999999999 } }",
        ));
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].code, Code::InvalidValue);
        assert_eq!(d[0].message, "`capacity` is out of range");
        assert!(
            d[0].help
                .as_deref()
                .unwrap()
                .contains("9223372036854775807")
        );
        // A fraction is still the wrong type.
        let d = diags(&with_foundry(
            "deployments:\n  - { name: gpt-4o, model: { name: gpt-4o, version: '2024-11-20', format: OpenAI }, sku: { name: GlobalStandard, capacity: 1.5 } }",
        ));
        assert_eq!(d[0].code, Code::WrongType, "{d:?}");
    }

    #[test]
    fn every_duplicate_name_has_a_help() {
        let spec = "version: 1\nname: t\nlocation: eastus2\nresources:\n  - { type: Microsoft.Storage/storageAccounts, name: store1, containers: [docs, docs] }\n  - { type: Microsoft.DocumentDB/databaseAccounts, name: cosmos-one, databases: [agents, agents] }\n  - { type: Microsoft.CognitiveServices/accounts, name: aoai-one, kind: OpenAI, deployments: [{ name: d1, model: { name: gpt-4o, version: '1', format: OpenAI }, sku: { name: GlobalStandard } }, { name: d1, model: { name: gpt-4o, version: '1', format: OpenAI }, sku: { name: GlobalStandard } }] }\nfoundries:\n  - name: f-one\n    projects: [{ name: p1 }, { name: p1 }]\n    deployments:\n      - { name: d1, model: { name: gpt-4o, version: '1', format: OpenAI }, sku: { name: GlobalStandard } }\n      - { name: d1, model: { name: gpt-4o, version: '1', format: OpenAI }, sku: { name: GlobalStandard } }\n  - name: f-one\n";
        let d: Vec<_> = diags(spec)
            .into_iter()
            .filter(|d| d.code == Code::DuplicateName)
            .collect();
        assert_eq!(d.len(), 6, "{d:?}");
        for d in &d {
            assert!(d.help.is_some(), "{d:?}");
            assert_eq!(d.related.len(), 1, "{d:?}");
        }
    }

    #[test]
    fn a_misspelled_key_is_one_error_and_its_contents_still_count() {
        // `projetcs`: the connection's `project: research` finds its project, so no FG022.
        let spec = with_foundry(
            "projetcs:\n  - name: research\nconnections:\n  - { name: web, project: research, category: ApiKey, target: { url: 'https://a.example.com/' }, auth: { type: ApiKey, key: { secret: webKey } } }",
        );
        assert_eq!(codes(&spec), [Code::UnknownKey], "{:?}", diags(&spec));
        // A misspelled required key is not also missing.
        let spec = "version: 1\nnmae: t\nlocation: eastus2\nfoundries: []\n";
        assert_eq!(codes(spec), [Code::UnknownKey], "{:?}", diags(spec));
        // Rules still run inside the misspelled block, on what it holds.
        let spec = with_foundry("projetcs:\n  - name: _bad");
        assert_eq!(
            codes(&spec),
            [Code::UnknownKey, Code::InvalidProjectName],
            "{:?}",
            diags(&spec)
        );
    }

    /// `Created` knows the entries of `resources:` foundrygen creates, by type, group and name,
    /// case aside; an entry of a type it does not create names nothing.
    #[test]
    fn created_names_the_entries_of_resources() {
        let text = "version: 1\nname: t\nlocation: eastus2\nresources:\n  - { type: Microsoft.Search/searchServices, name: Srch-1, resource_group: rg-a }\n  - { type: Microsoft.Web/sites, name: site1 }\n  - { type: Microsoft.KeyVault/vaults, name: kv-one }\nfoundries: []\n";
        let (root, _) = load::parse_tree(&Source::new("t.yaml", text)).expect("yaml");
        let created = Created::of(&root);
        let search = "Microsoft.Search/searchServices";
        assert!(created.contains(search, None, Some("RG-A"), "srch-1"));
        assert!(created.contains(
            " microsoft.search/searchservices",
            None,
            Some("rg-a"),
            "SRCH-1"
        ));
        assert!(!created.contains(search, None, None, "srch-1"));
        assert!(!created.contains(search, Some("sub"), Some("rg-a"), "srch-1"));
        assert!(!created.contains("Microsoft.Web/sites", None, None, "site1"));
        assert!(created.contains("Microsoft.KeyVault/vaults", None, None, "KV-one"));
        assert!(
            !Created::of(
                &load::parse_tree(&Source::new("t.yaml", "version: 1\n"))
                    .unwrap()
                    .0
            )
            .contains("Microsoft.KeyVault/vaults", None, None, "kv-one")
        );
    }

    #[test]
    fn minimal_spec_is_valid() {
        assert_eq!(codes(&with_foundry("")), Vec::<Code>::new());
    }

    #[test]
    fn rejects_unknown_key_with_suggestion() {
        let d = diags(&with_foundry("projets: []"));
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].code, Code::UnknownKey);
        assert_eq!(d[0].path.0, "foundries[0].projets");
        assert_eq!(d[0].help.as_deref(), Some("did you mean `projects`?"));
    }

    #[test]
    fn rejects_wrong_version() {
        let d = diags("version: 2\nname: t\nlocation: x\nfoundries: []\n");
        assert!(d.iter().any(|d| d.code == Code::UnsupportedVersion));
    }

    #[test]
    fn rejects_missing_required_keys() {
        let d = diags("version: 1\nfoundries: []\n");
        let missing: Vec<_> = d
            .iter()
            .filter(|d| d.code == Code::MissingKey)
            .map(|d| d.path.0.as_str())
            .collect();
        assert_eq!(missing, ["location", "name"]);
    }

    #[test]
    fn rejects_wrong_types_with_quote_help() {
        let d = diags(&with_foundry("sku: 5"));
        assert_eq!(d[0].code, Code::WrongType);
        assert!(d[0].help.as_deref().unwrap().contains("quote"));
    }

    #[test]
    fn collects_every_problem_sorted_by_line() {
        let d = diags(&with_foundry("skuu: S0\nidentity: nobody\nexisting: maybe"));
        let lines: Vec<_> = d.iter().map(|d| d.span.unwrap().line).collect();
        assert_eq!(lines, [6, 7, 8]);
    }
}
