//! The hardened XML pass: size and encoding checks, one streaming read with quick-xml's `NsReader`,
//! well-formedness checks quick-xml leaves to its caller (content outside the root, unclosed
//! elements, unbound prefixes, attributes), the depth limit, and the refusal of DTDs and entities.
//! Element events go to the [`Extractor`].

use std::collections::HashSet;

use cie_domain::encoding::{self, EncodingError};
use cie_domain::xml10::{self, is_xml_char};
use cie_domain::{DocumentKind, Summary};
use quick_xml::XmlVersion;
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::name::{NamespaceResolver, ResolveResult};
use quick_xml::reader::NsReader;

use crate::Limits;
use crate::error::UblError;
use crate::extract::{Attrs, Extractor};

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Reads `bytes` as one UBL document. See [`crate::parse`].
pub(crate) fn parse(bytes: &[u8], limits: &Limits) -> Result<Summary, UblError> {
    if bytes.len() > limits.max_bytes {
        return Err(UblError::TooLarge {
            size: bytes.len(),
            limit: limits.max_bytes,
        });
    }
    let decoded = encoding::to_utf8(bytes).map_err(|error| match error {
        EncodingError::Unsupported { encoding } => UblError::UnsupportedEncoding { encoding },
        EncodingError::Invalid { encoding, offset } => {
            UblError::InvalidEncoding { encoding, offset }
        }
    })?;
    let bytes: &[u8] = &decoded;
    let body = bytes.strip_prefix(BOM).unwrap_or(bytes);
    let input = std::str::from_utf8(body).map_err(|error| UblError::NotUtf8 {
        offset: bytes.len() - body.len() + error.valid_up_to(),
    })?;
    xml10::check_document(input).map_err(|violation| xml10_error(input, &violation))?;
    Scanner::new(input, limits).run()
}

/// 1-based line and column (in characters) of byte `offset` in `input`.
pub(crate) fn line_column(input: &str, offset: usize) -> (usize, usize) {
    let before = &input.as_bytes()[..offset.min(input.len())];
    let line_start = before
        .iter()
        .rposition(|&byte| byte == b'\n')
        .map_or(0, |index| index + 1);
    let line = before.iter().filter(|&&byte| byte == b'\n').count() + 1;
    let column = before[line_start..]
        .iter()
        .filter(|&&byte| !is_continuation_byte(byte))
        .count()
        + 1;
    (line, column)
}

fn is_continuation_byte(byte: u8) -> bool {
    byte & 0b1100_0000 == 0b1000_0000
}

/// A violation of XML 1.0 found by [`xml10`] as [`UblError::NotXml`].
fn xml10_error(input: &str, violation: &xml10::Xml10Violation) -> UblError {
    let (line, column) = line_column(input, violation.offset);
    UblError::NotXml {
        line,
        column,
        reason: violation.problem.to_string(),
    }
}

/// Up to this many attributes, duplicates are found by comparing with the earlier ones; beyond,
/// through a set, so that checking stays linear.
const ATTRIBUTE_SCAN_LIMIT: usize = 8;

/// The qualified names of one start tag's attributes, for finding duplicates in linear time.
#[derive(Default)]
struct SeenNames<'a> {
    names: Vec<&'a str>,
    set: HashSet<&'a str>,
}

impl<'a> SeenNames<'a> {
    /// Adds `name`; `false` when it was already there.
    fn insert(&mut self, name: &'a str) -> bool {
        if self.names.len() < ATTRIBUTE_SCAN_LIMIT {
            if self.names.contains(&name) {
                return false;
            }
            self.names.push(name);
            return true;
        }
        if self.set.is_empty() {
            self.set.extend(self.names.iter().copied());
        }
        self.set.insert(name)
    }
}

fn is_xml_whitespace(text: &str) -> bool {
    text.bytes()
        .all(|byte| matches!(byte, b' ' | b'\t' | b'\r' | b'\n'))
}

