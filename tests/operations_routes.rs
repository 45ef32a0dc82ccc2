//! Operations routes: `/metrics`, `/status.html` and `/status` answer loopback callers and callers with the plugin
//! key, and refuse anyone else. The public listener puts a `Client` (the TCP peer) in each request; here the
//! request is built with a peer of our choosing, so a non-loopback caller can be played on a loopback-only machine.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use jeedomconnectd::client::Client;
use jeedomconnectd::config::Config;
use jeedomconnectd::hub::Hub;
use jeedomconnectd::journal::{Journal, Retention};
use jeedomconnectd::rpc;
use warp::Filter;

const KEY: &str = "PLUGINKEYoperations0123456789";

fn hub(dir: &std::path::Path) -> Arc<Hub> {
    let mut cfg = Config::with_key(KEY);
    cfg.data_dir = dir.to_path_buf();
    let retention = Retention { max_events: 1000, max_age: Duration::from_secs(3600) };
    let (journal, loaded, _batches) = Journal::open(&cfg.data_dir, retention).expect("journal");
    Hub::new(Arc::new(cfg), journal, loaded.devices)
}

fn client(peer: &str) -> Client {
    let peer: SocketAddr = peer.parse().unwrap();
    Client { peer, real_ip: peer.ip().to_string() }
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("jcd-ops-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[tokio::test]
async fn metrics_and_status_pages_need_loopback_or_the_plugin_key() {
    let dir = temp_dir("guard");
    let hub = hub(&dir);
    jeedomconnectd::metrics::inc(&hub.metrics.ws_connections);
    hub.metrics.observe_delivery(chrono::Utc::now().timestamp_micros() - 1500);
    let routes = rpc::routes(hub.clone());
    for path in ["/metrics", "/status.html", "/status"] {
        // A LAN or Internet caller without the key: refused, and nothing of the figures leaks.
        let r = warp::test::request().path(path).extension(client("192.0.2.1:40000")).reply(&routes).await;
        assert_eq!(r.status(), 403, "{path} without key from 192.0.2.1");
        assert!(!String::from_utf8_lossy(r.body()).contains("jeedomconnectd_"), "{path}");
        let r = warp::test::request()
            .path(path)
            .header("x-jeedom-apikey", "wrong")
            .extension(client("192.0.2.1:40000"))
            .reply(&routes)
            .await;
        assert_eq!(r.status(), 403, "{path} with a wrong key");
        let r = warp::test::request()
            .path(&format!("{path}?apikey=wrong"))
            .extension(client("[2001:db8::1]:40000"))
            .reply(&routes)
            .await;
        assert_eq!(r.status(), 403, "{path} with a wrong key in the query");
        // With the key (header or query), from anywhere.
        let r = warp::test::request()
            .path(path)
            .header("x-jeedom-apikey", KEY)
            .extension(client("192.0.2.1:40000"))
            .reply(&routes)
            .await;
        assert_eq!(r.status(), 200, "{path} with the key in the header");
        let r = warp::test::request()
            .path(&format!("{path}?apikey={KEY}"))
            .extension(client("192.0.2.1:40000"))
            .reply(&routes)
            .await;
        assert_eq!(r.status(), 200, "{path} with the key in the query");
        // From loopback (IPv4, IPv6, and IPv4-mapped IPv6), without a key.
        for peer in ["127.0.0.1:40000", "[::1]:40000", "[::ffff:127.0.0.1]:40000"] {
            let r = warp::test::request().path(path).extension(client(peer)).reply(&routes).await;
            assert_eq!(r.status(), 200, "{path} from {peer}");
        }
        // From loopback but forwarded for someone else (a local proxy passing `/` on): refused without the key,
        // served with it.
        for (header, value) in
            [("x-forwarded-for", "203.0.113.7"), ("x-real-ip", "203.0.113.7"), ("forwarded", "for=203.0.113.7")]
        {
            let r = warp::test::request()
                .path(path)
                .header(header, value)
                .extension(client("127.0.0.1:40000"))
                .reply(&routes)
                .await;
            assert_eq!(r.status(), 403, "{path} from loopback with {header}");
            assert!(!String::from_utf8_lossy(r.body()).contains("jeedomconnectd_"), "{path}");
            let r = warp::test::request()
                .path(path)
                .header(header, value)
                .header("x-jeedom-apikey", KEY)
                .extension(client("127.0.0.1:40000"))
                .reply(&routes)
                .await;
            assert_eq!(r.status(), 200, "{path} forwarded with {header} and the key");
        }
    }
    let r = warp::test::request().path("/metrics").extension(client("127.0.0.1:1")).reply(&routes).await;
    let text = String::from_utf8_lossy(r.body()).to_string();
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/plain; version=0.0.4"));
    for needle in [
        "jeedomconnectd_connections{transport=\"ws\"} 1",
        "jeedomconnectd_connections{transport=\"sse\"} 0",
        "jeedomconnectd_devices 0",
        "jeedomconnectd_events_in_total 0",
        "jeedomconnectd_slow_client_closes_total 0",
        "jeedomconnectd_relay_failures_total 0",
        "jeedomconnectd_event_delivery_seconds_bucket{le=\"0.0025\"} 1",
        "jeedomconnectd_event_delivery_seconds_count 1",
    ] {
        assert!(text.contains(needle), "missing {needle} in\n{text}");
    }
    let r = warp::test::request().path("/status.html").extension(client("127.0.0.1:1")).reply(&routes).await;
    let html = String::from_utf8_lossy(r.body()).to_string();
    assert!(html.contains("<h1>jeedomconnectd</h1>") && html.contains("event latency p99 ms"), "{html}");
    // The same figures behind STATUS (hub.status() is what the control socket answers).
    let status = hub.status();
    assert_eq!(status["latency"]["deliveries"], 1);
    assert_eq!(status["connections"]["ws"], 1);
    // The daemon serves no page at `/`: only a program embedding it (the demo) adds one.
    let r = warp::test::request().path("/").extension(client("127.0.0.1:1")).reply(&routes).await;
    assert!(r.status().is_client_error(), "{}", r.status());
    // A route nobody serves is 404 whatever the method (warp alone would say 405).
    let routes = rpc::routes(hub.clone()).recover(rpc::not_found).unify();
    for (method, path) in [("GET", "/nowhere"), ("POST", "/nowhere"), ("DELETE", "/"), ("PUT", "/status")] {
        let r = warp::test::request().method(method).path(path).extension(client("127.0.0.1:1")).reply(&routes).await;
        assert_eq!(r.status(), 404, "{method} {path}");
    }
    let _ = std::fs::remove_dir_all(dir);
}
