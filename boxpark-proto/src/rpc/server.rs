//! The server side: Go's `rpc.Server` with `ServeConn`, its method table built once and shared by
//! every connection.

use std::collections::BTreeMap;
use std::fmt::Display;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};

use gob_codec::async_io::AsyncDecoder;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::io::{AsyncBufRead, AsyncRead, AsyncWrite, BufReader, ReadBuf};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::method::{Immediate, Method, Typed};
use super::outbox::{Extra, Outbox, State};
use super::{Context, Error, InvalidRequest, Request, Response, READ_BUFFER};

/// Calls of one connection that may be running or waiting for their reply to be written at once.
/// When that many are outstanding, the server reads no further request until a reply is out, so a
/// connection costs bounded memory however fast its peer sends and however slowly it reads.
pub const MAX_CONCURRENT_CALLS: usize = 1024;

/// Most argument bytes (as read from the stream) held by the calls of one connection that have not
/// been answered yet: with [`MAX_CONCURRENT_CALLS`] and the decoder's message limit, what bounds a
/// connection's memory. Reading waits while the budget is used up.
pub const MAX_PENDING_ARGUMENT_BYTES: usize = 256 << 20;

/// The argument budget is counted in units of this many bytes (a semaphore holds a `u32`).
const ARGUMENT_UNIT: u64 = 4 << 10;

/// The read half of a connection being served, with its read-ahead buffer.
type DynReader = Box<dyn AsyncBufRead + Send + Unpin>;
pub(super) type Dec = AsyncDecoder<DynReader>;

/// The slots of the replies in the output buffer, given back once they are written.
pub(super) struct Slots(Vec<OwnedSemaphorePermit>);

impl Extra for Slots {
    fn written(&mut self) {
        self.0.clear();
    }
}

pub(super) type Out = Arc<Outbox<Slots>>;

/// A reply value, encoded by the connection's one encoder.
pub(super) trait Body {
    /// Encodes `header` and this body, both or neither.
    fn encode_into(&self, st: &mut State<Slots>, header: &Response) -> gob_codec::Result<()>;
}

impl<T: Serialize + DeserializeOwned> Body for T {
    fn encode_into(&self, st: &mut State<Slots>, header: &Response) -> gob_codec::Result<()> {
        st.enc.encode_pair(header, self)
    }
}

/// The request a reply answers, and its slot and argument budget, held until the reply is written.
pub(super) struct Head {
    req: Request,
    slot: OwnedSemaphorePermit,
    pub(super) argument: Option<OwnedSemaphorePermit>,
}

/// Methods by their full `"Service.Method"` name, in order: the order the server searches.
type Registry<S> = BTreeMap<String, Box<dyn Method<S>>>;

/// Builds the method table of a [`Server`]: register every method, then [`ServerBuilder::build`].
///
/// `S` is the type of each connection's own data, which every call of the connection sees through
/// its [`Context`] (`()` when there is none).
pub struct ServerBuilder<S = ()> {
    methods: Registry<S>,
}

impl<S> Default for ServerBuilder<S> {
    fn default() -> Self {
        ServerBuilder {
            methods: BTreeMap::new(),
        }
    }
}

impl<S> std::fmt::Debug for ServerBuilder<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.methods.keys().map(String::as_str).collect();
        f.debug_struct("ServerBuilder")
            .field("methods", &names)
            .finish()
    }
}

impl ServerBuilder {
    /// A table with no methods, for connections without data of their own (`S = ()`); see
    /// [`Server::builder`] for others.
    pub fn new() -> Self {
        Self::default()
    }
}

