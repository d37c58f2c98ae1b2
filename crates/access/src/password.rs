//! Passwords are stored as argon2id PHC strings (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`),
//! never in plain text; `quickclear hash-password` makes them.

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Argon2, Params};

/// Hashes a password with argon2id, its default cost and a random salt.
pub fn hash(password: &str) -> Result<String, String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| format!("cannot hash the password: {e}"))
}

/// Checks a stored hash: an argon2id PHC string whose parameters argon2 accepts.
pub(crate) fn check(phc: &str) -> Result<(), String> {
    let parsed = PasswordHash::new(phc).map_err(|e| {
        format!(
            "password_hash is not an argon2id PHC string ({e}); a plaintext password is never \
             accepted: make the hash with `quickclear hash-password`"
        )
    })?;
    if parsed.algorithm.as_str() != "argon2id" {
        return Err(format!(
            "password_hash uses {}; only argon2id is accepted (`quickclear hash-password`)",
            parsed.algorithm
        ));
    }
    if parsed.hash.is_none() || parsed.salt.is_none() {
        return Err("password_hash has no salt or no hash".into());
    }
    Params::try_from(&parsed)
        .map_err(|e| format!("password_hash has bad argon2 parameters ({e})"))?;
    Ok(())
}

/// Whether `password` matches the stored hash (checked by [`check`] at start-up). CPU-heavy on
/// purpose: call it off the async workers.
pub(crate) fn verify(phc: &str, password: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let phc = hash("correct horse").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$"), "{phc}");
        check(&phc).unwrap();
        assert!(verify(&phc, "correct horse"));
        assert!(!verify(&phc, "correct horse "));
    }

    #[test]
    fn plaintext_and_other_algorithms_are_refused() {
        assert!(check("hunter2").unwrap_err().contains("hash-password"));
        let argon2i = "$argon2i$v=19$m=16,t=2,p=1$c29tZXNhbHQ$zmLBMlAPZhcI4fiEhLqzUA";
        assert!(check(argon2i).unwrap_err().contains("only argon2id"));
        let bad_params = "$argon2id$v=19$m=1,t=2,p=1$c29tZXNhbHQ$zmLBMlAPZhcI4fiEhLqzUA";
        assert!(check(bad_params).is_err());
    }
}
