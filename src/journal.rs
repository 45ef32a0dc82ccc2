//! The journal: every accepted event, the device records, per-device resume cursors and queued pushes, in one
//! SQLite file (WAL) under `--data-dir` (docs/architecture.md, "Storage").
//!
//! One thread owns the writing connection. It takes requests from a channel, applies everything that is waiting
//! in one transaction, commits, and only then answers and hands the committed events to the hub for fan-out, in
//! cursor order. Reads (resume, `EVENTS_SINCE`, polling) use a second, read-only connection on the blocking pool,
//! so neither kind of disk work sits on the path that writes a frame to a socket.
//!
//! Durability: `synchronous=NORMAL` in WAL mode. A committed event survives the daemon being killed (`kill -9`);
//! after a power cut the last transactions before the cut may be rolled back, the file stays consistent. Device
//! records and queued pushes hand back a [`Committed`] that the control socket waits on before it acknowledges.
//!
//! A file SQLite reports as corrupt (or not a database) is moved aside, named in an ERROR line, and the daemon
//! starts on a fresh journal whose history begins now: every client cursor is then older than what is kept, so
//! apps resync with a full snapshot.
//!
//! Cursors are unix times in microseconds, strictly increasing; the app sees them as float seconds.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::Value;
use tokio::sync::oneshot;

use crate::device::{Device, Kind};

/// One journaled event item (a cmd, scenario or object change in the app's incremental shape).
#[derive(Clone, Debug)]
pub struct Item {
    pub cursor: i64,
    pub kind: Kind,
    pub key: String,
    /// The item's JSON text, serialized once and reused for every client.
    pub raw: Arc<str>,
}

/// Items committed together, in cursor order.
pub type Batch = Arc<Vec<Item>>;

/// A cursor in the app's form: float seconds.
pub fn cursor_to_secs(c: i64) -> f64 {
    c as f64 / 1e6
}

/// A `DATETIME` / `lastReadTimestamp` / `Last-Event-ID` sent back by a client.
pub fn cursor_from_secs(s: f64) -> i64 {
    (s * 1e6).round() as i64
}

/// The latest cursor a client may send back: the year 9999, in seconds. Anything later is not a time this daemon
/// could have handed out.
pub const MAX_CURSOR_SECS: f64 = 253_402_300_799.0;

/// A cursor sent back by a client, if it is one: a finite number of seconds from 0 to [`MAX_CURSOR_SECS`].
/// `NaN`, infinities, negatives and absurdly large values are no cursor (the caller treats them as a first
/// visit), never a cursor past every event nor one before them all.
pub fn cursor_from_value(v: &Value) -> Option<i64> {
    let secs = match v {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    (secs.is_finite() && (0.0..=MAX_CURSOR_SECS).contains(&secs)).then(|| cursor_from_secs(secs))
}

fn now_micros() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_micros() as i64).unwrap_or(0)
}

/// What a reader gets back: the matching items after a cursor.
#[derive(Debug, Default)]
pub struct Since {
    pub items: Vec<Item>,
    /// The cursor to give back to the client: everything up to it was looked at.
    pub cursor: i64,
    /// The requested cursor is older than what the journal still keeps: a full snapshot is needed.
    pub overflow: bool,
}

/// What went wrong with the journal, with SQLite's or the system's reason.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("data dir {path}: {source}")]
    DataDir { path: String, source: std::io::Error },
    #[error("journal {path}: {source}")]
    Open { path: String, source: rusqlite::Error },
    #[error("journal thread: {0}")]
    Thread(std::io::Error),
    #[error("journal stopped")]
    Stopped,
    #[error("journal write failed: {0}")]
    Write(Arc<rusqlite::Error>),
    #[error("journal read: {0}")]
    Read(#[from] rusqlite::Error),
    #[error("journal read: {0}")]
    Reader(String),
    #[error("journal {path} is corrupt and could not be moved aside: {source}")]
    MoveAside { path: String, source: std::io::Error },
}

