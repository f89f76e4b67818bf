//! The arena DOM: a parsed XML document (elements, attributes, text, comments, processing instructions)
//! stored in document order, with namespace-resolved names, source positions and a per-name element index.
//! Parsing itself is in `xml`.

use foldhash::{HashMap, HashMapExt};
use std::borrow::Cow;

use bytes::Bytes;
use bytestring::ByteString;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::error::XmlError;
use cie_domain::encoding::EncodingError;

pub(crate) const NONE: u32 = u32::MAX;

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

/// An expanded name a caller looks for often (our own rules: a line's `cbc:LineExtensionAmount`), with its
/// process-wide key, so that [`Document::child_known`] compares ids instead of looking the name up each time.
/// Make it before parsing the documents it is used on (e.g. in a `LazyLock` the caller forces first);
/// documents parsed earlier fall back to comparing names.
#[derive(Debug, Clone, Copy)]
pub struct KnownName {
    namespace_uri: &'static str,
    local_name: &'static str,
    key: crate::NameKey,
}

impl KnownName {
    /// The name `local_name` in `namespace_uri`.
    pub fn new(namespace_uri: &'static str, local_name: &'static str) -> KnownName {
        KnownName {
            namespace_uri,
            local_name,
            key: crate::NameKey::intern(namespace_uri, local_name),
        }
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

/// Bits of [`NodeData::kind_count`] that hold the count; the kind is in the three above.
const COUNT_BITS: u32 = 29;
const COUNT_MASK: u32 = (1 << COUNT_BITS) - 1;
/// Longest source accepted, so that every content length fits in [`COUNT_BITS`] (512 MiB).
pub(crate) const MAX_SOURCE_BYTES: usize = COUNT_MASK as usize;

/// A node record (24 bytes: a UBL document has a node per 16 or so bytes of text). Children and siblings are
/// not linked: the children of a node are the subtrees that follow its attributes up to its `end`, each
/// starting where the previous one ends.
#[derive(Debug, Clone)]
pub(crate) struct NodeData {
    pub(crate) parent: u32,
    /// One past the last node of the subtree (attributes and descendants).
    pub(crate) end: u32,
    /// Name id of an element, attribute or processing instruction, `NONE` for other nodes.
    pub(crate) name: u32,
    /// Byte offset in the source where the node starts (`<` of an element's start tag; the element's for an
    /// attribute).
    pub(crate) offset: u32,
    /// The next element sibling of an element (`NONE` if none). Where the content of a text, attribute,
    /// comment or processing-instruction node starts: below the source length in the source, else in the
    /// document's extra text (content that is not in the source as is: references resolved, line ends or
    /// attribute values normalised).
    pub(crate) text: u32,
    /// The kind (top three bits) and the count: the number of attributes of an element, the content length
    /// in bytes of other nodes.
    kind_count: u32,
}

impl NodeKind {
    /// By the three bits [`NodeData::kind_count`] keeps the kind in: eight entries, so that looking one up
    /// needs no bounds check (the last two are never stored).
    const BY_BITS: [NodeKind; 8] = [
        NodeKind::Document,
        NodeKind::Element,
        NodeKind::Attribute,
        NodeKind::Text,
        NodeKind::Comment,
        NodeKind::ProcessingInstruction,
        NodeKind::ProcessingInstruction,
        NodeKind::ProcessingInstruction,
    ];
}

impl NodeData {
    pub(crate) fn new(kind: NodeKind, parent: u32) -> Self {
        NodeData {
            parent,
            end: 0,
            name: NONE,
            offset: 0,
            text: if kind == NodeKind::Element { NONE } else { 0 },
            kind_count: (kind as u32) << COUNT_BITS,
        }
    }

    pub(crate) fn kind(&self) -> NodeKind {
        NodeKind::BY_BITS[(self.kind_count >> COUNT_BITS) as usize]
    }

    /// The number of attributes of an element, the content length in bytes of other nodes.
    pub(crate) fn count(&self) -> u32 {
        self.kind_count & COUNT_MASK
    }

    /// Sets [`NodeData::count`] (below [`MAX_SOURCE_BYTES`], which the parser makes sure of).
    pub(crate) fn set_count(&mut self, count: u32) {
        self.kind_count = (self.kind_count & !COUNT_MASK) | (count & COUNT_MASK);
    }

    fn attr_count(&self) -> u32 {
        if self.kind() == NodeKind::Element {
            self.count()
        } else {
            0
        }
    }
}

/// A name as written: `prefix:local` or `local` at `start` in the source.
#[derive(Debug, Clone)]
pub(crate) struct NameData {
    pub(crate) ns: u32,
    pub(crate) start: u32,
    /// 0 when the name has no prefix.
    pub(crate) prefix_len: u32,
    pub(crate) local_len: u32,
    pub(crate) expanded: u32,
    /// Process-wide name id (see `names`) of the expanded name, `NONE` if unknown.
    pub(crate) global: u32,
}

impl NameData {
    pub(crate) fn local_start(&self) -> usize {
        let prefix = self.prefix_len as usize;
        self.start as usize + if prefix == 0 { 0 } else { prefix + 1 }
    }
}

/// An expanded name, its local name at `start` in the source.
#[derive(Debug, Clone)]
pub(crate) struct ExpandedName {
    pub(crate) ns: u32,
    pub(crate) start: u32,
    pub(crate) len: u32,
}

/// Everything the parser produces.
pub(crate) struct DocumentParts {
    pub(crate) nodes: Vec<NodeData>,
    pub(crate) extra_text: String,
    pub(crate) names: Vec<NameData>,
    pub(crate) namespaces: Vec<Box<str>>,
    pub(crate) expanded: Vec<ExpandedName>,
}

/// How many line look-ups count line ends from the start before the document builds its line index: a
/// document with a few findings never needs the index, one with many would scan its text once a finding.
const UNINDEXED_LINE_LOOKUPS: u32 = 8;

/// A counter taken down by one at a time, shared by the threads reading a document.
#[derive(Debug)]
struct Countdown(AtomicU32);

impl Countdown {
    fn new(count: u32) -> Self {
        Countdown(AtomicU32::new(count))
    }

    /// Takes one if any is left.
    fn take_one(&self) -> bool {
        self.0
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                left.checked_sub(1)
            })
            .is_ok()
    }
}

