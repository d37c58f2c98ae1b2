//! Who is asking: [`Principal`], extracted from the `qc_session` cookie or an
//! `Authorization: Bearer` header, and [`Allowed`], a principal whose role a route accepts. Both are
//! axum extractors; they find the [`Access`] in the request's extensions (a layer in the binary's
//! `app.rs` puts it there), so no service's state type changes.

use crate::access::Access;
use crate::refusal;
use crate::users::Role;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use chrono::{DateTime, Utc};
use quickclear_platform::Problem;
use quickclear_schemas::{Actor, ActorKind, UnitId};
use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::Arc;
use uuid::Uuid;

/// The session cookie: HttpOnly, SameSite=Strict, Path=/ (see [`crate::routes`]).
pub const COOKIE: &str = "qc_session";

/// A signed-in user, as the users file describes them now.
#[derive(Clone, Debug, PartialEq)]
pub struct Principal {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// The unit of a squad member; `None` for every other role.
    pub unit: Option<UnitId>,
    pub session: Uuid,
    pub expires_at: DateTime<Utc>,
}

impl Principal {
    /// How the case log records what this user did.
    pub fn actor(&self) -> Actor {
        let kind = match self.role {
            Role::Dispatcher => ActorKind::Dispatcher,
            Role::Squad => ActorKind::Unit,
            Role::Analyst => ActorKind::Analyst,
            Role::Admin => ActorKind::Admin,
        };
        Actor::new(kind, self.username.clone())
    }

    /// A squad member acts for and reads their own unit only; other roles are checked by role.
    pub fn check_unit(&self, unit: &UnitId) -> Result<(), Problem> {
        match &self.unit {
            Some(own) if self.role == Role::Squad && own != unit => Err(refusal::other_unit(
                format!("you are signed in for unit {own}, not {unit}"),
            )),
            _ => Ok(()),
        }
    }

    /// Analysts never see reporters' names or phone numbers.
    pub fn sees_reporters(&self) -> bool {
        self.role != Role::Analyst
    }
}

/// The session token a request carries: the bearer token if there is one, else the cookie.
pub(crate) fn token(headers: &HeaderMap) -> Option<Result<&str, Problem>> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let bearer = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty());
        return Some(bearer.ok_or_else(|| {
            refusal::invalid_session("send the session as Authorization: Bearer <token>")
        }));
    }
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| pair.trim().strip_prefix(COOKIE)?.strip_prefix('='))
        .map(Ok)
}

pub(crate) fn access(parts: &Parts) -> Result<Arc<Access>, Problem> {
    parts
        .extensions
        .get::<Arc<Access>>()
        .cloned()
        .ok_or_else(refusal::not_configured)
}

impl<S: Send + Sync> FromRequestParts<S> for Principal {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        // Already authenticated by the guard layer.
        if let Some(principal) = parts.extensions.get::<Principal>() {
            return Ok(principal.clone());
        }
        let access = access(parts)?;
        let token = token(&parts.headers).ok_or_else(refusal::authentication_required)??;
        access.authenticate(token, Utc::now())
    }
}

/// The roles a route accepts.
pub trait Policy {
    const ROLES: &'static [Role];
}

/// Filing reports and resolving cases.
pub struct Dispatch;
/// Case lists, figures and analytics.
pub struct Oversight;
/// Acting on a unit's tasks, posting its positions (squad members for their own unit).
pub struct SquadWork;
/// Following a unit's feed and advisories (squad members for their own unit).
pub struct UnitWatch;

impl Policy for Dispatch {
    const ROLES: &'static [Role] = &[Role::Dispatcher, Role::Admin];
}
impl Policy for Oversight {
    const ROLES: &'static [Role] = &[Role::Dispatcher, Role::Analyst, Role::Admin];
}
impl Policy for SquadWork {
    const ROLES: &'static [Role] = &[Role::Squad, Role::Admin];
}
impl Policy for UnitWatch {
    const ROLES: &'static [Role] = &[Role::Squad, Role::Dispatcher, Role::Admin];
}

/// A principal whose role `P` accepts; otherwise 401 (no valid session) or 403 `forbidden`, before
/// the request's body is read.
pub struct Allowed<P>(Principal, PhantomData<P>);

impl<P> Deref for Allowed<P> {
    type Target = Principal;

    fn deref(&self) -> &Principal {
        &self.0
    }
}

impl<S: Send + Sync, P: Policy> FromRequestParts<S> for Allowed<P> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let principal = Principal::from_request_parts(parts, state).await?;
        if !P::ROLES.contains(&principal.role) {
            let roles: Vec<&str> = P::ROLES.iter().map(|r| r.as_str()).collect();
            return Err(refusal::forbidden(format!(
                "this needs the role {}; you are signed in as {} ({})",
                roles.join(" or "),
                principal.username,
                principal.role
            )));
        }
        Ok(Self(principal, PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn the_bearer_token_wins_over_the_cookie() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("lang=en; qc_session=from-cookie"),
        );
        assert_eq!(token(&headers).unwrap().unwrap(), "from-cookie");
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer from-header"),
        );
        assert_eq!(token(&headers).unwrap().unwrap(), "from-header");
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Basic eDp5"),
        );
        assert!(token(&headers).unwrap().is_err());
        assert!(token(&HeaderMap::new()).is_none());
    }

    #[test]
    fn a_squad_member_is_held_to_their_unit() {
        let mut member = Principal {
            username: "d001".into(),
            display_name: "District 1".into(),
            role: Role::Squad,
            unit: Some(UnitId::new("D001")),
            session: Uuid::new_v4(),
            expires_at: Utc::now(),
        };
        assert!(member.check_unit(&UnitId::new("D001")).is_ok());
        let refused = member.check_unit(&UnitId::new("D002")).unwrap_err();
        assert!(refused.type_uri.ends_with("/other-unit"));
        assert_eq!(member.actor(), Actor::new(ActorKind::Unit, "d001"));
        member.role = Role::Admin;
        member.unit = None;
        assert!(member.check_unit(&UnitId::new("D002")).is_ok());
        assert_eq!(member.actor().kind, ActorKind::Admin);
    }
}
