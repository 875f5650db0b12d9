//! `plan SPEC --current FILE...` (issue "Change what is deployed safely", part 2): the `az` JSON
//! under `tests/import/` and `tests/current/` describes what is deployed, and the plan lists the
//! steps from there to the spec, with the Key Vault rules applied: adding a vault to an account
//! with connections, switching vaults and removing the vault delete every other connection first
//! (and the old Key Vault connection) and create them again, each with a warning naming the
//! secrets to supply again; a capability host naming a deleted connection is deleted first and
//! created again after it. `--format json` is one document of the documented shape, and
//! `--script` passes shellcheck and, run against a fake `az`, makes its calls in the plan's order.

#[path = "support/cli_harness.rs"]
mod harness;
#[path = "support/shell.rs"]
mod shell;

use std::fs;
use std::path::PathBuf;
use std::process::{Command, Output};

use foundrygen::current::{self, Change, Subject};
use foundrygen::plan::Action;
use foundrygen::{Model, Source};
use harness::Sandbox;
use shell::FakeTools;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The spec `import` writes from the fixtures of `tests/import/` (checked in).
fn base() -> String {
    read("tests/current/base.yaml")
}

const DEPLOYED: &[&str] = &[
    "tests/import/account.json",
    "tests/import/connections.json",
    "tests/import/project-connections.json",
    "tests/import/projects.json",
    "tests/import/deployments.json",
];

/// The same deployment without its Key Vault connection.
const DEPLOYED_WITHOUT_VAULT: &[&str] = &[
    "tests/import/account.json",
    "tests/current/connections-without-vault.json",
    "tests/import/project-connections.json",
    "tests/import/projects.json",
    "tests/import/deployments.json",
];

fn plan(spec: &str, files: &[&str]) -> (Model, Change) {
    let source = Source::new("spec.yaml", spec);
    let model = foundrygen::check(&source)
        .unwrap_or_else(|e| panic!("{e}"))
        .model;
    let (tree, _) = foundrygen::spec::load::parse_tree(&source).unwrap();
    let decoded = foundrygen::spec::load::decode(&source, &tree).unwrap();
    let mut items = Vec::new();
    for f in files {
        items.extend(foundrygen::import::items(f, &read(f)).unwrap());
    }
    let change = current::plan(&model, &decoded, &items);
    (model, change)
}

/// (action, label) of every step.
fn actions(change: &Change) -> Vec<(&'static str, String)> {
    change
        .steps
        .iter()
        .map(|s| (s.step.action.word(), s.step.label.clone()))
        .collect()
}

fn conn(name: &str) -> String {
    format!("connection `{name}` of `contoso-foundry`")
}

fn project_conn(name: &str) -> String {
    format!("connection `{name}` (project `research`) of `contoso-foundry`")
}

const KV: &str = "Key Vault connection `contoso-foundry-keyvault` of `contoso-foundry`";

/// The six connections other than the Key Vault one, as the files list them (projects first).
fn deleted_others() -> Vec<(&'static str, String)> {
    vec![
        ("delete", project_conn("docs")),
        ("delete", project_conn("warehouse")),
        ("delete", conn("search")),
        ("delete", conn("insights")),
        ("delete", conn("partner-api")),
        ("delete", conn("bing")),
    ]
}

/// The same, created again in the create plan's order.
fn created_others() -> Vec<(&'static str, String)> {
    vec![
        ("create", conn("search")),
        ("create", conn("insights")),
        ("create", conn("partner-api")),
        ("create", conn("bing")),
        ("create", project_conn("docs")),
        ("create", project_conn("warehouse")),
    ]
}

fn without_block(spec: &str, start: &str, end: &str) -> String {
    let i = spec.find(start).unwrap();
    let j = i + spec[i..].find(end).unwrap();
    format!("{}{}", &spec[..i], &spec[j..])
}

/// The secrets every Key Vault sequence must name again: the key-based connections.
fn assert_names_secrets(warning: &str) {
    for s in [
        "`insights` (`insightsKey`)",
        "`partner-api` (`partnerApiKey`)",
        "`bing` (`bingKey`)",
        "`warehouse` (`warehouseClientSecret`)",
    ] {
        assert!(warning.contains(s), "{s} missing from: {warning}");
    }
    for s in ["`search`", "`docs`"] {
        assert!(!warning.contains(s), "{s} keeps no secret: {warning}");
    }
    assert!(warning.contains("secrets are not migrated "), "{warning}");
}

