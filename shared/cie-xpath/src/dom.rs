//! The arena DOM: a parsed XML document (elements, attributes, text, comments, processing instructions)
//! stored in document order, with namespace-resolved names, source positions and a per-name element index.

use std::borrow::Cow;
use std::collections::HashMap;

use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

use crate::error::XmlError;

const NONE: u32 = u32::MAX;

/// A node of a [`Document`]: its index in document order (attributes follow their element and precede its
/// children, as in the XPath data model).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(u32);

impl NodeId {
    /// The position of the node in document order (the document node is 0).
    pub fn index(self) -> usize {
        self.0 as usize
    }

    fn raw(self) -> u32 {
        self.0
    }
}

/// The kind of a node, as in the XPath data model (namespace nodes are not represented).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NodeKind {
    /// The document node (the root of the tree, parent of the document element).
    Document,
    /// An element.
    Element,
    /// An attribute (namespace declarations are not attributes).
    Attribute,
    /// A text node (adjacent character data, entity and character references and CDATA sections merged).
    Text,
    /// A comment.
    Comment,
    /// A processing instruction.
    ProcessingInstruction,
}

#[derive(Debug, Clone)]
struct NodeData {
    kind: NodeKind,
    parent: u32,
    first_child: u32,
    next_sibling: u32,
    /// One past the last node of the subtree (attributes and descendants).
    end: u32,
    attr_count: u32,
    name: u32,
    text_start: u32,
    text_len: u32,
    line: u32,
    column: u32,
}

impl NodeData {
    fn new(kind: NodeKind, parent: u32) -> Self {
        NodeData {
            kind,
            parent,
            first_child: NONE,
            next_sibling: NONE,
            end: 0,
            attr_count: 0,
            name: NONE,
            text_start: 0,
            text_len: 0,
            line: 0,
            column: 0,
        }
    }
}

#[derive(Debug, Clone)]
struct NameData {
    ns: u32,
    local: Box<str>,
    prefix: Option<Box<str>>,
    expanded: u32,
}

#[derive(Debug, Clone)]
struct ExpandedName {
    ns: u32,
    local: Box<str>,
}

/// A parsed XML document.
#[derive(Debug, Clone)]
pub struct Document {
    nodes: Vec<NodeData>,
    text: String,
    names: Vec<NameData>,
    namespaces: Vec<Box<str>>,
    expanded: Vec<ExpandedName>,
    expanded_by_local: HashMap<Box<str>, Vec<(u32, u32)>>,
    elements_by_name: Vec<Vec<NodeId>>,
}

