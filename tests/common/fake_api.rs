//! A recording fake of the plugin's PHP API (`JeedomConnect.api.php`), the daemon's `--callback`.
//!
//! It answers in the HTTP body with a JSON-RPC envelope `{"jsonrpc":"2.0","id":…,"result":…,"jcd":…}` and records
//! every request (HTTP method, JSON-RPC method and params, `?apikey=`, `X-Real-IP`, arrival order, timing).
//! Behaviour per method:
//! - `CONNECT`: `WELCOME` + `jcd` (the registered [`DeviceSpec`]'s record) or the reply chosen with
//!   [`FakeApi::connect_reply`] (e.g. one of the 7 error types); unknown apiKey → `EXCEPTION`.
//! - `GET_INFO`: `SET_INFO` with [`FakeApi::snapshot`]; `GET_EVENTS` (only relayed when configVersion differs):
//!   `CONFIG_AND_INFOS`.
//! - `ECHO`: `{"type":"ECHO","payload":{"method","params"}}`; `params.delay_ms` delays any answer.
//! - methods set with [`FakeApi::method_result`]: that result; anything else (`CMD_EXEC`, `DISCONNECT`, …): `null`.
//!
//! Global modes ([`Mode`]): normal, down (not listening, connections cut), slow, HTTP 500, garbage body.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::task::AbortHandle;

#[derive(Clone, Debug)]
pub struct Recorded {
    pub seq: usize,
    pub http_method: String,
    pub path: String,
    pub query: String,
    pub query_apikey: Option<String>,
    pub real_ip: Option<String>,
    pub content_type: Option<String>,
    pub raw_body: String,
    pub body: Value,
    /// JSON-RPC method ("" when the body is not JSON-RPC).
    pub method: String,
    pub params: Value,
    pub started: Instant,
    pub finished: Option<Instant>,
}

