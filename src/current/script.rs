//! `plan --current --script`: the change as a bash script of `az` calls, in exactly the order
//! `plan --current` prints, in the style of the teardown script ([`crate::teardown`]).
//!
//! Connections (and projects, model deployments, capability hosts) are created with `az rest
//! --method put` and their ARM body, the connection's `properties` as the model has them; the body
//! goes through a file only the user can read, so a secret never stands on a command line.
//! Secrets come from `SECRET_<parameter>` environment variables, never from the script; deletes
//! are `az resource delete`, as in the teardown script. `--dry-run` prints every call, with
//! `<SECRET_…>` placeholders, and makes none.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::{Change, Subject};
use crate::model::{EntityId, Expr, Identity, Kind, Model, Value};
use crate::plan::Action;
use crate::teardown::{LOOKUP_HELPER, PRINCIPAL_HELPERS, RUN_HELPERS, Word, comment, quote};

/// The environment variable a secret parameter is read from.
pub fn secret_variable(param: &str) -> String {
    format!("SECRET_{param}")
}

struct Gen<'a> {
    model: &'a Model,
    change: &'a Change,
    next: usize,
    deployment_scope: bool,
    secrets: BTreeSet<String>,
    unsupported: Vec<String>,
}

enum Piece {
    Lit(String),
    Json(String),
}

fn json_lit(s: &str) -> String {
    serde_json::to_string(s).expect("a string")
}

