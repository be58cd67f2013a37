//! Resident memory of the release guest binary: idle, and with 1000 `unix` proxy connections open.
//!
//! Builds the guest with `cargo build --release -p boxpark-guest`, starts it on a hybrid socket in
//! a temporary directory, opens the RPC connection and makes one `Guest.Run{Command: "true"}`
//! call, then reads `VmRSS` from `/proc/<pid>/status` ("idle"). Then it opens 1000 `unix` proxy
//! connections to a Unix-socket echo server in this process, each completing a small round trip
//! so that the guest has dialed the target and its splice is running, and reads `VmRSS` again
//! with all of them open. Prints one line:
//!
//! ```text
//! rss idle_kib=<n> loaded_kib=<n> connections=1000 per_connection_kib=<x>
//! ```
//!
//! This process and the guest each hold two descriptors per connection, so the soft
//! `RLIMIT_NOFILE` must leave room for them (`scripts/bench-guest.sh` raises it to the hard limit
//! with `ulimit -n`; the guest inherits it); the example refuses to start otherwise. Every wait is
//! bounded, and the connections and the guest are closed and stopped before it exits.
//!
//! ```text
//! cargo run --release -p boxpark-guest --example rss
//! ```

#[allow(dead_code)]
#[path = "../benches/common/mod.rs"]
mod common;

use std::process::ExitCode;
use std::time::Duration;

use boxpark_proto::api::RunRequest;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use common::{within, GuestProcess};

/// Proxy connections held open at once.
const CONNECTIONS: usize = 1000;
/// Descriptors needed besides two per connection (runtime, sockets, stdio, cargo's).
const SPARE_FDS: u64 = 256;
/// Time given to the guest to settle before each reading.
const SETTLE: Duration = Duration::from_millis(300);

/// The soft limit on open files of this process, from `/proc/self/limits`.
fn nofile_soft_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    let soft = line.split_whitespace().nth(3)?;
    if soft == "unlimited" {
        return Some(u64::MAX);
    }
    soft.parse().ok()
}

fn main() -> ExitCode {
    let needed = 2 * CONNECTIONS as u64 + SPARE_FDS;
    match nofile_soft_limit() {
        Some(n) if n >= needed => {}
        Some(n) => {
            eprintln!(
                "rss: the open-file limit is {n}; {needed} are needed for {CONNECTIONS} \
                 connections (raise it with `ulimit -n {needed}`)"
            );
            return ExitCode::FAILURE;
        }
        None => eprintln!("rss: cannot read the open-file limit; going on"),
    }

    let bin = common::build_release_guest();
    let rt = common::runtime();
    let mut guest = match GuestProcess::spawn(&bin) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("rss: cannot start {}: {e}", bin.display());
            return ExitCode::FAILURE;
        }
    };
    let pid = guest.pid();
    let echo_path = guest.dir().join("echo.sock");
    let measured = rt.block_on(async {
        let client = guest.rpc().await;
        let req = RunRequest {
            Command: "true".into(),
            ..Default::default()
        };
        match within("Guest.Run", client.run(&req)).await {
            Ok(out) if out.ExitCode == 0 => {}
            Ok(out) => return Err(format!("Guest.Run true: exit code {}", out.ExitCode)),
            Err(e) => return Err(format!("Guest.Run true: {e}")),
        }
        tokio::time::sleep(SETTLE).await;
        let idle = common::vm_rss_kib(pid).map_err(|e| e.to_string())?;

        let echo = common::unix_server(&echo_path, common::Serve::Echo)
            .map_err(|e| format!("echo server: {e}"))?;
        let address = echo_path.display().to_string();
        let mut conns = Vec::with_capacity(CONNECTIONS);
        for i in 0..CONNECTIONS {
            let mut conn = guest.proxy("unix", &address).await;
            let ping = (i as u32).to_le_bytes();
            let mut pong = [0u8; 4];
            within("round trip", async {
                conn.write_all(&ping).await?;
                conn.read_exact(&mut pong).await.map(drop)
            })
            .await
            .map_err(|e| format!("connection {i}: {e}"))?;
            if pong != ping {
                return Err(format!("connection {i}: echoed {pong:?}, sent {ping:?}"));
            }
            conns.push(conn);
        }
        tokio::time::sleep(SETTLE).await;
        let loaded = common::vm_rss_kib(pid).map_err(|e| e.to_string())?;
        drop(conns);
        echo.abort();
        drop(client);
        Ok((idle, loaded))
    });
    drop(rt);
    drop(guest);
    match measured {
        Ok((idle, loaded)) => {
            let per = (loaded as f64 - idle as f64) / CONNECTIONS as f64;
            println!(
                "rss idle_kib={idle} loaded_kib={loaded} connections={CONNECTIONS} \
                 per_connection_kib={per:.1}"
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("rss: {e}");
            ExitCode::FAILURE
        }
    }
}
