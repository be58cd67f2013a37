//! The `Test` service that the interop tests (`examples/rpc_test_server.rs`,
//! `examples/rpc_test_client.rs` and their Go counterparts in `interop-go/rpcinterop`), the tests
//! and the benchmarks serve: the same methods and types as the Go side defines them (Go `int` is
//! `i64`). Not part of the crate: each of them includes this file with `#[path]`.
//!
//! - `Test.Echo(EchoArgs, *EchoReply)`: returns the same values;
//! - `Test.Add(AddArgs, *AddReply)`: `Sum = A + B` (wrapping, as Go's `int`);
//! - `Test.Sleep(SleepArgs, *Empty)`: sleeps `Millis` milliseconds;
//! - `Test.Fail(FailArgs, *Empty)`: fails with exactly `Msg`.
#![allow(non_snake_case, dead_code)]

use std::time::Duration;

use boxpark_proto::rpc::{Error, Server, ServerBuilder};
use serde::{Deserialize, Serialize};

/// The reply of `Test.Sleep` and `Test.Fail`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Empty {}

/// The argument of `Test.Echo`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EchoArgs {
    /// Echoed.
    pub S: String,
    /// Echoed.
    pub N: i64,
}

/// The reply of `Test.Echo`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EchoReply {
    /// As sent.
    pub S: String,
    /// As sent.
    pub N: i64,
}

/// The argument of `Test.Add`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddArgs {
    /// First term.
    pub A: i64,
    /// Second term.
    pub B: i64,
}

/// The reply of `Test.Add`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddReply {
    /// `A + B`.
    pub Sum: i64,
}

/// The argument of `Test.Sleep`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SleepArgs {
    /// How long, in milliseconds (negative means not at all).
    pub Millis: i64,
}

/// The argument of `Test.Fail`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailArgs {
    /// The error text to answer with.
    pub Msg: String,
}

/// Registers the `Test` service's four methods: the three that answer at once as plain functions
/// on the reading task, `Sleep` in a task of its own.
pub fn register(builder: &mut ServerBuilder) -> Result<(), Error> {
    builder
        .register_sync("Test.Echo", |_, a: EchoArgs| {
            Ok::<_, String>(EchoReply { S: a.S, N: a.N })
        })?
        .register_sync("Test.Add", |_, a: AddArgs| {
            Ok::<_, String>(AddReply {
                Sum: a.A.wrapping_add(a.B),
            })
        })?
        .register("Test.Sleep", |_, a: SleepArgs| async move {
            let millis = u64::try_from(a.Millis).unwrap_or(0);
            tokio::time::sleep(Duration::from_millis(millis)).await;
            Ok::<_, String>(Empty {})
        })?
        .register_sync("Test.Fail", |_, a: FailArgs| Err::<Empty, _>(a.Msg))?;
    Ok(())
}

/// A builder with the `Test` service, for more methods beside it.
pub fn builder() -> ServerBuilder {
    let mut builder = ServerBuilder::new();
    // The names are fixed and well formed, so registering cannot fail.
    if let Err(e) = register(&mut builder) {
        tracing::error!(error = %e, "registering the Test service");
    }
    builder
}

/// A server with the `Test` service.
pub fn server() -> Server {
    builder().build()
}
