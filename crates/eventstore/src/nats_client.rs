//! Connecting to NATS with the credentials the URL carries (`nats://user:password@host:port`):
//! async-nats parses them but does not send them by itself. The shipped server configurations
//! (`infra/nats/accounts.conf`) let only Quickclear's user in (ADR 0008).

use async_nats::{Client, ConnectOptions, ServerAddr};

/// Connects as `name`, sending the URL's user and password when it has them. Errors never show
/// the password.
pub async fn connect(url: &str, name: &str) -> Result<Client, String> {
    let address: ServerAddr = url
        .parse()
        .map_err(|e| format!("the NATS URL {} is not valid: {e}", redacted(url)))?;
    let mut options = ConnectOptions::new().name(name);
    if let (Some(user), Some(password)) = (address.username(), address.password()) {
        options = options.user_and_password(user.to_owned(), password.to_owned());
    }
    options
        .connect(address)
        .await
        .map_err(|e| format!("connect to {}: {e}", redacted(url)))
}

/// `url` with its password, if any, replaced by `***`.
pub fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(user, _)| user);
            format!("{scheme}://{user}:***@{host}")
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redacted;

    #[test]
    fn a_password_never_shows() {
        assert_eq!(
            redacted("nats://quickclear:s3cret@127.0.0.1:4222"),
            "nats://quickclear:***@127.0.0.1:4222"
        );
        assert_eq!(redacted("nats://127.0.0.1:4222"), "nats://127.0.0.1:4222");
    }
}
