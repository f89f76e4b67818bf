//! A document body as the transport delivered it, before any use case reads it: kept whole up to the
//! document limit, else only its first bytes with the size and SHA-256 of all of it; the kept bytes hold a
//! share of the server's memory budget for bodies until the body is dropped.

use bytes::Bytes;
use tokio::sync::OwnedSemaphorePermit;

/// A request body as read from the wire.
#[derive(Debug)]
pub struct ReceivedBody {
    /// The bytes kept: all of them, or only the first `limits.refused_keep_bytes` when `truncated`. Shared
    /// (not copied) with the parsed document while the rules read it.
    pub bytes: Bytes,
    /// Bytes received in all (when not `complete`, as many as were read before reading stopped).
    pub size: u64,
    /// Whether only the first part is kept (the body was larger than a document may be).
    pub truncated: bool,
    /// SHA-256 (hex) of every byte received, when `truncated`.
    pub sha256: Option<String>,
    /// Whether the body was read to its end (false past `limits.max_body_bytes`).
    pub complete: bool,
    /// The memory-budget share of `bytes`.
    pub budget: Option<OwnedSemaphorePermit>,
}

impl ReceivedBody {
    /// A body already in memory (a document the city issues, a test), outside the budget.
    pub fn whole(bytes: Vec<u8>) -> ReceivedBody {
        ReceivedBody {
            size: bytes.len() as u64,
            bytes: Bytes::from(bytes),
            truncated: false,
            sha256: None,
            complete: true,
            budget: None,
        }
    }

    /// Keeps only the first `keep` bytes (a body refused whole), recording the digest of all of them.
    pub fn keep_first(&mut self, keep: usize) {
        if self.truncated || self.bytes.len() <= keep {
            return;
        }
        self.sha256 = Some(cie_audit::content_sha256(&self.bytes));
        self.bytes = Bytes::copy_from_slice(&self.bytes[..keep]);
        self.truncated = true;
        self.budget = None;
    }

    /// The size in words: "123 bytes", or "at least 123 bytes" when reading stopped early.
    pub fn size_in_words(&self) -> String {
        if self.complete {
            format!("{} bytes", self.size)
        } else {
            format!("at least {} bytes", self.size)
        }
    }

    /// What was kept of a truncated body, for its archive entry.
    pub fn kept_in_words(&self) -> String {
        match &self.sha256 {
            Some(sha) if self.complete => format!(
                "its SHA-256 is {sha} and only its first {} bytes are kept",
                self.bytes.len()
            ),
            Some(sha) => format!(
                "the SHA-256 of what was read is {sha} and only its first {} bytes are kept",
                self.bytes.len()
            ),
            None => format!("only its first {} bytes are kept", self.bytes.len()),
        }
    }
}
