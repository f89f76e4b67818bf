//! Registry rules (`cie-jp-1x`): what the NTA registry of qualified invoice issuers says about the seller's
//! 登録番号 on the supply date, turned into findings that name the registry's data date.

use chrono::NaiveDate;
use cie_domain::{Finding, Location, Severity};
use cie_registry::RegistrationStatus;

/// The registry's answer, as the rules need it.
#[derive(Debug, Clone)]
pub struct RegistryAnswer<'a> {
    /// The number looked up.
    pub registration_number: &'a str,
    /// The supply date it was judged on.
    pub on: NaiveDate,
    /// The status on that date.
    pub status: RegistrationStatus,
    /// Whether the seller name matches the registered name (when known).
    pub name_matches: Option<bool>,
    /// The registered name, when found.
    pub registered_name: Option<&'a str>,
    /// The date of the registry data; `None` when no registry data was ever imported.
    pub data_date: Option<NaiveDate>,
}

/// Findings for the registry's answer, located at `location` (the seller's tax identifier).
pub fn registry_findings(answer: &RegistryAnswer<'_>, location: Location) -> Vec<Finding> {
    let Some(data_date) = answer.data_date else {
        return Vec::new();
    };
    let number = answer.registration_number;
    let on = answer.on;
    let as_of = format!("（公表データ {data_date} 時点）");
    let as_of_en = format!(" (registry data of {data_date})");
    let finding = |id: &str, severity: Severity, ja: String, en: String| Finding {
        rule_id: id.to_owned(),
        severity,
        location: location.clone(),
        message_ja: ja + &as_of,
        message_en: en + &as_of_en,
        rule_set: crate::jp::RULE_SET.to_owned(),
    };
    let mut findings = Vec::new();
    match answer.status {
        RegistrationStatus::Registered | RegistrationStatus::NoRegistryData => {}
        RegistrationStatus::NotFound => findings.push(finding(
            "cie-jp-10",
            Severity::Error,
            format!("登録番号 {number} は適格請求書発行事業者として公表されていません。"),
            format!("Registration number {number} is not published as a qualified invoice issuer."),
        )),
        RegistrationStatus::NotYetRegistered => findings.push(finding(
            "cie-jp-11",
            Severity::Error,
            format!("登録番号 {number} は取引日 {on} の時点ではまだ登録されていません。"),
            format!("Registration number {number} was not yet registered on the supply date {on}."),
        )),
        RegistrationStatus::Cancelled => findings.push(finding(
            "cie-jp-12",
            Severity::Error,
            format!("登録番号 {number} の登録は取引日 {on} より前に取り消されています。"),
            format!("Registration number {number} was cancelled before the supply date {on}."),
        )),
        RegistrationStatus::Expired => findings.push(finding(
            "cie-jp-13",
            Severity::Error,
            format!("登録番号 {number} の登録は取引日 {on} より前に失効しています。"),
            format!("Registration number {number} had expired before the supply date {on}."),
        )),
    }
    if answer.name_matches == Some(false) {
        let registered = answer.registered_name.unwrap_or_default();
        findings.push(finding(
            "cie-jp-14",
            Severity::Warning,
            format!("売り手の名称が、登録番号 {number} の公表名称「{registered}」と異なります。"),
            format!(
                "The seller name differs from the name published for {number}, \"{registered}\"."
            ),
        ));
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: RegistrationStatus, name_matches: Option<bool>, data: bool) -> Vec<String> {
        let answer = RegistryAnswer {
            registration_number: "T7000012050002",
            on: NaiveDate::from_ymd_opt(2025, 1, 1).expect("date"),
            status,
            name_matches,
            registered_name: Some("国税庁"),
            data_date: data.then(|| NaiveDate::from_ymd_opt(2026, 3, 1).expect("date")),
        };
        registry_findings(&answer, Location::default())
            .into_iter()
            .map(|f| format!("{}:{}", f.rule_id, f.severity))
            .collect()
    }

    #[test]
    fn each_registry_status_has_its_finding() {
        assert_eq!(
            answer(RegistrationStatus::Registered, Some(true), true),
            Vec::<String>::new()
        );
        assert_eq!(
            answer(RegistrationStatus::NotFound, None, true),
            ["cie-jp-10:error"]
        );
        assert_eq!(
            answer(RegistrationStatus::NotYetRegistered, None, true),
            ["cie-jp-11:error"]
        );
        assert_eq!(
            answer(RegistrationStatus::Cancelled, None, true),
            ["cie-jp-12:error"]
        );
        assert_eq!(
            answer(RegistrationStatus::Expired, None, true),
            ["cie-jp-13:error"]
        );
        assert_eq!(
            answer(RegistrationStatus::Registered, Some(false), true),
            ["cie-jp-14:warning"]
        );
    }

    #[test]
    fn without_registry_data_nothing_is_claimed() {
        assert_eq!(
            answer(RegistrationStatus::NotFound, None, false),
            Vec::<String>::new()
        );
    }
}
