//! Errors of XML parsing and of XPath compilation and evaluation.

/// Why a byte string could not be parsed into a [`crate::Document`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    /// The input's encoding is not read here, or its bytes are not valid in it.
    #[error(transparent)]
    Encoding(#[from] cie_domain::encoding::EncodingError),
    /// The input is not valid UTF-8.
    #[error("the document is not valid UTF-8 (byte {offset})")]
    NotUtf8 {
        /// Byte offset of the first invalid sequence.
        offset: usize,
    },
    /// The document carries a `<!DOCTYPE ...>` declaration, which is refused (entity expansion attacks).
    #[error("DOCTYPE declarations are not accepted (line {line}, column {column})")]
    Doctype {
        /// 1-based line.
        line: u32,
        /// 1-based column.
        column: u32,
    },
    /// The document is not well-formed XML.
    #[error("XML syntax error at line {line}, column {column}: {message}")]
    Syntax {
        /// 1-based line.
        line: u32,
        /// 1-based column.
        column: u32,
        /// What is wrong.
        message: String,
    },
    /// An element has more attributes than [`crate::ParseLimits::max_attributes`].
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
        /// 1-based line of the start tag.
        line: u32,
        /// 1-based column of the start tag.
        column: u32,
    },
    /// Elements are nested deeper than [`crate::ParseLimits::max_depth`].
    #[error("elements are nested more than {limit} deep (line {line}, column {column})")]
    TooDeep {
        /// The limit.
        limit: usize,
        /// 1-based line of the start tag beyond the limit.
        line: u32,
        /// 1-based column of that start tag.
        column: u32,
    },
    /// A name is longer than [`crate::ParseLimits::max_name_bytes`].
    #[error(
        "a name starting {start:?} is {length} bytes long, more than the limit of {limit} (line {line}, column {column})"
    )]
    NameTooLong {
        /// The name's first 32 bytes (lossy UTF-8).
        start: String,
        /// Its length in bytes.
        length: usize,
        /// The limit.
        limit: usize,
        /// 1-based line of the tag.
        line: u32,
        /// 1-based column of the tag.
        column: u32,
    },
    /// A reference to an entity other than the five predefined ones (no DTD can declare one).
    #[error(
        "entity &{name}; is not one of the five predefined entities (line {line}, column {column})"
    )]
    UnknownEntity {
        /// The entity's name.
        name: String,
        /// 1-based line of the reference.
        line: u32,
        /// 1-based column of the reference.
        column: u32,
    },
    /// The document has no root element.
    #[error("the document has no root element")]
    NoRootElement,
    /// The document is too large for the arena (512 MiB of text or more, or more than `u32::MAX` nodes).
    #[error("the document is too large")]
    TooLarge,
}

/// An XPath compilation error (with the byte position in the source) or a dynamic evaluation error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XPathError {
    /// The expression is not valid XPath (or uses a construct this engine does not support).
    #[error("XPath syntax error at byte {position}: {message}")]
    Syntax {
        /// Byte offset in the expression source.
        position: usize,
        /// What is wrong.
        message: String,
    },
    /// A namespace prefix is not bound in the static context.
    #[error("undeclared namespace prefix `{prefix}` at byte {position}")]
    UnknownPrefix {
        /// The prefix.
        prefix: String,
        /// Byte offset in the expression source.
        position: usize,
    },
    /// No function with this name and arity is known.
    #[error("unknown function {name}#{arity} at byte {position}")]
    UnknownFunction {
        /// The function name as written.
        name: String,
        /// Number of arguments of the call.
        arity: usize,
        /// Byte offset in the expression source.
        position: usize,
    },
    /// A dynamic or type error raised during evaluation, with its XPath error code (e.g. `FORG0001`).
    #[error("[{code}] {message}")]
    Dynamic {
        /// The W3C error code.
        code: &'static str,
        /// What happened.
        message: String,
    },
}

impl XPathError {
    pub(crate) fn dynamic(code: &'static str, message: impl Into<String>) -> Self {
        XPathError::Dynamic {
            code,
            message: message.into(),
        }
    }

    pub(crate) fn syntax(position: usize, message: impl Into<String>) -> Self {
        XPathError::Syntax {
            position,
            message: message.into(),
        }
    }

    pub(crate) fn type_error(message: impl Into<String>) -> Self {
        XPathError::dynamic("XPTY0004", message)
    }
}
