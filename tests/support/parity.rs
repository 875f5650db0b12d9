//! Test support: reduces the Bicep, ARM JSON and Terraform of one output set to one shared
//! symbolic form, so that the three can be compared ("three formats, one deployment").
//!
//! The form of one format is the set of created resources, each with its ARM type, name, API
//! version, where it is deployed and its property body, plus the dependency graph of
//! `support::graph` (same node keys, same edges). Each format is read with a real parser
//! (tree-sitter-bicep, serde_json plus `graph::arm`'s expression parser, hcl-rs); anything the
//! reducer does not understand panics, so a change in the output cannot slip through unread.
//!
//! Normalization rules (each derived from the generator's real output):
//!
//! * Resource keys are `graph`'s node keys. A reference to a resource becomes a symbol naming the
//!   node key of a created resource, or for an existing one (Bicep `existing`, Terraform `data`,
//!   ARM `resourceId(…)` of something the template does not deploy) the key
//!   `<type>/<name>@<subscription>/<resource group>`, type in lower case, `deployment` standing for
//!   the deployment's own subscription or group (Bicep `subscription().subscriptionId` /
//!   `resourceGroup().name`, ARM the same, Terraform `var.subscription_id` /
//!   `var.resource_group_name` / `local.resource_group_id`). A module or nested deployment
//!   parameter is replaced by what the caller passes, evaluated where the caller evaluates it.
//! * References: Bicep `x.id`, ARM `resourceId(…)`, Terraform `….x.id` → `id(k)`; Bicep
//!   `x.properties.endpoint` / `x.location`, ARM `reference(id, v).endpoint` (no `'full'`: the
//!   properties) / `reference(id, v, 'full').location`, Terraform `….output.properties.endpoint` /
//!   data-source attribute `.location` → `prop(k, properties.endpoint)` / `prop(k, location)`;
//!   `x.identity.principalId`, `reference(…, 'full').identity.principalId`,
//!   `azapi_resource.x.identity[0].principal_id`, `data.azapi_resource.x.output.identity.principalId`
//!   → `principal(k)`; `x.listKeys().key1`, `listKeys(id, v).key1`,
//!   `ephemeral.azapi_resource_action.x_list_keys.output.key1` → `action(k, listKeys, key1)`, and
//!   an ephemeral GET's `output.properties.ConnectionString` → that property of the resource.
//! * `@secure()` parameters / `securestring` parameters / `sensitive` variables → `secret(x)`;
//!   other parameters and variables (`location`) → `param(x)`; `tenant().tenantId` and
//!   `data.azapi_client_config.current.tenant_id` → `tenant`; role definition ids
//!   (`subscriptionResourceId('Microsoft.Authorization/roleDefinitions', g)` or the Terraform id
//!   string, whatever the subscription: built-in role ids are the same in all) → `roledef(g)`.
//! * `guid(a, b, c)` and Terraform `uuidv5("11fb06fb-…", join("-", [a, b, c]))` (ARM's `guid`
//!   namespace and separator, which Terraform must use to give the same name) → `guid(a, b, c)`,
//!   with Terraform's full id strings (`/subscriptions/${var.subscription_id}/resourceGroups/…`)
//!   read back as `id(k)` / `roledef(g)`.
//! * Strings joined at deploy time — Bicep `'${a}/${b}'`, ARM `concat(a, '/', b)`, a Terraform
//!   template `"${a}/${b}"` — → `concat(a, "/", b)`, adjacent literals merged; a resource id joined
//!   with `/<childType>/<childName>` (a data-plane role definition, `<account id>/sqlRoleDefinitions/
//!   <guid>`) is that child's id, as a Terraform id string of it is.
//! * A data-plane role assignment (`sqlRoleAssignments`, Terraform `azapi_resource` of that type) is
//!   named by its own `guid(…)`, as a role assignment is, and deployed where its parent resource is
//!   (Bicep `parent:`, ARM the template's place, Terraform `parent_id`).
//! * Literal strings are compared decoded: Bicep escapes (`\'`, `\$`, `\u{…}`), ARM's `[[`
//!   escape (also in property names, which ARM evaluates), Terraform's `$${` and `%%{`.
//! * Terraform `body = { kind, sku, properties }` and `sensitive_body = { properties = {
//!   credentials } }` are merged into the top level, like Bicep's and ARM's `kind`, `sku` and
//!   `properties.credentials`; the Terraform `identity` block becomes the `identity` object, its
//!   `identity_ids` list being compared with the keys of `userAssignedIdentities` (both read as a
//!   sorted list of `id(k)`).
//! * `azurerm_role_assignment` becomes a `Microsoft.Authorization/roleAssignments` resource:
//!   `name` → name, `scope` → `scope`, `role_definition_id` / `principal_id` / `principal_type` →
//!   `properties.roleDefinitionId` / `principalId` / `principalType`. It has no API version; a
//!   role assignment's deployment place is its `scope`, so it has no separate location.
//! * `azurerm_key_vault_access_policy` (one per entry of its `for_each`, or one) becomes the
//!   `<vault>/add` `Microsoft.KeyVault/vaults/accessPolicies` resource, its `accessPolicies`
//!   array holding `{tenantId, objectId, permissions: {secrets|keys|certificates|storage: […]}}`
//!   per entry, the Terraform permission names (`Get`) in lower case (`get`) as the others write
//!   them; it is deployed where the vault is.
//! * `time_sleep` and `Microsoft.Resources/deploymentScripts` both become a wait of N seconds
//!   (`create_duration = "60s"`, `scriptContent: 'sleep 60'`), typed as the deploymentScripts, that
//!   runs again when a principal id changes (`triggers.principal_id`, `forceUpdateTag`).
//!   The rest of the script resource (CLI version, timeouts, tags, location) has no Terraform
//!   counterpart, and is compared between Bicep and ARM only (`native`), as are API versions.
//! * Format-only decorations are not read: comments (also `checkov:skip`), `#disable-next-line`,
//!   ARM `metadata` (checkov suppressions), Terraform `schema_validation_enabled` and
//!   `response_export_values`, and the `dependsOn`/`depends_on`/`parent` that the graph reads.
#![allow(dead_code)]

use super::graph::{self, DATA_ROLE_TYPE, Graph, data_role_key, last_segment, named_key, role_key};
use foundrygen::{OutputSet, Target};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

/// A subscription or resource group.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Loc {
    /// The deployment's own.
    Deployment,
    /// A named one.
    Named(String),
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Loc::Deployment => write!(f, "deployment"),
            Loc::Named(n) => write!(f, "{n}"),
        }
    }
}

/// A resource as a reference sees it: type (lower case), full name, where it lives.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Res {
    pub rtype: String,
    pub name: String,
    pub sub: Loc,
    pub rg: Loc,
}

impl Res {
    fn new(rtype: &str, name: &str, sub: Loc, rg: Loc) -> Res {
        Res {
            rtype: rtype.to_ascii_lowercase(),
            name: name.to_string(),
            sub,
            rg,
        }
    }
}

/// A value in symbolic form.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Sym {
    Null,
    Bool(bool),
    Num(String),
    Str(String),
    List(Vec<Sym>),
    Map(BTreeMap<String, Sym>),
    /// `id(k)`.
    Id(Res),
    /// `prop(k, path)`; `identity.principalId` prints as `principal(k)`.
    Prop(Res, String),
    /// `action(k, action, path)`.
    Action(Res, String, String),
    Secret(String),
    Param(String),
    Tenant,
    /// A role definition id: the subscription it resolves in, and the role's GUID. Inside a
    /// `guid()` seed the subscription changes the name, so it is compared too.
    RoleDef(Loc, String),
    Guid(Vec<Sym>),
    /// A string joined from deploy-time values and literals (see [`concat`]).
    Concat(Vec<Sym>),
    /// `substring(x, start, length)` (Terraform's `substr`).
    Substr(Box<Sym>, String, String),
    /// A subscription or group as an expression evaluates it (`subscription().subscriptionId`).
    Loc(Loc),
    /// A resolved reference, after `finalize`: the printed symbol.
    Ref(String),
}

impl Sym {
    fn str(&self) -> &str {
        match self {
            Sym::Str(s) => s,
            other => panic!("expected a literal string, found {other}"),
        }
    }

    fn loc(&self) -> Loc {
        match self {
            Sym::Str(s) => Loc::Named(s.clone()),
            Sym::Loc(l) => l.clone(),
            other => panic!("expected a subscription or resource group, found {other}"),
        }
    }
}

