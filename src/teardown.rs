//! `plan --teardown --script`: a bash script of `az` calls that deletes what the spec created, in
//! exactly [`Model::teardown`] order.
//!
//! The script needs `SUBSCRIPTION_ID` and `RESOURCE_GROUP` (from the environment or
//! `--subscription` / `--resource-group`): the deployment's subscription and resource group, used
//! wherever the spec leaves them out. `--dry-run` (or `DRY_RUN=1`) prints every `az` command instead
//! of running it, look-ups included, so a dry run needs no Azure login.
//!
//! Role assignment names are `guid()`s ARM computes at deployment time, so the script looks the
//! assignment up instead: the holder's principal id (`az resource show`, or `az identity show` for
//! a user-assigned identity), then the assignments of that role and principal exactly at the scope.
//!
//! Every string from the spec is single-quoted (`'` written as `'\''`); comments get the spec's text
//! with control characters replaced, so nothing from the spec can end a comment line.

use std::fmt::Write as _;

use crate::model::{Entity, EntityId, Expr, Kind, Model, Value};

/// The teardown script for a model: runnable bash, deterministic, ending in one newline.
pub fn script(model: &Model) -> String {
    let order = model.teardown();
    let steps: Vec<String> = order
        .iter()
        .enumerate()
        .map(|(n, &id)| step(model, id, n + 1, order.len()))
        .collect();
    let kinds: Vec<Kind> = order.iter().map(|&id| model.entity(id).kind).collect();
    let uses_principal = kinds.iter().any(|k| {
        matches!(
            k,
            Kind::RoleAssignment | Kind::DataPlaneRoleAssignment | Kind::AccessPolicy
        )
    });

    let mut out = String::new();
    out.push_str(&crate::script::header(model));
    let _ = writeln!(
        out,
        "# Teardown of deployment `{}`: deletes what the spec created ({} step{}), in the order of",
        comment(&model.name),
        order.len(),
        if order.len() == 1 { "" } else { "s" }
    );
    out.push_str(
        "# `foundrygen plan --teardown`. What the spec only references (existing accounts and \
         projects,\n# vaults, targets, identities) is left alone.\n\
         #\n\
         # Usage: teardown.sh [--subscription ID] [--resource-group NAME] [--dry-run] \
         [--delete-data]\n\
         #   SUBSCRIPTION_ID, RESOURCE_GROUP  the deployment's subscription and resource group \
         (required;\n\
         #                                    the flags override the environment)\n\
         #   DRY_RUN=1 or --dry-run           print each az command instead of running it \
         (no az call\n\
         #                                    is made, look-ups included)\n\
         #   DELETE_DATA=1 or --delete-data   also delete the created resources that hold data \
         (storage\n\
         #                                    accounts, Cosmos DB accounts, vaults, workspaces \
         and what\n\
         #                                    they hold); without it they are kept and listed\n",
    );
    out.push_str(&crate::script::prelude(
        &[crate::script::DRY_RUN, crate::script::DELETE_DATA],
        true,
    ));
    if steps.iter().any(|s| s.contains("\"${RG_ID}\"")) {
        out.push_str(
            "RG_ID=\"/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/${RESOURCE_GROUP}\"\n",
        );
    }
    out.push_str(RUN_HELPERS);
    if uses_principal {
        out.push_str(PRINCIPAL_HELPERS);
    }
    let purges = order.iter().any(|&id| model.entity(id).purge_on_delete);
    let holds_data = order.iter().any(|&id| holds_data(model, id));
    if holds_data {
        out.push_str("kept=()\n");
    }
    if purges {
        out.push_str(LOOKUP_HELPER);
    }
    if kinds.contains(&Kind::RoleAssignment) {
        out.push_str(ROLE_HELPER);
    }
    if kinds.contains(&Kind::DataPlaneRoleAssignment) {
        out.push_str(DATA_PLANE_ROLE_HELPER);
    }
    let ids_used = order.iter().any(|&id| {
        let e = model.entity(id);
        !matches!(e.kind, Kind::Account | Kind::AccessPolicy)
    });
    if ids_used {
        out.push_str("\nid=''\napi=''\n");
    }
    if kinds.contains(&Kind::RoleAssignment) {
        out.push_str("scope=''\n");
    }
    if kinds.contains(&Kind::DataPlaneRoleAssignment) {
        out.push_str("account=''\n");
    }
    if uses_principal {
        out.push_str("holder=''\nprincipal=''\n");
    }
    if purges {
        out.push_str("location=''\n");
    }
    if steps.is_empty() {
        out.push_str("\necho 'nothing to delete: the spec creates no resources'\n");
    }
    for s in &steps {
        out.push('\n');
        out.push_str(s);
    }
    if holds_data {
        out.push_str(KEPT_REPORT);
    }
    out.push_str("\necho 'teardown finished'\n");
    out
}

