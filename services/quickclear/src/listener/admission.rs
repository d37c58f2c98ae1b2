//! Who may open another connection: at most `per_address` for one client and `total` for all.

use super::ConnectionLimits;
use super::metrics::{OPEN, REFUSED};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Arc, Mutex, MutexGuard};

pub struct Admission {
    per_address: usize,
    total: usize,
    counts: Arc<Mutex<Counts>>,
}

#[derive(Default)]
struct Counts {
    total: usize,
    by_client: HashMap<IpAddr, usize>,
}

/// An admitted connection's place in the counts, given back when it is dropped.
pub struct Slot {
    client: IpAddr,
    counts: Arc<Mutex<Counts>>,
}

impl Admission {
    pub fn new(limits: &ConnectionLimits) -> Self {
        Self {
            per_address: limits.per_address,
            total: limits.total,
            counts: Arc::default(),
        }
    }

    /// A slot for one more connection from `peer`, or `None` (counted) when it is over a cap.
    pub fn admit(&self, peer: IpAddr) -> Option<Slot> {
        let client = client(peer);
        let mut counts = lock(&self.counts);
        let refused = if counts.total >= self.total {
            Some("total")
        } else if counts.by_client.get(&client).copied().unwrap_or(0) >= self.per_address {
            Some("per-address")
        } else {
            None
        };
        if let Some(cap) = refused {
            REFUSED.with_label_values(&[cap]).inc();
            tracing::debug!(%peer, cap, "connection refused");
            return None;
        }
        counts.total += 1;
        *counts.by_client.entry(client).or_default() += 1;
        OPEN.inc();
        Some(Slot {
            client,
            counts: self.counts.clone(),
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut counts = lock(&self.counts);
        counts.total -= 1;
        if let Some(held) = counts.by_client.get_mut(&self.client) {
            *held -= 1;
            if *held == 0 {
                counts.by_client.remove(&self.client);
            }
        }
        OPEN.dec();
    }
}

/// The counts stay consistent whatever panicked while holding them: each change is one step.
fn lock(counts: &Mutex<Counts>) -> MutexGuard<'_, Counts> {
    counts
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Whom a connection is counted against: its IPv4 address (an IPv4-mapped IPv6 one too), or the
/// /64 of its IPv6 address, the block one subscriber gets.
fn client(peer: IpAddr) -> IpAddr {
    match peer {
        IpAddr::V4(_) => peer,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from_bits(v6.to_bits() & (u128::MAX << 64))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admission(per_address: usize, total: usize) -> Admission {
        Admission::new(&ConnectionLimits {
            per_address,
            total,
            ..ConnectionLimits::default()
        })
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn one_client_is_capped_and_others_are_not() {
        let admission = admission(2, 10);
        let held: Vec<Slot> = (0..2)
            .map(|_| admission.admit(ip("10.0.0.1")).unwrap())
            .collect();
        assert!(admission.admit(ip("10.0.0.1")).is_none());
        assert!(admission.admit(ip("10.0.0.2")).is_some());
        drop(held);
        assert!(admission.admit(ip("10.0.0.1")).is_some());
    }

    #[test]
    fn all_clients_together_are_capped() {
        let admission = admission(2, 3);
        let held: Vec<Slot> = ["10.0.0.1", "10.0.0.2", "10.0.0.3"]
            .into_iter()
            .map(|a| admission.admit(ip(a)).unwrap())
            .collect();
        assert!(admission.admit(ip("10.0.0.4")).is_none());
        drop(held);
        assert!(
            lock(&admission.counts).by_client.is_empty(),
            "nothing left over"
        );
        assert!(admission.admit(ip("10.0.0.4")).is_some());
    }

    #[test]
    fn an_ipv6_client_counts_per_64() {
        let admission = admission(1, 10);
        let _held = admission.admit(ip("2001:db8:1:2:aaaa::1")).unwrap();
        assert!(admission.admit(ip("2001:db8:1:2:bbbb::2")).is_none());
        assert!(admission.admit(ip("2001:db8:1:3::1")).is_some());
        let _v4 = admission.admit(ip("10.0.0.1")).unwrap();
        assert!(admission.admit(ip("::ffff:10.0.0.1")).is_none());
    }
}
