//! Rendering: turns the model into view structs (`context.rs`) per format and runs them through the
//! embedded Tera templates, in memory. Hands an `OutputSet` to `output.rs`; touches no disk.

pub mod arm;
pub mod bicep;
pub mod context;
pub mod filters;
pub mod hclfmt;
pub mod templates;
pub mod terraform;

use std::fmt;
use std::str::FromStr;

use heck::{ToKebabCase, ToLowerCamelCase};

use crate::error::Error;
use crate::model::{Entity, Kind, Model};
use crate::output::OutputSet;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    /// `bicep/main.bicep`, `main.bicepparam`, `modules/…`.
    Bicep,
    /// `arm/azuredeploy.json`, `azuredeploy.parameters.json`.
    Arm,
    /// `terraform/main.tf`, `variables.tf`, `outputs.tf`, `versions.tf`, `terraform.tfvars.example`.
    Terraform,
}

impl Target {
    /// Every format, in output order.
    pub const ALL: [Target; 3] = [Target::Bicep, Target::Arm, Target::Terraform];

    /// The folder name under `--out`.
    pub fn dir(self) -> &'static str {
        match self {
            Target::Bicep => "bicep",
            Target::Arm => "arm",
            Target::Terraform => "terraform",
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.dir())
    }
}

impl FromStr for Target {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "bicep" => Ok(Target::Bicep),
            "arm" | "json" => Ok(Target::Arm),
            "terraform" | "tf" => Ok(Target::Terraform),
            other => Err(format!(
                "unknown format `{other}`; formats: bicep, arm, terraform"
            )),
        }
    }
}

/// Names of the parameters a foundry module (Bicep) or nested template (ARM) receives to reach the
/// calling deployment's own resource group.
pub const DEPLOYMENT_SUBSCRIPTION: &str = "deploymentSubscriptionId";
/// See [`DEPLOYMENT_SUBSCRIPTION`].
pub const DEPLOYMENT_RESOURCE_GROUP: &str = "deploymentResourceGroupName";

/// The parameters of a Bicep or ARM file: `location` where the file uses it (with its default in
/// the top-level file), the
/// calling deployment's subscription and group (in a foundry module that reaches them), and the
/// secure parameters (all in the top-level file, the ones it uses in a module).
pub fn file_params(
    model: &Model,
    top_level: bool,
    uses_location: bool,
    uses_deployment_scope: bool,
    used_secrets: &std::collections::BTreeSet<String>,
    secret_kind: &str,
    with_env: bool,
) -> Vec<context::ParamView> {
    let plain = |name: &str, description: &str, default| context::ParamView {
        name: name.into(),
        kind: "string".into(),
        secure: false,
        description: description.into(),
        default,
        env: None,
    };
    let mut params = Vec::new();
    // Declared only where something uses it: Bicep's `no-unused-params` flags a dead one.
    if uses_location {
        params.push(plain(
            "location",
            "Location of the resources this deployment creates.",
            top_level.then(|| context::RValue::S(model.location.clone())),
        ));
    }
    if !top_level && uses_deployment_scope {
        params.push(plain(
            DEPLOYMENT_SUBSCRIPTION,
            "Subscription of the calling deployment.",
            None,
        ));
        params.push(plain(
            DEPLOYMENT_RESOURCE_GROUP,
            "Resource group of the calling deployment.",
            None,
        ));
    }
    // A module looks up the few it uses rather than going through every secret of the spec (a
    // pass per module, quadratic with a module per foundry). Both are in name order.
    let secrets: Vec<&crate::model::SecretParam> = if top_level {
        model.secrets.values().collect()
    } else {
        used_secrets
            .iter()
            .filter_map(|name| model.secrets.get(name))
            .collect()
    };
    for s in secrets {
        params.push(context::ParamView {
            name: s.name.clone(),
            kind: secret_kind.into(),
            secure: true,
            description: format!("Secret for {}.", s.used_by.join(", ")),
            default: None,
            env: with_env.then(|| env_name(&s.name)),
        });
    }
    params
}

