//! Import, reading: the JSON `az` prints (or the REST GET bodies), recognised by content. Each
//! file holds one resource, a list of them, or `{"value": [...]}`; each resource is known by its
//! `type` and placed by its `id`, so file names and the order of files do not matter.

use serde_json::{Map, Value};

/// A problem with one input file: the file, where in it when known, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file as given.
    pub file: String,
    /// 1-based line and column, for JSON syntax errors.
    pub at: Option<(usize, usize)>,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: String,
}

/// The account, its parts and its place, from an id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountId {
    /// Subscription GUID.
    pub subscription: String,
    /// Resource group.
    pub resource_group: String,
    /// Account name.
    pub name: String,
}

impl AccountId {
    /// Case-insensitive identity (Azure ids are).
    pub fn key(&self) -> String {
        format!(
            "{}/{}/{}",
            self.subscription.to_ascii_lowercase(),
            self.resource_group.to_ascii_lowercase(),
            self.name.to_ascii_lowercase()
        )
    }
}

/// What one resource of the input is.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// `Microsoft.CognitiveServices/accounts`.
    Account {
        /// Where it is.
        id: AccountId,
        /// `location`.
        location: Option<String>,
        /// `kind` (`AIServices` for a Foundry account).
        kind: Option<String>,
        /// `identity`, as Azure returns it.
        identity: Option<Value>,
    },
    /// `…/accounts/projects`.
    Project {
        /// Its account.
        account: AccountId,
        /// Project name.
        name: String,
        /// `properties.displayName`.
        display_name: Option<String>,
        /// `properties.description`.
        description: Option<String>,
    },
    /// `…/accounts/connections` or `…/accounts/projects/connections`.
    Connection {
        /// Its account.
        account: AccountId,
        /// Its project, for a project connection.
        project: Option<String>,
        /// Connection name.
        name: String,
        /// `properties`.
        properties: Map<String, Value>,
    },
    /// `…/accounts/deployments`.
    Deployment {
        /// Its account.
        account: AccountId,
        /// Model deployment name.
        name: String,
        /// `sku`.
        sku: Map<String, Value>,
        /// `properties`.
        properties: Map<String, Value>,
    },
}

const ACCOUNTS: &str = "microsoft.cognitiveservices/accounts";

