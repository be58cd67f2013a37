//! Files, mounts and processes as the tests check them: through `/proc` and the file system, never
//! through the guest.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use boxpark_guest::reaper;
use nix::sys::signal::kill;
use nix::unistd::Pid;

use crate::within;

/// The permission bits (with setuid, setgid and sticky) of `path`.
pub fn mode_of(path: &Path) -> u32 {
    std::fs::metadata(path).expect("stat").permissions().mode() & 0o7777
}

/// The names in `dir`, sorted.
pub fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// This process's `/proc/self/mountinfo` line of the mount on `target`, if any.
fn mountinfo_line(target: &Path) -> Option<String> {
    let want = target.display().to_string();
    std::fs::read_to_string("/proc/self/mountinfo")
        .expect("mountinfo")
        .lines()
        .find(|l| l.split(' ').nth(4) == Some(want.as_str()))
        .map(str::to_owned)
}

/// Whether something is mounted on `target`.
pub fn is_mount_point(target: &Path) -> bool {
    mountinfo_line(target).is_some()
}

/// The file system type of the mount on `target` (the field after ` - ` in mountinfo).
pub fn mounted_fs_type(target: &Path) -> Option<String> {
    let line = mountinfo_line(target)?;
    let (_, after) = line.split_once(" - ")?;
    after.split(' ').next().map(str::to_owned)
}

/// Unmounts (lazily) when dropped, so that a failing test leaves no mount behind.
pub struct Unmount(pub std::path::PathBuf);

impl Drop for Unmount {
    fn drop(&mut self) {
        let _ = nix::mount::umount2(&self.0, nix::mount::MntFlags::MNT_DETACH);
    }
}

/// `MS_*` flags as `MountRequest.Flags` (`c_ulong` is narrower on 32-bit targets).
#[allow(clippy::unnecessary_cast)]
pub fn ms_flags(f: libc::c_ulong) -> u64 {
    f as u64
}

/// Whether a process (or, for a negative `pid`, a process group) exists: `kill(pid, 0)`. A zombie
/// exists until it is reaped.
pub fn process_exists(pid: i32) -> bool {
    kill(Pid::from_raw(pid), None).is_ok()
}

/// Whether `pid` still runs: a zombie counts as gone (an orphaned grandchild is reaped by whoever
/// adopts it, not by the guest).
pub fn running(pid: i32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    let state = stat
        .rsplit_once(')')
        .and_then(|(_, rest)| rest.trim_start().chars().next());
    !matches!(state, Some('Z' | 'X') | None)
}

/// Live (non-zombie) processes in process group `pgid`.
pub fn live_in_group(pgid: i32) -> usize {
    reaper::processes()
        .iter()
        .filter(|p| p.pgrp == pgid && p.state != 'Z')
        .count()
}

/// Waits at most `limit` until no live process is left in group `pgid`.
pub async fn wait_group_gone(pgid: i32, limit: Duration) {
    let deadline = Instant::now() + limit;
    loop {
        let n = live_in_group(pgid);
        if n == 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{n} processes still alive in group {pgid}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The pid a script wrote to `file` (`echo $$ > file`), once it is there.
pub async fn read_pid(file: &Path) -> i32 {
    within("a pid in the pid file", async {
        loop {
            if let Ok(s) = std::fs::read_to_string(file) {
                if let Ok(pid) = s.trim().parse() {
                    return pid;
                }
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
}

/// Open descriptors of process `pid`.
pub fn fd_count(pid: i32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count())
        .unwrap_or(usize::MAX)
}

/// Processes whose parent is `pid` (zombies included).
pub fn children(pid: i32) -> Vec<i32> {
    reaper::processes()
        .into_iter()
        .filter(|p| p.ppid == pid)
        .map(|p| p.pid)
        .collect()
}
