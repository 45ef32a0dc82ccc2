//! `jeedomconnect-bench …`: load tests of a real daemon process, with figures printed by the command itself
//! (BENCHMARKS.md is written by `tools/bench/compare.sh`, the `compare` scenario in compare.rs). Not run in CI.
//!
//! Each scenario starts the `jeedomconnectd` binary (built beside this one) as a separate daemon process (so its RSS and CPU can be read from
//! /proc/<pid>), a fake plugin API that counts the requests it gets, and N clients on 127.0.0.0/8 (each socket
//! bound to 127.0.0.2…127.0.0.254 before connecting, so ephemeral ports do not run out). Events are sent on the
//! control socket with a sequence number in the value (`"@123#"`); each client notes when the frame carrying it
//! arrives. Every loop is bounded by a count and a deadline.
//!
//! Scenarios: `latency` (WebSocket, events at a fixed rate), `sse` (the same over SSE streams), `fanout` (one event
//! to every client, one at a time), `idle` (connections held, RSS per connection, plugin API requests while idle),
//! `wave` (RSS before, during and after a connection wave, and the connect rate; `wave.rs`).

mod wave;

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;

mod compare;

const PLUGIN_KEY: &str = "benchpluginkey0123456789abcdef01";

/// Why a bench run (or its command line) failed, with the reason.
#[derive(Debug, thiserror::Error)]
enum BenchError {
    /// The command line.
    #[error("{0}")]
    Usage(String),
    #[error("{what}: {source}")]
    Io { what: String, source: std::io::Error },
    #[error("websocket {what}: {source}")]
    Ws { what: &'static str, source: tokio_tungstenite::tungstenite::Error },
    /// The daemon or a client did not answer as expected (or not in time).
    #[error("{0}")]
    Unexpected(String),
}

/// A reason given as text (the side-by-side comparison's own checks).
impl From<String> for BenchError {
    fn from(reason: String) -> BenchError {
        BenchError::Unexpected(reason)
    }
}

impl From<&str> for BenchError {
    fn from(reason: &str) -> BenchError {
        BenchError::Unexpected(reason.to_string())
    }
}

/// An I/O error with what was being done.
fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> BenchError {
    let what = what.into();
    move |source| BenchError::Io { what, source }
}

fn unexpected(what: impl Into<String>) -> BenchError {
    BenchError::Unexpected(what.into())
}

const USAGE: &str = "usage: jeedomconnect-bench SCENARIO [flags]
  latency  [--clients 1000] [--rate 100] [--secs 20] [--share 1]   EVENTS -> WebSocket frame latency
  sse      [--clients 1000] [--rate 100] [--secs 20] [--share 1]   the same over SSE streams
  fanout   [--clients 1000] [--rounds 20]                          one event to every client: frames/s
  idle     [--clients 10000] [--idle-secs 60]                      connections held, RSS, API requests while idle
  wave     [--clients 10000]                                       RSS before/peak/held/after a wave, connect rate
  all      [--out FILE] [--max-idle 50000]                         the daemon alone, written as markdown
  compare  [--help]                                                ours, nchan and a bare server side by side
  --share F: fraction of the clients each event goes to (each client subscribes to 1 cmd in 1/F).
  --daemon PATH: the daemon binary to start (default: jeedomconnectd beside this executable;
                 build both with `cargo build --release --workspace`).";

#[derive(Clone, Debug)]
struct Args {
    scenario: String,
    clients: usize,
    rate: u64,
    secs: u64,
    share: f64,
    rounds: usize,
    idle_secs: u64,
    out: Option<PathBuf>,
    max_idle: usize,
    daemon: PathBuf,
}

fn parse(args: &[String]) -> Result<Args, BenchError> {
    let scenario = args.first().cloned().ok_or_else(|| BenchError::Usage("a scenario is needed".into()))?;
    let mut a = Args {
        clients: if scenario == "idle" || scenario == "wave" { 10_000 } else { 1_000 },
        scenario,
        rate: 100,
        secs: 20,
        share: 1.0,
        rounds: 20,
        idle_secs: 60,
        out: None,
        max_idle: 50_000,
        daemon: std::env::current_exe().map_err(io("this executable's path"))?.with_file_name("jeedomconnectd"),
    };
    let mut it = args.iter().skip(1);
    while let Some(flag) = it.next() {
        let v = it.next().ok_or_else(|| BenchError::Usage(format!("{flag} needs a value")))?;
        let num = || v.parse::<f64>().map_err(|_| BenchError::Usage(format!("{flag}: '{v}' is not a number")));
        match flag.as_str() {
            "--clients" => a.clients = num()? as usize,
            "--rate" => a.rate = (num()? as u64).max(1),
            "--secs" => a.secs = (num()? as u64).clamp(1, 600),
            "--share" => a.share = num()?.clamp(0.0001, 1.0),
            "--rounds" => a.rounds = (num()? as usize).clamp(1, 10_000),
            "--idle-secs" => a.idle_secs = (num()? as u64).clamp(1, 600),
            "--out" => a.out = Some(v.into()),
            "--max-idle" => a.max_idle = num()? as usize,
            "--daemon" => a.daemon = v.into(),
            _ => return Err(BenchError::Usage(format!("unknown flag {flag}"))),
        }
    }
    Ok(a)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().is_some_and(|a| a == "compare") {
        return compare::run(&args[1..]);
    }
    let a = match parse(&args) {
        Ok(a) if ["latency", "sse", "fanout", "idle", "wave", "all"].contains(&a.scenario.as_str()) => a,
        Ok(a) if a.scenario == "help" || a.scenario == "--help" => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(a) => {
            eprintln!("unknown scenario {}\n{USAGE}", a.scenario);
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("jeedomconnect-bench: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let nofile = raise_nofile(2 * a.clients.max(a.max_idle) as u64 + 10_000);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match a.scenario.as_str() {
            "latency" => latency(&a, Transport::Ws).await.map(|r| println!("{}", r.text)),
            "sse" => latency(&a, Transport::Sse).await.map(|r| println!("{}", r.text)),
            "fanout" => fanout(&a).await.map(|r| println!("{}", r.text)),
            "idle" => idle(&a).await.map(|r| println!("{}", r.text)),
            "wave" => wave::wave(&a).await.map(|r| println!("{}", r.text)),
            _ => all(&a, nofile).await,
        }
    });
    runtime.shutdown_timeout(Duration::from_secs(2));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench failed: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Raises RLIMIT_NOFILE (inherited by the daemon child); returns the soft limit in force.
// rlim_t is u64 on 64-bit targets (the conversions are then identities) and u32 on 32-bit glibc (armhf).
#[allow(clippy::useless_conversion)]
fn raise_nofile(want: u64) -> u64 {
    use nix::sys::resource::{getrlimit, rlim_t, setrlimit, Resource};
    let want = rlim_t::try_from(want).unwrap_or(rlim_t::MAX);
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).unwrap_or((1024, 1024));
    let in_force = if want <= soft {
        soft
    } else if setrlimit(Resource::RLIMIT_NOFILE, want, want.max(hard)).is_ok() {
        want
    } else if setrlimit(Resource::RLIMIT_NOFILE, hard, hard).is_ok() {
        hard
    } else {
        soft
    };
    u64::from(in_force)
}

// ---------------------------------------------------------------------------------------------------------------
// The fake plugin API.

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Transport {
    Ws,
    Sse,
}

struct FakeApi {
    requests: AtomicU64,
    transport: Transport,
    /// Client i subscribes to the cmds c (1..=stride) with (c + i) % stride == 0.
    stride: u64,
}

fn device_key(i: usize) -> String {
    format!("benchdevice{i:08}")
}

fn device_index(key: &str) -> Option<usize> {
    key.strip_prefix("benchdevice")?.parse().ok()
}

impl FakeApi {
    fn cmds_of(&self, i: usize) -> Vec<String> {
        (1..=self.stride).filter(|c| (c + i as u64) % self.stride == 0).map(|c| c.to_string()).collect()
    }