#[test]
fn nothing_to_change_is_one_line() {
    let (model, change) = plan(&base(), DEPLOYED);
    assert_eq!(
        current::describe(&model, &change),
        "change plan for `contoso-foundry` (spec.yaml): nothing to change\n"
    );
    assert!(change.warnings.is_empty(), "{:?}", change.warnings);
    assert!(
        change
            .notes
            .iter()
            .any(|n| n.starts_with("credentials are not compared")),
        "{:?}",
        change.notes
    );
}

#[test]
fn a_new_connection_is_created_after_the_key_vault_connection() {
    let spec = base()
        + "      - name: wiki\n        category: ApiKey\n        target: { url: \"https://wiki.example.com/\" }\n        auth: { type: ApiKey, key: { secret: wikiKey } }\n";
    let (model, change) = plan(&spec, DEPLOYED);
    assert_eq!(actions(&change), [("create", conn("wiki"))]);
    assert!(change.warnings.is_empty());
    let text = current::describe(&model, &change);
    assert_eq!(
        text,
        "change plan for `contoso-foundry` (spec.yaml): 1 step\n\
         1. create connection `wiki` of `contoso-foundry` [Microsoft.CognitiveServices/accounts/connections]\n"
    );
}

#[test]
fn a_removed_connection_is_deleted() {
    let spec = without_block(&base(), "      - name: bing\n", "      - name: docs\n");
    let (model, change) = plan(&spec, DEPLOYED);
    assert_eq!(actions(&change), [("delete", conn("bing"))]);
    assert_eq!(
        current::describe(&model, &change),
        "change plan for `contoso-foundry` (spec.yaml): 1 step\n\
         1. delete connection `bing` of `contoso-foundry` [Microsoft.CognitiveServices/accounts/connections]; not in the spec\n"
    );
}

#[test]
fn a_changed_target_replaces_and_changed_metadata_updates() {
    let spec = base()
        .replace(
            "target: { url: \"https://api.bing.microsoft.com/\" }",
            "target: { url: \"https://api.bing.example.com/\" }",
        )
        .replace("team: partners", "team: research");
    let (model, change) = plan(&spec, DEPLOYED);
    assert_eq!(
        actions(&change),
        [
            ("delete", conn("bing")),
            ("update", conn("partner-api")),
            ("create", conn("bing")),
        ]
    );
    let text = current::describe(&model, &change);
    assert!(
        text.contains(
            "; replaced: target `https://api.bing.microsoft.com/` → `https://api.bing.example.com/`"
        ),
        "{text}"
    );
    assert!(
        text.contains("; updated in place: metadata `team` `partners` → `research`"),
        "{text}"
    );
    assert_eq!(change.warnings.len(), 1, "{:?}", change.warnings);
    assert!(
        change.warnings[0].contains("`bing` (`bingKey`)"),
        "{:?}",
        change.warnings
    );
    // A change of auth type replaces too; a trailing slash is no change.
    let spec = base()
        .replace(
            "auth: { type: AAD }\n        shared_to_all: false",
            "auth: { type: AccountKey, key: { secret: docsKey } }\n        shared_to_all: false",
        )
        .replace(
            "https://contoso-sql.database.windows.net/",
            "https://contoso-sql.database.windows.net",
        );
    let (_, change) = plan(&spec, DEPLOYED);
    assert_eq!(
        actions(&change),
        [
            ("delete", project_conn("docs")),
            ("create", project_conn("docs"))
        ]
    );
}

