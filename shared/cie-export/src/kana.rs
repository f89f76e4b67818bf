//! Bank-transfer (全銀) kana: an account name as the half-width katakana, digits, upper-case letters and
//! few symbols a Japanese bank transfer accepts, with legal-entity words abbreviated as 全銀 does.

use crate::encode::describe_char;

/// Why a name cannot be written as bank-transfer kana.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KanaError {
    /// A character with no bank-transfer form (kanji, emoji, `&` …). `position` counts characters from 1.
    #[error("{} at position {position} cannot be written in bank-transfer kana", describe_char(*.ch))]
    Unsupported {
        /// The character.
        ch: char,
        /// Its position in the name, counting characters from 1.
        position: usize,
    },
    /// Nothing left to write.
    #[error("the account name is empty")]
    Empty,
}

/// Legal-entity words and their 全銀 abbreviations (全銀協 略語表), longest first so that 一般社団法人 wins
/// over 社団法人. Kana spellings of the common company forms are included because account names are often
/// registered in kana.
const ENTITY_WORDS: &[(&str, &str)] = &[
    ("特定非営利活動法人", "ﾄｸﾋ"),
    ("社会保険労務士法人", "ﾛｳﾑ"),
    ("地方独立行政法人", "ﾁﾄﾞｸ"),
    ("カブシキガイシャ", "ｶ"),
    ("カブシキカイシャ", "ｶ"),
    ("かぶしきがいしゃ", "ｶ"),
    ("ユウゲンガイシャ", "ﾕ"),
    ("ユウゲンカイシャ", "ﾕ"),
    ("ゴウドウガイシャ", "ﾄﾞ"),
    ("ゴウドウカイシャ", "ﾄﾞ"),
    ("独立行政法人", "ﾄﾞｸ"),
    ("一般社団法人", "ｼﾔ"),
    ("公益社団法人", "ｼﾔ"),
    ("一般財団法人", "ｻﾞｲ"),
    ("公益財団法人", "ｻﾞｲ"),
    ("社会福祉法人", "ﾌｸ"),
    ("医療法人社団", "ｲ"),
    ("医療法人財団", "ｲ"),
    ("国立大学法人", "ﾀﾞｲ"),
    ("公立大学法人", "ﾀﾞｲ"),
    ("農事組合法人", "ﾉｳ"),
    ("管理組合法人", "ｶﾝﾘ"),
    ("更生保護法人", "ﾎｺﾞ"),
    ("司法書士法人", "ｼﾎｳ"),
    ("行政書士法人", "ｷﾞﾖｳ"),
    ("生活協同組合", "ｾｲｷﾖｳ"),
    ("弁護士法人", "ﾍﾞﾝ"),
    ("税理士法人", "ｾﾞｲ"),
    ("株式会社", "ｶ"),
    ("有限会社", "ﾕ"),
    ("合名会社", "ﾒ"),
    ("合資会社", "ｼ"),
    ("合同会社", "ﾄﾞ"),
    ("相互会社", "ｿ"),
    ("医療法人", "ｲ"),
    ("社団法人", "ｼﾔ"),
    ("財団法人", "ｻﾞｲ"),
    ("宗教法人", "ｼﾕｳ"),
    ("学校法人", "ｶﾞｸ"),
    ("監査法人", "ｶﾝｻ"),
    ("協同組合", "ｷﾖｳｸﾐ"),
];