    fn record(&self, i: usize) -> Value {
        json!({"apiKey": device_key(i), "enabled": true, "useWs": self.transport == Transport::Ws, "polling": false,
               "appState": "active", "configVersion": 1, "cmds": self.cmds_of(i), "scenarios": [], "scAll": false,
               "objects": []})
    }

    fn answer(&self, req: &Value) -> Value {
        let method = req.get("method").and_then(Value::as_str).unwrap_or("");
        self.requests.fetch_add(1, Ordering::Relaxed);
        let key = req.pointer("/params/apiKey").and_then(Value::as_str).unwrap_or("");
        let result = match method {
            "CONNECT" => json!({"type": "WELCOME", "payload": {"configVersion": 1, "cmdInfo": [], "scInfo": [],
                                                                "objInfo": []}}),
            "GET_INFO" => json!({"type": "SET_INFO", "payload": {"cmdInfo": [], "scInfo": [], "objInfo": []}}),
            _ => json!("ok"),
        };
        let mut envelope =
            json!({"jsonrpc": "2.0", "id": req.get("id").cloned().unwrap_or(json!(1)), "result": result});
        if let Some(i) = device_index(key) {
            envelope["jcd"] = self.record(i);
        }
        envelope
    }

    fn reset(&self) -> u64 {
        self.requests.swap(0, Ordering::Relaxed)
    }
}

async fn serve_fake(api: Arc<FakeApi>) -> Result<u16, BenchError> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.map_err(io("fake plugin API"))?;
    let port = listener.local_addr().map_err(io("fake plugin API"))?.port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let api = api.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                    let api = api.clone();
                    async move {
                        let body = req.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                        let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                        let answer = api.answer(&v).to_string();
                        Ok::<_, Infallible>(Response::new(Full::new(Bytes::from(answer))))
                    }
                });
                let _ =
                    hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
            });
        }
    });
    Ok(port)
}

// ---------------------------------------------------------------------------------------------------------------
// The daemon process.

