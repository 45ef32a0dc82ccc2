//! The control socket (127.0.0.1:--socketport): newline-delimited JSON.

use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// Write one object + newline, read one reply line (bounded).
pub async fn ctl_request(port: u16, v: &Value) -> Result<Value, String> {
    let line = ctl_raw(port, format!("{v}\n").as_bytes(), true, Duration::from_secs(5)).await?;
    let line = line.ok_or("no reply line (connection closed)")?;
    serde_json::from_str(&line).map_err(|e| format!("reply is not JSON ({e}): {line:?}"))
}

/// Write raw bytes; then shut the write side (EOF) and, when `read_reply`, read one line.
pub async fn ctl_raw(port: u16, bytes: &[u8], read_reply: bool, d: Duration) -> Result<Option<String>, String> {
    let fut = async {
        let mut s = TcpStream::connect(("127.0.0.1", port)).await.map_err(|e| format!("connect control: {e}"))?;
        s.write_all(bytes).await.map_err(|e| format!("write control: {e}"))?;
        s.shutdown().await.map_err(|e| format!("shutdown control: {e}"))?;
        if !read_reply {
            // drain until the daemon closes, so the message is surely read
            let mut r = BufReader::new(s);
            let mut line = String::new();
            let _ = r.read_line(&mut line).await;
            return Ok(if line.is_empty() { None } else { Some(line) });
        }
        let mut r = BufReader::new(s);
        let mut line = String::new();
        let n = r.read_line(&mut line).await.map_err(|e| format!("read control: {e}"))?;
        Ok(if n == 0 { None } else { Some(line.trim_end().to_string()) })
    };
    tokio::time::timeout(d, fut).await.map_err(|_| format!("control socket: no answer within {d:?}"))?
}

/// A persistent control connection (several objects, one reply line each when asked).
pub struct Ctl {
    r: BufReader<TcpStream>,
}

impl Ctl {
    pub async fn connect(port: u16) -> Ctl {
        let s = super::within(super::WAIT, "control connect", TcpStream::connect(("127.0.0.1", port)))
            .await
            .expect("connect control socket");
        Ctl { r: BufReader::new(s) }
    }

    pub async fn send(&mut self, v: &Value) {
        let line = format!("{v}\n");
        super::within(super::WAIT, "control write", self.r.get_mut().write_all(line.as_bytes()))
            .await
            .expect("write control");
    }

    /// Next reply line, or None on EOF.
    pub async fn read(&mut self, d: Duration) -> Option<Value> {
        let mut line = String::new();
        let n = super::within(d, "control reply line", self.r.read_line(&mut line)).await.ok()?;
        if n == 0 {
            return None;
        }
        Some(serde_json::from_str(line.trim_end()).unwrap_or_else(|e| panic!("control reply not JSON ({e}): {line:?}")))
    }

    pub async fn request(&mut self, v: &Value) -> Value {
        self.send(v).await;
        self.read(super::WAIT).await.unwrap_or_else(|| panic!("control socket closed before replying to {v}"))
    }
}
