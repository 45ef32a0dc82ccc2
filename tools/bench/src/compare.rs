//! `jeedomconnect-bench compare`: the daemon side by side with nchan (nginx's pub/sub module, from Debian's
//! packages) and `jeedomconnect-bare` (a bare tokio-tungstenite broadcast server of this project), in one run,
//! with the same WebSocket client and the same frames.
//!
//! Each server gets the same N subscribers (subscriber i is on channel c with (c + i) mod (1/share) = 0: for the
//! daemon, c is a cmd id in the device's filter; for nchan and the bare server, the channel id in the URL) and the
//! same events: the daemon gets an `EVENTS` line on its control socket; nchan a `POST /pub?id=c` and the bare
//! server a line `c frame` whose body is, byte for byte, the `CMD_INFO` frame the daemon writes for that event.
//!
//! Two measurements per server:
//! - wall clock: latency from the publish to the frame read (p50, p99), the server's CPU time per event
//!   (/proc/<pid>/stat) and its RSS per connection (VmRSS after the clients connected minus before, over N);
//! - instructions (callgrind, user space, deterministic): four runs under `valgrind --tool=callgrind`: no client;
//!   M clients held `--idle-secs`; the same plus E events nobody subscribed to; the same plus E events to every
//!   client. Per connection = (2nd − 1st)/M, per event = (3rd − 2nd)/E, per delivered frame = (4th − 3rd)/(E·M).

use super::*;

use std::path::Path;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Server {
    Ours,
    Nchan,
    Bare,
}

impl Server {
    fn short(self) -> &'static str {
        match self {
            Server::Ours => "ours",
            Server::Nchan => "nchan",
            Server::Bare => "bare",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Server::Ours => "jeedomconnectd",
            Server::Nchan => "nchan",
            Server::Bare => "bare tokio-tungstenite",
        }
    }
}

#[derive(Clone, Debug)]
struct CompareArgs {
    clients: usize,
    rate: u64,
    secs: u64,
    share: f64,
    cg_clients: usize,
    cg_events: u64,
    idle_secs: u64,
    nchan_root: Option<PathBuf>,
    no_callgrind: bool,
    /// Only the callgrind runs (instructions do not depend on the machine's load; the wall-clock runs do).
    callgrind_only: bool,
    servers: Vec<Server>,
    profiles: Option<PathBuf>,
    out: Option<PathBuf>,
    append: bool,
    daemon: PathBuf,
}

/// A running server under test.
struct Running {
    kind: Server,
    child: std::process::Child,
    public: u16,
    publisher: Publisher,
    dir: PathBuf,
    _api: Option<Arc<FakeApi>>,
}

enum Publisher {
    Ours(Control),
    Nchan(tokio::net::tcp::OwnedWriteHalf),
    Bare(TcpStream),
}

/// The event with sequence number `seq` for channel `ch`: what the daemon gets, and the frame it writes for it.
fn event_and_frame(seq: u64, ch: u64) -> (Value, String) {
    let ev = event(seq, ch);
    let frame = format!("{{\"type\":\"CMD_INFO\",\"payload\":[{}]}}", ev["events"][0]["payload"][0]);
    (ev, frame)
}

async fn wait_port(port: u16, child: &mut std::process::Child, what: &str) -> Result<(), BenchError> {
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).await.is_err() {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("{what} exited at start: {status}").into());
        }
        if Instant::now() > deadline {
            return Err(format!("{what} did not open port {port} in 60 s").into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

fn nchan_conf(root: &Path, dir: &Path, port: u16) -> String {
    let d = dir.display();
    format!(
        "load_module {root}/usr/lib/nginx/modules/ngx_nchan_module.so;
daemon off;
master_process off;
worker_processes 1;
worker_rlimit_nofile 65000;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 60000; }}
http {{
  access_log off;
  client_body_temp_path {d}/body; proxy_temp_path {d}/proxy; fastcgi_temp_path {d}/fcgi;
  uwsgi_temp_path {d}/uwsgi; scgi_temp_path {d}/scgi;
  server {{
    listen 127.0.0.1:{port};
    location = /pub {{ nchan_publisher; nchan_channel_id $arg_id; }}
    location = /sub {{ nchan_subscriber; nchan_channel_id $arg_id; }}
  }}
}}
",
        root = root.display()
    )
}