/// The output of a file: in the top-level file `foundries`, an object of every foundry's entry by
/// name (`entries`); in a foundry module or nested template `foundry`, that foundry's entry alone.
pub fn foundries_output(
    top_level: bool,
    mut entries: Vec<(String, context::RValue)>,
) -> Vec<context::OutputView> {
    let (name, value, description) = if top_level {
        (
            crate::model::FOUNDRIES_OUTPUT,
            context::RValue::O(entries),
            crate::model::FOUNDRIES_OUTPUT_DESCRIPTION.to_string(),
        )
    } else {
        match entries.pop() {
            Some((foundry, value)) => (
                crate::model::FOUNDRY_OUTPUT,
                value,
                format!("The entry of `{foundry}` in the calling deployment's `foundries` output."),
            ),
            None => return Vec::new(),
        }
    };
    if matches!(&value, context::RValue::O(e) if e.is_empty()) {
        return Vec::new();
    }
    vec![context::OutputView {
        name: name.into(),
        kind: "object".into(),
        description,
        value,
    }]
}

/// The generated-by line's text (each format adds its own comment syntax).
pub fn generated_by(model: &Model) -> String {
    format!(
        "generated by foundrygen from {}; do not edit",
        model.spec_name
    )
}

/// Models with at least this many entities render their formats on threads of their own (below,
/// starting a thread costs more than it saves).
const PARALLEL_FROM: usize = 400;

/// One format's files and template sizes.
type Rendered = (Vec<(String, String)>, Vec<crate::output::TemplateSize>);

fn render_one(model: &Model, target: Target) -> Result<Rendered, Error> {
    let mut sizes = Vec::new();
    let files = match target {
        Target::Bicep => bicep::render(model, &mut sizes)?,
        Target::Arm => arm::render(model, &mut sizes)?,
        Target::Terraform => terraform::render(model)?,
    };
    Ok((files, sizes))
}

/// What a rendering thread that panicked returns (only where panics unwind: tests, debug builds;
/// the release build aborts first).
pub(crate) fn thread_panicked() -> Error {
    Error::Internal {
        message: "a rendering thread panicked".into(),
        chain: Vec::new(),
    }
}

/// Renders every requested format: each on its own thread for a big model (the formats share
/// nothing but the model), in turn for a small one. The result is the same either way.
pub fn all(model: &Model, targets: &[Target]) -> Result<OutputSet, Error> {
    let rendered: Vec<Result<Rendered, Error>> = if targets.len() > 1
        && model.entities.len() >= PARALLEL_FROM
    {
        let overlay = templates::current();
        std::thread::scope(|scope| {
            let handles: Vec<_> = targets[1..]
                .iter()
                .map(|&t| {
                    let overlay = overlay.clone();
                    scope.spawn(move || templates::with_templates(overlay, || render_one(model, t)))
                })
                .collect();
            let mut results = vec![render_one(model, targets[0])];
            for h in handles {
                results.push(h.join().unwrap_or_else(|_| Err(thread_panicked())));
            }
            results
        })
    } else {
        targets.iter().map(|&t| render_one(model, t)).collect()
    };
    let mut out = OutputSet::default();
    for (t, result) in targets.iter().zip(rendered) {
        let (files, sizes) = result?;
        for (path, text) in files {
            out.insert(format!("{}/{path}", t.dir()), text);
        }
        for mut size in sizes {
            size.template = format!("{}/{}", t.dir(), size.template);
            out.templates.push(size);
        }
    }
    Ok(out)
}

/// Rendered references (a `dependsOn` list) without repeats, in the order first met. A look
/// through the list is cheapest for the few most resources have; past [`Distinct::INDEX_FROM`]
/// they are indexed, so that an account waiting for thousands of created resources is not
/// quadratic.
#[derive(Debug, Default)]
pub(crate) struct Distinct {
    items: Vec<String>,
    index: Option<std::collections::HashSet<String>>,
}

impl Distinct {
    const INDEX_FROM: usize = 16;