#[test]
fn adding_a_vault_to_an_account_with_connections_deletes_and_recreates_them() {
    let spec = base().replace(
        "      access: existing  # the account's identity has its role or access policy already\n",
        "      wait_for_role: 60s\n",
    );
    let (model, change) = plan(&spec, DEPLOYED_WITHOUT_VAULT);
    let mut want = deleted_others();
    want.push(("create", KV.to_string()));
    want.push((
        "create",
        "role `Key Vault Secrets Officer` for `contoso-foundry` on `contoso-kv`".into(),
    ));
    want.push((
        "create",
        "wait 60s for the vault access of `contoso-foundry` to take effect".into(),
    ));
    want.extend(created_others());
    assert_eq!(actions(&change), want);
    assert_eq!(change.warnings.len(), 1, "{:?}", change.warnings);
    assert!(
        change.warnings[0].starts_with("adding Key Vault connection `contoso-foundry-keyvault` to `contoso-foundry`, which has 6 other connections"),
        "{}",
        change.warnings[0]
    );
    assert_names_secrets(&change.warnings[0]);
    // The other connections wait for the vault access and the wait, as in the create plan.
    let text = current::describe(&model, &change);
    let search = text
        .lines()
        .find(|l| l.starts_with("10. create connection `search`"))
        .unwrap();
    assert!(
        search.contains("the vault role must have taken effect"),
        "{search}"
    );

    // On an account without connections, the Key Vault connection alone.
    let no_connections = [
        "tests/import/account.json",
        "tests/import/projects.json",
        "tests/import/deployments.json",
    ];
    let spec = spec[..spec.find("    connections:\n").unwrap()].to_string();
    let (_, change) = plan(&spec, &no_connections);
    assert_eq!(
        actions(&change).iter().map(|(a, _)| *a).collect::<Vec<_>>(),
        ["create", "create", "create"]
    );
    // The files show project `research` but none of its connections: an empty list cannot say
    // whose it is, so the plan says what it takes for granted.
    assert_eq!(change.warnings.len(), 1, "{:?}", change.warnings);
    assert!(
        change.warnings[0].starts_with("the files show no connection of project `research` of `contoso-foundry`: it is taken as having none"),
        "{}",
        change.warnings[0]
    );
}

#[test]
fn switching_vaults_deletes_the_others_then_the_old_connection() {
    let spec = base().replace("name: contoso-kv\n", "name: contoso-kv2\n");
    let (_, change) = plan(&spec, DEPLOYED);
    let mut want = deleted_others();
    want.push(("delete", KV.to_string()));
    want.push(("create", KV.to_string()));
    want.extend(created_others());
    assert_eq!(actions(&change), want);
    assert_eq!(change.warnings.len(), 1);
    assert!(
        change.warnings[0].starts_with(
            "switching `contoso-foundry` from vault `contoso-kv` (connection `contoso-foundry-keyvault`) to vault `contoso-kv2`"
        ),
        "{}",
        change.warnings[0]
    );
    assert_names_secrets(&change.warnings[0]);
}

#[test]
fn removing_the_vault_deletes_it_after_every_other_connection() {
    let spec = without_block(&base(), "    key_vault:\n", "    connections:\n");
    let (_, change) = plan(&spec, DEPLOYED);
    let mut want = deleted_others();
    want.push(("delete", KV.to_string()));
    want.extend(created_others());
    assert_eq!(actions(&change), want);
    assert_eq!(change.warnings.len(), 1);
    assert!(
        change.warnings[0].starts_with("removing Key Vault connection `contoso-foundry-keyvault`"),
        "{}",
        change.warnings[0]
    );
    assert_names_secrets(&change.warnings[0]);
}

/// The base spec with a standard Agent Service setup in `research`, and the files with its two
/// connections deployed.
fn agent_spec() -> String {
    base()
        .replace(
            "        description: \"Research team\"\n",
            "        description: \"Research team\"\n        capability_host: { thread_storage: threads, vector_store: vectors, file_storage: docs, grant_roles: false }\n",
        )
        + "      - name: threads\n        project: research\n        category: CosmosDB\n        target: { resource_id: \"/subscriptions/7d3a1e52-4b6c-4f0e-9a1d-2c5e8f3b6a10/resourceGroups/rg-data/providers/Microsoft.DocumentDB/databaseAccounts/contoso-cosmos\" }\n        auth: { type: AAD }\n        shared_to_all: false\n        roles: [Cosmos DB Built-in Data Reader]\n      - name: vectors\n        project: research\n        category: CognitiveSearch\n        target: { resource_id: \"/subscriptions/7d3a1e52-4b6c-4f0e-9a1d-2c5e8f3b6a10/resourceGroups/rg-data/providers/Microsoft.Search/searchServices/contoso-search\" }\n        auth: { type: AAD }\n        shared_to_all: false\n"
}

