//! The client side: Go's `rpc.Client` over one connection.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use gob_codec::async_io::AsyncDecoder;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufRead, AsyncRead, AsyncWrite, BufReader};
use tokio::sync::oneshot;
use tokio::task::AbortHandle;

use super::outbox::{Extra, Outbox, State};
use super::{Error, Request, Response, READ_BUFFER};

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
type Dec = AsyncDecoder<Box<dyn AsyncBufRead + Send + Unpin>>;

/// A Go `net/rpc` client on one connection. Any number of tasks may call at once (clone it or
/// share a reference): requests are written in sequence-number order through one gob encoder and
/// replies are matched to their calls by sequence number, in whatever order they come.
///
/// Dropping the last clone closes the connection.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let calls = lock(&self.inner.shared.calls);
        f.debug_struct("Client")
            .field("pending", &calls.pending.len())
            .field("closed", &calls.closed)
            .finish()
    }
}

/// Owned by the `Client` handles only: when the last goes, the connection's tasks stop.
struct Inner {
    shared: Arc<Shared>,
    reader: AbortHandle,
    writer: AbortHandle,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.shared.out.close();
        self.reader.abort();
        self.writer.abort();
    }
}

/// What the calling tasks, the reader task and the flusher task share.
struct Shared {
    /// The request stream. Calls take their sequence number and encode under its lock, so the
    /// stream's order is `Seq` order, and write their request themselves when the connection is
    /// idle.
    out: Outbox<NextSeq>,
    calls: Mutex<Calls>,
}

/// The next sequence number, kept with the request stream.
struct NextSeq(u64);

impl Extra for NextSeq {
    fn written(&mut self) {}
}

struct Calls {
    pending: HashMap<u64, Box<dyn Slot>>,
    closed: Option<Closed>,
}

#[derive(Debug, Clone)]
enum Closed {
    /// By [`Client::close`].
    ByUser,
    /// The connection broke; why.
    Broken(String),
}

impl Closed {
    fn error(&self) -> Error {
        match self {
            Closed::ByUser => Error::Shutdown,
            Closed::Broken(cause) => Error::ConnectionClosed(cause.clone()),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // The data stays consistent across a panic (no invariant spans a section that can panic).
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    /// Marks the client closed (the first reason wins) and fails every pending call.
    fn close(&self, why: Closed) {
        let (pending, closed) = {
            let mut calls = lock(&self.calls);
            let closed = calls.closed.get_or_insert(why).clone();
            (std::mem::take(&mut calls.pending), closed)
        };
        for (_, slot) in pending {
            slot.fail(closed.error());
        }
        // Nothing more is written; the connection closes when the reader is done too.
        self.out.close();
    }

    fn closed(&self) -> Option<Closed> {
        lock(&self.calls).closed.clone()
    }
}

/// Where a call waits for its reply; decodes the reply body with the type the caller asked for.
trait Slot: Send {
    fn fail(self: Box<Self>, err: Error);
    fn decode<'a>(self: Box<Self>, dec: &'a mut Dec) -> BoxFuture<'a, Result<(), String>>;
}

struct TypedSlot<R> {
    service_method: String,
    tx: oneshot::Sender<Result<R, Error>>,
}

impl<R: DeserializeOwned + Send + 'static> Slot for TypedSlot<R> {
    fn fail(self: Box<Self>, err: Error) {
        // The caller may have stopped waiting.
        let _ = self.tx.send(Err(err));
    }

    fn decode<'a>(self: Box<Self>, dec: &'a mut Dec) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            match dec.decode_buffered::<R>().await {
                Ok(reply) => {
                    let _ = self.tx.send(Ok(reply));
                    Ok(())
                }
                Err(source) => {
                    let cause = format!("reading body: {source}");
                    let _ = self.tx.send(Err(Error::ReplyBody {
                        service_method: self.service_method,
                        source,
                    }));
                    Err(cause)
                }
            }
        })
    }
}

impl Client {
    /// Starts a client on `conn`: spawns its reader and writer tasks on the current tokio runtime
    /// (so it must be called from within one).
    pub fn new<C>(conn: C) -> Self
    where
        C: AsyncRead + AsyncWrite + Send + 'static,
    {
        let (r, w) = tokio::io::split(conn);
        let shared = Arc::new(Shared {
            out: Outbox::new(Box::new(w), NextSeq(0)),
            calls: Mutex::new(Calls {
                pending: HashMap::new(),
                closed: None,
            }),
        });
        let reader: Box<dyn AsyncBufRead + Send + Unpin> =
            Box::new(BufReader::with_capacity(READ_BUFFER, r));
        let reader = tokio::spawn(read_replies(shared.clone(), AsyncDecoder::new(reader)));
        let flusher = shared.clone();
        let writer = tokio::spawn(async move {
            let e = flusher.out.run_flusher().await;
            flusher.close(Closed::Broken(format!("writing request: {e}")));
        });
        Client {
            inner: Arc::new(Inner {
                shared,
                reader: reader.abort_handle(),
                writer: writer.abort_handle(),
            }),
        }
    }

