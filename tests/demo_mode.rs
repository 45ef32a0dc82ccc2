//! `jeedomconnectd demo`: the daemon and its simulated Jeedom start in-process; a WebSocket client gets `WELCOME`
//! for `CONNECT`, sees the simulated values change, and runs a command whose effect comes back as an event. The
//! page is served, and SSE and polling clients see values change too.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use jeedomconnectd::demo::{self, Options, LIGHT_STATE, LIVING_TEMPERATURE, TOGGLE_LIGHT};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message;

const WAIT: Duration = Duration::from_secs(10);

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The next JSON text frame, or `Err` after `WAIT`.
async fn next(ws: &mut Ws) -> Result<Value, tokio::time::error::Elapsed> {
    tokio::time::timeout(WAIT, async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Text(t))) => return serde_json::from_str::<Value>(t.as_str()).unwrap(),
                Some(Ok(_)) => continue,
                other => panic!("websocket ended: {other:?}"),
            }
        }
    })
    .await
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
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://127.0.0.1:{port}/")).await.expect("ws connect");
    let connect = json!({"jsonrpc": "2.0", "id": "1", "method": "CONNECT",
                         "params": {"apiKey": key, "appVersion": "1.20.1", "deviceId": "test", "platformOs": "android"}});
    ws.send(Message::text(connect.to_string())).await.unwrap();
    let welcome = next(&mut ws).await.expect("WELCOME in time");
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
        let m = next(&mut ws).await.expect("a CMD_INFO with a new temperature in time");
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
    let exec = json!({"jsonrpc": "2.0", "id": "2", "method": "CMD_EXEC",
                      "params": {"apiKey": key, "id": TOGGLE_LIGHT, "options": {}}});
    ws.send(Message::text(exec.to_string())).await.unwrap();
    let toggled = loop {
        let m = next(&mut ws).await.expect("the light change in time");
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
    let bad = json!({"jsonrpc": "2.0", "id": "3", "method": "NO_SUCH_METHOD", "params": {"apiKey": key}});
    ws.send(Message::text(bad.to_string())).await.unwrap();
    let ex = loop {
        let m = next(&mut ws).await.expect("EXCEPTION in time");
        if m["type"] == "EXCEPTION" {
            break m;
        }
    };
    assert_eq!(ex["id"], "3");
    drop(ws);
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
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    s.write_all(format!("GET /sse?apiKey={key} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes()).await.unwrap();
    let mut seen = String::new();
    let mut buf = vec![0u8; 16384];
    let deadline = tokio::time::Instant::now() + WAIT;
    while !(seen.contains("SET_INFO") && seen.contains("SET_EVENTS") && seen.contains(r#"\"id\":\"101\""#)) {
        let n = match tokio::time::timeout_at(deadline, s.read(&mut buf)).await {
            Ok(n) => n.unwrap(),
            Err(_) => panic!("SSE events not in time: {seen}"),
        };
        assert!(n > 0, "SSE stream ended: {seen}");
        seen.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    assert!(seen.find("SET_INFO").unwrap() < seen.find("SET_EVENTS").unwrap());
    demo.stop().await;
}
