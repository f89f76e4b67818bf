//! One read of the document: the size limit, then `cie_xpath`'s parser builds the DOM (UTF-8 after
//! transcoding any other encoding read here, well-formed and namespace-correct XML 1.0, no DTD, no entity
//! beyond the five predefined ones, nesting, name and attribute limits), and the summary is extracted by
//! walking the DOM; the same DOM then feeds the schema check and the rules, so the text is parsed once.

use bytes::Bytes;
use std::borrow::Cow;

use cie_domain::{DocumentKind, Summary};
use cie_xpath::{Document, NodeKind, ParseLimits, SyntaxProblem, XmlError};

use crate::Limits;
use crate::error::UblError;
use crate::extract::{Attrs, Extractor};

/// Reads `bytes` as one UBL document: its summary and its DOM. See [`crate::read`].
pub(crate) fn read(bytes: Bytes, limits: &Limits) -> Result<(Summary, Document), UblError> {
    within_size(bytes.len(), limits)?;
    let parse_limits = ParseLimits {
        max_attributes: limits.max_attributes,
        max_depth: limits.max_depth,
        max_name_bytes: crate::MAX_NAME_BYTES,
    };
    let doc = Document::parse_shared_with(bytes, &parse_limits).map_err(UblError::from)?;
    let summary = summary(&doc)?;
    Ok((summary, doc))
}

/// Refuses a document of `size` bytes above `limits.max_bytes` (before anything is copied or parsed).
pub(crate) fn within_size(size: usize, limits: &Limits) -> Result<(), UblError> {
    if size > limits.max_bytes {
        return Err(UblError::TooLarge {
            size,
            limit: limits.max_bytes,
        });
    }
    Ok(())
}

/// The summary of a parsed document, walking its elements in document order.
fn summary(doc: &Document) -> Result<Summary, UblError> {
    let root = doc.document_element().ok_or_else(no_root)?;
    let (namespace, local) = (doc.namespace_uri(root), doc.local_name(root));
    let kind = DocumentKind::from_root(namespace, local).ok_or_else(|| {
        let (line, column) = doc.line_column(root);
        UblError::UnknownRoot {
            namespace: namespace.to_owned(),
            local_name: local.to_owned(),
            path: doc.path_of(root),
            line: line as usize,
            column: column as usize,
        }
    })?;
    let mut extractor = Extractor::new(doc, kind);
    // The ends (exclusive node indexes) of the open elements below the root, innermost last.
    let mut open: Vec<usize> = Vec::with_capacity(16);
    for index in root.index() + 1..doc.subtree_end(root) {
        let Some(node) = doc.node(index) else {
            break;
        };
        while open.last().is_some_and(|&end| index >= end) {
            open.pop();
            extractor.end();
        }
        match doc.kind(node) {
            NodeKind::Element => {
                let mut attrs = Attrs::default();
                for attribute in doc.attributes(node) {
                    if doc.prefix(attribute).is_some() {
                        continue;
                    }
                    let slot = match doc.local_name(attribute) {
                        "currencyID" => &mut attrs.currency_id,
                        "schemeID" => &mut attrs.scheme_id,
                        _ => continue,
                    };
                    *slot = doc.text(attribute).map(Cow::Borrowed);
                }
                extractor.start(doc.namespace_uri(node), doc.local_name(node), &attrs, node);
                open.push(doc.subtree_end(node));
            }
            NodeKind::Text if extractor.wants_text() => {
                extractor.text(doc.text(node).unwrap_or_default());
            }
            _ => {}
        }
    }
    for _ in open {
        extractor.end();
    }
    extractor.finish()
}

fn no_root() -> UblError {
    UblError::NotXml {
        line: 1,
        column: 1,
        path: String::new(),
        problem: SyntaxProblem::NoRootElement,
    }
}

/// The reader's refusal for a document the parser refuses.
impl From<XmlError> for UblError {
    fn from(error: XmlError) -> Self {
        let at = |line: u32, column: u32| (line as usize, column as usize);
        match error {
            XmlError::UnsupportedEncoding { encoding } => {
                UblError::UnsupportedEncoding { encoding }
            }
            XmlError::InvalidEncoding {
                encoding,
                offset,
                line,
                column,
                path,
            } => {
                let (line, column) = at(line, column);
                UblError::InvalidEncoding {
                    encoding,
                    offset,
                    line,
                    column,
                    path,
                }
            }
            XmlError::NotUtf8 {
                offset,
                line,
                column,
                path,
            } => {
                let (line, column) = at(line, column);
                UblError::NotUtf8 {
                    offset,
                    line,
                    column,
                    path,
                }
            }
            XmlError::Doctype { line, column, path } => {
                let (line, column) = at(line, column);
                UblError::DoctypeForbidden { line, column, path }
            }
            XmlError::Syntax {
                line,
                column,
                path,
                problem,
            } => {
                let (line, column) = at(line, column);
                UblError::NotXml {
                    line,
                    column,
                    path,
                    problem,
                }
            }
            XmlError::TooManyAttributes {
                element,
                count,
                limit,
                line,
                column,
                path,
            } => {
                let (line, column) = at(line, column);
                UblError::TooManyAttributes {
                    element,
                    count,
                    limit,
                    line,
                    column,
                    path,
                }
            }
            XmlError::TooDeep {
                limit,
                line,
                column,
                path,
            } => {
                let (line, column) = at(line, column);
                UblError::TooDeep {
                    limit,
                    line,
                    column,
                    path,
                }
            }
            XmlError::NameTooLong {
                start,
                length,
                limit,
                line,
                column,
                path,
            } => {
                let (line, column) = at(line, column);
                UblError::NameTooLong {
                    start,
                    length,
                    limit,
                    line,
                    column,
                    path,
                }
            }
            XmlError::UnknownEntity {
                name,
                line,
                column,
                path,
            } => {
                let (line, column) = at(line, column);
                UblError::EntityForbidden {
                    name,
                    line,
                    column,
                    path,
                }
            }
            XmlError::NoRootElement => no_root(),
            XmlError::TooLarge => UblError::TooLarge {
                size: u32::MAX as usize,
                limit: u32::MAX as usize - 1,
            },
        }
    }
}