impl Clone for Countdown {
    fn clone(&self) -> Self {
        Countdown::new(self.0.load(Ordering::Relaxed))
    }
}

/// A parsed XML document.
#[derive(Debug, Clone)]
pub struct Document {
    /// The text after any byte order mark: the caller's bytes, or their transcoding into UTF-8.
    source: ByteString,
    line_starts: OnceLock<Vec<u32>>,
    /// Line look-ups left before [`Document::line_starts`] is built.
    unindexed_line_lookups: Countdown,
    nodes: Vec<NodeData>,
    extra_text: String,
    names: Vec<NameData>,
    namespaces: Vec<Box<str>>,
    expanded: Vec<ExpandedName>,
    /// Built on first use.
    expanded_by_local: OnceLock<ByLocalName>,
    /// The elements of expanded name `n` are `elements_by_name[by_name_start[n]..by_name_start[n + 1]]`, in
    /// document order.
    by_name_start: Vec<u32>,
    elements_by_name: Vec<NodeId>,
    /// For elements with many element children: their children grouped by expanded name id.
    wide_children: Vec<(u32, HashMap<u32, Vec<NodeId>>)>,
    /// Expanded name id for each process-wide name id below `interned`.
    by_global_id: Vec<u32>,
    /// Number of process-wide name ids when the document was parsed.
    interned: u32,
}

const WIDE: usize = 32;

/// Local name → (namespace id, expanded name id).
type ByLocalName = HashMap<Box<str>, Vec<(u32, u32)>>;

/// The default of [`ParseLimits::max_attributes`], the same as the UBL reader's.
pub const DEFAULT_MAX_ATTRIBUTES: usize = 256;

/// Bounds on what [`Document::parse_with`] accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseLimits {
    /// Most attributes (namespace declarations included) accepted on one element.
    pub max_attributes: usize,
    /// Deepest accepted element nesting; the root element is at depth 1.
    pub max_depth: usize,
    /// Longest accepted element or attribute name, in bytes.
    pub max_name_bytes: usize,
}

impl Default for ParseLimits {
    /// [`DEFAULT_MAX_ATTRIBUTES`] attributes per element, 64 levels of nesting (UBL documents nest fewer
    /// than 15) and names of up to 1,024 bytes: the UBL reader's limits.
    fn default() -> Self {
        Self {
            max_attributes: DEFAULT_MAX_ATTRIBUTES,
            max_depth: 64,
            max_name_bytes: 1024,
        }
    }
}

impl Document {
    /// Parses a UTF-8 XML document (an initial byte order mark is skipped). Entity references are limited to
    /// the five predefined entities and character references; a DOCTYPE is refused.
    pub fn parse(bytes: &[u8]) -> Result<Document, XmlError> {
        Self::parse_with(bytes, &ParseLimits::default())
    }

    /// [`Document::parse`] within `limits`. The document keeps a copy of `bytes`; see
    /// [`Document::parse_shared_with`] for one that shares them.
    pub fn parse_with(bytes: &[u8], limits: &ParseLimits) -> Result<Document, XmlError> {
        Self::parse_shared_with(Bytes::copy_from_slice(bytes), limits)
    }

