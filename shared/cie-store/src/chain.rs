//! The per-tenant hash chain over archive entries. The formula lives in `cie-audit`, so that the offline
//! check of a tax-office package (`cie-server verify-export`) computes exactly what the store does.

pub(crate) use cie_audit::chain::{ChainFields, GENESIS_HASH, content_sha256};
