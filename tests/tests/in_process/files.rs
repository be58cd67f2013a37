//! `Guest.Write` (atomic replace, symlinks, special files in place) and `Guest.Mkdir`.

use std::os::unix::fs::{FileTypeExt, MetadataExt};

use boxpark_e2e::system::{mode_of, names_in};
use boxpark_e2e::{pattern, server_error, within, InProcessGuest};
use boxpark_proto::api::{MkdirRequest, WriteRequest};
use boxpark_proto::host::GuestClient;
use boxpark_proto::Error;

pub async fn write(rpc: &GuestClient, path: &str, data: &[u8], mode: u32) -> Result<(), Error> {
    within(
        "Write",
        rpc.write(&WriteRequest {
            Path: path.into(),
            Data: data.to_vec(),
            Mode: mode,
        }),
    )
    .await
}

async fn mkdir(rpc: &GuestClient, path: &str, mode: u32) -> Result<(), Error> {
    within(
        "Mkdir",
        rpc.mkdir(&MkdirRequest {
            Path: path.into(),
            Mode: mode,
        }),
    )
    .await
}

fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temporary directory")
}

#[tokio::test]
async fn write_new_and_replaced_files_atomically() {
    let g = InProcessGuest::start();
    let rpc = g.connect_rpc().await;
    let files = temp_dir();
    let path = files.path().join("config.json");
    let p = path.display().to_string();

    write(&rpc, &p, b"first", 0).await.expect("new file");
    assert_eq!(std::fs::read(&path).expect("read"), b"first");
    assert_eq!(mode_of(&path), 0o644, "Mode 0 means 0644");
    let first_inode = std::fs::metadata(&path).expect("stat").ino();

    write(&rpc, &p, b"second, longer", 0o600)
        .await
        .expect("replace");
    assert_eq!(std::fs::read(&path).expect("read"), b"second, longer");
    assert_eq!(mode_of(&path), 0o600, "Mode honoured");
    assert_ne!(
        std::fs::metadata(&path).expect("stat").ino(),
        first_inode,
        "replaced by rename, not rewritten in place"
    );
    write(&rpc, &p, b"", 0o640).await.expect("empty");
    assert_eq!(std::fs::read(&path).expect("read"), b"");
    assert_eq!(mode_of(&path), 0o640);

    // Replaced with Mode 0: 0644 again, not the old file's mode; 100 KiB arrive whole.
    let large = pattern(100 << 10, 3);
    write(&rpc, &p, &large, 0).await.expect("large");
    assert!(
        std::fs::read(&path).expect("read") == large,
        "the large file differs"
    );
    assert_eq!(mode_of(&path), 0o644, "Mode 0 on a replaced file");
    assert_eq!(
        names_in(files.path()),
        vec!["config.json"],
        "no temporary files left"
    );

    // A new file gets its Mode too.
    let new = files.path().join("new.conf");
    write(&rpc, &new.display().to_string(), b"new", 0o600)
        .await
        .expect("new file with a mode");
    assert_eq!(std::fs::read(&new).expect("read"), b"new");
    assert_eq!(mode_of(&new), 0o600);

    // Failures leave nothing behind either.
    let missing = files.path().join("missing/x").display().to_string();
    let e = server_error(write(&rpc, &missing, b"x", 0).await);
    assert_eq!(e, format!("open {missing}: no such file or directory"));
    let e = server_error(write(&rpc, &files.path().display().to_string(), b"x", 0).await);
    assert!(e.ends_with(": is a directory"), "{e}");
    assert_eq!(names_in(files.path()), vec!["config.json", "new.conf"]);
}

#[tokio::test]
async fn write_through_a_symlink_replaces_its_target() {
    let g = InProcessGuest::start();
    let rpc = g.connect_rpc().await;
    let files = temp_dir();
    let dir = files.path();
    std::fs::create_dir(dir.join("real")).expect("mkdir");
    let target = dir.join("real/file");
    std::fs::write(&target, b"old").expect("write target");
    let link = dir.join("link");
    std::os::unix::fs::symlink("real/file", &link).expect("symlink");

    write(&rpc, &link.display().to_string(), b"new", 0o600)
        .await
        .expect("write through link");
    assert!(std::fs::symlink_metadata(&link)
        .expect("lstat")
        .file_type()
        .is_symlink());
    assert_eq!(std::fs::read(&target).expect("read"), b"new");
    assert_eq!(mode_of(&target), 0o600);
    assert_eq!(names_in(&dir.join("real")), vec!["file"]);
    assert_eq!(names_in(dir), vec!["link", "real"]);

    // A dangling link creates its target.
    let dangling = dir.join("dangling");
    std::os::unix::fs::symlink("real/created", &dangling).expect("symlink");
    write(&rpc, &dangling.display().to_string(), b"made", 0)
        .await
        .expect("dangling");
    assert_eq!(
        std::fs::read(dir.join("real/created")).expect("read"),
        b"made"
    );
}

#[tokio::test]
async fn write_special_files_in_place() {
    let g = InProcessGuest::start();
    let rpc = g.connect_rpc().await;
    write(&rpc, "/dev/null", b"discarded", 0)
        .await
        .expect("/dev/null");
    assert!(std::fs::metadata("/dev/null")
        .expect("stat")
        .file_type()
        .is_char_device());

    let files = temp_dir();
    let fifo = files.path().join("fifo");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).expect("mkfifo");
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo))
    };
    write(&rpc, &fifo.display().to_string(), b"through the fifo", 0)
        .await
        .expect("fifo");
    let got = within(
        "the fifo's reader",
        tokio::task::spawn_blocking(move || reader.join()),
    )
    .await
    .expect("join")
    .expect("reader thread")
    .expect("read fifo");
    assert_eq!(got, b"through the fifo");
    assert!(std::fs::metadata(&fifo)
        .expect("stat")
        .file_type()
        .is_fifo());
    assert_eq!(names_in(files.path()), vec!["fifo"]);
}

#[tokio::test]
async fn mkdir_nested_existing_and_blocked() {
    let g = InProcessGuest::start();
    let rpc = g.connect_rpc().await;
    let d = temp_dir();
    let at = |p: &str| d.path().join(p);
    let at_str = |p: &str| at(p).display().to_string();
    mkdir(&rpc, &at_str("a/b/c"), 0o700).await.expect("nested");
    for p in ["a", "a/b", "a/b/c"] {
        assert!(at(p).is_dir(), "{p}");
        assert_eq!(mode_of(&at(p)), 0o700, "{p}");
    }
    mkdir(&rpc, &at_str("a/b/c"), 0o755)
        .await
        .expect("existing");
    assert_eq!(
        mode_of(&at("a/b/c")),
        0o700,
        "an existing directory keeps its mode"
    );
    mkdir(&rpc, &at_str("a/b/c/"), 0)
        .await
        .expect("trailing slash");
    assert_eq!(mode_of(&at("a/b/c")), 0o700, "and with Mode 0 too");

    mkdir(&rpc, &at_str("default"), 0)
        .await
        .expect("default mode");
    assert_eq!(mode_of(&at("default")), 0o755, "Mode 0 means 0755");

    std::fs::write(at("file"), b"x").expect("file");
    let e = server_error(mkdir(&rpc, &at_str("file"), 0).await);
    assert_eq!(e, format!("mkdir {}: not a directory", at_str("file")));
    let e = server_error(mkdir(&rpc, &at_str("file/sub"), 0).await);
    assert_eq!(e, format!("mkdir {}: not a directory", at_str("file")));
}
