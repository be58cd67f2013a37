//! The record of boot: every step, logged as it ends (or held until logging is set up, for the
//! steps that come before it), so the host sees the whole boot on the event stream.

use super::Error;

/// How one step ended.
#[derive(Debug)]
pub enum Outcome {
    /// It did what it says; the text says what.
    Done(String),
    /// Nothing to do (already mounted, option not given, …).
    Skipped(String),
    /// It failed; boot goes on without it.
    Failed(Error),
}

/// The steps of boot, in order.
#[derive(Debug, Default)]
pub struct BootReport {
    held: Vec<(&'static str, Outcome)>,
    live: bool,
    failures: usize,
}

impl BootReport {
    /// A report that holds its steps until [`BootReport::go_live`].
    pub fn new() -> Self {
        Self::default()
    }

    /// The held steps, in order.
    #[cfg(test)]
    pub fn steps(&self) -> impl Iterator<Item = &(&'static str, Outcome)> {
        self.held.iter()
    }

    /// Records how step `step` ended.
    pub fn record(&mut self, step: &'static str, outcome: Outcome) {
        if matches!(outcome, Outcome::Failed(_)) {
            self.failures += 1;
        }
        if self.live {
            log(step, &outcome);
        } else {
            self.held.push((step, outcome));
        }
    }

    /// Records a step's result: `Ok` text as done, `Err` as failed.
    pub fn result(&mut self, step: &'static str, result: Result<String, Error>) {
        self.record(
            step,
            match result {
                Ok(done) => Outcome::Done(done),
                Err(e) => Outcome::Failed(e),
            },
        );
    }

    /// Logs the held steps and every later one as it comes (call once logging is set up).
    pub fn go_live(&mut self) {
        self.live = true;
        for (step, outcome) in self.held.drain(..) {
            log(step, &outcome);
        }
    }

    /// How many steps failed so far.
    pub fn failures(&self) -> usize {
        self.failures
    }
}

fn log(step: &str, outcome: &Outcome) {
    match outcome {
        Outcome::Done(what) => tracing::info!(step, "boot: {what}"),
        Outcome::Skipped(why) => tracing::debug!(step, "boot: {why}"),
        Outcome::Failed(e) => tracing::warn!(step, error = %e, "boot step failed: {step}"),
    }
}
