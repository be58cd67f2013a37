//! Reaping orphaned zombies, which the guest must do as PID 1 (see `boot` for the rest of init).
//!
//! Every process whose parent dies is re-parented to PID 1, which must wait for it, or it stays a
//! zombie forever. But the guest also has children of its own (`Guest.Run`, `launch` proxy
//! connections) whose exit statuses tokio collects with `waitpid(pid)`; a plain
//! `waitpid(-1)` loop would steal those statuses. So:
//!
//! - every child the guest starts is spawned through a [`ChildRegistry`] (normally the
//!   process-wide [`children()`]), which records its pid while the registry is locked, so that
//!   the reaper can never see the new child before it is recorded; the pid is forgotten when the
//!   [`RegisteredChild`] is dropped (after tokio has waited for it, or once tokio's own orphan
//!   handling owns it);
//! - the reaper ([`start_reaper`]), woken by `SIGCHLD` (and every few seconds in case a wake-up
//!   is lost), peeks with `waitid(P_ALL, WEXITED|WNOHANG|WNOWAIT)` and reaps the zombie it sees
//!   only when its pid is not registered, holding the registry's lock while it decides and reaps.
//!   When the zombie it sees is a registered child (whose task has not waited for it yet),
//!   `waitid` would show the same one again, so the reaper then looks for the other zombie
//!   children in `/proc` and reaps the unregistered ones.
//!
//! Code that starts processes in the guest must use the registry; a child started some other
//! way could lose its exit status to the reaper when the guest is PID 1.

use std::collections::BTreeSet;
use std::io;
use std::ops::{Deref, DerefMut};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use nix::errno::Errno;
use nix::sys::wait::{waitid, waitpid, Id, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;
use tokio::process::{Child, Command};

/// How often the reaper looks even without a `SIGCHLD`.
pub const REAP_INTERVAL: Duration = Duration::from_secs(5);
/// Most zombies looked at in one pass (more wait for the next).
const MAX_REAPED_PER_PASS: usize = 4096;

/// The pids of the children the guest started and waits for itself.
#[derive(Debug, Default)]
pub struct ChildRegistry {
    pids: Mutex<BTreeSet<i32>>,
}

static CHILDREN: ChildRegistry = ChildRegistry::new();

/// The process-wide registry: the one the reaper started by `main.rs` consults, and the one
/// `Guest.Run` and the `launch` proxy must spawn through.
pub fn children() -> &'static ChildRegistry {
    &CHILDREN
}

impl ChildRegistry {
    /// An empty registry.
    pub const fn new() -> Self {
        ChildRegistry {
            pids: Mutex::new(BTreeSet::new()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, BTreeSet<i32>> {
        // The set stays consistent even if a holder panicked: every update is one insert/remove.
        self.pids.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Spawns `cmd` and records the child's pid, with the registry locked throughout, so a
    /// reaper never sees the child unregistered. Wait for the child through the returned
    /// handle (it derefs to tokio's [`Child`]).
    pub fn spawn(&self, cmd: &mut Command) -> io::Result<RegisteredChild<'_>> {
        let mut pids = self.lock();
        let child = {
            // The child inherits the guest's OOM score at the fork: let it inherit 0, not -1000.
            let _exposed = crate::boot::process::OomExposure::begin();
            cmd.spawn()?
        };
        let pid = child.id().and_then(|p| i32::try_from(p).ok());
        if let Some(p) = pid {
            pids.insert(p);
        }
        Ok(RegisteredChild {
            child,
            pid,
            registry: self,
        })
    }

    /// Whether `pid` is a registered child.
    pub fn contains(&self, pid: i32) -> bool {
        self.lock().contains(&pid)
    }

    /// How many children are registered.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no child is registered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Runs `reap(pid)` with the registry locked, unless `pid` is registered (then `None`).
    fn reap_unless_registered<R>(&self, pid: i32, reap: impl FnOnce(i32) -> R) -> Option<R> {
        let pids = self.lock();
        if pids.contains(&pid) {
            return None;
        }
        let r = reap(pid);
        drop(pids);
        Some(r)
    }
}

/// A child spawned through a [`ChildRegistry`]; its pid is forgotten when this is dropped.
#[derive(Debug)]
pub struct RegisteredChild<'r> {
    child: Child,
    pid: Option<i32>,
    registry: &'r ChildRegistry,
}

impl RegisteredChild<'_> {
    /// The child's pid as spawned (also after it was waited for, unlike [`Child::id`]).
    pub fn pid(&self) -> Option<i32> {
        self.pid
    }
}

impl Deref for RegisteredChild<'_> {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.child
    }
}

