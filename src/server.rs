//! The public listener (`--websocketport`, every interface, IPv4 and IPv6): accepts TCP connections and serves
//! them with hyper, sending each request to its transport — a WebSocket upgrade (any path) to `ws`, `GET /sse` to
//! `sse`, everything else to the warp routes of `rpc`.
//!
//! The upgrade is done here rather than by warp so that each WebSocket gets small buffers (`ws::ws_config`); an
//! SSE request is served without hyper's buffers when it can be (`sse_conn`).
//! A program that embeds the daemon (the demo) may add routes of its own; they are tried after the daemon's.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{combinators::BoxBody, BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::header::HeaderValue;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::WebSocketStream;
use tower_service::Service;
use warp::Filter;

use crate::client::{client_ip, url_param, Client};
use crate::hub::Hub;
use crate::limits::{HEADER_READ_TIMEOUT, SEND_BUFFER};
use crate::listener::next_connection;
use crate::{rpc, sse, sse_conn, ws};

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type Body = BoxBody<Bytes, BoxError>;

/// Routes a program embedding the daemon adds to the public port.
pub type ExtraRoutes = warp::filters::BoxedFilter<(warp::reply::Response,)>;

pub async fn serve(hub: Arc<Hub>, listener: TcpListener, extra: Option<ExtraRoutes>) {
    let routes = match extra {
        Some(extra) => rpc::routes(hub.clone()).or(extra).unify().boxed(),
        None => rpc::routes(hub.clone()),
    };
    let routes = routes.recover(rpc::not_found).unify();
    let routes = warp::service(routes);
    while let Some((stream, peer)) = next_connection(&hub.shutdown, &listener, "public port").await {
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
    // An SSE stream holds its connection for as long as the app runs: served without hyper's buffers.
    match sse_conn::is_sse(&stream, is_sse_path).await {
        None => return,
        // In a task of its own, so that the stream does not keep this task's room for a hyper connection.
        Some(true) => {
            tokio::spawn(sse_conn::serve(hub, stream, peer));
            return;
        }
        Some(false) => {}
    }
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
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .serve_connection(TokioIo::new(stream), service)
        .with_upgrades()
        .await;
    if let Err(e) = served {
        tracing::debug!("http connection from {peer}: {e}");
    }
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
