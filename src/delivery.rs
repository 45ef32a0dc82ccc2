//! The one way events reach a connected client, whatever its transport: the catch-up from a cursor after the
//! client is authenticated, the drain of its outbox, and the rule that a client is only ever written events newer
//! than the last one it was sent (so the catch-up and the live fan-out may overlap without a duplicate).
//!
//! A transport (`ws`, `sse`) implements [`Frames`], which only frames and writes; [`Delivery`] decides what to
//! write and records how far the client got.

use std::collections::VecDeque;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::hub::Hub;
use crate::journal::Item;
use crate::limits::{REPLAY_CHUNK, RESUME_SAVE_EVERY};
use crate::metrics::inc;
use crate::session::{Close, Session, SharedItems, Slot, Transport};

/// Why a write did not happen; the connection ends.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("the client went away")]
    Gone,
    #[error("the client read nothing for {0:?}")]
    Stalled(Duration),
    #[error("stopped by the hub (too slow or replaced)")]
    Aborted,
    #[error("write failed: {0}")]
    Io(String),
}

/// How a transport writes to its client.
pub trait Frames: Send {
    /// Writes events the client has not had (never empty), in one go, in the transport's shape.
    fn events(&mut self, items: &[Item]) -> impl Future<Output = Result<(), WriteError>> + Send;
    /// Writes events shared with other clients (all new to this one), from the bytes built once for all of them.
    fn shared(&mut self, shared: &SharedItems) -> impl Future<Output = Result<(), WriteError>> + Send;
    /// Writes one app message, already serialized.
    fn message(&mut self, json: &str) -> impl Future<Output = Result<(), WriteError>> + Send;
}

/// What a catch-up did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct CaughtUp {
    /// Events written.
    pub replayed: usize,
}

/// The delivery state of one authenticated connection.
pub struct Delivery {
    hub: Arc<Hub>,
    pub session: Arc<Session>,
    saved_at: Instant,
    /// What the last drain took from the outbox, kept empty for the next one.
    slots: VecDeque<Slot>,
}

impl Delivery {
    pub fn new(hub: Arc<Hub>, session: Arc<Session>) -> Delivery {
        Delivery { hub, session, saved_at: Instant::now(), slots: VecDeque::new() }
    }

    /// Writes the events among `items` newer than what this client was sent, and remembers how far it got.
    pub async fn write_items<F: Frames>(&mut self, out: &mut F, items: &[Item]) -> Result<(), WriteError> {
        let sent = self.session.sent();
        let fresh: Vec<Item> = items.iter().filter(|i| i.cursor > sent).cloned().collect();
        let Some(last) = fresh.last().map(|i| i.cursor) else {
            return Ok(());
        };
        out.events(&fresh).await?;
        self.written(last);
        Ok(())
    }

    /// Writes shared items: their shared bytes when all of them are new to this client, else the new ones alone.
    async fn write_shared<F: Frames>(&mut self, out: &mut F, shared: &SharedItems) -> Result<(), WriteError> {
        let (Some(first), Some(last)) = (shared.items.first(), shared.items.last()) else {
            return Ok(());
        };
        if first.cursor <= self.session.sent() {
            return self.write_items(out, &shared.items).await;
        }
        out.shared(shared).await?;
        self.written(last.cursor);
        Ok(())
    }

    /// Records that events up to `last` were written.
    fn written(&mut self, last: i64) {
        self.hub.metrics.observe_delivery(last);
        self.session.mark_sent(last);
        // A WebSocket resumes from the cursor the daemon keeps; SSE clients carry theirs in Last-Event-ID. The hub
        // journals how far live clients got once per commit, not per client.
        if self.session.transport == Transport::WebSocket && self.saved_at.elapsed() >= RESUME_SAVE_EVERY {
            self.saved_at = Instant::now();
            self.hub.note_progress(&self.session);
        }
    }

