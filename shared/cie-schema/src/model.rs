//! The compiled content model of UBL 2.1 invoices and credit notes: for every global element (by
//! namespace and local name) its child sequence, or its simple content type and attributes. Built
//! once, on first use, from the OASIS runtime schemas embedded in the binary.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::LazyLock;

use crate::SchemaError;
use crate::datatype::DataType;
use crate::xsd::{Derivation, Key, RawSchema, RawType, Usage, XSD};

/// Index of an element declaration in [`Model::elements`].
pub(crate) type ElemId = u32;

/// One element of a sequence with its occurrence bounds ([`crate::xsd::UNBOUNDED`] for
/// `unbounded`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Particle {
    pub(crate) element: ElemId,
    pub(crate) min: u32,
    pub(crate) max: u32,
}

/// An attribute of a basic component.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct AttributeDecl {
    pub(crate) name: Box<str>,
    pub(crate) required: bool,
    pub(crate) datatype: DataType,
}

/// What an element may contain.
#[derive(Debug)]
pub(crate) enum Content {
    /// Child elements only, in this sequence (no element twice); no attributes.
    Elements(Box<[Particle]>),
    /// Text of a data type, with attributes.
    Simple {
        datatype: DataType,
        attributes: Box<[AttributeDecl]>,
    },
    /// Anything (`xsd:any`, extension content): not validated.
    Any,
}

/// A global element declaration.
#[derive(Debug)]
pub(crate) struct ElementDecl {
    /// Local name.
    pub(crate) local: Box<str>,
    /// Name with the conventional UBL prefix, as used in messages: `cbc:ID`, `cac:Party`.
    pub(crate) display: Box<str>,
    content: u32,
}

/// The compiled model.
#[derive(Debug)]
pub(crate) struct Model {
    namespaces: Vec<Box<str>>,
    by_name: Vec<HashMap<Box<str>, ElemId, BuildHasherDefault<FxHasher>>>,
    elements: Vec<ElementDecl>,
    contents: Vec<Content>,
}

/// The document kinds checked, by root element name: each in its own namespace
/// `urn:oasis:names:specification:ubl:schema:xsd:<name>-2`.
const ROOTS: [&str; 12] = [
    "Invoice",
    "CreditNote",
    "ApplicationResponse",
    "DespatchAdvice",
    "Order",
    "OrderCancellation",
    "OrderChange",
    "OrderResponse",
    "OrderResponseSimple",
    "Quotation",
    "ReceiptAdvice",
    "RequestForQuotation",
];

/// Whether `namespace` is the own namespace of one of the document kinds checked.
fn is_document_namespace(namespace: &str) -> bool {
    namespace
        .strip_prefix("urn:oasis:names:specification:ubl:schema:xsd:")
        .and_then(|rest| rest.strip_suffix("-2"))
        .is_some_and(|kind| ROOTS.contains(&kind))
}

/// The conventional prefix of each namespace of components that declares elements (the documents' own
/// namespaces have none).
const PREFIXES: [(&str, &str); 3] = [
    (
        "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
        "cac",
    ),
    (
        "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
        "cbc",
    ),
    (
        "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2",
        "ext",
    ),
];

macro_rules! ubl_schema {
    ($path:literal) => {
        (
            $path,
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../schemas/ubl-2.1/",
                $path
            )),
        )
    };
}

