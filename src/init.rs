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
    /// Connections as `CATEGORY:NAME[@PROJECT]:TARGET`.
    pub connections: Vec<String>,
    /// Create the Key Vault and the connection targets given as `Namespace/type/name` (of a type
    /// `resources:` can create) instead of referencing them.
    pub create: bool,
    /// Appended to the names of what the spec creates that must be unique across Azure (empty:
    /// none).
    pub suffix: String,
}

/// A suffix of four random lowercase letters and digits, for names that must be unique across
/// Azure. Random enough to keep two people's starter specs apart; not for secrets.
pub fn random_suffix() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.write_u32(std::process::id());
    let mut n = h.finish();
    let alphabet = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut out = String::new();
    // A letter first, so the suffix never reads as a number.
    out.push(char::from(alphabet[(n % 26) as usize]));
    n /= 26;
    for _ in 0..3 {
        out.push(char::from(alphabet[(n % 36) as usize]));
        n /= 36;
    }
    out
}

/// Whether `--suffix` fits every name rule it is appended to: 1–8 lowercase letters and digits.
fn valid_suffix(s: &str) -> bool {
    s.len() <= 8
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// `name` with the suffix: joined by a hyphen, or without one where the type's names take none
/// (storage accounts).
fn suffixed(name: &str, ty: &str, suffix: &str) -> String {
    if suffix.is_empty() {
        name.to_string()
    } else if ty.eq_ignore_ascii_case("Microsoft.Storage/storageAccounts") {
        format!("{name}{suffix}")
    } else {
        format!("{name}-{suffix}")
    }
}

/// What `init` wrote besides the spec: the names it made unique, for the note on stderr.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Starter {
    /// The spec's text.
    pub text: String,
    /// Names of created resources that must be unique across Azure, as written.
    pub global_names: Vec<String>,
}

/// A YAML scalar that reads back as exactly `s`: plain when that is unambiguous, else
/// double-quoted (JSON escapes are valid YAML).
pub(crate) fn yaml(s: &str) -> String {
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

/// The form of `--connection`, for messages.
pub const CONNECTION_FORM: &str = "CATEGORY:NAME[@PROJECT]:TARGET";

/// One `--connection` value, `CATEGORY:NAME[@PROJECT]:TARGET`. The project rides on the name
/// because neither a connection name nor a project name can hold `@`, while a fourth `:` field
/// could not be told apart from a URL's `:`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ConnectionFlag<'a> {
    category: &'static str,
    name: &'a str,
    project: Option<&'a str>,
    target: TargetFlag<'a>,
}

/// The TARGET of a `--connection`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum TargetFlag<'a> {
    /// `http://` or `https://`.
    Url(&'a str),
    /// `/subscriptions/…`.
    Id(&'a str),
    /// `Namespace/type/name`, or `Namespace/type/child/<parent>/<child>` for a child target type.
    Resource { ty: &'a str, name: &'a str },
}

/// A refused `--connection`: what is wrong, and a help line.
fn refused(c: &str, problem: &str, help: &str) -> Error {
    usage(format!("--connection `{c}`{problem}\n  = help: {help}"))
}

fn parse_connection<'a>(c: &'a str, projects: &[String]) -> Result<ConnectionFlag<'a>, Error> {
    let example = "e.g. `--connection CognitiveSearch:search@research:Microsoft.Search/searchServices/contoso-search`";
    let mut parts = c.splitn(3, ':');
    let (Some(cat), Some(who), Some(target)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(refused(
            c,
            &format!(" is not {CONNECTION_FORM}"),
            &format!("write {CONNECTION_FORM}, {example}"),
        ));
    };
    let (name, project) = match who.split_once('@') {
        Some((n, p)) => (n, Some(p)),
        None => (who, None),
    };
    if cat.is_empty() || name.is_empty() || target.is_empty() || project == Some("") {
        return Err(refused(
            c,
            &format!(" is not {CONNECTION_FORM}: a part is empty"),
            &format!("write {CONNECTION_FORM}, {example}"),
        ));
    }
    let Some(category) = catalog::canonical_category(cat) else {
        let help = category::suggest_category(cat)
            .map(|s| s.help())
            .unwrap_or_else(|| "`foundrygen categories` lists the categories".to_string());
        return Err(refused(c, &format!(": unknown category `{cat}`"), &help));
    };
    if category == "AzureKeyVault" {
        return Err(usage(format!(
            "--connection `{c}`: use --key-vault for the Key Vault connection"
        )));
    }
    if let Some(p) = project
        && !projects.iter().any(|q| q == p)
    {
        let help = crate::diagnostics::did_you_mean(p, projects.iter().map(String::as_str))
            .map(|s| format!("did you mean `{s}`?"))
            .unwrap_or_else(|| format!("add `--project {p}`"));
        return Err(refused(
            c,
            &format!(": project `{p}` is not one of the --project flags"),
            &help,
        ));
    }
    if !crate::validate::names::valid_connection_name(name) {
        return Err(refused(
            c,
            &format!(": connection name `{name}` breaks Azure's rules"),
            &crate::validate::names::connection_name_help(name),
        ));
    }
    let target = parse_target(c, target)?;
    match &target {
        TargetFlag::Resource { ty, name: res } => {
            check_resource_name(c, cat, who, ty, res, projects)?;
        }
        TargetFlag::Id(id) => {
            if let Some(p) = crate::category::parse_target_id(id) {
                check_resource_name(c, cat, who, &p.resource_type, &p.name, projects)?;
            }
        }
        TargetFlag::Url(_) => {}
    }
    Ok(ConnectionFlag {
        category,
        name,
        project,
        target,
    })
}

