//! The plugin's own URLs on the daemon's port: an app pointed straight at the daemon (the demo, a LAN setup) posts
//! to `…/core/api/JeedomConnect.api.php` and streams `…/core/php/eventServer.php` as it does with Apache.

mod common;

use common::*;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plugin_api_and_event_server_paths_are_served_by_the_daemon() {
    let env = Env::start(&[]).await;
    let dev = DeviceSpec::polling(&device_key());
    env.api.add_device(dev.clone());
    env.daemon.devices(vec![dev.record()], false).await;
    let port = env.daemon.cfg.ws_port;

    // JSON-RPC at the plugin API's path: the same answer as /rpc, the call relayed with the plugin key.
    let body = json!({"jsonrpc": "2.0", "id": 7, "method": "CMD_EXEC", "params": {"apiKey": dev.key, "id": "12"}});
    let (status, text) =
        http_post(port, "/plugins/JeedomConnect/core/api/JeedomConnect.api.php", &body.to_string()).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), json!({"jsonrpc": "2.0", "id": 7, "result": "ok"}));
    let relayed = env.api.wait_request(WAIT, "CMD_EXEC", |r| r.api_key() == Some(&dev.key)).await;
    assert_eq!(relayed.query_apikey.as_deref(), Some(env.key()));
    let (status, _) = http_post(port, "/plugins/JeedomConnect/core/api/Other.php", &body.to_string()).await;
    assert!((400..500).contains(&status), "only the plugin API's own path is an alias: {status}");

    // The old SSE script's URL: an event stream whose first event is SET_INFO.
    let sse_dev = DeviceSpec::sse(&device_key());
    env.api.add_device(sse_dev.clone());
    env.daemon.devices(vec![sse_dev.record()], false).await;
    let mut tcp = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let req = format!(
        "GET /plugins/JeedomConnect/core/php/eventServer.php?apiKey={} HTTP/1.1\r\nHost: x\r\n\r\n",
        sse_dev.key
    );
    tcp.write_all(req.as_bytes()).await.unwrap();
    let mut r = BufReader::new(tcp);
    let mut head = String::new();
    let data = within(WAIT, "the first SSE event", async {
        loop {
            let mut line = String::new();
            if r.read_line(&mut line).await.unwrap() == 0 {
                panic!("stream ended: {head}");
            }
            head.push_str(&line);
            if let Some(data) = line.strip_prefix("data:") {
                break data.trim_end().to_string();
            }
        }
    })
    .await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(head.to_ascii_lowercase().contains("content-type: text/event-stream"), "{head}");
    let inner: String = serde_json::from_str(&data).unwrap();
    let msg: Value = serde_json::from_str(&inner).unwrap();
    assert_eq!(msg["type"], "SET_INFO", "{msg}");
}
