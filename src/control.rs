//! The control socket (127.0.0.1:`--socketport`): how PHP talks to the daemon (docs/architecture.md, "Control socket").
//!
//! One JSON object per line, or one object closed by EOF (what the old plugin's `socket_write` sends). Every object
//! carries the plugin key in `jeedomApiKey`, compared in constant time. `EVENTS_SINCE` and `STATUS` answer one
//! line; the other messages answer only when they fail, or when they ask for it with `"ack": true`.
//! (docs/architecture.md, "Control socket", lists every message.)

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use subtle::ConstantTimeEq;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

use crate::device::{id_string, Device, Kind};
use crate::hub::Hub;
use crate::journal::cursor_to_secs;
use crate::journal::JournalError;
use crate::limits::MAX_CONTROL_LINE as MAX_LINE;
use crate::limits::{
    CONTROL_BUFFER_KEEP, CONTROL_KEY_FAILURE_DELAY, CONTROL_KEY_FAILURE_LOG_EVERY, MAX_CONTROL_CONNECTIONS,
};
use crate::listener::next_connection;
use crate::logging::{escape, mask};
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

/// What the listener keeps across its connections.
#[derive(Default)]
struct Guard {
    /// Connections open now (bounded by [`MAX_CONTROL_CONNECTIONS`]).
    open: AtomicUsize,
    /// Wrong-key messages: when the current report period began, and how many since (logged once per burst).
    key_failures: Mutex<Option<(Instant, u64)>>,
}

/// A connection's place among the [`MAX_CONTROL_CONNECTIONS`]; given back when its task ends, however it ends.
struct Slot(Arc<Guard>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::AcqRel);
    }
}

pub async fn serve(hub: Arc<Hub>, listener: TcpListener) {
    let guard = Arc::new(Guard::default());
    while let Some((stream, peer)) = next_connection(&hub.shutdown, &listener, "control port").await {
        if guard.open.fetch_add(1, Ordering::AcqRel) >= MAX_CONTROL_CONNECTIONS {
            guard.open.fetch_sub(1, Ordering::AcqRel);
            tracing::warn!("control {peer}: refused, already {MAX_CONTROL_CONNECTIONS} connections open");
            tokio::spawn(async move {
                let (_, mut write) = stream.into_split();
                let _ = tokio::time::timeout(
                    Duration::from_secs(1),
                    reply(&mut write, &error("too many control connections, try again")),
                )
                .await;
            });
            continue;
        }
        let (hub, slot) = (hub.clone(), Slot(guard.clone()));
        tokio::spawn(async move { connection(&hub, &slot.0, stream, peer).await });
    }
}

/// How reading one line ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    /// A whole line (or the last bytes before EOF) is in the buffer.
    Complete,
    /// EOF with nothing read.
    Eof,
    /// The line grew past the limit; reading stopped there.
    TooLarge,
}

