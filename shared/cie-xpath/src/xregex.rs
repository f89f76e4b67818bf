//! Translation of XPath 2.0 regular expressions (XML Schema syntax plus `^`/`$` anchors and the `s m i x`
//! flags) into the syntax of the `regex` crate, and of `fn:replace` replacement strings.

use regex::Regex;

use crate::error::XPathError;

fn regex_error(message: impl Into<String>) -> XPathError {
    XPathError::dynamic("FORX0002", message)
}

/// Compiles an XPath regular expression with its flags.
pub(crate) fn compile(pattern: &str, flags: &str) -> Result<Regex, XPathError> {
    let mut dot_all = false;
    let mut prefix = String::new();
    let mut extended = false;
    let mut literal = false;
    for flag in flags.chars() {
        match flag {
            's' => dot_all = true,
            'm' => prefix.push_str("(?m)"),
            'i' => prefix.push_str("(?i)"),
            'x' => extended = true,
            'q' => literal = true,
            other => {
                return Err(XPathError::dynamic(
                    "FORX0001",
                    format!("invalid regex flag {other:?}"),
                ));
            }
        }
    }
    let translated = if literal {
        regex::escape(pattern)
    } else {
        let source: String = if extended {
            pattern
                .chars()
                .filter(|c| !matches!(c, ' ' | '\t' | '\n' | '\r'))
                .collect()
        } else {
            pattern.to_owned()
        };
        translate(&source, dot_all)?
    };
    Regex::new(&format!("{prefix}{translated}"))
        .map_err(|error| regex_error(format!("invalid regular expression {pattern:?}: {error}")))
}

fn translate(pattern: &str, dot_all: bool) -> Result<String, XPathError> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                i = escape(&chars, i, false, &mut out)?;
                continue;
            }
            '[' => {
                i = class(&chars, i, &mut out)?;
                continue;
            }
            '.' => out.push_str(if dot_all { "(?s:.)" } else { "[^\\n\\r]" }),
            _ => out.push(c),
        }
        i += 1;
    }
    Ok(out)
}

/// Translates the escape starting at `chars[at]` (a backslash); returns the index after it.
fn escape(
    chars: &[char],
    at: usize,
    in_class: bool,
    out: &mut String,
) -> Result<usize, XPathError> {
    let Some(&next) = chars.get(at + 1) else {
        return Err(regex_error("regular expression ends with a backslash"));
    };
    let wrap = |set: &str, out: &mut String| {
        if in_class {
            out.push_str(set);
        } else {
            out.push('[');
            out.push_str(set);
            out.push(']');
        }
    };
    match next {
        'n' | 'r' | 't' | 'd' | 'D' => {
            out.push('\\');
            out.push(next);
        }
        '\\' | '|' | '.' | '-' | '^' | '?' | '*' | '+' | '{' | '}' | '(' | ')' | '[' | ']'
        | '$' => {
            out.push('\\');
            out.push(next);
        }
        's' => wrap(" \\t\\n\\r", out),
        'S' => out.push_str("[^ \\t\\n\\r]"),
        'w' => out.push_str("[^\\p{P}\\p{Z}\\p{C}]"),
        'W' => wrap("\\p{P}\\p{Z}\\p{C}", out),
        'i' => wrap("\\p{L}_:", out),
        'I' => out.push_str("[^\\p{L}_:]"),
        'c' => wrap("\\p{L}\\p{Nd}\\p{Mn}._:\\-", out),
        'C' => out.push_str("[^\\p{L}\\p{Nd}\\p{Mn}._:\\-]"),
        'p' | 'P' => {
            let close = chars[at..]
                .iter()
                .position(|&c| c == '}')
                .ok_or_else(|| regex_error("unterminated \\p{...}"))?;
            let name: String = chars[at + 3..at + close].iter().collect();
            if chars.get(at + 2) != Some(&'{') || name.starts_with("Is") {
                return Err(regex_error(format!(
                    "unsupported character property \\{next}{{{name}}}"
                )));
            }
            out.push('\\');
            out.push(next);
            out.push('{');
            out.push_str(&name);
            out.push('}');
            return Ok(at + close + 1);
        }
        '0'..='9' => return Err(regex_error("back-references are not supported")),
        other => return Err(regex_error(format!("invalid escape \\{other}"))),
    }
    Ok(at + 2)
}

