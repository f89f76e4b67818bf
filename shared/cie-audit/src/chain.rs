//! The per-tenant hash chain over archive entries: what an entry hash commits to, and how it is computed.

use sha2::{Digest, Sha256};

/// `prev_hash` of a tenant's first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The fields of an archive entry that its hash commits to, apart from the content (committed through
/// its SHA-256).
#[derive(Debug, Clone, Copy)]
pub struct ChainFields<'a> {
    /// The tenant (city) id.
    pub tenant: &'a str,
    /// Position in the tenant's chain, from 1.
    pub seq: i64,
    /// The previous entry's hash ([`GENESIS_HASH`] for the first).
    pub prev_hash: &'a str,
    /// When it was received, RFC 3339 in UTC with microseconds, exactly as stored.
    pub received_at: &'a str,
    /// The sending user.
    pub submitter_id: i64,
    /// The supplier organisation, if any.
    pub supplier_org_id: Option<i64>,
    /// SHA-256 (hex) of the stored bytes.
    pub content_sha256: &'a str,
    /// Bytes received in all.
    pub size_bytes: i64,
    /// Whether only the first part of an oversize body was kept.
    pub truncated: bool,
    /// `accepted` or `rejected`.
    pub outcome: &'a str,
    /// Why it was rejected.
    pub error_code: Option<&'a str>,
    /// What was wrong, in words.
    pub error_message: Option<&'a str>,
}

impl ChainFields<'_> {
    /// SHA-256 (hex) over a length-prefixed encoding of every field, so no two field lists collide.
    pub fn entry_hash(&self) -> String {
        let mut hasher = Sha256::new();
        let mut field = |value: &str| {
            hasher.update((value.len() as u64).to_be_bytes());
            hasher.update(value.as_bytes());
        };
        field("cie-archive-v1");
        field(self.tenant);
        field(&self.seq.to_string());
        field(self.prev_hash);
        field(self.received_at);
        field(&self.submitter_id.to_string());
        field(
            &self
                .supplier_org_id
                .map(|id| id.to_string())
                .unwrap_or_default(),
        );
        field(self.content_sha256);
        field(&self.size_bytes.to_string());
        field(if self.truncated { "1" } else { "0" });
        field(self.outcome);
        field(self.error_code.unwrap_or(""));
        field(self.error_message.unwrap_or(""));
        hex::encode(hasher.finalize())
    }
}

/// SHA-256 of `content`, lowercase hex.
pub fn content_sha256(content: &[u8]) -> String {
    hex::encode(Sha256::digest(content))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields<'a>(prev: &'a str, message: Option<&'a str>) -> ChainFields<'a> {
        ChainFields {
            tenant: "city",
            seq: 1,
            prev_hash: prev,
            received_at: "2026-01-01T00:00:00.000000Z",
            submitter_id: 7,
            supplier_org_id: Some(3),
            content_sha256: "ab",
            size_bytes: 2,
            truncated: false,
            outcome: "accepted",
            error_code: None,
            error_message: message,
        }
    }

    #[test]
    fn every_field_changes_the_hash() {
        let base = fields(GENESIS_HASH, None).entry_hash();
        assert_ne!(base, fields("1", None).entry_hash());
        assert_ne!(base, fields(GENESIS_HASH, Some("x")).entry_hash());
        assert_eq!(base, fields(GENESIS_HASH, None).entry_hash());
    }

    #[test]
    fn content_hash_is_sha256_hex() {
        assert_eq!(
            content_sha256(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
