//! The few system calls the guest makes directly, through `nix`'s safe wrappers.

use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;
use std::io;

use crate::shutdown::{PowerAction, Shutdown};

fn io_err(e: nix::Error) -> io::Error {
    io::Error::from_raw_os_error(e as i32)
}

/// mount(2). Empty strings are passed as NULL, as Go's `syscall.Mount` does for `data`.
pub fn mount(source: &str, target: &str, fstype: &str, flags: u64, data: &str) -> io::Result<()> {
    let flags = nix::mount::MsFlags::from_bits_retain(flags as libc_ulong);
    let opt = |s: &str| {
        if s.is_empty() {
            None
        } else {
            Some(s.to_owned())
        }
    };
    nix::mount::mount(
        opt(source).as_deref(),
        target,
        opt(fstype).as_deref(),
        flags,
        opt(data).as_deref(),
    )
    .map_err(io_err)
}

#[allow(non_camel_case_types)]
type libc_ulong = std::ffi::c_ulong;

/// umount(2), for tests and cleanup.
pub fn unmount(target: &str) -> io::Result<()> {
    nix::mount::umount(target).map_err(io_err)
}

/// Sends `sig` to process group `pgid`; a group that is already gone is not an error.
pub fn signal_group(pgid: u32, sig: Signal) -> io::Result<()> {
    match killpg(Pid::from_raw(pgid as i32), sig) {
        Ok(()) | Err(nix::Error::ESRCH) => Ok(()),
        Err(e) => Err(io_err(e)),
    }
}

/// Fires `shutdown` (power off) on SIGTERM or SIGINT.
pub fn on_termination_signal(shutdown: Shutdown) {
    use tokio::signal::unix::{signal, SignalKind};
    tokio::spawn(async move {
        let (Ok(mut term), Ok(mut int)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) else {
            tracing::warn!("cannot install signal handlers");
            return;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        tracing::info!("termination signal: shutting down");
        shutdown.trigger(PowerAction::PowerOff);
    });
}
