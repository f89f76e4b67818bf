//! XPath values: items and sequences, atomic values of the supported XML Schema types, casting between them,
//! their canonical string forms, comparison and arithmetic (exact for `xs:integer` and `xs:decimal`).

use std::borrow::Cow;
use std::cmp::Ordering;
use std::str::FromStr;

use rust_decimal::Decimal;
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};

use crate::datetime::{XsDate, XsDateTime, XsTime, is_xml_space};
use crate::dom::{Document, NodeId};
use crate::error::XPathError;

/// An atomic type that expressions can cast to and construct (`xs:...`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AtomicType {
    /// `xs:string` (and `xs:anyURI`, `xs:normalizedString`, `xs:token`, kept as strings).
    String,
    /// `xs:untypedAtomic`.
    UntypedAtomic,
    /// `xs:boolean`.
    Boolean,
    /// `xs:integer` and its range-restricted subtypes (`xs:int`, `xs:long`, `xs:nonNegativeInteger`, ...).
    Integer(IntegerRange),
    /// `xs:decimal`.
    Decimal,
    /// `xs:double` (and `xs:float`, evaluated as double).
    Double,
    /// `xs:date`.
    Date,
    /// `xs:time`.
    Time,
    /// `xs:dateTime`.
    DateTime,
}

/// The value range of an integer type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IntegerRange {
    /// `xs:integer`, `xs:long`.
    Any,
    /// `xs:int`.
    Int,
    /// `xs:short`.
    Short,
    /// `xs:nonNegativeInteger`.
    NonNegative,
    /// `xs:positiveInteger`.
    Positive,
    /// `xs:nonPositiveInteger`.
    NonPositive,
    /// `xs:negativeInteger`.
    Negative,
}

impl IntegerRange {
    fn contains(self, value: i64) -> bool {
        match self {
            IntegerRange::Any => true,
            IntegerRange::Int => i32::try_from(value).is_ok(),
            IntegerRange::Short => i16::try_from(value).is_ok(),
            IntegerRange::NonNegative => value >= 0,
            IntegerRange::Positive => value > 0,
            IntegerRange::NonPositive => value <= 0,
            IntegerRange::Negative => value < 0,
        }
    }
}

impl AtomicType {
    /// The type with this local name in the XML Schema namespace.
    pub fn from_local_name(name: &str) -> Option<AtomicType> {
        Some(match name {
            "string" | "anyURI" | "normalizedString" | "token" | "language" | "NMTOKEN"
            | "Name" | "NCName" | "ID" => AtomicType::String,
            "untypedAtomic" => AtomicType::UntypedAtomic,
            "boolean" => AtomicType::Boolean,
            "integer" | "long" => AtomicType::Integer(IntegerRange::Any),
            "int" => AtomicType::Integer(IntegerRange::Int),
            "short" => AtomicType::Integer(IntegerRange::Short),
            "nonNegativeInteger" => AtomicType::Integer(IntegerRange::NonNegative),
            "positiveInteger" => AtomicType::Integer(IntegerRange::Positive),
            "nonPositiveInteger" => AtomicType::Integer(IntegerRange::NonPositive),
            "negativeInteger" => AtomicType::Integer(IntegerRange::Negative),
            "decimal" => AtomicType::Decimal,
            "double" | "float" => AtomicType::Double,
            "date" => AtomicType::Date,
            "time" => AtomicType::Time,
            "dateTime" => AtomicType::DateTime,
            _ => return None,
        })
    }
}

/// An atomic value.
#[derive(Debug, Clone, PartialEq)]
pub enum Atomic {
    /// `xs:string`.
    String(String),
    /// `xs:untypedAtomic`: the typed value of a node of an untyped document.
    Untyped(String),
    /// `xs:boolean`.
    Boolean(bool),
    /// `xs:integer`.
    Integer(i64),
    /// `xs:decimal`, exact.
    Decimal(Decimal),
    /// `xs:double`.
    Double(f64),
    /// `xs:date`.
    Date(XsDate),
    /// `xs:time`.
    Time(XsTime),
    /// `xs:dateTime`.
    DateTime(XsDateTime),
}

/// An item of a sequence: a node of the document being evaluated or an atomic value.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// A node.
    Node(NodeId),
    /// An atomic value.
    Atomic(Atomic),
}

/// The result of evaluating an expression: a sequence of items.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Value {
    items: Vec<Item>,
}

impl Value {
    /// A sequence of these items.
    pub fn new(items: Vec<Item>) -> Self {
        Value { items }
    }

    /// The empty sequence.
    pub fn empty() -> Self {
        Value::default()
    }

