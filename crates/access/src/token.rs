//! Stateless session tokens: `v1.<payload>.<mac>`, where `payload` is the claims as JSON and `mac`
//! the HMAC-SHA256 of `v1.<payload>` under the deployment's secret, both base64url without padding.
//! Any process holding the secret verifies a token without asking anyone (ADR 0005).

use crate::users::Role;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as BASE64;
use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use quickclear_schemas::UnitId;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::fmt;
use uuid::Uuid;

const VERSION: &str = "v1";

/// What a token says about its session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Claims {
    pub username: String,
    pub role: Role,
    pub unit: Option<UnitId>,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// The session id: what sign-out revokes.
    pub session: Uuid,
}

#[derive(Debug, PartialEq, Eq)]
pub enum TokenError {
    /// Not a token this deployment signed (garbage, tampered, or another secret).
    Invalid,
    /// Signed here, but past its expiry.
    Expired,
}

/// The HMAC key tokens are signed with.
pub struct TokenKey(Vec<u8>);

impl fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenKey(..)")
    }
}

impl TokenKey {
    pub fn new(secret: &[u8]) -> Self {
        Self(secret.to_vec())
    }

    /// A random key: tokens then work only on the process that made it.
    pub fn random() -> Self {
        let mut key = vec![0; 32];
        getrandom::fill(&mut key).expect("the operating system provides random bytes");
        Self(key)
    }

    fn mac(&self) -> Hmac<Sha256> {
        Hmac::new_from_slice(&self.0).expect("HMAC takes a key of any length")
    }

    pub fn sign(&self, claims: &Claims) -> String {
        let payload = serde_json::to_vec(claims).expect("claims serialize");
        let signed = format!("{VERSION}.{}", BASE64.encode(payload));
        let tag = self.mac().chain_update(signed.as_bytes()).finalize();
        format!("{signed}.{}", BASE64.encode(tag.into_bytes()))
    }

    /// The claims of a token this key signed (compared in constant time), if it has not expired.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<Claims, TokenError> {
        let (signed, tag) = token.rsplit_once('.').ok_or(TokenError::Invalid)?;
        let payload = signed
            .strip_prefix(VERSION)
            .and_then(|rest| rest.strip_prefix('.'))
            .ok_or(TokenError::Invalid)?;
        let tag = BASE64.decode(tag).map_err(|_| TokenError::Invalid)?;
        self.mac()
            .chain_update(signed.as_bytes())
            .verify_slice(&tag)
            .map_err(|_| TokenError::Invalid)?;
        let payload = BASE64.decode(payload).map_err(|_| TokenError::Invalid)?;
        let claims: Claims = serde_json::from_slice(&payload).map_err(|_| TokenError::Invalid)?;
        if claims.expires_at <= now {
            return Err(TokenError::Expired);
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn claims(now: DateTime<Utc>) -> Claims {
        Claims {
            username: "d001".into(),
            role: Role::Squad,
            unit: Some(UnitId::new("D001")),
            issued_at: now,
            expires_at: now + Duration::hours(12),
            session: Uuid::new_v4(),
        }
    }

    #[test]
    fn a_signed_token_verifies_until_it_expires() {
        let key = TokenKey::new(b"a secret of at least thirty-two characters");
        let now = Utc::now();
        let signed = claims(now);
        let token = key.sign(&signed);
        assert!(token.starts_with("v1."));
        assert_eq!(key.verify(&token, now), Ok(signed));
        assert_eq!(
            key.verify(&token, now + Duration::hours(12)),
            Err(TokenError::Expired)
        );
    }

    #[test]
    fn tampered_foreign_and_garbage_tokens_are_invalid() {
        let key = TokenKey::new(b"a secret of at least thirty-two characters");
        let now = Utc::now();
        let token = key.sign(&claims(now));
        let (_, tag) = token.rsplit_once('.').unwrap();
        let mut forged = claims(now);
        forged.role = Role::Admin;
        let forged_payload = BASE64.encode(serde_json::to_vec(&forged).unwrap());
        let tampered = format!("v1.{forged_payload}.{tag}");
        let other_key = TokenKey::random().sign(&claims(now));
        for bad in [
            tampered.as_str(),
            other_key.as_str(),
            "",
            "v1..",
            "garbage",
            &token.replacen("v1.", "v2.", 1),
            &token[..token.len() - 2],
        ] {
            assert_eq!(key.verify(bad, now), Err(TokenError::Invalid), "{bad:?}");
        }
    }
}
