//! The one set of WebSocket and SSE test clients, with the little they need (bounded waits, the check that no
//! secret reaches an app). Every Rust test uses these: the daemon's tests through `common`, the demo's tests by
//! including this file alone (`#[path = "../../../tests/common/clients.rs"] mod clients;`).
#![allow(dead_code)]

#[path = "sse.rs"]
pub mod sse;
#[path = "ws.rs"]
pub mod ws;

use std::future::Future;
use std::time::Duration;

#[allow(unused_imports)]
pub use sse::*;
#[allow(unused_imports)]
pub use ws::*;

static FORBIDDEN: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// Register a secret (a plugin key) that must never appear in anything an app receives; every WS frame, SSE
/// event and `/rpc` answer read through these helpers is checked against all registered secrets.
pub fn forbid(secret: &str) {
    FORBIDDEN.lock().unwrap().push(secret.to_string());
}

/// Panics when `text` (something an app received) contains a registered secret.
pub fn check_app_visible(what: &str, text: &str) {
    for s in FORBIDDEN.lock().unwrap().iter() {
        assert!(!text.contains(s.as_str()), "the plugin key reached an app in {what}: {text}");
    }
    assert!(!text.contains("jeedomApiKey"), "jeedomApiKey reached an app in {what}: {text}");
}

/// Now, unix seconds (arrival times of recorded frames).
pub fn now_secs_f64() -> f64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0)
}

/// Default bound for "this should happen soon".
pub const WAIT: Duration = Duration::from_secs(5);

/// `timeout` that panics with `what` instead of returning an error.
pub async fn within<T>(d: Duration, what: &str, f: impl Future<Output = T>) -> T {
    match tokio::time::timeout(d, f).await {
        Ok(v) => v,
        Err(_) => panic!("timed out after {d:?} waiting for {what}"),
    }
}
