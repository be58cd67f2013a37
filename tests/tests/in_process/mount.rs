//! `Guest.Mount`: the missing-target error, and (as root) tmpfs with its flags and data.

use std::path::Path;

use boxpark_e2e::system::{is_mount_point, mode_of, mounted_fs_type, ms_flags, Unmount};
use boxpark_e2e::{server_error, within, InProcessGuest};
use boxpark_proto::api::MountRequest;

use super::files::write;

#[tokio::test]
async fn mount_needs_an_existing_target() {
    let g = InProcessGuest::start();
    let rpc = g.connect_rpc().await;
    let missing = g.path_str("no-such-dir");
    let e = server_error(
        within(
            "Mount",
            rpc.mount(&MountRequest {
                Source: "tmpfs".into(),
                Target: missing.clone(),
                FSType: "tmpfs".into(),
                ..MountRequest::default()
            }),
        )
        .await,
    );
    assert_eq!(
        e,
        format!("mount tmpfs on {missing}: stat {missing}: no such file or directory")
    );
}

#[tokio::test]
async fn mount_tmpfs_under_a_temp_dir() {
    if !nix::unistd::Uid::effective().is_root() {
        eprintln!("skipped mount_tmpfs_under_a_temp_dir: mounting needs root");
        return;
    }
    let g = InProcessGuest::start();
    let rpc = g.connect_rpc().await;
    let mnt = tempfile::tempdir().expect("temporary directory");
    let target_path = mnt.path().canonicalize().expect("canonical");
    let target = target_path.display().to_string();
    within(
        "Mount tmpfs",
        rpc.mount(&MountRequest {
            Source: "boxpark-test".into(),
            Target: target.clone(),
            FSType: "tmpfs".into(),
            Flags: ms_flags(libc::MS_NOSUID | libc::MS_NODEV),
            Data: "size=1m,mode=0700".into(),
        }),
    )
    .await
    .expect("mount tmpfs");
    let unmount = Unmount(target_path.clone());
    assert!(is_mount_point(&target_path));
    assert_eq!(
        mounted_fs_type(&target_path).as_deref(),
        Some("tmpfs"),
        "FSType reached mount(2)"
    );
    assert_eq!(mode_of(Path::new(&target)), 0o700, "Data reached tmpfs");
    write(&rpc, &format!("{target}/f"), b"on tmpfs", 0)
        .await
        .expect("write on tmpfs");

    // Flags reach mount(2): a read-only remount refuses writes.
    within(
        "remount read-only",
        rpc.mount(&MountRequest {
            Source: "boxpark-test".into(),
            Target: target.clone(),
            FSType: "tmpfs".into(),
            Flags: ms_flags(libc::MS_REMOUNT | libc::MS_RDONLY),
            ..MountRequest::default()
        }),
    )
    .await
    .expect("remount read-only");
    let e = server_error(write(&rpc, &format!("{target}/g"), b"x", 0).await);
    assert!(e.ends_with("read-only file system"), "{e}");

    // mount(2)'s own errors.
    let e = server_error(
        within(
            "Mount an unknown file system type",
            rpc.mount(&MountRequest {
                Source: "x".into(),
                Target: target.clone(),
                FSType: "no-such-fs-type".into(),
                ..MountRequest::default()
            }),
        )
        .await,
    );
    assert_eq!(e, format!("mount x on {target}: no such device"));

    drop(unmount);
    assert!(!is_mount_point(&target_path), "unmounted");
}
