//! What callers supply around an expression: namespace bindings for compilation and variable values for
//! evaluation.

use std::collections::HashMap;

use crate::functions::{FN_NAMESPACE, XS_NAMESPACE};
use crate::value::Value;

/// Prefix → namespace URI bindings used to compile expressions. `xs`, `fn` and `xml` are predeclared;
/// unprefixed element names are in no namespace, unprefixed function names in the `fn` namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Namespaces {
    bindings: HashMap<String, String>,
}

impl Default for Namespaces {
    fn default() -> Self {
        Namespaces::new()
    }
}

impl Namespaces {
    /// The predeclared bindings only.
    pub fn new() -> Self {
        let mut bindings = HashMap::new();
        bindings.insert("xs".to_owned(), XS_NAMESPACE.to_owned());
        bindings.insert("fn".to_owned(), FN_NAMESPACE.to_owned());
        bindings.insert(
            "xml".to_owned(),
            "http://www.w3.org/XML/1998/namespace".to_owned(),
        );
        Namespaces { bindings }
    }

    /// Adds a binding (builder style).
    pub fn with(mut self, prefix: &str, uri: &str) -> Self {
        self.insert(prefix, uri);
        self
    }

    /// Adds or replaces a binding.
    pub fn insert(&mut self, prefix: &str, uri: &str) {
        self.bindings.insert(prefix.to_owned(), uri.to_owned());
    }

    /// The URI bound to a prefix.
    pub fn get(&self, prefix: &str) -> Option<&str> {
        self.bindings.get(prefix).map(String::as_str)
    }
}

/// Values of the external variables (`$name`) an expression may reference.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Variables {
    values: HashMap<String, Value>,
}

impl Variables {
    /// No variables.
    pub fn new() -> Self {
        Variables::default()
    }

    /// Sets a variable (name without `$`; a prefixed name is matched as written).
    pub fn set(&mut self, name: &str, value: Value) {
        self.values.insert(name.to_owned(), value);
    }

    /// Sets a variable (builder style).
    pub fn with(mut self, name: &str, value: Value) -> Self {
        self.set(name, value);
        self
    }

    /// Sets a variable and hands back the value it replaces, so a scope can restore it.
    pub fn replace(&mut self, name: &str, value: Value) -> Option<Value> {
        self.values.insert(name.to_owned(), value)
    }

    /// Removes a variable, handing back its value.
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        self.values.remove(name)
    }

    /// The value of a variable.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.values.get(name)
    }
}