    /// [`Document::parse_with`] on bytes the document keeps without copying them when they are UTF-8 (the
    /// text of a node is then a slice of the caller's buffer: a large document costs its nodes, not a second
    /// copy of itself).
    pub fn parse_shared_with(bytes: Bytes, limits: &ParseLimits) -> Result<Document, XmlError> {
        let decoded = match cie_domain::encoding::to_utf8(&bytes) {
            Ok(Cow::Borrowed(_)) => bytes,
            Ok(Cow::Owned(transcoded)) => Bytes::from(transcoded),
            Err(EncodingError::Unsupported { encoding }) => {
                return Err(XmlError::UnsupportedEncoding { encoding });
            }
            Err(EncodingError::Invalid { encoding, offset }) => {
                let before = cie_domain::encoding::text_before(&bytes, offset);
                let (line, column, path) = crate::xml::place_at_end(&before, limits);
                return Err(XmlError::InvalidEncoding {
                    encoding,
                    offset,
                    line,
                    column,
                    path,
                });
            }
        };
        let bom = if decoded.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        let source = ByteString::try_from(decoded.slice(bom..)).map_err(|error| {
            let valid = &decoded[bom..bom + error.valid_up_to()];
            let before = std::str::from_utf8(valid).unwrap_or_default();
            let (line, column, path) = crate::xml::place_at_end(before, limits);
            XmlError::NotUtf8 {
                offset: bom + error.valid_up_to(),
                line,
                column,
                path,
            }
        })?;
        if source.len() >= MAX_SOURCE_BYTES {
            return Err(XmlError::TooLarge);
        }
        let parts = crate::xml::parse(&source, limits)?;
        let document = Document {
            source,
            line_starts: OnceLock::new(),
            unindexed_line_lookups: Countdown::new(UNINDEXED_LINE_LOOKUPS),
            nodes: parts.nodes,
            extra_text: parts.extra_text,
            names: parts.names,
            namespaces: parts.namespaces,
            expanded: parts.expanded,
            expanded_by_local: OnceLock::new(),
            by_name_start: Vec::new(),
            elements_by_name: Vec::new(),
            wide_children: Vec::new(),
            by_global_id: Vec::new(),
            interned: 0,
        };
        Ok(document
            .index_names()
            .index_wide_elements()
            .resolve_global_names())
    }

    fn index_names(mut self) -> Self {
        let mut start = vec![0u32; self.expanded.len() + 1];
        for node in &self.nodes {
            if node.kind() == NodeKind::Element {
                start[self.names[node.name as usize].expanded as usize + 1] += 1;
            }
        }
        for index in 1..start.len() {
            start[index] += start[index - 1];
        }
        let mut next = start.clone();
        let mut by_name = vec![NodeId(0); start[start.len() - 1] as usize];
        for (index, node) in self.nodes.iter().enumerate() {
            if node.kind() == NodeKind::Element {
                let slot = &mut next[self.names[node.name as usize].expanded as usize];
                by_name[*slot as usize] = NodeId(index as u32);
                *slot += 1;
            }
        }
        self.by_name_start = start;
        self.elements_by_name = by_name;
        self
    }

    fn resolve_global_names(mut self) -> Self {
        let (interned, global_ids) = crate::names::resolve(self.expanded.iter().map(|name| {
            (
                &*self.namespaces[name.ns as usize],
                self.expanded_local(name),
            )
        }));
        let mut by_global_id = vec![NONE; interned as usize];
        for (expanded, &global) in global_ids.iter().enumerate() {
            if global != NONE {
                by_global_id[global as usize] = expanded as u32;
            }
        }
        for name in &mut self.names {
            name.global = global_ids[name.expanded as usize];
        }
        self.by_global_id = by_global_id;
        self.interned = interned;
        self
    }

    /// Whether an element or attribute has the name of a compiled name test (`id` from the process-wide name
    /// table), comparing ids when the document knows the id and strings otherwise.
    pub(crate) fn matches_name(
        &self,
        node: NodeId,
        id: u32,
        namespace_uri: &str,
        local_name: &str,
    ) -> bool {
        if id < self.interned {
            return self.global_name(node) == id;
        }
        self.has_name(node, namespace_uri, local_name)
    }