impl Gen<'_> {
    fn var(&mut self) -> String {
        self.next += 1;
        format!("v{}", self.next)
    }

    /// The ARM id of an entity as a shell word: under an account the files describe, its real
    /// subscription and group; elsewhere the spec's, or the script's `SUBSCRIPTION_ID` and
    /// `RESOURCE_GROUP`.
    fn id_word(&mut self, id: EntityId) -> String {
        let m = self.model;
        let mut chain = vec![id];
        while let Some(p) = m.entity(*chain.last().expect("non-empty")).parent {
            chain.push(p);
        }
        chain.reverse();
        let root = m.entity(chain[0]);
        let deployed = (root.kind == Kind::Account)
            .then(|| root.foundry.and_then(|fi| self.change.accounts.get(&fi)))
            .flatten();
        let w = Word::default().lit("/subscriptions/");
        let w = match (deployed, &root.scope.subscription) {
            (Some(a), _) => w.lit(&a.subscription),
            (None, Some(s)) => w.lit(s),
            (None, None) => {
                self.deployment_scope = true;
                w.var("SUBSCRIPTION_ID")
            }
        };
        let w = w.lit("/resourceGroups/");
        let mut w = match (deployed, &root.scope.resource_group) {
            (Some(a), _) => w.lit(&a.resource_group),
            (None, Some(g)) => w.lit(g),
            (None, None) => {
                self.deployment_scope = true;
                w.var("RESOURCE_GROUP")
            }
        };
        let name = deployed.map_or(root.name_text(), |a| a.name.as_str());
        w = w
            .lit("/providers/")
            .lit(&root.resource_type)
            .lit("/")
            .lit(name);
        for &c in &chain[1..] {
            let e = m.entity(c);
            let last = e.resource_type.rsplit('/').next().unwrap_or("");
            w = w.lit("/").lit(last).lit("/").lit(e.name_text());
        }
        w.done()
    }

    /// A scope part (subscription or group) of an entity as a shell word.
    fn scope_word(&mut self, part: &Option<String>, var: &str) -> String {
        match part {
            Some(s) => quote(s),
            None => {
                self.deployment_scope = true;
                format!("\"${var}\"")
            }
        }
    }

    /// Sets a new variable to the string an expression stands for; returns its name.
    fn expr(&mut self, e: &Expr, pre: &mut String) -> String {
        let v = self.var();
        match e {
            Expr::Id(t) => {
                let w = self.id_word(*t);
                let _ = writeln!(pre, "{v}={w}");
            }
            Expr::Location(t) | Expr::Prop(t, _) => {
                let query = match e {
                    Expr::Prop(_, path) => path.join("."),
                    _ => "location".into(),
                };
                let w = self.id_word(*t);
                let api = quote(&self.model.entity(*t).api_version);
                let _ = writeln!(
                    pre,
                    "{v}=''\nlookup {v} az resource show --ids {w} --api-version {api} --query {} -o tsv",
                    quote(&query)
                );
            }
            Expr::Action(t, action, path) => {
                let mut query = String::new();
                for p in path {
                    if p.chars().all(|c| c.is_ascii_digit()) {
                        let _ = write!(query, "[{p}]");
                    } else {
                        if !query.is_empty() {
                            query.push('.');
                        }
                        query.push_str(p);
                    }
                }
                let w = self.id_word(*t);
                let url = format!(
                    "{w}{}",
                    quote(&format!(
                        "/{action}?api-version={}",
                        self.model.entity(*t).api_version
                    ))
                );
                let _ = writeln!(
                    pre,
                    "{v}=''\nlookup {v} az rest --method post --url {url} --query {} -o tsv",
                    quote(&query)
                );
            }
            Expr::Secret(name) => {
                self.secrets.insert(name.clone());
                let _ = writeln!(pre, "{v}=${{{}}}", secret_variable(name));
            }
            Expr::Literal(s) => {
                let _ = writeln!(pre, "{v}={}", quote(s));
            }
            Expr::LocationParam => {
                let _ = writeln!(pre, "{v}={}", quote(&self.model.location));
            }
            Expr::TenantId => {
                let _ = writeln!(
                    pre,
                    "{v}=''\nlookup {v} az account show --query tenantId -o tsv"
                );
            }
            Expr::PrincipalId(h) => {
                let w = self.id_word(*h);
                let api = quote(&self.model.entity(*h).api_version);
                let _ = writeln!(
                    pre,
                    "{v}=''\nlookup_principal {v} az resource show --ids {w} --api-version {api} --query identity.principalId -o tsv"
                );
            }
            Expr::Concat(parts) => {
                let vars: Vec<String> = parts.iter().map(|p| self.expr(p, pre)).collect();
                let joined: String = vars.iter().map(|x| format!("${{{x}}}")).collect();
                let _ = writeln!(pre, "{v}=\"{joined}\"");
            }
            Expr::Guid(_) | Expr::RoleDefinition(_) | Expr::Substring(..) => {
                self.unsupported
                    .push("a value ARM computes at deployment (a guid() or a substring)".into());
                let _ = writeln!(pre, "{v}=''");
            }
        }
        v
    }

    fn json(&mut self, v: &Value, pre: &mut String, out: &mut Vec<Piece>) {
        match v {
            Value::Str(s) => out.push(Piece::Lit(json_lit(s))),
            Value::Bool(b) => out.push(Piece::Lit(b.to_string())),
            Value::Int(i) => out.push(Piece::Lit(i.to_string())),
            Value::Array(items) => {
                out.push(Piece::Lit("[".into()));
                for (i, x) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(Piece::Lit(",".into()));
                    }
                    self.json(x, pre, out);
                }
                out.push(Piece::Lit("]".into()));
            }
            Value::Object(pairs) => {
                out.push(Piece::Lit("{".into()));
                for (i, (k, x)) in pairs.iter().enumerate() {
                    if i > 0 {
                        out.push(Piece::Lit(",".into()));
                    }
                    out.push(Piece::Lit(format!("{}:", json_lit(k))));
                    self.json(x, pre, out);
                }
                out.push(Piece::Lit("}".into()));
            }
            Value::Expr(e) => {
                let v = self.expr(e, pre);
                let j = self.var();
                let _ = writeln!(pre, "{j}=$(json_string \"${v}\")");
                out.push(Piece::Json(j));
            }
        }
    }

    /// The ARM body of a resource the script PUTs, as a shell word (after the lines in `pre`).
    fn body(&mut self, id: EntityId, pre: &mut String) -> String {
        let e = self.model.entity(id);
        let mut pairs: Vec<(String, Value)> = Vec::new();
        if let Some(l) = &e.location {
            pairs.push(("location".into(), l.clone()));
        }
        if let Some(t) = &e.tags
            && !t.is_empty()
        {
            pairs.push(("tags".into(), Value::string_map(t)));
        }
        if let Some(k) = &e.resource_kind {
            pairs.push(("kind".into(), Value::str(k)));
        }
        if let Some(s) = &e.sku {
            pairs.push(("sku".into(), s.clone()));
        }
        match e.identity {
            Some(Identity::SystemAssigned) => pairs.push((
                "identity".into(),
                Value::object([("type", Value::str("SystemAssigned"))]),
            )),
            Some(Identity::UserAssigned(_)) => self
                .unsupported
                .push(format!("{} uses a user-assigned identity", e.label)),
            None => {}
        }
        let mut props = match &e.properties {
            Value::Object(p) => p.clone(),
            _ => Vec::new(),
        };
        if let Some(c) = &e.credentials {
            props.push(("credentials".into(), c.clone()));
        }
        pairs.push(("properties".into(), Value::Object(props)));
        let mut pieces = Vec::new();
        self.json(&Value::Object(pairs), pre, &mut pieces);
        // Adjacent literals become one single-quoted word, each JSON value a double-quoted one.
        let mut word = String::new();
        let mut lit = String::new();
        for p in pieces {
            match p {
                Piece::Lit(s) => lit.push_str(&s),
                Piece::Json(v) => {
                    if !lit.is_empty() {
                        word.push_str(&quote(&lit));
                        lit.clear();
                    }
                    let _ = write!(word, "\"${v}\"");
                }
            }
        }
        if !lit.is_empty() {
            word.push_str(&quote(&lit));
        }
        word
    }

    fn step(&mut self, n: usize) -> String {
        let total = self.change.steps.len();
        let cs = &self.change.steps[n];
        let s = &cs.step;
        let mut out = String::new();
        let label = s.label.replace('`', "\"");
        let _ = writeln!(
            out,
            "echo {}",
            quote(&format!(
                "[{}/{total}] {} {label} [{}]",
                n + 1,
                s.action.word(),
                s.resource_type
            ))
        );
        let m = self.model;
        let api_of = |ty: &str| {
            m.entities
                .iter()
                .find(|e| e.resource_type.eq_ignore_ascii_case(ty))
                .or_else(|| {
                    m.entities
                        .iter()
                        .find(|e| e.resource_type.starts_with("Microsoft.CognitiveServices/"))
                })
                .map(|e| e.api_version.clone())
                .unwrap_or_default()
        };
        match (&cs.subject, s.action) {
            (Subject::Deployed(i), _) => {
                let d = &self.change.deployed[*i];
                let _ = writeln!(out, "# {}", comment(&d.id()));
                let _ = writeln!(out, "id={}", quote(&d.id()));
                let _ = writeln!(out, "api={}", quote(&api_of(d.resource_type())));
                out.push_str("run az resource delete --ids \"$id\" --api-version \"$api\"\n");
            }
            (Subject::Entity(id), Action::Delete) => {
                let e = m.entity(*id);
                let _ = writeln!(out, "# {}", comment(&e.spec_path));
                let w = self.id_word(*id);
                let _ = writeln!(out, "id={w}");
                let _ = writeln!(out, "api={}", quote(&e.api_version));
                out.push_str("run az resource delete --ids \"$id\" --api-version \"$api\"\n");
            }
            (Subject::Entity(id), _) => {
                let id = *id;
                let e = m.entity(id);
                let _ = writeln!(out, "# {}", comment(&e.spec_path));
                self.create(id, &mut out);
            }
        }
        out
    }

    fn create(&mut self, id: EntityId, out: &mut String) {
        let m = self.model;
        let e = m.entity(id);
        match e.kind {
            Kind::Connection
            | Kind::KeyVaultConnection
            | Kind::Project
            | Kind::Account
            | Kind::ModelDeployment
            | Kind::CapabilityHost => {
                let mut pre = String::new();
                let body = self.body(id, &mut pre);
                out.push_str(&pre);
                let w = self.id_word(id);
                let _ = writeln!(out, "id={w}");
                let _ = writeln!(out, "api={}", quote(&e.api_version));
                let _ = writeln!(out, "put_resource \"$id\" \"$api\" {body}");
                if !matches!(e.kind, Kind::Connection | Kind::KeyVaultConnection) {
                    // Their PUTs return before the resource is ready; the next child operation
                    // under the same parent would meet a 409.
                    out.push_str("wait_provisioned \"$id\" \"$api\"\n");
                }
            }
            Kind::RoleAssignment => {
                let holder = crate::teardown::role_holder(e);
                let (Some(on), Some(holder), Some((_, guid))) = (e.extends, holder, &e.role) else {
                    self.unsupported
                        .push(format!("{}: foundrygen could not describe it", e.label));
                    return;
                };
                if e.properties.get("condition").is_some() {
                    self.unsupported.push(format!(
                        "{} has a condition the script cannot compute",
                        e.label
                    ));
                    return;
                }
                let mut pre = String::new();
                let principal = self.expr(&Expr::PrincipalId(holder), &mut pre);
                out.push_str(&pre);
                let scope = self.id_word(on);
                let _ = writeln!(
                    out,
                    "run az role assignment create --assignee-object-id \"${principal}\" --assignee-principal-type ServicePrincipal --role {} --scope {scope}",
                    quote(guid)
                );
            }
            Kind::DataPlaneRoleAssignment => {
                let holder = crate::teardown::role_holder(e);
                let (Some(account), Some(holder), Some((_, guid)), Some(Value::Expr(scope))) =
                    (e.parent, holder, &e.role, e.properties.get("scope"))
                else {
                    self.unsupported
                        .push(format!("{}: foundrygen could not describe it", e.label));
                    return;
                };
                let mut pre = String::new();
                let principal = self.expr(&Expr::PrincipalId(holder), &mut pre);
                let scope = self.expr(scope, &mut pre);
                out.push_str(&pre);
                let a = m.entity(account);
                let (rg, sub) = (
                    self.scope_word(&a.scope.resource_group, "RESOURCE_GROUP"),
                    self.scope_word(&a.scope.subscription, "SUBSCRIPTION_ID"),
                );
                let _ = writeln!(
                    out,
                    "run az cosmosdb sql role assignment create --account-name {} --resource-group {rg} --subscription {sub} --role-definition-id {} --principal-id \"${principal}\" --scope \"${scope}\"",
                    quote(a.name_text()),
                    quote(guid)
                );
            }
            Kind::AccessPolicy => {
                let Some(vault) = e.parent.map(|v| m.entity(v)) else {
                    self.unsupported.push(format!("{}: no vault", e.label));
                    return;
                };
                for (holder, perms) in &e.grants {
                    let mut pre = String::new();
                    let principal = self.expr(&Expr::PrincipalId(*holder), &mut pre);
                    out.push_str(&pre);
                    let (rg, sub) = (
                        self.scope_word(&vault.scope.resource_group, "RESOURCE_GROUP"),
                        self.scope_word(&vault.scope.subscription, "SUBSCRIPTION_ID"),
                    );
                    let perms: Vec<String> = perms.iter().map(|p| quote(p)).collect();
                    let _ = writeln!(
                        out,
                        "run az keyvault set-policy --name {} --resource-group {rg} --subscription {sub} --object-id \"${principal}\" --secret-permissions {}",
                        quote(vault.name_text()),
                        perms.join(" ")
                    );
                }
            }
            Kind::Wait => {
                let secs = e.wait_seconds.unwrap_or(0);
                let _ = writeln!(out, "run sleep {secs}");
            }
            Kind::Vault | Kind::Target | Kind::Resource | Kind::Identity => {
                self.unsupported.push(format!(
                    "{}: `resources:` is not part of a change plan",
                    e.label
                ));
            }
        }
    }
}

