//! What init sets for itself and hands down to every program it starts: the host name, the
//! default environment, the open-file limit, and its own protection from the OOM killer.

use std::sync::atomic::{AtomicBool, Ordering};

use nix::sys::resource::{setrlimit, Resource};

use super::error::os;
use super::{BootReport, Error, Outcome};

/// The `PATH` that programs get when the kernel gave init none (it gives none).
pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/// The host name when the command line names none and the kernel's is unset.
pub const DEFAULT_HOSTNAME: &str = "boxpark";
/// Open files allowed when `/proc/sys/fs/nr_open` cannot be read (it is the kernel's default).
const DEFAULT_NOFILE: u64 = 1 << 20;

static OOM_PROTECTED: AtomicBool = AtomicBool::new(false);

/// Sets the host name: `name`, or [`DEFAULT_HOSTNAME`] when none is given and the kernel's is
/// `(none)`.
pub fn hostname(name: Option<&str>, report: &mut BootReport) {
    let current = nix::unistd::gethostname()
        .map(|h| h.to_string_lossy().into_owned())
        .unwrap_or_default();
    let wanted = match name {
        Some(n) => n,
        None if current.is_empty() || current == "(none)" => DEFAULT_HOSTNAME,
        None => {
            return report.record(
                "hostname",
                Outcome::Skipped(format!("host name stays {current:?}")),
            )
        }
    };
    let result = nix::unistd::sethostname(wanted)
        .map(|()| format!("host name set to {wanted:?}"))
        .map_err(|e| Error::call("sethostname", os(e)));
    report.result("hostname", result);
}

/// The default environment of every program the guest starts (with `Env` empty): `PATH`, `HOME`
/// and `TERM` when the kernel left them out (it gives init `HOME=/` and `TERM=linux`).
///
/// Must run before any other thread exists: it changes this process's environment.
pub fn default_environment(report: &mut BootReport) {
    let mut set = Vec::new();
    if std::env::var_os("PATH").is_none() {
        std::env::set_var("PATH", DEFAULT_PATH);
        set.push("PATH");
    }
    if std::env::var_os("HOME").is_none_or(|h| h == "/") {
        std::env::set_var("HOME", "/root");
        set.push("HOME");
    }
    if std::env::var_os("TERM").is_none() {
        std::env::set_var("TERM", "linux");
        set.push("TERM");
    }
    report.record(
        "environment",
        if set.is_empty() {
            Outcome::Skipped("environment already complete".into())
        } else {
            Outcome::Done(format!("default environment: set {}", set.join(", ")))
        },
    );
}

/// Raises the open-file limit, soft and hard, to the kernel's maximum (`fs.nr_open`): a Docker
/// daemon and its containers need far more than the default 1024.
pub fn raise_open_files(report: &mut BootReport) {
    let max = std::fs::read_to_string("/proc/sys/fs/nr_open")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .unwrap_or(DEFAULT_NOFILE);
    let result = setrlimit(Resource::RLIMIT_NOFILE, max, max)
        .map(|()| format!("open-file limit raised to {max}"))
        .map_err(|e| Error::call("setrlimit RLIMIT_NOFILE", os(e)));
    report.result("rlimit", result);
}

/// Makes the OOM killer never choose the guest (`oom_score_adj` -1000): without it, the VM
/// loses its only link to the host. Programs it starts get the score a program normally has (0):
/// see [`OomExposure`].
pub fn protect_from_oom(report: &mut BootReport) {
    let result = std::fs::write(OOM_SCORE_ADJ, PROTECTED)
        .map(|()| {
            OOM_PROTECTED.store(true, Ordering::SeqCst);
            "OOM killer told to spare the guest (oom_score_adj -1000)".to_owned()
        })
        .map_err(|e| Error::path("write", OOM_SCORE_ADJ, e));
    report.result("oom", result);
}

const OOM_SCORE_ADJ: &str = "/proc/self/oom_score_adj";
const PROTECTED: &str = "-1000";

/// While it lives, the guest's `oom_score_adj` is 0, so that a child forked meanwhile inherits 0
/// rather than the guest's -1000 (a child that is never killed could take the whole VM's memory).
/// The guest holds one only around a spawn, with the child registry locked, so the guest itself
/// is exposed for the length of a fork. Setting the score back needs `CAP_SYS_RESOURCE`, which
/// the guest as PID 1 has.
pub struct OomExposure {
    exposed: bool,
}

impl OomExposure {
    /// Sets the score to 0 if [`protect_from_oom`] set it to -1000.
    pub fn begin() -> Self {
        let exposed = OOM_PROTECTED.load(Ordering::SeqCst)
            && match std::fs::write(OOM_SCORE_ADJ, "0") {
                Ok(()) => true,
                Err(e) => {
                    tracing::debug!(error = %e, "cannot lower the guest's oom_score_adj for a spawn");
                    false
                }
            };
        OomExposure { exposed }
    }
}

impl Drop for OomExposure {
    fn drop(&mut self) {
        if self.exposed {
            if let Err(e) = std::fs::write(OOM_SCORE_ADJ, PROTECTED) {
                tracing::warn!(error = %e, "cannot restore the guest's oom_score_adj -1000");
            }
        }
    }
}
