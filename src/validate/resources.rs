//! Created-resource rules (`resources:`): a type foundrygen can create, the keys that type takes,
//! Azure's naming rule and value ranges, one entry per Azure resource, the workspace of an App
//! Insights component, and what the spec's connections ask of each resource: a created vault
//! works with Azure RBAC, and a resource a connection reads a key of keeps its keys on. A resource
//! nothing uses is a warning.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::names::{check_location, check_scope, check_tags, name_rule};
use super::{connections_of, foundries};
use crate::catalog::{self, CreatedType};
use crate::category::parse_target_id;
use crate::diagnostics::{Code, Diagnostic, Span, SpecPath, did_you_mean};
use crate::spec::resource_key;
use crate::spec::tree::Node;

use crate::catalog::{ACCOUNT_KINDS, SEARCH_PARTITIONS};

/// Cosmos DB's rule for a new account is stricter than the 50 characters an existing one may
/// have (Learn's naming rules: 3–44).
const COSMOS_CREATED_MAX: usize = 44;

/// A created resource of the spec.
struct Created<'a> {
    path: SpecPath,
    node: &'a Node,
    ty: &'static CreatedType,
    name: &'a str,
}

/// Where the spec names a resource a connection or vault uses.
struct Use<'a> {
    /// The resource's key ([`resource_key`]).
    key: String,
    /// The place that names it (for related locations).
    path: SpecPath,
    span: Span,
    /// The target (or `key_vault` block) that names it, and its path.
    target: (SpecPath, Span),
    /// Whether it names the resource by `resource_id`.
    by_id: bool,
    /// The connection's auth type, when a connection reads the resource.
    auth: Option<&'a str>,
    /// Whether the connection reads a key of it (`from_target`).
    from_target: bool,
    /// The `key_vault` block naming it, for the permission-model rule.
    key_vault: Option<&'a Node>,
}

pub(super) fn check(root: &Node, out: &mut Vec<Diagnostic>) {
    let created = created_resources(root, out);
    if created.is_empty() {
        // Every rule below is about a created resource (the uses are read for them alone).
        return;
    }
    let uses = uses(root);
    let near = nearly_named(&created, &uses, out);
    // Each created resource looks up its uses, whether a component names it and whether a
    // foundry is it: indexed once, as a pass over every use (or foundry) for each resource made
    // the check quadratic in a spec with many of them.
    let mut uses_of: HashMap<&str, Vec<&Use>> = HashMap::new();
    for u in &uses {
        uses_of.entry(u.key.as_str()).or_default().push(u);
    }
    let named_workspaces = NamedWorkspaces::of(&created);
    let foundry_accounts = created_foundries(root);
    let mut seen: BTreeMap<String, (SpecPath, Span, String)> = BTreeMap::new();
    for c in &created {
        let key = key_of(c.node, c.ty, c.name);
        // A global name is one resource wherever it is written.
        let identity = if c.ty.global_name {
            format!("{}|{}", c.ty.resource_type, c.name.to_ascii_lowercase())
        } else {
            key.clone()
        };
        if let Some((p0, s0, k0)) = seen.get(&identity) {
            let (message, help) = if *k0 == key {
                (
                    format!("{} `{}` is in `resources:` twice", c.ty.what, c.name),
                    "keep one entry; a second would be the same Azure resource".to_string(),
                )
            } else {
                (
                    format!(
                        "{} `{}` is in `resources:` twice, in two resource groups or subscriptions",
                        c.ty.what, c.name
                    ),
                    format!(
                        "the name of {} is global: Azure has one `{}`; keep one entry, or give this one another name",
                        a(c.ty.what),
                        c.name
                    ),
                )
            };
            out.push(
                Diagnostic::error(
                    Code::ConflictingResources,
                    c.path.key("name"),
                    c.node.get("name").map_or(c.node.span, |n| n.span),
                    message,
                )
                .with_related(p0.clone(), *s0, "first here")
                .with_help(help),
            );
        } else {
            seen.insert(
                identity,
                (
                    c.path.key("name"),
                    c.node.get("name").map_or(c.node.span, |n| n.span),
                    key.clone(),
                ),
            );
        }
        check_values(c, out);
        if let Some(list) = c.node.get("deployments")
            && c.ty.keys.contains(&"deployments")
        {
            super::deployments::check_list(list, &c.path.key("deployments"), out);
        }
        let used: &[&Use] = uses_of.get(key.as_str()).map_or(&[], Vec::as_slice);
        let workspace_of = c.ty.resource_type == "Microsoft.OperationalInsights/workspaces"
            && named_workspaces.names(c.name);
        let foundry = same_as_a_foundry(&foundry_accounts, c, &key, out);
        // A target that nearly names it has its own diagnostic.
        if used.is_empty() && !workspace_of && !foundry && !near.contains(&key) {
            out.push(
                Diagnostic::warning(
                    Code::UnusedResource,
                    c.path.clone(),
                    c.node.span,
                    format!(
                        "{} `{}` is created but nothing in the spec uses it",
                        c.ty.what, c.name
                    ),
                )
                .with_help(
                    "point a connection's `target.resource` (or `key_vault`, or an App Insights `workspace`) at it, or remove it",
                ),
            );
        }
        local_auth(c, used, out);
        if c.ty.resource_type == "Microsoft.KeyVault/vaults" {
            for u in used {
                if let Some(kv) = u.key_vault
                    && let Some(node) = kv.get("access")
                    && node.as_str() == Some("existing")
                {
                    out.push(
                        Diagnostic::error(
                            Code::PermissionModelMismatch,
                            u.path.key("access"),
                            node.span,
                            format!("Key Vault `{}` is created by this spec, so the Foundry identity has no access to it yet", c.name),
                        )
                        .with_related(c.path.clone(), c.node.span, "created here")
                        .with_help("remove `access: existing`: the deployment grants the access on a vault it creates"),
                    );
                }
                if let Some(kv) = u.key_vault
                    && kv.get_str("permission_model") == Some("access_policies")
                {
                    let node = kv.get("permission_model").unwrap_or(kv);
                    out.push(
                        Diagnostic::error(
                            Code::PermissionModelMismatch,
                            u.path.key("permission_model"),
                            node.span,
                            format!("Key Vault `{}` is created by this spec, and a created vault uses Azure RBAC", c.name),
                        )
                        .with_related(c.path.clone(), c.node.span, "created here")
                        .with_help("remove `permission_model: access_policies`: a template that owns a vault's `accessPolicies` rewrites them on every redeploy, dropping each policy added since and leaving the Foundry identity without access until the `add` runs again; access policies stay for existing vaults"),
                    );
                }
            }
        }
    }
    workspaces(&created, out);
}

