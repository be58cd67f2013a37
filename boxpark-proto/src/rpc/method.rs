//! A registered method: decodes its argument, runs the handler (a future, in a task of its own or
//! first on the reading task; or a plain function, on the reading task) and sends the answer, with
//! the argument and reply types erased so that one table holds every method.

use std::fmt::Display;
use std::future::Future;
use std::marker::PhantomData;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;

use futures::FutureExt;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::sync::Semaphore;

use super::server::{send_error, send_reply, take_budget, Dec, Head, Out};
use super::Context;

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A method of a server whose connections have data `S`.
pub(super) trait Method<S>: Send + Sync {
    /// The `"Service.Method"` name.
    fn name(&self) -> &Arc<str>;

    /// Reads the argument from the stream and starts the call in a task of its own, which writes
    /// the reply. An argument that does not decode is the error (the stream has skipped it).
    fn start<'a>(
        &'a self,
        dec: &'a mut Dec,
        head: Head,
        out: &'a Out,
        budget: &'a Arc<Semaphore>,
        ctx: &'a Context<S>,
    ) -> BoxFuture<'a, Result<(), (Head, gob_codec::Error)>>;
}

/// A handler `f` taking `A`.
pub(super) struct Typed<F, A> {
    name: Arc<str>,
    f: F,
    /// Whether the handler's first poll runs on the reading task ([`ServerBuilder::register_inline`]).
    ///
    /// [`ServerBuilder::register_inline`]: super::ServerBuilder::register_inline
    inline: bool,
    _args: PhantomData<fn(A)>,
}

impl<F, A> Typed<F, A> {
    pub(super) fn new(name: &str, f: F, inline: bool) -> Self {
        Typed {
            name: Arc::from(name),
            f,
            inline,
            _args: PhantomData,
        }
    }
}

impl<S, F, A, R, E, Fut> Method<S> for Typed<F, A>
where
    S: Send + Sync + 'static,
    F: Fn(Context<S>, A) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<R, E>> + Send + 'static,
    A: DeserializeOwned + Send + 'static,
    R: Serialize + DeserializeOwned + Default + Send + 'static,
    E: Display + Send + 'static,
{
    fn name(&self) -> &Arc<str> {
        &self.name
    }

    fn start<'a>(
        &'a self,
        dec: &'a mut Dec,
        head: Head,
        out: &'a Out,
        budget: &'a Arc<Semaphore>,
        ctx: &'a Context<S>,
    ) -> BoxFuture<'a, Result<(), (Head, gob_codec::Error)>> {
        Box::pin(async move {
            let (args, head): (A, Head) = read_argument(dec, head, out, budget).await?;
            let name = self.name.clone();
            let out = out.clone();
            // A handler that panics, when called or while it runs, is answered with an error; the
            // connection and the server go on (Go's net/rpc would crash the process).
            let call =
                match std::panic::catch_unwind(AssertUnwindSafe(|| (self.f)(ctx.clone(), args))) {
                    Ok(call) => call,
                    Err(panic) => {
                        let msg = panic_text(&name, &*panic);
                        send_error(&out, head, msg).await;
                        return Ok(());
                    }
                };
            let mut call = Box::pin(AssertUnwindSafe(call).catch_unwind());
            if self.inline {
                // The first poll runs here, on the reading task; a call that needs no more is
                // answered at once, with no task of its own. One that waits goes on in a task,
                // which polls it again (so it registers that task's waker).
                if let Poll::Ready(outcome) = futures::poll!(call.as_mut()) {
                    answer::<R, E>(&out, head, &name, outcome).await;
                    return Ok(());
                }
            }
            tokio::spawn(async move {
                let outcome = call.await;
                answer::<R, E>(&out, head, &name, outcome).await;
            });
            Ok(())
        })
    }
}

/// A handler `f` taking `A` that returns its answer at once: called on the reading task, with no
/// future and no task (see [`ServerBuilder::register_sync`]).
///
/// [`ServerBuilder::register_sync`]: super::ServerBuilder::register_sync
pub(super) struct Immediate<F, A> {
    name: Arc<str>,
    f: F,
    _args: PhantomData<fn(A)>,
}

impl<F, A> Immediate<F, A> {
    pub(super) fn new(name: &str, f: F) -> Self {
        Immediate {
            name: Arc::from(name),
            f,
            _args: PhantomData,
        }
    }
}

impl<S, F, A, R, E> Method<S> for Immediate<F, A>
where
    S: Send + Sync + 'static,
    F: Fn(Context<S>, A) -> Result<R, E> + Send + Sync + 'static,
    A: DeserializeOwned + Send + 'static,
    R: Serialize + DeserializeOwned + Default + Send + 'static,
    E: Display + Send + 'static,
{
    fn name(&self) -> &Arc<str> {
        &self.name
    }

    fn start<'a>(
        &'a self,
        dec: &'a mut Dec,
        head: Head,
        out: &'a Out,
        budget: &'a Arc<Semaphore>,
        ctx: &'a Context<S>,
    ) -> BoxFuture<'a, Result<(), (Head, gob_codec::Error)>> {
        Box::pin(async move {
            let (args, head): (A, Head) = read_argument(dec, head, out, budget).await?;
            // A handler that panics is answered with an error, as in `Typed`.
            let outcome =
                std::panic::catch_unwind(AssertUnwindSafe(|| (self.f)(ctx.clone(), args)));
            answer::<R, E>(out, head, &self.name, outcome).await;
            Ok(())
        })
    }
}

/// Decodes a call's argument and takes its share of the argument budget (kept in `head` until
/// the reply is written). On failure `head` comes back with the error, for the caller to answer.
async fn read_argument<A: DeserializeOwned>(
    dec: &mut Dec,
    mut head: Head,
    out: &Out,
    budget: &Arc<Semaphore>,
) -> Result<(A, Head), (Head, gob_codec::Error)> {
    let before = dec.offset();
    match dec.decode_buffered().await {
        Ok(args) => {
            head.argument = take_budget(budget, out, dec.offset().saturating_sub(before)).await;
            Ok((args, head))
        }
        Err(e) => Err((head, e)),
    }
}

/// Sends what a call came to: its reply, its error's text, or the text of its panic.
async fn answer<R, E>(out: &Out, head: Head, name: &str, outcome: std::thread::Result<Result<R, E>>)
where
    R: Serialize + DeserializeOwned + Default + Send + 'static,
    E: Display,
{
    match outcome {
        Ok(Ok(reply)) => send_reply(out, head, Ok(reply)).await,
        Ok(Err(e)) => {
            let msg = e.to_string();
            if msg.is_empty() {
                // Go's server sends an error whose text is empty as a success, with the reply as
                // the method left it; ours has none, so its zero value.
                send_reply(out, head, Ok(R::default())).await;
            } else {
                send_error(out, head, msg).await;
            }
        }
        Err(panic) => {
            let msg = panic_text(name, &*panic);
            send_error(out, head, msg).await;
        }
    }
}

/// The answer to a call whose handler panicked.
fn panic_text(name: &str, panic: &(dyn std::any::Any + Send)) -> String {
    let what = panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a non-string payload");
    tracing::error!(method = name, panic = what, "rpc: method panicked");
    format!("rpc: {name} panicked: {what}")
}
