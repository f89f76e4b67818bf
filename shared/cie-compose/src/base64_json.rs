//! How attachment bytes travel in JSON: a base64 string (RFC 4648, standard alphabet, padded, no line
//! breaks), the form `xs:base64Binary` writes them in too.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Serializer;
use serde::de::{self, Deserialize, Deserializer};

/// The bytes in base64.
pub(crate) fn encode(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// Serialises bytes as a base64 string.
pub(crate) fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&encode(bytes))
}

/// Reads bytes from a base64 string.
pub(crate) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
    let text = String::deserialize(deserializer)?;
    STANDARD
        .decode(text.as_bytes())
        .map_err(|error| de::Error::custom(format!("not base64 (RFC 4648, padded): {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_other_alphabets() {
        assert_eq!(encode("請求".as_bytes()), "6KuL5rGC");
        let mut json = serde_json::Deserializer::from_str("\"6KuL5rGC\"");
        assert_eq!(deserialize(&mut json).expect("base64"), "請求".as_bytes());
        let mut json = serde_json::Deserializer::from_str("\"6KuL5rGC-_\"");
        assert!(deserialize(&mut json).is_err());
    }
}
