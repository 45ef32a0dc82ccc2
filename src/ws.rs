//! The WebSocket transport: one task per app connection (`protocol.md` §5, with the fixes of §9.2).
//!
//! The task reads the app's requests and relays them to PHP one at a time, in order; writes the answers in the
//! WebSocket shape; once `CONNECT` is answered by `WELCOME` it registers the device with the hub, sends what the
//! device missed since its last connection, then whatever the hub drops in its outbox. It pings the app, closes it
//! when it misses two pongs, and tells PHP (`DISCONNECT` with this connection's `sessionId`) when it goes away.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_tungstenite::tungstenite::error::{CapacityError, Error as WsError};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use crate::config::Config;
use crate::frames;
use crate::hub::Hub;
use crate::journal::Item;
use crate::logging::mask;
use crate::metrics::inc;
use crate::polling::{self, Caller};
use crate::relay::method_exception;
use crate::session::{close_codes, new_session_id, Session, Slot, Transport};

/// Requests read ahead of the one being relayed; past this the task stops reading (TCP back-pressure).
const MAX_PENDING_REQUESTS: usize = 16;
/// Events read from the journal per step when catching a device up.
const REPLAY_CHUNK: usize = 500;

/// Small buffers: an idle connection should cost a few KiB (tungstenite's defaults are 128 KiB).
pub fn ws_config(cfg: &Config) -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0)
        .max_write_buffer_size(64 << 20)
        .max_message_size(Some(cfg.max_message))
        .max_frame_size(Some(cfg.max_message))
}

type Sink<S> = SplitSink<WebSocketStream<S>, Message>;
type Pending = Pin<Box<dyn Future<Output = (Value, Value, Option<i64>)> + Send>>;

struct Conn<S> {
    hub: Arc<Hub>,
    sink: Sink<S>,
    id: String,
    real_ip: String,
    api_key: Option<String>,
    session: Option<Arc<Session>>,
    saved_at: Instant,
    write_timeout: Duration,
}

/// Why the loop ended: a close frame to send, or nothing (the peer is gone).
type End = Option<(u16, String)>;

pub async fn serve<S>(hub: Arc<Hub>, ws: WebSocketStream<S>, real_ip: String)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (sink, mut stream) = ws.split();
    let cfg = hub.cfg.clone();
    let mut conn = Conn {
        hub: hub.clone(),
        sink,
        id: new_session_id(),
        real_ip,
        api_key: None,
        session: None,
        saved_at: Instant::now(),
        write_timeout: (cfg.ping_interval * 2).max(Duration::from_secs(10)),
    };
    tracing::debug!("ws {}: open from {}", conn.id, conn.real_ip);
    let mut requests: VecDeque<Value> = VecDeque::new();
    let mut in_flight: Option<Pending> = None;
    let mut connect_sent = false;
    let auth_deadline = tokio::time::sleep(cfg.auth_timeout);
    tokio::pin!(auth_deadline);
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + cfg.ping_interval, cfg.ping_interval);
    let mut missed_pongs = 0u32;

    let end: End = loop {
        if in_flight.is_none() {
            if let Some(req) = requests.pop_front() {
                if method_of(&req) == "CONNECT" {
                    conn.api_key = req.pointer("/params/apiKey").and_then(Value::as_str).map(String::from);
                    connect_sent = conn.api_key.is_some();
                }
                in_flight = Some(Box::pin(handle(
                    hub.clone(),
                    req,
                    conn.api_key.clone(),
                    conn.id.clone(),
                    conn.real_ip.clone(),
                )));
            }
        }
        let outbox = conn.session.clone();
        // Not biased: neither a flood of events nor a flood of requests may starve the other.
        tokio::select! {
            _ = hub.shutdown.cancelled() => break Some((close_codes::GOING_AWAY, "daemon stopping".into())),
            _ = async { match &outbox { Some(s) => s.outbox.ready().await, None => std::future::pending().await } } => {
                match conn.flush_outbox().await {
                    Ok(None) => {}
                    Ok(Some(close)) => break Some(close),
                    Err(_) => break conn.abort_close(),
                }
            }
            (request, result, head) = async { in_flight.as_mut().expect("guarded").await }, if in_flight.is_some() => {
                in_flight = None;
                match conn.answer(&request, result, head).await {
                    Ok(None) => {}
                    Ok(Some(close)) => break Some(close),
                    Err(_) => break conn.abort_close(),
                }
            }
            msg = stream.next(), if requests.len() < MAX_PENDING_REQUESTS => {
                missed_pongs = 0;
                let problem = match msg {
                    None | Some(Ok(Message::Close(_))) => break None,
                    Some(Err(WsError::Capacity(CapacityError::MessageTooLong { size, max_size }))) => {
                        tracing::warn!("ws {}: message of {size} bytes over the {max_size} limit", conn.id);
                        break Some((close_codes::TOO_BIG, format!("message over {max_size} bytes")));
                    }
                    Some(Err(e)) => {
                        tracing::debug!("ws {}: read error: {e}", conn.id);
                        break None;
                    }
                    Some(Ok(Message::Text(text))) => match serde_json::from_str::<Value>(text.as_str()) {
                        Err(e) => Some(format!("invalid JSON: {e}")),
                        Ok(req) if method_of(&req).is_empty() => Some("a request needs a method".to_string()),
                        Ok(req) => {
                            requests.push_back(req);
                            None
                        }
                    },
                    Some(Ok(Message::Binary(_))) => Some("binary frames are not supported, send JSON text".into()),
                    Some(Ok(_)) => None,
                };
                if let Some(problem) = problem {
                    tracing::warn!("ws {}: bad message from {}: {problem}", conn.id, conn.real_ip);
                    let frame = frames::ws_answer(&method_exception("WS", "WS", &problem), &Value::Null,
                                                  conn.api_key.as_deref());
                    if conn.write(frame).await.is_err() {
                        break None;
                    }
                }
            }
            _ = &mut auth_deadline, if conn.session.is_none() => {
                tracing::info!("ws {}: no CONNECT within {:?}, closing", conn.id, cfg.auth_timeout);
                break Some((close_codes::AUTH_TIMEOUT, "CONNECT expected".into()));
            }
            _ = ping.tick() => {
                if missed_pongs >= 2 {
                    tracing::info!("ws {}: two pings unanswered, closing", conn.id);
                    break Some((close_codes::PING_TIMEOUT, "ping timeout".into()));
                }
                missed_pongs += 1;
                if conn.send_all(vec![Message::Ping(Default::default())]).await.is_err() {
                    break None;
                }
            }
        }
    };

    // Leave first (PHP hears DISCONNECT now), then say goodbye: the close frame may wait behind a full socket.
    conn.leave(connect_sent);
    if let Some((code, reason)) = end {
        let frame = CloseFrame { code: CloseCode::from(code), reason: reason.into() };
        conn.session = None;
        let _ = conn.send_all(vec![Message::Close(Some(frame))]).await;
    }
    let _ = tokio::time::timeout(Duration::from_millis(200), conn.sink.close()).await;
    tracing::debug!("ws {}: closed", conn.id);
}