/// The state of one read.
struct Scanner<'i> {
    /// The document after any BOM.
    input: &'i str,
    reader: NsReader<&'i [u8]>,
    max_depth: usize,
    max_attributes: usize,
    /// Number of open elements.
    depth: usize,
    root_closed: bool,
    extractor: Option<Extractor<'i>>,
}

impl<'i> Scanner<'i> {
    fn new(input: &'i str, limits: &Limits) -> Self {
        let mut reader = NsReader::from_str(input);
        let config = reader.config_mut();
        config.check_end_names = true;
        config.check_comments = true;
        config.allow_dangling_amp = false;
        config.allow_unmatched_ends = false;
        config.expand_empty_elements = false;
        Self {
            input,
            reader,
            max_depth: limits.max_depth,
            max_attributes: limits.max_attributes,
            depth: 0,
            root_closed: false,
            extractor: None,
        }
    }

    fn run(mut self) -> Result<Summary, UblError> {
        loop {
            let offset = usize::try_from(self.reader.buffer_position()).unwrap_or(usize::MAX);
            let event = match self.reader.read_event() {
                Ok(event) => event,
                Err(error) => {
                    let at = usize::try_from(self.reader.error_position()).unwrap_or(usize::MAX);
                    return Err(self.xml_error(at, error));
                }
            };
            match event {
                Event::Start(start) => self.open(&start, offset)?,
                Event::Empty(start) => {
                    self.open(&start, offset)?;
                    self.close();
                }
                Event::End(_) => self.close(),
                Event::Text(text) => {
                    xml10::check_character_data(&text, offset)
                        .map_err(|violation| xml10_error(self.input, &violation))?;
                    if self.depth == 0 {
                        if !is_xml_whitespace(&text) {
                            return Err(self.not_xml(offset, self.outside_root("text")));
                        }
                    } else if let Some(extractor) = &mut self.extractor
                        && extractor.wants_text()
                    {
                        extractor.text(&text.xml10_content());
                    }
                }
                Event::CData(cdata) => {
                    if self.depth == 0 {
                        return Err(self.not_xml(offset, self.outside_root("a CDATA section")));
                    }
                    if let Some(extractor) = &mut self.extractor
                        && extractor.wants_text()
                    {
                        extractor.text(&cdata.xml10_content());
                    }
                }
                Event::GeneralRef(reference) => {
                    let c = self.resolve_reference(&reference, offset)?;
                    if self.depth == 0 {
                        return Err(self.not_xml(offset, self.outside_root("a reference")));
                    }
                    if let Some(extractor) = &mut self.extractor {
                        extractor.char(c);
                    }
                }
                Event::Decl(declaration) => {
                    if offset != 0 {
                        return Err(self.not_xml(
                            offset,
                            "the XML declaration <?xml ...?> is only allowed at the very start of the document"
                                .to_owned(),
                        ));
                    }
                    if let Some(Ok(encoding)) = declaration.encoding()
                        && !encoding::is_utf8_name(encoding.as_bytes())
                    {
                        return Err(UblError::UnsupportedEncoding {
                            encoding: encoding.into_owned(),
                        });
                    }
                }
                Event::DocType(_) => {
                    let (line, column) = line_column(self.input, offset);
                    return Err(UblError::DoctypeForbidden { line, column });
                }
                Event::PI(pi) => {
                    let target = pi.target();
                    if target.eq_ignore_ascii_case("xml") {
                        return Err(self.not_xml(
                            offset,
                            format!("<?{target} ...?> is reserved: only the XML declaration at the very start may use it"),
                        ));
                    }
                    if !xml10::is_qname(target) || target.contains(':') {
                        return Err(self.not_xml(
                            offset,
                            format!("{target:?} is not a processing-instruction name"),
                        ));
                    }
                }
                Event::Comment(_) => {}
                Event::Eof => return self.finish(offset),
            }
        }
    }

