//! What a person types to find a counterparty, compared as they mean it: a name with or without spaces
//! (half- or full-width), in full-width or half-width letters and digits, in any case; a 登録番号 with or
//! without its `T`, with spaces or hyphens between the digits.

use crate::numbers::fold_width;

/// `text` as counterparty search compares it: full-width letters and digits made half-width, lower case,
/// every space (half- or full-width) removed.
pub fn fold(text: &str) -> String {
    fold_width(text)
        .to_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// Whether `name` contains what a person typed (both folded); empty text contains nothing.
pub fn name_contains(name: &str, typed_folded: &str) -> bool {
    !typed_folded.is_empty() && fold(name).contains(typed_folded)
}

/// The 登録番号 a person typed, as `T` and 13 digits: `T1234567890123`, `1234567890123`,
/// `Ｔ１２３４…`, `T 1234-5678-90123` all read the same; anything else is none.
pub fn registration_number(typed: &str) -> Option<String> {
    let folded: String = fold_width(typed)
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    let digits = folded.strip_prefix(['T', 't']).unwrap_or(folded.as_str());
    (digits.len() == 13 && digits.bytes().all(|b| b.is_ascii_digit())).then(|| format!("T{digits}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaces_width_and_case_do_not_matter() {
        assert_eq!(fold("株式会社　〇〇商事"), fold("株式会社 〇〇商事"));
        assert_eq!(fold("ＡＢＣ　Ｔｒａｄｉｎｇ"), "abctrading");
        assert!(name_contains("北多摩文具株式会社", &fold("北多摩 文具")));
        assert!(!name_contains("北多摩文具株式会社", &fold("  ")));
    }

    #[test]
    fn a_registration_number_reads_with_or_without_its_t() {
        for typed in [
            "T1234567890123",
            "1234567890123",
            "t1234567890123",
            "Ｔ１２３４５６７８９０１２３",
            "T 1234-5678-90123",
        ] {
            assert_eq!(
                registration_number(typed).as_deref(),
                Some("T1234567890123"),
                "{typed}"
            );
        }
        assert_eq!(registration_number("123456789012"), None);
        assert_eq!(registration_number("X1234567890123"), None);
        assert_eq!(registration_number("北多摩"), None);
    }
}
