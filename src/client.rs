//! Who is on the other end of a public-port request: the TCP peer, the address the app really has (the peer, or
//! what a local reverse proxy forwarded), and the query parameters it sent. The listener fills it in; the routes
//! and transports read it.

use std::net::{IpAddr, SocketAddr};

use hyper::header::HeaderMap;

/// Who is on the other end of a request, put in the request's extensions by the listener.
#[derive(Clone, Debug)]
pub struct Client {
    pub peer: SocketAddr,
    /// The peer, or the address a local reverse proxy forwarded.
    pub real_ip: String,
}

impl Client {
    pub fn is_loopback(&self) -> bool {
        self.peer.ip().to_canonical().is_loopback()
    }
}

/// The client's address: the peer's, unless the peer is a local reverse proxy that says whom it forwards.
pub fn client_ip(peer: SocketAddr, headers: &HeaderMap) -> String {
    let ip = peer.ip().to_canonical();
    if ip.is_loopback() {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
        if let Some(real) = header("x-real-ip").filter(|v| v.parse::<IpAddr>().is_ok()) {
            return real.to_string();
        }
        if let Some(first) = header("x-forwarded-for").and_then(|v| v.split(',').next()).map(str::trim) {
            if first.parse::<IpAddr>().is_ok() {
                return first.to_string();
            }
        }
    }
    ip.to_string()
}

/// Headers by which a proxy says it forwards someone else's request.
pub const FORWARDING_HEADERS: [&str; 3] = ["x-forwarded-for", "x-real-ip", "forwarded"];

/// Whether the request says it was forwarded for someone else (then a loopback peer is only a proxy, and the
/// caller is not to be trusted as local).
pub fn forwarded(headers: &HeaderMap) -> bool {
    FORWARDING_HEADERS.iter().any(|h| headers.contains_key(*h))
}

/// A query parameter, percent-decoded.
pub fn url_param(query: &str, name: &str) -> Option<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::header::HeaderValue;

    #[test]
    fn forwarded_address_is_trusted_from_loopback_only() {
        let mut h = HeaderMap::new();
        h.insert("x-real-ip", HeaderValue::from_static("203.0.113.9"));
        assert_eq!(client_ip("127.0.0.1:5000".parse().unwrap(), &h), "203.0.113.9");
        assert_eq!(client_ip("[::ffff:192.168.1.4]:5000".parse().unwrap(), &h), "192.168.1.4");
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", HeaderValue::from_static("198.51.100.2, 10.0.0.1"));
        assert_eq!(client_ip("[::1]:5000".parse().unwrap(), &h), "198.51.100.2");
    }

    #[test]
    fn forwarding_headers_are_seen() {
        let mut h = HeaderMap::new();
        assert!(!forwarded(&h));
        h.insert("Forwarded", HeaderValue::from_static("for=192.0.2.60"));
        assert!(forwarded(&h));
    }

    #[test]
    fn query_parameters() {
        assert_eq!(url_param("a=1&apiKey=ab%2Bc", "apiKey").as_deref(), Some("ab+c"));
        assert_eq!(url_param("a=1", "apiKey"), None);
    }
}