impl fmt::Display for Sym {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Sym::Null => write!(f, "null"),
            Sym::Bool(b) => write!(f, "{b}"),
            Sym::Num(n) => write!(f, "{n}"),
            Sym::Str(s) => write!(f, "{s:?}"),
            Sym::List(l) => {
                write!(f, "[")?;
                for (i, v) in l.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{v}")?;
                }
                write!(f, "]")
            }
            Sym::Map(m) => {
                write!(f, "{{")?;
                for (i, (k, v)) in m.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{k:?}: {v}")?;
                }
                write!(f, "}}")
            }
            Sym::Id(r) => write!(f, "id({}/{}@{}/{})", r.rtype, r.name, r.sub, r.rg),
            Sym::Prop(r, p) => write!(f, "prop({}/{}@{}/{}, {p})", r.rtype, r.name, r.sub, r.rg),
            Sym::Action(r, a, p) => {
                write!(
                    f,
                    "action({}/{}@{}/{}, {a}, {p})",
                    r.rtype, r.name, r.sub, r.rg
                )
            }
            Sym::Secret(s) => write!(f, "secret({s})"),
            Sym::Param(s) => write!(f, "param({s})"),
            Sym::Tenant => write!(f, "tenant"),
            Sym::RoleDef(sub, g) => write!(f, "roledef({g}@{sub})"),
            Sym::Guid(args) => {
                write!(f, "guid(")?;
                for (i, v) in args.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{v}")?;
                }
                write!(f, ")")
            }
            Sym::Concat(parts) => {
                write!(f, "concat(")?;
                for (i, v) in parts.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{v}")?;
                }
                write!(f, ")")
            }
            Sym::Loc(l) => write!(f, "loc({l})"),
            Sym::Substr(x, a, b) => write!(f, "substr({x}, {a}, {b})"),
            Sym::Ref(s) => write!(f, "{s}"),
        }
    }
}

/// One created resource in symbolic form.
#[derive(Debug, Clone)]
pub struct Record {
    /// The node key (`support::graph`).
    pub key: String,
    /// ARM type as written.
    pub rtype: String,
    /// Full name (`acct/proj`), or `guid(…)` for a role assignment.
    pub name: Sym,
    /// `None` where the format has none (azurerm and time resources).
    pub api: Option<String>,
    /// Subscription and resource group it is deployed to; `None` for role assignments (their
    /// `scope` says where) and waits (Terraform's runs nowhere; Bicep and ARM: in `native`).
    pub loc: Option<(Loc, Loc)>,
    /// Top-level properties (`location`, `tags`, `kind`, `sku`, `identity`, `properties`, and
    /// `scope` for role assignments).
    pub body: BTreeMap<String, Sym>,
    /// What only Bicep and ARM have (the whole deployment script of a wait).
    pub native: Option<Sym>,
}

/// The symbolic form of one format's output.
#[derive(Debug, Clone)]
pub struct Form {
    /// Records by node key, in declaration order (a key written twice has two).
    pub records: BTreeMap<String, Vec<Record>>,
    /// The dependency graph.
    pub graph: Graph,
}

/// Reads one format of an output set into its symbolic form.
pub fn form_of(files: &OutputSet, format: Target) -> Form {
    let records = match format {
        Target::Arm => arm::records(files),
        Target::Bicep => bicep::records(files),
        Target::Terraform => terraform::records(files),
    };
    let records = finalize(records);
    Form {
        records,
        graph: graph::graph_of(files, format),
    }
}

/// Replaces every resource reference by its symbol, now that every created resource is known.
fn finalize(records: Vec<Record>) -> BTreeMap<String, Vec<Record>> {
    /// (lower-case type, full name) → (node key, where).
    type Created = HashMap<(String, String), (String, Option<(Loc, Loc)>)>;
    let mut created: Created = HashMap::new();
    for r in &records {
        if let Sym::Str(name) = &r.name {
            created.insert(
                (r.rtype.to_ascii_lowercase(), name.clone()),
                (r.key.clone(), r.loc.clone()),
            );
        }
    }
    let key = |res: &Res| -> String {
        match created.get(&(res.rtype.clone(), res.name.clone())) {
            Some((k, Some((sub, rg)))) if *sub == res.sub && *rg == res.rg => k.clone(),
            Some((k, None)) => k.clone(),
            Some((k, Some(_))) => format!("{k}@{}/{}", res.sub, res.rg),
            None => format!("{}/{}@{}/{}", res.rtype, res.name, res.sub, res.rg),
        }
    };
    fn walk(s: Sym, key: &dyn Fn(&Res) -> String) -> Sym {
        match s {
            Sym::Id(r) => Sym::Ref(format!("id({})", key(&r))),
            Sym::Prop(r, p) if p == "identity.principalId" => {
                Sym::Ref(format!("principal({})", key(&r)))
            }
            Sym::Prop(r, p) => Sym::Ref(format!("prop({}, {p})", key(&r))),
            Sym::Action(r, a, p) => Sym::Ref(format!("action({}, {a}, {p})", key(&r))),
            Sym::List(l) => {
                let mut l: Vec<Sym> = l.into_iter().map(|v| walk(v, key)).collect();
                if l.iter().all(|v| matches!(v, Sym::Ref(_))) {
                    // Only `userAssignedIdentities` lists are made of references alone.
                    l.sort();
                }
                Sym::List(l)
            }
            Sym::Map(m) => Sym::Map(m.into_iter().map(|(k, v)| (k, walk(v, key))).collect()),
            Sym::Guid(a) => Sym::Guid(a.into_iter().map(|v| walk(v, key)).collect()),
            Sym::Concat(a) => Sym::Concat(a.into_iter().map(|v| walk(v, key)).collect()),
            Sym::Substr(x, a, b) => Sym::Substr(Box::new(walk(*x, key)), a, b),
            other => other,
        }
    }
    let mut out: BTreeMap<String, Vec<Record>> = BTreeMap::new();
    for mut r in records {
        r.name = walk(r.name, &key);
        r.body = r
            .body
            .into_iter()
            .map(|(k, v)| (k, walk(v, &key)))
            .collect();
        r.native = r.native.map(|n| walk(n, &key));
        out.entry(r.key.clone()).or_default().push(r);
    }
    out
}

/// The resource type counted in the summary.
fn summary_type(r: &Record) -> String {
    r.rtype.to_ascii_lowercase()
}

/// Compares the symbolic forms of the three formats of one output set. `Ok` holds how many
/// resources were compared per (lower-case) ARM type; `Err` every difference, naming the
/// resource, the property path and both values.
pub fn check(files: &OutputSet) -> Result<BTreeMap<String, usize>, String> {
    let bicep = form_of(files, Target::Bicep);
    let arm = form_of(files, Target::Arm);
    let tf = form_of(files, Target::Terraform);
    let mut out = Vec::new();
    compare(("bicep", &bicep), ("arm", &arm), &mut out);
    compare(("bicep", &bicep), ("terraform", &tf), &mut out);
    if !out.is_empty() {
        return Err(out.join("\n"));
    }
    let mut summary = BTreeMap::new();
    for r in bicep.records.values().flatten() {
        *summary.entry(summary_type(r)).or_insert(0) += 1;
    }
    Ok(summary)
}

/// Every difference between two forms.
pub fn compare((na, a): (&str, &Form), (nb, b): (&str, &Form), out: &mut Vec<String>) {
    let keys: BTreeSet<&String> = a.records.keys().chain(b.records.keys()).collect();
    for k in keys {
        match (a.records.get(k), b.records.get(k)) {
            (Some(ra), Some(rb)) if ra.len() == rb.len() => {
                for (x, y) in ra.iter().zip(rb) {
                    compare_records(k, (na, x), (nb, y), out);
                }
            }
            (Some(ra), Some(rb)) => out.push(format!(
                "`{k}`: written {} times in {na}, {} times in {nb}",
                ra.len(),
                rb.len()
            )),
            (Some(_), None) => out.push(format!("`{k}`: created in {na} only")),
            (None, Some(_)) => out.push(format!("`{k}`: created in {nb} only")),
            (None, None) => unreachable!(),
        }
    }
    for (k, n) in &a.graph.nodes {
        match b.graph.nodes.get(k) {
            Some(m) if m == n => {}
            Some(m) => out.push(format!("`{k}`: graph node {n:?} in {na}, {m:?} in {nb}")),
            None => out.push(format!("`{k}`: graph node in {na} only")),
        }
    }
    for k in b.graph.nodes.keys() {
        if !a.graph.nodes.contains_key(k) {
            out.push(format!("`{k}`: graph node in {nb} only"));
        }
    }
    for (from, to) in a.graph.edges.difference(&b.graph.edges) {
        out.push(format!("`{from}`: depends on `{to}` in {na}, not in {nb}"));
    }
    for (from, to) in b.graph.edges.difference(&a.graph.edges) {
        out.push(format!("`{from}`: depends on `{to}` in {nb}, not in {na}"));
    }
}

fn compare_records(
    k: &str,
    (na, a): (&str, &Record),
    (nb, b): (&str, &Record),
    out: &mut Vec<String>,
) {
    let mut diff = |what: &str, x: &dyn fmt::Display, y: &dyn fmt::Display| {
        out.push(format!("`{k}` {what}: {na} `{x}`, {nb} `{y}`"));
    };
    if !a.rtype.eq_ignore_ascii_case(&b.rtype) {
        diff("type", &a.rtype, &b.rtype);
    }
    if a.name != b.name {
        diff("name", &a.name, &b.name);
    }
    if let (Some(x), Some(y)) = (&a.api, &b.api)
        && x != y
    {
        diff("API version", x, y);
    }
    if let (Some(x), Some(y)) = (&a.loc, &b.loc)
        && x != y
    {
        diff(
            "deployed to",
            &format!("{}/{}", x.0, x.1),
            &format!("{}/{}", y.0, y.1),
        );
    }
    sym_diff(
        k,
        "",
        (na, &Sym::Map(a.body.clone())),
        (nb, &Sym::Map(b.body.clone())),
        out,
    );
    if let (Some(x), Some(y)) = (&a.native, &b.native) {
        sym_diff(k, "(script) ", (na, x), (nb, y), out);
    }
}

