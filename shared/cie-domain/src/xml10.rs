//! XML 1.0 well-formedness checks shared by every parser of the service (the UBL reader, the
//! schema check and the XPath DOM): the `Char` production, `]]>` in character data and the version
//! in the XML declaration, so all three refuse the same documents with the same words.

use std::fmt;

/// How far into the document the end of the XML declaration is looked for.
const DECLARATION_WINDOW: usize = 1024;

/// One violation of XML 1.0 found by [`check_document`] or [`check_character_data`], at byte
/// [`Xml10Violation::offset`] of the checked input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Xml10Violation {
    /// Byte offset of the problem in the checked input.
    pub offset: usize,
    /// What is wrong.
    pub problem: Xml10Problem,
}

/// What [`Xml10Violation`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Xml10Problem {
    /// A character outside the XML 1.0 `Char` production.
    NotAChar(char),
    /// `]]>` in character data outside a CDATA section.
    CdataEndInText,
    /// An XML declaration naming a version other than 1.0 (or none).
    Version(Option<String>),
}

impl fmt::Display for Xml10Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Xml10Problem::NotAChar(c) => write!(
                f,
                "character U+{:04X} is not allowed in an XML 1.0 document",
                u32::from(*c)
            ),
            Xml10Problem::CdataEndInText => f.write_str(
                "`]]>` is not allowed in character data outside a CDATA section (write `]]&gt;`)",
            ),
            Xml10Problem::Version(Some(version)) => write!(
                f,
                "the XML declaration names version {version:?}; only XML 1.0 is accepted"
            ),
            Xml10Problem::Version(None) => {
                f.write_str("the XML declaration has no version; only XML 1.0 is accepted")
            }
        }
    }
}

impl Xml10Problem {
    /// What is wrong, in Japanese (the `Display` text is the English).
    pub fn message_ja(&self) -> String {
        match self {
            Xml10Problem::NotAChar(c) => format!(
                "文字 U+{:04X} は XML 1.0 の文書には使えません（制御文字などは取り除いてください）",
                u32::from(*c)
            ),
            Xml10Problem::CdataEndInText => {
                "CDATA セクションの外の文字データに「]]>」は書けません（「]]&gt;」 と書いてください）"
                    .to_owned()
            }
            Xml10Problem::Version(Some(version)) => {
                format!("XML宣言のバージョンが「{version}」です。受け付けるのは XML 1.0 のみです")
            }
            Xml10Problem::Version(None) => {
                "XML宣言にバージョンがありません。受け付けるのは XML 1.0 のみです".to_owned()
            }
        }
    }
}

/// Whether `c` matches the XML 1.0 `Char` production.
pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Whether `c` matches the XML 1.0 `NameStartChar` production (the colon left out: names are checked as
/// namespace-qualified names, [`is_qname`]).
pub fn is_name_start_char(c: char) -> bool {
    matches!(c,
        'A'..='Z' | '_' | 'a'..='z' | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}' | '\u{F8}'..='\u{2FF}'
        | '\u{370}'..='\u{37D}' | '\u{37F}'..='\u{1FFF}' | '\u{200C}'..='\u{200D}'
        | '\u{2070}'..='\u{218F}' | '\u{2C00}'..='\u{2FEF}' | '\u{3001}'..='\u{D7FF}'
        | '\u{F900}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FFFD}' | '\u{10000}'..='\u{EFFFF}')
}

/// Whether `c` matches the XML 1.0 `NameChar` production (the colon left out).
pub fn is_name_char(c: char) -> bool {
    is_name_start_char(c)
        || matches!(c, '-' | '.' | '0'..='9' | '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}')
}

/// Whether `name` is a namespace-qualified name: one `NCName`, or two joined by one colon.
pub fn is_qname(name: &str) -> bool {
    let ncname = |part: &str| {
        let mut chars = part.chars();
        chars.next().is_some_and(is_name_start_char) && chars.all(is_name_char)
    };
    match name.split_once(':') {
        None => ncname(name),
        Some((prefix, local)) => ncname(prefix) && ncname(local),
    }
}

