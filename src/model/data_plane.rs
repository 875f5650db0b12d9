//! Model stage, data-plane roles: a role a resource grants on its data through a child resource
//! of its own (a Cosmos DB account's `sqlRoleAssignments`) rather than Azure RBAC. Each is a child
//! of that resource's entity, existing or created, and so a link of its chain.

use super::{Builder, EntityId, Expr, Kind, Reason, Value};
use crate::catalog::DataPlane;

impl Builder<'_> {
    /// The assignment of data-plane role `role_guid` (named `role_name`) of `plane` on `resource`,
    /// to the identity `holder` holds: `<resource>/<assignment type>/<guid>` with
    /// `roleDefinitionId` `<resource id>/<definitions>/<role guid>`, `scope` the resource id and
    /// `principalId` the holder's. One per resource, holder and role; a second request returns the
    /// first.
    ///
    /// Its name is `guid(scope, holder, role definition)`, the seed of Azure RBAC assignments,
    /// made only of ids known at deployment start.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn data_plane_role_assignment(
        &mut self,
        plane: &DataPlane,
        resource: EntityId,
        holder: EntityId,
        role_name: &str,
        role_guid: &str,
        words: String,
        spec_path: String,
        fi: usize,
    ) -> EntityId {
        self.data_plane_role_assignment_at(
            plane, resource, None, holder, role_name, role_guid, words, spec_path, fi,
        )
    }

    /// The same, with its `scope` a path under the resource (`<account id>/dbs/<database>`) when
    /// `under` is given; the scope is part of its name.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn data_plane_role_assignment_at(
        &mut self,
        plane: &DataPlane,
        resource: EntityId,
        under: Option<&str>,
        holder: EntityId,
        role_name: &str,
        role_guid: &str,
        words: String,
        spec_path: String,
        fi: usize,
    ) -> EntityId {
        let key = format!(
            "dataPlaneRoleAssignment:{}{}:{}:{}",
            self.entities[resource].key,
            under.unwrap_or_default(),
            self.entities[holder].key,
            role_guid
        );
        if let Some(&id) = self.by_key.get(&key) {
            return id;
        }
        let label = format!(
            "data-plane role `{role_name}` for `{}` on `{}{}`",
            self.entities[holder].name_text(),
            self.entities[resource].name_text(),
            under.unwrap_or_default()
        );
        let definition = Expr::Concat(vec![
            Expr::Id(resource),
            Expr::Literal(format!("/{}/{role_guid}", plane.definitions)),
        ]);
        let at = match under {
            Some(path) => Expr::Concat(vec![Expr::Id(resource), Expr::Literal(path.to_string())]),
            None => Expr::Id(resource),
        };
        let name = Value::Expr(Expr::Guid(vec![
            at.clone(),
            Expr::Id(holder),
            definition.clone(),
        ]));
        let id = self.new_entity(
            key,
            &words,
            Kind::DataPlaneRoleAssignment,
            plane.assignment_type,
            name,
            spec_path,
            label,
            Some(fi),
        );
        let scope = self.entities[resource].scope.clone();
        let e = &mut self.entities[id];
        e.scope = scope;
        e.role = Some((role_name.to_string(), role_guid.to_string()));
        e.properties = Value::object([
            ("roleDefinitionId", Value::Expr(definition)),
            ("scope", Value::Expr(at)),
            ("principalId", Value::Expr(Expr::PrincipalId(holder))),
        ]);
        self.dep(id, holder, Reason::Principal);
        // A child of the resource, whose operations run one at a time: the link after the child
        // made under it before (an earlier assignment; a database, when the resource is created).
        self.child(id, resource);
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::COSMOS_DATA_PLANE;
    use crate::model::{Dep, Model, Scope};
    use crate::spec::Source;

    const COSMOS: &str = "Microsoft.DocumentDB/databaseAccounts";
    const READER: &str = "00000000-0000-0000-0000-000000000001";
    const CONTRIBUTOR: &str = "00000000-0000-0000-0000-000000000002";

    fn model(text: &str) -> Model {
        crate::check(&Source::new("t.yaml", text))
            .expect("valid spec")
            .model
    }

    #[test]
    fn a_data_plane_role_is_a_child_of_the_account_in_its_chain_before_the_connection() {
        let m = model(
            "version: 1\nname: t\nlocation: eastus2\nfoundries:\n  - name: f1\n    projects: [{ name: p1 }]\n    connections:\n      - { name: docs, category: CosmosDb, target: { resource: { type: Microsoft.DocumentDB/databaseAccounts, name: cosmos1, resource_group: rg-data } }, auth: { type: AAD }, roles: [Cosmos DB Built-in Data Reader, Cosmos DB Operator] }\n      - { name: docs2, project: p1, category: CosmosDb, target: { resource: { type: Microsoft.DocumentDB/databaseAccounts, name: cosmos1, resource_group: rg-data } }, auth: { type: AAD }, roles: ['00000000-0000-0000-0000-000000000002'] }\n",
        );
        let of_kind = |k: Kind| -> Vec<EntityId> {
            (0..m.entities.len())
                .filter(|&i| m.entities[i].kind == k)
                .collect()
        };
        let roles = of_kind(Kind::DataPlaneRoleAssignment);
        let [first, second] = roles[..] else {
            panic!("two data-plane roles: {roles:?}");
        };
        let account = m.entities[first].parent.expect("a child of the account");
        let a = m.entity(account);
        assert_eq!((a.kind, a.existing), (Kind::Target, true));
        assert_eq!(a.resource_type, COSMOS);
        assert_eq!(
            m.entities[second].parent,
            Some(account),
            "one account entity"
        );
        let e = m.entity(first);
        assert_eq!(
            e.resource_type,
            "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments"
        );
        assert_eq!(e.api_version, "2026-03-15");
        assert_eq!(e.extends, None, "a child, not an extension resource");
        assert_eq!(e.scope, a.scope, "it lives where the account does");
        assert_eq!(
            e.role,
            Some(("Cosmos DB Built-in Data Reader".into(), READER.into()))
        );
        let holder = m.outputs[0].account.1;
        let definition = Expr::Concat(vec![
            Expr::Id(account),
            Expr::Literal(format!("/sqlRoleDefinitions/{READER}")),
        ]);
        assert_eq!(
            e.name,
            Value::Expr(Expr::Guid(vec![
                Expr::Id(account),
                Expr::Id(holder),
                definition.clone()
            ]))
        );
        assert_eq!(
            e.properties,
            Value::object([
                ("roleDefinitionId", Value::Expr(definition)),
                ("scope", Value::Expr(Expr::Id(account))),
                ("principalId", Value::Expr(Expr::PrincipalId(holder))),
            ])
        );
        // The existing account gets no dependency, but the chain of its children holds.
        assert_eq!(
            e.deps,
            [Dep {
                on: holder,
                reason: Reason::Principal
            }]
        );
        assert!(
            m.entity(second).deps.contains(&Dep {
                on: first,
                reason: Reason::ExclusiveParent
            }),
            "{:?}",
            m.entity(second).deps
        );
        // Each before its own connection; the RBAC role stays an RBAC role.
        let conns = of_kind(Kind::Connection);
        for (conn, role) in conns.iter().zip([first, second]) {
            assert!(m.entity(*conn).deps.contains(&Dep {
                on: role,
                reason: Reason::OwnRole
            }));
        }
        assert_eq!(of_kind(Kind::RoleAssignment).len(), 1);
        assert_eq!(m.entity(second).role.as_ref().unwrap().1, CONTRIBUTOR);
    }

    /// A data-plane role is a child of a created account, but not part of what a Foundry account
    /// waits for when it connects there: the role waits for that Foundry identity, so a second
    /// connection of the same foundry to the account made a cycle (account -> role -> account).
    #[test]
    fn accounts_connecting_to_a_created_cosmos_account_do_not_wait_for_its_data_plane_roles() {
        let conn = |name: &str, role: &str| {
            format!(
                "      - {{ name: {name}, category: CosmosDb, target: {{ resource: {{ type: Microsoft.DocumentDB/databaseAccounts, name: cosmos1 }} }}, auth: {{ type: AAD }}, roles: [{role}] }}\n"
            )
        };
        let text = format!(
            "version: 1\nname: t\nlocation: eastus2\nresources:\n  - {{ type: Microsoft.DocumentDB/databaseAccounts, name: cosmos1, databases: [db1] }}\nfoundries:\n  - name: f1\n    connections:\n{}{}  - name: f2\n    connections:\n{}",
            conn("docs", "Cosmos DB Built-in Data Reader"),
            conn("docs2", "Cosmos DB Built-in Data Contributor"),
            conn("docs3", "Cosmos DB Built-in Data Reader"),
        );
        let m = model(&text);
        let accounts: Vec<EntityId> = (0..m.entities.len())
            .filter(|&i| m.entities[i].kind == Kind::Account)
            .collect();
        assert_eq!(accounts.len(), 2);
        for a in accounts {
            let on: Vec<Kind> = m
                .entity(a)
                .deps
                .iter()
                .map(|d| m.entity(d.on).kind)
                .collect();
            // The Cosmos DB account and its database.
            assert_eq!(on, [Kind::Target, Kind::Resource], "{}", m.entity(a).key);
        }
        let roles = (0..m.entities.len())
            .filter(|&i| m.entities[i].kind == Kind::DataPlaneRoleAssignment)
            .count();
        assert_eq!(roles, 3);
    }

    /// What a created Cosmos DB account (from a builder file of its own) gets from the same
    /// calls: every child waits for the account and for the child before it, databases and
    /// data-plane roles alike, in the order they are made.
    #[test]
    fn the_children_of_a_created_account_form_one_chain() {
        let source = Source::new(
            "t.yaml",
            "version: 1\nname: t\nlocation: eastus2\nfoundries:\n  - name: f1\n",
        );
        let (root, _) = crate::spec::load::parse_tree(&source).unwrap();
        let spec = crate::spec::load::decode(&source, &root).unwrap();
        let mut b = Builder::new(&spec);
        let created = |b: &mut Builder, key: &str, kind: Kind, ty: &str| {
            b.new_entity(
                key.into(),
                key,
                kind,
                ty,
                Value::str(key),
                String::new(),
                key.into(),
                Some(0),
            )
        };
        let holder = created(
            &mut b,
            "f1",
            Kind::Account,
            "Microsoft.CognitiveServices/accounts",
        );
        let account = created(&mut b, "cosmos1", Kind::Target, COSMOS);
        let database = created(
            &mut b,
            "cosmos1/db",
            Kind::Target,
            "Microsoft.DocumentDB/databaseAccounts/sqlDatabases",
        );
        b.child(database, account);
        let role = |b: &mut Builder, guid: &str| {
            b.data_plane_role_assignment(
                &COSMOS_DATA_PLANE,
                account,
                holder,
                "r",
                guid,
                format!("role-{guid}"),
                String::new(),
                0,
            )
        };
        let reader = role(&mut b, READER);
        let contributor = role(&mut b, CONTRIBUTOR);
        assert_eq!(
            role(&mut b, READER),
            reader,
            "one per account, holder and role"
        );
        let deps = |id: EntityId| b.entities[id].deps.clone();
        let dep = |on, reason| Dep { on, reason };
        assert_eq!(deps(database), [dep(account, Reason::Parent)]);
        assert_eq!(
            deps(reader),
            [
                dep(account, Reason::Parent),
                dep(holder, Reason::Principal),
                dep(database, Reason::ExclusiveParent)
            ]
        );
        assert_eq!(
            deps(contributor),
            [
                dep(account, Reason::Parent),
                dep(holder, Reason::Principal),
                dep(reader, Reason::ExclusiveParent)
            ]
        );
        assert_eq!(b.entities[reader].scope, Scope::default());
    }
}
