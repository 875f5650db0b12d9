//! Test support: checks ARM resource bodies against Azure's published type data (shared/reference/types).
//!
//! The type data are the `*-extract.json` files described in `shared/reference/types/README.md`,
//! in that folder and in its `extra/`: each has `resources` (`type@apiVersion` → `bodyType`) and
//! `types` (name → definition, where definitions refer to each other by name within the file).
//! [`check_template`] walks an ARM template (including the inner templates of
//! `Microsoft.Resources/deployments` and child resources nested in a parent's `resources` array),
//! and checks the body of every resource whose `type@apiVersion` the data knows. A body type may
//! itself be a union (deployment scripts, on `kind`). ARM expressions (`"[...]"`) are computed at
//! deploy time, so they match any type; they still count as present for required properties.
//!
//! Not modelled: `WriteOnly`, `DeployTimeConstant` and `sensitive` carry no check;
//! `readableScopes`/`writableScopes` (where a resource may be deployed) are ignored.
#![allow(dead_code)]

use serde_json::{Map, Value};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;

/// ARM envelope keys of a resource that are not part of its body type.
const ENVELOPE_KEYS: &[&str] = &[
    "type",
    "apiVersion",
    "dependsOn",
    "condition",
    "copy",
    "comments",
    "scope",
    "metadata",
    "existing",
];

/// The discriminator of connection unions, the only one with unpublished values.
const AUTH_TYPE: &str = "authType";

/// The type of an ARM nested deployment, whose inner template is checked too.
const DEPLOYMENTS_TYPE: &str = "Microsoft.Resources/deployments";

/// The folder under the type data that holds the resources around connections (Search, Storage,
/// Cosmos DB, deployment scripts, ...), read after the top folder.
const EXTRA_DIR: &str = "extra";

/// One loaded `*-extract.json` file. Type names are local to it: two extracts may both define
/// `Sku`, each its own way.
struct Extract {
    file: String,
    types: Map<String, Value>,
}

/// Type data loaded from every `*-extract.json` file of a directory and of its `extra/` folder.
pub struct TypeData {
    extracts: Vec<Extract>,
    /// Lower-cased `type@apiVersion` → (index into `extracts`, body type name).
    resources: HashMap<String, (usize, String)>,
}

impl TypeData {
    /// Loads every *-extract.json in `dir`, then in `dir/extra` when that folder exists. Returns
    /// Ok(None) when `dir` does not exist (callers skip with a printed reason).
    pub fn load(dir: &Path) -> Result<Option<TypeData>, String> {
        if !dir.exists() {
            return Ok(None);
        }
        let mut files = extract_files(dir)?;
        if files.is_empty() {
            return Err(format!("{}: no *-extract.json files", dir.display()));
        }
        let extra = dir.join(EXTRA_DIR);
        if extra.is_dir() {
            let extra_files = extract_files(&extra)?;
            if extra_files.is_empty() {
                return Err(format!("{}: no *-extract.json files", extra.display()));
            }
            files.extend(extra_files);
        }
        let mut data = TypeData {
            extracts: Vec::new(),
            resources: HashMap::new(),
        };
        for file in &files {
            data.add_extract(file)?;
        }
        Ok(Some(data))
    }

    fn add_extract(&mut self, file: &Path) -> Result<(), String> {
        let shown = file.display();
        let text = std::fs::read_to_string(file).map_err(|e| format!("{shown}: {e}"))?;
        let json: Value =
            serde_json::from_str(&text).map_err(|e| format!("{shown}: invalid JSON: {e}"))?;
        let Some(types) = json.get("types").and_then(Value::as_object) else {
            return Err(format!("{shown}: no \"types\" object"));
        };
        let Some(resources) = json.get("resources").and_then(Value::as_object) else {
            return Err(format!("{shown}: no \"resources\" object"));
        };
        let index = self.extracts.len();
        for (key, resource) in resources {
            let Some(body) = resource.get("bodyType").and_then(Value::as_str) else {
                return Err(format!("{shown}: resource {key} has no bodyType"));
            };
            if !types.contains_key(body) {
                return Err(format!("{shown}: resource {key}: no type named {body}"));
            }
            let previous = self
                .resources
                .insert(key.to_ascii_lowercase(), (index, body.to_string()));
            if let Some((first, _)) = previous {
                let first = &self.extracts[first].file;
                return Err(format!(
                    "{shown}: resource {key} is defined twice (first in {first})"
                ));
            }
        }
        self.extracts.push(Extract {
            file: shown.to_string(),
            types: types.clone(),
        });
        Ok(())
    }

    /// True when the type data has this `type@apiVersion`.
    pub fn knows(&self, resource_type: &str, api_version: &str) -> bool {
        self.lookup(resource_type, api_version).is_some()
    }

    /// The type table and body definition for `type@apiVersion` (matched case-insensitively).
    fn lookup(
        &self,
        resource_type: &str,
        api_version: &str,
    ) -> Option<(&Map<String, Value>, &Value)> {
        let key = format!("{resource_type}@{api_version}").to_ascii_lowercase();
        let (index, body) = self.resources.get(&key)?;
        let types = &self.extracts[*index].types;
        Some((types, types.get(body)?))
    }
}

/// The `*-extract.json` files directly in `dir`, sorted.
fn extract_files(dir: &Path) -> Result<Vec<std::path::PathBuf>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| format!("{}: {e}", dir.display()))?.path();
        let is_extract = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.ends_with("-extract.json"));
        if is_extract {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Options: auth types the service accepts but no published version lists.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// Values of an `authType` discriminator (e.g. `AccountManagedIdentity`) accepted although no
    /// element of the union has them; such objects are checked against the union's base
    /// properties only and any other property is let through. Unions on other discriminators
    /// (a deployment script's `kind`, a backup policy's `type`) are not affected.
    pub allowed_unpublished_auth_types: Vec<String>,
    /// Dotted body paths (e.g. `properties.audience`) accepted although the type lacks them; array
    /// indices are ignored when matching (`properties.list.x` matches `properties.list[3].x`).
    pub allowed_extra_properties: Vec<String>,
}

/// Checks every resource in an ARM template (recursing into Microsoft.Resources/deployments inner templates at properties.template.resources) whose type@apiVersion the data knows. Returns one message per problem, each naming the resource (its name expression) and the JSON path, e.g. `Microsoft.CognitiveServices/accounts/connections 'x': properties.credentials.kee: unknown property`.
///
/// Resources with `"existing": true` are references, not deployed bodies, and are not checked.
pub fn check_template(data: &TypeData, template: &Value, opts: &CheckOptions) -> Vec<String> {
    run(data, template, opts).0
}

/// Values of open enums (those that also allow any string, e.g. role assignment `principalType`)
/// that are none of the listed members. These are legal for the type data, so
/// [`check_template`] accepts them; this lists them, in the same message format, for callers
/// that want to hold the template to the published members.
pub fn open_enum_deviations(data: &TypeData, template: &Value) -> Vec<String> {
    run(data, template, &CheckOptions::default()).1
}

/// The `type@apiVersion` of every resource in the template (nested deployments included) that
/// the type data does not know and that [`check_template`] therefore skipped, sorted and without
/// duplicates. A missing `apiVersion` shows as `?`. Nested deployments themselves appear here
/// (their inner resources are still checked).
pub fn unknown_types(data: &TypeData, template: &Value) -> Vec<String> {
    let mut resources = Vec::new();
    collect_resources(template, &mut resources);
    let mut unknown = BTreeSet::new();
    for resource in &resources {
        if resource.existing {
            continue;
        }
        let api = resource.api_version.unwrap_or("?");
        if !data.knows(&resource.resource_type, api) {
            unknown.insert(format!("{}@{api}", resource.resource_type));
        }
    }
    unknown.into_iter().collect()
}

/// The `type@apiVersion` (type as written, child types qualified) of every resource that
/// [`check_template`] checks, once per resource and in template order, for callers that report
/// what the type data covered.
pub fn checked_types(data: &TypeData, template: &Value) -> Vec<String> {
    let mut resources = Vec::new();
    collect_resources(template, &mut resources);
    resources
        .iter()
        .filter(|r| !r.existing)
        .filter_map(|r| {
            let api = r.api_version?;
            data.knows(&r.resource_type, api)
                .then(|| format!("{}@{api}", r.resource_type))
        })
        .collect()
}

fn run(data: &TypeData, template: &Value, opts: &CheckOptions) -> (Vec<String>, Vec<String>) {
    let mut resources = Vec::new();
    collect_resources(template, &mut resources);
    let mut problems = Vec::new();
    let mut notes = Vec::new();
    for resource in &resources {
        if resource.existing {
            continue;
        }
        let Some(api) = resource.api_version else {
            continue;
        };
        let Some((types, body_def)) = data.lookup(&resource.resource_type, api) else {
            continue;
        };
        let mut checker = Checker {
            types,
            opts,
            prefix: format!("{} '{}'", resource.resource_type, resource.shown_name),
            problems: Vec::new(),
            notes: Vec::new(),
        };
        checker.check_resource(data, resource, api, body_def);
        problems.append(&mut checker.problems);
        notes.append(&mut checker.notes);
    }
    (problems, notes)
}

/// A resource found in a template.
struct Resource<'t> {
    /// Fully qualified type (child resources nested in a parent get the parent's type prefixed).
    resource_type: String,
    api_version: Option<&'t str>,
    /// The `name` as written (expression or literal), for messages.
    shown_name: String,
    object: &'t Map<String, Value>,
    /// Nested in a parent's `resources` array: its literal name may be the last segment only.
    nested_child: bool,
    existing: bool,
}

/// Collects the resources of a template: `resources` may be an array or (language version 2.0)
/// an object keyed by symbolic name.
fn collect_resources<'t>(template: &'t Value, out: &mut Vec<Resource<'t>>) {
    for resource in resource_list(template.get("resources")) {
        collect_resource(resource, None, out);
    }
}

fn resource_list(resources: Option<&Value>) -> Vec<&Value> {
    match resources {
        Some(Value::Array(list)) => list.iter().collect(),
        Some(Value::Object(map)) => map.values().collect(),
        _ => Vec::new(),
    }
}

