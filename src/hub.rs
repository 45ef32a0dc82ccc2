//! The hub: which devices exist and what each may see, which of them are connected, and the fan-out of every
//! committed event to the connected devices whose filter contains it.
//!
//! Transports register a [`Session`] once a device is authenticated and write whatever lands in its outbox; the
//! control socket feeds the hub with device records, pushes and closes; the journal feeds it committed events.

use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::Instant;

use rustc_hash::{FxHashMap, FxHashSet};

use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::device::{Device, Kind, Mode};
use crate::frames;
use crate::gate::Gate;
use crate::journal::{Batch, Committed, Journal, JournalError};
use crate::limits::{close_codes, RESUME_SAVE_EVERY};
use crate::logging::{escape, mask};
use crate::metrics::{add, inc, Metrics};
use crate::relay::{Forwarder, Relay};
use crate::session::{Close, Session, SharedItems, Transport};

pub struct Hub {
    pub cfg: Arc<Config>,
    pub journal: Journal,
    pub relay: Relay,
    pub metrics: Metrics,
    pub shutdown: CancellationToken,
    /// What a connection with an unknown key may cost (`gate`).
    pub gate: Gate,
    started: Instant,
    devices: RwLock<Devices>,
    sessions: RwLock<FxHashMap<String, Vec<Arc<Session>>>>,
    resume: Mutex<Resume>,
    /// Most live connections since `memory` last looked.
    peak: std::sync::atomic::AtomicU64,
    /// The hub itself, for the tasks a device record starts (`config_change`).
    me: Weak<Hub>,
}

/// The device records, and which devices watch each cmd (so that fan-out looks up an event's watchers instead of
/// asking every device).
#[derive(Default)]
struct Devices {
    map: FxHashMap<String, Device>,
    by_cmd: FxHashMap<String, Vec<Arc<str>>>,
}

impl Devices {
    fn insert(&mut self, d: Device) {
        self.remove(&d.api_key);
        let key: Arc<str> = d.api_key.as_str().into();
        for c in &d.cmds {
            self.by_cmd.entry(c.clone()).or_default().push(key.clone());
        }
        self.map.insert(d.api_key.clone(), d);
    }

    fn remove(&mut self, api_key: &str) {
        let Some(old) = self.map.remove(api_key) else { return };
        for c in &old.cmds {
            if let Some(list) = self.by_cmd.get_mut(c) {
                list.retain(|k| &**k != api_key);
                if list.is_empty() {
                    self.by_cmd.remove(c);
                }
            }
        }
    }
}

/// Per device, the cursor of the last event written to its WebSocket (where a reconnect resumes); the devices
/// whose cursor moved since it was last journaled.
struct Resume {
    at: FxHashMap<String, i64>,
    dirty: FxHashSet<String>,
    journaled: Instant,
}

/// A device's status line; its key masked.
fn device_status(d: &Device, live: Option<&Vec<Arc<Session>>>) -> Value {
    let first = live.and_then(|l| l.first());
    json!({
        "apiKey": mask(&d.api_key),
        "enabled": d.enabled,
        "mode": first.map_or(d.mode().name(), |s| match s.transport {
            Transport::WebSocket => "ws",
            Transport::Sse => "sse",
        }),
        "connected": first.is_some(),
        "since": first.map(|s| s.since),
        "address": first.map(|s| s.peer.clone()),
    })
}

impl Forwarder for Hub {
    fn relay(&self) -> &Relay {
        &self.relay
    }

    fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    fn apply_record(&self, jcd: Option<&Value>) {
        self.apply_jcd(jcd)
    }

    fn knows(&self, api_key: &str) -> bool {
        Hub::knows(self, api_key)
    }
}

fn read<T>(l: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(|p| p.into_inner())
}

fn write<T>(l: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(|p| p.into_inner())
}

impl Hub {
    pub fn new(cfg: Arc<Config>, journal: Journal, devices: Vec<(Device, Option<i64>)>) -> Arc<Hub> {
        let relay = Relay::new(&cfg.callback, &cfg.apikey, cfg.relay_timeout);
        let at = devices.iter().filter_map(|(d, c)| c.map(|c| (d.api_key.clone(), c))).collect();
        let resume = Resume { at, dirty: FxHashSet::default(), journaled: Instant::now() };
        let mut known = Devices::default();
        for (d, _) in devices {
            known.insert(d);
        }
        Arc::new_cyclic(|me| Hub {
            me: me.clone(),
            cfg,
            journal,
            relay,
            metrics: Metrics::default(),
            shutdown: CancellationToken::new(),
            gate: Gate::default(),
            started: Instant::now(),
            devices: RwLock::new(known),
            sessions: RwLock::new(FxHashMap::default()),
            resume: Mutex::new(resume),
            peak: Default::default(),
        })
    }

