//! Counters of what the daemon does, shown by the control socket's `STATUS`, `GET /metrics` (Prometheus text
//! format) and `GET /status.html`.
//!
//! Everything is a relaxed atomic bumped on the hot path; reading them is a snapshot, not a transaction. The
//! Prometheus text is rendered by hand: the counters are plain atomics that the transports bump directly, and the
//! exposition format for a dozen counters and one histogram is a few lines, so a metrics crate would only add a
//! second registry to keep in sync.

use std::fmt::Write as _;
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
    /// Time from an event being journaled to its frame being written to a client.
    pub delivery: Histogram,
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

/// Upper bounds of the latency buckets, in microseconds (the last bucket, +Inf, is implicit).
pub const BUCKETS_US: [u64; 16] = [
    100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000,
    5_000_000, 10_000_000,
];

/// A fixed-bucket latency histogram, lock-free.
#[derive(Default)]
pub struct Histogram {
    /// Per-bucket (not cumulative) counts; index `BUCKETS_US.len()` is +Inf.
    counts: [AtomicU64; BUCKETS_US.len() + 1],
    sum_us: AtomicU64,
    count: AtomicU64,
    max_us: AtomicU64,
}

/// A copy of a histogram's state.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HistogramSnapshot {
    /// Cumulative counts per `BUCKETS_US` bound, then +Inf (= `count`).
    pub cumulative: Vec<u64>,
    pub sum_us: u64,
    pub count: u64,
    pub max_us: u64,
}

