//! The invoice workflow as pure rules: the lifecycle with its allowed transitions ([`lifecycle`]) and the
//! legal payment clock of 政府契約の支払遅延防止等に関する法律, applied to local governments by its art. 14
//! ([`clock`]): inspection and payment deadlines, the pause between a return and the corrected request, and
//! late interest from a table of rates with effective dates, and what a case keeps of it ([`deadlines`]); the checks on what each step records
//! ([`steps`]), which invoice response it sends ([`responses`]), and the city's calendar ([`calendar`]).

pub mod calendar;
pub mod clock;
pub mod deadlines;
pub mod lifecycle;
pub mod responses;
pub mod steps;

pub use calendar::japan_day;
pub use clock::{
    AgreedTerms, ClockEvents, ContractKind, GoverningTerms, InspectionBasis, InspectionStart,
    InterestRates, PaymentClock, PaymentTerms, TermsSource, governing_terms,
};
pub use deadlines::StoredDeadlines;
pub use lifecycle::{Action, InvoiceState, TransitionError};
pub use responses::{response_status, return_reason, return_reason_codes};
pub use steps::{
    ApprovalChecklist, DateContext, LateAcknowledgement, PAYMENT_METHODS, PlannedPayment,
    ReturnReason, StepError, check_checklist, check_fiscal_year, check_return, fiscal_year_of,
};
