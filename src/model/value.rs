//! Format-neutral property values: literals plus the few deploy-time expressions the generator needs
//! (ids, properties and keys of other resources, secure parameters, deterministic GUIDs, strings
//! joined from them). Each renderer turns an `Expr` into its own syntax; literals always pass through
//! the format's escaping.

use std::collections::BTreeMap;

use super::EntityId;

/// A property value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A literal string (escaped by each format).
    Str(String),
    /// A literal boolean.
    Bool(bool),
    /// A literal integer.
    Int(i64),
    /// An object with literal keys, in the order given.
    Object(Vec<(String, Value)>),
    /// An array.
    Array(Vec<Value>),
    /// A deploy-time expression.
    Expr(Expr),
}

/// A deploy-time expression.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Expr {
    /// The resource id of an entity.
    Id(EntityId),
    /// The location of an entity.
    Location(EntityId),
    /// A property of an entity's resource body, e.g. `["properties", "endpoint"]`.
    Prop(EntityId, Vec<String>),
    /// A value from a POST action on an entity (`listKeys`), at a path in its response; a numeric
    /// segment is an array index.
    Action(EntityId, String, Vec<String>),
    /// A secure deployment parameter.
    Secret(String),
    /// The principal id of an identity holder: an account or project (its managed identity), or a
    /// user-assigned identity.
    PrincipalId(EntityId),
    /// The tenant of the deployment.
    TenantId,
    /// A deterministic GUID of the arguments (ARM's `guid()`).
    Guid(Vec<Expr>),
    /// The id of a built-in role definition, by GUID.
    RoleDefinition(String),
    /// A literal string inside an expression (a `guid()` argument, say).
    Literal(String),
    /// The deployment's `location` parameter.
    LocationParam,
    /// The parts, deploy-time values and [`Expr::Literal`]s, joined into one string (an API
    /// Management gateway URL, `/`, an API's path).
    Concat(Vec<Expr>),
    /// `length` characters of a string from `start` (the GUID groups of a project's
    /// `internalId`).
    Substring(Box<Expr>, usize, usize),
}

impl Value {
    /// A literal string.
    pub fn str(s: impl Into<String>) -> Self {
        Value::Str(s.into())
    }

    /// An object from pairs.
    pub fn object<K: Into<String>>(pairs: impl IntoIterator<Item = (K, Value)>) -> Self {
        Value::Object(pairs.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// A string map as an object, in key order.
    pub fn string_map(map: &BTreeMap<String, String>) -> Self {
        Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), Value::Str(v.clone())))
                .collect(),
        )
    }

    /// Every expression inside this value, depth first.
    pub fn exprs(&self) -> Vec<&Expr> {
        let mut out = Vec::new();
        self.collect_exprs(&mut out);
        out
    }

    fn collect_exprs<'a>(&'a self, out: &mut Vec<&'a Expr>) {
        match self {
            Value::Expr(e) => out.push(e),
            Value::Object(pairs) => pairs.iter().for_each(|(_, v)| v.collect_exprs(out)),
            Value::Array(items) => items.iter().for_each(|v| v.collect_exprs(out)),
            Value::Str(_) | Value::Bool(_) | Value::Int(_) => {}
        }
    }

    /// The value under `key` of an object.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(pairs) => pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

impl Expr {
    /// Every entity this expression refers to.
    pub fn entities(&self) -> Vec<EntityId> {
        match self {
            Expr::Id(e)
            | Expr::Location(e)
            | Expr::Prop(e, _)
            | Expr::Action(e, _, _)
            | Expr::PrincipalId(e) => vec![*e],
            Expr::Guid(args) | Expr::Concat(args) => args.iter().flat_map(Expr::entities).collect(),
            Expr::Substring(inner, _, _) => inner.entities(),
            Expr::Secret(_)
            | Expr::TenantId
            | Expr::RoleDefinition(_)
            | Expr::Literal(_)
            | Expr::LocationParam => Vec::new(),
        }
    }
}
