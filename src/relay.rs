//! The relay: an app's JSON-RPC request, passed to the plugin's PHP API (`--callback`) and answered in the HTTP
//! body (docs/architecture.md, "Relay").
//!
//! One keep-alive HTTP client for the whole daemon, with at most [`MAX_RELAY_CONCURRENT`] requests in flight so that a
//! burst (every phone of a Wi-Fi network dropping at once, each with its `DISCONNECT`) queues here instead of
//! filling every PHP worker of the web server. A request is retried only when the connection could not be made (so
//! nothing was sent); anything else that goes wrong comes back as a [`RelayError`] that the transport turns into an
//! `EXCEPTION` for the app. [`forward`] is what the transports call: it relays, hands the device record PHP
//! attached to whoever keeps the devices (the hub, through [`Forwarder`]), and turns a failure into that
//! `EXCEPTION`. The relay knows nothing of the hub.

use serde_json::{json, Value};

use crate::limits::{
    MAX_RELAY_CONCURRENT, MAX_RELAY_STRANGERS, RELAY_CONNECT_ATTEMPTS, RELAY_CONNECT_TIMEOUT, RELAY_POOL_IDLE,
    RELAY_RETRY_PAUSE,
};
use crate::logging::escape;
use crate::metrics::{inc, Metrics};
use std::time::Duration;

/// Who is asking, for PHP: the transport (`connexionFrom`), the connection id and the client's address.
pub struct Caller<'a> {
    pub from: &'a str,
    pub session_id: Option<&'a str>,
    pub real_ip: &'a str,
}

/// What [`forward`] needs around the relay: the relay itself, the counters, where a device record goes, and
/// which device keys the daemon knows.
pub trait Forwarder: Sync {
    fn relay(&self) -> &Relay;
    fn metrics(&self) -> &Metrics;
    /// Applies the device record (`jcd`) PHP attached to an answer.
    fn apply_record(&self, jcd: Option<&Value>);
    /// Whether `api_key` is a device the daemon knows (its requests take the phones' relay slots).
    fn knows(&self, api_key: &str) -> bool;
}

/// Relays a request to PHP and returns its result (an `EXCEPTION` when the relay fails). A request for a device
/// the daemon knows takes one of the phones' relay slots, any other one of the strangers' few.
pub async fn forward<F: Forwarder + ?Sized>(
    to: &F,
    request: &Value,
    api_key: Option<&str>,
    caller: &Caller<'_>,
) -> Value {
    let body = prepare(request, api_key, caller.from, caller.session_id);
    let known = body.pointer("/params/apiKey").and_then(Value::as_str).is_some_and(|k| to.knows(k));
    match to.relay().call(&body, caller.real_ip, to.metrics(), known).await {
        Ok(answer) => {
            to.apply_record(answer.jcd.as_ref());
            answer.result
        }
        Err(e) => {
            let method = request.get("method").and_then(Value::as_str).unwrap_or("?");
            method_exception(method, caller.from, &e.to_string())
        }
    }
}

/// The plugin API's answer.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The JSON-RPC `result` (`null` when absent or `"ok"`).
    pub result: Value,
    /// The device record PHP attached (`jcd`), to apply and never forward.
    pub jcd: Option<Value>,
}

#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    #[error("the Jeedom plugin API is unreachable")]
    Unreachable,
    #[error("the Jeedom plugin API did not answer in time")]
    Timeout,
    #[error("the Jeedom plugin API answered HTTP {0}")]
    Status(u16),
    #[error("the Jeedom plugin API answered something that is not JSON-RPC")]
    BadBody,
}

pub struct Relay {
    client: reqwest::Client,
    /// The callback with the plugin key, parsed once (not on every request); `None` when it is not a URL (every
    /// relay then fails as unreachable, and the start says so).
    url: Option<reqwest::Url>,
    timeout: Duration,
    /// Requests for known devices.
    slots: tokio::sync::Semaphore,
    /// Requests for any other key (or none): their own share, so that strangers cannot starve the phones.
    stranger_slots: tokio::sync::Semaphore,
}

impl Relay {
    pub fn new(callback: &str, plugin_key: &str, timeout: Duration) -> Relay {
        let sep = if callback.contains('?') { '&' } else { '?' };
        let key: String = plugin_key.bytes().map(|b| format!("%{b:02X}")).collect();
        let client = reqwest::Client::builder()
            .connect_timeout(RELAY_CONNECT_TIMEOUT)
            .pool_idle_timeout(RELAY_POOL_IDLE)
            .build()
            .unwrap_or_default();
        let url = reqwest::Url::parse(&format!("{callback}{sep}apikey={key}"))
            .inspect_err(|e| {
                tracing::error!("the callback {} is not a URL ({e}): requests cannot be relayed", escape(callback))
            })
            .ok();
        Relay {
            client,
            url,
            timeout,
            slots: tokio::sync::Semaphore::new(MAX_RELAY_CONCURRENT),
            stranger_slots: tokio::sync::Semaphore::new(MAX_RELAY_STRANGERS),
        }
    }

