//! `jeedomconnect-demo`: the daemon (the `jeedomconnectd` library), in this process, with a simulated Jeedom and a
//! live web page. The daemon itself knows nothing of the demo: the page is a route this crate adds to its public
//! port.
//!
//! The simulated Jeedom is a small house (three rooms; temperature, humidity, light and door commands whose values
//! change every second or so; a light toggle that can be executed; a scenario). It plays both parts of the real
//! plugin: it answers the app's JSON-RPC API on a loopback HTTP port given to the daemon as `--callback` (`CONNECT`
//! → `WELCOME` with a `jcd` device record, `GET_INFO`, `GET_CONFIG`, `CMD_EXEC`, …), and it tells the daemon about
//! devices and value changes on the control socket (`DEVICES`, `EVENTS`), as the plugin's Jeedom listener does.
//! So the real app can connect to it on a LAN, and so can the page served at `/` on the public port (WebSocket,
//! SSE or polling; plain HTML and JavaScript in `src/index.html`).
//!
//! The journal lives in a fresh temporary directory (removed at exit) unless `--data-dir` is given. Ctrl-C (or
//! SIGTERM) stops everything cleanly.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

use jeedomconnectd::config::Config;
use jeedomconnectd::hub::Hub;
use jeedomconnectd::listener::ListenError;
use jeedomconnectd::{Daemon, StartError};
use warp::{Filter, Reply};

const PAGE: &str = include_str!("index.html");

/// The demo page with the device key filled in.
pub fn page(device_key: &str) -> String {
    PAGE.replace("__DEVICE_KEY__", &json!(device_key).to_string())
}

/// Why the demo did not start.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// `--help` was asked: print the usage.
    #[error("usage asked")]
    Help,
    #[error("{0}")]
    Usage(String),
    #[error("{what}: {source}")]
    Io { what: String, source: std::io::Error },
    #[error(transparent)]
    Start(Box<StartError>),
    #[error("{first}; and on a free port: {second}")]
    NoPublicPort { first: Box<StartError>, second: Box<StartError> },
}

impl From<StartError> for DemoError {
    fn from(e: StartError) -> DemoError {
        DemoError::Start(Box::new(e))
    }
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> DemoError {
    let what = what.into();
    move |source| DemoError::Io { what, source }
}

/// The page at `/` and `/demo` of the daemon's public port.
fn page_routes(device_key: String) -> jeedomconnectd::server::ExtraRoutes {
    warp::get()
        .and(warp::path::end().or(warp::path("demo").and(warp::path::end())).unify())
        .map(move || warp::reply::html(page(&device_key)).into_response())
        .boxed()
}

/// Command line of `jeedomconnect-demo`.
#[derive(Clone, Debug)]
pub struct Options {
    /// Address of the public port; `None` = every interface (so a phone on the LAN can connect).
    pub bind: Option<IpAddr>,
    /// Public port; `None` = 8090, or any free port when 8090 is taken. `Some(0)` = any free port.
    pub public_port: Option<u16>,
    /// Control port; `None` = any free port.
    pub socket_port: Option<u16>,
    pub data_dir: Option<PathBuf>,
    pub loglevel: String,
    /// The device key; `None` = a new random one.
    pub device_key: Option<String>,
    /// How often the house changes a value.
    pub tick: Duration,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            bind: None,
            public_port: None,
            socket_port: None,
            data_dir: None,
            loglevel: "info".into(),
            device_key: None,
            tick: Duration::from_millis(1000),
        }
    }
}

pub const USAGE: &str = "usage: jeedomconnect-demo [--bind ADDR] [--websocketport PORT] [--socketport PORT]
    [--data-dir DIR] [--loglevel LEVEL] [--device-key KEY] [--tick-ms MS]
  Starts the daemon with a simulated Jeedom house and serves a live page on the public port (8090 by default,
  every interface). Ctrl-C stops it.";