/// Resolves once the request it was handed for is committed (or has failed), with what the commit gives back
/// (the id of a queued push).
pub struct Committed<T = ()>(oneshot::Receiver<Result<T, JournalError>>);

impl<T> Committed<T> {
    pub async fn wait(self) -> Result<T, JournalError> {
        self.0.await.map_err(|_| JournalError::Stopped)?
    }
}

fn committed<T>() -> (oneshot::Sender<Result<T, JournalError>>, Committed<T>) {
    let (tx, rx) = oneshot::channel();
    (tx, Committed(rx))
}

/// Answers a request once its transaction is settled.
type Reply = Box<dyn FnOnce(Result<(), Arc<rusqlite::Error>>)>;

enum Op {
    Append(Vec<(Kind, String, Value)>, oneshot::Sender<Result<Batch, JournalError>>),
    Devices(Vec<Device>, bool, oneshot::Sender<Result<(), JournalError>>),
    DeviceCursors(Vec<(String, i64)>),
    QueuePush(String, Value, oneshot::Sender<Result<i64, JournalError>>),
    /// The pushes queued for a device, oldest first, with their ids; removed from the queue when `true`.
    Pushes(String, bool, oneshot::Sender<Vec<(i64, Value)>>),
    /// Removes pushes that were written to their device.
    DropPushes(Vec<i64>),
    Barrier(oneshot::Sender<()>),
}

pub struct Retention {
    pub max_events: u64,
    pub max_age: Duration,
}

#[derive(Clone)]
pub struct Journal {
    tx: mpsc::Sender<Op>,
    reader: Arc<Mutex<Connection>>,
    /// The newest committed cursor, published by the writer after each commit.
    head: Arc<AtomicI64>,
}

/// What was on disk at start.
pub struct Loaded {
    pub devices: Vec<(Device, Option<i64>)>,
    /// PHP once sent the full set of devices (`DEVICES` with `full`): a key not among them is unknown to PHP too.
    pub full_set: bool,
}

