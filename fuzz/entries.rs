//! One entry point per parser of the daemon, shared by the cargo-fuzz targets (`fuzz/fuzz_targets/`) and the
//! bounded run in the tests (`tests/fuzz_parsers.rs`). Each takes arbitrary bytes, feeds them to the parser the way
//! the daemon does, and checks what must hold whatever the bytes are; a panic is a finding.
//!
//! Each target uses one entry; the rest are dead code there.
#![allow(dead_code)]

use std::net::{IpAddr, SocketAddr};
use std::sync::OnceLock;

use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use jeedomconnectd::{client, control, frames, journal};
use serde_json::Value;

/// An app's WebSocket text frame (`frames::parse_request`, what the WebSocket task does with each frame).
pub fn ws_message(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match frames::parse_request(text) {
        Ok(req) => assert!(req.get("method").and_then(Value::as_str).is_some_and(|m| !m.is_empty())),
        Err(problem) => assert!(!problem.is_empty()),
    }
}

const KEY: &str = "fuzz-plugin-key";

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| tokio::runtime::Builder::new_current_thread().build().expect("runtime"))
}

/// Control-socket bytes: split into lines by the streaming reader (with a small limit, so that the limit is hit
/// too), each line parsed strictly. A message is only ever accepted with the plugin key.
pub fn control_line(data: &[u8]) {
    const MAX: usize = 256;
    runtime().block_on(async {
        let mut reader = data;
        let mut line = Vec::new();
        loop {
            line.clear();
            match control::read_line(&mut reader, &mut line, MAX).await.expect("reading a slice") {
                control::Line::Eof => break,
                control::Line::TooLarge => {
                    assert!(line.len() <= MAX + 1);
                    break;
                }
                control::Line::Complete => {
                    assert!(line.len() <= MAX + 1 && !line.is_empty());
                    if let Ok((_, _)) = control::parse(&line, KEY) {
                        assert!(line.windows(KEY.len()).any(|w| w == KEY.as_bytes()), "accepted without the key");
                    }
                }
            }
        }
    });
    // The whole input as one message, whatever its size.
    if let Ok((msg, _)) = control::parse(data, KEY) {
        assert!(data.windows(KEY.len()).any(|w| w == KEY.as_bytes()), "accepted without the key: {msg:?}");
    }
}

/// An HTTP request's query string and headers: the first line is the query, the others `name: value` headers;
/// the first byte picks the peer (loopback or not).
pub fn http_request(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.split('\n');
    let query = lines.next().unwrap_or("");
    for name in ["apiKey", "apikey", ""] {
        let _ = client::url_param(query, name);
    }
    let mut headers = HeaderMap::new();
    for l in lines {
        if let Some((n, v)) = l.split_once(':') {
            if let (Ok(n), Ok(v)) = (HeaderName::from_bytes(n.trim().as_bytes()), HeaderValue::from_str(v.trim())) {
                headers.append(n, v);
            }
        }
    }
    let peer: SocketAddr = match data.first().map(|b| b % 3) {
        Some(0) => "127.0.0.1:40000".parse().unwrap(),
        Some(1) => "[::1]:40000".parse().unwrap(),
        _ => "192.0.2.1:40000".parse().unwrap(),
    };
    let ip = client::client_ip(peer, &headers);
    assert!(ip.parse::<IpAddr>().is_ok(), "client address {ip:?} is not an address");
    if !peer.ip().is_loopback() {
        assert_eq!(ip, peer.ip().to_string(), "headers trusted from a non-loopback peer");
    }
    let _ = client::forwarded(&headers);
}

/// A cursor sent back by a client, as a string (`Last-Event-ID`) and as JSON (`lastReadTimestamp`): when it is
/// one, it lies between 0 and the latest time a cursor can have.
pub fn cursor(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let max = journal::cursor_from_secs(journal::MAX_CURSOR_SECS);
    let mut values = vec![Value::String(text.to_string())];
    if let Ok(v) = serde_json::from_slice::<Value>(data) {
        values.push(v);
    }
    for v in values {
        if let Some(c) = journal::cursor_from_value(&v) {
            assert!((0..=max).contains(&c), "cursor {c} from {v}");
        }
    }
}
