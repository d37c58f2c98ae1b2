//! `ApiQuery<T>`: a query string whose rejection (a repeated or unknown-shaped parameter) is a
//! problem+json answer, 400 `invalid-query`, instead of axum's plain-text one.

use crate::problem::Problem;
use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(query)| ApiQuery(query))
            .map_err(|rejection| Problem::bad_request("invalid-query", rejection.body_text()))
    }
}
