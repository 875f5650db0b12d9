//! Connection rules: category and auth type, the credentials each auth type needs (and no others),
//! no secret literals, `from_target` only where the key can be read, targets, roles and metadata.

use super::structure::{PLAIN_FIELDS, SECRET_FIELDS};
use super::{connections_of, foundries, names};
use crate::catalog::{self, RoleLookup};
use crate::category::{self, parse_resource_id, parse_target_id};
use crate::diagnostics::{Code, Diagnostic, SpecPath, did_you_mean};
use crate::spec::tree::{Node, Value};

/// Target types whose key `from_target` can read: the Search admin key, a Cognitive Services key1,
/// a Storage account key and an App Insights connection string.
pub const FROM_TARGET_TYPES: &[&str] = &[
    "Microsoft.Search/searchServices",
    "Microsoft.CognitiveServices/accounts",
    "Microsoft.Storage/storageAccounts",
    "Microsoft.Insights/components",
];

pub(super) fn check(root: &Node, created: &super::Created, out: &mut Vec<Diagnostic>) {
    let overrides: Vec<&str> = root
        .get("api_versions")
        .and_then(Node::as_map)
        .unwrap_or(&[])
        .iter()
        .filter_map(|(k, _)| k.as_str())
        .collect();
    check_api_versions(root, out);
    for (fpath, f) in foundries(root) {
        let granted = super::capability_hosts::granted_thread_storage(f);
        for (cp, c) in connections_of(&fpath, f) {
            let mut found = Vec::new();
            check_connection(created, c, &cp, &overrides, &mut found);
            // The thread storage of a capability host that grants its roles gets its data-plane
            // role from there.
            if c.get_str("name")
                .is_some_and(|n| granted.contains(&n.to_ascii_lowercase()))
            {
                found.retain(|d| d.code != Code::MissingDataPlaneRole);
            }
            out.extend(found);
        }
    }
}

