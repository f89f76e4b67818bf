//! The message catalogues of the pages: Japanese by default, English on request. Every string a page shows
//! comes from `messages/<lang>/<area>.toml`; templates hold none. A key is defined once per language.

use std::collections::HashMap;
use std::sync::LazyLock;

/// A language of the pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    /// Japanese, the default.
    Ja,
    /// English.
    En,
}

impl Lang {
    /// The language a `lang` value names; anything else is Japanese.
    pub(crate) fn parse(value: &str) -> Lang {
        if value.eq_ignore_ascii_case("en") {
            Lang::En
        } else {
            Lang::Ja
        }
    }

    /// The code for `lang` attributes and cookies.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }

    /// The other language, for the switch.
    pub(crate) fn other(self) -> Lang {
        match self {
            Lang::Ja => Lang::En,
            Lang::En => Lang::Ja,
        }
    }
}

/// The catalogue files of one language, by area.
macro_rules! catalogue {
    ($lang:literal) => {
        [
            include_str!(concat!("messages/", $lang, "/common.toml")),
            include_str!(concat!("messages/", $lang, "/documents.toml")),
            include_str!(concat!("messages/", $lang, "/staff.toml")),
            include_str!(concat!("messages/", $lang, "/forms.toml")),
            include_str!(concat!("messages/", $lang, "/admin.toml")),
            include_str!(concat!("messages/", $lang, "/console.toml")),
            include_str!(concat!("messages/", $lang, "/answers.toml")),
        ]
    };
}

fn parse(sources: &[&str]) -> HashMap<String, String> {
    let mut messages = HashMap::new();
    for source in sources {
        let table: toml::Table = source
            .parse()
            .expect("an embedded message catalogue parses");
        for (key, value) in table {
            let toml::Value::String(text) = value else {
                panic!("message {key} is not a string: {value}");
            };
            assert!(
                messages.insert(key.clone(), text).is_none(),
                "message {key} is defined twice"
            );
        }
    }
    messages
}

static JA: LazyLock<HashMap<String, String>> = LazyLock::new(|| parse(&catalogue!("ja")));
static EN: LazyLock<HashMap<String, String>> = LazyLock::new(|| parse(&catalogue!("en")));

/// The message `key` in `lang` (the key itself when missing, which the catalogue test prevents).
pub(crate) fn t(lang: Lang, key: &str) -> String {
    let catalogue = match lang {
        Lang::Ja => &*JA,
        Lang::En => &*EN,
    };
    catalogue
        .get(key)
        .cloned()
        .unwrap_or_else(|| key.to_owned())
}