fn agent_files() -> Vec<&'static str> {
    let mut f = DEPLOYED.to_vec();
    f.push("tests/current/agent-connections.json");
    f
}

#[test]
fn a_capability_host_naming_a_deleted_connection_goes_first_and_comes_back_last() {
    let (model, change) = plan(&agent_spec(), &agent_files());
    assert_eq!(
        current::describe(&model, &change),
        "change plan for `contoso-foundry` (spec.yaml): nothing to change\n"
    );

    let spec = agent_spec().replace("name: contoso-kv\n", "name: contoso-kv2\n");
    let (_, change) = plan(&spec, &agent_files());
    let steps = actions(&change);
    let host = "capability host `research-caphost` of project `research`";
    assert_eq!(steps[0], ("delete", host.to_string()), "{steps:#?}");
    assert_eq!(steps.last().unwrap(), &("create", host.to_string()));
    assert_eq!(steps.iter().filter(|(_, l)| l == host).count(), 2);
    // Its connections are deleted after it and created before it again.
    let pos = |a: &str, l: &str| steps.iter().position(|s| s.0 == a && s.1 == l).unwrap();
    for c in ["threads", "vectors", "docs"] {
        assert!(pos("delete", &project_conn(c)) > 0);
        assert!(pos("create", &project_conn(c)) < steps.len() - 1);
    }
    assert!(
        change.warnings.iter().any(|w| w.starts_with(host)),
        "{:?}",
        change.warnings
    );
    // The data-plane role of `threads` exists: it is not granted again.
    assert!(!steps.iter().any(|(_, l)| l.contains("Cosmos DB Built-in")));

    // A new connection named by the capability host also deletes and re-creates it.
    let (_, change) = plan(&agent_spec(), DEPLOYED);
    let steps = actions(&change);
    assert_eq!(steps[0], ("delete", host.to_string()), "{steps:#?}");
    assert_eq!(steps.last().unwrap(), &("create", host.to_string()));
}