    /// A sequence of one atomic value.
    pub fn atomic(value: Atomic) -> Self {
        Value {
            items: vec![Item::Atomic(value)],
        }
    }

    /// A single `xs:boolean`.
    pub fn boolean(value: bool) -> Self {
        Value::atomic(Atomic::Boolean(value))
    }

    /// A single `xs:string`.
    pub fn string(value: impl Into<String>) -> Self {
        Value::atomic(Atomic::String(value.into()))
    }

    /// The items.
    pub fn items(&self) -> &[Item] {
        &self.items
    }

    /// The items, owned.
    pub fn into_items(self) -> Vec<Item> {
        self.items
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether this is the empty sequence.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The XPath effective boolean value (`FORG0006` for sequences that have none).
    pub fn effective_boolean_value(&self) -> Result<bool, XPathError> {
        effective_boolean_value(&self.items)
    }

    /// The string value of a sequence of at most one item (`""` when empty).
    pub fn string_value(&self, doc: &Document) -> Result<String, XPathError> {
        match self.items.as_slice() {
            [] => Ok(String::new()),
            [item] => Ok(item_string(doc, item).into_owned()),
            _ => Err(XPathError::type_error(
                "a sequence of more than one item has no string value",
            )),
        }
    }
}

impl From<Vec<Item>> for Value {
    fn from(items: Vec<Item>) -> Self {
        Value { items }
    }
}

pub(crate) fn effective_boolean_value(items: &[Item]) -> Result<bool, XPathError> {
    match items {
        [] => Ok(false),
        [Item::Node(_), ..] => Ok(true),
        [Item::Atomic(atomic)] => atomic.effective_boolean_value(),
        _ => Err(XPathError::dynamic(
            "FORG0006",
            "effective boolean value of a sequence of several atomic values",
        )),
    }
}

/// The string value of an item.
pub(crate) fn item_string<'a>(doc: &'a Document, item: &'a Item) -> Cow<'a, str> {
    match item {
        Item::Node(node) => doc.string_value(*node),
        Item::Atomic(atomic) => atomic.to_xpath_string(),
    }
}

/// A borrowed atomized item: a node's untyped string value or an atomic value.
#[derive(Debug, Clone)]
pub(crate) enum Atom<'a> {
    Untyped(Cow<'a, str>),
    /// An `xs:string` computed by the evaluator (not copied into an [`Atomic`]).
    Text(Cow<'a, str>),
    Value(Cow<'a, Atomic>),
}

impl<'a> Atom<'a> {
    pub(crate) fn of(doc: &'a Document, item: &'a Item) -> Atom<'a> {
        match item {
            Item::Node(node) => Atom::Untyped(doc.string_value(*node)),
            Item::Atomic(Atomic::Untyped(text)) => Atom::Untyped(Cow::Borrowed(text)),
            Item::Atomic(atomic) => Atom::Value(Cow::Borrowed(atomic)),
        }
    }

    pub(crate) fn into_atomic(self) -> Atomic {
        match self {
            Atom::Untyped(text) => Atomic::Untyped(text.into_owned()),
            Atom::Text(text) => Atomic::String(text.into_owned()),
            Atom::Value(value) => value.into_owned(),
        }
    }
}

impl Atomic {
    /// The XML Schema name of the value's type.
    pub fn type_name(&self) -> &'static str {
        match self {
            Atomic::String(_) => "xs:string",
            Atomic::Untyped(_) => "xs:untypedAtomic",
            Atomic::Boolean(_) => "xs:boolean",
            Atomic::Integer(_) => "xs:integer",
            Atomic::Decimal(_) => "xs:decimal",
            Atomic::Double(_) => "xs:double",
            Atomic::Date(_) => "xs:date",
            Atomic::Time(_) => "xs:time",
            Atomic::DateTime(_) => "xs:dateTime",
        }
    }

    /// Whether the value is numeric (`xs:integer`, `xs:decimal`, `xs:double`).
    pub fn is_numeric(&self) -> bool {
        matches!(
            self,
            Atomic::Integer(_) | Atomic::Decimal(_) | Atomic::Double(_)
        )
    }

    /// The canonical string form (the result of casting to `xs:string`).
    pub fn to_xpath_string(&self) -> Cow<'_, str> {
        match self {
            Atomic::String(text) | Atomic::Untyped(text) => Cow::Borrowed(text),
            Atomic::Boolean(value) => Cow::Borrowed(if *value { "true" } else { "false" }),
            Atomic::Integer(value) => Cow::Owned(value.to_string()),
            Atomic::Decimal(value) => Cow::Owned(decimal_to_string(*value)),
            Atomic::Double(value) => Cow::Owned(double_to_string(*value)),
            Atomic::Date(value) => Cow::Owned(value.to_string()),
            Atomic::Time(value) => Cow::Owned(value.to_string()),
            Atomic::DateTime(value) => Cow::Owned(value.to_string()),
        }
    }

