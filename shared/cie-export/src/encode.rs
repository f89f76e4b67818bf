//! Strict text encoding: UTF-8 as is, or CP932 (windows-31j) through encoding_rs's encoder *without*
//! replacement, after a small normalisation table (notes/pdf-and-encoding.md §2). Nothing here ever writes
//! `?`, an HTML entity or a replacement character.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use encoding_rs::{EncoderResult, SHIFT_JIS};
use serde::{Deserialize, Serialize};

/// The character encoding of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Encoding {
    /// UTF-8 without a byte-order mark.
    #[serde(rename = "utf-8", alias = "utf8", alias = "UTF-8")]
    Utf8,
    /// CP932 (windows-31j, Microsoft's Shift_JIS): encoding_rs `SHIFT_JIS`.
    #[serde(
        rename = "cp932",
        alias = "CP932",
        alias = "shift_jis",
        alias = "Shift_JIS",
        alias = "sjis",
        alias = "windows-31j"
    )]
    Cp932,
}

impl Encoding {
    /// The label used in layouts and on the API: `utf-8` or `cp932`.
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Cp932 => "cp932",
        }
    }

    /// The MIME `charset` parameter: `UTF-8` or `Shift_JIS`.
    pub fn charset(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Cp932 => "Shift_JIS",
        }
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A label that names no encoding this crate writes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown encoding `{0}` (expected utf-8 or cp932)")]
pub struct UnknownEncoding(pub String);

impl FromStr for Encoding {
    type Err = UnknownEncoding;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" => Ok(Encoding::Utf8),
            "cp932" | "shift_jis" | "sjis" | "windows-31j" | "ms932" => Ok(Encoding::Cp932),
            _ => Err(UnknownEncoding(s.to_owned())),
        }
    }
}

/// A character the target encoding cannot hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unmappable {
    /// The character.
    pub ch: char,
    /// Its byte offset in the (normalised) text.
    pub offset: usize,
}

impl Unmappable {
    /// `U+20BB7 𠮷 cannot be written in CP932`.
    pub fn message(&self) -> String {
        format!("{} cannot be written in CP932", describe_char(self.ch))
    }
}

/// `U+20BB7 𠮷` (control characters are shown by code point only).
pub(crate) fn describe_char(ch: char) -> String {
    if ch.is_control() {
        format!("U+{:04X}", u32::from(ch))
    } else {
        format!("U+{:04X} {ch}", u32::from(ch))
    }
}

/// Characters common in Japanese text that CP932 lacks but has a look-alike for (notes §2): 〜 WAVE DASH →
/// ～, ‖ → ∥, — EM DASH → ―, ¢ £ ¬ → full-width. Everything else is left for the strict encoder to judge.
pub fn normalize_cp932(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| cp932_substitute(c).is_some()) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| cp932_substitute(c).unwrap_or(c))
            .collect(),
    )
}

fn cp932_substitute(c: char) -> Option<char> {
    Some(match c {
        '\u{301C}' => '\u{FF5E}', // 〜 → ～
        '\u{2016}' => '\u{2225}', // ‖ → ∥
        '\u{2014}' => '\u{2015}', // — → ―
        '\u{00A2}' => '\u{FFE0}', // ¢ → ￠
        '\u{00A3}' => '\u{FFE1}', // £ → ￡
        '\u{00AC}' => '\u{FFE2}', // ¬ → ￢
        _ => return None,
    })
}

/// Appends `text` to `out` in `encoding`; for CP932 after [`normalize_cp932`], strictly. On an unmappable
/// character nothing is appended.
pub fn encode_into(text: &str, encoding: Encoding, out: &mut Vec<u8>) -> Result<(), Unmappable> {
    match encoding {
        Encoding::Utf8 => {
            out.extend_from_slice(text.as_bytes());
            Ok(())
        }
        Encoding::Cp932 => {
            if text.is_ascii() {
                // ASCII is CP932 byte for byte.
                out.extend_from_slice(text.as_bytes());
                return Ok(());
            }
            let normalized = normalize_cp932(text);
            encode_cp932_strict(&normalized, out)
        }
    }
}

