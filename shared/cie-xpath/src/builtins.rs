//! The built-in XPath 2.0 functions (`fn:` namespace) with their XPath semantics, and the dispatch of calls
//! to native functions.

use std::borrow::Cow;

use crate::ast::{Call, Expr, Function};
use crate::datetime::is_xml_space;
use crate::dom::{NodeId, NodeKind};
use crate::error::XPathError;
use crate::eval::{Evaluator, Focus, Seq};
use crate::functions::{Builtin, FunctionContext};
use crate::value::{
    ArithOp, Atom, Atomic, AtomicType, CmpOp, Item, Num, Value, arithmetic, cast_text,
    compare_values, item_string, parse_double,
};
use crate::xregex;

fn boolean(value: bool) -> Seq {
    Seq::one(Item::Atomic(Atomic::Boolean(value)))
}

fn string(value: String) -> Seq {
    Seq::one(Item::Atomic(Atomic::String(value)))
}

fn integer(value: i64) -> Seq {
    Seq::one(Item::Atomic(Atomic::Integer(value)))
}

fn number(value: Num) -> Seq {
    Seq::one(Item::Atomic(value.into_atomic()))
}

/// `fn:normalize-space` on XML whitespace only (space, tab, CR, LF; not U+3000).
pub(crate) fn normalize_space(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split(is_xml_space).filter(|word| !word.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

fn is_normalized(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.first() == Some(&b' ') || bytes.last() == Some(&b' ') {
        return false;
    }
    let mut previous_space = false;
    for &byte in bytes {
        match byte {
            b'\t' | b'\r' | b'\n' => return false,
            b' ' if previous_space => return false,
            b' ' => previous_space = true,
            _ => previous_space = false,
        }
    }
    true
}

/// `fn:number` of an atomized value: `NaN` when it is not a number.
fn to_number(atom: Option<Atom<'_>>) -> f64 {
    match atom {
        None => f64::NAN,
        Some(Atom::Untyped(text) | Atom::Text(text)) => {
            parse_double(text.trim_matches(is_xml_space)).unwrap_or(f64::NAN)
        }
        Some(Atom::Value(value)) => match value.as_ref() {
            Atomic::String(text) | Atomic::Untyped(text) => {
                parse_double(text.trim_matches(is_xml_space)).unwrap_or(f64::NAN)
            }
            Atomic::Boolean(flag) => f64::from(u8::from(*flag)),
            other => Num::of(other).map_or(f64::NAN, Num::to_f64),
        },
    }
}

/// XPath `round()` on a double, used by `substring` and `subsequence` positions.
fn round_double(value: f64) -> f64 {
    match Num::Dbl(value).round() {
        Num::Dbl(rounded) => rounded,
        other => other.to_f64(),
    }
}

impl<'a> Evaluator<'a> {
    fn arg(&mut self, call: &'a Call, index: usize, focus: Focus<'_>) -> Result<Seq, XPathError> {
        self.eval(&call.args[index], focus)
    }

    /// The value of a call of `count` or `string-length` (which always give one integer); `None` for other
    /// functions.
    pub(crate) fn integer_call(
        &mut self,
        call: &'a Call,
        focus: Focus<'_>,
    ) -> Result<Option<i64>, XPathError> {
        let Function::Builtin(builtin) = &call.function else {
            return Ok(None);
        };
        Ok(match builtin {
            Builtin::Count => Some(self.arg(call, 0, focus)?.len() as i64),
            Builtin::StringLength => {
                Some(self.string_or_context(call, focus)?.chars().count() as i64)
            }
            _ => None,
        })
    }

    /// A string argument: `""` for the empty sequence, the string value of a single item.
    fn string_arg(
        &mut self,
        call: &'a Call,
        index: usize,
        focus: Focus<'_>,
    ) -> Result<Cow<'a, str>, XPathError> {
        self.eval_str(&call.args[index], focus)
    }

    /// The string of the argument, or of the context item when the argument is omitted.
    fn string_or_context(
        &mut self,
        call: &'a Call,
        focus: Focus<'_>,
    ) -> Result<Cow<'a, str>, XPathError> {
        if call.args.is_empty() {
            return match focus.item {
                Some(Item::Node(node)) => Ok(self.doc.string_value(*node)),
                Some(Item::Atomic(atomic)) => Ok(Cow::Owned(atomic.to_xpath_string().into_owned())),
                None => Err(XPathError::dynamic("XPDY0002", "no context item")),
            };
        }
        self.string_arg(call, 0, focus)
    }

    fn node_or_context(
        &mut self,
        call: &'a Call,
        focus: Focus<'_>,
    ) -> Result<Option<NodeId>, XPathError> {
        if call.args.is_empty() {
            return self.context_node(focus).map(Some);
        }
        let items = self.arg(call, 0, focus)?;
        match items.as_slice() {
            [] => Ok(None),
            [Item::Node(node)] => Ok(Some(*node)),
            _ => Err(XPathError::type_error("a node argument was expected")),
        }
    }

    fn numeric_arg(
        &mut self,
        call: &'a Call,
        index: usize,
        focus: Focus<'_>,
    ) -> Result<Option<Num>, XPathError> {
        self.numeric_operand(&call.args[index], focus)
    }

    fn double_arg(
        &mut self,
        call: &'a Call,
        index: usize,
        focus: Focus<'_>,
    ) -> Result<f64, XPathError> {
        Ok(self
            .numeric_arg(call, index, focus)?
            .map_or(f64::NAN, Num::to_f64))
    }

    fn regex(
        &mut self,
        call: &'a Call,
        flags_index: usize,
        focus: Focus<'_>,
    ) -> Result<Cow<'a, regex::Regex>, XPathError> {
        if let Some(regex) = &call.regex {
            return Ok(Cow::Borrowed(regex.as_ref()));
        }
        let pattern = self.string_arg(call, 1, focus)?;
        let flags = if call.args.len() > flags_index {
            self.string_arg(call, flags_index, focus)?
        } else {
            Cow::Borrowed("")
        };
        Ok(Cow::Owned(xregex::compile(&pattern, &flags)?))
    }

    /// Calls that produce a boolean, evaluated without building a sequence; `None` for other calls.
    pub(crate) fn call_bool(
        &mut self,
        call: &'a Call,
        focus: Focus<'_>,
    ) -> Result<Option<bool>, XPathError> {
        let Function::Builtin(builtin) = &call.function else {
            return Ok(None);
        };
        Ok(Some(match builtin {
            Builtin::Not => !self.eval_bool(&call.args[0], focus)?,
            Builtin::Boolean => self.eval_bool(&call.args[0], focus)?,
            Builtin::True => true,
            Builtin::False => false,
            Builtin::Exists => self.exists(&call.args[0], focus)?,
            Builtin::Empty => !self.exists(&call.args[0], focus)?,
            Builtin::Contains
                if let (Some(tokens), Expr::Call(concat)) = (&call.tokens, &call.args[1]) =>
            {
                let value = self.eval_str(&concat.args[1], focus)?;
                if value.is_empty() || value.contains(' ') {
                    let list = self.string_arg(call, 0, focus)?;
                    list.contains(&format!(" {value} "))
                } else {
                    tokens.contains(value.as_ref())
                }
            }
            Builtin::Contains | Builtin::StartsWith | Builtin::EndsWith => {
                let text = self.string_arg(call, 0, focus)?;
                let part = self.string_arg(call, 1, focus)?;
                match builtin {
                    Builtin::Contains => text.contains(part.as_ref()),
                    Builtin::StartsWith => text.starts_with(part.as_ref()),
                    _ => text.ends_with(part.as_ref()),
                }
            }
            Builtin::Matches => {
                let text = self.string_arg(call, 0, focus)?;
                let regex = self.regex(call, 2, focus)?;
                regex.is_match(&text)
            }
            _ => return Ok(None),
        }))
    }

    /// Calls that produce a single string, computed without building a sequence; `None` for other calls.
    pub(crate) fn call_str(
        &mut self,
        call: &'a Call,
        focus: Focus<'_>,
    ) -> Result<Option<Cow<'a, str>>, XPathError> {
        let Function::Builtin(builtin) = &call.function else {
            return Ok(None);
        };
        let doc = self.doc;
        Ok(Some(match builtin {
            Builtin::String => self.string_or_context(call, focus)?,
            Builtin::NormalizeSpace => {
                let text = self.string_or_context(call, focus)?;
                if is_normalized(&text) {
                    text
                } else {
                    Cow::Owned(normalize_space(&text))
                }
            }
            Builtin::Concat => {
                let mut out = String::new();
                for index in 0..call.args.len() {
                    out.push_str(&self.string_arg(call, index, focus)?);
                }
                Cow::Owned(out)
            }
            Builtin::Substring => {
                let text = self.string_arg(call, 0, focus)?;
                let start = round_double(self.double_arg(call, 1, focus)?);
                let end = if call.args.len() > 2 {
                    start + round_double(self.double_arg(call, 2, focus)?)
                } else {
                    f64::INFINITY
                };
                Cow::Owned(
                    text.chars()
                        .enumerate()
                        .filter(|(index, _)| {
                            let position = (*index + 1) as f64;
                            position >= start && position < end
                        })
                        .map(|(_, c)| c)
                        .collect(),
                )
            }
            Builtin::SubstringBefore | Builtin::SubstringAfter => {
                let text = self.string_arg(call, 0, focus)?;
                let separator = self.string_arg(call, 1, focus)?;
                Cow::Owned(match text.find(separator.as_ref()) {
                    None => String::new(),
                    Some(at) if *builtin == Builtin::SubstringBefore => text[..at].to_owned(),
                    Some(at) => text[at + separator.len()..].to_owned(),
                })
            }
            Builtin::UpperCase => Cow::Owned(self.string_arg(call, 0, focus)?.to_uppercase()),
            Builtin::LowerCase => Cow::Owned(self.string_arg(call, 0, focus)?.to_lowercase()),
            Builtin::Translate => {
                let text = self.string_arg(call, 0, focus)?;
                let from: Vec<char> = self.string_arg(call, 1, focus)?.chars().collect();
                let to: Vec<char> = self.string_arg(call, 2, focus)?.chars().collect();
                Cow::Owned(
                    text.chars()
                        .filter_map(|c| match from.iter().position(|&f| f == c) {
                            Some(index) => to.get(index).copied(),
                            None => Some(c),
                        })
                        .collect(),
                )
            }
            Builtin::Name | Builtin::LocalName | Builtin::NamespaceUri => {
                let Some(node) = self.node_or_context(call, focus)? else {
                    return Ok(Some(Cow::Borrowed("")));
                };
                match builtin {
                    Builtin::Name => match doc.kind(node) {
                        NodeKind::Element
                        | NodeKind::Attribute
                        | NodeKind::ProcessingInstruction => doc.qualified_name(node),
                        _ => Cow::Borrowed(""),
                    },
                    Builtin::LocalName => Cow::Borrowed(doc.local_name(node)),
                    _ => Cow::Borrowed(doc.namespace_uri(node)),
                }
            }
            _ => return Ok(None),
        }))
    }

    pub(crate) fn call(&mut self, call: &'a Call, focus: Focus<'_>) -> Result<Seq, XPathError> {
        let builtin = match &call.function {
            Function::Builtin(builtin) => *builtin,
            Function::Native(native) => {
                let mut args = Vec::with_capacity(call.args.len());
                for arg in &call.args {
                    args.push(Value::new(self.eval(arg, focus)?.into_vec()));
                }
                let context = FunctionContext::new(self.doc, focus.item);
                return native
                    .call(&context, &args)
                    .map(|value| Seq::from(value.into_items()));
            }
        };
        if let Some(result) = self.call_bool(call, focus)? {
            return Ok(boolean(result));
        }
        if let Some(text) = self.call_str(call, focus)? {
            return Ok(string(text.into_owned()));
        }
        let doc = self.doc;
        match builtin {
            Builtin::Not
            | Builtin::Boolean
            | Builtin::True
            | Builtin::False
            | Builtin::Exists
            | Builtin::Empty
            | Builtin::Contains
            | Builtin::StartsWith
            | Builtin::EndsWith
            | Builtin::Matches
            | Builtin::String
            | Builtin::NormalizeSpace
            | Builtin::Concat
            | Builtin::Substring
            | Builtin::SubstringBefore
            | Builtin::SubstringAfter
            | Builtin::UpperCase
            | Builtin::LowerCase
            | Builtin::Translate
            | Builtin::Name
            | Builtin::LocalName
            | Builtin::NamespaceUri => unreachable!("handled by call_bool or call_str"),
            Builtin::Count => Ok(integer(self.arg(call, 0, focus)?.len() as i64)),
            Builtin::Sum => {
                let items = self.arg(call, 0, focus)?;
                if items.is_empty() {
                    return match call.args.get(1) {
                        Some(zero) => self.eval(zero, focus),
                        None => Ok(integer(0)),
                    };
                }
                let mut total: Option<Num> = None;
                for item in &items {
                    let value = Num::operand(&Atom::of(doc, item))?;
                    total = Some(match total {
                        None => value,
                        Some(sum) => arithmetic(ArithOp::Add, sum, value)?,
                    });
                }
                Ok(total.map(number).unwrap_or_default())
            }
            Builtin::Avg => {
                let items = self.arg(call, 0, focus)?;
                if items.is_empty() {
                    return Ok(Seq::new());
                }
                let mut total = Num::Int(0);
                for item in &items {
                    total = arithmetic(ArithOp::Add, total, Num::operand(&Atom::of(doc, item))?)?;
                }
                Ok(number(arithmetic(
                    ArithOp::Div,
                    total,
                    Num::Int(items.len() as i64),
                )?))
            }
            Builtin::Max | Builtin::Min => {
                let items = self.arg(call, 0, focus)?;
                let mut best: Option<Atomic> = None;
                for item in &items {
                    let value = match Atom::of(doc, item) {
                        Atom::Untyped(text) => cast_text(&text, AtomicType::Double)?,
                        Atom::Text(text) => Atomic::String(text.into_owned()),
                        Atom::Value(value) => value.into_owned(),
                    };
                    if matches!(value, Atomic::Double(d) if d.is_nan()) {
                        return Ok(Seq::one(Item::Atomic(value)));
                    }
                    best = Some(match best {
                        None => value,
                        Some(current) => {
                            let op = if builtin == Builtin::Max {
                                CmpOp::Gt
                            } else {
                                CmpOp::Lt
                            };
                            if compare_values(op, &value, &current)? {
                                value
                            } else {
                                current
                            }
                        }
                    });
                }
                Ok(best
                    .map(|value| Seq::one(Item::Atomic(value)))
                    .unwrap_or_default())
            }
            Builtin::Data => {
                let items = self.arg(call, 0, focus)?;
                Ok(items
                    .iter()
                    .map(|item| Item::Atomic(Atom::of(doc, item).into_atomic()))
                    .collect())
            }
            Builtin::Number => {
                let items = if call.args.is_empty() {
                    Seq::one(
                        focus
                            .item
                            .cloned()
                            .ok_or_else(|| XPathError::dynamic("XPDY0002", "no context item"))?,
                    )
                } else {
                    self.arg(call, 0, focus)?
                };
                let value = match items.as_slice() {
                    [] => f64::NAN,
                    [item] => to_number(Some(Atom::of(doc, item))),
                    _ => return Err(XPathError::type_error("number() of more than one item")),
                };
                Ok(number(Num::Dbl(value)))
            }
            Builtin::StringLength => Ok(integer(
                self.string_or_context(call, focus)?.chars().count() as i64,
            )),
            Builtin::Replace => {
                let text = self.string_arg(call, 0, focus)?;
                let regex = self.regex(call, 3, focus)?;
                if regex.is_match("") {
                    return Err(XPathError::dynamic(
                        "FORX0003",
                        "the pattern matches the empty string",
                    ));
                }
                let template = self.string_arg(call, 2, focus)?;
                let replacement = xregex::replacement(&template, regex.captures_len() - 1)?;
                Ok(string(
                    regex.replace_all(&text, replacement.as_str()).into_owned(),
                ))
            }
            Builtin::Tokenize => {
                let text = self.string_arg(call, 0, focus)?;
                let regex = self.regex(call, 2, focus)?;
                if regex.is_match("") {
                    return Err(XPathError::dynamic(
                        "FORX0003",
                        "the pattern matches the empty string",
                    ));
                }
                if text.is_empty() {
                    return Ok(Seq::new());
                }
                Ok(regex
                    .split(&text)
                    .map(|part| Item::Atomic(Atomic::String(part.to_owned())))
                    .collect())
            }
            Builtin::StringJoin => {
                let items = self.arg(call, 0, focus)?;
                let separator = if call.args.len() > 1 {
                    self.string_arg(call, 1, focus)?
                } else {
                    Cow::Borrowed("")
                };
                let parts: Vec<Cow<'_, str>> =
                    items.iter().map(|item| item_string(doc, item)).collect();
                Ok(string(parts.join(separator.as_ref())))
            }
            Builtin::Round | Builtin::Floor | Builtin::Ceiling | Builtin::Abs => {
                let Some(value) = self.numeric_arg(call, 0, focus)? else {
                    return Ok(Seq::new());
                };
                Ok(number(match builtin {
                    Builtin::Round => value.round(),
                    Builtin::Floor => value.floor(),
                    Builtin::Ceiling => value.ceiling(),
                    _ => value.abs(),
                }))
            }
            Builtin::RoundHalfToEven => {
                let Some(value) = self.numeric_arg(call, 0, focus)? else {
                    return Ok(Seq::new());
                };
                let precision = match call.args.get(1) {
                    Some(_) => match self.numeric_arg(call, 1, focus)? {
                        Some(Num::Int(precision)) => precision,
                        _ => {
                            return Err(XPathError::type_error(
                                "the precision must be an xs:integer",
                            ));
                        }
                    },
                    None => 0,
                };
                Ok(number(value.round_half_to_even(precision)))
            }
            Builtin::Position | Builtin::Last => {
                if focus.item.is_none() {
                    return Err(XPathError::dynamic("XPDY0002", "no context position"));
                }
                let value = if builtin == Builtin::Position {
                    focus.position
                } else {
                    focus.size
                };
                Ok(integer(value as i64))
            }
            Builtin::DistinctValues => {
                let items = self.arg(call, 0, focus)?;
                let mut distinct: Vec<Atomic> = Vec::new();
                for item in &items {
                    let value = match Atom::of(doc, item).into_atomic() {
                        Atomic::Untyped(text) => Atomic::String(text),
                        other => other,
                    };
                    let is_nan = |v: &Atomic| matches!(v, Atomic::Double(d) if d.is_nan());
                    let seen = distinct.iter().any(|known| {
                        (is_nan(known) && is_nan(&value))
                            || compare_values(CmpOp::Eq, known, &value).unwrap_or(false)
                    });
                    if !seen {
                        distinct.push(value);
                    }
                }
                Ok(distinct.into_iter().map(Item::Atomic).collect())
            }
            Builtin::Reverse => {
                let mut items = self.arg(call, 0, focus)?;
                items.reverse();
                Ok(items)
            }
            Builtin::StringToCodepoints => {
                let text = self.string_arg(call, 0, focus)?;
                Ok(text
                    .chars()
                    .map(|c| Item::Atomic(Atomic::Integer(i64::from(u32::from(c)))))
                    .collect())
            }
            Builtin::CodepointsToString => {
                let items = self.arg(call, 0, focus)?;
                let mut out = String::new();
                for item in &items {
                    let code = match Atom::of(doc, item).into_atomic() {
                        Atomic::Integer(code) => code,
                        Atomic::Untyped(text) => match cast_text(
                            &text,
                            AtomicType::Integer(crate::value::IntegerRange::Any),
                        )? {
                            Atomic::Integer(code) => code,
                            _ => return Err(XPathError::type_error("integer expected")),
                        },
                        other => {
                            return Err(XPathError::type_error(format!(
                                "{} is not an integer",
                                other.type_name()
                            )));
                        }
                    };
                    let c = u32::try_from(code)
                        .ok()
                        .and_then(char::from_u32)
                        .ok_or_else(|| {
                            XPathError::dynamic(
                                "FOCH0001",
                                format!("{code} is not a valid character"),
                            )
                        })?;
                    out.push(c);
                }
                Ok(string(out))
            }
            Builtin::Subsequence => {
                let items = self.arg(call, 0, focus)?;
                let start = round_double(self.double_arg(call, 1, focus)?);
                let end = if call.args.len() > 2 {
                    start + round_double(self.double_arg(call, 2, focus)?)
                } else {
                    f64::INFINITY
                };
                Ok(items
                    .into_iter()
                    .enumerate()
                    .filter(|(index, _)| {
                        let position = (*index + 1) as f64;
                        position >= start && position < end
                    })
                    .map(|(_, item)| item)
                    .collect())
            }
            Builtin::IndexOf => {
                let items = self.arg(call, 0, focus)?;
                let Some(search) = self.optional_atomic(&call.args[1], focus)? else {
                    return Err(XPathError::type_error("index-of() needs a search value"));
                };
                let search = match search {
                    Atomic::Untyped(text) => Atomic::String(text),
                    other => other,
                };
                let mut positions = Vec::new();
                for (index, item) in items.iter().enumerate() {
                    let value = match Atom::of(doc, item).into_atomic() {
                        Atomic::Untyped(text) => Atomic::String(text),
                        other => other,
                    };
                    if compare_values(CmpOp::Eq, &value, &search).unwrap_or(false) {
                        positions.push(Item::Atomic(Atomic::Integer(index as i64 + 1)));
                    }
                }
                Ok(Seq::from(positions))
            }
            Builtin::Root => match self.node_or_context(call, focus)? {
                Some(_) => Ok(Seq::one(Item::Node(doc.root()))),
                None => Ok(Seq::new()),
            },
            Builtin::ZeroOrOne | Builtin::ExactlyOne | Builtin::OneOrMore => {
                let items = self.arg(call, 0, focus)?;
                let ok = match builtin {
                    Builtin::ZeroOrOne => items.len() <= 1,
                    Builtin::ExactlyOne => items.len() == 1,
                    _ => !items.is_empty(),
                };
                if ok {
                    Ok(items)
                } else {
                    Err(XPathError::dynamic("FORG0003", "cardinality check failed"))
                }
            }
            Builtin::Compare => {
                let left = self.arg(call, 0, focus)?;
                let right = self.arg(call, 1, focus)?;
                match (left.as_slice(), right.as_slice()) {
                    ([a], [b]) => {
                        let ordering = item_string(doc, a)
                            .as_ref()
                            .cmp(item_string(doc, b).as_ref());
                        Ok(integer(ordering as i64))
                    }
                    ([], _) | (_, []) => Ok(Seq::new()),
                    _ => Err(XPathError::type_error(
                        "compare() arguments must be single strings",
                    )),
                }
            }
        }
    }
}
