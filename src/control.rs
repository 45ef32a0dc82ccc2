//! The control socket (127.0.0.1:`--socketport`): how PHP talks to the daemon (docs/architecture.md, "Control socket").
//!
//! One JSON object per line, or one object closed by EOF (what the old plugin's `socket_write` sends). Every object
//! carries the plugin key in `jeedomApiKey`, compared in constant time. `EVENTS_SINCE` and `STATUS` answer one
//! line; the other messages answer only when they fail, or when they ask for it with `"ack": true`.
//! (docs/architecture.md, "Control socket", lists every message.)

use std::net::SocketAddr;
use std::sync::Arc;

use serde_json::{json, Value};
use subtle::ConstantTimeEq;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

use crate::device::{id_string, Device, Kind};
use crate::hub::Hub;
use crate::journal::cursor_to_secs;
use crate::journal::JournalError;
use crate::limits::MAX_CONTROL_LINE as MAX_LINE;
use crate::listener::next_connection;
use crate::logging::mask;
use crate::metrics::add;
use crate::polling;

/// Why an `EVENTS` message was refused.
#[derive(Debug, thiserror::Error)]
enum EventsError {
    #[error("EVENTS needs an events list")]
    NoList,
    #[error(transparent)]
    Journal(#[from] JournalError),
}

pub async fn serve(hub: Arc<Hub>, listener: TcpListener) {
    while let Some((stream, peer)) = next_connection(&hub.shutdown, &listener, "control port").await {
        tokio::spawn(connection(hub.clone(), stream, peer));
    }
}

async fn connection(hub: Arc<Hub>, stream: TcpStream, peer: SocketAddr) {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = match tokio::io::AsyncReadExt::take(&mut reader, MAX_LINE as u64 + 1).read_until(b'\n', &mut line).await
        {
            Ok(n) => n,
            Err(e) => {
                tracing::debug!("control {peer}: read error: {e}");
                return;
            }
        };
        if n == 0 {
            return;
        }
        if line.len() > MAX_LINE {
            let _ = reply(&mut write, &json!({"ok": false, "error": "message too large"})).await;
            return;
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        if let Some(answer) = handle(&hub, &line, peer).await {
            if reply(&mut write, &answer).await.is_err() {
                return;
            }
        }
    }
}

async fn reply(write: &mut tokio::net::tcp::OwnedWriteHalf, v: &Value) -> std::io::Result<()> {
    let mut text = v.to_string();
    text.push('\n');
    write.write_all(text.as_bytes()).await
}

fn error(msg: impl Into<String>) -> Value {
    json!({"ok": false, "error": msg.into()})
}

/// One message; returns the line to answer, if any.
async fn handle(hub: &Arc<Hub>, line: &[u8], peer: SocketAddr) -> Option<Value> {
    let mut msg: Value = match serde_json::from_slice(line) {
        Ok(v @ Value::Object(_)) => v,
        Ok(_) => return Some(error("a JSON object is expected")),
        Err(e) => {
            tracing::warn!("control {peer}: malformed message: {e}");
            return Some(error(format!("invalid JSON: {e}")));
        }
    };
    let key = msg.as_object_mut().and_then(|o| o.remove("jeedomApiKey"));
    let key_ok =
        key.as_ref().and_then(Value::as_str).is_some_and(|k| bool::from(k.as_bytes().ct_eq(hub.cfg.apikey.as_bytes())));
    if !key_ok {
        tracing::warn!("control {peer}: message rejected: missing or wrong plugin key");
        return Some(error("wrong plugin key"));
    }
    let ack = msg.get("ack").and_then(Value::as_bool).unwrap_or(false);
    let kind = msg.get("type").and_then(Value::as_str).unwrap_or("").to_string();
    let eq_key = msg.get("eqApiKey").and_then(id_string);
    let done = |extra: Value| {
        let mut v = json!({"ok": true});
        if let (Some(o), Value::Object(e)) = (v.as_object_mut(), extra) {
            o.extend(e);
        }
        ack.then_some(v)
    };
    match kind.as_str() {
        "EVENTS" => match events(hub, &msg).await {
            Ok(cursor) => done(json!({"cursor": cursor})),
            Err(e) => Some(error(e.to_string())),
        },
        "DEVICES" => {
            let list = msg.get("devices").and_then(Value::as_array).cloned().unwrap_or_default();
            let mut devices = Vec::with_capacity(list.len());
            for d in &list {
                match Device::from_json(d) {
                    Ok(d) => devices.push(d),
                    Err(e) => return Some(error(format!("DEVICES: {e}"))),
                }
            }
            let full = crate::device::flag(msg.get("full"));
            tracing::debug!("control: {} device record(s){}", devices.len(), if full { " (full set)" } else { "" });
            hub.apply_devices(devices, full);
            done(json!({}))
        }
        "PUSH" => match (eq_key, msg.get("message")) {
            (Some(k), Some(m)) if m.is_object() => {
                hub.push(&k, m.clone());
                done(json!({}))
            }
            _ => Some(error("PUSH needs eqApiKey and a message object")),
        },
        "CLOSE_DEVICE" => match eq_key {
            Some(k) => {
                hub.close_device(&k, msg.get("reason").and_then(Value::as_str).unwrap_or("closed by the plugin"));
                done(json!({}))
            }
            None => Some(error("CLOSE_DEVICE needs eqApiKey")),
        },
        "EVENTS_SINCE" => match eq_key {
            Some(k) => Some(polling::events_since(hub, &k, msg.get("cursor").unwrap_or(&Value::Null)).await),
            None => Some(error("EVENTS_SINCE needs eqApiKey")),
        },
        // With `eqApiKey`: that device's line too, found by its full key (the list masks keys).
        "STATUS" => {
            let mut status = hub.status();
            if let Some(k) = eq_key {
                status["device"] = hub.device_status(&k);
            }
            Some(status)
        }
        // The old plugin's sendToDaemon: an app message for one device.
        _ if eq_key.is_some() => {
            let k = eq_key.unwrap_or_default();
            tracing::debug!("control: {} message for {}", if kind.is_empty() { "untyped" } else { &kind }, mask(&k));
            hub.push(&k, msg);
            done(json!({}))
        }
        _ => Some(error(format!("unknown message type '{kind}'"))),
    }
}

/// `EVENTS`: journals the items (in the order given), returns the cursor of the last one.
async fn events(hub: &Arc<Hub>, msg: &Value) -> Result<f64, EventsError> {
    let lists = msg.get("events").and_then(Value::as_array).ok_or(EventsError::NoList)?;
    let mut items = Vec::new();
    for list in lists {
        let t = list.get("type").and_then(Value::as_str).unwrap_or("");
        let Some(kind) = Kind::from_list_type(t) else {
            tracing::warn!("control: EVENTS: skipping unknown list type '{t}'");
            continue;
        };
        for item in list.get("payload").and_then(Value::as_array).into_iter().flatten() {
            match kind.item_key(item) {
                Some(key) => items.push((kind, key, normalize(kind, item))),
                None => tracing::warn!("control: EVENTS: skipping a {t} item without id"),
            }
        }
    }
    if items.is_empty() {
        return Ok(cursor_to_secs(hub.journal.head()));
    }
    add(&hub.metrics.events_in, items.len() as u64);
    let batch = hub.journal.append(items).await?;
    Ok(batch.last().map(|i| cursor_to_secs(i.cursor)).unwrap_or_default())
}

/// Ids travel as strings to the app, whatever PHP sent.
fn normalize(kind: Kind, item: &Value) -> Value {
    let mut item = item.clone();
    let field = if kind == Kind::Object { "object_id" } else { "id" };
    if let Some(id) = item.get(field).and_then(id_string) {
        item[field] = Value::String(id);
    }
    item
}