impl Recorded {
    pub fn api_key(&self) -> Option<&str> {
        self.params["apiKey"].as_str()
    }
    pub fn session_id(&self) -> Option<&str> {
        self.params["sessionId"].as_str()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Mode {
    Normal,
    /// Not listening; open connections are cut.
    Down,
    /// Sleep this long before answering normally.
    Slow(Duration),
    /// HTTP 500 with a text body.
    Http500,
    /// HTTP 200 with a body that is not JSON.
    Garbage,
}

/// What the fake knows about one device (its `jcd` record).
#[derive(Clone, Debug)]
pub struct DeviceSpec {
    pub key: String,
    pub enabled: bool,
    pub use_ws: bool,
    pub polling: bool,
    pub app_state: String,
    pub config_version: i64,
    pub cmds: Vec<String>,
    pub scenarios: Vec<String>,
    pub sc_all: bool,
    pub objects: Vec<String>,
}

impl DeviceSpec {
    /// A WebSocket device seeing cmd 12, scenario 7, object 3.
    pub fn ws(key: &str) -> DeviceSpec {
        DeviceSpec {
            key: key.to_string(),
            enabled: true,
            use_ws: true,
            polling: false,
            app_state: "active".into(),
            config_version: 5,
            cmds: vec!["12".into()],
            scenarios: vec!["7".into()],
            sc_all: false,
            objects: vec!["3".into()],
        }
    }
    /// An HTTP (SSE) device.
    pub fn sse(key: &str) -> DeviceSpec {
        DeviceSpec { use_ws: false, polling: false, ..DeviceSpec::ws(key) }
    }
    /// A polling device.
    pub fn polling(key: &str) -> DeviceSpec {
        DeviceSpec { use_ws: false, polling: true, ..DeviceSpec::ws(key) }
    }
    pub fn with_cmds<S: ToString>(mut self, cmds: impl IntoIterator<Item = S>) -> Self {
        self.cmds = cmds.into_iter().map(|c| c.to_string()).collect();
        self
    }
    pub fn with_scenarios<S: ToString>(mut self, sc: impl IntoIterator<Item = S>, sc_all: bool) -> Self {
        self.scenarios = sc.into_iter().map(|c| c.to_string()).collect();
        self.sc_all = sc_all;
        self
    }
    pub fn with_objects<S: ToString>(mut self, objs: impl IntoIterator<Item = S>) -> Self {
        self.objects = objs.into_iter().map(|c| c.to_string()).collect();
        self
    }
    /// The device record of `DEVICES` and `jcd` (flags in Jeedom's mixed styles on purpose).
    pub fn record(&self) -> Value {
        json!({
            "apiKey": self.key,
            "enabled": if self.enabled { json!("1") } else { json!("0") },
            "useWs": if self.use_ws { json!(1) } else { json!(0) },
            "polling": self.polling,
            "appState": self.app_state,
            "configVersion": self.config_version,
            "cmds": self.cmds,
            "scenarios": self.scenarios,
            "scAll": if self.sc_all { json!("1") } else { json!(0) },
            "objects": self.objects,
        })
    }
}

#[derive(Clone, Debug)]
pub enum ConnectReply {
    /// `WELCOME` + `jcd` of the registered device.
    Welcome,
    /// `{"type": <type>}` (plus a payload for APP_VERSION_ERROR), no `jcd`.
    Error(String),
    /// Any result / jcd.
    Custom { result: Value, jcd: Option<Value> },
}

struct State {
    reqs: Vec<Recorded>,
    mode: Mode,
    devices: HashMap<String, DeviceSpec>,
    connect: HashMap<String, ConnectReply>,
    method_results: HashMap<String, Value>,
    snapshot: Value,
    in_flight: HashMap<String, usize>,
    max_in_flight: HashMap<String, usize>,
}

pub struct FakeApi {
    pub port: u16,
    state: Arc<Mutex<State>>,
    tasks: Arc<Mutex<Vec<AbortHandle>>>,
}

impl Drop for FakeApi {
    fn drop(&mut self) {
        for t in self.tasks.lock().unwrap().drain(..) {
            t.abort();
        }
    }
}

/// The full snapshot the fake returns for `GET_INFO` (marker values "SNAPSHOT").
pub fn default_snapshot() -> Value {
    json!({
        "cmdInfo": [{"id": "12", "value": "SNAPSHOT", "modified": 1718000000, "collectDate": 1718000000,
                     "history": {"averageValue": 0, "minValue": 0, "maxValue": 0, "tendance": null}}],
        "scInfo": [{"id": "7", "name": "Scenario", "object": "Aucun", "group": "Aucun", "status": "stop",
                    "lastLaunch": 1718000000, "active": 1, "icon": null}],
        "objInfo": [{"object_id": "3", "keys": [{"temperature": {"value": 20.0}}]},
                    {"object_id": "global", "keys": [{"temperature": {"value": 19.0}}]}],
    })
}

impl FakeApi {
    pub async fn start() -> FakeApi {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind fake api");
        let port = listener.local_addr().unwrap().port();
        let api = FakeApi {
            port,
            state: Arc::new(Mutex::new(State {
                reqs: Vec::new(),
                mode: Mode::Normal,
                devices: HashMap::new(),
                connect: HashMap::new(),
                method_results: HashMap::new(),
                snapshot: default_snapshot(),
                in_flight: HashMap::new(),
                max_in_flight: HashMap::new(),
            })),
            tasks: Arc::new(Mutex::new(Vec::new())),
        };
        api.serve(listener);
        api
    }

    pub fn callback_url(&self) -> String {
        format!("http://127.0.0.1:{}/plugins/JeedomConnect/core/api/JeedomConnect.api.php", self.port)
    }

    fn serve(&self, listener: TcpListener) {
        let state = self.state.clone();
        let tasks = self.tasks.clone();
        let accept = tokio::spawn(async move {
            loop {
                let Ok((stream, _peer)) = listener.accept().await else {
                    continue;
                };
                let state = state.clone();
                let conn = tokio::spawn(async move {
                    let svc = service_fn(move |req| handle(state.clone(), req));
                    let _ =
                        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), svc).await;
                });
                let mut t = tasks.lock().unwrap();
                t.retain(|h| !h.is_finished());
                t.push(conn.abort_handle());
            }
        });
        self.tasks.lock().unwrap().push(accept.abort_handle());
    }

