//! One direction's gob stream and the connection's write half, shared by the tasks that send on it.
//!
//! A sender encodes its messages into the buffer under the lock, in the stream's order, and when
//! nothing else is being written it writes them out at once, as far as the connection takes them
//! without waiting (as Go's client and server write under a mutex, without a hand-off to another
//! task). Whatever the connection does not take at once is written by the connection's flusher
//! ([`Outbox::run_flusher`]), so a sender never waits for the peer and a dropped sender never
//! leaves a message half written.
//!
//! The stream can be corked ([`Outbox::cork`]): messages are then only buffered, and go out
//! together at [`Outbox::uncork`]. The server corks while it works through requests it has
//! already read, so the replies of calls that arrived together leave in one write.

use std::io;
use std::pin::Pin;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

use gob_codec::Encoder;
use tokio::io::AsyncWrite;
use tokio::sync::Notify;

pub(super) type DynWriter = Box<dyn AsyncWrite + Send + Unpin>;

/// State kept with the stream by its user: told when everything buffered has been written.
pub(super) trait Extra {
    fn written(&mut self);
}

pub(super) struct Outbox<X> {
    state: Mutex<State<X>>,
    /// Wakes the flusher: the buffer holds what the connection did not take, or writing failed.
    wake: Notify,
}

pub(super) struct State<X> {
    /// The stream's encoder; its buffer is the output not yet written.
    pub enc: Encoder<Vec<u8>>,
    pub extra: X,
    /// The write half; dropped by [`Outbox::close`].
    w: Option<DynWriter>,
    /// Bytes of the buffer already written.
    done: usize,
    /// The flusher owns the output: it holds bytes the connection did not take, or needs a flush.
    busy: bool,
    /// Senders only buffer: the output goes out at the next uncork (or flush).
    corked: bool,
    /// Writing failed; nothing more is written.
    failed: Option<io::ErrorKind>,
    error: Option<io::Error>,
}

/// Writing on the connection has failed (the flusher reports the error).
#[derive(Debug)]
pub(super) struct Failed;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // No invariant spans a section that can panic.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<X: Extra> State<X> {
    /// Writes the buffer out and flushes, as far as the writer goes without waiting.
    fn drive(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let Some(w) = self.w.as_mut() else {
            return Poll::Ready(Err(io::ErrorKind::NotConnected.into()));
        };
        while self.done < self.enc.get_ref().len() {
            let buf = &self.enc.get_ref()[self.done..];
            match Pin::new(&mut *w).poll_write(cx, buf) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => self.done += n,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        self.enc.get_mut().clear();
        self.done = 0;
        std::task::ready!(Pin::new(w).poll_flush(cx))?;
        self.extra.written();
        Poll::Ready(Ok(()))
    }

    fn fail(&mut self, e: io::Error) {
        if self.failed.is_none() {
            self.failed = Some(e.kind());
            self.error = Some(e);
        }
        self.enc.get_mut().clear();
        self.done = 0;
    }
}

impl<X: Extra> Outbox<X> {
    pub fn new(w: DynWriter, extra: X) -> Self {
        Outbox {
            state: Mutex::new(State {
                enc: Encoder::new(Vec::new()),
                extra,
                w: Some(w),
                done: 0,
                busy: false,
                corked: false,
                failed: None,
                error: None,
            }),
            wake: Notify::new(),
        }
    }

    /// Runs `f` under the lock to encode messages (its result is returned), then writes them
    /// unless the flusher is at work. Fails, without calling `f`, once writing has failed.
    pub fn push<R>(
        &self,
        cx: &mut Context<'_>,
        f: impl FnOnce(&mut State<X>) -> R,
    ) -> Result<R, Failed> {
        let (mut st, r) = self.encode(f)?;
        if !st.corked {
            self.write_now(&mut st, cx);
        }
        Ok(r)
    }

    /// [`Outbox::push`] that leaves the writing to the flusher, so that what other senders push
    /// before it runs goes out in the same write: for a sender that knows others are active.
    pub fn push_later<R>(&self, f: impl FnOnce(&mut State<X>) -> R) -> Result<R, Failed> {
        let (mut st, r) = self.encode(f)?;
        if !st.busy && !st.enc.get_ref().is_empty() {
            self.hand_to_flusher(&mut st);
        }
        Ok(r)
    }

