//! Model stage, model deployments: the `accounts/deployments` of one Cognitive Services account,
//! created or existing, in spec order, each the next link of the account's chain of children.

use super::{Builder, EntityId, Kind, Value};
use crate::catalog;
use crate::spec;

impl Builder<'_> {
    /// Adds the model deployments of `account` (any account entity: a foundry's, created or
    /// existing, or another Cognitive Services account the spec creates), in spec order. Each joins
    /// the account's one chain of child operations where the chain stands now, so a caller that
    /// adds them before anything else under the account makes everything after wait for them.
    /// `path` is the spec path of the list (`foundries[0].deployments`). Returns the entities.
    pub(super) fn model_deployments(
        &mut self,
        account: EntityId,
        deployments: &[spec::ModelDeployment],
        path: &str,
    ) -> Vec<EntityId> {
        let (account_name, foundry, scope, api_version, group) = {
            let a = &self.entities[account];
            (
                a.name_text().to_string(),
                a.foundry,
                a.scope.clone(),
                a.api_version.clone(),
                a.group,
            )
        };
        let mut ids = Vec::new();
        for (di, d) in deployments.iter().enumerate() {
            let id = self.new_entity(
                format!("{account_name}/deployments/{}", d.name),
                &format!("{account_name}-{}-deployment", d.name),
                Kind::ModelDeployment,
                "Microsoft.CognitiveServices/accounts/deployments",
                Value::str(&d.name),
                format!("{path}[{di}]"),
                format!("model deployment `{}` of `{account_name}`", d.name),
                foundry,
            );
            let mut model = vec![
                (
                    "format".to_string(),
                    Value::str(
                        d.model
                            .format
                            .as_deref()
                            .unwrap_or(catalog::DEFAULT_MODEL_FORMAT),
                    ),
                ),
                ("name".to_string(), Value::str(&d.model.name)),
            ];
            if let Some(v) = &d.model.version {
                model.push(("version".into(), Value::str(v)));
            }
            let mut props = vec![("model".to_string(), Value::Object(model))];
            if let Some(p) = &d.rai_policy {
                props.push(("raiPolicyName".into(), Value::str(p)));
            }
            if let Some(v) = d.version_upgrade {
                props.push(("versionUpgradeOption".into(), Value::str(v.literal())));
            }
            let e = &mut self.entities[id];
            // A child of the account, at the account's API version and in its resource group.
            e.api_version = api_version.clone();
            e.scope = scope.clone();
            e.group = group;
            e.tags = Some(self.spec.tags.clone());
            e.sku = Some(Value::object([
                ("name", Value::str(&d.sku.name)),
                (
                    "capacity",
                    Value::Int(
                        d.sku
                            .capacity
                            .unwrap_or(catalog::DEFAULT_DEPLOYMENT_CAPACITY),
                    ),
                ),
            ]));
            e.properties = Value::Object(props);
            self.child(id, account);
            ids.push(id);
        }
        ids
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{Kind, Model, Reason, Value};
    use crate::spec::Source;

    fn model(text: &str) -> Model {
        crate::check(&Source::new("t.yaml", text))
            .expect("valid spec")
            .model
    }

    const SPEC: &str = "version: 1\nname: t\nlocation: eastus2\nfoundries:\n  - name: f1\n    deployments:\n      - { name: gpt-4o, model: { name: gpt-4o, version: '2024-11-20' }, sku: { name: GlobalStandard, capacity: 50 }, rai_policy: Microsoft.DefaultV2, version_upgrade: NoAutoUpgrade }\n      - { name: embed, model: { name: text-embedding-3-large, format: OpenAI }, sku: { name: Standard } }\n    projects:\n      - name: p1\n";

    #[test]
    fn deployments_are_the_first_links_of_the_account_chain() {
        let m = model(SPEC);
        let id = |key: &str| m.entities.iter().position(|e| e.key == key).unwrap();
        let (account, gpt, embed, p1) = (
            id("f1"),
            id("f1/deployments/gpt-4o"),
            id("f1/deployments/embed"),
            id("f1/projects/p1"),
        );
        let deps = |i: usize| {
            m.entity(i)
                .deps
                .iter()
                .map(|d| (d.on, d.reason))
                .collect::<Vec<_>>()
        };
        assert_eq!(deps(gpt), [(account, Reason::Parent)]);
        assert_eq!(
            deps(embed),
            [(account, Reason::Parent), (gpt, Reason::Sibling)]
        );
        assert_eq!(
            deps(p1),
            [(account, Reason::Parent), (embed, Reason::Sibling)]
        );
        let plan: Vec<&str> = m.plan.iter().map(|&i| m.entity(i).key.as_str()).collect();
        assert_eq!(
            plan,
            [
                "f1",
                "f1/deployments/gpt-4o",
                "f1/deployments/embed",
                "f1/projects/p1"
            ]
        );
    }

    #[test]
    fn a_deployment_carries_its_model_sku_and_options() {
        let m = model(SPEC);
        let gpt = m
            .entities
            .iter()
            .find(|e| e.kind == Kind::ModelDeployment)
            .unwrap();
        assert_eq!(
            gpt.resource_type,
            "Microsoft.CognitiveServices/accounts/deployments"
        );
        assert_eq!(gpt.label, "model deployment `gpt-4o` of `f1`");
        assert_eq!(
            gpt.sku,
            Some(Value::object([
                ("name", Value::str("GlobalStandard")),
                ("capacity", Value::Int(50)),
            ]))
        );
        assert_eq!(
            gpt.properties,
            Value::object([
                (
                    "model",
                    Value::object([
                        ("format", Value::str("OpenAI")),
                        ("name", Value::str("gpt-4o")),
                        ("version", Value::str("2024-11-20")),
                    ])
                ),
                ("raiPolicyName", Value::str("Microsoft.DefaultV2")),
                ("versionUpgradeOption", Value::str("NoAutoUpgrade")),
            ])
        );
        let embed = m
            .entities
            .iter()
            .find(|e| e.key == "f1/deployments/embed")
            .unwrap();
        // Defaults: capacity 1, no version (the model's default), no options.
        assert_eq!(
            embed.sku.as_ref().and_then(|s| s.get("capacity")),
            Some(&Value::Int(1))
        );
        assert_eq!(
            embed.properties,
            Value::object([(
                "model",
                Value::object([
                    ("format", Value::str("OpenAI")),
                    ("name", Value::str("text-embedding-3-large")),
                ])
            )])
        );
    }

    #[test]
    fn deployments_of_an_existing_account_live_where_it_does() {
        let m = model(
            "version: 1\nname: t\nlocation: eastus2\napi_versions: { Microsoft.CognitiveServices: 2025-06-01 }\nfoundries:\n  - name: old\n    existing: true\n    resource_group: rg-ai\n    deployments:\n      - { name: gpt-4o, model: { name: gpt-4o }, sku: { name: GlobalStandard } }\n",
        );
        let d = m
            .entities
            .iter()
            .find(|e| e.kind == Kind::ModelDeployment)
            .unwrap();
        let account = m.entity(d.parent.unwrap());
        assert!(account.existing);
        assert_eq!(d.scope, account.scope);
        assert_eq!(d.scope.resource_group.as_deref(), Some("rg-ai"));
        assert_eq!(d.group, Some(0), "written from the foundry's module");
        assert_eq!(d.api_version, "2025-06-01");
        assert_eq!(d.api_version, account.api_version);
        // Nothing waits for an existing parent.
        assert!(d.deps.is_empty());
        assert_eq!(m.plan.len(), 1);
    }
}
