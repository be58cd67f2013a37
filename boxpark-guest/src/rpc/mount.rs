//! `Guest.Mount`: mount(2); the target must exist.

use boxpark_proto::api::{Empty, MountRequest};

use super::{blocking, Error};

/// Mounts `Source` on `Target`. Fails with `mount <source> on <target>: stat <target>: …` when the
/// target does not exist, and `mount <source> on <target>: <errno text>` when mount(2) fails.
pub async fn mount(req: MountRequest) -> Result<Empty, Error> {
    tracing::debug!(source = %req.Source, target = %req.Target, fstype = %req.FSType, flags = req.Flags, "mount");
    blocking(move || mount_now(&req)).await?;
    Ok(Empty {})
}

fn mount_now(req: &MountRequest) -> Result<(), Error> {
    let fail = |cause| Error::Mount {
        source: req.Source.clone(),
        target: req.Target.clone(),
        cause: Box::new(cause),
    };
    // mount(2) would say ENOENT too, but not which path is missing: the source may be a path.
    std::fs::metadata(&req.Target).map_err(|e| fail(Error::path("stat", &req.Target, e)))?;
    crate::sys::mount(&req.Source, &req.Target, &req.FSType, req.Flags, &req.Data)
        .map_err(|e| fail(Error::Os(e)))
}
