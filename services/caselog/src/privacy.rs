//! What an analyst sees of a case: no reporter, and none of the free text people write about
//! people. Notes, statements and reasons are typed by officers on the spot and often name the
//! victim, a witness or a suspect, or give a phone number; analysts need the where, when, what and
//! how fast, not those. Each field is decided here (`docs/api.md`, "Privacy"):
//!
//! | withheld | kept |
//! | --- | --- |
//! | the reporter (name, phone) | offence, place, address, times, channel |
//! | the report's description | the stolen items and their values |
//! | interviews: person and statement | canvass: addresses visited |
//! | canvass and video-review notes | video review: cameras and the suspect's path |
//! | scene evidence: each description | scene evidence: each kind |
//! | suspect descriptions, arrest and clear notes | property recovered and returned: items, values |
//! | the reason of an exceptional clearance or a closure | how a case was resolved |
//!
//! Every event type is matched by name, so a new one cannot slip through undecided.

use quickclear_schemas::event::{CaseEvent, Clearance};
use quickclear_schemas::finding::Finding;
use quickclear_schemas::report::Report;

/// What a withheld text reads as (an empty text stays empty: nothing was withheld).
pub const WITHHELD: &str = "(withheld)";

/// An event as an analyst may see it.
pub fn withhold_event(event: &mut CaseEvent) {
    match event {
        CaseEvent::ReportReceived(e) => withhold_report(&mut e.report),
        CaseEvent::FindingRecorded(e) => withhold_finding(&mut e.finding),
        CaseEvent::SuspectIdentified(e) => withhold(&mut e.description),
        CaseEvent::ArrestMade(e) => withhold(&mut e.note),
        CaseEvent::TaskCleared(e) => withhold(&mut e.note),
        CaseEvent::CaseCleared(e) => withhold_clearance(&mut e.clearance),
        CaseEvent::CaseClosed(e) => withhold(&mut e.reason),
        // No free text about people.
        CaseEvent::CaseDispatched(_)
        | CaseEvent::TaskAcknowledged(_)
        | CaseEvent::TaskEnRoute(_)
        | CaseEvent::TaskOnScene(_)
        | CaseEvent::PropertyRecovered(_)
        | CaseEvent::PropertyReturned(_)
        | CaseEvent::TaskEscalated(_)
        | CaseEvent::TaskReassigned(_) => {}
    }
}

pub fn withhold_report(report: &mut Report) {
    report.reporter = None;
    withhold(&mut report.description);
}

fn withhold_finding(finding: &mut Finding) {
    match finding {
        Finding::Interview { person, statement } => {
            withhold(person);
            withhold(statement);
        }
        Finding::Canvass { notes, .. } | Finding::VideoReview { notes, .. } => withhold(notes),
        Finding::SceneEvidence { items } => {
            for item in items {
                withhold(&mut item.description);
            }
        }
    }
}

pub fn withhold_clearance(clearance: &mut Clearance) {
    match clearance {
        Clearance::Arrest => {}
        Clearance::ExceptionalMeans { reason } => withhold(reason),
    }
}

pub fn withhold(text: &mut String) {
    if !text.is_empty() {
        *text = WITHHELD.into();
    }
}