    /// Switch mode. `Down` stops listening and cuts every open connection; leaving `Down` listens again on the
    /// same port.
    pub async fn set_mode(&self, mode: Mode) {
        let was_down = {
            let mut s = self.state.lock().unwrap();
            let was = s.mode == Mode::Down;
            s.mode = mode.clone();
            was
        };
        if mode == Mode::Down && !was_down {
            for t in self.tasks.lock().unwrap().drain(..) {
                t.abort();
            }
            // let the aborted tasks drop their sockets
            tokio::time::sleep(Duration::from_millis(50)).await;
        } else if mode != Mode::Down && was_down {
            let addr: SocketAddr = format!("127.0.0.1:{}", self.port).parse().unwrap();
            let mut last_err = None;
            for _ in 0..50 {
                match TcpListener::bind(addr).await {
                    Ok(l) => {
                        self.serve(l);
                        return;
                    }
                    Err(e) => last_err = Some(e),
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            panic!("fake api could not listen again on {addr}: {last_err:?}");
        }
    }

    pub fn add_device(&self, d: DeviceSpec) {
        self.state.lock().unwrap().devices.insert(d.key.clone(), d);
    }

    pub fn connect_reply(&self, api_key: &str, r: ConnectReply) {
        self.state.lock().unwrap().connect.insert(api_key.to_string(), r);
    }

    pub fn method_result(&self, method: &str, result: Value) {
        self.state.lock().unwrap().method_results.insert(method.to_string(), result);
    }

    pub fn set_snapshot(&self, snapshot: Value) {
        self.state.lock().unwrap().snapshot = snapshot;
    }

    pub fn snapshot(&self) -> Value {
        self.state.lock().unwrap().snapshot.clone()
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state.lock().unwrap().reqs.clone()
    }

    pub fn requests_of(&self, method: &str) -> Vec<Recorded> {
        self.requests().into_iter().filter(|r| r.method == method).collect()
    }

    /// Highest number of requests of one sessionId being processed at the same time.
    pub fn max_in_flight(&self, session_id: &str) -> usize {
        self.state.lock().unwrap().max_in_flight.get(session_id).copied().unwrap_or(0)
    }

    /// Wait (at most `d`) for a request of `method` matching `pred`; returns it.
    pub async fn wait_request(&self, d: Duration, method: &str, pred: impl Fn(&Recorded) -> bool) -> Recorded {
        super::eventually(d, &format!("a {method} request at the fake API (got {:?})", self.method_names()), || {
            self.requests().into_iter().find(|r| r.method == method && pred(r))
        })
        .await
    }

    pub fn method_names(&self) -> Vec<String> {
        self.requests().into_iter().map(|r| r.method).collect()
    }

    /// Everything any request carried, for leak checks.
    pub fn all_raw(&self) -> String {
        self.requests().into_iter().map(|r| r.raw_body).collect::<Vec<_>>().join("\n")
    }
}

/// Decode `%XX` and `+` of a query value.
pub fn percent_decode(v: &str) -> String {
    let b = v.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => match u8::from_str_radix(&v[i + 1..i + 3], 16) {
                Ok(x) => {
                    out.push(x);
                    i += 3;
                    continue;
                }
                Err(_) => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).to_string()
}

fn header(req: &Request<Incoming>, name: &str) -> Option<String> {
    req.headers().get(name).and_then(|v| v.to_str().ok()).map(String::from)
}

async fn handle(state: Arc<Mutex<State>>, req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let http_method = req.method().to_string();
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let query_apikey = query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == "apikey")
        .map(|(_, v)| percent_decode(v));
    let real_ip = header(&req, "x-real-ip");
    let content_type = header(&req, "content-type");
    let raw = req.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let raw_body = String::from_utf8_lossy(&raw).to_string();
    let body: Value = serde_json::from_str(&raw_body).unwrap_or(Value::Null);
    let method = body["method"].as_str().unwrap_or("").to_string();
    let mut params = body["params"].clone();
    if let Some(s) = params.as_str() {
        params = serde_json::from_str(s).unwrap_or(Value::Null);
    }
    let sid = params["sessionId"].as_str().unwrap_or("").to_string();
    let (seq, mode) = {
        let mut s = state.lock().unwrap();
        let seq = s.reqs.len();
        s.reqs.push(Recorded {
            seq,
            http_method,
            path,
            query,
            query_apikey,
            real_ip,
            content_type,
            raw_body,
            body: body.clone(),
            method: method.clone(),
            params: params.clone(),
            started: Instant::now(),
            finished: None,
        });
        let n = {
            let n = s.in_flight.entry(sid.clone()).or_insert(0);
            *n += 1;
            *n
        };
        let m = s.max_in_flight.entry(sid.clone()).or_insert(0);
        *m = (*m).max(n);
        (seq, s.mode.clone())
    };
    let finish = |state: &Arc<Mutex<State>>| {
        let mut s = state.lock().unwrap();
        s.reqs[seq].finished = Some(Instant::now());
        if let Some(n) = s.in_flight.get_mut(&sid) {
            *n -= 1;
        }
    };
    if let Some(ms) = params["delay_ms"].as_u64() {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    match mode {
        Mode::Slow(d) => tokio::time::sleep(d).await,
        Mode::Http500 => {
            finish(&state);
            return Ok(Response::builder().status(500).body(Full::new(Bytes::from("Internal Server Error"))).unwrap());
        }
        Mode::Garbage => {
            finish(&state);
            return Ok(Response::builder()
                .status(200)
                .header("content-type", "text/html")
                .body(Full::new(Bytes::from("<br />\n<b>Fatal error</b>: not json")))
                .unwrap());
        }
        _ => {}
    }
    let api_key = params["apiKey"].as_str().unwrap_or("").to_string();
    let (result, jcd) = {
        let s = state.lock().unwrap();
        answer(&s, &method, &api_key, &params)
    };
    let mut envelope =
        json!({"jsonrpc": "2.0", "id": body.get("id").cloned().unwrap_or(json!(99999)), "result": result});
    if let Some(j) = jcd {
        envelope["jcd"] = j;
    }
    finish(&state);
    Ok(Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(envelope.to_string())))
        .unwrap())
}

