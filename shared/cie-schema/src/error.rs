//! Why a document could not be checked at all (as opposed to the findings a check produces).

/// Why [`crate::check`] could not check a document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemaError {
    /// The bytes could not be parsed as XML: an unread encoding, invalid UTF-8, not well-formed or
    /// namespace-correct XML 1.0, a DOCTYPE, or more attributes on an element than
    /// [`crate::Limits::max_attributes`] (lines and columns 1-based, columns counting characters).
    #[error(transparent)]
    Unreadable(#[from] cie_xpath::XmlError),

    /// The embedded UBL 2.1 schemas could not be compiled into a content model. This is a defect of
    /// this crate, never of the document.
    #[error("the embedded UBL 2.1 schemas could not be compiled: {0}")]
    Model(String),
}
