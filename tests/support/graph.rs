//! Test support: reads the dependency graph back out of rendered output, one real parser per
//! format (serde_json for ARM, tree-sitter-bicep for Bicep, hcl-rs for Terraform), and normalizes
//! it so the three formats can be compared with each other and with the model.
//!
//! Node keys: `account:<acct>`, `deployment:<acct>/<model deployment>`, `project:<acct>/<proj>`,
//! `connection:<acct>/<conn>` or `connection:<acct>/<proj>/<conn>`,
//! `role:<scope name>|<holder name>|<role definition guid>`,
//! `datarole:<resource name>|<holder name>|<role definition guid>` (a data-plane role assignment, a
//! Cosmos DB account's `sqlRoleAssignments`, named by the same `guid()` seed as a role, whose third
//! part is `<resource id>/sqlRoleDefinitions/<guid>`), `policy:<vault name>`, `wait:<acct>`.
//! Existing resources (Bicep `existing`, Terraform `data`,
//! ARM resources the template only refers to) are not nodes, and edges to them are dropped.
//!
//! Edges `(from, to)` mean "`from` depends on `to`": explicit `dependsOn`/`depends_on`, Bicep
//! `parent:`, ARM child names (`acct/proj/conn` needs `acct/proj`), Terraform `parent_id`, and the
//! `dependsOn` of a module or nested deployment (applied to every node inside it, at any depth).
//! Modules and nested deployments are read recursively (a foundry module calling role-assignment
//! and access-policy modules; nested deployments inside nested deployments): names and scopes
//! given by a module parameter are evaluated in the caller, Bicep module paths are resolved
//! relative to the calling file, and inside one file or template, edges come from its own
//! declarations' `dependsOn`/`parent:` (an ARM `dependsOn` can only name a resource of its own
//! template, with the same scope where the entry gives one). In Bicep, a reference to a deployed
//! resource or module anywhere in a declaration's body is an edge too, as Bicep derives one from it
//! (the generator leaves such entries out of `dependsOn`, which Bicep's linter flags as
//! unnecessary). ARM's `reference()` implies nothing, and Terraform's references are deliberately
//! not read: its output keeps every edge explicit in `depends_on`, and counting references would
//! hide a missing one.
//!
//! The wait resource carries no account name of its own in Terraform (`time_sleep` has only a
//! label), so the wait is tied to its account through the generator's naming convention
//! (`<acct>-role-wait`, label `<acct>_role_wait`); that is the one place names are matched.
#![allow(dead_code)]

use foundrygen::{OutputSet, Target};
use serde_json::Value as Json;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// What a node is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// A created Foundry account.
    Account,
    /// A created model deployment.
    Deployment,
    /// A created project.
    Project,
    /// A created connection (the Key Vault connection has category `AzureKeyVault`).
    Connection,
    /// A role assignment.
    Role,
    /// A data-plane role assignment (`sqlRoleAssignments` of a Cosmos DB account).
    DataRole,
    /// A Key Vault access policy (`add`).
    Policy,
    /// A wait for the vault access to take effect.
    Wait,
    /// A resource of `resources:` (or a child of one: a container, a database).
    Resource,
    /// An Agent Service capability host (`caphost:<acct>/<name>`, `caphost:<acct>/<proj>/<name>`).
    CapabilityHost,
}

/// One created resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// What it is.
    pub kind: Kind,
    /// `properties.category` of a connection.
    pub category: Option<String>,
}

/// The normalized dependency graph of one format's output.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    /// Nodes by key.
    pub nodes: BTreeMap<String, Node>,
    /// `(from, to)`: `from` depends on `to`.
    pub edges: BTreeSet<(String, String)>,
    /// Node keys in the order the output declares them.
    pub order: Vec<String>,
    /// `(from, reference)`: an explicit dependency on something the output does not declare at
    /// all (neither created nor existing), which Bicep, ARM and Terraform all reject.
    pub dangling: Vec<(String, String)>,
    /// Keys created by more than one declaration of the output (two resources, or two module or
    /// nested-deployment calls, writing the same Azure resource).
    pub duplicates: Vec<String>,
    /// Duplicated keys whose declarations are ordered one after the other (a shared vault's `add`
    /// written from two templates).
    pub ordered_duplicates: Vec<String>,
    /// `(calling file, module path)`: Bicep module paths that do not resolve, relative to the
    /// calling file's directory, to a generated file.
    pub unresolved_modules: Vec<(String, String)>,
    /// `file: declaration -> entry`: Bicep `dependsOn` entries the declaration's body already
    /// references (Bicep's linter rule `no-unnecessary-dependson`).
    pub unnecessary_depends_on: Vec<String>,
    /// Terraform's destroy-time purges (`purge_on_delete`), which are not nodes: Bicep and ARM
    /// have no twin. Each is `(account key, what the purge depends on, what depends on it)`.
    pub purges: Vec<(String, Vec<String>, Vec<String>)>,
}

impl Graph {
    fn add_node(&mut self, key: String, kind: Kind, category: Option<String>) {
        let node = Node { kind, category };
        if let Some(old) = self.nodes.get(&key) {
            assert_eq!(old, &node, "`{key}` is declared twice, differently");
            self.duplicates.push(key);
            return;
        }
        self.order.push(key.clone());
        self.nodes.insert(key, node);
    }

    fn add_edge(&mut self, from: &str, to: &str) {
        if from == to && self.duplicates.iter().any(|d| d == from) {
            // One vault's `add` written from two templates normalises to one key; the edge that
            // orders the two writes is checked on the model (ordering.rs).
            self.ordered_duplicates.push(from.to_string());
            return;
        }
        assert_ne!(from, to, "`{from}` depends on itself");
        self.edges.insert((from.to_string(), to.to_string()));
    }

    /// Whether `from` names `to` directly.
    pub fn depends_on(&self, from: &str, to: &str) -> bool {
        self.edges.contains(&(from.to_string(), to.to_string()))
    }

    /// The nodes `from` depends on directly.
    pub fn dependencies(&self, from: &str) -> Vec<&str> {
        self.edges
            .iter()
            .filter(|(f, _)| f == from)
            .map(|(_, t)| t.as_str())
            .collect()
    }

