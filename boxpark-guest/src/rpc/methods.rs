//! The `Guest` service's method table: each method's handler, registered once, and the one place
//! where a method's error becomes its `net/rpc` text.

use std::future::Future;

use boxpark_proto::api::{
    methods, ListenRequest, MkdirRequest, MountRequest, RunRequest, ShutdownRequest, WriteRequest,
};
use boxpark_proto::rpc::{Server, ServerBuilder};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{listen, mkdir, mount, run, shutdown, write, Connection, Context, Error, Service};

/// The `Guest` service's six methods.
pub(super) fn service() -> Service {
    let mut b = Server::<Connection>::builder();
    // The names are fixed and well formed, so registering cannot fail.
    if let Err(e) = register_all(&mut b) {
        tracing::error!(error = %e, "registering the Guest service");
    }
    b.build()
}

fn register_all(b: &mut ServerBuilder<Connection>) -> Result<(), boxpark_proto::rpc::Error> {
    use Dispatch::{Inline, Task};
    register(b, methods::MOUNT, Task, |_, req: MountRequest| {
        mount::mount(req)
    })?;
    register(
        b,
        methods::RUN,
        Task,
        |ctx: Context, req: RunRequest| async move {
            tokio::select! {
                biased;
                // Dropping the call kills its process group.
                () = ctx.cancelled() => Err(Error::Abandoned),
                r = run::run(&ctx.data().guest().run_output, req) => r,
            }
        },
    )?;
    register(b, methods::WRITE, Task, |_, req: WriteRequest| {
        write::write(req)
    })?;
    register_sync(b, methods::MKDIR, |_, req: MkdirRequest| mkdir::mkdir(req))?;
    register(
        b,
        methods::LISTEN,
        Inline,
        |ctx: Context, req: ListenRequest| async move {
            listen::listen(ctx.data().guest(), req)
                .await
                .map_err(Error::Other)
        },
    )?;
    register_sync(
        b,
        methods::SHUTDOWN,
        |ctx: Context, req: ShutdownRequest| shutdown::shutdown(&ctx, req),
    )?;
    Ok(())
}

/// Where a method runs.
enum Dispatch {
    /// On the connection's reading task until it first waits: for methods whose system calls
    /// return at once (see [`ServerBuilder::register_inline`]).
    Inline,
    /// In a task of its own: for methods that start programs or wait for the disk.
    Task,
}

/// Registers a method whose errors become their `net/rpc` text in [`into_rpc_error`].
fn register<A, R, F, Fut>(
    b: &mut ServerBuilder<Connection>,
    name: &'static str,
    dispatch: Dispatch,
    f: F,
) -> Result<(), boxpark_proto::rpc::Error>
where
    F: Fn(Context, A) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<R, Error>> + Send + 'static,
    A: DeserializeOwned + Send + 'static,
    R: Serialize + DeserializeOwned + Default + Send + 'static,
{
    let handler = move |ctx: Context, args: A| {
        let call = f(ctx, args);
        async move { call.await.map_err(|e| into_rpc_error(name, e)) }
    };
    match dispatch {
        Dispatch::Inline => b.register_inline(name, handler)?,
        Dispatch::Task => b.register(name, handler)?,
    };
    Ok(())
}

/// [`register`] for a method whose system calls return at once: a plain function, called on
/// the connection's reading task (see [`ServerBuilder::register_sync`]).
fn register_sync<A, R, F>(
    b: &mut ServerBuilder<Connection>,
    name: &'static str,
    f: F,
) -> Result<(), boxpark_proto::rpc::Error>
where
    F: Fn(Context, A) -> Result<R, Error> + Send + Sync + 'static,
    A: DeserializeOwned + Send + 'static,
    R: Serialize + DeserializeOwned + Default + Send + 'static,
{
    b.register_sync(name, move |ctx: Context, args: A| {
        f(ctx, args).map_err(|e| into_rpc_error(name, e))
    })?;
    Ok(())
}

/// The `Error` text of a failed call, logged here (as a warning: it reaches the host's events).
pub fn into_rpc_error(method: &str, e: Error) -> String {
    let text = e.to_string();
    tracing::warn!(method, error = %text, "call failed");
    text
}