    /// Calls `service_method` with `args` and waits for the reply (Go's `Client.Call`).
    ///
    /// Errors: [`Error::Server`] with the server's text (the connection goes on),
    /// [`Error::ConnectionClosed`] or [`Error::Shutdown`] when the connection is gone,
    /// [`Error::ReplyBody`] when the reply is not an `R`, [`Error::Encode`] when `args` cannot be
    /// encoded. Dropping the future abandons the call: the request may still be sent and its reply
    /// is then read and dropped.
    pub async fn call<A, R>(&self, service_method: &str, args: &A) -> Result<R, Error>
    where
        A: Serialize + Deserialize<'static>,
        R: DeserializeOwned + Send + 'static,
    {
        let shared = &self.inner.shared;
        // Made before the stream's lock is taken, which other callers wait on.
        let (tx, rx) = oneshot::channel();
        let slot: Box<dyn Slot> = Box::new(TypedSlot::<R> {
            service_method: service_method.to_owned(),
            tx,
        });
        let mut header = Request {
            ServiceMethod: service_method.to_owned(),
            Seq: 0,
        };
        let encode = move |st: &mut State<NextSeq>| {
            let seq = st.extra.0;
            {
                let mut calls = lock(&shared.calls);
                if let Some(closed) = &calls.closed {
                    return Err(closed.error());
                }
                calls.pending.insert(seq, slot);
            }
            // As Go's client, a number is used up even when the request cannot be sent.
            st.extra.0 += 1;
            header.Seq = seq;
            let encoded = st.enc.encode_pair(&header, args);
            if let Err(source) = encoded {
                // Nothing of this call is sent (gob-codec takes the header back too).
                lock(&shared.calls).pending.remove(&seq);
                return Err(Error::Encode {
                    service_method: service_method.to_owned(),
                    source,
                });
            }
            Ok(rx)
        };
        // With other calls in flight, their requests are likely being pushed too: the flusher
        // writes them together. A lone call is written at once.
        let others_pending = !lock(&shared.calls).pending.is_empty();
        let rx = if others_pending {
            shared.out.push_later(encode)
        } else {
            shared.out.push_async(encode).await
        };
        let rx = match rx {
            Ok(queued) => queued?,
            // Writing has failed; the flusher is closing the client with the error.
            Err(_) => {
                return Err(shared.closed().map_or_else(
                    || Error::ConnectionClosed("writing request failed".into()),
                    |c| c.error(),
                ))
            }
        };
        match rx.await {
            Ok(result) => result,
            // The slot went without an answer: the reader was stopped by Client::close.
            Err(_) => Err(shared.closed().unwrap_or(Closed::ByUser).error()),
        }
    }

    /// Closes the client and its connection (Go's `Client.Close`): pending calls fail with
    /// [`Error::Shutdown`], and so do later ones. Closing twice is [`Error::Shutdown`].
    pub fn close(&self) -> Result<(), Error> {
        let shared = &self.inner.shared;
        if shared.closed().is_some() {
            return Err(Error::Shutdown);
        }
        shared.close(Closed::ByUser);
        // Both halves go with their tasks, which closes the connection.
        self.inner.reader.abort();
        self.inner.writer.abort();
        Ok(())
    }

    /// True once the connection is closed or broken: every call fails from then on.
    pub fn is_closed(&self) -> bool {
        self.inner.shared.closed().is_some()
    }
}

/// Reads replies and completes their calls (Go's `Client.input`). Ends at the first error, which
/// then fails every pending and later call.
async fn read_replies(shared: Arc<Shared>, mut dec: Dec) {
    let cause = loop {
        let resp: Response = match dec.decode_buffered().await {
            Ok(resp) => resp,
            Err(e) if e.is_eof() => break "the server closed the connection".to_owned(),
            Err(e) => break format!("reading response header: {e}"),
        };
        let slot = lock(&shared.calls).pending.remove(&resp.Seq);
        let body = match slot {
            Some(slot) if resp.Error.is_empty() => slot.decode(&mut dec).await,
            other => {
                if let Some(slot) = other {
                    slot.fail(Error::Server(resp.Error));
                }
                // The body of an error reply is an empty struct; of an unknown call, whatever.
                dec.decode_value_buffered()
                    .await
                    .map(drop)
                    .map_err(|e| format!("reading error body: {e}"))
            }
        };
        if let Err(cause) = body {
            break cause;
        }
    };
    tracing::debug!(%cause, "rpc: client connection closed");
    shared.close(Closed::Broken(cause));
}