    /// Whether `from` depends on `to` through any chain of edges.
    pub fn depends_transitively(&self, from: &str, to: &str) -> bool {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from];
        while let Some(n) = stack.pop() {
            for d in self.dependencies(n) {
                if d == to {
                    return true;
                }
                if seen.insert(d) {
                    stack.push(d);
                }
            }
        }
        false
    }

    /// Whether the edges form no cycle.
    pub fn is_acyclic(&self) -> bool {
        self.topological_order_by(|_| 0).is_some()
    }

    /// Kahn's algorithm: among the nodes ready at the same time, the lowest `rank` (then the key)
    /// goes first. `None` when there is a cycle.
    pub fn topological_order_by(&self, rank: impl Fn(&str) -> usize) -> Option<Vec<String>> {
        let mut indegree: BTreeMap<&str, usize> =
            self.nodes.keys().map(|k| (k.as_str(), 0)).collect();
        for (from, to) in &self.edges {
            if self.nodes.contains_key(to) {
                *indegree.get_mut(from.as_str())? += 1;
            }
        }
        let mut ready: BTreeSet<(usize, &str)> = indegree
            .iter()
            .filter(|(_, d)| **d == 0)
            .map(|(k, _)| (rank(k), *k))
            .collect();
        let mut order = Vec::new();
        while let Some((_, n)) = ready.pop_first() {
            order.push(n.to_string());
            for (from, to) in &self.edges {
                if to == n {
                    let d = indegree.get_mut(from.as_str())?;
                    *d -= 1;
                    if *d == 0 {
                        ready.insert((rank(from), from.as_str()));
                    }
                }
            }
        }
        (order.len() == self.nodes.len()).then_some(order)
    }

    /// Checks that `order` lists every node once, and every node after everything it depends on.
    pub fn check_topological(&self, order: &[String]) -> Result<(), String> {
        let listed: BTreeSet<&str> = order.iter().map(String::as_str).collect();
        let nodes: BTreeSet<&str> = self.nodes.keys().map(String::as_str).collect();
        if listed.len() != order.len() || listed != nodes {
            return Err(format!(
                "order {order:?} is not a permutation of the nodes {nodes:?}"
            ));
        }
        let pos: HashMap<&str, usize> = order
            .iter()
            .enumerate()
            .map(|(i, k)| (k.as_str(), i))
            .collect();
        for (from, to) in &self.edges {
            if pos[from.as_str()] < pos[to.as_str()] {
                return Err(format!("`{from}` comes before `{to}`, which it depends on"));
            }
        }
        Ok(())
    }

    /// Node keys of one kind, in declaration order.
    pub fn of_kind(&self, kind: Kind) -> Vec<String> {
        self.order
            .iter()
            .filter(|k| self.nodes[*k].kind == kind)
            .cloned()
            .collect()
    }

    /// The Key Vault connection of an account, if the output creates one.
    pub fn key_vault_connection(&self, account: &str) -> Option<String> {
        self.of_kind(Kind::Connection).into_iter().find(|k| {
            self.nodes[k].category.as_deref() == Some("AzureKeyVault")
                && connection_account(k) == account
        })
    }
}

/// The account of a `connection:` key.
pub fn connection_account(key: &str) -> &str {
    let path = key.strip_prefix("connection:").expect("a connection key");
    path.split('/').next().expect("an account")
}

/// The parent of a `connection:` key: `account:<acct>` or `project:<acct>/<proj>`.
pub fn connection_parent(key: &str) -> String {
    let path = key.strip_prefix("connection:").expect("a connection key");
    let (parent, _) = path.rsplit_once('/').expect("a parent");
    if parent.contains('/') {
        format!("project:{parent}")
    } else {
        format!("account:{parent}")
    }
}

/// Reads the dependency graph of one format out of an output set. Panics on anything the
/// extractor does not understand, so that a change in the output cannot go unnoticed.
pub fn graph_of(files: &OutputSet, format: Target) -> Graph {
    match format {
        Target::Arm => arm::graph(files),
        Target::Bicep => bicep::graph(files),
        Target::Terraform => terraform::graph(files),
    }
}

/// The node key of a created resource of an Azure resource type, from its full name
/// (`acct`, `acct/deployment`, `acct/proj`, `acct/proj/conn`, `vault/add`, `acct-role-wait`).
pub fn named_key(resource_type: &str, full_name: &str) -> Option<(String, Kind)> {
    let t = resource_type.to_ascii_lowercase();
    Some(match t.as_str() {
        "microsoft.cognitiveservices/accounts" => (format!("account:{full_name}"), Kind::Account),
        "microsoft.cognitiveservices/accounts/deployments" => {
            (format!("deployment:{full_name}"), Kind::Deployment)
        }
        "microsoft.cognitiveservices/accounts/projects" => {
            (format!("project:{full_name}"), Kind::Project)
        }
        "microsoft.cognitiveservices/accounts/connections"
        | "microsoft.cognitiveservices/accounts/projects/connections" => {
            (format!("connection:{full_name}"), Kind::Connection)
        }
        "microsoft.cognitiveservices/accounts/capabilityhosts"
        | "microsoft.cognitiveservices/accounts/projects/capabilityhosts" => {
            (format!("caphost:{full_name}"), Kind::CapabilityHost)
        }
        "microsoft.keyvault/vaults/accesspolicies" => {
            let vault = full_name
                .strip_suffix("/add")
                .unwrap_or_else(|| panic!("access policy `{full_name}` is not `<vault>/add`"));
            (format!("policy:{vault}"), Kind::Policy)
        }
        "microsoft.resources/deploymentscripts" => {
            let acct = full_name
                .strip_suffix("-role-wait")
                .unwrap_or_else(|| panic!("deployment script `{full_name}` is not a role wait"));
            (format!("wait:{acct}"), Kind::Wait)
        }
        t if CREATED_TYPES.iter().any(|c| t.starts_with(c)) => {
            (format!("resource:{t}/{full_name}"), Kind::Resource)
        }
        _ => return None,
    })
}

/// The node key of a child's parent, from the child's full name, if the parent is a created node.
fn parent_key(resource_type: &str, full_name: &str) -> Option<String> {
    let t = resource_type.to_ascii_lowercase();
    let (parent, _) = full_name.rsplit_once('/')?;
    match t.as_str() {
        "microsoft.cognitiveservices/accounts/projects"
        | "microsoft.cognitiveservices/accounts/deployments"
        | "microsoft.cognitiveservices/accounts/capabilityhosts"
        | "microsoft.cognitiveservices/accounts/connections" => Some(format!("account:{parent}")),
        "microsoft.cognitiveservices/accounts/projects/connections"
        | "microsoft.cognitiveservices/accounts/projects/capabilityhosts" => {
            Some(format!("project:{parent}"))
        }
        _ => None,
    }
}

/// The types `resources:` creates, lower case; their children (blob services, containers, SQL
/// databases) start with them.
const CREATED_TYPES: &[&str] = &[
    "microsoft.search/searchservices",
    "microsoft.storage/storageaccounts",
    "microsoft.documentdb/databaseaccounts",
    "microsoft.keyvault/vaults",
    "microsoft.operationalinsights/workspaces",
    "microsoft.insights/components",
];

pub fn role_key(scope: &str, holder: &str, role: &str) -> String {
    format!("role:{scope}|{holder}|{role}")
}

/// The data-plane role assignment type, a child of the resource it grants on.
pub const DATA_ROLE_TYPE: &str = "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments";

pub fn data_role_key(resource: &str, holder: &str, role: &str) -> String {
    format!("datarole:{resource}|{holder}|{role}")
}

/// The key of a guid-named assignment of type `t`: a role or a data-plane role.
fn guid_key(t: &str, (scope, holder, role): (String, String, String)) -> (String, Kind) {
    if t.eq_ignore_ascii_case(DATA_ROLE_TYPE) {
        (data_role_key(&scope, &holder, &role), Kind::DataRole)
    } else {
        (role_key(&scope, &holder, &role), Kind::Role)
    }
}

pub fn last_segment(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}

/// Edges to nodes that some parent relationship implied but the output does not create (an
/// existing parent) are dropped at the end, like every other edge to an existing resource.
fn drop_edges_to_non_nodes(g: &mut Graph) {
    let nodes = g.nodes.clone();
    g.edges
        .retain(|(f, t)| nodes.contains_key(f) && nodes.contains_key(t));
}

pub mod arm {
    //! ARM JSON: serde_json for the document, and a small parser for ARM's expression language
    //! (`[resourceId('…', '…')]`), since names and `dependsOn` entries are expressions.
    use super::*;