impl DerefMut for RegisteredChild<'_> {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.child
    }
}

impl Drop for RegisteredChild<'_> {
    fn drop(&mut self) {
        // If tokio has not waited for it yet, its orphan handling (or the reaper) will; either
        // way nobody is left who wants the status.
        if let Some(pid) = self.pid {
            self.registry.lock().remove(&pid);
        }
    }
}

/// The system calls of a reaping pass, so the decisions can be tested without being PID 1.
pub trait ReapOps {
    /// A zombie child, without reaping it (`waitid(P_ALL, WEXITED|WNOHANG|WNOWAIT)`); `None`
    /// when there is none (or no child at all).
    fn peek(&mut self) -> io::Result<Option<i32>>;
    /// Reaps zombie `pid` (`waitpid(pid, WNOHANG)`); whether it was reaped.
    fn reap(&mut self, pid: i32) -> io::Result<bool>;
    /// Every zombie child of this process.
    fn zombie_children(&mut self) -> Vec<i32>;
}

/// What one pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ReapReport {
    /// Pids reaped.
    pub reaped: Vec<i32>,
    /// A registered child was a zombie waiting for its own task (so `/proc` was scanned).
    pub blocked_by_registered: bool,
}

/// One reaping pass: reaps every zombie child that is not registered in `registry`.
pub fn reap_pass(registry: &ChildRegistry, ops: &mut impl ReapOps) -> ReapReport {
    let mut report = ReapReport::default();
    for _ in 0..MAX_REAPED_PER_PASS {
        let pid = match ops.peek() {
            Ok(Some(pid)) => pid,
            Ok(None) => return report,
            Err(e) => {
                tracing::debug!(error = %e, "reaper: waitid failed");
                return report;
            }
        };
        match registry.reap_unless_registered(pid, |p| ops.reap(p)) {
            None => {
                report.blocked_by_registered = true;
                break;
            }
            Some(Ok(true)) => report.reaped.push(pid),
            // Already gone (its own waiter was quicker after all): look again.
            Some(Ok(false)) => {}
            Some(Err(e)) => {
                tracing::debug!(pid, error = %e, "reaper: waitpid failed");
                return report;
            }
        }
    }
    if report.blocked_by_registered {
        for pid in ops.zombie_children() {
            if report.reaped.len() >= MAX_REAPED_PER_PASS {
                break;
            }
            if let Some(Ok(true)) = registry.reap_unless_registered(pid, |p| ops.reap(p)) {
                report.reaped.push(pid);
            }
        }
    }
    report
}

/// [`ReapOps`] through the real system calls.
#[derive(Debug, Default)]
pub struct SysReapOps;

impl ReapOps for SysReapOps {
    fn peek(&mut self) -> io::Result<Option<i32>> {
        let flags = WaitPidFlag::WEXITED | WaitPidFlag::WNOHANG | WaitPidFlag::WNOWAIT;
        match waitid(Id::All, flags) {
            Ok(status) => Ok(status.pid().map(Pid::as_raw)),
            Err(Errno::ECHILD) => Ok(None),
            Err(e) => Err(io::Error::from_raw_os_error(e as i32)),
        }
    }

    fn reap(&mut self, pid: i32) -> io::Result<bool> {
        match waitpid(Pid::from_raw(pid), Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::StillAlive) => Ok(false),
            Ok(_) => Ok(true),
            Err(Errno::ECHILD) => Ok(false),
            Err(e) => Err(io::Error::from_raw_os_error(e as i32)),
        }
    }

    fn zombie_children(&mut self) -> Vec<i32> {
        let me = std::process::id() as i32;
        processes()
            .into_iter()
            .filter(|p| p.ppid == me && p.state == 'Z')
            .map(|p| p.pid)
            .collect()
    }
}

/// Starts the reaper task on the current tokio runtime. Only PID 1 (or a child subreaper) needs
/// it; `main.rs` starts it when the guest is PID 1.
pub fn start_reaper(registry: &'static ChildRegistry) -> io::Result<tokio::task::JoinHandle<()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut sigchld = signal(SignalKind::child())?;
    Ok(tokio::spawn(async move {
        let mut tick = tokio::time::interval(REAP_INTERVAL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                s = sigchld.recv() => if s.is_none() { return },
                _ = tick.tick() => {}
            }
            let report = reap_pass(registry, &mut SysReapOps);
            if !report.reaped.is_empty() {
                tracing::debug!(pids = ?report.reaped, "reaped orphaned processes");
            }
        }
    }))
}

