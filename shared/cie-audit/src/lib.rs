//! The archive's hash chain and the tax-office package (電子帳簿保存法 audit export), with no IO: what an
//! entry hash commits to ([`chain`]), how the package is laid out ([`package`]), and how a package is checked
//! offline against its own chain segment ([`verify`]), and the keyed seals and signed checkpoints that a
//! database administrator cannot forge ([`seal`]). The store computes entry hashes with [`chain`]; the
//! server writes packages with [`package`]; `cie-server verify-export` reads a ZIP and calls [`verify`].

pub mod chain;
pub mod package;
pub mod seal;
pub mod verify;

pub use chain::{ChainFields, GENESIS_HASH, content_sha256};
pub use package::{ChainEntry, ChainFile, ChainHead, IndexRow};
pub use seal::{Checkpoint, SealError, SealKey, SignedCheckpoint};
pub use verify::{OriginalFile, Problem, Report, verify};
