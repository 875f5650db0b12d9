//! The JSON Schema of spec version 1, generated from the serde types in `spec` (`foundrygen schema`
//! prints it). It describes what structural validation accepts — the keys, their types and which are
//! required, unknown keys refused, enums with their values — plus a few rules that are easy to state
//! in a schema (`version` is 1, a target has exactly one of `resource`, `resource_id`, `url`, a
//! credential is `{ secret: NAME }` or `{ from_target: true }`), and the names editors should complete:
//! categories, auth types and roles, from the validator's own tables. The semantic rules (names, which
//! auth types a category takes and their credentials, …) are `foundrygen validate`'s alone.

use schemars::generate::SchemaSettings;
use schemars::transform::{Transform, transform_subschemas};
use serde_json::{Value, json};

use crate::spec::tree::{self, Node};
use crate::validate::structure::Known;

/// The schema's `$id`.
pub const SCHEMA_ID: &str = "urn:foundrygen:spec:1";

/// The JSON Schema (draft 2020-12) of spec version 1.
pub fn schema() -> Value {
    let generator = SchemaSettings::draft2020_12()
        .with_transform(NotNullable)
        .into_generator();
    let mut schema = generator.into_root_schema_for::<crate::spec::Spec>();
    schema.insert("$id".into(), json!(SCHEMA_ID));
    schema.insert("title".into(), json!("foundrygen spec, version 1"));
    schema.to_value()
}

/// [`schema`] as pretty JSON with a trailing newline; the same bytes on every run.
pub fn schema_text() -> String {
    let mut text = serde_json::to_string_pretty(&schema()).expect("a JSON value serializes");
    text.push('\n');
    text
}

/// The schema of a string from one of foundrygen's tables, for editors to complete: the table's
/// names as an `enum`; a role is also a GUID, and its former names are there too, marked
/// deprecated (validation warns with FG044), and so are the data-plane roles, by name or GUID (on
/// the targets that grant them: see [`data_plane_roles_need_their_target`]).
pub fn known(k: Known) -> Value {
    match k {
        Known::Role => {
            let former: Vec<&str> = crate::catalog::ROLES
                .iter()
                .flat_map(|r| r.former_names.iter().copied())
                .collect();
            let data_plane: Vec<&str> = data_plane_roles().map(|(_, guid)| guid).collect();
            let data_plane_all: Vec<&str> = data_plane_roles()
                .flat_map(|(name, guid)| [name, guid])
                .collect();
            json!({ "anyOf": [
                { "type": "string", "enum": k.names(), "description": "A built-in role." },
                {
                    "type": "string",
                    "enum": former,
                    "deprecated": true,
                    "description": "A built-in role's former name (accepted with a warning).",
                },
                {
                    "type": "string",
                    "pattern": GUID_PATTERN,
                    "not": { "enum": data_plane },
                    "description": "A role definition GUID.",
                },
                {
                    "type": "string",
                    "enum": data_plane_all,
                    "description": "A data-plane role, by name or GUID (a Cosmos DB account target only).",
                },
            ]})
        }
        _ => json!({ "type": "string", "enum": k.names() }),
    }
}

/// Every data-plane role of every target type: `(name, GUID)`.
fn data_plane_roles() -> impl Iterator<Item = (&'static str, &'static str)> {
    crate::catalog::TARGET_TYPES
        .iter()
        .filter_map(|t| t.data_plane)
        .flat_map(|p| p.roles.iter().copied())
}

