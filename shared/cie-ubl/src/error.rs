//! Why a document could not be read: one error type with a stable machine code per variant.

use cie_domain::DocumentKind;
use cie_xpath::SyntaxProblem;

/// Why [`crate::parse`] refused a document. [`UblError::code`] gives a stable snake_case code for
/// API responses; the `Display` text says in English what is wrong and where.
///
/// Lines and columns are 1-based; columns count characters, not bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UblError {
    /// The document is larger than [`crate::Limits::max_bytes`]; checked before anything is parsed.
    #[error("document is {size} bytes, more than the limit of {limit} bytes")]
    TooLarge {
        /// Size of the document in bytes.
        size: usize,
        /// The limit in bytes.
        limit: usize,
    },

    /// The bytes are not valid UTF-8.
    #[error(
        "document is not valid UTF-8: invalid byte sequence at byte offset {offset} (line {line}, column {column})"
    )]
    NotUtf8 {
        /// Byte offset of the first invalid sequence in the input (a leading BOM included).
        offset: usize,
        /// Line of the invalid sequence.
        line: usize,
        /// Column of the invalid sequence.
        column: usize,
        /// The elements open there.
        path: String,
    },

    /// The XML declaration names, or the first bytes show, an encoding that is not read here (UTF-8, UTF-16,
    /// Shift_JIS, CP932 and EUC-JP are).
    #[error(
        "document is in encoding \"{encoding}\" (by its XML declaration or its first bytes), which is not \
         read here (UTF-8, UTF-16, Shift_JIS, CP932/Windows-31J and EUC-JP are)"
    )]
    UnsupportedEncoding {
        /// The encoding name as declared, or the encoding the first bytes show.
        encoding: String,
    },

    /// A byte sequence is not valid in the document's encoding (declared, or UTF-16 by its byte order mark).
    #[error(
        "document is not valid {encoding}: invalid byte sequence at byte offset {offset} (line {line}, column {column})"
    )]
    InvalidEncoding {
        /// The encoding the bytes were read in.
        encoding: &'static str,
        /// Byte offset of the first invalid sequence in the bytes as received.
        offset: usize,
        /// Line of the invalid sequence (lines and columns of the text as decoded).
        line: usize,
        /// Column of the invalid sequence.
        column: usize,
        /// The elements open there.
        path: String,
    },

    /// The input is not well-formed, namespace-correct XML: empty, no root element, content outside
    /// the root, mismatched or unclosed tags, bad attributes, unbound prefixes, ...
    #[error(
        "not well-formed XML at line {line}, column {column}{}: {problem}",
        in_path(path)
    )]
    NotXml {
        /// Line of the problem.
        line: usize,
        /// Column of the problem.
        column: usize,
        /// The elements open where the problem is, e.g. `/Invoice/cac:InvoiceLine[2]/cbc:Note[1]`; empty
        /// outside the root element.
        path: String,
        /// What is wrong.
        problem: SyntaxProblem,
    },

    /// Elements are nested deeper than [`crate::Limits::max_depth`].
    #[error("elements are nested more than {limit} levels deep at line {line}, column {column}")]
    TooDeep {
        /// The depth limit.
        limit: usize,
        /// Line of the first element beyond the limit.
        line: usize,
        /// Column of the first element beyond the limit.
        column: usize,
        /// The path of the first element beyond the limit.
        path: String,
    },

    /// An element or attribute name longer than [`crate::MAX_NAME_BYTES`] (UBL's longest is under 60).
    #[error(
        "the name starting {start:?} at line {line}, column {column} is {length} bytes long, more than the limit of {limit}"
    )]
    NameTooLong {
        /// Its first characters.
        start: String,
        /// Its length in bytes.
        length: usize,
        /// The limit.
        limit: usize,
        /// Line of the tag.
        line: usize,
        /// Column of the tag.
        column: usize,
        /// The elements open where the name is (its own element's included).
        path: String,
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
        line: usize,
        /// Column of the element's start tag.
        column: usize,
        /// The element's path.
        path: String,
    },

    /// The top-level `cbc:ID` is longer than [`crate::MAX_NUMBER_CHARS`].
    #[error(
        "document number in cbc:ID at line {line}, column {column} is {length} characters long, more than the limit of {limit}"
    )]
    NumberTooLong {
        /// Length of the (trimmed) number in characters.
        length: usize,
        /// The element's path from the root as the rules give it, e.g. `/Invoice/cbc:ID[1]`.
        path: String,
        /// The limit in characters.
        limit: usize,
        /// Line of the element's start tag.
        line: usize,
        /// Column of the element's start tag.
        column: usize,
    },

    /// Another value the summary keeps is longer than [`crate::MAX_VALUE_CHARS`].
    #[error(
        "{element} at line {line}, column {column} is {length} characters long, more than the limit of {limit}"
    )]
    ValueTooLong {
        /// The element's path from the root as the rules give it, e.g.
        /// `/Invoice/cac:AccountingSupplierParty[1]/cac:Party[1]/cac:PartyLegalEntity[1]/cbc:RegistrationName[1]`.
        element: String,
        /// Length of the (trimmed) value in characters.
        length: usize,
        /// The limit in characters.
        limit: usize,
        /// Line of the element's start tag.
        line: usize,
        /// Column of the element's start tag.
        column: usize,
    },

    /// The document carries a document type declaration (`<!DOCTYPE`), which is never accepted.
    #[error(
        "document type declaration (<!DOCTYPE ...>) at line {line}, column {column} is not accepted"
    )]
    DoctypeForbidden {
        /// Line of the declaration.
        line: usize,
        /// Column of the declaration.
        column: usize,
        /// The elements open where it is (empty before the root element).
        path: String,
    },

    /// An entity reference other than the five predefined ones and character references.
    #[error(
        "entity reference &{name}; at line {line}, column {column} is not accepted; only &amp; &lt; &gt; &quot; &apos; and character references are"
    )]
    EntityForbidden {
        /// The entity name, without `&` and `;`.
        name: String,
        /// Line of the reference (for attribute values, of the element).
        line: usize,
        /// Column of the reference (for attribute values, of the element).
        column: usize,
        /// The elements open where the reference is (for attribute values, the element's included).
        path: String,
    },

    /// The root element is not one of the UBL 2.1 documents the service knows (code
    /// `unknown_document_type`).
    #[error("{}", unknown_root_message(namespace, local_name))]
    UnknownRoot {
        /// Namespace URI of the root element; empty when it has none.
        namespace: String,
        /// Local name of the root element.
        local_name: String,
        /// The root's path, e.g. `/Order`.
        path: String,
        /// Line of the root element's start tag.
        line: usize,
        /// Column of the root element's start tag.
        column: usize,
    },

    /// There is no non-empty top-level `cbc:ID`.
    #[error("{kind} document has no document number: top-level cbc:ID is missing or empty")]
    MissingNumber {
        /// Kind of the document.
        kind: DocumentKind,
        /// The root's path, e.g. `/Invoice`: the element that lacks it.
        path: String,
        /// Line of the root element's start tag, where the number belongs.
        line: usize,
        /// Column of the root element's start tag.
        column: usize,
    },

    /// There is no non-empty top-level `cbc:IssueDate`.
    #[error("{kind} document has no issue date: top-level cbc:IssueDate is missing or empty")]
    MissingIssueDate {
        /// Kind of the document.
        kind: DocumentKind,
        /// The root's path, e.g. `/Invoice`: the element that lacks it.
        path: String,
        /// Line of the root element's start tag, where the date belongs.
        line: usize,
        /// Column of the root element's start tag.
        column: usize,
    },

    /// The top-level `cbc:IssueDate` is not a date `YYYY-MM-DD` (optionally with a time zone).
    #[error(
        "issue date {value:?} in cbc:IssueDate at line {line}, column {column} is not a valid date of the form YYYY-MM-DD"
    )]
    InvalidIssueDate {
        /// The value as written (trimmed).
        value: String,
        /// The element's path, e.g. `/Invoice/cbc:IssueDate[1]`.
        path: String,
        /// Line of the element's start tag.
        line: usize,
        /// Column of the element's start tag.
        column: usize,
    },

    /// An amount or percentage the summary needs is not a plain decimal number.
    #[error(
        "{element} at line {line}, column {column}: {value:?} is not a decimal number (digits with an optional sign and decimal point)"
    )]
    InvalidAmount {
        /// The element's path from the root as the rules give it, e.g.
        /// `/Invoice/cac:LegalMonetaryTotal[1]/cbc:PayableAmount[1]`.
        element: String,
        /// The value as written (trimmed).
        value: String,
        /// Line of the element's start tag.
        line: usize,
        /// Column of the element's start tag.
        column: usize,
    },
}