impl Histogram {
    pub fn observe_us(&self, us: u64) {
        let i = BUCKETS_US.iter().position(|&b| us <= b).unwrap_or(BUCKETS_US.len());
        self.counts[i].fetch_add(1, Ordering::Relaxed);
        self.sum_us.fetch_add(us, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
        self.max_us.fetch_max(us, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> HistogramSnapshot {
        let mut running = 0;
        let cumulative = self
            .counts
            .iter()
            .map(|c| {
                running += c.load(Ordering::Relaxed);
                running
            })
            .collect();
        HistogramSnapshot {
            cumulative,
            sum_us: self.sum_us.load(Ordering::Relaxed),
            count: running,
            max_us: self.max_us.load(Ordering::Relaxed),
        }
    }
}

impl HistogramSnapshot {
    /// The upper bound of the bucket holding quantile `q` (0..=1), in µs; `None` when empty. Past the last bound
    /// the observed maximum is returned.
    pub fn quantile_us(&self, q: f64) -> Option<u64> {
        if self.count == 0 {
            return None;
        }
        let rank = ((q.clamp(0.0, 1.0) * self.count as f64).ceil() as u64).max(1);
        let i = self.cumulative.iter().position(|&c| c >= rank)?;
        Some(BUCKETS_US.get(i).map_or(self.max_us, |&b| b.min(self.max_us.max(1))))
    }
}

/// Figures the hub knows and the counters do not, for `/metrics`.
#[derive(Clone, Debug, Default)]
pub struct Extra {
    pub devices: u64,
    pub devices_connected: u64,
    pub uptime_secs: u64,
}

impl Metrics {
    /// Records how long an event took from being journaled (its cursor is the unix time in µs at which it was
    /// accepted) to being written to a client.
    pub fn observe_delivery(&self, cursor_micros: i64) {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_micros() as i64)
            .unwrap_or(0);
        // A replayed event (resume) is old by design: it says nothing about live latency.
        let latency_us = (now - cursor_micros).max(0) as u64;
        if latency_us <= 60_000_000 {
            self.delivery.observe_us(latency_us);
        }
    }

    pub fn to_json(&self) -> Value {
        let g = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let h = self.delivery.snapshot();
        let ms = |us: Option<u64>| us.map(|u| u as f64 / 1000.0);
        json!({
            "connections": {"ws": g(&self.ws_connections), "sse": g(&self.sse_connections)},
            "counters": {
                "events_in": g(&self.events_in), "frames_out": g(&self.frames_out),
                "coalesced": g(&self.coalesced), "slow_closes": g(&self.slow_closes),
                "resumes": g(&self.resumes), "overflows": g(&self.overflows),
                "relay_requests": g(&self.relay_requests), "relay_failures": g(&self.relay_failures),
                "pushes_queued": g(&self.pushes_queued),
            },
            "latency": {
                "deliveries": h.count,
                "mean_ms": (h.count > 0).then(|| h.sum_us as f64 / h.count as f64 / 1000.0),
                "p50_ms": ms(h.quantile_us(0.5)), "p99_ms": ms(h.quantile_us(0.99)),
                "max_ms": (h.count > 0).then(|| h.max_us as f64 / 1000.0),
            }
        })
    }

    /// The Prometheus text exposition format (version 0.0.4).
    pub fn prometheus(&self, extra: &Extra) -> String {
        let g = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let mut out = String::with_capacity(4096);
        let mut metric = |name: &str, kind: &str, help: &str, samples: &[(&str, u64)]| {
            let _ = writeln!(out, "# HELP jeedomconnectd_{name} {help}\n# TYPE jeedomconnectd_{name} {kind}");
            for (labels, v) in samples {
                let _ = writeln!(out, "jeedomconnectd_{name}{labels} {v}");
            }
        };
        metric(
            "build_info",
            "gauge",
            "Version of the running daemon.",
            &[(&format!("{{version=\"{}\"}}", env!("CARGO_PKG_VERSION")), 1)],
        );
        metric("uptime_seconds", "gauge", "Seconds since the daemon started.", &[("", extra.uptime_secs)]);
        metric(
            "connections",
            "gauge",
            "Live authenticated app connections per transport (polling apps hold none).",
            &[("{transport=\"ws\"}", g(&self.ws_connections)), ("{transport=\"sse\"}", g(&self.sse_connections))],
        );
        metric("devices", "gauge", "Devices (equipments) known to the daemon.", &[("", extra.devices)]);
        metric("devices_connected", "gauge", "Devices with a live connection.", &[("", extra.devices_connected)]);
        let h = self.delivery.snapshot();
        let counters: [(&str, &str, u64); 10] = [
            ("events_in_total", "Event items accepted from the plugin (EVENTS).", g(&self.events_in)),
            ("frames_out_total", "WebSocket frames and SSE events written to apps.", g(&self.frames_out)),
            (
                "queue_coalesced_total",
                "Unsent values of a slow client replaced by a newer value of the same cmd.",
                g(&self.coalesced),
            ),
            (
                "slow_client_closes_total",
                "Clients closed because their queue overflowed (code 4002).",
                g(&self.slow_closes),
            ),
            ("resumes_total", "Reconnections or polls that received missed events from the journal.", g(&self.resumes)),
            (
                "overflows_total",
                "Resumes from a cursor older than the journal keeps (full snapshot sent).",
                g(&self.overflows),
            ),
            ("relay_requests_total", "Requests relayed to the plugin API.", g(&self.relay_requests)),
            (
                "relay_failures_total",
                "Relayed requests that failed (unreachable, timeout, HTTP error).",
                g(&self.relay_failures),
            ),
            ("pushes_queued_total", "PUSH messages stored for an offline device.", g(&self.pushes_queued)),
            ("events_out_total", "Event deliveries to clients (one per client write of one or more events).", h.count),
        ];
        for (name, help, v) in counters {
            metric(name, "counter", help, &[("", v)]);
        }
        let name = "jeedomconnectd_event_delivery_seconds";
        let _ = writeln!(
            out,
            "# HELP {name} Time from an event being journaled to its frame being written to a client.\n# TYPE {name} histogram"
        );
        for (i, bound) in BUCKETS_US.iter().enumerate() {
            let _ = writeln!(out, "{name}_bucket{{le=\"{}\"}} {}", *bound as f64 / 1e6, h.cumulative[i]);
        }
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {}", h.count);
        let _ = writeln!(out, "{name}_sum {}", h.sum_us as f64 / 1e6);
        let _ = writeln!(out, "{name}_count {}", h.count);
        if let Some((rss, fds)) = process_figures() {
            let _ = writeln!(out, "# HELP process_resident_memory_bytes Resident memory size in bytes.");
            let _ = writeln!(out, "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes {rss}");
            let _ = writeln!(out, "# HELP process_open_fds Number of open file descriptors.");
            let _ = writeln!(out, "# TYPE process_open_fds gauge\nprocess_open_fds {fds}");
        }
        out
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// `GET /status.html`: the `STATUS` figures as a small page that refreshes itself (no script, no external asset).
pub fn status_html(status: &Value) -> String {
    let text = |v: &Value| match v {
        Value::String(s) => escape(s),
        Value::Null => "–".into(),
        v => escape(&v.to_string()),
    };
    let mut rows = String::new();
    let mut add_row = |k: &str, v: &Value| {
        let _ = writeln!(rows, "<tr><th>{}</th><td>{}</td></tr>", escape(k), text(v));
    };
    add_row("version", &status["version"]);
    add_row("uptime (s)", &status["uptime"]);
    if let Some((rss, fds)) = process_figures() {
        add_row("resident memory (MiB)", &json!(format!("{:.1}", rss as f64 / 1048576.0)));
        add_row("open file descriptors", &json!(fds));
    }
    for (group, prefix) in [("connections", "connections "), ("counters", ""), ("latency", "event latency ")] {
        if let Some(o) = status[group].as_object() {
            for (k, v) in o {
                add_row(&format!("{prefix}{}", k.replace('_', " ")), v);
            }
        }
    }
    let mut devices = String::new();
    for d in status["devices"].as_array().into_iter().flatten() {
        let _ = writeln!(
            devices,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            text(&d["apiKey"]),
            if d["enabled"] == true { "yes" } else { "no" },
            text(&d["mode"]),
            if d["connected"] == true { "connected" } else { "–" },
            text(&d["address"]),
            d["since"]
                .as_i64()
                .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
                .map_or("–".into(), |t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string()),
        );
    }
    format!(
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>jeedomconnectd status</title>
<style>body{{font-family:sans-serif;margin:1.5em;color:#222}}table{{border-collapse:collapse;margin-bottom:1.5em}}
th,td{{border:1px solid #ccc;padding:.3em .7em;text-align:left}}th{{background:#f3f3f3;font-weight:600}}</style>
</head><body>
<h1>jeedomconnectd</h1>
<p>Refreshes every 5 s. Prometheus figures: <a href="metrics">/metrics</a>; JSON: <a href="status">/status</a>.</p>
<table>
{rows}</table>
<h2>Devices</h2>
<table><tr><th>apiKey</th><th>enabled</th><th>mode</th><th>state</th><th>address</th><th>since</th></tr>
{devices}</table>
</body></html>
"#
    )
}

/// This process's resident memory (bytes) and open file descriptors, from /proc (Linux only).
pub fn process_figures() -> Option<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let rss_kib: u64 =
        status.lines().find_map(|l| l.strip_prefix("VmRSS:"))?.trim().trim_end_matches("kB").trim().parse().ok()?;
    let fds = std::fs::read_dir("/proc/self/fd").map(|d| d.count() as u64).unwrap_or(0);
    Some((rss_kib * 1024, fds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_and_quantiles() {
        let h = Histogram::default();
        assert_eq!(h.snapshot().quantile_us(0.5), None);
        for _ in 0..98 {
            h.observe_us(300);
        }
        h.observe_us(40_000);
        h.observe_us(20_000_000);
        let s = h.snapshot();
        assert_eq!(s.count, 100);
        assert_eq!(s.quantile_us(0.5), Some(500));
        assert_eq!(s.quantile_us(0.99), Some(50_000));
        assert_eq!(s.quantile_us(1.0), Some(20_000_000));
        assert_eq!(*s.cumulative.last().unwrap(), 100);
    }

    #[test]
    fn prometheus_text() {
        let m = Metrics::default();
        inc(&m.ws_connections);
        add(&m.events_in, 3);
        m.delivery.observe_us(700);
        let text = m.prometheus(&Extra { devices: 2, devices_connected: 1, uptime_secs: 5 });
        assert!(text.contains("jeedomconnectd_connections{transport=\"ws\"} 1\n"), "{text}");
        assert!(text.contains("jeedomconnectd_events_in_total 3\n"));
        assert!(text.contains("jeedomconnectd_devices 2\n"));
        assert!(text.contains("jeedomconnectd_event_delivery_seconds_bucket{le=\"0.0005\"} 0\n"));
        assert!(text.contains("jeedomconnectd_event_delivery_seconds_bucket{le=\"0.001\"} 1\n"));
        assert!(text.contains("jeedomconnectd_event_delivery_seconds_count 1\n"));
        // Every sample line is `name{labels} number`.
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let (_, v) = line.rsplit_once(' ').unwrap();
            assert!(v.parse::<f64>().is_ok(), "{line}");
        }
    }
}
