//! Model stage, the bring-your-own Key Vault: its connection (the first account-level link of the
//! account's chain), the Foundry identity's access (a role or an access policy) and the optional
//! wait; these are the gates every other connection waits for.

use std::collections::BTreeMap;

use super::connections::target_resource;
use super::foundry::FoundryCtx;
use super::{Builder, EntityId, Expr, Kind, Reason, Scope, Value, scope_of};
use crate::catalog;
use crate::spec::{self, KeyVaultRole, PermissionModel, VaultAccess};
use crate::validate::foundry::parse_duration;
use crate::validate::names::default_key_vault_connection;

/// Role definition GUIDs of the three Key Vault roles.
pub const KEY_VAULT_SECRETS_OFFICER: &str = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7";
/// Key Vault Administrator.
pub const KEY_VAULT_ADMINISTRATOR: &str = "00482a5a-887f-4fb3-b363-3b7fe8e74483";
/// Key Vault Contributor.
pub const KEY_VAULT_CONTRIBUTOR: &str = "f25e0fa2-a7c8-4377-a976-54943a77a395";
/// The default access-policy secret permissions.
pub const DEFAULT_SECRET_PERMISSIONS: &[&str] = &["get", "list", "set", "delete"];

impl Builder<'_> {
    /// The Key Vault connection, the vault access and the wait, when the foundry has a vault;
    /// returns what every other connection waits for, and why.
    pub(super) fn key_vault(
        &mut self,
        ctx: &FoundryCtx,
        f: &spec::Foundry,
    ) -> Vec<(EntityId, Reason)> {
        let FoundryCtx {
            fi,
            ref fpath,
            account,
            holder: holder_of_account,
            group,
            ..
        } = *ctx;
        // The Key Vault connection: the block, or an AzureKeyVault connection.
        let kv_conn_spec = f
            .connections
            .iter()
            .enumerate()
            .find(|(_, c)| catalog::canonical_category(&c.category) == Some("AzureKeyVault"));
        let kv_setup = match (&f.key_vault, kv_conn_spec) {
            (Some(kv), _) => Some(KvSetup {
                name: kv.name.clone(),
                scope: scope_of(&kv.subscription, &kv.resource_group),
                model: kv.permission_model,
                role: kv.role.unwrap_or_default(),
                permissions: kv.secret_permissions.clone().unwrap_or_else(|| {
                    DEFAULT_SECRET_PERMISSIONS
                        .iter()
                        .map(|s| s.to_string())
                        .collect()
                }),
                connection_name: kv
                    .connection_name
                    .clone()
                    .unwrap_or_else(|| default_key_vault_connection(&f.name)),
                wait: kv.wait_for_role.as_deref().and_then(parse_duration),
                access: kv.access,
                path: format!("{fpath}.key_vault"),
                shared_to_all: true,
                extra_metadata: BTreeMap::new(),
            }),
            (None, Some((ci, c))) => {
                let (name, scope) = target_resource(&c.target).unwrap_or_default();
                Some(KvSetup {
                    name,
                    scope,
                    model: PermissionModel::Rbac,
                    role: KeyVaultRole::SecretsOfficer,
                    permissions: Vec::new(),
                    connection_name: c.name.clone(),
                    wait: None,
                    access: VaultAccess::Create,
                    path: format!("{fpath}.connections[{ci}]"),
                    shared_to_all: c.shared_to_all.unwrap_or(true),
                    extra_metadata: c.metadata.clone(),
                })
            }
            (None, None) => None,
        };
        let mut gates: Vec<(EntityId, Reason)> = Vec::new();
        if let Some(kv) = kv_setup {
            let vault = self.existing(
                Kind::Vault,
                "Microsoft.KeyVault/vaults",
                &kv.name,
                kv.scope.clone(),
                kv.path.clone(),
                &format!("{}-vault", kv.name),
            );
            let conn = self.new_entity(
                format!("{}/connections/{}", f.name, kv.connection_name),
                &format!("{}-key-vault-connection", f.name),
                Kind::KeyVaultConnection,
                "Microsoft.CognitiveServices/accounts/connections",
                Value::str(&kv.connection_name),
                kv.path.clone(),
                format!(
                    "Key Vault connection `{}` of `{}`",
                    kv.connection_name, f.name
                ),
                Some(fi),
            );
            let mut metadata: BTreeMap<String, Value> = BTreeMap::new();
            metadata.insert("ApiType".into(), Value::str("Azure"));
            metadata.insert("ResourceId".into(), Value::Expr(Expr::Id(vault)));
            metadata.insert("location".into(), Value::Expr(Expr::Location(vault)));
            for (k, v) in &kv.extra_metadata {
                metadata.insert(k.clone(), Value::str(v));
            }
            self.child(conn, account);
            self.connects_to(account, conn, vault);
            let e = &mut self.entities[conn];
            e.key_vault = Some(super::KeyVaultUse {
                vault,
                permission_model: kv.model,
                access: kv.access,
            });
            e.properties = Value::object([
                ("category", Value::str("AzureKeyVault")),
                ("target", Value::Expr(Expr::Id(vault))),
                ("authType", Value::str("AccountManagedIdentity")),
                ("isSharedToAll", Value::Bool(kv.shared_to_all)),
                ("metadata", Value::Object(metadata.into_iter().collect())),
            ]);
            self.current_output()
                .connections
                .push((kv.connection_name.clone(), conn));
            gates.push((conn, Reason::KeyVaultConnection));

            // The Foundry identity's access to the vault: none to create when it exists, and
            // what waits for it waits for the Key Vault connection instead.
            let access = match (kv.access, kv.model) {
                (VaultAccess::Existing, _) => None,
                (VaultAccess::Create, PermissionModel::Rbac) => {
                    let (role_name, guid) = match kv.role {
                        KeyVaultRole::SecretsOfficer => {
                            ("Key Vault Secrets Officer", KEY_VAULT_SECRETS_OFFICER)
                        }
                        KeyVaultRole::Administrator => {
                            ("Key Vault Administrator", KEY_VAULT_ADMINISTRATOR)
                        }
                        KeyVaultRole::Contributor => {
                            ("Key Vault Contributor", KEY_VAULT_CONTRIBUTOR)
                        }
                    };
                    let ra = self.role_assignment(
                        vault,
                        holder_of_account,
                        role_name,
                        guid,
                        format!("{}-key-vault-role", f.name),
                        kv.path.clone(),
                        fi,
                    );
                    self.dep(ra, conn, Reason::KeyVaultConnection);
                    Some(ra)
                }
                (VaultAccess::Create, PermissionModel::AccessPolicies) => {
                    let ap = match self.access_policies.get(&(vault, group)) {
                        Some(&ap) => ap,
                        None => {
                            let ap = self.new_entity(
                                match group {
                                    None => {
                                        format!("{}/accessPolicies/add", self.entities[vault].key)
                                    }
                                    Some(g) => format!(
                                        "{}/accessPolicies/add@{g}",
                                        self.entities[vault].key
                                    ),
                                },
                                &format!("{}-access-policy", kv.name),
                                Kind::AccessPolicy,
                                "Microsoft.KeyVault/vaults/accessPolicies",
                                Value::str("add"),
                                kv.path.clone(),
                                format!("access policy on Key Vault `{}`", kv.name),
                                Some(fi),
                            );
                            self.entities[ap].scope = kv.scope.clone();
                            self.set_parent(ap, vault);
                            // The same vault's `add` written from another template (a foundry
                            // module): the two writes must not race.
                            let earlier = self
                                .access_policies
                                .range((vault, None)..=(vault, Some(usize::MAX)))
                                .map(|(_, &other)| other)
                                .max();
                            if let Some(other) = earlier {
                                self.dep(ap, other, Reason::SharedVaultPolicy);
                            }
                            self.access_policies.insert((vault, group), ap);
                            ap
                        }
                    };
                    let mut perms = kv.permissions.clone();
                    perms.dedup();
                    if !self.entities[ap]
                        .grants
                        .iter()
                        .any(|(h, _)| *h == holder_of_account)
                    {
                        self.entities[ap].grants.push((holder_of_account, perms));
                    }
                    let grants = self.entities[ap].grants.clone();
                    self.entities[ap].properties = Value::object([(
                        "accessPolicies",
                        Value::Array(
                            grants
                                .iter()
                                .map(|(h, perms)| {
                                    Value::object([
                                        ("tenantId", Value::Expr(Expr::TenantId)),
                                        ("objectId", Value::Expr(Expr::PrincipalId(*h))),
                                        (
                                            "permissions",
                                            Value::object([(
                                                "secrets",
                                                Value::Array(
                                                    perms.iter().map(Value::str).collect(),
                                                ),
                                            )]),
                                        ),
                                    ])
                                })
                                .collect(),
                        ),
                    )]);
                    self.dep(ap, conn, Reason::KeyVaultConnection);
                    if holder_of_account == account && !f.existing {
                        self.dep(ap, account, Reason::Principal);
                    }
                    Some(ap)
                }
            };
            if let Some(access) = access {
                gates.push((access, Reason::KeyVaultAccess));
            }
            if let Some(secs) = kv.wait {
                let w = self.wait(
                    format!("{}/wait", f.name),
                    &format!("{}-role-wait", f.name),
                    wait_name(&f.name, "-role-wait"),
                    format!("{}.wait_for_role", kv.path),
                    format!(
                        "wait {secs}s for the vault access of `{}` to take effect",
                        f.name
                    ),
                    secs,
                    holder_of_account,
                    fi,
                );
                match access {
                    Some(a) => self.dep(w, a, Reason::KeyVaultAccess),
                    None => self.dep(w, conn, Reason::KeyVaultConnection),
                }
                // Its re-run tag reads the principal id.
                self.dep(w, holder_of_account, Reason::Principal);
                gates.push((w, Reason::RoleWait));
            }
        }
        gates
    }
}

