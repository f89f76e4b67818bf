//! Fuzzes the XPath DOM parser (`cie_xpath::Document::parse`), then reads the document it built through the
//! accessors the rules use: every node's kind, names, attributes and position, and the string value and
//! path of the first nodes (those two are linear in the subtree and the siblings, so they are sampled to
//! keep the target itself linear).

#![no_main]

use cie_xpath::{Document, NodeKind};
use libfuzzer_sys::fuzz_target;

/// How many nodes get their string value and path computed.
const SAMPLED: usize = 256;

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = Document::parse(data) else {
        return;
    };
    let root = doc.root();
    assert_eq!(doc.kind(root), NodeKind::Document);
    let _ = doc.document_element();
    for index in 0..doc.node_count() {
        let Some(node) = doc.node(index) else {
            panic!("node {index} of {} missing", doc.node_count());
        };
        let kind = doc.kind(node);
        if let Some(parent) = doc.parent(node) {
            assert!(doc.is_ancestor(parent, node));
        }
        let _ = doc.line_column(node);
        if matches!(kind, NodeKind::Element | NodeKind::Attribute) {
            let _ = doc.local_name(node);
            let _ = doc.namespace_uri(node);
            let _ = doc.prefix(node);
            let _ = doc.qualified_name(node);
            let _ = doc.name_key(node);
        }
        if kind == NodeKind::Element {
            for attribute in doc.attributes(node) {
                let _ = doc.string_value(attribute);
            }
            let _ = doc.element_children(node).count();
        }
        if index < SAMPLED {
            let _ = doc.string_value(node);
            let _ = doc.path_of(node);
        }
    }
});
