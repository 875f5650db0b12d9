//! `preflight --script`: a bash script of `az` look-ups that checks, before a deployment, what
//! foundrygen cannot know offline: the resource providers the output uses are registered, a
//! referenced vault's `enableRbacAuthorization` matches `permission_model`, an existing account
//! that gets a Key Vault connection has no other connections yet (or, with `access: existing`,
//! has that connection, targeting the spec's vault), and the model deployments' quota is free in
//! their region.
//!
//! Every check runs; each failed one prints `error: …` on stderr, and the script exits 1 at the
//! end if any failed. It needs `SUBSCRIPTION_ID` and `RESOURCE_GROUP` like the teardown script,
//! and quotes every string from the spec the same way.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::model::{EntityId, Kind, Model, Value};
use crate::spec::{PermissionModel, VaultAccess};
use crate::teardown::{comment, quote, resource_group, resource_id, subscription};

/// One check: what it checks, and its line of bash.
struct Check {
    what: String,
    call: String,
}

/// The checks of a model, in the order the script runs them.
fn checks(model: &Model) -> Vec<Check> {
    let mut out = Vec::new();
    // Resource providers, per subscription.
    let mut providers: Vec<(String, String, String)> = Vec::new();
    let mut need = |ns: &str, sub: String, why: &str| {
        if !providers.iter().any(|(n, s, _)| n == ns && *s == sub) {
            providers.push((ns.to_string(), sub, why.to_string()));
        }
    };
    for e in &model.entities {
        if e.existing && e.kind != Kind::Account {
            continue;
        }
        let root_ns = e.resource_type.split('/').next().unwrap_or("");
        match e.kind {
            Kind::Account | Kind::ModelDeployment | Kind::Project => need(
                "Microsoft.CognitiveServices",
                subscription(e),
                "the Foundry accounts are Cognitive Services accounts",
            ),
            Kind::Wait => {
                need(
                    "Microsoft.ContainerInstance",
                    subscription(e),
                    "wait_for_role's deploymentScripts sleep runs in a container instance, in Bicep and ARM",
                );
                need(
                    "Microsoft.Storage",
                    subscription(e),
                    "wait_for_role's deploymentScripts sleep keeps its files in a storage account, in Bicep and ARM",
                );
            }
            Kind::Vault | Kind::Target | Kind::Resource if e.parent.is_none() => {
                let why = format!("the spec creates {}", e.label.replace('`', ""));
                need(root_ns, subscription(e), &why);
            }
            _ => {}
        }
    }
    for (ns, sub, why) in providers {
        out.push(Check {
            what: format!("resource provider {ns} is registered ({why})"),
            call: format!("check_provider {} {sub} {}", quote(&ns), quote(&why)),
        });
    }

    // Vaults the spec references, against its permission_model.
    let mut vaults: Vec<(EntityId, PermissionModel)> = Vec::new();
    for e in &model.entities {
        if let Some(kv) = e.key_vault {
            let vault = model.entity(kv.vault);
            if vault.existing && !vaults.contains(&(kv.vault, kv.permission_model)) {
                vaults.push((kv.vault, kv.permission_model));
            }
        }
    }
    for (v, pm) in vaults {
        let vault = model.entity(v);
        let (want, name) = match pm {
            PermissionModel::Rbac => ("true", "rbac"),
            PermissionModel::AccessPolicies => ("false", "access_policies"),
        };
        out.push(Check {
            what: format!(
                "Key Vault {} has enableRbacAuthorization {want} (permission_model: {name})",
                vault.name_text()
            ),
            call: format!(
                "check_vault_model {} {} {} {want} {name}",
                quote(vault.name_text()),
                resource_group(vault),
                subscription(vault)
            ),
        });
    }

    // An existing account's Key Vault connection.
    for e in &model.entities {
        let (Some(kv), Some(account)) = (e.key_vault, e.parent) else {
            continue;
        };
        let a = model.entity(account);
        if !a.existing {
            continue;
        }
        let access = match kv.access {
            VaultAccess::Create => "create",
            VaultAccess::Existing => "existing",
        };
        let what = match kv.access {
            VaultAccess::Create => format!(
                "account {} has no connections but Key Vault connection {} (Azure adds a Key Vault connection only to an account without connections)",
                a.name_text(),
                e.name_text()
            ),
            VaultAccess::Existing => format!(
                "account {} has Key Vault connection {}, targeting vault {} (access: existing)",
                a.name_text(),
                e.name_text(),
                model.entity(kv.vault).name_text()
            ),
        };
        out.push(Check {
            what,
            call: format!(
                "check_key_vault_connection {} {} {} {} {access}",
                resource_id(model, account),
                quote(&a.api_version),
                quote(e.name_text()),
                resource_id(model, kv.vault)
            ),
        });
    }

    // Model deployment quota, per region, subscription and usage name: the sum of capacities.
    let mut quota: BTreeMap<(String, String, String), (i64, Vec<String>)> = BTreeMap::new();
    let mut order: Vec<(String, String, String)> = Vec::new();
    for &id in &model.plan {
        let e = model.entity(id);
        if e.kind != Kind::ModelDeployment {
            continue;
        }
        let Some(account) = e.parent.map(|p| model.entity(p)) else {
            continue;
        };
        let location = match &account.location {
            Some(Value::Str(l)) => l.clone(),
            _ => model.location.clone(),
        };
        let text = |v: Option<&Value>| match v {
            Some(Value::Str(s)) => s.clone(),
            _ => String::new(),
        };
        let sku = e.sku.as_ref();
        let sku_name = text(sku.and_then(|s| s.get("name")));
        let capacity = match sku.and_then(|s| s.get("capacity")) {
            Some(Value::Int(n)) => *n,
            _ => 1,
        };
        let m = e.properties.get("model");
        let usage = format!(
            "{}.{sku_name}.{}",
            text(m.and_then(|m| m.get("format"))),
            text(m.and_then(|m| m.get("name")))
        );
        let key = (location, subscription(account), usage);
        if !quota.contains_key(&key) {
            order.push(key.clone());
        }
        let entry = quota.entry(key).or_default();
        entry.0 += capacity;
        entry
            .1
            .push(format!("{}/{}", account.name_text(), e.name_text()));
    }
    for key in order {
        let (need, names) = &quota[&key];
        let (location, sub, usage) = key;
        out.push(Check {
            what: format!(
                "{location} has {need} of quota {usage} free for {}",
                names.join(", ")
            ),
            call: format!(
                "check_quota {} {sub} {} {need} {}",
                quote(&location),
                quote(&usage),
                quote(&names.join(", "))
            ),
        });
    }
    out
}

