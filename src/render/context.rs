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

/// How a built-in item template prints values: the printer its `*_value` filter uses and the
/// indent it gives the filter for `fields` (the fields of `blocks` get one more).
#[derive(Clone, Copy)]
pub struct Printing {
    /// The format's printer.
    pub print: crate::render::filters::Printer,
    /// The indent of a top-level field's value.
    pub indent: usize,
}

/// A [`ResourceView`] as a built-in item template receives it: the same fields, but each value of
/// `fields` and `blocks` already printed as the template's filter would print it, instead of a
/// `{t, v}` tree. Converting trees into Tera's values (an ordered map per node), and the filter
/// decoding them again, was about a fifth of rendering a big spec. A printed value reaches the
/// template as bytes, which no template can make and the `*_value` filters pass through as they
/// are; a template of the user's own always gets the trees.
pub struct Printed<'a> {
    /// The view.
    pub view: &'a ResourceView,
    /// How its values are printed.
    pub printing: Printing,
}

/// Already printed text, as the bytes the `*_value` filters pass through.
struct Text<'a>(&'a str);

impl Serialize for Text<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(self.0.as_bytes())
    }
}

/// `[name, value]` pairs with each value printed as `printing` says.
struct PrintedFields<'a> {
    fields: &'a [(String, RValue)],
    printing: Printing,
}

impl Serialize for PrintedFields<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(self.fields.len()))?;
        let mut text = String::new();
        for (name, value) in self.fields {
            text.clear();
            (self.printing.print)(&mut text, value, self.printing.indent);
            seq.serialize_element(&(name, Text(&text)))?;
        }
        seq.end()
    }
}

impl Serialize for Printed<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeSeq, SerializeStruct};
        struct Blocks<'a>(&'a [(String, Vec<(String, RValue)>)], Printing);
        impl Serialize for Blocks<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut seq = s.serialize_seq(Some(self.0.len()))?;
                for (name, fields) in self.0 {
                    let printing = Printing {
                        indent: self.1.indent + 1,
                        ..self.1
                    };
                    let fields = PrintedFields { fields, printing };
                    seq.serialize_element(&(name, fields))?;
                }
                seq.end()
            }
        }
        // The fields of `ResourceView`, in its order (a test checks the two agree).
        let v = self.view;
        let mut st = s.serialize_struct("ResourceView", 11)?;
        st.serialize_field("comment", &v.comment)?;
        st.serialize_field("symbol", &v.symbol)?;
        st.serialize_field("keyword", &v.keyword)?;
        st.serialize_field("type_api", &v.type_api)?;
        st.serialize_field("resource_type", &v.resource_type)?;
        st.serialize_field("api_version", &v.api_version)?;
        let fields = PrintedFields {
            fields: &v.fields,
            printing: self.printing,
        };
        st.serialize_field("fields", &fields)?;
        st.serialize_field("blocks", &Blocks(&v.blocks, self.printing))?;
        st.serialize_field("depends_on", &v.depends_on)?;
        st.serialize_field("depends_why", &v.depends_why)?;
        st.serialize_field("directives", &v.directives)?;
        st.end()
    }
}

/// An output.
#[derive(Debug, Clone, Serialize)]
pub struct OutputView {
    /// Name.
    pub name: String,
    /// Its type: `object`.
    pub kind: String,
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
    /// Terraform ephemeral resources: secrets read at plan and apply time, never stored.
    pub ephemeral: Vec<ResourceView>,
}

impl FileView {
    /// How big the template is, for Azure's per-template limits: `resources` resources (the
    /// list itself may have been rendered as it was built).
    pub fn size(&self, template: String, resources: usize) -> crate::output::TemplateSize {
        crate::output::TemplateSize {
            template,
            resources,
            parameters: self.params.len(),
            outputs: self.outputs.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// Field names of a serialized struct.
    fn keys(v: &impl Serialize) -> BTreeSet<String> {
        match serde_json::to_value(v).unwrap() {
            serde_json::Value::Object(m) => m.keys().cloned().collect(),
            other => panic!("not a struct: {other}"),
        }
    }

    /// The field names a heading's table in docs/templates.md documents.
    fn documented(doc: &str, heading: &str) -> BTreeSet<String> {
        let section = doc
            .split("\n## ")
            .find(|s| s.starts_with(heading))
            .unwrap_or_else(|| panic!("docs/templates.md has no `## {heading}`"));
        section
            .lines()
            .filter_map(|l| l.strip_prefix("| `"))
            .filter_map(|l| l.split('`').next())
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn the_template_reference_documents_every_view_field() {
        let doc = include_str!("../../docs/templates.md");
        let resource = ResourceView {
            comment: String::new(),
            symbol: String::new(),
            keyword: String::new(),
            type_api: String::new(),
            resource_type: String::new(),
            api_version: String::new(),
            fields: Vec::new(),
            blocks: Vec::new(),
            depends_on: Vec::new(),
            depends_why: Vec::new(),
            directives: Vec::new(),
        };
        let param = ParamView {
            name: String::new(),
            kind: String::new(),
            secure: false,
            description: String::new(),
            default: None,
            env: None,
        };
        let output = OutputView {
            name: String::new(),
            kind: String::new(),
            description: String::new(),
            value: RValue::S(String::new()),
        };
        let file = FileView {
            generated_by: String::new(),
            version: String::new(),
            deployment: String::new(),
            module: false,
            params: Vec::new(),
            existing: Vec::new(),
            resources: Vec::new(),
            outputs: Vec::new(),
            locals: Vec::new(),
            ephemeral: Vec::new(),
        };
        assert_eq!(documented(doc, "`FileView`"), keys(&file));
        assert_eq!(documented(doc, "`ParamView`"), keys(&param));
        assert_eq!(documented(doc, "`ResourceView`"), keys(&resource));
        assert_eq!(documented(doc, "`OutputView`"), keys(&output));
        let tags: BTreeSet<String> = [
            RValue::S(String::new()),
            RValue::B(true),
            RValue::I(0),
            RValue::O(Vec::new()),
            RValue::A(Vec::new()),
            RValue::X(String::new()),
            RValue::XK(Vec::new()),
            RValue::D(String::new()),
        ]
        .iter()
        .map(|v| {
            serde_json::to_value(v).unwrap()["t"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
        assert_eq!(documented(doc, "`Value`"), tags);
    }
}
