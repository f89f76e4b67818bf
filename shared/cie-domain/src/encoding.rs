//! The character encodings a received XML document may come in, read by transcoding to UTF-8 once, before any
//! reader sees it: UTF-8 (with or without a byte order mark), UTF-16 in either byte order (by its byte order
//! mark, or by its first characters as XML 1.0 Appendix F tells), and, as the XML declaration names them,
//! Shift_JIS / CP932 / Windows-31J and EUC-JP, still common in Japanese business software. The transcoded text's
//! declaration names UTF-8; the bytes as received are what the archive keeps.

use std::borrow::Cow;

use encoding_rs::{DecoderResult, EUC_JP, Encoding, SHIFT_JIS, UTF_16BE, UTF_16LE};

/// Why bytes could not be read as text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodingError {
    /// The XML declaration names, or the first bytes show, an encoding this service does not read.
    #[error(
        "the document is in encoding \"{encoding}\" (by its XML declaration or its first bytes), which is not \
         read here (UTF-8, UTF-16, Shift_JIS, CP932/Windows-31J and EUC-JP are)"
    )]
    Unsupported {
        /// The name as declared, or the encoding the first bytes show.
        encoding: String,
    },
    /// A byte sequence is not valid in the document's encoding.
    #[error("the document is not valid {encoding}: invalid byte sequence at byte offset {offset}")]
    Invalid {
        /// The encoding the bytes were read in.
        encoding: &'static str,
        /// Where the first invalid sequence starts in the bytes as received.
        offset: usize,
    },
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// `bytes` as UTF-8: borrowed when they are UTF-8 already (or claim to be: validity is the reader's check),
/// transcoded when they are UTF-16 or declare a Japanese legacy encoding, with the declaration then naming
/// UTF-8.
pub fn to_utf8(bytes: &[u8]) -> Result<Cow<'_, [u8]>, EncodingError> {
    if let Some(encoding) = unsupported_by_first_bytes(bytes) {
        return Err(EncodingError::Unsupported {
            encoding: encoding.to_owned(),
        });
    }
    if bytes.starts_with(UTF8_BOM) {
        return Ok(Cow::Borrowed(bytes));
    }
    if let Some((encoding, skip)) = utf16_of(bytes) {
        return transcode(bytes, skip, encoding).map(Cow::Owned);
    }
    let Some(declared) = declared_encoding(bytes) else {
        return Ok(Cow::Borrowed(bytes));
    };
    match legacy_encoding(declared) {
        Some(encoding) => transcode(bytes, 0, encoding).map(Cow::Owned),
        None if is_utf8_name(declared) => Ok(Cow::Borrowed(bytes)),
        // A declaration read as ASCII cannot be in UTF-16.
        None if Encoding::for_label(declared).is_some_and(|e| e == UTF_16LE || e == UTF_16BE) => {
            Err(EncodingError::Invalid {
                encoding: "UTF-16",
                offset: 0,
            })
        }
        None => Err(EncodingError::Unsupported {
            encoding: String::from_utf8_lossy(declared).into_owned(),
        }),
    }
}

/// The text of `bytes[..offset]` as [`to_utf8`] reads the document (its declaration as written, invalid
/// sequences replaced): what comes before an [`EncodingError::Invalid`], or before the first byte that is not
/// UTF-8, for the line and column of the error.
pub fn text_before(bytes: &[u8], offset: usize) -> String {
    let offset = offset.min(bytes.len());
    let (encoding, skip) = if bytes.starts_with(UTF8_BOM) {
        (encoding_rs::UTF_8, UTF8_BOM.len())
    } else if let Some(utf16) = utf16_of(bytes) {
        utf16
    } else {
        let legacy = declared_encoding(bytes).and_then(legacy_encoding);
        (legacy.unwrap_or(encoding_rs::UTF_8), 0)
    };
    let input = bytes.get(skip..offset).unwrap_or_default();
    encoding.decode_without_bom_handling(input).0.into_owned()
}

/// Whether `name` names UTF-8.
pub fn is_utf8_name(name: &[u8]) -> bool {
    name.eq_ignore_ascii_case(b"utf-8") || name.eq_ignore_ascii_case(b"utf8")
}

