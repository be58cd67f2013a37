//! The fake host's two listening sockets: the event stream (host port 1) and the host proxy
//! (host port 2).
//!
//! Host port 1 comes in two kinds: [`EventHost`] records everything in the background (for tests
//! that look for a record), [`EventPort`] lets the test accept each connection and read it value by
//! value, and can go away and come back (for tests of the stream itself).

use std::path::{Path, PathBuf};
use std::time::Duration;

use boxpark_proto::event::{Info, Log};
use boxpark_proto::host::{read_datagram, write_datagram};
use boxpark_proto::proxy::ConnectionRequest;
use gob_codec::async_io::AsyncDecoder;
use tokio::io::BufReader;
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{mpsc, watch, Mutex};
use tokio::task::JoinHandle;

use crate::{within, STEP};

/// What arrived on the event stream, in order.
#[derive(Debug, Clone)]
pub enum Event {
    /// The first value of each connection.
    Info(Info),
    /// Every later value.
    Log(Log),
    /// The stream did not decode (the text of the error); the connection was dropped.
    Broken(String),
}

/// Host port 1: accepts the guest's event-stream connections one after the other and records
/// their `Info` and `Log` values.
pub struct EventHost {
    events: watch::Receiver<Vec<Event>>,
    task: JoinHandle<()>,
}

impl EventHost {
    /// Listens on `path`; the guest dials it once it is ready.
    pub fn bind(path: &Path) -> EventHost {
        let listener = UnixListener::bind(path).expect("bind the event port");
        let (tx, events) = watch::channel(Vec::new());
        let task = tokio::spawn(async move {
            while let Ok((conn, _)) = listener.accept().await {
                let mut dec = AsyncDecoder::new(BufReader::new(conn));
                let push = |e: Event| tx.send_modify(|v| v.push(e));
                match dec.decode::<Info>().await {
                    Ok(info) => push(Event::Info(info)),
                    Err(e) => {
                        push(Event::Broken(format!("Info: {e}")));
                        continue;
                    }
                }
                loop {
                    match dec.decode::<Log>().await {
                        Ok(log) => push(Event::Log(log)),
                        Err(e) if e.is_eof() => break,
                        Err(e) => {
                            push(Event::Broken(format!("Log: {e}")));
                            break;
                        }
                    }
                }
            }
        });
        EventHost { events, task }
    }

    /// Everything received so far.
    pub fn snapshot(&self) -> Vec<Event> {
        self.events.borrow().clone()
    }

    /// How many events were received so far: a mark for [`Self::wait_log`].
    pub fn mark(&self) -> usize {
        self.events.borrow().len()
    }

    /// The first event, which must be an `Info`.
    pub async fn info(&self) -> Info {
        let mut rx = self.events.clone();
        let first = within("the guest's Info", rx.wait_for(|v| !v.is_empty()))
            .await
            .expect("event host running")[0]
            .clone();
        match first {
            Event::Info(info) => info,
            other => panic!("the event stream began with {other:?}, not Info"),
        }
    }

    /// The first `Log` received after `mark` that `pred` accepts.
    pub async fn wait_log(&self, mark: usize, what: &str, pred: impl Fn(&Log) -> bool) -> Log {
        let found = |v: &Vec<Event>| {
            v.iter().skip(mark).find_map(|e| match e {
                Event::Log(log) if pred(log) => Some(log.clone()),
                _ => None,
            })
        };
        let mut rx = self.events.clone();
        let waited = tokio::time::timeout(STEP, rx.wait_for(|v| found(v).is_some())).await;
        match waited {
            Ok(Ok(v)) => found(&v).expect("found"),
            _ => panic!(
                "no Log on the event stream: {what}; got after the mark:\n{}",
                self.describe_from(mark)
            ),
        }
    }

