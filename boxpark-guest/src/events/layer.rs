//! The `tracing` layer that turns events into `Log` records.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::fmt;

use boxpark_proto::event::{level, Log};
use gob_codec::Time;
use tracing::field::{Field, Visit};
use tracing::span;
use tracing_subscriber::layer::Context as LayerContext;
use tracing_subscriber::registry::LookupSpan;

use super::quiet::{QuietGuard, QUIET};
use super::EventQueue;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::queue::Next;

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
