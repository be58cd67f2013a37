//! The network, over rtnetlink (there may be no `ip` command in the VM): `lo` up, so that
//! `Listen` on 127.0.0.1 is reachable, and the static address of `boxpark.ip`, so that `Info.IP`
//! is real.

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use rtnetlink::{Handle, LinkUnspec, RouteMessageBuilder};

use super::cmdline::StaticAddress;
use super::{BootReport, Error};

/// How long to wait for a NIC to appear (its driver probes asynchronously).
pub const LINK_WAIT: Duration = Duration::from_secs(10);

/// Brings `lo` up and configures `ip` if given.
pub async fn configure(ip: Option<&StaticAddress>, report: &mut BootReport) {
    let handle = match rtnetlink::new_connection() {
        Ok((connection, handle, _)) => {
            tokio::spawn(connection);
            handle
        }
        Err(e) => {
            return report.record(
                "network",
                super::Outcome::Failed(Error::call("netlink socket", e)),
            )
        }
    };
    let lo = link_up(&handle, "lo").await.map(|_| "lo is up".to_owned());
    report.result("network", lo);
    if let Some(a) = ip {
        report.result("network", static_address(&handle, a).await);
    }
}

async fn link_index(handle: &Handle, name: &str) -> Result<Option<u32>, Error> {
    let mut links = handle.link().get().match_name(name.to_owned()).execute();
    match links.try_next().await {
        Ok(Some(link)) => Ok(Some(link.header.index)),
        Ok(None) => Ok(None),
        // ENODEV: no such link (yet).
        Err(rtnetlink::Error::NetlinkError(e)) if e.raw_code() == -libc::ENODEV => Ok(None),
        Err(e) => Err(Error::Netlink(format!("get link {name}: {e}"))),
    }
}

async fn link_up(handle: &Handle, name: &str) -> Result<u32, Error> {
    let index = link_index(handle, name)
        .await?
        .ok_or_else(|| Error::Netlink(format!("no network interface {name}")))?;
    handle
        .link()
        .set(LinkUnspec::new_with_index(index).up().build())
        .execute()
        .await
        .map_err(|e| Error::Netlink(format!("set {name} up: {e}")))?;
    Ok(index)
}

async fn static_address(handle: &Handle, a: &StaticAddress) -> Result<String, Error> {
    let start = Instant::now();
    while link_index(handle, &a.interface).await?.is_none() {
        if start.elapsed() > LINK_WAIT {
            return Err(Error::Netlink(format!(
                "no network interface {} after {LINK_WAIT:?} (is its driver in boxpark.modules?)",
                a.interface
            )));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let index = link_up(handle, &a.interface).await?;
    handle
        .address()
        .add(index, IpAddr::V4(a.address), a.prefix)
        .replace()
        .execute()
        .await
        .map_err(|e| {
            Error::Netlink(format!(
                "add {}/{} to {}: {e}",
                a.address, a.prefix, a.interface
            ))
        })?;
    let mut done = format!("{} has {}/{}", a.interface, a.address, a.prefix);
    if let Some(gw) = a.gateway {
        let route = RouteMessageBuilder::<Ipv4Addr>::new()
            .destination_prefix(Ipv4Addr::UNSPECIFIED, 0)
            .gateway(gw)
            .output_interface(index)
            .build();
        handle
            .route()
            .add(route)
            .replace()
            .execute()
            .await
            .map_err(|e| Error::Netlink(format!("default route via {gw}: {e}")))?;
        done.push_str(&format!(", default route via {gw}"));
    }
    Ok(done)
}