impl UblError {
    /// Whether the bytes are well-formed XML of a known kind within the limits and only a field the summary
    /// needs is missing or malformed: the schema check and the rules can still run on such a document.
    pub fn is_field_error(&self) -> bool {
        matches!(
            self,
            UblError::MissingNumber { .. }
                | UblError::MissingIssueDate { .. }
                | UblError::InvalidIssueDate { .. }
                | UblError::InvalidAmount { .. }
        )
    }

    /// Where the problem is: line, column and the element's path from the root (as the rules and the schema
    /// check locate their findings), as far as the reader knows them.
    pub fn location(&self) -> (Option<(usize, usize)>, Option<String>) {
        match self {
            UblError::NotXml {
                line, column, path, ..
            }
            | UblError::TooDeep {
                line, column, path, ..
            }
            | UblError::NameTooLong {
                line, column, path, ..
            }
            | UblError::DoctypeForbidden { line, column, path }
            | UblError::EntityForbidden {
                line, column, path, ..
            }
            | UblError::TooManyAttributes {
                line, column, path, ..
            }
            | UblError::NotUtf8 {
                line, column, path, ..
            }
            | UblError::InvalidEncoding {
                line, column, path, ..
            } => (
                Some((*line, *column)),
                (!path.is_empty()).then(|| path.clone()),
            ),
            UblError::NumberTooLong {
                line, column, path, ..
            }
            | UblError::MissingNumber {
                line, column, path, ..
            }
            | UblError::InvalidIssueDate {
                line, column, path, ..
            }
            | UblError::MissingIssueDate {
                line, column, path, ..
            }
            | UblError::UnknownRoot {
                line, column, path, ..
            } => (Some((*line, *column)), Some(path.clone())),
            UblError::ValueTooLong {
                element,
                line,
                column,
                ..
            }
            | UblError::InvalidAmount {
                element,
                line,
                column,
                ..
            } => (Some((*line, *column)), Some(element.clone())),
            // The encoding is named in the XML declaration, which starts the document.
            UblError::UnsupportedEncoding { .. } => (Some((1, 1)), None),
            UblError::TooLarge { .. } => (None, None),
        }
    }