#[test]
fn accounts_the_spec_does_not_name_are_out_of_scope_and_said_so_once() {
    let other = r#"[{"id": "/subscriptions/00000000-0000-0000-0000-0000000000bb/resourceGroups/rg-x/providers/Microsoft.CognitiveServices/accounts/elsewhere/connections/c1", "name": "c1", "type": "Microsoft.CognitiveServices/accounts/connections", "properties": {"category": "ApiKey", "authType": "ApiKey", "target": "https://x.example.com/"}}]"#;
    let sb = Sandbox::new();
    sb.write("other.json", other);
    let source = Source::new("spec.yaml", base());
    let model = foundrygen::check(&source).unwrap().model;
    let (tree, _) = foundrygen::spec::load::parse_tree(&source).unwrap();
    let decoded = foundrygen::spec::load::decode(&source, &tree).unwrap();
    let mut items = Vec::new();
    for f in DEPLOYED {
        items.extend(foundrygen::import::items(f, &read(f)).unwrap());
    }
    items.extend(foundrygen::import::items("other.json", other).unwrap());
    let change = current::plan(&model, &decoded, &items);
    assert!(change.steps.is_empty());
    let scope: Vec<&String> = change
        .notes
        .iter()
        .filter(|n| n.starts_with("out of scope"))
        .collect();
    assert_eq!(
        scope,
        [
            "out of scope: the spec does not name account `elsewhere` (1 connection); nothing is planned for it"
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// The command line, and --format json

fn run_cli(sb: &Sandbox, args: &[&str]) -> harness::Output {
    sb.run(args)
}

fn copy_fixtures(sb: &Sandbox, files: &[&str]) -> Vec<String> {
    files
        .iter()
        .map(|f| {
            let name = f.rsplit('/').next().unwrap();
            sb.write(name, &read(f));
            name.to_string()
        })
        .collect()
}

#[test]
fn the_command_line_prints_the_plan_warnings_and_notes() {
    let sb = Sandbox::new();
    let spec = base().replace("name: contoso-kv\n", "name: contoso-kv2\n");
    sb.write("spec.yaml", &spec);
    let files = copy_fixtures(&sb, DEPLOYED);
    let mut args = vec!["plan", "spec.yaml", "--current"];
    args.extend(files.iter().map(String::as_str));
    let out = run_cli(&sb, &args);
    assert_eq!(out.code, 0, "{out:#?}");
    assert!(
        out.stdout
            .starts_with("change plan for `contoso-foundry` (spec.yaml): 14 steps\n 1. delete "),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr
            .contains("\nwarning: switching `contoso-foundry`"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("\nnote: credentials are not compared"),
        "{}",
        out.stderr
    );
    // A file that is not az JSON is the import error, before the spec is read.
    sb.write("bad.json", "{");
    let out = run_cli(&sb, &["plan", "spec.yaml", "--current", "bad.json"]);
    assert_ne!(out.code, 0);
    assert!(out.stderr.contains("bad.json"), "{}", out.stderr);
    // --teardown and --current exclude each other.
    let out = run_cli(
        &sb,
        &["plan", "spec.yaml", "--teardown", "--current", "bad.json"],
    );
    assert_eq!(out.code, 2, "{out:#?}");
}

fn json_of(out: &harness::Output) -> serde_json::Value {
    assert_eq!(out.code, 0, "{out:#?}");
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout))
}

/// Every step has exactly the documented keys and types.
fn check_shape(doc: &serde_json::Value, kind: &str) -> Vec<serde_json::Value> {
    let obj = doc.as_object().unwrap();
    let keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "deployment",
            "format",
            "notes",
            "plan",
            "spec",
            "steps",
            "warnings"
        ]
    );
    assert_eq!(doc["format"], 1);
    assert_eq!(doc["plan"], kind);
    assert!(
        doc["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|w| w.is_string())
    );
    assert!(
        doc["notes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|w| w.is_string())
    );
    let steps = doc["steps"].as_array().unwrap().clone();
    for (n, s) in steps.iter().enumerate() {
        let keys: Vec<&str> = s.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "action", "label", "name", "parent", "reasons", "step", "type"
            ]
        );
        assert_eq!(s["step"], n + 1);
        assert!(["create", "update", "delete"].contains(&s["action"].as_str().unwrap()));
        assert!(s["type"].as_str().unwrap().starts_with("Microsoft."));
        assert!(s["name"].is_string() || s["name"].is_null());
        assert!(
            s["parent"].is_null()
                || (s["parent"]["type"].is_string() && s["parent"]["name"].is_string())
        );
        for r in s["reasons"].as_array().unwrap() {
            assert!(r["why"].is_string());
            assert!(r["on"].as_array().unwrap().iter().all(|l| l.is_string()));
        }
    }
    steps
}