fn method_of(req: &Value) -> &str {
    req.get("method").and_then(Value::as_str).unwrap_or("")
}

/// Serves one request: `GET_EVENTS` from the journal when the daemon knows the device, anything else by PHP.
/// Returns the request, its result, and (for `CONNECT`) the journal head before PHP built its snapshot.
async fn handle(
    hub: Arc<Hub>,
    request: Value,
    api_key: Option<String>,
    session_id: String,
    real_ip: String,
) -> (Value, Value, Option<i64>) {
    let caller = Caller { from: "WS", session_id: Some(&session_id), real_ip: &real_ip };
    let method = method_of(&request).to_string();
    let key = request.pointer("/params/apiKey").and_then(Value::as_str).map(String::from).or(api_key);
    let mut head = None;
    let result = match (method.as_str(), &key) {
        ("GET_EVENTS", Some(k)) if hub.device(k).is_some() => polling::get_events(&hub, k, &request, &caller).await,
        _ => {
            if method == "CONNECT" {
                head = Some(hub.journal.head());
            }
            polling::relay(&hub, &request, key.as_deref(), &caller).await
        }
    };
    (request, result, head)
}

impl<S> Conn<S>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    async fn send_all(&mut self, msgs: Vec<Message>) -> Result<(), ()> {
        if msgs.is_empty() {
            return Ok(());
        }
        let n = msgs.len();
        let session = self.session.clone();
        let sink = &mut self.sink;
        let write = async move {
            for m in msgs {
                sink.feed(m).await?;
            }
            sink.flush().await
        };
        let aborted = async {
            match &session {
                Some(s) => s.outbox.aborted().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            written = tokio::time::timeout(self.write_timeout, write) => match written {
                Ok(Ok(())) => {
                    self.hub.count_frames(n);
                    Ok(())
                }
                Ok(Err(e)) => {
                    tracing::debug!("ws {}: write error: {e}", self.id);
                    Err(())
                }
                Err(_) => {
                    tracing::info!("ws {}: client not reading for {:?}, dropping it", self.id, self.write_timeout);
                    Err(())
                }
            },
            // Too slow or replaced: stop waiting on a full socket.
            _ = aborted => Err(()),
        }
    }

    /// The close the hub asked for without waiting for the queue (too slow, replaced), if any.
    fn abort_close(&self) -> End {
        let close = self.session.as_ref()?.outbox.close_requested()?;
        (!close.flush_first).then_some((close.code, close.reason))
    }

    async fn write(&mut self, frames: Vec<String>) -> Result<(), ()> {
        self.send_all(frames.into_iter().map(Message::text).collect()).await
    }