    /// Refuses a name longer than [`crate::MAX_NAME_BYTES`] (before it is quoted in any message) or not
    /// an XML qualified name.
    fn check_name(&self, name: &str, offset: usize) -> Result<(), UblError> {
        if name.len() > crate::MAX_NAME_BYTES {
            let (line, column) = line_column(self.input, offset);
            return Err(UblError::NameTooLong {
                start: String::from_utf8_lossy(&name.as_bytes()[..32]).into_owned(),
                length: name.len(),
                limit: crate::MAX_NAME_BYTES,
                line,
                column,
            });
        }
        if !xml10::is_qname(name) {
            return Err(self.not_xml(offset, format!("{name:?} is not an XML name")));
        }
        Ok(())
    }

    /// Refuses attributes not separated by white space (`a="1"b="2"`), in one pass over the tag.
    fn check_attribute_spacing(
        &self,
        start: &BytesStart<'_>,
        offset: usize,
    ) -> Result<(), UblError> {
        let mut quote: Option<u8> = None;
        let mut just_closed = false;
        for &byte in start.attributes_raw().as_bytes() {
            match quote {
                Some(open) if byte == open => {
                    quote = None;
                    just_closed = true;
                }
                Some(_) => {}
                None => {
                    if just_closed && !matches!(byte, b' ' | b'\t' | b'\r' | b'\n' | b'/') {
                        return Err(self.not_xml(
                            offset,
                            format!(
                                "attributes of element <{}> must be separated by white space",
                                start.name().as_ref()
                            ),
                        ));
                    }
                    just_closed = false;
                    if byte == b'"' || byte == b'\'' {
                        quote = Some(byte);
                    }
                }
            }
        }
        Ok(())
    }

    fn open(&mut self, start: &BytesStart<'_>, offset: usize) -> Result<(), UblError> {
        self.check_name(start.name().into_inner(), offset)?;
        if self.root_closed {
            return Err(self.not_xml(
                offset,
                format!(
                    "element <{}> follows the end of the root element; a document has one root",
                    start.name().as_ref()
                ),
            ));
        }
        if self.depth >= self.max_depth {
            let (line, column) = line_column(self.input, offset);
            return Err(UblError::TooDeep {
                limit: self.max_depth,
                line,
                column,
            });
        }
        let resolver = self.reader.resolver();
        let (resolved, local) = resolver.resolve_element(start.name());
        let namespace = match resolved {
            ResolveResult::Bound(namespace) => namespace.0,
            ResolveResult::Unbound => "",
            ResolveResult::Unknown(prefix) => {
                return Err(self.not_xml(
                    offset,
                    format!(
                        "namespace prefix {prefix:?} of element <{}> is not declared",
                        start.name().as_ref()
                    ),
                ));
            }
        };
        let attrs = self.attributes(start, resolver, offset)?;
        let local = local.as_ref();
        if self.depth == 0 {
            let kind =
                DocumentKind::from_root(namespace, local).ok_or_else(|| UblError::UnknownRoot {
                    namespace: namespace.to_owned(),
                    local_name: local.to_owned(),
                })?;
            self.extractor = Some(Extractor::new(self.input, kind));
        } else if let Some(extractor) = &mut self.extractor {
            extractor.start(namespace, local, &attrs, offset);
        }
        self.depth += 1;
        Ok(())
    }

    fn close(&mut self) {
        self.depth = self.depth.saturating_sub(1);
        if self.depth == 0 {
            self.root_closed = true;
        } else if let Some(extractor) = &mut self.extractor {
            extractor.end();
        }
    }