const SCHEMA: &str = "
PRAGMA journal_mode=WAL;
CREATE TABLE IF NOT EXISTS events (cursor INTEGER PRIMARY KEY, kind INTEGER NOT NULL, key TEXT NOT NULL,
                                   payload TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS state (kind INTEGER NOT NULL, key TEXT NOT NULL, cursor INTEGER NOT NULL,
                                  payload TEXT NOT NULL, PRIMARY KEY (kind, key));
CREATE TABLE IF NOT EXISTS devices (api_key TEXT PRIMARY KEY, record TEXT NOT NULL, cursor INTEGER);
CREATE TABLE IF NOT EXISTS pushes (id INTEGER PRIMARY KEY AUTOINCREMENT, api_key TEXT NOT NULL,
                                   message TEXT NOT NULL, created INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS pushes_by_key ON pushes (api_key, id);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
";

fn open(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(crate::limits::JOURNAL_BUSY_TIMEOUT)?;
    conn.execute_batch("PRAGMA synchronous=NORMAL;")?;
    Ok(conn)
}

fn meta(conn: &Connection, key: &str) -> rusqlite::Result<i64> {
    Ok(conn
        .prepare_cached("SELECT value FROM meta WHERE key=?1")?
        .query_row([key], |r| r.get(0))
        .optional()?
        .unwrap_or(0))
}

impl Journal {
    /// Opens (or creates) `<dir>/jeedomconnectd.sqlite`, starts the writer thread, and returns the journal, what
    /// was stored, and the stream of committed batches for the hub.
    pub fn open(
        dir: &Path,
        retention: Retention,
    ) -> Result<(Journal, Loaded, tokio::sync::mpsc::UnboundedReceiver<Batch>), JournalError> {
        std::fs::create_dir_all(dir)
            .map_err(|source| JournalError::DataDir { path: dir.display().to_string(), source })?;
        let path: PathBuf = dir.join("jeedomconnectd.sqlite");
        let err = |source: rusqlite::Error| JournalError::Open { path: path.display().to_string(), source };
        let (writer, reader, loaded) = match open_files(&path) {
            Err(e) if is_corrupt(&e) => {
                let aside = move_aside(&path)?;
                tracing::error!(
                    "journal {} is corrupt ({e}): moved aside to {}, starting on a fresh journal (apps resync with a \
                     full snapshot)",
                    path.display(),
                    aside.display()
                );
                // a fresh file: its history begins now (open_files), so every client resyncs with a snapshot
                open_files(&path).map_err(err)?
            }
            opened => opened.map_err(err)?,
        };
        let (tx, rx) = mpsc::channel();
        let (done_tx, done_rx) = tokio::sync::mpsc::unbounded_channel();
        let mut w = Writer::new(writer, retention, done_tx).map_err(err)?;
        let head = w.head.clone();
        std::thread::Builder::new().name("journal".into()).spawn(move || w.run(rx)).map_err(JournalError::Thread)?;
        Ok((Journal { tx, reader: Arc::new(Mutex::new(reader)), head }, loaded, done_rx))
    }

    /// Journals the items; resolves once they are committed (the hub gets them for fan-out at the same time).
    pub async fn append(&self, items: Vec<(Kind, String, Value)>) -> Result<Batch, JournalError> {
        let (tx, rx) = oneshot::channel();
        self.tx.send(Op::Append(items, tx)).map_err(|_| JournalError::Stopped)?;
        rx.await.map_err(|_| JournalError::Stopped)?
    }

    /// Stores device records (`full`: they are the whole set); the answer resolves once they are committed.
    pub fn put_devices(&self, devices: Vec<Device>, full: bool) -> Committed {
        let (tx, done) = committed();
        let _ = self.tx.send(Op::Devices(devices, full, tx));
        done
    }

    /// Stores where devices' WebSockets resume (written once per commit, whatever the number of requests).
    pub fn set_device_cursors(&self, cursors: Vec<(String, i64)>) {
        if !cursors.is_empty() {
            let _ = self.tx.send(Op::DeviceCursors(cursors));
        }
    }

    /// Queues a message for a device until it is written to it; the answer resolves once it is committed, with
    /// the push's id (ids grow with every push).
    pub fn queue_push(&self, api_key: &str, message: Value) -> Committed<i64> {
        let (tx, done) = committed();
        let _ = self.tx.send(Op::QueuePush(api_key.to_string(), message, tx));
        done
    }

    /// The pushes queued for a device, oldest first, with their ids; they stay queued until
    /// [`Journal::drop_pushes`].
    pub async fn pending_pushes(&self, api_key: &str) -> Vec<(i64, Value)> {
        self.pushes(api_key, false).await
    }

    /// Removes and returns the pushes queued for a device, oldest first (a poll's answer carries them).
    pub async fn take_pushes(&self, api_key: &str) -> Vec<Value> {
        self.pushes(api_key, true).await.into_iter().map(|(_, m)| m).collect()
    }

    async fn pushes(&self, api_key: &str, remove: bool) -> Vec<(i64, Value)> {
        let (tx, rx) = oneshot::channel();
        if self.tx.send(Op::Pushes(api_key.to_string(), remove, tx)).is_err() {
            return Vec::new();
        }
        rx.await.unwrap_or_default()
    }

    /// Removes pushes once they were written to their device (committed with the next transaction).
    pub fn drop_pushes(&self, ids: Vec<i64>) {
        if !ids.is_empty() {
            let _ = self.tx.send(Op::DropPushes(ids));
        }
    }

    /// Resolves when everything sent before it is committed.
    pub async fn flush(&self) {
        let (tx, rx) = oneshot::channel();
        if self.tx.send(Op::Barrier(tx)).is_ok() {
            let _ = rx.await;
        }
    }

    /// The items after `after` that `device` may see, at most `limit` of them.
    pub async fn since(&self, after: i64, device: Option<Device>, limit: usize) -> Result<Since, JournalError> {
        let reader = self.reader.clone();
        tokio::task::spawn_blocking(move || {
            let conn = reader.lock().map_err(|_| JournalError::Reader("reader poisoned".into()))?;
            Ok(read_since(&conn, after, device.as_ref(), limit)?)
        })
        .await
        .map_err(|e| JournalError::Reader(e.to_string()))?
    }

    /// The newest committed cursor.
    pub fn head(&self) -> i64 {
        self.head.load(Ordering::Acquire)
    }
}

/// Opens both connections on `path`, creates the schema, checks the file and reads the device records.
fn open_files(path: &Path) -> rusqlite::Result<(Connection, Connection, Loaded)> {
    let writer = open(path)?;
    let check: String = writer.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
    if check != "ok" {
        return Err(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CORRUPT),
            Some(format!("integrity check: {check}")),
        ));
    }
    let fresh: i64 =
        writer.query_row("SELECT count(*) FROM sqlite_master WHERE type='table' AND name='meta'", [], |r| r.get(0))?;
    writer.execute_batch(SCHEMA)?;
    if fresh == 0 {
        // A new journal (first start, or one moved aside as corrupt): its history begins now. A cursor a client
        // got before (from the plugin without the daemon, or from an older journal) is older than anything kept,
        // so it gets a full snapshot, never an empty resume.
        writer.execute(
            "INSERT INTO meta VALUES ('last_cursor', ?1), ('trimmed_upto', ?1)
             ON CONFLICT(key) DO UPDATE SET value=excluded.value",
            [now_micros()],
        )?;
    }
    let reader = open(path)?;
    let mut devices = Vec::new();
    {
        let mut st = writer.prepare("SELECT record, cursor FROM devices")?;
        let rows = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<i64>>(1)?)))?;
        for row in rows {
            let (record, cursor) = row?;
            if let Some(d) = serde_json::from_str(&record).ok().and_then(|v| Device::from_json(&v).ok()) {
                devices.push((d, cursor));
            }
        }
    }
    let full_set = meta(&writer, "full_set")? != 0;
    Ok((writer, reader, Loaded { devices, full_set }))
}

