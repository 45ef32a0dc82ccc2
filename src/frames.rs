//! The app's message shapes, built from journal items and PHP results (docs/protocol.md).
//!
//! Items are kept as the JSON text PHP sent, so a message for a thousand clients is assembled from the same
//! strings rather than serialized a thousand times.

use serde_json::{Map, Value};

use crate::device::Kind;
use crate::journal::{cursor_to_secs, Item};

/// The result types after which a WebSocket is closed (docs/protocol.md, "Connecting").
pub const CLOSING_TYPES: [&str; 7] = [
    "BAD_DEVICE",
    "EQUIPMENT_DISABLE",
    "APP_VERSION_ERROR",
    "PLUGIN_VERSION_ERROR",
    "EMPTY_CONFIG_FILE",
    "FORMAT_VERSION_ERROR",
    "BAD_TYPE_VERSION",
];

pub fn message_type(v: &Value) -> &str {
    v.get("type").and_then(Value::as_str).unwrap_or("")
}

pub fn is_closing(v: &Value) -> bool {
    CLOSING_TYPES.contains(&message_type(v))
}

/// An app's text frame as a request: a JSON object with a non-empty string `method`, or why not (docs/protocol.md,
/// "WebSocket": the answer is an `EXCEPTION` and the connection stays usable).
pub fn parse_request(text: &str) -> Result<Value, String> {
    match serde_json::from_str::<Value>(text) {
        Err(e) => Err(format!("invalid JSON: {e}")),
        Ok(req) if req.get("method").and_then(Value::as_str).unwrap_or("").is_empty() => {
            Err("a request needs a method".to_string())
        }
        Ok(req) => Ok(req),
    }
}

fn list(kind: Kind, items: &[&Item]) -> String {
    let mut s = String::with_capacity(32 + items.iter().map(|i| i.raw.len() + 1).sum::<usize>());
    s.push_str("{\"type\":\"");
    s.push_str(kind.list_type());
    s.push_str("\",\"payload\":[");
    for (n, i) in items.iter().enumerate() {
        if n > 0 {
            s.push(',');
        }
        s.push_str(&i.raw);
    }
    s.push_str("]}");
    s
}

fn of_kind(items: &[Item], kind: Kind) -> Vec<&Item> {
    items.iter().filter(|i| i.kind == kind).collect()
}

/// WebSocket pushes: one `CMD_INFO` / `SC_INFO` / `OBJ_INFO` frame per non-empty list, no id (docs/protocol.md, "Events").
pub fn ws_event_frames(items: &[Item]) -> Vec<String> {
    Kind::ALL
        .into_iter()
        .filter_map(|k| {
            let of = of_kind(items, k);
            (!of.is_empty()).then(|| list(k, &of))
        })
        .collect()
}

/// A `SET_EVENTS` result: `DATETIME`, `HIST_DATETIME`, then the three lists, always in that order.
pub fn set_events(cursor: i64, hist: &Value, items: &[Item]) -> String {
    let mut s = String::from("{\"type\":\"SET_EVENTS\",\"payload\":[{\"type\":\"DATETIME\",\"payload\":");
    s.push_str(&Value::from(cursor_to_secs(cursor)).to_string());
    s.push_str("},{\"type\":\"HIST_DATETIME\",\"payload\":");
    s.push_str(&hist.to_string());
    s.push('}');
    for k in Kind::ALL {
        s.push(',');
        s.push_str(&list(k, &of_kind(items, k)));
    }
    s.push_str("]}");
    s
}

/// `SET_EVENTS` with full snapshots (the `infos` of a `GET_INFO` answer) in place of incremental lists.
pub fn set_events_snapshot(cursor: i64, hist: &Value, info: &Value) -> Value {
    let get = |k: &str| info.get(k).cloned().unwrap_or(Value::Array(vec![]));
    serde_json::json!({"type": "SET_EVENTS", "payload": [
        {"type": "DATETIME", "payload": cursor_to_secs(cursor)},
        {"type": "HIST_DATETIME", "payload": hist},
        {"type": "CMD_INFO", "payload": get("cmdInfo")},
        {"type": "SC_INFO", "payload": get("scInfo")},
        {"type": "OBJ_INFO", "payload": get("objInfo")},
    ]})
}

/// A PHP result as WebSocket frames (docs/protocol.md, "WebSocket"): nothing for `null`/`"ok"`, split lists for
/// `SET_EVENTS`, else the object with the request `id` and `eqApiKey` (and never the plugin key).
pub fn ws_answer(result: &Value, id: &Value, api_key: Option<&str>) -> Vec<String> {
    match result {
        Value::Null => Vec::new(),
        Value::String(s) if s == "ok" => Vec::new(),
        Value::Array(a) if a.is_empty() => Vec::new(),
        Value::Object(o) if message_type(result) == "SET_EVENTS" => split_set_events(o),
        Value::Object(o) => {
            let mut o: Map<String, Value> = o.clone();
            o.remove("jeedomApiKey");
            o.remove("jcd");
            o.insert("id".into(), id.clone());
            o.insert("eqApiKey".into(), api_key.map_or(Value::Null, |k| Value::String(k.into())));
            vec![Value::Object(o).to_string()]
        }
        other => vec![other.to_string()],
    }
}