    /// What is wrong and where, in Japanese (the `Display` text is the English).
    pub fn message_ja(&self) -> String {
        match self {
            UblError::TooLarge { size, limit } => {
                format!("文書は {size} バイトで、上限の {limit} バイトを超えています。")
            }
            UblError::NotUtf8 {
                offset,
                line,
                column,
                ..
            } => format!(
                "文書が正しいUTF-8ではありません（{line} 行 {column} 文字目、{offset} バイト目に不正なバイト列があります）。"
            ),
            UblError::UnsupportedEncoding { encoding } => format!(
                "文書の文字コード「{encoding}」（XML宣言または先頭のバイト列による）には対応していません（UTF-8、UTF-16、Shift_JIS、CP932/Windows-31J、EUC-JP に対応しています）。"
            ),
            UblError::InvalidEncoding {
                encoding,
                offset,
                line,
                column,
                ..
            } => format!(
                "文書が正しい{encoding}ではありません（{line} 行 {column} 文字目、{offset} バイト目に不正なバイト列があります）。"
            ),
            UblError::NotXml {
                line,
                column,
                path,
                problem,
            } => format!(
                "{line} 行 {column} 文字目{}が正しいXMLではありません。{}。",
                in_path_ja(path),
                problem.message_ja()
            ),
            UblError::TooDeep {
                limit,
                line,
                column,
                ..
            } => format!(
                "{line} 行 {column} 文字目で要素の入れ子が上限の {limit} 段を超えています。"
            ),
            UblError::NameTooLong {
                start,
                length,
                limit,
                line,
                column,
                ..
            } => format!(
                "{line} 行 {column} 文字目の名前（{start}…）は {length} バイトで、上限の {limit} バイトを超えています。"
            ),
            UblError::TooManyAttributes {
                element,
                count,
                limit,
                line,
                column,
                ..
            } => format!(
                "{line} 行 {column} 文字目の要素 <{element}> の属性は {count} 個で、上限の {limit} 個を超えています。"
            ),
            UblError::NumberTooLong {
                length,
                limit,
                line,
                column,
                ..
            } => format!(
                "{line} 行 {column} 文字目の文書番号（cbc:ID）は {length} 文字で、上限の {limit} 文字を超えています。"
            ),
            UblError::ValueTooLong {
                element,
                length,
                limit,
                line,
                column,
            } => format!(
                "{line} 行 {column} 文字目の {element} は {length} 文字で、上限の {limit} 文字を超えています。"
            ),
            UblError::DoctypeForbidden { line, column, .. } => format!(
                "{line} 行 {column} 文字目の文書型宣言（<!DOCTYPE ...>）は受け付けていません。"
            ),
            UblError::EntityForbidden {
                name, line, column, ..
            } => format!(
                "{line} 行 {column} 文字目の実体参照 &{name}; は受け付けていません（&amp; &lt; &gt; &quot; &apos; と文字参照のみ使えます）。"
            ),
            UblError::UnknownRoot {
                namespace,
                local_name,
                ..
            } => format!(
                "ルート要素 <{local_name}>（名前空間 \"{namespace}\"）は対応しているUBL 2.1の文書ではありません（例: 名前空間 \"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2\" の <Invoice>）。"
            ),
            UblError::MissingNumber { kind, .. } => format!(
                "{} に文書番号がありません（最上位の cbc:ID がないか空です）。",
                kind.as_str()
            ),
            UblError::MissingIssueDate { kind, .. } => format!(
                "{} に発行日がありません（最上位の cbc:IssueDate がないか空です）。",
                kind.as_str()
            ),
            UblError::InvalidIssueDate {
                value,
                line,
                column,
                ..
            } => format!(
                "{line} 行 {column} 文字目の発行日（cbc:IssueDate）「{value}」は YYYY-MM-DD 形式の正しい日付ではありません。"
            ),
            UblError::InvalidAmount {
                element,
                value,
                line,
                column,
            } => format!(
                "{line} 行 {column} 文字目の {element}「{value}」は数値ではありません（符号と小数点を含められる数字で書いてください）。"
            ),
        }
    }

