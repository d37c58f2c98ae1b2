//! The cap on analyses computing at once. Every analytics answer is computed per request (Gi*, the
//! Knox test's shuffles, trends, dwell sums) on a blocking thread, one per slot; the slots are the
//! cores but one, which stays with intake, dispatch and the feeds however many analysts ask. A
//! request waits [`Analyses::WAIT`] at most for a slot, then is answered `503 busy`.

use crate::answers::internal;
use crate::metrics::BUSY;
use axum::http::{HeaderValue, StatusCode, header};
use quickclear_platform::Problem;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

pub struct Analyses {
    slots: Arc<Semaphore>,
    wait: Duration,
}

impl Analyses {
    /// Long enough for a dashboard's burst of figures to queue (each takes milliseconds to a few
    /// hundred), short against the request timeout.
    pub const WAIT: Duration = Duration::from_secs(5);

    pub fn new(slots: usize, wait: Duration) -> Self {
        Self {
            slots: Arc::new(Semaphore::new(slots)),
            wait,
        }
    }

    /// One slot per core but one, and at least one.
    pub fn per_core() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Self::new(cores.saturating_sub(1).max(1), Self::WAIT)
    }

    /// Runs `work` on a blocking thread once a slot is free. The slot is held until `work` returns,
    /// even if the request is given up meanwhile: the cap counts computations, not requests.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, Problem> + Send + 'static,
    ) -> Result<T, Problem> {
        let slot = tokio::time::timeout(self.wait, self.slots.clone().acquire_owned())
            .await
            .map_err(|_| busy(self.wait))?
            .map_err(|_| internal())?;
        tokio::task::spawn_blocking(move || {
            let _slot = slot;
            work()
        })
        .await
        .map_err(|_| internal())?
    }
}

fn busy(wait: Duration) -> Problem {
    BUSY.inc();
    Problem::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "busy",
        format!(
            "every analysis slot stayed taken for {} s; retry shortly",
            wait.as_secs_f64()
        ),
    )
    .with_header(
        header::RETRY_AFTER,
        HeaderValue::from(wait.as_secs().max(1)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    /// Starts `analyses.run` on work that holds its slot until `release` is sent.
    fn hold(analyses: &Arc<Analyses>) -> (tokio::task::JoinHandle<()>, mpsc::Sender<()>) {
        let (release, held) = mpsc::channel::<()>();
        let running = analyses.clone();
        let task = tokio::spawn(async move {
            running
                .run(move || {
                    let _ = held.recv();
                    Ok(())
                })
                .await
                .unwrap();
        });
        (task, release)
    }

    #[tokio::test]
    async fn a_request_waits_briefly_for_a_slot_then_is_told_busy() {
        let analyses = Arc::new(Analyses::new(1, Duration::from_millis(300)));
        let (task, release) = hold(&analyses);
        tokio::time::sleep(Duration::from_millis(50)).await;
        let refused = analyses.run(|| Ok(1)).await.unwrap_err();
        assert_eq!(refused.status, 503);
        assert_eq!(refused.type_uri, "https://quickclear.dev/problems/busy");
        assert_eq!(
            refused.headers.as_ref().unwrap()[header::RETRY_AFTER],
            HeaderValue::from(1)
        );
        // A slot freed within the wait is taken.
        let waiting = tokio::spawn({
            let analyses = analyses.clone();
            async move { analyses.run(|| Ok(2)).await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        release.send(()).unwrap();
        assert_eq!(waiting.await.unwrap().unwrap(), 2);
        task.await.unwrap();
    }

    #[tokio::test]
    async fn work_keeps_its_slot_after_its_request_is_given_up() {
        let analyses = Arc::new(Analyses::new(1, Duration::from_millis(100)));
        let (task, release) = hold(&analyses);
        tokio::time::sleep(Duration::from_millis(50)).await;
        task.abort();
        let _ = task.await;
        assert!(analyses.run(|| Ok(())).await.is_err(), "still computing");
        release.send(()).unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(analyses.run(|| Ok(())).await.is_ok());
    }
}
