//! One direction's gob stream and the connection's write half, shared by the tasks that send on it.
//!
//! A sender encodes its messages into the buffer under the lock, in the stream's order, and when
//! nothing else is being written it writes them out at once, as far as the connection takes them
//! without waiting (as Go's client and server write under a mutex, without a hand-off to another
//! task). Whatever the connection does not take at once is written by the connection's flusher
//! ([`Outbox::run_flusher`]), so a sender never waits for the peer and a dropped sender never
//! leaves a message half written.
//!
//! The lock is not held across a system call: the writer takes the bytes and the write half out
//! of the state for each write call, and senders on other threads encode into a fresh buffer
//! meanwhile instead of sleeping on the lock (a futex wait and wake per contended push, which
//! cost more than the call on a 2-vCPU machine). Whoever writes keeps writing until the buffer
//! is empty (or the peer takes no more), so what was pushed during a write goes out next, in order.
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
    /// The stream's encoder; its buffer holds the messages pushed since the last write began.
    pub enc: Encoder<Vec<u8>>,
    pub extra: X,
    /// The write half; dropped by [`Outbox::close`]. Taken out of the state while one write
    /// call runs outside the lock.
    w: Option<DynWriter>,
    /// The bytes being written (a former encoder buffer), and how many of them are written.
    out: Vec<u8>,
    done: usize,
    /// A write call runs outside the lock; its writer writes next what senders push meanwhile.
    writing: bool,
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

type Guard<'a, X> = MutexGuard<'a, State<X>>;

/// The capacity a written buffer keeps for the next messages.
const KEEP_BUFFER: usize = 64 << 10;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // No invariant spans a section that can panic.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<X> State<X> {
    fn fail(&mut self, e: io::Error) {
        if self.failed.is_none() {
            self.failed = Some(e.kind());
            self.error = Some(e);
        }
        self.enc.get_mut().clear();
        self.out.clear();
        self.done = 0;
    }

    fn failure(&mut self) -> Option<io::Error> {
        let kind = self.failed?;
        Some(self.error.take().unwrap_or_else(|| kind.into()))
    }

    /// Nothing is left to write, or what is left waits for the uncork.
    fn idle(&self) -> bool {
        self.done == self.out.len() && (self.corked || self.enc.get_ref().is_empty())
    }
}

impl<X: Extra> Outbox<X> {
    pub fn new(w: DynWriter, extra: X) -> Self {
        Outbox {
            state: Mutex::new(State {
                enc: Encoder::new(Vec::new()),
                extra,
                w: Some(w),
                out: Vec::new(),
                done: 0,
                writing: false,
                busy: false,
                corked: false,
                failed: None,
                error: None,
            }),
            wake: Notify::new(),
        }
    }