/// Reads one line into `buf`, counting its size as it arrives: past `max` bytes it stops without reading (or
/// keeping) the rest.
pub async fn read_line<R: AsyncBufRead + Unpin>(
    reader: &mut R,
    buf: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<Line> {
    loop {
        let chunk = reader.fill_buf().await?;
        if chunk.is_empty() {
            return Ok(if buf.is_empty() { Line::Eof } else { Line::Complete });
        }
        let (take, done) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        if buf.len() + take > max + 1 {
            return Ok(Line::TooLarge);
        }
        buf.extend_from_slice(&chunk[..take]);
        reader.consume(take);
        if done {
            return Ok(Line::Complete);
        }
    }
}

async fn connection(hub: &Arc<Hub>, guard: &Guard, stream: TcpStream, peer: SocketAddr) {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    let mut line = Vec::new();
    let idle = hub.cfg.control_idle;
    loop {
        line.clear();
        if line.capacity() > CONTROL_BUFFER_KEEP {
            line.shrink_to(CONTROL_BUFFER_KEEP);
        }
        let read = tokio::select! {
            _ = hub.shutdown.cancelled() => return,
            r = tokio::time::timeout(idle, read_line(&mut reader, &mut line, MAX_LINE)) => r,
        };
        match read {
            Err(_) => {
                tracing::debug!("control {peer}: idle for {idle:?}, closing");
                let _ = reply(&mut write, &error("idle for too long, closing")).await;
                return;
            }
            Ok(Err(e)) => {
                tracing::debug!("control {peer}: read error: {e}");
                return;
            }
            Ok(Ok(Line::Eof)) => return,
            Ok(Ok(Line::TooLarge)) => {
                tracing::warn!("control {peer}: message over {MAX_LINE} bytes refused");
                let _ = reply(&mut write, &error(format!("message too large (over {MAX_LINE} bytes)"))).await;
                return;
            }
            Ok(Ok(Line::Complete)) => {}
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        if let Some(answer) = handle(hub, guard, &line, peer).await {
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

/// A control message whose shape was checked.
#[derive(Debug)]
pub enum Message {
    Events(Vec<(Kind, String, Value)>),
    Devices { devices: Vec<Device>, full: bool },
    Push { eq_key: String, message: Value },
    CloseDevice { eq_key: String, reason: String },
    EventsSince { eq_key: String, cursor: Value },
    Status { eq_key: Option<String> },
}

/// Why a control line was refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("invalid JSON: {0}")]
    Json(String),
    #[error("a JSON object is expected")]
    NotAnObject,
    #[error("wrong plugin key")]
    WrongKey,
    #[error("{0}")]
    Shape(String),
}

/// Parses one control line strictly: a JSON object carrying the plugin key, of a known type with the fields that
/// type needs in the right shapes. Returns the message and whether it asks for an acknowledgement.
pub fn parse(line: &[u8], plugin_key: &str) -> Result<(Message, bool), Refused> {
    if let Ok(events) = serde_json::from_slice::<EventsLine>(line) {
        if events.kind == "EVENTS" {
            if !bool::from(events.key.as_bytes().ct_eq(plugin_key.as_bytes())) {
                return Err(Refused::WrongKey);
            }
            let lists = events.events.into_iter().map(|l| (l.kind, l.payload));
            return Ok((Message::Events(collect_items(lists)), events.ack.unwrap_or(false)));
        }
    }
    let mut msg = match serde_json::from_slice::<Value>(line) {
        Ok(Value::Object(o)) => o,
        Ok(_) => return Err(Refused::NotAnObject),
        Err(e) => return Err(Refused::Json(e.to_string())),
    };
    let key_ok = msg
        .remove("jeedomApiKey")
        .as_ref()
        .and_then(Value::as_str)
        .is_some_and(|k| bool::from(k.as_bytes().ct_eq(plugin_key.as_bytes())));
    if !key_ok {
        return Err(Refused::WrongKey);
    }
    let shape = |m: &str| Refused::Shape(m.to_string());
    let ack = match msg.get("ack") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(shape("ack must be true or false")),
    };
    let kind = match msg.get("type") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(shape("type must be a string")),
    };
    let eq_key = match msg.get("eqApiKey") {
        None | Some(Value::Null) => None,
        Some(v) => Some(id_string(v).ok_or_else(|| shape("eqApiKey must be a string"))?),
    };
    let message = match kind.as_str() {
        "EVENTS" => Message::Events(event_items(&mut msg)?),
        "DEVICES" => {
            let list =
                msg.get("devices").and_then(Value::as_array).ok_or_else(|| shape("DEVICES needs a devices list"))?;
            let devices = list
                .iter()
                .map(|d| match d {
                    Value::Object(_) => Device::from_json(d).map_err(|e| Refused::Shape(format!("DEVICES: {e}"))),
                    _ => Err(shape("DEVICES: each device must be an object")),
                })
                .collect::<Result<Vec<_>, _>>()?;
            let full = match msg.get("full") {
                None | Some(Value::Null) => false,
                Some(v @ (Value::Bool(_) | Value::Number(_) | Value::String(_))) => crate::device::flag(Some(v)),
                Some(_) => return Err(shape("DEVICES: full must be true or false")),
            };
            Message::Devices { devices, full }
        }
        "PUSH" => match (eq_key, msg.get("message")) {
            (Some(eq_key), Some(m)) if m.is_object() => Message::Push { eq_key, message: m.clone() },
            _ => return Err(shape("PUSH needs eqApiKey and a message object")),
        },
        "CLOSE_DEVICE" => match eq_key {
            Some(eq_key) => {
                let reason = match msg.get("reason") {
                    None | Some(Value::Null) => "closed by the plugin".to_string(),
                    Some(Value::String(s)) => s.clone(),
                    Some(_) => return Err(shape("CLOSE_DEVICE: reason must be a string")),
                };
                Message::CloseDevice { eq_key, reason }
            }
            None => return Err(shape("CLOSE_DEVICE needs eqApiKey")),
        },
        "EVENTS_SINCE" => match eq_key {
            Some(eq_key) => Message::EventsSince { eq_key, cursor: msg.get("cursor").cloned().unwrap_or_default() },
            None => return Err(shape("EVENTS_SINCE needs eqApiKey")),
        },
        // With `eqApiKey`: that device's line too, found by its full key (the list masks keys).
        "STATUS" => Message::Status { eq_key },
        // The old plugin's sendToDaemon: an app message for one device.
        _ => match eq_key {
            Some(eq_key) => Message::Push { eq_key, message: Value::Object(msg) },
            None => return Err(Refused::Shape(format!("unknown message type '{kind}'"))),
        },
    };
    Ok((message, ack))
}

/// The usual `EVENTS` line, read straight into its parts (the items are the only values built), without first
/// building the whole line as a JSON object. Anything this does not read exactly (another type, a field of
/// another shape, a duplicate field, `eqApiKey`) goes through the strict reading of [`parse`] instead, which
/// accepts and refuses the same lines as before.
#[derive(serde::Deserialize)]
struct EventsLine<'a> {
    #[serde(rename = "jeedomApiKey", borrow)]
    key: std::borrow::Cow<'a, str>,
    #[serde(rename = "type", borrow)]
    kind: std::borrow::Cow<'a, str>,
    #[serde(default)]
    ack: Option<bool>,
    #[serde(rename = "eqApiKey", default, deserialize_with = "refuse_field")]
    _eq_key: (),
    #[serde(borrow)]
    events: Vec<EventList<'a>>,
}

#[derive(serde::Deserialize)]
struct EventList<'a> {
    #[serde(rename = "type", borrow)]
    kind: std::borrow::Cow<'a, str>,
    payload: Vec<Value>,
}