    /// Checks every attribute of `start` (syntax, duplicates, prefixes, references) and returns the
    /// ones the extractor may need.
    fn attributes<'a>(
        &self,
        start: &'a BytesStart<'_>,
        resolver: &NamespaceResolver,
        offset: usize,
    ) -> Result<Attrs<'a>, UblError> {
        let mut attrs = Attrs::default();
        let count = start.attributes().with_checks(false).count();
        if count > self.max_attributes {
            let (line, column) = line_column(self.input, offset);
            return Err(UblError::TooManyAttributes {
                element: start.name().as_ref().to_owned(),
                count,
                limit: self.max_attributes,
                line,
                column,
            });
        }
        self.check_attribute_spacing(start, offset)?;
        let mut seen = SeenNames::default();
        for attribute in start.attributes().with_checks(false) {
            let attribute = attribute.map_err(|error| {
                self.not_xml(
                    offset,
                    format!(
                        "malformed attribute in element <{}>: {error}",
                        start.name().as_ref()
                    ),
                )
            })?;
            self.check_name(attribute.key.into_inner(), offset)?;
            if attribute.value.contains('<') {
                return Err(self.not_xml(
                    offset,
                    format!(
                        "`<` in the value of attribute {} of element <{}> (write `&lt;`)",
                        attribute.key.as_ref(),
                        start.name().as_ref()
                    ),
                ));
            }
            if !seen.insert(attribute.key.into_inner()) {
                return Err(self.not_xml(
                    offset,
                    format!(
                        "duplicate attribute {} in element <{}>",
                        attribute.key.as_ref(),
                        start.name().as_ref()
                    ),
                ));
            }
            let value = if attribute.value.contains('&') {
                attribute
                    .normalized_value_with(XmlVersion::Implicit1_0, 1, predefined_entity)
                    .map_err(|error| self.xml_error(offset, error))?
            } else {
                attribute.value
            };
            let (local, prefix) = attribute.key.decompose();
            let local = local.into_inner();
            match prefix.map(|prefix| prefix.into_inner()) {
                Some("xmlns") => continue,
                None if local == "xmlns" => continue,
                Some(_) => {
                    if let (ResolveResult::Unknown(prefix), _) =
                        resolver.resolve_attribute(attribute.key)
                    {
                        return Err(self.not_xml(
                            offset,
                            format!(
                                "namespace prefix {prefix:?} of attribute {} is not declared",
                                attribute.key.as_ref()
                            ),
                        ));
                    }
                }
                None => {}
            }
            if prefix.is_none() {
                match local {
                    "currencyID" => attrs.currency_id = Some(value),
                    "schemeID" => attrs.scheme_id = Some(value),
                    _ => {}
                }
            }
        }
        Ok(attrs)
    }

    /// The character a reference in text stands for.
    fn resolve_reference(&self, reference: &BytesRef<'_>, offset: usize) -> Result<char, UblError> {
        if reference.is_char_ref() {
            return match reference.resolve_char_ref() {
                Ok(Some(c)) if is_xml_char(c) => Ok(c),
                _ => Err(self.not_xml(
                    offset,
                    format!(
                        "&{}; is not a valid character reference",
                        reference.as_ref()
                    ),
                )),
            };
        }
        match predefined_entity(reference.as_ref()).and_then(|text| text.chars().next()) {
            Some(c) => Ok(c),
            None => {
                let (line, column) = line_column(self.input, offset);
                Err(UblError::EntityForbidden {
                    name: reference.as_ref().to_owned(),
                    line,
                    column,
                })
            }
        }
    }

    fn finish(self, offset: usize) -> Result<Summary, UblError> {
        if self.depth > 0 {
            return Err(self.not_xml(
                offset,
                format!(
                    "the document ends while {} element(s) are still open",
                    self.depth
                ),
            ));
        }
        match self.extractor {
            Some(extractor) if self.root_closed => extractor.finish(),
            _ => Err(self.not_xml(offset, "the document has no root element".to_owned())),
        }
    }

    fn outside_root(&self, what: &str) -> String {
        if self.root_closed {
            format!("{what} after the end of the root element")
        } else {
            format!("{what} before the root element")
        }
    }

    fn not_xml(&self, offset: usize, reason: String) -> UblError {
        let (line, column) = line_column(self.input, offset);
        UblError::NotXml {
            line,
            column,
            reason,
        }
    }

    /// A quick-xml error at byte `offset`; an unknown entity in an attribute value is
    /// [`UblError::EntityForbidden`].
    fn xml_error(&self, offset: usize, error: quick_xml::Error) -> UblError {
        match error {
            quick_xml::Error::Escape(quick_xml::escape::EscapeError::UnrecognizedEntity(
                _,
                name,
            )) => {
                let (line, column) = line_column(self.input, offset);
                UblError::EntityForbidden { name, line, column }
            }
            other => self.not_xml(offset, other.to_string()),
        }
    }
}

