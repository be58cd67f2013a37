//! `Guest.Listen`: binds like Go's `net.Listen` / `net.ListenPacket`, answers with the bound
//! address, and hands the socket to [`crate::host_proxy`], which forwards what it accepts to host
//! port 2. The address rules and error texts are in [`crate::host_proxy::addr`]; the choices
//! where Go has several are in [`crate::host_proxy`]'s documentation.

use std::sync::Arc;

use boxpark_proto::api::{ListenRequest, ListenResponse};
use boxpark_proto::proxy::ConnectionRequest;
use tokio::net::{TcpListener, UdpSocket, UnixDatagram, UnixListener};

use crate::host_proxy::{addr, datagram, serve_streams, StreamListener, MAX_BUFFER_SIZE};
use crate::network::{DatagramNetwork, ListenNetwork, StreamNetwork};
use crate::Guest;

/// `Guest.Listen`: opens the socket, starts forwarding what it accepts to host port 2, and
/// answers with the bound address.
pub async fn listen(guest: &Arc<Guest>, req: ListenRequest) -> Result<ListenResponse, String> {
    let network = req.Network.as_str();
    if guest.shutdown.is_fired() || guest.listeners.is_closed() {
        return Err(format!("listen {network}: the guest is shutting down"));
    }
    let transport = guest.transport.clone();
    let template = ConnectionRequest {
        Network: req.Network.clone(),
        ListenAddress: req.Address.clone(),
        ..ConnectionRequest::default()
    };
    let kind = ListenNetwork::parse(network)
        .map_err(|_| format!("listen {network}: unknown network {network}"))?;
    let (task, path, address) = match kind {
        ListenNetwork::Stream(StreamNetwork::Tcp(family)) => {
            let bind = addr::resolve(network, &req.Address, family).await?;
            let listener = addr::bind_ip(network, bind, family, |a| async move {
                TcpListener::bind(a).await
            })
            .await?;
            let local = listener
                .local_addr()
                .map_err(|e| addr::op_error(network, &req.Address, "getsockname", &e))?;
            let listener = StreamListener::Tcp(listener);
            let task = tokio::spawn(serve_streams(listener, transport, template));
            (task.abort_handle(), None, addr::go_socket_addr(&local))
        }
        ListenNetwork::Stream(StreamNetwork::Unix) => {
            let path = addr::unix_path(network, &req.Address)?;
            let listener = UnixListener::bind(&path)
                .map_err(|e| addr::op_error(network, &req.Address, "bind", &e))?;
            let listener = StreamListener::Unix(listener, req.Address.clone());
            let task = tokio::spawn(serve_streams(listener, transport, template));
            (task.abort_handle(), Some(path), req.Address.clone())
        }
        ListenNetwork::Datagram(DatagramNetwork::Udp(family)) => {
            let size = buffer_size(&req)?;
            let bind = addr::resolve(network, &req.Address, family).await?;
            let socket = addr::bind_ip(network, bind, family, |a| async move {
                UdpSocket::bind(a).await
            })
            .await?;
            let local = socket
                .local_addr()
                .map_err(|e| addr::op_error(network, &req.Address, "getsockname", &e))?;
            let address = addr::go_socket_addr(&local);
            let socket = datagram::Socket::Udp(socket, address.clone());
            let task = tokio::spawn(datagram::serve(socket, size, transport, template));
            (task.abort_handle(), None, address)
        }
        ListenNetwork::Datagram(DatagramNetwork::Unixgram) => {
            let size = buffer_size(&req)?;
            let path = addr::unix_path(network, &req.Address)?;
            let socket = UnixDatagram::bind(&path)
                .map_err(|e| addr::op_error(network, &req.Address, "bind", &e))?;
            let socket = datagram::Socket::Unix(socket, req.Address.clone());
            let task = tokio::spawn(datagram::serve(socket, size, transport, template));
            (task.abort_handle(), Some(path), req.Address.clone())
        }
    };
    if !guest.listeners.register(task, path) {
        return Err(format!("listen {network}: the guest is shutting down"));
    }
    tracing::info!(network, requested = %req.Address, address = %address, "listening for the host");
    Ok(ListenResponse { Address: address })
}

/// The datagram buffer size of a request: required, capped.
fn buffer_size(req: &ListenRequest) -> Result<usize, String> {
    if req.BufferSize <= 0 {
        return Err(format!(
            "listen {} {}: BufferSize must be greater than 0 for datagram sockets (got {})",
            req.Network, req.Address, req.BufferSize
        ));
    }
    Ok(usize::try_from(req.BufferSize)
        .unwrap_or(MAX_BUFFER_SIZE)
        .min(MAX_BUFFER_SIZE))
}
