//! The NTA registry of qualified invoice issuers (適格請求書発行事業者公表サイト): reading the published bulk
//! download CSV files (全件データ and 差分データ, UTF-8), and judging a registration number as of a supply date.
//!
//! Column layout of the CSV (one record per line, no header; the NTA's "公表情報ダウンロード" files):
//! 1 一連番号, 2 登録番号, 3 事業者処理区分 (01 new, 02 change, 03 expiry, 04 cancellation, 99 deletion),
//! 4 訂正区分, 5 人格区分 (1 individual, 2 corporation), 6 国内外区分, 7 最新履歴 (1 latest, 0 history),
//! 8 登録年月日, 9 更新年月日, 10 登録取消年月日, 11 登録失効年月日, 12–14 本店所在地 (address, prefecture
//! code, city code), 15–17 address published on request, 18 フリガナ, 19 氏名又は名称, 20–22 domestic office of a
//! foreign business, 23 屋号, 24 通称・旧姓. Later columns, if any, are ignored.

use std::io::Read;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Why a registry file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The CSV itself is broken (quoting, encoding).
    #[error("registry file, record {record}: {source}")]
    Csv {
        /// 1-based record number.
        record: u64,
        /// The CSV error.
        source: csv::Error,
    },
    /// A record lacks fields or has a malformed one.
    #[error("registry file, record {record}: {message}")]
    Record {
        /// 1-based record number.
        record: u64,
        /// What is wrong.
        message: String,
    },
}

/// What happened to a registration, per the record (事業者処理区分).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Process {
    /// 01: newly registered.
    New,
    /// 02: details changed.
    Change,
    /// 03: registration expired (失効).
    Expiry,
    /// 04: registration cancelled (取消).
    Cancellation,
    /// 99: record deleted from the publication.
    Deletion,
}

impl Process {
    /// The NTA's two-digit code.
    pub fn code(self) -> &'static str {
        match self {
            Process::New => "01",
            Process::Change => "02",
            Process::Expiry => "03",
            Process::Cancellation => "04",
            Process::Deletion => "99",
        }
    }

    /// The process a two-digit code names.
    pub fn from_code(code: &str) -> Option<Self> {
        match code.trim() {
            "01" | "1" => Some(Process::New),
            "02" | "2" => Some(Process::Change),
            "03" | "3" => Some(Process::Expiry),
            "04" | "4" => Some(Process::Cancellation),
            "99" => Some(Process::Deletion),
            _ => None,
        }
    }
}

/// One published record of a qualified invoice issuer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistryRecord {
    /// 登録番号, `T` + 13 digits.
    pub registration_number: String,
    /// 事業者処理区分.
    pub process: Process,
    /// 人格区分: `1` individual, `2` corporation.
    pub kind: String,
    /// Whether this is the latest record of the number (最新履歴 = 1).
    pub latest: bool,
    /// 登録年月日.
    pub registration_date: Option<NaiveDate>,
    /// 更新年月日.
    pub update_date: Option<NaiveDate>,
    /// 登録取消年月日.
    pub cancellation_date: Option<NaiveDate>,
    /// 登録失効年月日.
    pub expiry_date: Option<NaiveDate>,
    /// 氏名又は名称.
    pub name: String,
    /// 屋号 (published on request).
    pub trade_name: Option<String>,
    /// 本店又は主たる事務所の所在地.
    pub address: Option<String>,
}

/// Reads the records of one bulk CSV file.
pub fn read_csv(reader: impl Read) -> impl Iterator<Item = Result<RegistryRecord, RegistryError>> {
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(reader);
    let mut record_number = 0u64;
    std::iter::from_fn(move || {
        let mut row = csv::StringRecord::new();
        record_number += 1;
        match csv.read_record(&mut row) {
            Ok(false) => None,
            Ok(true) => Some(parse_row(&row, record_number)),
            Err(source) => Some(Err(RegistryError::Csv {
                record: record_number,
                source,
            })),
        }
    })
}

fn parse_row(row: &csv::StringRecord, record: u64) -> Result<RegistryRecord, RegistryError> {
    let field = |index: usize| row.get(index).map(str::trim).unwrap_or("");
    let invalid = |message: String| RegistryError::Record { record, message };
    if row.len() < 19 {
        return Err(invalid(format!(
            "has {} fields, at least 19 expected",
            row.len()
        )));
    }
    let registration_number = field(1).trim_start_matches('\u{feff}').to_owned();
    let digits_ok = registration_number.len() == 14
        && registration_number.starts_with('T')
        && registration_number[1..].bytes().all(|b| b.is_ascii_digit());
    if !digits_ok {
        return Err(invalid(format!(
            "registration number {registration_number:?} is not T + 13 digits"
        )));
    }
    let process = Process::from_code(field(2))
        .ok_or_else(|| invalid(format!("unknown 事業者処理区分 {:?}", field(2))))?;
    let date = |index: usize, name: &str| -> Result<Option<NaiveDate>, RegistryError> {
        let raw = field(index);
        if raw.is_empty() {
            return Ok(None);
        }
        NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| invalid(format!("{name} {raw:?} is not YYYY-MM-DD")))
    };
    let optional = |index: usize| Some(field(index).to_owned()).filter(|value| !value.is_empty());
    Ok(RegistryRecord {
        registration_number,
        process,
        kind: field(4).to_owned(),
        latest: field(6) != "0",
        registration_date: date(7, "登録年月日")?,
        update_date: date(8, "更新年月日")?,
        cancellation_date: date(9, "登録取消年月日")?,
        expiry_date: date(10, "登録失効年月日")?,
        name: field(18).to_owned(),
        trade_name: optional(22),
        address: optional(11),
    })
}