pub fn parse(args: &[String]) -> Result<Options, DemoError> {
    let mut o = Options::default();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        if flag == "--help" || flag == "-h" {
            return Err(DemoError::Help);
        }
        let usage = DemoError::Usage;
        let mut value =
            || inline.clone().or_else(|| it.next().cloned()).ok_or_else(|| usage(format!("{flag} needs a value")));
        let num = |v: String| v.parse::<u64>().map_err(|_| usage(format!("{flag}: '{v}' is not a number")));
        match flag.as_str() {
            "--bind" => {
                o.bind = match value()?.as_str() {
                    "" | "*" | "all" => None,
                    v => Some(v.parse().map_err(|_| usage(format!("--bind: '{v}' is not an IP address")))?),
                }
            }
            "--websocketport" | "--port" => o.public_port = Some(num(value()?)? as u16),
            "--socketport" => o.socket_port = Some(num(value()?)? as u16),
            "--data-dir" => o.data_dir = Some(value()?.into()),
            "--loglevel" => o.loglevel = value()?.to_ascii_lowercase(),
            "--device-key" => o.device_key = Some(value()?),
            "--tick-ms" => o.tick = Duration::from_millis(num(value()?)?.max(50)),
            _ => return Err(usage(format!("unknown argument {arg}"))),
        }
    }
    Ok(o)
}

/// `jeedomconnect-demo …`
pub fn main(args: Vec<String>) -> ExitCode {
    let opts = match parse(&args) {
        Ok(o) => o,
        Err(DemoError::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("jeedomconnect-demo: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("jeedomconnect-demo: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let demo = match start(opts).await {
            Ok(d) => d,
            Err(e) => {
                eprintln!("jeedomconnect-demo: {e}");
                return ExitCode::FAILURE;
            }
        };
        println!("{}", demo.banner());
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate()).ok();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending().await } } => {}
            _ = demo.hub.shutdown.cancelled() => {}
        }
        println!("\nstopping the demo…");
        demo.stop().await;
        println!("demo stopped");
        ExitCode::SUCCESS
    })
}

/// A running demo.
pub struct Running {
    pub hub: Arc<Hub>,
    pub public_port: u16,
    pub socket_port: u16,
    pub device_key: String,
    pub plugin_key: String,
    /// Where the simulated plugin API listens (the daemon's `--callback`).
    pub callback: String,
    bind: Option<IpAddr>,
    house: Arc<House>,
    daemon: tokio::task::JoinHandle<()>,
    stop_house: CancellationToken,
    temp_dir: Option<PathBuf>,
}

fn free_port() -> Result<u16, DemoError> {
    std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(io("cannot find a free port"))
}

/// Starts the simulated Jeedom and the daemon.
pub async fn start(opts: Options) -> Result<Running, DemoError> {
    let plugin_key = uuid::Uuid::new_v4().simple().to_string();
    let device_key = opts.device_key.clone().unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    let (data_dir, temp_dir) = match &opts.data_dir {
        Some(d) => (d.clone(), None),
        None => {
            let d = std::env::temp_dir().join(format!(
                "jeedomconnectd-demo-{}-{}",
                std::process::id(),
                uuid::Uuid::new_v4().simple()
            ));
            (d.clone(), Some(d))
        }
    };
    std::fs::create_dir_all(&data_dir).map_err(io(format!("cannot create {}", data_dir.display())))?;

    let api = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.map_err(io("simulated Jeedom"))?;
    let api_port = api.local_addr().map_err(io("simulated Jeedom"))?.port();
    let callback = format!("http://127.0.0.1:{api_port}/plugins/JeedomConnect/core/api/JeedomConnect.api.php");
    let socket_port = match opts.socket_port {
        Some(p) => p,
        None => free_port()?,
    };

    let mut cfg = Config::with_key(&plugin_key);
    cfg.loglevel = opts.loglevel.clone();
    cfg.socket_port = socket_port;
    cfg.bind = opts.bind;
    cfg.callback = callback.clone();
    cfg.data_dir = data_dir;
    jeedomconnectd::logging::init(&cfg.loglevel, &cfg.apikey);
    let daemon = match opts.public_port {
        Some(p) => {
            cfg.public_port = p;
            Daemon::start(cfg)?
        }
        None => {
            cfg.public_port = 8090;
            match Daemon::start(cfg.clone()) {
                Ok(d) => d,
                Err(first @ StartError::Listen(ListenError::InUse { what: "public", .. })) => {
                    cfg.public_port = 0;
                    Daemon::start(cfg).map_err(|second| DemoError::NoPublicPort {
                        first: Box::new(first),
                        second: Box::new(second),
                    })?
                }
                Err(e) => return Err(e.into()),
            }
        }
    };
    let daemon = daemon.with_routes(page_routes(device_key.clone()));
    let public_port = daemon.public_port();
    let hub = daemon.hub.clone();
    let daemon = tokio::spawn(daemon.run());

    let house = Arc::new(House::new(device_key.clone(), plugin_key.clone(), socket_port, public_port, opts.bind));
    let stop_house = CancellationToken::new();
    tokio::spawn(serve_api(house.clone(), api, stop_house.clone()));
    house.send_devices().await;
    tokio::spawn(simulate(house.clone(), opts.tick, stop_house.clone()));
    Ok(Running {
        hub,
        public_port,
        socket_port,
        device_key,
        plugin_key,
        callback,
        bind: opts.bind,
        house,
        daemon,
        stop_house,
        temp_dir,
    })
}

