//! The WebSocket transport: one task per app connection (docs/protocol.md, "WebSocket").
//!
//! The task reads the app's requests and relays them to PHP one at a time, in order; writes the answers in the
//! WebSocket shape; once `CONNECT` is answered by `WELCOME` it registers the device with the hub, sends what the
//! device missed since its last connection, then whatever the hub drops in its outbox. It pings the app, closes it
//! when it misses two pongs, and tells PHP (`DISCONNECT` with this connection's `sessionId`) when it goes away.
//! What to send after `WELCOME` and from the outbox is decided by `delivery`; this module only frames and writes.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use futures_util::stream::SplitSink;
use futures_util::task::AtomicWaker;
use futures_util::{SinkExt, Stream, StreamExt};
use serde_json::{json, Value};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_tungstenite::tungstenite::error::{CapacityError, Error as WsError};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use crate::config::Config;
use crate::delivery::{Delivery, Frames, WriteError};
use crate::frames;
use crate::hub::Hub;
use crate::journal::Item;
use crate::limits::{close_codes, MAX_PENDING_REQUESTS, MIN_WRITE_TIMEOUT, READ_BUFFER, WS_CLOSE_WAIT};
use crate::logging::{escape, mask};
use crate::metrics::inc;
use crate::polling;
use crate::relay::{forward, method_exception, Caller};
use crate::session::{new_session_id, Session, SharedItems, Transport};

/// Small buffers: an idle connection should cost a few KiB (tungstenite's defaults are 128 KiB).
pub fn ws_config(cfg: &Config) -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(0)
        .max_write_buffer_size(64 << 20)
        .max_message_size(Some(cfg.max_message))
        .max_frame_size(Some(cfg.max_message))
}

type Sink<S> = SplitSink<WebSocketStream<S>, Message>;
type Pending = Pin<Box<dyn Future<Output = (Value, Value, Option<i64>)> + Send>>;

/// The writing half of a connection: frames and writes, nothing else.
struct Out<S> {
    hub: Arc<Hub>,
    sink: Sink<S>,
    id: String,
    /// Set once authenticated: its outbox can abort a write stuck on a full socket.
    session: Option<Arc<Session>>,
    write_timeout: Duration,
}

struct Conn<S> {
    hub: Arc<Hub>,
    out: Out<S>,
    id: String,
    real_ip: String,
    api_key: Option<String>,
    delivery: Option<Delivery>,
}

/// Why the loop ended: a close frame to send, or nothing (the peer is gone).
type End = Option<(u16, String)>;