/// A regular expression matching `s` in any case (validation compares resource types so).
fn any_case(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            c if c.is_ascii_alphabetic() => {
                out.push('[');
                out.push(c.to_ascii_uppercase());
                out.push(c.to_ascii_lowercase());
                out.push(']');
            }
            c if "\\.+*?()[]{}|^$".contains(c) => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// A connection's data-plane roles need a target that grants them (FG042): unless its target is a
/// resource of a type with a data plane (by `resource.type`, or by `resource_id`) and its category
/// is not `CosmosDbMongoDbApi`, `roles` holds none of them.
pub fn data_plane_roles_need_their_target(schema: &mut schemars::Schema) {
    let types: Vec<&str> = crate::catalog::TARGET_TYPES
        .iter()
        .filter(|t| t.data_plane.is_some())
        .map(|t| t.resource_type)
        .collect();
    let by_type: Vec<Value> = types
        .iter()
        .map(|t| json!({ "pattern": format!("^{}$", any_case(t)) }))
        .collect();
    let by_id: Vec<Value> = types
        .iter()
        .map(|t| {
            // `/subscriptions/<s>/resourceGroups/<rg>/providers/<type>/<name>`.
            json!({ "pattern": format!(
                "^/{}/[^/]+/{}/[^/]+/{}/{}/[^/]+$",
                any_case("subscriptions"),
                any_case("resourceGroups"),
                any_case("providers"),
                any_case(t)
            ) })
        })
        .collect();
    let roles: Vec<&str> = data_plane_roles()
        .flat_map(|(name, guid)| [name, guid])
        .collect();
    schema.insert(
        "if".into(),
        json!({ "not": {
            "required": ["target"],
            "properties": {
                "category": { "not": { "const": "CosmosDbMongoDbApi" } },
                "target": { "anyOf": [
                    {
                        "required": ["resource"],
                        "properties": { "resource": {
                            "required": ["type"],
                            "properties": { "type": { "anyOf": by_type } },
                        } },
                    },
                    {
                        "required": ["resource_id"],
                        "properties": { "resource_id": { "anyOf": by_id } },
                    },
                ] },
            },
        } }),
    );
    schema.insert(
        "then".into(),
        json!({ "properties": { "roles": { "items": { "not": { "enum": roles } } } } }),
    );
}

/// A GUID, 8-4-4-4-12 hex digits of either case (`catalog::is_guid`).
pub const GUID_PATTERN: &str = "^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$";

/// Narrows a string schema (keeping its description) to a table's names.
pub(crate) fn narrow(schema: &mut schemars::Schema, k: Known) {
    if let Value::Object(fields) = known(k) {
        for (key, value) in fields {
            schema.insert(key, value);
        }
    }
}

/// The JSON form of a parsed YAML tree (`spec::load::parse_tree`), for checking a spec against
/// [`schema`]: mappings keep their written order (a duplicated key keeps its last value, as a JSON
/// object would; validation reports duplicates on its own), keys that are not strings are written as
/// JSON text, and a non-finite float becomes `null`.
pub fn to_json(root: &Node) -> Value {
    match &root.value {
        tree::Value::Null => Value::Null,
        tree::Value::Bool(b) => json!(b),
        tree::Value::Int(i) => json!(i),
        tree::Value::Float(f) => {
            serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number)
        }
        tree::Value::Str(s) => json!(s),
        tree::Value::Seq(items) => Value::Array(items.iter().map(to_json).collect()),
        tree::Value::Map(entries) => Value::Object(
            entries
                .iter()
                .map(|(k, v)| {
                    let key = match &k.value {
                        tree::Value::Str(s) => s.clone(),
                        _ => to_json(k).to_string(),
                    };
                    (key, to_json(v))
                })
                .collect(),
        ),
    }
}

/// Drops `null` from optional keys: `key:` with nothing after it is an error in a spec, not an absent
/// key, so `Option<T>` means "may be left out", never "may be null".
#[derive(Debug, Clone)]
struct NotNullable;

impl Transform for NotNullable {
    fn transform(&mut self, schema: &mut schemars::Schema) {
        transform_subschemas(self, schema);
        let Some(obj) = schema.as_object_mut() else {
            return;
        };
        if let Some(Value::Array(types)) = obj.get_mut("type") {
            types.retain(|t| t != "null");
            if types.len() == 1 {
                let only = types.remove(0);
                obj.insert("type".into(), only);
            }
        }
        if let Some(Value::Array(any)) = obj.get_mut("anyOf") {
            any.retain(|s| s.get("type") != Some(&json!("null")));
            if any.len() == 1
                && let Some(Value::Object(only)) = any.pop()
            {
                obj.remove("anyOf");
                for (k, v) in only {
                    obj.entry(k).or_insert(v);
                }
            }
        }
    }
}
