//! Host port 1: `Info`, then `Log`s made from the guest's own `tracing` events, redialed with backoff.
//!
//! Three parts: the [`EventLayer`] (layer.rs) makes records, the [`EventQueue`] (queue.rs) holds
//! them, and [`run`] (sender.rs) sends them; quiet.rs keeps logging from feeding on itself.
//!
//! - [`EventLayer`] turns each `tracing` event into a [`Log`](boxpark_proto::event::Log) and pushes it on an [`EventQueue`].
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

mod layer;
mod queue;
mod quiet;
mod sender;

pub use layer::{slog_level, EventLayer, MAX_FIELD_BYTES};
pub use queue::{dropped_record, EventQueue, QUEUE_CAPACITY};
pub use sender::{first_ipv4, run, BACKOFF_INITIAL, BACKOFF_MAX, DRAIN_ON_SHUTDOWN};
