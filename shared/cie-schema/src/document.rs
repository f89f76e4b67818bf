//! One streaming, namespace-aware read of the document into a flat element arena (document order,
//! each node knowing its parent and the end of its subtree), checking on the way what depends only
//! on an element itself: its attributes and its text against its declared content.

use std::collections::HashSet;

use cie_domain::xml10;
use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader as XmlReader;

use crate::{Limits, SchemaError};

/// Up to this many attributes on an element, duplicates are found by comparing with the earlier
/// ones; beyond, through a set.
const ATTRIBUTE_SCAN_LIMIT: usize = 8;
use crate::datatype::{DataType, is_xml_whitespace};
use crate::model::{AttributeDecl, Content, ElemId, Model};

const BOM: &str = "\u{FEFF}";
const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";
const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

/// Index in [`Document::namespaces`] of no namespace.
const NO_NAMESPACE: u16 = 0;
/// Index in [`Document::namespaces`] of the `xml` prefix's namespace.
const XML: u16 = 1;

/// No parent (the root).
pub(crate) const NO_PARENT: u32 = u32::MAX;

/// One element of the document.
#[derive(Debug)]
pub(crate) struct Node {
    /// Byte offset of the start tag's `<` in [`Document::input`].
    pub(crate) offset: usize,
    /// Length of the qualified name as written.
    name_len: usize,
    /// Index into [`Document::namespaces`].
    pub(crate) namespace: u16,
    /// The declaration, when the element was looked up and UBL 2.1 declares it.
    pub(crate) elem: Option<ElemId>,
    pub(crate) parent: u32,
    /// Index one past the last node of this element's subtree.
    pub(crate) end: u32,
    /// Whether [`Document::issues`] holds something about this node.
    pub(crate) has_issues: bool,
}

/// Something wrong with one element found while reading it.
#[derive(Debug)]
pub(crate) enum Issue {
    AttributeMissing {
        name: &'static str,
    },
    AttributeUnexpected {
        name: String,
    },
    AttributeValue {
        name: String,
        value: String,
        datatype: DataType,
    },
    Value {
        value: String,
        datatype: DataType,
    },
    TextInElementContent {
        text: String,
    },
}

/// The document as read.
#[derive(Debug)]
pub(crate) struct Document<'i> {
    /// The text after any BOM.
    pub(crate) input: &'i str,
    pub(crate) nodes: Vec<Node>,
    pub(crate) namespaces: Vec<String>,
    /// Issues by node index (sorted), in the order found for each node.
    pub(crate) issues: Vec<(u32, Issue)>,
}

impl Document<'_> {
    /// The qualified name of `node` as written, e.g. `cbc:ID`.
    pub(crate) fn qname(&self, node: u32) -> &str {
        let node = &self.nodes[node as usize];
        &self.input[node.offset + 1..node.offset + 1 + node.name_len]
    }

    /// The local part of [`Document::qname`].
    pub(crate) fn local_name(&self, node: u32) -> &str {
        let qname = self.qname(node);
        qname.split_once(':').map_or(qname, |(_, local)| local)
    }

    /// The child elements of `node`, in document order.
    pub(crate) fn children(&self, node: u32) -> impl Iterator<Item = u32> + '_ {
        let end = self.nodes[node as usize].end;
        let mut next = node + 1;
        std::iter::from_fn(move || {
            (next < end).then(|| {
                let child = next;
                next = self.nodes[child as usize].end;
                child
            })
        })
    }
}

/// How the text directly inside an open element is treated.
#[derive(Debug, Clone, Copy)]
enum TextRule {
    /// Not checked (unknown element, extension content, or inside either).
    Ignore,
    /// Only whitespace allowed; `reported` once something else was seen.
    ElementOnly { reported: bool },
    /// Checked against a data type when the element ends, unless it had child elements.
    Simple { datatype: DataType, children: bool },
}