    /// The effective boolean value of a single atomic value.
    pub fn effective_boolean_value(&self) -> Result<bool, XPathError> {
        match self {
            Atomic::Boolean(value) => Ok(*value),
            Atomic::String(text) | Atomic::Untyped(text) => Ok(!text.is_empty()),
            Atomic::Integer(value) => Ok(*value != 0),
            Atomic::Decimal(value) => Ok(!value.is_zero()),
            Atomic::Double(value) => Ok(*value != 0.0 && !value.is_nan()),
            other => Err(XPathError::dynamic(
                "FORG0006",
                format!("{} has no effective boolean value", other.type_name()),
            )),
        }
    }

    /// Casts the value to `target` (`FORG0001` when the value is not in the target's lexical or value space).
    pub fn cast(&self, target: AtomicType) -> Result<Atomic, XPathError> {
        match self {
            Atomic::String(text) | Atomic::Untyped(text) => cast_text(text, target),
            other => cast_typed(other, target),
        }
    }
}

fn invalid_cast(value: &str, target: AtomicType) -> XPathError {
    XPathError::dynamic(
        "FORG0001",
        format!("cannot cast {value:?} to {}", type_label(target)),
    )
}

fn type_label(target: AtomicType) -> &'static str {
    match target {
        AtomicType::String => "xs:string",
        AtomicType::UntypedAtomic => "xs:untypedAtomic",
        AtomicType::Boolean => "xs:boolean",
        AtomicType::Integer(_) => "xs:integer",
        AtomicType::Decimal => "xs:decimal",
        AtomicType::Double => "xs:double",
        AtomicType::Date => "xs:date",
        AtomicType::Time => "xs:time",
        AtomicType::DateTime => "xs:dateTime",
    }
}

/// Casts a string (or untyped value) to `target` using the target's lexical rules (whitespace collapsed for
/// every type but the string types).
pub(crate) fn cast_text(text: &str, target: AtomicType) -> Result<Atomic, XPathError> {
    let trimmed = || text.trim_matches(is_xml_space);
    match target {
        AtomicType::String => Ok(Atomic::String(text.to_owned())),
        AtomicType::UntypedAtomic => Ok(Atomic::Untyped(text.to_owned())),
        AtomicType::Boolean => match trimmed() {
            "true" | "1" => Ok(Atomic::Boolean(true)),
            "false" | "0" => Ok(Atomic::Boolean(false)),
            _ => Err(invalid_cast(text, target)),
        },
        AtomicType::Integer(range) => {
            let value = parse_integer(trimmed()).ok_or_else(|| invalid_cast(text, target))?;
            if range.contains(value) {
                Ok(Atomic::Integer(value))
            } else {
                Err(invalid_cast(text, target))
            }
        }
        AtomicType::Decimal => parse_decimal(trimmed())
            .map(Atomic::Decimal)
            .ok_or_else(|| invalid_cast(text, target)),
        AtomicType::Double => parse_double(trimmed())
            .map(Atomic::Double)
            .ok_or_else(|| invalid_cast(text, target)),
        AtomicType::Date => XsDate::parse(text)
            .map(Atomic::Date)
            .ok_or_else(|| invalid_cast(text, target)),
        AtomicType::Time => XsTime::parse(text)
            .map(Atomic::Time)
            .ok_or_else(|| invalid_cast(text, target)),
        AtomicType::DateTime => XsDateTime::parse(text)
            .map(Atomic::DateTime)
            .ok_or_else(|| invalid_cast(text, target)),
    }
}

