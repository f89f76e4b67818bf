//! Errors of XML parsing and of XPath compilation and evaluation.

/// Why a byte string could not be parsed into a [`crate::Document`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    /// The XML declaration names, or the first bytes show, an encoding that is not read here.
    #[error(
        "the document is in encoding \"{encoding}\" (by its XML declaration or its first bytes), which is not \
         read here (UTF-8, UTF-16, Shift_JIS, CP932/Windows-31J and EUC-JP are)"
    )]
    UnsupportedEncoding {
        /// The name as declared, or the encoding the first bytes show.
        encoding: String,
    },
    /// A byte sequence is not valid in the document's encoding (declared, or UTF-16 by its byte order mark).
    #[error(
        "the document is not valid {encoding}: invalid byte sequence at byte offset {offset} (line {line}, column {column})"
    )]
    InvalidEncoding {
        /// The encoding the bytes were read in.
        encoding: &'static str,
        /// Where the first invalid sequence starts in the bytes as received.
        offset: usize,
        /// 1-based line of the invalid sequence.
        line: u32,
        /// 1-based column of the invalid sequence (characters).
        column: u32,
        /// The elements open there (see [`XmlError::path`]).
        path: String,
    },
    /// The input is not valid UTF-8.
    #[error("the document is not valid UTF-8 (byte {offset}, line {line}, column {column})")]
    NotUtf8 {
        /// Byte offset of the first invalid sequence.
        offset: usize,
        /// 1-based line of the invalid sequence.
        line: u32,
        /// 1-based column of the invalid sequence (characters).
        column: u32,
        /// The elements open there (see [`XmlError::path`]).
        path: String,
    },
    /// The document carries a `<!DOCTYPE ...>` declaration, which is refused (entity expansion attacks).
    #[error("DOCTYPE declarations are not accepted (line {line}, column {column})")]
    Doctype {
        /// 1-based line.
        line: u32,
        /// 1-based column.
        column: u32,
        /// The elements open where the declaration is (empty before the root element).
        path: String,
    },
    /// The document is not well-formed XML.
    #[error("XML syntax error at line {line}, column {column}: {problem}")]
    Syntax {
        /// 1-based line.
        line: u32,
        /// 1-based column.
        column: u32,
        /// The elements open where the problem is (see [`XmlError::path`]).
        path: String,
        /// What is wrong.
        problem: SyntaxProblem,
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
        /// The element's path (see [`XmlError::path`]).
        path: String,
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
        /// The path of the element beyond the limit (see [`XmlError::path`]).
        path: String,
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
        /// The elements open where the name is (see [`XmlError::path`]).
        path: String,
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
        /// The elements open where the reference is (see [`XmlError::path`]).
        path: String,
    },
    /// The document has no root element.
    #[error("the document has no root element")]
    NoRootElement,
    /// The document is too large for the arena (512 MiB of text or more, or more than `u32::MAX` nodes).
    #[error("the document is too large")]
    TooLarge,
}

impl XmlError {
    /// Where the problem is as a path of the elements open there, each step as written with its 1-based position
    /// among the earlier siblings of the same name, e.g. `/Invoice/cac:InvoiceLine[2]/cbc:Note[1]` (the form
    /// of [`crate::Document::path_of`]); a problem inside a start tag ends the path with that element. Empty
    /// when no element is open (before or after the root element) and for errors without a place.
    pub fn path(&self) -> &str {
        match self {
            XmlError::Syntax { path, .. }
            | XmlError::InvalidEncoding { path, .. }
            | XmlError::NotUtf8 { path, .. }
            | XmlError::Doctype { path, .. }
            | XmlError::TooManyAttributes { path, .. }
            | XmlError::TooDeep { path, .. }
            | XmlError::NameTooLong { path, .. }
            | XmlError::UnknownEntity { path, .. } => path,
            XmlError::UnsupportedEncoding { .. } | XmlError::NoRootElement | XmlError::TooLarge => {
                ""
            }
        }
    }
}