    /// Writes the events the device may see after `after`, chunk by chunk, up to now, then the pushes queued
    /// for it. A cursor older than the
    /// journal keeps falls back to `head` (the point the client's snapshot was built at); from `head` itself the
    /// snapshot stands in for what was dropped.
    pub async fn catch_up<F: Frames>(
        &mut self,
        out: &mut F,
        mut after: i64,
        head: i64,
    ) -> Result<CaughtUp, WriteError> {
        let key = self.session.api_key.clone();
        let mut done = CaughtUp::default();
        while let Some(device) = self.hub.device(&key) {
            let since = match self.hub.journal.since(after, Some(device), REPLAY_CHUNK).await {
                Ok(s) => s,
                Err(e) => {
                    tracing::error!("{}: resume failed: {e}", self.session.id);
                    break;
                }
            };
            if since.overflow {
                if after == head {
                    break;
                }
                inc(&self.hub.metrics.overflows);
                after = head;
                continue;
            }
            done.replayed += since.items.len();
            self.write_items(out, &since.items).await?;
            self.session.mark_sent(since.cursor);
            if since.items.is_empty() || since.cursor <= after {
                break;
            }
            after = since.cursor;
        }
        self.pending_pushes(out).await?;
        Ok(done)
    }

    /// Writes a journaled push unless this client already had it, then takes it off the journal's queue.
    async fn write_push<F: Frames>(&mut self, out: &mut F, id: i64, frames: &[Arc<str>]) -> Result<(), WriteError> {
        if !self.session.push_is_new(id) {
            return Ok(());
        }
        for f in frames {
            out.message(f).await?;
        }
        self.session.mark_pushed(id);
        self.hub.journal.drop_pushes(vec![id]);
        Ok(())
    }

    /// Writes the pushes queued for the device (while it was away, or not yet written when the daemon stopped),
    /// oldest first. The connection is registered before: a push committed after this read reaches its outbox.
    async fn pending_pushes<F: Frames>(&mut self, out: &mut F) -> Result<(), WriteError> {
        let key = self.session.api_key.clone();
        for (id, message) in self.hub.journal.pending_pushes(&key).await {
            let frames = Hub::push_frames(self.session.transport, &key, &message);
            self.write_push(out, id, &frames).await?;
        }
        Ok(())
    }

    /// Writes what the hub queued in the outbox, in order; returns the close the hub asked for, if any.
    pub async fn drain<F: Frames>(&mut self, out: &mut F) -> Result<Option<Close>, WriteError> {
        let mut slots = std::mem::take(&mut self.slots);
        let close = self.session.outbox.take_into(&mut slots);
        let written = self.write_slots(out, &mut slots).await;
        slots.clear();
        self.slots = slots;
        written?;
        Ok(close)
    }

