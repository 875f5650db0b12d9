//! The JSON Schema of spec version 1 (`foundrygen::schema`): every reference spec and every valid
//! case validates against it; it refuses what structural validation refuses (unknown keys, wrong enum
//! values, missing keys, a literal secret); and it has the same keys, with the same required-ness
//! and shapes, as the shape table `validate::structure::SPEC`, so the two descriptions cannot drift.
//! Specs are converted with `schema::to_json` from the library's own YAML tree.

#[path = "support/specs.rs"]
mod specs;

use foundrygen::Source;
use foundrygen::catalog::{self, RoleLookup};
use foundrygen::schema::{schema, schema_text, to_json};
use foundrygen::spec::load::parse_tree;
use foundrygen::validate::structure::{Field, Known, SECRET_FIELDS, SPEC, Shape};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// `specs/*.yaml` and every valid case's `spec.yaml`, as (name, text).
fn all_specs() -> Vec<(String, String)> {
    specs::valid_specs()
}

fn json_of(name: &str, text: &str) -> Value {
    let (root, _) = parse_tree(&Source::new(name, text))
        .unwrap_or_else(|d| panic!("`{name}` does not parse: {d:?}"));
    to_json(&root)
}

fn validator() -> jsonschema::Validator {
    jsonschema::validator_for(&schema()).expect("the schema compiles")
}

/// The schema's errors for `instance`, one line each.
fn errors(v: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    v.iter_errors(instance)
        .map(|e| format!("at `{}`: {e}", e.instance_path()))
        .collect()
}

#[test]
fn the_schema_is_draft_2020_12_with_an_id_and_stable_text() {
    let s = schema();
    assert_eq!(s["$schema"], "https://json-schema.org/draft/2020-12/schema");
    assert_eq!(s["$id"], foundrygen::schema::SCHEMA_ID);
    assert!(s["title"].as_str().is_some_and(|t| t.contains("version 1")));
    assert!(s["description"].is_string());
    jsonschema::meta::validate(&s).expect("the schema is a valid JSON Schema");
    let text = schema_text();
    assert!(text.ends_with("}\n") && !text.ends_with("\n\n"));
    assert_eq!(text, schema_text(), "two runs differ");
    assert_eq!(
        serde_json::from_str::<Value>(&text).expect("JSON"),
        s,
        "the text is not the schema"
    );
}

