//! The document's elements as the check needs them, taken from the parsed DOM (no second read of the
//! text): a flat element arena (document order, each node knowing its parent and the end of its subtree),
//! with what depends only on an element itself checked on the way: its attributes and its text against its
//! declared content.

use cie_xpath::{Document as Dom, NodeId, NodeKind};

use crate::datatype::{DataType, is_xml_whitespace};
use crate::model::{AttributeDecl, Content, ElemId, Model};

const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";
const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

/// No parent (the root).
pub(crate) const NO_PARENT: u32 = u32::MAX;

/// No declaration (see [`Node::elem`]).
const UNDECLARED: ElemId = ElemId::MAX;

/// One element of the document (24 bytes: a document has one per 50 or so bytes of text).
#[derive(Debug)]
pub(crate) struct Node {
    /// Byte offset of the start tag's `<` in [`Document::input`].
    offset: u32,
    /// Length of the qualified name as written.
    name_len: u32,
    /// Index into [`Document::namespaces`].
    pub(crate) namespace: u16,
    /// The declaration, [`UNDECLARED`] when the element was not looked up or UBL 2.1 does not declare it.
    declaration: ElemId,
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

impl Node {
    /// Byte offset of the start tag's `<` in [`Document::input`].
    pub(crate) fn offset(&self) -> usize {
        self.offset as usize
    }

    /// The declaration, when the element was looked up and UBL 2.1 declares it.
    pub(crate) fn elem(&self) -> Option<ElemId> {
        (self.declaration != UNDECLARED).then_some(self.declaration)
    }
}

impl Document<'_> {
    /// The qualified name of `node` as written, e.g. `cbc:ID`.
    pub(crate) fn qname(&self, node: u32) -> &str {
        let node = &self.nodes[node as usize];
        let start = node.offset() + 1;
        &self.input[start..start + node.name_len as usize]
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
    /// Checked against its data type (when it has no child elements), already done.
    Simple,
}

/// One element whose subtree is being walked.
struct Open {
    node: u32,
    rule: TextRule,
    /// Index one past the last DOM node of its subtree.
    dom_end: usize,
}

/// The elements of `dom` for the check. `None` when the root is not a UBL document the model knows.
pub(crate) fn from_dom<'d>(dom: &'d Dom, model: &'static Model) -> Option<Document<'d>> {
    let root = dom.document_element()?;
    let root_elem = model.root(dom.namespace_uri(root), dom.local_name(root))?;
    let mut walk = Walk {
        dom,
        model,
        document: Document {
            input: dom.source(),
            nodes: Vec::with_capacity(dom.element_count()),
            namespaces: vec![String::new(), XML_NS.to_owned()],
            issues: Vec::new(),
        },
        model_namespaces: vec![None, None],
        names: Vec::new(),
        open: Vec::new(),
    };
    for index in root.index()..dom.node_count() {
        let Some(node) = dom.node(index) else {
            break;
        };
        while walk.open.last().is_some_and(|open| index >= open.dom_end) {
            walk.close();
        }
        match dom.kind(node) {
            NodeKind::Element => walk.open(node, (node == root).then_some(root_elem)),
            NodeKind::Text => walk.text(node),
            _ => {}
        }
    }
    while !walk.open.is_empty() {
        walk.close();
    }
    let mut document = walk.document;
    document.issues.sort_by_key(|(node, _)| *node);
    Some(document)
}

/// The walking state.
struct Walk<'d> {
    dom: &'d Dom,
    document: Document<'d>,
    model: &'static Model,
    /// The model's index of each of [`Document::namespaces`], if it declares elements in it.
    model_namespaces: Vec<Option<u16>>,
    /// Per DOM expanded name id: its index in [`Document::namespaces`] and its declaration where the
    /// parent's content is elements.
    names: Vec<Option<(u16, Option<ElemId>)>>,
    open: Vec<Open>,
}

