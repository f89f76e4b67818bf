//! The rule ids this crate reports under, with a one-line description of each in both languages.

use std::fmt;

/// The rule set every finding of this crate belongs to.
pub const RULE_SET: &str = "ubl-2.1-schema";

/// One kind of UBL 2.1 schema violation, reported under our own rule id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SchemaRule {
    /// An element is not allowed at its position: unknown, in the wrong namespace or out of order.
    ElementUnexpected,
    /// A required child element is missing (reported at the parent).
    ElementMissing,
    /// An element occurs more often than its `maxOccurs`.
    ElementTooMany,
    /// A required attribute (e.g. `currencyID` on an amount) is missing.
    AttributeMissing,
    /// An attribute is not declared for the element.
    AttributeUnexpected,
    /// Text is not valid for the element's or attribute's data type, or text appears where only
    /// child elements are allowed.
    Datatype,
}

impl SchemaRule {
    /// Every rule.
    pub const ALL: [SchemaRule; 6] = [
        SchemaRule::ElementUnexpected,
        SchemaRule::ElementMissing,
        SchemaRule::ElementTooMany,
        SchemaRule::AttributeMissing,
        SchemaRule::AttributeUnexpected,
        SchemaRule::Datatype,
    ];

    /// The rule id, e.g. `cie-ubl-element-unexpected`.
    pub fn id(self) -> &'static str {
        match self {
            SchemaRule::ElementUnexpected => "cie-ubl-element-unexpected",
            SchemaRule::ElementMissing => "cie-ubl-element-missing",
            SchemaRule::ElementTooMany => "cie-ubl-element-too-many",
            SchemaRule::AttributeMissing => "cie-ubl-attribute-missing",
            SchemaRule::AttributeUnexpected => "cie-ubl-attribute-unexpected",
            SchemaRule::Datatype => "cie-ubl-datatype",
        }
    }

    /// The rule with id `id`, if it is one of ours.
    pub fn from_id(id: &str) -> Option<SchemaRule> {
        SchemaRule::ALL.into_iter().find(|rule| rule.id() == id)
    }

    /// What the rule checks, in English.
    pub fn description_en(self) -> &'static str {
        match self {
            SchemaRule::ElementUnexpected => {
                "An element must be declared by UBL 2.1 and appear where its parent's sequence allows it"
            }
            SchemaRule::ElementMissing => "Every required child element must be present",
            SchemaRule::ElementTooMany => {
                "An element must not occur more often than UBL 2.1 allows"
            }
            SchemaRule::AttributeMissing => "Every required attribute must be present",
            SchemaRule::AttributeUnexpected => "Only attributes declared by UBL 2.1 may be used",
            SchemaRule::Datatype => {
                "Values must match their data type (date, time, decimal, boolean, ...), and aggregates must not contain text"
            }
        }
    }

    /// What the rule checks, in Japanese.
    pub fn description_ja(self) -> &'static str {
        match self {
            SchemaRule::ElementUnexpected => {
                "要素はUBL 2.1で定義され、親要素の順序で許される位置に記載されなければならない"
            }
            SchemaRule::ElementMissing => "必須の子要素はすべて記載されなければならない",
            SchemaRule::ElementTooMany => "要素はUBL 2.1で許される回数を超えて記載してはならない",
            SchemaRule::AttributeMissing => "必須の属性はすべて記載されなければならない",
            SchemaRule::AttributeUnexpected => "UBL 2.1で定義された属性のみ記載できる",
            SchemaRule::Datatype => {
                "値はデータ型（日付、時刻、数値、真偽値など）に合っていなければならず、集約要素に文字列を記載してはならない"
            }
        }
    }
}

impl fmt::Display for SchemaRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}
