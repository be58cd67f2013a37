//! What the guest logged, for in-process tests: a `tracing` layer installed as this thread's
//! default subscriber that keeps every event as the `Log` the host would get (the `log/slog`
//! level, the message, the event's fields as text; span fields are not kept).
//!
//! Only events on the test's thread are seen: a test that looks at logs runs on a current-thread
//! runtime, where the guest's tasks run on that thread too.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use boxpark_guest::events::slog_level;
use boxpark_proto::event::{level, Log};
use tracing::field::{Field, Visit};
use tracing::subscriber::DefaultGuard;
use tracing_subscriber::layer::{Context, SubscriberExt};

/// The events logged on this thread while the guard of [`Logs::capture`] lives.
#[derive(Clone, Default)]
pub struct Logs(Arc<Mutex<Vec<Log>>>);

impl Logs {
    /// Starts keeping this thread's events until the guard is dropped.
    pub fn capture() -> (Logs, DefaultGuard) {
        let logs = Logs::default();
        let subscriber = tracing_subscriber::registry().with(Layer(logs.clone()));
        (logs, tracing::subscriber::set_default(subscriber))
    }

    /// Every event so far.
    pub fn all(&self) -> Vec<Log> {
        self.0.lock().expect("logs").clone()
    }

    /// The warnings so far.
    pub fn warnings(&self) -> Vec<Log> {
        let all = self.all();
        all.into_iter().filter(|l| l.Level == level::WARN).collect()
    }

    /// The messages of the warnings so far.
    pub fn warning_messages(&self) -> Vec<String> {
        self.warnings().into_iter().map(|l| l.Message).collect()
    }

    /// The first event so far that `pred` accepts, waited for at most [`crate::STEP`].
    pub async fn wait_for(&self, what: &str, pred: impl Fn(&Log) -> bool) -> Log {
        let waited = tokio::time::timeout(crate::STEP, async {
            loop {
                if let Some(log) = self.all().into_iter().find(|l| pred(l)) {
                    return log;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await;
        match waited {
            Ok(log) => log,
            Err(_) => panic!("nothing logged: {what}; logged:\n{}", self.describe()),
        }
    }

    /// The events so far, one a line, for failure messages.
    pub fn describe(&self) -> String {
        self.all()
            .iter()
            .map(|l| format!("  [{}] {} {:?}", l.Level, l.Message, l.Attrs))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Forgets the events so far.
    pub fn clear(&self) {
        self.0.lock().expect("logs").clear();
    }
}

struct Layer(Logs);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Layer {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let log = Log {
            Time: gob_codec::Time::now(),
            Level: slog_level(event.metadata().level()),
            Message: fields.message,
            Attrs: fields.attrs,
        };
        if let Ok(mut logs) = (self.0).0.lock() {
            logs.push(log);
        }
    }
}

#[derive(Default)]
struct Fields {
    message: String,
    attrs: BTreeMap<String, String>,
}

impl Fields {
    fn put(&mut self, field: &Field, text: String) {
        if field.name() == "message" {
            self.message = text;
        } else {
            self.attrs.insert(field.name().to_owned(), text);
        }
    }
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, value.to_owned());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.put(field, format!("{value:?}"));
    }
}
