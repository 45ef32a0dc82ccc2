//! `GET_EVENTS` answered from the journal instead of by PHP (docs/protocol.md, "Polling"), for polling apps on `/rpc` and
//! for an app that asks over its WebSocket, and `EVENTS_SINCE`, the same question asked by PHP for the polling
//! apps that call Apache.
//!
//! Precedence is the plugin's: `null` when the app is not active › `CONFIG_AND_INFOS` (from PHP) when the app's
//! configuration is stale › queued `ACTIONS` › `SET_EVENTS` since the app's cursor. A cursor older than what the
//! journal keeps yields a full snapshot, never a partial list.

use serde_json::{json, Value};

use crate::frames;
use crate::hub::Hub;
use crate::journal::{cursor_from_value, cursor_to_secs};
use crate::limits::MAX_POLL_ITEMS;
use crate::logging::escape;
use crate::metrics::inc;
use crate::relay::{forward, method_exception, Caller};

fn hist(params: &Value) -> Value {
    let now = chrono::Utc::now().timestamp();
    match params.get("lastHistoricReadTimestamp").and_then(Value::as_f64) {
        Some(t) if (now as f64 - t) <= 300.0 => params["lastHistoricReadTimestamp"].clone(),
        _ => json!(now),
    }
}

/// Merges queued pushes into one `ACTIONS` result.
fn actions(pending: Vec<Value>) -> Option<Value> {
    let mut payload = Vec::new();
    for m in pending {
        if frames::message_type(&m) != "ACTIONS" {
            tracing::warn!(
                "dropping a queued {} message: polling apps only take ACTIONS",
                escape(frames::message_type(&m))
            );
            continue;
        }
        match m.get("payload") {
            Some(Value::Array(a)) => payload.extend(a.iter().cloned()),
            Some(p) => payload.push(p.clone()),
            None => {}
        }
    }
    (!payload.is_empty()).then(|| json!({"type": "ACTIONS", "payload": payload}))
}

/// The `GET_EVENTS` result for `api_key` (`null` = nothing, `"ok"` over HTTP).
pub async fn get_events(hub: &Hub, api_key: &str, request: &Value, caller: &Caller<'_>) -> Value {
    let params = request.get("params").cloned().unwrap_or(Value::Null);
    let Some(device) = hub.device(api_key) else {
        // Unknown to the daemon: PHP knows (regenerated key, removed equipment...).
        return forward(hub, request, Some(api_key), caller).await;
    };
    if !device.enabled {
        return json!({"type": "EQUIPMENT_DISABLE"});
    }
    if !device.active {
        return Value::Null;
    }
    let asked_version = params.get("configVersion").filter(|v| !v.is_null());
    if let Some(v) = asked_version {
        let v = v.as_i64().or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()));
        if v != device.config_version {
            return forward(hub, request, Some(api_key), caller).await;
        }
    }
    if let Some(a) = actions(hub.journal.take_pushes(api_key).await) {
        return a;
    }
    let hist = hist(&params);
    let Some(after) = params.get("lastReadTimestamp").and_then(cursor_from_value) else {
        // A first call: the app has its snapshot (WELCOME / GET_INFO); it starts from now.
        return serde_json::from_str(&frames::set_events(hub.journal.head(), &hist, &[])).unwrap_or_default();
    };
    match hub.journal.since(after, Some(device), MAX_POLL_ITEMS).await {
        Ok(since) if since.overflow => {
            inc(&hub.metrics.overflows);
            snapshot(hub, api_key, &hist, caller).await
        }
        Ok(since) => {
            if !since.items.is_empty() {
                inc(&hub.metrics.resumes);
            }
            serde_json::from_str(&frames::set_events(since.cursor, &hist, &since.items)).unwrap_or_default()
        }
        Err(e) => method_exception("GET_EVENTS", caller.from, &e.to_string()),
    }
}

/// A full `SET_EVENTS` snapshot, built from PHP's `GET_INFO`, for a client whose cursor is too old.
pub async fn snapshot(hub: &Hub, api_key: &str, hist: &Value, caller: &Caller<'_>) -> Value {
    let head = hub.journal.head();
    let info = get_info(hub, api_key, caller).await;
    match info {
        Ok(info) => frames::set_events_snapshot(head, hist, &info),
        Err(exception) => exception,
    }
}

/// PHP's `GET_INFO` payload (`{cmdInfo, scInfo, objInfo}`), or the result to give the app instead.
pub async fn get_info(hub: &Hub, api_key: &str, caller: &Caller<'_>) -> Result<Value, Value> {
    let req = json!({"jsonrpc": "2.0", "id": uuid::Uuid::new_v4().to_string(), "method": "GET_INFO",
                     "params": {"apiKey": api_key}});
    let result = forward(hub, &req, Some(api_key), caller).await;
    match frames::message_type(&result) {
        "SET_INFO" => Ok(result.get("payload").cloned().unwrap_or_default()),
        _ if result.is_null() => Err(method_exception("GET_INFO", caller.from, "empty answer")),
        _ => Err(result),
    }
}

/// `EVENTS_SINCE {eqApiKey, cursor}` on the control socket.
pub async fn events_since(hub: &Hub, api_key: &str, cursor: &Value) -> Value {
    let Some(device) = hub.device(api_key) else {
        return json!({"ok": false, "error": "unknown device"});
    };
    let pending = hub.journal.take_pushes(api_key).await;
    let mut reply = json!({"cursor": 0.0, "cmds": [], "scenarios": [], "objects": [], "pending": pending,
                           "overflow": false});
    let Some(after) = cursor_from_value(cursor) else {
        reply["cursor"] = json!(cursor_to_secs(hub.journal.head()));
        return reply;
    };
    match hub.journal.since(after, Some(device), MAX_POLL_ITEMS).await {
        Ok(since) => {
            if since.overflow {
                inc(&hub.metrics.overflows);
                reply["cursor"] = json!(cursor_to_secs(hub.journal.head()));
                reply["overflow"] = json!(true);
                return reply;
            }
            reply["cursor"] = json!(cursor_to_secs(since.cursor));
            for (field, kind) in [
                ("cmds", crate::device::Kind::Cmd),
                ("scenarios", crate::device::Kind::Scenario),
                ("objects", crate::device::Kind::Object),
            ] {
                let items: Vec<Value> = since
                    .items
                    .iter()
                    .filter(|i| i.kind == kind)
                    .filter_map(|i| serde_json::from_str(&i.raw).ok())
                    .collect();
                reply[field] = Value::Array(items);
            }
            reply
        }
        Err(e) => json!({"ok": false, "error": e.to_string()}),
    }
}