/// The replacement text of the five predefined entities; no other entity is known.
fn predefined_entity(name: &str) -> Option<&'static str> {
    match name {
        "amp" => Some("&"),
        "lt" => Some("<"),
        "gt" => Some(">"),
        "quot" => Some("\""),
        "apos" => Some("'"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters() {
        let input = "ab\nこんにちは<x>";
        assert_eq!(line_column(input, 0), (1, 1));
        assert_eq!(line_column(input, 2), (1, 3));
        assert_eq!(line_column(input, 3), (2, 1));
        assert_eq!(line_column(input, input.find('<').unwrap()), (2, 6));
        assert_eq!(line_column(input, 10_000), (2, 9));
    }

    #[test]
    fn overlong_element_and_attribute_names_are_refused_without_being_quoted_whole() {
        let long = "a".repeat(crate::MAX_NAME_BYTES + 1);
        let limits = crate::Limits::default();
        for xml in [
            format!("<{long}/>"),
            format!(
                r#"<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" {long}="1"/>"#
            ),
        ] {
            let error = crate::parse(xml.as_bytes(), &limits).unwrap_err();
            assert_eq!(error.code(), "name_too_long", "{error}");
            assert!(error.to_string().len() < 200, "{error}");
        }
        let fits = format!("<{}/>", "a".repeat(crate::MAX_NAME_BYTES));
        let error = crate::parse(fits.as_bytes(), &limits).unwrap_err();
        assert_ne!(error.code(), "name_too_long", "a name at the limit is read");
    }

    #[test]
    fn markup_the_dom_refuses_is_refused_here_too() {
        let limits = crate::Limits::default();
        let root = r#"xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2""#;
        for xml in [
            format!(r#"<Invoice {root} a{{b="1"/>"#),
            format!(r#"<Invoice {root} a:b:c="1"/>"#),
            format!(r#"<Invoice {root} a="x<y"/>"#),
            format!(r#"<Invoice {root} a="1"b="2"/>"#),
            format!(r#"<Invoice {root}><?XML version="1.0"?></Invoice>"#),
            format!(r#"<Invoice {root}><cbc:1a xmlns:cbc="urn:x"/></Invoice>"#),
            format!(r#"<Invoice {root}><‹a×/></Invoice>"#),
        ] {
            let error = crate::parse(xml.as_bytes(), &limits).unwrap_err();
            assert_eq!(error.code(), "not_xml", "{xml}: {error}");
        }
        let reference = format!(r#"<Invoice {root} xmlns:q="urn:&bogus;"/>"#);
        let error = crate::parse(reference.as_bytes(), &limits).unwrap_err();
        assert_eq!(
            error.code(),
            "entity_forbidden",
            "namespace values are read too"
        );
        let fine = format!(
            r#"<?xml version="1.0"?><?xml-stylesheet href="a"?><Invoice {root} a='it"s' b = "x&lt;y"/>"#
        );
        let error = crate::parse(fine.as_bytes(), &limits).unwrap_err();
        assert_ne!(
            error.code(),
            "not_xml",
            "well-formed markup is read: {error}"
        );
    }
}