    /// The element children of `parent` whose process-wide name id is `id`, when the document resolved its
    /// names against that id (see [`Document::matches_name`]); `None` otherwise.
    pub(crate) fn element_children_with_id(
        &self,
        parent: NodeId,
        id: u32,
    ) -> Option<impl Iterator<Item = NodeId> + '_> {
        (id < self.interned).then(|| {
            self.element_children(parent)
                .filter(move |&child| self.global_name(child) == id)
        })
    }

    fn global_name(&self, node: NodeId) -> u32 {
        match self.data(node).name {
            NONE => NONE,
            name => self.names[name as usize].global,
        }
    }

    /// The document's expanded name id for a compiled name test.
    pub(crate) fn expanded_for_test(
        &self,
        id: u32,
        namespace_uri: &str,
        local_name: &str,
    ) -> Option<u32> {
        if id < self.interned {
            let expanded = self.by_global_id[id as usize];
            return (expanded != NONE).then_some(expanded);
        }
        self.lookup_expanded_name(namespace_uri, local_name)
    }

    fn index_wide_elements(mut self) -> Self {
        let mut wide = Vec::new();
        for (index, data) in self.nodes.iter().enumerate() {
            if data.kind() != NodeKind::Element || data.end as usize - index <= WIDE {
                continue;
            }
            let parent = NodeId(index as u32);
            let elements = self.element_children(parent).count();
            if elements < WIDE {
                continue;
            }
            let mut groups: HashMap<u32, Vec<NodeId>> = HashMap::new();
            for child in self.element_children(parent) {
                if let Some(name) = self.expanded_name_id(child) {
                    groups.entry(name).or_default().push(child);
                }
            }
            wide.push((index as u32, groups));
        }
        self.wide_children = wide;
        self
    }

    /// The element children of `parent` with this namespace URI and local name, when `parent` has so many
    /// children that they are indexed; `None` otherwise (scan the children instead).
    pub(crate) fn children_named(
        &self,
        parent: NodeId,
        id: u32,
        namespace_uri: &str,
        local_name: &str,
    ) -> Option<&[NodeId]> {
        let groups = self.indexed_children(parent)?;
        let name = self.expanded_for_test(id, namespace_uri, local_name);
        Some(
            name.and_then(|name| groups.get(&name))
                .map_or(&[], Vec::as_slice),
        )
    }

    /// The element children of `parent` grouped by expanded name id, when `parent` has so many children
    /// that they are indexed.
    fn indexed_children(&self, parent: NodeId) -> Option<&HashMap<u32, Vec<NodeId>>> {
        let at = self
            .wide_children
            .binary_search_by_key(&parent.0, |(node, _)| *node)
            .ok()?;
        Some(&self.wide_children[at].1)
    }

    /// The document node.
    pub fn root(&self) -> NodeId {
        NodeId(0)
    }

    /// The document element.
    pub fn document_element(&self) -> Option<NodeId> {
        self.children(self.root())
            .find(|&child| self.kind(child) == NodeKind::Element)
    }

    /// Number of nodes (all kinds, the document node included).
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Number of elements.
    pub fn element_count(&self) -> usize {
        self.elements_by_name.len()
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
        self.data(node).kind()
    }

    /// The parent (the owner element for an attribute); `None` for the document node.
    pub fn parent(&self, node: NodeId) -> Option<NodeId> {
        let parent = self.data(node).parent;
        (parent != NONE).then_some(NodeId(parent))
    }

    /// The first child (attributes are not children).
    pub fn first_child(&self, node: NodeId) -> Option<NodeId> {
        let data = self.data(node);
        let child = node.raw() + 1 + data.attr_count();
        (child < data.end).then_some(NodeId(child))
    }

    /// The next sibling (attributes have none).
    pub fn next_sibling(&self, node: NodeId) -> Option<NodeId> {
        let data = self.data(node);
        if data.kind() == NodeKind::Attribute || data.parent == NONE {
            return None;
        }
        let next = data.end;
        (next < self.nodes[data.parent as usize].end).then_some(NodeId(next))
    }

    /// The children in document order.
    pub fn children(&self, node: NodeId) -> Children<'_> {
        let data = self.data(node);
        Children {
            doc: self,
            next: node.raw() + 1 + data.attr_count(),
            stop: data.end,
        }
    }

    /// The first element child of `node` with this expanded name.
    pub fn child_named(
        &self,
        node: NodeId,
        namespace_uri: &str,
        local_name: &str,
    ) -> Option<NodeId> {
        let expanded = self.lookup_expanded_name(namespace_uri, local_name)?;
        self.child_with_expanded(node, expanded)
    }

    /// [`Document::child_named`] for a name known in advance: found through its process-wide key, without
    /// looking the name up.
    pub fn child_known(&self, node: NodeId, name: &KnownName) -> Option<NodeId> {
        self.child_with_expanded(node, self.expanded_known(name)?)
    }

    /// [`Document::element_children_named`] for a name known in advance.
    pub fn children_known<'d>(
        &'d self,
        node: NodeId,
        name: &KnownName,
    ) -> impl Iterator<Item = NodeId> + 'd {
        self.element_children_expanded(node, self.expanded_known(name))
    }

    /// The document's expanded name id for a known name.
    fn expanded_known(&self, name: &KnownName) -> Option<u32> {
        self.expanded_for_test(name.key.index() as u32, name.namespace_uri, name.local_name)
    }

    /// Whether `node` is an element or attribute with this name.
    pub fn has_known_name(&self, node: NodeId, name: &KnownName) -> bool {
        self.matches_name(
            node,
            name.key.index() as u32,
            name.namespace_uri,
            name.local_name,
        )
    }

    fn child_with_expanded(&self, node: NodeId, expanded: u32) -> Option<NodeId> {
        if let Some(groups) = self.indexed_children(node) {
            return groups
                .get(&expanded)
                .and_then(|group| group.first().copied());
        }
        self.element_children(node)
            .find(|&child| self.expanded_name_id(child) == Some(expanded))
    }

    /// The element children of `node` with this expanded name, in document order.
    pub fn element_children_named<'d>(
        &'d self,
        node: NodeId,
        namespace_uri: &'d str,
        local_name: &'d str,
    ) -> impl Iterator<Item = NodeId> + 'd {
        self.element_children_expanded(node, self.lookup_expanded_name(namespace_uri, local_name))
    }

    /// The element children of `node` whose expanded name id is `expanded` (none for `None`).
    fn element_children_expanded(
        &self,
        node: NodeId,
        expanded: Option<u32>,
    ) -> impl Iterator<Item = NodeId> + '_ {
        self.element_children(node)
            .filter(move |&child| expanded.is_some() && self.expanded_name_id(child) == expanded)
    }

    /// The element children in document order.
    pub fn element_children(&self, node: NodeId) -> ElementChildren<'_> {
        let data = self.data(node);
        let mut children = ElementChildren {
            doc: self,
            next: node.raw() + 1 + data.attr_count(),
            stop: data.end,
        };
        children.skip_other_nodes();
        children
    }

    /// The attributes of an element in document order (empty for other nodes).
    pub fn attributes(&self, node: NodeId) -> impl ExactSizeIterator<Item = NodeId> + use<> {
        let start = node.raw() + 1;
        (start..start + self.data(node).attr_count()).map(NodeId)
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
            name => self.name_local(&self.names[name as usize]),
        }
    }

    fn name_local(&self, name: &NameData) -> &str {
        let start = name.local_start();
        &self.source[start..start + name.local_len as usize]
    }

    fn expanded_local(&self, name: &ExpandedName) -> &str {
        let start = name.start as usize;
        &self.source[start..start + name.len as usize]
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
            name => {
                let name = &self.names[name as usize];
                let start = name.start as usize;
                (name.prefix_len != 0)
                    .then(|| &self.source[start..start + name.prefix_len as usize])
            }
        }
    }

    /// The length in bytes of [`Document::qualified_name`], without building it.
    pub fn qualified_name_len(&self, node: NodeId) -> usize {
        match self.data(node).name {
            NONE => 0,
            name => {
                let name = &self.names[name as usize];
                let prefix = name.prefix_len as usize;
                name.local_len as usize + if prefix == 0 { 0 } else { prefix + 1 }
            }
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
                self.name_local(name) == local_name
                    && &*self.namespaces[name.ns as usize] == namespace_uri
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

    /// The process-wide key of an element's or attribute's expanded name, when that key was interned before
    /// the document was parsed (`None` otherwise: compare names with [`Document::has_name`] then).
    pub fn name_key(&self, node: NodeId) -> Option<crate::NameKey> {
        let global = self.global_name(node);
        (global != NONE).then(|| crate::NameKey::from_id(global))
    }

    /// Number of distinct names as written (the bound of [`Document::name_id`]).
    pub fn name_count(&self) -> usize {
        self.names.len()
    }

    /// The expanded names used in this document: `(id, namespace URI, local name)`.
    pub fn expanded_names(&self) -> impl Iterator<Item = (u32, &str, &str)> {
        self.expanded.iter().enumerate().map(|(id, name)| {
            (
                id as u32,
                &*self.namespaces[name.ns as usize],
                self.expanded_local(name),
            )
        })
    }

    /// The id of an expanded name, if some element or attribute of the document has it.
    pub fn lookup_expanded_name(&self, namespace_uri: &str, local_name: &str) -> Option<u32> {
        // A name that had a process-wide id when the document was parsed is found through it; the table of
        // the document's own names is built only for the others.
        if let Some(global) = crate::names::lookup(namespace_uri, local_name)
            && let Some(&expanded) = self.by_global_id.get(global as usize)
        {
            return (expanded != NONE).then_some(expanded);
        }
        self.expanded_by_local
            .get_or_init(|| {
                let mut by_local = ByLocalName::with_capacity(self.expanded.len());
                for (id, name) in self.expanded.iter().enumerate() {
                    by_local
                        .entry(self.expanded_local(name).into())
                        .or_default()
                        .push((name.ns, id as u32));
                }
                by_local
            })
            .get(local_name)?
            .iter()
            .find(|(ns, _)| &*self.namespaces[*ns as usize] == namespace_uri)
            .map(|&(_, id)| id)
    }

    /// Every element with this expanded name id, in document order.
    pub fn elements_with_name(&self, expanded_name_id: u32) -> &[NodeId] {
        let id = expanded_name_id as usize;
        match (self.by_name_start.get(id), self.by_name_start.get(id + 1)) {
            (Some(&from), Some(&to)) => &self.elements_by_name[from as usize..to as usize],
            _ => &[],
        }
    }

    /// The document's text as parsed: UTF-8 (transcoded when it was in another encoding), after any byte
    /// order mark; [`Document::source_offset`] points into it.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The byte offset in [`Document::source`] where a node starts: the `<` of an element's start tag (an
    /// attribute gives its element's).
    pub fn source_offset(&self, node: NodeId) -> usize {
        self.data(node).offset as usize
    }

    /// The content of a text, attribute, comment or processing-instruction node; `None` for elements and the
    /// document node.
    pub fn text(&self, node: NodeId) -> Option<&str> {
        let data = self.data(node);
        match data.kind() {
            NodeKind::Text
            | NodeKind::Attribute
            | NodeKind::Comment
            | NodeKind::ProcessingInstruction => Some(self.slice(data)),
            NodeKind::Element | NodeKind::Document => None,
        }
    }

    fn slice(&self, data: &NodeData) -> &str {
        let start = data.text as usize;
        let end = start + data.count() as usize;
        match start.checked_sub(self.source.len()) {
            None => &self.source[start..end],
            Some(extra) => &self.extra_text[extra..end - self.source.len()],
        }
    }

    /// The XPath string value: the concatenated descendant text of an element or the document, the content
    /// of other nodes.
    pub fn string_value(&self, node: NodeId) -> Cow<'_, str> {
        let data = self.data(node);
        match data.kind() {
            NodeKind::Element | NodeKind::Document => {
                let first = node.raw() + 1 + data.attr_count();
                if first >= data.end {
                    return Cow::Borrowed("");
                }
                let first_data = &self.nodes[first as usize];
                if first_data.end == data.end {
                    match first_data.kind() {
                        NodeKind::Text => return Cow::Borrowed(self.slice(first_data)),
                        NodeKind::Comment | NodeKind::ProcessingInstruction => {
                            return Cow::Borrowed("");
                        }
                        _ => {}
                    }
                }
                let mut value = String::new();
                for descendant in &self.nodes[node.index() + 1..data.end as usize] {
                    if descendant.kind() == NodeKind::Text {
                        value.push_str(self.slice(descendant));
                    }
                }
                Cow::Owned(value)
            }
            _ => Cow::Borrowed(self.slice(data)),
        }
    }

    /// Whether the string value of an element or the document has nothing but XML white space, checked in
    /// place.
    pub(crate) fn string_value_is_blank(&self, node: NodeId) -> bool {
        let data = self.data(node);
        let first = node.index() + 1 + data.attr_count() as usize;
        let source = self.source.as_bytes();
        let extra = self.extra_text.as_bytes();
        self.nodes[first.min(data.end as usize)..data.end as usize]
            .iter()
            .filter(|descendant| descendant.kind() == NodeKind::Text)
            .all(|text| {
                let start = text.text as usize;
                let end = start + text.count() as usize;
                let bytes = match start.checked_sub(source.len()) {
                    None => &source[start..end],
                    Some(at) => &extra[at..end - source.len()],
                };
                bytes
                    .iter()
                    .all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
            })
    }

    /// The value of the attribute with this namespace URI (`""` for none) and local name.
    pub fn attribute(
        &self,
        element: NodeId,
        namespace_uri: &str,
        local_name: &str,
    ) -> Option<&str> {
        self.attributes(element)
            .find(|&attribute| self.has_name(attribute, namespace_uri, local_name))
            .map(|attribute| self.slice(self.data(attribute)))
    }

    /// The 1-based line and column of an element's start tag (`<`); an attribute reports its element's, other
    /// nodes the position where they start. Columns count characters, not bytes. Computed on demand: the
    /// first few look-ups count line ends up to the node, later ones use an index of every line's start.
    pub fn line_column(&self, node: NodeId) -> (u32, u32) {
        let offset = self.data(node).offset as usize;
        let bytes = self.source.as_bytes();
        let (line, line_start) = match self.line_starts.get() {
            Some(starts) => Self::indexed_line(starts, offset),
            None if self.unindexed_line_lookups.take_one() => {
                return crate::xml::position_of(bytes, offset);
            }
            None => Self::indexed_line(
                self.line_starts.get_or_init(|| {
                    let mut starts = vec![0u32];
                    starts.extend(memchr::memchr_iter(b'\n', bytes).map(|at| at as u32 + 1));
                    starts
                }),
                offset,
            ),
        };
        (
            line as u32,
            crate::xml::column_in_line(&bytes[line_start..offset]),
        )
    }

    /// The 1-based line holding `offset`, and the offset its line starts at.
    fn indexed_line(starts: &[u32], offset: usize) -> (usize, usize) {
        let line = starts.partition_point(|&start| start as usize <= offset);
        (line, starts[line - 1] as usize)
    }

    /// A path from the root naming each step as written with its 1-based position among the siblings of the
    /// same name, e.g. `/Invoice/cac:TaxTotal[1]/cac:TaxSubtotal[2]`; attributes end in `/@name`, text nodes
    /// in `/text()[n]`.
    pub fn path_of(&self, node: NodeId) -> String {
        use std::fmt::Write;
        let mut chain = Vec::new();
        let mut current = node;
        while let Some(parent) = self.parent(current) {
            chain.push((current, parent));
            current = parent;
        }
        if chain.is_empty() {
            return "/".to_owned();
        }
        let mut path = String::with_capacity(chain.len() * 24);
        for &(current, parent) in chain.iter().rev() {
            path.push('/');
            match self.kind(current) {
                NodeKind::Element if self.kind(parent) == NodeKind::Document => {
                    path.push_str(&self.qualified_name(current));
                }
                NodeKind::Element => {
                    let name = self.expanded_name_id(current);
                    let position = self
                        .element_children(parent)
                        .take_while(|&sibling| sibling != current)
                        .filter(|&sibling| {
                            self.data(sibling).name != NONE
                                && self.expanded_name_id(sibling) == name
                        })
                        .count()
                        + 1;
                    let _ = write!(path, "{}[{position}]", self.qualified_name(current));
                }
                NodeKind::Attribute => {
                    path.push('@');
                    path.push_str(&self.qualified_name(current));
                }
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
                    let _ = write!(path, "{test}[{position}]");
                }
            }
        }
        path
    }
}