    pub fn device(&self, api_key: &str) -> Option<Device> {
        read(&self.devices).map.get(api_key).cloned()
    }

    /// Whether `api_key` is among the device records (without copying the record).
    pub fn knows(&self, api_key: &str) -> bool {
        read(&self.devices).map.contains_key(api_key)
    }

    /// Applies device records from `DEVICES` (or one `jcd`): stores them, and ends the connections that may no
    /// longer stay open (disabled, removed, or an SSE stream of a device that switched mode). The answer resolves
    /// once the records are committed to the journal.
    pub fn apply_devices(&self, records: Vec<Device>, full: bool) -> Committed {
        let mut removed = Vec::new();
        let mut new_layout = Vec::new();
        {
            let mut devices = write(&self.devices);
            for d in &records {
                if let Some(old) = devices.map.get(&d.api_key) {
                    if old.config_version != d.config_version {
                        new_layout.push((d.api_key.clone(), old.config_version));
                    }
                }
            }
            if full {
                let keep: std::collections::HashSet<&str> = records.iter().map(|d| d.api_key.as_str()).collect();
                removed = devices.map.keys().filter(|k| !keep.contains(k.as_str())).cloned().collect();
                for k in &removed {
                    devices.remove(k);
                }
            }
            for d in &records {
                devices.insert(d.clone());
            }
        }
        self.gate.on_devices(full, &removed);
        for k in removed {
            self.close_device(&k, "device removed");
        }
        for d in &records {
            if !d.enabled {
                self.disable(&d.api_key);
            } else if d.mode() != Mode::Http {
                self.end_sse(&d.api_key, "device switched mode");
            }
        }
        for (key, known) in new_layout {
            self.new_layout(&key, known);
        }
        self.journal.put_devices(records, full)
    }

    /// The device's layout version changed: each of its live connections gets the new layout (`config_change`).
    fn new_layout(&self, api_key: &str, known: Option<i64>) {
        let live = self.sessions_of(api_key);
        let (Some(hub), Ok(rt)) = (self.me.upgrade(), tokio::runtime::Handle::try_current()) else {
            return;
        };
        for s in live {
            rt.spawn(crate::config_change::refresh(hub.clone(), s, known));
        }
    }

    /// Applies the `jcd` member of a PHP answer.
    pub fn apply_jcd(&self, jcd: Option<&Value>) {
        if let Some(d) = jcd.and_then(|v| Device::from_json(v).ok()) {
            if self.device(&d.api_key).as_ref() != Some(&d) {
                // Committed in the background: nothing acknowledges a `jcd`.
                let _ = self.apply_devices(vec![d], false);
            }
        }
    }

    fn sessions_of(&self, api_key: &str) -> Vec<Arc<Session>> {
        read(&self.sessions).get(api_key).cloned().unwrap_or_default()
    }

    fn disable(&self, api_key: &str) {
        let msg: Arc<str> = json!({"type": "EQUIPMENT_DISABLE"}).to_string().into();
        for s in self.sessions_of(api_key) {
            s.outbox.push_message(msg.clone());
            s.outbox.close(Close { code: close_codes::NORMAL, reason: "equipment disabled".into(), flush_first: true });
        }
    }

    fn end_sse(&self, api_key: &str, reason: &str) {
        for s in self.sessions_of(api_key).into_iter().filter(|s| s.transport == Transport::Sse) {
            s.outbox.close(Close { code: close_codes::NORMAL, reason: reason.into(), flush_first: true });
        }
    }

    /// `CLOSE_DEVICE`: ends every live connection of that device.
    pub fn close_device(&self, api_key: &str, reason: &str) {
        tracing::info!("closing device {} ({})", mask(api_key), escape(reason));
        for s in self.sessions_of(api_key) {
            s.outbox.close(Close { code: close_codes::NORMAL, reason: reason.into(), flush_first: true });
        }
    }

    /// Registers an authenticated connection; an older connection of the same device and transport is replaced.
    pub fn register(&self, session: Arc<Session>) {
        let old: Vec<Arc<Session>> = {
            let mut sessions = write(&self.sessions);
            let list = sessions.entry(session.api_key.clone()).or_default();
            let (old, keep): (Vec<_>, Vec<_>) = list.drain(..).partition(|s| s.transport == session.transport);
            *list = keep;
            list.push(session.clone());
            old
        };
        let counter = match session.transport {
            Transport::WebSocket => &self.metrics.ws_connections,
            Transport::Sse => &self.metrics.sse_connections,
        };
        inc(counter);
        self.peak.fetch_max(self.live_connections(), std::sync::atomic::Ordering::Relaxed);
        for o in old {
            if o.transport == Transport::WebSocket {
                self.save_resume_cursor(&o.api_key, o.sent());
            }
            o.outbox.close(Close {
                code: close_codes::REPLACED,
                reason: "replaced by a newer connection".into(),
                flush_first: false,
            });
        }
    }