fn cast_typed(value: &Atomic, target: AtomicType) -> Result<Atomic, XPathError> {
    let fail = || {
        XPathError::type_error(format!(
            "cannot cast {} to {}",
            value.type_name(),
            type_label(target)
        ))
    };
    match target {
        AtomicType::String => return Ok(Atomic::String(value.to_xpath_string().into_owned())),
        AtomicType::UntypedAtomic => {
            return Ok(Atomic::Untyped(value.to_xpath_string().into_owned()));
        }
        _ => {}
    }
    match (value, target) {
        (Atomic::Boolean(flag), AtomicType::Boolean) => Ok(Atomic::Boolean(*flag)),
        (Atomic::Boolean(flag), AtomicType::Integer(range)) => {
            let number = i64::from(*flag);
            if range.contains(number) {
                Ok(Atomic::Integer(number))
            } else {
                Err(invalid_cast(&number.to_string(), target))
            }
        }
        (Atomic::Boolean(flag), AtomicType::Decimal) => {
            Ok(Atomic::Decimal(Decimal::from(u8::from(*flag))))
        }
        (Atomic::Boolean(flag), AtomicType::Double) => {
            Ok(Atomic::Double(if *flag { 1.0 } else { 0.0 }))
        }
        (numeric, AtomicType::Boolean) if numeric.is_numeric() => {
            Ok(Atomic::Boolean(numeric.effective_boolean_value()?))
        }
        (numeric, AtomicType::Integer(range)) if numeric.is_numeric() => {
            let number = match Num::of(numeric).ok_or_else(fail)? {
                Num::Int(number) => number,
                Num::Dec(decimal) => decimal.trunc().to_i64().ok_or_else(|| {
                    XPathError::dynamic("FOCA0003", "decimal value too large for an integer")
                })?,
                Num::Dbl(double) => {
                    if !double.is_finite() {
                        return Err(XPathError::dynamic(
                            "FOCA0002",
                            "cannot cast NaN or INF to xs:integer",
                        ));
                    }
                    let truncated = double.trunc();
                    if truncated.abs() >= 9.2e18 {
                        return Err(XPathError::dynamic(
                            "FOCA0003",
                            "double value too large for an integer",
                        ));
                    }
                    truncated as i64
                }
            };
            if range.contains(number) {
                Ok(Atomic::Integer(number))
            } else {
                Err(invalid_cast(&number.to_string(), target))
            }
        }
        (numeric, AtomicType::Decimal) if numeric.is_numeric() => Num::of(numeric)
            .ok_or_else(fail)?
            .to_decimal()
            .map(Atomic::Decimal),
        (numeric, AtomicType::Double) if numeric.is_numeric() => {
            Ok(Atomic::Double(Num::of(numeric).ok_or_else(fail)?.to_f64()))
        }
        (Atomic::Date(date), AtomicType::Date) => Ok(Atomic::Date(*date)),
        (Atomic::Date(date), AtomicType::DateTime) => Ok(Atomic::DateTime(XsDateTime {
            date: date.date,
            nanos: 0,
            tz: date.tz,
        })),
        (Atomic::DateTime(value), AtomicType::DateTime) => Ok(Atomic::DateTime(*value)),
        (Atomic::DateTime(value), AtomicType::Date) => Ok(Atomic::Date(XsDate {
            date: value.date,
            tz: value.tz,
        })),
        (Atomic::DateTime(value), AtomicType::Time) => Ok(Atomic::Time(XsTime {
            nanos: value.nanos,
            tz: value.tz,
        })),
        (Atomic::Time(value), AtomicType::Time) => Ok(Atomic::Time(*value)),
        _ => Err(fail()),
    }
}

fn parse_integer(text: &str) -> Option<i64> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.strip_prefix('+').unwrap_or(text).parse().ok()
}

/// Parses the `xs:decimal` lexical form (no exponent, no whitespace).
pub(crate) fn parse_decimal(text: &str) -> Option<Decimal> {
    let (negative, body) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let (integer, fraction) = body.split_once('.').unwrap_or((body, ""));
    if (integer.is_empty() && fraction.is_empty())
        || !integer.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
        || (body.contains('.') && integer.is_empty() && fraction.is_empty())
    {
        return None;
    }
    let integer = integer.trim_start_matches('0');
    let fraction = fraction.trim_end_matches('0');
    let mut normal = String::with_capacity(integer.len() + fraction.len() + 3);
    if negative {
        normal.push('-');
    }
    normal.push_str(if integer.is_empty() { "0" } else { integer });
    if !fraction.is_empty() {
        normal.push('.');
        normal.push_str(fraction);
    }
    Decimal::from_str_exact(&normal)
        .or_else(|_| Decimal::from_str(&normal))
        .ok()
}

/// Parses the `xs:double` lexical form (`INF`, `-INF`, `NaN`, decimal or exponent notation).
pub(crate) fn parse_double(text: &str) -> Option<f64> {
    match text {
        "INF" | "+INF" => return Some(f64::INFINITY),
        "-INF" => return Some(f64::NEG_INFINITY),
        "NaN" => return Some(f64::NAN),
        _ => {}
    }
    let body = text.strip_prefix(['+', '-']).unwrap_or(text);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(at) => (&body[..at], Some(&body[at + 1..])),
        None => (body, None),
    };
    let (integer, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if (integer.is_empty() && fraction.is_empty())
        || !integer.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    if let Some(exponent) = exponent {
        let digits = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
    }
    text.parse().ok()
}