    /// Whether `s` is in the list.
    pub(crate) fn contains(&self, s: &str) -> bool {
        match &self.index {
            Some(index) => index.contains(s),
            None => self.items.iter().any(|i| i == s),
        }
    }

    /// Adds `s` unless it is in the list already; returns whether it was added.
    pub(crate) fn insert(&mut self, s: String) -> bool {
        if self.contains(&s) {
            return false;
        }
        match &mut self.index {
            Some(index) => {
                index.insert(s.clone());
            }
            None if self.items.len() + 1 >= Self::INDEX_FROM => {
                let mut index: std::collections::HashSet<String> =
                    self.items.iter().cloned().collect();
                index.insert(s.clone());
                self.index = Some(index);
            }
            None => {}
        }
        self.items.push(s);
        true
    }

    /// The list, in the order first met.
    pub(crate) fn into_vec(self) -> Vec<String> {
        self.items
    }
}

/// The longest fixed part of a module or nested deployment's name: Azure allows 64 characters, and
/// the `-<uniqueString(deployment().name)>` suffix takes 14.
const DEPLOYMENT_STEM_MAX: usize = 50;

/// Fits a deployment name stem into [`DEPLOYMENT_STEM_MAX`] characters.
fn deployment_stem(name: &str) -> String {
    if name.len() <= DEPLOYMENT_STEM_MAX {
        return name.to_string();
    }
    // Names are unique but their first characters need not be: keep a stable hash of the whole
    // name so two long ones never collide.
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let stem: String = name.chars().take(DEPLOYMENT_STEM_MAX - 9).collect();
    format!("{}-{:08x}", stem.trim_end_matches('-'), hash as u32)
}

/// The fixed part of the deployment name of a module entity (a role assignment or access policy
/// in another resource group). Each format appends `-<uniqueString(deployment().name)>`, as AVM
/// does, so that two deployments running into one resource group at once do not share (and
/// overwrite) each other's nested deployments.
pub fn module_deployment_stem(e: &Entity) -> String {
    deployment_stem(&e.symbol.to_kebab_case())
}

/// The fixed part of the deployment name of a foundry module / nested template (see
/// [`module_deployment_stem`]).
pub fn group_deployment_stem(model: &Model, group: usize) -> String {
    deployment_stem(&model.groups[group].stem)
}

/// The lowerCamel symbol Bicep uses for an entity.
pub fn camel(e: &Entity) -> String {
    let s = lower_camel(&e.symbol);
    if BICEP_KEYWORDS.contains(&s.as_str()) {
        format!("{s}Resource")
    } else {
        s
    }
}