/// The checks as a list, one per line (`preflight` without `--script`).
pub fn describe(model: &Model) -> String {
    let mut out = String::new();
    for (n, c) in checks(model).iter().enumerate() {
        let _ = writeln!(out, "{}. {}", n + 1, c.what);
    }
    out
}

/// The preflight script for a model: runnable bash, deterministic, ending in one newline.
pub fn script(model: &Model) -> String {
    let checks = checks(model);
    let total = checks.len();
    let calls: Vec<&str> = checks.iter().map(|c| c.call.as_str()).collect();
    let uses = |f: &str| calls.iter().any(|c| c.starts_with(f));
    let mut out = String::new();
    out.push_str(&crate::script::header(model));
    let _ = writeln!(
        out,
        "# Preflight of deployment `{}`: checks with az, before deploying, what foundrygen cannot know",
        comment(&model.name)
    );
    let _ = writeln!(
        out,
        "# offline ({total} check{}). Every check runs; each failed one prints an error, and the script",
        if total == 1 { "" } else { "s" }
    );
    // The deployment's subscription and group are needed only where the spec leaves a scope to
    // the deployment.
    let needs_scope = calls.iter().any(|c| {
        c.contains("SUBSCRIPTION_ID") || c.contains("RESOURCE_GROUP") || c.contains("RG_ID")
    });
    out.push_str(
        "# then exits 1. It only reads: nothing is created, changed or deleted.\n\
         #\n\
         # Usage: preflight.sh [--subscription ID] [--resource-group NAME]\n",
    );
    out.push_str(if needs_scope {
        "#   SUBSCRIPTION_ID, RESOURCE_GROUP  the deployment's subscription and resource group (required;\n\
         #                                    the flags override the environment)\n"
    } else {
        "#   SUBSCRIPTION_ID, RESOURCE_GROUP  not needed: the spec states every subscription and\n\
         #                                    resource group it checks\n"
    });
    out.push_str(&crate::script::prelude(&[], needs_scope));
    if calls.iter().any(|c| c.contains("\"${RG_ID}\"")) {
        out.push_str(
            "RG_ID=\"/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/${RESOURCE_GROUP}\"\n",
        );
    }
    out.push_str(FAIL_HELPER);
    if uses("check_key_vault_connection") {
        out.push_str(LOWER_HELPER);
    }
    if uses("check_provider") {
        out.push_str(PROVIDER_HELPER);
    }
    if uses("check_vault_model") {
        out.push_str(VAULT_HELPER);
    }
    if uses("check_key_vault_connection") {
        out.push_str(CONNECTION_HELPER);
    }
    if uses("check_quota") {
        out.push_str(QUOTA_HELPER);
    }
    for (n, c) in checks.iter().enumerate() {
        let _ = write!(
            out,
            "\necho {}\n{}\n",
            quote(&format!("[{}/{total}] {}", n + 1, c.what)),
            c.call
        );
    }
    let _ = write!(
        out,
        "\nif [[ ${{#failures[@]}} -gt 0 ]]; then\n  echo \"preflight failed: ${{#failures[@]}} of {total} checks\" >&2\n  exit 1\nfi\necho 'preflight passed: {total} check{}'\n",
        if total == 1 { "" } else { "s" }
    );
    out
}