    /// An ARM template expression.
    #[derive(Debug, Clone, PartialEq)]
    pub enum Expr {
        Str(String),
        Num(i64),
        Call(String, Vec<Expr>),
        Member(Box<Expr>, String),
        Index(Box<Expr>, Box<Expr>),
    }

    struct Parser<'a> {
        s: &'a [u8],
        i: usize,
    }

    impl Parser<'_> {
        fn ws(&mut self) {
            while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
                self.i += 1;
            }
        }

        fn eat(&mut self, c: u8) -> bool {
            self.ws();
            if self.s.get(self.i) == Some(&c) {
                self.i += 1;
                true
            } else {
                false
            }
        }

        fn expect(&mut self, c: u8) {
            assert!(
                self.eat(c),
                "ARM expression: expected `{}` at {} in `{}`",
                c as char,
                self.i,
                String::from_utf8_lossy(self.s)
            );
        }

        fn ident(&mut self) -> String {
            self.ws();
            let start = self.i;
            while self.i < self.s.len()
                && (self.s[self.i].is_ascii_alphanumeric() || self.s[self.i] == b'_')
            {
                self.i += 1;
            }
            assert!(
                self.i > start,
                "ARM expression: expected a name at {} in `{}`",
                self.i,
                String::from_utf8_lossy(self.s)
            );
            String::from_utf8_lossy(&self.s[start..self.i]).into_owned()
        }

        fn expr(&mut self) -> Expr {
            self.ws();
            let mut e = match self.s.get(self.i) {
                Some(b'\'') => {
                    self.i += 1;
                    let mut out = Vec::new();
                    loop {
                        match self.s.get(self.i) {
                            Some(b'\'') if self.s.get(self.i + 1) == Some(&b'\'') => {
                                out.push(b'\'');
                                self.i += 2;
                            }
                            Some(b'\'') => {
                                self.i += 1;
                                break;
                            }
                            Some(&c) => {
                                out.push(c);
                                self.i += 1;
                            }
                            None => panic!("ARM expression: unterminated string"),
                        }
                    }
                    Expr::Str(String::from_utf8(out).expect("utf-8"))
                }
                Some(c) if c.is_ascii_digit() || *c == b'-' => {
                    let start = self.i;
                    self.i += 1;
                    while self.i < self.s.len() && self.s[self.i].is_ascii_digit() {
                        self.i += 1;
                    }
                    let text = String::from_utf8_lossy(&self.s[start..self.i]).into_owned();
                    Expr::Num(text.parse().expect("a number"))
                }
                _ => {
                    let name = self.ident();
                    self.expect(b'(');
                    let mut args = Vec::new();
                    if !self.eat(b')') {
                        loop {
                            args.push(self.expr());
                            if self.eat(b')') {
                                break;
                            }
                            self.expect(b',');
                        }
                    }
                    Expr::Call(name, args)
                }
            };
            loop {
                if self.eat(b'.') {
                    let m = self.ident();
                    e = Expr::Member(Box::new(e), m);
                } else if self.eat(b'[') {
                    let i = self.expr();
                    self.expect(b']');
                    e = Expr::Index(Box::new(e), Box::new(i));
                } else {
                    return e;
                }
            }
        }
    }

    /// A JSON string as ARM reads it: `[…]` is an expression, `[[` escapes a literal `[`.
    pub fn parse_value(s: &str) -> Expr {
        if let Some(inner) = s.strip_prefix('[').filter(|_| !s.starts_with("[[")) {
            let inner = inner
                .strip_suffix(']')
                .unwrap_or_else(|| panic!("ARM expression `{s}` does not end in `]`"));
            let mut p = Parser {
                s: inner.as_bytes(),
                i: 0,
            };
            let e = p.expr();
            p.ws();
            assert_eq!(p.i, inner.len(), "trailing text in ARM expression `{s}`");
            e
        } else if let Some(rest) = s.strip_prefix("[[") {
            Expr::Str(format!("[{rest}"))
        } else {
            Expr::Str(s.to_string())
        }
    }

    /// The parameters a template sees: `None` for the top-level template, whose parameters are
    /// the deployment's own and stay unresolved; inside a nested deployment (`inner` scope), the
    /// values its caller passes, already resolved in the caller's context.
    type Params = Option<HashMap<String, Expr>>;

    /// Replaces `parameters('x')` by the value the enclosing deployment passes, and folds
    /// `format`/`concat` over literal strings.
    fn resolve(e: &Expr, params: &Params) -> Expr {
        match e {
            Expr::Call(f, args) => {
                let args: Vec<Expr> = args.iter().map(|a| resolve(a, params)).collect();
                match (f.as_str(), args.as_slice(), params) {
                    ("parameters", [Expr::Str(p)], Some(passed)) => passed
                        .get(p)
                        .cloned()
                        .unwrap_or_else(|| panic!("parameter `{p}` is not passed")),
                    ("format", [Expr::Str(fmt), rest @ ..], _) if rest.iter().all(is_str) => {
                        let mut out = fmt.clone();
                        for (i, a) in rest.iter().enumerate() {
                            out = out.replace(&format!("{{{i}}}"), str_of(a));
                        }
                        Expr::Str(out)
                    }
                    ("concat", all, _) if all.iter().all(is_str) => {
                        Expr::Str(all.iter().map(str_of).collect())
                    }
                    // Nested deployment names end in a suffix unique to the calling deployment;
                    // within one template it is one and the same value.
                    ("uniqueString", all, _) if all.iter().all(is_str) => Expr::Str(format!(
                        "{{uniqueString({})}}",
                        all.iter().map(str_of).collect::<Vec<_>>().join(", ")
                    )),
                    _ => Expr::Call(f.clone(), args),
                }
            }
            Expr::Member(b, m)
                if m == "name"
                    && matches!(&**b, Expr::Call(f, a) if f == "deployment" && a.is_empty()) =>
            {
                Expr::Str("{deployment().name}".into())
            }
            Expr::Member(b, m) => Expr::Member(Box::new(resolve(b, params)), m.clone()),
            Expr::Index(b, i) => {
                Expr::Index(Box::new(resolve(b, params)), Box::new(resolve(i, params)))
            }
            other => other.clone(),
        }
    }

    /// A JSON value as ARM evaluates it in a template with these parameters.
    fn value(v: &Json, params: &Params) -> Expr {
        match v {
            Json::String(s) => resolve(&parse_value(s), params),
            other => Expr::Str(other.to_string()),
        }
    }

    fn is_str(e: &Expr) -> bool {
        matches!(e, Expr::Str(_))
    }

    fn str_of(e: &Expr) -> &str {
        match e {
            Expr::Str(s) => s,
            other => panic!("expected a literal string, found {other:?}"),
        }
    }

    /// `resourceId([sub], [rg], type, name…)` split into the scope arguments, the type and the
    /// names. The scope arguments may be expressions (`subscription().subscriptionId` passed down
    /// from the caller); the type is the first literal containing `/`; the names are literals.
    fn resource_id_parts(args: &[Expr]) -> (&[Expr], String, Vec<String>) {
        let at = args
            .iter()
            .position(|a| matches!(a, Expr::Str(s) if s.contains('/')))
            .unwrap_or_else(|| panic!("resourceId without a type: {args:?}"));
        let names = args[at + 1..]
            .iter()
            .map(|a| str_of(a).to_string())
            .collect();
        (&args[..at], str_of(&args[at]).to_string(), names)
    }

    /// The name of the resource a resource id expression points at.
    fn last_name(e: &Expr) -> String {
        match e {
            Expr::Str(s) => last_segment(s).to_string(),
            Expr::Call(f, args)
                if matches!(
                    f.as_str(),
                    "resourceId"
                        | "subscriptionResourceId"
                        | "tenantResourceId"
                        | "extensionResourceId"
                ) =>
            {
                str_of(args.last().expect("an argument")).to_string()
            }
            // An id joined with a child's `/type/name` (a data-plane role definition).
            Expr::Call(f, args) if f == "concat" => last_name(args.last().expect("an argument")),
            other => panic!("cannot read a resource name from {other:?}"),
        }
    }

    fn role_from_guid(e: &Expr) -> String {
        guid_key("Microsoft.Authorization/roleAssignments", guid_parts(e)).0
    }

    fn guid_parts(e: &Expr) -> (String, String, String) {
        match e {
            Expr::Call(f, args) if f == "guid" && args.len() == 3 => (
                last_name(&args[0]),
                last_name(&args[1]),
                last_name(&args[2]),
            ),
            other => panic!("assignment name is not guid(scope, holder, role): {other:?}"),
        }
    }

    /// A data-plane role's key from its name, `<resource>/<guid(…)>` joined at deployment time.
    fn data_role_from_name(e: &Expr) -> String {
        let guid = match e {
            Expr::Call(f, args) if f == "concat" || f == "format" => {
                args.last().expect("an argument")
            }
            other => panic!("data-plane role name is not `<resource>/<guid(…)>`: {other:?}"),
        };
        guid_key(DATA_ROLE_TYPE, guid_parts(guid)).0
    }

    /// A created resource: its node key and, for children, the parent key implied by its name.
    fn node_of(r: &Json, params: &Params) -> (String, Kind, Option<String>) {
        let t = r["type"].as_str().expect("resource type");
        let name = value(&r["name"], params);
        if t.eq_ignore_ascii_case("Microsoft.Authorization/roleAssignments") {
            return (role_from_guid(&name), Kind::Role, None);
        }
        // Its parent, the account, is referenced, not created.
        if t.eq_ignore_ascii_case(DATA_ROLE_TYPE) {
            return (data_role_from_name(&name), Kind::DataRole, None);
        }
        let name = str_of(&name).to_string();
        let (key, kind) = named_key(t, &name)
            .unwrap_or_else(|| panic!("unexpected resource `{t}` `{name}` in ARM output"));
        (key, kind, parent_key(t, &name))
    }

    /// A nested deployment of one template: where it deploys (`subscriptionId`, `resourceGroup`,
    /// resolved; `None` where the caller's own) and every node inside it, at any depth.
    struct Deployment {
        subscription: Option<Expr>,
        group: Option<Expr>,
        keys: Vec<String>,
    }

    pub fn graph(files: &OutputSet) -> Graph {
        let text = &files.files["arm/azuredeploy.json"];
        let doc: Json = serde_json::from_str(text).expect("azuredeploy.json is JSON");
        let mut g = Graph::default();
        template(&doc, &None, &mut g);
        drop_edges_to_non_nodes(&mut g);
        g
    }

    /// Reads one template's resources, recursing into nested deployments, and returns every node
    /// key it creates. A `dependsOn` can only name a resource of the same template (ARM refuses
    /// anything else), so it is resolved against this template's resources alone; a nested
    /// deployment's `dependsOn` applies to every node inside it.
    fn template(doc: &Json, params: &Params, g: &mut Graph) -> Vec<String> {
        let resources = doc["resources"].as_array().expect("resources");
        let mut deployments: HashMap<String, Deployment> = HashMap::new();
        // Node keys of the template's own resources (not those inside its nested deployments).
        let mut own: BTreeSet<String> = BTreeSet::new();
        let mut keys_of: Vec<Vec<String>> = Vec::new();
        for r in resources {
            assert!(
                r.get("resources").is_none(),
                "nested child resources are not read"
            );
            let t = r["type"].as_str().expect("type");
            let keys = if t.eq_ignore_ascii_case("Microsoft.Resources/deployments") {
                let name = str_of(&value(&r["name"], params)).to_string();
                let props = &r["properties"];
                assert_eq!(
                    props["expressionEvaluationOptions"]["scope"], "inner",
                    "nested deployment `{name}` does not use the inner scope"
                );
                let empty = serde_json::Map::new();
                // Parameter values are evaluated by the caller, in the caller's context.
                let inner: HashMap<String, Expr> = props["parameters"]
                    .as_object()
                    .unwrap_or(&empty)
                    .iter()
                    .map(|(k, v)| (k.clone(), value(&v["value"], params)))
                    .collect();
                let keys = template(&props["template"], &Some(inner), g);
                let at = |field: &str| r.get(field).map(|v| value(v, params));
                let previous = deployments.insert(
                    name.clone(),
                    Deployment {
                        subscription: at("subscriptionId"),
                        group: at("resourceGroup"),
                        keys: keys.clone(),
                    },
                );
                assert!(previous.is_none(), "deployment `{name}` is declared twice");
                keys
            } else {
                let (key, kind, parent) = node_of(r, params);
                let category = r["properties"]["category"].as_str().map(str::to_string);
                g.add_node(key.clone(), kind, category);
                if let Some(p) = parent {
                    g.add_edge(&key, &p);
                }
                own.insert(key.clone());
                vec![key]
            };
            keys_of.push(keys);
        }
        for (r, keys) in resources.iter().zip(&keys_of) {
            let Some(deps) = r.get("dependsOn") else {
                continue;
            };
            for d in deps.as_array().expect("dependsOn is an array") {
                let d = d.as_str().expect("dependsOn entries are strings");
                match dependency_keys(d, params, &deployments, &own) {
                    Some(tos) => {
                        for from in keys {
                            for to in &tos {
                                g.add_edge(from, to);
                            }
                        }
                    }
                    None => {
                        for from in keys {
                            g.dangling.push((from.clone(), d.to_string()));
                        }
                    }
                }
            }
        }
        keys_of.into_iter().flatten().collect()
    }

    /// The node keys one `dependsOn` entry points at (several for a nested deployment), or `None`
    /// when it names nothing this template deploys.
    fn dependency_keys(
        d: &str,
        params: &Params,
        deployments: &HashMap<String, Deployment>,
        own: &BTreeSet<String>,
    ) -> Option<Vec<String>> {
        let e = resolve(&parse_value(d), params);
        let Expr::Call(f, args) = &e else {
            panic!("dependsOn entry `{d}` is not a resource id");
        };
        match f.as_str() {
            // `resourceId(type, '<resource>', guid(…))`: a data-plane role of this template.
            "resourceId"
                if args.iter().any(
                    |a| matches!(a, Expr::Str(t) if t.eq_ignore_ascii_case(DATA_ROLE_TYPE)),
                ) =>
            {
                let at = args
                    .iter()
                    .position(
                        |a| matches!(a, Expr::Str(t) if t.eq_ignore_ascii_case(DATA_ROLE_TYPE)),
                    )
                    .expect("the type");
                assert!(
                    at == 0,
                    "dependsOn on a data-plane role in another scope: `{d}`"
                );
                let key = guid_key(DATA_ROLE_TYPE, guid_parts(args.last().expect("a guid"))).0;
                own.contains(&key).then(|| vec![key])
            }
            "resourceId" => {
                let (scope, t, names) = resource_id_parts(args);
                if t.eq_ignore_ascii_case("Microsoft.Resources/deployments") {
                    let [name] = names.as_slice() else {
                        panic!("deployment id `{d}` has {} names", names.len());
                    };
                    let dep = deployments.get(name)?;
                    // Where the entry gives a scope, it must be the deployment's.
                    let (sub, group) = match scope {
                        [] => (None, None),
                        [rg] => (None, Some(rg)),
                        [sub, rg] => (Some(sub), Some(rg)),
                        _ => panic!("resourceId with {} scope arguments: `{d}`", scope.len()),
                    };
                    let matches = |given: Option<&Expr>, actual: &Option<Expr>| match given {
                        None => true,
                        Some(g) => actual.as_ref() == Some(g),
                    };
                    if !matches(group, &dep.group) {
                        return None;
                    }
                    if sub.is_some()
                        && dep.subscription.is_some()
                        && !matches(sub, &dep.subscription)
                    {
                        return None;
                    }
                    return Some(dep.keys.clone());
                }
                assert!(
                    scope.is_empty(),
                    "dependsOn on a resource in another scope: `{d}`"
                );
                let (key, _) = named_key(&t, &names.join("/"))?;
                own.contains(&key).then(|| vec![key])
            }
            "extensionResourceId" => {
                let t = str_of(&args[1]);
                assert!(
                    t.eq_ignore_ascii_case("Microsoft.Authorization/roleAssignments"),
                    "unexpected extension resource `{t}`"
                );
                let key = role_from_guid(&args[2]);
                own.contains(&key).then(|| vec![key])
            }
            other => panic!("unexpected `{other}` in dependsOn entry `{d}`"),
        }
    }
}