/// UTF-32 (UCS-4, in any byte order, with or without a byte order mark) or EBCDIC, as XML 1.0 Appendix F
/// recognises them by the first four bytes: encodings not read here, named in the refusal rather than read as
/// UTF-8 up to their first invalid byte. (`FF FE 00 00` would be UTF-16 with a NUL first, which XML forbids.)
fn unsupported_by_first_bytes(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        [0x00, 0x00, 0xFE, 0xFF, ..]
        | [0xFF, 0xFE, 0x00, 0x00, ..]
        | [0x00, 0x00, 0xFF, 0xFE, ..]
        | [0xFE, 0xFF, 0x00, 0x00, ..]
        | [0x00, 0x00, 0x00, b'<', ..]
        | [b'<', 0x00, 0x00, 0x00, ..]
        | [0x00, 0x00, b'<', 0x00, ..]
        | [0x00, b'<', 0x00, 0x00, ..] => Some("UTF-32"),
        [0x4C, 0x6F, 0xA7, 0x94, ..] => Some("EBCDIC"),
        _ => None,
    }
}

/// UTF-16 by its byte order mark (skipped) or by `<?` as UTF-16 without one.
fn utf16_of(bytes: &[u8]) -> Option<(&'static Encoding, usize)> {
    match bytes {
        [0xFE, 0xFF, ..] => Some((UTF_16BE, 2)),
        [0xFF, 0xFE, ..] => Some((UTF_16LE, 2)),
        [0x00, b'<', 0x00, b'?', ..] => Some((UTF_16BE, 0)),
        [b'<', 0x00, b'?', 0x00, ..] => Some((UTF_16LE, 0)),
        _ => None,
    }
}

/// The Japanese legacy encoding a declared name means: the WHATWG labels, and the IANA and Java names the
/// WHATWG list leaves out, which the official validator (Java) reads (see [`MORE_LABELS`]). encoding_rs's
/// Shift_JIS is Microsoft's CP932 (Windows-31J), which Japanese software writes under all these names.
fn legacy_encoding(name: &[u8]) -> Option<&'static Encoding> {
    if let Some(&(_, encoding)) = MORE_LABELS
        .iter()
        .find(|(label, _)| name.eq_ignore_ascii_case(label.as_bytes()))
    {
        return Some(encoding);
    }
    Encoding::for_label_no_replacement(name).filter(|e| *e == SHIFT_JIS || *e == EUC_JP)
}

/// Names of Shift_JIS / CP932 and EUC-JP that are not WHATWG labels: `CP932`, and the IANA names and Java
/// aliases of Windows-31J and EUC-JP.
const MORE_LABELS: [(&str, &Encoding); 8] = [
    ("cp932", SHIFT_JIS),
    ("windows-932", SHIFT_JIS),
    ("cswindows31j", SHIFT_JIS),
    ("extended_unix_code_packed_format_for_japanese", EUC_JP),
    ("euc_jp", EUC_JP),
    ("eucjp", EUC_JP),
    ("x-eucjp", EUC_JP),
    ("eucjis", EUC_JP),
];

/// `bytes[skip..]` decoded from `encoding` into UTF-8, the declaration's encoding made UTF-8.
fn transcode(
    bytes: &[u8],
    skip: usize,
    encoding: &'static Encoding,
) -> Result<Vec<u8>, EncodingError> {
    let input = &bytes[skip..];
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let mut text = String::with_capacity(
        decoder
            .max_utf8_buffer_length_without_replacement(input.len())
            .unwrap_or(input.len() * 3),
    );
    let mut read = 0;
    loop {
        let (result, consumed) =
            decoder.decode_to_string_without_replacement(&input[read..], &mut text, true);
        read += consumed;
        match result {
            DecoderResult::InputEmpty => break,
            DecoderResult::OutputFull => text.reserve(input.len() - read + 16),
            DecoderResult::Malformed(bad, unread) => {
                return Err(EncodingError::Invalid {
                    encoding: encoding.name(),
                    offset: skip + read - usize::from(unread) - usize::from(bad),
                });
            }
        }
    }
    Ok(with_utf8_declaration(text).into_bytes())
}

