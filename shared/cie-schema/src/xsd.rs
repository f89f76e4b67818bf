//! Reads the subset of XML Schema the UBL 2.1 runtime schemas use (global elements, named complex
//! types with a sequence of element references or `xsd:any`, simple content derived by extension or
//! restriction, attributes) into raw, unresolved declarations. Anything else is refused, so a
//! construct this crate does not understand cannot be silently ignored.

use std::collections::HashMap;

use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

/// The XML Schema namespace.
pub(crate) const XSD: &str = "http://www.w3.org/2001/XMLSchema";

/// A namespace-qualified name: (namespace URI, local name).
pub(crate) type Key = (String, String);

/// `maxOccurs="unbounded"`.
pub(crate) const UNBOUNDED: u32 = u32::MAX;

/// One `xsd:element ref="…"` inside a sequence.
pub(crate) struct RawParticle {
    pub(crate) element: Key,
    pub(crate) min: u32,
    pub(crate) max: u32,
}

/// One `xsd:attribute`.
pub(crate) struct RawAttribute {
    pub(crate) name: String,
    pub(crate) datatype: Key,
    pub(crate) usage: Usage,
}

/// The `use` of an attribute.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Usage {
    Optional,
    Required,
    Prohibited,
}

/// How simple content is derived from its base.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Derivation {
    Extension,
    Restriction,
}

/// A named complex type.
pub(crate) enum RawType {
    /// Element-only content: a sequence of element references (empty when the type has none).
    Sequence(Vec<RawParticle>),
    /// A sequence holding `xsd:any`: content not validated here.
    Any,
    /// Simple content.
    Simple {
        derivation: Derivation,
        base: Key,
        attributes: Vec<RawAttribute>,
    },
}

/// Everything read from a set of schema documents.
#[derive(Default)]
pub(crate) struct RawSchema {
    /// Global elements in document order: (name, type).
    pub(crate) elements: Vec<(Key, Key)>,
    pub(crate) types: HashMap<Key, RawType>,
}

/// A complex type being read.
struct TypeBuilder {
    name: String,
    particles: Vec<RawParticle>,
    any: bool,
    simple: Option<(Derivation, Key)>,
    attributes: Vec<RawAttribute>,
}

/// The reading state of one schema document.
struct XsdReader<'a> {
    file: &'a str,
    raw: &'a mut RawSchema,
    target: String,
    prefixes: HashMap<String, String>,
    depth: usize,
    skip_depth: usize,
    in_sequence: bool,
    current: Option<TypeBuilder>,
}

impl RawSchema {
    /// Reads the schema document `text` (named `file` in errors).
    pub(crate) fn read(&mut self, file: &str, text: &str) -> Result<(), String> {
        let mut state = XsdReader {
            file,
            raw: self,
            target: String::new(),
            prefixes: HashMap::new(),
            depth: 0,
            skip_depth: 0,
            in_sequence: false,
            current: None,
        };
        let mut reader = Reader::from_str(text);
        loop {
            match reader.read_event() {
                Ok(Event::Start(start)) => {
                    state.open(&start)?;
                    state.depth += 1;
                }
                Ok(Event::Empty(start)) => {
                    state.open(&start)?;
                    state.close(start.local_name().as_ref())?;
                }
                Ok(Event::End(end)) => {
                    state.depth -= 1;
                    state.close(end.local_name().as_ref())?;
                }
                Ok(Event::Eof) => return Ok(()),
                Ok(_) => {}
                Err(error) => return Err(format!("{file}: {error}")),
            }
        }
    }
}