    /// The messages received after `mark`, one a line, for failure messages.
    pub fn describe_from(&self, mark: usize) -> String {
        self.snapshot()
            .iter()
            .skip(mark)
            .map(|e| match e {
                Event::Log(l) => format!("  [{}] {} {:?}", l.Level, l.Message, l.Attrs),
                other => format!("  {other:?}"),
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl Drop for EventHost {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Whether `log`'s message or one of its attributes contains `needle`.
pub fn mentions(log: &Log, needle: &str) -> bool {
    log.Message.contains(needle) || log.Attrs.values().any(|v| v.contains(needle))
}

/// One connection the guest opened to host port 2, after its `ConnectionRequest`.
pub struct HostConn {
    /// What the guest said the connection is.
    pub req: ConnectionRequest,
    dec: AsyncDecoder<UnixStream>,
}

impl HostConn {
    /// The next datagram from the guest; `None` when it closed the connection.
    pub async fn datagram(&mut self) -> Option<Vec<u8>> {
        within("a datagram from the guest", read_datagram(&mut self.dec))
            .await
            .expect("read a datagram")
    }

    /// Sends a datagram back to the peer this connection stands for.
    pub async fn send_datagram(&mut self, data: &[u8]) {
        within(
            "writing a datagram",
            write_datagram(self.dec.get_mut(), data),
        )
        .await
        .expect("write a datagram");
    }

    /// The connection, for the bytes of a stream socket.
    pub fn into_stream(self) -> UnixStream {
        self.dec.into_inner()
    }
}

/// Host port 2: accepts the guest's connections and reads each one's `ConnectionRequest`.
pub struct ProxyHost {
    conns: Mutex<mpsc::UnboundedReceiver<HostConn>>,
    task: JoinHandle<()>,
}

impl ProxyHost {
    /// Listens on `path`.
    pub fn bind(path: &Path) -> ProxyHost {
        let listener = UnixListener::bind(path).expect("bind the host proxy port");
        let (tx, rx) = mpsc::unbounded_channel();
        let task = tokio::spawn(async move {
            while let Ok((conn, _)) = listener.accept().await {
                let tx = tx.clone();
                tokio::spawn(async move {
                    let mut dec = AsyncDecoder::new(conn);
                    if let Ok(Ok(req)) = tokio::time::timeout(STEP, dec.decode()).await {
                        let _ = tx.send(HostConn { req, dec });
                    }
                });
            }
        });
        ProxyHost {
            conns: Mutex::new(rx),
            task,
        }
    }

    /// The next connection the guest opened.
    pub async fn next(&self) -> HostConn {
        let mut rx = self.conns.lock().await;
        within("a connection to host port 2", rx.recv())
            .await
            .expect("host proxy running")
    }

    /// A connection, if one comes within `limit`.
    pub async fn next_within(&self, limit: Duration) -> Option<HostConn> {
        let mut rx = self.conns.lock().await;
        tokio::time::timeout(limit, rx.recv()).await.ok().flatten()
    }
}

impl Drop for ProxyHost {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Host port 1, driven step by step: the test accepts each of the guest's connections itself and
/// reads its values in order; [`Self::go_away`] makes the guest's dials fail until
/// [`Self::rebind`].
pub struct EventPort {
    path: PathBuf,
    listener: Option<UnixListener>,
}

impl EventPort {
    /// Listens on `path` (removing what was there).
    pub fn bind(path: &Path) -> EventPort {
        let _ = std::fs::remove_file(path);
        EventPort {
            path: path.to_owned(),
            listener: Some(UnixListener::bind(path).expect("bind the event port")),
        }
    }

    /// Stops listening and removes the socket file: dials fail until [`Self::rebind`].
    pub fn go_away(&mut self) {
        self.listener = None;
        std::fs::remove_file(&self.path).expect("remove the event port");
    }

    /// Listens again.
    pub fn rebind(&mut self) {
        self.listener = Some(UnixListener::bind(&self.path).expect("bind the event port again"));
    }

    /// Accepts the guest's next connection and reads its `Info`.
    pub async fn accept(&self) -> (Info, EventConn) {
        let listener = self.listener.as_ref().expect("the event port listens");
        let (conn, _) = within("the guest dials host port 1", listener.accept())
            .await
            .expect("accept on host port 1");
        let mut dec = AsyncDecoder::new(conn);
        let info = within("Info", dec.decode()).await.expect("decode Info");
        (info, EventConn(dec))
    }
}

/// One event-stream connection after its `Info`.
pub struct EventConn(AsyncDecoder<UnixStream>);

impl EventConn {
    /// The next `Log`.
    pub async fn next_log(&mut self) -> Log {
        within("a Log", self.0.decode())
            .await
            .expect("decode a Log")
    }

    /// Reads records until one has `message`; returns the messages before it and the record.
    pub async fn read_until(&mut self, message: &str) -> (Vec<String>, Log) {
        let mut before = Vec::new();
        loop {
            let log = self.next_log().await;
            if log.Message == message {
                return (before, log);
            }
            before.push(log.Message);
        }
    }

    /// Reads records until the stream fails, and returns why (a clean end: `is_eof`).
    pub async fn end(&mut self) -> gob_codec::Error {
        within("the event stream ends", async {
            loop {
                if let Err(e) = self.0.decode::<Log>().await {
                    return e;
                }
            }
        })
        .await
    }
}