fn answer(s: &State, method: &str, api_key: &str, params: &Value) -> (Value, Option<Value>) {
    if let Some(r) = s.method_results.get(method) {
        return (r.clone(), None);
    }
    let device = s.devices.get(api_key);
    match method {
        "CONNECT" => {
            let reply = s.connect.get(api_key).cloned().unwrap_or(ConnectReply::Welcome);
            match (reply, device) {
                (ConnectReply::Custom { result, jcd }, _) => (result, jcd),
                (ConnectReply::Error(t), _) => {
                    let mut r = json!({"type": t});
                    if t == "APP_VERSION_ERROR" {
                        r["payload"] = json!({"version": "1.20.6", "require": "1.20.0", "typeVersion": "stable"});
                    }
                    (r, None)
                }
                (ConnectReply::Welcome, Some(d)) => (
                    json!({"type": "WELCOME", "payload": {
                        "pluginVersion": "1.20.6", "jeedomName": "test", "eqName": "phone",
                        "useWs": if d.use_ws { "1" } else { "0" }, "polling": if d.polling { "1" } else { "0" },
                        "configVersion": d.config_version, "userName": "admin"}}),
                    Some(d.record()),
                ),
                (ConnectReply::Welcome, None) => (
                    json!({"type": "EXCEPTION", "payload": {"message": "Error with 'CONNECT' method Can't find eqLogic"}}),
                    None,
                ),
            }
        }
        "GET_INFO" => (json!({"type": "SET_INFO", "payload": s.snapshot}), None),
        "GET_EVENTS" => {
            let cv = device.map(|d| d.config_version).unwrap_or(0);
            (
                json!({"type": "CONFIG_AND_INFOS", "payload": {
                    "config": {"type": "JEEDOM_CONFIG", "formatVersion": "1.0", "payload": {"configVersion": cv}},
                    "infos": s.snapshot}}),
                None,
            )
        }
        "ECHO" => (json!({"type": "ECHO", "payload": {"method": method, "params": params}}), None),
        _ => (Value::Null, None),
    }
}
