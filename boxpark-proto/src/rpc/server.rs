//! The server side: Go's `rpc.Server` with `ServeConn`.

use std::collections::HashMap;
use std::fmt::Display;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::stream::FuturesUnordered;
use futures::StreamExt;
use gob_codec::async_io::AsyncDecoder;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::io::{AsyncRead, AsyncWrite, BufReader};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::{JoinError, JoinHandle};

use super::outbox::{Extra, Outbox, State};
use super::{drop_last_message, Error, Request, Response, READ_BUFFER};
use crate::api::InvalidRequest;

/// Calls of one connection that may be running or waiting for their reply to be written at once.
/// When that many are outstanding, the server reads no further request until a reply is out, so a
/// connection costs bounded memory however fast its peer sends and however slowly it reads.
pub const MAX_CONCURRENT_CALLS: usize = 1024;

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The read half of a connection being served, with its read-ahead buffer.
type DynReader = Box<dyn AsyncRead + Send + Unpin>;
type Dec = AsyncDecoder<DynReader>;

/// The slots of the replies in the output buffer, given back once they are written.
struct Slots(Vec<OwnedSemaphorePermit>);

impl Extra for Slots {
    fn written(&mut self) {
        self.0.clear();
    }
}

type Out = Arc<Outbox<Slots>>;

/// A reply value, encoded by the connection's one encoder.
trait Body {
    fn encode_into(&self, st: &mut State<Slots>) -> gob_codec::Result<()>;
}

impl<T: Serialize + DeserializeOwned> Body for T {
    fn encode_into(&self, st: &mut State<Slots>) -> gob_codec::Result<()> {
        st.enc.encode(self)
    }
}

/// The request a reply answers, and its slot, held until the reply is written.
struct Head {
    req: Request,
    slot: OwnedSemaphorePermit,
}

/// A registered method with its argument and reply types erased.
trait Method: Send + Sync {
    /// The `"Service.Method"` name.
    fn name(&self) -> &Arc<str>;

    /// Reads the argument from the stream and starts the call in a task of its own, which writes
    /// the reply. An argument that does not decode is the error (the stream has skipped it).
    fn start<'a>(
        &'a self,
        dec: &'a mut Dec,
        head: Head,
        out: &'a Out,
    ) -> BoxFuture<'a, Result<JoinHandle<()>, (Head, gob_codec::Error)>>;
}

struct Typed<F, A> {
    name: Arc<str>,
    f: F,
    _args: PhantomData<fn(A)>,
}

impl<F, A, R, E, Fut> Method for Typed<F, A>
where
    F: Fn(A) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<R, E>> + Send + 'static,
    A: DeserializeOwned + Send + 'static,
    R: Serialize + DeserializeOwned + Send + 'static,
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
    ) -> BoxFuture<'a, Result<JoinHandle<()>, (Head, gob_codec::Error)>> {
        Box::pin(async move {
            let args: A = match dec.decode().await {
                Ok(args) => args,
                Err(e) => return Err((head, e)),
            };
            let call = (self.f)(args);
            let name = self.name.clone();
            let out = out.clone();
            Ok(tokio::spawn(async move {
                match call.await {
                    Ok(reply) => send_reply(&out, head, Ok(reply)).await,
                    Err(e) => {
                        let mut msg = e.to_string();
                        if msg.is_empty() {
                            msg = format!("rpc: {name} failed with an empty error message");
                        }
                        send_error(&out, head, msg).await;
                    }
                }
            }))
        })
    }
}

/// Services by name, then methods by name.
type Registry = HashMap<String, HashMap<String, Arc<dyn Method>>>;

/// A Go `net/rpc` server: methods registered under `"Service.Method"` names, served on any number
/// of connections. Cloning is cheap and shares the registered methods.
///
/// ```no_run
/// use boxpark_proto::api::{Empty, MountRequest};
/// use boxpark_proto::rpc::Server;
///
/// # async fn demo(conn: tokio::net::UnixStream) -> Result<(), boxpark_proto::Error> {
/// let mut server = Server::new();
/// server.register("Guest.Mount", |req: MountRequest| async move {
///     if req.Target.is_empty() {
///         return Err("no target".to_string());
///     }
///     Ok(Empty {})
/// })?;
/// server.serve(conn).await
/// # }
/// ```
#[derive(Clone, Default)]
pub struct Server {
    services: Arc<Registry>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<&str> = self
            .services
            .values()
            .flat_map(|ms| ms.values().map(|m| &**m.name()))
            .collect();
        names.sort_unstable();
        f.debug_struct("Server").field("methods", &names).finish()
    }
}