/// The change script: runnable bash, deterministic, ending in one newline.
pub fn script(model: &Model, change: &Change) -> String {
    let mut g = Gen {
        model,
        change,
        next: 0,
        deployment_scope: false,
        secrets: BTreeSet::new(),
        unsupported: Vec::new(),
    };
    let steps: Vec<String> = (0..change.steps.len()).map(|n| g.step(n)).collect();
    let total = change.steps.len();
    let mut out = String::new();
    out.push_str(&crate::script::header(model));
    let _ = writeln!(
        out,
        "# Change of deployment `{}` from what is deployed to the spec: {total} step{}, in the order of\n# `foundrygen plan --current`.",
        comment(&model.name),
        if total == 1 { "" } else { "s" }
    );
    for w in &change.warnings {
        let _ = writeln!(out, "#\n# warning: {}", comment(w));
    }
    out.push_str(
        "#\n# Usage: change.sh [--subscription ID] [--resource-group NAME] [--dry-run]\n\
         #   SUBSCRIPTION_ID, RESOURCE_GROUP  the deployment's subscription and resource group, where the\n\
         #                                    spec leaves them out (the flags override the environment)\n\
         #   DRY_RUN=1 or --dry-run           print each az command instead of running it (no az call\n\
         #                                    is made, look-ups included)\n",
    );
    if !g.secrets.is_empty() {
        out.push_str("#   secrets, from the environment (never written here):\n");
        for s in &g.secrets {
            let _ = writeln!(out, "#     {}", secret_variable(s));
        }
    }
    out.push_str(&crate::script::prelude(&[crate::script::DRY_RUN], false));
    if g.deployment_scope {
        out.push_str(
            "if [[ -z $SUBSCRIPTION_ID || -z $RESOURCE_GROUP ]]; then\n  echo \"error: SUBSCRIPTION_ID and RESOURCE_GROUP are required (environment, or --subscription and --resource-group)\" >&2\n  usage\n  exit 2\nfi\n",
        );
    }
    if !g.unsupported.is_empty() {
        out.push_str("# Steps the script cannot make (deploy them with `foundrygen render`):\n");
        for u in &g.unsupported {
            let _ = writeln!(out, "#   {}", comment(u));
        }
        let _ = writeln!(
            out,
            "echo {} >&2\nexit 1",
            quote(
                "error: this change has steps the script cannot make (listed at the top); deploy them with `foundrygen render`"
            )
        );
    }
    if !g.secrets.is_empty() {
        out.push_str("missing=()\nif [[ $DRY_RUN == 1 ]]; then\n");
        for s in &g.secrets {
            let v = secret_variable(s);
            let _ = writeln!(out, "  {v}='<{v}>'");
        }
        out.push_str("else\n");
        for s in &g.secrets {
            let v = secret_variable(s);
            let _ = writeln!(out, "  if [[ -z ${{{v}:-}} ]]; then missing+=({v}); fi");
        }
        out.push_str(
            "fi\nif [[ ${#missing[@]} -gt 0 ]]; then\n  echo \"error: set ${missing[*]}: the secrets of the connections this script creates\" >&2\n  exit 2\nfi\n",
        );
    }
    out.push_str(RUN_HELPERS);
    out.push_str(PRINCIPAL_HELPERS);
    out.push_str(LOOKUP_HELPER);
    out.push_str(PUT_HELPERS);
    out.push_str("\nid=''\napi=''\n");
    if steps.is_empty() {
        out.push_str("\necho 'nothing to change'\n");
    }
    for s in &steps {
        out.push('\n');
        out.push_str(s);
    }
    out.push_str("\necho 'change finished'\n");
    out
}