fn sym_diff(
    k: &str,
    path: &str,
    (na, a): (&str, &Sym),
    (nb, b): (&str, &Sym),
    out: &mut Vec<String>,
) {
    let join = |p: &str, s: &str| {
        if p.is_empty() || p.ends_with(' ') {
            format!("{p}{s}")
        } else {
            format!("{p}.{s}")
        }
    };
    match (a, b) {
        (Sym::Map(x), Sym::Map(y)) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for key in keys {
                let p = join(path, key);
                match (x.get(key), y.get(key)) {
                    (Some(u), Some(v)) => sym_diff(k, &p, (na, u), (nb, v), out),
                    (Some(u), None) => {
                        out.push(format!("`{k}` {p}: `{u}` in {na}, missing in {nb}"))
                    }
                    (None, Some(v)) => {
                        out.push(format!("`{k}` {p}: missing in {na}, `{v}` in {nb}"))
                    }
                    (None, None) => unreachable!(),
                }
            }
        }
        (Sym::List(x), Sym::List(y)) if x.len() == y.len() => {
            for (i, (u, v)) in x.iter().zip(y).enumerate() {
                sym_diff(k, &format!("{path}[{i}]"), (na, u), (nb, v), out);
            }
        }
        _ if a == b => {}
        _ => out.push(format!("`{k}` {path}: {na} `{a}`, {nb} `{b}`")),
    }
}

/// The parts of a string joined at deploy time, normalized the same way for every format: adjacent
/// literals merged, empty ones dropped; all literal gives the string, one value the value itself.
/// `substring(x, start, length)` in any format.
fn substr(args: Vec<Sym>) -> Sym {
    let [x, Sym::Num(a), Sym::Num(b)] = <[Sym; 3]>::try_from(args).expect("three arguments") else {
        panic!("substring with non-literal bounds");
    };
    Sym::Substr(Box::new(x), a, b)
}

fn concat(parts: Vec<Sym>) -> Sym {
    let mut out: Vec<Sym> = Vec::new();
    for p in parts {
        match (out.last_mut(), p) {
            (_, Sym::Str(s)) if s.is_empty() => {}
            (Some(Sym::Str(prev)), Sym::Str(s)) => prev.push_str(&s),
            (_, p) => out.push(p),
        }
    }
    match out.as_slice() {
        [] => Sym::Str(String::new()),
        [one] => one.clone(),
        // `<id>/<childType>/<childName>`: the child's id.
        [Sym::Id(r), Sym::Str(tail)] => match tail
            .strip_prefix('/')
            .map(|t| t.split('/').collect::<Vec<_>>())
            .as_deref()
        {
            Some([ty, name]) if !ty.is_empty() && !name.is_empty() => Sym::Id(Res::new(
                &format!("{}/{ty}", r.rtype),
                &format!("{}/{name}", r.name),
                r.sub.clone(),
                r.rg.clone(),
            )),
            _ => Sym::Concat(out),
        },
        _ => Sym::Concat(out),
    }
}

/// Steps of a member path joined: `keys`, `[0]`, `value` → `keys[0].value`.
fn join_path<S: AsRef<str>>(steps: &[S]) -> String {
    let mut out = String::new();
    for s in steps {
        let s = s.as_ref();
        if !out.is_empty() && !s.starts_with('[') {
            out.push('.');
        }
        out.push_str(s);
    }
    out
}

/// The seconds of a wait (`sleep 60` in a deployment script, `60s` in a time_sleep) and the value
/// whose change runs it again (`forceUpdateTag`, a time_sleep's `triggers.principal_id`).
fn wait_body(seconds: &str, rerun: Sym) -> BTreeMap<String, Sym> {
    let n: u64 = seconds
        .parse()
        .unwrap_or_else(|_| panic!("wait of `{seconds}` seconds"));
    BTreeMap::from([
        ("seconds".to_string(), Sym::Num(n.to_string())),
        ("rerun on".to_string(), rerun),
    ])
}

/// The node key of a created resource from its type and name symbol.
fn key_of(rtype: &str, name: &Sym) -> String {
    let is_data_role = rtype.eq_ignore_ascii_case(DATA_ROLE_TYPE);
    if is_data_role || rtype.eq_ignore_ascii_case("Microsoft.Authorization/roleAssignments") {
        let Sym::Guid(args) = name else {
            panic!("role assignment named `{name}`, not by guid(…)");
        };
        let [scope, holder, role] = args.as_slice() else {
            panic!("role assignment guid of {} arguments", args.len());
        };
        let last = |s: &Sym| match s {
            Sym::Id(r) => last_segment(&r.name).to_string(),
            Sym::RoleDef(_, g) => g.clone(),
            other => panic!("unexpected `{other}` in a role assignment guid"),
        };
        let key = if is_data_role {
            data_role_key
        } else {
            role_key
        };
        return key(&last(scope), &last(holder), &last(role));
    }
    let full = name.str();
    named_key(rtype, full)
        .unwrap_or_else(|| panic!("unexpected resource `{rtype}` `{full}`"))
        .0
}

/// `NS/t1/n1/t2/n2` (an id relative to a resource group) as a resource there.
fn relative_id(s: &str, sub: Loc, rg: Loc) -> Res {
    let parts: Vec<&str> = s.split('/').collect();
    assert!(
        parts.len() >= 3 && parts.len() % 2 == 1,
        "`{s}` is not a relative resource id"
    );
    let mut t = vec![parts[0], parts[1]];
    let mut n = vec![parts[2]];
    for pair in parts[3..].chunks(2) {
        t.push(pair[0]);
        n.push(pair[1]);
    }
    Res::new(&t.join("/"), &n.join("/"), sub, rg)
}

/// Identity normalization shared by all formats: `userAssignedIdentities` as a list of ids.
fn identity(kind: Sym, ids: Option<Vec<Sym>>) -> Sym {
    let mut m = BTreeMap::from([("type".to_string(), kind)]);
    if let Some(ids) = ids {
        m.insert("userAssignedIdentities".to_string(), Sym::List(ids));
    }
    Sym::Map(m)
}

mod arm {
    //! ARM JSON: the `graph::arm` expression parser, evaluated symbolically, through nested
    //! deployments (whose parameters are evaluated by the caller).
    use super::*;
    use crate::support::graph::arm::{Expr, parse_value};
    use serde_json::Value as Json;