impl Document {
    /// Parses a UTF-8 XML document (an initial byte order mark is skipped). Entity references are limited to
    /// the five predefined entities and character references; a DOCTYPE is refused.
    pub fn parse(bytes: &[u8]) -> Result<Document, XmlError> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let source = std::str::from_utf8(bytes)
            .map_err(|error| XmlError::NotUtf8 { offset: error.valid_up_to() })?;
        if source.len() >= u32::MAX as usize {
            return Err(XmlError::TooLarge);
        }
        Builder::new(source).run()
    }

    /// The document node.
    pub fn root(&self) -> NodeId {
        NodeId(0)
    }

    /// The document element.
    pub fn document_element(&self) -> Option<NodeId> {
        self.children(self.root()).find(|&child| self.kind(child) == NodeKind::Element)
    }

    /// Number of nodes (all kinds, the document node included).
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// The node with this document-order index, if any.
    pub fn node(&self, index: usize) -> Option<NodeId> {
        (index < self.nodes.len()).then_some(NodeId(index as u32))
    }

    fn data(&self, node: NodeId) -> &NodeData {
        &self.nodes[node.index()]
    }

    /// The kind of a node.
    pub fn kind(&self, node: NodeId) -> NodeKind {
        self.data(node).kind
    }

    /// The parent (the owner element for an attribute); `None` for the document node.
    pub fn parent(&self, node: NodeId) -> Option<NodeId> {
        let parent = self.data(node).parent;
        (parent != NONE).then_some(NodeId(parent))
    }

    /// The first child (attributes are not children).
    pub fn first_child(&self, node: NodeId) -> Option<NodeId> {
        let child = self.data(node).first_child;
        (child != NONE).then_some(NodeId(child))
    }

    /// The next sibling (attributes have none).
    pub fn next_sibling(&self, node: NodeId) -> Option<NodeId> {
        let next = self.data(node).next_sibling;
        (next != NONE).then_some(NodeId(next))
    }

    /// The children in document order.
    pub fn children(&self, node: NodeId) -> Children<'_> {
        Children { doc: self, next: self.data(node).first_child }
    }

    /// The attributes of an element in document order (empty for other nodes).
    pub fn attributes(&self, node: NodeId) -> impl ExactSizeIterator<Item = NodeId> + use<> {
        let start = node.raw() + 1;
        (start..start + self.data(node).attr_count).map(NodeId)
    }

    /// One past the last node of the subtree rooted at `node`: the subtree is the index range
    /// `node.index()..subtree_end(node)`.
    pub fn subtree_end(&self, node: NodeId) -> usize {
        self.data(node).end as usize
    }

    /// Whether `ancestor` is a proper ancestor of `node`.
    pub fn is_ancestor(&self, ancestor: NodeId, node: NodeId) -> bool {
        ancestor < node && node.raw() < self.data(ancestor).end
    }

    /// The local name of an element, attribute or processing instruction (target); `""` for other nodes.
    pub fn local_name(&self, node: NodeId) -> &str {
        match self.data(node).name {
            NONE => "",
            name => &self.names[name as usize].local,
        }
    }

    /// The namespace URI of an element or attribute; `""` when it has none.
    pub fn namespace_uri(&self, node: NodeId) -> &str {
        match self.data(node).name {
            NONE => "",
            name => &self.namespaces[self.names[name as usize].ns as usize],
        }
    }

    /// The prefix of an element or attribute as written in the document.
    pub fn prefix(&self, node: NodeId) -> Option<&str> {
        match self.data(node).name {
            NONE => None,
            name => self.names[name as usize].prefix.as_deref(),
        }
    }

    /// The name as written (`prefix:local` or `local`); `""` for nameless nodes.
    pub fn qualified_name(&self, node: NodeId) -> Cow<'_, str> {
        match self.prefix(node) {
            Some(prefix) => Cow::Owned(format!("{prefix}:{}", self.local_name(node))),
            None => Cow::Borrowed(self.local_name(node)),
        }
    }

    /// Whether the node is an element or attribute with this namespace URI and local name.
    pub fn has_name(&self, node: NodeId, namespace_uri: &str, local_name: &str) -> bool {
        match self.data(node).name {
            NONE => false,
            name => {
                let name = &self.names[name as usize];
                &*name.local == local_name && &*self.namespaces[name.ns as usize] == namespace_uri
            }
        }
    }

    /// The dense id (per document) of the expanded name (namespace URI + local name) of an element or
    /// attribute.
    pub fn expanded_name_id(&self, node: NodeId) -> Option<u32> {
        match self.data(node).name {
            NONE => None,
            name => Some(self.names[name as usize].expanded),
        }
    }

    /// The dense id (per document) of the name of an element or attribute as written (prefix included).
    pub fn name_id(&self, node: NodeId) -> Option<u32> {
        match self.data(node).name {
            NONE => None,
            name => Some(name),
        }
    }

    /// Number of distinct names as written (the bound of [`Document::name_id`]).
    pub fn name_count(&self) -> usize {
        self.names.len()
    }

    /// The expanded names used in this document: `(id, namespace URI, local name)`.
    pub fn expanded_names(&self) -> impl Iterator<Item = (u32, &str, &str)> {
        self.expanded.iter().enumerate().map(|(id, name)| {
            (id as u32, &*self.namespaces[name.ns as usize], &*name.local)
        })
    }

    /// The id of an expanded name, if some element or attribute of the document has it.
    pub fn lookup_expanded_name(&self, namespace_uri: &str, local_name: &str) -> Option<u32> {
        self.expanded_by_local
            .get(local_name)?
            .iter()
            .find(|(ns, _)| &*self.namespaces[*ns as usize] == namespace_uri)
            .map(|&(_, id)| id)
    }

    /// Every element with this expanded name id, in document order.
    pub fn elements_with_name(&self, expanded_name_id: u32) -> &[NodeId] {
        self.elements_by_name.get(expanded_name_id as usize).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The content of a text, attribute, comment or processing-instruction node; `None` for elements and the
    /// document node.
    pub fn text(&self, node: NodeId) -> Option<&str> {
        let data = self.data(node);
        match data.kind {
            NodeKind::Text
            | NodeKind::Attribute
            | NodeKind::Comment
            | NodeKind::ProcessingInstruction => Some(self.slice(data)),
            NodeKind::Element | NodeKind::Document => None,
        }
    }

    fn slice(&self, data: &NodeData) -> &str {
        let start = data.text_start as usize;
        &self.text[start..start + data.text_len as usize]
    }

    /// The XPath string value: the concatenated descendant text of an element or the document, the content
    /// of other nodes.
    pub fn string_value(&self, node: NodeId) -> Cow<'_, str> {
        let data = self.data(node);
        match data.kind {
            NodeKind::Element | NodeKind::Document => {
                let first = data.first_child;
                if first == NONE {
                    return Cow::Borrowed("");
                }
                let first_data = &self.nodes[first as usize];
                if first_data.next_sibling == NONE {
                    match first_data.kind {
                        NodeKind::Text => return Cow::Borrowed(self.slice(first_data)),
                        NodeKind::Comment | NodeKind::ProcessingInstruction => {
                            return Cow::Borrowed("");
                        }
                        _ => {}
                    }
                }
                let mut value = String::new();
                for descendant in &self.nodes[node.index() + 1..data.end as usize] {
                    if descendant.kind == NodeKind::Text {
                        value.push_str(self.slice(descendant));
                    }
                }
                Cow::Owned(value)
            }
            _ => Cow::Borrowed(self.slice(data)),
        }
    }

    /// The value of the attribute with this namespace URI (`""` for none) and local name.
    pub fn attribute(&self, element: NodeId, namespace_uri: &str, local_name: &str) -> Option<&str> {
        self.attributes(element)
            .find(|&attribute| self.has_name(attribute, namespace_uri, local_name))
            .map(|attribute| self.slice(self.data(attribute)))
    }

    /// The 1-based line and column of an element's start tag (`<`); an attribute reports its element's, other
    /// nodes the position where they start. Columns count characters, not bytes.
    pub fn line_column(&self, node: NodeId) -> (u32, u32) {
        let data = self.data(node);
        (data.line, data.column)
    }

    /// A path from the root naming each step as written with its 1-based position among the siblings of the
    /// same name, e.g. `/Invoice/cac:TaxTotal[1]/cac:TaxSubtotal[2]`; attributes end in `/@name`, text nodes
    /// in `/text()[n]`.
    pub fn path_of(&self, node: NodeId) -> String {
        let mut steps = Vec::new();
        let mut current = node;
        while let Some(parent) = self.parent(current) {
            let step = match self.kind(current) {
                NodeKind::Element if self.kind(parent) == NodeKind::Document => {
                    self.qualified_name(current).into_owned()
                }
                NodeKind::Element => {
                    let position = self
                        .children(parent)
                        .take_while(|&sibling| sibling != current)
                        .filter(|&sibling| {
                            self.kind(sibling) == NodeKind::Element
                                && self.data(sibling).name != NONE
                                && self.expanded_name_id(sibling) == self.expanded_name_id(current)
                        })
                        .count()
                        + 1;
                    format!("{}[{position}]", self.qualified_name(current))
                }
                NodeKind::Attribute => format!("@{}", self.qualified_name(current)),
                kind => {
                    let test = match kind {
                        NodeKind::Text => "text()",
                        NodeKind::Comment => "comment()",
                        _ => "processing-instruction()",
                    };
                    let position = self
                        .children(parent)
                        .take_while(|&sibling| sibling != current)
                        .filter(|&sibling| self.kind(sibling) == kind)
                        .count()
                        + 1;
                    format!("{test}[{position}]")
                }
            };
            steps.push(step);
            current = parent;
        }
        if steps.is_empty() {
            return "/".to_owned();
        }
        let mut path = String::new();
        for step in steps.iter().rev() {
            path.push('/');
            path.push_str(step);
        }
        path
    }
}