#[test]
fn json_plans_are_one_document_of_the_documented_shape() {
    let sb = Sandbox::new();
    let text = fs::read_to_string(root().join("specs/key-vault-first.yaml")).unwrap();
    sb.write("kv.yaml", &text);
    let model = foundrygen::check(&Source::new("kv.yaml", text.clone()))
        .unwrap()
        .model;
    for (args, kind, teardown) in [
        (vec!["plan", "kv.yaml", "--format", "json"], "create", false),
        (
            vec!["plan", "kv.yaml", "--teardown", "--format", "json"],
            "teardown",
            true,
        ),
    ] {
        let doc = json_of(&run_cli(&sb, &args));
        let steps = check_shape(&doc, kind);
        let order = if teardown {
            model.teardown()
        } else {
            model.plan.clone()
        };
        let labels: Vec<&str> = steps.iter().map(|s| s["label"].as_str().unwrap()).collect();
        let want: Vec<&str> = order
            .iter()
            .map(|&i| model.entity(i).label.as_str())
            .collect();
        assert_eq!(labels, want);
    }
    // The text plan is unchanged by the new flags.
    let out = run_cli(&sb, &["plan", "kv.yaml"]);
    assert_eq!(out.stdout, foundrygen::plan::describe(&model, false));

    // --current: the change, with its warnings and notes.
    let spec = base().replace("name: contoso-kv\n", "name: contoso-kv2\n");
    sb.write("spec.yaml", &spec);
    let files = copy_fixtures(&sb, DEPLOYED);
    let mut args = vec!["plan", "spec.yaml", "--format", "json", "--current"];
    args.extend(files.iter().map(String::as_str));
    let out = run_cli(&sb, &args);
    assert_eq!(out.stderr.matches("warning: ").count(), 0, "{}", out.stderr);
    let doc = json_of(&out);
    let steps = check_shape(&doc, "change");
    assert_eq!(steps.len(), 14);
    assert_eq!(steps[0]["action"], "delete");
    assert_eq!(steps[0]["name"], "docs");
    assert_eq!(
        steps[0]["parent"],
        serde_json::json!({"type": "Microsoft.CognitiveServices/accounts/projects", "name": "contoso-foundry/research"})
    );
    assert_eq!(steps[7]["action"], "create");
    assert_eq!(steps[7]["name"], "contoso-foundry-keyvault");
    assert_eq!(
        steps[7]["type"],
        "Microsoft.CognitiveServices/accounts/connections"
    );
    assert_eq!(doc["warnings"].as_array().unwrap().len(), 1);
    // Nothing to change: no steps.
    sb.write("same.yaml", &base());
    let mut args = vec!["plan", "same.yaml", "--format", "json", "--current"];
    args.extend(files.iter().map(String::as_str));
    let doc = json_of(&run_cli(&sb, &args));
    assert!(check_shape(&doc, "change").is_empty());
}

// ---------------------------------------------------------------------------------------------
// --script

/// A fake `az`: logs each call (`CALL\t<arg>…`), and for `--body @FILE` the body it read
/// (`BODY\t<json>`); answers principal look-ups with a GUID, provisioning states with
/// `Succeeded`, locations with `eastus2`, endpoints with a URL, and key actions with a key.
const FAKE_AZ: &str = r#"#!/usr/bin/env bash
set -euo pipefail
log=${FAKE_AZ_LOG:?}
{
  printf 'CALL'
  printf '\t%s' "$@"
  printf '\n'
} >>"$log"
for a in "$@"; do
  if [[ $a == @* ]]; then
    printf 'BODY\t%s\n' "$(cat "${a#@}")" >>"$log"
  fi
done
case "$*" in
  *"--query identity.principalId"*) echo 00000000-0000-4000-8000-000000000001 ;;
  *"--query properties.provisioningState"*) echo Succeeded ;;
  *"--query location"*) echo eastus2 ;;
  *"--query properties.endpoint"*) echo https://endpoint.example.com/ ;;
  "rest --method post "*) echo fake-key ;;
  "account show "*) echo 00000000-0000-0000-0000-0000000000cc ;;
esac
"#;

/// The waits need not wait here: a `sleep` that logs its argument.
const FAKE_SLEEP: &str = "#!/usr/bin/env bash\nprintf 'SLEEP\\t%s\\n' \"$1\" >>\"$FAKE_AZ_LOG\"\n";

/// The fake `az` and `sleep` of this file, first on PATH.
struct Fake(FakeTools);

impl Fake {
    fn new() -> Fake {
        Fake(FakeTools::new(
            "change.sh",
            &[("az", FAKE_AZ), ("sleep", FAKE_SLEEP)],
        ))
    }

    fn run(&self, script: &str, env: &[(&str, &str)], args: &[&str]) -> Output {
        self.0.run(script, env, args)
    }

    fn entries(&self) -> Vec<Vec<String>> {
        self.0.lines()
    }
}

/// The scenarios of this file, as (name, spec, files).
fn scenarios() -> Vec<(&'static str, String, Vec<&'static str>)> {
    vec![
        ("nothing", base(), DEPLOYED.to_vec()),
        (
            "add-vault",
            base().replace(
                "      access: existing  # the account's identity has its role or access policy already\n",
                "      wait_for_role: 60s\n",
            ),
            DEPLOYED_WITHOUT_VAULT.to_vec(),
        ),
        (
            "switch",
            agent_spec().replace("name: contoso-kv\n", "name: contoso-kv2\n"),
            agent_files(),
        ),
        (
            "remove",
            without_block(&base(), "    key_vault:\n", "    connections:\n"),
            DEPLOYED.to_vec(),
        ),
    ]
}