/// The canonical `xs:decimal` string: no exponent, no trailing fractional zeros, no `.` for whole numbers.
pub(crate) fn decimal_to_string(value: Decimal) -> String {
    if value.is_zero() {
        return "0".to_owned();
    }
    value.normalize().to_string()
}

/// The `xs:double` to `xs:string` cast of XPath 2.0: plain notation for 1e-6 <= |x| < 1e6, otherwise
/// scientific notation with a `.0` mantissa at least (`1.0E7`).
pub(crate) fn double_to_string(value: f64) -> String {
    if value.is_nan() {
        return "NaN".to_owned();
    }
    if value.is_infinite() {
        return if value > 0.0 { "INF" } else { "-INF" }.to_owned();
    }
    if value == 0.0 {
        return if value.is_sign_negative() { "-0" } else { "0" }.to_owned();
    }
    let magnitude = value.abs();
    if (1e-6..1e6).contains(&magnitude) {
        return format!("{value}");
    }
    let formatted = format!("{value:E}");
    match formatted.split_once('E') {
        Some((mantissa, exponent)) if !mantissa.contains('.') => format!("{mantissa}.0E{exponent}"),
        _ => formatted,
    }
}

/// A numeric value, for arithmetic with type promotion (integer → decimal → double).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Num {
    Int(i64),
    Dec(Decimal),
    Dbl(f64),
}

impl Num {
    pub(crate) fn of(value: &Atomic) -> Option<Num> {
        match value {
            Atomic::Integer(number) => Some(Num::Int(*number)),
            Atomic::Decimal(number) => Some(Num::Dec(*number)),
            Atomic::Double(number) => Some(Num::Dbl(*number)),
            _ => None,
        }
    }

    /// A numeric operand: untyped values become `xs:double` (`FORG0001` if they are not numbers).
    pub(crate) fn operand(atom: &Atom<'_>) -> Result<Num, XPathError> {
        match atom {
            Atom::Untyped(text) => match parse_double(text.trim_matches(is_xml_space)) {
                Some(number) => Ok(Num::Dbl(number)),
                None => Err(invalid_cast(text, AtomicType::Double)),
            },
            Atom::Text(_) => Err(XPathError::type_error("xs:string is not a numeric operand")),
            Atom::Value(value) => Num::of(value).ok_or_else(|| {
                XPathError::type_error(format!("{} is not a numeric operand", value.type_name()))
            }),
        }
    }

    pub(crate) fn into_atomic(self) -> Atomic {
        match self {
            Num::Int(number) => Atomic::Integer(number),
            Num::Dec(number) => Atomic::Decimal(number),
            Num::Dbl(number) => Atomic::Double(number),
        }
    }

    pub(crate) fn to_f64(self) -> f64 {
        match self {
            Num::Int(number) => number as f64,
            Num::Dec(number) => number.to_f64().unwrap_or(f64::NAN),
            Num::Dbl(number) => number,
        }
    }

    pub(crate) fn to_decimal(self) -> Result<Decimal, XPathError> {
        match self {
            Num::Int(number) => Ok(Decimal::from(number)),
            Num::Dec(number) => Ok(number),
            Num::Dbl(number) => {
                if !number.is_finite() {
                    return Err(XPathError::dynamic(
                        "FOCA0002",
                        "cannot cast NaN or INF to xs:decimal",
                    ));
                }
                parse_decimal(&format!("{number}"))
                    .or_else(|| Decimal::from_f64(number))
                    .ok_or_else(|| {
                        XPathError::dynamic("FOCA0001", "double too large for xs:decimal")
                    })
            }
        }
    }

    fn promote(a: Num, b: Num) -> Result<(Num, Num), XPathError> {
        Ok(match (a, b) {
            (Num::Dbl(_), _) | (_, Num::Dbl(_)) => (Num::Dbl(a.to_f64()), Num::Dbl(b.to_f64())),
            (Num::Dec(_), _) | (_, Num::Dec(_)) => {
                (Num::Dec(a.to_decimal()?), Num::Dec(b.to_decimal()?))
            }
            _ => (a, b),
        })
    }

    pub(crate) fn compare(a: Num, b: Num) -> Result<Option<Ordering>, XPathError> {
        Ok(match Num::promote(a, b)? {
            (Num::Int(x), Num::Int(y)) => Some(x.cmp(&y)),
            (Num::Dec(x), Num::Dec(y)) => Some(x.cmp(&y)),
            (x, y) => x.to_f64().partial_cmp(&y.to_f64()),
        })
    }