/// Reads `bytes`. `Ok(None)` when the root is not a UBL 2.1 Invoice or CreditNote.
pub(crate) fn read<'i>(
    bytes: &'i [u8],
    model: &'static Model,
    limits: &Limits,
) -> Result<Option<Document<'i>>, SchemaError> {
    let input = std::str::from_utf8(bytes).map_err(|error| SchemaError::NotUtf8 {
        offset: error.valid_up_to(),
    })?;
    let input = input.strip_prefix(BOM).unwrap_or(input);
    xml10::check_document(input).map_err(|violation| xml10_error(input, &violation))?;
    let mut reader = XmlReader::from_str(input);
    reader.config_mut().check_end_names = true;
    let mut state = Reader {
        document: Document {
            input,
            nodes: Vec::with_capacity(input.len() / 40),
            namespaces: vec![String::new(), XML_NS.to_owned()],
            issues: Vec::new(),
        },
        model,
        max_attributes: limits.max_attributes,
        model_namespaces: vec![None, None],
        bindings: vec![("xml".into(), XML)],
        open: Vec::new(),
        text: String::new(),
    };
    loop {
        let offset = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = reader.read_event().map_err(|error| {
            let at = usize::try_from(reader.error_position()).unwrap_or(usize::MAX);
            not_xml(input, at, error.to_string())
        })?;
        match event {
            Event::Start(start) => {
                if !state.open(&start, offset)? {
                    return Ok(None);
                }
            }
            Event::Empty(start) => {
                if !state.open(&start, offset)? {
                    return Ok(None);
                }
                state.close();
            }
            Event::End(_) => state.close(),
            Event::Text(text) => {
                xml10::check_character_data(&text, offset)
                    .map_err(|violation| xml10_error(input, &violation))?;
                state.text(&text);
            }
            Event::CData(cdata) => state.text(&cdata),
            Event::GeneralRef(reference) => {
                let resolved = if reference.is_char_ref() {
                    reference.resolve_char_ref().ok().flatten()
                } else {
                    match &*reference {
                        "lt" => Some('<'),
                        "gt" => Some('>'),
                        "amp" => Some('&'),
                        "apos" => Some('\''),
                        "quot" => Some('"'),
                        _ => None,
                    }
                };
                let c = resolved.ok_or_else(|| {
                    not_xml(
                        input,
                        offset,
                        format!("unknown entity or character reference &{};", &*reference),
                    )
                })?;
                state.text(c.encode_utf8(&mut [0; 4]));
            }
            Event::Eof => {
                if !state.open.is_empty() {
                    return Err(not_xml(
                        input,
                        offset,
                        "the document ends while elements are still open".to_owned(),
                    ));
                }
                if state.document.nodes.is_empty() {
                    return Err(not_xml(
                        input,
                        offset,
                        "the document has no root element".to_owned(),
                    ));
                }
                let mut document = state.document;
                document.issues.sort_by_key(|(node, _)| *node);
                return Ok(Some(document));
            }
            Event::Decl(_) | Event::DocType(_) | Event::Comment(_) | Event::PI(_) => {}
        }
    }
}

/// One open element.
struct Open {
    node: u32,
    rule: TextRule,
    /// Length of [`Reader::bindings`] before the element's own declarations.
    bindings: usize,
}

/// The reading state.
struct Reader<'i> {
    document: Document<'i>,
    model: &'static Model,
    /// Most attributes accepted on one element.
    max_attributes: usize,
    /// The model's index of each of [`Document::namespaces`], if it declares elements in it.
    model_namespaces: Vec<Option<u16>>,
    /// Prefix bindings in scope, innermost last; the empty prefix is the default namespace.
    bindings: Vec<(Box<str>, u16)>,
    open: Vec<Open>,
    /// Text of the innermost open element with checked simple content.
    text: String,
}

