//! `jeedomconnect-demo`: the daemon and its simulated Jeedom start in-process; a WebSocket client gets `WELCOME`
//! for `CONNECT`, sees the simulated values change, and runs a command whose effect comes back as an event. The
//! page is served, and SSE and polling clients see values change too.

#[path = "../../../tests/common/clients.rs"]
mod clients;

use std::time::Duration;

use clients::{Sse, Ws};
use jeedomconnect_demo::{self as demo, Options, LIGHT_STATE, LIVING_TEMPERATURE, TOGGLE_LIGHT};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const WAIT: Duration = Duration::from_secs(10);

/// The next JSON text frame within `WAIT` (panics on anything else).
async fn next(ws: &mut Ws) -> Value {
    ws.recv_json(WAIT).await
}

async fn start() -> demo::Running {
    let opts = Options {
        bind: Some([127, 0, 0, 1].into()),
        public_port: Some(0),
        loglevel: "warning".into(),
        tick: Duration::from_millis(200),
        ..Options::default()
    };
    demo::start(opts).await.expect("demo starts")
}

/// The value of `cmd` in a CMD_INFO-style list.
fn value_in(list: &Value, cmd: &str) -> Option<String> {
    list.as_array()?.iter().find(|c| c["id"] == cmd).and_then(|c| c["value"].as_str()).map(String::from)
}

async fn rpc(port: u16, method: &str, params: Value) -> Value {
    let body = json!({"jsonrpc": "2.0", "id": "7", "method": method, "params": params}).to_string();
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let req = format!(
        "POST /rpc HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = String::new();
    tokio::time::timeout(WAIT, s.read_to_string(&mut out)).await.expect("rpc answer").unwrap();
    let json = &out[out.find("\r\n\r\n").expect("http answer") + 4..];
    serde_json::from_str::<Value>(json).unwrap_or_else(|e| panic!("{e}: {out}"))["result"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_connect_welcome_live_values_and_a_command() {
    let demo = start().await;
    let port = demo.public_port;
    let key = demo.device_key.clone();
    let mut ws = Ws::connect(port).await;
    ws.request(
        "1",
        "CONNECT",
        json!({"apiKey": key, "appVersion": "1.20.1", "deviceId": "test", "platformOs": "android"}),
    )
    .await;
    let welcome = next(&mut ws).await;
    assert_eq!(welcome["type"], "WELCOME", "{welcome}");
    assert_eq!(welcome["id"], "1");
    assert_eq!(welcome["eqApiKey"], key.as_str());
    assert!(welcome.get("jcd").is_none() && welcome.get("jeedomApiKey").is_none());
    let payload = welcome["payload"].as_object().unwrap();
    for k in [
        "pluginVersion",
        "jeedomName",
        "serverId",
        "eqName",
        "useWs",
        "polling",
        "userHash",
        "userId",
        "userName",
        "userProfil",
        "userImgPath",
        "configVersion",
        "notifsVersion",
        "scenariosEnabled",
        "webviewEnabled",
        "editEnabled",
        "getLogAllowed",
        "pluginConfig",
        "cmdInfo",
        "scInfo",
        "objInfo",
        "geofenceInfo",
        "links",
        "timezone",
        "timelineFolders",
    ] {
        assert!(payload.contains_key(k), "WELCOME payload lacks {k}");
    }
    let first = value_in(&welcome["payload"]["cmdInfo"], LIVING_TEMPERATURE).expect("temperature in WELCOME");
    let light = value_in(&welcome["payload"]["cmdInfo"], LIGHT_STATE).expect("light in WELCOME");

    // The simulated house changes the living-room temperature every tick: it reaches the client as CMD_INFO.
    let changed = loop {
        let m = next(&mut ws).await;
        if m["type"] == "CMD_INFO" {
            if let Some(v) = value_in(&m["payload"], LIVING_TEMPERATURE) {
                if v != first {
                    break v;
                }
            }
        }
    };
    assert_ne!(changed, first);

    // CMD_EXEC of the light toggle: no answer frame (null result), and the new light state comes as an event.
    ws.request("2", "CMD_EXEC", json!({"apiKey": key, "id": TOGGLE_LIGHT, "options": {}})).await;
    let toggled = loop {
        let m = next(&mut ws).await;
        assert_ne!(m["type"], "EXCEPTION", "{m}");
        if m["type"] == "CMD_INFO" {
            if let Some(v) = value_in(&m["payload"], LIGHT_STATE) {
                break v;
            }
        }
    };
    assert_ne!(toggled, light);
    assert_eq!(demo.value(LIGHT_STATE).as_deref(), Some(toggled.as_str()));

    // An unknown method is an EXCEPTION, as the plugin answers.
    ws.request("3", "NO_SUCH_METHOD", json!({"apiKey": key})).await;
    let ex = loop {
        let m = next(&mut ws).await;
        if m["type"] == "EXCEPTION" {
            break m;
        }
    };
    assert_eq!(ex["id"], "3");
    ws.close().await;
    demo.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn page_sse_and_polling() {
    let demo = start().await;
    let port = demo.public_port;
    let key = demo.device_key.clone();

    // The page, with the device key in it.
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.unwrap();
    let mut page = String::new();
    tokio::time::timeout(WAIT, s.read_to_string(&mut page)).await.unwrap().unwrap();
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains(&format!("const KEY = \"{key}\";")));

    // Polling: switch the device to polling like the app, CONNECT, then GET_EVENTS sees the temperature move.
    assert_eq!(rpc(port, "SET_POLLING", json!({"apiKey": key, "value": true})).await["type"], "GET_POLLING");
    assert_eq!(rpc(port, "SET_WEBSOCKET", json!({"apiKey": key, "value": false})).await["type"], "GET_WEBSOCKET");
    assert_eq!(rpc(port, "CONNECT", json!({"apiKey": key})).await["type"], "WELCOME");
    let head = rpc(port, "GET_EVENTS", json!({"apiKey": key, "configVersion": 1})).await;
    let cursor = head["payload"][0]["payload"].clone();
    assert!(cursor.is_f64(), "{head}");
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let r = rpc(port, "GET_EVENTS", json!({"apiKey": key, "configVersion": 1, "lastReadTimestamp": cursor})).await;
        assert_eq!(r["type"], "SET_EVENTS", "{r}");
        if value_in(&r["payload"][2]["payload"], LIVING_TEMPERATURE).is_some() {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "no temperature change by polling");
    }

    // SSE: HTTP mode, first SET_INFO, then SET_EVENTS with the temperature.
    rpc(port, "SET_POLLING", json!({"apiKey": key, "value": false})).await;
    let mut sse = Sse::open(port, &key, None).await;
    assert_eq!(sse.status, 200);
    let first = sse.next_msg(WAIT).await;
    assert_eq!(first.msg["type"], "SET_INFO", "{}", first.raw);
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let e = sse.next_msg(left).await;
        e.assert_exact_format();
        if e.msg["type"] == "SET_EVENTS" && value_in(&e.msg["payload"][2]["payload"], LIVING_TEMPERATURE).is_some() {
            break;
        }
    }
    demo.stop().await;
}