/// SQLite's way of saying the file is damaged or is not a database at all.
fn is_corrupt(e: &rusqlite::Error) -> bool {
    use rusqlite::ErrorCode::{DatabaseCorrupt, NotADatabase};
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if matches!(f.code, DatabaseCorrupt | NotADatabase))
}

/// Renames the journal (and its WAL and shared-memory files) to `<name>.corrupt-<unix time>`; returns the new
/// name of the main file.
fn move_aside(path: &Path) -> Result<PathBuf, JournalError> {
    let stamp = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let aside = PathBuf::from(format!("{}.corrupt-{stamp}", path.display()));
    std::fs::rename(path, &aside)
        .map_err(|source| JournalError::MoveAside { path: path.display().to_string(), source })?;
    for suffix in ["-wal", "-shm"] {
        let side = PathBuf::from(format!("{}{suffix}", path.display()));
        if side.exists() {
            let _ = std::fs::rename(&side, format!("{}{suffix}", aside.display()));
        }
    }
    Ok(aside)
}

fn read_since(conn: &Connection, after: i64, device: Option<&Device>, limit: usize) -> rusqlite::Result<Since> {
    let tx = conn.unchecked_transaction()?;
    let trimmed = meta(&tx, "trimmed_upto")?;
    let newest: Option<i64> = tx.prepare_cached("SELECT MAX(cursor) FROM events")?.query_row([], |r| r.get(0))?;
    let head = newest.unwrap_or(0).max(meta(&tx, "last_cursor")?).max(trimmed);
    let mut out = Since { cursor: head, ..Since::default() };
    if after < trimmed {
        out.overflow = true;
        return Ok(out);
    }
    // Nothing newer (or a cursor from the future, e.g. a clock that jumped): hand back the head.
    if after >= head || limit == 0 {
        return Ok(out);
    }
    let mut st =
        tx.prepare_cached("SELECT cursor, kind, key, payload FROM events WHERE cursor > ?1 ORDER BY cursor")?;
    let mut rows = st.query([after])?;
    while let Some(r) = rows.next()? {
        let cursor: i64 = r.get(0)?;
        let kind = Kind::from_code(r.get(1)?);
        let key: String = r.get(2)?;
        if device.is_none_or(|d| d.sees(kind, &key)) {
            if out.items.len() == limit {
                // Stop before this one; the client comes back from the last item it got.
                out.cursor = out.items.last().map_or(after, |i| i.cursor);
                return Ok(out);
            }
            let raw: String = r.get(3)?;
            out.items.push(Item { cursor, kind, key, raw: raw.into() });
        }
    }
    Ok(out)
}

