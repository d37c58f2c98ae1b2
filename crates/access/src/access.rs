//! [`Access`]: the accounts, the token key, the ended sessions and the rate limiters of one process.

use crate::client::ClientAddress;
use crate::password;
use crate::principal::Principal;
use crate::rate_limit::Limiters;
use crate::refusal;
use crate::session::Revocations;
use crate::store::{RevocationStore, Revoked, StoreError};
use crate::token::{Claims, TokenError, TokenKey};
use crate::users::{AccessConfig, ConfigError, MAX_USERNAME, User};
use chrono::{DateTime, Duration, Utc};
use futures::StreamExt;
use quickclear_platform::Problem;
use quickclear_roster::Roster;
use std::collections::BTreeMap;
use std::sync::Arc;
use uuid::Uuid;

pub struct Access {
    accounts: BTreeMap<String, User>,
    key: TokenKey,
    ttl: Duration,
    revocations: Arc<Revocations>,
    /// Where sign-outs are kept for the deployment; without one, they hold on this process only
    /// until it stops (tests, and processes that only issue sessions in-process).
    store: Option<Arc<dyn RevocationStore>>,
    pub(crate) limits: Limiters,
    /// Checked against when the username is unknown, so that answer takes as long as a wrong password.
    dummy_hash: String,
}

/// A session just opened.
#[derive(Debug)]
pub struct Issued {
    pub token: String,
    pub principal: Principal,
}

impl Access {
    /// Checks the users file against the roster (every squad member's unit exists, every hash is
    /// argon2id) and prepares the process's access control.
    pub fn new(config: &AccessConfig, roster: &Roster) -> Result<Self, ConfigError> {
        let accounts = config.accounts(roster)?;
        if config.every_unit.is_some() {
            tracing::warn!(
                "[every_unit]: every unit's squad account has the same password (demo only)"
            );
        }
        let ttl = Duration::minutes(i64::from(config.ttl_minutes()?));
        let key = match config.secret()? {
            Some(secret) => TokenKey::new(secret),
            None => {
                tracing::warn!(
                    "the users file has no [session] secret: sessions are signed with a random key \
                     of this process, end when it stops, and other processes refuse them"
                );
                TokenKey::random()
            }
        };
        Ok(Self {
            accounts,
            key,
            ttl,
            revocations: Arc::default(),
            store: None,
            limits: config.rate_limits.limiters().map_err(ConfigError)?,
            dummy_hash: password::hash("no account has this password").map_err(ConfigError)?,
        })
    }

    pub fn users(&self) -> impl Iterator<Item = &User> {
        self.accounts.values()
    }

    /// How long a session lasts.
    pub fn session_ttl(&self) -> std::time::Duration {
        self.ttl.to_std().expect("a checked TTL is positive")
    }

    /// Keeps this process's sign-outs in `store` and refuses the sessions it holds: those in force
    /// now (loaded before this returns) and those any process signs out from now on.
    pub async fn keep_sign_outs_in(
        &mut self,
        store: Arc<dyn RevocationStore>,
    ) -> Result<(), StoreError> {
        let mut followed = store.follow().await?;
        self.revocations.revoke(followed.in_force, Utc::now());
        let revocations = self.revocations.clone();
        tokio::spawn(async move {
            while let Some(revoked) = followed.later.next().await {
                revocations.revoke([revoked], Utc::now());
            }
            tracing::warn!("no longer following sign-outs: other processes' are not seen here");
        });
        self.store = Some(store);
        Ok(())
    }

    /// Opens a session for an account without its password: for clients inside this process (the
    /// demo's simulator) and for tests. `None` when there is no such account.
    pub fn issue(&self, username: &str, now: DateTime<Utc>) -> Option<Issued> {
        let user = self.accounts.get(username)?;
        let claims = Claims {
            username: user.username.clone(),
            role: user.role,
            unit: user.unit.clone(),
            issued_at: now,
            expires_at: now + self.ttl,
            session: Uuid::new_v4(),
        };
        Some(Issued {
            token: self.key.sign(&claims),
            principal: principal(user, &claims),
        })
    }

    /// Checks a password (off the async workers) and opens a session. Failures are throttled per
    /// username and address and per address, so a stranger elsewhere cannot lock a user out.
    ///
    /// An unknown username takes the very path of a wrong password (its own buckets, an argon2
    /// check against a dummy hash, the same answers), so no status or timing tells it apart.
    pub async fn sign_in(
        &self,
        username: &str,
        password: &str,
        from: &ClientAddress,
    ) -> Result<Issued, Problem> {
        let address = from.as_str();
        // No account has a longer name: a longer one names no more buckets than it needs.
        let name: String = username.chars().take(MAX_USERNAME + 1).collect();
        let name_and_address = format!("{name} {address}");
        // Every attempt takes its tokens up front (so concurrent guesses cannot all slip past a
        // check) and a success gives them back: only failures count.
        self.limits
            .sign_in_failures_per_address
            .take(address)
            .map_err(|wait| refusal::rate_limited(wait, "too many failed sign-ins from here"))?;
        if let Err(wait) = self.limits.sign_in_failures.take(&name_and_address) {
            return Err(refusal::rate_limited(
                wait,
                "too many failed sign-ins for this username from here",
            ));
        }
        let user = self.accounts.get(username);
        let stored = user.map_or(&self.dummy_hash, |u| &u.password_hash).clone();
        let attempt = password.to_owned();
        let matches = tokio::task::spawn_blocking(move || password::verify(&stored, &attempt))
            .await
            .unwrap_or(false);
        match user {
            Some(user) if matches => {
                self.limits.sign_in_failures_per_address.refund(address);
                self.limits.sign_in_failures.refund(&name_and_address);
                Ok(self
                    .issue(&user.username, Utc::now())
                    .expect("the account exists"))
            }
            _ => Err(refusal::wrong_credentials()),
        }
    }

    /// The principal of a session token, as the users file describes the account now.
    pub fn authenticate(&self, token: &str, now: DateTime<Utc>) -> Result<Principal, Problem> {
        let claims = self.key.verify(token, now).map_err(|error| match error {
            TokenError::Invalid => refusal::invalid_session(
                "the session token is not one this deployment signed; sign in again",
            ),
            TokenError::Expired => refusal::session_expired(),
        })?;
        if self.revocations.is_revoked(&claims.session) {
            return Err(refusal::session_ended());
        }
        let user = self
            .accounts
            .get(&claims.username)
            .filter(|u| u.role == claims.role && u.unit == claims.unit)
            .ok_or_else(|| {
                refusal::invalid_session(
                    "the account was changed or removed since this session began; sign in again",
                )
            })?;
        Ok(principal(user, &claims))
    }

    /// Ends the principal's session: at once on this process, then for the whole deployment once
    /// the store has it. `Err` when it could not be recorded (the session then ends on this process
    /// only; signing out again is harmless).
    pub async fn sign_out(&self, principal: &Principal) -> Result<(), StoreError> {
        let revoked = Revoked {
            session: principal.session,
            expires_at: principal.expires_at,
        };
        self.revocations.revoke([revoked], Utc::now());
        match &self.store {
            Some(store) => store.record(revoked).await,
            None => Ok(()),
        }
    }
}

fn principal(user: &User, claims: &Claims) -> Principal {
    Principal {
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        role: user.role,
        unit: user.unit.clone(),
        session: claims.session,
        expires_at: claims.expires_at,
    }
}
