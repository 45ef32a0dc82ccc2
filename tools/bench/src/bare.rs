//! `jeedomconnect-bare`: the floor the daemon is compared with in `jeedomconnect-bench compare`, a bare
//! tokio-tungstenite broadcast server: no journal, no devices, no protocol. A WebSocket client subscribes with
//! `GET /sub?id=<channel>`; each line `<channel> <frame>` written to the control port goes, as a text frame, to
//! every client of that channel. The frame is built once and its bytes shared by every socket.
//!
//! Usage: `jeedomconnect-bare PUBLIC_PORT CONTROL_PORT` (both on 127.0.0.1).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures_util::{SinkExt, StreamExt};
use tokio::io::AsyncBufReadExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

type Channels = Arc<Mutex<HashMap<String, broadcast::Sender<Utf8Bytes>>>>;

fn channel(channels: &Channels, id: &str) -> broadcast::Sender<Utf8Bytes> {
    let mut map = channels.lock().unwrap_or_else(|p| p.into_inner());
    map.entry(id.to_string()).or_insert_with(|| broadcast::channel(1024).0).clone()
}

// The handshake callback's error type is tungstenite's (an HTTP response), not ours to make smaller.
#[allow(clippy::result_large_err)]
async fn client(channels: Channels, stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let mut id = String::new();
    let cfg = WebSocketConfig::default().read_buffer_size(4096).write_buffer_size(0);
    let callback = |req: &Request, resp: Response| {
        id = req.uri().query().and_then(|q| q.strip_prefix("id=")).unwrap_or("").to_string();
        Ok(resp)
    };
    let Ok(ws) = tokio_tungstenite::accept_hdr_async_with_config(stream, callback, Some(cfg)).await else { return };
    let mut rx = channel(&channels, &id).subscribe();
    let (mut sink, mut stream) = ws.split();
    loop {
        tokio::select! {
            m = rx.recv() => match m {
                Ok(frame) => if sink.send(Message::Text(frame)).await.is_err() { return },
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(_) => return,
            },
            m = stream.next() => match m {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                _ => {}
            },
        }
    }
}

async fn control(channels: Channels, stream: TcpStream) {
    let mut lines = tokio::io::BufReader::new(stream).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if let Some((id, frame)) = line.split_once(' ') {
            let _ = channel(&channels, id).send(Utf8Bytes::from(frame));
        }
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<u16> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let [public, ctl] = args[..] else {
        eprintln!("usage: jeedomconnect-bare PUBLIC_PORT CONTROL_PORT");
        std::process::exit(2);
    };
    let channels: Channels = Arc::default();
    let (Ok(public), Ok(ctl)) =
        (TcpListener::bind(("127.0.0.1", public)).await, TcpListener::bind(("127.0.0.1", ctl)).await)
    else {
        eprintln!("jeedomconnect-bare: cannot bind 127.0.0.1:{public} and :{ctl}");
        std::process::exit(1);
    };
    let c = channels.clone();
    tokio::spawn(async move {
        while let Ok((s, _)) = ctl.accept().await {
            tokio::spawn(control(c.clone(), s));
        }
    });
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM handler");
    loop {
        tokio::select! {
            _ = term.recv() => return,
            a = public.accept() => if let Ok((s, _)) = a {
                tokio::spawn(client(channels.clone(), s));
            },
        }
    }
}
