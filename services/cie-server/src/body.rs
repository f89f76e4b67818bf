//! A document body as the transport delivered it, before any use case reads it.

/// A request body as read from the wire.
#[derive(Debug)]
pub struct ReceivedBody {
    /// The bytes read (only the first `max_body_bytes` when `truncated`).
    pub bytes: Vec<u8>,
    /// Bytes received in all.
    pub size: u64,
    /// Whether the body was longer than the transport limit.
    pub truncated: bool,
}