    pub fn unregister(&self, session: &Arc<Session>) {
        let removed = {
            let mut sessions = write(&self.sessions);
            let mut removed = false;
            if let Some(list) = sessions.get_mut(&session.api_key) {
                let before = list.len();
                list.retain(|s| !Arc::ptr_eq(s, session));
                removed = list.len() < before;
                if list.is_empty() {
                    sessions.remove(&session.api_key);
                }
            }
            removed
        };
        if removed {
            let counter = match session.transport {
                Transport::WebSocket => &self.metrics.ws_connections,
                Transport::Sse => &self.metrics.sse_connections,
            };
            crate::metrics::dec(counter);
        }
    }

    fn resume(&self) -> std::sync::MutexGuard<'_, Resume> {
        self.resume.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Where a WebSocket of this device resumes (the last event written to it), if it ever had one.
    pub fn resume_cursor(&self, api_key: &str) -> Option<i64> {
        self.resume().at.get(api_key).copied()
    }

    /// Remembers and journals how far a device's WebSocket got (when it closes or is replaced).
    pub fn save_resume_cursor(&self, api_key: &str, cursor: i64) {
        let mut resume = self.resume();
        let slot = resume.at.entry(api_key.to_string()).or_insert(0);
        if cursor > *slot {
            *slot = cursor;
            resume.dirty.remove(api_key);
            self.journal.set_device_cursors(vec![(api_key.to_string(), cursor)]);
        }
    }

    /// Remembers how far a live WebSocket got; journaled with the next fan-out (see [`Hub::journal_progress`]).
    pub fn note_progress(&self, session: &Session) {
        let mut resume = self.resume();
        let cursor = session.sent();
        let slot = resume.at.entry(session.api_key.clone()).or_insert(0);
        if cursor > *slot {
            *slot = cursor;
            if !resume.dirty.contains(&session.api_key) {
                resume.dirty.insert(session.api_key.clone());
            }
        }
    }

    /// Journals the cursors live WebSockets reached, at most once per `RESUME_SAVE_EVERY`, all in one request
    /// (a clean close journals its own at once).
    fn journal_progress(&self) {
        let mut resume = self.resume();
        if resume.dirty.is_empty() || resume.journaled.elapsed() < RESUME_SAVE_EVERY {
            return;
        }
        resume.journaled = Instant::now();
        let Resume { at, dirty, .. } = &mut *resume;
        let cursors = dirty.drain().filter_map(|k| at.get(&k).map(|c| (k, *c))).collect();
        self.journal.set_device_cursors(cursors);
    }

    /// Hands one committed batch to every connected device allowed to see (part of) it. Devices that see the
    /// same items of the batch share one [`SharedItems`], so each frame is built once for all of them.
    pub fn fan_out(&self, batch: &Batch) {
        {
            let devices = read(&self.devices);
            let sessions = read(&self.sessions);
            // One cmd (the usual batch): every watcher sees the same, no grouping needed.
            if let [item] = batch.as_slice() {
                if item.kind == Kind::Cmd {
                    let shared = SharedItems::new(vec![item.clone()]);
                    let watchers = devices.by_cmd.get(&item.key).map_or(&[][..], Vec::as_slice);
                    // From the smaller side: the cmd's watchers, or the connected devices (when most watchers are
                    // offline, looking each of them up among the connections costs more than the delivery).
                    if watchers.len() <= sessions.len() {
                        for key in watchers {
                            self.push_to(sessions.get(&**key), key, &shared);
                        }
                    } else {
                        for (key, live) in sessions.iter() {
                            if devices.map.get(key).is_some_and(|d| d.cmds.contains(&item.key)) {
                                self.push_to(Some(live), key, &shared);
                            }
                        }
                    }
                    drop((devices, sessions));
                    self.journal_progress();
                    return;
                }
            }
            // Per connected device that sees something: the positions in the batch of what it sees.
            let mut views: FxHashMap<&str, Vec<u32>> = FxHashMap::default();
            if batch.iter().all(|i| i.kind == Kind::Cmd) {
                for (n, item) in batch.iter().enumerate() {
                    for key in devices.by_cmd.get(&item.key).into_iter().flatten() {
                        if sessions.contains_key(&**key) {
                            views.entry(key).or_default().push(n as u32);
                        }
                    }
                }
            } else {
                for key in sessions.keys() {
                    let Some(device) = devices.map.get(key) else { continue };
                    let seen: Vec<u32> = (0..batch.len() as u32)
                        .filter(|&n| {
                            let i = &batch[n as usize];
                            device.sees(i.kind, &i.key)
                        })
                        .collect();
                    if !seen.is_empty() {
                        views.insert(key, seen);
                    }
                }
            }
            let mut groups: FxHashMap<&[u32], Arc<SharedItems>> = FxHashMap::default();
            for (key, seen) in &views {
                let shared = groups
                    .entry(seen.as_slice())
                    .or_insert_with(|| SharedItems::new(seen.iter().map(|&n| batch[n as usize].clone()).collect()));
                self.push_to(sessions.get(*key), key, shared);
            }
        }
        self.journal_progress();
    }

