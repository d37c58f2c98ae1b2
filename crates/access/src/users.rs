//! The users file (`--users FILE`, TOML): session settings, rate limits and accounts.
//!
//! ```toml
//! [session]
//! ttl_minutes = 720        # 12 hours, one shift
//! secret = "..."           # HMAC key, at least 32 characters, shared by every process
//!
//! [rate_limits]                     # the defaults, per window and client address
//! window_minutes = 10
//! per_source = 6                    # reports per door plate or alarm device (and address)
//! per_address = 20                  # public requests (door plates, alarms)
//! unauthenticated_alarms = 2        # alarm presses without the device's secret, per device
//! sign_in_failures = 10             # failed sign-ins per username
//! sign_in_failures_per_address = 30 # failed sign-ins, whatever the usernames
//!
//! [[user]]
//! username = "d001-night"
//! display_name = "District 1, night shift"
//! role = "squad"           # dispatcher | squad | analyst | admin
//! unit = "D001"            # squad members only; must be in the roster
//! password_hash = "$argon2id$v=19$..."
//!
//! # Demo only: an account per roster unit (username = the unit id in lower case), one password.
//! [every_unit]
//! password_hash = "$argon2id$v=19$..."
//! ```

use crate::password;
use crate::rate_limit::RateLimits;
use quickclear_roster::Roster;
use quickclear_schemas::UnitId;
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

pub(crate) const MAX_USERNAME: usize = 64;
const MIN_SECRET: usize = 32;
const MAX_TTL_MINUTES: u32 = 7 * 24 * 60;

/// What a signed-in user may do; see the role matrix in `docs/api.md`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Files reports and resolves cases; reads every case, feed and figure.
    Dispatcher,
    /// A squad member: reads and acts on their own unit's tasks.
    Squad,
    /// Reads case lists and figures; never sees reporters' names or phone numbers.
    Analyst,
    /// Everything.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Dispatcher => "dispatcher",
            Role::Squad => "squad",
            Role::Analyst => "analyst",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A users file that cannot be used; the message says which entry and why.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// The users file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessConfig {
    #[serde(default)]
    pub session: SessionConfig,
    #[serde(default)]
    pub rate_limits: RateLimits,
    #[serde(default, rename = "user")]
    pub users: Vec<UserEntry>,
    pub every_unit: Option<EveryUnit>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SessionConfig {
    pub ttl_minutes: u32,
    /// `None`: a random key per process (its sessions end with it, and other processes refuse them).
    pub secret: Option<String>,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            ttl_minutes: 720,
            secret: None,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserEntry {
    pub username: String,
    pub display_name: Option<String>,
    pub role: Role,
    pub unit: Option<UnitId>,
    pub password_hash: Option<String>,
    /// Read only to refuse it by name.
    #[serde(default)]
    password: Option<IgnoredAny>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EveryUnit {
    pub password_hash: String,
}

/// An account, checked.
#[derive(Clone, Debug)]
pub struct User {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub unit: Option<UnitId>,
    pub(crate) password_hash: String,
}

impl AccessConfig {
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            ConfigError(format!(
                "cannot read the users file {}: {e}",
                path.display()
            ))
        })?;
        Self::parse(&text)
            .map_err(|e| ConfigError(format!("the users file {}: {e}", path.display())))
    }

    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError(e.to_string()))
    }

    /// The TTL, checked.
    pub(crate) fn ttl_minutes(&self) -> Result<u32, ConfigError> {
        let ttl = self.session.ttl_minutes;
        if !(1..=MAX_TTL_MINUTES).contains(&ttl) {
            return Err(ConfigError(format!(
                "[session] ttl_minutes = {ttl}: use 1 to {MAX_TTL_MINUTES} (a week)"
            )));
        }
        Ok(ttl)
    }

    /// The shared HMAC key, checked; `None` when the file has none.
    pub(crate) fn secret(&self) -> Result<Option<&[u8]>, ConfigError> {
        match &self.session.secret {
            Some(secret) if secret.len() < MIN_SECRET => Err(ConfigError(format!(
                "[session] secret is {} characters: use at least {MIN_SECRET} random ones \
                 (e.g. `openssl rand -base64 32`)",
                secret.len()
            ))),
            Some(secret) => Ok(Some(secret.as_bytes())),
            None => Ok(None),
        }
    }

    /// Every account, checked against the roster, by username.
    pub(crate) fn accounts(&self, roster: &Roster) -> Result<BTreeMap<String, User>, ConfigError> {
        let mut accounts = BTreeMap::new();
        for entry in &self.users {
            let user = entry
                .check(roster)
                .map_err(|e| ConfigError(format!("user {:?}: {e}", entry.username)))?;
            if accounts.insert(user.username.clone(), user).is_some() {
                return Err(ConfigError(format!(
                    "user {:?} is listed twice",
                    entry.username
                )));
            }
        }
        if let Some(every_unit) = &self.every_unit {
            password::check(&every_unit.password_hash)
                .map_err(|e| ConfigError(format!("[every_unit]: {e}")))?;
            for unit in roster.units() {
                let username = unit.id.as_str().to_lowercase();
                let user = User {
                    username: username.clone(),
                    display_name: unit.name.clone(),
                    role: Role::Squad,
                    unit: Some(unit.id.clone()),
                    password_hash: every_unit.password_hash.clone(),
                };
                if accounts.insert(username.clone(), user).is_some() {
                    return Err(ConfigError(format!(
                        "user {username:?} is both a [[user]] and the [every_unit] account of {}",
                        unit.id
                    )));
                }
            }
        }
        if accounts.is_empty() {
            return Err(ConfigError(
                "no accounts: add [[user]] entries (see infra/users/demo.toml)".into(),
            ));
        }
        Ok(accounts)
    }
}

impl UserEntry {
    fn check(&self, roster: &Roster) -> Result<User, String> {
        let name = &self.username;
        let well_formed = name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c));
        if name.is_empty() || name.len() > MAX_USERNAME || !well_formed {
            return Err(format!(
                "a username is 1 to {MAX_USERNAME} letters, digits and . _ - @"
            ));
        }
        if self.password.is_some() {
            return Err(
                "a plaintext `password` is never accepted: store its argon2id hash as \
                        `password_hash` (make it with `quickclear hash-password`)"
                    .into(),
            );
        }
        let Some(password_hash) = &self.password_hash else {
            return Err("no password_hash (make one with `quickclear hash-password`)".into());
        };
        password::check(password_hash)?;
        match (self.role, &self.unit) {
            (Role::Squad, None) => return Err("a squad member needs a unit".into()),
            (Role::Squad, Some(unit)) if roster.unit(unit).is_none() => {
                return Err(format!("unit {unit} is not in the roster"));
            }
            (Role::Squad, Some(_)) | (_, None) => {}
            (role, Some(_)) => {
                return Err(format!(
                    "only squad members have a unit (this user is {role})"
                ));
            }
        }
        Ok(User {
            username: name.clone(),
            display_name: self.display_name.clone().unwrap_or_else(|| name.clone()),
            role: self.role,
            unit: self.unit.clone(),
            password_hash: password_hash.clone(),
        })
    }
}
