//! WebSocket clients: a tokio-tungstenite one read on demand (answers pings while read), a recording one whose
//! reader runs in the background (for tests that watch several clients at once and time arrivals), and a raw one
//! (never reads).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// What the next read gave.
#[derive(Debug, Clone)]
pub enum WsEvent {
    Json(Value),
    /// A text frame that is not JSON.
    Text(String),
    Binary(Vec<u8>),
    /// A close frame (code, reason); the stream ends after it.
    Close(Option<u16>, String),
    /// The stream ended without a close frame (or with an error).
    Ended(String),
    Timeout,
}

pub struct Ws {
    pub stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
    pub pings: usize,
    pub closed: bool,
}

impl Ws {
    pub async fn connect(port: u16) -> Ws {
        Ws::connect_with(port, "/", &[]).await
    }

    /// Connect to `path` with extra request headers.
    pub async fn connect_with(port: u16, path: &str, headers: &[(&str, &str)]) -> Ws {
        let mut req = format!("ws://127.0.0.1:{port}{path}").into_client_request().unwrap();
        for (k, v) in headers {
            req.headers_mut().insert(
                tokio_tungstenite::tungstenite::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        let (stream, _resp) = super::within(super::WAIT, "websocket handshake", tokio_tungstenite::connect_async(req))
            .await
            .unwrap_or_else(|e| panic!("websocket handshake with 127.0.0.1:{port}{path}: {e}"));
        Ws { stream, pings: 0, closed: false }
    }

    /// Connect with a tiny receive buffer (a client that stops reading stalls the daemon's writes quickly).
    pub async fn connect_small_rcvbuf(port: u16, rcvbuf: u32) -> Ws {
        let sock = TcpSocket::new_v4().unwrap();
        sock.set_recv_buffer_size(rcvbuf).unwrap();
        let tcp = super::within(super::WAIT, "tcp connect", sock.connect(([127, 0, 0, 1], port).into()))
            .await
            .expect("tcp connect");
        let (stream, _) = super::within(
            super::WAIT,
            "websocket handshake",
            tokio_tungstenite::client_async(format!("ws://127.0.0.1:{port}/"), MaybeTlsStream::Plain(tcp)),
        )
        .await
        .expect("websocket handshake");
        Ws { stream, pings: 0, closed: false }
    }

    pub async fn send_json(&mut self, v: &Value) {
        self.send(Message::text(v.to_string())).await;
    }

    pub async fn send(&mut self, m: Message) {
        super::within(super::WAIT, "websocket send", self.stream.send(m)).await.expect("websocket send");
    }

    /// Send a JSON-RPC request.
    pub async fn request(&mut self, id: &str, method: &str, params: Value) {
        self.send_json(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})).await;
    }

    /// Send CONNECT for `key` with request id `id`; return the first JSON frame answered.
    pub async fn connect_device(&mut self, key: &str, id: &str) -> Value {
        self.request(
            id,
            "CONNECT",
            json!({"apiKey": key, "deviceId": "dev-1", "deviceName": "Pixel", "token": "tok", "userHash": "uh",
                   "appVersion": "1.20.1", "pluginRequire": "1.20.0", "platformOs": "android", "osVersion": "14",
                   "appTypeVersion": "stable", "buildVersion": "100"}),
        )
        .await;
        self.recv_json(super::WAIT).await
    }