/// The resources of one file, or why it cannot be read.
pub fn items(file: &str, text: &str) -> Result<Vec<Item>, Problem> {
    let problem = |message: String, help: &str| Problem {
        file: file.to_string(),
        at: None,
        message,
        help: help.to_string(),
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let value: Value = serde_json::from_str(text).map_err(|e| Problem {
        file: file.to_string(),
        at: Some((e.line(), e.column())),
        message: format!("invalid JSON: {}", json_error(&e)),
        help: "import reads the JSON that `az cognitiveservices account show`, `… connection list` and `… deployment list` print (`--output json`, the default)".into(),
    })?;
    let (list, path): (Vec<&Value>, &str) = match &value {
        Value::Array(a) => (a.iter().collect(), "$"),
        Value::Object(o) => match o.get("value") {
            Some(Value::Array(a)) if !o.contains_key("type") => (a.iter().collect(), "$.value"),
            _ => (vec![&value], ""),
        },
        _ => {
            return Err(problem(
                "not an `az` resource output: the file holds neither an object nor a list".into(),
                RECOGNISED,
            ));
        }
    };
    let mut out = Vec::new();
    for (i, v) in list.into_iter().enumerate() {
        let at = if path.is_empty() {
            "the file".to_string()
        } else {
            format!("`{path}[{i}]`")
        };
        out.push(item(v).map_err(|m| problem(format!("{at}: {m}"), RECOGNISED))?);
    }
    Ok(out)
}

/// What the help says import reads.
const RECOGNISED: &str = "import reads `az cognitiveservices account show` (an account), `az cognitiveservices account connection list` and `… account project connection list` (connections), the project list, and `az cognitiveservices account deployment list`, or their REST GET bodies";

/// serde_json's message without its own ` at line L column C` (the position is shown apart).
fn json_error(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

fn item(v: &Value) -> Result<Item, String> {
    let Value::Object(o) = v else {
        return Err("is not an object".into());
    };
    let ty = o
        .get("type")
        .and_then(Value::as_str)
        .ok_or("has no `type`, so it is not an Azure resource")?;
    let lower = ty.to_ascii_lowercase();
    if !lower.starts_with(ACCOUNTS) {
        return Err(format!("a `{ty}`, which import does not read"));
    }
    let id = o
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("the `{ty}` has no `id`"))?;
    let name = o
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("the `{ty}` has no `name`"))?;
    let props = || match o.get("properties") {
        Some(Value::Object(p)) => p.clone(),
        _ => Map::new(),
    };
    let text = |m: &Map<String, Value>, k: &str| m.get(k).and_then(Value::as_str).map(String::from);
    let parsed = parse_id(id).ok_or_else(|| {
        format!("`{id}` is not the id of a Cognitive Services account or one of its children")
    })?;
    let want = |suffix: &str| format!("{ACCOUNTS}{suffix}");
    let last_is_name = |n: &str| n.eq_ignore_ascii_case(name) || name.ends_with(&format!("/{n}"));
    match (lower.as_str(), &parsed.child) {
        (t, Child::None) if t == ACCOUNTS => Ok(Item::Account {
            id: parsed.account,
            location: text(o, "location"),
            kind: text(o, "kind"),
            identity: o.get("identity").filter(|v| v.is_object()).cloned(),
        }),
        (t, Child::Project(p)) if t == want("/projects") && last_is_name(p) => Ok(Item::Project {
            account: parsed.account,
            name: p.clone(),
            display_name: text(&props(), "displayName"),
            description: text(&props(), "description"),
        }),
        (t, Child::Connection { project, name: n })
            if (t == want("/connections") && project.is_none()
                || t == want("/projects/connections") && project.is_some())
                && last_is_name(n) =>
        {
            let properties = props();
            for key in ["category", "authType"] {
                if properties
                    .get(key)
                    .and_then(Value::as_str)
                    .is_none_or(str::is_empty)
                {
                    return Err(format!(
                        "connection `{n}` has no `properties.{key}`, which every connection Azure returns has"
                    ));
                }
            }
            Ok(Item::Connection {
                account: parsed.account,
                project: project.clone(),
                name: n.clone(),
                properties,
            })
        }
        (t, Child::Deployment(d)) if t == want("/deployments") && last_is_name(d) => {
            Ok(Item::Deployment {
                account: parsed.account,
                name: d.clone(),
                sku: match o.get("sku") {
                    Some(Value::Object(s)) => s.clone(),
                    _ => Map::new(),
                },
                properties: props(),
            })
        }
        _ => Err(format!(
            "a `{ty}` with id `{id}`: its type and id disagree, or import does not read this type"
        )),
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Child {
    None,
    Project(String),
    Connection {
        project: Option<String>,
        name: String,
    },
    Deployment(String),
}

struct ParsedId {
    account: AccountId,
    child: Child,
}

/// `/subscriptions/<s>/resourceGroups/<rg>/providers/Microsoft.CognitiveServices/accounts/<a>`,
/// then nothing, `/projects/<p>`, `/connections/<c>`, `/projects/<p>/connections/<c>` or
/// `/deployments/<d>` (keywords case-insensitive, as ARM's are).
fn parse_id(id: &str) -> Option<ParsedId> {
    let parts: Vec<&str> = id.strip_prefix('/')?.split('/').collect();
    let kw = |i: usize, w: &str| parts.get(i).is_some_and(|p| p.eq_ignore_ascii_case(w));
    let ok = kw(0, "subscriptions")
        && kw(2, "resourceGroups")
        && kw(4, "providers")
        && kw(5, "Microsoft.CognitiveServices")
        && kw(6, "accounts")
        && parts.len() >= 8
        && parts.iter().all(|p| !p.is_empty());
    if !ok {
        return None;
    }
    let account = AccountId {
        subscription: parts[1].to_string(),
        resource_group: parts[3].to_string(),
        name: parts[7].to_string(),
    };
    let rest = &parts[8..];
    let is = |i: usize, w: &str| rest[i].eq_ignore_ascii_case(w);
    let child = match rest.len() {
        0 => Child::None,
        2 if is(0, "projects") => Child::Project(rest[1].to_string()),
        2 if is(0, "connections") => Child::Connection {
            project: None,
            name: rest[1].to_string(),
        },
        2 if is(0, "deployments") => Child::Deployment(rest[1].to_string()),
        4 if is(0, "projects") && is(2, "connections") => Child::Connection {
            project: Some(rest[1].to_string()),
            name: rest[3].to_string(),
        },
        _ => return None,
    };
    Some(ParsedId { account, child })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACC: &str = "/subscriptions/00000000-0000-0000-0000-0000000000aa/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts/acc";

    #[test]
    fn ids_place_every_child_under_its_account() {
        let p = parse_id(&format!("{ACC}/projects/research/connections/search")).unwrap();
        assert_eq!(p.account.name, "acc");
        assert_eq!(p.account.resource_group, "rg-ai");
        assert_eq!(
            p.child,
            Child::Connection {
                project: Some("research".into()),
                name: "search".into()
            }
        );
        assert_eq!(
            parse_id(&ACC.to_uppercase().replace("ACC", "acc")).map(|p| p.child),
            Some(Child::None),
            "keywords are case-insensitive"
        );
        assert!(parse_id(&format!("{ACC}/raiPolicies/x")).is_none());
        assert!(
            parse_id(
                "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Search/searchServices/s"
            )
            .is_none()
        );
    }

    #[test]
    fn lists_single_resources_and_value_bodies_are_read_alike() {
        let conn = format!(
            r#"{{"id": "{ACC}/connections/c1", "name": "c1", "type": "Microsoft.CognitiveServices/accounts/connections", "properties": {{"category": "ApiKey", "authType": "ApiKey"}}}}"#
        );
        for text in [
            conn.clone(),
            format!("[{conn}]"),
            format!(r#"{{"value": [{conn}], "nextLink": null}}"#),
        ] {
            let items = items("f.json", &text).unwrap();
            assert!(
                matches!(&items[..], [Item::Connection { name, project: None, .. }] if name == "c1"),
                "{text}: {items:?}"
            );
        }
        assert_eq!(items("f.json", "[]").unwrap(), vec![]);
        // A connection without its category is no connection Azure returned.
        let p = items(
            "f.json",
            &format!(
                "[{}]",
                conn.replace(r#""category": "ApiKey""#, r#""category": null"#)
            ),
        )
        .unwrap_err();
        assert!(
            p.message
                .starts_with("`$[0]`: connection `c1` has no `properties.category`"),
            "{}",
            p.message
        );
    }

    #[test]
    fn bad_json_names_line_and_column() {
        let p = items("conns.json", "[\n  {\"id\": 1,\n}\n]").unwrap_err();
        assert_eq!(p.file, "conns.json");
        assert_eq!(p.at, Some((3, 1)));
        assert!(p.message.starts_with("invalid JSON: "), "{}", p.message);
        assert!(!p.message.contains(" at line "), "{}", p.message);
    }

    #[test]
    fn other_resources_are_refused_with_where_they_are() {
        let p = items(
            "x.json",
            r#"{"value": [{"id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.Search/searchServices/s", "name": "s", "type": "Microsoft.Search/searchServices"}]}"#,
        )
        .unwrap_err();
        assert!(p.message.starts_with("`$.value[0]`: "), "{}", p.message);
        assert!(
            p.message.contains("Microsoft.Search/searchServices"),
            "{}",
            p.message
        );
        let p = items("x.json", r#"{"name": "a"}"#).unwrap_err();
        assert_eq!(
            p.message,
            "the file: has no `type`, so it is not an Azure resource"
        );
        let p = items("x.json", "42").unwrap_err();
        assert!(
            p.message.contains("neither an object nor a list"),
            "{}",
            p.message
        );
    }
}
