//! Reading back a record exactly as rel writes it, without the general YAML
//! parser.
//!
//! Nearly every record version in a repository is rel's own output: the
//! canonical form of `yaml::to_string`. Reading thousands of them (history,
//! `rel check`, the listings) is mostly YAML parsing, and the general parser
//! spends most of that on what canonical output never holds (flow
//! collections, anchors, tags, comments, folded text).
//!
//! [`read`] takes the block subset that canonical output is made of,
//! builds the value from it, and then writes the value again: only when
//! that gives back the very same bytes is the value returned. A text that
//! is the canonical form of a value is that value (what rel writes, it
//! reads back as written), so the general parser would have read the same;
//! anything else, however slightly different (a comment, other quoting, a
//! key out of order, an unknown field, an error), gets `None` and is read by
//! the general parser, which gives its messages. This module never decides
//! what a text means on its own.

use serde::Serialize;
use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};
use std::borrow::Cow;

/// The value whose canonical form `text` is, or `None`.
pub fn read<T: DeserializeOwned + Serialize>(text: &str) -> Option<T> {
    let node = parse(text)?;
    let value = T::deserialize(&node).ok()?;
    super::yaml::writes_as(&value, text).then_some(value)
}

/// Nesting deeper than this is left to the general parser.
const MAX_DEPTH: usize = 32;

#[derive(Debug)]
enum Node<'a> {
    Scalar(Scalar<'a>),
    Seq(Vec<Node<'a>>),
    Map(Vec<(Scalar<'a>, Node<'a>)>),
}

#[derive(Debug)]
struct Scalar<'a> {
    text: Cow<'a, str>,
    /// Unquoted: its type comes from its text or from what is read.
    plain: bool,
}

#[derive(Clone, Copy)]
struct Line<'a> {
    indent: usize,
    text: &'a str,
}

fn parse(text: &str) -> Option<Node<'_>> {
    let body = text.strip_suffix('\n')?;
    let mut lines = Vec::with_capacity(body.len() / 24);
    for raw in body.split('\n') {
        let text = raw.trim_start_matches(' ');
        lines.push(Line {
            indent: raw.len() - text.len(),
            text,
        });
    }
    let mut p = Parser { lines, pos: 0 };
    let first = *p.lines.first()?;
    if first.indent != 0 {
        return None;
    }
    let node = p.block(0, 0)?;
    (p.pos == p.lines.len()).then_some(node)
}

