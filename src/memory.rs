//! Giving memory back to the system after a wave of connections. glibc's allocator keeps what a thousand
//! closed connections freed (in its per-thread arenas) for reuse; once the number of live connections has fallen
//! well below its peak, the freed pages are returned (`malloc_trim`). One check every 10 s, nothing per connection.
//! Other C libraries (musl) return memory on their own: there this does nothing.

use std::sync::Arc;
use std::time::Duration;

use crate::hub::Hub;

/// How often the number of live connections is looked at.
const CHECK_EVERY: Duration = Duration::from_secs(10);
/// A fall this large from the peak (in connections) gives memory back.
const WAVE: u64 = 256;

/// Watches the number of live connections until the daemon stops.
pub async fn give_back_after_waves(hub: Arc<Hub>) {
    let mut tick = tokio::time::interval(CHECK_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = hub.shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        let peak = hub.take_peak_connections();
        let live = hub.live_connections();
        if peak >= live + WAVE {
            let released = trim();
            tracing::debug!("{} connections fewer than the peak of {peak}: memory returned ({released})", peak - live);
        }
    }
}

/// Returns the allocator's free pages to the system; says whether it could.
pub fn trim() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: malloc_trim only walks the allocator's own free lists; any pad value is valid.
        unsafe { libc::malloc_trim(0) == 1 }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        false
    }
}
