//! Every ARM resource body foundrygen writes, checked against Azure's published type data
//! (`../shared/reference/types`): property names exist, required ones are present, enum values are
//! legal (except the auth types Azure accepts but has not published), name patterns hold and
//! read-only properties are never written.

#[path = "support/specs.rs"]
mod specs;
#[path = "support/typecheck.rs"]
mod typecheck;

use std::path::PathBuf;

use foundrygen::{Source, Target};
use typecheck::{CheckOptions, TypeData, check_template, open_enum_deviations, unknown_types};

fn type_data() -> Option<TypeData> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/types");
    let data = TypeData::load(&dir).expect("type data loads");
    if data.is_none() {
        eprintln!(
            "skipped: {} is absent, so ARM bodies cannot be checked against Azure's type data",
            dir.display()
        );
    }
    data
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
            let known_gap = t.starts_with("Microsoft.Resources/deployments@")
                || t.starts_with("Microsoft.Resources/deploymentScripts@");
            assert!(known_gap, "{name}: no type data for `{t}`");
        }
        checked += 1;
    }
    assert!(checked >= 5);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
