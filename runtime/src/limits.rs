//! Per-client, per-category request limits over a sliding minute. Checked before any network
//! I/O toward Cisco; a refused request is not counted.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// What a limit counts; each has its own budget per client (and per product).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    Axl,
    Ssh,
    Ris,
    Phone,
    Cupi,
    Common,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Axl => "AXL",
            Category::Ssh => "SSH",
            Category::Ris => "RIS",
            Category::Phone => "Phone",
            Category::Cupi => "CUPI",
            Category::Common => "Common",
        }
    }
}

const WINDOW: Duration = Duration::from_secs(60);

/// One budget: a client's calls of a category toward a product.
type BudgetKey = (String, &'static str, Category);

#[derive(Debug, Default)]
pub struct RateLimiter {
    calls: Mutex<HashMap<BudgetKey, VecDeque<Instant>>>,
}

impl RateLimiter {
    /// Takes one request from the budget, or says how many seconds until one is free.
    pub fn take(&self, client: &str, product: &'static str, category: Category, per_minute: u32) -> Result<(), u64> {
        self.take_at(client, product, category, per_minute, Instant::now())
    }

    fn take_at(
        &self,
        client: &str,
        product: &'static str,
        category: Category,
        per_minute: u32,
        now: Instant,
    ) -> Result<(), u64> {
        let mut calls = self.calls.lock().unwrap_or_else(|e| e.into_inner());
        let q = calls.entry((client.to_string(), product, category)).or_default();
        while q.front().is_some_and(|t| now.duration_since(*t) >= WINDOW) {
            q.pop_front();
        }
        if q.len() >= per_minute as usize {
            let oldest = *q.front().unwrap_or(&now);
            let wait = WINDOW.saturating_sub(now.duration_since(oldest));
            return Err(wait.as_secs() + u64::from(wait.subsec_nanos() > 0));
        }
        q.push_back(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_is_exact_per_client_and_category_and_frees_up_after_a_minute() {
        let l = RateLimiter::default();
        let t0 = Instant::now();
        for i in 0..5 {
            assert!(
                l.take_at("a", "cucm", Category::Ssh, 5, t0 + Duration::from_secs(i))
                    .is_ok(),
                "call {i}"
            );
        }
        let wait = l
            .take_at("a", "cucm", Category::Ssh, 5, t0 + Duration::from_secs(10))
            .unwrap_err();
        assert_eq!(wait, 50);
        assert!(l.take_at("b", "cucm", Category::Ssh, 5, t0).is_ok(), "other client");
        assert!(l.take_at("a", "cucm", Category::Axl, 5, t0).is_ok(), "other category");
        assert!(l.take_at("a", "imp", Category::Ssh, 5, t0).is_ok(), "other product");
        assert!(l
            .take_at("a", "cucm", Category::Ssh, 5, t0 + Duration::from_secs(60))
            .is_ok());
    }
}