/// An address of this machine on the LAN (the one a default route would use), for the banner.
fn lan_address() -> Option<IpAddr> {
    let s = std::net::UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)).ok()?;
    s.connect((Ipv4Addr::new(192, 0, 2, 1), 9)).ok()?;
    s.local_addr().ok().map(|a| a.ip()).filter(|ip| !ip.is_loopback() && !ip.is_unspecified())
}

impl Running {
    /// What to print once started: the key and the URLs.
    pub fn banner(&self) -> String {
        let host = match self.bind {
            Some(ip) if !ip.is_unspecified() => match ip {
                IpAddr::V6(v6) => format!("[{v6}]"),
                v4 => v4.to_string(),
            },
            _ => "127.0.0.1".into(),
        };
        let p = self.public_port;
        let mut s = format!(
            "\nJeedomConnect demo: jeedomconnectd {} with a simulated Jeedom house\n\n\
             \x20 device apiKey   {key}\n\
             \x20 web page        http://{host}:{p}/   (WebSocket, SSE or polling: pick one on the page)\n\
             \x20 WebSocket       ws://{host}:{p}/\n\
             \x20 SSE             http://{host}:{p}/sse?apiKey={key}\n\
             \x20 JSON-RPC        POST http://{host}:{p}/rpc\n\
             \x20 status          http://{host}:{p}/status.html   metrics: http://{host}:{p}/metrics\n\
             \x20 control socket  127.0.0.1:{} (the plugin key is never printed)\n",
            env!("CARGO_PKG_VERSION"),
            self.socket_port,
            key = self.device_key,
        );
        if self.bind.is_none_or(|ip| ip.is_unspecified()) {
            if let Some(lan) = lan_address() {
                s.push_str(&format!("  from the LAN     http://{lan}:{p}/   ws://{lan}:{p}/\n"));
            }
        }
        s.push_str("\nValues change every second or so. Ctrl-C stops the demo.\n");
        s
    }

    /// The simulated value of an info command, as the app sees it.
    pub fn value(&self, cmd_id: &str) -> Option<String> {
        self.house.state().cmds.get(cmd_id).map(|c| c.value.clone())
    }