struct Parser<'a> {
    lines: Vec<Line<'a>>,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<Line<'a>> {
        self.lines.get(self.pos).copied()
    }

    /// The collection starting at the current line, at `indent`.
    fn block(&mut self, indent: usize, depth: usize) -> Option<Node<'a>> {
        if depth > MAX_DEPTH {
            return None;
        }
        let line = self.peek()?;
        if line.indent != indent || line.text.is_empty() {
            return None;
        }
        if is_item(line.text) {
            self.seq(indent, depth)
        } else {
            self.map(indent, depth)
        }
    }

    fn seq(&mut self, indent: usize, depth: usize) -> Option<Node<'a>> {
        let mut items = vec![];
        while let Some(line) = self.peek() {
            if line.indent != indent || !is_item(line.text) {
                break;
            }
            let rest = line.text.strip_prefix("- ")?;
            if is_item(rest) || entry(rest).is_some() {
                // A collection begun on the item's line: read the line as
                // if the rest stood on its own, two columns in.
                self.lines[self.pos] = Line {
                    indent: indent + 2,
                    text: rest,
                };
                items.push(self.block(indent + 2, depth + 1)?);
            } else {
                self.pos += 1;
                items.push(self.value(rest, indent)?);
            }
        }
        Some(Node::Seq(items))
    }

    fn map(&mut self, indent: usize, depth: usize) -> Option<Node<'a>> {
        let mut entries = vec![];
        while let Some(line) = self.peek() {
            if line.indent < indent {
                break;
            }
            if line.indent > indent || is_item(line.text) {
                // A sequence at the map's own indent belongs to a key
                // (handled below); anything else is not canonical.
                return None;
            }
            let (key, rest) = entry(line.text)?;
            self.pos += 1;
            let value = if rest.is_empty() {
                // The value is the collection on the following lines:
                // further in, or a sequence at the key's indent.
                let next = self.peek()?;
                if next.indent > indent || (next.indent == indent && is_item(next.text)) {
                    self.block(next.indent, depth + 1)?
                } else {
                    return None;
                }
            } else {
                self.value(rest.strip_prefix(' ')?, indent)?
            };
            entries.push((key, value));
        }
        Some(Node::Map(entries))
    }

    /// A value written after `key: ` or `- ` on a line at `indent`.
    fn value(&mut self, text: &'a str, indent: usize) -> Option<Node<'a>> {
        match text {
            "[]" => return Some(Node::Seq(vec![])),
            "{}" => return Some(Node::Map(vec![])),
            "|" | "|-" => return self.literal(text == "|", indent),
            _ => {}
        }
        let (scalar, rest) = scalar(text)?;
        rest.is_empty().then_some(Node::Scalar(scalar))
    }

    /// A literal block (`|` keeps the final line break, `|-` does not),
    /// its lines indented past `indent`.
    fn literal(&mut self, keep: bool, indent: usize) -> Option<Node<'a>> {
        let first = self.peek()?;
        let at = first.indent;
        if at <= indent {
            return None;
        }
        let mut out = String::new();
        while let Some(line) = self.peek() {
            if line.indent < at {
                break;
            }
            if !out.is_empty() {
                out.push('\n');
            }
            out.extend(std::iter::repeat_n(' ', line.indent - at));
            out.push_str(line.text);
            self.pos += 1;
        }
        if keep {
            out.push('\n');
        }
        Some(Node::Scalar(Scalar {
            text: Cow::Owned(out),
            plain: false,
        }))
    }
}

fn is_item(text: &str) -> bool {
    text.starts_with("- ")
}

/// `key: rest` or `key:` (rest empty): the key and what follows the colon.
fn entry(text: &str) -> Option<(Scalar<'_>, &str)> {
    if text.starts_with(['"', '\'']) {
        let (key, rest) = scalar(text)?;
        return Some((key, rest.strip_prefix(':')?));
    }
    let end = match text.find(": ") {
        Some(i) => i,
        None => text.strip_suffix(':')?.len(),
    };
    let key = &text[..end];
    if key.is_empty() || key.contains(['#', '"', '\'', '{', '[', '&', '*', '!']) {
        return None;
    }
    Some((
        Scalar {
            text: Cow::Borrowed(key),
            plain: true,
        },
        &text[end + 1..],
    ))
}

/// A scalar at the start of `text`, and what follows it. A plain scalar is
/// the whole text.
fn scalar(text: &str) -> Option<(Scalar<'_>, &str)> {
    if let Some(body) = text.strip_prefix('"') {
        return double_quoted(body);
    }
    if let Some(body) = text.strip_prefix('\'') {
        let mut out = String::new();
        let mut rest = body;
        loop {
            let i = rest.find('\'')?;
            out.push_str(&rest[..i]);
            rest = &rest[i + 1..];
            match rest.strip_prefix('\'') {
                Some(more) => {
                    out.push('\'');
                    rest = more;
                }
                None => break,
            }
        }
        return Some((
            Scalar {
                text: Cow::Owned(out),
                plain: false,
            },
            rest,
        ));
    }
    // What canonical output never begins a plain scalar with.
    if text.is_empty()
        || text.starts_with([
            '[', ']', '{', '}', '&', '*', '!', '|', '>', '%', '@', '`', '#', ',', '?',
        ])
        || text.contains(" #")
    {
        return None;
    }
    Some((
        Scalar {
            text: Cow::Borrowed(text),
            plain: true,
        },
        "",
    ))
}