struct KvSetup {
    name: String,
    scope: Scope,
    model: PermissionModel,
    role: KeyVaultRole,
    permissions: Vec<String>,
    connection_name: String,
    wait: Option<u64>,
    access: VaultAccess,
    path: String,
    shared_to_all: bool,
    extra_metadata: BTreeMap<String, String>,
}

/// A deploymentScripts name for a wait: `stem` and `suffix`, at most 64 characters.
pub(super) fn wait_name(stem: &str, suffix: &str) -> String {
    if stem.len() + suffix.len() <= 64 {
        return format!("{stem}{suffix}");
    }
    // Stems are unique (a foundry, a foundry and project) but their first characters need not
    // be: a cut stem keeps a stable hash of the whole one, so two waits never share a name.
    let hash = stem.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let cut: String = stem.chars().take(64 - suffix.len() - 9).collect();
    format!("{}-{:08x}{suffix}", cut.trim_end_matches('-'), hash as u32)
}

impl Builder<'_> {
    /// A wait for the access granted to `holder` to take effect: a `deploymentScripts` sleep
    /// (Bicep, ARM) or a `time_sleep` (Terraform), re-run when the principal changes.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn wait(
        &mut self,
        key: String,
        words: &str,
        name: String,
        spec_path: String,
        label: String,
        secs: u64,
        holder: EntityId,
        fi: usize,
    ) -> EntityId {
        let w = self.new_entity(
            key,
            words,
            Kind::Wait,
            "Microsoft.Resources/deploymentScripts",
            Value::str(name),
            spec_path,
            label,
            Some(fi),
        );
        let e = &mut self.entities[w];
        // A deployment script runs anywhere; the deployment's region keeps `reference()` out of
        // its `location`.
        e.location = Some(Value::Expr(Expr::LocationParam));
        e.tags = Some(self.spec.tags.clone());
        e.resource_kind = Some("AzureCLI".into());
        e.wait_seconds = Some(secs);
        e.wait_for = Some(holder);
        e.properties = Value::object([
            // A changed tag runs the script again; an unchanged one leaves it be.
            ("forceUpdateTag", Value::Expr(Expr::PrincipalId(holder))),
            ("azCliVersion", Value::str("2.75.0")),
            ("scriptContent", Value::str(format!("sleep {secs}"))),
            ("timeout", Value::str(format!("PT{}S", secs + 300))),
            ("retentionInterval", Value::str("PT1H")),
            ("cleanupPreference", Value::str("Always")),
        ]);
        w
    }
}

#[cfg(test)]
mod tests {
    use super::wait_name;

    /// Two long stems that share their first 54 characters (a foundry's wait and one of its
    /// projects') get two names, each at most 64 characters; short ones stay as they are.
    #[test]
    fn long_wait_names_stay_apart() {
        let foundry = "a-very-long-foundry-account-name-that-goes-on-and-on-and-on-x";
        let a = wait_name(foundry, "-role-wait");
        let b = wait_name(&format!("{foundry}-alpha-caphost"), "-role-wait");
        let c = wait_name(&format!("{foundry}-beta-caphost"), "-role-wait");
        assert!(a.len() <= 64 && b.len() <= 64 && c.len() <= 64);
        assert!(a != b && b != c && a != c, "{a} {b} {c}");
        assert!(b.ends_with("-role-wait"), "{b}");
        assert_eq!(wait_name("f1", "-role-wait"), "f1-role-wait");
    }
}