    pub(crate) fn negate(self) -> Result<Num, XPathError> {
        Ok(match self {
            Num::Int(number) => match number.checked_neg() {
                Some(negated) => Num::Int(negated),
                None => Num::Dec(-Decimal::from(number)),
            },
            Num::Dec(number) => Num::Dec(-number),
            Num::Dbl(number) => Num::Dbl(-number),
        })
    }

    /// `fn:round`: halves round toward positive infinity (`round(-2.5)` is -2).
    pub(crate) fn round(self) -> Num {
        match self {
            Num::Int(_) => self,
            Num::Dec(number) => Num::Dec(
                number
                    .checked_add(Decimal::new(5, 1))
                    .map_or(number, |shifted| shifted.floor()),
            ),
            Num::Dbl(number) => {
                if !number.is_finite() || number == 0.0 {
                    return self;
                }
                let floor = number.floor();
                let rounded = if number - floor >= 0.5 {
                    floor + 1.0
                } else {
                    floor
                };
                if rounded == 0.0 && number < 0.0 {
                    Num::Dbl(-0.0)
                } else {
                    Num::Dbl(rounded)
                }
            }
        }
    }

    /// `fn:round-half-to-even` with a precision.
    pub(crate) fn round_half_to_even(self, precision: i64) -> Num {
        match self {
            Num::Int(number) if precision >= 0 => Num::Int(number),
            Num::Int(number) => {
                let decimal = Decimal::from(number);
                let scale = Decimal::from(10i64.pow(precision.unsigned_abs().min(18) as u32));
                let rounded = (decimal / scale)
                    .round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointNearestEven)
                    * scale;
                rounded.to_i64().map_or(Num::Dec(rounded), Num::Int)
            }
            Num::Dec(number) if precision >= 0 => Num::Dec(number.round_dp_with_strategy(
                precision.min(28) as u32,
                rust_decimal::RoundingStrategy::MidpointNearestEven,
            )),
            Num::Dec(number) => {
                let scale = Decimal::from(10i64.pow(precision.unsigned_abs().min(18) as u32));
                Num::Dec(
                    (number / scale).round_dp_with_strategy(
                        0,
                        rust_decimal::RoundingStrategy::MidpointNearestEven,
                    ) * scale,
                )
            }
            Num::Dbl(number) => {
                if !number.is_finite() {
                    return self;
                }
                let factor = 10f64.powi(precision.clamp(-300, 300) as i32);
                let scaled = number * factor;
                let mut rounded = scaled.round();
                if (scaled - scaled.trunc()).abs() == 0.5 {
                    rounded = 2.0 * (scaled / 2.0).round();
                }
                Num::Dbl(rounded / factor)
            }
        }
    }

    pub(crate) fn floor(self) -> Num {
        match self {
            Num::Int(_) => self,
            Num::Dec(number) => Num::Dec(number.floor()),
            Num::Dbl(number) => Num::Dbl(number.floor()),
        }
    }

    pub(crate) fn ceiling(self) -> Num {
        match self {
            Num::Int(_) => self,
            Num::Dec(number) => Num::Dec(number.ceil()),
            Num::Dbl(number) => Num::Dbl(number.ceil()),
        }
    }

    pub(crate) fn abs(self) -> Num {
        match self {
            Num::Int(number) => number
                .checked_abs()
                .map_or(Num::Dec(Decimal::from(number).abs()), Num::Int),
            Num::Dec(number) => Num::Dec(number.abs()),
            Num::Dbl(number) => Num::Dbl(number.abs()),
        }
    }
}

/// Arithmetic operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
    IDiv,
    Mod,
}

fn overflow() -> XPathError {
    XPathError::dynamic("FOAR0002", "numeric overflow")
}

fn division_by_zero() -> XPathError {
    XPathError::dynamic("FOAR0001", "division by zero")
}

