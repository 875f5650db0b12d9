//! Test support: reads the dependency graph back out of rendered output, one real parser per
//! format (serde_json for ARM, tree-sitter-bicep for Bicep, hcl-rs for Terraform), and normalizes
//! it so the three formats can be compared with each other and with the model.
//!
//! Node keys: `account:<acct>`, `project:<acct>/<proj>`, `connection:<acct>/<conn>` or
//! `connection:<acct>/<proj>/<conn>`, `role:<scope name>|<holder name>|<role definition guid>`,
//! `policy:<vault name>`, `wait:<acct>`. Existing resources (Bicep `existing`, Terraform `data`,
//! ARM resources the template only refers to) are not nodes, and edges to them are dropped.
//!
//! Edges `(from, to)` mean "`from` depends on `to`": explicit `dependsOn`/`depends_on`, Bicep
//! `parent:`, ARM child names (`acct/proj/conn` needs `acct/proj`), Terraform `parent_id`, and the
//! `dependsOn` of a module or nested deployment (applied to every node inside it). Implicit
//! dependencies through property references are deliberately not read: the issue asks for explicit
//! ordering, and counting them would hide a missing `dependsOn` in Bicep and Terraform.
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
    /// A created project.
    Project,
    /// A created connection (the Key Vault connection has category `AzureKeyVault`).
    Connection,
    /// A role assignment.
    Role,
    /// A Key Vault access policy (`add`).
    Policy,
    /// A wait for the vault access to take effect.
    Wait,
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
}

impl Graph {
    fn add_node(&mut self, key: String, kind: Kind, category: Option<String>) {
        let node = Node { kind, category };
        if let Some(old) = self.nodes.get(&key) {
            assert_eq!(old, &node, "`{key}` is declared twice, differently");
            return;
        }
        self.order.push(key.clone());
        self.nodes.insert(key, node);
    }