/// One line of `/proc/<pid>/stat`, the fields the guest uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcStat {
    /// Process id.
    pub pid: i32,
    /// State letter (`R`, `S`, `Z`, …).
    pub state: char,
    /// Parent's pid.
    pub ppid: i32,
    /// Process group id.
    pub pgrp: i32,
}

/// Parses `/proc/<pid>/stat` (`pid (comm) state ppid pgrp …`; comm may contain spaces and
/// parentheses, so it is skipped up to the last `)`).
pub fn parse_stat(line: &str) -> Option<ProcStat> {
    let open = line.find(" (")?;
    let pid = line.get(..open)?.trim().parse().ok()?;
    let close = line.rfind(')')?;
    let mut rest = line.get(close + 1..)?.split_ascii_whitespace();
    let state = rest.next()?.chars().next()?;
    let ppid = rest.next()?.parse().ok()?;
    let pgrp = rest.next()?.parse().ok()?;
    Some(ProcStat {
        pid,
        state,
        ppid,
        pgrp,
    })
}

/// Every process in `/proc` (those that vanish while being read are skipped).
pub fn processes() -> Vec<ProcStat> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| {
        let e = e.ok()?;
        let name = e.file_name();
        let name = name.to_str()?;
        if !name.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        parse_stat(&std::fs::read_to_string(e.path().join("stat")).ok()?)
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;

    /// Zombies in the order `waitid` reports them (it reports the first again until it is reaped).
    #[derive(Default)]
    struct Fake {
        zombies: VecDeque<i32>,
        reaped: Vec<i32>,
        scans: usize,
    }

    impl ReapOps for Fake {
        fn peek(&mut self) -> io::Result<Option<i32>> {
            Ok(self.zombies.front().copied())
        }
        fn reap(&mut self, pid: i32) -> io::Result<bool> {
            match self.zombies.iter().position(|&p| p == pid) {
                Some(i) => {
                    self.zombies.remove(i);
                    self.reaped.push(pid);
                    Ok(true)
                }
                None => Ok(false),
            }
        }
        fn zombie_children(&mut self) -> Vec<i32> {
            self.scans += 1;
            self.zombies.iter().copied().collect()
        }
    }

    fn registry_with(pids: &[i32]) -> ChildRegistry {
        let r = ChildRegistry::new();
        r.lock().extend(pids.iter().copied());
        r
    }

    #[test]
    fn reaps_orphans_and_leaves_registered_children() {
        let registry = registry_with(&[20]);
        let mut ops = Fake {
            zombies: [10, 11, 20, 12].into(),
            ..Fake::default()
        };
        let report = reap_pass(&registry, &mut ops);
        // 10 and 11 by peeking; then 20 blocks the head, and the scan finds 12.
        assert_eq!(report.reaped, vec![10, 11, 12]);
        assert!(report.blocked_by_registered);
        assert_eq!(ops.zombies, VecDeque::from([20]));
        assert_eq!(ops.scans, 1);
    }

    #[test]
    fn nothing_to_do() {
        let registry = registry_with(&[]);
        let mut ops = Fake::default();
        assert_eq!(reap_pass(&registry, &mut ops), ReapReport::default());
        assert_eq!(ops.scans, 0);
    }

    #[test]
    fn only_registered_zombies() {
        let registry = registry_with(&[1, 2]);
        let mut ops = Fake {
            zombies: [1, 2].into(),
            ..Fake::default()
        };
        let report = reap_pass(&registry, &mut ops);
        assert!(report.reaped.is_empty());
        assert!(report.blocked_by_registered);
        assert_eq!(ops.zombies.len(), 2);
    }

    #[test]
    fn a_dropped_child_is_forgotten() {
        let registry = registry_with(&[]);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async {
            let mut cmd = Command::new("true");
            let mut child = registry.spawn(&mut cmd).expect("spawn true");
            let pid = child.pid().expect("pid");
            assert!(registry.contains(pid));
            let status = child.wait().await.expect("wait");
            assert!(status.success());
            assert!(registry.contains(pid), "registered until dropped");
            drop(child);
            assert!(!registry.contains(pid));
            assert!(registry.is_empty());
        });
    }

    #[test]
    fn stat_lines() {
        assert_eq!(
            parse_stat("42 (my (odd) name) Z 1 42 42 0 -1 4194560"),
            Some(ProcStat {
                pid: 42,
                state: 'Z',
                ppid: 1,
                pgrp: 42
            })
        );
        assert_eq!(parse_stat("garbage"), None);
        assert_eq!(parse_stat(""), None);
        let me = std::process::id() as i32;
        assert!(processes().iter().any(|p| p.pid == me));
    }
}
