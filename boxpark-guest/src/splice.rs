//! Splicing two byte streams: what `tcp` and `unix` guest proxies and the host proxy's stream
//! connections do once both ends are open.
//!
//! Bytes are moved both ways until both directions have ended; the end of one direction is
//! passed on as a shutdown of the other side's write half (a half-close), and the other
//! direction goes on. Both streams are closed by the caller (dropped) when this returns.
//!
//! Each direction moves its bytes with splice(2), from the source socket into a pipe and from
//! the pipe into the destination socket, so they never enter user space and a connection holds
//! no buffer: a pipe's pages belong to the kernel and exist only while bytes are in them (this is
//! what Go's `io.Copy` does between sockets, too). The pipe is emptied before it is filled again,
//! so a splice that would block means "nothing to read" when filling and "no room to write" when
//! emptying. A pipe starts with the kernel's default room; a direction whose first full fill
//! shows a bulk transfer gets a larger pipe (and, toward a Unix socket, a larger send buffer),
//! while fewer than 32 others hold one (the kernel memory of bulk transfers stays bounded).
//! Where the kernel cannot splice (the first splice from a socket fails with `EINVAL`),
//! or no pipe can be made (out of descriptors), that direction copies through a buffer of
//! [`FALLBACK_BUFFER`] bytes instead.
//!
//! The sockets are watched through duplicates of their descriptors (epoll takes a descriptor
//! once), so any stream with a descriptor can be spliced, whatever type owns it.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::sync::atomic::{AtomicUsize, Ordering};

use nix::errno::Errno;
use nix::fcntl::{fcntl, splice as splice2, FcntlArg, OFlag, SpliceFFlags};
use nix::sys::socket::{shutdown, Shutdown};
use tokio::io::unix::AsyncFd;

/// Most bytes asked of one splice (the pipe's room bounds what moves).
const SPLICE_CHUNK: usize = 1 << 20;

/// A new pipe's room (Linux's default): what a direction that moves little keeps.
const PIPE_ROOM: usize = 64 << 10;

/// The room a direction's pipe is grown to once one fill found the pipe too small, as Go's
/// `io.Copy` sizes its splice pipes: a bulk transfer then takes a sixteenth of the system calls
/// and wake-ups. Pages are the kernel's and exist only while bytes are in the pipe.
const PIPE_ROOM_BULK: usize = 1 << 20;

/// Directions that may hold a bulk pipe (and send buffer) at once, guest-wide: what the kernel
/// holds for bulk transfers stays within 32 MiB of pipes (and as much of send buffers) whatever
/// the number of connections; the others keep the default room.
const MAX_BULK_DIRECTIONS: usize = 32;

static BULK_DIRECTIONS: BulkBudget = BulkBudget::new(MAX_BULK_DIRECTIONS);

/// A count of the directions holding bulk room, up to a limit.
struct BulkBudget {
    used: AtomicUsize,
    max: usize,
}

impl BulkBudget {
    const fn new(max: usize) -> Self {
        BulkBudget {
            used: AtomicUsize::new(0),
            max,
        }
    }

    /// A slot, given back when dropped; `None` when all are taken.
    fn take(&self) -> Option<BulkSlot<'_>> {
        self.used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.max).then_some(n + 1)
            })
            .ok()
            .map(|_| BulkSlot(self))
    }
}

struct BulkSlot<'a>(&'a BulkBudget);