    /// Writes the buffer out and flushes, as far as the writer goes without waiting; the caller
    /// owns the output (it is the flusher, or a sender while the flusher is idle). Each write
    /// call runs with the lock released (see the module's doc); a corked stream stops between
    /// writes.
    fn drive<'a>(
        &'a self,
        mut st: Guard<'a, X>,
        cx: &mut Context<'_>,
    ) -> (Guard<'a, X>, Poll<io::Result<()>>) {
        loop {
            if let Some(kind) = st.failed {
                return (st, Poll::Ready(Err(kind.into())));
            }
            if st.done == st.out.len() {
                st.out.clear();
                // A large message (a file read, a command's output) does not keep its buffer
                // for the rest of the connection.
                st.out.shrink_to(KEEP_BUFFER);
                st.done = 0;
                if st.idle() {
                    break;
                }
                let State { enc, out, .. } = &mut *st;
                std::mem::swap(enc.get_mut(), out);
            }
            let Some(mut w) = st.w.take() else {
                return (st, Poll::Ready(Err(io::ErrorKind::NotConnected.into())));
            };
            let out = std::mem::take(&mut st.out);
            let done = st.done;
            st.writing = true;
            drop(st);
            let wrote = Pin::new(&mut w).poll_write(cx, &out[done..]);
            st = lock(&self.state);
            st.writing = false;
            if st.failed.is_some() {
                // Closed meanwhile: the write half goes now, as `close` meant.
                drop(w);
                continue;
            }
            st.w = Some(w);
            st.out = out;
            match wrote {
                Poll::Ready(Ok(0)) => {
                    return (st, Poll::Ready(Err(io::ErrorKind::WriteZero.into())));
                }
                Poll::Ready(Ok(n)) => st.done += n,
                Poll::Ready(Err(e)) => return (st, Poll::Ready(Err(e))),
                Poll::Pending => return (st, Poll::Pending),
            }
        }
        let flushed = match st.w.as_mut() {
            Some(w) => Pin::new(w).poll_flush(cx),
            None => Poll::Ready(Err(io::ErrorKind::NotConnected.into())),
        };
        if let Poll::Ready(Ok(())) = flushed {
            if st.enc.get_ref().is_empty() {
                st.extra.written();
            }
        }
        (st, flushed)
    }

    /// Runs `f` under the lock to encode messages (its result is returned), then writes them
    /// unless the flusher or another sender is at work. Fails, without calling `f`, once writing
    /// has failed.
    pub fn push<R>(
        &self,
        cx: &mut Context<'_>,
        f: impl FnOnce(&mut State<X>) -> R,
    ) -> Result<R, Failed> {
        let (st, r) = self.encode(f)?;
        self.write_now(st, cx);
        Ok(r)
    }

    /// [`Outbox::push`] that leaves the writing to the flusher, so that what other senders push
    /// before it runs goes out in the same write: for a sender that knows others are active.
    pub fn push_later<R>(&self, f: impl FnOnce(&mut State<X>) -> R) -> Result<R, Failed> {
        let (st, r) = self.encode(f)?;
        // A write under way takes the message with it.
        if !st.busy && !st.writing && !st.enc.get_ref().is_empty() {
            self.hand_to_flusher(st);
        }
        Ok(r)
    }

    /// Runs `f` under the lock, unless writing has failed; the lock is kept for the write.
    fn encode<R>(&self, f: impl FnOnce(&mut State<X>) -> R) -> Result<(Guard<'_, X>, R), Failed> {
        let mut st = lock(&self.state);
        if st.failed.is_some() {
            return Err(Failed);
        }
        let r = f(&mut st);
        Ok((st, r))
    }

    /// Writes what is buffered unless the flusher or another sender is at work (or the stream is
    /// corked), as far as the connection takes it without waiting; hands the rest (or a failure)
    /// to the flusher.
    fn write_now(&self, st: Guard<'_, X>, cx: &mut Context<'_>) {
        if st.busy || st.writing || st.failed.is_some() || st.idle() {
            return;
        }
        let (mut st, wrote) = self.drive(st, cx);
        match wrote {
            Poll::Ready(Ok(())) => {}
            Poll::Ready(Err(e)) => {
                st.fail(e);
                drop(st);
                self.wake.notify_one();
            }
            Poll::Pending => self.hand_to_flusher(st),
        }
    }

    /// The flusher owns the output from now on (it writes what the connection did not take);
    /// it is woken once the lock is released, so that it does not wake into a held lock.
    fn hand_to_flusher(&self, mut st: Guard<'_, X>) {
        st.busy = true;
        drop(st);
        self.wake.notify_one();
    }

    /// From now on senders only buffer, until [`Outbox::uncork`].
    pub fn cork(&self) {
        lock(&self.state).corked = true;
    }

    /// Ends a [`Outbox::cork`]: writes what was buffered meanwhile, as a push does.
    pub fn uncork(&self, cx: &mut Context<'_>) {
        let mut st = lock(&self.state);
        st.corked = false;
        self.write_now(st, cx);
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
        let multi_thread = matches!(
            tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()),
            Ok(tokio::runtime::RuntimeFlavor::MultiThread)
        );
        loop {
            self.wake.notified().await;
            if multi_thread {
                // That scheduler runs a task woken by a running one next (its LIFO slot): the
                // flusher would write the first sender's message alone. After the tasks
                // runnable now (other senders woken by the same replies), it writes what they
                // pushed together. The current-thread scheduler already runs them first, and
                // a yield there waits for a poll of the I/O driver.
                tokio::task::yield_now().await;
            }
            if let Err(e) = self.flush().await {
                return e;
            }
        }
    }

    /// Writes and flushes everything buffered now.
    pub async fn flush(&self) -> io::Result<()> {
        std::future::poll_fn(|cx| {
            let st = lock(&self.state);
            if st.writing {
                // A sender's write call is under way, outside the lock: this comes back when
                // it is done (the call does not wait).
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            let (mut st, wrote) = self.drive(st, cx);
            match wrote {
                Poll::Ready(Ok(())) => {
                    st.busy = false;
                    Poll::Ready(Ok(()))
                }
                Poll::Ready(Err(e)) => {
                    st.fail(e);
                    Poll::Ready(Err(st
                        .failure()
                        .unwrap_or_else(|| io::ErrorKind::NotConnected.into())))
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

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    use super::*;
    use serde::{Deserialize, Serialize};

    #[allow(non_snake_case)]
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Message {
        Sender: u64,
        N: u64,
    }

    /// Counts the times everything buffered was written.
    struct Written(u64);

    impl Extra for Written {
        fn written(&mut self) {
            self.0 += 1;
        }
    }

    const SENDERS: u64 = 8;
    const EACH: u64 = 1000;

    /// A peer that takes a few bytes per write call, slowly, and makes every fifth call wait:
    /// writes are partial, each runs outside the lock long enough for senders on the other
    /// thread to push, and some are handed to the flusher.
    struct Narrow {
        got: Arc<Mutex<Vec<u8>>>,
        calls: u64,
        /// The most bytes one call takes.
        chunk: usize,
    }

    impl AsyncWrite for Narrow {
        fn poll_write(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            self.calls += 1;
            if self.calls.is_multiple_of(5) {
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            std::thread::sleep(std::time::Duration::from_micros(20));
            let n = buf.len().min(self.chunk);
            lock(&self.got).extend_from_slice(&buf[..n]);
            Poll::Ready(Ok(n))
        }
        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
        fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_message_arrives_whole_and_in_each_senders_order_through_a_narrow_peer() {
        let got = Arc::new(Mutex::new(Vec::new()));
        let peer = Narrow {
            got: got.clone(),
            calls: 0,
            chunk: 7,
        };
        let out = Arc::new(Outbox::new(Box::new(peer), Written(0)));
        let flusher = tokio::spawn({
            let out = out.clone();
            async move { out.run_flusher().await }
        });
        let senders: Vec<_> = (0..SENDERS)
            .map(|sender| {
                let out = out.clone();
                tokio::spawn(async move {
                    for n in 0..EACH {
                        let m = Message {
                            Sender: sender,
                            N: n,
                        };
                        let encode = |st: &mut State<Written>| st.enc.encode(&m);
                        let pushed = if n.is_multiple_of(2) {
                            out.push_later(encode)
                        } else {
                            out.push_async(encode).await
                        };
                        assert!(matches!(pushed, Ok(Ok(()))), "push {sender}/{n}");
                        if n.is_multiple_of(16) {
                            tokio::task::yield_now().await;
                        }
                    }
                })
            })
            .collect();
        for s in senders {
            s.await.expect("sender");
        }
        flusher.abort();
        assert!(flusher.await.is_err_and(|e| e.is_cancelled()));
        out.flush().await.expect("flush");
        assert!(lock(&out.state).extra.0 > 0, "written() was called");
        let bytes = std::mem::take(&mut *lock(&got));

        let mut dec = gob_codec::Decoder::new(&bytes[..]);
        let mut next = vec![0; SENDERS as usize];
        loop {
            match dec.decode::<Message>() {
                Ok(m) => {
                    let want = &mut next[m.Sender as usize];
                    assert_eq!(m.N, *want, "sender {}'s messages in order", m.Sender);
                    *want += 1;
                }
                Err(e) if e.is_eof() => break,
                Err(e) => panic!("stream broken at {}: {e}", dec.offset()),
            }
        }
        assert_eq!(next, vec![EACH; SENDERS as usize]);
    }

    #[tokio::test]
    async fn a_large_message_does_not_keep_its_buffers() {
        let got = Arc::new(Mutex::new(Vec::new()));
        let peer = Narrow {
            got: got.clone(),
            calls: 0,
            chunk: 1 << 20,
        };
        let out = Outbox::new(Box::new(peer), Written(0));
        let big = vec![7u8; 4 << 20];
        let small = Message { Sender: 0, N: 1 };
        let pushed = out
            .push_async(|st| {
                st.enc.encode(&serde_bytes::ByteBuf::from(big.clone()))?;
                st.enc.encode(&small)
            })
            .await;
        assert!(matches!(pushed, Ok(Ok(()))));
        out.flush().await.expect("flush");
        assert!(lock(&got).len() > big.len());
        let st = lock(&out.state);
        assert!(st.out.capacity() <= KEEP_BUFFER, "{}", st.out.capacity());
        assert!(st.enc.get_ref().capacity() <= KEEP_BUFFER);
    }

    /// A write half that takes nothing; says when it is dropped.
    struct Stuck(Arc<AtomicBool>);

    impl Drop for Stuck {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    impl AsyncWrite for Stuck {
        fn poll_write(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            _: &[u8],
        ) -> Poll<io::Result<usize>> {
            Poll::Pending
        }
        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
        fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    #[tokio::test]
    async fn close_drops_the_write_half_while_the_flusher_waits_on_the_peer() {
        let dropped = Arc::new(AtomicBool::new(false));
        let out = Arc::new(Outbox::new(Box::new(Stuck(dropped.clone())), Written(0)));
        let flusher = tokio::spawn({
            let out = out.clone();
            async move { out.run_flusher().await }
        });
        let m = Message { Sender: 1, N: 2 };
        let pushed = out.push_async(|st| st.enc.encode(&m)).await;
        assert!(matches!(pushed, Ok(Ok(()))));
        // The flusher takes the message over and waits for the peer.
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        assert!(lock(&out.state).busy, "the flusher owns the output");
        out.close();
        assert!(dropped.load(Ordering::SeqCst));
        assert!(out.push_later(|st| st.enc.encode(&m)).is_err());
        assert_eq!(lock(&out.state).extra.0, 0, "nothing was written");
        flusher.abort();
    }
}
