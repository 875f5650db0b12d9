//! `preflight --script` (issue "Change what is deployed safely", part 3): the bash script
//! `foundrygen::preflight::script` writes.
//!
//! 1. Every reference spec's script (and every valid case's) passes `shellcheck` (as the teardown
//!    script does; shellcheck from PATH or PyPI).
//! 2. Run against a fake `az` (first on PATH; it logs its argv and answers each look-up from a
//!    file the test writes, or with a passing default), each check passes and fails as Azure's
//!    answer says: resource providers, a vault's `enableRbacAuthorization` against
//!    `permission_model`, an existing account's connections before a Key Vault connection (and,
//!    with `access: existing`, that connection and its vault), and model deployment quota. Every
//!    check runs; a failed one prints `error: …` and the script exits 1 at the end.

#[path = "support/shell.rs"]
mod shell;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use foundrygen::model::Model;
use foundrygen::{Source, preflight};
use shell::{FakeTools, install_shellcheck, on_path};

const SUB: &str = "00000000-0000-0000-0000-0000000000aa";
const RG: &str = "rg-preflight-test";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn model_of(name: &str, text: &str) -> Model {
    foundrygen::check(&Source::new(name, text))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .model
}

fn spec(path: &str) -> Model {
    model_of(path, &fs::read_to_string(root().join(path)).unwrap())
}

#[test]
fn every_preflight_script_passes_shellcheck() {
    let shellcheck = on_path("shellcheck").unwrap_or_else(install_shellcheck);
    let dir = tempfile::tempdir().unwrap();
    let mut specs: Vec<PathBuf> = fs::read_dir(root().join("specs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    specs.sort();
    assert!(specs.len() >= 6);
    let mut cases: Vec<PathBuf> = fs::read_dir(root().join("tests/cases"))
        .unwrap()
        .map(|e| e.unwrap().path().join("spec.yaml"))
        .filter(|p| {
            p.is_file()
                && foundrygen::check(&Source::new("case.yaml", fs::read_to_string(p).unwrap()))
                    .is_ok()
        })
        .collect();
    cases.sort();
    specs.extend(cases);
    let mut files = Vec::new();
    for (i, p) in specs.iter().enumerate() {
        let rel = p.strip_prefix(root()).unwrap().display().to_string();
        let m = model_of(&rel, &fs::read_to_string(p).unwrap());
        let s = preflight::script(&m);
        assert_eq!(s, preflight::script(&m), "{rel}: not deterministic");
        assert!(s.ends_with('\n') && !s.ends_with("\n\n"), "{rel}");
        let file = dir
            .path()
            .join(format!("{i:02}-{}.sh", rel.replace('/', "_")));
        fs::write(&file, s).unwrap();
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

/// A fake `az`: logs each call (`CALL\t<arg>…`) and answers from `$FAKE_AZ_ANSWERS/<key>` (a file
/// `<key>.fail` makes the call fail), or with a passing default: a provider `Registered`, a vault
/// with Azure RBAC, no connections, no projects, no quota.
const FAKE_AZ: &str = r#"#!/usr/bin/env bash
set -euo pipefail
{
  printf 'CALL'
  printf '\t%s' "$@"
  printf '\n'
} >>"${FAKE_AZ_LOG:?}"
answers=${FAKE_AZ_ANSWERS:?}
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
default=''
case "$*" in
  "provider show "*) key="provider-$(arg --namespace)"; default=Registered ;;
  "keyvault show "*) key="keyvault-$(arg --name)"; default=true ;;
  "rest "*)
    url=$(arg --url)
    url=${url%%\?*}
    key="rest${url//\//_}"
    ;;
  "cognitiveservices usage list "*) key="usage-$(arg --location)" ;;
  *)
    echo "fake az: unexpected call: $*" >&2
    exit 3
    ;;
esac
if [[ -e "$answers/$key.fail" ]]; then
  echo "ERROR: (fake) the call failed" >&2
  exit 1