/// `text` in `encoding` as a new vector (see [`encode_into`]).
pub fn encode(text: &str, encoding: Encoding) -> Result<Vec<u8>, Unmappable> {
    let mut out = Vec::with_capacity(text.len());
    encode_into(text, encoding, &mut out)?;
    Ok(out)
}

/// The first character of `text` that `encoding` cannot hold, after normalisation.
pub fn first_unmappable(text: &str, encoding: Encoding) -> Option<Unmappable> {
    encode(text, encoding).err()
}

fn encode_cp932_strict(text: &str, out: &mut Vec<u8>) -> Result<(), Unmappable> {
    // encoding_rs's `_to_vec` methods zero-fill the vector's whole spare capacity on every call, so they
    // encode into a buffer sized for this text only, never straight into a large output.
    let mut encoder = SHIFT_JIS.new_encoder();
    let needed = encoder
        .max_buffer_length_from_utf8_without_replacement(text.len())
        .unwrap_or(text.len() * 2 + 16);
    let mut buffer = Vec::with_capacity(needed);
    let mut read_total = 0;
    loop {
        let (result, read) = encoder.encode_from_utf8_to_vec_without_replacement(
            &text[read_total..],
            &mut buffer,
            true,
        );
        read_total += read;
        match result {
            EncoderResult::InputEmpty => {
                out.extend_from_slice(&buffer);
                return Ok(());
            }
            // Cannot happen with the capacity reserved above; grow and go on should it ever.
            EncoderResult::OutputFull => buffer.reserve(buffer.capacity().max(16)),
            EncoderResult::Unmappable(ch) => {
                return Err(Unmappable {
                    ch,
                    offset: read_total - ch.len_utf8(),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cp932_bytes_for_the_characters_japanese_invoices_use() {
        let cases: [(&str, &[u8]); 6] = [
            ("請求書", &[0x90, 0xBF, 0x8B, 0x81, 0x8F, 0x91]),
            ("①", &[0x87, 0x40]),
            ("髙", &[0xFB, 0xFC]),
            ("～", &[0x81, 0x60]),
            ("〜", &[0x81, 0x60]),
            ("ｶﾞｽ", &[0xB6, 0xDE, 0xBD]),
        ];
        for (text, bytes) in cases {
            assert_eq!(encode(text, Encoding::Cp932).unwrap(), bytes, "{text}");
        }
    }

    #[test]
    fn normalisation_table_makes_look_alikes_encodable() {
        assert_eq!(
            encode("‖—¢£¬", Encoding::Cp932).unwrap(),
            encode("∥―￠￡￢", Encoding::Cp932).unwrap()
        );
    }

    #[test]
    fn unmappable_characters_are_named_with_their_offset() {
        let err = encode("ab𠮷", Encoding::Cp932).unwrap_err();
        assert_eq!(
            err,
            Unmappable {
                ch: '𠮷',
                offset: 2
            }
        );
        assert_eq!(err.message(), "U+20BB7 𠮷 cannot be written in CP932");
        assert_eq!(encode("請求😀", Encoding::Cp932).unwrap_err().ch, '😀');
        assert_eq!(encode("é", Encoding::Cp932).unwrap_err().ch, 'é');
    }

    #[test]
    fn utf8_is_written_as_is() {
        assert_eq!(encode("𠮷", Encoding::Utf8).unwrap(), "𠮷".as_bytes());
    }

    #[test]
    fn encoding_labels_parse() {
        assert_eq!("CP932".parse::<Encoding>().unwrap(), Encoding::Cp932);
        assert_eq!("utf-8".parse::<Encoding>().unwrap(), Encoding::Utf8);
        assert!("latin1".parse::<Encoding>().is_err());
    }
}
