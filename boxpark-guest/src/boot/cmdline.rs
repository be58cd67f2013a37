//! The guest's boot options, read from the kernel command line (`/proc/cmdline`).
//!
//! Every option is `boxpark.<name>=<value>`; the kernel ignores them (a dotted name is a module
//! parameter of a module that does not exist), so they cost nothing to a kernel that does not know
//! us. Values may be double-quoted, as the kernel allows (`boxpark.hostname="a b"`). Words that
//! are not ours are skipped; ours that cannot be parsed are kept as [`BootOptions::problems`], so
//! that boot goes on and the host still hears about them.

use std::net::Ipv4Addr;

/// The prefix of every option of ours.
pub const PREFIX: &str = "boxpark.";

/// What the command line asks of the guest.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BootOptions {
    /// `boxpark.modules=a,b,c`: kernel modules to load, in this order, before anything else.
    pub modules: Vec<String>,
    /// `boxpark.root=/dev/vda` (with `boxpark.rootfstype=`, squashfs by default): the read-only
    /// root to overlay with a tmpfs and switch into.
    pub root: Option<RootDevice>,
    /// `boxpark.ip=<iface>:<addr>/<prefix>[:<gateway>]`: a static IPv4 address.
    pub ip: Option<StaticAddress>,
    /// `boxpark.log=<level>`: the log level, when `--log-level` is not given.
    pub log: Option<String>,
    /// `boxpark.hostname=<name>`.
    pub hostname: Option<String>,
    /// Options of ours that were not understood, worded for the log.
    pub problems: Vec<String>,
}

/// A read-only root device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RootDevice {
    /// The block device, such as `/dev/vda`.
    pub device: String,
    /// Its filesystem type, such as `squashfs`.
    pub fstype: String,
}

/// A static IPv4 address for one interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaticAddress {
    /// The interface, such as `eth0`.
    pub interface: String,
    /// The address.
    pub address: Ipv4Addr,
    /// The prefix length (0-32).
    pub prefix: u8,
    /// The default gateway, if any.
    pub gateway: Option<Ipv4Addr>,
}

/// The root filesystem type when `boxpark.rootfstype` is not given.
pub const DEFAULT_ROOT_FSTYPE: &str = "squashfs";

/// Longest value accepted for any option (the kernel's own command line is at most a few KiB).
const MAX_VALUE: usize = 4096;

impl BootOptions {
    /// Parses a kernel command line.
    pub fn parse(cmdline: &str) -> BootOptions {
        let mut opts = BootOptions::default();
        let mut root_device = None;
        let mut root_fstype = None;
        for word in words(cmdline) {
            let Some(option) = word.strip_prefix(PREFIX) else {
                continue;
            };
            let (name, value) = match option.split_once('=') {
                Some((n, v)) => (n, unquote(v)),
                None => (option, ""),
            };
            if value.len() > MAX_VALUE {
                opts.problems.push(format!(
                    "{PREFIX}{name}: value longer than {MAX_VALUE} bytes"
                ));
                continue;
            }
            let value = value.to_owned();
            match name {
                "modules" => opts.modules.extend(
                    value
                        .split(',')
                        .map(str::trim)
                        .filter(|m| !m.is_empty())
                        .map(str::to_owned),
                ),
                "root" if !value.is_empty() => root_device = Some(value),
                "rootfstype" if !value.is_empty() => root_fstype = Some(value),
                "ip" => match StaticAddress::parse(&value) {
                    Ok(a) => opts.ip = Some(a),
                    Err(why) => opts.problems.push(format!("{PREFIX}ip={value:?}: {why}")),
                },
                "log" if !value.is_empty() => opts.log = Some(value),
                "hostname" if valid_hostname(&value) => opts.hostname = Some(value),
                "hostname" => opts
                    .problems
                    .push(format!("{PREFIX}hostname={value:?}: not a valid host name")),
                _ => opts
                    .problems
                    .push(format!("unknown or empty boot option {word:?}")),
            }
        }
        if let Some(device) = root_device {
            opts.root = Some(RootDevice {
                device,
                fstype: root_fstype.unwrap_or_else(|| DEFAULT_ROOT_FSTYPE.to_owned()),
            });
        } else if root_fstype.is_some() {
            opts.problems
                .push(format!("{PREFIX}rootfstype without {PREFIX}root: ignored"));
        }
        opts
    }
}

impl StaticAddress {
    /// Parses `<iface>:<addr>/<prefix>[:<gateway>]`.
    pub fn parse(text: &str) -> Result<StaticAddress, String> {
        let mut parts = text.split(':');
        let interface = parts.next().unwrap_or_default();
        if interface.is_empty() || interface.len() > 15 || interface.contains('/') {
            return Err("want <interface>:<address>/<prefix>[:<gateway>]".into());
        }
        let cidr = parts.next().ok_or("no address")?;
        let (addr, prefix) = cidr
            .split_once('/')
            .ok_or("the address needs a prefix length, as in 10.0.2.15/24")?;
        let address: Ipv4Addr = addr.parse().map_err(|_| format!("bad address {addr:?}"))?;
        let prefix: u8 = match prefix.parse() {
            Ok(p) if p <= 32 => p,
            _ => return Err(format!("bad prefix length {prefix:?}")),
        };
        let gateway = match parts.next() {
            None | Some("") => None,
            Some(g) => Some(g.parse().map_err(|_| format!("bad gateway {g:?}"))?),
        };
        if parts.next().is_some() {
            return Err("too many ':'-separated fields".into());
        }
        Ok(StaticAddress {
            interface: interface.to_owned(),
            address,
            prefix,
            gateway,
        })
    }
}

