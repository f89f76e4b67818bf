//! Formatting of the values shown on the page: amounts with thousands separators and currency, quantities
//! with Japanese unit names, dates, rates, and the meaning of invoice-response codes.
//!
//! Values are formatted from their lexical XML form (no float round trip), so what is printed is exactly
//! what was sent.

/// Inserts thousands separators into a decimal lexical value; keeps the fraction. `None` if `value` is
/// not a decimal number.
fn group(value: &str, drop_zero_fraction: bool) -> Option<String> {
    let value = value.trim();
    let (sign, digits) = match value.as_bytes().first()? {
        b'-' => ("-", &value[1..]),
        b'+' => ("", &value[1..]),
        _ => ("", value),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if (int.is_empty() && frac.is_empty())
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let int = int.trim_start_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    let mut out = String::with_capacity(value.len() + value.len() / 3 + 1);
    out.push_str(sign);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    let frac = if drop_zero_fraction {
        frac.trim_end_matches('0')
    } else {
        frac
    };
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    Some(out)
}

/// An amount with thousands separators and its currency: `¥1,234` for JPY (a zero fraction dropped),
/// `1,234.50 USD` otherwise. A value that is not a number is shown as sent.
pub(crate) fn amount(value: &str, currency: &str) -> String {
    let jpy = currency.is_empty() || currency == "JPY";
    match group(value, jpy) {
        Some(grouped) if jpy => match grouped.strip_prefix('-') {
            Some(positive) => format!("-¥{positive}"),
            None => format!("¥{grouped}"),
        },
        Some(grouped) => format!("{grouped} {currency}"),
        None => value.trim().to_owned(),
    }
}

/// A quantity with thousands separators (trailing fraction zeros dropped) and its unit.
pub(crate) fn quantity(value: &str, unit_code: &str) -> String {
    let number = group(value, true).unwrap_or_else(|| value.trim().to_owned());
    let unit = unit_name(unit_code);
    if unit.is_empty() {
        number
    } else {
        format!("{number} {unit}")
    }
}

/// Japanese name of a UN/ECE rec 20 unit code; the code itself when not in the short list.
fn unit_name(code: &str) -> &str {
    match code.trim() {
        "H87" | "C62" | "EA" | "PCE" | "XPP" => "個",
        "KGM" => "kg",
        "GRM" => "g",
        "LTR" => "L",
        "MTR" => "m",
        "MTK" => "m²",
        "MTQ" => "m³",
        "HUR" => "時間",
        "DAY" => "日",
        "MON" => "月",
        "ANN" => "年",
        "SET" => "セット",
        "XBX" | "BX" => "箱",
        "XPK" | "PK" => "パック",
        "PR" => "組",
        "LS" => "式",
        other => other,
    }
}

/// `2023-10-24` as `2023年10月24日`; anything else as sent.
pub(crate) fn date(value: &str) -> String {
    let value = value.trim();
    let parts: Vec<&str> = value.get(..10).unwrap_or("").split('-').collect();
    if let [y, m, d] = parts.as_slice()
        && y.len() == 4
        && let (Ok(m), Ok(d)) = (m.parse::<u8>(), d.parse::<u8>())
    {
        return format!("{y}年{m}月{d}日");
    }
    value.to_owned()
}

/// A tax rate `10` / `8.0` as `10%` / `8%`.
pub(crate) fn percent(value: &str) -> String {
    if value.trim().is_empty() {
        return String::new();
    }
    let number = group(value, true).unwrap_or_else(|| value.trim().to_owned());
    format!("{number}%")
}

/// Whether a rate is the reduced consumption-tax rate (8 %), or the category says so (AA).
pub(crate) fn is_reduced_rate(category: &str, percent: &str) -> bool {
    category.trim() == "AA" || group(percent, true).as_deref() == Some("8")
}

/// Japanese name of a UNCL 5305 tax category code.
pub(crate) fn tax_category(code: &str) -> &str {
    match code.trim() {
        "S" => "標準税率",
        "AA" => "軽減税率",
        "E" => "非課税",
        "Z" => "免税（0%）",
        "G" => "輸出免税",
        "O" => "不課税",
        "K" => "域内免税",
        "AE" => "リバースチャージ",
        other => other,
    }
}

/// Meaning of an invoice-response status code (UNCL 4343 subset used by Peppol).
pub(crate) fn response_code(code: &str) -> &'static str {
    match code.trim() {
        "AB" => "受領（メッセージ受信確認）",
        "IP" => "処理中",
        "UQ" => "照会中",
        "CA" => "条件付き承認",
        "RE" => "却下",
        "AP" => "承認",
        "PD" => "支払済み",
        _ => "（不明なコード）",
    }
}

/// Meaning of an invoice-response status reason (`OPStatusReason`) or action (`OPStatusAction`) code.
pub(crate) fn status_reason(list: &str, code: &str) -> &'static str {
    match (list.trim(), code.trim()) {
        ("OPStatusAction", "NOA") => "対応不要",
        ("OPStatusAction", "PIN") => "情報の提供を依頼",
        ("OPStatusAction", "NIN") => "新しい請求書の発行を依頼",
        ("OPStatusAction", "CNF") => "全額の返還請求書（貸方票）を依頼",
        ("OPStatusAction", "CNP") => "一部の返還請求書（貸方票）を依頼",
        ("OPStatusAction", "CNA") => "指定額の返還請求書（貸方票）を依頼",
        ("OPStatusAction", "OTH") => "その他の対応を依頼",
        (_, "NON") => "理由なし",
        (_, "REF") => "参照情報の誤り",
        (_, "LEG") => "法定記載事項の誤り",
        (_, "REC") => "宛先の誤り",
        (_, "QUA") => "品質の不備",
        (_, "DEL") => "納品の不備",
        (_, "PRI") => "価格の誤り",
        (_, "QTY") => "数量の誤り",
        (_, "ITM") => "品目の誤り",
        (_, "PAY") => "支払条件の誤り",
        (_, "UNR") => "取引が認識できない",
        (_, "FIN") => "金融情報の誤り",
        (_, "PPD") => "一部支払済み",
        (_, "OTH") => "その他",
        _ => "（不明なコード）",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_get_separators_and_currency() {
        assert_eq!(amount("289490", "JPY"), "¥289,490");
        assert_eq!(amount("1000000.00", "JPY"), "¥1,000,000");
        assert_eq!(amount("-1500", "JPY"), "-¥1,500");
        assert_eq!(amount("0", "JPY"), "¥0");
        assert_eq!(amount("123", "JPY"), "¥123");
        assert_eq!(amount("1234.5", "USD"), "1,234.5 USD");
        assert_eq!(amount("12.5", "JPY"), "¥12.5");
        assert_eq!(amount("abc", "JPY"), "abc");
    }

    #[test]
    fn quantities_dates_and_rates() {
        assert_eq!(quantity("1000.000", "H87"), "1,000 個");
        assert_eq!(quantity("2.5", "KGM"), "2.5 kg");
        assert_eq!(quantity("3", "ZZZ"), "3 ZZZ");
        assert_eq!(date("2023-10-24"), "2023年10月24日");
        assert_eq!(date("soon"), "soon");
        assert_eq!(percent("8.00"), "8%");
        assert!(is_reduced_rate("S", "8"));
        assert!(is_reduced_rate("AA", ""));
        assert!(!is_reduced_rate("S", "10"));
    }
}
