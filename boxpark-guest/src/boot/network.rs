//! The network, over netlink (there may be no `ip` command in the VM): `lo` up, so that
//! `Listen` on 127.0.0.1 is reachable, and the static address of `boxpark.ip`, so that `Info.IP`
//! is real.

use std::time::{Duration, Instant};

use nix::net::if_::if_nametoindex;

use super::cmdline::StaticAddress;
use super::error::os;
use super::netlink::{Request, RouteSocket};
use super::{BootReport, Error};

/// How long to wait for a NIC to appear (its driver probes asynchronously).
pub const LINK_WAIT: Duration = Duration::from_secs(10);

/// Brings `lo` up and configures `ip` if given.
pub async fn configure(ip: Option<&StaticAddress>, report: &mut BootReport) {
    let mut socket = match RouteSocket::open() {
        Ok(socket) => socket,
        Err(e) => {
            return report.record(
                "network",
                super::Outcome::Failed(Error::call("netlink socket", e)),
            )
        }
    };
    let lo = link_up(&mut socket, "lo").map(|_| "lo is up".to_owned());
    report.result("network", lo);
    if let Some(a) = ip {
        report.result("network", static_address(&mut socket, a).await);
    }
}

/// The index of link `name`, or `None` when there is no such link (yet).
fn link_index(name: &str) -> Result<Option<u32>, Error> {
    match if_nametoindex(name) {
        Ok(index) => Ok(Some(index)),
        Err(nix::Error::ENODEV) => Ok(None),
        Err(e) => Err(Error::Netlink(format!("index of {name}: {}", os(e)))),
    }
}

fn link_up(socket: &mut RouteSocket, name: &str) -> Result<u32, Error> {
    let index =
        link_index(name)?.ok_or_else(|| Error::Netlink(format!("no network interface {name}")))?;
    socket
        .send(Request::link_up(index))
        .map_err(|e| Error::Netlink(format!("set {name} up: {e}")))?;
    Ok(index)
}

async fn static_address(socket: &mut RouteSocket, a: &StaticAddress) -> Result<String, Error> {
    let start = Instant::now();
    while link_index(&a.interface)?.is_none() {
        if start.elapsed() > LINK_WAIT {
            return Err(Error::Netlink(format!(
                "no network interface {} after {LINK_WAIT:?} (is its driver in boxpark.modules?)",
                a.interface
            )));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let index = link_up(socket, &a.interface)?;
    socket
        .send(Request::add_address(index, a.address, a.prefix))
        .map_err(|e| {
            Error::Netlink(format!(
                "add {}/{} to {}: {e}",
                a.address, a.prefix, a.interface
            ))
        })?;
    let mut done = format!("{} has {}/{}", a.interface, a.address, a.prefix);
    if let Some(gw) = a.gateway {
        socket
            .send(Request::default_route(index, gw))
            .map_err(|e| Error::Netlink(format!("default route via {gw}: {e}")))?;
        done.push_str(&format!(", default route via {gw}"));
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use nix::net::if_::InterfaceFlags;

    use super::*;

    /// Runs `configure` in a network namespace of its own, which starts with only `lo`, down.
    /// Namespaces belong to threads, so the test's thread enters it and the machine's own
    /// network is not touched.
    #[test]
    fn configures_lo_and_an_address_and_a_route_in_a_private_network_namespace() {
        if !nix::unistd::Uid::effective().is_root() {
            eprintln!("skipped: a network namespace needs root");
            return;
        }
        let thread = std::thread::spawn(|| {
            nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET).expect("a network namespace");
            let lo_flags = || {
                let lo = nix::ifaddrs::getifaddrs()
                    .expect("getifaddrs")
                    .find(|a| a.interface_name == "lo");
                lo.map(|a| a.flags).unwrap_or(InterfaceFlags::empty())
            };
            assert!(
                !lo_flags().contains(InterfaceFlags::IFF_UP),
                "lo starts down"
            );

            let ip = StaticAddress {
                interface: "lo".to_owned(),
                address: Ipv4Addr::new(10, 86, 0, 2),
                prefix: 24,
                gateway: Some(Ipv4Addr::new(10, 86, 0, 1)),
            };
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            let mut report = BootReport::new();
            runtime.block_on(configure(Some(&ip), &mut report));
            let steps: Vec<String> = report.steps().map(|(_, o)| format!("{o:?}")).collect();
            assert_eq!(
                steps,
                [
                    r#"Done("lo is up")"#,
                    r#"Done("lo has 10.86.0.2/24, default route via 10.86.0.1")"#
                ]
            );

            assert!(lo_flags().contains(InterfaceFlags::IFF_UP), "lo is up");
            let addresses: Vec<String> = nix::ifaddrs::getifaddrs()
                .expect("getifaddrs")
                .filter(|a| a.interface_name == "lo")
                .filter_map(|a| {
                    a.address
                        .and_then(|s| s.as_sockaddr_in().map(|s| s.ip().to_string()))
                })
                .collect();
            assert!(addresses.contains(&"10.86.0.2".to_owned()), "{addresses:?}");
            // /proc/net/route: interface, destination, gateway (hex, in memory order), ...
            let routes = std::fs::read_to_string("/proc/thread-self/net/route").expect("routes");
            let gateway = format!("{:08X}", u32::from_ne_bytes([10, 86, 0, 1]));
            assert!(
                routes.lines().any(|l| l.split_whitespace().take(3).eq([
                    "lo",
                    "00000000",
                    gateway.as_str()
                ])),
                "no default route via 10.86.0.1 in\n{routes}"
            );

            // Twice is fine (an address is replaced), and a refusal is worded with the errno.
            let mut socket = RouteSocket::open().expect("socket");
            let again = runtime.block_on(static_address(&mut socket, &ip));
            assert_eq!(
                again.ok().as_deref(),
                Some("lo has 10.86.0.2/24, default route via 10.86.0.1")
            );
            let bad = StaticAddress {
                prefix: 33,
                gateway: None,
                ..ip
            };
            let e = runtime
                .block_on(static_address(&mut socket, &bad))
                .err()
                .map(|e| e.to_string());
            assert_eq!(
                e.as_deref(),
                Some("netlink: add 10.86.0.2/33 to lo: Invalid argument (os error 22)")
            );
            let missing = link_up(&mut socket, "boxpark-none")
                .err()
                .map(|e| e.to_string());
            assert_eq!(
                missing.as_deref(),
                Some("netlink: no network interface boxpark-none")
            );
        });
        if let Err(panic) = thread.join() {
            std::panic::resume_unwind(panic);
        }
    }
}
