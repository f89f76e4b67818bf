//! Native implementations of the utility functions declared (as `xsl:function`) in the PEPPOL / PINT
//! Schematron files, namespace `utils`: identifier check digits (GS1 GLN, Norwegian and Belgian organisation
//! numbers, Italian codes, Australian ABN, Swedish organisation numbers), the `slack` tolerance comparison and
//! `cat2str`, a tax category's id and rate as one string. Each one follows the
//! official XSLT definition, including its behaviour on malformed input.

use rust_decimal::{Decimal, RoundingStrategy};

use crate::error::XPathError;
use crate::functions::{FunctionRegistry, SCHEMATRON_UTILS_NAMESPACE};
use crate::value::{Atomic, AtomicType, Item, Value, parse_double};

const CBC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";

type Check = fn(&str) -> Result<bool, XPathError>;

pub(crate) fn register(registry: &mut FunctionRegistry) {
    let unary: [(&str, Check); 8] = [
        ("gln", |value| Ok(gln(value))),
        ("mod11", |value| Ok(mod11(value))),
        ("mod97-0208", mod97_0208),
        ("checkCodiceIPA", |value| Ok(check_codice_ipa(value))),
        ("checkCF", |value| Ok(check_cf(value))),
        ("checkPIVAseIT", check_piva_se_it),
        ("abn", |value| Ok(abn(value))),
        ("checkSEOrgnr", |value| Ok(check_se_orgnr(value))),
    ];
    for (name, check) in unary {
        registry.register(
            SCHEMATRON_UTILS_NAMESPACE,
            name,
            1..=1,
            move |context, args| {
                let text = context.string_argument(&args[0])?;
                check(&text).map(Value::boolean)
            },
        );
    }
    registry.register(
        SCHEMATRON_UTILS_NAMESPACE,
        "cat2str",
        1..=1,
        |context, args| {
            let doc = context.document();
            let category = match args[0].items() {
                [] => None,
                [Item::Node(node)] => Some(*node),
                _ => return Err(XPathError::type_error("u:cat2str expects one tax category")),
            };
            let child = |local: &str| {
                category
                    .and_then(|node| doc.child_named(node, CBC, local))
                    .map(|node| doc.string_value(node).into_owned())
            };
            let id = child("ID")
                .unwrap_or_default()
                .split([' ', '\t', '\r', '\n'])
                .filter(|part| !part.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            let Some(percent) = child("Percent") else {
                return Ok(Value::string(format!("{id}-")));
            };
            let percent = match Atomic::String(percent).cast(AtomicType::Decimal)? {
                Atomic::Decimal(percent) => percent,
                _ => {
                    return Err(XPathError::type_error(
                        "u:cat2str expects a decimal percent",
                    ));
                }
            };
            let midpoint = if percent.is_sign_negative() {
                RoundingStrategy::MidpointTowardZero
            } else {
                RoundingStrategy::MidpointAwayFromZero
            };
            let scaled = (percent * Decimal::from(1_000_000)).round_dp_with_strategy(0, midpoint);
            Ok(Value::string(format!("{id}-{}", scaled.normalize())))
        },
    );
    registry.register(
        SCHEMATRON_UTILS_NAMESPACE,
        "slack",
        3..=3,
        |context, args| {
            let decimal = |value: &Value| -> Result<Decimal, XPathError> {
                match Atomic::String(context.string_argument(value)?).cast(AtomicType::Decimal)? {
                    Atomic::Decimal(decimal) => Ok(decimal),
                    _ => Err(XPathError::type_error("u:slack expects decimals")),
                }
            };
            let (expected, value, slack) =
                (decimal(&args[0])?, decimal(&args[1])?, decimal(&args[2])?);
            Ok(Value::boolean(
                expected + slack >= value && expected - slack <= value,
            ))
        },
    );
}

fn codepoints(value: &str) -> Vec<i64> {
    value.chars().map(|c| i64::from(u32::from(c))).collect()
}

/// XPath `number()` of a one-character string: the digit, or `None` for NaN.
fn digit_number(c: Option<&i64>) -> Option<f64> {
    let c = char::from_u32(u32::try_from(*c?).ok()?)?;
    parse_double(&c.to_string())
}

/// `(10 - (weighted sum mod 10)) mod 10 = number(last character)` with weights 3, 1, 3, ... from the right.
pub(crate) fn gln(value: &str) -> bool {
    check_digit_scheme(value, |i| if i % 2 == 1 { 3 } else { 1 }, 10)
}

/// The Norwegian organisation number check: weights 2..7 from the right, mod 11, and `number(value) > 0`.
pub(crate) fn mod11(value: &str) -> bool {
    let positive = parse_double(value.trim()).is_some_and(|number| number > 0.0);
    positive && check_digit_scheme(value, |i| ((i - 1) % 6) + 2, 11)
}

fn check_digit_scheme(value: &str, weight: impl Fn(i64) -> i64, modulus: i64) -> bool {
    let points = codepoints(value);
    let Some((last, body)) = points.split_last() else {
        return false;
    };
    let sum: i64 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &c)| (c - 48) * weight(i as i64 + 1))
        .sum();
    let expected = (modulus - sum % modulus) % modulus;
    digit_number(Some(last)) == Some(expected as f64)
}

/// The Belgian enterprise number check (`0208`): `97 - (first eight digits mod 97)` equals digits 9-10.
pub(crate) fn mod97_0208(value: &str) -> Result<bool, XPathError> {
    let chars: Vec<char> = value.chars().collect();
    let slice = |from: usize, len: usize| -> String { chars.iter().skip(from).take(len).collect() };
    let head = match Atomic::String(slice(0, 8))
        .cast(AtomicType::Integer(crate::value::IntegerRange::Any))?
    {
        Atomic::Integer(head) => head,
        _ => return Err(XPathError::type_error("integer expected")),
    };
    let calculated = 97 - head % 97;
    let check = parse_double(slice(8, 2).trim());
    Ok(check.is_some_and(|check| check == calculated as f64))
}