    struct Ctx<'a> {
        /// Parameters passed by the caller; `None` at the top level.
        params: Option<&'a HashMap<String, Sym>>,
        /// The top-level template's parameter declarations.
        top: &'a Json,
        sub: Loc,
        rg: Loc,
    }

    pub fn records(files: &OutputSet) -> Vec<Record> {
        let doc: Json =
            serde_json::from_str(&files.files["arm/azuredeploy.json"]).expect("ARM is JSON");
        let ctx = Ctx {
            params: None,
            top: &doc["parameters"],
            sub: Loc::Deployment,
            rg: Loc::Deployment,
        };
        let mut out = Vec::new();
        template(&doc, &ctx, &mut out);
        out
    }

    fn template(doc: &Json, ctx: &Ctx, out: &mut Vec<Record>) {
        for r in doc["resources"].as_array().expect("resources") {
            let t = r["type"].as_str().expect("type");
            if t.eq_ignore_ascii_case("Microsoft.Resources/deployments") {
                let props = &r["properties"];
                let empty = serde_json::Map::new();
                let params: HashMap<String, Sym> = props["parameters"]
                    .as_object()
                    .unwrap_or(&empty)
                    .iter()
                    .map(|(k, v)| (k.clone(), json(&v["value"], ctx)))
                    .collect();
                let at =
                    |f: &str, dflt: &Loc| r.get(f).map_or(dflt.clone(), |v| json(v, ctx).loc());
                let inner = Ctx {
                    params: Some(&params),
                    top: ctx.top,
                    sub: at("subscriptionId", &ctx.sub),
                    rg: at("resourceGroup", &ctx.rg),
                };
                template(&props["template"], &inner, out);
                continue;
            }
            let name = json(&r["name"], ctx);
            // A data-plane role is `<resource>/<guid(…)>`: named by its guid, like a role.
            let name = match name {
                Sym::Concat(parts) if t.eq_ignore_ascii_case(DATA_ROLE_TYPE) => match &parts[..] {
                    [Sym::Str(parent), guid @ Sym::Guid(_)] if parent.ends_with('/') => {
                        guid.clone()
                    }
                    other => panic!("data-plane role named {other:?}"),
                },
                other => other,
            };
            let key = key_of(t, &name);
            let is_role = t.eq_ignore_ascii_case("Microsoft.Authorization/roleAssignments");
            let is_wait = t.eq_ignore_ascii_case("Microsoft.Resources/deploymentScripts");
            let mut body = BTreeMap::new();
            for (k, v) in r.as_object().expect("a resource object") {
                match k.as_str() {
                    "type" | "apiVersion" | "name" | "dependsOn" | "metadata" | "comments" => {}
                    "scope" if is_role => {
                        let s = json(v, ctx);
                        body.insert(
                            k.clone(),
                            Sym::Id(relative_id(s.str(), ctx.sub.clone(), ctx.rg.clone())),
                        );
                    }
                    "identity" => {
                        let ids = v.get("userAssignedIdentities").map(|m| {
                            m.as_object()
                                .expect("userAssignedIdentities is an object")
                                .keys()
                                .map(|k| eval(&parse_value(k), ctx))
                                .collect()
                        });
                        body.insert(k.clone(), identity(json(&v["type"], ctx), ids));
                    }
                    _ => {
                        body.insert(k.clone(), json(v, ctx));
                    }
                }
            }
            let loc = Some((ctx.sub.clone(), ctx.rg.clone()));
            let (body, native, loc) = if is_wait {
                let script = r["properties"]["scriptContent"].as_str().expect("script");
                let secs = script.strip_prefix("sleep ").expect("a sleep script");
                let rerun = json(&r["properties"]["forceUpdateTag"], ctx);
                let mut native = body;
                native.insert(
                    "@deployed to".into(),
                    Sym::Str(format!("{}/{}", ctx.sub, ctx.rg)),
                );
                (wait_body(secs, rerun), Some(Sym::Map(native)), None)
            } else {
                (body, None, if is_role { None } else { loc })
            };
            out.push(Record {
                key,
                rtype: t.to_string(),
                name,
                api: r["apiVersion"].as_str().map(str::to_string),
                loc,
                body,
                native,
            });
        }
    }

    fn json(v: &Json, ctx: &Ctx) -> Sym {
        match v {
            Json::Null => Sym::Null,
            Json::Bool(b) => Sym::Bool(*b),
            Json::Number(n) => Sym::Num(n.to_string()),
            Json::String(s) => eval(&parse_value(s), ctx),
            Json::Array(a) => Sym::List(a.iter().map(|v| json(v, ctx)).collect()),
            Json::Object(o) => Sym::Map(
                o.iter()
                    .map(|(k, v)| {
                        // ARM evaluates property names too: `[[key]` is the literal `[key]`.
                        let key = match parse_value(k) {
                            Expr::Str(s) => s,
                            other => panic!("expression `{other:?}` as a property name"),
                        };
                        (key, json(v, ctx))
                    })
                    .collect(),
            ),
        }
    }

    /// `e.a[0].b` as its root and steps (`a`, `[0]`, `b`).
    fn chain(e: &Expr) -> (&Expr, Vec<String>) {
        match e {
            Expr::Member(b, m) => {
                let (root, mut ms) = chain(b);
                ms.push(m.clone());
                (root, ms)
            }
            Expr::Index(b, i) => {
                let (root, mut ms) = chain(b);
                let Expr::Num(i) = i.as_ref() else {
                    panic!("index {i:?}");
                };
                ms.push(format!("[{i}]"));
                (root, ms)
            }
            other => (other, Vec::new()),
        }
    }

    fn res_of(e: &Expr, ctx: &Ctx) -> Res {
        match eval(e, ctx) {
            Sym::Id(r) => r,
            other => panic!("expected a resource id, found {other}"),
        }
    }

    fn eval(e: &Expr, ctx: &Ctx) -> Sym {
        match e {
            Expr::Str(s) => Sym::Str(s.clone()),
            Expr::Num(n) => Sym::Num(n.to_string()),
            Expr::Member(..) | Expr::Index(..) => {
                let (root, members) = chain(e);
                let path = join_path(&members);
                match root {
                    Expr::Call(f, args) if f == "reference" => {
                        let res = res_of(&args[0], ctx);
                        let full = matches!(args.get(2), Some(Expr::Str(s)) if s == "full");
                        if full {
                            Sym::Prop(res, path)
                        } else {
                            Sym::Prop(res, format!("properties.{path}"))
                        }
                    }
                    Expr::Call(f, args) if f.starts_with("list") => {
                        Sym::Action(res_of(&args[0], ctx), f.clone(), path)
                    }
                    Expr::Call(f, args) if args.is_empty() => match (f.as_str(), path.as_str()) {
                        ("tenant", "tenantId") => Sym::Tenant,
                        ("subscription", "subscriptionId") => Sym::Loc(ctx.sub.clone()),
                        ("resourceGroup", "name") => Sym::Loc(ctx.rg.clone()),
                        _ => panic!("unexpected ARM expression {e:?}"),
                    },
                    _ => panic!("unexpected ARM expression {e:?}"),
                }
            }
            Expr::Call(f, args) => {
                let args: Vec<Sym> = if f == "reference" || f.starts_with("list") {
                    Vec::new()
                } else {
                    args.iter().map(|a| eval(a, ctx)).collect()
                };
                match (f.as_str(), args.as_slice()) {
                    ("parameters", [Sym::Str(p)]) => match ctx.params {
                        Some(passed) => passed
                            .get(p)
                            .cloned()
                            .unwrap_or_else(|| panic!("parameter `{p}` is not passed")),
                        None => {
                            let t = ctx.top[p]["type"].as_str().expect("parameter type");
                            if t.to_ascii_lowercase().starts_with("secure") {
                                Sym::Secret(p.clone())
                            } else {
                                Sym::Param(p.clone())
                            }
                        }
                    },
                    ("resourceId", all) => {
                        let at = all
                            .iter()
                            .position(|a| matches!(a, Sym::Str(s) if s.contains('/')))
                            .unwrap_or_else(|| panic!("resourceId without a type: {e:?}"));
                        let (sub, rg) = match &all[..at] {
                            [] => (ctx.sub.clone(), ctx.rg.clone()),
                            [rg] => (ctx.sub.clone(), rg.loc()),
                            [sub, rg] => (sub.loc(), rg.loc()),
                            _ => panic!("resourceId scope: {e:?}"),
                        };
                        let names: Vec<&str> = all[at + 1..].iter().map(Sym::str).collect();
                        Sym::Id(Res::new(all[at].str(), &names.join("/"), sub, rg))
                    }
                    ("subscriptionResourceId", [t, g])
                        if t.str()
                            .eq_ignore_ascii_case("Microsoft.Authorization/roleDefinitions") =>
                    {
                        // Resolved in the subscription the template is deployed to.
                        Sym::RoleDef(ctx.sub.clone(), g.str().to_string())
                    }
                    ("guid", all) => Sym::Guid(all.to_vec()),
                    ("format", [fmt, rest @ ..]) => {
                        let mut out = fmt.str().to_string();
                        for (i, a) in rest.iter().enumerate() {
                            out = out.replace(&format!("{{{i}}}"), a.str());
                        }
                        Sym::Str(out)
                    }
                    ("concat", all) => concat(all.to_vec()),
                    ("substring", all) => substr(all.to_vec()),
                    _ => panic!("unexpected ARM expression {e:?}"),
                }
            }
        }
    }
}

mod bicep {
    //! Bicep: tree-sitter-bicep over `main.bicep` and, recursively, the modules it calls; a module
    //! parameter is evaluated in the calling file, with the caller's scope.
    use super::*;
    use tree_sitter::{Node as TsNode, Parser, Tree};

