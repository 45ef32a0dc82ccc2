//! The Server-Sent Events transport of HTTP-mode apps: `GET /sse?apiKey=…`, byte-compatible with the old
//! `eventServer.php` (docs/protocol.md, "SSE") but pushed as events happen, with an `id:` per event so that a client
//! reconnecting with `Last-Event-ID` resumes without loss.
//!
//! The stream opens with `SET_INFO` (PHP's `GET_INFO`), then carries one `SET_EVENTS` per batch of events the
//! device may see, and a heartbeat after each idle period. It ends when the device is disabled, switches to
//! WebSocket or polling, or a newer stream opens for it. Opening and closing tell PHP the app is active or in
//! the background (`SET_APPSTATE` with this stream's `sessionId`). What to send is decided by `delivery`; this
//! module only frames (`frames::sse_event`) and writes.

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use crate::delivery::{Delivery, Frames, WriteError};
use crate::device::Mode;
use crate::frames;
use crate::hub::Hub;
use crate::journal::{cursor_from_value, Item};
use crate::limits::HIST_REFRESH;
use crate::logging::mask;
use crate::metrics::inc;
use crate::polling;
use crate::relay::{exception, forward, Caller};
use crate::session::{new_session_id, Session, SharedItems, Transport};

/// Starts a stream; the returned receiver yields the response body's chunks.
pub fn open(
    hub: Arc<Hub>,
    api_key: Option<String>,
    last_event_id: Option<String>,
    real_ip: String,
) -> mpsc::Receiver<Bytes> {
    let (tx, rx) = mpsc::channel(16);
    tokio::spawn(async move {
        let mut out =
            Out { hub: hub.clone(), tx, hist: json!(chrono::Utc::now().timestamp()), hist_at: Instant::now() };
        run(&hub, &mut out, api_key, last_event_id, real_ip).await;
    });
    rx
}

/// The writing side of a stream: frames and writes, nothing else.
struct Out {
    hub: Arc<Hub>,
    tx: mpsc::Sender<Bytes>,
    /// The `lastHistoricReadTimestamp` sent with `SET_EVENTS`, refreshed every [`HIST_REFRESH`].
    hist: Value,
    hist_at: Instant,
}

impl Out {
    async fn send(&self, json: &str, cursor: Option<i64>) -> Result<(), WriteError> {
        self.send_bytes(Bytes::from(frames::sse_event(json, cursor))).await
    }

    async fn send_bytes(&self, bytes: Bytes) -> Result<(), WriteError> {
        self.tx.send(bytes).await.map_err(|_| WriteError::Gone)?;
        self.hub.count_frames(1);
        Ok(())
    }

    fn refresh_hist(&mut self) {
        if self.hist_at.elapsed() >= HIST_REFRESH {
            self.hist = json!(chrono::Utc::now().timestamp());
            self.hist_at = Instant::now();
        }
    }
}

impl Frames for Out {
    /// One `SET_EVENTS`, its `id:` the newest cursor.
    async fn events(&mut self, items: &[Item]) -> Result<(), WriteError> {
        let Some(last) = items.last().map(|i| i.cursor) else {
            return Ok(());
        };
        self.refresh_hist();
        self.send(&frames::set_events(last, &self.hist, items), Some(last)).await
    }

    async fn shared(&mut self, shared: &SharedItems) -> Result<(), WriteError> {
        self.refresh_hist();
        let bytes = shared.sse_event(&self.hist, |items| {
            let last = items.last().map_or(0, |i| i.cursor);
            frames::sse_event(&frames::set_events(last, &self.hist, items), Some(last))
        });
        self.send_bytes(bytes).await
    }

    async fn message(&mut self, json: &str) -> Result<(), WriteError> {
        self.send(json, None).await
    }
}

