//! Why a document could not be checked at all (as opposed to the findings a check produces).

/// Why [`crate::check`] could not check a document. Lines and columns are 1-based; columns count
/// characters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemaError {
    /// The document's encoding is not read here, or its bytes are not valid in it.
    #[error(transparent)]
    Encoding(#[from] cie_domain::encoding::EncodingError),

    /// The bytes are not valid UTF-8.
    #[error("document is not valid UTF-8: invalid byte sequence at byte offset {offset}")]
    NotUtf8 {
        /// Byte offset of the first invalid sequence (a leading BOM included).
        offset: usize,
    },

    /// The document is not well-formed, namespace-correct XML.
    #[error("not well-formed XML at line {line}, column {column}: {reason}")]
    NotXml {
        /// Line of the problem.
        line: u32,
        /// Column of the problem.
        column: u32,
        /// What is wrong.
        reason: String,
    },

    /// An element has more attributes than [`crate::Limits::max_attributes`].
    #[error(
        "element <{element}> at line {line}, column {column} has {count} attributes, more than the limit of {limit}"
    )]
    TooManyAttributes {
        /// The element's qualified name as written.
        element: String,
        /// Number of attributes (namespace declarations included).
        count: usize,
        /// The limit.
        limit: usize,
        /// Line of the element's start tag.
        line: u32,
        /// Column of the element's start tag.
        column: u32,
    },

    /// The embedded UBL 2.1 schemas could not be compiled into a content model. This is a defect of
    /// this crate, never of the document.
    #[error("the embedded UBL 2.1 schemas could not be compiled: {0}")]
    Model(String),
}
