//! The services one process can run.

use quickclear_schemas::TaskKind;
use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Service {
    Intake,
    Dispatch,
    Squad(TaskKind),
    Caselog,
    Hotspots,
    /// The pages (docs/console.md).
    Console,
}

impl Service {
    /// Every service: what `quickclear up` runs.
    pub fn all() -> Vec<Service> {
        let mut all = vec![
            Service::Intake,
            Service::Dispatch,
            Service::Caselog,
            Service::Hotspots,
            Service::Console,
        ];
        all.extend(TaskKind::ALL.map(Service::Squad));
        all
    }
}

impl FromStr for Service {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "intake" => Ok(Service::Intake),
            "dispatch" => Ok(Service::Dispatch),
            "caselog" => Ok(Service::Caselog),
            "hotspots" => Ok(Service::Hotspots),
            "console" => Ok(Service::Console),
            _ => text
                .strip_prefix("squad:")
                .and_then(TaskKind::parse)
                .map(Service::Squad)
                .ok_or_else(|| {
                    format!(
                        "unknown service {text:?}: use intake, dispatch, caselog, hotspots, console, \
                         squad:precinct, squad:property or squad:scene"
                    )
                }),
        }
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Service::Intake => f.write_str("intake"),
            Service::Dispatch => f.write_str("dispatch"),
            Service::Caselog => f.write_str("caselog"),
            Service::Hotspots => f.write_str("hotspots"),
            Service::Console => f.write_str("console"),
            Service::Squad(kind) => write!(f, "squad:{kind}"),
        }
    }
}