/// Iterator over the element children of a node.
#[derive(Debug, Clone)]
pub struct ElementChildren<'a> {
    doc: &'a Document,
    next: u32,
    stop: u32,
}

impl ElementChildren<'_> {
    /// Moves to the first element from `next` on.
    fn skip_other_nodes(&mut self) {
        while self.next < self.stop {
            let data = &self.doc.nodes[self.next as usize];
            if data.kind() == NodeKind::Element {
                return;
            }
            self.next = data.end;
        }
    }
}

impl Iterator for ElementChildren<'_> {
    type Item = NodeId;

    fn next(&mut self) -> Option<NodeId> {
        if self.next >= self.stop {
            return None;
        }
        let node = NodeId(self.next);
        self.next = self.doc.nodes[self.next as usize].text;
        Some(node)
    }
}

/// Iterator over the children of a node.
#[derive(Debug, Clone)]
pub struct Children<'a> {
    doc: &'a Document,
    next: u32,
    stop: u32,
}

impl Iterator for Children<'_> {
    type Item = NodeId;

    fn next(&mut self) -> Option<NodeId> {
        if self.next >= self.stop {
            return None;
        }
        let node = NodeId(self.next);
        self.next = self.doc.nodes[self.next as usize].end;
        Some(node)
    }
}