struct Writer {
    conn: Connection,
    done: tokio::sync::mpsc::UnboundedSender<Batch>,
    head: Arc<AtomicI64>,
    c: Counters,
    /// What the `meta` table holds since the last commit (it is only written when the trim point moves).
    meta_written: Option<(i64, i64)>,
}

/// What the writer keeps in memory about the journal.
struct Counters {
    retention: Retention,
    last_cursor: i64,
    trimmed_upto: i64,
    count: u64,
}

impl Writer {
    fn new(
        conn: Connection,
        retention: Retention,
        done: tokio::sync::mpsc::UnboundedSender<Batch>,
    ) -> rusqlite::Result<Writer> {
        let max_event: i64 = conn.query_row("SELECT COALESCE(MAX(cursor), 0) FROM events", [], |r| r.get(0))?;
        let last_cursor = meta(&conn, "last_cursor")?.max(max_event).max(meta(&conn, "trimmed_upto")?);
        let trimmed_upto = meta(&conn, "trimmed_upto")?;
        let count: i64 = conn.query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0))?;
        let head = Arc::new(AtomicI64::new(last_cursor));
        let c = Counters { retention, last_cursor, trimmed_upto, count: count as u64 };
        Ok(Writer { conn, done, head, c, meta_written: None })
    }

    fn run(&mut self, rx: mpsc::Receiver<Op>) {
        while let Ok(first) = rx.recv() {
            let mut ops = vec![first];
            while ops.len() < crate::limits::JOURNAL_BATCH {
                match rx.try_recv() {
                    Ok(op) => ops.push(op),
                    Err(_) => break,
                }
            }
            self.apply(ops);
        }
    }

    fn apply(&mut self, ops: Vec<Op>) {
        let c = &mut self.c;
        let before = (c.last_cursor, c.trimmed_upto, c.count);
        let mut replies: Vec<Reply> = Vec::new();
        let mut batches = Vec::new();
        let mut cursors: rustc_hash::FxHashMap<String, i64> = Default::default();
        // BEGIN and COMMIT as cached statements: a transaction per commit, without parsing its SQL every time.
        let tx = &self.conn;
        let result = (|| -> rusqlite::Result<()> {
            tx.prepare_cached("BEGIN")?.execute([])?;
            for op in ops {
                match op {
                    Op::Append(items, reply) => {
                        let batch = Arc::new(c.append(tx, items)?);
                        batches.push(batch.clone());
                        replies.push(Box::new(move |r| {
                            let _ = reply.send(r.map(|_| batch).map_err(JournalError::Write));
                        }));
                    }
                    Op::Devices(devices, full, reply) => {
                        replies.push(Box::new(move |r| {
                            let _ = reply.send(r.map_err(JournalError::Write));
                        }));
                        if full {
                            tx.execute(
                                "INSERT INTO meta VALUES ('full_set', 1) ON CONFLICT(key) DO UPDATE SET value=1",
                                [],
                            )?;
                            tx.execute("CREATE TEMP TABLE IF NOT EXISTS keep (k TEXT PRIMARY KEY)", [])?;
                            tx.execute("DELETE FROM keep", [])?;
                            let mut keep = tx.prepare_cached("INSERT OR IGNORE INTO keep VALUES (?1)")?;
                            for d in &devices {
                                keep.execute([&d.api_key])?;
                            }
                            tx.execute("DELETE FROM devices WHERE api_key NOT IN (SELECT k FROM keep)", [])?;
                        }
                        let mut put = tx.prepare_cached(
                            "INSERT INTO devices (api_key, record) VALUES (?1, ?2)
                             ON CONFLICT(api_key) DO UPDATE SET record=excluded.record",
                        )?;
                        for d in devices {
                            put.execute(params![d.api_key, d.to_json().to_string()])?;
                        }
                    }
                    Op::DeviceCursors(list) => {
                        for (key, cursor) in list {
                            let slot = cursors.entry(key).or_insert(cursor);
                            *slot = (*slot).max(cursor);
                        }
                    }
                    Op::QueuePush(key, message, reply) => {
                        let id = std::rc::Rc::new(std::cell::Cell::new(0));
                        let got = id.clone();
                        replies.push(Box::new(move |r| {
                            let _ = reply.send(r.map(|_| got.get()).map_err(JournalError::Write));
                        }));
                        tx.prepare_cached("INSERT INTO pushes (api_key, message, created) VALUES (?1, ?2, ?3)")?
                            .execute(params![key, message.to_string(), now_micros() / 1_000_000])?;
                        id.set(tx.last_insert_rowid());
                    }
                    Op::Pushes(key, remove, reply) => {
                        let mut st =
                            tx.prepare_cached("SELECT id, message FROM pushes WHERE api_key=?1 ORDER BY id")?;
                        let mut rows = 0;
                        let msgs: Vec<(i64, Value)> = st
                            .query_map([&key], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?
                            .inspect(|_| rows += 1)
                            .filter_map(|m| m.ok().and_then(|(id, m)| Some((id, serde_json::from_str(&m).ok()?))))
                            .collect();
                        // Most connections have nothing queued: no delete to run then.
                        if remove && rows > 0 {
                            tx.prepare_cached("DELETE FROM pushes WHERE api_key=?1")?.execute([&key])?;
                        }
                        replies.push(Box::new(move |r| {
                            let _ = reply.send(if r.is_ok() { msgs } else { Vec::new() });
                        }));
                    }
                    Op::DropPushes(ids) => {
                        let mut st = tx.prepare_cached("DELETE FROM pushes WHERE id=?1")?;
                        for id in ids {
                            st.execute([id])?;
                        }
                    }
                    Op::Barrier(reply) => replies.push(Box::new(move |_| {
                        let _ = reply.send(());
                    })),
                }
            }
            if !cursors.is_empty() {
                let mut st = tx.prepare_cached("UPDATE devices SET cursor=?2 WHERE api_key=?1")?;
                for (key, cursor) in &cursors {
                    st.execute(params![key, cursor])?;
                }
            }
            c.trim(tx)?;
            // The newest cursor is the newest event's: `meta` is only needed once trimming may have removed it.
            if self.meta_written.is_none_or(|(_, trimmed)| trimmed != c.trimmed_upto) {
                tx.prepare_cached(
                    "INSERT INTO meta VALUES ('last_cursor', ?1), ('trimmed_upto', ?2)
                     ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                )?
                .execute(params![c.last_cursor, c.trimmed_upto])?;
            }
            tx.prepare_cached("COMMIT")?.execute([]).map(drop)
        })();
        if result.is_err() && !self.conn.is_autocommit() {
            if let Err(e) = self.conn.execute_batch("ROLLBACK") {
                tracing::error!("journal rollback failed: {e}");
            }
        }
        match result {
            Ok(()) => {
                self.meta_written = Some((self.c.last_cursor, self.c.trimmed_upto));
                self.head.store(self.c.last_cursor, Ordering::Release);
                for b in batches.into_iter().filter(|b| !b.is_empty()) {
                    let _ = self.done.send(b);
                }
                replies.into_iter().for_each(|r| r(Ok(())));
            }
            Err(e) => {
                tracing::error!("journal write failed: {e}");
                (c.last_cursor, c.trimmed_upto, c.count) = before;
                self.meta_written = None;
                let e = Arc::new(e);
                replies.into_iter().for_each(|r| r(Err(e.clone())));
            }
        }
    }
}

