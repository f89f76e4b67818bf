//! Function resolution: the built-in XPath 2.0 functions (`fn:` namespace), the native functions that callers
//! register by expanded name (for example the Schematron utility functions `u:gln`, `u:mod11`, ...), and
//! the registry that maps names to both.

use std::collections::HashMap;
use std::fmt;
use std::ops::RangeInclusive;
use std::sync::Arc;

use crate::dom::Document;
use crate::error::XPathError;
use crate::value::{Item, Value};

/// Namespace of the XPath functions (the default function namespace).
pub const FN_NAMESPACE: &str = "http://www.w3.org/2005/xpath-functions";
/// Namespace of the XML Schema types (constructor functions such as `xs:decimal(...)`).
pub const XS_NAMESPACE: &str = "http://www.w3.org/2001/XMLSchema";
/// Namespace URI of the utility functions of the PEPPOL / PINT Schematron files (`xmlns:u="utils"`).
pub const SCHEMATRON_UTILS_NAMESPACE: &str = "utils";

/// Built-in XPath functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Builtin {
    Boolean,
    Not,
    True,
    False,
    Exists,
    Empty,
    Count,
    Sum,
    Avg,
    Max,
    Min,
    String,
    Data,
    Number,
    StringLength,
    NormalizeSpace,
    Concat,
    Contains,
    StartsWith,
    EndsWith,
    Substring,
    SubstringBefore,
    SubstringAfter,
    UpperCase,
    LowerCase,
    Translate,
    Matches,
    Replace,
    Tokenize,
    StringJoin,
    Round,
    RoundHalfToEven,
    Floor,
    Ceiling,
    Abs,
    Name,
    LocalName,
    NamespaceUri,
    Position,
    Last,
    DistinctValues,
    Reverse,
    StringToCodepoints,
    CodepointsToString,
    Subsequence,
    IndexOf,
    Root,
    ZeroOrOne,
    ExactlyOne,
    OneOrMore,
    Compare,
}

impl Builtin {
    fn lookup(local: &str) -> Option<(Builtin, usize, usize)> {
        use Builtin::*;
        let many = usize::MAX;
        Some(match local {
            "boolean" => (Boolean, 1, 1),
            "not" => (Not, 1, 1),
            "true" => (True, 0, 0),
            "false" => (False, 0, 0),
            "exists" => (Exists, 1, 1),
            "empty" => (Empty, 1, 1),
            "count" => (Count, 1, 1),
            "sum" => (Sum, 1, 2),
            "avg" => (Avg, 1, 1),
            "max" => (Max, 1, 1),
            "min" => (Min, 1, 1),
            "string" => (String, 0, 1),
            "data" => (Data, 1, 1),
            "number" => (Number, 0, 1),
            "string-length" => (StringLength, 0, 1),
            "normalize-space" => (NormalizeSpace, 0, 1),
            "concat" => (Concat, 2, many),
            "contains" => (Contains, 2, 2),
            "starts-with" => (StartsWith, 2, 2),
            "ends-with" => (EndsWith, 2, 2),
            "substring" => (Substring, 2, 3),
            "substring-before" => (SubstringBefore, 2, 2),
            "substring-after" => (SubstringAfter, 2, 2),
            "upper-case" => (UpperCase, 1, 1),
            "lower-case" => (LowerCase, 1, 1),
            "translate" => (Translate, 3, 3),
            "matches" => (Matches, 2, 3),
            "replace" => (Replace, 3, 4),
            "tokenize" => (Tokenize, 2, 3),
            "string-join" => (StringJoin, 1, 2),
            "round" => (Round, 1, 1),
            "round-half-to-even" => (RoundHalfToEven, 1, 2),
            "floor" => (Floor, 1, 1),
            "ceiling" => (Ceiling, 1, 1),
            "abs" => (Abs, 1, 1),
            "name" => (Name, 0, 1),
            "local-name" => (LocalName, 0, 1),
            "namespace-uri" => (NamespaceUri, 0, 1),
            "position" => (Position, 0, 0),
            "last" => (Last, 0, 0),
            "distinct-values" => (DistinctValues, 1, 1),
            "reverse" => (Reverse, 1, 1),
            "string-to-codepoints" => (StringToCodepoints, 1, 1),
            "codepoints-to-string" => (CodepointsToString, 1, 1),
            "subsequence" => (Subsequence, 2, 3),
            "index-of" => (IndexOf, 2, 2),
            "root" => (Root, 0, 1),
            "zero-or-one" => (ZeroOrOne, 1, 1),
            "exactly-one" => (ExactlyOne, 1, 1),
            "one-or-more" => (OneOrMore, 1, 1),
            "compare" => (Compare, 2, 2),
            _ => return None,
        })
    }

