//! Shared helpers for the black-box integration tests of `jeedomconnectd`.
//!
//! Every test starts the real binary on real sockets (127.0.0.1 only, free ports, its own temp data dir) against
//! [`fake_api::FakeApi`], a recording fake of the plugin's PHP API. Every wait is bounded; children are killed on
//! drop.
#![allow(dead_code)]

pub mod clients;
pub mod ctl;
pub mod daemon;
pub mod fake_api;

use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[allow(unused_imports)]
pub use clients::*;
#[allow(unused_imports)]
pub use ctl::*;
#[allow(unused_imports)]
pub use daemon::*;
#[allow(unused_imports)]
pub use fake_api::*;
#[allow(unused_imports)]
pub use serde_json::{json, Value};

/// A port that was free a moment ago (bind 127.0.0.1:0, read it, release it).
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    l.local_addr().unwrap().port()
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// `n` pseudo-random lowercase hex chars (unique per call in this process).
pub fn rand_hex(n: usize) -> String {
    let mut out = String::new();
    while out.len() < n {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        h.write_u128(SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos());
        h.write_u32(std::process::id());
        out.push_str(&format!("{:016x}", h.finish()));
    }
    out.truncate(n);
    out
}

/// A device apiKey like the plugin's (32 hex chars).
pub fn device_key() -> String {
    rand_hex(32)
}

/// A recognisable plugin key (so a leak is easy to grep).
pub fn plugin_key() -> String {
    format!("PLUGINKEY{}", rand_hex(23))
}

pub fn now_f64() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs_f64()
}

pub fn now_secs() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

/// Poll `f` every 20 ms until it returns `Some`, at most `d`.
pub async fn eventually<T>(d: Duration, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = tokio::time::Instant::now() + d;
    loop {
        if let Some(v) = f() {
            return v;
        }
        if tokio::time::Instant::now() >= deadline {
            panic!("timed out after {d:?} waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Event items in the app's incremental shapes (docs/protocol.md, "Events").

pub fn cmd_item(id: &str, value: &str) -> Value {
    let t = now_secs();
    json!({"id": id, "value": value, "modified": t, "collectDate": t,
           "history": {"averageValue": 21.2, "minValue": 20.1, "maxValue": 22, "tendance": "stable"}})
}

pub fn sc_item(id: &str, status: &str) -> Value {
    json!({"id": id, "status": status, "lastLaunch": now_secs()})
}

pub fn obj_item(object_id: &str, temperature: f64) -> Value {
    json!({"object_id": object_id, "keys": {"temperature": {"value": temperature}}})
}

/// An `EVENTS` control message (only the non-empty lists).
pub fn events_msg(cmds: Vec<Value>, scs: Vec<Value>, objs: Vec<Value>) -> Value {
    let mut events = Vec::new();
    if !cmds.is_empty() {
        events.push(json!({"type": "CMD_INFO", "payload": cmds}));
    }
    if !scs.is_empty() {
        events.push(json!({"type": "SC_INFO", "payload": scs}));
    }
    if !objs.is_empty() {
        events.push(json!({"type": "OBJ_INFO", "payload": objs}));
    }
    json!({"type": "EVENTS", "events": events})
}

/// The list `kind` ("CMD_INFO", …) of a `SET_EVENTS` payload, or empty.
pub fn set_events_list(result: &Value, kind: &str) -> Vec<Value> {
    result["payload"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter(|i| i["type"] == kind)
                .flat_map(|i| i["payload"].as_array().cloned().unwrap_or_default())
                .collect()
        })
        .unwrap_or_default()
}

/// The `DATETIME` of a `SET_EVENTS` payload.
pub fn set_events_datetime(result: &Value) -> Option<f64> {
    result["payload"].as_array()?.iter().find(|i| i["type"] == "DATETIME")?["payload"].as_f64()
}