fn double_quoted(body: &str) -> Option<(Scalar<'_>, &str)> {
    let end = body.find(['"', '\\'])?;
    if body.as_bytes()[end] == b'"' {
        return Some((
            Scalar {
                text: Cow::Borrowed(&body[..end]),
                plain: false,
            },
            &body[end + 1..],
        ));
    }
    let mut out = String::from(&body[..end]);
    let mut chars = body[end..].char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => {
                return Some((
                    Scalar {
                        text: Cow::Owned(out),
                        plain: false,
                    },
                    &body[end + i + 1..],
                ));
            }
            '\\' => {
                let (_, e) = chars.next()?;
                let hex = |chars: &mut std::str::CharIndices, n: usize| {
                    let mut v = 0u32;
                    for _ in 0..n {
                        v = v * 16 + chars.next()?.1.to_digit(16)?;
                    }
                    char::from_u32(v)
                };
                out.push(match e {
                    '0' => '\0',
                    'a' => '\x07',
                    'b' => '\x08',
                    't' | '\t' => '\t',
                    'n' => '\n',
                    'v' => '\x0b',
                    'f' => '\x0c',
                    'r' => '\r',
                    'e' => '\x1b',
                    ' ' => ' ',
                    '"' => '"',
                    '/' => '/',
                    '\\' => '\\',
                    'N' => '\u{85}',
                    '_' => '\u{a0}',
                    'L' => '\u{2028}',
                    'P' => '\u{2029}',
                    'x' => hex(&mut chars, 2)?,
                    'u' => hex(&mut chars, 4)?,
                    'U' => hex(&mut chars, 8)?,
                    _ => return None,
                });
            }
            c => out.push(c),
        }
    }
    None
}

// ---------------------------------------------------------------------------
// Building the value

/// Any mismatch: the general parser reads the text instead.
#[derive(Debug)]
struct NotCanonical;

impl std::fmt::Display for NotCanonical {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("not in canonical form")
    }
}

impl std::error::Error for NotCanonical {}

impl de::Error for NotCanonical {
    fn custom<M: std::fmt::Display>(_: M) -> Self {
        NotCanonical
    }
}

type Result<T> = std::result::Result<T, NotCanonical>;

impl Scalar<'_> {
    fn is_null(&self) -> bool {
        self.plain && matches!(&*self.text, "null" | "Null" | "NULL" | "~")
    }

    fn plain(&self) -> Result<&str> {
        if self.plain {
            Ok(&self.text)
        } else {
            Err(NotCanonical)
        }
    }

    fn number<N: std::str::FromStr>(&self) -> Result<N> {
        self.plain()?.parse().map_err(|_| NotCanonical)
    }
}

impl Node<'_> {
    fn scalar(&self) -> Result<&Scalar<'_>> {
        match self {
            Node::Scalar(s) => Ok(s),
            _ => Err(NotCanonical),
        }
    }
}

