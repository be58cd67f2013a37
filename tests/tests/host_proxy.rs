//! `Guest.Listen` and host port 2: a connection accepted in the guest reaches the fake host with
//! its `ConnectionRequest`, and traffic flows both ways.
#![allow(non_snake_case)]

use std::collections::HashMap;

use boxpark_e2e::{within, GuestProcess};
use boxpark_proto::api::ListenRequest;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

#[tokio::test]
async fn tcp_connection_reaches_the_host() {
    let g = GuestProcess::start().await;
    let rpc = g.connect_rpc().await;
    let listened = within(
        "Listen tcp",
        rpc.listen(&ListenRequest {
            Network: "tcp".into(),
            Address: "127.0.0.1:0".into(),
            BufferSize: 0,
        }),
    )
    .await
    .expect("Listen tcp");

    let mut client = within("connect", TcpStream::connect(&listened.Address))
        .await
        .expect("connect to the guest's socket");
    let conn = g.host.next().await;
    assert_eq!(conn.req.Network, "tcp");
    assert_eq!(conn.req.ListenAddress, "127.0.0.1:0");
    assert_eq!(conn.req.LocalAddress, listened.Address);
    assert_eq!(
        conn.req.RemoteAddress,
        client.local_addr().expect("local addr").to_string()
    );
    let mut host = conn.into_stream();

    // Client to host, half-closed; then host to client, half-closed.
    client
        .write_all(b"GET / from the client")
        .await
        .expect("write");
    client.shutdown().await.expect("half-close");
    let mut got = Vec::new();
    within("the client's bytes at the host", host.read_to_end(&mut got))
        .await
        .expect("read");
    assert_eq!(got, b"GET / from the client");
    host.write_all(b"200 from the host").await.expect("write");
    host.shutdown().await.expect("half-close");
    let mut got = Vec::new();
    within(
        "the host's bytes at the client",
        client.read_to_end(&mut got),
    )
    .await
    .expect("read");
    assert_eq!(got, b"200 from the host");
}

#[tokio::test]
async fn udp_peers_get_their_own_connections_and_replies() {
    let g = GuestProcess::start().await;
    let rpc = g.connect_rpc().await;
    let listened = within(
        "Listen udp",
        rpc.listen(&ListenRequest {
            Network: "udp".into(),
            Address: "127.0.0.1:0".into(),
            BufferSize: 4096,
        }),
    )
    .await
    .expect("Listen udp");

    let a = UdpSocket::bind("127.0.0.1:0").await.expect("bind a");
    let b = UdpSocket::bind("127.0.0.1:0").await.expect("bind b");
    let addr_a = a.local_addr().expect("addr").to_string();
    let addr_b = b.local_addr().expect("addr").to_string();
    a.send_to(b"hello from a", &listened.Address)
        .await
        .expect("send a");
    b.send_to(b"hello from b", &listened.Address)
        .await
        .expect("send b");

    let mut conns = HashMap::new();
    for _ in 0..2 {
        let mut conn = g.host.next().await;
        assert_eq!(conn.req.Network, "udp");
        assert_eq!(conn.req.ListenAddress, "127.0.0.1:0");
        assert_eq!(conn.req.LocalAddress, listened.Address);
        let first = conn.datagram().await.expect("the peer's datagram");
        let want = if conn.req.RemoteAddress == addr_a {
            b"hello from a"
        } else {
            b"hello from b"
        };
        assert_eq!(first, want, "from {}", conn.req.RemoteAddress);
        conns.insert(conn.req.RemoteAddress.clone(), conn);
    }
    let mut peers: Vec<_> = conns.keys().cloned().collect();
    peers.sort();
    let mut want = vec![addr_a.clone(), addr_b.clone()];
    want.sort();
    assert_eq!(peers, want, "one host connection per peer");

    // A second datagram from a peer comes on its own connection.
    a.send_to(b"again from a", &listened.Address)
        .await
        .expect("send");
    let conn_a = conns.get_mut(&addr_a).expect("a's connection");
    assert_eq!(conn_a.datagram().await.expect("datagram"), b"again from a");

    // Replies go back to the right peer.
    for (peer, conn) in conns.iter_mut() {
        conn.send_datagram(format!("reply to {peer}").as_bytes())
            .await;
    }
    let mut buf = [0u8; 256];
    for (socket, addr) in [(&a, &addr_a), (&b, &addr_b)] {
        let (n, from) = within("a reply at the client", socket.recv_from(&mut buf))
            .await
            .expect("recv");
        assert_eq!(
            from.to_string(),
            listened.Address,
            "sent from the guest's socket"
        );
        assert_eq!(&buf[..n], format!("reply to {addr}").as_bytes());
    }
}