enum Lookup<'s> {
    Found(&'s Arc<dyn Method>),
    /// Go's error text.
    Missing(String),
}

impl Server {
    /// A server with no methods.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `handler` as `service_method` (`"Service.Method"`, split at the last dot, as Go
    /// splits requests). A call decodes its argument into `A`, runs the handler in a task of its
    /// own, and answers with the `R` it returns or with the text of its error.
    ///
    /// Fails when the name has no dot or an empty part, or is already registered. Connections
    /// being served keep the methods they started with.
    pub fn register<A, R, E, F, Fut>(
        &mut self,
        service_method: &str,
        handler: F,
    ) -> Result<&mut Self, Error>
    where
        F: Fn(A) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<R, E>> + Send + 'static,
        A: DeserializeOwned + Send + 'static,
        R: Serialize + DeserializeOwned + Send + 'static,
        E: Display + Send + 'static,
    {
        let bad = |reason| Error::Register {
            name: service_method.to_owned(),
            reason,
        };
        let (service, method) = service_method
            .rsplit_once('.')
            .ok_or_else(|| bad("the name must be \"Service.Method\""))?;
        if service.is_empty() || method.is_empty() {
            return Err(bad("the service and the method need a name"));
        }
        let services = Arc::make_mut(&mut self.services);
        let methods = services.entry(service.to_owned()).or_default();
        if methods.contains_key(method) {
            return Err(bad("the method is already registered"));
        }
        let typed = Typed {
            name: Arc::from(service_method),
            f: handler,
            _args: PhantomData,
        };
        methods.insert(method.to_owned(), Arc::new(typed));
        Ok(self)
    }

    fn lookup(&self, service_method: &str) -> Lookup<'_> {
        let Some((service, method)) = service_method.rsplit_once('.') else {
            return Lookup::Missing(format!(
                "rpc: service/method request ill-formed: {service_method}"
            ));
        };
        let Some(methods) = self.services.get(service) else {
            return Lookup::Missing(format!("rpc: can't find service {service_method}"));
        };
        match methods.get(method) {
            Some(m) => Lookup::Found(m),
            None => Lookup::Missing(format!("rpc: can't find method {service_method}")),
        }
    }

    /// Serves one connection until the peer stops sending, then lets the calls still running
    /// finish, writes their replies and shuts the connection down (Go's `ServeConn`).
    ///
    /// Returns `Ok(())` when the peer ended the stream cleanly between requests, and an error when
    /// a request header does not decode ([`Error::BadRequest`], which also covers read failures
    /// and streams that are not gob) or replies cannot be written ([`Error::Io`]). Only this
    /// connection is affected.
    ///
    /// When `serve` returns early (a write failed) or its future is dropped, the connection is
    /// closed at once; calls still running go on in their tasks and their replies are dropped.
    pub async fn serve<C>(&self, conn: C) -> Result<(), Error>
    where
        C: AsyncRead + AsyncWrite + Send + Unpin + 'static,
    {
        let (r, w) = tokio::io::split(conn);
        let reader: DynReader = Box::new(BufReader::with_capacity(READ_BUFFER, r));
        let mut dec = AsyncDecoder::new(reader);
        let out: Out = Arc::new(Outbox::new(Box::new(w), Slots(Vec::new())));
        let _closing = CloseOnDrop(out.clone());
        let slots = Arc::new(Semaphore::new(MAX_CONCURRENT_CALLS));
        let (calls_tx, calls_rx) = unbounded_channel();

        let reading = self.read_requests(&mut dec, &out, &slots, calls_tx);
        let watching = watch_calls(calls_rx, &out, &slots);
        let flushing = out.run_flusher();
        tokio::pin!(reading, watching, flushing);
        let mut read_result = None;
        loop {
            tokio::select! {
                r = &mut reading, if read_result.is_none() => read_result = Some(r),
                // Ends once the reader is done and every call has finished.
                () = &mut watching => break,
                e = &mut flushing => return Err(Error::io("rpc: writing replies", e)),
            }
        }
        out.flush()
            .await
            .map_err(|e| Error::io("rpc: writing replies", e))?;
        // As Go's ServeCodec closes the codec; the peer may be gone already.
        if let Err(e) = out.shutdown().await {
            tracing::debug!(error = %e, "rpc: closing connection");
        }
        read_result.unwrap_or(Ok(()))
    }

    /// Reads requests and starts their calls; answers those that cannot be called.
    async fn read_requests(
        &self,
        dec: &mut Dec,
        out: &Out,
        slots: &Arc<Semaphore>,
        calls: UnboundedSender<Running>,
    ) -> Result<(), Error> {
        loop {
            // The semaphore is never closed.
            let Ok(slot) = slots.clone().acquire_owned().await else {
                return Ok(());
            };
            let req: Request = match dec.decode().await {
                Ok(req) => req,
                Err(e) if e.is_eof() => return Ok(()),
                Err(e) => return Err(Error::BadRequest(e)),
            };
            let seq = req.Seq;
            match self.lookup(&req.ServiceMethod) {
                Lookup::Found(method) => match method.start(dec, Head { req, slot }, out).await {
                    Ok(handle) => {
                        let name = method.name().clone();
                        // The watcher lives as long as this loop.
                        let _ = calls.send(Running { name, seq, handle });
                    }
                    Err((head, e)) => {
                        tracing::debug!(method = %head.req.ServiceMethod, error = %e, "rpc: undecodable argument");
                        send_error(out, head, e.to_string()).await;
                    }
                },
                Lookup::Missing(msg) => {
                    // Go reads and discards the body, ignoring whether that worked: a broken
                    // stream shows at the next header.
                    if let Err(e) = dec.decode_value().await {
                        tracing::debug!(method = %req.ServiceMethod, error = %e, "rpc: discarding argument");
                    }
                    send_error(out, Head { req, slot }, msg).await;
                }
            }
        }
    }
}

