//! Starting the real `jeedomconnectd` binary: free ports, temp data dir, output captured, killed on drop.

use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};

use super::{free_port, rand_hex};

pub const BIN: &str = env!("CARGO_BIN_EXE_jeedomconnectd");

/// The binary under test: `$JEEDOMCONNECTD_TEST_BIN` when set (e.g. a release build), else the crate's binary.
pub fn bin() -> String {
    std::env::var("JEEDOMCONNECTD_TEST_BIN").unwrap_or_else(|_| BIN.to_string())
}

/// A temp directory removed on drop.
pub struct TestDir(pub PathBuf);

impl TestDir {
    pub fn new(tag: &str) -> TestDir {
        let p = std::env::temp_dir().join(format!("jcd-test-{tag}-{}-{}", std::process::id(), rand_hex(8)));
        std::fs::create_dir_all(&p).expect("create temp dir");
        TestDir(p)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TestDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[derive(Clone, Debug)]
pub enum KeyVia {
    Env,
    File,
    Arg,
    None,
}

/// How to start a daemon. Defaults: `--loglevel debug`, short timeouts are NOT set (add them with `arg`).
#[derive(Clone, Debug)]
pub struct DaemonCfg {
    pub key: String,
    pub callback: String,
    pub data_dir: PathBuf,
    pub ws_port: u16,
    pub ctl_port: u16,
    pub loglevel: String,
    pub key_via: KeyVia,
    pub args: Vec<String>,
}

impl DaemonCfg {
    pub fn new(key: &str, callback: &str, data_dir: &Path) -> DaemonCfg {
        DaemonCfg {
            key: key.to_string(),
            callback: callback.to_string(),
            data_dir: data_dir.to_path_buf(),
            ws_port: free_port(),
            ctl_port: free_port(),
            loglevel: "debug".into(),
            key_via: KeyVia::Env,
            args: Vec::new(),
        }
    }
    pub fn arg(mut self, flag: &str, value: &str) -> Self {
        self.args.push(flag.to_string());
        self.args.push(value.to_string());
        self
    }
    /// New free ports (for a restart on the same data dir).
    pub fn fresh_ports(mut self) -> Self {
        self.ws_port = free_port();
        self.ctl_port = free_port();
        self
    }
    pub fn pid_file(&self) -> PathBuf {
        self.data_dir.join("jeedomconnectd.pid")
    }
}

pub struct Daemon {
    pub cfg: DaemonCfg,
    pub child: Child,
    pub pid: u32,
    logs: Arc<Mutex<String>>,
}

fn capture(out: impl AsyncRead + Unpin + Send + 'static, logs: Arc<Mutex<String>>) {
    tokio::spawn(async move {
        let mut lines = BufReader::new(out).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            let mut l = logs.lock().unwrap();
            l.push_str(&line);
            l.push('\n');
        }
    });
}

/// Spawn the binary with exactly these arguments and environment key (no readiness wait).
pub fn spawn_raw(args: &[String], env_key: Option<&str>) -> (Child, Arc<Mutex<String>>) {
    let mut cmd = Command::new(bin());
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env_remove("JEEDOMCONNECTD_APIKEY")
        .env_remove("http_proxy")
        .env_remove("HTTP_PROXY")
        .env_remove("https_proxy")
        .env_remove("HTTPS_PROXY")
        .env_remove("all_proxy")
        .env_remove("ALL_PROXY")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .kill_on_drop(true);
    if let Some(k) = env_key {
        cmd.env("JEEDOMCONNECTD_APIKEY", k);
    }
    let mut child = cmd.spawn().expect("spawn jeedomconnectd");
    let logs = Arc::new(Mutex::new(String::new()));
    capture(child.stdout.take().unwrap(), logs.clone());
    capture(child.stderr.take().unwrap(), logs.clone());
    (child, logs)
}

/// Run the binary to completion (bounded), returning its status and combined output.
pub async fn run_to_exit(args: &[String], env_key: Option<&str>, d: Duration) -> (ExitStatus, String) {
    let (mut child, logs) = spawn_raw(args, env_key);
    let status = match tokio::time::timeout(d, child.wait()).await {
        Ok(s) => s.expect("wait"),
        Err(_) => {
            let _ = child.kill().await;
            panic!("jeedomconnectd {args:?} did not exit within {d:?}; output:\n{}", logs.lock().unwrap());
        }
    };
    // let the readers drain
    tokio::time::sleep(Duration::from_millis(100)).await;
    let out = logs.lock().unwrap().clone();
    (status, out)
}

impl Daemon {
    pub fn args(cfg: &DaemonCfg) -> Vec<String> {
        let mut a: Vec<String> = vec![
            "--loglevel".into(),
            cfg.loglevel.clone(),
            "--socketport".into(),
            cfg.ctl_port.to_string(),
            "--websocketport".into(),
            cfg.ws_port.to_string(),
            "--callback".into(),
            cfg.callback.clone(),
            "--pid".into(),
            cfg.pid_file().to_string_lossy().into(),
            "--data-dir".into(),
            cfg.data_dir.to_string_lossy().into(),
            "--bind".into(),
            "127.0.0.1".into(),
        ];
        match cfg.key_via {
            KeyVia::File => {
                use std::os::unix::fs::PermissionsExt;
                let f = cfg.data_dir.join("apikey");
                std::fs::write(&f, format!("{}\n", cfg.key)).unwrap();
                std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).unwrap();
                a.push("--apikey-file".into());
                a.push(f.to_string_lossy().into());
            }
            KeyVia::Arg => {
                a.push("--apikey".into());
                a.push(cfg.key.clone());
            }
            KeyVia::Env | KeyVia::None => {}
        }
        a.extend(cfg.args.iter().cloned());
        a
    }

