//! Token buckets keyed by text: `capacity` requests at once, refilled evenly over `window`.
//! The public report routes use them per door plate or alarm device and per client address, the
//! sign-in route per username.

use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// `[rate_limits]` in the users file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimits {
    pub window_minutes: u32,
    /// Public reports per door plate, or per alarm device, per window.
    pub per_source: u32,
    /// Public reports per client address per window (door plates and alarms together).
    pub per_address: u32,
    /// Failed sign-ins per username per window.
    pub sign_in_failures: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            window_minutes: 10,
            per_source: 6,
            per_address: 20,
            sign_in_failures: 10,
        }
    }
}

impl RateLimits {
    /// The window, checked: one minute to a day.
    pub(crate) fn window(&self) -> Result<Duration, String> {
        match self.window_minutes {
            1..=1440 => Ok(Duration::from_secs(u64::from(self.window_minutes) * 60)),
            other => Err(format!(
                "[rate_limits] window_minutes = {other}: use 1 to 1440 (a day)"
            )),
        }
    }
}

#[derive(Debug)]
pub struct RateLimiter {
    capacity: f64,
    window: Duration,
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
        Self {
            capacity: f64::from(capacity),
            window,
            state: Mutex::new(Buckets {
                by_key: HashMap::new(),
                swept_at: Instant::now(),
            }),
        }
    }

    /// Takes one request's token for `key`; when there is none, how long until there is.
    pub fn take(&self, key: &str) -> Result<(), Duration> {
        self.take_at(key, Instant::now(), true)
    }

    /// Whether `key` has a token left, without taking it.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        self.take_at(key, Instant::now(), false)
    }

    fn take_at(&self, key: &str, now: Instant, take: bool) -> Result<(), Duration> {
        if self.capacity < 1.0 {
            return Err(self.window);
        }
        let per_second = self.capacity / self.window.as_secs_f64();
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
        let full = Bucket {
            tokens: self.capacity,
            at: now,
        };
        let bucket = state.by_key.get(key).copied().unwrap_or(full);
        let elapsed = now.duration_since(bucket.at).as_secs_f64();
        let tokens = (bucket.tokens + elapsed * per_second).min(self.capacity);
        if tokens < 1.0 {
            return Err(Duration::from_secs_f64((1.0 - tokens) / per_second));
        }
        if take {
            state.by_key.insert(
                key.to_owned(),
                Bucket {
                    tokens: tokens - 1.0,
                    at: now,
                },
            );
        }
        Ok(())
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
            limiter.take_at("DP-1", start, true).unwrap();
        }
        let wait = limiter.take_at("DP-1", start, true).unwrap_err();
        assert_eq!(wait.as_secs(), 200, "a token every 600 / 3 s");
        limiter.take_at("DP-2", start, true).unwrap();
        assert!(limiter.take_at("DP-1", start + wait / 2, true).is_err());
        limiter.take_at("DP-1", start + wait, true).unwrap();
        assert!(limiter.take_at("DP-1", start + wait, true).is_err());
    }

    #[test]
    fn checking_takes_nothing_and_idle_keys_are_forgotten() {
        let limiter = RateLimiter::new(1, Duration::from_secs(60));
        let start = Instant::now();
        limiter.take_at("a", start, false).unwrap();
        limiter.take_at("a", start, true).unwrap();
        assert!(limiter.take_at("a", start, false).is_err());
        limiter
            .take_at("b", start + Duration::from_secs(61), true)
            .unwrap();
        let kept = limiter.state.lock().unwrap().by_key.len();
        assert_eq!(kept, 1, "a's bucket is full again and dropped");
    }

    #[test]
    fn a_zero_limit_refuses_everything() {
        let limiter = RateLimiter::new(0, Duration::from_secs(60));
        assert!(limiter.take("x").is_err());
    }
}
