//! Whom the simulator acts as. It runs inside the `up --demo` process, so it opens its sessions
//! directly (no password) for accounts of the users file: each unit's squad account for that unit's
//! commands and positions, a dispatcher for reports and resolutions. The case log then shows the
//! same actors a real shift would. Sessions are renewed before they expire (in real time: the demo
//! clock runs faster, session lifetimes do not).

use anyhow::bail;
use chrono::{DateTime, Duration, Utc};
use quickclear_access::{Access, Role};
use quickclear_roster::Roster;
use quickclear_schemas::UnitId;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Who a request is sent as.
#[derive(Clone, Copy, Debug)]
pub enum As<'a> {
    /// Reports (the public channels too: a dispatcher's session is exempt from their rate limits,
    /// which a replay at 600x would hit) and resolutions.
    Dispatcher,
    Unit(&'a UnitId),
}

pub struct Sessions {
    access: Arc<Access>,
    dispatcher: String,
    units: HashMap<UnitId, String>,
    /// Username → token and when it expires.
    tokens: Mutex<HashMap<String, (String, DateTime<Utc>)>>,
}

impl Sessions {
    /// Picks the accounts: each unit's first squad member, or else an admin; the first dispatcher,
    /// or else an admin.
    pub fn new(access: Arc<Access>, roster: &Roster) -> anyhow::Result<Self> {
        let first = |role: Role| {
            access
                .users()
                .find(|u| u.role == role)
                .map(|u| u.username.clone())
        };
        let admin = first(Role::Admin);
        let Some(dispatcher) = first(Role::Dispatcher).or_else(|| admin.clone()) else {
            bail!(
                "the demo files reports as a dispatcher: the users file needs a dispatcher or an admin"
            );
        };
        let mut units = HashMap::new();
        for unit in roster.units() {
            let member = access
                .users()
                .find(|u| u.role == Role::Squad && u.unit.as_ref() == Some(&unit.id))
                .map(|u| u.username.clone());
            let Some(username) = member.or_else(|| admin.clone()) else {
                bail!(
                    "the demo acts for every unit: {} has no squad account and there is no admin \
                     (see [every_unit] in infra/users/demo.toml)",
                    unit.id
                );
            };
            units.insert(unit.id.clone(), username);
        }
        Ok(Self {
            access,
            dispatcher,
            units,
            tokens: Mutex::default(),
        })
    }

    /// A bearer token for `who`, reused until a minute before it expires.
    pub fn token(&self, who: As<'_>) -> String {
        let username = match who {
            As::Dispatcher => &self.dispatcher,
            As::Unit(unit) => self.units.get(unit).unwrap_or(&self.dispatcher),
        };
        let now = Utc::now();
        let mut tokens = self.tokens.lock().expect("demo sessions lock");
        if let Some((token, expires_at)) = tokens.get(username)
            && *expires_at - Duration::minutes(1) > now
        {
            return token.clone();
        }
        let issued = self
            .access
            .issue(username, now)
            .expect("the accounts were picked from the users file");
        let token = issued.token.clone();
        tokens.insert(
            username.clone(),
            (issued.token, issued.principal.expires_at),
        );
        token
    }
}
