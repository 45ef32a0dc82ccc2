//! The event pipeline: journal + cursors, device filters, fan-out to WS / SSE / polling, resume,
//! overflow, slow readers, queued pushes, restart after kill -9, device changes.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;

fn close_to(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-5
}

fn values(items: &[Value]) -> Vec<String> {
    items.iter().map(|i| i["value"].as_str().unwrap_or("?").to_string()).collect()
}

fn expected_values(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("v{i}")).collect()
}

/// `GET_EVENTS` through `POST /rpc`; returns `result`.
async fn poll(d: &Daemon, key: &str, config_version: i64, last: f64) -> Value {
    let ans = d
        .rpc(
            "GET_EVENTS",
            json!("p"),
            json!({"apiKey": key, "configVersion": config_version, "lastReadTimestamp": last,
                   "lastHistoricReadTimestamp": now_secs()}),
        )
        .await;
    assert_eq!(ans["jsonrpc"], "2.0", "{ans}");
    assert_eq!(ans["id"], "p", "{ans}");
    ans["result"].clone()
}

/// Poll from `last` until a poll brings no cmd item; returns the cmd items and the last DATETIME.
async fn poll_all(d: &Daemon, key: &str, cv: i64, mut last: f64) -> (Vec<Value>, f64) {
    let mut items = Vec::new();
    for _ in 0..50 {
        let r = poll(d, key, cv, last).await;
        assert_eq!(r["type"], "SET_EVENTS", "poll answer: {r}");
        last = set_events_datetime(&r).unwrap_or_else(|| panic!("SET_EVENTS without DATETIME: {r}"));
        let got = set_events_list(&r, "CMD_INFO");
        if got.is_empty() {
            return (items, last);
        }
        items.extend(got);
    }
    panic!("polling never drained");
}