    /// Next frame (pings/pongs counted and skipped), bounded by `d`.
    pub async fn next(&mut self, d: Duration) -> WsEvent {
        if self.closed {
            return WsEvent::Ended("already closed".into());
        }
        let deadline = tokio::time::Instant::now() + d;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let m = match tokio::time::timeout(left, self.stream.next()).await {
                Err(_) => return WsEvent::Timeout,
                Ok(None) => {
                    self.closed = true;
                    return WsEvent::Ended("stream ended".into());
                }
                Ok(Some(Err(e))) => {
                    self.closed = true;
                    return WsEvent::Ended(format!("{e}"));
                }
                Ok(Some(Ok(m))) => m,
            };
            match m {
                Message::Text(t) => {
                    super::check_app_visible("a WebSocket frame", t.as_str());
                    return match serde_json::from_str::<Value>(t.as_str()) {
                        Ok(v) => WsEvent::Json(v),
                        Err(_) => WsEvent::Text(t.to_string()),
                    };
                }
                Message::Binary(b) => return WsEvent::Binary(b.to_vec()),
                Message::Ping(_) => self.pings += 1,
                Message::Pong(_) | Message::Frame(_) => {}
                Message::Close(f) => {
                    self.closed = true;
                    return WsEvent::Close(
                        f.as_ref().map(|f| u16::from(f.code)),
                        f.map(|f| f.reason.to_string()).unwrap_or_default(),
                    );
                }
            }
        }
    }

    /// Next JSON frame; panics on anything else.
    pub async fn recv_json(&mut self, d: Duration) -> Value {
        match self.next(d).await {
            WsEvent::Json(v) => v,
            other => panic!("expected a JSON frame, got {other:?}"),
        }
    }

    /// Read until the connection ends (at most `d`); returns the JSON frames seen and the close code (None when
    /// it ended without a close frame). Panics on timeout.
    pub async fn expect_close(&mut self, d: Duration) -> (Vec<Value>, Option<u16>) {
        let deadline = tokio::time::Instant::now() + d;
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next(left).await {
                WsEvent::Json(v) => seen.push(v),
                WsEvent::Text(_) | WsEvent::Binary(_) => {}
                WsEvent::Close(code, _) => return (seen, code),
                WsEvent::Ended(_) => return (seen, None),
                WsEvent::Timeout => {
                    panic!("connection not closed within {d:?}; frames seen: {seen:?}")
                }
            }
        }
    }

    /// Assert nothing but pings arrives for `d`.
    pub async fn expect_silence(&mut self, d: Duration) {
        match self.next(d).await {
            WsEvent::Timeout => {}
            other => panic!("expected no frame for {d:?}, got {other:?}"),
        }
    }

    /// Collect JSON frames until `done(frames)` or `d` elapses (panics on close/timeout).
    pub async fn collect_until(&mut self, d: Duration, what: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + d;
        let mut seen = Vec::new();
        while !done(&seen) {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next(left).await {
                WsEvent::Json(v) => seen.push(v),
                WsEvent::Timeout => {
                    panic!("timed out after {d:?} waiting for {what}; frames: {seen:?}")
                }
                other => panic!("while waiting for {what}: {other:?}; frames so far: {seen:?}"),
            }
        }
        seen
    }

    /// Check the connection is still usable: an `ECHO` request gets its answer (other frames before it are
    /// returned).
    pub async fn assert_usable(&mut self, id: &str) -> Vec<Value> {
        self.request(id, "ECHO", json!({})).await;
        let frames = self
            .collect_until(super::WAIT, &format!("the ECHO answer {id}"), |f| f.iter().any(|v| v["id"] == json!(id)))
            .await;
        let ans = frames.iter().find(|v| v["id"] == json!(id)).unwrap();
        assert_eq!(ans["type"], "ECHO", "answer to ECHO {id}: {ans}");
        frames
    }

    /// Close politely (best effort).
    pub async fn close(mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(1), self.stream.close(None)).await;
        // read until the server's close so the daemon sees an orderly close
        let _ =
            tokio::time::timeout(Duration::from_secs(1), async { while let Some(Ok(_)) = self.stream.next().await {} })
                .await;
    }
}

/// Items of every frame of `kind` ("CMD_INFO" …), concatenated in arrival order.
pub fn frame_items(frames: &[Value], kind: &str) -> Vec<Value> {
    frames
        .iter()
        .filter(|f| f["type"] == kind)
        .flat_map(|f| f["payload"].as_array().cloned().unwrap_or_default())
        .collect()
}

/// What a [`WsRecorder`] saw, in order.
#[derive(Clone, Debug)]
pub enum WsRecord {
    /// A text frame (parsed; `{"unparsable": text}` when it is not JSON) and its arrival time, unix seconds.
    Msg(f64, Value),
    /// The end of the stream: the close frame's code, `None` without one.
    Close(Option<u16>),
}

pub type WsSink = SplitSink<WebSocketStream<MaybeTlsStream<TcpStream>>, Message>;
pub type WsRecords = Arc<Mutex<Vec<WsRecord>>>;

/// A WebSocket client whose frames are read by a background task into a shared, timestamped log (pings are
/// answered as it reads). The parts are public: the sink to send, the log to look at, the reader to stop.
pub struct WsRecorder {
    pub sink: WsSink,
    pub log: WsRecords,
    pub reader: tokio::task::JoinHandle<()>,
}

