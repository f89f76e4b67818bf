//! Process-wide ids for the element and attribute names that compiled expressions (and callers, through
//! [`NameKey`]) test for, so that a document can resolve each of its names once and name tests become integer
//! comparisons. Only names from compiled expressions and explicit keys are interned (documents only look names
//! up), so the table stays small.

use foldhash::HashMap;
use std::sync::{LazyLock, PoisonError, RwLock};

#[derive(Default)]
struct Interner {
    by_local: HashMap<Box<str>, Vec<(Box<str>, u32)>>,
    count: u32,
}

impl Interner {
    fn get(&self, namespace_uri: &str, local_name: &str) -> Option<u32> {
        self.by_local
            .get(local_name)?
            .iter()
            .find(|(ns, _)| &**ns == namespace_uri)
            .map(|&(_, id)| id)
    }
}

static INTERNER: LazyLock<RwLock<Interner>> = LazyLock::new(RwLock::default);

/// The id of an expanded name tested by a compiled expression (assigned on first use).
pub(crate) fn intern(namespace_uri: &str, local_name: &str) -> u32 {
    if let Some(id) = INTERNER
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .get(namespace_uri, local_name)
    {
        return id;
    }
    let mut interner = INTERNER.write().unwrap_or_else(PoisonError::into_inner);
    if let Some(id) = interner.get(namespace_uri, local_name) {
        return id;
    }
    let id = interner.count;
    interner.count += 1;
    interner
        .by_local
        .entry(local_name.into())
        .or_default()
        .push((namespace_uri.into(), id));
    id
}

/// The id of an expanded name, if one was assigned (nothing is assigned here).
pub(crate) fn lookup(namespace_uri: &str, local_name: &str) -> Option<u32> {
    INTERNER
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .get(namespace_uri, local_name)
}

/// Resolves a document's expanded names: the number of ids assigned so far, and the id of each name
/// (`u32::MAX` when no expression tests for it). A name test whose id is below that number can be decided by
/// comparing ids.
pub(crate) fn resolve<'n>(names: impl Iterator<Item = (&'n str, &'n str)>) -> (u32, Vec<u32>) {
    let interner = INTERNER.read().unwrap_or_else(PoisonError::into_inner);
    let ids = names
        .map(|(ns, local)| interner.get(ns, local).unwrap_or(u32::MAX))
        .collect();
    (interner.count, ids)
}

/// A process-wide key for an expanded name (namespace URI + local name), for callers that dispatch on element
/// names: compare it with [`crate::Document::name_key`] instead of comparing strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NameKey(u32);

impl NameKey {
    /// The key of an expanded name (assigned on first use; intern keys before parsing the documents they are
    /// compared with).
    pub fn intern(namespace_uri: &str, local_name: &str) -> NameKey {
        NameKey(intern(namespace_uri, local_name))
    }

    /// A small dense number, usable as an index.
    pub fn index(self) -> usize {
        self.0 as usize
    }

    pub(crate) fn from_id(id: u32) -> NameKey {
        NameKey(id)
    }
}
