//! `jeedomconnectd`: parses the command line, starts the daemon, and stops it on SIGTERM/SIGINT.

use std::process::ExitCode;

use jeedomconnectd::config::{self, Command};
use jeedomconnectd::{logging, Daemon, PidFile};
use tokio::signal::unix::{signal, SignalKind};

fn main() -> ExitCode {
    let cfg = match config::parse(std::env::args().skip(1)) {
        Ok(Command::Version) => {
            println!("jeedomconnectd {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Ok(Command::Help) => {
            println!("{}", config::USAGE);
            return ExitCode::SUCCESS;
        }
        Ok(Command::Run(cfg)) => *cfg,
        Err(e) => {
            eprintln!("jeedomconnectd: {e}\n{}", config::USAGE);
            return ExitCode::from(2);
        }
    };
    logging::init(&cfg.loglevel, &cfg.apikey);
    for w in &cfg.warnings {
        tracing::warn!("{w}");
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            tracing::error!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let pid_path = cfg.pid_file.clone();
        let daemon = match Daemon::start(cfg) {
            Ok(d) => d,
            Err(e) => {
                tracing::error!("{e}");
                eprintln!("jeedomconnectd: {e}");
                return ExitCode::FAILURE;
            }
        };
        let _pid = match PidFile::create(pid_path.as_deref()) {
            Ok(p) => p,
            Err(e) => {
                tracing::error!("{e}");
                return ExitCode::FAILURE;
            }
        };
        let (Ok(mut term), Ok(mut int)) = (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) else {
            tracing::error!("cannot install signal handlers");
            return ExitCode::FAILURE;
        };
        let shutdown = daemon.hub.shutdown.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = term.recv() => tracing::info!("SIGTERM received, stopping"),
                _ = int.recv() => tracing::info!("SIGINT received, stopping"),
            }
            shutdown.cancel();
        });
        daemon.run().await;
        tracing::info!("stopped");
        ExitCode::SUCCESS
    })
}