impl<S: Send + Sync + 'static> ServerBuilder<S> {
    /// Registers `handler` as `service_method` (`"Service.Method"`, split at the last dot, as Go
    /// splits requests). A call decodes its argument into `A`, runs the handler with the
    /// connection's [`Context`] in a task of its own, and answers with the `R` it returns or with
    /// the text of its error.
    ///
    /// Fails when the name has no dot or an empty part, or is already registered.
    pub fn register<A, R, E, F, Fut>(
        &mut self,
        service_method: &str,
        handler: F,
    ) -> Result<&mut Self, Error>
    where
        F: Fn(Context<S>, A) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<R, E>> + Send + 'static,
        A: DeserializeOwned + Send + 'static,
        R: Serialize + DeserializeOwned + Default + Send + 'static,
        E: Display + Send + 'static,
    {
        self.insert(service_method, Typed::new(service_method, handler, false))
    }

    /// [`ServerBuilder::register`] for a handler that is quick until it first waits (no long
    /// computation, no system call that can block for long): its first poll runs on the
    /// connection's reading task. A call that completes there is answered without a task of its
    /// own, its reply written together with those of the other calls that arrived with it; one
    /// that waits goes on in a task of its own, as with `register`.
    pub fn register_inline<A, R, E, F, Fut>(
        &mut self,
        service_method: &str,
        handler: F,
    ) -> Result<&mut Self, Error>
    where
        F: Fn(Context<S>, A) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<R, E>> + Send + 'static,
        A: DeserializeOwned + Send + 'static,
        R: Serialize + DeserializeOwned + Default + Send + 'static,
        E: Display + Send + 'static,
    {
        self.insert(service_method, Typed::new(service_method, handler, true))
    }

    /// [`ServerBuilder::register`] for a handler that is a plain function, for calls that never
    /// wait (no system call that can block for long): it runs on the connection's reading task
    /// and its reply is written together with those of the other calls that arrived with it, as
    /// with [`ServerBuilder::register_inline`], without a future to allocate and move.
    pub fn register_sync<A, R, E, F>(
        &mut self,
        service_method: &str,
        handler: F,
    ) -> Result<&mut Self, Error>
    where
        F: Fn(Context<S>, A) -> Result<R, E> + Send + Sync + 'static,
        A: DeserializeOwned + Send + 'static,
        R: Serialize + DeserializeOwned + Default + Send + 'static,
        E: Display + Send + 'static,
    {
        self.insert(service_method, Immediate::new(service_method, handler))
    }

    fn insert(
        &mut self,
        service_method: &str,
        method: impl Method<S> + 'static,
    ) -> Result<&mut Self, Error> {
        let bad = |reason| Error::Register {
            name: service_method.to_owned(),
            reason,
        };
        let (service, name) = service_method
            .rsplit_once('.')
            .ok_or_else(|| bad("the name must be \"Service.Method\""))?;
        if service.is_empty() || name.is_empty() {
            return Err(bad("the service and the method need a name"));
        }
        if self.methods.contains_key(service_method) {
            return Err(bad("the method is already registered"));
        }
        self.methods
            .insert(service_method.to_owned(), Box::new(method));
        Ok(self)
    }

    /// The server with the methods registered so far; the table cannot change after this.
    pub fn build(self) -> Server<S> {
        Server {
            methods: self.methods.into_values().collect(),
        }
    }
}

/// A Go `net/rpc` server: an immutable table of methods registered under `"Service.Method"` names
/// (built with a [`ServerBuilder`]), served on any number of connections. Cloning is cheap and
/// shares the table.
///
/// Each connection has its own [`Context`], holding its data `S`, which every call of the
/// connection gets (`()` when there is none).
///
/// ```no_run
/// use boxpark_proto::rpc::ServerBuilder;
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Default, Serialize, Deserialize)]
/// struct Args { A: i64, B: i64 }
/// #[derive(Default, Serialize, Deserialize)]
/// struct Reply { Sum: i64 }
///
/// # async fn demo(conn: tokio::net::UnixStream) -> Result<(), boxpark_proto::rpc::Error> {
/// let mut builder = ServerBuilder::new();
/// builder.register("Arith.Add", |_ctx, a: Args| async move {
///     a.A.checked_add(a.B).map(|Sum| Reply { Sum }).ok_or("overflow")
/// })?;
/// let server = builder.build();
/// server.serve(conn, ()).await
/// # }
/// ```
pub struct Server<S = ()> {
    /// In the builder's order, by full name: a call's method is found by a binary search of a few string
    /// comparisons, where two hash-map lookups cost a SipHash each (a tenth of the instructions of
    /// a whole `Guest.Mkdir` call, by callgrind).
    methods: Arc<[Box<dyn Method<S>>]>,
}

