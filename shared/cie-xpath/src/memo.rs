//! Values shared between the expressions evaluated on one document: absolute paths that use no variable and
//! no native function do not depend on the focus, so their value is computed once per document (e.g. the
//! same `//cac:TaxCategory[...]` scan in several asserts) and kept in a [`DocumentCache`].

use foldhash::HashMap;
use std::sync::{LazyLock, PoisonError, RwLock};

use crate::ast::{Expr, Function, Path, Step};
use crate::dom::Document;
use crate::seq::Seq;

/// The values of focus-independent subexpressions computed so far for one document, shared by the
/// expressions evaluated with it (see [`crate::Expr::effective_boolean_value_in`]).
#[derive(Debug)]
pub struct DocumentCache<'d> {
    pub(crate) doc: &'d Document,
    pub(crate) values: Vec<Option<Seq>>,
}

impl<'d> DocumentCache<'d> {
    /// An empty cache for `doc`.
    pub fn new(doc: &'d Document) -> Self {
        DocumentCache {
            doc,
            values: Vec::new(),
        }
    }

    /// The document the cached values belong to.
    pub fn document(&self) -> &'d Document {
        self.doc
    }
}

/// Ids by the printed form of the (compiled) path.
static IDS: LazyLock<RwLock<HashMap<String, u32>>> = LazyLock::new(RwLock::default);

fn id_of(path: &Path) -> u32 {
    let key = format!("{path:?}");
    if let Some(&id) = IDS.read().unwrap_or_else(PoisonError::into_inner).get(&key) {
        return id;
    }
    let mut ids = IDS.write().unwrap_or_else(PoisonError::into_inner);
    let next = ids.len() as u32;
    *ids.entry(key).or_insert(next)
}

fn uses_outside_values(expr: &Expr) -> bool {
    expr.any(&mut |sub| {
        matches!(
            sub,
            Expr::Var(_)
                | Expr::Call(crate::ast::Call {
                    function: Function::Native(_),
                    ..
                })
        )
    })
}

/// Marks the focus-independent paths of an expression as shared. When such a path filters before its last
/// step (`//a[p]/b[q]`), the part up to the last filter becomes a shared path of its own, so that
/// expressions differing only after it (`//a[p]/b[q1]`, `//a[p]/b[q2]`) share the filtering.
pub(crate) fn mark(expr: &mut Expr) {
    if is_shareable(expr) {
        if let Expr::Path(path) = expr {
            share(path);
        }
        return;
    }
    expr.for_each_child_mut(&mut mark);
}

fn is_shareable(expr: &Expr) -> bool {
    matches!(expr, Expr::Path(path) if path.absolute && !path.steps.is_empty())
        && !uses_outside_values(expr)
}

fn share(path: &mut Path) {
    let filtered = path.steps[..path.steps.len() - 1]
        .iter()
        .rposition(|step| match step {
            Step::Axis(axis_step) => !axis_step.predicates.is_empty(),
            Step::Expr(_) => true,
        });
    if let Some(last_filter) = filtered {
        let rest = path.steps.split_off(last_filter + 1);
        let mut prefix = Path {
            absolute: true,
            steps: std::mem::replace(&mut path.steps, rest),
            shared: None,
        };
        prefix.shared = Some(id_of(&prefix));
        path.steps.insert(0, Step::Expr(Expr::Path(prefix)));
        path.absolute = false;
    }
    path.shared = Some(id_of(path));
}
