//! Seals: keyed hashes that someone with write access to the database cannot recompute, and signed
//! checkpoints of each tenant's chain heads, kept outside the database.
//!
//! One 32-byte secret (from the data directory or the environment, never the database) gives two keys:
//! an HMAC-SHA256 key that seals each archive entry (chained, so no entry can be rewritten, inserted or
//! removed without breaking every later seal), each document summary, each verdict and each audit-log row
//! (chained per tenant), and an Ed25519 key that signs checkpoints. A checkpoint names the last archive
//! entry and audit row of a tenant with their seals; a database put back to an earlier state (the tail
//! deleted and the head moved back) no longer reaches the last checkpoint. The public key lets anyone
//! check a checkpoint's signature without being able to make one.

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// Why a secret, a public key or a checkpoint line could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SealError {
    /// The secret is not 64 hex digits.
    #[error("the sealing key must be 64 hexadecimal digits (32 bytes)")]
    BadSecret,
    /// The public key is not 64 hex digits of a valid Ed25519 point.
    #[error("the public key must be 64 hexadecimal digits of an Ed25519 key")]
    BadPublicKey,
    /// A checkpoint line does not have the expected fields.
    #[error("checkpoint line {line}: {reason}")]
    BadCheckpoint {
        /// 1-based line number in its file.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
}

/// The sealing secret and the keys derived from it.
#[derive(Clone)]
pub struct SealKey {
    mac_key: [u8; 32],
    signing: SigningKey,
}

impl std::fmt::Debug for SealKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealKey")
            .field("public", &self.public_hex())
            .finish_non_exhaustive()
    }
}

fn derive(label: &str, secret: &[u8; 32]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(label.as_bytes());
    hasher.update(secret);
    hasher.finalize().into()
}

impl SealKey {
    /// The keys of a 32-byte secret.
    pub fn from_secret(secret: [u8; 32]) -> SealKey {
        SealKey {
            mac_key: derive("cie-seal-hmac-v1", &secret),
            signing: SigningKey::from_bytes(&derive("cie-seal-ed25519-v1", &secret)),
        }
    }

    /// The keys of a secret written as 64 hex digits (surrounding white space ignored).
    pub fn from_hex(text: &str) -> Result<SealKey, SealError> {
        let bytes = hex::decode(text.trim()).map_err(|_| SealError::BadSecret)?;
        let secret: [u8; 32] = bytes.try_into().map_err(|_| SealError::BadSecret)?;
        Ok(SealKey::from_secret(secret))
    }

    /// The Ed25519 public key that checks this key's checkpoints, as 64 hex digits.
    pub fn public_hex(&self) -> String {
        hex::encode(self.signing.verifying_key().to_bytes())
    }

    /// The seal of `parts` (length-prefixed, so no two part lists collide), hex HMAC-SHA256.
    pub fn seal(&self, parts: &[&str]) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.mac_key)
            .expect("HMAC takes any key length");
        for part in parts {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part.as_bytes());
        }
        hex::encode(mac.finalize().into_bytes())
    }

    /// The seal of an archive entry: its hash and the seal of the entry before it (empty for the
    /// first sealed entry of a chain).
    pub fn entry_seal(&self, tenant: &str, seq: i64, entry_hash: &str, prev_seal: &str) -> String {
        self.seal(&["archive", tenant, &seq.to_string(), entry_hash, prev_seal])
    }

    /// Signs `checkpoint`.
    pub fn sign(&self, checkpoint: &Checkpoint) -> SignedCheckpoint {
        let signature = self.signing.sign(checkpoint.message().as_bytes());
        SignedCheckpoint {
            checkpoint: checkpoint.clone(),
            signature: hex::encode(signature.to_bytes()),
        }
    }
}

/// A tenant's chain heads at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The tenant (city) id.
    pub tenant: String,
    /// When it was taken, RFC 3339.
    pub at: String,
    /// The last archive entry's sequence number (0 when there is none).
    pub archive_seq: i64,
    /// That entry's seal (empty when there is none).
    pub archive_seal: String,
    /// The last audit-log row's id (0 when there is none).
    pub audit_id: i64,
    /// That row's seal (empty when there is none).
    pub audit_seal: String,
}

impl Checkpoint {
    fn message(&self) -> String {
        format!(
            "cie-checkpoint-v1\n{}\n{}\n{}\n{}\n{}\n{}",
            self.tenant,
            self.at,
            self.archive_seq,
            self.archive_seal,
            self.audit_id,
            self.audit_seal
        )
    }
}

/// A checkpoint and its Ed25519 signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCheckpoint {
    /// What was signed.
    pub checkpoint: Checkpoint,
    /// The signature, 128 hex digits.
    pub signature: String,
}