    /// Start and wait until `/health` answers and the control socket answers `STATUS`.
    pub async fn start(cfg: DaemonCfg) -> Daemon {
        super::forbid(&cfg.key);
        let args = Daemon::args(&cfg);
        let env_key = matches!(cfg.key_via, KeyVia::Env).then(|| cfg.key.clone());
        let (child, logs) = spawn_raw(&args, env_key.as_deref());
        let pid = child.id().expect("child pid");
        let mut d = Daemon { cfg, child, pid, logs };
        d.wait_ready().await;
        d
    }

    async fn wait_ready(&mut self) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(Some(st)) = self.child.try_wait() {
                tokio::time::sleep(Duration::from_millis(100)).await;
                panic!("jeedomconnectd exited early with {st}; output:\n{}", self.logs());
            }
            if health(self.cfg.ws_port).await == Some(200) {
                let st = tokio::time::timeout(
                    Duration::from_secs(2),
                    super::ctl_request(self.cfg.ctl_port, &json!({"type": "STATUS", "jeedomApiKey": self.cfg.key})),
                )
                .await;
                if let Ok(Ok(v)) = st {
                    if v.get("version").is_some() {
                        return;
                    }
                }
            }
            if tokio::time::Instant::now() >= deadline {
                panic!("jeedomconnectd not ready within 10 s; output:\n{}", self.logs());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn logs(&self) -> String {
        self.logs.lock().unwrap().clone()
    }

    pub fn ws_url(&self) -> String {
        format!("ws://127.0.0.1:{}/", self.cfg.ws_port)
    }

    pub fn http_base(&self) -> String {
        format!("http://127.0.0.1:{}", self.cfg.ws_port)
    }

    pub fn signal(&self, sig: nix::sys::signal::Signal) {
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(self.pid as i32), sig).expect("kill");
    }

    pub async fn wait_exit(&mut self, d: Duration) -> Option<ExitStatus> {
        tokio::time::timeout(d, self.child.wait()).await.ok().map(|r| r.expect("wait"))
    }

    /// `kill -9` and reap.
    pub async fn kill9(&mut self) {
        self.signal(nix::sys::signal::Signal::SIGKILL);
        let _ = self.wait_exit(Duration::from_secs(5)).await;
    }

    // ---- control socket shortcuts (the plugin key is added) ------------------------------------------------

    pub fn keyed(&self, v: &Value) -> Value {
        let mut v = v.clone();
        v["jeedomApiKey"] = json!(self.cfg.key);
        v
    }

    /// Send one object with the plugin key, read the one-line reply.
    pub async fn ctl(&self, v: Value) -> Value {
        let v = self.keyed(&v);
        super::within(
            super::WAIT,
            &format!("control reply to {}", v["type"]),
            super::ctl_request(self.cfg.ctl_port, &v),
        )
        .await
        .unwrap_or_else(|e| panic!("control request {v}: {e}\nlogs:\n{}", self.logs()))
    }

    /// Send one object with `"ack":true` and check the reply is ok.
    pub async fn ctl_ack(&self, mut v: Value) -> Value {
        v["ack"] = json!(true);
        let r = self.ctl(v.clone()).await;
        assert_eq!(r["ok"], json!(true), "ack of {v} was {r}");
        r
    }

    /// Journal these events (acked); returns the cursor of the last item.
    pub async fn events(&self, msg: Value) -> f64 {
        let r = self.ctl_ack(msg).await;
        r["cursor"].as_f64().unwrap_or_else(|| panic!("EVENTS ack without a float cursor: {r}"))
    }

    pub async fn devices(&self, records: Vec<Value>, full: bool) {
        self.ctl_ack(json!({"type": "DEVICES", "devices": records, "full": full})).await;
    }

    pub async fn push(&self, eq: &str, message: Value) {
        self.ctl_ack(json!({"type": "PUSH", "eqApiKey": eq, "message": message})).await;
    }

