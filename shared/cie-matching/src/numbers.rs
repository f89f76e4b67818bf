//! Document-number variants, for duplicate detection at intake: [`number_key`] maps the ways one invoice
//! number gets written to one key, and [`are_variants`] says whether two different strings share it.
//!
//! What counts as the same number (a false positive only raises a warning for staff, so the key leans to
//! recall, but never merges numbers whose digits or letters differ):
//!
//! - full-width ASCII (`ＩＮＶ－００１`), the ideographic space, dash look-alikes (`‐ – — − ー` next to
//!   Latin letters or digits) and `№` are folded to their ASCII forms, and case is folded;
//! - leading labels are dropped: `INV`, `INVOICE`, `NO`, `NO.`, `NR`, `NUM`, `NUMBER`, `#`, `№`, `請求書`,
//!   `請求`, `番号`, `伝票`, `第` (Latin labels only when no letter follows them, so `NOV-1` keeps its `NOV`);
//! - trailing revision and copy markers are dropped: `-R1`, `-V2`, `-REV`, `(copy)`, `(reissue)`,
//!   `(再発行)`, `再発行`, `再`, `訂正`, `修正`, `差替`, `写`, `控`, and a trailing `号` (of `第12号`);
//!   Latin markers only after a separator or in brackets, so `A1R1` is left alone;
//! - separators, spaces and punctuation are dropped, except that two digit groups stay apart (`D001-1` is
//!   not `D0011`, nor `D011`);
//! - leading zeros of each digit group are dropped (`001` = `1`, but `1` ≠ `10` and `A-001` ≠ `B-001`).
//!
//! A trailing number after a separator is *not* a revision marker: `D001-1` and `D001-2` are different
//! delivery notes.

/// Labels written before a number. Longest first, so that `invoice` wins over `inv`.
const PREFIXES: [&str; 14] = [
    "請求書番号",
    "invoice",
    "請求書",
    "請求番号",
    "number",
    "伝票番号",
    "伝票",
    "請求",
    "番号",
    "num",
    "inv",
    "nr",
    "no",
    "第",
];

/// Japanese markers written after a number, with or without brackets or a separator.
const JAPANESE_SUFFIXES: [&str; 17] = [
    "再発行分",
    "再発行",
    "再送付",
    "再送",
    "訂正版",
    "訂正",
    "修正版",
    "修正",
    "差替え",
    "差替",
    "差し替え",
    "写し",
    "控え",
    "再",
    "写",
    "控",
    "号",
];

/// Latin markers written after a separator or in brackets; `r`, `v` and `rev` may carry a revision number.
const LATIN_SUFFIXES: [&str; 9] = [
    "reissued",
    "reissue",
    "corrected",
    "duplicate",
    "revised",
    "copy",
    "rev",
    "r",
    "v",
];

/// The key under which variants of one document number coincide (see the module documentation). Empty
/// when the number has no letters or digits at all.
pub fn number_key(number: &str) -> String {
    let folded = fold_width(number).to_lowercase();
    let core = strip_labels(folded.trim());
    compact(&core)
}

/// Whether two different strings are variants of the same document number.
pub fn are_variants(a: &str, b: &str) -> bool {
    if a == b {
        return false;
    }
    let key = number_key(a);
    !key.is_empty() && key == number_key(b)
}

/// Full-width ASCII to half-width, the ideographic space to a space, `№` to `No`, and dash look-alikes next
/// to a Latin letter or digit to `-`. Case is kept.
pub(crate) fn fold_width(text: &str) -> String {
    let chars: Vec<char> = text
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE63}' => '-',
            _ => c,
        })
        .collect();
    let mut folded = String::with_capacity(text.len());
    for (at, &c) in chars.iter().enumerate() {
        let beside_ascii = || {
            let before = at.checked_sub(1).and_then(|before| chars.get(before));
            let after = chars.get(at + 1);
            [before, after]
                .into_iter()
                .flatten()
                .any(char::is_ascii_alphanumeric)
        };
        match c {
            '\u{2116}' => folded.push_str("No"),
            '\u{30FC}' | '\u{FF70}' if beside_ascii() => folded.push('-'),
            _ => folded.push(c),
        }
    }
    folded
}

fn is_separator(c: char) -> bool {
    !c.is_alphanumeric()
}

fn trim_separators(text: &str) -> &str {
    text.trim_matches(is_separator)
}

fn has_alphanumeric(text: &str) -> bool {
    text.chars().any(char::is_alphanumeric)
}

fn strip_labels(text: &str) -> String {
    let mut core = trim_separators(text).to_owned();
    loop {
        let stripped = strip_prefix_label(&core)
            .or_else(|| strip_suffix_marker(&core))
            .map(|rest| trim_separators(rest).to_owned());
        match stripped {
            Some(rest) if has_alphanumeric(&rest) => core = rest,
            _ => return core,
        }
    }
}

fn strip_prefix_label(text: &str) -> Option<&str> {
    PREFIXES.iter().find_map(|prefix| {
        let rest = text.strip_prefix(prefix)?;
        let latin = prefix.is_ascii();
        let next_is_letter = rest.chars().next().is_some_and(char::is_alphabetic);
        (!(latin && next_is_letter)).then_some(rest)
    })
}