/// Iterator over the children of a node.
#[derive(Debug, Clone)]
pub struct Children<'a> {
    doc: &'a Document,
    next: u32,
}

impl Iterator for Children<'_> {
    type Item = NodeId;

    fn next(&mut self) -> Option<NodeId> {
        if self.next == NONE {
            return None;
        }
        let node = NodeId(self.next);
        self.next = self.doc.nodes[self.next as usize].next_sibling;
        Some(node)
    }
}

/// Converts byte offsets (visited in increasing order) into 1-based line and character column.
struct Positions<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: u32,
    column: u32,
}

impl Positions<'_> {
    fn at(&mut self, offset: usize) -> (u32, u32) {
        let offset = offset.min(self.bytes.len());
        if offset < self.offset {
            return self.recount(offset);
        }
        for &byte in &self.bytes[self.offset..offset] {
            if byte == b'\n' {
                self.line += 1;
                self.column = 1;
            } else if byte & 0xC0 != 0x80 {
                self.column += 1;
            }
        }
        self.offset = offset;
        (self.line, self.column)
    }

    fn recount(&self, offset: usize) -> (u32, u32) {
        let mut fresh = Positions { bytes: self.bytes, offset: 0, line: 1, column: 1 };
        fresh.at(offset)
    }
}

struct Builder<'a> {
    source: &'a str,
    positions: Positions<'a>,
    nodes: Vec<NodeData>,
    text: String,
    names: Vec<NameData>,
    namespaces: Vec<Box<str>>,
    names_by_qname: HashMap<Box<str>, Vec<(u32, u32)>>,
    expanded: Vec<ExpandedName>,
    expanded_by_local: HashMap<Box<str>, Vec<(u32, u32)>>,
    elements_by_name: Vec<Vec<NodeId>>,
    /// Open nodes (the document node first) with their last child so far.
    stack: Vec<(u32, u32)>,
    seen_root: bool,
}

