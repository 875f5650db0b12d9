//! `foundrygen import` (issue "Change what is deployed safely"): the `az` JSON under
//! `tests/import/` (written from the documented response shapes of `az cognitiveservices account
//! show`, `… account connection list`, `… account project connection list`, the project list and
//! `… account deployment list`) becomes a spec that validates, and rendering that spec reproduces
//! every imported connection: level, name, category, auth type, sharing, the target as the spec
//! states it (the resource id or the URL), and the metadata foundrygen does not write itself. The
//! Key Vault connection becomes `key_vault:` with `access: existing`, so nothing is granted on the
//! vault. Bad and unrecognised files are errors naming the file (and line and column for bad
//! JSON), and nothing is written then.

#[path = "support/cli_harness.rs"]
mod harness;

use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;

use foundrygen::render::Target;
use foundrygen::{Source, generate, import};
use harness::Sandbox;
use serde_json::Value;

const FIXTURES: &[&str] = &[
    "account.json",
    "connections.json",
    "project-connections.json",
    "projects.json",
    "deployments.json",
];

fn fixture(name: &str) -> (String, String) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/import")
        .join(name);
    (
        format!("tests/import/{name}"),
        fs::read_to_string(&path).unwrap(),
    )
}

/// One connection as Azure has it (from the fixtures) or as the rendered ARM template writes it:
/// (project, name) → (category, auth type, shared, target as stated, extra metadata).
type Connections =
    BTreeMap<(Option<String>, String), (String, String, bool, String, Vec<(String, String)>)>;

/// What foundrygen writes itself in a resource target's metadata.
const OWN_METADATA: &[&str] = &["ApiType", "ResourceId", "location"];

