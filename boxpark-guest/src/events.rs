//! Host port 1: `Info`, then `Log`s made from the guest's own `tracing` events, redialed with backoff.
//!
//! - [`EventLayer`] turns each `tracing` event into a [`Log`] and pushes it on an [`EventQueue`].
//!   `Level` is the `log/slog` number (TRACE and DEBUG -4, INFO 0, WARN 4, ERROR 8), `Message` the
//!   `message` field, `Attrs` every other field as text: first the fields of the spans the event is
//!   in (root first), then the event's own fields, which win on a clash. A `target` attribute is
//!   added for events from outside this crate (libraries), where the target says who spoke.
//! - [`EventQueue`] holds at most [`QUEUE_CAPACITY`] records. When it is full the *oldest* record
//!   is dropped and counted: after an outage the host gets the most recent context, and the count
//!   goes out first as a warn `Log` ("dropped N log records while the host was unreachable", with
//!   `Attrs{"dropped": "N"}`).
//! - [`run`] dials host port 1 (backoff 100 ms doubling to 5 s; it restarts at 100 ms once a
//!   connection has carried its `Info`, and every connection that ends is followed by one backoff
//!   wait), sends `Info`, then the queued records as they come, with one gob encoder per connection.
//!   A record is taken off the queue before it is written, so the one whose write fails is lost;
//!   the records behind it stay queued for the next connection. The connection is also read, so a
//!   host that closes it is noticed at once, not at the next write. On shutdown, what is queued gets
//!   [`DRAIN_ON_SHUTDOWN`] to go out.
//!
//! Messages and attribute values are cut to [`MAX_FIELD_BYTES`], so the queue's memory is bounded.
//!
//! Nothing here blocks a logging thread for long (one short mutex section per event), and events
//! emitted while the sender itself runs, or while this layer is formatting, are not queued (they
//! still reach the other layers, such as stderr), so logging can never feed on itself.

use std::cell::Cell;
use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use boxpark_proto::event::{level, Info, Log};
use gob_codec::async_io::AsyncEncoder;
use gob_codec::Time;
use tokio::io::{AsyncReadExt, AsyncWrite};
use tokio::sync::Notify;
use tracing::field::{Field, Visit};
use tracing::span;
use tracing_subscriber::layer::Context as LayerContext;
use tracing_subscriber::registry::LookupSpan;

use crate::transport::Conn;
use crate::Guest;

/// Records held while the host is not connected.
pub const QUEUE_CAPACITY: usize = 1024;
/// First wait before redialing host port 1.
pub const BACKOFF_INITIAL: Duration = Duration::from_millis(100);
/// Longest wait between dials; the wait doubles up to this.
pub const BACKOFF_MAX: Duration = Duration::from_secs(5);
/// How long queued records may take to go out once the shutdown signal fired.
pub const DRAIN_ON_SHUTDOWN: Duration = Duration::from_millis(500);

/// Bounded queue of log records waiting for the event stream; cheap to clone and to push to from
/// any thread. When full, the oldest record makes room and is counted as dropped.
#[derive(Clone)]
pub struct EventQueue {
    shared: Arc<Shared>,
}

struct Shared {
    state: Mutex<State>,
    notify: Notify,
    capacity: usize,
}

#[derive(Default)]
struct State {
    records: VecDeque<Log>,
    dropped: u64,
}

/// What the sender takes off the queue next.
enum Next {
    /// This many records were dropped since the last report.
    Dropped(u64),
    /// The oldest queued record.
    Record(Log),
}

impl EventQueue {
    /// A queue holding up to `capacity` records (at least one).
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        EventQueue {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    records: VecDeque::with_capacity(capacity.min(QUEUE_CAPACITY)),
                    dropped: 0,
                }),
                notify: Notify::new(),
                capacity,
            }),
        }
    }

    /// Queues a record; when the queue is full the oldest record is dropped and counted.
    pub fn push(&self, log: Log) {
        {
            let mut state = self.lock();
            if state.records.len() >= self.shared.capacity {
                state.records.pop_front();
                state.dropped = state.dropped.saturating_add(1);
            }
            state.records.push_back(log);
        }
        self.shared.notify.notify_one();
    }

    /// Records waiting.
    pub fn len(&self) -> usize {
        self.lock().records.len()
    }

    /// True when no record waits.
    pub fn is_empty(&self) -> bool {
        self.lock().records.is_empty()
    }

    /// Records dropped and not yet reported to the host.
    pub fn dropped(&self) -> u64 {
        self.lock().dropped
    }

    /// The most records held.
    pub fn capacity(&self) -> usize {
        self.shared.capacity
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // No code panics while holding the lock; if some ever did, the queue is still consistent.
        self.shared
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The drop count first (it is about older records than any queued), then the oldest record.
    fn next(&self) -> Option<Next> {
        let mut state = self.lock();
        if state.dropped > 0 {
            return Some(Next::Dropped(std::mem::take(&mut state.dropped)));
        }
        state.records.pop_front().map(Next::Record)
    }

    /// Puts back a drop count whose report could not be written.
    fn restore_dropped(&self, n: u64) {
        let mut state = self.lock();
        state.dropped = state.dropped.saturating_add(n);
    }

    /// Resolves after a push (at once if one happened since the last wait).
    async fn pushed(&self) {
        self.shared.notify.notified().await
    }
}

