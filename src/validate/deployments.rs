//! Model deployment rules: Azure's rules for a model deployment's name and its RAI policy's, names
//! unique per account, SKU names from Azure's list (with did-you-mean), a capacity of at least 1 and
//! no empty model fields. `structure.rs` has already checked the keys and `version_upgrade`.

use std::collections::BTreeMap;

use super::foundries;
use super::names::{unique, valid_model_deployment_name, valid_rai_policy_name};
use crate::catalog;
use crate::diagnostics::{Code, Diagnostic, Span, SpecPath, did_you_mean};
use crate::spec::tree::{Node, Value};

pub(super) fn check(root: &Node, out: &mut Vec<Diagnostic>) {
    for (fpath, f) in foundries(root) {
        if let Some(list) = f.get("deployments") {
            check_list(list, &fpath.key("deployments"), out);
        }
    }
}

/// The rules for one account's `deployments:` list, at `path`, whichever block holds it.
pub fn check_list(list: &Node, path: &SpecPath, out: &mut Vec<Diagnostic>) {
    let mut names: BTreeMap<String, (SpecPath, Span)> = BTreeMap::new();
    for (i, d) in list.as_seq().unwrap_or(&[]).iter().enumerate() {
        if d.as_map().is_none() {
            continue;
        }
        let dpath = path.index(i);
        if let (Some(name), Some(n)) = (d.get_str("name"), d.get("name")) {
            if !valid_model_deployment_name(name) {
                out.push(
                    Diagnostic::error(
                        Code::InvalidModelDeploymentName,
                        dpath.key("name"),
                        n.span,
                        format!("model deployment name `{name}` breaks Azure's rules"),
                    )
                    .with_help(name_help(name)),
                );
            }
            unique(
                &mut names,
                name,
                dpath.key("name"),
                n.span,
                out,
                Code::DuplicateName,
                "model deployment",
            );
        }
        if let Some(model) = d.get("model") {
            model_fields(model, &dpath.key("model"), out);
        }
        if let Some(sku) = d.get("sku") {
            sku_fields(sku, &dpath.key("sku"), out);
        }
        if let (Some(policy), Some(n)) = (d.get_str("rai_policy"), d.get("rai_policy"))
            && !valid_rai_policy_name(policy)
        {
            out.push(
                Diagnostic::error(
                    Code::InvalidName,
                    dpath.key("rai_policy"),
                    n.span,
                    format!("RAI policy name `{policy}` breaks Azure's rules"),
                )
                .with_help(
                    "use letters, digits, `_`, `.` and `-`, starting with a letter or digit, e.g. `Microsoft.DefaultV2`",
                ),
            );
        }
    }
}

fn name_help(name: &str) -> String {
    let (min, max) = (
        catalog::MIN_MODEL_DEPLOYMENT_NAME,
        catalog::MAX_MODEL_DEPLOYMENT_NAME,
    );
    let n = name.chars().count();
    if n > max {
        format!("shorten it to at most {max} characters")
    } else if n < min {
        format!("model deployment names are at least {min} characters long")
    } else if name.contains('/') {
        "a model deployment name cannot contain `/`; name it after the model alone, e.g. `gpt-4o`"
            .to_string()
    } else {
        format!(
            "use {min}–{max} letters, digits, `_`, `.` and `-`, starting with a letter or digit"
        )
    }
}

fn model_fields(model: &Node, path: &SpecPath, out: &mut Vec<Diagnostic>) {
    for (key, help) in [
        ("name", "write the model's name, e.g. `name: gpt-4o`"),
        (
            "version",
            "remove `version:` to deploy the model's default version",
        ),
        (
            "format",
            "remove `format:` for the default `OpenAI`, or write the model's format, e.g. `format: Microsoft`",
        ),
    ] {
        if let Some(n) = model.get(key)
            && n.as_str().is_some_and(|s| s.trim().is_empty())
        {
            out.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    path.key(key),
                    n.span,
                    format!("the model's `{key}` is empty"),
                )
                .with_help(help),
            );
        }
    }
}

