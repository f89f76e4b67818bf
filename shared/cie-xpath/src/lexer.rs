//! Tokenizer for XPath 2.0 source text. Keywords are not distinguished from names here: the parser decides
//! from the grammatical position whether `div` or `*` is an operator or a name test.

use crate::error::XPathError;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    /// A QName (`local` or `prefix:local`).
    Name {
        prefix: Option<String>,
        local: String,
    },
    /// `prefix:*`.
    PrefixWildcard(String),
    /// `*:local`.
    LocalWildcard(String),
    Star,
    Str(String),
    Integer(String),
    Decimal(String),
    Double(String),
    Dollar,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    At,
    ColonColon,
    Slash,
    DoubleSlash,
    Dot,
    DotDot,
    Pipe,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    LtLt,
    GtGt,
    Plus,
    Minus,
    Question,
    Eof,
}

#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub(crate) tok: Tok,
    pub(crate) pos: usize,
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || (!c.is_ascii() && c.is_alphabetic())
}

fn is_name_char(c: char) -> bool {
    is_name_start(c)
        || c.is_ascii_digit()
        || c == '-'
        || c == '.'
        || (!c.is_ascii() && c.is_alphanumeric())
}

pub(crate) fn tokenize(source: &str) -> Result<Vec<Token>, XPathError> {
    let chars: Vec<(usize, char)> = source.char_indices().collect();
    let at = |i: usize| chars.get(i).map(|&(_, c)| c);
    let pos_of = |i: usize| chars.get(i).map_or(source.len(), |&(p, _)| p);
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i].1;
        let start = pos_of(i);
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c == '(' && at(i + 1) == Some(':') {
            let mut depth = 1;
            i += 2;
            while depth > 0 {
                match (at(i), at(i + 1)) {
                    (Some('('), Some(':')) => {
                        depth += 1;
                        i += 2;
                    }
                    (Some(':'), Some(')')) => {
                        depth -= 1;
                        i += 2;
                    }
                    (Some(_), _) => i += 1,
                    (None, _) => return Err(XPathError::syntax(start, "unterminated comment")),
                }
            }
            continue;
        }
        let simple = |tok: Tok| Token { tok, pos: start };
        match c {
            '\'' | '"' => {
                let mut text = String::new();
                i += 1;
                loop {
                    match at(i) {
                        None => {
                            return Err(XPathError::syntax(start, "unterminated string literal"));
                        }
                        Some(q) if q == c => {
                            if at(i + 1) == Some(c) {
                                text.push(c);
                                i += 2;
                            } else {
                                i += 1;
                                break;
                            }
                        }
                        Some(other) => {
                            text.push(other);
                            i += 1;
                        }
                    }
                }
                tokens.push(simple(Tok::Str(text)));
            }
            '0'..='9' => {
                let (token, next) = number(&chars, i, source)?;
                tokens.push(simple(token));
                i = next;
            }
            '.' if at(i + 1).is_some_and(|d| d.is_ascii_digit()) => {
                let (token, next) = number(&chars, i, source)?;
                tokens.push(simple(token));
                i = next;
            }
            '.' => {
                if at(i + 1) == Some('.') {
                    tokens.push(simple(Tok::DotDot));
                    i += 2;
                } else {
                    tokens.push(simple(Tok::Dot));
                    i += 1;
                }
            }
            '*' => {
                if at(i + 1) == Some(':') && at(i + 2).is_some_and(is_name_start) {
                    let (local, next) = ncname(&chars, i + 2);
                    tokens.push(simple(Tok::LocalWildcard(local)));
                    i = next;
                } else {
                    tokens.push(simple(Tok::Star));
                    i += 1;
                }
            }
            c if is_name_start(c) => {
                let (first, next) = ncname(&chars, i);
                i = next;
                if at(i) == Some(':') && at(i + 1) != Some(':') {
                    if at(i + 1) == Some('*') {
                        tokens.push(simple(Tok::PrefixWildcard(first)));
                        i += 2;
                        continue;
                    }
                    if at(i + 1).is_some_and(is_name_start) {
                        let (local, next) = ncname(&chars, i + 1);
                        tokens.push(simple(Tok::Name {
                            prefix: Some(first),
                            local,
                        }));
                        i = next;
                        continue;
                    }
                }
                tokens.push(simple(Tok::Name {
                    prefix: None,
                    local: first,
                }));
            }
            _ => {
                let two = (c, at(i + 1));
                let (tok, len) = match two {
                    ('/', Some('/')) => (Tok::DoubleSlash, 2),
                    (':', Some(':')) => (Tok::ColonColon, 2),
                    ('!', Some('=')) => (Tok::Ne, 2),
                    ('<', Some('=')) => (Tok::Le, 2),
                    ('>', Some('=')) => (Tok::Ge, 2),
                    ('<', Some('<')) => (Tok::LtLt, 2),
                    ('>', Some('>')) => (Tok::GtGt, 2),
                    ('/', _) => (Tok::Slash, 1),
                    ('$', _) => (Tok::Dollar, 1),
                    ('(', _) => (Tok::LParen, 1),
                    (')', _) => (Tok::RParen, 1),
                    ('[', _) => (Tok::LBracket, 1),
                    (']', _) => (Tok::RBracket, 1),
                    (',', _) => (Tok::Comma, 1),
                    ('@', _) => (Tok::At, 1),
                    ('|', _) => (Tok::Pipe, 1),
                    ('=', _) => (Tok::Eq, 1),
                    ('<', _) => (Tok::Lt, 1),
                    ('>', _) => (Tok::Gt, 1),
                    ('+', _) => (Tok::Plus, 1),
                    ('-', _) => (Tok::Minus, 1),
                    ('?', _) => (Tok::Question, 1),
                    _ => {
                        return Err(XPathError::syntax(
                            start,
                            format!("unexpected character {c:?}"),
                        ));
                    }
                };
                tokens.push(simple(tok));
                i += len;
            }
        }
    }
    tokens.push(Token {
        tok: Tok::Eof,
        pos: source.len(),
    });
    Ok(tokens)
}

