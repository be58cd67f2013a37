//! The guest-wide budget for the output that `Guest.Run` calls hold while their programs run.
//!
//! Each call may keep up to [`crate::rpc::run::MAX_OUTPUT`] bytes of each of stdout and stderr,
//! but together the calls keep at most the budget ([`DEFAULT_RUN_OUTPUT_BUDGET`] unless
//! configured), counted as the capacity of their buffers. A call that needs more while the budget
//! is used up stops reading, so its program blocks on its full pipe, until other calls give
//! memory back, and the guest logs a warning (once per episode). The oldest running call never
//! waits, so the calls always make progress (a budget that made every call wait for another
//! would deadlock them): the guest holds at most the budget plus one call's limit.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::Notify;

/// The default budget: 64 MiB.
pub const DEFAULT_RUN_OUTPUT_BUDGET: usize = 64 << 20;

/// The budget shared by every `Run` call of a guest.
#[derive(Debug)]
pub struct OutputBudget {
    limit: usize,
    state: Mutex<State>,
    /// Memory came back, or the oldest call changed.
    changed: Notify,
}

#[derive(Debug, Default)]
struct State {
    used: usize,
    /// The calls holding a [`CallBudget`], oldest first.
    calls: BTreeSet<u64>,
    /// The id of the next call.
    next_call: u64,
    /// A call is waiting (a warning was logged for this episode).
    pressure: bool,
}

impl OutputBudget {
    /// A budget of `limit` bytes.
    pub fn new(limit: usize) -> Arc<Self> {
        Arc::new(OutputBudget {
            limit,
            state: Mutex::new(State::default()),
            changed: Notify::new(),
        })
    }

    /// Bytes held by all calls now.
    pub fn used(&self) -> usize {
        self.lock().used
    }

    /// A new call's share: it holds nothing yet; what it takes comes back when it is dropped.
    pub fn call(self: &Arc<Self>) -> CallBudget {
        let mut st = self.lock();
        let id = st.next_call;
        st.next_call += 1;
        st.calls.insert(id);
        drop(st);
        CallBudget {
            budget: self.clone(),
            id,
            held: AtomicUsize::new(0),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // No invariant spans a section that can panic.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn give_back(&self, bytes: usize) {
        let mut st = self.lock();
        st.used = st.used.saturating_sub(bytes);
        if st.pressure && st.used <= self.limit / 2 {
            st.pressure = false;
            tracing::info!(
                used = st.used,
                budget = self.limit,
                "run output budget: pressure is over"
            );
        }
        drop(st);
        self.changed.notify_waiters();
    }
}

/// One `Run` call's part of the [`OutputBudget`], shared by the readers of its stdout and stderr.
#[derive(Debug)]
pub struct CallBudget {
    budget: Arc<OutputBudget>,
    id: u64,
    held: AtomicUsize,
}

impl CallBudget {
    /// Takes `bytes` more, waiting while the budget is used up (unless this is the oldest call).
    pub async fn take(&self, bytes: usize) {
        loop {
            let changed = self.budget.changed.notified();
            tokio::pin!(changed);
            // Registered before the check, so a give-back between the check and the wait wakes it.
            changed.as_mut().enable();
            {
                let mut st = self.budget.lock();
                let oldest = st.calls.first() == Some(&self.id);
                if oldest || st.used + bytes <= self.budget.limit {
                    st.used += bytes;
                    self.held.fetch_add(bytes, Ordering::Relaxed);
                    return;
                }
                if !st.pressure {
                    st.pressure = true;
                    tracing::warn!(
                        used = st.used,
                        budget = self.budget.limit,
                        waiting_for = bytes,
                        "run output budget used up: Run output waits until earlier calls finish"
                    );
                }
            }
            changed.await;
        }
    }

    /// Bytes this call holds.
    pub fn held(&self) -> usize {
        self.held.load(Ordering::Relaxed)
    }
}

impl Drop for CallBudget {
    fn drop(&mut self) {
        self.budget.lock().calls.remove(&self.id);
        // Also wakes the calls waiting for the oldest call to change.
        self.budget.give_back(self.held());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn a_younger_call_waits_for_memory_and_the_oldest_never_does() {
        let budget = OutputBudget::new(100);
        let old = budget.call();
        let young = budget.call();
        old.take(80).await;
        // The budget has 20 left: the younger call must wait for 50.
        let waiting = tokio::time::timeout(Duration::from_millis(50), young.take(50)).await;
        assert!(
            waiting.is_err(),
            "the younger call took more than the budget"
        );
        // The oldest call goes beyond the budget rather than wait.
        old.take(80).await;
        assert_eq!(budget.used(), 160);
        drop(old);
        assert_eq!(budget.used(), 0);
        young.take(50).await;
        assert_eq!(young.held(), 50);
        drop(young);
        assert_eq!(budget.used(), 0);
    }

    #[tokio::test]
    async fn memory_given_back_wakes_a_waiting_call() {
        let budget = OutputBudget::new(100);
        let old = budget.call();
        old.take(90).await;
        let young = budget.call();
        let waiter = tokio::spawn(async move {
            young.take(30).await;
            young
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiter.is_finished());
        drop(old);
        let young = tokio::time::timeout(Duration::from_secs(5), waiter)
            .await
            .expect("woken")
            .expect("task");
        assert_eq!(budget.used(), 30);
        drop(young);
        assert_eq!(budget.used(), 0);
    }
}