/// A field the quick reading of `EVENTS` leaves to the strict one.
fn refuse_field<'de, D: serde::Deserializer<'de>>(_: D) -> Result<(), D::Error> {
    Err(serde::de::Error::custom("read strictly"))
}

/// The items of an `EVENTS` message, in the order given: `events` a list of `{type, payload: [items]}`.
fn event_items(msg: &mut serde_json::Map<String, Value>) -> Result<Vec<(Kind, String, Value)>, Refused> {
    let lists = match msg.get_mut("events") {
        Some(Value::Array(lists)) => std::mem::take(lists),
        _ => return Err(Refused::Shape(EventsError::NoList.to_string())),
    };
    let mut checked = Vec::with_capacity(lists.len());
    for mut list in lists {
        let t = match list.get_mut("type") {
            Some(Value::String(t)) => std::mem::take(t),
            _ => return Err(Refused::Shape("EVENTS: each list needs a type".into())),
        };
        let payload = match list.get_mut("payload") {
            Some(Value::Array(p)) => std::mem::take(p),
            _ => return Err(Refused::Shape("EVENTS: each list needs a payload list".into())),
        };
        checked.push((std::borrow::Cow::Owned(t), payload));
    }
    Ok(collect_items(checked))
}

/// The items of checked `EVENTS` lists (type, payload), in the order given; unknown lists and items without an
/// id are skipped (and logged).
fn collect_items<'a>(
    lists: impl IntoIterator<Item = (std::borrow::Cow<'a, str>, Vec<Value>)>,
) -> Vec<(Kind, String, Value)> {
    let mut items = Vec::new();
    for (t, payload) in lists {
        let Some(kind) = Kind::from_list_type(&t) else {
            tracing::warn!("control: EVENTS: skipping unknown list type '{}'", escape(&t));
            continue;
        };
        items.reserve(payload.len());
        for item in payload {
            match kind.item_key(&item) {
                Some(key) if item.is_object() => items.push((kind, key, normalize(kind, item))),
                _ => tracing::warn!("control: EVENTS: skipping a {} item without id", escape(&t)),
            }
        }
    }
    items
}

