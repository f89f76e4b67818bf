//! How an original's bytes sit in `archive_entries.content`: compressed (zlib) when the database keeps them,
//! absent when the object store does; read back exactly as received, bounded by the recorded size.

use std::io::{Read, Write};

use flate2::Compression;

use crate::chain::content_sha256;
use crate::writer::Placement;

/// How `archive_entries.content` encodes the original (`content_encoding`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    /// The bytes as received (entries before migration 0025, and rows whose original is elsewhere).
    Identity,
    /// A zlib stream (RFC 1950) of the bytes as received.
    Zlib,
}

impl Encoding {
    /// The value of `archive_entries.content_encoding`.
    pub(crate) fn column(self) -> &'static str {
        match self {
            Encoding::Identity => "identity",
            Encoding::Zlib => "zlib",
        }
    }

    fn from_column(value: &str) -> Option<Self> {
        match value {
            "identity" => Some(Encoding::Identity),
            "zlib" => Some(Encoding::Zlib),
            _ => None,
        }
    }
}

/// A submission's original as its archive entry records it, prepared before the archive writer takes it.
#[derive(Debug, Clone)]
pub(crate) struct StoredOriginal {
    /// The SHA-256 of the bytes as received (hex), which the chain covers.
    pub(crate) sha: String,
    /// What goes into `archive_entries.content`.
    pub(crate) content: Vec<u8>,
    /// How `content` encodes the bytes.
    pub(crate) encoding: Encoding,
    /// Where the bytes are kept.
    pub(crate) placement: Placement,
}

impl StoredOriginal {
    /// Hashes `received` and, when the database is to keep it, compresses it at the fastest level: an
    /// invoice's XML shrinks to a quarter to a third of its size, and the default level takes three to four
    /// times as long for a tenth less.
    pub(crate) fn prepare(received: &[u8], placement: Placement) -> Self {
        let sha = content_sha256(received);
        let (content, encoding) = match placement {
            Placement::ObjectStore => (Vec::new(), Encoding::Identity),
            Placement::Database => (compress(received), Encoding::Zlib),
        };
        StoredOriginal {
            sha,
            content,
            encoding,
            placement,
        }
    }
}

fn compress(received: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(
        Vec::with_capacity(received.len() / 3 + 64),
        Compression::fast(),
    );
    encoder
        .write_all(received)
        .and_then(|()| encoder.finish())
        .expect("writing into a Vec cannot fail")
}

/// Why stored bytes could not be read back.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub(crate) enum Undecodable {
    /// `content_encoding` names no encoding this service writes.
    #[error("its content_encoding {0:?} is unknown")]
    UnknownEncoding(String),
    /// The bytes are not a whole zlib stream, or it holds more than the recorded size.
    #[error("its stored bytes are not a zlib stream of at most {expected} bytes ({detail})")]
    NotZlib {
        /// The recorded size.
        expected: i64,
        /// What the decoder said.
        detail: String,
    },
}

/// The original from `stored` encoded as `encoding`; at most `size_bytes` (the recorded size, which the chain
/// covers), so that forged bytes cannot make the reader inflate without bound.
pub(crate) fn decode(
    encoding: &str,
    stored: Vec<u8>,
    size_bytes: i64,
) -> Result<Vec<u8>, Undecodable> {
    match Encoding::from_column(encoding) {
        Some(Encoding::Identity) => Ok(stored),
        Some(Encoding::Zlib) => {
            let limit = u64::try_from(size_bytes).unwrap_or(0);
            let not_zlib = |detail: String| Undecodable::NotZlib {
                expected: size_bytes,
                detail,
            };
            let mut decoder = flate2::read::ZlibDecoder::new(stored.as_slice()).take(limit + 1);
            let expected = usize::try_from(limit).unwrap_or(usize::MAX);
            let mut original = Vec::with_capacity(expected.min(stored.len().saturating_mul(16)));
            decoder
                .read_to_end(&mut original)
                .map_err(|failure| not_zlib(failure.to_string()))?;
            if original.len() as u64 > limit {
                return Err(not_zlib("it inflates past the recorded size".into()));
            }
            Ok(original)
        }
        None => Err(Undecodable::UnknownEncoding(encoding.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INVOICE: &[u8] = include_bytes!("../../../tests/fixtures/jp-pint/jp-pint-example.xml");

    #[test]
    fn an_original_kept_in_the_database_is_compressed_and_read_back_byte_for_byte() {
        let stored = StoredOriginal::prepare(INVOICE, Placement::Database);
        assert_eq!(stored.encoding, Encoding::Zlib);
        assert_eq!(stored.sha, content_sha256(INVOICE));
        assert!(
            stored.content.len() * 3 < INVOICE.len(),
            "{} bytes kept for {}",
            stored.content.len(),
            INVOICE.len()
        );
        let size = INVOICE.len() as i64;
        assert_eq!(decode("zlib", stored.content, size).unwrap(), INVOICE);
        assert_eq!(decode("identity", INVOICE.to_vec(), size).unwrap(), INVOICE);
    }

    #[test]
    fn an_original_in_the_object_store_leaves_the_row_empty() {
        let stored = StoredOriginal::prepare(INVOICE, Placement::ObjectStore);
        assert!(stored.content.is_empty());
        assert_eq!(stored.encoding, Encoding::Identity);
        assert_eq!(stored.sha, content_sha256(INVOICE));
    }

    #[test]
    fn forged_or_oversized_stored_bytes_are_refused() {
        let size = INVOICE.len() as i64;
        assert!(matches!(
            decode("zlib", b"<Invoice/>".to_vec(), size),
            Err(Undecodable::NotZlib { .. })
        ));
        let stored = StoredOriginal::prepare(INVOICE, Placement::Database).content;
        let mut cut = stored.clone();
        cut.truncate(stored.len() / 2);
        assert!(matches!(
            decode("zlib", cut, size),
            Err(Undecodable::NotZlib { .. })
        ));
        assert_eq!(
            decode("zlib", stored, size - 1),
            Err(Undecodable::NotZlib {
                expected: size - 1,
                detail: "it inflates past the recorded size".into()
            })
        );
        assert_eq!(
            decode("brotli", Vec::new(), 0),
            Err(Undecodable::UnknownEncoding("brotli".into()))
        );
    }
}
