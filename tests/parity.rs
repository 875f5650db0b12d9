//! Three formats, one deployment: the Bicep, ARM JSON and Terraform of every reference spec and
//! of every valid test case (a `tests/cases/*/spec.yaml` with an `expected/` folder) create the
//! same resources (type, name, API version, where), with the same property bodies and the same
//! dependency edges, once each format's syntax is reduced to one symbolic form
//! (`support::parity`, whose module comment lists the normalization rules).

#[path = "support/specs.rs"]
mod specs;

mod support;

use foundrygen::{OutputSet, Source, Target};
use std::collections::BTreeMap;
use std::path::Path;
use support::parity;

/// Specs that are known to differ between formats, with the reason. Empty: none do.
const KNOWN_DIFFERENCES: &[(&str, &str)] = &[];

/// `specs/*.yaml` and every valid case's `spec.yaml`, as (name, text).
fn all_specs() -> Vec<(String, String)> {
    specs::valid_specs()
}

fn render(name: &str, text: &str) -> OutputSet {
    foundrygen::generate(&Source::new(name, text), &Target::ALL)
        .unwrap_or_else(|e| panic!("`{name}` does not generate: {e}"))
        .output
}

fn key_vault_first() -> OutputSet {
    let name = "specs/key-vault-first.yaml";
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(name)).expect("spec");
    render(name, &text)
}

#[test]
fn every_spec_is_one_deployment_in_three_formats() {
    let mut total: BTreeMap<String, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for (name, text) in all_specs() {
        let known = KNOWN_DIFFERENCES.iter().find(|(n, _)| *n == name);
        match (parity::check(&render(&name, &text)), known) {
            (Ok(summary), None) => {
                for (t, n) in summary {
                    *total.entry(t).or_insert(0) += n;
                }
            }
            (Ok(_), Some((_, why))) => {
                failures.push(format!("{name}: listed as different ({why}) but is equal"))
            }
            (Err(e), None) => failures.push(format!("{name}:\n{e}")),
            (Err(e), Some((_, why))) => eprintln!("{name}: known difference ({why}):\n{e}"),
        }
    }
    eprintln!("resources compared across Bicep, ARM and Terraform, per type:");
    for (t, n) in &total {
        eprintln!("  {n:4}  {t}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    for t in [
        "microsoft.cognitiveservices/accounts",
        "microsoft.cognitiveservices/accounts/deployments",
        "microsoft.cognitiveservices/accounts/projects",
        "microsoft.cognitiveservices/accounts/connections",
        "microsoft.cognitiveservices/accounts/projects/connections",
        "microsoft.authorization/roleassignments",
        "microsoft.keyvault/vaults/accesspolicies",
        "microsoft.resources/deploymentscripts",
    ] {
        assert!(
            total.get(t).is_some_and(|n| *n > 0),
            "no `{t}` was compared: {total:?}"
        );
    }
}

#[test]
fn parity_notices_a_dependency_dropped_from_arm() {
    let files = key_vault_first();
    parity::check(&files).expect("the unmodified output is at parity");
    let mut broken = files.clone();
    let f = broken.files.get_mut("arm/azuredeploy.json").unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(f).unwrap();
    let dep = "[resourceId('Microsoft.Resources/deploymentScripts', 'contoso-foundry-role-wait')]";
    let weather = doc["resources"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| r["name"] == "contoso-foundry/research/weather")
        .expect("the weather connection");
    let deps = weather["dependsOn"].as_array_mut().unwrap();
    let before = deps.len();
    deps.retain(|d| d != dep);
    assert_eq!(deps.len() + 1, before, "precondition: the entry exists");
    *f = serde_json::to_string_pretty(&doc).unwrap();
    let err = parity::check(&broken).expect_err("a dropped dependsOn is noticed");
    assert_eq!(
        err,
        "`connection:contoso-foundry/research/weather`: depends on `wait:contoso-foundry` in \
         bicep, not in arm"
    );
}

#[test]
fn parity_notices_a_property_changed_in_terraform() {
    let files = key_vault_first();
    let mut broken = files.clone();
    let f = broken.files.get_mut("terraform/main.tf").unwrap();
    let line = "      description = \"Research team\"\n";
    assert_eq!(f.matches(line).count(), 1, "precondition");
    *f = f.replace(line, "      description = \"Research team!\"\n");
    let err = parity::check(&broken).expect_err("a changed property is noticed");
    assert_eq!(
        err,
        "`project:contoso-foundry/research` properties.description: bicep `\"Research team\"`, \
         terraform `\"Research team!\"`"
    );
}

#[test]
fn parity_notices_a_reference_to_another_resource_in_bicep() {
    // A reference resolved to the wrong resource (or the same resource in the wrong group) is a
    // different symbol, not just different text.
    let files = key_vault_first();
    let mut broken = files.clone();
    let f = broken.files.get_mut("bicep/main.bicep").unwrap();
    // The vault role's principal (the `foundries` output names the same principal further down).
    let role = f
        .find("resource contosoFoundryKeyVaultRole ")
        .expect("precondition: the vault role");
    let line = "    principalId: contosoFoundry.identity.principalId\n";
    let at = role + f[role..].find(line).expect("precondition: its principal");
    f.replace_range(
        at..at + line.len(),
        "    principalId: contosoFoundryResearch.identity.principalId\n",
    );
    let err = parity::check(&broken).expect_err("a changed reference is noticed");
    assert!(
        err.contains(
            "properties.principalId: bicep `principal(project:contoso-foundry/research)`, arm \
             `principal(account:contoso-foundry)`"
        ),
        "{err}"
    );
}

#[test]
fn parity_notices_a_role_assignment_seed_resolved_in_another_subscription() {
    // An existing foundry in another subscription: Bicep and ARM compute its role-assignment names
    // inside the foundry's module, where subscriptionResourceId() resolves in that subscription.
    let name = "tests/cases/existing-foundry-other-subscription/spec.yaml";
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(name)).expect("spec");
    let files = render(name, &text);
    parity::check(&files).expect("the unmodified output is at parity");
    let mut broken = files.clone();
    let f = broken.files.get_mut("terraform/main.tf").unwrap();
    let seed = "\"/subscriptions/77777777-8888-9999-aaaa-bbbbbbbbbbbb/providers/Microsoft.Authorization/roleDefinitions/b86a8fe4-44ce-4948-aee5-eccb2c155cd7\"]))";
    assert_eq!(
        f.matches(seed).count(),
        1,
        "precondition: the vault role's seed"
    );
    *f = f.replace(
        seed,
        "\"/subscriptions/${var.subscription_id}/providers/Microsoft.Authorization/roleDefinitions/b86a8fe4-44ce-4948-aee5-eccb2c155cd7\"]))",
    );
    let err = parity::check(&broken).expect_err("a seed in the wrong subscription is noticed");
    assert!(
        err.contains(
            "roledef(b86a8fe4-44ce-4948-aee5-eccb2c155cd7@77777777-8888-9999-aaaa-bbbbbbbbbbbb)"
        ) && err.contains("terraform `guid(")
            && err.contains("roledef(b86a8fe4-44ce-4948-aee5-eccb2c155cd7@deployment)"),
        "{err}"
    );
}
