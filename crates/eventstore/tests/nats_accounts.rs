//! The shipped NATS accounts (`infra/nats/accounts.conf`, ADR 0008): only Quickclear's user gets
//! in; a stranger can neither publish a forged commit nor delete the stream.

use quickclear_eventstore::EventStore;
use quickclear_eventstore::jetstream::JetStreamStore;
use quickclear_testkit::{NatsServer, PASSWORD_VARIABLE, TEST_NATS_PASSWORD};

fn server() -> NatsServer {
    // Inlined: nats-server resolves even an absolute `include` against the including file's folder.
    NatsServer::start_with_config(
        include_str!("../../../infra/nats/accounts.conf"),
        &[(PASSWORD_VARIABLE, TEST_NATS_PASSWORD)],
    )
}

fn with_user(url: &str, user: &str, password: &str) -> String {
    url.replacen("nats://", &format!("nats://{user}:{password}@"), 1)
}

#[tokio::test]
async fn only_quickclears_user_reaches_the_case_log() {
    let nats = server();
    let ours = with_user(&nats.url(), "quickclear", TEST_NATS_PASSWORD);
    let store = JetStreamStore::connect(&ours, 1).await.unwrap();
    assert_eq!(store.head().await.unwrap(), 0);

    // A stranger without credentials cannot even connect, so cannot publish to `case.>` or call
    // the stream API.
    let stranger = async_nats::connect(nats.url()).await;
    assert!(stranger.is_err(), "an anonymous client got in");

    let wrong = with_user(&nats.url(), "quickclear", "guessed");
    let error = JetStreamStore::connect(&wrong, 1)
        .await
        .err()
        .expect("refused");
    let message = error.to_string();
    assert!(message.contains("quickclear:***@"), "{message}");
    assert!(
        !message.contains("guessed"),
        "the password never shows: {message}"
    );
}