/// The connections of the fixtures, read here with serde_json, not with the importer.
fn deployed() -> Connections {
    let mut out = Connections::new();
    for f in ["connections.json", "project-connections.json"] {
        let v: Value = serde_json::from_str(&fixture(f).1).unwrap();
        let list = v.get("value").unwrap_or(&v).as_array().unwrap().clone();
        for c in list {
            let id = c["id"].as_str().unwrap();
            let parts: Vec<&str> = id.split('/').collect();
            let project = parts
                .iter()
                .position(|p| *p == "projects")
                .map(|i| parts[i + 1].to_string());
            let p = &c["properties"];
            let meta = p["metadata"].as_object().cloned().unwrap_or_default();
            let target = match meta.get("ResourceId") {
                Some(id) => id.as_str().unwrap().to_ascii_lowercase(),
                None => p["target"].as_str().unwrap().to_string(),
            };
            let extra = meta
                .iter()
                .filter(|(k, _)| !OWN_METADATA.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                .collect();
            out.insert(
                (project, c["name"].as_str().unwrap().to_string()),
                (
                    p["category"].as_str().unwrap().to_string(),
                    p["authType"].as_str().unwrap().to_string(),
                    p["isSharedToAll"].as_bool().unwrap(),
                    target,
                    extra,
                ),
            );
        }
    }
    out
}

/// `[resourceId(['<sub>', '<rg>',] '<type>', '<name>')]` as the id it stands for, in the scope
/// `(sub, rg)` of the template it is in.
fn resource_id_of(expr: &str, (sub, rg): (&str, &str)) -> String {
    let inner = expr
        .strip_prefix("[resourceId(")
        .and_then(|s| s.strip_suffix(")]"))
        .unwrap_or_else(|| panic!("not a resourceId() expression: {expr}"));
    let args: Vec<&str> = inner.split(", ").map(|a| a.trim_matches('\'')).collect();
    let (sub, rg, ty, name) = match args[..] {
        [sub, rg, ty, name] => (sub, rg, ty, name),
        [rg, ty, name] => (sub, rg, ty, name),
        [ty, name] => (sub, rg, ty, name),
        _ => panic!("resourceId() with {} arguments: {expr}", args.len()),
    };
    format!("/subscriptions/{sub}/resourceGroups/{rg}/providers/{ty}/{name}").to_ascii_lowercase()
}

/// Every resource of an ARM template, nested deployments' included, with the subscription and
/// resource group of the template that holds it (`None`: the deployment's).
fn arm_resources(doc: &Value) -> Vec<(Value, Option<(String, String)>)> {
    let mut out = Vec::new();
    for r in doc["resources"].as_array().unwrap() {
        if r["type"] == "Microsoft.Resources/deployments" {
            let scope = (
                r["subscriptionId"].as_str().unwrap().to_string(),
                r["resourceGroup"].as_str().unwrap().to_string(),
            );
            for (inner, _) in arm_resources(&r["properties"]["template"]) {
                out.push((inner, Some(scope.clone())));
            }
        } else {
            out.push((r.clone(), None));
        }
    }
    out
}

/// The connections of the rendered ARM template.
fn rendered(doc: &Value) -> Connections {
    let mut out = Connections::new();
    for (r, scope) in arm_resources(doc) {
        let scope = scope.expect("an existing account's connections are in its nested deployment");
        let ty = r["type"].as_str().unwrap();
        if !ty.ends_with("/connections") {
            continue;
        }
        let name = r["name"].as_str().unwrap();
        let parts: Vec<&str> = name.split('/').collect();
        let (project, conn) = match parts[..] {
            [_, c] => (None, c),
            [_, p, c] => (Some(p.to_string()), c),
            _ => panic!("connection name {name}"),
        };
        let p = &r["properties"];
        let meta = p["metadata"].as_object().cloned().unwrap_or_default();
        let target = match meta.get("ResourceId") {
            Some(e) => resource_id_of(e.as_str().unwrap(), (&scope.0, &scope.1)),
            None => p["target"].as_str().unwrap().to_string(),
        };
        let extra = meta
            .iter()
            .filter(|(k, _)| !OWN_METADATA.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
            .collect();
        out.insert(
            (project, conn.to_string()),
            (
                p["category"].as_str().unwrap().to_string(),
                p["authType"].as_str().unwrap().to_string(),
                p["isSharedToAll"].as_bool().unwrap(),
                target,
                extra,
            ),
        );
    }
    out
}

#[test]
fn rendering_the_imported_spec_reproduces_every_connection() {
    let files: Vec<(String, String)> = FIXTURES.iter().map(|f| fixture(f)).collect();
    let imported = import::import(&files).expect("the fixtures import");
    let g = generate(
        &Source::new("imported.yaml", &imported.text),
        &[Target::Arm],
    )
    .unwrap_or_else(|e| panic!("{e}\n{}", imported.text));
    let doc: Value = serde_json::from_str(&g.output.files["arm/azuredeploy.json"]).unwrap();
    assert_eq!(rendered(&doc), deployed(), "{}", imported.text);

    // `access: existing`: nothing is granted on the vault.
    let types: Vec<String> = arm_resources(&doc)
        .iter()
        .map(|(r, _)| r["type"].as_str().unwrap().to_string())
        .collect();
    assert!(
        !types
            .iter()
            .any(|t| t.ends_with("roleAssignments") || t.ends_with("accessPolicies")),
        "{types:?}"
    );
    // The account, its project and its model deployment are referenced or updated, not created.
    assert!(
        !types
            .iter()
            .any(|t| t == "Microsoft.CognitiveServices/accounts"
                || t == "Microsoft.CognitiveServices/accounts/projects")
    );
    assert!(
        types
            .iter()
            .any(|t| t == "Microsoft.CognitiveServices/accounts/deployments")
    );

    // Every secret the spec names is a secure parameter of the template, and is listed.
    let params = doc["parameters"].as_object().unwrap();
    let listed: Vec<&str> = imported
        .secrets
        .iter()
        .map(|s| s.split(':').next().unwrap())
        .collect();
    assert_eq!(
        listed,
        [
            "insightsKey",
            "partnerApiKey",
            "bingKey",
            "warehouseClientSecret"
        ]
    );
    for name in &listed {
        assert_eq!(params[*name]["type"], "securestring", "{name}");
        assert!(params[*name].get("defaultValue").is_none(), "{name}");
    }
}

/// The same files in another order, or one list split in two files, give the same spec but for
/// the file list in its first comment lines.
#[test]
fn files_are_recognised_by_content_not_by_name_or_order() {
    let body = |files: Vec<(String, String)>| {
        let text = import::import(&files).unwrap().text;
        text.lines()
            .skip_while(|l| l.starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let mut files: Vec<(String, String)> = FIXTURES.iter().map(|f| fixture(f)).collect();
    let forward = body(files.clone());
    files.reverse();
    let renamed: Vec<(String, String)> = files
        .into_iter()
        .enumerate()
        .map(|(i, (_, t))| (format!("out-{i}.txt"), t))
        .collect();
    // Reversed, the project list comes before the connections that name the same project.
    assert_eq!(body(renamed), forward);
}

#[test]
fn connections_alone_import_with_what_is_missing_said() {
    let imported = import::import(&[fixture("project-connections.json")]).unwrap();
    foundrygen::check(&Source::new("i.yaml", &imported.text)).unwrap();
    assert!(
        imported
            .unrecovered
            .iter()
            .any(|u| u.starts_with("`location`")),
        "{:?}",
        imported.unrecovered
    );
    // The project comes from the connections' ids.
    let spec: Value = serde_json::to_value(
        foundrygen::check(&Source::new("i.yaml", &imported.text))
            .unwrap()
            .model
            .entities
            .iter()
            .filter(|e| e.kind == foundrygen::model::Kind::Project)
            .map(|e| e.name_text().to_string())
            .collect::<Vec<_>>(),
    )
    .unwrap();
    assert_eq!(spec, serde_json::json!(["research"]));
}

#[test]
fn bad_json_is_an_error_with_file_line_and_column_and_nothing_is_written() {
    let sb = Sandbox::new();
    let (_, good) = fixture("connections.json");
    sb.write("connections.json", &good);
    sb.write("broken.json", "[\n  { \"id\": \"x\",\n}\n]\n");
    let out = sb.run(&[
        "import",
        "connections.json",
        "broken.json",
        "-o",
        "spec.yaml",
    ]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(out.stdout, "");
    let first = out.stderr.lines().next().unwrap();
    assert!(
        first.starts_with("error: broken.json:3:1: invalid JSON: "),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .ends_with("error: nothing was imported or written\n"),
        "{}",
        out.stderr
    );
    assert!(!sb.exists("spec.yaml"));
}

#[test]
fn unrecognised_files_are_errors_naming_the_file_and_the_item() {
    let sb = Sandbox::new();
    sb.write(
        "search.json",
        r#"{"value": [{"id": "/subscriptions/7d3a1e52-4b6c-4f0e-9a1d-2c5e8f3b6a10/resourceGroups/rg/providers/Microsoft.Search/searchServices/s", "name": "s", "type": "Microsoft.Search/searchServices"}]}"#,
    );
    sb.write("notes.json", r#""just a string""#);
    let out = sb.run(&["import", "search.json", "notes.json"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(out.stdout, "", "nothing is printed as a spec");
    let errors: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    assert_eq!(
        errors,
        [
            "error: search.json: `$.value[0]`: a `Microsoft.Search/searchServices`, which import does not read",
            "error: notes.json: not an `az` resource output: the file holds neither an object nor a list",
            "error: nothing was imported or written",
        ],
        "{}",
        out.stderr
    );
}

#[test]
fn the_spec_is_written_once_with_secrets_and_placeholders_listed() {
    let sb = Sandbox::new();
    let mut args = vec!["import".to_string()];
    for f in FIXTURES {
        sb.write(f, &fixture(f).1);
        args.push(f.to_string());
    }
    args.extend(["-o".into(), "brownfield.yaml".into()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = sb.run(&args);
    assert_eq!(out.code, 0, "{out:?}");
    let text = sb.read("brownfield.yaml");
    // The comment at the top and stderr list the same secrets and placeholders.
    let header: Vec<&str> = text.lines().take_while(|l| l.starts_with('#')).collect();
    for secret in [
        "insightsKey",
        "partnerApiKey",
        "bingKey",
        "warehouseClientSecret",
    ] {
        assert!(
            header
                .iter()
                .any(|l| l.starts_with(&format!("#   {secret}: "))),
            "{text}"
        );
        assert!(
            out.stderr
                .lines()
                .any(|l| l.starts_with(&format!("  {secret}: "))),
            "{}",
            out.stderr
        );
    }
    assert!(
        header.iter().any(|l| l.contains("REPLACE-ME-key-name")),
        "{text}"
    );
    // It validates (exit 0 from validate), and a second import never overwrites it.
    assert_eq!(sb.run(&["validate", "brownfield.yaml"]).code, 0);
    let again = sb.run(&args);
    assert_eq!(again.code, 3, "{again:?}");
    assert_eq!(sb.read("brownfield.yaml"), text);
}

/// What rendering could not give back is never guessed: a target that is neither the resource's
/// id nor its endpoint stays the deployed URL (with its `ResourceId` metadata), and what the spec
/// has no key for is listed as not recovered instead of silently reset; a user-assigned identity
/// is written out.
#[test]
fn what_the_spec_cannot_restate_stays_as_deployed_or_is_listed() {
    const A: &str = "/subscriptions/7d3a1e52-4b6c-4f0e-9a1d-2c5e8f3b6a10/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts/acc";
    const DATA: &str =
        "/subscriptions/7d3a1e52-4b6c-4f0e-9a1d-2c5e8f3b6a10/resourceGroups/rg-data/providers";
    let account = format!(
        r#"{{"id": "{A}", "name": "acc", "type": "Microsoft.CognitiveServices/accounts", "kind": "AIServices", "location": "eastus2",
            "identity": {{"type": "UserAssigned", "userAssignedIdentities": {{"/subscriptions/7d3a1e52-4b6c-4f0e-9a1d-2c5e8f3b6a10/resourceGroups/rg-id/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-acc": {{"principalId": "p", "clientId": "c"}}}}}}}}"#
    );
    let conn = |name: &str, props: &str| {
        format!(
            r#"{{"id": "{A}/connections/{name}", "name": "{name}", "type": "Microsoft.CognitiveServices/accounts/connections", "properties": {props}}}"#
        )
    };
    let connections = format!(
        "[{}, {}, {}, {}]",
        conn(
            "vault",
            &format!(
                r#"{{"category": "AzureKeyVault", "authType": "AccountManagedIdentity", "isSharedToAll": false, "target": "{DATA}/Microsoft.KeyVault/vaults/kv-acc", "metadata": {{"ApiType": "Azure", "ResourceId": "{DATA}/Microsoft.KeyVault/vaults/kv-acc", "extra": "keep-me"}}}}"#
            )
        ),
        conn(
            "search-custom",
            &format!(
                r#"{{"category": "CognitiveSearch", "authType": "AAD", "isSharedToAll": true, "target": "https://search.contoso.internal/", "metadata": {{"ApiType": "Azure", "ResourceId": "{DATA}/Microsoft.Search/searchServices/fab-search"}}}}"#
            )
        ),
        conn(
            "search",
            &format!(
                r#"{{"category": "CognitiveSearch", "authType": "AAD", "isSharedToAll": true, "target": "https://fab-search.search.windows.net", "metadata": {{"ApiType": "Azure", "ResourceId": "{DATA}/Microsoft.Search/searchServices/fab-search"}}}}"#
            )
        ),
        conn(
            "expiring",
            r#"{"category": "ApiKey", "authType": "ApiKey", "isSharedToAll": true, "target": "https://api.example.com/", "expiryTime": "2027-01-01T00:00:00Z", "group": "ServicesAndApps"}"#
        ),
    );
    let deployments = format!(
        r#"[{{"id": "{A}/deployments/emb", "name": "emb", "type": "Microsoft.CognitiveServices/accounts/deployments", "sku": {{"name": "Standard"}}, "properties": {{"model": {{"name": "text-embedding-3-small", "format": "OpenAI"}}, "spilloverDeploymentName": "emb-2", "provisioningState": "Succeeded"}}}}]"#
    );
    let imported = import::import(&[
        ("account.json".into(), account),
        ("connections.json".into(), connections),
        ("deployments.json".into(), deployments),
    ])
    .unwrap();
    let g = generate(
        &Source::new("imported.yaml", &imported.text),
        &[Target::Arm],
    )
    .unwrap_or_else(|e| panic!("{e}\n{}", imported.text));
    let doc: Value = serde_json::from_str(&g.output.files["arm/azuredeploy.json"]).unwrap();
    let by_name: BTreeMap<String, Value> = arm_resources(&doc)
        .into_iter()
        .map(|(r, _)| (r["name"].as_str().unwrap().to_string(), r))
        .collect();
    // The custom URL is kept, with the metadata that names the resource; the endpoint one is a
    // resource target again.
    let custom = &by_name["acc/search-custom"]["properties"];
    assert_eq!(custom["target"], "https://search.contoso.internal/");
    assert!(
        custom["metadata"]["ResourceId"]
            .as_str()
            .unwrap()
            .ends_with("/Microsoft.Search/searchServices/fab-search")
    );
    let plain = &by_name["acc/search"]["properties"];
    assert!(
        plain["target"].as_str().unwrap().starts_with("[reference("),
        "{plain}"
    );
    // Each thing the spec cannot restate is listed, once.
    let listed = |needle: &str| {
        imported
            .unrecovered
            .iter()
            .filter(|u| u.contains(needle))
            .count()
    };
    assert_eq!(
        listed("not shared to all projects"),
        1,
        "{:?}",
        imported.unrecovered
    );
    assert_eq!(listed("metadata `extra`"), 1, "{:?}", imported.unrecovered);
    assert_eq!(
        listed("`expiryTime` of connection `expiring`"),
        1,
        "{:?}",
        imported.unrecovered
    );
    assert_eq!(
        listed("`spilloverDeploymentName` of model deployment `emb`"),
        1
    );
    assert_eq!(listed("capacity of model deployment `emb`"), 1);
    assert_eq!(listed("`group`"), 0, "read-only properties are not news");
    assert_eq!(listed("`provisioningState`"), 0);
    // The account's user-assigned identity is the spec's.
    let acc = foundrygen::check(&Source::new("i.yaml", &imported.text))
        .unwrap()
        .model;
    assert!(
        acc.entities
            .iter()
            .any(|e| e.kind == foundrygen::model::Kind::Identity && e.name_text() == "id-acc"),
        "{}",
        imported.text
    );
}

/// Every placeholder import writes is a warning (FG086) where it stands, so `--deny-warnings`
/// stops a CI that would deploy it over the working value.
#[test]
fn placeholders_are_warnings_until_replaced() {
    let files: Vec<(String, String)> = FIXTURES.iter().map(|f| fixture(f)).collect();
    let imported = import::import(&files).unwrap();
    let checked = foundrygen::check(&Source::new("i.yaml", &imported.text)).unwrap();
    let mut at: Vec<String> = checked
        .warnings
        .iter()
        .filter(|d| d.code.to_string() == "FG086")
        .map(|d| d.path.to_string())
        .collect();
    at.sort();
    assert_eq!(
        at,
        [
            "foundries[0].connections[2].auth.keys",
            "foundries[0].connections[5].auth.client_id",
            "foundries[0].connections[5].auth.tenant_id",
        ],
        "{}",
        imported.text
    );
    // Replaced, they are gone.
    let fixed = imported
        .text
        .replace("REPLACE-ME-key-name", "x-api-key")
        .replace(
            "client_id: \"00000000-0000-0000-0000-000000000000\"",
            "client_id: \"5d0c3b1e-2a4f-4c6d-8e9f-0a1b2c3d4e5f\"",
        )
        .replace(
            "tenant_id: \"00000000-0000-0000-0000-000000000000\"",
            "tenant_id: \"72f988bf-86f1-41af-91ab-2d7cd011db47\"",
        );
    let checked = foundrygen::check(&Source::new("i.yaml", &fixed)).unwrap();
    assert!(
        checked
            .warnings
            .iter()
            .all(|d| d.code.to_string() != "FG086"),
        "{fixed}"
    );
}

/// One connection in two files with different content: the first is taken, and that is said.
#[test]
fn a_connection_given_twice_differently_is_said() {
    let (_, conns) = fixture("connections.json");
    let changed = conns.replace(
        "https://api.bing.microsoft.com/",
        "https://api.bing.example/",
    );
    let imported = import::import(&[
        ("a.json".into(), conns.clone()),
        ("b.json".into(), conns),
        ("c.json".into(), changed),
    ])
    .unwrap();
    let twice: Vec<&String> = imported
        .unrecovered
        .iter()
        .filter(|u| u.contains("twice"))
        .collect();
    assert_eq!(twice.len(), 1, "{:?}", imported.unrecovered);
    assert!(
        twice[0].starts_with("connection `bing` of `contoso-foundry`"),
        "{twice:?}"
    );
    assert!(imported.text.contains("https://api.bing.microsoft.com/"));
}