fn strip_suffix_marker(text: &str) -> Option<&str> {
    if let Some(rest) = JAPANESE_SUFFIXES
        .iter()
        .find_map(|suffix| text.strip_suffix(suffix))
    {
        return Some(rest);
    }
    let start = text.rfind(|c: char| is_separator(c) && c != '.')?;
    let separator = text[start..].chars().next()?;
    let marker = &text[start + separator.len_utf8()..];
    is_latin_marker(marker).then(|| &text[..start])
}

fn is_latin_marker(marker: &str) -> bool {
    LATIN_SUFFIXES.iter().any(|suffix| {
        let Some(revision) = marker.strip_prefix(suffix) else {
            return false;
        };
        let revision = revision.strip_prefix('.').unwrap_or(revision);
        match *suffix {
            "r" | "v" => !revision.is_empty() && revision.chars().all(|c| c.is_ascii_digit()),
            "rev" => revision.chars().all(|c| c.is_ascii_digit()),
            _ => revision.is_empty(),
        }
    })
}

/// Drops separators and leading zeros of digit groups; keeps a `-` between two digit groups that a
/// separator kept apart.
fn compact(text: &str) -> String {
    let mut key = String::with_capacity(text.len());
    let mut digits = String::new();
    let mut separated = false;
    let mut last_was_digits = false;
    let flush = |digits: &mut String, key: &mut String| {
        if !digits.is_empty() {
            let significant = digits.trim_start_matches('0');
            key.push_str(if significant.is_empty() {
                "0"
            } else {
                significant
            });
            digits.clear();
        }
    };
    for c in text.chars() {
        if c.is_ascii_digit() {
            if digits.is_empty() && separated && last_was_digits {
                key.push('-');
            }
            digits.push(c);
            separated = false;
        } else if is_separator(c) {
            if !digits.is_empty() {
                flush(&mut digits, &mut key);
                last_was_digits = true;
            }
            separated = true;
        } else {
            flush(&mut digits, &mut key);
            key.push(c);
            last_was_digits = false;
            separated = false;
        }
    }
    flush(&mut digits, &mut key);
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_of_one_number_share_a_key() {
        let groups: &[&[&str]] = &[
            &[
                "INV-001",
                "INV001",
                "inv 1",
                "ＩＮＶ－００１",
                "Invoice No. 001",
                "INVOICE #1",
                "No.1",
                "№ 001",
                "＃１",
                "請求書番号：001",
                "請求書No.1",
                "請求 1",
                "第1号",
                "1",
                "INV-001-R1",
                "INV-001 (再発行)",
                "INV-001（再発行）",
                "INV-001再",
                "INV-001 rev.2",
                "INV-001 [copy]",
                "INV-001【訂正】",
                "001",
            ],
            &[
                "A-001",
                "A001",
                "a 1",
                "Ａ－００１",
                "INV-A-001",
                "A-001-V2",
            ],
            &["2023-001", "2023-1", "２０２３ー００１", "No.2023/001"],
            &["D001-1", "d1-1", "Ｄ００１－１"],
        ];
        for group in groups {
            let key = number_key(group[0]);
            for variant in *group {
                assert_eq!(number_key(variant), key, "{variant:?} vs {:?}", group[0]);
            }
        }
    }

    #[test]
    fn different_numbers_keep_different_keys() {
        let pairs = [
            ("1", "10"),
            ("A-001", "B-001"),
            ("D001-1", "D001-2"),
            ("D001-1", "D0011"),
            ("D001-1", "D011"),
            ("INV-001", "INV-001-2"),
            ("NOV-2023-1", "2023-1"),
            ("INVA-1", "1"),
            ("A1R1", "A1"),
            ("100", "1"),
            ("1-0", "1"),
            ("請求書1", "請求書2"),
            ("2023-001", "2023001"),
        ];
        for (a, b) in pairs {
            assert_ne!(number_key(a), number_key(b), "{a:?} vs {b:?}");
            assert!(!are_variants(a, b), "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn the_key_is_readable() {
        assert_eq!(number_key("ＩＮＶ－００１２３"), "123");
        assert_eq!(number_key("A-0010"), "a10");
        assert_eq!(number_key("D001-1"), "d1-1");
        assert_eq!(number_key("INV-000"), "0");
        assert_eq!(number_key("見積-05"), "見積5");
    }

    #[test]
    fn labels_alone_are_not_stripped_to_nothing() {
        assert_eq!(number_key("No"), "no");
        assert_eq!(number_key("INV"), "inv");
        assert_eq!(number_key("再"), "再");
        assert_eq!(number_key("R1"), "r1");
        assert_eq!(number_key(" - "), "");
    }

    #[test]
    fn identical_strings_and_empty_keys_are_not_variants() {
        assert!(!are_variants("INV-1", "INV-1"));
        assert!(!are_variants("-", "#"));
        assert!(are_variants("INV-1", "inv-1"));
        assert!(are_variants("ＩＮＶ－００１", "INV-1"));
    }

    #[test]
    fn width_folding_keeps_japanese_words() {
        assert_eq!(fold_width("ＡＢＣ　１２３"), "ABC 123");
        assert_eq!(fold_width("データ"), "データ");
        assert_eq!(fold_width("Aー1"), "A-1");
        assert_eq!(fold_width("コピー用紙（Ａ４）"), "コピー用紙(A4)");
    }
}