    fn push_to(&self, live: Option<&Vec<Arc<Session>>>, key: &str, shared: &Arc<SharedItems>) {
        for s in live.into_iter().flatten() {
            let (coalesced, overflow) = s.outbox.push_shared(shared);
            if coalesced > 0 {
                add(&self.metrics.coalesced, coalesced as u64);
            }
            if overflow {
                inc(&self.metrics.slow_closes);
                tracing::warn!("device {} too slow on {:?}: closing it", mask(key), s.transport);
            }
        }
    }

    /// `PUSH`: journals an app message, then hands it to the device's live connections; it stays queued until a
    /// connection has written it (or a poll has answered with it), so that an acknowledged push survives a crash
    /// and reaches the device once. Resolves once the message is committed: then it may be acknowledged.
    pub async fn push(&self, api_key: &str, message: Value) -> Result<(), JournalError> {
        let id = self.journal.queue_push(api_key, message.clone()).wait().await?;
        let live = self.sessions_of(api_key);
        if live.is_empty() {
            inc(&self.metrics.pushes_queued);
            tracing::debug!("device {} offline: queued {}", mask(api_key), escape(frames::message_type(&message)));
            return Ok(());
        }
        for s in &live {
            s.outbox.push_journaled(id, Self::push_frames(s.transport, api_key, &message));
            if frames::is_closing(&message) {
                s.outbox.close(Close { code: close_codes::NORMAL, reason: String::new(), flush_first: true });
            }
        }
        Ok(())
    }

    /// An app message in a transport's shape: over WebSocket with a uuid `id` and `eqApiKey` (lists split when it
    /// is a `SET_EVENTS`), over SSE as the old script sent it.
    pub fn push_frames(transport: Transport, api_key: &str, message: &Value) -> Arc<[Arc<str>]> {
        match transport {
            Transport::WebSocket if frames::message_type(message) == "SET_EVENTS" => {
                frames::ws_answer(message, &Value::Null, Some(api_key)).into_iter().map(Arc::from).collect()
            }
            Transport::WebSocket => [Arc::from(frames::pushed_message(message, api_key).to_string())].into(),
            Transport::Sse => {
                let mut sse = message.clone();
                if let Some(o) = sse.as_object_mut() {
                    o.remove("jeedomApiKey");
                    o.remove("eqApiKey");
                }
                [Arc::from(sse.to_string())].into()
            }
        }
    }

    /// Known devices, and how many of them have a live connection.
    pub fn device_counts(&self) -> (u64, u64) {
        let devices = read(&self.devices);
        let sessions = read(&self.sessions);
        (devices.map.len() as u64, devices.map.keys().filter(|k| sessions.contains_key(*k)).count() as u64)
    }

    pub fn uptime_secs(&self) -> u64 {
        self.started.elapsed().as_secs()
    }

    /// The most live connections there were since the last call (at least as many as now).
    pub fn take_peak_connections(&self) -> u64 {
        let live = self.live_connections();
        self.peak.swap(live, std::sync::atomic::Ordering::Relaxed).max(live)
    }

    /// Live connections, all transports together.
    pub fn live_connections(&self) -> u64 {
        use std::sync::atomic::Ordering::Relaxed;
        self.metrics.ws_connections.load(Relaxed) + self.metrics.sse_connections.load(Relaxed)
    }

    /// `STATUS`.
    pub fn status(&self) -> Value {
        let devices = read(&self.devices);
        let sessions = read(&self.sessions);
        let list: Vec<Value> = devices.map.values().map(|d| device_status(d, sessions.get(&d.api_key))).collect();
        let mut status = self.metrics.to_json();
        status["version"] = json!(env!("CARGO_PKG_VERSION"));
        status["uptime"] = json!(self.uptime_secs());
        status["devices"] = Value::Array(list);
        status
    }

    /// One device's line of [`Hub::status`], looked up by its full key (`null` when the daemon does not know it).
    pub fn device_status(&self, api_key: &str) -> Value {
        let devices = read(&self.devices);
        let sessions = read(&self.sessions);
        devices.map.get(api_key).map_or(Value::Null, |d| device_status(d, sessions.get(api_key)))
    }

    pub fn count_frames(&self, n: usize) {
        add(&self.metrics.frames_out, n as u64);
    }
}
