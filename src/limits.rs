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
/// Requests to PHP in flight at once for known devices, all connections together.
pub const MAX_RELAY_CONCURRENT: usize = 16;
/// Requests to PHP in flight at once for keys the daemon does not know (its own share: strangers cannot keep a
/// known phone waiting).
pub const MAX_RELAY_STRANGERS: usize = 4;
/// Failed authentications (unknown key) from one address before the daemon answers that address itself…
pub const MAX_AUTH_FAILURES: u32 = 10;
/// …for the rest of this window.
pub const AUTH_FAILURE_WINDOW: Duration = Duration::from_secs(60);
/// Addresses the failure count remembers at most.
pub const MAX_FAILING_ADDRESSES: usize = 4096;
/// Keys dropped by a full device set that are still relayed to PHP (it may answer `SET_NEW_APIKEY`).
pub const MAX_RETIRED_KEYS: usize = 1024;
/// Connect timeout of the relay to PHP; a connection that could not be made is retried this many times in all.
pub const RELAY_CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
pub const RELAY_CONNECT_ATTEMPTS: u64 = 3;
/// Largest control-socket message (a big `EVENTS` or `DEVICES` batch), counted as it arrives.
pub const MAX_CONTROL_LINE: usize = 16 << 20;
/// Control-socket connections open at once; one more is answered an error and closed.
pub const MAX_CONTROL_CONNECTIONS: usize = 8;
/// What a control connection's line buffer keeps between messages (a big message's memory is given back).
pub const CONTROL_BUFFER_KEEP: usize = 64 * 1024;
/// Pause before answering a message with a wrong plugin key (slows a guesser down to a few tries a second).
pub const CONTROL_KEY_FAILURE_DELAY: Duration = Duration::from_millis(250);
/// Wrong-key messages are logged once per burst: a line for the first, then one summary per this period.
pub const CONTROL_KEY_FAILURE_LOG_EVERY: Duration = Duration::from_secs(60);
/// Kernel send buffer of a client socket: keeps what a non-reading client can absorb small, so that its outbox
/// (and not the kernel) is where it falls behind, coalesces and is closed.
pub const SEND_BUFFER: usize = 64 * 1024;
/// Read buffer of a WebSocket: app requests are small, a larger one is read in several steps into a buffer that
/// grows as needed. Kept small because an idle connection keeps it (and tungstenite zero-fills it per read).
pub const READ_BUFFER: usize = 1024;
/// Largest request head of an SSE stream served without hyper (`sse_conn`), and most headers in it (hyper's
/// default count); a larger one is refused (400).
pub const MAX_SSE_HEAD: usize = 16 * 1024;
pub const MAX_SSE_HEADERS: usize = 100;
/// How long the public port waits for a request's headers.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Pause after a failed `accept` (e.g. out of file descriptors).
pub const ACCEPT_RETRY: Duration = Duration::from_millis(50);
/// A WebSocket write that makes no progress for this long (at least) drops the client.
pub const MIN_WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// How often a WebSocket connection saves its resume cursor while it is written to.
pub const RESUME_SAVE_EVERY: Duration = Duration::from_secs(1);
/// Idle keep-alive connections to PHP are dropped after this.
pub const RELAY_POOL_IDLE: Duration = Duration::from_secs(60);
/// Pause before retrying a relay whose connection could not be made (times the attempt number).
pub const RELAY_RETRY_PAUSE: Duration = Duration::from_millis(100);
/// How long SQLite waits for a lock held by the other connection of the journal.
pub const JOURNAL_BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Most journal requests applied in one transaction.
pub const JOURNAL_BATCH: usize = 512;
/// At shutdown: how long connections get to send their close frames, then how long the journal gets to flush.
pub const SHUTDOWN_CLOSE_WAIT: Duration = Duration::from_millis(400);
pub const SHUTDOWN_FLUSH_WAIT: Duration = Duration::from_millis(300);
/// How long a WebSocket's closing handshake may take once the close frame is sent.
pub const WS_CLOSE_WAIT: Duration = Duration::from_millis(200);
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
