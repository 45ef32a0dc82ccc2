//! A new layout version reaches the live connections at once (docs/protocol.md, "Events").
//!
//! When a device record arrives (`DEVICES` or an answer's `jcd`) with another `configVersion` than the one the
//! daemon knew, every WebSocket and SSE connection of that device asks PHP, for that connection, the `GET_EVENTS`
//! the old plugin's per-second loop asked with the version the phone has: PHP answers `CONFIG_AND_INFOS` (the new
//! layout and its state objects), or nothing while the app is in the background, and that answer is written to the
//! connection like any other message (with `newLayoutOnly`, PHP answers nothing else: no queued action is taken by
//! a request whose other answers would be dropped). Polling phones get the same answer at their next `GET_EVENTS`.

use std::sync::Arc;

use serde_json::json;

use crate::frames;
use crate::hub::Hub;
use crate::logging::mask;
use crate::relay::{forward, Caller};
use crate::session::{Session, Transport};

/// Asks PHP for the new layout of `session`'s device, whose phone has `known` (the version before the change), and
/// writes the answer to that connection when it is a `CONFIG_AND_INFOS`.
pub async fn refresh(hub: Arc<Hub>, session: Arc<Session>, known: Option<i64>) {
    let from = match session.transport {
        Transport::WebSocket => "WS",
        Transport::Sse => "SSE",
    };
    let caller = Caller { from, session_id: Some(&session.id), real_ip: &session.peer };
    let request = json!({
        "jsonrpc": "2.0",
        "id": uuid::Uuid::new_v4().to_string(),
        "method": "GET_EVENTS",
        // no version known: any number that cannot be the current one (versions start at 0)
        "params": {"apiKey": session.api_key, "configVersion": known.unwrap_or(-1), "newLayoutOnly": true},
    });
    let answer = forward(&*hub, &request, Some(&session.api_key), &caller).await;
    if frames::message_type(&answer) != "CONFIG_AND_INFOS" {
        tracing::debug!(
            "new layout of {}: nothing for this connection ({})",
            mask(&session.api_key),
            frames::message_type(&answer)
        );
        return;
    }
    tracing::debug!("new layout of {}: sent to its {from} connection", mask(&session.api_key));
    for frame in Hub::push_frames(session.transport, &session.api_key, &answer).iter() {
        session.outbox.push_message(frame.clone());
    }
}
