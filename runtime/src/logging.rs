//! `app.log` (tracing) and `audit.log` (one JSON object per line) in LOGGING_DIR, both rotated
//! by size (LOGGING_ROTATE_SIZE, keeping LOGGING_ROTATE_FILES old files), plus an optional
//! coloured console.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

use crate::config::Config;

/// A file that rolls over to `name.1`, `name.2`, ... when it would pass `max_bytes`.
#[derive(Debug)]
pub struct RotatingFile {
    path: PathBuf,
    max_bytes: u64,
    keep: u32,
    file: File,
    size: u64,
}

impl RotatingFile {
    pub fn open(path: &Path, max_bytes: u64, keep: u32) -> io::Result<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        let size = file.metadata()?.len();
        Ok(RotatingFile {
            path: path.to_path_buf(),
            max_bytes,
            keep,
            file,
            size,
        })
    }

    fn rotated(&self, n: u32) -> PathBuf {
        let mut s = self.path.as_os_str().to_owned();
        s.push(format!(".{n}"));
        PathBuf::from(s)
    }

    fn rotate(&mut self) -> io::Result<()> {
        self.file.flush()?;
        let _ = std::fs::remove_file(self.rotated(self.keep));
        for n in (1..self.keep).rev() {
            let from = self.rotated(n);
            if from.exists() {
                std::fs::rename(&from, self.rotated(n + 1))?;
            }
        }
        std::fs::rename(&self.path, self.rotated(1))?;
        self.file = OpenOptions::new().create(true).append(true).open(&self.path)?;
        self.size = 0;
        Ok(())
    }

    pub fn write_line(&mut self, line: &[u8]) -> io::Result<()> {
        if self.size > 0 && self.size + line.len() as u64 > self.max_bytes {
            self.rotate()?;
        }
        self.file.write_all(line)?;
        self.size += line.len() as u64;
        Ok(())
    }
}

/// Shared handle usable as a tracing writer.
#[derive(Debug, Clone)]
pub struct SharedFile(Arc<Mutex<RotatingFile>>);

impl SharedFile {
    pub fn new(f: RotatingFile) -> Self {
        SharedFile(Arc::new(Mutex::new(f)))
    }
}

impl Write for SharedFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).write_line(buf)?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).file.flush()
    }
}

impl<'a> MakeWriter<'a> for SharedFile {
    type Writer = SharedFile;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// The audit trail: security-relevant events as JSON lines.
#[derive(Debug, Clone)]
pub struct Audit {
    file: Option<SharedFile>,
}

impl Audit {
    pub fn open(config: &Config) -> io::Result<Audit> {
        let f = RotatingFile::open(
            &config.path("LOGGING_DIR").join("audit.log"),
            config.int("LOGGING_ROTATE_SIZE"),
            config.int("LOGGING_ROTATE_FILES") as u32,
        )?;
        Ok(Audit {
            file: Some(SharedFile::new(f)),
        })
    }

    /// An audit log that drops everything (unit tests of single components).
    pub fn discard() -> Audit {
        Audit { file: None }
    }

    /// Writes `{"time": ..., "event": kind, ...fields}`.
    pub fn event(&self, kind: &str, fields: serde_json::Value) {
        let Some(file) = &self.file else { return };
        let mut obj = serde_json::Map::new();
        let now = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        obj.insert("time".into(), now.into());
        obj.insert("event".into(), kind.into());
        if let serde_json::Value::Object(m) = fields {
            obj.extend(m);
        }
        let mut line = serde_json::Value::Object(obj).to_string();
        line.push('\n');
        if let Err(e) = file.clone().write(line.as_bytes()) {
            tracing::error!("cannot write audit.log: {e}");
        }
    }
}

fn level(config: &Config) -> tracing::Level {
    match config.get("LOGGING_LEVEL") {
        "debug" => tracing::Level::DEBUG,
        "info" => tracing::Level::INFO,
        "warning" => tracing::Level::WARN,
        _ => tracing::Level::ERROR,
    }
}

/// Installs the global subscriber: app.log always, the console when enabled.
pub fn init(config: &Config) -> io::Result<()> {
    let app = SharedFile::new(RotatingFile::open(
        &config.path("LOGGING_DIR").join("app.log"),
        config.int("LOGGING_ROTATE_SIZE"),
        config.int("LOGGING_ROTATE_FILES") as u32,
    )?);
    let filter = tracing_subscriber::filter::LevelFilter::from_level(level(config));
    let file_layer = tracing_subscriber::fmt::layer()
        .with_ansi(false)
        .with_writer(app)
        .with_filter(filter);
    let console = config.flag("LOGGING_CONSOLE_ENABLED").then(|| {
        tracing_subscriber::fmt::layer()
            .with_ansi(true)
            .with_writer(io::stderr)
            .with_filter(filter)
    });
    // A second init (tests, demo restarts) keeps the first subscriber.
    let _ = tracing_subscriber::registry().with(file_layer).with(console).try_init();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_rotate_by_size_keeping_n() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.log");
        let mut f = RotatingFile::open(&path, 100, 2).unwrap();
        for i in 0..10 {
            f.write_line(format!("{i:039}\n").as_bytes()).unwrap();
        }
        assert!(path.exists());
        assert!(dir.path().join("app.log.1").exists());
        assert!(dir.path().join("app.log.2").exists());
        assert!(!dir.path().join("app.log.3").exists());
        assert!(std::fs::metadata(&path).unwrap().len() <= 100);
        let last = std::fs::read_to_string(&path).unwrap();
        assert!(last.ends_with(&format!("{:039}\n", 9)));
    }
}