impl<'a> Builder<'a> {
    fn new(source: &'a str) -> Self {
        let mut document = NodeData::new(NodeKind::Document, NONE);
        document.line = 1;
        document.column = 1;
        Builder {
            source,
            positions: Positions { bytes: source.as_bytes(), offset: 0, line: 1, column: 1 },
            nodes: Vec::with_capacity(source.len() / 16),
            text: String::with_capacity(source.len() / 2),
            names: Vec::new(),
            namespaces: vec!["".into()],
            names_by_qname: HashMap::new(),
            expanded: Vec::new(),
            expanded_by_local: HashMap::new(),
            elements_by_name: Vec::new(),
            stack: vec![(0, NONE)],
            seen_root: false,
        }
        .with_node(document)
    }

    fn with_node(mut self, node: NodeData) -> Self {
        self.nodes.push(node);
        self
    }

    fn syntax(&mut self, offset: usize, message: impl Into<String>) -> XmlError {
        let (line, column) = self.positions.at(offset);
        XmlError::Syntax { line, column, message: message.into() }
    }

    fn run(mut self) -> Result<Document, XmlError> {
        let mut reader = NsReader::from_str(self.source);
        reader.config_mut().check_end_names = true;
        loop {
            let offset = reader.buffer_position() as usize;
            let (resolved, event) = match reader.read_resolved_event() {
                Ok(pair) => pair,
                Err(error) => {
                    let at = reader.error_position() as usize;
                    return Err(self.syntax(at, error.to_string()));
                }
            };
            match event {
                Event::Start(start) => {
                    let namespace = self.element_namespace(resolved, offset)?;
                    let element = self.open_element(&reader, &start, &namespace, offset)?;
                    self.stack.push((element, NONE));
                }
                Event::Empty(start) => {
                    let namespace = self.element_namespace(resolved, offset)?;
                    let element = self.open_element(&reader, &start, &namespace, offset)?;
                    self.nodes[element as usize].end = self.nodes.len() as u32;
                }
                Event::End(_) => {
                    let (element, _) = self.stack.pop().expect("quick-xml checks end tags");
                    self.nodes[element as usize].end = self.nodes.len() as u32;
                }
                Event::Text(text) => {
                    let content = text.xml10_content();
                    self.push_text(&content, offset)?;
                }
                Event::CData(cdata) => {
                    let content = cdata.xml10_content();
                    self.push_text(&content, offset)?;
                }
                Event::GeneralRef(reference) => {
                    let resolved = match reference.resolve_char_ref() {
                        Ok(Some(character)) => character,
                        Ok(None) => match &*reference.into_inner() {
                            "lt" => '<',
                            "gt" => '>',
                            "amp" => '&',
                            "apos" => '\'',
                            "quot" => '"',
                            other => {
                                let message = format!("unknown entity &{other};");
                                return Err(self.syntax(offset, message));
                            }
                        },
                        Err(error) => return Err(self.syntax(offset, error.to_string())),
                    };
                    let mut buffer = [0u8; 4];
                    self.push_text(resolved.encode_utf8(&mut buffer), offset)?;
                }
                Event::Comment(comment) => {
                    let content = comment.xml10_content();
                    self.push_leaf(NodeKind::Comment, &content, NONE, offset);
                }
                Event::PI(pi) => {
                    let target = pi.target().to_owned();
                    let content = pi.content().trim_start().to_owned();
                    let name = self.intern_name(0, &target, None, &target);
                    self.push_leaf(NodeKind::ProcessingInstruction, &content, name, offset);
                }
                Event::Decl(_) => {}
                Event::DocType(_) => {
                    let (line, column) = self.positions.at(offset);
                    return Err(XmlError::Doctype { line, column });
                }
                Event::Eof => break,
            }
        }
        if self.stack.len() != 1 {
            let end = self.source.len();
            return Err(self.syntax(end, "unexpected end of document: unclosed element"));
        }
        if !self.seen_root {
            return Err(XmlError::NoRootElement);
        }
        if self.nodes.len() >= u32::MAX as usize {
            return Err(XmlError::TooLarge);
        }
        self.nodes[0].end = self.nodes.len() as u32;
        Ok(Document {
            nodes: self.nodes,
            text: self.text,
            names: self.names,
            namespaces: self.namespaces,
            expanded: self.expanded,
            expanded_by_local: self.expanded_by_local,
            elements_by_name: self.elements_by_name,
        })
    }