/// Failures are collected; the script exits at the end.
const FAIL_HELPER: &str = r#"
failures=()

# fail MESSAGE: reports a failed check; the script goes on and exits 1 at the end.
fail() {
  echo "error: $1" >&2
  failures+=("$1")
}
"#;

const LOWER_HELPER: &str = r#"
# lower TEXT: TEXT in lower case (ids compare case-insensitively).
lower() {
  printf '%s' "$1" | tr '[:upper:]' '[:lower:]'
}
"#;

const PROVIDER_HELPER: &str = r#"
# check_provider NAMESPACE SUBSCRIPTION WHY: the resource provider is registered.
check_provider() {
  local ns=$1 sub=$2 why=$3 state
  if ! state=$(az provider show --namespace "$ns" --subscription "$sub" --query registrationState -o tsv); then
    fail "cannot read resource provider $ns in subscription $sub"
    return
  fi
  state=${state%$'\r'}
  if [[ $state != Registered ]]; then
    fail "resource provider $ns is ${state:-not registered} in subscription $sub, and $why: run az provider register --namespace $ns --subscription $sub"
  fi
}
"#;

const VAULT_HELPER: &str = r#"
# check_vault_model NAME GROUP SUBSCRIPTION WANT MODEL: the vault's enableRbacAuthorization is WANT
# (true for permission_model rbac, false for access_policies).
check_vault_model() {
  local name=$1 group=$2 sub=$3 want=$4 model=$5 rbac
  if ! rbac=$(az keyvault show --name "$name" --resource-group "$group" --subscription "$sub" --query properties.enableRbacAuthorization -o tsv); then
    fail "cannot read Key Vault $name in resource group $group (subscription $sub)"
    return
  fi
  rbac=${rbac%$'\r'}
  # Unset on vaults made before Azure RBAC was offered for vaults: they use access policies.
  case $rbac in
    true | True) rbac=true ;;
    *) rbac=false ;;
  esac
  if [[ $rbac != "$want" ]]; then
    fail "Key Vault $name has enableRbacAuthorization $rbac, but the spec says permission_model: $model (rbac needs true, access_policies false)"
  fi
}
"#;

const CONNECTION_HELPER: &str = r#"
# list_connections ACCOUNT API: prints LEVEL<TAB>NAME<TAB>CATEGORY<TAB>TARGET for every connection
# of the account (LEVEL account) and of each of its projects (LEVEL the project's id).
list_connections() {
  local account=$1 api=$2 out projects project
  out=$(az rest --method get --url "$account/connections?api-version=$api" \
    --query "value[].[name, properties.category, properties.target]" -o tsv) || return 1
  while IFS= read -r line; do
    [[ -n ${line%$'\r'} ]] && printf 'account\t%s\n' "${line%$'\r'}"
  done <<<"$out"
  projects=$(az rest --method get --url "$account/projects?api-version=$api" --query "value[].id" -o tsv) || return 1
  while IFS= read -r project; do
    project=${project%$'\r'}
    [[ -n $project ]] || continue
    out=$(az rest --method get --url "$project/connections?api-version=$api" \
      --query "value[].[name, properties.category, properties.target]" -o tsv) || return 1
    while IFS= read -r line; do
      [[ -n ${line%$'\r'} ]] && printf '%s\t%s\n' "$project" "${line%$'\r'}"
    done <<<"$out"
  done <<<"$projects"
  return 0
}

