//! A device (one Jeedom equipment = one phone) as the daemon knows it: its flags and what it may see.
//!
//! PHP sends these records in `DEVICES` and in the `jcd` member of its answers (docs/architecture.md, "Device records"). Jeedom stores
//! flags as strings, so every flag accepts `true`/`false`, `1`/`0` and `"1"`/`"0"`; ids are kept as strings.

use rustc_hash::FxHashSet;

use serde_json::{json, Value};

/// How the device talks to us (docs/protocol.md, "Modes": `useWs` wins over `polling`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    WebSocket,
    Polling,
    Http,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::WebSocket => "ws",
            Mode::Polling => "polling",
            Mode::Http => "sse",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Device {
    pub api_key: String,
    pub enabled: bool,
    pub use_ws: bool,
    pub polling: bool,
    pub active: bool,
    pub config_version: Option<i64>,
    pub cmds: FxHashSet<String>,
    pub scenarios: FxHashSet<String>,
    pub sc_all: bool,
    pub objects: FxHashSet<String>,
}

/// The kind of an event item, by the list it travels in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Cmd,
    Scenario,
    Object,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Cmd, Kind::Scenario, Kind::Object];

    /// The list name in `SET_EVENTS` and in WebSocket frames.
    pub fn list_type(self) -> &'static str {
        match self {
            Kind::Cmd => "CMD_INFO",
            Kind::Scenario => "SC_INFO",
            Kind::Object => "OBJ_INFO",
        }
    }

    pub fn from_list_type(t: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.list_type() == t)
    }

    pub fn code(self) -> i64 {
        match self {
            Kind::Cmd => 0,
            Kind::Scenario => 1,
            Kind::Object => 2,
        }
    }

    pub fn from_code(c: i64) -> Kind {
        match c {
            1 => Kind::Scenario,
            2 => Kind::Object,
            _ => Kind::Cmd,
        }
    }

    /// The id an item is filtered and coalesced on: `id` for cmds and scenarios, `object_id` for objects.
    pub fn item_key(self, item: &Value) -> Option<String> {
        let field = if self == Kind::Object { "object_id" } else { "id" };
        id_string(item.get(field)?)
    }
}

/// Jeedom flag: `true`, `1`, `"1"`, `"true"` are true.
pub fn flag(v: Option<&Value>) -> bool {
    match v {
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
        Some(Value::String(s)) => matches!(s.trim(), "1" | "true" | "on"),
        _ => false,
    }
}

/// An id as the app receives it: a string, whether PHP sent `12` or `"12"`.
pub fn id_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn id_set(v: Option<&Value>) -> FxHashSet<String> {
    v.and_then(Value::as_array).map(|a| a.iter().filter_map(id_string).collect()).unwrap_or_default()
}

/// Why a device record was refused.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    #[error("device without apiKey")]
    NoApiKey,
}

impl Device {
    pub fn from_json(v: &Value) -> Result<Device, DeviceError> {
        let api_key = v.get("apiKey").and_then(id_string).filter(|k| !k.is_empty()).ok_or(DeviceError::NoApiKey)?;
        let config_version = match v.get("configVersion") {
            Some(Value::Number(n)) => n.as_i64(),
            Some(Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        };
        Ok(Device {
            api_key,
            enabled: v.get("enabled").is_none_or(|e| flag(Some(e))),
            use_ws: flag(v.get("useWs")),
            polling: flag(v.get("polling")),
            active: v.get("appState").and_then(Value::as_str).unwrap_or("active") == "active",
            config_version,
            cmds: id_set(v.get("cmds")),
            scenarios: id_set(v.get("scenarios")),
            sc_all: flag(v.get("scAll")),
            objects: id_set(v.get("objects")),
        })
    }

    pub fn to_json(&self) -> Value {
        let sorted = |s: &FxHashSet<String>| {
            let mut v: Vec<&String> = s.iter().collect();
            v.sort();
            json!(v)
        };
        json!({
            "apiKey": self.api_key, "enabled": self.enabled, "useWs": self.use_ws, "polling": self.polling,
            "appState": if self.active { "active" } else { "background" }, "configVersion": self.config_version,
            "cmds": sorted(&self.cmds), "scenarios": sorted(&self.scenarios), "scAll": self.sc_all,
            "objects": sorted(&self.objects),
        })
    }

    pub fn mode(&self) -> Mode {
        if self.use_ws {
            Mode::WebSocket
        } else if self.polling {
            Mode::Polling
        } else {
            Mode::Http
        }
    }

    /// Whether this device may see the item (docs/protocol.md, "Events", with objects filtered by the device's rooms).
    pub fn sees(&self, kind: Kind, key: &str) -> bool {
        match kind {
            Kind::Cmd => self.cmds.contains(key),
            Kind::Scenario => self.sc_all || self.scenarios.contains(key),
            Kind::Object => key == "global" || self.objects.contains(key),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stringly_typed_flags_and_ids() {
        let d = Device::from_json(&json!({"apiKey":"k","enabled":"0","useWs":1,"polling":"1","appState":"background",
            "configVersion":"3","cmds":[12,"13"],"scenarios":["7"],"scAll":"0","objects":[3]}))
        .unwrap();
        assert!(!d.enabled && d.use_ws && d.polling && !d.active);
        assert_eq!(d.config_version, Some(3));
        assert_eq!(d.mode(), Mode::WebSocket);
        assert!(d.sees(Kind::Cmd, "12") && d.sees(Kind::Cmd, "13") && !d.sees(Kind::Cmd, "14"));
        assert!(d.sees(Kind::Object, "global") && d.sees(Kind::Object, "3") && !d.sees(Kind::Object, "4"));
        assert!(d.sees(Kind::Scenario, "7") && !d.sees(Kind::Scenario, "8"));
        assert_eq!(Device::from_json(&d.to_json()).unwrap(), d);
    }

    #[test]
    fn a_record_needs_a_key() {
        assert!(Device::from_json(&json!({"enabled":true})).is_err());
    }
}
