//! The wording of every finding, in English and Japanese.

use crate::datatype::DataType;

/// A message in both languages.
pub(crate) struct Message {
    pub(crate) en: String,
    pub(crate) ja: String,
}

/// What may come at the position of an unexpected element.
pub(crate) struct Expected<'a> {
    /// Element names, in sequence order.
    pub(crate) names: Vec<&'a str>,
    /// Whether the parent may also end here (no required element is pending).
    pub(crate) end_allowed: bool,
    /// The parent's name.
    pub(crate) parent: &'a str,
}

/// Why an unexpected element is unknown, when it is.
pub(crate) enum Unknown<'a> {
    /// UBL 2.1 declares the element; it is just not allowed here.
    No,
    /// UBL 2.1 declares no such element.
    Undeclared,
    /// UBL 2.1 declares no such element, but one with the same local name is allowed in the parent.
    WrongNamespace { declared: &'a str },
}

const MAX_VALUE_CHARS: usize = 60;

pub(crate) fn element_unexpected(
    name: &str,
    unknown: Unknown<'_>,
    expected: &Expected<'_>,
) -> Message {
    let (note_en, note_ja) = match unknown {
        Unknown::No => (String::new(), String::new()),
        Unknown::Undeclared => (
            format!(" ({name} is not a UBL 2.1 element)"),
            format!("（{name}はUBL 2.1に定義されていない要素です）"),
        ),
        Unknown::WrongNamespace { declared } => (
            format!(" ({name} is not declared in its namespace; UBL 2.1 has {declared})"),
            format!("（{name}はその名前空間に定義されていません。UBL 2.1の要素は{declared}です）"),
        ),
    };
    let list_en = expected.names.join(", ");
    let list_ja = expected.names.join("、");
    let (expected_en, expected_ja) = match (expected.names.len(), expected.end_allowed) {
        (0, _) => (
            format!("no more child elements are allowed in {}", expected.parent),
            format!("{}にはこれ以上子要素を記載できません。", expected.parent),
        ),
        (1, false) => (
            format!("expected {list_en}"),
            format!("{list_ja}が必要です。"),
        ),
        (_, false) => (
            format!("expected one of {list_en}"),
            format!("{list_ja}のいずれかが必要です。"),
        ),
        (_, true) => (
            format!(
                "expected one of {list_en} or the end of {}",
                expected.parent
            ),
            format!(
                "{list_ja}のいずれかを記載するか、ここで{}を終える必要があります。",
                expected.parent
            ),
        ),
    };
    Message {
        en: format!("Element {name} is not expected here{note_en}; {expected_en}"),
        ja: format!("ここに要素{name}は記載できません{note_ja}。{expected_ja}"),
    }
}

pub(crate) fn element_too_early(name: &str, following: &[&str]) -> Message {
    Message {
        en: format!(
            "Element {name} is out of order: it must come after {}, which follow it here",
            following.join(", ")
        ),
        ja: format!(
            "要素{name}の位置が正しくありません。この後に記載されている{}より後に記載してください。",
            following.join("、")
        ),
    }
}

pub(crate) fn element_too_late(name: &str, before: &str) -> Message {
    Message {
        en: format!("Element {name} is out of order: it must come before {before}"),
        ja: format!("要素{name}の位置が正しくありません。{before}より前に記載してください。"),
    }
}

pub(crate) fn element_in_simple_content(name: &str, parent: &str) -> Message {
    Message {
        en: format!("Element {name} is not allowed inside {parent}, which contains text only"),
        ja: format!("{parent}は文字列のみを記載する要素のため、子要素{name}は記載できません。"),
    }
}

pub(crate) fn element_missing(name: &str, parent: &str, before: Option<&str>) -> Message {
    match before {
        Some(before) => Message {
            en: format!(
                "Required element {name} is missing in {parent} (expected before {before})"
            ),
            ja: format!("{parent}に必須の要素{name}がありません（{before}より前に必要です）。"),
        },
        None => Message {
            en: format!("Required element {name} is missing in {parent}"),
            ja: format!("{parent}に必須の要素{name}がありません。"),
        },
    }
}

pub(crate) fn element_too_many(name: &str, parent: &str, max: u32) -> Message {
    Message {
        en: format!(
            "Element {name} occurs too often in {parent}; at most {max} {} allowed",
            if max == 1 { "is" } else { "are" }
        ),
        ja: format!("{parent}内の要素{name}が多すぎます（最大{max}個まで）。"),
    }
}

pub(crate) fn attribute_missing(attribute: &str, element: &str) -> Message {
    Message {
        en: format!("Attribute {attribute} is required on {element}"),
        ja: format!("{element}には属性{attribute}が必要です。"),
    }
}

pub(crate) fn attribute_unexpected(attribute: &str, element: &str) -> Message {
    Message {
        en: format!("Attribute {attribute} is not allowed on {element}"),
        ja: format!("{element}に属性{attribute}は記載できません。"),
    }
}

pub(crate) fn value_invalid(element: &str, value: &str, datatype: DataType) -> Message {
    let (what_en, what_ja) = describe(datatype);
    let value = shorten(value);
    Message {
        en: format!("Value \"{value}\" of {element} is not {what_en}"),
        ja: format!("{element}の値「{value}」は{what_ja}として正しくありません。"),
    }
}

pub(crate) fn attribute_value_invalid(
    attribute: &str,
    element: &str,
    value: &str,
    datatype: DataType,
) -> Message {
    let (what_en, what_ja) = describe(datatype);
    let value = shorten(value);
    Message {
        en: format!("Value \"{value}\" of attribute {attribute} on {element} is not {what_en}"),
        ja: format!("{element}の属性{attribute}の値「{value}」は{what_ja}として正しくありません。"),
    }
}

pub(crate) fn text_in_element_content(element: &str, text: &str) -> Message {
    let text = shorten(text);
    Message {
        en: format!("Element {element} may contain only child elements, not text (\"{text}\")"),
        ja: format!("要素{element}には子要素のみ記載でき、文字列（「{text}」）は記載できません。"),
    }
}

fn describe(datatype: DataType) -> (&'static str, &'static str) {
    match datatype {
        DataType::Text => ("valid text", "文字列"),
        DataType::Decimal => (
            "a valid decimal number (digits with an optional sign and decimal point, e.g. 1234.5)",
            "数値（符号と小数点を含められる数字。例: 1234.5）",
        ),
        DataType::Date => ("a valid date (YYYY-MM-DD)", "日付（YYYY-MM-DD）"),
        DataType::Time => ("a valid time (hh:mm:ss)", "時刻（hh:mm:ss）"),
        DataType::DateTime => (
            "a valid date and time (YYYY-MM-DDThh:mm:ss)",
            "日時（YYYY-MM-DDThh:mm:ss）",
        ),
        DataType::Boolean => (
            "a valid indicator (true or false)",
            "真偽値（trueまたはfalse）",
        ),
        DataType::Base64Binary => ("valid base64 data", "Base64形式のデータ"),
        DataType::Language => (
            "a valid language code (e.g. ja, en-US)",
            "言語コード（例: ja、en-US）",
        ),
    }
}

fn shorten(value: &str) -> String {
    match value.char_indices().nth(MAX_VALUE_CHARS) {
        Some((cut, _)) => format!("{}…", &value[..cut]),
        None => value.to_owned(),
    }
}
