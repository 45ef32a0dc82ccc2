//! A live connection of a device (a WebSocket or an SSE stream) as the hub sees it, with its outbox: what is
//! waiting to be written to that client.
//!
//! The hub never writes to a socket itself; it drops events and messages into outboxes and the connection's own
//! task writes them. An outbox is bounded: once a client falls behind by half its limit, a newer value of a cmd
//! replaces the unsent older one; past the limit the client is closed as too slow (`close_codes::TOO_SLOW`) and
//! resumes from its cursor when it comes back.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use bytes::Bytes;
use rustc_hash::FxHashMap;
use serde_json::Value;
use tokio::sync::Notify;
use tokio_tungstenite::tungstenite::Utf8Bytes;
use tokio_util::sync::CancellationToken;

use crate::device::Kind;
use crate::journal::Item;
use crate::limits::close_codes;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    WebSocket,
    Sse,
}

/// Events of one committed batch that a group of clients sees alike (the same items of the batch): their frames
/// are built once, by the first client that writes them, and the bytes are shared by every other client of the
/// group.
#[derive(Debug)]
pub struct SharedItems {
    pub items: Vec<Item>,
    ws: OnceLock<Vec<Utf8Bytes>>,
    /// SSE frames carry the stream's `lastHistoricReadTimestamp`: one entry per value seen, a few at most.
    sse: Mutex<Vec<(Value, Bytes)>>,
}

/// SSE frame variants kept per shared batch (streams opened in the same second share one).
const SSE_VARIANTS: usize = 8;

impl SharedItems {
    pub fn new(items: Vec<Item>) -> Arc<SharedItems> {
        Arc::new(SharedItems { items, ws: OnceLock::new(), sse: Mutex::new(Vec::new()) })
    }

    /// The WebSocket frames of these items, built on first use.
    pub fn ws_frames(&self, build: impl FnOnce(&[Item]) -> Vec<String>) -> &[Utf8Bytes] {
        self.ws.get_or_init(|| build(&self.items).into_iter().map(Utf8Bytes::from).collect())
    }

    /// The SSE event of these items for a stream whose historic timestamp is `hist`, built on first use.
    pub fn sse_event(&self, hist: &Value, build: impl FnOnce(&[Item]) -> String) -> Bytes {
        let mut cache = self.sse.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, b)) = cache.iter().find(|(h, _)| h == hist) {
            return b.clone();
        }
        let b = Bytes::from(build(&self.items));
        if cache.len() < SSE_VARIANTS {
            cache.push((hist.clone(), b.clone()));
        }
        b
    }
}

