//! The in-process suite: what each method and each proxy network does, with the guest library
//! (`boxpark_guest::run`, or one handler) run in this test process on a hybrid transport in a
//! temporary directory, and a host that connects as the real one does (`boxpark_e2e`'s harness).
//! It owns the semantics; `tests/binary/` owns what needs the real process, and `interop-go/e2e`
//! what a Go host observes.
//!
//! Two in-process tests have a test process of their own: `in_process_reaper.rs` (the process
//! becomes a child subreaper) and `in_process_reconnect.rs` (it installs the global subscriber).
//!
//! Every wait is bounded. Mount tests mount only tmpfs under a temporary directory, and unmount
//! it; they need root and say so when skipped. Tests that look at what the guest logged run on a
//! current-thread runtime, so that the guest's tasks log on the test's thread.

#![allow(non_snake_case)]

mod events;
mod files;
mod host_proxy;
mod launch;
mod mount;
mod proxy;
mod rpc;
mod run;
mod run_budget;
mod shutdown;