/// What makes a document not well-formed, for [`XmlError::Syntax`]: the `Display` text is the English,
/// [`SyntaxProblem::message_ja`] the Japanese.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyntaxProblem {
    /// A character, `]]>` or XML version that XML 1.0 does not allow.
    #[error("{0}")]
    Xml10(cie_domain::xml10::Xml10Problem),
    /// `<?xml` without its closing `?>`.
    #[error("unterminated XML declaration")]
    UnterminatedDeclaration,
    /// An XML declaration after the start of the document.
    #[error("XML declaration not at the start of the document")]
    MisplacedDeclaration,
    /// The document ends while elements are open.
    #[error("unexpected end of document: unclosed element <{0}>")]
    UnclosedElement(String),
    /// `<!--` without its closing `-->`.
    #[error("unterminated comment")]
    UnterminatedComment,
    /// `--` inside a comment, or a comment ending in `--->`.
    #[error("`--` is not allowed inside a comment")]
    DoubleHyphenInComment,
    /// A CDATA section before or after the root element.
    #[error("CDATA section outside the root element")]
    CdataOutsideRoot,
    /// `<![CDATA[` without its closing `]]>`.
    #[error("unterminated CDATA section")]
    UnterminatedCdata,
    /// `<` followed by something that starts no tag, comment, CDATA section or processing instruction.
    #[error("invalid markup after `<`")]
    InvalidMarkup,
    /// No name where a tag or attribute name must be.
    #[error("a name was expected")]
    NameExpected,
    /// A name with a character names cannot have.
    #[error("`{0}` is not an XML name")]
    NotAName(String),
    /// A name with more than one colon, or a colon at its start or end.
    #[error("`{0}` is not a qualified name")]
    NotAQualifiedName(String),
    /// `<?target` without its closing `?>`.
    #[error("unterminated processing instruction")]
    UnterminatedProcessingInstruction,
    /// An end tag not closed by `>`.
    #[error("`>` expected at the end of an end tag")]
    EndTagNotClosed,
    /// An end tag when no element is open.
    #[error("end tag `</{0}>` without a start tag")]
    EndTagWithoutStart(String),
    /// An end tag naming another element than the one open.
    #[error("end tag `</{found}>` does not match `<{open}>`")]
    EndTagMismatch {
        /// The end tag's name.
        found: String,
        /// The name of the element open.
        open: String,
    },
    /// Something other than an attribute, `>` or `/>` in a start tag.
    #[error("whitespace, `>` or `/>` expected in a start tag")]
    StartTagSyntax,
    /// A start tag the document ends in.
    #[error("unterminated start tag")]
    UnterminatedStartTag,
    /// A second element at the top level.
    #[error("more than one root element")]
    SecondRoot,
    /// Two attributes of the same expanded name on one element.
    #[error("duplicate attribute `{0}`")]
    DuplicateAttribute(String),
    /// An attribute name not followed by `=`.
    #[error("`=` expected after attribute `{0}`")]
    EqualsExpected(String),
    /// An attribute value without quotes.
    #[error("a quoted attribute value was expected")]
    QuoteExpected,
    /// An attribute value without its closing quote.
    #[error("unterminated attribute value")]
    UnterminatedAttributeValue,
    /// `xmlns:p=""`.
    #[error("the prefix `{0}` cannot be bound to an empty URI")]
    EmptyNamespaceBinding(String),
    /// A declaration of `xmlns`, or of `xml` to another namespace.
    #[error("the prefix `{0}` cannot be redeclared")]
    ReservedPrefix(String),
    /// `<` inside an attribute value.
    #[error("`<` in an attribute value")]
    LessThanInAttribute,
    /// `&#...;` that is not a number, or names a character XML does not allow.
    #[error("invalid character reference `&{0};`")]
    InvalidCharacterReference(String),
    /// `&` without a `;` closing a reference.
    #[error("unterminated entity or character reference")]
    UnterminatedReference,
    /// Text other than whitespace before or after the root element.
    #[error("text outside the root element")]
    TextOutsideRoot,
    /// A prefix no enclosing element declares.
    #[error("undeclared namespace prefix `{0}`")]
    UndeclaredPrefix(String),
    /// No element at all: an empty document, or only a declaration, comments and whitespace.
    #[error("the document has no root element")]
    NoRootElement,
}

