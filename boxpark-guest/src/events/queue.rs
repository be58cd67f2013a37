//! The bounded queue of records waiting for the event stream.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use boxpark_proto::event::{level, Log};
use gob_codec::Time;
use tokio::sync::Notify;

/// Records held while the host is not connected.
pub const QUEUE_CAPACITY: usize = 1024;

/// Bounded queue of log records waiting for the event stream; cheap to clone and to push to from
/// any thread. When full, the oldest record makes room and is counted as dropped.
#[derive(Clone)]
pub struct EventQueue {
    shared: Arc<Shared>,
}

struct Shared {
    state: Mutex<State>,
    notify: Notify,
    capacity: usize,
}

#[derive(Default)]
struct State {
    records: VecDeque<Log>,
    dropped: u64,
}

/// What the sender takes off the queue next.
pub(super) enum Next {
    /// This many records were dropped since the last report.
    Dropped(u64),
    /// The oldest queued record.
    Record(Log),
}

impl EventQueue {
    /// A queue holding up to `capacity` records (at least one).
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        EventQueue {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    records: VecDeque::with_capacity(capacity.min(QUEUE_CAPACITY)),
                    dropped: 0,
                }),
                notify: Notify::new(),
                capacity,
            }),
        }
    }

    /// Queues a record; when the queue is full the oldest record is dropped and counted.
    pub fn push(&self, log: Log) {
        {
            let mut state = self.lock();
            if state.records.len() >= self.shared.capacity {
                state.records.pop_front();
                state.dropped = state.dropped.saturating_add(1);
            }
            state.records.push_back(log);
        }
        self.shared.notify.notify_one();
    }

    /// Records waiting.
    pub fn len(&self) -> usize {
        self.lock().records.len()
    }

    /// True when no record waits.
    pub fn is_empty(&self) -> bool {
        self.lock().records.is_empty()
    }

    /// Records dropped and not yet reported to the host.
    pub fn dropped(&self) -> u64 {
        self.lock().dropped
    }

    /// The most records held.
    pub fn capacity(&self) -> usize {
        self.shared.capacity
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // No code panics while holding the lock; if some ever did, the queue is still consistent.
        self.shared
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The drop count first (it is about older records than any queued), then the oldest record.
    pub(super) fn next(&self) -> Option<Next> {
        let mut state = self.lock();
        if state.dropped > 0 {
            return Some(Next::Dropped(std::mem::take(&mut state.dropped)));
        }
        state.records.pop_front().map(Next::Record)
    }

    /// Puts back a drop count whose report could not be written.
    pub(super) fn restore_dropped(&self, n: u64) {
        let mut state = self.lock();
        state.dropped = state.dropped.saturating_add(n);
    }

    /// Resolves after a push (at once if one happened since the last wait).
    pub(super) async fn pushed(&self) {
        self.shared.notify.notified().await
    }
}

impl fmt::Debug for EventQueue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct("EventQueue")
            .field("len", &state.records.len())
            .field("dropped", &state.dropped)
            .field("capacity", &self.shared.capacity)
            .finish()
    }
}

/// The warn record that reports `n` dropped records.
pub fn dropped_record(n: u64) -> Log {
    Log {
        Time: Time::now(),
        Level: level::WARN,
        Message: format!("dropped {n} log records while the host was unreachable"),
        Attrs: BTreeMap::from([("dropped".to_owned(), n.to_string())]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(msg: &str) -> Log {
        Log {
            Message: msg.to_owned(),
            ..Log::default()
        }
    }

    #[test]
    fn full_queue_drops_the_oldest_and_counts() {
        let q = EventQueue::new(3);
        for i in 0..5 {
            q.push(record(&i.to_string()));
        }
        assert_eq!(q.len(), 3);
        assert!(matches!(q.next(), Some(Next::Dropped(2))));
        let rest: Vec<String> = std::iter::from_fn(|| match q.next() {
            Some(Next::Record(l)) => Some(l.Message),
            _ => None,
        })
        .collect();
        assert_eq!(rest, ["2", "3", "4"]);
        assert!(q.is_empty());
        q.restore_dropped(7);
        assert_eq!(q.dropped(), 7);
    }
}