fn collect_resource<'t>(
    resource: &'t Value,
    parent_type: Option<&str>,
    out: &mut Vec<Resource<'t>>,
) {
    let Some(object) = resource.as_object() else {
        return;
    };
    let written_type = object.get("type").and_then(Value::as_str).unwrap_or("?");
    let resource_type = match parent_type {
        Some(parent) if !written_type.contains('/') => format!("{parent}/{written_type}"),
        _ => written_type.to_string(),
    };
    let shown_name = match object.get("name") {
        Some(Value::String(name)) => name.clone(),
        Some(other) => other.to_string(),
        None => "<no name>".to_string(),
    };
    out.push(Resource {
        resource_type: resource_type.clone(),
        api_version: object.get("apiVersion").and_then(Value::as_str),
        shown_name,
        object,
        nested_child: parent_type.is_some(),
        existing: object.get("existing") == Some(&Value::Bool(true)),
    });
    if let Some(Value::Array(children)) = object.get("resources") {
        for child in children {
            collect_resource(child, Some(&resource_type), out);
        }
    }
    if resource_type.eq_ignore_ascii_case(DEPLOYMENTS_TYPE)
        && let Some(inner) = object.get("properties").and_then(|p| p.get("template"))
    {
        collect_resources(inner, out);
    }
}

/// True for an ARM expression string: `[...]`, but not the `[[` escape of a literal.
fn is_expression(value: &Value) -> bool {
    value
        .as_str()
        .is_some_and(|s| s.starts_with('[') && !s.starts_with("[[") && s.ends_with(']'))
}

/// The literal value of a non-expression ARM string (`[[x` stands for `[x`).
fn literal_str(s: &str) -> &str {
    if s.starts_with("[[") { &s[1..] } else { s }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// A path with array indices (`[0]`, `[*]`) removed, for matching allowed extra properties.
fn without_indices(path: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in path.chars() {
        match c {
            '[' => depth += 1,
            ']' if depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn has_flag(spec: &Value, flag: &str) -> bool {
    spec.get("flags")
        .and_then(Value::as_array)
        .is_some_and(|flags| flags.iter().any(|f| f.as_str() == Some(flag)))
}

fn find_prop<'a>(props: &[&'a Map<String, Value>], key: &str) -> Option<&'a Value> {
    props.iter().find_map(|p| p.get(key))
}

/// Levenshtein distance, for "did you mean" suggestions.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

fn suggestion<'a>(key: &str, candidates: impl Iterator<Item = &'a String>) -> String {
    let lower = key.to_ascii_lowercase();
    candidates
        .map(|c| (edit_distance(&lower, &c.to_ascii_lowercase()), c))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, c)| format!(" (did you mean '{c}'?)"))
        .unwrap_or_default()
}

fn member_list(members: &[Value]) -> String {
    let shown: Vec<&str> = members.iter().filter_map(Value::as_str).take(12).collect();
    let more = if members.len() > shown.len() {
        ", ..."
    } else {
        ""
    };
    format!("[{}{more}]", shown.join(", "))
}

/// What to do with properties of an object the checked property lists do not have.
#[derive(Clone, Copy)]
enum Leftover<'a> {
    /// Report them as unknown.
    Unknown,
    /// Let them through (unpublished discriminator value).
    Accept,
    /// Let them through unchecked when some element of the union has them (discriminator unknown).
    KnownIn(&'a [&'a Map<String, Value>]),
}

struct Checker<'a> {
    types: &'a Map<String, Value>,
    opts: &'a CheckOptions,
    prefix: String,
    problems: Vec<String>,
    notes: Vec<String>,
}

impl<'a> Checker<'a> {
    fn report(&mut self, path: &str, message: impl std::fmt::Display) {
        let path = if path.is_empty() { "(body)" } else { path };
        self.problems
            .push(format!("{}: {path}: {message}", self.prefix));
    }

    fn check_resource(
        &mut self,
        data: &TypeData,
        resource: &Resource<'_>,
        api: &str,
        body_def: &'a Value,
    ) {
        let mut body = Map::new();
        for (key, value) in resource.object {
            let is_children = key == "resources" && value.is_array();
            if !ENVELOPE_KEYS.contains(&key.as_str()) && !is_children {
                body.insert(key.clone(), value.clone());
            }
        }
        // For child types the name is `parent/child`: check the segment count and the parents'
        // segments, then check the last segment against the body type's `name`.
        if let Some(Value::String(name)) = resource.object.get("name")
            && !is_expression(&Value::String(name.clone()))
        {
            let name = literal_str(name);
            let segments: Vec<&str> = name.split('/').collect();
            let wanted = resource.resource_type.split('/').count().saturating_sub(1);
            if !resource.nested_child && wanted > 0 {
                if segments.len() == wanted {
                    self.check_parent_segments(data, &resource.resource_type, api, &segments);
                } else {
                    self.report(
                        "name",
                        format!(
                            "'{name}' has {} segment(s) but {} needs {wanted}",
                            segments.len(),
                            resource.resource_type
                        ),
                    );
                }
            }
            let last = segments.last().copied().unwrap_or_default();
            body.insert("name".to_string(), Value::String(last.to_string()));
        }
        self.check_def(body_def, &Value::Object(body), "");
    }

    /// The leading segments of a child's name are its parents' names: each is checked against the
    /// `name` of its parent type at the same apiVersion, where the data has that type (a blob
    /// container's middle segment must be the blob service `default`). Reported as `name[i]`.
    fn check_parent_segments(
        &mut self,
        data: &TypeData,
        resource_type: &str,
        api: &str,
        segments: &[&str],
    ) {
        let type_parts: Vec<&str> = resource_type.split('/').collect();
        for (i, segment) in segments.iter().enumerate().take(segments.len() - 1) {
            let parent_type = type_parts[..i + 2].join("/");
            let Some((types, parent_def)) = data.lookup(&parent_type, api) else {
                continue;
            };
            let properties = parent_def
                .get("properties")
                .or_else(|| parent_def.get("baseProperties"));
            let Some(name_spec) = properties
                .and_then(|p| p.get("name"))
                .and_then(|n| n.get("type"))
            else {
                continue;
            };
            let mut parent = Checker {
                types,
                opts: self.opts,
                prefix: self.prefix.clone(),
                problems: Vec::new(),
                notes: Vec::new(),
            };
            let path = format!("name[{i}] ({parent_type})");
            parent.check_value(name_spec, &Value::String(segment.to_string()), &path);
            self.problems.append(&mut parent.problems);
            self.notes.append(&mut parent.notes);
        }
    }

    /// Checks a value against a type spec (`{"ref"}`, `{"literal"}`, `{"enum"}`, `{"arrayOf"}`,
    /// `{"type": ...}`).
    fn check_value(&mut self, spec: &'a Value, value: &Value, path: &str) {
        if is_expression(value) {
            return;
        }
        if let Some(name) = spec.get("ref").and_then(Value::as_str) {
            match self.types.get(name) {
                Some(def) => self.check_def(def, value, path),
                None => self.report(path, format!("type data has no type named {name}")),
            }
        } else if let Some(literal) = spec.get("literal") {
            let matches = match (literal, value) {
                (Value::String(l), Value::String(s)) => l == literal_str(s),
                _ => literal == value,
            };
            if !matches {
                self.report(path, format!("expected {literal}, got {value}"));
            }
        } else if let Some(members) = spec.get("enum").and_then(Value::as_array) {
            self.check_enum(spec, members, value, path);
        } else if let Some(items) = spec.get("arrayOf") {
            let Some(list) = value.as_array() else {
                self.report(path, format!("expected an array, got {}", json_kind(value)));
                return;
            };
            for (i, item) in list.iter().enumerate() {
                self.check_value(items, item, &format!("{path}[{i}]"));
            }
        } else {
            self.check_primitive(spec, value, path);
        }
    }