impl Counters {
    fn append(&mut self, tx: &Connection, items: Vec<(Kind, String, Value)>) -> rusqlite::Result<Vec<Item>> {
        let mut out = Vec::with_capacity(items.len());
        let mut ins = tx.prepare_cached("INSERT INTO events (cursor, kind, key, payload) VALUES (?1, ?2, ?3, ?4)")?;
        let mut state = tx.prepare_cached(
            "INSERT INTO state (kind, key, cursor, payload) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(kind, key) DO UPDATE SET cursor=excluded.cursor, payload=excluded.payload",
        )?;
        for (kind, key, value) in items {
            let cursor = now_micros().max(self.last_cursor + 1);
            self.last_cursor = cursor;
            let raw = value.to_string();
            ins.execute(params![cursor, kind.code(), key, raw])?;
            state.execute(params![kind.code(), key, cursor, raw])?;
            self.count += 1;
            out.push(Item { cursor, kind, key, raw: raw.into() });
        }
        Ok(out)
    }

    /// Keeps the journal within its count and age bounds; remembers the newest cursor it dropped so that a client
    /// asking from before it gets a full snapshot instead of a partial resume.
    fn trim(&mut self, tx: &Connection) -> rusqlite::Result<()> {
        let mut upto: Option<i64> = None;
        let slack = (self.retention.max_events / 10).max(1);
        if self.count > self.retention.max_events + slack || (self.count > self.retention.max_events && slack <= 1) {
            let excess = self.count - self.retention.max_events;
            upto = tx
                .prepare_cached("SELECT cursor FROM events ORDER BY cursor LIMIT 1 OFFSET ?1")?
                .query_row([excess as i64 - 1], |r| r.get(0))
                .optional()?;
        }
        let cutoff = now_micros() - self.retention.max_age.as_micros() as i64;
        let by_age: Option<i64> =
            tx.prepare_cached("SELECT MAX(cursor) FROM events WHERE cursor < ?1")?.query_row([cutoff], |r| r.get(0))?;
        let upto = match (upto, by_age) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        if let Some(upto) = upto {
            let n = tx.prepare_cached("DELETE FROM events WHERE cursor <= ?1")?.execute([upto])?;
            self.count = self.count.saturating_sub(n as u64);
            self.trimmed_upto = self.trimmed_upto.max(upto);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn retention(n: u64) -> Retention {
        Retention { max_events: n, max_age: Duration::from_secs(3600) }
    }

    fn cmd(id: &str, v: i64) -> (Kind, String, Value) {
        (Kind::Cmd, id.to_string(), json!({"id": id, "value": v.to_string()}))
    }

    #[test]
    fn only_finite_cursors_are_cursors() {
        for bad in ["inf", "-inf", "NaN", "nan", "1e308", "-1", "1e12", "", "x", "infinity"] {
            assert_eq!(cursor_from_value(&json!(bad)), None, "{bad:?}");
        }
        assert_eq!(cursor_from_value(&json!(-0.5)), None);
        assert_eq!(cursor_from_value(&json!(1e300)), None);
        assert_eq!(cursor_from_value(&json!(1700000000.25)), Some(1_700_000_000_250_000));
        assert_eq!(cursor_from_value(&json!(" 12.5 ")), Some(12_500_000));
        assert_eq!(cursor_from_value(&json!(0)), Some(0));
    }

    #[tokio::test]
    async fn cursors_increase_and_survive_a_reopen() {
        let dir = tempdir();
        let (j, _, mut done) = Journal::open(&dir, retention(100)).unwrap();
        let a = j.append(vec![cmd("1", 1), cmd("2", 2)]).await.unwrap();
        assert!(a[0].cursor < a[1].cursor);
        assert_eq!(done.recv().await.unwrap().len(), 2);
        let since = j.since(a[0].cursor, None, 100).await.unwrap();
        assert_eq!(since.items.len(), 1);
        assert_eq!(since.cursor, a[1].cursor);
        j.queue_push("k", json!({"type":"ACTIONS"})).wait().await.unwrap();
        drop(j);
        let (j, _, _) = Journal::open(&dir, retention(100)).unwrap();
        let b = j.append(vec![cmd("1", 3)]).await.unwrap();
        assert!(b[0].cursor > a[1].cursor);
        assert_eq!(j.take_pushes("k").await.len(), 1);
        assert!(j.take_pushes("k").await.is_empty());
    }

    #[tokio::test]
    async fn a_new_journal_sends_a_snapshot_to_a_cursor_from_before_it_but_a_reopened_one_resumes() {
        let dir = tempdir();
        let before = now_micros() - 1_000_000; // a cursor the plugin handed out before the first start
        let (j, _, _) = Journal::open(&dir, retention(100)).unwrap();
        assert!(j.since(before, None, 100).await.unwrap().overflow, "history begins at the first start");
        let a = j.append(vec![cmd("1", 1)]).await.unwrap()[0].cursor;
        drop(j);
        let (j, _, _) = Journal::open(&dir, retention(100)).unwrap();
        let since = j.since(a - 1, None, 100).await.unwrap();
        assert!(!since.overflow, "a restart keeps the history");
        assert_eq!(since.items.len(), 1);
    }

    #[tokio::test]
    async fn trimmed_cursors_overflow_and_filters_apply() {
        let dir = tempdir();
        let (j, _, _) = Journal::open(&dir, retention(5)).unwrap();
        let first = j.append(vec![cmd("1", 0)]).await.unwrap()[0].cursor;
        for i in 0..20 {
            j.append(vec![cmd(if i % 2 == 0 { "1" } else { "2" }, i)]).await.unwrap();
        }
        assert!(j.since(first, None, 100).await.unwrap().overflow);
        let head = j.head();
        let mut d = Device::from_json(&json!({"apiKey":"k","cmds":["2"]})).unwrap();
        let recent = j.since(head - 1, Some(d.clone()), 100).await.unwrap();
        assert!(!recent.overflow);
        d.cmds.clear();
        assert!(j.since(head - 1, Some(d), 100).await.unwrap().items.is_empty());
    }

    #[tokio::test]
    async fn a_file_with_damaged_pages_is_moved_aside_and_history_restarts_now() {
        let dir = tempdir();
        let (j, _, _) = Journal::open(&dir, retention(100_000)).unwrap();
        let items: Vec<_> = (0..3000).map(|i| cmd(&i.to_string(), i)).collect();
        let first = j.append(items).await.unwrap()[0].cursor;
        drop(j);
        // The writer thread closes its connection (checkpointing the WAL into the file) once the channel is gone.
        let path = dir.join("jeedomconnectd.sqlite");
        for _ in 0..100 {
            if !dir.join("jeedomconnectd.sqlite-wal").exists() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let mut bytes = std::fs::read(&path).unwrap();
        assert!(bytes.len() > 8 * 4096, "{}", bytes.len());
        // A valid header and schema, garbage in the last pages (events): opening works, reading them does not.
        let end = bytes.len();
        for b in &mut bytes[end - 4 * 4096..end - 4096] {
            *b = 0xA5;
        }
        std::fs::write(&path, bytes).unwrap();
        let (j, loaded, _) = Journal::open(&dir, retention(100_000)).unwrap();
        let aside = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.starts_with("jeedomconnectd.sqlite.corrupt-"))
            .count();
        assert_eq!(aside, 1);
        assert!(loaded.devices.is_empty() && !loaded.full_set);
        assert!(j.since(first, None, 10).await.unwrap().overflow, "an old cursor gets a snapshot");
        assert!(!j.append(vec![cmd("1", 1)]).await.unwrap().is_empty());
    }

    fn tempdir() -> PathBuf {
        let d = std::env::temp_dir().join(format!("jcd-journal-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&d).unwrap();
        d
    }
}
