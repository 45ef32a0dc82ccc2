//! End-to-end scenarios: Apache + mod_php serve the plugin inside the real Jeedom core 4.5.3 (`tests/jeedom/`),
//! the plugin starts the real daemon, and three clients behave as the Jeedom Connect app does (docs/protocol.md):
//! - WebSocket to the daemon's port: `CONNECT` → `WELCOME`, `CMD_INFO` frames, `CMD_EXEC`;
//! - HTTP: SSE through Apache (`eventServer.php`, double-decoded `data:`, `SET_INFO` first) + JSON-RPC POSTs;
//! - Polling: `GET_EVENTS` POSTs with the `DATETIME` cursor.
//!
//! These tests need the rig: `bash tests/e2e/run.sh` sets it up and runs them (they are `#[ignore]`d so that a
//! plain `cargo test` skips them). Each scenario creates its own equipments and commands, so they do not depend
//! on each other's order; they share the one daemon and run one at a time (`--test-threads=1`).

mod common;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::clients::{SseRecorder, WsRecord as WsEv, WsRecorder, WsRecords, WsSink};
use futures_util::SinkExt;
use serde_json::{json, Value};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

const API_PATH: &str = "/plugins/JeedomConnect/core/api/JeedomConnect.api.php";
const SSE_PATH: &str = "/plugins/JeedomConnect/core/php/eventServer.php";
/// What the project asks of pushed transports: a change on the phone within 100 ms.
const PUSH_BUDGET: f64 = 0.100;

fn now() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_secs_f64()
}

async fn sleep_ms(ms: u64) {
    tokio::time::sleep(Duration::from_millis(ms)).await;
}

/// Polls `check` every 10 ms until it returns `Some`, or fails the test after `secs`.
async fn wait_for<T>(what: &str, secs: f64, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    loop {
        if let Some(v) = check() {
            return v;
        }
        if Instant::now() >= deadline {
            panic!("timed out after {secs} s waiting for {what}");
        }
        sleep_ms(10).await;
    }
}

// ------------------------------------------------------------------------------------------------------------
// The rig: the Jeedom side (tests/e2e/rig.php through Apache) and the files run.sh laid out.

struct Rig {
    url: String,
    base: String,
    http: reqwest::Client,
    access_log: PathBuf,
    web: PathBuf,
}

impl Rig {
    fn from_env() -> Rig {
        let url = std::env::var("E2E_RIG").expect("E2E_RIG unset: run these tests with bash tests/e2e/run.sh");
        let base = url.split("/e2e/").next().expect("rig url").to_string();
        let access_log = PathBuf::from(std::env::var("E2E_APACHE_LOG").expect("E2E_APACHE_LOG"));
        let web = PathBuf::from(std::env::var("E2E_WEB").expect("E2E_WEB"));
        let http = reqwest::Client::builder().timeout(Duration::from_secs(60)).build().expect("http client");
        Rig { url, base, http, access_log, web }
    }

    async fn call(&self, action: &str, params: &[(&str, String)]) -> Value {
        let resp = self
            .http
            .post(format!("{}?action={action}", self.url))
            .form(params)
            .send()
            .await
            .unwrap_or_else(|e| panic!("rig {action}: {e}"));
        let status = resp.status();
        let text = resp.text().await.expect("rig body");
        let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("rig {action}: {e}: {text}"));
        assert!(status.is_success(), "rig {action} failed ({status}): {v}");
        v
    }

    async fn state(&self) -> Value {
        self.call("state", &[]).await
    }

    async fn ws_port(&self) -> u16 {
        self.state().await["wsPort"].as_u64().expect("wsPort") as u16
    }

    async fn user_hash(&self) -> String {
        self.state().await["userHash"].as_str().expect("userHash").to_string()
    }

    /// The daemon running (a previous scenario may have stopped it): Jeedom's check starts it.
    async fn ensure_daemon(&self) {
        let info = self.call("deamon_info", &[]).await;
        if info["state"] != "ok" {
            let r = self.call("deamon_start", &[]).await;
            assert_eq!(r["state"], "ok", "deamon_start: {r}");
        }
    }

    /// A "virtual" equipment with `n` info commands, each with an action command setting it.
    async fn virtual_cmds(&self, name: &str, n: usize) -> (Vec<String>, Vec<String>) {
        let v = self.call("create_virtual", &[("name", name.into()), ("n", n.to_string())]).await;
        let list = |k: &str| v[k].as_array().expect(k).iter().map(|x| x.as_str().unwrap().to_string()).collect();
        (list("infos"), list("actions"))
    }

    /// A JeedomConnect equipment (one phone) in `mode` ws|http|polling, with these cmds as widgets.
    async fn equipment(&self, name: &str, mode: &str, cmds: &[String]) -> Eq {
        let v = self
            .call("create_eq", &[("name", name.into()), ("mode", mode.into()), ("cmds", json!(cmds).to_string())])
            .await;
        Eq { id: v["id"].as_str().unwrap().into(), api_key: v["apiKey"].as_str().unwrap().into() }
    }

    /// `cmd->event(value)` in a PHP process of the web server; returns the time just before the call.
    async fn event(&self, cmd: &str, value: &str) -> f64 {
        let v = self.call("event", &[("cmdId", cmd.into()), ("value", value.into())]).await;
        v["t0"].as_f64().expect("t0")
    }

    /// The equipment page's save of a form (core eqLogic.ajax.php save).
    async fn save_equipment(&self, eq: &Eq, form: Value) -> Value {
        self.call("eq_save", &[("id", eq.id.clone()), ("eqLogic", form.to_string())]).await
    }

    /// One JSON-RPC call to the plugin API through Apache, as the app does in HTTP and polling modes.
    async fn api(&self, method: &str, params: Value) -> Value {
        let body = json!({"jsonrpc": "2.0", "id": format!("e2e-{}", rand_id()), "method": method, "params": params});
        let resp = self
            .http
            .post(format!("{}{API_PATH}", self.base))
            .header("Content-Type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap_or_else(|e| panic!("API {method}: {e}"));
        let status = resp.status();
        let text = resp.text().await.expect("API body");
        assert_eq!(status.as_u16(), 200, "API {method}: HTTP {status}: {text}");
        let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("API {method}: not JSON ({e}): {text}"));
        assert_eq!(v["jsonrpc"], "2.0", "API {method}: not a JSON-RPC envelope: {v}");
        assert_eq!(v["id"], body["id"], "API {method}: id not echoed: {v}");
        v["result"].clone()
    }

    fn api_posts(&self) -> usize {
        let text = std::fs::read_to_string(&self.access_log).unwrap_or_default();
        text.lines().filter(|l| l.contains(&format!("\"POST {API_PATH}"))).count()
    }

    fn access_lines(&self) -> usize {
        std::fs::read_to_string(&self.access_log).unwrap_or_default().lines().count()
    }

    async fn pid(&self) -> i64 {
        self.state().await["pid"].as_i64().unwrap_or(0)
    }
}

fn rand_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..12].to_string()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

#[derive(Clone, Debug)]
struct Eq {
    id: String,
    api_key: String,
}

/// `CONNECT` params as the app sends them (docs/protocol.md, "Connecting").
fn connect_params(eq: &Eq, device_id: &str, user_hash: &str) -> Value {
    json!({
        "apiKey": eq.api_key, "deviceId": device_id, "deviceName": format!("e2e {device_id}"),
        "token": format!("token-{device_id}"), "userHash": user_hash,
        "appVersion": "1.20.1", "pluginRequire": "1.20.0", "platformOs": "android", "osVersion": "14",
        "appTypeVersion": "stable", "buildVersion": "1"
    })
}

