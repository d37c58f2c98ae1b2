//! Token buckets keyed by text: `capacity` requests at once, refilled evenly over `window`.
//! The public report routes use them per client address and per door plate or alarm device and
//! address, sign-in per username and address and per address.

use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// The most keys one limiter remembers. Every key anyone sends (a made-up username, a new address)
/// gets a bucket, so past this the fullest are forgotten first: a forgotten bucket starts full
/// again, and the fullest are the least spent.
const MAX_KEYS: usize = 100_000;

/// `[rate_limits]` in the users file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimits {
    pub window_minutes: u32,
    /// Public reports per door plate or alarm device from one client address, per window. An alarm
    /// pressed with its secret has this budget per device, whatever the address.
    pub per_source: u32,
    /// Public requests per client address per window (door plates and alarms together).
    pub per_address: u32,
    /// Alarm presses without the device's secret per device and client address per window.
    pub unauthenticated_alarms: u32,
    /// Failed sign-ins per username and client address per window.
    pub sign_in_failures: u32,
    /// Failed sign-ins per client address per window, whatever the usernames.
    pub sign_in_failures_per_address: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            window_minutes: 10,
            per_source: 6,
            per_address: 20,
            unauthenticated_alarms: 2,
            sign_in_failures: 10,
            sign_in_failures_per_address: 30,
        }
    }
}

/// A process's limiters, one per budget of [`RateLimits`].
#[derive(Debug)]
pub(crate) struct Limiters {
    pub per_source: RateLimiter,
    pub per_address: RateLimiter,
    pub unauthenticated_alarms: RateLimiter,
    pub sign_in_failures: RateLimiter,
    pub sign_in_failures_per_address: RateLimiter,
}

impl RateLimits {
    /// The limiters, once the window is checked (one minute to a day).
    pub(crate) fn limiters(&self) -> Result<Limiters, String> {
        let window = match self.window_minutes {
            1..=1440 => Duration::from_secs(u64::from(self.window_minutes) * 60),
            other => {
                return Err(format!(
                    "[rate_limits] window_minutes = {other}: use 1 to 1440 (a day)"
                ));
            }
        };
        let limiter = |capacity| RateLimiter::new(capacity, window);
        Ok(Limiters {
            per_source: limiter(self.per_source),
            per_address: limiter(self.per_address),
            unauthenticated_alarms: limiter(self.unauthenticated_alarms),
            sign_in_failures: limiter(self.sign_in_failures),
            sign_in_failures_per_address: limiter(self.sign_in_failures_per_address),
        })
    }
}

#[derive(Debug)]
pub struct RateLimiter {
    capacity: f64,
    window: Duration,
    max_keys: usize,
    state: Mutex<Buckets>,
}

