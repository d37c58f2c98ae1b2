//! Sign-out: tokens are stateless, so an ended session is remembered until its token would have
//! expired anyway, and every request checks it. This set is the process's copy, checked without
//! I/O; the deployment's [`RevocationStore`](crate::store::RevocationStore) keeps the sign-outs
//! across restarts and brings in those of the other processes (ADR 0005).

use crate::store::Revoked;
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
    /// Ends the sessions; those already expired at `now` are forgotten.
    pub fn revoke(&self, revoked: impl IntoIterator<Item = Revoked>, now: DateTime<Utc>) {
        let mut ended = self.ended.lock().expect("revocations lock");
        ended.retain(|_, expiry| *expiry > now);
        ended.extend(
            revoked
                .into_iter()
                .filter(|r| r.expires_at > now)
                .map(|r| (r.session, r.expires_at)),
        );
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
        let ended = |expires_at| Revoked {
            session: Uuid::new_v4(),
            expires_at,
        };
        let (short, long) = (
            ended(now + Duration::minutes(1)),
            ended(now + Duration::hours(1)),
        );
        revocations.revoke([short], now);
        assert!(revocations.is_revoked(&short.session));
        revocations.revoke([long, ended(now)], now + Duration::minutes(2));
        assert!(
            !revocations.is_revoked(&short.session),
            "dropped after its expiry"
        );
        assert!(revocations.is_revoked(&long.session));
        assert_eq!(
            revocations.ended.lock().unwrap().len(),
            1,
            "an expired one is not kept"
        );
    }
}