fn check_api_versions(root: &Node, out: &mut Vec<Diagnostic>) {
    let Some(entries) = root.get("api_versions").and_then(Node::as_map) else {
        return;
    };
    let used_namespaces: Vec<String> = foundries(root)
        .flat_map(|(fp, f)| {
            connections_of(&fp, f)
                .filter_map(|(_, c)| target_type_of(c))
                .map(|t| t.split('/').next().unwrap_or("").to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    for (k, v) in entries {
        let Some(ns) = k.as_str() else { continue };
        let p = SpecPath::root().key("api_versions").key(ns);
        let known = catalog::default_api_version(ns).is_some()
            || used_namespaces.iter().any(|u| u.eq_ignore_ascii_case(ns));
        if !known {
            let names = catalog::DEFAULT_API_VERSIONS.iter().map(|(n, _)| *n);
            out.push(
                Diagnostic::warning(
                    Code::InvalidApiVersion,
                    p.clone(),
                    k.span,
                    format!("no resource in this spec uses namespace `{ns}`"),
                )
                .with_help_opt(did_you_mean(ns, names).map(|s| format!("did you mean `{s}`?"))),
            );
        }
        if let Some(ver) = v.as_str()
            && !valid_api_version(ver)
        {
            out.push(
                Diagnostic::error(
                    Code::InvalidApiVersion,
                    p,
                    v.span,
                    format!("`{ver}` is not an API version"),
                )
                .with_help("write it as `YYYY-MM-DD` or `YYYY-MM-DD-preview`"),
            );
        }
    }
}

/// `YYYY-MM-DD` with an optional `-preview`-style suffix.
pub fn valid_api_version(v: &str) -> bool {
    let (date, suffix) = v.split_at(v.len().min(10));
    let b = date.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        })
        && (suffix.is_empty()
            || (suffix.starts_with('-')
                && suffix.len() > 1
                && suffix[1..].chars().all(|c| c.is_ascii_alphanumeric())))
}

fn target_type_of(c: &Node) -> Option<String> {
    let t = c.get("target")?;
    if let Some(r) = t.get("resource") {
        return r.get_str("type").map(str::to_string);
    }
    t.get_str("resource_id")
        .and_then(parse_target_id)
        .map(|p| p.resource_type)
}

fn check_connection(
    created: &super::Created,
    c: &Node,
    cp: &SpecPath,
    overrides: &[&str],
    out: &mut Vec<Diagnostic>,
) {
    let name = c.get_str("name").unwrap_or("?");
    // Category; for a misspelt one, the one it most likely means, to suggest its auth types.
    let mut meant: Option<&'static str> = None;
    let category = match c.get("category") {
        Some(n) => match n.as_str() {
            Some(written) => match catalog::canonical_category(written) {
                Some(cat) => Some(cat),
                None => {
                    let suggestion = category::suggest_category(written);
                    meant = suggestion.map(|s| s.literal);
                    let help = suggestion.map(|s| s.help()).unwrap_or_else(|| {
                        "`foundrygen categories` lists Azure's category literals".to_string()
                    });
                    out.push(
                        Diagnostic::error(
                            Code::UnknownCategory,
                            cp.key("category"),
                            n.span,
                            format!("unknown connection category `{written}`"),
                        )
                        .with_help(help),
                    );
                    None
                }
            },
            None => None,
        },
        None => None,
    };
    let rule = category.and_then(category::rule);

    // Target.
    let target = c.get("target").filter(|t| t.as_map().is_some());
    let mut resource_type: Option<String> = None;
    let mut is_url = false;
    if let Some(t) = target {
        let tp = cp.key("target");
        let given: Vec<&str> = ["resource", "resource_id", "url"]
            .into_iter()
            .filter(|k| t.get(k).is_some())
            .collect();
        if given.len() != 1 {
            out.push(
                Diagnostic::error(
                    Code::TargetShape,
                    tp.clone(),
                    t.span,
                    if given.is_empty() {
                        "a target needs one of `resource`, `resource_id` or `url`".to_string()
                    } else {
                        format!(
                            "a target has exactly one of `resource`, `resource_id` or `url`, found {}",
                            given.iter().map(|g| format!("`{g}`")).collect::<Vec<_>>().join(" and ")
                        )
                    },
                )
                .with_help("keep one of them"),
            );
        }
        if let Some(r) = t.get("resource") {
            resource_type = r.get_str("type").map(str::to_string);
            if let (Some(ty), Some(n)) = (&resource_type, r.get("type")) {
                check_resource_type(ty, n, &tp.key("resource").key("type"), overrides, out);
                check_child_name(ty, r, &tp.key("resource").key("name"), out);
            }
            if let (Some(ty), Some(n)) = (&resource_type, r.get("name"))
                && let Some(name) = n.as_str()
                && !created.contains(
                    ty,
                    r.get_str("subscription"),
                    r.get_str("resource_group"),
                    name,
                )
            {
                names::check_target_name(ty, name, n, &tp.key("resource").key("name"), out);
            }
        }
        if let Some(n) = t.get("resource_id")
            && let Some(id) = n.as_str()
        {
            match parse_target_id(id) {
                Some(p) => {
                    check_resource_type(&p.resource_type, n, &tp.key("resource_id"), overrides, out);
                    names::check_target_name(&p.resource_type, &p.name, n, &tp.key("resource_id"), out);
                    resource_type.get_or_insert(p.resource_type);
                }
                None => out.push(
                    Diagnostic::error(
                        Code::InvalidResourceId,
                        tp.key("resource_id"),
                        n.span,
                        "not the id of a top-level Azure resource",
                    )
                    .with_help("write `/subscriptions/<guid>/resourceGroups/<rg>/providers/<Namespace>/<type>/<name>`"),
                ),
            }
        }
        if let Some(n) = t.get("url")
            && let Some(url) = n.as_str()
        {
            is_url = true;
            if !(url.starts_with("https://") || url.starts_with("http://"))
                || url.len() < 10
                || url.contains(char::is_whitespace)
            {
                out.push(
                    Diagnostic::error(
                        Code::InvalidUrl,
                        tp.key("url"),
                        n.span,
                        format!("`{url}` is not an http(s) URL"),
                    )
                    .with_help("write the full URL, e.g. `https://api.example.com/`"),
                );
            }
        }
        if let Some(u) = t.get("use")
            && let Some(use_) = u.as_str()
        {
            if is_url && resource_type.is_none() {
                out.push(
                    Diagnostic::error(
                        Code::TargetUseUnsupported,
                        tp.key("use"),
                        u.span,
                        "`use` chooses between a resource's endpoint and id; a `url` target is used as written",
                    )
                    .with_help("remove `use`"),
                );
            } else if use_ == "endpoint"
                && let Some(ty) = &resource_type
                && catalog::target_type(ty).and_then(|t| t.endpoint).is_none()
            {
                out.push(
                    Diagnostic::error(
                        Code::TargetUseUnsupported,
                        tp.key("use"),
                        u.span,
                        format!("foundrygen does not know the endpoint of a `{ty}`"),
                    )
                    .with_help("use `use: id`, or give the endpoint as `url`"),
                );
            }
        }
        if let (Some(rule), Some(ty)) = (rule, &resource_type)
            && !rule.target_types.is_empty()
            && !rule.target_types.iter().any(|t| t.eq_ignore_ascii_case(ty))
        {
            let n = t
                .get("resource")
                .and_then(|r| r.get("type"))
                .or(t.get("resource_id"))
                .unwrap_or(t);
            // A gateway connection names one API of an API Management service; the bare service
            // would make the target its gateway URL without the API's path.
            let child = rule.target_types.iter().find(|allowed| {
                catalog::target_type(allowed)
                    .and_then(|k| k.parent)
                    .is_some_and(|p| p.eq_ignore_ascii_case(ty))
            });
            let d = match child {
                Some(child) => {
                    let last = child.rsplit('/').next().unwrap_or("");
                    let one = singular(last);
                    let help = match (t.get("resource"), t.get_str("resource_id")) {
                        (Some(r), _) => format!(
                            "target one of its APIs: `target: {{ resource: {{ type: {child}, name: {}/<{one}> }} }}`",
                            r.get_str("name").unwrap_or("<service>")
                        ),
                        (None, Some(id)) => format!(
                            "target one of its APIs: `resource_id: {}/{last}/<{one}>`",
                            id.trim_end_matches('/')
                        ),
                        _ => format!("target one of its APIs, a `{child}`"),
                    };
                    Diagnostic::error(
                        Code::InvalidValue,
                        cp.key("target"),
                        n.span,
                        format!(
                            "a `{}` connection targets an API of the service, not the `{ty}` itself",
                            rule.category
                        ),
                    )
                    .with_help(help)
                }
                None => Diagnostic::error(
                    Code::InvalidValue,
                    cp.key("target"),
                    n.span,
                    format!(
                        "a `{}` connection targets a `{}`, not a `{ty}`",
                        rule.category,
                        rule.target_types.join("` or `")
                    ),
                )
                .with_help("change the category or the target"),
            };
            out.push(d);
        }
        if rule.is_some_and(|r| r.category == "AzureKeyVault") && is_url {
            out.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    cp.key("target").key("url"),
                    t.get("url").map(|n| n.span).unwrap_or(t.span),
                    "a Key Vault connection targets the vault resource, not a URL",
                )
                .with_help("write `target: { resource: { type: Microsoft.KeyVault/vaults, name: <vault> } }`"),
            );
        }
    }

    // Auth.
    let Some(auth) = c.get("auth").filter(|a| a.as_map().is_some()) else {
        return;
    };
    let ap = cp.key("auth");
    let auth_type = match auth.get("type") {
        Some(n) => match n.as_str() {
            Some(t) if catalog::is_auth_type(t) => Some((t, n)),
            Some(t) => {
                let context = category.or(meant);
                let help = category::suggest_auth_type(t, context)
                    .map(|s| s.help())
                    .unwrap_or_else(|| category::auth_types_help(context));
                out.push(
                    Diagnostic::error(
                        Code::UnknownAuthType,
                        ap.key("type"),
                        n.span,
                        format!("unknown auth type `{t}`"),
                    )
                    .with_help(help),
                );
                None
            }
            None => None,
        },
        None => None,
    };
    if let Some((t, tnode)) = auth_type {
        match (rule, category) {
            (Some(rule), _) => {
                if !rule.auth.contains(&t) {
                    out.push(
                        Diagnostic::error(
                            Code::AuthTypeNotAllowed,
                            ap.key("type"),
                            tnode.span,
                            format!(
                                "a `{}` connection does not take auth type `{t}`",
                                rule.category
                            ),
                        )
                        .with_help(format!(
                            "use {}",
                            rule.auth
                                .iter()
                                .map(|a| format!("`{a}`"))
                                .collect::<Vec<_>>()
                                .join(" or ")
                        )),
                    );
                }
            }
            (None, Some(cat)) => {
                if catalog::is_unpublished_auth_type(t) {
                    out.push(
                        Diagnostic::error(
                            Code::AuthTypeNotAllowed,
                            ap.key("type"),
                            tnode.span,
                            format!("auth type `{t}` is only known to work for specific categories, not `{cat}`"),
                        )
                        .with_help("use a published auth type such as `ApiKey` or `AAD`"),
                    );
                } else {
                    out.push(Diagnostic::warning(
                        Code::AuthTypeUnchecked,
                        ap.key("type"),
                        tnode.span,
                        format!("foundrygen does not know which auth types a `{cat}` connection accepts; `{t}` is passed through unchecked"),
                    ));
                }
            }
            (None, None) => {}
        }
        if t == "ProjectManagedIdentity" && c.get("project").is_none() {
            out.push(
                Diagnostic::error(
                    Code::WrongConnectionLevel,
                    ap.key("type"),
                    tnode.span,
                    "`ProjectManagedIdentity` acts as a project's identity, so the connection needs `project:`",
                )
                .with_help("add `project: <name>`, or use another auth type"),
            );
        }
        check_credentials(name, auth, &ap, t, resource_type.as_deref(), out);
    }

    // Roles.
    let roles = c.get("roles").and_then(Node::as_seq).unwrap_or(&[]);
    if !roles.is_empty() && resource_type.is_none() && is_url {
        let n = c.key_node("roles").unwrap_or(c);
        out.push(
            Diagnostic::error(
                Code::RoleNeedsResourceTarget,
                cp.key("roles"),
                n.span,
                format!("connection `{name}` grants roles, but its target is a URL, not an Azure resource"),
            )
            .with_help("target the resource with `target.resource` (or `resource_id`) to grant roles on it"),
        );
    }
    for (i, r) in roles.iter().enumerate() {
        let Some(written) = r.as_str() else { continue };
        let rp = cp.key("roles").index(i);
        match catalog::lookup_role(written) {
            RoleLookup::Found(_) => {}
            RoleLookup::Renamed { role, .. } => out.push(
                Diagnostic::warning(
                    Code::RenamedRole,
                    rp,
                    r.span,
                    format!("role `{written}` is now called `{}`", role.name),
                )
                .with_help(format!("write `{}` (the GUID is the same)", role.name)),
            ),
            // Granted as the target's own data-plane assignment, where the target has one; a URL
            // target is FG041's, a malformed one its own error's.
            RoleLookup::CosmosDataPlane(dp) => match resource_type.as_deref() {
                Some(_) if category == Some(MONGO) => out.push(
                    Diagnostic::error(
                        Code::CosmosDataPlaneRole,
                        rp,
                        r.span,
                        format!("`{dp}` is a Cosmos DB for NoSQL data-plane role, which a `{MONGO}` connection's account does not grant"),
                    )
                    .with_help("remove it: Cosmos DB for MongoDB has roles of its own, which foundrygen does not grant; `Cosmos DB Operator` is an Azure RBAC role it can"),
                ),
                Some(ty) if catalog::data_plane_role(ty, written).is_none() => out.push(
                    Diagnostic::error(
                        Code::CosmosDataPlaneRole,
                        rp,
                        r.span,
                        format!("`{dp}` is a Cosmos DB data-plane role, granted on a Cosmos DB account, not on a `{ty}`"),
                    )
                    .with_help(format!("use an Azure RBAC role for a `{ty}`, or target the `{COSMOS}` whose data the connection reads")),
                ),
                _ => {}
            },
            RoleLookup::Unknown if catalog::is_guid(written) => {}
            RoleLookup::Unknown => {
                let help = did_you_mean(written, catalog::role_names())
                    .map(|s| format!("did you mean `{s}`?"))
                    .unwrap_or_else(|| {
                        "write a built-in role name from the README, or the role definition's GUID".to_string()
                    });
                out.push(
                    Diagnostic::error(
                        Code::UnknownRole,
                        rp,
                        r.span,
                        format!("unknown role `{written}`"),
                    )
                    .with_help(help),
                );
            }
        }
    }

    check_data_plane_access(
        c,
        cp,
        category,
        resource_type.as_deref(),
        is_url,
        roles,
        out,
    );

    // Metadata values are strings; Azure rejects anything else.
    for (k, v) in c.get("metadata").and_then(Node::as_map).unwrap_or(&[]) {
        let Some(key) = k.as_str() else { continue };
        if v.as_str().is_none() {
            let help = match &v.value {
                Value::Int(i) => format!("quote it: `{key}: \"{i}\"`"),
                Value::Float(f) => format!("quote it: `{key}: \"{f}\"`"),
                Value::Bool(b) => format!("quote it: `{key}: \"{b}\"`"),
                _ => {
                    format!("write nested data as a JSON string, e.g. `{key}: '{{\"a\": \"b\"}}'`")
                }
            };
            out.push(
                Diagnostic::error(
                    Code::MetadataNotString,
                    cp.key("metadata").key(key),
                    v.span,
                    format!(
                        "metadata value of `{key}` is {}, but Azure takes only strings",
                        v.kind_name()
                    ),
                )
                .with_help(help),
            );
        }
    }
}