    fn element_namespace(
        &mut self,
        resolved: ResolveResult<'_>,
        offset: usize,
    ) -> Result<String, XmlError> {
        match resolved {
            ResolveResult::Bound(namespace) => Ok(namespace.0.to_owned()),
            ResolveResult::Unbound => Ok(String::new()),
            ResolveResult::Unknown(prefix) => {
                let message = format!("undeclared namespace prefix `{prefix}`");
                Err(self.syntax(offset, message))
            }
        }
    }

    fn namespace_id(&mut self, uri: &str) -> u32 {
        if let Some(index) = self.namespaces.iter().position(|known| &**known == uri) {
            return index as u32;
        }
        self.namespaces.push(uri.into());
        (self.namespaces.len() - 1) as u32
    }

    fn intern_name(&mut self, ns: u32, qname: &str, prefix: Option<&str>, local: &str) -> u32 {
        if let Some(entries) = self.names_by_qname.get(qname)
            && let Some(&(_, id)) = entries.iter().find(|(known, _)| *known == ns)
        {
            return id;
        }
        let expanded = match self
            .expanded_by_local
            .get(local)
            .and_then(|entries| entries.iter().find(|(known, _)| *known == ns))
        {
            Some(&(_, id)) => id,
            None => {
                let id = self.expanded.len() as u32;
                self.expanded.push(ExpandedName { ns, local: local.into() });
                self.elements_by_name.push(Vec::new());
                self.expanded_by_local.entry(local.into()).or_default().push((ns, id));
                id
            }
        };
        let id = self.names.len() as u32;
        self.names.push(NameData {
            ns,
            local: local.into(),
            prefix: prefix.map(Into::into),
            expanded,
        });
        self.names_by_qname.entry(qname.into()).or_default().push((ns, id));
        id
    }

    fn append_child(&mut self, node: NodeData) -> u32 {
        let id = self.nodes.len() as u32;
        self.nodes.push(node);
        let (parent, last) = self.stack.last_mut().expect("the document node is always open");
        if *last == NONE {
            self.nodes[*parent as usize].first_child = id;
        } else {
            self.nodes[*last as usize].next_sibling = id;
        }
        *last = id;
        id
    }

