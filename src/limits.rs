//! Every fixed limit of the daemon and the WebSocket close codes, in one place. The limits a user may change are
//! flags (`config`); these are the ones that are not.

use std::time::Duration;

/// Requests a WebSocket client may have read ahead of the one being relayed; past this its task stops reading
/// (TCP back-pressure).
pub const MAX_PENDING_REQUESTS: usize = 16;
/// Events read from the journal per step when catching a client up (WebSocket and SSE alike).
pub const REPLAY_CHUNK: usize = 500;
/// Most items one `GET_EVENTS` or `EVENTS_SINCE` answer carries; its cursor lets the client fetch the rest.
pub const MAX_POLL_ITEMS: usize = 1000;
/// Requests to PHP in flight at once, all connections together.
pub const MAX_RELAY_CONCURRENT: usize = 16;
/// Connect timeout of the relay to PHP; a connection that could not be made is retried this many times in all.
pub const RELAY_CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
pub const RELAY_CONNECT_ATTEMPTS: u64 = 3;
/// Largest control-socket message (a big `EVENTS` or `DEVICES` batch).
pub const MAX_CONTROL_LINE: usize = 16 << 20;
/// Kernel send buffer of a client socket: keeps what a non-reading client can absorb small, so that its outbox
/// (and not the kernel) is where it falls behind, coalesces and is closed.
pub const SEND_BUFFER: usize = 64 * 1024;
/// Read buffer of a WebSocket: app requests are small, a larger one is read in several steps into a buffer that
/// grows as needed. Kept small because an idle connection keeps it (and tungstenite zero-fills it per read).
pub const READ_BUFFER: usize = 1024;
/// How long the public port waits for a request's headers.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Pause after a failed `accept` (e.g. out of file descriptors).
pub const ACCEPT_RETRY: Duration = Duration::from_millis(50);
/// A WebSocket write that makes no progress for this long (at least) drops the client.
pub const MIN_WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// How often a WebSocket connection saves its resume cursor while it is written to.
pub const RESUME_SAVE_EVERY: Duration = Duration::from_secs(1);
/// How long an SSE stream keeps the `lastHistoricReadTimestamp` it sends before taking a fresh one.
pub const HIST_REFRESH: Duration = Duration::from_secs(300);

/// Close codes sent to WebSocket clients (docs/protocol.md, "Close codes").
pub mod close_codes {
    /// After a CONNECT error type, or when the device is closed by the plugin (disabled, removed, new key).
    pub const NORMAL: u16 = 1000;
    /// The daemon is shutting down.
    pub const GOING_AWAY: u16 = 1001;
    /// No `CONNECT` answered by `WELCOME` before the authentication deadline.
    pub const AUTH_TIMEOUT: u16 = 1008;
    /// An incoming message larger than `--max-message`.
    pub const TOO_BIG: u16 = 1009;
    /// A newer connection of the same device replaced this one.
    pub const REPLACED: u16 = 4001;
    /// The client did not read fast enough: its outgoing queue overflowed. It resumes from its cursor.
    pub const TOO_SLOW: u16 = 4002;
    /// The client missed two pings in a row.
    pub const PING_TIMEOUT: u16 = 4003;
}
