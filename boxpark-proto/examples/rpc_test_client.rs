//! Runs one scenario with the Rust `rpc::Client` against a server of the `Test` service (Go's
//! `net/rpc` or `rpc_test_server`), for the Go interop tests.
//!
//! ```text
//! cargo run -p boxpark-proto --example rpc_test_client -- <unix-socket-path> <scenario>
//! ```
//!
//! Scenarios:
//!
//! - `sequential`: 100 `Test.Echo` calls with varied `S` and `N`, each reply checked;
//! - `concurrent`: 64 `Test.Add` calls from 64 tasks at once on one client, each reply checked;
//! - `errors`: `Test.Fail{Msg: "boom"}` fails with server error `boom`, `Test.Nope` with
//!   `rpc: can't find method Test.Nope`, `Nope.Echo` with `rpc: can't find service Nope.Echo`;
//!   then an `Echo` on the same connection still works;
//! - `cut`: `Test.Sleep{Millis: 60000}`, which the server cuts short by closing the connection
//!   (the Go server does after about 200 ms): the call must fail with a connection error within
//!   5 s, and so must a call after it.
//!
//! Prints `OK <scenario>` and exits 0 on success; prints the reason on stderr and exits 1 on
//! failure.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use boxpark_proto::rpc::{Client, Error};
use tokio::net::UnixStream;

#[path = "common/test_service.rs"]
mod test_service;

use test_service::{AddArgs, AddReply, EchoArgs, EchoReply, Empty, FailArgs, SleepArgs};

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [path, scenario] = args.as_slice() else {
        eprintln!("usage: rpc_test_client <unix-socket-path> sequential|concurrent|errors|cut");
        return ExitCode::from(2);
    };
    let conn = match UnixStream::connect(path).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("rpc_test_client: connecting to {path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let client = Client::new(conn);
    let result = match scenario.as_str() {
        "sequential" => sequential(&client).await,
        "concurrent" => concurrent(&client).await,
        "errors" => errors(&client).await,
        "cut" => cut(&client).await,
        other => {
            eprintln!("rpc_test_client: unknown scenario {other:?}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => {
            println!("OK {scenario}");
            ExitCode::SUCCESS
        }
        Err(why) => {
            eprintln!("rpc_test_client: {scenario}: {why}");
            ExitCode::FAILURE
        }
    }
}

async fn echo(client: &Client, s: &str, n: i64) -> Result<(), String> {
    let args = EchoArgs {
        S: s.to_owned(),
        N: n,
    };
    let reply: EchoReply = client
        .call("Test.Echo", &args)
        .await
        .map_err(|e| format!("Echo({args:?}): {e}"))?;
    if reply.S != args.S || reply.N != args.N {
        return Err(format!("Echo({args:?}) answered {reply:?}"));
    }
    Ok(())
}

async fn sequential(client: &Client) -> Result<(), String> {
    for i in 0..100i64 {
        let s = format!("call {i}: {}", "é".repeat(i as usize % 7));
        let n = (i - 50) * 1_000_003 * if i % 2 == 0 { 1 } else { -1 };
        echo(client, &s, n).await?;
    }
    // Extremes and the empty string (sent as no field at all).
    echo(client, "", 0).await?;
    echo(client, "max", i64::MAX).await?;
    echo(client, "min", i64::MIN).await
}

async fn concurrent(client: &Client) -> Result<(), String> {
    let tasks: Vec<_> = (0..64i64)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move {
                let args = AddArgs { A: i, B: i * 1000 };
                let reply: AddReply = client
                    .call("Test.Add", &args)
                    .await
                    .map_err(|e| format!("Add({args:?}): {e}"))?;
                if reply.Sum != i * 1001 {
                    return Err(format!("Add({args:?}) answered {reply:?}"));
                }
                Ok(())
            })
        })
        .collect();
    for task in tasks {
        task.await.map_err(|e| format!("task: {e}"))??;
    }
    Ok(())
}

async fn expect_server_error<A>(
    client: &Client,
    method: &str,
    args: &A,
    want: &str,
) -> Result<(), String>
where
    A: serde::Serialize + serde::Deserialize<'static>,
{
    match client.call::<_, Empty>(method, args).await {
        Err(Error::Server(got)) if got == want => Ok(()),
        Err(e) => Err(format!("{method}: want server error {want:?}, got {e:?}")),
        Ok(reply) => Err(format!(
            "{method}: want server error {want:?}, got reply {reply:?}"
        )),
    }
}

async fn errors(client: &Client) -> Result<(), String> {
    let boom = FailArgs { Msg: "boom".into() };
    expect_server_error(client, "Test.Fail", &boom, "boom").await?;
    let args = EchoArgs {
        S: "x".into(),
        N: 1,
    };
    expect_server_error(
        client,
        "Test.Nope",
        &args,
        "rpc: can't find method Test.Nope",
    )
    .await?;
    expect_server_error(
        client,
        "Nope.Echo",
        &args,
        "rpc: can't find service Nope.Echo",
    )
    .await?;
    echo(client, "still there", 7).await
}

async fn cut(client: &Client) -> Result<(), String> {
    let start = Instant::now();
    let limit = Duration::from_secs(5);
    let long = SleepArgs { Millis: 60_000 };
    let sleep = client.call::<_, Empty>("Test.Sleep", &long);
    match tokio::time::timeout(limit, sleep).await {
        Err(_) => return Err("the pending call did not fail within 5 s".into()),
        Ok(Ok(_)) => return Err("the pending call succeeded".into()),
        Ok(Err(e)) if e.is_connection_error() => {}
        Ok(Err(e)) => {
            return Err(format!(
                "the pending call failed, but not with a connection error: {e:?}"
            ))
        }
    }
    let args = EchoArgs::default();
    let after = client.call::<_, EchoReply>("Test.Echo", &args);
    match tokio::time::timeout(limit, after).await {
        Err(_) => return Err("the call after the cut did not fail within 5 s".into()),
        Ok(Ok(_)) => return Err("the call after the cut succeeded".into()),
        Ok(Err(e)) if e.is_connection_error() => {}
        Ok(Err(e)) => {
            return Err(format!(
                "the call after the cut failed, but not with a connection error: {e:?}"
            ))
        }
    }
    if start.elapsed() > limit {
        return Err(format!("took {:?}", start.elapsed()));
    }
    Ok(())
}