pub async fn serve<S>(hub: Arc<Hub>, ws: WebSocketStream<S>, real_ip: String)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (sink, mut stream) = ws.split();
    let mut gate = ReadGate::new();
    let cfg = hub.cfg.clone();
    let id = new_session_id();
    let out = Out {
        hub: hub.clone(),
        sink,
        id: id.clone(),
        session: None,
        write_timeout: (cfg.ping_interval * 2).max(MIN_WRITE_TIMEOUT),
    };
    let mut conn = Conn { hub: hub.clone(), out, id, real_ip, api_key: None, delivery: None };
    tracing::debug!("ws {}: open from {}", conn.id, conn.real_ip);
    let mut requests: VecDeque<Value> = VecDeque::new();
    let mut in_flight: Option<Pending> = None;
    let mut connect_sent = false;
    let auth_deadline = tokio::time::sleep(cfg.auth_timeout);
    tokio::pin!(auth_deadline);
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + cfg.ping_interval, cfg.ping_interval);
    let mut missed_pongs = 0u32;
    // Its own token and one waiter for the whole connection: the daemon-wide token is not locked per wake-up.
    let stop = hub.shutdown.child_token();
    let stopping = stop.cancelled();
    tokio::pin!(stopping);

    let end: End = loop {
        if in_flight.is_none() {
            if let Some(req) = requests.pop_front() {
                if method_of(&req) == "CONNECT" {
                    // One identity per socket: the key of the first CONNECT stays; a CONNECT without a key means
                    // that one again, with another key it is refused (without asking PHP) and the socket stays A's.
                    let key = req.pointer("/params/apiKey").and_then(Value::as_str).map(String::from);
                    let key = key.or_else(|| conn.api_key.clone());
                    if conn.api_key.is_some() && key != conn.api_key {
                        tracing::warn!(
                            "ws {}: CONNECT with another device's key refused (one device per connection)",
                            conn.id
                        );
                        let refused = method_exception(
                            "CONNECT",
                            "WS",
                            "this connection is already used by another device; open a new connection",
                        );
                        in_flight = Some(Box::pin(std::future::ready((req, refused, None))));
                        continue;
                    }
                    conn.api_key = key;
                    connect_sent = conn.api_key.is_some();
                    // A stranger costs PHP nothing: an unknown key is answered here (`gate`).
                    let key = conn.api_key.as_deref().unwrap_or("");
                    if let Err(why) = hub.gate.admit(hub.knows(key), key, &conn.real_ip) {
                        tracing::debug!(
                            "ws {}: CONNECT from {} answered BAD_DEVICE by the daemon ({why:?})",
                            conn.id,
                            conn.real_ip
                        );
                        connect_sent = false;
                        in_flight = Some(Box::pin(std::future::ready((req, json!({"type": "BAD_DEVICE"}), None))));
                        continue;
                    }
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
        let outbox = conn.out.session.clone();
        // Not biased: neither a flood of events nor a flood of requests may starve the other.
        tokio::select! {
            _ = &mut stopping => break Some((close_codes::GOING_AWAY, "daemon stopping".into())),
            _ = async { match &outbox { Some(s) => s.outbox.ready().await, None => std::future::pending().await } } => {
                let Some(delivery) = conn.delivery.as_mut() else { continue };
                match delivery.drain(&mut conn.out).await {
                    Ok(None) => {}
                    Ok(Some(close)) => break Some((close.code, close.reason)),
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
            msg = gate.next(&mut stream), if requests.len() < MAX_PENDING_REQUESTS => {
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
                    Some(Ok(Message::Text(text))) => match frames::parse_request(text.as_str()) {
                        Err(problem) => Some(problem),
                        Ok(req) => {
                            requests.push_back(req);
                            None
                        }
                    },
                    Some(Ok(Message::Binary(_))) => Some("binary frames are not supported, send JSON text".into()),
                    Some(Ok(_)) => None,
                };
                if let Some(problem) = problem {
                    tracing::warn!("ws {}: bad message from {}: {}", conn.id, conn.real_ip, escape(&problem));
                    let frame = frames::ws_answer(&method_exception("WS", "WS", &problem), &Value::Null,
                                                  conn.api_key.as_deref());
                    if conn.out.write(frame).await.is_err() {
                        break None;
                    }
                }
            }
            _ = &mut auth_deadline, if conn.delivery.is_none() => {
                tracing::info!("ws {}: no CONNECT within {:?}, closing", conn.id, cfg.auth_timeout);
                break Some((close_codes::AUTH_TIMEOUT, "CONNECT expected".into()));
            }
            _ = ping.tick() => {
                if missed_pongs >= 2 {
                    tracing::info!("ws {}: two pings unanswered, closing", conn.id);
                    break Some((close_codes::PING_TIMEOUT, "ping timeout".into()));
                }
                missed_pongs += 1;
                if conn.out.send_all(vec![Message::Ping(Default::default())]).await.is_err() {
                    break None;
                }
            }
        }
    };

    // Leave first (PHP hears DISCONNECT now), then say goodbye: the close frame may wait behind a full socket.
    conn.leave(connect_sent);
    if let Some((code, reason)) = end {
        let frame = CloseFrame { code: CloseCode::from(code), reason: reason.into() };
        conn.out.session = None;
        let _ = conn.out.send_all(vec![Message::Close(Some(frame))]).await;
    }
    let _ = tokio::time::timeout(WS_CLOSE_WAIT, conn.out.sink.close()).await;
    tracing::debug!("ws {}: closed", conn.id);
}

/// Reads the next message only when the socket said it may have one. The connection's loop wakes for every
/// outbox drain, and each wake-up would otherwise attempt a read, which costs tungstenite a zero-filled read
/// buffer and a system call; with the gate, a write wakes the read side only when its own waker fired.
struct ReadGate {
    state: Arc<GateState>,
    waker: Waker,
}

struct GateState {
    woken: AtomicBool,
    task: AtomicWaker,
}

impl Wake for GateState {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref()
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.task.wake();
    }
}

impl ReadGate {
    fn new() -> ReadGate {
        let state = Arc::new(GateState { woken: AtomicBool::new(true), task: AtomicWaker::new() });
        ReadGate { waker: Waker::from(state.clone()), state }
    }

    async fn next<St: Stream + Unpin>(&mut self, stream: &mut St) -> Option<St::Item> {
        std::future::poll_fn(|cx| {
            self.state.task.register(cx.waker());
            if !self.state.woken.swap(false, Ordering::AcqRel) {
                return Poll::Pending;
            }
            match stream.poll_next_unpin(&mut Context::from_waker(&self.waker)) {
                Poll::Ready(item) => {
                    // More may be buffered: the next call reads again.
                    self.state.woken.store(true, Ordering::Release);
                    Poll::Ready(item)
                }
                Poll::Pending => Poll::Pending,
            }
        })
        .await
    }
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
            let result = forward(&*hub, &request, key.as_deref(), &caller).await;
            // PHP refused a key the daemon does not know: one more failure for that address.
            if method == "CONNECT"
                && frames::message_type(&result) != "WELCOME"
                && key.as_deref().is_none_or(|k| !hub.knows(k))
            {
                hub.gate.failed(&real_ip);
            }
            result
        }
    };
    (request, result, head)
}