    fn check_enum(&mut self, spec: &'a Value, members: &[Value], value: &Value, path: &str) {
        let Some(s) = value.as_str() else {
            self.report(path, format!("expected a string, got {}", json_kind(value)));
            return;
        };
        let s = literal_str(s);
        if members.iter().any(|m| m.as_str() == Some(s)) {
            return;
        }
        let also: &[Value] = spec
            .get("alsoAllows")
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice);
        let message = format!("'{s}' is not one of {}", member_list(members));
        if also
            .iter()
            .any(|a| a == &serde_json::json!({"type": "string"}))
        {
            self.notes
                .push(format!("{}: {path}: {message} (open enum)", self.prefix));
            return;
        }
        for alternative in also {
            let mut trial = Checker {
                types: self.types,
                opts: self.opts,
                prefix: String::new(),
                problems: Vec::new(),
                notes: Vec::new(),
            };
            trial.check_value(alternative, value, path);
            if trial.problems.is_empty() {
                return;
            }
        }
        self.report(path, message);
    }

    fn check_primitive(&mut self, spec: &Value, value: &Value, path: &str) {
        let kind = spec.get("type").and_then(Value::as_str).unwrap_or("?");
        let ok = match kind {
            "string" => {
                if let Some(s) = value.as_str() {
                    self.check_string(spec, literal_str(s), path);
                    return;
                }
                false
            }
            "integer" => {
                if let Some(n) = value.as_i64() {
                    self.check_integer(spec, n, path);
                    return;
                }
                value.is_u64() && spec.get("maxValue").is_none()
            }
            "boolean" => value.is_boolean(),
            "number" => value.is_number(),
            "object" => value.is_object(),
            "array" => value.is_array(),
            "any" => true,
            _ => {
                self.report(path, format!("cannot check type spec {spec}"));
                return;
            }
        };
        if !ok {
            self.report(path, format!("expected {kind}, got {}", json_kind(value)));
        }
    }

    fn check_string(&mut self, spec: &Value, s: &str, path: &str) {
        let len = s.chars().count() as u64;
        if let Some(min) = spec.get("minLength").and_then(Value::as_u64)
            && len < min
        {
            self.report(path, format!("'{s}' is shorter than {min} characters"));
        }
        if let Some(max) = spec.get("maxLength").and_then(Value::as_u64)
            && len > max
        {
            self.report(path, format!("'{s}' is longer than {max} characters"));
        }
        if let Some(p) = spec.get("pattern").and_then(Value::as_str) {
            match pattern::is_match(p, s) {
                Ok(true) => {}
                Ok(false) => self.report(path, format!("'{s}' does not match pattern {p}")),
                Err(e) => self.report(path, format!("cannot check pattern {p}: {e}")),
            }
        }
    }

    fn check_integer(&mut self, spec: &Value, n: i64, path: &str) {
        if let Some(min) = spec.get("minValue").and_then(Value::as_i64)
            && n < min
        {
            self.report(path, format!("{n} is less than {min}"));
        }
        if let Some(max) = spec.get("maxValue").and_then(Value::as_i64)
            && n > max
        {
            self.report(path, format!("{n} is greater than {max}"));
        }
    }

    /// Checks a value against a named type definition (`kind` object or discriminatedObject).
    fn check_def(&mut self, def: &'a Value, value: &Value, path: &str) {
        if is_expression(value) {
            return;
        }
        let Some(object) = value.as_object() else {
            self.report(
                path,
                format!("expected an object, got {}", json_kind(value)),
            );
            return;
        };
        match def.get("kind").and_then(Value::as_str) {
            Some("object") => {
                let props = def.get("properties").and_then(Value::as_object);
                let props: Vec<&Map<String, Value>> = props.into_iter().collect();
                let additional = def.get("additionalProperties");
                self.check_object(object, &props, additional, Leftover::Unknown, path);
            }
            Some("discriminatedObject") => self.check_discriminated(def, object, path),
            _ => self.report(path, format!("cannot check type definition {def}")),
        }
    }

    fn check_discriminated(&mut self, def: &'a Value, object: &Map<String, Value>, path: &str) {
        let discriminator = def
            .get("discriminator")
            .and_then(Value::as_str)
            .unwrap_or("?");
        let base = def.get("baseProperties").and_then(Value::as_object);
        let base: Vec<&Map<String, Value>> = base.into_iter().collect();
        let empty = Map::new();
        let elements = def
            .get("elements")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        // Each element's definition, resolved through its ref.
        let mut element_defs: Vec<(&String, &'a Value)> = Vec::new();
        for (tag, spec) in elements {
            let resolved = spec
                .get("ref")
                .and_then(Value::as_str)
                .and_then(|name| self.types.get(name));
            match resolved {
                Some(element_def) => element_defs.push((tag, element_def)),
                None => self.report(
                    path,
                    format!("type data: cannot resolve union element {tag}"),
                ),
            }
        }
        let disc_path = join(path, discriminator);
        match object.get(discriminator) {
            Some(tag) if is_expression(tag) => {}
            Some(Value::String(tag)) => {
                let tag = literal_str(tag);
                if let Some((_, element_def)) = element_defs.iter().find(|(t, _)| t.as_str() == tag)
                {
                    let mut props = base.clone();
                    props.extend(element_def.get("properties").and_then(Value::as_object));
                    let additional = element_def.get("additionalProperties");
                    self.check_object(object, &props, additional, Leftover::Unknown, path);
                    return;
                }
                let unpublished = discriminator == AUTH_TYPE
                    && self
                        .opts
                        .allowed_unpublished_auth_types
                        .iter()
                        .any(|a| a == tag);
                if unpublished {
                    self.check_object(object, &base, None, Leftover::Accept, path);
                    return;
                }
                let known: Vec<Value> = element_defs
                    .iter()
                    .map(|(t, _)| Value::String((*t).clone()))
                    .collect();
                let message = format!(
                    "unknown {discriminator} '{tag}' (known: {})",
                    member_list(&known)
                );
                self.report(&disc_path, message);
            }
            Some(other) => {
                self.report(
                    &disc_path,
                    format!("expected a string, got {}", json_kind(other)),
                );
            }
            None => self.report(&disc_path, "missing required property (discriminator)"),
        }
        let all: Vec<&Map<String, Value>> = element_defs
            .iter()
            .filter_map(|(_, d)| d.get("properties").and_then(Value::as_object))
            .collect();
        self.check_object(object, &base, None, Leftover::KnownIn(&all), path);
    }

    fn check_object(
        &mut self,
        object: &Map<String, Value>,
        props: &[&'a Map<String, Value>],
        additional: Option<&'a Value>,
        leftover: Leftover<'_>,
        path: &str,
    ) {
        let mut present: HashSet<&str> = HashSet::new();
        let copy_is_loop = additional.is_none() && find_prop(props, "copy").is_none();
        for (key, value) in object {
            if key == "copy" && copy_is_loop && value.is_array() {
                self.check_property_loops(value, props, leftover, path, &mut present);
                continue;
            }
            present.insert(key);
            let key_path = join(path, key);
            if let Some(spec) = find_prop(props, key) {
                if has_flag(spec, "ReadOnly") {
                    self.report(&key_path, "read-only property is written");
                }
                if value.is_null() {
                    if has_flag(spec, "Required") {
                        self.report(&key_path, "required property is null");
                    }
                    continue;
                }
                if let Some(t) = spec.get("type") {
                    self.check_value(t, value, &key_path);
                }
            } else if let Some(additional) = additional {
                self.check_value(additional, value, &key_path);
            } else {
                self.unknown_property(key, &key_path, props, leftover);
            }
        }
        for p in props {
            for (name, spec) in p.iter() {
                if has_flag(spec, "Required") && !present.contains(name.as_str()) {
                    self.report(&join(path, name), "missing required property");
                }
            }
        }
    }

    /// ARM property loops: `"copy": [{"name": "list", "count": n, "input": {...}}]` inside an
    /// object becomes the array property `list` at deploy time.
    fn check_property_loops<'v>(
        &mut self,
        loops: &'v Value,
        props: &[&'a Map<String, Value>],
        leftover: Leftover<'_>,
        path: &str,
        present: &mut HashSet<&'v str>,
    ) {
        for (i, copy) in loops.as_array().into_iter().flatten().enumerate() {
            let Some(name) = copy.get("name").and_then(Value::as_str) else {
                self.report(
                    &join(path, &format!("copy[{i}]")),
                    "property loop without a literal name",
                );
                continue;
            };
            present.insert(name);
            let key_path = join(path, name);
            let Some(spec) = find_prop(props, name) else {
                self.unknown_property(name, &key_path, props, leftover);
                continue;
            };
            if has_flag(spec, "ReadOnly") {
                self.report(&key_path, "read-only property is written");
            }
            match spec.get("type").and_then(|t| t.get("arrayOf")) {
                Some(items) => {
                    if let Some(input) = copy.get("input") {
                        self.check_value(items, input, &format!("{key_path}[*]"));
                    }
                }
                None => self.report(
                    &key_path,
                    "property loop makes an array but the type is not an array",
                ),
            }
        }
    }

    fn unknown_property(
        &mut self,
        key: &str,
        key_path: &str,
        props: &[&Map<String, Value>],
        leftover: Leftover<'_>,
    ) {
        let normalized = without_indices(key_path);
        let allowed = self
            .opts
            .allowed_extra_properties
            .iter()
            .any(|a| without_indices(a) == normalized);
        if allowed {
            return;
        }
        match leftover {
            Leftover::Accept => return,
            Leftover::KnownIn(elements) if elements.iter().any(|e| e.contains_key(key)) => return,
            _ => {}
        }
        let hint = suggestion(key, props.iter().flat_map(|p| p.keys()));
        self.report(key_path, format!("unknown property{hint}"));
    }
}

/// A small backtracking matcher for the regular expressions used as `pattern` in the type data
/// (anchors, literals, escapes, classes, `.`, groups, alternation, `* + ? {n} {n,} {n,m}`, and
/// the lookaheads `(?=...)` and `(?!...)`; Search's name pattern bounds its length with one).
mod pattern {
    enum Atom {
        Char(char),
        Any,
        Class {
            ranges: Vec<(char, char)>,
            negated: bool,
        },
        Group(Vec<Vec<Piece>>),
        /// `(?=...)`, or `(?!...)` when `negated`: an empty match where the inner pattern matches
        /// (does not match) from the current position.
        Lookahead {
            alternatives: Vec<Vec<Piece>>,
            negated: bool,
        },
        Start,
        End,
    }

    struct Piece {
        atom: Atom,
        min: usize,
        max: usize,
    }

    /// True when `text` contains a match of `pattern` (unanchored search, like `Regex.IsMatch`).
    pub fn is_match(pattern: &str, text: &str) -> Result<bool, String> {
        let mut parser = Parser {
            chars: pattern.chars().collect(),
            pos: 0,
        };
        let alternatives = parser.alternatives()?;
        if parser.pos != parser.chars.len() {
            return Err(format!("unexpected ')' at {}", parser.pos));
        }
        let text: Vec<char> = text.chars().collect();
        Ok((0..=text.len())
            .any(|start| match_alternatives(&alternatives, &text, start, &mut |_| true)))
    }

    struct Parser {
        chars: Vec<char>,
        pos: usize,
    }

    impl Parser {
        fn peek(&self) -> Option<char> {
            self.chars.get(self.pos).copied()
        }

        fn next(&mut self) -> Result<char, String> {
            let c = self.peek().ok_or("unexpected end of pattern")?;
            self.pos += 1;
            Ok(c)
        }

        fn alternatives(&mut self) -> Result<Vec<Vec<Piece>>, String> {
            let mut alternatives = vec![self.sequence()?];
            while self.peek() == Some('|') {
                self.pos += 1;
                alternatives.push(self.sequence()?);
            }
            Ok(alternatives)
        }

        fn sequence(&mut self) -> Result<Vec<Piece>, String> {
            let mut pieces = Vec::new();
            while let Some(c) = self.peek() {
                if c == '|' || c == ')' {
                    break;
                }
                let atom = self.atom()?;
                let (min, max) = self.quantifier()?;
                pieces.push(Piece { atom, min, max });
            }
            Ok(pieces)
        }

        fn atom(&mut self) -> Result<Atom, String> {
            Ok(match self.next()? {
                '(' => {
                    let mut lookahead = None;
                    if self.peek() == Some('?') {
                        self.pos += 1;
                        match self.next()? {
                            ':' => {}
                            '=' => lookahead = Some(false),
                            '!' => lookahead = Some(true),
                            '<' if matches!(self.peek(), Some('=' | '!')) => {
                                return Err("lookbehind is not supported".into());
                            }
                            _ => {
                                return Err(
                                    "only (?:...), (?=...) and (?!...) groups are supported".into(),
                                );
                            }
                        }
                    }
                    let inner = self.alternatives()?;
                    if self.next()? != ')' {
                        return Err("unclosed group".into());
                    }
                    match lookahead {
                        Some(negated) => Atom::Lookahead {
                            alternatives: inner,
                            negated,
                        },
                        None => Atom::Group(inner),
                    }
                }
                '[' => self.class()?,
                '.' => Atom::Any,
                '^' => Atom::Start,
                '$' => Atom::End,
                '\\' => self.escape()?,
                c @ ('*' | '+' | '?' | '{') => {
                    return Err(format!("nothing to repeat before '{c}'"));
                }
                c => Atom::Char(c),
            })
        }

        fn escape(&mut self) -> Result<Atom, String> {
            let c = self.next()?;
            if let Some((ranges, negated)) = class_escape(c) {
                return Ok(Atom::Class { ranges, negated });
            }
            match c {
                'n' => Ok(Atom::Char('\n')),
                't' => Ok(Atom::Char('\t')),
                'r' => Ok(Atom::Char('\r')),
                c if c.is_ascii_alphanumeric() => Err(format!("unsupported escape \\{c}")),
                c => Ok(Atom::Char(c)),
            }
        }

        fn class(&mut self) -> Result<Atom, String> {
            let negated = self.peek() == Some('^');
            if negated {
                self.pos += 1;
            }
            let mut ranges = Vec::new();
            let mut first = true;
            loop {
                let c = self
                    .next()
                    .map_err(|_| "unclosed character class".to_string())?;
                if c == ']' && !first {
                    break;
                }
                first = false;
                let low = if c == '\\' {
                    let e = self.next()?;
                    if let Some((escaped, false)) = class_escape(e) {
                        ranges.extend(escaped);
                        continue;
                    }
                    match e {
                        'n' => '\n',
                        't' => '\t',
                        e if e.is_ascii_alphanumeric() => {
                            return Err(format!("unsupported escape \\{e} in class"));
                        }
                        e => e,
                    }
                } else {
                    c
                };
                let is_range = self.peek() == Some('-')
                    && self.chars.get(self.pos + 1).is_some_and(|&n| n != ']');
                if is_range {
                    self.pos += 1;
                    let mut high = self.next()?;
                    if high == '\\' {
                        high = self.next()?;
                    }
                    if high < low {
                        return Err(format!("bad range {low}-{high}"));
                    }
                    ranges.push((low, high));
                } else {
                    ranges.push((low, low));
                }
            }
            Ok(Atom::Class { ranges, negated })
        }

        fn number(&mut self) -> Option<usize> {
            let start = self.pos;
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.pos += 1;
            }
            self.chars[start..self.pos]
                .iter()
                .collect::<String>()
                .parse()
                .ok()
        }

        fn quantifier(&mut self) -> Result<(usize, usize), String> {
            let bounds = match self.peek() {
                Some('*') => (0, usize::MAX),
                Some('+') => (1, usize::MAX),
                Some('?') => (0, 1),
                Some('{') => {
                    self.pos += 1;
                    let min = self.number().ok_or("bad {n,m} quantifier")?;
                    let max = if self.peek() == Some(',') {
                        self.pos += 1;
                        self.number().unwrap_or(usize::MAX)
                    } else {
                        min
                    };
                    if self.peek() != Some('}') || max < min {
                        return Err("bad {n,m} quantifier".into());
                    }
                    (min, max)
                }
                _ => return Ok((1, 1)),
            };
            self.pos += 1;
            // A lazy marker changes which match is found, not whether one exists.
            if self.peek() == Some('?') {
                self.pos += 1;
            }
            Ok(bounds)
        }
    }

    fn class_escape(c: char) -> Option<(Vec<(char, char)>, bool)> {
        let digits = vec![('0', '9')];
        let word = vec![('a', 'z'), ('A', 'Z'), ('0', '9'), ('_', '_')];
        let space = vec![(' ', ' '), ('\t', '\r')];
        match c {
            'd' => Some((digits, false)),
            'D' => Some((digits, true)),
            'w' => Some((word, false)),
            'W' => Some((word, true)),
            's' => Some((space, false)),
            'S' => Some((space, true)),
            _ => None,
        }
    }

    type Next<'k> = &'k mut dyn FnMut(usize) -> bool;

    fn match_alternatives(
        alternatives: &[Vec<Piece>],
        text: &[char],
        pos: usize,
        next: Next<'_>,
    ) -> bool {
        alternatives
            .iter()
            .any(|sequence| match_sequence(sequence, text, pos, next))
    }

    fn match_sequence(pieces: &[Piece], text: &[char], pos: usize, next: Next<'_>) -> bool {
        match pieces.split_first() {
            None => next(pos),
            Some((piece, rest)) => match_piece(piece, 0, rest, text, pos, next),
        }
    }

    /// Greedy repetition with backtracking; stops repeating on an empty match once `min` is met.
    fn match_piece(
        piece: &Piece,
        count: usize,
        rest: &[Piece],
        text: &[char],
        pos: usize,
        next: Next<'_>,
    ) -> bool {
        if count < piece.max {
            let mut again = |p: usize| {
                if p == pos && count >= piece.min {
                    return false;
                }
                match_piece(piece, count + 1, rest, text, p, next)
            };
            if match_atom(&piece.atom, text, pos, &mut again) {
                return true;
            }
        }
        count >= piece.min && match_sequence(rest, text, pos, next)
    }

    fn match_atom(atom: &Atom, text: &[char], pos: usize, next: Next<'_>) -> bool {
        let current = text.get(pos).copied();
        match atom {
            Atom::Char(c) => current == Some(*c) && next(pos + 1),
            Atom::Any => current.is_some_and(|c| c != '\n') && next(pos + 1),
            Atom::Class { ranges, negated } => {
                current
                    .is_some_and(|c| ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *negated)
                    && next(pos + 1)
            }
            Atom::Group(alternatives) => match_alternatives(alternatives, text, pos, next),
            // The inner pattern is tried on its own, whatever follows: once it has matched, no
            // other way of matching it is tried (lookarounds are atomic in .NET too).
            Atom::Lookahead {
                alternatives,
                negated,
            } => {
                match_alternatives(alternatives, text, pos, &mut |_| true) != *negated && next(pos)
            }
            Atom::Start => pos == 0 && next(pos),
            Atom::End => pos == text.len() && next(pos),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const CONNECTIONS: &str = "Microsoft.CognitiveServices/accounts/connections";
    const API: &str = "2026-07-01";

    /// The shared type data, or `None` (with the reason printed) when it is not checked out.
    fn data() -> Option<TypeData> {
        let dir = Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/reference/types"
        ));
        let data = TypeData::load(dir).expect("type data loads");
        if data.is_none() {
            eprintln!("skipping: no type data at {}", dir.display());
        }
        data
    }

    fn template(resources: Vec<Value>) -> Value {
        json!({
            "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            "contentVersion": "1.0.0.0",
            "parameters": {"searchKey": {"type": "securestring"}},
            "resources": resources,
        })
    }

    fn connection(name: &str, properties: Value) -> Value {
        json!({
            "type": CONNECTIONS,
            "apiVersion": API,
            "name": name,
            "dependsOn": ["[resourceId('Microsoft.CognitiveServices/accounts', 'acct')]"],
            "properties": properties,
        })
    }

    fn search_properties() -> Value {
        json!({
            "authType": "ApiKey",
            "category": "CognitiveSearch",
            "target": "https://search.search.windows.net",
            "isSharedToAll": true,
            "credentials": {"key": "[parameters('searchKey')]"},
            "metadata": {"ApiType": "Azure", "ResourceId": "[resourceId('Microsoft.Search/searchServices', 'search')]"},
        })
    }

    fn check(data: &TypeData, resources: Vec<Value>) -> Vec<String> {
        check_template(data, &template(resources), &CheckOptions::default())
    }

    fn with_properties(edit: impl FnOnce(&mut Map<String, Value>)) -> Value {
        let mut properties = search_properties();
        edit(properties.as_object_mut().expect("object"));
        properties
    }

    #[test]
    fn load_and_knows() {
        assert!(
            TypeData::load(Path::new("/nonexistent/typedata"))
                .expect("no error")
                .is_none()
        );
        let Some(data) = data() else { return };
        for version in [
            "2025-04-01-preview",
            "2025-06-01",
            "2026-05-15-preview",
            "2026-07-01",
        ] {
            assert!(data.knows(CONNECTIONS, version), "{version}");
            assert!(data.knows(
                "Microsoft.CognitiveServices/accounts/projects/connections",
                version
            ));
        }
        assert!(data.knows("microsoft.cognitiveservices/ACCOUNTS", "2026-07-01"));
        assert!(data.knows("Microsoft.Authorization/roleAssignments", "2022-04-01"));
        assert!(data.knows("Microsoft.KeyVault/vaults/accessPolicies", "2026-02-01"));
        assert!(!data.knows(CONNECTIONS, "2023-05-01"));
        assert!(!data.knows("Microsoft.Resources/deployments", "2022-09-01"));
        // extra/ is read too.
        for (resource_type, version) in [
            (
                "Microsoft.CognitiveServices/accounts/deployments",
                "2026-07-01",
            ),
            (
                "Microsoft.CognitiveServices/accounts/projects/capabilityHosts",
                "2026-07-01",
            ),
            ("Microsoft.Search/searchServices", "2025-05-01"),
            (
                "Microsoft.Storage/storageAccounts/blobServices/containers",
                "2026-04-01",
            ),
            ("Microsoft.DocumentDB/databaseAccounts", "2026-03-15"),
            ("Microsoft.Insights/components", "2020-02-02"),
            ("Microsoft.OperationalInsights/workspaces", "2026-03-01"),
            ("Microsoft.Resources/deploymentScripts", "2023-08-01"),
        ] {
            assert!(data.knows(resource_type, version), "{resource_type}");
        }
    }

    /// A one-resource extract: `Test.X/things@1` with a `sku` of the extract's own `Sku` type.
    fn tiny_extract(resource: &str, sku: Value) -> String {
        json!({
            "resources": {resource: {"bodyType": "Thing"}},
            "types": {
                "Thing": {"kind": "object", "properties": {
                    "name": {"type": {"type": "string"}, "flags": ["Required"]},
                    "sku": {"type": {"ref": "Sku"}, "flags": []},
                }},
                "Sku": {"kind": "object", "properties": sku},
            },
        })
        .to_string()
    }

    #[test]
    fn extra_folder_is_read_with_its_own_type_names() {
        let dir = tempfile::tempdir().expect("temp dir");
        let top = dir.path().join("a-extract.json");
        let string = json!({"type": {"type": "string"}, "flags": []});
        std::fs::write(
            &top,
            tiny_extract("Test.A/things@1", json!({"name": string})),
        )
        .unwrap();
        let only_top = TypeData::load(dir.path()).unwrap().expect("data");
        assert!(only_top.knows("Test.A/things", "1"));
        let extra = dir.path().join("extra");
        std::fs::create_dir(&extra).unwrap();
        assert_eq!(
            TypeData::load(dir.path()).err(),
            Some(format!("{}: no *-extract.json files", extra.display()))
        );
        std::fs::write(
            extra.join("b-extract.json"),
            tiny_extract("Test.B/things@1", json!({"size": string})),
        )
        .unwrap();
        let data = TypeData::load(dir.path()).unwrap().expect("data");
        assert!(data.knows("Test.A/things", "1") && data.knows("Test.B/things", "1"));
        // Both extracts name a type `Sku`; each resource is checked against its own.
        let thing = |resource_type: &str, sku: Value| json!({"type": resource_type, "apiVersion": "1", "name": "x", "sku": sku});
        let problems = check(
            &data,
            vec![
                thing("Test.A/things", json!({"name": "small"})),
                thing("Test.B/things", json!({"size": "small"})),
                thing("Test.B/things", json!({"name": "small"})),
            ],
        );
        assert_eq!(
            problems,
            vec!["Test.B/things 'x': sku.name: unknown property"]
        );
        // A resource type is still defined once across both folders.
        let again = extra.join("c-extract.json");
        std::fs::write(&again, tiny_extract("Test.A/things@1", json!({}))).unwrap();
        assert_eq!(
            TypeData::load(dir.path()).err(),
            Some(format!(
                "{}: resource Test.A/things@1 is defined twice (first in {})",
                again.display(),
                top.display()
            ))
        );
    }

    #[test]
    fn correct_connection_passes() {
        let Some(data) = data() else { return };
        let account_connection =
            connection("[format('{0}/{1}', 'acct', 'search')]", search_properties());
        let mut project_connection = connection("acct/proj/search-conn", search_properties());
        project_connection["type"] =
            json!("Microsoft.CognitiveServices/accounts/projects/connections");
        let problems = check(&data, vec![account_connection, project_connection]);
        assert_eq!(problems, Vec::<String>::new());
    }

    #[test]
    fn every_version_accepts_the_connection() {
        let Some(data) = data() else { return };
        for version in [
            "2025-04-01-preview",
            "2025-06-01",
            "2026-05-15-preview",
            "2026-07-01",
        ] {
            let mut resource = connection("acct/search", search_properties());
            resource["apiVersion"] = json!(version);
            assert_eq!(
                check(&data, vec![resource]),
                Vec::<String>::new(),
                "{version}"
            );
        }
    }

    #[test]
    fn misspelled_property_is_reported() {
        let Some(data) = data() else { return };
        let properties = with_properties(|p| {
            p.insert(
                "credentials".into(),
                json!({"kee": "[parameters('searchKey')]"}),
            );
            p.insert("Target".into(), json!("x"));
            p.remove("target");
        });
        let problems = check(&data, vec![connection("acct/x-conn", properties)]);
        assert_eq!(
            problems,
            vec![
                "Microsoft.CognitiveServices/accounts/connections 'acct/x-conn': properties.Target: unknown property (did you mean 'target'?)",
                "Microsoft.CognitiveServices/accounts/connections 'acct/x-conn': properties.credentials.kee: unknown property (did you mean 'key'?)",
            ]
        );
    }

    #[test]
    fn misspelled_top_level_property_is_reported() {
        let Some(data) = data() else { return };
        let mut resource = connection("acct/search", search_properties());
        let properties = resource
            .as_object_mut()
            .expect("object")
            .remove("properties");
        resource["propertes"] = properties.expect("properties");
        let problems = check(&data, vec![resource]);
        assert_eq!(problems.len(), 2, "{problems:#?}");
        assert!(
            problems[0].ends_with(
                "'acct/search': propertes: unknown property (did you mean 'properties'?)"
            )
        );
        assert!(problems[1].ends_with("'acct/search': properties: missing required property"));
    }

    #[test]
    fn missing_required_properties_are_reported() {
        let Some(data) = data() else { return };
        // authType is the union's discriminator (Required in every element); category is optional.
        let no_auth = with_properties(|p| {
            p.remove("authType");
            p.remove("category");
        });
        let problems = check(&data, vec![connection("acct/search", no_auth)]);
        assert_eq!(
            problems,
            vec![
                "Microsoft.CognitiveServices/accounts/connections 'acct/search': properties.authType: missing required property (discriminator)"
            ]
        );
        let mut no_properties = connection("acct/search", json!({}));
        no_properties
            .as_object_mut()
            .expect("object")
            .remove("properties");
        let problems = check(&data, vec![no_properties]);
        assert_eq!(
            problems,
            vec![
                "Microsoft.CognitiveServices/accounts/connections 'acct/search': properties: missing required property"
            ]
        );
    }

    #[test]
    fn read_only_property_is_reported() {
        let Some(data) = data() else { return };
        let properties = with_properties(|p| {
            p.insert("group".into(), json!("AzureAI"));
            p.insert(
                "createdByWorkspaceArmId".into(),
                json!("[resourceId('x', 'y')]"),
            );
        });
        let problems = check(&data, vec![connection("acct/search", properties)]);
        assert_eq!(problems.len(), 2, "{problems:#?}");
        assert!(
            problems[0]
                .ends_with("properties.createdByWorkspaceArmId: read-only property is written")
        );
        assert!(problems[1].ends_with("properties.group: read-only property is written"));
    }

    #[test]
    fn closed_enum_values_are_checked() {
        let Some(data) = data() else { return };
        let account = |identity: &str| {
            json!({
                "type": "Microsoft.CognitiveServices/accounts",
                "apiVersion": API,
                "name": "acct",
                "location": "[resourceGroup().location]",
                "kind": "AIServices",
                "sku": {"name": "S0"},
                "identity": {"type": identity},
                "properties": {"allowProjectManagement": true, "customSubDomainName": "acct", "disableLocalAuth": true},
            })
        };
        assert_eq!(
            check(&data, vec![account("SystemAssigned")]),
            Vec::<String>::new()
        );
        assert_eq!(
            check(&data, vec![account("SystemAssigned, UserAssigned")]),
            Vec::<String>::new()
        );
        assert_eq!(
            check(&data, vec![account("SystemAssigned,UserAssigned")]),
            vec![
                "Microsoft.CognitiveServices/accounts 'acct': identity.type: 'SystemAssigned,UserAssigned' is not one of [None, SystemAssigned, UserAssigned, SystemAssigned, UserAssigned]"
            ]
        );
        // `[[` escapes a literal that starts with `[`: it is a value, not an expression.
        assert_eq!(check(&data, vec![account("[[None]")]).len(), 1);
        assert_eq!(
            check(&data, vec![account("[parameters('identityType')]")]),
            Vec::<String>::new()
        );
        // Category is an open enum: unknown values are legal but listed as deviations.
        let odd_category = with_properties(|p| {
            p.insert("category".into(), json!("CognitiveSearchh"));
        });
        let resources = template(vec![connection("acct/search", odd_category)]);
        assert_eq!(
            check_template(&data, &resources, &CheckOptions::default()),
            Vec::<String>::new()
        );
        let deviations = open_enum_deviations(&data, &resources);
        assert_eq!(deviations.len(), 1);
        assert!(deviations[0].contains("properties.category: 'CognitiveSearchh' is not one of"));
    }

    #[test]
    fn wrong_json_types_are_reported() {
        let Some(data) = data() else { return };
        let properties = with_properties(|p| {
            p.insert("isSharedToAll".into(), json!("true"));
            p.insert("metadata".into(), json!({"ApiType": "Azure", "Count": 3}));
            p.insert("sharedUserList".into(), json!("[parameters('users')]"));
        });
        let problems = check(&data, vec![connection("acct/search", properties)]);
        assert_eq!(problems.len(), 2, "{problems:#?}");
        assert!(problems[0].ends_with("properties.isSharedToAll: expected boolean, got a string"));
        assert!(problems[1].ends_with("properties.metadata.Count: expected string, got a number"));
    }

    #[test]
    fn custom_keys_map_accepts_any_key() {
        let Some(data) = data() else { return };
        let properties = json!({
            "authType": "CustomKeys",
            "category": "CustomKeys",
            "target": "https://example.com",
            "credentials": {"keys": {"x-api-key": "[parameters('searchKey')]", "other": "literal"}},
        });
        assert_eq!(
            check(&data, vec![connection("acct/custom", properties)]),
            Vec::<String>::new()
        );
    }

    #[test]
    fn connection_name_pattern_is_checked_on_the_last_segment() {
        let Some(data) = data() else { return };
        let problems = check(&data, vec![connection("acct/ab", search_properties())]);
        assert_eq!(
            problems,
            vec![
                "Microsoft.CognitiveServices/accounts/connections 'acct/ab': name: 'ab' does not match pattern ^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$"
            ]
        );
        let problems = check(&data, vec![connection("search", search_properties())]);
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert!(problems[0].ends_with(
            "name: 'search' has 1 segment(s) but Microsoft.CognitiveServices/accounts/connections needs 2"
        ));
        let long = format!("acct/{}", "a".repeat(34));
        assert_eq!(
            check(&data, vec![connection(&long, search_properties())]).len(),
            1
        );
    }

    #[test]
    fn parent_segments_are_checked_against_the_parent_types() {
        let Some(data) = data() else { return };
        let mut project_connection = connection("a/my project/search", search_properties());
        project_connection["type"] =
            json!("Microsoft.CognitiveServices/accounts/projects/connections");
        assert_eq!(
            check(&data, vec![project_connection]),
            vec![
                "Microsoft.CognitiveServices/accounts/projects/connections 'a/my project/search': name[0] (Microsoft.CognitiveServices/accounts): 'a' is shorter than 2 characters",
                "Microsoft.CognitiveServices/accounts/projects/connections 'a/my project/search': name[1] (Microsoft.CognitiveServices/accounts/projects): 'my project' does not match pattern ^[a-zA-Z0-9][a-zA-Z0-9_.-]*$",
            ]
        );
    }

    #[test]
    fn unpublished_auth_types_need_the_option() {
        let Some(data) = data() else { return };
        let key_vault = json!({
            "authType": "AccountManagedIdentity",
            "category": "AzureKeyVault",
            "target": "[resourceId('Microsoft.KeyVault/vaults', 'kv')]",
            "isSharedToAll": true,
            "metadata": {"ApiType": "Azure", "ResourceId": "[resourceId('Microsoft.KeyVault/vaults', 'kv')]"},
        });
        let resources = template(vec![connection("acct/keyvault", key_vault.clone())]);
        let problems = check_template(&data, &resources, &CheckOptions::default());
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert!(
            problems[0].starts_with(
                "Microsoft.CognitiveServices/accounts/connections 'acct/keyvault': properties.authType: unknown authType 'AccountManagedIdentity' (known: [AAD, AccessKey,"
            ),
            "{}",
            problems[0]
        );
        let opts = CheckOptions {
            allowed_unpublished_auth_types: vec![
                "AccountManagedIdentity".into(),
                "ProjectManagedIdentity".into(),
            ],
            ..CheckOptions::default()
        };
        assert_eq!(
            check_template(&data, &resources, &opts),
            Vec::<String>::new()
        );
        // Base properties are still checked; anything else is let through.
        let mut apim = key_vault;
        apim["authType"] = json!("ProjectManagedIdentity");
        apim["category"] = json!("ApiManagement");
        apim["audience"] = json!("https://azure-api.net");
        apim["group"] = json!("AzureAI");
        apim["isSharedToAll"] = json!("yes");
        let problems = check_template(&data, &template(vec![connection("acct/apim", apim)]), &opts);
        assert_eq!(problems.len(), 2, "{problems:#?}");
        assert!(problems[0].ends_with("properties.group: read-only property is written"));
        assert!(problems[1].ends_with("properties.isSharedToAll: expected boolean, got a string"));
    }

    #[test]
    fn allowed_extra_properties_are_let_through() {
        let Some(data) = data() else { return };
        let properties = json!({
            "authType": "ManagedIdentity",
            "category": "ApiManagement",
            "target": "https://apim.azure-api.net",
            "audience": "https://azure-api.net",
            "credentials": {"clientId": "[parameters('clientId')]", "resourceId": "[parameters('identity')]"},
        });
        let resources = template(vec![connection("acct/apim", properties)]);
        let problems = check_template(&data, &resources, &CheckOptions::default());
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert!(problems[0].ends_with("properties.audience: unknown property"));
        let opts = CheckOptions {
            allowed_extra_properties: vec!["properties.audience".into()],
            ..CheckOptions::default()
        };
        assert_eq!(
            check_template(&data, &resources, &opts),
            Vec::<String>::new()
        );
    }

    #[test]
    fn expression_discriminator_checks_base_and_known_properties() {
        let Some(data) = data() else { return };
        let properties = with_properties(|p| {
            p.insert("authType".into(), json!("[parameters('authType')]"));
            p.insert("bogus".into(), json!(1));
        });
        let problems = check(&data, vec![connection("acct/search", properties)]);
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert!(problems[0].ends_with("properties.bogus: unknown property"));
        let unknown = with_properties(|p| {
            p.insert("authType".into(), json!("Apikey"));
        });
        let problems = check(&data, vec![connection("acct/search", unknown)]);
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert!(problems[0].contains("properties.authType: unknown authType 'Apikey'"));
    }

    fn role_assignment(principal_type: Value) -> Value {
        json!({
            "type": "Microsoft.Authorization/roleAssignments",
            "apiVersion": "2022-04-01",
            "scope": "[format('Microsoft.CognitiveServices/accounts/{0}', 'acct')]",
            "name": "[guid(resourceId('Microsoft.CognitiveServices/accounts', 'acct'), 'reader')]",
            "properties": {
                "roleDefinitionId": "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '5e0bd9bd-7b93-4f28-af87-19fc36ad61bd')]",
                "principalId": "[reference(resourceId('Microsoft.CognitiveServices/accounts', 'acct'), '2026-07-01', 'full').identity.principalId]",
                "principalType": principal_type,
            },
        })
    }

    #[test]
    fn role_assignment_principal_type() {
        let Some(data) = data() else { return };
        let good = template(vec![role_assignment(json!("ServicePrincipal"))]);
        assert_eq!(
            check_template(&data, &good, &CheckOptions::default()),
            Vec::<String>::new()
        );
        assert_eq!(open_enum_deviations(&data, &good), Vec::<String>::new());
        // principalType is an open enum in the published types: any string is legal, so an
        // invalid value is only listed by `open_enum_deviations`.
        let bad = template(vec![role_assignment(json!("ServicePrinciple"))]);
        assert_eq!(
            check_template(&data, &bad, &CheckOptions::default()),
            Vec::<String>::new()
        );
        let deviations = open_enum_deviations(&data, &bad);
        assert_eq!(deviations.len(), 1);
        assert!(deviations[0].starts_with(
            "Microsoft.Authorization/roleAssignments '[guid(resourceId('Microsoft.CognitiveServices/accounts', 'acct'), 'reader')]': properties.principalType: 'ServicePrinciple' is not one of [User, Group, ServicePrincipal,"
        ));
        let problems = check(&data, vec![role_assignment(json!(7))]);
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert!(problems[0].ends_with("properties.principalType: expected a string, got a number"));
        let mut missing = role_assignment(json!("User"));
        missing["properties"]
            .as_object_mut()
            .expect("object")
            .remove("principalId");
        let problems = check(&data, vec![missing]);
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert!(problems[0].ends_with("properties.principalId: missing required property"));
    }

    fn access_policies(name: &str, tenant: &str) -> Value {
        json!({
            "type": "Microsoft.KeyVault/vaults/accessPolicies",
            "apiVersion": "2026-02-01",
            "name": name,
            "properties": {
                "accessPolicies": [{
                    "tenantId": tenant,
                    "objectId": "[reference(resourceId('Microsoft.CognitiveServices/accounts', 'acct'), '2026-07-01', 'full').identity.principalId]",
                    "permissions": {"secrets": ["get", "list"]},
                }],
            },
        })
    }

    #[test]
    fn key_vault_access_policies() {
        let Some(data) = data() else { return };
        let good = access_policies("kv/add", "[subscription().tenantId]");
        assert_eq!(check(&data, vec![good]), Vec::<String>::new());
        let literal_tenant = access_policies("kv/add", "72f988bf-86f1-41af-91ab-2d7cd011db47");
        assert_eq!(check(&data, vec![literal_tenant]), Vec::<String>::new());
        let problems = check(&data, vec![access_policies("kv/append", "not-a-guid")]);
        assert_eq!(problems.len(), 3, "{problems:#?}");
        assert!(
            problems[0]
                .ends_with("'kv/append': name: 'append' is not one of [add, replace, remove]")
        );
        assert!(problems[1].ends_with(
            "properties.accessPolicies[0].tenantId: 'not-a-guid' is shorter than 36 characters"
        ));
        assert!(problems[2].contains(
            "properties.accessPolicies[0].tenantId: 'not-a-guid' does not match pattern"
        ));
        // location is read-only on accessPolicies.
        let mut with_location = access_policies("kv/add", "[subscription().tenantId]");
        with_location["location"] = json!("[resourceGroup().location]");
        let problems = check(&data, vec![with_location]);
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert!(problems[0].ends_with("location: read-only property is written"));
    }

    #[test]
    fn property_loops_are_checked_as_arrays() {
        let Some(data) = data() else { return };
        let resource = json!({
            "type": "Microsoft.KeyVault/vaults/accessPolicies",
            "apiVersion": "2026-02-01",
            "name": "[format('{0}/add', 'kv')]",
            "properties": {
                "copy": [{
                    "name": "accessPolicies",
                    "count": "[length(parameters('principals'))]",
                    "input": {
                        "tenantId": "[subscription().tenantId]",
                        "objectId": "[parameters('principals')[copyIndex('accessPolicies')]]",
                        "permissions": {"secrets": ["get"], "keyz": ["get"]},
                    },
                }],
            },
        });
        let problems = check(&data, vec![resource]);
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert!(problems[0].ends_with(
            "properties.accessPolicies[*].permissions.keyz: unknown property (did you mean 'keys'?)"
        ));
    }

    const DEPLOYMENT_SCRIPTS: &str = "Microsoft.Resources/deploymentScripts";

    fn deployment_script(kind: &str, properties: Value) -> Value {
        json!({
            "type": DEPLOYMENT_SCRIPTS,
            "apiVersion": "2023-08-01",
            "name": "role-wait",
            "location": "[resourceGroup().location]",
            "kind": kind,
            "properties": properties,
        })
    }

    /// The role-assignment wait foundrygen writes.
    fn cli_script() -> Value {
        json!({
            "azCliVersion": "2.75.0",
            "cleanupPreference": "Always",
            "forceUpdateTag": "[reference(resourceId('Microsoft.CognitiveServices/accounts', 'acct'), '2026-07-01', 'full').identity.principalId]",
            "retentionInterval": "PT1H",
            "scriptContent": "sleep 90",
            "timeout": "PT390S",
        })
    }

    fn powershell_script() -> Value {
        json!({
            "azPowerShellVersion": "12.3",
            "retentionInterval": "PT1H",
            "scriptContent": "Start-Sleep -Seconds 90",
        })
    }

    #[test]
    fn deployment_scripts_are_discriminated_on_kind_at_the_top_level() {
        let Some(data) = data() else { return };
        let good = vec![
            deployment_script("AzureCLI", cli_script()),
            deployment_script("AzurePowerShell", powershell_script()),
        ];
        assert_eq!(check(&data, good), Vec::<String>::new());
        // Each element brings its own `properties` type.
        assert_eq!(
            check(
                &data,
                vec![deployment_script("AzureCLI", powershell_script())]
            ),
            vec![
                "Microsoft.Resources/deploymentScripts 'role-wait': properties.azPowerShellVersion: unknown property",
                "Microsoft.Resources/deploymentScripts 'role-wait': properties.azCliVersion: missing required property",
            ]
        );
        assert_eq!(
            check(&data, vec![deployment_script("AzureCli", cli_script())]),
            vec![
                "Microsoft.Resources/deploymentScripts 'role-wait': kind: unknown kind 'AzureCli' (known: [AzureCLI, AzurePowerShell])"
            ]
        );
        let mut no_kind = deployment_script("AzureCLI", cli_script());
        no_kind.as_object_mut().expect("object").remove("kind");
        assert_eq!(
            check(&data, vec![no_kind]),
            vec![
                "Microsoft.Resources/deploymentScripts 'role-wait': kind: missing required property (discriminator)"
            ]
        );
        // The base properties hold whatever the kind.
        let mut no_location = deployment_script("AzurePowerShell", powershell_script());
        no_location
            .as_object_mut()
            .expect("object")
            .remove("location");
        no_location["identity"] = json!({"type": "UserAssigned", "tenantId": "x"});
        assert_eq!(
            check(&data, vec![no_location]),
            vec![
                "Microsoft.Resources/deploymentScripts 'role-wait': identity.tenantId: read-only property is written",
                "Microsoft.Resources/deploymentScripts 'role-wait': location: missing required property",
            ]
        );
        let mut written_state = cli_script();
        written_state["provisioningState"] = json!("Succeeded");
        let problems = check(&data, vec![deployment_script("AzureCLI", written_state)]);
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert!(
            problems[0].ends_with("properties.provisioningState: read-only property is written")
        );
        // An expression kind leaves the element open: its properties are let through unchecked,
        // anything no element has is still unknown.
        let mut computed = deployment_script("[parameters('scriptKind')]", powershell_script());
        computed["scriptKind"] = json!("AzureCLI");
        assert_eq!(
            check(&data, vec![computed]),
            vec!["Microsoft.Resources/deploymentScripts 'role-wait': scriptKind: unknown property"]
        );
    }

    #[test]
    fn unpublished_auth_types_do_not_open_other_unions() {
        let Some(data) = data() else { return };
        let opts = CheckOptions {
            allowed_unpublished_auth_types: vec!["AccountManagedIdentity".into()],
            ..CheckOptions::default()
        };
        let script = template(vec![deployment_script(
            "AccountManagedIdentity",
            cli_script(),
        )]);
        assert_eq!(
            check_template(&data, &script, &opts),
            vec![
                "Microsoft.Resources/deploymentScripts 'role-wait': kind: unknown kind 'AccountManagedIdentity' (known: [AzureCLI, AzurePowerShell])"
            ]
        );
    }

    fn search_service(name: &str) -> Value {
        json!({
            "type": "Microsoft.Search/searchServices",
            "apiVersion": "2025-05-01",
            "name": name,
            "location": "[resourceGroup().location]",
            "sku": {"name": "basic"},
            "identity": {"type": "SystemAssigned"},
            "properties": {
                "replicaCount": 1,
                "partitionCount": 1,
                "hostingMode": "Default",
                "disableLocalAuth": true,
                "publicNetworkAccess": "Enabled",
            },
        })
    }

    #[test]
    fn search_service_name_is_bounded_by_a_lookahead() {
        let Some(data) = data() else { return };
        let sixty = "a".repeat(60);
        assert_eq!(
            check(
                &data,
                vec![search_service("my-search"), search_service(&sixty)]
            ),
            Vec::<String>::new()
        );
        let sixty_one = "a".repeat(61);
        assert_eq!(
            check(&data, vec![search_service(&sixty_one)]),
            vec![format!(
                "Microsoft.Search/searchServices '{sixty_one}': name: '{sixty_one}' does not match pattern ^(?=.{{2,60}}$)[a-z0-9][a-z0-9]+(-[a-z0-9]+)*$"
            )]
        );
        let problems = check(&data, vec![search_service("My_Search")]);
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert!(problems[0].ends_with(
            "name: 'My_Search' does not match pattern ^(?=.{2,60}$)[a-z0-9][a-z0-9]+(-[a-z0-9]+)*$"
        ));
    }

    #[test]
    fn type_names_are_local_to_their_extract() {
        let Some(data) = data() else { return };
        // Both extracts define `Sku`: Search's has only `name`, Cognitive Services' has `capacity`.
        let mut search = search_service("my-search");
        search["sku"] = json!({"name": "basic", "capacity": 1});
        let model = json!({
            "type": "Microsoft.CognitiveServices/accounts/deployments",
            "apiVersion": "2026-07-01",
            "name": "acct/gpt-4o",
            "sku": {"name": "GlobalStandard", "capacity": 10},
            "properties": {
                "model": {"format": "OpenAI", "name": "gpt-4o", "version": "2024-11-20"},
                "versionUpgradeOption": "OnceNewDefaultVersionAvailable",
            },
        });
        assert_eq!(
            check(&data, vec![search, model]),
            vec!["Microsoft.Search/searchServices 'my-search': sku.capacity: unknown property"]
        );
    }

    fn cosmos_account(backup_policy: Value) -> Value {
        json!({
            "type": "Microsoft.DocumentDB/databaseAccounts",
            "apiVersion": "2026-03-15",
            "name": "my-cosmos",
            "location": "[resourceGroup().location]",
            "kind": "GlobalDocumentDB",
            "properties": {
                "databaseAccountOfferType": "Standard",
                "locations": [{"locationName": "westeurope", "failoverPriority": 0}],
                "disableLocalAuth": true,
                "backupPolicy": backup_policy,
            },
        })
    }

    #[test]
    fn cosmos_backup_policy_is_discriminated_on_type() {
        let Some(data) = data() else { return };
        let periodic = json!({
            "type": "Periodic",
            "periodicModeProperties": {"backupIntervalInMinutes": 240, "backupStorageRedundancy": "Local"},
        });
        let continuous =
            json!({"type": "Continuous", "continuousModeProperties": {"tier": "Continuous7Days"}});
        assert_eq!(
            check(
                &data,
                vec![cosmos_account(periodic.clone()), cosmos_account(continuous)]
            ),
            Vec::<String>::new()
        );
        let mut mixed = periodic.clone();
        mixed["type"] = json!("Continuous");
        assert_eq!(
            check(&data, vec![cosmos_account(mixed)]),
            vec![
                "Microsoft.DocumentDB/databaseAccounts 'my-cosmos': properties.backupPolicy.periodicModeProperties: unknown property"
            ]
        );
        let mut unknown = periodic;
        unknown["type"] = json!("Periodical");
        assert_eq!(
            check(&data, vec![cosmos_account(unknown)]),
            vec![
                "Microsoft.DocumentDB/databaseAccounts 'my-cosmos': properties.backupPolicy.type: unknown type 'Periodical' (known: [Continuous, Periodic])"
            ]
        );
    }

    #[test]
    fn storage_children_and_their_literal_names() {
        let Some(data) = data() else { return };
        let account = json!({
            "type": "Microsoft.Storage/storageAccounts",
            "apiVersion": "2026-04-01",
            "name": "mystorage",
            "location": "[resourceGroup().location]",
            "kind": "StorageV2",
            "sku": {"name": "Standard_LRS"},
            "properties": {"allowBlobPublicAccess": false, "minimumTlsVersion": "TLS1_2"},
            "resources": [{
                "type": "blobServices",
                "apiVersion": "2026-04-01",
                "name": "default",
                "dependsOn": ["mystorage"],
            }],
        });
        let container = |name: &str| {
            json!({
                "type": "Microsoft.Storage/storageAccounts/blobServices/containers",
                "apiVersion": "2026-04-01",
                "name": name,
                "properties": {"publicAccess": "None"},
            })
        };
        assert_eq!(
            check(&data, vec![account, container("mystorage/default/agents")]),
            Vec::<String>::new()
        );
        assert_eq!(
            check(
                &data,
                vec![
                    container("mystorage/blob/agents"),
                    container("mystorage/agents")
                ]
            ),
            vec![
                "Microsoft.Storage/storageAccounts/blobServices/containers 'mystorage/blob/agents': name[1] (Microsoft.Storage/storageAccounts/blobServices): expected \"default\", got \"blob\"",
                "Microsoft.Storage/storageAccounts/blobServices/containers 'mystorage/agents': name: 'mystorage/agents' has 2 segment(s) but Microsoft.Storage/storageAccounts/blobServices/containers needs 3",
            ]
        );
        let blob_service = json!({
            "type": "Microsoft.Storage/storageAccounts/blobServices",
            "apiVersion": "2026-04-01",
            "name": "mystorage/blob",
        });
        assert_eq!(
            check(&data, vec![blob_service]),
            vec![
                "Microsoft.Storage/storageAccounts/blobServices 'mystorage/blob': name: expected \"default\", got \"blob\""
            ]
        );
    }

    #[test]
    fn nested_deployments_are_checked_and_unknown_types_listed() {
        let Some(data) = data() else { return };
        let bad = with_properties(|p| {
            p.insert("credential".into(), json!({"key": "x"}));
        });
        let outer = template(vec![
            json!({
                "type": "Microsoft.Resources/deploymentScripts",
                "apiVersion": "2023-08-01",
                "name": "script",
                "kind": "AzureCLI",
                "properties": {"azCliVersion": "2.60.0", "retentionInterval": "PT1H"},
            }),
            json!({
                "type": "Microsoft.Resources/deployments",
                "apiVersion": "2022-09-01",
                "name": "wait",
                "properties": {
                    "mode": "Incremental",
                    "template": {"resources": [deployment_script("AzureCLI", cli_script())]},
                },
            }),
            json!({
                "type": "Microsoft.Resources/deployments",
                "apiVersion": "2022-09-01",
                "name": "inner",
                "resourceGroup": "other-rg",
                "properties": {
                    "mode": "Incremental",
                    "expressionEvaluationOptions": {"scope": "inner"},
                    "template": {
                        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                        "contentVersion": "1.0.0.0",
                        "resources": [connection("acct/search", bad), access_policies("kv/add", "[subscription().tenantId]")],
                    },
                },
            }),
        ]);
        let problems = check_template(&data, &outer, &CheckOptions::default());
        assert_eq!(
            problems,
            vec![
                "Microsoft.Resources/deploymentScripts 'script': location: missing required property",
                "Microsoft.CognitiveServices/accounts/connections 'acct/search': properties.credential: unknown property (did you mean 'credentials'?)",
            ]
        );
        assert_eq!(
            unknown_types(&data, &outer),
            vec!["Microsoft.Resources/deployments@2022-09-01"]
        );
        assert_eq!(
            checked_types(&data, &outer),
            vec![
                "Microsoft.Resources/deploymentScripts@2023-08-01",
                "Microsoft.Resources/deploymentScripts@2023-08-01",
                "Microsoft.CognitiveServices/accounts/connections@2026-07-01",
                "Microsoft.KeyVault/vaults/accessPolicies@2026-02-01",
            ]
        );
    }

    #[test]
    fn symbolic_names_children_and_existing_resources() {
        let Some(data) = data() else { return };
        let bad = with_properties(|p| {
            p.insert("group".into(), json!("AzureAI"));
        });
        let outer = json!({
            "languageVersion": "2.0",
            "contentVersion": "1.0.0.0",
            "resources": {
                "account": {
                    "existing": true,
                    "type": "Microsoft.CognitiveServices/accounts",
                    "apiVersion": API,
                    "name": "acct",
                    "bogus": 1,
                },
                "conn": connection("acct/search", bad),
                "vault": {
                    "type": "Microsoft.KeyVault/vaults",
                    "apiVersion": "2026-02-01",
                    "name": "kv",
                    "location": "westeurope",
                    "properties": {
                        "tenantId": "[subscription().tenantId]",
                        "sku": {"family": "A", "name": "standard"},
                    },
                    "resources": [access_policies("remove", "[subscription().tenantId]")],
                },
            },
        });
        let problems = check_template(&data, &outer, &CheckOptions::default());
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert!(
            problems[0].ends_with("'acct/search': properties.group: read-only property is written")
        );
        assert_eq!(unknown_types(&data, &outer), Vec::<String>::new());
    }

    #[test]
    fn expressions_and_escapes() {
        assert!(is_expression(&json!("[parameters('x')]")));
        assert!(!is_expression(&json!("[[parameters('x')]")));
        assert!(!is_expression(&json!("[not closed")));
        assert!(!is_expression(&json!(3)));
        assert_eq!(literal_str("[[x]"), "[x]");
        assert_eq!(
            without_indices("properties.list[3].x[*]"),
            "properties.list.x"
        );
    }

    #[test]
    fn patterns_from_the_type_data() {
        let cases = [
            ("^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$", "search-conn", true),
            ("^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$", "-search", false),
            ("^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$", "ab", false),
            ("^[a-zA-Z0-9][a-zA-Z0-9_.-]*$", "a.b-c_d", true),
            ("^[a-zA-Z0-9][a-zA-Z0-9_.-]*$", "a b", false),
            (
                "^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$",
                "72f988bf-86f1-41af-91ab-2d7cd011db47",
                true,
            ),
            (
                "^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$",
                "72f988bf-86f1-41af-91ab-2d7cd011db4",
                false,
            ),
            (
                "^( *)Endpoint=sb://(.*);( *)SharedAccessKeyName=(.*);( *)SharedAccessKey=(.*)$",
                "Endpoint=sb://x.servicebus.windows.net/; SharedAccessKeyName=k;SharedAccessKey=v",
                true,
            ),
            (
                "^(( *)DefaultEndpointsProtocol=(http|https)( *);( *))?AccountName=(.*)AccountKey=(.*)EndpointSuffix=(.*)$",
                "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=k;EndpointSuffix=core.windows.net",
                true,
            ),
            (
                "^(( *)DefaultEndpointsProtocol=(http|https)( *);( *))?AccountName=(.*)AccountKey=(.*)EndpointSuffix=(.*)$",
                "DefaultEndpointsProtocol=ftp;AccountName=a;AccountKey=k;EndpointSuffix=x",
                false,
            ),
            ("^[a-zA-Z0-9][a-zA-Z0-9\\-_]{0,254}$", "a-b_c", true),
            ("^.*$", "", true),
            ("b+", "abbc", true),
            ("^(?:ab|c)?d\\d$", "abd1", true),
            ("^[^/]+$", "a/b", false),
            // Cosmos DB's account name pattern has no `$`: as published, only the start counts.
            ("^[a-z0-9]+(-[a-z0-9]+)*", "my-cosmos", true),
            ("^[a-z0-9]+(-[a-z0-9]+)*", "my-Cosmos-", true),
            ("^[a-z0-9]+(-[a-z0-9]+)*", "-cosmos", false),
        ];
        for (p, text, expected) in cases {
            assert_eq!(pattern::is_match(p, text), Ok(expected), "{p} on {text:?}");
        }
        assert!(pattern::is_match("\\p{L}", "x").is_err());
        assert!(pattern::is_match("(a", "a").is_err());
        assert!(pattern::is_match("a)", "a").is_err());
    }

    /// Search's service name: 2 to 60 characters, bounded by a lookahead in front of the shape.
    const SEARCH_NAME: &str = "^(?=.{2,60}$)[a-z0-9][a-z0-9]+(-[a-z0-9]+)*$";

    #[test]
    fn lookaheads() {
        let sixty = "a".repeat(60);
        let sixty_one = "a".repeat(61);
        let cases = [
            (SEARCH_NAME, "my-search", true),
            (SEARCH_NAME, sixty.as_str(), true),
            // The shape alone accepts 61 letters: only the lookahead refuses them.
            (SEARCH_NAME, sixty_one.as_str(), false),
            (SEARCH_NAME, "a", false),
            (SEARCH_NAME, "my--search", false),
            (SEARCH_NAME, "My-search", false),
            // A lookahead consumes nothing: what follows starts where it started.
            ("^a(?=b)b$", "ab", true),
            ("^a(?=b)c", "ac", false),
            ("^(?=.*\\d)(?=.*[a-z])[a-z0-9]{4}$", "ab12", true),
            ("^(?=.*\\d)(?=.*[a-z])[a-z0-9]{4}$", "abcd", false),
            ("^(?!-)[a-z-]+$", "ab-c", true),
            ("^(?!-)[a-z-]+$", "-abc", false),
            ("^(?!.*--)[a-z-]+$", "a-b-c", true),
            ("^(?!.*--)[a-z-]+$", "a--b", false),
            ("^(?:(?!x).)*$", "abc", true),
            ("^(?:(?!x).)*$", "abxc", false),
            ("(?=(ab|c))c", "xc", true),
        ];
        for (p, text, expected) in cases {
            assert_eq!(pattern::is_match(p, text), Ok(expected), "{p} on {text:?}");
        }
        assert_eq!(
            pattern::is_match("(?<=a)b", "ab"),
            Err("lookbehind is not supported".to_string())
        );
        assert_eq!(
            pattern::is_match("(?<!a)b", "b"),
            Err("lookbehind is not supported".to_string())
        );
        assert_eq!(
            pattern::is_match("(?<name>a)", "a"),
            Err("only (?:...), (?=...) and (?!...) groups are supported".to_string())
        );
        assert!(pattern::is_match("(?=a", "a").is_err());
    }

    #[test]
    fn every_pattern_in_the_type_data_is_supported() {
        let Some(data) = data() else { return };
        fn walk(value: &Value, out: &mut BTreeSet<String>) {
            match value {
                Value::Object(map) => {
                    if let Some(Value::String(p)) = map.get("pattern") {
                        out.insert(p.clone());
                    }
                    map.values().for_each(|v| walk(v, out));
                }
                Value::Array(list) => list.iter().for_each(|v| walk(v, out)),
                _ => {}
            }
        }
        let mut patterns = BTreeSet::new();
        for extract in &data.extracts {
            extract.types.values().for_each(|t| walk(t, &mut patterns));
        }
        assert!(patterns.len() >= 4, "{patterns:?}");
        // extra/ is read: Search's lookahead and Log Analytics' workspace name are among them.
        assert!(patterns.contains(SEARCH_NAME), "{patterns:?}");
        assert!(
            patterns.contains("^[A-Za-z0-9][A-Za-z0-9-]+[A-Za-z0-9]$"),
            "{patterns:?}"
        );
        for p in patterns {
            assert!(pattern::is_match(&p, "x").is_ok(), "{p}");
        }
    }
}