#[test]
fn every_spec_and_valid_case_validates() {
    let v = validator();
    let mut failures = Vec::new();
    for (name, text) in all_specs() {
        let errs = errors(&v, &json_of(&name, &text));
        if !errs.is_empty() {
            failures.push(format!("{name}:\n  {}", errs.join("\n  ")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

const BASE: &str = "\
version: 1
name: demo
location: eastus2
tags: { env: dev }
foundries:
  - name: demo-foundry
    identity: system_assigned
    deployments:
      - name: gpt-4o
        model: { name: gpt-4o, version: '2024-11-20' }
        sku: { name: GlobalStandard, capacity: 50 }
        version_upgrade: NoAutoUpgrade
    projects:
      - name: research
    key_vault:
      name: demo-kv
      permission_model: access_policies
      secret_permissions: [get, list, set, delete]
    connections:
      - name: search
        category: CognitiveSearch
        target:
          resource: { type: Microsoft.Search/searchServices, name: demo-search }
        auth:
          type: ApiKey
          key: { from_target: true }
        metadata: { ApiVersion: '2024-05-01-preview' }
      - name: web
        project: research
        category: CustomKeys
        target: { url: 'https://api.example.com/' }
        auth:
          type: CustomKeys
          keys: { a: { secret: aKey }, b: { secret: bKey } }
";

/// `BASE` with `from` replaced by `to` (which must occur exactly once).
fn mutated(from: &str, to: &str) -> String {
    assert_eq!(BASE.matches(from).count(), 1, "`{from}` is not unique");
    BASE.replace(from, to)
}

#[test]
fn the_base_spec_is_valid_for_both() {
    assert_eq!(
        errors(&validator(), &json_of("base", BASE)),
        Vec::<String>::new()
    );
    foundrygen::check(&Source::new("base.yaml", BASE)).expect("validation accepts the base spec");
}

#[test]
fn refuses_what_structural_validation_refuses() {
    let v = validator();
    let cases = [
        (
            "unknown top-level key",
            mutated("location: eastus2\n", "location: eastus2\nregion: x\n"),
        ),
        (
            "unknown key in a connection",
            mutated(
                "        category: CognitiveSearch\n",
                "        category: CognitiveSearch\n        categry: x\n",
            ),
        ),
        (
            "unknown key in a target resource",
            mutated("name: demo-search }", "name: demo-search, kind: x }"),
        ),
        (
            "unknown key in a credential",
            mutated("{ secret: aKey }", "{ secret: aKey, note: x }"),
        ),
        (
            "wrong enum value",
            mutated("identity: system_assigned", "identity: system"),
        ),
        (
            "wrong nested enum value",
            mutated("[get, list, set, delete]", "[get, list, set, dlete]"),
        ),
        (
            "missing required top-level key",
            mutated("location: eastus2\n", ""),
        ),
        (
            "missing required key in a connection",
            mutated("        category: CognitiveSearch\n", ""),
        ),
        ("missing auth type", mutated("          type: ApiKey\n", "")),
        (
            "plain string in auth.key",
            mutated("{ from_target: true }", "hunter2"),
        ),
        (
            "plain string in auth.keys",
            mutated("{ secret: bKey }", "hunter2"),
        ),
        (
            "from_target: false",
            mutated("{ from_target: true }", "{ from_target: false }"),
        ),
        (
            "secret and from_target",
            mutated("{ from_target: true }", "{ secret: b, from_target: true }"),
        ),
        ("empty credential", mutated("{ from_target: true }", "{}")),
        ("version 2", mutated("version: 1", "version: 2")),
        ("version as a string", mutated("version: 1", "version: '1'")),
        (
            "null optional key",
            mutated("    identity: system_assigned\n", "    identity:\n"),
        ),
        (
            "number where a string belongs",
            mutated("name: demo\n", "name: 12\n"),
        ),
        ("non-string tag", mutated("{ env: dev }", "{ env: 3 }")),
        (
            "non-string metadata",
            mutated("'2024-05-01-preview'", "2024"),
        ),
        (
            "two targets",
            mutated(
                "{ url: 'https://api.example.com/' }",
                "{ url: 'https://a.example/', resource_id: x }",
            ),
        ),
        (
            "no target",
            mutated("{ url: 'https://api.example.com/' }", "{}"),
        ),
        (
            "unknown model deployment SKU",
            mutated("name: GlobalStandard,", "name: Global,"),
        ),
        (
            "model deployment capacity 0",
            mutated("capacity: 50", "capacity: 0"),
        ),
        (
            "unknown version upgrade option",
            mutated("NoAutoUpgrade", "Never"),
        ),
        (
            "model deployment without a SKU",
            mutated("        sku: { name: GlobalStandard, capacity: 50 }\n", ""),
        ),
    ];
    let mut failures = Vec::new();
    for (what, text) in cases {
        if errors(&v, &json_of(what, &text)).is_empty() {
            failures.push(format!("the schema accepts {what}"));
        }
        // The schema promises nothing validation does not: each of these is an error there too.
        if foundrygen::check(&Source::new("case.yaml", text.as_str())).is_ok() {
            failures.push(format!("validation accepts {what}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn to_json_keeps_types_and_order() {
    let j = json_of(
        "t",
        "b: 1\na: [true, ~, 1.5, '2', x]\nc: { d: .inf }\n3: y\n",
    );
    assert_eq!(
        j,
        json!({ "b": 1, "a": [true, null, 1.5, "2", "x"], "c": { "d": null }, "3": "y" })
    );
}

// The shape table and the schema agree.

/// Follows a `$ref` to `#/$defs/NAME`, keeping sibling keywords out of the way.
fn resolve<'a>(root: &'a Value, s: &'a Value) -> &'a Value {
    match s.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.strip_prefix("#/$defs/").expect("a local $ref");
            resolve(root, &root["$defs"][name])
        }
        None => s,
    }
}

/// The allowed values of an enum schema: `enum`, or `oneOf`/`anyOf` of `const`s.
fn enum_values(s: &Value) -> Option<BTreeSet<String>> {
    if let Some(vals) = s.get("enum").and_then(Value::as_array) {
        return vals.iter().map(|v| v.as_str().map(str::to_owned)).collect();
    }
    let alts = s
        .get("oneOf")
        .or_else(|| s.get("anyOf"))
        .and_then(Value::as_array)?;
    alts.iter()
        .map(|a| a.get("const").and_then(Value::as_str).map(str::to_owned))
        .collect()
}

fn is_type(s: &Value, t: &str) -> bool {
    s.get("type") == Some(&json!(t))
}

fn compare(root: &Value, schema: &Value, shape: &Shape, at: &str, out: &mut Vec<String>) {
    let s = resolve(root, schema);
    let mut fail = |what: String| out.push(format!("`{at}`: {what}"));
    match shape {
        Shape::Str | Shape::Bool | Shape::Int => {
            let t = match shape {
                Shape::Str => "string",
                Shape::Bool => "boolean",
                _ => "integer",
            };
            // A value the rules (not the shape table) bound to a set carries that set, from the
            // validator's own table; any other enum would be a promise validation does not keep.
            let bound = match at {
                "resources[].partitions" => Some(json!(catalog::SEARCH_PARTITIONS)),
                "resources[].kind" => Some(json!(catalog::ACCOUNT_KINDS)),
                _ => None,
            };
            if !is_type(s, t) || s.get("enum") != bound.as_ref() {
                fail(format!("the table says {t}, the schema {s}"));
            }
        }
        Shape::Enum(allowed) => {
            let want: BTreeSet<String> = allowed.iter().map(|a| a.to_string()).collect();
            match enum_values(s) {
                Some(got) if got == want => {}
                got => fail(format!("the table allows {want:?}, the schema {got:?}")),
            }
        }
        Shape::StrMap => {
            let values = s.get("additionalProperties").map(|v| resolve(root, v));
            if !is_type(s, "object") || !values.is_some_and(|v| is_type(v, "string")) {
                fail(format!("the table says a string map, the schema {s}"));
            }
        }
        Shape::MapOf(inner) => match s.get("additionalProperties") {
            Some(v) if is_type(s, "object") && v.is_object() => {
                compare(root, v, inner, &format!("{at}.*"), out)
            }
            _ => fail(format!("the table says a map, the schema {s}")),
        },
        Shape::Seq(inner) => match s.get("items") {
            Some(items) if is_type(s, "array") => {
                compare(root, items, inner, &format!("{at}[]"), out)
            }
            _ => fail(format!("the table says a sequence, the schema {s}")),
        },
        Shape::Obj(fields) => compare_obj(root, s, fields, at, out),
        Shape::Known(known) => {
            for problem in known_agrees(s, *known) {
                fail(problem);
            }
        }
        Shape::Credential => {
            // The two object forms, and nothing else: no plain string.
            let alts = s
                .get("anyOf")
                .or_else(|| s.get("oneOf"))
                .and_then(Value::as_array);
            let forms: Vec<_> = alts
                .into_iter()
                .flatten()
                .map(|a| {
                    let a = resolve(root, a);
                    let props: BTreeSet<_> = a["properties"]
                        .as_object()
                        .map(|p| p.keys().cloned().collect())
                        .unwrap_or_default();
                    (
                        a["type"].clone(),
                        a["additionalProperties"].clone(),
                        props,
                        a["required"].clone(),
                    )
                })
                .collect();
            let want = vec![
                (
                    json!("object"),
                    json!(false),
                    BTreeSet::from(["secret".to_string()]),
                    json!(["secret"]),
                ),
                (
                    json!("object"),
                    json!(false),
                    BTreeSet::from(["from_target".to_string()]),
                    json!(["from_target"]),
                ),
            ];
            if forms != want || s.get("type").is_some() {
                fail(format!(
                    "a credential is `{{ secret }}` or `{{ from_target }}`, the schema {s}"
                ));
            }
        }
    }
}

/// The strings of an `enum`, when the schema is a string `enum`.
fn string_enum(s: &Value) -> Option<BTreeSet<String>> {
    if !is_type(s, "string") {
        return None;
    }
    s.get("enum")?
        .as_array()?
        .iter()
        .map(|v| v.as_str().map(str::to_owned))
        .collect()
}

/// What the schema offers for a `Shape::Known` string, against the validator's own tables and
/// lookups (not `Known::names`, which the schema is generated from), so the two cannot drift.
fn known_agrees(s: &Value, known: Known) -> Vec<String> {
    let mut out = Vec::new();
    let set = |items: &mut dyn Iterator<Item = &str>| -> BTreeSet<String> {
        items.map(str::to_owned).collect()
    };
    match known {
        Known::Category => {
            let Some(got) = string_enum(s) else {
                return vec![format!("a category is a string enum, the schema {s}")];
            };
            // Every published literal, and `CosmosDB`, which validation takes as `CosmosDb`.
            let mut want = set(&mut catalog::CATEGORIES.iter().copied());
            want.insert("CosmosDB".into());
            if got != want {
                out.push(format!(
                    "categories differ from `catalog::CATEGORIES` + CosmosDB: only in the schema {:?}, only in the table {:?}",
                    got.difference(&want).collect::<Vec<_>>(),
                    want.difference(&got).collect::<Vec<_>>()
                ));
            }
            for c in &got {
                if catalog::canonical_category(c).is_none() {
                    out.push(format!(
                        "the schema offers category `{c}`, validation refuses it"
                    ));
                }
            }
        }
        Known::AuthType => {
            let Some(got) = string_enum(s) else {
                return vec![format!("an auth type is a string enum, the schema {s}")];
            };
            let want = set(&mut catalog::AUTH_TYPES.iter().copied());
            if got != want {
                out.push(format!(
                    "auth types differ from `catalog::AUTH_TYPES`: {got:?} vs {want:?}"
                ));
            }
            for a in &got {
                if !catalog::is_auth_type(a) {
                    out.push(format!(
                        "the schema offers auth type `{a}`, validation refuses it"
                    ));
                }
            }
        }
        Known::DeploymentSku => {
            let Some(got) = string_enum(s) else {
                return vec![format!(
                    "a model deployment SKU is a string enum, the schema {s}"
                )];
            };
            let want = set(&mut catalog::DEPLOYMENT_SKUS.iter().map(|k| k.name));
            if got != want {
                out.push(format!(
                    "SKUs differ from `catalog::DEPLOYMENT_SKUS`: {got:?} vs {want:?}"
                ));
            }
            for k in &got {
                if catalog::deployment_sku(k).is_none() {
                    out.push(format!(
                        "the schema offers SKU `{k}`, validation refuses it"
                    ));
                }
            }
        }
        Known::Role => {
            let alts = s
                .get("anyOf")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let names: Vec<BTreeSet<String>> = alts.iter().filter_map(string_enum).collect();
            let current = set(&mut catalog::ROLES.iter().map(|r| r.name));
            let former = set(&mut catalog::ROLES
                .iter()
                .flat_map(|r| r.former_names.iter().copied()));
            // The data-plane roles, by name and GUID, of the target types that have them.
            let data_plane = set(&mut catalog::TARGET_TYPES
                .iter()
                .filter_map(|t| t.data_plane)
                .flat_map(|p| p.roles.iter().flat_map(|(n, g)| [*n, *g])));
            if names != [current, former, data_plane] {
                out.push(format!(
                    "role names are not `catalog::ROLES` names, then their former names, then the data-plane roles: {names:?}"
                ));
            }
            if !alts
                .iter()
                .any(|a| a["deprecated"] == json!(true) && string_enum(a).is_some())
            {
                out.push("former role names are not marked deprecated".into());
            }
            for n in names.iter().flatten() {
                if !matches!(
                    catalog::lookup_role(n),
                    RoleLookup::Found(_)
                        | RoleLookup::Renamed { .. }
                        | RoleLookup::CosmosDataPlane(_)
                ) {
                    out.push(format!(
                        "the schema offers role `{n}`, validation refuses it"
                    ));
                }
            }
            let guid = alts.iter().find(|a| a.get("pattern").is_some());
            if guid.and_then(|g| g["pattern"].as_str()) != Some(foundrygen::schema::GUID_PATTERN) {
                out.push(format!("a role may be a GUID, the schema {s}"));
            }
        }
        Known::CreatedType => {
            let Some(got) = string_enum(s) else {
                return vec![format!("a created type is a string enum, the schema {s}")];
            };
            for t in &got {
                if catalog::created_type(t).is_none() {
                    out.push(format!(
                        "the schema offers type `{t}`, validation refuses it"
                    ));
                }
            }
            let want = set(&mut catalog::CREATED_TYPES.iter().map(|t| t.resource_type));
            if got != want {
                out.push(format!(
                    "created types differ from `catalog::CREATED_TYPES`: {got:?} vs {want:?}"
                ));
            }
        }
    }
    out
}

fn compare_obj(root: &Value, s: &Value, fields: &[Field], at: &str, out: &mut Vec<String>) {
    let mut fail = |what: String| {
        out.push(format!(
            "`{}`: {what}",
            if at.is_empty() { "(top)" } else { at }
        ))
    };
    if !is_type(s, "object") || s.get("additionalProperties") != Some(&json!(false)) {
        fail("not an object with `additionalProperties: false`".into());
    }
    let props = s["properties"].as_object().cloned().unwrap_or_default();
    let table: BTreeSet<&str> = fields.iter().map(|f| f.name).collect();
    let schema_keys: BTreeSet<&str> = props.keys().map(String::as_str).collect();
    for k in schema_keys.difference(&table) {
        fail(format!("`{k}` is in the schema but not in the shape table"));
    }
    for k in table.difference(&schema_keys) {
        fail(format!("`{k}` is in the shape table but not in the schema"));
    }
    let required: BTreeSet<&str> = s["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    for f in fields {
        if f.required != required.contains(f.name) {
            fail(format!(
                "`{}` is {} in the shape table but not in the schema",
                f.name,
                if f.required { "required" } else { "optional" }
            ));
        }
    }
    for f in fields {
        if let Some(p) = props.get(f.name) {
            let path = if at.is_empty() {
                f.name.to_string()
            } else {
                format!("{at}.{}", f.name)
            };
            compare(root, p, &f.shape, &path, out);
        }
    }
}

#[test]
fn the_schema_and_the_shape_table_agree() {
    let root = schema();
    let mut out = Vec::new();
    compare(&root, &root, &SPEC, "", &mut out);
    assert!(
        out.is_empty(),
        "the schema and `validate::structure::SPEC` differ:\n{}",
        out.join("\n")
    );
}

/// `BASE` with the search connection's category, auth type or roles changed.
fn with_names(category: &str, auth: &str, roles: &str) -> String {
    mutated(
        "        category: CognitiveSearch\n",
        &format!("        category: {category}\n"),
    )
    .replace(
        "          type: ApiKey\n          key: { from_target: true }\n",
        &format!("          type: {auth}\n"),
    )
    .replace(
        "        metadata: { ApiVersion",
        &format!("        roles: {roles}\n        metadata: {{ ApiVersion"),
    )
}

#[test]
fn the_schema_offers_the_names_validation_takes_and_refuses_the_others() {
    let v = validator();
    let accepted = [
        ("CognitiveSearch", "AAD", "[Search Index Data Reader]"),
        (
            "CognitiveSearch",
            "AAD",
            "['1407120a-92aa-4202-b7e9-c0e197c71c8f']",
        ),
        (
            "CognitiveSearch",
            "AAD",
            "['1407120A-92AA-4202-B7E9-C0E197C71C8F']",
        ),
        // Accepted with warning FG044; the schema marks it deprecated.
        ("CognitiveSearch", "AAD", "[Azure AI User]"),
        // Accepted with warning FG045: the identity reads no data.
        ("CosmosDB", "AAD", "[]"),
        // A Cosmos DB account grants its data-plane roles, by name or GUID.
        (
            "CosmosDB",
            "AAD",
            "[Cosmos DB Built-in Data Reader, Cosmos DB Operator]",
        ),
        (
            "CosmosDB",
            "AAD",
            "['00000000-0000-0000-0000-000000000002']",
        ),
    ];
    for (category, auth, roles) in accepted {
        let text = with_names(category, auth, roles);
        let text = text.replace(
            "type: Microsoft.Search/searchServices, name: demo-search",
            if category == "CosmosDB" {
                "type: Microsoft.DocumentDB/databaseAccounts, name: demo-cosmos"
            } else {
                "type: Microsoft.Search/searchServices, name: demo-search"
            },
        );
        assert_eq!(
            errors(&v, &json_of("accepted", &text)),
            Vec::<String>::new(),
            "{text}"
        );
        foundrygen::check(&Source::new("accepted.yaml", text.as_str()))
            .unwrap_or_else(|e| panic!("validation refuses {category} {auth} {roles}: {e}"));
    }
    let refused = [
        ("ApplicationInsights", "AAD", "[]"),
        ("cognitivesearch", "AAD", "[]"),
        ("CognitiveSearch", "EntraID", "[]"),
        ("CognitiveSearch", "aad", "[]"),
        ("CognitiveSearch", "AAD", "[Search Index Data Reeder]"),
        (
            "CognitiveSearch",
            "AAD",
            "[Cosmos DB Built-in Data Contributor]",
        ),
        (
            "CognitiveSearch",
            "AAD",
            "['00000000-0000-0000-0000-000000000002']",
        ),
        ("CognitiveSearch", "AAD", "[not-a-guid-1407120a]"),
        // A data-plane role of Cosmos DB for NoSQL on a Cosmos DB for MongoDB connection.
        (
            "CosmosDbMongoDbApi",
            "AAD",
            "[Cosmos DB Built-in Data Reader]",
        ),
    ];
    for (category, auth, roles) in refused {
        let text = with_names(category, auth, roles).replace(
            "type: Microsoft.Search/searchServices, name: demo-search",
            if category == "CosmosDbMongoDbApi" {
                "type: Microsoft.DocumentDB/databaseAccounts, name: demo-cosmos"
            } else {
                "type: Microsoft.Search/searchServices, name: demo-search"
            },
        );
        assert!(
            !errors(&v, &json_of("refused", &text)).is_empty(),
            "the schema accepts {category} {auth} {roles}"
        );
        assert!(
            foundrygen::check(&Source::new("refused.yaml", text.as_str())).is_err(),
            "validation accepts {category} {auth} {roles}"
        );
    }
}

#[test]
fn every_secret_field_is_a_credential_and_every_identifier_a_string() {
    let root = schema();
    let auth = &root["$defs"]["Auth"]["properties"];
    for f in SECRET_FIELDS {
        assert_eq!(auth[f]["$ref"], "#/$defs/Credential", "auth.{f}");
    }
    for f in foundrygen::validate::structure::PLAIN_FIELDS {
        assert_eq!(auth[f]["type"], "string", "auth.{f}");
    }
}

/// A spec creating one resource of each type with bounds, valid for both.
const RESOURCES: &str = "\
version: 1
name: demo
location: eastus2
resources:
  - { type: Microsoft.Search/searchServices, name: demo-search, sku: standard, replicas: 3, partitions: 12 }
  - { type: Microsoft.KeyVault/vaults, name: demo-kv, soft_delete_days: 7 }
  - { type: Microsoft.OperationalInsights/workspaces, name: demo-logs, retention_days: 730 }
  - { type: Microsoft.Insights/components, name: demo-appi, workspace: demo-logs }
  - { type: Microsoft.CognitiveServices/accounts, name: demo-aoai, kind: OpenAI }
foundries:
  - name: demo-foundry
    key_vault: { name: demo-kv, wait_for_role: 60s }
    connections:
      - { name: search, category: CognitiveSearch, target: { resource: { type: Microsoft.Search/searchServices, name: demo-search } }, auth: { type: AAD } }
      - { name: appi, category: AppInsights, target: { resource: { type: Microsoft.Insights/components, name: demo-appi } }, auth: { type: ApiKey, key: { from_target: true } } }
      - { name: aoai, category: AzureOpenAI, target: { resource: { type: Microsoft.CognitiveServices/accounts, name: demo-aoai } }, auth: { type: AAD } }
";

#[test]
fn the_schema_carries_the_validators_bounds_of_created_resources() {
    let v = validator();
    assert_eq!(
        errors(&v, &json_of("resources", RESOURCES)),
        Vec::<String>::new()
    );
    foundrygen::check(&Source::new("resources.yaml", RESOURCES))
        .expect("validation accepts the resources spec");
    let mut failures = Vec::new();
    for (from, to) in [
        ("replicas: 3", "replicas: 13"),
        ("replicas: 3", "replicas: 0"),
        ("partitions: 12", "partitions: 5"),
        ("partitions: 12", "partitions: 0"),
        ("soft_delete_days: 7", "soft_delete_days: 6"),
        ("soft_delete_days: 7", "soft_delete_days: 91"),
        ("retention_days: 730", "retention_days: 731"),
        ("retention_days: 730", "retention_days: 29"),
        ("kind: OpenAI", "kind: SpeechServices"),
        ("kind: OpenAI", "kind: openai"),
    ] {
        assert_eq!(RESOURCES.matches(from).count(), 1, "`{from}`");
        let text = RESOURCES.replace(from, to);
        if errors(&v, &json_of(to, &text)).is_empty() {
            failures.push(format!("the schema accepts `{to}`"));
        }
        if foundrygen::check(&Source::new("case.yaml", text.as_str())).is_ok() {
            failures.push(format!("validation accepts `{to}`"));
        }
    }
    // Values inside the bounds are accepted by both.
    for (from, to) in [
        ("replicas: 3", "replicas: 1"),
        ("partitions: 12", "partitions: 6"),
        ("soft_delete_days: 7", "soft_delete_days: 90"),
        ("retention_days: 730", "retention_days: 30"),
        ("kind: OpenAI", "kind: AIServices"),
    ] {
        let text = RESOURCES.replace(from, to);
        let errs = errors(&v, &json_of(to, &text));
        if !errs.is_empty() {
            failures.push(format!("the schema refuses `{to}`: {errs:?}"));
        }
        if let Err(e) = foundrygen::check(&Source::new("case.yaml", text.as_str())) {
            failures.push(format!("validation refuses `{to}`: {e}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The type stays a case-sensitive enum; its description says validation is not.
    let s = schema();
    let ty = &s["$defs"]["Resource"]["properties"]["type"];
    assert!(ty["enum"].is_array(), "{ty}");
    assert!(
        ty["description"]
            .as_str()
            .is_some_and(|d| d.contains("another case")),
        "{ty}"
    );
}
