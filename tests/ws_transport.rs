//! WebSocket transport: CONNECT/WELCOME, the relay to the plugin API, errors, limits, pings.

mod common;

use std::time::{Duration, Instant};

use common::*;
use tokio_tungstenite::tungstenite::Message;

fn assert_no_plugin_key(frame: &Value, key: &str) {
    assert!(frame.get("jeedomApiKey").is_none(), "frame carries jeedomApiKey: {frame}");
    assert!(!frame.to_string().contains(key), "frame carries the plugin key: {frame}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_gets_welcome_with_id_and_eqapikey_and_relay_is_well_formed() {
    let env = Env::start(&[]).await;
    let dev = DeviceSpec::ws(&device_key());
    env.api.add_device(dev.clone());
    let mut ws = Ws::connect(env.daemon.cfg.ws_port).await;
    let welcome = ws.connect_device(&dev.key, "req-1").await;
    assert_eq!(welcome["type"], "WELCOME", "{welcome}");
    assert_eq!(welcome["id"], json!("req-1"), "WELCOME must echo the request id: {welcome}");
    assert_eq!(welcome["eqApiKey"], json!(dev.key), "{welcome}");
    assert_eq!(welcome["payload"]["eqName"], "phone", "payload must be the API's result payload: {welcome}");
    assert!(welcome.get("jcd").is_none(), "jcd must be stripped: {welcome}");
    assert!(welcome.get("jsonrpc").is_none() && welcome.get("result").is_none(), "bare object expected: {welcome}");
    assert_no_plugin_key(&welcome, env.key());

    let r = env.api.wait_request(WAIT, "CONNECT", |r| r.api_key() == Some(&dev.key)).await;
    assert_eq!(r.http_method, "POST");
    assert_eq!(r.path, "/plugins/JeedomConnect/core/api/JeedomConnect.api.php", "callback path kept");
    assert_eq!(r.query_apikey.as_deref(), Some(env.key()), "?apikey=<plugin key> on the callback");
    assert!(
        r.content_type.as_deref().unwrap_or("").starts_with("application/json"),
        "content-type {:?}",
        r.content_type
    );
    assert_eq!(r.body["jsonrpc"], "2.0");
    assert_eq!(r.body["id"], json!("req-1"));
    assert_eq!(r.params["connexionFrom"], "WS");
    assert_eq!(r.params["deviceId"], "dev-1", "app params passed through");
    assert!(r.session_id().is_some_and(|s| !s.is_empty()), "sessionId must be a non-empty string: {}", r.raw_body);
    assert_eq!(r.real_ip.as_deref(), Some("127.0.0.1"), "X-Real-IP = peer address");

    // later requests without apiKey get it filled from the session, same sessionId
    ws.request("r2", "CMD_EXEC", json!({"id": "12", "options": {}})).await;
    let r2 = env.api.wait_request(WAIT, "CMD_EXEC", |_| true).await;
    assert_eq!(r2.api_key(), Some(dev.key.as_str()), "apiKey filled from the session: {}", r2.raw_body);
    assert_eq!(r2.params["connexionFrom"], "WS");
    assert_eq!(r2.session_id(), r.session_id());
    assert_eq!(r2.params["id"], "12");
    assert_eq!(r2.query_apikey.as_deref(), Some(env.key()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrade_accepted_on_any_path_and_health() {
    let env = Env::start(&[]).await;
    let dev = DeviceSpec::ws(&device_key());
    env.api.add_device(dev.clone());
    let mut ws = Ws::connect_with(env.daemon.cfg.ws_port, "/some/where?x=1", &[]).await;
    let welcome = ws.connect_device(&dev.key, "1").await;
    assert_eq!(welcome["type"], "WELCOME");
    let (st, body) = http_get(env.daemon.cfg.ws_port, "/health").await.expect("GET /health");
    assert_eq!((st, body.trim()), (200, "ok"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_connect_error_type_is_delivered_then_closed_1000() {
    let env = Env::start(&[]).await;
    let types = [
        "BAD_DEVICE",
        "EQUIPMENT_DISABLE",
        "APP_VERSION_ERROR",
        "PLUGIN_VERSION_ERROR",
        "EMPTY_CONFIG_FILE",
        "FORMAT_VERSION_ERROR",
        "BAD_TYPE_VERSION",
    ];
    let mut tasks = Vec::new();
    for t in types {
        let key = device_key();
        env.api.add_device(DeviceSpec::ws(&key));
        env.api.connect_reply(&key, ConnectReply::Error(t.to_string()));
        let port = env.daemon.cfg.ws_port;
        let plugin = env.key().to_string();
        tasks.push(tokio::spawn(async move {
            let mut ws = Ws::connect(port).await;
            let f = ws.connect_device(&key, "c").await;
            assert_eq!(f["type"], t, "{f}");
            assert_eq!(f["id"], "c", "{f}");
            assert_eq!(f["eqApiKey"], json!(key), "{f}");
            assert_no_plugin_key(&f, &plugin);
            if t == "APP_VERSION_ERROR" {
                assert_eq!(f["payload"]["require"], "1.20.0", "payload kept: {f}");
            }
            let (rest, code) = ws.expect_close(WAIT).await;
            assert!(rest.is_empty(), "{t}: nothing after the error frame expected, got {rest:?}");
            assert_eq!(code, Some(1000), "{t}: close code");
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exception_on_connect_does_not_close() {
    let env = Env::start(&[]).await;
    let key = device_key();
    env.api.add_device(DeviceSpec::ws(&key));
    env.api.connect_reply(
        &key,
        ConnectReply::Custom {
            result: json!({"type": "EXCEPTION", "payload": {"message": "Aucun utilisateur"}}),
            jcd: None,
        },
    );
    let mut ws = Ws::connect(env.daemon.cfg.ws_port).await;
    let f = ws.connect_device(&key, "c").await;
    assert_eq!(f["type"], "EXCEPTION");
    assert_eq!(f["id"], "c");
    // an EXCEPTION answer is not an error type that closes: nothing else happens for a while
    match ws.next(Duration::from_millis(500)).await {
        WsEvent::Timeout => {}
        other => panic!("EXCEPTION to CONNECT must not close nor send more, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_connection_closed_1008_after_auth_deadline_others_stay() {
    let env = Env::start(&["--auth-timeout", "1"]).await;
    let dev = DeviceSpec::ws(&device_key());
    let (mut authed, _) = env.ws_device(&dev).await;
    let started = Instant::now();
    let mut silent = Ws::connect(env.daemon.cfg.ws_port).await;
    // a connection whose first message is not CONNECT is not authenticated either
    let mut wrong_first = Ws::connect(env.daemon.cfg.ws_port).await;
    wrong_first.request("x", "CMD_EXEC", json!({"apiKey": dev.key, "id": "12"})).await;

    let (_, code) = silent.expect_close(Duration::from_secs(5)).await;
    assert_eq!(code, Some(1008), "silent connection close code");
    assert!(started.elapsed() >= Duration::from_millis(900), "closed before the 1 s deadline: {:?}", started.elapsed());
    let (_, code) = wrong_first.expect_close(Duration::from_secs(5)).await;
    assert_eq!(code, Some(1008), "connection whose first message is not CONNECT");

    // the authenticated connection (older than the deadline) is untouched and usable
    tokio::time::sleep(Duration::from_millis(500)).await;
    authed.assert_usable("still-there").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_connect_replaces_first_4001_and_disconnect_carries_first_session() {
    let env = Env::start(&[]).await;
    let dev = DeviceSpec::ws(&device_key());
    env.api.add_device(dev.clone());
    let mut a = Ws::connect(env.daemon.cfg.ws_port).await;
    assert_eq!(a.connect_device(&dev.key, "first").await["type"], "WELCOME");
    let sid_a = env.session_of(&dev.key, "first").await;

    let mut b = Ws::connect(env.daemon.cfg.ws_port).await;
    assert_eq!(b.connect_device(&dev.key, "second").await["type"], "WELCOME");
    let sid_b = env.session_of(&dev.key, "second").await;
    assert_ne!(sid_a, sid_b, "sessionId must be unique per connection");

    let (_, code) = a.expect_close(WAIT).await;
    assert_eq!(code, Some(4001), "replaced connection close code");
    let d = env.api.wait_request(WAIT, "DISCONNECT", |r| r.api_key() == Some(&dev.key)).await;
    assert_eq!(d.session_id(), Some(sid_a.as_str()), "DISCONNECT must carry the first connection's sessionId");
    assert_eq!(d.params["connexionFrom"], "WS");
    // no DISCONNECT for the live session
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        env.api.requests_of("DISCONNECT").iter().all(|r| r.session_id() != Some(sid_b.as_str())),
        "a DISCONNECT was relayed for the live session"
    );
    // the new connection works and uses its own session
    b.request("x", "CMD_EXEC", json!({"id": "12"})).await;
    let r = env.api.wait_request(WAIT, "CMD_EXEC", |_| true).await;
    assert_eq!(r.session_id(), Some(sid_b.as_str()));
    b.assert_usable("b-ok").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_an_authenticated_connection_relays_disconnect_with_its_session() {
    let env = Env::start(&[]).await;
    let dev = DeviceSpec::ws(&device_key());
    let (ws, _) = env.ws_device(&dev).await;
    let sid = env.session_of(&dev.key, "c1").await;
    ws.close().await;
    let d = env.api.wait_request(WAIT, "DISCONNECT", |r| r.api_key() == Some(&dev.key)).await;
    assert_eq!(d.session_id(), Some(sid.as_str()));
    assert_eq!(d.params["connexionFrom"], "WS");
    assert_eq!(d.query_apikey.as_deref(), Some(env.key()));

    // an unauthenticated connection that closes relays nothing
    let n = env.api.requests().len();
    let w = Ws::connect(env.daemon.cfg.ws_port).await;
    w.close().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        env.api.requests().len(),
        n,
        "nothing relayed for an unauthenticated connection: {:?}",
        env.api.method_names()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_reach_the_api_one_at_a_time_in_order_and_answers_keep_order() {
    let env = Env::start(&[]).await;
    let dev = DeviceSpec::ws(&device_key());
    let (mut ws, _) = env.ws_device(&dev).await;
    let sid = env.session_of(&dev.key, "c1").await;
    // three CMD_EXEC in a row, the first one slow at the API
    for (i, delay) in [(1, 300), (2, 0), (3, 100)] {
        ws.request(&format!("e{i}"), "CMD_EXEC", json!({"id": format!("{i}"), "options": {}, "delay_ms": delay})).await;
    }
    // answers: ECHO requests with decreasing delays must come back in request order
    for (i, delay) in [(1, 250), (2, 0), (3, 50)] {
        ws.request(&format!("q{i}"), "ECHO", json!({"n": i, "delay_ms": delay})).await;
    }
    let frames = ws.collect_until(WAIT, "3 ECHO answers", |f| f.len() >= 3).await;
    let ids: Vec<_> = frames.iter().map(|f| f["id"].clone()).collect();
    assert_eq!(ids, vec![json!("q1"), json!("q2"), json!("q3")], "answers out of order: {frames:?}");
    for f in &frames {
        assert_eq!(f["type"], "ECHO");
        assert_eq!(f["eqApiKey"], json!(dev.key));
    }
    let execs: Vec<_> = env.api.requests_of("CMD_EXEC").into_iter().map(|r| r.params["id"].clone()).collect();
    assert_eq!(execs, vec![json!("1"), json!("2"), json!("3")], "CMD_EXEC order at the API");
    let all: Vec<_> =
        env.api.requests().into_iter().filter(|r| r.session_id() == Some(&sid)).map(|r| r.method).collect();
    assert_eq!(all, ["CONNECT", "CMD_EXEC", "CMD_EXEC", "CMD_EXEC", "ECHO", "ECHO", "ECHO"], "relay order");
    assert_eq!(env.api.max_in_flight(&sid), 1, "requests of one connection must reach the API one at a time");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn null_and_ok_results_send_no_frame_objects_get_id_and_eqapikey() {
    let env = Env::start(&[]).await;
    env.api.method_result("RETURNS_OK", json!("ok"));
    env.api
        .method_result("LEAKY", json!({"type": "SET_THING", "payload": {"a": 1}, "jeedomApiKey": "will-be-replaced"}));
    let dev = DeviceSpec::ws(&device_key());
    let (mut ws, _) = env.ws_device(&dev).await;
    ws.request("n1", "CMD_EXEC", json!({"id": "12"})).await; // null
    ws.request("n2", "RETURNS_OK", json!({})).await; // "ok"
    ws.request("n3", "ECHO", json!({"x": 1})).await;
    let f = ws.recv_json(WAIT).await;
    assert_eq!(f["id"], "n3", "null / \"ok\" results must not produce a frame; got {f}");
    assert_eq!(f["type"], "ECHO");
    assert_eq!(f["payload"]["params"]["x"], 1);
    assert_eq!(f["eqApiKey"], json!(dev.key));
    assert!(f.get("jsonrpc").is_none() && f.get("result").is_none(), "bare result expected: {f}");
    assert_no_plugin_key(&f, env.key());

    // a result carrying jeedomApiKey (as the old PHP did) must not reach the app with it
    env.api.method_result("LEAKY", json!({"type": "SET_THING", "payload": {"a": 1}, "jeedomApiKey": env.key()}));
    ws.request("n4", "LEAKY", json!({})).await;
    let f = ws.recv_json(WAIT).await;
    assert_eq!(f["type"], "SET_THING");
    assert_eq!(f["id"], "n4");
    assert_no_plugin_key(&f, env.key());
}

async fn relay_failure_case(mode: Mode) {
    let env = Env::start(&["--relay-timeout", "1"]).await;
    let dev = DeviceSpec::ws(&device_key());
    let (mut ws, _) = env.ws_device(&dev).await;
    env.api.set_mode(mode.clone()).await;
    ws.request("f1", "ECHO", json!({})).await;
    let f = ws.recv_json(Duration::from_secs(8)).await;
    assert_eq!(f["type"], "EXCEPTION", "{mode:?}: {f}");
    assert!(f["payload"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{mode:?}: message: {f}");
    assert_eq!(f["id"], "f1", "{mode:?}: {f}");
    assert_eq!(f["eqApiKey"], json!(dev.key), "{mode:?}: {f}");
    assert_no_plugin_key(&f, env.key());
    // a second failing request also answered (connection usable while the API is broken)
    ws.request("f2", "CMD_EXEC", json!({"id": "12"})).await;
    let f = ws.recv_json(Duration::from_secs(8)).await;
    assert_eq!((f["type"].clone(), f["id"].clone()), (json!("EXCEPTION"), json!("f2")), "{mode:?}: {f}");
    env.api.set_mode(Mode::Normal).await;
    ws.assert_usable("after").await;
    // nothing non-idempotent is retried: a request the API received once is not sent again
    if mode != Mode::Down {
        tokio::time::sleep(Duration::from_millis(300)).await;
        for id in ["f1", "f2"] {
            let n = env.api.requests().iter().filter(|r| r.body["id"] == json!(id)).count();
            assert_eq!(n, 1, "{mode:?}: request {id} reached the API {n} times");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_down_gives_exception_and_connection_stays_usable() {
    relay_failure_case(Mode::Down).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_slow_gives_exception_after_relay_timeout_and_stays_usable() {
    relay_failure_case(Mode::Slow(Duration::from_secs(3))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_http_500_gives_exception_and_stays_usable() {
    relay_failure_case(Mode::Http500).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_garbage_body_gives_exception_and_stays_usable() {
    relay_failure_case(Mode::Garbage).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_x_real_ip_forwarded_from_loopback_peer() {
    let env = Env::start(&[]).await;
    let dev = DeviceSpec::ws(&device_key());
    env.api.add_device(dev.clone());
    let mut ws = Ws::connect_with(env.daemon.cfg.ws_port, "/", &[("X-Real-IP", "203.0.113.7")]).await;
    assert_eq!(ws.connect_device(&dev.key, "c").await["type"], "WELCOME");
    ws.request("x", "CMD_EXEC", json!({"id": "12"})).await;
    let r = env.api.wait_request(WAIT, "CMD_EXEC", |_| true).await;
    assert_eq!(r.real_ip.as_deref(), Some("203.0.113.7"), "loopback peer: client X-Real-IP is trusted");

    let dev2 = DeviceSpec::ws(&device_key());
    env.api.add_device(dev2.clone());
    let mut ws2 = Ws::connect_with(env.daemon.cfg.ws_port, "/", &[("X-Forwarded-For", "198.51.100.9")]).await;
    assert_eq!(ws2.connect_device(&dev2.key, "c").await["type"], "WELCOME");
    let r = env.api.wait_request(WAIT, "CONNECT", |r| r.api_key() == Some(&dev2.key)).await;
    assert_eq!(r.real_ip.as_deref(), Some("198.51.100.9"), "loopback peer: client X-Forwarded-For is trusted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_message_closes_1009_others_unaffected() {
    let env = Env::start(&["--max-message", "1024"]).await;
    let (mut big, _) = env.ws_device(&DeviceSpec::ws(&device_key())).await;
    let (mut other, _) = env.ws_device(&DeviceSpec::ws(&device_key())).await;
    let pad = "x".repeat(2000);
    big.request("big", "ECHO", json!({"pad": pad})).await;
    let (frames, code) = big.expect_close(WAIT).await;
    assert_eq!(code, Some(1009), "oversized message close code (frames: {frames:?})");
    assert!(env.api.requests_of("ECHO").is_empty(), "the oversized message must not be relayed");
    other.assert_usable("other").await;
    // a message just under the limit is fine
    let (mut ok, _) = env.ws_device(&DeviceSpec::ws(&device_key())).await;
    ok.request("fits", "ECHO", json!({"pad": "y".repeat(700)})).await;
    let f = ok.recv_json(WAIT).await;
    assert_eq!((f["type"].clone(), f["id"].clone()), (json!("ECHO"), json!("fits")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_malformed_and_methodless_frames_get_exception_and_stay_usable() {
    let env = Env::start(&[]).await;
    let dev = DeviceSpec::ws(&device_key());
    let (mut ws, _) = env.ws_device(&dev).await;
    let cases: Vec<(&str, Message)> = vec![
        ("binary", Message::binary(b"\x00\x01binary".to_vec())),
        ("malformed", Message::text("{\"jsonrpc\":\"2.0\",\"id\":\"m\",")),
        ("no method", Message::text(json!({"jsonrpc": "2.0", "id": "nm", "params": {}}).to_string())),
        ("not an object", Message::text("[1,2,3]")),
    ];
    for (what, m) in cases {
        let before = env.api.requests().len();
        ws.send(m).await;
        match ws.next(WAIT).await {
            WsEvent::Json(f) => {
                assert_eq!(f["type"], "EXCEPTION", "{what}: {f}");
                assert!(f["payload"]["message"].is_string(), "{what}: {f}");
                assert_no_plugin_key(&f, env.key());
            }
            other => panic!("{what}: expected an EXCEPTION frame, got {other:?}"),
        }
        assert_eq!(env.api.requests().len(), before, "{what} must not be relayed");
        ws.assert_usable(&format!("after {what}")).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_peer_closed_after_two_missed_pings_live_peer_kept() {
    let env = Env::start(&["--ping-interval", "1"]).await;
    let live = DeviceSpec::ws(&device_key());
    let (mut live_ws, _) = env.ws_device(&live).await;
    let dead = DeviceSpec::ws(&device_key());
    env.api.add_device(dead.clone());
    let mut raw = RawWs::connect(env.daemon.cfg.ws_port).await;
    raw.send_text(
        &json!({"jsonrpc": "2.0", "id": "d", "method": "CONNECT", "params": {"apiKey": dead.key, "deviceId": "dev-1"}})
            .to_string(),
    )
    .await;
    let sid = env.session_of(&dead.key, "d").await;
    // the live client keeps reading (and so answering pings) meanwhile
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop2 = stop.clone();
    let reader = tokio::spawn(async move {
        let mut seen = Vec::new();
        while !stop2.load(std::sync::atomic::Ordering::Relaxed) {
            match live_ws.next(Duration::from_millis(100)).await {
                WsEvent::Timeout => {}
                other => seen.push(other),
            }
        }
        (live_ws, seen)
    });
    let d = env.api.wait_request(Duration::from_secs(8), "DISCONNECT", |r| r.api_key() == Some(&dead.key)).await;
    assert_eq!(d.session_id(), Some(sid.as_str()));
    tokio::time::sleep(Duration::from_millis(1500)).await; // one more ping period for the live client
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (mut live_ws, seen) = within(WAIT, "the live reader", reader).await.unwrap();
    assert!(seen.is_empty(), "live client got {seen:?}");
    assert!(live_ws.pings >= 2, "server pings every 1 s expected, live client saw {}", live_ws.pings);
    assert!(
        env.api.requests_of("DISCONNECT").iter().all(|r| r.api_key() != Some(&live.key)),
        "the live client must not be disconnected"
    );
    live_ws.assert_usable("live").await;
    // the dead peer's socket: whatever the server managed to send, then EOF; a close frame, if any, says 4003
    let frames = raw.read_frames_until_eof(Duration::from_secs(3)).await;
    if let Some((_, payload)) = frames.iter().find(|(op, _)| *op == 8) {
        assert!(payload.len() >= 2, "close frame without code");
        assert_eq!(u16::from_be_bytes([payload[0], payload[1]]), 4003, "dead peer close code");
    }
    assert!(
        frames.iter().filter(|(op, _)| *op == 9).count() >= 2,
        "the dead peer should have been pinged twice: {:?}",
        frames.iter().map(|f| f.0).collect::<Vec<_>>()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connect_refused_by_the_api_does_not_replace_the_live_connection() {
    let env = Env::start(&[]).await;
    let dev = DeviceSpec::ws(&device_key());
    let (mut a, _) = env.ws_device(&dev).await;
    env.api.connect_reply(&dev.key, ConnectReply::Error("BAD_DEVICE".into()));
    let mut b = Ws::connect(env.daemon.cfg.ws_port).await;
    let f = b.connect_device(&dev.key, "intruder").await;
    assert_eq!(f["type"], "BAD_DEVICE");
    let (_, code) = b.expect_close(WAIT).await;
    assert_eq!(code, Some(1000));
    a.assert_usable("a-still-live").await;
    let sid_a = env.session_of(&dev.key, "c1").await;
    let sid_b = env.session_of(&dev.key, "intruder").await;
    let disc: Vec<_> =
        env.api.requests_of("DISCONNECT").into_iter().map(|r| r.session_id().map(String::from)).collect();
    assert!(!disc.contains(&Some(sid_a.clone())), "the live connection was reported disconnected: {disc:?}");
    // A connection that had sent CONNECT relays DISCONNECT when it closes — with its own sessionId,
    // so the plugin can ignore it while A is live
    assert!(
        disc.iter().all(|d| d.as_deref() == Some(sid_b.as_str())),
        "DISCONNECT(s) not carrying B's session: {disc:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_without_params_gets_session_params() {
    let env = Env::start(&[]).await;
    let dev = DeviceSpec::ws(&device_key());
    let (mut ws, _) = env.ws_device(&dev).await;
    let sid = env.session_of(&dev.key, "c1").await;
    ws.send_json(&json!({"jsonrpc": "2.0", "id": "np", "method": "PING"})).await;
    let r = env.api.wait_request(WAIT, "PING", |_| true).await;
    assert_eq!(r.api_key(), Some(dev.key.as_str()), "{}", r.raw_body);
    assert_eq!(r.params["connexionFrom"], "WS", "{}", r.raw_body);
    assert_eq!(r.session_id(), Some(sid.as_str()), "{}", r.raw_body);
    assert_eq!(r.body["id"], "np");
    // an explicit apiKey sent by the app is kept
    ws.request("k", "ECHO", json!({"apiKey": dev.key})).await;
    let f = ws.recv_json(WAIT).await;
    assert_eq!(f["eqApiKey"], json!(dev.key));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_not_welcomed_within_the_auth_deadline_is_closed_1008() {
    let env = Env::start(&["--auth-timeout", "1", "--relay-timeout", "5"]).await;
    let dev = DeviceSpec::ws(&device_key());
    env.api.add_device(dev.clone());
    env.api.set_mode(Mode::Slow(Duration::from_secs(3))).await;
    let mut ws = Ws::connect(env.daemon.cfg.ws_port).await;
    ws.request("late", "CONNECT", json!({"apiKey": dev.key, "deviceId": "dev-1"})).await;
    let (frames, code) = ws.expect_close(Duration::from_secs(6)).await;
    assert!(frames.iter().all(|f| f["type"] != "WELCOME"), "WELCOME after the deadline: {frames:?}");
    assert_eq!(code, Some(1008), "CONNECT answered after --auth-timeout: close 1008");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pipelined_burst_of_200_requests_is_answered_completely_in_order() {
    let env = Env::start(&[]).await;
    let dev = DeviceSpec::ws(&device_key());
    let (mut ws, _) = env.ws_device(&dev).await;
    for i in 0..200 {
        ws.request(&format!("b{i}"), "ECHO", json!({"i": i})).await;
    }
    let frames = ws.collect_until(Duration::from_secs(10), "200 answers", |f| f.len() >= 200).await;
    let ids: Vec<String> = frames.iter().map(|f| f["id"].as_str().unwrap_or("?").to_string()).collect();
    let want: Vec<String> = (0..200).map(|i| format!("b{i}")).collect();
    assert_eq!(ids, want, "answers lost or out of order");
    ws.expect_silence(Duration::from_millis(300)).await;
}