impl<S> Clone for Server<S> {
    fn clone(&self) -> Self {
        Server {
            methods: self.methods.clone(),
        }
    }
}

impl<S> std::fmt::Debug for Server<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.methods.iter().map(|m| &**m.name()).collect();
        f.debug_struct("Server").field("methods", &names).finish()
    }
}

enum Lookup<'s, S> {
    Found(&'s dyn Method<S>),
    /// Go's error text.
    Missing(String),
}

impl<S: Send + Sync + 'static> Server<S> {
    /// A [`ServerBuilder`] with no methods, for connections with data `S`
    /// (`Server::<MyData>::builder()`).
    pub fn builder() -> ServerBuilder<S> {
        ServerBuilder::default()
    }

    fn lookup(&self, service_method: &str) -> Lookup<'_, S> {
        if let Ok(i) = self
            .methods
            .binary_search_by(|m| (**m.name()).cmp(service_method))
        {
            return Lookup::Found(&*self.methods[i]);
        }
        // Go's error texts, in the order Go checks.
        let Some((service, _)) = service_method.rsplit_once('.') else {
            return Lookup::Missing(format!(
                "rpc: service/method request ill-formed: {service_method}"
            ));
        };
        let known = self
            .methods
            .iter()
            .any(|m| m.name().rsplit_once('.').map(|(s, _)| s) == Some(service));
        if known {
            Lookup::Missing(format!("rpc: can't find method {service_method}"))
        } else {
            Lookup::Missing(format!("rpc: can't find service {service_method}"))
        }
    }

    /// Serves one connection, with `data` as its data, until the peer stops sending, then lets
    /// the calls still running finish, writes their replies and closes the connection (Go's
    /// `ServeConn`). The same as [`Server::serve_context`] with [`Context::new`]`(data)`.
    ///
    /// Returns `Ok(())` when the peer ended the stream cleanly between requests, and an error when
    /// a request header does not decode ([`Error::BadRequest`], which also covers read failures
    /// and streams that are not gob) or replies cannot be written ([`Error::Io`]). Only this
    /// connection is affected.
    ///
    /// When `serve` returns early (a write failed) or its future is dropped, the connection is
    /// closed at once; calls still running go on in their tasks (their context is cancelled) and
    /// their replies are dropped.
    pub async fn serve<C>(&self, conn: C, data: S) -> Result<(), Error>
    where
        C: AsyncRead + AsyncWrite + Send + Unpin + 'static,
    {
        self.serve_context(conn, Context::new(data)).await
    }

    /// [`Server::serve`] with a context made by the caller, who keeps a clone: to learn that
    /// reading stopped ([`Context::reading_stopped`]), or to act just before the connection closes
    /// ([`Context::on_close`]). The context is closed when this returns or is dropped.
    pub async fn serve_context<C>(&self, conn: C, ctx: Context<S>) -> Result<(), Error>
    where
        C: AsyncRead + AsyncWrite + Send + Unpin + 'static,
    {
        let (r, w) = tokio::io::split(conn);
        let out: Out = Arc::new(Outbox::new(Box::new(w), Slots(Vec::new())));
        let incoming = Corking {
            r: ctx.incoming(r),
            out: out.clone(),
        };
        let reader: DynReader = Box::new(BufReader::with_capacity(READ_BUFFER, incoming));
        let mut dec = AsyncDecoder::new(reader);
        let _closing = CloseOnDrop {
            out: out.clone(),
            ctx: ctx.clone(),
        };
        let slots = Arc::new(Semaphore::new(MAX_CONCURRENT_CALLS));
        let budget = Arc::new(Semaphore::new(budget_units(
            MAX_PENDING_ARGUMENT_BYTES as u64,
        )));

        let work = async {
            let read = self
                .read_requests(&mut dec, &out, &slots, &budget, &ctx)
                .await;
            // Each call holds a slot until its reply is written: when all are back, every call
            // has been answered.
            let all = u32::try_from(MAX_CONCURRENT_CALLS).unwrap_or(u32::MAX);
            drop(slots.acquire_many(all).await);
            read
        };
        let flushing = out.run_flusher();
        let read_result = tokio::select! {
            r = work => r,
            e = flushing => return Err(Error::io("rpc: writing replies", e)),
        };
        out.flush()
            .await
            .map_err(|e| Error::io("rpc: writing replies", e))?;
        // Before the peer can see the end of the stream.
        ctx.close();
        // As Go's ServeCodec closes the codec; the peer may be gone already.
        if let Err(e) = out.shutdown().await {
            tracing::debug!(error = %e, "rpc: closing connection");
        }
        read_result
    }

    /// Reads requests and starts their calls; answers those that cannot be called.
    async fn read_requests(
        &self,
        dec: &mut Dec,
        out: &Out,
        slots: &Arc<Semaphore>,
        budget: &Arc<Semaphore>,
        ctx: &Context<S>,
    ) -> Result<(), Error> {
        loop {
            let slot = match slots.clone().try_acquire_owned() {
                Ok(slot) => slot,
                Err(_) => {
                    // The slots come back as replies are written: write the held ones.
                    out.uncork_async().await;
                    // The semaphore is never closed.
                    let Ok(slot) = slots.clone().acquire_owned().await else {
                        return Ok(());
                    };
                    slot
                }
            };
            let req: Request = match dec.decode_buffered().await {
                Ok(req) => req,
                Err(e) if e.is_eof() => return Ok(()),
                Err(e) => return Err(Error::BadRequest(e)),
            };
            match self.lookup(&req.ServiceMethod) {
                Lookup::Found(method) => {
                    let head = Head {
                        req,
                        slot,
                        argument: None,
                    };
                    match method.start(dec, head, out, budget, ctx).await {
                        Ok(()) => {}
                        Err((head, e)) => {
                            tracing::debug!(method = %head.req.ServiceMethod, error = %e, "rpc: undecodable argument");
                            send_error(out, head, e.to_string()).await;
                        }
                    }
                }
                Lookup::Missing(msg) => {
                    // Go reads and discards the body, ignoring whether that worked: a broken
                    // stream shows at the next header.
                    if let Err(e) = dec.decode_value_buffered().await {
                        tracing::debug!(method = %req.ServiceMethod, error = %e, "rpc: discarding argument");
                    }
                    let head = Head {
                        req,
                        slot,
                        argument: None,
                    };
                    send_error(out, head, msg).await;
                }
            }
        }
    }
}