/// The message `key` with `{name}` placeholders filled from `values`.
pub(crate) fn t_with(lang: Lang, key: &str, values: &[(&str, &str)]) -> String {
    values.iter().fold(t(lang, key), |text, (name, value)| {
        text.replace(&format!("{{{name}}}"), value)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_catalogues_have_the_same_keys() {
        let mut ja: Vec<&String> = JA.keys().collect();
        let mut en: Vec<&String> = EN.keys().collect();
        ja.sort();
        en.sort();
        assert_eq!(ja, en);
    }

    #[test]
    fn every_kind_status_and_state_has_a_name() {
        for lang in [Lang::Ja, Lang::En] {
            let keys = cie_domain::DocumentKind::ALL
                .iter()
                .map(|k| format!("kind_{}", k.as_str()))
                .chain(
                    cie_domain::DocumentStatus::ALL
                        .iter()
                        .map(|s| format!("status_{}", s.as_str())),
                )
                .chain(
                    cie_workflow::InvoiceState::ALL
                        .iter()
                        .map(|s| format!("state_{}", s.as_str())),
                );
            for key in keys {
                assert_ne!(t(lang, &key), key, "{key} in {lang:?}");
            }
        }
    }

    /// The sources of the pages, scanned for the message keys they name.
    const SOURCES: [&str; 16] = [
        include_str!("forms.rs"),
        include_str!("views/forms.rs"),
        include_str!("answers.rs"),
        include_str!("views/answers.rs"),
        include_str!("mod.rs"),
        include_str!("session.rs"),
        include_str!("documents.rs"),
        include_str!("staff.rs"),
        include_str!("console.rs"),
        include_str!("admin.rs"),
        include_str!("views/mod.rs"),
        include_str!("views/session.rs"),
        include_str!("views/documents.rs"),
        include_str!("views/staff.rs"),
        include_str!("views/console.rs"),
        include_str!("views/admin.rs"),
    ];

    /// The literal keys of `t(…, "key")` and `t_with(…, "key", …)` calls, and the literal keys of menus and
    /// filters (strings starting with a known prefix).
    fn keys_named_in(source: &str) -> Vec<String> {
        let mut keys = Vec::new();
        for call in ["t(", "t_with("] {
            let mut rest = source;
            while let Some(at) = rest.find(call) {
                let before = rest[..at].chars().last();
                rest = &rest[at + call.len()..];
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    continue;
                }
                let Some(comma) = rest.find(", \"") else {
                    break;
                };
                let argument = &rest[..comma];
                if argument.contains('(') || argument.contains('\n') {
                    continue;
                }
                let key_start = &rest[comma + 3..];
                if let Some(end) = key_start.find('"') {
                    keys.push(key_start[..end].to_owned());
                }
            }
        }
        for prefix in ["\"nav_", "\"task_", "\"inbox_", "\"error_page_"] {
            let mut rest = source;
            while let Some(at) = rest.find(prefix) {
                rest = &rest[at + 1..];
                if let Some(end) = rest.find('"') {
                    keys.push(rest[..end].to_owned());
                }
            }
        }
        keys
    }

    #[test]
    fn every_key_the_pages_name_is_in_the_catalogues() {
        let mut named = 0;
        for source in SOURCES {
            for key in keys_named_in(source) {
                named += 1;
                assert!(
                    JA.contains_key(&key),
                    "message {key} is not in the catalogue"
                );
            }
        }
        assert!(named > 150, "only {named} keys found: the scan is broken");
    }

    #[test]
    fn every_computed_key_is_in_the_catalogues() {
        let mut keys: Vec<String> = Vec::new();
        keys.extend(
            [
                cie_domain::Severity::Fatal,
                cie_domain::Severity::Error,
                cie_domain::Severity::Warning,
                cie_domain::Severity::Info,
            ]
            .iter()
            .map(|s| format!("severity_{}", s.as_str())),
        );
        keys.extend(
            cie_workflow::Action::ALL
                .iter()
                .map(|a| format!("action_{}", a.as_str())),
        );
        keys.extend(
            crate::web::staff::RETURN_REASONS
                .iter()
                .map(|(key, _)| format!("return_reason_{key}")),
        );
        keys.extend(
            [
                "received",
                "start_inspection",
                "return",
                "inspection",
                "approval",
                "payment_order",
                "payment",
                "withdrawal",
                "submitted",
                "answered",
            ]
            .iter()
            .map(|step| format!("done_{step}")),
        );
        for status in [
            "not_yet_registered",
            "cancelled",
            "expired",
            "not_found",
            "no_registry_data",
        ] {
            keys.push(format!("flag_registry_{status}"));
            keys.push(format!("registry_{status}"));
        }
        keys.push("registry_registered".into());
        keys.extend(
            crate::web::forms::UNITS
                .iter()
                .map(|(_, key)| (*key).to_owned()),
        );
        keys.extend(
            crate::web::forms::TAX_CATEGORIES
                .iter()
                .flat_map(|(category, key)| {
                    [(*key).to_owned(), format!("taxable_{}", category.code())]
                }),
        );
        keys.extend(
            [
                "tax_S",
                "tax_AA",
                "error_invalid_buyer",
                "error_corporate_number_required",
                "error_lines_not_numbers",
            ]
            .map(str::to_owned),
        );
        keys.extend(
            crate::web::answers::RESPONSE_STATUSES
                .iter()
                .map(|(_, key)| (*key).to_owned())
                .chain(
                    crate::web::answers::LINE_STATUSES
                        .iter()
                        .map(|(_, key)| (*key).to_owned()),
                ),
        );
        keys.extend(
            [
                "quotation_form_title",
                "quotation_form_intro",
                "order_response_form_title",
                "order_response_form_intro",
                "despatch_advice_form_title",
                "despatch_advice_form_intro",
                "validity_end_hint",
                "rejection_note_hint",
                "quotation_total_label",
                "answer_findings_heading",
                "document_findings_heading",
                "error_note_required",
                "error_quantity_unchanged",
                "error_nothing_changed",
                "error_unknown_line",
            ]
            .map(str::to_owned),
        );
        for role in ["supplier", "staff", "approver", "admin", "finance"] {
            keys.push(format!("role_{role}"));
        }
        for key in keys {
            assert!(
                JA.contains_key(&key),
                "message {key} is not in the catalogue"
            );
        }
    }

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(
            t_with(Lang::En, "welcome", &[("name", "tanaka")]),
            "Welcome, tanaka."
        );
        assert_eq!(t(Lang::Ja, "login_button"), "ログイン");
        assert_eq!(Lang::parse("EN"), Lang::En);
        assert_eq!(Lang::parse("fr"), Lang::Ja);
    }
}