/// Starts a server, under callgrind when `callgrind` names an output file.
async fn start(
    kind: Server,
    a: &CompareArgs,
    stride: u64,
    callgrind: Option<&Path>,
    transport: Transport,
) -> Result<Running, BenchError> {
    let dir = std::env::temp_dir().join(format!("jcd-compare-{}-{}", std::process::id(), free_port()?));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let public = free_port()?;
    let ctl = free_port()?;
    let mut api = None;
    let bare = a.daemon.with_file_name("jeedomconnect-bare");
    let (exe, args): (PathBuf, Vec<String>) = match kind {
        Server::Ours => {
            let fake = Arc::new(FakeApi { requests: AtomicU64::new(0), transport, stride });
            let port = serve_fake(fake.clone()).await?;
            api = Some(fake);
            let args = [
                "--loglevel",
                "warning",
                "--bind",
                "127.0.0.1",
                "--websocketport",
                &public.to_string(),
                "--socketport",
                &ctl.to_string(),
                "--callback",
                &format!("http://127.0.0.1:{port}/api"),
                "--data-dir",
                &dir.join("data").display().to_string(),
            ];
            (a.daemon.clone(), args.iter().map(|s| s.to_string()).collect())
        }
        Server::Bare => (bare, vec![public.to_string(), ctl.to_string()]),
        Server::Nchan => {
            let root = a.nchan_root.clone().ok_or("nchan: --nchan-root is needed")?;
            std::fs::write(dir.join("nginx.conf"), nchan_conf(&root, &dir, public)).map_err(|e| e.to_string())?;
            let args = ["-p", &dir.display().to_string(), "-c", "nginx.conf", "-e", "error.log"];
            (root.join("usr/sbin/nginx"), args.iter().map(|s| s.to_string()).collect())
        }
    };
    let log = std::fs::File::create(dir.join("server.log")).map_err(|e| e.to_string())?;
    let mut argv: Vec<String> = Vec::new();
    if kind == Server::Nchan {
        // nchan keeps large messages under /var/lib/nginx/body, a path its configuration cannot move: nginx runs in
        // its own mount namespace with an empty tmpfs there (nothing of the host's /var/lib is touched).
        argv.extend(
            ["unshare", "-m", "sh", "-c", "mount -t tmpfs tmpfs /var/lib && mkdir /var/lib/nginx && exec \"$@\"", "sh"]
                .map(String::from),
        );
    }
    if let Some(out) = callgrind {
        argv.push("valgrind".into());
        argv.push("--tool=callgrind".into());
        argv.push(format!("--callgrind-out-file={}", out.display()));
        argv.extend(["--dump-instr=no", "--dump-line=no", "--compress-strings=no"].map(String::from));
    }
    argv.push(exe.display().to_string());
    let mut cmd = std::process::Command::new(&argv[0]);
    cmd.args(&argv[1..]);
    let mut child = cmd
        .args(&args)
        .env(jeedomconnectd::config::APIKEY_ENV, PLUGIN_KEY)
        .stdout(log.try_clone().map_err(|e| e.to_string())?)
        .stderr(log)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", exe.display()))?;
    wait_port(public, &mut child, kind.name()).await?;
    let publisher = match kind {
        Server::Ours => {
            let mut c = Control::connect(ctl).await?;
            if let Some(api) = &api {
                c.devices(api, a.clients.max(a.cg_clients)).await?;
            }
            Publisher::Ours(c)
        }
        Server::Bare => {
            wait_port(ctl, &mut child, kind.name()).await?;
            let s = TcpStream::connect((Ipv4Addr::LOCALHOST, ctl)).await.map_err(|e| e.to_string())?;
            let _ = s.set_nodelay(true);
            Publisher::Bare(s)
        }
        Server::Nchan => {
            let s = TcpStream::connect((Ipv4Addr::LOCALHOST, public)).await.map_err(|e| e.to_string())?;
            let _ = s.set_nodelay(true);
            let (mut r, w) = s.into_split();
            // nchan answers every POST; read and drop the answers so that the connection never stalls.
            tokio::spawn(async move {
                let mut buf = vec![0u8; 16384];
                while matches!(r.read(&mut buf).await, Ok(n) if n > 0) {}
            });
            Publisher::Nchan(w)
        }
    };
    Ok(Running { kind, child, public, publisher, dir, _api: api })
}

