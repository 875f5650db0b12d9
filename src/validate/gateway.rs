//! Gateway connection rules (categories `ApiManagement` and `ModelGateway`): the metadata the
//! service routes model calls by — `deploymentInPath`, and exactly one of `models` and
//! `modelDiscovery`, each a JSON string of the shape foundry-samples documents — and the token URL
//! of a model gateway reached with OAuth2.

use super::{category_of, connections_of, foundries};
use crate::category::{
    self, DEPLOYMENT_IN_PATH, DEPLOYMENT_PROVIDERS, MODEL_DISCOVERY, MODEL_DISCOVERY_KEYS, MODELS,
};
use crate::diagnostics::{Code, Diagnostic, SpecPath, did_you_mean};
use crate::spec::tree::Node;

/// What `"true"` and `"false"` mean, for every help about `deploymentInPath`.
const DEPLOYMENT_IN_PATH_MEANING: &str = "`\"true\"` if the gateway takes the deployment name in the URL path (`<target>/deployments/<name>/chat/completions`), `\"false\"` if it takes it in the request body's `model` field (`<target>/chat/completions`)";

/// A `models` value to copy.
const MODELS_EXAMPLE: &str = r#"models: '[{"name": "<deployment>", "properties": {"model": {"name": "<model>", "version": "<version>", "format": "OpenAI"}}}]'"#;

/// A `modelDiscovery` value to copy (the API Management defaults).
const MODEL_DISCOVERY_EXAMPLE: &str = r#"modelDiscovery: '{"listModelsEndpoint": "/deployments", "getModelEndpoint": "/deployments/{deploymentName}", "deploymentProvider": "AzureOpenAI"}'"#;

pub(super) fn check(root: &Node, out: &mut Vec<Diagnostic>) {
    for (fpath, f) in foundries(root) {
        for (cp, c) in connections_of(&fpath, f) {
            if let Some(cat) = category_of(c).filter(|c| category::is_gateway(c)) {
                check_metadata(cat, c, &cp, out);
                check_token_url(cat, c, &cp, out);
            }
        }
    }
}

fn check_metadata(category: &str, c: &Node, cp: &SpecPath, out: &mut Vec<Diagnostic>) {
    let meta = c.get("metadata").filter(|m| m.as_map().is_some());
    let mp = cp.key("metadata");
    // A missing key is shown at `metadata:`, or at the category that asks for it.
    let at = c
        .key_node("metadata")
        .or_else(|| c.get("category"))
        .map_or(c.span, |n| n.span);
    let get = |key: &str| meta.and_then(|m| m.get(key));

    match get(DEPLOYMENT_IN_PATH) {
        None => out.push(
            Diagnostic::error(
                Code::MissingKey,
                mp.key(DEPLOYMENT_IN_PATH),
                at,
                format!("a `{category}` connection needs `{DEPLOYMENT_IN_PATH}` in its metadata"),
            )
            .with_help(format!(
                "add `{DEPLOYMENT_IN_PATH}`: {DEPLOYMENT_IN_PATH_MEANING}"
            )),
        ),
        Some(n) => {
            if let Some(v) = n.as_str()
                && v != "true"
                && v != "false"
            {
                out.push(
                    Diagnostic::error(
                        Code::InvalidValue,
                        mp.key(DEPLOYMENT_IN_PATH),
                        n.span,
                        format!("`{DEPLOYMENT_IN_PATH}` is `{v}`, not `\"true\"` or `\"false\"`"),
                    )
                    .with_help(format!("write {DEPLOYMENT_IN_PATH_MEANING}")),
                );
            }
        }
    }

    match (get(MODELS), get(MODEL_DISCOVERY)) {
        (None, None) => out.push(
            Diagnostic::error(
                Code::MissingKey,
                mp.key(MODELS),
                at,
                format!(
                    "a `{category}` connection needs `{MODELS}` (a fixed list of deployments) or `{MODEL_DISCOVERY}` (how to ask the gateway for them) in its metadata"
                ),
            )
            .with_help(format!("add `{MODELS_EXAMPLE}`, or `{MODEL_DISCOVERY_EXAMPLE}`")),
        ),
        (Some(_), Some(d)) => out.push(
            Diagnostic::error(
                Code::GatewayModels,
                mp.key(MODEL_DISCOVERY),
                c.get("metadata")
                    .and_then(|m| m.key_node(MODEL_DISCOVERY))
                    .map_or(d.span, |k| k.span),
                format!("`{MODELS}` and `{MODEL_DISCOVERY}` exclude each other"),
            )
            .with_help(format!(
                "keep `{MODELS}` for a fixed list of deployments, or `{MODEL_DISCOVERY}` to ask the gateway for them"
            )),
        ),
        (Some(m), None) => {
            if let Some(text) = m.as_str() {
                check_models(text, m, &mp.key(MODELS), out);
            }
        }
        (None, Some(d)) => {
            if let Some(text) = d.as_str() {
                check_discovery(text, d, &mp.key(MODEL_DISCOVERY), out);
            }
        }
    }
}

