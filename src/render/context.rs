//! View structs the templates receive: already in plan order, names already cased, expressions
//! already in the format's syntax. Literal strings stay literal (`RValue::S`) so that the template's
//! escaping filter is the only thing that quotes them.

use serde::{Deserialize, Serialize};

use crate::model::Value;

/// A value ready for one format: literals, objects, arrays, and expressions already rendered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", content = "v")]
pub enum RValue {
    /// A literal string (escaped by the filter).
    S(String),
    /// A boolean.
    B(bool),
    /// An integer.
    I(i64),
    /// An object, in order.
    O(Vec<(String, RValue)>),
    /// An array.
    A(Vec<RValue>),
    /// An expression in the format's own syntax (Bicep/HCL as is; ARM without the brackets).
    X(String),
    /// An object whose keys are expressions in the format's syntax (user-assigned identity ids).
    XK(Vec<(String, RValue)>),
    /// A Bicep directive line (`#disable-next-line …`) placed before the next key; other formats
    /// drop it.
    D(String),
}

impl RValue {
    /// Converts a model value, rendering each expression with `expr`.
    pub fn from_value(v: &Value, expr: &mut impl FnMut(&crate::model::Expr) -> String) -> RValue {
        match v {
            Value::Str(s) => RValue::S(s.clone()),
            Value::Bool(b) => RValue::B(*b),
            Value::Int(i) => RValue::I(*i),
            Value::Object(pairs) => RValue::O(
                pairs
                    .iter()
                    .map(|(k, v)| (k.clone(), RValue::from_value(v, expr)))
                    .collect(),
            ),
            Value::Array(items) => {
                RValue::A(items.iter().map(|v| RValue::from_value(v, expr)).collect())
            }
            Value::Expr(e) => RValue::X(expr(e)),
        }
    }
}

/// A parameter (Bicep `param`, ARM `parameters`, Terraform `variable`).
#[derive(Debug, Clone, Serialize)]
pub struct ParamView {
    /// Name as the format writes it.
    pub name: String,
    /// `string` / `securestring`.
    pub kind: String,
    /// Secret.
    pub secure: bool,
    /// Description.
    pub description: String,
    /// Default value, if any.
    pub default: Option<RValue>,
    /// Environment variable the `.bicepparam` reads a secret from.
    pub env: Option<String>,
}

/// A resource block.
#[derive(Debug, Clone, Serialize)]
pub struct ResourceView {
    /// Human description, printed as a comment.
    pub comment: String,
    /// Bicep symbol / Terraform label.
    pub symbol: String,
    /// `resource`, `module`, `existing`, or the Terraform resource type.
    pub keyword: String,
    /// `type@apiVersion` (Bicep, azapi), or the module path.
    pub type_api: String,
    /// ARM resource type.
    pub resource_type: String,
    /// API version.
    pub api_version: String,
    /// The top-level properties, in order (name, parent, scope, location, body …), each a value.
    pub fields: Vec<(String, RValue)>,
    /// Nested blocks (Terraform `identity { … }`), name and fields.
    pub blocks: Vec<(String, Vec<(String, RValue)>)>,
    /// Rendered dependency references.
    pub depends_on: Vec<String>,
    /// Comments explaining each dependency, parallel to `depends_on`.
    pub depends_why: Vec<String>,
    /// Lines placed right before the block (suppressions).
    pub directives: Vec<String>,
}

/// An output.
#[derive(Debug, Clone, Serialize)]
pub struct OutputView {
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Rendered value.
    pub value: RValue,
}

/// Everything a template may read.
#[derive(Debug, Clone, Serialize)]
pub struct FileView {
    /// The generated-by line's text, without comment markers.
    pub generated_by: String,
    /// foundrygen's version.
    pub version: String,
    /// The deployment name.
    pub deployment: String,
    /// A module / nested template rather than the top-level file.
    pub module: bool,
    /// Parameters.
    pub params: Vec<ParamView>,
    /// Existing resources (Bicep `existing`, Terraform data sources).
    pub existing: Vec<ResourceView>,
    /// Created resources and modules, in plan order.
    pub resources: Vec<ResourceView>,
    /// Outputs.
    pub outputs: Vec<OutputView>,
    /// Terraform locals.
    pub locals: Vec<(String, RValue)>,
}