fn only_chars(value: &str, allowed: impl Fn(char) -> bool) -> bool {
    value.chars().all(allowed)
}

/// The Italian IPA code: exactly six ASCII letters or digits.
pub(crate) fn check_codice_ipa(value: &str) -> bool {
    only_chars(value, |c| c.is_ascii_alphanumeric()) && value.chars().count() == 6
}

fn castable_as_integer(value: &str) -> bool {
    Atomic::String(value.to_owned())
        .cast(AtomicType::Integer(crate::value::IntegerRange::Any))
        .is_ok()
}

/// The Italian fiscal code: 16 characters in the personal-code layout, or 11 digits.
pub(crate) fn check_cf(value: &str) -> bool {
    match value.chars().count() {
        16 => check_cf16(value),
        11 => castable_as_integer(value),
        _ => false,
    }
}

fn check_cf16(value: &str) -> bool {
    let chars: Vec<char> = value.chars().collect();
    let part =
        |from: usize, len: usize| -> String { chars.iter().skip(from - 1).take(len).collect() };
    let letters = |text: String| only_chars(&text, |c| c.is_ascii_alphabetic());
    letters(part(1, 6))
        && castable_as_integer(&part(7, 2))
        && letters(part(9, 1))
        && castable_as_integer(&part(10, 2))
        && castable_as_integer(&part(15, 1))
        && letters(part(16, 1))
}

/// The Italian VAT number: for `IT`/`it` prefixed values, 11 characters after the prefix with a valid Luhn
/// style check; any other value passes.
pub(crate) fn check_piva_se_it(value: &str) -> Result<bool, XPathError> {
    let chars: Vec<char> = value.chars().collect();
    let country: String = chars.iter().take(2).collect();
    if country != "IT" && country != "it" {
        return Ok(true);
    }
    let code: String = chars.iter().skip(2).collect();
    if code.chars().count() != 11 {
        return Ok(false);
    }
    Ok(check_piva(&code)? == 0)
}

fn check_piva(code: &str) -> Result<i64, XPathError> {
    if !castable_as_integer(code) {
        return Ok(1);
    }
    Ok(add_piva(code, false)? % 10)
}

fn add_piva(code: &str, even: bool) -> Result<i64, XPathError> {
    let mut total = 0;
    let mut even = even;
    let mut rest: Vec<char> = code.chars().collect();
    while !rest.is_empty() && castable_as_integer(&rest.iter().collect::<String>()) {
        let digit = rest[0].to_digit(10).map(i64::from).ok_or_else(|| {
            XPathError::dynamic("FORG0001", format!("{:?} is not a digit", rest[0]))
        })?;
        total += if even {
            [0, 2, 4, 6, 8, 1, 3, 5, 7, 9][digit as usize]
        } else {
            digit
        };
        even = !even;
        rest.remove(0);
    }
    Ok(total)
}

/// The Swedish organisation number: ten digits, the tenth the Luhn check digit of the first nine.
pub(crate) fn check_se_orgnr(value: &str) -> bool {
    if value.is_empty() || !value.chars().all(|c| c.is_ascii_digit()) {
        return false;
    }
    let digits: Vec<u32> = value.chars().filter_map(|c| c.to_digit(10)).collect();
    let main = &digits[..digits.len().min(9)];
    let sum: u32 = main
        .iter()
        .rev()
        .enumerate()
        .map(|(index, &digit)| {
            if index % 2 == 0 {
                (digit * 2) % 10 + (digit * 2) / 10
            } else {
                digit
            }
        })
        .sum();
    digits.get(9) == Some(&((10 - sum % 10) % 10))
}

/// The Australian Business Number: weights 10, 1, 3, ..., 19 with 1 subtracted from the first digit,
/// sum divisible by 89.
pub(crate) fn abn(value: &str) -> bool {
    let points = codepoints(value);
    if points.len() < 11 {
        return false;
    }
    let weights = [10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19];
    let sum: i64 = points
        .iter()
        .zip(weights)
        .enumerate()
        .map(|(i, (&c, weight))| (c - if i == 0 { 49 } else { 48 }) * weight)
        .sum();
    sum % 89 == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gln_check_digit() {
        assert!(gln("4000001123452"));
        assert!(gln("5790000436057"));
        assert!(!gln("4000001123453"));
        assert!(!gln(""));
    }

    #[test]
    fn norwegian_mod11() {
        assert!(mod11("974760673"));
        assert!(!mod11("974760674"));
        assert!(!mod11("000000000"));
    }

    #[test]
    fn belgian_mod97() {
        assert_eq!(mod97_0208("0123456749"), Ok(true));
        assert_eq!(mod97_0208("0123456748"), Ok(false));
        assert!(mod97_0208("ABCDEFGH12").is_err());
    }

    #[test]
    fn italian_codes() {
        assert!(check_codice_ipa("UFY9MH"));
        assert!(!check_codice_ipa("UFY9M"));
        assert!(check_cf("RSSMRA85T10A562S"));
        assert!(check_cf("12345678901"));
        assert!(!check_cf("RSSMRA85T10A562"));
        assert_eq!(check_piva_se_it("IT12345678903"), Ok(true));
        assert_eq!(check_piva_se_it("IT12345678901"), Ok(false));
        assert_eq!(check_piva_se_it("DE123"), Ok(true));
    }

    #[test]
    fn australian_business_number() {
        assert!(abn("51824753556"));
        assert!(!abn("51824753557"));
        assert!(!abn("5182475355"));
    }
}
