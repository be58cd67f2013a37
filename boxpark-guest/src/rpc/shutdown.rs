//! `Guest.Shutdown`: reply first, then stop the guest.
//!
//! The handler only records what the guest will do ([`PowerAction::Reboot`] or
//! [`PowerAction::PowerOff`]) on the connection and stops it from reading further requests
//! ([`Context::stop_reading`]). The shutdown signal is fired by `rpc::serve` once the server has
//! written and flushed every reply and closed the connection (or after `rpc::SHUTDOWN_GRACE`), so
//! the host always has its reply before `run` returns and `main` powers the VM down (as PID 1) or
//! exits. A `Shutdown` on a connection that breaks before the reply is out still shuts the guest
//! down.

use boxpark_proto::api::{Empty, ShutdownRequest};

use super::{Context, Error};
use crate::{Guest, PowerAction};

/// What the guest does after replying.
pub fn power_action(req: &ShutdownRequest) -> PowerAction {
    if req.Reboot {
        PowerAction::Reboot
    } else {
        PowerAction::PowerOff
    }
}

/// Answers `Guest.Shutdown`: records the request on the connection and stops reading further
/// requests; never fails.
pub fn shutdown(ctx: &Context, req: ShutdownRequest) -> Result<Empty, Error> {
    let action = power_action(&req);
    let conn = ctx.data();
    tracing::info!(
        ?action,
        pid1 = conn.guest().config.pid1,
        "shutdown requested"
    );
    conn.record_shutdown(action);
    ctx.stop_reading();
    Ok(Empty {})
}

/// Fires the shutdown signal, once the `Shutdown` reply is out.
pub fn after_reply(guest: &Guest, action: PowerAction) {
    tracing::info!(?action, "shutting down");
    guest.shutdown.trigger(action);
}
