//! The XML 1.0 + Namespaces parser behind [`crate::Document::parse`]: one pass over the UTF-8 input building
//! the node arena directly (names interned, text with entity and character references resolved and line
//! ends normalised, attribute values normalised, start-tag positions recorded). Only the five predefined
//! entities are known; a DOCTYPE is refused, so no entity expansion can be triggered by a document.

use cie_domain::xml10::{self, Xml10Violation, is_xml_char};
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::borrow::Cow;

use crate::dom::{DocumentParts, ExpandedName, NONE, NameData, NodeData, NodeKind, ParseLimits};
use crate::error::{SyntaxProblem, XmlError};

/// Up to this many attributes on an element, duplicates are found by comparing with the earlier
/// ones; beyond, through a set, so that checking stays linear.
const ATTRIBUTE_SCAN_LIMIT: usize = 8;

const XML_NAMESPACE: &str = "http://www.w3.org/XML/1998/namespace";

struct Open<'s> {
    node: u32,
    last_element: u32,
    qname: &'s str,
    bindings: usize,
}

struct RawAttribute<'s> {
    qname: &'s str,
    value: Cow<'s, str>,
}

/// The 1-based line and character column of a byte offset (for error messages, and a document's first
/// findings: see `Document::line_column`).
pub(crate) fn position_of(bytes: &[u8], offset: usize) -> (u32, u32) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = count_line_ends(before) as u32 + 1;
    let line_start = memchr::memrchr(b'\n', before).map_or(0, |at| at + 1);
    (line, column_in_line(&before[line_start..]))
}

/// The 1-based character column after `line_so_far`, the bytes of a line before a position.
pub(crate) fn column_in_line(line_so_far: &[u8]) -> u32 {
    line_so_far.iter().filter(|&&b| (b as i8) >= -0x40).count() as u32 + 1
}

/// The number of line feeds in `bytes`, counted 64 bytes at a time (a loop the compiler vectorises).
fn count_line_ends(bytes: &[u8]) -> usize {
    let mut chunks = bytes.chunks_exact(64);
    let mut count = 0;
    for chunk in &mut chunks {
        count += chunk.iter().fold(0u8, |n, &b| n + u8::from(b == b'\n')) as usize;
    }
    count + chunks.remainder().iter().filter(|&&b| b == b'\n').count()
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn is_name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b == b':' || b >= 0x80
}

const NAME_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        table[b] = byte.is_ascii_alphanumeric()
            || matches!(byte, b'_' | b':' | b'-' | b'.')
            || byte >= 0x80;
        b += 1;
    }
    table
};

fn is_name_byte(b: u8) -> bool {
    NAME_BYTES[b as usize]
}

const LOW_BITS: u64 = 0x0101_0101_0101_0101;
const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `word` that equals `byte` (exact for the lowest such byte).
fn byte_flags(word: u64, byte: u8) -> u64 {
    let x = word ^ (LOW_BITS * u64::from(byte));
    x.wrapping_sub(LOW_BITS) & !x & HIGH_BITS
}