fn parse_target<'a>(c: &str, target: &'a str) -> Result<TargetFlag<'a>, Error> {
    let forms = "TARGET is an https URL, a resource id (`/subscriptions/<guid>/resourceGroups/<rg>/providers/<Namespace>/<type>/<name>`) or `Namespace/type/name`, e.g. `Microsoft.Search/searchServices/contoso-search`";
    if target.starts_with("http://") || target.starts_with("https://") {
        return Ok(TargetFlag::Url(target));
    }
    if target.starts_with('/') {
        return match crate::category::parse_target_id(target) {
            Some(_) => Ok(TargetFlag::Id(target)),
            None => Err(refused(
                c,
                &format!(": `{target}` is not a resource id"),
                forms,
            )),
        };
    }
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
    let plain = match target.split('/').collect::<Vec<_>>().as_slice() {
        [ns, ty, name] if ns.contains('.') && !ty.is_empty() && !name.is_empty() => {
            Some((&target[..ns.len() + 1 + ty.len()], *name))
        }
        _ => None,
    };
    match child.or(plain) {
        Some((ty, name)) if !name.split('/').any(str::is_empty) => {
            Ok(TargetFlag::Resource { ty, name })
        }
        _ => Err(refused(
            c,
            &format!(": `{target}` is not a URL, a resource id or Namespace/type/name"),
            forms,
        )),
    }
}

/// A target's name against its type's naming rule, the one the spec's validation applies; and
/// no `:`, which is most likely a fourth field meant as a project.
fn check_resource_name(
    c: &str,
    cat: &str,
    who: &str,
    ty: &str,
    name: &str,
    projects: &[String],
) -> Result<(), Error> {
    let rule = crate::validate::names::name_rule(ty);
    let colon = name.rsplit_once(':');
    if rule.is_none_or(|r| (r.valid)(name)) && colon.is_none() {
        return Ok(());
    }
    let problem = match rule {
        Some(r) if !(r.valid)(name) => format!(": {} name `{name}` breaks Azure's rules", r.what),
        _ => format!(": resource name `{name}` holds a `:`"),
    };
    let fields = format!("{cat}:{who}:");
    let help = match colon {
        Some((res, p))
            if !who.contains('@')
                && !res.is_empty()
                && crate::validate::names::valid_project_name(p)
                && c.starts_with(&fields)
                && c.ends_with(name) =>
        {
            let target = &c[fields.len()..c.len() - p.len() - 1];
            let add = if projects.iter().any(|q| q == p) {
                String::new()
            } else {
                format!(" and add `--project {p}`")
            };
            format!(
                "a fourth `:` field is not a project (URLs hold `:` too); to put the connection in project `{p}`, write `--connection {cat}:{who}@{p}:{target}`{add}"
            )
        }
        _ => rule.map_or_else(
            || "a resource name holds no `:`".to_string(),
            |r| r.help.to_string(),
        ),
    };
    Err(refused(c, &problem, &help))
}

/// `what` with its indefinite article.
fn a(what: &str) -> String {
    if what.starts_with(['A', 'E', 'I', 'O', 'U', 'a', 'e', 'i', 'o', 'u']) {
        format!("an {what}")
    } else {
        format!("a {what}")
    }
}

