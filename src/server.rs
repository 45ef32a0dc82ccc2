//! The public listener (`--websocketport`, every interface, IPv4 and IPv6): accepts TCP connections and serves
//! them with hyper, sending each request to its transport — a WebSocket upgrade (any path) to `ws`, `GET /sse` to
//! `sse`, everything else to the warp routes of `rpc`.
//!
//! The upgrade is done here rather than by warp so that each WebSocket gets small buffers (`ws::ws_config`).

use std::convert::Infallible;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{combinators::BoxBody, BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::header::{HeaderMap, HeaderValue};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::WebSocketStream;
use tower_service::Service;

use crate::hub::Hub;
use crate::rpc::{self, Client};
use crate::{sse, ws};

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type Body = BoxBody<Bytes, BoxError>;

/// Kernel send buffer of a client socket: keeps what a non-reading client can absorb small, so that its outbox
/// (and not the kernel) is where it falls behind, coalesces and is closed.
const SEND_BUFFER: usize = 64 * 1024;

/// Binds the public port: the given address, or `[::]` accepting IPv4 too (then `0.0.0.0` if IPv6 is off).
pub fn bind(ip: Option<IpAddr>, port: u16) -> Result<TcpListener, String> {
    let in_use = |e: std::io::Error| {
        if e.kind() == std::io::ErrorKind::AddrInUse {
            format!("public port {port} is already in use (another jeedomconnectd still running?)")
        } else {
            format!("cannot listen on public port {port}: {e}")
        }
    };
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
        Some(ip) => listen(SocketAddr::new(ip, port), false).map_err(in_use)?,
        None => match listen(SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), port), true) {
            Ok(l) => l,
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => return Err(in_use(e)),
            Err(_) => listen(SocketAddr::new(IpAddr::from([0, 0, 0, 0]), port), false).map_err(in_use)?,
        },
    };
    TcpListener::from_std(std_listener).map_err(in_use)
}

