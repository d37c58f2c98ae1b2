//! The users file is checked at start-up, with a message naming the entry; sessions follow the
//! accounts as the file has them.

use chrono::{Duration, Utc};
use quickclear_access::{Access, AccessConfig, ClientAddress, Role};
use quickclear_roster::{LatLng, PrecinctMap, Roster, Unit};
use quickclear_schemas::{TaskKind, UnitId};

const DEMO_USERS: &str = include_str!("../../../infra/users/demo.toml");
/// `quickclear-demo`, as in the demo file.
const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$J/M8109OTATPVS7j57Gwpg$Dx6VzweRh9TIRPSMEsHsXxct8JPNwXaBCqhj/V+334c";

fn roster() -> Roster {
    let unit = |id: &str, kind| Unit {
        id: UnitId::new(id),
        kind,
        name: format!("Unit {id}"),
        base: LatLng { lat: 0.0, lng: 0.0 },
    };
    let units = vec![
        unit("D001", TaskKind::Precinct),
        unit("PROP-1", TaskKind::Property),
        unit("SCENE-1", TaskKind::Scene),
    ];
    Roster::new(units, PrecinctMap::new(Vec::new()).unwrap(), vec![], vec![]).unwrap()
}

fn user(username: &str, role: &str, extra: &str) -> String {
    format!(
        "[[user]]\nusername = \"{username}\"\nrole = \"{role}\"\npassword_hash = \"{HASH}\"\n{extra}\n"
    )
}

fn refusal(text: &str) -> String {
    let config = match AccessConfig::parse(text) {
        Ok(config) => config,
        Err(error) => return error.to_string(),
    };
    match Access::new(&config, &roster()) {
        Ok(_) => panic!("accepted: {text}"),
        Err(error) => error.to_string(),
    }
}

#[test]
fn the_demo_file_gives_every_unit_a_squad_account() {
    let access = Access::new(&AccessConfig::parse(DEMO_USERS).unwrap(), &roster()).unwrap();
    let accounts: Vec<_> = access
        .users()
        .map(|u| {
            (
                u.username.as_str(),
                u.role,
                u.unit.as_ref().map(|u| u.as_str()),
            )
        })
        .collect();
    assert_eq!(
        accounts,
        [
            ("admin", Role::Admin, None),
            ("analyst", Role::Analyst, None),
            ("d001", Role::Squad, Some("D001")),
            ("dispatcher", Role::Dispatcher, None),
            ("prop-1", Role::Squad, Some("PROP-1")),
            ("scene-1", Role::Squad, Some("SCENE-1")),
        ]
    );
}

#[test]
fn bad_entries_are_refused_by_name() {
    let cases = [
        (
            "[[user]]\nusername = \"ana\"\nrole = \"dispatcher\"\npassword = \"hunter22\"\n"
                .to_owned(),
            "plaintext `password` is never accepted",
        ),
        (
            "[[user]]\nusername = \"ana\"\nrole = \"dispatcher\"\npassword_hash = \"hunter22\"\n"
                .to_owned(),
            "not an argon2id PHC string",
        ),
        (
            "[[user]]\nusername = \"ana\"\nrole = \"dispatcher\"\n".to_owned(),
            "no password_hash",
        ),
        (user("ana", "squad", ""), "a squad member needs a unit"),
        (
            user("ana", "squad", "unit = \"D999\""),
            "unit D999 is not in the roster",
        ),
        (
            user("ana", "analyst", "unit = \"D001\""),
            "only squad members have a unit (this user is analyst)",
        ),
        (user("ana", "chief", ""), "unknown variant `chief`"),
        (user("ana smith", "admin", ""), "a username is 1 to 64"),
        (
            user("ana", "admin", "") + &user("ana", "analyst", ""),
            "\"ana\" is listed twice",
        ),
        (
            user("d001", "admin", "") + &format!("[every_unit]\npassword_hash = \"{HASH}\"\n"),
            "both a [[user]] and the [every_unit] account of D001",
        ),
        (
            format!(
                "[session]\nsecret = \"short\"\n{}",
                user("ana", "admin", "")
            ),
            "use at least 32",
        ),
        (
            format!("[session]\nttl_minutes = 0\n{}", user("ana", "admin", "")),
            "ttl_minutes = 0",
        ),
        (
            format!(
                "[rate_limits]\nwindow_minutes = 0\n{}",
                user("ana", "admin", "")
            ),
            "window_minutes = 0",
        ),
        (String::new(), "no accounts"),
    ];
    for (text, expected) in cases {
        let message = refusal(&text);
        assert!(message.contains(expected), "{expected:?} in {message:?}");
    }
}

#[tokio::test]
async fn sign_in_checks_the_password_and_sessions_follow_the_file() {
    let secret = "[session]\nsecret = \"a secret of more than thirty-two characters\"\n";
    let before = format!("{secret}{}", user("ana", "dispatcher", ""));
    let access = Access::new(&AccessConfig::parse(&before).unwrap(), &roster()).unwrap();
    let from = ClientAddress::from(std::net::IpAddr::from([192, 0, 2, 1]));
    assert!(
        access
            .sign_in("ana", "wrong password", &from)
            .await
            .is_err()
    );
    let issued = access
        .sign_in("ana", "quickclear-demo", &from)
        .await
        .unwrap();
    assert_eq!(issued.principal.role, Role::Dispatcher);
    let now = Utc::now();
    let principal = access.authenticate(&issued.token, now).unwrap();
    assert_eq!(principal, issued.principal);
    let expired = access.authenticate(&issued.token, now + Duration::hours(12));
    assert!(expired.unwrap_err().type_uri.ends_with("/session-expired"));

    // Another process with the same secret accepts the session; once Ana is an analyst there, her
    // dispatcher session is refused rather than trusted for a role she no longer has.
    let after = format!("{secret}{}", user("ana", "analyst", ""));
    let restarted = Access::new(&AccessConfig::parse(&after).unwrap(), &roster()).unwrap();
    let same = Access::new(&AccessConfig::parse(&before).unwrap(), &roster()).unwrap();
    assert_eq!(
        same.authenticate(&issued.token, now).unwrap().username,
        "ana"
    );
    let changed = restarted.authenticate(&issued.token, now).unwrap_err();
    assert!(
        changed.type_uri.ends_with("/invalid-session"),
        "{changed:?}"
    );

    access.sign_out(&principal).await.unwrap();
    let ended = access.authenticate(&issued.token, now).unwrap_err();
    assert!(ended.type_uri.ends_with("/session-ended"));
}
