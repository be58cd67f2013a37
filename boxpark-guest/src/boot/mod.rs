//! The guest as the VM's init: everything it does as PID 1 (or with `--init`) before it serves,
//! so that a VM needs nothing but a kernel and this binary.
//!
//! The order, each step logged and, once the event stream is up, sent to the host (a step that
//! fails is logged as a warning and boot goes on where it can):
//!
//! 1. [`early`]: `/proc` and `/dev` (to read the command line and have a console), the standard
//!    descriptors 0-2 if the kernel left them closed, and the [`BootOptions`] from
//!    `/proc/cmdline`. Logging starts after this, at the level the options give.
//! 2. [`prepare`]: the kernel modules of `boxpark.modules`, the API filesystems
//!    ([`mounts::ALL`]), the switch into `boxpark.root` (a read-only device with a tmpfs over
//!    it), the `/dev` links, the host name, the default environment, the open-file limit and the
//!    OOM protection. Synchronous, and run before the async runtime starts its threads (it sets
//!    environment variables).
//! 3. [`network`]: `lo` up and `boxpark.ip`, over netlink (`netlink.rs`).
//!
//! At the other end, [`power::power_down`] stops every process, unmounts, and powers off or
//! restarts. The reaping of orphans is in [`crate::reaper`].

pub mod cmdline;
mod error;
pub mod modules;
pub mod mounts;
mod netlink;
mod network;
pub mod power;
pub mod process;
mod report;
mod switch_root;

use std::os::fd::IntoRawFd;
use std::path::Path;

pub use cmdline::BootOptions;
pub use error::Error;
pub use report::{BootReport, Outcome};

/// Mounts `/proc` and `/dev`, makes sure descriptors 0-2 are open, and reads the boot options.
pub fn early(report: &mut BootReport) -> BootOptions {
    mounts::mount_missing(Path::new("/"), &mounts::EARLY, report);
    open_standard_descriptors(report);
    match std::fs::read_to_string("/proc/cmdline") {
        Ok(line) => {
            let opts = BootOptions::parse(&line);
            report.record(
                "cmdline",
                Outcome::Done(format!("kernel command line: {}", line.trim())),
            );
            opts
        }
        Err(e) => {
            report.record(
                "cmdline",
                Outcome::Failed(Error::path("read", "/proc/cmdline", e)),
            );
            BootOptions::default()
        }
    }
}

/// Everything between the first mounts and the network; see the module documentation.
pub fn prepare(opts: &BootOptions, report: &mut BootReport) {
    for problem in &opts.problems {
        report.record("cmdline", Outcome::Failed(Error::Other(problem.clone())));
    }
    let root = Path::new("/");
    modules::load_all(root, &opts.modules, report);
    mounts::mount_missing(root, &mounts::ALL, report);
    match &opts.root {
        Some(dev) => {
            report.result("switch root", switch_root::switch_root(dev));
            // Whatever did not come along (or a root that hides a mount point) is mounted anew.
            mounts::mount_missing(root, &mounts::ALL, report);
        }
        None => report.record(
            "switch root",
            Outcome::Skipped("no boxpark.root: staying in the initramfs".into()),
        ),
    }
    mounts::dev_links(root, report);
    process::hostname(opts.hostname.as_deref(), report);
    process::default_environment(report);
    process::raise_open_files(report);
    process::protect_from_oom(report);
}

/// Brings up `lo` and the static address.
pub async fn network(opts: &BootOptions, report: &mut BootReport) {
    network::configure(opts.ip.as_ref(), report).await;
}

/// Opens `/dev/console` (or `/dev/null`) on whichever of descriptors 0-2 the kernel left
/// closed, which it does when the initramfs has no `/dev/console`: otherwise the first sockets
/// would get those numbers, and log lines written to "stderr" would go to the host.
fn open_standard_descriptors(report: &mut BootReport) {
    let closed: Vec<i32> = (0..3)
        .filter(|&fd| {
            nix::fcntl::fcntl(fd, nix::fcntl::FcntlArg::F_GETFD) == Err(nix::Error::EBADF)
        })
        .collect();
    if closed.is_empty() {
        return;
    }
    let opened = ["/dev/console", "/dev/null"].into_iter().find_map(|p| {
        std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(p)
            .ok()
            .map(|f| (p, f.into_raw_fd()))
    });
    let Some((path, fd)) = opened else {
        let e = Error::Other(format!(
            "descriptors {closed:?} are closed and neither /dev/console nor /dev/null opens"
        ));
        return report.record("stdio", Outcome::Failed(e));
    };
    for &want in &closed {
        if want != fd {
            let _ = nix::unistd::dup2(fd, want);
        }
    }
    if fd > 2 {
        let _ = nix::unistd::close(fd);
    }
    report.record(
        "stdio",
        Outcome::Done(format!("descriptors {closed:?} opened on {path}")),
    );
}