/// OAuth2 to a model gateway is a client-credentials flow against the gateway's token endpoint:
/// the sample refuses to deploy without `tokenUrl` ("clientId, clientSecret, and tokenUrl are
/// required when authType is OAuth2").
fn check_token_url(category: &str, c: &Node, cp: &SpecPath, out: &mut Vec<Diagnostic>) {
    let Some(auth) = c.get("auth").filter(|a| a.as_map().is_some()) else {
        return;
    };
    if category == "ModelGateway"
        && auth.get_str("type") == Some("OAuth2")
        && auth.get("token_url").is_none()
    {
        out.push(
            Diagnostic::error(
                Code::MissingCredential,
                cp.key("auth").key("token_url"),
                auth.span,
                "a `ModelGateway` connection with auth type `OAuth2` needs `token_url`",
            )
            .with_help(
                "add `token_url: <https URL>`, the token endpoint that exchanges the client id and secret for a token",
            ),
        );
    }
}

/// A shape problem of a JSON metadata value.
fn shape(path: &SpecPath, n: &Node, message: String, help: &str) -> Diagnostic {
    Diagnostic::error(Code::GatewayModels, path.clone(), n.span, message).with_help(help)
}

fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// `models`: a non-empty JSON array of `{ name, properties: { model: { name, version, format } } }`
/// (the samples' `ModelInfo`; only `version` may be empty).
fn check_models(text: &str, n: &Node, path: &SpecPath, out: &mut Vec<Diagnostic>) {
    let help = format!("write the list as one JSON string: `{MODELS_EXAMPLE}`");
    let value: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            out.push(shape(
                path,
                n,
                format!("`{MODELS}` is not JSON: {e}"),
                &help,
            ));
            return;
        }
    };
    let Some(items) = value.as_array() else {
        out.push(shape(
            path,
            n,
            format!(
                "`{MODELS}` is a JSON array of deployments, found {}",
                json_kind(&value)
            ),
            &help,
        ));
        return;
    };
    if items.is_empty() {
        out.push(shape(
            path,
            n,
            format!("`{MODELS}` lists no deployment"),
            &help,
        ));
        return;
    }
    for (i, item) in items.iter().enumerate() {
        let field = |p: &[&str]| {
            p.iter()
                .try_fold(item, |v, k| v.get(k))
                .and_then(serde_json::Value::as_str)
        };
        let wanted: [(&[&str], bool); 4] = [
            (&["name"], true),
            (&["properties", "model", "name"], true),
            (&["properties", "model", "version"], false),
            (&["properties", "model", "format"], true),
        ];
        let missing = wanted
            .iter()
            .find(|(p, non_empty)| match field(p) {
                None => true,
                Some(s) => *non_empty && s.trim().is_empty(),
            })
            .map(|(p, non_empty)| (p.join("."), *non_empty));
        if let Some((p, non_empty)) = missing {
            let what = if non_empty {
                "a non-empty string"
            } else {
                "a string (it may be empty)"
            };
            out.push(shape(
                path,
                n,
                format!("deployment {} of `{MODELS}` needs `{p}`, {what}", i + 1),
                &help,
            ));
            continue;
        }
        // `init` writes `<deployment>` and `<model>` for the gateway's own names, which it cannot
        // know; the spec still renders, but the connection would list deployments that do not exist.
        let placeholders: Vec<&str> = wanted
            .iter()
            .filter_map(|(p, _)| field(p))
            .filter(|s| is_placeholder(s))
            .collect();
        if !placeholders.is_empty() {
            out.push(
                Diagnostic::warning(
                    Code::GatewayModels,
                    path.clone(),
                    n.span,
                    format!(
                        "deployment {} of `{MODELS}` still holds the placeholder {}",
                        i + 1,
                        placeholders
                            .iter()
                            .map(|p| format!("`{p}`"))
                            .collect::<Vec<_>>()
                            .join(" and ")
                    ),
                )
                .with_help(format!(
                    "write the gateway's own deployment: `name` is the deployment name it serves, `properties.model` that deployment's model `name`, `version` and `format`, e.g. {}; or use `{MODEL_DISCOVERY_EXAMPLE}` to ask the gateway",
                    r#"`[{"name": "gpt-4o", "properties": {"model": {"name": "gpt-4o", "version": "2024-11-20", "format": "OpenAI"}}}]`"#
                )),
            );
        }
    }
}