impl SyntaxProblem {
    /// What is wrong, in Japanese.
    pub fn message_ja(&self) -> String {
        match self {
            SyntaxProblem::Xml10(problem) => problem.message_ja(),
            SyntaxProblem::UnterminatedDeclaration => {
                "XML宣言（<?xml ...）が「?>」で閉じられていません".to_owned()
            }
            SyntaxProblem::MisplacedDeclaration => {
                "XML宣言（<?xml ...?>）は文書の先頭にしか書けません".to_owned()
            }
            SyntaxProblem::UnclosedElement(name) => {
                format!("要素 <{name}> が閉じられないまま文書が終わっています")
            }
            SyntaxProblem::UnterminatedComment => {
                "コメント（<!--）が「-->」で閉じられていません".to_owned()
            }
            SyntaxProblem::DoubleHyphenInComment => {
                "コメントの中に「--」は書けません".to_owned()
            }
            SyntaxProblem::CdataOutsideRoot => {
                "CDATA セクションがルート要素の外にあります".to_owned()
            }
            SyntaxProblem::UnterminatedCdata => {
                "CDATA セクションが「]]>」で閉じられていません".to_owned()
            }
            SyntaxProblem::InvalidMarkup => {
                "「<」の後がタグ、コメント、CDATA セクション、処理命令のどれでもありません（文字としての「<」は「&lt;」と書いてください）".to_owned()
            }
            SyntaxProblem::NameExpected => "ここには名前が必要です".to_owned(),
            SyntaxProblem::NotAName(name) => {
                format!("「{name}」はXMLの名前として使えない文字を含んでいます")
            }
            SyntaxProblem::NotAQualifiedName(name) => format!(
                "「{name}」は名前空間付きの名前として正しくありません（コロンは接頭辞と名前の間に一つだけ書けます）"
            ),
            SyntaxProblem::UnterminatedProcessingInstruction => {
                "処理命令（<?...）が「?>」で閉じられていません".to_owned()
            }
            SyntaxProblem::EndTagNotClosed => "終了タグが「>」で閉じられていません".to_owned(),
            SyntaxProblem::EndTagWithoutStart(name) => {
                format!("終了タグ「</{name}>」に対応する開始タグがありません")
            }
            SyntaxProblem::EndTagMismatch { found, open } => format!(
                "終了タグ「</{found}>」が、開いている要素「<{open}>」と一致しません"
            ),
            SyntaxProblem::StartTagSyntax => {
                "開始タグの中には空白、「>」または「/>」が必要です".to_owned()
            }
            SyntaxProblem::UnterminatedStartTag => {
                "開始タグが閉じられないまま文書が終わっています".to_owned()
            }
            SyntaxProblem::SecondRoot => {
                "ルート要素が二つ以上あります（文書の最上位には要素を一つしか置けません）".to_owned()
            }
            SyntaxProblem::DuplicateAttribute(name) => {
                format!("属性「{name}」が同じ要素に二回書かれています")
            }
            SyntaxProblem::EqualsExpected(name) => {
                format!("属性「{name}」の後に「=」が必要です")
            }
            SyntaxProblem::QuoteExpected => {
                "属性の値は引用符（\" または '）で囲んでください".to_owned()
            }
            SyntaxProblem::UnterminatedAttributeValue => {
                "属性の値が閉じの引用符で閉じられていません".to_owned()
            }
            SyntaxProblem::EmptyNamespaceBinding(prefix) => {
                format!("接頭辞「{prefix}」を空の名前空間URIに結び付けることはできません")
            }
            SyntaxProblem::ReservedPrefix(prefix) => {
                format!("接頭辞「{prefix}」は予約されていて宣言し直せません")
            }
            SyntaxProblem::LessThanInAttribute => {
                "属性の値に「<」は書けません（「&lt;」と書いてください）".to_owned()
            }
            SyntaxProblem::InvalidCharacterReference(body) => {
                format!("文字参照「&{body};」は正しくないか、XMLで使えない文字を指しています")
            }
            SyntaxProblem::UnterminatedReference => {
                "実体参照または文字参照が「;」で閉じられていません（文字としての「&」は「&amp;」と書いてください）".to_owned()
            }
            SyntaxProblem::TextOutsideRoot => {
                "ルート要素の外に文字があります".to_owned()
            }
            SyntaxProblem::UndeclaredPrefix(prefix) => {
                format!("名前空間の接頭辞「{prefix}」が宣言されていません")
            }
            SyntaxProblem::NoRootElement => {
                "ルート要素がありません（空の文書か、宣言・コメント・空白だけの文書です）".to_owned()
            }
        }
    }
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