/// The foundries the spec creates, by the [`resource_key`] of their account: the first of each
/// name.
fn created_foundries(root: &Node) -> HashMap<String, (SpecPath, &Node)> {
    let mut by_key = HashMap::new();
    for (fpath, f) in foundries(root) {
        if f.get("existing").and_then(Node::as_bool) == Some(true) {
            continue;
        }
        if let Some(n) = f.get_str("name") {
            by_key
                .entry(resource_key(
                    "Microsoft.CognitiveServices/accounts",
                    None,
                    None,
                    n,
                ))
                .or_insert((fpath, f));
        }
    }
    by_key
}

/// A Cognitive Services account of `resources:` that a created foundry (itself a Cognitive
/// Services account) already creates: the two would be one Azure resource. Returns whether it is.
fn same_as_a_foundry(
    foundries: &HashMap<String, (SpecPath, &Node)>,
    c: &Created,
    key: &str,
    out: &mut Vec<Diagnostic>,
) -> bool {
    if c.ty.resource_type != "Microsoft.CognitiveServices/accounts" {
        return false;
    }
    let Some((fpath, f)) = foundries.get(key) else {
        return false;
    };
    let fname = f.get("name").unwrap_or(f);
    out.push(
        Diagnostic::error(
            Code::ConflictingResources,
            c.path.key("name"),
            c.node.get("name").map_or(c.node.span, |n| n.span),
            format!(
                "Cognitive Services account `{}` is also a foundry of this spec",
                c.name
            ),
        )
        .with_related(fpath.key("name"), fname.span, "the foundry creates it here")
        .with_help("a foundry is a Cognitive Services account: give this entry another name, or remove it and connect to the foundry's own deployments"),
    );
    true
}