/// The position of the first `a` or `b` in `haystack`, eight bytes at a time.
fn find_either(haystack: &[u8], a: u8, b: u8) -> Option<usize> {
    let mut chunks = haystack.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut chunks {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_le_bytes(word);
        let flags = byte_flags(word, a) | byte_flags(word, b);
        if flags != 0 {
            return Some(at + (flags.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&byte| byte == a || byte == b)
        .map(|found| at + found)
}

fn find_byte(haystack: &[u8], byte: u8) -> Option<usize> {
    find_either(haystack, byte, byte)
}

fn split_qname(qname: &str) -> (Option<&str>, &str) {
    match qname.split_once(':') {
        Some((prefix, local)) => (Some(prefix), local),
        None => (None, qname),
    }
}

pub(crate) fn parse(source: &str, limits: &ParseLimits) -> Result<DocumentParts, XmlError> {
    let mut parser = Parser::new(source, limits);
    parser.run()?;
    Ok(parser.finish())
}

/// The line, column and open elements (see [`XmlError::path`]) at the end of `text`, the part of a document
/// before a defect found outside the parser: `text` is read up to its end, or up to an error of its own.
pub(crate) fn place_at_end(text: &str, limits: &ParseLimits) -> (u32, u32, String) {
    let mut before = Parser::new(text, limits);
    let _stopped = before.read();
    let (line, column) = position_of(text.as_bytes(), text.len());
    (line, column, before.open_path())
}

struct Parser<'s> {
    src: &'s str,
    bytes: &'s [u8],
    pos: usize,
    has_cr: bool,
    /// Whether `]]>` occurs anywhere in the document: only then is character data searched for it.
    has_cdata_end: bool,
    nodes: Vec<NodeData>,
    /// Content that is not in the source as is; it starts at position `src.len()` (see `NodeData::text`).
    extra_text: String,
    names: Vec<NameData>,
    name_ids: HashMap<(&'s str, u32), u32>,
    /// Direct-mapped cache of resolved names: (qualified name, `generation << 1 | is attribute`, name id), valid
    /// while the namespace bindings have not changed since (names repeat; a miss only costs the resolution).
    recent_names: Vec<(&'s str, u32, u32)>,
    /// The element names last seen after a given previous start tag under a given parent: (qualified name,
    /// `generation`, name id) by `predicted_slot`, so that repeated structures skip scanning and resolving
    /// names (a guess is used only when the source has exactly that name there).
    predicted: Vec<(&'s str, u32, u32)>,
    /// The name id of the last start tag mixed with its parent's (see `predicted_slot`).
    last_start: u32,
    /// Incremented whenever `bindings` changes.
    generation: u32,
    namespaces: Vec<Box<str>>,
    expanded: Vec<ExpandedName>,
    expanded_ids: HashMap<(u32, &'s str), u32>,
    stack: Vec<Open<'s>>,
    bindings: Vec<(&'s str, u32)>,
    attributes: Vec<RawAttribute<'s>>,
    /// Most attributes (namespace declarations included) accepted on one element.
    max_attributes: usize,
    /// Deepest accepted element nesting.
    max_depth: usize,
    /// Longest accepted name, in bytes.
    max_name_bytes: usize,
    /// Expanded names of the current element's attributes, when it has too many to compare pairwise.
    seen_attributes: HashSet<u32>,
    seen_root: bool,
    /// The start tag being read: its qualified name and offset, for the path of an error inside it.
    pending_tag: Option<(&'s str, usize)>,
}

impl<'s> Parser<'s> {
    fn new(src: &'s str, limits: &ParseLimits) -> Self {
        let bytes = src.as_bytes();
        let document = NodeData::new(NodeKind::Document, NONE);
        let mut nodes = Vec::with_capacity(bytes.len() / 16 + 4);
        nodes.push(document);
        Parser {
            src,
            bytes,
            pos: 0,
            has_cr: bytes.iter().fold(false, |found, &b| found | (b == b'\r')),
            has_cdata_end: memchr::memmem::find(bytes, b"]]>").is_some(),
            nodes,
            extra_text: String::new(),
            names: Vec::new(),
            name_ids: HashMap::with_capacity(256),
            recent_names: vec![("", NONE, NONE); RECENT_NAMES],
            predicted: vec![("", NONE, NONE); PREDICTED_NAMES],
            last_start: NONE,
            generation: 0,
            namespaces: vec!["".into(), XML_NAMESPACE.into()],
            expanded: Vec::new(),
            expanded_ids: HashMap::with_capacity(256),
            stack: vec![Open {
                node: 0,
                last_element: NONE,
                qname: "",
                bindings: 0,
            }],
            bindings: vec![("xml", 1)],
            attributes: Vec::new(),
            max_attributes: limits.max_attributes,
            max_depth: limits.max_depth,
            max_name_bytes: limits.max_name_bytes,
            seen_attributes: HashSet::new(),
            seen_root: false,
            pending_tag: None,
        }
    }

    fn error_at(&self, offset: usize, problem: SyntaxProblem) -> XmlError {
        let (line, column) = position_of(self.bytes, offset);
        XmlError::Syntax {
            line,
            column,
            path: self.open_path(),
            problem,
        }
    }

    /// The elements open at the current position, and the start tag being read if any, as a path (see
    /// [`XmlError::path`]).
    fn open_path(&self) -> String {
        let mut path = String::new();
        for (depth, open) in self.stack.iter().enumerate().skip(1) {
            path.push('/');
            path.push_str(open.qname);
            if depth > 1 {
                let expanded = self.names[self.nodes[open.node as usize].name as usize].expanded;
                let position = self
                    .element_children(self.stack[depth - 1].node)
                    .take_while(|&child| child != open.node)
                    .filter(|&child| {
                        self.names[self.nodes[child as usize].name as usize].expanded == expanded
                    })
                    .count()
                    + 1;
                path.push_str(&format!("[{position}]"));
            }
        }
        if let Some((qname, offset)) = self.pending_tag {
            path.push('/');
            path.push_str(qname);
            let parent = self.stack.last().map_or(0, |open| open.node);
            if parent != 0 {
                let position = self
                    .element_children(parent)
                    .take_while(|&child| (self.nodes[child as usize].offset as usize) < offset)
                    .filter(|&child| self.qualified_name(child) == qname)
                    .count()
                    + 1;
                path.push_str(&format!("[{position}]"));
            }
        }
        path
    }

    /// The element children of `parent` read so far, through the next-sibling links.
    fn element_children(&self, parent: u32) -> impl Iterator<Item = u32> + '_ {
        let first = self.nodes[parent as usize + 1..]
            .iter()
            .position(|node| node.parent == parent && node.kind() == NodeKind::Element)
            .map_or(NONE, |at| parent + 1 + at as u32);
        std::iter::successors((first != NONE).then_some(first), |&node| {
            let next = self.nodes[node as usize].text;
            (next != NONE).then_some(next)
        })
    }

    /// The qualified name of an element read so far, as written.
    fn qualified_name(&self, node: u32) -> &'s str {
        let name = &self.names[self.nodes[node as usize].name as usize];
        &self.src[name.start as usize..name.local_start() + name.local_len as usize]
    }

    /// The error for a violation of XML 1.0 found before parsing, with the path of the elements open where
    /// it is.
    fn violation_error(&self, violation: Xml10Violation) -> XmlError {
        let limits = ParseLimits {
            max_attributes: self.max_attributes,
            max_depth: self.max_depth,
            max_name_bytes: self.max_name_bytes,
        };
        let (line, column, path) = place_at_end(&self.src[..violation.offset], &limits);
        XmlError::Syntax {
            line,
            column,
            path,
            problem: SyntaxProblem::Xml10(violation.problem),
        }
    }

    fn finish(self) -> DocumentParts {
        DocumentParts {
            nodes: self.nodes,
            extra_text: self.extra_text,
            names: self.names,
            namespaces: self.namespaces,
            expanded: self.expanded,
        }
    }

    fn starts_with(&self, prefix: &[u8]) -> bool {
        self.bytes[self.pos..].starts_with(prefix)
    }

    /// The first `needle` at or after `from`: found by its last byte, the bytes before it compared in
    /// place (the needles are two or three bytes long).
    fn find(&self, needle: &str, from: usize) -> Option<usize> {
        let (&last, head) = needle.as_bytes().split_last()?;
        let mut at = from + head.len();
        while at < self.bytes.len() {
            let end = find_byte(&self.bytes[at..], last)? + at;
            let start = end - head.len();
            if self.bytes[start..end].iter().zip(head).all(|(a, b)| a == b) {
                return Some(start);
            }
            at = end + 1;
        }
        None
    }

    fn run(&mut self) -> Result<(), XmlError> {
        xml10::check_document(self.src).map_err(|violation| self.violation_error(violation))?;
        self.read()?;
        if let Some(open) = self.stack.last().filter(|_| self.stack.len() > 1) {
            let problem = SyntaxProblem::UnclosedElement(open.qname.to_owned());
            return Err(self.error_at(self.bytes.len(), problem));
        }
        if !self.seen_root {
            return Err(XmlError::NoRootElement);
        }
        if self.nodes.len() >= u32::MAX as usize
            || self.src.len() + self.extra_text.len() >= u32::MAX as usize
        {
            return Err(XmlError::TooLarge);
        }
        self.nodes[0].end = self.nodes.len() as u32;
        Ok(())
    }

    /// Reads the declaration and the content up to the end of the input.
    fn read(&mut self) -> Result<(), XmlError> {
        if self.starts_with(b"<?xml") && self.bytes.get(5).is_some_and(|&b| is_space(b)) {
            let end = self
                .find("?>", 5)
                .ok_or_else(|| self.error_at(0, SyntaxProblem::UnterminatedDeclaration))?;
            self.pos = end + 2;
        }
        while self.pos < self.bytes.len() {
            if self.bytes[self.pos] == b'<' {
                self.markup()?;
            } else {
                self.character_data()?;
            }
        }
        Ok(())
    }

    fn markup(&mut self) -> Result<(), XmlError> {
        let start = self.pos;
        let rest = &self.bytes[start + 1..];
        match rest.first() {
            Some(b'/') => self.end_tag(),
            Some(b'?') => self.processing_instruction(),
            Some(b'!') if rest.starts_with(b"!--") => {
                let end = self
                    .find("-->", start + 4)
                    .ok_or_else(|| self.error_at(start, SyntaxProblem::UnterminatedComment))?;
                let body = &self.src[start + 4..end];
                if body.contains("--") || body.ends_with('-') {
                    return Err(self.error_at(start, SyntaxProblem::DoubleHyphenInComment));
                }
                self.pos = end + 3;
                if self.has_cr {
                    self.push_leaf(
                        NodeKind::Comment,
                        &self.src[start + 4..end],
                        NONE,
                        start,
                        true,
                    );
                } else {
                    let parent = self.stack.last().map_or(NONE, |open| open.node);
                    self.push_source_leaf(NodeKind::Comment, parent, start, start + 4, end);
                }
                Ok(())
            }
            Some(b'!') if rest.starts_with(b"![CDATA[") => {
                if self.stack.len() == 1 {
                    return Err(self.error_at(start, SyntaxProblem::CdataOutsideRoot));
                }
                let end = self
                    .find("]]>", start + 9)
                    .ok_or_else(|| self.error_at(start, SyntaxProblem::UnterminatedCdata))?;
                self.pos = end + 3;
                self.push_text(&self.src[start + 9..end], start, true);
                Ok(())
            }
            Some(b'!') if rest.starts_with(b"!DOCTYPE") => {
                let (line, column) = position_of(self.bytes, start);
                Err(XmlError::Doctype {
                    line,
                    column,
                    path: self.open_path(),
                })
            }
            Some(&b) if is_name_start(b) => self.start_tag(),
            _ => Err(self.error_at(start, SyntaxProblem::InvalidMarkup)),
        }
    }

    /// Appends `content` to the extra text, with line ends normalised (`\r\n` and `\r` become `\n`) when
    /// `raw`; returns the number of bytes appended.
    fn append_text(&mut self, content: &str, raw: bool) -> usize {
        let before = self.extra_text.len();
        if !raw || !self.has_cr {
            self.extra_text.push_str(content);
            return content.len();
        }
        let mut rest = content;
        while let Some(at) = rest.bytes().position(|b| b == b'\r') {
            self.extra_text.push_str(&rest[..at]);
            self.extra_text.push('\n');
            rest = &rest[at + 1..];
            if let Some(after) = rest.strip_prefix('\n') {
                rest = after;
            }
        }
        self.extra_text.push_str(rest);
        self.extra_text.len() - before
    }

    /// The position of the end of the extra text (see `NodeData::text`).
    fn extra_end(&self) -> u32 {
        (self.src.len() + self.extra_text.len()) as u32
    }

    /// Where `content` (line ends normalised when `raw`) is kept: `(position, length)`, in the source when it
    /// is a part of it that needs no normalisation, else appended to the extra text.
    fn store_text(&mut self, content: &str, raw: bool) -> (u32, u32) {
        let at = (content.as_ptr() as usize).wrapping_sub(self.src.as_ptr() as usize);
        let in_source = at <= self.src.len() && content.len() <= self.src.len() - at;
        if in_source && !(raw && self.has_cr && content.contains('\r')) {
            return (at as u32, content.len() as u32);
        }
        let start = self.extra_end();
        let len = self.append_text(content, raw);
        (start, len as u32)
    }

    fn name(&mut self) -> Result<&'s str, XmlError> {
        let start = self.pos;
        if !self.bytes.get(start).is_some_and(|&b| is_name_start(b)) {
            return Err(self.error_at(start, SyntaxProblem::NameExpected));
        }
        let rest = &self.bytes[start + 1..];
        let len = rest
            .iter()
            .position(|&b| !is_name_byte(b))
            .unwrap_or(rest.len());
        let end = start + 1 + len;
        self.pos = end;
        let name = &self.src[start..end];
        let bytes = name.as_bytes();
        if bytes.len() > self.max_name_bytes {
            let (line, column) = position_of(self.bytes, start);
            return Err(XmlError::NameTooLong {
                start: String::from_utf8_lossy(&bytes[..32.min(bytes.len())]).into_owned(),
                length: bytes.len(),
                limit: self.max_name_bytes,
                line,
                column,
                path: self.open_path(),
            });
        }
        if !bytes.is_ascii() && !cie_domain::xml10::is_qname(name) {
            return Err(self.error_at(start, SyntaxProblem::NotAName(name.to_owned())));
        }
        let colons = bytes.iter().filter(|&&b| b == b':').count();
        if colons > 1 || (colons == 1 && (bytes[0] == b':' || bytes[bytes.len() - 1] == b':')) {
            return Err(self.error_at(start, SyntaxProblem::NotAQualifiedName(name.to_owned())));
        }
        Ok(name)
    }

    fn skip_space(&mut self) {
        while self.pos < self.bytes.len() && is_space(self.bytes[self.pos]) {
            self.pos += 1;
        }
    }

    fn processing_instruction(&mut self) -> Result<(), XmlError> {
        let start = self.pos;
        self.pos += 2;
        let target = self.name()?;
        if target.eq_ignore_ascii_case("xml") {
            return Err(self.error_at(start, SyntaxProblem::MisplacedDeclaration));
        }
        let end = self.find("?>", self.pos).ok_or_else(|| {
            self.error_at(start, SyntaxProblem::UnterminatedProcessingInstruction)
        })?;
        let content = self.src[self.pos..end].trim_start_matches([' ', '\t', '\r', '\n']);
        self.pos = end + 2;
        let name = self.intern_name(0, target, None, target);
        self.push_leaf(NodeKind::ProcessingInstruction, content, name, start, true);
        Ok(())
    }

    fn end_tag(&mut self) -> Result<(), XmlError> {
        let start = self.pos;
        self.pos += 2;
        let expected = self.stack.last().map_or("", |open| open.qname);
        let after = self.pos + expected.len();
        let qname = if !expected.is_empty()
            && self.bytes[self.pos..].starts_with(expected.as_bytes())
            && self.bytes.get(after).is_none_or(|&b| !is_name_byte(b))
        {
            self.pos = after;
            expected
        } else {
            self.name()?
        };
        self.skip_space();
        if self.bytes.get(self.pos) != Some(&b'>') {
            return Err(self.error_at(self.pos, SyntaxProblem::EndTagNotClosed));
        }
        self.pos += 1;
        if self.stack.len() == 1 {
            return Err(self.error_at(start, SyntaxProblem::EndTagWithoutStart(qname.to_owned())));
        }
        let open_qname = self.stack.last().map_or("", |open| open.qname);
        if !same_bytes(open_qname.as_bytes(), qname.as_bytes()) {
            return Err(self.error_at(
                start,
                SyntaxProblem::EndTagMismatch {
                    found: qname.to_owned(),
                    open: open_qname.to_owned(),
                },
            ));
        }
        let open = self.stack.pop().expect("an element is open");
        self.truncate_bindings(open.bindings);
        self.nodes[open.node as usize].end = self.nodes.len() as u32;
        Ok(())
    }

    fn start_tag(&mut self) -> Result<(), XmlError> {
        let start = self.pos;
        self.pos += 1;
        let parent_name = self.nodes[self.stack.last().map_or(0, |open| open.node) as usize].name;
        let slot = predicted_slot(self.last_start, parent_name);
        let (guess, guess_key, guess_id) = self.predicted[slot];
        let after = self.pos + guess.len();
        let guessed = !guess.is_empty()
            && self.bytes.len() >= after
            && same_bytes(&self.bytes[self.pos..after], guess.as_bytes())
            && self.bytes.get(after).is_some_and(|&b| !is_name_byte(b));
        let qname = if guessed {
            self.pos = after;
            guess
        } else {
            self.name()?
        };
        self.pending_tag = Some((qname, start));
        let bindings_before = self.bindings.len();
        self.attributes.clear();
        let empty = loop {
            let had_space = self.pos < self.bytes.len() && is_space(self.bytes[self.pos]);
            self.skip_space();
            match self.bytes.get(self.pos) {
                Some(b'>') => {
                    self.pos += 1;
                    break false;
                }
                Some(b'/') if self.bytes.get(self.pos + 1) == Some(&b'>') => {
                    self.pos += 2;
                    break true;
                }
                Some(_) if had_space => self.attribute()?,
                Some(_) => {
                    return Err(self.error_at(self.pos, SyntaxProblem::StartTagSyntax));
                }
                None => return Err(self.error_at(start, SyntaxProblem::UnterminatedStartTag)),
            }
        };
        let count = self.attributes.len() + (self.bindings.len() - bindings_before);
        if count > self.max_attributes {
            let (line, column) = position_of(self.bytes, start);
            return Err(XmlError::TooManyAttributes {
                element: qname.to_owned(),
                count,
                limit: self.max_attributes,
                line,
                column,
                path: self.open_path(),
            });
        }
        if self.stack.len() > self.max_depth {
            let (line, column) = position_of(self.bytes, start);
            return Err(XmlError::TooDeep {
                limit: self.max_depth,
                line,
                column,
                path: self.open_path(),
            });
        }
        if self.stack.len() == 1 {
            if self.seen_root {
                return Err(self.error_at(start, SyntaxProblem::SecondRoot));
            }
            self.seen_root = true;
        }

        let name = if guessed && guess_key == self.generation {
            guess_id
        } else {
            self.resolved_name(qname, false, start)?
        };
        self.predicted[slot] = (qname, self.generation, name);
        self.last_start = name.wrapping_mul(0x9E37_79B9) ^ parent_name;
        let parent = self.stack.last().map_or(NONE, |open| open.node);
        let mut element = NodeData::new(NodeKind::Element, parent);
        element.name = name;
        element.offset = start as u32;
        let id = self.nodes.len() as u32;
        self.nodes.push(element);
        let open = self
            .stack
            .last_mut()
            .expect("the document node is always open");
        if open.last_element != NONE {
            self.nodes[open.last_element as usize].text = id;
        }
        open.last_element = id;

        let attributes = std::mem::take(&mut self.attributes);
        let first_attribute = self.nodes.len();
        let many = attributes.len() > ATTRIBUTE_SCAN_LIMIT;
        if many {
            self.seen_attributes.clear();
        }
        for attribute in &attributes {
            let attr_name = self.resolved_name(attribute.qname, true, start)?;
            let expanded = self.names[attr_name as usize].expanded;
            let duplicate = if many {
                !self.seen_attributes.insert(expanded)
            } else {
                self.nodes[first_attribute..]
                    .iter()
                    .any(|other| self.names[other.name as usize].expanded == expanded)
            };
            if duplicate {
                return Err(self.error_at(
                    start,
                    SyntaxProblem::DuplicateAttribute(attribute.qname.to_owned()),
                ));
            }
            let mut node = NodeData::new(NodeKind::Attribute, id);
            node.name = attr_name;
            node.offset = start as u32;
            let (text, count) = self.store_text(&attribute.value, false);
            node.text = text;
            node.set_count(count);
            node.end = self.nodes.len() as u32 + 1;
            self.nodes.push(node);
        }
        self.attributes = attributes;
        let attributes = (self.nodes.len() - first_attribute) as u32;
        self.nodes[id as usize].set_count(attributes);
        self.pending_tag = None;
        if empty {
            self.truncate_bindings(bindings_before);
            self.nodes[id as usize].end = self.nodes.len() as u32;
        } else {
            self.stack.push(Open {
                node: id,
                last_element: NONE,
                qname,
                bindings: bindings_before,
            });
        }
        Ok(())
    }

    /// Parses one attribute; namespace declarations become bindings, others are kept for the element.
    fn attribute(&mut self) -> Result<(), XmlError> {
        let start = self.pos;
        let qname = self.name()?;
        self.skip_space();
        if self.bytes.get(self.pos) != Some(&b'=') {
            return Err(self.error_at(self.pos, SyntaxProblem::EqualsExpected(qname.to_owned())));
        }
        self.pos += 1;
        self.skip_space();
        let quote = match self.bytes.get(self.pos) {
            Some(&q @ (b'"' | b'\'')) => q,
            _ => return Err(self.error_at(self.pos, SyntaxProblem::QuoteExpected)),
        };
        let value_start = self.pos + 1;
        let value_end = self.bytes[value_start..]
            .iter()
            .position(|&b| b == quote)
            .map(|at| at + value_start)
            .ok_or_else(|| self.error_at(start, SyntaxProblem::UnterminatedAttributeValue))?;
        self.pos = value_end + 1;
        let value = self.attribute_value(value_start, value_end)?;
        if qname == "xmlns" || qname.starts_with("xmlns:") {
            let prefix = qname.strip_prefix("xmlns:").unwrap_or("");
            if !prefix.is_empty() && value.is_empty() {
                return Err(self.error_at(
                    start,
                    SyntaxProblem::EmptyNamespaceBinding(prefix.to_owned()),
                ));
            }
            if prefix == "xmlns" || (prefix == "xml" && value != XML_NAMESPACE) {
                return Err(self.error_at(start, SyntaxProblem::ReservedPrefix(prefix.to_owned())));
            }
            let ns = self.namespace_id(&value);
            self.bindings.push((prefix, ns));
            self.generation = self.generation.wrapping_add(1);
            return Ok(());
        }
        self.attributes.push(RawAttribute { qname, value });
        Ok(())
    }

    fn attribute_value(&self, start: usize, end: usize) -> Result<Cow<'s, str>, XmlError> {
        let raw = &self.src[start..end];
        if !raw
            .bytes()
            .any(|b| matches!(b, b'&' | b'<' | b'\t' | b'\n' | b'\r'))
        {
            return Ok(Cow::Borrowed(raw));
        }
        let mut value = String::with_capacity(raw.len());
        let mut chars = raw.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            match c {
                '<' => return Err(self.error_at(start + at, SyntaxProblem::LessThanInAttribute)),
                '&' => {
                    let (resolved, length) = self.reference(start + at)?;
                    value.push(resolved);
                    for _ in 1..length {
                        chars.next();
                    }
                }
                '\r' => {
                    if chars.peek().is_some_and(|&(_, next)| next == '\n') {
                        chars.next();
                    }
                    value.push(' ');
                }
                '\t' | '\n' => value.push(' '),
                other => value.push(other),
            }
        }
        Ok(Cow::Owned(value))
    }

    /// Resolves the entity or character reference at `offset` (a `&`): the character and the length in
    /// characters of the reference text.
    fn reference(&self, offset: usize) -> Result<(char, usize), XmlError> {
        let rest = &self.src[offset + 1..];
        let end = rest
            .bytes()
            .take(12)
            .position(|b| b == b';')
            .ok_or_else(|| self.long_reference(offset))?;
        let body = &rest[..end];
        let resolved = match body {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "apos" => Some('\''),
            "quot" => Some('"'),
            _ => {
                let number = if let Some(hex) = body.strip_prefix("#x") {
                    u32::from_str_radix(hex, 16)
                        .ok()
                        .filter(|_| !hex.is_empty() && !hex.starts_with('+'))
                } else if let Some(decimal) = body.strip_prefix('#') {
                    decimal
                        .parse::<u32>()
                        .ok()
                        .filter(|_| decimal.bytes().all(|b| b.is_ascii_digit()))
                } else {
                    let (line, column) = position_of(self.bytes, offset);
                    return Err(XmlError::UnknownEntity {
                        name: body.to_owned(),
                        line,
                        column,
                        path: self.open_path(),
                    });
                };
                number.and_then(char::from_u32).filter(|&c| is_xml_char(c))
            }
        };
        let resolved = resolved.ok_or_else(|| {
            self.error_at(
                offset,
                SyntaxProblem::InvalidCharacterReference(body.to_owned()),
            )
        })?;
        Ok((resolved, body.len() + 2))
    }

    /// The error for a reference whose `;` is not within its first twelve bytes: an entity of a long name
    /// is an unknown entity, anything else unterminated.
    fn long_reference(&self, offset: usize) -> XmlError {
        let rest = &self.src[offset + 1..];
        let name = rest
            .bytes()
            .take(self.max_name_bytes + 1)
            .position(|b| b == b';')
            .map(|end| &rest[..end])
            .filter(|name| xml10::is_qname(name));
        match name {
            Some(name) => {
                let (line, column) = position_of(self.bytes, offset);
                XmlError::UnknownEntity {
                    name: name.to_owned(),
                    line,
                    column,
                    path: self.open_path(),
                }
            }
            None => self.error_at(offset, SyntaxProblem::UnterminatedReference),
        }
    }

    fn character_data(&mut self) -> Result<(), XmlError> {
        let start = self.pos;
        let stop =
            find_either(&self.bytes[start..], b'<', b'&').map_or(self.bytes.len(), |at| at + start);
        let has_reference = self.bytes.get(stop) == Some(&b'&');
        let end = if has_reference {
            find_byte(&self.bytes[stop..], b'<').map_or(self.bytes.len(), |at| at + stop)
        } else {
            stop
        };
        self.pos = end;
        let raw = &self.src[start..end];
        if self.has_cdata_end {
            xml10::check_character_data(raw, start).map_err(|violation| {
                self.error_at(violation.offset, SyntaxProblem::Xml10(violation.problem))
            })?;
        }
        if self.stack.len() == 1 {
            if raw.bytes().all(is_space) {
                return Ok(());
            }
            return Err(self.error_at(start, SyntaxProblem::TextOutsideRoot));
        }
        if !has_reference {
            if !self.has_cr && !raw.is_empty() {
                self.push_source_text(start, end);
            } else {
                self.push_text(raw, start, true);
            }
            return Ok(());
        }
        let mut content = String::with_capacity(raw.len());
        let mut chars = raw.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            match c {
                '&' => {
                    let (resolved, length) = self.reference(start + at)?;
                    content.push(resolved);
                    for _ in 1..length {
                        chars.next();
                    }
                }
                '\r' => {
                    if chars.peek().is_some_and(|&(_, next)| next == '\n') {
                        chars.next();
                    }
                    content.push('\n');
                }
                other => content.push(other),
            }
        }
        self.push_text(&content, start, false);
        Ok(())
    }

    fn resolve(&self, prefix: Option<&str>, element: bool, at: usize) -> Result<u32, XmlError> {
        let wanted = match prefix {
            Some(prefix) => prefix,
            None if element => "",
            None => return Ok(0),
        };
        match self
            .bindings
            .iter()
            .rev()
            .find(|(bound, _)| same_bytes(bound.as_bytes(), wanted.as_bytes()))
        {
            Some(&(_, ns)) => Ok(ns),
            None if wanted.is_empty() => Ok(0),
            None => Err(self.error_at(at, SyntaxProblem::UndeclaredPrefix(wanted.to_owned()))),
        }
    }

    fn truncate_bindings(&mut self, len: usize) {
        if self.bindings.len() > len {
            self.bindings.truncate(len);
            self.generation = self.generation.wrapping_add(1);
        }
    }

    /// The name id of an element's (or attribute's) qualified name under the current namespace bindings.
    fn resolved_name(
        &mut self,
        qname: &'s str,
        attribute: bool,
        at: usize,
    ) -> Result<u32, XmlError> {
        let key = self.generation << 1 | u32::from(attribute);
        let slot = recent_slot(qname, key);
        let (cached, cached_key, cached_id) = self.recent_names[slot];
        if cached_key == key && same_bytes(cached.as_bytes(), qname.as_bytes()) {
            return Ok(cached_id);
        }
        let (prefix, local) = split_qname(qname);
        let ns = match prefix {
            None if attribute => 0,
            _ => self.resolve(prefix, !attribute, at)?,
        };
        let id = self.intern_name(ns, qname, prefix, local);
        self.recent_names[slot] = (qname, key, id);
        Ok(id)
    }

    fn namespace_id(&mut self, uri: &str) -> u32 {
        if let Some(index) = self.namespaces.iter().position(|known| &**known == uri) {
            return index as u32;
        }
        self.namespaces.push(uri.into());
        (self.namespaces.len() - 1) as u32
    }

    fn intern_name(
        &mut self,
        ns: u32,
        qname: &'s str,
        prefix: Option<&str>,
        local: &'s str,
    ) -> u32 {
        if let Some(&id) = self.name_ids.get(&(qname, ns)) {
            return id;
        }
        let start = qname.as_ptr() as usize - self.src.as_ptr() as usize;
        let local_start = local.as_ptr() as usize - self.src.as_ptr() as usize;
        let expanded = match self.expanded_ids.get(&(ns, local)) {
            Some(&id) => id,
            None => {
                let id = self.expanded.len() as u32;
                self.expanded.push(ExpandedName {
                    ns,
                    start: local_start as u32,
                    len: local.len() as u32,
                });
                self.expanded_ids.insert((ns, local), id);
                id
            }
        };
        let id = self.names.len() as u32;
        self.names.push(NameData {
            ns,
            start: start as u32,
            prefix_len: prefix.map_or(0, |prefix| prefix.len() as u32),
            local_len: local.len() as u32,
            expanded,
            global: NONE,
        });
        self.name_ids.insert((qname, ns), id);
        id
    }

    /// Appends character data (line ends normalised when `raw`), merged into the preceding text node if any.
    fn push_text(&mut self, content: &str, offset: usize, raw: bool) {
        if content.is_empty() {
            return;
        }
        let open = self.stack.last().expect("an element is open").node;
        let last = self.nodes.len() - 1;
        if last as u32 != open
            && self.nodes[last].kind() == NodeKind::Text
            && self.nodes[last].parent == open
        {
            let (start, len) = (self.nodes[last].text, self.nodes[last].count());
            if (start as usize) < self.src.len() || start + len != self.extra_end() {
                let moved = self.extra_end();
                let range = start as usize..(start + len) as usize;
                self.extra_text.push_str(&self.src[range]);
                self.nodes[last].text = moved;
            }
            let appended = self.append_text(content, raw);
            let merged = self.nodes[last].count() + appended as u32;
            self.nodes[last].set_count(merged);
            return;
        }
        self.push_leaf(NodeKind::Text, content, NONE, offset, raw);
    }

    /// [`Parser::push_text`] for the source text `start..end` when it needs no normalisation.
    fn push_source_text(&mut self, start: usize, end: usize) {
        let open = self.stack.last().map_or(0, |open| open.node);
        if let Some(last) = self.nodes.last()
            && last.kind() == NodeKind::Text
            && last.parent == open
        {
            self.push_text(&self.src[start..end], start, true);
            return;
        }
        self.push_source_leaf(NodeKind::Text, open, start, start, end);
    }

    /// Appends a nameless leaf node whose content is the source text `start..end` as is.
    fn push_source_leaf(
        &mut self,
        kind: NodeKind,
        parent: u32,
        offset: usize,
        start: usize,
        end: usize,
    ) {
        let id = self.nodes.len() as u32;
        let mut node = NodeData::new(kind, parent);
        node.end = id + 1;
        node.offset = offset as u32;
        node.text = start as u32;
        node.set_count((end - start) as u32);
        self.nodes.push(node);
    }

    /// Appends a leaf node whose content is `content` (line ends normalised when `raw`).
    fn push_leaf(&mut self, kind: NodeKind, content: &str, name: u32, offset: usize, raw: bool) {
        let parent = self.stack.last().map_or(NONE, |open| open.node);
        let mut node = NodeData::new(kind, parent);
        node.name = name;
        node.offset = offset as u32;
        let (text, count) = self.store_text(content, raw);
        node.text = text;
        node.set_count(count);
        node.end = self.nodes.len() as u32 + 1;
        self.nodes.push(node);
    }
}

const RECENT_NAMES: usize = 256;

const PREDICTED_NAMES: usize = 256;

fn predicted_slot(last_start: u32, parent_name: u32) -> usize {
    let hash = (last_start ^ parent_name.wrapping_mul(0x85EB_CA6B)).wrapping_mul(0x9E37_79B9);
    (hash >> 24) as usize % PREDICTED_NAMES
}

/// Whether two byte strings are equal, compared in place eight bytes at a time: names are short, and a call
/// to `memcmp` for each costs more than the comparison.
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let word = |bytes: &[u8], at: usize| {
        u64::from_ne_bytes(bytes[at..at + 8].try_into().expect("eight bytes"))
    };
    let len = a.len();
    if len < 8 {
        return a.iter().zip(b).all(|(x, y)| x == y);
    }
    let mut at = 0;
    while at + 8 < len {
        if word(a, at) != word(b, at) {
            return false;
        }
        at += 8;
    }
    word(a, len - 8) == word(b, len - 8)
}

fn recent_slot(qname: &str, ns: u32) -> usize {
    let mut hash: u32 = 0x811c_9dc5 ^ ns;
    for &byte in qname.as_bytes() {
        hash = (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193);
    }
    (hash ^ (hash >> 16)) as usize % RECENT_NAMES
}

#[cfg(test)]
mod tests {
    use crate::dom::{Document, NodeKind};
    use crate::error::{SyntaxProblem, XmlError};

    fn parse(source: &str) -> Document {
        Document::parse(source.as_bytes()).expect("well-formed")
    }

    #[test]
    fn names_compared_in_place_agree_with_slice_equality_at_every_length() {
        let text = b"cac:AccountingSupplierParty/cbc:CompanyID-and-more".to_vec();
        for len in 0..text.len() {
            let name = &text[..len];
            let copy = name.to_vec();
            assert!(super::same_bytes(name, &copy), "length {len}");
            for at in 0..len {
                let mut other = copy.clone();
                other[at] ^= 0x20;
                assert!(!super::same_bytes(name, &other), "length {len}, byte {at}");
            }
            assert!(!super::same_bytes(name, &text[..len + 1]), "length {len}");
        }
    }

    #[test]
    fn a_position_counts_lines_and_characters_before_it() {
        let text = "<a>\n  <b>é</b>\n<c/>".as_bytes();
        assert_eq!(super::position_of(text, 0), (1, 1));
        assert_eq!(super::position_of(text, 6), (2, 3));
        assert_eq!(
            super::position_of(text, 11),
            (2, 7),
            "é is one character of two bytes"
        );
        assert_eq!(super::position_of(text, text.len() - 4), (3, 1));
        assert_eq!(super::position_of(text, text.len() + 10), (3, 5));
    }

    #[test]
    fn merged_text_keeps_every_piece() {
        let doc = parse("<a>x\r\n<![CDATA[<y>\r]]>&amp;z<![CDATA[w]]></a>");
        let a = doc.document_element().expect("root");
        let children: Vec<_> = doc.children(a).collect();
        assert_eq!(children.len(), 1);
        assert_eq!(doc.text(children[0]), Some("x\n<y>\n&zw"));
        assert_eq!(doc.string_value(a), "x\n<y>\n&zw");
    }

    #[test]
    fn siblings_and_element_children_skip_other_nodes() {
        let doc = parse("<a k='1' l='&lt;'>t<!--c\r--><b/><?p d\r?>u<c><d/></c>v<e/></a>");
        let a = doc.document_element().expect("root");
        let kinds: Vec<_> = doc.children(a).map(|n| doc.kind(n)).collect();
        assert_eq!(
            kinds,
            [
                NodeKind::Text,
                NodeKind::Comment,
                NodeKind::Element,
                NodeKind::ProcessingInstruction,
                NodeKind::Text,
                NodeKind::Element,
                NodeKind::Text,
                NodeKind::Element,
            ]
        );
        let names: Vec<_> = doc.element_children(a).map(|n| doc.local_name(n)).collect();
        assert_eq!(names, ["b", "c", "e"]);
        let comment = doc.children(a).nth(1).expect("comment");
        assert_eq!(doc.text(comment), Some("c\n"));
        let pi = doc.children(a).nth(3).expect("processing instruction");
        assert_eq!((doc.local_name(pi), doc.text(pi)), ("p", Some("d\n")));
        let attributes: Vec<_> = doc.attributes(a).filter_map(|n| doc.text(n)).collect();
        assert_eq!(attributes, ["1", "<"]);
        let c = doc.element_children(a).nth(1).expect("c");
        assert_eq!(doc.next_sibling(c).map(|n| doc.text(n)), Some(Some("v")));
        let last = doc.element_children(a).last().expect("e");
        assert_eq!(doc.next_sibling(last), None);
        assert_eq!(doc.first_child(last), None);
        assert_eq!(doc.string_value(a), "tuv");
    }

    #[test]
    fn repeated_structures_resolve_names_in_their_own_scope() {
        let doc =
            parse("<r xmlns:p='urn:a'><a><p:x/></a><a xmlns:p='urn:b'><p:x/></a><a><p:x/></a></r>");
        let r = doc.document_element().expect("root");
        let namespaces: Vec<_> = doc
            .element_children(r)
            .filter_map(|a| doc.element_children(a).next())
            .map(|x| doc.namespace_uri(x))
            .collect();
        assert_eq!(namespaces, ["urn:a", "urn:b", "urn:a"]);
        let doc = parse("<r><a/><a/><ab/><a/><a:b xmlns:a='urn:a'/></r>");
        let r = doc.document_element().expect("root");
        let names: Vec<_> = doc
            .element_children(r)
            .map(|n| doc.qualified_name(n))
            .collect();
        assert_eq!(names, ["a", "a", "ab", "a", "a:b"]);
    }

    #[test]
    fn long_text_and_comments_are_scanned_to_their_end() {
        let doc =
            parse("<a>0123456789 &lt; 0123456789<!-- 0123456789 > 0123456789 -->0123456789</a>");
        let a = doc.document_element().expect("root");
        let texts: Vec<_> = doc.children(a).filter_map(|n| doc.text(n)).collect();
        assert_eq!(
            texts,
            [
                "0123456789 < 0123456789",
                " 0123456789 > 0123456789 ",
                "0123456789"
            ]
        );
    }

    #[test]
    fn names_come_from_the_source() {
        let doc = parse("<p:a xmlns:p='urn:p' xmlns='urn:d'><b p:c='1'/></p:a>");
        let a = doc.document_element().expect("root");
        assert_eq!(
            (doc.prefix(a), doc.local_name(a), doc.namespace_uri(a)),
            (Some("p"), "a", "urn:p")
        );
        let b = doc.element_children(a).next().expect("b");
        assert_eq!((doc.prefix(b), doc.namespace_uri(b)), (None, "urn:d"));
        let c = doc.attributes(b).next().expect("attribute");
        assert_eq!(doc.qualified_name(c), "p:c");
        assert!(doc.has_name(c, "urn:p", "c"));
    }

    fn with_attributes(count: usize, last: &str) -> String {
        let attributes: String = (0..count - 1).map(|n| format!(" a{n}='v'")).collect();
        format!("<r xmlns:p='urn:p'><e{attributes} {last}='v'/></r>")
    }

    #[test]
    fn attributes_beyond_the_limit_are_refused_and_many_are_checked_in_linear_time() {
        let error = Document::parse(with_attributes(100_000, "z").as_bytes()).unwrap_err();
        assert_eq!(
            error,
            crate::XmlError::TooManyAttributes {
                element: "e".to_owned(),
                count: 100_000,
                limit: 256,
                line: 1,
                column: 20,
                path: "/r/e[1]".to_owned(),
            }
        );
        let limits = crate::ParseLimits {
            max_attributes: 200_000,
            ..Default::default()
        };
        let doc = Document::parse_with(with_attributes(200_000, "z").as_bytes(), &limits)
            .expect("well-formed");
        let root = doc.document_element().expect("root");
        let e = doc.element_children(root).next().expect("e");
        assert_eq!(doc.attributes(e).count(), 200_000);
        for last in ["a7", "p:a7='v' xmlns:q='urn:p' q:a7"] {
            let error = Document::parse_with(with_attributes(20_000, last).as_bytes(), &limits)
                .unwrap_err();
            assert!(error.to_string().contains("duplicate attribute"), "{error}");
        }
        let error = Document::parse(with_attributes(3, "a0").as_bytes()).unwrap_err();
        assert!(
            error.to_string().contains("duplicate attribute `a0`"),
            "{error}"
        );
    }

    #[test]
    fn only_well_formed_xml_1_0_is_parsed() {
        for (text, expected) in [
            ("a\u{0}", "U+0000"),
            ("a\u{1}", "U+0001"),
            ("a\u{1B}", "U+001B"),
            ("a\u{FFFE}", "U+FFFE"),
            ("a\u{FFFF}", "U+FFFF"),
            ("a]]>", "]]>"),
            ("a]]>&amp;", "]]>"),
        ] {
            let source = format!("<r>\n<e>{text}</e></r>");
            let error = Document::parse(source.as_bytes()).unwrap_err();
            let message = error.to_string();
            assert!(
                message.contains("line 2, column 5") && message.contains(expected),
                "{expected}: {message}"
            );
            assert_eq!(error.path(), "/r/e[1]", "{expected}");
        }
        let error = Document::parse(b"<?xml version='1.1'?><r/>").unwrap_err();
        assert!(error.to_string().contains("\"1.1\""), "{error}");
        for fine in [
            "<?xml version='1.0'?><r a=']]>'>]]&gt;<![CDATA[]]]]><![CDATA[>]]><!-- ]]> --></r>",
            "<r>\u{7F}\u{85}\u{FFFD}\u{10FFFF}</r>",
        ] {
            assert!(Document::parse(fine.as_bytes()).is_ok(), "{fine}");
        }
    }

    fn syntax_error(source: &str) -> (u32, u32, String, SyntaxProblem) {
        match Document::parse(source.as_bytes()) {
            Err(XmlError::Syntax {
                line,
                column,
                path,
                problem,
            }) => (line, column, path, problem),
            other => panic!("{source}: {other:?}"),
        }
    }

    #[test]
    fn syntax_errors_say_which_elements_are_open() {
        let cases = [
            // A character refused before parsing: the document is read up to it for the path.
            ("<r><a/><a><b>x\u{7}</b></a></r>", "/r/a[2]/b[1]"),
            (
                "<r>\n<p:a xmlns:p='urn:p'/><a xmlns='urn:p'>\u{1}</a></r>",
                "/r/a[2]",
            ),
            ("<r><a/><a x='\u{1}'/></r>", "/r/a[2]"),
            ("<r/>\u{1}", ""),
            // Found while parsing.
            ("<r><a><b></a></r>", "/r/a[1]/b[1]"),
            ("<r><c/><c/><c a='1' a='2'/></r>", "/r/c[3]"),
            ("<r><c/><d><c q:a='1'/></d></r>", "/r/d[1]/c[1]"),
            ("<r><c/><c/><c></r>", "/r/c[3]"),
            ("<r>x</r>y", ""),
            ("<r><c>&#1;</c></r>", "/r/c[1]"),
        ];
        for (source, expected) in cases {
            let (_, _, path, _) = syntax_error(source);
            assert_eq!(path, expected, "{source}");
        }
        let (line, column, path, problem) = syntax_error("<r>\n<a>\n<b>");
        assert_eq!((line, column), (3, 4));
        assert_eq!(path, "/r/a[1]/b[1]");
        assert_eq!(problem, SyntaxProblem::UnclosedElement("b".to_owned()));
        let (_, _, _, problem) = syntax_error("<r><a></b></r>");
        assert_eq!(
            problem,
            SyntaxProblem::EndTagMismatch {
                found: "b".to_owned(),
                open: "a".to_owned()
            }
        );
        assert_eq!(
            problem.message_ja(),
            "終了タグ「</b>」が、開いている要素「<a>」と一致しません"
        );
        let (_, _, _, problem) = syntax_error("<r>\u{7}</r>");
        assert!(problem.message_ja().contains("U+0007"), "{problem:?}");
        assert!(problem.message_ja().contains("使えません"), "{problem:?}");
    }
}