/// The next connection on a listener, or `None` once the daemon is stopping. Accept errors (e.g. out of file
/// descriptors) are logged and retried after a short pause.
pub async fn next_connection(hub: &Hub, listener: &TcpListener, what: &str) -> Option<(TcpStream, SocketAddr)> {
    loop {
        tokio::select! {
            _ = hub.shutdown.cancelled() => return None,
            accepted = listener.accept() => match accepted {
                Ok(a) => return Some(a),
                Err(e) => {
                    tracing::warn!("{what}: accept failed: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
            },
        }
    }
}

pub async fn serve(hub: Arc<Hub>, listener: TcpListener) {
    let routes = warp::service(rpc::routes(hub.clone()));
    while let Some((stream, peer)) = next_connection(&hub, &listener, "public port").await {
        tokio::spawn(connection(hub.clone(), routes.clone(), stream, peer));
    }
}

async fn connection<R>(hub: Arc<Hub>, routes: R, stream: TcpStream, peer: SocketAddr)
where
    R: Service<Request<Incoming>, Response = warp::reply::Response, Error = Infallible> + Clone + Send + 'static,
    R::Future: Send,
{
    let _ = stream.set_nodelay(true);
    let _ = socket2::SockRef::from(&stream).set_send_buffer_size(SEND_BUFFER);
    let service = hyper::service::service_fn(move |req| {
        let hub = hub.clone();
        let mut routes = routes.clone();
        async move {
            let real_ip = client_ip(peer, req.headers());
            if is_websocket_upgrade(&req) {
                return Ok::<_, Infallible>(upgrade(hub, req, real_ip));
            }
            if req.method() == hyper::Method::GET && is_sse_path(req.uri().path()) {
                return Ok(open_sse(hub, &req, real_ip));
            }
            let mut req = req;
            req.extensions_mut().insert(Client { peer, real_ip });
            let response = routes.call(req).await?;
            Ok(response.map(|b| b.map_err(|e| Box::new(e) as BoxError).boxed()))
        }
    });
    let served = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(std::time::Duration::from_secs(30))
        .serve_connection(TokioIo::new(stream), service)
        .with_upgrades()
        .await;
    if let Err(e) = served {
        tracing::debug!("http connection from {peer}: {e}");
    }
}

/// The client's address: the peer's, unless the peer is a local reverse proxy that says whom it forwards.
pub fn client_ip(peer: SocketAddr, headers: &HeaderMap) -> String {
    let ip = peer.ip().to_canonical();
    if ip.is_loopback() {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
        if let Some(real) = header("x-real-ip").filter(|v| v.parse::<IpAddr>().is_ok()) {
            return real.to_string();
        }
        if let Some(first) = header("x-forwarded-for").and_then(|v| v.split(',').next()).map(str::trim) {
            if first.parse::<IpAddr>().is_ok() {
                return first.to_string();
            }
        }
    }
    ip.to_string()
}

/// `/sse`, or the old script's URL (`…/core/php/eventServer.php`) for an app pointed at the daemon's port.
fn is_sse_path(path: &str) -> bool {
    path == "/sse" || path == "/plugins/JeedomConnect/core/php/eventServer.php"
}

fn is_websocket_upgrade(req: &Request<Incoming>) -> bool {
    let has = |name: &str, token: &str| {
        req.headers()
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
    };
    has("connection", "upgrade") && has("upgrade", "websocket")
}

fn plain(status: StatusCode, text: &'static str) -> Response<Body> {
    let mut r = Response::new(Full::new(Bytes::from_static(text.as_bytes())).map_err(|e| match e {}).boxed());
    *r.status_mut() = status;
    r
}

fn upgrade(hub: Arc<Hub>, req: Request<Incoming>, real_ip: String) -> Response<Body> {
    let Some(key) = req.headers().get("sec-websocket-key").cloned() else {
        return plain(StatusCode::BAD_REQUEST, "missing Sec-WebSocket-Key");
    };
    let config = ws::ws_config(&hub.cfg);
    tokio::spawn(async move {
        match hyper::upgrade::on(req).await {
            Ok(upgraded) => {
                let stream = WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, Some(config)).await;
                ws::serve(hub, stream, real_ip).await;
            }
            Err(e) => tracing::debug!("websocket upgrade failed: {e}"),
        }
    });
    let mut r = plain(StatusCode::SWITCHING_PROTOCOLS, "");
    let h = r.headers_mut();
    h.insert("upgrade", HeaderValue::from_static("websocket"));
    h.insert("connection", HeaderValue::from_static("Upgrade"));
    if let Ok(accept) = HeaderValue::from_str(&derive_accept_key(key.as_bytes())) {
        h.insert("sec-websocket-accept", accept);
    }
    r
}

fn open_sse(hub: Arc<Hub>, req: &Request<Incoming>, real_ip: String) -> Response<Body> {
    let query = req.uri().query().unwrap_or("");
    let api_key = url_param(query, "apiKey");
    let last_id = req.headers().get("last-event-id").and_then(|v| v.to_str().ok()).map(String::from);
    let rx = sse::open(hub, api_key, last_id, real_ip);
    let body = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (Ok::<_, BoxError>(Frame::data(chunk)), rx))
    });
    let mut r = Response::new(StreamBody::new(body).boxed());
    let h = r.headers_mut();
    h.insert("content-type", HeaderValue::from_static("text/event-stream"));
    h.insert("cache-control", HeaderValue::from_static("no-cache"));
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    r
}

/// A query parameter, percent-decoded.
pub fn url_param(query: &str, name: &str) -> Option<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_address_is_trusted_from_loopback_only() {
        let mut h = HeaderMap::new();
        h.insert("x-real-ip", HeaderValue::from_static("203.0.113.9"));
        assert_eq!(client_ip("127.0.0.1:5000".parse().unwrap(), &h), "203.0.113.9");
        assert_eq!(client_ip("[::ffff:192.168.1.4]:5000".parse().unwrap(), &h), "192.168.1.4");
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", HeaderValue::from_static("198.51.100.2, 10.0.0.1"));
        assert_eq!(client_ip("[::1]:5000".parse().unwrap(), &h), "198.51.100.2");
    }

    #[test]
    fn query_parameters() {
        assert_eq!(url_param("a=1&apiKey=ab%2Bc", "apiKey").as_deref(), Some("ab+c"));
        assert_eq!(url_param("a=1", "apiKey"), None);
    }
}