// -------------------------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cursors_are_strictly_increasing_floats() {
    let env = Env::start(&[]).await;
    let t0 = now_f64();
    let (_, msgs) = numbered_events(30);
    let mut cursors = env.daemon.events_batch(msgs).await;
    // several items in one message: the ack is the cursor of the last one
    cursors.push(
        env.daemon
            .events(events_msg(vec![cmd_item("1", "a"), cmd_item("2", "b")], vec![sc_item("7", "x")], vec![]))
            .await,
    );
    for w in cursors.windows(2) {
        assert!(w[1] > w[0], "cursors not strictly increasing: {cursors:?}");
    }
    assert!(cursors[0] > t0 - 5.0 && cursors[0] < now_f64() + 5.0, "cursor is not unix seconds: {}", cursors[0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_reach_ws_sse_and_polling_clients_and_not_a_client_lacking_them() {
    let env = Env::start(&[]).await;
    let a = DeviceSpec::ws(&device_key());
    let b = DeviceSpec::ws(&device_key()).with_cmds(["99"]).with_scenarios(["8"], false).with_objects(["4"]);
    let c = DeviceSpec::sse(&device_key());
    let p = DeviceSpec::polling(&device_key());
    env.daemon.devices(vec![c.record(), p.record()], false).await;
    let (mut wa, _) = env.ws_device(&a).await;
    let (mut wb, _) = env.ws_device(&b).await;
    let mut sse = Sse::open(env.daemon.cfg.ws_port, &c.key, None).await;
    let first = sse.next_msg(WAIT).await;
    assert_eq!(first.msg["type"], "SET_INFO", "{:?}", first.raw);
    let p0 = poll(&env.daemon, &p.key, p.config_version, now_f64()).await;
    let p_cursor = set_events_datetime(&p0).unwrap_or_else(|| panic!("first poll: {p0}"));

    let cursor = env
        .daemon
        .events(events_msg(
            vec![cmd_item("12", "21.5"), cmd_item("13", "nobody")],
            vec![sc_item("7", "in progress"), sc_item("9", "other")],
            vec![obj_item("3", 21.4), obj_item("5", 1.0), obj_item("global", 20.0)],
        ))
        .await;

    // WS A: split frames, filtered, no id
    let frames = wa
        .collect_until(WAIT, "CMD_INFO, SC_INFO and OBJ_INFO frames", |f| {
            ["CMD_INFO", "SC_INFO", "OBJ_INFO"].iter().all(|t| f.iter().any(|v| v["type"] == *t))
        })
        .await;
    for f in &frames {
        assert!(f.get("id").is_none(), "event frames carry no id: {f}");
        assert!(f["payload"].as_array().is_some_and(|p| !p.is_empty()), "only non-empty frames: {f}");
        assert!(f.get("jeedomApiKey").is_none());
    }
    let cmds = frame_items(&frames, "CMD_INFO");
    assert_eq!(cmds.len(), 1, "cmd 13 is not in A's filter: {frames:?}");
    assert_eq!((cmds[0]["id"].clone(), cmds[0]["value"].clone()), (json!("12"), json!("21.5")));
    assert_eq!(cmds[0]["history"]["tendance"], "stable", "item passed as is: {}", cmds[0]);
    let scs = frame_items(&frames, "SC_INFO");
    assert_eq!(scs.iter().map(|s| s["id"].clone()).collect::<Vec<_>>(), vec![json!("7")]);
    let mut objs: Vec<_> =
        frame_items(&frames, "OBJ_INFO").iter().map(|o| o["object_id"].as_str().unwrap().to_string()).collect();
    objs.sort();
    assert_eq!(objs, ["3", "global"], "objects: A's room + global");
    wa.expect_silence(Duration::from_millis(300)).await;

    // WS B lacks cmd 12, scenario 7, object 3: only the global object reaches it
    let fb = wb.collect_until(WAIT, "the global OBJ_INFO", |f| !f.is_empty()).await;
    wb.expect_silence(Duration::from_millis(400)).await;
    assert_eq!(fb.len(), 1, "B: {fb:?}");
    assert_eq!(fb[0]["type"], "OBJ_INFO", "B must not get cmd/scenario items: {fb:?}");
    let ids: Vec<_> = fb[0]["payload"].as_array().unwrap().iter().map(|o| o["object_id"].clone()).collect();
    assert_eq!(ids, vec![json!("global")]);

    // SSE C: one SET_EVENTS with the five items, id = cursor
    let ev = sse.next_msg(WAIT).await;
    ev.assert_exact_format();
    assert_eq!(ev.msg["type"], "SET_EVENTS", "{:?}", ev.raw);
    let id: f64 =
        ev.id.as_deref().unwrap_or_else(|| panic!("SET_EVENTS without id line: {:?}", ev.raw)).parse().unwrap();
    assert!(close_to(id, cursor), "SSE id {id} vs ack cursor {cursor}");
    let kinds: Vec<_> =
        ev.msg["payload"].as_array().unwrap().iter().map(|i| i["type"].as_str().unwrap().to_string()).collect();
    assert_eq!(kinds, ["DATETIME", "HIST_DATETIME", "CMD_INFO", "SC_INFO", "OBJ_INFO"], "{}", ev.msg);
    assert!(close_to(set_events_datetime(&ev.msg).unwrap(), cursor), "DATETIME = cursor: {}", ev.msg);
    assert_eq!(values(&set_events_list(&ev.msg, "CMD_INFO")), ["21.5"]);
    assert_eq!(set_events_list(&ev.msg, "SC_INFO").len(), 1);
    assert_eq!(set_events_list(&ev.msg, "OBJ_INFO").len(), 2);

    // polling P
    let r = poll(&env.daemon, &p.key, p.config_version, p_cursor).await;
    assert_eq!(r["type"], "SET_EVENTS", "{r}");
    assert_eq!(values(&set_events_list(&r, "CMD_INFO")), ["21.5"], "{r}");
    let kinds: Vec<_> =
        r["payload"].as_array().unwrap().iter().map(|i| i["type"].as_str().unwrap_or("?").to_string()).collect();
    assert_eq!(
        kinds,
        ["DATETIME", "HIST_DATETIME", "CMD_INFO", "SC_INFO", "OBJ_INFO"],
        "polling SET_EVENTS items: {r}"
    );
    assert_eq!(set_events_list(&r, "SC_INFO").len(), 1, "{r}");
    assert_eq!(set_events_list(&r, "OBJ_INFO").len(), 2, "room 3 + global: {r}");
    assert!(set_events_datetime(&r).unwrap() >= cursor - 1e-6, "DATETIME must reach the new cursor: {r}");
    let again = poll(&env.daemon, &p.key, p.config_version, set_events_datetime(&r).unwrap()).await;
    assert!(set_events_list(&again, "CMD_INFO").is_empty(), "nothing twice: {again}");

    // EVENTS_SINCE for B: filtered the same way
    let since = env.daemon.events_since(&b.key, json!(cursor - 1e-6)).await;
    assert_eq!(since["overflow"], json!(false), "{since}");
    assert!(since["cmds"].as_array().is_some_and(|c| c.is_empty()), "{since}");
    assert!(since["scenarios"].as_array().is_some_and(|c| c.is_empty()), "{since}");
    assert_eq!(since["objects"].as_array().map(|o| o.len()), Some(1), "{since}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sc_all_device_gets_every_scenario() {
    let env = Env::start(&[]).await;
    let a = DeviceSpec::ws(&device_key()).with_scenarios(Vec::<String>::new(), true);
    let (mut wa, _) = env.ws_device(&a).await;
    env.daemon.events(events_msg(vec![], vec![sc_item("7", "a"), sc_item("123", "b")], vec![])).await;
    let f = wa.recv_json(WAIT).await;
    assert_eq!(f["type"], "SC_INFO", "{f}");
    assert_eq!(f["payload"].as_array().map(|p| p.len()), Some(2), "scAll: all scenarios: {f}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ws_reconnect_resumes_exactly_the_100_missed_events_in_order() {
    let env = Env::start(&[]).await;
    let (ids, msgs) = numbered_events(100);
    let dev = DeviceSpec::ws(&device_key()).with_cmds(ids.iter().cloned().chain(["12".to_string()]));
    let (mut ws, _) = env.ws_device(&dev).await;
    env.daemon.events(events_msg(vec![cmd_item("12", "before")], vec![], vec![])).await;
    let f = ws.recv_json(WAIT).await;
    assert_eq!(values(&frame_items(&[f], "CMD_INFO")), ["before"]);
    ws.close().await;
    env.api.wait_request(WAIT, "DISCONNECT", |r| r.api_key() == Some(&dev.key)).await;

    env.daemon.events_batch(msgs).await;

    let mut ws = Ws::connect(env.daemon.cfg.ws_port).await;
    let first = ws.connect_device(&dev.key, "again").await;
    assert_eq!(first["type"], "WELCOME", "WELCOME comes first: {first}");
    let frames = ws
        .collect_until(Duration::from_secs(8), "100 resumed items", |f| frame_items(f, "CMD_INFO").len() >= 100)
        .await;
    ws.expect_silence(Duration::from_millis(500)).await;
    assert!(frames.iter().all(|f| f["type"] == "CMD_INFO"), "only CMD_INFO frames expected: {frames:?}");
    assert_eq!(values(&frame_items(&frames, "CMD_INFO")), expected_values(100), "exactly the missed events, in order");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ws_get_events_with_last_read_timestamp_answers_split_frames_after_the_cursor() {
    let env = Env::start(&[]).await;
    let (ids, msgs) = numbered_events(10);
    let dev = DeviceSpec::ws(&device_key()).with_cmds(ids);
    let (mut ws, _) = env.ws_device(&dev).await;
    let cursors = env.daemon.events_batch(msgs).await;
    let live = ws.collect_until(WAIT, "10 live items", |f| frame_items(f, "CMD_INFO").len() >= 10).await;
    assert_eq!(values(&frame_items(&live, "CMD_INFO")), expected_values(10));
    ws.request(
        "ge",
        "GET_EVENTS",
        json!({"configVersion": dev.config_version, "lastReadTimestamp": cursors[4],
                                          "lastHistoricReadTimestamp": now_secs()}),
    )
    .await;
    let frames = ws.collect_until(WAIT, "5 items after cursor[4]", |f| frame_items(f, "CMD_INFO").len() >= 5).await;
    ws.expect_silence(Duration::from_millis(400)).await;
    assert_eq!(values(&frame_items(&frames, "CMD_INFO")), ["v5", "v6", "v7", "v8", "v9"]);
    assert!(env.api.requests_of("GET_EVENTS").is_empty(), "GET_EVENTS is answered by the daemon, not relayed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sse_reconnect_with_last_event_id_resumes_exactly_the_100_missed_events() {
    let env = Env::start(&[]).await;
    let (ids, msgs) = numbered_events(100);
    let dev = DeviceSpec::sse(&device_key()).with_cmds(ids.iter().cloned().chain(["12".to_string()]));
    env.daemon.devices(vec![dev.record()], false).await;
    let mut sse = Sse::open(env.daemon.cfg.ws_port, &dev.key, None).await;
    assert_eq!(sse.next_msg(WAIT).await.msg["type"], "SET_INFO");
    env.daemon.events(events_msg(vec![cmd_item("12", "before")], vec![], vec![])).await;
    let ev = sse.next_msg(WAIT).await;
    let last_id = ev.id.clone().unwrap_or_else(|| panic!("no id line: {:?}", ev.raw));
    drop(sse);
    env.api
        .wait_request(WAIT, "SET_APPSTATE", |r| r.api_key() == Some(&dev.key) && r.params["state"] == "background")
        .await;

    let cursors = env.daemon.events_batch(msgs).await;

    let infos_before = env.api.requests_of("GET_INFO").len();
    let mut sse = Sse::open(env.daemon.cfg.ws_port, &dev.key, Some(&last_id)).await;
    let mut items = Vec::new();
    let mut last_seen_id = None;
    while items.len() < 100 {
        let ev = sse.next_msg(Duration::from_secs(8)).await;
        ev.assert_exact_format();
        assert_eq!(ev.msg["type"], "SET_EVENTS", "resume must not start with SET_INFO: {:?}", ev.raw);
        let id: f64 =
            ev.id.as_deref().unwrap_or_else(|| panic!("resumed event without id: {:?}", ev.raw)).parse().unwrap();
        if let Some(prev) = last_seen_id {
            assert!(id > prev, "ids must increase");
        }
        last_seen_id = Some(id);
        items.extend(set_events_list(&ev.msg, "CMD_INFO"));
    }
    assert_eq!(values(&items), expected_values(100), "exactly the missed events in order");
    assert!(close_to(last_seen_id.unwrap(), cursors[99]), "last id = last cursor");
    match sse.next(Duration::from_millis(500)).await {
        Err(_) => {}
        Ok(Some(e)) if e.msg.get("event").is_some() => {}
        other => panic!("nothing more expected, got {other:?}"),
    }
    assert_eq!(env.api.requests_of("GET_INFO").len(), infos_before, "no SET_INFO/GET_INFO on resume");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polling_with_last_read_timestamp_gets_exactly_the_100_missed_events() {
    let env = Env::start(&[]).await;
    let (ids, msgs) = numbered_events(100);
    let dev = DeviceSpec::polling(&device_key()).with_cmds(ids.iter().cloned().chain(["12".to_string()]));
    env.daemon.devices(vec![dev.record()], false).await;
    let c0 = env.daemon.events(events_msg(vec![cmd_item("12", "before")], vec![], vec![])).await;
    let cursors = env.daemon.events_batch(msgs).await;
    let (items, last) = poll_all(&env.daemon, &dev.key, dev.config_version, c0).await;
    assert_eq!(values(&items), expected_values(100));
    assert!(close_to(last, cursors[99]) || last > cursors[99], "final DATETIME {last} vs last cursor {}", cursors[99]);

    let since = env.daemon.events_since(&dev.key, json!(c0)).await;
    assert_eq!(since["overflow"], json!(false), "{since}");
    assert_eq!(values(since["cmds"].as_array().unwrap()), expected_values(100), "EVENTS_SINCE: {since}");
    assert!(since["cursor"].as_f64().is_some_and(|c| close_to(c, cursors[99]) || c > cursors[99]), "{since}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polling_semantics_inactive_config_version_and_other_methods() {
    let env = Env::start(&[]).await;
    let mut dev = DeviceSpec::polling(&device_key());
    dev.app_state = "background".into();
    env.daemon.devices(vec![dev.record()], false).await;
    env.api.add_device(dev.clone());
    let c0 = env.daemon.events(events_msg(vec![cmd_item("12", "x")], vec![], vec![])).await;
    let r = poll(&env.daemon, &dev.key, dev.config_version, c0 - 1e-6).await;
    assert_eq!(r, json!("ok"), "app not active → \"ok\"");

    dev.app_state = "active".into();
    env.daemon.devices(vec![dev.record()], false).await;
    let r = poll(&env.daemon, &dev.key, dev.config_version + 1, c0 - 1e-6).await;
    assert_eq!(r["type"], "CONFIG_AND_INFOS", "configVersion differs → relayed to the API: {r}");
    let g = env.api.wait_request(WAIT, "GET_EVENTS", |r| r.api_key() == Some(&dev.key)).await;
    assert_eq!(g.query_apikey.as_deref(), Some(env.key()));

    let r = poll(&env.daemon, &dev.key, dev.config_version, c0 - 1e-6).await;
    assert_eq!(values(&set_events_list(&r, "CMD_INFO")), ["x"], "{r}");

    // other methods are relayed; null → "ok"; the id is echoed
    let ans = env.daemon.rpc("CMD_EXEC", json!(42), json!({"apiKey": dev.key, "id": "12"})).await;
    assert_eq!(ans, json!({"jsonrpc": "2.0", "id": 42, "result": "ok"}));
    let e = env.api.wait_request(WAIT, "CMD_EXEC", |r| r.api_key() == Some(&dev.key)).await;
    assert_eq!(e.query_apikey.as_deref(), Some(env.key()));
    let ans = env.daemon.rpc("ECHO", json!("e"), json!({"apiKey": dev.key, "z": 1})).await;
    assert_eq!(ans["result"]["type"], "ECHO", "{ans}");
    assert_eq!(ans["result"]["payload"]["params"]["z"], 1, "{ans}");
    assert!(!ans.to_string().contains(env.key()), "plugin key leaked: {ans}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cursor_older_than_retention_gives_overflow_or_full_snapshot_never_a_partial_list() {
    let env = Env::start(&["--retention-events", "10"]).await;
    let (ids, msgs) = numbered_events(50);
    let all_cmds: Vec<String> = ids.iter().cloned().chain(["12".to_string()]).collect();
    let p = DeviceSpec::polling(&device_key()).with_cmds(all_cmds.clone());
    let s = DeviceSpec::sse(&device_key()).with_cmds(all_cmds.clone());
    env.daemon.devices(vec![p.record(), s.record()], false).await;
    env.api.add_device(p.clone());
    env.api.add_device(s.clone());
    let c0 = env.daemon.events(events_msg(vec![cmd_item("12", "before")], vec![], vec![])).await;
    let cursors = env.daemon.events_batch(msgs).await;

    // EVENTS_SINCE: either the whole 50 or overflow with empty lists; overflow must come (journal keeps ~10)
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let since = env.daemon.events_since(&p.key, json!(c0)).await;
        if since["overflow"] == json!(true) {
            for k in ["cmds", "scenarios", "objects"] {
                assert!(since[k].as_array().is_some_and(|l| l.is_empty()), "overflow with a partial {k} list: {since}");
            }
            assert!(since["cursor"].as_f64().is_some_and(|c| c >= cursors[49] - 1e-5), "{since}");
            break;
        }
        assert_eq!(values(since["cmds"].as_array().unwrap()), expected_values(50), "partial resume: {since}");
        assert!(tokio::time::Instant::now() < deadline, "--retention-events 10 but 50 events still kept after 5 s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // polling: a full snapshot from the API's GET_INFO, no journal fragment
    let r = poll(&env.daemon, &p.key, p.config_version, c0).await;
    env.api.wait_request(WAIT, "GET_INFO", |r| r.api_key() == Some(&p.key)).await;
    let text = r.to_string();
    assert!(text.contains("SNAPSHOT"), "overflow must answer the full snapshot: {r}");
    let vals = values(&set_events_list(&r, "CMD_INFO"));
    assert!(vals.iter().all(|v| !v.starts_with('v')), "journal items mixed into a snapshot: {r}");
    if r["type"] == "SET_EVENTS" {
        let dt = set_events_datetime(&r).unwrap_or_else(|| panic!("no DATETIME: {r}"));
        assert!(dt >= cursors[49] - 1e-5, "snapshot DATETIME must be the current cursor: {r}");
    }

    // SSE: Last-Event-ID too old → SET_INFO snapshot, not a partial resume
    let mut sse = Sse::open(env.daemon.cfg.ws_port, &s.key, Some(&c0.to_string())).await;
    let first = sse.next_msg(WAIT).await;
    assert_eq!(first.msg["type"], "SET_INFO", "overflowed Last-Event-ID: {:?}", first.raw);
    match sse.next(Duration::from_millis(500)).await {
        Err(_) => {}
        Ok(Some(e)) => assert!(
            e.msg.get("event").is_some() || !e.msg.to_string().contains("\"v"),
            "partial journal after the snapshot: {:?}",
            e.raw
        ),
        Ok(None) => panic!("stream ended"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_ws_reader_gets_coalesced_values_and_others_keep_up() {
    let env = Env::start(&[]).await;
    let dev_slow = DeviceSpec::ws(&device_key()).with_cmds(["12", "13", "14"]);
    let dev_fast = DeviceSpec::ws(&device_key()).with_cmds(["12", "13", "14"]);
    env.api.add_device(dev_slow.clone());
    let mut slow = Ws::connect_small_rcvbuf(env.daemon.cfg.ws_port, 2048).await;
    assert_eq!(slow.connect_device(&dev_slow.key, "s").await["type"], "WELCOME");
    let (mut fast, _) = env.ws_device(&dev_fast).await;

    const N: usize = 1500;
    let pad = "p".repeat(2000);
    let fast_task = tokio::spawn(async move {
        let mut last = [-1i64; 3];
        let mut count = 0usize;
        while last.iter().any(|&l| l < (N as i64 - 3)) {
            match fast.next(Duration::from_secs(20)).await {
                WsEvent::Json(f) => {
                    for it in frame_items(&[f], "CMD_INFO") {
                        let k = it["id"].as_str().unwrap().parse::<usize>().unwrap() - 12;
                        let n: i64 = it["value"].as_str().unwrap().split('-').next().unwrap().parse().unwrap();
                        assert!(n > last[k], "fast client: older value after a newer one for cmd {}", k + 12);
                        last[k] = n;
                        count += 1;
                    }
                }
                other => panic!("fast client: {other:?}"),
            }
        }
        count
    });
    let msgs: Vec<Value> = (0..N)
        .map(|i| events_msg(vec![cmd_item(&(12 + i % 3).to_string(), &format!("{i}-{pad}"))], vec![], vec![]))
        .collect();
    env.daemon.events_batch(msgs).await;
    let fast_count =
        within(Duration::from_secs(20), "the fast client to get the last values", fast_task).await.unwrap();
    assert!(fast_count > 0);

    // now the slow client reads: per cmd strictly newer values, ending with the latest; fewer items than sent
    let mut last = [-1i64; 3];
    let mut got = 0usize;
    while last.iter().any(|&l| l < (N as i64 - 3)) {
        match slow.next(Duration::from_secs(10)).await {
            WsEvent::Json(f) => {
                for it in frame_items(&[f], "CMD_INFO") {
                    let k = it["id"].as_str().unwrap().parse::<usize>().unwrap() - 12;
                    let n: i64 = it["value"].as_str().unwrap().split('-').next().unwrap().parse().unwrap();
                    assert!(
                        n > last[k],
                        "slow client: value {n} after {} for cmd {} (not coalesced in order)",
                        last[k],
                        k + 12
                    );
                    last[k] = n;
                    got += 1;
                }
            }
            other => panic!(
                "slow client (3 cmds, never more than 3 pending after coalescing) got {other:?} after {got} items"
            ),
        }
    }
    assert!(got < N, "a stalled reader should get coalesced values: got all {got} of {N}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_ws_reader_over_queue_limit_closed_4002_others_unaffected() {
    // The slow client must overflow even after the kernel has absorbed a few MB of its frames (loopback send
    // buffers autotune up to tcp_wmem max, 4 MB), while a client that reads continuously must never fall 100
    // items (3 MB) behind: 400 items of 32 KB, --queue-limit 100.
    let env = Env::start(&["--queue-limit", "100"]).await;
    const N: usize = 400;
    let ids: Vec<String> = (0..N).map(|i| (2000 + i).to_string()).collect();
    let dev_slow = DeviceSpec::ws(&device_key()).with_cmds(ids.clone());
    let dev_fast = DeviceSpec::ws(&device_key()).with_cmds(ids.clone());
    env.api.add_device(dev_slow.clone());
    let mut slow = Ws::connect_small_rcvbuf(env.daemon.cfg.ws_port, 2048).await;
    assert_eq!(slow.connect_device(&dev_slow.key, "s").await["type"], "WELCOME");
    let sid = env.session_of(&dev_slow.key, "s").await;
    let (mut fast, _) = env.ws_device(&dev_fast).await;
    let fast_task = tokio::spawn(async move {
        let mut items = Vec::new();
        while items.len() < N {
            match fast.next(Duration::from_secs(20)).await {
                WsEvent::Json(f) => items.extend(frame_items(&[f], "CMD_INFO")),
                other => panic!("fast client after {} items: {other:?}", items.len()),
            }
        }
        (fast, items)
    });
    let pad = "q".repeat(32000);
    let msgs: Vec<Value> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| events_msg(vec![cmd_item(id, &format!("{i}-{pad}"))], vec![], vec![]))
        .collect();
    env.daemon.events_batch(msgs).await;

    let (mut fast, items) = within(Duration::from_secs(20), "fast client items", fast_task).await.unwrap();
    let got: Vec<usize> =
        items.iter().map(|i| i["value"].as_str().unwrap().split('-').next().unwrap().parse().unwrap()).collect();
    assert_eq!(got, (0..N).collect::<Vec<_>>(), "the fast client gets every event in order");

    // the slow one was dropped (DISCONNECT relayed for its session) and, once it reads, sees close 4002
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let d = loop {
        if let Some(d) = env.api.requests_of("DISCONNECT").into_iter().find(|r| r.api_key() == Some(&dev_slow.key)) {
            break d;
        }
        if tokio::time::Instant::now() >= deadline {
            let logs = env.daemon.logs();
            let slow_lines: Vec<&str> = logs.lines().filter(|l| !l.contains("[DEBUG]")).collect();
            panic!(
                "the reader past --queue-limit was not closed within 10 s while it does not read (no DISCONNECT \
                    relayed); daemon log lines about it: {slow_lines:#?}"
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(d.session_id(), Some(sid.as_str()));
    let (_, code) = slow.expect_close(Duration::from_secs(10)).await;
    assert_eq!(code, Some(4002), "a reader past --queue-limit is closed with 4002");
    fast.assert_usable("fast-after").await;
    let st = env.daemon.status().await;
    assert_eq!(st["connections"]["ws"], json!(1), "{st}");
    // memory stays bounded (generous: 300 MB of RSS)
    if let Ok(s) = std::fs::read_to_string(format!("/proc/{}/status", env.daemon.pid)) {
        if let Some(kb) =
            s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        {
            assert!(kb < 300_000, "daemon RSS {kb} kB");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_to_offline_polling_device_delivered_once_at_next_poll_before_events() {
    let env = Env::start(&[]).await;
    let dev = DeviceSpec::polling(&device_key());
    env.daemon.devices(vec![dev.record()], false).await;
    let c0 = env.daemon.events(events_msg(vec![cmd_item("12", "a")], vec![], vec![])).await;
    env.daemon.push(&dev.key, json!({"type": "ACTIONS", "payload": {"action": "toaster", "message": "m1"}})).await;
    env.daemon.push(&dev.key, json!({"type": "ACTIONS", "payload": {"action": "goToPage", "pageId": 3}})).await;
    env.daemon.events(events_msg(vec![cmd_item("12", "b")], vec![], vec![])).await;

    let r = poll(&env.daemon, &dev.key, dev.config_version, c0).await;
    assert_eq!(r["type"], "ACTIONS", "queued pushes first: {r}");
    assert_eq!(
        r["payload"],
        json!([{"action": "toaster", "message": "m1"}, {"action": "goToPage", "pageId": 3}]),
        "merged payloads in order: {r}"
    );
    let r = poll(&env.daemon, &dev.key, dev.config_version, c0).await;
    assert_eq!(r["type"], "SET_EVENTS", "pushes delivered once only: {r}");
    assert_eq!(values(&set_events_list(&r, "CMD_INFO")), ["b"], "events wait for the next poll: {r}");
    let r = poll(&env.daemon, &dev.key, dev.config_version, c0).await;
    assert_eq!(r["type"], "SET_EVENTS", "{r}");
    let since = env.daemon.events_since(&dev.key, json!(c0)).await;
    assert!(since["pending"].as_array().is_some_and(|p| p.is_empty()), "already consumed: {since}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_since_returns_pending_pushes_once() {
    let env = Env::start(&[]).await;
    let dev = DeviceSpec::polling(&device_key());
    env.daemon.devices(vec![dev.record()], false).await;
    let c0 = env.daemon.events(events_msg(vec![cmd_item("12", "a")], vec![], vec![])).await;
    let msg = json!({"type": "ACTIONS", "payload": {"action": "toaster", "message": "hello"}});
    env.daemon.push(&dev.key, msg.clone()).await;
    let s1 = env.daemon.events_since(&dev.key, json!(c0)).await;
    let pending = s1["pending"].as_array().unwrap_or_else(|| panic!("pending list expected: {s1}"));
    assert_eq!(pending.len(), 1, "{s1}");
    assert_eq!(pending[0]["payload"], msg["payload"], "{s1}");
    let s2 = env.daemon.events_since(&dev.key, json!(c0)).await;
    assert_eq!(s2["pending"], json!([]), "pending consumed: {s2}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_to_offline_ws_device_delivered_once_after_next_welcome() {
    let env = Env::start(&[]).await;
    let dev = DeviceSpec::ws(&device_key());
    env.api.add_device(dev.clone());
    env.daemon.devices(vec![dev.record()], false).await;
    env.daemon.push(&dev.key, json!({"type": "ACTIONS", "payload": {"action": "toaster", "message": "queued"}})).await;
    let mut ws = Ws::connect(env.daemon.cfg.ws_port).await;
    let w = ws.connect_device(&dev.key, "c").await;
    assert_eq!(w["type"], "WELCOME", "WELCOME first: {w}");
    let f = ws.recv_json(WAIT).await;
    assert_eq!(f["type"], "ACTIONS", "{f}");
    assert_eq!(f["payload"]["message"], "queued", "{f}");
    assert_eq!(f["eqApiKey"], json!(dev.key), "{f}");
    assert!(f["id"].is_string(), "{f}");
    ws.expect_silence(Duration::from_millis(400)).await;
    ws.close().await;
    env.api.wait_request(WAIT, "DISCONNECT", |r| r.api_key() == Some(&dev.key)).await;
    let mut ws = Ws::connect(env.daemon.cfg.ws_port).await;
    assert_eq!(ws.connect_device(&dev.key, "c2").await["type"], "WELCOME");
    ws.expect_silence(Duration::from_millis(500)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sse_bytes_first_set_info_heartbeat_and_app_state_relays() {
    let env = Env::start(&["--sse-heartbeat", "1"]).await;
    let dev = DeviceSpec::sse(&device_key());
    env.daemon.devices(vec![dev.record()], false).await;
    let mut sse = Sse::open(env.daemon.cfg.ws_port, &dev.key, None).await;
    assert_eq!(sse.status, 200);
    assert!(sse.header("content-type").is_some_and(|v| v.starts_with("text/event-stream")), "{:?}", sse.headers);
    assert_eq!(sse.header("cache-control"), Some("no-cache"), "{:?}", sse.headers);
    assert_eq!(sse.header("x-accel-buffering"), Some("no"), "{:?}", sse.headers);

    let first = sse.next(WAIT).await.unwrap().expect("first event");
    first.assert_exact_format();
    assert_eq!(first.msg, json!({"type": "SET_INFO", "payload": env.api.snapshot()}), "first event: {:?}", first.raw);
    let gi = env.api.wait_request(WAIT, "GET_INFO", |r| r.api_key() == Some(&dev.key)).await;
    assert_eq!(gi.params["connexionFrom"], "SSE", "{}", gi.raw_body);
    assert_eq!(gi.query_apikey.as_deref(), Some(env.key()));
    let active = env
        .api
        .wait_request(WAIT, "SET_APPSTATE", |r| r.api_key() == Some(&dev.key) && r.params["state"] == "active")
        .await;
    assert_eq!(active.params["connexionFrom"], "SSE");
    let sid = active
        .session_id()
        .unwrap_or_else(|| panic!("SET_APPSTATE without sessionId: {}", active.raw_body))
        .to_string();

    // idle → heartbeat, byte for byte
    let hb = sse.next(Duration::from_secs(4)).await.unwrap().expect("heartbeat");
    assert_eq!(hb.raw, "data:\"{\\\"event\\\":\\\"heartbeat\\\"}\"", "heartbeat bytes");

    let cursor = env.daemon.events(events_msg(vec![cmd_item("12", "a/b \"q\" é")], vec![], vec![])).await;
    let ev = sse.next_msg(WAIT).await;
    ev.assert_exact_format();
    assert!(close_to(ev.id.as_deref().unwrap().parse().unwrap(), cursor));
    assert_eq!(ev.msg["type"], "SET_EVENTS");
    assert_eq!(values(&set_events_list(&ev.msg, "CMD_INFO")), ["a/b \"q\" é"]);
    let items = ev.msg["payload"].as_array().unwrap();
    assert_eq!(items.len(), 5, "DATETIME, HIST_DATETIME and the three lists (empty ones too): {}", ev.msg);
    assert_eq!(items[3], json!({"type": "SC_INFO", "payload": []}));
    assert_eq!(items[4], json!({"type": "OBJ_INFO", "payload": []}));
    // the body so far is exactly a sequence of complete events
    let body = String::from_utf8(sse.body.clone()).unwrap();
    assert!(body.ends_with("\r\n\r\n"), "{body:?}");
    for block in body.trim_end_matches("\r\n\r\n").split("\r\n\r\n") {
        let rest = match block.strip_prefix("id:") {
            Some(r) => r.split_once("\r\n").unwrap_or_else(|| panic!("id line without data: {block:?}")).1,
            None => block,
        };
        assert!(
            rest.starts_with("data:\"") && rest.ends_with('"') && !rest.contains("\r\n"),
            "bad event block {block:?}"
        );
    }

    drop(sse);
    let bg = env
        .api
        .wait_request(WAIT, "SET_APPSTATE", |r| r.api_key() == Some(&dev.key) && r.params["state"] == "background")
        .await;
    assert_eq!(bg.session_id(), Some(sid.as_str()), "background carries the stream's sessionId");
    assert_eq!(bg.params["connexionFrom"], "SSE");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sse_unknown_key_gets_one_exception_then_end() {
    let env = Env::start(&[]).await;
    let mut sse = Sse::open(env.daemon.cfg.ws_port, &device_key(), None).await;
    let evs = sse.expect_end(WAIT).await;
    assert_eq!(evs.len(), 1, "{evs:?}");
    evs[0].assert_exact_format();
    assert_eq!(evs[0].msg["type"], "EXCEPTION", "{:?}", evs[0].raw);
    assert!(evs[0].msg["payload"]["message"].is_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sse_stream_ends_on_newer_stream_and_on_switch_to_ws_or_polling() {
    let env = Env::start(&[]).await;
    let dev = DeviceSpec::sse(&device_key());
    env.daemon.devices(vec![dev.record()], false).await;
    let port = env.daemon.cfg.ws_port;
    let mut s1 = Sse::open(port, &dev.key, None).await;
    assert_eq!(s1.next_msg(WAIT).await.msg["type"], "SET_INFO");
    let mut s2 = Sse::open(port, &dev.key, None).await;
    assert_eq!(s2.next_msg(WAIT).await.msg["type"], "SET_INFO");
    s1.expect_end(WAIT).await;

    // switch to polling
    let mut p = dev.clone();
    p.polling = true;
    env.daemon.devices(vec![p.record()], false).await;
    s2.expect_end(WAIT).await;

    // back to HTTP, then switch to WS
    env.daemon.devices(vec![dev.record()], false).await;
    let mut s3 = Sse::open(port, &dev.key, None).await;
    assert_eq!(s3.next_msg(WAIT).await.msg["type"], "SET_INFO");
    let mut w = dev.clone();
    w.use_ws = true;
    env.daemon.devices(vec![w.record()], false).await;
    s3.expect_end(WAIT).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_disabled_by_devices_closes_ws_with_equipment_disable_and_ends_sse() {
    let env = Env::start(&[]).await;
    let w = DeviceSpec::ws(&device_key());
    let s = DeviceSpec::sse(&device_key());
    let other = DeviceSpec::ws(&device_key());
    let (mut ws, _) = env.ws_device(&w).await;
    let (mut ws_other, _) = env.ws_device(&other).await;
    env.daemon.devices(vec![w.record(), s.record(), other.record()], false).await;
    let mut sse = Sse::open(env.daemon.cfg.ws_port, &s.key, None).await;
    assert_eq!(sse.next_msg(WAIT).await.msg["type"], "SET_INFO");

    let mut wd = w.clone();
    wd.enabled = false;
    let mut sd = s.clone();
    sd.enabled = false;
    env.daemon.devices(vec![wd.record(), sd.record()], false).await;
    let (frames, code) = ws.expect_close(WAIT).await;
    assert_eq!(frames.len(), 1, "{frames:?}");
    assert_eq!(frames[0]["type"], "EQUIPMENT_DISABLE", "{frames:?}");
    assert_eq!(code, Some(1000));
    sse.expect_end(WAIT).await;
    ws_other.assert_usable("other").await;

    // a device missing from a full set is closed too
    env.daemon.devices(vec![w.record(), s.record()], true).await;
    let (_, code) = ws_other.expect_close(WAIT).await;
    assert_eq!(code, Some(1000), "device removed from the full set");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill9_during_a_burst_loses_no_acked_event_push_or_device() {
    let api = FakeApi::start().await;
    let dir = TestDir::new("kill9");
    let cfg = DaemonCfg::new(&plugin_key(), &api.callback_url(), dir.path());
    let mut d1 = Daemon::start(cfg.clone()).await;
    const N: usize = 600;
    let (ids, msgs) = numbered_events(N);
    let dev = DeviceSpec::polling(&device_key()).with_cmds(ids.iter().cloned().chain(["12".to_string()]));
    d1.devices(vec![dev.record()], false).await;
    let queued = json!({"type": "ACTIONS", "payload": {"action": "toaster", "message": "survives"}});
    d1.push(&dev.key, queued.clone()).await;
    let c0 =
        d1.events(events_msg(vec![cmd_item("12", "before"), cmd_item("77", "not-in-filter")], vec![], vec![])).await;

    let acked = Arc::new(Mutex::new(Vec::<f64>::new()));
    let port = d1.cfg.ctl_port;
    let key = d1.cfg.key.clone();
    let acked2 = acked.clone();
    let burst = tokio::spawn(async move {
        let mut c = Ctl::connect(port).await;
        for mut m in msgs {
            m["jeedomApiKey"] = json!(key);
            m["ack"] = json!(true);
            c.send(&m).await;
            match c.read(Duration::from_secs(5)).await {
                Some(r) if r["ok"] == json!(true) => acked2.lock().unwrap().push(r["cursor"].as_f64().unwrap()),
                _ => return,
            }
        }
    });
    eventually(Duration::from_secs(10), "100 acked events", || (acked.lock().unwrap().len() >= 100).then_some(()))
        .await;
    d1.kill9().await;
    let _ = within(Duration::from_secs(10), "the burst task to stop", burst).await;
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() < N, "kill -9 should have interrupted the burst");

    let d2 = Daemon::start(cfg.fresh_ports()).await;
    let since = d2.events_since(&dev.key, json!(c0)).await;
    assert_eq!(since["overflow"], json!(false), "{since}");
    let got = values(since["cmds"].as_array().unwrap_or_else(|| panic!("{since}")));
    assert!(got.len() >= acked.len(), "{} acked, {} after restart", acked.len(), got.len());
    assert_eq!(got[..acked.len()], expected_values(acked.len())[..], "every acked event, in order");
    assert_eq!(got, expected_values(got.len()), "events after restart in order, no hole, no duplicate");
    assert!(!got.iter().any(|v| v == "not-in-filter"), "device filter survives restart");
    let pending = since["pending"].as_array().unwrap_or_else(|| panic!("{since}"));
    assert_eq!(pending.len(), 1, "queued push survives restart: {since}");
    assert_eq!(pending[0]["payload"], queued["payload"]);
    // new cursors keep increasing after the restart
    let c_new = d2.events(events_msg(vec![cmd_item("12", "after")], vec![], vec![])).await;
    assert!(c_new > *acked.last().unwrap(), "cursor after restart {c_new} ≤ before {}", acked.last().unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ws_device_cursor_survives_a_restart() {
    let api = FakeApi::start().await;
    let dir = TestDir::new("wsrestart");
    let cfg = DaemonCfg::new(&plugin_key(), &api.callback_url(), dir.path());
    let mut d1 = Daemon::start(cfg.clone()).await;
    let (ids, msgs) = numbered_events(10);
    let dev = DeviceSpec::ws(&device_key()).with_cmds(ids.iter().cloned().chain(["12".to_string()]));
    api.add_device(dev.clone());
    let mut ws = Ws::connect(d1.cfg.ws_port).await;
    assert_eq!(ws.connect_device(&dev.key, "c").await["type"], "WELCOME");
    d1.events(events_msg(vec![cmd_item("12", "seen")], vec![], vec![])).await;
    assert_eq!(values(&frame_items(&[ws.recv_json(WAIT).await], "CMD_INFO")), ["seen"]);
    ws.close().await;
    api.wait_request(WAIT, "DISCONNECT", |r| r.api_key() == Some(&dev.key)).await;
    d1.events_batch(msgs[..5].to_vec()).await;
    d1.signal(nix::sys::signal::Signal::SIGTERM);
    d1.wait_exit(Duration::from_secs(3)).await.expect("exit after SIGTERM");

    let d2 = Daemon::start(cfg.fresh_ports()).await;
    d2.events_batch(msgs[5..].to_vec()).await;
    let mut ws = Ws::connect(d2.cfg.ws_port).await;
    assert_eq!(ws.connect_device(&dev.key, "c2").await["type"], "WELCOME");
    let frames =
        ws.collect_until(Duration::from_secs(8), "10 missed items", |f| frame_items(f, "CMD_INFO").len() >= 10).await;
    ws.expect_silence(Duration::from_millis(500)).await;
    assert_eq!(values(&frame_items(&frames, "CMD_INFO")), expected_values(10), "resume across restart");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_by_age_gives_overflow() {
    // 0.0005 h = 1.8 s
    let env = Env::start(&["--retention-hours", "0.0005"]).await;
    let dev = DeviceSpec::polling(&device_key());
    env.daemon.devices(vec![dev.record()], false).await;
    let c0 = env.daemon.events(events_msg(vec![cmd_item("12", "old")], vec![], vec![])).await;
    env.daemon.events(events_msg(vec![cmd_item("12", "old2")], vec![], vec![])).await;
    let fresh = env.daemon.events_since(&dev.key, json!(c0)).await;
    assert_eq!(fresh["overflow"], json!(false), "{fresh}");
    assert_eq!(values(fresh["cmds"].as_array().unwrap()), ["old2"], "{fresh}");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(8);
    loop {
        tokio::time::sleep(Duration::from_millis(300)).await;
        // keep the journal alive with new events
        env.daemon.events(events_msg(vec![cmd_item("12", "new")], vec![], vec![])).await;
        let since = env.daemon.events_since(&dev.key, json!(c0)).await;
        if since["overflow"] == json!(true) {
            assert!(since["cmds"].as_array().is_some_and(|c| c.is_empty()), "{since}");
            break;
        }
        let vals = values(since["cmds"].as_array().unwrap());
        assert_eq!(vals[0], "old2", "partial resume (old2 dropped but no overflow): {since}");
        assert!(tokio::time::Instant::now() < deadline, "events older than --retention-hours still kept after 8 s");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_flags_accept_bools_numbers_and_strings() {
    let env = Env::start(&[]).await;
    let mut clients = Vec::new();
    for style in [json!(false), json!(0), json!("0")] {
        let d = DeviceSpec::ws(&device_key());
        let (ws, _) = env.ws_device(&d).await;
        let mut rec = d.record();
        rec["enabled"] = style.clone();
        clients.push((style, ws, rec));
    }
    env.daemon.devices(clients.iter().map(|c| c.2.clone()).collect(), false).await;
    for (style, mut ws, _) in clients {
        let (frames, code) = ws.expect_close(WAIT).await;
        assert_eq!(frames.first().map(|f| f["type"].clone()), Some(json!("EQUIPMENT_DISABLE")), "enabled={style}");
        assert_eq!(code, Some(1000), "enabled={style}");
    }
    let mut streams = Vec::new();
    let mut recs = Vec::new();
    for style in [json!(true), json!(1), json!("1")] {
        let d = DeviceSpec::sse(&device_key());
        env.daemon.devices(vec![d.record()], false).await;
        let mut s = Sse::open(env.daemon.cfg.ws_port, &d.key, None).await;
        assert_eq!(s.next_msg(WAIT).await.msg["type"], "SET_INFO");
        let mut rec = d.record();
        rec["useWs"] = style.clone();
        recs.push(rec);
        streams.push((style, s));
    }
    env.daemon.devices(recs, false).await;
    for (style, mut s) in streams {
        let evs = s.expect_end(WAIT).await;
        assert!(
            evs.iter().all(|e| e.msg.get("event").is_some() || e.msg["type"] != "SET_EVENTS"),
            "useWs={style}: {evs:?}"
        );
    }
    // scAll "1" and cmds as strings
    let d = DeviceSpec::ws(&device_key()).with_scenarios(Vec::<String>::new(), true);
    let (mut ws, _) = env.ws_device(&d).await;
    env.daemon.events(events_msg(vec![], vec![sc_item("55", "on")], vec![])).await;
    assert_eq!(ws.recv_json(WAIT).await["type"], "SC_INFO", "scAll=\"1\"");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_to_a_live_sse_device_is_delivered_now() {
    let env = Env::start(&[]).await;
    let dev = DeviceSpec::sse(&device_key());
    env.daemon.devices(vec![dev.record()], false).await;
    let mut sse = Sse::open(env.daemon.cfg.ws_port, &dev.key, None).await;
    assert_eq!(sse.next_msg(WAIT).await.msg["type"], "SET_INFO");
    env.daemon.push(&dev.key, json!({"type": "ACTIONS", "payload": {"action": "toaster", "message": "now"}})).await;
    let ev = sse.next_msg(WAIT).await;
    ev.assert_exact_format();
    assert_eq!(ev.msg["type"], "ACTIONS", "{:?}", ev.raw);
    assert_eq!(ev.msg["payload"]["message"], "now", "{:?}", ev.raw);
    // delivered, so not queued for later
    let since = env.daemon.events_since(&dev.key, json!(now_f64())).await;
    assert_eq!(since["pending"], json!([]), "{since}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_update_changes_a_live_clients_filter() {
    let env = Env::start(&[]).await;
    let dev = DeviceSpec::ws(&device_key());
    let (mut ws, _) = env.ws_device(&dev).await;
    env.daemon.events(events_msg(vec![cmd_item("12", "seen")], vec![], vec![])).await;
    assert_eq!(values(&frame_items(&[ws.recv_json(WAIT).await], "CMD_INFO")), ["seen"]);
    let changed = dev.clone().with_cmds(["13"]);
    env.daemon.devices(vec![changed.record()], false).await;
    env.daemon.events(events_msg(vec![cmd_item("12", "hidden"), cmd_item("13", "now-visible")], vec![], vec![])).await;
    let f = ws.recv_json(WAIT).await;
    assert_eq!(values(&frame_items(&[f], "CMD_INFO")), ["now-visible"], "new filter applies to the live connection");
    ws.expect_silence(Duration::from_millis(300)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnecting_during_a_live_stream_gives_no_duplicate_and_no_hole_after_reconnect() {
    let env = Env::start(&[]).await;
    const N: usize = 200;
    let (ids, msgs) = numbered_events(N);
    let dev = DeviceSpec::ws(&device_key()).with_cmds(ids);
    let (mut ws, _) = env.ws_device(&dev).await;
    let port = env.daemon.cfg.ctl_port;
    let key = env.key().to_string();
    let feeder = tokio::spawn(async move {
        let mut c = Ctl::connect(port).await;
        for mut m in msgs {
            m["jeedomApiKey"] = json!(key);
            m["ack"] = json!(true);
            let r = c.request(&m).await;
            assert_eq!(r["ok"], json!(true));
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    });
    let index = |v: &Value| v["value"].as_str().unwrap()[1..].parse::<usize>().unwrap();
    let first = ws.collect_until(WAIT, "30 live items", |f| frame_items(f, "CMD_INFO").len() >= 30).await;
    let first: Vec<usize> = frame_items(&first, "CMD_INFO").iter().map(index).collect();
    ws.close().await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut ws = Ws::connect(env.daemon.cfg.ws_port).await;
    assert_eq!(ws.connect_device(&dev.key, "again").await["type"], "WELCOME");
    let second = ws
        .collect_until(Duration::from_secs(10), "the last event", |f| {
            frame_items(f, "CMD_INFO").last().is_some_and(|i| i["value"] == json!(format!("v{}", N - 1)))
        })
        .await;
    within(WAIT, "the feeder", feeder).await.unwrap();
    ws.expect_silence(Duration::from_millis(300)).await;
    let second: Vec<usize> = frame_items(&second, "CMD_INFO").iter().map(index).collect();
    assert_eq!(first, (0..first.len()).collect::<Vec<_>>(), "first connection: in order, no hole");
    let start = second[0];
    assert!(start >= first.len(), "resumed item {start} was already received (duplicate)");
    assert_eq!(second, (start..N).collect::<Vec<_>>(), "after reconnect: every event in order, none twice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_config_version_sends_config_and_infos_to_ws_and_sse_at_once() {
    let env = Env::start(&[]).await;
    let w = DeviceSpec::ws(&device_key());
    let s = DeviceSpec::sse(&device_key());
    let p = DeviceSpec::polling(&device_key());
    let (mut ws, _) = env.ws_device(&w).await;
    env.api.add_device(s.clone());
    env.daemon.devices(vec![w.record(), s.record(), p.record()], false).await;
    let mut sse = Sse::open(env.daemon.cfg.ws_port, &s.key, None).await;
    assert_eq!(sse.next_msg(WAIT).await.msg["type"], "SET_INFO");
    ws.expect_silence(Duration::from_millis(200)).await;
    assert!(env.api.requests_of("GET_EVENTS").is_empty(), "nothing asked before the change");

    // the plugin saved a new layout: its DEVICES records carry the new version
    let bumped: Vec<DeviceSpec> = [&w, &s, &p]
        .iter()
        .map(|d| {
            let mut b = (*d).clone();
            b.config_version += 1;
            b
        })
        .collect();
    env.daemon.devices(bumped.iter().map(DeviceSpec::record).collect(), false).await;

    let frames =
        ws.collect_until(WAIT, "CONFIG_AND_INFOS", |f| f.iter().any(|v| v["type"] == "CONFIG_AND_INFOS")).await;
    let c = frames.iter().find(|v| v["type"] == "CONFIG_AND_INFOS").unwrap();
    assert_eq!(c["eqApiKey"], json!(w.key), "{c}");
    assert!(c["id"].is_string() && c.get("jeedomApiKey").is_none(), "{c}");
    assert!(c["payload"]["infos"]["cmdInfo"].is_array(), "{c}");
    let ev = sse.next_msg(WAIT).await;
    ev.assert_exact_format();
    assert_eq!(ev.msg["type"], "CONFIG_AND_INFOS", "{:?}", ev.raw);

    // asked once per connection, with the version the phone had, for the layout only
    let asked = env.api.requests_of("GET_EVENTS");
    let mut from: Vec<(String, String)> = asked
        .iter()
        .map(|r| {
            (r.api_key().unwrap_or("?").to_string(), r.params["connexionFrom"].as_str().unwrap_or("?").to_string())
        })
        .collect();
    from.sort();
    let mut want = vec![(w.key.clone(), "WS".to_string()), (s.key.clone(), "SSE".to_string())];
    want.sort();
    assert_eq!(from, want, "the polling phone is answered at its next GET_EVENTS: {asked:?}");
    for r in &asked {
        assert_eq!(r.params["newLayoutOnly"], json!(true), "{:?}", r.params);
        assert_eq!(r.params["configVersion"], json!(w.config_version), "{:?}", r.params);
    }

    // the same records again: no change, nothing asked
    env.daemon.devices(bumped.iter().map(DeviceSpec::record).collect(), false).await;
    ws.expect_silence(Duration::from_millis(300)).await;
    assert_eq!(env.api.requests_of("GET_EVENTS").len(), 2);
}