impl fmt::Debug for EventQueue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct("EventQueue")
            .field("len", &state.records.len())
            .field("dropped", &state.dropped)
            .field("capacity", &self.shared.capacity)
            .finish()
    }
}

thread_local! {
    /// Set while this thread runs the sender or formats an event: events then are not queued.
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// Sets [`QUIET`] for its lifetime and restores the previous value.
struct QuietGuard {
    was: bool,
}

impl QuietGuard {
    fn enter() -> Self {
        QuietGuard {
            was: QUIET.with(|q| q.replace(true)),
        }
    }
}

impl Drop for QuietGuard {
    fn drop(&mut self) {
        QUIET.with(|q| q.set(self.was));
    }
}

/// A future whose polls are quiet: whatever it logs is not queued for the host.
struct Quiet<F> {
    inner: Pin<Box<F>>,
}

impl<F: Future> Future for Quiet<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let _quiet = QuietGuard::enter();
        self.inner.as_mut().poll(cx)
    }
}

/// A `tracing` layer that puts records on an [`EventQueue`].
pub struct EventLayer {
    queue: EventQueue,
}

impl EventLayer {
    /// The layer.
    pub fn new(queue: EventQueue) -> Self {
        EventLayer { queue }
    }
}

/// Longest message or attribute value kept, in bytes: fields can carry what the host sent (a path,
/// an address), and the queue must stay bounded whatever that was.
pub const MAX_FIELD_BYTES: usize = 4096;

/// Cuts `text` to [`MAX_FIELD_BYTES`] at a character boundary, marking the cut with "…".
fn truncate(text: &mut String) {
    if text.len() <= MAX_FIELD_BYTES {
        return;
    }
    let mut end = MAX_FIELD_BYTES - '…'.len_utf8();
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text.push('…');
}

/// The fields of a span, kept in its extensions.
struct SpanFields(BTreeMap<String, String>);

/// Collects fields as text; the `message` field apart when asked to.
struct FieldText<'a> {
    message: Option<&'a mut String>,
    attrs: &'a mut BTreeMap<String, String>,
}

impl FieldText<'_> {
    fn put(&mut self, field: &Field, mut text: String) {
        truncate(&mut text);
        match &mut self.message {
            Some(m) if field.name() == "message" => **m = text,
            _ => {
                self.attrs.insert(field.name().to_owned(), text);
            }
        }
    }
}

impl Visit for FieldText<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, value.to_owned());
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, value.to_string());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, value.to_string());
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.put(field, value.to_string());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, value.to_string());
    }
    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.put(field, value.to_string());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.put(field, format!("{value:?}"));
    }
}

/// The `log/slog` level of a `tracing` level.
pub fn slog_level(l: &tracing::Level) -> i64 {
    match *l {
        tracing::Level::ERROR => level::ERROR,
        tracing::Level::WARN => level::WARN,
        tracing::Level::INFO => level::INFO,
        _ => level::DEBUG,
    }
}

