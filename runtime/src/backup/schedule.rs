//! Backups while the server runs: every BACKUP_INTERVAL_HOURS, with a missed run caught up
//! once at start-up. Each run logs to app.log and audit.log.

use std::time::{Duration, SystemTime};

use tokio_util::sync::CancellationToken;

use super::{list, run_backup, Quiet, Settings};
use crate::config::Config;
use crate::logging::Audit;

/// Age of the newest archive (None when there is none).
fn newest_age(s: &Settings) -> Option<Duration> {
    let newest = list(s).ok()?.into_iter().rev().find(|a| a.has_sidecar)?;
    let modified = std::fs::metadata(&newest.path).ok()?.modified().ok()?;
    SystemTime::now().duration_since(modified).ok()
}

pub async fn run(config: Config, audit: Audit, stop: CancellationToken) {
    let interval = Duration::from_secs(config.int("BACKUP_INTERVAL_HOURS") * 3600);
    let settings = Settings::from_config(&config);
    let mut wait = match newest_age(&settings) {
        Some(age) if age < interval => interval - age,
        // Never backed up, or the last run is overdue: catch up now, once.
        _ => Duration::ZERO,
    };
    loop {
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.cancelled() => return,
        }
        match run_backup(&config, &audit, Box::new(Quiet)).await {
            Ok(report) => tracing::info!("scheduled backup: {report}"),
            Err(e) => tracing::error!("scheduled backup failed: {e}"),
        }
        wait = interval;
    }
}