/// The schema documents the model is compiled from. The signature schemas are not needed: they only
/// apply inside extension content, which is not validated.
const SOURCES: [(&str, &str); 18] = [
    ubl_schema!("maindoc/UBL-Invoice-2.1.xsd"),
    ubl_schema!("maindoc/UBL-CreditNote-2.1.xsd"),
    ubl_schema!("maindoc/UBL-ApplicationResponse-2.1.xsd"),
    ubl_schema!("maindoc/UBL-DespatchAdvice-2.1.xsd"),
    ubl_schema!("maindoc/UBL-Order-2.1.xsd"),
    ubl_schema!("maindoc/UBL-OrderCancellation-2.1.xsd"),
    ubl_schema!("maindoc/UBL-OrderChange-2.1.xsd"),
    ubl_schema!("maindoc/UBL-OrderResponse-2.1.xsd"),
    ubl_schema!("maindoc/UBL-OrderResponseSimple-2.1.xsd"),
    ubl_schema!("maindoc/UBL-Quotation-2.1.xsd"),
    ubl_schema!("maindoc/UBL-ReceiptAdvice-2.1.xsd"),
    ubl_schema!("maindoc/UBL-RequestForQuotation-2.1.xsd"),
    ubl_schema!("common/UBL-CommonAggregateComponents-2.1.xsd"),
    ubl_schema!("common/UBL-CommonBasicComponents-2.1.xsd"),
    ubl_schema!("common/UBL-CommonExtensionComponents-2.1.xsd"),
    ubl_schema!("common/UBL-ExtensionContentDataType-2.1.xsd"),
    ubl_schema!("common/UBL-UnqualifiedDataTypes-2.1.xsd"),
    ubl_schema!("common/CCTS_CCT_SchemaModule-2.1.xsd"),
];

static MODEL: LazyLock<Result<Model, String>> = LazyLock::new(|| {
    let mut raw = RawSchema::default();
    for (file, text) in SOURCES {
        raw.read(file, text)?;
    }
    Model::compile(&raw)
});

/// The model, compiled on first use.
pub(crate) fn model() -> Result<&'static Model, SchemaError> {
    MODEL
        .as_ref()
        .map_err(|error| SchemaError::Model(error.clone()))
}

impl Model {
    /// The element `local` in namespace `namespace`, if UBL 2.1 declares it.
    pub(crate) fn lookup(&self, namespace: &str, local: &str) -> Option<ElemId> {
        self.lookup_in(self.namespace_index(namespace)?, local)
    }

    /// The model's index of `namespace`, if UBL 2.1 declares elements in it.
    pub(crate) fn namespace_index(&self, namespace: &str) -> Option<u16> {
        let index = self.namespaces.iter().position(|ns| &**ns == namespace)?;
        u16::try_from(index).ok()
    }

    /// The element `local` in the namespace with model index `namespace`.
    pub(crate) fn lookup_in(&self, namespace: u16, local: &str) -> Option<ElemId> {
        self.by_name[usize::from(namespace)].get(local).copied()
    }

    /// The root element `local` in `namespace` if it is one of the document kinds checked ([`ROOTS`]).
    pub(crate) fn root(&self, namespace: &str, local: &str) -> Option<ElemId> {
        let kind = namespace
            .strip_prefix("urn:oasis:names:specification:ubl:schema:xsd:")?
            .strip_suffix("-2")?;
        (kind == local && ROOTS.contains(&local))
            .then(|| self.lookup(namespace, local))
            .flatten()
    }

    pub(crate) fn element(&self, id: ElemId) -> &ElementDecl {
        &self.elements[id as usize]
    }

    pub(crate) fn content(&self, id: ElemId) -> &Content {
        &self.contents[self.element(id).content as usize]
    }

    /// Number of element declarations.
    #[cfg(test)]
    fn element_count(&self) -> usize {
        self.elements.len()
    }