impl<S> tracing_subscriber::Layer<S> for EventLayer
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &span::Attributes<'_>, id: &span::Id, ctx: LayerContext<'_, S>) {
        if QUIET.with(Cell::get) {
            return;
        }
        let _quiet = QuietGuard::enter();
        let mut fields = BTreeMap::new();
        attrs.record(&mut FieldText {
            message: None,
            attrs: &mut fields,
        });
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().replace(SpanFields(fields));
        }
    }

    fn on_record(&self, id: &span::Id, values: &span::Record<'_>, ctx: LayerContext<'_, S>) {
        if QUIET.with(Cell::get) {
            return;
        }
        let _quiet = QuietGuard::enter();
        let mut fields = BTreeMap::new();
        values.record(&mut FieldText {
            message: None,
            attrs: &mut fields,
        });
        if let Some(span) = ctx.span(id) {
            let mut ext = span.extensions_mut();
            match ext.get_mut::<SpanFields>() {
                Some(SpanFields(old)) => old.extend(fields),
                None => ext.insert(SpanFields(fields)),
            }
        }
    }

    fn on_event(&self, event: &tracing::Event<'_>, ctx: LayerContext<'_, S>) {
        if QUIET.with(Cell::get) {
            return;
        }
        let _quiet = QuietGuard::enter();
        let meta = event.metadata();
        let mut attrs = BTreeMap::new();
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope.from_root() {
                if let Some(SpanFields(f)) = span.extensions().get::<SpanFields>() {
                    attrs.extend(f.iter().map(|(k, v)| (k.clone(), v.clone())));
                }
            }
        }
        if !is_own_target(meta.target()) {
            attrs.insert("target".to_owned(), meta.target().to_owned());
        }
        let mut message = String::new();
        event.record(&mut FieldText {
            message: Some(&mut message),
            attrs: &mut attrs,
        });
        self.queue.push(Log {
            Time: Time::now(),
            Level: slog_level(meta.level()),
            Message: message,
            Attrs: attrs,
        });
    }
}

/// Whether an event comes from this crate (its library or its binary).
fn is_own_target(target: &str) -> bool {
    target == "boxpark_guest" || target.starts_with("boxpark_guest::")
}

/// The first non-loopback IPv4 address of the machine, in `getifaddrs` order, or `""`.
pub fn first_ipv4() -> String {
    let Ok(addrs) = nix::ifaddrs::getifaddrs() else {
        return String::new();
    };
    addrs
        .filter_map(|a| {
            a.address
                .and_then(|s| s.as_sockaddr_in().map(|sin| sin.ip()))
        })
        .find(|ip| !ip.is_loopback() && !ip.is_unspecified())
        .map(|ip| ip.to_string())
        .unwrap_or_default()
}

/// The warn record that reports `n` dropped records.
pub fn dropped_record(n: u64) -> Log {
    Log {
        Time: Time::now(),
        Level: level::WARN,
        Message: format!("dropped {n} log records while the host was unreachable"),
        Attrs: BTreeMap::from([("dropped".to_owned(), n.to_string())]),
    }
}

/// Dials host port 1 and sends events until shutdown.
pub async fn run(guest: Arc<Guest>, queue: EventQueue) {
    Quiet {
        inner: Box::pin(send_events(guest, queue)),
    }
    .await
}

async fn send_events(guest: Arc<Guest>, queue: EventQueue) {
    let mut backoff = BACKOFF_INITIAL;
    loop {
        let dialed = tokio::select! {
            c = guest.transport.dial_host(boxpark_proto::ports::HOST_EVENT_PORT) => c,
            _ = guest.shutdown.fired() => return,
        };
        match dialed {
            Ok(conn) => {
                let ended = connection(conn, &guest, &queue, &mut backoff).await;
                match ended {
                    Ok(End::Shutdown) => return,
                    Ok(End::HostClosed) => tracing::info!("event stream: the host closed it"),
                    Err(e) => tracing::info!(error = %e, "event stream broke"),
                }
            }
            Err(e) => tracing::debug!(error = %e, ?backoff, "event stream: cannot reach the host"),
        }
        tokio::select! {
            _ = tokio::time::sleep(backoff) => {}
            _ = guest.shutdown.fired() => return,
        }
        backoff = (backoff * 2).min(BACKOFF_MAX);
    }
}

/// Why a connection ended without an error.
enum End {
    HostClosed,
    Shutdown,
}

/// Serves one event-stream connection: `Info`, then records until it breaks or shutdown.
async fn connection(
    conn: Conn,
    guest: &Guest,
    queue: &EventQueue,
    backoff: &mut Duration,
) -> Result<End, gob_codec::Error> {
    let (mut reader, writer) = tokio::io::split(conn);
    let mut enc = AsyncEncoder::new(writer);
    let info = Info {
        Version: guest.config.version.clone(),
        IP: first_ipv4(),
    };
    tokio::select! {
        r = enc.encode(&info) => r?,
        _ = guest.shutdown.fired() => return Ok(End::Shutdown),
    }
    *backoff = BACKOFF_INITIAL;
    tracing::info!(ip = %info.IP, "event stream connected");
    let mut scratch = [0u8; 256];
    loop {
        // Shutdown in the middle of a value leaves the stream cut: nothing more goes on it.
        let sent = tokio::select! {
            r = send_queued(&mut enc, queue) => r,
            _ = guest.shutdown.fired() => return Ok(End::Shutdown),
        };
        sent?;
        tokio::select! {
            biased;
            _ = guest.shutdown.fired() => return drain(&mut enc, queue).await,
            r = reader.read(&mut scratch) => match r {
                Ok(0) => return Ok(End::HostClosed),
                Ok(_) => {} // The host has nothing to say on this stream: ignored.
                Err(e) => return Err(e.into()),
            },
            _ = queue.pushed() => {}
        }
    }
}