    struct File<'a> {
        text: &'a str,
        tree: Tree,
    }

    impl<'a> File<'a> {
        fn parse(path: &str, text: &'a str) -> File<'a> {
            let mut p = Parser::new();
            p.set_language(&tree_sitter_bicep::LANGUAGE.into())
                .expect("tree-sitter-bicep loads");
            let tree = p.parse(text, None).expect("tree-sitter parses");
            assert!(!tree.root_node().has_error(), "`{path}` does not parse");
            File { text, tree }
        }

        fn text(&self, n: TsNode) -> &'a str {
            n.utf8_text(self.text.as_bytes()).expect("utf-8")
        }
    }

    fn named_children(n: TsNode) -> Vec<TsNode> {
        let mut c = n.walk();
        n.named_children(&mut c)
            .filter(|c| !matches!(c.kind(), "comment" | "diagnostic_comment"))
            .collect()
    }

    #[derive(PartialEq)]
    enum DeclKind {
        Param { secure: bool },
        Resource,
        Module,
    }

    struct Decl<'t> {
        symbol: String,
        kind: DeclKind,
        /// Resource type (`T@api`) or module path.
        what: String,
        existing: bool,
        body: Option<TsNode<'t>>,
    }

    fn declarations<'t>(f: &'t File) -> Vec<Decl<'t>> {
        let mut out = Vec::new();
        let root = f.tree.root_node();
        let all = named_children(root);
        for (i, d) in all.iter().enumerate() {
            let kind = match d.kind() {
                "parameter_declaration" => {
                    // Decorators are either children of the declaration or the node before it.
                    let mut text = f.text(*d).to_string();
                    if i > 0 && all[i - 1].kind() == "decorators" {
                        text.push_str(f.text(all[i - 1]));
                    }
                    DeclKind::Param {
                        secure: text.contains("@secure()"),
                    }
                }
                "resource_declaration" => DeclKind::Resource,
                "module_declaration" => DeclKind::Module,
                _ => continue,
            };
            let mut c = d.walk();
            let parts: Vec<TsNode> = d.children(&mut c).collect();
            let symbol = f
                .text(
                    *parts
                        .iter()
                        .find(|n| n.kind() == "identifier")
                        .expect("symbol"),
                )
                .to_string();
            let what = parts
                .iter()
                .find(|n| n.kind() == "string")
                .map(|n| literal(f, *n))
                .unwrap_or_default();
            out.push(Decl {
                symbol,
                kind,
                what,
                existing: parts.iter().any(|n| n.kind() == "existing"),
                body: parts.iter().find(|n| n.kind() == "object").copied(),
            });
        }
        out
    }

    /// A Bicep string without interpolation, decoded.
    fn literal(f: &File, n: TsNode) -> String {
        match string(f, n) {
            Ok(s) => s,
            Err(_) => panic!("`{}` interpolates", f.text(n)),
        }
    }

    /// A Bicep string decoded, or its only interpolation.
    fn string<'t>(f: &File, n: TsNode<'t>) -> Result<String, TsNode<'t>> {
        let parts = string_parts(f, n);
        match parts.as_slice() {
            [Err(inner)] => Err(*inner),
            _ => Ok(parts
                .into_iter()
                .map(|p| p.unwrap_or_else(|_| panic!("unexpected string part in `{}`", f.text(n))))
                .collect()),
        }
    }

    /// A Bicep string as its decoded literal runs (`Ok`) and interpolated expressions (`Err`).
    fn string_parts<'t>(f: &File, n: TsNode<'t>) -> Vec<Result<String, TsNode<'t>>> {
        assert_eq!(n.kind(), "string");
        let mut runs = Vec::new();
        let mut out = String::new();
        let parts = named_children(n);
        // tree-sitter-bicep leaves `\$` out of every child node; read it from the gap.
        let mut at = n.start_byte() + 1;
        for part in &parts {
            match &f.text[at..part.start_byte()] {
                "" => {}
                "\\$" => out.push('$'),
                gap => panic!("unexpected `{gap}` in `{}`", f.text(n)),
            }
            at = part.end_byte();
            match part.kind() {
                "string_content" => out.push_str(f.text(*part)),
                "escape_sequence" => {
                    let e = f.text(*part);
                    match e {
                        "\\'" => out.push('\''),
                        "\\\\" => out.push('\\'),
                        "\\n" => out.push('\n'),
                        "\\r" => out.push('\r'),
                        "\\t" => out.push('\t'),
                        "\\$" => out.push('$'),
                        _ => {
                            let hex = e
                                .strip_prefix("\\u{")
                                .and_then(|h| h.strip_suffix('}'))
                                .unwrap_or_else(|| panic!("unexpected Bicep escape `{e}`"));
                            let c = u32::from_str_radix(hex, 16).expect("hex escape");
                            out.push(char::from_u32(c).expect("a char"));
                        }
                    }
                }
                "interpolation" => {
                    if !out.is_empty() {
                        runs.push(Ok(std::mem::take(&mut out)));
                    }
                    runs.push(Err(named_children(*part)[0]));
                }
                _ => panic!("unexpected string part in `{}`", f.text(n)),
            }
        }
        match &f.text[at..n.end_byte() - 1] {
            "" => {}
            "\\$" => out.push('$'),
            gap => panic!("unexpected `{gap}` in `{}`", f.text(n)),
        }
        if !out.is_empty() || runs.is_empty() {
            runs.push(Ok(out));
        }
        runs
    }

    fn properties<'t>(f: &File, object: TsNode<'t>) -> Vec<(TsNode<'t>, String, TsNode<'t>)> {
        named_children(object)
            .into_iter()
            .filter(|p| p.kind() == "object_property")
            .map(|p| {
                let parts = named_children(p);
                let k = parts[0];
                let name = match k.kind() {
                    "identifier" => f.text(k).to_string(),
                    "string" => string(f, k).unwrap_or_default(),
                    other => panic!("unexpected property name `{other}`"),
                };
                (k, name, *parts.last().expect("a value"))
            })
            .collect()
    }

    fn property<'t>(f: &File, object: TsNode<'t>, key: &str) -> Option<TsNode<'t>> {
        properties(f, object)
            .into_iter()
            .find(|(_, k, _)| k == key)
            .map(|(_, _, v)| v)
    }

    struct Scope<'a, 't> {
        file: &'a File<'a>,
        decls: &'a [Decl<'t>],
        caller: Option<(&'a Scope<'a, 't>, TsNode<'t>)>,
        sub: Loc,
        rg: Loc,
    }

    impl<'t> Scope<'_, 't> {
        fn decl(&self, symbol: &str) -> Option<&Decl<'t>> {
            self.decls.iter().find(|d| d.symbol == symbol)
        }

        fn text(&self, n: TsNode) -> &str {
            self.file.text(n)
        }

        /// Where `resourceGroup(…)` (a `scope:` value) points.
        fn scope_of(&self, n: TsNode) -> (Loc, Loc) {
            assert_eq!(n.kind(), "call_expression", "scope `{}`", self.text(n));
            let f = self.text(n.child_by_field_name("function").expect("function"));
            assert_eq!(f, "resourceGroup", "scope `{}`", self.text(n));
            let args = named_children(n.child_by_field_name("arguments").expect("args"));
            match args.as_slice() {
                [rg] => (self.sub.clone(), self.eval(*rg).loc()),
                [sub, rg] => (self.eval(*sub).loc(), self.eval(*rg).loc()),
                _ => panic!("scope `{}`", self.text(n)),
            }
        }

        /// The resource behind a symbol: type, full name through `parent:`, and where it is.
        fn res(&self, symbol: &str) -> Res {
            let d = self
                .decl(symbol)
                .unwrap_or_else(|| panic!("unknown symbol `{symbol}`"));
            assert!(d.kind == DeclKind::Resource, "`{symbol}` is not a resource");
            let body = d.body.expect("a body");
            let own = self.eval(property(self.file, body, "name").expect("name"));
            let rtype = d.what.split('@').next().expect("a type");
            let (prefix, sub, rg) = match property(self.file, body, "parent") {
                Some(p) => {
                    let parent = self.res(self.text(p));
                    (format!("{}/", parent.name), parent.sub, parent.rg)
                }
                None => {
                    let (sub, rg) = match property(self.file, body, "scope") {
                        Some(s) => self.scope_of(s),
                        None => (self.sub.clone(), self.rg.clone()),
                    };
                    (String::new(), sub, rg)
                }
            };
            Res::new(rtype, &format!("{prefix}{}", own.str()), sub, rg)
        }

        fn eval(&self, n: TsNode) -> Sym {
            match n.kind() {
                "string" => match string_parts(self.file, n).as_slice() {
                    [Err(inner)] => panic!("interpolated value `{}`", self.text(*inner)),
                    parts => concat(
                        parts
                            .iter()
                            .map(|p| match p {
                                Ok(s) => Sym::Str(s.clone()),
                                Err(inner) => self.eval(*inner),
                            })
                            .collect(),
                    ),
                },
                "number" => Sym::Num(self.text(n).to_string()),
                "boolean" => Sym::Bool(self.text(n) == "true"),
                "null" => Sym::Null,
                "parenthesized_expression" => self.eval(named_children(n)[0]),
                "array" => Sym::List(
                    named_children(n)
                        .into_iter()
                        .map(|v| self.eval(v))
                        .collect(),
                ),
                "object" => Sym::Map(
                    properties(self.file, n)
                        .into_iter()
                        .map(|(k, name, v)| {
                            assert!(!name.is_empty(), "computed key `{}`", self.text(k));
                            (name, self.eval(v))
                        })
                        .collect(),
                ),
                "identifier" => {
                    let id = self.text(n);
                    let d = self
                        .decl(id)
                        .unwrap_or_else(|| panic!("unknown symbol `{id}`"));
                    match d.kind {
                        DeclKind::Param { secure } => match self.caller {
                            Some((caller, params)) => {
                                caller.eval(property(caller.file, params, id).unwrap_or_else(
                                    || panic!("the module call does not pass `{id}`"),
                                ))
                            }
                            None if secure => Sym::Secret(id.to_string()),
                            None => Sym::Param(id.to_string()),
                        },
                        DeclKind::Resource => Sym::Id(self.res(id)),
                        DeclKind::Module => panic!("module `{id}` used as a value"),
                    }
                }
                "member_expression" | "subscript_expression" => {
                    let mut members = Vec::new();
                    let mut root = n;
                    loop {
                        match root.kind() {
                            "member_expression" => members.push(
                                self.text(root.child_by_field_name("property").expect("p"))
                                    .to_string(),
                            ),
                            "subscript_expression" => {
                                let i = root.child_by_field_name("index").expect("index");
                                members.push(format!("[{}]", self.text(i)));
                            }
                            _ => break,
                        }
                        root = root.child_by_field_name("object").expect("object");
                    }
                    members.reverse();
                    let path = join_path(&members);
                    match root.kind() {
                        "identifier" => {
                            let res = self.res(self.text(root));
                            if path == "id" {
                                Sym::Id(res)
                            } else {
                                Sym::Prop(res, path)
                            }
                        }
                        "call_expression" => self.call(root, &path),
                        _ => panic!("unexpected Bicep expression `{}`", self.text(n)),
                    }
                }
                "call_expression" => self.call(n, ""),
                other => panic!("unexpected Bicep `{other}`: `{}`", self.text(n)),
            }
        }

        /// A call, followed by the member path `path` (maybe empty).
        fn call(&self, n: TsNode, path: &str) -> Sym {
            let function = n.child_by_field_name("function").expect("function");
            let args = named_children(n.child_by_field_name("arguments").expect("args"));
            if function.kind() == "member_expression" {
                // `x.listKeys().key1`
                let obj = function.child_by_field_name("object").expect("object");
                let action = self.text(function.child_by_field_name("property").expect("p"));
                assert!(args.is_empty(), "`{}` with arguments", self.text(n));
                return Sym::Action(
                    self.res(self.text(obj)),
                    action.to_string(),
                    path.to_string(),
                );
            }
            let f = self.text(function);
            let argv = || args.iter().map(|a| self.eval(*a)).collect::<Vec<_>>();
            match (f, path) {
                ("tenant", "tenantId") => Sym::Tenant,
                ("subscription", "subscriptionId") => Sym::Loc(self.sub.clone()),
                ("resourceGroup", "name") if args.is_empty() => Sym::Loc(self.rg.clone()),
                ("guid", "") => Sym::Guid(argv()),
                ("substring", "") => substr(argv()),
                ("subscriptionResourceId", "") => match argv().as_slice() {
                    [t, g]
                        if t.str()
                            .eq_ignore_ascii_case("Microsoft.Authorization/roleDefinitions") =>
                    {
                        // Resolved in the subscription the file is deployed to.
                        Sym::RoleDef(self.sub.clone(), g.str().to_string())
                    }
                    _ => panic!("unexpected `{}`", self.text(n)),
                },
                _ => panic!("unexpected Bicep call `{}`", self.text(n)),
            }
        }

        fn identity(&self, n: TsNode) -> Sym {
            let kind = self.eval(property(self.file, n, "type").expect("identity type"));
            let ids = property(self.file, n, "userAssignedIdentities").map(|m| {
                properties(self.file, m)
                    .into_iter()
                    .map(|(k, _, _)| match string(self.file, k) {
                        Err(inner) => self.eval(inner),
                        Ok(s) => panic!("literal identity key `{s}`"),
                    })
                    .collect()
            });
            identity(kind, ids)
        }
    }

    pub fn records(files: &OutputSet) -> Vec<Record> {
        let mut out = Vec::new();
        read(
            files,
            "bicep/main.bicep",
            None,
            (Loc::Deployment, Loc::Deployment),
            &mut out,
        );
        out
    }

    /// A module path relative to the directory of the file that declares it.
    fn module_path(caller: &str, module: &str) -> String {
        let mut parts: Vec<&str> = caller.split('/').collect();
        parts.pop();
        for seg in module.split('/') {
            match seg {
                "." | "" => {}
                ".." => {
                    parts.pop();
                }
                s => parts.push(s),
            }
        }
        parts.join("/")
    }

    fn read<'c, 't>(
        files: &OutputSet,
        path: &str,
        caller: Option<(&'c Scope<'c, 't>, TsNode<'t>)>,
        (sub, rg): (Loc, Loc),
        out: &mut Vec<Record>,
    ) {
        let text = files
            .files
            .get(path)
            .unwrap_or_else(|| panic!("Bicep file `{path}` is not generated"));
        let file = File::parse(path, text);
        let decls = declarations(&file);
        let scope = Scope {
            file: &file,
            decls: &decls,
            caller,
            sub,
            rg,
        };
        for d in decls.iter().filter(|d| !d.existing) {
            let Some(body) = d.body else { continue };
            match d.kind {
                DeclKind::Param { .. } => {}
                DeclKind::Module => {
                    let at = match property(&file, body, "scope") {
                        Some(s) => scope.scope_of(s),
                        None => (scope.sub.clone(), scope.rg.clone()),
                    };
                    let params = property(&file, body, "params").expect("module params");
                    read(
                        files,
                        &module_path(path, &d.what),
                        Some((&scope, params)),
                        at,
                        out,
                    );
                }
                DeclKind::Resource => out.push(record(&scope, d, body)),
            }
        }
    }

    fn record(scope: &Scope, d: &Decl, body: TsNode) -> Record {
        let (rtype, api) = d.what.split_once('@').expect("type@api");
        let is_role = rtype.eq_ignore_ascii_case("Microsoft.Authorization/roleAssignments");
        let is_wait = rtype.eq_ignore_ascii_case("Microsoft.Resources/deploymentScripts");
        let (name, loc) = if is_role {
            (
                scope.eval(property(scope.file, body, "name").expect("name")),
                None,
            )
        } else if rtype.eq_ignore_ascii_case(DATA_ROLE_TYPE) {
            // Named by its guid, deployed where its parent is.
            let parent = property(scope.file, body, "parent").expect("a parent");
            let parent = scope.res(scope.text(parent));
            (
                scope.eval(property(scope.file, body, "name").expect("name")),
                Some((parent.sub, parent.rg)),
            )
        } else {
            let res = scope.res(&d.symbol);
            (Sym::Str(res.name), Some((res.sub, res.rg)))
        };
        let mut fields = BTreeMap::new();
        for (_, k, v) in properties(scope.file, body) {
            match k.as_str() {
                "name" | "parent" | "dependsOn" => {}
                "scope" if is_role => {
                    fields.insert(k, scope.eval(v));
                }
                "identity" => {
                    fields.insert(k, scope.identity(v));
                }
                _ => {
                    fields.insert(k, scope.eval(v));
                }
            }
        }
        let (fields, native, loc) = if is_wait {
            let Some(Sym::Map(props)) = fields.get("properties") else {
                panic!("a deployment script without properties");
            };
            let secs = props["scriptContent"]
                .str()
                .strip_prefix("sleep ")
                .expect("a sleep script")
                .to_string();
            let rerun = props.get("forceUpdateTag").cloned().unwrap_or(Sym::Null);
            let (sub, rg) = loc.expect("a place");
            let mut native = fields;
            native.insert("@deployed to".into(), Sym::Str(format!("{sub}/{rg}")));
            (wait_body(&secs, rerun), Some(Sym::Map(native)), None)
        } else {
            (fields, None, loc)
        };
        Record {
            key: key_of(rtype, &name),
            rtype: rtype.to_string(),
            name,
            api: Some(api.to_string()),
            loc,
            body: fields,
            native,
        }
    }
}

