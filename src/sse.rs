//! The Server-Sent Events transport of HTTP-mode apps: `GET /sse?apiKey=…`, byte-compatible with the old
//! `eventServer.php` (`protocol.md` §6) but pushed as events happen, with an `id:` per event so that a client
//! reconnecting with `Last-Event-ID` resumes without loss.
//!
//! The stream opens with `SET_INFO` (PHP's `GET_INFO`), then carries one `SET_EVENTS` per batch of events the
//! device may see, and a heartbeat after each idle period. It ends when the device is disabled, switches to
//! WebSocket or polling, or a newer stream opens for it. Opening and closing tell PHP the app is active or in
//! the background (`SET_APPSTATE` with this stream's `sessionId`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use crate::device::Mode;
use crate::frames;
use crate::hub::Hub;
use crate::journal::{cursor_from_value, Item};
use crate::logging::mask;
use crate::metrics::inc;
use crate::polling::{self, Caller};
use crate::session::{new_session_id, Session, Slot, Transport};

const HIST_REFRESH: Duration = Duration::from_secs(300);

/// Starts a stream; the returned receiver yields the response body's chunks.
pub fn open(
    hub: Arc<Hub>,
    api_key: Option<String>,
    last_event_id: Option<String>,
    real_ip: String,
) -> mpsc::Receiver<Bytes> {
    let (tx, rx) = mpsc::channel(16);
    tokio::spawn(async move {
        let mut stream = Stream { hub, tx, hist: json!(chrono::Utc::now().timestamp()), hist_at: Instant::now() };
        stream.run(api_key, last_event_id, real_ip).await;
    });
    rx
}

struct Stream {
    hub: Arc<Hub>,
    tx: mpsc::Sender<Bytes>,
    hist: Value,
    hist_at: Instant,
}

impl Stream {
    async fn send(&self, json: &str, cursor: Option<i64>) -> Result<(), ()> {
        self.tx.send(Bytes::from(frames::sse_event(json, cursor))).await.map_err(|_| ())?;
        self.hub.count_frames(1);
        Ok(())
    }

    async fn run(&mut self, api_key: Option<String>, last_event_id: Option<String>, real_ip: String) {
        let sid = new_session_id();
        let caller = Caller { from: "SSE", session_id: Some(&sid), real_ip: &real_ip };
        let not_found = crate::relay::exception("Error with 'SSE' method Can't find eqLogic").to_string();
        let Some(key) = api_key.filter(|k| !k.is_empty()) else {
            let _ = self.send(&not_found, None).await;
            return;
        };
        let head_at_open = self.hub.journal.head();
        let state = polling::relay(&self.hub, &appstate(&key, "active", &sid), Some(&key), &caller).await;
        let Some(device) = self.hub.device(&key) else {
            let _ = self.send(&not_found, None).await;
            return;
        };
        if !device.enabled || frames::is_closing(&state) {
            let _ = self.send(&json!({"type": "EQUIPMENT_DISABLE"}).to_string(), None).await;
            return;
        }
        if device.mode() != Mode::Http {
            tracing::info!("sse: device {} is in {} mode, not opening a stream", mask(&key), device.mode().name());
            return;
        }
        let session = Session::new(sid.clone(), key.clone(), Transport::Sse, real_ip.clone(), self.hub.cfg.queue_limit);
        self.hub.register(session.clone());
        tracing::info!("sse {sid}: device {} streaming to {real_ip}", mask(&key));
        let resume = last_event_id.and_then(|id| cursor_from_value(&Value::String(id)));
        let _ = self.serve(&session, &key, resume, head_at_open, &caller).await;
        self.hub.unregister(&session);
        tracing::debug!("sse {sid}: closed");
        if !self.hub.shutdown.is_cancelled() {
            polling::relay(&self.hub, &appstate(&key, "background", &sid), Some(&key), &caller).await;
        }
    }

    async fn serve(
        &mut self,
        session: &Arc<Session>,
        key: &str,
        resume: Option<i64>,
        head_at_open: i64,
        caller: &Caller<'_>,
    ) -> Result<(), ()> {
        let mut after = match resume {
            Some(c) if !self.overflows(key, c).await => {
                inc(&self.hub.metrics.resumes);
                c
            }
            _ => {
                match polling::get_info(&self.hub, key, caller).await {
                    Ok(info) => self.send(&json!({"type": "SET_INFO", "payload": info}).to_string(), None).await?,
                    Err(exception) => self.send(&exception.to_string(), None).await?,
                }
                head_at_open
            }
        };
        // Catch up from the resume point (or from before SET_INFO was built) to now.
        loop {
            let Some(device) = self.hub.device(key) else {
                return Ok(());
            };
            let since = self.hub.journal.since(after, Some(device), polling::MAX_ITEMS).await.map_err(|_| ())?;
            self.send_items(session, &since.items).await?;
            session.mark_sent(since.cursor);
            if since.items.is_empty() || since.cursor <= after {
                break;
            }
            after = since.cursor;
        }
        let heartbeat = self.hub.cfg.sse_heartbeat;
        let mut idle = tokio::time::Instant::now() + heartbeat;
        loop {
            tokio::select! {
                biased;
                _ = self.hub.shutdown.cancelled() => return Ok(()),
                _ = self.tx.closed() => return Ok(()),
                _ = session.outbox.ready() => {
                    let taken = session.outbox.take();
                    let mut items = Vec::new();
                    for slot in taken.slots {
                        match slot {
                            Slot::Item(i) => items.push(i),
                            Slot::Message(m) => {
                                self.send_items(session, &std::mem::take(&mut items)).await?;
                                self.send(&m, None).await?;
                            }
                            Slot::Gone => {}
                        }
                    }
                    self.send_items(session, &items).await?;
                    if taken.close.is_some() {
                        return Ok(());
                    }
                    idle = tokio::time::Instant::now() + heartbeat;
                }
                _ = tokio::time::sleep_until(idle) => {
                    self.send(r#"{"event":"heartbeat"}"#, None).await?;
                    idle = tokio::time::Instant::now() + heartbeat;
                }
            }
        }
    }

    async fn overflows(&self, key: &str, cursor: i64) -> bool {
        let device = self.hub.device(key);
        let overflow = self.hub.journal.since(cursor, device, 0).await.map(|s| s.overflow).unwrap_or(true);
        if overflow {
            inc(&self.hub.metrics.overflows);
        }
        overflow
    }

    /// One `SET_EVENTS` with the events this client has not had yet, its `id:` the newest cursor.
    async fn send_items(&mut self, session: &Session, items: &[Item]) -> Result<(), ()> {
        let sent = session.sent();
        let fresh: Vec<Item> = items.iter().filter(|i| i.cursor > sent).cloned().collect();
        let Some(last) = fresh.last().map(|i| i.cursor) else {
            return Ok(());
        };
        if self.hist_at.elapsed() >= HIST_REFRESH {
            self.hist = json!(chrono::Utc::now().timestamp());
            self.hist_at = Instant::now();
        }
        self.send(&frames::set_events(last, &self.hist, &fresh), Some(last)).await?;
        self.hub.metrics.observe_delivery(last);
        session.mark_sent(last);
        Ok(())
    }
}

fn appstate(key: &str, state: &str, sid: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": uuid::Uuid::new_v4().to_string(), "method": "SET_APPSTATE",
           "params": {"apiKey": key, "state": state, "sessionId": sid}})
}