/// `(cmd id, value)` of the cmdInfo objects in a list.
fn cmd_pairs(list: &Value) -> Vec<(String, String)> {
    list.as_array()
        .map(|a| {
            a.iter()
                .map(|c| {
                    let id = match &c["id"] {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    let value = match &c["value"] {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    (id, value)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The CMD_INFO list inside a SET_EVENTS result.
fn set_events_cmds(msg: &Value) -> Vec<(String, String)> {
    if msg["type"] != "SET_EVENTS" {
        return vec![];
    }
    msg["payload"]
        .as_array()
        .map(|items| items.iter().filter(|i| i["type"] == "CMD_INFO").flat_map(|i| cmd_pairs(&i["payload"])).collect())
        .unwrap_or_default()
}

fn count(pairs: &[(String, String)], cmd: &str, value: &str) -> usize {
    pairs.iter().filter(|(c, v)| c == cmd && v == value).count()
}

// ------------------------------------------------------------------------------------------------------------
// WebSocket client (app in WebSocket mode).

struct WsClient {
    eq: Eq,
    sink: tokio::sync::Mutex<WsSink>,
    log: WsRecords,
    reader: JoinHandle<()>,
    welcome: Value,
}

impl Drop for WsClient {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

impl WsClient {
    /// Opens the socket only (no CONNECT).
    async fn open(port: u16) -> Result<(WsSink, WsRecords, JoinHandle<()>), String> {
        Self::open_url(&format!("ws://127.0.0.1:{port}/"), None).await
    }

    /// Opens a socket to `url` (ws://127.0.0.1:port/path), from the loopback address `local` when given.
    async fn open_url(
        url: &str,
        local: Option<std::net::IpAddr>,
    ) -> Result<(WsSink, WsRecords, JoinHandle<()>), String> {
        WsRecorder::open(url, local).await.map(WsRecorder::into_parts)
    }

    /// Connects as the app: socket, `CONNECT`, waits for `WELCOME`.
    async fn connect(port: u16, eq: &Eq, device_id: &str, user_hash: &str) -> Result<WsClient, String> {
        Self::connect_url(&format!("ws://127.0.0.1:{port}/"), None, eq, device_id, user_hash).await
    }

    /// The same to any ws:// URL (e.g. through Apache), from the loopback address `local` when given.
    async fn connect_url(
        url: &str,
        local: Option<std::net::IpAddr>,
        eq: &Eq,
        device_id: &str,
        user_hash: &str,
    ) -> Result<WsClient, String> {
        let (sink, log, reader) = Self::open_url(url, local).await?;
        let mut c = WsClient { eq: eq.clone(), sink: tokio::sync::Mutex::new(sink), log, reader, welcome: Value::Null };
        c.send(json!({"jsonrpc": "2.0", "id": "connect-1", "method": "CONNECT",
                      "params": connect_params(eq, device_id, user_hash)}))
            .await;
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            for ev in c.events() {
                match ev {
                    WsEv::Msg(_, v) if v["type"] == "WELCOME" => {
                        assert_eq!(v["id"], "connect-1", "WELCOME must carry the request id: {v}");
                        assert_eq!(v["eqApiKey"], json!(eq.api_key), "WELCOME must carry eqApiKey");
                        assert!(v.get("jeedomApiKey").is_none(), "the plugin key must not reach the app: {v}");
                        c.welcome = v;
                        return Ok(c);
                    }
                    WsEv::Msg(_, v) if v.get("type").is_some() && v["type"] != "CMD_INFO" => {
                        return Err(format!("CONNECT answered {v}"))
                    }
                    WsEv::Close(code) => return Err(format!("closed ({code:?}) before WELCOME")),
                    _ => {}
                }
            }
            if Instant::now() > deadline {
                return Err("no WELCOME within 10 s".into());
            }
            sleep_ms(10).await;
        }
    }

    /// Connects, retrying for `secs` (the app retries when the daemon is away).
    async fn connect_retry(rig: &Rig, eq: &Eq, device_id: &str, secs: u64) -> WsClient {
        let deadline = Instant::now() + Duration::from_secs(secs);
        let hash = rig.user_hash().await;
        loop {
            let port = rig.ws_port().await;
            match WsClient::connect(port, eq, device_id, &hash).await {
                Ok(c) => return c,
                Err(e) if Instant::now() < deadline => {
                    eprintln!("ws connect {}: {e}, retrying", eq.id);
                    sleep_ms(200).await;
                }
                Err(e) => panic!("websocket client {} cannot connect: {e}", eq.id),
            }
        }
    }

    async fn send(&self, v: Value) {
        self.sink.lock().await.send(Message::text(v.to_string())).await.expect("ws send");
    }

    async fn close(&self) {
        let _ = self.sink.lock().await.send(Message::Close(None)).await;
        let log = self.log.clone();
        wait_for("the daemon to answer our close", 5.0, || {
            log.lock().unwrap().iter().any(|e| matches!(e, WsEv::Close(..))).then_some(())
        })
        .await;
    }

    fn events(&self) -> Vec<WsEv> {
        self.log.lock().unwrap().clone()
    }

    /// (time, cmd, value) of every CMD_INFO frame received so far.
    fn cmd_frames(&self) -> Vec<(f64, String, String)> {
        let mut r = vec![];
        for e in self.events() {
            if let WsEv::Msg(t, v) = e {
                if v["type"] == "CMD_INFO" {
                    assert!(v.get("id").is_none() && v.get("DATETIME").is_none(), "CMD_INFO push shape: {v}");
                    for (c, val) in cmd_pairs(&v["payload"]) {
                        r.push((t, c, val));
                    }
                }
            }
        }
        r
    }

    fn cmd_pairs(&self) -> Vec<(String, String)> {
        self.cmd_frames().into_iter().map(|(_, c, v)| (c, v)).collect()
    }

    fn close_code(&self) -> Option<Option<u16>> {
        self.events().into_iter().find_map(|e| match e {
            WsEv::Close(code) => Some(code),
            _ => None,
        })
    }

    fn welcome_cmds(&self) -> Vec<(String, String)> {
        cmd_pairs(&self.welcome["payload"]["cmdInfo"])
    }

    /// Waits for the frame carrying `cmd`=`value`; returns its arrival time.
    async fn wait_cmd(&self, cmd: &str, value: &str, secs: f64) -> f64 {
        let what = format!("CMD_INFO {cmd}={value} on the websocket of equipment {}", self.eq.id);
        wait_for(&what, secs, || self.cmd_frames().into_iter().find(|(_, c, v)| c == cmd && v == value).map(|f| f.0))
            .await
    }
}

// ------------------------------------------------------------------------------------------------------------
// SSE client (app in HTTP mode): eventServer.php through Apache.

struct SseClient {
    stream: SseRecorder,
}

impl SseClient {
    async fn open(rig: &Rig, eq: &Eq) -> SseClient {
        let stream =
            SseRecorder::open_url(&format!("{}{SSE_PATH}?apiKey={}", rig.base, eq.api_key), Duration::from_secs(10))
                .await;
        assert_eq!(stream.status, 200, "SSE status");
        let ctype = stream.header("content-type").unwrap_or("").to_string();
        assert!(ctype.starts_with("text/event-stream"), "SSE content type: {ctype}");
        let c = SseClient { stream };
        let first = wait_for("the first SSE event", 10.0, || {
            c.messages()
                .into_iter()
                .find(|m| m.get("event").is_none())
                .or_else(|| c.ended().then(|| json!({"ended": true})))
        })
        .await;
        for m in c.messages() {
            assert!(
                m.get("notDoubleEncoded").is_none() && m.get("unparsable").is_none(),
                "SSE data not double-encoded JSON: {m}"
            );
        }
        assert_eq!(first["type"], "SET_INFO", "the first SSE event must be SET_INFO, got {first}");
        c
    }

    fn messages(&self) -> Vec<Value> {
        self.stream.events().iter().map(|(_, e)| e.msg_or_marker()).collect()
    }

    fn ended(&self) -> bool {
        self.stream.ended()
    }

    /// (time, cmd, value) of the changes in SET_EVENTS messages (not the SET_INFO snapshot).
    fn cmd_events(&self) -> Vec<(f64, String, String)> {
        let mut r = vec![];
        for (t, e) in self.stream.events() {
            let v = e.msg_or_marker();
            assert!(v.get("notDoubleEncoded").is_none() && v.get("unparsable").is_none(), "SSE data: {v}");
            for (c, val) in set_events_cmds(&v) {
                r.push((t, c, val));
            }
        }
        r
    }

    fn cmd_pairs(&self) -> Vec<(String, String)> {
        self.cmd_events().into_iter().map(|(_, c, v)| (c, v)).collect()
    }

    async fn wait_cmd(&self, cmd: &str, value: &str, secs: f64) -> f64 {
        let what = format!("SSE SET_EVENTS with {cmd}={value}");
        wait_for(&what, secs, || self.cmd_events().into_iter().find(|(_, c, v)| c == cmd && v == value).map(|f| f.0))
            .await
    }
}

// ------------------------------------------------------------------------------------------------------------
// HTTP app (CONNECT by POST) and polling app (GET_EVENTS by POST with the DATETIME cursor).

async fn http_connect(rig: &Rig, eq: &Eq, device_id: &str) -> Value {
    let hash = rig.user_hash().await;
    let r = rig.api("CONNECT", connect_params(eq, device_id, &hash)).await;
    assert_eq!(r["type"], "WELCOME", "CONNECT over HTTP: {r}");
    r
}

struct Poller {
    eq: Eq,
    cursor: Value,
    hist: Value,
    config_version: Value,
    seen: Vec<(String, String)>,
}

impl Poller {
    async fn connect(rig: &Rig, eq: &Eq, device_id: &str) -> Poller {
        let welcome = http_connect(rig, eq, device_id).await;
        let mut p = Poller {
            eq: eq.clone(),
            cursor: Value::Null,
            hist: json!(now().floor()),
            config_version: welcome["payload"]["configVersion"].clone(),
            seen: vec![],
        };
        p.poll(rig).await;
        assert!(!p.cursor.is_null(), "the first GET_EVENTS must give a DATETIME cursor");
        p
    }

    /// One GET_EVENTS; returns the cmd changes it brought.
    async fn poll(&mut self, rig: &Rig) -> Vec<(String, String)> {
        let r = rig
            .api(
                "GET_EVENTS",
                json!({"apiKey": self.eq.api_key, "configVersion": self.config_version,
                       "lastReadTimestamp": self.cursor, "lastHistoricReadTimestamp": self.hist}),
            )
            .await;
        assert_eq!(r["type"], "SET_EVENTS", "GET_EVENTS of equipment {}: {r}", self.eq.id);
        let items = r["payload"].as_array().expect("SET_EVENTS payload");
        assert_eq!(items[0]["type"], "DATETIME", "SET_EVENTS starts with DATETIME: {r}");
        assert_eq!(items[1]["type"], "HIST_DATETIME", "then HIST_DATETIME: {r}");
        self.cursor = items[0]["payload"].clone();
        self.hist = items[1]["payload"].clone();
        let got = set_events_cmds(&r);
        self.seen.extend(got.iter().cloned());
        got
    }

    /// Polls (every 300 ms) until `cmd`=`value` came.
    async fn poll_until(&mut self, rig: &Rig, cmd: &str, value: &str, secs: f64) {
        let deadline = Instant::now() + Duration::from_secs_f64(secs);
        while count(&self.seen, cmd, value) == 0 {
            assert!(Instant::now() < deadline, "polling client {} never got {cmd}={value}", self.eq.id);
            self.poll(rig).await;
            if count(&self.seen, cmd, value) == 0 {
                sleep_ms(300).await;
            }
        }
    }
}

fn assert_once(who: &str, pairs: &[(String, String)], cmd: &str, value: &str) {
    let n = count(pairs, cmd, value);
    assert_eq!(n, 1, "{who}: {cmd}={value} received {n} times, expected exactly once ({pairs:?})");
}

// ------------------------------------------------------------------------------------------------------------
// Scenarios.

/// Inodes of the TCP sockets listening on `port` (IPv4 and IPv6).
fn listening_inodes(port: u16) -> Vec<String> {
    let mut r = vec![];
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        for line in std::fs::read_to_string(table).unwrap_or_default().lines().skip(1) {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() > 9 && f[3] == "0A" && f[1].rsplit(':').next() == Some(&format!("{port:04X}")) {
                r.push(f[9].to_string());
            }
        }
    }
    r
}

/// The daemon as `deamon_start()` launched it from Apache's PHP: state ok, a process of the web server's user,
/// the plugin key out of its command line, and none of Apache's listening sockets inherited (else restarting
/// Apache - which Jeedom does on updates - would find its port taken).
#[tokio::test]
#[ignore]
async fn s0_daemon_started_by_deamon_start() {
    let rig = Rig::from_env();
    rig.ensure_daemon().await;
    let state = rig.state().await;
    assert_eq!(state["info"]["state"], "ok", "{state}");
    assert_eq!(state["info"]["launchable"], "ok", "{state}");
    let pid = state["pid"].as_i64().expect("pid");
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).expect("daemon cmdline");
    let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
    assert!(cmdline.contains("jeedomconnectd"), "pid file points at the daemon: {cmdline}");
    assert!(cmdline.contains(&format!("--websocketport {}", rig.ws_port().await)), "{cmdline}");
    assert!(!cmdline.contains("--apikey "), "the plugin key must not be on the command line: {cmdline}");
    let apache_port: u16 = rig.base.rsplit(':').next().and_then(|p| p.parse().ok()).expect("apache port");
    let apache_sockets = listening_inodes(apache_port);
    assert!(!apache_sockets.is_empty(), "apache listens on {apache_port}");
    let mut inherited = vec![];
    let mut sockets = 0;
    for fd in std::fs::read_dir(format!("/proc/{pid}/fd")).expect("daemon fds").flatten() {
        let target = std::fs::read_link(fd.path()).map(|t| t.display().to_string()).unwrap_or_default();
        sockets += usize::from(target.starts_with("socket:"));
        if apache_sockets.iter().any(|i| target == format!("socket:[{i}]")) {
            inherited.push(target);
        }
    }
    eprintln!("daemon pid {pid}: {sockets} socket(s) open; apache listener inode(s) {apache_sockets:?}");
    assert!(sockets >= 2, "the daemon's own listeners are visible in /proc/{pid}/fd");
    assert!(inherited.is_empty(), "the daemon holds Apache's listening socket(s) {inherited:?}");
    // Jeedom's UI status: deamon_info() through the core, and the daemon answers its health check.
    let health = reqwest::get(format!("http://127.0.0.1:{}/health", rig.ws_port().await)).await.expect("health");
    assert!(health.status().is_success(), "GET /health: {}", health.status());
}

/// A value change made with cmd->event() reaches the three modes: WebSocket and SSE within 100 ms, polling at its
/// next poll, each exactly once.
#[tokio::test]
#[ignore]
async fn s1_value_change_reaches_all_three_modes_once() {
    let rig = Rig::from_env();
    rig.ensure_daemon().await;
    let (infos, _) = rig.virtual_cmds("s1 sensor", 1).await;
    let x = infos[0].clone();
    let ws_eq = rig.equipment("s1 ws", "ws", &infos).await;
    let http_eq = rig.equipment("s1 http", "http", &infos).await;
    let poll_eq = rig.equipment("s1 polling", "polling", &infos).await;

    let ws = WsClient::connect_retry(&rig, &ws_eq, "s1-ws", 5).await;
    http_connect(&rig, &http_eq, "s1-http").await;
    let sse = SseClient::open(&rig, &http_eq).await;
    let mut poller = Poller::connect(&rig, &poll_eq, "s1-poll").await;
    sleep_ms(300).await;

    for (n, value) in ["21.5", "22", "22.5"].iter().enumerate() {
        let t0 = rig.event(&x, value).await;
        let t_ws = ws.wait_cmd(&x, value, 2.0).await;
        let t_sse = sse.wait_cmd(&x, value, 2.0).await;
        eprintln!("change {n}: websocket {:.1} ms, SSE {:.1} ms", (t_ws - t0) * 1e3, (t_sse - t0) * 1e3);
        assert!(t_ws - t0 <= PUSH_BUDGET, "websocket got {x}={value} after {:.1} ms", (t_ws - t0) * 1e3);
        assert!(t_sse - t0 <= PUSH_BUDGET, "SSE got {x}={value} after {:.1} ms", (t_sse - t0) * 1e3);
        let got = poller.poll(&rig).await;
        assert_eq!(count(&got, &x, value), 1, "the next poll must bring {x}={value} once: {got:?}");
    }
    // Nothing comes twice: let any late duplicate arrive, poll twice more.
    sleep_ms(1500).await;
    poller.poll(&rig).await;
    poller.poll(&rig).await;
    for value in ["21.5", "22", "22.5"] {
        assert_once("websocket", &ws.cmd_pairs(), &x, value);
        assert_once("SSE", &sse.cmd_pairs(), &x, value);
        assert_once("polling", &poller.seen, &x, value);
    }
}

/// CMD_EXEC from each client runs the command on the Jeedom side.
#[tokio::test]
#[ignore]
async fn s2_cmd_exec_from_each_mode_runs_the_command() {
    let rig = Rig::from_env();
    rig.ensure_daemon().await;
    let (infos, actions) = rig.virtual_cmds("s2 switch", 1).await;
    let (info, action) = (infos[0].clone(), actions[0].clone());
    let cmds = vec![info.clone(), action.clone()];
    let ws_eq = rig.equipment("s2 ws", "ws", &cmds).await;
    let http_eq = rig.equipment("s2 http", "http", &cmds).await;
    let poll_eq = rig.equipment("s2 polling", "polling", &cmds).await;
    let ws = WsClient::connect_retry(&rig, &ws_eq, "s2-ws", 5).await;
    http_connect(&rig, &http_eq, "s2-http").await;
    let _poller = Poller::connect(&rig, &poll_eq, "s2-poll").await;

    let executed = |log: &Value, message: &str| {
        log.as_array().map(|a| {
            a.iter()
                .filter(|e| e["id"] == json!(action) && e["options"]["message"] == message)
                .map(|e| e["options"].clone())
                .collect::<Vec<_>>()
        })
    };

    // WebSocket: a successful CMD_EXEC has no answer (null result => no frame).
    ws.send(json!({"jsonrpc": "2.0", "id": "exec-ws", "method": "CMD_EXEC",
                   "params": {"apiKey": ws_eq.api_key, "id": action, "options": {"message": "from-ws"}}}))
        .await;
    ws.wait_cmd(&info, "from-ws", 5.0).await;
    let log = rig.call("exec_log", &[]).await;
    let runs = executed(&log, "from-ws").unwrap_or_default();
    assert_eq!(runs.len(), 1, "CMD_EXEC over websocket must run the action once: {log}");
    assert_eq!(runs[0]["comingFrom"], "JeedomConnect", "options carry comingFrom: {}", runs[0]);
    for e in ws.events() {
        if let WsEv::Msg(_, v) = e {
            assert!(v["id"] != "exec-ws", "a successful CMD_EXEC gets no answer over websocket, got {v}");
        }
    }

    // HTTP and polling apps: a POST each, answered "ok".
    for (eq, message) in [(&http_eq, "from-http"), (&poll_eq, "from-poll")] {
        let r = rig.api("CMD_EXEC", json!({"apiKey": eq.api_key, "id": action, "options": {"message": message}})).await;
        assert_eq!(r, json!("ok"), "CMD_EXEC over HTTP for {}: {r}", eq.id);
        let log = rig.call("exec_log", &[]).await;
        assert_eq!(executed(&log, message).unwrap_or_default().len(), 1, "CMD_EXEC {message} must run once: {log}");
        let v = rig.call("cmd_value", &[("cmdId", info.clone())]).await;
        assert_eq!(v["value"], message, "the action set the info on the Jeedom side");
    }
    // The websocket app sees the others' changes too.
    ws.wait_cmd(&info, "from-poll", 2.0).await;
}

/// Ticking "websocket" on an HTTP-mode equipment (the equipment page's save) ends its SSE stream.
#[tokio::test]
#[ignore]
async fn s3a_ticking_websocket_ends_the_sse_stream() {
    let rig = Rig::from_env();
    rig.ensure_daemon().await;
    let (infos, _) = rig.virtual_cmds("s3a sensor", 1).await;
    let eq = rig.equipment("s3a http", "http", &infos).await;
    http_connect(&rig, &eq, "s3a-http").await;
    let sse = SseClient::open(&rig, &eq).await;
    rig.event(&infos[0], "before").await;
    sse.wait_cmd(&infos[0], "before", 2.0).await;
    assert!(!sse.ended(), "the stream is open");

    let saved = rig.save_equipment(&eq, json!({"configuration": {"useWs": "1", "polling": "0"}})).await;
    assert_eq!(saved["configuration"]["useWs"], "1", "saved: {saved}");
    let t = Instant::now();
    wait_for("the SSE stream to end after ticking websocket", 5.0, || sse.ended().then_some(())).await;
    eprintln!("SSE stream ended {:.0} ms after the save", t.elapsed().as_secs_f64() * 1e3);
    // and the app, now in websocket mode, connects to the daemon
    let ws = WsClient::connect_retry(&rig, &eq, "s3a-http", 5).await;
    assert_eq!(ws.welcome["payload"]["useWs"], "1", "WELCOME says websocket mode");
}

/// A layout change reaches the WebSocket and the SSE phone on their open connections as `CONFIG_AND_INFOS` (the
/// new layout and its state), without waiting for them to reconnect.
#[tokio::test]
#[ignore]
async fn s3c_a_layout_change_reaches_websocket_and_sse_phones_at_once() {
    let rig = Rig::from_env();
    rig.ensure_daemon().await;
    let (infos, _) = rig.virtual_cmds("s3c sensor", 2).await;
    let ws_eq = rig.equipment("s3c ws", "ws", &infos[..1]).await;
    let http_eq = rig.equipment("s3c http", "http", &infos[..1]).await;
    let ws = WsClient::connect_retry(&rig, &ws_eq, "s3c-ws", 5).await;
    http_connect(&rig, &http_eq, "s3c-http").await;
    let sse = SseClient::open(&rig, &http_eq).await;
    let before = ws.welcome["payload"]["configVersion"].as_i64().expect("WELCOME configVersion");

    let mut versions = vec![];
    for eq in [&ws_eq, &http_eq] {
        let r = rig.call("add_widget", &[("id", eq.id.clone()), ("cmdId", infos[1].clone())]).await;
        versions.push(r["configVersion"].as_i64().expect("configVersion"));
    }
    assert!(versions[0] > before, "a new version: {versions:?} after {before}");
    let ws_config = wait_for("CONFIG_AND_INFOS on the open websocket", 10.0, || {
        ws.events().into_iter().find_map(|e| match e {
            WsEv::Msg(_, v) if v["type"] == "CONFIG_AND_INFOS" => Some(v),
            _ => None,
        })
    })
    .await;
    assert_eq!(ws_config["payload"]["config"]["payload"]["configVersion"], json!(versions[0]), "{ws_config}");
    let shown: Vec<String> =
        cmd_pairs(&ws_config["payload"]["infos"]["cmdInfo"]).into_iter().map(|(id, _)| id).collect();
    assert!(shown.contains(&infos[1]), "the new widget's command is in the new state: {shown:?}");
    let sse_config = wait_for("CONFIG_AND_INFOS on the open SSE stream", 10.0, || {
        sse.messages().into_iter().find(|m| m["type"] == "CONFIG_AND_INFOS")
    })
    .await;
    assert_eq!(sse_config["payload"]["config"]["payload"]["configVersion"], json!(versions[1]), "{sse_config}");
    assert!(!sse.ended() && ws.close_code().is_none(), "both connections stay open");

    // and the new widget's command now reaches both
    rig.event(&infos[1], "after").await;
    ws.wait_cmd(&infos[1], "after", 5.0).await;
    sse.wait_cmd(&infos[1], "after", 5.0).await;
}

/// Disabling an equipment closes its WebSocket with EQUIPMENT_DISABLE.
#[tokio::test]
#[ignore]
async fn s3b_disabling_an_equipment_closes_its_websocket() {
    let rig = Rig::from_env();
    rig.ensure_daemon().await;
    let (infos, _) = rig.virtual_cmds("s3b sensor", 1).await;
    let eq = rig.equipment("s3b ws", "ws", &infos).await;
    let ws = WsClient::connect_retry(&rig, &eq, "s3b-ws", 5).await;
    rig.save_equipment(&eq, json!({"isEnable": "0"})).await;
    wait_for("the websocket to close after disabling the equipment", 5.0, || ws.close_code()).await;
    let msgs: Vec<Value> = ws
        .events()
        .into_iter()
        .filter_map(|e| match e {
            WsEv::Msg(_, v) => Some(v),
            _ => None,
        })
        .collect();
    assert!(msgs.iter().any(|m| m["type"] == "EQUIPMENT_DISABLE"), "EQUIPMENT_DISABLE before the close, got {msgs:?}");
    assert_eq!(ws.close_code(), Some(Some(1000)), "close code 1000 after EQUIPMENT_DISABLE");
    // and it cannot come back while disabled
    let hash = rig.user_hash().await;
    let again = WsClient::connect(rig.ws_port().await, &eq, "s3b-ws", &hash).await;
    assert!(again.is_err(), "a disabled equipment must not get WELCOME");
}

/// Saving a new websocket port on the configuration page restarts the daemon on it; the QR codes carry the new
/// addresses.
#[tokio::test]
#[ignore]
async fn s4_new_port_restarts_the_daemon_and_regenerates_the_qr_code() {
    let rig = Rig::from_env();
    rig.ensure_daemon().await;
    let (infos, _) = rig.virtual_cmds("s4 sensor", 1).await;
    let eq = rig.equipment("s4 ws", "ws", &infos).await;
    // a phone that does not connect meanwhile: nothing but the configuration save can refresh its QR code
    let quiet = rig.equipment("s4 quiet", "http", &infos).await;
    let old_port = rig.ws_port().await;
    let old_pid = rig.pid().await;
    let ws = WsClient::connect_retry(&rig, &eq, "s4-ws", 5).await;
    let qr_before = rig.call("qr", &[("id", quiet.id.clone())]).await;
    assert_eq!(qr_before["content"]["wsAddress"], format!("ws://jeedom.e2e.test:{old_port}"), "QR: {qr_before}");

    let new_port = free_port();
    sleep_ms(1100).await; // a new mtime second for the regenerated PNG
    let r = rig.call("config_save", &[("values", json!({"port": new_port.to_string()}).to_string())]).await;
    assert_eq!(r["ok"], true, "config save: {r}");

    // the daemon moved: the old socket was closed by the stopping daemon, the new port answers
    wait_for("the old daemon to close the websocket", 10.0, || ws.close_code()).await;
    let state = wait_for_state(&rig, 15.0, |s| s["info"]["state"] == "ok" && s["wsPort"] == new_port).await;
    assert_ne!(state["pid"].as_i64(), Some(old_pid), "the daemon was restarted (new pid)");
    let hash = rig.user_hash().await;
    let ws2 = WsClient::connect(new_port, &eq, "s4-ws", &hash).await.expect("WELCOME on the new port");
    assert!(WsClient::open(old_port).await.is_err(), "nothing listens on the old port {old_port} any more");
    assert_eq!(ws2.welcome["payload"]["pluginConfig"]["wsAddress"], format!("ws://jeedom.e2e.test:{new_port}"));

    let qr = rig.call("qr", &[("id", quiet.id.clone())]).await;
    assert_eq!(qr["content"]["wsAddress"], format!("ws://jeedom.e2e.test:{new_port}"), "QR after save: {qr}");
    assert_eq!(qr["content"]["internalWsAddress"], format!("ws://127.0.0.1:{new_port}"), "QR after save: {qr}");
    assert_eq!(qr["content"]["apiKey"], json!(quiet.api_key), "QR: {qr}");
    assert!(qr["mtime"].as_i64() > qr_before["mtime"].as_i64(), "the QR PNG was regenerated: {qr_before} -> {qr}");
    let pc = rig.api("GET_PLUGIN_CONFIG", json!({"apiKey": eq.api_key})).await;
    assert_eq!(pc["payload"]["internalWsAddress"], format!("ws://127.0.0.1:{new_port}"), "PLUGIN_CONFIG: {pc}");
    // after a save the page refreshes the daemon's live status (plugin ajax getDaemonStatus, logged in): the new daemon
    let status = rig
        .call(
            "page_ajax",
            &[
                ("path", "plugins/JeedomConnect/core/ajax/JeedomConnect.ajax.php".into()),
                ("params", json!({"action": "getDaemonStatus"}).to_string()),
            ],
        )
        .await;
    assert_eq!(status["state"], "ok", "getDaemonStatus: {status}");
    assert!(status["result"]["uptime"].as_u64().is_some_and(|u| u < 60), "the restarted daemon: {status}");
    let live = status["result"]["devices"].as_array().map(|d| d.iter().filter(|d| d["connected"] == true).count());
    assert!(live.unwrap_or(0) >= 1, "the page lists the connected phone: {status}");
    drop(ws2);
}

async fn wait_for_state(rig: &Rig, secs: f64, ok: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    loop {
        let s = rig.state().await;
        if ok(&s) {
            return s;
        }
        assert!(Instant::now() < deadline, "daemon state never as expected: {s}");
        sleep_ms(100).await;
    }
}

/// deamon_stop(): HTTP and polling apps keep receiving changes (PHP's own path), the WebSocket app is refused;
/// started again, the WebSocket app reconnects and gets every change it missed, none twice.
#[tokio::test]
#[ignore]
async fn s5_daemon_stop_fallback_then_resume() {
    let rig = Rig::from_env();
    rig.ensure_daemon().await;
    let (infos, _) = rig.virtual_cmds("s5 sensors", 4).await;
    let (x, d1, d2, d3) = (infos[0].clone(), infos[1].clone(), infos[2].clone(), infos[3].clone());
    let ws_eq = rig.equipment("s5 ws", "ws", &infos).await;
    let http_eq = rig.equipment("s5 http", "http", &infos).await;
    let poll_eq = rig.equipment("s5 polling", "polling", &infos).await;
    let ws = WsClient::connect_retry(&rig, &ws_eq, "s5-ws", 5).await;
    http_connect(&rig, &http_eq, "s5-http").await;
    let mut sse = SseClient::open(&rig, &http_eq).await;
    let mut poller = Poller::connect(&rig, &poll_eq, "s5-poll").await;

    rig.event(&x, "s5-before").await;
    ws.wait_cmd(&x, "s5-before", 2.0).await;
    sse.wait_cmd(&x, "s5-before", 2.0).await;
    poller.poll_until(&rig, &x, "s5-before", 3.0).await;

    // Stop.
    let info = rig.call("deamon_stop", &[]).await;
    assert_eq!(info["state"], "nok", "deamon_stop: {info}");
    let code = wait_for("the websocket to be closed by the stopping daemon", 5.0, || ws.close_code()).await;
    assert_eq!(code, Some(1001), "close 1001 when the daemon stops");
    let hash = rig.user_hash().await;
    let port = rig.ws_port().await;
    assert!(WsClient::connect(port, &ws_eq, "s5-ws", &hash).await.is_err(), "the websocket app is refused");

    // HTTP app: its stream either goes on (PHP serving it) or ends; the app then reconnects, as it does.
    sleep_ms(1500).await;
    let mut sse_pairs = sse.cmd_pairs();
    if sse.ended() {
        eprintln!("SSE stream ended with the daemon; the app reconnects");
        sse = SseClient::open(&rig, &http_eq).await;
    }
    rig.event(&d1, "s5-down-1").await;
    rig.event(&d2, "s5-down-2").await;
    sse.wait_cmd(&d1, "s5-down-1", 4.0).await;
    sse.wait_cmd(&d2, "s5-down-2", 4.0).await;
    poller.poll_until(&rig, &d1, "s5-down-1", 4.0).await;
    poller.poll_until(&rig, &d2, "s5-down-2", 4.0).await;
    assert!(WsClient::connect(port, &ws_eq, "s5-ws", &hash).await.is_err(), "still refused while stopped");

    // Start again; a change while the websocket app is still away.
    let r = rig.call("deamon_start", &[]).await;
    assert_eq!(r["state"], "ok", "deamon_start: {r}");
    rig.event(&d3, "s5-up-a").await;
    rig.event(&d3, "s5-up-b").await;
    let ws2 = WsClient::connect_retry(&rig, &ws_eq, "s5-ws", 10).await;
    sleep_ms(1000).await;
    let snapshot = ws2.welcome_cmds();
    let frames2 = ws2.cmd_pairs();
    // changes made while the daemon was down: at least in the WELCOME snapshot (current values)
    for (cmd, value) in [(&d1, "s5-down-1"), (&d2, "s5-down-2")] {
        assert!(
            count(&snapshot, cmd, value) + count(&frames2, cmd, value) >= 1,
            "after reconnecting the websocket app must know {cmd}={value}: snapshot {snapshot:?} frames {frames2:?}"
        );
    }
    // changes the daemon journaled while the app was away: replayed, every one, once
    assert_once("websocket replay", &frames2, &d3, "s5-up-a");
    assert_once("websocket replay", &frames2, &d3, "s5-up-b");
    // nothing it already had comes again
    let mut all = ws.cmd_pairs();
    all.extend(frames2.iter().cloned());
    assert_once("websocket over both connections", &all, &x, "s5-before");

    // Everyone gets the next change (the HTTP app on whichever stream it has).
    rig.event(&x, "s5-after").await;
    ws2.wait_cmd(&x, "s5-after", 2.0).await;
    sse.wait_cmd(&x, "s5-after", 4.0).await;
    poller.poll_until(&rig, &x, "s5-after", 4.0).await;
    sse_pairs.extend(sse.cmd_pairs());
    eprintln!(
        "SSE deliveries: {:?}; polling deliveries: {:?}",
        sse_pairs.iter().filter(|(c, _)| infos.contains(c)).collect::<Vec<_>>(),
        poller.seen
    );
    assert_once("polling", &poller.seen, &x, "s5-after");
}

/// kill -9 of the daemon: Jeedom's check (deamon_info() then deamon_start()) brings it back, and no event it had
/// accepted is lost.
#[tokio::test]
#[ignore]
async fn s6_kill_9_jeedom_check_restarts_no_event_lost() {
    let rig = Rig::from_env();
    rig.ensure_daemon().await;
    let (infos, _) = rig.virtual_cmds("s6 sensor", 1).await;
    let k = infos[0].clone();
    let away_eq = rig.equipment("s6 ws away", "ws", &infos).await;
    let live_eq = rig.equipment("s6 ws live", "ws", &infos).await;
    let poll_eq = rig.equipment("s6 polling", "polling", &infos).await;

    // A phone that saw k0 then went away (its resume point is k0).
    let away = WsClient::connect_retry(&rig, &away_eq, "s6-away", 5).await;
    let live = WsClient::connect_retry(&rig, &live_eq, "s6-live", 5).await;
    rig.event(&k, "k0").await;
    away.wait_cmd(&k, "k0", 2.0).await;
    live.wait_cmd(&k, "k0", 2.0).await;
    away.close().await;
    drop(away);
    let mut poller = Poller::connect(&rig, &poll_eq, "s6-poll").await;
    sleep_ms(300).await;

    // Three changes, accepted: a live client got the last one, so the daemon committed them.
    for v in ["k1", "k2", "k3"] {
        rig.event(&k, v).await;
    }
    live.wait_cmd(&k, "k3", 2.0).await;

    let pid = rig.pid().await;
    assert!(pid > 0, "daemon pid");
    // no automatic restart (the plugin's minute cron) before Jeedom's check below: that one is under test here
    rig.call("deamon_auto", &[("on", "0".into())]).await;
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid as i32), nix::sys::signal::Signal::SIGKILL)
        .unwrap_or_else(|e| panic!("kill -9 {pid}: {e}"));
    wait_for("the killed daemon to be gone", 5.0, || {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        (stat.is_empty() || stat.contains(") Z")).then_some(())
    })
    .await;
    wait_for("the live websocket to notice", 5.0, || live.close_code()).await;

    // Jeedom's daemon check.
    let check = rig.call("check_deamon", &[]).await;
    assert_eq!(check["before"]["state"], "nok", "deamon_info() after kill -9: {check}");
    assert_eq!(check["before"]["launchable"], "ok", "{check}");
    assert_eq!(check["started"], true, "{check}");
    assert_eq!(check["after"]["state"], "ok", "deamon_start() brought it back: {check}");
    assert_ne!(rig.pid().await, pid, "a new daemon process");

    // The phone that was away resumes from k0: k1, k2, k3, each once.
    let back = WsClient::connect_retry(&rig, &away_eq, "s6-away", 10).await;
    for v in ["k1", "k2", "k3"] {
        back.wait_cmd(&k, v, 3.0).await;
    }
    sleep_ms(500).await;
    for v in ["k1", "k2", "k3"] {
        assert_once("resumed websocket", &back.cmd_pairs(), &k, v);
    }
    assert_eq!(count(&back.cmd_pairs(), &k, "k0"), 0, "k0 was seen before going away");
    // The polling app's cursor predates k1: its next polls bring k1..k3, each once.
    poller.poll_until(&rig, &k, "k3", 4.0).await;
    poller.poll(&rig).await;
    for v in ["k1", "k2", "k3"] {
        assert_once("polling after kill -9", &poller.seen, &k, v);
    }
    // The live phone reconnects too and is up to date.
    let live2 = WsClient::connect_retry(&rig, &live_eq, "s6-live", 10).await;
    sleep_ms(300).await;
    let knows_k3 = count(&live2.welcome_cmds(), &k, "k3") + count(&live2.cmd_pairs(), &k, "k3");
    assert!(knows_k3 >= 1, "the live phone knows k3 after reconnecting");
    let dup = live2.cmd_pairs().iter().filter(|(c, _)| *c == k).count();
    eprintln!("live phone after kill -9: {dup} cmd frame(s) replayed on reconnect: {:?}", live2.cmd_pairs());
}

/// 200 WebSocket clients connected for 30 s with no value change: the plugin API receives zero requests.
#[tokio::test]
#[ignore]
async fn s7_idle_websocket_clients_cost_no_php_request() {
    let rig = Rig::from_env();
    rig.ensure_daemon().await;
    const N: usize = 200;
    let (infos, _) = rig.virtual_cmds("s7 sensor", 1).await;
    let eqs = rig
        .call(
            "create_eqs",
            &[
                ("prefix", "s7 phone ".into()),
                ("count", N.to_string()),
                ("mode", "ws".into()),
                ("cmds", json!(infos).to_string()),
            ],
        )
        .await;
    let eqs: Vec<Eq> = eqs
        .as_array()
        .expect("eqs")
        .iter()
        .map(|e| Eq { id: e["id"].as_str().unwrap().into(), api_key: e["apiKey"].as_str().unwrap().into() })
        .collect();
    assert_eq!(eqs.len(), N);
    let port = rig.ws_port().await;
    let hash = rig.user_hash().await;
    let sem = Arc::new(tokio::sync::Semaphore::new(16));
    let mut tasks = Vec::new();
    for (i, eq) in eqs.iter().cloned().enumerate() {
        let (sem, hash) = (sem.clone(), hash.clone());
        tasks.push(tokio::spawn(async move {
            let _permit = sem.acquire().await.expect("permit");
            WsClient::connect(port, &eq, &format!("s7-{i}"), &hash).await
        }));
    }
    let mut clients = Vec::new();
    for t in tasks {
        clients.push(t.await.expect("task").expect("WELCOME for every idle client"));
    }

    // Let the connection burst settle (access log quiet for 2 s), then watch 30 s.
    let mut last = (rig.access_lines(), Instant::now());
    let settle = Instant::now();
    while last.1.elapsed() < Duration::from_secs(2) {
        assert!(settle.elapsed() < Duration::from_secs(30), "the web server never went quiet");
        sleep_ms(200).await;
        let n = rig.access_lines();
        if n != last.0 {
            last = (n, Instant::now());
        }
    }
    let before = rig.api_posts();
    let t = Instant::now();
    tokio::time::sleep(Duration::from_secs(30)).await;
    sleep_ms(500).await; // requests are logged when they end
    let during = rig.api_posts() - before;
    eprintln!("{N} idle websocket clients for {:.1} s: {during} API request(s)", t.elapsed().as_secs_f64());
    assert_eq!(during, 0, "the plugin API got {during} request(s) while {N} websocket clients sat idle");
    let closed: Vec<&String> = clients.iter().filter(|c| c.close_code().is_some()).map(|c| &c.eq.id).collect();
    assert!(closed.is_empty(), "idle clients were disconnected: {closed:?}");
}

/// What Apache serves of the plugin folder (AllowOverride All, the plugin's .htaccess files and Jeedom's root
/// one): the app's entry points and the QR codes the equipment page shows, but none of the daemon's database
/// (device apiKeys, event journal), nor the binary and install scripts under resources/.
#[tokio::test]
#[ignore]
async fn s8_private_plugin_files_are_not_served() {
    let rig = Rig::from_env();
    rig.ensure_daemon().await;
    let (infos, _) = rig.virtual_cmds("s8 sensor", 1).await;
    let eq = rig.equipment("s8 ws", "ws", &infos).await;
    WsClient::connect_retry(&rig, &eq, "s8-ws", 5).await; // the journal has something in it
    let plugin = rig.web.join("plugins/JeedomConnect");
    let mut private: Vec<String> = vec![];
    for dir in ["data/daemon", "resources", "resources/bin"] {
        for f in std::fs::read_dir(plugin.join(dir)).unwrap_or_else(|e| panic!("{dir}: {e}")).flatten() {
            if f.path().is_file() {
                private.push(format!("{dir}/{}", f.file_name().to_string_lossy()));
            }
        }
    }
    assert!(private.iter().any(|p| p.starts_with("data/daemon/")), "the daemon's data files: {private:?}");
    let mut served = vec![];
    for p in &private {
        let r = rig.http.get(format!("{}/plugins/JeedomConnect/{p}", rig.base)).send().await.expect("GET");
        eprintln!("GET {p}: {}", r.status());
        if r.status().is_success() {
            served.push(format!("{p} ({} bytes)", r.content_length().unwrap_or(0)));
        }
    }
    assert!(served.is_empty(), "Apache serves private plugin files to anyone: {served:?}");
    // still reachable: the QR code of the equipment page, the app's entry points
    let qr = rig.http.get(format!("{}/plugins/JeedomConnect/data/qrcodes/{}.png", rig.base, eq.api_key)).send().await;
    let qr = qr.expect("GET QR");
    assert!(qr.status().is_success(), "the equipment page's QR image: {}", qr.status());
    let pc = rig.api("GET_PLUGIN_CONFIG", json!({})).await;
    assert_eq!(pc["type"], "PLUGIN_CONFIG", "{pc}");
}

// ------------------------------------------------------------------------------------------------------------
// WebSocket and SSE through Jeedom's own web server (Apache's mod_proxy, configured by the plugin).

const WS_PROXY_PATH: &str = "/plugins/JeedomConnect/ws";
const SSE_PROXY_PATH: &str = "/plugins/JeedomConnect/sse";

/// The plugin's web-server step run as Jeedom runs a plugin's install/remove hooks (root, php-cli), against the
/// rig's Apache: its private Debian-style tree, `apache2 -t` and a graceful reload of the rig's own server.
fn webserver(action: &str) -> Value {
    let env = |k: &str| std::env::var(k).unwrap_or_else(|_| panic!("{k} unset: run with bash tests/e2e/run.sh"));
    let conf = env("E2E_APACHE_CONF");
    let out = std::process::Command::new("php")
        .arg("tests/e2e/webserver.php")
        .arg(action)
        .env("JEEDOMCONNECT_APACHE_DIR", env("E2E_APACHE_TREE"))
        .env("JEEDOMCONNECT_APACHE_CONFIGTEST", format!("apache2 -t -f {conf}"))
        .env("JEEDOMCONNECT_APACHE_RELOAD", format!("apache2 -f {conf} -k graceful"))
        .output()
        .expect("php tests/e2e/webserver.php");
    // root wrote into Jeedom's files (logs, database): hand them back to the web server's user, as Jeedom does
    if let Ok(user) = std::env::var("E2E_WEB_USER") {
        let _ = std::process::Command::new("chown").args(["-R", &user, &env("E2E_WEB"), &env("E2E_DIR")]).status();
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().unwrap_or("");
    serde_json::from_str(last).unwrap_or_else(|_| {
        panic!("webserver.php {action}: {stdout}\nstderr: {}", String::from_utf8_lossy(&out.stderr))
    })
}

/// HTTP status of a GET (headers only: an event stream's body is not waited for).
async fn get_status(rig: &Rig, path: &str) -> u16 {
    let get = rig.http.get(format!("{}{path}", rig.base)).send();
    match tokio::time::timeout(Duration::from_secs(5), get).await {
        Ok(Ok(r)) => r.status().as_u16(),
        _ => 0,
    }
}

/// Waits until a GET of `path` answers `want` (a graceful reload takes effect when Apache's workers renew).
async fn wait_status(rig: &Rig, path: &str, want: impl Fn(u16) -> bool, what: &str) -> u16 {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let st = get_status(rig, path).await;
        if want(st) {
            return st;
        }
        assert!(Instant::now() < deadline, "{what}: GET {path} still answers {st}");
        sleep_ms(100).await;
    }
}

/// A raw SSE reader: every event block exactly as received (bytes up to and including CRLF CRLF).
struct RawSse {
    stream: SseRecorder,
}

impl RawSse {
    async fn open(url: String) -> RawSse {
        let stream = SseRecorder::open_url(&url, Duration::from_secs(10)).await;
        assert_eq!(stream.status, 200, "{url}");
        RawSse { stream }
    }

    async fn wait_block(&self, what: &str, secs: f64, pred: impl Fn(&str) -> bool) -> String {
        wait_for(what, secs, || {
            self.stream.events().into_iter().map(|(_, e)| format!("{}\r\n\r\n", e.raw)).find(|b| pred(b))
        })
        .await
    }
}

/// The proxy configuration in place for the daemon's current port (idempotent: `unchanged` when it already is),
/// and the reloaded Apache forwarding it.
async fn ensure_proxy(rig: &Rig) -> u16 {
    rig.ensure_daemon().await;
    let daemon_port = rig.ws_port().await;
    let r = webserver("apply");
    assert!(r["state"] == "ok" || r["state"] == "unchanged", "the plugin's Apache configuration: {r}");
    let conf = std::fs::read_to_string(apache_tree().join("conf-enabled/jeedomconnect.conf")).expect("enabled conf");
    assert!(conf.contains(&format!("ws://127.0.0.1:{daemon_port}/")), "proxies to the daemon's port: {conf}");
    wait_status(rig, &format!("{SSE_PROXY_PATH}?apiKey=x"), |st| st == 200, "Apache forwarding the daemon's SSE").await;
    daemon_port
}

fn apache_tree() -> PathBuf {
    PathBuf::from(std::env::var("E2E_APACHE_TREE").expect("E2E_APACHE_TREE unset: run with bash tests/e2e/run.sh"))
}

fn apache_port(rig: &Rig) -> u16 {
    rig.base.rsplit(':').next().and_then(|p| p.trim_end_matches('/').parse().ok()).expect("apache port")
}

/// "WebSocket through Jeedom's web server" ticked on the configuration page (the rig's config save path), then the
/// plugin's install step (root, as Jeedom runs it) writes its Apache configuration into the rig's private Debian
/// tree (a2enmod/a2enconf with APACHE_CONFDIR), checks it (`apache2 -t`) and reloads the rig's Apache
/// (`-k graceful`): the proxied paths answer, and the QR codes / PLUGIN_CONFIG carry the proxied addresses.
#[tokio::test]
#[ignore]
async fn s9a_plugin_installs_its_apache_proxy_and_the_addresses_follow() {
    let rig = Rig::from_env();
    rig.ensure_daemon().await;
    let daemon_port = rig.ws_port().await;
    let tree = apache_tree();
    if !tree.join("conf-enabled/jeedomconnect.conf").exists() {
        // Jeedom's root .htaccess refuses any path without an allowed extension: 403 where no proxy answers
        assert_eq!(get_status(&rig, &format!("{SSE_PROXY_PATH}?apiKey=x")).await, 403, "no proxy before the install");
    }
    let quiet = rig.equipment("s9a quiet", "http", &[]).await;
    let r = rig.call("config_save", &[("values", json!({"wsThroughJeedom": "1"}).to_string())]).await;
    assert_eq!(r["ok"], true, "config save: {r}");
    let installed = webserver("apply");
    assert!(installed["state"] == "ok" || installed["state"] == "unchanged", "{installed}");
    for m in ["proxy", "proxy_http", "proxy_wstunnel", "headers"] {
        assert!(tree.join(format!("mods-enabled/{m}.load")).exists(), "a2enmod {m} in the rig's tree");
    }
    assert!(tree.join("conf-available/jeedomconnect.conf").is_file(), "conf-available/jeedomconnect.conf");
    let conf = std::fs::read_to_string(tree.join("conf-enabled/jeedomconnect.conf")).expect("enabled configuration");
    assert!(conf.contains(&format!("ws://127.0.0.1:{daemon_port}/")), "proxies to the daemon's port: {conf}");
    wait_status(&rig, &format!("{SSE_PROXY_PATH}?apiKey=x"), |st| st == 200, "the reloaded Apache forwarding SSE")
        .await;
    let internal = format!("ws://127.0.0.1:{}{WS_PROXY_PATH}", apache_port(&rig));
    let pc = rig.api("GET_PLUGIN_CONFIG", json!({})).await;
    assert_eq!(pc["payload"]["internalWsAddress"], internal, "PLUGIN_CONFIG: {pc}");
    assert_eq!(pc["payload"]["wsAddress"], format!("wss://jeedom.e2e.test{WS_PROXY_PATH}"), "PLUGIN_CONFIG: {pc}");
    let qr = rig.call("qr", &[("id", quiet.id.clone())]).await;
    assert_eq!(qr["content"]["internalWsAddress"], internal, "the QR code carries the proxied address: {qr}");
}

/// An app on another loopback address (127.0.0.2) reaching `ws://<Apache>/plugins/JeedomConnect/ws`: WELCOME, a
/// value change within 100 ms, CMD_EXEC runs the Jeedom action; the plugin API saw 127.0.0.2 (Apache's X-Real-IP →
/// daemon → API), not the proxy's 127.0.0.1; disabling the equipment → EQUIPMENT_DISABLE then close 1000, through
/// Apache.
#[tokio::test]
#[ignore]
async fn s9b_websocket_through_apache() {
    let rig = Rig::from_env();
    ensure_proxy(&rig).await;
    let url = format!("ws://127.0.0.1:{}{WS_PROXY_PATH}", apache_port(&rig));
    let (infos, actions) = rig.virtual_cmds("s9b switch", 1).await;
    let (info, action) = (infos[0].clone(), actions[0].clone());
    let eq = rig.equipment("s9b ws", "ws", &[info.clone(), action.clone()]).await;
    let hash = rig.user_hash().await;
    let app_ip: std::net::IpAddr = "127.0.0.2".parse().unwrap();
    let ws = WsClient::connect_url(&url, Some(app_ip), &eq, "s9b-ws", &hash).await.expect("WELCOME via Apache");
    assert_eq!(ws.welcome["type"], "WELCOME", "{}", ws.welcome);
    let t0 = rig.event(&info, "via-apache").await;
    let t = ws.wait_cmd(&info, "via-apache", 2.0).await;
    assert!(t - t0 < PUSH_BUDGET, "value change through Apache after {:.1} ms", (t - t0) * 1000.0);
    ws.send(json!({"jsonrpc": "2.0", "id": "exec-proxy", "method": "CMD_EXEC",
                   "params": {"apiKey": eq.api_key, "id": action, "options": {"message": "exec-via-apache"}}}))
        .await;
    ws.wait_cmd(&info, "exec-via-apache", 5.0).await;
    let log = rig.call("exec_log", &[]).await;
    let ran = log.as_array().map_or(0, |a| {
        a.iter().filter(|e| e["id"] == json!(action) && e["options"]["message"] == "exec-via-apache").count()
    });
    assert_eq!(ran, 1, "CMD_EXEC through Apache runs the action once: {log}");
    // the plugin API's own record of the address it used for this app's CONNECT (debug line of JeedomConnectApi)
    let plugin_log =
        std::fs::read_to_string(format!("{}/log/JeedomConnect", std::env::var("E2E_WEB").unwrap())).unwrap_or_default();
    let connects: Vec<&str> =
        plugin_log.lines().filter(|l| l.contains(&format!("[WS] CONNECT eq={} ", eq.id))).collect();
    assert!(!connects.is_empty(), "no CONNECT of eq {} in the plugin log", eq.id);
    assert!(connects.iter().all(|l| l.ends_with(" from 127.0.0.2")), "the API's view of the app: {connects:?}");

    // The daemon's close codes pass through: disabling the equipment → EQUIPMENT_DISABLE, then 1000.
    rig.save_equipment(&eq, json!({"isEnable": "0"})).await;
    wait_for("the proxied websocket to close", 5.0, || ws.close_code()).await;
    let got_disable = ws.events().into_iter().any(|e| matches!(e, WsEv::Msg(_, v) if v["type"] == "EQUIPMENT_DISABLE"));
    assert!(got_disable, "EQUIPMENT_DISABLE through Apache: {:?}", ws.events());
    assert_eq!(ws.close_code(), Some(Some(1000)), "close 1000 through Apache");
}

/// The SSE stream through `/plugins/JeedomConnect/sse` is byte for byte the direct one: the same phone's SET_INFO,
/// the SET_EVENTS block (with its `id:` cursor) of the same change, the heartbeat.
#[tokio::test]
#[ignore]
async fn s9c_sse_through_apache_is_byte_for_byte_the_direct_one() {
    let rig = Rig::from_env();
    let daemon_port = ensure_proxy(&rig).await;
    let (sensors, _) = rig.virtual_cmds("s9c sensor", 1).await;
    let sensor = sensors[0].clone();
    let a = rig.equipment("s9c sse direct", "http", &sensors).await;
    let b = rig.equipment("s9c sse proxied", "http", &sensors).await;
    let direct_url = |eq: &Eq| format!("http://127.0.0.1:{daemon_port}/sse?apiKey={}", eq.api_key);
    let proxied_url = |eq: &Eq| format!("{}{SSE_PROXY_PATH}?apiKey={}", rig.base, eq.api_key);

    // SET_INFO of one phone, direct then through Apache (a newer stream ends the older one)
    let first = RawSse::open(direct_url(&a)).await;
    let info_direct = first.wait_block("SET_INFO direct", 10.0, |b| b.contains("SET_INFO")).await;
    drop(first);
    let again = RawSse::open(proxied_url(&a)).await;
    let info_proxied = again.wait_block("SET_INFO through Apache", 10.0, |b| b.contains("SET_INFO")).await;
    drop(again);
    assert!(info_direct.starts_with("data:") && info_direct.ends_with("\r\n\r\n"), "{info_direct:?}");
    assert_eq!(info_proxied, info_direct, "SET_INFO through Apache is byte for byte the direct one");

    // Two phones with the same widgets, streams opened within the same second (SET_EVENTS' HIST_DATETIME is the
    // stream's start second): the same change arrives as the same bytes, `id:` cursor included.
    let frac = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().subsec_millis() as u64;
    sleep_ms(1050 - frac.min(1000)).await;
    let direct = RawSse::open(direct_url(&a)).await;
    let proxied = RawSse::open(proxied_url(&b)).await;
    direct.wait_block("SET_INFO direct", 10.0, |b| b.contains("SET_INFO")).await;
    proxied.wait_block("SET_INFO through Apache", 10.0, |b| b.contains("SET_INFO")).await;
    rig.event(&sensor, "sse-same-bytes").await;
    let d = direct.wait_block("the event, direct", 5.0, |b| b.contains("sse-same-bytes")).await;
    let p = proxied.wait_block("the event, through Apache", 5.0, |b| b.contains("sse-same-bytes")).await;
    assert!(d.starts_with("id:") && d.contains("SET_EVENTS") && d.ends_with("\r\n\r\n"), "{d:?}");
    assert_eq!(p, d, "the SET_EVENTS block through Apache is byte for byte the direct one");
    let is_hb = |b: &str| b.contains("heartbeat");
    let hd = direct.wait_block("a heartbeat, direct", 12.0, is_hb).await;
    let hp = proxied.wait_block("a heartbeat through Apache", 12.0, is_hb).await;
    assert_eq!(hd, "data:\"{\\\"event\\\":\\\"heartbeat\\\"}\"\r\n\r\n", "the direct heartbeat");
    assert_eq!(hp, hd, "the heartbeat through Apache is byte for byte the direct one");
}

/// Removing the plugin (its remove hook `JeedomConnect_remove()`, run as Jeedom runs it) removes its Apache
/// configuration, Apache (gracefully reloaded) still serves the site and the API, and `/plugins/JeedomConnect/ws`
/// no longer upgrades. Runs last: the plugin's hooks are gone and its daemon is stopped afterwards.
#[tokio::test]
#[ignore]
async fn s9z_removing_the_plugin_removes_the_web_server_configuration() {
    let rig = Rig::from_env();
    ensure_proxy(&rig).await;
    let tree = apache_tree();
    let url = format!("ws://127.0.0.1:{}{WS_PROXY_PATH}", apache_port(&rig));
    match WsClient::open_url(&url, None).await {
        Ok((_sink, _log, reader)) => reader.abort(),
        Err(e) => panic!("before the removal {url} should upgrade: {e}"),
    }
    let removed = webserver("remove");
    assert_eq!(removed["installed"], false, "{removed}");
    assert!(!tree.join("conf-available/jeedomconnect.conf").exists(), "configuration file deleted");
    assert!(!tree.join("conf-enabled/jeedomconnect.conf").exists(), "configuration disabled");
    // the reloaded Apache no longer forwards the daemon's paths (the 403 Jeedom's root .htaccess gives any path
    // without an allowed extension, not a 502/503 of a proxy whose daemon is gone), still serves the site and the API
    let sse_probe = format!("{SSE_PROXY_PATH}?apiKey=x");
    wait_status(&rig, &sse_probe, |st| st == 403, "the reloaded Apache without the proxy").await;
    assert_eq!(rig.call("ping", &[]).await["pong"], true, "the site still answers");
    let pc = rig.api("GET_PLUGIN_CONFIG", json!({})).await;
    assert_eq!(pc["type"], "PLUGIN_CONFIG", "{pc}");
    assert_eq!(get_status(&rig, WS_PROXY_PATH).await, 403, "no WebSocket forwarding left");
    match WsClient::open_url(&url, None).await {
        Ok((_sink, _log, reader)) => {
            reader.abort();
            panic!("{url} still upgrades after the plugin's removal")
        }
        Err(e) => assert!(e.contains("403"), "{url} after the removal: {e}"),
    }
}

// ------------------------------------------------------------------------------------------------------------
// The newer API methods through the daemon: the same request over the WebSocket and over the daemon's POST /rpc
// is answered as the plugin API answers it over HTTP.

/// One JSON-RPC request with its own `id` to `url` (the plugin API through Apache, or the daemon's `/rpc`): the
/// envelope, whose `id` must be the request's.
async fn post_rpc(rig: &Rig, url: &str, id: &str, method: &str, params: &Value) -> Value {
    let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
    let resp = rig
        .http
        .post(url)
        .header("Content-Type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap_or_else(|e| panic!("{method} to {url}: {e}"));
    let status = resp.status();
    let text = resp.text().await.expect("body");
    assert_eq!(status.as_u16(), 200, "{method} to {url}: HTTP {status}: {text}");
    let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{method} to {url}: not JSON ({e}): {text}"));
    assert_eq!((&v["jsonrpc"], &v["id"]), (&json!("2.0"), &json!(id)), "{method} to {url}: {v}");
    v
}

/// A result as the HTTP API gives it, for comparison: errors name the transport (`[WS]` through the daemon,
/// `[API]` over HTTP, docs/api-methods.md), which is the one difference allowed.
fn same_transport(mut result: Value) -> Value {
    if let Some(m) = result.pointer_mut("/payload/message") {
        if let Some(s) = m.as_str() {
            *m = json!(s.replacen("[WS] - ", "[API] - ", 1));
        }
    }
    result
}

impl WsClient {
    /// Sends a request and waits for the frame answering it (same `id`); returns that frame without the `id` and
    /// `eqApiKey` the daemon adds for the app.
    async fn request(&self, id: &str, method: &str, params: Value) -> Value {
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})).await;
        let what = format!("the websocket answer to {method} ({id})");
        let mut frame = wait_for(&what, 15.0, || {
            self.events().into_iter().find_map(|e| match e {
                WsEv::Msg(_, v) if v["id"] == id => Some(v),
                _ => None,
            })
        })
        .await;
        assert_eq!(frame["eqApiKey"], json!(self.eq.api_key), "{method}: the frame names the phone: {frame}");
        let o = frame.as_object_mut().expect("a frame is an object");
        o.remove("id");
        o.remove("eqApiKey");
        frame
    }

    /// Whether a frame answered the request `id` (a null result has none over the WebSocket).
    fn answered(&self, id: &str) -> bool {
        self.events().into_iter().any(|e| matches!(e, WsEv::Msg(_, v) if v["id"] == id))
    }
}

/// A representative set of the methods served since the differential harness (history, telemetry, location with
/// the apiKey as the JSON-RPC id, the batteries and timeline pages, an admin-only page refused to a non-admin's
/// phone, an unknown method): each request over the WebSocket and over the daemon's `POST /rpc` gets the answer the
/// plugin API gives over HTTP, and acts the same.
#[tokio::test]
#[ignore]
async fn s10_newer_methods_answer_the_same_over_websocket_and_rpc() {
    let rig = Rig::from_env();
    rig.ensure_daemon().await;
    let port = rig.ws_port().await;
    let http_url = format!("{}{API_PATH}", rig.base);
    let rpc_url = format!("http://127.0.0.1:{port}/rpc");
    let hist = rig.call("historized", &[("name", "s10 temp".into()), ("n", "12".into())]).await;
    let (infos, _) = rig.virtual_cmds("s10 dev", 1).await;
    let eq = rig.equipment("s10 phone", "ws", &infos).await;
    let ws = WsClient::connect_retry(&rig, &eq, "s10-ws", 5).await;
    let user = rig.call("create_user", &[("login", "s10user".into()), ("profile", "user".into())]).await;
    let v = rig
        .call(
            "create_eq",
            &[
                ("name", "s10 user phone".into()),
                ("mode", "ws".into()),
                ("cmds", json!(infos).to_string()),
                ("login", "s10user".into()),
            ],
        )
        .await;
    let user_eq = Eq { id: v["id"].as_str().unwrap().into(), api_key: v["apiKey"].as_str().unwrap().into() };
    let user_ws = WsClient::connect(port, &user_eq, "s10-ws-user", user["userHash"].as_str().unwrap())
        .await
        .unwrap_or_else(|e| panic!("the non-admin's phone cannot connect: {e}"));

    // Requests answered with a result: the same result in the three modes.
    let key = json!(eq.api_key);
    let answered: Vec<(&WsClient, &str, Value)> = vec![
        (
            &ws,
            "GET_HISTORY",
            json!({"apiKey": key, "id": hist["cmdId"],
                                    "options": {"startTime": hist["from"], "endTime": hist["to"]}}),
        ),
        (&ws, "GET_TIMELINE_EVENTS", json!({"apiKey": key, "folder": "main"})),
        (&user_ws, "GET_JEEDOM_GLOBAL_HEALTH", json!({"apiKey": user_eq.api_key})),
        (&user_ws, "GET_LOG", json!({"apiKey": user_eq.api_key, "type": "jeedom", "id": "JeedomConnect"})),
        (&ws, "NO_SUCH_METHOD", json!({"apiKey": key})),
    ];
    for (n, (client, method, params)) in answered.iter().enumerate() {
        let http = post_rpc(&rig, &http_url, &format!("s10-http-{n}"), method, params).await["result"].clone();
        let rpc = post_rpc(&rig, &rpc_url, &format!("s10-rpc-{n}"), method, params).await["result"].clone();
        let over_ws = client.request(&format!("s10-ws-{n}"), method, params.clone()).await;
        assert_eq!(same_transport(rpc), http, "{method}: POST /rpc differs from the HTTP API");
        assert_eq!(same_transport(over_ws), http, "{method}: the WebSocket differs from the HTTP API");
        match *method {
            "GET_HISTORY" => {
                assert_eq!(http["type"], "SET_HISTORY", "{http}");
                assert_eq!(http["payload"]["data"].as_array().map(Vec::len), Some(12), "{http}");
            }
            "GET_TIMELINE_EVENTS" => assert_eq!(http["type"], "SET_TIMELINE_EVENTS", "{http}"),
            "GET_JEEDOM_GLOBAL_HEALTH" | "GET_LOG" => {
                assert_eq!(http["type"], "EXCEPTION", "{method} for a non-admin's phone: {http}");
                assert!(http["payload"]["message"].as_str().unwrap_or("").contains("admin"), "{http}");
            }
            _ => assert_eq!(
                http["payload"]["message"],
                json!("Error with 'NO_SUCH_METHOD' method [API] - method not defined"),
                "{http}"
            ),
        }
    }

    // Telemetry and location: no result ("ok" over HTTP and /rpc, no frame over the WebSocket), the same effect.
    let value = |logical: &'static str| {
        let rig = &rig;
        let id = eq.id.clone();
        async move {
            match rig.call("eq_cmd_value", &[("id", id), ("logicalId", logical.into())]).await["value"].clone() {
                Value::String(s) => s,
                Value::Null => String::new(),
                other => other.to_string(),
            }
        }
    };
    for (mode, level) in [("http", 41), ("rpc", 42), ("ws", 43)] {
        let params = json!({"apiKey": key, "level": level});
        let id = format!("s10-battery-{mode}");
        match mode {
            "http" => assert_eq!(post_rpc(&rig, &http_url, &id, "SET_BATTERY", &params).await["result"], "ok"),
            "rpc" => assert_eq!(post_rpc(&rig, &rpc_url, &id, "SET_BATTERY", &params).await["result"], "ok"),
            _ => ws.send(json!({"jsonrpc": "2.0", "id": id, "method": "SET_BATTERY", "params": params})).await,
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while value("battery").await != level.to_string() {
            assert!(Instant::now() < deadline, "SET_BATTERY {level} over {mode} did not set the battery command");
            sleep_ms(50).await;
        }
        assert!(!ws.answered(&id), "a null result has no frame over the WebSocket");
    }
    let batteries: Vec<Value> = vec![
        post_rpc(&rig, &http_url, "s10-bat-http", "GET_BATTERIES", &json!({"apiKey": key})).await["result"].clone(),
        post_rpc(&rig, &rpc_url, "s10-bat-rpc", "GET_BATTERIES", &json!({"apiKey": key})).await["result"].clone(),
        ws.request("s10-bat-ws", "GET_BATTERIES", json!({"apiKey": key})).await,
    ];
    assert_eq!(batteries[0]["type"], "SET_BATTERIES", "{}", batteries[0]);
    assert_eq!(batteries[1], batteries[0], "GET_BATTERIES: POST /rpc differs from the HTTP API");
    assert_eq!(batteries[2], batteries[0], "GET_BATTERIES: the WebSocket differs from the HTTP API");
    let mine = batteries[0]["payload"].as_array().and_then(|l| l.iter().find(|b| b["eqName"] == "s10 phone").cloned());
    assert!(
        mine.is_some_and(|b| b["battery"] == json!(43)),
        "the last level set (over the WebSocket): {}",
        batteries[0]
    );

    // GEOLOC: the app's background-geolocation library sends the phone's apiKey as the JSON-RPC id.
    for (mode, lat) in [("http", "45.7601"), ("rpc", "45.7602"), ("ws", "45.7603")] {
        let params = json!({"coords": {"latitude": lat.parse::<f64>().unwrap(), "longitude": 4.8356, "accuracy": 10,
                                       "altitude": 170},
                            "activity": {"type": "still"}, "battery": {"level": 0.5},
                            "timestamp": "2026-12-08T03:00:00.000Z"});
        match mode {
            "http" => assert_eq!(post_rpc(&rig, &http_url, &eq.api_key, "GEOLOC", &params).await["result"], "ok"),
            "rpc" => assert_eq!(post_rpc(&rig, &rpc_url, &eq.api_key, "GEOLOC", &params).await["result"], "ok"),
            _ => ws.send(json!({"jsonrpc": "2.0", "id": eq.api_key, "method": "GEOLOC", "params": params})).await,
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while !value("position").await.starts_with(&format!("{lat},")) {
            assert!(
                Instant::now() < deadline,
                "GEOLOC over {mode} did not set the position: {}",
                value("position").await
            );
            sleep_ms(50).await;
        }
    }
    assert!(!ws.answered(&eq.api_key), "GEOLOC has no frame over the WebSocket");
}