/// The Cosmos DB account type, whose data an Entra ID identity reads only with a data-plane role.
const COSMOS: &str = "Microsoft.DocumentDB/databaseAccounts";
/// The category of a Cosmos DB for MongoDB connection, whose account has roles of its own.
const MONGO: &str = "CosmosDbMongoDbApi";

/// An Entra ID connection to a Cosmos DB account reads its data with the identity's data-plane
/// role: without one, the connection is made but every read is refused (FG045).
fn check_data_plane_access(
    c: &Node,
    cp: &SpecPath,
    category: Option<&str>,
    resource_type: Option<&str>,
    is_url: bool,
    roles: &[Node],
    out: &mut Vec<Diagnostic>,
) {
    let Some(auth_type) = c.get("auth").and_then(|a| a.get("type")) else {
        return;
    };
    if auth_type.as_str() != Some("AAD") || category == Some(MONGO) {
        return;
    }
    let plane = match resource_type {
        Some(ty) => match catalog::target_type(ty).and_then(|t| t.data_plane) {
            Some(plane) => plane,
            None => return,
        },
        // A URL to Cosmos DB: the roles need the account as the target.
        None if is_url && category == Some("CosmosDb") => &catalog::COSMOS_DATA_PLANE,
        None => return,
    };
    let granted = resource_type.is_some_and(|ty| {
        roles
            .iter()
            .filter_map(Node::as_str)
            .any(|r| catalog::data_plane_role(ty, r).is_some())
    });
    if granted {
        return;
    }
    let name = c.get_str("name").unwrap_or("?");
    let (reader, writer) = (plane.roles[0].0, plane.roles[1].0);
    let (path, span) = match c.key_node("roles") {
        Some(k) => (cp.key("roles"), k.span),
        None => (cp.key("auth").key("type"), auth_type.span),
    };
    let help = if resource_type.is_none() {
        format!(
            "target the account, `target: {{ resource: {{ type: {COSMOS}, name: <account> }} }}`, and add `roles: [{reader}]`"
        )
    } else if roles.is_empty() {
        format!("add `roles: [{reader}]` (or `{writer}` to write as well)")
    } else {
        format!(
            "add `{reader}` (or `{writer}` to write as well) to its `roles:`; Azure RBAC roles open no data"
        )
    };
    out.push(
        Diagnostic::warning(
            Code::MissingDataPlaneRole,
            path,
            span,
            format!("connection `{name}` signs in to Cosmos DB with its Entra ID identity, but grants that identity no data-plane role, so it cannot read data"),
        )
        .with_help(help),
    );
}

