//! Keeping logging from feeding on itself: while a thread runs the sender or formats an event,
//! the events it emits are not queued (they still reach the other layers, such as stderr).

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

thread_local! {
    /// Set while this thread runs the sender or formats an event: events then are not queued.
    pub(super) static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// Sets [`QUIET`] for its lifetime and restores the previous value.
pub(super) struct QuietGuard {
    was: bool,
}

impl QuietGuard {
    pub(super) fn enter() -> Self {
        QuietGuard {
            was: QUIET.with(|q| q.replace(true)),
        }
    }
}

impl Drop for QuietGuard {
    fn drop(&mut self) {
        QUIET.with(|q| q.set(self.was));
    }
}

/// A future whose polls are quiet: whatever it logs is not queued for the host.
pub(super) struct Quiet<F> {
    pub(super) inner: Pin<Box<F>>,
}

impl<F: Future> Future for Quiet<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let _quiet = QuietGuard::enter();
        self.inner.as_mut().poll(cx)
    }
}