fn ncname(chars: &[(usize, char)], start: usize) -> (String, usize) {
    let mut end = start;
    while end < chars.len() && is_name_char(chars[end].1) {
        end += 1;
    }
    (chars[start..end].iter().map(|&(_, c)| c).collect(), end)
}

fn number(chars: &[(usize, char)], start: usize, source: &str) -> Result<(Tok, usize), XPathError> {
    let at = |i: usize| chars.get(i).map(|&(_, c)| c);
    let mut i = start;
    let mut text = String::new();
    let mut is_decimal = false;
    while let Some(d) = at(i).filter(char::is_ascii_digit) {
        text.push(d);
        i += 1;
    }
    if at(i) == Some('.') && at(i + 1) != Some('.') {
        is_decimal = true;
        text.push('.');
        i += 1;
        while let Some(d) = at(i).filter(char::is_ascii_digit) {
            text.push(d);
            i += 1;
        }
    }
    if matches!(at(i), Some('e' | 'E')) {
        let mut j = i + 1;
        let mut exponent = String::from("E");
        if let Some(sign @ ('+' | '-')) = at(j) {
            exponent.push(sign);
            j += 1;
        }
        if at(j).is_some_and(|d| d.is_ascii_digit()) {
            while let Some(d) = at(j).filter(char::is_ascii_digit) {
                exponent.push(d);
                j += 1;
            }
            text.push_str(&exponent);
            return Ok((Tok::Double(text), j));
        }
        let pos = chars.get(i).map_or(source.len(), |&(p, _)| p);
        return Err(XPathError::syntax(
            pos,
            "malformed exponent in numeric literal",
        ));
    }
    if at(i).is_some_and(is_name_start) {
        let pos = chars.get(i).map_or(source.len(), |&(p, _)| p);
        return Err(XPathError::syntax(
            pos,
            "a numeric literal must not be followed by a name character",
        ));
    }
    Ok((
        if is_decimal {
            Tok::Decimal(text)
        } else {
            Tok::Integer(text)
        },
        i,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(source: &str) -> Vec<Tok> {
        tokenize(source)
            .expect("tokenizes")
            .into_iter()
            .map(|t| t.tok)
            .collect()
    }

    #[test]
    fn names_with_hyphens_and_prefixes() {
        assert_eq!(
            toks("u:mod97-0208(normalize-space())"),
            vec![
                Tok::Name {
                    prefix: Some("u".into()),
                    local: "mod97-0208".into()
                },
                Tok::LParen,
                Tok::Name {
                    prefix: None,
                    local: "normalize-space".into()
                },
                Tok::LParen,
                Tok::RParen,
                Tok::RParen,
                Tok::Eof
            ]
        );
    }

    #[test]
    fn axes_wildcards_and_numbers() {
        assert_eq!(
            toks("ancestor::cac:X/*:Y/cbc:* [1.5] .5 1e3 .."),
            vec![
                Tok::Name {
                    prefix: None,
                    local: "ancestor".into()
                },
                Tok::ColonColon,
                Tok::Name {
                    prefix: Some("cac".into()),
                    local: "X".into()
                },
                Tok::Slash,
                Tok::LocalWildcard("Y".into()),
                Tok::Slash,
                Tok::PrefixWildcard("cbc".into()),
                Tok::LBracket,
                Tok::Decimal("1.5".into()),
                Tok::RBracket,
                Tok::Decimal(".5".into()),
                Tok::Double("1E3".into()),
                Tok::DotDot,
                Tok::Eof
            ]
        );
    }

    #[test]
    fn strings_and_comments() {
        assert_eq!(
            toks("'it''s' (: note :) \"a\"\"b\""),
            vec![Tok::Str("it's".into()), Tok::Str("a\"b".into()), Tok::Eof]
        );
    }
}