    pub async fn status(&self) -> Value {
        self.ctl(json!({"type": "STATUS"})).await
    }

    pub async fn events_since(&self, eq: &str, cursor: Value) -> Value {
        self.ctl(json!({"type": "EVENTS_SINCE", "eqApiKey": eq, "cursor": cursor})).await
    }

    /// `POST /rpc` with a JSON-RPC request; returns the parsed answer.
    pub async fn rpc(&self, method: &str, id: Value, params: Value) -> Value {
        let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        let (status, text) =
            super::within(super::WAIT, "POST /rpc", http_post(self.cfg.ws_port, "/rpc", &body.to_string())).await;
        assert_eq!(status, 200, "POST /rpc {body} → {status} {text}\nlogs:\n{}", self.logs());
        super::check_app_visible("a /rpc answer", &text);
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("/rpc answer is not JSON ({e}): {text}"))
    }
}

/// `GET /health` status, None when not reachable.
pub async fn health(port: u16) -> Option<u16> {
    let r = tokio::time::timeout(Duration::from_secs(2), http_get(port, "/health")).await.ok()??;
    Some(r.0)
}

fn http_client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(10)).build().unwrap()
}

pub async fn http_get(port: u16, path: &str) -> Option<(u16, String)> {
    let r = http_client().get(format!("http://127.0.0.1:{port}{path}")).send().await.ok()?;
    let st = r.status().as_u16();
    Some((st, r.text().await.unwrap_or_default()))
}

pub async fn http_post(port: u16, path: &str, body: &str) -> (u16, String) {
    let r = http_client()
        .post(format!("http://127.0.0.1:{port}{path}"))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST {path}: {e}"));
    let st = r.status().as_u16();
    (st, r.text().await.unwrap_or_default())
}

/// One fake API + one daemon with a fresh data dir: the usual test setup.
pub struct Env {
    pub api: super::FakeApi,
    pub daemon: Daemon,
    pub dir: TestDir,
}

impl Env {
    /// Start with extra daemon arguments (`["--auth-timeout", "1"]` …).
    pub async fn start(extra: &[&str]) -> Env {
        let api = super::FakeApi::start().await;
        let dir = TestDir::new("env");
        let mut cfg = DaemonCfg::new(&super::plugin_key(), &api.callback_url(), dir.path());
        for pair in extra.chunks(2) {
            cfg = cfg.arg(pair[0], pair.get(1).copied().unwrap_or(""));
        }
        let daemon = Daemon::start(cfg).await;
        Env { api, daemon, dir }
    }

    pub fn key(&self) -> &str {
        &self.daemon.cfg.key
    }

    /// Open a WS connection and authenticate it as this (registered) device; returns the client and the WELCOME.
    pub async fn ws_device(&self, d: &super::DeviceSpec) -> (super::Ws, Value) {
        self.api.add_device(d.clone());
        let mut ws = super::Ws::connect(self.daemon.cfg.ws_port).await;
        let welcome = ws.connect_device(&d.key, "c1").await;
        assert_eq!(welcome["type"], "WELCOME", "CONNECT answer: {welcome}\nlogs:\n{}", self.daemon.logs());
        (ws, welcome)
    }

    /// The sessionId the daemon gave the connection whose CONNECT had request id `req_id` for `key`.
    pub async fn session_of(&self, key: &str, req_id: &str) -> String {
        let r = self
            .api
            .wait_request(super::WAIT, "CONNECT", |r| r.api_key() == Some(key) && r.body["id"] == json!(req_id))
            .await;
        r.session_id()
            .unwrap_or_else(|| panic!("CONNECT relayed without a string sessionId: {}", r.raw_body))
            .to_string()
    }
}

impl Daemon {
    /// Journal many EVENTS messages over one control connection, each acked; returns the cursors.
    pub async fn events_batch(&self, msgs: Vec<Value>) -> Vec<f64> {
        let mut c = super::Ctl::connect(self.cfg.ctl_port).await;
        let mut cursors = Vec::new();
        for m in msgs {
            let mut m = self.keyed(&m);
            m["ack"] = json!(true);
            let r = c.request(&m).await;
            assert_eq!(r["ok"], json!(true), "ack of {m}: {r}");
            cursors.push(r["cursor"].as_f64().unwrap_or_else(|| panic!("ack without cursor: {r}")));
        }
        cursors
    }
}

/// 100 (or n) single-cmd events on distinct cmd ids `1000+i`, values `v<i>`.
pub fn numbered_events(n: usize) -> (Vec<String>, Vec<Value>) {
    let ids: Vec<String> = (0..n).map(|i| (1000 + i).to_string()).collect();
    let msgs = ids
        .iter()
        .enumerate()
        .map(|(i, id)| super::events_msg(vec![super::cmd_item(id, &format!("v{i}"))], vec![], vec![]))
        .collect();
    (ids, msgs)
}