/// Checks the whole document (after any BOM) in one linear pass: every character is an XML 1.0
/// `Char`, and an XML declaration at the start names version 1.0. `]]>` needs to know what is
/// character data; parsers check it with [`check_character_data`].
pub fn check_document(input: &str) -> Result<(), Xml10Violation> {
    check_version(input)?;
    check_chars(input)
}

/// Every character of `input` is an XML 1.0 `Char`. A `&str` holds no surrogates, so only the C0
/// controls other than tab, line feed and carriage return, U+FFFE and U+FFFF can be wrong. The input is
/// looked at in blocks of [`BLOCK`] bytes with a test the compiler turns into vector instructions; only a
/// block with such a control or an 0xEF byte (the first byte of U+FFFE and U+FFFF, and of the fullwidth
/// forms Japanese text uses) is looked at byte by byte.
fn check_chars(input: &str) -> Result<(), Xml10Violation> {
    let bytes = input.as_bytes();
    let suspicious = |at: usize, byte: u8| {
        (byte < 0x20 && !matches!(byte, b'\t' | b'\n' | b'\r'))
            || (byte == 0xEF
                && bytes.get(at + 1) == Some(&0xBF)
                && matches!(bytes.get(at + 2), Some(0xBE | 0xBF)))
    };
    let first_in = |start: usize, block: &[u8]| {
        (0..block.len())
            .find(|&offset| suspicious(start + offset, block[offset]))
            .map(|offset| start + offset)
    };
    let blocks = bytes.chunks_exact(BLOCK);
    let tail_start = bytes.len() - blocks.remainder().len();
    let found = blocks
        .enumerate()
        .filter(|(_, block)| may_hold_a_forbidden_char(block))
        .find_map(|(index, block)| first_in(index * BLOCK, block))
        .or_else(|| first_in(tail_start, &bytes[tail_start..]));
    match found {
        None => Ok(()),
        Some(offset) => {
            let c = input[offset..].chars().next().unwrap_or('\0');
            Err(Xml10Violation {
                offset,
                problem: Xml10Problem::NotAChar(c),
            })
        }
    }
}

/// The bytes [`check_chars`] looks at together.
const BLOCK: usize = 64;

/// Whether `block` has a C0 control other than tab, line feed and carriage return, or an 0xEF byte:
/// a test without branches over a fixed number of bytes, so that it is vectorised.
fn may_hold_a_forbidden_char(block: &[u8]) -> bool {
    block.iter().fold(false, |found, &byte| {
        found
            | ((byte < 0x20) & (byte != b'\t') & (byte != b'\n') & (byte != b'\r'))
            | (byte == 0xEF)
    })
}

/// The XML declaration at the start of `input`, if any, names version 1.0.
fn check_version(input: &str) -> Result<(), Xml10Violation> {
    let Some(rest) = input.strip_prefix("<?xml") else {
        return Ok(());
    };
    if !rest.starts_with([' ', '\t', '\r', '\n']) {
        return Ok(());
    }
    let window = &rest.as_bytes()[..rest.len().min(DECLARATION_WINDOW)];
    let end = window
        .windows(2)
        .position(|pair| pair == b"?>")
        .unwrap_or(window.len());
    let declaration = &window[..end];
    let version = pseudo_attribute(declaration, b"version");
    if version == Some(&b"1.0"[..]) {
        return Ok(());
    }
    Err(Xml10Violation {
        offset: 0,
        problem: Xml10Problem::Version(
            version.map(|value| String::from_utf8_lossy(value).into_owned()),
        ),
    })
}

/// The value of pseudo-attribute `name="…"` in an XML declaration.
fn pseudo_attribute<'d>(declaration: &'d [u8], name: &[u8]) -> Option<&'d [u8]> {
    let at = declaration
        .windows(name.len())
        .position(|window| window == name)?;
    let after = trim_start(&declaration[at + name.len()..]);
    let after = trim_start(after.strip_prefix(b"=")?);
    let (&quote, value) = after.split_first()?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    Some(&value[..value.iter().position(|&byte| byte == quote)?])
}

fn trim_start(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|byte| !byte.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    &bytes[start..]
}