/// Closes the connection's write side when `serve` ends, however it ends.
struct CloseOnDrop(Out);

impl Drop for CloseOnDrop {
    fn drop(&mut self) {
        self.0.close();
    }
}

/// A call running in its task: resolves when the task ends, to what a panic calls for.
struct Running {
    name: Arc<str>,
    seq: u64,
    handle: JoinHandle<()>,
}

impl Future for Running {
    type Output = Option<(Request, JoinError)>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Poll::Ready(
            match std::task::ready!(Pin::new(&mut self.handle).poll(cx)) {
                Ok(()) => None,
                Err(e) => Some((
                    Request {
                        ServiceMethod: self.name.to_string(),
                        Seq: self.seq,
                    },
                    e,
                )),
            },
        )
    }
}

/// Waits for the calls' tasks; a call whose handler panicked (or whose task was cancelled) is
/// answered with an error, so the connection and the server go on. Ends when the reader is done
/// and every call has ended.
async fn watch_calls(mut calls: UnboundedReceiver<Running>, out: &Out, slots: &Arc<Semaphore>) {
    let mut running: FuturesUnordered<Running> = FuturesUnordered::new();
    let mut open = true;
    loop {
        tokio::select! {
            Some(ended) = running.next(), if !running.is_empty() => {
                let Some((req, e)) = ended else { continue };
                let msg = if e.is_panic() {
                    tracing::error!(method = %req.ServiceMethod, "rpc: method panicked");
                    format!("rpc: {} panicked", req.ServiceMethod)
                } else {
                    format!("rpc: {} was cancelled", req.ServiceMethod)
                };
                // The call's own slot went with its task; the answer takes a new one.
                let Ok(slot) = slots.clone().acquire_owned().await else { continue };
                send_error(out, Head { req, slot }, msg).await;
            }
            call = calls.recv(), if open => match call {
                Some(call) => running.push(call),
                None => open = false,
            },
            else => return,
        }
    }
}

/// Encodes a reply's header and body, as Go's `sendResponse` does (on error the body is the empty
/// struct), and writes it unless the connection is busy; then the flusher writes it.
async fn send_reply<B: Body + Send>(out: &Out, head: Head, body: Result<B, String>) {
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
async fn send_error(out: &Out, head: Head, msg: String) {
    send_reply::<InvalidRequest>(out, head, Err(msg)).await;
}

fn encode_reply(
    st: &mut State<Slots>,
    head: Head,
    body: Result<&dyn Body, String>,
) -> gob_codec::Result<()> {
    let Head { req, slot } = head;
    st.extra.0.push(slot);
    let mut resp = Response {
        ServiceMethod: req.ServiceMethod,
        Seq: req.Seq,
        Error: String::new(),
    };
    match body {
        Ok(body) => {
            let start = st.enc.get_ref().len();
            st.enc.encode(&resp)?;
            match body.encode_into(st) {
                Ok(()) => return Ok(()),
                Err(e) => {
                    tracing::error!(method = %resp.ServiceMethod, error = %e, "rpc: gob error encoding body");
                    drop_last_message(st.enc.get_mut(), start);
                    resp.Error = format!("rpc: gob error encoding body: {e}");
                }
            }
        }
        Err(msg) => resp.Error = msg,
    }
    st.enc.encode(&resp)?;
    st.enc.encode(&InvalidRequest {})
}