mod bicep {
    //! Bicep: tree-sitter-bicep, reading `resource` and `module` declarations of `main.bicep` and
    //! of the module files it uses.
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
            if let Some(bad) = first_error(tree.root_node()) {
                panic!(
                    "`{path}` does not parse as Bicep: {} at {}:{}",
                    if bad.is_missing() {
                        format!("missing `{}`", bad.kind())
                    } else {
                        "syntax error".to_string()
                    },
                    bad.start_position().row + 1,
                    bad.start_position().column + 1
                );
            }
            File { text, tree }
        }

        fn text(&self, n: TsNode) -> &'a str {
            n.utf8_text(self.text.as_bytes()).expect("utf-8")
        }
    }

    fn first_error(n: TsNode) -> Option<TsNode> {
        if n.is_error() || n.is_missing() {
            return Some(n);
        }
        if !n.has_error() {
            return None;
        }
        let mut c = n.walk();
        let children: Vec<TsNode> = n.children(&mut c).collect();
        children.into_iter().find_map(first_error)
    }

    fn named_children(n: TsNode) -> Vec<TsNode> {
        let mut c = n.walk();
        n.named_children(&mut c)
            .filter(|c| !matches!(c.kind(), "comment" | "diagnostic_comment"))
            .collect()
    }

    /// A `resource` or `module` declaration.
    struct Decl<'t> {
        symbol: String,
        /// Resource type without the API version, or the module path.
        what: String,
        is_module: bool,
        existing: bool,
        body: TsNode<'t>,
    }

    fn declarations<'t>(f: &'t File) -> Vec<Decl<'t>> {
        let mut out = Vec::new();
        for d in named_children(f.tree.root_node()) {
            let is_module = match d.kind() {
                "resource_declaration" => false,
                "module_declaration" => true,
                _ => continue,
            };
            let mut c = d.walk();
            let all: Vec<TsNode> = d.children(&mut c).collect();
            let symbol = f.text(
                all.iter()
                    .find(|n| n.kind() == "identifier")
                    .copied()
                    .expect("symbol"),
            );
            let what = string_value(f, *all.iter().find(|n| n.kind() == "string").expect("type"))
                .expect("a literal type or path");
            let existing = all.iter().any(|n| n.kind() == "existing");
            let body = *all
                .iter()
                .find(|n| n.kind() == "object")
                .unwrap_or_else(|| {
                    panic!(
                        "`{symbol}` has no plain object body (conditions and loops are not read)"
                    )
                });
            let what = if is_module {
                what
            } else {
                what.split('@').next().expect("a type").to_string()
            };
            out.push(Decl {
                symbol: symbol.to_string(),
                what,
                is_module,
                existing,
                body,
            });
        }
        out
    }

    /// The literal value of a Bicep string, or `None` if it interpolates.
    fn string_value(f: &File, n: TsNode) -> Option<String> {
        assert_eq!(n.kind(), "string");
        let mut out = String::new();
        let mut c = n.walk();
        for part in n.named_children(&mut c) {
            match part.kind() {
                "string_content" => out.push_str(f.text(part)),
                "escape_sequence" => {
                    let e = f.text(part);
                    out.push_str(match e {
                        "\\'" => "'",
                        "\\\\" => "\\",
                        "\\n" => "\n",
                        "\\r" => "\r",
                        "\\t" => "\t",
                        "\\$" => "$",
                        other => panic!("unexpected Bicep escape `{other}`"),
                    });
                }
                _ => return None,
            }
        }
        Some(out)
    }

    fn property<'t>(f: &File, object: TsNode<'t>, key: &str) -> Option<TsNode<'t>> {
        named_children(object).into_iter().find_map(|p| {
            if p.kind() != "object_property" {
                return None;
            }
            let parts = named_children(p);
            let k = parts[0];
            let name = match k.kind() {
                "identifier" => f.text(k).to_string(),
                "string" => string_value(f, k)?,
                _ => return None,
            };
            (name == key).then(|| *parts.last().expect("a value"))
        })
    }

    /// A value a declaration's name is made of.
    enum Name {
        Text(String),
        /// `guid(scope, holder, role)`: the names of the three.
        Guid(String, String, String),
    }

    /// Evaluates the `name:` expression of a declaration: a string, a module parameter (looked up
    /// in the caller's `params:`), or `guid(scope.id, holder.id, subscriptionResourceId(…, 'guid'))`.
    struct Scope<'a, 't> {
        file: &'a File<'a>,
        decls: &'a [Decl<'t>],
        /// The calling file and the module's `params:` object, inside a module.
        caller: Option<(&'a Scope<'a, 't>, TsNode<'t>)>,
    }

    impl<'t> Scope<'_, 't> {
        fn decl(&self, symbol: &str) -> Option<&Decl<'t>> {
            self.decls.iter().find(|d| d.symbol == symbol)
        }

        fn eval(&self, n: TsNode) -> Name {
            match n.kind() {
                "string" => Name::Text(string_value(self.file, n).expect("a literal name")),
                "identifier" => {
                    let id = self.file.text(n);
                    let (caller, params) = self
                        .caller
                        .unwrap_or_else(|| panic!("`{id}` is not a module parameter"));
                    let arg = property(caller.file, params, id)
                        .unwrap_or_else(|| panic!("the module call does not pass `{id}`"));
                    caller.eval(arg)
                }
                "call_expression" => {
                    let f = self
                        .file
                        .text(n.child_by_field_name("function").expect("function"));
                    let args = named_children(n.child_by_field_name("arguments").expect("args"));
                    match (f, args.as_slice()) {
                        ("guid", [scope, holder, role]) => Name::Guid(
                            self.resource_name(*scope),
                            self.resource_name(*holder),
                            self.resource_name(*role),
                        ),
                        _ => panic!("unexpected call `{}` in a name", self.file.text(n)),
                    }
                }
                _ => panic!("unexpected name expression `{}`", self.file.text(n)),
            }
        }

        /// The name of the resource behind `sym.id` or `subscriptionResourceId(…, 'name')`.
        fn resource_name(&self, n: TsNode) -> String {
            match n.kind() {
                "member_expression" => {
                    let obj = n.child_by_field_name("object").expect("object");
                    let prop = self
                        .file
                        .text(n.child_by_field_name("property").expect("prop"));
                    assert_eq!(
                        prop,
                        "id",
                        "expected `<symbol>.id`, found `{}`",
                        self.file.text(n)
                    );
                    let sym = self.file.text(obj);
                    let full = self.full_name(sym);
                    last_segment(&full).to_string()
                }
                "call_expression" => {
                    let args = named_children(n.child_by_field_name("arguments").expect("args"));
                    match self.eval(*args.last().expect("an argument")) {
                        Name::Text(t) => last_segment(&t).to_string(),
                        Name::Guid(..) => panic!("unexpected guid in a resource id"),
                    }
                }
                "string" => match string_value(self.file, n) {
                    Some(s) => last_segment(&s).to_string(),
                    // `'${x.id}/sqlRoleDefinitions/<guid>'`: the literal after the last
                    // interpolation.
                    None => {
                        let tail = named_children(n)
                            .into_iter()
                            .rev()
                            .take_while(|p| p.kind() == "string_content")
                            .map(|p| self.file.text(p))
                            .collect::<Vec<_>>();
                        let tail: String = tail.into_iter().rev().collect();
                        assert!(
                            tail.contains('/'),
                            "`{}` ends in no `/name`",
                            self.file.text(n)
                        );
                        last_segment(&tail).to_string()
                    }
                },
                _ => panic!("cannot read a resource name from `{}`", self.file.text(n)),
            }
        }

        /// `parent`'s full name, `/`, own name.
        fn full_name(&self, symbol: &str) -> String {
            let d = self
                .decl(symbol)
                .unwrap_or_else(|| panic!("unknown symbol `{symbol}`"));
            let name = property(self.file, d.body, "name").expect("a name");
            let own = match self.eval(name) {
                Name::Text(t) => t,
                Name::Guid(a, b, c) => role_key(&a, &b, &c),
            };
            match property(self.file, d.body, "parent") {
                Some(p) => format!("{}/{own}", self.full_name(self.file.text(p))),
                None => own,
            }
        }

        /// The node of a non-existing resource declaration, with its parent's symbol.
        fn node(&self, d: &Decl) -> (String, Kind, Option<String>) {
            let parent =
                property(self.file, d.body, "parent").map(|p| self.file.text(p).to_string());
            let name = property(self.file, d.body, "name").expect("a name");
            if d.what
                .eq_ignore_ascii_case("Microsoft.Authorization/roleAssignments")
                || d.what.eq_ignore_ascii_case(DATA_ROLE_TYPE)
            {
                return match self.eval(name) {
                    Name::Guid(a, b, c) => {
                        let (key, kind) = guid_key(&d.what, (a, b, c));
                        (key, kind, parent)
                    }
                    Name::Text(t) => panic!("`{}` named `{t}`, not by guid(…)", d.what),
                };
            }
            let full = self.full_name(&d.symbol);
            let (key, kind) = named_key(&d.what, &full)
                .unwrap_or_else(|| panic!("unexpected resource `{}` `{full}` in Bicep", d.what));
            (key, kind, parent)
        }

        fn category(&self, d: &Decl) -> Option<String> {
            let props = property(self.file, d.body, "properties")?;
            let c = property(self.file, props, "category")?;
            string_value(self.file, c)
        }
    }

    /// The identifiers a body uses as values (not object keys, not the member after a dot, not a
    /// function name), outside `skip` (its `dependsOn` array).
    fn body_references(f: &File, body: TsNode, skip: Option<TsNode>) -> Vec<String> {
        let mut out = Vec::new();
        let mut stack = vec![body];
        while let Some(n) = stack.pop() {
            if Some(n) == skip {
                continue;
            }
            let mut c = n.walk();
            stack.extend(n.children(&mut c));
            if n.kind() != "identifier" {
                continue;
            }
            let Some(p) = n.parent() else { continue };
            let first = p.child(0) == Some(n);
            let value = match p.kind() {
                "object_property"
                | "member_expression"
                | "subscript_expression"
                | "call_expression" => {
                    // The key, the object before a dot or bracket, the function name.
                    (p.kind() == "object_property") != first
                        && !(p.kind() == "call_expression" && first)
                }
                _ => true,
            };
            if value {
                out.push(f.text(n).to_string());
            }
        }
        out
    }

    pub fn graph(files: &OutputSet) -> Graph {
        let mut g = Graph::default();
        read(files, "bicep/main.bicep", None, &mut g);
        drop_edges_to_non_nodes(&mut g);
        g
    }

    /// Where a module declared in `caller` (a path under `bicep/`) lives: Bicep resolves a
    /// module path relative to the directory of the file that declares it.
    fn module_path(caller: &str, module: &str) -> String {
        let mut parts: Vec<&str> = caller.split('/').collect();
        parts.pop();
        for seg in module.split('/') {
            match seg {
                "." | "" => {}
                ".." => {
                    parts
                        .pop()
                        .expect("a module path above the output directory");
                }
                s => parts.push(s),
            }
        }
        parts.join("/")
    }

    /// Reads one Bicep file (main.bicep, or a module called with `params` from `caller`),
    /// recursing into the modules it calls, and returns every node key it creates, at any depth.
    /// A module's `dependsOn` applies to every node inside it; inside a file, edges come from each
    /// declaration's own `dependsOn` and `parent:`.
    fn read<'c, 't>(
        files: &OutputSet,
        path: &str,
        caller: Option<(&'c Scope<'c, 't>, TsNode<'t>)>,
        g: &mut Graph,
    ) -> Vec<String> {
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
        };
        // Node keys behind each symbol (a module can hold several), in declaration order.
        let mut keys_of: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        let mut all: Vec<String> = Vec::new();
        let mut parents: Vec<(String, String)> = Vec::new();
        for d in decls.iter().filter(|d| !d.existing) {
            let keys = if d.is_module {
                let mut inner = module_path(path, &d.what);
                if !files.files.contains_key(&inner) {
                    // Recorded, and read from where the generator put it, so that the ordering
                    // rules still run; `Graph::unresolved_modules` fails its own test.
                    g.unresolved_modules
                        .push((path.to_string(), d.what.clone()));
                    inner = format!("bicep/{}", d.what);
                }
                let params = property(&file, d.body, "params").expect("module params");
                read(files, &inner, Some((&scope, params)), g)
            } else {
                let (key, kind, parent) = scope.node(d);
                g.add_node(key.clone(), kind, scope.category(d));
                if let Some(p) = parent {
                    parents.push((key.clone(), p));
                }
                vec![key]
            };
            all.extend(keys.iter().cloned());
            keys_of.insert(&d.symbol, keys);
        }
        for (key, p) in parents {
            match keys_of.get(p.as_str()) {
                Some(tos) => {
                    for to in tos {
                        g.add_edge(&key, to);
                    }
                }
                None => assert!(
                    scope.decl(&p).is_some_and(|pd| pd.existing),
                    "`{path}`: parent `{p}` of `{key}` is not declared"
                ),
            }
        }
        // A reference to a deployed resource or module anywhere in a body (`x.id` in a name,
        // `x.identity.principalId`, a module parameter) is a dependency, as Bicep derives it; the
        // generator leaves such entries out of `dependsOn` (the linter's
        // `no-unnecessary-dependson`).
        let mut references: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
        for d in decls.iter().filter(|d| !d.existing) {
            let skip = property(&file, d.body, "dependsOn");
            let refs: BTreeSet<String> = body_references(&file, d.body, skip).into_iter().collect();
            for sym in &refs {
                if *sym == d.symbol {
                    continue;
                }
                if let Some(tos) = keys_of.get(sym.as_str()) {
                    for from in &keys_of[d.symbol.as_str()] {
                        for to in tos {
                            g.add_edge(from, to);
                        }
                    }
                }
            }
            references.insert(&d.symbol, refs);
        }
        for d in decls.iter().filter(|d| !d.existing) {
            let Some(deps) = property(&file, d.body, "dependsOn") else {
                continue;
            };
            assert_eq!(deps.kind(), "array", "dependsOn is an array");
            for item in named_children(deps) {
                assert_eq!(item.kind(), "identifier", "dependsOn entries are symbols");
                let sym = file.text(item);
                if references[d.symbol.as_str()].contains(sym) {
                    g.unnecessary_depends_on
                        .push(format!("{path}: {} -> {sym}", d.symbol));
                }
                match (keys_of.get(sym), scope.decl(sym)) {
                    (Some(tos), _) => {
                        for from in &keys_of[d.symbol.as_str()] {
                            for to in tos {
                                g.add_edge(from, to);
                            }
                        }
                    }
                    (None, Some(_)) => {}
                    (None, None) => {
                        for from in &keys_of[d.symbol.as_str()] {
                            g.dangling.push((from.clone(), format!("{path}: {sym}")));
                        }
                    }
                }
            }
        }
        all
    }
}