    fn compile(raw: &RawSchema) -> Result<Model, String> {
        let mut compiler = Compiler {
            raw,
            model: Model {
                namespaces: Vec::new(),
                by_name: Vec::new(),
                elements: Vec::new(),
                contents: Vec::new(),
            },
            complex: HashMap::new(),
            simple: HashMap::new(),
        };
        for ((namespace, local), _) in &raw.elements {
            let prefix = PREFIXES
                .iter()
                .find(|(uri, _)| uri == namespace)
                .map(|(_, prefix)| *prefix)
                .or_else(|| is_document_namespace(namespace).then_some(""))
                .ok_or_else(|| format!("elements declared in unexpected namespace {namespace}"))?;
            let ns = compiler.namespace(namespace)?;
            let id = ElemId::try_from(compiler.model.elements.len())
                .map_err(|_| "too many elements".to_owned())?;
            let display = if prefix.is_empty() {
                local.clone()
            } else {
                format!("{prefix}:{local}")
            };
            compiler.model.elements.push(ElementDecl {
                local: local.as_str().into(),
                display: display.into(),
                content: 0,
            });
            if compiler.model.by_name[usize::from(ns)]
                .insert(local.as_str().into(), id)
                .is_some()
            {
                return Err(format!("element {namespace} {local} declared twice"));
            }
        }
        for (index, (_, type_name)) in raw.elements.iter().enumerate() {
            let content = compiler.content(type_name)?;
            compiler.model.elements[index].content = content;
        }
        Ok(compiler.model)
    }
}

/// The multiply-rotate hash of rustc (`FxHasher`): element names are short and not chosen by an
/// attacker (the table is fixed), so a fast hash is safe here.
#[derive(Default)]
struct FxHasher {
    hash: u64,
}

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

/// State while compiling: contents are shared between elements of the same complex type and between
/// simple types with the same data type and attributes.
struct Compiler<'r> {
    raw: &'r RawSchema,
    model: Model,
    complex: HashMap<&'r Key, u32>,
    simple: HashMap<(DataType, Vec<AttributeDecl>), u32>,
}

impl<'r> Compiler<'r> {
    fn namespace(&mut self, uri: &str) -> Result<u16, String> {
        if let Some(index) = self.model.namespaces.iter().position(|ns| &**ns == uri) {
            return u16::try_from(index).map_err(|_| "too many namespaces".to_owned());
        }
        self.model.namespaces.push(uri.into());
        self.model.by_name.push(HashMap::default());
        u16::try_from(self.model.namespaces.len() - 1).map_err(|_| "too many namespaces".to_owned())
    }

    fn content(&mut self, type_name: &'r Key) -> Result<u32, String> {
        if let Some(&index) = self.complex.get(type_name) {
            return Ok(index);
        }
        let raw_type = self.raw_type(type_name)?;
        let index = match raw_type {
            RawType::Sequence(particles) => {
                let particles = particles
                    .iter()
                    .map(|particle| {
                        let (namespace, local) = &particle.element;
                        let element = self.model.lookup(namespace, local).ok_or_else(|| {
                            format!(
                                "{} refers to undeclared element {namespace} {local}",
                                type_name.1
                            )
                        })?;
                        Ok(Particle {
                            element,
                            min: particle.min,
                            max: particle.max,
                        })
                    })
                    .collect::<Result<Box<[Particle]>, String>>()?;
                for (index, particle) in particles.iter().enumerate() {
                    if particles[..index]
                        .iter()
                        .any(|earlier| earlier.element == particle.element)
                    {
                        return Err(format!(
                            "{} has element {} twice in its sequence",
                            type_name.1,
                            self.model.element(particle.element).display
                        ));
                    }
                }
                self.push(Content::Elements(particles))?
            }
            RawType::Any => self.push(Content::Any)?,
            RawType::Simple { .. } => {
                let simple = self.simple(type_name)?;
                if let Some(&index) = self.simple.get(&simple) {
                    index
                } else {
                    let (datatype, attributes) = simple.clone();
                    let index = self.push(Content::Simple {
                        datatype,
                        attributes: attributes.into(),
                    })?;
                    self.simple.insert(simple, index);
                    index
                }
            }
        };
        self.complex.insert(type_name, index);
        Ok(index)
    }