pub(crate) fn arithmetic(op: ArithOp, a: Num, b: Num) -> Result<Num, XPathError> {
    let (a, b) = Num::promote(a, b)?;
    match (a, b) {
        (Num::Int(x), Num::Int(y)) => match op {
            ArithOp::Add => x.checked_add(y).map(Num::Int).ok_or_else(overflow),
            ArithOp::Sub => x.checked_sub(y).map(Num::Int).ok_or_else(overflow),
            ArithOp::Mul => x.checked_mul(y).map(Num::Int).ok_or_else(overflow),
            ArithOp::Div => {
                if y == 0 {
                    return Err(division_by_zero());
                }
                Decimal::from(x)
                    .checked_div(Decimal::from(y))
                    .map(Num::Dec)
                    .ok_or_else(overflow)
            }
            ArithOp::IDiv => {
                if y == 0 {
                    return Err(division_by_zero());
                }
                x.checked_div(y).map(Num::Int).ok_or_else(overflow)
            }
            ArithOp::Mod => {
                if y == 0 {
                    return Err(division_by_zero());
                }
                Ok(Num::Int(x.checked_rem(y).unwrap_or(0)))
            }
        },
        (Num::Dec(x), Num::Dec(y)) => match op {
            ArithOp::Add => x.checked_add(y).map(Num::Dec).ok_or_else(overflow),
            ArithOp::Sub => x.checked_sub(y).map(Num::Dec).ok_or_else(overflow),
            ArithOp::Mul => x.checked_mul(y).map(Num::Dec).ok_or_else(overflow),
            ArithOp::Div => {
                if y.is_zero() {
                    return Err(division_by_zero());
                }
                x.checked_div(y).map(Num::Dec).ok_or_else(overflow)
            }
            ArithOp::IDiv => {
                if y.is_zero() {
                    return Err(division_by_zero());
                }
                let quotient = x.checked_div(y).ok_or_else(overflow)?.trunc();
                quotient.to_i64().map(Num::Int).ok_or_else(overflow)
            }
            ArithOp::Mod => {
                if y.is_zero() {
                    return Err(division_by_zero());
                }
                x.checked_rem(y).map(Num::Dec).ok_or_else(overflow)
            }
        },
        (x, y) => {
            let (x, y) = (x.to_f64(), y.to_f64());
            Ok(Num::Dbl(match op {
                ArithOp::Add => x + y,
                ArithOp::Sub => x - y,
                ArithOp::Mul => x * y,
                ArithOp::Div => x / y,
                ArithOp::Mod => x % y,
                ArithOp::IDiv => {
                    if y == 0.0 {
                        return Err(division_by_zero());
                    }
                    let quotient = (x / y).trunc();
                    if !quotient.is_finite() || quotient.abs() >= 9.2e18 {
                        return Err(XPathError::dynamic("FOAR0002", "idiv of NaN or INF"));
                    }
                    return Ok(Num::Int(quotient as i64));
                }
            }))
        }
    }
}

/// Comparison operators (shared by general and value comparisons).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    /// The operator with its operands swapped: `a op b` is `b op.reversed() a`.
    pub(crate) fn reversed(self) -> CmpOp {
        match self {
            CmpOp::Eq | CmpOp::Ne => self,
            CmpOp::Lt => CmpOp::Gt,
            CmpOp::Le => CmpOp::Ge,
            CmpOp::Gt => CmpOp::Lt,
            CmpOp::Ge => CmpOp::Le,
        }
    }

    pub(crate) fn test(self, ordering: Option<Ordering>) -> bool {
        match ordering {
            None => self == CmpOp::Ne,
            Some(ordering) => match self {
                CmpOp::Eq => ordering == Ordering::Equal,
                CmpOp::Ne => ordering != Ordering::Equal,
                CmpOp::Lt => ordering == Ordering::Less,
                CmpOp::Le => ordering != Ordering::Greater,
                CmpOp::Gt => ordering == Ordering::Greater,
                CmpOp::Ge => ordering != Ordering::Less,
            },
        }
    }
}

/// Compares two typed atomic values (untyped values compare as strings). `None` means unordered (NaN).
pub(crate) fn compare_values(op: CmpOp, a: &Atomic, b: &Atomic) -> Result<bool, XPathError> {
    let ordering = match (a, b) {
        (Atomic::String(x) | Atomic::Untyped(x), Atomic::String(y) | Atomic::Untyped(y)) => {
            Some(x.as_str().cmp(y.as_str()))
        }
        (Atomic::Boolean(x), Atomic::Boolean(y)) => Some(x.cmp(y)),
        (Atomic::Date(x), Atomic::Date(y)) => Some(x.cmp(y)),
        (Atomic::Time(x), Atomic::Time(y)) => Some(x.cmp(y)),
        (Atomic::DateTime(x), Atomic::DateTime(y)) => Some(x.cmp(y)),
        _ => match (Num::of(a), Num::of(b)) {
            (Some(x), Some(y)) => Num::compare(x, y)?,
            _ => {
                return Err(XPathError::type_error(format!(
                    "cannot compare {} with {}",
                    a.type_name(),
                    b.type_name()
                )));
            }
        },
    };
    Ok(op.test(ordering))
}