/// The words of a command line, as the kernel splits them: on whitespace, except inside double
/// quotes (which stay in the word; [`unquote`] removes them from a value).
fn words(cmdline: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = None;
    let mut quoted = false;
    for (i, c) in cmdline.char_indices() {
        if c == '"' {
            quoted = !quoted;
        }
        if c.is_whitespace() && !quoted {
            if let Some(s) = start.take() {
                out.push(&cmdline[s..i]);
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        out.push(&cmdline[s..]);
    }
    out
}

fn unquote(value: &str) -> &str {
    value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value)
}

/// RFC 1123 labels joined by dots, at most 64 bytes (the kernel's limit).
fn valid_hostname(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_command_line() {
        let opts = BootOptions::parse(
            "console=ttyS0 panic=-1 boxpark.modules=virtio,virtio_ring,vsock \
             boxpark.root=/dev/vda boxpark.ip=eth0:10.0.2.15/24:10.0.2.2 boxpark.log=debug \
             boxpark.hostname=vm1 quiet\n",
        );
        assert_eq!(opts.modules, ["virtio", "virtio_ring", "vsock"]);
        assert_eq!(
            opts.root,
            Some(RootDevice {
                device: "/dev/vda".into(),
                fstype: "squashfs".into()
            })
        );
        assert_eq!(
            opts.ip,
            Some(StaticAddress {
                interface: "eth0".into(),
                address: Ipv4Addr::new(10, 0, 2, 15),
                prefix: 24,
                gateway: Some(Ipv4Addr::new(10, 0, 2, 2)),
            })
        );
        assert_eq!(opts.log.as_deref(), Some("debug"));
        assert_eq!(opts.hostname.as_deref(), Some("vm1"));
        assert!(opts.problems.is_empty(), "{:?}", opts.problems);
    }

    #[test]
    fn nothing_of_ours() {
        assert_eq!(
            BootOptions::parse("root=/dev/sda1 ro quiet"),
            BootOptions::default()
        );
        assert_eq!(BootOptions::parse(""), BootOptions::default());
    }

    #[test]
    fn modules_accumulate_and_skip_empty_names() {
        let opts = BootOptions::parse("boxpark.modules=a,,b boxpark.modules=c, boxpark.modules=");
        assert_eq!(opts.modules, ["a", "b", "c"]);
        assert!(opts.problems.is_empty());
    }

    #[test]
    fn quotes_and_root_type() {
        let opts = BootOptions::parse(
            "x=\"a b\" boxpark.rootfstype=\"ext4\" boxpark.root=\"/dev/vdb\" boxpark.log=\"warn\"",
        );
        assert_eq!(
            opts.root,
            Some(RootDevice {
                device: "/dev/vdb".into(),
                fstype: "ext4".into()
            })
        );
        assert_eq!(opts.log.as_deref(), Some("warn"));
    }

    #[test]
    fn bad_options_are_reported_not_fatal() {
        let opts = BootOptions::parse(
            "boxpark.ip=eth0:10.0.2.300/24 boxpark.hostname=-bad boxpark.frobnicate=1 \
             boxpark.rootfstype=ext4 boxpark.log=info",
        );
        assert_eq!(opts.ip, None);
        assert_eq!(opts.hostname, None);
        assert_eq!(opts.root, None);
        assert_eq!(opts.log.as_deref(), Some("info"));
        assert_eq!(opts.problems.len(), 4, "{:?}", opts.problems);
        assert!(opts.problems[0].contains("bad address"));
        assert!(opts.problems[2].contains("boxpark.frobnicate=1"));
    }

    #[test]
    fn static_addresses() {
        let a = StaticAddress::parse("enp0s3:192.168.64.2/20").expect("parse");
        assert_eq!(a.gateway, None);
        assert_eq!(a.prefix, 20);
        for bad in [
            "",
            "eth0",
            "eth0:10.0.0.1",
            "eth0:10.0.0.1/33",
            "eth0:10.0.0.1/24:x",
            "eth0:10.0.0.1/24:10.0.0.2:9",
            ":10.0.0.1/24",
            "averyveryverylongname:10.0.0.1/24",
        ] {
            assert!(StaticAddress::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn over_long_values_are_refused() {
        let long = "x".repeat(MAX_VALUE + 1);
        let opts = BootOptions::parse(&format!("boxpark.log={long}"));
        assert_eq!(opts.log, None);
        assert_eq!(opts.problems.len(), 1);
    }
}
