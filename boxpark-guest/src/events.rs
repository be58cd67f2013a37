//! Host port 1: `Info`, then `Log`s from the guest's own `tracing` records.
//! (Being written: see the issue; the interface below is what `lib.rs` and `main.rs` use.)

use std::sync::Arc;

/// Records held while the host is not connected.
pub const QUEUE_CAPACITY: usize = 1024;

/// Bounded queue of log records waiting for the event stream.
#[derive(Clone)]
pub struct EventQueue {}

impl EventQueue {
    /// A queue holding up to `capacity` records.
    pub fn new(_capacity: usize) -> Self {
        EventQueue {}
    }
}

/// A `tracing` layer that puts records on an [`EventQueue`].
pub struct EventLayer {}

impl EventLayer {
    /// The layer.
    pub fn new(_queue: EventQueue) -> Self {
        EventLayer {}
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for EventLayer {}

/// Dials host port 1 and sends events until shutdown.
pub async fn run(_guest: Arc<crate::Guest>, _queue: EventQueue) {}