impl XsdReader<'_> {
    fn open(&mut self, start: &BytesStart<'_>) -> Result<(), String> {
        if self.skip_depth > 0 {
            self.skip_depth += 1;
            return Ok(());
        }
        let attributes = self.attributes(start)?;
        let get = |name: &str| attributes.get(name).map(String::as_str);
        let local = start.local_name();
        match local.as_ref() {
            "annotation" => self.skip_depth = 1,
            "schema" => {
                self.target = get("targetNamespace").unwrap_or_default().to_owned();
                for (name, value) in &attributes {
                    if name == "xmlns" {
                        self.prefixes.insert(String::new(), value.clone());
                    } else if let Some(prefix) = name.strip_prefix("xmlns:") {
                        self.prefixes.insert(prefix.to_owned(), value.clone());
                    }
                }
            }
            "import" | "include" | "simpleContent" => {}
            "element" if self.depth == 1 => {
                let name = self.required(get("name"), "element/@name")?;
                let datatype = self.resolve(self.required(get("type"), "element/@type")?)?;
                let key = (self.target.clone(), name.to_owned());
                self.raw.elements.push((key, datatype));
            }
            "element" if self.in_sequence => {
                let element = self.resolve(self.required(get("ref"), "element/@ref")?)?;
                let min = self.occurs(get("minOccurs"))?;
                let max = self.occurs(get("maxOccurs"))?;
                self.builder()?
                    .particles
                    .push(RawParticle { element, min, max });
            }
            "complexType" if self.depth == 1 => {
                let name = self.required(get("name"), "complexType/@name")?.to_owned();
                self.current = Some(TypeBuilder {
                    name,
                    particles: Vec::new(),
                    any: false,
                    simple: None,
                    attributes: Vec::new(),
                });
            }
            "sequence" => {
                self.builder()?;
                self.in_sequence = true;
            }
            "any" if self.in_sequence => self.builder()?.any = true,
            derivation @ ("extension" | "restriction") => {
                let derivation = if derivation == "extension" {
                    Derivation::Extension
                } else {
                    Derivation::Restriction
                };
                let base = self.resolve(self.required(get("base"), "@base")?)?;
                self.builder()?.simple = Some((derivation, base));
            }
            "attribute" => {
                let name = self.required(get("name"), "attribute/@name")?.to_owned();
                let datatype = self.resolve(self.required(get("type"), "attribute/@type")?)?;
                let usage = match get("use") {
                    None | Some("optional") => Usage::Optional,
                    Some("required") => Usage::Required,
                    Some("prohibited") => Usage::Prohibited,
                    Some(other) => {
                        return Err(format!("{}: unknown attribute use {other:?}", self.file));
                    }
                };
                self.builder()?.attributes.push(RawAttribute {
                    name,
                    datatype,
                    usage,
                });
            }
            other => {
                return Err(format!(
                    "{}: unsupported schema construct xsd:{other}",
                    self.file
                ));
            }
        }
        Ok(())
    }

    fn close(&mut self, local: &str) -> Result<(), String> {
        if self.skip_depth > 0 {
            self.skip_depth -= 1;
            return Ok(());
        }
        match local {
            "sequence" => self.in_sequence = false,
            "complexType" => {
                let builder = self.current.take().ok_or_else(|| {
                    format!("{}: unexpected end of a nested complexType", self.file)
                })?;
                let raw_type = match (builder.simple, builder.any) {
                    (Some((derivation, base)), _) => RawType::Simple {
                        derivation,
                        base,
                        attributes: builder.attributes,
                    },
                    (None, true) => RawType::Any,
                    (None, false) => RawType::Sequence(builder.particles),
                };
                let key = (self.target.clone(), builder.name);
                if self.raw.types.insert(key, raw_type).is_some() {
                    return Err(format!("{}: complex type declared twice", self.file));
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn attributes(&self, start: &BytesStart<'_>) -> Result<HashMap<String, String>, String> {
        let mut attributes = HashMap::new();
        for attribute in start.attributes() {
            let attribute = attribute.map_err(|error| format!("{}: {error}", self.file))?;
            let value = attribute
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|error| format!("{}: {error}", self.file))?;
            attributes.insert(attribute.key.as_ref().to_owned(), value.into_owned());
        }
        Ok(attributes)
    }

    fn builder(&mut self) -> Result<&mut TypeBuilder, String> {
        let file = self.file;
        self.current
            .as_mut()
            .ok_or_else(|| format!("{file}: content model outside a named complexType"))
    }

    fn required<'v>(&self, value: Option<&'v str>, what: &str) -> Result<&'v str, String> {
        value.ok_or_else(|| format!("{}: {what} is missing", self.file))
    }

    fn occurs(&self, value: Option<&str>) -> Result<u32, String> {
        match value {
            None => Ok(1),
            Some("unbounded") => Ok(UNBOUNDED),
            Some(number) => number
                .parse()
                .map_err(|_| format!("{}: bad occurrence {number:?}", self.file)),
        }
    }

    /// Resolves a QName written in an attribute value with the schema document's prefixes.
    fn resolve(&self, qname: &str) -> Result<Key, String> {
        let (prefix, local) = qname.split_once(':').unwrap_or(("", qname));
        let namespace = self
            .prefixes
            .get(prefix)
            .ok_or_else(|| format!("{}: undeclared prefix in {qname:?}", self.file))?;
        Ok((namespace.clone(), local.to_owned()))
    }
}