    /// The stable snake_case code of this error, part of the public API contract.
    pub fn code(&self) -> &'static str {
        match self {
            UblError::TooLarge { .. } => "document_too_large",
            UblError::NotUtf8 { .. } => "not_utf8",
            UblError::UnsupportedEncoding { .. } => "unsupported_encoding",
            UblError::InvalidEncoding { .. } => "invalid_encoding",
            UblError::NotXml { .. } => "not_xml",
            UblError::TooDeep { .. } => "too_deeply_nested",
            UblError::TooManyAttributes { .. } => "too_many_attributes",
            UblError::NameTooLong { .. } => "name_too_long",
            UblError::NumberTooLong { .. } => "document_number_too_long",
            UblError::ValueTooLong { .. } => "value_too_long",
            UblError::DoctypeForbidden { .. } => "doctype_forbidden",
            UblError::EntityForbidden { .. } => "entity_forbidden",
            UblError::UnknownRoot { .. } => "unknown_document_type",
            UblError::MissingNumber { .. } => "missing_document_number",
            UblError::MissingIssueDate { .. } => "missing_issue_date",
            UblError::InvalidIssueDate { .. } => "invalid_issue_date",
            UblError::InvalidAmount { .. } => "invalid_amount",
        }
    }
}

/// ` (in /a/b[1])` for a non-empty path, for the English messages.
fn in_path(path: &str) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!(" (in {path})")
    }
}

/// `（/a/b[1] の中）` for a non-empty path, for the Japanese messages.
fn in_path_ja(path: &str) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!("（{path} の中）")
    }
}

fn unknown_root_message(namespace: &str, local_name: &str) -> String {
    let what = if namespace.is_empty() {
        format!("root element <{local_name}> in no namespace")
    } else {
        format!("root element <{local_name}> in namespace {namespace:?}")
    };
    format!(
        "{what} is not a supported UBL 2.1 document (expected e.g. <Invoice> in \
         \"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2\")"
    )
}
