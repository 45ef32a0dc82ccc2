//! Command line of the daemon (docs/architecture.md, "Command line").
//!
//! Jeedom starts daemons with `--flag value` pairs and may pass flags an older or newer daemon does not know, so
//! unknown flags are collected as warnings instead of failing the start. That tolerance is why this is a small
//! hand-written parser rather than a declarative one: the parsers we know reject unknown flags outright.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Environment variable carrying the plugin key (keeps it out of `ps`).
pub const APIKEY_ENV: &str = "JEEDOMCONNECTD_APIKEY";

#[derive(Clone, Debug)]
pub struct Config {
    pub loglevel: String,
    pub socket_port: u16,
    pub public_port: u16,
    /// Address of the public listener; `None` = every interface, IPv4 and IPv6.
    pub bind: Option<IpAddr>,
    pub callback: String,
    pub apikey: String,
    pub pid_file: Option<PathBuf>,
    pub data_dir: PathBuf,
    pub auth_timeout: Duration,
    pub ping_interval: Duration,
    pub max_message: usize,
    pub queue_limit: usize,
    pub sse_heartbeat: Duration,
    pub retention_events: u64,
    pub retention_age: Duration,
    pub relay_timeout: Duration,
    /// A control-socket connection that does not complete a message for this long is closed.
    pub control_idle: Duration,
    /// Things worth a warning once logging is up (unknown flags, key on the command line).
    pub warnings: Vec<String>,
}

impl Config {
    /// Defaults used by tests and the demo; `parse` starts from them.
    pub fn with_key(apikey: &str) -> Config {
        Config {
            loglevel: "info".into(),
            socket_port: 58090,
            public_port: 8090,
            bind: None,
            callback: "http://127.0.0.1/plugins/JeedomConnect/core/api/JeedomConnect.api.php".into(),
            apikey: apikey.into(),
            pid_file: None,
            data_dir: PathBuf::from("data"),
            auth_timeout: Duration::from_secs(10),
            ping_interval: Duration::from_secs(30),
            max_message: 64 * 1024,
            queue_limit: 256,
            sse_heartbeat: Duration::from_secs(5),
            retention_events: 10_000,
            retention_age: Duration::from_secs(24 * 3600),
            relay_timeout: Duration::from_secs(30),
            control_idle: Duration::from_secs(60),
            warnings: Vec::new(),
        }
    }
}

/// What the command line asks for.
#[derive(Debug)]
pub enum Command {
    Run(Box<Config>),
    Version,
    Help,
}

/// Why the command line was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0} needs a value")]
    MissingValue(String),
    #[error("{flag}: '{value}' is not a valid number")]
    NotANumber { flag: String, value: String },
    #[error("{flag}: '{value}' is out of range, expected {range}")]
    OutOfRange { flag: String, value: String, range: String },
    #[error("--bind: '{0}' is not an IP address")]
    NotAnAddress(String),
    #[error("--apikey-file {path}: {source}")]
    KeyFile { path: String, source: std::io::Error },
    #[error("--apikey-file {0}: must not be readable by group or others (chmod 600)")]
    KeyFileShared(String),
    #[error("no plugin key: set ${APIKEY_ENV} or pass --apikey-file FILE")]
    NoKey,
    #[error("'{0}' is its own program now: cargo run --release -p jeedomconnect-{0} (see README)")]
    Moved(String),
}

pub const USAGE: &str = "usage: jeedomconnectd [--loglevel debug|info|notice|warning|error|critical|none]
    [--socketport 58090] [--websocketport 8090] [--bind ADDR] [--callback URL] [--pid FILE] [--data-dir DIR]
    [--apikey-file FILE] [--auth-timeout S] [--ping-interval S] [--max-message BYTES] [--queue-limit N]
    [--sse-heartbeat S] [--retention-events N] [--retention-hours H] [--relay-timeout S] [--control-idle S]
  The plugin key comes from $JEEDOMCONNECTD_APIKEY or --apikey-file (a 0600 file); --apikey KEY works but shows in ps.
  jeedomconnectd --version";