/// Writes every queued record (the drop count first); the record whose write fails is lost.
async fn send_queued<W: AsyncWrite + Unpin>(
    enc: &mut AsyncEncoder<W>,
    queue: &EventQueue,
) -> Result<(), gob_codec::Error> {
    while let Some(next) = queue.next() {
        match next {
            Next::Dropped(n) => {
                if let Err(e) = enc.encode(&dropped_record(n)).await {
                    queue.restore_dropped(n);
                    return Err(e);
                }
            }
            Next::Record(log) => enc.encode(&log).await?,
        }
    }
    Ok(())
}

/// Gives what is queued [`DRAIN_ON_SHUTDOWN`] to go out; called between values only.
async fn drain<W: AsyncWrite + Unpin>(
    enc: &mut AsyncEncoder<W>,
    queue: &EventQueue,
) -> Result<End, gob_codec::Error> {
    match tokio::time::timeout(DRAIN_ON_SHUTDOWN, send_queued(enc, queue)).await {
        Ok(r) => r.map(|()| End::Shutdown),
        Err(_) => Ok(End::Shutdown),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(msg: &str) -> Log {
        Log {
            Message: msg.to_owned(),
            ..Log::default()
        }
    }

    #[test]
    fn long_fields_are_cut_at_a_character_boundary() {
        let mut short = "é".repeat(10);
        truncate(&mut short);
        assert_eq!(short, "é".repeat(10));
        let mut long = "é".repeat(MAX_FIELD_BYTES);
        truncate(&mut long);
        assert!(long.len() <= MAX_FIELD_BYTES, "{}", long.len());
        assert!(long.ends_with("é…"));
    }

    #[test]
    fn full_queue_drops_the_oldest_and_counts() {
        let q = EventQueue::new(3);
        for i in 0..5 {
            q.push(record(&i.to_string()));
        }
        assert_eq!(q.len(), 3);
        assert!(matches!(q.next(), Some(Next::Dropped(2))));
        let rest: Vec<String> = std::iter::from_fn(|| match q.next() {
            Some(Next::Record(l)) => Some(l.Message),
            _ => None,
        })
        .collect();
        assert_eq!(rest, ["2", "3", "4"]);
        assert!(q.is_empty());
        q.restore_dropped(7);
        assert_eq!(q.dropped(), 7);
    }

    #[test]
    fn levels_are_slog_numbers() {
        assert_eq!(slog_level(&tracing::Level::TRACE), -4);
        assert_eq!(slog_level(&tracing::Level::DEBUG), -4);
        assert_eq!(slog_level(&tracing::Level::INFO), 0);
        assert_eq!(slog_level(&tracing::Level::WARN), 4);
        assert_eq!(slog_level(&tracing::Level::ERROR), 8);
    }

    #[test]
    fn layer_collects_message_fields_and_spans() {
        use tracing_subscriber::layer::SubscriberExt;
        let q = EventQueue::new(16);
        let subscriber = tracing_subscriber::registry().with(EventLayer::new(q.clone()));
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!("conn", peer = "a", n = 1);
            let _g = span.enter();
            tracing::warn!(n = 2, flag = true, text = %"x y", "hello {}", "world");
            // Quiet while "sending": not queued.
            let _quiet = QuietGuard::enter();
            tracing::error!("not queued");
        });
        assert_eq!(q.len(), 1);
        let Some(Next::Record(log)) = q.next() else {
            panic!("no record");
        };
        assert_eq!(log.Level, 4);
        assert_eq!(log.Message, "hello world");
        // The event's own `n` wins over the span's; no `target`: the event is from this crate.
        let want: BTreeMap<String, String> =
            [("peer", "a"), ("n", "2"), ("flag", "true"), ("text", "x y")]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
        assert_eq!(log.Attrs, want);
        assert!(log.Time.unix() > 1_600_000_000);
    }
}