/// Every well-formed entry of `resources:`; an unknown type is reported here.
fn created_resources<'a>(root: &'a Node, out: &mut Vec<Diagnostic>) -> Vec<Created<'a>> {
    let mut list = Vec::new();
    for (i, r) in root.get_seq("resources").iter().enumerate() {
        let path = SpecPath::root().key("resources").index(i);
        let (Some(ty), Some(name)) = (r.get_str("type"), r.get_str("name")) else {
            continue;
        };
        let Some(known) = catalog::created_type(ty) else {
            let tnode = r.get("type").unwrap_or(r);
            let names = catalog::CREATED_TYPES.iter().map(|t| t.resource_type);
            let help = match did_you_mean(ty, names) {
                Some(s) => format!("did you mean `{s}`?"),
                None if catalog::target_type(ty).is_some() => format!(
                    "foundrygen does not create `{ty}`; a connection can target an existing one with `target.resource`"
                ),
                None => format!(
                    "foundrygen creates {}",
                    catalog::CREATED_TYPES
                        .iter()
                        .map(|t| format!("`{}`", t.resource_type))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            out.push(
                Diagnostic::error(
                    Code::UnknownResourceType,
                    path.key("type"),
                    tnode.span,
                    format!("foundrygen cannot create a `{ty}`"),
                )
                .with_help(help),
            );
            continue;
        };
        list.push(Created {
            path,
            node: r,
            ty: known,
            name,
        });
    }
    list
}

fn key_of(node: &Node, ty: &CreatedType, name: &str) -> String {
    resource_key(
        ty.resource_type,
        node.get_str("subscription"),
        node.get_str("resource_group"),
        name,
    )
}

/// Keys, names and value ranges of one created resource.
fn check_values(c: &Created, out: &mut Vec<Diagnostic>) {
    let r = c.node;
    for key in catalog::CREATED_TYPE_KEYS {
        if let Some(k) = r.key_node(key)
            && !c.ty.keys.contains(key)
        {
            let owners: Vec<String> = catalog::CREATED_TYPES
                .iter()
                .filter(|t| t.keys.contains(key))
                .map(|t| a(t.what))
                .collect();
            out.push(
                Diagnostic::error(
                    Code::KeyNotForType,
                    c.path.key(key),
                    k.span,
                    format!("{} takes no `{key}`", a(c.ty.what)),
                )
                .with_help(format!(
                    "`{key}` is for {}; remove it here",
                    one_of(&owners)
                )),
            );
        }
    }
    for key in c.ty.required {
        if r.get(key).is_none() {
            out.push(
                Diagnostic::error(
                    Code::MissingKey,
                    c.path.key(key),
                    r.span,
                    format!("missing key `{key}` for the {} `{}`", c.ty.what, c.name),
                )
                .with_help(match *key {
                    "workspace" => "add `workspace: <a Log Analytics workspace in resources:, or its resource id>`: classic components are retired",
                    "kind" => "add `kind: OpenAI` or `kind: AIServices`",
                    _ => "add it",
                }),
            );
        }
    }
    if let Some(rule) = name_rule(c.ty.resource_type) {
        let n = r.get("name").unwrap_or(r);
        // A new Cosmos DB account's rule is stricter than the one `name_rule` states for
        // accounts that may predate it, so its help states the stricter one.
        let cosmos = c.ty.resource_type == "Microsoft.DocumentDB/databaseAccounts";
        let too_long = cosmos && c.name.len() > COSMOS_CREATED_MAX;
        if !(rule.valid)(c.name) || too_long {
            out.push(
                Diagnostic::error(
                    Code::InvalidName,
                    c.path.key("name"),
                    n.span,
                    format!("{} name `{}` breaks Azure's rules", rule.what, c.name),
                )
                .with_help(if cosmos {
                    "a new Cosmos DB account takes 3–44 lowercase letters, digits and hyphens, starting and ending with a letter or digit"
                } else {
                    rule.help
                }),
            );
        }
    }
    if let Some(n) = r.get("location") {
        check_location(n, &c.path.key("location"), out);
    }
    check_scope(r, &c.path, out);
    check_tags(r, &c.path, out);
    if let Some(n) = r.get("sku")
        && let Some(s) = n.as_str()
        && !c.ty.skus.is_empty()
        && !c.ty.skus.contains(&s)
    {
        out.push(
            Diagnostic::error(
                Code::InvalidValue,
                c.path.key("sku"),
                n.span,
                format!("`{s}` is not {} SKU", a(c.ty.what)),
            )
            .with_help(match did_you_mean(s, c.ty.skus.iter().copied()) {
                Some(d) => format!("did you mean `{d}`?"),
                None => format!(
                    "use one of {}",
                    c.ty.skus
                        .iter()
                        .map(|s| format!("`{s}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }),
        );
    }
    let int = |key: &str| {
        r.get(key).and_then(|n| match n.value {
            crate::spec::tree::Value::Int(i) => Some((i, n)),
            _ => None,
        })
    };
    let mut range = |key: &str, ok: &dyn Fn(i64) -> bool, help: &str| {
        if let Some((v, n)) = int(key)
            && !ok(v)
        {
            out.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    c.path.key(key),
                    n.span,
                    format!("`{key}: {v}` is out of range for {}", a(c.ty.what)),
                )
                .with_help(help.to_string()),
            );
        }
    };
    range("replicas", &|v| (1..=12).contains(&v), "use 1–12 replicas");
    range(
        "partitions",
        &|v| SEARCH_PARTITIONS.contains(&v),
        "use 1, 2, 3, 4, 6 or 12 partitions",
    );
    range(
        "soft_delete_days",
        &|v| (7..=90).contains(&v),
        "use 7–90 days; Azure fixes the value once the vault exists",
    );
    range(
        "retention_days",
        &|v| (30..=730).contains(&v),
        "use 30–730 days",
    );
    if c.ty.resource_type == "Microsoft.Search/searchServices" {
        search_tier(c, out);
    }
    if let Some(n) = r.get("kind")
        && let Some(s) = n.as_str()
        && !ACCOUNT_KINDS.contains(&s)
    {
        out.push(
            Diagnostic::error(
                Code::InvalidValue,
                c.path.key("kind"),
                n.span,
                format!("`{s}` is not a kind foundrygen creates"),
            )
            .with_help(match did_you_mean(s, ACCOUNT_KINDS.iter().copied()) {
                Some(d) => format!("did you mean `{d}`?"),
                None => "use `OpenAI` or `AIServices`".to_string(),
            }),
        );
    }
    for list in ["containers", "databases"] {
        let mut names: BTreeMap<String, (SpecPath, Span)> = BTreeMap::new();
        for (i, n) in r.get_seq(list).iter().enumerate() {
            let Some(s) = n.as_str() else { continue };
            let p = c.path.key(list).index(i);
            let ok = if list == "containers" {
                valid_container_name(s)
            } else {
                valid_database_name(s)
            };
            if !ok {
                out.push(
                    Diagnostic::error(
                        Code::InvalidName,
                        p.clone(),
                        n.span,
                        format!(
                            "{} name `{s}` breaks Azure's rules",
                            if list == "containers" { "container" } else { "database" }
                        ),
                    )
                    .with_help(if list == "containers" {
                        "use 3–63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit"
                    } else {
                        "use 1–255 characters without `/`, `\\`, `?`, `#`, or a trailing space"
                    }),
                );
            }
            let what = if list == "containers" {
                "container"
            } else {
                "database"
            };
            if let Some((p0, s0)) = names.get(&s.to_ascii_lowercase()) {
                out.push(
                    Diagnostic::error(
                        Code::DuplicateName,
                        p,
                        n.span,
                        format!("{what} `{s}` is listed twice"),
                    )
                    .with_related(p0.clone(), *s0, "first listed here")
                    .with_help(format!("list each {what} once")),
                );
            } else {
                names.insert(s.to_ascii_lowercase(), (p, n.span));
            }
        }
    }
}

/// What a search service tier takes (Learn, "Service limits in Azure AI Search"): at most
/// `replicas` replicas and `partitions` partitions, and at most `units` search units (replicas ×
/// partitions) where the tier caps them below the product.
struct SearchTier {
    replicas: i64,
    partitions: i64,
    units: Option<i64>,
    /// The tier's limit as a help line (`{}`: the SKU).
    help: &'static str,
}

/// The limits of a search service SKU; `None` for a SKU foundrygen does not know (reported
/// already).
fn search_tier_limits(sku: &str) -> Option<SearchTier> {
    Some(match sku {
        "free" => SearchTier {
            replicas: 1,
            partitions: 1,
            units: None,
            help: "the free tier takes 1 replica and 1 partition; `sku: basic` or higher takes more",
        },
        // Basic services created before April 2024 keep their single partition, and a redeploy
        // into one cannot add more.
        "basic" => SearchTier {
            replicas: 3,
            partitions: 3,
            units: None,
            help: "the basic tier takes at most 3 replicas and 3 partitions (a basic service created before April 2024 takes 1 partition); `sku: standard` takes up to 12 of each",
        },
        "standard"
        | "standard2"
        | "standard3"
        | "storage_optimized_l1"
        | "storage_optimized_l2" => SearchTier {
            replicas: 12,
            partitions: 12,
            units: Some(36),
            help: "the {} tier takes at most 36 search units (replicas × partitions), e.g. 12 replicas × 3 partitions or 3 × 12",
        },
        _ => return None,
    })
}

/// A search service's replicas and partitions against its tier's limits (the default tier is
/// the first SKU, `basic`). Values outside 1–12 or Azure's partition counts are reported by the
/// range checks, so only values Azure could take on some tier are checked here.
fn search_tier(c: &Created, out: &mut Vec<Diagnostic>) {
    let r = c.node;
    let sku = match r.get("sku") {
        None => c.ty.skus[0],
        Some(n) => match n.as_str() {
            Some(s) => s,
            None => return,
        },
    };
    let Some(tier) = search_tier_limits(sku) else {
        return;
    };
    let value = |key: &str, ok: &dyn Fn(i64) -> bool| {
        r.get(key).and_then(|n| match n.value {
            crate::spec::tree::Value::Int(i) if ok(i) => Some((i, n)),
            _ => None,
        })
    };
    let replicas = value("replicas", &|v| (1..=12).contains(&v));
    let partitions = value("partitions", &|v| SEARCH_PARTITIONS.contains(&v));
    let mut over = false;
    for (key, v, max) in [
        ("replicas", replicas, tier.replicas),
        ("partitions", partitions, tier.partitions),
    ] {
        if let Some((v, n)) = v
            && v > max
        {
            over = true;
            out.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    c.path.key(key),
                    n.span,
                    format!("`{key}: {v}` is more than a {sku} search service takes"),
                )
                .with_help(tier.help.replace("{}", sku)),
            );
        }
    }
    if let (Some(units), Some((rv, rn)), Some((pv, pn))) = (tier.units, replicas, partitions)
        && !over
        && rv * pv > units
    {
        out.push(
            Diagnostic::error(
                Code::InvalidValue,
                c.path.key("partitions"),
                pn.span,
                format!(
                    "{rv} replicas × {pv} partitions is {} search units, more than a {sku} search service takes",
                    rv * pv
                ),
            )
            .with_related(c.path.key("replicas"), rn.span, "replicas here")
            .with_help(tier.help.replace("{}", sku)),
        );
    }
}

/// `what` with its indefinite article: "a search service", "an Application Insights component".
fn a(what: &str) -> String {
    if what.starts_with(['A', 'E', 'I', 'O', 'U', 'a', 'e', 'i', 'o', 'u']) {
        format!("an {what}")
    } else {
        format!("a {what}")
    }
}

/// `x`, `x or y`, `x, y or z`.
fn one_of(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

/// 3–63 lowercase letters, digits and hyphens, alphanumeric at both ends, no `--` (blob
/// containers).
fn valid_container_name(s: &str) -> bool {
    (3..=63).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.ends_with(|c: char| c.is_ascii_alphanumeric())
        && !s.contains("--")
}

/// 1–255 characters without `/ \ ? #`, not ending in a space (Cosmos DB databases).
fn valid_database_name(s: &str) -> bool {
    (1..=255).contains(&s.chars().count())
        && !s.contains(['/', '\\', '?', '#'])
        && !s.ends_with(' ')
}

/// Targets (and `key_vault` blocks) that name a created resource's type and name but another
/// resource group or subscription: taken for an existing resource, which for a global name can
/// only be the created one (error) and otherwise is likely meant to be (warning). Returns the
/// keys of the created resources so named.
fn nearly_named(created: &[Created], uses: &[Use], out: &mut Vec<Diagnostic>) -> HashSet<String> {
    let keys: Vec<String> = created
        .iter()
        .map(|c| key_of(c.node, c.ty, c.name))
        .collect();
    let exact: HashSet<&str> = keys.iter().map(String::as_str).collect();
    // The created resources by type and name, whatever their group: a use looks up the ones it
    // may have meant instead of going through all of them.
    let mut by_type_and_name: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
    for (i, key) in keys.iter().enumerate() {
        if let Some(type_and_name) = type_and_name(key) {
            by_type_and_name.entry(type_and_name).or_default().push(i);
        }
    }
    let mut named = HashSet::new();
    for u in uses {
        if exact.contains(u.key.as_str()) {
            continue;
        }
        let Some(want) = type_and_name(&u.key) else {
            continue;
        };
        for &i in by_type_and_name.get(&want).map_or(&[][..], Vec::as_slice) {
            let (c, key) = (&created[i], &keys[i]);
            let place = match (
                c.node.get_str("resource_group"),
                c.node.get_str("subscription"),
            ) {
                (Some(g), Some(s)) => format!("resource_group: {g}, subscription: {s}"),
                (Some(g), None) => format!("resource_group: {g}"),
                (None, Some(s)) => format!("subscription: {s}"),
                (None, None) => "no resource_group or subscription".to_string(),
            };
            let message = format!(
                "{} `{}` of `resources:` is named here without its resource group or subscription, so this is taken for an existing one",
                c.ty.what, c.name
            );
            let help = if u.by_id {
                format!(
                    "a `resource_id` names a created resource only when its `resources:` entry writes the same subscription and resource group; write `target: {{ resource: {{ type: {}, name: {}, ... }} }}` with the entry's {place}",
                    c.ty.resource_type, c.name
                )
            } else {
                format!(
                    "to use the created one, write the entry's {place} here too; to use an existing one, give the created one another name"
                )
            };
            let d = if c.ty.global_name {
                Diagnostic::error(
                    Code::NearlyNamesCreated,
                    u.target.0.clone(),
                    u.target.1,
                    format!("{message}, which has the same global name"),
                )
            } else {
                Diagnostic::warning(
                    Code::NearlyNamesCreated,
                    u.target.0.clone(),
                    u.target.1,
                    message,
                )
            };
            out.push(
                d.with_related(c.path.clone(), c.node.span, "created here")
                    .with_help(help),
            );
            named.insert(key.clone());
        }
    }
    named
}

/// Every place the spec names a resource: connection targets and Key Vaults.
fn uses(root: &Node) -> Vec<Use<'_>> {
    let mut out = Vec::new();
    for (fpath, f) in foundries(root) {
        if let Some(kv) = f.get("key_vault")
            && let Some(name) = kv.get_str("name")
        {
            out.push(Use {
                key: resource_key(
                    "Microsoft.KeyVault/vaults",
                    kv.get_str("subscription"),
                    kv.get_str("resource_group"),
                    name,
                ),
                path: fpath.key("key_vault"),
                span: kv.span,
                target: (fpath.key("key_vault"), kv.span),
                by_id: false,
                auth: None,
                from_target: false,
                key_vault: Some(kv),
            });
        }
        for (cp, c) in connections_of(&fpath, f) {
            let Some(target) = c.get("target") else {
                continue;
            };
            let by_id = target.get("resource").is_none();
            let at = match target.get("resource") {
                Some(r) => (cp.key("target").key("resource"), r.span),
                None => (
                    cp.key("target").key("resource_id"),
                    target.get("resource_id").map_or(target.span, |n| n.span),
                ),
            };
            let key = if let Some(res) = target.get("resource") {
                let (Some(ty), Some(name)) = (res.get_str("type"), res.get_str("name")) else {
                    continue;
                };
                resource_key(
                    ty,
                    res.get_str("subscription"),
                    res.get_str("resource_group"),
                    name,
                )
            } else if let Some(id) = target.get_str("resource_id")
                && let Some(p) = parse_target_id(id)
            {
                resource_key(
                    &p.resource_type,
                    Some(&p.subscription),
                    Some(&p.resource_group),
                    &p.name,
                )
            } else {
                continue;
            };
            let auth = c.get("auth");
            let from_target = auth.and_then(Node::as_map).is_some_and(|m| {
                m.iter()
                    .any(|(_, v)| v.get("from_target").and_then(Node::as_bool) == Some(true))
            });
            out.push(Use {
                key,
                path: cp.clone(),
                span: auth.and_then(|a| a.get("type")).map_or(c.span, |t| t.span),
                target: at,
                by_id,
                auth: auth.and_then(|a| a.get_str("type")),
                from_target,
                key_vault: None,
            });
        }
    }
    out
}

/// A resource some connection reads a key of keeps its keys on: an explicit
/// `disable_local_auth: true` next to such a connection cannot work.
fn local_auth(c: &Created, used: &[&Use], out: &mut Vec<Diagnostic>) {
    let Some(n) = c.node.get("disable_local_auth") else {
        return;
    };
    if n.as_bool() != Some(true) {
        return;
    }
    if let Some(u) = used.iter().find(|u| uses_a_key(u)) {
        out.push(
            Diagnostic::error(
                Code::LocalAuthConflict,
                c.path.key("disable_local_auth"),
                n.span,
                format!(
                    "{} `{}` turns its keys off, but a connection authenticates to it with one",
                    c.ty.what, c.name
                ),
            )
            .with_related(
                u.path.key("auth").key("type"),
                u.span,
                format!("this connection uses `{}`", u.auth.unwrap_or("a key")),
            )
            .with_help("switch the connection to `type: AAD` with a role on the resource, or remove `disable_local_auth: true` (the default keeps keys on exactly when a connection needs them)"),
        );
    }
}

/// Whether a use of a resource authenticates with one of its keys.
fn uses_a_key(u: &Use) -> bool {
    u.from_target || u.auth.is_some_and(catalog::authenticates_with_key)
}

/// The workspaces of `resources:` some App Insights component names, or means: a misspelt one is
/// reported once, as FG084 with its did-you-mean, not again as an unused workspace.
struct NamedWorkspaces<'a> {
    /// A component's `workspace` that is a workspace's name (ASCII case aside), lowercased.
    named: HashSet<String>,
    /// The did-you-mean of a `workspace` that names none.
    meant: HashSet<&'a str>,
}

impl<'a> NamedWorkspaces<'a> {
    fn of(created: &[Created<'a>]) -> Self {
        let workspaces = workspace_names(created);
        let mut named = HashSet::new();
        let mut meant = HashSet::new();
        for w in created
            .iter()
            .filter(|c| c.ty.resource_type == "Microsoft.Insights/components")
            .filter_map(|c| c.node.get_str("workspace"))
        {
            let lower = w.to_ascii_lowercase();
            if workspaces.iter().any(|o| o.eq_ignore_ascii_case(w)) {
                named.insert(lower);
            } else if let Some(m) = did_you_mean(w, workspaces.iter().copied()) {
                meant.insert(m);
            }
        }
        NamedWorkspaces { named, meant }
    }

    /// Whether a component names (or means) the workspace `name`.
    fn names(&self, name: &str) -> bool {
        self.named.contains(&name.to_ascii_lowercase()) || self.meant.contains(name)
    }
}

/// The type and the name of a [`resource_key`], without its subscription and group.
fn type_and_name(key: &str) -> Option<(&str, &str)> {
    let mut parts = key.splitn(4, '|');
    let (Some(ty), _, _, Some(name)) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    Some((ty, name))
}

/// The names of the workspaces of `resources:`, in spec order.
fn workspace_names<'a>(created: &[Created<'a>]) -> Vec<&'a str> {
    created
        .iter()
        .filter(|o| o.ty.resource_type == "Microsoft.OperationalInsights/workspaces")
        .map(|o| o.name)
        .collect()
}