fn check_resource_type(
    ty: &str,
    n: &Node,
    path: &SpecPath,
    overrides: &[&str],
    out: &mut Vec<Diagnostic>,
) {
    let Some((ns, rest)) = ty.split_once('/') else {
        out.push(
            Diagnostic::error(
                Code::InvalidValue,
                path.clone(),
                n.span,
                format!("`{ty}` is not a resource type"),
            )
            .with_help("write `Namespace/type`, e.g. `Microsoft.Search/searchServices`"),
        );
        return;
    };
    let child = catalog::target_type(ty).is_some_and(|t| t.parent.is_some());
    if (rest.contains('/') && !child) || !ns.contains('.') {
        out.push(
            Diagnostic::error(
                Code::InvalidValue,
                path.clone(),
                n.span,
                format!("`{ty}` is not a top-level resource type"),
            )
            .with_help(
                "connections target top-level resources such as `Microsoft.Search/searchServices`",
            ),
        );
        return;
    }
    if catalog::target_type(ty).is_none() && !overrides.iter().any(|o| o.eq_ignore_ascii_case(ns)) {
        let known = catalog::TARGET_TYPES.iter().map(|t| t.resource_type);
        out.push(
            Diagnostic::error(
                Code::InvalidValue,
                path.clone(),
                n.span,
                format!("foundrygen has no API version for resource type `{ty}`"),
            )
            .with_help(match did_you_mean(ty, known) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("add `api_versions: {{ {ns}: <version> }}` to the spec"),
            }),
        );
    }
}

/// The name of a child target (`Microsoft.ApiManagement/service/apis`) is `<parent>/<child>`.
fn check_child_name(ty: &str, resource: &Node, path: &SpecPath, out: &mut Vec<Diagnostic>) {
    let Some(parent) = catalog::target_type(ty).and_then(|t| t.parent) else {
        return;
    };
    let (Some(name), Some(n)) = (resource.get_str("name"), resource.get("name")) else {
        return;
    };
    let parts: Vec<&str> = name.split('/').collect();
    if parts.len() == 2 && parts.iter().all(|p| !p.is_empty()) {
        return;
    }
    let parent_last = singular(parent.rsplit('/').next().unwrap_or("parent"));
    let last = singular(ty.rsplit('/').next().unwrap_or("child"));
    // A single name is most likely the child's own (the type already says what it is).
    let example = match parts.as_slice() {
        [own] if !own.is_empty() => format!("<{parent_last}>/{own}"),
        _ => format!("<{parent_last}>/<{last}>"),
    };
    out.push(
        Diagnostic::error(
            Code::InvalidName,
            path.clone(),
            n.span,
            format!("a `{ty}` is named `<{parent_last}>/<{last}>`, found `{name}`"),
        )
        .with_help(format!(
            "write `name: {example}`: the name of its `{parent}`, `/`, its own name"
        )),
    );
}

