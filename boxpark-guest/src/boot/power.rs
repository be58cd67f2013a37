//! The end of the VM, as PID 1: stop every process, unmount what can be unmounted (and make
//! the rest read-only), then power off or restart with reboot(2).
//!
//! Runs after the guest stopped serving (the host has its `Shutdown` reply), on the main thread;
//! its steps go to the console, since the event stream is gone by then.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use nix::mount::{MntFlags, MsFlags};
use nix::sys::signal::{kill, Signal};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;

/// How long processes get to exit after SIGTERM before they are killed.
pub const STOP_GRACE: Duration = Duration::from_secs(10);
/// How long killed processes get to be gone.
const KILL_WAIT: Duration = Duration::from_secs(2);
/// Filesystems that need no unmounting: nothing of theirs is lost at power-off.
const VIRTUAL: [&str; 10] = [
    "proc",
    "sysfs",
    "devtmpfs",
    "devpts",
    "cgroup2",
    "tmpfs",
    "mqueue",
    "debugfs",
    "tracefs",
    "securityfs",
];

/// Stops everything and powers off (or restarts). Returns only if reboot(2) fails.
pub fn power_down(restart: bool) -> ExitCode {
    nix::unistd::sync();
    let left = stop_processes();
    eprintln!("boxpark-guest: processes stopped ({left} killed after {STOP_GRACE:?})");
    let problems = unmount_all();
    for p in &problems {
        eprintln!("boxpark-guest: {p}");
    }
    nix::unistd::sync();
    let how = if restart {
        nix::sys::reboot::RebootMode::RB_AUTOBOOT
    } else {
        nix::sys::reboot::RebootMode::RB_POWER_OFF
    };
    eprintln!(
        "boxpark-guest: {}",
        if restart {
            "restarting"
        } else {
            "powering off"
        }
    );
    match nix::sys::reboot::reboot(how) {
        Ok(never) => match never {},
        Err(e) => {
            eprintln!("boxpark-guest: reboot failed: {e}");
            ExitCode::FAILURE
        }
    }
}

/// SIGTERM to every process, a bounded wait (reaping as they go), then SIGKILL to the rest.
/// Returns how many had to be killed.
fn stop_processes() -> usize {
    // Pid -1: every process but this one (and kernel threads, which ignore it).
    let _ = kill(Pid::from_raw(-1), Signal::SIGTERM);
    let deadline = Instant::now() + STOP_GRACE;
    while Instant::now() < deadline {
        reap();
        if user_processes() == 0 {
            return 0;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let left = user_processes();
    let _ = kill(Pid::from_raw(-1), Signal::SIGKILL);
    let deadline = Instant::now() + KILL_WAIT;
    while Instant::now() < deadline && user_processes() > 0 {
        reap();
        std::thread::sleep(Duration::from_millis(20));
    }
    reap();
    left
}

fn reap() {
    loop {
        match waitpid(Pid::from_raw(-1), Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::StillAlive) | Err(_) => return,
            Ok(_) => {}
        }
    }
}

/// Processes other than this one and kernel threads (children of kthreadd, pid 2). Zombies
/// count until reaped.
fn user_processes() -> usize {
    let me = std::process::id() as i32;
    crate::reaper::processes()
        .iter()
        .filter(|p| p.pid != me && p.pid != 2 && p.ppid != 2)
        .count()
}

/// Unmounts every real filesystem, innermost first; one that is busy is remounted read-only.
/// Returns what could not be done.
fn unmount_all() -> Vec<String> {
    let Ok(mountinfo) = std::fs::read_to_string("/proc/self/mountinfo") else {
        return vec!["cannot read /proc/self/mountinfo: filesystems left mounted".into()];
    };
    let mut problems = Vec::new();
    for m in parse_mountinfo(&mountinfo).iter().rev() {
        if VIRTUAL.contains(&m.fstype.as_str()) {
            continue;
        }
        if m.target != "/" && nix::mount::umount2(m.target.as_str(), MntFlags::empty()).is_ok() {
            continue;
        }
        let remount = MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY;
        if let Err(e) = nix::mount::mount(
            None::<&str>,
            m.target.as_str(),
            None::<&str>,
            remount,
            None::<&str>,
        ) {
            if m.target == "/" || m.fstype != "squashfs" {
                problems.push(format!(
                    "{} ({}) stays mounted read-write: {e}",
                    m.target, m.fstype
                ));
            }
        }
    }
    problems
}

/// One line of `/proc/self/mountinfo`: the fields the shutdown needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountEntry {
    /// Mount point (octal escapes decoded).
    pub target: String,
    /// Filesystem type.
    pub fstype: String,
}

/// Parses `/proc/self/mountinfo`: field 5 is the mount point, and the type follows the ` - `
/// separator.
pub fn parse_mountinfo(text: &str) -> Vec<MountEntry> {
    text.lines()
        .filter_map(|line| {
            let (left, right) = line.split_once(" - ")?;
            let target = left.split(' ').nth(4)?;
            let fstype = right.split(' ').next()?;
            Some(MountEntry {
                target: unescape(target),
                fstype: fstype.to_owned(),
            })
        })
        .collect()
}

/// Decodes the kernel's `\ooo` escapes (space, tab, newline, backslash).
fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && i + 3 < b.len()
            && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c))
        {
            out.push((b[i + 1] - b'0') * 64 + (b[i + 2] - b'0') * 8 + (b[i + 3] - b'0'));
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mountinfo_lines() {
        let text = "22 1 0:21 / / rw,relatime - overlay overlay rw,lowerdir=/boxpark/lower\n\
                    23 22 0:5 / /dev rw,nosuid shared:2 - devtmpfs devtmpfs rw,mode=755\n\
                    40 22 254:16 / /mnt/my\\040disk rw - ext4 /dev/vdb rw\n\
                    garbage\n";
        assert_eq!(
            parse_mountinfo(text),
            vec![
                MountEntry {
                    target: "/".into(),
                    fstype: "overlay".into()
                },
                MountEntry {
                    target: "/dev".into(),
                    fstype: "devtmpfs".into()
                },
                MountEntry {
                    target: "/mnt/my disk".into(),
                    fstype: "ext4".into()
                },
            ]
        );
    }

    #[test]
    fn this_machine_has_a_root() {
        let text = std::fs::read_to_string("/proc/self/mountinfo").expect("mountinfo");
        assert!(parse_mountinfo(&text).iter().any(|m| m.target == "/"));
    }
}