impl WsRecorder {
    /// Opens a socket to `url` (`ws://host:port/path`), from the loopback address `local` when given; the
    /// handshake is bounded by 5 s. The error says why (a refused connection, a 404 instead of an upgrade, …).
    pub async fn open(url: &str, local: Option<std::net::IpAddr>) -> Result<WsRecorder, String> {
        let hostport = url.trim_start_matches("ws://").split('/').next().unwrap_or_default().to_string();
        let addr: std::net::SocketAddr = hostport.parse().map_err(|e| format!("{url}: {e}"))?;
        let connect = async {
            let sock = TcpSocket::new_v4().map_err(|e| e.to_string())?;
            if let Some(ip) = local {
                sock.bind(std::net::SocketAddr::new(ip, 0)).map_err(|e| e.to_string())?;
            }
            let tcp = sock.connect(addr).await.map_err(|e| e.to_string())?;
            tokio_tungstenite::client_async(url, MaybeTlsStream::Plain(tcp)).await.map_err(|e| e.to_string())
        };
        let (ws, _) = tokio::time::timeout(Duration::from_secs(5), connect)
            .await
            .map_err(|_| "websocket connect timed out".to_string())??;
        let (sink, mut stream) = ws.split();
        let log: WsRecords = Arc::default();
        let l = log.clone();
        let reader = tokio::spawn(async move {
            while let Some(m) = stream.next().await {
                match m {
                    Ok(Message::Text(t)) => {
                        let v: Value =
                            serde_json::from_str(t.as_str()).unwrap_or_else(|_| json!({"unparsable": t.as_str()}));
                        l.lock().unwrap().push(WsRecord::Msg(super::now_secs_f64(), v));
                    }
                    Ok(Message::Close(frame)) => {
                        l.lock().unwrap().push(WsRecord::Close(frame.map(|f| u16::from(f.code))));
                        return;
                    }
                    Ok(_) => {}
                    Err(_) => break,
                }
            }
            l.lock().unwrap().push(WsRecord::Close(None));
        });
        Ok(WsRecorder { sink, log, reader })
    }

    pub fn into_parts(self) -> (WsSink, WsRecords, tokio::task::JoinHandle<()>) {
        (self.sink, self.log, self.reader)
    }
}

/// A WebSocket peer that does the handshake by hand, can send (masked) text frames, and otherwise never reads
/// nor answers pings: a dead phone.
pub struct RawWs {
    pub tcp: TcpStream,
}

impl RawWs {
    pub async fn connect(port: u16) -> RawWs {
        let mut tcp = super::within(super::WAIT, "tcp connect", TcpStream::connect(("127.0.0.1", port)))
            .await
            .expect("tcp connect");
        let req = format!(
            "GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        );
        tcp.write_all(req.as_bytes()).await.unwrap();
        // read the 101 response headers byte by byte (nothing more)
        let mut head = Vec::new();
        super::within(super::WAIT, "101 response", async {
            let mut b = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") {
                let n = tcp.read(&mut b).await.expect("read handshake");
                assert!(n > 0, "connection closed during handshake: {:?}", String::from_utf8_lossy(&head));
                head.push(b[0]);
            }
        })
        .await;
        let head = String::from_utf8_lossy(&head).to_string();
        assert!(head.starts_with("HTTP/1.1 101"), "handshake answer: {head}");
        RawWs { tcp }
    }

    /// Send one masked text frame.
    pub async fn send_text(&mut self, text: &str) {
        let payload = text.as_bytes();
        let mut f = vec![0x81u8];
        let mask = [0x12u8, 0x34, 0x56, 0x78];
        if payload.len() < 126 {
            f.push(0x80 | payload.len() as u8);
        } else if payload.len() <= 0xffff {
            f.push(0x80 | 126);
            f.extend_from_slice(&(payload.len() as u16).to_be_bytes());
        } else {
            f.push(0x80 | 127);
            f.extend_from_slice(&(payload.len() as u64).to_be_bytes());
        }
        f.extend_from_slice(&mask);
        f.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        self.tcp.write_all(&f).await.unwrap();
    }
}

impl RawWs {
    /// Read everything the server sends until EOF (bounded); returns the server frames (opcode, payload).
    pub async fn read_frames_until_eof(&mut self, d: Duration) -> Vec<(u8, Vec<u8>)> {
        let mut data = Vec::new();
        let _ = tokio::time::timeout(d, async {
            let mut b = [0u8; 4096];
            loop {
                match self.tcp.read(&mut b).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => data.extend_from_slice(&b[..n]),
                }
            }
        })
        .await;
        let mut frames = Vec::new();
        let mut i = 0;
        while i + 2 <= data.len() {
            let op = data[i] & 0x0f;
            let mut len = (data[i + 1] & 0x7f) as usize;
            let mut j = i + 2;
            if len == 126 {
                if j + 2 > data.len() {
                    break;
                }
                len = u16::from_be_bytes([data[j], data[j + 1]]) as usize;
                j += 2;
            } else if len == 127 {
                if j + 8 > data.len() {
                    break;
                }
                len = u64::from_be_bytes(data[j..j + 8].try_into().unwrap()) as usize;
                j += 8;
            }
            if j + len > data.len() {
                break;
            }
            frames.push((op, data[j..j + len].to_vec()));
            i = j + len;
        }
        frames
    }
}
