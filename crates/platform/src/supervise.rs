//! [`Supervisor`]: the process's long-running tasks, with their handles kept.
//!
//! Every background task of a process (a projection, dispatch, the health sampler, the demo's
//! simulators) is meant to run for the process's whole life. When one ends, by panicking or by
//! returning, the process can no longer do what it promises, and the policy (ADR 0007) is to stop
//! the whole process, loudly: its in-memory state may be half-updated, so restarting the task in
//! place could serve wrong answers; a new process rebuilds everything from the log, and whatever
//! runs it (systemd, Kubernetes) restarts it.

use futures::future::BoxFuture;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;
use tokio::task::{Id, JoinError, JoinSet};

/// The tasks of one process. Cheap to clone: clones share the tasks, which are aborted once the
/// last clone is dropped.
#[derive(Clone, Default)]
pub struct Supervisor {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    tasks: Mutex<Tasks>,
    spawned: Notify,
}

#[derive(Default)]
struct Tasks {
    set: JoinSet<()>,
    names: HashMap<Id, Name>,
}

#[derive(Clone, Copy)]
struct Name {
    name: &'static str,
    /// Done when it returns (a check at start); only its panic is a failure.
    once: bool,
}

/// A supervised task that ended.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the {task} task {how}")]
pub struct TaskEnded {
    pub task: &'static str,
    /// `panicked: <message>`, `ended`, or `was cancelled`.
    pub how: String,
}

impl Supervisor {
    /// Runs `task`, meant to run for the process's life, under supervision. Call it inside a
    /// Tokio runtime.
    pub fn spawn(&self, name: &'static str, task: impl Future<Output = ()> + Send + 'static) {
        self.add(Name { name, once: false }, Box::pin(task));
    }

    /// Runs `task`, which may finish (a check at start), under supervision: only a panic of it
    /// stops the process.
    pub fn spawn_once(&self, name: &'static str, task: impl Future<Output = ()> + Send + 'static) {
        self.add(Name { name, once: true }, Box::pin(task));
    }

    fn add(&self, name: Name, task: BoxFuture<'static, ()>) {
        let mut tasks = self.tasks();
        let id = tasks.set.spawn(task).id();
        tasks.names.insert(id, name);
        drop(tasks);
        self.inner.spawned.notify_one();
    }

    /// Waits until a supervised task ends, and says which and how. Never resolves while every task
    /// runs (or when there is none).
    pub async fn ended(&self) -> TaskEnded {
        loop {
            let joined = tokio::select! {
                joined = std::future::poll_fn(|cx| self.tasks().set.poll_join_next_with_id(cx)) => joined,
                // A task spawned after the poll above is not in its waker's reach: poll again.
                () = self.inner.spawned.notified() => continue,
            };
            let Some(joined) = joined else {
                self.inner.spawned.notified().await;
                continue;
            };
            let (id, how) = match joined {
                Ok((id, ())) => (id, None),
                Err(error) => (error.id(), Some(describe(error))),
            };
            let name = self.tasks().names.remove(&id);
            let Some(how) = how.or_else(|| name.is_none_or(|n| !n.once).then(|| "ended".into()))
            else {
                continue;
            };
            let task = name.map_or("unnamed", |n| n.name);
            let ended = TaskEnded { task, how };
            tracing::error!(task, how = %ended.how, "a supervised task ended; the process stops");
            return ended;
        }
    }

    fn tasks(&self) -> std::sync::MutexGuard<'_, Tasks> {
        // A panic never happens while the lock is held: the lock only guards the set's own calls.
        self.inner.tasks.lock().expect("supervisor lock")
    }
}

fn describe(error: JoinError) -> String {
    if error.is_cancelled() {
        return "was cancelled".into();
    }
    let payload = error.into_panic();
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into());
    format!("panicked: {message}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test(start_paused = true)]
    async fn a_task_that_panics_is_named_with_its_message() {
        let supervisor = Supervisor::default();
        supervisor.spawn("forever", std::future::pending());
        supervisor.spawn("projection", async {
            tokio::time::sleep(Duration::from_secs(1)).await;
            panic!("commit 7 broke it");
        });
        let ended = supervisor.ended().await;
        assert_eq!(
            ended,
            TaskEnded {
                task: "projection",
                how: "panicked: commit 7 broke it".into()
            }
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_task_that_returns_has_ended_too() {
        let supervisor = Supervisor::default();
        let waiting = tokio::spawn({
            let supervisor = supervisor.clone();
            async move { supervisor.ended().await }
        });
        tokio::time::sleep(Duration::from_secs(1)).await;
        // Spawned while `ended` already waits on an empty set.
        supervisor.spawn("sampler", async {});
        assert_eq!(waiting.await.unwrap().task, "sampler");
    }

    #[tokio::test(start_paused = true)]
    async fn a_task_run_once_may_finish_but_not_panic() {
        let supervisor = Supervisor::default();
        supervisor.spawn_once("check", async {});
        let waited = tokio::time::timeout(Duration::from_secs(3600), supervisor.ended()).await;
        assert!(waited.is_err(), "finishing is fine");
        supervisor.spawn_once("check", async { panic!("no") });
        assert_eq!(supervisor.ended().await.how, "panicked: no");
    }

    #[tokio::test(start_paused = true)]
    async fn nothing_ends_while_every_task_runs() {
        let supervisor = Supervisor::default();
        supervisor.spawn("forever", std::future::pending());
        let waited = tokio::time::timeout(Duration::from_secs(3600), supervisor.ended()).await;
        assert!(waited.is_err());
    }

    #[tokio::test]
    async fn dropping_the_last_clone_aborts_the_tasks() {
        let supervisor = Supervisor::default();
        let (sender, mut receiver) = tokio::sync::mpsc::channel::<()>(1);
        supervisor.spawn("holder", async move {
            let _held = sender;
            std::future::pending::<()>().await;
        });
        drop(supervisor);
        assert_eq!(receiver.recv().await, None, "the task was aborted");
    }
}