    async fn write_slots<F: Frames>(&mut self, out: &mut F, slots: &mut VecDeque<Slot>) -> Result<(), WriteError> {
        // One shared batch alone (a client that keeps up): its shared bytes. Several slots are merged into one
        // frame per list, as the client's own.
        if slots.len() == 1 {
            if let Some(Slot::Shared(shared)) = slots.front() {
                let shared = shared.clone();
                slots.clear();
                return self.write_shared(out, &shared).await;
            }
        }
        let mut items: Vec<Item> = Vec::new();
        for slot in slots.drain(..) {
            match slot {
                Slot::Item(i) => items.push(i),
                Slot::Shared(s) => items.extend(s.items.iter().cloned()),
                Slot::Message(m) => {
                    self.write_items(out, &std::mem::take(&mut items)).await?;
                    out.message(&m).await?;
                }
                Slot::Push(id, frames) => {
                    self.write_items(out, &std::mem::take(&mut items)).await?;
                    self.write_push(out, id, &frames).await?;
                }
                Slot::Gone => {}
            }
        }
        self.write_items(out, &items).await
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::json;

    use super::*;
    use crate::config::Config;
    use crate::device::{Device, Kind};
    use crate::journal::{Journal, Retention};

    /// A transport that records what it was asked to write.
    #[derive(Default)]
    struct Recorder {
        writes: Vec<String>,
    }

    impl Frames for Recorder {
        async fn events(&mut self, items: &[Item]) -> Result<(), WriteError> {
            let keys: Vec<String> = items.iter().map(|i| i.raw.to_string()).collect();
            self.writes.push(format!("events {}", keys.join(" ")));
            Ok(())
        }

        async fn shared(&mut self, shared: &SharedItems) -> Result<(), WriteError> {
            self.events(&shared.items).await
        }

        async fn message(&mut self, json: &str) -> Result<(), WriteError> {
            self.writes.push(format!("message {json}"));
            Ok(())
        }
    }

    async fn hub() -> Arc<Hub> {
        let dir = std::env::temp_dir().join(format!("jcd-delivery-{}", uuid::Uuid::new_v4().simple()));
        let retention = Retention { max_events: 100, max_age: Duration::from_secs(3600) };
        let (journal, _, _batches) = Journal::open(&dir, retention).unwrap();
        let hub = Hub::new(Arc::new(Config::with_key("plugin")), journal, Vec::new());
        let device = Device::from_json(&json!({"apiKey": "dev", "useWs": true, "cmds": ["12"]})).unwrap();
        hub.apply_devices(vec![device], false);
        hub
    }

    async fn append(hub: &Hub, values: &[&str]) -> Vec<Item> {
        let items = values.iter().map(|v| (Kind::Cmd, "12".to_string(), json!(v))).collect();
        hub.journal.append(items).await.unwrap().to_vec()
    }

    #[tokio::test]
    async fn catch_up_then_outbox_writes_each_event_once_in_order() {
        let hub = hub().await;
        let head = hub.journal.head();
        let missed = append(&hub, &["a", "b"]).await;
        let session = Session::new("s".into(), "dev".into(), Transport::Sse, "peer".into(), 16);
        let mut delivery = Delivery::new(hub.clone(), session.clone());
        let mut out = Recorder::default();

        let done = delivery.catch_up(&mut out, head, head).await.unwrap();
        assert_eq!(done, CaughtUp { replayed: 2 });
        assert_eq!(out.writes, vec![r#"events "a" "b""#]);
        assert_eq!(session.sent(), missed[1].cursor);

        // The fan-out of the same events (it raced the catch-up) and then a newer one, with a message between.
        let newer = append(&hub, &["c"]).await;
        for i in missed.iter().chain(&newer) {
            session.outbox.push_item(i.clone());
        }
        session.outbox.push_message(Arc::from(r#"{"type":"ACTIONS"}"#));
        assert_eq!(delivery.drain(&mut out).await.unwrap(), None);
        assert_eq!(out.writes, vec![r#"events "a" "b""#, r#"events "c""#, r#"message {"type":"ACTIONS"}"#]);
        assert_eq!(session.sent(), newer[0].cursor);

        // Nothing newer: nothing written.
        delivery.write_items(&mut out, &missed).await.unwrap();
        assert_eq!(out.writes.len(), 3);
    }

    #[tokio::test]
    async fn a_journaled_push_is_written_once_then_leaves_the_queue() {
        let hub = hub().await;
        let session = Session::new("s".into(), "dev".into(), Transport::Sse, "peer".into(), 16);
        hub.register(session.clone());
        let mut delivery = Delivery::new(hub.clone(), session.clone());
        let mut out = Recorder::default();
        // Committed and in the outbox before the catch-up reads the queue: both see it, one writes it.
        hub.push("dev", json!({"type": "ACTIONS", "eqApiKey": "dev"})).await.unwrap();
        let head = hub.journal.head();
        delivery.catch_up(&mut out, head, head).await.unwrap();
        delivery.drain(&mut out).await.unwrap();
        assert_eq!(out.writes, vec![r#"message {"type":"ACTIONS"}"#]);
        hub.journal.flush().await;
        assert!(hub.journal.pending_pushes("dev").await.is_empty(), "a written push stays queued");
    }

    #[tokio::test]
    async fn a_cursor_older_than_the_journal_falls_back_to_the_snapshot_point() {
        let hub = hub().await;
        let session = Session::new("s".into(), "dev".into(), Transport::WebSocket, "peer".into(), 16);
        let mut delivery = Delivery::new(hub.clone(), session);
        let mut out = Recorder::default();
        // 150 events with a retention of 100: a cursor from before them is gone.
        let first = append(&hub, &["x"]).await[0].cursor;
        for _ in 0..15 {
            append(&hub, &["y"; 10]).await;
        }
        let head = hub.journal.head();
        let after_head = append(&hub, &["z"]).await;
        let done = delivery.catch_up(&mut out, first - 1, head).await.unwrap();
        assert_eq!(done.replayed, 1, "only what came after the snapshot point: {:?}", out.writes);
        assert_eq!(out.writes, vec![r#"events "z""#]);
        assert_eq!(delivery.session.sent(), after_head[0].cursor);
    }
}