/// Bank-transfer (全銀) kana: the account name converted to the half-width katakana, digits, upper-case
/// letters and symbols a Japanese bank transfer accepts.
///
/// * full-width katakana and hiragana → half-width katakana, voiced marks split (ガ → ｶﾞ, パ → ﾊﾟ);
/// * small kana → large (ャ → ﾔ, ッ → ﾂ) as banks require; ヰ ヱ ヲ → ｲ ｴ ｵ (ｦ is outside the 全銀 set);
/// * long vowel ー → ｰ; hyphens and minus signs → `-`;
/// * letters and digits → half-width, lower case → upper case;
/// * `（）` → `()`, `「」` → `｢｣`, `・` and `．` → `.`, `，` and `、` → `,`, `／` → `/`, `￥` → `\` (the ¥ byte);
/// * full-width spaces → one space; runs of spaces collapse, ends are trimmed;
/// * legal-entity words → their abbreviation, placed as 全銀 does: at the start `ｶ)ﾃｽﾄ`, at the end
///   `ﾃｽﾄ(ｶ`, in the middle `ﾃｽﾄ(ｶ)ﾄｳｷﾖｳ` (株式会社 ｶ, 有限会社 ﾕ, 合同会社 ﾄﾞ, 一般社団法人 ｼﾔ, …).
///
/// Kanji or any other character it cannot hold is an error naming the character.
///
/// ```
/// assert_eq!(cie_export::bank_kana("株式会社テスト").unwrap(), "ｶ)ﾃｽﾄ");
/// assert_eq!(cie_export::bank_kana("ヤマダ　タロウ").unwrap(), "ﾔﾏﾀﾞ ﾀﾛｳ");
/// assert!(cie_export::bank_kana("山田").is_err());
/// ```
pub fn bank_kana(name: &str) -> Result<String, KanaError> {
    let mut out = String::with_capacity(name.len());
    let mut rest = name;
    let mut position = 0usize; // characters consumed, for error positions
    while let Some(c) = rest.chars().next() {
        if let Some((word, abbreviation)) = ENTITY_WORDS.iter().find(|(w, _)| rest.starts_with(w)) {
            let before_empty = out.trim_end().is_empty();
            let after = &rest[word.len()..];
            let after_empty = after.chars().all(is_space);
            trim_end_spaces(&mut out);
            if before_empty {
                out.push_str(abbreviation);
                out.push(')');
            } else if after_empty {
                out.push('(');
                out.push_str(abbreviation);
            } else {
                out.push('(');
                out.push_str(abbreviation);
                out.push(')');
            }
            position += word.chars().count();
            // Spaces right after the abbreviation are dropped.
            let trimmed = after.trim_start_matches(is_space);
            position += after[..after.len() - trimmed.len()].chars().count();
            rest = trimmed;
            continue;
        }
        position += 1;
        rest = &rest[c.len_utf8()..];
        if is_space(c) {
            if !out.is_empty() && !out.ends_with([' ', ')', '(']) {
                out.push(' ');
            }
            continue;
        }
        match convert(c) {
            Some(s) => out.push_str(s),
            None => {
                if let Some(upper) = ascii_upper(c) {
                    out.push(upper);
                } else {
                    return Err(KanaError::Unsupported { ch: c, position });
                }
            }
        }
    }
    trim_end_spaces(&mut out);
    if out.is_empty() {
        return Err(KanaError::Empty);
    }
    Ok(out)
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\u{3000}' | '\t')
}

fn trim_end_spaces(s: &mut String) {
    while s.ends_with(' ') {
        s.pop();
    }
}

/// Digits and letters, full- or half-width, as half-width upper case.
fn ascii_upper(c: char) -> Option<char> {
    let c = match c {
        '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' => {
            char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c)
        }
        _ => c,
    };
    match c {
        '0'..='9' | 'A'..='Z' => Some(c),
        'a'..='z' => Some(c.to_ascii_uppercase()),
        _ => None,
    }
}