/// Something waiting to be written.
#[derive(Debug)]
pub enum Slot {
    Item(Item),
    /// Items shared with other clients (see [`SharedItems`]).
    Shared(Arc<SharedItems>),
    /// An app message, already serialized.
    Message(Arc<str>),
    /// A journaled push (its id, its frames in the transport's shape): removed from the journal's queue once
    /// written.
    Push(i64, Arc<[Arc<str>]>),
    /// Replaced by a newer value of the same cmd.
    Gone,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Close {
    pub code: u16,
    pub reason: String,
    /// Write what is queued before closing (false for a slow client: its backlog is dropped).
    pub flush_first: bool,
}

#[derive(Default)]
struct Inner {
    slots: VecDeque<Slot>,
    first_seq: u64,
    live: usize,
    by_cmd: FxHashMap<String, u64>,
    close: Option<Close>,
}

impl Inner {
    /// Drops the slots of replaced values and renumbers the rest; shared items become the client's own, so that a
    /// newer value can replace them.
    fn compact(&mut self) {
        self.slots.retain(|s| !matches!(s, Slot::Gone));
        if self.slots.iter().any(|s| matches!(s, Slot::Shared(_))) {
            let slots = std::mem::take(&mut self.slots);
            for slot in slots {
                match slot {
                    Slot::Shared(sh) => self.slots.extend(sh.items.iter().cloned().map(Slot::Item)),
                    other => self.slots.push_back(other),
                }
            }
        }
        self.by_cmd.clear();
        for (n, slot) in self.slots.iter().enumerate() {
            if let Slot::Item(i) = slot {
                if i.kind == Kind::Cmd {
                    self.by_cmd.insert(i.key.clone(), self.first_seq + n as u64);
                }
            }
        }
    }
}

/// What `take` hands to the connection task.
pub struct Taken {
    pub slots: Vec<Slot>,
    pub close: Option<Close>,
}

pub struct Outbox {
    inner: Mutex<Inner>,
    notify: Notify,
    /// Cancelled when the connection must stop at once (too slow, replaced): interrupts a write that is stuck
    /// on a full socket.
    abort: CancellationToken,
    limit: usize,
}

/// What happened to a pushed item.
#[derive(Debug, PartialEq, Eq)]
pub enum Pushed {
    Queued,
    Coalesced,
    Overflow,
    Closed,
}

impl Outbox {
    pub fn new(limit: usize) -> Outbox {
        Outbox {
            inner: Mutex::new(Inner::default()),
            notify: Notify::new(),
            abort: CancellationToken::new(),
            limit: limit.max(2),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn push_item(&self, item: Item) -> Pushed {
        let mut inner = self.lock();
        let outcome = self.push_locked(&mut inner, item);
        drop(inner);
        self.notify.notify_one();
        outcome
    }

    /// Queues items that other clients share; returns how many older values they replaced and whether the client
    /// overflowed. While the client keeps up the batch is queued as one shared slot; once it falls behind by half
    /// its limit, item by item, so that newer values replace older ones exactly as [`Outbox::push_item`] does.
    pub fn push_shared(&self, shared: &Arc<SharedItems>) -> (usize, bool) {
        let mut inner = self.lock();
        if inner.close.is_some() {
            return (0, false);
        }
        let (mut coalesced, mut overflow) = (0, false);
        if inner.live + shared.items.len() < self.limit / 2 {
            inner.slots.push_back(Slot::Shared(shared.clone()));
            inner.live += shared.items.len();
        } else {
            if inner.slots.iter().any(|s| matches!(s, Slot::Shared(_))) {
                inner.compact();
            }
            for item in &shared.items {
                match self.push_locked(&mut inner, item.clone()) {
                    Pushed::Coalesced => coalesced += 1,
                    Pushed::Overflow => overflow = true,
                    Pushed::Closed => break,
                    Pushed::Queued => {}
                }
            }
        }
        drop(inner);
        self.notify.notify_one();
        (coalesced, overflow)
    }

    fn push_locked(&self, inner: &mut Inner, item: Item) -> Pushed {
        if inner.close.is_some() {
            return Pushed::Closed;
        }
        let mut outcome = Pushed::Queued;
        if item.kind == Kind::Cmd && inner.live >= self.limit / 2 {
            if let Some(seq) = inner.by_cmd.get(&item.key).copied() {
                let pos = (seq - inner.first_seq) as usize;
                if let Some(slot @ Slot::Item(_)) = inner.slots.get_mut(pos) {
                    *slot = Slot::Gone;
                    inner.live -= 1;
                    outcome = Pushed::Coalesced;
                }
            }
        }
        if inner.slots.len() > 2 * inner.live + 16 {
            inner.compact();
        }
        let seq = inner.first_seq + inner.slots.len() as u64;
        if item.kind == Kind::Cmd {
            inner.by_cmd.insert(item.key.clone(), seq);
        }
        inner.slots.push_back(Slot::Item(item));
        inner.live += 1;
        if inner.live > self.limit {
            inner.close = Some(Close {
                code: close_codes::TOO_SLOW,
                reason: "client too slow, resume from your cursor".into(),
                flush_first: false,
            });
            inner.slots.clear();
            inner.by_cmd.clear();
            inner.live = 0;
            outcome = Pushed::Overflow;
            self.abort.cancel();
        }
        outcome
    }

    pub fn push_message(&self, message: Arc<str>) -> Pushed {
        let mut inner = self.lock();
        if inner.close.is_some() {
            return Pushed::Closed;
        }
        inner.slots.push_back(Slot::Message(message));
        inner.live += 1;
        drop(inner);
        self.notify.notify_one();
        Pushed::Queued
    }

    /// Queues a journaled push (see [`Slot::Push`]).
    pub fn push_journaled(&self, id: i64, frames: Arc<[Arc<str>]>) -> Pushed {
        let mut inner = self.lock();
        if inner.close.is_some() {
            return Pushed::Closed;
        }
        inner.slots.push_back(Slot::Push(id, frames));
        inner.live += 1;
        drop(inner);
        self.notify.notify_one();
        Pushed::Queued
    }

    /// Asks the connection to close; the first request wins.
    pub fn close(&self, close: Close) {
        let mut inner = self.lock();
        if inner.close.is_none() {
            if !close.flush_first {
                self.abort.cancel();
            }
            inner.close = Some(close);
        }
        drop(inner);
        self.notify.notify_one();
    }

    /// The close asked, if any (without taking what is queued).
    pub fn close_requested(&self) -> Option<Close> {
        self.lock().close.clone()
    }

    /// Resolves when the connection must stop at once.
    pub async fn aborted(&self) {
        self.abort.cancelled().await
    }

    /// Waits until something is queued (or a close is asked).
    pub async fn ready(&self) {
        self.notify.notified().await
    }

    /// Everything waiting, in order, swapped into `into` (empty: the connection keeps it from one drain to the
    /// next, so that a drain allocates nothing); returns the close asked for, if any.
    pub fn take_into(&self, into: &mut VecDeque<Slot>) -> Option<Close> {
        into.clear();
        let mut inner = self.lock();
        std::mem::swap(&mut inner.slots, into);
        inner.first_seq += into.len() as u64;
        inner.live = 0;
        if !inner.by_cmd.is_empty() {
            inner.by_cmd.clear();
        }
        if inner.slots.capacity() > 64 {
            inner.slots.shrink_to(8);
            inner.by_cmd.shrink_to(8);
        }
        let close = inner.close.clone();
        drop(inner);
        if into.capacity() > 64 {
            into.shrink_to(8);
        }
        if close.as_ref().is_some_and(|c| !c.flush_first) {
            into.clear();
        }
        close
    }

    /// Everything waiting, in order.
    pub fn take(&self) -> Taken {
        let mut inner = self.lock();
        let n = inner.slots.len();
        let mut slots: Vec<Slot> = inner.slots.drain(..).collect();
        inner.first_seq += n as u64;
        inner.live = 0;
        inner.by_cmd.clear();
        if inner.slots.capacity() > 64 {
            inner.slots.shrink_to(8);
            inner.by_cmd.shrink_to(8);
        }
        let close = inner.close.clone();
        if close.as_ref().is_some_and(|c| !c.flush_first) {
            slots.clear();
        }
        Taken { slots, close }
    }
}

/// A registered live connection.
pub struct Session {
    pub id: String,
    pub api_key: String,
    pub transport: Transport,
    pub peer: String,
    pub since: i64,
    pub outbox: Outbox,
    /// Cursor of the newest event written to this client.
    pub sent_cursor: AtomicI64,
    /// Id of the newest journaled push written to this client.
    pub pushed: AtomicI64,
}

impl Session {
    pub fn new(id: String, api_key: String, transport: Transport, peer: String, limit: usize) -> Arc<Session> {
        Arc::new(Session {
            id,
            api_key,
            transport,
            peer,
            since: chrono::Utc::now().timestamp(),
            outbox: Outbox::new(limit),
            sent_cursor: AtomicI64::new(0),
            pushed: AtomicI64::new(0),
        })
    }

    pub fn sent(&self) -> i64 {
        self.sent_cursor.load(Ordering::Relaxed)
    }

    pub fn mark_sent(&self, cursor: i64) {
        self.sent_cursor.fetch_max(cursor, Ordering::Relaxed);
    }

    /// Whether the journaled push `id` is newer than every push written to this client.
    pub fn push_is_new(&self, id: i64) -> bool {
        id > self.pushed.load(Ordering::Relaxed)
    }

    pub fn mark_pushed(&self, id: i64) {
        self.pushed.fetch_max(id, Ordering::Relaxed);
    }
}

/// A fresh connection id, unique across restarts (PHP keeps it to ignore a stale DISCONNECT).
pub fn new_session_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(cursor: i64, key: &str) -> Item {
        Item { cursor, kind: Kind::Cmd, key: key.into(), raw: format!("{{\"id\":\"{key}\"}}").into() }
    }

    #[test]
    fn keeps_order_then_coalesces_then_closes() {
        let o = Outbox::new(4);
        assert_eq!(o.push_item(item(1, "a")), Pushed::Queued);
        assert_eq!(o.push_item(item(2, "b")), Pushed::Queued);
        // Two pending = half the limit: a newer "a" replaces the unsent one.
        assert_eq!(o.push_item(item(3, "a")), Pushed::Coalesced);
        let t = o.take();
        let cursors: Vec<i64> =
            t.slots.iter().filter_map(|s| if let Slot::Item(i) = s { Some(i.cursor) } else { None }).collect();
        assert_eq!(cursors, vec![2, 3]);
        for i in 0..5 {
            o.push_item(item(10 + i, &format!("k{i}")));
        }
        let t = o.take();
        assert_eq!(t.close.map(|c| c.code), Some(close_codes::TOO_SLOW));
        assert!(t.slots.is_empty());
        assert_eq!(o.push_item(item(20, "z")), Pushed::Closed);
    }

    #[test]
    fn shared_batches_queue_as_one_slot_then_coalesce_item_by_item_once_behind() {
        let o = Outbox::new(8);
        let a = SharedItems::new(vec![item(1, "a")]);
        let b = SharedItems::new(vec![item(2, "b")]);
        assert_eq!(o.push_shared(&a), (0, false));
        assert_eq!(o.push_shared(&b), (0, false));
        let mut slots = VecDeque::new();
        assert!(o.take_into(&mut slots).is_none());
        assert!(slots.iter().all(|s| matches!(s, Slot::Shared(_))) && slots.len() == 2);
        // Behind by half the limit: the shared items become the client's own and a newer "a" replaces the older.
        for n in 0..4 {
            o.push_shared(&SharedItems::new(vec![item(10 + n, &format!("k{n}"))]));
        }
        assert_eq!(o.push_shared(&SharedItems::new(vec![item(20, "k0")])), (1, false));
        o.take_into(&mut slots);
        let cursors: Vec<i64> =
            slots.iter().filter_map(|s| if let Slot::Item(i) = s { Some(i.cursor) } else { None }).collect();
        assert_eq!(cursors, vec![11, 12, 13, 20]);
        // The shared frames are built once, whoever asks.
        let mut built = 0;
        for _ in 0..3 {
            a.ws_frames(|items| {
                built += 1;
                crate::frames::ws_event_frames(items)
            });
        }
        assert_eq!((built, a.ws_frames(|_| Vec::new()).len()), (1, 1));
    }

    #[test]
    fn a_stalled_reader_of_few_cmds_never_overflows() {
        let o = Outbox::new(8);
        for n in 0..10_000 {
            assert_ne!(o.push_item(item(n, &format!("k{}", n % 3))), Pushed::Overflow);
        }
        let t = o.take();
        let live = t.slots.iter().filter(|s| matches!(s, Slot::Item(_))).count();
        assert!(live <= 8 && t.close.is_none());
        assert!(t.slots.len() < 64, "replaced slots are compacted: {}", t.slots.len());
    }
}