# check_key_vault_connection ACCOUNT API NAME VAULT ACCESS: with ACCESS create, the account and its
# projects have no connection but the Key Vault connection NAME (Azure adds a Key Vault connection
# only to an account without connections), and NAME, if it exists, targets VAULT; with ACCESS
# existing, NAME exists, is a Key Vault connection, and targets VAULT.
check_key_vault_connection() {
  local account=$1 api=$2 name=$3 vault=$4 access=$5 out level conn category target
  local others=() found=0 found_category='' found_target=''
  if ! out=$(list_connections "$account" "$api"); then
    fail "cannot list the connections of $account and its projects"
    return
  fi
  while IFS=$'\t' read -r level conn category target; do
    [[ -n $conn ]] || continue
    if [[ $level == account && "$(lower "$conn")" == "$(lower "$name")" ]]; then
      found=1
      found_category=$category
      found_target=$target
    elif [[ $level == account ]]; then
      others+=("$conn")
    else
      others+=("${level##*/}/$conn")
    fi
  done <<<"$out"
  if [[ $found == 1 && $found_category != AzureKeyVault ]]; then
    fail "connection $name of $account is a $found_category connection, not a Key Vault connection"
  elif [[ $found == 1 && "$(lower "$found_target")" != "$(lower "$vault")" ]]; then
    fail "Key Vault connection $name of $account targets $found_target, not the spec's vault $vault: switching vaults means deleting every other connection, then the old Key Vault connection, first (secrets are not migrated)"
  elif [[ $found == 0 && $access == existing ]]; then
    fail "$account has no Key Vault connection $name, but the spec says key_vault.access: existing"
  elif [[ $found == 0 && ${#others[@]} -gt 0 ]]; then
    fail "$account already has ${#others[@]} connection(s) (${others[*]}): Azure adds a Key Vault connection only to an account without connections; delete them first, and create them again after the Key Vault connection"
  fi
}
"#;

const QUOTA_HELPER: &str = r#"
# check_quota LOCATION SUBSCRIPTION USAGE NEEDED DEPLOYMENTS: the region has NEEDED units of the
# usage USAGE (<format>.<SKU>.<model>) free: its limit minus what is in use. A deployment that
# exists already is counted in what is in use.
check_quota() {
  local location=$1 sub=$2 usage=$3 need=$4 what=$5 out name current limit found=0
  if ! out=$(az cognitiveservices usage list --location "$location" --subscription "$sub" \
    --query "[].[name.value, currentValue, limit]" -o tsv); then
    fail "cannot read the Cognitive Services quota in $location (subscription $sub)"
    return
  fi
  while IFS=$'\t' read -r name current limit; do
    limit=${limit%$'\r'}
    if [[ $name == "$usage" ]]; then
      found=1
      break
    fi
  done <<<"$out"
  if [[ $found == 0 ]]; then
    fail "$location offers no quota $usage in subscription $sub, which $what need: the model, its version or the SKU is not available there"
    return
  fi
  current=${current%%.*}
  limit=${limit%%.*}
  if [[ ! $current =~ ^[0-9]+$ || ! $limit =~ ^[0-9]+$ ]]; then
    fail "unreadable quota $usage in $location: in use '$current', limit '$limit'"
  elif ((limit - current < need)); then
    fail "$what need $need of $usage in $location, but only $((limit - current)) are free (limit $limit, in use $current; a deployment that exists already counts in what is in use)"
  fi
}
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Source;

    fn model(text: &str) -> Model {
        crate::check(&Source::new("t.yaml", text))
            .expect("valid spec")
            .model
    }

    #[test]
    fn every_spec_checks_the_cognitive_services_provider() {
        let m = model("version: 1\nname: t\nlocation: eastus2\nfoundries:\n  - name: qs-foundry\n");
        let d = describe(&m);
        assert_eq!(
            d,
            "1. resource provider Microsoft.CognitiveServices is registered (the Foundry accounts are Cognitive Services accounts)\n"
        );
        let s = script(&m);
        assert!(s.starts_with(
            "#!/usr/bin/env bash\n# generated by foundrygen from t.yaml; do not edit\n"
        ));
        assert!(s.contains("\nset -euo pipefail\n"));
        assert!(s.ends_with("echo 'preflight passed: 1 check'\n"));
        assert!(!s.contains("check_quota()"), "helpers only where used");
    }
}
