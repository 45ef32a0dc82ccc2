//! Hardening: bad input never panics, what is acknowledged is durable, strangers cost nothing, nothing an app
//! sends can forge a log line, a socket keeps one identity, the control socket is bounded, a corrupt journal does
//! not keep the daemon down, cursors are finite.

mod common;

use std::time::Duration;

use common::*;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_range_flags_are_clear_errors_not_panics() {
    let dir = TestDir::new("flags");
    let base = DaemonCfg::new(&plugin_key(), "http://127.0.0.1:9/", dir.path());
    let cases = [
        ("--retention-hours", "-1"),
        ("--retention-hours", "nan"),
        ("--retention-hours", "inf"),
        ("--retention-hours", "1e300"),
        ("--auth-timeout", "1e30"),
        ("--ping-interval", "1e30"),
        ("--sse-heartbeat", "-inf"),
        ("--relay-timeout", "NaN"),
        ("--control-idle", "0"),
        ("--max-message", "-5"),
        ("--queue-limit", "0"),
        ("--retention-events", "1e300"),
        ("--websocketport", "70000"),
    ];
    for (flag, value) in cases {
        let cfg = base.clone().arg(flag, value);
        let (st, out) = run_to_exit(&Daemon::args(&cfg), Some(&cfg.key), Duration::from_secs(5)).await;
        assert_eq!(st.code(), Some(2), "{flag} {value}: exit {st}, output:\n{out}");
        assert!(!out.contains("panicked"), "{flag} {value} panicked:\n{out}");
        assert!(out.contains(flag) && out.contains("out of range"), "{flag} {value}: unclear message:\n{out}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newline_in_a_method_name_cannot_forge_a_log_line() {
    // The plugin API is unreachable, so the relay's failure warning names the method.
    let dir = TestDir::new("loginject");
    let cfg = DaemonCfg::new(&plugin_key(), &format!("http://127.0.0.1:{}/", free_port()), dir.path())
        .arg("--relay-timeout", "2");
    let d = Daemon::start(cfg).await;
    let mut ws = Ws::connect(d.cfg.ws_port).await;
    let forged = "[2031-01-01 00:00:00][ERROR] : forged by an app";
    ws.request("1", &format!("GET_INFO\n{forged}\r\u{1b}[2J"), json!({"apiKey": "x"})).await;
    let answer = ws.recv_json(Duration::from_secs(10)).await;
    assert_eq!(answer["type"], "EXCEPTION", "{answer}");
    let logs = eventually(WAIT, "the relay failure warning", || {
        let l = d.logs();
        l.contains("relay of GET_INFO").then_some(l)
    })
    .await;
    for line in logs.lines() {
        assert!(!line.starts_with("[2031-01-01"), "an app forged a log line:\n{logs}");
        assert!(!line.contains('\u{1b}'), "a control character reached the log:\n{logs}");
    }
    assert!(
        logs.contains("relay of GET_INFO\\n[2031-01-01 00:00:00][ERROR] : forged by an app\\r\\u{1b}[2J"),
        "{logs}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_socket_keeps_the_identity_of_its_first_connect() {
    let env = Env::start(&[]).await;
    let a = DeviceSpec::ws(&device_key());
    let b = DeviceSpec::ws(&device_key()).with_cmds(["99"]);
    env.api.add_device(b.clone());
    env.daemon.devices(vec![a.record(), b.record()], true).await;
    let (mut ws, _) = env.ws_device(&a).await;
    // Another valid key on the same socket: refused, without asking PHP.
    let refused = ws.connect_device(&b.key, "c2").await;
    assert_eq!(refused["type"], "EXCEPTION", "{refused}");
    assert_eq!(refused["eqApiKey"], json!(a.key), "the answer still speaks for A: {refused}");
    assert!(env.api.requests_of("CONNECT").iter().all(|r| r.api_key() != Some(&b.key)), "B's CONNECT reached PHP");
    // The socket is still A's: A's events arrive, B's do not.
    env.daemon.events(events_msg(vec![cmd_item("99", "b-only"), cmd_item("12", "for-a")], vec![], vec![])).await;
    let frames = ws.collect_until(WAIT, "A's event", |f| !frame_items(f, "CMD_INFO").is_empty()).await;
    let items = frame_items(&frames, "CMD_INFO");
    assert!(items.iter().all(|i| i["id"] == "12"), "B's event reached A's socket: {items:?}");
    // Same key again works as it always did.
    let again = ws.connect_device(&a.key, "c3").await;
    assert_eq!(again["type"], "WELCOME", "{again}");
    ws.close().await;
    // Only A's DISCONNECT is relayed on close.
    env.api.wait_request(WAIT, "DISCONNECT", |r| r.api_key() == Some(&a.key)).await;
    assert!(env.api.requests_of("DISCONNECT").iter().all(|r| r.api_key() != Some(&b.key)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_routes_are_404() {
    let env = Env::start(&[]).await;
    assert_eq!(http_get(env.daemon.cfg.ws_port, "/nowhere").await.map(|r| r.0), Some(404));
    assert_eq!(http_post(env.daemon.cfg.ws_port, "/nowhere", "{}").await.0, 404);
    assert_eq!(http_get(env.daemon.cfg.ws_port, "/health").await.map(|r| r.0), Some(200));
}

// ---- strangers ------------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strangers_cost_php_nothing_and_a_known_phone_still_connects() {
    let env = Env::start(&[]).await;
    let good = DeviceSpec::ws(&device_key());
    env.api.add_device(good.clone());
    env.daemon.devices(vec![good.record()], true).await;
    let before = env.api.requests().len();
    let n = 30;
    let mut bad_keys = Vec::new();
    for i in 0..n {
        let key = device_key();
        let mut ws = Ws::connect(env.daemon.cfg.ws_port).await;
        let answer = ws.connect_device(&key, &format!("bad{i}")).await;
        assert_eq!(answer["type"], "BAD_DEVICE", "{answer}");
        let (_, code) = ws.expect_close(WAIT).await;
        assert_eq!(code, Some(1000));
        bad_keys.push(key);
    }
    // An unknown SSE key too.
    let mut sse = Sse::open(env.daemon.cfg.ws_port, &device_key(), None).await;
    let ended = sse.expect_end(WAIT).await;
    assert!(ended.iter().any(|e| e.msg["payload"]["message"].as_str().is_some_and(|m| m.contains("Can't find"))));
    // The good phone, from the same address that just failed 30 times.
    let (ws, welcome) = env.ws_device(&good).await;
    assert_eq!(welcome["type"], "WELCOME");
    ws.close().await;
    env.api.wait_request(WAIT, "DISCONNECT", |r| r.api_key() == Some(&good.key)).await;
    let strangers: Vec<String> = env.api.requests()[before..]
        .iter()
        .filter(|r| r.api_key() != Some(&good.key))
        .map(|r| r.raw_body.clone())
        .collect();
    assert!(strangers.is_empty(), "{} plugin API request(s) for strangers: {strangers:?}", strangers.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strangers_stuck_on_a_slow_php_leave_the_phones_their_relay_slots() {
    // No full device set yet, so strangers' CONNECTs do go to PHP; PHP takes 3 s over each of them.
    let env = Env::start(&[]).await;
    let good = DeviceSpec::ws(&device_key());
    env.api.add_device(good.clone());
    env.daemon.devices(vec![good.record()], false).await;
    let mut strangers = Vec::new();
    for i in 0..16 {
        let mut ws = Ws::connect(env.daemon.cfg.ws_port).await;
        ws.request(&format!("s{i}"), "CONNECT", json!({"apiKey": device_key(), "delay_ms": 3000})).await;
        strangers.push(ws);
    }
    let stranger_connects = || env.api.requests_of("CONNECT").iter().filter(|r| r.api_key() != Some(&good.key)).count();
    eventually(WAIT, "the strangers' first CONNECTs at PHP", || (stranger_connects() >= 4).then_some(())).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    // The phone's CONNECT does not queue behind them.
    let mut ws = Ws::connect(env.daemon.cfg.ws_port).await;
    let welcome = ws.connect_device(&good.key, "good").await;
    assert_eq!(welcome["type"], "WELCOME", "{welcome}");
    let connects = env.api.requests_of("CONNECT");
    let good_seq = connects.iter().find(|r| r.api_key() == Some(&good.key)).expect("the phone's CONNECT").seq;
    let before = connects.iter().filter(|r| r.seq < good_seq && r.api_key() != Some(&good.key)).count();
    assert!(before <= 4, "{before} strangers' CONNECTs were let through to PHP before the phone's");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn before_any_device_set_failed_connects_are_limited_per_address() {
    // No DEVICES yet (right after a first start): PHP decides, but one address only gets a few tries.
    let env = Env::start(&[]).await;
    for i in 0..25 {
        let mut ws = Ws::connect(env.daemon.cfg.ws_port).await;
        let answer = ws.connect_device(&device_key(), &format!("s{i}")).await;
        assert_ne!(answer["type"], "WELCOME", "{answer}");
    }
    let connects = env.api.requests_of("CONNECT").len();
    assert!((1..=10).contains(&connects), "{connects} CONNECTs of strangers reached PHP (limit 10 per address)");
}

// ---- control socket -------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_connections_are_capped() {
    let env = Env::start(&[]).await;
    let port = env.daemon.cfg.ctl_port;
    let mut open = Vec::new();
    for _ in 0..8 {
        // Each one answered (so the daemon has accepted it); the connection the test helpers used to see the
        // daemon ready may not have been counted out yet, so one refused for that reason is tried again.
        let c = eventually_async(|| async {
            let mut c = Ctl::connect(port).await;
            let r = c.request(&env.daemon.keyed(&json!({"type": "STATUS"}))).await;
            r.get("version").is_some().then_some(c)
        })
        .await;
        open.push(c);
    }
    let mut extra = Ctl::connect(port).await;
    let r = extra.read(WAIT).await.expect("an answer before the close");
    assert_eq!(r["ok"], false, "{r}");
    assert!(r["error"].as_str().unwrap().contains("too many"), "{r}");
    assert!(extra.read(WAIT).await.is_none(), "the ninth connection is closed");
    drop(open.pop());
    // Once the daemon has seen that one go, there is room again.
    let r = eventually_async(|| async {
        ctl_request(port, &env.daemon.keyed(&json!({"type": "STATUS"})))
            .await
            .ok()
            .filter(|v| v.get("version").is_some())
    })
    .await;
    assert!(r.get("version").is_some(), "{r}");
}

/// Retries `f` every 50 ms, at most [`WAIT`].
async fn eventually_async<T, F: std::future::Future<Output = Option<T>>>(f: impl Fn() -> F) -> T {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(tokio::time::Instant::now() < deadline, "timed out");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_control_connection_is_closed() {
    let env = Env::start(&["--control-idle", "0.3"]).await;
    let mut c = Ctl::connect(env.daemon.cfg.ctl_port).await;
    let r = c.read(WAIT).await.expect("a line saying why");
    assert!(r["error"].as_str().unwrap().contains("idle"), "{r}");
    assert!(c.read(WAIT).await.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_keys_are_logged_once_per_burst() {
    let env = Env::start(&[]).await;
    let mut c = Ctl::connect(env.daemon.cfg.ctl_port).await;
    for _ in 0..12 {
        let r = c.request(&json!({"type": "STATUS", "jeedomApiKey": "guess"})).await;
        assert_eq!(r, json!({"ok": false, "error": "wrong plugin key"}));
    }
    let logs = env.daemon.logs();
    let lines = logs.lines().filter(|l| l.contains("wrong plugin key")).count();
    assert_eq!(lines, 1, "12 wrong keys in one burst make one log line:\n{logs}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_100_mb_control_line_is_refused_as_it_streams() {
    let env = Env::start(&[]).await;
    let mut s = TcpStream::connect(("127.0.0.1", env.daemon.cfg.ctl_port)).await.unwrap();
    let chunk = vec![b'x'; 1 << 20];
    let mut written = 0usize;
    let wrote_all = within(Duration::from_secs(60), "writing 100 MB", async {
        s.write_all(b"{\"type\":\"EVENTS\",\"pad\":\"").await.ok()?;
        for _ in 0..100 {
            s.write_all(&chunk).await.ok()?;
            written += chunk.len();
        }
        Some(())
    })
    .await;
    assert!(wrote_all.is_none(), "the daemon read all of a 100 MB line instead of refusing it");
    assert!(written < 40 << 20, "{written} bytes accepted before the refusal");
    let status = env.daemon.status().await;
    assert!(status.get("version").is_some());
    let hwm = std::fs::read_to_string(format!("/proc/{}/status", env.daemon.pid)).unwrap();
    let hwm_kb: u64 = hwm
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap();
    assert!(hwm_kb < 100 * 1024, "the daemon's peak memory reached {hwm_kb} kB");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_messages_are_validated_strictly() {
    let env = Env::start(&[]).await;
    let d = DeviceSpec::ws(&device_key());
    env.daemon.devices(vec![d.record()], true).await;
    for bad in [
        json!({"type": "DEVICES", "devices": {}, "full": true}),
        json!({"type": "DEVICES", "devices": "all", "full": true}),
        json!({"type": "DEVICES", "full": true}),
        json!({"type": "DEVICES", "devices": [1], "full": true}),
        json!({"type": "DEVICES", "devices": [], "full": {"x": 1}}),
        json!({"type": "EVENTS", "events": [{"type": "CMD_INFO", "payload": {"id": "12"}}]}),
        json!({"type": "EVENTS", "events": {}}),
        json!({"type": "PUSH", "eqApiKey": ["k"], "message": {}}),
        json!({"type": "STATUS", "ack": "yes"}),
        json!({"type": "CLOSE_DEVICE", "eqApiKey": d.key, "reason": 5}),
    ] {
        let r = env.daemon.ctl(bad.clone()).await;
        assert_eq!(r["ok"], false, "{bad} → {r}");
    }
    let status = env.daemon.status().await;
    assert_eq!(status["devices"].as_array().unwrap().len(), 1, "a malformed full set deleted devices: {status}");
}

// ---- durability -----------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_push_and_devices_survive_kill_9() {
    let api = FakeApi::start().await;
    let dir = TestDir::new("durable");
    let cfg = DaemonCfg::new(&plugin_key(), &api.callback_url(), dir.path());
    let mut d = Daemon::start(cfg.clone()).await;
    let dev = DeviceSpec::polling(&device_key());
    // Keep the journal's writer busy with a big batch sent just before, on another connection, so that an
    // acknowledgement given before the commit would be caught by the kill.
    let big = events_msg((0..30_000).map(|i| cmd_item(&i.to_string(), "v")).collect(), vec![], vec![]);
    let mut busy = Ctl::connect(cfg.ctl_port).await;
    busy.send(&d.keyed(&big)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut c = Ctl::connect(cfg.ctl_port).await;
    let msg = json!({"type": "ACTIONS", "payload": {"action": "toaster", "message": "durable"}});
    for m in [
        json!({"type": "DEVICES", "devices": [dev.record()], "full": false, "ack": true}),
        json!({"type": "PUSH", "eqApiKey": dev.key, "message": msg, "ack": true}),
    ] {
        c.send(&d.keyed(&m)).await;
        let r = c.read(Duration::from_secs(60)).await.expect("an acknowledgement");
        assert_eq!(r["ok"], true, "{r}");
    }
    d.kill9().await;
    let d = Daemon::start(cfg.fresh_ports()).await;
    let status = d.ctl(json!({"type": "STATUS", "eqApiKey": dev.key})).await;
    assert!(status["device"].is_object(), "the acknowledged DEVICES was lost: {status}");
    let since = d.events_since(&dev.key, json!(null)).await;
    assert_eq!(since["pending"], json!([msg]), "the acknowledged PUSH was lost: {since}");
}

/// The `ACTIONS` frames among `frames` whose message is `text`.
fn actions_saying(frames: &[Value], text: &str) -> usize {
    frames.iter().filter(|f| f["type"] == "ACTIONS" && f["payload"]["message"] == json!(text)).count()
}

/// Connects the phone, then pushes a marker and reads up to it: every frame written to the phone before the
/// marker (catch-up and queued pushes included).
async fn reconnect_until_marker(d: &Daemon, dev: &DeviceSpec, marker: &str) -> (Ws, Vec<Value>) {
    let mut ws = Ws::connect(d.cfg.ws_port).await;
    assert_eq!(ws.connect_device(&dev.key, "again").await["type"], "WELCOME");
    d.push(&dev.key, json!({"type": "ACTIONS", "payload": {"action": "toaster", "message": marker}})).await;
    let frames = ws.collect_until(Duration::from_secs(60), marker, |f| actions_saying(f, marker) == 1).await;
    (ws, frames)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_acknowledged_push_to_a_connected_phone_reaches_it_once_across_kill_9() {
    let api = FakeApi::start().await;
    let dir = TestDir::new("durable-live");
    let cfg = DaemonCfg::new(&plugin_key(), &api.callback_url(), dir.path()).arg("--ping-interval", "600");
    let mut d = Daemon::start(cfg.clone()).await;
    let dev = DeviceSpec::ws(&device_key());
    api.add_device(dev.clone());
    d.devices(vec![dev.record()], true).await;
    // A connected phone that does not read: once more than the kernel buffers hold (4 MB at most on loopback)
    // is on its way, the daemon's write to it waits, so the PUSH below is acknowledged before it is written.
    let mut stalled = Ws::connect_small_rcvbuf(d.cfg.ws_port, 2048).await;
    assert_eq!(stalled.connect_device(&dev.key, "c1").await["type"], "WELCOME");
    let pad = "s".repeat(500_000);
    let msgs = (0..20).map(|i| events_msg(vec![cmd_item("12", &format!("{i}-{pad}"))], vec![], vec![])).collect();
    d.events_batch(msgs).await;
    let msg = json!({"type": "ACTIONS", "payload": {"action": "toaster", "message": "durable"}});
    d.push(&dev.key, msg).await;
    d.kill9().await;
    drop(stalled);

    let d = Daemon::start(cfg.fresh_ports()).await;
    let (ws, frames) = reconnect_until_marker(&d, &dev, "after restart").await;
    assert_eq!(actions_saying(&frames, "durable"), 1, "the acknowledged PUSH was lost or doubled");
    ws.close().await;
    // Written once: not again on the next connection, nor a message pushed while the phone was there and read.
    let mut ws = Ws::connect(d.cfg.ws_port).await;
    assert_eq!(ws.connect_device(&dev.key, "c3").await["type"], "WELCOME");
    d.push(&dev.key, json!({"type": "ACTIONS", "payload": {"action": "toaster", "message": "live"}})).await;
    ws.collect_until(WAIT, "the live push", |f| actions_saying(f, "live") == 1).await;
    ws.close().await;
    let (_, frames) = reconnect_until_marker(&d, &dev, "last").await;
    assert_eq!(actions_saying(&frames, "durable"), 0, "delivered twice: {frames:?}");
    assert_eq!(actions_saying(&frames, "live"), 0, "delivered twice: {frames:?}");
    // (The marker just read may still be on its way out of the queue: only the earlier ones are checked.)
    let since = d.events_since(&dev.key, json!(null)).await;
    let pending = since["pending"].as_array().cloned().unwrap_or_default();
    assert_eq!(actions_saying(&pending, "durable") + actions_saying(&pending, "live"), 0, "still queued: {since}");
}

fn toaster(text: &str) -> Value {
    json!({"type": "ACTIONS", "payload": {"action": "toaster", "message": text}})
}

/// Opens an SSE stream, pushes a marker and reads up to it: everything the stream was written before it.
async fn sse_until_marker(d: &Daemon, dev: &DeviceSpec, marker: &str) -> Vec<Value> {
    let mut sse = Sse::open(d.cfg.ws_port, &dev.key, None).await;
    d.push(&dev.key, toaster(marker)).await;
    let mut seen = Vec::new();
    while actions_saying(&seen, marker) == 0 {
        seen.push(sse.next_msg(WAIT).await.msg);
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sse_stream_gets_queued_pushes_once_on_the_same_path() {
    let env = Env::start(&[]).await;
    let dev = DeviceSpec::sse(&device_key());
    env.api.add_device(dev.clone());
    env.daemon.devices(vec![dev.record()], true).await;
    env.daemon.push(&dev.key, toaster("queued")).await;
    let seen = sse_until_marker(&env.daemon, &dev, "first").await;
    assert_eq!(actions_saying(&seen, "queued"), 1, "{seen:?}");
    let seen = sse_until_marker(&env.daemon, &dev, "second").await;
    assert_eq!(actions_saying(&seen, "queued") + actions_saying(&seen, "first"), 0, "written twice: {seen:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_journal_is_moved_aside_and_apps_resync() {
    let api = FakeApi::start().await;
    let dir = TestDir::new("corrupt");
    let file = dir.path().join("jeedomconnectd.sqlite");
    std::fs::write(&file, "this is not a database, it is what a bad disk left behind\n".repeat(200)).unwrap();
    let d = Daemon::start(DaemonCfg::new(&plugin_key(), &api.callback_url(), dir.path())).await;
    let logs = d.logs();
    let aside: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with("jeedomconnectd.sqlite.corrupt-"))
        .collect();
    assert_eq!(aside.len(), 1, "{aside:?}");
    let error_line = logs.lines().find(|l| l.contains("[ERROR]") && l.contains(&aside[0]));
    assert!(error_line.is_some(), "no ERROR line naming {}:\n{logs}", aside[0]);
    // A client coming back with a cursor from before gets a full snapshot, not "nothing new".
    let dev = DeviceSpec::polling(&device_key());
    d.devices(vec![dev.record()], true).await;
    let since = d.events_since(&dev.key, json!(now_f64() - 60.0)).await;
    assert_eq!(since["overflow"], true, "{since}");
}

// ---- cursors --------------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sse_cursors_that_are_not_finite_get_the_snapshot() {
    let env = Env::start(&[]).await;
    let dev = DeviceSpec::sse(&device_key());
    env.api.add_device(dev.clone());
    env.daemon.devices(vec![dev.record()], true).await;
    env.daemon.events(events_msg(vec![cmd_item("12", "1")], vec![], vec![])).await;
    for bad in ["inf", "1e308", "NaN", "-5", "-inf"] {
        let mut sse = Sse::open(env.daemon.cfg.ws_port, &dev.key, Some(bad)).await;
        let first = sse.next_msg(WAIT).await;
        assert_eq!(first.msg["type"], "SET_INFO", "Last-Event-ID {bad}: {:?}", first.raw);
        // No replay of the whole journal after it.
        if let Ok(Some(e)) = sse.next(Duration::from_millis(300)).await {
            assert_ne!(e.msg["type"], "SET_EVENTS", "Last-Event-ID {bad} replayed: {:?}", e.raw);
        }
    }
}