/// The `show` and `run` helpers every script has.
pub(crate) const RUN_HELPERS: &str = r#"
# Prints a command as it would run.
show() {
  printf '+'
  printf ' %q' "$@"
  printf '\n'
}

# run CMD...: runs CMD, or prints it with --dry-run.
run() {
  if [[ $DRY_RUN == 1 ]]; then
    show "$@"
  else
    "$@"
  fi
}
"#;

/// Principal look-ups for role assignments and access policies.
pub(crate) const PRINCIPAL_HELPERS: &str = r#"
# lookup_principal VAR CMD...: sets VAR to the principal id CMD prints; with --dry-run prints CMD and
# sets VAR to a placeholder.
lookup_principal() {
  local var=$1 out
  shift
  if [[ $DRY_RUN == 1 ]]; then
    show "$@"
    printf -v "$var" '%s' '<principal-id>'
    return
  fi
  out=$("$@")
  if [[ ! $out =~ ^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$ ]]; then
    echo "error: no principal id from: $*" >&2
    exit 1
  fi
  printf -v "$var" '%s' "$out"
}
"#;

/// What the teardown left of the resources that hold data, when it ran without --delete-data.
const KEPT_REPORT: &str = r#"
if [[ ${#kept[@]} -gt 0 ]]; then
  echo "kept ${#kept[@]} created resource(s) that hold data; run again with --delete-data to delete them:"
  printf '    %s\n' "${kept[@]}"
fi
"#;

/// Whether a created entity holds data, or sits under one that does (a container in its storage
/// account): the teardown script deletes those only with --delete-data.
fn holds_data(model: &Model, id: EntityId) -> bool {
    let mut root = id;
    while let Some(p) = model.entity(root).parent {
        root = p;
    }
    let e = model.entity(root);
    !e.existing
        && crate::catalog::created_type(&e.resource_type).is_some_and(|t| t.holds_data)
        && matches!(
            model.entity(id).kind,
            Kind::Vault | Kind::Target | Kind::Resource
        )
}

/// A look-up of one value (the region of an account to purge).
pub(crate) const LOOKUP_HELPER: &str = r#"
# lookup VAR CMD...: sets VAR to what CMD prints; with --dry-run prints CMD and sets VAR to a
# placeholder.
lookup() {
  local var=$1 out
  shift
  if [[ $DRY_RUN == 1 ]]; then
    show "$@"
    printf -v "$var" '%s' "<$var>"
    return
  fi
  out=$("$@")
  printf -v "$var" '%s' "$out"
}
"#;

/// Finds a role assignment exactly at a scope and deletes it.
const ROLE_HELPER: &str = r#"
# delete_role_assignment SCOPE ROLE PRINCIPAL: deletes the assignments of ROLE to PRINCIPAL made
# exactly at SCOPE (not those inherited from a parent scope).
delete_role_assignment() {
  local scope=$1 role=$2 principal=$3 out line prefix found=0
  local list=(az role assignment list --scope "$scope" --role "$role"
    --query "[?principalId=='$principal'].id" -o tsv)
  if [[ $DRY_RUN == 1 ]]; then
    show "${list[@]}"
    echo '+ az role assignment delete --ids <each id listed above>'
    return
  fi
  out=$("${list[@]}")
  # Ids compare case-insensitively; keep the assignments at the scope itself.
  prefix=$(printf '%s' "$scope/providers/Microsoft.Authorization/roleAssignments/" | tr '[:upper:]' '[:lower:]')
  while IFS= read -r line; do
    line=${line%$'\r'}
    if [[ -n $line && "$(printf '%s' "$line" | tr '[:upper:]' '[:lower:]')" == "$prefix"* ]]; then
      az role assignment delete --ids "$line"
      found=1
    fi
  done <<<"$out"
  if [[ $found == 0 ]]; then
    echo "    no such role assignment (already deleted?)"
  fi
}
"#;

/// Finds a Cosmos DB data-plane role assignment on a whole account and deletes it.
const DATA_PLANE_ROLE_HELPER: &str = r#"
# delete_sql_role_assignment ACCOUNT NAME GROUP SUBSCRIPTION API ROLE PRINCIPAL [UNDER]: deletes the
# Cosmos DB data-plane assignments of built-in role ROLE to PRINCIPAL made at exactly ACCOUNT (an
# id) followed by UNDER (empty: the whole account; /dbs/<database>: that database), one after
# another: the account takes one operation at a time, and az resource delete waits for each.
delete_sql_role_assignment() {
  local account=$1 name=$2 group=$3 sub=$4 api=$5 role=$6 principal=$7 under=${8:-} out id
  local definition scope
  local want_definition want_scope found=0
  local list=(az cosmosdb sql role assignment list --account-name "$name" --resource-group "$group"
    --subscription "$sub" --query "[?principalId=='$principal'].[id, roleDefinitionId, scope]" -o tsv)
  if [[ $DRY_RUN == 1 ]]; then
    show "${list[@]}"
    echo "+ az resource delete --ids <each id listed above> --api-version $api"
    return
  fi
  out=$("${list[@]}")
  # Ids compare case-insensitively.
  want_definition=$(printf '%s' "$account/sqlRoleDefinitions/$role" | tr '[:upper:]' '[:lower:]')
  want_scope=$(printf '%s' "$account$under" | tr '[:upper:]' '[:lower:]')
  while IFS=$'\t' read -r id definition scope; do
    scope=${scope%$'\r'}
    if [[ -n $id ]] &&
      [[ "$(printf '%s' "$definition" | tr '[:upper:]' '[:lower:]')" == "$want_definition" ]] &&
      [[ "$(printf '%s' "$scope" | tr '[:upper:]' '[:lower:]')" == "$want_scope" ]]; then
      az resource delete --ids "$id" --api-version "$api"
      found=1
    fi
  done <<<"$out"
  if [[ $found == 0 ]]; then
    echo "    no such data-plane role assignment (already deleted?)"
  fi
}
"#;

/// A single-quoted shell word: `'` becomes `'\''`.
pub(crate) fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Text for a `#` comment: control characters (a newline would end the comment) become `?`.
pub(crate) fn comment(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// A shell word built from literal text (single-quoted) and variable references (double-quoted).
#[derive(Default)]
pub(crate) struct Word {
    out: String,
    lit: String,
}

impl Word {
    pub(crate) fn lit(mut self, s: &str) -> Self {
        self.lit.push_str(s);
        self
    }

    pub(crate) fn var(mut self, name: &str) -> Self {
        self.flush();
        let _ = write!(self.out, "\"${{{name}}}\"");
        self
    }

    fn flush(&mut self) {
        if !self.lit.is_empty() {
            self.out.push_str(&quote(&self.lit));
            self.lit.clear();
        }
    }

    pub(crate) fn done(mut self) -> String {
        self.flush();
        if self.out.is_empty() {
            "''".into()
        } else {
            self.out
        }
    }
}

/// The subscription of a scope: the spec's, or `$SUBSCRIPTION_ID`.
pub(crate) fn subscription(e: &Entity) -> String {
    match &e.scope.subscription {
        Some(s) => quote(s),
        None => "\"$SUBSCRIPTION_ID\"".into(),
    }
}

/// The resource group of a scope: the spec's, or `$RESOURCE_GROUP`.
pub(crate) fn resource_group(e: &Entity) -> String {
    match &e.scope.resource_group {
        Some(g) => quote(g),
        None => "\"$RESOURCE_GROUP\"".into(),
    }
}

/// The ARM id of an entity as a shell word: its root's scope, type and name, then each child's
/// last type segment and name.
pub(crate) fn resource_id(model: &Model, id: EntityId) -> String {
    let mut chain = vec![id];
    let mut cur = id;
    while let Some(p) = model.entity(cur).parent {
        chain.push(p);
        cur = p;
    }
    chain.reverse();
    let root = model.entity(chain[0]);
    let mut w = match (&root.scope.subscription, &root.scope.resource_group) {
        (None, None) => Word::default().var("RG_ID"),
        (sub, rg) => {
            let w = Word::default().lit("/subscriptions/");
            let w = match sub {
                Some(s) => w.lit(s),
                None => w.var("SUBSCRIPTION_ID"),
            };
            let w = w.lit("/resourceGroups/");
            match rg {
                Some(g) => w.lit(g),
                None => w.var("RESOURCE_GROUP"),
            }
        }
    };
    w = w
        .lit("/providers/")
        .lit(&root.resource_type)
        .lit("/")
        .lit(root.name_text());
    for &c in &chain[1..] {
        let e = model.entity(c);
        let last = e.resource_type.rsplit('/').next().unwrap_or("");
        w = w.lit("/").lit(last).lit("/").lit(e.name_text());
    }
    w.done()
}

/// The lines that set `$principal` to the principal id of an identity holder.
fn principal_lookup(model: &Model, holder: EntityId) -> String {
    let h = model.entity(holder);
    let mut s = format!("holder={}\n", resource_id(model, holder));
    if h.kind == Kind::Identity {
        s.push_str(
            "lookup_principal principal az identity show --ids \"$holder\" --query principalId -o tsv\n",
        );
    } else {
        let _ = writeln!(
            s,
            "lookup_principal principal az resource show --ids \"$holder\" --api-version {} --query identity.principalId -o tsv",
            quote(&h.api_version)
        );
    }
    s
}

/// The holder a role assignment grants to (its `principalId`).
pub(crate) fn role_holder(e: &Entity) -> Option<EntityId> {
    let Value::Object(props) = &e.properties else {
        return None;
    };
    props.iter().find_map(|(k, v)| match (k.as_str(), v) {
        ("principalId", Value::Expr(Expr::PrincipalId(h))) => Some(*h),
        _ => None,
    })
}

/// One step: its progress line, then its commands.
fn step(model: &Model, id: EntityId, n: usize, total: usize) -> String {
    let e = model.entity(id);
    let mut s = String::new();
    let _ = writeln!(s, "# {}", comment(&e.spec_path));
    // Names in labels stand in backticks; in single quotes those read as command substitution to
    // shellcheck (SC2016), so the progress line puts them in double quotes.
    let label = e.label.replace('`', "\"");
    let _ = writeln!(
        s,
        "echo {}",
        quote(&format!(
            "[{n}/{total}] delete {label} [{}]",
            e.resource_type
        ))
    );
    match e.kind {
        Kind::Connection
        | Kind::KeyVaultConnection
        | Kind::Project
        | Kind::ModelDeployment
        | Kind::CapabilityHost
        | Kind::Wait => {
            // `az resource delete` waits for a long-running delete (a project's, a model
            // deployment's) to finish, so the next delete under the same parent does not meet a
            // 409; it also talks to whichever cloud `az` is logged in to.
            let _ = writeln!(s, "id={}", resource_id(model, id));
            let _ = writeln!(s, "api={}", quote(&e.api_version));
            s.push_str("run az resource delete --ids \"$id\" --api-version \"$api\"\n");
        }
        Kind::RoleAssignment => {
            let (Some(on), Some(holder), Some((_, guid))) = (e.extends, role_holder(e), &e.role)
            else {
                let _ = writeln!(
                    s,
                    "echo 'error: foundrygen could not describe this role assignment' >&2\nexit 1"
                );
                return s;
            };
            s.push_str(&principal_lookup(model, holder));
            let _ = writeln!(s, "scope={}", resource_id(model, on));
            let _ = writeln!(
                s,
                "delete_role_assignment \"$scope\" {} \"$principal\"",
                quote(guid)
            );
        }
        Kind::DataPlaneRoleAssignment => {
            // Its name is a `guid()` ARM computed, so it is looked up like an RBAC assignment:
            // by the account, the role definition and the principal.
            let (Some(account), Some(holder), Some((_, guid))) =
                (e.parent, role_holder(e), &e.role)
            else {
                let _ = writeln!(
                    s,
                    "echo 'error: foundrygen could not describe this data-plane role assignment' >&2\nexit 1"
                );
                return s;
            };
            let a = model.entity(account);
            s.push_str(&principal_lookup(model, holder));
            let _ = writeln!(s, "account={}", resource_id(model, account));
            // Its scope: the account, or a path under it (`/dbs/<database>`).
            let under = match &e.properties {
                Value::Object(props) => props.iter().find_map(|(k, v)| match (k.as_str(), v) {
                    ("scope", Value::Expr(Expr::Concat(parts))) => match parts.as_slice() {
                        [Expr::Id(_), Expr::Literal(path)] => Some(path.clone()),
                        _ => None,
                    },
                    _ => None,
                }),
                _ => None,
            };
            let _ = writeln!(
                s,
                "delete_sql_role_assignment \"$account\" {} {} {} {} {} \"$principal\"{}",
                quote(a.name_text()),
                resource_group(a),
                subscription(a),
                quote(&e.api_version),
                quote(guid),
                under.map(|u| format!(" {}", quote(&u))).unwrap_or_default()
            );
        }
        Kind::AccessPolicy => {
            let vault = e.parent.map(|v| model.entity(v));
            let Some(vault) = vault else {
                let _ = writeln!(
                    s,
                    "echo 'error: foundrygen could not find the vault of this access policy' >&2\nexit 1"
                );
                return s;
            };
            // Removes the principal's whole entry in the vault's access policies, whatever else it
            // grants.
            for (holder, _) in &e.grants {
                s.push_str(&principal_lookup(model, *holder));
                let _ = writeln!(
                    s,
                    "run az keyvault delete-policy --name {} --resource-group {} --subscription {} --object-id \"$principal\"",
                    quote(vault.name_text()),
                    resource_group(vault),
                    subscription(vault)
                );
            }
        }
        Kind::Account => {
            let name = quote(e.name_text());
            let rg = resource_group(e);
            let sub = subscription(e);
            if e.purge_on_delete {
                // The purge needs the region the account was deployed to, which a deployment's
                // `location` parameter may have changed: ask the account before it goes.
                let _ = writeln!(
                    s,
                    "lookup location az cognitiveservices account show --name {name} --resource-group {rg} --subscription {sub} --query location -o tsv"
                );
            }
            let _ = writeln!(
                s,
                "run az cognitiveservices account delete --name {name} --resource-group {rg} --subscription {sub}"
            );
            if e.purge_on_delete {
                // purge_on_delete: free the name now instead of after 48 hours of soft delete.
                s.push_str(
                    "echo '    then purge it, so that its name is free at once (purge_on_delete)'\n",
                );
                let _ = writeln!(
                    s,
                    "run az cognitiveservices account purge --name {name} --resource-group {rg} --location \"$location\" --subscription {sub}"
                );
            } else {
                let location = match &e.location {
                    Some(Value::Str(l)) => l.clone(),
                    _ => model.location.clone(),
                };
                let purge = format!(
                    "az cognitiveservices account purge --name {name} --resource-group {rg} --location {} --subscription {sub}",
                    quote(&location)
                );
                s.push_str(
                    "# The account is soft-deleted and keeps its name for 48 hours. To free the name now \
                     (not run here; `purge_on_delete: true` in the spec runs it):\n",
                );
                let _ = writeln!(s, "#   {}", comment(&purge));
            }
        }
        Kind::Resource if !e.existing && crate::catalog::deleted_with_parent(&e.resource_type) => {
            // Azure publishes no DELETE for it: it goes with its parent.
            let parent = e
                .parent
                .map(|p| model.entity(p).label.replace('`', "\""))
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "echo {}",
                quote(&format!("    nothing to delete: it goes with {parent}"))
            );
        }
        Kind::Vault | Kind::Target | Kind::Resource if !e.existing => {
            let delete = format!(
                "id={}\napi={}\nrun az resource delete --ids \"$id\" --api-version \"$api\"\n",
                resource_id(model, id),
                quote(&e.api_version)
            );
            if holds_data(model, id) {
                let _ = write!(
                    s,
                    "if [[ $DELETE_DATA == 1 ]]; then\n{}else\n  echo '    kept: it holds data (--delete-data deletes it)'\n  kept+=({})\nfi\n",
                    delete
                        .lines()
                        .map(|l| format!("  {l}\n"))
                        .collect::<String>(),
                    quote(&label)
                );
            } else {
                s.push_str(&delete);
            }
            // What the deletion leaves behind: a name that stays taken.
            if e.resource_type == "Microsoft.CognitiveServices/accounts" {
                let location = match &e.location {
                    Some(Value::Str(l)) => l.clone(),
                    _ => model.location.clone(),
                };
                let purge = format!(
                    "az cognitiveservices account purge --name {} --resource-group {} --location {} --subscription {}",
                    quote(e.name_text()),
                    resource_group(e),
                    quote(&location),
                    subscription(e)
                );
                s.push_str(
                    "# The account is soft-deleted and keeps its name for 48 hours. To free the name now \
                     (not run here):\n",
                );
                let _ = writeln!(s, "#   {}", comment(&purge));
            } else if e.kind == Kind::Vault {
                s.push_str(
                    "# A deleted vault is soft-deleted and keeps its name for its soft-delete retention \
                     (90 days by default); with purge protection on it cannot be purged before.\n",
                );
            }
        }
        Kind::Vault | Kind::Target | Kind::Resource | Kind::Identity => {
            // Only references; never created, so never in the teardown order.
            s.push_str("echo '    nothing to delete: foundrygen only references it'\n");
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Source;

    fn model(name: &str, text: &str) -> Model {
        crate::check(&Source::new(name, text))
            .expect("valid spec")
            .model
    }

    #[test]
    fn quotes_single_quotes() {
        assert_eq!(quote("a'b"), r"'a'\''b'");
        assert_eq!(quote(""), "''");
        assert_eq!(quote("$x `y`"), "'$x `y`'");
    }

    #[test]
    fn words_mix_literals_and_variables() {
        let w = Word::default()
            .var("RG_ID")
            .lit("/providers/")
            .lit("it's")
            .done();
        assert_eq!(w, r#""${RG_ID}"'/providers/it'\''s'"#);
    }

    #[test]
    fn spec_name_cannot_end_the_comment_line() {
        let m = model(
            "evil\nrm -rf /;'.yaml",
            "version: 1\nname: t\nlocation: eastus2\nfoundries:\n  - name: qs-foundry\n",
        );
        let s = script(&m);
        assert!(s.contains("# generated by foundrygen from evil?rm -rf /;'.yaml; do not edit\n"));
        assert!(!s.lines().any(|l| l.starts_with("rm ")));
    }

    #[test]
    fn deterministic_with_one_trailing_newline() {
        let m = model(
            "specs/key-vault-first.yaml",
            include_str!("../specs/key-vault-first.yaml"),
        );
        let a = script(&m);
        assert_eq!(a, script(&m));
        assert!(a.starts_with("#!/usr/bin/env bash\n# generated by foundrygen from specs/key-vault-first.yaml; do not edit\n"));
        assert!(a.ends_with("'\n") && !a.ends_with("\n\n"));
        assert!(a.contains("\nset -euo pipefail\n"));
    }
}
