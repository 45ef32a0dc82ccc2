//! The process: command line, key sources, logs, pid file, signals, ports in use.

mod common;

use std::time::{Duration, Instant};

use common::*;

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// `[YYYY-MM-DD HH:MM:SS][LEVEL] : message`
fn is_jeedom_log_line(l: &str) -> bool {
    let b = l.as_bytes();
    if b.len() < 26 || b[0] != b'[' || b[20] != b']' || b[21] != b'[' {
        return false;
    }
    let date = &l[1..20];
    let digits_ok = date.char_indices().all(|(i, c)| match i {
        4 | 7 => c == '-',
        10 => c == ' ',
        13 | 16 => c == ':',
        _ => c.is_ascii_digit(),
    });
    let Some(end) = l[22..].find(']') else { return false };
    let level = &l[22..22 + end];
    digits_ok
        && ["DEBUG", "INFO", "NOTICE", "WARNING", "ERROR", "CRITICAL"].contains(&level)
        && l[22 + end..].starts_with("] : ")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn version_flag_prints_version_and_exits_0() {
    let (st, out) = run_to_exit(&strs(&["--version"]), None, Duration::from_secs(5)).await;
    assert!(st.success(), "--version exit status {st}; output {out}");
    assert_eq!(out.trim(), concat!("jeedomconnectd ", env!("CARGO_PKG_VERSION")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_key_refuses_to_start_with_a_clear_message() {
    let dir = TestDir::new("nokey");
    let cfg = DaemonCfg::new("unused", "http://127.0.0.1:9/", dir.path());
    let cfg = DaemonCfg { key_via: KeyVia::None, ..cfg };
    let (st, out) = run_to_exit(&Daemon::args(&cfg), None, Duration::from_secs(5)).await;
    assert!(!st.success(), "must fail without a key; output {out}");
    assert!(out.to_lowercase().contains("key"), "the message should say the key is missing: {out}");
    assert!(health(cfg.ws_port).await.is_none(), "nothing listening");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apikey_file_works_and_apikey_argument_is_warned_about() {
    let api = FakeApi::start().await;
    let dir = TestDir::new("keyfile");
    let key = plugin_key();
    let cfg = DaemonCfg { key_via: KeyVia::File, ..DaemonCfg::new(&key, &api.callback_url(), dir.path()) };
    let d = Daemon::start(cfg).await; // ready = STATUS answered with this key
    assert!(!d.logs().contains(&key));
    drop(d);

    let dir2 = TestDir::new("keyarg");
    let cfg = DaemonCfg { key_via: KeyVia::Arg, ..DaemonCfg::new(&key, &api.callback_url(), dir2.path()) };
    let d = Daemon::start(cfg).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let logs = d.logs();
    assert!(logs.contains("[WARNING]"), "--apikey on the command line should be warned about:\n{logs}");
    assert!(logs.to_lowercase().contains("apikey"), "the warning should name --apikey:\n{logs}");
    assert!(!logs.contains(&key), "key leaked in the warning:\n{logs}");

    // a group/world-readable key file is refused
    let dir3 = TestDir::new("keyfile644");
    let f = dir3.path().join("k");
    std::fs::write(&f, &key).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut args =
        Daemon::args(&DaemonCfg { key_via: KeyVia::None, ..DaemonCfg::new(&key, &api.callback_url(), dir3.path()) });
    args.push("--apikey-file".into());
    args.push(f.to_string_lossy().into());
    let (st, out) = run_to_exit(&args, None, Duration::from_secs(5)).await;
    assert!(!st.success(), "a 0644 key file must be refused: {out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_arguments_are_warned_not_fatal() {
    let api = FakeApi::start().await;
    let dir = TestDir::new("unknown");
    let cfg = DaemonCfg::new(&plugin_key(), &api.callback_url(), dir.path()).arg("--trace", "1").arg("--cycle", "0.5");
    let d = Daemon::start(cfg).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let logs = d.logs();
    let warn_lines: Vec<&str> = logs.lines().filter(|l| l.contains("[WARNING]")).collect();
    assert!(warn_lines.iter().any(|l| l.contains("--trace")), "unknown --trace should be warned about:\n{logs}");
    assert!(warn_lines.iter().any(|l| l.contains("--cycle")), "unknown --cycle should be warned about:\n{logs}");
}

async fn signal_case(sig: nix::sys::signal::Signal) {
    let env = Env::start(&[]).await;
    let pid_file = env.daemon.cfg.pid_file();
    let pid_text = std::fs::read_to_string(&pid_file).expect("pid file written at start");
    assert_eq!(pid_text.trim(), env.daemon.pid.to_string(), "pid file content");
    let (mut a, _) = env.ws_device(&DeviceSpec::ws(&device_key())).await;
    let (mut b, _) = env.ws_device(&DeviceSpec::ws(&device_key())).await;
    // open SSE stream, idle control connection and idle HTTP keep-alive must not hold the exit back
    let s = DeviceSpec::sse(&device_key());
    env.daemon.devices(vec![s.record()], false).await;
    let mut sse = Sse::open(env.daemon.cfg.ws_port, &s.key, None).await;
    assert_eq!(sse.next_msg(WAIT).await.msg["type"], "SET_INFO");
    let _idle_ctl = Ctl::connect(env.daemon.cfg.ctl_port).await;
    let _idle_tcp = tokio::net::TcpStream::connect(("127.0.0.1", env.daemon.cfg.ws_port)).await.unwrap();
    let Env { api: _api, mut daemon, dir: _dir } = env;
    let t0 = Instant::now();
    daemon.signal(sig);
    let st = daemon.wait_exit(Duration::from_secs(3)).await;
    let took = t0.elapsed();
    let st = st.unwrap_or_else(|| panic!("{sig:?}: still running after 3 s\n{}", daemon.logs()));
    // contract: within 1 s (margin for a loaded 2-core CI machine)
    assert!(took < Duration::from_millis(1500), "{sig:?}: exit took {took:?}");
    assert!(st.success(), "{sig:?}: clean exit expected, got {st}");
    for ws in [&mut a, &mut b] {
        let (_, code) = ws.expect_close(Duration::from_secs(2)).await;
        assert_eq!(code, Some(1001), "{sig:?}: clients get a close frame 1001 (going away)");
    }
    assert!(!pid_file.exists(), "{sig:?}: pid file must be removed on exit");
    sse.expect_end(Duration::from_secs(2)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_closes_clients_1001_removes_pid_file_and_exits_quickly() {
    signal_case(nix::sys::signal::Signal::SIGTERM).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_closes_clients_1001_removes_pid_file_and_exits_quickly() {
    signal_case(nix::sys::signal::Signal::SIGINT).await;
}

async fn port_taken_case(which: &str) {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let dir = TestDir::new("porttaken");
    let mut cfg = DaemonCfg::new(&plugin_key(), "http://127.0.0.1:9/", dir.path());
    if which == "ws" {
        cfg.ws_port = port;
    } else {
        cfg.ctl_port = port;
    }
    let (st, out) = run_to_exit(&Daemon::args(&cfg), Some(&cfg.key), Duration::from_secs(5)).await;
    assert!(!st.success(), "{which} port taken: must fail; output {out}");
    assert!(out.contains(&port.to_string()), "{which}: message should name port {port}: {out}");
    assert!(out.to_lowercase().contains("in use"), "{which}: message should say 'in use': {out}");
    assert!(!cfg.pid_file().exists(), "{which}: no pid file left behind");
    drop(taken);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_port_taken_is_a_clear_error() {
    port_taken_case("ws").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_port_taken_is_a_clear_error() {
    port_taken_case("ctl").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_use_jeedom_format_and_never_show_the_plugin_key_or_a_full_device_key() {
    let env = Env::start(&[]).await; // --loglevel debug
    let dev = DeviceSpec::ws(&device_key());
    let (mut ws, _) = env.ws_device(&dev).await;
    ws.request("1", "CMD_EXEC", json!({"id": "12"})).await;
    ws.assert_usable("e").await;
    env.daemon.push(&dev.key, json!({"type": "ACTIONS", "payload": {"action": "screenOn"}})).await;
    let _ = ws.recv_json(WAIT).await;
    env.daemon.devices(vec![dev.record()], false).await;
    env.daemon.events(events_msg(vec![cmd_item("12", "1")], vec![], vec![])).await;
    let _ = ws.recv_json(WAIT).await;
    let _ = ctl_request(env.daemon.cfg.ctl_port, &json!({"type": "STATUS", "jeedomApiKey": "bad"})).await;
    ws.close().await;
    env.api.wait_request(WAIT, "DISCONNECT", |_| true).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let logs = env.daemon.logs();
    assert!(logs.lines().count() >= 3, "debug level should log something:\n{logs}");
    for l in logs.lines().filter(|l| !l.trim().is_empty()) {
        assert!(is_jeedom_log_line(l), "not in Jeedom's log format: {l:?}");
    }
    assert!(!logs.contains(env.key()), "plugin key in the logs:\n{logs}");
    assert!(!logs.contains(&dev.key), "full device apiKey in the logs:\n{logs}");
    // and with --loglevel error, nothing below ERROR
    let dir = TestDir::new("lvl");
    let mut cfg = DaemonCfg::new(&plugin_key(), &env.api.callback_url(), dir.path());
    cfg.loglevel = "error".into();
    let d = Daemon::start(cfg).await;
    let (mut w2, _) = {
        let mut w = Ws::connect(d.cfg.ws_port).await;
        let dv = DeviceSpec::ws(&device_key());
        env.api.add_device(dv.clone());
        let f = w.connect_device(&dv.key, "x").await;
        (w, f)
    };
    w2.assert_usable("lvl").await;
    let logs = d.logs();
    for l in logs.lines() {
        assert!(
            !(l.contains("[DEBUG]") || l.contains("[INFO]") || l.contains("[NOTICE]")),
            "below --loglevel error: {l}"
        );
    }
}
