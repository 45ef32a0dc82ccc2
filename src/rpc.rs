//! The plain HTTP routes of the public port, with warp: `POST /rpc` (JSON-RPC as the PHP API answers it,
//! `protocol.md` §2.3 HTTP form), `GET /health`, and `GET /status` (loopback or plugin key only).
//!
//! `GET_EVENTS` is answered from the journal; every other method is relayed to PHP.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use serde_json::{json, Value};
use subtle::ConstantTimeEq;
use warp::filters::BoxedFilter;
use warp::http::StatusCode;
use warp::{Filter, Reply};

use crate::hub::Hub;
use crate::polling::{self, Caller};
use crate::relay::exception;

/// Who is on the other end of a request, put in the request's extensions by the listener.
#[derive(Clone, Debug)]
pub struct Client {
    pub peer: SocketAddr,
    /// The peer, or the address a local reverse proxy forwarded.
    pub real_ip: String,
}

impl Client {
    pub fn is_loopback(&self) -> bool {
        self.peer.ip().to_canonical().is_loopback()
    }
}

pub fn routes(hub: Arc<Hub>) -> BoxedFilter<(warp::reply::Response,)> {
    let limit = hub.cfg.max_message as u64;
    let with_hub = warp::any().map(move || hub.clone());
    let client = warp::ext::get::<Client>();
    let rpc = warp::post()
        .and(warp::path("rpc"))
        .and(warp::path::end())
        .and(warp::body::content_length_limit(limit))
        .and(warp::body::bytes())
        .and(with_hub.clone())
        .and(client)
        .then(|body: Bytes, hub: Arc<Hub>, client: Client| async move {
            warp::reply::json(&rpc(&hub, &body, &client).await).into_response()
        });
    let health = warp::get().and(warp::path("health")).and(warp::path::end()).map(|| "ok".into_response());
    let status = warp::get()
        .and(warp::path("status"))
        .and(warp::path::end())
        .and(with_hub)
        .and(client)
        .and(warp::header::optional::<String>("x-jeedom-apikey"))
        .map(|hub: Arc<Hub>, client: Client, key: Option<String>| {
            if !allowed(&hub, &client, key.as_deref()) {
                return warp::reply::with_status("loopback or plugin key only", StatusCode::FORBIDDEN).into_response();
            }
            warp::reply::json(&hub.status()).into_response()
        });
    rpc.or(health).unify().or(status).unify().boxed()
}

/// Routes that reveal devices or figures: from loopback, or with the plugin key.
pub fn allowed(hub: &Hub, client: &Client, key: Option<&str>) -> bool {
    client.is_loopback() || key.is_some_and(|k| bool::from(k.as_bytes().ct_eq(hub.cfg.apikey.as_bytes())))
}

/// One JSON-RPC call: the envelope the app expects (`null` → `"ok"`, id echoed, default 99999).
async fn rpc(hub: &Hub, body: &[u8], client: &Client) -> Value {
    let envelope = |id: Value, result: Value| {
        let result = match result {
            Value::Null => json!("ok"),
            Value::Array(a) if a.is_empty() => json!("ok"),
            r => r,
        };
        json!({"jsonrpc": "2.0", "id": id, "result": result})
    };
    let request: Value = match serde_json::from_slice(body) {
        Ok(v @ Value::Object(_)) => v,
        Ok(_) => return envelope(json!(99999), exception("Error with 'RPC' method: a JSON-RPC object is expected")),
        Err(e) => return envelope(json!(99999), exception(&format!("Error with 'RPC' method: invalid JSON: {e}"))),
    };
    let id = request.get("id").cloned().unwrap_or(json!(99999));
    if request.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return envelope(id, exception("Error with 'RPC' method: jsonrpc must be \"2.0\""));
    }
    let method = request.get("method").and_then(Value::as_str).unwrap_or("");
    if method.is_empty() {
        return envelope(id, exception("Error with 'RPC' method: a request needs a method"));
    }
    let key = if method == "GEOLOC" { request.get("id") } else { request.pointer("/params/apiKey") };
    let key = key.and_then(Value::as_str).map(String::from);
    let caller = Caller { from: "WS", session_id: None, real_ip: &client.real_ip };
    let result = match (method, &key) {
        ("GET_EVENTS", Some(k)) => polling::get_events(hub, k, &request, &caller).await,
        _ => polling::relay(hub, &request, key.as_deref(), &caller).await,
    };
    envelope(id, result)
}
