//! Every ARM resource body foundrygen writes, checked against Azure's published type data
//! (`../shared/reference/types`): property names exist, required ones are present, enum values are
//! legal (except the auth types Azure accepts but has not published), name patterns hold and
//! read-only properties are never written. The data's `extra/` folder covers what a deployment
//! creates around its connections (Search, Storage, Cosmos DB, monitoring, model deployments,
//! capability hosts, deployment scripts).

#[path = "support/specs.rs"]
mod specs;
#[path = "support/typecheck.rs"]
mod typecheck;

use std::collections::BTreeMap;
use std::path::PathBuf;

use foundrygen::{Source, Target};
use typecheck::{
    CheckOptions, TypeData, check_template, checked_types, open_enum_deviations, unknown_types,
};

fn type_data() -> Option<TypeData> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/types");
    let Some(data) = TypeData::load(&dir).expect("type data loads") else {
        eprintln!(
            "skipped: {} is absent, so ARM bodies cannot be checked against Azure's type data",
            dir.display()
        );
        return None;
    };
    assert!(
        data.knows("Microsoft.Resources/deploymentScripts", "2023-08-01"),
        "{}/extra was not read",
        dir.display()
    );
    Some(data)
}

/// Every spec the tests render: the reference specs and the valid cases.
fn specs() -> Vec<(String, String)> {
    specs::valid_specs()
}

#[test]
fn arm_bodies_match_azure_type_data() {
    let Some(data) = type_data() else { return };
    let opts = CheckOptions {
        allowed_unpublished_auth_types: foundrygen::catalog::UNPUBLISHED_AUTH_TYPES
            .iter()
            .map(|s| s.to_string())
            .collect(),
        // `audience` (ProjectManagedIdentity), `tokenUrl` and `scopes` (OAuth2 to a model gateway)
        // are read by the service but described by no published version.
        allowed_extra_properties: foundrygen::catalog::UNPUBLISHED_CONNECTION_PROPERTIES
            .iter()
            .map(|p| format!("properties.{p}"))
            .collect(),
    };
    let mut problems = Vec::new();
    let mut checked = 0;
    let mut bodies: BTreeMap<String, usize> = BTreeMap::new();
    for (name, text) in specs() {
        let g = foundrygen::generate(&Source::new(&name, text), &[Target::Arm])
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let template: serde_json::Value =
            serde_json::from_str(&g.output.files["arm/azuredeploy.json"]).unwrap();
        for p in check_template(&data, &template, &opts) {
            problems.push(format!("{name}: {p}"));
        }
        for p in open_enum_deviations(&data, &template) {
            // Open enums accept any string, but a value outside the published list is worth a look;
            // the only ones foundrygen writes on purpose are the unpublished auth types.
            if !foundrygen::catalog::UNPUBLISHED_AUTH_TYPES
                .iter()
                .any(|a| p.contains(a))
            {
                problems.push(format!("{name}: {p}"));
            }
        }
        for t in unknown_types(&data, &template) {
            // Nested deployments are only envelopes: their inner resources are checked.
            let known_gap = t.starts_with("Microsoft.Resources/deployments@");
            assert!(known_gap, "{name}: no type data for `{t}`");
        }
        for t in checked_types(&data, &template) {
            *bodies.entry(t).or_default() += 1;
        }
        checked += 1;
    }
    let total: usize = bodies.values().sum();
    println!("checked {total} resource bodies in {checked} ARM templates:");
    for (t, n) in &bodies {
        println!("  {n:4}  {t}");
    }
    assert!(checked >= 5);
    // The role-assignment waits (kind AzureCLI) and model deployments are among them.
    for prefix in [
        "Microsoft.Resources/deploymentScripts@",
        "Microsoft.CognitiveServices/accounts/deployments@",
    ] {
        assert!(
            bodies.keys().any(|t| t.starts_with(prefix)),
            "no {prefix} body: {bodies:#?}"
        );
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
