//! Business vocabulary shared by every crate: tenants, roles, registration numbers, document kinds and the
//! summary extracted from a received document. Pure data and invariants; no IO.

pub mod clock;
pub mod document;
pub mod encoding;
pub mod finding;
pub mod ids;
pub mod money;
pub mod xml10;

pub use clock::{Clock, FixedClock, SystemClock};
pub use document::{
    DocumentKind, DocumentReference, DocumentStatus, Party, Profile, ReferenceKind, Summary,
    TaxSubtotal, Totals,
};
pub use finding::{Finding, Location, Severity};
pub use ids::{DomainError, RegistrationNumber, Role, TenantId};
pub use money::Amount;