impl Walk<'_> {
    /// Adds an element; `root` is the declaration of the root element.
    fn open(&mut self, node: NodeId, root: Option<ElemId>) {
        let dom = self.dom;
        let (namespace, declared) = self.name(node);
        let parent = self.open.last().map(|open| (open.node, open.rule));
        let (elem, rule) = match (root, parent) {
            (Some(elem), _) => (Some(elem), self.rule(elem)),
            (None, None | Some((_, TextRule::Ignore | TextRule::Simple))) => {
                (None, TextRule::Ignore)
            }
            (None, Some((_, TextRule::ElementOnly { .. }))) => match declared {
                Some(elem) => (Some(elem), self.rule(elem)),
                None => (None, TextRule::Ignore),
            },
        };
        let index = u32::try_from(self.document.nodes.len()).unwrap_or(u32::MAX);
        let name_len = dom.qualified_name_len(node);
        self.document.nodes.push(Node {
            offset: u32::try_from(dom.source_offset(node)).unwrap_or(u32::MAX),
            name_len: u32::try_from(name_len).unwrap_or(u32::MAX),
            namespace,
            declaration: elem.unwrap_or(UNDECLARED),
            parent: parent.map_or(NO_PARENT, |(parent, _)| parent),
            end: index + 1,
            has_issues: false,
        });
        if let Some(elem) = elem {
            self.attributes(node, index, elem);
            if let Content::Simple { datatype, .. } = self.model.content(elem)
                && datatype.is_checked()
                && dom.element_children(node).next().is_none()
            {
                let value = dom.string_value(node);
                if !datatype.accepts(&value) {
                    let value = value.trim_matches(is_xml_whitespace).to_owned();
                    let datatype = *datatype;
                    self.issue(index, Issue::Value { value, datatype });
                }
            }
        }
        self.open.push(Open {
            node: index,
            rule,
            dom_end: dom.subtree_end(node),
        });
    }

    /// Text directly inside the innermost open element.
    fn text(&mut self, node: NodeId) {
        let Some(Open {
            node: index,
            rule: TextRule::ElementOnly { reported },
            ..
        }) = self.open.last_mut()
        else {
            return;
        };
        let text = self.dom.text(node).unwrap_or_default();
        // XML's white space is four ASCII characters: looking at bytes is enough.
        if *reported || text.bytes().all(|byte| is_xml_whitespace(char::from(byte))) {
            return;
        }
        *reported = true;
        let index = *index;
        self.issue(
            index,
            Issue::TextInElementContent {
                text: text.trim_matches(is_xml_whitespace).to_owned(),
            },
        );
    }

    fn close(&mut self) {
        if let Some(open) = self.open.pop() {
            self.document.nodes[open.node as usize].end =
                u32::try_from(self.document.nodes.len()).unwrap_or(u32::MAX);
        }
    }

    /// The namespace index of an element's name and its declaration in element content, looked up once
    /// per name.
    fn name(&mut self, node: NodeId) -> (u16, Option<ElemId>) {
        let id = self.dom.expanded_name_id(node).map(|id| id as usize);
        if let Some(known) = id.and_then(|id| self.names.get(id).copied().flatten()) {
            return known;
        }
        let namespace = self.intern(self.dom.namespace_uri(node));
        let declared = self.model_namespaces[usize::from(namespace)].and_then(|model_namespace| {
            self.model
                .lookup_in(model_namespace, self.dom.local_name(node))
        });
        if let Some(id) = id {
            if self.names.len() <= id {
                self.names.resize(id + 1, None);
            }
            self.names[id] = Some((namespace, declared));
        }
        (namespace, declared)
    }

    /// The index of `uri` in [`Document::namespaces`], added if new (the last index beyond `u16`'s).
    fn intern(&mut self, uri: &str) -> u16 {
        let namespaces = &mut self.document.namespaces;
        if let Some(index) = namespaces.iter().position(|known| known == uri) {
            return u16::try_from(index).unwrap_or(u16::MAX);
        }
        namespaces.push(uri.to_owned());
        self.model_namespaces.push(self.model.namespace_index(uri));
        u16::try_from(namespaces.len() - 1).unwrap_or(u16::MAX)
    }

    fn rule(&self, elem: ElemId) -> TextRule {
        match self.model.content(elem) {
            Content::Elements(_) => TextRule::ElementOnly { reported: false },
            Content::Simple { .. } => TextRule::Simple,
            Content::Any => TextRule::Ignore,
        }
    }

    /// Checks the attributes of element `index` against its declaration.
    fn attributes(&mut self, node: NodeId, index: u32, elem: ElemId) {
        let dom = self.dom;
        let declared: &'static [AttributeDecl] = match self.model.content(elem) {
            Content::Simple { attributes, .. } => &attributes[..],
            Content::Elements(_) | Content::Any => &[],
        };
        let mut seen = 0u64;
        for attribute in dom.attributes(node) {
            let local = dom.local_name(attribute);
            match dom.prefix(attribute) {
                None => {
                    if let Some(position) = declared.iter().position(|decl| *decl.name == *local) {
                        seen |= 1 << position;
                        let datatype = declared[position].datatype;
                        let value = dom.text(attribute).unwrap_or_default();
                        if datatype.is_checked() && !datatype.accepts(value) {
                            self.issue(
                                index,
                                Issue::AttributeValue {
                                    name: local.to_owned(),
                                    value: value.to_owned(),
                                    datatype,
                                },
                            );
                        }
                        continue;
                    }
                }
                Some(_) if dom.namespace_uri(attribute) == XSI => continue,
                Some(_) => {}
            }
            self.issue(
                index,
                Issue::AttributeUnexpected {
                    name: dom.qualified_name(attribute).into_owned(),
                },
            );
        }
        for (position, decl) in declared.iter().enumerate() {
            if decl.required && seen & (1 << position) == 0 {
                self.issue(index, Issue::AttributeMissing { name: &decl.name });
            }
        }
    }

    fn issue(&mut self, index: u32, issue: Issue) {
        self.document.nodes[index as usize].has_issues = true;
        self.document.issues.push((index, issue));
    }
}