/// A name init writes into the spec (`full`: `given` with the suffix), against Azure's rule for
/// its type. It is refused as an argument error naming the flag (`flag`, as the user wrote it),
/// never as a diagnostic against a line of a spec the user has not seen.
fn check_written_name(
    flag: &str,
    given: &str,
    full: &str,
    suffix: &str,
    what: &str,
    rule: &crate::validate::names::NameRule,
    max: usize,
) -> Result<(), Error> {
    let n = full.chars().count();
    if (rule.valid)(full) && n <= max {
        return Ok(());
    }
    let min = rule.lengths.0;
    if full != given && n > max {
        let room = max.saturating_sub(n - given.chars().count());
        return Err(usage(format!(
            "{flag} with --suffix `{suffix}` makes `{full}` ({n} characters); {} name takes {min}–{max}\n  = help: shorten it to at most {room} characters, or choose a shorter --suffix (`--suffix ''` adds none)",
            a(what)
        )));
    }
    let help = if n > max {
        format!("shorten it to {min}–{max} characters")
    } else {
        rule.help.to_string()
    };
    Err(usage(format!(
        "{flag}: {what} name `{full}` breaks Azure's rules\n  = help: {help}"
    )))
}

/// The starter spec's text; an error when a flag does not make a valid spec.
pub fn starter_spec(o: &Options) -> Result<String, Error> {
    starter(o).map(|s| s.text)
}

