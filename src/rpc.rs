//! The plain HTTP routes of the public port, with warp: `POST /rpc` (JSON-RPC as the PHP API answers it; also at
//! the plugin API's own path, so that an app pointed at the daemon's port works in HTTP and polling modes too,
//! docs/protocol.md, "HTTP"), `GET /health`, and `GET /status`, `/status.html`, `/metrics` (a direct loopback
//! peer without forwarding headers, or the plugin key). A route nobody serves is 404.
//!
//! `GET_EVENTS` is answered from the journal; every other method is relayed to PHP.

use std::sync::Arc;

use bytes::Bytes;
use serde_json::{json, Value};
use subtle::ConstantTimeEq;
use warp::filters::BoxedFilter;
use warp::http::StatusCode;
use warp::{Filter, Reply};

use crate::client::{forwarded, url_param, Client};
use crate::hub::Hub;
use crate::polling;
use crate::relay::{exception, forward, Caller};

pub fn routes(hub: Arc<Hub>) -> BoxedFilter<(warp::reply::Response,)> {
    let limit = hub.cfg.max_message as u64;
    let with_hub = warp::any().map(move || hub.clone());
    let client = warp::ext::get::<Client>();
    let rpc = warp::post()
        .and(
            warp::path!("rpc")
                .or(warp::path!("plugins" / "JeedomConnect" / "core" / "api" / "JeedomConnect.api.php"))
                .unify(),
        )
        .and(warp::body::content_length_limit(limit))
        .and(warp::body::bytes())
        .and(with_hub.clone())
        .and(client)
        .then(|body: Bytes, hub: Arc<Hub>, client: Client| async move {
            warp::reply::json(&rpc(&hub, &body, &client).await).into_response()
        });
    let health = warp::get().and(warp::path("health")).and(warp::path::end()).map(|| "ok".into_response());
    let key = warp::header::optional::<String>("x-jeedom-apikey")
        .and(warp::query::raw().or(warp::any().map(String::new)).unify())
        .map(|header: Option<String>, query: String| header.or_else(|| url_param(&query, "apikey")));
    let guarded = with_hub.clone().and(client).and(key).and(warp::header::headers_cloned()).and_then(
        |hub: Arc<Hub>, client: Client, key: Option<String>, headers: warp::http::HeaderMap| async move {
            if allowed(&hub, &client, forwarded(&headers), key.as_deref()) {
                Ok(hub)
            } else {
                Err(warp::reject::custom(Forbidden))
            }
        },
    );
    let status = warp::get()
        .and(warp::path("status"))
        .and(warp::path::end())
        .and(guarded.clone())
        .map(|hub: Arc<Hub>| warp::reply::json(&hub.status()).into_response());
    let metrics =
        warp::get().and(warp::path("metrics")).and(warp::path::end()).and(guarded.clone()).map(|hub: Arc<Hub>| {
            let (devices, devices_connected) = hub.device_counts();
            let extra = crate::metrics::Extra { devices, devices_connected, uptime_secs: hub.uptime_secs() };
            let text = hub.metrics.prometheus(&extra);
            warp::reply::with_header(text, "content-type", "text/plain; version=0.0.4; charset=utf-8").into_response()
        });
    let status_html = warp::get()
        .and(warp::path("status.html"))
        .and(warp::path::end())
        .and(guarded)
        .map(|hub: Arc<Hub>| warp::reply::html(crate::metrics::status_html(&hub.status())).into_response());
    let forbidden = |r: warp::Rejection| async move {
        if r.find::<Forbidden>().is_some() {
            Ok(warp::reply::with_status("loopback or plugin key only", StatusCode::FORBIDDEN).into_response())
        } else {
            Err(r)
        }
    };
    rpc.or(health)
        .unify()
        .or(status)
        .unify()
        .or(metrics)
        .unify()
        .or(status_html)
        .unify()
        .recover(forbidden)
        .unify()
        .boxed()
}

/// Rejection of a guarded route (answered 403).
#[derive(Debug)]
struct Forbidden;

impl warp::reject::Reject for Forbidden {}

/// Routes that reveal devices or figures: for a direct loopback peer (no proxy forwarding someone else's request),
/// or with the plugin key.
pub fn allowed(hub: &Hub, client: &Client, forwarded: bool, key: Option<&str>) -> bool {
    (client.is_loopback() && !forwarded)
        || key.is_some_and(|k| bool::from(k.as_bytes().ct_eq(hub.cfg.apikey.as_bytes())))
}

/// The last word on a request no route took: 404, whatever method was used (a body too large and the like keep
/// their own status).
pub async fn not_found(r: warp::Rejection) -> Result<warp::reply::Response, warp::Rejection> {
    use warp::reject::{LengthRequired, MethodNotAllowed, PayloadTooLarge, UnsupportedMediaType};
    let other = r.find::<PayloadTooLarge>().is_some()
        || r.find::<LengthRequired>().is_some()
        || r.find::<UnsupportedMediaType>().is_some();
    if !other && (r.is_not_found() || r.find::<MethodNotAllowed>().is_some()) {
        return Ok(warp::reply::with_status("not found", StatusCode::NOT_FOUND).into_response());
    }
    Err(r)
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
        _ => forward(hub, &request, key.as_deref(), &caller).await,
    };
    envelope(id, result)
}
