//! The message catalogues of the pages: Japanese by default, English on request. Every string a page shows
//! comes from `messages/<lang>.toml`; templates hold none.

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

fn parse(source: &str) -> HashMap<String, String> {
    let table: toml::Table = source
        .parse()
        .expect("an embedded message catalogue parses");
    table
        .into_iter()
        .map(|(key, value)| match value {
            toml::Value::String(text) => (key, text),
            other => panic!("message {key} is not a string: {other}"),
        })
        .collect()
}

static JA: LazyLock<HashMap<String, String>> =
    LazyLock::new(|| parse(include_str!("messages/ja.toml")));
static EN: LazyLock<HashMap<String, String>> =
    LazyLock::new(|| parse(include_str!("messages/en.toml")));

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