/// JSON strings, PUTs through a private file, and waiting for provisioning.
const PUT_HELPERS: &str = r#"
# json_string VALUE: prints VALUE as a JSON string.
json_string() {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\t'/\\t}
  s=${s//$'\n'/\\n}
  s=${s//$'\r'/\\r}
  if [[ $s == *[[:cntrl:]]* ]]; then
    echo "error: a value holds a control character" >&2
    exit 1
  fi
  printf '"%s"' "$s"
}

# put_resource ID API BODY: PUTs the ARM body BODY at ID. The body goes through a file only this
# user can read, so the secrets in it never stand on a command line, nor in --dry-run's output;
# the file goes however the script ends.
put_file=''
put_resource() {
  local id=$1 api=$2 body=$3
  if [[ $DRY_RUN == 1 ]]; then
    show az rest --method put --url "$id?api-version=$api" --body "@<its ARM body, ${#body} characters, in a file only you can read>"
    return
  fi
  put_file=$(umask 077 && mktemp)
  trap 'rm -f "$put_file"' EXIT
  printf '%s' "$body" >"$put_file"
  if ! az rest --method put --url "$id?api-version=$api" --body "@$put_file" --output none; then
    exit 1
  fi
  rm -f "$put_file"
  put_file=''
}

# wait_provisioned ID API: waits until the resource's provisioningState is Succeeded (Failed or
# Canceled stop the script).
wait_provisioned() {
  local id=$1 api=$2 state='' i
  if [[ $DRY_RUN == 1 ]]; then
    show az resource show --ids "$id" --api-version "$api" --query properties.provisioningState -o tsv
    return
  fi
  for ((i = 0; i < 180; i++)); do
    state=$(az resource show --ids "$id" --api-version "$api" --query properties.provisioningState -o tsv)
    case $state in
      Succeeded) return ;;
      Failed | Canceled)
        echo "error: $id: provisioningState $state" >&2
        exit 1
        ;;
    esac
    sleep 10
  done
  echo "error: $id: still '$state' after 30 minutes" >&2
  exit 1
}
"#;