impl<S> Out<S>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    async fn send_all<I>(&mut self, msgs: I) -> Result<(), WriteError>
    where
        I: IntoIterator<Item = Message>,
        I::IntoIter: ExactSizeIterator + Send,
    {
        let msgs = msgs.into_iter();
        let n = msgs.len();
        if n == 0 {
            return Ok(());
        }
        let session = self.session.clone();
        let sink = &mut self.sink;
        let write = async move {
            for m in msgs {
                sink.feed(m).await?;
            }
            sink.flush().await
        };
        let mut write = std::pin::pin!(write);
        // Most writes complete at once (the socket has room): only a write that has to wait arms the timeout and
        // listens for an abort.
        let first = std::future::poll_fn(|cx| Poll::Ready(write.as_mut().poll(cx))).await;
        let timeout = self.write_timeout;
        let settle = |written: Result<(), WsError>| match written {
            Ok(()) => Ok(()),
            Err(WsError::ConnectionClosed | WsError::AlreadyClosed) => Err(WriteError::Gone),
            Err(e) => Err(WriteError::Io(e.to_string())),
        };
        let result = match first {
            Poll::Ready(written) => settle(written),
            Poll::Pending => {
                let aborted = async {
                    match &session {
                        Some(s) => s.outbox.aborted().await,
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    written = tokio::time::timeout(timeout, write) => match written {
                        Ok(written) => settle(written),
                        Err(_) => Err(WriteError::Stalled(timeout)),
                    },
                    // Too slow or replaced: stop waiting on a full socket.
                    _ = aborted => Err(WriteError::Aborted),
                }
            }
        };
        match &result {
            Ok(()) => self.hub.count_frames(n),
            Err(e @ WriteError::Stalled(_)) => tracing::info!("ws {}: {e}, dropping it", self.id),
            Err(e) => tracing::debug!("ws {}: {e}", self.id),
        }
        result
    }

    async fn write(&mut self, frames: Vec<String>) -> Result<(), WriteError> {
        self.send_all(frames.into_iter().map(Message::text)).await
    }
}

impl<S> Frames for Out<S>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    async fn events(&mut self, items: &[Item]) -> Result<(), WriteError> {
        self.write(frames::ws_event_frames(items)).await
    }

    async fn shared(&mut self, shared: &SharedItems) -> Result<(), WriteError> {
        let frames = shared.ws_frames(frames::ws_event_frames);
        self.send_all(frames.iter().cloned().map(Message::Text)).await
    }

    async fn message(&mut self, json: &str) -> Result<(), WriteError> {
        self.write(vec![json.to_string()]).await
    }
}

impl<S> Conn<S>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    /// The close the hub asked for without waiting for the queue (too slow, replaced), if any.
    fn abort_close(&self) -> End {
        let close = self.out.session.as_ref()?.outbox.close_requested()?;
        (!close.flush_first).then_some((close.code, close.reason))
    }

    /// Writes the answer to one request and acts on it (authentication, closing error types).
    async fn answer(&mut self, request: &Value, result: Value, head: Option<i64>) -> Result<End, WriteError> {
        let id = request.get("id").cloned().unwrap_or(Value::Null);
        let welcomed = method_of(request) == "CONNECT" && frames::message_type(&result) == "WELCOME";
        if welcomed && self.delivery.is_none() {
            if let Some(key) = self.api_key.clone() {
                let session = Session::new(
                    self.id.clone(),
                    key.clone(),
                    Transport::WebSocket,
                    self.real_ip.clone(),
                    self.hub.cfg.queue_limit,
                );
                self.hub.register(session.clone());
                self.out.session = Some(session.clone());
                self.delivery = Some(Delivery::new(self.hub.clone(), session));
                tracing::info!("ws {}: device {} connected from {}", self.id, mask(&key), self.real_ip);
                self.out.write(frames::ws_answer(&result, &id, Some(&key))).await?;
                self.catch_up(head.unwrap_or(0)).await?;
                return Ok(None);
            }
        }
        self.out.write(frames::ws_answer(&result, &id, self.api_key.as_deref())).await?;
        if frames::is_closing(&result) {
            return Ok(Some((close_codes::NORMAL, String::new())));
        }
        Ok(None)
    }

    /// After `WELCOME`: the events the device missed since its last connection (or since PHP built the snapshot),
    /// then the pushes queued while it was away.
    async fn catch_up(&mut self, head_at_connect: i64) -> Result<(), WriteError> {
        let Some(delivery) = self.delivery.as_mut() else {
            return Ok(());
        };
        let key = delivery.session.api_key.clone();
        let after = match self.hub.resume_cursor(&key) {
            Some(c) if c > 0 => c,
            _ => head_at_connect,
        };
        let done = delivery.catch_up(&mut self.out, after, head_at_connect).await?;
        if done.replayed > 0 {
            inc(&self.hub.metrics.resumes);
            tracing::info!("ws {}: resumed device {} with {} missed event(s)", self.id, mask(&key), done.replayed);
        }
        Ok(())
    }

    /// Unregisters, saves the resume point and tells PHP the device left.
    fn leave(&mut self, connect_sent: bool) {
        if let Some(delivery) = &self.delivery {
            let session = &delivery.session;
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
            forward(&*hub, &req, Some(&key), &caller).await;
        });
    }
}
