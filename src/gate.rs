//! The gate: what a stranger may cost. Before a connection is authenticated the daemon decides, from its own
//! device records, whether its key is worth a request to PHP (docs/architecture.md, "Strangers").
//!
//! - A key among the device records goes to PHP as always (a known phone is never slowed by strangers).
//! - Once PHP has sent the full set of devices (`DEVICES` with `full`), a key outside it is answered here, as
//!   the plugin would (`BAD_DEVICE` to a `CONNECT`, `Can't find eqLogic` to an SSE stream), without asking PHP —
//!   unless it is a key the full set once had (a regenerated or removed equipment), which PHP still answers
//!   (`SET_NEW_APIKEY`).
//! - Before any full set (a fresh install, right after the first start), unknown keys go to PHP, but each failed
//!   authentication counts against the client's address; past [`MAX_AUTH_FAILURES`] in
//!   [`AUTH_FAILURE_WINDOW`] that address is answered here until the window ends.
//!
//! Requests for unknown keys also go through their own, smaller share of relay slots (`relay`), so that strangers
//! cannot keep the phones' requests waiting.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use crate::limits::{AUTH_FAILURE_WINDOW, MAX_AUTH_FAILURES, MAX_FAILING_ADDRESSES, MAX_RETIRED_KEYS};

/// Why a stranger is answered by the daemon itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The key is not one of the devices PHP sent.
    UnknownKey,
    /// Too many failed authentications from this address lately.
    TooManyFailures,
}

#[derive(Default)]
pub struct Gate {
    /// A full set of devices has been received (or was on disk at start).
    full_set: AtomicBool,
    /// Keys a full set dropped: PHP may still have something to say about them.
    retired: Mutex<HashSet<String>>,
    /// Per client address: failed authentications in the current window, and when it started.
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Gate {
    pub fn new(full_set: bool) -> Gate {
        Gate { full_set: AtomicBool::new(full_set), ..Gate::default() }
    }

    /// Device records arrived; `removed` are the keys a full set dropped.
    pub fn on_devices(&self, full: bool, removed: &[String]) {
        if full {
            self.full_set.store(true, Ordering::Release);
        }
        if !removed.is_empty() {
            let mut retired = lock(&self.retired);
            if retired.len() + removed.len() > MAX_RETIRED_KEYS {
                retired.clear();
            }
            retired.extend(removed.iter().cloned());
        }
    }

    /// Whether a connection with this key, from this address, may cost a request to PHP. `known`: the key is
    /// among the device records.
    pub fn admit(&self, known: bool, key: &str, address: &str) -> Result<(), Refusal> {
        if known {
            return Ok(());
        }
        if self.recent_failures(address) >= MAX_AUTH_FAILURES {
            return Err(Refusal::TooManyFailures);
        }
        if self.full_set.load(Ordering::Acquire) && !lock(&self.retired).contains(key) {
            self.failed(address);
            return Err(Refusal::UnknownKey);
        }
        Ok(())
    }

    /// Counts a failed authentication (a refused key, or PHP's answer to one) against an address.
    pub fn failed(&self, address: &str) {
        let now = Instant::now();
        let mut failures = lock(&self.failures);
        if failures.len() >= MAX_FAILING_ADDRESSES && !failures.contains_key(address) {
            failures.retain(|_, (_, since)| now.duration_since(*since) < AUTH_FAILURE_WINDOW);
            if failures.len() >= MAX_FAILING_ADDRESSES {
                // Bounded memory first: forget them all rather than grow.
                failures.clear();
            }
        }
        let entry = failures.entry(address.to_string()).or_insert((0, now));
        if now.duration_since(entry.1) >= AUTH_FAILURE_WINDOW {
            *entry = (0, now);
        }
        entry.0 = entry.0.saturating_add(1);
    }

    fn recent_failures(&self, address: &str) -> u32 {
        match lock(&self.failures).get(address) {
            Some((n, since)) if since.elapsed() < AUTH_FAILURE_WINDOW => *n,
            _ => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_keys_always_pass_strangers_are_refused_once_the_full_set_is_known() {
        let g = Gate::new(false);
        assert_eq!(g.admit(false, "x", "192.0.2.1"), Ok(()), "no full set yet: PHP decides");
        g.on_devices(true, &["old".to_string()]);
        assert_eq!(g.admit(false, "x", "192.0.2.1"), Err(Refusal::UnknownKey));
        assert_eq!(g.admit(false, "old", "192.0.2.2"), Ok(()), "a retired key is still PHP's to answer");
        assert_eq!(g.admit(true, "k", "192.0.2.1"), Ok(()));
    }

    #[test]
    fn failures_are_limited_per_address() {
        let g = Gate::new(false);
        for _ in 0..MAX_AUTH_FAILURES {
            assert_eq!(g.admit(false, "x", "192.0.2.1"), Ok(()));
            g.failed("192.0.2.1");
        }
        assert_eq!(g.admit(false, "x", "192.0.2.1"), Err(Refusal::TooManyFailures));
        assert_eq!(g.admit(false, "x", "192.0.2.9"), Ok(()), "another address is not affected");
        assert_eq!(g.admit(true, "k", "192.0.2.1"), Ok(()), "a known device from that address still passes");
    }

    #[test]
    fn the_failure_table_stays_bounded() {
        let g = Gate::new(false);
        for i in 0..(MAX_FAILING_ADDRESSES * 3) {
            g.failed(&format!("10.{}.{}.{}", i >> 16 & 255, i >> 8 & 255, i & 255));
        }
        assert!(lock(&g.failures).len() <= MAX_FAILING_ADDRESSES);
    }
}