mod terraform {
    //! Terraform: hcl-rs over every `.tf` file, reading `resource` blocks and walking their
    //! `parent_id` and `depends_on` traversals.
    use super::*;
    use hcl::expr::{Expression, TemplateExpr, Traversal, TraversalOperator};
    use hcl::template::Element;
    use hcl::{Block, Body, Template};
    use std::str::FromStr;

    fn attr<'b>(b: &'b Block, key: &str) -> Option<&'b Expression> {
        b.body
            .attributes()
            .find(|a| a.key.as_str() == key)
            .map(|a| &a.expr)
    }

    fn literal(e: &Expression) -> Option<String> {
        match e {
            Expression::String(s) => Some(s.clone()),
            _ => None,
        }
    }

    /// `a.b.c` as its names, for a traversal made only of attribute accesses.
    fn address(e: &Expression) -> Vec<String> {
        let Expression::Traversal(t) = e else {
            panic!("expected a reference, found {e:?}");
        };
        let Traversal { expr, operators } = t.as_ref();
        let Expression::Variable(root) = expr else {
            panic!("expected a reference, found {e:?}");
        };
        let mut out = vec![root.as_str().to_string()];
        for op in operators {
            match op {
                TraversalOperator::GetAttr(i) => out.push(i.as_str().to_string()),
                other => panic!("unexpected traversal step {other:?}"),
            }
        }
        out
    }

    /// The last `/` segment of an id written as a string or template: the literal text after the
    /// last interpolation.
    fn id_last_segment(e: &Expression) -> String {
        let text = match e {
            Expression::String(s) => s.clone(),
            Expression::TemplateExpr(t) => match t.as_ref() {
                TemplateExpr::QuotedString(s) => {
                    let tpl = Template::from_str(s).expect("a template");
                    match tpl.elements().last() {
                        Some(Element::Literal(l)) if l.contains('/') => l.clone(),
                        _ => panic!("id template `{s}` does not end in a literal segment"),
                    }
                }
                other => panic!("unexpected heredoc {other:?}"),
            },
            other => panic!("expected an id string, found {other:?}"),
        };
        last_segment(&text).to_string()
    }

    fn role_from_uuid(e: &Expression) -> String {
        guid_key("Microsoft.Authorization/roleAssignments", uuid_parts(e)).0
    }

    fn uuid_parts(e: &Expression) -> (String, String, String) {
        let Expression::FuncCall(f) = e else {
            panic!("assignment name is not uuidv5(…): {e:?}");
        };
        assert_eq!(f.name.name.as_str(), "uuidv5");
        let Expression::FuncCall(join) = &f.args[1] else {
            panic!("uuidv5 of something other than join(…)");
        };
        assert_eq!(join.name.name.as_str(), "join");
        let Expression::Array(parts) = &join.args[1] else {
            panic!("join of something other than a list");
        };
        let [scope, holder, role] = parts.as_slice() else {
            panic!("role name joins {} parts, not 3", parts.len());
        };
        (
            id_last_segment(scope),
            id_last_segment(holder),
            id_last_segment(role),
        )
    }

    struct Res<'b> {
        address: String,
        block: &'b Block,
    }

    fn squash(s: &str) -> String {
        s.chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect()
    }

    pub fn graph(files: &OutputSet) -> Graph {
        let bodies: Vec<Body> = files
            .files
            .iter()
            .filter(|(p, _)| p.starts_with("terraform/") && p.ends_with(".tf"))
            .map(|(p, t)| hcl::parse(t).unwrap_or_else(|e| panic!("`{p}` does not parse: {e}")))
            .collect();
        let mut resources = Vec::new();
        let mut data = HashMap::new();
        for body in &bodies {
            for b in body.blocks() {
                let labels: Vec<&str> = b.labels.iter().map(|l| l.as_str()).collect();
                match (b.identifier.as_str(), labels.as_slice()) {
                    ("resource", [t, l]) => resources.push(Res {
                        address: format!("{t}.{l}"),
                        block: b,
                    }),
                    ("data", [t, l]) => {
                        data.insert(format!("data.{t}.{l}"), b);
                    }
                    _ => {}
                }
            }
        }
        // Full names of azapi resources and data sources, following parent_id.
        fn full_name(
            addr: &str,
            by_addr: &HashMap<String, &Block>,
            memo: &mut HashMap<String, String>,
        ) -> String {
            if let Some(n) = memo.get(addr) {
                return n.clone();
            }
            let b = by_addr[addr];
            let own = literal(attr(b, "name").expect("name")).expect("a literal name");
            let full = match attr(b, "parent_id") {
                Some(e @ Expression::Traversal(_)) => {
                    let a = address(e);
                    let parent = a[..a.len() - 1].join(".");
                    if by_addr.contains_key(&parent) {
                        format!("{}/{own}", full_name(&parent, by_addr, memo))
                    } else {
                        own
                    }
                }
                _ => own,
            };
            memo.insert(addr.to_string(), full.clone());
            full
        }
        let mut by_addr: HashMap<String, &Block> = HashMap::new();
        for r in &resources {
            if r.address.starts_with("azapi_resource.") {
                by_addr.insert(r.address.clone(), r.block);
            }
        }
        for (a, b) in &data {
            if a.starts_with("data.azapi_resource.") {
                by_addr.insert(a.clone(), b);
            }
        }
        let mut memo = HashMap::new();
        let type_of = |b: &Block| {
            let t = literal(attr(b, "type").expect("type")).expect("a literal type");
            t.split('@').next().expect("a type").to_string()
        };
        // Every account name the output mentions, created or existing, for the wait.
        let accounts: Vec<String> = by_addr
            .iter()
            .filter(|(_, b)| {
                type_of(b).eq_ignore_ascii_case("Microsoft.CognitiveServices/accounts")
            })
            .map(|(a, _)| full_name(a, &by_addr, &mut memo))
            .collect();
        let projects: Vec<String> = by_addr
            .iter()
            .filter(|(_, b)| {
                type_of(b).eq_ignore_ascii_case("Microsoft.CognitiveServices/accounts/projects")
            })
            .map(|(a, _)| full_name(a, &by_addr, &mut memo))
            .collect();
        let mut g = Graph::default();
        let mut key_of: HashMap<String, String> = HashMap::new();
        let mut purge_of: HashMap<String, String> = HashMap::new();
        let mut parents = Vec::new();
        for r in &resources {
            let b = r.block;
            let kind = r.address.split('.').next().expect("a type");
            let (key, node_kind, category) = match kind {
                // A data-plane role, named by uuidv5 under a referenced resource.
                "azapi_resource" if type_of(b).eq_ignore_ascii_case(DATA_ROLE_TYPE) => {
                    let name = attr(b, "name").expect("name");
                    let key = guid_key(DATA_ROLE_TYPE, uuid_parts(name)).0;
                    // Under a created account, its parent is a node like any other child's.
                    if let Some(e @ Expression::Traversal(_)) = attr(b, "parent_id") {
                        let a = address(e);
                        parents.push((key.clone(), a[..a.len() - 1].join(".")));
                    }
                    (key, Kind::DataRole, None)
                }
                "azapi_resource" => {
                    let t = type_of(b);
                    let full = full_name(&r.address, &by_addr, &mut memo);
                    let (key, k) = named_key(&t, &full)
                        .unwrap_or_else(|| panic!("unexpected azapi resource `{t}` `{full}`"));
                    if let Some(e @ Expression::Traversal(_)) = attr(b, "parent_id") {
                        let a = address(e);
                        parents.push((key.clone(), a[..a.len() - 1].join(".")));
                    }
                    let category = attr(b, "body")
                        .and_then(|body| object_path(body, &["properties", "category"]))
                        .and_then(literal);
                    (key, k, category)
                }
                "azurerm_role_assignment" => (
                    role_from_uuid(attr(b, "name").expect("name")),
                    Kind::Role,
                    None,
                ),
                "azurerm_key_vault_access_policy" => {
                    let a = address(attr(b, "key_vault_id").expect("key_vault_id"));
                    let vault = a[..a.len() - 1].join(".");
                    let name = literal(attr(by_addr[&vault], "name").expect("name")).expect("name");
                    (format!("policy:{name}"), Kind::Policy, None)
                }
                "time_sleep" => {
                    let label = r.address.split_once('.').expect("label").1;
                    let prefix = label
                        .strip_suffix("_role_wait")
                        .unwrap_or_else(|| panic!("time_sleep `{label}` is not a role wait"));
                    // A capability host's wait: `<acct>-<proj>-caphost-role-wait`.
                    let caphost_wait: Vec<String> = projects
                        .iter()
                        .map(|p| format!("{}-caphost", p.replace('/', "-")))
                        .filter(|w| squash(w) == squash(prefix))
                        .collect();
                    if let [w] = caphost_wait.as_slice() {
                        (format!("wait:{w}"), Kind::Wait, None)
                    } else {
                        let matching: Vec<&String> = accounts
                            .iter()
                            .filter(|a| squash(a) == squash(prefix))
                            .collect();
                        let [acct] = matching.as_slice() else {
                            panic!("time_sleep `{label}` matches accounts {matching:?}");
                        };
                        (format!("wait:{acct}"), Kind::Wait, None)
                    }
                }
                "azapi_resource_action" => {
                    // Only the destroy-time purge of a deleted account is a resource action.
                    assert_eq!(
                        attr(b, "when").and_then(literal).as_deref(),
                        Some("destroy"),
                        "`{}` is not a destroy-time action",
                        r.address
                    );
                    assert_eq!(
                        attr(b, "method").and_then(literal).as_deref(),
                        Some("DELETE")
                    );
                    let t = type_of(b);
                    assert!(
                        t.eq_ignore_ascii_case(
                            "Microsoft.CognitiveServices/locations/resourceGroups/deletedAccounts"
                        ),
                        "`{}` acts on `{t}`",
                        r.address
                    );
                    let id = hcl::format::to_string(attr(b, "resource_id").expect("resource_id"))
                        .expect("formats");
                    let name = id
                        .trim_matches('"')
                        .rsplit_once("/deletedAccounts/")
                        .map(|(_, n)| n.to_string())
                        .unwrap_or_else(|| panic!("`{id}` is not a deleted account"));
                    purge_of.insert(r.address.clone(), format!("account:{name}"));
                    continue;
                }
                other => panic!("unexpected Terraform resource type `{other}`"),
            };
            g.add_node(key.clone(), node_kind, category);
            key_of.insert(r.address.clone(), key);
        }
        for (key, parent) in parents {
            if let Some(to) = key_of.get(&parent) {
                g.add_edge(&key, to);
            }
        }
        for r in &resources {
            let Some(deps) = attr(r.block, "depends_on") else {
                continue;
            };
            let Expression::Array(items) = deps else {
                panic!("depends_on is not a list");
            };
            let from = match (key_of.get(&r.address), purge_of.get(&r.address)) {
                (Some(k), _) => k.clone(),
                (None, Some(account)) => format!("purge:{account}"),
                (None, None) => unreachable!("every resource is a node or a purge"),
            };
            for item in items {
                let a = address(item).join(".");
                match (key_of.get(&a), purge_of.get(&a)) {
                    (Some(to), _) => g.add_edge(&from, to),
                    (None, Some(account)) => g.add_edge(&from, &format!("purge:{account}")),
                    _ if data.contains_key(&a) => {}
                    _ => g.dangling.push((from.clone(), a)),
                }
            }
        }
        // Purges are not nodes: record what each depends on and what depends on it, then drop
        // their edges with the other non-nodes.
        let mut accounts_purged: Vec<&String> = purge_of.values().collect();
        accounts_purged.sort();
        for account in accounts_purged {
            let purge = format!("purge:{account}");
            let on: Vec<String> = g
                .dependencies(&purge)
                .iter()
                .map(|s| s.to_string())
                .collect();
            let by: Vec<String> = g
                .edges
                .iter()
                .filter(|(_, t)| *t == purge)
                .map(|(f, _)| f.clone())
                .collect();
            g.purges.push((account.clone(), on, by));
        }
        drop_edges_to_non_nodes(&mut g);
        g
    }

    fn object_path<'e>(e: &'e Expression, path: &[&str]) -> Option<&'e Expression> {
        let Some((first, rest)) = path.split_first() else {
            return Some(e);
        };
        let Expression::Object(o) = e else {
            return None;
        };
        let v = o.iter().find_map(|(k, v)| {
            let name = match k {
                hcl::ObjectKey::Identifier(i) => i.as_str().to_string(),
                hcl::ObjectKey::Expression(Expression::String(s)) => s.clone(),
                _ => return None,
            };
            (name == *first).then_some(v)
        })?;
        object_path(v, rest)
    }
}