/// Budget units for `bytes` of argument, at least one per call, at most the whole budget.
fn budget_units(bytes: u64) -> usize {
    let whole = (MAX_PENDING_ARGUMENT_BYTES as u64).div_ceil(ARGUMENT_UNIT);
    bytes.div_ceil(ARGUMENT_UNIT).clamp(1, whole) as usize
}

/// Takes the budget for an argument of `bytes` (waiting while other calls hold it, with the held
/// replies written first); `None` only if the semaphore were closed, which it never is.
pub(super) async fn take_budget(
    budget: &Arc<Semaphore>,
    out: &Out,
    bytes: u64,
) -> Option<OwnedSemaphorePermit> {
    let units = u32::try_from(budget_units(bytes)).unwrap_or(u32::MAX);
    if let Ok(permit) = budget.clone().try_acquire_many_owned(units) {
        return Some(permit);
    }
    out.uncork_async().await;
    budget.clone().acquire_many_owned(units).await.ok()
}

/// The read side of a connection being served: while the server works through what one read
/// brought, the replies are held (corked); they are written before the next read, so calls that
/// arrived together are answered in one write, and none waits on a reader that has nothing to do.
struct Corking<R> {
    r: R,
    out: Out,
}

impl<R: AsyncRead + Unpin> AsyncRead for Corking<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.out.uncork(cx);
        let before = buf.filled().len();
        let read = Pin::new(&mut self.r).poll_read(cx, buf);
        if matches!(read, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.out.cork();
        }
        read
    }
}

