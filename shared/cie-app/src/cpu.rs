//! CPU-bound work of intake (reading and validating documents) on tokio's blocking pool, at a lower scheduling
//! priority than the archive writer and the database connections' threads.
//!
//! Under load the machine's cores are shared by work that runs side by side (one document's rules beside
//! another's) and by the one stage every document passes through in turn, the archive writer with its SQLite
//! connection. When the writer waits for a core behind validation, every request behind it waits too; with
//! the blocking pool's threads a few nice steps lower, the writer runs whenever it can, and validation takes
//! the rest of the cores.

use std::cell::Cell;

use tokio::task::JoinError;

thread_local! {
    static LOWERED: Cell<bool> = const { Cell::new(false) };
}

/// Runs `work` on the blocking pool, the pool's thread first lowered to `nice` (once per thread; `0` leaves
/// it as it is).
pub async fn run<F, R>(nice: i32, work: F) -> Result<R, JoinError>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    tokio::task::spawn_blocking(move || {
        lower_this_thread(nice);
        work()
    })
    .await
}

fn lower_this_thread(nice: i32) {
    if nice <= 0 || LOWERED.get() {
        return;
    }
    LOWERED.set(true);
    lower(nice);
}

#[cfg(target_os = "linux")]
fn lower(nice: i32) {
    // On Linux a nice value belongs to a thread, and `who = 0` names the calling one. Raising it needs no
    // privilege; a failure leaves the thread as it was.
    if let Err(error) = rustix::process::setpriority_process(None, nice) {
        tracing::debug!(%error, "could not lower a blocking thread's priority");
    }
}

#[cfg(not(target_os = "linux"))]
fn lower(_nice: i32) {}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use rustix::process::getpriority_process;

    fn on_a_fresh_pool(nice: i32) -> i32 {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime");
        runtime
            .block_on(super::run(nice, || getpriority_process(None)))
            .expect("the work ran")
            .expect("the thread's priority")
    }

    #[test]
    fn blocking_work_runs_at_the_configured_nice_value_and_zero_leaves_it() {
        let base = on_a_fresh_pool(0);
        assert_eq!(on_a_fresh_pool(19), base.max(19));
        assert_eq!(on_a_fresh_pool(0), base);
    }
}