impl Drop for BulkSlot<'_> {
    fn drop(&mut self) {
        self.0.used.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The send buffer asked for a Unix-socket destination of a bulk direction (the kernel doubles
/// it for its bookkeeping and caps it at `net.core.wmem_max`).
const UNIX_SEND_BUFFER_BULK: usize = 1 << 20;

/// Buffer size of a direction that cannot splice.
pub const FALLBACK_BUFFER: usize = 64 << 10;

/// Bytes moved each way: from `a` to `b`, and from `b` to `a`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Copied {
    /// From `a` to `b`.
    pub a_to_b: u64,
    /// From `b` to `a`.
    pub b_to_a: u64,
}

/// Moves bytes between `a` and `b` until both directions end, or either fails. Both must be
/// connected, non-blocking stream sockets (as tokio's are); neither may be read or written by
/// anything else meanwhile.
pub async fn splice<A, B>(a: &mut A, b: &mut B) -> io::Result<Copied>
where
    A: AsFd + ?Sized,
    B: AsFd + ?Sized,
{
    let a = watch(a.as_fd())?;
    let b = watch(b.as_fd())?;
    let (a_to_b, b_to_a) = tokio::try_join!(one_way(&a, &b), one_way(&b, &a))?;
    Ok(Copied { a_to_b, b_to_a })
}

/// A duplicate of `fd`, registered with the runtime for reading and writing.
fn watch(fd: BorrowedFd<'_>) -> io::Result<AsyncFd<OwnedFd>> {
    // `new` is deprecated because a type's descriptor could change under the registration; an
    // `OwnedFd` owns its one descriptor until dropped, which is the sound case (the replacement,
    // `register`, is `unsafe`, which this crate forbids).
    #[allow(deprecated)]
    AsyncFd::new(fd.try_clone_to_owned()?)
}

/// Moves `from`'s bytes to `to` until `from` ends, then half-closes `to`. Returns the count.
async fn one_way(from: &AsyncFd<OwnedFd>, to: &AsyncFd<OwnedFd>) -> io::Result<u64> {
    let (pipe_out, pipe_in) = match nix::unistd::pipe2(OFlag::O_NONBLOCK | OFlag::O_CLOEXEC) {
        Ok(pipe) => pipe,
        Err(e) => {
            tracing::debug!(error = %e, "splice: no pipe; copying through a buffer");
            return copy(from, to).await;
        }
    };
    let flags = SpliceFFlags::SPLICE_F_MOVE | SpliceFFlags::SPLICE_F_NONBLOCK;
    let mut total = 0u64;
    // Decided at the first full fill: a bulk slot or none. A slot is held while the pipe exists,
    // which goes (its pages freed) when this returns.
    let mut bulk: Option<Option<BulkSlot<'static>>> = None;
    loop {
        let filled = when_ready(from, Ready::Read, |fd| {
            splice2(fd, None, &pipe_in, None, SPLICE_CHUNK, flags)
        })
        .await;
        let n = match filled {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if total == 0 && e.raw_os_error() == Some(libc::EINVAL) => {
                tracing::debug!("splice: not supported by this socket; copying through a buffer");
                return copy(from, to).await;
            }
            Err(e) => return Err(e),
        };
        if n >= PIPE_ROOM && bulk.is_none() {
            let slot = BULK_DIRECTIONS.take();
            if slot.is_some() {
                grow_for_bulk(&pipe_in, to);
            }
            bulk = Some(slot);
        }
        let mut left = n;
        while left > 0 {
            left -= when_ready(to, Ready::Write, |fd| {
                splice2(&pipe_out, None, fd, None, left, flags)
            })
            .await?;
        }
        total += n as u64;
    }
    half_close(to)?;
    Ok(total)
}

/// Gives a direction that found its pipe too small more room: the pipe's, and a Unix-socket
/// destination's send buffer (which bounds what a Unix stream holds in flight: 208 KiB by
/// default). A TCP destination keeps its own: setting it would turn off the kernel's tuning.
/// Refusals (past the per-user pipe limits of a process that is not root) keep the defaults,
/// which still work.
fn grow_for_bulk(pipe_in: &OwnedFd, to: &AsyncFd<OwnedFd>) {
    use nix::sys::socket::{
        getsockname, setsockopt, sockopt, AddressFamily, SockaddrLike, SockaddrStorage,
    };
    if let Err(e) = fcntl(
        pipe_in.as_raw_fd(),
        FcntlArg::F_SETPIPE_SZ(PIPE_ROOM_BULK as i32),
    ) {
        tracing::debug!(error = %e, "splice: the pipe keeps its default room");
    }
    let to = to.get_ref();
    let unix = getsockname::<SockaddrStorage>(to.as_raw_fd())
        .is_ok_and(|a| a.family() == Some(AddressFamily::Unix));
    if unix {
        if let Err(e) = setsockopt(to, sockopt::SndBuf, &UNIX_SEND_BUFFER_BULK) {
            tracing::debug!(error = %e, "splice: the socket keeps its send buffer");
        }
    }
}

/// [`one_way`] through a buffer in user space, for what cannot be spliced (from the start: no
/// byte has moved yet).
async fn copy(from: &AsyncFd<OwnedFd>, to: &AsyncFd<OwnedFd>) -> io::Result<u64> {
    let mut buf = vec![0u8; FALLBACK_BUFFER];
    let mut total = 0u64;
    loop {
        let n = when_ready(from, Ready::Read, |fd| {
            nix::unistd::read(fd.as_raw_fd(), &mut buf)
        })
        .await?;
        if n == 0 {
            break;
        }
        let mut done = 0;
        while done < n {
            let chunk = &buf[done..n];
            done += when_ready(to, Ready::Write, |fd| nix::unistd::write(fd, chunk)).await?;
        }
        total += n as u64;
    }
    half_close(to)?;
    Ok(total)
}

/// Passes the end of a direction on: shuts `to`'s write half. A peer that is gone already is not
/// an error (the other direction reports what it sees).
fn half_close(to: &AsyncFd<OwnedFd>) -> io::Result<()> {
    match shutdown(to.get_ref().as_raw_fd(), Shutdown::Write) {
        Ok(()) | Err(Errno::ENOTCONN) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

#[derive(Clone, Copy)]
enum Ready {
    Read,
    Write,
}

/// Runs `op` on `fd` once it is ready for `ready`, again whenever it would block (or was
/// interrupted).
async fn when_ready<T>(
    fd: &AsyncFd<OwnedFd>,
    ready: Ready,
    mut op: impl FnMut(BorrowedFd<'_>) -> nix::Result<T>,
) -> io::Result<T> {
    loop {
        let mut guard = match ready {
            Ready::Read => fd.readable().await?,
            Ready::Write => fd.writable().await?,
        };
        match guard.try_io(|inner| loop {
            match op(inner.get_ref().as_fd()) {
                Err(Errno::EINTR) => continue,
                r => return r.map_err(io::Error::from),
            }
        }) {
            Ok(result) => return result,
            // Would block: the readiness was cleared; wait for the next.
            Err(_) => continue,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::UnixStream;

    /// Bytes that are not all alike, so that a reordering or a loss shows.
    fn pattern(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i * 7 + i / 251) as u8).collect()
    }

    #[tokio::test]
    async fn moves_both_ways_and_passes_half_closes_on() {
        let (mut left, mut left_peer) = UnixStream::pair().expect("pair");
        let (mut right, mut right_peer) = UnixStream::pair().expect("pair");
        let splicing = tokio::spawn(async move { splice(&mut left_peer, &mut right_peer).await });
        let up = pattern(3 << 20);
        let down = pattern(1 << 20);
        let (up2, down2) = (up.clone(), down.clone());
        // Each side writes all, half-closes, and reads until the other's half-close.
        let l = tokio::spawn(async move {
            let (mut r, mut w) = left.split();
            let write = async {
                w.write_all(&up2).await.expect("write");
                w.shutdown().await.expect("shutdown");
            };
            let mut got = Vec::new();
            let read = r.read_to_end(&mut got);
            let (_, n) = tokio::join!(write, read);
            n.expect("read");
            got
        });
        let r = tokio::spawn(async move {
            let (mut r, mut w) = right.split();
            let mut got = Vec::new();
            // Read everything first: the down direction starts only after up has ended.
            r.read_to_end(&mut got).await.expect("read");
            w.write_all(&down2).await.expect("write");
            w.shutdown().await.expect("shutdown");
            got
        });
        assert_eq!(r.await.expect("right"), up);
        assert_eq!(l.await.expect("left"), down);
        let copied = splicing.await.expect("task").expect("splice");
        assert_eq!(
            copied,
            Copied {
                a_to_b: up.len() as u64,
                b_to_a: down.len() as u64
            }
        );
    }

    #[tokio::test]
    async fn the_fallback_copy_moves_everything_and_half_closes() {
        let (mut src, src_peer) = UnixStream::pair().expect("pair");
        let (dst_peer, mut dst) = UnixStream::pair().expect("pair");
        let (from, to) = (
            watch(src_peer.as_fd()).expect("watch"),
            watch(dst_peer.as_fd()).expect("watch"),
        );
        let data = pattern(FALLBACK_BUFFER * 5 + 17);
        let sent = data.clone();
        let writing = tokio::spawn(async move {
            src.write_all(&sent).await.expect("write");
            src.shutdown().await.expect("shutdown");
            src
        });
        let copying = async { copy(&from, &to).await };
        let mut got = Vec::new();
        let (copied, read) = tokio::join!(copying, dst.read_to_end(&mut got));
        read.expect("read to the half-close");
        assert_eq!(copied.expect("copy"), data.len() as u64);
        assert_eq!(got, data);
        drop(writing.await.expect("writer"));
    }

    #[tokio::test]
    async fn a_bulk_direction_grows_its_pipe_and_a_unix_send_buffer_only() {
        use nix::sys::socket::{getsockopt, sockopt};
        let pipe_room = |fd: &OwnedFd| fcntl(fd.as_raw_fd(), FcntlArg::F_GETPIPE_SZ);
        let (unix, _unix_peer) = UnixStream::pair().expect("pair");
        let tcp_listener = std::net::TcpListener::bind("127.0.0.1:0").expect("listen");
        let tcp = std::net::TcpStream::connect(tcp_listener.local_addr().expect("addr"))
            .expect("connect");
        tcp.set_nonblocking(true).expect("nonblocking");
        let tcp = tokio::net::TcpStream::from_std(tcp).expect("tcp");
        for (to, unix_dest) in [(watch(unix.as_fd()), true), (watch(tcp.as_fd()), false)] {
            let to = to.expect("watch");
            let before = getsockopt(to.get_ref(), sockopt::SndBuf).expect("SO_SNDBUF");
            let (_pipe_out, pipe_in) = nix::unistd::pipe2(OFlag::O_CLOEXEC).expect("pipe");
            assert_eq!(pipe_room(&pipe_in), Ok(PIPE_ROOM as i32));
            grow_for_bulk(&pipe_in, &to);
            assert_eq!(pipe_room(&pipe_in), Ok(PIPE_ROOM_BULK as i32));
            let after = getsockopt(to.get_ref(), sockopt::SndBuf).expect("SO_SNDBUF");
            if unix_dest {
                // Capped by net.core.wmem_max, but always above the default.
                assert!(after > before, "unix SO_SNDBUF {before} -> {after}");
            } else {
                assert_eq!(after, before, "a TCP send buffer was set");
            }
        }
    }

    #[test]
    fn bulk_room_is_given_to_a_bounded_number_of_directions_and_comes_back() {
        let budget = BulkBudget::new(2);
        let first = budget.take().expect("first slot");
        let second = budget.take().expect("second slot");
        assert!(budget.take().is_none(), "a third slot past the limit");
        drop(first);
        let third = budget.take().expect("a slot given back is free again");
        drop((second, third));
        assert_eq!(budget.used.load(Ordering::Acquire), 0);
    }
}
