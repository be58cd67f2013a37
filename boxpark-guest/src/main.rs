//! `boxpark-guest`: parses arguments, sets up logging, and runs the guest.

use std::path::PathBuf;
use std::sync::Arc;

use boxpark_guest::{events, init, sys, transport, Config, Finally, Shutdown};
use clap::Parser;
use tracing_subscriber::{layer::SubscriberExt, util::SubscriberInitExt, EnvFilter, Layer};

/// The Boxpark guest agent.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// `vsock` (production) or `hybrid:<UDS>` (Unix-socket emulation for development and tests).
    #[arg(long, default_value = "vsock")]
    transport: String,
    /// Least severe level logged and sent to the host: trace, debug, info, warn or error.
    #[arg(long, default_value = "info")]
    log_level: String,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let queue = events::EventQueue::new(events::QUEUE_CAPACITY);
    let filter = || EnvFilter::try_new(&args.log_level).unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_filter(filter()),
        )
        .with(events::EventLayer::new(queue.clone()).with_filter(filter()))
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("boxpark-guest: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let config = Config::default();
    let pid1 = config.pid1;
    let finally = runtime.block_on(async move {
        let transport: Arc<dyn transport::Transport> = match args.transport.as_str() {
            "vsock" => transport::VsockTransport::bind()?,
            t => match t.strip_prefix("hybrid:") {
                Some(path) => transport::HybridTransport::bind(&PathBuf::from(path))?,
                None => return Err(std::io::Error::other(format!("unknown transport {t:?}"))),
            },
        };
        if pid1 {
            // Orphans are re-parented to us; reap them without taking our own children's statuses.
            if let Err(e) = init::start_reaper(init::children()) {
                tracing::warn!(error = %e, "cannot start the zombie reaper");
            }
        }
        let shutdown = Shutdown::new();
        sys::on_termination_signal(shutdown.clone());
        Ok(boxpark_guest::run(transport, config, shutdown, queue).await)
    });
    match finally {
        Ok(f) if pid1 => sys::power_down(f == Finally::Reboot),
        Ok(_) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "boxpark-guest failed to start");
            std::process::ExitCode::FAILURE
        }
    }
}
