//! An SSE stream's HTTP connection, served without hyper: a stream stays open for as long as the app runs, and
//! hyper keeps two 8 KiB buffers per connection (read and write, not configurable below that) for all that time.
//! Here the request head is read once into a buffer that is freed at once, and the stream's events are written
//! straight to the socket (chunked, as hyper wrote them), so that an idle stream holds no buffer at all.
//!
//! Only a request whose first line is a complete `GET` of the SSE paths comes here (looked at without consuming
//! it); anything else, or a request line not yet complete when its first bytes arrive, is served by hyper as
//! before (`server`), which also serves SSE, only with its buffers.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::client::{client_ip, url_param};
use crate::hub::Hub;
use crate::limits::{HEADER_READ_TIMEOUT, MAX_SSE_HEAD, MAX_SSE_HEADERS};
use crate::sse;

/// Whether the connection's first request is a `GET` of an SSE path, looking at its first bytes without reading
/// them. `None` when nothing came within the header timeout (or the peer left): the connection is dropped.
pub async fn is_sse(stream: &TcpStream, is_sse_path: fn(&str) -> bool) -> Option<bool> {
    let mut first = [0u8; 512];
    let peeked = tokio::time::timeout(HEADER_READ_TIMEOUT, stream.peek(&mut first)).await.ok()?.ok()?;
    if peeked == 0 {
        return None;
    }
    let line = &first[..peeked];
    let Some(end) = line.windows(2).position(|w| w == b"\r\n") else { return Some(false) };
    let mut parts = line[..end].split(|&b| b == b' ');
    let (Some(b"GET"), Some(target), Some(version), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Some(false);
    };
    let path = target.split(|&b| b == b'?').next().unwrap_or_default();
    Some(version == b"HTTP/1.1" && std::str::from_utf8(path).is_ok_and(is_sse_path))
}

/// Serves the SSE request of a connection [`is_sse`] picked: reads its head, opens the stream and writes it.
pub async fn serve(hub: Arc<Hub>, mut stream: TcpStream, peer: SocketAddr) {
    let Ok(Some((query, headers))) = tokio::time::timeout(HEADER_READ_TIMEOUT, read_head(&mut stream)).await else {
        tracing::debug!("sse connection from {peer}: no complete request head");
        let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").await;
        return;
    };
    // The head is dropped here: the stream keeps nothing of it.
    let mut rx = {
        let real_ip = client_ip(peer, &headers);
        let api_key = url_param(&query, "apiKey");
        let last_id = headers.get("last-event-id").and_then(|v| v.to_str().ok()).map(String::from);
        drop((query, headers));
        sse::open(hub, api_key, last_id, real_ip)
    };
    let head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\n\
                x-accel-buffering: no\r\ntransfer-encoding: chunked\r\n";
    let date = chrono::Utc::now().format("%a, %d %b %Y %H:%M:%S GMT");
    if stream.write_all(format!("{head}date: {date}\r\n\r\n").as_bytes()).await.is_err() {
        return;
    }
    let (mut read, mut write) = stream.split();
    let mut sink = [0u8; 64];
    loop {
        tokio::select! {
            chunk = rx.recv() => match chunk {
                Some(chunk) => {
                    if write_chunk(&mut write, &chunk).await.is_err() {
                        return;
                    }
                }
                None => {
                    let _ = write.write_all(b"0\r\n\r\n").await;
                    return;
                }
            },
            // The app may send nothing more; its end (or an error) ends the stream.
            r = read.read(&mut sink) => if matches!(r, Ok(0) | Err(_)) {
                return;
            },
        }
    }
}

async fn write_chunk(write: &mut tokio::net::tcp::WriteHalf<'_>, chunk: &Bytes) -> std::io::Result<()> {
    let mut framed = Vec::with_capacity(chunk.len() + 12);
    framed.extend_from_slice(format!("{:X}\r\n", chunk.len()).as_bytes());
    framed.extend_from_slice(chunk);
    framed.extend_from_slice(b"\r\n");
    write.write_all(&framed).await
}

/// Reads the request head (up to its blank line, at most [`MAX_SSE_HEAD`] bytes): the query and the headers.
async fn read_head(stream: &mut TcpStream) -> Option<(String, HeaderMap)> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        // Read no further than the blank line: what follows is not ours to take.
        let n = stream.peek(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        let seen = buf.len();
        buf.extend_from_slice(&chunk[..n]);
        let from = seen.saturating_sub(3);
        let end = buf[from..].windows(4).position(|w| w == b"\r\n\r\n").map(|p| from + p + 4);
        let take = end.map_or(n, |e| e - seen);
        buf.truncate(seen + take);
        stream.read_exact(&mut chunk[..take]).await.ok()?;
        if end.is_some() {
            break;
        }
        if buf.len() > MAX_SSE_HEAD {
            return None;
        }
    }
    let mut slots = [httparse::EMPTY_HEADER; MAX_SSE_HEADERS];
    let mut req = httparse::Request::new(&mut slots);
    if !matches!(req.parse(&buf), Ok(httparse::Status::Complete(_))) {
        return None;
    }
    let query = req.path?.split_once('?').map(|(_, q)| q.to_string()).unwrap_or_default();
    let mut headers = HeaderMap::new();
    for h in req.headers.iter() {
        if let (Ok(name), Ok(value)) = (HeaderName::from_bytes(h.name.as_bytes()), HeaderValue::from_bytes(h.value)) {
            headers.append(name, value);
        }
    }
    Some((query, headers))
}
