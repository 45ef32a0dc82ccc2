//! jeedomconnectd: the realtime backend of the JeedomConnect Jeedom plugin.
//!
//! Data flows one way: transports (`ws`, `sse`, `rpc` behind the `server` listener) → one delivery path
//! (`delivery` over `session`) → `hub` ↔ `journal`. The `relay` to PHP and the `control` socket stand on their
//! own. docs/architecture.md draws the map.

pub mod client;
pub mod config;
pub mod config_change;
pub mod control;
pub mod delivery;
pub mod device;
pub mod frames;
pub mod gate;
pub mod hub;
pub mod journal;
pub mod limits;
pub mod listener;
pub mod logging;
pub mod memory;
pub mod metrics;
pub mod polling;
pub mod relay;
pub mod rpc;
pub mod server;
pub mod session;
pub mod sse;
pub mod sse_conn;
pub mod ws;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use config::Config;
use hub::Hub;
use journal::{Journal, JournalError, Retention};
use listener::ListenError;

/// Why the daemon could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error(transparent)]
    Listen(#[from] ListenError),
    #[error("cannot write pid file {path}: {source}")]
    PidFile { path: String, source: std::io::Error },
}

/// A daemon with its ports bound, ready to `run`.
pub struct Daemon {
    pub hub: Arc<Hub>,
    control: tokio::net::TcpListener,
    public: tokio::net::TcpListener,
    batches: tokio::sync::mpsc::UnboundedReceiver<journal::Batch>,
    extra_routes: Option<server::ExtraRoutes>,
}

impl Daemon {
    /// Opens the journal and binds both ports; fails with a clear message (e.g. a port already in use).
    pub fn start(cfg: Config) -> Result<Daemon, StartError> {
        let retention = Retention { max_events: cfg.retention_events, max_age: cfg.retention_age };
        let (journal, loaded, batches) = Journal::open(&cfg.data_dir, retention)?;
        let control = listener::bind_control(cfg.socket_port)?;
        let public = listener::bind_public(cfg.bind, cfg.public_port)?;
        tracing::info!(
            "jeedomconnectd {} listening: public port {} ({}), control 127.0.0.1:{}, {} known device(s)",
            env!("CARGO_PKG_VERSION"),
            public.local_addr().map_or(cfg.public_port, |a| a.port()),
            cfg.bind.map_or("all interfaces".to_string(), |ip| ip.to_string()),
            control.local_addr().map_or(cfg.socket_port, |a| a.port()),
            loaded.devices.len()
        );
        let hub = Hub::new(Arc::new(cfg), journal, loaded.devices);
        hub.gate.on_devices(loaded.full_set, &[]);
        Ok(Daemon { hub, control, public, batches, extra_routes: None })
    }

    /// Adds routes of the embedding program to the public port, tried after the daemon's own (the demo's page).
    pub fn with_routes(mut self, routes: server::ExtraRoutes) -> Daemon {
        self.extra_routes = Some(routes);
        self
    }

    pub fn public_port(&self) -> u16 {
        self.public.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// Serves until `hub.shutdown` is cancelled, then lets connections close and flushes the journal.
    pub async fn run(self) {
        let Daemon { hub, control, public, mut batches, extra_routes } = self;
        let fan = hub.clone();
        tokio::spawn(async move {
            while let Some(batch) = batches.recv().await {
                fan.fan_out(&batch);
            }
        });
        tokio::spawn(memory::give_back_after_waves(hub.clone()));
        tokio::spawn(control::serve(hub.clone(), control));
        tokio::spawn(server::serve(hub.clone(), public, extra_routes));
        hub.shutdown.cancelled().await;
        // Connection tasks see the same token and send their close frames; give them a moment.
        let step = Duration::from_millis(10);
        let deadline = tokio::time::Instant::now() + limits::SHUTDOWN_CLOSE_WAIT;
        while hub.live_connections() > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(step).await;
        }
        tokio::time::sleep(5 * step).await;
        let _ = tokio::time::timeout(limits::SHUTDOWN_FLUSH_WAIT, hub.journal.flush()).await;
    }
}

/// Writes the pid file; removed by [`PidFile`]'s drop.
pub struct PidFile(Option<std::path::PathBuf>);

impl PidFile {
    pub fn create(path: Option<&Path>) -> Result<PidFile, StartError> {
        if let Some(p) = path {
            if let Some(dir) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
                let _ = std::fs::create_dir_all(dir);
            }
            std::fs::write(p, format!("{}\n", std::process::id()))
                .map_err(|source| StartError::PidFile { path: p.display().to_string(), source })?;
        }
        Ok(PidFile(path.map(Path::to_path_buf)))
    }
}

impl Drop for PidFile {
    fn drop(&mut self) {
        if let Some(p) = &self.0 {
            let _ = std::fs::remove_file(p);
        }
    }
}