    /// Sends one request; `body` is the complete JSON-RPC object; `known`: it is for a device the daemon knows.
    pub async fn call(
        &self,
        body: &Value,
        real_ip: &str,
        metrics: &Metrics,
        known: bool,
    ) -> Result<Answer, RelayError> {
        inc(&metrics.relay_requests);
        let slots = if known { &self.slots } else { &self.stranger_slots };
        let result = match slots.acquire().await {
            Ok(_slot) => self.send(body, real_ip).await,
            Err(_) => Err(RelayError::Unreachable),
        };
        if let Err(e) = &result {
            inc(&metrics.relay_failures);
            let method = body.get("method").and_then(Value::as_str).unwrap_or("?");
            tracing::warn!("relay of {} failed: {e}", escape(method));
        }
        result
    }

    async fn send(&self, body: &Value, real_ip: &str) -> Result<Answer, RelayError> {
        let url = self.url.as_ref().ok_or(RelayError::Unreachable)?;
        let mut attempt = 0;
        let response = loop {
            attempt += 1;
            let sent = self
                .client
                .post(url.clone())
                .timeout(self.timeout)
                .header("X-Real-IP", real_ip)
                .json(body)
                .send()
                .await;
            match sent {
                Ok(r) => break r,
                // Nothing reached PHP: safe to try again, briefly.
                Err(e) if e.is_connect() && attempt < RELAY_CONNECT_ATTEMPTS => {
                    tokio::time::sleep(RELAY_RETRY_PAUSE * attempt as u32).await;
                }
                Err(e) if e.is_timeout() => return Err(RelayError::Timeout),
                Err(e) => {
                    tracing::debug!("relay transport error: {}", e.without_url());
                    return Err(RelayError::Unreachable);
                }
            }
        };
        if response.status() != reqwest::StatusCode::OK {
            return Err(RelayError::Status(response.status().as_u16()));
        }
        let bytes =
            response.bytes().await.map_err(
                |e| {
                    if e.is_timeout() {
                        RelayError::Timeout
                    } else {
                        RelayError::BadBody
                    }
                },
            )?;
        parse_answer(&bytes)
    }
}

/// Reads the JSON-RPC envelope of an answer. An empty body is a `null` result: the old API answered daemon calls
/// over the control socket instead, and that path still works.
pub fn parse_answer(bytes: &[u8]) -> Result<Answer, RelayError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Answer { result: Value::Null, jcd: None });
    }
    let mut v: Value = serde_json::from_slice(bytes).map_err(|_| RelayError::BadBody)?;
    let obj = v.as_object_mut().ok_or(RelayError::BadBody)?;
    if !obj.contains_key("result") && !obj.contains_key("jsonrpc") {
        return Err(RelayError::BadBody);
    }
    let jcd = obj.remove("jcd");
    let result = match obj.remove("result") {
        Some(Value::String(s)) if s == "ok" => Value::Null,
        Some(r) => r,
        None => match obj.remove("error") {
            Some(err) => exception(err.get("message").and_then(Value::as_str).unwrap_or("error")),
            None => Value::Null,
        },
    };
    Ok(Answer { result, jcd })
}

/// An app request made ready for PHP: `params` as an object, `apiKey` filled from the session when missing, the
/// transport in `connexionFrom`, and the daemon's connection id in `sessionId`.
pub fn prepare(request: &Value, api_key: Option<&str>, from: &str, session_id: Option<&str>) -> Value {
    let mut req = request.as_object().cloned().unwrap_or_default();
    let mut params = match req.remove("params") {
        Some(Value::Object(p)) => p,
        Some(Value::String(s)) => serde_json::from_str::<serde_json::Map<String, Value>>(&s).unwrap_or_default(),
        _ => serde_json::Map::new(),
    };
    if params.get("apiKey").is_none_or(Value::is_null) {
        if let Some(k) = api_key {
            params.insert("apiKey".into(), Value::String(k.into()));
        }
    }
    params.insert("connexionFrom".into(), Value::String(from.into()));
    if let Some(sid) = session_id {
        params.insert("sessionId".into(), Value::String(sid.into()));
    }
    req.insert("params".into(), Value::Object(params));
    Value::Object(req)
}

/// The app's error object (docs/protocol.md, "Errors").
pub fn exception(message: &str) -> Value {
    json!({"type": "EXCEPTION", "payload": {"message": message}})
}

/// An `EXCEPTION` in the wording of the plugin's dispatch errors.
pub fn method_exception(method: &str, from: &str, message: &str) -> Value {
    exception(&format!("Error with '{method}' method [{from}] - {message}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes() {
        let a =
            parse_answer(br#"{"jsonrpc":"2.0","id":"1","result":{"type":"WELCOME"},"jcd":{"apiKey":"k"}}"#).unwrap();
        assert_eq!(a.result["type"], "WELCOME");
        assert_eq!(a.jcd.unwrap()["apiKey"], "k");
        assert!(parse_answer(br#"{"jsonrpc":"2.0","id":"1","result":"ok"}"#).unwrap().result.is_null());
        assert!(parse_answer(b"").unwrap().result.is_null());
        assert!(matches!(parse_answer(b"<html>Fatal error</html>"), Err(RelayError::BadBody)));
        assert!(matches!(parse_answer(b"[1]"), Err(RelayError::BadBody)));
    }
}