macro_rules! numbers {
    ($($method:ident $visit:ident $t:ty),*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
            visitor.$visit(self.scalar()?.number::<$t>()?)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for &Node<'_> {
    type Error = NotCanonical;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self {
            Node::Seq(items) => visitor.visit_seq(Items(items.iter())),
            Node::Map(entries) => visitor.visit_map(Entries(entries.iter(), None)),
            Node::Scalar(s) if !s.plain => visitor.visit_str(&s.text),
            Node::Scalar(s) if s.is_null() => visitor.visit_unit(),
            Node::Scalar(s) => match &*s.text {
                "true" => visitor.visit_bool(true),
                "false" => visitor.visit_bool(false),
                t => {
                    if let Ok(n) = t.parse::<u64>() {
                        visitor.visit_u64(n)
                    } else if let Ok(n) = t.parse::<i64>() {
                        visitor.visit_i64(n)
                    } else {
                        visitor.visit_str(t)
                    }
                }
            },
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.scalar()?.plain()? {
            "true" => visitor.visit_bool(true),
            "false" => visitor.visit_bool(false),
            _ => Err(NotCanonical),
        }
    }

    numbers!(
        deserialize_i8 visit_i8 i8, deserialize_i16 visit_i16 i16,
        deserialize_i32 visit_i32 i32, deserialize_i64 visit_i64 i64,
        deserialize_u8 visit_u8 u8, deserialize_u16 visit_u16 u16,
        deserialize_u32 visit_u32 u32, deserialize_u64 visit_u64 u64,
        deserialize_f32 visit_f32 f32, deserialize_f64 visit_f64 f64
    );

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_str(&self.scalar()?.text)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, _: V) -> Result<V::Value> {
        Err(NotCanonical)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, _: V) -> Result<V::Value> {
        Err(NotCanonical)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self {
            Node::Scalar(s) if s.is_null() => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if self.scalar()?.is_null() {
            visitor.visit_unit()
        } else {
            Err(NotCanonical)
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self {
            Node::Seq(items) => visitor.visit_seq(Items(items.iter())),
            _ => Err(NotCanonical),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, visitor: V) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: usize,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self {
            Node::Map(entries) => visitor.visit_map(Entries(entries.iter(), None)),
            _ => Err(NotCanonical),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        match self {
            Node::Scalar(s) => visitor.visit_enum(s.text.as_ref().into_deserializer()),
            Node::Map(entries) if entries.len() == 1 => {
                let (key, value) = &entries[0];
                visitor.visit_enum(Variant(key, value))
            }
            _ => Err(NotCanonical),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_unit()
    }
}

struct Items<'n, 'a>(std::slice::Iter<'n, Node<'a>>);

impl<'de> de::SeqAccess<'de> for Items<'_, '_> {
    type Error = NotCanonical;

    fn next_element_seed<S: de::DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>> {
        self.0.next().map(|n| seed.deserialize(n)).transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct Entries<'n, 'a>(
    std::slice::Iter<'n, (Scalar<'a>, Node<'a>)>,
    Option<&'n Node<'a>>,
);

impl<'de> de::MapAccess<'de> for Entries<'_, '_> {
    type Error = NotCanonical;

    fn next_key_seed<S: de::DeserializeSeed<'de>>(&mut self, seed: S) -> Result<Option<S::Value>> {
        let Some((key, value)) = self.0.next() else {
            return Ok(None);
        };
        self.1 = Some(value);
        seed.deserialize(Key(key)).map(Some)
    }

    fn next_value_seed<S: de::DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value> {
        seed.deserialize(self.1.take().ok_or(NotCanonical)?)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

/// A map key: read as the scalar node it is.
struct Key<'k, 'a>(&'k Scalar<'a>);

impl<'de> de::Deserializer<'de> for Key<'_, '_> {
    type Error = NotCanonical;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        // Keys are read as the text they are (field names, ids, dates).
        visitor.visit_str(&self.0.text)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_enum(self.0.text.as_ref().into_deserializer())
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct
        identifier ignored_any
    }
}

/// `{variant: value}`: an enum variant with content.
struct Variant<'n, 'a>(&'n Scalar<'a>, &'n Node<'a>);

impl<'de, 'n, 'a> de::EnumAccess<'de> for Variant<'n, 'a> {
    type Error = NotCanonical;
    type Variant = &'n Node<'a>;

    fn variant_seed<S: de::DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, Self::Variant)> {
        Ok((seed.deserialize(Key(self.0))?, self.1))
    }
}

impl<'de> de::VariantAccess<'de> for &Node<'_> {
    type Error = NotCanonical;

    fn unit_variant(self) -> Result<()> {
        if self.scalar()?.is_null() {
            Ok(())
        } else {
            Err(NotCanonical)
        }
    }

    fn newtype_variant_seed<S: de::DeserializeSeed<'de>>(self, seed: S) -> Result<S::Value> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _: usize, visitor: V) -> Result<V::Value> {
        de::Deserializer::deserialize_seq(self, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        de::Deserializer::deserialize_map(self, visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Doc {
        name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        version: Option<String>,
        count: u32,
        ok: bool,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        tags: Vec<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        items: Vec<Item>,
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        by_day: BTreeMap<String, u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        kind: Option<Kind>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        nested: Vec<Vec<String>>,
    }

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Item {
        what: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sub: Option<Box<Item>>,
    }

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    #[serde(rename_all = "kebab-case")]
    enum Kind {
        Minor,
        MajorChange,
    }

    fn doc() -> Doc {
        Doc {
            name: "Finance v2: \"quoted\", 'single' # not a comment".into(),
            version: Some("2.4.0".into()),
            count: 3,
            ok: true,
            tags: vec![
                "a".into(),
                "true".into(),
                "12".into(),
                "".into(),
                "null".into(),
            ],
            items: vec![
                Item {
                    what: "x: y".into(),
                    sub: Some(Box::new(Item {
                        what: "- dash".into(),
                        sub: None,
                    })),
                },
                Item {
                    what: "tab\there, line\nbreak, unicode é ✓, \u{7f} and \\".into(),
                    sub: None,
                },
            ],
            by_day: [("2025-03-15".to_string(), 2), ("yes".to_string(), 1)].into(),
            note: Some("first line\nsecond line\n  indented\n".into()),
            kind: Some(Kind::MajorChange),
            nested: vec![vec!["a".into(), "b".into()], vec![]],
        }
    }

    /// What the general parser reads from `text`, when it reads it.
    fn general<T: DeserializeOwned>(text: &str) -> Option<T> {
        serde_saphyr::from_str(text).ok()
    }

    #[test]
    fn reads_back_what_rel_writes_as_the_general_parser_does() {
        let d = doc();
        let text = super::super::yaml::to_string(&d);
        let fast: Doc = read(&text).expect("canonical text is read");
        assert_eq!(fast, d);
        assert_eq!(general::<Doc>(&text), Some(fast));
    }

    #[test]
    fn every_other_spelling_is_left_to_the_general_parser() {
        let d = doc();
        let text = super::super::yaml::to_string(&d);
        let variants = [
            text.replacen("count: 3", "count: 3 # three", 1),
            text.replacen("count: 3", "count:   3", 1),
            text.replacen("version: \"2.4.0\"", "version: '2.4.0'", 1),
            text.replacen("ok: true", "ok: yes", 1),
            format!("# comment\n{text}"),
            format!("---\n{text}"),
            format!("{text}\n"),
            text.trim_end().to_string(),
            text.replacen("count: 3\n", "", 1)
                .replacen("ok: true\n", "ok: true\ncount: 3\n", 1),
            format!("{text}unknown: 1\n"),
            text.replace('\n', "\r\n"),
            "name: x\ncount: 3\nok: true\ntags: [a, b]\n".into(),
            "name: &a x\ncount: 3\nok: true\nnote: *a\n".into(),
            "name: !!str x\ncount: 3\nok: true\n".into(),
            "name: x\ncount: 3\nok: true\nname: y\n".into(),
            "name: x\ncount: -1\nok: true\n".into(),
            "name: x\ncount: 99999999999\nok: true\n".into(),
            "".into(),
            "\n".into(),
            " name: x\n".into(),
        ];
        for v in &variants {
            assert!(read::<Doc>(v).is_none(), "read as canonical:\n{v}");
        }
    }

    #[test]
    fn hostile_text_is_refused_without_panicking() {
        let deep = (0..200)
            .map(|i| format!("{}- \n", " ".repeat(i * 2)))
            .collect::<String>();
        let items = "- ".repeat(500) + "x\n";
        for text in [
            deep.as_str(),
            items.as_str(),
            "\"unterminated\n",
            "name: \"\\u12\"\n",
            "name: \"\\q\"\n",
            "a:\n",
            "a: |\n",
            "- a\nb: c\n",
            "a: b\n  c: d\n",
        ] {
            assert!(read::<Doc>(text).is_none(), "{text}");
            let _ = read::<serde_json::Value>(text);
        }
    }
}
