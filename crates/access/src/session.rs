//! Sign-out: tokens are stateless, so an ended session is remembered here, in memory, until its token
//! would have expired anyway, and every request checks it.
//!
//! Over NATS (`quickclear serve`, a process per service) this set is per process: sign-out revokes
//! the session on the process that served the `DELETE`, and the browser drops its cookie; a copy of
//! the token kept elsewhere still works on the other processes until it expires. The TTL bounds
//! that gap (ADR 0005).

use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::Mutex;
use uuid::Uuid;

#[derive(Debug, Default)]
pub struct Revocations {
    /// Session id → when its token expires.
    ended: Mutex<HashMap<Uuid, DateTime<Utc>>>,
}

impl Revocations {
    pub fn revoke(&self, session: Uuid, expires_at: DateTime<Utc>, now: DateTime<Utc>) {
        let mut ended = self.ended.lock().expect("revocations lock");
        ended.retain(|_, expiry| *expiry > now);
        ended.insert(session, expires_at);
    }

    pub fn is_revoked(&self, session: &Uuid) -> bool {
        self.ended
            .lock()
            .expect("revocations lock")
            .contains_key(session)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn a_revoked_session_is_forgotten_once_its_token_has_expired() {
        let revocations = Revocations::default();
        let now = Utc::now();
        let (short, long) = (Uuid::new_v4(), Uuid::new_v4());
        revocations.revoke(short, now + Duration::minutes(1), now);
        assert!(revocations.is_revoked(&short));
        revocations.revoke(long, now + Duration::hours(1), now + Duration::minutes(2));
        assert!(!revocations.is_revoked(&short), "dropped after its expiry");
        assert!(revocations.is_revoked(&long));
    }
}