fi
if [[ -e "$answers/$key" ]]; then
  cat "$answers/$key"
elif [[ -n $default ]]; then
  echo "$default"
fi
"#;

/// The fake `az` of this file, answering from files the test writes.
struct Fake(FakeTools);

impl Fake {
    fn new() -> Fake {
        Fake(FakeTools::new("preflight.sh", &[("az", FAKE_AZ)]))
    }

    /// Azure's answer to one look-up (see [`FAKE_AZ`] for the keys).
    fn answer(&self, key: &str, text: &str) -> &Self {
        fs::write(self.0.answers().join(key), text).unwrap();
        self
    }

    /// The answer to `az rest --method get --url <url>` (without its query).
    fn rest(&self, url: &str, tsv: &str) -> &Self {
        self.answer(&format!("rest{}", url.replace('/', "_")), tsv)
    }

    fn run(&self, script: &str, env: &[(&str, &str)], args: &[&str]) -> Output {
        self.0.run(script, env, args)
    }

    /// The logged calls, split at tabs, without the `CALL` mark.
    fn calls(&self) -> Vec<Vec<String>> {
        self.0
            .lines()
            .into_iter()
            .map(|l| l[1..].to_vec())
            .collect()
    }
}

/// A run: exit code, stdout, stderr.
fn run(fake: &Fake, m: &Model) -> (i32, String, String) {
    let out = fake.run(
        &preflight::script(m),
        &[("SUBSCRIPTION_ID", SUB), ("RESOURCE_GROUP", RG)],
        &[],
    );
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The `error:` lines of a run.
fn errors(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect()
}

/// Every check ran: one progress line each, in order.
fn assert_all_ran(m: &Model, stdout: &str) {
    let total = preflight::describe(m).lines().count();
    let progress: Vec<&str> = stdout.lines().filter(|l| l.starts_with('[')).collect();
    assert_eq!(progress.len(), total, "{stdout}");
    for (n, l) in progress.iter().enumerate() {
        assert!(l.starts_with(&format!("[{}/{total}] ", n + 1)), "{l}");
    }
}

fn usage_tsv(rows: &[(&str, u32, u32)]) -> String {
    rows.iter()
        .map(|(n, c, l)| format!("{n}\t{c}.0\t{l}.0\n"))
        .collect()
}

const KVF_USAGE: &[(&str, u32, u32)] = &[
    ("OpenAI.GlobalStandard.gpt-4o", 100, 450),
    ("OpenAI.Standard.text-embedding-3-large", 0, 120),
    ("OpenAI.Standard.gpt-35-turbo", 0, 10),
];

#[test]
fn key_vault_first_passes_when_azure_agrees() {
    let m = spec("specs/key-vault-first.yaml");
    let fake = Fake::new();
    fake.answer("usage-eastus2", &usage_tsv(KVF_USAGE));
    let (code, stdout, stderr) = run(&fake, &m);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert_eq!(stderr, "");
    assert_all_ran(&m, &stdout);
    assert!(stdout.ends_with("preflight passed: 6 checks\n"), "{stdout}");
    let calls = fake.calls();
    let providers: Vec<&str> = calls
        .iter()
        .filter(|c| c[..2] == ["provider", "show"])
        .map(|c| c[3].as_str())
        .collect();
    assert_eq!(
        providers,
        [
            "Microsoft.CognitiveServices",
            "Microsoft.ContainerInstance",
            "Microsoft.Storage"
        ]
    );
    assert!(
        calls
            .iter()
            .any(|c| c[..2] == ["keyvault", "show"] && c.contains(&"contoso-kv".to_string())),
        "{calls:?}"
    );
    // One quota look-up per check, in the account's region and subscription.
    let usage: Vec<&Vec<String>> = calls
        .iter()
        .filter(|c| c[..3] == ["cognitiveservices", "usage", "list"])
        .collect();
    assert_eq!(usage.len(), 2);
    assert!(usage.iter().all(|c| c[4] == "eastus2" && c[6] == SUB));
}

#[test]
fn each_failed_check_is_reported_and_every_check_still_runs() {
    let m = spec("specs/key-vault-first.yaml");
    let fake = Fake::new();
    fake.answer("provider-Microsoft.ContainerInstance", "NotRegistered\n")
        .answer("keyvault-contoso-kv", "false\n")
        .answer(
            "usage-eastus2",
            &usage_tsv(&[("OpenAI.GlobalStandard.gpt-4o", 420, 450)]),
        );
    let (code, stdout, stderr) = run(&fake, &m);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert_all_ran(&m, &stdout);
    let errs = errors(&stderr);
    assert_eq!(errs.len(), 4, "{stderr}");
    assert!(errs[0].contains("resource provider Microsoft.ContainerInstance is NotRegistered"));
    assert!(errs[0].contains(&format!(
        "az provider register --namespace Microsoft.ContainerInstance --subscription {SUB}"
    )));
    assert!(errs[1].contains(
        "Key Vault contoso-kv has enableRbacAuthorization false, but the spec says permission_model: rbac"
    ));
    assert!(
        errs[2]
            .contains("need 50 of OpenAI.GlobalStandard.gpt-4o in eastus2, but only 30 are free"),
        "{}",
        errs[2]
    );
    assert!(
        errs[3].contains("eastus2 offers no quota OpenAI.Standard.text-embedding-3-large"),
        "{}",
        errs[3]
    );
    assert!(
        stderr.ends_with("preflight failed: 4 of 6 checks\n"),
        "{stderr}"
    );

    // An az call that fails is a failed check too, and the others still run.
    let fake = Fake::new();
    fake.answer("usage-eastus2", &usage_tsv(KVF_USAGE))
        .answer("keyvault-contoso-kv.fail", "");
    let (code, stdout, stderr) = run(&fake, &m);
    assert_eq!(code, 1);
    assert_all_ran(&m, &stdout);
    assert_eq!(
        errors(&stderr),
        [format!(
            "error: cannot read Key Vault contoso-kv in resource group {RG} (subscription {SUB})"
        )],
        "{stderr}"
    );
}

#[test]
fn access_policy_vaults_need_rbac_off() {
    let m = spec("specs/access-policies.yaml");
    for (answer, ok) in [("false\n", true), ("\n", true), ("true\n", false)] {
        let fake = Fake::new();
        fake.answer("keyvault-legacy-kv", answer);
        let (code, stdout, stderr) = run(&fake, &m);
        assert_eq!(code == 0, ok, "{answer:?}: {stdout}\n{stderr}");
        if !ok {
            assert_eq!(
                errors(&stderr),
                [
                    "error: Key Vault legacy-kv has enableRbacAuthorization true, but the spec says permission_model: access_policies (rbac needs true, access_policies false)"
                ]
            );
        }
    }
}

/// specs/existing-foundry.yaml adds a Key Vault connection to an existing account.
#[test]
fn an_existing_account_must_have_no_connections_before_its_key_vault_connection() {
    let m = spec("specs/existing-foundry.yaml");
    let account = format!(
        "/subscriptions/{SUB}/resourceGroups/rg-platform-ai/providers/Microsoft.CognitiveServices/accounts/platform-foundry"
    );
    let vault = format!(
        "/subscriptions/{SUB}/resourceGroups/rg-platform-secrets/providers/Microsoft.KeyVault/vaults/platform-kv"
    );
    let fresh = || {
        let f = Fake::new();
        f.answer("keyvault-platform-kv", "false\n");
        f
    };
    // No connections: passes, after asking for the account's and its projects' connections.
    let fake = fresh();
    let (code, stdout, stderr) = run(&fake, &m);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let urls: Vec<String> = fake
        .calls()
        .iter()
        .filter(|c| c[0] == "rest")
        .map(|c| c[c.iter().position(|a| a == "--url").unwrap() + 1].clone())
        .collect();
    assert_eq!(
        urls,
        [
            format!("{account}/connections?api-version=2026-07-01"),
            format!("{account}/projects?api-version=2026-07-01"),
        ]
    );

    // A connection on the account, and one in a project: both named.
    let fake = fresh();
    let project = format!("{account}/projects/shared");
    fake.rest(
        &format!("{account}/connections"),
        "reporting\tApiKey\thttps://reporting.example.com/\n",
    )
    .rest(&format!("{account}/projects"), &format!("{project}\n"))
    .rest(
        &format!("{project}/connections"),
        "notes\tCustomKeys\thttps://notes.example.com/\n",
    );
    let (code, _, stderr) = run(&fake, &m);
    assert_eq!(code, 1);
    assert_eq!(
        errors(&stderr),
        [format!(
            "error: {account} already has 2 connection(s) (reporting shared/notes): Azure adds a Key Vault connection only to an account without connections; delete them first, and create them again after the Key Vault connection"
        )]
    );

    // The Key Vault connection exists already (a second deployment): it updates, whatever else is there.
    let fake = fresh();
    fake.rest(
        &format!("{account}/connections"),
        &format!(
            "platform-foundry-keyvault\tAzureKeyVault\t{}\nreporting\tApiKey\thttps://reporting.example.com/\n",
            vault.to_uppercase()
        ),
    );
    let (code, stdout, stderr) = run(&fake, &m);
    assert_eq!(code, 0, "{stdout}\n{stderr}");

    // …but not when it targets another vault.
    let fake = fresh();
    fake.rest(
        &format!("{account}/connections"),
        "platform-foundry-keyvault\tAzureKeyVault\t/subscriptions/x/resourceGroups/y/providers/Microsoft.KeyVault/vaults/old-kv\n",
    );
    let (code, _, stderr) = run(&fake, &m);
    assert_eq!(code, 1);
    assert!(
        errors(&stderr)[0].contains("targets /subscriptions/x/resourceGroups/y/providers/Microsoft.KeyVault/vaults/old-kv, not the spec's vault"),
        "{stderr}"
    );

    // The account cannot be read.
    let fake = fresh();
    fake.answer(
        &format!(
            "rest{}.fail",
            format!("{account}/connections").replace('/', "_")
        ),
        "",
    );
    let (code, _, stderr) = run(&fake, &m);
    assert_eq!(code, 1);
    assert_eq!(
        errors(&stderr),
        [format!(
            "error: cannot list the connections of {account} and its projects"
        )]
    );
}

/// `access: existing` (what `import` writes): the Key Vault connection must exist and target the
/// spec's vault; other connections are expected.
#[test]
fn access_existing_needs_the_key_vault_connection_and_its_vault() {
    let dir = root().join("tests/import");
    let inputs: Vec<(String, String)> = [
        "account.json",
        "connections.json",
        "project-connections.json",
        "projects.json",
        "deployments.json",
    ]
    .iter()
    .map(|f| (f.to_string(), fs::read_to_string(dir.join(f)).unwrap()))
    .collect();
    let text = foundrygen::import::import(&inputs).unwrap().text;
    let m = model_of("imported.yaml", &text);
    let sub = "7d3a1e52-4b6c-4f0e-9a1d-2c5e8f3b6a10";
    let account = format!(
        "/subscriptions/{sub}/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts/contoso-foundry"
    );
    let vault = format!(
        "/subscriptions/{sub}/resourceGroups/rg-shared/providers/Microsoft.KeyVault/vaults/contoso-kv"
    );
    let fresh = || {
        let f = Fake::new();
        f.answer(
            "usage-eastus2",
            &usage_tsv(&[("OpenAI.GlobalStandard.gpt-4o", 50, 450)]),
        );
        f
    };
    let fake = fresh();
    fake.rest(
        &format!("{account}/connections"),
        &format!(
            "contoso-foundry-keyvault\tAzureKeyVault\t{vault}\nsearch\tCognitiveSearch\thttps://contoso-search.search.windows.net/\n"
        ),
    );
    let (code, stdout, stderr) = run(&fake, &m);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert_all_ran(&m, &stdout);

    let fake = fresh();
    fake.rest(
        &format!("{account}/connections"),
        "search\tCognitiveSearch\thttps://contoso-search.search.windows.net/\n",
    );
    let (code, _, stderr) = run(&fake, &m);
    assert_eq!(code, 1);
    assert_eq!(
        errors(&stderr),
        [format!(
            "error: {account} has no Key Vault connection contoso-foundry-keyvault, but the spec says key_vault.access: existing"
        )]
    );

    let fake = fresh();
    fake.rest(
        &format!("{account}/connections"),
        "contoso-foundry-keyvault\tCustomKeys\thttps://x.example.com/\n",
    );
    let (code, _, stderr) = run(&fake, &m);
    assert_eq!(code, 1);
    assert!(
        errors(&stderr)[0].contains("is a CustomKeys connection, not a Key Vault connection"),
        "{stderr}"
    );
}

#[test]
fn missing_subscription_or_group_stops_before_any_call() {
    let m = spec("specs/key-vault-first.yaml");
    let script = preflight::script(&m);
    let fake = Fake::new();
    for env in [vec![("RESOURCE_GROUP", RG)], vec![("SUBSCRIPTION_ID", SUB)]] {
        let out = fake.run(&script, &env, &[]);
        assert_eq!(out.status.code(), Some(2), "{env:?}");
        assert!(fake.calls().is_empty());
    }
    // The flags override the environment.
    let out = fake.run(
        &script,
        &[("SUBSCRIPTION_ID", SUB), ("RESOURCE_GROUP", RG)],
        &[
            "--subscription",
            "00000000-0000-0000-0000-0000000000bb",
            "--resource-group=rg-x",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "no quota answers");
    assert!(
        fake.calls()
            .iter()
            .filter(|c| c[..2] == ["provider", "show"])
            .all(|c| c[5] == "00000000-0000-0000-0000-0000000000bb")
    );
    let out = fake.run(
        &script,
        &[("SUBSCRIPTION_ID", SUB), ("RESOURCE_GROUP", RG)],
        &["--bogus"],
    );
    assert_eq!(out.status.code(), Some(2));
}

/// A spec that states every subscription and resource group it checks (what `import` writes)
/// needs neither variable: the script runs its checks without them.
#[test]
fn a_spec_that_states_every_scope_needs_no_subscription_or_group() {
    let m = model_of(
        "stated.yaml",
        "version: 1\nname: t\nlocation: eastus2\nfoundries:\n  - name: contoso-foundry\n    existing: true\n    subscription: \"7d3a1e52-4b6c-4f0e-9a1d-2c5e8f3b6a10\"\n    resource_group: rg-ai\n    key_vault: { name: contoso-kv, subscription: \"7d3a1e52-4b6c-4f0e-9a1d-2c5e8f3b6a10\", resource_group: rg-shared, access: existing }\n",
    );
    let fake = Fake::new();
    let out = fake.run(&preflight::script(&m), &[], &[]);
    assert_ne!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!fake.calls().is_empty(), "the checks ran");
}

#[test]
fn the_command_prints_the_checks_or_the_script() {
    let bin = env!("CARGO_BIN_EXE_foundrygen");
    let run = |args: &[&str]| {
        Command::new(bin)
            .args(args)
            .current_dir(root())
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    };
    let list = run(&["preflight", "specs/key-vault-first.yaml"]);
    assert!(list.status.success());
    let m = spec("specs/key-vault-first.yaml");
    assert_eq!(
        String::from_utf8_lossy(&list.stdout),
        preflight::describe(&m)
    );
    let script = run(&["preflight", "specs/key-vault-first.yaml", "--script"]);
    assert!(script.status.success());
    assert_eq!(
        String::from_utf8_lossy(&script.stdout),
        preflight::script(&m)
    );
    let dir = run(&["preflight", "specs"]);
    assert_eq!(dir.status.code(), Some(2));
    assert!(Path::new(bin).is_file());
}