/// `apis` → `api`, for placeholders.
fn singular(segment: &str) -> &str {
    segment.strip_suffix('s').unwrap_or(segment)
}

fn check_credentials(
    conn_name: &str,
    auth: &Node,
    ap: &SpecPath,
    auth_type: &str,
    resource_type: Option<&str>,
    out: &mut Vec<Diagnostic>,
) {
    let Some(rule) = category::auth_rule(auth_type) else {
        return;
    };
    let entries = auth.as_map().unwrap_or(&[]);
    for key in rule.required {
        if auth.get(key).is_none() {
            let example = if SECRET_FIELDS.contains(key) || *key == "keys" {
                if *key == "keys" {
                    "keys: { <header>: { secret: <parameter> } }".to_string()
                } else {
                    format!("{key}: {{ secret: <parameter> }}")
                }
            } else {
                format!("{key}: <value>")
            };
            out.push(
                Diagnostic::error(
                    Code::MissingCredential,
                    ap.key(key),
                    auth.span,
                    format!("auth type `{auth_type}` needs `{key}`"),
                )
                .with_help(format!("add `{example}`")),
            );
        }
    }
    for (k, v) in entries {
        let Some(key) = k.as_str() else { continue };
        if key == "type" {
            continue;
        }
        let known = SECRET_FIELDS.contains(&key)
            || PLAIN_FIELDS.contains(&key)
            || matches!(key, "keys" | "scopes");
        if known && !rule.required.contains(&key) && !rule.optional.contains(&key) {
            let needs: Vec<&str> = rule.required.iter().chain(rule.optional).copied().collect();
            out.push(
                Diagnostic::error(
                    Code::UnexpectedCredential,
                    ap.key(key),
                    k.span,
                    format!("auth type `{auth_type}` does not use `{key}`"),
                )
                .with_help(if needs.is_empty() {
                    format!("remove it: `{auth_type}` carries no credentials")
                } else {
                    format!(
                        "remove it; `{auth_type}` takes {}",
                        needs
                            .iter()
                            .map(|n| format!("`{n}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }),
            );
            continue;
        }
        if key == "keys" {
            let Some(map) = v.as_map() else { continue };
            if map.is_empty() {
                out.push(
                    Diagnostic::error(
                        Code::MissingCredential,
                        ap.key("keys"),
                        v.span,
                        "`keys` is empty",
                    )
                    .with_help("add at least one `<name>: { secret: <parameter> }`"),
                );
            }
            for (kk, kv) in map {
                if kk.as_str() == Some(crate::import::PLACEHOLDER_KEY_NAME) {
                    out.push(placeholder(&ap.key("keys"), kk.span, "a key name"));
                }
                if let Some(kname) = kk.as_str() {
                    secret_value(
                        kv,
                        conn_name,
                        &ap.key("keys").key(kname),
                        kname,
                        kname,
                        None,
                        out,
                    );
                }
            }
        } else if SECRET_FIELDS.contains(&key) {
            secret_value(
                v,
                conn_name,
                &ap.key(key),
                key,
                key,
                if key == "key" { resource_type } else { None },
                out,
            );
        } else if let Some(s) = v.as_str()
            && (s == crate::import::PLACEHOLDER_GUID || s.contains(crate::import::PLACEHOLDER))
        {
            out.push(placeholder(&ap.key(key), v.span, &format!("`{key}`")));
        } else if matches!(key, "client_id" | "tenant_id")
            && let Some(s) = v.as_str()
            && !catalog::is_guid(s)
        {
            out.push(
                Diagnostic::error(
                    Code::InvalidGuid,
                    ap.key(key),
                    v.span,
                    format!("`{key}` must be a GUID, found `{s}`"),
                )
                .with_help("copy the id from the app registration or identity, e.g. `00000000-0000-0000-0000-000000000000`"),
            );
        } else if key == "resource_id"
            && let Some(s) = v.as_str()
            && parse_resource_id(s).is_none()
        {
            out.push(
                Diagnostic::error(
                    Code::InvalidResourceId,
                    ap.key(key),
                    v.span,
                    "not the id of a user-assigned identity",
                )
                .with_help("write `/subscriptions/<guid>/resourceGroups/<rg>/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>`"),
            );
        } else if matches!(key, "auth_url" | "token_url")
            && let Some(s) = v.as_str()
            && !s.starts_with("https://")
        {
            out.push(
                Diagnostic::error(
                    Code::InvalidUrl,
                    ap.key(key),
                    v.span,
                    format!("`{s}` is not an https URL"),
                )
                .with_help("write the token endpoint's full https URL"),
            );
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn secret_value(
    v: &Node,
    conn_name: &str,
    path: &SpecPath,
    label: &str,
    field: &str,
    key_target: Option<&str>,
    out: &mut Vec<Diagnostic>,
) {
    match &v.value {
        Value::Str(_) | Value::Int(_) | Value::Float(_) | Value::Bool(_) => {
            let param = heck::ToLowerCamelCase::to_lower_camel_case(
                format!("{conn_name}_{label}").as_str(),
            );
            out.push(
                Diagnostic::error(
                    Code::SecretLiteral,
                    path.clone(),
                    v.span,
                    format!("`{label}` is a secret and may not be written in the spec"),
                )
                .redacted()
                .with_help(format!(
                    "write `{field}: {{ secret: {param} }}` and pass the value as a secure parameter at deployment"
                )),
            );
        }
        Value::Map(_) if v.get_bool("from_target") == Some(true) => {
            let readable = key_target
                .is_some_and(|t| FROM_TARGET_TYPES.iter().any(|f| f.eq_ignore_ascii_case(t)));
            if !readable {
                let n = v.get("from_target").unwrap_or(v);
                out.push(
                    Diagnostic::error(
                        Code::FromTargetUnsupported,
                        path.key("from_target"),
                        n.span,
                        match key_target {
                            Some(t) if field == "key" => {
                                format!("foundrygen cannot read a key from a `{t}`")
                            }
                            _ if field == "key" => {
                                "`from_target` needs a resource target to read the key from"
                                    .to_string()
                            }
                            _ => format!("`from_target` reads only `key`, not `{label}`"),
                        },
                    )
                    .with_help(format!(
                        "write `{{ secret: <parameter> }}`; `from_target` works for {}",
                        FROM_TARGET_TYPES.join(", ")
                    )),
                );
            }
        }
        _ => {}
    }
}

/// A placeholder `import` wrote for what Azure does not return: deploying it would overwrite the
/// working value, so it is a warning (`--deny-warnings` stops CI on it).
fn placeholder(path: &SpecPath, span: crate::diagnostics::Span, what: &str) -> Diagnostic {
    Diagnostic::warning(
        Code::PlaceholderCredential,
        path.clone(),
        span,
        format!("{what} is still the placeholder `foundrygen import` wrote"),
    )
    .with_help("write the real value (Azure does not return it, so import could not); deploying the placeholder replaces the one the connection has")
}

#[cfg(test)]
mod tests {
    use super::super::tests::{codes, diags, with_foundry};
    use super::*;

    fn conn(body: &str) -> String {
        with_foundry(&format!("connections:\n  - name: conn1\n{}", indent(body)))
    }

    fn indent(s: &str) -> String {
        s.lines().map(|l| format!("    {l}\n")).collect()
    }

    const SEARCH: &str =
        "target: { resource: { type: Microsoft.Search/searchServices, name: s1 } }";

    #[test]
    fn accepts_search_with_key_from_target() {
        assert_eq!(
            codes(&conn(&format!(
                "category: CognitiveSearch\n{SEARCH}\nauth: {{ type: ApiKey, key: {{ from_target: true }} }}\nroles: [Search Index Data Reader]"
            ))),
            Vec::<Code>::new()
        );
    }

    #[test]
    fn rejects_unknown_category_with_suggestion() {
        let d = diags(&conn(&format!(
            "category: CognitivSearch\n{SEARCH}\nauth: {{ type: AAD }}"
        )));
        assert_eq!(d[0].code, Code::UnknownCategory);
        assert_eq!(
            d[0].help.as_deref(),
            Some("did you mean `CognitiveSearch`?")
        );
    }

    #[test]
    fn accepts_cosmos_db_spelling() {
        let c = codes(&conn(
            "category: CosmosDB\ntarget: { resource: { type: Microsoft.DocumentDB/databaseAccounts, name: cosmos1 } }\nauth: { type: AAD }\nroles: [Cosmos DB Built-in Data Reader]",
        ));
        assert_eq!(c, Vec::<Code>::new());
    }

    #[test]
    fn rejects_auth_type_the_category_does_not_take() {
        let c = codes(&conn(&format!(
            "category: CognitiveSearch\n{SEARCH}\nauth: {{ type: SAS, sas: {{ secret: s }} }}"
        )));
        assert_eq!(c, [Code::AuthTypeNotAllowed]);
    }

    #[test]
    fn warns_for_unchecked_categories() {
        let d = diags(&conn(
            "category: Pinecone\ntarget: { url: 'https://x.pinecone.io' }\nauth: { type: ApiKey, key: { secret: pineKey } }",
        ));
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].code, Code::AuthTypeUnchecked);
        assert!(!d[0].is_error());
    }

    #[test]
    fn rejects_missing_and_extra_credentials() {
        let c = codes(&conn(&format!(
            "category: CognitiveSearch\n{SEARCH}\nauth: {{ type: ApiKey, client_id: 00000000-0000-0000-0000-000000000000 }}"
        )));
        assert_eq!(c, [Code::MissingCredential, Code::UnexpectedCredential]);
    }

    #[test]
    fn rejects_secret_literals() {
        let d = diags(&conn(&format!(
            "category: CognitiveSearch\n{SEARCH}\nauth: {{ type: ApiKey, key: abc123 }}"
        )));
        assert_eq!(d[0].code, Code::SecretLiteral);
        assert!(d[0].help.as_deref().unwrap().contains("secret:"));
    }

    #[test]
    fn rejects_secret_literals_in_custom_keys() {
        let c = codes(&conn(
            "category: CustomKeys\ntarget: { url: 'https://x.example' }\nauth: { type: CustomKeys, keys: { x-api-key: plain } }",
        ));
        assert_eq!(c, [Code::SecretLiteral]);
    }

    #[test]
    fn rejects_from_target_where_no_key_can_be_read() {
        let c = codes(&conn(
            "category: ApiKey\ntarget: { url: 'https://api.bing.microsoft.com/' }\nauth: { type: ApiKey, key: { from_target: true } }",
        ));
        assert_eq!(c, [Code::FromTargetUnsupported]);
    }

    #[test]
    fn rejects_roles_on_url_targets() {
        let c = codes(&conn(
            "category: ApiKey\ntarget: { url: 'https://api.bing.microsoft.com/' }\nauth: { type: ApiKey, key: { secret: bing } }\nroles: [Reader]",
        ));
        assert_eq!(c, [Code::RoleNeedsResourceTarget]);
    }

    const COSMOS_TARGET: &str =
        "target: { resource: { type: Microsoft.DocumentDB/databaseAccounts, name: cosmos1 } }";

    #[test]
    fn accepts_cosmos_data_plane_roles_on_a_cosmos_account() {
        for roles in [
            "[Cosmos DB Built-in Data Contributor]",
            "[cosmos db built-in data reader, Cosmos DB Operator]",
            "['00000000-0000-0000-0000-000000000001']",
        ] {
            let c = codes(&conn(&format!(
                "category: CosmosDb\n{COSMOS_TARGET}\nauth: {{ type: AAD }}\nroles: {roles}"
            )));
            assert_eq!(c, Vec::<Code>::new(), "{roles}");
        }
        // By resource id too.
        let c = codes(&conn(
            "category: CosmosDb\ntarget: { resource_id: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.DocumentDB/databaseAccounts/cosmos1 }\nauth: { type: AAD }\nroles: [Cosmos DB Built-in Data Reader]",
        ));
        assert_eq!(c, Vec::<Code>::new());
    }

    #[test]
    fn refuses_data_plane_roles_on_a_target_without_them() {
        let d = diags(&conn(&format!(
            "category: CognitiveSearch\n{SEARCH}\nauth: {{ type: AAD }}\nroles: [Search Index Data Reader, Cosmos DB Built-in Data Reader]"
        )));
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].code, Code::CosmosDataPlaneRole);
        assert!(d[0].is_error());
        assert_eq!(d[0].path.0, "foundries[0].connections[0].roles[1]");
        assert_eq!(
            d[0].message,
            "`Cosmos DB Built-in Data Reader` is a Cosmos DB data-plane role, granted on a Cosmos DB account, not on a `Microsoft.Search/searchServices`"
        );
        // By GUID as well.
        let c = codes(&conn(&format!(
            "category: CognitiveSearch\n{SEARCH}\nauth: {{ type: AAD }}\nroles: ['00000000-0000-0000-0000-000000000002']"
        )));
        assert_eq!(c, [Code::CosmosDataPlaneRole]);
        // A Cosmos DB for MongoDB connection: its account has MongoDB's roles, not these.
        let c = codes(&conn(&format!(
            "category: CosmosDbMongoDbApi\n{COSMOS_TARGET}\nauth: {{ type: AAD }}\nroles: [Cosmos DB Built-in Data Reader]"
        )));
        assert_eq!(c, [Code::AuthTypeUnchecked, Code::CosmosDataPlaneRole]);
        // A URL target is FG041's alone.
        let c = codes(&conn(
            "category: CosmosDb\ntarget: { url: 'https://cosmos1.documents.azure.com:443/' }\nauth: { type: AAD }\nroles: [Cosmos DB Built-in Data Reader]",
        ));
        assert_eq!(
            c,
            [Code::RoleNeedsResourceTarget, Code::MissingDataPlaneRole]
        );
    }

    #[test]
    fn warns_when_an_entra_id_cosmos_connection_has_no_data_plane_role() {
        let warning = |body: &str| {
            let d = diags(&conn(body));
            assert_eq!(d.len(), 1, "{d:?}");
            assert_eq!(d[0].code, Code::MissingDataPlaneRole);
            assert!(!d[0].is_error());
            assert_eq!(
                d[0].message,
                "connection `conn1` signs in to Cosmos DB with its Entra ID identity, but grants that identity no data-plane role, so it cannot read data"
            );
            (d[0].path.0.clone(), d[0].help.clone().unwrap())
        };
        assert_eq!(
            warning(&format!("category: CosmosDb\n{COSMOS_TARGET}\nauth: {{ type: AAD }}")),
            (
                "foundries[0].connections[0].auth.type".to_string(),
                "add `roles: [Cosmos DB Built-in Data Reader]` (or `Cosmos DB Built-in Data Contributor` to write as well)".to_string()
            )
        );
        assert_eq!(
            warning(&format!(
                "category: CosmosDB\n{COSMOS_TARGET}\nauth: {{ type: AAD }}\nroles: [Cosmos DB Operator]"
            )),
            (
                "foundries[0].connections[0].roles".to_string(),
                "add `Cosmos DB Built-in Data Reader` (or `Cosmos DB Built-in Data Contributor` to write as well) to its `roles:`; Azure RBAC roles open no data".to_string()
            )
        );
        assert_eq!(
            warning("category: CosmosDb\ntarget: { url: 'https://cosmos1.documents.azure.com:443/' }\nauth: { type: AAD }").1,
            "target the account, `target: { resource: { type: Microsoft.DocumentDB/databaseAccounts, name: <account> } }`, and add `roles: [Cosmos DB Built-in Data Reader]`"
        );
        // Another category that reaches the account over Entra ID needs the role just the same.
        let c = codes(&conn(&format!(
            "category: GenericRest\n{COSMOS_TARGET}\nauth: {{ type: AAD }}"
        )));
        assert!(c.contains(&Code::MissingDataPlaneRole), "{c:?}");
    }

    #[test]
    fn warns_on_renamed_roles_and_suggests_unknown_ones() {
        let d = diags(&conn(&format!(
            "category: CognitiveSearch\n{SEARCH}\nauth: {{ type: AAD }}\nroles: [Azure AI User, Search Index Data Reeder]"
        )));
        assert_eq!(d[0].code, Code::RenamedRole);
        assert_eq!(d[1].code, Code::UnknownRole);
        assert_eq!(
            d[1].help.as_deref(),
            Some("did you mean `Search Index Data Reader`?")
        );
    }

    #[test]
    fn rejects_non_string_metadata_with_quote_help() {
        let d = diags(&conn(&format!(
            "category: CognitiveSearch\n{SEARCH}\nauth: {{ type: AAD }}\nmetadata: {{ Retries: 3 }}"
        )));
        assert_eq!(d[0].code, Code::MetadataNotString);
        assert_eq!(d[0].help.as_deref(), Some("quote it: `Retries: \"3\"`"));
    }

    #[test]
    fn rejects_two_target_kinds() {
        let c = codes(&conn(
            "category: ApiKey\ntarget: { url: 'https://a.example', resource_id: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Search/searchServices/s1' }\nauth: { type: ApiKey, key: { secret: k } }",
        ));
        assert_eq!(c, [Code::TargetShape]);
    }

    #[test]
    fn rejects_category_target_type_mismatch() {
        let c = codes(&conn(
            "category: CognitiveSearch\ntarget: { resource: { type: Microsoft.Storage/storageAccounts, name: st1 } }\nauth: { type: AAD }",
        ));
        assert_eq!(c, [Code::InvalidValue]);
    }

    #[test]
    fn rejects_unknown_resource_types_without_api_version() {
        let c = codes(&conn(
            "category: Redis\ntarget: { resource: { type: Microsoft.Cache/redis, name: r1 } }\nauth: { type: AAD }",
        ));
        assert!(c.contains(&Code::InvalidValue));
    }

    #[test]
    fn project_managed_identity_needs_a_project() {
        let c = codes(&conn(&format!(
            "category: ApiManagement\ntarget: {{ url: 'https://apim.azure-api.net/x' }}\nauth: {{ type: ProjectManagedIdentity }}\n{GATEWAY_METADATA}"
        )));
        assert_eq!(c, [Code::WrongConnectionLevel]);
    }

    /// Metadata every gateway connection (ApiManagement, ModelGateway) needs.
    const GATEWAY_METADATA: &str = "metadata:\n  deploymentInPath: 'true'\n  models: '[{\"name\": \"gpt-4o\", \"properties\": {\"model\": {\"name\": \"gpt-4o\", \"version\": \"2024-11-20\", \"format\": \"OpenAI\"}}}]'";

    const APIM_SERVICE_ID: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-apim/providers/Microsoft.ApiManagement/service/contoso-apim";

    #[test]
    fn accepts_an_api_of_an_api_management_service_as_target() {
        for target in [
            "{ resource: { type: Microsoft.ApiManagement/service/apis, name: contoso-apim/openai } }"
                .to_string(),
            format!("{{ resource_id: '{APIM_SERVICE_ID}/apis/openai' }}"),
        ] {
            for category in ["ApiManagement", "ModelGateway"] {
                let c = codes(&conn(&format!(
                    "category: {category}\ntarget: {target}\nauth: {{ type: ApiKey, key: {{ secret: k }} }}\nroles: [Reader]\n{GATEWAY_METADATA}"
                )));
                assert_eq!(c, Vec::<Code>::new(), "{category} {target}");
            }
        }
    }

    #[test]
    fn refuses_a_bare_api_management_service_with_the_apis_form() {
        let d = diags(&conn(&format!(
            "category: ApiManagement\ntarget: {{ resource: {{ type: Microsoft.ApiManagement/service, name: contoso-apim }} }}\nauth: {{ type: ApiKey, key: {{ secret: k }} }}\n{GATEWAY_METADATA}"
        )));
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].code, Code::InvalidValue);
        assert_eq!(d[0].path.0, "foundries[0].connections[0].target");
        assert_eq!(
            d[0].help.as_deref(),
            Some(
                "target one of its APIs: `target: { resource: { type: Microsoft.ApiManagement/service/apis, name: contoso-apim/<api> } }`"
            )
        );
        let d = diags(&conn(&format!(
            "category: ModelGateway\ntarget: {{ resource_id: '{APIM_SERVICE_ID}' }}\nauth: {{ type: ApiKey, key: {{ secret: k }} }}\n{GATEWAY_METADATA}"
        )));
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(
            d[0].help.as_deref(),
            Some(
                format!("target one of its APIs: `resource_id: {APIM_SERVICE_ID}/apis/<api>`")
                    .as_str()
            )
        );
    }

    #[test]
    fn gateway_connections_take_no_other_resource_type() {
        let c = codes(&conn(&format!(
            "category: ModelGateway\ntarget: {{ resource: {{ type: Microsoft.CognitiveServices/accounts, name: aoai }} }}\nauth: {{ type: ApiKey, key: {{ secret: k }} }}\n{GATEWAY_METADATA}"
        )));
        assert_eq!(c, [Code::InvalidValue]);
    }

    #[test]
    fn an_api_target_is_named_service_slash_api() {
        for (name, example) in [
            ("openai", "<service>/openai"),
            ("contoso-apim/", "<service>/<api>"),
            ("a/b/c", "<service>/<api>"),
        ] {
            let d = diags(&conn(&format!(
                "category: ApiManagement\ntarget: {{ resource: {{ type: Microsoft.ApiManagement/service/apis, name: '{name}' }} }}\nauth: {{ type: ApiKey, key: {{ secret: k }} }}\n{GATEWAY_METADATA}"
            )));
            assert_eq!(d.len(), 1, "{d:?}");
            assert_eq!(d[0].code, Code::InvalidName);
            assert_eq!(
                d[0].path.0,
                "foundries[0].connections[0].target.resource.name"
            );
            assert_eq!(
                d[0].help.as_deref(),
                Some(
                    format!("write `name: {example}`: the name of its `Microsoft.ApiManagement/service`, `/`, its own name").as_str()
                )
            );
        }
    }

    #[test]
    fn child_types_other_than_listed_ones_are_not_targets() {
        let c = codes(&conn(
            "category: GenericRest\ntarget: { resource: { type: Microsoft.ApiManagement/service/subscriptions, name: contoso-apim/master } }\nauth: { type: None }",
        ));
        assert!(c.contains(&Code::InvalidValue), "{c:?}");
    }

    #[test]
    fn api_version_format() {
        assert!(valid_api_version("2026-07-01"));
        assert!(valid_api_version("2025-04-01-preview"));
        assert!(!valid_api_version("2026-7-1"));
        assert!(!valid_api_version("latest"));
    }
}