pub fn parse<I: IntoIterator<Item = String>>(args: I) -> Result<Command, ConfigError> {
    let mut cfg = Config::with_key("");
    let mut key_arg: Option<String> = None;
    let mut key_file: Option<PathBuf> = None;
    let mut args = args.into_iter().peekable();
    // The demo and the benchmarks were once subcommands of this binary; say where they went.
    if let Some(word @ ("demo" | "bench")) = args.peek().map(String::as_str) {
        return Err(ConfigError::Moved(word.to_string()));
    }
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        match flag.as_str() {
            "--version" | "-V" => return Ok(Command::Version),
            "--help" | "-h" => return Ok(Command::Help),
            _ => {}
        }
        if !flag.starts_with("--") {
            cfg.warnings.push(format!("ignoring unexpected argument '{arg}'"));
            continue;
        }
        let known = [
            "--loglevel",
            "--socketport",
            "--websocketport",
            "--bind",
            "--callback",
            "--apikey",
            "--apikey-file",
            "--pid",
            "--data-dir",
            "--auth-timeout",
            "--ping-interval",
            "--max-message",
            "--queue-limit",
            "--sse-heartbeat",
            "--retention-events",
            "--retention-hours",
            "--relay-timeout",
            "--control-idle",
        ];
        // An unknown flag may or may not take a value: swallow the next word unless it is a flag itself.
        let value = match inline {
            Some(v) => v,
            None => match args.peek() {
                Some(next) if !next.starts_with("--") => args.next().unwrap_or_default(),
                _ if known.contains(&flag.as_str()) => return Err(ConfigError::MissingValue(flag)),
                _ => String::new(),
            },
        };
        match flag.as_str() {
            "--loglevel" => cfg.loglevel = value.to_ascii_lowercase(),
            "--socketport" => cfg.socket_port = port(&flag, &value)?,
            "--websocketport" => cfg.public_port = port(&flag, &value)?,
            "--bind" => {
                cfg.bind = match value.as_str() {
                    "" | "*" | "all" => None,
                    v => Some(v.parse().map_err(|_| ConfigError::NotAnAddress(v.to_string()))?),
                }
            }
            "--callback" => cfg.callback = value,
            "--apikey" => key_arg = Some(value),
            "--apikey-file" => key_file = Some(value.into()),
            "--pid" => cfg.pid_file = Some(value.into()),
            "--data-dir" => cfg.data_dir = value.into(),
            "--auth-timeout" => cfg.auth_timeout = seconds(&flag, &value, ranges::AUTH_TIMEOUT)?,
            "--ping-interval" => cfg.ping_interval = seconds(&flag, &value, ranges::PING_INTERVAL)?,
            "--max-message" => cfg.max_message = count(&flag, &value, ranges::MAX_MESSAGE)? as usize,
            "--queue-limit" => cfg.queue_limit = count(&flag, &value, ranges::QUEUE_LIMIT)? as usize,
            "--sse-heartbeat" => cfg.sse_heartbeat = seconds(&flag, &value, ranges::SSE_HEARTBEAT)?,
            "--retention-events" => cfg.retention_events = count(&flag, &value, ranges::RETENTION_EVENTS)?,
            "--retention-hours" => {
                cfg.retention_age = seconds(&flag, &value, ranges::RETENTION_HOURS)?.mul_f64(3600.0);
            }
            "--relay-timeout" => cfg.relay_timeout = seconds(&flag, &value, ranges::RELAY_TIMEOUT)?,
            "--control-idle" => cfg.control_idle = seconds(&flag, &value, ranges::CONTROL_IDLE)?,
            _ => cfg.warnings.push(format!("ignoring unknown argument {flag}")),
        }
    }
    cfg.apikey = if let Some(path) = key_file {
        read_key_file(&path)?
    } else if let Ok(k) = std::env::var(APIKEY_ENV) {
        k.trim().to_string()
    } else if let Some(k) = key_arg {
        cfg.warnings.push(format!("--apikey shows the plugin key in ps; prefer ${APIKEY_ENV} or --apikey-file"));
        k
    } else {
        String::new()
    };
    if cfg.apikey.is_empty() {
        return Err(ConfigError::NoKey);
    }
    Ok(Command::Run(Box::new(cfg)))
}

fn number<T: std::str::FromStr>(flag: &str, value: &str) -> Result<T, ConfigError> {
    value.trim().parse().map_err(|_| ConfigError::NotANumber { flag: flag.into(), value: value.into() })
}

/// The accepted range of each numeric flag: wide enough for any real setup, narrow enough that every value turns
/// into a duration or a size without overflow.
pub mod ranges {
    /// Seconds (hours for `--retention-hours`), both ends included; the lower end is exclusive of zero.
    pub type Secs = (f64, f64);
    /// A count, both ends included.
    pub type Count = (u64, u64);
    pub const AUTH_TIMEOUT: Secs = (0.001, 3600.0);
    pub const PING_INTERVAL: Secs = (0.001, 86_400.0);
    pub const SSE_HEARTBEAT: Secs = (0.001, 3600.0);
    pub const RELAY_TIMEOUT: Secs = (0.001, 3600.0);
    pub const CONTROL_IDLE: Secs = (0.001, 86_400.0);
    /// Hours: up to ten years.
    pub const RETENTION_HOURS: Secs = (0.0001, 87_600.0);
    pub const MAX_MESSAGE: Count = (256, 256 << 20);
    pub const QUEUE_LIMIT: Count = (2, 1_000_000);
    pub const RETENTION_EVENTS: Count = (1, 1_000_000_000);
}

fn out_of_range(flag: &str, value: &str, range: String) -> ConfigError {
    ConfigError::OutOfRange { flag: flag.into(), value: value.into(), range }
}