/// Translates the character class starting at `chars[at]` (`[`), including XML Schema class subtraction
/// `[a-z-[aeiou]]`; returns the index after the closing `]`.
fn class(chars: &[char], at: usize, out: &mut String) -> Result<usize, XPathError> {
    out.push('[');
    let mut i = at + 1;
    if chars.get(i) == Some(&'^') {
        out.push('^');
        i += 1;
    }
    let mut first = true;
    while i < chars.len() {
        let c = chars[i];
        match c {
            ']' if !first => {
                out.push(']');
                return Ok(i + 1);
            }
            '-' if chars.get(i + 1) == Some(&'[') => {
                out.push_str("--");
                i = class(chars, i + 1, out)?;
                if chars.get(i) != Some(&']') {
                    return Err(regex_error(
                        "a class subtraction must end the character class",
                    ));
                }
                out.push(']');
                return Ok(i + 1);
            }
            '\\' => {
                i = escape(chars, i, true, out)?;
                first = false;
                continue;
            }
            '[' | '&' | '~' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
        first = false;
        i += 1;
    }
    Err(regex_error("unterminated character class"))
}

/// Translates an `fn:replace` replacement string (`$n` group references, `\$` and `\\` escapes) into the
/// `regex` crate's replacement syntax.
pub(crate) fn replacement(template: &str, groups: usize) -> Result<String, XPathError> {
    let chars: Vec<char> = template.chars().collect();
    let mut out = String::with_capacity(template.len());
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' => match chars.get(i + 1) {
                Some('\\') => {
                    out.push('\\');
                    i += 2;
                }
                Some('$') => {
                    out.push_str("$$");
                    i += 2;
                }
                _ => {
                    return Err(XPathError::dynamic(
                        "FORX0004",
                        "invalid escape in replacement string",
                    ));
                }
            },
            '$' => {
                let mut j = i + 1;
                let mut number = 0usize;
                let mut digits = 0;
                while let Some(d) = chars.get(j).and_then(|c| c.to_digit(10)) {
                    let candidate = number * 10 + d as usize;
                    if digits > 0 && candidate > groups {
                        break;
                    }
                    number = candidate;
                    digits += 1;
                    j += 1;
                }
                if digits == 0 {
                    return Err(XPathError::dynamic(
                        "FORX0004",
                        "`$` must be followed by a group number",
                    ));
                }
                if number <= groups {
                    out.push_str(&format!("${{{number}}}"));
                }
                i = j;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_match(pattern: &str, input: &str) -> bool {
        compile(pattern, "").expect("compiles").is_match(input)
    }

    #[test]
    fn matches_are_unanchored_unless_anchored() {
        assert!(is_match(
            "urn:peppol:bis:billing",
            "urn:peppol:bis:billing:extra"
        ));
        assert!(is_match("^T[0-9]{13}$", "T1234567890123"));
        assert!(!is_match("^T[0-9]{13}$", "T123456789012"));
        assert!(!is_match("^[0-9]+$", "12\n"));
        assert!(is_match("VAT", "XVATY"));
    }

    #[test]
    fn escapes_and_classes() {
        assert!(is_match("^\\s$", " "));
        assert!(!is_match("^\\s$", "\u{3000}"));
        assert!(is_match("^[a-z-[aeiou]]+$", "bcd"));
        assert!(!is_match("^[a-z-[aeiou]]+$", "bad"));
        assert!(is_match("^a.c$", "abc"));
        assert!(!is_match("^a.c$", "a\nc"));
        assert!(compile("^a.c$", "s").expect("compiles").is_match("a\nc"));
        assert!(compile("abc", "i").expect("compiles").is_match("ABC"));
        assert!(compile("(a)\\1", "").is_err());
    }

    #[test]
    fn replacement_strings() {
        assert_eq!(replacement("[$1]", 1).as_deref(), Ok("[${1}]"));
        assert_eq!(replacement("\\$", 0).as_deref(), Ok("$$"));
        assert!(replacement("$", 0).is_err());
    }
}