async fn run(hub: &Arc<Hub>, out: &mut Out, api_key: Option<String>, last_event_id: Option<String>, real_ip: String) {
    let sid = new_session_id();
    let caller = Caller { from: "SSE", session_id: Some(&sid), real_ip: &real_ip };
    let not_found = exception("Error with 'SSE' method Can't find eqLogic").to_string();
    let Some(key) = api_key.filter(|k| !k.is_empty()) else {
        let _ = out.send(&not_found, None).await;
        return;
    };
    // A stranger costs PHP nothing: an unknown key is answered here (`gate`).
    if let Err(why) = hub.gate.admit(hub.knows(&key), &key, &real_ip) {
        tracing::debug!("sse: stream from {real_ip} refused by the daemon ({why:?})");
        let _ = out.send(&not_found, None).await;
        return;
    }
    let head_at_open = hub.journal.head();
    let state = forward(&**hub, &appstate(&key, "active", &sid), Some(&key), &caller).await;
    let Some(device) = hub.device(&key) else {
        hub.gate.failed(&real_ip);
        let _ = out.send(&not_found, None).await;
        return;
    };
    if !device.enabled || frames::is_closing(&state) {
        let _ = out.send(&json!({"type": "EQUIPMENT_DISABLE"}).to_string(), None).await;
        return;
    }
    if device.mode() != Mode::Http {
        tracing::info!("sse: device {} is in {} mode, not opening a stream", mask(&key), device.mode().name());
        return;
    }
    let session = Session::new(sid.clone(), key.clone(), Transport::Sse, real_ip.clone(), hub.cfg.queue_limit);
    hub.register(session.clone());
    tracing::info!("sse {sid}: device {} streaming to {real_ip}", mask(&key));
    let resume = last_event_id.and_then(|id| cursor_from_value(&Value::String(id)));
    let mut delivery = Delivery::new(hub.clone(), session.clone());
    if let Err(e) = serve(hub, out, &mut delivery, resume, head_at_open, &caller).await {
        tracing::debug!("sse {sid}: {e}");
    }
    hub.unregister(&session);
    tracing::debug!("sse {sid}: closed");
    if !hub.shutdown.is_cancelled() {
        forward(&**hub, &appstate(&key, "background", &sid), Some(&key), &caller).await;
    }
}

/// `SET_INFO` unless the client resumes from a cursor the journal still covers, the catch-up, then the outbox
/// and heartbeats until the stream must end.
async fn serve(
    hub: &Hub,
    out: &mut Out,
    delivery: &mut Delivery,
    resume: Option<i64>,
    head_at_open: i64,
    caller: &Caller<'_>,
) -> Result<(), WriteError> {
    let key = delivery.session.api_key.clone();
    let after = match resume {
        Some(c) if !overflows(hub, &key, c).await => {
            inc(&hub.metrics.resumes);
            c
        }
        _ => {
            match polling::get_info(hub, &key, caller).await {
                Ok(info) => out.message(&json!({"type": "SET_INFO", "payload": info}).to_string()).await?,
                Err(exception) => out.message(&exception.to_string()).await?,
            }
            head_at_open
        }
    };
    delivery.catch_up(out, after, head_at_open).await?;
    let session = delivery.session.clone();
    let heartbeat = hub.cfg.sse_heartbeat;
    // One timer per stream, moved only when it fires: a write just notes the time, so events cost no timer work.
    let mut last_write = tokio::time::Instant::now();
    let idle = tokio::time::sleep_until(last_write + heartbeat);
    tokio::pin!(idle);
    let stop = hub.shutdown.child_token();
    let stopping = stop.cancelled();
    tokio::pin!(stopping);
    loop {
        tokio::select! {
            biased;
            _ = &mut stopping => return Ok(()),
            _ = out.tx.closed() => return Ok(()),
            _ = session.outbox.ready() => {
                if delivery.drain(out).await?.is_some() {
                    return Ok(());
                }
                last_write = tokio::time::Instant::now();
            }
            _ = &mut idle => {
                let now = tokio::time::Instant::now();
                if now >= last_write + heartbeat {
                    out.message(r#"{"event":"heartbeat"}"#).await?;
                    last_write = now;
                }
                idle.as_mut().reset(last_write + heartbeat);
            }
        }
    }
}

/// Whether `cursor` is older than what the journal keeps for this device.
async fn overflows(hub: &Hub, key: &str, cursor: i64) -> bool {
    let device = hub.device(key);
    let overflow = hub.journal.since(cursor, device, 0).await.map(|s| s.overflow).unwrap_or(true);
    if overflow {
        inc(&hub.metrics.overflows);
    }
    overflow
}

fn appstate(key: &str, state: &str, sid: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": uuid::Uuid::new_v4().to_string(), "method": "SET_APPSTATE",
           "params": {"apiKey": key, "state": state, "sessionId": sid}})
}