mod terraform {
    //! Terraform: hcl-rs over every `.tf` file.
    use super::*;
    use hcl::expr::{Expression, ObjectKey, TemplateExpr, TraversalOperator};
    use hcl::template::Element;
    use hcl::{Block, Body, Template};
    use std::str::FromStr;

    /// ARM's `guid()` namespace, which `uuidv5` must use to give ARM's names.
    const GUID_NAMESPACE: &str = "11fb06fb-712d-4ddd-98c7-e71bbd588830";
    /// Placeholders for `${var.subscription_id}` and `${var.resource_group_name}` in id strings.
    const SUB: &str = "\u{1}subscription";
    const RG: &str = "\u{1}group";

    fn attr<'b>(b: &'b Block, key: &str) -> Option<&'b Expression> {
        b.body
            .attributes()
            .find(|a| a.key.as_str() == key)
            .map(|a| &a.expr)
    }

    /// A traversal as its steps (`identity[0]` gives `identity`, `[0]`).
    fn steps(e: &Expression) -> Option<Vec<String>> {
        let Expression::Traversal(t) = e else {
            return None;
        };
        let Expression::Variable(root) = &t.expr else {
            return None;
        };
        let mut out = vec![root.as_str().to_string()];
        for op in &t.operators {
            match op {
                TraversalOperator::GetAttr(i) => out.push(i.as_str().to_string()),
                TraversalOperator::Index(Expression::Number(n)) => out.push(format!("[{n}]")),
                other => panic!("unexpected traversal step {other:?}"),
            }
        }
        Some(out)
    }

    /// A string or template, its interpolations written as `SUB`/`RG` placeholders (the only ones
    /// the generator writes); `$${` and `%%{` come back as the literal `${` and `%{`.
    fn text(e: &Expression) -> String {
        match e {
            Expression::String(s) => s.clone(),
            Expression::TemplateExpr(t) => match t.as_ref() {
                TemplateExpr::QuotedString(s) => {
                    let tpl = Template::from_str(s).expect("a template");
                    let mut out = String::new();
                    for el in tpl.elements() {
                        match el {
                            Element::Literal(l) => out.push_str(l),
                            Element::Interpolation(i) => {
                                let st =
                                    steps(&i.expr).unwrap_or_else(|| panic!("interpolation {i:?}"));
                                match st.join(".").as_str() {
                                    "var.subscription_id" => out.push_str(SUB),
                                    "var.resource_group_name" => out.push_str(RG),
                                    other => panic!("unexpected interpolation `{other}`"),
                                }
                            }
                            Element::Directive(d) => panic!("unexpected directive {d:?}"),
                        }
                    }
                    out
                }
                other => panic!("unexpected heredoc {other:?}"),
            },
            other => panic!("expected a string, found {other:?}"),
        }
    }

    /// Whether a template interpolates only `var.subscription_id` / `var.resource_group_name` (an
    /// id string, read by [`text`]) rather than joining deploy-time values.
    fn only_placeholders(t: &TemplateExpr) -> bool {
        let TemplateExpr::QuotedString(q) = t else {
            return true;
        };
        let tpl = Template::from_str(q).expect("a template");
        tpl.elements().iter().all(|el| match el {
            Element::Interpolation(i) => steps(&i.expr).is_some_and(|st| {
                matches!(
                    st.join(".").as_str(),
                    "var.subscription_id" | "var.resource_group_name"
                )
            }),
            _ => true,
        })
    }

    fn loc(segment: &str, placeholder: &str) -> Loc {
        if segment == placeholder {
            Loc::Deployment
        } else {
            assert!(
                !segment.contains('\u{1}'),
                "`{segment}` mixes a variable in"
            );
            Loc::Named(segment.to_string())
        }
    }

    /// A full id string (`/subscriptions/…/resourceGroups/…/providers/NS/t/n…`, or a role
    /// definition id, or a resource group id for `parent_id`).
    fn full_id(s: &str) -> Sym {
        let parts: Vec<&str> = s.split('/').collect();
        match parts.as_slice() {
            [
                "",
                "subscriptions",
                sub,
                "providers",
                ns,
                "roleDefinitions",
                g,
            ] if ns.eq_ignore_ascii_case("Microsoft.Authorization") => {
                Sym::RoleDef(loc(sub, SUB), g.to_string())
            }
            ["", "subscriptions", sub, "resourceGroups", rg] => {
                Sym::List(vec![Sym::Loc(loc(sub, SUB)), Sym::Loc(loc(rg, RG))])
            }
            [
                "",
                "subscriptions",
                sub,
                "resourceGroups",
                rg,
                "providers",
                rest @ ..,
            ] => Sym::Id(relative_id(&rest.join("/"), loc(sub, SUB), loc(rg, RG))),
            _ => panic!("`{s}` is not a resource id"),
        }
    }

    struct Tf<'a> {
        /// `data.azapi_resource.x`, `azapi_resource.x`, … → block.
        blocks: HashMap<String, &'a Block>,
        sensitive: BTreeSet<String>,
        locals: HashMap<String, &'a Expression>,
    }

    impl<'a> Tf<'a> {
        fn block(&self, addr: &str) -> &'a Block {
            self.blocks
                .get(addr)
                .unwrap_or_else(|| panic!("`{addr}` is not declared"))
        }

        /// The resource of an `azapi_resource` or `data.azapi_resource`.
        fn res(&self, addr: &str) -> Res {
            let b = self.block(addr);
            let t = text(attr(b, "type").expect("type"));
            let rtype = t.split('@').next().expect("a type");
            let own = text(attr(b, "name").expect("name"));
            let parent = attr(b, "parent_id").expect("parent_id");
            let st = steps(parent);
            match st.as_ref().map(|s| s.join(".")) {
                Some(p) if p.starts_with("local.") => {
                    let [(sub, rg)] = [self.place(self.locals[&p["local.".len()..]])];
                    Res::new(rtype, &own, sub, rg)
                }
                Some(p) => {
                    let a = p.strip_suffix(".id").expect("a parent id");
                    let parent = self.res(a);
                    Res::new(
                        rtype,
                        &format!("{}/{own}", parent.name),
                        parent.sub,
                        parent.rg,
                    )
                }
                None => {
                    let (sub, rg) = self.place(parent);
                    Res::new(rtype, &own, sub, rg)
                }
            }
        }

        /// A resource group id string.
        fn place(&self, e: &Expression) -> (Loc, Loc) {
            match full_id(&text(e)) {
                Sym::List(l) => (l[0].loc(), l[1].loc()),
                other => panic!("parent `{other}` is not a resource group"),
            }
        }

        fn eval(&self, e: &Expression, each: Option<&Expression>) -> Sym {
            match e {
                Expression::Null => Sym::Null,
                Expression::Bool(b) => Sym::Bool(*b),
                Expression::Number(n) => Sym::Num(n.to_string()),
                Expression::TemplateExpr(t) if !only_placeholders(t) => {
                    let TemplateExpr::QuotedString(q) = t.as_ref() else {
                        panic!("unexpected heredoc {t:?}");
                    };
                    let tpl = Template::from_str(q).expect("a template");
                    concat(
                        tpl.elements()
                            .iter()
                            .map(|el| match el {
                                Element::Literal(l) => Sym::Str(l.clone()),
                                Element::Interpolation(i) => self.eval(&i.expr, each),
                                Element::Directive(d) => panic!("unexpected directive {d:?}"),
                            })
                            .collect(),
                    )
                }
                Expression::String(_) | Expression::TemplateExpr(_) => {
                    let s = text(e);
                    assert!(!s.contains('\u{1}'), "interpolated value {e:?}");
                    Sym::Str(s)
                }
                Expression::Array(a) => Sym::List(a.iter().map(|v| self.eval(v, each)).collect()),
                Expression::Object(o) => Sym::Map(
                    o.iter()
                        .map(|(k, v)| {
                            let key = match k {
                                ObjectKey::Identifier(i) => i.as_str().to_string(),
                                ObjectKey::Expression(k) => text(k),
                                other => panic!("unexpected object key {other:?}"),
                            };
                            (key, self.eval(v, each))
                        })
                        .collect(),
                ),
                Expression::FuncCall(f) if f.name.name.as_str() == "substr" => {
                    substr(f.args.iter().map(|a| self.eval(a, each)).collect())
                }
                Expression::FuncCall(f) if f.name.name.as_str() == "uuidv5" => {
                    assert_eq!(text(&f.args[0]), GUID_NAMESPACE, "uuidv5 namespace");
                    let Expression::FuncCall(join) = &f.args[1] else {
                        panic!("uuidv5 of something other than join(…)");
                    };
                    assert_eq!(join.name.name.as_str(), "join");
                    assert_eq!(text(&join.args[0]), "-", "join separator");
                    let Expression::Array(parts) = &join.args[1] else {
                        panic!("join of something other than a list");
                    };
                    Sym::Guid(parts.iter().map(|p| full_id(&text(p))).collect())
                }
                Expression::Traversal(_) => {
                    let st = steps(e).unwrap_or_else(|| panic!("traversal {e:?}"));
                    let s: Vec<&str> = st.iter().map(String::as_str).collect();
                    match s.as_slice() {
                        ["var", x] if self.sensitive.contains(*x) => Sym::Secret(x.to_string()),
                        ["var", x] => Sym::Param(x.to_string()),
                        ["data", "azapi_client_config", _, "tenant_id"] => Sym::Tenant,
                        ["each", "value", field] => {
                            let entry = each.expect("each.value outside for_each");
                            let Expression::Object(o) = entry else {
                                panic!("for_each value is not an object");
                            };
                            let v = o
                                .iter()
                                .find(|(k, _)| matches!(k, ObjectKey::Identifier(i) if i.as_str() == *field))
                                .unwrap_or_else(|| panic!("each.value.{field} is not set"))
                                .1;
                            self.eval(v, None)
                        }
                        ["ephemeral", "azapi_resource_action", l, "output", path @ ..] => {
                            let b = self.block(&format!("ephemeral.azapi_resource_action.{l}"));
                            let target = steps(attr(b, "resource_id").expect("resource_id"))
                                .expect("a resource id reference");
                            let target = target[..target.len() - 1].join(".");
                            let method = text(attr(b, "method").expect("method"));
                            match (attr(b, "action"), method.as_str()) {
                                (Some(action), "POST") => {
                                    Sym::Action(self.res(&target), text(action), join_path(path))
                                }
                                // A GET of the resource itself: one of its properties.
                                (None, "GET") => Sym::Prop(self.res(&target), join_path(path)),
                                other => panic!("unexpected ephemeral read {other:?}"),
                            }
                        }
                        ["data", "azapi_resource", l, rest @ ..]
                        | ["azapi_resource", l, rest @ ..] => {
                            let addr = if s[0] == "data" {
                                format!("data.azapi_resource.{l}")
                            } else {
                                format!("azapi_resource.{l}")
                            };
                            let res = self.res(&addr);
                            match rest {
                                ["id"] => Sym::Id(res),
                                ["output", path @ ..] => Sym::Prop(res, join_path(path)),
                                ["location"] => Sym::Prop(res, "location".into()),
                                ["identity", "[0]", "principal_id"] => {
                                    Sym::Prop(res, "identity.principalId".into())
                                }
                                _ => panic!("unexpected reference `{}`", st.join(".")),
                            }
                        }
                        _ => panic!("unexpected reference `{}`", st.join(".")),
                    }
                }
                other => panic!("unexpected Terraform expression {other:?}"),
            }
        }
    }

    /// Deep-merges `from` into `into` (`sensitive_body` into `body`).
    fn merge(into: &mut BTreeMap<String, Sym>, from: BTreeMap<String, Sym>) {
        for (k, v) in from {
            match (into.get_mut(&k), v) {
                (Some(Sym::Map(a)), Sym::Map(b)) => merge(a, b),
                (Some(old), v) => panic!("`{k}` set twice: {old} and {v}"),
                (None, v) => {
                    into.insert(k, v);
                }
            }
        }
    }

    fn squash(s: &str) -> String {
        s.chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect()
    }

    pub fn records(files: &OutputSet) -> Vec<Record> {
        let bodies: Vec<Body> = files
            .files
            .iter()
            .filter(|(p, _)| p.starts_with("terraform/") && p.ends_with(".tf"))
            .map(|(p, t)| hcl::parse(t).unwrap_or_else(|e| panic!("`{p}` does not parse: {e}")))
            .collect();
        let mut tf = Tf {
            blocks: HashMap::new(),
            sensitive: BTreeSet::new(),
            locals: HashMap::new(),
        };
        let mut resources = Vec::new();
        for body in &bodies {
            for b in body.blocks() {
                let labels: Vec<&str> = b.labels.iter().map(|l| l.as_str()).collect();
                match (b.identifier.as_str(), labels.as_slice()) {
                    ("resource", [t, l]) => {
                        tf.blocks.insert(format!("{t}.{l}"), b);
                        resources.push((t.to_string(), l.to_string(), b));
                    }
                    ("data", [t, l]) => {
                        tf.blocks.insert(format!("data.{t}.{l}"), b);
                    }
                    ("ephemeral", [t, l]) => {
                        tf.blocks.insert(format!("ephemeral.{t}.{l}"), b);
                    }
                    ("variable", [v]) => {
                        if matches!(attr(b, "sensitive"), Some(Expression::Bool(true))) {
                            tf.sensitive.insert(v.to_string());
                        }
                    }
                    ("locals", []) => {
                        for a in b.body.attributes() {
                            tf.locals.insert(a.key.as_str().to_string(), &a.expr);
                        }
                    }
                    _ => {}
                }
            }
        }
        // Every account name mentioned, to tie a `time_sleep` to its account (see graph.rs).
        let accounts: Vec<String> = tf
            .blocks
            .iter()
            .filter(|(a, b)| {
                (a.starts_with("azapi_resource.") || a.starts_with("data.azapi_resource."))
                    && !text(attr(b, "type").expect("type"))
                        .to_ascii_lowercase()
                        .starts_with(&format!("{}@", DATA_ROLE_TYPE.to_ascii_lowercase()))
            })
            .map(|(a, _)| tf.res(a))
            .filter(|r| {
                r.rtype == "microsoft.cognitiveservices/accounts"
                    || r.rtype == "microsoft.cognitiveservices/accounts/projects"
            })
            // A project's capability host wait is `<acct>-<proj>-caphost-role-wait`.
            .map(|r| match r.name.split_once('/') {
                Some(_) => format!("{}-caphost", r.name.replace('/', "-")),
                None => r.name,
            })
            .collect();
        let mut out = Vec::new();
        for (t, label, b) in resources {
            let record = match t.as_str() {
                "azapi_resource" => azapi(&tf, &format!("azapi_resource.{label}"), b),
                "azurerm_role_assignment" => role(&tf, b),
                "azurerm_key_vault_access_policy" => policy(&tf, b),
                "time_sleep" => {
                    let prefix = label
                        .strip_suffix("_role_wait")
                        .unwrap_or_else(|| panic!("time_sleep `{label}` is not a role wait"));
                    let matching: Vec<&String> = accounts
                        .iter()
                        .filter(|a| squash(a) == squash(prefix))
                        .collect();
                    let [acct] = matching.as_slice() else {
                        panic!("time_sleep `{label}` matches accounts {matching:?}");
                    };
                    for a in b.body.attributes() {
                        assert!(
                            matches!(
                                a.key.as_str(),
                                "create_duration" | "triggers" | "depends_on"
                            ),
                            "unexpected time_sleep attribute `{}`",
                            a.key
                        );
                    }
                    let d = text(attr(b, "create_duration").expect("create_duration"));
                    let name = Sym::Str(format!("{acct}-role-wait"));
                    Record {
                        key: key_of("Microsoft.Resources/deploymentScripts", &name),
                        rtype: "Microsoft.Resources/deploymentScripts".into(),
                        name,
                        api: None,
                        loc: None,
                        body: wait_body(
                            d.strip_suffix('s').expect("a duration in seconds"),
                            match attr(b, "triggers").map(|t| tf.eval(t, None)) {
                                Some(Sym::Map(m)) => {
                                    m.get("principal_id").cloned().unwrap_or(Sym::Null)
                                }
                                _ => Sym::Null,
                            },
                        ),
                        native: None,
                    }
                }
                // The destroy-time purge of a deleted account has no Bicep or ARM twin; the ordering
                // tests check it.
                "azapi_resource_action" => continue,
                other => panic!("unexpected Terraform resource type `{other}`"),
            };
            out.push(record);
        }
        out
    }

    fn azapi(tf: &Tf, addr: &str, b: &Block) -> Record {
        let t = text(attr(b, "type").expect("type"));
        let (rtype, api) = t.split_once('@').expect("type@api");
        // A data-plane role: named by its guid, deployed where its parent is.
        let (name, loc) = if rtype.eq_ignore_ascii_case(DATA_ROLE_TYPE) {
            let parent = steps(attr(b, "parent_id").expect("parent_id")).expect("a parent");
            let parent = tf.res(&parent[..parent.len() - 1].join("."));
            (
                tf.eval(attr(b, "name").expect("name"), None),
                (parent.sub, parent.rg),
            )
        } else {
            let res = tf.res(addr);
            (Sym::Str(res.name.clone()), (res.sub, res.rg))
        };
        let mut body = BTreeMap::new();
        for a in b.body.attributes() {
            let k = a.key.as_str();
            match k {
                "type"
                | "name"
                | "parent_id"
                | "depends_on"
                | "schema_validation_enabled"
                | "response_export_values" => {}
                "body" | "sensitive_body" => {
                    let Sym::Map(m) = tf.eval(&a.expr, None) else {
                        panic!("`{k}` is not an object");
                    };
                    merge(&mut body, m);
                }
                _ => merge(
                    &mut body,
                    BTreeMap::from([(k.to_string(), tf.eval(&a.expr, None))]),
                ),
            }
        }
        for blk in b.body.blocks() {
            assert_eq!(
                blk.identifier.as_str(),
                "identity",
                "unexpected block in `{addr}`"
            );
            let kind = tf.eval(attr(blk, "type").expect("identity type"), None);
            let ids = attr(blk, "identity_ids").map(|e| match tf.eval(e, None) {
                Sym::List(l) => l,
                other => panic!("identity_ids {other}"),
            });
            body.insert("identity".into(), identity(kind, ids));
        }
        Record {
            key: key_of(rtype, &name),
            rtype: rtype.to_string(),
            name,
            api: Some(api.to_string()),
            loc: Some(loc),
            body,
            native: None,
        }
    }

    fn role(tf: &Tf, b: &Block) -> Record {
        let mut props = BTreeMap::new();
        let mut body = BTreeMap::new();
        let mut name = None;
        for a in b.body.attributes() {
            let v = || tf.eval(&a.expr, None);
            match a.key.as_str() {
                "depends_on" => {}
                "name" => name = Some(v()),
                "scope" => {
                    body.insert("scope".to_string(), v());
                }
                "role_definition_id" => {
                    props.insert("roleDefinitionId".to_string(), full_id(&text(&a.expr)));
                }
                "principal_id" => {
                    props.insert("principalId".to_string(), v());
                }
                "principal_type" => {
                    props.insert("principalType".to_string(), v());
                }
                "condition" => {
                    props.insert("condition".to_string(), v());
                }
                "condition_version" => {
                    props.insert("conditionVersion".to_string(), v());
                }
                other => panic!("unexpected azurerm_role_assignment attribute `{other}`"),
            }
        }
        body.insert("properties".to_string(), Sym::Map(props));
        let name = name.expect("a role assignment name");
        let rtype = "Microsoft.Authorization/roleAssignments";
        Record {
            key: key_of(rtype, &name),
            rtype: rtype.to_string(),
            name,
            api: None,
            loc: None,
            body,
            native: None,
        }
    }

    fn policy(tf: &Tf, b: &Block) -> Record {
        let vault =
            steps(attr(b, "key_vault_id").expect("key_vault_id")).expect("a vault reference");
        let vault = tf.res(&vault[..vault.len() - 1].join("."));
        let entries: Vec<Option<&Expression>> = match attr(b, "for_each") {
            Some(Expression::Object(o)) => o.values().map(Some).collect(),
            Some(other) => panic!("for_each over {other:?}"),
            None => vec![None],
        };
        let mut policies = Vec::new();
        for each in entries {
            let mut entry = BTreeMap::new();
            let mut perms = BTreeMap::new();
            for a in b.body.attributes() {
                let k = a.key.as_str();
                let permission = match k {
                    "for_each" | "key_vault_id" | "depends_on" => continue,
                    "tenant_id" => {
                        entry.insert("tenantId".to_string(), tf.eval(&a.expr, each));
                        continue;
                    }
                    "object_id" => {
                        entry.insert("objectId".to_string(), tf.eval(&a.expr, each));
                        continue;
                    }
                    "secret_permissions" => "secrets",
                    "key_permissions" => "keys",
                    "certificate_permissions" => "certificates",
                    "storage_permissions" => "storage",
                    other => {
                        panic!("unexpected azurerm_key_vault_access_policy attribute `{other}`")
                    }
                };
                let Sym::List(l) = tf.eval(&a.expr, each) else {
                    panic!("`{k}` is not a list");
                };
                // Terraform capitalises permission names (`Get`); ARM writes `get`.
                let l = l
                    .into_iter()
                    .map(|p| Sym::Str(p.str().to_ascii_lowercase()))
                    .collect();
                perms.insert(permission.to_string(), Sym::List(l));
            }
            entry.insert("permissions".to_string(), Sym::Map(perms));
            policies.push(Sym::Map(entry));
        }
        let name = Sym::Str(format!("{}/add", vault.name));
        let rtype = "Microsoft.KeyVault/vaults/accessPolicies";
        let props = BTreeMap::from([("accessPolicies".to_string(), Sym::List(policies))]);
        Record {
            key: key_of(rtype, &name),
            rtype: rtype.to_string(),
            name,
            api: None,
            loc: Some((vault.sub, vault.rg)),
            body: BTreeMap::from([("properties".to_string(), Sym::Map(props))]),
            native: None,
        }
    }
}
