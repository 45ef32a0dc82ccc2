//! Logs in Jeedom's format, `[YYYY-MM-DD HH:MM:SS][LEVEL] : message`, on stdout (PHP appends it to the
//! `JeedomConnect_daemon` log), at the level given by `--loglevel`.
//!
//! Secrets never reach the log: device keys are printed through [`mask`], and as a last guard every line is
//! scrubbed of the plugin key before it is written.
//!
//! Nothing an app or a peer sends can forge a log line: strings that come from outside are printed through
//! [`escape`] (control characters, newlines included, written as escapes), and as a last guard the formatter
//! escapes any control character left in a message, so one event is always exactly one line.

use std::fmt::{self, Write as _};
use std::sync::OnceLock;

use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

static PLUGIN_KEY: OnceLock<String> = OnceLock::new();

/// A key as it may appear in logs and in `STATUS`: its first four characters only.
pub fn mask(key: &str) -> String {
    let head: String = key.chars().take(4).collect();
    format!("{head}…")
}

/// A string from outside (an app's method name, a list type, a header) as it may appear in a log line: control
/// characters (newline, carriage return, escape, …) written as `\n`, `\r`, `\u{1b}`, the rest unchanged.
pub fn escape(s: &str) -> Escaped<'_> {
    Escaped(s)
}

/// See [`escape`].
pub struct Escaped<'a>(&'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            if c.is_control() || c == '\u{2028}' || c == '\u{2029}' {
                write!(f, "{}", c.escape_default())?;
            } else {
                f.write_char(c)?;
            }
        }
        Ok(())
    }
}

/// Jeedom's level name → the most verbose tracing level to print (`None` = print nothing).
pub fn level_filter(name: &str) -> Option<Level> {
    match name {
        "debug" | "100" | "trace" => Some(Level::DEBUG),
        "info" | "200" | "notice" | "250" => Some(Level::INFO),
        "warning" | "300" => Some(Level::WARN),
        "error" | "400" | "critical" | "500" => Some(Level::ERROR),
        "none" | "1000" => None,
        _ => Some(Level::INFO),
    }
}

struct JeedomFormat;

impl<S, N> FormatEvent<S, N> for JeedomFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(&self, ctx: &FmtContext<'_, S, N>, mut writer: Writer<'_>, event: &Event<'_>) -> fmt::Result {
        let level = match *event.metadata().level() {
            Level::ERROR => "ERROR",
            Level::WARN => "WARNING",
            Level::INFO => "INFO",
            _ => "DEBUG",
        };
        let mut message = String::new();
        ctx.format_fields(Writer::new(&mut message), event)?;
        if let Some(key) = PLUGIN_KEY.get().filter(|k| !k.is_empty()) {
            message = message.replace(key.as_str(), "***");
        }
        if message.chars().any(|c| c.is_control() || c == '\u{2028}' || c == '\u{2029}') {
            message = escape(&message).to_string();
        }
        let now = chrono::Local::now().format("%Y-%m-%d %H:%M:%S");
        writeln!(writer, "[{now}][{level}] : {message}")
    }
}

/// Installs the global logger. Safe to call more than once (later calls are ignored).
pub fn init(loglevel: &str, plugin_key: &str) {
    let _ = PLUGIN_KEY.set(plugin_key.to_string());
    let Some(level) = level_filter(loglevel) else {
        return;
    };
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    // Our own lines at the chosen level; the libraries' only when they warn.
    let filter = tracing_subscriber::filter::Targets::new()
        .with_target("jeedomconnectd", level)
        .with_default(Level::WARN.min(level));
    let _ = tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stdout).event_format(JeedomFormat))
        .with(filter)
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_keeps_only_a_prefix() {
        assert_eq!(mask("0123456789abcdef0123456789abcdef"), "0123…");
        assert_eq!(mask("ab"), "ab…");
    }

    #[test]
    fn escape_keeps_one_event_on_one_line() {
        let forged = "GET_INFO\n[2026-01-01 00:00:00][ERROR] : forged\r\u{1b}[31m";
        let shown = escape(forged).to_string();
        assert!(!shown.contains('\n') && !shown.contains('\r') && !shown.contains('\u{1b}'), "{shown}");
        assert!(shown.starts_with("GET_INFO\\n[2026"), "{shown}");
        assert_eq!(escape("Café ☕ ok").to_string(), "Café ☕ ok");
    }

    #[test]
    fn jeedom_levels() {
        assert_eq!(level_filter("notice"), Some(Level::INFO));
        assert_eq!(level_filter("critical"), Some(Level::ERROR));
        assert_eq!(level_filter("none"), None);
    }
}
