//! `init`: a commented starter spec built from a few flags, so scaffolding scripts get a valid spec
//! without writing YAML. The result is validated before it is returned.

use std::fmt::Write as _;

use heck::ToLowerCamelCase;

use crate::catalog;
use crate::category;
use crate::error::Error;
use crate::render::filters::json_string;
use crate::spec::Source;

/// What the starter spec holds.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Deployment name.
    pub name: String,
    /// Azure region.
    pub location: String,
    /// Foundry account name.
    pub foundry: String,
    /// Projects to create.
    pub projects: Vec<String>,
    /// The bring-your-own Key Vault.
    pub key_vault: Option<String>,
    /// Connections as `CATEGORY:NAME:TARGET`.
    pub connections: Vec<String>,
}

/// A YAML scalar that reads back as exactly `s`: plain when that is unambiguous, else
/// double-quoted (JSON escapes are valid YAML).
fn yaml(s: &str) -> String {
    let plain = s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n"
        );
    if plain { s.to_string() } else { json_string(s) }
}

fn usage(message: String) -> Error {
    Error::Usage { message }
}

/// The starter spec's text; an error when a flag does not make a valid spec.
pub fn starter_spec(o: &Options) -> Result<String, Error> {
    let mut s = String::new();
    s.push_str("# yaml-language-server: $schema=./foundrygen.schema.json\n");
    s.push_str("# A foundrygen spec (version 1). `foundrygen schema > foundrygen.schema.json` gives editors\n");
    s.push_str("# completion; `foundrygen validate` checks it; `foundrygen render <this file> -o infra` writes\n");
    s.push_str("# Bicep, ARM JSON and Terraform. Every key is described in foundrygen's README.\n");
    let _ = writeln!(s, "version: 1");
    let _ = writeln!(s, "name: {}  # the deployment's name", yaml(&o.name));
    let _ = writeln!(
        s,
        "location: {}  # where created resources go",
        yaml(&o.location)
    );
    s.push_str("foundries:\n");
    let _ = writeln!(
        s,
        "  - name: {}  # Microsoft.CognitiveServices/accounts, kind AIServices",
        yaml(&o.foundry)
    );
    s.push_str("    # existing: true  # reference an account that exists instead of creating it\n");
    s.push_str("    # disable_local_auth: false  # keys are off by default; this keeps them on\n");
    if !o.projects.is_empty() {
        s.push_str("    projects:\n");
        for p in &o.projects {
            let _ = writeln!(s, "      - name: {}", yaml(p));
        }
    }
    let mut cs = String::new();
    let mut stores_secrets = false;
    if !o.connections.is_empty() {
        cs.push_str("    connections:\n");
    }
    for c in &o.connections {
        let mut parts = c.splitn(3, ':');
        let (Some(cat), Some(name), Some(target)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(usage(format!(
                "--connection `{c}` is not CATEGORY:NAME:TARGET"
            )));
        };
        let Some(category) = catalog::canonical_category(cat) else {
            let hint = crate::diagnostics::did_you_mean(cat, catalog::CATEGORIES.iter().copied())
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            return Err(usage(format!(
                "--connection `{c}`: unknown category `{cat}`{hint}"
            )));
        };
        if category == "AzureKeyVault" {
            return Err(usage(format!(
                "--connection `{c}`: use --key-vault for the Key Vault connection"
            )));
        }
        let _ = writeln!(cs, "      - name: {}", yaml(name));
        let _ = writeln!(cs, "        category: {category}");
        let is_resource = !target.starts_with("http://") && !target.starts_with("https://");
        if target.starts_with("http://") || target.starts_with("https://") {
            let _ = writeln!(cs, "        target: {{ url: {} }}", yaml(target));
        } else if target.starts_with("/subscriptions/") {
            let _ = writeln!(cs, "        target: {{ resource_id: {} }}", yaml(target));
        } else {
            // `Namespace/type/child/<parent>/<child>` for a child target type (an API of an API
            // Management service), else `Namespace/type/name`.
            let child = catalog::TARGET_TYPES
                .iter()
                .filter(|t| t.parent.is_some())
                .find_map(|t| {
                    let n = t.resource_type.len();
                    (target.len() > n + 1
                        && target.is_char_boundary(n)
                        && target[..n].eq_ignore_ascii_case(t.resource_type)
                        && target[n..].starts_with('/'))
                    .then(|| (&target[..n], &target[n + 1..]))
                });
            let Some((ty, res)) = child.or_else(|| target.rsplit_once('/')) else {
                return Err(usage(format!(
                    "--connection `{c}`: TARGET is an https URL, a resource id, or Namespace/type/name"
                )));
            };
            let _ = writeln!(
                cs,
                "        target: {{ resource: {{ type: {}, name: {} }} }}",
                yaml(ty),
                yaml(res)
            );
        }
        if category::is_gateway(category) {
            cs.push_str("        metadata:  # how the gateway routes model calls; see the README's gateway section
");
            cs.push_str("          deploymentInPath: \"false\"  # \"true\": <target>/deployments/<name>/chat/completions; \"false\": the name in the body
");
            cs.push_str("          models: '[{\"name\": \"<deployment>\", \"properties\": {\"model\": {\"name\": \"<model>\", \"version\": \"\", \"format\": \"OpenAI\"}}}]'  # or modelDiscovery
");
        }
        let allowed = category::rule(category).map(|r| r.auth).unwrap_or(&[]);
        let auth = if is_resource && allowed.contains(&"AAD") {
            "AAD"
        } else {
            allowed
                .iter()
                .copied()
                .find(|a| !catalog::is_unpublished_auth_type(a))
                .unwrap_or("ApiKey")
        };
        let secret = format!("{name}_key").to_lower_camel_case();
        stores_secrets |= catalog::stores_credentials_in_vault(auth);
        match auth {
            "AAD" => cs.push_str(
                "        auth: { type: AAD }  # Entra ID: grant the account's identity a role below\n        # roles: [<role name or GUID>]\n",
            ),
            "CustomKeys" => {
                let _ = writeln!(
                    cs,
                    "        auth: {{ type: CustomKeys, keys: {{ x-api-key: {{ secret: {secret} }} }} }}   # a secure parameter at deployment"
                );
            }
            "SAS" => {
                let _ = writeln!(cs, "        auth: {{ type: SAS, sas: {{ secret: {secret} }} }}");
            }
            other => {
                let _ = writeln!(
                    cs,
                    "        auth: {{ type: {other}, key: {{ secret: {secret} }} }}   # a secure parameter at deployment"
                );
            }
        }
    }
    if let Some(kv) = &o.key_vault {
        s.push_str("    # The bring-your-own Key Vault connection: created first, after every project; the\n");
        s.push_str("    # account's identity gets Key Vault Secrets Officer on the vault before any other\n");
        s.push_str("    # connection is created.\n");
        s.push_str("    key_vault:\n");
        let _ = writeln!(s, "      name: {}", yaml(kv));
        s.push_str("      # resource_group: rg-shared  # when the vault lives elsewhere\n");
        s.push_str("      # permission_model: access_policies\n");
        if stores_secrets {
            // Their keys go into the vault: without a wait they race the role's propagation (FG062).
            s.push_str(
                "      wait_for_role: 60s  # the connections below store their keys in the vault\n",
            );
        } else {
            s.push_str("      # wait_for_role: 60s\n");
        }
    }
    s.push_str(&cs);
    // Never hand out a spec that does not validate.
    crate::check(&Source::new("<init>", s.clone()))?;
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> Options {
        Options {
            name: "contoso-ai".into(),
            location: "eastus2".into(),
            foundry: "contoso-foundry".into(),
            projects: vec!["research".into()],
            key_vault: Some("contoso-kv".into()),
            connections: vec![
                "CognitiveSearch:search:Microsoft.Search/searchServices/contoso-search".into(),
                "ApiKey:bing:https://api.bing.microsoft.com/".into(),
                "CustomKeys:weather:https://api.weather.example.com/".into(),
            ],
        }
    }

    #[test]
    fn starter_spec_validates_and_names_the_schema() {
        let text = starter_spec(&opts()).unwrap();
        assert!(text.starts_with("# yaml-language-server: $schema="));
        let checked = crate::check(&Source::new("x", text)).unwrap();
        assert_eq!(checked.model.secrets.len(), 2);
    }

    #[test]
    fn refuses_bad_connection_flags() {
        let mut o = opts();
        o.connections = vec!["CognitivSearch:s:https://x.example.com".into()];
        let e = starter_spec(&o).unwrap_err().to_string();
        assert!(e.contains("did you mean `CognitiveSearch`"), "{e}");
        o.connections = vec!["nonsense".into()];
        assert!(starter_spec(&o).is_err());
    }

    #[test]
    fn gateway_connections_get_the_metadata_they_need() {
        let mut o = opts();
        o.connections = vec![
            "ApiManagement:apim:Microsoft.ApiManagement/service/apis/contoso-apim/openai".into(),
            "ModelGateway:gateway:https://gateway.example.com/v1".into(),
        ];
        let text = starter_spec(&o).unwrap();
        assert!(text.contains("name: contoso-apim/openai"), "{text}");
        assert_eq!(
            text.matches("deploymentInPath: \"false\"").count(),
            2,
            "{text}"
        );
    }

    #[test]
    fn refuses_invalid_names_with_the_validation_error() {
        let mut o = opts();
        o.foundry = "bad_name".into();
        assert!(matches!(starter_spec(&o), Err(Error::InvalidSpec { .. })));
    }
}