    /// Whether the function never returns a number (so a predicate calling it is a boolean filter).
    pub(crate) fn returns_non_numeric(self) -> bool {
        use Builtin::*;
        matches!(
            self,
            Boolean
                | Not
                | True
                | False
                | Exists
                | Empty
                | String
                | NormalizeSpace
                | Concat
                | Contains
                | StartsWith
                | EndsWith
                | Substring
                | SubstringBefore
                | SubstringAfter
                | UpperCase
                | LowerCase
                | Translate
                | Matches
                | Replace
                | StringJoin
                | Name
                | LocalName
                | NamespaceUri
        )
    }
}

/// What a native function sees of the evaluation: the document and the context item of the call.
#[derive(Debug, Clone, Copy)]
pub struct FunctionContext<'a> {
    doc: &'a Document,
    context_item: Option<&'a Item>,
}

impl<'a> FunctionContext<'a> {
    pub(crate) fn new(doc: &'a Document, context_item: Option<&'a Item>) -> Self {
        FunctionContext { doc, context_item }
    }

    /// The document being evaluated.
    pub fn document(&self) -> &'a Document {
        self.doc
    }

    /// The context item at the call, if any.
    pub fn context_item(&self) -> Option<&'a Item> {
        self.context_item
    }

    /// The string value of an argument of at most one item (`""` for the empty sequence).
    pub fn string_argument(&self, value: &Value) -> Result<String, XPathError> {
        value.string_value(self.doc)
    }
}

/// The implementation of a native function: receives the evaluated arguments.
pub type NativeImplementation =
    dyn Fn(&FunctionContext<'_>, &[Value]) -> Result<Value, XPathError> + Send + Sync;

/// A function implemented in Rust and callable from XPath by its expanded name.
pub struct NativeFunction {
    namespace_uri: String,
    local_name: String,
    arity: RangeInclusive<usize>,
    implementation: Box<NativeImplementation>,
}

impl fmt::Debug for NativeFunction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Q{{{}}}{}#{:?}",
            self.namespace_uri, self.local_name, self.arity
        )
    }
}

impl NativeFunction {
    pub(crate) fn call(
        &self,
        context: &FunctionContext<'_>,
        args: &[Value],
    ) -> Result<Value, XPathError> {
        (self.implementation)(context, args)
    }
}

/// The functions an expression may call: the XPath built-ins and constructor functions are always there;
/// native functions are added by expanded name.
#[derive(Clone, Default)]
pub struct FunctionRegistry {
    natives: HashMap<(String, String), Arc<NativeFunction>>,
}

impl fmt::Debug for FunctionRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.natives.values()).finish()
    }
}

impl FunctionRegistry {
    /// The XPath built-in functions only.
    pub fn new() -> Self {
        FunctionRegistry::default()
    }

    /// The built-ins plus the PEPPOL / PINT Schematron utility functions in [`SCHEMATRON_UTILS_NAMESPACE`]:
    /// `gln`, `mod11`, `mod97-0208`, `checkCodiceIPA`, `checkCF`, `checkPIVAseIT`, `abn`, `slack`.
    pub fn standard() -> Self {
        let mut registry = FunctionRegistry::new();
        crate::checksums::register(&mut registry);
        registry
    }

    /// Adds (or replaces) a native function callable as `Q{namespace_uri}local_name` with a number of
    /// arguments in `arity`.
    pub fn register<F>(
        &mut self,
        namespace_uri: &str,
        local_name: &str,
        arity: RangeInclusive<usize>,
        implementation: F,
    ) where
        F: Fn(&FunctionContext<'_>, &[Value]) -> Result<Value, XPathError> + Send + Sync + 'static,
    {
        let function = NativeFunction {
            namespace_uri: namespace_uri.to_owned(),
            local_name: local_name.to_owned(),
            arity,
            implementation: Box::new(implementation),
        };
        self.natives.insert(
            (namespace_uri.to_owned(), local_name.to_owned()),
            Arc::new(function),
        );
    }

    pub(crate) fn resolve(
        &self,
        namespace_uri: &str,
        local: &str,
        arity: usize,
    ) -> Option<Resolved> {
        if namespace_uri == FN_NAMESPACE
            && let Some((builtin, min, max)) = Builtin::lookup(local)
        {
            return (min..=max)
                .contains(&arity)
                .then_some(Resolved::Builtin(builtin));
        }
        let native = self
            .natives
            .get(&(namespace_uri.to_owned(), local.to_owned()))?;
        native
            .arity
            .contains(&arity)
            .then(|| Resolved::Native(Arc::clone(native)))
    }
}

pub(crate) enum Resolved {
    Builtin(Builtin),
    Native(Arc<NativeFunction>),
}
