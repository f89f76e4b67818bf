//! UBL 2.1 schema-level checks of invoices and credit notes, reported as [`Finding`]s under our own
//! rule ids (see [`SchemaRule`]) in the rule set [`RULE_SET`].
//!
//! The content model is compiled on first use from the OASIS UBL 2.1 runtime schemas embedded in the
//! binary: for every element its child sequence with `minOccurs`/`maxOccurs`, or its simple content
//! type and attributes. A check takes the parsed document (`cie_xpath`'s DOM, which the rules also run on)
//! into a flat element arena, then matches each
//! element's children against its sequence. It finds what libxml2 finds (unexpected, missing and too
//! many elements; missing and undeclared attributes; values not valid for `xs:date`, `xs:time`,
//! `xs:dateTime`, `xs:decimal`, `xs:boolean`, `xs:base64Binary`, `xs:language`; text in element-only
//! content), but where libxml2 stops at the first error in an element's children, this check
//! resynchronises and goes on, so independent mistakes are all reported and one mistake gives one
//! finding. A missing required element is reported at its parent; an element out of order is
//! reported where libxml2 reports it unless the other reading (the element moved rather than its
//! siblings) needs fewer findings. Extension content (`ext:ExtensionContent`) is not validated, and
//! neither are the subtrees of misplaced or unknown elements.
//!
//! ```
//! let xml = br#"<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
//!     xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
//!   <cbc:IssueDate>2023-10-24</cbc:IssueDate><cbc:ID>156</cbc:ID>
//! </Invoice>"#;
//! let findings = cie_schema::check(xml).unwrap();
//! let unexpected = findings
//!     .iter()
//!     .find(|finding| finding.rule_id == "cie-ubl-element-unexpected")
//!     .unwrap();
//! assert_eq!(unexpected.location.path, "/Invoice/cbc:IssueDate[1]");
//! assert!(unexpected.message_en.ends_with("expected one of ext:UBLExtensions, cbc:UBLVersionID, \
//!     cbc:CustomizationID, cbc:ProfileID, cbc:ProfileExecutionID, cbc:ID"));
//! assert!(findings.iter().any(|finding| finding.message_en
//!     == "Required element cac:AccountingSupplierParty is missing in Invoice"));
//! ```

mod datatype;
mod document;
mod error;
mod messages;
mod model;
mod rules;
mod validate;
mod xsd;

use cie_domain::Finding;

pub use error::SchemaError;
pub use rules::{RULE_SET, SchemaRule};

/// Checks a UBL 2.1 Invoice or CreditNote against the UBL 2.1 schemas.
///
/// Every finding has severity [`cie_domain::Severity::Fatal`], rule set [`RULE_SET`] and a location
/// whose path uses the prefixes as written (`/Invoice/cac:TaxTotal[1]/cac:TaxSubtotal[2]`); a
/// missing child element is reported at its parent. Documents with any other root element give no
/// findings. At most 1000 findings are reported. An error means the bytes could not be read as XML
/// at all.
pub fn check(bytes: &[u8]) -> Result<Vec<Finding>, SchemaError> {
    check_with(bytes, &Limits::default())
}

/// The default of [`Limits::max_attributes`], the same as the UBL reader's.
pub const DEFAULT_MAX_ATTRIBUTES: usize = 256;

/// Bounds on what [`check_with`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most attributes (namespace declarations included) accepted on one element.
    pub max_attributes: usize,
    /// Deepest accepted element nesting; the root element is at depth 1.
    pub max_depth: usize,
}

impl Default for Limits {
    /// [`DEFAULT_MAX_ATTRIBUTES`] attributes per element and 64 levels of nesting (the UBL reader's).
    fn default() -> Self {
        Self {
            max_attributes: DEFAULT_MAX_ATTRIBUTES,
            max_depth: 64,
        }
    }
}

/// [`check`] within `limits`.
pub fn check_with(bytes: &[u8], limits: &Limits) -> Result<Vec<Finding>, SchemaError> {
    let limits = cie_xpath::ParseLimits {
        max_attributes: limits.max_attributes,
        max_depth: limits.max_depth,
        ..Default::default()
    };
    let dom = cie_xpath::Document::parse_with(bytes, &limits)?;
    check_document(&dom)
}

/// [`check`] on a document already parsed (the DOM the rules run on, so the text is read once).
pub fn check_document(dom: &cie_xpath::Document) -> Result<Vec<Finding>, SchemaError> {
    let model = model::model()?;
    Ok(match document::from_dom(dom, model) {
        Some(document) => validate::validate(&document, model),
        None => Vec::new(),
    })
}

/// Compiles the embedded content model now, so the first [`check`] does not pay for it (a few
/// milliseconds).
pub fn prepare() -> Result<(), SchemaError> {
    model::model().map(|_| ())
}
