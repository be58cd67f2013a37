//! The guest's shutdown signal: set by `Guest.Shutdown` or a signal, awaited by every loop.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

/// What the guest does once it has stopped serving.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PowerAction {
    /// Exit (or power off, as PID 1).
    PowerOff,
    /// Exit (or restart, as PID 1).
    Reboot,
}

/// A cloneable shutdown signal.
#[derive(Clone, Default)]
pub struct Shutdown {
    token: CancellationToken,
    action: Arc<AtomicU8>,
}

impl Shutdown {
    /// A signal that has not fired.
    pub fn new() -> Self {
        Self::default()
    }

    /// Fires the signal; the first caller's choice of power-off or reboot wins.
    pub fn trigger(&self, action: PowerAction) {
        let code = match action {
            PowerAction::PowerOff => 1,
            PowerAction::Reboot => 2,
        };
        let _ = self
            .action
            .compare_exchange(0, code, Ordering::SeqCst, Ordering::SeqCst);
        self.token.cancel();
    }

    /// Resolves once the signal fired.
    pub async fn fired(&self) {
        self.token.cancelled().await
    }

    /// True once the signal fired.
    pub fn is_fired(&self) -> bool {
        self.token.is_cancelled()
    }

    /// What was asked for, if the signal fired.
    pub fn power_action(&self) -> Option<PowerAction> {
        match self.action.load(Ordering::SeqCst) {
            1 => Some(PowerAction::PowerOff),
            2 => Some(PowerAction::Reboot),
            _ => None,
        }
    }
}