fn port(flag: &str, value: &str) -> Result<u16, ConfigError> {
    let n: u64 = number(flag, value)?;
    u16::try_from(n).map_err(|_| out_of_range(flag, value, "a port from 0 to 65535".into()))
}

fn count(flag: &str, value: &str, (min, max): ranges::Count) -> Result<u64, ConfigError> {
    let n: u64 = value.trim().parse().map_err(|_| match value.trim().parse::<f64>() {
        Ok(_) => out_of_range(flag, value, format!("a whole number from {min} to {max}")),
        Err(_) => ConfigError::NotANumber { flag: flag.into(), value: value.into() },
    })?;
    if n < min || n > max {
        return Err(out_of_range(flag, value, format!("a whole number from {min} to {max}")));
    }
    Ok(n)
}

/// A positive, finite number of seconds within `range` (NaN, infinities, zero, negatives and huge values are
/// refused instead of overflowing a `Duration`).
fn seconds(flag: &str, value: &str, (min, max): ranges::Secs) -> Result<Duration, ConfigError> {
    let s: f64 = number(flag, value)?;
    if !(s.is_finite() && s >= min && s <= max) {
        return Err(out_of_range(flag, value, format!("a number from {min} to {max}")));
    }
    Ok(Duration::from_secs_f64(s))
}

fn read_key_file(path: &std::path::Path) -> Result<String, ConfigError> {
    use std::os::unix::fs::PermissionsExt;
    let shown = || path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|source| ConfigError::KeyFile { path: shown(), source })?;
    if meta.permissions().mode() & 0o077 != 0 {
        return Err(ConfigError::KeyFileShared(shown()));
    }
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::KeyFile { path: shown(), source })?;
    Ok(text.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn jeedom_style_arguments_and_unknown_ones() {
        let cmd =
            parse(args("--loglevel DEBUG --socketport 1 --websocketport 2 --apikey k --trace 1 --cycle --pid /p"));
        let Ok(Command::Run(cfg)) = cmd else { panic!("{cmd:?}") };
        assert_eq!((cfg.loglevel.as_str(), cfg.socket_port, cfg.public_port), ("debug", 1, 2));
        assert_eq!(cfg.pid_file, Some(PathBuf::from("/p")));
        assert!(cfg.warnings.iter().any(|w| w.contains("--trace")));
        assert!(cfg.warnings.iter().any(|w| w.contains("--cycle")));
        assert!(cfg.warnings.iter().any(|w| w.contains("shows the plugin key")));
    }

    #[test]
    fn daemon_and_plugin_versions_agree() {
        // The plugin's install check compares `--version` with plugin_info/version.json.
        let plugin: serde_json::Value = serde_json::from_str(include_str!("../plugin_info/version.json")).unwrap();
        assert_eq!(plugin["version"], env!("CARGO_PKG_VERSION"));
    }

    #[test]
    fn bad_values_are_errors() {
        assert!(parse(args("--apikey k --socketport x")).is_err());
        assert!(parse(args("--apikey k --bind nowhere")).is_err());
        assert!(parse(args("--apikey k --auth-timeout 0")).is_err());
        assert!(parse(args("--apikey k --socketport 70000")).is_err());
        assert!(matches!(parse(args("--version")), Ok(Command::Version)));
    }

    #[test]
    fn every_numeric_flag_is_range_checked_without_panicking() {
        let flags = [
            "--auth-timeout",
            "--ping-interval",
            "--sse-heartbeat",
            "--relay-timeout",
            "--control-idle",
            "--retention-hours",
            "--max-message",
            "--queue-limit",
            "--retention-events",
        ];
        for flag in flags {
            for bad in ["-1", "nan", "NaN", "inf", "-inf", "1e300", "1e30", "0", "18446744073709551616", "x"] {
                let line = format!("--apikey k {flag} {bad}");
                match std::panic::catch_unwind(|| parse(args(&line))) {
                    Ok(Err(e)) => assert!(e.to_string().contains(flag), "{line}: {e}"),
                    Ok(Ok(c)) => panic!("{line} was accepted: {c:?}"),
                    Err(_) => panic!("{line} panicked"),
                }
            }
        }
        let Ok(Command::Run(cfg)) = parse(args("--apikey k --retention-hours 0.5 --max-message 1024")) else {
            panic!()
        };
        assert_eq!((cfg.retention_age, cfg.max_message), (Duration::from_secs(1800), 1024));
    }

    #[test]
    fn the_old_subcommands_say_where_they_went() {
        let e = parse(args("demo --bind 127.0.0.1")).unwrap_err();
        assert!(e.to_string().contains("-p jeedomconnect-demo"), "{e}");
        assert!(matches!(parse(args("bench latency")), Err(ConfigError::Moved(w)) if w == "bench"));
    }
}