fn workspaces(created: &[Created], out: &mut Vec<Diagnostic>) {
    let workspaces = workspace_names(created);
    for c in created
        .iter()
        .filter(|c| c.ty.resource_type == "Microsoft.Insights/components")
    {
        let Some(n) = c.node.get("workspace") else {
            continue;
        };
        let Some(w) = n.as_str() else { continue };
        if w.starts_with("/subscriptions/") {
            let ok = crate::category::parse_resource_id(w).is_some_and(|p| {
                p.resource_type
                    .eq_ignore_ascii_case("Microsoft.OperationalInsights/workspaces")
            });
            if !ok {
                out.push(
                    Diagnostic::error(
                        Code::InvalidResourceId,
                        c.path.key("workspace"),
                        n.span,
                        format!("`{w}` is not the resource id of a Log Analytics workspace"),
                    )
                    .with_help("write `/subscriptions/<guid>/resourceGroups/<rg>/providers/Microsoft.OperationalInsights/workspaces/<name>`"),
                );
            }
            continue;
        }
        if !workspaces.iter().any(|o| o.eq_ignore_ascii_case(w)) {
            out.push(
                Diagnostic::error(
                    Code::UnknownWorkspace,
                    c.path.key("workspace"),
                    n.span,
                    format!("workspace `{w}` is no Log Analytics workspace in `resources:`"),
                )
                .with_help(match did_you_mean(w, workspaces.iter().copied()) {
                    Some(d) => format!("did you mean `{d}`?"),
                    None => "add a `Microsoft.OperationalInsights/workspaces` entry to `resources:`, or give the workspace's resource id".to_string(),
                }),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{codes, diags};
    use super::*;

    /// A spec creating `resources` (YAML list items, indented by 2) for one foundry with
    /// `foundry` lines (indented by 4).
    fn spec(resources: &str, foundry: &str) -> String {
        let indent = |s: &str, n: usize| {
            s.lines()
                .map(|l| format!("{}{l}\n", " ".repeat(n)))
                .collect::<String>()
        };
        format!(
            "version: 1\nname: t\nlocation: eastus2\nresources:\n{}foundries:\n  - name: a-foundry\n{}",
            indent(resources, 2),
            indent(foundry, 4)
        )
    }

    const SEARCH_CONNECTION: &str = "connections:\n  - { name: search, category: CognitiveSearch, target: { resource: { type: Microsoft.Search/searchServices, name: srch-one } }, auth: { type: AAD } }";

    /// A target with a created resource's type and name but not its group: an error where the
    /// name is global (it could only be the same resource), a warning otherwise; the created
    /// resource is then not also reported unused.
    #[test]
    fn a_target_that_nearly_names_a_created_resource_is_reported_once() {
        let spec = |ty: &str, name: &str, extra: &str| {
            format!(
                "version: 1\nname: t\nlocation: eastus2\nresources:\n  - {{ type: {ty}, name: {name}, resource_group: rg-data{extra} }}\nfoundries:\n  - name: f1-abc\n    connections:\n      - {{ name: conn1, category: CustomKeys, target: {{ resource: {{ type: {ty}, name: {name} }} }}, auth: {{ type: CustomKeys, keys: {{ k: {{ secret: k }} }} }} }}\n"
            )
        };
        let d = crate::validate::tests::diags(&spec(
            "Microsoft.Search/searchServices",
            "my-search-01",
            "",
        ));
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].code, Code::NearlyNamesCreated);
        assert!(d[0].is_error());
        assert_eq!(
            d[0].path.to_string(),
            "foundries[0].connections[0].target.resource"
        );
        assert!(
            d[0].help
                .as_deref()
                .unwrap()
                .contains("resource_group: rg-data"),
            "{:?}",
            d[0].help
        );
        let d = crate::validate::tests::diags(&spec(
            "Microsoft.OperationalInsights/workspaces",
            "logs-one",
            "",
        ));
        let codes: Vec<Code> = d.iter().map(|d| d.code).collect();
        assert!(codes.contains(&Code::NearlyNamesCreated), "{d:?}");
        assert!(!codes.contains(&Code::UnusedResource), "{d:?}");
        assert!(
            d.iter()
                .filter(|d| d.code == Code::NearlyNamesCreated)
                .all(|d| !d.is_error())
        );
    }

    #[test]
    fn a_used_resource_of_a_known_type_is_fine() {
        let s = spec(
            "- { type: Microsoft.Search/searchServices, name: srch-one, sku: standard, replicas: 2 }",
            SEARCH_CONNECTION,
        );
        assert!(codes(&s).is_empty(), "{:?}", diags(&s));
    }

    #[test]
    fn refuses_an_unknown_type_with_did_you_mean() {
        let s = spec(
            "- { type: Microsoft.Search/searchService, name: srch-one }",
            SEARCH_CONNECTION,
        );
        let d = diags(&s);
        assert_eq!(codes(&s), [Code::UnknownResourceType]);
        assert_eq!(
            d[0].help.as_deref(),
            Some("did you mean `Microsoft.Search/searchServices`?")
        );
        let s = spec(
            "- { type: Microsoft.ApiManagement/service, name: apim1 }",
            SEARCH_CONNECTION,
        );
        assert!(
            diags(&s)[0]
                .help
                .as_deref()
                .unwrap()
                .contains("existing one")
        );
    }

    #[test]
    fn refuses_a_key_of_another_type_and_a_missing_required_one() {
        let s = spec(
            "- { type: Microsoft.Search/searchServices, name: srch-one, containers: [docs] }\n- { type: Microsoft.Insights/components, name: appi }",
            SEARCH_CONNECTION,
        );
        let c = codes(&s);
        assert!(c.contains(&Code::KeyNotForType), "{c:?}");
        assert!(c.contains(&Code::MissingKey), "{c:?}");
    }

    #[test]
    fn checks_names_skus_and_ranges() {
        let s = spec(
            "- { type: Microsoft.Search/searchServices, name: S_One, sku: Standard, replicas: 13, partitions: 5 }\n- { type: Microsoft.KeyVault/vaults, name: kv-one, soft_delete_days: 3 }\n- { type: Microsoft.Storage/storageAccounts, name: store1, containers: [Docs, ok-docs, ok-docs] }",
            "key_vault: { name: kv-one, wait_for_role: 60s }",
        );
        let d = diags(&s);
        let paths: Vec<String> = d
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.path.to_string())
            .collect();
        assert_eq!(
            paths,
            [
                "resources[0].name",
                "resources[0].sku",
                "resources[0].replicas",
                "resources[0].partitions",
                "resources[1].soft_delete_days",
                "resources[2].containers[0]",
                "resources[2].containers[2]",
            ],
            "{d:?}"
        );
        let sku = d
            .iter()
            .find(|d| d.path.to_string() == "resources[0].sku")
            .unwrap();
        assert_eq!(sku.help.as_deref(), Some("did you mean `standard`?"));
    }

    #[test]
    fn replicas_and_partitions_fit_the_search_tier() {
        let one = |fields: &str| {
            let s = spec(
                &format!("- {{ type: Microsoft.Search/searchServices, name: srch-one{fields} }}"),
                SEARCH_CONNECTION,
            );
            diags(&s)
                .into_iter()
                .map(|d| (d.path.to_string(), d.message, d.help.unwrap_or_default()))
                .collect::<Vec<_>>()
        };
        // The default tier is basic: at most 3 of each.
        let d = one(", replicas: 12, partitions: 12");
        assert_eq!(
            d.iter().map(|d| d.0.as_str()).collect::<Vec<_>>(),
            ["resources[0].replicas", "resources[0].partitions"],
            "{d:?}"
        );
        assert_eq!(
            d[0].1,
            "`replicas: 12` is more than a basic search service takes"
        );
        assert!(
            d[0].2.contains("at most 3 replicas and 3 partitions"),
            "{d:?}"
        );
        assert!(
            d[0].2.contains("before April 2024 takes 1 partition"),
            "{d:?}"
        );
        assert!(one(", replicas: 3, partitions: 3").is_empty());
        // Free takes one of each.
        let d = one(", sku: free, replicas: 3");
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].0, "resources[0].replicas");
        assert!(
            d[0].2
                .starts_with("the free tier takes 1 replica and 1 partition")
        );
        assert!(one(", sku: free").is_empty());
        // Standard tiers: 12 of each, 36 search units.
        assert!(one(", sku: standard, replicas: 12, partitions: 3").is_empty());
        assert!(one(", sku: storage_optimized_l1, replicas: 3, partitions: 12").is_empty());
        let d = one(", sku: standard2, replicas: 4, partitions: 12");
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].0, "resources[0].partitions");
        assert_eq!(
            d[0].1,
            "4 replicas × 12 partitions is 48 search units, more than a standard2 search service takes"
        );
        assert!(d[0].2.contains("at most 36 search units"), "{d:?}");
        // A value outside every tier is told once, by the range check.
        let d = one(", sku: free, replicas: 13");
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].2, "use 1–12 replicas");
    }

    #[test]
    fn a_key_of_another_type_reads_as_english() {
        let s = spec(
            "- { type: Microsoft.OperationalInsights/workspaces, name: logs-one }\n- { type: Microsoft.Insights/components, name: appi-one, workspace: logs-one, sku: S0 }",
            "connections:\n  - { name: appi, category: AppInsights, target: { resource: { type: Microsoft.Insights/components, name: appi-one } }, auth: { type: ApiKey, key: { from_target: true } } }",
        );
        let d = diags(&s);
        assert_eq!(codes(&s), [Code::KeyNotForType], "{d:?}");
        assert_eq!(
            d[0].message,
            "an Application Insights component takes no `sku`"
        );
        assert_eq!(
            d[0].help.as_deref(),
            Some(
                "`sku` is for a search service, a storage account or a Cognitive Services account; remove it here"
            )
        );
    }

    #[test]
    fn a_created_cosmos_db_account_is_told_its_own_rule() {
        let s = spec(
            "- { type: Microsoft.DocumentDB/databaseAccounts, name: Cosmos-One }",
            "connections:\n  - { name: docs, category: CosmosDb, target: { resource: { type: Microsoft.DocumentDB/databaseAccounts, name: Cosmos-One } }, auth: { type: AAD }, roles: [Cosmos DB Built-in Data Reader] }",
        );
        let d = diags(&s);
        let d = d
            .iter()
            .find(|d| d.path.to_string() == "resources[0].name")
            .unwrap();
        assert!(d.help.as_deref().unwrap().contains("3–44"), "{d:?}");
    }

    #[test]
    fn a_container_listed_twice_points_at_the_first() {
        let s = spec(
            "- { type: Microsoft.Storage/storageAccounts, name: store1, containers: [docs, Docs] }",
            "connections:\n  - { name: docs, category: AzureStorageAccount, target: { resource: { type: Microsoft.Storage/storageAccounts, name: store1 } }, auth: { type: AAD } }",
        );
        let d = diags(&s);
        let dup = d.iter().find(|d| d.code == Code::DuplicateName).unwrap();
        assert_eq!(dup.message, "container `Docs` is listed twice");
        assert_eq!(
            dup.related[0].path.to_string(),
            "resources[0].containers[0]"
        );
        assert_eq!(dup.help.as_deref(), Some("list each container once"));
    }

    #[test]
    fn a_bad_name_of_a_created_resource_is_reported_at_its_entry_only() {
        let s = spec(
            "- { type: Microsoft.Search/searchServices, name: srch--one }\n- { type: Microsoft.KeyVault/vaults, name: kv--one }",
            "key_vault: { name: kv--one, wait_for_role: 60s }\nconnections:\n  - { name: search, category: CognitiveSearch, target: { resource: { type: Microsoft.Search/searchServices, name: srch--one } }, auth: { type: AAD } }",
        );
        let d = diags(&s);
        let paths: Vec<String> = d.iter().map(|d| d.path.to_string()).collect();
        assert_eq!(paths, ["resources[0].name", "resources[1].name"], "{d:?}");
        // A target the spec does not create is still checked where it is named.
        let s = spec(
            "- { type: Microsoft.Search/searchServices, name: srch-one }",
            &format!(
                "{SEARCH_CONNECTION}\n  - {{ name: other, category: CognitiveSearch, target: {{ resource: {{ type: Microsoft.Search/searchServices, name: srch--two }} }}, auth: {{ type: AAD }} }}"
            ),
        );
        assert_eq!(codes(&s), [Code::InvalidName], "{:?}", diags(&s));
    }

    #[test]
    fn an_account_of_resources_is_not_a_foundry_too() {
        let s = spec(
            "- { type: Microsoft.CognitiveServices/accounts, name: A-Foundry, kind: OpenAI }",
            "",
        );
        let d = diags(&s);
        assert_eq!(codes(&s), [Code::ConflictingResources], "{d:?}");
        assert_eq!(d[0].related[0].path.to_string(), "foundries[0].name");
        // In another resource group it is another account.
        let s = spec(
            "- { type: Microsoft.CognitiveServices/accounts, name: a-foundry, kind: OpenAI, resource_group: rg-b }",
            "",
        );
        assert_eq!(codes(&s), [Code::UnusedResource], "{:?}", diags(&s));
    }

    #[test]
    fn one_entry_per_azure_resource() {
        let s = spec(
            "- { type: Microsoft.Search/searchServices, name: srch-one }\n- { type: Microsoft.Search/searchServices, name: srch-one }",
            SEARCH_CONNECTION,
        );
        assert_eq!(codes(&s), [Code::ConflictingResources]);
        // A global name is one resource in any resource group.
        let s = spec(
            "- { type: Microsoft.Search/searchServices, name: srch-one }\n- { type: Microsoft.Search/searchServices, name: srch-one, resource_group: rg-b }",
            &format!(
                "{SEARCH_CONNECTION}\n  - {{ name: search-b, category: CognitiveSearch, target: {{ resource: {{ type: Microsoft.Search/searchServices, name: srch-one, resource_group: rg-b }} }}, auth: {{ type: AAD }} }}"
            ),
        );
        assert_eq!(codes(&s), [Code::ConflictingResources], "{:?}", diags(&s));
        assert!(diags(&s)[0].help.as_deref().unwrap().contains("is global"));
        // A workspace's is not: another resource group is another workspace.
        let s = spec(
            "- { type: Microsoft.Search/searchServices, name: srch-one }\n- { type: Microsoft.OperationalInsights/workspaces, name: logs-one }\n- { type: Microsoft.OperationalInsights/workspaces, name: logs-one, resource_group: rg-b }\n- { type: Microsoft.Insights/components, name: appi-one, workspace: logs-one }\n- { type: Microsoft.Insights/components, name: appi-two, resource_group: rg-b, workspace: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-b/providers/Microsoft.OperationalInsights/workspaces/logs-one }",
            &format!(
                "{SEARCH_CONNECTION}\n  - {{ name: insights-a, category: AppInsights, target: {{ resource: {{ type: Microsoft.Insights/components, name: appi-one }} }}, auth: {{ type: ApiKey, key: {{ from_target: true }} }} }}\n  - {{ name: insights-b, category: AppInsights, target: {{ resource: {{ type: Microsoft.Insights/components, name: appi-two, resource_group: rg-b }} }}, auth: {{ type: ApiKey, key: {{ from_target: true }} }} }}"
            ),
        );
        assert!(
            !codes(&s).contains(&Code::ConflictingResources),
            "{:?}",
            diags(&s)
        );
    }

    #[test]
    fn warns_about_a_resource_nothing_uses() {
        let s = spec(
            "- { type: Microsoft.Search/searchServices, name: srch-one }\n- { type: Microsoft.Search/searchServices, name: srch-two }",
            SEARCH_CONNECTION,
        );
        let d = diags(&s);
        assert_eq!(codes(&s), [Code::UnusedResource]);
        assert!(!d[0].is_error());
        assert_eq!(d[0].path.to_string(), "resources[1]");
    }

    #[test]
    fn keys_off_cannot_serve_a_connection_that_uses_a_key() {
        let s = spec(
            "- { type: Microsoft.Search/searchServices, name: srch-one, disable_local_auth: true }",
            "connections:\n  - { name: search, category: CognitiveSearch, target: { resource: { type: Microsoft.Search/searchServices, name: srch-one } }, auth: { type: ApiKey, key: { from_target: true } } }",
        );
        let d = diags(&s);
        assert_eq!(codes(&s), [Code::LocalAuthConflict], "{d:?}");
        assert_eq!(d[0].related.len(), 1);
    }

    #[test]
    fn a_created_vault_uses_azure_rbac() {
        let s = spec(
            "- { type: Microsoft.KeyVault/vaults, name: kv-one }",
            "key_vault: { name: kv-one, permission_model: access_policies, wait_for_role: 60s }",
        );
        let d = diags(&s);
        assert_eq!(codes(&s), [Code::PermissionModelMismatch], "{d:?}");
        assert!(d[0].help.as_deref().unwrap().contains("rewrites them"));
    }

    #[test]
    fn an_app_insights_component_names_its_workspace() {
        let used = "connections:\n  - { name: appi, category: AppInsights, target: { resource: { type: Microsoft.Insights/components, name: appi-one } }, auth: { type: ApiKey, key: { from_target: true } } }";
        let s = spec(
            "- { type: Microsoft.OperationalInsights/workspaces, name: logs-one }\n- { type: Microsoft.Insights/components, name: appi-one, workspace: logs-on }",
            used,
        );
        let d = diags(&s);
        // The misspelt workspace is reported once, not again as an unused `logs-one`.
        assert_eq!(codes(&s), [Code::UnknownWorkspace], "{d:?}");
        assert_eq!(d[0].help.as_deref(), Some("did you mean `logs-one`?"));
        let s = spec(
            "- { type: Microsoft.OperationalInsights/workspaces, name: logs-one }\n- { type: Microsoft.Insights/components, name: appi-one, workspace: logs-one }",
            used,
        );
        assert!(codes(&s).is_empty(), "{:?}", diags(&s));
    }
}