fn split_set_events(o: &Map<String, Value>) -> Vec<String> {
    let Some(Value::Array(items)) = o.get("payload") else {
        return Vec::new();
    };
    items
        .iter()
        .filter(|i| Kind::from_list_type(message_type(i)).is_some())
        .filter(|i| i.get("payload").and_then(Value::as_array).is_some_and(|a| !a.is_empty()))
        .map(|i| serde_json::json!({"type": i["type"], "payload": i["payload"]}).to_string())
        .collect()
}

/// A message the plugin pushes on its own (e.g. `ACTIONS`): gets a server-made uuid `id` when it has none, and
/// the device key, like the old daemon did (docs/protocol.md, "WebSocket").
pub fn pushed_message(message: &Value, api_key: &str) -> Value {
    let mut m = message.as_object().cloned().unwrap_or_default();
    m.remove("jeedomApiKey");
    if m.get("id").is_none_or(Value::is_null) {
        m.insert("id".into(), Value::String(uuid::Uuid::new_v4().to_string()));
    }
    m.insert("eqApiKey".into(), Value::String(api_key.into()));
    Value::Object(m)
}

/// Encodes a JSON text the way PHP's `json_encode` does by default: `/` escaped, non-ASCII as `\uXXXX`.
pub fn php_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + 8);
    for c in json.chars() {
        match c {
            '/' => out.push_str("\\/"),
            c if c.is_ascii() => out.push(c),
            c => {
                let mut buf = [0u16; 2];
                for u in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
        }
    }
    out
}

/// One SSE event as the old `eventServer.php` wrote it: `data:` + the message JSON-encoded twice + CRLF CRLF,
/// preceded by an `id:` line when the event has a journal cursor.
pub fn sse_event(message_json: &str, cursor: Option<i64>) -> String {
    let inner = php_json(message_json);
    let outer = php_json(&Value::String(inner).to_string());
    match cursor {
        Some(c) => format!("id:{}\r\ndata:{outer}\r\n\r\n", cursor_to_secs(c)),
        None => format!("data:{outer}\r\n\r\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn item(cursor: i64, kind: Kind, raw: &str) -> Item {
        Item { cursor, kind, key: "1".into(), raw: raw.into() }
    }

    #[test]
    fn heartbeat_bytes_match_the_old_script() {
        assert_eq!(sse_event(r#"{"event":"heartbeat"}"#, None), "data:\"{\\\"event\\\":\\\"heartbeat\\\"}\"\r\n\r\n");
        assert_eq!(php_json(r#"{"u":"a/é"}"#), r#"{"u":"a\/\u00e9"}"#);
    }

    #[test]
    fn ws_shapes() {
        let items = [item(1, Kind::Cmd, r#"{"id":"1"}"#), item(2, Kind::Object, r#"{"object_id":"3"}"#)];
        assert_eq!(
            ws_event_frames(&items),
            vec![
                r#"{"type":"CMD_INFO","payload":[{"id":"1"}]}"#,
                r#"{"type":"OBJ_INFO","payload":[{"object_id":"3"}]}"#
            ]
        );
        let frames = ws_answer(&json!({"type":"WELCOME","payload":{},"jeedomApiKey":"secret"}), &json!("7"), Some("k"));
        let v: Value = serde_json::from_str(&frames[0]).unwrap();
        assert_eq!((v["id"].as_str(), v["eqApiKey"].as_str()), (Some("7"), Some("k")));
        assert!(v.get("jeedomApiKey").is_none());
        assert!(ws_answer(&json!("ok"), &json!(1), None).is_empty());
        let split = ws_answer(
            &json!({"type":"SET_EVENTS","payload":[{"type":"DATETIME","payload":1.5},
            {"type":"CMD_INFO","payload":[{"id":"1"}]},{"type":"SC_INFO","payload":[]}]}),
            &json!(1),
            None,
        );
        assert_eq!(split, vec![r#"{"type":"CMD_INFO","payload":[{"id":"1"}]}"#]);
    }

    #[test]
    fn set_events_keeps_the_item_order() {
        let s = set_events(1_500_000, &json!(1), &[item(1_500_000, Kind::Scenario, r#"{"id":"7"}"#)]);
        let v: Value = serde_json::from_str(&s).unwrap();
        let types: Vec<&str> = v["payload"].as_array().unwrap().iter().map(|i| i["type"].as_str().unwrap()).collect();
        assert_eq!(types, ["DATETIME", "HIST_DATETIME", "CMD_INFO", "SC_INFO", "OBJ_INFO"]);
        assert_eq!(v["payload"][0]["payload"], json!(1.5));
    }
}