#[derive(Debug)]
struct Buckets {
    by_key: HashMap<String, Bucket>,
    swept_at: Instant,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl RateLimiter {
    pub fn new(capacity: u32, window: Duration) -> Self {
        Self::bounded(capacity, window, MAX_KEYS)
    }

    fn bounded(capacity: u32, window: Duration, max_keys: usize) -> Self {
        Self {
            capacity: f64::from(capacity),
            window,
            max_keys,
            state: Mutex::new(Buckets {
                by_key: HashMap::new(),
                swept_at: Instant::now(),
            }),
        }
    }

    /// Takes one request's token for `key`; when there is none, how long until there is.
    pub fn take(&self, key: &str) -> Result<(), Duration> {
        self.take_at(key, Instant::now())
    }

    /// Gives back a token [`take`](Self::take) took for `key`: for limits that count failures only.
    pub fn refund(&self, key: &str) {
        let mut state = self.state.lock().expect("rate limiter lock");
        if let Some(bucket) = state.by_key.get_mut(key) {
            bucket.tokens = (bucket.tokens + 1.0).min(self.capacity);
        }
    }

    fn per_second(&self) -> f64 {
        self.capacity / self.window.as_secs_f64()
    }

    /// The tokens `bucket` holds at `now`.
    fn level(&self, bucket: &Bucket, now: Instant) -> f64 {
        let elapsed = now.duration_since(bucket.at).as_secs_f64();
        (bucket.tokens + elapsed * self.per_second()).min(self.capacity)
    }

    fn take_at(&self, key: &str, now: Instant) -> Result<(), Duration> {
        if self.capacity < 1.0 {
            return Err(self.window);
        }
        let mut state = self.state.lock().expect("rate limiter lock");
        // A bucket left alone for a window is full again: forget it, so the map holds only keys
        // seen within the last window or two.
        if now.duration_since(state.swept_at) >= self.window {
            let window = self.window;
            state
                .by_key
                .retain(|_, bucket| now.duration_since(bucket.at) < window);
            state.swept_at = now;
        }
        let known = state.by_key.get(key).copied();
        let tokens = known.map_or(self.capacity, |bucket| self.level(&bucket, now));
        if tokens < 1.0 {
            return Err(Duration::from_secs_f64((1.0 - tokens) / self.per_second()));
        }
        if known.is_none() && state.by_key.len() >= self.max_keys {
            self.forget_the_fullest(&mut state.by_key, now);
        }
        state.by_key.insert(
            key.to_owned(),
            Bucket {
                tokens: tokens - 1.0,
                at: now,
            },
        );
        Ok(())
    }

    /// Forgets the quarter of the buckets holding the most tokens (all of them when they hold as
    /// many): the cost is spread over the many keys taken before the map is full again.
    fn forget_the_fullest(&self, by_key: &mut HashMap<String, Bucket>, now: Instant) {
        let mut levels: Vec<f64> = by_key.values().map(|b| self.level(b, now)).collect();
        let kept = levels.len() * 3 / 4;
        let (_, threshold, _) = levels.select_nth_unstable_by(kept, f64::total_cmp);
        let threshold = *threshold;
        by_key.retain(|_, bucket| self.level(bucket, now) < threshold);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_gets_its_capacity_then_one_more_per_refill() {
        let limiter = RateLimiter::new(3, Duration::from_secs(600));
        let start = Instant::now();
        for _ in 0..3 {
            limiter.take_at("DP-1", start).unwrap();
        }
        let wait = limiter.take_at("DP-1", start).unwrap_err();
        assert_eq!(wait.as_secs(), 200, "a token every 600 / 3 s");
        limiter.take_at("DP-2", start).unwrap();
        assert!(limiter.take_at("DP-1", start + wait / 2).is_err());
        limiter.take_at("DP-1", start + wait).unwrap();
        assert!(limiter.take_at("DP-1", start + wait).is_err());
    }

    #[test]
    fn a_refund_gives_a_token_back_and_idle_keys_are_forgotten() {
        let limiter = RateLimiter::new(1, Duration::from_secs(60));
        let start = Instant::now();
        limiter.take_at("a", start).unwrap();
        limiter.refund("a");
        limiter.take_at("a", start).unwrap();
        assert!(limiter.take_at("a", start).is_err());
        limiter.refund("never taken");
        limiter
            .take_at("b", start + Duration::from_secs(61))
            .unwrap();
        let kept = limiter.state.lock().unwrap().by_key.len();
        assert_eq!(kept, 1, "a's bucket is full again and dropped");
    }

    #[test]
    fn past_its_bound_a_limiter_forgets_the_least_spent_keys() {
        let limiter = RateLimiter::bounded(2, Duration::from_secs(60), 4);
        let start = Instant::now();
        for _ in 0..2 {
            limiter.take_at("spent", start).unwrap();
        }
        for key in ["a", "b", "c", "d", "e"] {
            limiter.take_at(key, start).unwrap();
        }
        let state = limiter.state.lock().unwrap();
        assert!(state.by_key.len() <= 4, "{:?}", state.by_key.keys());
        assert!(state.by_key.contains_key("spent"));
        drop(state);
        assert!(limiter.take_at("spent", start).is_err(), "still spent");
    }

    #[test]
    fn a_zero_limit_refuses_everything() {
        let limiter = RateLimiter::new(0, Duration::from_secs(60));
        assert!(limiter.take("x").is_err());
    }
}