impl Running {
    fn pid(&self) -> u32 {
        self.child.id()
    }

    async fn publish(&mut self, seq: u64, ch: u64) -> Result<(), BenchError> {
        let (ev, frame) = event_and_frame(seq, ch);
        let io = |e: std::io::Error| e.to_string();
        match &mut self.publisher {
            Publisher::Ours(c) => c.send(ev).await,
            Publisher::Bare(s) => Ok(s.write_all(format!("{ch} {frame}\n").as_bytes()).await.map_err(io)?),
            Publisher::Nchan(w) => {
                let req = format!(
                    "POST /pub?id={ch} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
                     Content-Length: {}\r\n\r\n{frame}",
                    frame.len()
                );
                Ok(w.write_all(req.as_bytes()).await.map_err(io)?)
            }
        }
    }

    async fn client(&self, i: usize, stride: u64) -> Result<Ws, BenchError> {
        let ch = (1..=stride).find(|c| (c + i as u64) % stride == 0).unwrap_or(1);
        match self.kind {
            Server::Ours => ws_client(i, self.public).await,
            _ => {
                let tcp = tcp_from(i, self.public).await?;
                let cfg = WebSocketConfig::default().read_buffer_size(4096).write_buffer_size(0);
                let url = format!("ws://127.0.0.1:{}/sub?id={ch}", self.public);
                let (ws, _) = tokio_tungstenite::client_async_with_config(url, tcp, Some(cfg))
                    .await
                    .map_err(|e| format!("handshake: {e}"))?;
                Ok(ws)
            }
        }
    }