    /// Runs `f` under the lock, unless writing has failed; the lock is kept for the write.
    fn encode<R>(
        &self,
        f: impl FnOnce(&mut State<X>) -> R,
    ) -> Result<(MutexGuard<'_, State<X>>, R), Failed> {
        let mut st = lock(&self.state);
        if st.failed.is_some() {
            return Err(Failed);
        }
        let r = f(&mut st);
        Ok((st, r))
    }

    /// The flusher owns the output from now on (it writes what the connection did not take).
    fn hand_to_flusher(&self, st: &mut State<X>) {
        st.busy = true;
        self.wake.notify_one();
    }

    /// Writes what is buffered unless the flusher is at work, as far as the connection takes it
    /// without waiting; hands the rest (or a failure) to the flusher.
    fn write_now(&self, st: &mut State<X>, cx: &mut Context<'_>) {
        if st.busy || st.failed.is_some() || st.enc.get_ref().is_empty() {
            return;
        }
        match st.drive(cx) {
            Poll::Ready(Ok(())) => {}
            Poll::Ready(Err(e)) => {
                st.fail(e);
                self.wake.notify_one();
            }
            Poll::Pending => self.hand_to_flusher(st),
        }
    }

    /// From now on senders only buffer, until [`Outbox::uncork`].
    pub fn cork(&self) {
        lock(&self.state).corked = true;
    }

    /// Ends a [`Outbox::cork`]: writes what was buffered meanwhile, as a push does.
    pub fn uncork(&self, cx: &mut Context<'_>) {
        let mut st = lock(&self.state);
        st.corked = false;
        self.write_now(&mut st, cx);
    }

    /// [`Outbox::uncork`] from async code.
    pub async fn uncork_async(&self) {
        std::future::poll_fn(|cx| {
            self.uncork(cx);
            Poll::Ready(())
        })
        .await
    }

    /// [`Outbox::push`] from async code.
    pub async fn push_async<R>(&self, f: impl FnOnce(&mut State<X>) -> R) -> Result<R, Failed> {
        let mut f = Some(f);
        std::future::poll_fn(|cx| match f.take() {
            Some(f) => Poll::Ready(self.push(cx, f)),
            None => Poll::Ready(Err(Failed)),
        })
        .await
    }

    /// Writes what the senders left, whenever they leave something, until writing fails; returns
    /// that error. Runs for as long as the connection is used.
    pub async fn run_flusher(&self) -> io::Error {
        loop {
            self.wake.notified().await;
            if let Err(e) = self.flush().await {
                return e;
            }
        }
    }

    /// Writes and flushes everything buffered now.
    pub async fn flush(&self) -> io::Result<()> {
        std::future::poll_fn(|cx| {
            let mut st = lock(&self.state);
            if let Some(kind) = st.failed {
                return Poll::Ready(Err(st.error.take().unwrap_or_else(|| kind.into())));
            }
            match st.drive(cx) {
                Poll::Ready(Ok(())) => {
                    st.busy = false;
                    Poll::Ready(Ok(()))
                }
                Poll::Ready(Err(e)) => {
                    let kind = e.kind();
                    st.fail(e);
                    Poll::Ready(Err(st.error.take().unwrap_or_else(|| kind.into())))
                }
                Poll::Pending => {
                    st.busy = true;
                    Poll::Pending
                }
            }
        })
        .await
    }

    /// Shuts the write side down (after [`Outbox::flush`]).
    pub async fn shutdown(&self) -> io::Result<()> {
        std::future::poll_fn(|cx| match lock(&self.state).w.as_mut() {
            Some(w) => Pin::new(w).poll_shutdown(cx),
            None => Poll::Ready(Ok(())),
        })
        .await
    }

    /// Drops the write half (the connection closes once the read half is gone too); what is not
    /// written yet is dropped, and later pushes fail.
    pub fn close(&self) {
        let w = {
            let mut st = lock(&self.state);
            st.fail(io::ErrorKind::NotConnected.into());
            st.w.take()
        };
        drop(w);
        self.wake.notify_one();
    }
}
