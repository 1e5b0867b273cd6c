//! Backup and restore throughput and peak memory on a 500 MB installation (400 MB that does
//! not compress, 100 MB of log-like text). `cargo bench -p ai-bridge --bench backup`;
//! BACKUP_BENCH_MB changes the size. Prints MB/s and the process's peak RSS per phase.

use std::io::Write;
use std::time::Instant;

use ai_bridge::backup::{self, Quiet, Settings};

/// VmHWM (peak resident set) in MB; reset between phases through /proc/self/clear_refs.
fn peak_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn main() {
    let total_mb: usize = std::env::var("BACKUP_BENCH_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("install");
    std::fs::create_dir_all(root.join("secrets")).unwrap();
    let (private, public) = ai_bridge::keys::generate(2048).unwrap();
    std::fs::write(root.join("secrets/rsa_private.pem"), private).unwrap();
    std::fs::write(root.join("secrets/rsa_public.pem"), public).unwrap();
    std::fs::write(root.join(".env"), "AUTH_RSA_KEY_SIZE=2048\n").unwrap();
    let random_mb = total_mb * 4 / 5;
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut buf = vec![0u8; 1 << 20];
    for f in 0..(random_mb / 50).max(1) {
        let mut out = std::fs::File::create(root.join(format!("reports-{f}.bin"))).unwrap();
        for _ in 0..50.min(random_mb) {
            for chunk in buf.chunks_mut(8) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                chunk.copy_from_slice(&x.to_le_bytes());
            }
            out.write_all(&buf).unwrap();
        }
    }
    let mut log = std::io::BufWriter::new(std::fs::File::create(root.join("app.log")).unwrap());
    let mut written = 0usize;
    let mut i = 0u64;
    while written < (total_mb - random_mb) << 20 {
        let line = format!("2026-12-03T10:{:02}:{:02}Z INFO tool_call client=claude tool=cucm_axl_call host=cucm{} operation=getPhone outcome=ok duration_ms={}\n", i % 60, i % 59, i % 7, i % 997);
        written += line.len();
        log.write_all(line.as_bytes()).unwrap();
        i += 1;
    }
    drop(log);
    let config = ai_bridge::config::Config::load(&root).unwrap();
    let settings = Settings::from_config(&config);
    let size_mb = total_mb as f64;

    reset_peak();
    let t = Instant::now();
    let created = backup::create(&settings, &mut Quiet).unwrap();
    let create_s = t.elapsed().as_secs_f64();
    let create_peak = peak_mb();
    println!(
        "create:  {size_mb:.0} MB in {create_s:.2} s = {:.0} MB/s, archive {:.0} MB, peak RSS {create_peak:.0} MB",
        size_mb / create_s,
        created.archive_bytes as f64 / 1_048_576.0
    );

    reset_peak();
    let t = Instant::now();
    backup::verify(&settings, &created.path, &mut Quiet).unwrap();
    let verify_s = t.elapsed().as_secs_f64();
    println!(
        "verify:  {:.2} s = {:.0} MB/s, peak RSS {:.0} MB",
        verify_s,
        size_mb / verify_s,
        peak_mb()
    );

    reset_peak();
    let target = dir.path().join("restored");
    let t = Instant::now();
    backup::restore(&settings, &created.path, &target, false, &mut Quiet).unwrap();
    let restore_s = t.elapsed().as_secs_f64();
    println!(
        "restore: {restore_s:.2} s (verify pass + extract) = {:.0} MB/s, peak RSS {:.0} MB",
        size_mb / restore_s,
        peak_mb()
    );
}