    /// The data type and attributes of the simple content type `type_name`, following its
    /// derivation chain down to a built-in type.
    fn simple(&self, type_name: &Key) -> Result<(DataType, Vec<AttributeDecl>), String> {
        let (namespace, local) = type_name;
        if namespace == XSD {
            let datatype = DataType::builtin(local)
                .ok_or_else(|| format!("unsupported built-in type xsd:{local}"))?;
            return Ok((datatype, Vec::new()));
        }
        let RawType::Simple {
            derivation,
            base,
            attributes: own,
        } = self.raw_type(type_name)?
        else {
            return Err(format!("{local} is used as a simple type but is not one"));
        };
        let (datatype, mut attributes) = self.simple(base)?;
        for attribute in own {
            let (type_ns, type_local) = &attribute.datatype;
            let attribute_type = DataType::builtin(type_local)
                .filter(|_| type_ns == XSD)
                .ok_or_else(|| format!("unsupported attribute type {type_ns} {type_local}"))?;
            let existing = attributes
                .iter()
                .position(|known| *known.name == *attribute.name);
            if attribute.usage == Usage::Prohibited {
                if let Some(index) = existing {
                    attributes.remove(index);
                }
                continue;
            }
            let declared = AttributeDecl {
                name: attribute.name.as_str().into(),
                required: attribute.usage == Usage::Required,
                datatype: attribute_type,
            };
            match (existing, derivation) {
                (Some(index), Derivation::Restriction) => attributes[index] = declared,
                (Some(_), Derivation::Extension) => {
                    return Err(format!("{local} redeclares attribute {}", attribute.name));
                }
                (None, _) => attributes.push(declared),
            }
        }
        if attributes.len() > 64 {
            return Err(format!("{local} has more than 64 attributes"));
        }
        Ok((datatype, attributes))
    }

    fn raw_type(&self, type_name: &Key) -> Result<&'r RawType, String> {
        self.raw
            .types
            .get(type_name)
            .ok_or_else(|| format!("undeclared type {} {}", type_name.0, type_name.1))
    }

    fn push(&mut self, content: Content) -> Result<u32, String> {
        self.model.contents.push(content);
        u32::try_from(self.model.contents.len() - 1).map_err(|_| "too many types".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::{Content, model};
    use crate::datatype::DataType;
    use crate::xsd::UNBOUNDED;

    const CBC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";
    const CAC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";

    #[test]
    fn compiles_the_invoice_model() {
        let model = model().expect("model compiles");
        assert!(model.element_count() > 1500);
        let invoice = model
            .root(
                "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
                "Invoice",
            )
            .expect("Invoice is a root");
        let Content::Elements(particles) = model.content(invoice) else {
            panic!("Invoice has element content");
        };
        let names: Vec<_> = particles
            .iter()
            .map(|particle| &*model.element(particle.element).display)
            .collect();
        assert_eq!(
            names[..3],
            [
                "ext:UBLExtensions",
                "cbc:UBLVersionID",
                "cbc:CustomizationID"
            ]
        );
        let last = particles.last().expect("particles");
        assert_eq!(&*model.element(last.element).display, "cac:InvoiceLine");
        assert_eq!((last.min, last.max), (1, UNBOUNDED));
        assert!(model.root(CBC, "ID").is_none());
    }

    #[test]
    fn amounts_require_a_currency() {
        let model = model().expect("model compiles");
        let amount = model.lookup(CBC, "PayableAmount").expect("declared");
        let Content::Simple {
            datatype,
            attributes,
        } = model.content(amount)
        else {
            panic!("PayableAmount has simple content");
        };
        assert_eq!(*datatype, DataType::Decimal);
        let names: Vec<_> = attributes
            .iter()
            .map(|attribute| (&*attribute.name, attribute.required))
            .collect();
        assert_eq!(
            names,
            [("currencyID", true), ("currencyCodeListVersionID", false)]
        );
        let date = model.lookup(CBC, "IssueDate").expect("declared");
        assert!(matches!(
            model.content(date),
            Content::Simple { datatype: DataType::Date, attributes } if attributes.is_empty()
        ));
        assert!(model.lookup(CAC, "ID").is_none());
    }
}
