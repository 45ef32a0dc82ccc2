//! Control socket (127.0.0.1:--socketport): key check, framing, PUSH / compat push, CLOSE_DEVICE, STATUS.

mod common;

use std::time::Duration;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_or_missing_key_is_rejected_and_nothing_is_done() {
    let env = Env::start(&[]).await;
    let dev = DeviceSpec::ws(&device_key());
    let (mut ws, _) = env.ws_device(&dev).await;
    let port = env.daemon.cfg.ctl_port;
    let wrong = format!("WRONGKEY{}", rand_hex(20));
    let msgs = [
        json!({"type": "PUSH", "eqApiKey": dev.key, "message": {"type": "ACTIONS", "payload": {"action": "toaster", "message": "x"}}, "jeedomApiKey": wrong, "ack": true}),
        json!({"type": "PUSH", "eqApiKey": dev.key, "message": {"type": "ACTIONS", "payload": {"action": "toaster", "message": "y"}}, "ack": true}),
        json!({"type": "CLOSE_DEVICE", "eqApiKey": dev.key, "reason": "test", "jeedomApiKey": wrong, "ack": true}),
        json!({"type": "EVENTS", "events": [{"type": "CMD_INFO", "payload": [cmd_item("12", "hacked")]}], "jeedomApiKey": wrong, "ack": true}),
        json!({"type": "STATUS", "jeedomApiKey": ""}),
        json!({"type": "STATUS", "jeedomApiKey": format!("{}x", env.key())}),
    ];
    for m in msgs {
        let r = ctl_request(port, &m).await.unwrap_or_else(|e| panic!("{m}: {e}"));
        assert_eq!(r["ok"], json!(false), "{m} → {r}");
        assert!(r["error"].as_str().is_some_and(|e| !e.is_empty()), "an error text expected: {r}");
        assert!(
            r.get("version").is_none() && r.get("devices").is_none(),
            "STATUS must not answer without the key: {r}"
        );
    }
    // nothing happened to the client: no push, no event, not closed
    ws.expect_silence(Duration::from_millis(500)).await;
    ws.assert_usable("alive").await;
    let logs = env.daemon.logs();
    assert!(logs.to_lowercase().contains("reject"), "the rejection should be logged:\n{logs}");
    assert!(!logs.contains(&wrong), "the wrong key must not be logged:\n{logs}");
    assert!(!logs.contains(env.key()), "the plugin key must not be logged:\n{logs}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_json_gets_an_error_line() {
    let env = Env::start(&[]).await;
    let port = env.daemon.cfg.ctl_port;
    for bad in ["{not json}\n", "[1,2]\n", "\"str\"\n"] {
        let line = ctl_raw(port, bad.as_bytes(), true, WAIT).await.unwrap_or_else(|e| panic!("{bad:?}: {e}"));
        let line = line.unwrap_or_else(|| panic!("{bad:?}: no reply"));
        let v: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("reply not JSON ({e}): {line}"));
        assert_eq!(v["ok"], json!(false), "{bad:?} → {v}");
        assert!(v.get("error").is_some(), "{v}");
    }
    // still serving
    assert!(env.daemon.status().await.get("version").is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn single_object_closed_by_eof_without_newline_and_several_lines_per_connection() {
    let env = Env::start(&[]).await;
    let port = env.daemon.cfg.ctl_port;
    let status = env.daemon.keyed(&json!({"type": "STATUS"}));
    let line = ctl_raw(port, status.to_string().as_bytes(), true, WAIT).await.unwrap().expect("a STATUS reply");
    let v: Value = serde_json::from_str(&line).unwrap();
    assert!(v.get("version").is_some(), "{v}");

    let mut c = Ctl::connect(port).await;
    let a = c.request(&status).await;
    let b = c.request(&env.daemon.keyed(&json!({"type": "STATUS", "ack": true}))).await;
    assert!(a.get("uptime").is_some() && b.get("uptime").is_some(), "{a} {b}");
    let bad = c.request(&json!({"type": "STATUS", "jeedomApiKey": "nope"})).await;
    assert_eq!(bad["ok"], json!(false));
    let again = c.request(&status).await;
    assert!(again.get("version").is_some(), "one rejected line must not break the connection: {again}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_reaches_the_right_client_only_with_uuid_and_eqapikey() {
    let env = Env::start(&[]).await;
    let a = DeviceSpec::ws(&device_key());
    let b = DeviceSpec::ws(&device_key());
    let (mut wa, _) = env.ws_device(&a).await;
    let (mut wb, _) = env.ws_device(&b).await;
    let msg = json!({"type": "ACTIONS", "payload": {"action": "toaster", "message": "Porte ouverte"}});
    env.daemon.push(&a.key, msg.clone()).await;
    let f = wa.recv_json(WAIT).await;
    assert_eq!(f["type"], "ACTIONS", "{f}");
    assert_eq!(f["payload"], msg["payload"], "{f}");
    assert_eq!(f["eqApiKey"], json!(a.key), "{f}");
    let id = f["id"].as_str().unwrap_or_else(|| panic!("a string uuid id expected: {f}"));
    assert_eq!(id.len(), 36, "uuid expected: {id}");
    assert_eq!(id.matches('-').count(), 4, "uuid expected: {id}");
    assert!(f.get("jeedomApiKey").is_none() && !f.to_string().contains(env.key()), "{f}");
    wb.expect_silence(Duration::from_millis(400)).await;

    // an id already present is kept
    env.daemon.push(&b.key, json!({"type": "ACTIONS", "id": "my-id", "payload": {"action": "screenOn"}})).await;
    let f = wb.recv_json(WAIT).await;
    assert_eq!(
        (f["type"].clone(), f["id"].clone(), f["eqApiKey"].clone()),
        (json!("ACTIONS"), json!("my-id"), json!(b.key))
    );
    wa.expect_silence(Duration::from_millis(300)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compat_app_message_with_eqapikey_is_pushed_without_the_plugin_key() {
    let env = Env::start(&[]).await;
    let a = DeviceSpec::ws(&device_key());
    let (mut wa, _) = env.ws_device(&a).await;
    // exactly what the old PHP sendToDaemon writes: one object, no newline, then close
    let m = json!({"type": "ACTIONS", "payload": {"action": "toaster", "message": "compat"}, "eqApiKey": a.key, "jeedomApiKey": env.key()});
    let _ = ctl_raw(env.daemon.cfg.ctl_port, m.to_string().as_bytes(), false, Duration::from_secs(2)).await;
    let f = wa.recv_json(WAIT).await;
    assert_eq!(f["type"], "ACTIONS", "{f}");
    assert_eq!(f["payload"]["message"], "compat");
    assert_eq!(f["eqApiKey"], json!(a.key));
    assert!(f.get("jeedomApiKey").is_none(), "jeedomApiKey must be stripped: {f}");
    assert!(!f.to_string().contains(env.key()), "plugin key leaked: {f}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_device_closes_its_connection_1000_only() {
    let env = Env::start(&[]).await;
    let a = DeviceSpec::ws(&device_key());
    let b = DeviceSpec::ws(&device_key());
    let (mut wa, _) = env.ws_device(&a).await;
    let (mut wb, _) = env.ws_device(&b).await;
    env.daemon.ctl_ack(json!({"type": "CLOSE_DEVICE", "eqApiKey": a.key, "reason": "key regenerated"})).await;
    let (_, code) = wa.expect_close(WAIT).await;
    assert_eq!(code, Some(1000));
    env.api.wait_request(WAIT, "DISCONNECT", |r| r.api_key() == Some(&a.key)).await;
    wb.assert_usable("b").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_reports_version_uptime_connections_and_masked_devices() {
    let env = Env::start(&[]).await;
    let a = DeviceSpec::ws(&device_key());
    let (_wa, _) = env.ws_device(&a).await;
    let s = DeviceSpec::sse(&device_key());
    env.daemon.devices(vec![s.record()], false).await;
    let st = env.daemon.status().await;
    assert_eq!(st["version"], env!("CARGO_PKG_VERSION"), "{st}");
    assert!(st["uptime"].is_number(), "{st}");
    assert_eq!(st["connections"]["ws"], json!(1), "{st}");
    assert_eq!(st["connections"]["sse"], json!(0), "{st}");
    let devices = st["devices"].as_array().unwrap_or_else(|| panic!("devices list expected: {st}"));
    assert!(devices.len() >= 2, "both devices known: {st}");
    let text = st.to_string();
    for k in [&a.key, &s.key] {
        assert!(!text.contains(k.as_str()), "full device key in STATUS: {st}");
    }
    for d in devices {
        let m = d["apiKey"].as_str().unwrap_or_else(|| panic!("each device has a (masked) apiKey string: {st}"));
        assert!(!m.is_empty() && m != a.key && m != s.key, "unmasked key: {st}");
    }
    assert!(!text.contains(env.key()), "plugin key in STATUS: {st}");
    let mut sse = Sse::open(env.daemon.cfg.ws_port, &s.key, None).await;
    let _ = sse.next_msg(WAIT).await;
    let st = env.daemon.status().await;
    assert_eq!(st["connections"]["sse"], json!(1), "{st}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_of_one_device_is_found_by_its_full_key() {
    // Two phones whose keys start alike: the masked list cannot tell them apart, the full key can.
    let env = Env::start(&[]).await;
    let shared = rand_hex(8);
    let connected = DeviceSpec::ws(&format!("{shared}{}", rand_hex(24)));
    let idle = DeviceSpec::sse(&format!("{shared}{}", rand_hex(24)));
    env.api.add_device(idle.clone());
    let (mut ws, _) = env.ws_device(&connected).await;
    env.daemon.devices(vec![connected.record(), idle.record()], false).await;

    let listed = env.daemon.status().await;
    let masked: Vec<&Value> = listed["devices"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["apiKey"] == json!(format!("{}…", &shared[..4])))
        .collect();
    assert_eq!(masked.len(), 2, "both devices show under the same masked key: {listed}");

    let one = env.daemon.ctl(json!({"type": "STATUS", "eqApiKey": idle.key})).await;
    assert_eq!(one["device"]["connected"], json!(false), "{one}");
    assert_eq!(one["device"]["mode"], json!("sse"), "{one}");
    let one = env.daemon.ctl(json!({"type": "STATUS", "eqApiKey": connected.key})).await;
    assert_eq!(one["device"]["connected"], json!(true), "{one}");
    assert_eq!(one["device"]["mode"], json!("ws"), "{one}");
    assert!(!one.to_string().contains(&connected.key), "the status masks the key it was asked for: {one}");
    let unknown = env.daemon.ctl(json!({"type": "STATUS", "eqApiKey": format!("{shared}{}", rand_hex(24))})).await;
    assert_eq!(unknown["device"], Value::Null, "{unknown}");
    ws.assert_usable("alive").await;
}