fn sku_fields(sku: &Node, path: &SpecPath, out: &mut Vec<Diagnostic>) {
    if let (Some(name), Some(n)) = (sku.get_str("name"), sku.get("name"))
        && catalog::deployment_sku(name).is_none()
    {
        let meant = catalog::deployment_sku_meant(name)
            .map(|s| s.name)
            .or_else(|| did_you_mean(name, catalog::DEPLOYMENT_SKUS.iter().map(|s| s.name)));
        let help = match meant {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!(
                "model deployment SKUs: {}",
                catalog::DEPLOYMENT_SKUS
                    .iter()
                    .map(|s| format!("`{}`", s.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        out.push(
            Diagnostic::error(
                Code::InvalidValue,
                path.key("name"),
                n.span,
                format!("`{name}` is not a model deployment SKU"),
            )
            .with_help(help),
        );
    }
    if let Some(n) = sku.get("capacity")
        && let Value::Int(c) = n.value
        && c < catalog::DEFAULT_DEPLOYMENT_CAPACITY
    {
        out.push(
            Diagnostic::error(
                Code::InvalidValue,
                path.key("capacity"),
                n.span,
                format!("model deployment capacity `{c}` is less than 1"),
            )
            .with_help("use `capacity: 1` or more, or leave it out for 1"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{codes, diags, with_foundry};
    use super::*;

    fn deployment(fields: &str) -> String {
        with_foundry(&format!("deployments:\n  - {{ {fields} }}"))
    }

    const GPT: &str = "model: { name: gpt-4o, version: '2024-11-20' }, sku: { name: GlobalStandard, capacity: 50 }";

    #[test]
    fn accepts_a_full_deployment_and_the_defaults() {
        let full = deployment(&format!(
            "name: gpt-4o, {GPT}, rai_policy: Microsoft.DefaultV2, version_upgrade: OnceNewDefaultVersionAvailable"
        ));
        assert_eq!(codes(&full), [], "{:?}", diags(&full));
        let minimal = deployment(
            "name: gpt-4.1-mini, model: { name: gpt-4.1-mini }, sku: { name: Standard }",
        );
        assert_eq!(codes(&minimal), [], "{:?}", diags(&minimal));
        let other_format = deployment(
            "name: phi-4, model: { name: Phi-4, format: Microsoft }, sku: { name: GlobalStandard }",
        );
        assert_eq!(codes(&other_format), []);
    }

    #[test]
    fn rejects_model_deployment_names_that_break_azures_rules() {
        for (name, help) in [
            (
                "openai/gpt-4o",
                "a model deployment name cannot contain `/`; name it after the model alone, e.g. `gpt-4o`",
            ),
            (
                "-gpt",
                "use 2–64 letters, digits, `_`, `.` and `-`, starting with a letter or digit",
            ),
            ("g", "model deployment names are at least 2 characters long"),
            (
                "'gpt 4o'",
                "use 2–64 letters, digits, `_`, `.` and `-`, starting with a letter or digit",
            ),
        ] {
            let d = diags(&deployment(&format!("name: {name}, {GPT}")));
            assert_eq!(d.len(), 1, "{name}: {d:?}");
            assert_eq!(d[0].code, Code::InvalidModelDeploymentName);
            assert_eq!(d[0].path.0, "foundries[0].deployments[0].name");
            assert_eq!(
                d[0].message,
                format!(
                    "model deployment name `{}` breaks Azure's rules",
                    name.trim_matches('\'')
                )
            );
            assert_eq!(d[0].help.as_deref(), Some(help), "{name}");
        }
        let long = "a".repeat(65);
        let d = diags(&deployment(&format!("name: {long}, {GPT}")));
        assert_eq!(
            d[0].help.as_deref(),
            Some("shorten it to at most 64 characters")
        );
        assert!(valid_model_deployment_name(&"a".repeat(64)));
        assert!(valid_model_deployment_name("text-embedding-3_large.v2"));
    }

    #[test]
    fn rejects_duplicate_model_deployment_names_per_account() {
        let spec = with_foundry(&format!(
            "deployments:\n  - {{ name: gpt-4o, {GPT} }}\n  - {{ name: GPT-4o, {GPT} }}"
        ));
        let d = diags(&spec);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].code, Code::DuplicateName);
        assert_eq!(d[0].path.0, "foundries[0].deployments[1].name");
        assert_eq!(d[0].message, "model deployment name `GPT-4o` is used twice");
        assert_eq!(d[0].related[0].path.0, "foundries[0].deployments[0].name");
        assert_eq!(
            d[0].help.as_deref(),
            Some("give each model deployment its own name")
        );
        // The same name on two accounts is two deployments.
        let two = format!(
            "{spec_a}  - name: other-foundry\n    deployments:\n      - {{ name: gpt-4o, {GPT} }}\n",
            spec_a = with_foundry(&format!("deployments:\n  - {{ name: gpt-4o, {GPT} }}"))
        );
        assert_eq!(codes(&two), [], "{:?}", diags(&two));
    }

    #[test]
    fn rejects_unknown_skus_with_did_you_mean() {
        let help = |sku: &str| {
            let d = diags(&deployment(&format!(
                "name: gpt-4o, model: {{ name: gpt-4o }}, sku: {{ name: {sku} }}"
            )));
            assert_eq!(d.len(), 1, "{sku}: {d:?}");
            assert_eq!(d[0].code, Code::InvalidValue);
            assert_eq!(d[0].path.0, "foundries[0].deployments[0].sku.name");
            assert_eq!(
                d[0].message,
                format!("`{}` is not a model deployment SKU", sku.trim_matches('\''))
            );
            d[0].help.clone().unwrap()
        };
        assert_eq!(help("'Global Standard'"), "did you mean `GlobalStandard`?");
        assert_eq!(help("GlobalStandrd"), "did you mean `GlobalStandard`?");
        assert_eq!(help("Provisioned"), "did you mean `ProvisionedManaged`?");
        assert_eq!(help("Developer"), "did you mean `DeveloperTier`?");
        assert_eq!(
            help("S0"),
            "model deployment SKUs: `GlobalStandard`, `GlobalProvisionedManaged`, `GlobalBatch`, `DataZoneStandard`, `DataZoneProvisionedManaged`, `DataZoneBatch`, `Standard`, `ProvisionedManaged`, `DeveloperTier`"
        );
    }

    #[test]
    fn rejects_a_capacity_below_one() {
        for (capacity, code) in [
            ("0", Code::InvalidValue),
            ("-5", Code::InvalidValue),
            ("'50'", Code::WrongType),
        ] {
            let d = diags(&deployment(&format!(
                "name: gpt-4o, model: {{ name: gpt-4o }}, sku: {{ name: Standard, capacity: {capacity} }}"
            )));
            assert_eq!(d.len(), 1, "{capacity}: {d:?}");
            assert_eq!(d[0].code, code, "{capacity}");
            assert_eq!(d[0].path.0, "foundries[0].deployments[0].sku.capacity");
        }
        let d = diags(&deployment(
            "name: gpt-4o, model: { name: gpt-4o }, sku: { name: Standard, capacity: 0 }",
        ));
        assert_eq!(d[0].message, "model deployment capacity `0` is less than 1");
    }

    #[test]
    fn rejects_a_version_upgrade_option_azure_does_not_name() {
        let d = diags(&deployment(&format!(
            "name: gpt-4o, {GPT}, version_upgrade: OnceNewDefaultVersionAvailible"
        )));
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].code, Code::InvalidValue);
        assert_eq!(d[0].path.0, "foundries[0].deployments[0].version_upgrade");
        assert_eq!(
            d[0].help.as_deref(),
            Some("did you mean `OnceNewDefaultVersionAvailable`?")
        );
    }

    #[test]
    fn rejects_empty_model_fields() {
        let d = diags(&deployment(
            "name: gpt-4o, model: { name: '', version: '', format: ' ' }, sku: { name: Standard }",
        ));
        let got: Vec<_> = d.iter().map(|d| (d.code, d.path.0.as_str())).collect();
        assert_eq!(
            got,
            [
                (Code::InvalidValue, "foundries[0].deployments[0].model.name"),
                (
                    Code::InvalidValue,
                    "foundries[0].deployments[0].model.version"
                ),
                (
                    Code::InvalidValue,
                    "foundries[0].deployments[0].model.format"
                ),
            ]
        );
        assert_eq!(d[0].message, "the model's `name` is empty");
    }

    #[test]
    fn rejects_rai_policy_names_that_break_azures_rules() {
        let d = diags(&deployment(&format!(
            "name: gpt-4o, {GPT}, rai_policy: 'my policy'"
        )));
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].code, Code::InvalidName);
        assert_eq!(d[0].path.0, "foundries[0].deployments[0].rai_policy");
        assert_eq!(
            d[0].message,
            "RAI policy name `my policy` breaks Azure's rules"
        );
    }

    #[test]
    fn the_model_and_the_sku_are_required() {
        let d = diags(&deployment("name: gpt-4o"));
        let got: Vec<_> = d.iter().map(|d| (d.code, d.path.0.as_str())).collect();
        assert_eq!(
            got,
            [
                (Code::MissingKey, "foundries[0].deployments[0].model"),
                (Code::MissingKey, "foundries[0].deployments[0].sku"),
            ]
        );
        let d = diags(&deployment(
            "name: gpt-4o, model: gpt-4o, sku: GlobalStandard",
        ));
        let helps: Vec<_> = d
            .iter()
            .map(|d| d.help.clone().unwrap_or_default())
            .collect();
        assert_eq!(
            helps,
            [
                "write `model: { name: gpt-4o }`",
                "write `sku: { name: GlobalStandard }`"
            ]
        );
    }
}