/// One kana or symbol in its bank-transfer form.
fn convert(c: char) -> Option<&'static str> {
    // Hiragana → katakana (ぁ U+3041 … ゖ U+3096 → ァ U+30A1 …).
    let c = match c {
        '\u{3041}'..='\u{3096}' => char::from_u32(u32::from(c) + 0x60).unwrap_or(c),
        _ => c,
    };
    Some(match c {
        'ア' | 'ァ' | 'ｱ' | 'ｧ' => "ｱ",
        'イ' | 'ィ' | 'ヰ' | 'ｲ' | 'ｨ' => "ｲ",
        'ウ' | 'ゥ' | 'ｳ' | 'ｩ' => "ｳ",
        'エ' | 'ェ' | 'ヱ' | 'ｴ' | 'ｪ' => "ｴ",
        'オ' | 'ォ' | 'ヲ' | 'ｵ' | 'ｫ' | 'ｦ' => "ｵ",
        'カ' | 'ヵ' | 'ｶ' => "ｶ",
        'キ' | 'ｷ' => "ｷ",
        'ク' | 'ｸ' => "ｸ",
        'ケ' | 'ヶ' | 'ｹ' => "ｹ",
        'コ' | 'ｺ' => "ｺ",
        'ガ' => "ｶﾞ",
        'ギ' => "ｷﾞ",
        'グ' => "ｸﾞ",
        'ゲ' => "ｹﾞ",
        'ゴ' => "ｺﾞ",
        'サ' | 'ｻ' => "ｻ",
        'シ' | 'ｼ' => "ｼ",
        'ス' | 'ｽ' => "ｽ",
        'セ' | 'ｾ' => "ｾ",
        'ソ' | 'ｿ' => "ｿ",
        'ザ' => "ｻﾞ",
        'ジ' => "ｼﾞ",
        'ズ' => "ｽﾞ",
        'ゼ' => "ｾﾞ",
        'ゾ' => "ｿﾞ",
        'タ' | 'ﾀ' => "ﾀ",
        'チ' | 'ﾁ' => "ﾁ",
        'ツ' | 'ッ' | 'ﾂ' | 'ｯ' => "ﾂ",
        'テ' | 'ﾃ' => "ﾃ",
        'ト' | 'ﾄ' => "ﾄ",
        'ダ' => "ﾀﾞ",
        'ヂ' => "ﾁﾞ",
        'ヅ' => "ﾂﾞ",
        'デ' => "ﾃﾞ",
        'ド' => "ﾄﾞ",
        'ナ' | 'ﾅ' => "ﾅ",
        'ニ' | 'ﾆ' => "ﾆ",
        'ヌ' | 'ﾇ' => "ﾇ",
        'ネ' | 'ﾈ' => "ﾈ",
        'ノ' | 'ﾉ' => "ﾉ",
        'ハ' | 'ﾊ' => "ﾊ",
        'ヒ' | 'ﾋ' => "ﾋ",
        'フ' | 'ﾌ' => "ﾌ",
        'ヘ' | 'ﾍ' => "ﾍ",
        'ホ' | 'ﾎ' => "ﾎ",
        'バ' => "ﾊﾞ",
        'ビ' => "ﾋﾞ",
        'ブ' => "ﾌﾞ",
        'ベ' => "ﾍﾞ",
        'ボ' => "ﾎﾞ",
        'パ' => "ﾊﾟ",
        'ピ' => "ﾋﾟ",
        'プ' => "ﾌﾟ",
        'ペ' => "ﾍﾟ",
        'ポ' => "ﾎﾟ",
        'マ' | 'ﾏ' => "ﾏ",
        'ミ' | 'ﾐ' => "ﾐ",
        'ム' | 'ﾑ' => "ﾑ",
        'メ' | 'ﾒ' => "ﾒ",
        'モ' | 'ﾓ' => "ﾓ",
        'ヤ' | 'ャ' | 'ﾔ' | 'ｬ' => "ﾔ",
        'ユ' | 'ュ' | 'ﾕ' | 'ｭ' => "ﾕ",
        'ヨ' | 'ョ' | 'ﾖ' | 'ｮ' => "ﾖ",
        'ラ' | 'ﾗ' => "ﾗ",
        'リ' | 'ﾘ' => "ﾘ",
        'ル' | 'ﾙ' => "ﾙ",
        'レ' | 'ﾚ' => "ﾚ",
        'ロ' | 'ﾛ' => "ﾛ",
        'ワ' | 'ヮ' | 'ﾜ' => "ﾜ",
        'ン' | 'ﾝ' => "ﾝ",
        'ヴ' => "ｳﾞ",
        'ヷ' => "ﾜﾞ",
        // Voiced and semi-voiced marks: standalone, combining and half-width.
        '゛' | '\u{3099}' | 'ﾞ' => "ﾞ",
        '゜' | '\u{309A}' | 'ﾟ' => "ﾟ",
        'ー' | 'ｰ' => "ｰ",
        '-' | '‐' | '‑' | '−' | '－' | '–' => "-",
        '(' | '（' => "(",
        ')' | '）' => ")",
        '.' | '．' | '・' | '･' | '。' | '｡' => ".",
        ',' | '，' | '、' | '､' => ",",
        '/' | '／' => "/",
        '「' | '｢' => "｢",
        '」' | '｣' => "｣",
        '\\' | '¥' | '￥' | '＼' => "\\",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bank_kana_cases() {
        let cases = [
            ("株式会社テスト", "ｶ)ﾃｽﾄ"),
            ("テスト株式会社", "ﾃｽﾄ(ｶ"),
            ("テスト株式会社トウキョウ", "ﾃｽﾄ(ｶ)ﾄｳｷﾖｳ"),
            ("株式会社　テスト", "ｶ)ﾃｽﾄ"),
            ("テスト　株式会社", "ﾃｽﾄ(ｶ"),
            ("ヤマダ　タロウ", "ﾔﾏﾀﾞ ﾀﾛｳ"),
            ("やまだ　たろう", "ﾔﾏﾀﾞ ﾀﾛｳ"),
            ("有限会社サトウ", "ﾕ)ｻﾄｳ"),
            ("合同会社パーク", "ﾄﾞ)ﾊﾟｰｸ"),
            ("一般社団法人キョウカイ", "ｼﾔ)ｷﾖｳｶｲ"),
            ("カブシキガイシャ　ガス", "ｶ)ｶﾞｽ"),
            ("ｶ)ﾃｽﾄ", "ｶ)ﾃｽﾄ"),
            ("カ）テスト", "ｶ)ﾃｽﾄ"),
            ("ジャパン・システム", "ｼﾞﾔﾊﾟﾝ.ｼｽﾃﾑ"),
            ("ｴｰﾋﾞｰｼｰ abc１２３", "ｴｰﾋﾞｰｼｰ ABC123"),
            ("ヴィラ", "ｳﾞｲﾗ"),
            ("キッテ", "ｷﾂﾃ"),
            ("  ヤマダ  ", "ﾔﾏﾀﾞ"),
        ];
        for (name, expected) in cases {
            assert_eq!(bank_kana(name).as_deref(), Ok(expected), "{name}");
        }
    }

    #[test]
    fn kanji_is_an_error_naming_the_character() {
        let err = bank_kana("山田").unwrap_err();
        assert_eq!(
            err,
            KanaError::Unsupported {
                ch: '山',
                position: 1
            }
        );
        assert!(err.to_string().contains("U+5C71 山"), "{err}");
        assert_eq!(
            bank_kana("ヤマダ商店"),
            Err(KanaError::Unsupported {
                ch: '商',
                position: 4
            })
        );
        assert!(matches!(
            bank_kana("A&B"),
            Err(KanaError::Unsupported { ch: '&', .. })
        ));
        assert_eq!(bank_kana("　"), Err(KanaError::Empty));
    }
}