/// Notes a wrong-key message: the first of a burst is logged, the rest counted and summed up once per period.
fn key_failure(guard: &Guard, peer: SocketAddr) {
    let mut state = guard.key_failures.lock().unwrap_or_else(|p| p.into_inner());
    let now = Instant::now();
    match state.as_mut() {
        Some((since, n)) if now.duration_since(*since) < CONTROL_KEY_FAILURE_LOG_EVERY => *n += 1,
        Some((_, n)) => {
            tracing::warn!(
                "control {peer}: message rejected: missing or wrong plugin key ({n} more since the last report)"
            );
            *state = Some((now, 0));
        }
        None => {
            tracing::warn!("control {peer}: message rejected: missing or wrong plugin key");
            *state = Some((now, 0));
        }
    }
}

/// One message; returns the line to answer, if any.
async fn handle(hub: &Arc<Hub>, guard: &Guard, line: &[u8], peer: SocketAddr) -> Option<Value> {
    let (msg, ack) = match parse(line, &hub.cfg.apikey) {
        Ok(m) => m,
        Err(Refused::WrongKey) => {
            key_failure(guard, peer);
            tokio::time::sleep(CONTROL_KEY_FAILURE_DELAY).await;
            return Some(error(Refused::WrongKey.to_string()));
        }
        Err(e) => {
            tracing::warn!("control {peer}: message refused: {}", escape(&e.to_string()));
            return Some(error(e.to_string()));
        }
    };
    let done = |extra: Value| {
        let mut v = json!({"ok": true});
        if let (Some(o), Value::Object(e)) = (v.as_object_mut(), extra) {
            o.extend(e);
        }
        ack.then_some(v)
    };
    match msg {
        Message::Events(items) => match events(hub, items).await {
            Ok(cursor) => done(json!({"cursor": cursor})),
            Err(e) => Some(error(e.to_string())),
        },
        Message::Devices { devices, full } => {
            tracing::debug!("control: {} device record(s){}", devices.len(), if full { " (full set)" } else { "" });
            // Acknowledged once committed: a record that was answered ok survives a crash.
            match hub.apply_devices(devices, full).wait().await {
                Ok(()) => done(json!({})),
                Err(e) => Some(error(e.to_string())),
            }
        }
        Message::Push { eq_key, message } => {
            tracing::debug!("control: {} message for {}", escape(crate::frames::message_type(&message)), mask(&eq_key));
            // Acknowledged once journaled: it stays queued until it is written to the device.
            match hub.push(&eq_key, message).await {
                Ok(()) => done(json!({})),
                Err(e) => Some(error(e.to_string())),
            }
        }
        Message::CloseDevice { eq_key, reason } => {
            hub.close_device(&eq_key, &reason);
            done(json!({}))
        }
        Message::EventsSince { eq_key, cursor } => Some(polling::events_since(hub, &eq_key, &cursor).await),
        Message::Status { eq_key } => {
            let mut status = hub.status();
            if let Some(k) = eq_key {
                status["device"] = hub.device_status(&k);
            }
            Some(status)
        }
    }
}

/// `EVENTS`: journals the items (in the order given), returns the cursor of the last one.
async fn events(hub: &Arc<Hub>, items: Vec<(Kind, String, Value)>) -> Result<f64, EventsError> {
    if items.is_empty() {
        return Ok(cursor_to_secs(hub.journal.head()));
    }
    add(&hub.metrics.events_in, items.len() as u64);
    let batch = hub.journal.append(items).await?;
    Ok(batch.last().map(|i| cursor_to_secs(i.cursor)).unwrap_or_default())
}

/// Ids travel as strings to the app, whatever PHP sent.
fn normalize(kind: Kind, mut item: Value) -> Value {
    let field = if kind == Kind::Object { "object_id" } else { "id" };
    if let Some(slot) = item.get_mut(field) {
        if let Value::Number(n) = slot {
            *slot = Value::String(n.to_string());
        }
    }
    item
}