    fn open_element(
        &mut self,
        reader: &NsReader<&[u8]>,
        start: &BytesStart<'_>,
        namespace: &str,
        offset: usize,
    ) -> Result<u32, XmlError> {
        if self.stack.len() == 1 {
            if self.seen_root {
                return Err(self.syntax(offset, "more than one root element"));
            }
            self.seen_root = true;
        }
        let qname = start.name().into_inner().to_owned();
        let (prefix, local) = split_qname(&qname);
        let ns = self.namespace_id(namespace);
        let name = self.intern_name(ns, &qname, prefix, local);
        let (line, column) = self.positions.at(offset);
        let parent = self.stack.last().map_or(NONE, |&(parent, _)| parent);
        let mut element = NodeData::new(NodeKind::Element, parent);
        element.name = name;
        element.line = line;
        element.column = column;
        let id = self.append_child(element);
        let expanded = self.names[name as usize].expanded;
        self.elements_by_name[expanded as usize].push(NodeId(id));

        let mut attr_count = 0;
        for attribute in start.attributes() {
            let attribute = match attribute {
                Ok(attribute) => attribute,
                Err(error) => return Err(self.syntax(offset, error.to_string())),
            };
            let key = attribute.key.into_inner();
            if key == "xmlns" || key.starts_with("xmlns:") {
                continue;
            }
            let (resolved, _) = reader.resolver().resolve_attribute(attribute.key);
            let attr_ns = match resolved {
                ResolveResult::Bound(namespace) => namespace.0.to_owned(),
                ResolveResult::Unbound => String::new(),
                ResolveResult::Unknown(prefix) => {
                    let message = format!("undeclared namespace prefix `{prefix}`");
                    return Err(self.syntax(offset, message));
                }
            };
            let attr_qname = key.to_owned();
            let value = match attribute.normalized_value(XmlVersion::Implicit1_0) {
                Ok(value) => value,
                Err(error) => return Err(self.syntax(offset, error.to_string())),
            };
            let (attr_prefix, attr_local) = split_qname(&attr_qname);
            let attr_ns = self.namespace_id(&attr_ns);
            let attr_name = self.intern_name(attr_ns, &attr_qname, attr_prefix, attr_local);
            let mut node = NodeData::new(NodeKind::Attribute, id);
            node.name = attr_name;
            node.line = line;
            node.column = column;
            node.text_start = self.text.len() as u32;
            node.text_len = value.len() as u32;
            self.text.push_str(&value);
            let attr_id = self.nodes.len() as u32;
            node.end = attr_id + 1;
            self.nodes.push(node);
            attr_count += 1;
        }
        self.nodes[id as usize].attr_count = attr_count;
        Ok(id)
    }

    fn push_text(&mut self, content: &str, offset: usize) -> Result<(), XmlError> {
        if content.is_empty() {
            return Ok(());
        }
        if self.stack.len() == 1 {
            if content.chars().all(|c| matches!(c, ' ' | '\t' | '\r' | '\n')) {
                return Ok(());
            }
            return Err(self.syntax(offset, "text outside the root element"));
        }
        let &(_, last) = self.stack.last().expect("an element is open");
        if last != NONE && last as usize == self.nodes.len() - 1 {
            let previous = &mut self.nodes[last as usize];
            if previous.kind == NodeKind::Text {
                previous.text_len += content.len() as u32;
                previous.end = last + 1;
                self.text.push_str(content);
                return Ok(());
            }
        }
        self.push_leaf(NodeKind::Text, content, NONE, offset);
        Ok(())
    }

    fn push_leaf(&mut self, kind: NodeKind, content: &str, name: u32, offset: usize) {
        let parent = self.stack.last().map_or(NONE, |&(parent, _)| parent);
        let (line, column) = self.positions.at(offset);
        let mut node = NodeData::new(kind, parent);
        node.name = name;
        node.line = line;
        node.column = column;
        node.text_start = self.text.len() as u32;
        node.text_len = content.len() as u32;
        node.end = self.nodes.len() as u32 + 1;
        self.text.push_str(content);
        self.append_child(node);
    }
}

fn split_qname(qname: &str) -> (Option<&str>, &str) {
    match qname.split_once(':') {
        Some((prefix, local)) => (Some(prefix), local),
        None => (None, qname),
    }
}
