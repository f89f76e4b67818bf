//! Reads UBL 2.1 procurement documents (JP PINT and Peppol invoices, orders, despatch advices,
//! invoice responses, OASIS quotations, ...) safely and extracts their [`cie_domain::Summary`].
//!
//! One parse of the bytes into `cie_xpath`'s DOM, whose elements are then matched by namespace URI and
//! local name, never by prefix; [`read`] hands the DOM back, so the schema check and the rules need no
//! second parse. The reader refuses what a hostile sender could abuse (oversized input, deep nesting,
//! long names, many attributes, DTDs, entities) before and while parsing. Every refusal is a
//! [`UblError`] with a stable [`UblError::code`].
//!
//! ```
//! let xml = br#"<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
//!     xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
//!   <cbc:ID>156</cbc:ID><cbc:IssueDate>2023-10-24</cbc:IssueDate>
//! </Invoice>"#;
//! let summary = cie_ubl::parse(xml, &cie_ubl::Limits::default()).unwrap();
//! assert_eq!(summary.number, "156");
//! ```

mod error;
mod extract;
mod read;
mod tags;
mod values;

use cie_domain::Summary;
use cie_xpath::Document;

pub use cie_xpath::SyntaxProblem;
pub use error::UblError;

/// The default of [`Limits::max_attributes`]: UBL elements carry at most a handful of attributes,
/// and the root a dozen namespace declarations.
pub const DEFAULT_MAX_ATTRIBUTES: usize = 256;

/// Longest element or attribute name accepted, in bytes (prefix included); UBL's longest is under 60.
pub const MAX_NAME_BYTES: usize = 1024;

/// Longest accepted document number (the top-level `cbc:ID`), in characters.
pub const MAX_NUMBER_CHARS: usize = 200;

/// Longest accepted value of any other element the summary keeps (names, registration numbers,
/// references, codes), in characters.
pub const MAX_VALUE_CHARS: usize = 1000;

/// Bounds on what [`parse`] accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted document, in bytes.
    pub max_bytes: usize,
    /// Deepest accepted element nesting; the root element is at depth 1.
    pub max_depth: usize,
    /// Most attributes (namespace declarations included) accepted on one element.
    pub max_attributes: usize,
}

impl Default for Limits {
    /// 10 MiB, 64 levels (UBL documents nest fewer than 15) and [`DEFAULT_MAX_ATTRIBUTES`]
    /// attributes per element.
    fn default() -> Self {
        Self {
            max_bytes: 10 * 1024 * 1024,
            max_depth: 64,
            max_attributes: DEFAULT_MAX_ATTRIBUTES,
        }
    }
}

/// Reads one UBL 2.1 document and extracts its summary.
///
/// The document must be UTF-8 (a BOM is allowed), well-formed XML 1.0 (every character a `Char`,
/// no `]]>` in character data, no other version declared), without a DTD or entity references
/// beyond the five predefined ones and character references, and its root must be one of
/// [`cie_domain::DocumentKind::ALL`] in its UBL 2.1 namespace. It needs a top-level `cbc:ID` and
/// `cbc:IssueDate`; every other part of the summary is optional. Extension content
/// (`ext:UBLExtensions`) and signatures are read for well-formedness only.
pub fn parse(bytes: &[u8], limits: &Limits) -> Result<Summary, UblError> {
    read(bytes, limits).map(|(summary, _)| summary)
}

/// [`parse`], also handing back the parsed document, so that what checks it next (the schema check, the
/// rules) does not parse it again.
pub fn read(bytes: &[u8], limits: &Limits) -> Result<(Summary, Document), UblError> {
    read::within_size(bytes.len(), limits)?;
    read::read(bytes::Bytes::copy_from_slice(bytes), limits)
}

/// [`read`] on bytes the parsed document shares instead of copying (see
/// [`Document::parse_shared_with`](cie_xpath::Document::parse_shared_with)): intake's path, where the body
/// is already in memory.
pub fn read_shared(bytes: bytes::Bytes, limits: &Limits) -> Result<(Summary, Document), UblError> {
    read::read(bytes, limits)
}
