//! The daemon's two listening sockets: opening them (the public port on every interface or one address, the
//! control port on loopback only) and the accept loop both share, which stops when the daemon stops.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

/// Why a port could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum ListenError {
    #[error("{what} port {port} is already in use (another jeedomconnectd still running?)")]
    InUse { what: &'static str, port: u16 },
    #[error("cannot listen on {what} port {port}: {source}")]
    Other { what: &'static str, port: u16, source: std::io::Error },
}

impl ListenError {
    fn new(what: &'static str, port: u16, source: std::io::Error) -> ListenError {
        if source.kind() == std::io::ErrorKind::AddrInUse {
            ListenError::InUse { what, port }
        } else {
            ListenError::Other { what, port, source }
        }
    }
}

/// Binds the control port, 127.0.0.1 only.
pub fn bind_control(port: u16) -> Result<TcpListener, ListenError> {
    let err = |e| ListenError::new("control", port, e);
    let std = std::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).map_err(err)?;
    std.set_nonblocking(true).map_err(err)?;
    TcpListener::from_std(std).map_err(err)
}

/// Binds the public port: the given address, or `[::]` accepting IPv4 too (then `0.0.0.0` if IPv6 is off).
pub fn bind_public(ip: Option<IpAddr>, port: u16) -> Result<TcpListener, ListenError> {
    let err = |e| ListenError::new("public", port, e);
    let listen = |addr: SocketAddr, dual: bool| -> std::io::Result<std::net::TcpListener> {
        let socket = socket2::Socket::new(socket2::Domain::for_address(addr), socket2::Type::STREAM, None)?;
        if dual {
            socket.set_only_v6(false)?;
        }
        socket.set_reuse_address(true)?;
        socket.set_nonblocking(true)?;
        socket.bind(&addr.into())?;
        socket.listen(1024)?;
        Ok(socket.into())
    };
    let std_listener = match ip {
        Some(ip) => listen(SocketAddr::new(ip, port), false).map_err(err)?,
        None => match listen(SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), port), true) {
            Ok(l) => l,
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => return Err(err(e)),
            Err(_) => listen(SocketAddr::new(IpAddr::from([0, 0, 0, 0]), port), false).map_err(err)?,
        },
    };
    TcpListener::from_std(std_listener).map_err(err)
}

/// The next connection on a listener, or `None` once `shutdown` is cancelled. Accept errors (e.g. out of file
/// descriptors) are logged and retried after a short pause.
pub async fn next_connection(
    shutdown: &CancellationToken,
    listener: &TcpListener,
    what: &str,
) -> Option<(TcpStream, SocketAddr)> {
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return None,
            accepted = listener.accept() => match accepted {
                Ok(a) => return Some(a),
                Err(e) => {
                    tracing::warn!("{what}: accept failed: {e}");
                    tokio::time::sleep(crate::limits::ACCEPT_RETRY).await;
                }
            },
        }
    }
}