impl Reader<'_> {
    /// Opens an element; `Ok(false)` when it is a root other than Invoice or CreditNote.
    fn open(&mut self, start: &BytesStart<'_>, offset: usize) -> Result<bool, SchemaError> {
        let input = self.document.input;
        let bindings = self.bindings.len();
        self.check_attributes(start, offset)?;
        if start.attributes_raw().contains("xmlns") {
            self.declare(start, offset)?;
        }
        let qname = start.name();
        let qname = qname.as_ref();
        if input.get(offset + 1..offset + 1 + qname.len()) != Some(qname) {
            return Err(not_xml(
                input,
                offset,
                format!("element <{qname}> is not where the reader reports it"),
            ));
        }
        let (prefix, local) = qname.split_once(':').unwrap_or(("", qname));
        let namespace = self.resolve(prefix).ok_or_else(|| {
            not_xml(
                input,
                offset,
                format!("namespace prefix {prefix:?} of element <{qname}> is not declared"),
            )
        })?;
        let parent = self.open.last().map(|open| (open.node, open.rule));
        let (elem, rule) = match parent {
            None => {
                let uri = &self.document.namespaces[usize::from(namespace)];
                match self.model.root(uri, local) {
                    Some(elem) => (Some(elem), self.rule(elem)),
                    None => return Ok(false),
                }
            }
            Some((_, TextRule::Ignore | TextRule::Simple { .. })) => (None, TextRule::Ignore),
            Some((_, TextRule::ElementOnly { .. })) => {
                match self.model_namespaces[usize::from(namespace)]
                    .and_then(|namespace| self.model.lookup_in(namespace, local))
                {
                    Some(elem) => (Some(elem), self.rule(elem)),
                    None => (None, TextRule::Ignore),
                }
            }
        };
        if let Some(Open {
            rule: TextRule::Simple { children, .. },
            ..
        }) = self.open.last_mut()
        {
            *children = true;
        }
        let index = u32::try_from(self.document.nodes.len())
            .map_err(|_| not_xml(input, offset, "too many elements".to_owned()))?;
        self.document.nodes.push(Node {
            offset,
            name_len: qname.len(),
            namespace,
            elem,
            parent: parent.map_or(NO_PARENT, |(parent, _)| parent),
            end: index + 1,
            has_issues: false,
        });
        if let Some(elem) = elem {
            self.attributes(start, index, elem, offset)?;
        }
        if let TextRule::Simple { datatype, .. } = rule
            && datatype.is_checked()
        {
            self.text.clear();
        }
        self.open.push(Open {
            node: index,
            rule,
            bindings,
        });
        Ok(true)
    }

    /// Checks the number of attributes of `start`, their syntax and that no name repeats, in
    /// linear time (quick-xml's own check compares each attribute with every earlier one).
    fn check_attributes(&self, start: &BytesStart<'_>, offset: usize) -> Result<(), SchemaError> {
        let input = self.document.input;
        let count = start.attributes().with_checks(false).count();
        if count > self.max_attributes {
            let (line, column) = line_column(input, offset);
            return Err(SchemaError::TooManyAttributes {
                element: start.name().as_ref().to_owned(),
                count,
                limit: self.max_attributes,
                line,
                column,
            });
        }
        if count < 2 {
            return Ok(());
        }
        let mut few: Vec<&str> = Vec::new();
        let mut many = HashSet::new();
        for attribute in start.attributes().with_checks(false) {
            let attribute = attribute
                .map_err(|error| not_xml(input, offset, format!("malformed attribute: {error}")))?;
            let name = attribute.key.into_inner();
            let new = if count <= ATTRIBUTE_SCAN_LIMIT {
                let new = !few.contains(&name);
                few.push(name);
                new
            } else {
                many.insert(name)
            };
            if !new {
                return Err(not_xml(
                    input,
                    offset,
                    format!(
                        "duplicate attribute {} in element <{}>",
                        attribute.key.as_ref(),
                        start.name().as_ref()
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Adds the namespace declarations of `start` to the bindings in scope.
    fn declare(&mut self, start: &BytesStart<'_>, offset: usize) -> Result<(), SchemaError> {
        let input = self.document.input;
        for attribute in start.attributes().with_checks(false) {
            let attribute = attribute
                .map_err(|error| not_xml(input, offset, format!("malformed attribute: {error}")))?;
            let key = attribute.key.as_ref();
            let prefix = match key.strip_prefix("xmlns") {
                Some("") => "",
                Some(rest) => match rest.strip_prefix(':') {
                    Some(prefix) => prefix,
                    None => continue,
                },
                None => continue,
            };
            let uri = attribute
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|error| not_xml(input, offset, error.to_string()))?;
            if uri.is_empty() && !prefix.is_empty() {
                return Err(not_xml(
                    input,
                    offset,
                    format!("namespace prefix {prefix:?} cannot be bound to the empty name"),
                ));
            }
            let namespace = self
                .intern(&uri)
                .ok_or_else(|| not_xml(input, offset, "too many namespaces".to_owned()))?;
            self.bindings.push((prefix.into(), namespace));
        }
        Ok(())
    }

    /// The namespace `prefix` is bound to; no namespace for an unbound empty prefix.
    fn resolve(&self, prefix: &str) -> Option<u16> {
        self.bindings
            .iter()
            .rev()
            .find(|(bound, _)| bound.bytes().eq(prefix.bytes()))
            .map(|(_, namespace)| *namespace)
            .or_else(|| prefix.is_empty().then_some(NO_NAMESPACE))
    }

    /// The index of `uri` in [`Document::namespaces`], added if new; `None` beyond `u16` indexes.
    fn intern(&mut self, uri: &str) -> Option<u16> {
        let namespaces = &mut self.document.namespaces;
        if let Some(index) = namespaces.iter().position(|known| known == uri) {
            return u16::try_from(index).ok();
        }
        let index = u16::try_from(namespaces.len()).ok()?;
        namespaces.push(uri.to_owned());
        self.model_namespaces.push(self.model.namespace_index(uri));
        Some(index)
    }

    fn rule(&self, elem: ElemId) -> TextRule {
        match self.model.content(elem) {
            Content::Elements(_) => TextRule::ElementOnly { reported: false },
            Content::Simple { datatype, .. } => TextRule::Simple {
                datatype: *datatype,
                children: false,
            },
            Content::Any => TextRule::Ignore,
        }
    }

    /// Checks the attributes of element `index` against its declaration.
    fn attributes(
        &mut self,
        start: &BytesStart<'_>,
        index: u32,
        elem: ElemId,
        offset: usize,
    ) -> Result<(), SchemaError> {
        let input = self.document.input;
        let declared: &'static [AttributeDecl] = match self.model.content(elem) {
            Content::Simple { attributes, .. } => &attributes[..],
            Content::Elements(_) | Content::Any => &[],
        };
        let mut seen = 0u64;
        for attribute in start.attributes().with_checks(false) {
            let attribute = attribute
                .map_err(|error| not_xml(input, offset, format!("malformed attribute: {error}")))?;
            let key = attribute.key;
            let (local, prefix) = key.decompose();
            match prefix.map(|prefix| prefix.into_inner()) {
                Some("xmlns") => continue,
                None if local.as_ref() == "xmlns" => continue,
                None => {
                    if let Some(position) = declared
                        .iter()
                        .position(|decl| *decl.name == *local.as_ref())
                    {
                        seen |= 1 << position;
                        let datatype = declared[position].datatype;
                        if datatype.is_checked() {
                            let value = attribute
                                .normalized_value(XmlVersion::Implicit1_0)
                                .map_err(|error| not_xml(input, offset, error.to_string()))?;
                            if !datatype.accepts(&value) {
                                self.issue(
                                    index,
                                    Issue::AttributeValue {
                                        name: key.as_ref().to_owned(),
                                        value: value.into_owned(),
                                        datatype,
                                    },
                                );
                            }
                        }
                        continue;
                    }
                }
                Some(prefix) => match self.resolve(prefix) {
                    Some(namespace) if self.document.namespaces[usize::from(namespace)] == XSI => {
                        continue;
                    }
                    Some(_) => {}
                    None => {
                        return Err(not_xml(
                            input,
                            offset,
                            format!("namespace prefix {prefix:?} is not declared"),
                        ));
                    }
                },
            }
            self.issue(
                index,
                Issue::AttributeUnexpected {
                    name: key.as_ref().to_owned(),
                },
            );
        }
        for (position, decl) in declared.iter().enumerate() {
            if decl.required && seen & (1 << position) == 0 {
                self.issue(index, Issue::AttributeMissing { name: &decl.name });
            }
        }
        Ok(())
    }

    fn text(&mut self, text: &str) {
        match self.open.last_mut() {
            Some(Open {
                node,
                rule: TextRule::ElementOnly { reported },
                ..
            }) if !*reported && !text.chars().all(is_xml_whitespace) => {
                *reported = true;
                let index = *node;
                self.issue(
                    index,
                    Issue::TextInElementContent {
                        text: text.trim_matches(is_xml_whitespace).to_owned(),
                    },
                );
            }
            Some(Open {
                rule: TextRule::Simple { datatype, .. },
                ..
            }) if datatype.is_checked() => {
                self.text.push_str(text);
            }
            _ => {}
        }
    }

    fn close(&mut self) {
        let Some(Open {
            node: index,
            rule,
            bindings,
        }) = self.open.pop()
        else {
            return;
        };
        self.bindings.truncate(bindings);
        self.document.nodes[index as usize].end =
            u32::try_from(self.document.nodes.len()).unwrap_or(u32::MAX);
        if let TextRule::Simple {
            datatype,
            children: false,
        } = rule
            && datatype.is_checked()
            && !datatype.accepts(&self.text)
        {
            let value = self.text.trim_matches(is_xml_whitespace).to_owned();
            self.issue(index, Issue::Value { value, datatype });
        }
    }

    fn issue(&mut self, index: u32, issue: Issue) {
        self.document.nodes[index as usize].has_issues = true;
        self.document.issues.push((index, issue));
    }
}

/// 1-based line and column (in characters) of byte `offset` in `input`.
fn line_column(input: &str, offset: usize) -> (u32, u32) {
    let before = &input.as_bytes()[..offset.min(input.len())];
    let line_start = before
        .iter()
        .rposition(|&byte| byte == b'\n')
        .map_or(0, |index| index + 1);
    let line = before.iter().filter(|&&byte| byte == b'\n').count() + 1;
    let column = before[line_start..]
        .iter()
        .filter(|&&byte| byte & 0b1100_0000 != 0b1000_0000)
        .count()
        + 1;
    (
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(column).unwrap_or(u32::MAX),
    )
}

/// A violation of XML 1.0 found by [`xml10`] as [`SchemaError::NotXml`].
fn xml10_error(input: &str, violation: &xml10::Xml10Violation) -> SchemaError {
    not_xml(input, violation.offset, violation.problem.to_string())
}

fn not_xml(input: &str, offset: usize, reason: String) -> SchemaError {
    let (line, column) = line_column(input, offset);
    SchemaError::NotXml {
        line,
        column,
        reason,
    }
}