    /// Writes events, skipping what this client already got, and remembers how far it got.
    async fn write_items(&mut self, items: &[Item]) -> Result<(), ()> {
        let Some(session) = self.session.clone() else {
            return Ok(());
        };
        let sent = session.sent();
        let fresh: Vec<Item> = items.iter().filter(|i| i.cursor > sent).cloned().collect();
        let Some(last) = fresh.last().map(|i| i.cursor) else {
            return Ok(());
        };
        self.write(frames::ws_event_frames(&fresh)).await?;
        self.hub.metrics.observe_delivery(last);
        session.mark_sent(last);
        if self.saved_at.elapsed() >= Duration::from_secs(1) {
            self.saved_at = Instant::now();
            self.hub.save_resume_cursor(&session.api_key, session.sent());
        }
        Ok(())
    }

    /// Writes what the hub queued; returns the close to send if the hub asked for one.
    async fn flush_outbox(&mut self) -> Result<End, ()> {
        let Some(session) = self.session.clone() else {
            return Ok(None);
        };
        let taken = session.outbox.take();
        let mut items: Vec<Item> = Vec::new();
        for slot in taken.slots {
            match slot {
                Slot::Item(i) => items.push(i),
                Slot::Message(m) => {
                    self.write_items(&std::mem::take(&mut items)).await?;
                    self.write(vec![m.to_string()]).await?;
                }
                Slot::Gone => {}
            }
        }
        self.write_items(&items).await?;
        Ok(taken.close.map(|c| (c.code, c.reason)))
    }

    /// Writes the answer to one request and acts on it (authentication, closing error types).
    async fn answer(&mut self, request: &Value, result: Value, head: Option<i64>) -> Result<End, ()> {
        let id = request.get("id").cloned().unwrap_or(Value::Null);
        let welcomed = method_of(request) == "CONNECT" && frames::message_type(&result) == "WELCOME";
        if welcomed && self.session.is_none() {
            if let Some(key) = self.api_key.clone() {
                let session = Session::new(
                    self.id.clone(),
                    key.clone(),
                    Transport::WebSocket,
                    self.real_ip.clone(),
                    self.hub.cfg.queue_limit,
                );
                self.hub.register(session.clone());
                self.session = Some(session);
                tracing::info!("ws {}: device {} connected from {}", self.id, mask(&key), self.real_ip);
                self.write(frames::ws_answer(&result, &id, Some(&key))).await?;
                self.catch_up(head.unwrap_or(0)).await?;
                return Ok(None);
            }
        }
        self.write(frames::ws_answer(&result, &id, self.api_key.as_deref())).await?;
        if frames::is_closing(&result) {
            return Ok(Some((close_codes::NORMAL, String::new())));
        }
        Ok(None)
    }

    /// After `WELCOME`: the events the device missed since its last connection (or since PHP built the snapshot),
    /// then the pushes queued while it was away.
    async fn catch_up(&mut self, head_at_connect: i64) -> Result<(), ()> {
        let Some(session) = self.session.clone() else {
            return Ok(());
        };
        let key = session.api_key.clone();
        let mut after = match self.hub.resume_cursor(&key) {
            Some(c) if c > 0 => c,
            _ => head_at_connect,
        };
        let mut replayed = 0usize;
        while let Some(device) = self.hub.device(&key) {
            let since = match self.hub.journal.since(after, Some(device), REPLAY_CHUNK).await {
                Ok(s) => s,
                Err(e) => {
                    tracing::error!("ws {}: resume failed: {e}", self.id);
                    break;
                }
            };
            if since.overflow {
                // Older than the journal keeps: the WELCOME snapshot stands in for what was dropped.
                if after == head_at_connect {
                    break;
                }
                inc(&self.hub.metrics.overflows);
                after = head_at_connect;
                continue;
            }
            replayed += since.items.len();
            self.write_items(&since.items).await?;
            session.mark_sent(since.cursor);
            if since.items.is_empty() || since.cursor <= after {
                break;
            }
            after = since.cursor;
        }
        if replayed > 0 {
            inc(&self.hub.metrics.resumes);
            tracing::info!("ws {}: resumed device {} with {replayed} missed event(s)", self.id, mask(&key));
        }
        for message in self.hub.journal.take_pushes(&key).await {
            self.write(vec![frames::pushed_message(&message, &key).to_string()]).await?;
        }
        Ok(())
    }

    /// Unregisters, saves the resume point and tells PHP the device left.
    fn leave(&mut self, connect_sent: bool) {
        if let Some(session) = &self.session {
            self.hub.unregister(session);
            self.hub.save_resume_cursor(&session.api_key, session.sent());
        }
        if !connect_sent || self.hub.shutdown.is_cancelled() {
            return;
        }
        let Some(key) = self.api_key.clone() else { return };
        let hub = self.hub.clone();
        let (id, ip) = (self.id.clone(), self.real_ip.clone());
        tokio::spawn(async move {
            let req = json!({"jsonrpc": "2.0", "id": uuid::Uuid::new_v4().to_string(), "method": "DISCONNECT",
                             "params": {"apiKey": key}});
            let caller = Caller { from: "WS", session_id: Some(&id), real_ip: &ip };
            polling::relay(&hub, &req, Some(&key), &caller).await;
        });
    }
}
