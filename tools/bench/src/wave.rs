//! `wave`: a connection wave and the memory it leaves behind. The daemon's RSS before, at its peak while N
//! WebSocket clients connect, once they are all held, and after they have all gone again (the memory a wave
//! should give back), with the connect rate reached. Only measures: what the daemon does with freed memory
//! (allocator, trimming) is the daemon's business.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;

use super::{connect_all, mib, pid_rss, rig, status, ws_client, Args, BenchError, Outcome, Transport};

pub async fn wave(a: &Args) -> Result<Outcome, BenchError> {
    let n = a.clients;
    let mut rig = rig(a, Transport::Ws, 1, n).await?;
    let port = rig.daemon.public;
    let pid = rig.daemon.pid();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = pid_rss(pid);
    // The peak while connecting, sampled every 50 ms.
    let peak = Arc::new(AtomicU64::new(before));
    let sampling = Arc::new(AtomicBool::new(true));
    let sampler = {
        let (peak, sampling) = (peak.clone(), sampling.clone());
        tokio::spawn(async move {
            while sampling.load(Ordering::Relaxed) {
                peak.fetch_max(pid_rss(pid), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };
    let (clients, connect_time) = connect_all(n, |i| ws_client(i, port)).await?;
    let rate = n as f64 / connect_time.as_secs_f64().max(1e-9);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let held = pid_rss(pid);
    let st = status(&mut rig.ctl).await;
    let held_count = st["connections"]["ws"].as_u64().unwrap_or(0);
    sampling.store(false, Ordering::Relaxed);
    let _ = sampler.await;
    let peak = peak.load(Ordering::Relaxed).max(held);
    // Everyone leaves at once; wait (bounded) until the daemon has let every connection go.
    let t_close = Instant::now();
    drop(clients);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let st = rig.ctl.ask(json!({"type": "STATUS"})).await.unwrap_or_default();
        if st["connections"]["ws"].as_u64() == Some(0) || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let drained = t_close.elapsed();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let after = pid_rss(pid);
    rig.daemon.stop();
    let kept = after.saturating_sub(before);
    let text = format!(
        "Connection wave, {n} WebSocket clients: connected in {:.1} s = {rate:.0} connections/s ({held_count} held); \
         daemon RSS {:.1} MiB before, {:.1} MiB peak while connecting, {:.1} MiB with all held, {:.1} MiB 3 s after \
         the last one left (all gone {:.1} s after they closed) = {:.1} MiB not given back",
        connect_time.as_secs_f64(),
        mib(before),
        mib(peak),
        mib(held),
        mib(after),
        drained.as_secs_f64(),
        mib(kept)
    );
    let row = format!(
        "| {n} | {rate:.0} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} |",
        mib(before),
        mib(peak),
        mib(held),
        mib(after),
        mib(kept)
    );
    Ok(Outcome { text, row, per_conn_kib: held.saturating_sub(before) as f64 / n.max(1) as f64 / 1024.0 })
}