/// Checks raw character data (text between markup, outside CDATA sections) that starts at byte
/// `offset` of the document: it must not contain `]]>`.
pub fn check_character_data(text: &str, offset: usize) -> Result<(), Xml10Violation> {
    if !text.as_bytes().contains(&b']') {
        return Ok(());
    }
    match text.find("]]>") {
        None => Ok(()),
        Some(at) => Err(Xml10Violation {
            offset: offset + at,
            problem: Xml10Problem::CdataEndInText,
        }),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_block_test_flags_exactly_the_bytes_it_names() {
        for byte in 0..=255u8 {
            for position in [0, 1, 31, 32, 63] {
                let filler = if byte == b'a' { b'b' } else { b'a' };
                let mut block = [filler; super::BLOCK];
                block[position] = byte;
                let named = (byte < 0x20 && !matches!(byte, b'\t' | b'\n' | b'\r')) || byte == 0xEF;
                assert_eq!(
                    super::may_hold_a_forbidden_char(&block),
                    named,
                    "{byte:#x} at {position}"
                );
            }
        }
    }

    use super::*;

    #[test]
    fn qualified_names_follow_the_name_productions() {
        for good in ["Invoice", "cbc:ID", "x-y.z", "_a", "請求書", "a·b"] {
            assert!(is_qname(good), "{good}");
        }
        for bad in [
            "", "1a", "cbc:1a", "a:b:c", ":a", "a:", "a{b", "‹a×", "a b", "-a",
        ] {
            assert!(!is_qname(bad), "{bad}");
        }
    }

    fn problem(input: &str) -> Option<(usize, String)> {
        check_document(input)
            .err()
            .map(|violation| (violation.offset, violation.problem.to_string()))
    }

    #[test]
    fn characters_outside_the_char_production_are_found() {
        for (c, name) in [
            ('\0', "U+0000"),
            ('\u{1}', "U+0001"),
            ('\u{1B}', "U+001B"),
            ('\u{FFFE}', "U+FFFE"),
            ('\u{FFFF}', "U+FFFF"),
        ] {
            let input = format!("<a>é{c}</a>");
            let (offset, message) = problem(&input).expect("refused");
            assert_eq!(offset, 5, "{name}");
            assert!(message.contains(name), "{message}");
        }
    }

    #[test]
    fn a_bad_character_is_found_wherever_it_falls_in_a_block() {
        for position in 0..140 {
            for bad in ['\u{1}', '\u{1F}', '\u{FFFE}', '\u{FFFF}'] {
                let input = format!("<a>{}{bad}{}</a>", "x".repeat(position), "y".repeat(9));
                let (offset, _) = problem(&input).expect("refused");
                assert_eq!(offset, 3 + position, "{bad:?} after {position}");
            }
            let good = format!(
                "<a>{}\u{EFFF}\u{FFFD}\u{FEFF}\t\n\r\u{7F}</a>",
                "x".repeat(position)
            );
            assert_eq!(problem(&good), None);
        }
    }

    #[test]
    fn every_char_of_the_production_is_accepted() {
        let input = "<a>\t\r\n \u{7F}\u{85}\u{D7FF}\u{E000}\u{FFFD}\u{10000}\u{10FFFF}日本</a>";
        assert_eq!(problem(input), None);
    }

    #[test]
    fn only_version_1_0_is_accepted() {
        assert_eq!(
            problem(r#"<?xml version="1.0" encoding="UTF-8"?><a/>"#),
            None
        );
        assert_eq!(problem("<?xml version='1.0'?><a/>"), None);
        assert_eq!(problem("<a/>"), None);
        assert_eq!(problem("<?xml-stylesheet href='x'?><a/>"), None);
        let (offset, message) = problem(r#"<?xml version="1.1"?><a/>"#).expect("refused");
        assert_eq!(offset, 0);
        assert!(message.contains("\"1.1\""), "{message}");
        assert!(problem(r#"<?xml encoding="UTF-8"?><a/>"#).is_some());
    }

    #[test]
    fn cdata_end_in_text_is_found() {
        assert_eq!(check_character_data("a]]b>", 3), Ok(()));
        assert_eq!(check_character_data("a]]&gt;", 3), Ok(()));
        let violation = check_character_data("ab]]>", 10).expect_err("refused");
        assert_eq!(violation.offset, 12);
        assert_eq!(violation.problem, Xml10Problem::CdataEndInText);
    }
}