impl SignedCheckpoint {
    /// One line of a checkpoint file: `v1 tenant at archive_seq archive_seal audit_id audit_seal signature`,
    /// an empty seal written as `-`.
    pub fn to_line(&self) -> String {
        let c = &self.checkpoint;
        let or_dash = |s: &str| {
            if s.is_empty() {
                "-".to_owned()
            } else {
                s.to_owned()
            }
        };
        format!(
            "v1 {} {} {} {} {} {} {}",
            c.tenant,
            c.at,
            c.archive_seq,
            or_dash(&c.archive_seal),
            c.audit_id,
            or_dash(&c.audit_seal),
            self.signature
        )
    }

    /// Reads line `number` (1-based) of a checkpoint file.
    pub fn from_line(line: &str, number: usize) -> Result<SignedCheckpoint, SealError> {
        let bad = |reason: &str| SealError::BadCheckpoint {
            line: number,
            reason: reason.to_owned(),
        };
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [
            version,
            tenant,
            at,
            archive_seq,
            archive_seal,
            audit_id,
            audit_seal,
            signature,
        ] = fields.as_slice()
        else {
            return Err(bad("expected 8 fields separated by spaces"));
        };
        if *version != "v1" {
            return Err(bad("unknown version (expected v1)"));
        }
        let number_of = |text: &str, what: &str| {
            text.parse::<i64>()
                .map_err(|_| bad(&format!("{what} is not a number")))
        };
        let seal = |s: &str| {
            if s == "-" {
                String::new()
            } else {
                s.to_owned()
            }
        };
        Ok(SignedCheckpoint {
            checkpoint: Checkpoint {
                tenant: (*tenant).to_owned(),
                at: (*at).to_owned(),
                archive_seq: number_of(archive_seq, "archive_seq")?,
                archive_seal: seal(archive_seal),
                audit_id: number_of(audit_id, "audit_id")?,
                audit_seal: seal(audit_seal),
            },
            signature: (*signature).to_owned(),
        })
    }

    /// Whether the signature was made by the key whose public half is `public_hex`.
    pub fn signed_by(&self, public_hex: &str) -> Result<bool, SealError> {
        let bytes: [u8; 32] = hex::decode(public_hex.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or(SealError::BadPublicKey)?;
        let key = VerifyingKey::from_bytes(&bytes).map_err(|_| SealError::BadPublicKey)?;
        let Some(signature) = hex::decode(&self.signature)
            .ok()
            .and_then(|b| <[u8; 64]>::try_from(b).ok())
        else {
            return Ok(false);
        };
        Ok(key
            .verify(
                self.checkpoint.message().as_bytes(),
                &Signature::from_bytes(&signature),
            )
            .is_ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> SealKey {
        SealKey::from_secret([byte; 32])
    }

    fn checkpoint() -> Checkpoint {
        Checkpoint {
            tenant: "city".into(),
            at: "2026-12-06T10:00:00Z".into(),
            archive_seq: 42,
            archive_seal: "ab".repeat(32),
            audit_id: 0,
            audit_seal: String::new(),
        }
    }

    #[test]
    fn seals_depend_on_the_key_and_every_part() {
        let base = key(1).seal(&["a", "bc"]);
        assert_eq!(base, key(1).seal(&["a", "bc"]));
        assert_ne!(base, key(2).seal(&["a", "bc"]));
        assert_ne!(base, key(1).seal(&["ab", "c"]));
        assert_ne!(
            key(1).entry_seal("city", 1, "h", ""),
            key(1).entry_seal("city", 1, "h", "x")
        );
    }

    #[test]
    fn a_checkpoint_line_round_trips_and_its_signature_checks() {
        let signed = key(1).sign(&checkpoint());
        let line = signed.to_line();
        let read = SignedCheckpoint::from_line(&line, 1).unwrap();
        assert_eq!(read, signed);
        assert!(read.signed_by(&key(1).public_hex()).unwrap());
        assert!(!read.signed_by(&key(2).public_hex()).unwrap());
        let mut moved = read.clone();
        moved.checkpoint.archive_seq = 41;
        assert!(!moved.signed_by(&key(1).public_hex()).unwrap());
    }

    #[test]
    fn bad_input_is_named() {
        assert_eq!(SealKey::from_hex("abc").unwrap_err(), SealError::BadSecret);
        assert!(SealKey::from_hex(&"0f".repeat(32)).is_ok());
        assert!(matches!(
            SignedCheckpoint::from_line("v1 city", 3),
            Err(SealError::BadCheckpoint { line: 3, .. })
        ));
        assert_eq!(
            key(1).sign(&checkpoint()).signed_by("zz"),
            Err(SealError::BadPublicKey)
        );
    }
}
