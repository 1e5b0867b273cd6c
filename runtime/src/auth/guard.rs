//! Brute-force protection: AUTH_FAIL_LIMIT failures from one IP within AUTH_FAIL_WINDOW_SECONDS
//! block it for AUTH_BLACKLIST_DURATION_SECONDS, before any credential is looked at.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Recent failure times and the end of a block, per IP.
type Failures = (VecDeque<Instant>, Option<Instant>);

#[derive(Debug)]
pub struct FailureGuard {
    limit: usize,
    window: Duration,
    block: Duration,
    state: Mutex<HashMap<IpAddr, Failures>>,
}

impl FailureGuard {
    pub fn new(limit: u64, window_secs: u64, block_secs: u64) -> Self {
        FailureGuard {
            limit: limit as usize,
            window: Duration::from_secs(window_secs),
            block: Duration::from_secs(block_secs),
            state: Mutex::new(HashMap::new()),
        }
    }

    /// Seconds left when the IP is blocked.
    pub fn blocked(&self, ip: IpAddr) -> Option<u64> {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let entry = s.get_mut(&ip)?;
        match entry.1 {
            Some(until) if until > Instant::now() => Some((until - Instant::now()).as_secs().max(1)),
            Some(_) => {
                entry.1 = None;
                entry.0.clear();
                None
            }
            None => None,
        }
    }

    /// Records a failure; true when this one blocks the IP.
    pub fn fail(&self, ip: IpAddr) -> bool {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let entry = s.entry(ip).or_default();
        while entry.0.front().is_some_and(|t| now.duration_since(*t) > self.window) {
            entry.0.pop_front();
        }
        entry.0.push_back(now);
        if entry.0.len() >= self.limit && entry.1.is_none() {
            entry.1 = Some(now + self.block);
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_th_failure_blocks() {
        let g = FailureGuard::new(3, 60, 60);
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        assert!(!g.fail(ip));
        assert!(!g.fail(ip));
        assert!(g.blocked(ip).is_none());
        assert!(g.fail(ip));
        assert!(g.blocked(ip).is_some());
        assert!(g.blocked("10.0.0.2".parse().unwrap()).is_none());
    }
}