const SECRETS: &[(&str, &str)] = &[
    ("SECRET_insightsKey", "InstrumentationKey=abc;\"quoted\""),
    ("SECRET_partnerApiKey", "p4rtner'key"),
    ("SECRET_bingKey", "bing-key"),
    ("SECRET_warehouseClientSecret", "wh\\secret"),
];

#[test]
fn every_change_script_passes_shellcheck() {
    let shellcheck = shell::on_path("shellcheck").unwrap_or_else(shell::install_shellcheck);
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (name, spec, current) in scenarios() {
        let (model, change) = plan(&spec, &current);
        let file = dir.path().join(format!("{name}.sh"));
        fs::write(&file, current::script::script(&model, &change)).unwrap();
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

/// The id a step acts on, as the script must call it.
fn step_id(model: &Model, change: &Change, n: usize) -> String {
    match &change.steps[n].subject {
        Subject::Deployed(i) => change.deployed[*i].id(),
        Subject::Entity(id) => {
            let mut chain = vec![*id];
            while let Some(p) = model.entity(*chain.last().unwrap()).parent {
                chain.push(p);
            }
            chain.reverse();
            let a = &change.accounts[&model.entity(chain[0]).foundry.unwrap()];
            let mut s = format!(
                "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.CognitiveServices/accounts/{}",
                a.subscription, a.resource_group, a.name
            );
            for &c in &chain[1..] {
                let e = model.entity(c);
                s.push_str(&format!(
                    "/{}/{}",
                    e.resource_type.rsplit('/').next().unwrap(),
                    e.name_text()
                ));
            }
            s
        }
    }
}

#[test]
fn scripts_call_az_in_the_plans_order_with_secrets_only_in_bodies() {
    let fake = Fake::new();
    for (name, spec, current) in scenarios() {
        let (model, change) = plan(&spec, &current);
        let script = current::script::script(&model, &change);
        for (_, v) in SECRETS {
            assert!(!script.contains(v), "{name}: a secret in the script");
        }
        let out = fake.run(&script, SECRETS, &[]);
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let entries = fake.entries();
        // Every call that changes something, mapped to the step it makes.
        let mut made: Vec<(Action, String)> = Vec::new();
        let mut bodies: Vec<String> = Vec::new();
        for e in &entries {
            match (e[0].as_str(), e.get(1).map(String::as_str)) {
                ("BODY", _) => bodies.push(e[1].clone()),
                ("SLEEP", _) => made.push((Action::Create, format!("sleep {}", e[1]))),
                ("CALL", Some("resource")) if e[2] == "delete" => {
                    made.push((Action::Delete, e[4].clone()));
                }
                ("CALL", Some("rest")) if e[3] == "put" => {
                    let url = &e[5];
                    let id = url.split('?').next().unwrap().to_string();
                    assert!(e[7].starts_with('@'), "{name}: body not from a file: {e:?}");
                    made.push((Action::Create, id));
                }
                ("CALL", Some("role")) => {
                    let i = e.iter().position(|a| a == "--scope").unwrap();
                    made.push((Action::Create, format!("role on {}", e[i + 1])));
                }
                _ => {}
            }
            for (_, v) in SECRETS {
                assert!(
                    e[0] == "BODY" || !e.iter().any(|a| a.contains(v)),
                    "{name}: a secret on a command line: {e:?}"
                );
            }
        }
        let want: Vec<(Action, String)> = (0..change.steps.len())
            .map(|n| {
                let s = &change.steps[n];
                let e = match s.subject {
                    Subject::Entity(id) => Some(model.entity(id)),
                    Subject::Deployed(_) => None,
                };
                match (s.step.action, e.map(|e| e.kind)) {
                    (_, Some(foundrygen::model::Kind::Wait)) => (
                        Action::Create,
                        format!("sleep {}", e.and_then(|e| e.wait_seconds).unwrap()),
                    ),
                    (_, Some(foundrygen::model::Kind::RoleAssignment)) => (
                        Action::Create,
                        "role on /subscriptions/7d3a1e52-4b6c-4f0e-9a1d-2c5e8f3b6a10/resourceGroups/rg-shared/providers/Microsoft.KeyVault/vaults/contoso-kv".to_string(),
                    ),
                    (Action::Delete, _) => (Action::Delete, step_id(&model, &change, n)),
                    _ => (Action::Create, step_id(&model, &change, n)),
                }
            })
            .collect();
        assert_eq!(made, want, "{name}");
        // The bodies carry the secrets from the environment, JSON-escaped.
        if name != "nothing" {
            let all = bodies.join("\n");
            for (_, v) in SECRETS {
                let json = serde_json::to_string(v).unwrap();
                assert!(all.contains(&json), "{name}: {json} not in {all}");
            }
            for b in &bodies {
                let v: serde_json::Value =
                    serde_json::from_str(b).unwrap_or_else(|e| panic!("{name}: {e}: {b}"));
                assert!(v["properties"].is_object(), "{b}");
            }
        }

        // --dry-run makes no call and shows no secret; without the secrets the script stops.
        let out = fake.run(&script, &[], &["--dry-run"]);
        assert!(out.status.success(), "{name}");
        assert!(
            fake.entries().iter().all(|e| e[0] != "CALL"),
            "{name}: dry run called az"
        );
        // With the secrets given, a dry run still shows none of them.
        let out = fake.run(&script, SECRETS, &["--dry-run"]);
        assert!(out.status.success(), "{name}");
        let shown = String::from_utf8_lossy(&out.stdout);
        for (_, v) in SECRETS {
            assert!(
                !shown.contains(v),
                "{name}: the dry run shows a secret:\n{shown}"
            );
        }
        if name != "nothing" {
            let out = fake.run(&script, &[], &[]);
            assert_eq!(out.status.code(), Some(2), "{name}");
            assert!(
                String::from_utf8_lossy(&out.stderr).contains("SECRET_bingKey"),
                "{name}"
            );
            assert!(fake.entries().is_empty(), "{name}: ran without its secrets");
        }
    }
}

/// One connection in two files with different properties: which one is deployed cannot be
/// guessed (the plan would follow the order of the files), so it is an error naming both files,
/// for `plan --current` as for `render --adopt`.
#[test]
fn a_connection_given_twice_differently_is_an_error() {
    let sb = Sandbox::new();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let conns = fs::read_to_string(root.join("tests/import/connections.json")).unwrap();
    sb.write("a.json", &conns);
    sb.write(
        "b.json",
        &conns.replacen("\"authType\": \"AAD\"", "\"authType\": \"ApiKey\"", 1),
    );
    sb.write("spec.yaml", &base());
    for args in [
        vec!["plan", "spec.yaml", "--current", "a.json", "b.json"],
        vec![
            "render",
            "spec.yaml",
            "-o",
            "out",
            "--adopt",
            "a.json",
            "b.json",
        ],
    ] {
        let out = sb.run(&args);
        assert_eq!(out.code, 1, "{args:?}: {out:?}");
        assert!(
            out.stderr.starts_with("error: b.json: connection `search` of `contoso-foundry` is also in `a.json`, with other properties"),
            "{args:?}: {}",
            out.stderr
        );
        assert!(!sb.exists("out"), "nothing written");
    }
}

/// The new Key Vault connection states, as data, that it comes after the deletes that make room
/// for it (a script reading `--format json` needs no step numbers for that).
#[test]
fn the_new_key_vault_connection_names_the_deletes_it_waits_for() {
    let spec = base().replace("name: contoso-kv\n", "name: contoso-kv2\n");
    let (_, change) = plan(&spec, DEPLOYED);
    let deletes: Vec<String> = change
        .steps
        .iter()
        .filter(|s| s.step.action == Action::Delete)
        .map(|s| s.step.label.clone())
        .collect();
    let create = change
        .steps
        .iter()
        .find(|s| s.step.action == Action::Create && s.step.label == KV)
        .expect("the new Key Vault connection");
    let reason = create
        .step
        .reasons
        .iter()
        .find(|r| {
            r.why
                .contains("only on an account without other connections")
        })
        .expect("the reason it waits");
    assert_eq!(reason.on, deletes);
}