#[cfg(test)]
mod tests {
    use super::{Document, NodeData, NodeId, NodeKind};

    /// The text of `parent`'s first child named `{namespace}local`.
    fn first_child_text(
        doc: &Document,
        parent: NodeId,
        namespace: &str,
        local: &str,
    ) -> Option<String> {
        doc.child_named(parent, namespace, local)
            .map(|node| doc.string_value(node).into_owned())
    }

    #[test]
    fn children_are_found_by_expanded_name_whatever_their_prefix() {
        let doc = Document::parse(
            br#"<r xmlns:a="urn:a" xmlns:b="urn:b" xmlns:c="urn:a"><b:x>1</b:x><a:x>2</a:x><c:x>3</c:x><a:y/></r>"#,
        )
        .unwrap();
        let root = doc.document_element().unwrap();
        assert_eq!(
            first_child_text(&doc, root, "urn:a", "x").as_deref(),
            Some("2")
        );
        assert_eq!(
            first_child_text(&doc, root, "urn:b", "x").as_deref(),
            Some("1")
        );
        let both: Vec<String> = doc
            .element_children_named(root, "urn:a", "x")
            .map(|node| doc.string_value(node).into_owned())
            .collect();
        assert_eq!(both, ["2", "3"]);
        assert_eq!(doc.child_named(root, "urn:b", "y"), None);
        assert_eq!(doc.child_named(root, "urn:z", "x"), None);
        assert_eq!(doc.element_children_named(root, "", "x").count(), 0);

        // A parent with enough children to be indexed answers from its index, the same.
        let many: String = (0..super::WIDE + 5)
            .map(|n| format!("<a:x>{n}</a:x><b:x>b{n}</b:x>"))
            .collect();
        let xml = format!(r#"<r xmlns:a="urn:a" xmlns:b="urn:b">{many}</r>"#);
        let doc = Document::parse(xml.as_bytes()).unwrap();
        let root = doc.document_element().unwrap();
        assert!(doc.indexed_children(root).is_some());
        assert_eq!(
            first_child_text(&doc, root, "urn:b", "x").as_deref(),
            Some("b0")
        );
        assert_eq!(
            first_child_text(&doc, root, "urn:a", "x").as_deref(),
            Some("0")
        );
        assert_eq!(doc.child_named(root, "urn:a", "y"), None);
        assert_eq!(
            doc.element_children_named(root, "urn:b", "x").count(),
            super::WIDE + 5
        );
    }

    #[test]
    fn expanded_names_are_found_whether_they_had_a_process_wide_id_at_parse_time_or_not() {
        let before = crate::NameKey::intern("urn:lookup-test", "before");
        crate::NameKey::intern("urn:lookup-test", "absent");
        let doc = Document::parse(
            br#"<r xmlns="urn:lookup-test" xmlns:o="urn:other"><before/><after/><o:before/></r>"#,
        )
        .unwrap();
        let after = crate::NameKey::intern("urn:lookup-test", "after");
        assert!(before.index() < doc.by_global_id.len());
        assert!(after.index() >= doc.by_global_id.len());
        let root = doc.document_element().unwrap();
        let element = |local: &str| {
            doc.element_children(root)
                .find(|&child| {
                    doc.local_name(child) == local && doc.namespace_uri(child) == "urn:lookup-test"
                })
                .unwrap()
        };
        for (local, node) in [("before", element("before")), ("after", element("after"))] {
            assert_eq!(
                doc.lookup_expanded_name("urn:lookup-test", local),
                doc.expanded_name_id(node),
                "{local}"
            );
        }
        assert_ne!(
            doc.lookup_expanded_name("urn:other", "before"),
            doc.lookup_expanded_name("urn:lookup-test", "before")
        );
        assert_eq!(doc.lookup_expanded_name("urn:lookup-test", "absent"), None);
        assert_eq!(doc.lookup_expanded_name("urn:lookup-test", "never"), None);
    }

    #[test]
    fn known_names_are_found_whether_they_were_interned_before_the_document_was_parsed_or_not() {
        let source =
            br#"<r xmlns="urn:known-test" xmlns:o="urn:other"><o:a/><a>1</a><a>2</a><b/></r>"#;
        let early = super::KnownName::new("urn:known-test", "a");
        let parsed_between = Document::parse(source).unwrap();
        let late = super::KnownName::new("urn:known-test", "b");
        let parsed_after = Document::parse(source).unwrap();
        for doc in [&parsed_between, &parsed_after] {
            let root = doc.document_element().unwrap();
            let a = doc.child_known(root, &early).unwrap();
            assert_eq!(doc.namespace_uri(a), "urn:known-test");
            assert_eq!(doc.string_value(a), "1");
            assert_eq!(doc.children_known(root, &early).count(), 2);
            let b = doc.child_known(root, &late).unwrap();
            assert!(doc.has_known_name(b, &late) && !doc.has_known_name(b, &early));
            assert!(doc.child_known(a, &early).is_none());
        }
    }

    #[test]
    fn a_node_record_takes_24_bytes_and_keeps_its_kind_beside_its_count() {
        assert_eq!(std::mem::size_of::<NodeData>(), 24);
        for kind in NodeKind::BY_BITS {
            let mut node = NodeData::new(kind, 0);
            node.set_count(super::COUNT_MASK);
            assert_eq!((node.kind(), node.count()), (kind, super::COUNT_MASK));
            node.set_count(7);
            assert_eq!((node.kind(), node.count()), (kind, 7));
        }
    }

    #[test]
    fn lines_and_columns_agree_before_and_after_the_line_index_is_built() {
        let mut source = String::from("<r>\n");
        for n in 0..40 {
            source.push_str(&" ".repeat(n % 5));
            source.push_str(&format!("<é{n} a=\"1\">x</é{n}>\n"));
        }
        source.push_str("</r>");
        let doc = Document::parse(source.as_bytes()).unwrap();
        let root = doc.document_element().unwrap();
        assert_eq!(doc.line_column(root), (1, 1));
        for (n, child) in doc.element_children(root).enumerate() {
            let expected = (n as u32 + 2, (n % 5) as u32 + 1);
            assert_eq!(doc.line_column(child), expected, "element {n}");
            let attribute = doc.attributes(child).next().unwrap();
            assert_eq!(
                doc.line_column(attribute),
                expected,
                "attribute of element {n}"
            );
            assert_eq!(doc.path_of(attribute), format!("/r/é{n}[1]/@a"));
        }
        assert!(doc.line_starts.get().is_some());
    }
}