struct DaemonProc {
    child: std::process::Child,
    public: u16,
    control_port: u16,
    dir: PathBuf,
}

fn free_port() -> Result<u16, BenchError> {
    std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(io("a free port"))
}

impl DaemonProc {
    async fn spawn(exe: &PathBuf, callback_port: u16) -> Result<DaemonProc, BenchError> {
        let dir = std::env::temp_dir().join(format!("jeedomconnectd-bench-{}-{}", std::process::id(), free_port()?));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(io(dir.display().to_string()))?;
        let (public, control_port) = (free_port()?, free_port()?);
        let log = std::fs::File::create(dir.join("daemon.log")).map_err(io("daemon.log"))?;
        let child = std::process::Command::new(exe)
            .args(["--loglevel", "warning", "--bind", "127.0.0.1"])
            .args(["--websocketport", &public.to_string(), "--socketport", &control_port.to_string()])
            .args(["--callback", &format!("http://127.0.0.1:{callback_port}/api")])
            .arg("--data-dir")
            .arg(dir.join("data"))
            .env(jeedomconnectd::config::APIKEY_ENV, PLUGIN_KEY)
            .stdout(log.try_clone().map_err(io("daemon.log"))?)
            .stderr(log)
            .spawn()
            .map_err(io(format!("cannot start {}", exe.display())))?;
        let d = DaemonProc { child, public, control_port, dir };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect((Ipv4Addr::LOCALHOST, public)).await.is_err() {
            if Instant::now() > deadline {
                return Err(unexpected("the daemon did not open its port in 10 s"));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok(d)
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// VmRSS in bytes.
    fn rss(&self) -> u64 {
        pid_rss(self.pid())
    }

    /// User + system CPU seconds used so far.
    fn cpu_secs(&self) -> f64 {
        pid_cpu_secs(self.pid())
    }

    fn stop(mut self) {
        let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(self.pid() as i32), nix::sys::signal::SIGKILL);
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A control socket connection.
struct Control {
    reader: BufReader<tokio::net::tcp::OwnedReadHalf>,
    writer: tokio::net::tcp::OwnedWriteHalf,
}

impl Control {
    async fn connect(port: u16) -> Result<Control, BenchError> {
        let s = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).await.map_err(io("control socket"))?;
        let _ = s.set_nodelay(true);
        let (r, w) = s.into_split();
        Ok(Control { reader: BufReader::new(r), writer: w })
    }

    async fn send(&mut self, mut v: Value) -> Result<(), BenchError> {
        v["jeedomApiKey"] = json!(PLUGIN_KEY);
        let mut line = v.to_string();
        line.push('\n');
        self.writer.write_all(line.as_bytes()).await.map_err(io("control socket"))
    }

    async fn ask(&mut self, v: Value) -> Result<Value, BenchError> {
        self.send(v).await?;
        let mut line = String::new();
        tokio::time::timeout(Duration::from_secs(60), self.reader.read_line(&mut line))
            .await
            .map_err(|_| unexpected("no control answer in 60 s"))?
            .map_err(io("control socket"))?;
        serde_json::from_str(&line).map_err(|e| unexpected(format!("control answer {e}: {line}")))
    }

    async fn devices(&mut self, api: &FakeApi, n: usize) -> Result<(), BenchError> {
        let mut i = 0;
        while i < n {
            let end = (i + 5000).min(n);
            let list: Vec<Value> = (i..end).map(|k| api.record(k)).collect();
            let r = self.ask(json!({"type": "DEVICES", "devices": list, "full": false, "ack": true})).await?;
            if r["ok"] != true {
                return Err(unexpected(format!("DEVICES refused: {r}")));
            }
            i = end;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Clients.

/// Source address of client i: 127.0.0.2 … 127.0.0.254.
fn source(i: usize) -> SocketAddr {
    SocketAddr::new(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2 + (i % 253) as u8)), 0)
}

async fn tcp_from(i: usize, port: u16) -> Result<TcpStream, BenchError> {
    let sock = TcpSocket::new_v4().map_err(io("socket"))?;
    sock.bind(source(i)).map_err(io(format!("bind {}", source(i))))?;
    let s = sock.connect(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await.map_err(io("connect"))?;
    let _ = s.set_nodelay(true);
    Ok(s)
}

type Ws = tokio_tungstenite::WebSocketStream<TcpStream>;

async fn ws_client(i: usize, port: u16) -> Result<Ws, BenchError> {
    let tcp = tcp_from(i, port).await?;
    let cfg = WebSocketConfig::default().read_buffer_size(4096).write_buffer_size(0);
    let (mut ws, _) = tokio_tungstenite::client_async_with_config(format!("ws://127.0.0.1:{port}/"), tcp, Some(cfg))
        .await
        .map_err(|source| BenchError::Ws { what: "handshake", source })?;
    let connect = json!({"jsonrpc": "2.0", "id": "1", "method": "CONNECT", "params": {"apiKey": device_key(i)}});
    ws.send(Message::text(connect.to_string())).await.map_err(|source| BenchError::Ws { what: "send", source })?;
    let welcome = async {
        while let Some(m) = ws.next().await {
            if let Ok(Message::Text(t)) = m {
                return t.as_str().contains("\"WELCOME\"");
            }
        }
        false
    };
    match tokio::time::timeout(Duration::from_secs(60), welcome).await {
        Ok(true) => Ok(ws),
        _ => Err(unexpected("no WELCOME")),
    }
}

/// An SSE stream, read up to its first event (`SET_INFO`).
async fn sse_client(i: usize, port: u16) -> Result<TcpStream, BenchError> {
    let mut s = tcp_from(i, port).await?;
    let req =
        format!("GET /sse?apiKey={} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n", device_key(i));
    s.write_all(req.as_bytes()).await.map_err(io("SSE request"))?;
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while !seen.windows(8).any(|w| w == b"SET_INFO") {
        let n = tokio::time::timeout_at(deadline, s.read(&mut buf))
            .await
            .map_err(|_| unexpected("no SET_INFO"))?
            .map_err(io("SSE stream"))?;
        if n == 0 {
            return Err(unexpected(format!("stream ended: {}", String::from_utf8_lossy(&seen))));
        }
        seen.extend_from_slice(&buf[..n]);
    }
    Ok(s)
}

/// Connects clients `0..n`, 256 at a time; returns them with the time it took.
async fn connect_all<T, F, Fut>(n: usize, connect: F) -> Result<(Vec<T>, Duration), BenchError>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = Result<T, BenchError>>,
{
    let t0 = Instant::now();
    let results: Vec<Result<T, BenchError>> =
        futures_util::stream::iter(0..n).map(&connect).buffer_unordered(256).collect().await;
    let mut ok = Vec::with_capacity(n);
    let mut errors: HashMap<String, usize> = HashMap::new();
    for r in results {
        match r {
            Ok(c) => ok.push(c),
            Err(e) => *errors.entry(e.to_string().chars().take(80).collect()).or_default() += 1,
        }
    }
    if !errors.is_empty() {
        return Err(unexpected(format!("{} of {n} clients failed to connect: {errors:?}", n - ok.len())));
    }
    Ok((ok, t0.elapsed()))
}

/// What the readers share.
struct Shared {
    start: Instant,
    /// Send time of event k, ns since `start` (0 = not sent).
    sent: Vec<AtomicU64>,
    /// Events below this are warm-up: not measured.
    warmup: u64,
    received: AtomicU64,
    lost_connections: AtomicU64,
}

impl Shared {
    fn now_ns(&self) -> u64 {
        self.start.elapsed().as_nanos() as u64
    }
}

/// Finds the `@<seq>#` markers in `data`, keeping an unfinished one in `carry`.
fn scan(carry: &mut Vec<u8>, data: &[u8], mut found: impl FnMut(u64)) {
    carry.extend_from_slice(data);
    let mut keep_from = carry.len();
    let mut i = 0;
    while i < carry.len() {
        if carry[i] == b'@' {
            let mut j = i + 1;
            let mut v: u64 = 0;
            while j < carry.len() && carry[j].is_ascii_digit() {
                v = v * 10 + (carry[j] - b'0') as u64;
                j += 1;
            }
            if j == carry.len() {
                keep_from = i;
                break;
            }
            if carry[j] == b'#' && j > i + 1 {
                found(v);
            }
            i = j;
        } else {
            i += 1;
        }
    }
    if keep_from < carry.len() {
        carry.drain(..keep_from);
    } else {
        carry.clear();
    }
}

fn record(shared: &Shared, seq: u64, lat: &mut Vec<u32>) {
    shared.received.fetch_add(1, Ordering::Relaxed);
    if seq < shared.warmup {
        return;
    }
    if let Some(t) = shared.sent.get(seq as usize).map(|a| a.load(Ordering::Acquire)) {
        if t > 0 {
            lat.push(((shared.now_ns().saturating_sub(t)) / 1000).min(u32::MAX as u64) as u32);
        }
    }
}

fn spawn_ws_reader(mut ws: Ws, shared: Arc<Shared>, stop: CancellationToken) -> tokio::task::JoinHandle<Vec<u32>> {
    tokio::spawn(async move {
        let mut lat = Vec::new();
        let mut carry = Vec::new();
        loop {
            tokio::select! {
                _ = stop.cancelled() => break,
                m = ws.next() => match m {
                    Some(Ok(Message::Text(t))) => scan(&mut carry, t.as_bytes(), |s| record(&shared, s, &mut lat)),
                    Some(Ok(_)) => {}
                    _ => {
                        shared.lost_connections.fetch_add(1, Ordering::Relaxed);
                        break;
                    }
                }
            }
        }
        lat
    })
}

fn spawn_sse_reader(
    mut s: TcpStream,
    shared: Arc<Shared>,
    stop: CancellationToken,
) -> tokio::task::JoinHandle<Vec<u32>> {
    tokio::spawn(async move {
        let mut lat = Vec::new();
        let mut carry = Vec::new();
        let mut buf = vec![0u8; 8192];
        loop {
            tokio::select! {
                _ = stop.cancelled() => break,
                n = s.read(&mut buf) => match n {
                    Ok(n) if n > 0 => scan(&mut carry, &buf[..n], |q| record(&shared, q, &mut lat)),
                    _ => {
                        shared.lost_connections.fetch_add(1, Ordering::Relaxed);
                        break;
                    }
                }
            }
        }
        lat
    })
}

fn event(seq: u64, cmd: u64) -> Value {
    json!({"type": "EVENTS", "events": [{"type": "CMD_INFO", "payload": [{"id": cmd.to_string(), "value": format!("@{seq}#"),
        "modified": chrono::Utc::now().timestamp(), "collectDate": chrono::Utc::now().timestamp(),
        "history": {"averageValue": 0, "minValue": 0, "maxValue": 0, "tendance": "stable"}}]}]})
}

#[derive(Debug, Default, Clone)]
struct Percentiles {
    count: usize,
    p50: f64,
    p99: f64,
    p999: f64,
    max: f64,
}

fn percentiles(mut v: Vec<u32>) -> Percentiles {
    if v.is_empty() {
        return Percentiles::default();
    }
    v.sort_unstable();
    let at = |q: f64| v[((q * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1] as f64 / 1000.0;
    Percentiles {
        count: v.len(),
        p50: at(0.5),
        p99: at(0.99),
        p999: at(0.999),
        max: *v.last().unwrap_or(&0) as f64 / 1000.0,
    }
}

/// Result of one scenario: a line of text and the markdown row.
struct Outcome {
    text: String,
    row: String,
    /// Idle scenario: daemon RSS per connection.
    per_conn_kib: f64,
}

async fn status(ctl: &mut Control) -> Value {
    ctl.ask(json!({"type": "STATUS"})).await.unwrap_or_default()
}

/// User + system CPU seconds a process has used so far (/proc/<pid>/stat).
fn pid_cpu_secs(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

/// VmRSS of a process in bytes (/proc/<pid>/status; 0 when it cannot be read).
fn pid_rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .unwrap_or(0)
        * 1024
}

fn mib(b: u64) -> f64 {
    b as f64 / 1048576.0
}

// ---------------------------------------------------------------------------------------------------------------
// Scenarios.

struct Rig {
    api: Arc<FakeApi>,
    daemon: DaemonProc,
    ctl: Control,
}

async fn rig(a: &Args, transport: Transport, stride: u64, devices: usize) -> Result<Rig, BenchError> {
    let api = Arc::new(FakeApi { requests: AtomicU64::new(0), transport, stride: stride.max(1) });
    let port = serve_fake(api.clone()).await?;
    let daemon = DaemonProc::spawn(&a.daemon, port).await?;
    let mut ctl = Control::connect(daemon.control_port).await?;
    ctl.devices(&api, devices).await?;
    Ok(Rig { api, daemon, ctl })
}

/// Events at `rate`/s for `secs`, to N clients (WebSocket or SSE); latency from the EVENTS write to the frame.
async fn latency(a: &Args, transport: Transport) -> Result<Outcome, BenchError> {
    let stride = (1.0 / a.share).round().max(1.0) as u64;
    let n = a.clients;
    let mut rig = rig(a, transport, stride, n).await?;
    let port = rig.daemon.public;
    let total = a.rate * a.secs;
    let shared = Arc::new(Shared {
        start: Instant::now(),
        sent: (0..total).map(|_| AtomicU64::new(0)).collect(),
        warmup: a.rate.min(total / 4),
        received: AtomicU64::new(0),
        lost_connections: AtomicU64::new(0),
    });
    let stop = CancellationToken::new();
    let (readers, connect_time) = match transport {
        Transport::Ws => {
            let (c, t) = connect_all(n, |i| ws_client(i, port)).await?;
            (c.into_iter().map(|ws| spawn_ws_reader(ws, shared.clone(), stop.clone())).collect::<Vec<_>>(), t)
        }
        Transport::Sse => {
            let (c, t) = connect_all(n, |i| sse_client(i, port)).await?;
            (c.into_iter().map(|s| spawn_sse_reader(s, shared.clone(), stop.clone())).collect::<Vec<_>>(), t)
        }
    };
    tokio::time::sleep(Duration::from_secs(1)).await;
    // Who sees event k: clients i with (cmd(k) + i) % stride == 0, cmd(k) = k % stride + 1.
    let subscribers = |cmd: u64| (0..n).filter(|i| (cmd + *i as u64) % stride == 0).count() as u64;
    let per_cmd: Vec<u64> = (1..=stride).map(subscribers).collect();
    let expected: u64 = (0..total).map(|k| per_cmd[(k % stride) as usize]).sum();
    let cpu0 = rig.daemon.cpu_secs();
    let t_send = tokio::time::Instant::now();
    let period = Duration::from_nanos(1_000_000_000 / a.rate);
    for k in 0..total {
        tokio::time::sleep_until(t_send + period * k as u32).await;
        shared.sent[k as usize].store(shared.now_ns(), Ordering::Release);
        rig.ctl.send(event(k, k % stride + 1)).await?;
    }
    let send_secs = t_send.elapsed().as_secs_f64();
    let deadline = Instant::now() + Duration::from_secs(15);
    while shared.received.load(Ordering::Relaxed) < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let cpu = rig.daemon.cpu_secs() - cpu0;
    let rss = rig.daemon.rss();
    let st = status(&mut rig.ctl).await;
    stop.cancel();
    let mut all = Vec::new();
    for r in readers {
        all.extend(r.await.unwrap_or_default());
    }
    let received = shared.received.load(Ordering::Relaxed);
    let p = percentiles(all);
    let lost = shared.lost_connections.load(Ordering::Relaxed);
    rig.daemon.stop();
    let name = if transport == Transport::Ws { "WebSocket" } else { "SSE" };
    let (rate, secs, to_pct) = (a.rate, a.secs, 100.0 / stride as f64);
    let frames_per_s = expected as f64 / send_secs;
    let cpu_pct = 100.0 * cpu / send_secs;
    let (p50, p99, p999, max) = (p.p50, p.p99, p.p999, p.max);
    let text = format!(
        "{name} latency, {n} clients, {rate} events/s for {secs} s, each event to {to_pct:.0}% of the clients \
         ({frames_per_s:.0} deliveries/s):\n\
         \x20 EVENTS -> frame: p50 {p50:.2} ms, p99 {p99:.2} ms, p99.9 {p999:.2} ms, max {max:.2} ms ({} samples after {} \
         warm-up events)\n\
         \x20 delivered {received}/{expected} (event, client) pairs, {lost} connections lost, daemon: {cpu_pct:.0}% CPU, \
         RSS {:.0} MiB, slow-client closes {}, coalesced {}; daemon histogram p50 <= {} ms, p99 <= {} ms; connecting \
         took {:.1} s",
        p.count,
        shared.warmup,
        mib(rss),
        st["counters"]["slow_closes"],
        st["counters"]["coalesced"],
        st["latency"]["p50_ms"],
        st["latency"]["p99_ms"],
        connect_time.as_secs_f64(),
    );
    let row = format!(
        "| {name} | {n} | {rate} ev/s × {secs} s | {to_pct:.0}% | {frames_per_s:.0} | {p50:.2} | {p99:.2} | {max:.2} \
         | {received}/{expected} | {cpu_pct:.0}% |"
    );
    Ok(Outcome { text, row, per_conn_kib: 0.0 })
}

/// One event to every client, `rounds` times, each after the previous one reached everybody.
async fn fanout(a: &Args) -> Result<Outcome, BenchError> {
    let n = a.clients;
    let mut rig = rig(a, Transport::Ws, 1, n).await?;
    let port = rig.daemon.public;
    let rounds = a.rounds as u64;
    let shared = Arc::new(Shared {
        start: Instant::now(),
        sent: (0..rounds).map(|_| AtomicU64::new(0)).collect(),
        warmup: 0,
        received: AtomicU64::new(0),
        lost_connections: AtomicU64::new(0),
    });
    let stop = CancellationToken::new();
    let (clients, _) = connect_all(n, |i| ws_client(i, port)).await?;
    let readers: Vec<_> = clients.into_iter().map(|ws| spawn_ws_reader(ws, shared.clone(), stop.clone())).collect();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut times = Vec::new();
    let cpu0 = rig.daemon.cpu_secs();
    for k in 0..rounds {
        let target = (k + 1) * n as u64;
        let t0 = Instant::now();
        shared.sent[k as usize].store(shared.now_ns(), Ordering::Release);
        rig.ctl.send(event(k, 1)).await?;
        let deadline = t0 + Duration::from_secs(20);
        while shared.received.load(Ordering::Relaxed) < target && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_micros(500)).await;
        }
        times.push(t0.elapsed().as_secs_f64());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let cpu = rig.daemon.cpu_secs() - cpu0;
    let st = status(&mut rig.ctl).await;
    stop.cancel();
    let mut all = Vec::new();
    for r in readers {
        all.extend(r.await.unwrap_or_default());
    }
    rig.daemon.stop();
    let received = shared.received.load(Ordering::Relaxed);
    let busy: f64 = times.iter().sum();
    let mut sorted = times.clone();
    sorted.sort_by(|x, y| x.total_cmp(y));
    let median = sorted[sorted.len() / 2];
    let p = percentiles(all);
    let rate = received as f64 / busy;
    let text = format!(
        "Fan-out, {n} WebSocket clients, {rounds} events each to all: {received}/{} frames delivered, \
         {rate:.0} frames/s (time to reach all: median {:.1} ms, worst {:.1} ms; per-frame latency p50 {:.2} ms, \
         p99 {:.2} ms); daemon CPU {cpu:.2} s, slow-client closes {}",
        rounds * n as u64,
        median * 1000.0,
        sorted.last().copied().unwrap_or(0.0) * 1000.0,
        p.p50,
        p.p99,
        st["counters"]["slow_closes"],
    );
    let row = format!(
        "| {n} | {rounds} | {received}/{} | {rate:.0} | {:.1} | {:.1} |",
        rounds * n as u64,
        median * 1000.0,
        sorted.last().copied().unwrap_or(0.0) * 1000.0
    );
    Ok(Outcome { text, row, per_conn_kib: 0.0 })
}

/// N idle WebSocket connections: held, RSS per connection, plugin API requests during an idle window.
async fn idle(a: &Args) -> Result<Outcome, BenchError> {
    let n = a.clients;
    let mut rig = rig(a, Transport::Ws, 1, n).await?;
    let port = rig.daemon.public;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss0 = rig.daemon.rss();
    let (clients, connect_time) = connect_all(n, |i| ws_client(i, port)).await?;
    let shared = Arc::new(Shared {
        start: Instant::now(),
        sent: Vec::new(),
        warmup: 0,
        received: AtomicU64::new(0),
        lost_connections: AtomicU64::new(0),
    });
    let stop = CancellationToken::new();
    let readers: Vec<_> = clients.into_iter().map(|ws| spawn_ws_reader(ws, shared.clone(), stop.clone())).collect();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let connect_requests = rig.api.reset();
    let rss1 = rig.daemon.rss();
    let cpu0 = rig.daemon.cpu_secs();
    tokio::time::sleep(Duration::from_secs(a.idle_secs)).await;
    let idle_requests = rig.api.reset();
    let cpu = rig.daemon.cpu_secs() - cpu0;
    let rss2 = rig.daemon.rss();
    let st = status(&mut rig.ctl).await;
    let held = st["connections"]["ws"].as_u64().unwrap_or(0);
    stop.cancel();
    for r in readers {
        let _ = r.await;
    }
    rig.daemon.stop();
    let per_conn = rss2.saturating_sub(rss0) as f64 / n as f64 / 1024.0;
    let per_min = idle_requests as f64 / n as f64 / (a.idle_secs as f64 / 60.0);
    let text = format!(
        "Idle, {n} WebSocket connections: {held} held after {} s idle ({} lost); daemon RSS {:.1} MiB before, \
         {:.1} MiB connected, {:.1} MiB after the idle window = {per_conn:.1} KiB per connection; plugin API \
         requests while idle: {idle_requests} = {per_min} per client per minute (connecting made {connect_requests}); \
         daemon CPU while idle {:.1}%; connecting took {:.1} s",
        a.idle_secs,
        shared.lost_connections.load(Ordering::Relaxed),
        mib(rss0),
        mib(rss1),
        mib(rss2),
        100.0 * cpu / a.idle_secs as f64,
        connect_time.as_secs_f64()
    );
    let row = format!(
        "| {n} | {held} | {:.1} | {:.1} | {per_conn:.1} | {idle_requests} in {} s | {per_min} |",
        mib(rss0),
        mib(rss2),
        a.idle_secs
    );
    Ok(Outcome { text, row, per_conn_kib: per_conn })
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("model name").map(|v| v.trim_start_matches([' ', '\t', ':']).to_string()))
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:").map(|v| v.trim().to_string()))
        .unwrap_or_default();
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default().trim().to_string();
    format!("{cores} cores ({cpu}), {mem} RAM, Linux {kernel}")
}

/// The BENCHMARKS.md set.
async fn all(a: &Args, nofile: u64) -> Result<(), BenchError> {
    let started = chrono::Utc::now();
    let mut lat_rows = Vec::new();
    let mut fan_rows = Vec::new();
    let mut idle_rows = Vec::new();
    let mut notes = Vec::new();
    let run = |scenario: &str, clients: usize, share: f64, secs: u64| {
        let mut b = a.clone();
        b.scenario = scenario.into();
        b.clients = clients;
        b.share = share;
        b.secs = secs;
        b
    };
    let log = |o: &Outcome| {
        println!("{}\n", o.text);
    };
    for (clients, share) in [(1000, 1.0), (1000, 0.1), (10_000, 0.1), (10_000, 1.0)] {
        let o = latency(&run("latency", clients, share, 20), Transport::Ws).await?;
        log(&o);
        lat_rows.push(o.row);
    }
    let o = latency(&run("sse", 1000, 1.0, 20), Transport::Sse).await?;
    log(&o);
    lat_rows.push(o.row);
    for clients in [1000, 10_000] {
        let o = fanout(&run("fanout", clients, 1.0, 0)).await?;
        log(&o);
        fan_rows.push(o.row);
    }
    // Each process holds one descriptor per connection (the daemon) or per client (the bench): what can be
    // reached is bounded by RLIMIT_NOFILE, which an unprivileged process (or root without CAP_SYS_RESOURCE)
    // cannot raise past its hard limit.
    let reachable = (nofile as usize).saturating_sub(500);
    let mut sizes = vec![10_000.min(reachable)];
    if a.max_idle > reachable {
        notes.push(format!(
            "- {} connections are not reachable on this machine: RLIMIT_NOFILE is {nofile} for the daemon and for \
             the bench (the hard limit; raising it needs CAP_SYS_RESOURCE, which this machine's root lacks). \
             Measured at {reachable} instead; at the RSS per connection measured there, {} connections would add \
             about {{per50k}} MiB.",
            a.max_idle, a.max_idle
        ));
        sizes.push(reachable);
    } else {
        sizes.push(a.max_idle);
    }
    let mut per_conn_kib = 0.0;
    for clients in sizes {
        let mut b = run("idle", clients, 1.0, 0);
        b.idle_secs = 60;
        match idle(&b).await {
            Ok(o) => {
                log(&o);
                idle_rows.push(o.row);
                per_conn_kib = o.per_conn_kib;
            }
            Err(e) => {
                println!("idle {clients}: {e}\n");
                notes.push(format!("- idle at {clients} connections failed on this machine: {e}"));
            }
        }
    }
    for n in notes.iter_mut() {
        *n = n.replace("{per50k}", &format!("{:.0}", per_conn_kib * a.max_idle as f64 / 1024.0));
    }
    let exe = a.daemon.display().to_string();
    let md = format!(
        "{}\n\n## Results of {}\n\nMachine: {}. RLIMIT_NOFILE raised to {nofile}. Daemon: `{exe}` ({}), started by the \
         bench as a separate process with default settings (`--queue-limit 256`, `--ping-interval 30`); clients in \
         the same process as the bench, on the same 2 cores.\n\n\
         ### Event latency, EVENTS on the control socket → frame read by the client\n\n\
         | transport | clients | events | each event to | deliveries/s | p50 ms | p99 ms | max ms | delivered/expected | daemon CPU |\n\
         |---|---|---|---|---|---|---|---|---|---|\n{}\n\n\
         ### Fan-out: one event to every WebSocket client\n\n\
         | clients | events | frames delivered | frames/s | time to reach all, median ms | worst ms |\n|---|---|---|---|---|---|\n{}\n\n\
         ### Idle WebSocket connections\n\n\
         | connections | held after the idle window | daemon RSS before, MiB | RSS with them, MiB | per connection, KiB | plugin API requests while idle | per client per minute |\n\
         |---|---|---|---|---|---|---|\n{}\n{}\n",
        BENCH_INTRO,
        started.format("%Y-%m-%d %H:%M UTC"),
        machine(),
        if cfg!(debug_assertions) { "debug build" } else { "release build" },
        lat_rows.join("\n"),
        fan_rows.join("\n"),
        idle_rows.join("\n"),
        if notes.is_empty() { String::new() } else { format!("\n{}\n", notes.join("\n")) },
    );
    match &a.out {
        Some(p) => {
            std::fs::write(p, md).map_err(io(format!("cannot write {}", p.display())))?;
            println!("written to {}", p.display());
        }
        None => println!("{md}"),
    }
    Ok(())
}

const BENCH_INTRO: &str = "# Benchmarks

Every figure below is printed by the bench command; this file is written by it:

```sh
cargo build --release --workspace
target/release/jeedomconnect-bench all --out BENCHMARKS.md     # the whole set, about 10 minutes
```

One scenario at a time (each prints its figures):

```sh
target/release/jeedomconnect-bench latency --clients 1000 --rate 100 --secs 20            # the headline figure
target/release/jeedomconnect-bench latency --clients 10000 --rate 100 --secs 20 --share 0.1
target/release/jeedomconnect-bench sse --clients 1000 --rate 100 --secs 20
target/release/jeedomconnect-bench fanout --clients 10000 --rounds 20
target/release/jeedomconnect-bench idle --clients 50000 --idle-secs 60
```

How it measures: the bench starts the daemon binary as its own process (`--bind 127.0.0.1`, a fresh data
directory), a fake plugin API that counts every request it receives, and the clients, each socket bound to a
source address among 127.0.0.2–127.0.0.254 so that ephemeral ports do not run out. It registers one device per
client with `DEVICES` (client *i* subscribes to the cmds *c* with (c + i) mod (1/share) = 0, so each event goes to
that share of the clients), connects them (`CONNECT` → `WELCOME` relayed to the fake API), then writes `EVENTS`
lines on the control socket, one cmd change per line, with a sequence number in the value. Latency is from the
moment the line is written to the moment a client has read the frame carrying that sequence number, over all
deliveries after one second of warm-up, so it includes journaling (SQLite commit), fan-out, the write, and the
client's own scheduling on the same two cores. The daemon's CPU is user+system time from /proc/<pid>/stat over the
sending window (200% = both cores). RSS is VmRSS from /proc/<pid>/status. The idle window counts the requests the
fake plugin API receives while the connected clients do nothing (the daemon pings them every 30 s).

Reading the tables: the daemon, the bench's clients and the kernel's loopback share the same two cores, so a row
whose deliveries per second exceed what the two cores can write *and* read shows queueing, not the daemon's own
latency; the daemon's CPU column says how much of the machine it used (200% = both cores). Past that point a slow
client's queue coalesces (a newer value of a cmd replaces the unsent older one: \"delivered\" below \"expected\")
and, past `--queue-limit`, the client is closed with 4002 and resumes from its cursor.";
