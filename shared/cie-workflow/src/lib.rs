//! The invoice workflow as pure rules: the lifecycle with its allowed transitions ([`lifecycle`]) and the
//! legal payment clock of 政府契約の支払遅延防止等に関する法律, applied to local governments by its art. 14
//! ([`clock`]): inspection and payment deadlines, the pause between a return and the corrected request, and
//! late interest from a table of rates with effective dates.

pub mod calendar;
pub mod clock;
pub mod lifecycle;

pub use calendar::japan_day;
pub use clock::{
    AgreedTerms, ClockEvents, ContractKind, GoverningTerms, InspectionBasis, InspectionStart,
    InterestRates, PaymentClock, PaymentTerms, TermsSource, governing_terms,
};
pub use lifecycle::{Action, InvoiceState, TransitionError};
