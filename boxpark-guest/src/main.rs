//! `boxpark-guest`: parses arguments, does init's work when it is PID 1, sets up logging, and
//! runs the guest.

use std::path::PathBuf;
use std::sync::Arc;

use boxpark_guest::boot::{self, BootOptions, BootReport};
use boxpark_guest::{events, reaper, sys, transport, Config, PowerAction, Shutdown};
use clap::Parser;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::{layer::SubscriberExt, util::SubscriberInitExt, Layer};

/// The Boxpark guest agent.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// `vsock` (production) or `hybrid:<UDS>` (Unix-socket emulation for development and tests).
    #[arg(long, default_value = "vsock")]
    transport: String,
    /// Least severe level logged and sent to the host: trace, debug, info, warn or error
    /// (default: `boxpark.log` on the kernel command line when init, else info).
    #[arg(long)]
    log_level: Option<String>,
    /// Do init's work (mounts, modules, root switch, network; see docs/PROTOCOL.md, "Boot") even
    /// when not PID 1. PID 1 always does it.
    #[arg(long)]
    init: bool,
    /// Bytes of program output that all running `Run` calls together may hold; beyond, their
    /// programs wait (docs/PROTOCOL.md, "Memory").
    #[arg(long, default_value_t = boxpark_guest::output_budget::DEFAULT_RUN_OUTPUT_BUDGET)]
    run_output_budget: usize,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let pid1 = std::process::id() == 1;
    let init = pid1 || args.init;
    let mut report = BootReport::new();
    let opts = if init {
        boot::early(&mut report)
    } else {
        BootOptions::default()
    };
    let level = args
        .log_level
        .clone()
        .or_else(|| opts.log.clone())
        .unwrap_or_else(|| "info".to_owned());
    let queue = events::EventQueue::new(events::QUEUE_CAPACITY);
    let filter = || {
        level
            .parse::<Targets>()
            .unwrap_or_else(|_| Targets::new().with_default(LevelFilter::INFO))
    };
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                // Plain text: colour codes would cost bytes in the static binary and in every
                // line of a console log.
                .with_ansi(false)
                .with_filter(filter()),
        )
        .with(events::EventLayer::new(queue.clone()).with_filter(filter()))
        .init();
    report.go_live();
    if init {
        // Before the runtime: no other thread may exist while the environment is set.
        boot::prepare(&opts, &mut report);
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!(error = %e, "cannot start the runtime");
            return std::process::ExitCode::FAILURE;
        }
    };
    let config = Config {
        run_output_budget: args.run_output_budget,
        ..Config::default()
    };
    let action = runtime.block_on(async move {
        if init {
            boot::network(&opts, &mut report).await;
            tracing::info!(failed_steps = report.failures(), "boot finished");
        }
        let transport: Arc<dyn transport::Transport> = match args.transport.as_str() {
            "vsock" => transport::VsockTransport::bind()?,
            t => match t.strip_prefix("hybrid:") {
                Some(path) => transport::HybridTransport::bind(&PathBuf::from(path))?,
                None => return Err(std::io::Error::other(format!("unknown transport {t:?}"))),
            },
        };
        if pid1 {
            // Orphans are re-parented to us; reap them without taking our own children's statuses.
            if let Err(e) = reaper::start_reaper(reaper::children()) {
                tracing::warn!(error = %e, "cannot start the zombie reaper");
            }
        }
        let shutdown = Shutdown::new();
        sys::on_termination_signal(shutdown.clone());
        Ok(boxpark_guest::run(transport, config, shutdown, queue).await)
    });
    // The runtime's tasks end here, before processes are stopped (a blocking call still in
    // flight is not waited for long).
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    match action {
        Ok(f) if pid1 => boot::power::power_down(f == PowerAction::Reboot),
        Ok(_) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "boxpark-guest failed to start");
            if pid1 {
                // As PID 1, exiting panics the kernel; keep the console readable and power off.
                return boot::power::power_down(false);
            }
            std::process::ExitCode::FAILURE
        }
    }
}
