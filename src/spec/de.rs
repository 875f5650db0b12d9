//! Decoding the positioned tree into the typed `Spec`: a serde `Deserializer` over [`Node`]s.
//!
//! The tree is what validation checked, so decoding reads it directly rather than a copy of it
//! in another YAML library's value type (building that copy took as long as the decode itself:
//! about 20 ms of the 5,000-connection benchmark spec, every one on the path before rendering).
//! Scalars resolve as the tree resolved them (YAML 1.2 core schema); nothing is read twice.

use std::fmt;

use serde::de::value::{MapDeserializer, SeqDeserializer};
use serde::de::{self, IntoDeserializer, Visitor};

use super::tree::{Node, Value};

/// Why the tree did not decode into the type asked for.
#[derive(Debug)]
pub struct DecodeError(String);

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DecodeError {}

impl de::Error for DecodeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DecodeError(msg.to_string())
    }
}

/// Decodes `node` into a `T`.
pub fn from_node<'de, T: de::Deserialize<'de>>(node: &'de Node) -> Result<T, DecodeError> {
    T::deserialize(node)
}

impl<'de> IntoDeserializer<'de, DecodeError> for &'de Node {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

impl<'de> de::Deserializer<'de> for &'de Node {
    type Error = DecodeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match &self.value {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Int(i) => visitor.visit_i64(*i),
            Value::Float(f) => visitor.visit_f64(*f),
            Value::Str(s) => visitor.visit_borrowed_str(s),
            Value::Seq(items) => {
                let mut seq = SeqDeserializer::new(items.iter());
                let value = visitor.visit_seq(&mut seq)?;
                seq.end()?;
                Ok(value)
            }
            Value::Map(entries) => {
                let mut map = MapDeserializer::new(entries.iter().map(|(k, v)| (k, v)));
                let value = visitor.visit_map(&mut map)?;
                map.end()?;
                Ok(value)
            }
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        match &self.value {
            // A unit variant, written as its name.
            Value::Str(s) => visitor.visit_enum(s.as_str().into_deserializer()),
            // `{ variant: content }`.
            Value::Map(entries) if entries.len() == 1 => visitor.visit_enum(VariantAccess {
                key: &entries[0].0,
                value: &entries[0].1,
            }),
            _ => Err(de::Error::invalid_type(
                unexpected(self),
                &"an enum variant",
            )),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

/// What the value is, for a type error.
fn unexpected(node: &Node) -> de::Unexpected<'_> {
    match &node.value {
        Value::Null => de::Unexpected::Unit,
        Value::Bool(b) => de::Unexpected::Bool(*b),
        Value::Int(i) => de::Unexpected::Signed(*i),
        Value::Float(f) => de::Unexpected::Float(*f),
        Value::Str(s) => de::Unexpected::Str(s),
        Value::Seq(_) => de::Unexpected::Seq,
        Value::Map(_) => de::Unexpected::Map,
    }
}

/// A `{ variant: content }` mapping read as an enum.
struct VariantAccess<'de> {
    key: &'de Node,
    value: &'de Node,
}

impl<'de> de::EnumAccess<'de> for VariantAccess<'de> {
    type Error = DecodeError;
    type Variant = Self;

    fn variant_seed<S: de::DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, Self), DecodeError> {
        Ok((seed.deserialize(self.key)?, self))
    }
}

impl<'de> de::VariantAccess<'de> for VariantAccess<'de> {
    type Error = DecodeError;

    fn unit_variant(self) -> Result<(), DecodeError> {
        de::Deserialize::deserialize(self.value)
    }

    fn newtype_variant_seed<S: de::DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<S::Value, DecodeError> {
        seed.deserialize(self.value)
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        de::Deserializer::deserialize_seq(self.value, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        de::Deserializer::deserialize_map(self.value, visitor)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Deserialize;

    use super::*;
    use crate::spec::load::{Source, parse_tree};

    fn tree(text: &str) -> Node {
        parse_tree(&Source::new("t.yaml", text)).expect("parses").0
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "snake_case")]
    enum Mode {
        Fast,
        Careful,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(untagged)]
    enum Cred {
        Secret { secret: String },
        Plain(String),
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Doc {
        name: String,
        count: u32,
        ratio: f64,
        on: bool,
        missing: Option<String>,
        nothing: Option<String>,
        #[serde(default)]
        tags: BTreeMap<String, String>,
        items: Vec<i64>,
        mode: Mode,
        creds: Vec<Cred>,
    }

    #[test]
    fn decodes_every_kind_of_value() {
        let doc: Doc = from_node(&tree(
            "name: n\ncount: 7\nratio: 0.5\non: true\nnothing: ~\ntags: { a: b }\nitems: [1, -2]\n\
             mode: careful\ncreds: [{ secret: S }, plain]\n",
        ))
        .expect("decodes");
        assert_eq!(
            doc,
            Doc {
                name: "n".into(),
                count: 7,
                ratio: 0.5,
                on: true,
                missing: None,
                nothing: None,
                tags: BTreeMap::from([("a".into(), "b".into())]),
                items: vec![1, -2],
                mode: Mode::Careful,
                creds: vec![
                    Cred::Secret { secret: "S".into() },
                    Cred::Plain("plain".into())
                ],
            }
        );
        assert_eq!(
            from_node::<Mode>(&tree("fast")).expect("decodes"),
            Mode::Fast
        );
    }

    #[test]
    fn refuses_what_the_types_do_not_allow() {
        let err = |text: &str| from_node::<Doc>(&tree(text)).expect_err(text).to_string();
        let base = "name: n\ncount: 7\nratio: 1\non: false\nitems: []\nmode: fast\ncreds: []\n";
        assert!(err(&base.replace("count: 7", "count: -1")).contains("-1"));
        assert!(err(&base.replace("count: 7", "count: '7'")).contains("string"));
        assert!(err(&base.replace("mode: fast", "mode: slow")).contains("slow"));
        assert!(err(&format!("{base}extra: 1\n")).contains("extra"));
        assert!(err(&base.replace("name: n\n", "")).contains("name"));
        assert!(err(&base.replace("items: []", "items: [1.5]")).contains("1.5"));
    }
}
