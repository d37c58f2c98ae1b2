//! How the command-line clients (`quickclear loadtest`, `quickclear review`) sign in: a session
//! token, or a username and password exchanged for one (`POST /api/v1/session`). Without either,
//! they sign in as the demo's administrator (`admin`, password `quickclear-demo`), which only a
//! server running the demo accounts accepts.

use anyhow::{Context, bail};
use serde_json::{Value, json};
use std::time::Duration;

#[derive(clap::Args, Clone, Debug)]
pub struct Credentials {
    /// A session token (the `token` of POST /api/v1/session); used as is, instead of signing in.
    #[arg(
        long,
        value_name = "TOKEN",
        env = "QUICKCLEAR_TOKEN",
        hide_env_values = true
    )]
    pub token: Option<String>,
    /// Sign in as this user.
    #[arg(
        long,
        value_name = "NAME",
        env = "QUICKCLEAR_USERNAME",
        default_value = "admin"
    )]
    pub username: String,
    /// The user's password (better in the environment than on the command line).
    #[arg(
        long,
        value_name = "PASSWORD",
        env = "QUICKCLEAR_PASSWORD",
        hide_env_values = true,
        default_value = "quickclear-demo",
        hide_default_value = true
    )]
    pub password: String,
}

impl Credentials {
    /// A bearer token for the server at `target`.
    pub async fn token(&self, target: &str) -> anyhow::Result<String> {
        if let Some(token) = &self.token {
            return Ok(token.clone());
        }
        let url = format!("{}/api/v1/session", target.trim_end_matches('/'));
        let response = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(30))
            .build()?
            .post(&url)
            .json(&json!({ "username": self.username, "password": self.password }))
            .send()
            .await
            .with_context(|| {
                format!("cannot reach Quickclear at {target} to sign in (is it running?)")
            })?;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            let detail = body["detail"].as_str().unwrap_or("no detail");
            bail!(
                "cannot sign in to {target} as {} ({status}): {detail}; pass --token, or \
                 --username and --password (QUICKCLEAR_PASSWORD)",
                self.username
            );
        }
        body["token"]
            .as_str()
            .map(str::to_owned)
            .with_context(|| format!("{url} answered without a token: is it a Quickclear?"))
    }
}
