//! The clock. Every time a service records or waits on comes from here, so the demo can run the
//! city at 600x and tests can pause time (`tokio::time::pause`) without sleeping.

use chrono::{DateTime, Utc};
use std::time::Duration;
use tokio::time::Instant;

/// Wall-clock time that runs `speed` times as fast as real time from a starting instant.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    origin: DateTime<Utc>,
    started: Instant,
    speed: f64,
}

impl Clock {
    /// Real time.
    pub fn system() -> Self {
        Self::scaled(Utc::now(), 1.0)
    }

    /// Time that starts at `origin` now and runs `speed` times as fast as real time.
    pub fn scaled(origin: DateTime<Utc>, speed: f64) -> Self {
        assert!(speed > 0.0, "clock speed must be positive");
        Self {
            origin,
            started: Instant::now(),
            speed,
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        let elapsed = self.started.elapsed().mul_f64(self.speed);
        self.origin + chrono::Duration::from_std(elapsed).unwrap_or(chrono::Duration::MAX)
    }

    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// How long, in real time, until the clock shows `at` (zero if it already has).
    pub fn real_time_until(&self, at: DateTime<Utc>) -> Duration {
        (at - self.now())
            .to_std()
            .unwrap_or_default()
            .div_f64(self.speed)
    }

    /// What a span of real time amounts to on this clock (`speed` times as long).
    pub fn span_of(&self, real: Duration) -> chrono::Duration {
        chrono::Duration::from_std(real.mul_f64(self.speed)).unwrap_or(chrono::Duration::MAX)
    }

    /// Real seconds between two clock readings (for latency metrics, whatever the speed).
    pub fn real_seconds_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
        (to - from).num_microseconds().unwrap_or(i64::MAX) as f64 / 1e6 / self.speed
    }

    /// Waits until the clock shows `at`.
    pub async fn sleep_until(&self, at: DateTime<Utc>) {
        tokio::time::sleep(self.real_time_until(at)).await
    }
}