/// One pair of a general comparison (`=`, `<`, ...): untyped values are cast to the other operand's type
/// (to `xs:double` against numbers, compared as strings against strings and untyped values).
pub(crate) fn general_compare_pair(
    op: CmpOp,
    a: &Atom<'_>,
    b: &Atom<'_>,
) -> Result<bool, XPathError> {
    let as_text = |atom: &'_ Atom<'_>| -> Option<String> {
        match atom {
            Atom::Text(text) => Some(text.to_string()),
            _ => None,
        }
    };
    match (a, b) {
        (Atom::Untyped(x) | Atom::Text(x), Atom::Untyped(y) | Atom::Text(y)) => {
            Ok(op.test(Some(x.as_ref().cmp(y.as_ref()))))
        }
        (Atom::Text(x), Atom::Value(y)) => match y.as_ref() {
            Atomic::String(y) | Atomic::Untyped(y) => Ok(op.test(Some(x.as_ref().cmp(y.as_str())))),
            other => compare_values(op, &Atomic::String(as_text(a).unwrap_or_default()), other),
        },
        (Atom::Value(x), Atom::Text(y)) => match x.as_ref() {
            Atomic::String(x) | Atomic::Untyped(x) => Ok(op.test(Some(x.as_str().cmp(y.as_ref())))),
            other => compare_values(op, other, &Atomic::String(as_text(b).unwrap_or_default())),
        },
        (Atom::Untyped(x), Atom::Value(y)) => match y.as_ref() {
            Atomic::String(y) | Atomic::Untyped(y) => Ok(op.test(Some(x.as_ref().cmp(y.as_str())))),
            other => compare_values(op, &untyped_against(x, other)?, other),
        },
        (Atom::Value(x), Atom::Untyped(y)) => match x.as_ref() {
            Atomic::String(x) | Atomic::Untyped(x) => Ok(op.test(Some(x.as_str().cmp(y.as_ref())))),
            other => compare_values(op, other, &untyped_against(y, other)?),
        },
        (Atom::Value(x), Atom::Value(y)) => compare_values(op, x, y),
    }
}

fn untyped_against(text: &str, other: &Atomic) -> Result<Atomic, XPathError> {
    match other {
        Atomic::String(_) | Atomic::Untyped(_) => Ok(Atomic::String(text.to_owned())),
        Atomic::Integer(_) | Atomic::Decimal(_) | Atomic::Double(_) => {
            cast_text(text, AtomicType::Double)
        }
        Atomic::Boolean(_) => cast_text(text, AtomicType::Boolean),
        Atomic::Date(_) => cast_text(text, AtomicType::Date),
        Atomic::Time(_) => cast_text(text, AtomicType::Time),
        Atomic::DateTime(_) => cast_text(text, AtomicType::DateTime),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn double_strings_follow_xpath() {
        assert_eq!(double_to_string(1.0), "1");
        assert_eq!(double_to_string(0.5), "0.5");
        assert_eq!(double_to_string(1e7), "1.0E7");
        assert_eq!(double_to_string(1.5e-7), "1.5E-7");
        assert_eq!(double_to_string(f64::NAN), "NaN");
        assert_eq!(double_to_string(123456.0), "123456");
    }

    #[test]
    fn decimal_lexical_space() {
        assert_eq!(parse_decimal("1.50"), Some(Decimal::new(15, 1)));
        assert_eq!(parse_decimal("+.5"), Some(Decimal::new(5, 1)));
        assert_eq!(parse_decimal("5."), Some(Decimal::from(5)));
        assert_eq!(parse_decimal("1e3"), None);
        assert_eq!(parse_decimal("1_000"), None);
        assert_eq!(parse_decimal("."), None);
        assert_eq!(parse_decimal(""), None);
        assert_eq!(decimal_to_string(Decimal::new(1500, 3)), "1.5");
        assert_eq!(decimal_to_string(Decimal::new(-0, 2)), "0");
    }

    #[test]
    fn double_lexical_space() {
        assert_eq!(parse_double("1e3"), Some(1000.0));
        assert_eq!(parse_double("inf"), None);
        assert_eq!(parse_double("infinity"), None);
        assert!(parse_double("NaN").is_some_and(f64::is_nan));
        assert_eq!(parse_double("1.5E-1"), Some(0.15));
        assert_eq!(parse_double("e3"), None);
    }

    #[test]
    fn rounding_is_half_up() {
        assert_eq!(Num::Dbl(-2.5).round(), Num::Dbl(-2.0));
        assert_eq!(Num::Dbl(2.5).round(), Num::Dbl(3.0));
        assert_eq!(
            Num::Dec(Decimal::new(-25, 1)).round(),
            Num::Dec(Decimal::from(-2))
        );
        assert_eq!(
            Num::Dec(Decimal::new(25, 1)).round(),
            Num::Dec(Decimal::from(3))
        );
        assert_eq!(
            Num::Dec(Decimal::new(-26, 1)).round(),
            Num::Dec(Decimal::from(-3))
        );
    }
}