    /// SIGTERM, then waits (a process under callgrind writes its profile as it exits).
    async fn stop(mut self) {
        let pid = nix::unistd::Pid::from_raw(self.pid() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(120);
        while !matches!(self.child.try_wait(), Ok(Some(_))) {
            if Instant::now() > deadline {
                let _ = nix::sys::signal::kill(pid, nix::sys::signal::SIGKILL);
                let _ = self.child.wait();
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Running {
    /// An SSE stream (nchan: EventSource), read up to the end of its headers (ours: up to its `SET_INFO`).
    async fn sse(&self, i: usize, stride: u64) -> Result<TcpStream, BenchError> {
        if self.kind == Server::Ours {
            return sse_client(i, self.public).await;
        }
        let ch = (1..=stride).find(|c| (c + i as u64) % stride == 0).unwrap_or(1);
        let mut s = tcp_from(i, self.public).await?;
        let req = format!("GET /sub?id={ch} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n");
        s.write_all(req.as_bytes()).await.map_err(|e| e.to_string())?;
        let mut seen = Vec::new();
        let mut buf = [0u8; 1024];
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = tokio::time::timeout_at(deadline, s.read(&mut buf))
                .await
                .map_err(|_| "no SSE headers")?
                .map_err(|e| e.to_string())?;
            if n == 0 {
                return Err("stream ended".into());
            }
            seen.extend_from_slice(&buf[..n]);
        }
        Ok(s)
    }
}

/// The same as [`wall`] over SSE streams (the daemon and nchan; the bare server has no SSE).
async fn wall_sse(kind: Server, a: &CompareArgs) -> Result<Wall, BenchError> {
    let stride = (1.0 / a.share).round().max(1.0) as u64;
    let n = a.clients;
    let mut s = start(kind, a, stride, None, Transport::Sse).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss0 = pid_rss(s.pid());
    let total = a.rate * a.secs;
    let sh = shared(total, a.rate.min(total / 4));
    let stop = CancellationToken::new();
    let streams = connect_all(n, |i| s.sse(i, stride)).await?.0;
    let readers: Vec<_> = streams.into_iter().map(|t| spawn_sse_reader(t, sh.clone(), stop.clone())).collect();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss1 = pid_rss(s.pid());
    let expected = expected_frames(n, stride, total);
    let cpu = publish_and_wait(&mut s, a, stride, &sh, expected).await?;
    stop.cancel();
    let mut all = Vec::new();
    for r in readers {
        all.extend(r.await.unwrap_or_default());
    }
    s.stop().await;
    let p = percentiles(all);
    Ok(Wall {
        p50: p.p50,
        p99: p.p99,
        delivered: sh.received.load(Ordering::Relaxed),
        expected,
        cpu_us_per_event: cpu * 1e6 / total as f64,
        rss_kib_per_conn: rss1.saturating_sub(rss0) as f64 / n as f64 / 1024.0,
        rss_after_kib: 0.0,
    })
}

/// Frames the clients should get for `total` events, event k going to channel k % stride + 1 and client i
/// listening to the channel c with (c + i) % stride == 0.
fn expected_frames(n: usize, stride: u64, total: u64) -> u64 {
    let per_ch: Vec<u64> =
        (1..=stride).map(|c| (0..n).filter(|i| (c + *i as u64) % stride == 0).count() as u64).collect();
    (0..total).map(|k| per_ch[(k % stride) as usize]).sum()
}

/// Publishes `a.rate × a.secs` events at `a.rate`/s, stamping each one's send time, then waits (15 s at most) until
/// the readers have counted `expected` frames; returns the server's CPU seconds over that time.
async fn publish_and_wait(
    s: &mut Running,
    a: &CompareArgs,
    stride: u64,
    sh: &Shared,
    expected: u64,
) -> Result<f64, BenchError> {
    let total = a.rate * a.secs;
    let cpu0 = pid_cpu_secs(s.pid());
    let t0 = tokio::time::Instant::now();
    let period = Duration::from_nanos(1_000_000_000 / a.rate);
    for k in 0..total {
        tokio::time::sleep_until(t0 + period * k as u32).await;
        sh.sent[k as usize].store(sh.now_ns(), Ordering::Release);
        s.publish(k, k % stride + 1).await?;
    }
    let deadline = Instant::now() + Duration::from_secs(15);
    while sh.received.load(Ordering::Relaxed) < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(pid_cpu_secs(s.pid()) - cpu0)
}

async fn connect(s: &Running, n: usize, stride: u64) -> Result<Vec<Ws>, BenchError> {
    Ok(connect_all(n, |i| s.client(i, stride)).await?.0)
}

fn shared(total: u64, warmup: u64) -> Arc<Shared> {
    Arc::new(Shared {
        start: Instant::now(),
        sent: (0..total).map(|_| AtomicU64::new(0)).collect(),
        warmup,
        received: AtomicU64::new(0),
        lost_connections: AtomicU64::new(0),
    })
}

/// Wall-clock figures of one server.
#[derive(Default, Clone)]
struct Wall {
    p50: f64,
    p99: f64,
    delivered: u64,
    expected: u64,
    cpu_us_per_event: f64,
    rss_kib_per_conn: f64,
    /// RSS above the one before the clients came, once they all left (and the server had time to give back).
    rss_after_kib: f64,
}

async fn wall(kind: Server, a: &CompareArgs) -> Result<Wall, BenchError> {
    let stride = (1.0 / a.share).round().max(1.0) as u64;
    let n = a.clients;
    let mut s = start(kind, a, stride, None, Transport::Ws).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss0 = pid_rss(s.pid());
    let total = a.rate * a.secs;
    let sh = shared(total, a.rate.min(total / 4));
    let stop = CancellationToken::new();
    let clients = connect(&s, n, stride).await?;
    let readers: Vec<_> = clients.into_iter().map(|ws| spawn_ws_reader(ws, sh.clone(), stop.clone())).collect();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss1 = pid_rss(s.pid());
    let expected = expected_frames(n, stride, total);
    let cpu = publish_and_wait(&mut s, a, stride, &sh, expected).await?;
    stop.cancel();
    let mut all = Vec::new();
    for r in readers {
        all.extend(r.await.unwrap_or_default());
    }
    // The readers own the sockets: they are closed now. What is left after the wave?
    tokio::time::sleep(Duration::from_secs(12)).await;
    let rss2 = pid_rss(s.pid());
    s.stop().await;
    let p = percentiles(all);
    Ok(Wall {
        p50: p.p50,
        p99: p.p99,
        delivered: sh.received.load(Ordering::Relaxed),
        expected,
        cpu_us_per_event: cpu * 1e6 / total as f64,
        rss_kib_per_conn: rss1.saturating_sub(rss0) as f64 / n as f64 / 1024.0,
        rss_after_kib: rss2.saturating_sub(rss0) as f64 / 1024.0,
    })
}

/// Total instructions (Ir) of a callgrind profile.
fn callgrind_total(path: &Path) -> Result<u64, BenchError> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    text.lines()
        .find_map(|l| l.strip_prefix("totals:").or_else(|| l.strip_prefix("summary:")))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .ok_or_else(|| format!("{}: no totals", path.display()).into())
}

/// One callgrind run: `clients` subscribers held `idle_secs`, then `events` events to channel `ch`.
async fn cg_run(kind: Server, a: &CompareArgs, clients: usize, events: u64, to_all: bool) -> Result<u64, BenchError> {
    let name = format!("{}-{clients}c-{events}e{}.callgrind", kind.short(), if to_all { "-all" } else { "" });
    let out = match &a.profiles {
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            dir.join(name)
        }
        None => std::env::temp_dir().join(format!("jcd-compare-{}-{name}", std::process::id())),
    };
    let mut s = start(kind, a, 1, Some(&out), Transport::Ws).await?;
    let sh = shared(events, 0);
    let stop = CancellationToken::new();
    let ws = connect(&s, clients, 1).await?;
    let readers: Vec<_> = ws.into_iter().map(|w| spawn_ws_reader(w, sh.clone(), stop.clone())).collect();
    tokio::time::sleep(Duration::from_secs(a.idle_secs)).await;
    // Channel 1 is every client's; channel 0 nobody's.
    let ch = if to_all { 1 } else { 0 };
    for k in 0..events {
        s.publish(k, ch).await?;
    }
    let expected = if to_all { events * clients as u64 } else { 0 };
    let deadline = Instant::now() + Duration::from_secs(300);
    while sh.received.load(Ordering::Relaxed) < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Let events nobody receives be processed too.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let got = sh.received.load(Ordering::Relaxed);
    s.stop().await;
    stop.cancel();
    for r in readers {
        let _ = r.await;
    }
    if got < expected {
        return Err(format!("{}: {got}/{expected} frames under callgrind", kind.name()).into());
    }
    let total = callgrind_total(&out);
    if a.profiles.is_none() {
        let _ = std::fs::remove_file(&out);
    }
    total
}

#[derive(Default, Clone)]
struct Instr {
    per_frame: f64,
    per_event: f64,
    per_conn: f64,
}

async fn instructions(kind: Server, a: &CompareArgs) -> Result<Instr, BenchError> {
    let (m, e) = (a.cg_clients, a.cg_events);
    let base = cg_run(kind, a, 0, 0, false).await?;
    let held = cg_run(kind, a, m, 0, false).await?;
    let none = cg_run(kind, a, m, e, false).await?;
    let all = cg_run(kind, a, m, e, true).await?;
    let d = |x: u64, y: u64| x as f64 - y as f64;
    Ok(Instr {
        per_conn: d(held, base) / m as f64,
        per_event: d(none, held) / e as f64,
        per_frame: d(all, none) / (e as f64 * m as f64),
    })
}

const USAGE: &str = "usage: jeedomconnect-bench compare [--clients 1000] [--rate 10] [--secs 10] [--share 1]
      [--cg-clients 100] [--cg-events 100] [--idle-secs 20] [--nchan-root DIR] [--no-callgrind] [--out FILE]
      [--daemon PATH] [--servers ours,nchan,bare] [--profiles DIR] [--callgrind-only]
  --callgrind-only: only the instruction counts (no wall-clock run; its columns are left at 0).
  --profiles: keep the callgrind profiles there (for callgrind_annotate), named <server>-<run>.callgrind.
  --append: add this run's results to --out instead of writing the file anew.
  --nchan-root: where Debian's nginx and libnginx-mod-nchan packages are unpacked (tools/bench/compare.sh does it);
                without it nchan is skipped.";

fn parse_compare(args: &[String]) -> Result<CompareArgs, BenchError> {
    let mut a = CompareArgs {
        clients: 1000,
        rate: 10,
        secs: 10,
        share: 1.0,
        cg_clients: 100,
        cg_events: 100,
        idle_secs: 20,
        nchan_root: None,
        no_callgrind: false,
        callgrind_only: false,
        servers: vec![Server::Ours, Server::Nchan, Server::Bare],
        profiles: None,
        out: None,
        append: false,
        daemon: std::env::current_exe().map_err(|e| e.to_string())?.with_file_name("jeedomconnectd"),
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        if flag == "--no-callgrind" || flag == "--append" || flag == "--callgrind-only" {
            a.no_callgrind |= flag == "--no-callgrind";
            a.callgrind_only |= flag == "--callgrind-only";
            a.append |= flag == "--append";
            continue;
        }
        let v = it.next().ok_or(format!("{flag} needs a value"))?;
        let num = || v.parse::<f64>().map_err(|_| format!("{flag}: '{v}' is not a number"));
        match flag.as_str() {
            "--clients" => a.clients = (num()? as usize).max(1),
            "--rate" => a.rate = (num()? as u64).clamp(1, 100_000),
            "--secs" => a.secs = (num()? as u64).clamp(1, 600),
            "--share" => a.share = num()?.clamp(0.0001, 1.0),
            "--cg-clients" => a.cg_clients = (num()? as usize).clamp(1, 10_000),
            "--cg-events" => a.cg_events = (num()? as u64).clamp(1, 100_000),
            "--idle-secs" => a.idle_secs = (num()? as u64).clamp(0, 600),
            "--nchan-root" => a.nchan_root = Some(v.into()),
            "--servers" => {
                a.servers = v
                    .split(',')
                    .map(|s| match s {
                        "ours" => Ok(Server::Ours),
                        "nchan" => Ok(Server::Nchan),
                        "bare" => Ok(Server::Bare),
                        _ => Err(format!("--servers: unknown server {s} (ours, nchan, bare)")),
                    })
                    .collect::<Result<_, _>>()?
            }
            "--out" => a.out = Some(v.into()),
            "--profiles" => a.profiles = Some(v.into()),
            "--daemon" => a.daemon = v.into(),
            _ => return Err(format!("unknown flag {flag}").into()),
        }
    }
    Ok(a)
}

/// `jeedomconnect-bench compare …`.
pub fn run(args: &[String]) -> ExitCode {
    let a = match parse_compare(args) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("jeedomconnect-bench compare: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    raise_nofile(2 * a.clients as u64 + 10_000);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(compare(&a));
    runtime.shutdown_timeout(Duration::from_secs(2));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("compare failed: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn compare(a: &CompareArgs) -> Result<(), BenchError> {
    let started = chrono::Utc::now();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let mut servers = a.servers.clone();
    if a.nchan_root.is_none() && servers.contains(&Server::Nchan) {
        servers.retain(|s| *s != Server::Nchan);
        println!("nchan skipped: no --nchan-root (tools/bench/compare.sh fetches Debian's packages)");
    }
    let mut rows = Vec::new();
    for &kind in &servers {
        let w = match if a.callgrind_only { Ok(Wall::default()) } else { wall(kind, a).await } {
            Ok(w) => w,
            Err(e) => {
                println!("{}: wall-clock run failed: {e}", kind.name());
                Wall::default()
            }
        };
        let i = if a.no_callgrind {
            None
        } else {
            match instructions(kind, a).await {
                Ok(i) => Some(i),
                Err(e) => {
                    println!("{}: callgrind runs failed: {e}", kind.name());
                    None
                }
            }
        };
        let f = |v: Option<f64>| v.map_or("–".to_string(), |v| format!("{v:.0}"));
        let row = format!(
            "| {} | {:.2} | {:.2} | {}/{} | {:.1} | {:.1} | {:.0} | {} | {} | {} |",
            kind.name(),
            w.p50,
            w.p99,
            w.delivered,
            w.expected,
            w.cpu_us_per_event,
            w.rss_kib_per_conn,
            w.rss_after_kib,
            f(i.as_ref().map(|i| i.per_frame)),
            f(i.as_ref().map(|i| i.per_event)),
            f(i.as_ref().map(|i| i.per_conn)),
        );
        println!("{row}");
        rows.push(row);
    }
    let mut sse_rows = Vec::new();
    for &kind in servers.iter().filter(|k| **k != Server::Bare && !a.callgrind_only) {
        match wall_sse(kind, a).await {
            Ok(w) => {
                let row = format!(
                    "| {} | {:.2} | {:.2} | {}/{} | {:.1} | {:.1} |",
                    kind.name(),
                    w.p50,
                    w.p99,
                    w.delivered,
                    w.expected,
                    w.cpu_us_per_event,
                    w.rss_kib_per_conn
                );
                println!("SSE {row}");
                sse_rows.push(row);
            }
            Err(e) => println!("{}: SSE run failed: {e}", kind.name()),
        }
    }
    let stride = (1.0 / a.share).round().max(1.0) as u64;
    let md = format!(
        "{}\n\n## Results of {}\n\nMachine: {}. Load average when the run started: {}. \
         Wall clock: {} WebSocket clients, {} events/s for {} s, each event to {:.0}% of them. {}\n\n\
         | server | p50 ms | p99 ms | delivered/expected | CPU µs per event | RSS KiB per connection | \
         RSS KiB left 12 s after they left | instructions per delivered frame | per event | per connection |\n\
         |---|---|---|---|---|---|---|---|---|---|\n{}\n\n\
         The same over SSE (EventSource; the bare server has none), wall clock:\n\n\
         | server | p50 ms | p99 ms | delivered/expected | CPU µs per event | RSS KiB per stream |\n\
         |---|---|---|---|---|---|\n{}\n",
        if a.append { "" } else { COMPARE_INTRO },
        started.format("%Y-%m-%d %H:%M UTC"),
        machine(),
        {
            let avg = load.split_whitespace().take(3).collect::<Vec<_>>().join(" ");
            let busy = load.split_whitespace().next().and_then(|l| l.parse::<f64>().ok()).is_some_and(|l| l > 0.5);
            if busy {
                format!("{avg} (other processes were running: the wall-clock figures include their load)")
            } else {
                avg
            }
        },
        a.clients,
        a.rate,
        a.secs,
        100.0 / stride as f64,
        if a.no_callgrind {
            "Instructions: not measured in this run (--no-callgrind).".to_string()
        } else {
            format!("Instructions: {} clients held {} s, {} events.", a.cg_clients, a.idle_secs, a.cg_events)
        },
        rows.join("\n"),
        sse_rows.join("\n"),
    );
    match &a.out {
        Some(p) => {
            let written = if a.append {
                use std::io::Write;
                std::fs::OpenOptions::new().append(true).open(p).and_then(|mut f| f.write_all(md.as_bytes()))
            } else {
                std::fs::write(p, &md)
            };
            written.map_err(|e| format!("cannot write {}: {e}", p.display()))?;
            println!("written to {}", p.display());
        }
        None => println!("{md}"),
    }
    Ok(())
}

const COMPARE_INTRO: &str = "# Benchmarks

Written by `tools/bench/compare.sh` (the daemon, nchan and a bare broadcast server side by side; see the README):

```sh
tools/bench/compare.sh --out BENCHMARKS.md --clients 1000 --rate 10 --secs 10
tools/bench/compare.sh --out BENCHMARKS.md --append --no-callgrind --clients 10000 --share 0.1 --rate 10 --secs 10
```

How it measures (`tools/bench/src/compare.rs` says it in full): the same WebSocket client and the same frames for
the three servers. The daemon (`jeedomconnectd`, release build, a fresh data directory, a fake plugin API)
gets each event as an `EVENTS` line on its control socket and journals it (SQLite commit) before the fan-out;
nchan (Debian's `nginx` + `libnginx-mod-nchan`, one nginx process in its own temporary prefix) gets a
`POST /pub?id=<channel>`; `jeedomconnect-bare` (a tokio-tungstenite broadcast server, the floor) gets a line.
Latency runs from the publish to the frame read by the client; CPU is the server's user+system time over the
sending window divided by the events sent; RSS per connection is VmRSS with the clients connected minus before,
over their number; what is \"left\" is VmRSS above that first figure 12 s after every client closed (memory given
back, or not). Instructions are callgrind's (user space, deterministic, independent of the machine's load):
four runs per server (no client; M clients held; plus E events nobody receives; plus E events to all), and their
differences give the instructions per connection (set-up + the idle window), per event and per delivered frame.
Wall-clock figures depend on the machine's load, stated with each run; instruction counts do not.";