/// Whether a metadata value is still a placeholder such as `init` writes (`<deployment>`).
fn is_placeholder(s: &str) -> bool {
    let s = s.trim();
    s.len() > 2 && s.starts_with('<') && s.ends_with('>')
}

/// `modelDiscovery`: a JSON object of exactly `listModelsEndpoint`, `getModelEndpoint` (with a
/// `{deploymentName}` placeholder) and `deploymentProvider` (`AzureOpenAI` or `OpenAI`).
fn check_discovery(text: &str, n: &Node, path: &SpecPath, out: &mut Vec<Diagnostic>) {
    let help = format!("write it as one JSON string: `{MODEL_DISCOVERY_EXAMPLE}`");
    let value: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            out.push(shape(
                path,
                n,
                format!("`{MODEL_DISCOVERY}` is not JSON: {e}"),
                &help,
            ));
            return;
        }
    };
    let Some(map) = value.as_object() else {
        out.push(shape(
            path,
            n,
            format!(
                "`{MODEL_DISCOVERY}` is a JSON object, found {}",
                json_kind(&value)
            ),
            &help,
        ));
        return;
    };
    for key in map.keys() {
        if !MODEL_DISCOVERY_KEYS.contains(&key.as_str()) {
            let help = match did_you_mean(key, MODEL_DISCOVERY_KEYS.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!(
                    "its keys are {}",
                    MODEL_DISCOVERY_KEYS
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            out.push(shape(
                path,
                n,
                format!("`{MODEL_DISCOVERY}` has an unknown key `{key}`"),
                &help,
            ));
        }
    }
    for key in MODEL_DISCOVERY_KEYS {
        match map.get(*key).map(|v| v.as_str()) {
            None => out.push(shape(
                path,
                n,
                format!("`{MODEL_DISCOVERY}` needs `{key}`"),
                &help,
            )),
            Some(None) | Some(Some("")) => out.push(shape(
                path,
                n,
                format!("`{MODEL_DISCOVERY}.{key}` must be a non-empty string"),
                &help,
            )),
            Some(Some(v)) => {
                if *key == "deploymentProvider" && !DEPLOYMENT_PROVIDERS.contains(&v) {
                    out.push(
                        Diagnostic::error(
                            Code::InvalidValue,
                            path.clone(),
                            n.span,
                            format!(
                                "`{MODEL_DISCOVERY}.deploymentProvider` is `{v}`, not `AzureOpenAI` or `OpenAI`"
                            ),
                        )
                        .with_help(
                            match did_you_mean(v, DEPLOYMENT_PROVIDERS.iter().copied()) {
                                Some(s) => format!("did you mean `{s}`?"),
                                None => "`AzureOpenAI` reads a `value` list of deployments, `OpenAI` a `data` list of models".to_string(),
                            },
                        ),
                    );
                }
                if *key == "getModelEndpoint" && !v.contains("{deploymentName}") {
                    out.push(shape(
                        path,
                        n,
                        format!(
                            "`{MODEL_DISCOVERY}.getModelEndpoint` has no `{{deploymentName}}` placeholder"
                        ),
                        "write where one deployment is read, e.g. `/deployments/{deploymentName}`",
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{codes, diags, with_foundry};
    use super::*;

    const MODELS_OK: &str = r#"'[{"name": "gpt-4o", "properties": {"model": {"name": "gpt-4o", "version": "2024-11-20", "format": "OpenAI"}}}]'"#;
    const DISCOVERY_OK: &str = r#"'{"listModelsEndpoint": "/deployments", "getModelEndpoint": "/deployments/{deploymentName}", "deploymentProvider": "AzureOpenAI"}'"#;

    /// One gateway connection with `metadata` lines (indented under `metadata:`).
    fn gateway(category: &str, metadata: &[&str]) -> String {
        let mut body = format!(
            "connections:\n  - name: gw1\n    category: {category}\n    target: {{ url: 'https://contoso.azure-api.net/openai' }}\n    auth: {{ type: ApiKey, key: {{ secret: gwKey }} }}\n"
        );
        if !metadata.is_empty() {
            body.push_str("    metadata:\n");
            for m in metadata {
                body.push_str(&format!("      {m}\n"));
            }
        }
        with_foundry(&body)
    }

    #[test]
    fn accepts_static_models_or_discovery() {
        for category in ["ApiManagement", "ModelGateway"] {
            for list in [
                format!("models: {MODELS_OK}"),
                format!("modelDiscovery: {DISCOVERY_OK}"),
            ] {
                let c = codes(&gateway(category, &["deploymentInPath: 'false'", &list]));
                assert_eq!(c, Vec::<Code>::new(), "{category}: {list}");
            }
        }
    }

    #[test]
    fn warns_about_the_placeholders_init_writes() {
        let init = r#"'[{"name": "<deployment>", "properties": {"model": {"name": "<model>", "version": "", "format": "OpenAI"}}}]'"#;
        let d = diags(&gateway(
            "ApiManagement",
            &["deploymentInPath: 'false'", &format!("models: {init}")],
        ));
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].code, Code::GatewayModels);
        assert!(!d[0].is_error(), "a warning, so init's output validates");
        assert_eq!(d[0].path.0, "foundries[0].connections[0].metadata.models");
        assert_eq!(
            d[0].message,
            "deployment 1 of `models` still holds the placeholder `<deployment>` and `<model>`"
        );
        assert!(
            d[0].help
                .as_deref()
                .unwrap()
                .contains("deployment name it serves"),
            "{:?}",
            d[0].help
        );
    }

    #[test]
    fn requires_deployment_in_path_and_says_what_each_value_means() {
        let d = diags(&gateway(
            "ApiManagement",
            &[&format!("models: {MODELS_OK}")],
        ));
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].code, Code::MissingKey);
        assert_eq!(
            d[0].path.0,
            "foundries[0].connections[0].metadata.deploymentInPath"
        );
        let help = d[0].help.as_deref().unwrap();
        assert!(
            help.contains("`\"true\"`") && help.contains("`\"false\"`"),
            "{help}"
        );
        assert!(
            help.contains("URL path") && help.contains("request body"),
            "{help}"
        );
    }

    #[test]
    fn deployment_in_path_is_true_or_false() {
        let d = diags(&gateway(
            "ModelGateway",
            &["deploymentInPath: 'yes'", &format!("models: {MODELS_OK}")],
        ));
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].code, Code::InvalidValue);
        assert!(d[0].help.as_deref().unwrap().contains("URL path"));
        // A YAML boolean is the metadata rule's (quote it).
        let c = codes(&gateway(
            "ModelGateway",
            &["deploymentInPath: true", &format!("models: {MODELS_OK}")],
        ));
        assert_eq!(c, [Code::MetadataNotString]);
    }

    #[test]
    fn needs_models_or_discovery_and_not_both() {
        let d = diags(&gateway("ModelGateway", &["deploymentInPath: 'false'"]));
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].code, Code::MissingKey);
        assert!(d[0].help.as_deref().unwrap().contains("modelDiscovery: '{"));
        let d = diags(&gateway("ApiManagement", &[]));
        assert_eq!(
            d.iter().map(|d| d.code).collect::<Vec<_>>(),
            [Code::MissingKey, Code::MissingKey]
        );
        let c = codes(&gateway(
            "ApiManagement",
            &[
                "deploymentInPath: 'true'",
                &format!("models: {MODELS_OK}"),
                &format!("modelDiscovery: {DISCOVERY_OK}"),
            ],
        ));
        assert_eq!(c, [Code::GatewayModels]);
    }

    #[test]
    fn models_is_a_json_list_of_deployments() {
        let bad = [
            "'[{\"name\": \"gpt-4o\"'",
            "'{\"name\": \"gpt-4o\"}'",
            "'[]'",
            "'[{\"name\": \"gpt-4o\", \"properties\": {\"model\": {\"name\": \"gpt-4o\", \"version\": \"1\"}}}]'",
            "'[{\"name\": \"\", \"properties\": {\"model\": {\"name\": \"gpt-4o\", \"version\": \"\", \"format\": \"OpenAI\"}}}]'",
        ];
        for b in bad {
            let d = diags(&gateway(
                "ModelGateway",
                &["deploymentInPath: 'false'", &format!("models: {b}")],
            ));
            assert_eq!(d.len(), 1, "{b}: {d:?}");
            assert_eq!(d[0].code, Code::GatewayModels, "{b}");
            assert_eq!(d[0].path.0, "foundries[0].connections[0].metadata.models");
        }
        let d = diags(&gateway(
            "ModelGateway",
            &["deploymentInPath: 'false'", &format!("models: {}", bad[3])],
        ));
        assert_eq!(
            d[0].message,
            "deployment 1 of `models` needs `properties.model.format`, a non-empty string"
        );
    }

    #[test]
    fn model_discovery_has_the_three_keys() {
        let d = diags(&gateway(
            "ApiManagement",
            &[
                "deploymentInPath: 'true'",
                r#"modelDiscovery: '{"listModelEndpoint": "/models", "getModelEndpoint": "/models", "deploymentProvider": "Anthropic"}'"#,
            ],
        ));
        let mut got: Vec<(Code, &str)> = d.iter().map(|d| (d.code, d.message.as_str())).collect();
        got.sort();
        assert_eq!(
            got,
            [
                (
                    Code::InvalidValue,
                    "`modelDiscovery.deploymentProvider` is `Anthropic`, not `AzureOpenAI` or `OpenAI`"
                ),
                (
                    Code::GatewayModels,
                    "`modelDiscovery.getModelEndpoint` has no `{deploymentName}` placeholder"
                ),
                (
                    Code::GatewayModels,
                    "`modelDiscovery` has an unknown key `listModelEndpoint`"
                ),
                (
                    Code::GatewayModels,
                    "`modelDiscovery` needs `listModelsEndpoint`"
                ),
            ]
        );
        let unknown = d
            .iter()
            .find(|d| d.message.contains("unknown key"))
            .unwrap();
        assert_eq!(
            unknown.help.as_deref(),
            Some("did you mean `listModelsEndpoint`?")
        );
        let c = codes(&gateway(
            "ApiManagement",
            &["deploymentInPath: 'true'", "modelDiscovery: '[]'"],
        ));
        assert_eq!(c, [Code::GatewayModels]);
    }

    /// A model gateway connection over OAuth2 with `extra` auth lines.
    fn oauth2(extra: &str) -> String {
        with_foundry(&format!(
            "connections:\n  - name: gw1\n    category: ModelGateway\n    target: {{ url: 'https://gateway.example.com/v1' }}\n    auth: {{ type: OAuth2, client_id: 00000000-0000-0000-0000-000000000001, client_secret: {{ secret: gwSecret }}{extra} }}\n    metadata: {{ deploymentInPath: 'false', models: {MODELS_OK} }}\n"
        ))
    }

    #[test]
    fn a_model_gateway_over_oauth2_needs_its_token_url() {
        let d = diags(&oauth2(""));
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].code, Code::MissingCredential);
        assert_eq!(d[0].path.0, "foundries[0].connections[0].auth.token_url");
        assert!(
            d[0].help
                .as_deref()
                .unwrap()
                .starts_with("add `token_url: ")
        );
        let c = codes(&oauth2(
            ", token_url: 'https://login.example.com/oauth2/token', scopes: [api://gateway/.default]",
        ));
        assert_eq!(c, Vec::<Code>::new());
        let c = codes(&oauth2(", token_url: 'http://login.example.com/token'"));
        assert_eq!(c, [Code::InvalidUrl]);
    }

    #[test]
    fn token_url_and_scopes_belong_to_oauth2() {
        let c = codes(&with_foundry(&format!(
            "connections:\n  - name: gw1\n    category: ModelGateway\n    target: {{ url: 'https://gateway.example.com/v1' }}\n    auth: {{ type: ApiKey, key: {{ secret: gwKey }}, token_url: 'https://login.example.com/token', scopes: [a] }}\n    metadata: {{ deploymentInPath: 'false', models: {MODELS_OK} }}\n"
        )));
        assert_eq!(c, [Code::UnexpectedCredential, Code::UnexpectedCredential]);
    }

    #[test]
    fn other_categories_are_not_gateways() {
        let c = codes(&with_foundry(
            "connections:\n  - { name: web, category: ApiKey, target: { url: 'https://a.example' }, auth: { type: ApiKey, key: { secret: k } } }",
        ));
        assert_eq!(c, Vec::<Code>::new());
    }
}