/// The registry's answer for a number on a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationStatus {
    /// Registered on that date.
    Registered,
    /// Registered only from a later date.
    NotYetRegistered,
    /// The registration was cancelled (取消) on or before that date.
    Cancelled,
    /// The registration expired (失効) on or before that date.
    Expired,
    /// The number is not in the registry data.
    NotFound,
    /// No registry data has been imported: nothing is known of any number.
    NoRegistryData,
}

impl RegistrationStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            RegistrationStatus::Registered => "registered",
            RegistrationStatus::NotYetRegistered => "not_yet_registered",
            RegistrationStatus::Cancelled => "cancelled",
            RegistrationStatus::Expired => "expired",
            RegistrationStatus::NotFound => "not_found",
            RegistrationStatus::NoRegistryData => "no_registry_data",
        }
    }
}

/// The status of `record` on `date`: registered iff 登録年月日 ≤ date, and date is before any 取消 or 失効 date.
pub fn status_on(record: Option<&RegistryRecord>, date: NaiveDate) -> RegistrationStatus {
    let Some(record) = record else {
        return RegistrationStatus::NotFound;
    };
    if record.process == Process::Deletion {
        return RegistrationStatus::NotFound;
    }
    if let Some(cancelled) = record.cancellation_date
        && cancelled <= date
    {
        return RegistrationStatus::Cancelled;
    }
    if let Some(expired) = record.expiry_date
        && expired <= date
    {
        return RegistrationStatus::Expired;
    }
    match record.registration_date {
        Some(registered) if registered <= date => RegistrationStatus::Registered,
        Some(_) => RegistrationStatus::NotYetRegistered,
        None => RegistrationStatus::NotFound,
    }
}

/// Whether `name` (from an invoice) names the same business as `record`: equal after removing spaces and
/// folding full-width ASCII, or equal to its trade name (屋号).
pub fn name_matches(record: &RegistryRecord, name: &str) -> bool {
    let wanted = normalise_name(name);
    !wanted.is_empty()
        && (normalise_name(&record.name) == wanted
            || record
                .trade_name
                .as_deref()
                .is_some_and(|trade| normalise_name(trade) == wanted))
}

fn normalise_name(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            other => other,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
1,T1234567890123,01,0,2,1,1,2023-10-01,2023-10-01,,,\"東京都東久留米市本町３丁目３番１号\",13,222,,,,カブシキガイシャマルマルショウジ,株式会社 〇〇商事,,,,,
2,T3000020132225,04,0,2,1,1,2023-10-01,2025-03-31,2025-04-01,,\"東京都東久留米市\",13,222,,,,,東久留米市,,,,,
3,T7000012050002,03,0,2,1,1,2023-10-01,2025-06-30,,2025-07-01,,,,,,,,国税庁,,,,,
";

    fn date(raw: &str) -> NaiveDate {
        NaiveDate::parse_from_str(raw, "%Y-%m-%d").unwrap()
    }

    fn records() -> Vec<RegistryRecord> {
        read_csv(SAMPLE.as_bytes())
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn records_are_read_in_the_published_column_order() {
        let records = records();
        assert_eq!(records.len(), 3);
        assert_eq!(records[0].registration_number, "T1234567890123");
        assert_eq!(records[0].name, "株式会社 〇〇商事");
        assert_eq!(records[0].registration_date, Some(date("2023-10-01")));
        assert_eq!(records[1].process, Process::Cancellation);
        assert_eq!(records[1].cancellation_date, Some(date("2025-04-01")));
        assert_eq!(records[2].expiry_date, Some(date("2025-07-01")));
    }

    #[test]
    fn status_follows_registration_cancellation_and_expiry_dates() {
        let records = records();
        assert_eq!(
            status_on(Some(&records[0]), date("2023-09-30")),
            RegistrationStatus::NotYetRegistered
        );
        assert_eq!(
            status_on(Some(&records[0]), date("2023-10-01")),
            RegistrationStatus::Registered
        );
        assert_eq!(
            status_on(Some(&records[1]), date("2025-03-31")),
            RegistrationStatus::Registered
        );
        assert_eq!(
            status_on(Some(&records[1]), date("2025-04-01")),
            RegistrationStatus::Cancelled
        );
        assert_eq!(
            status_on(Some(&records[2]), date("2025-07-01")),
            RegistrationStatus::Expired
        );
        assert_eq!(
            status_on(None, date("2025-07-01")),
            RegistrationStatus::NotFound
        );
    }

    #[test]
    fn names_match_ignoring_spaces_and_width() {
        let records = records();
        assert!(name_matches(&records[0], "株式会社〇〇商事"));
        assert!(name_matches(&records[0], "株式会社　〇〇商事"));
        assert!(!name_matches(&records[0], "株式会社 〇〇物産"));
        assert!(!name_matches(&records[0], ""));
    }

    #[test]
    fn malformed_records_are_named() {
        let bad = "1,T123,01,0,2,1,1,2023-10-01,,,,,,,,,,,x\n";
        let error = read_csv(bad.as_bytes())
            .next()
            .unwrap()
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("record 1") && error.contains("T123"),
            "{error}"
        );
        let bad_date = "1,T1234567890123,01,0,2,1,1,2023/10/01,,,,,,,,,,,x\n";
        let error = read_csv(bad_date.as_bytes())
            .next()
            .unwrap()
            .unwrap_err()
            .to_string();
        assert!(error.contains("登録年月日"), "{error}");
    }
}
