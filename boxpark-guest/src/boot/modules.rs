//! Loading the kernel modules named on the command line, so that a stock distribution kernel
//! (whose virtio and vsock drivers are modules) can boot the guest as `/init` directly.
//!
//! There is no `modprobe` and maybe no `modules.dep`: modules are found by file name under
//! `/lib/modules/<release>/` (`-` and `_` are the same in module names, as for modprobe) and
//! loaded with `finit_module(2)` in the order given, so dependencies must come first. A module
//! that is built into the kernel or already loaded (it is in `/sys/module`) is skipped.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use nix::kmod::{finit_module, ModuleInitFlags};

use super::{BootReport, Error, Outcome};

/// Most directory entries looked at under the module tree (a full distribution tree has ~6000).
const MAX_ENTRIES: usize = 200_000;
/// Deepest directory level searched.
const MAX_DEPTH: usize = 12;

/// The module tree of the running kernel: `/lib/modules/<release>` under `root`.
pub fn module_dir(root: &Path) -> Result<PathBuf, Error> {
    let uts = nix::sys::utsname::uname().map_err(|e| Error::call("uname", super::error::os(e)))?;
    Ok(root
        .join("lib/modules")
        .join(uts.release().to_string_lossy().as_ref()))
}

/// A module's canonical name: `-` as `_`.
fn canonical(name: &str) -> String {
    name.replace('-', "_")
}

/// Every `*.ko` under `dir`, by canonical module name (the first found wins).
pub fn index(dir: &Path) -> HashMap<String, PathBuf> {
    let mut found = HashMap::new();
    let mut seen = 0usize;
    let mut stack = vec![(dir.to_path_buf(), 0usize)];
    while let Some((d, depth)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            seen += 1;
            if seen > MAX_ENTRIES {
                return found;
            }
            let path = e.path();
            let Ok(kind) = e.file_type() else { continue };
            if kind.is_dir() {
                if depth < MAX_DEPTH {
                    stack.push((path, depth + 1));
                }
            } else if let Some(stem) = e.file_name().to_str().and_then(|n| n.strip_suffix(".ko")) {
                found.entry(canonical(stem)).or_insert(path);
            }
        }
    }
    found
}

/// Loads `names` in order from the tree under `root` (`/` in a VM).
pub fn load_all(root: &Path, names: &[String], report: &mut BootReport) {
    if names.is_empty() {
        return;
    }
    let dir = match module_dir(root) {
        Ok(d) => d,
        Err(e) => return report.record("modules", Outcome::Failed(e)),
    };
    let index = index(&dir);
    for name in names {
        let canon = canonical(name);
        if root.join("sys/module").join(&canon).exists() {
            report.record(
                "module",
                Outcome::Skipped(format!("module {name} is built in or loaded")),
            );
            continue;
        }
        let Some(path) = index.get(&canon) else {
            let e = Error::Other(format!(
                "module {name}: no {canon}.ko under {}",
                dir.display()
            ));
            report.record("module", Outcome::Failed(e));
            continue;
        };
        report.result(
            "module",
            load(path).map(|()| format!("loaded module {name} ({})", path.display())),
        );
    }
}

/// `finit_module(2)` of one `.ko` file, with no parameters. Already loaded is success.
pub fn load(path: &Path) -> Result<(), Error> {
    let file = std::fs::File::open(path)
        .map_err(|e| Error::path("open", path.display().to_string(), e))?;
    match finit_module(&file, c"", ModuleInitFlags::empty()) {
        Ok(()) | Err(nix::Error::EEXIST) => Ok(()),
        Err(e) => Err(Error::path(
            "finit_module",
            path.display().to_string(),
            super::error::os(e),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modules_are_found_by_canonical_name() {
        let dir = tempfile::tempdir().expect("tempdir");
        let deep = dir.path().join("kernel/drivers/virtio");
        std::fs::create_dir_all(&deep).expect("mkdir");
        std::fs::write(deep.join("virtio_pci.ko"), b"").expect("write");
        std::fs::write(deep.join("vmw-vsock.ko"), b"").expect("write");
        std::fs::write(deep.join("notes.txt"), b"").expect("write");
        let index = index(dir.path());
        assert_eq!(index.len(), 2, "{index:?}");
        assert_eq!(index.get("virtio_pci"), Some(&deep.join("virtio_pci.ko")));
        assert_eq!(index.get("vmw_vsock"), Some(&deep.join("vmw-vsock.ko")));
    }

    #[test]
    fn a_missing_module_is_named_and_boot_goes_on() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut report = BootReport::new();
        load_all(dir.path(), &["no-such-module".into()], &mut report);
        assert_eq!(report.failures(), 1);
    }
}