    fn add_edge(&mut self, from: &str, to: &str) {
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
/// (`acct`, `acct/proj`, `acct/proj/conn`, `vault/add`, `acct-role-wait`).
fn named_key(resource_type: &str, full_name: &str) -> Option<(String, Kind)> {
    let t = resource_type.to_ascii_lowercase();
    Some(match t.as_str() {
        "microsoft.cognitiveservices/accounts" => (format!("account:{full_name}"), Kind::Account),
        "microsoft.cognitiveservices/accounts/projects" => {
            (format!("project:{full_name}"), Kind::Project)
        }
        "microsoft.cognitiveservices/accounts/connections"
        | "microsoft.cognitiveservices/accounts/projects/connections" => {
            (format!("connection:{full_name}"), Kind::Connection)
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
        _ => return None,
    })
}

/// The node key of a child's parent, from the child's full name, if the parent is a created node.
fn parent_key(resource_type: &str, full_name: &str) -> Option<String> {
    let t = resource_type.to_ascii_lowercase();
    let (parent, _) = full_name.rsplit_once('/')?;
    match t.as_str() {
        "microsoft.cognitiveservices/accounts/projects"
        | "microsoft.cognitiveservices/accounts/connections" => Some(format!("account:{parent}")),
        "microsoft.cognitiveservices/accounts/projects/connections" => {
            Some(format!("project:{parent}"))
        }
        _ => None,
    }
}

fn role_key(scope: &str, holder: &str, role: &str) -> String {
    format!("role:{scope}|{holder}|{role}")
}

fn last_segment(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}

/// Edges to nodes that some parent relationship implied but the output does not create (an
/// existing parent) are dropped at the end, like every other edge to an existing resource.
fn drop_edges_to_non_nodes(g: &mut Graph) {
    let nodes = g.nodes.clone();
    g.edges
        .retain(|(f, t)| nodes.contains_key(f) && nodes.contains_key(t));
}

mod arm {
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

    /// Replaces `parameters('x')` by the value the enclosing deployment passes, and folds
    /// `format`/`concat` over literal strings.
    fn resolve(e: &Expr, params: &HashMap<String, Expr>) -> Expr {
        match e {
            Expr::Call(f, args) => {
                let args: Vec<Expr> = args.iter().map(|a| resolve(a, params)).collect();
                match (f.as_str(), args.as_slice()) {
                    ("parameters", [Expr::Str(p)]) => params
                        .get(p)
                        .cloned()
                        .unwrap_or_else(|| panic!("parameter `{p}` is not passed")),
                    ("format", [Expr::Str(fmt), rest @ ..]) if rest.iter().all(is_str) => {
                        let mut out = fmt.clone();
                        for (i, a) in rest.iter().enumerate() {
                            out = out.replace(&format!("{{{i}}}"), str_of(a));
                        }
                        Expr::Str(out)
                    }
                    ("concat", all) if all.iter().all(is_str) => {
                        Expr::Str(all.iter().map(str_of).collect())
                    }
                    _ => Expr::Call(f.clone(), args),
                }
            }
            Expr::Member(b, m) => Expr::Member(Box::new(resolve(b, params)), m.clone()),
            Expr::Index(b, i) => {
                Expr::Index(Box::new(resolve(b, params)), Box::new(resolve(i, params)))
            }
            other => other.clone(),
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

    /// `resourceId([sub], [rg], type, name…)` split into the type and the names.
    fn resource_id_parts(args: &[Expr]) -> (String, Vec<String>) {
        let strs: Vec<&str> = args.iter().map(str_of).collect();
        let at = strs
            .iter()
            .position(|s| s.contains('/'))
            .unwrap_or_else(|| panic!("resourceId without a type: {args:?}"));
        let names = strs[at + 1..].iter().map(|s| s.to_string()).collect();
        (strs[at].to_string(), names)
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
            other => panic!("cannot read a resource name from {other:?}"),
        }
    }

    fn role_from_guid(e: &Expr) -> String {
        match e {
            Expr::Call(f, args) if f == "guid" && args.len() == 3 => role_key(
                &last_name(&args[0]),
                &last_name(&args[1]),
                &last_name(&args[2]),
            ),
            other => panic!("role assignment name is not guid(scope, holder, role): {other:?}"),
        }
    }

    /// A created resource: its node key and, for children, the parent key implied by its name.
    fn node_of(r: &Json, params: &HashMap<String, Expr>) -> Option<(String, Kind, Option<String>)> {
        let t = r["type"].as_str().expect("resource type");
        let name = resolve(&parse_value(r["name"].as_str().expect("name")), params);
        if t.eq_ignore_ascii_case("Microsoft.Authorization/roleAssignments") {
            return Some((role_from_guid(&name), Kind::Role, None));
        }
        let name = str_of(&name).to_string();
        let (key, kind) = named_key(t, &name)
            .unwrap_or_else(|| panic!("unexpected resource `{t}` `{name}` in ARM output"));
        Some((key, kind, parent_key(t, &name)))
    }

    pub fn graph(files: &OutputSet) -> Graph {
        let text = &files.files["arm/azuredeploy.json"];
        let doc: Json = serde_json::from_str(text).expect("azuredeploy.json is JSON");
        let resources = doc["resources"].as_array().expect("resources");
        let mut g = Graph::default();
        // First pass: every node, and which nodes each nested deployment holds.
        let mut deployments: HashMap<String, Vec<String>> = HashMap::new();
        let mut keys_of: Vec<Vec<String>> = Vec::new();
        for r in resources {
            assert!(
                r.get("resources").is_none(),
                "nested child resources are not read"
            );
            let t = r["type"].as_str().expect("type");
            let mut keys = Vec::new();
            if t.eq_ignore_ascii_case("Microsoft.Resources/deployments") {
                let name = r["name"].as_str().expect("a literal deployment name");
                let props = &r["properties"];
                let empty = serde_json::Map::new();
                let params: HashMap<String, Expr> = props["parameters"]
                    .as_object()
                    .unwrap_or(&empty)
                    .iter()
                    .map(|(k, v)| {
                        let value = match &v["value"] {
                            Json::String(s) => parse_value(s),
                            other => Expr::Str(other.to_string()),
                        };
                        (k.clone(), value)
                    })
                    .collect();
                for inner in props["template"]["resources"]
                    .as_array()
                    .expect("inner resources")
                {
                    let (key, kind, parent) = node_of(inner, &params).expect("a node");
                    let category = inner["properties"]["category"].as_str().map(str::to_string);
                    g.add_node(key.clone(), kind, category);
                    if let Some(p) = parent {
                        g.add_edge(&key, &p);
                    }
                    keys.push(key);
                }
                deployments.insert(name.to_string(), keys.clone());
            } else {
                let (key, kind, parent) = node_of(r, &HashMap::new()).expect("a node");
                let category = r["properties"]["category"].as_str().map(str::to_string);
                g.add_node(key.clone(), kind, category);
                if let Some(p) = parent {
                    g.add_edge(&key, &p);
                }
                keys.push(key);
            }
            keys_of.push(keys);
        }
        // Second pass: dependsOn, resolved to node keys.
        for (r, keys) in resources.iter().zip(&keys_of) {
            let Some(deps) = r.get("dependsOn") else {
                continue;
            };
            for d in deps.as_array().expect("dependsOn is an array") {
                let d = d.as_str().expect("dependsOn entries are strings");
                for to in dependency_keys(d, &deployments, &g) {
                    for from in keys {
                        if to.starts_with("dangling:") {
                            g.dangling.push((from.clone(), d.to_string()));
                        } else {
                            g.add_edge(from, &to);
                        }
                    }
                }
            }
        }
        drop_edges_to_non_nodes(&mut g);
        g
    }

    /// The node keys one `dependsOn` entry points at (several for a nested deployment).
    fn dependency_keys(
        d: &str,
        deployments: &HashMap<String, Vec<String>>,
        g: &Graph,
    ) -> Vec<String> {
        let e = parse_value(d);
        let Expr::Call(f, args) = &e else {
            panic!("dependsOn entry `{d}` is not a resource id");
        };
        match f.as_str() {
            "resourceId" => {
                let (t, names) = resource_id_parts(args);
                if t.eq_ignore_ascii_case("Microsoft.Resources/deployments") {
                    return match deployments.get(&names[0]) {
                        Some(keys) => keys.clone(),
                        None => vec![format!("dangling:{d}")],
                    };
                }
                let full = names.join("/");
                match named_key(&t, &full) {
                    // ARM refuses a dependsOn on a resource the template does not deploy.
                    Some((key, _)) if !g.nodes.contains_key(&key) => vec![format!("dangling:{d}")],
                    Some((key, _)) => vec![key],
                    None => vec![format!("dangling:{d}")],
                }
            }
            "extensionResourceId" => {
                let t = str_of(&args[1]);
                assert!(
                    t.eq_ignore_ascii_case("Microsoft.Authorization/roleAssignments"),
                    "unexpected extension resource `{t}`"
                );
                let key = role_from_guid(&args[2]);
                if g.nodes.contains_key(&key) {
                    vec![key]
                } else {
                    vec![format!("dangling:{d}")]
                }
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
        Role(String),
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
                        ("guid", [scope, holder, role]) => Name::Role(role_key(
                            &self.resource_name(*scope),
                            &self.resource_name(*holder),
                            &self.resource_name(*role),
                        )),
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
                        Name::Role(_) => panic!("unexpected guid in a resource id"),
                    }
                }
                "string" => last_segment(&string_value(self.file, n).expect("literal")).to_string(),
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
                Name::Role(r) => r,
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
            {
                return match self.eval(name) {
                    Name::Role(r) => (r, Kind::Role, parent),
                    Name::Text(t) => panic!("role assignment named `{t}`, not by guid(…)"),
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

    pub fn graph(files: &OutputSet) -> Graph {
        let main_text = &files.files["bicep/main.bicep"];
        let main = File::parse("bicep/main.bicep", main_text);
        let decls = declarations(&main);
        let top = Scope {
            file: &main,
            decls: &decls,
            caller: None,
        };
        let mut g = Graph::default();
        // Node keys behind each symbol (a module can hold several), and its parent symbol.
        let mut keys_of: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut parents: Vec<(String, String)> = Vec::new();
        let module_texts: Vec<(String, &String)> = decls
            .iter()
            .filter(|d| d.is_module)
            .map(|d| {
                let path = format!("bicep/{}", d.what);
                let text = files
                    .files
                    .get(&path)
                    .unwrap_or_else(|| panic!("module file `{path}` is not generated"));
                (path, text)
            })
            .collect();
        let modules: Vec<File> = module_texts
            .iter()
            .map(|(path, text)| File::parse(path, text))
            .collect();
        let mut next_module = modules.iter();
        for d in &decls {
            if d.existing {
                continue;
            }
            if d.is_module {
                let m = next_module.next().expect("a parsed module");
                let inner = declarations(m);
                let params = property(&main, d.body, "params").expect("module params");
                let scope = Scope {
                    file: m,
                    decls: &inner,
                    caller: Some((&top, params)),
                };
                let mut keys = Vec::new();
                for i in inner.iter().filter(|i| !i.existing) {
                    assert!(!i.is_module, "nested modules are not read");
                    let (key, kind, parent) = scope.node(i);
                    // Inside a module a parent can only be a resource of the module itself.
                    if let Some(p) = parent {
                        let pd = scope.decl(&p).expect("parent declared in the module");
                        assert!(pd.existing, "a created parent inside a module is not read");
                    }
                    g.add_node(key.clone(), kind, scope.category(i));
                    keys.push(key);
                }
                keys_of.insert(d.symbol.clone(), keys);
            } else {
                let (key, kind, parent) = top.node(d);
                g.add_node(key.clone(), kind, top.category(d));
                if let Some(p) = parent {
                    parents.push((key.clone(), p));
                }
                keys_of.insert(d.symbol.clone(), vec![key]);
            }
        }
        for (key, p) in parents {
            for to in keys_of.get(&p).into_iter().flatten() {
                g.add_edge(&key, to);
            }
        }
        for d in decls.iter().filter(|d| !d.existing) {
            let Some(deps) = property(&main, d.body, "dependsOn") else {
                continue;
            };
            assert_eq!(deps.kind(), "array", "dependsOn is an array");
            for item in named_children(deps) {
                assert_eq!(item.kind(), "identifier", "dependsOn entries are symbols");
                let sym = main.text(item);
                match (keys_of.get(sym), top.decl(sym)) {
                    (Some(tos), _) => {
                        for from in keys_of[&d.symbol].clone() {
                            for to in tos {
                                g.add_edge(&from, to);
                            }
                        }
                    }
                    (None, Some(_)) => {}
                    (None, None) => {
                        for from in &keys_of[&d.symbol] {
                            g.dangling.push((from.clone(), sym.to_string()));
                        }
                    }
                }
            }
        }
        drop_edges_to_non_nodes(&mut g);
        g
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
        let Expression::FuncCall(f) = e else {
            panic!("role assignment name is not uuidv5(…): {e:?}");
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
        role_key(
            &id_last_segment(scope),
            &id_last_segment(holder),
            &id_last_segment(role),
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
        let mut g = Graph::default();
        let mut key_of: HashMap<String, String> = HashMap::new();
        let mut parents = Vec::new();
        for r in &resources {
            let b = r.block;
            let kind = r.address.split('.').next().expect("a type");
            let (key, node_kind, category) = match kind {
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
                    let matching: Vec<&String> = accounts
                        .iter()
                        .filter(|a| squash(a) == squash(prefix))
                        .collect();
                    let [acct] = matching.as_slice() else {
                        panic!("time_sleep `{label}` matches accounts {matching:?}");
                    };
                    (format!("wait:{acct}"), Kind::Wait, None)
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
            let from = key_of[&r.address].clone();
            for item in items {
                let a = address(item).join(".");
                match key_of.get(&a) {
                    Some(to) => g.add_edge(&from, to),
                    None if data.contains_key(&a) => {}
                    None => g.dangling.push((from.clone(), a)),
                }
            }
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