/// The starter spec, with the names it made unique.
pub fn starter(o: &Options) -> Result<Starter, Error> {
    if !valid_suffix(&o.suffix) {
        return Err(usage(format!(
            "--suffix `{}` does not fit every name it is appended to\n  = help: use 1-8 lowercase letters and digits (storage account names take no hyphen), or `--suffix ''` for none",
            o.suffix
        )));
    }
    let foundry = suffixed(
        &o.foundry,
        "Microsoft.CognitiveServices/accounts",
        &o.suffix,
    );
    let account_rule = crate::validate::names::name_rule("Microsoft.CognitiveServices/accounts")
        .expect("accounts have a rule");
    check_written_name(
        &format!("--foundry `{}`", o.foundry),
        &o.foundry,
        &foundry,
        &o.suffix,
        "Foundry account",
        account_rule,
        account_rule.lengths.1,
    )?;
    for p in &o.projects {
        if !crate::validate::names::valid_project_name(p) {
            return Err(usage(format!(
                "--project `{p}`: project name `{p}` breaks Azure's rules\n  = help: {}",
                crate::validate::names::PROJECT_NAME_HELP
            )));
        }
    }
    let key_vault = match &o.key_vault {
        Some(kv) => {
            let full = if o.create {
                suffixed(kv, "Microsoft.KeyVault/vaults", &o.suffix)
            } else {
                kv.clone()
            };
            let rule = crate::validate::names::name_rule("Microsoft.KeyVault/vaults")
                .expect("vaults have a rule");
            check_written_name(
                &format!("--key-vault `{kv}`"),
                kv,
                &full,
                &o.suffix,
                "Key Vault",
                rule,
                rule.lengths.1,
            )?;
            Some(full)
        }
        None => None,
    };
    let mut connection_names: Vec<String> = Vec::new();
    let mut global_names = vec![foundry.clone()];
    // Created resources: (type, name, extra lines), in the order the flags name them.
    let mut created: Vec<(String, String, Vec<String>)> = Vec::new();
    let mut referenced: Vec<String> = Vec::new();
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
        "  - name: {}  # Microsoft.CognitiveServices/accounts, kind AIServices; a global name (its subdomain)",
        yaml(&foundry)
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
        let flag = parse_connection(c, &o.projects)?;
        let (category, name, target) = (flag.category, flag.name, &flag.target);
        // Connection names are unique across the account, its projects included (FG014).
        if connection_names
            .iter()
            .any(|n| n.eq_ignore_ascii_case(name))
        {
            return Err(refused(
                c,
                &format!(": connection name `{name}` is given twice"),
                "give each --connection its own name",
            ));
        }
        connection_names.push(name.to_string());
        let _ = writeln!(cs, "      - name: {}", yaml(name));
        if let Some(p) = flag.project {
            let _ = writeln!(cs, "        project: {}", yaml(p));
        }
        let _ = writeln!(cs, "        category: {category}");
        let is_resource = !matches!(target, TargetFlag::Url(_));
        // A target the spec creates: its key (where a connection reads one) comes from it.
        let created_target = match target {
            TargetFlag::Resource { ty, .. } if o.create => catalog::created_type(ty)
                .is_some()
                .then(|| catalog::target_type(ty))
                .flatten(),
            _ => None,
        };
        match target {
            TargetFlag::Url(url) => {
                let _ = writeln!(cs, "        target: {{ url: {} }}", yaml(url));
            }
            TargetFlag::Id(id) => {
                let _ = writeln!(cs, "        target: {{ resource_id: {} }}", yaml(id));
            }
            TargetFlag::Resource { ty, name } => {
                let known = catalog::created_type(ty);
                let name = match known {
                    Some(t) if o.create => {
                        let full = suffixed(name, t.resource_type, &o.suffix);
                        if let Some(rule) = crate::validate::names::name_rule(t.resource_type) {
                            // A new Cosmos DB account takes at most 44 characters, fewer than
                            // the 50 an older one may have.
                            let max = if t.resource_type == "Microsoft.DocumentDB/databaseAccounts"
                            {
                                44
                            } else {
                                rule.lengths.1
                            };
                            let what = if t.resource_type == "Microsoft.Search/searchServices" {
                                "search service"
                            } else {
                                rule.what
                            };
                            check_written_name(
                                &format!("--connection `{c}`"),
                                name,
                                &full,
                                &o.suffix,
                                what,
                                rule,
                                max,
                            )?;
                        }
                        if t.resource_type == "Microsoft.Insights/components" {
                            let rule = crate::validate::names::name_rule(
                                "Microsoft.OperationalInsights/workspaces",
                            )
                            .expect("workspaces have a rule");
                            let logs = format!("{full}-logs");
                            if !(rule.valid)(&logs) {
                                return Err(refused(
                                    c,
                                    &format!(
                                        ": its Log Analytics workspace would be `{logs}` ({} characters), and a workspace name takes 4–63",
                                        logs.chars().count()
                                    ),
                                    "give the App Insights component a shorter name (init names its workspace `<component>-logs`)",
                                ));
                            }
                        }
                        if !created
                            .iter()
                            .any(|(ct, cn, _)| ct == t.resource_type && *cn == full)
                        {
                            // An App Insights component is workspace-based: its workspace too.
                            if t.resource_type == "Microsoft.Insights/components" {
                                created.push((
                                    "Microsoft.OperationalInsights/workspaces".into(),
                                    format!("{full}-logs"),
                                    Vec::new(),
                                ));
                            }
                            created.push((
                                t.resource_type.to_string(),
                                full.clone(),
                                created_lines(t.resource_type, &full, category),
                            ));
                            if t.global_name {
                                global_names.push(full.clone());
                            }
                        }
                        full
                    }
                    _ => {
                        if o.create {
                            referenced.push(format!("{ty}/{name}"));
                        }
                        name.to_string()
                    }
                };
                let _ = writeln!(
                    cs,
                    "        target: {{ resource: {{ type: {}, name: {} }} }}",
                    yaml(known.map_or(ty, |t| t.resource_type)),
                    yaml(&name)
                );
            }
        }
        if category::is_gateway(category) {
            cs.push_str("        metadata:  # how the gateway routes model calls; see the README's gateway section
");
            // foundrygen cannot know how the gateway routes: the samples' API Management default
            // is "true", the model gateway's "false", so the line says it must be checked.
            cs.push_str("          deploymentInPath: \"false\"  # check it against your gateway: \"true\" if it takes the deployment name in the URL path (<target>/deployments/<name>/chat/completions), \"false\" if in the body's `model`
");
            cs.push_str("          models: '[{\"name\": \"<deployment>\", \"properties\": {\"model\": {\"name\": \"<model>\", \"version\": \"\", \"format\": \"OpenAI\"}}}]'  # replace the <…> with the gateway's deployments (validate warns until then), or use modelDiscovery
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
            "AAD" => {
                let holder = if flag.project.is_some() {
                    "project"
                } else {
                    "account"
                };
                // A resource with a data plane (Cosmos DB) opens its data only to a data-plane
                // role, so the starter grants the least one (FG045 otherwise).
                let target_type = match target {
                    TargetFlag::Resource { ty, .. } => Some(ty.to_string()),
                    TargetFlag::Id(id) => category::parse_target_id(id).map(|p| p.resource_type),
                    TargetFlag::Url(_) => None,
                };
                let data_role = target_type
                    .as_deref()
                    .and_then(catalog::target_type)
                    .and_then(|t| t.data_plane)
                    .and_then(|p| p.roles.first());
                match data_role {
                    Some((role, _)) => {
                        let _ = writeln!(
                            cs,
                            "        auth: {{ type: AAD }}  # Entra ID: the {holder}'s identity, with the data-plane role below\n        roles: [{role}]  # without a data-plane role the identity reads no data"
                        );
                    }
                    None => match target_type
                        .as_deref()
                        .and_then(|t| reader_role(t, category))
                    {
                        Some(role) => {
                            let _ = writeln!(
                                cs,
                                "        auth: {{ type: AAD }}  # Entra ID: the {holder}'s identity, with the role below\n        roles: [{role}]  # the least role that reads; a writer needs more"
                            );
                        }
                        None => {
                            let _ = writeln!(
                                cs,
                                "        auth: {{ type: AAD }}  # Entra ID: grant the {holder}'s identity a role below\n        # roles: [<role name or GUID>]"
                            );
                        }
                    },
                }
            }
            "CustomKeys" => {
                let _ = writeln!(
                    cs,
                    "        auth: {{ type: CustomKeys, keys: {{ x-api-key: {{ secret: {secret} }} }} }}   # a secure parameter at deployment"
                );
            }
            "SAS" => {
                let _ = writeln!(
                    cs,
                    "        auth: {{ type: SAS, sas: {{ secret: {secret} }} }}"
                );
            }
            other if created_target.is_some_and(|t| t.key.is_some()) => {
                let _ = writeln!(
                    cs,
                    "        auth: {{ type: {other}, key: {{ from_target: true }} }}   # read from the resource at deployment"
                );
            }
            other => {
                let _ = writeln!(
                    cs,
                    "        auth: {{ type: {other}, key: {{ secret: {secret} }} }}   # a secure parameter at deployment"
                );
            }
        }
    }
    if let Some(kv) = key_vault {
        if o.create {
            created.insert(
                0,
                ("Microsoft.KeyVault/vaults".into(), kv.clone(), Vec::new()),
            );
            global_names.insert(1, kv.clone());
        }
        s.push_str("    # The bring-your-own Key Vault connection: created first, after every project; the\n");
        s.push_str("    # account's identity gets Key Vault Secrets Officer on the vault before any other\n");
        s.push_str("    # connection is created.\n");
        s.push_str("    key_vault:\n");
        let _ = writeln!(s, "      name: {}", yaml(&kv));
        // The default connection name, `<foundry>-keyvault`, outgrows Azure's 33 characters
        // with a long account name (FG012): name the connection instead.
        let default = crate::validate::names::default_key_vault_connection(&foundry);
        if !crate::validate::names::valid_connection_name(&default) {
            let _ = writeln!(
                s,
                "      connection_name: {}  # `{default}` is longer than a connection name may be",
                yaml(&crate::validate::names::shortened_key_vault_connection(
                    &foundry
                ))
            );
        }
        if o.create {
            s.push_str("      # created in resources: above, with Azure RBAC (the account's identity gets a role)\n");
        } else {
            s.push_str("      # resource_group: rg-shared  # when the vault lives elsewhere\n");
            s.push_str("      # permission_model: access_policies\n");
        }
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
    if !created.is_empty() || !referenced.is_empty() {
        // Before the foundries: what is created first reads first.
        let at = s.find("\nfoundries:\n").map_or(s.len(), |i| i + 1);
        s.insert_str(at, &resources_block(&created, &referenced, &o.suffix));
    }
    // Never hand out a spec that does not validate.
    crate::check(&Source::new("<init>", s.clone()))?;
    Ok(Starter {
        text: s,
        global_names,
    })
}

/// The least built-in role that reads a target's data through Entra ID, for the starter's `roles:`.
fn reader_role(target_type: &str, category: &str) -> Option<&'static str> {
    let t = catalog::target_type(target_type)?.resource_type;
    match t {
        "Microsoft.CognitiveServices/accounts" if category == "AzureOpenAI" => {
            Some("Cognitive Services OpenAI User")
        }
        "Microsoft.Search/searchServices" => Some("Search Index Data Reader"),
        "Microsoft.Storage/storageAccounts" => Some("Storage Blob Data Reader"),
        "Microsoft.CognitiveServices/accounts" => Some("Cognitive Services User"),
        _ => None,
    }
}

/// The per-type lines of a created connection target.
fn created_lines(ty: &str, name: &str, category: &str) -> Vec<String> {
    match ty {
        "Microsoft.Insights/components" => {
            vec![format!("workspace: {}", yaml(&format!("{name}-logs")))]
        }
        "Microsoft.CognitiveServices/accounts" => {
            let kind = if category == "AzureOpenAI" {
                "OpenAI"
            } else {
                "AIServices"
            };
            vec![
                format!("kind: {kind}"),
                "# deployments: [{ name: gpt-4o, model: { name: gpt-4o }, sku: { name: GlobalStandard, capacity: 10 } }]".to_string(),
            ]
        }
        _ => Vec::new(),
    }
}

/// `resources:`, with what the names mean.
fn resources_block(
    created: &[(String, String, Vec<String>)],
    referenced: &[String],
    suffix: &str,
) -> String {
    let mut s = String::new();
    s.push_str(
        "# What this deployment creates, before the Foundry account that connects to it, with\n",
    );
    s.push_str("# secure defaults (keys off unless a connection reads one). Most of these names are global\n");
    s.push_str("# DNS names: a deployment fails where one is taken, so they carry a suffix");
    if suffix.is_empty() {
        s.push_str(" (none here:\n# `init --suffix` adds one).\n");
    } else {
        let _ = writeln!(s, ", `{suffix}`.");
    }
    for r in referenced {
        let _ = writeln!(
            s,
            "# `{r}` is referenced, not created (foundrygen does not create its type): it must exist."
        );
    }
    if created.is_empty() {
        return s;
    }
    s.push_str("resources:\n");
    for (ty, name, lines) in created {
        let _ = writeln!(s, "  - type: {}", yaml(ty));
        let _ = writeln!(s, "    name: {}", yaml(name));
        for l in lines {
            let _ = writeln!(s, "    {l}");
        }
    }
    s
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
            create: false,
            suffix: String::new(),
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

    fn refusal(o: &Options) -> String {
        match starter_spec(o) {
            Err(Error::Usage { message }) => message,
            other => panic!("not a usage error: {other:?}"),
        }
    }

    #[test]
    fn puts_a_connection_in_a_project_after_an_at() {
        let mut o = opts();
        o.connections = vec![
            "CognitiveSearch:search@research:Microsoft.Search/searchServices/contoso-search".into(),
            "ApiKey:bing:https://api.bing.microsoft.com/".into(),
        ];
        let text = starter_spec(&o).unwrap();
        assert!(
            text.contains(
                "      - name: search\n        project: research\n        category: CognitiveSearch\n        target: { resource: { type: Microsoft.Search/searchServices, name: contoso-search } }\n        auth: { type: AAD }  # Entra ID: the project's identity, with the role below\n        roles: [Search Index Data Reader]"
            ),
            "{text}"
        );
        assert!(
            text.contains("      - name: bing\n        category: ApiKey\n"),
            "{text}"
        );
        crate::check(&Source::new("x", text)).unwrap();
    }

    #[test]
    fn refuses_a_fourth_field_and_shows_the_project_form() {
        let mut o = opts();
        o.connections = vec!["CognitiveSearch:search:Microsoft.Search/searchServices/x:dev".into()];
        assert_eq!(
            refusal(&o),
            "--connection `CognitiveSearch:search:Microsoft.Search/searchServices/x:dev`: search service name `x:dev` breaks Azure's rules\n  = help: a fourth `:` field is not a project (URLs hold `:` too); to put the connection in project `dev`, write `--connection CognitiveSearch:search@dev:Microsoft.Search/searchServices/x` and add `--project dev`"
        );
        o.projects.push("dev".into());
        assert!(refusal(&o).ends_with("@dev:Microsoft.Search/searchServices/x`"));
        // A type without a published rule: the `:` alone is refused.
        o.connections = vec!["GenericRest:rest:Microsoft.Web/sites/app:dev".into()];
        assert!(
            refusal(&o).contains("resource name `app:dev` holds a `:`"),
            "{}",
            refusal(&o)
        );
    }

    #[test]
    fn refuses_malformed_connections_with_the_form() {
        let mut o = opts();
        for (bad, says) in [
            ("nonsense", "is not CATEGORY:NAME[@PROJECT]:TARGET"),
            (
                "CognitiveSearch:search",
                "is not CATEGORY:NAME[@PROJECT]:TARGET",
            ),
            ("CognitiveSearch::https://x.example.com", "a part is empty"),
            ("CognitiveSearch:search:", "a part is empty"),
            (
                "CognitiveSearch:search@:https://x.example.com",
                "a part is empty",
            ),
            (
                "CognitiveSearch:s@nowhere:https://x.example.com",
                "project `nowhere` is not one of the --project flags",
            ),
            (
                "CognitiveSearch:search:Microsoft.Search/x",
                "is not a URL, a resource id or Namespace/type/name",
            ),
            (
                "CognitiveSearch:search:Microsoft.Search/searchServices/",
                "is not a URL, a resource id or Namespace/type/name",
            ),
            (
                "CognitiveSearch:search:/subscriptions/x",
                "is not a resource id",
            ),
            (
                "Application Insights:ai:Microsoft.Insights/components/ai",
                "did you mean `AppInsights` (Application Insights)?",
            ),
        ] {
            o.connections = vec![bad.into()];
            let message = refusal(&o);
            assert!(message.contains(says), "{bad}: {message}");
            assert!(message.contains("\n  = help: "), "{bad}: {message}");
        }
    }

    #[test]
    fn refuses_the_target_names_validation_refuses() {
        let mut o = opts();
        for (ty, bad) in [
            ("Microsoft.Search/searchServices", "Contoso_Search"),
            ("Microsoft.Storage/storageAccounts", "contoso-data"),
            ("Microsoft.DocumentDB/databaseAccounts", "c1"),
            ("Microsoft.CognitiveServices/accounts", "-openai"),
            ("Microsoft.Insights/components", "ai?"),
        ] {
            let rule = crate::validate::names::name_rule(ty).unwrap();
            o.connections = vec![format!("CustomKeys:conn1:{ty}/{bad}")];
            let message = refusal(&o);
            assert!(
                message.contains(&format!("{} name `{bad}` breaks Azure's rules", rule.what))
                    && message.ends_with(rule.help),
                "{message}"
            );
            // The spec check refuses the same name, with the same rule.
            let spec = format!(
                "version: 1\nname: t\nlocation: eastus2\nfoundries:\n  - name: f1\n    connections:\n      - {{ name: conn1, category: CustomKeys, target: {{ resource: {{ type: {ty}, name: '{bad}' }} }}, auth: {{ type: CustomKeys, keys: {{ k: {{ secret: k }} }} }} }}\n"
            );
            match crate::check(&Source::new("t.yaml", spec)) {
                Err(Error::InvalidSpec { diagnostics, .. }) => assert!(
                    diagnostics
                        .iter()
                        .any(|d| d.code == crate::diagnostics::Code::InvalidName
                            && d.help.as_deref() == Some(rule.help)),
                    "{diagnostics:?}"
                ),
                other => panic!("{ty} {bad}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_cosmos_connection_gets_a_data_plane_role() {
        let mut o = opts();
        o.connections = vec![
            "CosmosDB:docs@research:Microsoft.DocumentDB/databaseAccounts/contoso-cosmos".into(),
            "CosmosDB:docs2:/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.DocumentDB/databaseAccounts/contoso-cosmos".into(),
        ];
        let text = starter_spec(&o).unwrap();
        assert_eq!(
            text.matches("        roles: [Cosmos DB Built-in Data Reader]  # without a data-plane role the identity reads no data\n").count(),
            2,
            "{text}"
        );
        let checked = crate::check(&Source::new("<init>", text.clone())).unwrap();
        assert!(checked.warnings.is_empty(), "{:?}", checked.warnings);
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
            text.matches("deploymentInPath: \"false\"  # check it against your gateway: \"true\" if it takes the deployment name in the URL path").count(),
            2,
            "{text}"
        );
        // The placeholders validate, with a warning each saying what to write.
        let checked = crate::check(&Source::new("<init>", text)).unwrap();
        assert_eq!(checked.warnings.len(), 2, "{:?}", checked.warnings);
        assert!(
            checked
                .warnings
                .iter()
                .all(|w| w.code == crate::diagnostics::Code::GatewayModels
                    && w.message.contains("`<deployment>`")),
            "{:?}",
            checked.warnings
        );
    }

    #[test]
    fn refuses_a_bad_foundry_or_project_name_as_an_argument_error() {
        let mut o = opts();
        o.foundry = "bad_name".into();
        assert_eq!(
            refusal(&o),
            "--foundry `bad_name`: Foundry account name `bad_name` breaks Azure's rules\n  = help: use 2–64 letters, digits and hyphens, starting and ending with a letter or digit"
        );
        let mut o = opts();
        o.projects = vec!["_research".into()];
        o.connections.clear();
        assert!(
            refusal(&o).starts_with("--project `_research`: project name `_research` breaks Azure's rules\n  = help: use 2–64"),
            "{}",
            refusal(&o)
        );
    }

    #[test]
    fn refuses_names_the_suffix_makes_too_long_naming_the_flags() {
        let o = Options {
            create: true,
            suffix: "abcdefgh".into(),
            key_vault: Some("contoso-keyvault-prod1".into()),
            connections: vec![
                "AzureBlob:blob:Microsoft.Storage/storageAccounts/contosostorageprod1".into(),
            ],
            ..opts()
        };
        assert_eq!(
            refusal(&o),
            "--key-vault `contoso-keyvault-prod1` with --suffix `abcdefgh` makes `contoso-keyvault-prod1-abcdefgh` (31 characters); a Key Vault name takes 3–24\n  = help: shorten it to at most 15 characters, or choose a shorter --suffix (`--suffix ''` adds none)"
        );
        let o = Options {
            key_vault: Some("contoso-kv".into()),
            ..o
        };
        assert_eq!(
            refusal(&o),
            "--connection `AzureBlob:blob:Microsoft.Storage/storageAccounts/contosostorageprod1` with --suffix `abcdefgh` makes `contosostorageprod1abcdefgh` (27 characters); a storage account name takes 3–24\n  = help: shorten it to at most 16 characters, or choose a shorter --suffix (`--suffix ''` adds none)"
        );
        // Without --create the vault and targets are referenced: no suffix, and the names fit.
        let o = Options { create: false, ..o };
        starter(&o).unwrap();
        // A long foundry name with the suffix.
        let o = Options {
            foundry: "f".repeat(60),
            connections: Vec::new(),
            ..o
        };
        assert!(refusal(&o).contains("makes `ffff"), "{}", refusal(&o));
        // A created Cosmos DB account takes 44, not the 50 an older one may have.
        let o = Options {
            foundry: "contoso-foundry".into(),
            create: true,
            suffix: "ab12".into(),
            connections: vec![format!(
                "CosmosDB:docs:Microsoft.DocumentDB/databaseAccounts/{}",
                "c".repeat(42)
            )],
            ..opts()
        };
        assert!(
            refusal(&o).contains("a Cosmos DB account name takes 3–44"),
            "{}",
            refusal(&o)
        );
    }

    #[test]
    fn refuses_a_bad_or_repeated_connection_name() {
        let mut o = opts();
        o.connections = vec!["CognitiveSearch:s:Microsoft.Search/searchServices/xx".into()];
        assert_eq!(
            refusal(&o),
            "--connection `CognitiveSearch:s:Microsoft.Search/searchServices/xx`: connection name `s` breaks Azure's rules\n  = help: connection names are at least 3 characters long"
        );
        o.connections = vec![
            "ApiKey:web:https://a.example.com/".into(),
            "ApiKey:Web:https://b.example.com/".into(),
        ];
        assert!(
            refusal(&o).contains("connection name `Web` is given twice"),
            "{}",
            refusal(&o)
        );
    }

    #[test]
    fn a_long_foundry_name_gets_a_key_vault_connection_name_that_fits() {
        let o = Options {
            foundry: "contoso-foundry-research-east".into(),
            suffix: "ab12".into(),
            ..opts()
        };
        let text = starter_spec(&o).unwrap();
        assert!(
            text.contains("      connection_name: contoso-foundry-research-keyvault  # `contoso-foundry-research-east-ab12-keyvault` is longer than a connection name may be\n"),
            "{text}"
        );
    }

    #[test]
    fn create_makes_the_vault_and_targets_with_the_suffix_and_reads_their_keys() {
        let o = Options {
            create: true,
            suffix: "z9".into(),
            connections: vec![
                "CognitiveSearch:search:Microsoft.Search/searchServices/contoso-search".into(),
                "AppInsights:insights:Microsoft.Insights/components/contoso-appi".into(),
                "AzureStorageAccount:docs:Microsoft.Storage/storageAccounts/contosodocs".into(),
                "AzureOpenAI:aoai:Microsoft.CognitiveServices/accounts/contoso-aoai".into(),
                "GroundingWithBingSearch:bing:Microsoft.Bing/accounts/contoso-bing".into(),
            ],
            ..opts()
        };
        let st = starter(&o).unwrap();
        let checked = crate::check(&Source::new("x", st.text.clone())).unwrap();
        assert!(checked.warnings.is_empty(), "{:?}", checked.warnings);
        let m = &checked.model;
        let created: Vec<(&str, &str)> = m
            .entities
            .iter()
            .filter(|e| {
                !e.existing
                    && matches!(
                        e.kind,
                        crate::model::Kind::Vault
                            | crate::model::Kind::Target
                            | crate::model::Kind::Resource
                    )
            })
            .map(|e| (e.resource_type.as_str(), e.name_text()))
            .collect();
        assert_eq!(
            created,
            [
                ("Microsoft.KeyVault/vaults", "contoso-kv-z9"),
                ("Microsoft.Search/searchServices", "contoso-search-z9"),
                (
                    "Microsoft.OperationalInsights/workspaces",
                    "contoso-appi-z9-logs"
                ),
                ("Microsoft.Insights/components", "contoso-appi-z9"),
                // Storage account names take no hyphen.
                ("Microsoft.Storage/storageAccounts", "contosodocsz9"),
                ("Microsoft.CognitiveServices/accounts", "contoso-aoai-z9"),
            ]
        );
        // App Insights' connection string is read from the created component; only Bing's key,
        // of a resource foundrygen does not create, is a secure parameter.
        assert_eq!(
            m.secrets.keys().map(String::as_str).collect::<Vec<_>>(),
            ["bingKey"]
        );
        let bing = m
            .entities
            .iter()
            .find(|e| e.resource_type == "Microsoft.Bing/accounts")
            .expect("bing");
        assert!(bing.existing, "Bing is referenced");
        assert_eq!(
            st.global_names,
            [
                "contoso-foundry-z9",
                "contoso-kv-z9",
                "contoso-search-z9",
                "contosodocsz9",
                "contoso-aoai-z9"
            ]
        );
    }

    #[test]
    fn a_suffix_that_breaks_a_name_rule_is_refused() {
        for bad in ["UP", "a-b", "toolongsuffix", "x_y"] {
            let o = Options {
                suffix: bad.into(),
                ..opts()
            };
            let e = refusal(&o);
            assert!(e.starts_with(&format!("--suffix `{bad}`")), "{e}");
        }
    }
}