/// Closes the connection when `serve` ends, however it ends: the context first (its callbacks run
/// before the connection goes), then the write side.
struct CloseOnDrop<S> {
    out: Out,
    ctx: Context<S>,
}

impl<S> Drop for CloseOnDrop<S> {
    fn drop(&mut self) {
        self.ctx.close();
        self.out.close();
    }
}

/// Encodes a reply's header and body, as Go's `sendResponse` does (on error the body is the empty
/// struct), and writes it unless the connection is busy; then the flusher writes it.
pub(super) async fn send_reply<B: Body + Send>(out: &Out, head: Head, body: Result<B, String>) {
    let seq = head.req.Seq;
    let pushed = out
        .push_async(|st| match body {
            Ok(b) => encode_reply(st, head, Ok(&b)),
            Err(msg) => encode_reply(st, head, Err(msg)),
        })
        .await;
    match pushed {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::error!(seq, error = %e, "rpc: encoding a reply"),
        // Writing has failed: serve returns that error; this reply is dropped.
        Err(_) => tracing::debug!(seq, "rpc: reply dropped, the connection is closed"),
    }
}

/// Answers with an error.
pub(super) async fn send_error(out: &Out, head: Head, msg: String) {
    send_reply::<InvalidRequest>(out, head, Err(msg)).await;
}

fn encode_reply(
    st: &mut State<Slots>,
    head: Head,
    body: Result<&dyn Body, String>,
) -> gob_codec::Result<()> {
    let Head {
        req,
        slot,
        argument,
    } = head;
    st.extra.0.push(slot);
    st.extra.0.extend(argument);
    let mut resp = Response {
        ServiceMethod: req.ServiceMethod,
        Seq: req.Seq,
        Error: String::new(),
    };
    match body {
        Ok(body) => {
            // A body that does not encode takes its header with it: nothing of the pair is written.
            match body.encode_into(st, &resp) {
                Ok(()) => return Ok(()),
                Err(e) => {
                    tracing::error!(method = %resp.ServiceMethod, error = %e, "rpc: gob error encoding body");
                    resp.Error = format!("rpc: gob error encoding body: {e}");
                }
            }
        }
        Err(msg) => resp.Error = msg,
    }
    st.enc.encode(&resp)?;
    st.enc.encode(&InvalidRequest {})
}

#[cfg(test)]
mod budget_tests {
    use super::*;

    #[test]
    fn every_call_takes_budget_and_none_takes_more_than_all() {
        let whole = budget_units(MAX_PENDING_ARGUMENT_BYTES as u64);
        assert_eq!(
            whole as u64,
            (MAX_PENDING_ARGUMENT_BYTES as u64) / ARGUMENT_UNIT
        );
        assert_eq!(budget_units(0), 1);
        assert_eq!(budget_units(ARGUMENT_UNIT), 1);
        assert_eq!(budget_units(ARGUMENT_UNIT + 1), 2);
        assert_eq!(budget_units(u64::MAX), whole);
    }

    #[tokio::test]
    async fn a_full_budget_makes_the_next_argument_wait() {
        let budget = Arc::new(Semaphore::new(budget_units(
            MAX_PENDING_ARGUMENT_BYTES as u64,
        )));
        let out: Out = Arc::new(Outbox::new(Box::new(tokio::io::sink()), Slots(Vec::new())));
        let held = take_budget(
            &budget,
            &out,
            MAX_PENDING_ARGUMENT_BYTES as u64 - ARGUMENT_UNIT,
        )
        .await
        .expect("budget");
        let more = tokio::time::timeout(
            std::time::Duration::from_millis(50),
            take_budget(&budget, &out, 2 * ARGUMENT_UNIT),
        )
        .await;
        assert!(more.is_err(), "took more than the budget");
        drop(held);
        assert!(take_budget(&budget, &out, 2 * ARGUMENT_UNIT)
            .await
            .is_some());
    }
}
