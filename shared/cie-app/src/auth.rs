//! Authentication: argon2 password hashes, and the JWT that carries tenant, role and supplier
//! organisation to every request.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{DateTime, Utc};
use cie_domain::{Role, TenantId};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::error::Error;

/// The claims of a token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// User id.
    pub sub: i64,
    /// Tenant (city).
    pub tenant: TenantId,
    /// Role within the tenant.
    pub role: Role,
    /// Supplier organisation of a supplier user.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub org: Option<i64>,
    /// Login name.
    pub name: String,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Expires at (seconds since the epoch).
    pub exp: i64,
}

/// Who is calling: the verified content of a token.
#[derive(Debug, Clone)]
pub struct Caller {
    /// User id.
    pub user_id: i64,
    /// Tenant.
    pub tenant: TenantId,
    /// Role.
    pub role: Role,
    /// Supplier organisation, for supplier users.
    pub supplier_org_id: Option<i64>,
    /// Login name.
    pub username: String,
}

impl Caller {
    /// Refuses unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), Error> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(Error::Forbidden(format!(
                "role {} may not do this; allowed: {}",
                self.role,
                roles
                    .iter()
                    .map(|r| r.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )))
        }
    }

    /// The organisation whose data the caller is confined to: its own for a supplier, none for the city.
    pub fn confined_to_org(&self) -> Option<i64> {
        if self.role.is_city_side() {
            None
        } else {
            // A supplier token without an organisation sees nothing rather than everything.
            Some(self.supplier_org_id.unwrap_or(-1))
        }
    }
}

/// Signs and verifies tokens with one HMAC key.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    ttl: chrono::Duration,
}

impl TokenKeys {
    /// Keys from a shared secret; tokens live `ttl_minutes`.
    pub fn new(secret: &[u8], ttl_minutes: i64) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            ttl: chrono::Duration::minutes(ttl_minutes.max(1)),
        }
    }

    /// A token for `caller`, issued at `now`; returns it with its expiry.
    pub fn issue(
        &self,
        caller: &Caller,
        now: DateTime<Utc>,
    ) -> Result<(String, DateTime<Utc>), Error> {
        let expires = now + self.ttl;
        let claims = Claims {
            sub: caller.user_id,
            tenant: caller.tenant.clone(),
            role: caller.role,
            org: caller.supplier_org_id,
            name: caller.username.clone(),
            iat: now.timestamp(),
            exp: expires.timestamp(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| Error::Internal(anyhow::anyhow!("signing a token: {e}")))?;
        Ok((token, expires))
    }

    /// The caller a token names, if its signature holds and it has not expired at `now`.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<Caller, Error> {
        let mut validation = Validation::new(Algorithm::HS256);
        // Expiry is checked against the service clock below, not the machine's.
        validation.validate_exp = false;
        validation.required_spec_claims.clear();
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map_err(|e| Error::Unauthenticated(format!("the bearer token is not valid: {e}")))?;
        let claims = data.claims;
        if claims.exp <= now.timestamp() {
            return Err(Error::Unauthenticated(
                "the bearer token has expired; log in again".into(),
            ));
        }
        Ok(Caller {
            user_id: claims.sub,
            tenant: claims.tenant,
            role: claims.role,
            supplier_org_id: claims.org,
            username: claims.name,
        })
    }
}

/// Argon2id hash of a password, as a PHC string.
pub fn hash_password(password: &str) -> Result<String, Error> {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| Error::Internal(anyhow::anyhow!("hashing a password: {e}")))
}

/// Whether `password` matches the PHC string `hash`.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Argon2 working memory (19 MiB per check with the default parameters), kept and reused: allocated afresh
/// for every login, the allocator kept hundreds of MiB of it after a flood of guesses.
#[derive(Debug, Default)]
pub struct HashingMemory {
    free: std::sync::Mutex<Vec<Vec<argon2::Block>>>,
}

impl HashingMemory {
    /// Whether `password` matches the PHC string `hash`, computed in reused memory. At most as many blocks
    /// are kept as checks ran at once (the login guard bounds that).
    pub fn verify(&self, password: &str, hash: &str) -> bool {
        let mut memory = self
            .free
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop()
            .unwrap_or_default();
        let matches = verify_in(password, hash, &mut memory);
        self.free
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(memory);
        matches
    }
}

fn verify_in(password: &str, hash: &str, memory: &mut Vec<argon2::Block>) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let (Ok(params), Some(salt), Some(expected)) =
        (argon2::Params::try_from(&parsed), parsed.salt, parsed.hash)
    else {
        return false;
    };
    let Ok(algorithm) = argon2::Algorithm::try_from(parsed.algorithm) else {
        return false;
    };
    let version = match parsed.version.map(argon2::Version::try_from) {
        None => argon2::Version::default(),
        Some(Ok(version)) => version,
        Some(Err(_)) => return false,
    };
    let mut salt_buffer = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buffer) else {
        return false;
    };
    memory.resize(params.block_count(), argon2::Block::default());
    let mut output = vec![0u8; expected.len()];
    Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(password.as_bytes(), salt, &mut output, &mut memory[..])
        .is_ok()
        && output.len() == expected.len()
        && output
            .iter()
            .zip(expected.as_bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// A random secret of `bytes` bytes, hex-encoded.
pub fn random_secret(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    rand::fill(&mut buffer[..]);
    hex::encode(buffer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller() -> Caller {
        Caller {
            user_id: 3,
            tenant: TenantId::parse("city-a").unwrap(),
            role: Role::Supplier,
            supplier_org_id: Some(9),
            username: "s".into(),
        }
    }

    #[test]
    fn tokens_round_trip_and_expire_on_the_service_clock() {
        let keys = TokenKeys::new(b"secret", 60);
        let now = DateTime::parse_from_rfc3339("2026-04-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let (token, expires) = keys.issue(&caller(), now).unwrap();
        let back = keys.verify(&token, now).unwrap();
        assert_eq!(
            (back.user_id, back.supplier_org_id, back.role),
            (3, Some(9), Role::Supplier)
        );
        assert!(keys.verify(&token, expires).is_err());
    }

    #[test]
    fn tokens_signed_with_another_key_are_refused() {
        let now = DateTime::parse_from_rfc3339("2026-04-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let (token, _) = TokenKeys::new(b"one", 60).issue(&caller(), now).unwrap();
        assert!(TokenKeys::new(b"two", 60).verify(&token, now).is_err());
    }

    #[test]
    fn passwords_verify_only_against_their_own_hash() {
        let hash = hash_password("correct horse").unwrap();
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("wrong", &hash));
        assert!(!verify_password("correct horse", "not a hash"));
        let memory = HashingMemory::default();
        for _ in 0..2 {
            assert!(
                memory.verify("correct horse", &hash),
                "reused memory agrees"
            );
            assert!(!memory.verify("wrong", &hash));
            assert!(!memory.verify("correct horse", "not a hash"));
        }
        assert_eq!(
            memory.free.lock().unwrap().len(),
            1,
            "one block set, reused"
        );
    }
}