    /// Stops the house and the daemon (close frames, journal flush), and removes the temporary data directory.
    pub async fn stop(self) {
        self.stop_house.cancel();
        self.hub.shutdown.cancel();
        let _ = tokio::time::timeout(Duration::from_secs(5), self.daemon).await;
        if let Some(d) = self.temp_dir {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// The simulated house.

#[derive(Clone, Debug)]
struct Cmd {
    name: &'static str,
    room: &'static str,
    /// `None` for an action command.
    unit: Option<&'static str>,
    value: String,
    modified: i64,
    min: f64,
    max: f64,
    sum: f64,
    samples: u64,
    previous: f64,
}

impl Cmd {
    fn info(name: &'static str, room: &'static str, unit: &'static str, value: f64) -> Cmd {
        Cmd {
            name,
            room,
            unit: Some(unit),
            value: fmt_value(value),
            modified: now(),
            min: value,
            max: value,
            sum: value,
            samples: 1,
            previous: value,
        }
    }

    fn action(name: &'static str, room: &'static str) -> Cmd {
        Cmd { unit: None, ..Cmd::info(name, room, "", 0.0) }
    }

    fn set(&mut self, v: f64) {
        self.previous = self.value.parse().unwrap_or(v);
        self.value = fmt_value(v);
        self.modified = now();
        self.min = self.min.min(v);
        self.max = self.max.max(v);
        self.sum += v;
        self.samples += 1;
    }

    /// The app's cmdInfo shape (docs/protocol.md, "Events").
    fn info_json(&self, id: &str) -> Value {
        let v: f64 = self.value.parse().unwrap_or(0.0);
        let tendance = if v > self.previous {
            "up"
        } else if v < self.previous {
            "down"
        } else {
            "stable"
        };
        json!({"id": id, "value": self.value, "modified": self.modified, "collectDate": self.modified,
               "history": {"averageValue": round2(self.sum / self.samples as f64), "minValue": self.min,
                           "maxValue": self.max, "tendance": tendance}})
    }
}

fn fmt_value(v: f64) -> String {
    let r = round2(v);
    if r.fract() == 0.0 {
        format!("{}", r as i64)
    } else {
        format!("{r}")
    }
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

const ROOMS: [(&str, &str); 3] = [("1", "Salon"), ("2", "Cuisine"), ("3", "Chambre")];
/// The executable command: toggles the living-room light.
pub const TOGGLE_LIGHT: &str = "103";
pub const LIGHT_STATE: &str = "102";
pub const LIVING_TEMPERATURE: &str = "101";
const SCENARIO: &str = "1";

struct State {
    cmds: BTreeMap<&'static str, Cmd>,
    scenario_status: &'static str,
    scenario_last: i64,
    use_ws: bool,
    polling: bool,
    app_state: &'static str,
    rng: u64,
}

struct House {
    device_key: String,
    plugin_key: String,
    socket_port: u16,
    public_port: u16,
    bind: Option<IpAddr>,
    state: Mutex<State>,
    control: tokio::sync::Mutex<Option<TcpStream>>,
}

impl House {
    fn new(device_key: String, plugin_key: String, socket_port: u16, public_port: u16, bind: Option<IpAddr>) -> House {
        let mut cmds = BTreeMap::new();
        cmds.insert("101", Cmd::info("Température", "1", "°C", 21.0));
        cmds.insert("102", Cmd::info("Lumière", "1", "", 0.0));
        cmds.insert("103", Cmd::action("Lumière on/off", "1"));
        cmds.insert("201", Cmd::info("Température", "2", "°C", 19.5));
        cmds.insert("202", Cmd::info("Humidité", "2", "%", 55.0));
        cmds.insert("301", Cmd::info("Température", "3", "°C", 18.2));
        cmds.insert("302", Cmd::info("Porte", "3", "", 0.0));
        let seed =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64);
        House {
            device_key,
            plugin_key,
            socket_port,
            public_port,
            bind,
            state: Mutex::new(State {
                cmds,
                scenario_status: "stop",
                scenario_last: now() - 3600,
                use_ws: true,
                polling: false,
                app_state: "background",
                rng: seed | 1,
            }),
            control: tokio::sync::Mutex::new(None),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The `jcd` device record (docs/architecture.md, "Device records").
    fn record(&self) -> Value {
        let s = self.state();
        let cmds: Vec<&str> = s.cmds.iter().filter(|(_, c)| c.unit.is_some()).map(|(id, _)| *id).collect();
        json!({"apiKey": self.device_key, "enabled": true, "useWs": s.use_ws, "polling": s.polling,
               "appState": s.app_state, "configVersion": 1, "cmds": cmds, "scenarios": [SCENARIO], "scAll": false,
               "objects": ROOMS.iter().map(|(id, _)| *id).collect::<Vec<_>>()})
    }

    fn cmd_info(&self) -> Vec<Value> {
        self.state().cmds.iter().filter(|(_, c)| c.unit.is_some()).map(|(id, c)| c.info_json(id)).collect()
    }

    fn sc_info(&self) -> Vec<Value> {
        let s = self.state();
        vec![json!({"id": SCENARIO, "name": "Bonne nuit", "object": "Aucun", "group": "Aucun",
                    "status": s.scenario_status, "lastLaunch": s.scenario_last, "active": 1, "icon": null})]
    }

    fn room_temperature(s: &State, room: &str) -> f64 {
        s.cmds
            .iter()
            .find(|(_, c)| c.room == room && c.name == "Température")
            .map_or(0.0, |(_, c)| c.value.parse().unwrap_or(0.0))
    }

    fn obj_info(&self) -> Vec<Value> {
        let s = self.state();
        let mut list: Vec<Value> = ROOMS
            .iter()
            .map(|(id, _)| {
                let cmd = s.cmds.iter().find(|(_, c)| c.room == *id && c.name == "Température").map(|(k, _)| *k);
                json!({"object_id": id, "keys": [{"temperature": {"value": House::room_temperature(&s, id),
                                                                  "cmds": cmd.into_iter().collect::<Vec<_>>()}}]})
            })
            .collect();
        let avg = ROOMS.iter().map(|(id, _)| House::room_temperature(&s, id)).sum::<f64>() / ROOMS.len() as f64;
        list.push(json!({"object_id": "global", "keys": [{"temperature": {"value": round2(avg)}}]}));
        list
    }

    fn config(&self) -> Value {
        let s = self.state();
        let mut widgets = Vec::new();
        for (n, (id, c)) in s.cmds.iter().enumerate() {
            let kind = match (c.name, c.unit) {
                (_, None) => "action",
                ("Température", _) => "temperature",
                ("Humidité", _) => "humidity",
                ("Lumière", _) => "light",
                ("Porte", _) => "door",
                _ => "generic-numeric",
            };
            widgets.push(
                json!({"widgetId": n + 1, "type": kind, "name": c.name, "room": c.room.parse::<i64>().unwrap_or(0),
                "enable": true, "index": n, "parentId": null,
                "cmd": {"id": id, "type": if c.unit.is_some() { "info" } else { "action" }, "unit": c.unit}}),
            );
        }
        widgets.push(json!({"widgetId": widgets.len() + 1, "type": "scenario", "name": "Bonne nuit", "room": null,
                            "enable": true, "index": widgets.len(), "scenarioId": SCENARIO}));
        let rooms: Vec<Value> = ROOMS
            .iter()
            .enumerate()
            .map(|(i, (id, name))| json!({"id": id.parse::<i64>().unwrap_or(0), "name": name, "index": i}))
            .collect();
        json!({"type": "JEEDOM_CONFIG", "formatVersion": "1.0", "idCounter": widgets.len() + 1,
               "payload": {"configVersion": 1, "tabs": [], "sections": [], "rooms": rooms, "groups": [],
                           "summaries": [{"key": "temperature", "name": "Température", "unit": "°C"}],
                           "widgets": widgets, "password": null, "customData": {"widgets": {}}}})
    }

    fn host_for_urls(&self) -> String {
        match self.bind {
            Some(ip) if !ip.is_unspecified() => ip.to_string(),
            _ => lan_address().map_or("127.0.0.1".into(), |ip| ip.to_string()),
        }
    }

    fn plugin_config(&self) -> Value {
        let s = self.state();
        let host = self.host_for_urls();
        let p = self.public_port;
        json!({"useWs": if s.use_ws { "1" } else { "0" }, "polling": if s.polling { "1" } else { "0" },
               "httpUrl": format!("http://{host}:{p}"), "internalHttpUrl": format!("http://{host}:{p}"),
               "wsAddress": format!("ws://{host}:{p}"), "internalWsAddress": format!("ws://{host}:{p}"),
               "pluginJeedomVersion": format!("v{} (demo)", env!("CARGO_PKG_VERSION"))})
    }

    /// `WELCOME` with the exact keys of docs/protocol.md, "Connecting".
    fn welcome(&self) -> Value {
        let (use_ws, polling) = {
            let s = self.state();
            (s.use_ws, s.polling)
        };
        json!({"type": "WELCOME", "payload": {
            "pluginVersion": env!("CARGO_PKG_VERSION"),
            "jeedomName": "Maison démo",
            "serverId": "demo",
            "eqName": "Téléphone démo",
            "useWs": if use_ws { "1" } else { "0" },
            "polling": if polling { "1" } else { "0" },
            "userHash": "demo-user-hash",
            "userId": "1",
            "userName": "admin",
            "userProfil": "admin",
            "userImgPath": "plugins/JeedomConnect/data/img/user_files/",
            "configVersion": 1,
            "notifsVersion": 0,
            "scenariosEnabled": true,
            "webviewEnabled": false,
            "automationsEnabled": false,
            "editEnabled": true,
            "getLogAllowed": true,
            "pluginConfig": self.plugin_config(),
            "cmdInfo": self.cmd_info(),
            "scInfo": self.sc_info(),
            "objInfo": self.obj_info(),
            "geofenceInfo": {"geofences": []},
            "links": [],
            "timezone": "Europe/Paris",
            "timelineFolders": null,
        }})
    }

    /// Sends one control message, reconnecting when needed.
    async fn control(&self, mut msg: Value) {
        msg["jeedomApiKey"] = json!(self.plugin_key);
        let mut line = msg.to_string();
        line.push('\n');
        let mut conn = self.control.lock().await;
        for _ in 0..3 {
            if conn.is_none() {
                *conn = TcpStream::connect((Ipv4Addr::LOCALHOST, self.socket_port)).await.ok();
            }
            if let Some(c) = conn.as_mut() {
                if c.write_all(line.as_bytes()).await.is_ok() {
                    return;
                }
            }
            *conn = None;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        tracing::warn!("demo: cannot reach the control socket");
    }

    async fn send_devices(&self) {
        self.control(json!({"type": "DEVICES", "devices": [self.record()], "full": true})).await;
    }

    async fn events(&self, cmds: Vec<Value>, scenarios: Vec<Value>, objects: Vec<Value>) {
        let mut lists = Vec::new();
        for (t, l) in [("CMD_INFO", cmds), ("SC_INFO", scenarios), ("OBJ_INFO", objects)] {
            if !l.is_empty() {
                lists.push(json!({"type": t, "payload": l}));
            }
        }
        if !lists.is_empty() {
            self.control(json!({"type": "EVENTS", "events": lists})).await;
        }
    }

    /// Sets info commands and tells the daemon (with the room summaries that changed).
    async fn set_values(&self, changes: &[(&'static str, f64)]) {
        let (cmds, objects) = {
            let mut s = self.state();
            let mut cmds = Vec::new();
            let mut rooms = Vec::new();
            for (id, v) in changes {
                if let Some(c) = s.cmds.get_mut(id) {
                    c.set(*v);
                    cmds.push(c.info_json(id));
                    if c.name == "Température" {
                        rooms.push(c.room);
                    }
                }
            }
            let mut objects: Vec<Value> = rooms
                .iter()
                .map(|r| json!({"object_id": r, "keys": {"temperature": {"value": House::room_temperature(&s, r)}}}))
                .collect();
            if !rooms.is_empty() {
                let avg = ROOMS.iter().map(|(id, _)| House::room_temperature(&s, id)).sum::<f64>() / 3.0;
                objects.push(json!({"object_id": "global", "keys": {"temperature": {"value": round2(avg)}}}));
            }
            (cmds, objects)
        };
        self.events(cmds, vec![], objects).await;
    }

    fn random(&self) -> f64 {
        let mut s = self.state();
        let mut x = s.rng;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        s.rng = x;
        (x >> 11) as f64 / (1u64 << 53) as f64
    }

    fn value_of(&self, id: &str) -> f64 {
        self.state().cmds.get(id).and_then(|c| c.value.parse().ok()).unwrap_or(0.0)
    }

    async fn toggle_light(&self) {
        let v = if self.value_of(LIGHT_STATE) > 0.0 { 0.0 } else { 1.0 };
        self.set_values(&[(LIGHT_STATE, v)]).await;
    }

    async fn run_scenario(self: &Arc<House>) {
        let sc = |h: &House, status: &'static str| {
            let mut s = h.state();
            s.scenario_status = status;
            s.scenario_last = now();
            json!({"id": SCENARIO, "status": status, "lastLaunch": s.scenario_last})
        };
        let running = sc(self, "in progress");
        self.events(vec![], vec![running], vec![]).await;
        self.set_values(&[(LIGHT_STATE, 0.0), ("302", 0.0)]).await;
        let house = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(1)).await;
            let stopped = sc(&house, "stop");
            house.events(vec![], vec![stopped], vec![]).await;
        });
    }

    /// One JSON-RPC request of the app's API, as the plugin answers it (docs/protocol.md).
    async fn answer(self: &Arc<House>, req: &Value) -> Value {
        let method = req.get("method").and_then(Value::as_str).unwrap_or("");
        let params = req.get("params").cloned().unwrap_or(json!({}));
        let from = params.get("connexionFrom").and_then(Value::as_str).unwrap_or("API");
        let key = params.get("apiKey").and_then(Value::as_str).unwrap_or("");
        let exception = |m: String| json!({"type": "EXCEPTION", "payload": {"message": m}});
        let no_eq =
            ["GET_PLUGIN_CONFIG", "GET_AVAILABLE_EQUIPEMENT", "PING", "CHECK_AUTHENT", "CHECK_USER", "VERIF_2FA"];
        if key != self.device_key && !no_eq.contains(&method) && method != "DEMO_PAGE_REPORT" {
            return exception(format!("Error with '{method}' method Can't find eqLogic"));
        }
        let set_state = |h: &House, state: &'static str| h.state().app_state = state;
        match method {
            "CONNECT" => {
                set_state(self, "active");
                self.welcome()
            }
            "PING" => {
                if key == self.device_key {
                    set_state(self, "active");
                }
                Value::Null
            }
            "SET_APPSTATE" => {
                let state =
                    if params.get("state").and_then(Value::as_str) == Some("active") { "active" } else { "background" };
                set_state(self, state);
                Value::Null
            }
            "DISCONNECT" => {
                set_state(self, "background");
                Value::Null
            }
            "GET_PLUGIN_CONFIG" => json!({"type": "PLUGIN_CONFIG", "payload": self.plugin_config()}),
            "GET_CONFIG" => json!({"type": "SET_CONFIG", "payload": self.config()}),
            "GET_INFO" => json!({"type": "SET_INFO", "payload": {"cmdInfo": self.cmd_info(), "scInfo": self.sc_info(),
                                                                  "objInfo": self.obj_info()}}),
            "GET_CMD_INFO" => json!({"type": "SET_CMD_INFO", "payload": self.cmd_info()}),
            "GET_SC_INFO" => json!({"type": "SET_SC_INFO", "payload": self.sc_info()}),
            "GET_ALL_SC" => json!({"type": "SET_ALL_SC", "payload": self.sc_info()}),
            "GET_OBJ_INFO" => json!({"type": "SET_OBJ_INFO", "payload": self.obj_info()}),
            "UNSUBSCRIBE_SC" => Value::Null,
            "GET_EVENTS" => {
                // The daemon answers GET_EVENTS from its journal; this is only reached before it knows the device.
                json!({"type": "SET_EVENTS", "payload": [
                    {"type": "DATETIME", "payload": chrono::Utc::now().timestamp_micros() as f64 / 1e6},
                    {"type": "HIST_DATETIME", "payload": now()},
                    {"type": "CMD_INFO", "payload": []}, {"type": "SC_INFO", "payload": []},
                    {"type": "OBJ_INFO", "payload": []}]})
            }
            "CMD_EXEC" => {
                let id = params.get("id").map(|v| v.as_str().map_or(v.to_string(), String::from)).unwrap_or_default();
                if id == TOGGLE_LIGHT {
                    self.toggle_light().await;
                    Value::Null
                } else {
                    exception(format!("Can't find command [id={id}]"))
                }
            }
            "CMDLIST_EXEC" => {
                let list = params.get("cmdList").and_then(Value::as_array).cloned().unwrap_or_default();
                let mut failed = Vec::new();
                for c in list {
                    let id = c.get("id").map(|v| v.as_str().map_or(v.to_string(), String::from)).unwrap_or_default();
                    if id == TOGGLE_LIGHT {
                        self.toggle_light().await;
                    } else {
                        failed.push(id);
                    }
                }
                if failed.is_empty() {
                    Value::Null
                } else {
                    json!({"type": "EXCEPTION", "payload": {"message": "Certaines commandes n'ont pas pu être exécutées",
                                                            "details": {"cmd_ids": failed}}})
                }
            }
            "SC_EXEC" => {
                let id = params.get("id").map(|v| v.as_str().map_or(v.to_string(), String::from)).unwrap_or_default();
                if id == SCENARIO {
                    self.run_scenario().await;
                    Value::Null
                } else {
                    exception(format!("Le scenario {id} n'existe pas"))
                }
            }
            "SET_WEBSOCKET" | "SET_POLLING" => {
                let on = jeedomconnectd::device::flag(params.get("value"));
                let flag = if on { "1" } else { "0" };
                let mut s = self.state();
                if method == "SET_WEBSOCKET" {
                    s.use_ws = on;
                    json!({"type": "GET_WEBSOCKET", "payload": {"useWs": flag}})
                } else {
                    s.polling = on;
                    json!({"type": "GET_POLLING", "payload": {"polling": flag}})
                }
            }
            "DEMO_PAGE_REPORT" => {
                // Not an app method: the demo page says what it saw (used by tests/chromium/run.sh).
                let mode = params.get("mode").and_then(Value::as_str).unwrap_or("?");
                let ok = params.get("ok").and_then(Value::as_bool).unwrap_or(false);
                let detail = params.get("detail").and_then(Value::as_str).unwrap_or("");
                println!("page check {}: mode={mode} {detail}", if ok { "ok" } else { "FAILED" });
                Value::Null
            }
            _ => exception(format!("Error with '{method}' method [{from}] - method not defined")),
        }
    }
}

/// Changes a value or two every tick, like a real house.
async fn simulate(house: Arc<House>, tick: Duration, stop: CancellationToken) {
    let mut interval = tokio::time::interval(tick);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut n: u64 = 0;
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = interval.tick() => {}
        }
        n += 1;
        if n == 1 {
            continue;
        }
        let mut changes: Vec<(&'static str, f64)> = Vec::new();
        // The living-room temperature moves every tick (what the tests watch), another room's every other tick.
        for id in [LIVING_TEMPERATURE, if n % 2 == 0 { "201" } else { "301" }] {
            let v = house.value_of(id);
            let mut step = 0.1 + (house.random() * 3.0).floor() / 10.0;
            if v > 23.0 || (v > 17.0 && house.random() < 0.5) {
                step = -step;
            }
            changes.push((id, v + step));
        }
        if n % 4 == 0 {
            let h = house.value_of("202");
            changes.push(("202", (h + if house.random() < 0.5 { -1.0 } else { 1.0 }).clamp(35.0, 75.0)));
        }
        if n % 7 == 0 {
            changes.push(("302", if house.value_of("302") > 0.0 { 0.0 } else { 1.0 }));
        }
        house.set_values(&changes).await;
    }
}

/// The simulated plugin API (`--callback`): JSON-RPC in the body, the answer in the body, with the `jcd` record.
async fn serve_api(house: Arc<House>, listener: TcpListener, stop: CancellationToken) {
    loop {
        let (stream, _) = tokio::select! {
            _ = stop.cancelled() => return,
            a = listener.accept() => match a {
                Ok(a) => a,
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let house = house.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                let house = house.clone();
                async move { Ok::<_, Infallible>(api_request(house, req).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
        });
    }
}

async fn api_request(house: Arc<House>, req: Request<hyper::body::Incoming>) -> Response<Full<Bytes>> {
    let reply = |status: StatusCode, body: String| {
        let mut r = Response::new(Full::new(Bytes::from(body)));
        *r.status_mut() = status;
        r.headers_mut().insert("content-type", hyper::header::HeaderValue::from_static("application/json"));
        r
    };
    let query = req.uri().query().unwrap_or("").to_string();
    let key_ok = serde_urlencoded::from_str::<Vec<(String, String)>>(&query)
        .ok()
        .and_then(|q| q.into_iter().find(|(k, _)| k == "apikey").map(|(_, v)| v))
        .is_some_and(|k| k == house.plugin_key);
    if !key_ok {
        return reply(StatusCode::FORBIDDEN, "{}".into());
    }
    let body = match req.into_body().collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return reply(StatusCode::BAD_REQUEST, "{}".into()),
    };
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let id = request.get("id").cloned().unwrap_or(json!(99999));
    let result = house.answer(&request).await;
    let result = if result.is_null() { json!("ok") } else { result };
    let mut envelope = json!({"jsonrpc": "2.0", "id": id, "result": result});
    if request.pointer("/params/apiKey").and_then(Value::as_str) == Some(house.device_key.as_str()) {
        envelope["jcd"] = house.record();
    }
    reply(StatusCode::OK, envelope.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options() {
        let args: Vec<String> =
            "--bind 127.0.0.1 --websocketport 0 --tick-ms 200".split(' ').map(String::from).collect();
        let o = parse(&args).unwrap();
        assert_eq!(o.bind, Some(IpAddr::from([127, 0, 0, 1])));
        assert_eq!(o.public_port, Some(0));
        assert_eq!(o.tick, Duration::from_millis(200));
        assert!(parse(&["--nope".to_string()]).is_err());
    }

    #[test]
    fn values_and_page() {
        assert_eq!(fmt_value(21.0), "21");
        assert_eq!(fmt_value(21.349), "21.35");
        assert!(page("abc").contains("\"abc\""));
    }
}
