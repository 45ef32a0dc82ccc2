//! A byte-exact SSE client over a raw TCP socket (HTTP/1.1, chunked or close-delimited body), read on demand
//! ([`Sse`]) or by a background task into a timestamped log ([`SseRecorder`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::mpsc;

#[derive(Debug, Clone)]
pub struct SseEvent {
    /// The exact bytes of the event, without the terminating `\r\n\r\n`.
    pub raw: String,
    pub id: Option<String>,
    /// What followed `data:` (a JSON string literal).
    pub data_raw: String,
    /// The message: `data_raw` parsed twice (Null when that fails).
    pub msg: Value,
}

impl SseEvent {
    /// The event is exactly `[id:<cursor>\r\n]data:<json string literal of a JSON object>` (the caller already
    /// checked the `\r\n\r\n` terminator).
    pub fn assert_exact_format(&self) {
        let rest = match &self.id {
            Some(id) => {
                let prefix = format!("id:{id}\r\n");
                assert!(self.raw.starts_with(&prefix), "SSE event does not start with {prefix:?}: {:?}", self.raw);
                assert!(id.parse::<f64>().is_ok(), "SSE id is not a float cursor: {id:?}");
                &self.raw[prefix.len()..]
            }
            None => &self.raw[..],
        };
        assert!(rest.starts_with("data:"), "SSE event is not `data:`…: {:?}", self.raw);
        let lit = &rest[5..];
        assert!(!lit.contains('\r') && !lit.contains('\n'), "SSE data spans lines: {:?}", self.raw);
        let inner: String = serde_json::from_str(lit)
            .unwrap_or_else(|e| panic!("SSE data is not a JSON string literal ({e}): {:?}", self.raw));
        let v: Value = serde_json::from_str(&inner)
            .unwrap_or_else(|e| panic!("SSE data string does not contain JSON ({e}): {inner:?}"));
        assert!(v.is_object(), "SSE message is not an object: {v}");
        // JSON-encode of the inner string must be what was sent (escaping as a JSON encoder does)
        assert_eq!(serde_json::from_str::<String>(lit).unwrap(), inner);
    }

    /// The message, or an object saying why it cannot be read: `{"notDoubleEncoded": …}` when `data:` holds JSON
    /// that is not a string, `{"badInner": …}` when the string is not JSON, `{"unparsable": …}` otherwise.
    pub fn msg_or_marker(&self) -> Value {
        match serde_json::from_str::<Value>(self.data_raw.trim_start()) {
            Ok(Value::String(inner)) => {
                serde_json::from_str::<Value>(&inner).unwrap_or_else(|_| serde_json::json!({"badInner": inner}))
            }
            Ok(other) => serde_json::json!({"notDoubleEncoded": other}),
            Err(_) => serde_json::json!({"unparsable": self.data_raw}),
        }
    }
}

pub struct Sse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    rx: mpsc::UnboundedReceiver<Vec<u8>>,
    buf: Vec<u8>,
    ended: bool,
    task: tokio::task::JoinHandle<()>,
    /// Every byte of the body received so far.
    pub body: Vec<u8>,
}

impl Drop for Sse {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Sse {
    /// The daemon's `/sse` stream on 127.0.0.1:`port`.
    pub async fn open(port: u16, api_key: &str, last_event_id: Option<&str>) -> Sse {
        let (hostport, path) = (format!("127.0.0.1:{port}"), format!("/sse?apiKey={api_key}"));
        super::within(super::WAIT, "SSE response headers", Sse::request(&hostport, &path, last_event_id)).await
    }

