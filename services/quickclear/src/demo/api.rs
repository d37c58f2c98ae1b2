//! The simulator's HTTP client: it talks to the services over their public API, as dispatchers and
//! terminals do. A bounded number of requests is in flight at once; a request that got no answer is
//! retried with the same body (every demo request is idempotent: an `Idempotency-Key` or a command id).
//! Each request carries the session of the account it is sent as ([`As`]).

use crate::demo::sessions::{As, Sessions};
use serde::Serialize;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// Requests in flight at once, all simulated actors together.
pub const MAX_IN_FLIGHT: usize = 32;
const ATTEMPTS: u32 = 3;

#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    base: String,
    permits: Arc<Semaphore>,
    sessions: Arc<Sessions>,
}

/// How the service answered.
#[derive(Debug)]
pub enum Answer {
    /// 2xx. `replayed` when intake recognised a report it had already taken (`idempotent-replayed`).
    Done { replayed: bool, body: Value },
    /// 4xx or 5xx, with its problem document.
    Refused { status: u16, problem: Value },
    /// No answer after retries.
    Failed(String),
}

impl Answer {
    /// The problem's code (`case-resolved`, `invalid-request`, ...): the last segment of its type.
    pub fn problem_code(&self) -> Option<&str> {
        match self {
            Answer::Refused { problem, .. } => problem["type"].as_str()?.rsplit('/').next(),
            _ => None,
        }
    }
}

impl Api {
    pub fn new(base: String, sessions: Sessions) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            // The services are local: never send their traffic to a proxy from the environment.
            .no_proxy()
            .timeout(Duration::from_secs(10))
            .pool_max_idle_per_host(MAX_IN_FLIGHT)
            .build()?;
        Ok(Self {
            http,
            base,
            permits: Arc::new(Semaphore::new(MAX_IN_FLIGHT)),
            sessions: Arc::new(sessions),
        })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// Waits for a free request slot; holding it keeps the simulator from running ahead.
    pub async fn slot(&self) -> tokio::sync::OwnedSemaphorePermit {
        self.permits
            .clone()
            .acquire_owned()
            .await
            .expect("the semaphore is never closed")
    }

    /// POSTs `body` to `path` as `who` (holding a request slot for the duration).
    pub async fn post(
        &self,
        who: As<'_>,
        path: &str,
        idempotency_key: Option<&str>,
        body: &impl Serialize,
    ) -> Answer {
        let _slot = self.slot().await;
        self.post_in_slot(who, path, idempotency_key, body).await
    }

    /// POSTs `body` with a slot the caller already holds.
    pub async fn post_in_slot(
        &self,
        who: As<'_>,
        path: &str,
        idempotency_key: Option<&str>,
        body: &impl Serialize,
    ) -> Answer {
        let url = format!("{}{path}", self.base);
        let mut last_error = String::new();
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(100 << (2 * attempt))).await;
            }
            let mut request = self
                .http
                .post(&url)
                .bearer_auth(self.sessions.token(who))
                .json(body);
            if let Some(key) = idempotency_key {
                request = request.header("Idempotency-Key", key);
            }
            let response = match request.send().await {
                Ok(response) => response,
                Err(e) => {
                    last_error = format!("POST {path}: {e}");
                    continue;
                }
            };
            let status = response.status();
            let replayed = response.headers().contains_key("idempotent-replayed");
            let body = response.json::<Value>().await.unwrap_or(Value::Null);
            return if status.is_success() {
                Answer::Done { replayed, body }
            } else {
                Answer::Refused {
                    status: status.as_u16(),
                    problem: body,
                }
            };
        }
        Answer::Failed(last_error)
    }

    /// GETs a JSON document, as the dispatcher.
    pub async fn get(&self, path: &str) -> Result<Value, String> {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(self.sessions.token(As::Dispatcher))
            .send()
            .await
            .map_err(|e| format!("GET {path}: {e}"))?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("GET {path}: {status}"));
        }
        response
            .json()
            .await
            .map_err(|e| format!("GET {path}: {e}"))
    }
}