/// `snake_case` → `lowerCamel`, as heck writes it; the model's symbols are snake_case (lowercase
/// ASCII, digits, single `_`), which take the fast path, anything else goes through heck.
fn lower_camel(symbol: &str) -> String {
    let simple = symbol
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && symbol.starts_with(|c: char| c.is_ascii_lowercase())
        && !symbol.ends_with('_')
        && !symbol.contains("__");
    if !simple {
        return symbol.to_lower_camel_case();
    }
    let mut out = String::with_capacity(symbol.len());
    let mut upper = false;
    for c in symbol.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

const BICEP_KEYWORDS: &[&str] = &[
    "metadata",
    "targetScope",
    "resource",
    "module",
    "param",
    "var",
    "output",
    "existing",
    "import",
    "if",
    "for",
    "in",
    "true",
    "false",
    "null",
    "location",
    "type",
    "func",
    "using",
    "extension",
    "assert",
    "with",
    "as",
];

/// A short type label for comments and file names (`Microsoft.KeyVault/vaults` → `key-vault-vaults`).
pub fn type_slug(resource_type: &str) -> String {
    resource_type
        .trim_start_matches("Microsoft.")
        .replace(['/', '.'], "-")
        .to_kebab_case()
}

/// Whether the connection's auth type is one Azure accepts but does not publish (Bicep warns,
/// azapi schema validation rejects).
pub fn unpublished_auth(e: &Entity) -> bool {
    matches!(e.kind, Kind::Connection | Kind::KeyVaultConnection)
        && e.properties
            .get("authType")
            .is_some_and(|v| matches!(v, crate::model::Value::Str(s) if crate::catalog::is_unpublished_auth_type(s)))
}

/// Whether a connection carries a property the service reads but Azure has not published
/// ([`crate::catalog::UNPUBLISHED_CONNECTION_PROPERTIES`]: Bicep warns, azapi schema validation
/// rejects).
pub fn unpublished_properties(e: &Entity) -> bool {
    matches!(e.kind, Kind::Connection | Kind::KeyVaultConnection)
        && crate::catalog::UNPUBLISHED_CONNECTION_PROPERTIES
            .iter()
            .any(|p| e.properties.get(p).is_some())
}

/// Whether a value reads a property Azure has not published
/// ([`crate::catalog::UNPUBLISHED_READ_PROPERTIES`]): Bicep warns on the read (BCP053).
pub fn reads_unpublished(model: &Model, v: &crate::model::Value) -> bool {
    fn walk(model: &Model, x: &crate::model::Expr) -> bool {
        use crate::model::Expr;
        match x {
            Expr::Prop(id, path) => {
                let ty = &model.entity(*id).resource_type;
                crate::catalog::UNPUBLISHED_READ_PROPERTIES
                    .iter()
                    .any(|(t, p)| t.eq_ignore_ascii_case(ty) && path.iter().eq(p.iter()))
            }
            Expr::Guid(args) | Expr::Concat(args) => args.iter().any(|a| walk(model, a)),
            Expr::Substring(inner, _, _) => walk(model, inner),
            _ => false,
        }
    }
    v.exprs().into_iter().any(|x| walk(model, x))
}

/// Environment variable name a secret parameter is read from (`searchApiKey` → `SEARCH_API_KEY`).
pub fn env_name(param: &str) -> String {
    heck::ToShoutySnakeCase::to_shouty_snake_case(param)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_lower_camel_case_is_heck_s() {
        for s in [
            "a",
            "foundry_a",
            "bench_foundry_000_web_0000",
            "kv_2_role",
            "x9_y",
            "web_0001_a1b2",
            "a_b_c_d",
            "_lead",
            "trail_",
            "double__under",
            "Upper_case",
            "mixed-dash",
            "9start",
        ] {
            assert_eq!(lower_camel(s), s.to_lower_camel_case(), "{s}");
        }
    }

    proptest::proptest! {
        #[test]
        fn lower_camel_case_matches_heck_on_any_symbol(s in "[a-z0-9_A-Z-]{1,24}") {
            proptest::prop_assert_eq!(lower_camel(&s), s.to_lower_camel_case());
        }
    }

    /// Past the length it indexes from, `Distinct` still keeps the first of each, in order.
    #[test]
    fn distinct_keeps_the_first_of_each_in_order() {
        let mut d = Distinct::default();
        let mut expected = Vec::new();
        for i in 0..3 * Distinct::INDEX_FROM {
            let s = format!("r{}", (i * 7) % (2 * Distinct::INDEX_FROM));
            let new = !expected.contains(&s);
            assert_eq!(d.insert(s.clone()), new, "{s}");
            if new {
                expected.push(s);
            }
            assert!(d.contains(&format!("r{}", (i * 7) % (2 * Distinct::INDEX_FROM))));
        }
        assert!(!d.contains("r-1"));
        assert_eq!(d.into_vec(), expected);
    }

    #[test]
    fn deployment_stems_leave_room_for_the_unique_suffix() {
        assert_eq!(deployment_stem("foundry-a"), "foundry-a");
        let long = format!("foundry-{}", "a".repeat(64));
        let stem = deployment_stem(&long);
        assert_eq!(stem.len(), DEPLOYMENT_STEM_MAX);
        assert!(stem.len() + "-".len() + 13 <= 64);
        let other = deployment_stem(&format!("foundry-{}b", "a".repeat(63)));
        assert_ne!(stem, other, "long names that share a prefix stay apart");
    }
}