    /// `GET url` (`http://host:port/path?query`), response headers within `d`.
    pub async fn open_url(url: &str, d: Duration) -> Sse {
        let rest = url.strip_prefix("http://").unwrap_or_else(|| panic!("not an http:// URL: {url}"));
        let (hostport, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        super::within(d, &format!("SSE response headers of {url}"), Sse::request(hostport, path, None)).await
    }

    async fn request(hostport: &str, path: &str, last_event_id: Option<&str>) -> Sse {
        let mut tcp = TcpStream::connect(hostport).await.unwrap_or_else(|e| panic!("connect SSE {hostport}: {e}"));
        let mut req = format!("GET {path} HTTP/1.1\r\nHost: {hostport}\r\nAccept: text/event-stream\r\n");
        if let Some(id) = last_event_id {
            req.push_str(&format!("Last-Event-ID: {id}\r\n"));
        }
        req.push_str("\r\n");
        tcp.write_all(req.as_bytes()).await.unwrap();
        let mut r = BufReader::new(tcp);
        let mut status_line = String::new();
        r.read_line(&mut status_line).await.unwrap();
        let status: u16 = status_line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        let mut headers = Vec::new();
        loop {
            let mut l = String::new();
            if r.read_line(&mut l).await.unwrap() == 0 {
                break;
            }
            let l = l.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':') {
                headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
            }
        }
        let chunked =
            headers.iter().any(|(k, v)| k == "transfer-encoding" && v.to_ascii_lowercase().contains("chunked"));
        let (tx, rx) = mpsc::unbounded_channel();
        let task = tokio::spawn(async move {
            if chunked {
                loop {
                    let mut size = String::new();
                    if r.read_line(&mut size).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let size = usize::from_str_radix(size.trim().split(';').next().unwrap_or(""), 16).unwrap_or(0);
                    if size == 0 {
                        return;
                    }
                    let mut data = vec![0u8; size + 2];
                    if r.read_exact(&mut data).await.is_err() {
                        return;
                    }
                    data.truncate(size);
                    if tx.send(data).is_err() {
                        return;
                    }
                }
            } else {
                let mut b = vec![0u8; 8192];
                loop {
                    match r.read(&mut b).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => {
                            if tx.send(b[..n].to_vec()).is_err() {
                                return;
                            }
                        }
                    }
                }
            }
        });
        Sse { status, headers, rx, buf: Vec::new(), ended: false, task, body: Vec::new() }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == &name.to_ascii_lowercase()).map(|(_, v)| v.as_str())
    }

    /// Next event; `Ok(None)` when the stream ended, `Err` on timeout.
    pub async fn next(&mut self, d: Duration) -> Result<Option<SseEvent>, String> {
        let deadline = tokio::time::Instant::now() + d;
        loop {
            if let Some(pos) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let raw = String::from_utf8(self.buf[..pos].to_vec()).expect("SSE event is not UTF-8");
                super::check_app_visible("an SSE event", &raw);
                self.buf.drain(..pos + 4);
                let mut id = None;
                let mut data_raw = String::new();
                for line in raw.split("\r\n") {
                    if let Some(v) = line.strip_prefix("id:") {
                        id = Some(v.to_string());
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data_raw = v.to_string();
                    }
                }
                let msg = serde_json::from_str::<String>(&data_raw)
                    .ok()
                    .and_then(|s| serde_json::from_str::<Value>(&s).ok())
                    .unwrap_or(Value::Null);
                return Ok(Some(SseEvent { raw, id, data_raw, msg }));
            }
            if self.ended {
                return Ok(None);
            }
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match tokio::time::timeout(left, self.rx.recv()).await {
                Err(_) => {
                    return Err(format!(
                        "no SSE event within {d:?} (buffered: {:?})",
                        String::from_utf8_lossy(&self.buf)
                    ))
                }
                Ok(None) => self.ended = true,
                Ok(Some(data)) => {
                    self.body.extend_from_slice(&data);
                    self.buf.extend_from_slice(&data);
                }
            }
        }
    }

    /// Next event that is not a heartbeat; panics on end/timeout.
    pub async fn next_msg(&mut self, d: Duration) -> SseEvent {
        let deadline = tokio::time::Instant::now() + d;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next(left).await {
                Ok(Some(e)) if e.msg.get("event").is_some() => continue,
                Ok(Some(e)) => return e,
                Ok(None) => panic!("SSE stream ended while waiting for an event"),
                Err(e) => panic!("{e}"),
            }
        }
    }

    /// Wait for the end of the stream (skipping events, which are returned); panics on timeout.
    pub async fn expect_end(&mut self, d: Duration) -> Vec<SseEvent> {
        let deadline = tokio::time::Instant::now() + d;
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next(left).await {
                Ok(Some(e)) => seen.push(e),
                Ok(None) => return seen,
                Err(e) => panic!("SSE stream did not end: {e}; events: {seen:?}"),
            }
        }
    }
}

/// An SSE stream read by a background task: every event with its arrival time (unix seconds), and whether the
/// stream ended. The task stops when this is dropped.
pub struct SseRecorder {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    log: Arc<Mutex<Vec<(f64, SseEvent)>>>,
    ended: Arc<AtomicBool>,
    reader: tokio::task::JoinHandle<()>,
}

impl Drop for SseRecorder {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

impl SseRecorder {
    /// `GET url` (`http://host:port/path?query`), response headers within `d`.
    pub async fn open_url(url: &str, d: Duration) -> SseRecorder {
        let mut sse = Sse::open_url(url, d).await;
        let (status, headers) = (sse.status, sse.headers.clone());
        let log: Arc<Mutex<Vec<(f64, SseEvent)>>> = Arc::default();
        let ended = Arc::new(AtomicBool::new(false));
        let (l, e) = (log.clone(), ended.clone());
        let reader = tokio::spawn(async move {
            // Bounded by the test that owns the recorder (dropping it stops this task).
            while let Ok(Some(event)) = sse.next(Duration::from_secs(3600)).await {
                l.lock().unwrap().push((super::now_secs_f64(), event));
            }
            e.store(true, Ordering::SeqCst);
        });
        SseRecorder { status, headers, log, ended, reader }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == &name.to_ascii_lowercase()).map(|(_, v)| v.as_str())
    }

    /// Every event so far, with its arrival time.
    pub fn events(&self) -> Vec<(f64, SseEvent)> {
        self.log.lock().unwrap().clone()
    }

    pub fn ended(&self) -> bool {
        self.ended.load(Ordering::SeqCst)
    }
}
