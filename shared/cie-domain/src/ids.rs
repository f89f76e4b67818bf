//! Identifiers with invariants: tenants (cities), roles, and qualified-invoice registration numbers (登録番号).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Why a value could not become a domain identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// A tenant id is not a lowercase slug.
    #[error(
        "tenant id {0:?} must be 2 to 63 characters of lowercase ASCII letters, digits and '-', starting with a letter"
    )]
    InvalidTenantId(String),
    /// A role name is not one of the known roles.
    #[error("role {0:?} is not one of supplier, staff, approver, finance, admin")]
    InvalidRole(String),
    /// A registration number is not `T` followed by 13 digits.
    #[error("registration number {0:?} must be 'T' followed by 13 digits")]
    InvalidRegistrationNumber(String),
}

/// A tenant: one city using the service. A lowercase slug such as `higashikurume`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TenantId(String);

impl TenantId {
    /// Parses a tenant slug.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let valid_length = (2..=63).contains(&raw.len());
        let starts_with_letter = raw.chars().next().is_some_and(|c| c.is_ascii_lowercase());
        let valid_chars = raw
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if valid_length && starts_with_letter && valid_chars {
            Ok(Self(raw.to_owned()))
        } else {
            Err(DomainError::InvalidTenantId(raw.to_owned()))
        }
    }

    /// The slug.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for TenantId {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<TenantId> for String {
    fn from(value: TenantId) -> Self {
        value.0
    }
}

/// What a user may do within a tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A user of a supplier organisation: sends documents, sees only its organisation's documents.
    Supplier,
    /// City accounting staff: inspects documents.
    Staff,
    /// City approver: approves payments.
    Approver,
    /// The city's financial accounting system (財務会計システム), a machine client.
    Finance,
    /// Tenant administrator: manages users, supplier organisations and clients.
    Admin,
}

impl Role {
    /// Every role, in a stable order.
    pub const ALL: [Role; 5] = [
        Role::Supplier,
        Role::Staff,
        Role::Approver,
        Role::Finance,
        Role::Admin,
    ];

    /// The role's name as stored and carried in tokens.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Supplier => "supplier",
            Role::Staff => "staff",
            Role::Approver => "approver",
            Role::Finance => "finance",
            Role::Admin => "admin",
        }
    }

    /// Whether this role belongs to the city's own staff (sees every document of the tenant).
    pub fn is_city_side(self) -> bool {
        !matches!(self, Role::Supplier)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == s)
            .ok_or_else(|| DomainError::InvalidRole(s.to_owned()))
    }
}

/// A qualified-invoice issuer registration number (適格請求書発行事業者登録番号): `T` and 13 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RegistrationNumber(String);

impl RegistrationNumber {
    /// Parses `T` + 13 ASCII digits. The check digit is not enforced here (see [`Self::has_valid_check_digit`]).
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let bytes = raw.as_bytes();
        if bytes.len() == 14 && bytes[0] == b'T' && bytes[1..].iter().all(u8::is_ascii_digit) {
            Ok(Self(raw.to_owned()))
        } else {
            Err(DomainError::InvalidRegistrationNumber(raw.to_owned()))
        }
    }

    /// The number as written, with its `T`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the 13 digits carry a valid 法人番号 check digit (法人番号の指定等に関する省令 第2条):
    /// the first digit equals 9 − (Σ Pn·Qn mod 9) over the 12 base digits counted from the right,
    /// with Qn = 1 for odd n and 2 for even n.
    pub fn has_valid_check_digit(&self) -> bool {
        is_corporate_number(&self.0[1..])
    }
}

/// Whether `digits` is a 法人番号: 13 ASCII digits whose first is the check digit of the 12 after it
/// (法人番号の指定等に関する省令 第2条, see [`RegistrationNumber::has_valid_check_digit`]).
pub fn is_corporate_number(digits: &str) -> bool {
    let bytes = digits.as_bytes();
    if bytes.len() != 13 || !bytes.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let values: Vec<u32> = bytes.iter().map(|b| u32::from(b - b'0')).collect();
    let sum: u32 = values[1..]
        .iter()
        .rev()
        .enumerate()
        .map(|(index, digit)| digit * if index % 2 == 0 { 1 } else { 2 })
        .sum();
    values[0] == 9 - sum % 9
}

/// Whether `digits` is a GS1 Global Location Number: 13 ASCII digits whose last is the GS1 check digit
/// (weights 1 and 3 alternating from the left over the first 12, the check making the sum a multiple of 10).
pub fn is_gln(digits: &str) -> bool {
    let bytes = digits.as_bytes();
    if bytes.len() != 13 || !bytes.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = bytes[..12]
        .iter()
        .enumerate()
        .map(|(index, b)| u32::from(b - b'0') * if index % 2 == 0 { 1 } else { 3 })
        .sum();
    u32::from(bytes[12] - b'0') == (10 - sum % 10) % 10
}

impl fmt::Display for RegistrationNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for RegistrationNumber {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<RegistrationNumber> for String {
    fn from(value: RegistrationNumber) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_ids_are_lowercase_slugs() {
        assert!(TenantId::parse("higashikurume").is_ok());
        assert!(TenantId::parse("city-2").is_ok());
        for bad in ["", "a", "Higashi", "2city", "city_a", "市"] {
            assert!(TenantId::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
        }
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn registration_numbers_need_t_and_13_digits() {
        assert!(RegistrationNumber::parse("T7000012050002").is_ok());
        for bad in [
            "7000012050002",
            "T700001205000",
            "T70000120500021",
            "t7000012050002",
            "T700001205000X",
        ] {
            assert!(
                RegistrationNumber::parse(bad).is_err(),
                "{bad:?} should be refused"
            );
        }
    }

    #[test]
    fn gln_check_digits() {
        assert!(is_gln("4901234567894"));
        assert!(is_gln("0614141000036"));
        assert!(!is_gln("4901234567890"));
        assert!(!is_gln("490123456789"));
        assert!(!is_gln("490123456789X"));
    }

    #[test]
    fn check_digit_matches_the_worked_examples() {
        for good in [
            "T7000012050002",
            "T3000020132225",
            "T7123456789012",
            "T4011001098993",
            "T2120901007402",
        ] {
            assert!(
                RegistrationNumber::parse(good)
                    .unwrap()
                    .has_valid_check_digit(),
                "{good}"
            );
        }
        assert!(
            !RegistrationNumber::parse("T7000012050003")
                .unwrap()
                .has_valid_check_digit()
        );
    }
}