/// `text` with its XML declaration's encoding, if it names one, replaced by UTF-8.
fn with_utf8_declaration(mut text: String) -> String {
    if let Some((start, end)) = declared_encoding_span(text.as_bytes()) {
        text.replace_range(start..end, "UTF-8");
    }
    text
}

/// The declared encoding name of an ASCII-compatible document.
fn declared_encoding(bytes: &[u8]) -> Option<&[u8]> {
    declared_encoding_span(bytes).map(|(start, end)| &bytes[start..end])
}

/// Where the value of `encoding="…"` in the XML declaration at the start of `bytes` lies.
fn declared_encoding_span(bytes: &[u8]) -> Option<(usize, usize)> {
    let rest = bytes.strip_prefix(b"<?xml")?;
    if !rest.first().is_some_and(u8::is_ascii_whitespace) {
        return None;
    }
    let window = &rest[..rest.len().min(1024)];
    let declaration = &window[..find(window, b"?>")?];
    let mut at = find(declaration, b"encoding")? + b"encoding".len();
    let skip_spaces = |at: &mut usize| {
        while declaration.get(*at).is_some_and(u8::is_ascii_whitespace) {
            *at += 1;
        }
    };
    skip_spaces(&mut at);
    (declaration.get(at) == Some(&b'=')).then_some(())?;
    at += 1;
    skip_spaces(&mut at);
    let quote = *declaration
        .get(at)
        .filter(|q| **q == b'"' || **q == b'\'')?;
    let start = at + 1;
    let length = declaration[start..].iter().position(|&b| b == quote)?;
    let offset = b"<?xml".len();
    Some((offset + start, offset + start + length))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "<?xml version=\"1.0\" encoding=\"Shift_JIS\"?>\n<a>東京都千代田区・①</a>";

    fn encoded(encoding: &'static Encoding, text: &str) -> Vec<u8> {
        let (bytes, _, unmappable) = encoding.encode(text);
        assert!(!unmappable);
        bytes.into_owned()
    }

    fn read(bytes: &[u8]) -> String {
        String::from_utf8(to_utf8(bytes).expect("readable").into_owned()).expect("UTF-8")
    }

    #[test]
    fn utf8_stays_borrowed() {
        for text in [
            "<a/>",
            "\u{feff}<a/>",
            "<?xml version='1.0' encoding='utf-8'?><a/>",
        ] {
            assert!(matches!(to_utf8(text.as_bytes()), Ok(Cow::Borrowed(_))));
        }
    }

    #[test]
    fn shift_jis_cp932_and_euc_jp_are_transcoded_with_a_utf8_declaration() {
        for name in [
            "Shift_JIS",
            "shift-jis",
            "CP932",
            "Windows-31J",
            "MS932",
            "x-sjis",
            "windows-932",
            "csWindows31J",
            "SJIS",
            "MS_Kanji",
            "csShiftJIS",
        ] {
            let text = TEXT.replace("Shift_JIS", name);
            let read = read(&encoded(SHIFT_JIS, &text));
            assert_eq!(read, TEXT.replace("Shift_JIS", "UTF-8"), "{name}");
        }
        for name in [
            "EUC-JP",
            "euc-jp",
            "EUC_JP",
            "eucJP",
            "x-euc-jp",
            "x-eucjp",
            "eucjis",
            "csEUCPkdFmtJapanese",
            "Extended_UNIX_Code_Packed_Format_for_Japanese",
        ] {
            let text = TEXT.replace("Shift_JIS", name).replace('①', "");
            assert_eq!(
                read(&encoded(EUC_JP, &text)),
                text.replace(name, "UTF-8"),
                "{name}"
            );
        }
    }

    #[test]
    fn utf16_is_read_in_both_byte_orders_with_or_without_a_bom() {
        let text = TEXT.replace("Shift_JIS", "UTF-16");
        let expected = TEXT.replace("Shift_JIS", "UTF-8");
        let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(read(&[&[0xFF, 0xFE][..], &le].concat()), expected);
        assert_eq!(read(&[&[0xFE, 0xFF][..], &be].concat()), expected);
        assert_eq!(read(&le), expected);
        assert_eq!(read(&be), expected);
    }

    #[test]
    fn the_text_before_an_offset_is_read_in_the_document_s_encoding() {
        let text = TEXT.replace("①", "");
        let bytes = encoded(SHIFT_JIS, &text);
        let at = text.find('千').expect("in the text");
        let sjis_at = encoded(SHIFT_JIS, &text[..at]).len();
        assert_eq!(text_before(&bytes, sjis_at), text[..at]);
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("<a>日本</a>".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(text_before(&le, 2 + 2 * 5), "<a>日本");
        assert_eq!(text_before("<a>日本".as_bytes(), 6), "<a>日");
        assert_eq!(text_before(b"\xEF\xBB\xBF<a>", 5), "<a");
    }

    #[test]
    fn an_invalid_sequence_is_refused_with_its_offset() {
        let mut bytes = encoded(SHIFT_JIS, &TEXT.replace("①", ""));
        let at = bytes.len() - 4;
        bytes.insert(at, 0xA0);
        assert_eq!(
            to_utf8(&bytes),
            Err(EncodingError::Invalid {
                encoding: "Shift_JIS",
                offset: at
            })
        );
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend("<a>".encode_utf16().flat_map(u16::to_le_bytes));
        utf16.extend([0x00, 0xDC]);
        assert_eq!(
            to_utf8(&utf16),
            Err(EncodingError::Invalid {
                encoding: "UTF-16LE",
                offset: 8
            })
        );
    }

    #[test]
    fn the_declared_encoding_is_found_where_the_declaration_names_it() {
        assert_eq!(
            declared_encoding(br#"<?xml version="1.0" encoding="Shift_JIS"?><a/>"#),
            Some(&b"Shift_JIS"[..])
        );
        assert_eq!(
            declared_encoding(b"<?xml version='1.0' encoding = 'utf-8' ?><a/>"),
            Some(&b"utf-8"[..])
        );
        assert_eq!(declared_encoding(br#"<?xml version="1.0"?><a/>"#), None);
        assert_eq!(declared_encoding(b"<a/>"), None);
        assert_eq!(
            declared_encoding(br#"<?xml-stylesheet encoding="x"?>"#),
            None
        );
        assert_eq!(
            to_utf8(b"<?xml version='1.0' encoding='UTF-16'?><a/>"),
            Err(EncodingError::Invalid {
                encoding: "UTF-16",
                offset: 0
            })
        );
    }

    #[test]
    fn other_encodings_are_refused_by_name() {
        for name in ["ISO-2022-JP", "ISO-8859-1", "windows-1252", "x-unknown"] {
            let text = format!("<?xml version=\"1.0\" encoding=\"{name}\"?><a/>");
            assert_eq!(
                to_utf8(text.as_bytes()),
                Err(EncodingError::Unsupported {
                    encoding: name.to_owned()
                }),
                "{name}"
            );
        }
    }

    #[test]
    fn utf32_and_ebcdic_are_refused_by_name_from_their_first_bytes() {
        let text = "<?xml version=\"1.0\" encoding=\"UTF-32\"?><a>東京</a>";
        let utf32 = |big_endian: bool| -> Vec<u8> {
            text.chars()
                .flat_map(|c| {
                    let code = u32::from(c);
                    if big_endian {
                        code.to_be_bytes()
                    } else {
                        code.to_le_bytes()
                    }
                })
                .collect()
        };
        let refused = |encoding: &str| {
            Err(EncodingError::Unsupported {
                encoding: encoding.to_owned(),
            })
        };
        for (what, bytes) in [
            ("UTF-32BE", utf32(true)),
            ("UTF-32LE", utf32(false)),
            (
                "UTF-32BE with its mark",
                [&[0, 0, 0xFE, 0xFF][..], &utf32(true)].concat(),
            ),
            (
                "UTF-32LE with its mark",
                [&[0xFF, 0xFE, 0, 0][..], &utf32(false)].concat(),
            ),
        ] {
            assert_eq!(to_utf8(&bytes), refused("UTF-32"), "{what}");
        }
        // `<?xm` in EBCDIC.
        assert_eq!(to_utf8(&[0x4C, 0x6F, 0xA7, 0x94, 0x93]), refused("EBCDIC"));
        // UTF-16 with a byte order mark is still read.
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("<a>東京</a>".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(read(&utf16), "<a>東京</a>");
    }
}
