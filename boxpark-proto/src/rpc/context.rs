//! The context of one connection being served: what its calls share and how they learn that it is
//! ending.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context as TaskContext, Poll};

use tokio::io::{AsyncRead, ReadBuf};
use tokio_util::sync::{
    CancellationToken, WaitForCancellationFuture, WaitForCancellationFutureOwned,
};

/// A callback run when the connection closes.
type OnClose = Box<dyn FnOnce() + Send>;

/// The context of one connection served by a [`super::Server`]: the connection's own `data`,
/// a cancellation signal, a way to stop reading, and callbacks for the close. Every call of the
/// connection gets a clone (cloning is cheap; the clones share everything).
///
/// The context is *cancelled* (see [`Context::cancelled`]) when the connection will take no
/// further request:
///
/// - the peer's stream ended (end of file, or a read error), or
/// - [`Context::stop_reading`] was called, or
/// - serving ended: `serve` returned (after a request header that does not decode, once the
///   calls running have been answered; or when writing failed) or its future was dropped.
///
/// A handler that can give up its work selects on [`Context::cancelled`]: its answer is still
/// written if the connection can take it.
///
/// A context serves one connection. Create it with [`Context::new`] and pass it to
/// [`super::Server::serve_context`] to keep a handle on the connection (for example to wait for
/// [`Context::reading_stopped`] or to register [`Context::on_close`]), or let
/// [`super::Server::serve`] create it.
pub struct Context<S = ()> {
    inner: Arc<Inner<S>>,
}

struct Inner<S> {
    data: S,
    /// Cancelled when the connection takes no further request.
    cancel: CancellationToken,
    /// Cancelled by [`Context::stop_reading`].
    stop: CancellationToken,
    /// Callbacks for the close; `None` once they ran.
    on_close: Mutex<Option<Vec<OnClose>>>,
}

impl<S> Clone for Context<S> {
    fn clone(&self) -> Self {
        Context {
            inner: self.inner.clone(),
        }
    }
}

impl<S: std::fmt::Debug> std::fmt::Debug for Context<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("data", &self.inner.data)
            .field("cancelled", &self.is_cancelled())
            .field("reading_stopped", &self.is_reading_stopped())
            .finish_non_exhaustive()
    }
}

impl<S> Context<S> {
    /// The context of a connection that is not served yet, holding `data`.
    pub fn new(data: S) -> Self {
        Context {
            inner: Arc::new(Inner {
                data,
                cancel: CancellationToken::new(),
                stop: CancellationToken::new(),
                on_close: Mutex::new(Some(Vec::new())),
            }),
        }
    }

    /// The connection's own data, as given to [`Context::new`] or [`super::Server::serve`].
    pub fn data(&self) -> &S {
        &self.inner.data
    }

    /// Resolves once the connection takes no further request (see [`Context`] for when).
    pub fn cancelled(&self) -> WaitForCancellationFuture<'_> {
        self.inner.cancel.cancelled()
    }

    /// Whether the connection takes no further request.
    pub fn is_cancelled(&self) -> bool {
        self.inner.cancel.is_cancelled()
    }

    /// A token that is cancelled with the context, to hand to code that takes a
    /// [`CancellationToken`]. Cancelling it cancels only itself.
    pub fn token(&self) -> CancellationToken {
        self.inner.cancel.child_token()
    }

    /// Asks the server to read no further request on this connection (what a `Shutdown` method
    /// needs). Requests already read from the connection (buffered, up to 16 KiB) are still
    /// served; the context is cancelled now. The server then answers every call it started,
    /// this one included, flushes, and closes the connection, as when the peer stops sending.
    pub fn stop_reading(&self) {
        self.inner.stop.cancel();
        self.inner.cancel.cancel();
    }

    /// Whether [`Context::stop_reading`] was called.
    pub fn is_reading_stopped(&self) -> bool {
        self.inner.stop.is_cancelled()
    }

    /// Resolves once [`Context::stop_reading`] was called.
    pub fn reading_stopped(&self) -> WaitForCancellationFuture<'_> {
        self.inner.stop.cancelled()
    }

    /// Runs `f` just before the server closes the connection: after the last reply was flushed
    /// and before the peer can see the end of the stream (or, when writing failed or the `serve`
    /// future was dropped, before the connection is dropped). So whatever the peer does once it
    /// sees the close happens after `f`. Callbacks run in the order they were added; one added
    /// after the close runs at once. If the connection is never served, `f` is dropped unrun with
    /// the last clone of the context.
    pub fn on_close(&self, f: impl FnOnce() + Send + 'static) {
        let mut hooks = lock(&self.inner.on_close);
        match hooks.as_mut() {
            Some(hooks) => hooks.push(Box::new(f)),
            None => {
                drop(hooks);
                f();
            }
        }
    }

    /// The connection is about to close: cancels the context and runs the close callbacks (once).
    pub(super) fn close(&self) {
        self.inner.cancel.cancel();
        let hooks = lock(&self.inner.on_close).take();
        for f in hooks.into_iter().flatten() {
            f();
        }
    }

    /// The read half of the connection, watched for this context.
    pub(super) fn incoming<R>(&self, r: R) -> Incoming<R> {
        Incoming {
            r,
            stop: Box::pin(self.inner.stop.clone().cancelled_owned()),
            cancel: self.inner.cancel.clone(),
            ended: false,
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // No invariant spans a section that can panic.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The read half of a connection being served: it ends (as at end of file) once reading was
/// stopped, and it cancels the context when the peer's stream ends or fails.
pub(super) struct Incoming<R> {
    r: R,
    stop: Pin<Box<WaitForCancellationFutureOwned>>,
    cancel: CancellationToken,
    ended: bool,
}

impl<R> Incoming<R> {
    fn end(&mut self) {
        self.ended = true;
        self.cancel.cancel();
    }
}

impl<R: AsyncRead + Unpin> AsyncRead for Incoming<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.ended {
            return Poll::Ready(Ok(()));
        }
        if self.stop.as_mut().poll(cx).is_ready() {
            self.end();
            return Poll::Ready(Ok(()));
        }
        let before = buf.filled().len();
        let wanted = buf.remaining() > 0;
        match Pin::new(&mut self.r).poll_read(cx, buf) {
            Poll::Ready(Ok(())) if wanted && buf.filled().len() == before => {
                self.end();
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => {
                self.end();
                Poll::Ready(Err(e))
            }
            other => other,
        }
    }
}
